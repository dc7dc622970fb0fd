"""Pull sync (clinic -> app): the change feed and the data of each kind of change.

A new kind of change is a `ChangeKind` value with its data model in
`CHANGE_DATA_MODELS`; the envelope (`Change`) stays as it is.
"""

# Every class here is a pydantic model, which copies a mutable default for each
# instance; ruff cannot tell through a base class imported from another module.
# ruff: noqa: RUF012

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Any
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, Field

from iop_companion.sync.protocol.common import ClinicText, ShortText, _Response

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
    # id: the participant's id; data: DiaryTargets (the whole list, as it stands now)
    DIARY_TARGETS = "diary_targets"


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
    # The emotions the clinic's diary card asks about, in order (ids of the app's
    # catalogue, DIARY_EMOTION_CATALOGUE); None: the app's default set. An app shows
    # the ids it can name and falls back to its default when it can name none.
    diary_emotions: list[Annotated[str, Field(max_length=40)]] | None = None


class ProgramDetails(_Response):
    """The participant as the clinic knows them: the name to greet and the program dates."""

    display_name: Annotated[str, Field(max_length=80)]
    program_start: date | None
    program_end: date | None
    # Set when the clinic discharges the participant: from then on the app keeps
    # working for them but sends the clinic nothing new.
    discharged_on: date | None = None


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
# A practice exercise's id in assets/exercises (content/exercises.py keeps the same rule).
ExerciseId = Annotated[str, Field(min_length=1, max_length=64, pattern=MODULE_ID_PATTERN)]


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
    # A practice exercise it asks for: the app opens it, and finishing it marks it done.
    exercise_id: Annotated[str, Field(max_length=64)] | None = None


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
    # Once joined: who joined (the name they typed, and their id for the participant's
    # answer) and whether the participant confirmed them (a ConsentConfirmation value;
    # nothing is shared while it is "awaiting_confirmation"). None before anyone joins,
    # and from clinics older than the confirmation step.
    joined_name: Annotated[str, Field(max_length=80)] | None = None
    family_member_id: UUID | None = None
    confirmation: Annotated[str, Field(max_length=32)] | None = None


# A diary-card target's id: the same rule as the card's other rating ids
# (payloads/coping_logs.ID_PATTERN), so the card can key its ratings by it.
DIARY_TARGET_ID_PATTERN = r"^[a-z][a-z0-9_]{0,39}$"
MAX_DIARY_TARGETS = 8
DIARY_TARGET_LABEL_MAX = 60


class DiaryTarget(_Response):
    """One target the care team set for the participant's diary card ("Skipped a meal"),
    rated on the card like an urge: 0 to 5, and whether they did it."""

    id: Annotated[str, Field(min_length=1, max_length=40, pattern=DIARY_TARGET_ID_PATTERN)]
    label: Annotated[str, Field(min_length=1, max_length=DIARY_TARGET_LABEL_MAX)]


class DiaryTargets(_Response):
    """The participant's diary-card targets as they stand now, in the order shown (none:
    the card has no targets section). A target taken off the list keeps its ratings on
    cards already saved."""

    targets: Annotated[list[DiaryTarget], Field(max_length=MAX_DIARY_TARGETS)] = []


CHANGE_DATA_MODELS: dict[ChangeKind, type[_Response]] = {
    ChangeKind.CLINIC_PROFILE: ClinicProfile,
    ChangeKind.PROGRAM: ProgramDetails,
    ChangeKind.SESSION: ScheduledSession,
    ChangeKind.TREATMENT_GOAL: RecordVersion,
    ChangeKind.AFTERCARE_PLAN: RecordVersion,
    ChangeKind.HOMEWORK: HomeworkAssignment,
    ChangeKind.MODULE_ASSIGNMENT: ModuleAssignment,
    ChangeKind.CONSENT: ConsentNotice,
    ChangeKind.DIARY_TARGETS: DiaryTargets,
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
