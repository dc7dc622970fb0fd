"""Records the clinic and the participant both write (treatment goals with weekly
ratings, the aftercare plan), discharge, homework and module assignments.

Revision ID: 0008_care_plans_and_assignments
Revises: 0007_measure_schedules
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_care_plans_and_assignments"
down_revision: str | Sequence[str] | None = "0007_measure_schedules"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Written out rather than imported: a revision must not change when the code does.
OLD_KINDS = ("check_in", "safety_flag", "measure_result", "relapse_plan", "safety_plan",
             "lapse_review")
NEW_KINDS = (*OLD_KINDS, "treatment_goal", "goal_rating", "aftercare_plan", "homework_done",
             "module_read")
STATUSES = ("assigned", "withdrawn")


def _assignment_columns() -> list[sa.Column]:
    """What homework and module assignments share."""
    return [
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("clinic_id", sa.Uuid(), nullable=False),
        sa.Column("participant_id", sa.Uuid(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("assigned_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def _create_assignment_table(name: str, *columns: sa.Column) -> None:
    op.create_table(
        name,
        *_assignment_columns(),
        *columns,
        sa.CheckConstraint(_in_values("status", STATUSES), name=op.f(f"ck_{name}_status")),
        sa.ForeignKeyConstraint(["clinic_id"], ["clinics.id"],
                                name=op.f(f"fk_{name}_clinic_id_clinics")),
        sa.ForeignKeyConstraint(["participant_id"], ["participants.id"],
                                name=op.f(f"fk_{name}_participant_id_participants")),
        sa.ForeignKeyConstraint(["created_by"], ["staff.id"],
                                name=op.f(f"fk_{name}_created_by_staff")),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
    )
    op.create_index(op.f(f"ix_{name}_participant_id"), name, ["participant_id"])


def _in_values(column: str, values: Sequence[str]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


def upgrade() -> None:
    # Plain ALTER TABLE for `participants`: copying it would trip the foreign keys that
    # point at it. `participant_records` has none pointing at it, so batch mode (a copy
    # on SQLite) can change its check constraint and let device_id be empty.
    op.add_column("participants", sa.Column("discharged_on", sa.Date(), nullable=True))
    with op.batch_alter_table("participant_records") as batch:
        batch.drop_constraint(op.f("ck_participant_records_kind"), type_="check")
        batch.create_check_constraint("kind", _in_values("kind", NEW_KINDS))
        batch.alter_column("device_id", existing_type=sa.Uuid(), nullable=True)
        batch.add_column(sa.Column("author_staff_id", sa.Uuid(), nullable=True))
        batch.create_foreign_key(op.f("fk_participant_records_author_staff_id_staff"),
                                 "staff", ["author_staff_id"], ["id"])
    _create_assignment_table(
        "homework_assignments",
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("instructions", sa.String(length=2000), nullable=False),
        sa.Column("module_id", sa.String(length=64), nullable=True),
    )
    _create_assignment_table(
        "module_assignments",
        sa.Column("module_id", sa.String(length=64), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("module_assignments")
    op.drop_table("homework_assignments")
    op.execute(
        "DELETE FROM participant_records WHERE kind NOT IN "
        f"({', '.join(repr(kind) for kind in OLD_KINDS)}) OR device_id IS NULL"
    )
    with op.batch_alter_table("participant_records") as batch:
        batch.drop_constraint(op.f("fk_participant_records_author_staff_id_staff"),
                              type_="foreignkey")
        batch.drop_column("author_staff_id")
        batch.alter_column("device_id", existing_type=sa.Uuid(), nullable=False)
        batch.drop_constraint(op.f("ck_participant_records_kind"), type_="check")
        batch.create_check_constraint("kind", _in_values("kind", OLD_KINDS))
    op.drop_column("participants", "discharged_on")
