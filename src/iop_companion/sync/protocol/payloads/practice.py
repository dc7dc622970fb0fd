"""A practice session: one run of an exercise (breathing, urge surfing, grounding...),
how long it lasted, and the optional 0-10 ratings before and after; and how the clinic
shows them to a clinician.

One record per session. Rating "after" once the session is saved is a new version of
the same record.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
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

from iop_companion.sync.protocol.common import TIME_RANGE_MESSAGE, _Response, time_in_range
from iop_companion.sync.protocol.payloads.base import _StoredRecordPayload, _uuid_text

# The same rule as content/exercises.py (a test keeps them equal).
EXERCISE_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,63}$"
MAX_SESSION_MINUTES = 60
RATING_MAX = 10

Rating = Annotated[StrictInt, Field(ge=0, le=RATING_MAX)]


class PracticeSessionPayload(_StoredRecordPayload):
    """One session of a practice exercise."""

    exercise_id: Annotated[StrictStr, Field(pattern=EXERCISE_ID_PATTERN)]
    started_at: Annotated[StrictStr, Field(max_length=40)]  # ISO 8601 with its offset
    planned_minutes: Annotated[StrictInt, Field(ge=1, le=MAX_SESSION_MINUTES)]
    seconds_completed: Annotated[StrictInt, Field(ge=0, le=MAX_SESSION_MINUTES * 60)]
    ended_early: StrictBool
    # What the ratings measured: distress for most exercises, craving for urge surfing.
    rating_kind: Literal["distress", "craving"] = "distress"
    rating_before: Rating | None = None
    rating_after: Rating | None = None
    homework_id: Annotated[StrictStr, Field(max_length=64)] | None = None  # done with it

    @field_validator("started_at")
    @classmethod
    def _aware_time(cls, value: str) -> str:
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise PydanticCustomError("iso_timestamp", "must be an ISO 8601 time") from None
        if moment.utcoffset() is None:
            raise PydanticCustomError("iso_timestamp", "must include a timezone")
        if not time_in_range(moment):
            raise PydanticCustomError("time_range", TIME_RANGE_MESSAGE)
        return value

    @field_validator("homework_id")
    @classmethod
    def _homework_uuid(cls, value: str | None) -> str | None:
        return None if value is None else _uuid_text(value)

    @model_validator(mode="after")
    def _within_plan(self) -> PracticeSessionPayload:
        if self.seconds_completed > self.planned_minutes * 60:
            raise PydanticCustomError(
                "practice_time", "seconds_completed cannot be more than the planned minutes")
        return self


class PracticeSessionView(_Response):
    """One session as the clinic shows it (the newest version of its record)."""

    record_id: UUID
    version: int
    exercise_id: str
    started_at: AwareDatetime | None
    planned_minutes: int
    seconds_completed: int
    minutes_completed: float  # seconds_completed / 60, to one decimal
    ended_early: bool
    rating_kind: str
    rating_before: int | None
    rating_after: int | None
    homework_id: UUID | None
    received_at: AwareDatetime


class PracticeSessionsResponse(_Response):
    practice_sessions: list[PracticeSessionView]  # the latest started first
    # Minutes practised in the 7 days up to the request (to one decimal).
    minutes_last_7_days: float
