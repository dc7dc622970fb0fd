"""Clinicians: sign in (Argon2id, hashed tokens), see their own clinic's alerts, acknowledge."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from iop_companion.clinic.models import Alert, AuditEntry, StaffRole, StaffSession
from iop_companion.sync.protocol import ClinicianAlertsResponse
from tests.clinic.clinic_testing import CLINICIAN_PASSWORD, FakeClock, Records, bearer
from tests.clinic.sync_records import PUSH, safety_flag

SIGN_IN = "/api/v1/clinician/sessions"
ALERTS = "/api/v1/clinician/alerts"


def _ack(alert_id: Any) -> str:
    return f"/api/v1/clinician/alerts/{alert_id}/acknowledge"


NOTE = {"note": "Called Sam; safe, seeing us tomorrow."}  # an acknowledgement needs one


def _sign_in(client: TestClient, email: str, password: str = CLINICIAN_PASSWORD) -> str:
    response = client.post(SIGN_IN, json={"email": email, "password": password})
    assert response.status_code == 201, response.text
    token: str = response.json()["access_token"]
    return token


def _alerts(client: TestClient, token: str) -> ClinicianAlertsResponse:
    response = client.get(ALERTS, headers=bearer(token))
    assert response.status_code == 200, response.text
    return ClinicianAlertsResponse.model_validate(response.json())


def _flag(client: TestClient, device_token: str, **options: Any) -> str:
    pushed = safety_flag(**options)
    response = client.post(PUSH, json={"records": [pushed]}, headers=bearer(device_token))
    assert response.json()["results"][0]["outcome"] == "stored", response.text
    return str(pushed["id"])


def test_sign_in_gives_a_12_hour_token_stored_hashed(
    client: TestClient, records: Records, sessions: sessionmaker[Session], clock: FakeClock
) -> None:
    staff = records.clinician(records.clinic())
    response = client.post(
        SIGN_IN, json={"email": " Morgan@Northside.example ", "password": CLINICIAN_PASSWORD}
    )
    assert response.status_code == 201, response.text
    body = response.json()
    token = body["access_token"]
    assert len(token) >= 32
    assert body["expires_at"].startswith((clock.now + timedelta(hours=12)).isoformat()[:19])
    with sessions() as session:
        stored = session.scalars(sa.select(StaffSession)).one()
        audit = session.scalars(sa.select(AuditEntry)).all()
    assert stored.staff_id == staff.id and token not in stored.token_hash
    assert all(token not in f"{a.actor}{a.record_id}{a.reason}" for a in audit)
    assert _alerts(client, token).alerts == []
    clock.advance(timedelta(hours=12))
    assert client.get(ALERTS, headers=bearer(token)).status_code == 401


@pytest.mark.parametrize(
    ("email", "password", "reason"),
    [
        ("morgan@northside.example", "wrong password", "wrong_password"),
        ("nobody@northside.example", CLINICIAN_PASSWORD, "unknown_email"),
        # An administrator signs in like a clinician (test_staff_admin.py), and fails alike.
        ("admin@northside.example", "wrong password", "wrong_password"),
        ("morgan@northside.example", " " + CLINICIAN_PASSWORD, "wrong_password"),
    ],
)
def test_failed_sign_ins_get_one_generic_401_and_are_audited(
    client: TestClient,
    records: Records,
    sessions: sessionmaker[Session],
    email: str,
    password: str,
    reason: str,
) -> None:
    clinic = records.clinic()
    records.clinician(clinic)
    records.clinician(clinic, "admin@northside.example", StaffRole.ADMINISTRATOR)
    response = client.post(SIGN_IN, json={"email": email, "password": password})
    assert response.status_code == 401
    assert response.json()["detail"] == (
        "That email and password do not match an account. Please try again."
    )
    with sessions() as session:
        failures = session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == "staff.sign_in")
        ).all()
        assert session.scalar(sa.select(sa.func.count()).select_from(StaffSession)) == 0
    assert [(f.outcome, f.reason) for f in failures] == [("failure", reason)]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"email": "a@b.c"},
        {"email": "a@b.c", "password": ""},
        {"email": "a@b.c", "password": "x" * 1025},
        {"email": "a@b.c", "password": "x", "role": 1},
    ],
)
def test_malformed_sign_ins_get_a_422(client: TestClient, body: dict[str, Any]) -> None:
    response = client.post(SIGN_IN, json=body)
    assert response.status_code == 422 and response.json()["detail"]


def test_alerts_come_most_urgent_first_and_acknowledging_is_idempotent(
    client: TestClient,
    records: Records,
    enrol: Callable[..., str],
    clock: FakeClock,
    sessions: sessionmaker[Session],
) -> None:
    clinic = records.clinic()
    staff = records.clinician(clinic)
    sam = enrol(records.code(records.participant(clinic, "Sam")))
    riley = enrol(records.code(records.participant(clinic, "Riley")))
    _flag(client, sam, trigger="participant_request")
    clock.advance(timedelta(minutes=1))
    low = safety_flag(trigger="diary_card_self_harm")
    low["priority"] = 50
    client.post(PUSH, json={"records": [low]}, headers=bearer(sam))
    clock.advance(timedelta(minutes=1))
    _flag(client, riley, trigger="phq9_item9")
    clock.advance(timedelta(minutes=1))
    _flag(client, sam, trigger="check_in_self_harm")
    token = _sign_in(client, "morgan@northside.example")

    listed = _alerts(client, token).alerts
    # The clinic's priority from the trigger; the phone's (100, or 50) is ignored.
    assert [(a.trigger, a.priority) for a in listed] == [
        ("participant_request", 100),
        ("check_in_self_harm", 90),
        ("diary_card_self_harm", 80),
        ("phq9_item9", 70),
    ]
    assert [a.participant_name for a in listed] == ["Sam", "Sam", "Sam", "Riley"]

    first = listed[0]
    clock.advance(timedelta(minutes=5))
    acked_at = clock.now
    for _ in range(2):
        response = client.post(_ack(first.id), json=NOTE, headers=bearer(token))
        assert response.status_code == 200, response.text
        assert response.json()["acknowledged_at"].startswith(acked_at.isoformat()[:19])
        clock.advance(timedelta(minutes=1))
    after = _alerts(client, token).alerts
    assert [a.trigger for a in after] == [
        "check_in_self_harm",
        "diary_card_self_harm",
        "phq9_item9",
        "participant_request",
    ]
    assert after[-1].acknowledged_at == acked_at
    with sessions() as session:
        alert = session.get(Alert, first.id)
        assert alert is not None and alert.acknowledged_by == staff.id
        actions = session.scalars(
            sa.select(AuditEntry.action).where(AuditEntry.actor == f"staff:{staff.id}")
        ).all()
    assert actions.count("alert.acknowledge") == 2
    assert actions.count("clinician.alerts.read") >= 2


def test_a_clinician_never_sees_or_acknowledges_another_clinics_alerts(
    client: TestClient,
    records: Records,
    enrol: Callable[..., str],
    sessions: sessionmaker[Session],
) -> None:
    north = records.clinic()
    south = records.clinic("Southside Clinic")
    records.clinician(north)
    records.clinician(south, "jo@southside.example")
    sam = enrol(records.code(records.participant(north, "Sam")))
    _flag(client, sam)
    north_token = _sign_in(client, "morgan@northside.example")
    south_token = _sign_in(client, "jo@southside.example")
    [alert] = _alerts(client, north_token).alerts

    assert _alerts(client, south_token).alerts == []
    assert client.post(_ack(alert.id), json=NOTE, headers=bearer(south_token)).status_code == 404
    assert client.post(_ack(uuid.uuid4()), json=NOTE,
                       headers=bearer(north_token)).status_code == 404
    assert client.post(_ack("not-a-uuid"), json=NOTE,
                       headers=bearer(north_token)).status_code == 422
    assert _alerts(client, north_token).alerts[0].acknowledged_at is None
    with sessions() as session:
        refused = session.scalars(
            sa.select(AuditEntry.reason).where(
                AuditEntry.action == "alert.acknowledge", AuditEntry.outcome == "failure"
            )
        ).all()
    assert refused == ["not_found", "not_found"]


def test_tokens_do_not_cross_between_clinicians_and_participants(
    client: TestClient, records: Records, enrol: Callable[..., str]
) -> None:
    clinic = records.clinic()
    records.clinician(clinic)
    device = enrol(records.code(records.participant(clinic, "Sam")))
    clinician = _sign_in(client, "morgan@northside.example")
    assert client.get(ALERTS, headers=bearer(device)).status_code == 401
    assert client.get("/api/v1/participant/profile", headers=bearer(clinician)).status_code == 401
    assert client.get("/api/v1/family/shared", headers=bearer(clinician)).status_code == 401
    response = client.post(PUSH, json={"records": [safety_flag()]}, headers=bearer(clinician))
    assert response.status_code == 401
