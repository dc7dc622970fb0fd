"""The clinician's participant list with each participant's status at a glance, one
participant's status, and adding a participant (issue 12)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from iop_companion.clinic.models import (
    Alert,
    AuditEntry,
    Clinic,
    Participant,
    PublishedChange,
    StaffRole,
)
from iop_companion.clinic.paging import encode_cursor
from iop_companion.sync.protocol import ParticipantsResponse, ParticipantStatus
from tests.clinic.clinic_testing import FakeClock, Records, bearer, clinician_headers
from tests.clinic.sync_records import PUSH, check_in_payload, record, safety_flag

API = "/api/v1/clinician"
PARTICIPANTS = f"{API}/participants"


def measure_result(measure: str, answers: list[int]) -> dict[str, Any]:
    return record("measure_result", payload={
        "id": str(uuid.uuid4()), "created_at": "2026-03-04T14:55:00+00:00",
        "schema_version": 1, "measure": measure, "answers": answers,
        "completed_at": "2026-03-04T14:55:00+00:00"})


class _Clinic:
    """Northside with Morgan (clinician), Sam and Riley; Southside with Jo."""

    def __init__(self, client: TestClient, records: Records) -> None:
        self.client = client
        self.records = records
        self.clinic = records.clinic()
        records.clinician(self.clinic)
        records.clinician(records.clinic("Southside Clinic"), "jo@southside.example")
        self.sam = records.participant(self.clinic, "Sam")
        self.riley = records.participant(self.clinic, "Riley")
        self.sign_in()

    def sign_in(self) -> None:
        self.morgan = clinician_headers(self.client, "morgan@northside.example")
        self.jo = clinician_headers(self.client, "jo@southside.example")

    def later(self, clock: FakeClock, delta: timedelta) -> None:
        """Move the clock on; sessions left idle that long have ended, so sign in again."""
        clock.advance(delta)
        self.sign_in()

    def push(self, token: str, *pushed: dict[str, Any]) -> None:
        response = self.client.post(PUSH, json={"records": list(pushed)},
                                    headers=bearer(token))
        assert response.status_code == 200, response.text
        assert {r["outcome"] for r in response.json()["results"]} == {"stored"}, response.text

    def status(self, participant: Participant,
               headers: dict[str, str] | None = None) -> ParticipantStatus:
        response = self.client.get(f"{PARTICIPANTS}/{participant.id}",
                                   headers=headers or self.morgan)
        assert response.status_code == 200, response.text
        return ParticipantStatus.model_validate(response.json())


@pytest.fixture
def setting(client: TestClient, records: Records) -> _Clinic:
    return _Clinic(client, records)


def test_a_new_participant_has_a_quiet_status(setting: _Clinic, clock: FakeClock) -> None:
    sam = setting.status(setting.sam)
    assert sam.display_name == "Sam" and sam.status == "enrolled"
    assert (sam.program_start, sam.program_end) == (date(2026, 3, 2), date(2026, 4, 24))
    assert sam.active_devices == 0 and sam.open_alerts == 0
    assert sam.last_sync_at is None and sam.last_check_in_on is None
    assert sam.phq9 is None and sam.gad7 is None
    assert sam.days_since_use is None and sam.days_since_app_used is None


def test_the_status_shows_sync_check_ins_alerts_measures_and_use(
    setting: _Clinic, enrol: Callable[..., str], clock: FakeClock,
    sessions: sessionmaker[Session]
) -> None:
    setting.later(clock, timedelta(days=3))
    token = enrol(setting.records.code(setting.sam))
    assert setting.status(setting.sam).last_sync_at == clock.now
    assert setting.status(setting.sam).active_devices == 1
    # A use reported two days before, in Chicago's evening (already the next day in UTC).
    setting.push(
        token,
        record(payload=check_in_payload(used_since_last=True, substance="alcohol",
                                        created_at="2026-03-05T20:30:00-06:00")),
        record(payload=check_in_payload(created_at="2026-03-06T21:00:00-06:00")),
        measure_result("phq9", [3, 3, 2, 2, 2, 2, 2, 2, 3]),  # 21: severe
        measure_result("gad7", [1, 1, 1, 1, 1, 0, 0]),  # 5: mild
        measure_result("phq9", [1, 1, 1, 1, 1, 1, 1, 1, 0]),  # 8, newer: mild
        safety_flag(),
        safety_flag("check_in_self_harm"),
    )
    sam = setting.status(setting.sam)
    assert sam.last_sync_at == clock.now
    assert sam.last_check_in_on == date(2026, 3, 6)  # the phone's own day
    # The two flags, and whatever the clinic's own alert rules raised from the records.
    with sessions() as session:
        open_alerts = session.scalar(sa.select(sa.func.count()).select_from(Alert).where(
            Alert.participant_id == setting.sam.id, Alert.acknowledged_at.is_(None)))
    assert open_alerts is not None and open_alerts >= 2
    assert sam.open_alerts == open_alerts
    assert sam.phq9 is not None and (sam.phq9.total, sam.phq9.band) == (8, "mild")
    assert sam.gad7 is not None and (sam.gad7.total, sam.gad7.band) == (5, "mild")
    assert sam.phq9.received_at == clock.now
    # Today is 7 March in Chicago (9:00); the use was on the 5th.
    assert sam.days_since_use == 2
    # The newest record was made on the phone at 14:55 UTC on 4 March (its push time).
    assert sam.days_since_app_used == 3
    riley = setting.status(setting.riley)
    assert riley.open_alerts == 0 and riley.last_sync_at is None


def test_a_lapse_review_counts_as_reported_use(
    setting: _Clinic, enrol: Callable[..., str], clock: FakeClock
) -> None:
    token = enrol(setting.records.code(setting.sam))
    setting.push(token, record("lapse_review", payload={
        "id": str(uuid.uuid4()), "happened_on": "2026-02-25", "what_happened": "A party."}))
    assert setting.status(setting.sam).days_since_use == 7


def test_a_phone_clock_running_ahead_does_not_look_fresh(
    setting: _Clinic, enrol: Callable[..., str], clock: FakeClock
) -> None:
    setting.later(clock, timedelta(days=10))
    token = enrol(setting.records.code(setting.sam))
    ahead = clock.now + timedelta(days=400)
    setting.push(token, record(created_at=ahead, payload=check_in_payload(
        used_since_last=True, created_at=ahead.isoformat())))
    sam = setting.status(setting.sam)
    assert sam.days_since_app_used == 0  # capped at its arrival
    assert sam.days_since_use == 0  # a day after today is "today", never negative


def test_discharged_from_the_discharge_day_on(setting: _Clinic, clock: FakeClock) -> None:
    url = f"{PARTICIPANTS}/{setting.sam.id}/discharge"
    today = date(2026, 3, 4)
    response = setting.client.post(url, json={"discharged_on": str(today + timedelta(days=1))},
                                   headers=setting.morgan)
    assert response.status_code == 200, response.text
    assert setting.status(setting.sam).status == "enrolled"
    setting.client.post(url, json={"discharged_on": str(today)}, headers=setting.morgan)
    sam = setting.status(setting.sam)
    assert (sam.status, sam.discharged_on) == ("discharged", today)


def test_the_list_is_by_name_paged_and_only_the_clinics_own(
    setting: _Clinic, records: Records, sessions: sessionmaker[Session]
) -> None:
    for name in ("Alex", "Sam", "Blair"):  # a second Sam: the id breaks the tie
        records.participant(setting.clinic, name)
    records.participant(records.clinic("Eastside Clinic"), "Avery")
    seen: list[tuple[str, uuid.UUID]] = []
    cursor: str | None = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        response = setting.client.get(PARTICIPANTS, params=params, headers=setting.morgan)
        assert response.status_code == 200, response.text
        page = ParticipantsResponse.model_validate(response.json())
        seen += [(p.display_name, p.id) for p in page.participants]
        pages += 1
        cursor = page.next
        if cursor is None:
            break
    assert [name for name, _ in seen] == ["Alex", "Blair", "Riley", "Sam", "Sam"]
    assert len({participant_id for _, participant_id in seen}) == 5  # none twice
    assert pages == 3
    with sessions() as session:
        reads = session.scalars(sa.select(AuditEntry.record_id).where(
            AuditEntry.action == "clinician.participants.read")).all()
    assert sorted(reads) == sorted(str(pid) for _, pid in seen)
    other = setting.client.get(PARTICIPANTS, headers=setting.jo)
    assert other.status_code == 200 and other.json() == {"participants": [], "next": None}


def test_adding_a_participant(
    setting: _Clinic, sessions: sessionmaker[Session], clock: FakeClock
) -> None:
    response = setting.client.post(PARTICIPANTS, json={
        "display_name": "  Jordan  ", "program_start": "2026-03-09",
        "program_end": "2026-05-01"}, headers=setting.morgan)
    assert response.status_code == 201, response.text
    added = ParticipantStatus.model_validate(response.json())
    assert (added.display_name, added.status, added.created_at) == (
        "Jordan", "enrolled", clock.now)
    with sessions() as session:
        row = session.get_one(Participant, added.id)
        clinic = session.scalars(sa.select(Clinic).where(Clinic.name == "Northside Clinic")).one()
        published = session.scalars(sa.select(PublishedChange).where(
            PublishedChange.participant_id == added.id)).one()
        audit = session.scalars(sa.select(AuditEntry).where(
            AuditEntry.action == "participant.create")).one()
    assert row.clinic_id == clinic.id and row.program_end == date(2026, 5, 1)
    assert published.kind == "program" and published.data is not None
    assert published.data["display_name"] == "Jordan"
    assert audit.record_id == str(added.id) and audit.outcome == "success"
    assert setting.client.get(f"{PARTICIPANTS}/{added.id}", headers=setting.jo).status_code == 404


def test_an_administrator_sees_and_adds_participants_too(
    setting: _Clinic, records: Records
) -> None:
    records.clinician(setting.clinic, "admin@northside.example", StaffRole.ADMINISTRATOR)
    admin = clinician_headers(setting.client, "admin@northside.example")
    assert len(setting.client.get(PARTICIPANTS, headers=admin).json()["participants"]) == 2
    response = setting.client.post(PARTICIPANTS, json={"display_name": "Kai"}, headers=admin)
    assert response.status_code == 201, response.text


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({}, "'display_name' is required."),
        ({"display_name": ""}, "'display_name' cannot be empty."),
        ({"display_name": "x" * 81}, "'display_name' can be at most 80 characters."),
        ({"display_name": "Sam\u202e"}, "Text can only contain printable characters."),
        ({"display_name": "Sam", "program_start": "2026-03-09", "program_end": "2026-03-01"},
         "'program_end': must be on or after 'program_start'."),
        ({"display_name": "Sam", "program_start": "0001-01-01"},
         "'program_start': must be a date between 2000 and 2099."),
        ({"display_name": "Sam", "program_end": "soon"}, "'program_end'"),
        ({"display_name": "Sam", "clinic_id": str(uuid.uuid4())},
         "'clinic_id' is not a field this server accepts."),
    ],
)
def test_bad_participants_are_refused_with_a_clear_422(
    setting: _Clinic, sessions: sessionmaker[Session], body: dict[str, Any], detail: str
) -> None:
    response = setting.client.post(PARTICIPANTS, json=body, headers=setting.morgan)
    assert response.status_code == 422, response.text
    assert detail in response.json()["detail"]
    with sessions() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Participant)) == 2


@pytest.mark.parametrize(
    ("params", "detail"),
    [
        ({"limit": 0}, "'limit'"),
        ({"limit": 201}, "'limit'"),
        ({"cursor": "not-a-cursor"}, "'cursor' is not a cursor"),
        ({"cursor": encode_cursor("alerts", 0, 100, "x", "y")}, "'cursor' is not a cursor"),
        ({"cursor": encode_cursor("participants", "Sam", "not-a-uuid")}, "'cursor' is not"),
        ({"page": 2}, "'page' is not a parameter"),
    ],
)
def test_bad_paging_is_a_clear_422(setting: _Clinic, params: dict[str, Any],
                                   detail: str) -> None:
    response = setting.client.get(PARTICIPANTS, params=params, headers=setting.morgan)
    assert response.status_code == 422, response.text
    assert detail in response.json()["detail"]


def test_another_clinics_participant_is_404_and_audited(
    setting: _Clinic, sessions: sessionmaker[Session]
) -> None:
    for participant_id in (setting.sam.id, uuid.uuid4()):
        response = setting.client.get(f"{PARTICIPANTS}/{participant_id}", headers=setting.jo)
        assert response.status_code == 404
        assert response.json()["detail"] == "There is no such participant."
    with sessions() as session:
        failures = session.scalars(sa.select(AuditEntry).where(
            AuditEntry.action == "clinician.participant.read")).all()
    assert [(f.outcome, f.reason) for f in failures] == [("failure", "not_found")] * 2
    assert failures[0].record_id == str(setting.sam.id)
