"""Between an import's two passes the grid shows the camera's embedded preview; when the real
previews are announced (`photo.previews`) the cell repaints from the 512 without a placeholder."""

from __future__ import annotations

from pathlib import Path

from PIL import Image
from PySide6.QtCore import QRect
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QStyleOptionViewItem

from app.bootstrap import context_of
from core.changes import Change
from core.events import Event
from core.imaging.previews import preview_path
from tests.images import make_shoot
from tests.ui.conftest import Desk, until
from ui.album_grid import AlbumGrid
from ui.photo_delegate import CELL
from ui.studio import Studio

RED, BLUE = (220, 20, 20), (20, 20, 220)


def painted_centre(grid: AlbumGrid, row: int) -> QColor:
    """Paint one cell with the grid's delegate and read the middle of its thumbnail."""
    image = QImage(CELL, QImage.Format.Format_RGB32)
    image.fill(0)
    painter = QPainter(image)
    option = QStyleOptionViewItem()
    option.rect = QRect(0, 0, CELL.width(), CELL.height())
    grid.view.itemDelegate().paint(painter, option, grid.model.index(row))
    painter.end()
    return image.pixelColor(CELL.width() // 2, 3 + 6 + 68)


def close_to(colour: QColor, rgb: tuple[int, int, int]) -> bool:
    return all(abs(a - b) < 40 for a, b in zip(colour.getRgb()[:3], rgb, strict=True))


def test_embedded_preview_until_the_real_one_is_announced(
    desk: Desk, qtbot, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    s, me = desk.services, desk.admin

    async def setup():  # type: ignore[no-untyped-def]
        album = await s.albums.create(me, "Dunes")
        assert not (await s.imports.run(me, album.id, make_shoot(tmp_path / "shoot", 2))).failed
        return album, await s.photos.list(me, album.id)

    album, rows = desk.run(setup())
    photo = rows[0]
    root = desk.home.previews
    real = preview_path(root, photo.preview_hash, 512)
    embedded = preview_path(root, photo.preview_hash, "embedded")
    # As between the two passes: only the camera's preview exists (red); the 512 is not made yet.
    real.unlink()
    Image.new("RGB", (160, 120), RED).save(embedded, "JPEG")

    grid = AlbumGrid(Studio(s, me))
    qtbot.addWidget(grid)
    grid.resize(900, 600)
    grid.show()

    async def scenario() -> None:
        grid.open_album(album.id)
        await until(lambda: grid.model.rowCount() == 2, what="the grid to fill")
        row = grid.model.row_of(photo.id)
        painted_centre(grid, row)  # asks the cache for the thumbnail
        await until(lambda: grid.thumbnails.get(photo.preview_hash) is not None, what="a thumbnail")
        assert grid.thumbnails.is_provisional(photo.preview_hash)
        assert close_to(painted_centre(grid, row), RED)

        # The second pass writes the real preview (blue) and announces it.
        Image.new("RGB", (512, 384), BLUE).save(real, "JPEG")
        context_of(s).events.publish(
            Event(Change.PHOTO_PREVIEWS, me.tenant_id, album.id, photo.id, {"kind": "original"})
        )
        await until(
            lambda: not grid.thumbnails.is_provisional(photo.preview_hash), what="the real preview"
        )
        assert close_to(painted_centre(grid, row), BLUE)
        await grid.studio.jobs.idle()

    desk.run(scenario())
    grid.close_album()


def test_no_preview_at_all_paints_the_placeholder(desk: Desk, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    s, me = desk.services, desk.admin

    async def setup():  # type: ignore[no-untyped-def]
        album = await s.albums.create(me, "Fog")
        assert not (await s.imports.run(me, album.id, make_shoot(tmp_path / "shoot", 1))).failed
        return album, (await s.photos.list(me, album.id))[0]

    album, photo = desk.run(setup())
    for size in (512, "embedded"):
        preview_path(desk.home.previews, photo.preview_hash, size).unlink(missing_ok=True)
    grid = AlbumGrid(Studio(s, me))
    qtbot.addWidget(grid)

    async def scenario() -> None:
        grid.open_album(album.id)
        await until(lambda: grid.model.rowCount() == 1)
        painted_centre(grid, 0)
        await until(lambda: grid.thumbnails.pending == 0, what="the load to give up")
        assert grid.thumbnails.get(photo.preview_hash) is None
        assert painted_centre(grid, 0) == QColor("#303030")  # the placeholder
        await grid.studio.jobs.idle()

    desk.run(scenario())
    grid.close_album()
