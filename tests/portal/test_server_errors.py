"""A fault of the portal's own is a bare 500, never dressed up as the client's bad request: the
client sees a plain sentence, the studio's log gets the trace, and the count grows for /metrics."""

from __future__ import annotations

import json
import logging
import sqlite3

import pytest

from portal.middlewares import SERVER_ERROR_TEXT, SERVER_ERRORS
from tests.portal.conftest import Portal, Visitor


def _lose_a_table(portal: Portal) -> None:
    """What a damaged catalog looks like to the portal: a table it reads is gone."""
    catalog = portal.shoot.parent / "home" / "catalog.sqlite"
    with sqlite3.connect(catalog) as db:
        db.execute("ALTER TABLE feedback RENAME TO feedback_lost")


async def test_a_fault_of_ours_is_a_plain_500_logged_with_its_trace_and_counted(
    portal: Portal, visitor: Visitor, caplog: pytest.LogCaptureFixture
):
    g = await visitor.enter(await portal.link())
    pid = g["photos"][0]["id"]
    errors = portal.handle.app[SERVER_ERRORS]
    assert errors.total == 0
    _lose_a_table(portal)

    with caplog.at_level(logging.ERROR, logger="portal"):
        api = await visitor.get("/api/gallery")
        api_body = await api.text()
        page = await visitor.get("/gallery")
        page_body = await page.text()
        pick = await visitor.api(f"/api/photos/{pid}/pick", {"picked": True})

    assert api.status == 500 and json.loads(api_body) == {"error": SERVER_ERROR_TEXT}
    assert page.status == 500 and SERVER_ERROR_TEXT in page_body
    assert pick.status == 500
    for body in (api_body, page_body, await pick.text()):
        assert "Traceback" not in body and "feedback" not in body and "sqlite" not in body.lower()
    assert "Traceback (most recent call last)" in caplog.text
    assert "no such table: feedback" in caplog.text
    assert errors.total == 3
    assert errors.by_route["/api/gallery"] == 1 and errors.by_route["/gallery"] == 1


async def test_bad_input_stays_a_4xx_and_is_not_counted(portal: Portal, visitor: Visitor):
    g = await visitor.enter(await portal.link())
    pid = g["photos"][0]["id"]
    assert (await visitor.api(f"/api/photos/{pid}/stars", {"stars": 9})).status == 400
    assert (await visitor.api("/api/submit", [1])).status == 400
    assert (await visitor.get(f"/api/photos/{pid}/preview?size=huge")).status == 400
    assert (
        await visitor.get("/api/photos/00000000-0000-0000-0000-000000000000/pick")
    ).status == 405
    assert (await visitor.get("/nothing/here")).status == 404
    assert portal.handle.app[SERVER_ERRORS].total == 0
