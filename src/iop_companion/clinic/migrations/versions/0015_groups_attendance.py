"""Participant groups, who a session is for, weekly series, and attendance.

Upgrade: `participant_groups` (a clinic's named groups; a name is unique among the
clinic's groups that are not archived) and `group_members`. `scheduled_sessions` gains
`group_id` (a group's session; at most one of participant and group, neither: the
whole program), `series_id` (the occurrences of a weekly repeat) and `timezone` (the
IANA zone its local times were written in); existing sessions keep their audience and
have no series or zone. `session_attendance`: one status per session and participant.

Downgrade: drops attendance, groups and the new columns. Group sessions are deleted
first: the schema before has no way to say who they are for, and keeping them would
make them whole-program sessions, shown to every participant.

Revision ID: 0015_groups_attendance
Revises: 0014_staff_roles
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_groups_attendance"
down_revision: str | Sequence[str] | None = "0014_staff_roles"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Written out rather than imported: a revision must not change when the code does.
ATTENDANCE_STATUSES = ("attended", "missed", "excused")
NOT_ARCHIVED = "archived_at IS NULL"


def _in_values(column: str, values: Sequence[str]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


def upgrade() -> None:
    op.create_table(
        "participant_groups",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("clinic_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["clinic_id"], ["clinics.id"],
                                name=op.f("fk_participant_groups_clinic_id_clinics")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_participant_groups")),
    )
    op.create_index(op.f("ix_participant_groups_clinic_id"), "participant_groups",
                    ["clinic_id"])
    op.create_index(op.f("ix_participant_groups_clinic_id_name"), "participant_groups",
                    ["clinic_id", "name"], unique=True,
                    sqlite_where=sa.text(NOT_ARCHIVED), postgresql_where=sa.text(NOT_ARCHIVED))

    op.create_table(
        "group_members",
        sa.Column("group_id", sa.Uuid(), nullable=False),
        sa.Column("participant_id", sa.Uuid(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["group_id"], ["participant_groups.id"],
                                name=op.f("fk_group_members_group_id_participant_groups")),
        sa.ForeignKeyConstraint(["participant_id"], ["participants.id"],
                                name=op.f("fk_group_members_participant_id_participants")),
        sa.PrimaryKeyConstraint("group_id", "participant_id", name=op.f("pk_group_members")),
    )
    op.create_index(op.f("ix_group_members_participant_id"), "group_members",
                    ["participant_id"])

    # Batch mode (a copy on SQLite), before `session_attendance` refers to the table:
    # nothing points at `scheduled_sessions` yet, so the copy trips no foreign key.
    with op.batch_alter_table("scheduled_sessions") as batch:
        batch.add_column(sa.Column("group_id", sa.Uuid(), nullable=True))
        batch.add_column(sa.Column("series_id", sa.Uuid(), nullable=True))
        batch.add_column(sa.Column("timezone", sa.String(64), nullable=True))
        batch.create_foreign_key(op.f("fk_scheduled_sessions_group_id_participant_groups"),
                                 "participant_groups", ["group_id"], ["id"])
        batch.create_check_constraint("one_audience",
                                      "participant_id IS NULL OR group_id IS NULL")
        batch.create_index(op.f("ix_scheduled_sessions_group_id"), ["group_id"])
        batch.create_index(op.f("ix_scheduled_sessions_series_id"), ["series_id"])

    op.create_table(
        "session_attendance",
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("participant_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("recorded_by", sa.Uuid(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(_in_values("status", ATTENDANCE_STATUSES),
                           name=op.f("ck_session_attendance_status")),
        sa.ForeignKeyConstraint(["session_id"], ["scheduled_sessions.id"],
                                name=op.f("fk_session_attendance_session_id_scheduled_sessions")),
        sa.ForeignKeyConstraint(["participant_id"], ["participants.id"],
                                name=op.f("fk_session_attendance_participant_id_participants")),
        sa.ForeignKeyConstraint(["recorded_by"], ["staff.id"],
                                name=op.f("fk_session_attendance_recorded_by_staff")),
        sa.PrimaryKeyConstraint("session_id", "participant_id",
                                name=op.f("pk_session_attendance")),
    )
    op.create_index(op.f("ix_session_attendance_participant_id"), "session_attendance",
                    ["participant_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_session_attendance_participant_id"),
                  table_name="session_attendance")
    op.drop_table("session_attendance")
    op.execute("DELETE FROM scheduled_sessions WHERE group_id IS NOT NULL")
    with op.batch_alter_table("scheduled_sessions") as batch:
        batch.drop_index(op.f("ix_scheduled_sessions_series_id"))
        batch.drop_index(op.f("ix_scheduled_sessions_group_id"))
        batch.drop_constraint(op.f("ck_scheduled_sessions_one_audience"), type_="check")
        batch.drop_constraint(op.f("fk_scheduled_sessions_group_id_participant_groups"),
                              type_="foreignkey")
        batch.drop_column("timezone")
        batch.drop_column("series_id")
        batch.drop_column("group_id")
    op.drop_index(op.f("ix_group_members_participant_id"), table_name="group_members")
    op.drop_table("group_members")
    op.drop_index(op.f("ix_participant_groups_clinic_id_name"),
                  table_name="participant_groups",
                  sqlite_where=sa.text(NOT_ARCHIVED), postgresql_where=sa.text(NOT_ARCHIVED))
    op.drop_index(op.f("ix_participant_groups_clinic_id"), table_name="participant_groups")
    op.drop_table("participant_groups")
