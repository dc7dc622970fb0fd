"""Homework from the care team, app side: marking it done (with a note) and undoing it
keeps the answer on the phone and queues numbered versions of one record for the
clinic, only while the clinic receives data; against the real clinic server
(in-process) the clinician's homework reaches the phone, the homework_done versions
reach the clinic, and withdrawn homework leaves the to-do list."""

from __future__ import annotations

import uuid
import warnings
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from iop_companion.clinic.demo import DemoCredentials
from iop_companion.clinic.models import Device, ParticipantRecord
from iop_companion.domain.homework import NOTE_MAX
from iop_companion.services.clinic_link import ENROLMENT_KEY, PROFILE_KEY, ClinicLink, LinkState
from iop_companion.services.errors import SaveFailed
from iop_companion.services.homework import (
    HOMEWORK_DONE_KIND,
    answer_for,
    board,
    mark_done,
    undo_done,
)
from iop_companion.store import Store, Vault
from iop_companion.sync.clinic_client import ClinicClient
from iop_companion.sync.protocol import RecordKind, assignment_answer_id, payload_problem
from tests.sync.sync_testing import ServerClock

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=".*httpx2", category=UserWarning)
    from fastapi.testclient import TestClient

# Tuesday evening in Chicago, already Wednesday in UTC: the answer is dated the clinic's day.
NOW = datetime(2026, 11, 25, 3, 30, tzinfo=UTC)
CLINIC_TODAY = date(2026, 11, 24)
PARTICIPANT_ID = "b7e4a2c9-58d1-4f3e-8c6a-2d9f1e0a4b37"
URGE_LOG = "00000000-0000-4000-8000-000000000001"
WALK = "00000000-0000-4000-8000-000000000002"


def published(assignment_id: str, title: str, *, due_on: date | None = CLINIC_TODAY,
              status: str = "assigned") -> dict[str, Any]:
    """A HomeworkAssignment as the pull feed leaves it in the store."""
    return {"id": assignment_id, "title": title, "instructions": "Once a day.",
            "due_on": due_on.isoformat() if due_on else None,
            "assigned_on": "2026-11-17", "module_id": None, "status": status}


def with_homework(store: Store) -> Store:
    store.homework.apply_changes([published(URGE_LOG, "Urge log"),
                                  published(WALK, "A short walk", due_on=None)])
    return store


def connect(store: Store, *, discharged_on: str | None = None) -> Store:
    """What enrolling (and the program's news on the feed) leaves in the settings."""
    store.settings.set(PROFILE_KEY, {"name": "Cedar Hollow", "timezone": "America/Chicago"})
    store.settings.set(ENROLMENT_KEY, {
        "participant_id": PARTICIPANT_ID, "display_name": "Alex", "refresh_token": "t",
        "program_start": "2026-10-01", "program_end": "2026-12-01",
        "discharged_on": discharged_on})
    return store


def queued(store: Store) -> list[tuple[str, str, int, int | None, dict[str, Any]]]:
    return [(e["kind"], e["record_id"], e["version"], e["replaces_version"], e["payload"])
            for e in store.outbox.pending()]


@pytest.fixture
def store(vault: Vault) -> Store:
    return vault.create("482913")


# --- on the phone -------------------------------------------------------------------------

def test_without_a_clinic_the_answer_stays_on_the_phone(store: Store) -> None:
    with_homework(store)
    mark_done(store, URGE_LOG, "Two urges, both passed", NOW)
    assert store.outbox.count_pending() == 0
    assert answer_for(store, URGE_LOG)["note"] == "Two urges, both passed"
    assert [item.assignment_id for item in board(store, NOW).done] == [URGE_LOG]


def test_after_discharge_nothing_new_is_queued(store: Store) -> None:
    connect(with_homework(store), discharged_on="2026-11-20")
    mark_done(store, URGE_LOG, "", NOW)
    undo_done(store, URGE_LOG, NOW)
    assert store.outbox.count_pending() == 0
    assert answer_for(store, URGE_LOG)["done"] is False


def test_done_then_undo_then_done_again_are_versions_of_one_record(store: Store) -> None:
    connect(with_homework(store))
    record_id = str(assignment_answer_id(URGE_LOG))
    first = mark_done(store, URGE_LOG, "  Two urges, both passed \n", NOW)
    assert first["id"] == record_id
    assert (first["done"], first["note"], first["done_on"]) == (
        True, "Two urges, both passed", CLINIC_TODAY.isoformat())
    later = NOW + timedelta(hours=20)
    undone = undo_done(store, URGE_LOG, later)
    assert undone is not None and undone["done"] is False
    assert undone["note"] == "Two urges, both passed"  # kept for the next time
    assert undone["created_at"] == first["created_at"]
    again = mark_done(store, URGE_LOG, "Did it properly this time", later)
    entries = queued(store)
    assert [(kind, rid, v, r) for kind, rid, v, r, _ in entries] == [
        (HOMEWORK_DONE_KIND, record_id, 1, None),
        (HOMEWORK_DONE_KIND, record_id, 2, 1),
        (HOMEWORK_DONE_KIND, record_id, 3, 2)]
    # Queued versions are frozen copies: the first still says what it said.
    assert entries[0][4] == first and entries[1][4] == undone and entries[2][4] == again
    assert [payload["done"] for *_, payload in entries] == [True, False, True]
    for *_, payload in entries:
        assert payload_problem(RecordKind.HOMEWORK_DONE, payload) is None
    # One answer on the phone: the newest.
    assert [a["id"] for a in store.assignment_answers.all()] == [record_id]
    assert answer_for(store, URGE_LOG) == again


def test_tapping_done_twice_sends_nothing_new(store: Store) -> None:
    connect(with_homework(store))
    mark_done(store, URGE_LOG, "ok", NOW)
    mark_done(store, URGE_LOG, "ok ", NOW + timedelta(minutes=1))
    assert len(queued(store)) == 1
    # Undo of something not done changes nothing either.
    assert undo_done(store, WALK, NOW) is None
    assert len(queued(store)) == 1


def test_a_new_note_on_done_homework_is_a_new_version(store: Store) -> None:
    connect(with_homework(store))
    mark_done(store, URGE_LOG, "", NOW)
    mark_done(store, URGE_LOG, "Added a note after all", NOW)
    assert [(v, r) for _, _, v, r, _ in queued(store)] == [(1, None), (2, 1)]


def test_a_note_that_is_too_long_is_refused_and_nothing_is_kept(store: Store) -> None:
    connect(with_homework(store))
    with pytest.raises(SaveFailed):
        mark_done(store, URGE_LOG, "x" * (NOTE_MAX + 1), NOW)
    assert answer_for(store, URGE_LOG) is None
    assert store.outbox.count_pending() == 0


def test_homework_no_longer_on_the_phone_cannot_be_marked(store: Store) -> None:
    connect(store)
    with pytest.raises(SaveFailed):
        mark_done(store, URGE_LOG, "", NOW)
    assert store.outbox.count_pending() == 0


def test_withdrawn_homework_leaves_the_to_do_list_but_done_work_stays(store: Store) -> None:
    connect(with_homework(store))
    mark_done(store, WALK, "", NOW)
    store.homework.apply_changes([published(URGE_LOG, "Urge log", status="withdrawn"),
                                  published(WALK, "A short walk", due_on=None,
                                            status="withdrawn")])
    shown = board(store, NOW)
    assert shown.to_do == ()
    assert [item.assignment_id for item in shown.done] == [WALK]


def test_due_dates_are_the_clinics_days(store: Store) -> None:
    """Late in the evening in Chicago it is already tomorrow in UTC: homework due on the
    clinic's today is due today, not late."""
    connect(with_homework(store))
    [due_today] = board(store, NOW).due_today
    assert due_today.assignment_id == URGE_LOG


# --- against the real clinic server -------------------------------------------------------

class HomeworkClinician:
    """The demo clinician, setting homework through the clinician API."""

    def __init__(self, http: TestClient, demo: DemoCredentials, participant_id: uuid.UUID) -> None:
        self._http = http
        signed_in = http.post("/api/v1/clinician/sessions",
                              json={"email": demo.clinician_email,
                                    "password": demo.clinician_password})
        assert signed_in.status_code == 201, signed_in.text
        self._headers = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
        self._base = f"/api/v1/clinician/participants/{participant_id}/homework"

    def set(self, **body: Any) -> dict[str, Any]:
        response = self._http.post(self._base, json=body, headers=self._headers)
        assert response.status_code == 201, response.text
        return response.json()  # type: ignore[no-any-return]

    def withdraw(self, homework_id: str) -> dict[str, Any]:
        response = self._http.post(f"{self._base}/{homework_id}/withdraw", headers=self._headers)
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    def homework(self, homework_id: str) -> dict[str, Any]:
        response = self._http.get(self._base, headers=self._headers)
        assert response.status_code == 200, response.text
        [found] = [h for h in response.json()["homework"] if h["id"] == homework_id]
        return found  # type: ignore[no-any-return]


@pytest.fixture
def link(store: Store, clinic_client: ClinicClient, demo: DemoCredentials,
         server_clock: ServerClock) -> ClinicLink:
    link = ClinicLink(clinic_client, clock=server_clock)
    assert link.enrol(store, demo.enrolment_code).ok
    return link


@pytest.fixture
def clinician(link: ClinicLink, clinic_app: FastAPI,
              demo: DemoCredentials) -> Iterator[HomeworkClinician]:
    with clinic_app.state.clinic.sessions() as session:
        [participant_id] = session.scalars(select(Device.participant_id)).all()
    with TestClient(clinic_app, base_url="http://localhost") as http:
        yield HomeworkClinician(http, demo, participant_id)


def synced(link: ClinicLink, store: Store) -> None:
    assert link.sync(store).state is LinkState.UP_TO_DATE
    assert store.outbox.count_pending() == 0


def versions_at_clinic(clinic_app: FastAPI,
                       record_id: str) -> list[tuple[RecordKind, int, int | None, dict[str, Any]]]:
    with clinic_app.state.clinic.sessions() as session:
        rows = session.scalars(select(ParticipantRecord)
                               .where(ParticipantRecord.record_id == uuid.UUID(record_id))
                               .order_by(ParticipantRecord.version))
        return [(row.kind, row.version, row.replaces_version, row.payload) for row in rows]


def test_homework_round_trip_with_the_real_clinic(
        store: Store, link: ClinicLink, clinician: HomeworkClinician, clinic_app: FastAPI,
        server_clock: ServerClock) -> None:
    today = server_clock.now.date()  # 15:00 UTC: the same day in Chicago
    urge_log = clinician.set(title="Urge log", instructions="Note each urge and what you did.",
                             due_on=(today + timedelta(days=2)).isoformat())
    walk = clinician.set(title="A short walk", instructions="Ten minutes outside.")
    synced(link, store)
    shown = board(store, server_clock.now)
    assert [item.title for item in shown.to_do] == ["Urge log", "A short walk"]

    # Done with a note: version 1 reaches the clinic, which shows it to the clinician.
    mark_done(store, urge_log["id"], "Two urges, both passed", server_clock.now)
    synced(link, store)
    record_id = str(assignment_answer_id(urge_log["id"]))
    at_clinic = versions_at_clinic(clinic_app, record_id)
    assert [(kind, v, r) for kind, v, r, _ in at_clinic] == [(RecordKind.HOMEWORK_DONE, 1, None)]
    assert at_clinic[0][3]["note"] == "Two urges, both passed"
    seen = clinician.homework(urge_log["id"])
    assert (seen["done_on"], seen["note"]) == (today.isoformat(), "Two urges, both passed")

    # Not done after all: version 2 names version 1, and the clinician sees it open again.
    undo_done(store, urge_log["id"], server_clock.now)
    synced(link, store)
    assert [(v, r, p["done"]) for _, v, r, p in versions_at_clinic(clinic_app, record_id)] == [
        (1, None, True), (2, 1, False)]
    assert clinician.homework(urge_log["id"])["done_on"] is None

    # The clinician withdraws the walk: after a sync it is no longer to do.
    clinician.withdraw(walk["id"])
    synced(link, store)
    assert store.homework.get(walk["id"])["status"] == "withdrawn"
    assert [item.assignment_id for item in board(store, server_clock.now).to_do] == [
        urge_log["id"]]
