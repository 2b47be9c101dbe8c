"""Cases built on the spot with Pillow, so they run on any machine."""

from __future__ import annotations

import io
import os
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageStat

from core.imaging.analyse import analyse_photo, imaging_pool
from core.imaging.colour import BACKDROP
from core.imaging.errors import NotAPhoto
from core.imaging.formats import PhotoKind, is_photo_candidate, sniff_kind
from core.imaging.metadata import camera_name, read_metadata
from core.imaging.previews import make_previews, preview_path

# For each EXIF orientation, the turn that stores an upright picture the way a camera would.
_STORE = {
    1: None,
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}


def _upright_scene() -> Image.Image:
    """A portrait 600x900 picture with a red block top-left and a blue block bottom-right."""
    im = Image.new("RGB", (600, 900), (230, 230, 230))
    im.paste((220, 20, 20), (0, 0, 200, 200))
    im.paste((20, 20, 220), (400, 700, 600, 900))
    return im


def _png_with_header(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width`` x ``height`` pixels (the pixels never follow)."""
    buffer = io.BytesIO()
    Image.new("L", (1, 1)).save(buffer, "PNG")
    data = bytearray(buffer.getvalue())
    ihdr = data[12:29]  # b"IHDR" + 13 bytes
    ihdr[4:12] = struct.pack(">II", width, height)
    data[12:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(ihdr)))
    return bytes(data)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_a_turned_camera_jpeg_comes_out_upright(tmp_path: Path, orientation: int) -> None:
    scene = _upright_scene()
    turn = _STORE[orientation]
    stored = scene if turn is None else scene.transpose(turn)
    exif = Image.Exif()
    exif[0x0112] = orientation
    path = tmp_path / f"turned_{orientation}.jpg"
    stored.save(path, quality=95, exif=exif)

    analysis = analyse_photo(path, tmp_path / "cache")

    assert (analysis.metadata.width, analysis.metadata.height) == (600, 900)
    with Image.open(analysis.previews.path_for(512)) as preview:
        assert preview.size == (341, 512)
        expected = scene.resize(preview.size)
        assert ImageStat.Stat(ImageChops.difference(preview, expected)).mean[0] < 8


def test_a_decompression_bomb_is_refused_before_it_is_decoded(tmp_path: Path) -> None:
    path = tmp_path / "bomb.png"
    path.write_bytes(_png_with_header(40_000, 40_000))
    with pytest.raises(NotAPhoto) as refused:
        analyse_photo(path, tmp_path / "cache")
    assert refused.value.reason == "too large to open safely (decompression bomb)"


def test_a_100_megapixel_camera_jpeg_is_not_mistaken_for_a_bomb(tmp_path: Path) -> None:
    # Between Pillow's warning (89 MP) and error (179 MP) lie real medium-format cameras.
    path = tmp_path / "gfx100.jpg"
    Image.new("L", (11_648, 8_736), 128).save(path, quality=50)
    analysis = analyse_photo(path, tmp_path / "cache", sizes=(512,))
    assert (analysis.metadata.width, analysis.metadata.height) == (11_648, 8_736)
    with Image.open(analysis.previews.path_for(512)) as preview:
        assert preview.size == (512, 384)


def test_a_cmyk_jpeg_becomes_an_rgb_preview(tmp_path: Path) -> None:
    path = tmp_path / "cyan.jpg"
    Image.new("CMYK", (800, 600), (255, 0, 0, 0)).save(path, quality=95)
    preview_set = make_previews(path, tmp_path / "cache", "cd" * 32, sizes=(512,))
    with Image.open(preview_set.path_for(512)) as preview:
        assert preview.mode == "RGB"
        r, g, b = preview.getpixel((10, 10))
        assert r < 60 and g > 200 and b > 200


def test_transparency_is_laid_on_a_neutral_grey(tmp_path: Path) -> None:
    im = Image.new("RGBA", (400, 300), (0, 0, 0, 0))
    im.paste((250, 200, 0, 255), (100, 100, 300, 200))
    path = tmp_path / "cutout.png"
    im.save(path)
    preview_set = make_previews(path, tmp_path / "cache", "ef" * 32, sizes=(512,))
    with Image.open(preview_set.path_for(512)) as preview:
        assert all(abs(a - b) <= 3 for a, b in zip(preview.getpixel((5, 5)), BACKDROP, strict=True))


def test_a_16_bit_grey_scan_becomes_an_8_bit_preview(tmp_path: Path) -> None:
    path = tmp_path / "scan.png"
    Image.new("I;16", (300, 200), 40_000).save(path)
    preview_set = make_previews(path, tmp_path / "cache", "12" * 32, sizes=(512,))
    with Image.open(preview_set.path_for(512)) as preview:
        assert preview.mode == "RGB"
        assert preview.getpixel((5, 5))[0] == pytest.approx(40_000 / 256, abs=2)


def test_a_cut_short_jpeg_is_refused_and_leaves_nothing_behind(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    Image.effect_noise((1200, 800), 40).convert("RGB").save(buffer, "JPEG", quality=90)
    path = tmp_path / "IMG_0001.jpg"
    path.write_bytes(buffer.getvalue()[: len(buffer.getvalue()) // 2])
    with pytest.raises(NotAPhoto) as refused:
        analyse_photo(path, tmp_path / "cache")
    assert refused.value.reason == "the JPEG is cut short"
    assert not (tmp_path / "cache").exists() or not any((tmp_path / "cache").rglob("*"))


def test_previews_are_derived_large_first_and_never_enlarged(tmp_path: Path) -> None:
    path = tmp_path / "big.jpg"
    Image.effect_noise((4000, 3000), 30).convert("RGB").save(path, quality=90)
    preview_set = make_previews(path, tmp_path / "cache", "34" * 32)
    assert [(p.size, p.width, p.height) for p in preview_set.previews] == [
        (2048, 2048, 1536),
        (512, 512, 384),
    ]
    assert preview_set.path_for(2048) == preview_path(tmp_path / "cache", "34" * 32, 2048)
    small = tmp_path / "small.jpg"
    Image.new("RGB", (300, 200)).save(small)
    tiny = make_previews(small, tmp_path / "cache", "56" * 32)
    assert {(p.width, p.height) for p in tiny.previews} == {(300, 200)}


def test_previews_can_be_made_from_bytes_in_memory(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (1000, 500), (10, 120, 10)).save(buffer, "JPEG")
    preview_set = make_previews(buffer.getvalue(), tmp_path, "78" * 32, sizes=(256,))
    with Image.open(preview_set.path_for(256)) as preview:
        assert preview.size == (256, 128)


@pytest.mark.parametrize(
    ("head", "name", "expected"),
    [
        (b"\xff\xd8\xff\xe1....Exif", "IMG_1.JPG", PhotoKind.JPEG),
        (b"\xff\xd8\xff\xe0", "IMG_1.CR2", PhotoKind.JPEG),  # content wins over the name
        (b"II*\x00\x08\x00\x00\x00", "IMG_1.CR2", PhotoKind.RAW),
        (b"II*\x00\x08\x00\x00\x00", "scan.tif", PhotoKind.TIFF),
        (b"IIU\x00\x08\x00\x00\x00", "P100.RW2", PhotoKind.RAW),
        (b"\x00\x00\x00\x18ftypcrx \x00\x00\x00\x01", "IMG_1.CR3", PhotoKind.RAW),
        (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00", "IMG_1.HEIC", PhotoKind.HEIF),
        (b"\x89PNG\r\n\x1a\n", "x.png", PhotoKind.PNG),
    ],
)
def test_the_kind_of_photo_is_told_by_content(head: bytes, name: str, expected: PhotoKind) -> None:
    assert sniff_kind(head, name) is expected


@pytest.mark.parametrize(
    ("head", "reason"),
    [
        (b"", "empty file (0 bytes)"),
        (b"%PDF-1.4\n", "not an image: it is a PDF"),
        (b"PK\x03\x04", "not an image: it is a ZIP archive"),
        (b"\x00\x00\x00\x20ftypisom", "not a photo: it is a video"),
        (b"<?xpacket begin=", "not an image: it is an XMP sidecar"),
        (b"hello world", "unsupported file type"),
    ],
)
def test_what_is_not_a_photo_is_named(head: bytes, reason: str) -> None:
    with pytest.raises(NotAPhoto) as refused:
        sniff_kind(head, "IMG_1.jpg")
    assert refused.value.reason == reason


def test_folder_scans_skip_sidecars_and_hidden_files() -> None:
    assert is_photo_candidate("card/DCIM/IMG_0001.CR3")
    assert is_photo_candidate("IMG_0001.jpeg")
    assert is_photo_candidate("IMG_0001.HEIC")
    assert not is_photo_candidate("IMG_0001.xmp")
    assert not is_photo_candidate("IMG_0001.CR2.xmp")
    assert not is_photo_candidate("MVI_0001.THM")
    assert not is_photo_candidate("._IMG_0001.jpg")
    assert not is_photo_candidate(".DS_Store")
    assert not is_photo_candidate("notes.txt")


@pytest.mark.parametrize(
    ("make", "model", "camera"),
    [
        ("Canon", "Canon EOS 40D", "Canon EOS 40D"),
        ("NIKON CORPORATION", "NIKON D70", "NIKON D70"),
        ("Apple", "iPhone 6", "Apple iPhone 6"),
        ("OLYMPUS IMAGING CORP.", "E-M1MarkII", "OLYMPUS E-M1MarkII"),
        ("Eastman Kodak Company", "Kodak Digital Science DC50", "Kodak Digital Science DC50"),
        ("SONY", "ILCE-7M3", "SONY ILCE-7M3"),
        (None, "X100V", "X100V"),
        ("FUJIFILM", None, "FUJIFILM"),
    ],
)
def test_camera_names_do_not_repeat_the_maker(
    make: str | None, model: str | None, camera: str | None
) -> None:
    assert camera_name(make, model) == camera


def test_capture_time_keeps_its_offset_and_subseconds(tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[0x010F] = "FUJIFILM"
    exif[0x0110] = "X-T5"
    sub = exif.get_ifd(0x8769)
    sub[0x9003] = "2024:06:01 18:30:05"
    sub[0x9011] = "-04:00"
    sub[0x9291] = "25"
    path = tmp_path / "DSCF0001.JPG"
    Image.new("RGB", (60, 40)).save(path, exif=exif)
    meta = read_metadata(path)
    assert meta.camera == "FUJIFILM X-T5"
    assert meta.taken_at is not None
    assert meta.taken_at.isoformat() == "2024-06-01T18:30:05.250000-04:00"


def test_the_decoder_log_starts_afresh_when_it_grows_large(tmp_path: Path) -> None:
    log = tmp_path / "logs" / "decoders.log"
    log.parent.mkdir()
    log.write_bytes(b"old chatter\n" * 500_000)  # 6 MB

    with imaging_pool(1, chatter_log=log) as pool:
        assert pool.submit(os.getpid).result() > 0

    assert (tmp_path / "logs" / "decoders.log.1").stat().st_size == 6_000_000
    assert not log.exists() or log.stat().st_size < 1000
