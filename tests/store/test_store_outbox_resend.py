"""Acknowledged outbox entries are kept (encrypted, by week) so that they can be sent
again to a clinic restored from a backup (security Y6); schedule deltas land by id."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from iop_companion.store import Store, ValidationError


def test_sent_entries_leave_the_queue_but_can_be_requeued_in_order(
    store: Store, reopen: Callable[[], Store]
) -> None:
    flag = store.outbox.enqueue("safety_flag", "r0", {"trigger": "x"}, priority=100)
    first = store.outbox.enqueue("check_in", "r1", {"v": 1})
    second = store.outbox.enqueue("check_in", "r2", {"v": 2})
    waiting = store.outbox.enqueue("check_in", "r3", {"v": 3})
    assert store.outbox.mark_sent([flag["id"], first["id"], second["id"]]) == 3
    store = reopen()
    assert store.outbox.count_pending() == 1 == store.unsynced_count()
    assert store.outbox.count_sent() == 3

    assert store.outbox.requeue_sent() == 3

    store = reopen()
    assert [e["id"] for e in store.outbox.pending()] == [
        flag["id"], first["id"], second["id"], waiting["id"]]
    assert store.outbox.pending()[1]["payload"] == {"v": 1}
    assert "sent_at" not in store.outbox.pending()[1]
    assert store.outbox.count_sent() == 0
    assert store.outbox.requeue_sent() == 0  # nothing twice


def test_an_entry_both_queued_and_logged_comes_back_once(store: Store) -> None:
    """As a crash between logging and dequeuing would leave it."""
    entry = store.outbox.enqueue("check_in", "r1", {"v": 1})
    store.outbox.mark_sent([entry["id"]])
    store.outbox.requeue_sent()
    store.outbox.mark_sent([entry["id"]])
    store.outbox.mark_sent([entry["id"]])  # a second acknowledgement logs nothing
    assert store.outbox.requeue_sent() == 1
    assert [e["id"] for e in store.outbox.pending()] == [entry["id"]]


def _session(number: int, **changes: Any) -> dict[str, Any]:
    starts = datetime(2026, 3, 4, 15, tzinfo=UTC) + timedelta(days=number)
    session = {"id": f"s{number}", "kind": "group", "title": f"Group {number}",
               "starts_at": starts.isoformat(),
               "ends_at": (starts + timedelta(hours=1)).isoformat(),
               "location": "Room", "telehealth": False, "facilitator": "Morgan",
               "status": "scheduled", "note": None}
    session.update(changes)
    return session


def test_schedule_changes_upsert_and_remove_by_id(
    store: Store, reopen: Callable[[], Store]
) -> None:
    store.schedule.replace_all([_session(1), _session(2)])
    store.schedule.apply_changes([_session(2, status="cancelled"), _session(3)], ["s1"])
    store = reopen()
    assert [(s["id"], s["status"]) for s in store.schedule.all()] == [
        ("s2", "cancelled"), ("s3", "scheduled")]
    # All or nothing: one bad session changes nothing.
    with pytest.raises(ValidationError):
        store.schedule.apply_changes([_session(4), _session(5, ends_at="not a time")])
    assert [s["id"] for s in store.schedule.all()] == ["s2", "s3"]
