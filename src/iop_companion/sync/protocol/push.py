"""Push sync (app -> clinic): the envelope of a record version, the outcome of each
record, and the check of a record's payload against its kind.

A new record kind is a `RecordKind` value, a payload module in `payloads/`, and one
line in `_PAYLOAD_MODELS`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from enum import StrEnum
from typing import Annotated, Any
from uuid import UUID

from pydantic import AwareDatetime, Field, ValidationError, model_validator
from pydantic_core import PydanticCustomError

from iop_companion.sync.protocol.common import (
    TIME_RANGE_MESSAGE,
    _Request,
    _Response,
    describe_validation_errors,
    time_in_range,
)
from iop_companion.sync.protocol.payloads.assignments import (
    HomeworkDonePayload,
    ModuleReadPayload,
)
from iop_companion.sync.protocol.payloads.base import _Payload
from iop_companion.sync.protocol.payloads.check_ins import CheckInPayload, MeasureResultPayload
from iop_companion.sync.protocol.payloads.coping_logs import (
    DiaryCardPayload,
    ThoughtRecordPayload,
    UrgeLogPayload,
)
from iop_companion.sync.protocol.payloads.family import FamilyConfirmationPayload
from iop_companion.sync.protocol.payloads.goals import GoalRatingPayload, TreatmentGoalPayload
from iop_companion.sync.protocol.payloads.plans import (
    AftercarePlanPayload,
    LapseReviewPayload,
    RelapsePlanPayload,
    SafetyPlanPayload,
)
from iop_companion.sync.protocol.payloads.practice import PracticeSessionPayload
from iop_companion.sync.protocol.payloads.safety_flag import SafetyFlagPayload

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
    FAMILY_CONFIRMATION = "family_confirmation"  # is the person who joined the right one?
    PRACTICE_SESSION = "practice_session"  # one run of a practice exercise
    DIARY_CARD = "diary_card"  # coping-skill logs (payloads/coping_logs.py)
    THOUGHT_RECORD = "thought_record"
    URGE_LOG = "urge_log"


# Records the participant and the clinic both write. Every stored version of one of
# these (whoever wrote it) is also published on the pull feed, under the change kind
# of the same name, so each side sees the other's edits (see `RecordVersion`).
SHARED_RECORD_KINDS = frozenset({RecordKind.TREATMENT_GOAL, RecordKind.AFTERCARE_PLAN})


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
    # Device clock: recorded, never trusted for ordering. A time outside 2000-2100 is
    # refused per record (`record_problem`), not for the whole batch.
    created_at: AwareDatetime
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
    RecordKind.FAMILY_CONFIRMATION: FamilyConfirmationPayload,
    RecordKind.PRACTICE_SESSION: PracticeSessionPayload,
    RecordKind.DIARY_CARD: DiaryCardPayload,
    RecordKind.THOUGHT_RECORD: ThoughtRecordPayload,
    RecordKind.URGE_LOG: UrgeLogPayload,
}


def canonical_json(value: Any) -> str:
    """The one serialisation used for sizes and content hashes (sorted keys, no NaN)."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def record_problem(record: PushRecord) -> str | None:
    """Why the pushed `record` cannot be stored as it is, for people; None if it can."""
    if not time_in_range(record.created_at):
        return f"'created_at' {TIME_RANGE_MESSAGE}."
    return payload_problem(record.kind, record.payload)


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
