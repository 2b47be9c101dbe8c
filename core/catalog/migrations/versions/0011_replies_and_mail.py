"""the studio's replies to clients, and the e-mail outbox with its reminder stops

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 04:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.catalog.base
from core.catalog.rls import protect_table, unprotect_table

revision: str = "0011"
# 0009 (drive) and 0010 (delivery) go between: at merge this becomes "0010".
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEW_STUDIO_TABLES = ["mail_outbox", "mail_stops"]


def _entity() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", core.catalog.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.catalog.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
    ]


def _when(name: str) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, core.catalog.base.UTCDateTime(timezone=True), nullable=True)


def _owned(table: str) -> list[sa.Constraint]:
    return [
        sa.ForeignKeyConstraint(
            ["link_id"],
            ["share_links.id"],
            name=op.f(f"fk_{table}_link_id_share_links"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f(f"fk_{table}_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    ]


def upgrade() -> None:
    with op.batch_alter_table("feedback") as batch:
        batch.add_column(sa.Column("reply_to", sa.Uuid(), nullable=True))
    op.create_table(
        "mail_outbox",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("link_id", sa.Uuid(), nullable=True),
        sa.Column("to_address", sa.String(length=320), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("text_body", sa.Text(), nullable=False),
        sa.Column("html_body", sa.Text(), nullable=False),
        _when("sent_at"),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        _when("next_try_at"),
        _when("claimed_until"),
        *_entity(),
        *_owned("mail_outbox"),
        sa.UniqueConstraint("tenant_id", "key", name="uq_mail_outbox_tenant_key"),
    )
    op.create_index("ix_mail_outbox_due", "mail_outbox", ["sent_at", "next_try_at"])
    op.create_index(op.f("ix_mail_outbox_tenant_id"), "mail_outbox", ["tenant_id"])
    op.create_table(
        "mail_stops",
        sa.Column("link_id", sa.Uuid(), nullable=False),
        sa.Column("address", sa.String(length=320), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        _when("stopped_at"),
        *_entity(),
        *_owned("mail_stops"),
        sa.UniqueConstraint("token_hash", name=op.f("uq_mail_stops_token_hash")),
    )
    op.create_index(op.f("ix_mail_stops_tenant_id"), "mail_stops", ["tenant_id"])
    op.create_index("ix_mail_stops_link_address", "mail_stops", ["link_id", "address"])
    if op.get_bind().dialect.name == "postgresql":
        for table in NEW_STUDIO_TABLES:
            for statement in protect_table(table):
                op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in NEW_STUDIO_TABLES:
            for statement in unprotect_table(table):
                op.execute(statement)
    op.drop_index("ix_mail_stops_link_address", table_name="mail_stops")
    op.drop_index(op.f("ix_mail_stops_tenant_id"), table_name="mail_stops")
    op.drop_table("mail_stops")
    op.drop_index(op.f("ix_mail_outbox_tenant_id"), table_name="mail_outbox")
    op.drop_index("ix_mail_outbox_due", table_name="mail_outbox")
    op.drop_table("mail_outbox")
    with op.batch_alter_table("feedback") as batch:
        batch.drop_column("reply_to")
