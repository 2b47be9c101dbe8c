"""What one file's import costs in CPU and disk, run in a worker process: copy, hash, check."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from core.ingest.library import StagedCopy, discard, stage_copy


@dataclass(frozen=True)
class Prepared:
    source: str
    staged: StagedCopy | None
    reason: str | None = None  # why the file was refused, in a photographer's words


def prepare_file(source: str, dest: str) -> Prepared:
    """Stage a copy of `source` next to `dest`; refuse what cannot be a photo."""
    src = Path(source)
    try:
        if not src.is_file():
            return Prepared(source, None, "not a file")
        if src.stat().st_size == 0:
            return Prepared(source, None, "empty file (0 bytes)")
        staged = stage_copy(src, Path(dest))
    except PermissionError:
        return Prepared(source, None, "cannot read the file (permission denied)")
    except OSError as exc:
        return Prepared(source, None, f"cannot read the file ({exc.strerror or exc})")
    try:
        return Prepared(source, staged)
    except BaseException:
        discard(staged)
        raise
