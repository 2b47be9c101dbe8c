"""albums can be moved to the studio's trash, and back, before the trash is emptied

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 22:05:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.catalog.base

revision: str = "0004"
# The lead's 0002 (change journal) and the gallery's 0003 go between: at merge this becomes
# "0003", the last of them.
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("albums") as batch:
        batch.add_column(
            sa.Column("trashed_at", core.catalog.base.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("albums") as batch:
        batch.drop_column("trashed_at")
