"""Setting up a studio's PostgreSQL for the server: the two roles, the migrations, the grants.

`photoflow server init --db URL` connects with URL (a role that may create roles: a superuser, or
one with CREATEROLE) and, for the database URL names (created first if it does not exist):

- the owner role `<database>_owner`: NOLOGIN (nobody signs in as it; init acts as it with
  SET ROLE), owns the tables and the look-up functions, runs the Alembic migrations;
- the app role `<database>_app`: LOGIN, NOSUPERUSER, NOBYPASSRLS, NOCREATEDB, NOCREATEROLE,
  owns nothing; SELECT/INSERT/UPDATE/DELETE on the tables (SELECT only on alembic_version,
  SELECT/INSERT only on the append-only audit_events), USAGE on the sequences, EXECUTE on the
  look-up functions, and the same on whatever later migrations create (default privileges).

Re-running is safe: roles that exist are kept with their passwords (the app role's attributes are
set again, so nobody can have widened them), the migrations are brought to the newest, and the
grants are made again. A password is made only for a new app role, or when `new_password` asks
for one (then servers using the old URL must be given the new one).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy.engine import URL, make_url

from core.catalog.database import Database, quote_ident
from core.errors import Invalid, PhotoFlowError

DRIVER = "postgresql+asyncpg"
# Tables whose rows the app role may not change: the migrations' bookkeeping, the audit log.
READ_ONLY = ["alembic_version"]
APPEND_ONLY = ["audit_events"]


@dataclass(frozen=True)
class ServerDatabase:
    app_url: str  # with the password when init made it; without when it kept the old one
    app_role: str
    owner_role: str
    created: bool  # the app role was made now
    password_set: bool


def _url(raw: str) -> URL:
    try:
        url = make_url(raw)
    except Exception:
        raise Invalid(
            f"{raw!r} is not a database URL (postgresql://USER@HOST:PORT/DATABASE)."
        ) from None
    if not url.drivername.startswith("postgresql") or not url.database:
        raise Invalid("The studio server needs a PostgreSQL URL that names a database.")
    return url.set(drivername=DRIVER)


def role_names(database: str) -> tuple[str, str]:
    base = database[:50]
    return f"{base}_owner", f"{base}_app"


async def init_server_database(admin_url: str, *, new_password: bool = False) -> ServerDatabase:
    import asyncpg

    url = _url(admin_url)
    try:
        return await _init(url, new_password)
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        where = url.render_as_string(hide_password=True)
        raise PhotoFlowError(f"Could not set up the studio database at {where}: {exc}") from exc


async def _init(url: URL, new_password: bool) -> ServerDatabase:
    import asyncpg

    database = url.database or ""
    owner, app = role_names(database)
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        conn = await asyncpg.connect(dsn, timeout=15)
    except asyncpg.InvalidCatalogNameError:  # no such database yet: make it
        await _create_database(url)
        conn = await asyncpg.connect(dsn, timeout=15)
    try:
        password: str | None = None
        async with conn.transaction():
            me = await conn.fetchrow(
                "SELECT current_user AS name, rolsuper, rolcreaterole FROM pg_roles "
                "WHERE rolname = current_user"
            )
            if not (me["rolsuper"] or me["rolcreaterole"]):
                raise Invalid(f"{me['name']} may not create roles; give a superuser's URL.")
            existing = {
                r["rolname"]
                for r in await conn.fetch(
                    "SELECT rolname FROM pg_roles WHERE rolname = ANY($1::text[])", [owner, app]
                )
            }
            if owner not in existing:
                await conn.execute(f"CREATE ROLE {quote_ident(owner)} NOLOGIN")
            if not me["rolsuper"]:
                await conn.execute(f"GRANT {quote_ident(owner)} TO CURRENT_USER")
            created = app not in existing
            if created or new_password:
                password = secrets.token_urlsafe(24)  # [A-Za-z0-9_-]: safe inside quotes
            verb = "CREATE" if created else "ALTER"
            await conn.execute(
                f"{verb} ROLE {quote_ident(app)} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB "
                "NOCREATEROLE NOREPLICATION INHERIT"
                + (f" PASSWORD '{password}'" if password else "")
            )
            await conn.execute(f"REVOKE {quote_ident(owner)} FROM {quote_ident(app)}")
            # Only the owner creates in the schema (PostgreSQL 15 already keeps PUBLIC out;
            # older ones did not).
            await conn.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
            await conn.execute(f"GRANT USAGE, CREATE ON SCHEMA public TO {quote_ident(owner)}")
            await conn.execute(f"GRANT USAGE ON SCHEMA public TO {quote_ident(app)}")
            await conn.execute(
                f"GRANT CONNECT ON DATABASE {quote_ident(database)} TO {quote_ident(app)}"
            )
            await conn.execute(f"SET LOCAL ROLE {quote_ident(owner)}")
            for statement in _default_privileges(owner, app):
                await conn.execute(statement)
    finally:
        await conn.close()

    db = Database(url.render_as_string(hide_password=False), pool_size=1, max_overflow=0)
    try:
        await db.migrate(as_role=owner)
    finally:
        await db.dispose()

    conn = await asyncpg.connect(dsn, timeout=15)
    try:
        async with conn.transaction():
            await conn.execute(f"SET LOCAL ROLE {quote_ident(owner)}")
            for statement in _grants(app):
                await conn.execute(statement)
    finally:
        await conn.close()

    app_url = url.set(username=app, password=password)
    return ServerDatabase(
        app_url=app_url.render_as_string(hide_password=False),
        app_role=app,
        owner_role=owner,
        created=created,
        password_set=password is not None,
    )


async def _create_database(url: URL) -> None:
    import asyncpg

    maintenance = url.set(drivername="postgresql", database="postgres")
    conn = await asyncpg.connect(maintenance.render_as_string(hide_password=False), timeout=15)
    try:
        await conn.execute(f"CREATE DATABASE {quote_ident(url.database or '')}")
    finally:
        await conn.close()


def _default_privileges(owner: str, app: str) -> list[str]:
    """What the owner's future tables, sequences and functions give the app role (set before
    migrating, so a migration's new table is usable at once)."""
    o, a = quote_ident(owner), quote_ident(app)
    return [
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {o} IN SCHEMA public "
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {a}",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {o} IN SCHEMA public GRANT USAGE ON SEQUENCES TO {a}",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {o} REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {o} IN SCHEMA public GRANT EXECUTE ON FUNCTIONS TO {a}",
    ]


def _grants(app: str) -> list[str]:
    """The app role's rights on what exists now (run as the owner, after migrating)."""
    a = quote_ident(app)
    statements = [
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {a}",
        f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {a}",
        "REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA public FROM PUBLIC",
        f"GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO {a}",
    ]
    statements += [f"REVOKE INSERT, UPDATE, DELETE ON {t} FROM {a}" for t in READ_ONLY]
    statements += [f"REVOKE UPDATE, DELETE ON {t} FROM {a}" for t in APPEND_ONLY]
    return statements
