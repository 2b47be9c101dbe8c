"""Seed JPEGs for the DC decoder's fuzzer: small, and of every kind the decoder takes or refuses.

python tests/fuzz/seeds.py FOLDER
"""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image, ImageDraw

KINDS: dict[str, tuple[str, dict]] = {
    "grey": ("L", {"quality": 85}),
    "444": ("RGB", {"quality": 90, "subsampling": 0}),
    "422": ("RGB", {"quality": 90, "subsampling": 1}),
    "420": ("RGB", {"quality": 75, "subsampling": 2}),
    "420-optimised": ("RGB", {"quality": 60, "optimize": True}),
    "restart-blocks": ("RGB", {"quality": 80, "restart_marker_blocks": 3}),
    "restart-rows": ("L", {"quality": 80, "restart_marker_rows": 1}),
    "progressive": ("RGB", {"quality": 80, "progressive": True}),
    "cmyk": ("CMYK", {"quality": 80}),
    "q100": ("RGB", {"quality": 100}),
}


def scene(size: tuple[int, int]) -> Image.Image:
    im = Image.linear_gradient("L").resize(size).convert("RGB")
    draw = ImageDraw.Draw(im)
    w, h = size
    draw.ellipse((w // 8, h // 8, w // 2, h // 2), fill=(220, 30, 40))
    draw.rectangle((w // 2, h // 3, w - 3, h - 5), fill=(20, 140, 230))
    return im


def write_seeds(folder: Path) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    count = 0
    for size in ((8, 8), (17, 9), (64, 48), (129, 67)):
        picture = scene(size)
        for name, (mode, options) in KINDS.items():
            picture.convert(mode).save(folder / f"{name}-{size[0]}x{size[1]}.jpg", **options)
            count += 1
    return count


if __name__ == "__main__":
    print(f"{write_seeds(Path(sys.argv[1]))} seed JPEGs in {sys.argv[1]}")
