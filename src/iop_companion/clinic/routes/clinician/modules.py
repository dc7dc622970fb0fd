"""Module assignments: asking the participant to read a module of the app's library
(`assets/modules`; another id is a 422), and withdrawing the request."""

from __future__ import annotations

import uuid

from fastapi import status

from iop_companion.clinic.assignments import (
    UnknownModule,
    assign_module,
    participant_module_assignment,
    withdraw_module,
)
from iop_companion.clinic.audit import AuditAction, record_audit, staff_actor
from iop_companion.clinic.auth import CurrentClinician
from iop_companion.clinic.dependencies import DbSession, Now
from iop_companion.clinic.routes.clinician.common import (
    WRITE_ERRORS,
    clinician_router,
    not_found,
    participant_or_404,
    unknown_module,
)
from iop_companion.clinic.wire import module_assignment
from iop_companion.sync.protocol import ModuleAssignment, ModuleAssignmentWrite

NO_SUCH_ASSIGNMENT = "There is no such module assignment."

router = clinician_router()


@router.post("/participants/{participant_id}/modules", status_code=status.HTTP_201_CREATED,
             responses=WRITE_ERRORS)
def assign_participant_module(participant_id: uuid.UUID, body: ModuleAssignmentWrite,
                              clinician: CurrentClinician, db: DbSession,
                              now: Now) -> ModuleAssignment:
    """Ask the participant to read a module from the app's library."""
    participant = participant_or_404(db, clinician, participant_id,
                                     AuditAction.MODULE_ASSIGN, now)
    try:
        record = assign_module(db, participant, body, clinician.staff_id, now)
    except UnknownModule as error:
        unknown_module(db, clinician, AuditAction.MODULE_ASSIGN, participant_id, error, now)
    record_audit(db, at=now, actor=staff_actor(clinician.staff_id),
                 action=AuditAction.MODULE_ASSIGN, record_type="module_assignment",
                 record_id=record.id)
    db.commit()
    return module_assignment(record)


@router.post("/participants/{participant_id}/modules/{assignment_id}/withdraw",
             responses=WRITE_ERRORS)
def withdraw_participant_module(participant_id: uuid.UUID, assignment_id: uuid.UUID,
                                clinician: CurrentClinician, db: DbSession,
                                now: Now) -> ModuleAssignment:
    participant_or_404(db, clinician, participant_id, AuditAction.MODULE_ASSIGN, now)
    record = participant_module_assignment(db, participant_id, assignment_id)
    actor = staff_actor(clinician.staff_id)
    if record is None:
        not_found(db, clinician, AuditAction.MODULE_ASSIGN, "module_assignment",
                  assignment_id, NO_SUCH_ASSIGNMENT, now)
    changed = withdraw_module(db, record, now)
    record_audit(db, at=now, actor=actor, action=AuditAction.MODULE_ASSIGN,
                 record_type="module_assignment", record_id=record.id,
                 reason=None if changed else "already_withdrawn")
    db.commit()
    return module_assignment(record)
