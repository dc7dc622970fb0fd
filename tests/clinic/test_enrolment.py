"""POST /api/v1/enrolments: single-use, short-lived codes traded for a device token."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from datetime import timedelta

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from iop_companion.clinic.credentials import SECRET_ENV, server_secret
from iop_companion.clinic.enrolment import issue_enrolment_code
from iop_companion.clinic.models import AuditEntry, Device, DeviceToken, EnrolmentCode
from iop_companion.clinic.routes.public import CODE_REFUSED_MESSAGE
from tests.clinic.clinic_testing import FakeClock, Records, bearer

ENROLMENTS = "/api/v1/enrolments"


def _audit(sessions: sessionmaker[Session], action: str) -> list[AuditEntry]:
    with sessions() as session:
        return list(
            session.scalars(
                sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
            )
        )


def test_a_valid_code_enrols_the_device(
    client: TestClient, records: Records, sessions: sessionmaker[Session]
) -> None:
    clinic = records.clinic()
    participant = records.participant(clinic, "Sam")
    code = records.code(participant)

    response = client.post(ENROLMENTS, json={"code": code, "device_label": "Sam's phone"})

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["participant_id"] == str(participant.id)
    assert body["display_name"] == "Sam"
    assert body["clinic"]["name"] == "Northside Clinic"
    assert body["clinic"]["crisis_line"] == "+1 (555) 010-1999"
    assert body["clinic"]["timezone"] == "America/Chicago"
    assert body["program_start"] == "2026-03-02"
    assert body["program_end"] == "2026-04-24"
    token, refresh = body["access_token"], body["refresh_token"]
    assert len(token) >= 32 and len(refresh) >= 32 and token != refresh
    assert body["access_expires_in"] == 15 * 60

    with sessions() as session:
        device = session.scalars(sa.select(Device)).one()
        assert device.label == "Sam's phone"
        assert device.participant_id == participant.id
        # Only the digests are stored, never the tokens themselves.
        stored = {row.kind.value: row.token_hash
                  for row in session.scalars(sa.select(DeviceToken))}
        assert stored == {"access": hashlib.sha256(token.encode()).hexdigest(),
                          "refresh": hashlib.sha256(refresh.encode()).hexdigest()}
        assert session.scalars(sa.select(EnrolmentCode.used_at)).one() is not None

    profile = client.get("/api/v1/participant/profile", headers=bearer(token))
    assert profile.status_code == 200


def test_codes_are_stored_as_hmac_under_the_server_secret(
    records: Records, sessions: sessionmaker[Session], database_url: str
) -> None:
    participant = records.participant(records.clinic())
    code = records.code(participant)
    canonical = code.replace("-", "")
    with sessions() as session:
        stored = session.scalars(sa.select(EnrolmentCode)).one()
    # Not the plain SHA-256 a stolen database could be searched with (2^40 codes)...
    assert stored.code_hash != hashlib.sha256(canonical.encode()).hexdigest()
    # ...but HMAC-SHA256 under the secret kept outside the database.
    secret = server_secret(database_url)
    assert stored.code_hash == hmac.new(secret, canonical.encode(), hashlib.sha256).hexdigest()
    assert canonical not in repr(vars(stored))


def test_a_changed_server_secret_makes_codes_already_given_out_fail(
    client: TestClient, records: Records, monkeypatch: pytest.MonkeyPatch,
    sessions: sessionmaker[Session],
) -> None:
    monkeypatch.setenv(SECRET_ENV, "a" * 64)
    code = records.code(records.participant(records.clinic()))
    monkeypatch.setenv(SECRET_ENV, "b" * 64)

    response = client.post(ENROLMENTS, json={"code": code, "device_label": "phone"})

    assert response.status_code == 401
    assert _audit(sessions, "enrolment.create")[-1].reason == "unknown_code"
    monkeypatch.setenv(SECRET_ENV, "a" * 64)
    assert client.post(ENROLMENTS, json={"code": code, "device_label": "p"}).status_code == 201


@pytest.mark.parametrize(
    "as_typed",
    [
        lambda code: code,
        lambda code: code.lower(),
        lambda code: code.replace("-", ""),
        lambda code: "  " + code.replace("-", " ").lower() + " ",
        lambda code: code.replace("-", "\u2013"),  # an en dash, as some keyboards insert
    ],
    ids=["as shown", "lower case", "no dash", "spaces", "en dash"],
)
def test_codes_are_accepted_however_they_are_typed(
    client: TestClient, records: Records, as_typed: Callable[[str], str]
) -> None:
    code = records.code(records.participant(records.clinic()))
    response = client.post(ENROLMENTS, json={"code": as_typed(code), "device_label": "phone"})
    assert response.status_code == 201, response.text


def test_a_code_works_only_once(
    client: TestClient, records: Records, sessions: sessionmaker[Session]
) -> None:
    code = records.code(records.participant(records.clinic()))
    assert client.post(ENROLMENTS, json={"code": code, "device_label": "first"}).status_code == 201

    second = client.post(ENROLMENTS, json={"code": code, "device_label": "second"})

    assert second.status_code == 401
    assert second.json()["detail"] == CODE_REFUSED_MESSAGE  # the same for every failure
    with sessions() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Device)) == 1
    outcomes = [(e.outcome.value, e.reason) for e in _audit(sessions, "enrolment.create")]
    assert outcomes == [("success", None), ("failure", "code_already_used")]


def test_an_unknown_code_is_refused(client: TestClient, sessions: sessionmaker[Session]) -> None:
    response = client.post(ENROLMENTS, json={"code": "ABCD-2345", "device_label": "phone"})
    assert response.status_code == 401
    assert response.json()["detail"] == CODE_REFUSED_MESSAGE
    (entry,) = _audit(sessions, "enrolment.create")
    assert (entry.actor, entry.outcome.value, entry.reason) == (
        "anonymous",
        "failure",
        "unknown_code",
    )


def test_an_expired_code_is_gone(
    client: TestClient, records: Records, clock: FakeClock, sessions: sessionmaker[Session]
) -> None:
    code = records.code(records.participant(records.clinic()))
    clock.advance(timedelta(minutes=15))

    response = client.post(ENROLMENTS, json={"code": code, "device_label": "phone"})

    assert response.status_code == 401
    assert response.json()["detail"] == CODE_REFUSED_MESSAGE
    (entry,) = _audit(sessions, "enrolment.create")
    assert (entry.outcome.value, entry.reason, entry.record_type) == (
        "failure",
        "code_expired",
        "enrolment_code",
    )


def test_a_code_still_works_just_before_it_expires(
    client: TestClient, records: Records, clock: FakeClock
) -> None:
    code = records.code(records.participant(records.clinic()))
    clock.advance(timedelta(minutes=14, seconds=59))
    assert client.post(ENROLMENTS, json={"code": code, "device_label": "phone"}).status_code == 201


def test_codes_cannot_be_issued_for_longer_than_fifteen_minutes(
    records: Records, sessions: sessionmaker[Session], clock: FakeClock
) -> None:
    participant = records.participant(records.clinic())
    with sessions() as session, pytest.raises(ValueError):
        issue_enrolment_code(session, participant.id, clock.now, timedelta(minutes=16))


def test_audit_entries_never_hold_the_code_or_the_token(
    client: TestClient, records: Records, sessions: sessionmaker[Session]
) -> None:
    code = records.code(records.participant(records.clinic()))
    token = client.post(ENROLMENTS, json={"code": code, "device_label": "p"}).json()["access_token"]
    client.post(ENROLMENTS, json={"code": code, "device_label": "p"})
    with sessions() as session:
        rows = session.execute(sa.select(AuditEntry)).scalars().all()
    dumped = " ".join(repr(vars(row)) for row in rows)
    assert code.replace("-", "") not in dumped and code not in dumped
    assert token not in dumped


def test_each_enrolment_gets_its_own_device_and_token(
    client: TestClient, records: Records, enrol: Callable[..., str]
) -> None:
    participant = records.participant(records.clinic())
    first = enrol(records.code(participant), "phone")
    second = enrol(records.code(participant), "tablet")
    assert first != second
