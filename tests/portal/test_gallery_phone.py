"""The gallery as Pixieset and Pic-Time clients expect it, in a real headless Chromium on a phone:
a sent selection that stays sent, a favourites view, words meant for clients, whole photos, and a
viewer that swipes."""

from __future__ import annotations

import asyncio

from playwright.async_api import Browser, Page, expect

from tests.images import make_jpeg
from tests.portal.conftest import PHONE, Portal, enter_page

INTERNAL = ("Raw", "Stock", "Rate", "Retouch", "Feedback", "Final")


def _no_browser_dialogs(page: Page) -> list[str]:
    seen: list[str] = []
    page.on("dialog", lambda d: (seen.append(d.message), asyncio.ensure_future(d.dismiss())))
    page.on("pageerror", lambda e: seen.append(str(e)))
    return seen


async def _pick(page: Page, i: int) -> None:
    photo = page.locator("#grid figure.photo").nth(i)
    await photo.locator("button.pick").click()
    await expect(photo).to_have_class("photo picked")


async def test_a_sent_selection_is_locked_and_a_late_pick_answers_409(
    portal: Portal, browser: Browser
):
    context = await browser.new_context(**PHONE)
    page = await context.new_page()
    problems = _no_browser_dialogs(page)
    await enter_page(page, portal.url + await portal.link(), None, "Maria")
    # A second tab of the same client, opened before sending and deaf to live updates: it still
    # shows the hearts when the first tab sends.
    late = await context.new_page()
    await late.route_web_socket("**/api/live", lambda ws: None)
    await late.goto(portal.url + "/gallery")
    await expect(late.locator("#grid")).not_to_have_attribute("aria-busy", "true")

    await _pick(page, 0)
    await _pick(page, 2)
    await page.click("#submit")
    confirm = page.locator("#confirm-send")
    await expect(confirm).to_be_visible()
    await expect(page.locator("#confirm-text")).to_have_text("Send your 2 favourites to Studio?")
    await page.click("#confirm-ok")

    await expect(page.locator("#note")).to_contain_text("You sent your selection of 2 photos on")
    await expect(page.locator("#stage")).to_have_text("Selection sent")
    await expect(page.locator("#sent")).to_be_visible()
    await expect(page.locator("#submit")).to_be_hidden()
    # Nothing left on the page would change the sent selection.
    assert await page.locator("#grid button.pick:visible").count() == 0
    await page.locator("#grid figure.photo").nth(1).locator("button.open").click()
    await expect(page.locator("#v-pick")).to_be_hidden()
    await page.keyboard.press("p")
    await page.keyboard.press("Escape")

    # A pick that still gets through answers a plain 409 ...
    pid = await page.locator("#grid figure.photo").nth(1).get_attribute("data-id")
    csrf = await page.locator("#csrf").get_attribute("content")
    answer = await page.evaluate(
        """async ([pid, csrf]) => { const r = await fetch(`/api/photos/${pid}/pick`, {
            method: "POST", headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf},
            body: JSON.stringify({picked: true})}); return [r.status, await r.json()]; }""",
        [pid, csrf],
    )
    assert answer[0] == 409 and "already sent" in answer[1]["error"]
    # ... and the tab that was behind says why, and catches up.
    behind = late.locator("#grid figure.photo").nth(1)
    await behind.locator("button.pick").click()
    await expect(late.locator("#status")).to_contain_text("already sent")
    await expect(late.locator("#note")).to_contain_text("You sent your selection of 2 photos on")
    await expect(behind).to_have_class("photo")
    assert await late.locator("#grid button.pick:visible").count() == 0

    rows = await portal.services.photos.list(portal.actor, "Wedding")
    assert sorted(r.filename for r in rows if r.selected) == ["IMG_0001.jpg", "IMG_0003.jpg"]
    assert problems == []

    # The studio reopens it: the open page offers the hearts again, by itself.
    link = (await portal.services.links.list(portal.actor, "Wedding"))[0]
    await portal.services.links.unlock(portal.actor, link.id)
    await expect(page.locator("#stage")).to_have_text("Choosing", timeout=5000)
    await expect(page.locator("#submit")).to_be_visible()
    await _pick(page, 1)
    await context.close()


async def test_favourites_view_shows_only_my_picks(portal: Portal, browser: Browser):
    context = await browser.new_context(**PHONE)
    page = await context.new_page()
    await enter_page(page, portal.url + await portal.link(), None, "Lea")
    photos = page.locator("#grid figure.photo")
    await page.click("#show-favourites")
    await expect(page.locator("#no-favourites")).to_be_visible()
    await expect(photos.first).to_be_hidden()
    await page.click("#show-all")
    await _pick(page, 1)
    await _pick(page, 4)
    await expect(page.locator("#count-favourites")).to_have_text("2")

    await page.click("#show-favourites")
    await expect(page.locator("#grid figure.photo:visible")).to_have_count(2)
    shown = await page.locator("#grid figure.photo:visible").evaluate_all(
        "figs => figs.map(f => f.dataset.id)"
    )
    picked = [await photos.nth(i).get_attribute("data-id") for i in (1, 4)]
    assert shown == picked
    # The viewer walks the favourites only.
    await page.locator("#grid figure.photo:visible").first.locator("button.open").click()
    await expect(page.locator("#v-position")).to_have_text("1 / 2")
    await page.click("#v-next")
    await expect(page.locator("#v-position")).to_have_text("2 / 2")
    await page.keyboard.press("Escape")
    # It survives a reload, and "All" brings every photo back.
    await page.reload()
    await expect(page.locator("#grid figure.photo:visible")).to_have_count(2)
    await page.click("#show-all")
    await expect(page.locator("#grid figure.photo:visible")).to_have_count(6)
    await context.close()


async def test_the_client_reads_client_words_for_every_stage(portal: Portal, browser: Browser):
    s, me = portal.services, portal.actor
    context = await browser.new_context(**PHONE)
    page = await context.new_page()
    await enter_page(page, portal.url + await portal.link(allow_download=True), None, "Ann")

    async def says(label: str, note: str) -> None:
        await expect(page.locator("#stage")).to_have_text(label, timeout=5000)
        await expect(page.locator("#note")).to_contain_text(note)
        words = (await page.locator("nav.bar, #note").all_inner_texts()) + [await page.title()]
        for internal in INTERNAL:
            assert not any(f" {internal} " in f" {w} " for w in words), (internal, words)

    await says("Choosing", "pick your favourites")
    for name in ("IMG_0001.jpg", "IMG_0002.jpg"):
        await s.photos.select(me, "Wedding", name)
    await s.albums.advance(me, "Wedding")  # Retouch: the page reloads by itself
    await says("Being retouched", "Picking is closed")
    await expect(page.locator("#submit")).to_be_hidden()
    retouched = [
        make_jpeg(portal.shoot / "r" / f"IMG_000{i}_retouched.jpg", colour=100 + i) for i in (1, 2)
    ]
    assert not (await s.imports.run(me, "Wedding", retouched, "retouched")).failed
    await s.albums.advance(me, "Wedding")  # Feedback
    await says("Reviewing retouches", "approve it or ask for changes")
    for photo in await s.photos.list(me, "Wedding"):
        if photo.selected:
            await s.photos.decide(me, "Wedding", photo.filename, True)
    await s.albums.advance(me, "Wedding")  # Final: the desktop makes the finals
    await s.delivery.deliver(me, (await s.albums.show(me, "Wedding")).id)
    await says("Delivered", "Your photos are ready. Open a photo to download it.")
    await page.locator("#grid figure.photo").first.locator("button.open").click()
    async with page.expect_download() as got:
        await page.click("#v-download")
    assert (await got.value).suggested_filename.endswith(".jpg")
    await context.close()


async def test_a_swipe_moves_to_the_next_photo_and_buttons_stay_on_one_line(
    portal: Portal, browser: Browser
):
    context = await browser.new_context(**PHONE)
    page = await context.new_page()
    await enter_page(page, portal.url + await portal.link(), None, "Ann")
    ids = await page.locator("#grid figure.photo").evaluate_all(
        "figs => figs.map(f => f.dataset.id)"
    )
    await page.locator("#grid figure.photo").first.locator("button.open").click()
    await expect(page.locator("#v-position")).to_have_text("1 / 6")
    tops = await page.locator("#v-nav > *:visible").evaluate_all(
        "els => els.map(e => Math.round(e.getBoundingClientRect().top))"
    )
    assert len(tops) == 4 and len(set(tops)) == 1, tops  # prev, pick, stars, next: one row
    width = await page.locator("#v-nav").evaluate("e => e.scrollWidth")
    assert width <= PHONE["viewport"]["width"]

    cdp = await context.new_cdp_session(page)

    async def swipe(x0: int, x1: int, y: int = 400) -> None:
        await cdp.send(
            "Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x0, "y": y}]}
        )
        for k in range(1, 6):
            x = x0 + (x1 - x0) * k // 5
            await cdp.send(
                "Input.dispatchTouchEvent",
                {"type": "touchMove", "touchPoints": [{"x": x, "y": y + k}]},
            )
        await cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})

    after = page.locator("#v-after img")
    await swipe(320, 60)  # to the left: the next photo
    await expect(page.locator("#v-position")).to_have_text("2 / 6")
    gallery = await (await context.request.get(portal.url + "/api/gallery")).json()
    loupe = {p["id"]: p["pictures"]["loupe"] for p in gallery["photos"]}
    await expect(after).to_have_attribute("src", loupe[ids[1]])
    await page.wait_for_function("() => document.querySelector('#v-after img').naturalWidth > 0")
    await swipe(320, 60)
    await expect(page.locator("#v-position")).to_have_text("3 / 6")
    await swipe(60, 320)  # to the right: back one
    await expect(page.locator("#v-position")).to_have_text("2 / 6")
    await swipe(200, 190)  # a tap-sized wiggle moves nothing
    await expect(page.locator("#v-position")).to_have_text("2 / 6")
    await context.close()


async def test_tiles_show_whole_photos_not_square_crops(portal: Portal, browser: Browser):
    context = await browser.new_context(**PHONE)
    page = await context.new_page()
    await enter_page(page, portal.url + await portal.link(), None, "Ann")
    photos = page.locator("#grid figure.photo img")
    await page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    await page.wait_for_function(
        "() => [...document.querySelectorAll('#grid img')].every(i => i.complete && i.naturalWidth)"
    )
    shapes = await photos.evaluate_all(
        """imgs => imgs.map(i => { const b = i.getBoundingClientRect();
            return [b.width / b.height, i.naturalWidth / i.naturalHeight]; })"""
    )
    for box, natural in shapes:
        assert abs(box - natural) < 0.03, shapes  # each tile has its photo's own shape (4:3)
        assert abs(box - 1) > 0.2
    await context.close()
