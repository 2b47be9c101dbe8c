"""Stock and retouched files imported on one desktop are known to the whole studio: the server
checks them by the rules of an import, the other desktops learn of them (their files stay where
they were imported, and in Drive), the server's portal shows the retouch, and the client's
approval of it is applied on the server."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from core.workflow import Stage
from tests.sync.catalogs import shoot
from tests.sync.test_links_and_feedback import PIN, Visitor


def retouch(original: Path, into: Path) -> Path:
    """An editor's file for `original`: same name, other pixels."""
    into.mkdir(parents=True, exist_ok=True)
    with Image.open(original) as im:
        warmer = im.convert("RGB").point(lambda v: min(255, v + 12))
        warmer.save(into / original.name, quality=90)
    return into / original.name


async def test_a_retouch_made_on_eds_desktop_reaches_the_server_pia_and_the_client(
    server, desktops, photos_dir: Path, tmp_path: Path
) -> None:
    pia = await desktops("pia", "pia@lumen.test")
    ed = await desktops("ed", "ed@lumen.test")
    me = await pia.actor()
    s = pia.services
    album = await s.albums.create(me, "Smith Wedding", client="The Smiths")
    card = shoot(photos_dir, tmp_path / "card")
    await s.imports.run(me, album.id, [card])
    await s.albums.advance(me, album.id, Stage.RATE)
    first, second, *_ = await s.photos.list(me, album.id, order="name")
    for photo in (first, second):
        await s.photos.select(me, album.id, str(photo.id))
    await s.albums.advance(me, album.id, Stage.RETOUCH)
    await pia.client.sync_once()
    assert not (await s.replica.status()).conflicts

    # Ed pulls the album and brings back the two retouches.
    editor = await ed.actor()
    await ed.client.sync_once()
    done = tmp_path / "retouched"
    for photo in (first, second):
        retouch(card / photo.filename, done)
    report = await ed.services.imports.run(editor, album.id, [done], kind="retouched")
    assert len(report.imported) == 2 and not report.failed
    await ed.client.sync_once()
    assert not (await ed.services.replica.status()).conflicts

    # Pia's desktop knows the retouches without their files, and the album may go on.
    await pia.client.sync_once()
    detail = await s.photos.detail(me, album.id, str(first.id))
    retouched = [v for v in detail.versions if v.kind == "retouched"]
    assert [(v.round, v.path) for v in retouched] == [(1, None)]
    await s.albums.advance(me, album.id, Stage.FEEDBACK)
    made = await s.links.create(me, album.id, pin=PIN, guest_name="Carla")
    await pia.client.sync_once()
    assert not (await s.replica.status()).conflicts
    on_server = await server.services.albums.show(
        await server.services.users.actor_for(me.email), album.id
    )
    assert on_server.stage is Stage.FEEDBACK

    # The client, on the server's portal, sees Ed's retouch and approves it.
    visitor = Visitor(server.url)
    try:
        gallery = await visitor.enter(made.token, "Carla")
        shown = {p["id"]: p for p in gallery["photos"]}
        assert set(shown) == {str(first.id), str(second.id)}
        for photo in shown.values():
            assert photo["has_retouch"]
            r = await visitor.get(photo["pictures"]["retouched"], follow=True)
            assert r.status == 200 and r.content_type == "image/jpeg", r.status
            assert (await r.read())[:2] == b"\xff\xd8"
            r = await visitor.api(f"/api/photos/{photo['id']}/decision", {"approve": True})
            assert r.status == 200, await r.text()
    finally:
        await visitor.close()

    # Approved on the server, so Pia can deliver: Feedback -> Final is not refused anywhere.
    await pia.client.sync_once()
    await s.albums.advance(me, album.id, Stage.FINAL)
    await pia.client.sync_once()
    assert not (await s.replica.status()).conflicts


async def test_a_retouch_for_a_round_that_is_over_comes_back_as_a_conflict(
    server, desktops, photos_dir: Path, tmp_path: Path
) -> None:
    pia = await desktops("pia", "pia@lumen.test")
    ed = await desktops("ed", "ed@lumen.test")
    me = await pia.actor()
    s = pia.services
    album = await s.albums.create(me, "Lee Family")
    card = shoot(photos_dir, tmp_path / "card")
    await s.imports.run(me, album.id, [card])
    await s.albums.advance(me, album.id, Stage.RATE)
    first, *_ = await s.photos.list(me, album.id, order="name")
    await s.photos.select(me, album.id, str(first.id))
    await s.albums.advance(me, album.id, Stage.RETOUCH)
    await pia.client.sync_once()
    await ed.client.sync_once()

    # Ed works offline on round 1 while the studio's owner reopens the album to Rate.
    owner = await server.services.users.actor_for("owner@lumen.test")
    await server.services.albums.reopen(owner, album.id, Stage.RATE, "The client added a photo")
    editor = await ed.actor()
    await ed.services.imports.run(
        editor, album.id, [retouch(card / first.filename, tmp_path / "r")], kind="retouched"
    )
    assert await ed.client.sync_once() == 1
    [conflict] = (await ed.services.replica.status()).conflicts
    assert "Lee Family" in conflict.message and "not applied" in conflict.message, conflict.message
    # Ed's desktop follows the server: the album is in Rate there too.
    assert (await ed.services.albums.show(editor, album.id)).stage is Stage.RATE
