"""Serving pictures fast without loosening the checks: shared catalog lookups, ETags."""

from __future__ import annotations

import asyncio
import re

import aiohttp

from app.bootstrap import close_services, context_of, open_services
from portal.state import ACCESS_TTL_S, STATE
from tests.portal.conftest import Portal, Visitor


async def test_a_picture_has_its_own_address_kept_for_good(portal: Portal, visitor: Visitor):
    """The gallery lists each picture by content; the browser may keep it and never ask again.
    The old address by photo id still leads there."""
    g = await visitor.enter(await portal.link())
    photo = g["photos"][0]
    url = photo["pictures"]["grid"]
    assert re.fullmatch(r"/api/pictures/grid/[0-9a-f]{16,128}-[0-9a-z]{5,12}\.jpg", url)
    r = await visitor.get(url)
    assert r.status == 200 and r.headers["Content-Type"] == "image/jpeg"
    assert r.headers["Cache-Control"] == "private, max-age=31536000, immutable"
    assert photo["pictures"]["loupe"] != url
    moved = await visitor.get(f"/api/photos/{photo['id']}/preview?size=grid", allow_redirects=False)
    assert moved.status == 302 and moved.headers["Location"] == url
    assert "immutable" not in moved.headers.get("Cache-Control", "")


async def test_a_stranger_guessing_a_picture_gets_404(portal: Portal, visitor: Visitor):
    """Knowing a picture's address is not enough: a session of a working link that shows it is
    needed, and any other hash or mark is the same 404 as a made-up one."""
    g = await visitor.enter(await portal.link())
    url = g["photos"][0]["pictures"]["grid"]
    assert (await visitor.get(url)).status == 200
    content_hash, mark = url.rsplit("/", 1)[1].removesuffix(".jpg").split("-")
    async with aiohttp.ClientSession() as stranger:
        assert (await stranger.get(portal.url + url)).status == 404
    made_up = "0" * len(content_hash)
    for guess in (
        url.replace(content_hash, made_up),
        url.replace(mark, "plain" if mark != "plain" else "abcdef012345"),
        url.replace("/grid/", "/huge/"),
    ):
        assert (await visitor.get(guess)).status == 404, guess


async def test_a_burst_of_previews_asks_the_catalog_once(portal: Portal, visitor: Visitor):
    g = await visitor.enter(await portal.link())
    urls = [p["pictures"]["grid"] for p in g["photos"]]
    assert (await visitor.get(urls[0])).status == 200
    client = portal.services.client
    asked: list[str] = []

    def counting(name: str):  # type: ignore[no-untyped-def]
        real = getattr(client, name)

        async def call(*args):  # type: ignore[no-untyped-def]
            asked.append(name)
            return await real(*args)

        return call

    portal.handle.app[STATE].forget_album_state()
    client.access = counting("access")  # type: ignore[method-assign]
    client.pictures = counting("pictures")  # type: ignore[method-assign]
    try:  # a gallery page opening right after a change: every picture at once
        answers = await asyncio.gather(*(visitor.get(urls[i % len(urls)]) for i in range(30)))
    finally:
        del client.access, client.pictures
    assert {r.status for r in answers} == {200}
    assert sorted(asked) == ["access", "pictures"]


async def test_previews_carry_an_etag_and_answer_304(portal: Portal, visitor: Visitor):
    g = await visitor.enter(await portal.link())
    url = g["photos"][0]["pictures"]["grid"]
    first = await visitor.get(url)
    etag = first.headers["ETag"]
    assert first.status == 200 and first.headers["Content-Type"] == "image/jpeg"
    again = await visitor.get(url, headers={"If-None-Match": etag})
    assert again.status == 304 and not await again.read()
    assert again.headers["Content-Security-Policy"] and again.headers["ETag"] == etag
    other = g["photos"][1]["pictures"]["grid"]
    r = await visitor.get(other, headers={"If-None-Match": etag})
    assert r.status == 200


async def test_remembered_previews_keep_every_check(portal: Portal, visitor: Visitor):
    """The fast path answers from memory; it still verifies the cookie, keeps the headers and
    refuses a revoked link within a second of the revocation by another process."""
    made = await portal.services.links.create(portal.actor, "Wedding")
    g = await visitor.enter("/g/" + made.token)
    url = g["photos"][0]["pictures"]["grid"]
    for _ in range(3):
        r = await visitor.get(url)
        assert r.status == 200 and "Server" not in r.headers
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.headers["Referrer-Policy"] == "no-referrer"
        assert "script-src 'none'" in r.headers["Content-Security-Policy"]
    cookie = next(c.value for c in visitor.http.cookie_jar if c.key == "pf_session")
    async with aiohttp.ClientSession() as stranger:
        body, sig = cookie.split(".")
        for forged in (f"{body}.{sig[:-2]}AA", f"{body[:-2]}AA.{sig}", "", "x"):
            r = await stranger.get(portal.url + url, headers={"Cookie": f"pf_session={forged}"})
            assert r.status == 404, forged
        r = await stranger.get(portal.url + url, headers={"Cookie": f"pf_session={cookie}"})
        assert r.status == 200
    other = await open_services(context_of(portal.services).home)
    try:  # the command line beside the desktop app: no in-process event reaches the portal
        await other.links.revoke(await other.users.actor_for("admin@x.test"), made.id)
    finally:
        await close_services(other)
    revoked = asyncio.get_running_loop().time()
    while (await visitor.get(url)).status == 200:
        assert asyncio.get_running_loop().time() - revoked < ACCESS_TTL_S + 0.5
        await asyncio.sleep(0.05)
    assert (await visitor.get(url)).status == 404


async def test_a_repeated_picture_is_answered_from_memory_until_its_link_is_revoked(
    portal: Portal, visitor: Visitor
):
    """The second request for a picture asks the catalog nothing; the revocation (here, in the
    desktop app's own process) still refuses the very next request."""
    made = await portal.services.links.create(portal.actor, "Wedding")
    g = await visitor.enter("/g/" + made.token)
    url = g["photos"][0]["pictures"]["grid"]
    first = await visitor.get(url)
    assert first.status == 200
    client = portal.services.client
    asked: list[str] = []

    def counting(name: str):  # type: ignore[no-untyped-def]
        real = getattr(client, name)

        async def call(*args):  # type: ignore[no-untyped-def]
            asked.append(name)
            return await real(*args)

        return call

    client.access = counting("access")  # type: ignore[method-assign]
    client.pictures = counting("pictures")  # type: ignore[method-assign]
    try:
        again = await visitor.get(url)
        assert again.status == 200 and await again.read() == await first.read()
        assert asked == []
        await portal.services.links.revoke(portal.actor, made.id)
        assert (await visitor.get(url)).status == 404
    finally:
        del client.access, client.pictures


async def test_pages_get_a_fresh_nonce_and_pictures_none(portal: Portal, visitor: Visitor):
    await visitor.enter(await portal.link())
    nonces = []
    for _ in range(2):
        r = await visitor.get("/gallery")
        page = await r.text()
        nonce = re.search(r"script-src 'nonce-([^']+)'", r.headers["Content-Security-Policy"])
        assert nonce and f'nonce="{nonce.group(1)}"' in page
        nonces.append(nonce.group(1))
    assert nonces[0] != nonces[1]


async def test_every_route_is_guarded_and_unknown_paths_answer_as_before(
    portal: Portal, visitor: Visitor
):
    """No application middleware runs (it costs picture throughput): each route is wrapped in
    the error and CSRF guard instead, the catch-all included."""
    assert not portal.handle.app.middlewares
    for route in portal.handle.app.router.routes():
        assert getattr(route.handler, "__wrapped__", None) is not None, route
    await visitor.enter(await portal.link())
    r = await visitor.http.put(f"{visitor.base}/gallery", headers={"Origin": visitor.base})
    assert r.status == 405 and "GET" in r.headers["Allow"]
    r = await visitor.get("/api/nothing")
    assert r.status == 404 and (await r.json())["error"]
    r = await visitor.get("/api/photos/%C3%B7%0A%20/comments")  # a newline in the path
    assert r.status == 404 and (await r.json())["error"]
    r = await visitor.http.post(f"{visitor.base}/nowhere")  # no Origin: refused before routing
    assert r.status == 403
