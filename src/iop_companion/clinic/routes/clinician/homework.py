"""The participant's homework: reading it (with their module assignments, and what they
marked done or read), setting, changing and withdrawing it."""

from __future__ import annotations

import uuid
from datetime import datetime

from fastapi import status

from iop_companion.clinic.assignments import (
    UnknownModule,
    add_homework,
    assignments_with_answers,
    change_homework,
    participant_homework,
    withdraw_homework,
)
from iop_companion.clinic.audit import AuditAction, record_audit, staff_actor
from iop_companion.clinic.auth import CurrentClinician
from iop_companion.clinic.dependencies import DbSession, Now
from iop_companion.clinic.models import HomeworkRecord
from iop_companion.clinic.routes.clinician.common import (
    NOT_FOUND_ERRORS,
    WRITE_ERRORS,
    clinician_router,
    not_found,
    participant_or_404,
    unknown_module,
)
from iop_companion.clinic.wire import homework_assignment
from iop_companion.sync.protocol import (
    ClinicianHomeworkResponse,
    HomeworkAssignment,
    HomeworkWrite,
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
