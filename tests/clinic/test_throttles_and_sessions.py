"""Issue 11: throttles on codes and sign-in with one message per kind of failure,
clinician lock-out, sign-out, sign out everywhere, idle timeout, disabled staff, and
discharge enforced on the server."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from iop_companion.clinic import throttle
from iop_companion.clinic.auth import SESSION_IDLE_TIMEOUT
from iop_companion.clinic.cli import main as cli_main
from iop_companion.clinic.models import AuditEntry, Participant, Staff
from iop_companion.clinic.routes.public import (
    CODE_REFUSED_MESSAGE,
    INVITE_REFUSED_MESSAGE,
    SIGN_IN_REFUSED_MESSAGE,
    THROTTLED_MESSAGE,
)
from iop_companion.clinic.tokens import DISCHARGE_GRACE
from tests.clinic.clinic_testing import (
    CLINICIAN_PASSWORD,
    FakeClock,
    Records,
    bearer,
    clinician_headers,
)
from tests.clinic.sync_records import PUSH, record, safety_flag

ENROLMENTS = "/api/v1/enrolments"
JOIN = "/api/v1/family/join"
SIGN_IN = "/api/v1/clinician/sessions"
SIGN_OUT = "/api/v1/clinician/sessions/current"
REVOKE_ALL = "/api/v1/clinician/sessions/revoke-all"
ALERTS = "/api/v1/clinician/alerts"
EMAIL = "morgan@northside.example"


def _audit(sessions: sessionmaker[Session], action: str) -> list[AuditEntry]:
    with sessions() as session:
        return list(session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def _wrong_code(client: TestClient, path: str) -> object:
    body = ({"code": "ABCD-2345", "device_label": "phone"} if path == ENROLMENTS
            else {"code": "ABCD-2345", "display_name": "Riley"})
    return client.post(path, json=body)


@pytest.mark.parametrize(("path", "message"), [(ENROLMENTS, CODE_REFUSED_MESSAGE),
                                               (JOIN, INVITE_REFUSED_MESSAGE)])
def test_unknown_used_and_expired_codes_get_one_answer(
    client: TestClient, records: Records, clock: FakeClock, path: str, message: str
) -> None:
    sam = records.participant(records.clinic())
    new = records.code if path == ENROLMENTS else records.invite
    used, expired = new(sam), new(sam)
    body = ({"device_label": "phone"} if path == ENROLMENTS else {"display_name": "Riley"})
    assert client.post(path, json={"code": used, **body}).status_code == 201
    clock.advance(timedelta(days=8))

    answers = [client.post(path, json={"code": code, **body})
               for code in ("ABCD-2345", used, expired)]

    assert {(answer.status_code, answer.text) for answer in answers} == {
        (401, f'{{"detail":"{message}"}}')}


@pytest.mark.parametrize("path", [ENROLMENTS, JOIN])
def test_wrong_codes_are_throttled_with_growing_back_off(
    client: TestClient, records: Records, clock: FakeClock, sessions: sessionmaker[Session],
    path: str,
) -> None:
    rule = throttle.CODE_PER_ADDRESS
    for _ in range(rule.free_failures):
        assert _wrong_code(client, path).status_code == 401  # type: ignore[attr-defined]
    first_block = _wrong_code(client, path)
    assert first_block.status_code == 401  # type: ignore[attr-defined]  # counted; now blocked

    throttled = _wrong_code(client, path)
    assert throttled.status_code == 429  # type: ignore[attr-defined]
    assert throttled.json() == {"detail": THROTTLED_MESSAGE}  # type: ignore[attr-defined]
    assert int(throttled.headers["Retry-After"]) == 60  # type: ignore[attr-defined]
    # Blocked means blocked: even a right code waits (it tells the guesser nothing).
    sam = records.participant(records.clinic())
    good = records.code(sam) if path == ENROLMENTS else records.invite(sam)
    body = ({"device_label": "phone"} if path == ENROLMENTS else {"display_name": "Riley"})
    assert client.post(path, json={"code": good, **body}).status_code == 429

    clock.advance(timedelta(seconds=60))
    assert _wrong_code(client, path).status_code == 401  # type: ignore[attr-defined]
    again = _wrong_code(client, path)
    assert int(again.headers["Retry-After"]) == 120  # type: ignore[attr-defined]  # doubled
    assert [entry.reason for entry in _audit(sessions, "throttle.block")][:1] == [
        f"{'enrolment' if path == ENROLMENTS else 'family_join'}:ip"]

    clock.advance(timedelta(seconds=120))
    assert client.post(path, json={"code": good, **body}).status_code == 201


def test_the_global_throttle_blocks_every_address(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(throttle, "CODE_GLOBAL", throttle.ThrottleRule(
        2, timedelta(seconds=10), timedelta(minutes=5), timedelta(minutes=15)))
    for _ in range(3):
        assert _wrong_code(client, ENROLMENTS).status_code == 401  # type: ignore[attr-defined]
    blocked = _wrong_code(client, ENROLMENTS)
    assert blocked.status_code == 429  # type: ignore[attr-defined]
    assert blocked.headers["Retry-After"] == "10"  # type: ignore[attr-defined]
    # Family join has its own counters.
    assert _wrong_code(client, JOIN).status_code == 401  # type: ignore[attr-defined]


def _sign_in(client: TestClient, password: str, email: str = EMAIL) -> object:
    return client.post(SIGN_IN, json={"email": email, "password": password})


def test_wrong_passwords_lock_the_account_and_tell_the_admin(
    client: TestClient, records: Records, clock: FakeClock, sessions: sessionmaker[Session]
) -> None:
    staff = records.clinician(records.clinic())
    for _ in range(throttle.SIGN_IN_PER_ACCOUNT.free_failures):
        refused = _sign_in(client, "wrong password")
        assert refused.status_code == 401  # type: ignore[attr-defined]
        assert refused.json() == {"detail": SIGN_IN_REFUSED_MESSAGE}  # type: ignore[attr-defined]
    _sign_in(client, "wrong password")  # the one that locks

    locked = _sign_in(client, CLINICIAN_PASSWORD)
    assert locked.status_code == 429  # type: ignore[attr-defined]
    assert locked.json() == {"detail": THROTTLED_MESSAGE}  # type: ignore[attr-defined]
    assert int(locked.headers["Retry-After"]) == 15 * 60  # type: ignore[attr-defined]
    with sessions() as session:
        assert session.get(Staff, staff.id).locked_out_at == clock.now  # type: ignore[union-attr]
    (notice,) = _audit(sessions, "staff.lock_out")
    assert (notice.record_type, notice.record_id) == ("staff", str(staff.id))

    clock.advance(timedelta(minutes=15) - timedelta(seconds=1))
    assert _sign_in(client, CLINICIAN_PASSWORD).status_code == 429  # type: ignore[attr-defined]
    clock.advance(timedelta(seconds=1))
    assert _sign_in(client, CLINICIAN_PASSWORD).status_code == 201  # type: ignore[attr-defined]


def test_an_unknown_email_locks_like_a_real_one(client: TestClient, records: Records) -> None:
    records.clinician(records.clinic())
    answers = []
    for email in (EMAIL, "nobody@northside.example"):
        for _ in range(throttle.SIGN_IN_PER_ACCOUNT.free_failures + 1):
            _sign_in(client, "wrong password", email)
        answers.append(_sign_in(client, "wrong password", email))
    assert {(a.status_code, a.text, a.headers["Retry-After"])  # type: ignore[attr-defined]
            for a in answers} == {(429, f'{{"detail":"{THROTTLED_MESSAGE}"}}', "900")}


def test_the_lock_grows_with_each_further_failure(
    client: TestClient, records: Records, clock: FakeClock
) -> None:
    records.clinician(records.clinic())
    for _ in range(throttle.SIGN_IN_PER_ACCOUNT.free_failures + 1):
        _sign_in(client, "wrong password")
    clock.advance(timedelta(minutes=15))
    _sign_in(client, "wrong password")
    assert _sign_in(client, CLINICIAN_PASSWORD).headers[  # type: ignore[attr-defined]
        "Retry-After"] == str(30 * 60)


def test_sign_out_ends_only_this_session(client: TestClient, records: Records) -> None:
    records.clinician(records.clinic())
    here, elsewhere = clinician_headers(client, EMAIL), clinician_headers(client, EMAIL)

    assert client.delete(SIGN_OUT, headers=here).status_code == 204

    assert client.get(ALERTS, headers=here).status_code == 401
    assert client.get(ALERTS, headers=elsewhere).status_code == 200
    assert client.delete(SIGN_OUT, headers=here).status_code == 401


def test_sign_out_everywhere(
    client: TestClient, records: Records, sessions: sessionmaker[Session]
) -> None:
    clinic = records.clinic()
    records.clinician(clinic)
    records.clinician(clinic, email="casey@northside.example")
    here, elsewhere = clinician_headers(client, EMAIL), clinician_headers(client, EMAIL)
    colleague = clinician_headers(client, "casey@northside.example")

    assert client.post(REVOKE_ALL, headers=here).status_code == 204

    assert client.get(ALERTS, headers=here).status_code == 401
    assert client.get(ALERTS, headers=elsewhere).status_code == 401
    assert client.get(ALERTS, headers=colleague).status_code == 200
    assert len(_audit(sessions, "staff.sign_out_everywhere")) == 1
    assert client.get(ALERTS, headers=clinician_headers(client, EMAIL)).status_code == 200


def test_an_idle_session_ends_and_use_keeps_it_alive(
    client: TestClient, records: Records, clock: FakeClock
) -> None:
    records.clinician(records.clinic())
    busy, idle = clinician_headers(client, EMAIL), clinician_headers(client, EMAIL)
    for _ in range(3):  # 75 minutes of use, a request every 25
        clock.advance(timedelta(minutes=25))
        assert client.get(ALERTS, headers=busy).status_code == 200
    assert client.get(ALERTS, headers=idle).status_code == 401

    clock.advance(SESSION_IDLE_TIMEOUT)
    assert client.get(ALERTS, headers=busy).status_code == 401


def test_a_disabled_account_is_refused_at_once_and_cannot_sign_in(
    client: TestClient, records: Records, app: object, database_url: str,
    sessions: sessionmaker[Session], capsys: pytest.CaptureFixture[str],
) -> None:
    records.clinician(records.clinic())
    headers = clinician_headers(client, EMAIL)

    assert cli_main(["staff", "disable", EMAIL.upper(), "--database-url", database_url]) == 0

    assert client.get(ALERTS, headers=headers).status_code == 401
    refused = _sign_in(client, CLINICIAN_PASSWORD)
    assert refused.status_code == 401  # type: ignore[attr-defined]
    assert refused.json() == {"detail": SIGN_IN_REFUSED_MESSAGE}  # type: ignore[attr-defined]
    assert _audit(sessions, "staff.sign_in")[-1].reason == "staff_disabled"
    assert _audit(sessions, "staff.authenticate")[-1].reason in ("session_revoked",
                                                                  "staff_disabled")

    assert cli_main(["staff", "enable", EMAIL, "--database-url", database_url]) == 0
    assert _sign_in(client, CLINICIAN_PASSWORD).status_code == 201  # type: ignore[attr-defined]
    assert cli_main(["staff", "disable", "nobody@x.example", "--database-url",
                     database_url]) == 1
    assert "Disabled morgan@northside.example" in capsys.readouterr().out


def _discharge(sessions: sessionmaker[Session], participant: Participant, on: date) -> None:
    with sessions.begin() as session:
        session.execute(sa.update(Participant).where(Participant.id == participant.id)
                        .values(discharged_on=on))


def _push(client: TestClient, token: str, one: dict[str, object]) -> dict[str, object]:
    response = client.post(PUSH, headers=bearer(token), json={"records": [one]})
    assert response.status_code == 200, response.text
    result: dict[str, object] = response.json()["results"][0]
    return result


def test_after_discharge_only_safety_flags_are_taken_then_devices_expire(
    client: TestClient, records: Records, clock: FakeClock, sessions: sessionmaker[Session],
    enrol: Callable[..., str],
) -> None:
    sam = records.participant(records.clinic())
    enrolled = client.post(ENROLMENTS, json={"code": records.code(sam), "device_label": "p"})
    token, refresh = enrolled.json()["access_token"], enrolled.json()["refresh_token"]
    _discharge(sessions, sam, clock.now.date() - timedelta(days=1))

    check_in = _push(client, token, record())
    flag = _push(client, token, safety_flag())

    assert check_in["outcome"] == "rejected"
    assert "discharged" in str(check_in["reason"])
    assert flag["outcome"] == "stored"
    assert _audit(sessions, "participant.record.push")[0].reason == "participant_discharged"

    clock.advance(DISCHARGE_GRACE - timedelta(days=1, hours=16))  # the last day of grace
    renewed = client.post("/api/v1/device/tokens", json={"refresh_token": refresh})
    assert renewed.status_code == 200
    token, refresh = renewed.json()["access_token"], renewed.json()["refresh_token"]
    assert client.get("/api/v1/participant/profile", headers=bearer(token)).status_code == 200
    clock.advance(timedelta(days=1) - timedelta(minutes=1))  # grace over; token still fresh
    assert client.get("/api/v1/participant/profile", headers=bearer(token)).status_code == 401
    assert client.post("/api/v1/device/tokens",
                       json={"refresh_token": refresh}).status_code == 401
    assert _audit(sessions, "device.authenticate")[-1].reason == "discharge_grace_over"


def test_a_discharge_dated_later_has_not_happened_yet(
    client: TestClient, records: Records, clock: FakeClock, sessions: sessionmaker[Session],
    enrol: Callable[..., str],
) -> None:
    sam = records.participant(records.clinic())
    token = enrol(records.code(sam))
    _discharge(sessions, sam, clock.now.date() + timedelta(days=3))
    assert _push(client, token, record())["outcome"] == "stored"
    _discharge(sessions, sam, clock.now.date())  # the discharge day itself: still taken
    assert _push(client, token, record())["outcome"] == "stored"
