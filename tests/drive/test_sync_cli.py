"""`photoflow sync [ALBUM] [--dry-run] [--json]`: the plan before anything is done, a clear stop
above the deletion limit; `photoflow sync status` is still the studio server's (tests/sync/test_conflicts.py runs it)."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from app.bootstrap import close_services, open_services
from app.cli.parser import build_parser, with_drive_sync
from core.home import Home
from sync.drive.engine import AlbumSync
from tests.drive.conftest import connected_drive
from tests.drive.fake_drive import FakeDrive
from tests.drive.test_sync_kill import photoflow_with, set_up, sync_env
from tests.images import make_shoot

FILES = 8


def test_sync_words_reach_the_drive_sync_and_status_stays():
    parse = build_parser().parse_args
    args = parse(with_drive_sync(["sync", "Wedding", "--dry-run"]))
    assert (args.command, args.action, args.album, args.dry_run) == (
        "sync",
        "drive",
        "Wedding",
        True,
    )
    assert parse(with_drive_sync(["--home", "/x", "sync"])).album is None
    assert parse(with_drive_sync(["sync", "status"])).action == "status"
    assert parse(with_drive_sync(["sync", "--allow-deletions"])).allow_deletions


async def test_dry_run_prints_the_plan_and_a_mass_deletion_stops_with_a_clear_message(
    tmp_path: Path, fake_drive: FakeDrive, imaging_executor: ProcessPoolExecutor
):
    home, fake = tmp_path / "home", fake_drive
    make_shoot(tmp_path / "card", FILES)
    await set_up(home, fake, tmp_path / "card", imaging_executor, FILES)
    env = sync_env(home, fake)

    dry = photoflow_with(env, "sync", "Wedding", "--dry-run", "--json")
    assert dry.code == 0, dry.err
    [plan] = dry.json["albums"]
    assert plan["dry_run"] and plan["plan"]["uploads"] == FILES
    assert [f for f in fake.files() if not f.is_folder] == []  # a dry run changes nothing

    s = await open_services(Home(home), executor=imaging_executor, follow=False)
    drive = connected_drive(fake, tmp_path / "drive-state")
    try:
        owner = await s.users.actor_for("owner@lumen.test")
        assert (await AlbumSync(s, owner, drive).run("Wedding")).done == FILES
    finally:
        await drive.close()
        await close_services(s)
    for f in fake.files():
        if not f.is_folder:
            fake.trash(f.id)
    stopped = photoflow_with(env, "sync", "Wedding")
    assert stopped.code == 3
    assert f"would delete {FILES} of {FILES} synced files" in stopped.err
    assert "--allow-deletions" in stopped.err
    assert f"{FILES} deletions" in stopped.out  # the plan was shown first
