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


def bam(**extra) -> dict:
    return {"measure": "bam", "answers": [0] * 17, "substances": {}, "use": 0, "risk": 0,
            "protective": 0, **extra}


def test_the_difficulty_answer_is_kept_and_optional(store: Store) -> None:
    kept = store.measures.add(phq9([1] * 9, "mild") | {"difficulty": 2})
    assert kept["difficulty"] == 2
    assert store.measures.add({"measure": "gad7", "answers": [0] * 7, "total": 0,
                               "band": "minimal", "difficulty": 0})["difficulty"] == 0
    # Left out, or null: not answered; results kept before the question existed stay valid.
    assert "difficulty" not in store.measures.add(phq9([0] * 9, "minimal"))
    assert "difficulty" not in store.measures.add(phq9([0] * 9, "minimal") | {"difficulty": None})


def test_the_bam_keeps_its_recall_window(store: Store) -> None:
    assert store.measures.add(bam(recall_days=7))["recall_days"] == 7
    assert store.measures.add(bam(recall_days=30))["recall_days"] == 30
    assert "recall_days" not in store.measures.add(bam())  # kept before the window existed


@pytest.mark.parametrize("bad", [
    phq9([1] * 9, "mild") | {"difficulty": 4},
    phq9([1] * 9, "mild") | {"difficulty": -1},
    phq9([1] * 9, "mild") | {"difficulty": True},
    phq9([1] * 9, "mild") | {"difficulty": "very"},
    phq9([1] * 9, "mild") | {"recall_days": 7},
    bam(recall_days=14),
    bam(recall_days=7.0),
    bam(recall_days=True),
    bam(difficulty=1),
])
def test_bad_difficulty_or_window_is_refused(store: Store, bad: dict) -> None:
    with pytest.raises(ValidationError):
        store.measures.add(bad)
    assert store.measures.list_recent() == []
