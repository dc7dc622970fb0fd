"""Check-ins and measures: the daily check-in and completed PHQ-9, GAD-7 and BAM."""

# Every class here is a pydantic model, which copies a mutable default for each
# instance; ruff cannot tell through a base class imported from another module.
# ruff: noqa: RUF012

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from iop_companion.sync.protocol.common import PrintableLine, PrintableText
from iop_companion.sync.protocol.payloads.base import _ISO_TIMESTAMP_MAX, _StoredRecordPayload

ShortList = Annotated[list[Annotated[StrictStr, Field(min_length=1, max_length=120),
                                     PrintableLine]],
                      Field(max_length=30)]


class CheckInPayload(_StoredRecordPayload):
    """The app's daily check-in."""

    # null = not answered (the app never pre-chooses a number); the key is required.
    mood: Annotated[StrictInt, Field(ge=0, le=10)] | None
    craving: Annotated[StrictInt, Field(ge=0, le=10)] | None
    sleep_hours: Annotated[StrictInt | StrictFloat, Field(ge=0, le=24)]
    sleep_quality: Literal["poor", "fair", "good"]
    medications: Literal["yes", "no", "not_applicable"]
    used_since_last: StrictBool
    substance: Annotated[StrictStr, Field(max_length=120), PrintableLine] | None = None
    note: Annotated[StrictStr, Field(max_length=2000), PrintableText] = ""
    thoughts_of_self_harm: StrictBool = False
    # Chosen from the participant's own relapse-prevention plan (or typed on the day).
    triggers: ShortList = []
    warning_signs: ShortList = []
    skills_used: ShortList = []


class MeasureResultPayload(_StoredRecordPayload):
    """A completed PHQ-9, GAD-7 or BAM: the answers and the score the app computed.

    The clinic scores the answers again with the same domain functions
    (clinic/measures.py) and keeps the app's total beside its own to mark a mismatch.
    """

    measure: Literal["phq9", "gad7", "bam"]
    answers: Annotated[list[Annotated[StrictInt, Field(ge=0, le=30)]],
                       Field(min_length=1, max_length=17)]
    total: Annotated[StrictInt, Field(ge=0, le=200)] | None = None
    band: Annotated[StrictStr, Field(max_length=40), PrintableLine] | None = None
    completed_at: Annotated[StrictStr, Field(max_length=_ISO_TIMESTAMP_MAX)]
    # BAM item 7: days of use per substance (substance key -> 0..4 answer code).
    substances: dict[Annotated[str, Field(max_length=40), PrintableLine],
                     Annotated[StrictInt, Field(ge=0, le=4)]] = {}
    # PHQ-9 / GAD-7: the unscored difficulty question, 0 "Not difficult at all" to
    # 3 "Extremely difficult"; optional (left out or null: not answered, or an app from
    # before it was asked).
    difficulty: Annotated[StrictInt, Field(ge=0, le=3)] | None = None
    # BAM: the days its questions asked about, 7 (weekly) or 30 (the form's own); left
    # out by apps from before the weekly window, whose BAM asked about 30 days.
    recall_days: Literal[7, 30] | None = None

    @field_validator("recall_days", mode="before")
    @classmethod
    def _whole_days(cls, value: object) -> object:
        # A Literal alone lets 7.0 through; like every other number here, strict.
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise PydanticCustomError("recall_days", "must be 7 or 30")
        return value

    @model_validator(mode="after")
    def _extras_belong_to_their_measure(self) -> MeasureResultPayload:
        if self.difficulty is not None and self.measure == "bam":
            raise PydanticCustomError("difficulty_not_asked",
                                      "the BAM has no difficulty question")
        if self.recall_days is not None and self.measure != "bam":
            raise PydanticCustomError("recall_days_not_bam",
                                      "only a BAM has a recall window to send")
        return self
