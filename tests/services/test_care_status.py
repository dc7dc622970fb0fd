"""After discharge the app keeps everything working on the phone and queues nothing new
for the clinic; entries queued while in care still go. A discharge set for a later day
is not in effect until that day (the clinic's day)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from iop_companion.domain.check_in import CheckInDraft
from iop_companion.domain.measures import MeasureId
from iop_companion.domain.safety import SafetyTrigger
from iop_companion.domain.safety_plan import plan_record
from iop_companion.services import plan_sharing
from iop_companion.services.aftercare import save_aftercare_plan
from iop_companion.services.care_status import care_status, clinic_day, clinic_receives_data
from iop_companion.services.check_ins import save_check_in
from iop_companion.services.clinic_link import ENROLMENT_KEY, PROFILE_KEY
from iop_companion.services.measures import complete_measure
from iop_companion.services.plan_sharing import RELAPSE_PLAN
from iop_companion.services.recovery import (
    save_lapse_review,
    save_relapse_plan,
    share_plan_on_connecting,
)
from iop_companion.services.safety import FlagReach, raise_safety_flag
from iop_companion.services.safety_plan_sharing import (
    save_safety_plan,
    sharing_status,
    start_sharing,
)
from iop_companion.store import Store, Vault

# Tuesday evening in Chicago, already Wednesday in UTC.
NOW = datetime(2026, 11, 25, 3, 30, tzinfo=UTC)
CLINIC_TODAY = date(2026, 11, 24)
PARTICIPANT_ID = "b7e4a2c9-58d1-4f3e-8c6a-2d9f1e0a4b37"
CHECK_IN = CheckInDraft(mood=6, craving=2, sleep_hours="7", sleep_quality="good",
                        medications="yes", used_since_last=False, thoughts_of_self_harm=False)


@pytest.fixture
def store(vault: Vault) -> Store:
    created = vault.create("482913")
    created.settings.set(PROFILE_KEY, {"name": "Cedar Hollow", "timezone": "America/Chicago"})
    created.settings.set(ENROLMENT_KEY, {
        "participant_id": PARTICIPANT_ID, "display_name": "Alex", "refresh_token": "t",
        "program_start": "2026-10-01", "program_end": "2026-12-01", "discharged_on": None})
    return created


def discharge(store: Store, on: date) -> None:
    """What the pulled program change does (services/clinic_link.py)."""
    enrolment = store.settings.get(ENROLMENT_KEY)
    store.settings.set(ENROLMENT_KEY, {**enrolment, "discharged_on": on.isoformat()})


def kinds(store: Store) -> list[str]:
    return [entry["kind"] for entry in store.outbox.pending()]


def write_one_of_everything(store: Store, now: datetime) -> None:
    save_check_in(store, CHECK_IN, NOW)
    complete_measure(store, MeasureId.GAD7, [1] * 7, now)
    save_relapse_plan(store, {"triggers": "payday"}, now)
    plan_sharing.start_sharing(store, now, plan=RELAPSE_PLAN)  # False after discharge
    save_lapse_review(store, {"what_happened": "payday"}, now.date(), now)
    save_aftercare_plan(store, {"continuing_care": "Weekly therapy"}, [], now)


def test_not_connected_means_nothing_is_received(vault: Vault) -> None:
    alone = vault.create("573918")
    status = care_status(alone, NOW)
    assert (status.enrolled, status.discharged, status.clinic_receives_data) == (
        False, False, False)
    assert raise_safety_flag(alone, SafetyTrigger.PARTICIPANT_REQUEST, NOW).reach \
        is FlagReach.NOT_ENROLLED


def test_in_care_everything_is_queued(store: Store) -> None:
    assert clinic_receives_data(store, NOW)
    write_one_of_everything(store, NOW)
    assert sorted(kinds(store)) == sorted(["check_in", "measure_result", "relapse_plan",
                                           "lapse_review", "aftercare_plan"])


def test_the_days_are_the_clinics(store: Store) -> None:
    assert clinic_day(store, NOW) == CLINIC_TODAY  # not the UTC date, the 25th
    discharge(store, CLINIC_TODAY + timedelta(days=1))
    status = care_status(store, NOW)
    assert status.discharged_on == CLINIC_TODAY + timedelta(days=1)
    assert status.program_end == date(2026, 12, 1)
    assert not status.discharged and status.clinic_receives_data  # tomorrow, at the clinic
    assert not clinic_receives_data(store, NOW + timedelta(hours=3))  # midnight passed there


def test_after_discharge_nothing_new_is_queued_but_everything_is_kept(store: Store) -> None:
    discharge(store, CLINIC_TODAY)
    assert not clinic_receives_data(store, NOW)
    write_one_of_everything(store, NOW)
    outcome = complete_measure(store, MeasureId.PHQ9, [0] * 8 + [2], NOW)
    assert raise_safety_flag(store, SafetyTrigger.PARTICIPANT_REQUEST, NOW).reach \
        is FlagReach.DISCHARGED
    assert kinds(store) == []  # no safety flag either: no one at the clinic would see it
    # Still kept on the phone, and the safety flow still starts (help comes first).
    assert outcome.start_safety_flow
    assert store.check_ins.count() == 1
    assert store.measures.list_recent("phq9")
    assert store.relapse_plan.get()["triggers"] == ["payday"]
    assert store.lapse_reviews.list_recent()
    assert store.aftercare_plan.get()["continuing_care"] == ["Weekly therapy"]
    assert not share_plan_on_connecting(store, NOW)


def test_safety_plan_sharing_stops_at_discharge(store: Store) -> None:
    save_safety_plan(store, plan_record({"warning_signs": "not sleeping"}, ""), NOW)
    assert start_sharing(store, NOW)
    assert kinds(store) == ["safety_plan"]
    discharge(store, CLINIC_TODAY)
    status = sharing_status(store, NOW)
    assert (status.enrolled, status.on, status.clinic_receives) == (True, True, False)
    save_safety_plan(store, plan_record({"warning_signs": "not sleeping\nno calls"}, ""), NOW)
    assert store.safety_plan.get()["warning_signs"] == ["not sleeping", "no calls"]
    assert kinds(store) == ["safety_plan"]  # only the copy queued while in care
    assert not start_sharing(store, NOW)


def test_relapse_plan_sharing_stops_at_discharge(store: Store) -> None:
    save_relapse_plan(store, {"triggers": "payday"}, NOW)
    assert kinds(store) == []  # not shared until chosen
    assert plan_sharing.start_sharing(store, NOW, plan=RELAPSE_PLAN)
    assert kinds(store) == ["relapse_plan"]
    discharge(store, CLINIC_TODAY)
    status = plan_sharing.sharing_status(store, NOW, plan=RELAPSE_PLAN)
    assert (status.enrolled, status.on, status.clinic_receives) == (True, True, False)
    assert not status.clinic_gets_changes
    save_relapse_plan(store, {"triggers": "payday\nboredom"}, NOW)
    assert store.relapse_plan.get()["triggers"] == ["payday", "boredom"]
    assert kinds(store) == ["relapse_plan"]  # only the copy queued while in care
    assert not plan_sharing.start_sharing(store, NOW, plan=RELAPSE_PLAN)


def test_entries_queued_in_care_still_wait_to_be_sent_after_discharge(store: Store) -> None:
    save_check_in(store, CHECK_IN, NOW)
    raise_safety_flag(store, SafetyTrigger.CHECK_IN_SELF_HARM, NOW)
    discharge(store, CLINIC_TODAY)
    save_check_in(store, CHECK_IN, NOW)
    assert sorted(kinds(store)) == ["check_in", "safety_flag"]
