"""The loupe's Z: 100 % from the original file, upright and centred; a RAW (which Qt cannot read)
shows the preview at 100 % and says why; the full-size image is let go when it is not shown."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor
from PySide6.QtTest import QTest

from core.imaging.previews import preview_path
from core.services.photos import PhotoRow
from tests.images import make_jpeg
from tests.ui.conftest import Desk, until
from ui.album_grid import AlbumGrid
from ui.loupe import Loupe
from ui.studio import Studio

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("PHOTOFLOW_TEST_PHOTOS", REPO.parent / "shared" / "photos"))
RED, BLUE = (230, 20, 20), (20, 20, 230)


def sideways_jpeg(path: Path) -> Path:
    """3000x2000 as stored, red on its left half; EXIF orientation 6 (the camera was turned
    clockwise) makes it 2000x3000 upright with the red half at the top."""
    path.parent.mkdir(parents=True, exist_ok=True)
    im = Image.new("RGB", (3000, 2000), BLUE)
    im.paste(RED, (0, 0, 1500, 2000))
    exif = Image.Exif()
    exif[0x0112] = 6
    im.save(path, "JPEG", quality=90, exif=exif)
    return path


def close_to(colour: QColor, rgb: tuple[int, int, int]) -> bool:
    return all(abs(a - b) < 40 for a, b in zip(colour.getRgb()[:3], rgb, strict=True))


def open_loupe(desk: Desk, qtbot, files: list[Path]) -> tuple[AlbumGrid, Loupe, list[PhotoRow]]:  # type: ignore[no-untyped-def]
    s, me = desk.services, desk.admin

    async def setup():  # type: ignore[no-untyped-def]
        album = await s.albums.create(me, "Loupe")
        assert not (await s.imports.run(me, album.id, files)).failed
        return album, await s.photos.list(me, album.id, order="name")

    album, rows = desk.run(setup())
    grid = AlbumGrid(Studio(s, me))
    qtbot.addWidget(grid)
    grid.open_album(album.id)
    loupe = Loupe(desk.home.previews, album=grid)
    qtbot.addWidget(loupe)
    loupe.resize(900, 700)
    loupe.show()
    return grid, loupe, rows


def test_z_shows_the_original_at_one_to_one(desk: Desk, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    big = sideways_jpeg(tmp_path / "card" / "A_tall.jpg")
    small = make_jpeg(tmp_path / "card" / "B_small.jpg", (320, 240))
    grid, loupe, rows = open_loupe(desk, qtbot, [big, small])
    tall, other = rows

    async def scenario() -> None:
        loupe.show_photo(tall)
        await until(lambda: loupe.pixmap is not None, what="the preview")
        assert loupe.pixmap is not None and loupe.pixmap.height() == 2048  # the 2048 preview
        assert "[fit ·" in loupe.caption.text()

        QTest.keyClick(loupe, Qt.Key.Key_Z)
        await until(lambda: loupe.original is not None, what="the original")
        shown = loupe.image.pixmap()
        assert shown.size() == QSize(2000, 3000)  # the original, upright, 1:1
        image = shown.toImage()
        assert close_to(image.pixelColor(1000, 300), RED)  # the top of the upright photo
        assert close_to(image.pixelColor(1000, 2700), BLUE)
        assert "[100 % ·" in loupe.caption.text()
        assert "preview" not in loupe.caption.text()
        # Centred on the middle of the photo, which is what the fit view had in its middle.
        h, v = loupe.area.horizontalScrollBar(), loupe.area.verticalScrollBar()
        await until(
            lambda: abs(h.value() - h.maximum() / 2) <= 1 and abs(v.value() - v.maximum() / 2) <= 1,
            what="the view centred",
        )
        viewport = loupe.area.viewport().size()
        assert h.maximum() == 2000 - viewport.width() and v.maximum() == 3000 - viewport.height()

        # Moving on lets the full-size image go and brings the next photo's original, still 1:1.
        loupe.show_photo(other)
        assert loupe.original is None
        await until(lambda: loupe.original is not None, what="the next original")
        assert loupe.image.pixmap().size() == QSize(320, 240)
        loupe.show_photo(tall)
        await until(lambda: loupe.original is not None, what="the original again")

        QTest.keyClick(loupe, Qt.Key.Key_Z)
        assert loupe.original is None and not loupe.full
        assert "[fit ·" in loupe.caption.text()
        fitted = loupe.image.pixmap().size()
        assert fitted.height() <= loupe.area.viewport().height() < 2048
        await grid.studio.jobs.idle()

    desk.run(scenario())
    grid.close_album()


@pytest.mark.photos
def test_raw_zooms_to_the_preview_and_says_so(desk: Desk, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    raw = SHARED / "RAW_KODAK_DC50.KDC"
    if not raw.exists():
        pytest.fail(f"no shared test photos at {SHARED} (set PHOTOFLOW_TEST_PHOTOS)")
    card = tmp_path / "card"
    card.mkdir()
    grid, loupe, [row] = open_loupe(desk, qtbot, [Path(shutil.copy(raw, card / raw.name))])

    async def scenario() -> None:
        loupe.show_photo(row)
        await until(lambda: loupe.pixmap is not None, what="the preview")
        QTest.keyClick(loupe, Qt.Key.Key_Z)
        await until(lambda: loupe.why_preview is not None, what="the original to be given up")
        assert "100 % of the preview (the original is RAW/HEIC)" in loupe.caption.text()
        assert loupe.original is None
        assert loupe.pixmap is not None
        assert loupe.image.pixmap().size() == loupe.pixmap.size()  # the preview, 1:1
        QTest.keyClick(loupe, Qt.Key.Key_Z)
        assert "[fit ·" in loupe.caption.text()
        await grid.studio.jobs.idle()

    desk.run(scenario())
    grid.close_album()


def test_before_its_loupe_preview_the_grid_thumbnail_stands_in(
    desk: Desk, qtbot, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    grid, loupe, rows = open_loupe(
        desk, qtbot, [make_jpeg(tmp_path / "card" / "A.jpg", (900, 600))]
    )
    photo = rows[0]
    root = desk.home.previews
    loupe_preview = preview_path(root, photo.preview_hash, 2048)
    # As between the import's grid and loupe passes: the 512 (blue) exists, the 2048 not yet.
    loupe_preview.unlink()
    Image.new("RGB", (512, 341), BLUE).save(preview_path(root, photo.preview_hash, 512))
    Image.new("RGB", (160, 107), RED).save(preview_path(root, photo.preview_hash, "embedded"))

    async def scenario() -> None:
        loupe.show_photo(photo)
        await until(lambda: loupe.pixmap is not None, what="a stand-in")
        assert loupe.provisional and loupe.pixmap is not None
        assert loupe.pixmap.width() == 512  # the grid thumbnail, not the camera's 160 px one
        assert close_to(loupe.pixmap.toImage().pixelColor(256, 170), BLUE)

        Image.new("RGB", (900, 600), RED).save(loupe_preview)  # the loupe pass gets to it
        loupe.update_photo(photo)
        await until(lambda: not loupe.provisional, what="the loupe preview")
        assert loupe.pixmap is not None and loupe.pixmap.width() == 900
        await grid.studio.jobs.idle()

    desk.run(scenario())
    grid.close_album()
