"""The pull feed: every change the clinic publishes to participants' apps, in server
sequence order; existing clinics, programs and sessions are published once here.

Revision ID: 0005_published_changes
Revises: 0004_more_record_kinds
Create Date: 2026-11-22
"""

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0005_published_changes"
down_revision: str | Sequence[str] | None = "0004_more_record_kinds"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _timestamp() -> sa.DateTime:
    return sa.DateTime(timezone=True)


# Written out rather than imported: a revision must not change when the code does.
_clinics = sa.table(
    "clinics",
    sa.column("id", sa.Uuid()),
    sa.column("name", sa.String()),
    sa.column("address", sa.String()),
    sa.column("phone", sa.String()),
    sa.column("crisis_line", sa.String()),
    sa.column("timezone", sa.String()),
)
_participants = sa.table(
    "participants",
    sa.column("id", sa.Uuid()),
    sa.column("clinic_id", sa.Uuid()),
    sa.column("display_name", sa.String()),
    sa.column("program_start", sa.Date()),
    sa.column("program_end", sa.Date()),
)
_sessions = sa.table(
    "scheduled_sessions",
    sa.column("id", sa.Uuid()),
    sa.column("clinic_id", sa.Uuid()),
    sa.column("participant_id", sa.Uuid()),
    sa.column("kind", sa.String()),
    sa.column("title", sa.String()),
    sa.column("starts_at", _timestamp()),
    sa.column("ends_at", _timestamp()),
    sa.column("location", sa.String()),
    sa.column("telehealth", sa.Boolean()),
    sa.column("facilitator", sa.String()),
    sa.column("status", sa.String()),
    sa.column("note", sa.String()),
)


def upgrade() -> None:
    changes = op.create_table(
        "published_changes",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("clinic_id", sa.Uuid(), nullable=False),
        sa.Column("participant_id", sa.Uuid(), nullable=True),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("item_id", sa.String(64), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=True),
        sa.Column("published_at", _timestamp(), nullable=False),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_published_changes_clinic_id_clinics")
        ),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participants.id"],
            name=op.f("fk_published_changes_participant_id_participants"),
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_published_changes")),
    )
    op.create_index(
        op.f("ix_published_changes_clinic_id_seq"), "published_changes", ["clinic_id", "seq"]
    )
    op.create_index(
        op.f("ix_published_changes_participant_id"), "published_changes", ["participant_id"]
    )
    _publish_existing_rows(changes)


def _publish_existing_rows(changes: sa.Table) -> None:
    """Publish what a clinic already has, so apps pulling from cursor 0 receive it."""
    connection = op.get_bind()
    rows: list[dict[str, Any]] = []
    for clinic in connection.execute(sa.select(_clinics).order_by(_clinics.c.id)).mappings():
        data = {key: clinic[key] for key in ("name", "address", "phone", "crisis_line",
                                             "timezone")}
        rows.append(_row(clinic["id"], None, "clinic_profile", clinic["id"],
                         {"id": str(clinic["id"]), **data}))
    for person in connection.execute(
        sa.select(_participants).order_by(_participants.c.id)
    ).mappings():
        rows.append(_row(person["clinic_id"], person["id"], "program", person["id"], {
            "display_name": person["display_name"],
            "program_start": _day(person["program_start"]),
            "program_end": _day(person["program_end"]),
        }))
    for session in connection.execute(
        sa.select(_sessions).order_by(_sessions.c.starts_at, _sessions.c.id)
    ).mappings():
        rows.append(_row(session["clinic_id"], session["participant_id"], "session",
                         session["id"], {
            "id": str(session["id"]),
            "kind": session["kind"],
            "title": session["title"],
            "starts_at": _moment(session["starts_at"]),
            "ends_at": _moment(session["ends_at"]),
            "location": session["location"],
            "telehealth": bool(session["telehealth"]),
            "facilitator": session["facilitator"],
            "status": session["status"],
            "note": session["note"],
        }))
    if not rows:
        return
    last_seq = connection.scalar(sa.text("SELECT last_seq FROM server_state WHERE id = 1"))
    for offset, row in enumerate(rows, start=1):
        row["seq"] = int(last_seq or 0) + offset
    op.bulk_insert(changes, rows)
    connection.execute(
        sa.text("UPDATE server_state SET last_seq = :seq WHERE id = 1"), {"seq": rows[-1]["seq"]}
    )


def _row(clinic_id: Any, participant_id: Any, kind: str, item_id: Any,
         data: dict[str, Any]) -> dict[str, Any]:
    return {"clinic_id": clinic_id, "participant_id": participant_id, "kind": kind,
            "item_id": str(item_id), "deleted": False, "data": data,
            "published_at": datetime.now(UTC)}


def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _moment(value: datetime) -> str:
    # SQLite hands timestamps back without a zone; they were stored in UTC.
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC).isoformat()


def downgrade() -> None:
    op.drop_table("published_changes")
