"""The engine and sessions for the local SQLite catalog or a studio's PostgreSQL, and migrations.

SQLite: WAL, foreign keys on, synchronous=FULL, and exactly one connection per process. The SQLite
that ships with Python 3.11 (3.40) has the WAL-reset bug, which needs two connections of one process
writing while a checkpoint runs; with one connection that cannot happen. Transactions begin with
BEGIN IMMEDIATE so that another process (the CLI beside the desktop app) waits instead of failing
half-way.
"""

from __future__ import annotations

import functools
import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import event, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from core.catalog.rls import enter_studio
from core.errors import PhotoFlowError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")
# How a migration file names itself and its parent(s): `revision: str = "0002"`,
# `down_revision: str | None = "0001"` (a tuple for a merge), as Alembic's template writes them.
_REVISION = re.compile(r"^revision\s*(?::[^=]*)?=\s*[\"']([^\"']+)[\"']", re.MULTILINE)
_DOWN_REVISION = re.compile(r"^down_revision\s*(?::[^=]*)?=(.*)$", re.MULTILINE)


def sqlite_url(path: Path | str) -> str:
    return f"sqlite+aiosqlite:///{Path(path)}"


class Database:
    """Owns the engine; created by the composition root, disposed at shutdown."""

    def __init__(
        self,
        url: str,
        *,
        echo: bool = False,
        listen_url: str | None = None,
        pool_size: int = 10,
        max_overflow: int = 10,
    ) -> None:
        """`listen_url`: PostgreSQL behind a transaction-mode pooler (pgbouncer). `url` is then the
        pooler's, which cannot carry LISTEN nor keep a prepared statement from one transaction to
        the next; `listen_url` reaches PostgreSQL directly and is used for LISTEN only."""
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        self.listen_url = listen_url or url
        self.pooled = listen_url is not None and listen_url != url
        kwargs: dict[str, Any] = {"echo": echo}
        if self.is_sqlite:
            kwargs.update(pool_size=1, max_overflow=0, pool_timeout=120)
        else:
            kwargs.update(pool_size=pool_size, max_overflow=max_overflow, pool_pre_ping=True)
            if self.pooled:
                kwargs["connect_args"] = _through_pooler()
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        if self.is_sqlite:
            _tune_sqlite(self.engine)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    def session(self) -> AsyncSession:
        return self.sessions()

    @asynccontextmanager
    async def reading(self, studio: uuid.UUID | None = None) -> AsyncIterator[AsyncSession]:
        """A read-only transaction. On SQLite a plain (deferred) BEGIN: a reader of the WAL takes
        no lock, so following the journal never makes another process's writer wait. On
        PostgreSQL it sees `studio`'s rows only (none without one; see core/catalog/rls.py)."""
        async with self.engine.connect() as conn:
            await conn.execution_options(photoflow_read_only=True)
            async with AsyncSession(bind=conn, expire_on_commit=False) as session:
                if studio is not None:
                    await enter_studio(session, studio)
                yield session

    async def migrate(self, *, as_role: str | None = None) -> None:
        """Bring the schema to the newest migration (idempotent).

        Alembic takes a third of a second to load, and almost every start finds nothing to do: the
        revision the catalog stores is read with a plain query and compared with the newest
        migration file's, and Alembic is loaded only when they differ.

        `as_role` (PostgreSQL): migrate as this role (SET LOCAL ROLE), which then owns what the
        migrations create; `photoflow server init` migrates as the studio's owner role."""
        head = head_revision()
        stored = await self.stored_revision()
        if head is not None and stored == head:
            return
        if stored is not None and stored not in known_revisions():
            raise PhotoFlowError(
                f"This catalog was last opened by a newer PhotoFlow (its migration {stored} is "
                f"unknown to this one, which goes up to {head or 'an older one'}). Update "
                "PhotoFlow to open it; nothing was changed."
            )
        try:
            async with self.engine.begin() as conn:
                if as_role is not None:
                    await conn.exec_driver_sql(f"SET LOCAL ROLE {quote_ident(as_role)}")
                await conn.run_sync(_upgrade)
        except DBAPIError as exc:
            denied = getattr(exc.orig, "sqlstate", None) == "42501"  # insufficient privilege
            if self.is_sqlite or not denied:
                raise
            # The studio server's app role owns nothing and cannot migrate: init does.
            raise PhotoFlowError(
                f"The studio database is at migration {stored or 'none'} and this PhotoFlow "
                f"needs {head or 'a newer one'}; run `photoflow server init --db URL` with a "
                "role that may create roles to bring it up to date."
            ) from exc

    async def stored_revision(self) -> str | None:
        """The migration the catalog is at, or None for a catalog Alembic has not set up."""
        async with self.engine.connect() as conn:
            try:
                return await conn.scalar(text("SELECT version_num FROM alembic_version"))
            except DBAPIError:  # no such table yet: a new catalog
                return None

    async def dispose(self) -> None:
        await self.engine.dispose()


def quote_ident(name: str) -> str:
    """A PostgreSQL identifier, quoted."""
    return '"' + name.replace('"', '""') + '"'


def _through_pooler() -> dict[str, Any]:
    """asyncpg behind pgbouncer in transaction mode: no statement kept between transactions,
    and every prepared statement named afresh, so that two clients sharing a server connection
    never clash over a name (SQLAlchemy's documented recipe for pgbouncer)."""
    return {
        "statement_cache_size": 0,
        "prepared_statement_cache_size": 0,
        "prepared_statement_name_func": lambda: f"__asyncpg_{uuid.uuid4()}__",
    }


def _tune_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        read_only = conn.get_execution_options().get("photoflow_read_only")
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


@functools.cache
def known_revisions(versions: Path = MIGRATIONS / "versions") -> frozenset[str]:
    """Every migration id this PhotoFlow has, read from the migration files."""
    found = (_REVISION.search(p.read_text("utf-8")) for p in versions.glob("*.py"))
    return frozenset(m.group(1) for m in found if m is not None)


@functools.cache
def head_revision(versions: Path = MIGRATIONS / "versions") -> str | None:
    """The newest migration's id, read from the migration files without loading Alembic.

    None when the files do not say it plainly (no file, several heads, an unusual spelling):
    then Alembic, which knows every case, decides."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for script in versions.glob("*.py"):
        source = script.read_text("utf-8")
        revision, down = _REVISION.search(source), _DOWN_REVISION.search(source)
        if revision is None or down is None:
            return None
        revisions.add(revision.group(1))
        parents.update(re.findall(r"[\"']([^\"']+)[\"']", down.group(1)))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def alembic_config() -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def _upgrade(conn: Connection) -> None:
    from alembic import command

    cfg = alembic_config()
    cfg.attributes["connection"] = conn
    command.upgrade(cfg, "head")
