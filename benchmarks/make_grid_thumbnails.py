"""Distinct 512 px grid previews for the grid benchmark, laid out as the content-addressed cache.

1,024 base previews are encoded from photo-like scenes (sky-to-ground gradient, soft blobs,
texture, noise), each cut from a different place of its scene with its own colour cast, noise and
numbered caption, at the cache's JPEG quality; one in four is portrait, as shoots are. Every file
is then a base with one step of its quantisation tables changed, which changes the decoded pixels
and the bytes without encoding again (encoding 50,000 takes too long on a busy machine). So no two
files share their bytes or their pixels, and each decodes like a real preview would (a flat colour
compresses to almost nothing and decodes in no time).

The set is made once per size in the temp folder and reused by later runs (a `complete` file marks
it finished).
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

VERSION = 2
SCENES = 256
BASES = 1024
SCENE_SIZE = (768, 576)  # previews are cut from these at different places
LONG, SHORT = 512, 341
QUALITY = 85  # core.imaging.previews.JPEG_QUALITY


def preview_hash(index: int) -> str:
    """The content hash the catalog row carries for photo `index` (as if of its original)."""
    return hashlib.blake2b(f"bench-photo-{index}".encode(), digest_size=32).hexdigest()


def grid_thumbnail_folder(count: int) -> Path:
    return Path(tempfile.gettempdir()) / f"photoflow-bench-grid-v{VERSION}-{count}"


def grid_thumbnails(count: int, workers: int | None = None) -> Path:
    """A preview cache root holding `count` distinct 512 px previews, made on first use."""
    root = grid_thumbnail_folder(count)
    if (root / "complete").exists():
        return root
    root.mkdir(parents=True, exist_ok=True)
    chunks = [range(start, min(start + 64, BASES)) for start in range(0, BASES, 64)]
    with ProcessPoolExecutor(workers or os.cpu_count()) as pool:
        bases = [data for chunk in pool.map(_bases, chunks) for data in chunk]
    for index in range(count):
        path = path_of(root, index)
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(_variant(bases[index % BASES], index // BASES))
    (root / "complete").write_text(str(count))
    return root


def path_of(root: Path, index: int) -> Path:
    h = preview_hash(index)
    return root / h[:2] / f"{h}_{LONG}.jpg"


def _bases(indices: range) -> list[bytes]:
    scenes: dict[int, Image.Image] = {}
    out = []
    for index in indices:
        scene = scenes.get(index % SCENES)
        if scene is None:
            scene = scenes[index % SCENES] = _scene(np.random.default_rng(index % SCENES))
        out.append(_preview(scene, index))
    return out


def _variant(jpeg: bytes, variant: int) -> bytes:
    """The JPEG with one AC step of its first quantisation table made coarser: step
    1 + (variant - 1) % 63 by 1 + (variant - 1) // 63. Other bytes, other pixels."""
    if variant == 0:
        return jpeg
    table = jpeg.index(b"\xff\xdb") + 5  # marker, length, precision/id; 64 steps, zigzag order
    data = bytearray(jpeg)
    entry = table + 1 + (variant - 1) % 63
    data[entry] = min(255, data[entry] + 1 + (variant - 1) // 63)
    return bytes(data)


def _preview(scene: Image.Image, index: int) -> bytes:
    rng = np.random.default_rng(1_000_003 + index)
    portrait = index % 4 == 3
    w, h = (SHORT, LONG) if portrait else (LONG, SHORT)
    x = int(rng.integers(0, SCENE_SIZE[0] - w + 1))
    y = int(rng.integers(0, SCENE_SIZE[1] - h + 1))
    pixels = np.asarray(scene.crop((x, y, x + w, y + h)), dtype=np.int16)
    pixels = pixels + rng.integers(-18, 19, 3, dtype=np.int16)  # this shot's colour cast
    pixels = pixels + rng.integers(-4, 5, (h, w, 1), dtype=np.int16)  # this shot's noise
    picture = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(picture)
    draw.text((12, h - 24), f"IMG_{index:05d}", fill=(255, 255, 255))
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=QUALITY)
    return out.getvalue()


def _scene(rng: np.random.Generator) -> Image.Image:
    width, height = SCENE_SIZE
    y = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None, None]
    top = rng.uniform(60, 220, 3).astype(np.float32)
    bottom = rng.uniform(20, 160, 3).astype(np.float32)
    pixels = top * (1 - y) + bottom * y
    pixels = pixels + _upsampled(rng.uniform(-60, 60, (5, 7, 3)), width, height)
    pixels = pixels + _upsampled(rng.normal(0, 22, (height // 12, width // 12, 3)), width, height)
    pixels = pixels + rng.normal(0, 5, (height, width, 1)).astype(np.float32)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")


def _upsampled(small: np.ndarray, width: int, height: int) -> np.ndarray:
    return np.stack(
        [
            np.asarray(
                Image.fromarray(small[:, :, c].astype(np.float32), "F").resize(
                    (width, height), Image.Resampling.BICUBIC
                )
            )
            for c in range(small.shape[2])
        ],
        axis=2,
    )
