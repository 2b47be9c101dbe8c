"""The command line delivers: `album advance` to Final makes the finals with progress shown, a
kill -9 in the middle leaves every final whole, and `album deliver` finishes the job without making
any final twice; a bad rename template is refused plainly."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import Executor
from pathlib import Path

from PIL import Image

from app.bootstrap import close_services, open_services
from core.fsutil import TEMP_MARK
from core.home import Home
from core.imaging.analyse import hash_file
from core.policies import Role
from tests.conftest import Studio
from tests.core.delivery_album import album_in_feedback
from tests.integration.cli import env_for, photoflow

N = 4


async def set_up(home: Path, tmp: Path, executor: Executor) -> None:
    s = await open_services(Home(home), follow=False, executor=executor)
    try:
        await s.tenants.initialise("Lumen Studio", "owner@lumen.test", "Olga")
        owner = await s.users.actor_for("owner@lumen.test")
        await s.users.add(owner, "pia@lumen.test", Role.PHOTOGRAPHER, "Pia")
        await s.users.add(owner, "ed@lumen.test", Role.EDITOR, "Ed")
        studio = Studio(
            s,
            owner,
            await s.users.actor_for("pia@lumen.test"),
            await s.users.actor_for("ed@lumen.test"),
            owner,
        )
        await album_in_feedback(studio, tmp, "Wedding", n=N, size=(2400, 1600))
    finally:
        await close_services(s)
    config = Home(home).read_config()
    config["default_user"] = "owner@lumen.test"
    Home(home).write_config(config)


def finals(home: Path) -> dict[tuple[str, str], tuple[str, str, str]]:
    with sqlite3.connect(home / "catalog.sqlite") as db:
        rows = db.execute(
            "select photo_id, preset, library_path, content_hash, made_at from finals"
        ).fetchall()
    return {(p, preset): (path, h, made) for p, preset, path, h, made in rows}


def test_kill_9_mid_delivery_then_deliver_finishes_it(
    tmp_path: Path, imaging_executor: Executor
) -> None:
    home = tmp_path / "home"
    asyncio.run(set_up(home, tmp_path, imaging_executor))

    bad = photoflow(home, "preset", "add", "Odd", "--rename", "{album}/{seq}")
    assert bad.code == 2 and "cannot contain /" in bad.err and "Traceback" not in bad.err

    proc = subprocess.Popen(
        [sys.executable, "-m", "app.main", "album", "advance", "Wedding"],
        env=env_for(home),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        assert proc.stderr is not None
        first = proc.stderr.readline().decode()
        assert first.strip() == f"delivering 0 of {2 * N}", first
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None and len(finals(home)) < 2:
            time.sleep(0.01)
        assert proc.poll() is None, "the delivery finished before it could be killed"
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        if proc.stderr is not None:
            proc.stderr.close()
    before = finals(home)
    assert 0 < len(before) < 2 * N
    shown = photoflow(home, "album", "show", "Wedding")
    assert f"Wedding: delivering {len(before)} of {2 * N}." in shown.out, shown.out
    shown = photoflow(home, "album", "deliver", "Wedding", "--json")  # carries on
    assert shown.code == 0, shown.err
    assert (shown.json["state"], shown.json["done"], shown.json["total"]) == ("done", 2 * N, 2 * N)

    after = finals(home)
    assert len(after) == 2 * N
    for key, (_path, content_hash, made) in before.items():
        assert after[key][1:] == (content_hash, made), "a final made before the kill was made again"
    library = home / "library"
    on_disk = sorted(p for p in library.rglob("final/**/*") if p.is_file())
    assert not [p for p in library.rglob(f"*{TEMP_MARK}*")]
    assert sorted(library / path for path, _h, _m in after.values()) == on_disk
    for path, content_hash, _made in after.values():
        assert hash_file(library / path) == content_hash
        with Image.open(library / path) as im:
            im.load()  # whole: decodes to the last row
    web = [library / p for (_, preset), (p, _h, _m) in after.items() if preset == "Web (2048 px)"]
    with Image.open(web[0]) as im:
        assert max(im.size) == 2048
