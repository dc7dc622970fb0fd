"""Device tokens: 15-minute access tokens, single-use rotating refresh tokens, theft
detection on reuse, revocation by a clinician, and the move from long-lived tokens."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from iop_companion.clinic.api import create_app
from iop_companion.clinic.db import alembic_config, create_clinic_engine
from iop_companion.clinic.models import AuditEntry, Device, DeviceToken
from iop_companion.clinic.tokens import REFRESH_TOKEN_LIFETIME
from tests.clinic.clinic_testing import CLINICIAN_PASSWORD, FakeClock, Records, bearer

ENROLMENTS = "/api/v1/enrolments"
TOKENS = "/api/v1/device/tokens"
PROFILE = "/api/v1/participant/profile"


@pytest.fixture
def enrolled(client: TestClient, records: Records) -> dict[str, Any]:
    clinic = records.clinic()
    records.clinician(clinic)
    code = records.code(records.participant(clinic, "Sam"))
    response = client.post(ENROLMENTS, json={"code": code, "device_label": "Sam's phone"})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def _refresh(client: TestClient, refresh_token: str) -> Any:
    return client.post(TOKENS, json={"refresh_token": refresh_token})


def _audit_reasons(sessions: sessionmaker[Session], action: str) -> list[str | None]:
    with sessions() as session:
        return list(session.scalars(
            sa.select(AuditEntry.reason).where(AuditEntry.action == action).order_by(AuditEntry.id)
        ))


def test_a_refresh_token_buys_a_new_pair_once(
    client: TestClient, enrolled: dict[str, Any], sessions: sessionmaker[Session]
) -> None:
    rotated = _refresh(client, enrolled["refresh_token"])
    assert rotated.status_code == 200, rotated.text
    pair = rotated.json()
    assert pair["access_expires_in"] == 15 * 60
    assert pair["refresh_token"] != enrolled["refresh_token"]
    assert client.get(PROFILE, headers=bearer(pair["access_token"])).status_code == 200
    # The pair is stored as digests only.
    with sessions() as session:
        stored = set(session.scalars(sa.select(DeviceToken.token_hash)))
    for token in (pair["access_token"], pair["refresh_token"]):
        assert hashlib.sha256(token.encode()).hexdigest() in stored and token not in stored
    # The new refresh token rotates in turn.
    assert _refresh(client, pair["refresh_token"]).status_code == 200


def test_reusing_a_spent_refresh_token_disconnects_the_device(
    client: TestClient, enrolled: dict[str, Any], sessions: sessionmaker[Session],
    clock: FakeClock,
) -> None:
    legitimate = _refresh(client, enrolled["refresh_token"]).json()
    assert client.get(PROFILE, headers=bearer(legitimate["access_token"])).status_code == 200
    clock.advance(timedelta(hours=3))
    # Someone else presents the old (spent) refresh token: a stolen copy.
    stolen = _refresh(client, enrolled["refresh_token"])
    assert stolen.status_code == 401
    assert "no longer connected" in stolen.json()["detail"]
    # Every token of the device is now useless, the legitimate owner's included.
    assert client.get(PROFILE, headers=bearer(legitimate["access_token"])).status_code == 401
    assert _refresh(client, legitimate["refresh_token"]).status_code == 401
    with sessions() as session:
        assert session.scalars(sa.select(Device.revoked_at)).one() is not None
    assert _audit_reasons(sessions, "device.revoke") == ["refresh_token_reused"]
    assert _audit_reasons(sessions, "device.tokens.refresh") == [
        None, "refresh_token_reused", "device_revoked"]


def test_a_phone_retrying_a_refresh_whose_reply_was_lost_stays_connected(
    client: TestClient, enrolled: dict[str, Any], clock: FakeClock,
    sessions: sessionmaker[Session],
) -> None:
    lost = _refresh(client, enrolled["refresh_token"]).json()  # the reply never arrives
    clock.advance(timedelta(hours=2))  # however long the phone was offline since
    retried = _refresh(client, enrolled["refresh_token"])
    assert retried.status_code == 200, retried.text
    lost_again = retried.json()
    clock.advance(timedelta(seconds=20))
    # A second lost reply in a row is still a retry, not a theft.
    retried_again = _refresh(client, enrolled["refresh_token"])
    assert retried_again.status_code == 200, retried_again.text
    pair = retried_again.json()
    assert client.get(PROFILE, headers=bearer(pair["access_token"])).status_code == 200
    # The pairs that never arrived open nothing.
    for unseen in (lost, lost_again):
        assert client.get(PROFILE, headers=bearer(unseen["access_token"])).status_code == 401
    with sessions() as session:
        assert session.scalars(sa.select(Device.revoked_at)).one() is None
    assert _refresh(client, pair["refresh_token"]).status_code == 200


def test_a_copy_used_before_the_phone_is_still_caught(
    client: TestClient, enrolled: dict[str, Any], clock: FakeClock,
    sessions: sessionmaker[Session],
) -> None:
    thief = _refresh(client, enrolled["refresh_token"]).json()  # a copy, used first
    phone = _refresh(client, enrolled["refresh_token"]).json()  # looks like a lost reply
    assert client.get(PROFILE, headers=bearer(phone["access_token"])).status_code == 200
    assert client.get(PROFILE, headers=bearer(thief["access_token"])).status_code == 401
    clock.advance(timedelta(minutes=5))
    # The thief's pair was retired; presenting its refresh token reveals the copy.
    assert _refresh(client, thief["refresh_token"]).status_code == 401
    with sessions() as session:
        assert session.scalars(sa.select(Device.revoked_at)).one() is not None
    assert client.get(PROFILE, headers=bearer(phone["access_token"])).status_code == 401


def test_an_expired_access_token_gets_a_401_that_says_so(
    client: TestClient, enrolled: dict[str, Any], clock: FakeClock
) -> None:
    access = enrolled["access_token"]
    clock.advance(timedelta(minutes=14, seconds=59))
    assert client.get(PROFILE, headers=bearer(access)).status_code == 200
    clock.advance(timedelta(seconds=1))
    expired = client.get(PROFILE, headers=bearer(access))
    assert expired.status_code == 401
    challenge = expired.headers["www-authenticate"]
    assert 'error="invalid_token"' in challenge and "expired" in challenge
    # The refresh token still works, and its access token opens the route again.
    pair = _refresh(client, enrolled["refresh_token"]).json()
    assert client.get(PROFILE, headers=bearer(pair["access_token"])).status_code == 200
    # An unknown token is refused without the "expired" hint (nothing to refresh).
    unknown = client.get(PROFILE, headers=bearer("x" * 43))
    assert unknown.headers["www-authenticate"] == "Bearer"


def test_a_refresh_token_expires_unused_without_revoking(
    client: TestClient, enrolled: dict[str, Any], clock: FakeClock,
    sessions: sessionmaker[Session],
) -> None:
    clock.advance(REFRESH_TOKEN_LIFETIME)
    assert _refresh(client, enrolled["refresh_token"]).status_code == 401
    assert _audit_reasons(sessions, "device.tokens.refresh") == ["refresh_token_expired"]


def test_a_clinician_disconnects_a_participants_devices(
    client: TestClient, enrolled: dict[str, Any], sessions: sessionmaker[Session]
) -> None:
    signed_in = client.post("/api/v1/clinician/sessions", json={
        "email": "morgan@northside.example", "password": CLINICIAN_PASSWORD})
    clinician = bearer(signed_in.json()["access_token"])
    revoke = f"/api/v1/clinician/participants/{enrolled['participant_id']}/devices/revoke"

    response = client.post(revoke, headers=clinician)

    assert response.status_code == 200, response.text
    assert response.json() == {"revoked_devices": 1}
    assert client.get(PROFILE, headers=bearer(enrolled["access_token"])).status_code == 401
    assert _refresh(client, enrolled["refresh_token"]).status_code == 401
    assert client.post(revoke, headers=clinician).json() == {"revoked_devices": 0}
    assert client.post(revoke, headers=bearer(enrolled["access_token"])).status_code == 401
    with sessions() as session:
        actors = session.scalars(sa.select(AuditEntry.actor).where(
            AuditEntry.action == "device.revoke")).all()
    assert len(actors) == 1 and actors[0].startswith("staff:")


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"{not json",
        b"[]",
        b"{}",
        b'{"refresh_token": ""}',
        b'{"refresh_token": 12345}',
        b'{"refresh_token": "' + b"x" * 201 + b'"}',
        b'{"refresh_token": "' + b"x" * 43 + b'", "device_id": "1"}',
    ],
)
def test_malformed_refreshes_get_a_clear_422(client: TestClient, body: bytes) -> None:
    response = client.post(TOKENS, content=body, headers={"content-type": "application/json"})
    assert response.status_code == 422, response.text
    assert response.json()["detail"]


def test_an_oversized_refresh_is_refused(client: TestClient) -> None:
    body = b'{"refresh_token": "' + b"x" * 70_000 + b'"}'
    response = client.post(TOKENS, content=body, headers={"content-type": "application/json"})
    assert response.status_code == 413


def test_an_unknown_refresh_token_is_a_401_and_no_token_is_ever_audited(
    client: TestClient, enrolled: dict[str, Any], sessions: sessionmaker[Session]
) -> None:
    assert _refresh(client, "y" * 43).status_code == 401
    _refresh(client, enrolled["refresh_token"])
    with sessions() as session:
        dumped = " ".join(repr(vars(row)) for row in session.scalars(sa.select(AuditEntry)))
    for token in (enrolled["access_token"], enrolled["refresh_token"], "y" * 43):
        assert token not in dumped


@pytest.fixture
def database_at_0005(database_url: str) -> Iterator[str]:
    """A database migrated to 0005 only: devices still hold long-lived tokens."""
    engine = create_clinic_engine(database_url)
    config = alembic_config(database_url)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0005_published_changes")
    engine.dispose()
    yield database_url


@pytest.mark.empty_database  # database_at_0005 migrates an empty database to 0005
def test_migration_turns_each_device_token_into_its_first_refresh_token(
    database_at_0005: str, clock: FakeClock
) -> None:
    old_token = "legacy-device-token-" + "z" * 30
    clinic_id, device_id = uuid.uuid4(), uuid.uuid4()
    now = datetime.now(UTC)
    engine = create_clinic_engine(database_at_0005)
    with engine.begin() as connection:
        connection.execute(sa.text(
            "INSERT INTO clinics (id, name, address, phone, crisis_line, timezone, created_at) "
            "VALUES (:id, 'c', 'a', 'p', 'x', 'America/Chicago', :now)"), {
                "id": clinic_id.hex if connection.dialect.name == "sqlite" else clinic_id,
                "now": now.replace(tzinfo=None) if connection.dialect.name == "sqlite" else now})
        for table, values in (
            ("participants", "(id, clinic_id, display_name, created_at) "
                             "VALUES (:id, :clinic, 'Sam', :now)"),
            ("devices", "(id, participant_id, token_hash, label, created_at) "
                        "VALUES (:device, :id, :digest, 'phone', :now)"),
        ):
            sqlite = connection.dialect.name == "sqlite"
            connection.execute(sa.text(f"INSERT INTO {table} {values}"), {
                "id": clinic_id.hex if sqlite else clinic_id,
                "clinic": clinic_id.hex if sqlite else clinic_id,
                "device": device_id.hex if sqlite else device_id,
                "digest": hashlib.sha256(old_token.encode()).hexdigest(),
                "now": now.replace(tzinfo=None) if sqlite else now})
    engine.dispose()

    clock.now = now
    app = create_app(database_at_0005, clock=clock)  # migrates to the head
    try:
        with TestClient(app, base_url="http://localhost") as client:
            # The old token no longer opens participant routes by itself...
            assert client.get(PROFILE, headers=bearer(old_token)).status_code == 401
            # ...but buys a pair, once.
            pair = _refresh(client, old_token)
            assert pair.status_code == 200, pair.text
            profile = client.get(PROFILE, headers=bearer(pair.json()["access_token"]))
            assert profile.json()["display_name"] == "Sam"
            assert _refresh(client, old_token).status_code == 401
    finally:
        app.state.clinic.engine.dispose()
