"""Following the journal: every committed change reaches this process's subscribers once, in
sequence order, whichever process made it.

A change made in this process is handed over right after its commit and published at once when
it is the next number expected. On PostgreSQL another process's change arrives with its NOTIFY,
entries included, and is published at once in the same way, without a read. Anything else (a gap,
a notice too big to carry its entries, a SQLite commit) wakes the follower, which reads the
studio's new entries by sequence number and publishes them in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Iterable
from pathlib import Path

from core.catalog.database import Database
from core.catalog.lookups import journal_heads
from core.changes import Change
from core.events import Event, EventHub
from core.journal.store import compact, entries_after, read_notice
from core.journal.wakeups import listen_postgres, watch_catalog_files

log = logging.getLogger(__name__)

COMPACT_EVERY_S = 24 * 3600


class JournalFollower:
    def __init__(self, db: Database, hub: EventHub, *, catalog_file: Path | None = None) -> None:
        self.db = db
        self.hub = hub
        self.catalog_file = catalog_file
        self.positions: dict[uuid.UUID, int] = {}
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self.running = False

    async def start(self, *, compact_journal: bool = True) -> None:
        """Start from each studio's newest entry: subscribers hear what is committed from now."""
        async with self.db.session() as session, session.begin():
            if compact_journal:
                removed = await compact(session)
                if removed:
                    log.info("journal: compacted %d old entries", removed)
            studios = await journal_heads(session)
            self.positions = {t: seq for t, (seq, _c) in studios.items()}
        self.running = True
        if self.db.is_sqlite:
            assert self.catalog_file is not None
            watch = watch_catalog_files(self.catalog_file, self.wake)
        else:
            watch = listen_postgres(self.db.listen_url, self.wake, self.heard)
        self._tasks = [
            asyncio.create_task(self._follow(), name="journal-follow"),
            asyncio.create_task(watch, name="journal-wakeups"),
        ]
        if compact_journal:
            self._tasks.append(asyncio.create_task(self._compact_daily(), name="journal-compact"))

    async def stop(self) -> None:
        self.running = False
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks = []

    def wake(self) -> None:
        self._wake.set()

    def committed(self, events: Iterable[Event]) -> None:
        """This process's own changes, just committed: publish what is next in line."""
        if not self.running:
            return
        for event in events:
            if event.seq is None:
                continue
            if event.seq == self.positions.get(event.tenant_id, 0) + 1:
                self.positions[event.tenant_id] = event.seq
                self.hub.publish(event)
            elif event.seq > self.positions.get(event.tenant_id, 0):
                self.wake()  # someone else's entry comes first: read them all in order

    def heard(self, payload: str) -> None:
        """A NOTIFY from a commit, this process's or another's: publish the entries it carries
        when they are next in line; a change already published (our own) costs nothing."""
        if not self.running:
            return
        said = read_notice(payload)
        if said is None:
            self.wake()
            return
        tenant_id, head, events = said
        if head <= self.positions.get(tenant_id, 0):
            return
        if not events or events[0].seq != self.positions.get(tenant_id, 0) + 1:
            self.wake()  # missed something, or the entries did not fit: read them in order
            return
        for event in events:
            self.positions[tenant_id] = event.seq  # type: ignore[assignment]
            self.hub.publish(event)
        if head > self.positions[tenant_id]:
            self.wake()

    async def catch_up(self) -> None:
        async with self.db.reading() as session:  # the numbers only, of every studio
            newest = await journal_heads(session)
        for tenant_id, (head, compacted_to) in newest.items():
            position = self.positions.get(tenant_id, 0)
            if head <= position:
                continue
            if compacted_to > position:
                # Entries we never saw are gone: everyone showing this studio re-reads it.
                self.positions[tenant_id] = compacted_to
                self.hub.publish(Event(Change.RESYNC, tenant_id, seq=compacted_to))
            await self._read(tenant_id, head)

    async def _read(self, tenant_id: uuid.UUID, head: int) -> None:
        while self.positions.get(tenant_id, 0) < head:
            async with self.db.reading(tenant_id) as session:
                batch = await entries_after(session, tenant_id, self.positions.get(tenant_id, 0))
            if not batch:
                return
            for event in batch:
                # Our own changes may have been published while we read: skip those.
                if event.seq is not None and event.seq > self.positions.get(tenant_id, 0):
                    self.positions[tenant_id] = event.seq
                    self.hub.publish(event)

    async def _follow(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            try:
                await self.catch_up()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("journal: could not read new changes; trying again")
                await asyncio.sleep(0.5)
                self.wake()

    async def _compact_daily(self) -> None:
        while True:
            await asyncio.sleep(COMPACT_EVERY_S)
            try:
                async with self.db.session() as session, session.begin():
                    await compact(session)
            except Exception:
                log.exception("journal: compaction failed; trying again tomorrow")
