"""Every process sees every change: the command line and a killed writer in processes of their
own, this test process following the journal with an open gallery, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
import time
from collections.abc import AsyncIterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import aiohttp
import asyncpg
import pytest

from app.bootstrap import close_services
from core.changes import Change
from portal.server import start_portal
from tests.integration.cli import env_for
from tests.integration.shared_studio import SharedStudio, open_shared_studio
from tests.pgcluster import Cluster
from tests.portal.conftest import Visitor

WITHIN_S = 1.0  # what the issue promises a client: stale answers end within a second


@pytest.fixture
async def shared(
    tmp_path: Path, database_url: str | None, imaging_executor: ProcessPoolExecutor
) -> AsyncIterator[SharedStudio]:
    studio = await open_shared_studio(tmp_path, database_url, imaging_executor)
    try:
        yield studio
    finally:
        await close_services(studio.services)


async def open_gallery(shared: SharedStudio):  # type: ignore[no-untyped-def]
    handle = await start_portal(shared.services, "127.0.0.1", 0)
    made = await shared.services.links.create(shared.admin, shared.album, guest_name="Ann")
    visitor = Visitor(handle.url)
    gallery = await visitor.enter("/g/" + made.token)
    ws = await visitor.http.ws_connect(
        handle.url.replace("http", "ws") + "/api/live", origin=handle.url
    )
    assert (await ws.receive_json(timeout=5))["type"] == "hello"
    return handle, made, visitor, gallery, ws


async def test_a_reject_typed_in_another_process_hides_the_photo_within_a_second(
    shared: SharedStudio,
):
    handle, _made, visitor, gallery, ws = await open_gallery(shared)
    try:
        shown = gallery["photos"][0]
        rows = await shared.services.photos.list(shared.admin, shared.album)
        filename = next(r.filename for r in rows if str(r.id) == shown["id"])
        picture = shown["pictures"]["grid"]  # its own address, as the gallery page asks
        for _ in range(3):  # served, and remembered by every cache on the way
            assert (await visitor.get(picture)).status == 200

        result = await shared.cli_async("photo", "reject", shared.album, filename)
        assert result.code == 0, result.err
        committed = time.monotonic()
        statuses = []
        while time.monotonic() - committed < WITHIN_S:
            statuses.append((await visitor.get(picture)).status)
            if statuses[-1] == 404:
                break
            await asyncio.sleep(0.02)
        assert statuses[-1] == 404, f"still served {len(statuses)} times after a second"
        notice = await ws.receive_json(timeout=WITHIN_S)
        assert notice == {"type": "photo.marks", "photo_id": shown["id"]}
        listed = await (await visitor.get("/api/gallery")).json()
        assert shown["id"] not in [p["id"] for p in listed["photos"]]
    finally:
        await ws.close()
        await visitor.close()
        await handle.stop()


async def test_a_link_revoked_in_another_process_closes_its_live_sockets_within_a_second(
    shared: SharedStudio,
):
    handle, made, visitor, _gallery, ws = await open_gallery(shared)
    try:
        result = await shared.cli_async("link", "revoke", str(made.id))
        assert result.code == 0, result.err
        revoked = time.monotonic()
        notices = []
        message = await ws.receive(timeout=WITHIN_S)
        while message.type == aiohttp.WSMsgType.TEXT:
            notices.append(message.json())
            message = await ws.receive(timeout=WITHIN_S)
        closed_after = time.monotonic() - revoked
        assert {"type": "closed", "reason": "revoked"} in notices
        assert message.type == aiohttp.WSMsgType.CLOSE
        assert message.data == aiohttp.WSCloseCode.POLICY_VIOLATION
        assert closed_after < WITHIN_S
        assert (await visitor.get("/api/gallery")).status == 404
    finally:
        await ws.close()
        await visitor.close()
        await handle.stop()


WRITER = textwrap.dedent(
    """
    import asyncio, os, signal, sys
    from app.bootstrap import home_at, open_services

    async def main():
        s = await open_services(home_at(None), follow=False)
        me = await s.users.actor_for("admin@north.test")
        rows = await s.photos.list(me, "Harbour wedding")
        for stars, row in enumerate(rows, 1):
            await s.photos.rate(me, "Harbour wedding", str(row.id), stars)
        # Right after the last commit, before anything else can happen: the hardest stop.
        os.kill(os.getpid(), signal.SIGKILL)

    asyncio.run(main())
    """
)


async def test_a_writer_killed_right_after_its_commit_loses_no_change_for_a_follower(
    shared: SharedStudio,
):
    me = shared.admin
    sub = shared.services.events.subscribe(me.tenant_id)
    try:
        proc = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-c", WRITER],
            env=env_for(shared.home, shared.database_url),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert proc.returncode == -9, proc.stderr
        heard = [await asyncio.wait_for(sub.get(), 10) for _ in range(4)]
        assert [e.kind for e in heard] == [Change.PHOTO_MARKS] * 4
        assert sorted(e.data["stars"] for e in heard) == [1, 2, 3, 4]
        assert [e.data["stars"] for e in heard] == [1, 2, 3, 4]  # in commit order
        assert [e.seq for e in heard] == list(range(heard[0].seq, heard[0].seq + 4))
    finally:
        sub.close()


@pytest.mark.parametrize("backend", ["postgres"])
async def test_a_dropped_listen_connection_loses_nothing(shared: SharedStudio, pg_cluster: Cluster):
    """PostgreSQL ends the follower's LISTEN connection (a restart, a network cut) while another
    process changes things: the follower reconnects and catches up by sequence number."""
    me = shared.admin
    sub = shared.services.events.subscribe(me.tenant_id)
    dsn = shared.database_url.replace("postgresql+asyncpg", "postgresql")  # type: ignore[union-attr]
    admin = await asyncpg.connect(dsn)
    try:
        for _ in range(100):  # the follower's LISTEN connection is up
            listening = await admin.fetch(
                "SELECT pid FROM pg_stat_activity WHERE query LIKE 'LISTEN%'"
            )
            if listening:
                break
            await asyncio.sleep(0.05)
        assert listening
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'LISTEN%'"
        )
        result = await shared.cli_async(
            "album", "limits", shared.album, "--min-select", "1", "--max-select", "2"
        )
        assert result.code == 0, result.err
        event = await asyncio.wait_for(sub.get(), 15)
        assert event.kind is Change.ALBUM_CHANGED and event.data["max_select"] == 2
    finally:
        sub.close()
        await admin.close()
