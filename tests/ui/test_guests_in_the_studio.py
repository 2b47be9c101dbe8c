"""Each guest's picks, stars and comments reach the studio (inspector, grid badges), and the
words keep the studio's selection apart from the client's picks."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from tests.ui.conftest import Desk, until
from tests.ui.test_client_live import album_in_rate
from tests.ui.test_import_failures import open_album_by_click
from ui.main_window import MainWindow
from ui.photo_grid_model import Roles
from ui.studio import Studio


async def two_guests(desk: Desk, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Mia picks, rates 4 and comments on the first photo; Bo rates it 2 and picks the second."""
    s = desk.services
    album = await album_in_rate(desk, tmp_path)
    rows = await s.photos.list(desk.admin, album.id)
    mia = (await s.client.open((await s.links.create(desk.admin, album.id)).token)).guest("Mia")
    bo = (await s.client.open((await s.links.create(desk.admin, album.id)).token)).guest("Bo")
    await s.client.pick(mia, rows[0].id)
    await s.client.rate(mia, rows[0].id, 4)
    await s.client.comment(mia, rows[0].id, "Love the light")
    await s.client.rate(bo, rows[0].id, 2)
    await s.client.pick(bo, rows[1].id)
    return album, rows


def click_cell(qtbot, grid, row: int) -> None:  # type: ignore[no-untyped-def]
    rect = grid.view.visualRect(grid.model.index(row))
    qtbot.mouseClick(grid.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def shown_names(grid) -> list[str]:  # type: ignore[no-untyped-def]
    return [grid.model.photo(i).filename for i in range(grid.model.rowCount())]


def test_each_guest_shows_in_the_inspector_and_the_grid(desk: Desk, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    album, rows = desk.run(two_guests(desk, tmp_path))
    studio = Studio(desk.services, desk.admin)
    window = MainWindow(studio)
    qtbot.addWidget(window)
    window.show()
    grid, inspector = window.grid, window.inspector

    async def scenario() -> None:
        await until(lambda: window.browser.item_for(album.name), what="the album list")
        open_album_by_click(qtbot, window, album.name)
        await until(lambda: grid.model.rowCount() == 4, what="the grid")
        first = grid.model.row_of(rows[0].id)
        click_cell(qtbot, grid, first)
        await until(lambda: "Mia" in inspector.guests.text(), what="the guests in the inspector")
        assert inspector.guests.text().splitlines() == [
            "Mia: ♥ picked · ★★★★ · “Love the light”",
            "Bo: ★★",
        ]
        assert inspector.text("client_stars") == "3 ★ (mean)"
        assert inspector.text("stars") == "none"  # the studio's own stars stay apart
        assert inspector.text("picks") == "1 · Mia"
        cell = grid.model.index(first)
        assert cell.data(Roles.ROW).client_stars == 3  # the cell's ☆3 badge
        window.close()
        await studio.jobs.cancel_all()

    desk.run(scenario())


def test_selection_and_client_picks_are_named_apart(desk: Desk, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    album, rows = desk.run(two_guests(desk, tmp_path))
    studio = Studio(desk.services, desk.admin)
    window = MainWindow(studio)
    qtbot.addWidget(window)
    window.show()
    grid, inspector, bar = window.grid, window.inspector, window.stage_bar
    third = rows[2].filename

    async def scenario() -> None:
        await until(lambda: window.browser.item_for(album.name), what="the album list")
        open_album_by_click(qtbot, window, album.name)
        await until(lambda: grid.model.rowCount() == 4, what="the grid")
        # Nothing in the selection yet: the refusal line shows the client's picks instead.
        qtbot.mouseClick(bar.advance, Qt.MouseButton.LeftButton)
        await until(lambda: bar.refusals.isVisible(), what="the refusal")
        line = next(
            bar.refusals.item(i)
            for i in range(bar.refusals.count())
            if "No photo is in the selection yet" in bar.refusals.item(i).text()
        )
        spot = bar.refusals.visualItemRect(line).center()
        qtbot.mouseClick(bar.refusals.viewport(), Qt.MouseButton.LeftButton, pos=spot)
        assert grid.client_filter.isChecked()
        assert sorted(shown_names(grid)) == sorted([rows[0].filename, rows[1].filename])
        qtbot.mouseClick(grid.client_filter, Qt.MouseButton.LeftButton)
        assert grid.model.rowCount() == 4

        click_cell(qtbot, grid, grid.model.row_of(rows[2].id))
        QTest.keyClick(grid.view, Qt.Key.Key_S)  # the studio puts it in the selection
        await studio.jobs.idle()
        await until(lambda: "1 in the selection" in bar.detail.full_text(), what="the stage bar")
        assert "1 in the selection" in grid.counts.full_text()
        assert inspector.text("selected") == "yes"

        qtbot.mouseClick(grid.selection_filter, Qt.MouseButton.LeftButton)
        assert shown_names(grid) == [third]
        qtbot.mouseClick(grid.selection_filter, Qt.MouseButton.LeftButton)
        qtbot.mouseClick(grid.client_filter, Qt.MouseButton.LeftButton)
        assert sorted(shown_names(grid)) == sorted([rows[0].filename, rows[1].filename])
        assert grid.client_filter.text() == "Client's picks"
        window.close()
        await studio.jobs.cancel_all()

    desk.run(scenario())
