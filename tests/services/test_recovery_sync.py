"""The relapse-prevention plan, lapse reviews and the shared safety plan travel through
the outbox with the right kinds and versions, and the real clinic server stores them.
Both plans ask before they are first shared with the clinic."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from iop_companion.clinic.demo import DemoCredentials
from iop_companion.clinic.models import ParticipantRecord
from iop_companion.domain.safety_plan import plan_record
from iop_companion.services import plan_sharing
from iop_companion.services.clinic_link import ClinicLink, LinkState
from iop_companion.services.plan_sharing import RELAPSE_PLAN
from iop_companion.services.record_versions import delivery, note_deliveries, queue_version
from iop_companion.services.recovery import (
    plan_choices,
    save_lapse_review,
    save_relapse_plan,
    share_plan_on_connecting,
)
from iop_companion.services.safety_plan_sharing import (
    save_safety_plan,
    sharing_status,
    start_sharing,
    stop_sharing,
)
from iop_companion.store import Store, Vault
from iop_companion.sync.clinic_client import ClinicClient
from tests.sync.sync_testing import ServerClock

PLAN_TEXT = {"triggers": "payday\nold friends", "warning_signs_emotional": "lonely",
             "coping_strategies": "call my sponsor"}
REVIEW = {"what_happened": "payday", "what_helped": "calling Ana",
          "do_differently": "leave my card at home", "who_i_will_tell": "my counselor"}


@pytest.fixture
def store(vault: Vault) -> Store:
    return vault.create("482913")


@pytest.fixture
def enrolled(store: Store, clinic_client: ClinicClient, demo: DemoCredentials,
             server_clock: ServerClock) -> ClinicLink:
    link = ClinicLink(clinic_client, clock=server_clock)
    assert link.enrol(store, demo.enrolment_code).ok
    return link


def queued(store: Store) -> list[tuple[str, int, int | None]]:
    return [(e["kind"], e["version"], e["replaces_version"]) for e in store.outbox.pending()]


def share_relapse_plan(store: Store, server_clock: ServerClock) -> bool:
    return plan_sharing.start_sharing(store, server_clock.now, plan=RELAPSE_PLAN)


def stored(clinic_app: FastAPI) -> list[ParticipantRecord]:
    with clinic_app.state.clinic.sessions() as session:
        rows = session.scalars(select(ParticipantRecord).order_by(ParticipantRecord.server_seq))
        return list(rows)


# --- without a clinic: everything stays on the phone ------------------------------------

def test_without_a_clinic_nothing_is_queued(store: Store, server_clock: ServerClock) -> None:
    save_relapse_plan(store, PLAN_TEXT, server_clock.now)
    save_lapse_review(store, REVIEW, date(2026, 11, 22))
    store.safety_plan.save(plan_record({"warning_signs": "not sleeping"}, ""))
    assert not start_sharing(store, server_clock.now)
    assert not share_relapse_plan(store, server_clock)
    status = sharing_status(store)
    assert (status.enrolled, status.on) == (False, False)
    assert plan_sharing.sharing_status(store, plan=RELAPSE_PLAN).on is False
    assert store.outbox.count_pending() == 0
    assert plan_choices(store).triggers == ("payday", "old friends")


# --- enrolled: kinds and versions -------------------------------------------------------

def test_each_plan_save_is_a_new_version_and_queued_versions_stay_frozen(
        store: Store, enrolled: ClinicLink, server_clock: ServerClock) -> None:
    first = save_relapse_plan(store, PLAN_TEXT, server_clock.now)
    assert share_relapse_plan(store, server_clock)
    second = save_relapse_plan(store, {**PLAN_TEXT, "triggers": "payday"}, server_clock.now)
    assert second["id"] == first["id"]
    assert queued(store) == [("relapse_plan", 1, None), ("relapse_plan", 2, 1)]
    # Version 1 waits unchanged while version 2 is queued behind it.
    entries = store.outbox.pending()
    assert entries[0]["payload"]["triggers"] == ["payday", "old friends"]
    assert entries[1]["payload"]["triggers"] == ["payday"]
    assert enrolled.sync(store).state is LinkState.UP_TO_DATE
    third = save_relapse_plan(store, {**PLAN_TEXT, "people_to_call": "Ana"}, server_clock.now)
    assert queued(store) == [("relapse_plan", 3, 2)]
    assert third["people_to_call"] == ["Ana"]


def test_the_relapse_plan_stays_on_the_phone_until_shared_and_stop_stops_later_versions(
        store: Store, enrolled: ClinicLink, server_clock: ServerClock) -> None:
    save_relapse_plan(store, PLAN_TEXT, server_clock.now)
    save_relapse_plan(store, {**PLAN_TEXT, "triggers": "payday"}, server_clock.now)
    status = plan_sharing.sharing_status(store, server_clock.now, plan=RELAPSE_PLAN)
    assert (status.enrolled, status.on, status.last_copy) == (True, False, None)
    assert store.outbox.count_pending() == 0  # nothing leaves before the choice
    # Sharing sends the plan as it is now; later saves go as new versions.
    assert share_relapse_plan(store, server_clock)
    assert queued(store) == [("relapse_plan", 1, None)]
    assert store.outbox.pending()[0]["payload"]["triggers"] == ["payday"]
    save_relapse_plan(store, {**PLAN_TEXT, "triggers": "payday\nSunday evenings"},
                      server_clock.now)
    assert queued(store) == [("relapse_plan", 1, None), ("relapse_plan", 2, 1)]
    # Stopping: the copies already queued still go, later saves stay on the phone.
    plan_sharing.stop_sharing(store, server_clock.now, plan=RELAPSE_PLAN)
    save_relapse_plan(store, {**PLAN_TEXT, "triggers": "boredom"}, server_clock.now)
    assert len(queued(store)) == 2
    status = plan_sharing.sharing_status(store, server_clock.now, plan=RELAPSE_PLAN)
    assert status.on is False and status.last_copy is not None
    assert store.relapse_plan.get()["triggers"] == ["boredom"]
    # Sharing again sends the plan as it is now, on top of the last version sent.
    assert share_relapse_plan(store, server_clock)
    assert queued(store)[-1] == ("relapse_plan", 3, 2)
    assert store.outbox.pending()[-1]["payload"]["triggers"] == ["boredom"]


def test_each_plan_has_its_own_choice(store: Store, enrolled: ClinicLink,
                                      server_clock: ServerClock) -> None:
    save_relapse_plan(store, PLAN_TEXT, server_clock.now)
    save_safety_plan(store, plan_record({"warning_signs": "not sleeping"}, ""),
                     server_clock.now)
    assert start_sharing(store, server_clock.now)  # the safety plan only
    assert queued(store) == [("safety_plan", 1, None)]
    save_relapse_plan(store, {**PLAN_TEXT, "triggers": "payday"}, server_clock.now)
    assert queued(store) == [("safety_plan", 1, None)]
    assert plan_sharing.sharing_status(store, plan=RELAPSE_PLAN).on is False
    assert share_relapse_plan(store, server_clock)
    stop_sharing(store, server_clock.now)  # the safety plan only
    save_relapse_plan(store, {**PLAN_TEXT, "triggers": "boredom"}, server_clock.now)
    assert [kind for kind, _, _ in queued(store)] == [
        "safety_plan", "relapse_plan", "relapse_plan"]


def test_a_relapse_plan_already_sent_before_sharing_asked_counts_as_shared(
        store: Store, enrolled: ClinicLink, clinic_app: FastAPI,
        server_clock: ServerClock) -> None:
    """An existing participant whose app sent the plan on every save (before this choice
    existed): no choice is recorded, so a plan with a version queued or sent is shared,
    and later saves go on as new versions until they stop."""
    record = store.relapse_plan.save({"triggers": ["payday"]})
    queue_version(store, "relapse_plan", record, server_clock.now)  # what saving used to do
    assert enrolled.sync(store).state is LinkState.UP_TO_DATE
    assert store.settings.get(RELAPSE_PLAN.setting_key) is None
    status = plan_sharing.sharing_status(store, server_clock.now, plan=RELAPSE_PLAN)
    assert status.on and status.last_copy is not None and not status.last_copy.waiting
    save_relapse_plan(store, {"triggers": "payday\nold friends"}, server_clock.now)
    assert queued(store) == [("relapse_plan", 2, 1)]
    assert enrolled.sync(store).state is LinkState.UP_TO_DATE
    plan_sharing.stop_sharing(store, server_clock.now, plan=RELAPSE_PLAN)
    save_relapse_plan(store, {"triggers": "boredom"}, server_clock.now)
    assert store.outbox.count_pending() == 0
    assert [(row.version, row.payload["triggers"]) for row in stored(clinic_app)
            if row.kind.value == "relapse_plan"] == [
        (1, ["payday"]), (2, ["payday", "old friends"])]


def test_a_version_queued_but_not_noted_is_not_reused(
        store: Store, enrolled: ClinicLink, server_clock: ServerClock) -> None:
    """If the app stopped between queueing a version and noting its number, the queued
    entry still tells which number was used."""
    record = save_relapse_plan(store, PLAN_TEXT, server_clock.now)
    assert share_relapse_plan(store, server_clock)
    store.settings.delete(f"sync.version.{record['id']}")
    save_relapse_plan(store, {**PLAN_TEXT, "triggers": "payday"}, server_clock.now)
    assert queued(store) == [("relapse_plan", 1, None), ("relapse_plan", 2, 1)]


def test_a_plan_written_before_connecting_asks_before_it_is_shared(
        store: Store, clinic_client: ClinicClient, demo: DemoCredentials,
        server_clock: ServerClock) -> None:
    save_relapse_plan(store, PLAN_TEXT, server_clock.now)
    assert not share_plan_on_connecting(store, server_clock.now)  # no clinic yet
    link = ClinicLink(clinic_client, clock=server_clock)
    assert link.enrol(store, demo.enrolment_code).ok
    assert not share_plan_on_connecting(store, server_clock.now)  # connecting is no choice
    assert store.outbox.count_pending() == 0
    assert plan_sharing.sharing_status(store, plan=RELAPSE_PLAN).on is False
    assert share_relapse_plan(store, server_clock)
    assert queued(store) == [("relapse_plan", 1, None)]
    assert not share_plan_on_connecting(store, server_clock.now)  # once
    assert link.sync(store).state is LinkState.UP_TO_DATE
    assert not share_plan_on_connecting(store, server_clock.now)  # not after it was sent


def test_an_empty_plan_is_not_shared_on_connecting(store: Store, enrolled: ClinicLink,
                                                   server_clock: ServerClock) -> None:
    store.relapse_plan.save({})
    assert not share_plan_on_connecting(store, server_clock.now)
    assert store.outbox.count_pending() == 0


def test_a_lapse_review_is_queued_once(store: Store, enrolled: ClinicLink) -> None:
    record = save_lapse_review(store, REVIEW, date(2026, 11, 22))
    assert queued(store) == [("lapse_review", 1, None)]
    assert store.outbox.pending()[0]["record_id"] == record["id"]


def test_safety_plan_sharing_is_off_until_chosen_and_follows_edits_while_on(
        store: Store, enrolled: ClinicLink, server_clock: ServerClock) -> None:
    save_safety_plan(store, plan_record({"warning_signs": "not sleeping"}, "my kids"),
                     server_clock.now)
    assert sharing_status(store).on is False
    assert store.outbox.count_pending() == 0  # nothing leaves before the choice
    assert start_sharing(store, server_clock.now)
    assert queued(store) == [("safety_plan", 1, None)]
    save_safety_plan(store, plan_record({"warning_signs": "not sleeping\nskipping group"},
                                        "my kids"), server_clock.now)
    assert queued(store) == [("safety_plan", 1, None), ("safety_plan", 2, 1)]
    stop_sharing(store, server_clock.now)
    save_safety_plan(store, plan_record({"warning_signs": "all fine"}, ""), server_clock.now)
    assert len(queued(store)) == 2  # stopped: the latest edit stays on the phone


def test_delivery_says_when_the_last_copy_was_taken(
        store: Store, enrolled: ClinicLink, server_clock: ServerClock) -> None:
    save_safety_plan(store, plan_record({"warning_signs": "not sleeping"}, ""),
                     server_clock.now)
    start_sharing(store, server_clock.now)
    copy = sharing_status(store).last_copy
    assert copy is not None and copy.waiting and copy.sent_at is None
    assert note_deliveries(store, server_clock.now) == 0  # still queued: not sent
    assert enrolled.sync(store).state is LinkState.UP_TO_DATE
    server_clock.advance(timedelta(seconds=5))
    assert note_deliveries(store, server_clock.now) == 1
    copy = sharing_status(store).last_copy
    assert copy is not None and not copy.waiting and copy.sent_at == server_clock.now
    assert note_deliveries(store, server_clock.now + timedelta(hours=1)) == 0  # kept


# --- the real clinic server stores them ----------------------------------------------

def test_the_clinic_stores_plan_versions_reviews_chips_and_the_shared_safety_plan(
        store: Store, enrolled: ClinicLink, clinic_app: FastAPI,
        server_clock: ServerClock) -> None:
    from iop_companion.domain.check_in import CheckInDraft
    from iop_companion.services.check_ins import save_check_in

    plan = save_relapse_plan(store, PLAN_TEXT, server_clock.now)
    assert share_relapse_plan(store, server_clock)
    save_check_in(store, CheckInDraft(
        mood=4, craving=6, sleep_hours="5", sleep_quality="poor", medications="yes",
        used_since_last=True, thoughts_of_self_harm=False, triggers=("payday",),
        warning_signs=("lonely",), skills_used=("call my sponsor", "a walk")))
    save_lapse_review(store, REVIEW, date(2026, 11, 22))
    save_safety_plan(store, plan_record({"warning_signs": "not sleeping"}, "my kids"),
                     server_clock.now)
    start_sharing(store, server_clock.now)
    assert enrolled.sync(store).state is LinkState.UP_TO_DATE
    # Edits after the first copies were sent: new versions naming the ones they replace.
    save_relapse_plan(store, {**PLAN_TEXT, "people_to_call": "Ana"}, server_clock.now)
    save_safety_plan(store, plan_record({"warning_signs": "not sleeping\nno calls"}, ""),
                     server_clock.now)
    assert enrolled.sync(store).state is LinkState.UP_TO_DATE
    assert [e.get("parked_reason") for e in store.outbox.parked()] == []
    assert store.outbox.count_pending() == 0

    rows = stored(clinic_app)
    summary = [(row.kind.value, row.version, row.replaces_version) for row in rows]
    assert sorted(summary) == sorted([
        ("relapse_plan", 1, None), ("check_in", 1, None), ("lapse_review", 1, None),
        ("safety_plan", 1, None), ("relapse_plan", 2, 1), ("safety_plan", 2, 1)])
    by_kind = {(row.kind.value, row.version): row for row in rows}
    assert str(by_kind[("relapse_plan", 2)].record_id) == plan["id"]
    assert by_kind[("relapse_plan", 2)].payload["people_to_call"] == ["Ana"]
    assert by_kind[("check_in", 1)].payload["skills_used"] == ["call my sponsor", "a walk"]
    assert by_kind[("lapse_review", 1)].payload["happened_on"] == "2026-11-22"
    assert by_kind[("safety_plan", 2)].payload["warning_signs"] == ["not sleeping", "no calls"]
    assert delivery(store, plan["id"]) is not None
