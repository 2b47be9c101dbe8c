"""A link that expires stops working at that moment: its open galleries are closed and its
pictures refused, without waiting for anyone to look."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import aiohttp
from sqlalchemy import update

from app.bootstrap import context_of
from core.catalog import ShareLink
from core.catalog.base import utcnow
from tests.portal.conftest import Portal, Visitor


async def test_an_expiring_link_closes_its_gallery_within_a_second_of_expiry(
    portal: Portal, visitor: Visitor
):
    s = portal.services
    made = await s.links.create(portal.actor, portal.album, expires_days=14, guest_name="Ann")
    expires = utcnow() + timedelta(seconds=2)
    async with context_of(s).db.session() as session, session.begin():  # a link about to lapse
        await session.execute(
            update(ShareLink).where(ShareLink.id == made.id).values(expires_at=expires)
        )
    gallery = await visitor.enter("/g/" + made.token)
    picture = gallery["photos"][0]["pictures"]["grid"]
    assert (await visitor.get(picture)).status == 200
    ws = await visitor.http.ws_connect(
        portal.url.replace("http", "ws") + "/api/live", origin=portal.url
    )
    try:
        assert (await ws.receive_json(timeout=5))["type"] == "hello"
        notices = []
        message = await ws.receive(timeout=5)
        while message.type == aiohttp.WSMsgType.TEXT:
            notices.append(message.json())
            message = await ws.receive(timeout=5)
        late = (utcnow() - expires).total_seconds()
        assert {"type": "closed", "reason": "expired"} in notices
        assert message.data == aiohttp.WSCloseCode.POLICY_VIOLATION
        assert -0.2 < late < 1.0, late
        started = time.monotonic()
        while (await visitor.get(picture)).status != 404:
            assert time.monotonic() - started < 1.0, "an expired link's picture is still served"
            await asyncio.sleep(0.05)
    finally:
        await ws.close()
