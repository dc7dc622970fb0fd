"""The clinic's own scores of measure results, and alerts grouped per participant and
trigger with a priority the clinic sets.

Upgrade: `measure_scores` (one row per stored measure-result version scored from here on;
results stored before stay unscored). `alerts` gains `flag_count` and `latest_at` and a
unique index allowing one open alert per participant and trigger. Existing open alerts
of the same participant and trigger are folded into the earliest of them (count, latest
time); the others are deleted (the flag records they came from stay in
participant_records, and the audit log keeps their creation). Every alert's priority is
set from its trigger.

Downgrade: drops the table, the index and the two columns (counts are lost; the folded
alerts do not come back).

Revision ID: 0010_scores_and_alert_groups
Revises: 0009_support_response
Create Date: 2026-12-10
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_scores_and_alert_groups"
down_revision: str | Sequence[str] | None = "0009_support_response"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Written out rather than imported: a revision must not change when the code does.
MEASURES = ("phq9", "gad7", "bam")
PRIORITY = {
    "participant_request": 100,
    "check_in_self_harm": 90,
    "diary_card_self_harm": 80,
    "phq9_item9": 70,
}
OPEN = "acknowledged_at IS NULL"


def _in_values(column: str, values: Sequence[str]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


def _open_alert_index(create: bool) -> None:
    where = {"sqlite_where": sa.text(OPEN), "postgresql_where": sa.text(OPEN)}
    name = op.f("ix_alerts_participant_id_trigger")
    if create:
        op.create_index(name, "alerts", ["participant_id", "trigger"], unique=True, **where)
    else:
        op.drop_index(name, table_name="alerts", **where)


def upgrade() -> None:
    op.create_table(
        "measure_scores",
        sa.Column("server_seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("measure", sa.String(8), nullable=False),
        sa.Column("total", sa.Integer(), nullable=True),
        sa.Column("band", sa.String(32), nullable=True),
        sa.Column("bam_use", sa.Integer(), nullable=True),
        sa.Column("bam_risk", sa.Integer(), nullable=True),
        sa.Column("bam_protective", sa.Integer(), nullable=True),
        sa.Column("claimed", sa.JSON(), nullable=False),
        sa.Column("mismatch", sa.Boolean(), nullable=False),
        sa.Column("scored_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(_in_values("measure", MEASURES), name=op.f("ck_measure_scores_measure")),
        sa.ForeignKeyConstraint(
            ["server_seq"], ["participant_records.server_seq"],
            name=op.f("fk_measure_scores_server_seq_participant_records")),
        sa.PrimaryKeyConstraint("server_seq", name=op.f("pk_measure_scores")),
    )

    # Batch mode (a copy on SQLite): nothing refers to `alerts`, so copying it is safe.
    with op.batch_alter_table("alerts") as batch:
        batch.add_column(sa.Column("flag_count", sa.Integer(), nullable=False,
                                   server_default=sa.text("1")))
        batch.add_column(sa.Column("latest_at", sa.DateTime(timezone=True), nullable=True))
    # Fold open alerts of the same participant and trigger into the earliest of them.
    same_group = ("other.participant_id = alerts.participant_id "
                  'AND other."trigger" = alerts."trigger" AND other.acknowledged_at IS NULL')
    op.execute(
        f"UPDATE alerts SET "
        f"flag_count = (SELECT COUNT(*) FROM alerts AS other WHERE {same_group}), "
        f"latest_at = (SELECT MAX(other.received_at) FROM alerts AS other WHERE {same_group}) "
        f"WHERE {OPEN}"
    )
    op.execute(
        f"DELETE FROM alerts WHERE {OPEN} AND EXISTS (SELECT 1 FROM alerts AS other "
        f"WHERE {same_group} AND (other.received_at < alerts.received_at "
        "OR (other.received_at = alerts.received_at AND other.id < alerts.id)))"
    )
    op.execute("UPDATE alerts SET latest_at = received_at WHERE latest_at IS NULL")
    cases = " ".join(f"WHEN '{trigger}' THEN {value}" for trigger, value in PRIORITY.items())
    op.execute(f'UPDATE alerts SET priority = CASE "trigger" {cases} ELSE priority END')
    with op.batch_alter_table("alerts") as batch:
        batch.alter_column("latest_at", existing_type=sa.DateTime(timezone=True),
                           nullable=False)
        batch.alter_column("flag_count", existing_type=sa.Integer(), server_default=None)
        batch.create_check_constraint("flag_count_positive", "flag_count >= 1")
    _open_alert_index(create=True)


def downgrade() -> None:
    _open_alert_index(create=False)
    with op.batch_alter_table("alerts") as batch:
        batch.drop_constraint(op.f("ck_alerts_flag_count_positive"), type_="check")
        batch.drop_column("latest_at")
        batch.drop_column("flag_count")
    op.drop_table("measure_scores")
