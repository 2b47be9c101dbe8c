"""The "first screen": the small preview cameras embed in their files, shown while the real
previews are still being made. Reading it touches a few kilobytes, not the whole picture."""

from __future__ import annotations

import io
import os
from pathlib import Path

from PIL import ExifTags, Image

from core.imaging import decoding
from core.imaging.atomic import write_bytes_atomically
from core.imaging.errors import NotAPhoto
from core.imaging.formats import SNIFF_BYTES, PhotoKind, sniff_kind
from core.imaging.previews import preview_path, write_jpeg_atomically

EMBEDDED = "embedded"


def embedded_preview(path: str | os.PathLike[str]) -> bytes | None:
    """The JPEG a camera embedded in the file (EXIF thumbnail, RAW preview), as stored.

    It is not turned upright; :func:`write_embedded_preview` does that. None when there is none.
    """
    found = _embedded(path)
    return found[0] if found else None


def write_embedded_preview(
    path: str | os.PathLike[str], cache_root: str | os.PathLike[str], content_hash: str
) -> Path | None:
    """Write the embedded preview, upright, to ``<hash>_embedded.jpg`` in the preview cache."""
    found = _embedded(path)
    if found is None:
        return None
    data, orientation = found
    target = preview_path(cache_root, content_hash, EMBEDDED)
    if orientation == 1:
        write_bytes_atomically(target, data, sync_dir=False)
        return target
    try:
        with decoding.damage_reported(PhotoKind.JPEG):
            im = Image.open(io.BytesIO(data))
            im.load()
    except NotAPhoto:
        return None
    write_jpeg_atomically(decoding.upright(im.convert("RGB"), orientation), target)
    return target


def _embedded(path: str | os.PathLike[str]) -> tuple[bytes, int] | None:
    """(JPEG bytes, EXIF orientation they still need) or None."""
    try:
        with open(path, "rb") as f:
            kind = sniff_kind(f.read(SNIFF_BYTES), path)
    except (OSError, NotAPhoto):
        return None
    try:
        if kind in (PhotoKind.JPEG, PhotoKind.MPO):
            return _exif_thumbnail(path)
        if kind is PhotoKind.RAW:
            return _raw_preview(path)
        if kind is PhotoKind.HEIF:
            return _heif_thumbnail(path)
    except Exception:
        # A damaged header only costs the first-screen preview; analysis reports the damage.
        return None
    return None


def _exif_thumbnail(path: str | os.PathLike[str]) -> tuple[bytes, int] | None:
    # Image.open reads the markers up to the first scan and stops; the pixels stay on disk.
    with Image.open(path) as im:
        raw_exif = im.info.get("exif")
    if not raw_exif:
        return None
    exif = Image.Exif()
    exif.load(raw_exif)
    ifd1 = exif.get_ifd(ExifTags.IFD.IFD1)
    offset, length = ifd1.get(0x0201), ifd1.get(0x0202)
    if not offset or not length:
        return None
    tiff = raw_exif[6:] if raw_exif.startswith(b"Exif\x00\x00") else raw_exif
    data = bytes(tiff[offset : offset + length])
    if not data.startswith(b"\xff\xd8"):
        return None
    orientation = exif.get(0x0112, 1)
    return data, orientation if orientation in range(1, 9) else 1


def _raw_preview(path: str | os.PathLike[str]) -> tuple[bytes, int] | None:
    import rawpy

    try:
        raw = rawpy.imread(os.fspath(path))
    except (rawpy.LibRawError, ValueError, OSError):
        return None
    with raw:
        thumb = decoding.raw_embedded_jpeg(raw)
        orientation = decoding.raw_orientation(raw)
    if thumb is None:
        return None
    if isinstance(thumb, Image.Image):
        buffer = io.BytesIO()
        thumb.convert("RGB").save(buffer, "JPEG", quality=90)
        thumb = buffer.getvalue()
    return thumb, orientation


def _heif_thumbnail(path: str | os.PathLike[str]) -> tuple[bytes, int] | None:
    import pillow_heif

    heif = pillow_heif.open_heif(os.fspath(path))
    if not heif.info.get("thumbnails"):
        return None
    im = heif[0].get_thumbnail(0).to_pillow()  # pillow-heif hands it over upright
    buffer = io.BytesIO()
    im.convert("RGB").save(buffer, "JPEG", quality=90)
    return buffer.getvalue(), 1
