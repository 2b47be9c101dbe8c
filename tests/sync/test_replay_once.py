"""A command is applied once, whatever the retries: the same batch twice, or a server killed
with -9 in the middle of a batch and the batch sent again."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import aiohttp

from tests.integration.processes import read_until
from tests.sync.catalogs import shoot
from tests.sync.harness import free_port

REPO = Path(__file__).resolve().parents[2]


async def _ratings(server, album_id) -> int:  # type: ignore[no-untyped-def]
    owner = await server.services.users.actor_for("owner@lumen.test")
    events = await server.services.audit.events(
        owner, album=album_id, action="photo.rate", outcome="ok", limit=10_000
    )
    return len(events)


async def test_the_same_batch_twice_applies_once(server, desktops, photos_dir, tmp_path) -> None:
    pia = await desktops("pia", "pia@lumen.test")
    me = await pia.actor()
    album = await pia.services.albums.create(me, "Lee Portraits")
    await pia.services.imports.run(me, album.id, [shoot(photos_dir, tmp_path / "card")])
    await pia.client.sync_once()
    photos = await pia.services.photos.list(me, album.id)
    for n, photo in enumerate(photos):
        await pia.services.photos.rate(me, album.id, str(photo.id), n + 1)
    batch = [
        {"key": c.key, "action": c.action, "args": c.args}
        for c in await pia.services.replica.waiting()
    ]
    assert len(batch) == len(photos)
    headers = {"Authorization": f"Bearer {pia.client.token}"}
    async with aiohttp.ClientSession(headers=headers) as http:
        answers = []
        for _ in range(2):
            async with http.post(server.url + "/api/v1/commands", json={"commands": batch}) as r:
                assert r.status == 200
                answers.append((await r.json())["answers"])
    assert answers[0] == answers[1]
    assert {a["outcome"] for a in answers[0]} == {"applied"}
    assert await _ratings(server, album.id) == len(photos)
    newest = await server.services.journal.newest(
        await server.services.users.actor_for("pia@lumen.test")
    )
    await pia.client.sync_once()  # the desktop's own retry of the same keys
    assert await _ratings(server, album.id) == len(photos)
    assert (
        await server.services.journal.newest(
            await server.services.users.actor_for("pia@lumen.test")
        )
        == newest
    )
    assert (await pia.services.replica.status()).waiting == 0


async def test_a_server_killed_mid_batch_applies_nothing_twice(
    server, server_db, desktops, photos_dir, tmp_path
) -> None:
    pia = await desktops("pia", "pia@lumen.test")
    me = await pia.actor()
    album = await pia.services.albums.create(me, "Ng Family")
    await pia.services.imports.run(me, album.id, [shoot(photos_dir, tmp_path / "card")])
    await pia.client.sync_once()
    photos = await pia.services.photos.list(me, album.id)
    marks = 300
    for n in range(marks):
        await pia.services.photos.rate(me, album.id, str(photos[n % len(photos)].id), n % 6)

    port = free_port()
    pia.client.server_url = f"http://127.0.0.1:{port}"

    def start() -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.sync.serve", server_db, str(port), str(tmp_path / "srv")],
            cwd=REPO,
            stdout=subprocess.PIPE,
        )
        assert proc.stdout is not None
        read_until(proc.stdout, b"ready", time.monotonic() + 30)
        return proc

    proc = start()
    try:
        push = asyncio.create_task(pia.client.sync_once())
        deadline = time.monotonic() + 30
        while await _ratings(server, album.id) < 20:
            assert time.monotonic() < deadline and not push.done()
            await asyncio.sleep(0.005)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        assert proc.stdout is not None
        proc.stdout.close()
        from sync.client.client import ServerAway

        try:
            await push
            raise AssertionError("the push finished although its server was killed")
        except ServerAway:
            pass
        done_before = await _ratings(server, album.id)
        assert 20 <= done_before < marks
        # Only what the server answered has left the outbox; the rest waits for the retry.
        assert marks - done_before <= (await pia.services.replica.status()).waiting <= marks
        proc = start()
        await pia.client.sync_once()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        if proc.stdout is not None:
            proc.stdout.close()
    assert (await pia.services.replica.status()).waiting == 0
    assert await _ratings(server, album.id) == marks
    owner = await server.services.users.actor_for("owner@lumen.test")
    server_rows = {r.id: r.stars for r in await server.services.photos.list(owner, album.id)}
    desk_rows = {r.id: r.stars for r in await pia.services.photos.list(me, album.id)}
    assert server_rows == desk_rows
