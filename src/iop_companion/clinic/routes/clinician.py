"""Routes for a signed-in clinician: their own clinic's safety alerts, publishing the
schedule to participants' apps, disconnecting a participant's devices, treatment goals
and the aftercare plan (written with the participant), and discharge.

The router itself depends on `require_clinician`, so a route added here later is
protected even if its author forgets to ask for the clinician. Signing in is public
(routes/public.py). An alert, session or participant of another clinic answers 404, as if it did not exist.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, NoReturn

from fastapi import APIRouter, Depends, HTTPException, status
from fastapi.responses import JSONResponse

from iop_companion.clinic.assignments import (
    UnknownModule,
    add_homework,
    assign_module,
    assignments_with_answers,
    change_homework,
    participant_homework,
    participant_module_assignment,
    withdraw_homework,
    withdraw_module,
)
from iop_companion.clinic.audit import AuditAction, commit_failure, record_audit, staff_actor
from iop_companion.clinic.auth import CurrentClinician, require_clinician
from iop_companion.clinic.changes import (
    consent_as_published,
    publish_clinic_profile,
    publish_consent,
)
from iop_companion.clinic.clinicians import alerts_for_clinic, clinic_alert, clinician_alert
from iop_companion.clinic.dependencies import DbSession, Now
from iop_companion.clinic.models import (
    Clinic,
    Consent,
    HomeworkRecord,
    Participant,
    ScheduledSessionRecord,
)
from iop_companion.clinic.records import latest_version
from iop_companion.clinic.schedule import (
    add_session,
    cancel_session,
    change_session,
    clinic_session,
)
from iop_companion.clinic.shared_records import (
    InvalidContent,
    StaleVersion,
    discharge,
    goal_ratings,
    latest_versions,
    write_clinic_version,
)
from iop_companion.clinic.tokens import revoke_devices
from iop_companion.clinic.wire import (
    clinic_profile,
    homework_assignment,
    module_assignment,
    program_details,
    scheduled_session,
    shared_record_view,
)
from iop_companion.sync.protocol import (
    AftercarePlanWrite,
    ClinicianAlert,
    ClinicianAlertsResponse,
    ClinicianGoalsResponse,
    ClinicianHomeworkResponse,
    ClinicProfile,
    ConsentNotice,
    DeviceRevocationResponse,
    DischargeRequest,
    ErrorBody,
    GoalRatingView,
    HomeworkAssignment,
    HomeworkWrite,
    MeasureScheduleRequest,
    ModuleAssignment,
    ModuleAssignmentWrite,
    ProgramDetails,
    RecordConflictBody,
    RecordKind,
    ScheduledSession,
    SessionCancelRequest,
    SessionCreateRequest,
    SessionDetails,
    SessionStatus,
    SharedRecordView,
    SupportResponseRequest,
    TreatmentGoalWrite,
    aftercare_plan_id,
)

_ERRORS: dict[int | str, dict[str, Any]] = {401: {"model": ErrorBody}}
_WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody} for code in (404, 413, 422)
}
NO_SUCH_SESSION = "There is no such session."
NO_SUCH_ALERT = "There is no such alert."
NO_SUCH_PARTICIPANT = "There is no such participant."

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
        _not_found(db, clinician, AuditAction.ALERT_ACKNOWLEDGE, "alert", alert_id,
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


def _clinic_participant(
    db: DbSession, clinician: CurrentClinician, participant_id: uuid.UUID
) -> Participant | None:
    participant = db.get(Participant, participant_id)
    return participant if participant and participant.clinic_id == clinician.clinic_id else None


def _not_found(db: DbSession, clinician: CurrentClinician, action: AuditAction,
               record_type: str, record_id: uuid.UUID, message: str, now: datetime) -> NoReturn:
    """Audit the attempt and answer 404, as if the thing did not exist (it may be another
    clinic's)."""
    commit_failure(db, at=now, actor=staff_actor(clinician.staff_id), action=action,
                   record_type=record_type, record_id=record_id, reason="not_found")
    raise HTTPException(status.HTTP_404_NOT_FOUND, message)


def _participant_or_404(db: DbSession, clinician: CurrentClinician, participant_id: uuid.UUID,
                        action: AuditAction, now: datetime) -> Participant:
    """The participant if they belong to the clinician's clinic; otherwise the attempt is
    audited and the answer is 404, as if they did not exist."""
    participant = _clinic_participant(db, clinician, participant_id)
    if participant is None:
        _not_found(db, clinician, action, "participant",
                   participant_id, NO_SUCH_PARTICIPANT, now)
    return participant


def _clinic_session_or_404(db: DbSession, clinician: CurrentClinician, session_id: uuid.UUID,
                           action: AuditAction, now: datetime) -> ScheduledSessionRecord:
    """The session if it belongs to the clinician's clinic; otherwise the attempt is
    audited and the answer is 404, as if it did not exist."""
    record = clinic_session(db, clinician.clinic_id, session_id)
    if record is None:
        _not_found(db, clinician, action, "scheduled_session", session_id, NO_SUCH_SESSION, now)
    return record


@router.post("/schedule", status_code=status.HTTP_201_CREATED, responses=_WRITE_ERRORS)
def create_session(
    body: SessionCreateRequest, clinician: CurrentClinician, db: DbSession, now: Now
) -> ScheduledSession:
    """Add a session for one participant, or for the whole program (no participant_id)."""
    actor = staff_actor(clinician.staff_id)
    if body.participant_id is not None and _clinic_participant(
            db, clinician, body.participant_id) is None:
        _not_found(db, clinician, AuditAction.SESSION_CREATE, "participant",
                   body.participant_id, NO_SUCH_PARTICIPANT, now)
    details = SessionDetails.model_validate(body.model_dump(exclude={"participant_id"}))
    record = add_session(db, clinic_id=clinician.clinic_id, participant_id=body.participant_id,
                         details=details, now=now)
    record_audit(db, at=now, actor=actor, action=AuditAction.SESSION_CREATE,
                 record_type="scheduled_session", record_id=record.id)
    db.commit()
    return scheduled_session(record)


@router.put("/schedule/{session_id}", responses=_WRITE_ERRORS)
def update_session(
    session_id: uuid.UUID,
    body: SessionDetails,
    clinician: CurrentClinician,
    db: DbSession,
    now: Now,
) -> ScheduledSession:
    """Replace a session's details (time, place, who leads it...); apps get the new version."""
    actor = staff_actor(clinician.staff_id)
    record = _clinic_session_or_404(db, clinician, session_id, AuditAction.SESSION_CHANGE, now)
    change_session(db, record, body, now)
    record_audit(db, at=now, actor=actor, action=AuditAction.SESSION_CHANGE,
                 record_type="scheduled_session", record_id=record.id)
    db.commit()
    return scheduled_session(record)


@router.post("/schedule/{session_id}/cancel", responses=_WRITE_ERRORS)
def cancel_scheduled_session(
    session_id: uuid.UUID,
    clinician: CurrentClinician,
    db: DbSession,
    now: Now,
    body: SessionCancelRequest | None = None,
) -> ScheduledSession:
    """Cancel a session (it stays on the schedule, marked cancelled); cancelling again
    changes nothing."""
    actor = staff_actor(clinician.staff_id)
    record = _clinic_session_or_404(db, clinician, session_id, AuditAction.SESSION_CANCEL, now)
    repeated = record.status is SessionStatus.CANCELLED
    if not repeated:
        cancel_session(db, record, body.note if body else None, now)
    record_audit(db, at=now, actor=actor, action=AuditAction.SESSION_CANCEL,
                 record_type="scheduled_session", record_id=record.id,
                 reason="already_cancelled" if repeated else None)
    db.commit()
    return scheduled_session(record)


@router.post("/participants/{participant_id}/devices/revoke", responses=_WRITE_ERRORS)
def revoke_participant_devices(
    participant_id: uuid.UUID, clinician: CurrentClinician, db: DbSession, now: Now
) -> DeviceRevocationResponse:
    """Disconnect every device of the participant (a lost or stolen phone): their tokens
    stop working at once, and the participant enrols again with a new code."""
    actor = staff_actor(clinician.staff_id)
    _participant_or_404(db, clinician, participant_id, AuditAction.DEVICE_REVOKE, now)
    revoked = revoke_devices(db, participant_id, now)
    for device_id in revoked:
        record_audit(db, at=now, actor=actor, action=AuditAction.DEVICE_REVOKE,
                     record_type="device", record_id=device_id)
    db.commit()
    return DeviceRevocationResponse(revoked_devices=len(revoked))


@router.put("/clinic/measure-schedule", responses=_WRITE_ERRORS)
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


@router.put("/clinic/support-response", responses=_WRITE_ERRORS)
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


# --- Treatment goals, the aftercare plan, discharge --------------------------------------

NO_SUCH_GOAL = "There is no such goal."
NO_AFTERCARE_PLAN = "There is no aftercare plan yet."
CHANGED_SINCE = ("The participant changed this since the version you edited. Review their "
                 "newest version (included here) and make your change on that.")
_SHARED_WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    **_WRITE_ERRORS, 409: {"model": RecordConflictBody}}


def _write_shared(db: DbSession, clinician: CurrentClinician, participant: Participant, *,
                  kind: RecordKind, record_id: uuid.UUID, replaces_version: int | None,
                  content: dict[str, Any], action: AuditAction, missing: str,
                  now: datetime) -> SharedRecordView | JSONResponse:
    """Store the clinician's version; 409 with the newest one if it changed meanwhile,
    404 (`missing`) if the version named belongs to no record."""
    actor = staff_actor(clinician.staff_id)
    try:
        record = write_clinic_version(db, participant=participant, kind=kind,
                                      record_id=record_id, replaces_version=replaces_version,
                                      content=content, staff_id=clinician.staff_id, now=now)
    except StaleVersion as stale:
        db.rollback()
        commit_failure(db, at=now, actor=actor, action=action, record_type=kind.value,
                       record_id=record_id, reason="stale_version")
        if stale.latest is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, missing) from None
        latest = shared_record_view(stale.latest)  # reloaded after the rollback
        return JSONResponse(status_code=status.HTTP_409_CONFLICT, content=RecordConflictBody(
            detail=CHANGED_SINCE, latest=latest).model_dump(mode="json"))
    except InvalidContent as invalid:
        db.rollback()
        commit_failure(db, at=now, actor=actor, action=action, record_type=kind.value,
                       record_id=record_id, reason="invalid")
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(invalid)) from None
    record_audit(db, at=now, actor=actor, action=action, record_type=kind.value,
                 record_id=record_id)
    db.commit()
    return shared_record_view(record)


@router.get("/participants/{participant_id}/goals", responses={404: {"model": ErrorBody}})
def read_goals(participant_id: uuid.UUID, clinician: CurrentClinician, db: DbSession,
               now: Now) -> ClinicianGoalsResponse:
    """The participant's treatment goals (newest version of each, whoever wrote it) and
    their weekly self-ratings, newest week first."""
    _participant_or_404(db, clinician, participant_id, AuditAction.GOALS_READ, now)
    goals = latest_versions(db, participant_id, RecordKind.TREATMENT_GOAL)
    ratings = goal_ratings(db, participant_id)
    record_audit(db, at=now, actor=staff_actor(clinician.staff_id),
                 action=AuditAction.GOALS_READ, record_type="participant",
                 record_id=participant_id)
    db.commit()
    return ClinicianGoalsResponse(
        goals=[shared_record_view(goal) for goal in goals],
        ratings=[GoalRatingView(goal_id=r.payload["goal_id"], week_of=r.payload["week_of"],
                                rating=r.payload["rating"], note=r.payload.get("note", ""))
                 for r in ratings],
    )


@router.post("/participants/{participant_id}/goals", status_code=status.HTTP_201_CREATED,
             responses=_SHARED_WRITE_ERRORS, response_model=SharedRecordView)
def create_goal(participant_id: uuid.UUID, body: TreatmentGoalWrite,
                clinician: CurrentClinician, db: DbSession,
                now: Now) -> SharedRecordView | JSONResponse:
    """Add a goal agreed with the participant; their app gets it at its next sync."""
    participant = _participant_or_404(db, clinician, participant_id, AuditAction.GOAL_WRITE,
                                      now)
    if body.replaces_version is not None:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            "A new goal does not replace a version; leave out "
                            "'replaces_version', or change the goal with PUT.")
    return _write_shared(db, clinician, participant, kind=RecordKind.TREATMENT_GOAL,
                         record_id=uuid.uuid4(), replaces_version=None,
                         content=body.model_dump(exclude={"replaces_version"}),
                         action=AuditAction.GOAL_WRITE, missing=NO_SUCH_GOAL, now=now)


@router.put("/participants/{participant_id}/goals/{goal_id}", responses=_SHARED_WRITE_ERRORS,
            response_model=SharedRecordView)
def change_goal(participant_id: uuid.UUID, goal_id: uuid.UUID, body: TreatmentGoalWrite,
                clinician: CurrentClinician, db: DbSession,
                now: Now) -> SharedRecordView | JSONResponse:
    """Change a goal (its steps, its status...). Name the version you edited in
    'replaces_version': if the participant changed it since, the answer is 409 with
    their newest version, and nothing is overwritten."""
    participant = _participant_or_404(db, clinician, participant_id, AuditAction.GOAL_WRITE,
                                      now)
    latest = latest_version(db, participant_id, goal_id)
    if latest is None or latest.kind is not RecordKind.TREATMENT_GOAL:
        _not_found(db, clinician, AuditAction.GOAL_WRITE, "treatment_goal", goal_id,
                   NO_SUCH_GOAL, now)
    if body.replaces_version is None:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            "'replaces_version' is required: name the version you changed.")
    return _write_shared(db, clinician, participant, kind=RecordKind.TREATMENT_GOAL,
                         record_id=goal_id, replaces_version=body.replaces_version,
                         content=body.model_dump(exclude={"replaces_version"}),
                         action=AuditAction.GOAL_WRITE, missing=NO_SUCH_GOAL, now=now)


@router.get("/participants/{participant_id}/aftercare-plan",
            responses={404: {"model": ErrorBody}})
def read_aftercare_plan(participant_id: uuid.UUID, clinician: CurrentClinician,
                        db: DbSession, now: Now) -> SharedRecordView:
    _participant_or_404(db, clinician, participant_id, AuditAction.AFTERCARE_READ, now)
    plan = latest_version(db, participant_id, aftercare_plan_id(participant_id))
    actor = staff_actor(clinician.staff_id)
    if plan is None:
        _not_found(db, clinician, AuditAction.AFTERCARE_READ, "participant",
                   participant_id, NO_AFTERCARE_PLAN, now)
    record_audit(db, at=now, actor=actor, action=AuditAction.AFTERCARE_READ,
                 record_type="participant", record_id=participant_id)
    db.commit()
    return shared_record_view(plan)


@router.put("/participants/{participant_id}/aftercare-plan", responses=_SHARED_WRITE_ERRORS,
            response_model=SharedRecordView)
def write_aftercare_plan(participant_id: uuid.UUID, body: AftercarePlanWrite,
                         clinician: CurrentClinician, db: DbSession,
                         now: Now) -> SharedRecordView | JSONResponse:
    """Write the aftercare plan with the participant (every section is replaced). Leave
    out 'replaces_version' to start it; name it to change it. If the participant
    changed the plan since, the answer is 409 with their newest version."""
    participant = _participant_or_404(db, clinician, participant_id,
                                      AuditAction.AFTERCARE_WRITE, now)
    return _write_shared(db, clinician, participant, kind=RecordKind.AFTERCARE_PLAN,
                         record_id=aftercare_plan_id(participant_id),
                         replaces_version=body.replaces_version,
                         content=body.model_dump(exclude={"replaces_version"}),
                         action=AuditAction.AFTERCARE_WRITE, missing=NO_AFTERCARE_PLAN, now=now)


@router.post("/participants/{participant_id}/discharge", responses=_WRITE_ERRORS)
def discharge_participant(participant_id: uuid.UUID, body: DischargeRequest,
                          clinician: CurrentClinician, db: DbSession,
                          now: Now) -> ProgramDetails:
    """Discharge the participant: their app keeps working for them, stops sending the
    clinic anything new, and says so. Sending it again changes the date."""
    participant = _participant_or_404(db, clinician, participant_id, AuditAction.DISCHARGE,
                                      now)
    discharge(db, participant, body.discharged_on, now)
    record_audit(db, at=now, actor=staff_actor(clinician.staff_id),
                 action=AuditAction.DISCHARGE, record_type="participant",
                 record_id=participant_id)
    db.commit()
    return program_details(participant)


# --- Homework, module assignments, consents ------------------------------------------------

NO_SUCH_HOMEWORK = "There is no such homework."
NO_SUCH_ASSIGNMENT = "There is no such module assignment."
NO_SUCH_CONSENT = "There is no such consent."


@router.get("/participants/{participant_id}/homework", responses={404: {"model": ErrorBody}})
def read_homework(participant_id: uuid.UUID, clinician: CurrentClinician, db: DbSession,
                  now: Now) -> ClinicianHomeworkResponse:
    """The participant's homework and module assignments, newest first, with what they
    marked done or read in their app."""
    _participant_or_404(db, clinician, participant_id, AuditAction.HOMEWORK_READ, now)
    homework, modules = assignments_with_answers(db, participant_id)
    record_audit(db, at=now, actor=staff_actor(clinician.staff_id),
                 action=AuditAction.HOMEWORK_READ, record_type="participant",
                 record_id=participant_id)
    db.commit()
    return ClinicianHomeworkResponse(homework=homework, modules=modules)


def _unknown_module(db: DbSession, clinician: CurrentClinician, action: AuditAction,
                    participant_id: uuid.UUID, error: UnknownModule, now: datetime) -> None:
    db.rollback()
    commit_failure(db, at=now, actor=staff_actor(clinician.staff_id), action=action,
                   record_type="participant", record_id=participant_id,
                   reason="unknown_module")
    raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(error)) from None


@router.post("/participants/{participant_id}/homework", status_code=status.HTTP_201_CREATED,
             responses=_WRITE_ERRORS)
def set_homework(participant_id: uuid.UUID, body: HomeworkWrite, clinician: CurrentClinician,
                 db: DbSession, now: Now) -> HomeworkAssignment:
    """Set homework; the participant's app gets it at its next sync."""
    participant = _participant_or_404(db, clinician, participant_id,
                                      AuditAction.HOMEWORK_WRITE, now)
    try:
        record = add_homework(db, participant, body, clinician.staff_id, now)
    except UnknownModule as error:
        _unknown_module(db, clinician, AuditAction.HOMEWORK_WRITE, participant_id, error, now)
    record_audit(db, at=now, actor=staff_actor(clinician.staff_id),
                 action=AuditAction.HOMEWORK_WRITE, record_type="homework", record_id=record.id)
    db.commit()
    return homework_assignment(record)


def _homework_or_404(db: DbSession, clinician: CurrentClinician, participant_id: uuid.UUID,
                     homework_id: uuid.UUID, now: datetime) -> HomeworkRecord:
    _participant_or_404(db, clinician, participant_id, AuditAction.HOMEWORK_WRITE, now)
    record = participant_homework(db, participant_id, homework_id)
    if record is None:
        _not_found(db, clinician, AuditAction.HOMEWORK_WRITE, "homework", homework_id,
                   NO_SUCH_HOMEWORK, now)
    return record


@router.put("/participants/{participant_id}/homework/{homework_id}", responses=_WRITE_ERRORS)
def update_homework(participant_id: uuid.UUID, homework_id: uuid.UUID, body: HomeworkWrite,
                    clinician: CurrentClinician, db: DbSession,
                    now: Now) -> HomeworkAssignment:
    """Change homework's title, instructions, due date or module."""
    record = _homework_or_404(db, clinician, participant_id, homework_id, now)
    try:
        change_homework(db, record, body, now)
    except UnknownModule as error:
        _unknown_module(db, clinician, AuditAction.HOMEWORK_WRITE, participant_id, error, now)
    record_audit(db, at=now, actor=staff_actor(clinician.staff_id),
                 action=AuditAction.HOMEWORK_WRITE, record_type="homework", record_id=record.id)
    db.commit()
    return homework_assignment(record)


@router.post("/participants/{participant_id}/homework/{homework_id}/withdraw",
             responses=_WRITE_ERRORS)
def withdraw_participant_homework(participant_id: uuid.UUID, homework_id: uuid.UUID,
                                  clinician: CurrentClinician, db: DbSession,
                                  now: Now) -> HomeworkAssignment:
    """Take homework back (it leaves the participant's to-do list); again changes nothing."""
    record = _homework_or_404(db, clinician, participant_id, homework_id, now)
    changed = withdraw_homework(db, record, now)
    record_audit(db, at=now, actor=staff_actor(clinician.staff_id),
                 action=AuditAction.HOMEWORK_WRITE, record_type="homework", record_id=record.id,
                 reason=None if changed else "already_withdrawn")
    db.commit()
    return homework_assignment(record)


@router.post("/participants/{participant_id}/modules", status_code=status.HTTP_201_CREATED,
             responses=_WRITE_ERRORS)
def assign_participant_module(participant_id: uuid.UUID, body: ModuleAssignmentWrite,
                              clinician: CurrentClinician, db: DbSession,
                              now: Now) -> ModuleAssignment:
    """Ask the participant to read a module from the app's library."""
    participant = _participant_or_404(db, clinician, participant_id,
                                      AuditAction.MODULE_ASSIGN, now)
    try:
        record = assign_module(db, participant, body, clinician.staff_id, now)
    except UnknownModule as error:
        _unknown_module(db, clinician, AuditAction.MODULE_ASSIGN, participant_id, error, now)
    record_audit(db, at=now, actor=staff_actor(clinician.staff_id),
                 action=AuditAction.MODULE_ASSIGN, record_type="module_assignment",
                 record_id=record.id)
    db.commit()
    return module_assignment(record)


@router.post("/participants/{participant_id}/modules/{assignment_id}/withdraw",
             responses=_WRITE_ERRORS)
def withdraw_participant_module(participant_id: uuid.UUID, assignment_id: uuid.UUID,
                                clinician: CurrentClinician, db: DbSession,
                                now: Now) -> ModuleAssignment:
    _participant_or_404(db, clinician, participant_id, AuditAction.MODULE_ASSIGN, now)
    record = participant_module_assignment(db, participant_id, assignment_id)
    actor = staff_actor(clinician.staff_id)
    if record is None:
        _not_found(db, clinician, AuditAction.MODULE_ASSIGN, "module_assignment",
                   assignment_id, NO_SUCH_ASSIGNMENT, now)
    changed = withdraw_module(db, record, now)
    record_audit(db, at=now, actor=actor, action=AuditAction.MODULE_ASSIGN,
                 record_type="module_assignment", record_id=record.id,
                 reason=None if changed else "already_withdrawn")
    db.commit()
    return module_assignment(record)


@router.post("/participants/{participant_id}/consents/{consent_id}/revoke",
             responses=_WRITE_ERRORS)
def revoke_participant_consent(participant_id: uuid.UUID, consent_id: uuid.UUID,
                               clinician: CurrentClinician, db: DbSession,
                               now: Now) -> ConsentNotice:
    """Record that the participant withdrew a consent (they may at any time, 42 CFR 2.31):
    the family member's access ends at their next request, and the participant's app
    shows the change. Revoking again changes nothing."""
    _participant_or_404(db, clinician, participant_id, AuditAction.CONSENT_REVOKE, now)
    consent = db.get(Consent, consent_id)
    actor = staff_actor(clinician.staff_id)
    if consent is None or consent.participant_id != participant_id:
        _not_found(db, clinician, AuditAction.CONSENT_REVOKE, "consent",
                   consent_id, NO_SUCH_CONSENT, now)
    repeated = consent.revoked_at is not None
    if not repeated:
        consent.revoked_at = now
        publish_consent(db, consent, now)
    record_audit(db, at=now, actor=actor, action=AuditAction.CONSENT_REVOKE,
                 record_type="consent", record_id=consent.id,
                 reason="already_revoked" if repeated else None)
    db.commit()
    return consent_as_published(db, consent)
