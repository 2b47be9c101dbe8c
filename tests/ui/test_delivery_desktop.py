"""The desktop delivers: an album the photographer moves to Final with the stage bar gets its
finals made in the background, "delivering N of M" in the status bar and beside the album in the
list meanwhile; a delivery nobody is making any more (the desktop was killed) carries on when the
window opens; the studio's presets are edited in the settings dialog, a bad template refused;
an album chooses its presets."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from core.workflow import Stage
from tests.conftest import Studio as People
from tests.core.delivery_album import album_in_feedback
from tests.ui.conftest import Desk, until
from ui.album_presets_dialog import AlbumPresetsDialog
from ui.deliveries import Deliveries
from ui.main_window import MainWindow
from ui.settings_dialog import SettingsDialog
from ui.studio import Studio


def test_final_delivers_in_the_background_with_progress_shown(
    desk: Desk, qtbot, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    s, me = desk.services, desk.admin
    people = People(s, me, me, me, me)
    stalled = desk.run(album_in_feedback(people, tmp_path, "Harbour", n=2, size=(900, 600)))
    moved = desk.run(album_in_feedback(people, tmp_path, "Garden", n=3, size=(900, 600)))
    desk.run(s.albums.advance(me, stalled))  # to Final: its delivery opened, nobody making it

    window = MainWindow(Studio(s, me))
    qtbot.addWidget(window)
    window.show()
    shown: list[str] = []
    listed: list[str] = []

    def seen() -> None:
        shown.append(window.delivery_label.text())
        listed.extend(
            window.browser.tree.topLevelItem(i).child(j).text(0)
            for i in range(window.browser.tree.topLevelItemCount())
            for j in range(window.browser.tree.topLevelItem(i).childCount())
        )

    window.deliveries.changed.connect(seen)

    async def scenario() -> None:
        # The restarted desktop carries on the delivery left unfinished.
        await until(lambda: (window.deliveries.states.get(stalled) or 0) and
                    window.deliveries.states[stalled].state == "done",
                    what="the stalled delivery to finish")  # fmt: skip
        assert any(t.startswith("Harbour: delivering") for t in shown), shown
        assert len(await s.delivery.finals(me, stalled)) == 2 * 2

        await until(lambda: window.browser.item_for("Garden") is not None)
        window.browser.tree.setCurrentItem(window.browser.item_for("Garden"))
        await until(lambda: window.stage_bar.album is not None
                    and window.stage_bar.album.stage is Stage.FEEDBACK)  # fmt: skip
        await until(window.stage_bar.advance.isEnabled, what="the advance button")
        qtbot.mouseClick(window.stage_bar.advance, Qt.MouseButton.LeftButton)
        await until(lambda: "Garden: 6 finals made." in getattr(window, "last_message", ""),
                    what="the delivery to finish")  # fmt: skip
        assert "Garden: delivering 0 of 6" in shown, shown
        assert any("Garden · J. Smith · delivering" in t for t in listed), set(listed)
        assert window.delivery_label.text() == ""
        assert (await s.delivery.progress(me, moved)).state == "done"
        await window.studio.jobs.idle()

    desk.run(scenario())
    window.close()


def test_presets_are_edited_in_the_settings_dialog(desk: Desk, qtbot) -> None:  # type: ignore[no-untyped-def]
    s, me = desk.services, desk.admin
    dialog = SettingsDialog(Studio(s, me))
    qtbot.addWidget(dialog)
    dialog.show()
    editor = dialog.presets

    async def scenario() -> None:
        await until(lambda: editor.list.count() == 2 and dialog.isEnabled(), what="the presets")
        editor.list.setCurrentRow(1)
        assert editor.name.text() == "Web (2048 px)" and editor.long_edge.value() == 2048
        editor.rename.setText("{album}/{seq}")
        qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
        await until(lambda: "cannot contain /" in editor.status.text(), what="the refusal")
        qtbot.mouseClick(editor.add_button, Qt.MouseButton.LeftButton)
        editor.name.setText("Instagram")
        editor.long_edge.setValue(1080)
        editor.sharpen.setCurrentIndex(editor.sharpen.findData("screen"))
        editor.rename.setText("{stem}-ig")
        qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
        await until(lambda: editor.list.count() == 3, what="the new preset in the list")
        presets = {p.name: p for p in await s.delivery.presets(me)}
        assert (presets["Instagram"].long_edge, presets["Instagram"].sharpen) == (1080, "screen")
        assert presets["Web (2048 px)"].rename == "{album}-{seq:03}-web"  # the refused one kept
        await dialog.studio.jobs.idle()

    desk.run(scenario())
    dialog.close()


def test_the_album_chooses_its_presets(desk: Desk, qtbot) -> None:  # type: ignore[no-untyped-def]
    s, me = desk.services, desk.admin
    album = desk.run(s.albums.create(me, "Portraits"))
    studio = Studio(s, me)
    dialog = AlbumPresetsDialog(studio, album, Deliveries(studio))
    qtbot.addWidget(dialog)
    dialog.show()

    async def scenario() -> None:
        await until(lambda: len(dialog.boxes) == 2, what="the studio's presets")
        assert [b.isChecked() for b in dialog.boxes] == [True, True]  # none chosen: all
        assert dialog.save_button.text() == "Save"  # not in Final: nothing made yet
        dialog.boxes[0].setChecked(False)
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
        await until(lambda: not dialog.isVisible(), what="the dialog to close")
        chosen = await s.delivery.album_presets(me, album.id)
        assert [p.name for p in chosen] == ["Web (2048 px)"]
        await studio.jobs.idle()

    desk.run(scenario())
