"""The clinic's own settings, sent to the apps with the clinic's profile: how often the
measures are due, and the stated response time to a request for support. Also the
thresholds of the clinic's alert rules, which stay on the server."""

from __future__ import annotations

from iop_companion.clinic.alerts import thresholds_response
from iop_companion.clinic.audit import AuditAction, record_audit, staff_actor
from iop_companion.clinic.auth import CurrentClinician
from iop_companion.clinic.changes import publish_clinic_profile
from iop_companion.clinic.dependencies import DbSession, Now
from iop_companion.clinic.models import Clinic
from iop_companion.clinic.routes.clinician.common import WRITE_ERRORS, clinician_router
from iop_companion.clinic.wire import clinic_profile
from iop_companion.sync.protocol import (
    AlertThresholdsRequest,
    AlertThresholdsResponse,
    ClinicProfile,
    MeasureScheduleRequest,
    SupportResponseRequest,
)

router = clinician_router()


@router.put("/clinic/measure-schedule", responses=WRITE_ERRORS)
def set_measure_schedule(body: MeasureScheduleRequest, clinician: CurrentClinician,
                         db: DbSession, now: Now) -> ClinicProfile:
    """Set how often this clinic's participants are asked to fill in PHQ-9, GAD-7 and the
    BAM; the apps pick it up at their next sync (published as the clinic's profile)."""
    clinic = db.get(Clinic, clinician.clinic_id)
    assert clinic is not None  # a signed-in clinician's clinic exists
    clinic.measure_interval_days = body.model_dump(exclude_none=True)
    publish_clinic_profile(db, clinic, now)
    record_audit(db, at=now, actor=staff_actor(clinician.staff_id),
                 action=AuditAction.MEASURE_SCHEDULE_CHANGE, record_type="clinic",
                 record_id=clinic.id)
    db.commit()
    return clinic_profile(clinic)


@router.put("/clinic/support-response", responses=WRITE_ERRORS)
def set_support_response(body: SupportResponseRequest, clinician: CurrentClinician,
                         db: DbSession, now: Now) -> ClinicProfile:
    """Set within how many hours the clinic answers a participant's "I need support"
    request (null: no stated time); the apps pick it up with the clinic's profile."""
    clinic = db.get(Clinic, clinician.clinic_id)
    assert clinic is not None  # a signed-in clinician's clinic exists
    clinic.support_response_hours = body.hours
    publish_clinic_profile(db, clinic, now)
    record_audit(db, at=now, actor=staff_actor(clinician.staff_id),
                 action=AuditAction.SUPPORT_RESPONSE_CHANGE, record_type="clinic",
                 record_id=clinic.id)
    db.commit()
    return clinic_profile(clinic)


@router.get("/clinic/alert-thresholds")
def read_alert_thresholds(clinician: CurrentClinician, db: DbSession) -> AlertThresholdsResponse:
    """The thresholds of the alerts the clinic raises itself (domain/alert_rules.py), the
    program's defaults, and the bounds each may be set within."""
    clinic = db.get(Clinic, clinician.clinic_id)
    assert clinic is not None  # a signed-in clinician's clinic exists
    return thresholds_response(clinic.alert_thresholds)


@router.put("/clinic/alert-thresholds", responses=WRITE_ERRORS)
def set_alert_thresholds(body: AlertThresholdsRequest, clinician: CurrentClinician,
                         db: DbSession, now: Now) -> AlertThresholdsResponse:
    """Set the thresholds (every one: a value left out or null is the default). They
    apply to data arriving from now on, and to "no check-in" at the next list read;
    alerts already raised stay as they are."""
    clinic = db.get(Clinic, clinician.clinic_id)
    assert clinic is not None  # a signed-in clinician's clinic exists
    clinic.alert_thresholds = body.model_dump(exclude_none=True)
    record_audit(db, at=now, actor=staff_actor(clinician.staff_id),
                 action=AuditAction.ALERT_THRESHOLDS_CHANGE, record_type="clinic",
                 record_id=clinic.id)
    db.commit()
    return thresholds_response(clinic.alert_thresholds)
