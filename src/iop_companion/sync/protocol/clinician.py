"""Clinician routes: signing in, alerts, measure results, the schedule, the clinic's
settings, goals, the aftercare plan, discharge, homework and module assignments."""

# Every class here is a pydantic model, which copies a mutable default for each
# instance; ruff cannot tell through a base class imported from another module.
# ruff: noqa: RUF012

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import (
    AwareDatetime,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from iop_companion.sync.protocol.common import (
    _CONTROL_CHARACTERS,
    PrintableLine,
    PrintableText,
    SaneDate,
    SaneDatetime,
    _Request,
    _Response,
)
from iop_companion.sync.protocol.payloads.goals import MAX_GOAL_STEPS
from iop_companion.sync.protocol.payloads.plans import _CLOCK_TIME, Weekday
from iop_companion.sync.protocol.pull import (
    ExerciseId,
    HomeworkAssignment,
    ModuleAssignment,
    ModuleId,
    RecordAuthor,
    SessionKind,
)
from iop_companion.sync.protocol.push import MAX_RECORD_VERSION


class ClinicianSignInRequest(_Request):
    # Passwords are taken exactly as typed: no whitespace stripping.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)

    email: Annotated[str, Field(min_length=3, max_length=254)]
    password: Annotated[str, Field(min_length=1, max_length=1024)]


class ClinicianSessionResponse(_Response):
    # The only time the server sends this token; it keeps just a hash.
    access_token: Annotated[str, Field(min_length=32, max_length=200)]
    expires_at: AwareDatetime


# Paging of clinician lists: `?cursor=<the previous page's next>&limit=<1..MAX>`.
MAX_PAGE_CURSOR_LENGTH = 200
DEFAULT_ALERTS_PAGE = 50
MAX_ALERTS_PAGE = 200
DEFAULT_MEASURE_RESULTS_PAGE = 50
MAX_MEASURE_RESULTS_PAGE = 200


class ClinicianAlert(_Response):
    """The open (or acknowledged) alert of one trigger for one participant: every flag of
    that trigger that arrived while it was open is folded into it."""

    id: UUID
    participant_id: UUID
    participant_name: Annotated[str, Field(max_length=80)]
    # A safety flag's trigger, or a rule the clinic evaluates (domain/alert_rules.py).
    trigger: Annotated[str, Field(max_length=32)]
    priority: int  # set by the clinic from the trigger; the phone's is ignored
    raised_at: AwareDatetime  # when the first flag was raised (the phone's clock) or what
    # raised a rule's alert happened
    received_at: AwareDatetime  # the clinic's clock when the first flag arrived
    acknowledged_at: AwareDatetime | None
    count: int  # flags (or rule events) folded into this alert (1 for a single one)
    latest_at: AwareDatetime  # the clinic's clock when the latest of them arrived
    # The figures behind the latest rule event (e.g. {"total": 21, "threshold": 20});
    # empty for a safety flag, which carries none.
    detail: dict[str, int | str | None] = {}
    # Who acknowledged it (the signed-in clinician), and what they wrote; null while open
    # (and the note for alerts acknowledged before notes were asked for).
    acknowledged_by: UUID | None = None
    acknowledged_by_name: Annotated[str, Field(max_length=120)] | None = None
    acknowledgement_note: str | None = None


class ClinicianAlertsResponse(_Response):
    alerts: list[ClinicianAlert]  # open first; most urgent (priority, then latest) first
    # Pass as `cursor` for the page after this one; null on the last page.
    next: str | None = None


# --- Measure results ------------------------------------------------------------------


class MeasureScores(_Response):
    """A measure's score: the total and its band (PHQ-9, GAD-7) or the subscales (BAM,
    which has no total). A score the measure does not have is null."""

    total: int | None = None
    band: str | None = None
    use: int | None = None
    risk: int | None = None
    protective: int | None = None


class ClinicianMeasureResult(_Response):
    """One stored measure result: the answers, the clinic's own score of them, and what
    the phone said the score was."""

    record_id: UUID
    version: int
    measure: Annotated[str, Field(max_length=8)]  # phq9, gad7 or bam
    answers: list[int]  # in item order (the BAM's item 7 slot: its highest substance code)
    substances: dict[str, int] = {}  # BAM item 7: days code per substance
    difficulty: int | None = None  # the unscored difficulty question, when the phone sent it
    recall_days: int | None = None  # the BAM's recall window, when the phone sent it
    completed_at: AwareDatetime | None  # the phone's clock; null if it sent no valid time
    received_at: AwareDatetime  # the clinic's clock
    # The clinic's score, from the answers; null for a result stored before the clinic
    # scored results (migration 0010), as is `mismatch`.
    score: MeasureScores | None
    phone_claim: MeasureScores  # only what the phone sent; the rest is null
    mismatch: bool | None  # the phone's claim differs from the clinic's score


class ClinicianMeasureResultsResponse(_Response):
    results: list[ClinicianMeasureResult]  # newest first
    next: str | None = None  # pass as `cursor` for the next page; null on the last page


# --- Publishing the schedule ----------------------------------------------------------

_SessionText = Annotated[str, Field(min_length=1, max_length=120)]
_MAX_SESSION_LENGTH = timedelta(hours=12)


class SessionDetails(_Request):
    """A session as a clinician writes it; every field is replaced on a change."""

    kind: SessionKind
    title: _SessionText
    starts_at: SaneDatetime
    ends_at: SaneDatetime
    location: Annotated[str, Field(min_length=1, max_length=200)]
    telehealth: StrictBool = False
    facilitator: _SessionText
    note: Annotated[str, Field(max_length=500)] | None = None

    @field_validator("title", "location", "facilitator", "note")
    @classmethod
    def _printable(cls, value: str | None) -> str | None:
        if value is not None and _CONTROL_CHARACTERS.search(value):
            raise PydanticCustomError("printable_text", "Text can only contain printable characters.")
        return value

    @model_validator(mode="after")
    def _ends_after_start(self) -> SessionDetails:
        if self.ends_at <= self.starts_at:
            raise PydanticCustomError("session_times", "A session must end after it starts.")
        if self.ends_at - self.starts_at > _MAX_SESSION_LENGTH:
            raise PydanticCustomError("session_times", "A session can last at most 12 hours.")
        return self


class SessionCreateRequest(SessionDetails):
    # None: a session of the whole program (every participant of the clinic sees it).
    participant_id: UUID | None = None


MEASURE_INTERVAL_MIN_DAYS = 1
MEASURE_INTERVAL_MAX_DAYS = 90
MeasureInterval = Annotated[StrictInt, Field(ge=MEASURE_INTERVAL_MIN_DAYS,
                                             le=MEASURE_INTERVAL_MAX_DAYS)]


class MeasureScheduleRequest(_Request):
    """How often the clinic's participants are asked to fill in each measure, in days.
    None (or left out) means the app's default for that measure."""

    phq9: MeasureInterval | None = None
    gad7: MeasureInterval | None = None
    bam: MeasureInterval | None = None


SUPPORT_RESPONSE_MIN_HOURS = 1
SUPPORT_RESPONSE_MAX_HOURS = 168  # a week
SupportResponseHours = Annotated[StrictInt, Field(ge=SUPPORT_RESPONSE_MIN_HOURS,
                                                  le=SUPPORT_RESPONSE_MAX_HOURS)]


class SupportResponseRequest(_Request):
    """Within how many hours the clinic answers a participant's "I need support" request,
    as the app tells the participant. `hours` must be given; null clears it (the app then
    states no time)."""

    hours: SupportResponseHours | None


class SessionCancelRequest(_Request):
    note: Annotated[str, Field(max_length=500)] | None = None  # shown to participants


class DeviceRevocationResponse(_Response):
    revoked_devices: int  # devices that were active and now are not


# --- Goals, aftercare plan, discharge -------------------------------------------------

_GoalText = Annotated[str, Field(min_length=1, max_length=200), PrintableLine]


class GoalStepWrite(_Request):
    text: _GoalText
    done: StrictBool = False


class TreatmentGoalWrite(_Request):
    """A goal as a clinician writes it. A change names the version it replaces; if the
    participant changed the goal since, the answer is 409 with the newest version."""

    title: _GoalText
    why_it_matters: Annotated[str, Field(max_length=1000), PrintableText] = ""
    steps: Annotated[list[GoalStepWrite], Field(max_length=MAX_GOAL_STEPS)] = []
    status: Literal["active", "achieved", "set_aside"] = "active"
    replaces_version: Annotated[int, Field(ge=1, le=MAX_RECORD_VERSION)] | None = None


_PlanItem = Annotated[str, Field(min_length=1, max_length=500), PrintableLine]
_PlanItems = Annotated[list[_PlanItem], Field(max_length=30)]


class SupportMeetingWrite(_Request):
    name: Annotated[str, Field(min_length=1, max_length=120), PrintableLine]
    weekday: Weekday
    time: Annotated[str, Field(max_length=5)]
    place: Annotated[str, Field(max_length=200), PrintableLine] = ""

    @field_validator("time")
    @classmethod
    def _clock_time(cls, value: str) -> str:
        if not _CLOCK_TIME.match(value):
            raise PydanticCustomError("clock_time", "'time' must be a 24-hour time like 18:30.")
        return value


class AftercarePlanWrite(_Request):
    """The aftercare plan as a clinician writes it (every section is replaced)."""

    continuing_care: _PlanItems = []
    support_meetings: Annotated[list[SupportMeetingWrite], Field(max_length=20)] = []
    medication_follow_up: _PlanItems = []
    people_to_call: _PlanItems = []
    if_warning_signs_return: _PlanItems = []
    replaces_version: Annotated[int, Field(ge=1, le=MAX_RECORD_VERSION)] | None = None


class SharedRecordView(_Response):
    """The newest version of a shared record, for the clinician."""

    id: UUID
    kind: Annotated[str, Field(max_length=32)]
    version: int
    author: RecordAuthor
    saved_at: AwareDatetime  # when the clinic stored this version
    payload: dict[str, Any]


class GoalRatingView(_Response):
    goal_id: UUID
    week_of: date
    rating: int
    note: str


class ClinicianGoalsResponse(_Response):
    goals: list[SharedRecordView]
    ratings: list[GoalRatingView]  # newest week first


class DischargeRequest(_Request):
    discharged_on: SaneDate


class RecordConflictBody(_Response):
    """409 from a clinician write: the participant changed the record meanwhile."""

    detail: str
    latest: SharedRecordView


# --- Homework and module assignments --------------------------------------------------


class HomeworkWrite(_Request):
    title: Annotated[str, Field(min_length=1, max_length=120), PrintableLine]
    instructions: Annotated[str, Field(max_length=2000), PrintableText] = ""
    due_on: SaneDate | None = None
    module_id: ModuleId | None = None
    exercise_id: ExerciseId | None = None  # a practice exercise in the app's library


class ModuleAssignmentWrite(_Request):
    module_id: ModuleId
    note: Annotated[str, Field(max_length=500), PrintableText] | None = None
    due_on: SaneDate | None = None


class HomeworkView(HomeworkAssignment):
    """An assignment with what the participant said about it."""

    done_on: date | None = None
    note: str = ""


class ModuleAssignmentView(ModuleAssignment):
    read_on: date | None = None


class ClinicianHomeworkResponse(_Response):
    homework: list[HomeworkView]  # newest first
    modules: list[ModuleAssignmentView]  # newest first
