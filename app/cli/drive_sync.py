"""`photoflow sync [ALBUM] [--dry-run] [--allow-deletions] [--json]`: the plan first (uploads,
downloads, conflicts, deletions), then progress, then what was done."""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from app.drive import studio_drive
from core.errors import PhotoFlowError
from core.policies import Actor
from core.services import Services
from sync.drive.engine import AlbumSync, SyncProgress, SyncReport


class SyncStopped(PhotoFlowError):
    """The plan would delete more than the limit, or Drive could not be reached."""

    exit_code = 3


def plan_text(r: SyncReport) -> str:
    p = r.plan
    lines = [
        f"{r.album}: {'first sync, ' if r.first else ''}"
        f"{len(p.uploads)} to upload, {len(p.downloads)} to download, "
        f"{len(p.conflicts)} conflicts, {len(p.deletions)} deletions"
        + (f", {len(p.renames)} renamed in Drive" if p.renames else "")
    ]
    data = r.to_json()
    for key, label in (
        ("uploads", "up"),
        ("downloads", "down"),
        ("conflicts", "conflict"),
        ("deletions", "delete"),
        ("renames", "renamed"),
    ):
        items = data[key]
        for item in items[:20]:
            lines.append(f"  {label:8} {item}")
        if len(items) > 20:
            lines.append(f"  {label:8} ... and {len(items) - 20} more")
    for problem in p.problems:
        lines.append(f"  problem  {problem}")
    return "\n".join(lines)


async def drive_sync(s: Services, me: Actor, a: argparse.Namespace) -> tuple[Any, str]:
    as_json = bool(getattr(a, "json", False))
    albums = [a.album] if a.album else [album.name for album in await s.albums.list(me)]
    shown = [0.0]

    def progress(p: SyncProgress) -> None:
        now = time.monotonic()
        if as_json or p.state not in ("uploading", "downloading", "syncing"):
            return
        if now - shown[0] >= 0.5 or p.done == p.total:
            shown[0] = now
            print(f"{p.album}: {p.state} {p.done} of {p.total}", file=sys.stderr, flush=True)

    def on_plan(r: SyncReport) -> None:
        if not as_json:
            print(plan_text(r), flush=True)

    drive = await studio_drive(s, me)
    reports: list[SyncReport] = []
    try:
        sync = AlbumSync(s, me, drive, progress=progress)
        for album in albums:
            reports.append(
                await sync.run(
                    album,
                    dry_run=a.dry_run,
                    allow_deletions=a.allow_deletions,
                    on_plan=on_plan,
                )
            )
    finally:
        await drive.close()
    data = {"albums": [r.to_json() for r in reports]}
    for r in (r for r in reports if r.stopped or r.paused):
        raise SyncStopped(r.stopped or f"Drive sync of {r.album} paused: {r.paused}")
    return data, _done_text(reports)


def _done_text(reports: list[SyncReport]) -> str:
    lines = []
    for r in reports:
        if r.dry_run:
            lines.append(f"{r.album}: dry run, nothing changed.")
            continue
        problems = [*r.plan.problems, *r.problems]
        state = "in sync" if not problems else f"{len(problems)} problems"
        lines.append(f"{r.album}: {r.done} steps done, {state}.")
        lines += [f"  problem  {p}" for p in r.problems]
    return "\n".join(lines)
