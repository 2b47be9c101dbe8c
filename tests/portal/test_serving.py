"""Serving pictures fast without loosening the checks: shared catalog lookups, ETags."""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from types import SimpleNamespace

import aiohttp
import pytest

from app.bootstrap import close_services, context_of, open_services
from portal.security import SESSION_MAX_AGE_S, Sessions
from portal.state import ACCESS_TTL_S, STATE, PortalState, Recent
from tests.portal.conftest import Portal, Visitor


async def test_concurrent_misses_share_one_lookup():
    calls = 0
    release = asyncio.Event()

    async def lookup() -> str:
        nonlocal calls
        calls += 1
        await release.wait()
        return "answer"

    recent: Recent[str, str] = Recent(ttl_s=60, max_size=10)
    waiting = [asyncio.ensure_future(recent.get("k", lookup)) for _ in range(50)]
    await asyncio.sleep(0)
    release.set()
    assert await asyncio.gather(*waiting) == ["answer"] * 50
    assert calls == 1
    assert await recent.get("k", lookup) == "answer" and calls == 1


async def test_an_answer_forgotten_while_looked_up_is_not_kept():
    release = asyncio.Event()

    async def lookup() -> str:
        await release.wait()
        return "before the revocation"

    recent: Recent[str, str] = Recent(ttl_s=60, max_size=10)
    pending = asyncio.ensure_future(recent.get("k", lookup))
    await asyncio.sleep(0)
    recent.forget(lambda key: key == "k")
    release.set()
    await pending

    async def fresh() -> str:
        return "after"

    assert await recent.get("k", fresh) == "after"


async def test_a_failed_lookup_reaches_every_waiter_and_is_not_kept():
    async def gone() -> str:
        await asyncio.sleep(0)
        raise LookupError("gone")

    recent: Recent[str, str] = Recent(ttl_s=60, max_size=10)
    results = await asyncio.gather(
        *(recent.get("k", gone) for _ in range(5)), return_exceptions=True
    )
    assert all(isinstance(r, LookupError) for r in results)
    with pytest.raises(LookupError):
        await recent.get("k", gone)


async def test_a_burst_of_previews_asks_the_catalog_once(portal: Portal, visitor: Visitor):
    g = await visitor.enter(await portal.link())
    url = f"/api/photos/{g['photos'][0]['id']}/preview?size=grid"
    assert (await visitor.get(url)).status == 200
    client = portal.services.client
    asked = 0
    real = client.access

    async def counting(link_id):  # type: ignore[no-untyped-def]
        nonlocal asked
        asked += 1
        return await real(link_id)

    portal.handle.app[STATE].forget_album_state()
    client.access = counting  # type: ignore[method-assign]
    try:
        answers = await asyncio.gather(*(visitor.get(url) for _ in range(30)))
    finally:
        del client.access
    assert {r.status for r in answers} == {200}
    assert asked == 1


async def test_previews_carry_an_etag_and_answer_304(portal: Portal, visitor: Visitor):
    g = await visitor.enter(await portal.link())
    url = f"/api/photos/{g['photos'][0]['id']}/preview?size=grid"
    first = await visitor.get(url)
    etag = first.headers["ETag"]
    assert first.status == 200 and first.headers["Content-Type"] == "image/jpeg"
    again = await visitor.get(url, headers={"If-None-Match": etag})
    assert again.status == 304 and not await again.read()
    assert again.headers["Content-Security-Policy"] and again.headers["ETag"] == etag
    other = g["photos"][1]["id"]
    r = await visitor.get(f"/api/photos/{other}/preview?size=grid", headers={"If-None-Match": etag})
    assert r.status == 200


async def test_remembered_previews_keep_every_check(portal: Portal, visitor: Visitor):
    """The fast path answers from memory; it still verifies the cookie, keeps the headers and
    refuses a revoked link within a second of the revocation by another process."""
    made = await portal.services.links.create(portal.actor, "Wedding")
    g = await visitor.enter("/g/" + made.token)
    url = f"/api/photos/{g['photos'][0]['id']}/preview?size=grid"
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
    url = f"/api/photos/{g['photos'][0]['id']}/preview?size=grid"
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
    client.preview_source = counting("preview_source")  # type: ignore[method-assign]
    try:
        again = await visitor.get(url)
        assert again.status == 200 and await again.read() == await first.read()
        assert asked == []
        await portal.services.links.revoke(portal.actor, made.id)
        assert (await visitor.get(url)).status == 404
    finally:
        del client.access, client.preview_source


async def test_an_answer_is_kept_no_longer_than_what_it_was_built_from():
    link = uuid.uuid4()

    async def access(link_id: uuid.UUID) -> SimpleNamespace:
        return SimpleNamespace(link_id=link_id)  # a new answer each time the catalog is asked

    async def preview_source(guest: object, photo_id: str, variant: str) -> object:
        return object()

    services = SimpleNamespace(client=SimpleNamespace(access=access, preview_source=preview_source))
    state = PortalState(services, Sessions(b"k" * 32))  # type: ignore[arg-type]
    session = state.sessions.new(link, pin_ok=True, name="Ann")
    asked = ("pf_session=x", "/api/photos/p/preview?size=grid")
    where = (link, "p", "current")
    picture = object()

    async def checks() -> tuple[object, object]:
        return await state.access(link), await state.preview_source(
            SimpleNamespace(link_id=link),  # type: ignore[arg-type]
            "p",
            "current",
        )

    got_access, got_source = await checks()
    state.remember_picture(asked, picture, session, got_access, where, got_source)  # type: ignore[arg-type]
    assert state.recent_picture(asked) is picture

    state.forget_link(link)  # revoked while the answer is remembered
    assert state.recent_picture(asked) is None
    # built from checks made before the revocation, finished after it: not remembered
    state.remember_picture(asked, picture, session, got_access, where, got_source)  # type: ignore[arg-type]
    assert state.recent_picture(asked) is None
    # ... even once the link has been asked about again (a different answer now)
    await checks()
    state.remember_picture(asked, picture, session, got_access, where, got_source)  # type: ignore[arg-type]
    assert state.recent_picture(asked) is None

    got_access, got_source = await checks()
    old = state.sessions.new(link, pin_ok=True, name="Ann")
    old = type(old)(link, old.sid, True, "Ann", int(time.time()) - SESSION_MAX_AGE_S - 1)
    state.remember_picture(asked, picture, old, got_access, where, got_source)  # type: ignore[arg-type]
    assert state.recent_picture(asked) is None  # a session past its age is not answered


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
