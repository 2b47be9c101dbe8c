"""An open desktop hears what other processes do: a client's pick through a standalone
`photoflow portal`, an album made from a terminal, a stage moved there; on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from app.bootstrap import close_services
from tests.integration.shared_studio import open_shared_studio, stop
from tests.portal.conftest import Visitor
from tests.ui.conftest import until
from ui.main_window import MainWindow
from ui.photo_grid_model import Roles
from ui.studio import Studio


def test_what_other_processes_do_reaches_the_open_window(
    loop: asyncio.AbstractEventLoop, qtbot, tmp_path: Path, database_url: str | None
) -> None:  # type: ignore[no-untyped-def]
    shared = loop.run_until_complete(
        open_shared_studio(tmp_path, database_url, ThreadPoolExecutor(2))
    )
    window = MainWindow(Studio(shared.services, shared.admin))
    qtbot.addWidget(window)
    window.show()
    grid = window.grid
    proc, port = shared.start_portal()

    async def scenario() -> None:
        visitor = Visitor(f"http://127.0.0.1:{port}")
        try:
            await steps(visitor)
        finally:
            await visitor.close()

    async def steps(visitor: Visitor) -> None:
        line = await asyncio.to_thread(proc.stdout.readline)  # type: ignore[union-attr]
        assert f"PhotoFlow portal on http://127.0.0.1:{port}/" in line, line
        album = await shared.services.albums.show(shared.admin, shared.album)
        window.open_album(album)
        await until(lambda: grid.model.rowCount() == 4, what="the grid to fill")

        # A client picks through the standalone portal: another process commits it.
        made = await shared.services.links.create(shared.admin, shared.album, guest_name="Ann")
        gallery = await visitor.enter("/g/" + made.token)
        picked = gallery["photos"][1]["id"]
        r = await visitor.api(f"/api/photos/{picked}/pick", {"picked": True})
        assert r.status == 200, await r.text()
        index = grid.model.index(grid.model.row_of(uuid.UUID(picked)))
        await until(lambda: index.data(Roles.CLIENT_PICKS) == 1, timeout=5, what="the pick badge")

        # From a terminal: a new album shows in the list; the open album moves on.
        assert (await shared.cli_async("album", "create", "Portraits")).code == 0
        await until(
            lambda: window.browser.item_for("Portraits") is not None,
            timeout=5,
            what="the new album in the list",
        )
        moved = await shared.cli_async(
            "album", "reopen", shared.album, "--to", "stock", "--reason", "more guests"
        )
        assert moved.code == 0, moved.err
        await until(
            lambda: window.stage_bar.title.text().endswith("— Stock"),
            timeout=5,
            what="the stage bar to show Stock",
        )

    try:
        loop.run_until_complete(scenario())
    finally:
        err = loop.run_until_complete(stop(proc))
        window.close()
        loop.run_until_complete(close_services(shared.services))
    assert "Traceback" not in err, err
