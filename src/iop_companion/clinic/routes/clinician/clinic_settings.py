"""The clinic's own settings, sent to the apps with the clinic's profile: how often the
measures are due, and the stated response time to a request for support."""

from __future__ import annotations

from iop_companion.clinic.audit import AuditAction, record_audit, staff_actor
from iop_companion.clinic.auth import CurrentClinician
from iop_companion.clinic.changes import publish_clinic_profile
from iop_companion.clinic.dependencies import DbSession, Now
from iop_companion.clinic.models import Clinic
from iop_companion.clinic.routes.clinician.common import WRITE_ERRORS, clinician_router
from iop_companion.clinic.wire import clinic_profile
from iop_companion.sync.protocol import (
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
