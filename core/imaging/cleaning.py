"""Making a picture fit to hand to a client: metadata segments out (GPS, camera serials, owner
names), and the studio's watermark drawn across it."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from core.imaging.atomic import write_bytes_atomically

# APP1 (EXIF, XMP), APP12, APP13 (IPTC/Photoshop), COM: where GPS, serials and names hide.
_DROP = {0xE1, 0xEC, 0xED, 0xFE}


def metadata_segments(data: bytes) -> list[tuple[int, int, int]]:
    """(marker, start, end) of every metadata segment before the image data of a JPEG."""
    found: list[tuple[int, int, int]] = []
    if data[:2] != b"\xff\xd8":
        return found
    i = 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            break
        marker = data[i + 1]
        if marker == 0xFF:
            i += 1
            continue
        if marker in (0xD9, 0xDA):  # end of image, start of scan
            break
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            i += 2
            continue
        length = int.from_bytes(data[i + 2 : i + 4], "big")
        if marker in _DROP:
            found.append((marker, i, i + 2 + length))
        i += 2 + length
    return found


def strip_metadata(data: bytes) -> bytes:
    """The JPEG without its metadata segments; the image data untouched."""
    out, last = bytearray(), 0
    for _marker, start, end in metadata_segments(data):
        out += data[last:start]
        last = end
    out += data[last:]
    return bytes(out)


def draw_watermark(source: Path, target: Path, text: str) -> None:
    """The studio's text, tiled diagonally and half transparent across the whole preview."""
    with Image.open(source) as im:
        base = watermark_image(im.convert("RGB"), text)
    buffer = io.BytesIO()
    base.save(buffer, "JPEG", quality=85)
    write_bytes_atomically(target, buffer.getbuffer())


def watermark_image(base: Image.Image, text: str) -> Image.Image:
    """`base` (RGB) with the studio's text tiled diagonally and half transparent across it."""
    base = base.copy() if base.mode == "RGB" else base.convert("RGB")
    w, h = base.size
    size = max(12, min(w, h) // 14)
    try:
        font: ImageFont.FreeTypeFont | ImageFont.ImageFont = ImageFont.load_default(size)
    except TypeError:  # pragma: no cover - Pillow without FreeType
        font = ImageFont.load_default()
    tile = Image.new("L", (w * 2, h * 2), 0)
    draw = ImageDraw.Draw(tile)
    step_y = size * 4
    box = draw.textbbox((0, 0), text, font=font)
    step_x = max(box[2] - box[0] + size * 3, size * 6)
    for row, y in enumerate(range(0, h * 2, step_y)):
        for x in range(-(row % 2) * step_x // 2, w * 2, step_x):
            draw.text((x, y), text, fill=110, font=font)
    mask = tile.rotate(30, resample=Image.Resampling.BILINEAR).crop(
        (w // 2, h // 2, w // 2 + w, h // 2 + h)
    )
    white = Image.new("RGB", (w, h), (255, 255, 255))
    base.paste(white, (0, 0), mask)
    return base
