"""The studio server's app (app.server.build_server_app: staff sign-in, the sync API, the portal)
on a real PostgreSQL, served over real HTTP on a free port, and desktops (SQLite homes) that sign
in to it as a desktop does (e-mail, password, device name) and sync with their device token."""

from __future__ import annotations

import socket
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from app.bootstrap import open_services
from core.home import Home
from core.policies import Actor, Role
from core.services import Services
from sync.client.client import SyncClient
from sync.client.studio_server import StudioServer

PASSWORD = "a long studio passphrase"
STAFF = (
    ("pia@lumen.test", Role.PHOTOGRAPHER, "Pia"),
    ("ana@lumen.test", Role.PHOTOGRAPHER, "Ana"),
    ("ed@lumen.test", Role.EDITOR, "Ed"),
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def sync_app(services: Services) -> web.Application:
    from app.server import build_server_app

    return build_server_app(services)


async def seed_studio(services: Services) -> None:
    await services.tenants.initialise("Lumen Studio", "owner@lumen.test", "Olga Owner")
    owner = await services.users.actor_for("owner@lumen.test")
    for email, role, name in STAFF:
        await services.users.add(owner, email, role, name)
    staff = [(owner.email, owner.role), *((email, role) for email, role, _ in STAFF)]
    for email, role in staff:  # each sets a password with the code an admin gave them
        invitation = await services.staff.invite(owner, email, role)
        await services.staff.accept(invitation.code, PASSWORD)


@dataclass
class Server:
    services: Services
    port: int
    runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None

    async def start(self, port: int) -> None:
        self.runner = web.AppRunner(sync_app(self.services))
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", port).start()


@dataclass
class Desktop:
    services: Services
    client: SyncClient
    email: str

    async def actor(self) -> Actor:
        return await self.services.users.actor_for(self.email)


async def open_desktop(
    root: Path, server_url: str, email: str, executor: Executor | None = None
) -> Desktop:
    """A fresh desktop home that joins the studio: it connects, then pulls the studio."""
    services = await open_services(Home(root), executor=executor)
    signed_in = await StudioServer(server_url).sign_in(email, PASSWORD, root.name)
    client = SyncClient(
        server_url, signed_in.token, services, interval=0.05, max_pause=0.2, timeout=5
    )
    await client.connect()
    await client.sync_once()
    return Desktop(services, client, email)


async def device_token(server_url: str, email: str, device: str = "script") -> str:
    """Sign `email` in to the server as a desktop does; its new device token."""
    return (await StudioServer(server_url).sign_in(email, PASSWORD, device)).token
