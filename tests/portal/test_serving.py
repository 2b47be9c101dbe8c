"""Serving pictures fast without loosening the checks: shared catalog lookups, ETags."""

from __future__ import annotations

import asyncio

import pytest

from portal.state import STATE, Recent
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
