"""The clinic's own score of every measure result it receives, and the clinician's list.

The app scores a PHQ-9, GAD-7 or BAM and sends the score with the answers. The clinic
does not take the phone's word for it: it scores the answers again with the very
functions the app uses (`domain/measures.py`) and keeps its score beside what the phone
claimed (`MeasureScore`), marking a disagreement (`mismatch`). The stored record stays
exactly what the phone sent. Answers that cannot be scored (a wrong number of answers, an
answer out of range, answers that contradict each other) are refused with the reason, as
any invalid record is (`UnscorableAnswers`).

What the phone may claim: `total` and `band` (PHQ-9, GAD-7); the BAM has no total, and
its subscales (`use`, `risk`, `protective`) would be compared the same way if a phone
sent them. A claim the phone did not make is not a mismatch; a claim of a score the
measure does not have (a BAM total) is.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from iop_companion.clinic.models import MeasureScore, ParticipantRecord
from iop_companion.domain.measures import (
    BAM_FORM_RECALL_DAYS,
    BAM_ITEM_COUNT,
    BAM_SUBSTANCE_ITEM,
    GAD7_ITEM_COUNT,
    PHQ9_ITEM_COUNT,
    MeasureError,
    MeasureId,
    difficulty_code,
    score_bam,
    score_gad7,
    score_phq9,
)
from iop_companion.sync.protocol import RecordKind

# The scores a result can carry, in the order they are compared.
SCORE_FIELDS = ("total", "band", "use", "risk", "protective")

_NAMES = {MeasureId.PHQ9: "PHQ-9", MeasureId.GAD7: "GAD-7", MeasureId.BAM: "BAM"}
_COUNTS = {MeasureId.PHQ9: PHQ9_ITEM_COUNT, MeasureId.GAD7: GAD7_ITEM_COUNT,
           MeasureId.BAM: BAM_ITEM_COUNT}
# Why an answer cannot be scored, in words (MeasureError's fixed reason codes).
_WHY = {
    MeasureError.MISSING: "is missing",
    MeasureError.NOT_AN_INTEGER: "is not a whole number",
    MeasureError.OUT_OF_RANGE: "is not one of the question's answers",
    MeasureError.NOT_A_MAPPING: "must give days per substance",
    MeasureError.UNKNOWN_SUBSTANCE: "names a substance the BAM does not ask about",
}
_FIELDS = {"difficulty": "the difficulty answer", "recall_days": "a recall window",
           "substances": "days per substance"}
_CONTRADICTIONS = {
    "item_5": "answer 5 (heavy-drinking days) is above answer 4 (drinking days)",
    "item_7": "a substance in answer 7 has more days than answer 6 (days of any drug use)",
}


class UnscorableAnswers(ValueError):
    """The answers cannot be scored; the message says why, for people, and never repeats
    an answer (they are health data)."""


@dataclass(frozen=True)
class ClinicScore:
    """The clinic's score of one result, and how it compares with the phone's claim."""

    measure: MeasureId
    scores: dict[str, int | str | None]  # every SCORE_FIELDS key; None where it has none
    claimed: dict[str, Any]  # the scores the phone sent, as sent
    mismatch: bool


def score_result(payload: Mapping[str, Any]) -> ClinicScore:
    """Score a measure result's answers (a payload already valid for its kind).

    Raises `UnscorableAnswers` when the answers cannot be scored."""
    measure = MeasureId(payload["measure"])
    try:
        scores = _scores(measure, payload)
    except MeasureError as error:
        raise UnscorableAnswers(_reason(measure, error)) from None
    claimed = {name: payload[name] for name in SCORE_FIELDS if payload.get(name) is not None}
    mismatch = any(scores[name] != value for name, value in claimed.items())
    return ClinicScore(measure, scores, claimed, mismatch)


def _scores(measure: MeasureId, payload: Mapping[str, Any]) -> dict[str, int | str | None]:
    answers = list(payload["answers"])
    substances = payload.get("substances") or {}
    scores: dict[str, int | str | None] = dict.fromkeys(SCORE_FIELDS)
    if measure is MeasureId.BAM:
        if payload.get("difficulty") is not None:
            raise MeasureError("difficulty", MeasureError.NOT_ASKED)
        # Item 7 travels as a mapping beside the answers; its slot in the list is a
        # summary (the highest substance code), only checked for range below.
        scorable = [substances if number == BAM_SUBSTANCE_ITEM else answer
                    for number, answer in enumerate(answers, start=1)]
        bam = score_bam(scorable, recall_days=payload.get("recall_days", BAM_FORM_RECALL_DAYS))
        if answers[BAM_SUBSTANCE_ITEM - 1] not in range(5):
            raise MeasureError(f"item_{BAM_SUBSTANCE_ITEM}", MeasureError.OUT_OF_RANGE)
        scores.update(use=bam.use, risk=bam.risk, protective=bam.protective)
        return scores
    if substances:
        raise MeasureError("substances", MeasureError.NOT_ASKED)
    if payload.get("recall_days") is not None:
        raise MeasureError("recall_days", MeasureError.NOT_ASKED)
    difficulty_code(payload.get("difficulty"))
    result = score_phq9(answers) if measure is MeasureId.PHQ9 else score_gad7(answers)
    scores.update(total=result.total, band=result.band.value)
    return scores


def _reason(measure: MeasureId, error: MeasureError) -> str:
    name = _NAMES[measure]
    start = f"These {name} answers cannot be scored: "
    if error.reason in (MeasureError.WRONG_COUNT, MeasureError.NOT_A_SEQUENCE):
        return f"{start}a {name} has {_COUNTS[measure]} answers."
    if error.reason == MeasureError.INCONSISTENT:
        return start + _CONTRADICTIONS.get(error.field, "the answers contradict each other") + "."
    if error.reason == MeasureError.NOT_ASKED:
        return f"{start}{_FIELDS.get(error.field, error.field)} is not part of the {name}."
    if error.field == "recall_days":
        return f"{start}the recall window must be 7 or 30 days."
    what = error.field.replace("item_", "answer ")
    return f"{start}{_FIELDS.get(what, what)} {_WHY.get(error.reason, 'is not valid')}."


def store_score(db: Session, stored: ParticipantRecord, score: ClinicScore,
                now: datetime) -> MeasureScore:
    """Add the clinic's score of a stored version to the caller's transaction."""
    row = MeasureScore(
        server_seq=stored.server_seq,
        measure=score.measure.value,
        total=score.scores["total"],
        band=score.scores["band"],
        bam_use=score.scores["use"],
        bam_risk=score.scores["risk"],
        bam_protective=score.scores["protective"],
        claimed=dict(score.claimed),
        mismatch=score.mismatch,
        scored_at=now,
    )
    db.add(row)
    return row


@dataclass(frozen=True)
class MeasureResultPage:
    # Each stored version with the clinic's score (None: stored before migration 0010).
    results: list[tuple[ParticipantRecord, MeasureScore | None]]
    next_before: int | None  # the server_seq the next page starts below; None at the end


def measure_result_page(db: Session, participant_id: uuid.UUID, before: int | None,
                        limit: int) -> MeasureResultPage:
    """The participant's measure results, newest first (by the clinic's sequence, not the
    phone's clock), `limit` at a time, starting below `before`."""
    query = (
        select(ParticipantRecord, MeasureScore)
        .outerjoin(MeasureScore, MeasureScore.server_seq == ParticipantRecord.server_seq)
        .where(ParticipantRecord.participant_id == participant_id,
               ParticipantRecord.kind == RecordKind.MEASURE_RESULT)
        .order_by(ParticipantRecord.server_seq.desc())
        .limit(limit + 1)
    )
    if before is not None:
        query = query.where(ParticipantRecord.server_seq < before)
    rows = [(record, score) for record, score in db.execute(query)]
    more = len(rows) > limit
    rows = rows[:limit]
    return MeasureResultPage(rows, rows[-1][0].server_seq if more else None)
