"""Running the portal on an existing event loop (the desktop app's) or on its own."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from aiohttp import web

from core.services import Services
from portal.app import create_app
from portal.live import HUB

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass
class PortalHandle:
    """A running portal; `stop()` closes live connections, then the listening socket."""

    runner: web.AppRunner
    site: web.TCPSite
    host: str
    port: int

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def app(self) -> web.Application:
        return self.runner.app

    async def stop(self) -> None:
        await self.runner.app[HUB].stop()
        await self.runner.cleanup()


async def start_portal(
    services: Services,
    host: str = "127.0.0.1",
    port: int = 8470,
    *,
    trusted_proxies: Iterable[str] = (),
) -> PortalHandle:
    """Serve the portal on the running loop; port 0 picks a free port (see handle.port).
    `trusted_proxies`: see portal.app.create_app."""
    app = create_app(services, trusted_proxies=trusted_proxies)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    try:
        await site.start()
    except BaseException:
        await runner.cleanup()
        raise
    sockets = [s for s in (site._server.sockets if site._server else ())]  # type: ignore[union-attr]
    actual = sockets[0].getsockname()[1] if sockets else port
    loop = type(asyncio.get_running_loop())
    log.info(
        "portal on http://%s:%s, event loop %s.%s", host, actual, loop.__module__, loop.__name__
    )
    return PortalHandle(runner, site, host, actual)


def standalone_loop() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """The event loop a portal of its own runs on: uvloop's (libuv) where it is installed, else
    asyncio's. The desktop app's portal stays on the Qt loop it shares with the window."""
    try:
        import uvloop
    except ImportError:  # Windows, or a source checkout without it
        return None
    return uvloop.new_event_loop


def run_standalone(main: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run(main)` on the standalone portal's loop (see standalone_loop)."""
    with asyncio.Runner(loop_factory=standalone_loop()) as runner:
        return runner.run(main)
