"""Cleaning a picture before a client gets it: what a stranger could read from the file goes,
the pixels stay; the studio's watermark covers the whole picture."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, ImageChops, ImageStat

from core.imaging.cleaning import draw_watermark, metadata_segments, strip_metadata


def _jpeg_with_secrets() -> bytes:
    im = Image.new("RGB", (320, 240), (60, 90, 120))
    exif = Image.Exif()
    exif[0x010F] = "Canon"
    exif[0xA431] = "SERIAL-123456"
    exif.get_ifd(0x8825).update({1: "N", 2: (48.0, 51.0, 29.0), 3: "E", 4: (2.0, 17.0, 40.0)})
    out = io.BytesIO()
    im.save(out, "JPEG", exif=exif.tobytes(), comment=b"Owner: Ann", quality=90)
    return out.getvalue()


def test_stripping_takes_out_gps_serials_and_comments_and_keeps_the_pixels():
    data = _jpeg_with_secrets()
    assert {marker for marker, _s, _e in metadata_segments(data)} == {0xE1, 0xFE}
    clean = strip_metadata(data)
    assert not metadata_segments(clean)
    assert b"SERIAL" not in clean and b"Owner" not in clean and b"Canon" not in clean
    with Image.open(io.BytesIO(data)) as before, Image.open(io.BytesIO(clean)) as after:
        assert not after.getexif()
        assert ImageChops.difference(before.convert("RGB"), after.convert("RGB")).getbbox() is None


def test_a_file_that_is_not_a_jpeg_has_no_segments_to_strip():
    assert metadata_segments(b"\x89PNG\r\n\x1a\n") == []
    assert strip_metadata(b"not a picture") == b"not a picture"


def test_the_watermark_lightens_every_part_of_the_picture(tmp_path: Path):
    source, target = tmp_path / "clean.jpg", tmp_path / "wm" / "marked.jpg"
    Image.new("RGB", (800, 600), (40, 40, 40)).save(source, "JPEG", quality=95)
    draw_watermark(source, target, "LUMEN PROOF")
    with Image.open(source) as clean, Image.open(target) as marked:
        assert marked.size == clean.size
        lighter = ImageChops.subtract(marked.convert("L"), clean.convert("L"))
        inked = lighter.point(lambda v: 255 if v > 24 else 0)
        for i in range(3):
            for j in range(3):
                box = (i * 266, j * 200, (i + 1) * 266, (j + 1) * 200)
                assert inked.crop(box).getbbox() is not None, f"no watermark in cell {(i, j)}"
        assert 0.02 < ImageStat.Stat(inked).mean[0] / 255 < 0.4
