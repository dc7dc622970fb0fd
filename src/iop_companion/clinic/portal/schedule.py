"""The schedule pages: a week of the clinic's sessions (Monday to Sunday in the clinic's
time zone), adding a session (for a participant, a group or the whole program, maybe
repeated weekly), changing one, cancelling one or the rest of its weekly series (each
after a confirm page), and a session's page with its attendance, recorded person by
person (a miss may raise the "missed sessions" alert).

Every read and write is the API's own route function (routes/clinician/schedule.py and
attendance.py), so another clinic's session is 404 and the same audit rows are written.
A refused form is shown again with what was typed and why, beside each field.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request, status
from fastapi.responses import Response
from pydantic import ValidationError

from iop_companion.clinic.dependencies import DbSession, Now
from iop_companion.clinic.portal import wording
from iop_companion.clinic.portal.groups import active_participants
from iop_companion.clinic.portal.web import (
    CSRF_FIELD,
    PORTAL,
    CurrentPortalUser,
    PortalRefusal,
    PortalUser,
    check_csrf,
    form_date,
    refusal_from,
    render,
    see_other,
)
from iop_companion.clinic.routes.clinician.attendance import read_attendance, set_attendance
from iop_companion.clinic.routes.clinician.clinic_settings import read_alert_thresholds
from iop_companion.clinic.routes.clinician.groups import list_groups
from iop_companion.clinic.routes.clinician.schedule import (
    cancel_scheduled_session,
    cancel_session_and_following,
    create_session,
    read_schedule,
    read_session,
    update_session,
)
from iop_companion.sync.protocol import (
    MAX_REPEAT_WEEKS,
    AttendanceWrite,
    ProgramSessionCreateRequest,
    ProgramSessionView,
    SessionCancelRequest,
    SessionKind,
    SessionSeriesCancelRequest,
    SessionStatus,
    SessionWrite,
)

router = APIRouter(prefix=PORTAL, include_in_schema=False)

SCHEDULE = f"{PORTAL}/schedule"
# Plain words for each kind of session, in the order the form offers them.
KIND_LABELS: Mapping[str, str] = {
    SessionKind.GROUP.value: "Group therapy",
    SessionKind.INDIVIDUAL.value: "Individual",
    SessionKind.FAMILY.value: "Family",
    SessionKind.MEDICATION.value: "Medication management",
    SessionKind.WORKSHOP.value: "Workshop",
    SessionKind.HOLISTIC.value: "Holistic (yoga, mindfulness, art...)",
    SessionKind.CASE_MANAGEMENT.value: "Case management",
}
ATTENDANCE_LABELS: Mapping[str, str] = {"attended": "Attended", "missed": "Missed",
                                        "excused": "Excused"}
# Why each field was refused, in the form's words (the API's bounds: sync/protocol).
PROBLEMS: Mapping[str, str] = {
    "kind": "Choose a kind of session from the list.",
    "title": "Type a title of 1 to 120 characters, on one line.",
    "day": "Type the day as a date between 2000 and 2099 (for example 2026-03-10).",
    "starts": "Type the start time as hours and minutes (for example 18:00).",
    "ends": "Type the end time as hours and minutes (for example 19:30).",
    "ends_order": "The session must end after it starts, on the same day.",
    "ends_length": "A session can last at most 12 hours.",
    "location": ("Type the place, or the telehealth link: 1 to 200 characters, on one "
                 "line."),
    "facilitator": "Type who leads it: 1 to 120 characters, on one line.",
    "note": "The note can be up to 500 characters, on one line.",
    "participant_id": "Choose the participant who attends.",
    "group_id": "Choose the group that attends.",
    "repeat_until": (f"Type a date on or after the session's day and at most "
                     f"{MAX_REPEAT_WEEKS} weeks after it, or leave it empty."),
}
CANCEL_NOTE_PROBLEM = "The note can be up to 500 characters."
_NOTICES = {
    "created": "Session added. It reaches the apps of those who attend at their next sync.",
    "repeated": ("Weekly sessions added. They reach the apps of those who attend at their "
                 "next sync."),
    "changed": "Session changed. The apps of those who attend get it at their next sync.",
    "cancelled": ("Session cancelled. It stays on the schedule, marked cancelled; apps show "
                  "it as cancelled from their next sync."),
    "series_cancelled": ("This session and the following ones of its series are cancelled. "
                         "Apps show them as cancelled from their next sync."),
    "nothing_to_cancel": "Nothing was left to cancel: these sessions were cancelled already.",
}


def _page(session_id: uuid.UUID) -> str:
    return f"{SCHEDULE}/{session_id}"


def _refused(error: HTTPException) -> PortalRefusal:
    return refusal_from(error)


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind.replace("_", " ").capitalize())


def where(session: ProgramSessionView) -> str:
    return "Telehealth" if session.telehealth else session.location


# --- The week ----------------------------------------------------------------------------

@dataclass(frozen=True)
class ScheduleDay:
    day: date
    sessions: list[ProgramSessionView]


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


@router.get("/schedule")
def schedule_page(request: Request, user: CurrentPortalUser, db: DbSession, now: Now,
                  week: str = "") -> Response:
    """The week holding `week` (a date; this week without one), Monday to Sunday."""
    today = now.astimezone(user.zone).date()
    chosen = form_date(week)
    if isinstance(chosen, str) or (chosen is not None and not (
            date(2000, 1, 10) <= chosen <= date(2099, 12, 20))):
        raise PortalRefusal(status.HTTP_422_UNPROCESSABLE_CONTENT, "Not a week this shows",
                            "The week must be given by a date between 2000 and 2099, such "
                            "as 2026-03-09.")
    monday = _monday(chosen or today)
    sunday = monday + timedelta(days=6)
    try:
        listed = read_schedule(user.clinician, db, now, from_day=monday, to_day=sunday)
    except HTTPException as refused:
        raise _refused(refused) from None
    days = [ScheduleDay(monday + timedelta(days=n), []) for n in range(7)]
    for session in listed.sessions:
        offset = (session.starts_at.astimezone(user.zone).date() - monday).days
        if 0 <= offset < 7:
            days[offset].sessions.append(session)
    return render(request, "schedule.html", user=user, days=days, today=today,
                  monday=monday, sunday=sunday, truncated=listed.truncated,
                  previous_week=(monday - timedelta(days=7)).isoformat(),
                  next_week=(monday + timedelta(days=7)).isoformat(),
                  this_week=_monday(today), kind_label=kind_label, where=where,
                  notice=_NOTICES.get(request.query_params.get("done", "")))


# --- Adding and changing a session -------------------------------------------------------

def _participants_and_groups(user: PortalUser, db: DbSession,
                             now: Now) -> tuple[list[Any], list[Any]]:
    """The clinic's participants not discharged and its groups not archived, by name."""
    groups = list_groups(user.clinician, db, now, include_archived=False).groups
    return active_participants(user, db, now), groups


def _form_page(request: Request, user: PortalUser, db: DbSession, now: Now, *,
               values: Mapping[str, str], errors: Mapping[str, str] | None = None,
               session: ProgramSessionView | None = None,
               status_code: int = status.HTTP_200_OK) -> Response:
    """The new-session form, or (with `session`) the form changing that session."""
    participants, groups = ([], []) if session is not None else _participants_and_groups(
        user, db, now)
    zone = session.timezone if session is not None else user.zone.key
    return render(request, "session_form.html", user=user, status_code=status_code,
                  session=session, values=values, errors=errors or {}, kinds=KIND_LABELS,
                  participants=participants, groups=groups, zone_name=zone,
                  kind_label=kind_label, max_weeks=MAX_REPEAT_WEEKS)


@router.get("/schedule/new")
def new_session_page(request: Request, user: CurrentPortalUser, db: DbSession, now: Now,
                     participant: str = "", group: str = "", day: str = "") -> Response:
    """The form; `participant`, `group` or `day` fill in who attends or the day (links
    from a participant's or group's page, or a day of the week)."""
    audience = "participant" if participant else "group" if group else "program"
    values = {"kind": SessionKind.GROUP.value, "audience": audience,
              "participant_id": participant, "group_id": group, "day": day,
              "starts": "", "ends": ""}
    return _form_page(request, user, db, now, values=values)


@dataclass(frozen=True)
class _Typed:
    """The session fields as the form sent them."""

    kind: str
    title: str
    day: str
    starts: str
    ends: str
    location: str
    telehealth: str
    facilitator: str
    note: str

    def values(self) -> dict[str, str]:
        return dict(self.__dict__)


def _clock_time(text: str) -> time | None:
    text = text.strip()
    if not text or len(text) > 8:
        return None
    try:
        return time.fromisoformat(text)
    except ValueError:
        return None


def _session_fields(typed: _Typed, zone_name: str) -> tuple[dict[str, Any], dict[str, str]]:
    """The fields of a SessionWrite from what was typed, and the fields refused so far
    (those that are not a date or a time at all)."""
    errors: dict[str, str] = {}
    day = form_date(typed.day)
    if not isinstance(day, date):
        errors["day"] = PROBLEMS["day"]
    starts, ends = _clock_time(typed.starts), _clock_time(typed.ends)
    if starts is None:
        errors["starts"] = PROBLEMS["starts"]
    if ends is None:
        errors["ends"] = PROBLEMS["ends"]
    if (isinstance(day, date) and starts is not None and ends is not None
            and ends <= starts):
        errors["ends"] = PROBLEMS["ends_order"]
    fields: dict[str, Any] = {
        "kind": typed.kind, "title": typed.title, "location": typed.location,
        "telehealth": typed.telehealth == "yes", "facilitator": typed.facilitator,
        "note": typed.note.strip() or None, "timezone": zone_name}
    if not errors:
        assert isinstance(day, date) and starts is not None and ends is not None
        fields["starts_at"] = datetime.combine(day, starts)
        fields["ends_at"] = datetime.combine(day, ends)
    return fields, errors


def _validation_problems(invalid: ValidationError) -> dict[str, str]:
    errors: dict[str, str] = {}
    for problem in invalid.errors():
        field = str(problem["loc"][0]) if problem["loc"] else ""
        if problem["type"] == "missing":
            continue  # a time not sent because it did not parse: refused already
        if field in PROBLEMS:
            errors[field] = PROBLEMS[field]
        elif field in ("starts_at", "ends_at") or problem["type"] == "session_times":
            message = str(problem.get("msg", ""))
            if "12 hours" in message:
                errors["ends"] = PROBLEMS["ends_length"]
            elif "end after" in message:
                errors["ends"] = PROBLEMS["ends_order"]
            else:  # a time outside the years the server takes
                errors["day"] = PROBLEMS["day"]
        elif field == "repeat_weekly_until":
            errors["repeat_until"] = PROBLEMS["repeat_until"]
    return errors


def _validated(model: type[SessionWrite], fields: Mapping[str, Any],
               errors: dict[str, str]) -> SessionWrite | None:
    """The request, or None with every refused field in `errors`."""
    try:
        body = model.model_validate({name: value for name, value in fields.items()
                                     if value is not None or name == "note"})
    except ValidationError as invalid:
        problems = _validation_problems(invalid)
        errors.update({name: text for name, text in problems.items() if name not in errors})
        if not errors:  # nothing this form names: say so rather than save nothing quietly
            errors["title"] = "This session could not be saved as typed: please check it."
        return None
    return None if errors else body


@router.post("/schedule/new")
def new_session_submit(
        request: Request, user: CurrentPortalUser, db: DbSession, now: Now,
        kind: Annotated[str, Form()] = "", title: Annotated[str, Form()] = "",
        day: Annotated[str, Form()] = "", starts: Annotated[str, Form()] = "",
        ends: Annotated[str, Form()] = "", location: Annotated[str, Form()] = "",
        telehealth: Annotated[str, Form()] = "", facilitator: Annotated[str, Form()] = "",
        note: Annotated[str, Form()] = "", audience: Annotated[str, Form()] = "",
        participant_id: Annotated[str, Form()] = "", group_id: Annotated[str, Form()] = "",
        repeat_until: Annotated[str, Form()] = "",
        csrf_token: Annotated[str, Form(alias=CSRF_FIELD)] = "") -> Response:
    check_csrf(user, csrf_token, db, now)
    typed = _Typed(kind, title, day, starts, ends, location, telehealth, facilitator, note)
    values = {**typed.values(), "audience": audience, "participant_id": participant_id,
              "group_id": group_id, "repeat_until": repeat_until}
    fields, errors = _session_fields(typed, user.zone.key)
    if audience == "participant":
        fields["participant_id"] = _uuid(participant_id)
        if fields["participant_id"] is None:
            errors["participant_id"] = PROBLEMS["participant_id"]
    elif audience == "group":
        fields["group_id"] = _uuid(group_id)
        if fields["group_id"] is None:
            errors["group_id"] = PROBLEMS["group_id"]
    elif audience != "program":
        errors["audience"] = "Choose who attends: a participant, a group or the whole program."
    until = form_date(repeat_until)
    if isinstance(until, str):
        errors["repeat_until"] = PROBLEMS["repeat_until"]
    else:
        fields["repeat_weekly_until"] = until
    body = _validated(ProgramSessionCreateRequest, fields, errors)
    if body is None:
        return _form_page(request, user, db, now, values=values, errors=errors,
                          status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
    assert isinstance(body, ProgramSessionCreateRequest)
    try:
        created = create_session(body, user.clinician, db, now)
    except HTTPException as refused:
        problem = {status.HTTP_422_UNPROCESSABLE_CONTENT: ("repeat_until",
                                                           PROBLEMS["repeat_until"]),
                   status.HTTP_409_CONFLICT: ("group_id", str(refused.detail))}.get(
                       refused.status_code)
        if problem is None:  # 404: a participant or group of another clinic
            raise _refused(refused) from None
        return _form_page(request, user, db, now, values=values, errors=dict([problem]),
                          status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
    done = "repeated" if len(created.occurrences) > 1 else "created"
    return see_other(f"{_page(created.id)}?done={done}")


def _uuid(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text.strip())
    except ValueError:
        return None


def _session(user: PortalUser, db: DbSession, now: Now,
             session_id: uuid.UUID) -> ProgramSessionView:
    try:
        return read_session(session_id, user.clinician, db, now)
    except HTTPException as refused:  # another clinic's, or none: 404
        raise _refused(refused) from None


@router.get("/schedule/{session_id}/edit")
def edit_session_page(session_id: uuid.UUID, request: Request, user: CurrentPortalUser,
                      db: DbSession, now: Now) -> Response:
    session = _session(user, db, now, session_id)
    values = {"kind": session.kind.value, "title": session.title,
              "day": session.starts_at_local.date().isoformat(),
              "starts": f"{session.starts_at_local:%H:%M}",
              "ends": f"{session.ends_at_local:%H:%M}", "location": session.location,
              "telehealth": "yes" if session.telehealth else "",
              "facilitator": session.facilitator, "note": session.note or ""}
    return _form_page(request, user, db, now, values=values, session=session)


@router.post("/schedule/{session_id}/edit")
def edit_session_submit(
        session_id: uuid.UUID, request: Request, user: CurrentPortalUser, db: DbSession,
        now: Now, kind: Annotated[str, Form()] = "", title: Annotated[str, Form()] = "",
        day: Annotated[str, Form()] = "", starts: Annotated[str, Form()] = "",
        ends: Annotated[str, Form()] = "", location: Annotated[str, Form()] = "",
        telehealth: Annotated[str, Form()] = "", facilitator: Annotated[str, Form()] = "",
        note: Annotated[str, Form()] = "",
        csrf_token: Annotated[str, Form(alias=CSRF_FIELD)] = "") -> Response:
    check_csrf(user, csrf_token, db, now)
    session = _session(user, db, now, session_id)
    typed = _Typed(kind, title, day, starts, ends, location, telehealth, facilitator, note)
    # The times are read in the zone they were written in, as the form says.
    fields, errors = _session_fields(typed, session.timezone)
    body = _validated(SessionWrite, fields, errors)
    if body is None:
        return _form_page(request, user, db, now, values=typed.values(), errors=errors,
                          session=session, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
    try:
        update_session(session_id, body, user.clinician, db, now)
    except HTTPException as refused:
        raise _refused(refused) from None
    return see_other(f"{_page(session_id)}?done=changed")


# --- Cancelling, each confirmed first ----------------------------------------------------

@router.post("/schedule/{session_id}/cancel")
def cancel_submit(session_id: uuid.UUID, request: Request, user: CurrentPortalUser,
                  db: DbSession, now: Now, note: Annotated[str, Form()] = "",
                  confirmed: Annotated[str, Form()] = "",
                  csrf_token: Annotated[str, Form(alias=CSRF_FIELD)] = "") -> Response:
    check_csrf(user, csrf_token, db, now)
    return _cancel(request, user, db, now, session_id, note, confirmed == "yes",
                   following=False)


@router.post("/schedule/{session_id}/cancel-following")
def cancel_following_submit(session_id: uuid.UUID, request: Request,
                            user: CurrentPortalUser, db: DbSession, now: Now,
                            note: Annotated[str, Form()] = "",
                            confirmed: Annotated[str, Form()] = "",
                            csrf_token: Annotated[str, Form(alias=CSRF_FIELD)] = "",
                            ) -> Response:
    check_csrf(user, csrf_token, db, now)
    return _cancel(request, user, db, now, session_id, note, confirmed == "yes",
                   following=True)


def _cancel(request: Request, user: PortalUser, db: DbSession, now: Now,
            session_id: uuid.UUID, note: str, confirmed: bool, *,
            following: bool) -> Response:
    session = _session(user, db, now, session_id)
    note_error: str | None = None
    try:
        body = (SessionSeriesCancelRequest if following else SessionCancelRequest)(
            note=note.strip() or None)
    except ValidationError:
        body, note_error = None, CANCEL_NOTE_PROBLEM
    if not confirmed or body is None:
        return _cancel_confirm_page(request, user, session, note, note_error,
                                    following=following)
    try:
        if following:
            assert isinstance(body, SessionSeriesCancelRequest)
            cancelled = cancel_session_and_following(session_id, user.clinician, db, now,
                                                     body).cancelled
            done = "series_cancelled" if cancelled else "nothing_to_cancel"
        else:
            assert isinstance(body, SessionCancelRequest)
            cancel_scheduled_session(session_id, user.clinician, db, now, body)
            done = "cancelled"
    except HTTPException as refused:
        raise _refused(refused) from None
    return see_other(f"{_page(session_id)}?done={done}")


def _cancel_confirm_page(request: Request, user: PortalUser, session: ProgramSessionView,
                         note: str, note_error: str | None, *, following: bool) -> Response:
    local = session.starts_at.astimezone(user.zone)
    when = f"{wording.day(local.date())}, {local:%H:%M}"
    if following:
        title = f"Cancel \u201c{session.title}\u201d and the following ones?"
        message = (f"This session ({when}) and every later session of its weekly series "
                   "that is still on are cancelled. Earlier ones stay as they are. They "
                   "stay on the schedule, marked cancelled, and the apps of those who "
                   "attend show them as cancelled from their next sync.")
        action = f"{_page(session.id)}/cancel-following"
        label = "Yes, cancel this and the following sessions"
    else:
        title = f"Cancel \u201c{session.title}\u201d?"
        message = (f"The session on {when} ({session.audience.name}) stays on the "
                   "schedule, marked cancelled, and the apps of those who attend show it "
                   "as cancelled from their next sync.")
        action = f"{_page(session.id)}/cancel"
        label = "Yes, cancel the session"
    return render(request, "confirm.html", user=user, nav_section="schedule", title=title,
                  message=message, action=action, fields={}, confirm_label=label,
                  cancel=_page(session.id), note_field={
                      "label": "Note for participants (optional)",
                      "hint": "Shown in their app with the cancellation, for example "
                              "\u201cMoved to Thursday\u201d. Up to 500 characters.",
                      "value": note, "error": note_error},
                  status_code=(status.HTTP_200_OK if note_error is None
                               else status.HTTP_422_UNPROCESSABLE_CONTENT))


# --- A session and its attendance --------------------------------------------------------

@router.get("/schedule/{session_id}")
def session_page(session_id: uuid.UUID, request: Request, user: CurrentPortalUser,
                 db: DbSession, now: Now) -> Response:
    try:
        attendance = read_attendance(session_id, user.clinician, db, now)
    except HTTPException as refused:
        raise _refused(refused) from None
    session = attendance.session
    thresholds = read_alert_thresholds(user.clinician, db).thresholds
    query = request.query_params
    done = query.get("done", "")
    recorded = next((one for one in attendance.attendees
                     if str(one.participant_id) == query.get("who", "")), None)
    return render(request, "session.html", user=user, session=session,
                  attendees=attendance.attendees, kind_label=kind_label, where=where,
                  cancelled=session.status is SessionStatus.CANCELLED,
                  started=session.starts_at <= now, statuses=ATTENDANCE_LABELS,
                  missed_in_a_row=thresholds.missed_sessions_in_a_row,
                  notice=_NOTICES.get(done),
                  recorded=recorded if done == "attendance" else None,
                  alert_raised=query.get("alert") == "1",
                  other_zone=session.timezone != user.zone.key)


@router.post("/schedule/{session_id}/attendance/{participant_id}")
def attendance_submit(session_id: uuid.UUID, participant_id: uuid.UUID,
                      user: CurrentPortalUser, db: DbSession, now: Now,
                      attendance: Annotated[str, Form()] = "",
                      csrf_token: Annotated[str, Form(alias=CSRF_FIELD)] = "") -> Response:
    check_csrf(user, csrf_token, db, now)
    try:
        body = AttendanceWrite.model_validate({"status": attendance})
    except ValidationError:
        raise PortalRefusal(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            "Please check what you entered",
                            "Choose Attended, Missed or Excused.") from None
    try:
        recorded = set_attendance(session_id, participant_id, body, user.clinician, db, now)
    except HTTPException as refused:  # 404 another clinic's; 409 not started, cancelled
        raise _refused(refused) from None
    alert = "&alert=1" if recorded.alert_id is not None else ""
    return see_other(f"{_page(session_id)}?done=attendance&who={participant_id}{alert}"
                     "#attendance")
