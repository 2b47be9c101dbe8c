"""What a client sees of a watermark: light, see-through text over the whole picture, and the
picture unchanged everywhere else."""

from __future__ import annotations

import io

from PIL import Image, ImageChops, ImageFilter, ImageStat

INK = 24  # grey levels a pixel must gain to count as watermark, well above JPEG's noise
GRID = 3  # the text must reach every cell of a GRID x GRID split of the picture


def ink_of(clean: Image.Image, marked: Image.Image) -> Image.Image:
    """A mask of the pixels the watermark lightened (255) in ``marked``."""
    lighter = ImageChops.subtract(marked, clean).convert("L")
    return lighter.point(lambda v: 255 if v > INK else 0)


def assert_watermarked(clean_jpeg: bytes, marked_jpeg: bytes) -> None:
    clean = Image.open(io.BytesIO(clean_jpeg)).convert("RGB")
    marked = Image.open(io.BytesIO(marked_jpeg)).convert("RGB")
    assert marked.size == clean.size
    w, h = clean.size
    ink = ink_of(clean, marked)

    # Text, not a wash over the picture nor a few stray pixels.
    coverage = ImageStat.Stat(ink).mean[0] / 255
    assert 0.02 < coverage < 0.4, f"the watermark covers {coverage:.1%} of the picture"

    # Across the whole picture: no corner can be cropped out clean.
    for i in range(GRID):
        for j in range(GRID):
            cell = ink.crop(
                (i * w // GRID, j * h // GRID, (i + 1) * w // GRID, (j + 1) * h // GRID)
            )
            assert cell.getbbox() is not None, f"no watermark in cell {(i, j)} of {GRID}x{GRID}"

    # See-through white: inked pixels go part of the way to white (about 0.3 measured on
    # average, antialiased edges included), not all of it (opaque text measures 0.9).
    gained = ImageStat.Stat(ImageChops.subtract(marked, clean).convert("L"), mask=ink).mean[0]
    room = ImageStat.Stat(ImageChops.invert(clean.convert("L")), mask=ink).mean[0]
    assert 0.15 < gained / room < 0.7, f"the text goes {gained / room:.0%} of the way to white"

    # Everywhere else (a few pixels away from the text, past JPEG's ringing) the picture is
    # the clean one.
    away = ImageChops.invert(ink.filter(ImageFilter.MaxFilter(7)))
    off = ImageStat.Stat(ImageChops.difference(marked, clean).convert("L"), mask=away).mean[0]
    assert off < 3, f"away from the text the picture is {off:.1f} grey levels off on average"
