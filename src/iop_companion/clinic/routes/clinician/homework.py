"""The participant's homework: reading it (with their module assignments, and what they
marked done or read), setting, changing and withdrawing it; and setting the same
homework for every current member of a group."""

from __future__ import annotations

import uuid
from datetime import datetime

from fastapi import HTTPException, status

from iop_companion.clinic.assignments import (
    UnknownModule,
    add_homework,
    assignments_with_answers,
    change_homework,
    participant_homework,
    withdraw_homework,
)
from iop_companion.clinic.audit import AuditAction, commit_failure, record_audit, staff_actor
from iop_companion.clinic.auth import CurrentClinician
from iop_companion.clinic.dependencies import DbSession, Now
from iop_companion.clinic.groups import ARCHIVED_MESSAGE, assignable_members
from iop_companion.clinic.models import HomeworkRecord, Participant, ParticipantGroup
from iop_companion.clinic.routes.clinician.common import (
    NOT_FOUND_ERRORS,
    WRITE_ERRORS,
    clinician_router,
    not_found,
    participant_or_404,
    unknown_module,
)
from iop_companion.clinic.routes.clinician.groups import GROUP_WRITE_ERRORS, group_or_404
from iop_companion.clinic.wire import homework_assignment
from iop_companion.sync.protocol import (
    ClinicianHomeworkResponse,
    GroupHomeworkItem,
    GroupHomeworkResponse,
    HomeworkAssignment,
    HomeworkWrite,
    SkippedMember,
)

NO_SUCH_HOMEWORK = "There is no such homework."

router = clinician_router()


@router.get("/participants/{participant_id}/homework", responses=NOT_FOUND_ERRORS)
def read_homework(participant_id: uuid.UUID, clinician: CurrentClinician, db: DbSession,
                  now: Now) -> ClinicianHomeworkResponse:
    """The participant's homework and module assignments, newest first, with what they
    marked done or read in their app."""
    participant_or_404(db, clinician, participant_id, AuditAction.HOMEWORK_READ, now)
    homework, modules = assignments_with_answers(db, participant_id)
    record_audit(db, at=now, actor=staff_actor(clinician.staff_id),
                 action=AuditAction.HOMEWORK_READ, record_type="participant",
                 record_id=participant_id)
    db.commit()
    return ClinicianHomeworkResponse(homework=homework, modules=modules)


@router.post("/participants/{participant_id}/homework", status_code=status.HTTP_201_CREATED,
             responses=WRITE_ERRORS)
def set_homework(participant_id: uuid.UUID, body: HomeworkWrite, clinician: CurrentClinician,
                 db: DbSession, now: Now) -> HomeworkAssignment:
    """Set homework; the participant's app gets it at its next sync."""
    participant = participant_or_404(db, clinician, participant_id,
                                     AuditAction.HOMEWORK_WRITE, now)
    try:
        record = add_homework(db, participant, body, clinician.staff_id, now)
    except UnknownModule as error:
        unknown_module(db, clinician, AuditAction.HOMEWORK_WRITE, participant_id, error, now)
    record_audit(db, at=now, actor=staff_actor(clinician.staff_id),
                 action=AuditAction.HOMEWORK_WRITE, record_type="homework", record_id=record.id)
    db.commit()
    return homework_assignment(record)


def _homework_or_404(db: DbSession, clinician: CurrentClinician, participant_id: uuid.UUID,
                     homework_id: uuid.UUID, now: datetime) -> HomeworkRecord:
    participant_or_404(db, clinician, participant_id, AuditAction.HOMEWORK_WRITE, now)
    record = participant_homework(db, participant_id, homework_id)
    if record is None:
        not_found(db, clinician, AuditAction.HOMEWORK_WRITE, "homework", homework_id,
                  NO_SUCH_HOMEWORK, now)
    return record


@router.put("/participants/{participant_id}/homework/{homework_id}", responses=WRITE_ERRORS)
def update_homework(participant_id: uuid.UUID, homework_id: uuid.UUID, body: HomeworkWrite,
                    clinician: CurrentClinician, db: DbSession,
                    now: Now) -> HomeworkAssignment:
    """Change homework's title, instructions, due date or module."""
    record = _homework_or_404(db, clinician, participant_id, homework_id, now)
    try:
        change_homework(db, record, body, now)
    except UnknownModule as error:
        unknown_module(db, clinician, AuditAction.HOMEWORK_WRITE, participant_id, error, now)
    record_audit(db, at=now, actor=staff_actor(clinician.staff_id),
                 action=AuditAction.HOMEWORK_WRITE, record_type="homework", record_id=record.id)
    db.commit()
    return homework_assignment(record)


@router.post("/participants/{participant_id}/homework/{homework_id}/withdraw",
             responses=WRITE_ERRORS)
def withdraw_participant_homework(participant_id: uuid.UUID, homework_id: uuid.UUID,
                                  clinician: CurrentClinician, db: DbSession,
                                  now: Now) -> HomeworkAssignment:
    """Take homework back (it leaves the participant's to-do list); again changes nothing."""
    record = _homework_or_404(db, clinician, participant_id, homework_id, now)
    changed = withdraw_homework(db, record, now)
    record_audit(db, at=now, actor=staff_actor(clinician.staff_id),
                 action=AuditAction.HOMEWORK_WRITE, record_type="homework", record_id=record.id,
                 reason=None if changed else "already_withdrawn")
    db.commit()
    return homework_assignment(record)


# --- A group ---------------------------------------------------------------------------

NOBODY_TO_ASSIGN = ("This group has nobody to assign to: it has no members, or every member "
                    "has been discharged.")


def group_members_to_assign(db: DbSession, clinician: CurrentClinician,
                            group: ParticipantGroup, action: AuditAction,
                            now: datetime) -> tuple[list[Participant], list[SkippedMember]]:
    """The group's current members who can be given something new, and those skipped
    (discharged); 409, audited, if the group is archived or nobody can be given it."""
    assignable, discharged = assignable_members(db, group, now)
    problem = (ARCHIVED_MESSAGE if group.archived_at is not None
               else NOBODY_TO_ASSIGN if not assignable else None)
    if problem is not None:
        commit_failure(db, at=now, actor=staff_actor(clinician.staff_id), action=action,
                       record_type="participant_group", record_id=group.id,
                       reason="group_archived" if group.archived_at else "no_members")
        raise HTTPException(status.HTTP_409_CONFLICT, problem)
    skipped = [SkippedMember(participant_id=one.id, display_name=one.display_name,
                             reason=f"Discharged on {one.discharged_on}: nothing new is sent "
                                    "to their app.")
               for one in discharged]
    return assignable, skipped


def group_unknown_module(db: DbSession, clinician: CurrentClinician, action: AuditAction,
                         group_id: uuid.UUID, error: UnknownModule, now: datetime) -> HTTPException:
    """Audit an assignment to a group naming a module the app's library lacks; its 422."""
    db.rollback()
    commit_failure(db, at=now, actor=staff_actor(clinician.staff_id), action=action,
                   record_type="participant_group", record_id=group_id,
                   reason="unknown_module")
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(error))


@router.post("/groups/{group_id}/homework", status_code=status.HTTP_201_CREATED,
             responses=GROUP_WRITE_ERRORS)
def set_group_homework(group_id: uuid.UUID, body: HomeworkWrite, clinician: CurrentClinician,
                       db: DbSession, now: Now) -> GroupHomeworkResponse:
    """Set the same homework for every current member of the group: one assignment each,
    on their own app, done and withdrawn one by one like any other. Discharged members
    are skipped (and listed); an archived group, or one with nobody to assign to, is a
    409."""
    action = AuditAction.HOMEWORK_WRITE
    group = group_or_404(db, clinician, group_id, action, now)
    assignable, skipped = group_members_to_assign(db, clinician, group, action, now)
    made: list[GroupHomeworkItem] = []
    try:
        for participant in assignable:
            record = add_homework(db, participant, body, clinician.staff_id, now)
            record_audit(db, at=now, actor=staff_actor(clinician.staff_id), action=action,
                         record_type="homework", record_id=record.id,
                         reason=f"group:{group.id}")
            made.append(GroupHomeworkItem(participant_id=participant.id,
                                          display_name=participant.display_name,
                                          homework=homework_assignment(record)))
    except UnknownModule as error:
        raise group_unknown_module(db, clinician, action, group_id, error, now) from None
    db.commit()
    return GroupHomeworkResponse(group_id=group.id, assigned=made, skipped=skipped)
