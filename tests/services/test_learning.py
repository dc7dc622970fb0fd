"""Saying "I've read this" about an assigned module: the answer is kept on the phone and
queued for the clinic only while the clinic receives data; a second tap changes
nothing; a module read without an assignment stays on the phone; and, with a real
clinic server, a clinician's assignment reaches the phone, the answer reaches the
clinic, and a withdrawn assignment leaves the phone's list."""

from __future__ import annotations

import uuid
import warnings
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from iop_companion.clinic.demo import DemoCredentials
from iop_companion.clinic.models import Device, ParticipantRecord
from iop_companion.domain.assignments import TaskState
from iop_companion.services.clinic_link import ENROLMENT_KEY, PROFILE_KEY, ClinicLink, LinkState
from iop_companion.services.errors import SaveFailed
from iop_companion.services.learning import (
    MODULE_READ_KIND,
    assigned_modules,
    mark_assignment_read,
    mark_read_here,
    modules_read,
    waiting_to_send,
)
from iop_companion.store import Store, Vault
from iop_companion.sync.clinic_client import ClinicClient
from iop_companion.sync.protocol import RecordKind, assignment_answer_id, payload_problem
from tests.sync.sync_testing import ServerClock

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=".*httpx2", category=UserWarning)
    from fastapi.testclient import TestClient

# Tuesday evening in Chicago, already Wednesday in UTC.
NOW = datetime(2026, 11, 25, 3, 30, tzinfo=UTC)
CLINIC_TODAY = date(2026, 11, 24)
PARTICIPANT_ID = "b7e4a2c9-58d1-4f3e-8c6a-2d9f1e0a4b37"
LIBRARY = {"understanding-triggers", "riding-out-cravings", "sleep-and-recovery"}
ASSIGNMENT_ID = "5f0d6a52-8c3e-4b71-9d2a-0e4c1b7a3f68"


def assignment(assignment_id: str = ASSIGNMENT_ID, module_id: str = "riding-out-cravings",
               **changes: Any) -> dict[str, Any]:
    return {"id": assignment_id, "module_id": module_id, "note": "Before Thursday",
            "due_on": CLINIC_TODAY.isoformat(), "assigned_on": "2026-11-20",
            "status": "assigned", **changes}


@pytest.fixture
def store(vault: Vault) -> Store:
    created = vault.create("482913")
    created.settings.set(PROFILE_KEY, {"name": "Cedar Hollow", "timezone": "America/Chicago"})
    created.settings.set(ENROLMENT_KEY, {
        "participant_id": PARTICIPANT_ID, "display_name": "Alex", "refresh_token": "t",
        "program_start": "2026-10-01", "program_end": "2026-12-01", "discharged_on": None})
    created.module_assignments.apply_changes([assignment()])
    return created


def module_read_entries(store: Store) -> list[dict[str, Any]]:
    return [e for e in store.outbox.pending() if e["kind"] == MODULE_READ_KIND]


def test_reading_an_assigned_module_keeps_the_answer_and_queues_it(store: Store) -> None:
    answer = mark_assignment_read(store, ASSIGNMENT_ID, NOW)
    answer_id = str(assignment_answer_id(ASSIGNMENT_ID))
    assert answer["id"] == answer_id
    assert (answer["assignment_id"], answer["module_id"]) == (ASSIGNMENT_ID,
                                                              "riding-out-cravings")
    assert answer["done_on"] == NOW.astimezone().date().isoformat()
    assert payload_problem(RecordKind.MODULE_READ, answer) is None
    assert store.assignment_answers.get(answer_id) == answer
    [entry] = module_read_entries(store)
    assert (entry["record_id"], entry["version"], entry["replaces_version"]) == (
        answer_id, 1, None)
    assert entry["payload"] == answer
    assert waiting_to_send(store, ASSIGNMENT_ID)


def test_a_second_tap_changes_nothing(store: Store) -> None:
    first = mark_assignment_read(store, ASSIGNMENT_ID, NOW)
    again = mark_assignment_read(store, ASSIGNMENT_ID, NOW + timedelta(days=2))
    assert again == first
    assert len(module_read_entries(store)) == 1
    assert len(store.assignment_answers.all()) == 1


def test_not_queued_when_not_connected_to_a_clinic(vault: Vault) -> None:
    alone = vault.create("573918")
    alone.module_assignments.apply_changes([assignment()])
    answer = mark_assignment_read(alone, ASSIGNMENT_ID, NOW)
    assert alone.assignment_answers.get(answer["id"]) == answer  # kept on the phone
    assert alone.outbox.pending() == []
    assert not waiting_to_send(alone, ASSIGNMENT_ID)


def test_not_queued_after_discharge(store: Store) -> None:
    enrolment = store.settings.get(ENROLMENT_KEY)
    store.settings.set(ENROLMENT_KEY, {**enrolment, "discharged_on": "2026-11-23"})
    answer = mark_assignment_read(store, ASSIGNMENT_ID, NOW)
    assert store.assignment_answers.get(answer["id"]) == answer
    assert module_read_entries(store) == []


def test_an_answer_stored_but_not_queued_is_queued_on_the_next_tap(store: Store) -> None:
    """A crash between the two writes: the next tap finishes the job, once."""
    answer_id = str(assignment_answer_id(ASSIGNMENT_ID))
    store.assignment_answers.apply_changes([{
        "id": answer_id, "assignment_id": ASSIGNMENT_ID, "module_id": "riding-out-cravings",
        "done_on": "2026-11-24", "created_at": NOW.isoformat(), "updated_at": NOW.isoformat(),
        "schema_version": 1}])
    mark_assignment_read(store, ASSIGNMENT_ID, NOW)
    mark_assignment_read(store, ASSIGNMENT_ID, NOW)
    [entry] = module_read_entries(store)
    assert entry["payload"]["done_on"] == "2026-11-24"


@pytest.mark.parametrize("assignment_id", [
    "0b8c1d2e-0000-4000-8000-000000000001",  # never assigned
    "0b8c1d2e-0000-4000-8000-000000000002",  # withdrawn
])
def test_only_a_current_assignment_can_be_marked_read(store: Store, assignment_id: str) -> None:
    store.module_assignments.apply_changes([assignment(
        "0b8c1d2e-0000-4000-8000-000000000002", status="withdrawn")])
    with pytest.raises(SaveFailed):
        mark_assignment_read(store, assignment_id, NOW)
    assert store.assignment_answers.all() == []
    assert store.outbox.pending() == []


def test_a_module_read_without_an_assignment_stays_on_the_phone(store: Store) -> None:
    day = mark_read_here(store, "sleep-and-recovery", NOW)
    assert day == NOW.astimezone().date()
    assert mark_read_here(store, "sleep-and-recovery", NOW + timedelta(days=3)) == day
    assert store.outbox.pending() == []
    assert store.assignment_answers.all() == []
    assert modules_read(store) == {"sleep-and-recovery": day}


def test_modules_read_includes_assigned_ones(store: Store) -> None:
    mark_assignment_read(store, ASSIGNMENT_ID, NOW)
    assert set(modules_read(store)) == {"riding-out-cravings"}


def test_due_dates_are_judged_on_the_clinic_calendar(store: Store) -> None:
    # Due "today" at the clinic (Tuesday), though it is already Wednesday in UTC.
    [task] = assigned_modules(store, LIBRARY, NOW)
    assert task.state is TaskState.DUE_SOON
    assert task.in_library
    mark_assignment_read(store, ASSIGNMENT_ID, NOW)
    [task] = assigned_modules(store, LIBRARY, NOW)
    assert task.state is TaskState.READ


def test_withdrawn_assignments_leave_the_list(store: Store) -> None:
    store.module_assignments.apply_changes([assignment(status="withdrawn")])
    assert assigned_modules(store, LIBRARY, NOW) == []


# --- with a real clinic server (in-process) ------------------------------------------------

def test_assigned_by_the_clinician_read_on_the_phone_and_seen_by_the_clinic(
        vault: Vault, clinic_client: ClinicClient, demo: DemoCredentials,
        server_clock: ServerClock, clinic_app: FastAPI) -> None:
    phone = vault.create("482913")
    link = ClinicLink(clinic_client, clock=server_clock)
    assert link.enrol(phone, demo.enrolment_code).ok
    with clinic_app.state.clinic.sessions() as session:
        [participant_id] = session.scalars(select(Device.participant_id)).all()
    with TestClient(clinic_app, base_url="http://localhost") as http:
        signed_in = http.post("/api/v1/clinician/sessions", json={
            "email": demo.clinician_email, "password": demo.clinician_password})
        headers = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
        base = f"/api/v1/clinician/participants/{participant_id}"
        unknown = http.post(f"{base}/modules", headers=headers,
                            json={"module_id": "not-in-the-app"})
        assert unknown.status_code in (404, 422), unknown.text
        assigned = http.post(f"{base}/modules", headers=headers, json={
            "module_id": "riding-out-cravings", "note": "Before Thursday's group",
            "due_on": (server_clock.now + timedelta(days=3)).date().isoformat()})
        assert assigned.status_code == 201, assigned.text
        assignment_id = assigned.json()["id"]

        # The phone pulls it...
        assert link.sync(phone).state is LinkState.UP_TO_DATE
        [task] = assigned_modules(phone, LIBRARY, server_clock.now)
        assert (task.assignment_id, task.module_id, task.note) == (
            assignment_id, "riding-out-cravings", "Before Thursday's group")
        assert task.state is TaskState.OPEN
        # ...the participant reads it, and the clinic learns so at the next sync.
        answer = mark_assignment_read(phone, assignment_id, server_clock.now)
        assert link.sync(phone).state is LinkState.UP_TO_DATE
        assert phone.outbox.count_pending() == 0
        assert not waiting_to_send(phone, assignment_id)
        with clinic_app.state.clinic.sessions() as session:
            [stored] = session.scalars(select(ParticipantRecord).where(
                ParticipantRecord.record_id == uuid.UUID(answer["id"]))).all()
            assert stored.kind is RecordKind.MODULE_READ
            assert stored.payload["assignment_id"] == assignment_id
        seen = http.get(f"{base}/homework", headers=headers).json()
        [module] = [m for m in seen["modules"] if m["id"] == assignment_id]
        assert module["read_on"] == answer["done_on"]

        # Withdrawn: it leaves the phone's list at the next sync.
        withdrawn = http.post(f"{base}/modules/{assignment_id}/withdraw", headers=headers)
        assert withdrawn.status_code == 200, withdrawn.text
        assert link.sync(phone).state is LinkState.UP_TO_DATE
        assert assigned_modules(phone, LIBRARY, server_clock.now) == []
