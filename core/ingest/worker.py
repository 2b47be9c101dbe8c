"""What one file's import costs in CPU and disk, run in worker processes, in two passes.

First pass (`prepare_file`, fast): the file is read once; the same bytes are hashed, written to a
temp file beside their place in the library (fsynced; the service renames it in), their metadata is
read from the headers, and the preview the camera embedded is put in the cache, so the grid can
show the shoot at once. Second pass (`render_grid`): the real 512 grid thumbnails, from a big JPEG's
DC coefficients at a fraction of a full decode. Third pass (`render_loupe`): the 2048 loupe
previews, decoded at the smallest DCT scale that covers them (photos that are not big JPEGs get
both in the second pass, from one decode). A file that cannot be decoded is reported then.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from core.fsutil import fsync_dir, temp_path_for
from core.imaging.analyse import hash_bytes
from core.imaging.embedded import write_embedded_preview
from core.imaging.errors import NotAPhoto
from core.imaging.metadata import PhotoMetadata, metadata_from_bytes
from core.imaging.previews import DEFAULT_SIZES, GRID, LOUPE, grid_first, make_previews
from core.imaging.xmp import SidecarMarks, read_sidecar, sidecar_candidates, sidecar_path
from core.ingest.library import StagedCopy


@dataclass(frozen=True)
class Prepared:
    source: str
    staged: StagedCopy | None
    reason: str | None = None  # why the file was refused, in a photographer's words
    metadata: PhotoMetadata | None = None
    marks: SidecarMarks | None = None  # from an XMP sidecar beside the source
    sidecar: str | None = None  # that sidecar, to be copied beside the library copy


def prepare_file(source: str, dest: str, previews_root: str) -> Prepared:
    """Stage a copy of `source` next to `dest`, read its metadata and make its previews."""
    src = Path(source)
    try:
        if not src.is_file():
            return Prepared(source, None, "not a file")
        data = src.read_bytes()
    except PermissionError:
        return Prepared(source, None, "cannot read the file (permission denied)")
    except OSError as exc:
        return Prepared(source, None, _unreadable(exc))
    if not data:
        return Prepared(source, None, "empty file (0 bytes)")
    content_hash = hash_bytes(data)
    try:
        metadata = metadata_from_bytes(data, src.name)
    except NotAPhoto as exc:
        return Prepared(source, None, exc.reason)
    write_embedded_preview(src, previews_root, content_hash)
    staged = _stage(data, Path(dest), content_hash)
    sidecar = next((p for p in sidecar_candidates(src) if p.is_file()), None)
    marks = read_sidecar(src) if sidecar else None
    return Prepared(source, staged, None, metadata, marks, str(sidecar) if sidecar else None)


def _unreadable(exc: OSError) -> str:
    """Why a file could not be read, as the import reports it."""
    return f"cannot read the file ({exc.strerror or exc})"


def worker_ready() -> int:
    """A no-op that makes the pool start a worker (its modules are preloaded by the forkserver)."""
    return os.getpid()


def render_grid(
    library_file: str, previews_root: str, content_hash: str
) -> tuple[str | None, bool]:
    """Make the grid thumbnail of a file already in the library (and its loupe preview too,
    unless the thumbnail was much cheaper on its own). Returns the reason if it is not a usable
    photo after all (a JPEG cut short shows only when its pixels are decoded), and whether the
    loupe preview is still to be made."""
    try:
        data = Path(library_file).read_bytes()
        loupe_later = grid_first(data, library_file)
        sizes = (GRID,) if loupe_later else DEFAULT_SIZES
        make_previews(data, previews_root, content_hash, sizes, filename=library_file)
    except NotAPhoto as exc:
        return exc.reason, False
    except OSError as exc:
        return _unreadable(exc), False
    return None, loupe_later


def render_loupe(library_file: str, previews_root: str, content_hash: str) -> str | None:
    """Make the loupe preview of a file whose grid thumbnail exists; the reason if its pixels
    cannot be decoded after all."""
    try:
        make_previews(library_file, previews_root, content_hash, (LOUPE,))
    except NotAPhoto as exc:
        return exc.reason
    except OSError as exc:
        return _unreadable(exc)
    return None


def _stage(data: bytes, dest: Path, content_hash: str) -> StagedCopy:
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_path_for(dest)
    try:
        with open(tmp, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return StagedCopy(str(tmp), content_hash, len(data))


def copy_sidecar(sidecar: str, placed_original: Path) -> None:
    """Bring a sidecar another tool wrote along with the original, unless one is already there."""
    target = sidecar_path(placed_original)
    if target.exists():
        return
    tmp = temp_path_for(target)
    shutil.copyfile(sidecar, tmp)
    with open(tmp, "rb+") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, target)
    fsync_dir(target.parent)
