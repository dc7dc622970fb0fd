"""Module assignments: reading a participant's (with the day they read each), asking
the participant, or every current member of a group, to read a module of the app's
library (`assets/modules`; another id is a 422), and withdrawing the request."""

from __future__ import annotations

import uuid

from fastapi import status

from iop_companion.clinic.assignments import (
    UnknownModule,
    assign_module,
    module_assignments_with_answers,
    participant_module_assignment,
    withdraw_module,
)
from iop_companion.clinic.audit import AuditAction, record_audit, staff_actor
from iop_companion.clinic.auth import CurrentClinician
from iop_companion.clinic.dependencies import DbSession, Now
from iop_companion.clinic.routes.clinician.common import (
    NOT_FOUND_ERRORS,
    WRITE_ERRORS,
    clinician_router,
    not_found,
    participant_or_404,
    unknown_module,
)
from iop_companion.clinic.routes.clinician.groups import GROUP_WRITE_ERRORS, group_or_404
from iop_companion.clinic.routes.clinician.homework import (
    group_members_to_assign,
    group_unknown_module,
)
from iop_companion.clinic.wire import module_assignment
from iop_companion.sync.protocol import (
    GroupModuleItem,
    GroupModulesResponse,
    ModuleAssignment,
    ModuleAssignmentsResponse,
    ModuleAssignmentWrite,
)

NO_SUCH_ASSIGNMENT = "There is no such module assignment."

router = clinician_router()


@router.get("/participants/{participant_id}/modules", responses=NOT_FOUND_ERRORS)
def read_modules(participant_id: uuid.UUID, clinician: CurrentClinician, db: DbSession,
                 now: Now) -> ModuleAssignmentsResponse:
    """The participant's module assignments, newest first, withdrawn ones included, each
    with the day they marked it read in their app (`read_on`, null: not yet)."""
    participant_or_404(db, clinician, participant_id, AuditAction.MODULES_READ, now)
    modules = module_assignments_with_answers(db, participant_id)
    record_audit(db, at=now, actor=staff_actor(clinician.staff_id),
                 action=AuditAction.MODULES_READ, record_type="participant",
                 record_id=participant_id)
    db.commit()
    return ModuleAssignmentsResponse(modules=modules)


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


@router.post("/groups/{group_id}/modules", status_code=status.HTTP_201_CREATED,
             responses=GROUP_WRITE_ERRORS)
def assign_group_module(group_id: uuid.UUID, body: ModuleAssignmentWrite,
                        clinician: CurrentClinician, db: DbSession,
                        now: Now) -> GroupModulesResponse:
    """Ask every current member of the group to read a module: one assignment each, read
    and withdrawn one by one. Discharged members are skipped (and listed); an archived
    group, or one with nobody to assign to, is a 409."""
    action = AuditAction.MODULE_ASSIGN
    group = group_or_404(db, clinician, group_id, action, now)
    assignable, skipped = group_members_to_assign(db, clinician, group, action, now)
    made: list[GroupModuleItem] = []
    try:
        for participant in assignable:
            record = assign_module(db, participant, body, clinician.staff_id, now)
            record_audit(db, at=now, actor=staff_actor(clinician.staff_id), action=action,
                         record_type="module_assignment", record_id=record.id,
                         reason=f"group:{group.id}")
            made.append(GroupModuleItem(participant_id=participant.id,
                                        display_name=participant.display_name,
                                        assignment=module_assignment(record)))
    except UnknownModule as error:
        raise group_unknown_module(db, clinician, action, group_id, error, now) from None
    db.commit()
    return GroupModulesResponse(group_id=group.id, assigned=made, skipped=skipped)
