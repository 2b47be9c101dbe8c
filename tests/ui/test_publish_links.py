"""The publish dialog as a photographer uses it: a warning while the portal address means 'this
computer', setting the studio's public address from it, copying an existing link again (or
replacing one that cannot be shown here), and reopening a selection a client sent."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from core.errors import NotFound
from tests.ui.conftest import Desk, until
from tests.ui.test_client_live import album_in_rate
from ui.publish_dialog import PublishDialog
from ui.studio import Studio


def open_dialog(desk: Desk, qtbot, album) -> PublishDialog:  # type: ignore[no-untyped-def]
    dialog = PublishDialog(Studio(desk.services, desk.admin), album)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_a_loopback_portal_address_is_flagged_and_fixed_from_the_dialog(
    desk: Desk, qtbot, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    s = desk.services
    album = desk.run(album_in_rate(desk, tmp_path, n=2))
    dialog = open_dialog(desk, qtbot, album)

    async def scenario() -> None:
        panel = dialog.address
        await until(panel.isVisible, what="the warning about the portal address")
        assert "clients cannot open links" in panel.warning.text()
        assert "127.0.0.1" in panel.warning.text()
        qtbot.keyClicks(panel.public, "https://photos.north.example/")
        assert panel.use_public.isChecked()
        qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
        await until(lambda: not panel.isVisible(), what="the warning to go")
        assert "https://photos.north.example" in dialog.status.text()
        _, settings = await s.settings.get(desk.admin)
        assert settings.portal_base_url == "https://photos.north.example"

        qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
        await until(lambda: dialog.url.text(), what="the new link's address")
        assert dialog.url.text().startswith("https://photos.north.example/g/")

    desk.run(scenario())
    dialog.close()


def test_copy_an_existing_link_again_and_reopen_a_sent_selection(
    desk: Desk, qtbot, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    s = desk.services
    album = desk.run(album_in_rate(desk, tmp_path, n=3))
    dialog = open_dialog(desk, qtbot, album)

    async def scenario() -> None:
        qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
        await until(lambda: dialog.url.text(), what="the new link's address")
        url = dialog.url.text()
        QGuiApplication.clipboard().clear()
        dialog.close()

        # The client picks and sends; later the photographer opens the dialog again.
        access = await s.client.open(url.rsplit("/", 1)[1])
        ann = access.guest("Ann")
        photo = (await s.client.gallery(ann)).photos[0]
        await s.client.pick(ann, photo.id)
        await s.client.submit(ann)

        again = open_dialog(desk, qtbot, album)
        await until(lambda: again.links.topLevelItemCount() == 1, what="the link list")
        item = again.links.topLevelItem(0)
        assert item.text(6) == "active · selection sent by Ann"
        assert again.url.text() == ""  # the old address is not lying around
        again.links.setCurrentItem(item)
        qtbot.mouseClick(again.copy_link_button, Qt.MouseButton.LeftButton)
        await until(lambda: QGuiApplication.clipboard().text() == url, what="the link copied")
        assert again.url.text() == url

        assert again.reopen_button.isEnabled()
        qtbot.mouseClick(again.reopen_button, Qt.MouseButton.LeftButton)
        await until(lambda: "Ann can change their picks" in again.status.text())
        await until(lambda: again.links.topLevelItem(0).text(6) == "active", what="the list")
        assert (await s.client.gallery(ann)).can_pick
        again.close()

    desk.run(scenario())


def test_a_link_made_on_another_computer_is_replaced_not_shown(
    desk: Desk, qtbot, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    s = desk.services
    album = desk.run(album_in_rate(desk, tmp_path, n=2))
    old = desk.run(s.links.create(desk.admin, album.id))
    (desk.home.root / "links.key").unlink()  # as on a colleague's computer
    dialog = open_dialog(desk, qtbot, album)

    async def scenario() -> None:
        await until(lambda: dialog.links.topLevelItemCount() == 1, what="the link list")
        dialog.links.setCurrentItem(dialog.links.topLevelItem(0))
        assert not dialog.replace_button.isVisible()
        qtbot.mouseClick(dialog.copy_link_button, Qt.MouseButton.LeftButton)
        await until(lambda: "another computer" in dialog.status.text(), what="the reason")
        assert dialog.replace_button.isVisible()
        qtbot.mouseClick(dialog.replace_button, Qt.MouseButton.LeftButton)
        await until(lambda: dialog.url.text(), what="the new link's address")
        assert dialog.url.text() != old.url
        await s.client.open(dialog.url.text().rsplit("/", 1)[1])
        with pytest.raises(NotFound):
            await s.client.open(old.token)
        await until(lambda: dialog.links.topLevelItemCount() == 2, what="both links listed")

    desk.run(scenario())
    dialog.close()
