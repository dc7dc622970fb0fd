"""Wire models shared by the app and the clinic server (protocol version 1).

Requests are strict (unknown fields rejected, lengths bounded, timestamps must carry
a timezone) because they are the server's attack surface. Responses ignore unknown
fields so that an older app keeps working when a newer server adds one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any, Literal
from uuid import UUID, uuid5

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

PROTOCOL_VERSION = 1

# Enrolment codes are read aloud and typed from a screen or a printout, so the
# alphabet leaves out characters that look alike (0/O, 1/I).
ENROLMENT_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
ENROLMENT_CODE_LENGTH = 8
ENROLMENT_CODE_EXAMPLE = "ABCD-2345"

_CODE_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015]+")  # spaces, hyphens and dashes
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
# Multi-line text may keep its line breaks and tabs; nothing else invisible.
_CONTROL_EXCEPT_LINES = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _printable_line(value: str) -> str:
    if _CONTROL_CHARACTERS.search(value):
        raise PydanticCustomError("printable_text", "Text can only contain printable characters.")
    return value


def _printable_text(value: str) -> str:
    if _CONTROL_EXCEPT_LINES.search(value):
        raise PydanticCustomError("printable_text", "Text can only contain printable characters.")
    return value


# What clinicians write for a participant's app: the app stores text only if it is
# printable, and one item it cannot store would hold up every later pull.
PrintableLine = AfterValidator(_printable_line)
PrintableText = AfterValidator(_printable_text)

ClinicText = Annotated[str, Field(max_length=400)]
ShortText = Annotated[str, Field(max_length=120)]


class SessionKind(StrEnum):
    """The kinds of session an IOP schedule holds (SAMHSA TIP 47)."""

    GROUP = "group"
    INDIVIDUAL = "individual"
    FAMILY = "family"
    MEDICATION = "medication"
    WORKSHOP = "workshop"
    HOLISTIC = "holistic"
    CASE_MANAGEMENT = "case_management"


class SessionStatus(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class ConsentScope(StrEnum):
    """What a participant can consent to share with a family member (42 CFR Part 2).

    Responses carry scopes as plain strings, so an older app tolerates a newer scope.
    """

    EDUCATION = "education"


def normalise_enrolment_code(typed: str) -> str:
    """Return the canonical form of a code as a person typed it ("abcd 2345" -> "ABCD2345").

    Raises ValueError with a message fit to show next to the input field.
    """
    return _normalise_code(
        typed,
        f"An enrolment code has {ENROLMENT_CODE_LENGTH} letters and numbers, "
        f"like {ENROLMENT_CODE_EXAMPLE}. Check the code from your clinic and try again.",
    )


def normalise_invite_code(typed: str) -> str:
    """Like `normalise_enrolment_code`, for a family invite code (same format, same rules)."""
    return _normalise_code(
        typed,
        f"An invite code has {ENROLMENT_CODE_LENGTH} letters and numbers, "
        f"like {ENROLMENT_CODE_EXAMPLE}. Check the code you were given and try again.",
    )


def _normalise_code(typed: str, problem: str) -> str:
    code = _CODE_SEPARATORS.sub("", typed).upper()
    if len(code) != ENROLMENT_CODE_LENGTH or any(c not in ENROLMENT_CODE_ALPHABET for c in code):
        raise ValueError(problem)
    return code


def format_enrolment_code(code: str) -> str:
    """Show a canonical code the way people read it: "ABCD2345" -> "ABCD-2345"."""
    half = ENROLMENT_CODE_LENGTH // 2
    return f"{code[:half]}-{code[half:]}"


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class _Response(BaseModel):
    model_config = ConfigDict(extra="ignore")


class EnrolmentRequest(_Request):
    """Sent once by a new device, with the code the clinic showed the participant."""

    code: Annotated[str, Field(min_length=1, max_length=32)]
    device_label: Annotated[str, Field(min_length=1, max_length=80)]

    @field_validator("code")
    @classmethod
    def _canonical_code(cls, typed: str) -> str:
        try:
            return normalise_enrolment_code(typed)
        except ValueError as error:
            # A custom error type keeps the message free of pydantic's "Value error," prefix.
            raise PydanticCustomError("enrolment_code", str(error)) from None

    @field_validator("device_label")
    @classmethod
    def _printable_label(cls, label: str) -> str:
        if _CONTROL_CHARACTERS.search(label):
            raise PydanticCustomError(
                "printable_text", "The device name can only contain printable characters."
            )
        return label


class FamilyJoinRequest(_Request):
    """Sent once by a family member's app, with the invite code the participant passed on."""

    code: Annotated[str, Field(min_length=1, max_length=32)]
    # How the family member is named to the participant and the clinic ("Mum", "Sam").
    display_name: Annotated[str, Field(min_length=1, max_length=80)]

    @field_validator("code")
    @classmethod
    def _canonical_code(cls, typed: str) -> str:
        try:
            return normalise_invite_code(typed)
        except ValueError as error:
            raise PydanticCustomError("invite_code", str(error)) from None

    @field_validator("display_name")
    @classmethod
    def _printable_name(cls, name: str) -> str:
        if _CONTROL_CHARACTERS.search(name):
            raise PydanticCustomError(
                "printable_text", "The name can only contain printable characters."
            )
        return name


class HealthResponse(_Response):
    status: Literal["ok"]
    protocol_version: int


class ClinicProfile(_Response):
    id: UUID
    name: ShortText
    address: ClinicText
    phone: Annotated[str, Field(max_length=40)]
    crisis_line: Annotated[str, Field(max_length=40)]
    timezone: Annotated[str, Field(max_length=64)]  # IANA name, e.g. "America/Chicago"
    # The clinic's own schedule for the self-report measures, in days ("phq9", "gad7",
    # "bam"); a measure left out keeps the app's default (PHQ-9/GAD-7 14, BAM 7).
    measure_interval_days: dict[Annotated[str, Field(max_length=16)], int] = {}
    # The clinic's stated response time to a participant's "I need support" request, in
    # hours (1 to 168); None: the clinic has not stated one.
    support_response_hours: int | None = None


class ParticipantProfile(_Response):
    participant_id: UUID
    display_name: Annotated[str, Field(max_length=80)]
    clinic: ClinicProfile
    program_start: date | None
    program_end: date | None
    discharged_on: date | None = None


_TokenText = Annotated[str, Field(min_length=32, max_length=200)]


class TokenPair(_Response):
    """A short-lived access token for participant routes and a single-use refresh token.

    The only time the server sends either; it keeps just their hashes. The lifetime
    is relative (seconds), so a phone whose clock is wrong still knows when to refresh.
    """

    access_token: _TokenText
    access_expires_in: Annotated[int, Field(ge=1)]  # seconds from when the reply was sent
    refresh_token: _TokenText


class EnrolmentResponse(ParticipantProfile, TokenPair):
    pass


class TokenRefreshRequest(_Request):
    """Exchange a refresh token for a new pair; the presented token then stops working."""

    refresh_token: Annotated[str, Field(min_length=1, max_length=200)]


class ScheduledSession(_Response):
    id: UUID
    kind: SessionKind
    title: ShortText
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    location: Annotated[str, Field(max_length=200)]
    telehealth: bool
    facilitator: ShortText
    status: SessionStatus
    note: Annotated[str, Field(max_length=500)] | None


class ScheduleResponse(_Response):
    sessions: list[ScheduledSession]
    server_time: AwareDatetime


class FamilyJoinResponse(_Response):
    # The only time the server ever sends this token; it keeps just a hash. It opens
    # the family routes only, never a participant's.
    family_token: Annotated[str, Field(min_length=32, max_length=200)]
    family_member_id: UUID
    display_name: Annotated[str, Field(max_length=80)]
    participant_first_name: Annotated[str, Field(max_length=80)]
    clinic: ClinicProfile
    # The consented scopes (ConsentScope values); strings so new scopes do not break old apps.
    shared_scope: list[Annotated[str, Field(max_length=32)]]


class SharedModule(_Response):
    """An education module the participant shares with their family."""

    id: UUID
    title: ShortText
    summary: ClinicText


class FamilySharedResponse(_Response):
    """What a family member may see: education only, never logs, check-ins or notes."""

    participant_first_name: Annotated[str, Field(max_length=80)]
    clinic: ClinicProfile
    modules: list[SharedModule]


class ErrorBody(_Response):
    """Every error the server returns has this shape; `detail` is written for people."""

    detail: str


def describe_validation_errors(errors: Iterable[Mapping[str, Any]], limit: int = 3) -> str:
    """Turn pydantic/FastAPI validation errors into one sentence a person can act on.

    Never echoes the rejected values: they may hold health data or an enrolment code.
    """
    sentences: list[str] = []
    for error in errors:
        sentence = _describe_one_error(error)
        if sentence not in sentences:
            sentences.append(sentence)
        if len(sentences) == limit:
            break
    return " ".join(sentences) or "The request was not valid."


def _describe_one_error(error: Mapping[str, Any]) -> str:
    kind = str(error.get("type", ""))
    location = [str(part) for part in error.get("loc", ()) if part not in ("body", "query")]
    field = ".".join(part[:40] for part in location if not part.isdigit()) or "request"
    context = error.get("ctx") or {}
    if kind == "json_invalid":
        return "The request body is not valid JSON."
    if kind in ("model_attributes_type", "model_type", "dict_type") and field == "request":
        return "The request body must be a JSON object."
    if kind == "missing":
        if field == "request":
            return "The request body is missing; send a JSON object."
        return f"'{field}' is required."
    if kind == "extra_forbidden":
        return f"'{field}' is not a field this server accepts."
    if kind == "string_too_long":
        return f"'{field}' can be at most {context.get('max_length')} characters."
    if kind == "string_too_short":
        return f"'{field}' cannot be empty."
    if kind in ("enrolment_code", "invite_code", "printable_text", "version_chain",
                "session_times", "clock_time"):
        return str(error.get("msg"))
    return f"'{field}': {error.get('msg', 'is not valid')}."


# --- Push sync (app -> clinic) -------------------------------------------------------

MAX_PUSH_RECORDS = 100
MAX_RECORD_VERSION = 10_000
MAX_PAYLOAD_BYTES = 16 * 1024
SAFETY_FLAG_PRIORITY = 100


class RecordKind(StrEnum):
    CHECK_IN = "check_in"
    SAFETY_FLAG = "safety_flag"
    MEASURE_RESULT = "measure_result"
    RELAPSE_PLAN = "relapse_plan"
    SAFETY_PLAN = "safety_plan"
    LAPSE_REVIEW = "lapse_review"
    TREATMENT_GOAL = "treatment_goal"
    GOAL_RATING = "goal_rating"
    AFTERCARE_PLAN = "aftercare_plan"
    HOMEWORK_DONE = "homework_done"
    MODULE_READ = "module_read"


# Records the participant and the clinic both write. Every stored version of one of
# these (whoever wrote it) is also published on the pull feed, under the change kind
# of the same name, so each side sees the other's edits (see `RecordVersion`).
SHARED_RECORD_KINDS = frozenset({RecordKind.TREATMENT_GOAL, RecordKind.AFTERCARE_PLAN})

_AFTERCARE_NAMESPACE = UUID("5b7f3c2e-8d1a-4f6b-9c3e-2a1d4e6f8b90")


def aftercare_plan_id(participant_id: UUID) -> UUID:
    """A participant has one aftercare plan, which the app and the clinic may both start.

    Its id is derived from the participant, so two first versions written at the same
    time are two versions of one record (a conflict the participant resolves), never
    two plans.
    """
    return uuid5(_AFTERCARE_NAMESPACE, f"aftercare:{participant_id}")


class SafetyTrigger(StrEnum):
    """What made the app raise a safety flag (each one becomes an alert for the clinic)."""

    PHQ9_ITEM9 = "phq9_item9"
    CHECK_IN_SELF_HARM = "check_in_self_harm"
    DIARY_CARD_SELF_HARM = "diary_card_self_harm"
    PARTICIPANT_REQUEST = "participant_request"


class PushRecord(_Request):
    """One version of one record, frozen once queued (security Y2).

    The envelope is checked when the request is read (a malformed one refuses the
    whole batch with 422); the payload is checked per record by `payload_problem`,
    so one bad record is REJECTED while the rest of its batch is stored.
    """

    id: UUID  # client-generated record id: the record's only identity for sync
    kind: RecordKind
    version: Annotated[int, Field(ge=1, le=MAX_RECORD_VERSION)]
    # The version this edit replaces (None for version 1).
    replaces_version: Annotated[int, Field(ge=1, le=MAX_RECORD_VERSION)] | None
    created_at: AwareDatetime  # device clock: recorded, never trusted for ordering
    priority: Annotated[int, Field(ge=0, le=100)] = 0  # safety flags use 100
    payload: dict[str, Any]

    @model_validator(mode="after")
    def _version_chain(self) -> PushRecord:
        if self.version == 1 and self.replaces_version is not None:
            raise PydanticCustomError(
                "version_chain", "Version 1 of a record cannot replace another version."
            )
        if self.version > 1 and (
            self.replaces_version is None or self.replaces_version >= self.version
        ):
            raise PydanticCustomError(
                "version_chain", "A later version must name an earlier version it replaces."
            )
        return self


class PushRequest(_Request):
    records: Annotated[list[PushRecord], Field(min_length=1, max_length=MAX_PUSH_RECORDS)]


class PushOutcome(StrEnum):
    STORED = "stored"  # committed now, with a new server_seq
    DUPLICATE = "duplicate"  # already stored with this content: the original server_seq
    CONFLICT = "conflict"  # never overwritten: different content, or a stale base version
    REJECTED = "rejected"  # the payload is not valid for its kind; do not resend as is


class PushResult(_Response):
    id: UUID
    version: int
    outcome: PushOutcome
    reason: str | None = None  # for people; never repeats the record's values
    server_seq: int | None = None
    # With a CONFLICT over a record's versions: the newest version the clinic holds,
    # so the app can offer "keep mine" (a new version on top of it) or "use theirs".
    latest_version: int | None = None
    latest_payload: dict[str, Any] | None = None


class PushResponse(_Response):
    results: list[PushResult]
    # Changes when the clinic's database is restored from a backup (security Y6).
    server_epoch: str


class _Payload(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SafetyFlagPayload(_Payload):
    trigger: SafetyTrigger


_ISO_TIMESTAMP_MAX = 40


def _uuid_text(value: str) -> str:
    """`value` if it is a UUID written as text (ids inside payloads travel as text)."""
    try:
        UUID(value)
    except ValueError:
        raise PydanticCustomError("uuid_text", "must be a UUID") from None
    return value


ListItem = Annotated[StrictStr, Field(min_length=1, max_length=500)]
ShortList = Annotated[list[Annotated[StrictStr, Field(min_length=1, max_length=120)]],
                      Field(max_length=30)]
ItemList = Annotated[list[ListItem], Field(max_length=30)]


class _StoredRecordPayload(_Payload):
    """The envelope every app record carries (store/records.py) as it travels."""

    id: Annotated[StrictStr, Field(max_length=64)] | None = None
    created_at: Annotated[StrictStr, Field(max_length=_ISO_TIMESTAMP_MAX)] | None = None
    updated_at: Annotated[StrictStr, Field(max_length=_ISO_TIMESTAMP_MAX)] | None = None
    schema_version: Annotated[StrictInt, Field(ge=1, le=1000)] | None = None

    @field_validator("id")
    @classmethod
    def _uuid_text(cls, value: str | None) -> str | None:
        return None if value is None else _uuid_text(value)

    @field_validator("created_at", "updated_at")
    @classmethod
    def _aware_iso_timestamp(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                moment = datetime.fromisoformat(value)
            except ValueError:
                raise PydanticCustomError("iso_timestamp", "must be an ISO 8601 time") from None
            if moment.utcoffset() is None:
                raise PydanticCustomError("iso_timestamp", "must include a timezone") from None
        return value


class CheckInPayload(_StoredRecordPayload):
    """The app's daily check-in."""

    # null = not answered (the app never pre-chooses a number); the key is required.
    mood: Annotated[StrictInt, Field(ge=0, le=10)] | None
    craving: Annotated[StrictInt, Field(ge=0, le=10)] | None
    sleep_hours: Annotated[StrictInt | StrictFloat, Field(ge=0, le=24)]
    sleep_quality: Literal["poor", "fair", "good"]
    medications: Literal["yes", "no", "not_applicable"]
    used_since_last: StrictBool
    substance: Annotated[StrictStr, Field(max_length=120)] | None = None
    note: Annotated[StrictStr, Field(max_length=2000)] = ""
    thoughts_of_self_harm: StrictBool = False
    # Chosen from the participant's own relapse-prevention plan (or typed on the day).
    triggers: ShortList = []
    warning_signs: ShortList = []
    skills_used: ShortList = []


class MeasureResultPayload(_StoredRecordPayload):
    """A completed PHQ-9, GAD-7 or BAM: the answers and the score the app computed.

    The clinic re-scores from the answers; the app's total is kept to spot a mismatch.
    """

    measure: Literal["phq9", "gad7", "bam"]
    answers: Annotated[list[Annotated[StrictInt, Field(ge=0, le=30)]],
                       Field(min_length=1, max_length=17)]
    total: Annotated[StrictInt, Field(ge=0, le=200)] | None = None
    band: Annotated[StrictStr, Field(max_length=40)] | None = None
    completed_at: Annotated[StrictStr, Field(max_length=_ISO_TIMESTAMP_MAX)]
    # BAM item 7: days of use per substance (substance key -> 0..4 answer code).
    substances: dict[Annotated[str, Field(max_length=40)],
                     Annotated[StrictInt, Field(ge=0, le=4)]] = {}


class RelapsePlanPayload(_StoredRecordPayload):
    """My relapse-prevention plan (SAMHSA TIP 47; Marlatt and Gordon)."""

    triggers: ItemList = []
    warning_signs_emotional: ItemList = []
    warning_signs_mental: ItemList = []
    warning_signs_physical: ItemList = []
    high_risk_situations: ItemList = []
    coping_strategies: ItemList = []
    people_to_call: ItemList = []
    reasons_for_recovery: ItemList = []


class SafetyPlanPayload(_StoredRecordPayload):
    """My safety plan (Stanley-Brown), shared with the clinic when the participant chooses."""

    warning_signs: ItemList = []
    coping_strategies: ItemList = []
    distractions: ItemList = []
    people_to_ask: ItemList = []
    professionals: ItemList = []
    safe_environment: ItemList = []
    most_important: Annotated[StrictStr, Field(max_length=1000)] = ""


class LapseReviewPayload(_StoredRecordPayload):
    """A guided look back after a reported use: what happened and what comes next."""

    happened_on: Annotated[StrictStr, Field(max_length=10)]  # ISO date, the device's day
    what_happened: Annotated[StrictStr, Field(max_length=2000)] = ""
    what_helped: Annotated[StrictStr, Field(max_length=2000)] = ""
    do_differently: Annotated[StrictStr, Field(max_length=2000)] = ""
    who_i_will_tell: Annotated[StrictStr, Field(max_length=500)] = ""

    @field_validator("happened_on")
    @classmethod
    def _iso_date(cls, value: str) -> str:
        return _iso_date_text(value)


def _iso_date_text(value: str) -> str:
    try:
        date.fromisoformat(value)
    except ValueError:
        raise PydanticCustomError("iso_date", "must be a date like 2026-11-22") from None
    return value


GOAL_STATUSES = ("active", "achieved", "set_aside")
MAX_GOAL_STEPS = 12
GOAL_RATING_MAX = 10


class GoalStep(_Payload):
    text: Annotated[StrictStr, Field(min_length=1, max_length=200)]
    done: StrictBool = False


class TreatmentGoalPayload(_StoredRecordPayload):
    """One goal agreed with the therapist (or set by the participant), in small steps."""

    title: Annotated[StrictStr, Field(min_length=1, max_length=200)]
    why_it_matters: Annotated[StrictStr, Field(max_length=1000)] = ""
    steps: Annotated[list[GoalStep], Field(max_length=MAX_GOAL_STEPS)] = []
    status: Literal["active", "achieved", "set_aside"] = "active"


class GoalRatingPayload(_StoredRecordPayload):
    """The participant's own rating of a goal's progress for one week (0: none, 10: done).

    One record per goal and week; rating the same week again is a new version of it.
    """

    goal_id: Annotated[StrictStr, Field(max_length=64)]
    week_of: Annotated[StrictStr, Field(max_length=10)]  # ISO date of that week's Monday
    rating: Annotated[StrictInt, Field(ge=0, le=GOAL_RATING_MAX)]
    note: Annotated[StrictStr, Field(max_length=500)] = ""

    @field_validator("goal_id")
    @classmethod
    def _goal_uuid(cls, value: str) -> str:
        return _uuid_text(value)

    @field_validator("week_of")
    @classmethod
    def _monday(cls, value: str) -> str:
        _iso_date_text(value)
        if date.fromisoformat(value).weekday() != 0:
            raise PydanticCustomError("week_of", "must be the Monday that starts the week")
        return value


Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_CLOCK_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class SupportMeeting(_Payload):
    """A support-group meeting the participant means to go to after the program."""

    name: Annotated[StrictStr, Field(min_length=1, max_length=120)]
    weekday: Weekday
    time: Annotated[StrictStr, Field(max_length=5)]  # 24-hour "HH:MM", local time
    place: Annotated[StrictStr, Field(max_length=200)] = ""

    @field_validator("time")
    @classmethod
    def _clock_time(cls, value: str) -> str:
        if not _CLOCK_TIME.match(value):
            raise PydanticCustomError("clock_time", "'time' must be a 24-hour time like 18:30.")
        return value


class AftercarePlanPayload(_StoredRecordPayload):
    """The plan for after the program (SAMHSA TIP 47: continuing care), built with the clinic."""

    continuing_care: ItemList = []  # therapy, counselling, step-down care
    support_meetings: Annotated[list[SupportMeeting], Field(max_length=20)] = []
    medication_follow_up: ItemList = []
    people_to_call: ItemList = []
    if_warning_signs_return: ItemList = []


class _AssignmentAnswer(_StoredRecordPayload):
    assignment_id: Annotated[StrictStr, Field(max_length=64)]
    done_on: Annotated[StrictStr, Field(max_length=10)]  # ISO date, on the clinic's calendar

    @field_validator("assignment_id")
    @classmethod
    def _assignment_uuid(cls, value: str) -> str:
        return _uuid_text(value)

    @field_validator("done_on")
    @classmethod
    def _done_date(cls, value: str) -> str:
        return _iso_date_text(value)


class HomeworkDonePayload(_AssignmentAnswer):
    """The participant did a homework assignment (one record per assignment; doing it
    again, or saying it is not done after all, is a new version)."""

    done: StrictBool = True
    note: Annotated[StrictStr, Field(max_length=1000)] = ""


class ModuleReadPayload(_AssignmentAnswer):
    """The participant read an assigned module."""

    module_id: Annotated[StrictStr, Field(max_length=64)]


_ASSIGNMENT_ANSWER_NAMESPACE = UUID("0f6f0c1e-3a52-4b8e-9a57-6f1d2c7b8e41")


def assignment_answer_id(assignment_id: UUID | str) -> UUID:
    """The one record that answers an assignment: marking it again is a new version."""
    return uuid5(_ASSIGNMENT_ANSWER_NAMESPACE, f"answer:{assignment_id}")


_PAYLOAD_MODELS: dict[RecordKind, type[_Payload]] = {
    RecordKind.CHECK_IN: CheckInPayload,
    RecordKind.SAFETY_FLAG: SafetyFlagPayload,
    RecordKind.MEASURE_RESULT: MeasureResultPayload,
    RecordKind.RELAPSE_PLAN: RelapsePlanPayload,
    RecordKind.SAFETY_PLAN: SafetyPlanPayload,
    RecordKind.LAPSE_REVIEW: LapseReviewPayload,
    RecordKind.TREATMENT_GOAL: TreatmentGoalPayload,
    RecordKind.GOAL_RATING: GoalRatingPayload,
    RecordKind.AFTERCARE_PLAN: AftercarePlanPayload,
    RecordKind.HOMEWORK_DONE: HomeworkDonePayload,
    RecordKind.MODULE_READ: ModuleReadPayload,
}


def canonical_json(value: Any) -> str:
    """The one serialisation used for sizes and content hashes (sorted keys, no NaN)."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def payload_problem(kind: RecordKind, payload: Mapping[str, Any]) -> str | None:
    """Why `payload` is not a valid `kind` record, in words for people; None if it is.

    Never repeats the payload's values (they are health data).
    """
    try:
        size = len(canonical_json(payload).encode("utf-8"))
    except ValueError:  # NaN or Infinity somewhere (Python's JSON parser accepts them)
        return "The record holds a number that is not finite."
    except (TypeError, RecursionError):
        return "The record is not plain JSON data."
    if size > MAX_PAYLOAD_BYTES:
        return f"The record is larger than {MAX_PAYLOAD_BYTES // 1024} KiB."
    try:
        _PAYLOAD_MODELS[kind].model_validate(payload)
    except ValidationError as invalid:
        return describe_validation_errors(
            [{**error, "loc": ("payload", *error["loc"])} for error in invalid.errors()]
        )
    return None


class ClinicianSignInRequest(_Request):
    # Passwords are taken exactly as typed: no whitespace stripping.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)

    email: Annotated[str, Field(min_length=3, max_length=254)]
    password: Annotated[str, Field(min_length=1, max_length=1024)]


class ClinicianSessionResponse(_Response):
    # The only time the server sends this token; it keeps just a hash.
    access_token: Annotated[str, Field(min_length=32, max_length=200)]
    expires_at: AwareDatetime


class ClinicianAlert(_Response):
    id: UUID
    participant_id: UUID
    participant_name: Annotated[str, Field(max_length=80)]
    trigger: Annotated[str, Field(max_length=32)]  # a SafetyTrigger value
    priority: int
    raised_at: AwareDatetime  # the phone's clock when the flag was raised
    received_at: AwareDatetime  # the clinic's clock when it arrived
    acknowledged_at: AwareDatetime | None


class ClinicianAlertsResponse(_Response):
    alerts: list[ClinicianAlert]  # most urgent first


# --- Pull sync (clinic -> app) -------------------------------------------------------

MAX_CHANGES_PAGE = 500
DEFAULT_CHANGES_PAGE = 100
# Cursors are server sequence numbers (BIGINT); a bound keeps nonsense out of SQL.
MAX_CURSOR = 2**62


class ChangeKind(StrEnum):
    """What a published change is about. A new kind is added here with a data model in
    `CHANGE_DATA_MODELS`; the envelope (`Change`) stays as it is, and an older app
    skips (and remembers) a kind it does not know."""

    CLINIC_PROFILE = "clinic_profile"  # id: the clinic's id; data: ClinicProfile
    PROGRAM = "program"  # id: the participant's id; data: ProgramDetails
    SESSION = "session"  # id: the session's id; data: ScheduledSession (status says cancelled)
    # id: the record's id; data: RecordVersion (a version of a shared record)
    TREATMENT_GOAL = "treatment_goal"
    AFTERCARE_PLAN = "aftercare_plan"
    HOMEWORK = "homework"  # id: the assignment's id; data: HomeworkAssignment
    MODULE_ASSIGNMENT = "module_assignment"  # id: the assignment's id; data: ModuleAssignment
    CONSENT = "consent"  # id: the consent's id; data: ConsentNotice


class ProgramDetails(_Response):
    """The participant as the clinic knows them: the name to greet and the program dates."""

    display_name: Annotated[str, Field(max_length=80)]
    program_start: date | None
    program_end: date | None
    # Set when the clinic discharges the participant: from then on the app keeps
    # working for them but sends the clinic nothing new.
    discharged_on: date | None = None


class RecordAuthor(StrEnum):
    PARTICIPANT = "participant"
    CLINIC = "clinic"


class RecordVersion(_Response):
    """One stored version of a shared record (SHARED_RECORD_KINDS), as the feed carries it.

    `payload` is the record's content, valid for its kind (`payload_problem`).
    """

    version: Annotated[int, Field(ge=1)]
    replaces_version: Annotated[int, Field(ge=1)] | None
    author: RecordAuthor
    payload: dict[str, Any]


MODULE_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,63}$"
ModuleId = Annotated[str, Field(min_length=1, max_length=64, pattern=MODULE_ID_PATTERN)]


class AssignmentStatus(StrEnum):
    ASSIGNED = "assigned"
    WITHDRAWN = "withdrawn"  # the clinic took it back; the app stops showing it as to do


class HomeworkAssignment(_Response):
    """Practice between sessions, set by the care team (SAMHSA TIP 47: homework
    turns what is learned in group into skills)."""

    id: UUID
    title: ShortText
    instructions: Annotated[str, Field(max_length=2000)]
    due_on: date | None
    assigned_on: date
    module_id: Annotated[str, Field(max_length=64)] | None = None  # a module it goes with
    status: Annotated[str, Field(max_length=16)]  # an AssignmentStatus value


class ModuleAssignment(_Response):
    """A psychoeducation module from the app's library that the care team asks the
    participant to read."""

    id: UUID
    module_id: Annotated[str, Field(max_length=64)]  # the module's id in assets/modules
    note: Annotated[str, Field(max_length=500)] | None
    due_on: date | None
    assigned_on: date
    status: Annotated[str, Field(max_length=16)]  # an AssignmentStatus value


class ConsentNotice(_Response):
    """One consent the participant gave to share with a family member (42 CFR Part 2),
    as the clinic holds it now: what, with whom, until when, and whether it ended."""

    id: UUID
    scope: Annotated[str, Field(max_length=32)]  # a ConsentScope value
    recipient_name: Annotated[str, Field(max_length=80)]
    purpose: Annotated[str, Field(max_length=500)]
    granted_at: AwareDatetime
    expires_at: AwareDatetime | None
    revoked_at: AwareDatetime | None
    joined: bool  # the family member has connected their app with the invite
    # Until when the invite can be used (while not joined); None when there is none.
    invite_expires_at: AwareDatetime | None = None


CHANGE_DATA_MODELS: dict[ChangeKind, type[_Response]] = {
    ChangeKind.CLINIC_PROFILE: ClinicProfile,
    ChangeKind.PROGRAM: ProgramDetails,
    ChangeKind.SESSION: ScheduledSession,
    ChangeKind.TREATMENT_GOAL: RecordVersion,
    ChangeKind.AFTERCARE_PLAN: RecordVersion,
    ChangeKind.HOMEWORK: HomeworkAssignment,
    ChangeKind.MODULE_ASSIGNMENT: ModuleAssignment,
    ChangeKind.CONSENT: ConsentNotice,
}


class Change(_Response):
    """One published change, in server sequence order.

    `kind` is a plain string on purpose: an app that does not know a newer kind can
    still read the envelope, skip the change and remember it (see ClinicLink).
    `deleted` changes carry no data: the item `id` of `kind` is gone.
    """

    seq: Annotated[int, Field(ge=1)]
    kind: Annotated[str, Field(min_length=1, max_length=64)]
    id: Annotated[str, Field(min_length=1, max_length=64)]
    deleted: bool = False
    data: dict[str, Any] | None = None


class ChangesResponse(_Response):
    changes: list[Change]  # ascending seq
    # Ask for `after=next_cursor` next; save it only once this page has been applied.
    next_cursor: Annotated[int, Field(ge=0)]
    has_more: bool
    # Changes when the clinic's database is restored from a backup (security Y6).
    server_epoch: str


class UnknownChangeKind(Exception):
    """The change is of a kind this version of the app does not know."""


def change_data(change: Change) -> BaseModel:
    """The change's data as the model of its kind.

    Raises UnknownChangeKind for a kind this app does not know, and pydantic's
    ValidationError when the data does not fit its kind's model.
    """
    try:
        kind = ChangeKind(change.kind)
    except ValueError:
        raise UnknownChangeKind(change.kind[:64]) from None
    return CHANGE_DATA_MODELS[kind].model_validate(change.data or {})


# --- Clinician: publishing the schedule ------------------------------------------------

_SessionText = Annotated[str, Field(min_length=1, max_length=120)]
_MAX_SESSION_LENGTH = timedelta(hours=12)


class SessionDetails(_Request):
    """A session as a clinician writes it; every field is replaced on a change."""

    kind: SessionKind
    title: _SessionText
    starts_at: AwareDatetime
    ends_at: AwareDatetime
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


# --- Clinician: goals, aftercare plan, discharge ------------------------------------------

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
    discharged_on: date


class RecordConflictBody(_Response):
    """409 from a clinician write: the participant changed the record meanwhile."""

    detail: str
    latest: SharedRecordView


# --- Clinician: homework and module assignments -------------------------------------------


class HomeworkWrite(_Request):
    title: Annotated[str, Field(min_length=1, max_length=120), PrintableLine]
    instructions: Annotated[str, Field(max_length=2000), PrintableText] = ""
    due_on: date | None = None
    module_id: ModuleId | None = None


class ModuleAssignmentWrite(_Request):
    module_id: ModuleId
    note: Annotated[str, Field(max_length=500), PrintableText] | None = None
    due_on: date | None = None


class HomeworkView(HomeworkAssignment):
    """An assignment with what the participant said about it."""

    done_on: date | None = None
    note: str = ""


class ModuleAssignmentView(ModuleAssignment):
    read_on: date | None = None


class ClinicianHomeworkResponse(_Response):
    homework: list[HomeworkView]  # newest first
    modules: list[ModuleAssignmentView]  # newest first
