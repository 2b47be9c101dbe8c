"""share links keep their token sealed with the home's key, so the studio can show them again

Revision ID: 0003
Revises: 0001
Create Date: 2026-12-01 21:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
# The lead's 0002_change_journal goes between: at merge this becomes "0002".
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("share_links", schema=None) as batch_op:
        batch_op.add_column(sa.Column("token_sealed", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("share_links", schema=None) as batch_op:
        batch_op.drop_column("token_sealed")
