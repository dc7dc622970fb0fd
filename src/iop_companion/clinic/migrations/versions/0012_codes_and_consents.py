"""Single-use codes as HMAC with the server secret; family consents confirmed by the participant.

Upgrade:
- Codes. New codes are stored as HMAC-SHA256 under the server secret
  (clinic/credentials.py). The plain code of a row already stored is unknown, so its
  HMAC cannot be made: every code still unused and unexpired is retired (its
  `expires_at` becomes the upgrade time). Keeping their SHA-256 digests working until
  they expire would keep exactly the weakness being removed (a stolen database gives
  up a 40-bit code in minutes) for up to 7 days. The cost: an enrolment code (15
  minutes) or family invite (7 days) given out before the upgrade must be issued
  again.
- Consents gain `confirmed_at` and `rejected_at` (the participant's answer about who
  joined). Consents already bound to a family member await that answer like a new
  join: they were bound to whoever typed the code, unchecked, and nothing was ever
  shared under them (the shared list was always empty), so nobody loses anything.
- Every consent ends at most a year after it was given: a missing or later
  `expires_at` becomes `granted_at` + 365 days (one granted over a year ago has
  ended), and the column is now required.
- `participant_records.kind` accepts `family_confirmation`.
- Every consent is published again on the pull feed, so participants' apps show the
  new state (who joined and is awaiting their answer, the new end dates, retired
  invites).

Downgrade: consents still awaiting an answer are revoked (the old schema cannot hold
"not confirmed yet", and they must not become shared); the two columns and their check
go, `expires_at` may be empty again (dates kept); `family_confirmation` records are
deleted; unused codes are retired again (their HMAC cannot be checked by the old code);
every consent is published again in the old shape.

Revision ID: 0012_codes_and_consents
Revises: 0011_throttles_and_sessions
Create Date: 2026-12-01
"""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0012_codes_and_consents"
down_revision: str | Sequence[str] | None = "0011_throttles_and_sessions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Written out rather than imported: a revision must not change when the code does.
OLD_KINDS = ("check_in", "safety_flag", "measure_result", "relapse_plan", "safety_plan",
             "lapse_review", "treatment_goal", "goal_rating", "aftercare_plan", "homework_done",
             "module_read")
NEW_KINDS = (*OLD_KINDS, "family_confirmation")
CONSENT_LIFETIME = timedelta(days=365)
AWAITING, CONFIRMED, REJECTED = "awaiting_confirmation", "confirmed", "rejected"

_time = sa.DateTime(timezone=True)
_codes = {name: sa.table(name, sa.column("id", sa.Uuid()), sa.column("expires_at", _time),
                         sa.column("used_at", _time))
          for name in ("enrolment_codes", "family_invites")}
_invites = sa.table("family_invites", sa.column("id", sa.Uuid()),
                    sa.column("recipient_name", sa.String()), sa.column("expires_at", _time))
_members = sa.table("family_members", sa.column("id", sa.Uuid()),
                    sa.column("display_name", sa.String()))
_participants = sa.table("participants", sa.column("id", sa.Uuid()),
                         sa.column("clinic_id", sa.Uuid()))
_published = sa.table(
    "published_changes", sa.column("seq", sa.BigInteger()), sa.column("clinic_id", sa.Uuid()),
    sa.column("participant_id", sa.Uuid()), sa.column("kind", sa.String()),
    sa.column("item_id", sa.String()), sa.column("deleted", sa.Boolean()),
    sa.column("data", sa.JSON()), sa.column("published_at", _time))
_server_state = sa.table("server_state", sa.column("id", sa.Integer()),
                         sa.column("last_seq", sa.BigInteger()))


def _consents(with_answers: bool) -> sa.TableClause:
    columns = [sa.column("id", sa.Uuid()), sa.column("participant_id", sa.Uuid()),
               sa.column("invite_id", sa.Uuid()), sa.column("family_member_id", sa.Uuid()),
               sa.column("scope", sa.String()), sa.column("purpose", sa.String()),
               sa.column("granted_at", _time), sa.column("expires_at", _time),
               sa.column("revoked_at", _time)]
    if with_answers:
        columns += [sa.column("confirmed_at", _time), sa.column("rejected_at", _time)]
    return sa.table("consents", *columns)


def _in_values(column: str, values: Sequence[str]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


def _utc(value: datetime | None) -> datetime | None:
    """A stored time as an aware UTC datetime (SQLite gives it back without a zone)."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _stored(value: datetime, dialect: str) -> datetime:
    """A UTC time as the clinic stores it: without a zone on SQLite (as UtcDateTime does)."""
    return value.replace(tzinfo=None) if dialect == "sqlite" else value


def _wire_time(value: datetime | None) -> str | None:
    return _utc(value).isoformat().replace("+00:00", "Z") if value is not None else None


def _retire_unused_codes(now: datetime) -> None:
    connection = op.get_bind()
    for table in _codes.values():
        connection.execute(
            sa.update(table)
            .where(table.c.used_at.is_(None), table.c.expires_at > _stored(now, _dialect()))
            .values(expires_at=_stored(now, _dialect())))


def _dialect() -> str:
    return op.get_bind().dialect.name


def _republish_consents(now: datetime, with_answers: bool) -> None:
    """Publish every consent as it stands now on the pull feed (ConsentNotice), with
    sequence numbers taken from server_state as the server takes them."""
    connection = op.get_bind()
    consents = _consents(with_answers)
    rows = list(connection.execute(
        sa.select(consents, _invites.c.recipient_name, _invites.c.expires_at.label("invite_ends"),
                  _members.c.display_name, _participants.c.clinic_id)
        .select_from(consents
                     .join(_participants, _participants.c.id == consents.c.participant_id)
                     .outerjoin(_invites, _invites.c.id == consents.c.invite_id)
                     .outerjoin(_members, _members.c.id == consents.c.family_member_id))
        .order_by(consents.c.granted_at, consents.c.id)))
    if not rows:
        return
    last_seq = connection.execute(
        sa.update(_server_state).where(_server_state.c.id == 1)
        .values(last_seq=_server_state.c.last_seq + len(rows))
        .returning(_server_state.c.last_seq)).scalar_one()
    first_seq = last_seq - len(rows) + 1
    changes: list[dict[str, Any]] = []
    for offset, row in enumerate(rows):
        joined = row.family_member_id is not None
        notice: dict[str, Any] = {
            "id": str(row.id), "scope": row.scope,
            "recipient_name": row.recipient_name or row.display_name or "",
            "purpose": row.purpose, "granted_at": _wire_time(row.granted_at),
            "expires_at": _wire_time(row.expires_at), "revoked_at": _wire_time(row.revoked_at),
            "joined": joined, "invite_expires_at": _wire_time(row.invite_ends),
        }
        if with_answers:
            confirmation = (None if not joined else REJECTED if row.rejected_at is not None
                            else CONFIRMED if row.confirmed_at is not None else AWAITING)
            notice.update(joined_name=row.display_name if joined else None,
                          family_member_id=str(row.family_member_id) if joined else None,
                          confirmation=confirmation)
        changes.append({"seq": first_seq + offset, "clinic_id": row.clinic_id,
                        "participant_id": row.participant_id, "kind": "consent",
                        "item_id": str(row.id), "deleted": False, "data": notice,
                        "published_at": _stored(now, _dialect())})
    connection.execute(sa.insert(_published), changes)


def upgrade() -> None:
    now = datetime.now(UTC)
    _retire_unused_codes(now)

    # At most a year from the grant, computed here (date arithmetic differs by database).
    connection = op.get_bind()
    consents = _consents(with_answers=False)
    for row in list(connection.execute(
            sa.select(consents.c.id, consents.c.granted_at, consents.c.expires_at))):
        latest = _utc(row.granted_at) + CONSENT_LIFETIME
        ends = _utc(row.expires_at)
        if ends is None or ends > latest:
            connection.execute(sa.update(consents).where(consents.c.id == row.id)
                               .values(expires_at=_stored(latest, _dialect())))

    # Batch mode (a copy on SQLite) to make the column required; no foreign key points
    # at `consents`, so the copy trips none.
    with op.batch_alter_table("consents") as batch:
        batch.add_column(sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("rejected_at", sa.DateTime(timezone=True), nullable=True))
        batch.alter_column("expires_at", existing_type=sa.DateTime(timezone=True),
                           nullable=False)
        batch.create_check_constraint("one_answer", "confirmed_at IS NULL OR rejected_at IS NULL")
    with op.batch_alter_table("participant_records") as batch:
        batch.drop_constraint(op.f("ck_participant_records_kind"), type_="check")
        batch.create_check_constraint("kind", _in_values("kind", NEW_KINDS))

    _republish_consents(now, with_answers=True)


def downgrade() -> None:
    now = datetime.now(UTC)
    connection = op.get_bind()
    consents = _consents(with_answers=True)
    connection.execute(
        sa.update(consents)
        .where(consents.c.family_member_id.is_not(None), consents.c.confirmed_at.is_(None),
               consents.c.rejected_at.is_(None), consents.c.revoked_at.is_(None))
        .values(revoked_at=_stored(now, _dialect())))
    _retire_unused_codes(now)
    op.execute("DELETE FROM participant_records WHERE kind = 'family_confirmation'")
    with op.batch_alter_table("participant_records") as batch:
        batch.drop_constraint(op.f("ck_participant_records_kind"), type_="check")
        batch.create_check_constraint("kind", _in_values("kind", OLD_KINDS))
    with op.batch_alter_table("consents") as batch:
        batch.drop_constraint(op.f("ck_consents_one_answer"), type_="check")
        batch.alter_column("expires_at", existing_type=sa.DateTime(timezone=True),
                           nullable=True)
        batch.drop_column("rejected_at")
        batch.drop_column("confirmed_at")
    _republish_consents(now, with_answers=False)
