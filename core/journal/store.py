"""Writing journal entries inside a service call's transaction, and reading them back.

Sequence numbers come from the studio's row in `journal_heads`, advanced by an upsert in the same
transaction as the entries. On PostgreSQL that row stays locked until the commit, so two writers
of one studio commit in the order of their numbers and a follower that has read up to N never
sees N+2 before N+1. SQLite has one writer at a time anyway (BEGIN IMMEDIATE).
"""

from __future__ import annotations

import enum
import json
import uuid
from collections.abc import Iterable
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.catalog.base import utcnow
from core.catalog.journal import JournalEntry, JournalHead
from core.catalog.lookups import journal_heads
from core.catalog.rls import enter_studio
from core.changes import Change
from core.events import Event

# Entries are kept this long; a follower that has been away longer re-reads everything (the
# journal hands it one Change.RESYNC). The newest entry of a studio is always kept.
KEEP_DAYS = 30
NOTIFY_CHANNEL = "photoflow_journal"
READ_BATCH = 1000
NOTIFY_MAX = 7900  # PostgreSQL refuses a NOTIFY payload of 8000 bytes or more


def _plain(value: Any) -> Any:
    """Event data as JSON keeps it: ids and times as strings, enums as their values."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(v) for v in value]
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


async def _advance_head(
    session: AsyncSession, tenant_id: uuid.UUID, count: int, said: tuple[str, str] | None
) -> int:
    """The studio's head moved on by `count`; on PostgreSQL the same statement sends the NOTIFY
    (`said`: what comes before and after the new number), one round trip less per call."""
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    # Each dialect's module is loaded by its engine already; not the other's (PostgreSQL's, with
    # its drivers, is a tenth of a second of a SQLite command's start).
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = (
        insert(JournalHead)
        .values(tenant_id=tenant_id, seq=count, compacted_to=0)
        .on_conflict_do_update(
            index_elements=[JournalHead.tenant_id], set_={"seq": JournalHead.seq + count}
        )
    )
    if dialect == "postgresql" and said is not None:
        # Delivered by PostgreSQL at commit, and only if the transaction commits.
        notify = func.pg_notify(NOTIFY_CHANNEL, func.concat(said[0], JournalHead.seq, said[1]))
        return int((await session.execute(stmt.returning(JournalHead.seq, notify))).one()[0])
    return int((await session.execute(stmt.returning(JournalHead.seq))).scalar_one())


async def record(session: AsyncSession, events: Iterable[Event]) -> list[Event]:
    """Write the events as journal entries; they come back numbered."""
    by_tenant: dict[uuid.UUID, list[Event]] = {}
    for event in events:
        by_tenant.setdefault(event.tenant_id, []).append(event)
    numbered: list[Event] = []
    now = utcnow()
    for tenant_id, batch in by_tenant.items():
        # A call may change another studio than its own (a superadmin suspending one): each
        # studio's entries are written inside that studio (core/catalog/rls.py).
        await enter_studio(session, tenant_id)
        plain = [
            Event(e.kind, tenant_id, e.album_id, e.photo_id, _plain(e.data), actor=e.actor, at=now)
            for e in batch
        ]
        head = await _advance_head(session, tenant_id, len(batch), notice_parts(tenant_id, plain))
        first = head - len(batch) + 1
        for offset, event in enumerate(plain):
            stamped = replace(event, seq=first + offset)
            session.add(
                JournalEntry(
                    tenant_id=tenant_id,
                    seq=stamped.seq,
                    at=now,
                    kind=event.kind.value,
                    album_id=event.album_id,
                    photo_id=event.photo_id,
                    actor=event.actor[:400],
                    data=event.data,
                )
            )
            numbered.append(stamped)
    return numbered


def notice_parts(tenant_id: uuid.UUID, events: list[Event]) -> tuple[str, str]:
    """What a commit's NOTIFY says, around the studio's new newest number: "<studio>:<number>",
    then on a second line the entries themselves (oldest first, the last one numbered <number>)
    when they fit, so that a follower publishes them without reading them back."""
    entries = [
        [e.kind.value, _plain(e.album_id), _plain(e.photo_id), e.data, e.actor, _plain(e.at)]
        for e in events
    ]
    rest = "\n" + json.dumps(entries, separators=(",", ":"))
    if len(str(tenant_id)) + 21 + len(rest.encode()) > NOTIFY_MAX:
        rest = ""
    return f"{tenant_id}:", rest


def notice(tenant_id: uuid.UUID, head: int, events: list[Event]) -> str:
    """The NOTIFY payload for `events`, the last of them numbered `head`."""
    before, after = notice_parts(tenant_id, events)
    return f"{before}{head}{after}"


def read_notice(payload: str) -> tuple[uuid.UUID, int, list[Event] | None] | None:
    """A NOTIFY's studio, newest number and entries (None when it did not carry them); None for
    a payload that is not ours."""
    try:
        first, _, rest = payload.partition("\n")
        tenant_text, _, head_text = first.partition(":")
        tenant_id, head = uuid.UUID(tenant_text), int(head_text)
        if not rest:
            return tenant_id, head, None
        entries = json.loads(rest)
        start = head - len(entries) + 1
        events = [
            Event(
                Change(kind),
                tenant_id,
                uuid.UUID(album) if album else None,
                uuid.UUID(photo) if photo else None,
                data or {},
                seq=start + offset,
                actor=actor,
                at=datetime.fromisoformat(at) if at else None,
            )
            for offset, (kind, album, photo, data, actor, at) in enumerate(entries)
        ]
    except (ValueError, TypeError):
        return None
    return tenant_id, head, events


async def heads(session: AsyncSession) -> dict[uuid.UUID, tuple[int, int]]:
    """The newest sequence number and how far compaction has gone of every studio the
    transaction sees (on PostgreSQL the one it entered; core.catalog.lookups.journal_heads has
    every studio's): a tiny read."""
    rows = await session.execute(
        select(JournalHead.tenant_id, JournalHead.seq, JournalHead.compacted_to)
    )
    return {tenant: (seq, compacted) for tenant, seq, compacted in rows}


async def head_of(session: AsyncSession, tenant_id: uuid.UUID) -> tuple[int, int]:
    """One studio's newest sequence number and how far compaction has gone ((0, 0) before its
    first change)."""
    return (await heads(session)).get(tenant_id, (0, 0))


def as_event(entry: JournalEntry) -> Event:
    return Event(
        Change(entry.kind),
        entry.tenant_id,
        entry.album_id,
        entry.photo_id,
        dict(entry.data or {}),
        seq=entry.seq,
        actor=entry.actor,
        at=entry.at,
    )


async def entries_after(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    seq: int,
    *,
    album_id: uuid.UUID | None = None,
    limit: int = READ_BATCH,
) -> list[Event]:
    """The studio's entries numbered above `seq`, oldest first (by primary key: no scan)."""
    query = select(JournalEntry).where(JournalEntry.tenant_id == tenant_id, JournalEntry.seq > seq)
    if album_id is not None:
        query = query.where(JournalEntry.album_id == album_id)
    rows = await session.scalars(query.order_by(JournalEntry.seq).limit(limit))
    return [as_event(entry) for entry in rows]


async def compact(session: AsyncSession, keep_days: int = KEEP_DAYS) -> int:
    """Remove entries older than `keep_days`, keeping each studio's newest; returns how many.
    Every studio's, each inside its studio."""
    cutoff = utcnow() - timedelta(days=keep_days)
    removed = 0
    for tenant_id, (head, _compacted) in (await journal_heads(session)).items():
        await enter_studio(session, tenant_id)
        last_old = await session.scalar(
            select(func.max(JournalEntry.seq)).where(
                JournalEntry.tenant_id == tenant_id,
                JournalEntry.at < cutoff,
                JournalEntry.seq < head,
            )
        )
        if last_old is None:
            continue
        result = await session.execute(
            delete(JournalEntry).where(
                JournalEntry.tenant_id == tenant_id, JournalEntry.seq <= last_old
            )
        )
        removed += result.rowcount or 0
        head_row = await session.get(JournalHead, tenant_id)
        if head_row is not None and head_row.compacted_to < last_old:
            head_row.compacted_to = last_old
    return removed
