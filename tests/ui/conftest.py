"""Desktop tests run on one qasync loop per test; each scenario is a coroutine on that loop.

Widgets schedule service calls on the running loop; a test awaits `until(...)` while the loop (and
so Qt) keeps running, exactly as in the app. Each test has its own home in tmp_path.
"""

from __future__ import annotations

import asyncio
import gc
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


def finish_stray_work(event_loop: asyncio.AbstractEventLoop) -> None:
    """Work a widget scheduled and nobody awaited (a refresh still in flight when the test ended)
    is cancelled and run to its end on this loop, so its session closes here and not in the garbage
    collector of a later test. Cancelled work may start more (SQLAlchemy closes a session or a
    connection in a task of its own, shielded): that is awaited too, never cancelled (a close
    cancelled before it ran leaves its connection to the garbage collector), until nothing is
    left."""
    cancelled: set[asyncio.Task[object]] = set()
    for _ in range(50):
        pending = [t for t in asyncio.all_tasks(event_loop) if not t.done()]
        if not pending:
            break
        for task in pending:
            if task not in cancelled and not _closing(task):
                task.cancel()
                cancelled.add(task)
        event_loop.run_until_complete(asyncio.wait(pending, timeout=1.0))
    gc.collect()  # what this test left unfinished is reported against this test, not a later one


def _closing(task: asyncio.Task[object]) -> bool:
    """SQLAlchemy's own clean-up on leaving an `async with` (AsyncSession.close,
    AsyncConnection.close, a session-and-transaction's exit), run as a task of its own."""
    name = task.get_coro().__qualname__
    return name.endswith((".close", ".__aexit__.<locals>.go")) and name.startswith(
        ("AsyncSession", "AsyncConnection", "_AsyncSessionContextManager")
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item):  # type: ignore[no-untyped-def]
    """Before pytest-qt closes the test's widgets and processes Qt events (where qasync would run
    asyncio callbacks with no loop running: a session could not even close), the test's loop
    finishes what is still in flight."""
    loop = getattr(item, "funcargs", {}).get("loop")
    if isinstance(loop, asyncio.AbstractEventLoop) and not loop.is_closed():
        finish_stray_work(loop)
        # Qt events still queued (deferred deletes, timers, thread callbacks) are handled now,
        # while this loop runs, and whatever they start is finished too.
        loop.run_until_complete(asyncio.sleep(0.1))
        finish_stray_work(loop)
    return (yield)


@pytest.fixture
def loop(qapp) -> Iterator[asyncio.AbstractEventLoop]:  # type: ignore[no-untyped-def]
    qapp.setQuitOnLastWindowClosed(False)
    event_loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(event_loop)
    yield event_loop
    finish_stray_work(event_loop)
    # Closed windows are deleted later, by the event loop: let that happen while this loop still
    # runs (their last slots may start work, which is finished here too), not in the next test's
    # set-up, where pytest-qt processes events with this loop closed.
    for _ in range(2):
        event_loop.run_until_complete(asyncio.sleep(0.05))
        finish_stray_work(event_loop)
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
    finish_stray_work(loop)
    loop.run_until_complete(close_services(d.services))
