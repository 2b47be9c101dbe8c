"""The desktop app serves the client portal from its own loop: the status bar shows where, a taken
port leaves the app working with a plain message, and closing the window stops the portal."""

from __future__ import annotations

import asyncio
import socket

import aiohttp

from app.desktop import _run_window
from tests.ui.conftest import Desk, until


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_portal_runs_with_the_window_and_stops_with_it(desk: Desk, qapp) -> None:  # type: ignore[no-untyped-def]
    port = free_port()
    desk.run(desk.services.settings.update(desk.admin, portal_port=port))
    seen: dict[str, object] = {}

    def opened(window, portal) -> None:  # type: ignore[no-untyped-def]
        # _run_window owns (and deletes) the window; the task is kept so it is not collected.
        seen.update(portal=portal, task=asyncio.ensure_future(visit(window, portal)))

    async def visit(window, portal) -> None:  # type: ignore[no-untyped-def]
        try:
            assert portal is not None and portal.port == port
            assert window.portal_label.text() == f"Portal: http://127.0.0.1:{port}"
            # Served by the same loop that runs the window: an unknown link is a 404 page.
            async with (
                aiohttp.ClientSession() as http,
                http.get(f"{portal.url}/g/{'x' * 43}") as r,
            ):
                seen["status"] = r.status
        finally:
            window.close()

    assert desk.run(_run_window(desk.services, desk.admin, opened=opened)) == 0
    assert seen["status"] == 404
    with socket.socket() as s:  # the listening socket is closed
        assert s.connect_ex(("127.0.0.1", port)) != 0


def test_a_taken_port_leaves_the_app_working(desk: Desk, qapp) -> None:  # type: ignore[no-untyped-def]
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    desk.run(desk.services.settings.update(desk.admin, portal_port=port))
    seen: dict[str, object] = {}

    def opened(window, portal) -> None:  # type: ignore[no-untyped-def]
        seen.update(portal=portal, label=window.portal_label.text(), said=window.last_message)
        seen["task"] = asyncio.ensure_future(work(window))

    async def work(window) -> None:  # type: ignore[no-untyped-def]
        try:
            window.new_album()  # the studio still works without the portal
            dialog = window.dialogs["new_album"]
            dialog.name.setText("Without portal")
            dialog.create()
            await until(lambda: window.album is not None, what="the album to open")
        finally:
            window.close()

    try:
        assert desk.run(_run_window(desk.services, desk.admin, opened=opened)) == 0
    finally:
        taken.close()
    assert seen["portal"] is None
    assert seen["label"] == "Portal: off"
    assert f"port {port} on 127.0.0.1 is taken by another program" in str(seen["said"])
    assert "Traceback" not in str(seen["said"])
