"""Crash-safe file writes: temp file in the same folder, fsync, rename, fsync the folder."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

TEMP_MARK = ".pf-tmp-"


def temp_path_for(dest: Path) -> Path:
    return dest.with_name(f".{dest.name}{TEMP_MARK}{secrets.token_hex(6)}")


def fsync_dir(folder: Path) -> None:
    if os.name == "nt":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(dest: Path, data: bytes) -> None:
    """Write `data` to `dest` so that a crash leaves either the old file or the new, never half."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_path_for(dest)
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(dest.parent)


def sweep_temp_files(folder: Path) -> int:
    """Remove temp files a killed process left behind; returns how many."""
    if not folder.is_dir():
        return 0
    removed = 0
    for path in folder.rglob(f"*{TEMP_MARK}*"):
        if path.is_file() and path.name.startswith("."):
            path.unlink(missing_ok=True)
            removed += 1
    return removed
