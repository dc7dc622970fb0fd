"""Coping-skill logs: the DBT diary card, the CBT thought record and the urge log (the
rules of domain/coping_logs.py, checked again by the clinic), and how the clinic shows
them to a clinician.

The app has no deletion of its records on the push protocol: deleting a log sends a new
version that holds only the envelope and ``"deleted": true`` (a tombstone); restoring it
(undo) is the next version, with its content again. Emotion and skill ids are checked by
pattern only: the clinic may change its diary card's emotions, and an app with a newer
skills list must not be refused by an older server.
"""

# Every class here is a pydantic model, which copies a mutable default for each
# instance; ruff cannot tell through a base class imported from another module.
# ruff: noqa: RUF012

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import (
    AwareDatetime,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from iop_companion.sync.protocol.common import (
    TIME_RANGE_MESSAGE,
    PrintableLine,
    PrintableText,
    _Response,
    time_in_range,
)
from iop_companion.sync.protocol.payloads.base import (
    _iso_date_text,
    _Payload,
    _StoredRecordPayload,
)

# The same rules as domain/coping_logs.py (tests/domain/test_coping_logs.py keeps them equal).
ID_PATTERN = r"^[a-z][a-z0-9_]{0,39}$"
MAX_RATINGS = 40
NOTE_MAX = 2000
SHORT_TEXT_MAX = 1000
PLACE_MAX = 200
LASTED_MINUTES_MAX = 1440
THINKING_TRAPS = ("all_or_nothing", "catastrophising", "mind_reading", "fortune_telling",
                  "should_statements", "labelling", "overgeneralising", "emotional_reasoning",
                  "discounting_the_positive", "personalising")
TRIGGER_CATEGORIES = ("people", "places", "feelings", "times", "things", "body")

_ID = re.compile(ID_PATTERN)
RatingId = Annotated[StrictStr, Field(pattern=ID_PATTERN)]
Note = Annotated[StrictStr, Field(max_length=NOTE_MAX), PrintableText]
ShortText = Annotated[StrictStr, Field(max_length=SHORT_TEXT_MAX), PrintableText]
Line = Annotated[StrictStr, Field(max_length=PLACE_MAX), PrintableLine]


def _aware_time_text(value: str) -> str:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise PydanticCustomError("iso_timestamp", "must be an ISO 8601 time") from None
    if moment.utcoffset() is None:
        raise PydanticCustomError("iso_timestamp", "must include a timezone")
    if not time_in_range(moment):
        raise PydanticCustomError("time_range", TIME_RANGE_MESSAGE)
    return value


class _CopingLogPayload(_StoredRecordPayload):
    """A log, or its tombstone (``deleted: true`` and nothing else)."""

    deleted: Literal[True] | None = None

    # The fields a live log must have (checked unless it is a tombstone).
    _required: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _live_or_tombstone(self) -> _CopingLogPayload:
        content = set(self.model_fields_set) - set(_StoredRecordPayload.model_fields) - {
            "deleted"}
        if self.deleted:
            if content:
                raise PydanticCustomError(
                    "tombstone", "A deleted log carries no content (found: {fields})",
                    {"fields": ", ".join(sorted(content))})
            return self
        missing = [name for name in self._required if getattr(self, name) is None]
        if missing:
            raise PydanticCustomError("missing_content", "A log needs {fields}",
                                      {"fields": ", ".join(missing)})
        return self


class DiaryUrge(_Payload):
    rating: Annotated[StrictInt, Field(ge=0, le=5)] | None
    acted_on: StrictBool


class DiaryUrges(_Payload):
    use: DiaryUrge
    self_harm: DiaryUrge
    suicide: DiaryUrge


class DiaryCardPayload(_CopingLogPayload):
    """One day's DBT diary card."""

    _required = ("day", "urges")

    day: Annotated[StrictStr, Field(max_length=10)] | None = None  # ISO date, the local day
    urges: DiaryUrges | None = None
    emotions: Annotated[dict[RatingId, Annotated[StrictInt, Field(ge=0, le=5)]],
                        Field(max_length=MAX_RATINGS)] = {}
    skills: Annotated[dict[RatingId, Annotated[StrictInt, Field(ge=0, le=7)]],
                      Field(max_length=MAX_RATINGS)] = {}
    # The participant's own targets, set by their care team, keyed by the target's id
    # (pull.DiaryTarget): each rated like an urge. Left out by cards without targets.
    targets: Annotated[dict[RatingId, DiaryUrge], Field(max_length=MAX_RATINGS)] = {}
    medications_taken: Literal["yes", "no", "partly"] | None = None
    note: Note = ""

    @field_validator("emotions", "skills", "targets", mode="before")
    @classmethod
    def _ids_first(cls, value: Any) -> Any:
        # Before the ratings are checked, so an error never quotes a key that is not an
        # id (it could be anything the person typed).
        if isinstance(value, dict) and not all(
                isinstance(key, str) and _ID.match(key) for key in value):
            raise PydanticCustomError("rating_id", "must use ids like 'wise_mind' as keys")
        return value

    @field_validator("day")
    @classmethod
    def _date(cls, value: str | None) -> str | None:
        return None if value is None else _iso_date_text(value)


class RatedEmotion(_Payload):
    name: Annotated[StrictStr, Field(min_length=1, max_length=60), PrintableLine]
    intensity: Annotated[StrictInt, Field(ge=0, le=100)]


class ThoughtRecordPayload(_CopingLogPayload):
    """A CBT thought record."""

    _required = ("occurred_at", "situation", "automatic_thought", "emotions")

    occurred_at: Annotated[StrictStr, Field(max_length=40)] | None = None
    situation: Annotated[StrictStr, Field(min_length=1, max_length=SHORT_TEXT_MAX),
                         PrintableText] | None = None
    automatic_thought: Annotated[StrictStr, Field(min_length=1, max_length=SHORT_TEXT_MAX),
                                 PrintableText] | None = None
    emotions: Annotated[list[RatedEmotion], Field(min_length=1, max_length=6)] | None = None
    evidence_for: Note = ""
    evidence_against: Note = ""
    thinking_traps: Annotated[list[Literal[THINKING_TRAPS]],  # type: ignore[valid-type]
                              Field(max_length=len(THINKING_TRAPS))] = []
    balanced_thought: ShortText = ""
    emotions_after: Annotated[list[RatedEmotion], Field(max_length=6)] = []

    @field_validator("occurred_at")
    @classmethod
    def _aware(cls, value: str | None) -> str | None:
        return None if value is None else _aware_time_text(value)

    @field_validator("thinking_traps")
    @classmethod
    def _each_once(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise PydanticCustomError("unique", "must name each thinking trap once")
        return value


class UrgeTrigger(_Payload):
    category: Literal[TRIGGER_CATEGORIES] | None = None  # type: ignore[valid-type]
    detail: Line = ""


class UrgeLogPayload(_CopingLogPayload):
    """One urge or craving, what set it off and what the person did."""

    _required = ("occurred_at", "intensity", "used")

    occurred_at: Annotated[StrictStr, Field(max_length=40)] | None = None
    intensity: Annotated[StrictInt, Field(ge=0, le=10)] | None = None
    trigger: UrgeTrigger = UrgeTrigger()
    where: Line = ""
    with_whom: Line = ""
    skills_used: Annotated[list[RatingId], Field(max_length=MAX_RATINGS)] = []
    what_i_did: Note = ""
    used: StrictBool | None = None
    intensity_after: Annotated[StrictInt, Field(ge=0, le=10)] | None = None
    lasted_minutes: Annotated[StrictInt, Field(ge=0, le=LASTED_MINUTES_MAX)] | None = None

    @field_validator("occurred_at")
    @classmethod
    def _aware(cls, value: str | None) -> str | None:
        return None if value is None else _aware_time_text(value)

    @field_validator("skills_used")
    @classmethod
    def _each_once(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise PydanticCustomError("unique", "must name each skill once")
        return value


# ------------------------------------------------------------------ what the clinic shows


class CopingLogView(_Response):
    """The newest version of one log, as the participant's app sent it (its content
    checked when it was pushed). Deleted logs are not listed."""

    record_id: UUID
    version: int
    content: dict[str, Any]  # the log's fields (see the payload models above)
    received_at: AwareDatetime
    # A diary card's targets by name: the label of each target id its `targets` rates
    # (those the care team has since taken off the list included).
    target_labels: dict[str, str] = {}


class CopingLogsPage(_Response):
    logs: list[CopingLogView]  # the most recently received first
    next: str | None  # pass as `cursor` for the next page; null on the last page
