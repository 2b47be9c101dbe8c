"""Desktop sync against a studio server on PostgreSQL: what pushing and pulling marks costs,
and what a sync round costs when nothing changed.

Run: .venv/bin/python benchmarks/sync_marks.py [--marks 10000] [--photos 50000]

1. Push + pull of N marks: a desktop's outbox holds N star ratings (written straight into the
   outbox, as N rating calls would have: the calls themselves are the desktop's own cost, timed
   by other benchmarks); the desktop pushes them (each replayed on the server through the
   services, in a transaction of its own with its audit row, journal entry and applied-command
   row), and a second desktop pulls them into its SQLite catalog. Reference: the same N
   `UPDATE photos SET stars = $1 WHERE id = $2` sent straight to PostgreSQL with asyncpg, one
   autocommitted statement at a time, on the same cluster. The figure is the ratio.
2. A no-op sync of a desktop whose catalog holds --photos photos (target <= 200 ms): push (an
   empty outbox), pull (nothing new), previews (nothing new); median of 20 rounds.

Everything on 127.0.0.1 (real HTTP, a real PostgreSQL 15 from tests/pgcluster.py).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _facts(n: int, prefix: str) -> list[dict[str, object]]:
    return [
        {"id": str(uuid.uuid4()), "stem": f"{prefix}{i:06d}", "filename": f"{prefix}{i:06d}.jpg"}
        for i in range(n)
    ]


async def _register(services, actor, album_id, facts) -> None:  # type: ignore[no-untyped-def]
    for start in range(0, len(facts), 2000):
        await services.imports.register(actor, album_id, facts[start : start + 2000])


async def run(marks: int, photos: int) -> None:
    import asyncpg

    from app.bootstrap import close_services, context_of, open_services
    from core.catalog import OutboxCommand
    from core.home import Home
    from tests.pgcluster import Cluster
    from tests.sync.harness import Server, free_port, open_desktop, seed_studio

    cluster = Cluster().start()
    root = Path(tempfile.mkdtemp(prefix="photoflow-sync-bench-"))
    pool = ThreadPoolExecutor(2)
    try:
        url = cluster.create_database("bench")
        on_server = await open_services(Home(root / "server"), database_url=url, executor=pool)
        await seed_studio(on_server)
        server = Server(on_server, free_port())
        await server.start(server.port)
        pia = await open_desktop(root / "pia", server.url, "pia@lumen.test", pool)
        ana = await open_desktop(root / "ana", server.url, "ana@lumen.test", pool)
        me = await pia.actor()
        album = await pia.services.albums.create(me, "Benchmark")
        await pia.client.sync_once()
        facts = _facts(1000, "img")
        await _register(pia.services, me, album.id, facts)
        await _register(on_server, await on_server.users.actor_for(me.email), album.id, facts)
        await ana.client.sync_once()
        await _register(ana.services, await ana.actor(), album.id, facts)

        # 1. push + pull of N marks
        async with context_of(pia.services).db.session() as session, session.begin():
            for n in range(marks):
                args = {"album": str(album.id), "photo": facts[n % 1000]["id"], "stars": n % 6}
                session.add(
                    OutboxCommand(key=uuid.uuid4(), action="photo.rate", args=args, actor=me.email)
                )
        started = time.perf_counter()
        await pia.client.push()
        pushed = time.perf_counter()
        await ana.client.pull()
        pulled = time.perf_counter()
        assert (await pia.services.replica.status()).waiting == 0

        raw = url.replace("postgresql+asyncpg", "postgresql")
        conn = await asyncpg.connect(raw)
        try:
            ids = [uuid.UUID(str(f["id"])) for f in facts]
            t0 = time.perf_counter()
            for n in range(marks):
                await conn.execute(
                    "UPDATE photos SET stars = $1 WHERE id = $2", (n + 1) % 6, ids[n % 1000]
                )
            direct = time.perf_counter() - t0
        finally:
            await conn.close()
        sync_time = pulled - started
        print(
            f"push + pull of {marks} marks: {sync_time:.2f} s "
            f"(push {pushed - started:.2f} s, pull {pulled - pushed:.2f} s)"
        )
        print(f"the same {marks} UPDATEs straight to PostgreSQL (asyncpg): {direct:.2f} s")
        print(f"ratio: {sync_time / direct:.1f}x; per mark {1000 * sync_time / marks:.1f} ms")

        # 2. a no-op sync of a big catalog
        big = await pia.services.albums.create(me, "Big")
        await pia.client.sync_once()
        await _register(pia.services, me, big.id, _facts(photos - 1000, "big"))
        await pia.client.sync_once()
        rounds = []
        for _ in range(20):
            t0 = time.perf_counter()
            await pia.client.sync_once()
            rounds.append(time.perf_counter() - t0)
        print(
            f"no-op sync of a {photos}-photo catalog: median {1000 * statistics.median(rounds):.0f}"
            f" ms, worst {1000 * max(rounds):.0f} ms (target <= 200 ms)"
        )
        for desk in (pia, ana):
            await desk.client.close()
            await close_services(desk.services)
        await server.stop()
        await close_services(on_server)
    finally:
        pool.shutdown()
        cluster.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--marks", type=int, default=10_000)
    parser.add_argument("--photos", type=int, default=50_000)
    a = parser.parse_args()
    asyncio.run(run(a.marks, a.photos))


if __name__ == "__main__":
    main()
