"""The desktop says when it is offline and how many changes wait, and its sync panel lists what
the studio server did not apply, in the server's own sentence."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from app.bootstrap import close_services, open_services
from core.home import Home
from tests.conftest import server_database
from tests.pgcluster import Cluster
from tests.sync.harness import Server, free_port, open_desktop, seed_studio
from tests.ui.conftest import until
from ui.main_window import MainWindow
from ui.studio import Studio


def test_offline_changes_wait_and_a_refusal_shows_in_the_sync_panel(  # type: ignore[no-untyped-def]
    loop: asyncio.AbstractEventLoop, qtbot, tmp_path: Path, pg_cluster: Cluster
) -> None:
    async def scenario() -> None:
        db = server_database(pg_cluster)
        pool = ThreadPoolExecutor(2)
        on_server = await open_services(Home(tmp_path / "server"), database_url=db, executor=pool)
        await seed_studio(on_server)
        server = Server(on_server, free_port())
        await server.start(server.port)
        pia = await open_desktop(tmp_path / "pia", server.url, "pia@lumen.test", pool)
        running = None
        studio = None
        try:
            me = await pia.actor()
            studio = Studio(pia.services, me)
            window = MainWindow(studio)
            qtbot.addWidget(window)
            window.show()
            pia.client.on_state(lambda state: window.show_sync(state.words))
            running = asyncio.ensure_future(pia.client.run())
            await until(lambda: window.sync_label.text() == "synced", what="the first sync")

            await server.stop()
            for n in range(1, 13):
                await pia.services.albums.create(me, f"Shoot {n}")
            ana = await on_server.users.actor_for("ana@lumen.test")
            await on_server.albums.create(ana, "Shoot 3")
            pia.client.nudge()
            await until(
                lambda: window.sync_label.text() == "offline: 12 changes waiting",
                what="the status bar to say the changes wait",
            )
            qtbot.mouseClick(window.sync_label, qtbot_left())
            panel = window.dialogs["sync"]
            await until(lambda: panel.waiting.text() == "Changes waiting: 12", what="the panel")
            assert panel.last_sync.text() != "Last sync: never"
            assert panel.conflicts.count() == 0 and not panel.dismiss_button.isEnabled()

            await server.start(server.port)
            await until(lambda: window.sync_label.text() == "synced", what="the replay", timeout=30)
            await until(lambda: panel.conflicts.count() == 1, what="the conflict in the panel")
            assert panel.waiting.text() == "Changes waiting: 0"
            assert (
                panel.conflicts.item(0)
                .text()
                .endswith(
                    "Your new album was not applied: "
                    "An album named 'Shoot 3' already exists in this studio."
                )
            )
            # Nothing is lost: Pia's own album stays on her desktop under a name of its own.
            wanted = {"Shoot 3", "Shoot 3 (this desktop)", "Shoot 12"}
            for _ in range(200):
                names = {a.name for a in await pia.services.albums.list(me)}
                if wanted <= names:
                    break
                await asyncio.sleep(0.05)
            assert wanted <= names
            panel.dismiss_button.click()
            await until(lambda: panel.conflicts.count() == 0, what="the conflicts dismissed")
            window.close()
        finally:
            if running is not None:
                pia.client.stop()  # after the round in progress, as the app stops it
                await asyncio.wait_for(running, 30)
            await pia.client.close()
            if studio is not None:  # as the app does: the window's own reads end first
                await studio.jobs.cancel_all()
            await close_services(pia.services)
            await server.stop()
            await close_services(on_server)
            pool.shutdown()

    loop.run_until_complete(scenario())


def qtbot_left():  # type: ignore[no-untyped-def]
    from PySide6.QtCore import Qt

    return Qt.MouseButton.LeftButton


def test_the_app_syncs_with_the_server_it_signed_in_to(  # type: ignore[no-untyped-def]
    loop: asyncio.AbstractEventLoop, qtbot, tmp_path: Path, pg_cluster: Cluster
) -> None:
    """The desktop app, given the server and device token `photoflow connect` kept, syncs on its
    own: the status bar says so, and a colleague's new album shows up while it is open."""
    from app.desktop import _run_window
    from sync.client.studio_server import StudioServer

    async def scenario() -> None:
        db = server_database(pg_cluster)
        pool = ThreadPoolExecutor(2)
        on_server = await open_services(Home(tmp_path / "server"), database_url=db, executor=pool)
        await seed_studio(on_server)
        server = Server(on_server, free_port())
        await server.start(server.port)
        pia = await open_desktop(tmp_path / "pia", server.url, "pia@lumen.test", pool)
        await pia.client.close()
        signed_in = StudioServer(server.url, pia.client.token)
        seen: dict[str, object] = {}

        def opened(window, _portal) -> None:  # type: ignore[no-untyped-def]
            seen["task"] = asyncio.ensure_future(colleague(window))

        async def colleague(window) -> None:  # type: ignore[no-untyped-def]
            try:
                await until(lambda: window.sync_label.text() == "synced", what="the first sync")
                ana = await on_server.users.actor_for("ana@lumen.test")
                await on_server.albums.create(ana, "Ana's Engagement Shoot")
                me = await pia.actor()
                for _ in range(100):
                    names = {a.name for a in await pia.services.albums.list(me)}
                    if "Ana's Engagement Shoot" in names:
                        seen["heard"] = True
                        break
                    await asyncio.sleep(0.05)
            finally:
                window.close()

        try:
            me = await pia.actor()
            assert (
                await _run_window(
                    pia.services, me, portal_port=0, opened=opened, device_admin=signed_in
                )
                == 0
            )
            assert seen.get("heard"), "the colleague's album did not reach the open app"
        finally:
            await close_services(pia.services)
            await server.stop()
            await close_services(on_server)
            pool.shutdown()

    loop.run_until_complete(scenario())
