"""Coping-skill logs: `participant_records.kind` accepts `diary_card`, `thought_record`
and `urge_log` (the DBT diary card, the CBT thought record and the urge log).

Downgrade: records of those kinds are deleted (the schema before cannot hold them).

Revision ID: 0018_coping_logs
Revises: 0017_homework_exercise
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0018_coping_logs"
down_revision: str | Sequence[str] | None = "0017_homework_exercise"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Written out rather than imported: a revision must not change when the code does.
OLD_KINDS = ("check_in", "safety_flag", "measure_result", "relapse_plan", "safety_plan",
             "lapse_review", "treatment_goal", "goal_rating", "aftercare_plan", "homework_done",
             "module_read", "family_confirmation", "practice_session")
ADDED_KINDS = ("diary_card", "thought_record", "urge_log")
NEW_KINDS = (*OLD_KINDS, *ADDED_KINDS)


def _in_values(column: str, values: Sequence[str]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


def _replace_kind_check(kinds: Sequence[str]) -> None:
    # Batch mode: SQLite cannot alter a constraint in place, so Alembic copies the table.
    with op.batch_alter_table("participant_records") as batch:
        batch.drop_constraint(op.f("ck_participant_records_kind"), type_="check")
        batch.create_check_constraint("kind", _in_values("kind", kinds))


def upgrade() -> None:
    _replace_kind_check(NEW_KINDS)


def downgrade() -> None:
    op.execute(f"DELETE FROM participant_records WHERE {_in_values('kind', ADDED_KINDS)}")
    _replace_kind_check(OLD_KINDS)
