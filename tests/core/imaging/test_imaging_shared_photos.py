"""Every real camera file of the shared folder either becomes a photo with correct previews or
is refused with a reason the photographer understands."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
from conftest import manifest, shared_photo_names
from PIL import Image, ImageChops, ImageStat

from core.imaging.analyse import analyse_photo, hash_bytes, hash_file, imaging_pool
from core.imaging.embedded import embedded_preview, write_embedded_preview
from core.imaging.errors import NotAPhoto
from core.imaging.metadata import read_metadata

pytestmark = pytest.mark.photos

MANIFEST = manifest()

REFUSED = {
    "truncated_jpeg.jpg": "the JPEG is cut short",
    "zero_bytes.jpg": "empty file (0 bytes)",
    "not_an_image.jpg": "not an image: it is a PDF",
    # Both had their image data stripped by ExifTool's authors and keep no usable preview
    # (the NEF's 160x106 IFD0 thumbnail and the CR2's old-style JPEG are stripped too).
    "Nikon.nef": "a RAW file with its image data missing and no embedded preview",
    # Its image data is stripped and the JPEG it embeds is an 8x8 placeholder.
    "Panasonic.rw2": (
        "a RAW file with its image data missing; its embedded preview is only 8x8 pixels"
    ),
    "CanonRaw.cr2": (
        "a RAW file whose image data cannot be read (missing or an unsupported camera) "
        "and with no embedded preview"
    ),
}


def _oriented_size(name: str) -> tuple[int, int] | None:
    text = MANIFEST.get(name, {}).get("oriented_size", "")
    if "x" not in text or not text.split("x")[0].isdigit():
        return None
    w, h = text.split("x")
    return int(w), int(h)


@pytest.mark.parametrize("name", shared_photo_names())
def test_each_shared_file_is_imported_or_refused_with_its_reason(
    photos: Path, tmp_path: Path, name: str
) -> None:
    if name in REFUSED:
        with pytest.raises(NotAPhoto) as refused:
            analyse_photo(photos / name, tmp_path)
        assert refused.value.reason == REFUSED[name]
        assert not any(tmp_path.rglob("*.jpg")), "a refused file must leave no preview behind"
        return

    analysis = analyse_photo(photos / name, tmp_path)

    assert analysis.size_bytes == (photos / name).stat().st_size
    assert analysis.content_hash == hash_file(photos / name)
    meta = analysis.metadata
    expected = _oriented_size(name)
    if expected is not None:
        assert (meta.width, meta.height) == expected
    for size in (2048, 512):
        path = analysis.previews.path_for(size)
        assert path == tmp_path / analysis.content_hash[:2] / f"{analysis.content_hash}_{size}.jpg"
        with Image.open(path) as preview:
            assert preview.format == "JPEG" and preview.mode == "RGB"
            assert max(preview.size) <= size
            assert max(preview.size) == min(size, max(meta.width, meta.height)) or (
                analysis.previews.origin in ("embedded", "developed")
            )
            if expected is not None:
                # Upright: the preview has the photo's upright proportions.
                assert preview.width / preview.height == pytest.approx(
                    expected[0] / expected[1], rel=0.02
                )
    assert not [p for p in tmp_path.rglob("*") if p.name.endswith(".tmp")]
    assert pickle.loads(pickle.dumps(analysis)) == analysis


def test_a_stripped_raw_keeps_its_metadata_though_refused(photos: Path) -> None:
    meta = read_metadata(photos / "Panasonic.rw2")
    assert (meta.width, meta.height) == (3664, 2754)
    assert meta.camera == "Panasonic DMC-LX3"


def test_an_undecodable_dng_falls_back_to_its_embedded_preview(
    photos: Path, tmp_path: Path
) -> None:
    analysis = analyse_photo(photos / "nikon_z_9_he_compressed.dng", tmp_path)
    assert analysis.previews.origin == "embedded"
    with Image.open(analysis.previews.path_for(2048)) as preview:
        assert max(preview.size) == 640
    assert analysis.metadata.camera == "NIKON Z 9"
    assert analysis.metadata.lens == "NIKKOR Z 85mm f/1.2 S"


def test_a_complete_raw_is_developed_when_its_embedded_preview_is_too_small(
    photos: Path, tmp_path: Path
) -> None:
    analysis = analyse_photo(photos / "RAW_KODAK_DC50.KDC", tmp_path)
    assert analysis.previews.origin == "developed"
    with Image.open(analysis.previews.path_for(2048)) as preview:
        assert preview.size == (768, 512)


@pytest.mark.parametrize("n", range(2, 9))
def test_every_orientation_of_the_landscape_looks_the_same_upright(
    photos: Path, tmp_path: Path, n: int
) -> None:
    reference = analyse_photo(photos / "Landscape_1.jpg", tmp_path / "1")
    turned = analyse_photo(photos / f"Landscape_{n}.jpg", tmp_path / str(n))
    assert (turned.metadata.width, turned.metadata.height) == (1800, 1200)
    assert turned.metadata.orientation == n
    with (
        Image.open(reference.previews.path_for(512)) as a,
        Image.open(turned.previews.path_for(512)) as b,
    ):
        assert a.size == b.size == (512, 341)
        difference = ImageStat.Stat(ImageChops.difference(a, b).convert("L")).mean[0]
        flipped = ImageStat.Stat(
            ImageChops.difference(a, b.transpose(Image.Transpose.ROTATE_180)).convert("L")
        ).mean[0]
    assert difference < 6, f"Landscape_{n} is not upright (mean difference {difference:.1f})"
    assert flipped > 3 * difference


def test_a_rotated_heic_is_not_turned_twice(photos: Path, tmp_path: Path) -> None:
    analysis = analyse_photo(photos / "iphone_13_pro_max.heic", tmp_path)
    assert (analysis.metadata.width, analysis.metadata.height) == (3024, 4032)
    with Image.open(analysis.previews.path_for(2048)) as preview:
        assert preview.size == (1536, 2048)


def test_camera_facts_are_read_the_way_a_photographer_says_them(photos: Path) -> None:
    from core.imaging.metadata import read_metadata

    canon = read_metadata(photos / "Canon_40D.jpg")
    assert canon.camera == "Canon EOS 40D"
    assert canon.taken_at is not None and canon.taken_at.isoformat() == "2008-05-30T15:56:01"
    assert (canon.f_number, canon.iso, canon.focal_length) == (7.1, 100, 135.0)
    assert canon.shutter_speed == "1/160 s"
    gps = read_metadata(photos / "DSCN0010.jpg")
    assert gps.gps_lat == pytest.approx(43.46745, abs=1e-4)
    assert gps.gps_lon == pytest.approx(11.88513, abs=1e-4)
    heic = read_metadata(photos / "IMG_5195.HEIC")
    assert heic.taken_at is not None and heic.taken_at.utcoffset() is not None
    assert heic.camera == "Apple iPhone 11 Pro Max"
    assert read_metadata(photos / "xmp_test.jpg").serial == "022070029137"
    assert read_metadata(photos / "Nikon.nef").camera == "NIKON D70"


def test_wide_gamut_and_cmyk_previews_are_converted_to_srgb(photos: Path, tmp_path: Path) -> None:
    for name in ("Channel_digital_image_CMYK_color.jpg", "xmp_test.jpg", "IMG_5195.HEIC"):
        analysis = analyse_photo(photos / name, tmp_path)
        with Image.open(analysis.previews.path_for(512)) as preview:
            assert preview.mode == "RGB"
            assert "icc_profile" not in preview.info  # plain JPEG: sRGB by convention
    # A CMYK JPEG decoded naively looks inverted or washed out; colour-managed it keeps the
    # dark, saturated image the photographer saw.
    analysis = analyse_photo(photos / "Channel_digital_image_CMYK_color.jpg", tmp_path)
    with Image.open(analysis.previews.path_for(512)) as preview:
        assert ImageStat.Stat(preview.convert("L")).mean[0] < 200


def test_the_first_screen_uses_the_camera_embedded_thumbnail_upright(
    photos: Path, tmp_path: Path
) -> None:
    data = embedded_preview(photos / "canon_hdr_NO.jpg")
    assert data is not None and data.startswith(b"\xff\xd8")
    path = write_embedded_preview(photos / "canon_hdr_NO.jpg", tmp_path, "ab" * 32)
    assert path == tmp_path / "ab" / f"{'ab' * 32}_embedded.jpg"
    with Image.open(path) as im:
        assert im.size == (120, 160)  # stored 160x120 with orientation 6
    assert embedded_preview(photos / "nikon_z_9_he_compressed.dng") is not None
    assert embedded_preview(photos / "iphone_13_pro_max.heic") is not None
    assert embedded_preview(photos / "blackbug.png") is None
    assert embedded_preview(photos / "zero_bytes.jpg") is None
    assert embedded_preview(photos / "not_an_image.jpg") is None


def test_a_second_analysis_of_the_same_content_reuses_the_cache(
    photos: Path, tmp_path: Path
) -> None:
    first = analyse_photo(photos / "jolla.jpg", tmp_path)
    again = analyse_photo(photos / "jolla.jpg", tmp_path)
    assert again.previews.origin == "cached"
    assert again.previews.previews == first.previews.previews
    assert first.content_hash == hash_bytes((photos / "jolla.jpg").read_bytes())


def test_analysis_runs_in_a_process_pool(photos: Path, tmp_path: Path) -> None:
    names = ["Canon_40D.jpg", "sugarshack.mpo", "truncated_jpeg.jpg", "Panasonic.rw2"]
    with imaging_pool(max_workers=2) as pool:
        futures = {n: pool.submit(analyse_photo, photos / n, tmp_path) for n in names}
        results = {}
        for name, future in futures.items():
            try:
                results[name] = future.result().metadata.camera
            except NotAPhoto as e:
                results[name] = e.reason
    assert results == {
        "Canon_40D.jpg": "Canon EOS 40D",
        "sugarshack.mpo": "Nintendo 3DS",
        "truncated_jpeg.jpg": "the JPEG is cut short",
        "Panasonic.rw2": REFUSED["Panasonic.rw2"],
    }
