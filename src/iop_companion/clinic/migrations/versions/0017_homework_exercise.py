"""Homework that asks for a practice exercise.

Upgrade: `homework_assignments` gains `exercise_id` (an exercise's id in the app's
library, assets/exercises; null for homework that names none, as all earlier homework).

Downgrade: drops the column; the homework stays, without its link to the exercise.

Revision ID: 0017_homework_exercise
Revises: 0016_practice_sessions
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017_homework_exercise"
down_revision: str | Sequence[str] | None = "0016_practice_sessions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("homework_assignments") as batch:
        batch.add_column(sa.Column("exercise_id", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("homework_assignments") as batch:
        batch.drop_column("exercise_id")
