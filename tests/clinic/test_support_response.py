"""A clinic states within how many hours it answers an "I need support" request; its
participants' apps receive it with the clinic's profile in the pull feed (SQLite and
PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from iop_companion.clinic.models import AuditEntry, Clinic
from tests.clinic.clinic_testing import Records, bearer, clinician_headers
from tests.clinic.test_changes import _changes

SUPPORT_RESPONSE = "/api/v1/clinician/clinic/support-response"
PROFILE = "/api/v1/participant/profile"


@pytest.fixture
def clinic_with_sam(client: TestClient, records: Records,
                    enrol: Callable[..., str]) -> tuple[dict[str, str], str]:
    clinic = records.clinic()
    records.clinician(clinic)
    sam_token = enrol(records.code(records.participant(clinic, "Sam")))
    return clinician_headers(client, "morgan@northside.example"), sam_token


def _profile_hours(client: TestClient, token: str) -> list[Any]:
    return [change.data["support_response_hours"]
            for change in _changes(client, token).changes if change.kind == "clinic_profile"]


def test_no_stated_time_until_the_clinic_sets_one(
        client: TestClient, clinic_with_sam: tuple[dict[str, str], str]) -> None:
    _, sam = clinic_with_sam
    profile = client.get(PROFILE, headers=bearer(sam))
    assert profile.status_code == 200, profile.text
    assert profile.json()["clinic"]["support_response_hours"] is None


def test_the_stated_time_reaches_the_clinics_participants_with_the_profile(
        client: TestClient, clinic_with_sam: tuple[dict[str, str], str],
        sessions: sessionmaker[Session]) -> None:
    clinician, sam = clinic_with_sam
    answer = client.put(SUPPORT_RESPONSE, json={"hours": 4}, headers=clinician)
    assert answer.status_code == 200, answer.text
    assert answer.json()["support_response_hours"] == 4
    # The newest profile in the feed carries it, and so does the profile route.
    assert _profile_hours(client, sam)[-1] == 4
    assert client.get(PROFILE, headers=bearer(sam)).json()["clinic"][
        "support_response_hours"] == 4
    with sessions() as session:
        assert session.scalar(sa.select(Clinic.support_response_hours)) == 4
        actions = list(session.scalars(sa.select(AuditEntry.action)))
    assert "clinic.support_response.change" in actions
    # A change is published again; null withdraws the stated time.
    assert client.put(SUPPORT_RESPONSE, json={"hours": 168},
                      headers=clinician).status_code == 200
    assert _profile_hours(client, sam)[-1] == 168
    cleared = client.put(SUPPORT_RESPONSE, json={"hours": None}, headers=clinician)
    assert cleared.status_code == 200, cleared.text
    assert cleared.json()["support_response_hours"] is None
    assert _profile_hours(client, sam)[-1] is None


def test_another_clinics_participants_do_not_get_it(
        client: TestClient, records: Records, enrol: Callable[..., str],
        clinic_with_sam: tuple[dict[str, str], str]) -> None:
    clinician, _ = clinic_with_sam
    other = records.clinic("Eastside Clinic")
    riley = enrol(records.code(records.participant(other, "Riley")))
    assert client.put(SUPPORT_RESPONSE, json={"hours": 2}, headers=clinician).status_code == 200
    assert 2 not in _profile_hours(client, riley)
    assert client.get(PROFILE, headers=bearer(riley)).json()["clinic"][
        "support_response_hours"] is None


@pytest.mark.parametrize("body", [
    {"hours": 0}, {"hours": 169}, {"hours": -4}, {"hours": 4.5}, {"hours": "4"},
    {"hours": True}, {}, {"hours": 4, "minutes": 30}, {"days": 1}, [], 4, None,
])
def test_a_nonsense_response_time_gets_a_clear_422(
        client: TestClient, clinic_with_sam: tuple[dict[str, str], str],
        sessions: sessionmaker[Session], body: Any) -> None:
    clinician, sam = clinic_with_sam
    answer = client.put(SUPPORT_RESPONSE, json=body, headers=clinician)
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"]
    with sessions() as session:
        assert session.scalar(sa.select(Clinic.support_response_hours)) is None
    assert all(hours is None for hours in _profile_hours(client, sam))


def test_only_clinic_staff_can_set_it(
        client: TestClient, clinic_with_sam: tuple[dict[str, str], str]) -> None:
    _, sam = clinic_with_sam
    assert client.put(SUPPORT_RESPONSE, json={"hours": 3}).status_code == 401
    assert client.put(SUPPORT_RESPONSE, json={"hours": 3},
                      headers=bearer(sam)).status_code == 401
