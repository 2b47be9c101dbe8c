"""The client's rules live in core: limits, stages, audit as the guest, live events to the desktop."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys

import pytest

from core.errors import Invalid
from core.events import Event
from tests.images import make_jpeg
from tests.portal.conftest import Portal, Visitor
from tests.portal.watermarks import assert_watermarked


async def _drain(sub, kinds: set[str], timeout: float = 5.0) -> list[Event]:  # type: ignore[no-untyped-def]
    got: list[Event] = []
    while kinds - {e.kind for e in got}:
        got.append(await asyncio.wait_for(sub.get(), timeout))
    return got


async def test_picks_within_limit_submit_selects_and_desktop_hears_it(
    portal: Portal, visitor: Visitor
):
    s = portal.services
    album = (await s.albums.show(portal.actor, "Wedding")).id
    desktop = s.events.subscribe(portal.actor.tenant_id, album)
    g = await visitor.enter(await portal.link(max_select=2), name="Carla")
    ids = [p["id"] for p in g["photos"]]
    assert (await visitor.api(f"/api/photos/{ids[0]}/pick", {"picked": True})).status == 200
    assert (await visitor.api(f"/api/photos/{ids[1]}/pick", {"picked": True})).status == 200
    r = await visitor.api(f"/api/photos/{ids[2]}/pick", {"picked": True})
    assert r.status == 400 and "at most 2" in (await r.json())["error"]
    assert (await visitor.api(f"/api/photos/{ids[1]}/pick", {"picked": False})).status == 200
    assert (await visitor.api(f"/api/photos/{ids[2]}/pick", {"picked": True})).status == 200
    assert (await visitor.api(f"/api/photos/{ids[2]}/stars", {"stars": 4})).status == 200
    r = await visitor.api(f"/api/photos/{ids[2]}/comments", {"text": "Brighter, please"})
    assert r.status == 201
    assert (await visitor.api("/api/submit")).status == 200
    events = await _drain(
        desktop, {"feedback.pick", "feedback.stars", "feedback.comment", "selection.submitted"}
    )
    pick = next(e for e in events if e.kind == "feedback.pick")
    assert pick.album_id == album and pick.data["guest"] == "Carla"
    rows = {str(r.id): r for r in await s.photos.list(portal.actor, "Wedding")}
    assert {i for i, r in rows.items() if r.selected} == {ids[0], ids[2]}
    assert rows[ids[2]].comments == 1 and rows[ids[2]].client_picks == 1
    audit = await s.audit.events(portal.actor, album="Wedding", limit=100)
    mine = [e for e in audit if e.action.startswith("client.")]
    assert {e.action for e in mine} >= {
        "client.pick",
        "client.unpick",
        "client.rate",
        "client.comment",
        "client.submit",
    }
    assert all("guest 'Carla' via link" in e.actor for e in mine)
    refused = [e for e in mine if e.outcome != "ok"]
    assert len(refused) == 1 and refused[0].action == "client.pick"
    picks = await s.links.picks(portal.actor, "Wedding")
    names = sorted(rows[i].filename for i in (ids[0], ids[2]))
    assert list(picks.filenames) == names
    assert picks.lightroom == " OR ".join(n.rsplit(".", 1)[0] for n in names)
    desktop.close()


async def test_photographer_changes_reach_open_galleries(portal: Portal, visitor: Visitor):
    await visitor.enter(await portal.link())
    ws = await visitor.http.ws_connect(
        portal.url.replace("http", "ws") + "/api/live", origin=portal.url
    )
    assert (await ws.receive_json(timeout=5))["type"] == "hello"
    await portal.services.photos.rate(portal.actor, "Wedding", "IMG_0001.jpg", 5)
    assert (await ws.receive_json(timeout=5))["type"] == "photo.marks"
    await portal.services.photos.select(portal.actor, "Wedding", "IMG_0001.jpg")
    await portal.services.albums.advance(portal.actor, "Wedding")  # Retouch
    kinds = []
    while "album.stage" not in kinds:
        msg = await ws.receive_json(timeout=5)
        kinds.append(msg["type"])
        assert set(msg) <= {"type", "photo_id", "stage"}  # notices only, nothing private
    await ws.close()


async def test_feedback_stage_approve_and_request_changes(portal: Portal, visitor: Visitor):
    s, me = portal.services, portal.actor
    for name in ("IMG_0001.jpg", "IMG_0002.jpg"):
        await s.photos.select(me, "Wedding", name)
    await s.albums.advance(me, "Wedding")  # Retouch
    retouched = [
        make_jpeg(portal.shoot / "r" / f"IMG_000{i}_retouched.jpg", colour=100 + i) for i in (1, 2)
    ]
    report = await s.imports.run(me, "Wedding", retouched, "retouched")
    assert not report.failed
    await s.albums.advance(me, "Wedding")  # Feedback
    g = await visitor.enter(await portal.link())
    assert g["can_decide"] and not g["can_pick"] and len(g["photos"]) == 2
    a, b = (p["id"] for p in g["photos"])
    shown = g["photos"][0]["pictures"]
    for variant in ("original", "retouched"):
        r = await visitor.get(f"/api/photos/{a}/preview?size=loupe&variant={variant}")
        assert r.status == 200 and str(r.url).endswith(shown[variant])
    assert shown["original"] != shown["retouched"] and shown["loupe"] == shown["retouched"]
    assert (await visitor.api(f"/api/photos/{a}/pick", {"picked": True})).status == 400
    assert (await visitor.api(f"/api/photos/{a}/decision", {"approve": True})).status == 200
    r = await visitor.api(f"/api/photos/{b}/decision", {"approve": False, "note": "Less grain"})
    assert r.status == 200
    summary = await s.albums.show(me, "Wedding")
    codes = {ref.code for ref in summary.blocking}
    assert any("change" in c for c in codes), codes


async def test_watermarked_previews_carry_the_text_and_are_cached(portal: Portal, visitor: Visitor):
    await portal.services.settings.update(portal.actor, watermark_text="LUMEN PROOF")
    plain = portal.client()
    try:
        g = await plain.enter(await portal.link(watermark=False))
        pid = g["photos"][0]["id"]
        clean = await (await plain.get(f"/api/photos/{pid}/preview?size=loupe")).read()
    finally:
        await plain.close()
    plain_url = g["photos"][0]["pictures"]["loupe"]
    g = await visitor.enter(await portal.link(watermark=True))
    marked_url = next(p for p in g["photos"] if p["id"] == pid)["pictures"]["loupe"]
    assert marked_url != plain_url  # a browser that kept the clean one cannot show it here
    assert (await visitor.get(plain_url)).status == 404  # nor may this guest ask for it
    marked = await (await visitor.get(marked_url)).read()
    assert_watermarked(clean, marked)
    cached = list((portal.services.paths.previews / "wm").rglob("*.jpg"))
    assert len(cached) == 1
    again = await (await visitor.get(f"/api/photos/{pid}/preview?size=loupe")).read()
    assert again == marked

    # The studio changes its text: new addresses, so no browser keeps showing the old one.
    await portal.services.settings.update(portal.actor, watermark_text="LUMEN 2027")
    g = await (await visitor.get("/api/gallery")).json()
    renamed_url = next(p for p in g["photos"] if p["id"] == pid)["pictures"]["loupe"]
    assert renamed_url not in (marked_url, plain_url)
    assert (await visitor.get(marked_url)).status == 404
    renamed = await (await visitor.get(renamed_url)).read()
    assert_watermarked(clean, renamed)
    assert renamed != marked


async def test_picks_only_in_rate(portal: Portal):
    s, me = portal.services, portal.actor
    await s.albums.create(me, "Early")
    await s.imports.run(me, "Early", [make_jpeg(portal.shoot / "e" / "A_1.jpg", colour=9)])
    made = await s.links.create(me, "Early")
    access = await s.client.open(made.token)
    guest = access.guest("Dora")
    photo = (await s.client.gallery(guest)).photos[0]
    with pytest.raises(Invalid):
        await s.client.pick(guest, photo.id)
    with pytest.raises(Invalid):
        await s.client.decide(guest, photo.id, True)


def test_cli_links_and_picks(tmp_path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    home = tmp_path / "home"
    shots = [make_jpeg(tmp_path / f"IMG_{i}.jpg", colour=i) for i in range(1, 4)]

    def cli(*args: str) -> str:
        out = subprocess.run(
            [sys.executable, "-m", "app.main", "--home", str(home), *args],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert out.returncode == 0, out.stderr
        return out.stdout

    cli("init", "--studio", "S", "--admin", "a@x.test")
    cli("album", "create", "Shoot")
    cli("import", "Shoot", *map(str, shots), "--no-progress")
    made = json.loads(
        cli(
            "link",
            "create",
            "Shoot",
            "--pin",
            "1234",
            "--expires",
            "3",
            "--max-select",
            "2",
            "--json",
        )
    )
    assert set(made) == {"url", "id", "expires_at", "warning"} and "/g/" in made["url"]
    assert len(made["url"].rsplit("/", 1)[1]) >= 43
    listed = json.loads(cli("link", "list", "Shoot", "--json"))
    assert listed[0]["id"] == made["id"] and listed[0]["has_pin"] and listed[0]["active"]
    assert "revoked" in cli("link", "revoke", made["id"][:8])
    assert json.loads(cli("link", "list", "Shoot", "--json"))[0]["active"] is False
    assert cli("album", "picks", "Shoot", "--lightroom").strip() == ""


async def test_a_photo_the_studio_rejects_leaves_the_clients_gallery(
    portal: Portal, visitor: Visitor
):
    s, me = portal.services, portal.actor
    g = await visitor.enter(await portal.link())
    by_name = {p["id"]: p for p in g["photos"]}
    rows = {r.filename: str(r.id) for r in await s.photos.list(me, "Wedding")}
    blurry = rows["IMG_0001.jpg"]
    assert blurry in by_name
    preview = f"/api/photos/{blurry}/preview?size=grid"
    picture = by_name[blurry]["pictures"]["grid"]
    assert (await visitor.get(preview)).status == 200
    assert (await visitor.get(picture)).status == 200

    await s.photos.flag(me, "Wedding", "IMG_0001.jpg", "reject")

    gallery = await (await visitor.get("/api/gallery")).json()
    assert blurry not in {p["id"] for p in gallery["photos"]}
    assert len(gallery["photos"]) == len(by_name) - 1
    assert (await visitor.get(preview)).status == 404  # at once, though it was just served
    assert (await visitor.get(picture)).status == 404  # its own address too
    r = await visitor.api(f"/api/photos/{blurry}/pick", {"picked": True})
    assert r.status == 404

    await s.photos.flag(me, "Wedding", "IMG_0001.jpg", None)  # the photographer changes their mind
    gallery = await (await visitor.get("/api/gallery")).json()
    assert blurry in {p["id"] for p in gallery["photos"]}
    assert (await visitor.get(preview)).status == 200
    assert (await visitor.get(picture)).status == 200
