"""The participants pages: the list with status at a glance, adding a participant,
enrolling a device (the code shown once, with its link and QR code), one participant's
whole picture (its homework and module forms are in assignments.py; its groups and
coming sessions link to groups.py and schedule.py), their diary-card targets (up to 8
short lines), disconnecting their devices and discharging them (each with a confirm
step). Every read and write is the API's own route function, so the portal follows the
same rules (another clinic's participant is 404) and writes the same audit rows."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request, status
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy import func, select

from iop_companion.clinic.audit import AuditAction, record_audit, staff_actor
from iop_companion.clinic.dependencies import DbSession, Now
from iop_companion.clinic.models import GroupMember, Participant, ParticipantGroup
from iop_companion.clinic.participant_status import clinic_today
from iop_companion.clinic.portal import charts, wording
from iop_companion.clinic.portal.web import (
    CSRF_FIELD,
    PORTAL,
    CurrentPortalUser,
    PortalUser,
    check_csrf,
    form_date,
    refusal_from,
    render,
    see_other,
)
from iop_companion.clinic.records import latest_version
from iop_companion.clinic.routes.clinician.check_ins import read_check_ins
from iop_companion.clinic.routes.clinician.common import participant_or_404
from iop_companion.clinic.routes.clinician.coping_logs import (
    read_diary_cards,
    read_thought_records,
    read_urge_logs,
)
from iop_companion.clinic.routes.clinician.devices import revoke_participant_devices
from iop_companion.clinic.routes.clinician.diary_targets import (
    read_diary_targets,
    set_diary_targets,
)
from iop_companion.clinic.routes.clinician.discharge import discharge_participant
from iop_companion.clinic.routes.clinician.enrolment_codes import issue_code
from iop_companion.clinic.routes.clinician.goals import read_goals
from iop_companion.clinic.routes.clinician.homework import read_homework
from iop_companion.clinic.routes.clinician.lapse_reviews import read_lapse_reviews
from iop_companion.clinic.routes.clinician.measures import read_measure_results
from iop_companion.clinic.routes.clinician.participant_devices import read_devices
from iop_companion.clinic.routes.clinician.participants import (
    create_participant,
    read_participant,
    read_participants,
)
from iop_companion.clinic.routes.clinician.plans import read_relapse_plan, read_safety_plan
from iop_companion.clinic.routes.clinician.practice import read_practice_sessions
from iop_companion.clinic.schedule import session_views, sessions_for_participant
from iop_companion.clinic.wire import shared_record_view
from iop_companion.sync.protocol import (
    DIARY_TARGET_LABEL_MAX,
    MAX_DIARY_TARGETS,
    CheckInView,
    DiaryTargetsWrite,
    DiaryTargetWrite,
    DischargeRequest,
    ParticipantCreateRequest,
    aftercare_plan_id,
    describe_validation_errors,
    fold_label,
)

router = APIRouter(prefix=PORTAL, include_in_schema=False)

PARTICIPANTS_PER_PAGE = 50
MEASURES_SHOWN = 30
UPCOMING_SESSION_DAYS = 14
SLEEP_CHART_TOP = 12.0
SCALE_TOP = 10.0
# Shown in the homework and modules section (the page opens there after these).
ASSIGNMENT_NOTICES = {
    "homework_set": "Homework set. It reaches the participant's app at its next sync.",
    "homework_withdrawn": ("Homework withdrawn. It leaves the participant's to-do list at "
                           "their app's next sync."),
    "module_assigned": "Module assigned. It reaches the participant's app at its next sync.",
    "module_withdrawn": ("Module withdrawn. It leaves the participant's to-do list at their "
                         "app's next sync."),
}
TARGETS_NOTICES = {"targets_saved": ("Diary card targets saved. They reach the "
                                     "participant's app at its next sync.")}
TARGET_PROBLEM = (f"Type 1 to {DIARY_TARGET_LABEL_MAX} characters on one line, or leave it "
                  "empty.")
TARGET_REPEATED = "This target is already on an earlier line."
_NOTICES = {"added": "Participant added. Use \u201cEnrol a device\u201d to give them a code.",
            "revoked": "Every device of this participant is disconnected.",
            "discharged": "Discharge saved. Their app will show it at its next sync."}


# The practice sessions listed on the page, latest first (the minutes of the last 7 days
# count them all).
PRACTICE_SHOWN = 20
# The latest of each coping log (diary card, urge log, thought record) on the page.
LOGS_SHOWN = 10


def _refused(error: HTTPException) -> Exception:
    return refusal_from(error)


# --- The list and adding -----------------------------------------------------------------

@router.get("/participants")
def participants_page(request: Request, user: CurrentPortalUser, db: DbSession, now: Now,
                      cursor: str | None = None) -> Response:
    try:
        page = read_participants(user.clinician, db, now, cursor=cursor,
                                 limit=PARTICIPANTS_PER_PAGE)
    except HTTPException as refused:
        raise _refused(refused) from None
    return render(request, "participants.html", user=user, participants=page.participants,
                  next_cursor=page.next, first_page=cursor is None)


@router.get("/participants/new")
def new_participant_page(request: Request, user: CurrentPortalUser) -> Response:
    return render(request, "participant_new.html", user=user, values={}, error=None)


@router.post("/participants/new")
def new_participant_submit(request: Request, user: CurrentPortalUser, db: DbSession, now: Now,
                           display_name: Annotated[str, Form()] = "",
                           program_start: Annotated[str, Form()] = "",
                           program_end: Annotated[str, Form()] = "",
                           csrf_token: Annotated[str, Form(alias=CSRF_FIELD)] = "") -> Response:
    check_csrf(user, csrf_token, db, now)
    values = {"display_name": display_name, "program_start": program_start,
              "program_end": program_end}
    try:
        body = ParticipantCreateRequest(display_name=display_name,
                                        program_start=form_date(program_start),
                                        program_end=form_date(program_end))
    except ValidationError as invalid:
        return render(request, "participant_new.html", user=user, values=values,
                      error=_form_problem(invalid),
                      status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
    created = create_participant(body, user.clinician, db, now)
    return see_other(f"{PORTAL}/participants/{created.id}?done=added")


def _form_problem(invalid: ValidationError) -> str:
    # The API's sentence, with the form's labels for its field names.
    sentence = describe_validation_errors(invalid.errors())
    for field, label in (("display_name", "Name"), ("program_start", "Program start"),
                         ("program_end", "Program end"), ("discharged_on", "Discharge date")):
        sentence = sentence.replace(f"'{field}'", f"\u201c{label}\u201d").replace(
            field, f"\u201c{label}\u201d")
    return sentence


# --- Enrolling a device ------------------------------------------------------------------

@router.post("/participants/{participant_id}/enrolment-code")
def enrolment_code_submit(participant_id: uuid.UUID, request: Request, user: CurrentPortalUser,
                          db: DbSession, now: Now,
                          csrf_token: Annotated[str, Form(alias=CSRF_FIELD)] = "") -> Response:
    check_csrf(user, csrf_token, db, now)
    try:
        issued = issue_code(participant_id, request, user.clinician, db, now)
    except HTTPException as refused:  # 404 another clinic's; 409 discharged
        raise _refused(refused) from None
    participant = participant_or_404(db, user.clinician, participant_id,
                                     AuditAction.ENROLMENT_CODE_ISSUE, now)
    return render(request, "enrolment_code.html", user=user, issued=issued,
                  participant=participant)


# --- One participant ---------------------------------------------------------------------

@router.get("/participants/{participant_id}")
def participant_page(participant_id: uuid.UUID, request: Request, user: CurrentPortalUser,
                     db: DbSession, now: Now) -> Response:
    return render_participant_page(request, user, db, now, participant_id)


@dataclass(frozen=True)
class RefusedForm:
    """A form of the participant's page that was refused: which one, what was typed (shown
    again), and why, field by field."""

    name: str  # "homework", "module" or "targets"
    values: Mapping[str, str]
    errors: Mapping[str, str]


def render_participant_page(request: Request, user: PortalUser, db: DbSession, now: Now,
                            participant_id: uuid.UUID, *,
                            refused_form: RefusedForm | None = None,
                            ) -> Response:
    """The participant's page; with `refused_form`, answered 422 with that form's values and
    errors beside its fields."""
    clinician = user.clinician
    try:
        glance = read_participant(participant_id, clinician, db, now)
    except HTTPException as refused:
        raise _refused(refused) from None
    check_ins = read_check_ins(participant_id, clinician, db, now, from_day=None, to_day=None)
    measures = read_measure_results(participant_id, clinician, db, now, cursor=None,
                                    limit=MEASURES_SHOWN)
    goals = read_goals(participant_id, clinician, db, now)
    ratings: dict[uuid.UUID, list[Any]] = defaultdict(list)
    for rating in goals.ratings:
        ratings[rating.goal_id].append(rating)
    participant = participant_or_404(db, clinician, participant_id, AuditAction.PARTICIPANT_READ,
                                     now)
    today = clinic_today(participant.clinic, now)
    done = request.query_params.get("done", "")
    targets = read_diary_targets(participant_id, clinician, db, now)
    target_lines = ({name: refused_form.values.get(name, "") for name in _target_fields()}
                    if refused_form is not None and refused_form.name == "targets" else
                    {name: (targets.targets[index].label if index < len(targets.targets)
                            else "") for index, name in enumerate(_target_fields())})
    return render(
        request, "participant.html", user=user, participant=glance,
        status_code=(status.HTTP_200_OK if refused_form is None
                     else status.HTTP_422_UNPROCESSABLE_CONTENT),
        notice=_NOTICES.get(done), assignment_notice=ASSIGNMENT_NOTICES.get(done),
        refused=refused_form, module_catalogue=wording.module_catalogue(),
        check_ins=check_ins, charts=_charts(check_ins.from_day, check_ins.to_day,
                                            check_ins.check_ins),
        measures=measures.results, more_measures=measures.next is not None,
        safety_plan=read_safety_plan(participant_id, clinician, db, now).plan,
        relapse_plan=read_relapse_plan(participant_id, clinician, db, now).plan,
        lapse_reviews=read_lapse_reviews(participant_id, clinician, db, now).lapse_reviews,
        goals=goals.goals, ratings=ratings,
        aftercare_plan=_aftercare_plan(user, db, now, participant_id),
        homework=read_homework(participant_id, clinician, db, now),
        devices=read_devices(participant_id, clinician, db, now).devices,
        practice=read_practice_sessions(participant_id, clinician, db, now),
        practice_shown=PRACTICE_SHOWN,
        diary_cards=read_diary_cards(participant_id, clinician, db, now,
                                     limit=LOGS_SHOWN).logs,
        urge_logs=read_urge_logs(participant_id, clinician, db, now, limit=LOGS_SHOWN).logs,
        thought_records=read_thought_records(participant_id, clinician, db, now,
                                             limit=LOGS_SHOWN).logs,
        logs_shown=LOGS_SHOWN, diary_targets=targets.targets, target_lines=target_lines,
        targets_notice=TARGETS_NOTICES.get(done),
        groups=_groups_of(db, participant), upcoming=_upcoming_sessions(db, participant, now),
        upcoming_days=UPCOMING_SESSION_DAYS, today=today)


def _groups_of(db: DbSession, participant: Participant) -> list[ParticipantGroup]:
    """The groups the participant is in now, by name (archived ones too, marked so)."""
    return list(db.scalars(
        select(ParticipantGroup)
        .join(GroupMember, GroupMember.group_id == ParticipantGroup.id)
        .where(GroupMember.participant_id == participant.id,
               ParticipantGroup.clinic_id == participant.clinic_id)
        .order_by(func.lower(ParticipantGroup.name), ParticipantGroup.id)))


def _upcoming_sessions(db: DbSession, participant: Participant, now: Now) -> list[Any]:
    """The sessions their app shows (their own, their groups', the whole program's) that
    have not ended and start in the next UPCOMING_SESSION_DAYS days, soonest first."""
    until = now + timedelta(days=UPCOMING_SESSION_DAYS)
    records = [record for record in sessions_for_participant(db, participant, now)
               if record.ends_at >= now and record.starts_at < until]
    return session_views(db, records, participant.clinic)


def _aftercare_plan(user: PortalUser, db: DbSession, now: Now,
                    participant_id: uuid.UUID) -> Any:
    """The aftercare plan, or None. The API's read answers 404 (audited as a failure) when
    there is none; a page that simply shows "none yet" reads it as the API does
    (`latest_version`) and audits the read as a success."""
    plan = latest_version(db, participant_id, aftercare_plan_id(participant_id))
    record_audit(db, at=now, actor=staff_actor(user.clinician.staff_id),
                 action=AuditAction.AFTERCARE_READ, record_type="participant",
                 record_id=participant_id)
    db.commit()
    return shared_record_view(plan) if plan is not None else None


def _charts(first: date, last: date, check_ins: list[CheckInView]) -> dict[str, Any]:
    days = [first + timedelta(days=offset) for offset in range((last - first).days + 1)]
    latest: dict[date, CheckInView] = {}
    for check_in in check_ins:  # oldest first: the day's last check-in stands
        latest[check_in.day] = check_in

    def values(name: str) -> list[Any]:
        return [getattr(latest[day], name) if day in latest else None for day in days]

    return {
        "mood": charts.line_chart("mood", "Mood (0 to 10)", days, values("mood"), SCALE_TOP),
        "craving": charts.line_chart("craving", "Craving (0 to 10)", days, values("craving"),
                                     SCALE_TOP),
        "sleep": charts.line_chart("sleep", "Sleep (hours)", days, values("sleep_hours"),
                                   SLEEP_CHART_TOP),
        "use": charts.use_chart("use", "Use since the last check-in", days,
                                values("used_since_last")),
    }


# --- Diary card targets ------------------------------------------------------------------

def _target_fields() -> list[str]:
    """The form's lines, "target-1" to "target-8" (also each field's id on the page)."""
    return [f"target-{line}" for line in range(1, MAX_DIARY_TARGETS + 1)]


@router.post("/participants/{participant_id}/diary-targets")
def diary_targets_submit(participant_id: uuid.UUID, request: Request, user: CurrentPortalUser,
                         db: DbSession, now: Now,
                         target: Annotated[list[str], Form()] = [],  # noqa: B006
                         csrf_token: Annotated[str, Form(alias=CSRF_FIELD)] = "") -> Response:
    """The targets typed, one a line (empty lines skipped), in the order of the lines."""
    check_csrf(user, csrf_token, db, now)
    fields = _target_fields()
    lines = [*target[:len(fields)], *[""] * (len(fields) - len(target))]
    values = dict(zip(fields, lines, strict=True))
    errors: dict[str, str] = {}
    written: list[DiaryTargetWrite] = []
    seen: set[str] = set()
    for name, line in values.items():
        if not line.strip():
            continue
        try:
            written.append(DiaryTargetWrite(label=line))
        except ValidationError:
            errors[name] = TARGET_PROBLEM
            continue
        if fold_label(line) in seen:
            errors[name] = TARGET_REPEATED
            written.pop()
        seen.add(fold_label(line))
    if errors:
        return render_participant_page(request, user, db, now, participant_id,
                                       refused_form=RefusedForm("targets", values, errors))
    try:
        set_diary_targets(participant_id, DiaryTargetsWrite(targets=written), user.clinician,
                          db, now)
    except HTTPException as refused:  # 404: another clinic's participant
        raise _refused(refused) from None
    return see_other(f"{PORTAL}/participants/{participant_id}?done=targets_saved"
                     "#diary-targets")


# --- Disconnecting devices and discharge, each confirmed first ---------------------------

@router.post("/participants/{participant_id}/devices/revoke")
def revoke_submit(participant_id: uuid.UUID, request: Request, user: CurrentPortalUser,
                  db: DbSession, now: Now, confirmed: Annotated[str, Form()] = "",
                  csrf_token: Annotated[str, Form(alias=CSRF_FIELD)] = "") -> Response:
    check_csrf(user, csrf_token, db, now)
    if confirmed != "yes":
        participant = _participant_or_refusal(user, db, now, participant_id,
                                              AuditAction.DEVICE_REVOKE)
        return render(
            request, "confirm.html", user=user, title="Disconnect every device?",
            message=(f"Every phone {participant.display_name} enrolled stops syncing at once. "
                     "They will need a new enrolment code to connect again. What is already "
                     "on their phone stays there."),
            action=f"{PORTAL}/participants/{participant_id}/devices/revoke", fields={},
            confirm_label="Yes, disconnect every device",
            cancel=f"{PORTAL}/participants/{participant_id}")
    try:
        revoke_participant_devices(participant_id, user.clinician, db, now)
    except HTTPException as refused:
        raise _refused(refused) from None
    return see_other(f"{PORTAL}/participants/{participant_id}?done=revoked")


@router.post("/participants/{participant_id}/discharge")
def discharge_submit(participant_id: uuid.UUID, request: Request, user: CurrentPortalUser,
                     db: DbSession, now: Now, discharged_on: Annotated[str, Form()] = "",
                     confirmed: Annotated[str, Form()] = "",
                     csrf_token: Annotated[str, Form(alias=CSRF_FIELD)] = "") -> Response:
    check_csrf(user, csrf_token, db, now)
    participant = _participant_or_refusal(user, db, now, participant_id, AuditAction.DISCHARGE)
    try:
        body = DischargeRequest(discharged_on=form_date(discharged_on))
    except ValidationError as invalid:
        raise refusal_from(HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                                         _form_problem(invalid))) from None
    if confirmed != "yes":
        return render(
            request, "confirm.html", user=user,
            title=f"Discharge {participant.display_name}?",
            message=(f"Discharge date: {body.discharged_on:%A %d %B %Y}. Their app keeps "
                     "working for them and stops sending the clinic anything new after that "
                     "day, except safety alerts. 30 days later their devices are "
                     "disconnected."),
            action=f"{PORTAL}/participants/{participant_id}/discharge",
            fields={"discharged_on": body.discharged_on.isoformat()},
            confirm_label="Yes, discharge", cancel=f"{PORTAL}/participants/{participant_id}")
    discharge_participant(participant_id, body, user.clinician, db, now)
    return see_other(f"{PORTAL}/participants/{participant_id}?done=discharged")


def _participant_or_refusal(user: PortalUser, db: DbSession, now: Now,
                            participant_id: uuid.UUID, action: AuditAction) -> Any:
    try:
        return participant_or_404(db, user.clinician, participant_id, action, now)
    except HTTPException as refused:
        raise _refused(refused) from None
