"""A studio server's sync API on a real PostgreSQL, served over real HTTP on a free port, and
desktops (SQLite homes) syncing with it.

The server's `authenticate` here resolves the bearer token as a user's e-mail with
services.users.actor_for; the real server replaces it with its device-token check
(sync/server/auth.py: device_actor)."""

from __future__ import annotations

import socket
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from app.bootstrap import open_services
from core.errors import PhotoFlowError
from core.home import Home
from core.policies import Actor, Role
from core.services import Services
from sync.client.client import SyncClient
from sync.server.routes import add_sync_routes

STAFF = (
    ("pia@lumen.test", Role.PHOTOGRAPHER, "Pia"),
    ("ana@lumen.test", Role.PHOTOGRAPHER, "Ana"),
    ("ed@lumen.test", Role.EDITOR, "Ed"),
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def token_as_email(services: Services):  # type: ignore[no-untyped-def]
    async def authenticate(request: web.Request) -> Actor:
        token = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        try:
            return await services.users.actor_for(token)
        except PhotoFlowError:
            raise web.HTTPUnauthorized(
                text='{"error": "Sign in on this desktop again."}', content_type="application/json"
            ) from None

    return authenticate


def sync_app(services: Services) -> web.Application:
    app = web.Application(client_max_size=16 * 1024 * 1024)
    add_sync_routes(app, services, token_as_email(services))
    return app


async def seed_studio(services: Services) -> None:
    await services.tenants.initialise("Lumen Studio", "owner@lumen.test", "Olga Owner")
    owner = await services.users.actor_for("owner@lumen.test")
    for email, role, name in STAFF:
        await services.users.add(owner, email, role, name)


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
    client = SyncClient(server_url, email, services, interval=0.05, max_pause=0.2, timeout=5)
    await client.connect()
    await client.sync_once()
    return Desktop(services, client, email)
