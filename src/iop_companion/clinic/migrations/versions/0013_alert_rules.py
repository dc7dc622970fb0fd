"""Alert rules evaluated on the server with thresholds the clinic sets.

Upgrade: `clinics.alert_thresholds` (empty: the program's defaults). `alerts` takes the
triggers of the clinic's own rules, keeps the figures of its latest event (`detail`)
and the note of whoever acknowledged it (`acknowledgement_note`); its `record_id` may
be null (silence that follows no check-in) and is no longer unique per participant
(one PHQ-9 can raise several alerts). `alert_events`: each flag or rule finding filed,
once per participant and key. Existing alerts keep their counts; their flags get no
events (they were filed before events were kept), and alerts acknowledged before have
no note.

Downgrade: drops `alert_events`, the new columns and every alert of a rule trigger
(the schema before has no place for them); safety-flag alerts stay.

Revision ID: 0013_alert_rules
Revises: 0012_codes_and_consents
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_alert_rules"
down_revision: str | Sequence[str] | None = "0012_codes_and_consents"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Written out rather than imported: a revision must not change when the code does.
SAFETY_TRIGGERS = (
    "phq9_item9",
    "check_in_self_harm",
    "diary_card_self_harm",
    "participant_request",
)
TRIGGERS = (
    "participant_request",
    "check_in_self_harm",
    "diary_card_self_harm",
    "phq9_item9",
    "use_after_abstinence",
    "phq9_severe",
    "phq9_rise",
    "craving_run",
    "missed_sessions",
    "no_check_in",
)
OPEN = "acknowledged_at IS NULL"


def _in_values(column: str, values: Sequence[str]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


def _open_alert_index(create: bool) -> None:
    # Dropped around the batch copy of `alerts` and made again after it, as 0010 made it:
    # a copy need not keep a partial index's condition.
    where = {"sqlite_where": sa.text(OPEN), "postgresql_where": sa.text(OPEN)}
    name = op.f("ix_alerts_participant_id_trigger")
    if create:
        op.create_index(name, "alerts", ["participant_id", "trigger"], unique=True, **where)
    else:
        op.drop_index(name, table_name="alerts", **where)


def upgrade() -> None:
    # Plain ALTER TABLE, as 0007: copying `clinics` would trip the keys that point at it.
    op.add_column("clinics", sa.Column("alert_thresholds", sa.JSON(), nullable=False,
                                       server_default=sa.text("'{}'")))

    # Batch mode (a copy on SQLite) before `alert_events` refers to `alerts`.
    _open_alert_index(create=False)
    with op.batch_alter_table("alerts") as batch:
        batch.drop_constraint(op.f("uq_alerts_participant_id_record_id"), type_="unique")
        batch.drop_constraint(op.f("ck_alerts_trigger"), type_="check")
        batch.create_check_constraint("trigger", _in_values("trigger", TRIGGERS))
        batch.alter_column("record_id", existing_type=sa.Uuid(), nullable=True)
        batch.add_column(sa.Column("detail", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("acknowledgement_note", sa.String(1000), nullable=True))
    _open_alert_index(create=True)

    op.create_table(
        "alert_events",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("alert_id", sa.Uuid(), nullable=False),
        sa.Column("participant_id", sa.Uuid(), nullable=False),
        sa.Column("trigger", sa.String(32), nullable=False),
        sa.Column("key", sa.String(120), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.CheckConstraint(_in_values("trigger", TRIGGERS), name=op.f("ck_alert_events_trigger")),
        sa.ForeignKeyConstraint(["alert_id"], ["alerts.id"],
                                name=op.f("fk_alert_events_alert_id_alerts")),
        sa.ForeignKeyConstraint(["participant_id"], ["participants.id"],
                                name=op.f("fk_alert_events_participant_id_participants")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_events")),
        sa.UniqueConstraint("participant_id", "key",
                            name=op.f("uq_alert_events_participant_id_key")),
    )
    op.create_index(op.f("ix_alert_events_alert_id"), "alert_events", ["alert_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_alert_events_alert_id"), table_name="alert_events")
    op.drop_table("alert_events")
    safety_alert = _in_values('"trigger"', SAFETY_TRIGGERS)
    op.execute(f"DELETE FROM alerts WHERE NOT ({safety_alert})")
    _open_alert_index(create=False)
    with op.batch_alter_table("alerts") as batch:
        batch.drop_column("acknowledgement_note")
        batch.drop_column("detail")
        batch.alter_column("record_id", existing_type=sa.Uuid(), nullable=False)
        batch.drop_constraint(op.f("ck_alerts_trigger"), type_="check")
        batch.create_check_constraint("trigger", _in_values("trigger", SAFETY_TRIGGERS))
        batch.create_unique_constraint(op.f("uq_alerts_participant_id_record_id"),
                                       ["participant_id", "record_id"])
    _open_alert_index(create=True)
    op.drop_column("clinics", "alert_thresholds")
