"""Previews for the grid and the loupe, kept in a content-addressed cache of upright sRGB JPEGs.

``cache_root/<hash[:2]>/<hash>_<size>.jpg`` - a renamed or duplicated photo costs nothing.
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from core.imaging import colour, decoding, eighth
from core.imaging.atomic import write_bytes_atomically
from core.imaging.decoding import Source, damage_reported
from core.imaging.errors import NotAPhoto
from core.imaging.formats import PhotoKind

LOUPE = 2048
GRID = 512
DEFAULT_SIZES = (LOUPE, GRID)
JPEG_QUALITY = 85

# An embedded RAW preview at least this long is good enough for every preview we make
# (cameras embed full-size JPEGs; old ones 1536 px). Below it we develop the RAW instead.
_RAW_PREVIEW_GOOD_ENOUGH = 1024


@dataclass(frozen=True, slots=True)
class Preview:
    """One cached preview: its nominal size (long-edge limit), file and real pixel size."""

    size: int
    path: Path
    width: int
    height: int


@dataclass(frozen=True, slots=True)
class PreviewSet:
    """Previews made for one photo. ``origin`` says where the pixels came from:
    ``"decoded"`` (the photo itself), ``"embedded"`` (the RAW's embedded preview),
    ``"developed"`` (the RAW developed at half size) or ``"cached"`` (already there)."""

    content_hash: str
    previews: tuple[Preview, ...]
    origin: str

    def path_for(self, size: int) -> Path:
        for preview in self.previews:
            if preview.size == size:
                return preview.path
        raise KeyError(size)


def preview_path(cache_root: str | os.PathLike[str], content_hash: str, size: int | str) -> Path:
    """Where the preview of ``size`` (or ``"embedded"``) for a content hash lives."""
    return Path(preview_file(os.fspath(cache_root), content_hash, size))


def preview_file(cache_root: str, content_hash: str, size: int | str) -> str:
    """`preview_path` as a plain string, for loops over thousands (the grid's loaders)."""
    return f"{cache_root}/{content_hash[:2]}/{content_hash}_{size}.jpg"


def make_previews(
    source: Source,
    cache_root: str | os.PathLike[str],
    content_hash: str,
    sizes: Sequence[int] = DEFAULT_SIZES,
    *,
    filename: str = "",
) -> PreviewSet:
    """Write upright sRGB JPEG previews whose long edge is at most each of ``sizes``.

    ``source`` is a path or the photo's bytes (then ``filename`` names it, for RAW
    extensions). Each smaller preview is made from the next larger one, so the photo is
    decoded once, at the smallest DCT scale that still covers the largest size.
    Raises NotAPhoto when no picture can be had from the file.
    """
    wanted = sorted({int(s) for s in sizes}, reverse=True)
    if not wanted or wanted[-1] <= 0:
        raise ValueError(f"preview sizes must be positive: {sizes!r}")
    cached = _cached(cache_root, content_hash, wanted)
    if cached is not None:
        return cached
    data, name = decoding.read_source(source, filename)
    picture, origin = upright_picture(data, name, wanted[0])
    previews = []
    for size in wanted:
        picture = shrink(picture, size)
        path = preview_path(cache_root, content_hash, size)
        write_jpeg_atomically(picture, path)
        previews.append(Preview(size, path, picture.width, picture.height))
    return PreviewSet(content_hash, tuple(previews), origin)


def grid_first(source: Source, filename: str = "") -> bool:
    """True for photos whose grid thumbnail costs a fraction of their loupe preview: big JPEGs,
    whose thumbnail comes from their DC coefficients. It pays to make those first, on their own;
    any other photo is decoded once for both."""
    data, name = decoding.read_source(source, filename)
    if decoding.kind_of(data, name) not in (PhotoKind.JPEG, PhotoKind.MPO):
        return False
    try:
        with Image.open(io.BytesIO(data)) as im:  # reads the header only
            return eighth.can_decode(im) and eighth.eighth_scale_is_enough(im.size, GRID)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return False


def _cached(
    cache_root: str | os.PathLike[str], content_hash: str, sizes: list[int]
) -> PreviewSet | None:
    previews = []
    for size in sizes:
        path = preview_path(cache_root, content_hash, size)
        try:
            with Image.open(path) as im:
                previews.append(Preview(size, path, im.width, im.height))
        except (OSError, ValueError):
            return None
    return PreviewSet(content_hash, tuple(previews), "cached")


def upright_picture(data: bytes, name: str, long_edge: int) -> tuple[Image.Image, str]:
    """The photo as an upright 8-bit sRGB image, decoded no larger than needed for ``long_edge``
    (it may come out larger; :func:`shrink` finishes the job). Returns (image, origin)."""
    kind = decoding.kind_of(data, name)
    if kind is PhotoKind.RAW:
        return _raw_picture(data, long_edge)
    im = decoding.open_image(data, kind)
    return _finish(im, data, kind, long_edge), "decoded"


def _finish(im: Image.Image, data: bytes, kind: PhotoKind, long_edge: int) -> Image.Image:
    """Decode reduced, make it 8-bit sRGB without alpha, shrink, then turn it upright."""
    orientation = decoding.exif_orientation(im)
    icc = im.info.get("icc_profile")
    with damage_reported(kind):
        # Grid thumbnails only: a bigger preview wants libjpeg's chroma (and its checks).
        if (
            long_edge <= GRID
            and eighth.can_decode(im)
            and eighth.eighth_scale_is_enough(im.size, long_edge)
        ):
            small = eighth.decode_fitted(data, long_edge)
            if small is not None:  # a grid thumbnail straight from the DC coefficients
                return decoding.upright(colour.to_srgb(small, icc), orientation)
        if im.format in ("JPEG", "MPO"):
            # Let libjpeg's DCT scaling skip most of the work (1/2, 1/4, 1/8 decoding).
            im.draft(None, _box(im.size, long_edge))
        im.load()
        im = colour.to_srgb(im, icc)
        im = shrink(im, long_edge)
    return decoding.upright(im, orientation)


def _box(size: tuple[int, int], long_edge: int) -> tuple[int, int]:
    """The smallest box of the photo's own proportions whose long edge is ``long_edge``."""
    w, h = size
    scale = long_edge / max(w, h)
    if scale >= 1:
        return w, h
    return max(1, int(w * scale)), max(1, int(h * scale))


def shrink(im: Image.Image, long_edge: int) -> Image.Image:
    """Fit ``im`` within ``long_edge`` keeping proportions; never enlarges."""
    if max(im.size) <= long_edge:
        return im
    size = eighth.fitted_size(im.size, long_edge)
    # reducing_gap lets Pillow box-reduce by an integer factor first; what is left after that
    # (or after JPEG DCT scaling) is under 3x, where bicubic looks like Lanczos at preview
    # sizes and costs 30% less.
    return im.resize(size, Image.Resampling.BICUBIC, reducing_gap=3.0)


def _raw_picture(data: bytes, long_edge: int) -> tuple[Image.Image, str]:
    raw = decoding.open_raw(data)
    embedded: Image.Image | None = None
    if raw is not None:
        with raw:
            orientation = decoding.raw_orientation(raw)
            embedded = _embedded_picture(raw, orientation, long_edge)
            enough = min(
                long_edge, _RAW_PREVIEW_GOOD_ENOUGH, max(raw.sizes.width, raw.sizes.height)
            )
            if embedded is not None and max(embedded.size) >= enough:
                return embedded, "embedded"
            if decoding.raw_image_data_present(raw, len(data)):
                half_is_enough = max(raw.sizes.width, raw.sizes.height) // 2 >= long_edge
                developed = _develop(raw, half_size=half_is_enough)
                if developed is not None:
                    return shrink(developed, long_edge), "developed"
    if embedded is not None:
        if max(embedded.size) < _SMALLEST_USEFUL_PREVIEW:
            w, h = embedded.size
            raise NotAPhoto(
                f"a RAW file with its image data missing; its embedded preview is only {w}x{h} pixels"
            )
        return embedded, "embedded"
    # LibRaw could not help; a TIFF-structured RAW (DNG, NEF) may hold a preview Pillow reads.
    try:
        im = decoding.open_image(data, PhotoKind.TIFF)
        return _finish(im, data, PhotoKind.RAW, long_edge), "embedded"
    except NotAPhoto as e:
        if e.reason == decoding.BOMB_REASON:
            raise
    raise NotAPhoto(decoding.RAW_UNREADABLE if raw is not None else _RAW_UNSUPPORTED)


# Below this, an embedded preview shows nothing a photographer can judge (ExifTool's stripped
# sample RW2 keeps an 8x8 one); without image data to develop, the file is refused instead.
_SMALLEST_USEFUL_PREVIEW = 64

_RAW_UNSUPPORTED = (
    "a RAW file whose image data cannot be read (missing or an unsupported camera) "
    "and with no embedded preview"
)


def _embedded_picture(raw: object, orientation: int, long_edge: int) -> Image.Image | None:
    thumb = decoding.raw_embedded_jpeg(raw)  # type: ignore[arg-type]
    if thumb is None:
        return None
    try:
        with damage_reported(PhotoKind.RAW):
            if isinstance(thumb, bytes):
                im = Image.open(io.BytesIO(thumb))
                im.draft("RGB", _box(im.size, long_edge))
                im.load()
                thumb = colour.to_srgb(im, im.info.get("icc_profile"))
            thumb = shrink(thumb.convert("RGB"), long_edge)
    except NotAPhoto:
        return None
    return decoding.upright(thumb, orientation)


def _develop(raw: object, *, half_size: bool) -> Image.Image | None:
    import rawpy

    try:
        rgb = raw.postprocess(half_size=half_size, use_camera_wb=True, output_bps=8)  # type: ignore[attr-defined]
    except (rawpy.LibRawError, ValueError, MemoryError):
        return None
    return Image.fromarray(rgb)


def write_jpeg_atomically(im: Image.Image, path: Path, quality: int = JPEG_QUALITY) -> None:
    """Encode ``im`` as JPEG to ``path`` so that readers see the old file or the whole new one."""
    buffer = io.BytesIO()
    im.save(buffer, "JPEG", quality=quality)
    write_bytes_atomically(path, buffer.getbuffer(), sync_dir=False)  # derived: may go, never half
