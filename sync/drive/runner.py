"""The desktop's background Drive sync: an album is synced soon after something changes in it
here (the journal's live events: versions, a delivery's finals, its presets), and every synced album is looked at on a timer (Drive's
changes feed). Runs on the app's event loop; Drive's HTTP runs on the Drive client's worker
threads, never on the GUI thread. Tells its state after each step: in sync, uploading 12 of 240,
conflict, paused (the breaker's message)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable

from core.changes import Change
from core.errors import PhotoFlowError
from core.policies import Actor
from core.services import Services
from sync.drive.engine import AlbumSync, SyncProgress
from sync.drive.remote import Drive

log = logging.getLogger(__name__)

POLL_SECONDS = 60.0  # how often Drive's changes feed is read when nothing happens here
SETTLE_SECONDS = 2.0  # a card being imported: wait for it to settle before syncing

Tell = Callable[[str], None]


class DriveSyncRunner:
    def __init__(
        self,
        services: Services,
        actor: Actor,
        drive: Drive,
        tell: Tell,
        *,
        poll: float = POLL_SECONDS,
        settle: float = SETTLE_SECONDS,
    ) -> None:
        self.s = services
        self.actor = actor
        self.drive = drive
        self.tell = tell
        self.poll = poll
        self.settle = settle
        self.sync = AlbumSync(services, actor, drive, progress=self._progress)
        self._due: set[uuid.UUID] = set()  # changed here, since the last round
        self._asked: set[uuid.UUID] = set()  # someone asked for this album (its first sync too)
        self._wake = asyncio.Event()
        self._stopping = False
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        self._tasks = [
            asyncio.ensure_future(self._follow()),
            asyncio.ensure_future(self._work()),
        ]

    async def stop(self, patience: float = 15.0) -> None:
        """Let the album being synced finish its step (a catalog call is never cut in half),
        then stop; after `patience` seconds the run is cancelled where it is (its finished steps
        are recorded; the next start goes on from them)."""
        self._stopping = True
        self._wake.set()
        follow, work = self._tasks
        follow.cancel()
        try:
            await asyncio.wait_for(asyncio.shield(work), patience)
        except (TimeoutError, asyncio.CancelledError):
            work.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await self.drive.close()

    def sync_now(self, album_id: uuid.UUID | None = None) -> None:
        """Sync this album (else every synced album) as soon as the runner is free."""
        if album_id is not None:
            self._asked.add(album_id)
        self._wake.set()

    async def sync_all(self) -> None:
        """Every album of the studio, the ones never synced with Drive too (their first sync)."""
        for album in await self.s.albums.list(self.actor):
            self._asked.add(album.id)
        self._wake.set()

    async def _follow(self) -> None:
        with self.s.events.subscription(self.actor.tenant_id) as feed:
            async for event in feed:
                if event.album_id and _to_send(event.kind, event.data):
                    self._due.add(event.album_id)
                    self._wake.set()

    async def _work(self) -> None:
        while not self._stopping:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll)
            if self._stopping:
                return
            if self._due:
                await asyncio.sleep(self.settle)  # let a card being imported settle
            self._wake.clear()
            due, self._due = self._due, set()
            asked, self._asked = self._asked, set()
            try:
                synced = await self.s.drive.albums(self.actor)
            except PhotoFlowError:
                log.exception("could not read which albums are synced with Drive")
                continue
            # Albums that changed here and are synced, and the ones asked for; on the timer
            # (nothing changed here), every synced album, for what changed in Drive.
            albums = [a for a in synced if a in due] if due or asked else synced
            for album_id in [*albums, *(a for a in asked if a not in albums)]:
                if self._stopping:
                    return
                await self._one(album_id)
            await self._tell_summary()

    async def _one(self, album_id: uuid.UUID) -> None:
        try:
            report = await self.sync.run(album_id)
        except PhotoFlowError as exc:
            self.tell(f"Drive: {exc}")
            return
        except Exception:  # a bug must not end the runner: the next round tries again
            log.exception("Drive sync of %s failed", album_id)
            self.tell("Drive: the sync failed; the log has details")
            return
        if report.paused:
            self.tell(f"Drive paused: {report.paused}")

    def _progress(self, p: SyncProgress) -> None:
        if p.state in ("uploading", "downloading", "syncing") and p.total:
            self.tell(f"Drive: {p.album} {p.state} {p.done} of {p.total}")
        elif p.state in ("paused", "stopped") and p.message:
            self.tell(f"Drive {p.state}: {p.message}")

    async def _tell_summary(self) -> None:
        try:
            states = await self.s.drive.status(self.actor)
        except PhotoFlowError:
            return
        self.tell(summary(states))


def _to_send(kind: Change, data: dict) -> bool:  # type: ignore[type-arg]
    """Whether a change here has files for Drive: a version came in or went, a delivery ended
    (its finals are made; not each final, so that a delivery is sent once), or the album's
    presets were chosen anew (a dropped preset's finals go to Drive's trash)."""
    if kind in (Change.PHOTO_VERSION, Change.PHOTO_REMOVED):
        return True
    if kind is Change.ALBUM_DELIVERY:
        return data.get("state") in ("done", "failed")
    return kind is Change.ALBUM_CHANGED and "presets" in data


def summary(states: list) -> str:  # type: ignore[type-arg]
    """One line for the status bar from every album's Drive state."""
    if not states:
        return "Drive: no album synced yet"
    paused = [s for s in states if s.state in ("paused", "stopped")]
    if paused:
        return f"Drive {paused[0].words}" if len(paused) == 1 else f"Drive: {len(paused)} paused"
    conflicts = sum(s.conflicts for s in states)
    problems = [s for s in states if s.state == "problems"]
    if conflicts:
        return f"Drive: {conflicts} conflict{'s' if conflicts != 1 else ''}"
    if problems:
        return f"Drive: {problems[0].album} has problems"
    return "Drive: in sync"
