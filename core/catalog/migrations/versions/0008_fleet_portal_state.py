"""portal state every process of a fleet shares: wrong PINs, and the session signing key

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 00:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.catalog.base

revision: str = "0008"
# 0005 (rls), 0006 (server) and 0007 (sync) go between: at merge this becomes "0007".
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pin_failures",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("at", core.catalog.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pin_failures")),
    )
    op.create_index("ix_pin_failures_key_at", "pin_failures", ["key", "at"], unique=False)
    op.create_index("ix_pin_failures_at", "pin_failures", ["at"], unique=False)
    op.create_table(
        "portal_secrets",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("value", sa.LargeBinary(), nullable=False),
        sa.Column("made_at", core.catalog.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_portal_secrets")),
    )


def downgrade() -> None:
    op.drop_table("portal_secrets")
    op.drop_index("ix_pin_failures_at", table_name="pin_failures")
    op.drop_index("ix_pin_failures_key_at", table_name="pin_failures")
    op.drop_table("pin_failures")
