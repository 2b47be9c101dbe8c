"""Crash-safe file writes: temp file in the same folder, fsync, rename, fsync the folder.

Temp files carry the writing process's id, so that a later run removes only what a dead process
left behind, never what another live import is still writing.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import stat
from pathlib import Path

TEMP_MARK = ".pf-tmp-"
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')


def safe_part(text: str, replacement: str = "-") -> str:
    """`text` as one part of a path on any system: separators, reserved and control characters
    replaced, no leading or trailing dots or spaces (so never "." or ".."); may be empty."""
    return _UNSAFE.sub(replacement, text).strip(" .")


def temp_path_for(dest: Path) -> Path:
    return dest.with_name(f".{dest.name}{TEMP_MARK}{os.getpid()}-{secrets.token_hex(4)}")


def fsync_dir(folder: Path) -> None:
    if os.name == "nt":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(
    dest: str | os.PathLike[str], data: bytes | memoryview, *, sync_dir: bool = True
) -> None:
    """Write `data` to `dest` so that a crash leaves either the old file or the new, never half.

    An existing file keeps its permissions (other tools read our sidecars). `sync_dir=False` is
    for derived files (previews) that may vanish in a crash but must never be half-written.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode = stat.S_IMODE(dest.stat().st_mode)
    except FileNotFoundError:
        mode = 0o644
    tmp = temp_path_for(dest)
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fchmod(fh.fileno(), mode)
            os.fsync(fh.fileno())
        os.replace(tmp, dest)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    if sync_dir:
        fsync_dir(dest.parent)


def _writer_alive(name: str) -> bool:
    pid_text = name.rsplit(TEMP_MARK, 1)[-1].split("-", 1)[0]
    if not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a killed worker nobody has reaped yet is a zombie: it answers kill(0) but writes nothing
        with open(f"/proc/{pid}/stat", "rb") as fh:
            state = fh.read().rsplit(b")", 1)[1].split()[0]
        return state not in (b"Z", b"X")
    except (OSError, IndexError):
        return True


def sweep_temp_files(folder: Path) -> int:
    """Remove temp files that a killed process left behind; returns how many."""
    if not folder.is_dir():
        return 0
    removed = 0
    for path in folder.rglob(f"*{TEMP_MARK}*"):
        if path.is_file() and path.name.startswith(".") and not _writer_alive(path.name):
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def home_key(path: Path, *, create: bool = True) -> bytes | None:
    """A 32-byte secret kept in the home folder, readable by its owner only, made on first use.

    Two processes making it at once keep the same key: the new key is linked into place, which
    never replaces a key another process made meanwhile."""
    try:
        data = path.read_bytes()
        if len(data) >= 32:
            return data
    except FileNotFoundError:
        pass
    if not create:
        return None
    data = secrets.token_bytes(32)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()
    return path.read_bytes()
