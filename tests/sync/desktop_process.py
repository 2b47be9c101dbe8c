"""One desktop in a process of its own, for the convergence test:

    python -m tests.sync.desktop_process HOME SERVER_URL EMAIL SEED ACTIONS OFFLINE_FROM OFFLINE_TO
        PHOTOS_DIR REPORT

It joins the studio and prints "ready"; on "go" (stdin) it makes ACTIONS random culling moves,
syncing in the background except between actions OFFLINE_FROM and OFFLINE_TO (no network);
then it pushes everything and prints "pushed"; on "pull" it syncs once more ("pulled"), writes
its catalog, its conflicts and how many commands it made to REPORT (JSON) and prints "done"."""

from __future__ import annotations

import asyncio
import json
import random
import shutil
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from app.bootstrap import close_services
from core.errors import PhotoFlowError
from core.workflow import Stage
from sync.client.client import ServerAway
from tests.sync.catalogs import catalog, commands_made
from tests.sync.harness import free_port, open_desktop

JPEGS = ("Canon_40D.jpg", "Nikon_D70.jpg", "Pentax_K10D.jpg", "Fujifilm_FinePix6900ZOOM.jpg")


async def _line() -> str:
    return (await asyncio.to_thread(sys.stdin.readline)).strip()


async def main(argv: list[str]) -> None:
    home, url, email, seed, actions, off_from, off_to, photos_dir, report = argv
    rng = random.Random(int(seed))
    pool = ThreadPoolExecutor(1)
    desk = await open_desktop(Path(home), url, email, pool)
    s, me = desk.services, await desk.actor()
    dead = f"http://127.0.0.1:{free_port()}"
    print("ready", flush=True)
    assert await _line() == "go"
    running = asyncio.create_task(desk.client.run())
    for n in range(int(actions)):
        # Offline: the server's address leads nowhere, as when the network is gone.
        online = not int(off_from) <= n < int(off_to)
        desk.client.server_url = url if online else dead
        albums = [a for a in await s.albums.list(me)]
        album = rng.choice(albums)
        photos = await s.photos.list(me, album.id)
        photo = str(rng.choice(photos).id) if photos else None
        roll = rng.random()
        try:
            if photo and roll < 0.3:
                await s.photos.rate(me, album.id, photo, rng.randint(0, 5))
            elif photo and roll < 0.45:
                await s.photos.flag(me, album.id, photo, rng.choice(["pick", "reject", None]))
            elif photo and roll < 0.55:
                await s.photos.label(me, album.id, photo, rng.choice(["Red", "Green", None]))
            elif photo and roll < 0.8:
                await s.photos.select(me, album.id, photo, rng.random() < 0.7)
            elif roll < 0.92:
                target = {Stage.RAW: Stage.STOCK, Stage.STOCK: Stage.RATE}.get(album.stage)
                await s.albums.advance(me, album.id, target or Stage.RETOUCH)
            else:
                card = Path(home) / f"card{n}"
                card.mkdir()
                name = rng.choice(JPEGS)
                shutil.copy2(Path(photos_dir) / name, card / f"{Path(home).name}_{n}_{name}")
                await s.imports.run(me, album.id, [card])
        except PhotoFlowError:
            pass  # refused here, as a photographer would see it: nothing to sync
        desk.client.nudge()
        await asyncio.sleep(rng.random() * 0.05)
    desk.client.server_url = url
    desk.client.stop()
    await running
    while True:
        try:
            await desk.client.sync_once()
            if (await s.replica.status()).waiting == 0:
                break
        except ServerAway:
            await asyncio.sleep(0.2)
    print("pushed", flush=True)
    assert await _line() == "pull"
    await desk.client.sync_once()
    print("pulled", flush=True)
    owner = await s.users.actor_for("owner@lumen.test")
    made = await commands_made(s, owner)
    status = await s.replica.status()
    Path(report).write_text(
        json.dumps(
            {
                "catalog": await catalog(s, me),
                "made": made,
                "conflicts": [c.message for c in status.conflicts],
                "waiting": status.waiting,
            },
            default=str,
        )
    )
    await desk.client.close()
    await close_services(s)
    pool.shutdown()
    print("done", flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
