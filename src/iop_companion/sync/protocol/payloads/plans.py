"""Plans: relapse prevention, safety, a lapse review and aftercare."""

# Every class here is a pydantic model, which copies a mutable default for each
# instance; ruff cannot tell through a base class imported from another module.
# ruff: noqa: RUF012

from __future__ import annotations

import re
from typing import Annotated, Literal
from uuid import UUID, uuid5

from pydantic import Field, StrictStr, field_validator
from pydantic_core import PydanticCustomError

from iop_companion.sync.protocol.common import PrintableLine, PrintableText
from iop_companion.sync.protocol.payloads.base import (
    _iso_date_text,
    _Payload,
    _StoredRecordPayload,
)

# Like the clinic's own plan items (clinician.py): one line of printable text.
ListItem = Annotated[StrictStr, Field(min_length=1, max_length=500), PrintableLine]

ItemList = Annotated[list[ListItem], Field(max_length=30)]


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
    most_important: Annotated[StrictStr, Field(max_length=1000), PrintableText] = ""


class LapseReviewPayload(_StoredRecordPayload):
    """A guided look back after a reported use: what happened and what comes next."""

    happened_on: Annotated[StrictStr, Field(max_length=10)]  # ISO date, the device's day
    what_happened: Annotated[StrictStr, Field(max_length=2000), PrintableText] = ""
    what_helped: Annotated[StrictStr, Field(max_length=2000), PrintableText] = ""
    do_differently: Annotated[StrictStr, Field(max_length=2000), PrintableText] = ""
    who_i_will_tell: Annotated[StrictStr, Field(max_length=500), PrintableText] = ""

    @field_validator("happened_on")
    @classmethod
    def _iso_date(cls, value: str) -> str:
        return _iso_date_text(value)


Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_CLOCK_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class SupportMeeting(_Payload):
    """A support-group meeting the participant means to go to after the program."""

    name: Annotated[StrictStr, Field(min_length=1, max_length=120), PrintableLine]
    weekday: Weekday
    time: Annotated[StrictStr, Field(max_length=5)]  # 24-hour "HH:MM", local time
    place: Annotated[StrictStr, Field(max_length=200), PrintableLine] = ""

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


_AFTERCARE_NAMESPACE = UUID("5b7f3c2e-8d1a-4f6b-9c3e-2a1d4e6f8b90")


def aftercare_plan_id(participant_id: UUID) -> UUID:
    """A participant has one aftercare plan, which the app and the clinic may both start.

    Its id is derived from the participant, so two first versions written at the same
    time are two versions of one record (a conflict the participant resolves), never
    two plans.
    """
    return uuid5(_AFTERCARE_NAMESPACE, f"aftercare:{participant_id}")
