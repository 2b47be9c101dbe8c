"""Row-level security on a studio's PostgreSQL: which studio a transaction works in, and the
policies and look-up functions migrations create.

Every table with a studio column (`tenant_id`; `id` for `tenants` itself) has RLS enabled and
forced, with one policy whose USING and WITH CHECK are "the row's studio is the transaction's":
`photoflow.tenant`, set with `set_config(..., true)` at the start of each transaction and gone at
its end, so a pooled connection (or pgbouncer in transaction mode) never carries it over. No studio
set: no row. The owner role (which runs the migrations and owns the look-up functions, and which
the server never logs in as) has a policy of its own that sees every row.

The few reads that must cross studios (sign-in by e-mail, a link by token or id, the journal's
heads, the superadmin's list of studios) go through SECURITY DEFINER functions owned by the owner
role, each answering one narrow question (mostly "which studio is this in?"); the caller then
enters that studio and reads normally. See core/catalog/lookups.py. SQLite (one seat, one file):
all of this is a no-op.
"""

from __future__ import annotations

import uuid

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

SETTING = "photoflow.tenant"
# The transaction's studio; NULLIF because a custom setting once set in a session reads as ''
# (not NULL) after the transaction that set it ends, and ''::uuid would be an error, not 0 rows.
CURRENT_STUDIO = f"NULLIF(current_setting('{SETTING}', true), '')::uuid"
POLICY = "photoflow_studio"
OWNER_POLICY = "photoflow_owner"
_SET = text(f"SELECT set_config('{SETTING}', :studio, true)")
_ENTERED = "photoflow_studio"


def on_postgres(session: AsyncSession) -> bool:
    return session.bind is not None and session.bind.dialect.name == "postgresql"


async def enter_studio(session: AsyncSession, tenant_id: uuid.UUID | None) -> None:
    """From here to the end of the transaction, `session` sees and writes only this studio's rows
    (None: none at all). What is pending is flushed first, under the studio it was made in."""
    if not on_postgres(session):
        return
    entered = session.info.get(_ENTERED)
    transaction = session.sync_session.get_transaction()
    if transaction is not None and entered is not None:
        if entered[0] is transaction and entered[1] == tenant_id:
            return  # already there in this transaction
    elif transaction is not None and tenant_id is None:
        return  # this transaction entered no studio yet: it sees none
    await session.flush()
    await session.execute(_SET, {"studio": str(tenant_id) if tenant_id else ""})
    session.info[_ENTERED] = (session.sync_session.get_transaction(), tenant_id)


# --- what migrations create (PostgreSQL only) ---------------------------------------------------


def protect_table(
    table: str, column: str = "tenant_id", *, append_only_nulls: bool = False
) -> list[str]:
    """The statements that enable and force RLS on `table`, scoped by `column`.

    `append_only_nulls`: rows with no studio (the audit's installation-wide events) may be added
    by anyone but read by nobody except the owner."""
    check = f"{column} = {CURRENT_STUDIO}"
    if append_only_nulls:
        check = f"({column} IS NULL OR {check})"
    return [
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY",
        f"DROP POLICY IF EXISTS {POLICY} ON {table}",
        f"CREATE POLICY {POLICY} ON {table} USING ({column} = {CURRENT_STUDIO}) WITH CHECK ({check})",
        f"DROP POLICY IF EXISTS {OWNER_POLICY} ON {table}",
        f"CREATE POLICY {OWNER_POLICY} ON {table} TO CURRENT_USER USING (true) WITH CHECK (true)",
    ]


def unprotect_table(table: str) -> list[str]:
    return [
        f"DROP POLICY IF EXISTS {POLICY} ON {table}",
        f"DROP POLICY IF EXISTS {OWNER_POLICY} ON {table}",
        f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY",
        f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY",
    ]


def lookup_function(signature: str, returns: str, body: str) -> list[str]:
    """A SECURITY DEFINER SQL function owned by the migrating (owner) role: it reads across
    studios, so it answers one narrow question; PUBLIC may not call it (`photoflow server init`
    grants EXECUTE to the app role). `body` names tables schema-qualified or plainly: the
    function's search_path is the schema it is created in, then pg_catalog, never pg_temp first."""
    return [
        f"CREATE OR REPLACE FUNCTION {signature} RETURNS {returns} LANGUAGE sql STABLE "
        f"SECURITY DEFINER SET search_path = {_SCHEMA_PLACEHOLDER}, pg_catalog, pg_temp "
        f"AS $fn$ {body} $fn$",
        f"REVOKE ALL ON FUNCTION {signature} FROM PUBLIC",
    ]


_SCHEMA_PLACEHOLDER = "{schema}"


def in_schema(statements: list[str], schema: str) -> list[str]:
    """Fill in the schema the look-up functions search (the migration's current schema)."""
    quoted = '"' + schema.replace('"', '""') + '"'
    return [s.replace(_SCHEMA_PLACEHOLDER, quoted) for s in statements]
