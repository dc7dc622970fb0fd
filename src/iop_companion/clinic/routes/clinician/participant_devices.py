"""The participant's enrolled phones: when each enrolled, when it was last seen, and
whether it was disconnected (POST .../devices/revoke disconnects them, devices.py)."""

from __future__ import annotations

import uuid

from iop_companion.clinic.audit import AuditAction, record_audit, staff_actor
from iop_companion.clinic.auth import CurrentClinician
from iop_companion.clinic.dependencies import DbSession, Now
from iop_companion.clinic.participant_status import device_last_seen
from iop_companion.clinic.participant_view import participant_devices
from iop_companion.clinic.routes.clinician.common import (
    NOT_FOUND_ERRORS,
    clinician_router,
    participant_or_404,
)
from iop_companion.sync.protocol import DevicesResponse, DeviceView

router = clinician_router()


@router.get("/participants/{participant_id}/devices", responses=NOT_FOUND_ERRORS)
def read_devices(participant_id: uuid.UUID, clinician: CurrentClinician, db: DbSession,
                 now: Now) -> DevicesResponse:
    """Every phone the participant enrolled, newest first: its label, when it enrolled,
    when it last talked to the clinic, and when it was disconnected (null: active)."""
    participant_or_404(db, clinician, participant_id, AuditAction.DEVICES_READ, now)
    devices = participant_devices(db, participant_id)
    seen = device_last_seen(db, (device.id for device in devices))
    record_audit(db, at=now, actor=staff_actor(clinician.staff_id),
                 action=AuditAction.DEVICES_READ, record_type="participant",
                 record_id=participant_id)
    db.commit()
    return DevicesResponse(devices=[
        DeviceView(id=device.id, label=device.label, enrolled_at=device.created_at,
                   last_seen_at=seen.get(device.id), revoked_at=device.revoked_at)
        for device in devices])
