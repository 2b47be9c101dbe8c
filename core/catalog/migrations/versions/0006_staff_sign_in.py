"""staff sign in to a studio server: passwords, invitations with a one-time code, devices

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 00:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.catalog.base
from core.catalog.rls import in_schema, lookup_function, protect_table

revision: str = "0006"
# rls's 0005 (row-level security) goes between: at merge this becomes "0005".
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _entity() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", core.catalog.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.catalog.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
    ]


# Row-level security for the two new studio tables, as 0005 sets it up, and the two look-ups that
# must cross studios before anyone is known (core/catalog/staff_lookups.py). PostgreSQL only.
NEW_STUDIO_TABLES = ["staff_invites", "devices"]
LOOKUPS = [
    ("photoflow_tenant_of_device_token(p_token_hash text)",
     "SELECT tenant_id FROM devices WHERE token_hash = p_token_hash"),
    ("photoflow_tenant_of_invite_code(p_code_hash text)",
     "SELECT tenant_id FROM staff_invites WHERE code_hash = p_code_hash"),
]  # fmt: skip


def _secure() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    schema = bind.exec_driver_sql("SELECT current_schema()").scalar_one()
    for table in NEW_STUDIO_TABLES:
        for statement in protect_table(table):
            op.execute(statement)
    for signature, body in LOOKUPS:
        for statement in in_schema(lookup_function(signature, "uuid", body), schema):
            op.execute(statement)


def _unsecure() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for signature, _body in LOOKUPS:
        op.execute(f"DROP FUNCTION IF EXISTS {signature}")


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("password_hash", sa.String(length=200), nullable=True))

    op.create_table(
        "staff_invites",
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("invited_by", sa.Uuid(), nullable=True),
        sa.Column("expires_at", core.catalog.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", core.catalog.base.UTCDateTime(timezone=True), nullable=True),
        *_entity(),
        sa.ForeignKeyConstraint(
            ["invited_by"],
            ["users.id"],
            name=op.f("fk_staff_invites_invited_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_staff_invites_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_invites")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_staff_invites_code_hash")),
    )
    op.create_index(
        op.f("ix_staff_invites_tenant_id"), "staff_invites", ["tenant_id"], unique=False
    )
    op.create_table(
        "devices",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("last_seen_at", core.catalog.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", core.catalog.base.UTCDateTime(timezone=True), nullable=True),
        *_entity(),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_devices_user_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_devices_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_devices")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_devices_token_hash")),
    )
    op.create_index(op.f("ix_devices_tenant_id"), "devices", ["tenant_id"], unique=False)
    op.create_index(op.f("ix_devices_user_id"), "devices", ["user_id"], unique=False)
    _secure()


def downgrade() -> None:
    _unsecure()
    op.drop_index(op.f("ix_devices_user_id"), table_name="devices")
    op.drop_index(op.f("ix_devices_tenant_id"), table_name="devices")
    op.drop_table("devices")
    op.drop_index(op.f("ix_staff_invites_tenant_id"), table_name="staff_invites")
    op.drop_table("staff_invites")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("password_hash")
