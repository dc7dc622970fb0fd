"""The clinic's schedule: adding a session (for one participant or the whole program),
changing one and cancelling one; each is published to the apps that see it and audited."""

from __future__ import annotations

import uuid
from datetime import datetime

from fastapi import status

from iop_companion.clinic.audit import AuditAction, record_audit, staff_actor
from iop_companion.clinic.auth import CurrentClinician
from iop_companion.clinic.dependencies import DbSession, Now
from iop_companion.clinic.models import ScheduledSessionRecord
from iop_companion.clinic.routes.clinician.common import (
    NO_SUCH_PARTICIPANT,
    WRITE_ERRORS,
    clinic_participant,
    clinician_router,
    not_found,
)
from iop_companion.clinic.schedule import (
    add_session,
    cancel_session,
    change_session,
    clinic_session,
)
from iop_companion.clinic.wire import scheduled_session
from iop_companion.sync.protocol import (
    ScheduledSession,
    SessionCancelRequest,
    SessionCreateRequest,
    SessionDetails,
    SessionStatus,
)

NO_SUCH_SESSION = "There is no such session."

router = clinician_router()


def _clinic_session_or_404(db: DbSession, clinician: CurrentClinician, session_id: uuid.UUID,
                           action: AuditAction, now: datetime) -> ScheduledSessionRecord:
    """The session if it belongs to the clinician's clinic; otherwise the attempt is
    audited and the answer is 404, as if it did not exist."""
    record = clinic_session(db, clinician.clinic_id, session_id)
    if record is None:
        not_found(db, clinician, action, "scheduled_session", session_id, NO_SUCH_SESSION, now)
    return record


@router.post("/schedule", status_code=status.HTTP_201_CREATED, responses=WRITE_ERRORS)
def create_session(
    body: SessionCreateRequest, clinician: CurrentClinician, db: DbSession, now: Now
) -> ScheduledSession:
    """Add a session for one participant, or for the whole program (no participant_id)."""
    actor = staff_actor(clinician.staff_id)
    if body.participant_id is not None and clinic_participant(
            db, clinician, body.participant_id) is None:
        not_found(db, clinician, AuditAction.SESSION_CREATE, "participant",
                  body.participant_id, NO_SUCH_PARTICIPANT, now)
    details = SessionDetails.model_validate(body.model_dump(exclude={"participant_id"}))
    record = add_session(db, clinic_id=clinician.clinic_id, participant_id=body.participant_id,
                         details=details, now=now)
    record_audit(db, at=now, actor=actor, action=AuditAction.SESSION_CREATE,
                 record_type="scheduled_session", record_id=record.id)
    db.commit()
    return scheduled_session(record)


@router.put("/schedule/{session_id}", responses=WRITE_ERRORS)
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


@router.post("/schedule/{session_id}/cancel", responses=WRITE_ERRORS)
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
