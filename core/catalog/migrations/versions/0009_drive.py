"""Google Drive sync: each album's Drive folders and feed marks, the last synced state of every
file with tombstones, and conflict copies

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 03:30:00.000000
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

import core.catalog.base
from core.catalog.rls import protect_table

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHEN = core.catalog.base.UTCDateTime(timezone=True)
TABLES = ("drive_albums", "drive_files", "drive_conflicts")


def _owned(table: str) -> list[Any]:
    """The columns and keys every studio row has (core.catalog.base.TenantOwned)."""
    return [
        sa.Column("album_id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["album_id"],
            ["albums.id"],
            name=op.f(f"fk_{table}_album_id_albums"),
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
    op.create_table(
        "drive_albums",
        sa.Column("folder_id", sa.String(length=200), nullable=False),
        sa.Column("folders", sa.JSON(), nullable=False),
        sa.Column("page_token", sa.String(length=200), nullable=True),
        sa.Column("journal_seq", sa.BigInteger(), nullable=False),
        sa.Column("account", sa.String(length=320), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("message", sa.String(length=2000), nullable=True),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("synced_at", WHEN, nullable=True),
        *_owned("drive_albums"),
        sa.UniqueConstraint("album_id", name="uq_drive_albums_album"),
    )
    op.create_table(
        "drive_files",
        sa.Column("photo_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=True),
        sa.Column("drive_file_id", sa.String(length=200), nullable=False),
        sa.Column("md5", sa.String(length=32), nullable=True),
        sa.Column("drive_version", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("folder", sa.String(length=100), nullable=False),
        sa.Column("deleted_on", sa.String(length=10), nullable=True),
        *_owned("drive_files"),
        sa.UniqueConstraint("album_id", "photo_id", "kind", "round", name="uq_drive_files_slot"),
    )
    op.create_table(
        "drive_conflicts",
        sa.Column("photo_id", sa.Uuid(), nullable=True),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("drive_file_id", sa.String(length=200), nullable=True),
        sa.Column("library_path", sa.String(length=1024), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("resolved_at", WHEN, nullable=True),
        *_owned("drive_conflicts"),
    )
    op.create_index("ix_drive_files_file", "drive_files", ["drive_file_id"])
    op.create_index("ix_drive_conflicts_album_open", "drive_conflicts", ["album_id", "resolved_at"])
    for table in TABLES:
        op.create_index(op.f(f"ix_{table}_tenant_id"), table, ["tenant_id"])
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            for statement in protect_table(table):
                op.execute(statement)


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)
