"""`photo list --json` carries each guest's picks, stars and comments, and their mean stars."""

from __future__ import annotations

from pathlib import Path

from app.bootstrap import close_services, open_services
from core.home import Home
from tests.images import make_shoot
from tests.integration.cli import photoflow


async def test_photo_list_json_has_each_guests_marks(tmp_path: Path) -> None:
    home = Home(tmp_path / "home")
    s = await open_services(home)
    try:
        admin = await s.tenants.initialise("Lumen", "owner@lumen.test", "Owner")
        me = await s.users.actor_for(admin.email)
        album = await s.albums.create(me, "Smith Wedding")
        await s.imports.run(me, album.id, make_shoot(tmp_path / "card", 2))
        await s.albums.advance(me, album.id)
        await s.albums.advance(me, album.id)
        first, second = await s.photos.list(me, album.id, order="name")
        mia = (await s.client.open((await s.links.create(me, album.id)).token)).guest("Mia")
        bo = (await s.client.open((await s.links.create(me, album.id)).token)).guest("Bo")
        await s.client.pick(mia, first.id)
        await s.client.rate(mia, first.id, 5)
        await s.client.comment(mia, first.id, "This one for the wall")
        await s.client.rate(bo, first.id, 2)
    finally:
        await close_services(s)

    r = photoflow(home.root, "photo", "list", "Smith Wedding", "--json", as_user=admin.email)
    assert r.code == 0, r.err
    rows = {p["filename"]: p for p in r.json}
    one, two = rows[first.filename], rows[second.filename]
    assert one["client_stars"] == 3.5 and one["client_picks"] == 1
    assert one["guests"] == [
        {"guest": "Mia", "picked": True, "stars": 5, "comments": ["This one for the wall"]},
        {"guest": "Bo", "picked": False, "stars": 2, "comments": []},
    ]
    assert two["guests"] == [] and two["client_stars"] is None
