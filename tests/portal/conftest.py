"""A studio with an album in Rate and a live portal on a free port, built fresh for each test."""

from __future__ import annotations

import re
import shutil
from collections.abc import AsyncIterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

from app.bootstrap import close_services, open_services
from core.home import Home
from core.policies import Actor
from core.services import Services
from portal.server import PortalHandle, start_portal
from tests.images import make_shoot

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@dataclass
class Portal:
    services: Services
    actor: Actor
    album: str
    handle: PortalHandle
    shoot: Path

    @property
    def url(self) -> str:
        return self.handle.url

    async def link(self, **options: object) -> str:
        """A new link of the album; returns the path with the token."""
        made = await self.services.links.create(self.actor, self.album, **options)  # type: ignore[arg-type]
        return "/g/" + made.token

    def client(self) -> Visitor:
        return Visitor(self.url)


class Visitor:
    """A browser-like HTTP client: keeps cookies, sends Origin and the CSRF token like the page."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.csrf = ""

    async def close(self) -> None:
        await self.http.close()

    async def get(self, path: str, **kw: object) -> aiohttp.ClientResponse:
        return await self.http.get(self.base + path, **kw)  # type: ignore[arg-type]

    async def post_form(self, path: str, data: dict[str, str]) -> aiohttp.ClientResponse:
        return await self.http.post(
            self.base + path, data={"csrf": self.csrf, **data}, headers={"Origin": self.base}
        )

    async def api(self, path: str, body: object | None = None) -> aiohttp.ClientResponse:
        headers = {"Origin": self.base, "X-CSRF-Token": self.csrf}
        return await self.http.post(self.base + path, json=body or {}, headers=headers)

    async def enter(self, link: str, *, pin: str | None = None, name: str = "Ann") -> dict:
        """Open the link, give the PIN and a name; returns the gallery JSON."""
        r = await self.get(link)
        assert r.status == 200, r.status
        page = await r.text()
        self.csrf = re.search(r'name="csrf" (?:value|content)="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        if pin is not None:
            r = await self.post_form("/pin", {"pin": pin})
            assert r.status == 200
        if 'action="/name"' in await r.text():
            r = await self.post_form("/name", {"name": name})
            assert r.status == 200
        r = await self.get("/api/gallery")
        assert r.status == 200
        return await r.json()


@pytest.fixture
async def portal(tmp_path: Path, imaging_executor: ProcessPoolExecutor) -> AsyncIterator[Portal]:
    services = await open_services(Home(tmp_path / "home"), executor=imaging_executor)
    handle = None
    try:
        await services.tenants.initialise("Studio", "admin@x.test")
        actor = await services.users.actor_for("admin@x.test")
        await services.albums.create(actor, "Wedding", max_select=4)
        shoot = tmp_path / "shoot"
        report = await services.imports.run(actor, "Wedding", make_shoot(shoot, 6))
        assert not report.failed
        await services.albums.advance(actor, "Wedding")  # Stock
        await services.albums.advance(actor, "Wedding")  # Rate
        handle = await start_portal(services, "127.0.0.1", 0)
        yield Portal(services, actor, "Wedding", handle, shoot)
    finally:
        if handle is not None:
            await handle.stop()
        await close_services(services)


@pytest.fixture
async def visitor(portal: Portal) -> AsyncIterator[Visitor]:
    v = portal.client()
    try:
        yield v
    finally:
        await v.close()


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as p:
        b = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield b
        finally:
            await b.close()


async def enter_page(page: Page, url: str, pin: str | None, name: str) -> None:
    """Open a link in the browser page, give the PIN and a name, wait for a working grid."""
    await page.goto(url)
    assert "/g/" not in page.url  # the token left the address bar
    if pin is not None:
        await page.fill("#pin", pin)
        await page.click("button[type=submit]")
    await page.fill("#name", name)
    await page.click("button[type=submit]")
    await expect(page.locator("#grid figure.photo").first).to_be_visible()
    # The grid is drawn by the server; its buttons answer once the gallery data has loaded.
    await expect(page.locator("#grid")).not_to_have_attribute("aria-busy", "true")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "fuzz: a long run outside CI; select it with -m fuzz")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The long runs are left out unless asked for by name (-m fuzz)."""
    if "fuzz" in (config.getoption("markexpr") or ""):
        return
    long_runs = [item for item in items if item.get_closest_marker("fuzz")]
    if long_runs:
        config.hook.pytest_deselected(items=long_runs)
        items[:] = [item for item in items if item not in long_runs]
