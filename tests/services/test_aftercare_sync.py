"""The aftercare plan round trip between the app and the real clinic server (in process):
the plan written on the phone reaches the clinic; the clinician's plan and edits reach
the phone by pull; both starting it at once make one record and a choice, never a
silent overwrite; and a discharge reaches the phone and stops new records."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any
from uuid import UUID

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from iop_companion.clinic.demo import DEMO_PARTICIPANT_ID, DemoCredentials
from iop_companion.clinic.models import ParticipantRecord
from iop_companion.domain.aftercare import MeetingDraft
from iop_companion.domain.check_in import CheckInDraft
from iop_companion.services import shared_records
from iop_companion.services.aftercare import (
    save_aftercare_plan,
    share_aftercare_plan_on_connecting,
    shared_plan_id,
)
from iop_companion.services.care_status import care_status, clinic_receives_data
from iop_companion.services.check_ins import save_check_in
from iop_companion.services.clinic_link import ClinicLink, LinkState
from iop_companion.store import Store, Vault
from iop_companion.sync.clinic_client import ClinicClient
from iop_companion.sync.protocol import aftercare_plan_id
from tests.sync.sync_testing import ServerClock

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=".*httpx2", category=UserWarning)
    from fastapi.testclient import TestClient

PLAN_URL = f"/api/v1/clinician/participants/{DEMO_PARTICIPANT_ID}/aftercare-plan"
DISCHARGE_URL = f"/api/v1/clinician/participants/{DEMO_PARTICIPANT_ID}/discharge"
SHARED_ID = str(aftercare_plan_id(DEMO_PARTICIPANT_ID))
SMART = MeetingDraft(name="SMART Recovery", weekday="tuesday", time="6:30 pm",
                     place="Library, room 2")
CHECK_IN = CheckInDraft(mood=6, craving=2, sleep_hours="7", sleep_quality="good",
                        medications="yes", used_since_last=False, thoughts_of_self_harm=False)


class Clinician:
    """The demo clinician, signed in, calling the real routes."""

    def __init__(self, http: TestClient, demo: DemoCredentials) -> None:
        self.http = http
        signed_in = http.post("/api/v1/clinician/sessions", json={
            "email": demo.clinician_email, "password": demo.clinician_password})
        assert signed_in.status_code == 201, signed_in.text
        self.headers = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}

    def plan(self) -> dict[str, Any] | None:
        answer = self.http.get(PLAN_URL, headers=self.headers)
        if answer.status_code == 404:
            return None
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    def write_plan(self, replaces_version: int | None, **sections: Any) -> Any:
        return self.http.put(PLAN_URL, headers=self.headers,
                             json={**sections, "replaces_version": replaces_version})

    def discharge(self, on: date) -> None:
        answer = self.http.post(DISCHARGE_URL, headers=self.headers,
                                json={"discharged_on": on.isoformat()})
        assert answer.status_code == 200, answer.text
        assert answer.json()["discharged_on"] == on.isoformat()


@pytest.fixture
def store(vault: Vault) -> Store:
    return vault.create("482913")


@pytest.fixture
def link(clinic_client: ClinicClient, server_clock: ServerClock) -> ClinicLink:
    return ClinicLink(clinic_client, clock=server_clock)


@pytest.fixture
def enrolled(store: Store, link: ClinicLink, demo: DemoCredentials) -> ClinicLink:
    assert link.enrol(store, demo.enrolment_code).ok
    return link


@pytest.fixture
def clinician(clinic_app: FastAPI, demo: DemoCredentials) -> Iterator[Clinician]:
    with TestClient(clinic_app, base_url="http://localhost") as http:
        yield Clinician(http, demo)


def stored(clinic_app: FastAPI, kind: str) -> list[ParticipantRecord]:
    with clinic_app.state.clinic.sessions() as session:
        rows = session.scalars(select(ParticipantRecord).order_by(ParticipantRecord.server_seq))
        return [row for row in rows if row.kind.value == kind]


def synced(link: ClinicLink, store: Store) -> None:
    assert link.sync(store).state is LinkState.UP_TO_DATE


def test_the_plan_written_on_the_phone_reaches_the_clinic(
        store: Store, enrolled: ClinicLink, clinician: Clinician,
        server_clock: ServerClock) -> None:
    assert clinician.plan() is None
    saved = save_aftercare_plan(store, {"continuing_care": "Weekly therapy with Dr. Lee",
                                        "people_to_call": "Ana 555-0101"}, [SMART],
                                server_clock.now)
    assert saved["id"] == SHARED_ID == shared_plan_id(store)
    synced(enrolled, store)
    at_clinic = clinician.plan()
    assert at_clinic is not None
    assert (at_clinic["id"], at_clinic["version"], at_clinic["author"]) == (
        SHARED_ID, 1, "participant")
    assert at_clinic["payload"]["continuing_care"] == ["Weekly therapy with Dr. Lee"]
    assert at_clinic["payload"]["support_meetings"] == [
        {"name": "SMART Recovery", "weekday": "tuesday", "time": "18:30",
         "place": "Library, room 2"}]
    # The next save is version 2, naming version 1.
    save_aftercare_plan(store, {"continuing_care": "Weekly therapy with Dr. Lee",
                                "medication_follow_up": "Dr. Kim, every 4 weeks"}, [SMART],
                        server_clock.now)
    synced(enrolled, store)
    plan = clinician.plan()
    assert plan is not None and plan["version"] == 2
    assert plan["payload"]["medication_follow_up"] == ["Dr. Kim, every 4 weeks"]
    assert plan["payload"]["people_to_call"] == []


def test_the_clinicians_plan_and_edits_reach_the_phone_and_build_on_each_other(
        store: Store, enrolled: ClinicLink, clinician: Clinician,
        server_clock: ServerClock, clinic_app: FastAPI) -> None:
    started = clinician.write_plan(None, continuing_care=["Step-down group, Thursdays"],
                                   support_meetings=[{"name": "AA", "weekday": "friday",
                                                      "time": "19:00", "place": "Church hall"}])
    assert started.status_code == 200, started.text
    synced(enrolled, store)
    on_phone = store.aftercare_plan.get()
    assert on_phone is not None and on_phone["id"] == SHARED_ID
    assert on_phone["continuing_care"] == ["Step-down group, Thursdays"]
    assert on_phone["support_meetings"][0]["name"] == "AA"
    assert store.outbox.count_pending() == 0  # taken from the clinic: nothing to send back

    # The participant adds to it: version 2 on top of the clinician's version 1.
    save_aftercare_plan(store, {"continuing_care": "Step-down group, Thursdays",
                                "if_warning_signs_return": "Call Ana, then my counselor"},
                        [MeetingDraft("AA", "friday", "19:00", "Church hall"), SMART],
                        server_clock.now)
    synced(enrolled, store)
    plan = clinician.plan()
    assert plan is not None and (plan["version"], plan["author"]) == (2, "participant")
    # A clinician editing the version they saw (1) is told about the newer one: nothing lost.
    stale = clinician.write_plan(1, continuing_care=["Step-down group"])
    assert stale.status_code == 409
    assert stale.json()["latest"]["version"] == 2
    content = {k: v for k, v in plan["payload"].items()
               if k not in ("id", "created_at", "updated_at", "schema_version")}
    edited = clinician.write_plan(2, **{**content, "medication_follow_up": ["Dr. Kim on Dec 3"]})
    assert edited.status_code == 200, edited.text
    synced(enrolled, store)
    on_phone = store.aftercare_plan.get()
    assert on_phone is not None
    assert on_phone["medication_follow_up"] == ["Dr. Kim on Dec 3"]
    assert on_phone["if_warning_signs_return"] == ["Call Ana, then my counselor"]
    assert [m["name"] for m in on_phone["support_meetings"]] == ["AA", "SMART Recovery"]
    versions = [(r.version, r.replaces_version, r.author_staff_id is not None)
                for r in stored(clinic_app, "aftercare_plan")]
    assert versions == [(1, None, True), (2, 1, False), (3, 2, True)]


def test_both_starting_the_plan_at_once_make_one_record_and_a_choice(
        store: Store, enrolled: ClinicLink, clinician: Clinician,
        server_clock: ServerClock, clinic_app: FastAPI) -> None:
    """The id both sides derive from the participant makes two first versions one record:
    the phone's version 1 conflicts with the clinic's, is set aside (not lost), and the
    participant chooses."""
    save_aftercare_plan(store, {"people_to_call": "Ana"}, [], server_clock.now)
    assert clinician.write_plan(None, continuing_care=["Weekly therapy"]).status_code == 200
    assert enrolled.sync(store).state is LinkState.UP_TO_DATE
    [parked] = store.outbox.parked()
    assert parked["record_id"] == SHARED_ID
    assert parked["conflict_latest"]["version"] == 1
    on_phone = store.aftercare_plan.get()
    assert on_phone is not None and on_phone["people_to_call"] == ["Ana"]  # left alone
    # "Keep mine": my plan goes as version 2, on top of the clinic's version 1.
    assert shared_records.keep_mine(store, parked["id"], server_clock.now)
    synced(enrolled, store)
    plan = clinician.plan()
    assert plan is not None and plan["version"] == 2
    assert plan["payload"]["people_to_call"] == ["Ana"]
    assert [r.record_id for r in stored(clinic_app, "aftercare_plan")] == [
        UUID(SHARED_ID)] * 2


def test_a_plan_written_before_connecting_is_merged_with_the_clinics_and_shared(
        store: Store, link: ClinicLink, demo: DemoCredentials, clinician: Clinician,
        server_clock: ServerClock) -> None:
    written = save_aftercare_plan(store, {"people_to_call": "Ana"}, [SMART], server_clock.now)
    assert written["id"] != SHARED_ID and store.outbox.count_pending() == 0
    assert not share_aftercare_plan_on_connecting(store, server_clock.now)  # no clinic yet
    assert clinician.write_plan(None, continuing_care=["Weekly therapy"]).status_code == 200

    assert link.enrol(store, demo.enrolment_code).ok  # pulls the clinic's plan
    merged = store.aftercare_plan.get()
    assert merged is not None
    assert (merged["people_to_call"], merged["continuing_care"]) == (["Ana"], ["Weekly therapy"])
    assert share_aftercare_plan_on_connecting(store, server_clock.now)
    assert not share_aftercare_plan_on_connecting(store, server_clock.now)  # once
    synced(link, store)
    plan = clinician.plan()
    assert plan is not None and (plan["version"], plan["author"]) == (2, "participant")
    assert plan["payload"]["people_to_call"] == ["Ana"]
    assert plan["payload"]["continuing_care"] == ["Weekly therapy"]
    assert plan["payload"]["support_meetings"][0]["name"] == "SMART Recovery"
    assert store.aftercare_plan.get()["id"] == SHARED_ID


def test_a_plan_written_before_connecting_is_shared_when_the_clinic_has_none(
        store: Store, link: ClinicLink, demo: DemoCredentials, clinician: Clinician,
        server_clock: ServerClock) -> None:
    save_aftercare_plan(store, {"people_to_call": "Ana"}, [], server_clock.now)
    assert link.enrol(store, demo.enrolment_code).ok
    assert share_aftercare_plan_on_connecting(store, server_clock.now)
    synced(link, store)
    plan = clinician.plan()
    assert plan is not None and plan["version"] == 1
    assert plan["payload"]["people_to_call"] == ["Ana"]


def test_a_discharge_reaches_the_phone_and_stops_new_records(
        store: Store, enrolled: ClinicLink, clinician: Clinician,
        server_clock: ServerClock, clinic_app: FastAPI, demo: DemoCredentials) -> None:
    save_aftercare_plan(store, {"continuing_care": "Weekly therapy"}, [SMART], server_clock.now)
    synced(enrolled, store)
    # Written in care, not yet sent when the clinic discharges: it still goes.
    save_check_in(store, CHECK_IN, server_clock.now)
    today = server_clock.now.date()
    clinician.discharge(today)
    synced(enrolled, store)
    assert len(stored(clinic_app, "check_in")) == 1
    status = care_status(store, server_clock.now)
    assert (status.discharged, status.discharged_on) == (True, today)
    assert not clinic_receives_data(store, server_clock.now)

    server_clock.advance(timedelta(hours=2))
    later = server_clock.now
    save_check_in(store, CHECK_IN, later)
    kept = save_aftercare_plan(store, {"continuing_care": "Weekly therapy\nAlumni group"},
                               [SMART], later)
    assert store.outbox.count_pending() == 0
    synced(enrolled, store)
    assert len(stored(clinic_app, "check_in")) == 1  # the clinic did not get the new one
    assert len(stored(clinic_app, "aftercare_plan")) == 1
    assert store.check_ins.count() == 2  # but the phone keeps both
    # The plan written after discharge is the participant's own: an edit the clinic
    # still makes is added to it, not put over it.
    assert kept["id"] != SHARED_ID
    clinician = Clinician(clinician.http, demo)  # two idle hours ended the session
    plan = clinician.plan()
    assert plan is not None
    assert clinician.write_plan(plan["version"], continuing_care=["Weekly therapy"],
                                people_to_call=["Clinic front desk"]).status_code == 200
    synced(enrolled, store)
    on_phone = store.aftercare_plan.get()
    assert on_phone is not None
    assert on_phone["continuing_care"] == ["Weekly therapy", "Alumni group"]
    assert on_phone["people_to_call"] == ["Clinic front desk"]
    assert store.outbox.count_pending() == 0


def test_a_discharge_set_for_a_later_day_takes_effect_on_that_day(
        store: Store, enrolled: ClinicLink, clinician: Clinician,
        server_clock: ServerClock) -> None:
    clinician.discharge(server_clock.now.date() + timedelta(days=2))
    synced(enrolled, store)
    assert clinic_receives_data(store, server_clock.now)
    save_check_in(store, CHECK_IN, server_clock.now)
    assert store.outbox.count_pending() == 1
    assert not clinic_receives_data(store, server_clock.now + timedelta(days=2))
