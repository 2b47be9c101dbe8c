"""The library: where imported files live, copied once, verified by hash, never half-written.

A file is read once; the same bytes are hashed and written to a temp file beside its destination,
fsynced (core.ingest.worker), and renamed into place here. The source is only ever read.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from core.fsutil import fsync_dir

KIND_FOLDERS = {"original": "originals", "stock": "stock", "final": "final"}


def album_folder(library: Path, album_id: object) -> Path:
    return library / str(album_id)


def destination(library: Path, album_id: object, kind: str, round_: int, filename: str) -> Path:
    folder = KIND_FOLDERS.get(kind) or f"retouched/round-{round_}"
    return album_folder(library, album_id) / folder / filename


@dataclass(frozen=True)
class StagedCopy:
    temp_path: str
    content_hash: str
    size_bytes: int


def place(staged: StagedCopy, dest: Path) -> Path:
    """Rename the staged copy into the library; a different file with the same name keeps its
    place and the new one gets a free name. Returns where the file now is."""
    from core.imaging.analyse import hash_file  # the imaging stack: loaded by imports only

    tmp = Path(staged.temp_path)
    target = dest
    n = 2
    while target.exists():
        if target.stat().st_size == staged.size_bytes and hash_file(target) == staged.content_hash:
            tmp.unlink(missing_ok=True)  # a killed earlier run already put it here
            return target
        target = dest.with_name(f"{dest.stem} ({n}){dest.suffix}")
        n += 1
    os.replace(tmp, target)
    fsync_dir(target.parent)
    return target


def discard(staged: StagedCopy) -> None:
    Path(staged.temp_path).unlink(missing_ok=True)
