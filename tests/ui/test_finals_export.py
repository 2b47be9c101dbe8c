"""The album menu's "Save finals as zip…" and "Export finals to folder…" on a Final album: the
studio's copy of the finals, written by the same zip writer the gallery streams to clients."""

from __future__ import annotations

import zipfile
from pathlib import Path

from PySide6.QtCore import Qt

from tests.portal.final_album import FULL, WEB, carry_to_final
from tests.ui.conftest import Desk, until
from tests.ui.test_studio_habits import click_menu, open_window, right_click
from ui.publish_dialog import PublishDialog
from ui.settings_dialog import SettingsDialog
from ui.studio import Studio


def test_save_finals_as_zip_and_export_them_to_a_folder(desk: Desk, qtbot, tmp_path: Path):  # type: ignore[no-untyped-def]
    desk.run(carry_to_final(desk.services, desk.admin, tmp_path / "shoot", "Harbour", n=2))
    studio, window = open_window(desk, qtbot)
    tree = window.browser.tree

    def album_menu(text: str):  # type: ignore[no-untyped-def]
        item = window.browser.item_for("Harbour")
        right_click(qtbot, tree.viewport(), tree.visualItemRect(item).center())
        click_menu(qtbot, window.album_menu.menu, text)
        dialog = window.album_menu.finals.dialog
        assert dialog is not None and dialog.isVisible()
        return dialog

    async def scenario() -> None:
        await until(lambda: window.browser.item_for("Harbour"), what="the album list")
        target = tmp_path / "delivered" / "Harbour.zip"
        target.parent.mkdir()
        dialog = album_menu("Save finals as zip…")
        dialog.selectFile(str(target))
        dialog.accept()
        await until(lambda: "Saved 4 finals" in getattr(window, "last_message", ""), what="the zip")
        with zipfile.ZipFile(target) as zf:
            assert zf.testzip() is None
            assert sorted(zf.namelist()) == [
                f"{FULL.name}/Harbour-001.tif", f"{FULL.name}/Harbour-002.tif",
                f"{WEB.name}/Harbour-001-web.jpg", f"{WEB.name}/Harbour-002-web.jpg",
            ]  # fmt: skip

        folder = tmp_path / "folder"
        folder.mkdir()
        dialog = album_menu("Export finals to folder…")
        dialog.selectFile(str(folder))
        dialog.accept()
        await until(
            lambda: "Copied 4 finals" in getattr(window, "last_message", ""), what="the copy"
        )
        assert (folder / WEB.name / "Harbour-002-web.jpg").stat().st_size > 0
        assert (folder / FULL.name / "Harbour-001.tif").stat().st_size > 0

        # Publishing it: the link lets the client download web-size finals after a PIN.
        dialog = PublishDialog(studio, await desk.services.albums.show(desk.admin, "Harbour"))
        qtbot.addWidget(dialog)
        dialog.show()
        await until(lambda: dialog.expires_days.value() == 30, what="the defaults")
        assert not dialog.download_size.isEnabled()
        dialog.allow_download.setChecked(True)
        assert dialog.download_size.isEnabled() and dialog.download_pin.isEnabled()
        dialog.download_size.setCurrentIndex(dialog.download_size.findData("web"))
        qtbot.keyClicks(dialog.download_pin, "4321")
        qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
        await until(lambda: dialog.url.text(), what="the new link")
        (link,) = await desk.services.links.list(desk.admin, "Harbour")
        assert (link.downloads, link.has_download_pin, link.has_pin) == ("web", True, False)
        dialog.close()
        window.close()
        await studio.jobs.cancel_all()

    desk.run(scenario())


def test_the_studio_sets_the_download_size_new_links_get(desk: Desk, qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = SettingsDialog(Studio(desk.services, desk.admin))
    qtbot.addWidget(dialog)
    dialog.show()

    async def scenario() -> None:
        await until(dialog.isEnabled, what="the settings")
        assert dialog.link_download_size.currentData() == "full"
        dialog.link_allow_download.setChecked(True)
        dialog.link_download_size.setCurrentIndex(dialog.link_download_size.findData("web"))
        dialog.save()
        await until(lambda: dialog.status.text() == "Saved.", what="the save")
        _, settings = await desk.services.settings.get(desk.admin)
        assert (settings.link_allow_download, settings.link_download_size) == (True, "web")
        await desk.services.albums.create(desk.admin, "Garden")
        made = await desk.services.links.create(desk.admin, "Garden")
        assert made.link.downloads == "web"

    desk.run(scenario())
    dialog.close()
