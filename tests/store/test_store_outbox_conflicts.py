"""The outbox with a version the clinic refused as a conflict: it keeps the clinic's
newest version beside it, holds later versions of the same record back, and lets the
participant's choice withdraw entries; the clinic's published items mirrored by id.
Both storages (memory and encrypted), and across a reopen."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest

from iop_companion.store import Store, ValidationError


def test_a_conflict_keeps_the_clinic_s_version_and_holds_later_versions_back(
        store: Store, reopen: Callable[[], Store]) -> None:
    record_id = str(uuid.uuid4())
    other_id = str(uuid.uuid4())
    first = store.outbox.enqueue("relapse_plan", record_id, {"triggers": ["a"]}, version=2,
                                 replaces_version=1)
    later = store.outbox.enqueue("relapse_plan", record_id, {"triggers": ["a", "b"]},
                                 version=3, replaces_version=2)
    unrelated = store.outbox.enqueue("check_in", other_id, {"mood": 5})
    store.outbox.park(first["id"], "stale base version", clinic_version=2,
                      clinic_payload={"triggers": ["c"]})

    store = reopen()
    [parked] = store.outbox.parked()
    assert parked["conflict_latest"] == {"version": 2, "payload": {"triggers": ["c"]}}
    assert [e["id"] for e in store.outbox.held()] == [later["id"]]
    assert [e["id"] for e in store.outbox.pending()] == [unrelated["id"]]
    assert store.outbox.count_pending() == 3  # all still count as not sent

    # Sending it again clears the clinic's version with the reason.
    assert store.outbox.send_again(first["id"])
    assert store.outbox.parked() == [] and store.outbox.held() == []
    assert "conflict_latest" not in store.outbox.pending()[0]


def test_withdraw_removes_entries_in_any_state(store: Store) -> None:
    record_id = str(uuid.uuid4())
    a = store.outbox.enqueue("treatment_goal", record_id, {"title": "x"})
    b = store.outbox.enqueue("treatment_goal", record_id, {"title": "y"}, version=2,
                             replaces_version=1)
    store.outbox.park(a["id"], "conflict", clinic_version=1, clinic_payload={"title": "z"})
    assert store.outbox.withdraw([a["id"], b["id"]]) == 2
    assert store.outbox.count_pending() == 0
    assert store.outbox.withdraw([]) == 0
    with pytest.raises(ValidationError):
        store.outbox.withdraw(["not-an-id"])


def test_a_clinic_version_must_be_plain_json(store: Store) -> None:
    entry = store.outbox.enqueue("treatment_goal", str(uuid.uuid4()), {"title": "x"})
    with pytest.raises(ValidationError):
        store.outbox.park(entry["id"], "conflict", clinic_version=1,
                          clinic_payload={"n": float("nan")})
    with pytest.raises(ValidationError):
        store.outbox.park(entry["id"], "conflict", clinic_version=0, clinic_payload={})
    assert store.outbox.parked() == []  # nothing half-written


def test_published_items_are_replaced_by_id_and_survive_a_reopen(
        store: Store, reopen: Callable[[], Store]) -> None:
    store.homework.apply_changes([{"id": "h1", "title": "Walk", "status": "assigned"},
                                  {"id": "h2", "title": "Urge log", "status": "assigned"}])
    store.homework.apply_changes([{"id": "h1", "title": "Walk", "status": "withdrawn"}],
                                 removed_ids=["h2"])
    store = reopen()
    assert store.homework.all() == [{"id": "h1", "title": "Walk", "status": "withdrawn"}]
    with pytest.raises(ValidationError):
        store.homework.apply_changes([{"title": "no id"}])
    with pytest.raises(ValidationError):
        store.homework.apply_changes([{"id": "h3", "title": "bell\x07"}])
    assert [h["id"] for h in store.homework.all()] == ["h1"]  # all or nothing
    store.homework.replace_all([])
    assert store.homework.all() == []
