"""Throttles on codes and sign-in, clinician lock-out, disabled staff, idle sessions.

Upgrade: `throttle_counters` (failures per key, shared by every worker); `staff` gains
`disabled` (false for existing accounts) and `locked_out_at`; `staff_sessions` gains
`last_used_at` (null: not used since sign-in, so the idle time counts from sign-in).

Downgrade: drops the table and the three columns.

Revision ID: 0011_throttles_and_sessions
Revises: 0010_scores_and_alert_groups
Create Date: 2026-12-14
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_throttles_and_sessions"
down_revision: str | Sequence[str] | None = "0010_scores_and_alert_groups"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Plain ALTER TABLE, not batch mode (as in 0007 and 0009): copying `staff` would trip the
# foreign keys that point at it.


def upgrade() -> None:
    op.create_table(
        "throttle_counters",
        sa.Column("key", sa.String(120), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("blocked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_throttle_counters")),
    )
    op.add_column("staff", sa.Column("disabled", sa.Boolean(), nullable=False,
                                     server_default=sa.text("false")))
    op.add_column("staff", sa.Column("locked_out_at", sa.DateTime(timezone=True),
                                     nullable=True))
    op.add_column("staff_sessions", sa.Column("last_used_at", sa.DateTime(timezone=True),
                                              nullable=True))


def downgrade() -> None:
    op.drop_column("staff_sessions", "last_used_at")
    op.drop_column("staff", "locked_out_at")
    op.drop_column("staff", "disabled")
    op.drop_table("throttle_counters")
