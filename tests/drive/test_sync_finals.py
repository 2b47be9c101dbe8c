"""An album's finals go to Google Drive (the fake, tests/drive/fake_drive.py): each to
`Final/<preset>` under its preset's name, made again in place, a dropped preset's to Drive's
trash, and nothing put into Final in Drive is taken in."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.bootstrap import close_services, open_services
from app.cli.drive_sync import plan_text
from core.finals.presets import ExportPreset
from core.home import Home
from core.policies import Actor
from core.services import Services
from sync.drive.engine import AlbumSync, SyncProgress, SyncReport
from sync.drive.runner import DriveSyncRunner
from tests.drive.conftest import connected_drive
from tests.drive.fake_drive import FakeDrive, FakeFile
from tests.portal.final_album import FULL, WEB, carry_to_final

N = 3  # photos: each has an original, a retouch and a final per preset
FOLDER = {FULL.name: "Final/archive-tiff", WEB.name: "Final/web-600"}


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


@dataclass
class Studio:
    s: Services
    owner: Actor
    album_id: uuid.UUID
    fake: FakeDrive
    sync: AlbumSync
    told: list[SyncProgress]  # what the desktop is told as a run goes

    async def run(self, **kw: object) -> SyncReport:
        report = await self.sync.run(self.album_id, **kw)  # type: ignore[arg-type]
        assert report.paused is None, report.paused
        return report

    def live(self) -> dict[str, FakeFile]:
        """The album's live files in Drive, by their path under the album folder."""
        return {
            self.fake.path_of(f.id).removeprefix("PhotoFlow/Wedding/"): f
            for f in self.fake.files()
            if not f.is_folder and not f.trashed
        }

    def finals_there(self) -> dict[str, str]:
        """The finals in Drive (conflict copies left out), md5 by path."""
        return {
            p: md5(f.data or b"")
            for p, f in self.live().items()
            if p.startswith("Final/") and "(conflict " not in p
        }

    async def finals_here(self) -> dict[str, str]:
        return {
            f"{FOLDER[f.preset]}/{f.filename}": md5(f.path.read_bytes())
            for f in await self.s.delivery.finals(self.owner, self.album_id)
        }


@pytest.fixture
async def studio(
    tmp_path: Path, fake_drive: FakeDrive, imaging_executor: ProcessPoolExecutor
) -> AsyncIterator[Studio]:
    # Following the journal, as the desktop does: its Drive runner hears the studio's changes.
    s = await open_services(Home(tmp_path / "home"), executor=imaging_executor)
    drive = connected_drive(fake_drive, tmp_path / "drive-state")
    try:
        await s.tenants.initialise("Lumen", "owner@lumen.test")
        owner = await s.users.actor_for("owner@lumen.test")
        album_id = await carry_to_final(s, owner, tmp_path, n=N)
        told: list[SyncProgress] = []
        sync = AlbumSync(s, owner, drive, progress=told.append)
        yield Studio(s, owner, album_id, fake_drive, sync, told)
    finally:
        await drive.close()
        await close_services(s)


async def test_finals_go_to_their_presets_folders_and_follow_the_delivery(studio: Studio):
    st = studio
    dry = await st.run(dry_run=True)
    finals_up = [u for u in dry.to_json()["uploads"] if u.startswith("Final/")]
    assert sorted(finals_up) == sorted(await st.finals_here())
    assert "up       Final/web-600/Wedding-001-web.jpg" in plan_text(dry)

    st.told.clear()
    first = await st.run()
    assert first.plan.counts()["uploads"] == 4 * N and not first.problems, first.to_json()
    uploading = [(p.done, p.total) for p in st.told if p.state == "uploading"]
    assert uploading[-1] == (4 * N, 4 * N)  # "uploading 12 of 12": the finals are counted
    here = await st.finals_here()
    assert sorted(here) == sorted(
        [f"Final/archive-tiff/Wedding-{i:03}.tif" for i in range(1, N + 1)]
        + [f"Final/web-600/Wedding-{i:03}-web.jpg" for i in range(1, N + 1)]
    )
    assert st.finals_there() == here
    by_name = {f.name: f for f in st.live().values()}
    props = by_name["Wedding-002-web.jpg"].app_properties
    assert props["photoflow_album"] == str(st.album_id) and props["photoflow_kind"] == "final"
    assert props["photoflow_preset"] == "web-600"
    assert (await st.run()).plan.empty

    # The web preset changes (smaller, other names) and the album is delivered again through
    # it: the same Drive files get the new bytes and names.
    web_ids = {f.id for p, f in st.live().items() if p.startswith("Final/web-600/")}
    smaller = ExportPreset("Web 600", 400, "jpeg", 80, rename="{stem}-web")
    await st.s.delivery.save_preset(st.owner, smaller)
    assert (await st.s.delivery.deliver(st.owner, st.album_id, [WEB.name])).state == "done"
    again = await st.run()
    counts = again.plan.counts()
    assert (counts["uploads"], counts["deletions"], counts["conflicts"]) == (N, 0, 0)
    here = await st.finals_here()
    assert st.finals_there() == here
    assert "Final/web-600/IMG_0001-web.jpg" in here
    assert {f.id for p, f in st.live().items() if p.startswith("Final/web-600/")} == web_ids

    # Someone drops a file into Final in Drive: left there, said plainly, not taken in.
    archive = next(f for p, f in st.live().items() if p.startswith("Final/archive-tiff/"))
    theirs = st.fake.put_file("IMG_0003.jpg", archive.parents[0], b"not ours")
    dropped = await st.run()
    assert dropped.plan.empty and dropped.plan.problems == [
        "Final/archive-tiff/IMG_0003.jpg: finals are made by PhotoFlow, so a file put into "
        "Final in Drive is not taken in; it was left in Drive."
    ]
    assert not st.fake.file(theirs.id).trashed
    assert len(await st.s.delivery.finals(st.owner, st.album_id)) == 2 * N
    st.fake.delete(theirs.id)

    # A synced final changed in Drive: ours stays the final, theirs a conflict copy beside it.
    edited = by_name["Wedding-001.tif"]
    st.fake.replace(edited.id, b"edited in Drive")
    kept = await st.run()
    assert kept.plan.counts()["conflicts"] == 1 and not kept.problems
    assert st.finals_there() == here
    [copy] = [p for p in st.live() if "(conflict " in p]
    assert copy.startswith("Final/archive-tiff/Wedding-001 (conflict ")
    [conflict] = await st.s.drive.conflicts(st.owner)
    assert (st.s.paths.library / conflict.library_path).read_bytes() == b"edited in Drive"

    # A final deleted in Drive stays deleted there (a tombstone) until it changes here.
    gone = st.live()["Final/web-600/IMG_0002-web.jpg"]
    st.fake.delete(gone.id)
    assert (await st.run()).plan.counts()["deletions"] == 1
    assert (await st.run()).plan.empty
    assert "Final/web-600/IMG_0002-web.jpg" not in st.live()

    # The album drops the web preset: its finals go to Drive's trash, counted as deletions.
    await st.s.delivery.choose_presets(st.owner, st.album_id, [FULL.name])
    trashed = await st.run()
    assert trashed.plan.counts()["deletions"] == N - 1  # one was deleted in Drive already
    assert not [p for p in st.live() if p.startswith("Final/web-600/")]
    assert {f.name for f in st.fake.files() if f.trashed} >= {"IMG_0001-web.jpg"}
    assert st.finals_there() == await st.finals_here()
    assert copy in st.live()

    # The preset is back: its finals go up again, but the one deleted in Drive stays deleted.
    await st.s.delivery.choose_presets(st.owner, st.album_id, [FULL.name, WEB.name])
    back = await st.run()
    assert back.plan.counts()["uploads"] == N - 1 and not back.problems
    assert "Final/web-600/IMG_0002-web.jpg" not in st.live()
    assert sorted(st.finals_there()) == sorted(
        p for p in await st.finals_here() if p != "Final/web-600/IMG_0002-web.jpg"
    )
    mark = len(st.fake.requests)
    assert (await st.run()).plan.empty
    assert [p for m, p in st.fake.requests[mark:] if m == "GET" and "q=" in p] == []


async def test_the_desktop_sends_finals_made_again_when_the_delivery_ends(
    studio: Studio, tmp_path: Path
):
    st = studio
    told: list[str] = []
    drive = connected_drive(st.fake, tmp_path / "runner-drive")
    # Drive's changes feed read once an hour: only the delivery's own change wakes the runner.
    runner = DriveSyncRunner(st.s, st.owner, drive, told.append, poll=3600, settle=0.05)
    runner.start()
    try:
        runner.sync_now(st.album_id)
        async with asyncio.timeout(30):
            while st.finals_there() != await st.finals_here():
                await asyncio.sleep(0.05)
        before = st.finals_there()
        await st.s.delivery.save_preset(st.owner, ExportPreset(WEB.name, 300, "jpeg", 70))
        assert (await st.s.delivery.deliver(st.owner, st.album_id, [WEB.name])).state == "done"
        async with asyncio.timeout(30):
            while st.finals_there() != await st.finals_here():
                await asyncio.sleep(0.05)
        changed = {p for p, digest in st.finals_there().items() if before.get(p) != digest}
        assert len(changed) == N and all(p.startswith("Final/web-600/") for p in changed)
    finally:
        await runner.stop()
    assert told[-1] == "Drive: in sync"
