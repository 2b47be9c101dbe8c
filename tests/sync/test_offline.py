"""With the server away, edits queue and the desktop says so; they replay in order when the
server is back."""

from __future__ import annotations

import asyncio
import re
import time

import aiohttp

from tests.sync.catalogs import catalog, shoot


async def _until(check, seconds: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not await check():
        assert time.monotonic() < deadline, "not within the time allowed"
        await asyncio.sleep(0.05)


async def test_edits_queue_offline_and_replay_in_order_when_the_server_returns(
    server, desktops, photos_dir, tmp_path
) -> None:
    pia = await desktops("pia", "pia@lumen.test")
    me = await pia.actor()
    album = await pia.services.albums.create(me, "Garcia Baptism")
    await pia.services.imports.run(me, album.id, [shoot(photos_dir, tmp_path / "card")])
    await pia.client.sync_once()
    [photo, *_] = await pia.services.photos.list(me, album.id)

    seen: list[str] = []
    pia.client.on_state(lambda state: seen.append(state.words))
    running = asyncio.create_task(pia.client.run())
    try:
        await server.stop()
        first_edit = time.time()
        for stars in (1, 2, 3, 4, 5):
            await pia.services.photos.rate(me, album.id, str(photo.id), stars)
        await pia.services.albums.rename(me, album.id, "Garcia Christening")
        await pia.services.albums.rename(me, album.id, "Garcia Family Christening")
        pia.client.nudge()

        async def says_offline() -> bool:
            return "offline: 7 changes waiting" in seen

        await _until(says_offline)
        assert (await pia.services.replica.status()).waiting == 7

        await server.start(server.port)
        reconnected, back = time.monotonic(), time.time()

        async def drained() -> bool:
            return bool(seen) and seen[-1] == "synced"

        await _until(drained)
        assert time.monotonic() - reconnected < 10
    finally:
        pia.client.stop()  # after the round in progress, as the app stops it
        await asyncio.wait_for(running, 30)
    owner = await server.services.users.actor_for("owner@lumen.test")
    rates = await server.services.audit.events(owner, album=album.id, action="photo.rate")
    assert [e.detail["stars"]["to"] for e in reversed(rates)] == [1, 2, 3, 4, 5]
    assert await catalog(server.services, owner) == await catalog(pia.services, me)
    assert (await server.services.albums.show(owner, album.id)).name == "Garcia Family Christening"
    assert (await pia.services.replica.status()).waiting == 0

    # The server's /metrics: nothing left to replay, and the lag of what arrived is at least how
    # long the desktop was cut off.
    async with aiohttp.ClientSession() as http, http.get(f"{server.url}/metrics") as r:
        figures = await r.text()
    assert _figure(figures, "photoflow_sync_queue_commands") == 0
    assert back - first_edit <= _figure(figures, "photoflow_sync_lag_seconds") < 60


def _figure(text: str, name: str) -> float:
    found = re.search(rf"^{name} (\S+)$", text, re.MULTILINE)
    assert found is not None, f"{name} is not in /metrics"
    return float(found.group(1))
