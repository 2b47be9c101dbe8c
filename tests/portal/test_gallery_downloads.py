"""Downloads from a Final album: the finals (not the retouches) in the gallery, one final or all
of them as a zip streamed while it is made, the download PIN, and who downloaded what.

One album is carried to Final through the services once for the module, its finals made by
services.delivery through a full-size TIFF preset and a 600 px web JPEG preset.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import os
import signal
import subprocess
import sys
import threading
import uuid
import zipfile
from collections.abc import AsyncIterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web
from PIL import Image
from playwright.async_api import async_playwright, expect
from sqlalchemy import update

from app.bootstrap import close_services, context_of, open_services
from core.catalog import Delivery, Final
from core.delivery_zip import studio_members
from core.fsutil import safe_part
from core.home import Home
from core.policies import Actor
from core.services import Services
from core.services.client import PIN_LIMIT
from portal.downloads import ZIPS, ZIPS_PER_GUEST, ZIPS_PER_LINK, ZipSlots, attachment
from portal.server import PortalHandle, start_portal
from tests.integration.cli import env_for, photoflow
from tests.portal.conftest import ARGS, CHROMIUM, PHONE, Visitor, enter_page
from tests.portal.final_album import FULL, SIZE, WEB, carry_to_final
from tests.portal.test_standalone import free_port

pytestmark = pytest.mark.asyncio(loop_scope="module")
NAMES_FULL = [f"Wedding-{i:03}.tif" for i in range(1, 5)]
NAMES_WEB = [f"Wedding-{i:03}-web.jpg" for i in range(1, 5)]


@dataclass
class Delivered:
    services: Services
    actor: Actor
    album: uuid.UUID
    handle: PortalHandle

    async def link(self, **options: object) -> str:
        made = await self.services.links.create(self.actor, "Wedding", **options)  # type: ignore[arg-type]
        return "/g/" + made.token

    async def guest(self, name: str = "Ann", **options: object) -> tuple[Visitor, dict]:
        visitor = Visitor(self.handle.url)
        return visitor, await visitor.enter(await self.link(**options), name=name)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def delivered(
    tmp_path_factory: pytest.TempPathFactory, imaging_executor: ProcessPoolExecutor
) -> AsyncIterator[Delivered]:
    root = tmp_path_factory.mktemp("delivered")
    services = await open_services(Home(root / "home"), executor=imaging_executor)
    handle = None
    try:
        await services.tenants.initialise("Studio", "admin@x.test")
        actor = await services.users.actor_for("admin@x.test")
        album = await carry_to_final(services, actor, root / "shoot")
        handle = await start_portal(services, "127.0.0.1", 0)
        yield Delivered(services, actor, album, handle)
    finally:
        if handle is not None:
            await handle.stop()
        await close_services(services)


def check_zip(data: bytes, names: list[str], size: tuple[int, int], kind: str) -> None:
    """Every member passes its CRC check, is named by the preset, has the preset's pixels."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.testzip() is None
        assert zf.namelist() == names
        for info in zf.infolist():
            assert info.compress_type == zipfile.ZIP_STORED
            with Image.open(io.BytesIO(zf.read(info))) as im:
                assert (im.format, im.size) == (kind, size)


async def test_zip_and_single_downloads_follow_the_link(delivered: Delivered):
    s = delivered.services
    full, g = await delivered.guest("Ann", allow_download=True, download_size="full")
    web, _ = await delivered.guest("Ben", allow_download=True, download_size="web")
    try:
        assert g["downloads"] is True and len(g["photos"]) == 4
        # The gallery shows the web finals, not the retouches.
        assert (g["photos"][0]["width"], g["photos"][0]["height"]) == (600, 400)
        r = await full.get(g["photos"][0]["pictures"]["loupe"])
        assert r.status == 200
        with Image.open(io.BytesIO(await r.read())) as im:
            assert im.size == (600, 400)
        page = await (await full.get("/gallery")).text()
        assert 'id="download-all"' in page and "/api/downloads/finals.zip" in page

        r = await full.get("/api/downloads/finals.zip")
        assert r.status == 200 and r.headers["Content-Type"] == "application/zip"
        assert "Wedding.zip" in r.headers["Content-Disposition"]
        data = await r.read()
        assert int(r.headers["Content-Length"]) == len(data)
        check_zip(data, NAMES_FULL, SIZE, "TIFF")
        r = await web.get("/api/downloads/finals.zip")
        check_zip(await r.read(), NAMES_WEB, (600, 400), "JPEG")

        # One photo: a TIFF final goes out as the TIFF it is, never as the JPEG preview.
        finals = {f.filename: f for f in await s.delivery.finals(delivered.actor, delivered.album)}
        r = await full.get(f"/api/photos/{g['photos'][0]['id']}/download")
        assert r.status == 200 and r.headers["Content-Type"] == "image/tiff"
        assert 'filename="Wedding-001.tif"' in r.headers["Content-Disposition"]
        assert await r.read() == finals["Wedding-001.tif"].path.read_bytes()
        r = await web.get(f"/api/photos/{g['photos'][0]['id']}/download")
        assert r.headers["Content-Type"] == "image/jpeg"
        assert await r.read() == finals["Wedding-001-web.jpg"].path.read_bytes()
    finally:
        await full.close()
        await web.close()
    # Each download is in the audit log, as the guest who made it.
    rows = await s.audit.events(delivered.actor, album="Wedding", limit=200)
    mine = [(r.action, r.actor) for r in rows if r.action.startswith("client.download")]
    assert sum(a == "client.download_all" and "Ann" in who for a, who in mine) == 1
    assert sum(a == "client.download_all" and "Ben" in who for a, who in mine) == 1
    assert sum(a == "client.download" for a, _ in mine) == 2


async def test_a_web_link_sends_web_finals_of_the_albums_presets_only(delivered: Delivered):
    s, actor, album = delivered.services, delivered.actor, delivered.album
    visitor, g = await delivered.guest("Eve", allow_download=True, download_size="web")
    one = f"/api/photos/{g['photos'][0]['id']}/download"
    try:
        # The album now delivers through its full-size preset only: the web finals made before
        # are not its finals any more, and a web link sends no full-size file in their place.
        await s.delivery.choose_presets(actor, album, [FULL.name])
        assert {f.preset for f in await s.delivery.finals(actor, album)} == {FULL.name}
        for path in (one, "/api/downloads/finals.zip"):
            r = await visitor.get(path)
            assert r.status == 404, (path, r.status, r.headers.get("Content-Type"))
        await s.delivery.choose_presets(actor, album, [FULL.name, WEB.name])

        # A delivery under way (say the full-size finals made, the web ones not yet): nothing
        # is sent, a plain 409 says how far it is.
        async with context_of(s).db.session() as session:
            job = Delivery(tenant_id=actor.tenant_id, album_id=album, state="delivering",
                           presets=[FULL.name, WEB.name], done=4, total=8)  # fmt: skip
            session.add(job)
            await session.commit()
        try:
            for path in (one, "/api/downloads/finals.zip"):
                r = await visitor.get(path)
                assert r.status == 409
                assert (await r.json())["error"] == (
                    "The finals are being made (4 of 8); try again in a moment."
                )
        finally:
            async with context_of(s).db.session() as session:
                await session.execute(update(Delivery).values(state="done"))
                await session.commit()
        r = await visitor.get(one)
        assert r.status == 200 and r.headers["Content-Type"] == "image/jpeg"
    finally:
        await visitor.close()


async def test_no_download_where_the_link_allows_none(delivered: Delivered):
    visitor, g = await delivered.guest("Cy")
    try:
        assert g["downloads"] is False
        page = await (await visitor.get("/gallery")).text()
        assert (
            'id="download-all" class="download primary" href="/api/downloads/finals.zip" download data-pin="0" hidden'
            in page
        )
        for path in ("/api/downloads/finals.zip", f"/api/photos/{g['photos'][0]['id']}/download"):
            r = await visitor.get(path)
            assert r.status == 404 and "error" in await r.json()
        r = await visitor.api("/api/downloads/pin", {"pin": "1234"})
        assert r.status == 404
    finally:
        await visitor.close()


async def test_download_pin_is_asked_and_limited(delivered: Delivered):
    visitor, _ = await delivered.guest("Di", allow_download=True, download_pin="2468")
    try:
        r = await visitor.get("/api/downloads/finals.zip")
        assert r.status == 403
        assert (await r.json())["error"] == "Give the download PIN first."
        r = await visitor.api("/api/downloads/pin", {"pin": "1111"})
        assert r.status == 403
        assert (await r.json())["error"] == "That download PIN is not right."
        r = await visitor.api("/api/downloads/pin", {"pin": 1111})
        assert r.status == 400
        r = await visitor.api("/api/downloads/pin", {"pin": "2468"})
        assert r.status == 200
        r = await visitor.get("/api/downloads/finals.zip")
        assert r.status == 200
        check_zip(await r.read(), NAMES_FULL, SIZE, "TIFF")
    finally:
        await visitor.close()


async def test_names_are_made_safe_one_way_for_headers_and_folders(tmp_path: Path):
    """One rule (core.fsutil.safe_part) for a name in a path or a header: no separator, no
    quote or control character, never "." or ".."; the UTF-8 name goes along as it was."""
    header = attachment('..\\"Ann & Bo"/\r\nÉté;.zip')
    fallback = header.split('filename="')[1].split('"')[0]
    assert fallback == "__Ann & Bo_____t__.zip", header
    assert "\r" not in header and "\n" not in header
    assert "filename*=UTF-8''..%5C%22Ann%20%26%20Bo%22%2F%0D%0A%C3%89t%C3%A9%3B.zip" in header
    assert safe_part("..") == "" and safe_part("a/b\\c:d") == "a-b-c-d"
    no_crc = {"crc32": None, "file_mtime_ns": None}  # finals made before CRCs were recorded
    members = studio_members(
        [
            SimpleNamespace(preset=preset, filename="a.jpg", path=tmp_path, size_bytes=1, **no_crc)
            for preset in ('Print: "A4"', "../Web")
        ]
    )
    assert [m.name for m in members] == ["Print_ _A4_/a.jpg", "_Web/a.jpg"]


async def test_a_head_request_is_not_audited_as_a_download(delivered: Delivered):
    """Link checkers and download managers send HEAD first: it tells the size and name, and
    nobody downloaded anything."""
    visitor, g = await delivered.guest("Hal", allow_download=True)
    try:
        r = await visitor.http.head(visitor.base + "/api/downloads/finals.zip")
        assert r.status == 200 and int(r.headers["Content-Length"]) > 0
        assert "Wedding.zip" in r.headers["Content-Disposition"]
        r = await visitor.http.head(visitor.base + f"/api/photos/{g['photos'][0]['id']}/download")
        assert r.status == 200 and r.headers["Content-Type"] == "image/tiff"
    finally:
        await visitor.close()
    rows = await delivered.services.audit.events(delivered.actor, album="Wedding", limit=200)
    assert [r.action for r in rows if "Hal" in r.actor and r.action.startswith("client.down")] == []


async def test_finals_on_disk_are_looked_at_off_the_event_loop(
    delivered: Delivered, monkeypatch: pytest.MonkeyPatch
):
    """The gallery, a final and the zip: no file of the finals is looked at on the loop's
    thread (the desktop's screen thread when the portal runs inside it)."""
    loop_thread = threading.get_ident()
    on_loop: list[str] = []
    real_stat = os.stat

    def stat(path, *args, **kwargs):  # type: ignore[no-untyped-def]
        if threading.get_ident() == loop_thread and f"{os.sep}final{os.sep}" in str(path):
            on_loop.append(str(path))
        return real_stat(path, *args, **kwargs)

    visitor, _ = await delivered.guest("Ike", allow_download=True, download_size="web")
    try:
        monkeypatch.setattr(os, "stat", stat)
        g = await (await visitor.get("/api/gallery")).json()
        r = await visitor.get(g["photos"][0]["pictures"]["loupe"])
        assert r.status == 200
        r = await visitor.get(f"/api/photos/{g['photos'][0]['id']}/download")
        assert r.status == 200
        r = await visitor.get("/api/downloads/finals.zip")
        check_zip(await r.read(), NAMES_WEB, (600, 400), "JPEG")
        monkeypatch.undo()
    finally:
        await visitor.close()
    assert on_loop == []


async def test_the_client_downloads_the_zip_in_chromium(delivered: Delivered, tmp_path: Path):
    url = delivered.handle.url + await delivered.link(
        allow_download=True, download_size="web", download_pin="1357"
    )
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            context = await browser.new_context(accept_downloads=True, **PHONE)
            page = await context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            await enter_page(page, url, None, "Flo")
            await expect(page.locator("#grid figure.photo")).to_have_count(4)
            await expect(page.locator("#grid figure.photo a.get").first).to_be_visible()
            await page.click("#download-all")
            await expect(page.locator("#download-pin")).to_be_visible()
            await page.fill("#dp-pin", "0000")
            await page.click("#dp-ok")
            await expect(page.locator("#dp-error")).to_have_text("That download PIN is not right.")
            await page.fill("#dp-pin", "1357")
            async with page.expect_download() as waiting:
                await page.click("#dp-ok")
            download = await waiting.value
            assert download.suggested_filename == "Wedding.zip"
            saved = tmp_path / "Wedding.zip"
            await download.save_as(saved)
            assert await download.failure() is None
            check_zip(saved.read_bytes(), NAMES_WEB, (WEB.long_edge, 400), "JPEG")
            # Once given, the PIN is not asked again: one photo straight away.
            async with page.expect_download() as waiting:
                await page.locator("#grid figure.photo a.get").first.click()
            one = await waiting.value
            assert one.suggested_filename == "Wedding-001-web.jpg"
            assert errors == []
            await context.close()
        finally:
            await browser.close()


async def test_wrong_download_pins_lock_like_the_gallery_pin(delivered: Delivered):
    """After the other PIN tests of the module: it locks this address out of PINs a while."""
    guesser, _ = await delivered.guest("Ed", allow_download=True, download_pin="9753")
    try:
        codes = [
            (await guesser.api("/api/downloads/pin", {"pin": f"000{i}"})).status for i in range(6)
        ]
        # Counted per link and per address, PIN_LIMIT wrong ones in all: this address gave
        # wrong download PINs in the tests above too, so it is locked sooner.
        locked = codes.index(429)
        assert 1 <= locked <= PIN_LIMIT - 1
        assert codes[:locked] == [403] * locked and codes[locked:] == [429] * (6 - locked)
        r = await guesser.api("/api/downloads/pin", {"pin": "9753"})
        assert r.status == 429  # locked: even the right PIN waits
    finally:
        await guesser.close()


async def test_the_studio_exports_the_finals_from_the_command_line(
    delivered: Delivered, tmp_path: Path
):
    """`photoflow album export`: every preset's finals, each preset in its folder, as loose
    files or one zip made by the same writer as the gallery's."""
    home = delivered.services.paths.root
    out = tmp_path / "out"
    r = await asyncio.to_thread(
        photoflow, home, "album", "export", "Wedding", "--to", str(out), "--json",
        as_user="admin@x.test",
    )  # fmt: skip
    assert r.code == 0, r.err
    names = sorted(str(Path(p).relative_to(out)) for p in r.json["files"])
    assert names == sorted(
        [f"{FULL.name}/{n}" for n in NAMES_FULL] + [f"{WEB.name}/{n}" for n in NAMES_WEB]
    )
    with Image.open(out / WEB.name / NAMES_WEB[0]) as im:
        assert im.size == (600, 400)
    r = await asyncio.to_thread(
        photoflow, home, "album", "export", "Wedding", "--to", str(out), "--zip",
        "--preset", WEB.name, as_user="admin@x.test",
    )  # fmt: skip
    assert r.code == 0, r.err
    check_zip((out / "Wedding.zip").read_bytes(), NAMES_WEB, (600, 400), "JPEG")
    r = await asyncio.to_thread(
        photoflow, home, "album", "export", "Wedding", "--to", str(out), "--preset", "Nope",
        as_user="admin@x.test",
    )  # fmt: skip
    assert r.code != 0 and "has no finals through preset 'Nope'" in r.err
    assert "Traceback" not in r.err


async def test_open_galleries_hear_once_when_the_finals_are_in(delivered: Delivered):
    """A gallery open while the album is delivered hears one notice when the delivery ends
    (not one per final made), and reads the finals and its downloads then."""
    visitor, _ = await delivered.guest("Kim", allow_download=True)
    url = delivered.handle.url
    try:
        ws = await visitor.http.ws_connect(url.replace("http", "ws") + "/api/live", origin=url)
        assert (await ws.receive_json(timeout=5))["type"] == "hello"
        done = await delivered.services.delivery.deliver(delivered.actor, delivered.album)
        assert done.state == "done"
        notice = await ws.receive_json(timeout=10)
        while notice["type"] != "album.delivery":
            notice = await ws.receive_json(timeout=10)
        assert notice == {"type": "album.delivery"}  # the end, not a final of one photo
        g = await (await visitor.get("/api/gallery")).json()
        assert g["downloads"] is True and (g["photos"][0]["width"], g["photos"][0]["height"]) == (
            600,
            400,
        )
        await ws.close()
    finally:
        await visitor.close()


BIG = 512 * 1024 * 1024  # four finals of this size: a 2 GiB zip
RSS_GROWTH_MAX = 50 * 1024 * 1024


def rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


async def make_finals_big(delivered: Delivered, album: uuid.UUID, folder: Path) -> None:
    """The album's full-size finals become 512 MiB each, cheaply: one sparse file (no disk
    blocks, read back as zeros at memory speed) hard-linked in place of each TIFF final, and
    the finals' recorded sizes set to match, in the catalog, as a test may seed it."""
    big = folder / "big.tif"
    with big.open("wb") as f:
        f.truncate(BIG)
    paths = [
        f.path for f in await delivered.services.delivery.finals(delivered.actor, album)
        if f.preset == FULL.name
    ]  # fmt: skip
    for path in paths:
        path.unlink()
        os.link(big, path)
    async with context_of(delivered.services).db.session() as session:
        await session.execute(
            update(Final)
            .where(Final.album_id == album, Final.preset == FULL.name)
            .values(size_bytes=BIG)
        )
        await session.commit()


async def test_a_2_gb_zip_streams_with_flat_memory(delivered: Delivered, tmp_path: Path):
    """`photoflow portal` as its own process sends a 2 GiB zip; its resident memory, read from
    /proc while the client reads, grows by less than 50 MB. Last in the module: the album's
    full-size finals become big files of zeros."""
    s, actor, album = delivered.services, delivered.actor, delivered.album
    await make_finals_big(delivered, album, tmp_path)
    made = await s.links.create(actor, album, allow_download=True, guest_name="Gus")
    home = s.paths.root
    port = free_port()
    command = [sys.executable, "-m", "app.main", "--home", str(home), "--as", "admin@x.test"]
    proc = subprocess.Popen(
        [*command, "portal", "--host", "127.0.0.1", "--port", str(port)],
        env=env_for(home),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    visitor = Visitor(f"http://127.0.0.1:{port}")
    try:
        line = await asyncio.wait_for(asyncio.to_thread(proc.stdout.readline), 60)  # type: ignore[union-attr]
        assert "PhotoFlow portal on" in line, (line, proc.stderr.read() if proc.poll() else "")  # type: ignore[union-attr]
        await visitor.enter("/g/" + made.token)
        before = rss(proc.pid)
        peak, got = before, 0
        async with visitor.http.get(visitor.base + "/api/downloads/finals.zip") as r:
            assert r.status == 200
            announced = int(r.headers["Content-Length"])
            tail = b""
            async for piece in r.content.iter_chunked(1024 * 1024):
                got += len(piece)
                tail = (tail + piece)[-4096:]
                if got % (64 * 1024 * 1024) < len(piece):
                    peak = max(peak, rss(proc.pid))
        peak = max(peak, rss(proc.pid))
        assert got == announced > 4 * BIG
        assert tail[-22:-18] == b"PK\x05\x06"  # the archive's end record came last
        print(f"portal RSS {before / 2**20:.1f} MiB before, {peak / 2**20:.1f} MiB at most")
        assert peak - before < RSS_GROWTH_MAX, (before, peak)
    finally:
        await visitor.close()
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        for pipe in (proc.stdout, proc.stderr):
            if pipe is not None:
                pipe.close()


def open_files_under(folder: Path) -> list[str]:
    """This process's open files in `folder` (the in-process portal's)."""
    found = []
    for fd in Path("/proc/self/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith(str(folder)):
            found.append(target)
    return found


async def test_zips_at_once_are_limited_and_a_client_leaving_closes_its_files(
    delivered: Delivered, caplog: pytest.LogCaptureFixture
):
    """After the 2 GiB test (the full-size finals are big now): a guest's third zip at once is
    told to wait (429, Retry-After) and no download is audited for it; a client hanging up
    mid-zip frees its place and leaves no file open, and nothing is logged as an error."""
    slots = delivered.handle.app[ZIPS]
    library = delivered.services.paths.library
    visitor, _ = await delivered.guest("Jo", allow_download=True)
    held: list[aiohttp.ClientResponse] = []
    try:
        for _ in range(ZIPS_PER_GUEST):
            r = await visitor.get("/api/downloads/finals.zip")
            assert r.status == 200
            await r.content.readexactly(1024 * 1024)  # the zip is on its way
            held.append(r)
        r = await visitor.get("/api/downloads/finals.zip")
        assert r.status == 429 and int(r.headers["Retry-After"]) > 0
        assert "try again" in (await r.json())["error"]
        rows = await delivered.services.audit.events(delivered.actor, album="Wedding", limit=50)
        assert sum("Jo" in x.actor and x.action == "client.download_all" for x in rows) == 2

        for r in held:  # hang up mid-zip
            r.close()
        held.clear()
        for _ in range(200):  # the server notices at its next write
            if not slots.by_link and not open_files_under(library):
                break
            await asyncio.sleep(0.05)
        assert dict(slots.by_link) == {} and open_files_under(library) == []
        r = await visitor.get("/api/downloads/finals.zip")
        assert r.status == 200
        r.close()
    finally:
        for r in held:
            r.close()
        await visitor.close()
    assert [x.getMessage() for x in caplog.records if x.levelno >= logging.ERROR] == []


async def test_a_link_sends_a_few_zips_at_once_whoever_asks():
    """Guests of one link behind many addresses share its few zips; another link is apart,
    and every place taken is given back."""
    slots = ZipSlots()
    link = uuid.uuid4()
    try:
        with contextlib.ExitStack() as held:
            for i in range(ZIPS_PER_LINK):
                held.enter_context(slots.taken(link, f"203.0.113.{i}"))
            with pytest.raises(web.HTTPTooManyRequests) as refused:
                held.enter_context(slots.taken(link, "203.0.113.99"))
            assert int(refused.value.headers["Retry-After"]) > 0
            held.enter_context(slots.taken(uuid.uuid4(), "203.0.113.99"))
        assert not slots.by_link and not slots.by_guest
    finally:
        slots.readers.shutdown()
