"""The gallery in a real headless Chromium on a phone-sized screen."""

from __future__ import annotations

import asyncio

from playwright.async_api import Browser, expect

from tests.portal.conftest import PHONE, Portal, enter_page

XSS = [
    "<script>window.__xss=1;alert(1)</script>",
    '<img src=x onerror="window.__xss=1;alert(1)">',
    '"><svg onload=alert(1)>',
    "'><iframe src=javascript:alert(1)>",
    "</textarea><script>alert(1)</script>",
    "javascript:alert(1)",
    '<a href="javascript:alert(1)">click</a>',
    "{{constructor.constructor('alert(1)')()}}",
    "${alert(1)}",
    "<style>*{display:none}</style>",
]


async def test_client_picks_comments_and_submits_on_a_phone(portal: Portal, browser: Browser):
    s = portal.services
    album = (await s.albums.show(portal.actor, "Wedding")).id
    desktop = s.events.subscribe(portal.actor.tenant_id, album)
    context = await browser.new_context(**PHONE)
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    # The browser's own confirm() would be an error: the page asks in a dialog of its own.
    page.on("dialog", lambda d: (errors.append(d.message), asyncio.ensure_future(d.dismiss())))
    await enter_page(page, portal.url + await portal.link(pin="8642"), "8642", "Maria")
    photos = page.locator("#grid figure.photo")
    assert await photos.count() == 6
    for i in range(3):
        await photos.nth(i).locator("button.pick").click()
        await expect(photos.nth(i)).to_have_class("photo picked")
    await expect(page.locator("#counter")).to_have_text("3 of 4 picked")
    await photos.nth(1).locator("button.open").click()
    await expect(page.locator("#viewer")).to_be_visible()
    await page.fill("#v-text", "Could you crop this one tighter?")
    await page.click("#v-comment button[type=submit]")
    await expect(page.locator("#v-comments li")).to_have_count(1)
    await page.keyboard.press("Escape")
    await expect(page.locator("#viewer")).to_be_hidden()
    await page.click("#submit")
    await page.click("#confirm-ok")  # the page's own confirmation, not the browser's
    await expect(page.locator("#status")).to_contain_text("Thank you")
    assert not errors
    # The catalog has it ...
    rows = await s.photos.list(portal.actor, "Wedding")
    assert sum(r.selected for r in rows) == 3
    assert sum(r.client_picks for r in rows) == 3 and sum(r.comments for r in rows) == 1
    # ... and the desktop's subscription heard each step live.
    kinds = []
    while not desktop.queue.empty():
        kinds.append(desktop.queue.get_nowait().kind)
    assert kinds.count("feedback.pick") == 3
    assert "feedback.comment" in kinds and kinds[-1] == "selection.submitted"
    desktop.close()
    await context.close()


async def test_live_update_reaches_the_open_page(portal: Portal, browser: Browser):
    context = await browser.new_context(**PHONE)
    page = await context.new_page()
    await enter_page(page, portal.url + await portal.link(), None, "Lea")
    await page.wait_for_timeout(300)  # the socket is open
    await portal.services.photos.select(portal.actor, "Wedding", "IMG_0001.jpg")
    await portal.services.albums.advance(portal.actor, "Wedding")  # Retouch: the page reloads
    await expect(page.locator("#stage")).to_have_text("Being retouched", timeout=5000)
    assert await page.locator("#grid figure.photo").count() == 1
    await context.close()


async def test_xss_corpus_executes_nothing(portal: Portal, browser: Browser):
    context = await browser.new_context(**PHONE)
    page = await context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), asyncio.ensure_future(d.dismiss())))
    name = "<img src=x onerror=alert(1)>\"'"
    await enter_page(page, portal.url + await portal.link(show_filenames=True), None, name)
    await expect(page.locator("#guest")).to_have_text(name)
    pid = await page.locator("#grid figure.photo").first.get_attribute("data-id")
    csrf = await page.locator("#csrf").get_attribute("content")
    for payload in XSS:
        status = await page.evaluate(
            """async ([pid, csrf, text]) => (await fetch(`/api/photos/${pid}/comments`, {
                method: "POST", headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf},
                body: JSON.stringify({text})})).status""",
            [pid, csrf, payload],
        )
        assert status == 201
    await page.reload()
    await expect(page.locator("#grid")).not_to_have_attribute("aria-busy", "true")
    await page.locator("#grid figure.photo").first.locator("button.open").click()
    await expect(page.locator("#v-comments li")).to_have_count(len(XSS))
    shown = await page.locator("#v-comments li span").all_text_contents()
    assert shown == XSS
    await page.wait_for_timeout(300)
    assert dialogs == []
    assert await page.evaluate("window.__xss") is None
    assert (
        await page.locator("#v-comments img, #v-comments script, #v-comments svg, iframe").count()
        == 0
    )
    await context.close()
