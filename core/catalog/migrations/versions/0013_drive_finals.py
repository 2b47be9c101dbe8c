"""drive finals: a synced file's export preset, so that a photo's finals (one per preset) each
have their own row in drive_files; photo versions keep the empty preset

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 06:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("drive_files") as batch:
        batch.add_column(
            sa.Column("preset", sa.String(length=100), nullable=False, server_default="")
        )
        batch.drop_constraint("uq_drive_files_slot", type_="unique")
        batch.create_unique_constraint(
            "uq_drive_files_slot", ["album_id", "photo_id", "kind", "round", "preset"]
        )


def downgrade() -> None:
    # Finals' rows have no place in the older key (one row per photo and kind): they go, and the
    # next sync of a later PhotoFlow sends the finals again as new files.
    op.execute("DELETE FROM drive_files WHERE preset <> ''")
    with op.batch_alter_table("drive_files") as batch:
        batch.drop_constraint("uq_drive_files_slot", type_="unique")
        batch.create_unique_constraint(
            "uq_drive_files_slot", ["album_id", "photo_id", "kind", "round"]
        )
        batch.drop_column("preset")
