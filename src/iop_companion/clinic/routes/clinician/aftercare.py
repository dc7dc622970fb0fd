"""The participant's aftercare plan, built with them: one record per participant, its id
derived from theirs, under the same version rule (and 409) as the goals."""

from __future__ import annotations

import uuid

from fastapi.responses import JSONResponse

from iop_companion.clinic.audit import AuditAction, record_audit, staff_actor
from iop_companion.clinic.auth import CurrentClinician
from iop_companion.clinic.dependencies import DbSession, Now
from iop_companion.clinic.records import latest_version
from iop_companion.clinic.routes.clinician.common import (
    NOT_FOUND_ERRORS,
    SHARED_WRITE_ERRORS,
    clinician_router,
    not_found,
    participant_or_404,
    write_shared,
)
from iop_companion.clinic.wire import shared_record_view
from iop_companion.sync.protocol import (
    AftercarePlanWrite,
    RecordKind,
    SharedRecordView,
    aftercare_plan_id,
)

NO_AFTERCARE_PLAN = "There is no aftercare plan yet."

router = clinician_router()


@router.get("/participants/{participant_id}/aftercare-plan", responses=NOT_FOUND_ERRORS)
def read_aftercare_plan(participant_id: uuid.UUID, clinician: CurrentClinician,
                        db: DbSession, now: Now) -> SharedRecordView:
    participant_or_404(db, clinician, participant_id, AuditAction.AFTERCARE_READ, now)
    plan = latest_version(db, participant_id, aftercare_plan_id(participant_id))
    actor = staff_actor(clinician.staff_id)
    if plan is None:
        not_found(db, clinician, AuditAction.AFTERCARE_READ, "participant",
                  participant_id, NO_AFTERCARE_PLAN, now)
    record_audit(db, at=now, actor=actor, action=AuditAction.AFTERCARE_READ,
                 record_type="participant", record_id=participant_id)
    db.commit()
    return shared_record_view(plan)


@router.put("/participants/{participant_id}/aftercare-plan", responses=SHARED_WRITE_ERRORS,
            response_model=SharedRecordView)
def write_aftercare_plan(participant_id: uuid.UUID, body: AftercarePlanWrite,
                         clinician: CurrentClinician, db: DbSession,
                         now: Now) -> SharedRecordView | JSONResponse:
    """Write the aftercare plan with the participant (every section is replaced). Leave
    out 'replaces_version' to start it; name it to change it. If the participant
    changed the plan since, the answer is 409 with their newest version."""
    participant = participant_or_404(db, clinician, participant_id,
                                     AuditAction.AFTERCARE_WRITE, now)
    return write_shared(db, clinician, participant, kind=RecordKind.AFTERCARE_PLAN,
                        record_id=aftercare_plan_id(participant_id),
                        replaces_version=body.replaces_version,
                        content=body.model_dump(exclude={"replaces_version"}),
                        action=AuditAction.AFTERCARE_WRITE, missing=NO_AFTERCARE_PLAN, now=now)
