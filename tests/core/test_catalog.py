"""The catalog schema: migrations match the models on both databases; SQLite is tuned for safety."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select, text
from sqlalchemy.orm.exc import StaleDataError

from app.bootstrap import close_services, context_of, open_services
from core.catalog import Album, all_models
from core.catalog.rls import enter_studio
from core.errors import Conflict, PhotoFlowError
from core.services import Services
from tests.conftest import Studio, in_studio


async def test_migrations_match_the_models_and_rerun_cleanly(services: Services) -> None:
    db = context_of(services).db
    await db.migrate()  # a second time: nothing to do

    def diff(conn):  # type: ignore[no-untyped-def]
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(ctx, all_models().metadata)

    async with db.engine.connect() as conn:
        assert await conn.run_sync(diff) == []
        head = await conn.scalar(text("select version_num from alembic_version"))
    assert head is not None


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_sqlite_runs_in_wal_with_foreign_keys_and_full_sync(services: Services) -> None:
    async with context_of(services).db.engine.connect() as conn:
        assert (await conn.scalar(text("PRAGMA journal_mode"))) == "wal"
        assert (await conn.scalar(text("PRAGMA foreign_keys"))) == 1
        assert (await conn.scalar(text("PRAGMA synchronous"))) == 2  # FULL
    assert context_of(services).db.engine.pool.size() == 1  # one writer connection per process


async def test_a_stale_write_is_refused_not_lost(studio: Studio) -> None:
    """Optimistic concurrency: the row version catches a write based on an old read."""
    s = studio.services
    album = await s.albums.create(studio.photographer, "Race")
    tenant = studio.photographer.tenant_id
    async with in_studio(s, tenant) as first:
        stale = await first.scalar(select(Album).where(Album.id == album.id))
        await first.commit()  # the read is over; `stale` keeps the row version it saw
        await s.albums.set_limits(studio.photographer, album.id, 1, 4)  # someone else commits
        await enter_studio(first, tenant)  # the next transaction works in the studio too
        stale.client_name = "Late writer"
        with pytest.raises(StaleDataError):
            await first.commit()
    assert (await s.albums.show(studio.photographer, album.id)).client is None


async def test_concurrent_calls_do_not_trip_over_each_other(studio: Studio) -> None:
    s = studio.services
    names = [f"Album {i}" for i in range(20)]
    await asyncio.gather(*(s.albums.create(studio.photographer, n) for n in names))
    listed = {a.name for a in await s.albums.list(studio.photographer)}
    assert listed == set(names)
    with pytest.raises(Conflict):
        await s.albums.create(studio.photographer, "Album 3")


async def test_a_failed_call_leaves_nothing_behind_but_its_audit(studio: Studio) -> None:
    s = studio.services
    with pytest.raises(Conflict):
        await s.tenants.create(studio.admin, "Lumen Studio", f"{uuid.uuid4().hex}@x.test")
    assert [t.name for t in await s.tenants.list(studio.admin)] == ["Lumen Studio"]
    [event] = await s.audit.events(studio.admin, action="tenant.create")
    assert event.outcome == "failed" and "already exists" in (event.message or "")


def test_the_newest_migration_is_known_without_alembic() -> None:
    """Database.migrate skips Alembic when the catalog stores this revision: it must be the one
    Alembic itself would upgrade to."""
    from alembic.script import ScriptDirectory

    from core.catalog.database import alembic_config, head_revision

    assert head_revision() == ScriptDirectory.from_config(alembic_config()).get_current_head()


@pytest.mark.parametrize("backend", ["sqlite"])  # on PostgreSQL the app role may not write it
async def test_a_catalog_from_a_newer_photoflow_is_refused_in_plain_words(
    services: Services,
) -> None:
    """A teammate's newer PhotoFlow moved the catalog on: this one says so and touches nothing
    (before, Alembic's "Can't locate revision" surfaced as "Something went wrong")."""
    db = context_of(services).db
    async with db.engine.begin() as conn:
        await conn.execute(text("UPDATE alembic_version SET version_num = '0099_future'"))
    with pytest.raises(PhotoFlowError, match=r"newer PhotoFlow.*0099_future.*nothing was changed"):
        await db.migrate()
    assert await db.stored_revision() == "0099_future"


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_a_read_takes_no_write_lock(studio: Studio) -> None:
    """While one process reads at length (the desktop listing a 50,000-photo album), another
    (the command line, a standalone portal taking a client's pick) saves its change at once."""
    s = studio.services
    other = await open_services(context_of(s).home, follow=False)
    try:
        async with context_of(s).call(
            studio.photographer, "album.list", audit=False, read=True
        ) as c:
            await c.session.execute(select(Album.id))
            await asyncio.wait_for(other.albums.create(studio.photographer, "During a read"), 5)
    finally:
        await close_services(other)
    assert "During a read" in {a.name for a in await s.albums.list(studio.photographer)}
