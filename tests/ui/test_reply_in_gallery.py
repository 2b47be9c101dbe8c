"""The studio answers a client's comment from the inspector; the client's open gallery (a real
headless Chromium) shows the answer under the comment at once, as a thread, with the staff
member's name."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

from portal.live import HUB
from portal.server import start_portal
from tests.portal.conftest import ARGS, CHROMIUM, PHONE
from tests.ui.conftest import Desk, until
from tests.ui.test_client_live import album_in_rate, open_window

REPLY = "Yes, we can crop it tighter. Round 2 comes on Friday."


def client_sees_the_reply(url: str, commented: threading.Event) -> str:
    """In a thread of its own (the desktop's loop is Qt's): the client's gallery, open on the
    commented photo, until the studio's reply shows under the comment."""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_context(**PHONE).new_page()
            page.goto(url)
            page.fill("#name", "Mia")
            page.click("button[type=submit]")
            expect(page.locator("#grid")).not_to_have_attribute("aria-busy", "true")
            page.locator("#grid figure.photo").first.locator("button.open").click()
            expect(page.locator("#v-comments li.comment")).to_have_count(1)
            commented.set()
            reply = page.locator("#v-comments li.comment ul.thread li.reply")
            expect(reply).to_have_count(1, timeout=15_000)
            return reply.inner_text()
        finally:
            browser.close()


def test_a_reply_from_the_inspector_shows_in_the_open_gallery(
    desk: Desk, qtbot, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    s, me = desk.services, desk.admin
    album = desk.run(album_in_rate(desk, tmp_path, n=2))
    window = open_window(desk, qtbot)
    pool = ThreadPoolExecutor(1)

    async def scenario() -> None:
        handle = await start_portal(s, "127.0.0.1", 0)
        try:
            published = await s.links.create(me, album.id)
            first = (await s.photos.list(me, album.id))[0]
            mia = (await s.client.open(published.token)).guest("Mia")
            await s.client.comment(mia, first.id, "Could you crop this one tighter?")
            commented = threading.Event()
            url = handle.url + f"/g/{published.token}"
            seen = asyncio.wrap_future(pool.submit(client_sees_the_reply, url, commented))
            await until(commented.is_set, 30, "the gallery to show the comment")
            await until(lambda: handle.app[HUB].connections, what="the gallery's live socket")

            window.open_album(album)
            grid, inspector = window.grid, window.inspector
            await until(lambda: grid.model.rowCount() == 2, what="the grid to fill")
            grid.view.setCurrentIndex(grid.model.index(0))
            await until(inspector.reply_text.isVisible, what="the reply box")
            assert inspector.reply_text.placeholderText() == "Reply to Mia…"
            assert "Could you crop this one tighter?" in inspector.said.text()
            inspector.reply_text.setText(REPLY)
            inspector.reply_button.click()

            shown = await asyncio.wait_for(seen, 30)
            assert shown == f"Ada (studio): {REPLY}"
            # The desktop's own thread shows it too, under the comment.
            await until(lambda: "↳ Ada (studio): " + REPLY in inspector.said.text())
            assert inspector.reply_text.text() == ""
            await window.studio.jobs.idle()
        finally:
            await handle.stop()

    try:
        desk.run(scenario())
    finally:
        pool.shutdown(wait=True)
        window.close()
