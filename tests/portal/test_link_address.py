"""Links a client can open: a warning when the portal address means 'this computer', showing an
existing link again on the computer that made it (and nowhere else), and a sent selection that
stays as sent until the studio reopens it."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

from core.portal_address import lan_base_url, unreachable_reason
from tests.images import make_shoot
from tests.integration.cli import photoflow
from tests.portal.conftest import Portal, Visitor


def test_link_create_warns_while_the_portal_address_is_this_computer(tmp_path: Path):
    home = tmp_path / "home"
    for args in (
        ("init", "--studio", "S", "--admin", "a@s.test"),
        ("album", "create", "Wedding"),
        ("import", "Wedding", "--no-progress", *map(str, make_shoot(tmp_path / "card", 2))),
    ):
        assert photoflow(home, *args).code == 0

    local = photoflow(home, "link", "create", "Wedding")
    assert local.code == 0, local.err
    url = local.out.strip()
    assert url.startswith("http://127.0.0.1:8470/g/")
    assert "warning" in local.err and "clients cannot open" in local.err
    assert "http://127.0.0.1:8470 means" in local.err
    assert url.rsplit("/", 1)[1] not in local.err  # the token is not repeated into logs

    set_it = photoflow(home, "settings", "set", "portal_base_url=https://photos.studio.example")
    assert set_it.code == 0, set_it.err
    public = photoflow(home, "link", "create", "Wedding", "--json")
    assert public.code == 0 and public.err == ""
    assert public.json["url"].startswith("https://photos.studio.example/g/")
    assert public.json["warning"] is None

    # The first link again, at the address clients can now reach, with the same token.
    link_id = photoflow(home, "link", "list", "Wedding", "--json").json[0]["id"]
    shown = photoflow(home, "link", "show", link_id[:8])
    assert shown.code == 0, shown.err
    assert shown.out.strip() == "https://photos.studio.example/g/" + url.rsplit("/", 1)[1]
    assert shown.err == ""

    # The catalog alone does not hold the token: a copy of it opens no gallery.
    token = url.rsplit("/", 1)[1].encode()
    for name in ("catalog.sqlite", "catalog.sqlite-wal"):
        if (home / name).exists():
            assert token not in (home / name).read_bytes()

    # Another computer (a home without this one's key) cannot show it, and says what to do.
    elsewhere = tmp_path / "elsewhere"
    shutil.copytree(home, elsewhere)
    (elsewhere / "links.key").unlink()
    refused = photoflow(elsewhere, "link", "show", link_id)
    assert refused.code != 0
    assert "another computer" in refused.err and "publish a new one" in refused.err


def test_a_bad_portal_address_is_refused(tmp_path: Path):
    home = tmp_path / "home"
    assert photoflow(home, "init", "--studio", "S", "--admin", "a@s.test").code == 0
    r = photoflow(home, "settings", "set", "portal_base_url=photos.example.com")
    assert r.code != 0 and "web address" in r.err


def test_which_addresses_clients_can_reach():
    for local in ("http://127.0.0.1:8470", "http://localhost:8470/", "http://[::1]:8470"):
        assert "this computer" in (unreachable_reason(local) or "")
    assert "this computer" in (unreachable_reason("http://0.0.0.0:8470") or "")
    for reachable in ("https://photos.studio.example", "http://192.168.1.20:8470"):
        assert unreachable_reason(reachable) is None
    assert lan_base_url(8470, "192.168.1.20") == "http://192.168.1.20:8470"


async def test_a_sent_selection_stays_sent_until_the_studio_unlocks_it(
    portal: Portal, visitor: Visitor, tmp_path: Path
):
    shared = await portal.link()  # one link the whole family opens
    g = await visitor.enter(shared, name="Ann")
    ids = [p["id"] for p in g["photos"]]
    for pid in ids[:2]:
        assert (await visitor.api(f"/api/photos/{pid}/pick", {"picked": True})).status == 200
    assert (await visitor.api("/api/submit")).status == 200

    after = await (await visitor.get("/api/gallery")).json()
    assert after["submitted_at"] and after["can_pick"] is False
    assert after["stage_label"] == "Selection sent"
    for pid, picked in ((ids[2], True), (ids[1], False)):
        r = await visitor.api(f"/api/photos/{pid}/pick", {"picked": picked})
        assert r.status == 409
        assert "already sent" in (await r.json())["error"]
    assert (await visitor.api("/api/submit")).status == 409
    # Stars and comments do not change the selection: they still go through.
    assert (await visitor.api(f"/api/photos/{ids[0]}/stars", {"stars": 4})).status == 200
    rows = await portal.services.photos.list(portal.actor, "Wedding")
    assert sum(r.selected for r in rows) == 2
    # Another guest of the same link sent nothing: they go on choosing.
    ben = portal.client()
    try:
        mine = await ben.enter(shared, name="Ben")
        assert mine["can_pick"] and mine["submitted_at"] is None
        assert (await ben.api(f"/api/photos/{ids[3]}/pick", {"picked": True})).status == 200
    finally:
        await ben.close()

    link = (await portal.services.links.list(portal.actor, "Wedding"))[0]
    unlocked = await asyncio.to_thread(
        photoflow, tmp_path / "home", "link", "unlock", str(link.id)[:8]
    )
    assert unlocked.code == 0, unlocked.err
    assert "Reopened the selection Ann sent" in unlocked.out

    again = await (await visitor.get("/api/gallery")).json()
    assert again["can_pick"] is True and again["submitted_at"] is None
    assert again["stage_label"] == "Choosing"
    assert (await visitor.api(f"/api/photos/{ids[2]}/pick", {"picked": True})).status == 200
    assert (await visitor.api("/api/submit")).status == 200
    rows = await portal.services.photos.list(portal.actor, "Wedding")
    assert sum(r.selected for r in rows) == 3
