"""Making one final: run in the imaging pool's worker processes (CPU work, never the event loop).

The source (the approved retouch) is decoded once, at the smallest JPEG scale that still covers
the preset's size, turned upright, converted to sRGB through its ICC profile, resized, sharpened
for screen or print, watermarked if the preset says so, and encoded with only the metadata a client
should get: copyright, creator, camera and exposure kept; GPS, serial numbers (unless the preset
keeps them), maker notes, XMP and IPTC left out. The file is written to a temp file beside its
place, fsynced and renamed in, so a kill leaves either nothing or the whole final.
"""

from __future__ import annotations

import io
import os
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import ExifTags, Image, ImageCms, ImageFilter, ImageOps

from core.finals.presets import ExportPreset
from core.fsutil import write_atomic
from core.imaging.analyse import hash_bytes
from core.imaging.cleaning import watermark_image
from core.imaging.colour import to_srgb
from core.imaging.decoding import ensure_heif_support

_EXIF_IFD = ExifTags.IFD.Exif
_GPS_IFD = ExifTags.IFD.GPSInfo
_MAKER_NOTE = 0x927C
_SERIALS = (0xA431, 0xA435, 0xA430)  # BodySerialNumber, LensSerialNumber, CameraOwnerName
_SERIALS_IFD0 = (0xC62F,)  # CameraSerialNumber (DNG)


def _unsharp(amount: float) -> ImageFilter.Kernel:
    """An unsharp mask over a 3x3 neighbourhood: the picture plus `amount` times its difference
    from its local mean, in one pass (a third of Pillow's Gaussian UnsharpMask on 24 MP)."""
    edge = -amount / 8
    return ImageFilter.Kernel((3, 3), [edge] * 4 + [1 + amount] + [edge] * 4, 1)


# Output sharpening: a light touch for screens, more for print (paper softens the dots).
_SHARPEN = {"screen": _unsharp(0.35), "print": _unsharp(0.7)}
_srgb_icc: bytes | None = None


@dataclass(frozen=True)
class Made:
    content_hash: str
    size_bytes: int
    width: int
    height: int
    crc32: int | None = None  # of the bytes written, for the zip
    mtime_ns: int | None = None  # the file's, once in place


class CannotMake(Exception):
    """The source could not be read or the final not written: a sentence for the photographer."""


def make_final(
    source: str, dest: str, preset: dict[str, Any], watermark_text: str | None = None
) -> Made:
    """Make the final of `source` through `preset` (as a dict: it crosses processes) at `dest`."""
    spec = ExportPreset.from_dict(preset)
    try:
        data = encode(Path(source).read_bytes(), spec, watermark_text)
    except FileNotFoundError:
        raise CannotMake(f"{Path(source).name} is missing from the library.") from None
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise CannotMake(f"{Path(source).name} could not be read: {exc}") from None
    except Exception as exc:  # a codec's refusal: the photographer gets a sentence, not a trace
        raise CannotMake(f"The final of {Path(source).name} could not be made: {exc}") from None
    write_atomic(dest, data.getbuffer())  # temp, fsync, rename, fsync the folder
    with Image.open(io.BytesIO(data.getbuffer())) as im:
        width, height = im.size
    return Made(
        hash_bytes(data.getbuffer()),
        data.getbuffer().nbytes,
        width,
        height,
        zlib.crc32(data.getbuffer()),
        os.stat(dest).st_mtime_ns,
    )


def encode(data: bytes, spec: ExportPreset, watermark_text: str | None = None) -> io.BytesIO:
    """The final's bytes for a source's bytes."""
    ensure_heif_support()
    with Image.open(io.BytesIO(data)) as im:
        if spec.long_edge and im.format == "JPEG":
            # Decode at 1/2, 1/4 or 1/8 when that still covers the long edge (libjpeg's DCT scaling).
            w, h = im.size
            scale = spec.long_edge / max(w, h)
            if scale < 1:
                im.draft("RGB", (max(1, round(w * scale)), max(1, round(h * scale))))
        exif = im.getexif()
        icc = im.info.get("icc_profile")
        orientation = exif.get(ExifTags.Base.Orientation, 1)
        im.load()
        picture = ImageOps.exif_transpose(im) if orientation != 1 else im
        picture = to_srgb(picture, icc) if spec.srgb else _as_rgb(picture)
    if spec.long_edge and max(picture.size) > spec.long_edge:
        w, h = picture.size
        scale = spec.long_edge / max(w, h)
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        picture = picture.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
    if spec.sharpen in _SHARPEN:
        picture = picture.filter(_SHARPEN[spec.sharpen])
    if spec.watermark and watermark_text:
        picture = watermark_image(picture, watermark_text)
    out = io.BytesIO()
    options: dict[str, Any] = {"exif": _client_exif(exif, spec).tobytes()}
    profile = _srgb_profile() if spec.srgb else icc
    if profile:
        options["icc_profile"] = profile
    if spec.format == "jpeg":
        picture.save(out, "JPEG", quality=spec.quality, optimize=False, **options)
    else:
        # Uncompressed, as print labs take it (and libtiff's compressors refuse EXIF sub-IFDs).
        picture.save(out, "TIFF", **options)
    return out


def _as_rgb(im: Image.Image) -> Image.Image:
    return im if im.mode == "RGB" else to_srgb(im, None)


def _client_exif(exif: Image.Exif, spec: ExportPreset) -> Image.Exif:
    """What of the camera's EXIF a client gets: everything but GPS, serials and maker notes
    (unless the preset keeps them), upright."""
    out = Image.Exif()
    for tag, value in exif.items():
        if tag in (_EXIF_IFD, _GPS_IFD) or (tag in _SERIALS_IFD0 and not spec.keep_serials):
            continue
        if tag in (0x0201, 0x0202, 0x0111, 0x0117):  # thumbnail and strip offsets: not carried
            continue
        out[tag] = value
    out[ExifTags.Base.Orientation] = 1
    details = exif.get_ifd(_EXIF_IFD)
    kept = {
        tag: value
        for tag, value in details.items()
        if tag != _MAKER_NOTE and (spec.keep_serials or tag not in _SERIALS)
    }
    if kept:
        out.get_ifd(_EXIF_IFD).update(kept)
    if spec.keep_gps:
        gps = exif.get_ifd(_GPS_IFD)
        if gps:
            out.get_ifd(_GPS_IFD).update(gps)
    return out


def _srgb_profile() -> bytes:
    global _srgb_icc
    if _srgb_icc is None:
        _srgb_icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    return _srgb_icc
