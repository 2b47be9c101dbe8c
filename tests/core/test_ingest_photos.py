"""Every file of the shared camera photos through a real ingest: imported upright with previews,
or refused with a reason a photographer understands; nothing crashes the ingest."""

from __future__ import annotations

import csv
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from core.imaging.previews import preview_path
from core.services.imports import ImportProgress, ImportReport
from tests.conftest import Studio

REFUSED = {
    "truncated_jpeg.jpg": "the JPEG is cut short",
    "zero_bytes.jpg": "empty file (0 bytes)",
    "not_an_image.jpg": "not an image: it is a PDF",
    "Nikon.nef": "a RAW file with its image data missing and no embedded preview",
    "Panasonic.rw2": "a RAW file with its image data missing; its embedded preview is only 8x8 pixels",
    "CanonRaw.cr2": "a RAW file whose image data cannot be read (missing or an unsupported camera) and with no embedded preview",
}


def manifest(photos: Path) -> dict[str, dict[str, str]]:
    with open(photos / "MANIFEST.tsv", newline="") as fh:
        return {row["file"]: row for row in csv.DictReader(fh, delimiter="\t")}


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_every_shared_photo_is_imported_upright_or_refused(
    studio: Studio, photos_dir: Path
) -> None:
    s, pia = studio.services, studio.photographer
    album = await s.albums.create(pia, "Every camera")
    seen: list[ImportProgress] = []
    report = await s.imports.run(pia, album.id, [photos_dir], progress=seen.append)
    expected = manifest(photos_dir)

    failed = {Path(f.path).name: f.reason for f in report.failed}
    assert failed == REFUSED
    imported = {Path(p).name for p in report.imported}
    assert imported | set(failed) == set(expected), "every file ends imported or refused"
    assert {p.phase for p in seen} == {"copying", "previews"}
    assert seen[-1].done == seen[-1].total

    rows = {r.filename: r for r in await s.photos.list(pia, album.id)}
    assert set(rows) == imported
    cache = s.paths.previews
    for name, row in rows.items():
        size = expected[name]["oriented_size"]
        if "x" in size and not size.startswith("n/a"):
            w, h = (int(v) for v in size.split("x"))
            assert (row.width, row.height) == (w, h), name
        for edge in (512, 2048):
            with Image.open(preview_path(cache, row.preview_hash, edge)) as im:
                assert max(im.size) <= edge, name
                assert im.format == "JPEG" and im.mode == "RGB"
                if row.width and row.width > 16:  # an 8x8 embedded thumbnail has no aspect to keep
                    assert abs(im.width / im.height - row.width / row.height) < 0.05, name
    # iPhone HEIC carries EXIF orientation 6 *and* is stored upright by the decoder: not twice.
    assert (rows["iphone_13_pro_max.heic"].width, rows["iphone_13_pro_max.heic"].height) == (
        3024,
        4032,
    )
    assert rows["DSCN0010.jpg"].camera == "NIKON COOLPIX P6000"

    detail = await s.photos.detail(pia, album.id, "DSCN0010.jpg")
    assert detail.exif.get("iso") or detail.exif.get("shutter_speed")
    shown = await s.albums.show(pia, album.id)
    assert shown.blocking[0].code == "raw.unresolved_failures"
    assert shown.blocking[0].photo_count == len(REFUSED)


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_marks_reach_xmp_sidecars_that_exiftool_reads(studio: Studio, tmp_path: Path) -> None:
    s, pia = studio.services, studio.photographer
    card = tmp_path / "card"
    card.mkdir()
    Image.new("RGB", (300, 200), (20, 90, 160)).save(card / "IMG_0001.jpg")
    Image.new("RGB", (300, 200), (160, 90, 20)).save(card / "IMG_0002.jpg")
    # A sidecar darktable/Lightroom wrote before the shoot reached PhotoFlow, with content we do not own.
    (card / "IMG_0002.xmp").write_text(
        """<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:darktable="http://darktable.sf.net/"
    xmp:Rating="4" xmp:Label="Purple" darktable:xmp_version="5">
   <dc:subject><rdf:Bag><rdf:li>bride</rdf:li><rdf:li>first dance</rdf:li></rdf:Bag></dc:subject>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>""",
        encoding="utf-8",
    )
    album = await s.albums.create(pia, "Culled elsewhere")
    await s.imports.run(pia, album.id, [card])
    rows = {r.filename: r for r in await s.photos.list(pia, album.id, order="name")}
    assert (rows["IMG_0002.jpg"].stars, rows["IMG_0002.jpg"].label) == (4, "Purple")
    assert (rows["IMG_0001.jpg"].stars, rows["IMG_0001.jpg"].label) == (0, None)

    await s.photos.rate(pia, album.id, "IMG_0001.jpg", 5)
    await s.photos.label(pia, album.id, "IMG_0001.jpg", "Green")
    await s.photos.flag(pia, album.id, "IMG_0002.jpg", "reject")
    originals = s.paths.library / str(album.id) / "originals"

    def exiftool(path: Path) -> dict[str, object]:
        out = subprocess.run(
            ["exiftool", "-j", "-XMP:Rating", "-XMP:Label", "-XMP:Subject", str(path)],
            capture_output=True,
            text=True,
            check=True,
        )
        import json

        return json.loads(out.stdout)[0]

    first = exiftool(originals / "IMG_0001.xmp")
    assert (first["Rating"], first["Label"]) == (5, "Green")
    second = exiftool(originals / "IMG_0002.xmp")
    assert second["Rating"] == -1 and second["Label"] == "Purple"
    assert second["Subject"] == ["bride", "first dance"]  # what we do not own survives
    assert (card / "IMG_0002.xmp").read_text(encoding="utf-8").count('xmp:Rating="4"') == 1


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_progress_as_an_async_stream(studio: Studio, tmp_path: Path) -> None:
    from tests.images import make_shoot

    s, pia = studio.services, studio.photographer
    make_shoot(tmp_path / "card", 5)
    (tmp_path / "card" / "IMG_9999.jpg").write_bytes(b"\xff\xd8\xff\xe0 cut")
    album = await s.albums.create(pia, "Streamed")
    items = [item async for item in s.imports.stream(pia, album.id, [tmp_path / "card"])]
    *progress, report = items
    assert isinstance(report, ImportReport)
    assert len(report.imported) == 5 and len(report.failed) == 1
    copying = [p for p in progress if p.phase == "copying"]
    assert [p.done for p in copying] == [1, 2, 3, 4, 5, 6]
    assert copying[-1].bytes_done == copying[-1].bytes_total > 0
    assert progress[-1].phase == "previews" and progress[-1].done == progress[-1].total == 5


async def test_the_first_screen_of_a_listing_is_the_start_of_the_whole(
    studio: Studio, tmp_path: Path
) -> None:
    from tests.images import make_shoot

    s, pia = studio.services, studio.photographer
    make_shoot(tmp_path / "card", 12)
    album = await s.albums.create(pia, "Paged")
    await s.imports.run(pia, album.id, [tmp_path / "card"])
    for order in ("taken", "name"):
        whole = await s.photos.list(pia, album.id, order=order)
        first = await s.photos.list(pia, album.id, order=order, limit=5)
        assert [r.filename for r in first] == [r.filename for r in whole[:5]]
    one = await s.photos.row(pia, album.id, whole[3].id)
    assert one == whole[3]


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_a_shoot_of_big_jpegs_is_sharp_in_the_grid_before_any_loupe_preview(
    studio: Studio, tmp_path: Path
) -> None:
    """Big JPEGs get their grid thumbnails from the DC coefficients in a pass of their own;
    the loupe previews (a near-full decode each) come after the whole grid."""
    from tests.images import make_jpeg

    s, pia = studio.services, studio.photographer
    card = tmp_path / "card"
    for i in range(3):
        make_jpeg(card / f"BIG_{i}.jpg", size=(4200, 2800), colour=i)
    make_jpeg(card / "small.jpg", size=(1200, 800), colour=9)
    album = await s.albums.create(pia, "Big files")
    cache = s.paths.previews
    grid_done_first: list[bool] = []

    def watch(p: ImportProgress) -> None:
        if p.phase == "previews" and p.done == p.total:
            hashes = [f.name.split("_")[0] for f in cache.rglob("*_512.jpg")]
            loupes = {f.name.split("_")[0] for f in cache.rglob("*_2048.jpg")}
            # Every thumbnail made; of the loupe previews only the small file's (one decode).
            grid_done_first.append(len(hashes) == 4 and len(loupes) == 1)

    report = await s.imports.run(pia, album.id, [card], progress=watch)

    assert len(report.imported) == 4 and not report.failed
    assert grid_done_first == [True]
    for row in await s.photos.list(pia, album.id):
        for edge in (512, 2048):
            with Image.open(preview_path(cache, row.preview_hash, edge)) as im:
                assert max(im.size) == min(edge, max(row.width, row.height))


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_previews_an_import_left_unmade_are_finished_at_the_next_start(
    studio: Studio, tmp_path: Path
) -> None:
    """The app closed during the loupe pass: the next start makes what is missing."""
    import asyncio

    from tests.images import make_jpeg

    s, pia = studio.services, studio.photographer
    card = tmp_path / "card"
    for i in range(4):
        make_jpeg(card / f"BIG_{i}.jpg", size=(4200, 2800), colour=i)
    album = await s.albums.create(pia, "Closed early")
    loupe_started = asyncio.Event()

    def watch(p: ImportProgress) -> None:
        if p.phase == "loupe":
            loupe_started.set()

    run = asyncio.ensure_future(s.imports.run(pia, album.id, [card], progress=watch))
    await asyncio.wait_for(loupe_started.wait(), 60)
    run.cancel()  # the window closes
    with pytest.raises(asyncio.CancelledError):
        await run
    cache = s.paths.previews
    rows = await s.photos.list(pia, album.id)
    missing = [r for r in rows if not preview_path(cache, r.preview_hash, 2048).exists()]
    assert len(rows) == 4 and missing, "some loupe previews were still to be made"

    assert await s.imports.finish_previews(pia) >= len(missing)
    for row in await s.photos.list(pia, album.id):
        for edge in (512, 2048):
            assert preview_path(cache, row.preview_hash, edge).exists()
    assert await s.imports.finish_previews(pia) == 0  # nothing left to do
