"""Questionnaires: due dates, kept results, and the PHQ-9 item 9 safety rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from iop_companion.domain.measures import MeasureId
from iop_companion.services.measures import complete_measure, measures_due
from iop_companion.store import Store, Vault

NOW = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)


@pytest.fixture
def store(vault: Vault) -> Store:
    created = vault.create("2468")
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
