"""A no-op Google Drive sync of a 50,000-file album (target <= 1 s): nothing changed here or in
Drive, so a run reads the change journal and the Drive changes feed, plans nothing, and records
that it ran. Reference in the same run: one raw `changes.list` HTTP round trip to the same fake
Drive (aiohttp, the same page token and access token); the figure is the ratio.

Run: .venv/bin/python benchmarks/drive_noop_sync.py [--files 50000] [--rounds 5]

Left out: the album's state is written straight into the catalog (50,000 photos, their original
versions and their synced rows, as a finished first sync would leave them), not made by importing
and uploading 50,000 files; the fake Drive (tests/drive/fake_drive.py, on 127.0.0.1) holds only
the album's folders, since a no-op run never lists them; the first run of the process (which
builds the Drive client from its discovery document) is reported apart from the median.
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


async def seed(services, actor, album_id, files: int, folders: dict[str, str], token: str):  # type: ignore[no-untyped-def]
    from sqlalchemy import insert

    from app.bootstrap import context_of
    from core.catalog import DriveAlbum, DriveFile, Photo, PhotoVersion
    from core.catalog.base import utcnow

    now = utcnow()
    tenant = actor.tenant_id
    common = {"tenant_id": tenant, "created_at": now, "updated_at": now, "row_version": 1}
    seq = await services.journal.newest(actor)
    async with context_of(services).db.session() as session, session.begin():
        for start in range(0, files, 5000):
            photos, versions, synced = [], [], []
            for i in range(start, min(files, start + 5000)):
                pid = uuid.uuid4()
                name = f"IMG_{i:06d}.jpg"
                photos.append(
                    {
                        **common,
                        "id": pid,
                        "album_id": album_id,
                        "stem": name[:-4].lower(),
                        "filename": name,
                        "exif": {},
                    }
                )
                versions.append(
                    {
                        **common,
                        "id": uuid.uuid4(),
                        "album_id": album_id,
                        "photo_id": pid,
                        "kind": "original",
                        "round": 0,
                        "filename": name,
                        "library_path": f"{album_id}/originals/{name}",
                        "content_hash": f"{i:064x}",
                        "size_bytes": 1000,
                    }
                )
                synced.append(
                    {
                        **common,
                        "id": uuid.uuid4(),
                        "album_id": album_id,
                        "photo_id": pid,
                        "kind": "original",
                        "round": 0,
                        "content_hash": f"{i:064x}",
                        "drive_file_id": f"file{i}",
                        "md5": f"{i:032x}",
                        "drive_version": 1,
                        "name": name,
                        "folder": "Originals",
                    }
                )
            await session.execute(insert(Photo), photos)
            await session.execute(insert(PhotoVersion), versions)
            await session.execute(insert(DriveFile), synced)
        session.add(
            DriveAlbum(
                tenant_id=tenant,
                album_id=album_id,
                folder_id=folders[""],
                folders=folders,
                page_token=token,
                journal_seq=seq,
                state="in_sync",
                done=0,
                total=0,
            )
        )


async def run(files: int, rounds: int) -> None:
    import aiohttp

    from app.bootstrap import close_services, open_services
    from core.home import Home
    from sync.drive.engine import AlbumSync
    from tests.drive.conftest import connected_drive
    from tests.drive.fake_drive import FakeDrive

    root = Path(tempfile.mkdtemp(prefix="photoflow-drive-bench-"))
    fake = FakeDrive().start()
    services = await open_services(
        Home(root / "home"), executor=ThreadPoolExecutor(1), follow=False
    )
    drive = connected_drive(fake, root / "drive-state")
    try:
        owner = await services.tenants.initialise("Bench", "owner@bench.test")
        actor = await services.users.actor_for(owner.email)
        album = await services.albums.create(actor, "Big Wedding")
        top = fake.put_folder("PhotoFlow")
        alb = fake.put_folder("Big Wedding", top.id)
        folders = {"": alb.id}
        for name in ("Originals", "Stock", "Retouched", "Final"):
            folders[name] = fake.put_folder(name, alb.id).id
        folders["Retouched/Round 1"] = fake.put_folder("Round 1", folders["Retouched"]).id
        token = await drive.start_page_token()
        t = time.perf_counter()
        await seed(services, actor, album.id, files, folders, token)
        print(
            f"seeded {files:,} photos, versions and synced rows in {time.perf_counter() - t:.1f} s"
        )

        sync = AlbumSync(services, actor, drive)
        t = time.perf_counter()
        first = await sync.run(album.id)
        cold = time.perf_counter() - t
        assert first.plan.empty and not first.first, first.plan.counts()
        listed = fake.count("GET", "/drive/v3/files")
        times = []
        for _ in range(rounds):
            t = time.perf_counter()
            report = await sync.run(album.id)
            times.append(time.perf_counter() - t)
            assert report.plan.empty and report.paused is None
        assert fake.count("GET", "/drive/v3/files") == listed == 0, "a no-op run listed Drive"

        access, _refresh = fake.issue_tokens()
        state = await services.drive.begin(actor, album.id, full=False)
        raw = []
        async with aiohttp.ClientSession() as http:
            for _ in range(rounds):
                t = time.perf_counter()
                async with http.get(
                    f"{fake.url}drive/v3/changes",
                    params={"pageToken": state.page_token or token, "fields": "*"},
                    headers={"Authorization": f"Bearer {access}"},
                ) as resp:
                    await resp.read()
                    assert resp.status == 200
                raw.append(time.perf_counter() - t)
        median, ref = statistics.median(times), statistics.median(raw)
        print(
            f"no-op sync of a {files:,}-file album: median {median * 1000:.0f} ms of {rounds} "
            f"(fastest {min(times) * 1000:.0f} ms, slowest {max(times) * 1000:.0f} ms; first run "
            f"of the process {cold * 1000:.0f} ms); target <= 1000 ms: "
            f"{'met' if median <= 1 else 'NOT met'}"
        )
        print(
            f"reference: one raw changes.list round trip {ref * 1000:.1f} ms; "
            f"ratio {median / ref:.1f}x; Drive listings during the runs: {listed}"
        )
    finally:
        await drive.close()
        await close_services(services)
        fake.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(run(args.files, args.rounds))


if __name__ == "__main__":
    main()
