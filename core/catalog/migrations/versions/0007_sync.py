"""desktop sync: the desktop's outbox and pull mark, the server's applied commands and previews

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 00:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.catalog.base
from core.catalog.rls import protect_table

revision: str = "0007"
# 0005 (row-level security) and 0006 (server sign-in) go between: at merge this becomes "0006".
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHEN = core.catalog.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("position", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("key", sa.Uuid(), nullable=False),
        sa.Column("action", sa.String(length=100), nullable=False),
        sa.Column("args", sa.JSON(), nullable=False),
        sa.Column("actor", sa.String(length=400), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("message", sa.String(length=2000), nullable=True),
        sa.Column("answered_at", WHEN, nullable=True),
        sa.PrimaryKeyConstraint("position", name=op.f("pk_outbox")),
        sa.UniqueConstraint("key", name=op.f("uq_outbox_key")),
    )
    op.create_table(
        "sync_marks",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("server_url", sa.String(length=1000), nullable=False),
        sa.Column("pulled_seq", sa.BigInteger(), nullable=False),
        sa.Column("synced_at", WHEN, nullable=True),
        sa.Column("studio_id", sa.Uuid(), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_sync_marks")),
    )
    op.create_table(
        "applied_commands",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.Uuid(), nullable=False),
        sa.Column("action", sa.String(length=100), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("message", sa.String(length=2000), nullable=True),
        sa.Column("applied_at", WHEN, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "key", name=op.f("pk_applied_commands")),
    )
    op.create_table(
        "preview_blobs",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("size", sa.String(length=20), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("stored_at", WHEN, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "content_hash", "size", name=op.f("pk_preview_blobs")),
    )
    if op.get_bind().dialect.name == "postgresql":  # the server's studio tables, as 0005's
        for table in ("applied_commands", "preview_blobs"):
            for statement in protect_table(table):
                op.execute(statement)


def downgrade() -> None:
    op.drop_table("preview_blobs")
    op.drop_table("applied_commands")
    op.drop_table("sync_marks")
    op.drop_table("outbox")
