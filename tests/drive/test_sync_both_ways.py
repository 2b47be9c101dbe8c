"""Two-way Drive sync against the fake Drive, in one process: an album goes up, a retouch
dropped in Drive comes in as that round's version, renames are followed, a second run reads
only the changes feed, and the safety rules hold (tests/drive/fake_drive.py is the Drive)."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.bootstrap import close_services, open_services
from core.home import Home
from core.policies import Actor, Role
from core.services import Services
from sync.drive.engine import AlbumSync, SyncReport
from tests.drive.conftest import connected_drive
from tests.drive.fake_drive import FakeDrive
from tests.images import make_jpeg, make_shoot


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


@dataclass
class Studio:
    s: Services
    pia: Actor
    album_id: uuid.UUID
    fake: FakeDrive
    sync: AlbumSync
    tmp: Path

    async def run(self, **kw: object) -> SyncReport:
        return await self.sync.run(self.album_id, **kw)  # type: ignore[arg-type]

    def in_drive(self) -> dict[str, bytes]:
        """Every live file of the album in Drive, by its path under the album folder."""
        out = {}
        for f in self.fake.files():
            if f.is_folder or f.trashed:
                continue
            path = self.fake.path_of(f.id)
            if path.startswith("PhotoFlow/Wedding/"):
                out[path.removeprefix("PhotoFlow/Wedding/")] = f.data or b""
        return out

    async def versions(self) -> dict[tuple[str, str, int], bytes]:
        return {
            (v.stem, v.kind, v.round): v.path.read_bytes()
            for v in await self.s.drive.local_versions(self.pia, self.album_id)
        }

    def listings_since(self, mark: int) -> list[str]:
        return [p for m, p in self.fake.requests[mark:] if m == "GET" and "q=" in p]


@pytest.fixture
async def studio(
    tmp_path: Path, fake_drive: FakeDrive, imaging_executor: ProcessPoolExecutor
) -> AsyncIterator[Studio]:
    s = await open_services(Home(tmp_path / "home"), executor=imaging_executor, follow=False)
    drive = connected_drive(fake_drive, tmp_path / "drive-state")
    try:
        await s.tenants.initialise("Lumen", "owner@lumen.test")
        owner = await s.users.actor_for("owner@lumen.test")
        await s.users.add(owner, "pia@lumen.test", Role.PHOTOGRAPHER, "Pia")
        pia = await s.users.actor_for("pia@lumen.test")
        album = await s.albums.create(pia, "Wedding")
        await s.imports.run(pia, album.id, make_shoot(tmp_path / "card", 4))
        yield Studio(s, pia, album.id, fake_drive, AlbumSync(s, pia, drive), tmp_path)
    finally:
        await drive.close()
        await close_services(s)


async def to_retouch(st: Studio) -> None:
    s, pia = st.s, st.pia
    await s.albums.advance(pia, st.album_id)  # stock
    await s.albums.advance(pia, st.album_id)  # rate
    await s.photos.select(pia, st.album_id, "IMG_0001.jpg")
    await s.albums.advance(pia, st.album_id)  # retouch, round 1


async def test_an_album_goes_up_retouches_come_in_and_renames_are_followed(studio: Studio):
    st = studio
    first = await st.run()
    assert first.first and first.plan.counts()["uploads"] == 4 and not first.problems
    here = await st.versions()
    there = st.in_drive()
    assert sorted(there) == [f"Originals/IMG_000{i}.jpg" for i in range(1, 5)]
    assert {md5(b) for b in there.values()} == {md5(b) for b in here.values()}
    for f in st.fake.files():
        if not f.is_folder:
            assert f.app_properties["photoflow_album"] == str(st.album_id)
            assert f.app_properties["photoflow_kind"] == "original"

    # A second run reads the changes feed only: no listing, nothing to do.
    mark = len(st.fake.requests)
    again = await st.run()
    assert again.plan.empty and not again.first and st.listings_since(mark) == []

    # An editor drops a retouch into Retouched/Round 1 from wherever they work.
    await to_retouch(st)
    round_1 = next(f for f in st.fake.files() if f.name == "Round 1" and f.is_folder)
    edit = make_jpeg(st.tmp / "edit" / "IMG_0001_edit.jpg", colour=150).read_bytes()
    dropped = st.fake.put_file("IMG_0001_edit.jpg", round_1.id, edit, mime_type="image/jpeg")
    mark = len(st.fake.requests)
    came = await st.run()
    assert came.plan.counts()["downloads"] == 1 and not came.problems
    assert (await st.versions())[("img_0001", "retouched", 1)] == edit
    assert st.fake.file(dropped.id).app_properties["photoflow_kind"] == "retouched"
    assert st.listings_since(mark) == []

    # Renamed and moved in Drive: followed by its appProperties, nothing downloaded again.
    original = next(f for f in st.fake.files() if f.name == "IMG_0002.jpg")
    st.fake.rename(original.id, "Bride and groom.jpg")
    final = next(f for f in st.fake.files() if f.name == "Final" and f.is_folder)
    st.fake.move(original.id, final.id)
    followed = await st.run()
    assert followed.plan.counts()["renames"] == 1 and followed.plan.counts()["downloads"] == 0
    state = await st.s.drive.begin(st.pia, st.album_id)
    [kept] = [b for b in state.synced.values() if b.drive_file_id == original.id]
    assert (kept.name, kept.folder, kept.kind) == ("Bride and groom.jpg", "Final", "original")
    assert (await st.run()).plan.empty

    # A round folder someone makes in Drive is followed; a retouch for a round the album is not
    # in is a plain problem, not an import.
    retouched = next(f for f in st.fake.files() if f.name == "Retouched" and f.is_folder)
    round_3 = st.fake.put_folder("Round 3", retouched.id)
    st.fake.put_file("IMG_0001_v3.jpg", round_3.id, edit, mime_type="image/jpeg")
    early = await st.run()
    assert early.plan.empty and early.plan.problems == [
        "Retouched/Round 3/IMG_0001_v3.jpg: the album is in retouch round 1, so a file in "
        "Round 3 was not taken in."
    ]
    owner = await st.s.users.actor_for("owner@lumen.test")
    actions = {e.action for e in await st.s.audit.events(owner, album="Wedding", limit=500)}
    assert {"drive.upload", "drive.download", "drive.rename", "drive.sync"} <= actions


async def test_both_changed_keeps_both_and_a_change_beats_a_deletion(studio: Studio):
    st = studio
    await to_retouch(st)
    first_edit = make_jpeg(st.tmp / "e1" / "IMG_0001_edit.jpg", colour=150)
    await st.s.imports.run(st.pia, st.album_id, [first_edit], kind="retouched")
    await st.run()
    [up] = [f for f in st.fake.files() if f.name == "IMG_0001_edit.jpg"]

    # Changed here (a new retouch of round 1) and in Drive (someone saved over it).
    ours = make_jpeg(st.tmp / "e2" / "IMG_0001_edit.jpg", colour=151)
    await st.s.imports.run(st.pia, st.album_id, [ours], kind="retouched")
    theirs = make_jpeg(st.tmp / "e3" / "x.jpg", colour=152).read_bytes()
    st.fake.replace(up.id, theirs, by=("Rui Costa", "rui@retouch.example"))
    both = await st.run()
    assert both.plan.counts()["conflicts"] == 1
    assert (await st.versions())[("img_0001", "retouched", 1)] == ours.read_bytes()
    there = st.in_drive()
    [copy] = [p for p in there if "(conflict " in p]
    # Named after who saved over it in Drive, so the studio knows whom to ask.
    assert copy.startswith("Retouched/Round 1/IMG_0001_edit (conflict ") and there[copy] == theirs
    assert copy.endswith(" Rui Costa).jpg")
    assert there["Retouched/Round 1/IMG_0001_edit.jpg"] == ours.read_bytes()
    [conflict] = await st.s.drive.conflicts(st.pia)
    assert conflict.name == copy.rsplit("/", 1)[1]
    assert (st.s.paths.library / conflict.library_path).read_bytes() == theirs
    [status] = await st.s.drive.status(st.pia)
    assert status.words == "1 conflict"

    # Changed here, deleted in Drive: the change goes up again as a new file.
    [current] = [f for f in st.fake.files() if f.name == "IMG_0001_edit.jpg" and not f.trashed]
    st.fake.delete(current.id)
    newer = make_jpeg(st.tmp / "e4" / "IMG_0001_edit.jpg", colour=153)
    await st.s.imports.run(st.pia, st.album_id, [newer], kind="retouched")
    kept = await st.run()
    assert kept.plan.counts()["uploads"] == 1 and kept.plan.counts()["deletions"] == 0
    assert st.in_drive()["Retouched/Round 1/IMG_0001_edit.jpg"] == newer.read_bytes()


async def test_drive_emptied_stops_and_asks_and_originals_stay(studio: Studio):
    st = studio
    await st.run()
    before = await st.versions()
    for f in st.fake.files():
        if not f.is_folder:
            st.fake.delete(f.id)
    stopped = await st.run()
    assert stopped.stopped and "4 of 4 synced files" in stopped.stopped
    [status] = await st.s.drive.status(st.pia)
    assert status.state == "stopped"
    state = await st.s.drive.begin(st.pia, st.album_id)
    assert all(b.deleted_on is None for b in state.synced.values())

    allowed = await st.run(allow_deletions=True)
    assert allowed.plan.counts()["deletions"] == 4
    assert await st.versions() == before  # an original is never deleted because Drive lost it
    assert (await st.run()).plan.empty  # tombstones: nothing is sent back or deleted again
    assert st.in_drive() == {}


async def test_a_failed_feed_deletes_nothing_and_a_run_of_faults_converges(studio: Studio):
    st = studio
    await st.run()
    st.fake.fail("server_error", count=50, path="/changes")
    paused = await st.run()
    assert paused.paused and paused.plan.empty
    [status] = await st.s.drive.status(st.pia)
    assert status.state == "paused" and status.words.startswith("paused: ")
    st.fake.clear_faults()

    more = make_shoot(st.tmp / "card2", 6, start=20)
    await st.s.imports.run(st.pia, st.album_id, more)
    for kind in ("server_error", "too_many", "rate_limit", "drop", "unauthorized"):
        st.fake.fail(kind, count=2)
    for _ in range(6):
        report = await st.run()
        if report.paused is None and report.plan.empty:
            break
    else:
        pytest.fail(f"no convergence: {report.paused or report.plan.counts()}")
    here = await st.versions()
    there = st.in_drive()
    assert len(there) == len(here) == 10
    assert sorted(md5(b) for b in there.values()) == sorted(md5(b) for b in here.values())
