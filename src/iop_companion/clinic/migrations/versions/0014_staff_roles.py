"""Staff roles (admin) for the clinic portal: a temporary password must be changed.

Upgrade: `staff` gains `password_change_required` (false for existing accounts, whose
passwords were chosen by their owners). An administrator sets it when adding an account
or resetting its password; the account's sessions then open nothing but choosing a new
password.

Downgrade: drops the column.

Revision ID: 0014_staff_roles
Revises: 0013_alert_rules
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_staff_roles"
down_revision: str | Sequence[str] | None = "0013_alert_rules"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Plain ALTER TABLE, not batch mode (as in 0011): copying `staff` would trip the foreign
# keys that point at it.


def upgrade() -> None:
    op.add_column("staff", sa.Column("password_change_required", sa.Boolean(),
                                     nullable=False, server_default=sa.text("false")))


def downgrade() -> None:
    op.drop_column("staff", "password_change_required")
