"""Each repository, run against the in-memory and the encrypted file storage."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

import pytest

from iop_companion.store import Store, StoreLocked, ValidationError
from iop_companion.store.records import SESSION_FIELDS
from tests.store.store_testing import at, check_in

# ------------------------------------------------------------------------ check-ins


def test_add_returns_stored_record_with_identity_times_and_version(store: Store) -> None:
    record = store.check_ins.add(check_in(sleep_hours=7))
    assert uuid.UUID(record["id"]).version == 4
    created = datetime.fromisoformat(record["created_at"])
    assert created.utcoffset() == timedelta(0)
    assert record["updated_at"] == record["created_at"]
    assert record["schema_version"] == 1
    assert record["sleep_hours"] == 7.0 and isinstance(record["sleep_hours"], float)
    assert record["substance"] is None


def test_check_ins_survive_reopen(store: Store, reopen: Callable[[], Store]) -> None:
    ids = {store.check_ins.add(check_in(mood=i)).get("id") for i in range(5)}
    store = reopen()
    assert store.check_ins.count() == 5
    assert {r["id"] for r in store.check_ins.list_recent(10)} == ids


def test_list_recent_is_newest_first_across_partitions(store: Store) -> None:
    for day in (0, 3, 9, 20, 40, 41):  # several weeks, so several partitions
        store.check_ins.add(check_in(mood=day % 11, created_at=at(day)))
    recent = store.check_ins.list_recent(4)
    assert [r["created_at"] for r in recent] == [
        at(day).isoformat(timespec="microseconds") for day in (41, 40, 20, 9)
    ]
    assert store.check_ins.list_recent(0) == []
    assert len(store.check_ins.list_recent(100)) == 6


def test_list_since_is_oldest_first_and_accepts_any_offset(store: Store) -> None:
    for day in range(0, 30, 2):
        store.check_ins.add(check_in(created_at=at(day, hour=10)))
    new_york = timezone(timedelta(hours=-5))
    since = (at(20, hour=10) - timedelta(seconds=1)).astimezone(new_york)
    found = store.check_ins.list_since(since)
    assert [r["created_at"][:10] for r in found] == [
        at(day).date().isoformat() for day in (20, 22, 24, 26, 28)
    ]


def test_list_since_requires_a_time_zone(store: Store) -> None:
    with pytest.raises(ValidationError) as error:
        store.check_ins.list_since(datetime(2025, 1, 1))
    assert error.value.field == "since"


def test_get_finds_a_record_in_any_partition(store: Store) -> None:
    old = store.check_ins.add(check_in(created_at=at(0)))
    store.check_ins.add(check_in(created_at=at(60)))
    assert store.check_ins.get(old["id"]) == old
    assert store.check_ins.get(str(uuid.uuid4())) is None


def test_supplied_id_makes_a_retried_save_harmless(store: Store) -> None:
    record_id = str(uuid.uuid4())
    first = store.check_ins.add(check_in(id=record_id, created_at=at(1)))
    again = store.check_ins.add(check_in(id=record_id, created_at=at(1)))
    assert again["id"] == first["id"] and store.check_ins.count() == 1
    with pytest.raises(ValidationError) as error:
        store.check_ins.add(check_in(id=record_id, created_at=at(1), mood=0))
    assert error.value.field == "id"


def test_add_many_writes_once_per_partition_and_can_be_rerun(store: Store) -> None:
    batch = [check_in(id=str(uuid.uuid4()), created_at=at(day)) for day in range(0, 50, 5)]
    assert len(store.check_ins.add_many(batch)) == 10
    assert store.check_ins.add_many(batch) == []  # an interrupted import can be rerun
    assert store.check_ins.count() == 10


def test_count_stays_right_after_adds(store: Store, reopen: Callable[[], Store]) -> None:
    store.check_ins.add(check_in(created_at=at(0)))
    assert store.check_ins.count() == 1
    store.check_ins.add(check_in(created_at=at(0, hour=13)))
    store.check_ins.add_many([check_in(created_at=at(0, hour=14))])
    assert store.check_ins.count() == 3
    assert reopen().check_ins.count() == 3


def test_returned_records_are_copies(store: Store) -> None:
    record = store.check_ins.add(check_in())
    record["mood"] = 0
    store.check_ins.list_recent(1)[0]["mood"] = 0
    assert store.check_ins.list_recent(1)[0]["mood"] == 6


def test_refused_check_in_writes_nothing(store: Store) -> None:
    with pytest.raises(ValidationError):
        store.check_ins.add(check_in(mood=11))
    with pytest.raises(ValidationError):
        store.check_ins.add(check_in(sleep_hours=float("nan")))
    assert store.check_ins.count() == 0


# ------------------------------------------------------------------------- schedule


def _session(n: int, starts: datetime, **extra: object) -> dict[str, object]:
    session: dict[str, object] = {
        "id": f"s-{n}",
        "kind": "group",
        "title": f"Group {n}",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=3)).isoformat(),
        "location": "Room 2",
        "telehealth": False,
        "facilitator": "Dr. Ames",
        "status": "scheduled",
        "note": None,
    }
    session.update(extra)
    return session


def test_schedule_list_between_orders_by_start_whatever_the_offset(store: Store) -> None:
    pacific = timezone(timedelta(hours=-8))
    a = _session(1, datetime(2025, 2, 3, 9, tzinfo=pacific))  # 17:00 UTC
    b = _session(2, datetime(2025, 2, 3, 16, tzinfo=UTC))
    c = _session(3, datetime(2025, 2, 5, 16, tzinfo=UTC))
    store.schedule.replace_all([c, a, b])
    day = datetime(2025, 2, 3, tzinfo=UTC)
    found = store.schedule.list_between(day, day + timedelta(days=1))
    assert [s["id"] for s in found] == ["s-2", "s-1"]
    assert found[1]["starts_at"] == a["starts_at"]  # the offset it came with is kept
    assert all(set(s) == set(SESSION_FIELDS) for s in found)


def test_schedule_window_includes_start_excludes_end(store: Store) -> None:
    start = datetime(2025, 2, 3, 9, tzinfo=UTC)
    store.schedule.replace_all([_session(1, start), _session(2, start + timedelta(days=1))])
    found = store.schedule.list_between(start, start + timedelta(days=1))
    assert [s["id"] for s in found] == ["s-1"]


def test_replace_all_replaces_and_persists(store: Store, reopen: Callable[[], Store]) -> None:
    start = datetime(2025, 2, 3, 9, tzinfo=UTC)
    store.schedule.replace_all([_session(1, start), _session(2, start)])
    store.schedule.replace_all([_session(3, start)])
    store = reopen()
    assert [s["id"] for s in store.schedule.all()] == ["s-3"]


def test_replace_all_is_all_or_nothing(store: Store) -> None:
    start = datetime(2025, 2, 3, 9, tzinfo=UTC)
    store.schedule.replace_all([_session(1, start)])
    bad = _session(2, start, starts_at="2025-02-03T09:00:00")  # no time zone
    with pytest.raises(ValidationError) as error:
        store.schedule.replace_all([_session(3, start), bad])
    assert error.value.field == "starts_at"
    with pytest.raises(ValidationError):
        store.schedule.replace_all([_session(4, start), _session(4, start)])
    with pytest.raises(ValidationError):
        early_end = (start - timedelta(hours=1)).isoformat()
        store.schedule.replace_all([_session(5, start, ends_at=early_end)])
    assert [s["id"] for s in store.schedule.all()] == ["s-1"]


# ---------------------------------------------------------------------- safety plan


PLAN = {
    "warning_signs": ["Not sleeping", "Skipping group"],
    "coping_strategies": ["Walk"],
    "distractions": ["Library"],
    "people_to_ask": ["Sam"],
    "professionals": ["988"],
    "safe_environment": ["Keys with Sam"],
    "most_important": "My kids",
}


def test_safety_plan_save_and_get(store: Store, reopen: Callable[[], Store]) -> None:
    assert store.safety_plan.get() is None
    saved = store.safety_plan.save(PLAN)
    store = reopen()
    got = store.safety_plan.get()
    assert got == saved
    assert {k: got[k] for k in PLAN} == PLAN
    assert uuid.UUID(got["id"]) and got["schema_version"] == 1


def test_safety_plan_save_keeps_identity_and_round_trips(store: Store) -> None:
    first = store.safety_plan.save(PLAN)
    edited = store.safety_plan.get()
    assert edited is not None
    edited["warning_signs"].append("Isolating")  # edit what get() returned, save it back
    second = store.safety_plan.save(edited)
    assert second["id"] == first["id"] and second["created_at"] == first["created_at"]
    assert second["updated_at"] >= first["updated_at"]
    assert store.safety_plan.get()["warning_signs"][-1] == "Isolating"  # type: ignore[index]


def test_safety_plan_defaults_and_limits(store: Store) -> None:
    saved = store.safety_plan.save({"most_important": "Me"})
    assert saved["warning_signs"] == [] and saved["most_important"] == "Me"
    with pytest.raises(ValidationError):
        store.safety_plan.save({"warning_signs": ["x"] * 31})
    with pytest.raises(ValidationError):
        store.safety_plan.save({"warning_signs": "not a list"})
    with pytest.raises(ValidationError):
        store.safety_plan.save({"secret_field": []})


def test_safety_plan_result_is_a_copy(store: Store) -> None:
    store.safety_plan.save(PLAN)
    got = store.safety_plan.get()
    assert got is not None
    got["warning_signs"].clear()
    assert store.safety_plan.get()["warning_signs"] == PLAN["warning_signs"]  # type: ignore[index]


# ------------------------------------------------------------------------- settings


def test_settings_set_get_delete(store: Store, reopen: Callable[[], Store]) -> None:
    assert store.settings.get("clinic.profile", "none") == "none"
    store.settings.set("clinic.profile", {"name": "Northside", "sites": [1, 2.5, None, True]})
    store.settings.set("counter", 1)
    store.settings.set("counter", 2)
    store = reopen()
    profile = {"name": "Northside", "sites": [1, 2.5, None, True]}
    assert store.settings.get("clinic.profile") == profile
    assert store.settings.get("counter") == 2
    assert store.settings.all() == {
        "clinic.profile": {"name": "Northside", "sites": [1, 2.5, None, True]},
        "counter": 2,
    }
    store.settings.delete("counter")
    store.settings.delete("never-set")
    assert store.settings.get("counter") is None


@pytest.mark.parametrize(
    "value",
    [float("nan"), float("inf"), {"a": float("-inf")}, {1: "int key"}, object(), "\x00", 2**60],
)
def test_settings_refuse_values_that_are_not_plain_json(store: Store, value: object) -> None:
    with pytest.raises(ValidationError):
        store.settings.set("draft", value)
    assert store.settings.get("draft") is None


def test_settings_refuse_bad_keys_and_huge_values(store: Store) -> None:
    for key in ("", "has space", "x" * 101, None):
        with pytest.raises(ValidationError):
            store.settings.set(key, 1)  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        store.settings.set("big", "x" * 70_000)


def test_settings_values_are_copies(store: Store) -> None:
    value = {"items": [1]}
    store.settings.set("k", value)
    value["items"].append(2)
    got = store.settings.get("k")
    got["items"].append(3)
    assert store.settings.get("k") == {"items": [1]}


# --------------------------------------------------------------------------- outbox


def test_outbox_orders_by_priority_then_age(store: Store, reopen: Callable[[], Store]) -> None:
    low = store.outbox.enqueue("check_in", "r1", {"n": 1})
    high = store.outbox.enqueue("safety_plan", "r2", {"n": 2}, priority=5)
    low2 = store.outbox.enqueue("check_in", "r3", {"n": 3})
    store = reopen()
    assert [e["id"] for e in store.outbox.pending()] == [high["id"], low["id"], low2["id"]]
    assert [e["id"] for e in store.outbox.pending(limit=1)] == [high["id"]]
    assert store.outbox.count_pending() == 3 == store.unsynced_count()


def test_a_set_aside_entry_can_be_sent_again_or_kept_on_the_phone(
        store: Store, reopen: Callable[[], Store]) -> None:
    again = store.outbox.enqueue("check_in", "r1", {"v": 1})
    keep = store.outbox.enqueue("check_in", "r2", {"v": 2})
    waiting = store.outbox.enqueue("check_in", "r3", {"v": 3})
    store.outbox.park(again["id"], "The clinic refused it.")
    store.outbox.park(keep["id"], "The clinic refused it.")
    assert [e["id"] for e in store.outbox.pending()] == [waiting["id"]]

    assert store.outbox.send_again(again["id"])
    assert store.outbox.keep_on_device_only(keep["id"])
    store = reopen()
    assert [e["id"] for e in store.outbox.pending()] == [again["id"], waiting["id"]]
    assert store.outbox.parked() == []
    assert store.outbox.count_pending() == 2
    # Only set-aside entries: a waiting one is neither resent early nor dropped.
    assert not store.outbox.keep_on_device_only(waiting["id"])
    assert not store.outbox.send_again(waiting["id"])
    assert store.outbox.count_pending() == 2


def test_outbox_mark_sent_removes_only_those_entries(store: Store) -> None:
    a = store.outbox.enqueue("check_in", "r1", {"v": 1})
    b = store.outbox.enqueue("check_in", "r1", {"v": 2})  # a newer version, same record
    assert store.outbox.mark_sent([a["id"]]) == 1
    assert [e["id"] for e in store.outbox.pending()] == [b["id"]]
    assert store.outbox.mark_sent([str(uuid.uuid4())]) == 0
    assert store.outbox.mark_sent([]) == 0
    with pytest.raises(ValidationError):
        store.outbox.mark_sent(["r1"])  # record ids are not entry ids


def test_outbox_entry_shape_and_validation(store: Store) -> None:
    entry = store.outbox.enqueue("check_in", "r1", {"mood": 3}, priority=-1)
    assert entry["payload"] == {"mood": 3} and entry["record_id"] == "r1"
    assert uuid.UUID(entry["id"]) and entry["schema_version"] == 1
    with pytest.raises(ValidationError):
        store.outbox.enqueue("check_in", "r1", {"x": float("nan")})
    with pytest.raises(ValidationError):
        store.outbox.enqueue("", "r1", {})
    with pytest.raises(ValidationError):
        store.outbox.enqueue("check_in", "r1", {}, priority=True)  # type: ignore[arg-type]
    assert store.outbox.count_pending() == 1


# ----------------------------------------------------------------------------- lock


def test_lock_makes_every_repository_refuse(store: Store) -> None:
    store.check_ins.add(check_in())
    store.lock()
    assert store.is_locked
    calls = [
        lambda: store.check_ins.count(),
        lambda: store.check_ins.add(check_in()),
        lambda: store.schedule.all(),
        lambda: store.safety_plan.get(),
        lambda: store.settings.get("x"),
        lambda: store.outbox.pending(),
        lambda: store.export_json(),
        lambda: store.unsynced_count(),
    ]
    for call in calls:
        with pytest.raises(StoreLocked):
            call()
    store.lock()  # locking twice is harmless
