"""What clinicians send and are sent to run the program: participant groups, the
schedule as the clinic sees it (who attends, weekly series, local times), attendance,
the clinic's profile, assignments to a whole group, and the diary card's setup (the
clinic's emotions, one participant's targets).

None of this reaches the phones in a new shape: apps still get sessions as
`pull.ScheduledSession` (UTC times) and the clinic as `pull.ClinicProfile`.
"""

# Every class here is a pydantic model, which copies a mutable default for each
# instance; ruff cannot tell through a base class imported from another module.
# ruff: noqa: RUF012

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from functools import cache
from typing import Annotated, Literal
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import (
    AfterValidator,
    AwareDatetime,
    Field,
    StrictBool,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from iop_companion.sync.protocol.clinician import ModuleAssignmentView
from iop_companion.sync.protocol.clinician_alerts import AlertThresholdValues
from iop_companion.sync.protocol.common import (
    TIME_RANGE_MESSAGE,
    PrintableLine,
    PrintableText,
    SaneDate,
    _Request,
    _Response,
    time_in_range,
)
from iop_companion.sync.protocol.pull import (
    DIARY_TARGET_LABEL_MAX,
    MAX_DIARY_TARGETS,
    DiaryTarget,
    HomeworkAssignment,
    ModuleAssignment,
    ScheduledSession,
    SessionKind,
)

# --- Time zones ---------------------------------------------------------------------------

# Names in the zone database that are not places: a clinic must name where it is.
_NOT_PLACES = frozenset({"localtime", "posixrules", "Factory"})


@cache
def _known_zones() -> frozenset[str]:
    return frozenset(available_timezones()) - _NOT_PLACES


def is_time_zone_name(name: str) -> bool:
    """Whether `name` is an IANA time zone this server knows ("America/Chicago")."""
    if name not in _known_zones():
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _time_zone_name(value: str) -> str:
    if not is_time_zone_name(value):
        raise PydanticCustomError(
            "time_zone", "must be an IANA time zone name such as 'America/Chicago'")
    return value


TimeZoneName = Annotated[str, Field(min_length=1, max_length=64),
                         AfterValidator(_time_zone_name)]

# --- Groups -------------------------------------------------------------------------------

GROUP_NAME_MAX = 80
GroupName = Annotated[str, Field(min_length=1, max_length=GROUP_NAME_MAX), PrintableLine]


class GroupWrite(_Request):
    """A group's name ("Tuesday evening group"): unique among the clinic's groups that
    are not archived (compared ignoring case)."""

    name: GroupName


class GroupMemberAdd(_Request):
    participant_id: UUID


class GroupSummary(_Response):
    id: UUID
    name: str
    created_at: AwareDatetime
    archived_at: AwareDatetime | None  # archived groups take no new members or sessions
    member_count: int  # current members (discharged ones included until removed)


class GroupsResponse(_Response):
    groups: list[GroupSummary]  # by name; archived groups only when asked for


class GroupMemberView(_Response):
    participant_id: UUID
    display_name: str
    added_at: AwareDatetime
    discharged_on: date | None  # set once the participant is (or will be) discharged


class GroupView(GroupSummary):
    members: list[GroupMemberView]  # by name


# --- The schedule -------------------------------------------------------------------------

_SessionText = Annotated[str, Field(min_length=1, max_length=120), PrintableLine]
MAX_SESSION_LENGTH = timedelta(hours=12)
# A weekly repeat covers at most this long after the first session's day: 27 sessions.
MAX_REPEAT_WEEKS = 26


def _times_problem(message: str) -> PydanticCustomError:
    # "session_times" errors are shown to people word for word (describe_validation_errors).
    return PydanticCustomError("session_times", message)


class SessionWrite(_Request):
    """A session as a clinician writes it; every field is replaced on a change.

    Times are given either with their UTC offset ("2026-03-10T18:00:00-05:00"), or as
    the local clock time ("2026-03-10T18:00:00") with `timezone` naming the zone
    ("America/Chicago"), in which case the server works out the offset, daylight
    saving included. A local time that the clocks skip (the hour lost when daylight
    saving starts) is read with the offset before the change. `timezone` is also the
    zone a weekly repeat keeps its clock time in; without it, the clinic's zone is used.
    The clinic stores UTC and apps get UTC, as before.
    """

    kind: SessionKind
    title: _SessionText
    starts_at: datetime
    ends_at: datetime
    location: Annotated[str, Field(min_length=1, max_length=200), PrintableLine]
    telehealth: StrictBool = False
    facilitator: _SessionText
    note: Annotated[str, Field(max_length=500), PrintableLine] | None = None
    timezone: TimeZoneName | None = None

    @model_validator(mode="after")
    def _times(self) -> SessionWrite:
        naive = [time for time in (self.starts_at, self.ends_at) if time.utcoffset() is None]
        if naive and self.timezone is None:
            raise _times_problem(
                "Give each time with its UTC offset (like 2026-03-10T18:00:00-05:00), or "
                "give local times with 'timezone' (like America/Chicago).")
        if self.timezone is not None:
            zone = ZoneInfo(self.timezone)
            if self.starts_at.utcoffset() is None:
                self.starts_at = self.starts_at.replace(tzinfo=zone)
            if self.ends_at.utcoffset() is None:
                self.ends_at = self.ends_at.replace(tzinfo=zone)
        for name, time in (("starts_at", self.starts_at), ("ends_at", self.ends_at)):
            if not time_in_range(time):
                raise _times_problem(f"'{name}' {TIME_RANGE_MESSAGE}.")
        if self.ends_at <= self.starts_at:
            raise _times_problem("A session must end after it starts.")
        if self.ends_at - self.starts_at > MAX_SESSION_LENGTH:
            raise _times_problem("A session can last at most 12 hours.")
        return self


class ProgramSessionCreateRequest(SessionWrite):
    """A new session and who attends: one participant (`participant_id`), one group
    (`group_id`), or, with neither, the whole program.

    `repeat_weekly_until`: also make one session a week, at the same local clock time,
    up to and including that day (at most 26 weeks after the first session's day); the
    sessions share a `series_id`, and each is changed or cancelled on its own."""

    participant_id: UUID | None = None
    group_id: UUID | None = None
    repeat_weekly_until: SaneDate | None = None

    @model_validator(mode="after")
    def _one_audience(self) -> ProgramSessionCreateRequest:
        if self.participant_id is not None and self.group_id is not None:
            raise _times_problem(
                "A session is for one participant, one group, or (with neither) the whole "
                "program: give 'participant_id' or 'group_id', not both.")
        return self


class SessionAudience(_Response):
    """Who a session is for."""

    kind: Literal["participant", "group", "program"]
    participant_id: UUID | None = None
    group_id: UUID | None = None
    # The participant's name, the group's name, or "Whole program".
    name: str


class ProgramSessionView(ScheduledSession):
    """A session as the clinic sees it: what apps get, and who attends, its series and
    its local times."""

    audience: SessionAudience
    series_id: UUID | None = None  # shared by the occurrences of a weekly repeat
    # The zone its times were written in (the clinic's for sessions older than zones).
    timezone: str
    starts_at_local: AwareDatetime  # `starts_at` in `timezone`
    ends_at_local: AwareDatetime


class SessionCreatedResponse(ProgramSessionView):
    """The session created (the first, for a weekly repeat) and every occurrence."""

    occurrences: list[ProgramSessionView]  # in order; just this one unless repeated


DEFAULT_SCHEDULE_DAYS_BEFORE = 7
DEFAULT_SCHEDULE_DAYS_AFTER = 28
MAX_SCHEDULE_DAYS = 366
MAX_SCHEDULE_SESSIONS = 500


class ScheduleListResponse(_Response):
    from_day: date  # the clinic's calendar days, both included
    to_day: date
    timezone: str  # the clinic's zone, which the days are in
    sessions: list[ProgramSessionView]  # oldest first (newest last), cancelled included
    # More sessions fall in the span than one answer holds (500): ask for a shorter one.
    truncated: bool = False


class SessionSeriesCancelRequest(_Request):
    note: Annotated[str, Field(max_length=500), PrintableLine] | None = None  # shown to apps


class SessionsCancelledResponse(_Response):
    # This occurrence and the later ones of its series that were still on (in order).
    cancelled: list[ProgramSessionView]


# --- Attendance ---------------------------------------------------------------------------

AttendanceStatusName = Literal["attended", "missed", "excused"]


class AttendanceWrite(_Request):
    """`excused`: absent with the clinic's agreement; never counted as missed."""

    status: AttendanceStatusName


class AttendeeView(_Response):
    participant_id: UUID
    display_name: str
    status: AttendanceStatusName | None  # null: not recorded yet
    recorded_at: AwareDatetime | None = None
    recorded_by: UUID | None = None
    recorded_by_name: str | None = None


class SessionAttendanceResponse(_Response):
    session: ProgramSessionView
    # Who is expected (the participant; the group's current members; the program's
    # participants in their program that day), and anyone recorded already; by name.
    attendees: list[AttendeeView]


class AttendanceRecordedResponse(AttendeeView):
    # The missed-sessions alert this recording opened or added to; null if none.
    alert_id: UUID | None = None


# --- The clinic's profile -----------------------------------------------------------------

_PHONE_CHARACTERS = re.compile(r"^[0-9+()\-. ]+$")
MIN_PHONE_DIGITS = 3  # 988, 911 and 112 are the shortest numbers anyone calls


def _phone_number(value: str) -> str:
    if not _PHONE_CHARACTERS.match(value):
        raise PydanticCustomError(
            "phone_number", "can only hold digits, spaces and the characters + ( ) - .")
    if sum(character.isdigit() for character in value) < MIN_PHONE_DIGITS:
        raise PydanticCustomError("phone_number", "must hold a number of at least 3 digits")
    return value


PhoneNumber = Annotated[str, Field(min_length=1, max_length=40), AfterValidator(_phone_number)]


class ClinicProfileWrite(_Request):
    """The clinic's name, address, phone and crisis numbers and time zone (all
    replaced). Sent to every participant's app: the crisis line is the number the
    app's crisis screen offers beside 988."""

    name: Annotated[str, Field(min_length=1, max_length=120), PrintableLine]
    address: Annotated[str, Field(min_length=1, max_length=400), PrintableText]
    phone: PhoneNumber
    crisis_line: PhoneNumber
    timezone: TimeZoneName


class ClinicSettingsView(_Response):
    """The clinic's profile (as apps get it) with the settings that stay on the server."""

    id: UUID
    name: str
    address: str
    phone: str
    crisis_line: str
    timezone: str
    measure_interval_days: dict[str, int] = {}  # only the measures the clinic set
    support_response_hours: int | None = None
    diary_emotions: list[str] | None = None  # None: the app's default set
    alert_thresholds: AlertThresholdValues  # what the clinic's rules use now


# --- The diary card -----------------------------------------------------------------------

# The emotions the app can name in every language (domain/coping_logs.DIARY_EMOTIONS has
# the same ids; tests/domain/test_diary_targets.py keeps them equal).
DIARY_EMOTION_CATALOGUE = ("sadness", "anger", "fear", "shame", "joy", "guilt", "anxiety",
                           "loneliness", "hope", "pride", "love", "disgust", "boredom",
                           "jealousy", "calm")
MIN_DIARY_EMOTIONS, MAX_DIARY_EMOTIONS = 1, 12
DiaryEmotionId = Literal[DIARY_EMOTION_CATALOGUE]  # type: ignore[valid-type]


class DiaryEmotionsRequest(_Request):
    """The emotions the clinic's diary card asks about, in the order the app shows them:
    1 to 12 ids of `DIARY_EMOTION_CATALOGUE`, each once. `emotions` must be given; null
    goes back to the app's default set (sadness, anger, fear, shame, joy)."""

    emotions: Annotated[list[DiaryEmotionId], Field(min_length=MIN_DIARY_EMOTIONS,
                                                    max_length=MAX_DIARY_EMOTIONS)] | None

    @field_validator("emotions")
    @classmethod
    def _each_once(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and len(set(value)) != len(value):
            raise PydanticCustomError("unique", "must name each emotion once")
        return value


DiaryTargetLabel = Annotated[str, Field(min_length=1, max_length=DIARY_TARGET_LABEL_MAX),
                             PrintableLine]


def fold_label(label: str) -> str:
    """What makes two targets the same one: case and spacing aside."""
    return " ".join(label.casefold().split())


class DiaryTargetWrite(_Request):
    label: DiaryTargetLabel  # plain words, one line: "Skipped a meal"


class DiaryTargetsWrite(_Request):
    """The participant's diary-card targets, replacing the list: up to 8, each once
    (case and spacing aside), in the order the card shows them. A target whose label is
    unchanged keeps its id; a removed one leaves new cards, and old cards keep its
    ratings. An empty list takes the targets section off the card."""

    targets: Annotated[list[DiaryTargetWrite], Field(max_length=MAX_DIARY_TARGETS)]

    @field_validator("targets")
    @classmethod
    def _each_once(cls, value: list[DiaryTargetWrite]) -> list[DiaryTargetWrite]:
        folded = [fold_label(target.label) for target in value]
        if len(set(folded)) != len(folded):
            raise PydanticCustomError("unique", "must name each target once")
        return value


class DiaryTargetsView(_Response):
    participant_id: UUID
    targets: list[DiaryTarget]  # in the order the card shows them
    updated_at: AwareDatetime | None  # the last change of the list; None: never set


# --- Assignments to a group ---------------------------------------------------------------


class SkippedMember(_Response):
    participant_id: UUID
    display_name: str
    reason: str  # for people: why nothing was assigned to them


class GroupHomeworkItem(_Response):
    participant_id: UUID
    display_name: str
    homework: HomeworkAssignment


class GroupHomeworkResponse(_Response):
    group_id: UUID
    assigned: list[GroupHomeworkItem]  # one assignment per current member, by name
    skipped: list[SkippedMember] = []  # discharged members get nothing new


class GroupModuleItem(_Response):
    participant_id: UUID
    display_name: str
    assignment: ModuleAssignment


class GroupModulesResponse(_Response):
    group_id: UUID
    assigned: list[GroupModuleItem]
    skipped: list[SkippedMember] = []


class ModuleAssignmentsResponse(_Response):
    modules: list[ModuleAssignmentView]  # newest first, with the day they read it
