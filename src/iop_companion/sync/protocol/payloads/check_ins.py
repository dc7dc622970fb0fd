"""Check-ins and measures: the daily check-in and completed PHQ-9, GAD-7 and BAM."""

# Every class here is a pydantic model, which copies a mutable default for each
# instance; ruff cannot tell through a base class imported from another module.
# ruff: noqa: RUF012

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StrictBool, StrictFloat, StrictInt, StrictStr

from iop_companion.sync.protocol.payloads.base import _ISO_TIMESTAMP_MAX, _StoredRecordPayload

ShortList = Annotated[list[Annotated[StrictStr, Field(min_length=1, max_length=120)]],
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
