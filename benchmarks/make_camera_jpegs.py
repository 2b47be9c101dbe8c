"""Camera-like 24 MP JPEGs for the thumbnail benchmark: 6000x4000, quality 92, 8-12 MB,
smooth gradients and blobs under sensor-like noise, EXIF with an embedded thumbnail, every
fourth one shot in portrait (stored landscape with EXIF orientation 6).

The files are cached in the temp folder, keyed by their parameters, so later runs reuse them.
"""

from __future__ import annotations

import argparse
import io
import struct
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

WIDTH, HEIGHT, QUALITY, NOISE = 6000, 4000, 92, 8.0
VERSION = 1


def camera_jpeg_folder() -> Path:
    key = f"photoflow-bench-v{VERSION}-{WIDTH}x{HEIGHT}-q{QUALITY}-n{NOISE:g}"
    return Path(tempfile.gettempdir()) / key


def camera_jpegs(count: int) -> list[Path]:
    """``count`` generated camera JPEGs, made on first use and reused afterwards."""
    folder = camera_jpeg_folder()
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(count):
        path = folder / f"IMG_{index + 1:04d}.JPG"
        if not path.exists():
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(_camera_jpeg(index))
            tmp.replace(path)
        paths.append(path)
    return paths


def _camera_jpeg(index: int) -> bytes:
    rng = np.random.default_rng(index)
    picture = _scene(rng)
    orientation = 6 if index % 4 == 3 else 1
    thumb = io.BytesIO()
    small = picture.resize((160, 120 if WIDTH * 3 == HEIGHT * 4 else 107))
    small.save(thumb, "JPEG", quality=80)
    exif = _exif_with_thumbnail(thumb.getvalue(), orientation, index)
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=QUALITY, exif=exif)
    return out.getvalue()


def _scene(rng: np.random.Generator) -> Image.Image:
    """Sky-to-ground gradient, soft blobs, mid-scale texture, then per-pixel sensor noise."""
    y = np.linspace(0.0, 1.0, HEIGHT, dtype=np.float32)[:, None, None]
    top = rng.uniform(60, 220, 3).astype(np.float32)
    bottom = rng.uniform(20, 160, 3).astype(np.float32)
    base = top * (1 - y) + bottom * y
    blobs = _upsampled(rng.uniform(-60, 60, (6, 9, 3)))
    texture = _upsampled(rng.normal(0, 22, (HEIGHT // 16, WIDTH // 16, 3)))
    fine = _upsampled(rng.normal(0, 10, (HEIGHT // 3, WIDTH // 3, 3)))
    pixels = base + blobs + texture + fine
    pixels += rng.normal(0, NOISE, (HEIGHT, WIDTH, 1)).astype(np.float32)  # luminance noise
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")


def _upsampled(small: np.ndarray) -> np.ndarray:
    channels = [
        np.asarray(
            Image.fromarray(small[:, :, c].astype(np.float32), "F").resize(
                (WIDTH, HEIGHT), Image.Resampling.BICUBIC
            )
        )
        for c in range(small.shape[2])
    ]
    return np.stack(channels, axis=2)


def _exif_with_thumbnail(thumbnail: bytes, orientation: int, index: int) -> bytes:
    """A little-endian EXIF block: IFD0 (camera, orientation), Exif IFD (capture time) and
    IFD1 carrying the JPEG thumbnail, laid out the way cameras write it."""
    make, model = b"Canon\x00", b"Canon EOS 5D Mark IV\x00"
    taken = f"2024:06:01 14:{index // 60 % 60:02d}:{index % 60:02d}\x00".encode()

    def ifd(entries: list[tuple[int, int, int, bytes]], start: int, next_ifd: int) -> bytes:
        # entries: (tag, type, count, value-or-data); data longer than 4 bytes goes after.
        table = struct.pack("<H", len(entries))
        extra = b""
        data_at = start + 2 + 12 * len(entries) + 4
        for tag, kind, count, value in entries:
            if len(value) <= 4:
                table += struct.pack("<HHI", tag, kind, count) + value.ljust(4, b"\x00")
            else:
                table += struct.pack("<HHII", tag, kind, count, data_at + len(extra))
                extra += value + (b"\x00" if len(value) % 2 else b"")
        return table + struct.pack("<I", next_ifd) + extra

    def size_of(entries: list[tuple[int, int, int, bytes]]) -> int:
        return len(ifd(entries, 0, 0))

    ifd0 = [
        (0x010F, 2, len(make), make),
        (0x0110, 2, len(model), model),
        (0x0112, 3, 1, struct.pack("<H", orientation)),
        (0x8769, 4, 1, b"\x00\x00\x00\x00"),
    ]
    exif_ifd = [(0x9003, 2, len(taken), taken)]
    ifd1 = [(0x0103, 3, 1, struct.pack("<H", 6)), (0x0201, 4, 1, b""), (0x0202, 4, 1, b"")]
    at_ifd0 = 8
    at_exif = at_ifd0 + size_of(ifd0)
    at_ifd1 = at_exif + size_of(exif_ifd)
    at_thumb = at_ifd1 + size_of(ifd1)
    ifd0[3] = (0x8769, 4, 1, struct.pack("<I", at_exif))
    ifd1[1] = (0x0201, 4, 1, struct.pack("<I", at_thumb))
    ifd1[2] = (0x0202, 4, 1, struct.pack("<I", len(thumbnail)))
    tiff = b"II*\x00" + struct.pack("<I", at_ifd0)
    tiff += ifd(ifd0, at_ifd0, at_ifd1)
    tiff += ifd(exif_ifd, at_exif, 0)
    tiff += ifd(ifd1, at_ifd1, 0)
    return b"Exif\x00\x00" + tiff + thumbnail


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=24)
    args = parser.parse_args()
    for path in camera_jpegs(args.count):
        print(path, f"{path.stat().st_size / 1e6:.1f} MB")
