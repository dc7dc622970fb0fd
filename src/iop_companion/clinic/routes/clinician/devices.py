"""Disconnecting every device of a participant of the clinician's clinic (a lost phone)."""

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
from iop_companion.clinic.tokens import revoke_devices
from iop_companion.sync.protocol import DeviceRevocationResponse

router = clinician_router()


@router.post("/participants/{participant_id}/devices/revoke", responses=WRITE_ERRORS)
def revoke_participant_devices(
    participant_id: uuid.UUID, clinician: CurrentClinician, db: DbSession, now: Now
) -> DeviceRevocationResponse:
    """Disconnect every device of the participant (a lost or stolen phone): their tokens
    stop working at once, and the participant enrols again with a new code."""
    actor = staff_actor(clinician.staff_id)
    participant_or_404(db, clinician, participant_id, AuditAction.DEVICE_REVOKE, now)
    revoked = revoke_devices(db, participant_id, now)
    for device_id in revoked:
        record_audit(db, at=now, actor=actor, action=AuditAction.DEVICE_REVOKE,
                     record_type="device", record_id=device_id)
    db.commit()
    return DeviceRevocationResponse(revoked_devices=len(revoked))
