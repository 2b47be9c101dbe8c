"""delivery: finals made through export presets, the delivery jobs, an album's chosen presets

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 03:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.catalog.base
from core.catalog.rls import protect_table

revision: str = "0010"
# 0009 (Drive sync) goes between: at merge this becomes "0009".
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHEN = core.catalog.base.UTCDateTime(timezone=True)


def _entity() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
    ]


def _keys(table: str) -> list[sa.Constraint]:
    return [
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
        "finals",
        sa.Column("album_id", sa.Uuid(), nullable=False),
        sa.Column("photo_id", sa.Uuid(), nullable=False),
        sa.Column("preset", sa.String(length=100), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("library_path", sa.String(length=1024), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("made_at", WHEN, nullable=False),
        sa.Column("crc32", sa.BigInteger(), nullable=True),
        sa.Column("file_mtime_ns", sa.BigInteger(), nullable=True),
        *_entity(),
        sa.ForeignKeyConstraint(
            ["photo_id"], ["photos.id"], name=op.f("fk_finals_photo_id_photos"), ondelete="CASCADE"
        ),
        *_keys("finals"),
        sa.UniqueConstraint("photo_id", "preset", name="uq_finals_photo_preset"),
    )
    with op.batch_alter_table("finals", schema=None) as batch_op:
        batch_op.create_index("ix_finals_album_preset", ["album_id", "preset"], unique=False)
        batch_op.create_index(batch_op.f("ix_finals_tenant_id"), ["tenant_id"], unique=False)
    op.create_table(
        "deliveries",
        sa.Column("album_id", sa.Uuid(), nullable=False),
        sa.Column("presets", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("started_at", WHEN, nullable=False),
        sa.Column("finished_at", WHEN, nullable=True),
        sa.Column("problem", sa.String(length=2000), nullable=True),
        sa.Column("runner", sa.String(length=300), nullable=True),
        *_entity(),
        *_keys("deliveries"),
    )
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_deliveries_album_started", ["album_id", "started_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_deliveries_tenant_id"), ["tenant_id"], unique=False)
    with op.batch_alter_table("albums", schema=None) as batch_op:
        batch_op.add_column(sa.Column("presets", sa.JSON(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        for table in ("finals", "deliveries"):
            for statement in protect_table(table):
                op.execute(statement)


def downgrade() -> None:
    with op.batch_alter_table("albums", schema=None) as batch_op:
        batch_op.drop_column("presets")
    op.drop_table("deliveries")
    op.drop_table("finals")
