"""The clinic's own settings, sent to the apps with the clinic's profile: its name,
address, phone and crisis numbers and time zone (administrators only), how often the
measures are due, the stated response time to a request for support, and the emotions
its diary card asks about. Also the thresholds of the clinic's alert rules, which stay
on the server, and reading it all."""

from __future__ import annotations

from iop_companion.clinic.alerts import thresholds_response
from iop_companion.clinic.audit import AuditAction, record_audit, staff_actor
from iop_companion.clinic.auth import (
    CurrentAdministrator,
    CurrentClinician,
    require_administrator,
)
from iop_companion.clinic.changes import publish_clinic_profile
from iop_companion.clinic.dependencies import DbSession, Now
from iop_companion.clinic.models import Clinic
from iop_companion.clinic.routes.clinician.administration import FORBIDDEN
from iop_companion.clinic.routes.clinician.common import WRITE_ERRORS, clinician_router
from iop_companion.clinic.wire import clinic_profile
from iop_companion.sync.protocol import (
    AlertThresholdsRequest,
    AlertThresholdsResponse,
    AlertThresholdValues,
    ClinicProfile,
    ClinicProfileWrite,
    ClinicSettingsView,
    DiaryEmotionsRequest,
    MeasureScheduleRequest,
    SupportResponseRequest,
)

router = clinician_router()


def clinic_settings_view(clinic: Clinic) -> ClinicSettingsView:
    return ClinicSettingsView(
        **clinic_profile(clinic).model_dump(),
        alert_thresholds=AlertThresholdValues(
            **thresholds_response(clinic.alert_thresholds).thresholds.model_dump()))


@router.get("/clinic")
def read_clinic(clinician: CurrentClinician, db: DbSession) -> ClinicSettingsView:
    """The clinic's profile as the apps get it (name, address, phone, crisis line, time
    zone, measure schedule, support response time, diary card emotions) and its alert
    thresholds now."""
    clinic = db.get(Clinic, clinician.clinic_id)
    assert clinic is not None  # a signed-in clinician's clinic exists
    return clinic_settings_view(clinic)


@router.put("/clinic/profile", responses={**WRITE_ERRORS, **FORBIDDEN})
def set_clinic_profile(body: ClinicProfileWrite, administrator: CurrentAdministrator,
                       db: DbSession, now: Now) -> ClinicSettingsView:
    """Replace the clinic's name, address, phone, crisis line and time zone
    (administrators only: a clinician gets 403). Every participant's app gets them at its
    next sync; the crisis line is the number its crisis screen offers beside 988. The
    time zone is the clinic's calendar from now on (alert days, default session zone);
    sessions already scheduled keep their times."""
    # Checked here too, not only by the dependency: the staff portal calls this function
    # directly, and must get the same 403 (audited) for a clinician.
    require_administrator(administrator, db, now)
    clinic = db.get(Clinic, administrator.clinic_id)
    assert clinic is not None  # a signed-in administrator's clinic exists
    for name, value in body.model_dump().items():
        setattr(clinic, name, value)
    publish_clinic_profile(db, clinic, now)
    record_audit(db, at=now, actor=staff_actor(administrator.staff_id),
                 action=AuditAction.CLINIC_PROFILE_CHANGE, record_type="clinic",
                 record_id=clinic.id)
    db.commit()
    return clinic_settings_view(clinic)


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


@router.put("/clinic/diary-card", responses=WRITE_ERRORS)
def set_diary_card(body: DiaryEmotionsRequest, clinician: CurrentClinician, db: DbSession,
                   now: Now) -> ClinicProfile:
    """Choose the emotions the clinic's diary card asks about, in the order the app shows
    them (1 to 12 of the app's catalogue; null: the app's default set); the apps pick
    them up with the clinic's profile. Cards already saved keep their ratings."""
    clinic = db.get(Clinic, clinician.clinic_id)
    assert clinic is not None  # a signed-in clinician's clinic exists
    clinic.diary_emotions = list(body.emotions) if body.emotions is not None else None
    publish_clinic_profile(db, clinic, now)
    record_audit(db, at=now, actor=staff_actor(clinician.staff_id),
                 action=AuditAction.DIARY_EMOTIONS_CHANGE, record_type="clinic",
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
