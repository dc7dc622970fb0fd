"""The participant's practice sessions: which exercises they did, for how long, whether
they finished, and the 0-10 ratings they chose to give before and after."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from iop_companion.clinic.audit import AuditAction, record_audit, staff_actor
from iop_companion.clinic.auth import CurrentClinician
from iop_companion.clinic.dependencies import DbSession, Now
from iop_companion.clinic.routes.clinician.common import (
    NOT_FOUND_ERRORS,
    clinician_router,
    participant_or_404,
)
from iop_companion.clinic.shared_records import latest_versions
from iop_companion.sync.protocol.payloads.practice import (
    PracticeSessionsResponse,
    PracticeSessionView,
)
from iop_companion.sync.protocol.push import RecordKind

router = clinician_router()
WEEK = timedelta(days=7)


def _moment(value: Any) -> datetime | None:
    """The session's start as the phone wrote it (checked when it was pushed)."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.utcoffset() is not None else None


def _int(value: Any, default: int = 0) -> int:
    return value if type(value) is int else default


@router.get("/participants/{participant_id}/practice-sessions", responses=NOT_FOUND_ERRORS)
def read_practice_sessions(participant_id: uuid.UUID, clinician: CurrentClinician,
                           db: DbSession, now: Now) -> PracticeSessionsResponse:
    """Every practice session the participant's app sent (the newest version of each:
    a rating given after saving is a new version), the latest started first, and the
    minutes practised in the 7 days up to now."""
    participant_or_404(db, clinician, participant_id, AuditAction.PRACTICE_SESSIONS_READ, now)
    records = latest_versions(db, participant_id, RecordKind.PRACTICE_SESSION)
    record_audit(db, at=now, actor=staff_actor(clinician.staff_id),
                 action=AuditAction.PRACTICE_SESSIONS_READ, record_type="participant",
                 record_id=participant_id)
    db.commit()
    views: list[PracticeSessionView] = []
    week_seconds = 0
    for record in records:
        payload = record.payload
        started = _moment(payload.get("started_at"))
        seconds = _int(payload.get("seconds_completed"))
        if started is not None and now - WEEK <= started <= now:
            week_seconds += seconds
        homework = payload.get("homework_id")
        rating_before, rating_after = payload.get("rating_before"), payload.get("rating_after")
        views.append(PracticeSessionView(
            record_id=record.record_id, version=record.version,
            exercise_id=str(payload.get("exercise_id") or ""),
            started_at=started,
            planned_minutes=_int(payload.get("planned_minutes")),
            seconds_completed=seconds,
            minutes_completed=round(seconds / 60, 1),
            ended_early=payload.get("ended_early") is True,
            rating_kind=str(payload.get("rating_kind") or "distress"),
            rating_before=rating_before if type(rating_before) is int else None,
            rating_after=rating_after if type(rating_after) is int else None,
            homework_id=uuid.UUID(homework) if isinstance(homework, str) else None,
            received_at=record.received_at))
    views.sort(key=lambda v: (v.started_at or v.received_at, v.received_at), reverse=True)
    return PracticeSessionsResponse(practice_sessions=views,
                                    minutes_last_7_days=round(week_seconds / 60, 1))
