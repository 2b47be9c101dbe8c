"""Import failures stay actionable after the import dialog closes, and the stage bar's reasons
follow the album (and can be dismissed)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from tests.ui.conftest import Desk, until
from tests.ui.test_photographer_day import shoot_folder
from ui.main_window import MainWindow
from ui.studio import Studio

BROKEN = ["BROKEN.jpg: empty file (0 bytes)"]


def click_line(qtbot, bar, words: str) -> None:  # type: ignore[no-untyped-def]
    item = next(
        bar.refusals.item(i)
        for i in range(bar.refusals.count())
        if words in bar.refusals.item(i).text()
    )
    rect = bar.refusals.visualItemRect(item)
    qtbot.mouseClick(bar.refusals.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def open_album_by_click(qtbot, window: MainWindow, name: str) -> None:  # type: ignore[no-untyped-def]
    tree = window.browser.tree
    item = window.browser.item_for(name)
    tree.scrollToItem(item)
    qtbot.mouseClick(
        tree.viewport(), Qt.MouseButton.LeftButton, pos=tree.visualItemRect(item).center()
    )


@pytest.mark.photos
def test_failures_can_be_dealt_with_after_the_import_dialog_closed(  # type: ignore[no-untyped-def]
    desk: Desk, qtbot, tmp_path: Path, photos_dir: Path
) -> None:
    folder = shoot_folder(tmp_path, photos_dir)
    desk.run(desk.services.albums.create(desk.admin, "Harbour wedding"))
    studio = Studio(desk.services, desk.admin)
    window = MainWindow(studio)
    qtbot.addWidget(window)
    window.show()
    bar = window.stage_bar

    async def scenario() -> None:
        await until(lambda: window.browser.item_for("Harbour wedding"), what="the album list")
        open_album_by_click(qtbot, window, "Harbour wedding")
        await until(lambda: window.album is not None, what="the album to open")
        assert "selection" not in bar.detail.full_text()  # Raw: no selection talk yet

        # Refused while empty; the reasons can be dismissed, and come back with Advance.
        qtbot.mouseClick(bar.advance, Qt.MouseButton.LeftButton)
        await until(lambda: bar.refusals.isVisible(), what="the refusal")
        assert any("no photos yet" in line for line in bar.refusal_lines)
        qtbot.mouseClick(bar.dismiss, Qt.MouseButton.LeftButton)
        assert not bar.refusals.isVisible()
        qtbot.mouseClick(bar.advance, Qt.MouseButton.LeftButton)
        await until(lambda: bar.refusals.isVisible(), what="the refusal again")

        # The "no photos yet" line opens the import; one broken file; the reasons follow.
        click_line(qtbot, bar, "no photos yet")
        ingest = window.dialogs["ingest"]
        assert ingest.isVisible()
        QTest.keyClicks(ingest.folder, str(folder))
        qtbot.mouseClick(ingest.start_button, Qt.MouseButton.LeftButton)
        await until(lambda: ingest.report is not None, 60, "the import")
        await until(lambda: ingest.failures.lines == BROKEN, what="failure")
        await until(
            lambda: any("failed to import" in line for line in bar.refusal_lines),
            what="the reasons to follow the import",
        )
        assert not any("no photos yet" in line for line in bar.refusal_lines)
        qtbot.mouseClick(ingest.close_button, Qt.MouseButton.LeftButton)
        await studio.jobs.idle()

        # Import again later: the failure is still listed there, with its reason.
        window.import_action.trigger()
        again = window.dialogs["ingest"]
        assert again is not ingest
        await until(lambda: again.failures.lines == BROKEN, what="list")
        assert again.resolve.isVisible()
        assert "still need a look" in again.status.text()
        qtbot.mouseClick(again.close_button, Qt.MouseButton.LeftButton)

        # The refusal line acts: it lists the failures, and "dealt with" clears the way.
        click_line(qtbot, bar, "failed to import")
        dialog = bar.failures_dialog
        assert dialog is not None and dialog.isVisible()
        await until(lambda: dialog.failures.lines == BROKEN, what="list")
        assert dialog.failures.item(0).toolTip() == str(folder / "BROKEN.jpg")
        qtbot.mouseClick(dialog.resolve, Qt.MouseButton.LeftButton)
        await until(lambda: not bar.refusals.isVisible(), what="the reasons to go")
        assert dialog.intro.text() == "1 failure marked as dealt with."
        qtbot.mouseClick(bar.advance, Qt.MouseButton.LeftButton)
        await until(lambda: bar.album.stage.value == "stock", what="Stock")
        window.close()
        await studio.jobs.cancel_all()

    desk.run(scenario())
