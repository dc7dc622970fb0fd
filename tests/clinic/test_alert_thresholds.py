"""The thresholds of the clinic's alert rules (issue 12): read and set per clinic, bounds
checked (422 otherwise), each change audited, and no clinic's staff can read or change
another's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from iop_companion.clinic.models import AuditEntry, Clinic
from iop_companion.domain.alert_rules import DEFAULT_THRESHOLDS, THRESHOLD_BOUNDS
from iop_companion.sync.protocol import AlertThresholdsResponse
from tests.clinic.clinic_testing import Records, bearer, clinician_headers

THRESHOLDS = "/api/v1/clinician/clinic/alert-thresholds"
DEFAULTS = DEFAULT_THRESHOLDS.as_dict()


class _Clinics:
    def __init__(self, client: TestClient, records: Records) -> None:
        self.north = records.clinic()
        self.south = records.clinic("Southside Clinic")
        self.morgan = records.clinician(self.north)
        self.jo = records.clinician(self.south, "jo@southside.example")
        self.client = client
        self.north_staff = clinician_headers(client, "morgan@northside.example")

    @property
    def south_staff(self) -> dict[str, str]:
        return clinician_headers(self.client, "jo@southside.example")

    def read(self, headers: dict[str, str]) -> AlertThresholdsResponse:
        response = self.client.get(THRESHOLDS, headers=headers)
        assert response.status_code == 200, response.text
        return AlertThresholdsResponse.model_validate(response.json())

    def put(self, body: Any, headers: dict[str, str]) -> Any:
        return self.client.put(THRESHOLDS, json=body, headers=headers)


@pytest.fixture
def clinics(client: TestClient, records: Records) -> _Clinics:
    return _Clinics(client, records)


def test_a_clinic_starts_with_the_programs_defaults(clinics: _Clinics) -> None:
    read = clinics.read(clinics.north_staff)
    assert read.thresholds.model_dump() == DEFAULTS
    assert read.defaults.model_dump() == DEFAULTS
    assert read.bounds == dict(THRESHOLD_BOUNDS)


def test_setting_thresholds_keeps_them_for_the_clinic_and_audits_the_change(
    clinics: _Clinics, sessions: sessionmaker[Session]
) -> None:
    response = clinics.put({"phq9_total_at_least": 15, "craving_at_least": 9,
                            "days_without_check_in": None}, clinics.north_staff)
    assert response.status_code == 200, response.text
    expected = {**DEFAULTS, "phq9_total_at_least": 15, "craving_at_least": 9}
    assert response.json()["thresholds"] == expected
    assert clinics.read(clinics.north_staff).thresholds.model_dump() == expected
    with sessions() as session:
        stored = session.get(Clinic, clinics.north.id)
        assert stored is not None
        assert stored.alert_thresholds == {"phq9_total_at_least": 15, "craving_at_least": 9}
        [entry] = session.scalars(sa.select(AuditEntry).where(
            AuditEntry.action == "clinic.alert_thresholds.change")).all()
    assert (entry.actor, entry.record_type, entry.record_id, entry.outcome) == (
        f"staff:{clinics.morgan.id}", "clinic", str(clinics.north.id), "success")
    # Every PUT replaces them all: left out is the default again.
    assert clinics.put({}, clinics.north_staff).json()["thresholds"] == DEFAULTS


def _out_of_bounds() -> list[tuple[str, Any]]:
    cases: list[tuple[str, Any]] = []
    for name, (low, high) in THRESHOLD_BOUNDS.items():
        cases += [(name, low - 1), (name, high + 1)]
    return cases


def test_a_threshold_out_of_bounds_gets_a_422_and_changes_nothing(
    clinics: _Clinics, sessions: sessionmaker[Session]
) -> None:
    assert clinics.put({"craving_at_least": 9}, clinics.north_staff).status_code == 200
    for name, value in [
        *_out_of_bounds(),
        ("phq9_total_at_least", True),
        ("phq9_total_at_least", 20.0),
        ("phq9_total_at_least", "20"),
        ("phq9_total_at_least", 10**30),
        ("item9_at_least", 1),  # item 9 always alerts: there is nothing to set
    ]:
        response = clinics.put({"craving_at_least": 10, name: value}, clinics.north_staff)
        assert response.status_code == 422, (name, value, response.text)
        assert f"'{name}'" in response.json()["detail"]
    assert clinics.read(clinics.north_staff).thresholds.craving_at_least == 9
    with sessions() as session:
        changes = session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "clinic.alert_thresholds.change"))
    assert changes == 1


def test_a_body_that_is_not_thresholds_gets_a_422(clinics: _Clinics) -> None:
    for body in (None, [], "20", {"thresholds": {}}):
        assert clinics.put(body, clinics.north_staff).status_code == 422, body


def test_each_threshold_takes_its_bounds(clinics: _Clinics) -> None:
    lowest = {name: low for name, (low, _) in THRESHOLD_BOUNDS.items()}
    highest = {name: high for name, (_, high) in THRESHOLD_BOUNDS.items()}
    for values in (lowest, highest):
        response = clinics.put(values, clinics.north_staff)
        assert response.status_code == 200, response.text
        assert response.json()["thresholds"] == values


def test_another_clinics_staff_can_neither_read_nor_change_them(clinics: _Clinics) -> None:
    assert clinics.put({"phq9_total_at_least": 15}, clinics.north_staff).status_code == 200
    # Southside's clinician reads and sets Southside's own: never Northside's.
    south_staff = clinics.south_staff
    assert clinics.read(south_staff).thresholds.model_dump() == DEFAULTS
    assert clinics.put({"craving_at_least": 10}, south_staff).status_code == 200
    north = clinics.read(clinics.north_staff).thresholds
    assert (north.phq9_total_at_least, north.craving_at_least) == (15, 8)
    south = clinics.read(south_staff).thresholds
    assert (south.phq9_total_at_least, south.craving_at_least) == (20, 10)


def test_participants_family_and_strangers_are_refused(
    clinics: _Clinics, records: Records, enrol: Callable[..., str],
    join: Callable[..., str],
) -> None:
    sam = records.participant(clinics.north, "Sam")
    for headers in ({}, bearer(enrol(records.code(sam))), bearer(join(records.invite(sam))),
                    bearer("not-a-token-" + "x" * 40)):
        assert clinics.client.get(THRESHOLDS, headers=headers).status_code == 401
        assert clinics.put({"phq9_total_at_least": 10}, headers).status_code == 401
    assert clinics.read(clinics.north_staff).thresholds.model_dump() == DEFAULTS
