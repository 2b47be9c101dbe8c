"""Isolation between studios on a shared PostgreSQL 15, as the app role `photoflow server init`
made: row-level security holds whatever SQL the app sends, the studio is set per transaction and
never leaks to the next one on a pooled connection, directly or through pgbouncer."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from app.bootstrap import close_services, context_of, open_services
from core.catalog import Album, JournalEntry, ShareLink, Tenant
from core.changes import Change
from core.errors import NotFound, PhotoFlowError
from core.home import Home
from core.policies import Actor
from core.services import Services
from tests.conftest import server_database
from tests.integration.cli import photoflow
from tests.pgbouncer import Bouncer
from tests.pgcluster import Cluster

pytestmark = pytest.mark.postgres


def dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@dataclass
class TwoStudios:
    url: str  # the app role's
    services: Services
    lumen: Actor
    other: Actor


async def two_studios(services: Services) -> tuple[Actor, Actor]:
    await services.tenants.initialise("Lumen Studio", "owner@lumen.test", "Olga")
    lumen = await services.users.actor_for("owner@lumen.test")
    await services.tenants.create(lumen, "Other Studio", "boss@other.test")
    other = await services.users.actor_for("boss@other.test")
    for actor, prefix in ((lumen, "Lumen"), (other, "Other")):
        for n in range(3):
            album = await services.albums.create(actor, f"{prefix} album {n}")
        await services.links.create(actor, album.id)
    return lumen, other


@pytest.fixture
async def shared(pg_cluster: Cluster, tmp_path: Path) -> AsyncIterator[TwoStudios]:
    url = server_database(pg_cluster)
    services = await open_services(Home(tmp_path / "home"), database_url=url, follow=False)
    try:
        lumen, other = await two_studios(services)
        yield TwoStudios(url, services, lumen, other)
    finally:
        await close_services(services)


async def studio_tables(conn: asyncpg.Connection) -> list[str]:
    """Every table with a studio column, found in the catalog, not from a list of ours."""
    rows = await conn.fetch(
        "SELECT DISTINCT c.relname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND c.relkind = 'r' AND a.attname = 'tenant_id' "
        "AND NOT a.attisdropped ORDER BY 1"
    )
    return ["tenants", *(r["relname"] for r in rows)]


async def in_studio(conn: asyncpg.Connection, tenant: uuid.UUID | None) -> None:
    await conn.execute("SELECT set_config('photoflow.tenant', $1, true)", str(tenant or ""))


async def test_another_studios_rows_are_out_of_reach_of_the_app_role(shared: TwoStudios):
    lumen, other = shared.lumen.tenant_id, shared.other.tenant_id
    conn = await asyncpg.connect(dsn(shared.url))
    try:
        tables = await studio_tables(conn)
        assert {"users", "albums", "photos", "share_links", "journal_entries"} <= set(tables)
        assert "audit_events" in tables and "journal_heads" in tables

        # No studio set: nothing at all, in a transaction or not, before or after one that set it.
        for table in tables:
            assert await conn.fetchval(f"SELECT count(*) FROM {table}") == 0, table
        async with conn.transaction():
            await in_studio(conn, lumen)
            assert await conn.fetchval("SELECT count(*) FROM albums") == 3
        for table in tables:
            assert await conn.fetchval(f"SELECT count(*) FROM {table}") == 0, table

        async with conn.transaction():
            await in_studio(conn, lumen)
            # Another studio's rows: 0 on select, update and delete, even when asked by id.
            for table in tables:
                column = "id" if table == "tenants" else "tenant_id"
                n = await conn.fetchval(f"SELECT count(*) FROM {table} WHERE {column} = $1", other)
                assert n == 0, table
            assert await conn.fetchval("SELECT count(*) FROM albums") == 3
            assert await conn.fetchval("SELECT count(*) FROM tenants") == 1
            assert (
                await conn.execute(
                    "UPDATE albums SET name = name || ' (taken)' WHERE tenant_id = $1", other
                )
                == "UPDATE 0"
            )
            assert await conn.execute("DELETE FROM albums WHERE tenant_id = $1", other) == (
                "DELETE 0"
            )
            assert await conn.execute("DELETE FROM share_links WHERE tenant_id = $1", other) == (
                "DELETE 0"
            )
            assert await conn.execute("UPDATE tenants SET name = 'x' WHERE id = $1", other) == (
                "UPDATE 0"
            )
        # An insert in another studio's name fails, and so does moving a row over to it.
        for statement in (
            "INSERT INTO albums (id, tenant_id, name, stage, round, created_at, updated_at, "
            "row_version) VALUES (gen_random_uuid(), $1, 'Planted', 'raw', 1, now(), now(), 1)",
            "UPDATE albums SET tenant_id = $1",
            "INSERT INTO journal_heads (tenant_id, seq, compacted_to) VALUES ($1, 99, 0) "
            "ON CONFLICT (tenant_id) DO UPDATE SET seq = 99",
            "INSERT INTO audit_events (id, tenant_id, at, actor, action, outcome, detail, "
            "duration_ms) VALUES (gen_random_uuid(), $1, now(), 'x', 'x', 'ok', '{}', 0)",
        ):
            with pytest.raises(asyncpg.InsufficientPrivilegeError, match="row-level security"):
                async with conn.transaction():
                    await in_studio(conn, lumen)
                    await conn.execute(statement, other)
        # The audit log is append-only for the app role.
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            async with conn.transaction():
                await in_studio(conn, lumen)
                await conn.execute("DELETE FROM audit_events")
    finally:
        await conn.close()
    # Nothing of the other studio moved.
    names = [a.name for a in await shared.services.albums.list(shared.other)]
    assert sorted(names) == [f"Other album {n}" for n in range(3)]


async def test_every_studio_table_forces_row_level_security_and_the_app_role_owns_nothing(
    shared: TwoStudios, pg_cluster: Cluster
):
    app = make_url(shared.url).username
    admin = await asyncpg.connect(dsn(pg_cluster.url(make_url(shared.url).database or "")))
    try:
        tables = await studio_tables(admin)
        rows = await admin.fetch(
            "SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class "
            "WHERE relname = ANY($1::text[]) AND relkind = 'r'",
            tables,
        )
        assert sorted(r["relname"] for r in rows) == sorted(tables)
        assert [r["relname"] for r in rows if not r["relrowsecurity"]] == []
        assert [r["relname"] for r in rows if not r["relforcerowsecurity"]] == []
        policies = await admin.fetch(
            "SELECT tablename, qual, with_check FROM pg_policies WHERE policyname = "
            "'photoflow_studio'"
        )
        assert sorted(p["tablename"] for p in policies) == sorted(tables)
        assert all("photoflow.tenant" in p["qual"] for p in policies)
        assert all("photoflow.tenant" in p["with_check"] for p in policies)

        role = await admin.fetchrow(
            "SELECT rolsuper, rolbypassrls, rolcreaterole, rolcreatedb, rolcanlogin "
            "FROM pg_roles WHERE rolname = $1",
            app,
        )
        assert role is not None and role["rolcanlogin"]
        assert not (role["rolsuper"] or role["rolbypassrls"])
        assert not (role["rolcreaterole"] or role["rolcreatedb"])
        owned = await admin.fetchval(
            "SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner "
            "WHERE r.rolname = $1",
            app,
        )
        assert owned == 0
        functions = await admin.fetchval(
            "SELECT count(*) FROM pg_proc p JOIN pg_roles r ON r.oid = p.proowner "
            "WHERE r.rolname = $1",
            app,
        )
        assert functions == 0
        # The look-ups that cross studios: the app role may call them, nobody else may.
        await admin.execute("CREATE ROLE stranger LOGIN")
        stranger = await asyncpg.connect(
            dsn(make_url(shared.url).set(username="stranger", password=None).render_as_string())
        )
        try:
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await stranger.fetchval("SELECT photoflow_tenant_of_user('owner@lumen.test')")
        finally:
            await stranger.close()
            await admin.execute("DROP ROLE stranger")
    finally:
        await admin.close()
    conn = await asyncpg.connect(dsn(shared.url))
    try:
        tenant = await conn.fetchval("SELECT photoflow_tenant_of_user('owner@lumen.test')")
        assert tenant == shared.lumen.tenant_id
    finally:
        await conn.close()


async def test_server_init_again_keeps_the_roles_and_their_password(
    pg_cluster: Cluster, tmp_path: Path
):
    admin_url = pg_cluster.url(f"t_{uuid.uuid4().hex[:12]}")  # init makes the database too
    home = tmp_path / "home"
    first = await asyncio.to_thread(photoflow, home, "server", "init", "--db", admin_url, "--json")
    assert first.code == 0, first.err
    made = json.loads(first.out)
    assert made["created"] and made["password_set"]
    url = make_url(made["app_url"])
    assert url.username and url.password and url.username != "photoflow"
    again = await asyncio.to_thread(photoflow, home, "server", "init", "--db", admin_url, "--json")
    assert again.code == 0, again.err
    kept = json.loads(again.out)
    assert not kept["created"] and not kept["password_set"]
    assert make_url(kept["app_url"]).username == url.username
    assert make_url(kept["app_url"]).password is None  # not rotated, so not known to print
    bad = await asyncio.to_thread(photoflow, home, "server", "init", "--db", "sqlite:///x.db")
    assert bad.code != 0 and "PostgreSQL" in bad.err and "Traceback" not in bad.err


async def test_the_app_role_behind_on_migrations_is_told_to_run_init(
    pg_cluster: Cluster, tmp_path: Path
):
    url = server_database(pg_cluster)
    admin = await asyncpg.connect(dsn(pg_cluster.url(make_url(url).database or "")))
    try:
        await admin.execute("UPDATE alembic_version SET version_num = '0004'")
    finally:
        await admin.close()
    with pytest.raises(PhotoFlowError, match="photoflow server init"):
        await open_services(Home(tmp_path / "home"), database_url=url, follow=False)


async def hammer(services: Services, lumen: Actor, other: Actor, requests: int = 1000) -> int:
    """`requests` service calls, alternating between the studios, many in flight at once; every
    answer is checked for the other studio's rows. Returns how many albums were created."""
    prefix = {lumen.tenant_id: "Lumen", other.tenant_id: "Other"}
    created = 0
    gate = asyncio.Semaphore(16)

    async def one(i: int) -> None:
        nonlocal created
        actor = lumen if i % 2 == 0 else other
        mine = prefix[actor.tenant_id]
        async with gate:
            kind = i % 6
            if kind == 0:
                await services.albums.create(actor, f"{mine} album r{i}")
                created += 1
            elif kind == 1:
                names = [a.name for a in await services.albums.list(actor)]
                assert names and all(n.startswith(mine) for n in names), names
            elif kind == 2:
                events, _ = await services.journal.since(actor, 0)
                assert events and {e.tenant_id for e in events} == {actor.tenant_id}
            elif kind == 3:
                entries = await services.audit.events(actor, limit=50)
                assert entries and all(
                    e.actor.endswith(("@lumen.test", "system"))
                    if mine == "Lumen"
                    else e.actor.endswith(("@other.test", "system"))
                    for e in entries
                ), [e.actor for e in entries]
            elif kind == 4:
                # Underneath the services' own filters: what the transaction sees at all.
                async with context_of(services).call(actor, "test.peek", audit=False) as call:
                    seen = set(await call.session.scalars(select(Album.tenant_id)))
                    seen |= set(await call.session.scalars(select(ShareLink.tenant_id)))
                    seen |= set(await call.session.scalars(select(JournalEntry.tenant_id)))
                    seen |= set(await call.session.scalars(select(Tenant.id)))
                assert seen == {actor.tenant_id}, seen
            else:
                theirs = other if actor is lumen else lumen
                with pytest.raises(NotFound):
                    await services.albums.show(actor, f"{prefix[theirs.tenant_id]} album 0")

    await asyncio.gather(*(one(i) for i in range(requests)))
    return created


async def check_counts(services: Services, lumen: Actor, other: Actor, created: int) -> None:
    lumen_albums = await services.albums.list(lumen)
    other_albums = await services.albums.list(other)
    assert len(lumen_albums) + len(other_albums) == 6 + created
    assert all(a.name.startswith("Lumen") for a in lumen_albums)
    assert all(a.name.startswith("Other") for a in other_albums)


async def test_a_thousand_requests_through_two_connections_read_nothing_across(
    pg_cluster: Cluster, tmp_path: Path
):
    url = server_database(pg_cluster)
    home = Home(tmp_path / "home")
    services = await open_services(home, database_url=url, follow=False, pool_size=2)
    try:
        lumen, other = await two_studios(services)
        created = await hammer(services, lumen, other)
        await check_counts(services, lumen, other, created)
    finally:
        await close_services(services)


async def nothing_carries_over_through(pooled: str, studio: uuid.UUID) -> None:
    """Two clients of the pooler, on its two server connections: what one set for its
    transaction is gone for the next transaction on that server connection, whoever runs it."""
    clients = [await asyncpg.connect(dsn(pooled), statement_cache_size=0) for _ in range(2)]
    try:
        for n in range(50):
            setter, reader = clients[n % 2], clients[(n + 1) % 2]
            async with setter.transaction():
                await in_studio(setter, studio)
                assert await setter.fetchval("SELECT count(*) FROM albums") > 0
            assert await reader.fetchval("SELECT count(*) FROM albums") == 0
            assert await setter.fetchval("SELECT count(*) FROM albums") == 0
    finally:
        for client in clients:
            await client.close()


async def test_a_thousand_requests_through_pgbouncer_in_transaction_mode(
    pg_cluster: Cluster, tmp_path: Path
):
    """Four client connections share two server connections, transaction by transaction: a
    studio set per session would leak; set per transaction it cannot. The journal's LISTEN goes
    to PostgreSQL directly (listen_url), past the pooler."""
    url = server_database(pg_cluster)
    bouncer = Bouncer(pg_cluster, [make_url(url).username or ""], server_pool=2).start()
    home = Home(tmp_path / "home")
    try:
        pooled = bouncer.url_for(url)
        services = await open_services(home, database_url=pooled, listen_url=url, pool_size=4)
        writer = None
        try:
            lumen, other = await two_studios(services)
            created = await hammer(services, lumen, other)
            await check_counts(services, lumen, other, created)
            await nothing_carries_over_through(bouncer.url_for(url), lumen.tenant_id)
            # Another process's changes reach this one through LISTEN on the direct URL, at
            # once: three in a row well inside one of the follower's 5 s fallback rounds.
            db = context_of(services).db
            assert db.pooled and db.listen_url == url and db.url == pooled
            sub = services.events.subscribe(other.tenant_id)
            try:
                writer = await open_services(
                    home, database_url=pooled, listen_url=url, follow=False
                )
                started = time.monotonic()
                for n in range(3):
                    await writer.albums.create(other, f"Other album from elsewhere {n}")
                    event = await asyncio.wait_for(sub.get(), 10)
                    assert event.kind is Change.ALBUM_CREATED
                    assert event.tenant_id == other.tenant_id
                assert time.monotonic() - started < 4
            finally:
                sub.close()
        finally:
            if writer is not None:
                await close_services(writer)
            await close_services(services)
    finally:
        bouncer.stop()
