"""Homework and module assignments a clinician sets for one participant, published on
their pull feed, with what the participant answered (done, read) from their app."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from iop_companion.clinic.changes import publish_homework, publish_module_assignment
from iop_companion.clinic.models import (
    HomeworkRecord,
    ModuleAssignmentRecord,
    Participant,
    ParticipantRecord,
)
from iop_companion.clinic.shared_records import latest_versions
from iop_companion.clinic.wire import homework_assignment, module_assignment
from iop_companion.content.exercises import exercise_ids
from iop_companion.content.modules import module_ids
from iop_companion.sync.protocol import (
    AssignmentStatus,
    HomeworkView,
    HomeworkWrite,
    ModuleAssignmentView,
    ModuleAssignmentWrite,
    RecordKind,
)


class UnknownModule(Exception):
    """The module (or exercise) is not in the app's library (the message is safe to show)."""


def clinic_today(participant: Participant, now: datetime) -> date:
    """The date on the clinic's own calendar (the day a clinician would write down)."""
    return now.astimezone(ZoneInfo(participant.clinic.timezone)).date()


def _check_module(module_id: str | None) -> None:
    # The library ships with the app (assets/modules); the clinic can only assign what
    # the apps have.
    if module_id is not None and module_id not in module_ids():
        raise UnknownModule(f"There is no module '{module_id}' in the app's library.")


def _check_homework(body: HomeworkWrite) -> None:
    _check_module(body.module_id)
    if body.exercise_id is not None and body.exercise_id not in exercise_ids():
        raise UnknownModule(f"There is no exercise '{body.exercise_id}' in the app's library.")


def add_homework(db: Session, participant: Participant, body: HomeworkWrite,
                 staff_id: uuid.UUID, now: datetime) -> HomeworkRecord:
    _check_homework(body)
    record = HomeworkRecord(
        id=uuid.uuid4(), clinic_id=participant.clinic_id, participant_id=participant.id,
        title=body.title, instructions=body.instructions, due_on=body.due_on,
        module_id=body.module_id, exercise_id=body.exercise_id,
        assigned_on=clinic_today(participant, now),
        status=AssignmentStatus.ASSIGNED, created_by=staff_id, created_at=now, updated_at=now)
    db.add(record)
    publish_homework(db, record, now)
    return record


def change_homework(db: Session, record: HomeworkRecord, body: HomeworkWrite,
                    now: datetime) -> None:
    _check_homework(body)
    record.title, record.instructions = body.title, body.instructions
    record.due_on, record.module_id = body.due_on, body.module_id
    record.exercise_id = body.exercise_id
    record.updated_at = now
    publish_homework(db, record, now)


def withdraw_homework(db: Session, record: HomeworkRecord, now: datetime) -> bool:
    """Returns False when it was already withdrawn (nothing changes)."""
    if record.status is AssignmentStatus.WITHDRAWN:
        return False
    record.status, record.updated_at = AssignmentStatus.WITHDRAWN, now
    publish_homework(db, record, now)
    return True


def assign_module(db: Session, participant: Participant, body: ModuleAssignmentWrite,
                  staff_id: uuid.UUID, now: datetime) -> ModuleAssignmentRecord:
    _check_module(body.module_id)
    record = ModuleAssignmentRecord(
        id=uuid.uuid4(), clinic_id=participant.clinic_id, participant_id=participant.id,
        module_id=body.module_id, note=body.note, due_on=body.due_on,
        assigned_on=clinic_today(participant, now), status=AssignmentStatus.ASSIGNED,
        created_by=staff_id, created_at=now, updated_at=now)
    db.add(record)
    publish_module_assignment(db, record, now)
    return record


def withdraw_module(db: Session, record: ModuleAssignmentRecord, now: datetime) -> bool:
    if record.status is AssignmentStatus.WITHDRAWN:
        return False
    record.status, record.updated_at = AssignmentStatus.WITHDRAWN, now
    publish_module_assignment(db, record, now)
    return True


def participant_homework(db: Session, participant_id: uuid.UUID,
                         homework_id: uuid.UUID) -> HomeworkRecord | None:
    record = db.get(HomeworkRecord, homework_id)
    return record if record is not None and record.participant_id == participant_id else None


def participant_module_assignment(db: Session, participant_id: uuid.UUID,
                                  assignment_id: uuid.UUID) -> ModuleAssignmentRecord | None:
    record = db.get(ModuleAssignmentRecord, assignment_id)
    return record if record is not None and record.participant_id == participant_id else None


def assignments_with_answers(
        db: Session, participant_id: uuid.UUID,
) -> tuple[list[HomeworkView], list[ModuleAssignmentView]]:
    """Every assignment, newest first, with the participant's newest answer to each."""
    answers = _answers(db, participant_id)
    homework = []
    for record in db.scalars(select(HomeworkRecord)
                             .where(HomeworkRecord.participant_id == participant_id)
                             .order_by(HomeworkRecord.created_at.desc())):
        answer = answers.get(str(record.id), {})
        done = bool(answer.get("done", True)) if answer else False
        homework.append(HomeworkView(
            **homework_assignment(record).model_dump(),
            done_on=answer.get("done_on") if done else None,
            note=str(answer.get("note", "")) if done else ""))
    modules = []
    for assigned in db.scalars(select(ModuleAssignmentRecord)
                               .where(ModuleAssignmentRecord.participant_id == participant_id)
                               .order_by(ModuleAssignmentRecord.created_at.desc())):
        answer = answers.get(str(assigned.id), {})
        modules.append(ModuleAssignmentView(**module_assignment(assigned).model_dump(),
                                            read_on=answer.get("done_on")))
    return homework, modules


def module_assignments_with_answers(db: Session,
                                    participant_id: uuid.UUID) -> list[ModuleAssignmentView]:
    """Every module assignment, newest first, with the day the participant read it."""
    return assignments_with_answers(db, participant_id)[1]


def _answers(db: Session, participant_id: uuid.UUID) -> dict[str, dict[str, object]]:
    answers: dict[str, dict[str, object]] = {}
    for kind in (RecordKind.HOMEWORK_DONE, RecordKind.MODULE_READ):
        record: ParticipantRecord
        for record in latest_versions(db, participant_id, kind):
            answers[str(record.payload.get("assignment_id"))] = dict(record.payload)
    return answers
