"""Connecting Google Drive in the desktop's Settings starts the background sync at once (no
restart of the app), Disconnect stops it, and a switch of user follows that user's own Drive."""

from __future__ import annotations

import asyncio
from pathlib import Path

from app.desktop import start_drive_sync
from core.policies import Role
from sync.client.credentials import FileKeyring
from sync.drive.connect import DriveAccounts
from sync.drive.desktop import CONNECT_FIRST, NOT_CONNECTED, DesktopDrive
from tests.drive.fake_drive import FakeDrive
from tests.drive.test_connect import Browser, browser, fake_settings  # noqa: F401 (fixture)
from tests.drive.test_sync_desktop import originals
from tests.images import make_shoot
from tests.ui.conftest import Desk, desk, loop, own_settings, until  # noqa: F401 (fixtures)
from ui.drive_account import DriveAccountBox
from ui.main_window import MainWindow
from ui.studio import Studio


def test_connecting_drive_in_settings_starts_the_sync_and_disconnecting_stops_it(  # type: ignore[no-untyped-def]
    loop: asyncio.AbstractEventLoop,  # noqa: F811 (the fixture)
    qtbot,
    desk: Desk,  # noqa: F811 (the fixture)
    fake_drive: FakeDrive,
    browser: Browser,  # noqa: F811 (the fixture)
    tmp_path: Path,
) -> None:
    async def scenario() -> None:
        s, admin, fake = desk.services, desk.admin, fake_drive
        await s.settings.update(admin, **fake_settings(fake))
        ana = await s.users.add(admin, "ana@north.studio", Role.PHOTOGRAPHER, "Ana")
        album = await s.albums.create(admin, "Wedding")
        await s.imports.run(admin, album.id, make_shoot(tmp_path / "card", 2))
        accounts = DriveAccounts(s, desk.home.root, tmp_path / "drive", FileKeyring(tmp_path))
        drive = DesktopDrive(s, accounts, poll=0.3, settle=0.05)
        studio = Studio(s, admin, drive_accounts=drive)
        window = MainWindow(studio)
        qtbot.addWidget(window)
        window.show()
        try:
            # Not connected when the app opens: nothing runs, nothing is said.
            await start_drive_sync(studio, window, drive)
            assert drive.runner is None and not window.drive_label.isVisible()
            window.open_drive().sync_button.click()
            await until(lambda: window.drive_label.text() == CONNECT_FIRST, what="connect first")

            # Settings > Google Drive > Connect: the sync starts at once.
            box = DriveAccountBox(studio, drive)
            qtbot.addWidget(box)
            box.address_ready.connect(browser.open)  # the test plays the browser
            box.connect_button.click()
            await until(lambda: box.state.text() == f"Connected as {fake.email}.", what="sign-in")
            await until(lambda: drive.runner is not None, what="the runner")
            window.open_drive().sync_button.click()
            await until(lambda: window.drive_label.text() == "Drive: in sync", what="first sync")
            assert len(originals(fake)) == 2

            # Ana works here now: she has not connected Drive, so nothing syncs as her.
            studio.switch_to(await s.users.actor_for(ana.email))
            await until(lambda: window.drive_label.text() == NOT_CONNECTED, what="Ana's Drive")
            assert drive.runner is None

            # Back to the admin: the sync follows, and what came in meanwhile goes up.
            await s.imports.run(admin, album.id, make_shoot(tmp_path / "card2", 1, start=9))
            studio.switch_to(admin)
            await until(lambda: len(originals(fake)) == 3, what="the new photo in Drive")

            # Disconnect: the sync stops and the status bar says so.
            box.disconnect_button.click()
            await until(lambda: box.state.text() == "Not connected.", what="disconnected")
            await until(lambda: window.drive_label.text() == NOT_CONNECTED, what="stopped")
            assert drive.runner is None
            window.close()
        finally:
            await drive.stop()
            await studio.jobs.cancel_all()

    loop.run_until_complete(scenario())
