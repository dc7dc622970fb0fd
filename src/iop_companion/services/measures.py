"""Questionnaires: which are due, scoring and keeping a result, and the safety rule."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from iop_companion.domain.measures import (
    DEFAULT_SCHEDULES,
    GAD7,
    PHQ9,
    Gad7Result,
    MeasureId,
    MeasureSpec,
    Phq9Result,
    result_summary_key,
    score_gad7,
    score_phq9,
)
from iop_companion.domain.safety import safety_triggers_for_phq9
from iop_companion.services.safety import raise_safety_flag
from iop_companion.store import Store

SELF_REPORT_MEASURES: dict[MeasureId, MeasureSpec] = {MeasureId.PHQ9: PHQ9, MeasureId.GAD7: GAD7}


@dataclass(frozen=True)
class MeasureDue:
    measure: MeasureId
    spec: MeasureSpec
    last_completed: datetime | None
    due: bool


@dataclass(frozen=True)
class MeasureOutcome:
    summary_key: str
    total: int
    start_safety_flow: bool


def measures_due(store: Store, now: datetime) -> list[MeasureDue]:
    """PHQ-9 and GAD-7 with when they were last done and whether they are due now."""
    found = []
    for measure, spec in SELF_REPORT_MEASURES.items():
        latest = store.measures.list_recent(measure.value, limit=1)
        last = datetime.fromisoformat(latest[0]["created_at"]) if latest else None
        found.append(MeasureDue(measure, spec, last,
                                DEFAULT_SCHEDULES[measure].is_due(last, now)))
    return found


def complete_measure(store: Store, measure: MeasureId, answers: list[int],
                     now: datetime) -> MeasureOutcome:
    """Score and keep the answers; a PHQ-9 item 9 above 0 queues a safety flag first."""
    result: Phq9Result | Gad7Result = (score_phq9(answers) if measure is MeasureId.PHQ9
                                       else score_gad7(answers))
    triggers = safety_triggers_for_phq9(result) if isinstance(result, Phq9Result) else []
    for trigger in triggers:
        # Before anything is saved or shown: the flag must not depend on what follows.
        raise_safety_flag(store, trigger, now)
    store.measures.add({"measure": measure.value, "answers": list(result.items),
                        "total": result.total, "band": result.band.value})
    return MeasureOutcome(result_summary_key(result), result.total, bool(triggers))
