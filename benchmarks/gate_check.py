"""Workflow gate check on an album of 50,000 photos (target: under 50 ms per check).

Builds a catalog with one big album (RAW originals, stock versions for most, a selection with
retouched versions, client decisions), then times `album show` (which gathers every fact of the
current stage's rules by SQL aggregates and words the refusals) at each stage, and a refused
`album advance`. The reference in the same run is a bare `count(*)` of the album's photos on the
same connection: the floor of any gate that must look at every photo.

    .venv/bin/python benchmarks/gate_check.py [--photos 50000] [--runs 15] [--postgres URL]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import func, insert, select, update

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.bootstrap import close_services, context_of, open_services
from core.catalog import Album, Feedback, Photo, PhotoVersion
from core.errors import Refused
from core.home import Home
from core.workflow import Stage


async def build(services, n: int):  # type: ignore[no-untyped-def]
    s = services
    await s.tenants.initialise("Bench Studio", "bench@studio.test")
    me = await s.users.actor_for("bench@studio.test")
    album = await s.albums.create(me, "Big Wedding", min_select=100, max_select=400)
    tid, aid = me.tenant_id, album.id
    selected = set(range(0, n, n // 500))  # 500 selected photos
    photos, versions, feedback = [], [], []
    for i in range(n):
        pid = uuid.uuid4()
        photos.append(
            dict(
                id=pid,
                tenant_id=tid,
                album_id=aid,
                stem=f"img_{i:06d}",
                filename=f"IMG_{i:06d}.CR3",
                stars=i % 6,
                flag="reject" if i % 11 == 0 else ("pick" if i % 7 == 0 else None),
                selected=i in selected,
                has_stock=i % 50 != 1,
                exif={},
                row_version=1,
                previews_ready=True,
            )
        )
        common = dict(tenant_id=tid, album_id=aid, photo_id=pid, size_bytes=1, row_version=1)
        versions.append(
            dict(
                id=uuid.uuid4(),
                kind="original",
                round=0,
                filename=f"IMG_{i:06d}.CR3",
                library_path="x",
                content_hash=uuid.uuid4().hex,
                is_raw=True,
                **common,
            )
        )
        if i % 50 != 1:  # a few photos still lack their stock version
            versions.append(
                dict(
                    id=uuid.uuid4(),
                    kind="stock",
                    round=0,
                    filename=f"IMG_{i:06d}.jpg",
                    library_path="x",
                    content_hash=uuid.uuid4().hex,
                    is_raw=False,
                    **common,
                )
            )
        if i in selected and i % 3:
            versions.append(
                dict(
                    id=uuid.uuid4(),
                    kind="retouched",
                    round=1,
                    filename=f"IMG_{i:06d}_rt.jpg",
                    library_path="x",
                    content_hash=uuid.uuid4().hex,
                    is_raw=False,
                    **common,
                )
            )
            kind = "approval" if i % 5 else "change_request"
            feedback.append(
                dict(
                    id=uuid.uuid4(),
                    tenant_id=tid,
                    album_id=aid,
                    photo_id=pid,
                    kind=kind,
                    round=1,
                    guest_name="Client",
                    row_version=1,
                )
            )
    async with context_of(s).db.session() as session, session.begin():
        for table, rows in ((Photo, photos), (PhotoVersion, versions), (Feedback, feedback)):
            for start in range(0, len(rows), 5000):
                await session.execute(insert(table), rows[start : start + 5000])
    return me, aid


async def timed(fn, runs: int) -> float:  # type: ignore[no-untyped-def]
    await fn()  # warm
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        await fn()
        samples.append((time.perf_counter() - t) * 1000)
    return statistics.median(samples)


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--photos", type=int, default=50_000)
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--postgres", help="a PostgreSQL URL (postgresql+asyncpg://...) to run on too")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        s = await open_services(Home(Path(tmp)), database_url=args.postgres)
        try:
            t = time.perf_counter()
            me, aid = await build(s, args.photos)
            print(
                f"catalog: {args.photos} photos built in {time.perf_counter() - t:.1f} s "
                f"({'PostgreSQL' if args.postgres else 'SQLite'})"
            )

            async def floor() -> None:
                async with context_of(s).db.session() as session:
                    await session.scalar(
                        select(func.count()).select_from(Photo).where(Photo.album_id == aid)
                    )

            ref = await timed(floor, args.runs)
            print(f"reference: bare count(*) of the album's photos: {ref:.2f} ms")
            print(f"{'stage':10} {'gate check':>11} {'x floor':>8}  target 50 ms  rules")
            worst = 0.0
            for stage in Stage:
                async with context_of(s).db.session() as session, session.begin():
                    await session.execute(
                        update(Album).where(Album.id == aid).values(stage=stage.value)
                    )
                shown = await s.albums.show(me, aid)
                ms = await timed(lambda: s.albums.show(me, aid), args.runs)
                worst = max(worst, ms)
                codes = ", ".join(r.code for r in shown.blocking) or "-"
                print(
                    f"{stage.value:10} {ms:9.2f} ms {ms / ref:7.1f}x  {'ok' if ms < 50 else 'MISSED':6}  {codes}"
                )
            async with context_of(s).db.session() as session, session.begin():
                await session.execute(update(Album).where(Album.id == aid).values(stage="stock"))

            async def refused_advance() -> None:
                with contextlib.suppress(Refused):
                    await s.albums.advance(me, aid, Stage.FINAL)  # every gate from Stock on

            ms = await timed(refused_advance, args.runs)
            print(
                f"refused advance Stock -> Final (4 gates, audited): {ms:.2f} ms ({ms / ref:.1f}x floor)"
            )
            print(f"worst single gate check: {worst:.2f} ms (target < 50 ms)")
        finally:
            await close_services(s)


if __name__ == "__main__":
    asyncio.run(main())
