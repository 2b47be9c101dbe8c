"""A photographer's day, driven by mouse and keyboard: make an album, see the advance refused,
ingest a shoot, cull with the keys, fix every refused rule, and move the album on."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from tests.ui.conftest import Desk, until
from ui.main_window import MainWindow
from ui.studio import Studio

JPEGS = ["Canon_40D.jpg", "Nikon_D70.jpg", "Pentax_K10D.jpg", "Landscape_1.jpg", "DSCN0010.jpg"]
RAW = "RAW_KODAK_DC50.KDC"


def shoot_folder(tmp: Path, photos: Path) -> Path:
    """Real camera files from the shared test photos (five JPEGs and one RAW), plus an empty
    file."""
    folder = tmp / "card"
    folder.mkdir()
    for name in [*JPEGS, RAW]:
        shutil.copy(photos / name, folder / name)
    (folder / "BROKEN.jpg").write_bytes(b"")
    return folder


def press(widget, key, modifier=Qt.KeyboardModifier.NoModifier) -> None:  # type: ignore[no-untyped-def]
    QTest.keyClick(widget, key, modifier)


@pytest.mark.photos
def test_cull_refuse_fix_advance(desk: Desk, qtbot, tmp_path: Path, photos_dir: Path) -> None:  # type: ignore[no-untyped-def]
    folder = shoot_folder(tmp_path, photos_dir)
    studio = Studio(desk.services, desk.admin)
    window = MainWindow(studio)
    qtbot.addWidget(window)
    window.show()
    bar, grid = window.stage_bar, window.grid

    async def day() -> None:
        # A new album, by the File menu's dialog.
        window.new_album()
        dialog = window.dialogs["new_album"]
        QTest.keyClicks(dialog.name, "Harbour wedding")
        QTest.keyClicks(dialog.client, "Mia")
        dialog.create()
        await until(lambda: window.album is not None, what="the new album to open")
        assert bar.title.text() == "Harbour wedding — Raw"

        # Advancing an empty album is refused, with the reason.
        qtbot.mouseClick(bar.advance, Qt.MouseButton.LeftButton)
        await until(lambda: bar.refusals.isVisible(), what="the refusal")
        assert any("no photos yet" in line for line in bar.refusal_lines)

        # Ingest the card: progress, then the file that failed.
        ingest = window.open_ingest()
        QTest.keyClicks(ingest.folder, str(folder))
        qtbot.mouseClick(ingest.start_button, Qt.MouseButton.LeftButton)
        await until(lambda: ingest.report is not None, 60, "the import")
        n = len(ingest.report.imported)
        assert n == len(list(folder.iterdir())) - 1, ingest.report.failed
        assert [f.path for f in ingest.report.failed] == [str(folder / "BROKEN.jpg")]
        await until(lambda: ingest.failures.count() == 1, what="the failure to be listed")
        assert "BROKEN.jpg: empty file" in ingest.failures.item(0).text()
        assert "of" in ingest.status.text() or "imported" in ingest.status.text()
        await until(lambda: grid.model.rowCount() == n, what="the grid to fill")

        # Advance: refused for the failed file; mark it dealt with; advance to Stock.
        qtbot.mouseClick(bar.advance, Qt.MouseButton.LeftButton)
        await until(lambda: any("failed to import" in x for x in bar.refusal_lines))
        qtbot.mouseClick(ingest.resolve, Qt.MouseButton.LeftButton)
        await until(lambda: "dealt with" in ingest.status.text())
        ingest.close()
        qtbot.mouseClick(bar.advance, Qt.MouseButton.LeftButton)
        await until(lambda: bar.album is not None and bar.album.stage.value == "stock")
        assert not bar.refusals.isVisible()

        # Stock: the RAW has no stock version. Click the rule, reject that photo, advance.
        qtbot.mouseClick(bar.advance, Qt.MouseButton.LeftButton)
        await until(lambda: any("no stock version" in x for x in bar.refusal_lines))
        rule = next(
            bar.refusals.item(i)
            for i in range(bar.refusals.count())
            if "no stock version" in bar.refusals.item(i).text()
        )
        rect = bar.refusals.visualItemRect(rule)
        qtbot.mouseClick(bar.refusals.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        await until(lambda: grid.model.rowCount() == 1, what="the grid to show the rule's photo")
        assert grid.model.photo(0).filename == RAW
        press(grid.view, Qt.Key.Key_X)
        await studio.jobs.idle()
        assert grid.model.photo(0).flag == "reject"
        qtbot.mouseClick(grid.show_all, Qt.MouseButton.LeftButton)
        assert grid.model.rowCount() == n
        qtbot.mouseClick(bar.advance, Qt.MouseButton.LeftButton)
        await until(lambda: bar.album.stage.value == "rate", what="Rate")

        # Cull the first photo by keyboard: stars, pick, a red label, then undo the label.
        first = grid.view.visualRect(grid.model.index(0)).center()
        qtbot.mouseClick(grid.view.viewport(), Qt.MouseButton.LeftButton, pos=first)
        photo = grid.current_photo()
        for key in (Qt.Key.Key_3, Qt.Key.Key_P, Qt.Key.Key_6):
            press(grid.view, key)
        await studio.jobs.idle()
        press(grid.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
        await studio.jobs.idle()
        rows = {r.id: r for r in await desk.services.photos.list(desk.admin, window.album.id)}
        saved = rows[photo.id]
        assert (saved.stars, saved.flag, saved.label) == (3, "pick", None)
        assert window.inspector.values["stars"].text() == "★★★"

        # Arrow keys move; the next photo gets 5 stars; the 'picked' filter shows one photo.
        press(grid.view, Qt.Key.Key_Right)
        assert grid.current_photo().id != photo.id
        press(grid.view, Qt.Key.Key_5)
        await studio.jobs.idle()
        grid.flag_filter.setCurrentIndex(grid.flag_filter.findData("pick"))
        assert [grid.model.photo(i).id for i in range(grid.model.rowCount())] == [photo.id]
        grid.flag_filter.setCurrentIndex(0)

        # Rate needs a selection: refused, then select two photos with S, advance to Retouch.
        qtbot.mouseClick(bar.advance, Qt.MouseButton.LeftButton)
        await until(lambda: any("No photo is in the selection" in x for x in bar.refusal_lines))
        press(grid.view, Qt.Key.Key_Home)
        press(grid.view, Qt.Key.Key_S)
        press(grid.view, Qt.Key.Key_End)
        press(grid.view, Qt.Key.Key_Left)
        press(grid.view, Qt.Key.Key_S)
        await studio.jobs.idle()
        await until(
            lambda: "2 in the selection" in bar.detail.full_text(), what="the stage bar to count 2"
        )
        qtbot.mouseClick(bar.advance, Qt.MouseButton.LeftButton)
        await until(lambda: bar.album.stage.value == "retouch", what="Retouch")
        assert "Retouch" in bar.title.text()

        # The loupe opens with Space and closes with Space.
        press(grid.view, Qt.Key.Key_Space)
        assert window.pages.currentWidget() is window.loupe
        press(window.loupe, Qt.Key.Key_Space)
        assert window.pages.currentWidget() is grid
        await studio.jobs.idle()
        window.close()
        await studio.jobs.cancel_all()

    desk.run(day())
