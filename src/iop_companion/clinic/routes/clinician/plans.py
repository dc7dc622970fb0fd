"""The plans the participant shares with the clinic: the safety plan and the
relapse-prevention plan, each as the newest version they shared."""

from __future__ import annotations

import uuid

from iop_companion.clinic.audit import AuditAction, record_audit, staff_actor
from iop_companion.clinic.auth import CurrentClinician
from iop_companion.clinic.dependencies import DbSession, Now
from iop_companion.clinic.participant_view import latest_shared_plan
from iop_companion.clinic.routes.clinician.common import (
    NOT_FOUND_ERRORS,
    clinician_router,
    participant_or_404,
)
from iop_companion.clinic.wire import shared_record_view
from iop_companion.sync.protocol import ClinicianPlanResponse, RecordKind

router = clinician_router()


@router.get("/participants/{participant_id}/safety-plan", responses=NOT_FOUND_ERRORS)
def read_safety_plan(participant_id: uuid.UUID, clinician: CurrentClinician, db: DbSession,
                     now: Now) -> ClinicianPlanResponse:
    """The participant's safety plan as they last shared it (null if they never chose
    "Share with my clinic")."""
    return _plan(participant_id, clinician, db, now, RecordKind.SAFETY_PLAN,
                 AuditAction.SAFETY_PLAN_READ)


@router.get("/participants/{participant_id}/relapse-plan", responses=NOT_FOUND_ERRORS)
def read_relapse_plan(participant_id: uuid.UUID, clinician: CurrentClinician, db: DbSession,
                      now: Now) -> ClinicianPlanResponse:
    """The participant's relapse-prevention plan as they last shared it (null if they
    never shared it)."""
    return _plan(participant_id, clinician, db, now, RecordKind.RELAPSE_PLAN,
                 AuditAction.RELAPSE_PLAN_READ)


def _plan(participant_id: uuid.UUID, clinician: CurrentClinician, db: DbSession, now: Now,
          kind: RecordKind, action: AuditAction) -> ClinicianPlanResponse:
    participant_or_404(db, clinician, participant_id, action, now)
    plan = latest_shared_plan(db, participant_id, kind)
    record_audit(db, at=now, actor=staff_actor(clinician.staff_id), action=action,
                 record_type="participant", record_id=participant_id)
    db.commit()
    return ClinicianPlanResponse(plan=shared_record_view(plan) if plan is not None else None)
