"""A portal fleet: two portal processes, each with a home of its own, on one PostgreSQL catalog,
as a studio runs them behind a load balancer. A link published from the command line works on
both; a visitor let in by one is known to the other; a pick taken by one reaches a gallery open
on the other; a revoked link is refused by both within a second; wrong PINs count on both, also
when they arrive at once, and a restart forgives none of them."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest

from app.bootstrap import close_services
from tests.integration.cli import env_for
from tests.integration.processes import read_until
from tests.integration.shared_studio import SharedStudio, free_port, open_shared_studio

pytestmark = pytest.mark.parametrize("backend", ["postgres"])

WITHIN_S = 1.0
HOST = "127.0.0.1"


def fleet_argv(database_url: str, home: Path, port: int) -> list[str]:
    """One process of the fleet: the studio server, which serves the portal with the sync API."""
    return [
        "server",
        "--db",
        database_url,
        "--home",
        str(home),
        "--host",
        HOST,
        "--port",
        str(port),
    ]


@dataclass
class Member:
    """One running process of the fleet, with a home of its own (nothing shared but the
    database)."""

    home: Path
    port: int
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self, database_url: str) -> None:
        argv = [sys.executable, "-m", "app.main", *fleet_argv(database_url, self.home, self.port)]
        self.home.mkdir(parents=True, exist_ok=True)
        errors = self.home / "stderr.txt"
        with errors.open("ab") as err:
            self.proc = subprocess.Popen(
                argv,
                env=env_for(self.home, database_url),
                stdout=subprocess.PIPE,
                stderr=err,
                bufsize=0,
                start_new_session=True,
            )
        said = read_until(self.proc.stdout, b"http://", time.monotonic() + 60)  # type: ignore[arg-type]
        assert b"http://" in said, errors.read_text()

    async def stop(self) -> None:
        if self.proc is not None:
            proc, self.proc = self.proc, None
            if proc.poll() is None:
                proc.terminate()
            try:
                await asyncio.to_thread(proc.wait, 20)
            except subprocess.TimeoutExpired:
                proc.kill()
                await asyncio.to_thread(proc.wait, 20)
            if proc.stdout is not None:
                proc.stdout.close()


@dataclass
class Fleet:
    studio: SharedStudio
    a: Member
    b: Member

    async def publish(self, *options: str) -> str:
        """`photoflow link create` in a process of its own; returns the link's token."""
        result = await self.studio.cli_async(
            "link", "create", self.studio.album, *options, "--json"
        )
        assert result.code == 0, result.err
        return result.json["url"].rsplit("/g/", 1)[1]


@pytest.fixture
async def fleet(
    tmp_path: Path, database_url: str, imaging_executor: ProcessPoolExecutor
) -> AsyncIterator[Fleet]:
    studio = await open_shared_studio(tmp_path, database_url, imaging_executor)
    a = Member(tmp_path / "fleet-a", free_port())
    b = Member(tmp_path / "fleet-b", free_port())
    try:
        await asyncio.gather(
            asyncio.to_thread(a.start, database_url), asyncio.to_thread(b.start, database_url)
        )
        yield Fleet(studio, a, b)
    finally:
        await asyncio.gather(a.stop(), b.stop())
        await close_services(studio.services)


class Browser:
    """One visitor's browser: one cookie jar, whichever process the balancer sends it to (the
    jar keeps cookies per host, not per port, like a browser behind one address)."""

    def __init__(self) -> None:
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.csrf = ""

    async def close(self) -> None:
        await self.http.close()

    async def open(self, member: Member, token: str) -> str:
        r = await self.http.get(f"{member.url}/g/{token}")
        assert r.status == 200, r.status
        page = await r.text()
        self.csrf = re.search(r'name="csrf" (?:value|content)="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        return page

    async def pin(self, member: Member, pin: str) -> int:
        r = await self.http.post(
            f"{member.url}/pin",
            data={"csrf": self.csrf, "pin": pin},
            headers={"Origin": member.url},
            allow_redirects=False,
        )
        return r.status

    async def gallery(self, member: Member) -> tuple[int, dict | None]:
        r = await self.http.get(f"{member.url}/api/gallery")
        return r.status, (await r.json() if r.status == 200 else None)

    async def pick(self, member: Member, photo_id: str) -> int:
        r = await self.http.post(
            f"{member.url}/api/photos/{photo_id}/pick",
            json={"picked": True},
            headers={"Origin": member.url, "X-CSRF-Token": self.csrf},
        )
        return r.status

    async def live(self, member: Member) -> aiohttp.ClientWebSocketResponse:
        ws = await self.http.ws_connect(
            member.url.replace("http", "ws") + "/api/live", origin=member.url
        )
        assert (await ws.receive_json(timeout=5))["type"] == "hello"
        return ws


async def test_a_link_published_from_the_command_line_opens_on_both(fleet: Fleet):
    token = await fleet.publish("--guest", "Ann")
    for member in (fleet.a, fleet.b):
        browser = Browser()
        try:
            await browser.open(member, token)
            status, gallery = await browser.gallery(member)
            assert status == 200 and gallery is not None and len(gallery["photos"]) == 4
        finally:
            await browser.close()


async def test_a_visitor_let_in_by_one_is_known_to_the_other(fleet: Fleet):
    """No sticky sessions needed: the cookie signed by one process (PIN given) opens the other."""
    token = await fleet.publish("--guest", "Ann", "--pin", "2468")
    browser = Browser()
    try:
        await browser.open(fleet.a, token)
        assert (await browser.gallery(fleet.b))[0] == 404  # no PIN given yet
        assert await browser.pin(fleet.a, "2468") == 303
        status, gallery = await browser.gallery(fleet.b)
        assert status == 200 and gallery is not None and gallery["guest"] == "Ann"
    finally:
        await browser.close()


async def test_a_pick_through_one_reaches_a_gallery_open_on_the_other(fleet: Fleet):
    token = await fleet.publish("--guest", "Ann")
    browser = Browser()
    try:
        await browser.open(fleet.a, token)
        _, gallery = await browser.gallery(fleet.b)
        assert gallery is not None
        ws = await browser.live(fleet.b)
        try:
            photo = gallery["photos"][0]["id"]
            assert await browser.pick(fleet.a, photo) == 200
            picked = time.monotonic()
            notice = await ws.receive_json(timeout=WITHIN_S)
            assert notice == {"type": "feedback.pick", "photo_id": photo}
            assert time.monotonic() - picked < WITHIN_S
        finally:
            await ws.close()
    finally:
        await browser.close()


async def test_a_revoked_link_is_refused_by_both_within_a_second(fleet: Fleet):
    token = await fleet.publish("--guest", "Ann")
    browser = Browser()
    try:
        await browser.open(fleet.a, token)
        for member in (fleet.a, fleet.b):  # answered, and remembered by each process's cache
            assert (await browser.gallery(member))[0] == 200
        ws = await browser.live(fleet.b)
        links = await fleet.studio.cli_async("link", "list", fleet.studio.album, "--json")
        link_id = links.json[0]["id"]
        result = await fleet.studio.cli_async("link", "revoke", link_id)
        assert result.code == 0, result.err
        revoked = time.monotonic()
        refused: dict[str, float] = {}
        while len(refused) < 2 and time.monotonic() - revoked < WITHIN_S:
            for name, member in (("a", fleet.a), ("b", fleet.b)):
                if name not in refused and (await browser.gallery(member))[0] == 404:
                    refused[name] = time.monotonic() - revoked
            await asyncio.sleep(0.02)
        assert set(refused) == {"a", "b"}, f"still served after a second: {refused}"
        message = await ws.receive(timeout=WITHIN_S)
        while message.type == aiohttp.WSMsgType.TEXT:
            message = await ws.receive(timeout=WITHIN_S)
        assert message.type == aiohttp.WSMsgType.CLOSE
        assert time.monotonic() - revoked < 2 * WITHIN_S
        for member in (fleet.a, fleet.b):  # a new visitor too
            assert (await browser.http.get(f"{member.url}/g/{token}")).status == 404
    finally:
        await browser.close()


async def test_wrong_pins_count_on_both_and_a_restart_forgives_none(fleet: Fleet):
    token = await fleet.publish("--guest", "Ann", "--pin", "1357")
    browser = Browser()
    try:
        await browser.open(fleet.a, token)
        statuses = []
        for n, member in enumerate([fleet.a, fleet.b, fleet.a, fleet.b, fleet.a]):
            statuses.append(await browser.pin(member, f"000{n}"))
        assert statuses == [403, 403, 403, 403, 429]
        assert await browser.pin(fleet.b, "1357") == 429  # the right PIN, too late, elsewhere

        await fleet.a.stop()
        await asyncio.to_thread(fleet.a.start, fleet.studio.database_url)  # type: ignore[arg-type]
        assert await browser.pin(fleet.a, "1357") == 429  # still locked after the restart
        assert (await browser.gallery(fleet.a))[0] == 404
    finally:
        await browser.close()


async def test_guesses_sent_to_both_at_once_cannot_pass_the_limit(fleet: Fleet):
    """40 wrong PINs at once, half to each process, from two browsers: five are ever checked."""
    token = await fleet.publish("--guest", "Ann", "--pin", "8642")
    browsers = [Browser(), Browser()]
    try:
        await browsers[0].open(fleet.a, token)
        await browsers[1].open(fleet.b, token)
        guesses = [
            browsers[n % 2].pin(fleet.a if n % 2 else fleet.b, f"{n:04d}") for n in range(40)
        ]
        statuses = await asyncio.gather(*guesses)
        # Five were checked: four said wrong, the fifth locked the link (429); none other ran.
        assert statuses.count(403) == 4, statuses
        assert statuses.count(429) == 36, statuses
        checked = await fleet.studio.services.audit.events(
            fleet.studio.admin, action="link.pin_failed"
        )
        assert len(checked) == 5
        assert await browsers[0].pin(fleet.b, "8642") == 429
    finally:
        for browser in browsers:
            await browser.close()
