"""Writing files so that a crash leaves either the old file or the complete new one."""

from core.fsutil import write_atomic as write_bytes_atomically

__all__ = ["write_bytes_atomically"]
