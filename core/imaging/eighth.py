"""Grid thumbnails from a JPEG's DC coefficients: the 1/8-scale picture at twice libjpeg's speed.

At 1/8 scale every 8x8 block becomes one pixel, its DC value, so a grid thumbnail of a
24-megapixel photo needs nothing else; ``_jpeg_dc`` (C) skips the AC coefficients instead of
decoding them. Its luma is exactly libjpeg's 1/8-scale luma; chroma is each block's average
colour, where libjpeg would run a 2x2 IDCT on 4:2:0 chroma and then upsample (after the
thumbnail's own 4:2:0 encoding the two cannot be told apart). Anything unusual
(progressive, CMYK, 12-bit, chroma sampled finer than luma, damaged) is left to libjpeg, which
also reports damage in words a photographer can read. Used for grid thumbnails only: a loupe
preview wants libjpeg's chroma, and libjpeg's checks before a photo counts as imported.
"""

from __future__ import annotations

import logging
from types import ModuleType

from PIL import Image

log = logging.getLogger(__name__)

_jpeg_dc: ModuleType | None
try:
    from core.imaging import _jpeg_dc  # type: ignore[attr-defined,no-redef]
except ImportError:  # pip found no C compiler, or never built this tree: libjpeg does it all
    _jpeg_dc = None
    log.warning(
        "core.imaging._jpeg_dc is not built; grid thumbnails use libjpeg, more slowly "
        "(with a C compiler, pip install -e . builds it)"
    )

# Component ids that make libjpeg treat a 3-component JPEG without JFIF as RGB, not YCbCr.
_RGB_IDS = (ord("R"), ord("G"), ord("B"))


def fitted_size(size: tuple[int, int], long_edge: int) -> tuple[int, int]:
    """``size`` scaled to fit ``long_edge``, keeping proportions; never enlarged."""
    w, h = size
    if max(w, h) <= long_edge:
        return w, h
    scale = long_edge / max(w, h)
    return max(1, round(w * scale)), max(1, round(h * scale))


def eighth_scale_is_enough(size: tuple[int, int], long_edge: int) -> bool:
    """True when libjpeg's draft mode would decode a picture of ``size`` at 1/8 for
    ``long_edge`` (the 1/8 picture still covers it)."""
    return max(size) // 8 >= long_edge


def can_decode(im: Image.Image) -> bool:
    """Whether the DC decoder takes this opened (not loaded) JPEG: sequential, grey or YCbCr."""
    return (
        _jpeg_dc is not None
        and im.format in ("JPEG", "MPO")
        and im.mode in ("L", "RGB")
        and not im.info.get("progressive")
        and im.info.get("adobe_transform") != 0
    )


def decode_fitted(data: bytes, long_edge: int) -> Image.Image | None:
    """The JPEG as an L or RGB image within ``long_edge`` (at most its 1/8-scale size), with
    the stored pixels' orientation; None when this JPEG is one for libjpeg to decode."""
    if _jpeg_dc is None:
        return None
    try:
        width, height, adobe_transform, components = _jpeg_dc.dc_planes(data)
    except (NotImplementedError, ValueError, MemoryError):
        return None
    eighth = (_ceil_div(width, 8), _ceil_div(height, 8))
    target = fitted_size(eighth, long_edge)
    if len(components) == 1:
        return _band(components[0], eighth).resize(target, Image.Resampling.BICUBIC)
    if adobe_transform == 0 or tuple(c[0] for c in components) == _RGB_IDS:
        return None  # stored as RGB: rare, and libjpeg knows what to do
    h_max = max(c[1] for c in components)
    v_max = max(c[2] for c in components)
    bands = []
    for component in components:
        _, h, v, *_ = component
        # The component's own size in pixels at 1/8 (chroma of 4:2:0 is half each way).
        size = (
            _ceil_div(_ceil_div(width * h, h_max), 8),
            _ceil_div(_ceil_div(height * v, v_max), 8),
        )
        # The part of the band under the luma picture: a 4:2:0 band of a picture 513 blocks
        # wide holds 257 pixels, of which the luma's 513 cover 256.5.
        under_luma = (0, 0, eighth[0] * h / h_max, eighth[1] * v / v_max)
        band = _band(component, size)
        bands.append(band.resize(target, Image.Resampling.BICUBIC, under_luma, reducing_gap=3.0))
    return Image.merge("YCbCr", bands).convert("RGB")


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def _band(component: tuple[int, int, int, bytes, int, int], size: tuple[int, int]) -> Image.Image:
    _, _, _, plane, blocks_w, blocks_h = component
    band = Image.frombytes("L", (blocks_w, blocks_h), plane)
    return band if band.size == size else band.crop((0, 0, *size))
