"""row-level security: every studio table shows a transaction only the studio it entered

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 00:30:00.000000

PostgreSQL only (SQLite is one seat: nothing to do). Every table with a studio column gets RLS
enabled and forced, with USING and WITH CHECK "the row's studio is photoflow.tenant" (see
core/catalog/rls.py); `tenants` is scoped by its own id. The audit's installation-wide events
(tenant_id NULL) may be appended with no studio set, and are read by the owner only.
`alembic_version` has no studio: `photoflow server init` grants the app role SELECT on it only.

The cross-studio look-ups (core/catalog/lookups.py) are SECURITY DEFINER functions owned by the
migrating (owner) role; PUBLIC may not execute them.
"""

from collections.abc import Sequence

from alembic import op

from core.catalog.rls import in_schema, lookup_function, protect_table, unprotect_table

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The studio tables as of this migration (later migrations protect their own new tables with
# core.catalog.rls.protect_table; tests/integration/test_tenant_isolation.py finds any they miss).
STUDIO_TABLES = [
    "users",
    "albums",
    "photos",
    "photo_versions",
    "ingest_failures",
    "share_links",
    "sent_selections",
    "feedback",
    "journal_entries",
    "journal_heads",
]

LOOKUPS = [
    ("photoflow_tenant_of_user(p_email text)", "uuid",
     "SELECT tenant_id FROM users WHERE email = p_email"),
    ("photoflow_tenant_of_user_id(p_user uuid)", "uuid",
     "SELECT tenant_id FROM users WHERE id = p_user"),
    ("photoflow_tenant_of_link(p_link uuid)", "uuid",
     "SELECT tenant_id FROM share_links WHERE id = p_link"),
    ("photoflow_tenant_of_link_token(p_token_hash text)", "uuid",
     "SELECT tenant_id FROM share_links WHERE token_hash = p_token_hash"),
    ("photoflow_tenant_named(p_name text)", "uuid",
     "SELECT id FROM tenants WHERE name = p_name"),
    ("photoflow_studio_ids()", "SETOF uuid",
     "SELECT id FROM tenants ORDER BY name"),
    ("photoflow_first_superadmin()", "text",
     "SELECT email FROM users WHERE role = 'superadmin' AND active ORDER BY created_at LIMIT 1"),
    ("photoflow_has_users()", "boolean",
     "SELECT EXISTS (SELECT 1 FROM users)"),
    ("photoflow_journal_heads()", "TABLE(tenant_id uuid, seq bigint, compacted_to bigint)",
     "SELECT h.tenant_id, h.seq, h.compacted_to FROM journal_heads h"),
]  # fmt: skip


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    schema = bind.exec_driver_sql("SELECT current_schema()").scalar_one()
    statements = protect_table("tenants", "id")
    for table in STUDIO_TABLES:
        statements += protect_table(table)
    statements += protect_table("audit_events", append_only_nulls=True)
    for signature, returns, body in LOOKUPS:
        statements += in_schema(lookup_function(signature, returns, body), schema)
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for signature, _returns, _body in LOOKUPS:
        op.execute(f"DROP FUNCTION IF EXISTS {signature}")
    for table in ["tenants", *STUDIO_TABLES, "audit_events"]:
        for statement in unprotect_table(table):
            op.execute(statement)
