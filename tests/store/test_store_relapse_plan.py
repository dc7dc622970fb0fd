"""The relapse-prevention plan, lapse reviews, check-in chips and versioned outbox
entries in the store (in memory and encrypted: see conftest.py)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from iop_companion.store import Store, ValidationError
from tests.store.store_testing import check_in

PLAN = {"triggers": ["payday"], "coping_strategies": ["call my sponsor", "urge surfing"],
        "reasons_for_recovery": ["my kids"]}
RECORD_ID = "8c1f5a6e-3f55-4d0b-9d9e-4f2c8c3f0a11"


def test_relapse_plan_is_one_document_with_one_id_for_life(
        store: Store, reopen: Callable[[], Store]) -> None:
    assert store.relapse_plan.get() is None
    first = store.relapse_plan.save(PLAN)
    assert first["triggers"] == ["payday"]
    assert first["warning_signs_emotional"] == []
    edited = reopen().relapse_plan.save({**first, "triggers": ["payday", "old friends"]})
    assert edited["id"] == first["id"]
    assert edited["created_at"] == first["created_at"]
    assert reopen().relapse_plan.get() == edited


@pytest.mark.parametrize("bad", [
    {"triggers": "payday"},
    {"triggers": ["x" * 501]},
    {"triggers": ["ok"] * 31},
    {"triggers": ["bell\x07"]},
    {"diagnosis": ["none"]},
])
def test_bad_relapse_plans_are_refused(store: Store, bad: dict) -> None:
    with pytest.raises(ValidationError):
        store.relapse_plan.save(bad)
    assert store.relapse_plan.get() is None


def test_lapse_reviews_are_kept_newest_first(store: Store,
                                             reopen: Callable[[], Store]) -> None:
    first = store.lapse_reviews.add({"happened_on": "2026-11-20", "what_happened": "payday"})
    second = store.lapse_reviews.add({"happened_on": "2026-11-22", "who_i_will_tell": "Ana"})
    assert first["what_helped"] == ""
    store = reopen()
    assert [r["id"] for r in store.lapse_reviews.list_recent()] in (
        [second["id"], first["id"]], [first["id"], second["id"]])  # same-stamp clocks
    assert [r["id"] for r in store.lapse_reviews.list_recent(limit=1)] in (
        [first["id"]], [second["id"]])


@pytest.mark.parametrize("bad", [
    {"what_happened": "no date"},
    {"happened_on": "yesterday"},
    {"happened_on": "2026-11-22", "what_happened": "x" * 2001},
    {"happened_on": "2026-11-22", "who_i_will_tell": "x" * 501},
    {"happened_on": "2026-11-22", "mood": 3},
])
def test_bad_lapse_reviews_are_refused(store: Store, bad: dict) -> None:
    with pytest.raises(ValidationError):
        store.lapse_reviews.add(bad)
    assert store.lapse_reviews.list_recent() == []


def test_check_ins_keep_chips_and_older_check_ins_stay_valid(store: Store) -> None:
    plain = store.check_ins.add(check_in())
    assert plain["triggers"] == [] and plain["skills_used"] == []
    with_chips = store.check_ins.add(check_in(triggers=["payday"], warning_signs=["lonely"],
                                              skills_used=["a walk"]))
    assert store.check_ins.get(with_chips["id"])["skills_used"] == ["a walk"]
    with pytest.raises(ValidationError):
        store.check_ins.add(check_in(triggers=["x" * 121]))


def test_outbox_entries_carry_their_version(store: Store) -> None:
    first = store.outbox.enqueue("relapse_plan", RECORD_ID, PLAN)
    second = store.outbox.enqueue("relapse_plan", RECORD_ID, PLAN, version=2,
                                  replaces_version=1)
    assert (first["version"], first["replaces_version"]) == (1, None)
    assert (second["version"], second["replaces_version"]) == (2, 1)
    assert [e["version"] for e in store.outbox.pending()] == [1, 2]
    with pytest.raises(ValidationError):
        store.outbox.enqueue("relapse_plan", RECORD_ID, PLAN, version=3)
    with pytest.raises(ValidationError):
        store.outbox.enqueue("relapse_plan", RECORD_ID, PLAN, version=3, replaces_version=3)


def test_plan_and_reviews_are_in_the_export(store: Store) -> None:
    store.relapse_plan.save(PLAN)
    store.lapse_reviews.add({"happened_on": "2026-11-22", "what_helped": "a walk"})
    export = store.export_json()
    assert export["relapse_plan"]["triggers"] == ["payday"]
    assert [r["what_helped"] for r in export["lapse_reviews"]] == ["a walk"]
