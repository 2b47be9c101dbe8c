"""Opening photo bytes safely: decompression-bomb guard, damage reports, upright turning.

Shared by metadata and previews. Nothing here touches the disk except reading a source.
"""

from __future__ import annotations

import contextlib
import io
import os
import struct
import warnings
from collections.abc import Iterator
from typing import TYPE_CHECKING

from PIL import Image

from core.imaging.errors import NotAPhoto
from core.imaging.formats import PhotoKind, sniff_kind

if TYPE_CHECKING:
    import rawpy  # loaded by the functions that read RAW files: LibRaw and numpy take 0.1 s

#: A photo handed to the library: a path on disk or the file's bytes already in memory.
Source = str | os.PathLike[str] | bytes

BOMB_REASON = "too large to open safely (decompression bomb)"
RAW_UNREADABLE = "a RAW file with its image data missing and no embedded preview"

# EXIF orientation -> the turn that makes the picture upright.
_UPRIGHT = {
    2: (Image.Transpose.FLIP_LEFT_RIGHT,),
    3: (Image.Transpose.ROTATE_180,),
    4: (Image.Transpose.FLIP_TOP_BOTTOM,),
    5: (Image.Transpose.TRANSPOSE,),
    6: (Image.Transpose.ROTATE_270,),
    7: (Image.Transpose.TRANSVERSE,),
    8: (Image.Transpose.ROTATE_90,),
}

# LibRaw's ``flip`` expressed as an EXIF orientation.
RAW_FLIP_TO_ORIENTATION = {0: 1, 3: 3, 5: 8, 6: 6}

_heif_registered = False


def ensure_heif_support() -> None:
    """Teach Pillow to open HEIC/HEIF, once per process (pillow-heif returns upright images)."""
    global _heif_registered
    if not _heif_registered:
        import pillow_heif

        pillow_heif.register_heif_opener()
        _heif_registered = True


def read_source(source: Source, filename: str = "") -> tuple[bytes, str]:
    """The photo's bytes and a name to judge RAW extensions by."""
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source), filename
    with open(source, "rb") as f:
        return f.read(), filename or os.fspath(source)


def kind_of(data: bytes, name: str) -> PhotoKind:
    return sniff_kind(data[:64], name)


@contextlib.contextmanager
def damage_reported(kind: PhotoKind | str) -> Iterator[None]:
    """Turn Pillow's and LibRaw's decoding failures into a NotAPhoto a photographer can read."""
    with warnings.catch_warnings():
        # Pictures between Pillow's warning and error thresholds (90-180 MP) are real
        # cameras' files (GFX 100, IQ4 150); we decode them reduced, so they are safe.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            yield
        except NotAPhoto:
            raise
        except Image.DecompressionBombError as e:
            raise NotAPhoto(BOMB_REASON) from e
        except Image.UnidentifiedImageError as e:
            raise NotAPhoto(f"the {_label(kind)} is damaged: its header cannot be read") from e
        except (OSError, SyntaxError, ValueError, struct.error, EOFError, IndexError) as e:
            text = str(e).lower()
            if "truncated" in text or "premature end" in text or isinstance(e, EOFError):
                raise NotAPhoto(f"the {_label(kind)} is cut short") from e
            raise NotAPhoto(f"the {_label(kind)} is damaged ({e})") from e
        except MemoryError as e:
            raise NotAPhoto(BOMB_REASON) from e


def _label(kind: PhotoKind | str) -> str:
    return {
        PhotoKind.JPEG: "JPEG",
        PhotoKind.MPO: "JPEG",
        PhotoKind.PNG: "PNG",
        PhotoKind.TIFF: "TIFF",
        PhotoKind.HEIF: "HEIC",
        PhotoKind.WEBP: "WebP",
        PhotoKind.RAW: "RAW file",
    }.get(kind, "file")  # type: ignore[call-overload]


def open_image(data: bytes, kind: PhotoKind) -> Image.Image:
    """Open (not decode) a non-RAW photo from memory, refusing decompression bombs."""
    if kind is PhotoKind.HEIF:
        ensure_heif_support()
    with damage_reported(kind):
        im = Image.open(io.BytesIO(data))
    if im.format == "MPO":
        im.seek(0)  # the first frame is the ordinary photo; the second is the other eye
    # The bytes are in memory already: hand them to the decoder in one piece. In 64 KB
    # pieces libjpeg suspends and restarts ~170 times for a 24 MP JPEG (about 4% slower).
    im.decodermaxblock = max(im.decodermaxblock, len(data))
    return im


def exif_orientation(im: Image.Image) -> int:
    """EXIF orientation 1-8 as it applies to ``im``'s pixels (pillow-heif's are upright: 1)."""
    try:
        value = im.getexif().get(0x0112, 1)
    except Exception:
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def upright(im: Image.Image, orientation: int) -> Image.Image:
    for step in _UPRIGHT.get(orientation, ()):
        im = im.transpose(step)
    return im


def turned_sideways(orientation: int) -> bool:
    return orientation in (5, 6, 7, 8)


def open_raw(data: bytes) -> rawpy.RawPy | None:
    """LibRaw's view of a RAW file, or None when LibRaw cannot parse it at all."""
    import rawpy

    try:
        return rawpy.imread(io.BytesIO(data))
    except (rawpy.LibRawError, ValueError, OSError):
        return None


def raw_image_data_present(raw: rawpy.RawPy, size_bytes: int) -> bool:
    """False when the file is far too small to hold its own sensor data (stripped samples).

    Even heavily compressed RAW data takes well over half a bit per photosite; LibRaw will
    happily "develop" noise from a file that has none, so we check before trusting it.
    """
    sizes = raw.sizes
    return size_bytes >= sizes.raw_width * sizes.raw_height // 16


def raw_embedded_jpeg(raw: rawpy.RawPy) -> bytes | Image.Image | None:
    """The RAW's embedded preview: JPEG bytes, or a small bitmap as an image; None if absent."""
    import rawpy

    try:
        thumb = raw.extract_thumb()
    except (rawpy.LibRawError, ValueError, OSError):
        return None
    if thumb.format == rawpy.ThumbFormat.JPEG:
        return bytes(thumb.data)
    if thumb.format == rawpy.ThumbFormat.BITMAP:
        return Image.fromarray(thumb.data)
    return None


def raw_orientation(raw: rawpy.RawPy) -> int:
    return RAW_FLIP_TO_ORIENTATION.get(raw.sizes.flip, 1)
