"""The clinician's safety alerts: those of their own clinic, most urgent first, and
acknowledging one."""

from __future__ import annotations

import uuid

from iop_companion.clinic.audit import AuditAction, record_audit, staff_actor
from iop_companion.clinic.auth import CurrentClinician
from iop_companion.clinic.clinicians import alerts_for_clinic, clinic_alert, clinician_alert
from iop_companion.clinic.dependencies import DbSession, Now
from iop_companion.clinic.routes.clinician.common import (
    NOT_FOUND_ERRORS,
    clinician_router,
    not_found,
)
from iop_companion.sync.protocol import ClinicianAlert, ClinicianAlertsResponse

NO_SUCH_ALERT = "There is no such alert."

router = clinician_router()


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


@router.post("/alerts/{alert_id}/acknowledge", responses=NOT_FOUND_ERRORS)
def acknowledge_alert(
    alert_id: uuid.UUID, clinician: CurrentClinician, db: DbSession, now: Now
) -> ClinicianAlert:
    """Mark the alert as seen to; acknowledging it again changes nothing."""
    alert = clinic_alert(db, clinician.clinic_id, alert_id)
    if alert is None:
        not_found(db, clinician, AuditAction.ALERT_ACKNOWLEDGE, "alert", alert_id,
                  NO_SUCH_ALERT, now)
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
