"""The change journal: written with the audit row in the call's own transaction, numbered per
studio without gaps, compacted on a schedule, and followed by every process in order."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from app.bootstrap import close_services, context_of, open_services
from core.catalog import AuditEvent, JournalEntry, JournalHead
from core.catalog.base import utcnow
from core.changes import Change
from core.errors import NotPermitted, Refused
from core.events import Event, Subscription
from core.home import Home
from core.journal import compact
from core.policies import Role
from tests.conftest import Studio, in_studio
from tests.images import make_shoot


async def journal(studio: Studio, tenant: uuid.UUID | None = None) -> list[JournalEntry]:
    tenant = tenant or studio.admin.tenant_id
    async with in_studio(studio.services, tenant) as session:
        rows = await session.scalars(
            select(JournalEntry).where(JournalEntry.tenant_id == tenant).order_by(JournalEntry.seq)
        )
        return list(rows)


async def next_events(sub: Subscription, n: int, timeout: float = 10.0) -> list[Event]:
    return [await asyncio.wait_for(sub.get(), timeout) for _ in range(n)]


async def test_a_change_is_journalled_with_its_audit_row_and_numbered_in_order(studio: Studio):
    s, pia = studio.services, studio.photographer
    before = await journal(studio)
    album = await s.albums.create(pia, "Smith Wedding", client="J. Smith")
    await s.albums.set_limits(pia, album.id, 2, 10)
    after = await journal(studio)
    new = after[len(before) :]
    assert [e.kind for e in new] == [Change.ALBUM_CREATED, Change.ALBUM_CHANGED]
    assert [e.seq for e in after] == list(range(1, len(after) + 1))  # no gaps, only grows
    assert new[0].album_id == album.id and new[0].actor == "pia@lumen.test"
    assert new[0].data == {"name": "Smith Wedding", "client": "J. Smith"}
    assert new[1].data == {"min_select": 2, "max_select": 10}
    async with in_studio(s, pia.tenant_id) as session:
        head = await session.get(JournalHead, pia.tenant_id)
        audited = await session.scalar(
            select(func.count()).where(
                AuditEvent.action == "album.create", AuditEvent.outcome == "ok"
            )
        )
    assert head is not None and head.seq == after[-1].seq and audited == 1


async def test_a_refused_or_denied_call_leaves_no_entry(studio: Studio):
    s = studio.services
    album = await s.albums.create(studio.photographer, "Empty")
    before = await journal(studio)
    with pytest.raises(Refused):
        await s.albums.advance(studio.photographer, album.id)  # no photos yet
    with pytest.raises(NotPermitted):
        await s.albums.create(studio.editor, "Not mine")
    assert [e.seq for e in await journal(studio)] == [e.seq for e in before]


async def test_each_studio_has_its_own_numbers(studio: Studio):
    s, owner = studio.services, studio.admin
    await s.tenants.create(owner, "Other Studio", "boss@other.test")
    boss = await s.users.actor_for("boss@other.test")
    await s.albums.create(boss, "Theirs")
    await s.users.add(boss, "p@other.test", Role.PHOTOGRAPHER)
    theirs = await journal(studio, boss.tenant_id)
    assert [(e.seq, e.kind) for e in theirs] == [
        (1, Change.STUDIO_CREATED),
        (2, Change.ALBUM_CREATED),
        (3, Change.USER_CHANGED),
    ]
    ours = await journal(studio)
    assert all(e.tenant_id == owner.tenant_id for e in ours)


async def test_a_change_kind_outside_the_closed_set_is_refused(studio: Studio):
    ctx = context_of(studio.services)
    with pytest.raises(TypeError):
        async with ctx.call(studio.admin, "album.create") as call:
            call.emit("album.renamed")  # type: ignore[arg-type]
    assert not [e for e in await journal(studio) if e.kind == "album.renamed"]


async def test_subscribers_hear_every_change_once_and_in_order(studio: Studio, tmp_path: Path):
    s, pia = studio.services, studio.photographer
    album = await s.albums.create(pia, "Live")
    await s.imports.run(pia, album.id, make_shoot(tmp_path / "card", 3))
    rows = await s.photos.list(pia, album.id)
    sub = s.events.subscribe(pia.tenant_id, album.id)
    try:
        for stars, row in enumerate(rows, 1):
            await s.photos.rate(pia, album.id, str(row.id), stars)
        await s.photos.flag(pia, album.id, str(rows[0].id), "pick")
        heard = await next_events(sub, 4)
        assert [e.kind for e in heard] == [Change.PHOTO_MARKS] * 4
        assert [e.data["stars"] for e in heard[:3]] == [1, 2, 3]
        assert [e.seq for e in heard] == list(range(heard[0].seq, heard[0].seq + 4))
        await asyncio.sleep(0.3)
        assert sub.queue.empty()  # nothing twice
    finally:
        sub.close()


async def test_a_change_made_through_another_opening_of_the_catalog_is_heard(
    studio: Studio, database_url: str | None, tmp_path: Path
):
    """Two Services on one catalog behave as two processes: each follows the journal."""
    s, pia = studio.services, studio.photographer
    album = await s.albums.create(pia, "Shared")
    sub = s.events.subscribe(pia.tenant_id)
    home = Home(context_of(s).home.root)
    other = await open_services(home, database_url=database_url, follow=False)
    try:
        await other.albums.set_limits(pia, album.id, 1, 5)
        await other.albums.create(pia, "Second")
        heard = await next_events(sub, 2)
        assert [e.kind for e in heard] == [Change.ALBUM_CHANGED, Change.ALBUM_CREATED]
        assert heard[1].seq == heard[0].seq + 1
    finally:
        sub.close()
        await close_services(other)


async def test_compaction_keeps_a_month_and_the_newest_and_behind_followers_resync(
    studio: Studio, database_url: str | None
):
    s, pia = studio.services, studio.photographer
    for n in range(5):
        await s.albums.create(pia, f"Album {n}")
    entries = await journal(studio)
    newest = entries[-1].seq
    ctx = context_of(s)
    async with in_studio(s, pia.tenant_id) as session:
        await session.execute(
            update(JournalEntry)
            .where(JournalEntry.tenant_id == pia.tenant_id)
            .values(at=utcnow() - timedelta(days=45))
        )
        await session.commit()
    async with ctx.db.session() as session, session.begin():
        removed = await compact(session)
    left = await journal(studio)
    assert removed == len(entries) - 1 and [e.seq for e in left] == [newest]
    async with in_studio(s, pia.tenant_id) as session:
        head = await session.get(JournalHead, pia.tenant_id)
    assert head is not None and head.compacted_to == newest - 1 and head.seq == newest
    # A follower that was further behind than what is kept is told to re-read everything.
    events, compacted = await s.journal.since(pia, 0)
    assert compacted and [e.seq for e in events] == [newest]
    events, compacted = await s.journal.since(pia, newest - 1)
    assert not compacted
