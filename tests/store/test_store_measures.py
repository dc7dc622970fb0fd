"""Scored questionnaires in the store (in memory and encrypted)."""

from __future__ import annotations

import pytest

from iop_companion.store import Store, ValidationError


def phq9(answers: list[int], band: str) -> dict:
    return {"measure": "phq9", "answers": answers, "total": sum(answers), "band": band}


def test_results_are_kept_newest_first_per_measure(store: Store) -> None:
    first = store.measures.add(phq9([1] * 9, "mild"))
    store.measures.add({"measure": "gad7", "answers": [0] * 7, "total": 0, "band": "minimal"})
    second = store.measures.add(phq9([2] * 9, "moderately_severe"))
    assert [r["id"] for r in store.measures.list_recent("phq9")] == [second["id"], first["id"]]
    assert len(store.measures.list_recent()) == 3
    assert second["created_at"] and second["schema_version"] >= 1


@pytest.mark.parametrize("bad", [
    {"measure": "phq9", "answers": [1] * 8, "total": 8, "band": "mild"},
    {"measure": "phq9", "answers": [4] + [0] * 8, "total": 4, "band": "minimal"},
    {"measure": "phq9", "answers": [1] * 9, "total": 10, "band": "mild"},
    {"measure": "phq9", "answers": [1] * 9, "total": 9, "band": "dire"},
    {"measure": "bdi", "answers": [1] * 9, "total": 9, "band": "mild"},
    {"measure": "phq9", "answers": [True] * 9, "total": 9, "band": "mild"},
    {"measure": "phq9", "answers": [1] * 9, "total": 9, "band": "mild", "extra": 1},
])
def test_bad_results_are_refused_and_nothing_is_written(store: Store, bad: dict) -> None:
    with pytest.raises(ValidationError):
        store.measures.add(bad)
    assert store.measures.list_recent() == []


def test_results_are_in_the_export(store: Store) -> None:
    store.measures.add(phq9([0] * 9, "minimal"))
    assert [m["measure"] for m in store.export_json()["measures"]] == ["phq9"]
