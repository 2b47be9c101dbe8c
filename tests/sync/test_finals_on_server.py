"""Finals made on a desktop reach the studio server: their files go up into its store (checked
against their content hash), then their rows; a client of the server's portal sees the web
finals and downloads a photo and the zip from the server, byte for byte the desktop's; another
desktop knows the finals without claiming their files. With a server, the server's postman tells
the photographer of a client's submit and reminds clients, once; the desktop sends only the
invitations its people make."""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import io
import uuid
import zipfile
from collections.abc import AsyncIterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest
import pytest_asyncio
from PIL import Image

from app.bootstrap import close_services, open_services
from app.desktop import _password_to_server
from core.errors import Conflict, Invalid, NotPermitted
from core.home import Home
from core.imaging.analyse import hash_bytes
from core.policies import Actor
from core.services import Services
from sync.client.studio_server import StudioServer
from sync.mail.password import MailPassword
from sync.mail.postman import Postman
from sync.mail.postmen import Postmen
from tests.conftest import server_database
from tests.images import make_shoot
from tests.mailserver import PASSWORD, Inbox
from tests.pgcluster import Cluster
from tests.portal.final_album import FULL, SIZE, WEB, carry_to_final
from tests.sync.harness import PASSWORD as HARNESS_PASSWORD
from tests.sync.harness import (
    Desktop,
    Server,
    device_token,
    free_port,
    open_desktop,
    seed_studio,
)
from tests.sync.test_links_and_feedback import PIN, Visitor

pytestmark = pytest.mark.asyncio(loop_scope="module")
NAMES_FULL = [f"Wedding-{i:03}.tif" for i in range(1, 5)]


@dataclass
class Studio:
    server: Server
    olga: Desktop  # the studio's owner, who delivers on her desktop
    album: uuid.UUID
    root: Path

    async def on_server(self) -> Actor:
        return await self.server.services.users.actor_for("owner@lumen.test")


async def settle(desk: Desktop) -> None:
    """Sync rounds until the desktop has nothing left to send."""
    for _ in range(5):
        await desk.client.sync_once()
        if not (await desk.services.replica.status()).waiting:
            break
    assert not (await desk.services.replica.status()).conflicts


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def studio(
    tmp_path_factory: pytest.TempPathFactory,
    pg_cluster: Cluster,
    imaging_executor: ProcessPoolExecutor,
) -> AsyncIterator[Studio]:
    root = tmp_path_factory.mktemp("finals-server")
    services = await open_services(
        Home(root / "server"), database_url=server_database(pg_cluster), executor=imaging_executor
    )
    opened: list[Services] = [services]
    olga = None
    server = Server(services, free_port())
    try:
        await seed_studio(services)
        await server.start(server.port)
        olga = await open_desktop(root / "olga", server.url, "owner@lumen.test", imaging_executor)
        opened.append(olga.services)
        me = await olga.actor()
        album = await carry_to_final(olga.services, me, root / "shoot")
        await settle(olga)
        yield Studio(server, olga, album, root)
    finally:
        if olga is not None:
            await olga.client.close()
        await server.stop()
        for s in reversed(opened):
            await close_services(s)


def facts(finals) -> set[tuple]:  # type: ignore[no-untyped-def]
    return {(f.photo_id, f.preset, f.filename, f.size_bytes, f.width, f.height) for f in finals}


async def test_the_servers_finals_are_the_desktops(studio: Studio) -> None:
    s = studio.olga.services
    here = await s.delivery.finals(await studio.olga.actor(), studio.album)
    there = await studio.server.services.delivery.finals(await studio.on_server(), studio.album)
    assert len(here) == 8 and facts(here) == facts(there)
    by_key = {(f.photo_id, f.preset): f for f in here}
    for final in there:
        mine = by_key[(final.photo_id, final.preset)]
        assert final.path.read_bytes() == mine.path.read_bytes()
        assert final.crc32 == mine.crc32 and final.crc32 is not None
        # The CRC holds for the server's own file: a zip reads each file once, to send it.
        assert final.file_mtime_ns == final.path.stat().st_mtime_ns
        assert final.path.is_relative_to(studio.server.services.paths.library / "studio-finals")
    # Nothing goes up twice: a restarted desktop knows how far it got (kept in its catalog),
    # has no delivery left to ask the server about, and sends nothing.
    sent_until = await s.shared_finals.sent_until()
    assert sent_until is not None and await s.shared_finals.delivered_since(sent_until) == []
    studio.olga.client._finals_after = None
    assert await studio.olga.client.upload_finals() == 0
    assert not (await s.replica.status()).waiting


async def test_a_client_downloads_the_desktops_finals_from_the_server(studio: Studio) -> None:
    s, me = studio.olga.services, await studio.olga.actor()
    made = await s.links.create(
        me,
        studio.album,
        pin=PIN,
        allow_download=True,
        download_size="full",
        guest_name="Carla",
        download_pin="1357",
    )
    await settle(studio.olga)
    mine = {f.filename: f.path.read_bytes() for f in await s.delivery.finals(me, studio.album)}
    visitor = Visitor(studio.server.url)
    try:
        gallery = await visitor.enter(made.token, "Carla")
        assert gallery["downloads"] is True and len(gallery["photos"]) == 4
        first = gallery["photos"][0]
        assert (first["width"], first["height"]) == (600, 400)  # the web final, not the retouch
        r = await visitor.get(first["pictures"]["loupe"])
        assert r.status == 200
        with Image.open(io.BytesIO(await r.read())) as im:
            assert im.size == (600, 400)

        r = await visitor.get(f"/api/photos/{first['id']}/download")
        assert r.status == 403  # the link's download PIN, asked on the server as on a desktop
        assert (await r.json())["error"] == "Give the download PIN first."
        r = await visitor.api("/api/downloads/pin", {"pin": "1357"})
        assert r.status == 200
        r = await visitor.get(f"/api/photos/{first['id']}/download")
        assert r.status == 200, await r.text()
        assert r.headers["Content-Type"] == "image/tiff"
        assert await r.read() == mine["Wedding-001.tif"]

        r = await visitor.get("/api/downloads/finals.zip")
        assert r.status == 200, await r.text()
        data = await r.read()
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            assert zf.testzip() is None  # every member passes its CRC check
            assert zf.namelist() == NAMES_FULL
            for name in NAMES_FULL:
                assert zf.read(name) == mine[name]
                with Image.open(io.BytesIO(zf.read(name))) as im:
                    assert (im.format, im.size) == ("TIFF", SIZE)
    finally:
        await visitor.close()
    rows = await studio.server.services.audit.events(await studio.on_server(), limit=500)
    downloads = [(r.action, r.actor) for r in rows if r.action.startswith("client.download")]
    assert sum(a == "client.download" and "Carla" in who for a, who in downloads) == 1
    assert sum(a == "client.download_all" and "Carla" in who for a, who in downloads) == 1


async def test_another_desktop_knows_the_finals_without_their_files(
    studio: Studio, imaging_executor: ProcessPoolExecutor
) -> None:
    olga = studio.olga
    made = await olga.services.links.create(
        await olga.actor(), studio.album, allow_download=True, guest_name="Dora"
    )
    await settle(olga)
    pia = await open_desktop(
        studio.root / "pia", studio.server.url, "pia@lumen.test", imaging_executor
    )
    try:
        me = await pia.actor()
        [album] = [a for a in await pia.services.albums.list(me) if a.id == studio.album]
        assert album.stage.value == "final"
        assert {p.name for p in await pia.services.delivery.album_presets(me, album.id)} == {
            FULL.name,
            WEB.name,
        }
        assert await pia.services.delivery.finals(me, album.id) == []  # none here to show
        assert not any((studio.root / "pia").rglob("*.tif"))
        assert await pia.client.upload_finals() == 0  # and none it would send
        assert not (await pia.services.replica.status()).waiting
        # Its own portal says the finals are not here, rather than send what it has not.
        dora = (await pia.services.client.open(made.token)).guest("Dora")
        with pytest.raises(Conflict, match="finals are not all here yet"):
            await pia.services.client.download(dora)
    finally:
        await pia.client.close()
        await close_services(pia.services)


async def test_a_tampered_final_is_refused_and_rows_wait_for_their_files(studio: Studio) -> None:
    token = await device_token(studio.server.url, "owner@lumen.test", "tamper")
    store = studio.server.services.paths.library / "studio-finals"
    before = sorted(p for p in store.rglob("*") if p.is_file())
    body = b"\x00" * 1000
    honest = hash_bytes(b"\x01" * 1000)
    headers = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession(headers=headers) as http:
        url = f"{studio.server.url}/api/v1/finals/{honest}"
        async with http.put(url, params={"suffix": ".jpg", "size": "1000"}, data=body) as r:
            assert r.status == 400
            assert "does not match its hash" in (await r.json())["error"]
        async with http.put(url, params={"suffix": ".exe", "size": "1000"}, data=body) as r:
            assert r.status == 400
        # A row whose file never came is not taken: the client would get a member it lacks.
        photo = (
            await studio.olga.services.delivery.finals(await studio.olga.actor(), studio.album)
        )[0]
        command = {
            "key": str(uuid.uuid4()),
            "action": "album.import_finals",
            "args": {
                "album": str(studio.album),
                "finals": [
                    {
                        "photo_id": str(photo.photo_id),
                        "preset": "Print",
                        "filename": "x.jpg",
                        "content_hash": honest,
                        "suffix": ".jpg",
                        "size_bytes": 1000,
                        "width": 10,
                        "height": 10,
                    }
                ],
            },
        }
        async with http.post(
            f"{studio.server.url}/api/v1/commands", json={"commands": [command]}
        ) as r:
            [answer] = (await r.json())["answers"]
            assert answer["outcome"] == "invalid"
            assert "have not reached the server" in answer["message"]
    assert sorted(p for p in store.rglob("*") if p.is_file()) == before  # no half-written file


async def test_remade_finals_replace_the_servers(studio: Studio) -> None:
    """The web preset made anew at another quality, the album renamed: once that delivery
    ends, the server has the new files under the new names, and a client gets them."""
    s, me = studio.olga.services, await studio.olga.actor()
    await s.delivery.save_preset(me, dataclasses.replace(WEB, quality=60))
    await s.albums.rename(me, studio.album, "Wedding Day")
    done = await s.delivery.deliver(me, studio.album, [WEB.name])
    assert done.state == "done"
    await settle(studio.olga)
    here = await s.delivery.finals(me, studio.album)
    there = await studio.server.services.delivery.finals(await studio.on_server(), studio.album)
    assert facts(here) == facts(there)
    web_here = {f.photo_id: f.path.read_bytes() for f in here if f.preset == WEB.name}
    web_there = {f.photo_id: f.path.read_bytes() for f in there if f.preset == WEB.name}
    assert web_here == web_there
    assert {f.filename for f in there} >= {f"Wedding Day-{i:03}-web.jpg" for i in range(1, 5)}

    # The server's store keeps only what finals name: the old web files go once old enough
    # (one that just arrived is spared, its row may be on its way).
    server = studio.server.services
    store = {p for p in server.paths.library.glob("studio-finals/*/*/*") if p.is_file()}
    named = {f.path for f in there}
    assert named < store  # the replaced web finals are still there
    assert await server.shared_finals.sweep(await studio.on_server()) == 0
    assert await server.shared_finals.sweep(await studio.on_server(), older_than_s=0) == len(
        store - named
    )
    assert {p for p in server.paths.library.glob("studio-finals/*/*/*") if p.is_file()} == named


async def until(condition, timeout: float = 15.0) -> None:  # type: ignore[no-untyped-def]
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.02)


async def test_the_server_tells_of_a_submit_once_and_the_desktop_does_not(
    studio: Studio, inbox: Inbox
) -> None:
    s, me = studio.olga.services, await studio.olga.actor()
    # The admin sets the studio's SMTP server on her desktop: it reaches the server's studio.
    admin = StudioServer(studio.server.url)
    await admin.sign_in("owner@lumen.test", HARNESS_PASSWORD, "mail")
    postmen = Postmen(studio.server.services, studio.server.services.paths.root)
    # Her desktop runs its postman, as the app does, with the password in its own keyring.
    desk_postman = Postman(s, me.tenant_id, MailPassword(s.paths.root))
    desk_postman.server_copy = functools.partial(_password_to_server, s, studio.olga.client, admin)
    desk_postman.start()
    syncing = asyncio.ensure_future(studio.olga.client.run())  # as the desktop app syncs
    try:
        # In her settings dialog she sets the studio's SMTP server and its password: the
        # settings go to the server as a command, then the password to its keyring through
        # the staff API (admins only); a wrong one is refused in plain words, and not kept.
        await s.settings.update(me, **inbox.studio_settings())
        with pytest.raises(Invalid, match="refused the user name or password"):
            await desk_postman.save_password("wrong horse")
        assert postmen.password(me.tenant_id).load() is None
        await desk_postman.save_password(PASSWORD)
        studio.olga.client.stop()
        await syncing
        pia = StudioServer(studio.server.url)
        await pia.sign_in("pia@lumen.test", HARNESS_PASSWORD, "mail")
        with pytest.raises(NotPermitted):
            await pia.set_mail_password(PASSWORD)

        album = await s.albums.create(me, "Harbour")
        await s.imports.run(me, album.id, make_shoot(studio.root / "harbour", 2))
        await s.albums.advance(me, album.id)
        await s.albums.advance(me, album.id)  # Rate: the client picks
        made = await s.links.create(me, album.id, pin=PIN, guest_name="Mia")
        await settle(studio.olga)
        tenant = me.tenant_id
        assert postmen.password(tenant).load() == PASSWORD
        await postmen.look()
        assert set(postmen.running) == {tenant}

        # The invitation goes from her desktop (only it knows the link's token); the server is
        # told who was invited, for its reminders, and sends nothing of it.
        await s.mail.invite(me, made.id, "mia@client.test", made.url)
        desk_postman.wake()
        await until(lambda: len(inbox.to("mia@client.test")) == 1)
        await settle(studio.olga)
        assert made.url in inbox.to("mia@client.test")[0].get_body(("plain",)).get_content()

        visitor = Visitor(studio.server.url)
        try:
            gallery = await visitor.enter(made.token, "Mia")
            r = await visitor.api(
                f"/api/photos/{gallery['photos'][0]['id']}/pick", {"picked": True}
            )
            assert r.status == 200, await r.text()
            r = await visitor.api("/api/submit", {})
            assert r.status == 200, await r.text()
        finally:
            await visitor.close()
        await until(lambda: len(inbox.to("owner@lumen.test")) >= 1)
        [told] = inbox.to("owner@lumen.test")
        assert "Harbour" in told["Subject"]
        # The desktop pulls the submit and its postman does a round: nothing more is sent.
        rounds = desk_postman.rounds
        await settle(studio.olga)
        desk_postman.wake()
        await until(lambda: desk_postman.rounds > rounds)
        assert await s.mail.queue_reminders(tenant) == 0  # the server reminds, not the desktop
        assert len(inbox.to("owner@lumen.test")) == 1
        server_postman = postmen.running[tenant]
        assert await server_postman.send_due() == 0  # the invitation is not sent twice
        assert len(inbox.to("mia@client.test")) == 1
        # A day before the link ends, the server reminds Mia, once, with her gallery's link.
        [link] = await s.links.list(me, album.id)
        assert link.expires_at is not None
        soon = link.expires_at - timedelta(days=1)
        assert await s.mail.queue_reminders(tenant, now=soon) == 0  # never the desktop
        assert await studio.server.services.mail.queue_reminders(tenant, now=soon) == 1
        assert await studio.server.services.mail.queue_reminders(tenant, now=soon) == 0
        assert await server_postman.send_due() == 1
        [_, reminded] = inbox.to("mia@client.test")
        assert reminded["Subject"] == "Reminder: Harbour"
        assert made.url in reminded.get_body(("plain",)).get_content()
    finally:
        studio.olga.client.stop()
        await syncing
        await desk_postman.stop()
        await postmen.stop()
