"""Treatment goals and the participant's weekly rating of each."""

# Every class here is a pydantic model, which copies a mutable default for each
# instance; ruff cannot tell through a base class imported from another module.
# ruff: noqa: RUF012

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Field, StrictBool, StrictInt, StrictStr, field_validator
from pydantic_core import PydanticCustomError

from iop_companion.sync.protocol.common import PrintableLine, PrintableText
from iop_companion.sync.protocol.payloads.base import (
    _iso_date_text,
    _Payload,
    _StoredRecordPayload,
    _uuid_text,
)

GOAL_STATUSES = ("active", "achieved", "set_aside")
MAX_GOAL_STEPS = 12
GOAL_RATING_MAX = 10


class GoalStep(_Payload):
    text: Annotated[StrictStr, Field(min_length=1, max_length=200), PrintableLine]
    done: StrictBool = False


class TreatmentGoalPayload(_StoredRecordPayload):
    """One goal agreed with the therapist (or set by the participant), in small steps."""

    title: Annotated[StrictStr, Field(min_length=1, max_length=200), PrintableLine]
    why_it_matters: Annotated[StrictStr, Field(max_length=1000), PrintableText] = ""
    steps: Annotated[list[GoalStep], Field(max_length=MAX_GOAL_STEPS)] = []
    status: Literal["active", "achieved", "set_aside"] = "active"


class GoalRatingPayload(_StoredRecordPayload):
    """The participant's own rating of a goal's progress for one week (0: none, 10: done).

    One record per goal and week; rating the same week again is a new version of it.
    """

    goal_id: Annotated[StrictStr, Field(max_length=64)]
    week_of: Annotated[StrictStr, Field(max_length=10)]  # ISO date of that week's Monday
    rating: Annotated[StrictInt, Field(ge=0, le=GOAL_RATING_MAX)]
    note: Annotated[StrictStr, Field(max_length=500), PrintableText] = ""

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
