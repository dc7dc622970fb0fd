"""More kinds of participant record: measure results, the relapse-prevention plan,
the shared safety plan and lapse reviews.

Revision ID: 0004_more_record_kinds
Revises: 0003_push_sync_alerts
Create Date: 2026-11-22
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004_more_record_kinds"
down_revision: str | Sequence[str] | None = "0003_push_sync_alerts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Written out rather than imported: a revision must not change when the code does.
OLD_KINDS = ("check_in", "safety_flag")
NEW_KINDS = (*OLD_KINDS, "measure_result", "relapse_plan", "safety_plan", "lapse_review")


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
    op.execute(
        "DELETE FROM participant_records WHERE kind NOT IN "
        f"({', '.join(repr(kind) for kind in OLD_KINDS)})"
    )
    _replace_kind_check(OLD_KINDS)
