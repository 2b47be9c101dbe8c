"""gallery downloads: which size a link lets its guests download, and an optional download PIN

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-02 03:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
# 0011 (replies) goes between: at merge this becomes "0011".
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("share_links") as batch:
        batch.add_column(
            sa.Column("download_size", sa.String(length=8), nullable=False, server_default="full")
        )
        batch.add_column(sa.Column("download_pin_hash", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("share_links") as batch:
        batch.drop_column("download_pin_hash")
        batch.drop_column("download_size")
