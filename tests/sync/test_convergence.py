"""Ten desktop processes on one studio, half of them offline for part of the run, culling at
random: every desktop ends with the server's catalog, no acknowledged change is lost, and every
refusal is a conflict a desktop shows."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from core.catalog import AppliedCommand
from tests.conftest import in_studio
from tests.integration.processes import read_until
from tests.sync.catalogs import catalog, commands_made, shoot

REPO = Path(__file__).resolve().parents[2]
DESKTOPS = int(os.environ.get("PHOTOFLOW_SYNC_DESKTOPS", "10"))
ACTIONS = int(os.environ.get("PHOTOFLOW_SYNC_ACTIONS", "25"))


async def test_ten_desktops_converge_on_one_catalog(
    server, desktops, photos_dir: Path, tmp_path: Path
) -> None:
    seed = await desktops("seed", "owner@lumen.test")
    owner = await seed.actor()
    for name, files in (("Smith Wedding", 4), ("Lee Portraits", 3)):
        album = await seed.services.albums.create(owner, name)
        card = shoot(photos_dir, tmp_path / f"card-{name}")
        for extra in sorted(card.iterdir())[files:]:
            extra.unlink()
        await seed.services.imports.run(owner, album.id, [card])
    await seed.client.sync_once()

    procs: list[subprocess.Popen[bytes]] = []
    try:
        for i in range(DESKTOPS):
            email = ("pia@lumen.test", "ana@lumen.test")[i % 2]
            offline = (ACTIONS // 4, 3 * ACTIONS // 4) if i % 2 == 0 else (0, 0)
            argv = [
                sys.executable, "-m", "tests.sync.desktop_process", str(tmp_path / f"desk{i}"),
                server.url, email, str(i), str(ACTIONS), str(offline[0]), str(offline[1]),
                str(photos_dir), str(tmp_path / f"report{i}.json"),
            ]  # fmt: skip
            procs.append(
                subprocess.Popen(argv, cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
            )

        def say(proc: subprocess.Popen[bytes], line: str) -> None:
            assert proc.stdin is not None
            proc.stdin.write(f"{line}\n".encode())
            proc.stdin.flush()

        def wait_for(word: bytes, seconds: float) -> None:
            deadline = time.monotonic() + seconds
            for proc in procs:
                assert proc.stdout is not None
                read_until(proc.stdout, word, deadline)

        await asyncio.to_thread(wait_for, b"ready", 180)
        for proc in procs:
            say(proc, "go")
        await asyncio.to_thread(wait_for, b"pushed", 600)
        last_reconnect = time.monotonic()
        for proc in procs:
            say(proc, "pull")
        await asyncio.to_thread(wait_for, b"pulled", 120)
        converged_in = time.monotonic() - last_reconnect
        await asyncio.to_thread(wait_for, b"done", 120)
        for proc in procs:
            assert proc.wait(30) == 0
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)
            for stream in (proc.stdin, proc.stdout):
                if stream is not None:
                    stream.close()

    reports = [json.loads((tmp_path / f"report{i}.json").read_text()) for i in range(DESKTOPS)]
    truth = json.loads(json.dumps(await catalog(server.services, owner), default=str))
    for i, report in enumerate(reports):
        assert report["waiting"] == 0
        assert report["catalog"] == truth, f"desktop {i} differs from the server"
    await seed.client.sync_once()
    assert json.loads(json.dumps(await catalog(seed.services, owner), default=str)) == truth

    async with in_studio(server.services, owner.tenant_id) as session:
        applied = await session.scalar(
            select(func.count()).where(AppliedCommand.outcome == "applied")
        )
        refused = await session.scalar(
            select(func.count()).where(AppliedCommand.outcome != "applied")
        )
    made = sum(r["made"] for r in reports)
    conflicts = sum(len(r["conflicts"]) for r in reports)
    seed_commands = await commands_made(seed.services, owner)
    assert applied + refused == made + seed_commands  # every change made reached the server once
    assert refused == conflicts  # and every refusal is a conflict a desktop shows
    assert all(c.endswith(".") for r in reports for c in r["conflicts"])
    print(
        f"\n{DESKTOPS} desktops, {made} commands: {applied} applied, {refused} refused as "
        f"conflicts; all pulled {converged_in:.2f} s after the last push ended"
    )
    assert converged_in <= 2.0
