"""Sessions may keep their landmark track: a file beside the database, named by a relative path.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03 16:00:00

"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add ``sessions.track_path`` (NULL: no track kept, as for every session saved before)."""
    with op.batch_alter_table("sessions") as batch:
        batch.add_column(sa.Column("track_path", sa.Text(), nullable=True))


def downgrade() -> None:
    """Drop the column (the track files stay on disk, no longer listed)."""
    with op.batch_alter_table("sessions") as batch:
        batch.drop_column("track_path")
