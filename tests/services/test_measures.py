"""Questionnaires: due dates, kept results, the PHQ-9 item 9 safety rule (one flag per
form, written before the result), the optional difficulty answer (kept and sent), the
BAM's recall window by schedule, the item-7 rule, and a phone that refuses writes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from iop_companion.domain.measures import MeasureError, MeasureId
from iop_companion.domain.safety import SafetyTrigger
from iop_companion.services.clinic_link import PROFILE_KEY
from iop_companion.services.errors import SaveFailed
from iop_companion.services.measures import (
    MeasureNotSaved,
    complete_measure,
    measure_spec,
    measures_due,
    phq9_item9_trigger,
)
from iop_companion.services.safety import (
    WRITE_TRIES,
    FlagReach,
    SafetyDesk,
    raise_safety_flag,
)
from iop_companion.store import Store, StoreError, Vault, WriteFailed
from iop_companion.sync.protocol import RecordKind, payload_problem

NOW = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)


@pytest.fixture
def store(vault: Vault) -> Store:
    created = vault.create("482913")
    created.settings.set("clinic.enrolment", {"device_token": "t", "display_name": "Alex"})
    return created


def test_each_is_due_until_done(store: Store) -> None:
    assert [(d.measure, d.due) for d in measures_due(store, NOW)] == [
        (MeasureId.PHQ9, True), (MeasureId.GAD7, True), (MeasureId.BAM, True)]
    complete_measure(store, MeasureId.GAD7, [0] * 7, NOW)
    due = {d.measure: d.due for d in measures_due(store, NOW + timedelta(days=1))}
    assert due == {MeasureId.PHQ9: True, MeasureId.GAD7: False, MeasureId.BAM: True}


def test_item_9_above_zero_queues_a_flag_before_the_result(store: Store) -> None:
    outcome = complete_measure(store, MeasureId.PHQ9, [0] * 8 + [1], NOW)
    assert outcome.start_safety_flow and outcome.total == 1
    # The flag is queued first and sent first; the result itself follows it.
    flag, result = store.outbox.pending()
    assert flag["kind"] == "safety_flag" and flag["payload"] == {"trigger": "phq9_item9"}
    assert flag["priority"] == 100
    assert result["kind"] == "measure_result" and result["priority"] == 0
    assert flag["seq"] < result["seq"]
    assert store.measures.list_recent("phq9")[0]["answers"][8] == 1


def test_a_severe_total_without_item_9_starts_no_flow(store: Store) -> None:
    outcome = complete_measure(store, MeasureId.PHQ9, [3] * 8 + [0], NOW)
    assert not outcome.start_safety_flow
    assert outcome.summary_key == "measures.phq9.band.severe"
    assert [e["kind"] for e in store.outbox.pending()] == ["measure_result"]


# ---------------------------------------------------------------- PHQ-9 item 9, on its own


@pytest.mark.parametrize(("measure", "item9", "expected"), [
    (MeasureId.PHQ9, None, None),            # not answered yet: not a "no", not a "yes"
    (MeasureId.PHQ9, 0, None),
    (MeasureId.PHQ9, 1, SafetyTrigger.PHQ9_ITEM9),
    (MeasureId.PHQ9, 2, SafetyTrigger.PHQ9_ITEM9),
    (MeasureId.PHQ9, 3, SafetyTrigger.PHQ9_ITEM9),
    (MeasureId.PHQ9, True, None),            # a caller bug, never read as an answer
    (MeasureId.GAD7, 3, None),               # only the PHQ-9 has the question
    (MeasureId.BAM, 3, None),
])
def test_item_9_triggers_on_its_own_answer(measure: MeasureId, item9: object,
                                           expected: SafetyTrigger | None) -> None:
    assert phq9_item9_trigger(measure, item9) is expected  # type: ignore[arg-type]


def kinds(store: Store) -> list[str]:
    return [entry["kind"] for entry in store.outbox.pending()]


def test_a_flag_the_form_raised_is_not_raised_again_on_save(store: Store) -> None:
    # The form queued the flag the moment item 9 was answered (through the safety desk).
    desk = SafetyDesk(store=lambda: store, clock=lambda: NOW)
    assert desk.raise_flag(SafetyTrigger.PHQ9_ITEM9).reach is FlagReach.QUEUED
    outcome = complete_measure(store, MeasureId.PHQ9, [0] * 8 + [2], NOW,
                               flag_already_raised=True)
    assert outcome.start_safety_flow and outcome.flag is None
    # One flag for the form, and it is ahead of the result that carries the answer.
    assert kinds(store) == ["safety_flag", "measure_result"]
    flag, result = store.outbox.pending()
    assert flag["seq"] < result["seq"]


def test_without_the_form_flag_saving_raises_exactly_one(store: Store) -> None:
    outcome = complete_measure(store, MeasureId.PHQ9, [0] * 8 + [3], NOW)
    assert outcome.flag is not None and outcome.flag.reach is FlagReach.QUEUED
    assert kinds(store) == ["safety_flag", "measure_result"]


def test_item_9_changed_back_to_0_after_the_form_raised_a_flag(store: Store) -> None:
    # "Not at all" afterwards does not withdraw the flag; the result starts no flow.
    raise_safety_flag(store, SafetyTrigger.PHQ9_ITEM9, NOW)
    outcome = complete_measure(store, MeasureId.PHQ9, [1] * 8 + [0], NOW,
                               flag_already_raised=True)
    assert not outcome.start_safety_flow
    assert kinds(store) == ["safety_flag", "measure_result"]


# ---------------------------------------------------------------- a phone that refuses writes


class Refusing:
    """A repository whose chosen methods fail the way a full phone does."""

    def __init__(self, inner: object, *failing: str, when=lambda *a, **k: True) -> None:
        self._inner, self._failing, self._when = inner, set(failing), when
        self.calls: dict[str, int] = {}

    def __getattr__(self, name: str):
        method = getattr(self._inner, name)
        if name not in self._failing:
            return method

        def refuse(*args, **kwargs):
            self.calls[name] = self.calls.get(name, 0) + 1
            if self._when(*args, **kwargs):
                raise WriteFailed()
            return method(*args, **kwargs)
        return refuse


@pytest.fixture
def memory_store() -> Store:
    created = Store.in_memory(now=lambda: NOW)
    created.settings.set("clinic.enrolment", {"device_token": "t", "display_name": "Alex"})
    return created


def test_a_result_the_phone_refuses_is_save_failed_and_help_still_comes(
        memory_store: Store) -> None:
    memory_store.measures = Refusing(memory_store.measures, "add")  # type: ignore[assignment]
    with pytest.raises(SaveFailed) as caught:
        complete_measure(memory_store, MeasureId.PHQ9, [0] * 8 + [1], NOW)
    error = caught.value
    assert isinstance(error, MeasureNotSaved) and not isinstance(error, StoreError)
    assert error.start_safety_flow and error.kept is None
    assert "storage may be full" in str(error)  # safe to show: no answers in it
    # The flag was written before the result was tried, and it stands.
    assert error.flag is not None and error.flag.reach is FlagReach.QUEUED
    assert kinds(memory_store) == ["safety_flag"]
    assert memory_store.measures.list_recent("phq9") == []


def test_when_every_write_fails_the_outcome_still_says_start_the_safety_flow(
        memory_store: Store) -> None:
    memory_store.measures = Refusing(memory_store.measures, "add")  # type: ignore[assignment]
    memory_store.outbox = Refusing(memory_store.outbox, "enqueue")  # type: ignore[assignment]
    with pytest.raises(SaveFailed) as caught:
        complete_measure(memory_store, MeasureId.PHQ9, [2] * 9, NOW)
    error = caught.value
    assert isinstance(error, MeasureNotSaved) and error.start_safety_flow
    # The flag write was tried (and retried) and is reported as not saved, never raised.
    assert error.flag is not None and error.flag.reach is FlagReach.NOT_SAVED


def test_a_failed_write_with_the_form_flag_raises_no_flag_and_still_says_start(
        memory_store: Store) -> None:
    memory_store.measures = Refusing(memory_store.measures, "add")  # type: ignore[assignment]
    with pytest.raises(SaveFailed) as caught:
        complete_measure(memory_store, MeasureId.PHQ9, [0] * 8 + [1], NOW,
                         flag_already_raised=True)
    assert caught.value.start_safety_flow  # type: ignore[attr-defined]
    assert kinds(memory_store) == []


def test_a_gad7_the_phone_refuses_is_save_failed_without_the_safety_flow(
        memory_store: Store) -> None:
    memory_store.measures = Refusing(memory_store.measures, "add")  # type: ignore[assignment]
    with pytest.raises(SaveFailed) as caught:
        complete_measure(memory_store, MeasureId.GAD7, [3] * 7, NOW)
    assert not caught.value.start_safety_flow  # type: ignore[attr-defined]
    assert kinds(memory_store) == []


def test_a_result_kept_but_not_queued_is_retried_then_reported_with_its_outcome(
        memory_store: Store) -> None:
    outbox = Refusing(memory_store.outbox, "enqueue",
                      when=lambda kind, *a, **k: kind == "measure_result")
    memory_store.outbox = outbox  # type: ignore[assignment]
    with pytest.raises(SaveFailed) as caught:
        complete_measure(memory_store, MeasureId.PHQ9, [0] * 8 + [1], NOW)
    error = caught.value
    assert isinstance(error, MeasureNotSaved) and error.start_safety_flow
    assert error.kept is not None and error.kept.total == 1  # kept on the phone
    assert len(memory_store.measures.list_recent("phq9")) == 1
    assert kinds(memory_store) == ["safety_flag"]
    assert outbox.calls["enqueue"] == 1 + WRITE_TRIES  # the flag once, the result retried


def test_a_queue_write_that_fails_once_is_retried_and_nothing_is_lost(
        memory_store: Store) -> None:
    failures = iter([True])
    memory_store.outbox = Refusing(  # type: ignore[assignment]
        memory_store.outbox, "enqueue",
        when=lambda kind, *a, **k: kind == "measure_result" and next(failures, False))
    outcome = complete_measure(memory_store, MeasureId.GAD7, [1] * 7, NOW)
    assert outcome.total == 7
    assert kinds(memory_store) == ["measure_result"]


# ---------------------------------------------------------------- the difficulty question


def sent(store: Store) -> dict:
    [entry] = [e for e in store.outbox.pending() if e["kind"] == "measure_result"]
    assert payload_problem(RecordKind.MEASURE_RESULT, entry["payload"]) is None
    return entry["payload"]


@pytest.mark.parametrize(("measure", "answers"), [
    (MeasureId.PHQ9, [1, 0, 2, 0, 0, 1, 0, 0, 0]), (MeasureId.GAD7, [1, 0, 2, 0, 0, 1, 0])])
def test_the_difficulty_answer_is_kept_and_sent_but_never_scored(
        store: Store, measure: MeasureId, answers: list[int]) -> None:
    outcome = complete_measure(store, measure, answers, NOW, difficulty=3)
    assert outcome.total == 4  # the items alone: 1+2+1
    assert store.measures.list_recent(measure.value)[0]["difficulty"] == 3
    payload = sent(store)
    assert payload["difficulty"] == 3 and payload["total"] == 4


def test_the_difficulty_answer_is_optional(store: Store) -> None:
    outcome = complete_measure(store, MeasureId.PHQ9, [1] * 9, NOW)
    assert outcome.total == 9
    assert "difficulty" not in store.measures.list_recent("phq9")[0]
    assert "difficulty" not in sent(store)


@pytest.mark.parametrize("bad", [4, -1, True, 1.5, "2"])
def test_a_bad_difficulty_answer_is_refused_after_the_flag(store: Store, bad: object) -> None:
    with pytest.raises(MeasureError) as caught:
        complete_measure(store, MeasureId.PHQ9, [0] * 8 + [1], NOW, difficulty=bad)
    assert caught.value.field == "difficulty"
    # A caller's bad extra never costs the safety flag: it is queued all the same.
    assert kinds(store) == ["safety_flag"]
    assert store.measures.list_recent("phq9") == []


def test_the_bam_has_no_difficulty_question(store: Store) -> None:
    with pytest.raises(MeasureError) as caught:
        complete_measure(store, MeasureId.BAM, weekly_bam(), NOW, difficulty=1)
    assert (caught.value.field, caught.value.reason) == ("difficulty", MeasureError.NOT_ASKED)
    with pytest.raises(MeasureError):
        complete_measure(store, MeasureId.GAD7, [0] * 7, NOW, recall_days=7)
    assert store.outbox.pending() == []


# ---------------------------------------------------------------- the BAM's recall window


def weekly_bam(**items: object) -> list:
    """17 BAM answers, all 0 / no substances, with `i<n>=value` overrides."""
    answers: list = [0] * 17
    answers[6] = {}
    for name, value in items.items():
        answers[int(name[1:]) - 1] = value
    return answers


def set_bam_interval(store: Store, days: int) -> None:
    store.settings.set(PROFILE_KEY, {"name": "Cedar Hollow",
                                     "measure_interval_days": {"bam": days}})


@pytest.mark.parametrize(("interval", "window"), [
    (None, 7), (1, 7), (7, 7), (14, 7), (29, 7), (30, 30), (60, 30), (90, 30)])
def test_the_bam_asks_about_the_window_of_its_schedule(
        store: Store, interval: int | None, window: int) -> None:
    if interval is not None:
        set_bam_interval(store, interval)
    assert measure_spec(store, MeasureId.BAM).recall_days == window
    due = {d.measure: d.spec for d in measures_due(store, NOW)}
    assert due[MeasureId.BAM].recall_days == window
    assert measure_spec(store, MeasureId.PHQ9).recall_days is None


def test_a_weekly_bam_is_kept_and_sent_with_its_window(store: Store) -> None:
    outcome = complete_measure(store, MeasureId.BAM, weekly_bam(i4=2, i5=1), NOW)
    assert outcome.bam is not None and outcome.bam.recall_days == 7 and outcome.bam.use == 3
    assert store.measures.list_recent("bam")[0]["recall_days"] == 7
    assert sent(store)["recall_days"] == 7


def test_a_weekly_bam_refuses_more_days_than_a_week_holds(store: Store) -> None:
    with pytest.raises(MeasureError) as caught:
        complete_measure(store, MeasureId.BAM, weekly_bam(i4=3), NOW)  # 9-15 days
    assert (caught.value.field, caught.value.reason) == ("item_4", MeasureError.OUT_OF_RANGE)
    assert store.measures.list_recent("bam") == [] and store.outbox.pending() == []


def test_a_monthly_bam_uses_the_forms_30_days(store: Store) -> None:
    set_bam_interval(store, 30)
    complete_measure(store, MeasureId.BAM, weekly_bam(i4=4, i5=3), NOW)  # 16-30, 9-15 days
    assert store.measures.list_recent("bam")[0]["recall_days"] == 30
    assert sent(store)["recall_days"] == 30


def test_the_window_a_form_was_started_with_is_the_one_kept(store: Store) -> None:
    # A draft begun over 30 days, saved after the clinic made the BAM weekly.
    complete_measure(store, MeasureId.BAM, weekly_bam(i4=4), NOW, recall_days=30)
    assert store.measures.list_recent("bam")[0]["recall_days"] == 30


def test_no_substance_on_more_days_than_any_drug_use(store: Store) -> None:
    with pytest.raises(MeasureError) as caught:
        complete_measure(store, MeasureId.BAM, weekly_bam(i6=1, i7={"opioids": 2}), NOW)
    assert (caught.value.field, caught.value.reason) == ("item_7", MeasureError.INCONSISTENT)
    assert store.measures.list_recent("bam") == []
    complete_measure(store, MeasureId.BAM, weekly_bam(i6=2, i7={"opioids": 2}), NOW)
    assert sent(store)["substances"]["opioids"] == 2
