"""Desktop tests run on one qasync loop per test; each scenario is a coroutine on that loop.

Widgets schedule service calls on the running loop; a test awaits `until(...)` while the loop (and
so Qt) keeps running, exactly as in the app. Each test has its own home in tmp_path.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import qasync
from PySide6.QtCore import QSettings

from app.bootstrap import close_services, open_services
from core.home import Home
from core.policies import Actor
from core.services import Services


@pytest.fixture(autouse=True)
def own_settings(tmp_path: Path) -> Iterator[Path]:
    """Qt's per-user settings (pane widths) go to the test's folder, not the real home."""
    folder = tmp_path / "qt-settings"
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    yield folder


@pytest.fixture
def loop(qapp) -> Iterator[asyncio.AbstractEventLoop]:  # type: ignore[no-untyped-def]
    qapp.setQuitOnLastWindowClosed(False)
    event_loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(event_loop)
    yield event_loop
    event_loop.run_until_complete(event_loop.shutdown_asyncgens())
    event_loop.close()
    asyncio.set_event_loop(None)


async def until(condition: Callable[[], object], timeout: float = 15.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or condition}")
        await asyncio.sleep(0.02)


@dataclass
class Desk:
    home: Home
    services: Services
    admin: Actor
    loop: asyncio.AbstractEventLoop

    def run(self, coro):  # type: ignore[no-untyped-def]
        return self.loop.run_until_complete(coro)

    async def reopen(self) -> Services:
        """A restart: new services on the same home."""
        await close_services(self.services)
        self.services = await open_services(self.home, executor=ThreadPoolExecutor(2))
        return self.services


@pytest.fixture
def desk(loop: asyncio.AbstractEventLoop, tmp_path: Path) -> Iterator[Desk]:
    home = Home(tmp_path / "home")

    async def start() -> Desk:
        services = await open_services(home, executor=ThreadPoolExecutor(2))
        admin = await services.tenants.initialise("Studio North", "admin@north.studio", "Ada")
        config = home.read_config()
        config["default_user"] = admin.email
        home.write_config(config)
        return Desk(home, services, await services.users.actor_for(admin.email), loop)

    d = loop.run_until_complete(start())
    yield d
    loop.run_until_complete(close_services(d.services))
