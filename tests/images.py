"""Small photos made with Pillow for tests that must run anywhere."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw


def make_jpeg(
    path: Path, size: tuple[int, int] = (320, 240), colour: int = 0, text: str = ""
) -> Path:
    """A JPEG whose pixels differ by `colour` and `text`, so each has its own content hash."""
    path.parent.mkdir(parents=True, exist_ok=True)
    im = Image.new("RGB", size, ((colour * 37) % 256, (colour * 91) % 256, (colour * 53) % 256))
    draw = ImageDraw.Draw(im)
    draw.rectangle((10, 10, size[0] // 2, size[1] // 2), fill=(255 - colour % 256, 120, 40))
    draw.text((20, size[1] - 40), text or path.name, fill=(255, 255, 255))
    im.save(path, "JPEG", quality=85)
    return path


def make_shoot(folder: Path, n: int, prefix: str = "IMG_", start: int = 1) -> list[Path]:
    return [make_jpeg(folder / f"{prefix}{i:04d}.jpg", colour=i) for i in range(start, start + n)]
