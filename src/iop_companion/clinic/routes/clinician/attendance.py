"""Attendance at the clinic's sessions: who is expected at a session with what was
recorded for each, and recording (or correcting) one person's attendance, which may
raise a "missed sessions" alert (clinic/alert_evaluation.py says what counts)."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import HTTPException, status
from sqlalchemy.exc import IntegrityError

from iop_companion.clinic.alert_evaluation import raise_attendance_alerts
from iop_companion.clinic.attendance import (
    AttendanceRefused,
    Attendee,
    attendee,
    attendees,
    record_attendance,
)
from iop_companion.clinic.audit import AuditAction, commit_failure, record_audit, staff_actor
from iop_companion.clinic.auth import CurrentClinician
from iop_companion.clinic.dependencies import DbSession, Now
from iop_companion.clinic.models import AttendanceStatus, Clinic
from iop_companion.clinic.routes.clinician.common import (
    WRITE_ERRORS,
    clinician_router,
    not_found,
    participant_or_404,
)
from iop_companion.clinic.schedule import clinic_session, session_view
from iop_companion.sync.protocol import (
    AttendanceRecordedResponse,
    AttendanceWrite,
    AttendeeView,
    ErrorBody,
    SessionAttendanceResponse,
)

NO_SUCH_SESSION = "There is no such session."
RECORDED_MEANWHILE = ("Someone recorded this person's attendance at the same moment. "
                      "Look at the session again and record it once more if needed.")
READ_ERRORS: dict[int | str, dict[str, Any]] = {404: {"model": ErrorBody}}
RECORD_ERRORS: dict[int | str, dict[str, Any]] = {**WRITE_ERRORS, 409: {"model": ErrorBody}}

router = clinician_router()


def _view(one: Attendee) -> AttendeeView:
    return AttendeeView(
        participant_id=one.participant.id,
        display_name=one.participant.display_name,
        status=one.record.status.value if one.record else None,  # type: ignore[arg-type]
        recorded_at=one.record.recorded_at if one.record else None,
        recorded_by=one.record.recorded_by if one.record else None,
        recorded_by_name=one.recorded_by_name,
    )


def _clinic(db: DbSession, clinician: CurrentClinician) -> Clinic:
    clinic = db.get(Clinic, clinician.clinic_id)
    assert clinic is not None  # a signed-in clinician's clinic exists
    return clinic


@router.get("/schedule/{session_id}/attendance", responses=READ_ERRORS)
def read_attendance(session_id: uuid.UUID, clinician: CurrentClinician, db: DbSession,
                    now: Now) -> SessionAttendanceResponse:
    """Who is expected at the session (the participant; the group's current members; the
    program's participants in their program that day; never anyone discharged by then),
    and anyone recorded already, by name, each with what was recorded (null: nothing
    yet)."""
    record = clinic_session(db, clinician.clinic_id, session_id)
    if record is None:
        not_found(db, clinician, AuditAction.ATTENDANCE_READ, "scheduled_session",
                  session_id, NO_SUCH_SESSION, now)
    clinic = _clinic(db, clinician)
    found = attendees(db, record, clinic)
    record_audit(db, at=now, actor=staff_actor(clinician.staff_id),
                 action=AuditAction.ATTENDANCE_READ, record_type="scheduled_session",
                 record_id=record.id)
    db.commit()
    return SessionAttendanceResponse(session=session_view(db, record, clinic),
                                     attendees=[_view(one) for one in found])


@router.put("/schedule/{session_id}/attendance/{participant_id}", responses=RECORD_ERRORS)
def set_attendance(session_id: uuid.UUID, participant_id: uuid.UUID, body: AttendanceWrite,
                   clinician: CurrentClinician, db: DbSession,
                   now: Now) -> AttendanceRecordedResponse:
    """Record whether the participant came to the session (attended, missed or excused);
    a later recording corrects it. Only for a session that has started and is not
    cancelled, and someone expected at it (409 otherwise). Recording a miss may raise a
    "missed sessions" alert when the participant's latest sessions were all missed (the
    clinic's `missed_sessions_in_a_row`; excused absences and cancelled sessions do not
    count and do not break a run): `alert_id` names it."""
    actor = staff_actor(clinician.staff_id)
    action = AuditAction.ATTENDANCE_RECORD
    record = clinic_session(db, clinician.clinic_id, session_id)
    if record is None:
        not_found(db, clinician, action, "scheduled_session", session_id, NO_SUCH_SESSION, now)
    participant = participant_or_404(db, clinician, participant_id, action, now)
    clinic = _clinic(db, clinician)
    try:
        record_attendance(db, record, participant, clinic, AttendanceStatus(body.status),
                          clinician.staff_id, now)
    except AttendanceRefused as refused:
        db.rollback()
        commit_failure(db, at=now, actor=actor, action=action, record_type="participant",
                       record_id=participant_id, reason="not_recordable")
        raise HTTPException(status.HTTP_409_CONFLICT, str(refused)) from None
    except IntegrityError:
        # Another clinician recorded the same person at the same session just now.
        db.rollback()
        commit_failure(db, at=now, actor=actor, action=action, record_type="participant",
                       record_id=participant_id, reason="recorded_meanwhile")
        raise HTTPException(status.HTTP_409_CONFLICT, RECORDED_MEANWHILE) from None
    # The session names which one it was; the status stays out of the audit log.
    record_audit(db, at=now, actor=actor, action=action, record_type="participant",
                 record_id=participant_id, reason=f"session:{session_id}")
    alerts = raise_attendance_alerts(db, participant, now, actor)
    db.commit()
    view = _view(attendee(db, record, participant_id))
    return AttendanceRecordedResponse(**view.model_dump(),
                                      alert_id=alerts[0].id if alerts else None)
