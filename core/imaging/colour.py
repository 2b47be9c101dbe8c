"""Getting any decoded picture to 8-bit sRGB without transparency, the way screens and
browsers expect preview JPEGs to be."""

from __future__ import annotations

import io

from PIL import Image, ImageCms

#: Neutral grey that transparent areas are laid on (neither black nor white, so a dark or a
#: light subject stays visible on the grid).
BACKDROP = (160, 160, 160)

_transforms: dict[tuple[bytes, str], ImageCms.ImageCmsTransform | None] = {}
_srgb: ImageCms.ImageCmsProfile | None = None


def to_srgb(im: Image.Image, icc_profile: bytes | None) -> Image.Image:
    """``im`` as an 8-bit RGB image in sRGB, using its embedded ICC profile when it has one."""
    if im.mode in ("I;16", "I;16L", "I;16B", "I;16N", "I"):
        im = im.point(lambda v: v * (1 / 256)).convert("L")  # 16-bit grey to 8-bit
    elif im.mode == "F":
        im = im.convert("L")
    if im.mode in ("RGBA", "LA", "PA", "La", "RGBa") or (
        im.mode == "P" and "transparency" in im.info
    ):
        im = _flatten(im)
    if im.mode not in ("RGB", "CMYK"):
        return im.convert("RGB")  # grey, bilevel, palette: plain conversion is close enough
    transform = _transform_for(icc_profile, im.mode) if icc_profile else None
    if transform is not None:
        try:
            return ImageCms.applyTransform(im, transform) or im
        except (ImageCms.PyCMSError, ValueError, OSError):
            pass
    return im if im.mode == "RGB" else im.convert("RGB")


def _flatten(im: Image.Image) -> Image.Image:
    rgba = im.convert("RGBA")
    backdrop = Image.new("RGB", rgba.size, BACKDROP)
    backdrop.paste(rgba, mask=rgba.getchannel("A"))
    return backdrop


def _transform_for(icc_profile: bytes, mode: str) -> ImageCms.ImageCmsTransform | None:
    """A cached transform from the embedded profile to sRGB; None when it already is sRGB."""
    key = (icc_profile, mode)
    if key not in _transforms:
        _transforms[key] = _build_transform(icc_profile, mode)
    return _transforms[key]


def _build_transform(icc_profile: bytes, mode: str) -> ImageCms.ImageCmsTransform | None:
    global _srgb
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
        if mode == "RGB" and "srgb" in ImageCms.getProfileDescription(source).lower():
            return None
        if _srgb is None:
            _srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
        return ImageCms.buildTransform(
            source, _srgb, mode, "RGB", renderingIntent=ImageCms.Intent.PERCEPTUAL
        )
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return None
