"""`photoflow watch [ALBUM] [--since N] [--json]`: the studio's changes, as they happen.

Every change any process commits (the desktop, another command, the portal, a server) is printed
once, in journal order: a line a person reads, or with --json one JSON object per line for
scripts. `--since N` first prints what was committed after change N (a number a script remembered
from an earlier line), then goes on live, with nothing missed or printed twice in between.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import sys
import uuid
from typing import Any

from app.cli.output import plain
from core.changes import Change
from core.errors import NotFound
from core.events import Event
from core.policies import Actor
from core.services import Services

Result = tuple[Any, str]


class Names:
    """Album names and photo filenames for readable lines, looked up once each."""

    def __init__(self, services: Services, me: Actor) -> None:
        self.s, self.me = services, me
        self.albums: dict[uuid.UUID, str] = {}
        self.photos: dict[uuid.UUID, str] = {}

    async def album(self, album_id: uuid.UUID | None) -> str:
        if album_id is None:
            return ""
        if album_id not in self.albums:
            self.albums.update({a.id: a.name for a in await self.s.albums.list(self.me)})
        return self.albums.get(album_id, str(album_id)[:8])

    async def photo(self, event: Event) -> str:
        if event.photo_id is None:
            return ""
        if event.data.get("filename"):
            self.photos[event.photo_id] = str(event.data["filename"])
        if event.photo_id not in self.photos and event.album_id is not None:
            with contextlib.suppress(NotFound):
                row = await self.s.photos.row(self.me, event.album_id, event.photo_id)
                self.photos[event.photo_id] = row.filename
        return self.photos.get(event.photo_id, str(event.photo_id)[:8])


def as_json(event: Event) -> dict[str, Any]:
    return {
        "seq": event.seq,
        "at": plain(event.at),
        "kind": event.kind.value,
        "album_id": plain(event.album_id),
        "photo_id": plain(event.photo_id),
        "by": event.actor,
        "data": event.data,
    }


async def as_line(event: Event, names: Names) -> str:
    when = event.at.astimezone().strftime("%H:%M:%S") if event.at else "--:--:--"
    where = " / ".join(
        x for x in (await names.album(event.album_id), await names.photo(event)) if x
    )
    what = " ".join(
        f"{k}={v}" for k, v in event.data.items() if v not in (None, "", [], {}) and k != "filename"
    )
    by = f" ({event.actor})" if event.actor else ""
    return f"#{event.seq} {when} {event.kind.value:<19} {where}  {what}{by}".rstrip()


async def watch(s: Services, me: Actor, a: argparse.Namespace) -> Result:
    json_lines = bool(getattr(a, "json", False))
    names = Names(s, me)
    album_id = None
    if a.album:
        album_id = (await s.albums.show(me, a.album)).id
    # Subscribe before reading the past, so nothing committed in between is lost; numbers
    # already printed from the past are skipped when they come by again live.
    sub = s.events.subscribe(me.tenant_id, album_id)
    printed = a.since if a.since is not None else await s.journal.newest(me)

    async def show(event: Event) -> None:
        nonlocal printed
        if event.kind is not Change.RESYNC:
            if event.seq is None or event.seq <= printed:
                return
            printed = event.seq
        text = json.dumps(as_json(event)) if json_lines else await as_line(event, names)
        print(text, flush=True)

    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    with contextlib.suppress(NotImplementedError, RuntimeError):  # Windows has no SIGTERM handler
        loop.add_signal_handler(signal.SIGTERM, stopping.set)
    try:
        if a.since is not None:
            while True:
                past, compacted = await s.journal.since(me, printed, album=album_id)
                if compacted:
                    print(
                        f"Changes before #{printed} were compacted away; re-read the catalog.",
                        file=sys.stderr,
                    )
                if not past:
                    break
                for event in past:
                    await show(event)
                if len(past) < 1000:
                    break
        if not json_lines:
            print(f"Watching {a.album or 'the studio'} (Ctrl+C stops).", file=sys.stderr)
        stop = asyncio.ensure_future(stopping.wait())
        while True:
            get = asyncio.ensure_future(sub.get())
            done, _ = await asyncio.wait({get, stop}, return_when=asyncio.FIRST_COMPLETED)
            if get not in done:
                get.cancel()
                break
            await show(get.result())
    finally:
        sub.close()
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.remove_signal_handler(signal.SIGTERM)
    return None, ""  # every line is printed as it comes
