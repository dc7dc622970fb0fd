"""Staff administration and the clinic's audit log (issue 12): an administrator adds,
disables, enables and resets staff, and reads the log; a clinician gets 403; a new or
reset account must choose its own password before anything else."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from iop_companion.clinic import audit_log, staff_admin
from iop_companion.clinic.credentials import verify_password
from iop_companion.clinic.models import AuditEntry, Staff, StaffRole, StaffSession
from iop_companion.clinic.paging import encode_cursor
from iop_companion.sync.protocol import (
    AuditLogResponse,
    PasswordResetResponse,
    StaffCreatedResponse,
    StaffListResponse,
    StaffMember,
)
from tests.clinic.clinic_testing import (
    CLINICIAN_PASSWORD,
    FakeClock,
    Records,
    bearer,
    clinician_headers,
)
from tests.clinic.sync_records import PUSH, record

API = "/api/v1/clinician"
SIGN_IN = f"{API}/sessions"
NEW_PASSWORD = "a long new passphrase 482913"


class _Clinic:
    """Northside: Ada (administrator), Morgan (clinician), Sam; Southside: Jo (administrator)."""

    def __init__(self, client: TestClient, records: Records) -> None:
        self.client = client
        self.records = records
        self.clinic = records.clinic()
        self.ada_row = records.clinician(self.clinic, "ada@northside.example",
                                         StaffRole.ADMINISTRATOR)
        self.morgan_row = records.clinician(self.clinic)
        self.south = records.clinic("Southside Clinic")
        self.jo_row = records.clinician(self.south, "jo@southside.example",
                                        StaffRole.ADMINISTRATOR)
        self.sam = records.participant(self.clinic, "Sam")
        self.ada = clinician_headers(client, "ada@northside.example")
        self.morgan = clinician_headers(client, "morgan@northside.example")
        self.jo = clinician_headers(client, "jo@southside.example")

    def add(self, email: str = "kim@northside.example", role: str = "clinician",
            headers: dict[str, str] | None = None) -> StaffCreatedResponse:
        response = self.client.post(f"{API}/staff", headers=headers or self.ada, json={
            "email": email, "display_name": "Kim Park, LPC", "role": role})
        assert response.status_code == 201, response.text
        return StaffCreatedResponse.model_validate(response.json())

    def sign_in(self, email: str, password: str) -> dict[str, str]:
        response = self.client.post(SIGN_IN, json={"email": email, "password": password})
        assert response.status_code == 201, response.text
        return bearer(response.json()["access_token"])


@pytest.fixture
def northside(client: TestClient, records: Records) -> _Clinic:
    return _Clinic(client, records)


def _audited(sessions: sessionmaker[Session], action: str) -> list[AuditEntry]:
    with sessions() as session:
        return list(session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)
                                    .order_by(AuditEntry.id)))


ADMIN_ROUTES = [
    ("GET", "/staff", None),
    ("POST", "/staff", {"email": "kim@northside.example", "display_name": "Kim"}),
    ("POST", "/staff/{ada}/disable", None),
    ("POST", "/staff/{ada}/enable", None),
    ("POST", "/staff/{ada}/reset-password", None),
    ("GET", "/audit", None),
]


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_ROUTES)
def test_a_clinician_cannot_use_admin_routes(
    northside: _Clinic, sessions: sessionmaker[Session], method: str, path: str,
    body: dict[str, Any] | None
) -> None:
    url = API + path.format(ada=northside.ada_row.id)
    response = northside.client.request(method, url, json=body, headers=northside.morgan)
    assert response.status_code == 403, response.text
    assert response.json()["detail"] == "Only an administrator of the clinic can do this."
    refusals = _audited(sessions, "staff.authenticate")
    assert [(r.actor, r.reason) for r in refusals] == [
        (f"staff:{northside.morgan_row.id}", "not_an_administrator")]
    with sessions() as session:
        ada = session.get_one(Staff, northside.ada_row.id)
        assert not ada.disabled and verify_password(ada.password_hash, CLINICIAN_PASSWORD)
        assert session.scalar(sa.select(sa.func.count()).select_from(Staff)) == 3


def test_the_staff_list_is_the_clinics_own(northside: _Clinic,
                                           sessions: sessionmaker[Session]) -> None:
    response = northside.client.get(f"{API}/staff", headers=northside.ada)
    assert response.status_code == 200, response.text
    staff = StaffListResponse.model_validate(response.json()).staff
    assert {(s.email, s.role) for s in staff} == {
        ("ada@northside.example", "administrator"), ("morgan@northside.example", "clinician")}
    assert not any(s.disabled or s.password_change_required for s in staff)
    assert "jo@southside.example" not in response.text
    [read] = _audited(sessions, "admin.staff.read")
    assert (read.actor, read.record_id) == (f"staff:{northside.ada_row.id}",
                                            str(northside.clinic.id))


def test_a_new_account_must_choose_its_password_before_anything_else(
    northside: _Clinic, sessions: sessionmaker[Session]
) -> None:
    created = northside.add()
    assert created.staff.email == "kim@northside.example"
    assert created.staff.password_change_required
    temporary = created.temporary_password
    assert len(temporary) == 19 and temporary.count("-") == 3
    with sessions() as session:
        kim = session.get_one(Staff, created.staff.id)
        assert kim.clinic_id == northside.clinic.id and kim.role is StaffRole.CLINICIAN
        assert kim.password_hash.startswith("$argon2id$") and temporary not in kim.password_hash
    [entry] = _audited(sessions, "staff.create")
    assert entry.actor == f"staff:{northside.ada_row.id}"
    assert temporary not in f"{entry.record_id}{entry.reason}"

    kim_headers = northside.sign_in("kim@northside.example", temporary)
    other_session = northside.sign_in("kim@northside.example", temporary)
    account = northside.client.get(f"{API}/account", headers=kim_headers)
    assert account.status_code == 200 and account.json()["password_change_required"]
    blocked = northside.client.get(f"{API}/participants", headers=kim_headers)
    assert blocked.status_code == 403
    assert "temporary password" in blocked.json()["detail"]
    assert _audited(sessions, "staff.authenticate")[-1].reason == "password_change_required"

    change = f"{API}/account/password"
    wrong = northside.client.post(change, headers=kim_headers, json={
        "current_password": "not it", "new_password": NEW_PASSWORD})
    assert wrong.status_code == 403
    assert wrong.json()["detail"] == "Your current password is not right. Please try again."
    same = northside.client.post(change, headers=kim_headers, json={
        "current_password": temporary, "new_password": temporary})
    assert same.status_code == 422 and "different" in same.json()["detail"]
    short = northside.client.post(change, headers=kim_headers, json={
        "current_password": temporary, "new_password": "short"})
    assert short.status_code == 422
    assert short.json()["detail"] == "'new_password': must be at least 12 characters."

    changed = northside.client.post(change, headers=kim_headers, json={
        "current_password": temporary, "new_password": NEW_PASSWORD})
    assert changed.status_code == 200, changed.text
    assert not StaffMember.model_validate(changed.json()).password_change_required
    assert northside.client.get(f"{API}/participants", headers=kim_headers).status_code == 200
    # The other session signed in with the temporary password has ended.
    assert northside.client.get(f"{API}/account", headers=other_session).status_code == 401
    refused = northside.client.post(SIGN_IN, json={"email": "kim@northside.example",
                                                   "password": temporary})
    assert refused.status_code == 401
    northside.sign_in("kim@northside.example", NEW_PASSWORD)
    outcomes = [(e.outcome, e.reason) for e in _audited(sessions, "staff.password_change")]
    assert outcomes == [("failure", "wrong_password"), ("failure", "same_password"),
                        ("success", None)]


def test_a_temporary_password_opens_no_clinician_route_but_its_own_account(
    northside: _Clinic, app: FastAPI
) -> None:
    """Deny by default: a route added later is closed to such a session too."""
    created = northside.add()
    kim = northside.sign_in("kim@northside.example", created.temporary_password)
    open_to_it = {f"{API}/account", f"{API}/account/password", f"{API}/sessions/current",
                  f"{API}/sessions/revoke-all",
                  SIGN_IN}  # public: signing in again is how one gets here
    routes = [(method.upper(), path) for path, operations in app.openapi()["paths"].items()
              for method in operations if path.startswith(f"{API}/")]
    assert len(routes) > 20
    for method, path in routes:
        if path in open_to_it:
            continue
        concrete = path.replace("{participant_id}", str(northside.sam.id))
        response = northside.client.request(method, concrete, headers=kim)
        assert response.status_code == 403, (method, path, response.status_code)
    assert northside.client.get(f"{API}/account", headers=kim).status_code == 200


def test_a_session_on_a_temporary_password_can_still_sign_out(northside: _Clinic) -> None:
    created = northside.add()
    kim = northside.sign_in("kim@northside.example", created.temporary_password)
    assert northside.client.delete(f"{API}/sessions/current", headers=kim).status_code == 204
    assert northside.client.get(f"{API}/account", headers=kim).status_code == 401


def test_wrong_current_passwords_lock_the_account_like_sign_in(northside: _Clinic) -> None:
    change = f"{API}/account/password"
    for _ in range(6):  # 5 are free, as at sign-in; the sixth locks
        response = northside.client.post(change, headers=northside.morgan, json={
            "current_password": "not it", "new_password": NEW_PASSWORD})
        assert response.status_code == 403
    locked = northside.client.post(change, headers=northside.morgan, json={
        "current_password": CLINICIAN_PASSWORD, "new_password": NEW_PASSWORD})
    assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 0
    sign_in = northside.client.post(SIGN_IN, json={"email": "morgan@northside.example",
                                                   "password": CLINICIAN_PASSWORD})
    assert sign_in.status_code == 429
    listed = northside.client.get(f"{API}/staff", headers=northside.ada).json()["staff"]
    assert [s["locked_out_at"] is not None for s in listed
            if s["email"] == "morgan@northside.example"] == [True]


def test_an_administrator_can_add_an_administrator(northside: _Clinic) -> None:
    created = northside.add("lee@northside.example", "administrator")
    assert created.staff.role == "administrator"


@pytest.mark.parametrize(
    ("body", "status", "detail"),
    [
        ({"email": "MORGAN@northside.example", "display_name": "M"}, 409,
         "An account with this email already exists."),
        ({"email": "jo@southside.example", "display_name": "J"}, 409,
         "An account with this email already exists."),
        ({"email": "kim", "display_name": "Kim"}, 422,
         "'email': must be an email address like name@clinic.org."),
        ({"email": "kim@northside.example", "display_name": ""}, 422,
         "'display_name' cannot be empty."),
        ({"email": "kim@northside.example", "display_name": "Kim", "role": "owner"}, 422,
         "'role'"),
        ({"email": "kim@northside.example", "display_name": "Kim", "password": "x"}, 422,
         "'password' is not a field this server accepts."),
        ({"display_name": "Kim"}, 422, "'email' is required."),
    ],
)
def test_bad_new_staff_are_refused_clearly(
    northside: _Clinic, sessions: sessionmaker[Session], body: dict[str, Any], status: int,
    detail: str
) -> None:
    response = northside.client.post(f"{API}/staff", json=body, headers=northside.ada)
    assert response.status_code == status, response.text
    assert detail in response.json()["detail"]
    with sessions() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Staff)) == 3
    if status == 409:
        assert [e.reason for e in _audited(sessions, "staff.create")] == ["email_taken"]


def test_disabling_refuses_the_account_at_once_and_enabling_lets_it_back(
    northside: _Clinic, sessions: sessionmaker[Session]
) -> None:
    morgan_id = northside.morgan_row.id
    response = northside.client.post(f"{API}/staff/{morgan_id}/disable", headers=northside.ada)
    assert response.status_code == 200, response.text
    assert StaffMember.model_validate(response.json()).disabled
    assert northside.client.get(f"{API}/participants",
                                headers=northside.morgan).status_code == 401
    refused = northside.client.post(SIGN_IN, json={"email": "morgan@northside.example",
                                                   "password": CLINICIAN_PASSWORD})
    assert refused.status_code == 401
    enabled = northside.client.post(f"{API}/staff/{morgan_id}/enable", headers=northside.ada)
    assert enabled.status_code == 200 and not enabled.json()["disabled"]
    northside.sign_in("morgan@northside.example", CLINICIAN_PASSWORD)
    entries = _audited(sessions, "staff.disable") + _audited(sessions, "staff.enable")
    assert [(e.actor, e.record_id) for e in entries] == [
        (f"staff:{northside.ada_row.id}", str(morgan_id))] * 2


def test_a_disabled_administrator_is_refused_at_once(northside: _Clinic,
                                                     records: Records) -> None:
    records.clinician(northside.clinic, "lee@northside.example", StaffRole.ADMINISTRATOR)
    lee = clinician_headers(northside.client, "lee@northside.example")
    northside.client.post(f"{API}/staff/{northside.ada_row.id}/disable", headers=lee)
    for method, path, body in ADMIN_ROUTES:
        url = API + path.format(ada=northside.ada_row.id)
        response = northside.client.request(method, url, json=body, headers=northside.ada)
        assert response.status_code == 401, (method, path)


@pytest.mark.parametrize("action", ["disable", "reset-password"])
def test_an_administrator_cannot_disable_or_reset_themselves(
    northside: _Clinic, sessions: sessionmaker[Session], action: str
) -> None:
    response = northside.client.post(f"{API}/staff/{northside.ada_row.id}/{action}",
                                     headers=northside.ada)
    assert response.status_code == 409
    assert "your own" in response.json()["detail"]
    assert northside.client.get(f"{API}/staff", headers=northside.ada).status_code == 200
    with sessions() as session:
        failures = session.scalars(sa.select(AuditEntry.reason).where(
            AuditEntry.reason == "own_account")).all()
    assert failures == ["own_account"]


@pytest.mark.parametrize("action", ["disable", "enable", "reset-password"])
def test_another_clinics_staff_are_404(
    northside: _Clinic, sessions: sessionmaker[Session], action: str
) -> None:
    for staff_id in (northside.jo_row.id, uuid.uuid4()):
        response = northside.client.post(f"{API}/staff/{staff_id}/{action}",
                                         headers=northside.ada)
        assert response.status_code == 404
        assert response.json()["detail"] == "There is no such staff account."
    with sessions() as session:
        jo = session.get_one(Staff, northside.jo_row.id)
        assert not jo.disabled and verify_password(jo.password_hash, CLINICIAN_PASSWORD)
        reasons = session.scalars(sa.select(AuditEntry.reason).where(
            AuditEntry.reason == "not_found")).all()
    assert len(reasons) == 2
    assert northside.client.get(f"{API}/staff", headers=northside.jo).status_code == 200


def test_a_reset_gives_a_new_temporary_password_and_ends_sessions(
    northside: _Clinic, sessions: sessionmaker[Session]
) -> None:
    morgan_id = northside.morgan_row.id
    northside.sign_in("morgan@northside.example", CLINICIAN_PASSWORD)  # a second session
    response = northside.client.post(f"{API}/staff/{morgan_id}/reset-password",
                                     headers=northside.ada)
    assert response.status_code == 200, response.text
    reset = PasswordResetResponse.model_validate(response.json())
    assert reset.ended_sessions == 2 and reset.staff.password_change_required
    assert northside.client.get(f"{API}/account", headers=northside.morgan).status_code == 401
    old = northside.client.post(SIGN_IN, json={"email": "morgan@northside.example",
                                               "password": CLINICIAN_PASSWORD})
    assert old.status_code == 401
    morgan = northside.sign_in("morgan@northside.example", reset.temporary_password)
    assert northside.client.get(f"{API}/alerts", headers=morgan).status_code == 403
    with sessions() as session:
        live = session.scalar(sa.select(sa.func.count()).select_from(StaffSession).where(
            StaffSession.staff_id == morgan_id, StaffSession.revoked_at.is_(None)))
    assert live == 1
    [entry] = _audited(sessions, "staff.password_reset")
    assert (entry.actor, entry.record_id) == (f"staff:{northside.ada_row.id}", str(morgan_id))


# --- The audit log ------------------------------------------------------------------------


def _log(northside: _Clinic, headers: dict[str, str] | None = None,
         **params: Any) -> AuditLogResponse:
    response = northside.client.get(f"{API}/audit", params=params,
                                    headers=headers or northside.ada)
    assert response.status_code == 200, response.text
    return AuditLogResponse.model_validate(response.json())


def test_the_audit_log_holds_the_clinics_own_entries_newest_first(
    northside: _Clinic, enrol: Callable[..., str], records: Records
) -> None:
    token = enrol(records.code(northside.sam))
    northside.client.post(PUSH, json={"records": [record()]}, headers=bearer(token))
    northside.client.get(f"{API}/participants/{northside.sam.id}", headers=northside.morgan)
    # Jo (Southside) probes Sam: in both clinics' logs (Jo did it; it was Sam's record).
    northside.client.get(f"{API}/participants/{northside.sam.id}", headers=northside.jo)
    entries = _log(northside).entries
    ids = [e.id for e in entries]
    assert ids == sorted(ids, reverse=True)
    actions = [e.action for e in entries]
    for expected in ("staff.sign_in", "enrolment.create", "participant.record.push",
                     "clinician.participant.read"):
        assert expected in actions, expected
    probe = next(e for e in entries if e.actor == f"staff:{northside.jo_row.id}")
    assert (probe.outcome, probe.reason, probe.actor_name) == ("failure", "not_found", None)
    morgan_read = next(e for e in entries if e.action == "clinician.participant.read"
                       and e.outcome == "success")
    assert morgan_read.actor_name == "Morgan Lee"
    south = _log(northside, northside.jo).entries
    assert any(e.id == probe.id for e in south)
    south_text = " ".join(f"{e.actor} {e.record_id}" for e in south)
    assert str(northside.morgan_row.id) not in south_text
    assert not any(e.action == "participant.record.push" for e in south)


def test_the_audit_log_pages_and_reading_it_is_audited(northside: _Clinic) -> None:
    for _ in range(3):
        northside.client.get(f"{API}/staff", headers=northside.ada)
    first = _log(northside, limit=2)
    assert len(first.entries) == 2 and first.next is not None
    second = _log(northside, limit=2, cursor=first.next)
    assert len(second.entries) == 2 and second.entries[0].id < first.entries[-1].id
    assert [e.action for e in first.entries + second.entries] == ["admin.staff.read"] * 3 + [
        "staff.sign_in"]
    newest = _log(northside, limit=1).entries[0]
    assert newest.action == "admin.audit.read" and newest.actor == f"staff:{northside.ada_row.id}"


def test_a_page_stops_after_looking_at_so_many_rows(
    northside: _Clinic, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a server shared by clinics, a page of one clinic's log never scans the whole
    log: it may come back short with a `next` that continues where it stopped."""
    everything = _log(northside, limit=500)
    assert everything.next is None
    monkeypatch.setattr(audit_log, "SCAN_BATCH", 2)
    monkeypatch.setattr(audit_log, "MAX_SCANNED", 3)
    collected = []
    page = _log(northside, limit=500)
    while True:
        assert len(page.entries) <= 3
        collected += page.entries
        if page.next is None:
            break
        page = _log(northside, limit=500, cursor=page.next)
    # Everything seen before, plus the audit-read rows the paging itself wrote on top.
    assert {e.id for e in everything.entries} <= {e.id for e in collected}


@pytest.mark.parametrize(
    ("params", "detail"),
    [
        ({"cursor": "nope"}, "'cursor' is not a cursor"),
        ({"cursor": encode_cursor("participants", "Sam", str(uuid.uuid4()))}, "'cursor' is not"),
        ({"cursor": encode_cursor("audit", 0)}, "'cursor' is not"),
        ({"limit": 501}, "'limit'"),
        ({"since": "yesterday"}, "'since' is not a parameter"),
    ],
)
def test_bad_audit_paging_is_a_clear_422(northside: _Clinic, params: dict[str, Any],
                                         detail: str) -> None:
    response = northside.client.get(f"{API}/audit", params=params, headers=northside.ada)
    assert response.status_code == 422, response.text
    assert detail in response.json()["detail"]


def test_an_administrator_signs_in_like_a_clinician(
    northside: _Clinic, sessions: sessionmaker[Session], clock: FakeClock
) -> None:
    account = northside.client.get(f"{API}/account", headers=northside.ada)
    assert account.status_code == 200
    assert (account.json()["role"], account.json()["email"]) == (
        "administrator", "ada@northside.example")
    assert len(_audited(sessions, "staff.account.read")) == 1


def test_the_command_line_can_add_a_first_administrator_and_reset_one(
    records: Records, sessions: sessionmaker[Session], client: TestClient, clock: FakeClock
) -> None:
    """How a new clinic gets its first administrator, and a sole one locked out gets back
    in: the same service functions, audited as the `iop-clinic` command."""
    clinic = records.clinic()
    with sessions.begin() as session:
        admin, temporary = staff_admin.add_staff(
            session, clinic.id, email=" First@Clinic.example ", display_name="First Admin",
            role=StaffRole.ADMINISTRATOR, by=None, now=clock.now)
    headers = bearer(client.post(SIGN_IN, json={"email": "first@clinic.example",
                                                "password": temporary}).json()["access_token"])
    assert client.get(f"{API}/staff", headers=headers).status_code == 403  # change first
    with sessions.begin() as session:
        again, ended = staff_admin.reset_password(
            session, session.get_one(Staff, admin.id), by=None, now=clock.now)
    assert ended == 1 and again != temporary
    assert client.get(f"{API}/account", headers=headers).status_code == 401
    with sessions() as session:
        entries = session.scalars(sa.select(AuditEntry).where(
            AuditEntry.action.in_(("staff.create", "staff.password_reset")))).all()
    assert [(e.action, e.actor) for e in entries] == [("staff.create", "cli"),
                                                     ("staff.password_reset", "cli")]
