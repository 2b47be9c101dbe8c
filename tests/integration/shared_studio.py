"""One studio that several real processes share: this test process, and `photoflow` commands or a
standalone portal started beside it, on the same SQLite home or the same PostgreSQL catalog."""

from __future__ import annotations

import asyncio
import signal
import socket
import subprocess
import sys
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path

from app.bootstrap import open_services
from core.home import Home
from core.policies import Actor
from core.services import Services
from tests.images import make_shoot
from tests.integration.cli import Result, env_for, photoflow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class SharedStudio:
    home: Path
    database_url: str | None
    services: Services
    admin: Actor
    album: str = "Harbour wedding"

    def cli(self, *args: str) -> Result:
        """`photoflow ...` in a process of its own, as the studio's admin."""
        return photoflow(self.home, *args, database_url=self.database_url)

    async def cli_async(self, *args: str) -> Result:
        return await asyncio.to_thread(self.cli, *args)

    def start_portal(self) -> tuple[subprocess.Popen[str], int]:
        port = free_port()
        argv = [sys.executable, "-m", "app.main", "portal", "--port", str(port)]
        proc = subprocess.Popen(
            argv,
            env=env_for(self.home, self.database_url),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        return proc, port


async def open_shared_studio(
    tmp_path: Path, database_url: str | None, executor: Executor, photos: int = 4
) -> SharedStudio:
    """A studio with an album of `photos` photos in Rate, opened in this process."""
    home = Home(tmp_path / "home")
    services = await open_services(home, database_url=database_url, executor=executor)
    admin = await services.tenants.initialise("Studio North", "admin@north.test", "Ada")
    config = home.read_config()
    config["default_user"] = admin.email
    home.write_config(config)
    me = await services.users.actor_for(admin.email)
    studio = SharedStudio(home.root, database_url, services, me)
    await services.albums.create(me, studio.album, max_select=3)
    report = await services.imports.run(me, studio.album, make_shoot(tmp_path / "card", photos))
    assert not report.failed
    await services.albums.advance(me, studio.album)  # Stock
    await services.albums.advance(me, studio.album)  # Rate
    return studio


async def stop(proc: subprocess.Popen[str]) -> str:
    """End a started process (SIGTERM, then SIGKILL) and return what it wrote on stderr."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        _, err = await asyncio.to_thread(proc.communicate, timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = await asyncio.to_thread(proc.communicate, timeout=20)
    return err or ""
