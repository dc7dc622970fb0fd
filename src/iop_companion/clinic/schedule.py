"""Which program sessions a participant sees."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from iop_companion.clinic.models import Participant, ScheduledSessionRecord

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
