"""A desktop's day goes to the studio server as commands and comes back to another desktop."""

from __future__ import annotations

import asyncio
from pathlib import Path

from core.changes import Change
from core.workflow import Stage
from tests.sync.catalogs import catalog, shoot


async def test_a_photographers_day_reaches_the_server_and_the_other_desktop(
    server, desktops, photos_dir: Path, tmp_path: Path
) -> None:
    pia = await desktops("pia", "pia@lumen.test")
    ana = await desktops("ana", "ana@lumen.test")
    me = await pia.actor()
    s = pia.services
    album = await s.albums.create(me, "Smith Wedding", client="The Smiths")
    report = await s.imports.run(me, album.id, [shoot(photos_dir, tmp_path / "card")])
    assert len(report.imported) == 4
    first, second, *_ = await s.photos.list(me, album.id, order="name")
    await s.photos.rate(me, album.id, str(first.id), 4)
    await s.photos.flag(me, album.id, str(first.id), "pick")
    await s.photos.label(me, album.id, str(second.id), "Red")
    await s.photos.flag(me, album.id, str(second.id), "reject")
    await s.photos.select(me, album.id, str(first.id))
    await s.albums.advance(me, album.id)
    await s.albums.rename(me, album.id, "Smith & Jones Wedding")
    assert (await s.replica.status()).waiting >= 8

    assert await pia.client.sync_once() == 0
    status = await s.replica.status()
    assert status.waiting == 0 and not status.conflicts and status.last_sync is not None

    on_server = server.services
    server_ana = await on_server.users.actor_for("ana@lumen.test")
    await ana.client.sync_once()
    here = await catalog(s, me)
    assert (
        here
        == await catalog(on_server, server_ana)
        == await catalog(ana.services, await ana.actor())
    )
    [(album_id, stage, _round, photos)] = here.values()
    assert album_id == str(album.id) and stage == Stage.STOCK.value
    by_id = {p[0]: p for p in photos}
    assert by_id[str(first.id)][2:6] == (4, "pick", None, True)
    assert by_id[str(second.id)][2:6] == (0, "reject", "Red", False)

    # And back: Ana's marks reach Pia, and Pia's open album hears of them as they land.
    ana_actor = await ana.actor()
    await ana.services.photos.rate(ana_actor, album.id, str(second.id), 2)
    await ana.client.sync_once()
    with s.events.subscription(me.tenant_id, album.id) as live:
        await pia.client.sync_once()
        event = await asyncio.wait_for(live.get(), 5)
    assert event.kind is Change.PHOTO_MARKS and event.photo_id == second.id
    assert event.data["stars"] == 2 and event.actor == "ana@lumen.test"
    rows = {r.id: r for r in await s.photos.list(me, album.id)}
    assert rows[second.id].stars == 2


async def test_a_running_desktop_hears_a_colleagues_change_at_once(
    server, desktops, photos_dir: Path, tmp_path: Path
) -> None:
    """Rounds 30 s apart: what brings Ana's mark to Pia's open album within a second is the
    wait on the server for the studio's next change, not the next round."""
    pia = await desktops("pia", "pia@lumen.test")
    ana = await desktops("ana", "ana@lumen.test")
    me, s = await pia.actor(), pia.services
    album = await s.albums.create(me, "Lee Portraits")
    await s.imports.run(me, album.id, [shoot(photos_dir, tmp_path / "card")])
    await pia.client.sync_once()
    await ana.client.sync_once()
    [first, *_] = await s.photos.list(me, album.id, order="name")

    pia.client.interval = 30.0
    running = asyncio.create_task(pia.client.run())
    try:
        await asyncio.sleep(0.5)  # Pia's first round is over; the next is 30 s away
        with s.events.subscription(me.tenant_id, album.id) as live:
            await ana.services.photos.rate(await ana.actor(), album.id, str(first.id), 5)
            await ana.client.sync_once()
            event = await asyncio.wait_for(live.get(), 1.0)
        assert event.kind is Change.PHOTO_MARKS and event.data["stars"] == 5
    finally:
        pia.client.stop()
        await asyncio.wait_for(running, 10)
