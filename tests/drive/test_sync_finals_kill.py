"""kill -9 during the upload of an album's finals (made again through changed presets, and
through a new one), a few times: one more run leaves each final once in Drive, in its preset's
folder, with the bytes it has here, and the run after that reads the changes feed only.

Few kills, to keep it short (tests/drive/test_sync_kill.py is the many-kills test of the same
machinery); the runs after the kills are in this process, with the command line's upload state."""

from __future__ import annotations

import hashlib
import random
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from app.bootstrap import close_services, open_services
from core.finals.presets import ExportPreset
from core.home import Home
from sync.drive.engine import AlbumSync
from tests.drive.conftest import connected_drive
from tests.drive.fake_drive import FakeDrive
from tests.drive.test_sync_kill import studio_on_drive, sync_env, sync_killed_after
from tests.portal.final_album import FULL, WEB, carry_to_final

KILLS = 3
N = 2
PRINT = ExportPreset("Print 900", 900, "jpeg", 90, rename="{album}-{seq:03}-print")


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


async def finals_made_again(home: Path, fake: FakeDrive, tmp: Path, executor) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """An album carried to Final and synced, then its finals made again through changed presets
    and a new one: what Drive should hold in `Final/`, md5 by path."""
    s = await open_services(Home(home), executor=executor, follow=False)
    drive = connected_drive(fake, tmp / "drive-state")
    try:
        owner = await studio_on_drive(s, home, fake)
        album_id = await carry_to_final(s, owner, tmp, n=N)
        first = await AlbumSync(s, owner, drive).run(album_id)
        assert first.done == 4 * N and not first.problems
        await s.delivery.save_preset(owner, ExportPreset(FULL.name, 1000, "tiff"))
        await s.delivery.save_preset(owner, ExportPreset(WEB.name, 500, "jpeg", rename="{stem}"))
        await s.delivery.save_preset(owner, PRINT)
        await s.delivery.choose_presets(owner, album_id, [FULL.name, WEB.name, PRINT.name])
        assert (await s.delivery.deliver(owner, album_id)).state == "done"
        presets = {p.name: p.folder for p in await s.delivery.presets(owner)}
        return {
            f"Final/{presets[f.preset]}/{f.filename}": md5(f.path.read_bytes())
            for f in await s.delivery.finals(owner, album_id)
        }
    finally:
        await drive.close()
        await close_services(s)


async def test_kill_9_during_the_finals_upload_loses_nothing_and_converges(
    tmp_path: Path, fake_drive: FakeDrive, imaging_executor: ProcessPoolExecutor
):
    home, fake = tmp_path / "home", fake_drive
    wanted = await finals_made_again(home, fake, tmp_path, imaging_executor)
    assert len(wanted) == 3 * N
    env = sync_env(home, fake)
    # The finals (about 4.3 MB) take over 2 s to go up: more than the runs live together, so
    # every kill lands in their upload and the last run has work left.
    fake.set_link_rate(2_000_000)
    rng = random.Random(14)
    killed = 0
    for _ in range(KILLS):
        killed += sync_killed_after(env, rng.uniform(0.1, 0.6))
    assert killed >= KILLS // 2
    fake.set_link_rate(None)
    s = await open_services(Home(home), executor=imaging_executor, follow=False)
    drive = connected_drive(fake, home / "drive")  # the command line's resumable uploads
    try:
        owner = await s.users.actor_for("owner@lumen.test")
        last = await AlbumSync(s, owner, drive).run("Wedding")
        assert last.paused is None and not last.problems, last.to_json()
        assert last.done > 0  # the kills left work
        mark = len(fake.requests)
        again = await AlbumSync(s, owner, drive).run("Wedding")
    finally:
        await drive.close()
        await close_services(s)
    assert not again.first and again.plan.empty and not again.problems
    assert [p for m, p in fake.requests[mark:] if m == "GET" and "q=" in p] == []

    there: dict[str, list[str]] = {}
    for f in fake.files():
        path = fake.path_of(f.id).removeprefix("PhotoFlow/Wedding/")
        if not f.is_folder and not f.trashed and path.startswith("Final/"):
            there.setdefault(path, []).append(md5(f.data or b""))
    assert there == {path: [digest] for path, digest in wanted.items()}
