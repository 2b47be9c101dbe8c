"""A client link published on a desktop opens the studio server's portal; what the client picks
and says there reaches every desktop of the studio; a revoke on the desktop closes the link there."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import aiohttp

from core.changes import Change
from tests.sync.catalogs import shoot

PIN = "2468"


class Visitor:
    """A client's browser on the server's portal: keeps its cookies, sends Origin and CSRF."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.csrf = ""

    async def close(self) -> None:
        await self.http.close()

    async def get(self, path: str, follow: bool = False) -> aiohttp.ClientResponse:
        return await self.http.get(self.base + path, allow_redirects=follow)

    async def form(self, path: str, data: dict[str, str]) -> aiohttp.ClientResponse:
        return await self.http.post(
            self.base + path, data={"csrf": self.csrf, **data}, headers={"Origin": self.base}
        )

    async def api(self, path: str, body: object) -> aiohttp.ClientResponse:
        headers = {"Origin": self.base, "X-CSRF-Token": self.csrf}
        return await self.http.post(self.base + path, json=body, headers=headers)

    async def enter(self, token: str, name: str) -> dict:
        r = await self.get(f"/g/{token}", follow=True)  # the portal's own gallery page
        assert r.status == 200, r.status
        found = re.search(r'name="csrf" (?:value|content)="([^"]+)"', await r.text())
        assert found is not None
        self.csrf = found.group(1)
        r = await self.form("/pin", {"pin": PIN})
        assert r.status == 200
        if 'action="/name"' in await r.text():
            r = await self.form("/name", {"name": name})
            assert r.status == 200
        r = await self.get("/api/gallery")
        assert r.status == 200
        return await r.json()


async def test_a_desktop_link_opens_the_servers_portal_and_client_picks_come_back(
    server, desktops, photos_dir: Path, tmp_path: Path
) -> None:
    pia = await desktops("pia", "pia@lumen.test")
    ana = await desktops("ana", "ana@lumen.test")
    me = await pia.actor()
    s = pia.services
    album = await s.albums.create(me, "Smith Wedding", client="The Smiths")
    await s.imports.run(me, album.id, [shoot(photos_dir, tmp_path / "card")])
    await s.albums.advance(me, album.id)  # Stock
    await s.albums.advance(me, album.id)  # Rate: the client picks
    made = await s.links.create(me, album.id, pin=PIN, guest_name="Carla")
    await pia.client.sync_once()
    assert not (await s.replica.status()).conflicts

    visitor = Visitor(server.url)
    try:
        gallery = await visitor.enter(made.token, "Carla")
        assert gallery["album"] == "Smith Wedding" and len(gallery["photos"]) == 4
        first, second = gallery["photos"][0]["id"], gallery["photos"][1]["id"]
        r = await visitor.api(f"/api/photos/{first}/pick", {"picked": True})
        assert r.status == 200, await r.text()
        r = await visitor.api(f"/api/photos/{second}/comments", {"text": "Less shine, please"})
        assert r.status in (200, 201), await r.text()
        comment = (await r.json())["id"]

        # Pia's open album hears of the pick as the pull lands, and her grid counts it.
        with s.events.subscription(me.tenant_id, album.id) as live:
            await pia.client.sync_once()
            kinds = set()
            while Change.FEEDBACK_PICK not in kinds:
                kinds.add((await asyncio.wait_for(live.get(), 5)).kind)
        for desk in (pia, ana):
            actor = await desk.actor()
            await desk.client.sync_once()
            rows = {str(r.id): r for r in await desk.services.photos.list(actor, album.id)}
            assert rows[first].client_picks == 1 and rows[second].client_picks == 0
            assert rows[second].comments == 1
            picks = await desk.services.links.picks(actor, album.id)
            assert picks.filenames == (rows[first].filename,)
        # Pia answers the comment: the reply goes up as a command, keeps its id, and shows in
        # the client's gallery under the comment and on Ana's desktop in the same thread.
        reply = await s.replies.reply(me, album.id, second, "Done in round 2.")
        await pia.client.sync_once()
        assert not (await s.replica.status()).conflicts
        said = next(p for p in (await (await visitor.get("/api/gallery")).json())["photos"]
                    if p["id"] == second)["comments"]  # fmt: skip
        assert [(c["kind"], c["reply_to"], c["text"], c["by"]) for c in said] == [
            ("comment", None, "Less shine, please", "Carla"),
            ("reply", comment, "Done in round 2.", "Pia"),
        ]
        await ana.client.sync_once()
        detail = await ana.services.photos.detail(await ana.actor(), album.id, second)
        [answer] = [w for w in detail.feedback if w.kind == "reply"]
        assert (answer.id, str(answer.reply_to)) == (reply, comment)
        # Ana's desktop knows the link (it cannot show its address: the token stayed with Pia).
        [seen] = await ana.services.links.list(await ana.actor(), album.id)
        assert seen.id == made.id and seen.active and seen.has_pin and not seen.can_show
        # Unpicking on the portal takes the pick away on the desktops too.
        r = await visitor.api(f"/api/photos/{first}/pick", {"picked": False})
        assert r.status == 200
        await ana.client.sync_once()
        rows = {str(r.id): r for r in await ana.services.photos.list(await ana.actor(), album.id)}
        assert rows[first].client_picks == 0

        # Revoked on Pia's desktop: after the sync the server's portal refuses the link.
        await s.links.revoke(me, made.id)
        await pia.client.sync_once()
        assert not (await s.replica.status()).conflicts
        async with aiohttp.ClientSession() as stranger:
            r = await stranger.get(f"{server.url}/g/{made.token}", allow_redirects=False)
            assert r.status == 404
        deadline = asyncio.get_running_loop().time() + 3
        while (await visitor.get("/api/gallery")).status == 200:
            assert asyncio.get_running_loop().time() < deadline
            await asyncio.sleep(0.05)
        await ana.client.sync_once()
        [seen] = await ana.services.links.list(await ana.actor(), album.id)
        assert not seen.active and seen.revoked_at is not None
    finally:
        await visitor.close()


async def test_link_commands_apply_once_and_a_revoke_of_an_unknown_link_is_explained(
    server, desktops, photos_dir: Path, tmp_path: Path
) -> None:
    pia = await desktops("pia", "pia@lumen.test")
    me = await pia.actor()
    s = pia.services
    album = await s.albums.create(me, "Kim Portraits")
    made = await s.links.create(me, album.id)
    [waiting] = [w for w in await s.replica.waiting() if w.action == "link.create"]
    assert made.token not in str(waiting.args)  # only the token's hash leaves the desktop
    await pia.client.sync_once()

    on_server = server.services.sync
    server_pia = await server.services.users.actor_for("pia@lumen.test")
    again = await on_server.replay(server_pia, waiting.key, waiting.action, waiting.args)
    assert again.outcome == "applied"  # answered as before, applied once
    assert len(await server.services.links.list(server_pia, album.id)) == 1

    stray = await on_server.replay(
        server_pia,
        "0b8f4c1e-5d7a-4e0a-9a51-8d1f0c2b3a40",
        "link.revoke",
        {"link": "5d1c8e1f-0000-4000-8000-000000000000"},
    )
    assert stray.outcome == "refused"
    assert stray.message is not None and "revoke of a client link was not applied" in stray.message


async def test_a_sent_selection_reaches_the_desktop_and_the_desktop_reopens_it(
    server, desktops, photos_dir: Path, tmp_path: Path
) -> None:
    pia = await desktops("pia", "pia@lumen.test")
    me = await pia.actor()
    s = pia.services
    album = await s.albums.create(me, "Lee Family")
    await s.imports.run(me, album.id, [shoot(photos_dir, tmp_path / "card")])
    await s.albums.advance(me, album.id)
    await s.albums.advance(me, album.id)
    made = await s.links.create(me, album.id, pin=PIN)
    await pia.client.sync_once()

    visitor = Visitor(server.url)
    try:
        gallery = await visitor.enter(made.token, "Dana")
        first = gallery["photos"][0]["id"]
        assert (await visitor.api(f"/api/photos/{first}/pick", {"picked": True})).status == 200
        assert (await visitor.api("/api/submit", {})).status == 200
        await pia.client.sync_once()
        rows = {str(r.id): r for r in await s.photos.list(me, album.id)}
        assert rows[first].selected and rows[first].client_picks == 1
        [link] = await s.links.list(me, album.id)
        assert link.sent_by == ("Dana",) and link.submitted_at is not None

        # Sent: the portal keeps the picks as they are until the studio reopens them.
        r = await visitor.api(f"/api/photos/{first}/pick", {"picked": False})
        assert r.status == 409
        reopened = await s.links.unlock(me, made.id)
        assert reopened.guests == ("Dana",)
        await pia.client.sync_once()
        assert not (await s.replica.status()).conflicts
        r = await visitor.api(f"/api/photos/{first}/pick", {"picked": False})
        assert r.status == 200, await r.text()
        await pia.client.sync_once()
        [link] = await s.links.list(me, album.id)
        assert link.sent_by == ()
        rows = {str(r.id): r for r in await s.photos.list(me, album.id)}
        assert rows[first].client_picks == 0
    finally:
        await visitor.close()
