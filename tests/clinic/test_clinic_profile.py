"""The clinic's profile: every clinician reads it; only an administrator changes the
name, contact and crisis numbers and time zone, which then reach the phones (SQLite and
PostgreSQL)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import HTTPException
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from iop_companion.clinic.auth import AuthenticatedClinician
from iop_companion.clinic.models import Clinic, Staff, StaffRole
from iop_companion.clinic.routes.clinician.clinic_settings import set_clinic_profile
from iop_companion.sync.protocol import ClinicProfile, ClinicProfileWrite, ClinicSettingsView
from tests.clinic.clinic_testing import FakeClock, Records, bearer
from tests.clinic.program_testing import API, Program, audited

CLINIC = f"{API}/clinic"
PROFILE = f"{API}/clinic/profile"


@pytest.fixture
def program(client: TestClient, records: Records, enrol: Callable[..., str],
            clock: FakeClock) -> Program:
    return Program(client, records, enrol, clock)


def _profile(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Northside Recovery Clinic",
        "address": "12 Example Street, Springfield, IL 62701",
        "phone": "+1 (555) 010-2000",
        "crisis_line": "+1 (555) 010-2999",
        "timezone": "America/Denver",
    }
    body.update(changes)
    return body


def test_every_clinician_reads_the_clinics_profile_and_settings(
        client: TestClient, program: Program) -> None:
    client.put(f"{API}/clinic/alert-thresholds", json={"missed_sessions_in_a_row": 3},
               headers=program.morgan)
    client.put(f"{API}/clinic/measure-schedule", json={"phq9": 7}, headers=program.morgan)
    response = client.get(CLINIC, headers=program.morgan)
    assert response.status_code == 200, response.text
    clinic = ClinicSettingsView.model_validate(response.json())
    assert (clinic.name, clinic.crisis_line, clinic.timezone) == (
        "Northside Clinic", "+1 (555) 010-1999", "America/Chicago")
    assert clinic.measure_interval_days == {"phq9": 7}
    assert clinic.alert_thresholds.missed_sessions_in_a_row == 3
    assert clinic.alert_thresholds.phq9_total_at_least == 20  # the default
    other = client.get(CLINIC, headers=program.jo).json()
    assert other["name"] == "Southside Clinic"


def test_an_administrator_changes_the_profile_and_the_crisis_line_reaches_the_phones(
        client: TestClient, program: Program, sessions: sessionmaker[Session]) -> None:
    response = client.put(PROFILE, json=_profile(), headers=program.ada)
    assert response.status_code == 200, response.text
    assert response.json()["crisis_line"] == "+1 (555) 010-2999"
    assert client.get(CLINIC, headers=program.morgan).json()["timezone"] == "America/Denver"

    for token in (program.sam_token, program.riley_token):
        [*_, (_, _, data)] = program.feed(token, "clinic_profile")
        published = ClinicProfile.model_validate(data)
        assert (published.name, published.crisis_line, published.timezone) == (
            "Northside Recovery Clinic", "+1 (555) 010-2999", "America/Denver")
    profile = client.get("/api/v1/participant/profile", headers=bearer(program.sam_token))
    assert profile.json()["clinic"]["crisis_line"] == "+1 (555) 010-2999"
    [entry] = audited(sessions, "clinic.profile.change")
    assert entry.record_id == str(program.clinic.id) and entry.outcome == "success"
    # The other clinic is untouched, and its phones heard nothing.
    with sessions() as session:
        other = session.get(Clinic, program.other_clinic.id)
        assert other is not None and other.crisis_line == "+1 (555) 010-1999"


def test_only_an_administrator_may_change_the_profile(
        client: TestClient, program: Program, records: Records, join: Callable[..., str],
        sessions: sessionmaker[Session]) -> None:
    clinician = client.put(PROFILE, json=_profile(), headers=program.morgan)
    assert clinician.status_code == 403
    assert clinician.json()["detail"] == "Only an administrator of the clinic can do this."
    family = join(records.invite(program.sam))
    for headers in ({}, bearer(program.sam_token), bearer(family)):
        assert client.put(PROFILE, json=_profile(), headers=headers).status_code == 401
        assert client.get(CLINIC, headers=headers).status_code == 401
    # A disabled administrator is refused at once, with the session they still hold.
    with sessions.begin() as session:
        session.execute(sa.update(Staff).where(Staff.email == "ada@northside.example")
                        .values(disabled=True))
    assert client.put(PROFILE, json=_profile(), headers=program.ada).status_code == 401
    with sessions() as session:
        clinic = session.get(Clinic, program.clinic.id)
        assert clinic is not None and clinic.name == "Northside Clinic"
    assert program.feed(program.sam_token, "clinic_profile") == []


@pytest.mark.parametrize(("changes", "message"), [
    ({"crisis_line": "call us"},
     "'crisis_line': can only hold digits, spaces and the characters + ( ) - ."),
    ({"crisis_line": "+1 (555) CRISIS"},
     "'crisis_line': can only hold digits, spaces and the characters + ( ) - ."),
    ({"crisis_line": "+-()"}, "'crisis_line': must hold a number of at least 3 digits."),
    ({"crisis_line": "12"}, "'crisis_line': must hold a number of at least 3 digits."),
    ({"crisis_line": "1" * 41}, "'crisis_line' can be at most 40 characters."),
    ({"crisis_line": ""}, "'crisis_line' cannot be empty."),
    ({"phone": "555\n0100"}, "'phone': can only hold digits"),
    ({"timezone": "America/Springfield"}, "'timezone': must be an IANA time zone name"),
    ({"timezone": "localtime"}, "'timezone': must be an IANA time zone name"),
    ({"timezone": "../../../etc/passwd"}, "'timezone': must be an IANA time zone name"),
    ({"timezone": "x" * 65}, "'timezone' can be at most 64 characters."),
    ({"name": ""}, "'name' cannot be empty."),
    ({"name": "n" * 121}, "'name' can be at most 120 characters."),
    ({"name": "Northside\u202eClinic"}, "Text can only contain printable characters."),
    ({"address": "a" * 401}, "'address' can be at most 400 characters."),
    ({"website": "https://example.org"}, "'website' is not a field this server accepts."),
])
def test_bad_profiles_get_a_clear_422(client: TestClient, program: Program,
                                      changes: dict[str, Any], message: str) -> None:
    response = client.put(PROFILE, json=_profile(**changes), headers=program.ada)
    assert response.status_code == 422, response.text
    assert response.json()["detail"].startswith(message), response.json()["detail"]


def test_a_profile_missing_a_field_is_refused(client: TestClient, program: Program) -> None:
    body = _profile()
    del body["crisis_line"]
    response = client.put(PROFILE, json=body, headers=program.ada)
    assert response.status_code == 422
    assert response.json()["detail"] == "'crisis_line' is required."


def test_the_route_function_refuses_a_clinician_when_called_directly(
        program: Program, sessions: sessionmaker[Session], clock: FakeClock) -> None:
    """The staff portal calls route functions without FastAPI's dependencies: the
    administrator check must hold there too."""
    clinician = AuthenticatedClinician(staff_id=program.morgan_staff.id,
                                       clinic_id=program.clinic.id, session_id=uuid.uuid4(),
                                       role=StaffRole.CLINICIAN)
    with sessions() as db, pytest.raises(HTTPException) as refused:
        set_clinic_profile(ClinicProfileWrite.model_validate(_profile()), clinician, db,
                           clock.now)
    assert refused.value.status_code == 403
    with sessions() as db:
        clinic = db.get(Clinic, program.clinic.id)
        assert clinic is not None and clinic.name == "Northside Clinic"
