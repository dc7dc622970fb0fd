"""Questionnaires: which are due, scoring and keeping a result, the safety rule, and
queueing each result for the clinic."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from iop_companion.domain.measures import (
    BAM,
    BAM_ITEM_COUNT,
    BAM_SUBSTANCE_ITEM,
    GAD7,
    PHQ9,
    BamResult,
    Gad7Result,
    MeasureError,
    MeasureId,
    MeasureSpec,
    Phq9Result,
    bam_recall_days,
    bam_spec,
    difficulty_code,
    result_summary_key,
    schedule_for,
    score_bam,
    score_gad7,
    score_phq9,
)
from iop_companion.domain.safety import SafetyTrigger, safety_triggers_for_phq9
from iop_companion.services.care_status import clinic_receives_data
from iop_companion.services.clinic_link import ClinicLink
from iop_companion.services.errors import SaveFailed
from iop_companion.services.safety import WRITE_TRIES, SafetyFlagOutcome, raise_safety_flag
from iop_companion.store import Store, StoreError
from iop_companion.sync.protocol import RecordKind

# In the order Today lists them. The BAM here is the form's own (30 days): what a
# participant is asked is `measure_spec` (its window follows the schedule).
SELF_REPORT_MEASURES: dict[MeasureId, MeasureSpec] = {
    MeasureId.PHQ9: PHQ9, MeasureId.GAD7: GAD7, MeasureId.BAM: BAM}

OUTBOX_KIND = RecordKind.MEASURE_RESULT.value

# Where a clinic's own measure intervals are read from: the mapping
# {"phq9": 14, "gad7": 14, "bam": 7} in the clinic profile the pull feed brings
# (ClinicProfile.measure_interval_days; set by clinic staff).
CLINIC_INTERVALS_FIELD = "measure_interval_days"
MAX_CLINIC_INTERVAL_DAYS = 365

# The PHQ-9 question about thoughts of being better off dead or of self-harm.
PHQ9_SAFETY_ITEM = 9

Answer = int | Mapping[str, int]
MeasureResult = Phq9Result | Gad7Result | BamResult


@dataclass(frozen=True)
class MeasureDue:
    measure: MeasureId
    spec: MeasureSpec
    last_completed: datetime | None
    due: bool
    next_due: datetime | None  # None until it has been done once (due at once)


@dataclass(frozen=True)
class MeasureOutcome:
    summary_key: str
    total: int | None  # None for the BAM, which has no total
    start_safety_flow: bool
    bam: BamResult | None = None
    # The flag this call raised; None when none was due or the form had raised it already.
    flag: SafetyFlagOutcome | None = None


class MeasureNotSaved(SaveFailed):
    """The phone did not keep the result, or kept it but could not queue it for the
    clinic. The safety rule holds either way: when the answers call for the safety
    flow, `start_safety_flow` says so, and `flag` is the flag this call raised (written
    before the result was tried). `kept` is the outcome when the result itself was
    kept on the phone and only queueing it failed (None when nothing was kept)."""

    def __init__(self, message: str, *, start_safety_flow: bool,
                 flag: SafetyFlagOutcome | None = None,
                 kept: MeasureOutcome | None = None) -> None:
        super().__init__(message)
        self.start_safety_flow = start_safety_flow
        self.flag = flag
        self.kept = kept


def phq9_item9_trigger(measure: MeasureId, item9: int | None) -> SafetyTrigger | None:
    """The trigger for one PHQ-9 item 9 answer on its own, the moment it is chosen:
    any answer above "not at all" (0). Unanswered (None) is not a trigger."""
    if measure is not MeasureId.PHQ9 or item9 is None or isinstance(item9, bool):
        return None
    return SafetyTrigger.PHQ9_ITEM9 if item9 > 0 else None


def clinic_interval_days(store: Store) -> dict[MeasureId, int]:
    """The clinic's own interval per measure, where its stored profile sets a valid one."""
    profile = ClinicLink.profile(store) or {}
    configured = profile.get(CLINIC_INTERVALS_FIELD)
    if not isinstance(configured, Mapping):
        return {}
    intervals: dict[MeasureId, int] = {}
    for measure in SELF_REPORT_MEASURES:
        days = configured.get(measure.value)
        # A bad value from the clinic falls back to the default rather than hiding a measure.
        if isinstance(days, int) and not isinstance(days, bool) \
                and 1 <= days <= MAX_CLINIC_INTERVAL_DAYS:
            intervals[measure] = days
    return intervals


def _spec_for(measure: MeasureId, interval_days: int) -> MeasureSpec:
    if measure is MeasureId.BAM:
        return bam_spec(bam_recall_days(interval_days))
    return SELF_REPORT_MEASURES[measure]


def measure_spec(store: Store, measure: MeasureId) -> MeasureSpec:
    """The questionnaire as the participant gets it now. For the BAM that is the recall
    window matching its schedule: the past 7 days when given weekly (the default) or at
    any interval under 30 days, the form's 30 days from a 30-day interval up."""
    return _spec_for(measure, schedule_for(measure, clinic_interval_days(store).get(measure))
                     .interval_days)


def measures_due(store: Store, now: datetime) -> list[MeasureDue]:
    """PHQ-9, GAD-7 and BAM with when they were last done and whether they are due now."""
    intervals = clinic_interval_days(store)
    found = []
    for measure in SELF_REPORT_MEASURES:
        schedule = schedule_for(measure, intervals.get(measure))
        latest = store.measures.list_recent(measure.value, limit=1)
        last = datetime.fromisoformat(latest[0]["created_at"]) if latest else None
        found.append(MeasureDue(measure, _spec_for(measure, schedule.interval_days), last,
                                schedule.is_due(last, now),
                                schedule.due_at(last) if last else None))
    return found


def latest_results(store: Store) -> dict[MeasureId, dict[str, Any]]:
    """The newest stored result of each measure that has one."""
    found: dict[MeasureId, dict[str, Any]] = {}
    for measure in SELF_REPORT_MEASURES:
        latest = store.measures.list_recent(measure.value, limit=1)
        if latest:
            found[measure] = latest[0]
    return found


def complete_measure(store: Store, measure: MeasureId, answers: Sequence[Answer],
                     now: datetime, *, flag_already_raised: bool = False,
                     difficulty: int | None = None,
                     recall_days: int | None = None) -> MeasureOutcome:
    """Score and keep the answers, and queue them for the clinic while it receives data.

    A PHQ-9 item 9 above 0 queues a safety flag first, unless the form raised it
    already the moment item 9 was answered (`flag_already_raised`): one flag per form.
    The flag is always written before the result. For the BAM, answers[6] (item 7) is
    a mapping {substance id: days code}, and `recall_days` is the window the form asked
    about (left out: the window of its schedule now, see `measure_spec`).

    `difficulty` is the PHQ-9 / GAD-7 difficulty answer (0-3), optional and never
    scored: kept with the result and sent with it. The BAM has no such question.

    Raises `MeasureNotSaved` (a `SaveFailed`) when the phone refuses the result; never
    StoreError. Raises ValueError (a `MeasureError`) for answers that are not valid for
    the measure.
    """
    if measure is MeasureId.BAM:
        if difficulty is not None:
            raise MeasureError("difficulty", MeasureError.NOT_ASKED)
        if recall_days is None:
            recall_days = measure_spec(store, measure).recall_days
    result = _score(measure, answers, recall_days)
    triggers = safety_triggers_for_phq9(result) if isinstance(result, Phq9Result) else []
    flag: SafetyFlagOutcome | None = None
    if not flag_already_raised:
        for trigger in triggers:
            # Before anything is saved or shown: the flag must not depend on what follows.
            # Never raises; a write that failed says NOT_SAVED.
            flag = raise_safety_flag(store, trigger, now)
    if measure is not MeasureId.BAM:
        # Checked after the flag: a caller's bad extra never costs the flag.
        if recall_days is not None:
            raise MeasureError("recall_days", MeasureError.NOT_ASKED)
        difficulty = difficulty_code(difficulty)
    try:
        record = store.measures.add(_stored_fields(measure, result, difficulty))
    except StoreError as error:
        raise MeasureNotSaved(str(error), start_safety_flow=bool(triggers),
                              flag=flag) from error
    total = None if isinstance(result, BamResult) else result.total
    outcome = MeasureOutcome(result_summary_key(result), total, bool(triggers),
                             result if isinstance(result, BamResult) else None, flag)
    try:
        if clinic_receives_data(store, now):
            _enqueue(store, record, now)
    except StoreError as error:
        raise MeasureNotSaved(str(error), start_safety_flow=bool(triggers), flag=flag,
                              kept=outcome) from error
    return outcome


def _enqueue(store: Store, record: Mapping[str, Any], now: datetime) -> None:
    """Queue the result for the clinic, trying again when a write fails (the result is
    kept already: a second try is cheaper than a result the clinic never gets)."""
    payload = _wire_payload(record, now)
    for attempt in range(1, WRITE_TRIES + 1):
        try:
            store.outbox.enqueue(OUTBOX_KIND, record["id"], payload)
            return
        except StoreError:
            if attempt == WRITE_TRIES:
                raise


def _score(measure: MeasureId, answers: Sequence[Answer],
           recall_days: int | None) -> MeasureResult:
    if measure is MeasureId.PHQ9:
        return score_phq9(answers)  # type: ignore[arg-type]
    if measure is MeasureId.GAD7:
        return score_gad7(answers)  # type: ignore[arg-type]
    return score_bam(answers, recall_days=recall_days)  # type: ignore[arg-type]


def _stored_fields(measure: MeasureId, result: MeasureResult,
                   difficulty: int | None) -> dict[str, Any]:
    if isinstance(result, BamResult):
        return {"measure": measure.value, "answers": bam_answer_codes(result),
                "substances": dict(result.substances), "use": result.use,
                "risk": result.risk, "protective": result.protective,
                "recall_days": result.recall_days}
    fields = {"measure": measure.value, "answers": list(result.items),
              "total": result.total, "band": result.band.value}
    if difficulty is not None:  # optional: left out, the record does not have it
        fields["difficulty"] = difficulty
    return fields


def bam_answer_codes(result: BamResult) -> list[int]:
    """The 17 BAM codes in item order. Item 7 is several answers (one per substance);
    its slot carries the highest of them so the list stays one code per item. It is
    never scored: the per-substance codes travel beside it."""
    highest_substance = max(result.substances.values(), default=0)
    return [highest_substance if number == BAM_SUBSTANCE_ITEM else result.items[number]
            for number in range(1, BAM_ITEM_COUNT + 1)]


def _wire_payload(record: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    """A `MeasureResultPayload` (sync/protocol/) built from the stored record."""
    payload: dict[str, Any] = {
        "id": record["id"],
        "created_at": record["created_at"],
        "schema_version": record["schema_version"],
        "measure": record["measure"],
        "answers": list(record["answers"]),
        "completed_at": now.isoformat(),
    }
    if record["measure"] == MeasureId.BAM.value:
        payload["substances"] = dict(record["substances"])
        # Results kept before the window existed were asked about the form's 30 days.
        payload["recall_days"] = record.get("recall_days", BAM.recall_days)
    else:
        payload["total"] = record["total"]
        payload["band"] = record["band"]
        if record.get("difficulty") is not None:
            payload["difficulty"] = record["difficulty"]
    return payload
