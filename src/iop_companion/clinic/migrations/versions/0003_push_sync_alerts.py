"""Push sync and safety alerts: participant records, the server sequence and epoch,
alerts for clinicians, and clinician sessions.

Revision ID: 0003_push_sync_alerts
Revises: 0002_family_invites
Create Date: 2026-12-06
"""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_push_sync_alerts"
down_revision: str | Sequence[str] | None = "0002_family_invites"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Written out rather than imported: a revision must not change when the code does.
RECORD_KINDS = ("check_in", "safety_flag")
SAFETY_TRIGGERS = (
    "phq9_item9",
    "check_in_self_harm",
    "diary_card_self_harm",
    "participant_request",
)


def _in_values(column: str, values: Sequence[str]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


def _timestamp() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    server_state = op.create_table(
        "server_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("epoch", sa.String(64), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_server_state_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_server_state")),
    )
    # The epoch is made once, here: a database restored from a backup keeps the
    # epoch it had, a new database gets a new one.
    op.bulk_insert(server_state, [{"id": 1, "epoch": secrets.token_hex(16), "last_seq": 0}])

    op.create_table(
        "participant_records",
        sa.Column("server_seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("participant_id", sa.Uuid(), nullable=False),
        sa.Column("device_id", sa.Uuid(), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("replaces_version", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("content_sha256", sa.String(64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("device_created_at", _timestamp(), nullable=False),
        sa.Column("received_at", _timestamp(), nullable=False),
        sa.CheckConstraint(
            _in_values("kind", RECORD_KINDS), name=op.f("ck_participant_records_kind")
        ),
        sa.CheckConstraint("version >= 1", name=op.f("ck_participant_records_version_positive")),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participants.id"],
            name=op.f("fk_participant_records_participant_id_participants"),
        ),
        sa.ForeignKeyConstraint(
            ["device_id"], ["devices.id"], name=op.f("fk_participant_records_device_id_devices")
        ),
        sa.PrimaryKeyConstraint("server_seq", name=op.f("pk_participant_records")),
        sa.UniqueConstraint(
            "participant_id",
            "record_id",
            "version",
            name=op.f("uq_participant_records_participant_id_record_id_version"),
        ),
    )
    op.create_index(
        op.f("ix_participant_records_participant_id"), "participant_records", ["participant_id"]
    )
    op.create_index(op.f("ix_participant_records_device_id"), "participant_records", ["device_id"])

    op.create_table(
        "alerts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("participant_id", sa.Uuid(), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("trigger", sa.String(32), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("raised_at", _timestamp(), nullable=False),
        sa.Column("received_at", _timestamp(), nullable=False),
        sa.Column("acknowledged_at", _timestamp(), nullable=True),
        sa.Column("acknowledged_by", sa.Uuid(), nullable=True),
        sa.CheckConstraint(_in_values("trigger", SAFETY_TRIGGERS), name=op.f("ck_alerts_trigger")),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participants.id"],
            name=op.f("fk_alerts_participant_id_participants"),
        ),
        sa.ForeignKeyConstraint(
            ["acknowledged_by"], ["staff.id"], name=op.f("fk_alerts_acknowledged_by_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
        sa.UniqueConstraint(
            "participant_id", "record_id", name=op.f("uq_alerts_participant_id_record_id")
        ),
    )
    op.create_index(op.f("ix_alerts_participant_id"), "alerts", ["participant_id"])

    op.create_table(
        "staff_sessions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("staff_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", _timestamp(), nullable=False),
        sa.Column("expires_at", _timestamp(), nullable=False),
        sa.Column("revoked_at", _timestamp(), nullable=True),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_staff_sessions_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_staff_sessions_token_hash")),
    )
    op.create_index(op.f("ix_staff_sessions_staff_id"), "staff_sessions", ["staff_id"])


def downgrade() -> None:
    op.drop_table("staff_sessions")
    op.drop_table("alerts")
    op.drop_table("participant_records")
    op.drop_table("server_state")
