"""Grid thumbnails from the DC coefficients: the same picture as libjpeg's 1/8 decode, never a
crash on a damaged file, and libjpeg for everything the fast decoder leaves alone."""

from __future__ import annotations

import io
import random
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageStat

from core.imaging import _jpeg_dc, eighth
from core.imaging.errors import NotAPhoto
from core.imaging.previews import GRID, make_previews


def _scene(size: tuple[int, int], seed: int = 1) -> Image.Image:
    """Gradients, hard edges and grain: the mix of smooth and busy areas a photo has."""
    w, h = size
    gradient = Image.linear_gradient("L").resize(size)
    im = Image.merge("RGB", (gradient, gradient.rotate(90).resize(size), gradient.transpose(0)))
    draw = ImageDraw.Draw(im)
    rng = random.Random(seed)
    for _ in range(40):
        x, y = rng.randrange(w), rng.randrange(h)
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        draw.ellipse((x, y, x + rng.randrange(5, w // 3), y + rng.randrange(5, h // 3)), colour)
    grain = Image.effect_noise(size, 40).convert("RGB")
    return ImageChops.add(im, grain, scale=1.4, offset=-60).filter(ImageFilter.SMOOTH_MORE)


def _jpeg(im: Image.Image, **options: object) -> bytes:
    buffer = io.BytesIO()
    im.save(buffer, "JPEG", **options)
    return buffer.getvalue()


def _libjpeg_eighth(data: bytes, mode: str) -> Image.Image:
    im = Image.open(io.BytesIO(data))
    im.draft(mode, (im.width // 8, im.height // 8))
    im.load()
    return im


def _our_luma(data: bytes) -> Image.Image:
    width, height, _, components = _jpeg_dc.dc_planes(data)
    _, _, _, plane, blocks_w, blocks_h = components[0]
    luma = Image.frombytes("L", (blocks_w, blocks_h), plane)
    return luma.crop((0, 0, -(-width // 8), -(-height // 8)))


ENCODINGS = {
    "4:2:0 q92": {"quality": 92, "subsampling": 2},
    "4:2:2 q85": {"quality": 85, "subsampling": 1},
    "4:4:4 q100 (long codes)": {"quality": 100, "subsampling": 0},
    "q30 optimised tables": {"quality": 30, "optimize": True},
    "restart every 3 blocks": {"quality": 90, "restart_marker_blocks": 3},
    "restart every row": {"quality": 90, "restart_marker_rows": 1},
}


@pytest.mark.parametrize("options", ENCODINGS.values(), ids=ENCODINGS.keys())
@pytest.mark.parametrize("size", [(1600, 1064), (1001, 757)], ids=["even", "odd size"])
def test_luma_is_exactly_libjpegs_eighth_scale(options: dict, size: tuple[int, int]) -> None:
    data = _jpeg(_scene(size), **options)

    ours = _our_luma(data)
    libjpeg = _libjpeg_eighth(data, "YCbCr").getchannel("Y")

    assert ours.size == libjpeg.size
    assert ImageChops.difference(ours, libjpeg).getbbox() is None  # not one pixel differs


@pytest.mark.parametrize("options", ENCODINGS.values(), ids=ENCODINGS.keys())
def test_colour_thumbnails_look_like_libjpegs(options: dict) -> None:
    data = _jpeg(_scene((1600, 1064), seed=2), **options)

    ours = eighth.decode_fitted(data, 200)
    libjpeg = _libjpeg_eighth(data, "RGB")

    assert ours is not None and ours.mode == "RGB" and ours.size == (200, 133)
    difference = ImageStat.Stat(ImageChops.difference(ours, libjpeg.resize(ours.size)))
    assert max(difference.mean) < 4  # chroma is the block average; libjpeg interpolates it


def test_a_grey_jpeg_stays_grey() -> None:
    data = _jpeg(_scene((1200, 800)).convert("L"), quality=90)

    ours = eighth.decode_fitted(data, 150)

    assert ours is not None and ours.mode == "L" and ours.size == (150, 100)
    assert ImageChops.difference(_our_luma(data), _libjpeg_eighth(data, "L")).getbbox() is None


@pytest.mark.parametrize(
    ("picture", "options"),
    [
        ("RGB", {"progressive": True, "quality": 90}),
        ("CMYK", {"quality": 90}),
    ],
    ids=["progressive", "CMYK"],
)
def test_jpegs_it_does_not_handle_go_to_libjpeg(
    tmp_path: Path, picture: str, options: dict
) -> None:
    scene = _scene((4200, 2800)).convert(picture)
    data = _jpeg(scene, **options)
    assert eighth.decode_fitted(data, GRID) is None

    previews = make_previews(data, tmp_path, "ab" * 32, sizes=(GRID,))

    with Image.open(previews.path_for(GRID)) as grid:
        assert grid.size == (512, 341)


def test_a_big_camera_jpeg_gets_its_grid_thumbnail_from_the_dc_decoder_upright(
    tmp_path: Path,
) -> None:
    scene = _scene((2800, 4200))  # a portrait, stored on its side as cameras do
    exif = Image.Exif()
    exif[0x0112] = 6
    data = _jpeg(scene.transpose(Image.Transpose.ROTATE_90), quality=92, exif=exif)

    previews = make_previews(data, tmp_path, "cd" * 32, sizes=(GRID,))

    with Image.open(previews.path_for(GRID)) as grid:
        assert grid.size == (341, 512)
        difference = ImageStat.Stat(
            ImageChops.difference(grid.convert("RGB"), scene.resize((341, 512)))
        )
        assert max(difference.mean) < 6


def test_damaged_jpegs_never_crash_it_and_are_still_refused_in_words(tmp_path: Path) -> None:
    good = _jpeg(_scene((640, 480)), quality=90, restart_marker_blocks=5)
    rng = random.Random(7)
    outcomes = set()
    for attempt in range(3000):
        data = bytearray(good)
        if attempt % 3 == 0:
            data = data[: rng.randrange(2, len(data))]
        for _ in range(rng.randrange(1, 6)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        try:
            _jpeg_dc.dc_planes(bytes(data))
            outcomes.add("decoded")
        except NotImplementedError:
            outcomes.add("left to libjpeg")
        except ValueError:
            outcomes.add("damaged")
    assert {"decoded", "damaged"} <= outcomes

    cut = good[: len(good) // 2]
    with pytest.raises(ValueError):
        _jpeg_dc.dc_planes(cut)
    big_cut = _jpeg(_scene((4200, 2800)), quality=90)
    with pytest.raises(NotAPhoto, match="cut short"):
        make_previews(big_cut[: len(big_cut) // 2], tmp_path, "ef" * 32, sizes=(GRID,))


def test_chroma_lines_up_with_luma_when_the_blocks_do_not_pair_up() -> None:
    """4:2:0 chroma of a picture 257 blocks wide holds 129 pixels, of which luma covers 128.5;
    stretched over the whole, colour would drift off its edges towards the right."""
    import numpy as np

    w, h = 2056, 1032  # 257 x 129 blocks: both odd
    x = np.arange(w)[None, :].repeat(h, 0)
    waves = 128 + 100 * np.sin(2 * np.pi * x / 400)
    ycc = np.stack([np.full((h, w), 128.0), waves, np.full((h, w), 128.0)], -1)
    picture = Image.fromarray(ycc.astype(np.uint8), "YCbCr").convert("RGB")
    data = _jpeg(picture, quality=95, subsampling=2)

    ours = eighth.decode_fitted(data, 257)
    libjpeg = _libjpeg_eighth(data, "YCbCr")

    assert ours is not None and ours.size == libjpeg.size == (257, 129)
    cb_ours = np.asarray(ours.convert("YCbCr"), float)[:, :, 1].mean(0)
    cb_libjpeg = np.asarray(libjpeg, float)[:, :, 1].mean(0)
    assert np.abs(cb_ours - cb_libjpeg)[-40:].max() < 4


def _segment(marker: int, payload: bytes) -> bytes:
    return bytes([0xFF, marker]) + (len(payload) + 2).to_bytes(2, "big") + payload


def _tiny_grey_jpeg(dc_table_symbols: list[int], entropy: bytes, dc_quantiser: int = 255) -> bytes:
    """An 8x8 grey baseline JPEG written by hand: one block, 4-bit DC codes, EOB = '0'."""
    dqt = _segment(0xDB, bytes([0, dc_quantiser] + [1] * 63))
    sof = _segment(0xC0, bytes([8, 0, 8, 0, 8, 1, 1, 0x11, 0]))
    dc = bytes([0x00, 0, 0, 0, len(dc_table_symbols)] + [0] * 12 + dc_table_symbols)
    ac = bytes([0x10, 1] + [0] * 15 + [0x00])
    sos = _segment(0xDA, bytes([1, 1, 0x00, 0, 63, 0]))
    return (
        b"\xff\xd8"
        + dqt
        + sof
        + _segment(0xC4, dc)
        + _segment(0xC4, ac)
        + sos
        + entropy
        + b"\xff\xd9"
    )


def test_out_of_range_values_come_out_as_libjpeg_makes_them() -> None:
    # DC symbol 7 (code 0111), the 7 bits of +100, EOB: DC 100 x 255 is far outside 8 bits,
    # where libjpeg's range limit wraps instead of clamping.
    data = _tiny_grey_jpeg(list(range(12)), bytes([0x7C, 0x8F]))

    assert _our_luma(data).getpixel((0, 0)) == _libjpeg_eighth(data, "L").getpixel((0, 0))


def test_a_dc_table_libjpeg_calls_bogus_is_refused_too() -> None:
    data = _tiny_grey_jpeg([*range(11), 16], bytes([0x7C, 0x8F]))  # a DC size of 16 bits

    with pytest.raises(ValueError):
        _jpeg_dc.dc_planes(data)
    with pytest.raises(OSError):
        _libjpeg_eighth(data, "L")
