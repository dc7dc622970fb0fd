"""Routes for a signed-in clinician: their own clinic's safety alerts.

The router itself depends on `require_clinician`, so a route added here later is
protected even if its author forgets to ask for the clinician. Signing in is public
(routes/public.py). An alert of another clinic answers 404, as if it did not exist.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, status

from iop_companion.clinic.audit import AuditAction, commit_failure, record_audit, staff_actor
from iop_companion.clinic.auth import CurrentClinician, require_clinician
from iop_companion.clinic.clinicians import alerts_for_clinic, clinic_alert, clinician_alert
from iop_companion.clinic.dependencies import DbSession, Now
from iop_companion.sync.protocol import ClinicianAlert, ClinicianAlertsResponse, ErrorBody

_ERRORS: dict[int | str, dict[str, Any]] = {401: {"model": ErrorBody}}

router = APIRouter(
    prefix="/clinician",
    tags=["clinician"],
    dependencies=[Depends(require_clinician)],
    responses=_ERRORS,
)


@router.get("/alerts")
def read_alerts(clinician: CurrentClinician, db: DbSession, now: Now) -> ClinicianAlertsResponse:
    alerts = alerts_for_clinic(db, clinician.clinic_id)
    # Each participant whose alerts were shown is a read of that participant's data.
    shown = dict.fromkeys(alert.participant_id for alert in alerts)
    for participant_id in shown or [None]:
        record_audit(
            db,
            at=now,
            actor=staff_actor(clinician.staff_id),
            action=AuditAction.ALERTS_READ,
            record_type="participant" if participant_id else "clinic",
            record_id=participant_id or clinician.clinic_id,
        )
    db.commit()
    return ClinicianAlertsResponse(alerts=[clinician_alert(alert) for alert in alerts])


@router.post("/alerts/{alert_id}/acknowledge", responses={404: {"model": ErrorBody}})
def acknowledge_alert(
    alert_id: uuid.UUID, clinician: CurrentClinician, db: DbSession, now: Now
) -> ClinicianAlert:
    """Mark the alert as seen to; acknowledging it again changes nothing."""
    alert = clinic_alert(db, clinician.clinic_id, alert_id)
    if alert is None:
        commit_failure(db, at=now, actor=staff_actor(clinician.staff_id),
                       action=AuditAction.ALERT_ACKNOWLEDGE, record_type="alert",
                       record_id=alert_id, reason="not_found")
        raise HTTPException(status.HTTP_404_NOT_FOUND, "There is no such alert.")
    repeated = alert.acknowledged_at is not None
    if not repeated:
        alert.acknowledged_at = now
        alert.acknowledged_by = clinician.staff_id
    record_audit(
        db,
        at=now,
        actor=staff_actor(clinician.staff_id),
        action=AuditAction.ALERT_ACKNOWLEDGE,
        record_type="alert",
        record_id=alert.id,
        reason="already_acknowledged" if repeated else None,
    )
    db.commit()
    return clinician_alert(alert)
