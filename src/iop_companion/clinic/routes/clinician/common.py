"""What the clinician's route modules share: the router they each build, the error
responses they declare, the audited lookups that answer 404 for anything of another
clinic, and the write of a version of a record shared with the participant.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, NoReturn

from fastapi import APIRouter, Depends, HTTPException, status
from fastapi.responses import JSONResponse

from iop_companion.clinic.assignments import UnknownModule
from iop_companion.clinic.audit import AuditAction, commit_failure, record_audit, staff_actor
from iop_companion.clinic.auth import CurrentClinician, require_clinician
from iop_companion.clinic.dependencies import DbSession
from iop_companion.clinic.models import Participant
from iop_companion.clinic.shared_records import (
    InvalidContent,
    StaleVersion,
    write_clinic_version,
)
from iop_companion.clinic.wire import shared_record_view
from iop_companion.sync.protocol import (
    ErrorBody,
    RecordConflictBody,
    RecordKind,
    SharedRecordView,
)

ERRORS: dict[int | str, dict[str, Any]] = {401: {"model": ErrorBody}}
NOT_FOUND_ERRORS: dict[int | str, dict[str, Any]] = {404: {"model": ErrorBody}}
WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody} for code in (404, 413, 422)
}
SHARED_WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    **WRITE_ERRORS, 409: {"model": RecordConflictBody}}

NO_SUCH_PARTICIPANT = "There is no such participant."
CHANGED_SINCE = ("The participant changed this since the version you edited. Review their "
                 "newest version (included here) and make your change on that.")


def clinician_router() -> APIRouter:
    """A router for one clinician resource. It depends on `require_clinician` itself, so
    a route added to it later is protected even if its author forgets to ask for the
    clinician, and even if the module's router is ever included on its own."""
    return APIRouter(
        prefix="/clinician",
        tags=["clinician"],
        dependencies=[Depends(require_clinician)],
        responses=ERRORS,
    )


def clinic_participant(
    db: DbSession, clinician: CurrentClinician, participant_id: uuid.UUID
) -> Participant | None:
    participant = db.get(Participant, participant_id)
    return participant if participant and participant.clinic_id == clinician.clinic_id else None


def not_found(db: DbSession, clinician: CurrentClinician, action: AuditAction,
              record_type: str, record_id: uuid.UUID, message: str, now: datetime) -> NoReturn:
    """Audit the attempt and answer 404, as if the thing did not exist (it may be another
    clinic's)."""
    commit_failure(db, at=now, actor=staff_actor(clinician.staff_id), action=action,
                   record_type=record_type, record_id=record_id, reason="not_found")
    raise HTTPException(status.HTTP_404_NOT_FOUND, message)


def participant_or_404(db: DbSession, clinician: CurrentClinician, participant_id: uuid.UUID,
                       action: AuditAction, now: datetime) -> Participant:
    """The participant if they belong to the clinician's clinic; otherwise the attempt is
    audited and the answer is 404, as if they did not exist."""
    participant = clinic_participant(db, clinician, participant_id)
    if participant is None:
        not_found(db, clinician, action, "participant",
                  participant_id, NO_SUCH_PARTICIPANT, now)
    return participant


def unknown_module(db: DbSession, clinician: CurrentClinician, action: AuditAction,
                   participant_id: uuid.UUID, error: UnknownModule, now: datetime) -> NoReturn:
    """Audit an assignment naming a module the app's library does not have, and answer 422."""
    db.rollback()
    commit_failure(db, at=now, actor=staff_actor(clinician.staff_id), action=action,
                   record_type="participant", record_id=participant_id,
                   reason="unknown_module")
    raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(error)) from None


def write_shared(db: DbSession, clinician: CurrentClinician, participant: Participant, *,
                 kind: RecordKind, record_id: uuid.UUID, replaces_version: int | None,
                 content: dict[str, Any], action: AuditAction, missing: str,
                 now: datetime) -> SharedRecordView | JSONResponse:
    """Store the clinician's version; 409 with the newest one if it changed meanwhile,
    404 (`missing`) if the version named belongs to no record."""
    actor = staff_actor(clinician.staff_id)
    try:
        record = write_clinic_version(db, participant=participant, kind=kind,
                                      record_id=record_id, replaces_version=replaces_version,
                                      content=content, staff_id=clinician.staff_id, now=now)
    except StaleVersion as stale:
        db.rollback()
        commit_failure(db, at=now, actor=actor, action=action, record_type=kind.value,
                       record_id=record_id, reason="stale_version")
        if stale.latest is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, missing) from None
        latest = shared_record_view(stale.latest)  # reloaded after the rollback
        return JSONResponse(status_code=status.HTTP_409_CONFLICT, content=RecordConflictBody(
            detail=CHANGED_SINCE, latest=latest).model_dump(mode="json"))
    except InvalidContent as invalid:
        db.rollback()
        commit_failure(db, at=now, actor=actor, action=action, record_type=kind.value,
                       record_id=record_id, reason="invalid")
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(invalid)) from None
    record_audit(db, at=now, actor=actor, action=action, record_type=kind.value,
                 record_id=record_id)
    db.commit()
    return shared_record_view(record)
