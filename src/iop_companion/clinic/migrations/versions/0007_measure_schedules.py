"""A clinic's own schedule for the self-report measures (PHQ-9, GAD-7, BAM).

Revision ID: 0007_measure_schedules
Revises: 0006_device_tokens
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_measure_schedules"
down_revision: str | Sequence[str] | None = "0006_device_tokens"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Plain ALTER TABLE, not batch mode: SQLite (3.35+) adds and drops a column in place,
# and copying `clinics` would trip the foreign keys that point at it.


def upgrade() -> None:
    # Empty: every clinic keeps the app's defaults until it sets its own.
    op.add_column("clinics", sa.Column("measure_interval_days", sa.JSON(), nullable=False,
                                       server_default=sa.text("'{}'")))


def downgrade() -> None:
    op.drop_column("clinics", "measure_interval_days")
