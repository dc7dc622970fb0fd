"""Which program sessions a participant sees, and publishing changes to them."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from iop_companion.clinic.changes import publish_session
from iop_companion.clinic.models import Participant, ScheduledSessionRecord
from iop_companion.sync.protocol import SessionDetails, SessionStatus

# Recent sessions let the app show "what you missed" and cancellations after the
# fact; three months ahead covers the longest typical IOP (12 weeks).
RECENT_PAST = timedelta(days=14)
UPCOMING = timedelta(days=90)
# A guard against a runaway response, far above any real program's load.
MAX_SESSIONS = 1000


def sessions_for_participant(
    session: Session, participant: Participant, now: datetime
) -> list[ScheduledSessionRecord]:
    """Whole-program sessions of the participant's clinic plus the participant's own."""
    query = (
        select(ScheduledSessionRecord)
        .where(
            ScheduledSessionRecord.clinic_id == participant.clinic_id,
            or_(
                ScheduledSessionRecord.participant_id.is_(None),
                ScheduledSessionRecord.participant_id == participant.id,
            ),
            ScheduledSessionRecord.ends_at >= now - RECENT_PAST,
            ScheduledSessionRecord.starts_at <= now + UPCOMING,
        )
        .order_by(ScheduledSessionRecord.starts_at, ScheduledSessionRecord.id)
        .limit(MAX_SESSIONS)
    )
    return list(session.scalars(query))


# --- Publishing the schedule (clinician routes and the demo seed share these) ----------


def add_session(
    db: Session,
    *,
    clinic_id: uuid.UUID,
    participant_id: uuid.UUID | None,
    details: SessionDetails,
    now: datetime,
    session_id: uuid.UUID | None = None,
) -> ScheduledSessionRecord:
    """Create a session and publish it to the apps that see it (in the caller's transaction)."""
    record = ScheduledSessionRecord(
        id=session_id or uuid.uuid4(),
        clinic_id=clinic_id,
        participant_id=participant_id,
        status=SessionStatus.SCHEDULED,
        created_at=now,
        updated_at=now,
        **details.model_dump(),
    )
    db.add(record)
    publish_session(db, record, now)
    return record


def change_session(
    db: Session, record: ScheduledSessionRecord, details: SessionDetails, now: datetime
) -> None:
    """Replace a session's details and publish the new version."""
    for name, value in details.model_dump().items():
        setattr(record, name, value)
    record.updated_at = now
    publish_session(db, record, now)


def cancel_session(
    db: Session, record: ScheduledSessionRecord, note: str | None, now: datetime
) -> None:
    """Mark a session cancelled (it stays visible, so people learn it is off) and publish it."""
    record.status = SessionStatus.CANCELLED
    if note is not None:
        record.note = note
    record.updated_at = now
    publish_session(db, record, now)


def clinic_session(
    db: Session, clinic_id: uuid.UUID, session_id: uuid.UUID
) -> ScheduledSessionRecord | None:
    """The session, if it belongs to this clinic (else None, as if absent)."""
    return db.scalar(
        select(ScheduledSessionRecord).where(
            ScheduledSessionRecord.id == session_id,
            ScheduledSessionRecord.clinic_id == clinic_id,
        )
    )
