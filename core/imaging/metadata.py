"""What the camera recorded about a photo: upright size, capture time, exposure, lens, place."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from PIL import ExifTags, Image

from core.imaging import decoding
from core.imaging.decoding import Source, damage_reported
from core.imaging.formats import PhotoKind

_EXIF = ExifTags.IFD.Exif
_GPS = ExifTags.IFD.GPSInfo

# Words that makers put in EXIF Make but photographers never say.
_MAKER_NOISE = (
    " corporation", " corp.", " corp", " co., ltd.", " co.,ltd.", " co., ltd", " company",
    " imaging", " optical", " camera", " electric",
)  # fmt: skip
_MAKER_NAMES = {"eastman kodak": "Kodak", "olympus": "OLYMPUS", "nikon": "NIKON"}


@dataclass(frozen=True, slots=True)
class PhotoMetadata:
    """A photo's facts as a photographer reads them in the inspector.

    ``width`` and ``height`` are upright (after EXIF/HEIF/RAW orientation); ``orientation`` is
    the EXIF value the camera wrote, already accounted for in the size and in previews.
    """

    kind: str
    width: int
    height: int
    orientation: int = 1
    taken_at: dt.datetime | None = None
    make: str | None = None
    model: str | None = None
    camera: str | None = None
    lens: str | None = None
    exposure_time: float | None = None
    f_number: float | None = None
    iso: int | None = None
    focal_length: float | None = None
    gps_lat: float | None = None
    gps_lon: float | None = None
    serial: str | None = None

    @property
    def shutter_speed(self) -> str | None:
        """Exposure time written as a photographer says it: ``1/250 s`` or ``2.5 s``."""
        t = self.exposure_time
        if t is None or t <= 0:
            return None
        if t < 0.5:
            return f"1/{round(1 / t)} s"
        return f"{t:g} s"


def read_metadata(source: Source, *, filename: str = "") -> PhotoMetadata:
    """Read a photo's metadata from a path or from its bytes (give ``filename`` with bytes).

    Raises NotAPhoto when the file is not a photo or its header is unreadable.
    """
    data, name = decoding.read_source(source, filename)
    return metadata_from_bytes(data, name)


def metadata_from_bytes(data: bytes, name: str) -> PhotoMetadata:
    kind = decoding.kind_of(data, name)
    if kind is PhotoKind.RAW:
        return _raw_metadata(data)
    im = decoding.open_image(data, kind)
    with damage_reported(kind):
        exif = im.getexif()
        width, height = im.size
    if im.format == "MPO":
        kind = PhotoKind.MPO
    orientation = decoding.exif_orientation(im)
    written = orientation
    if kind is PhotoKind.HEIF:
        # pillow-heif has already applied irot/imir and reset the tag; report what was written.
        written = im.info.get("original_orientation") or 1
    if decoding.turned_sideways(orientation):
        width, height = height, width
    return _from_exif(kind, width, height, written, exif)


def _raw_metadata(data: bytes) -> PhotoMetadata:
    exif = _tiff_exif(data)
    raw = decoding.open_raw(data)
    orientation = 1
    if raw is not None:
        with raw:
            width, height = raw.sizes.width, raw.sizes.height
            orientation = decoding.raw_orientation(raw)
            if exif is None or not exif.get(0x010F):
                exif = _embedded_jpeg_exif(raw) or exif
    else:
        if exif is None:
            raise decoding.NotAPhoto(decoding.RAW_UNREADABLE)
        width, height = _exif_size(exif)
        orientation = _int(exif.get(0x0112)) or 1
    if decoding.turned_sideways(orientation):
        width, height = height, width
    return _from_exif(PhotoKind.RAW, width, height, orientation, exif or Image.Exif())


def _tiff_exif(data: bytes) -> Image.Exif | None:
    """EXIF of a TIFF-structured RAW (NEF, CR2, DNG, ARW, RW2, ORF...) without decoding it."""
    head = data[:4]
    if head in (b"IIU\x00", b"IIRO", b"IIRS"):
        data = b"II*\x00" + data[4:]  # Panasonic/Olympus: TIFF with a private signature
    elif head == b"MMOR":
        data = b"MM\x00*" + data[4:]
    elif head not in (b"II*\x00", b"MM\x00*"):
        return None
    exif = Image.Exif()
    try:
        exif.load(data)
    except Exception:
        return None
    return exif


def _embedded_jpeg_exif(raw: Any) -> Image.Exif | None:
    thumb = decoding.raw_embedded_jpeg(raw)
    if not isinstance(thumb, bytes):
        return None
    try:
        return Image.open(io.BytesIO(thumb)).getexif()
    except Exception:
        return None


def _exif_size(exif: Image.Exif) -> tuple[int, int]:
    sub = _ifd(exif, _EXIF)
    w = _int(sub.get(0xA002)) or _int(exif.get(0x0100)) or 0
    h = _int(sub.get(0xA003)) or _int(exif.get(0x0101)) or 0
    return w, h


def _from_exif(
    kind: PhotoKind, width: int, height: int, orientation: int, exif: Image.Exif
) -> PhotoMetadata:
    sub = _ifd(exif, _EXIF)
    gps = _ifd(exif, _GPS)
    make = _text(exif.get(0x010F))
    model = _text(exif.get(0x0110))
    iso = sub.get(0x8827)
    if isinstance(iso, tuple):
        iso = iso[0] if iso else None
    lat, lon = _gps_position(gps)
    return PhotoMetadata(
        kind=str(kind),
        width=int(width),
        height=int(height),
        orientation=orientation,
        taken_at=_taken_at(exif, sub),
        make=make,
        model=model,
        camera=camera_name(make, model),
        lens=_text(sub.get(0xA434)),
        exposure_time=_float(sub.get(0x829A)),
        f_number=_float(sub.get(0x829D)),
        iso=_int(iso) or None,
        focal_length=_float(sub.get(0x920A)),
        gps_lat=lat,
        gps_lon=lon,
        serial=_text(sub.get(0xA431)),
    )


def camera_name(make: str | None, model: str | None) -> str | None:
    """``"Canon EOS 40D"`` from Make ``Canon`` + Model ``Canon EOS 40D``; ``"Apple iPhone 6"``."""
    if not model:
        return make
    if not make:
        return model
    short = make
    for noise in _MAKER_NOISE:
        if short.lower().endswith(noise):
            short = short[: -len(noise)].strip()
    short = _MAKER_NAMES.get(short.lower(), short)
    make_words = {w.lower() for w in make.replace(",", " ").split()}
    first = model.split()[0].lower()
    if first in make_words or first == short.lower() or model.lower().startswith(short.lower()):
        return model
    return f"{short} {model}"


def _taken_at(exif: Image.Exif, sub: dict[int, Any]) -> dt.datetime | None:
    for when, offset, subsec in ((0x9003, 0x9011, 0x9291), (0x9004, 0x9012, 0x9292)):
        moment = _parse_time(sub.get(when), sub.get(offset), sub.get(subsec))
        if moment is not None:
            return moment
    return _parse_time(exif.get(0x0132), sub.get(0x9010), sub.get(0x9290))


def _parse_time(value: Any, offset: Any, subsec: Any) -> dt.datetime | None:
    text = _text(value)
    if not text:
        return None
    try:
        moment = dt.datetime.strptime(text[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    digits = "".join(ch for ch in (_text(subsec) or "") if ch.isdigit())[:6]
    if digits:
        moment = moment.replace(microsecond=int(digits.ljust(6, "0")))
    zone = _text(offset)
    if zone and len(zone) >= 6 and zone[0] in "+-" and zone[3] == ":":
        try:
            delta = dt.timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6]))
        except ValueError:
            return moment
        moment = moment.replace(tzinfo=dt.timezone(-delta if zone[0] == "-" else delta))
    return moment


def _gps_position(gps: dict[int, Any]) -> tuple[float | None, float | None]:
    lat = _degrees(gps.get(2), gps.get(1), "S")
    lon = _degrees(gps.get(4), gps.get(3), "W")
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None, None
    return lat, lon


def _degrees(dms: Any, ref: Any, negative: str) -> float | None:
    try:
        d, m, s = (float(x) for x in dms)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    value = d + m / 60 + s / 3600
    if (_text(ref) or "").upper().startswith(negative):
        value = -value
    return round(value, 7)


def _ifd(exif: Image.Exif, tag: int) -> dict[int, Any]:
    try:
        return dict(exif.get_ifd(tag))
    except Exception:
        return {}


def _text(value: Any) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if not isinstance(value, str):
        return None
    value = value.replace("\x00", "").strip()
    return value or None


def _float(value: Any) -> float | None:
    if isinstance(value, tuple):
        value = value[0] if value else None
    try:
        result = float(value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    return result if result == result and result > 0 else None  # NaN and 0/0 mean unknown


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
