"""The aftercare plan in the store (in memory and encrypted: see conftest.py): one plan,
checked like the wire format, kept under a given id, merged (never overwritten) when
the clinic's version meets a plan written outside care, and in the export."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from iop_companion.store import Store, ValidationError
from iop_companion.sync.protocol import RecordKind, payload_problem

SHARED_ID = "8c1f5a6e-3f55-4d0b-9d9e-4f2c8c3f0a11"
MEETING = {"name": "SMART Recovery", "weekday": "tuesday", "time": "18:30",
           "place": "Library"}
PLAN = {"continuing_care": ["Weekly therapy"], "support_meetings": [MEETING],
        "people_to_call": ["Ana 555-0101"]}


def test_one_plan_with_one_id_that_reads_back_after_reopening(
        store: Store, reopen: Callable[[], Store]) -> None:
    assert store.aftercare_plan.get() is None
    first = store.aftercare_plan.save(PLAN)
    assert first["medication_follow_up"] == [] and first["if_warning_signs_return"] == []
    assert first["support_meetings"] == [MEETING]
    edited = reopen().aftercare_plan.save({**first, "medication_follow_up": ["Dr. Kim"]})
    assert (edited["id"], edited["created_at"]) == (first["id"], first["created_at"])
    assert reopen().aftercare_plan.get() == edited
    assert payload_problem(RecordKind.AFTERCARE_PLAN, edited) is None  # ready to travel


def test_a_plan_can_be_kept_under_the_id_it_shares_with_the_clinic(store: Store) -> None:
    local = store.aftercare_plan.save(PLAN)
    shared = store.aftercare_plan.save(local, record_id=SHARED_ID)
    assert shared["id"] == SHARED_ID
    assert shared["created_at"] == local["created_at"]
    assert store.aftercare_plan.save({**shared, "people_to_call": []})["id"] == SHARED_ID


@pytest.mark.parametrize("bad", [
    {"continuing_care": "therapy"},
    {"continuing_care": ["x" * 501]},
    {"continuing_care": ["ok"] * 31},
    {"people_to_call": ["   "]},
    {"people_to_call": ["bell\x07"]},
    {"diagnosis": ["none"]},
    {"support_meetings": {"name": "AA"}},
    {"support_meetings": [MEETING] * 21},
    {"support_meetings": [{**MEETING, "time": "6:30 pm"}]},  # stored only as 24-hour HH:MM
    {"support_meetings": [{**MEETING, "time": "25:00"}]},
    {"support_meetings": [{**MEETING, "weekday": "Tuesday"}]},
    {"support_meetings": [{**MEETING, "name": ""}]},
    {"support_meetings": [{**MEETING, "name": "n" * 121}]},
    {"support_meetings": [{**MEETING, "place": "p" * 201}]},
    {"support_meetings": [{**MEETING, "host": "Jo"}]},
    {"support_meetings": [{k: v for k, v in MEETING.items() if k != "weekday"}]},
])
def test_bad_plans_are_refused(store: Store, bad: dict) -> None:
    with pytest.raises(ValidationError):
        store.aftercare_plan.save(bad)
    assert store.aftercare_plan.get() is None


def test_the_clinics_version_replaces_the_shared_plan(store: Store) -> None:
    store.aftercare_plan.save(PLAN, record_id=SHARED_ID)
    theirs = {**PLAN, "continuing_care": ["Step-down group"], "id": SHARED_ID,
              "schema_version": 1}
    taken = store.aftercare_plan.put_from_clinic(SHARED_ID, theirs)
    assert taken["id"] == SHARED_ID
    assert taken["continuing_care"] == ["Step-down group"]


def test_the_clinics_version_is_merged_into_a_plan_written_outside_care(
        store: Store) -> None:
    """A plan written before connecting (or after discharge) has its own id; a version
    from the clinic must not overwrite what the participant wrote there."""
    mine = store.aftercare_plan.save(PLAN)
    theirs = {"continuing_care": ["Step-down group"], "medication_follow_up": ["Dr. Kim"],
              "support_meetings": [MEETING, {**MEETING, "name": "AA", "weekday": "friday"}]}
    kept = store.aftercare_plan.put_from_clinic(SHARED_ID, theirs)
    assert kept["id"] == mine["id"]  # still the participant's own until it is shared
    assert kept["continuing_care"] == ["Weekly therapy", "Step-down group"]
    assert kept["medication_follow_up"] == ["Dr. Kim"]
    assert kept["people_to_call"] == ["Ana 555-0101"]
    assert [m["name"] for m in kept["support_meetings"]] == ["SMART Recovery", "AA"]
    again = store.aftercare_plan.put_from_clinic(SHARED_ID, theirs)  # a replayed page
    assert {k: v for k, v in again.items() if k != "updated_at"} == {
        k: v for k, v in kept.items() if k != "updated_at"}


def test_an_empty_local_plan_simply_takes_the_clinics(store: Store) -> None:
    store.aftercare_plan.save({})
    taken = store.aftercare_plan.put_from_clinic(SHARED_ID, PLAN)
    assert taken["id"] == SHARED_ID and taken["support_meetings"] == [MEETING]


def test_the_plan_is_in_the_export_and_is_a_shared_copy(store: Store) -> None:
    saved = store.aftercare_plan.save(PLAN)
    assert store.export_json()["aftercare_plan"] == saved
    assert store.shared_copy("aftercare_plan") is store.aftercare_plan
