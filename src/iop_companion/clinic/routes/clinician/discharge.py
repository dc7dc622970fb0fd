"""Discharging a participant: the date is published with the program; the app then keeps
everything working for the person and sends the clinic nothing new."""

from __future__ import annotations

import uuid

from iop_companion.clinic.audit import AuditAction, record_audit, staff_actor
from iop_companion.clinic.auth import CurrentClinician
from iop_companion.clinic.dependencies import DbSession, Now
from iop_companion.clinic.routes.clinician.common import (
    WRITE_ERRORS,
    clinician_router,
    participant_or_404,
)
from iop_companion.clinic.shared_records import discharge
from iop_companion.clinic.wire import program_details
from iop_companion.sync.protocol import DischargeRequest, ProgramDetails

router = clinician_router()


@router.post("/participants/{participant_id}/discharge", responses=WRITE_ERRORS)
def discharge_participant(participant_id: uuid.UUID, body: DischargeRequest,
                          clinician: CurrentClinician, db: DbSession,
                          now: Now) -> ProgramDetails:
    """Discharge the participant: their app keeps working for them, stops sending the
    clinic anything new, and says so. Sending it again changes the date."""
    participant = participant_or_404(db, clinician, participant_id, AuditAction.DISCHARGE,
                                     now)
    discharge(db, participant, body.discharged_on, now)
    record_audit(db, at=now, actor=staff_actor(clinician.staff_id),
                 action=AuditAction.DISCHARGE, record_type="participant",
                 record_id=participant_id)
    db.commit()
    return program_details(participant)
