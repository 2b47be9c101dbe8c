"""Settings > Google Drive: connect through the browser (the test plays it), see the account,
disconnect. The sign-in runs off the GUI thread; the window stays responsive meanwhile."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Qt, QUrl, Slot
from PySide6.QtGui import QDesktopServices

from sync.client.credentials import FileKeyring
from sync.drive.connect import DriveAccounts
from tests.drive.fake_drive import FakeDrive
from tests.drive.test_connect import Browser, fake_settings
from tests.ui.conftest import Desk, until
from ui.settings_dialog import SettingsDialog
from ui.studio import Studio


class PlayedBrowser(QObject):
    """Where QDesktopServices sends http addresses during the test: the test's own browser."""

    def __init__(self) -> None:
        super().__init__()
        self.browser = Browser()

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.browser.open(url.toString())


def test_connect_show_the_account_and_disconnect(desk: Desk, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    played = PlayedBrowser()
    QDesktopServices.setUrlHandler("http", played, "open")
    with FakeDrive() as fake:
        try:
            desk.run(desk.services.settings.update(desk.admin, **fake_settings(fake)))
            accounts = DriveAccounts(
                desk.services, desk.home.root, tmp_path / "drive", FileKeyring(tmp_path / "keys")
            )
            studio = Studio(desk.services, desk.admin, drive_accounts=accounts)
            dialog = SettingsDialog(studio)
            qtbot.addWidget(dialog)
            dialog.show()
            box = dialog.drive_account

            async def scenario() -> None:
                await until(dialog.isEnabled, what="the settings to load")
                await until(lambda: box.state.text() == "Not connected.", what="the account")
                assert not box.disconnect_button.isEnabled()
                qtbot.mouseClick(box.connect_button, Qt.MouseButton.LeftButton)
                await until(
                    lambda: box.state.text() == f"Connected as {fake.email}.", what="sign-in"
                )
                assert box.disconnect_button.isEnabled()
                qtbot.mouseClick(box.disconnect_button, Qt.MouseButton.LeftButton)
                await until(lambda: box.state.text() == "Not connected.", what="disconnect")
                assert await accounts.account(desk.admin) is None
                await studio.jobs.cancel_all()

            desk.run(scenario())
        finally:
            QDesktopServices.unsetUrlHandler("http")
            played.browser.close()
