"""The clinic settings page: the clinic's details as its apps receive them (name,
address, phone, crisis line, time zone: changed by administrators only, as in the API),
how often the apps ask for each questionnaire, within how many hours the clinic answers
a request for support, the emotions the diary card asks about, and the thresholds of
the alerts the clinic raises itself.

Each form goes through the API's own route function (same bounds, same audit row, the
same 403 for a clinician changing the clinic's details); a value that is not allowed is
named beside its field and the page keeps what was typed. Every other form is open to
every signed-in staff member, as in the API.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Annotated, TypeVar
from zoneinfo import available_timezones

from fastapi import APIRouter, Form, HTTPException, Request, status
from fastapi.responses import Response
from pydantic import BaseModel, ValidationError

from iop_companion.clinic.dependencies import DbSession, Now
from iop_companion.clinic.models import Clinic
from iop_companion.clinic.portal.web import (
    CSRF_FIELD,
    PORTAL,
    CurrentPortalUser,
    PortalUser,
    check_csrf,
    form_text,
    form_whole_number,
    refusal_from,
    render,
    see_other,
)
from iop_companion.clinic.routes.clinician.clinic_settings import (
    read_alert_thresholds,
    set_alert_thresholds,
    set_clinic_profile,
    set_diary_card,
    set_measure_schedule,
    set_support_response,
)
from iop_companion.clinic.wire import clinic_profile
from iop_companion.domain.coping_logs import DEFAULT_DIARY_EMOTIONS, DIARY_EMOTIONS
from iop_companion.domain.measures import DEFAULT_INTERVAL_DAYS
from iop_companion.sync.protocol import (
    DIARY_EMOTION_CATALOGUE,
    MAX_DIARY_EMOTIONS,
    MEASURE_INTERVAL_MAX_DAYS,
    MEASURE_INTERVAL_MIN_DAYS,
    MIN_DIARY_EMOTIONS,
    SUPPORT_RESPONSE_MAX_HOURS,
    SUPPORT_RESPONSE_MIN_HOURS,
    AlertThresholdsRequest,
    ClinicProfileWrite,
    DiaryEmotionsRequest,
    MeasureScheduleRequest,
    SupportResponseRequest,
    is_time_zone_name,
)

router = APIRouter(prefix=PORTAL, include_in_schema=False)
Body = TypeVar("Body", bound=BaseModel)

SETTINGS = f"{PORTAL}/settings"
_NOTICES = {
    "clinic": ("Clinic details saved. Participants' apps get them, the name and crisis line "
               "included, at their next sync."),
    "measures": "Questionnaire schedule saved. Participants' apps use it from their next sync.",
    "support": "Response time saved. Participants' apps show it from their next sync.",
    "diary": ("Diary card emotions saved. Participants' apps show them from their next "
              "sync; cards already saved keep their ratings."),
    "thresholds": ("Alert thresholds saved. They apply to data arriving from now on; "
                   "alerts already raised stay as they are."),
}


@dataclass(frozen=True)
class MeasureField:
    name: str  # the field of MeasureScheduleRequest
    label: str  # visible; the field's accessible name adds ": every how many days"

    @property
    def default_days(self) -> int:
        return next(days for measure, days in DEFAULT_INTERVAL_DAYS.items()
                    if measure.value == self.name)


MEASURE_FIELDS = (
    MeasureField("phq9", "PHQ-9 (depression)"),
    MeasureField("gad7", "GAD-7 (anxiety)"),
    MeasureField("bam", "BAM (alcohol and drug use)"),
)
MEASURE_PROBLEM = (f"Type a whole number of days from {MEASURE_INTERVAL_MIN_DAYS} to "
                   f"{MEASURE_INTERVAL_MAX_DAYS}, or leave it empty for the app's default.")
SUPPORT_PROBLEM = (f"Type a whole number of hours from {SUPPORT_RESPONSE_MIN_HOURS} to "
                   f"{SUPPORT_RESPONSE_MAX_HOURS}, or leave it empty to state no time.")


@dataclass(frozen=True)
class ThresholdRule:
    name: str  # the field of AlertThresholdsRequest (domain/alert_rules.py)
    label: str  # the field's label
    rule: str  # when the alert is raised, in plain words ("this many": the value)
    unit: str


THRESHOLD_RULES = (
    ThresholdRule("phq9_total_at_least", "Severe PHQ-9 total (points)",
                  "A PHQ-9 total (0 to 27) of this many points or more.", "points"),
    ThresholdRule("phq9_rise_at_least", "Rise in PHQ-9 total (points)",
                  "A PHQ-9 total this many points or more above the participant's previous one.",
                  "points"),
    ThresholdRule("use_after_days_without", "Use after days without (days)",
                  "Use reported in a check-in after this many days or more without use "
                  "(days with no check-in count as days without).", "days"),
    ThresholdRule("craving_at_least", "Strong craving (0 to 10)",
                  "A craving of this or more counts as strong (used with the next rule).",
                  "on the 0 to 10 scale"),
    ThresholdRule("craving_days_running", "Strong craving on days running (days)",
                  "A strong craving reported on this many calendar days in a row.", "days"),
    ThresholdRule("days_without_check_in", "Days without a check-in (days)",
                  "This many whole days in a row with no check-in (today does not count "
                  "until it is over).", "days"),
    ThresholdRule("missed_sessions_in_a_row", "Missed sessions in a row (sessions)",
                  "This many of the participant's sessions missed in a row (only sessions "
                  "with attendance recorded count).", "sessions"),
)


# The clinic's details: each field's label, and why a value was refused.
PROFILE_FIELDS = (
    ("name", "Name"), ("address", "Address"), ("phone", "Phone"),
    ("crisis_line", "Crisis line"), ("timezone", "Time zone"),
)
_PHONE_PROBLEM = ("Type a phone number of at least 3 digits, using only digits, spaces and "
                  "the characters + ( ) - . (up to 40 characters).")
PROFILE_PROBLEMS = {
    "name": "Type the clinic's name: 1 to 120 characters, on one line.",
    "address": "Type the address: 1 to 400 characters.",
    "phone": _PHONE_PROBLEM,
    "crisis_line": _PHONE_PROBLEM,
    "timezone": "Choose the clinic's time zone from the list.",
}


# The diary card's emotions by their English names (the app names them in its language).
EMOTION_NAMES = {emotion.id: emotion.name for emotion in DIARY_EMOTIONS
                 if emotion.id in DIARY_EMOTION_CATALOGUE}


def emotions_problem(count: int) -> str:
    chosen = "none" if count == 0 else f"{count}"
    return (f"Choose from {MIN_DIARY_EMOTIONS} to {MAX_DIARY_EMOTIONS} emotions; "
            f"you chose {chosen}.")


def emotion_options(chosen: list[str]) -> list[tuple[str, str]]:
    """Every emotion as (id, name): those chosen first, in their order (the order the card
    shows them, and the order a browser sends them back), then the rest in the
    catalogue's order."""
    ids = [emotion for emotion in chosen if emotion in EMOTION_NAMES]
    ids += [emotion for emotion in EMOTION_NAMES if emotion not in ids]
    return [(emotion, EMOTION_NAMES[emotion]) for emotion in ids]


@cache
def _time_zones() -> tuple[str, ...]:
    """The zones a clinic may choose (those the API takes), by name."""
    return tuple(sorted(zone for zone in available_timezones() if is_time_zone_name(zone)))


def _threshold_problem(low: int, high: int) -> str:
    return (f"Type a whole number from {low} to {high}, or leave it empty for the "
            "program's default.")


def _settings_page(request: Request, user: PortalUser, db: DbSession, *,
                   form: str | None = None, values: Mapping[str, str] | None = None,
                   errors: Mapping[str, str] | None = None,
                   chosen_emotions: list[str] | None = None,
                   status_code: int = status.HTTP_200_OK) -> Response:
    """The page; after a refused form, that form shows what was typed and why it was
    refused, and the others show what is saved (`chosen_emotions`: what the refused
    diary card form had ticked)."""
    clinic = db.get_one(Clinic, user.clinician.clinic_id)
    profile = clinic_profile(clinic)
    saved_emotions = list(profile.diary_emotions or DEFAULT_DIARY_EMOTIONS)
    ticked = chosen_emotions if form == "diary" and chosen_emotions is not None \
        else saved_emotions
    thresholds = read_alert_thresholds(user.clinician, db)
    saved = {
        "clinic": {name: str(getattr(profile, name) or "") for name, _ in PROFILE_FIELDS},
        "measures": {field.name: str(profile.measure_interval_days.get(field.name, ""))
                     for field in MEASURE_FIELDS},
        "support": {"hours": "" if profile.support_response_hours is None
                    else str(profile.support_response_hours)},
        "thresholds": {name: str(value)
                       for name, value in thresholds.thresholds.model_dump().items()},
    }
    if form is not None and values is not None:
        saved[form] = dict(values)
    return render(request, "settings.html", user=user, status_code=status_code,
                  done=request.query_params.get("done", ""), notices=_NOTICES,
                  profile=profile, values=saved, errors=errors or {}, form=form,
                  measure_fields=MEASURE_FIELDS, rules=THRESHOLD_RULES,
                  profile_fields=PROFILE_FIELDS, time_zones=_time_zones(),
                  defaults=thresholds.defaults.model_dump(), bounds=thresholds.bounds,
                  support_bounds=(SUPPORT_RESPONSE_MIN_HOURS, SUPPORT_RESPONSE_MAX_HOURS),
                  measure_bounds=(MEASURE_INTERVAL_MIN_DAYS, MEASURE_INTERVAL_MAX_DAYS),
                  emotion_options=emotion_options(ticked), emotions_ticked=ticked,
                  emotions_default=profile.diary_emotions is None,
                  emotions_now=[EMOTION_NAMES.get(e, e) for e in saved_emotions],
                  emotion_bounds=(MIN_DIARY_EMOTIONS, MAX_DIARY_EMOTIONS))


def _validated(model: type[Body], numbers: Mapping[str, int | None | str],
               ) -> tuple[Body | None, set[str]]:
    """The request, or None and every field refused: those that are not whole numbers and,
    checked together with the rest, those out of bounds."""
    not_numbers = {name for name, number in numbers.items() if isinstance(number, str)}
    try:
        body = model.model_validate({name: None if name in not_numbers else number
                                     for name, number in numbers.items()})
    except ValidationError as invalid:
        return None, not_numbers | {str(problem["loc"][0]) for problem in invalid.errors()
                                    if problem["loc"]}
    return (None, not_numbers) if not_numbers else (body, set())


@router.get("/settings")
def settings_page(request: Request, user: CurrentPortalUser, db: DbSession) -> Response:
    return _settings_page(request, user, db)


@router.post("/settings/clinic-profile")
def clinic_profile_submit(
        request: Request, user: CurrentPortalUser, db: DbSession, now: Now,
        name: Annotated[str, Form()] = "", address: Annotated[str, Form()] = "",
        phone: Annotated[str, Form()] = "", crisis_line: Annotated[str, Form()] = "",
        timezone: Annotated[str, Form()] = "",
        csrf_token: Annotated[str, Form(alias=CSRF_FIELD)] = "") -> Response:
    check_csrf(user, csrf_token, db, now)
    values = {"name": name, "address": address, "phone": phone, "crisis_line": crisis_line,
              "timezone": timezone}
    try:
        body = ClinicProfileWrite(name=name, address=form_text(address), phone=phone,
                                  crisis_line=crisis_line, timezone=timezone)
    except ValidationError as invalid:
        errors = {str(problem["loc"][0]): PROFILE_PROBLEMS[str(problem["loc"][0])]
                  for problem in invalid.errors()
                  if problem["loc"] and str(problem["loc"][0]) in PROFILE_PROBLEMS}
        return _settings_page(request, user, db, form="clinic", values=values,
                              errors=errors or {"name": PROFILE_PROBLEMS["name"]},
                              status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
    try:
        # The route function checks the role itself: a clinician gets its 403 (audited).
        set_clinic_profile(body, user.clinician, db, now)
    except HTTPException as refused:
        raise refusal_from(refused) from None
    return see_other(f"{SETTINGS}?done=clinic#clinic")


@router.post("/settings/measure-schedule")
def measure_schedule_submit(request: Request, user: CurrentPortalUser, db: DbSession, now: Now,
                            phq9: Annotated[str, Form()] = "", gad7: Annotated[str, Form()] = "",
                            bam: Annotated[str, Form()] = "",
                            csrf_token: Annotated[str, Form(alias=CSRF_FIELD)] = "") -> Response:
    check_csrf(user, csrf_token, db, now)
    values = {"phq9": phq9, "gad7": gad7, "bam": bam}
    numbers = {name: form_whole_number(text) for name, text in values.items()}
    body, bad = _validated(MeasureScheduleRequest, numbers)
    if body is None:
        errors = {name: MEASURE_PROBLEM for name in bad}
        return _settings_page(request, user, db, form="measures", values=values,
                              errors=errors, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
    set_measure_schedule(body, user.clinician, db, now)
    return see_other(f"{SETTINGS}?done=measures#measures")


@router.post("/settings/support-response")
def support_response_submit(request: Request, user: CurrentPortalUser, db: DbSession,
                            now: Now, hours: Annotated[str, Form()] = "",
                            csrf_token: Annotated[str, Form(alias=CSRF_FIELD)] = "") -> Response:
    check_csrf(user, csrf_token, db, now)
    number = form_whole_number(hours)
    body: SupportResponseRequest | None = None
    if not isinstance(number, str):
        try:
            body = SupportResponseRequest(hours=number)
        except ValidationError:
            body = None
    if body is None:
        return _settings_page(request, user, db, form="support", values={"hours": hours},
                              errors={"hours": SUPPORT_PROBLEM},
                              status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
    set_support_response(body, user.clinician, db, now)
    return see_other(f"{SETTINGS}?done=support#support")


@router.post("/settings/diary-emotions")
def diary_emotions_submit(request: Request, user: CurrentPortalUser, db: DbSession, now: Now,
                          emotion: Annotated[list[str], Form()] = [],  # noqa: B006
                          use_default: Annotated[str, Form()] = "",
                          csrf_token: Annotated[str, Form(alias=CSRF_FIELD)] = "") -> Response:
    """The ticked emotions, in the order the page lists them (the order a browser sends
    checkboxes in), or the app's default set."""
    check_csrf(user, csrf_token, db, now)
    ticked = [name for name in dict.fromkeys(emotion) if name in EMOTION_NAMES]
    try:
        body = DiaryEmotionsRequest(emotions=None if use_default == "yes" else ticked)
    except ValidationError:
        return _settings_page(request, user, db, form="diary",
                              errors={"emotions": emotions_problem(len(ticked))},
                              chosen_emotions=ticked,
                              status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
    set_diary_card(body, user.clinician, db, now)
    return see_other(f"{SETTINGS}?done=diary#diary")


@router.post("/settings/alert-thresholds")
def alert_thresholds_submit(
        request: Request, user: CurrentPortalUser, db: DbSession, now: Now,
        phq9_total_at_least: Annotated[str, Form()] = "",
        phq9_rise_at_least: Annotated[str, Form()] = "",
        use_after_days_without: Annotated[str, Form()] = "",
        craving_at_least: Annotated[str, Form()] = "",
        craving_days_running: Annotated[str, Form()] = "",
        days_without_check_in: Annotated[str, Form()] = "",
        missed_sessions_in_a_row: Annotated[str, Form()] = "",
        csrf_token: Annotated[str, Form(alias=CSRF_FIELD)] = "") -> Response:
    check_csrf(user, csrf_token, db, now)
    return _save_thresholds(request, user, db, now, {
        "phq9_total_at_least": phq9_total_at_least, "phq9_rise_at_least": phq9_rise_at_least,
        "use_after_days_without": use_after_days_without, "craving_at_least": craving_at_least,
        "craving_days_running": craving_days_running,
        "days_without_check_in": days_without_check_in,
        "missed_sessions_in_a_row": missed_sessions_in_a_row})


def _save_thresholds(request: Request, user: PortalUser, db: DbSession, now: Now,
                     values: dict[str, str]) -> Response:
    bounds = read_alert_thresholds(user.clinician, db).bounds
    numbers = {name: form_whole_number(text) for name, text in values.items()}
    body, bad = _validated(AlertThresholdsRequest, numbers)
    if body is None:
        errors = {name: _threshold_problem(*bounds[name]) for name in bad if name in bounds}
        return _settings_page(request, user, db, form="thresholds", values=values,
                              errors=errors, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
    set_alert_thresholds(body, user.clinician, db, now)
    return see_other(f"{SETTINGS}?done=thresholds#thresholds")
