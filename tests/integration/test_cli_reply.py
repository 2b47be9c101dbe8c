"""`photoflow photo reply` answers a client's comment: the client's gallery shows it under the
comment with the staff member's name, and the audit log says who answered."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.bootstrap import close_services, open_services
from core.errors import NotFound
from core.home import Home
from tests.images import make_shoot
from tests.integration.cli import photoflow


async def test_photo_reply_answers_the_newest_comment(tmp_path: Path) -> None:
    home = Home(tmp_path / "home")
    s = await open_services(home)
    try:
        admin = await s.tenants.initialise("Lumen", "owner@lumen.test", "Owner")
        me = await s.users.actor_for(admin.email)
        album = await s.albums.create(me, "Smith Wedding")
        await s.imports.run(me, album.id, make_shoot(tmp_path / "card", 2))
        await s.albums.advance(me, album.id)
        await s.albums.advance(me, album.id)
        first, _ = await s.photos.list(me, album.id, order="name")
        published = await s.links.create(me, album.id)
        mia = (await s.client.open(published.token)).guest("Mia")
        older = await s.client.comment(mia, first.id, "Is there one with eyes open?")
        newer = await s.client.comment(mia, first.id, "This one for the wall")
    finally:
        await close_services(s)

    r = photoflow(
        home.root, "photo", "reply", "Smith Wedding", first.filename, "Printing it in A2!",
        "--json", as_user=admin.email,
    )  # fmt: skip
    assert r.code == 0, r.err
    assert r.json["photo"] == first.filename

    s = await open_services(home)
    try:
        me = await s.users.actor_for(admin.email)
        await s.replies.reply(me, album.id, first.id, "Yes: IMG 12.", to=older.id)
        mia = (await s.client.open(published.token)).guest("Mia")
        gallery = await s.client.gallery(mia)
        said = next(p for p in gallery.photos if p.id == first.id).comments
        threads = {c.reply_to: c for c in said if c.by_studio}
        assert [c.kind for c in said] == ["comment", "comment", "reply", "reply"]
        assert threads[newer.id].by == "Owner" and threads[newer.id].text == "Printing it in A2!"
        assert threads[older.id].text == "Yes: IMG 12."
        _, second = await s.photos.list(me, album.id, order="name")
        with pytest.raises(NotFound, match="No client has commented"):
            await s.replies.reply(me, album.id, second.id, "Hello?")
        audit = await s.audit.events(me, action="photo.reply", limit=5)
        assert sorted(e.outcome for e in audit) == ["failed", "ok", "ok"]
        assert all(e.actor == admin.email for e in audit)
    finally:
        await close_services(s)
