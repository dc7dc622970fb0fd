"""Routes for a signed-in clinician: their own clinic's safety alerts, publishing the
schedule to participants' apps, and disconnecting a participant's devices.

The router itself depends on `require_clinician`, so a route added here later is
protected even if its author forgets to ask for the clinician. Signing in is public
(routes/public.py). An alert, session or participant of another clinic answers 404, as if it did not exist.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, status

from iop_companion.clinic.audit import AuditAction, commit_failure, record_audit, staff_actor
from iop_companion.clinic.auth import CurrentClinician, require_clinician
from iop_companion.clinic.changes import publish_clinic_profile
from iop_companion.clinic.clinicians import alerts_for_clinic, clinic_alert, clinician_alert
from iop_companion.clinic.dependencies import DbSession, Now
from iop_companion.clinic.models import Clinic, Participant, ScheduledSessionRecord
from iop_companion.clinic.schedule import (
    add_session,
    cancel_session,
    change_session,
    clinic_session,
)
from iop_companion.clinic.tokens import revoke_devices
from iop_companion.clinic.wire import clinic_profile, scheduled_session
from iop_companion.sync.protocol import (
    ClinicianAlert,
    ClinicianAlertsResponse,
    ClinicProfile,
    DeviceRevocationResponse,
    ErrorBody,
    MeasureScheduleRequest,
    ScheduledSession,
    SessionCancelRequest,
    SessionCreateRequest,
    SessionDetails,
    SessionStatus,
)

_ERRORS: dict[int | str, dict[str, Any]] = {401: {"model": ErrorBody}}
_WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody} for code in (404, 413, 422)
}
NO_SUCH_SESSION = "There is no such session."
NO_SUCH_PARTICIPANT = "There is no such participant."

router = APIRouter(
    prefix="/clinician",
    tags=["clinician"],
    dependencies=[Depends(require_clinician)],
    responses=_ERRORS,
)


@router.get("/alerts")
def read_alerts(clinician: CurrentClinician, db: DbSession, now: Now) -> ClinicianAlertsResponse:
    alerts = alerts_for_clinic(db, clinician.clinic_id)
    # Each participant whose alerts were shown is a read of that participant's data.
    shown = dict.fromkeys(alert.participant_id for alert in alerts)
    for participant_id in shown or [None]:
        record_audit(
            db,
            at=now,
            actor=staff_actor(clinician.staff_id),
            action=AuditAction.ALERTS_READ,
            record_type="participant" if participant_id else "clinic",
            record_id=participant_id or clinician.clinic_id,
        )
    db.commit()
    return ClinicianAlertsResponse(alerts=[clinician_alert(alert) for alert in alerts])


@router.post("/alerts/{alert_id}/acknowledge", responses={404: {"model": ErrorBody}})
def acknowledge_alert(
    alert_id: uuid.UUID, clinician: CurrentClinician, db: DbSession, now: Now
) -> ClinicianAlert:
    """Mark the alert as seen to; acknowledging it again changes nothing."""
    alert = clinic_alert(db, clinician.clinic_id, alert_id)
    if alert is None:
        commit_failure(db, at=now, actor=staff_actor(clinician.staff_id),
                       action=AuditAction.ALERT_ACKNOWLEDGE, record_type="alert",
                       record_id=alert_id, reason="not_found")
        raise HTTPException(status.HTTP_404_NOT_FOUND, "There is no such alert.")
    repeated = alert.acknowledged_at is not None
    if not repeated:
        alert.acknowledged_at = now
        alert.acknowledged_by = clinician.staff_id
    record_audit(
        db,
        at=now,
        actor=staff_actor(clinician.staff_id),
        action=AuditAction.ALERT_ACKNOWLEDGE,
        record_type="alert",
        record_id=alert.id,
        reason="already_acknowledged" if repeated else None,
    )
    db.commit()
    return clinician_alert(alert)


def _clinic_participant(
    db: DbSession, clinician: CurrentClinician, participant_id: uuid.UUID
) -> Participant | None:
    participant = db.get(Participant, participant_id)
    return participant if participant and participant.clinic_id == clinician.clinic_id else None


def _clinic_session_or_404(db: DbSession, clinician: CurrentClinician, session_id: uuid.UUID,
                           action: AuditAction, now: datetime) -> ScheduledSessionRecord:
    """The session if it belongs to the clinician's clinic; otherwise the attempt is
    audited and the answer is 404, as if it did not exist."""
    record = clinic_session(db, clinician.clinic_id, session_id)
    if record is None:
        commit_failure(db, at=now, actor=staff_actor(clinician.staff_id), action=action,
                       record_type="scheduled_session", record_id=session_id,
                       reason="not_found")
        raise HTTPException(status.HTTP_404_NOT_FOUND, NO_SUCH_SESSION)
    return record


@router.post("/schedule", status_code=status.HTTP_201_CREATED, responses=_WRITE_ERRORS)
def create_session(
    body: SessionCreateRequest, clinician: CurrentClinician, db: DbSession, now: Now
) -> ScheduledSession:
    """Add a session for one participant, or for the whole program (no participant_id)."""
    actor = staff_actor(clinician.staff_id)
    if body.participant_id is not None and _clinic_participant(
            db, clinician, body.participant_id) is None:
        commit_failure(db, at=now, actor=actor, action=AuditAction.SESSION_CREATE,
                       record_type="participant", record_id=body.participant_id,
                       reason="not_found")
        raise HTTPException(status.HTTP_404_NOT_FOUND, NO_SUCH_PARTICIPANT)
    details = SessionDetails.model_validate(body.model_dump(exclude={"participant_id"}))
    record = add_session(db, clinic_id=clinician.clinic_id, participant_id=body.participant_id,
                         details=details, now=now)
    record_audit(db, at=now, actor=actor, action=AuditAction.SESSION_CREATE,
                 record_type="scheduled_session", record_id=record.id)
    db.commit()
    return scheduled_session(record)


@router.put("/schedule/{session_id}", responses=_WRITE_ERRORS)
def update_session(
    session_id: uuid.UUID,
    body: SessionDetails,
    clinician: CurrentClinician,
    db: DbSession,
    now: Now,
) -> ScheduledSession:
    """Replace a session's details (time, place, who leads it...); apps get the new version."""
    actor = staff_actor(clinician.staff_id)
    record = _clinic_session_or_404(db, clinician, session_id, AuditAction.SESSION_CHANGE, now)
    change_session(db, record, body, now)
    record_audit(db, at=now, actor=actor, action=AuditAction.SESSION_CHANGE,
                 record_type="scheduled_session", record_id=record.id)
    db.commit()
    return scheduled_session(record)


@router.post("/schedule/{session_id}/cancel", responses=_WRITE_ERRORS)
def cancel_scheduled_session(
    session_id: uuid.UUID,
    clinician: CurrentClinician,
    db: DbSession,
    now: Now,
    body: SessionCancelRequest | None = None,
) -> ScheduledSession:
    """Cancel a session (it stays on the schedule, marked cancelled); cancelling again
    changes nothing."""
    actor = staff_actor(clinician.staff_id)
    record = _clinic_session_or_404(db, clinician, session_id, AuditAction.SESSION_CANCEL, now)
    repeated = record.status is SessionStatus.CANCELLED
    if not repeated:
        cancel_session(db, record, body.note if body else None, now)
    record_audit(db, at=now, actor=actor, action=AuditAction.SESSION_CANCEL,
                 record_type="scheduled_session", record_id=record.id,
                 reason="already_cancelled" if repeated else None)
    db.commit()
    return scheduled_session(record)


@router.post("/participants/{participant_id}/devices/revoke", responses=_WRITE_ERRORS)
def revoke_participant_devices(
    participant_id: uuid.UUID, clinician: CurrentClinician, db: DbSession, now: Now
) -> DeviceRevocationResponse:
    """Disconnect every device of the participant (a lost or stolen phone): their tokens
    stop working at once, and the participant enrols again with a new code."""
    actor = staff_actor(clinician.staff_id)
    if _clinic_participant(db, clinician, participant_id) is None:
        commit_failure(db, at=now, actor=actor, action=AuditAction.DEVICE_REVOKE,
                       record_type="participant", record_id=participant_id,
                       reason="not_found")
        raise HTTPException(status.HTTP_404_NOT_FOUND, NO_SUCH_PARTICIPANT)
    revoked = revoke_devices(db, participant_id, now)
    for device_id in revoked:
        record_audit(db, at=now, actor=actor, action=AuditAction.DEVICE_REVOKE,
                     record_type="device", record_id=device_id)
    db.commit()
    return DeviceRevocationResponse(revoked_devices=len(revoked))


@router.put("/clinic/measure-schedule", responses=_WRITE_ERRORS)
def set_measure_schedule(body: MeasureScheduleRequest, clinician: CurrentClinician,
                         db: DbSession, now: Now) -> ClinicProfile:
    """Set how often this clinic's participants are asked to fill in PHQ-9, GAD-7 and the
    BAM; the apps pick it up at their next sync (published as the clinic's profile)."""
    clinic = db.get(Clinic, clinician.clinic_id)
    assert clinic is not None  # a signed-in clinician's clinic exists
    clinic.measure_interval_days = body.model_dump(exclude_none=True)
    publish_clinic_profile(db, clinic, now)
    record_audit(db, at=now, actor=staff_actor(clinician.staff_id),
                 action=AuditAction.MEASURE_SCHEDULE_CHANGE, record_type="clinic",
                 record_id=clinic.id)
    db.commit()
    return clinic_profile(clinic)
