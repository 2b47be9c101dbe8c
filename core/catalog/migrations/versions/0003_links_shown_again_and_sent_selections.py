"""share links keep their token sealed with the home's key, so the studio can show them again;
a guest's sent selection stays as sent until the studio reopens it

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 21:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.catalog.base

revision: str = "0003"
# The lead's 0002_change_journal goes between: at merge this becomes "0002".
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("share_links", schema=None) as batch_op:
        batch_op.add_column(sa.Column("token_sealed", sa.String(length=200), nullable=True))

    op.create_table(
        "sent_selections",
        sa.Column("album_id", sa.Uuid(), nullable=False),
        sa.Column("link_id", sa.Uuid(), nullable=False),
        sa.Column("guest_name", sa.String(length=200), nullable=False),
        sa.Column("sent_at", core.catalog.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("picks", sa.Integer(), nullable=False),
        sa.Column("reopened_at", core.catalog.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", core.catalog.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.catalog.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["album_id"],
            ["albums.id"],
            name=op.f("fk_sent_selections_album_id_albums"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["link_id"],
            ["share_links.id"],
            name=op.f("fk_sent_selections_link_id_share_links"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_sent_selections_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sent_selections")),
    )
    with op.batch_alter_table("sent_selections", schema=None) as batch_op:
        batch_op.create_index(
            "ix_sent_selections_link_guest", ["link_id", "guest_name"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_sent_selections_tenant_id"), ["tenant_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("sent_selections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sent_selections_tenant_id"))
        batch_op.drop_index("ix_sent_selections_link_guest")
    op.drop_table("sent_selections")
    with op.batch_alter_table("share_links", schema=None) as batch_op:
        batch_op.drop_column("token_sealed")
