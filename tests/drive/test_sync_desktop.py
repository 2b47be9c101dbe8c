"""The desktop's Drive sync: the background runner syncs an album it is asked for, follows the
journal when photos come in, reads Drive's changes on its timer, and the status bar and the
Drive panel say how things stand, conflicts included."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sync.drive.runner import DriveSyncRunner
from tests.drive.conftest import connected_drive
from tests.drive.fake_drive import FakeDrive
from tests.images import make_jpeg, make_shoot
from tests.ui.conftest import Desk, desk, loop, own_settings, until  # noqa: F401 (fixtures)
from ui.main_window import MainWindow
from ui.studio import Studio


def originals(fake: FakeDrive) -> list[str]:
    return sorted(
        f.name
        for f in fake.files()
        if not f.is_folder and not f.trashed and "/Originals/" in f"/{fake.path_of(f.id)}"
    )


def test_the_desktop_syncs_in_the_background_and_shows_state_and_conflicts(  # type: ignore[no-untyped-def]
    loop: asyncio.AbstractEventLoop,  # noqa: F811 (the fixture)
    qtbot,
    desk: Desk,  # noqa: F811 (the fixture)
    fake_drive: FakeDrive,
    tmp_path: Path,
) -> None:
    async def scenario() -> None:
        s, admin, fake = desk.services, desk.admin, fake_drive
        album = await s.albums.create(admin, "Wedding")
        await s.imports.run(admin, album.id, make_shoot(tmp_path / "card", 2))
        studio = Studio(s, admin)
        window = MainWindow(studio)
        qtbot.addWidget(window)
        window.show()
        drive = connected_drive(fake, tmp_path / "drive-state")
        runner = DriveSyncRunner(s, admin, drive, window.show_drive, poll=0.3, settle=0.05)
        window.drive_sync_all = runner.sync_all
        runner.start()
        try:
            # An album never synced: its first sync starts from the Drive panel.
            window.open_drive().sync_button.click()
            await until(lambda: window.drive_label.text() == "Drive: in sync", what="first sync")
            assert len(originals(fake)) == 2

            # A photo imported here goes up by itself (the runner follows the journal).
            await s.imports.run(admin, album.id, make_shoot(tmp_path / "card2", 1, start=9))
            await until(lambda: len(originals(fake)) == 3, what="the new photo in Drive")

            # Someone saves over an original in Drive: ours is kept, theirs is a conflict copy.
            [first] = [f for f in fake.files() if f.name == "IMG_0001.jpg"]
            fake.replace(first.id, make_jpeg(tmp_path / "x.jpg", colour=99).read_bytes())
            await until(lambda: window.drive_label.text() == "Drive: 1 conflict", what="conflict")
            window.drive_label.click()
            panel = window.dialogs["drive"]
            panel.refresh()
            await until(lambda: panel.conflicts.count() == 1, what="the conflict in the panel")
            assert "IMG_0001 (conflict " in panel.conflicts.item(0).text()
            assert " Ana Lima).jpg" in panel.conflicts.item(0).text()  # who saved over it
            assert panel.albums.item(0).text() == "Wedding: 1 conflict"

            # Drive unreachable: the status bar says the sync is paused, and why.
            fake.fail("server_error", count=200)
            runner.sync_now(album.id)
            await until(
                lambda: window.drive_label.text().startswith("Drive paused"),
                what="the paused state",
                timeout=30,
            )
            fake.clear_faults()
            window.close()
        finally:
            await runner.stop()
            await studio.jobs.cancel_all()

    loop.run_until_complete(scenario())
