"""finals sent: how far a desktop has sent its deliveries' finals to the studio server, kept in
its sync mark, so that a restart does not ask the server about every delivery again

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 10:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.catalog.base

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHEN = core.catalog.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("sync_marks") as batch:
        batch.add_column(sa.Column("finals_sent_until", WHEN, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sync_marks") as batch:
        batch.drop_column("finals_sent_until")
