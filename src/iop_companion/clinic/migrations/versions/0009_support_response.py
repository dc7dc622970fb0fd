"""A clinic's stated response time to a participant's "I need support" request.

Revision ID: 0009_support_response
Revises: 0008_care_plans_and_assignments
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_support_response"
down_revision: str | Sequence[str] | None = "0008_care_plans_and_assignments"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Plain ALTER TABLE, not batch mode, as in 0007: copying `clinics` would trip the foreign
# keys that point at it.


def upgrade() -> None:
    # Null: an existing clinic states no response time until its staff set one.
    op.add_column("clinics", sa.Column("support_response_hours", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("clinics", "support_response_hours")
