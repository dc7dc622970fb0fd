"""A clinic sets its own schedule for PHQ-9, GAD-7 and the BAM; its participants' apps
receive it with the clinic's profile in the pull feed (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from iop_companion.clinic.models import AuditEntry
from tests.clinic.clinic_testing import Records, bearer, clinician_headers
from tests.clinic.test_changes import _changes

MEASURE_SCHEDULE = "/api/v1/clinician/clinic/measure-schedule"


@pytest.fixture
def clinic_with_sam(client: TestClient, records: Records,
                    enrol: Callable[..., str]) -> tuple[dict[str, str], str]:
    clinic = records.clinic()
    records.clinician(clinic)
    sam_token = enrol(records.code(records.participant(clinic, "Sam")))
    return clinician_headers(client, "morgan@northside.example"), sam_token


def _profile_intervals(client: TestClient, token: str) -> list[dict[str, Any]]:
    return [change.data["measure_interval_days"]
            for change in _changes(client, token).changes if change.kind == "clinic_profile"]


def test_a_clinic_schedule_reaches_its_participants_with_the_profile(
        client: TestClient, clinic_with_sam: tuple[dict[str, str], str],
        sessions: sessionmaker[Session]) -> None:
    clinician, sam = clinic_with_sam
    answer = client.put(MEASURE_SCHEDULE, json={"bam": 14, "phq9": 28}, headers=clinician)
    assert answer.status_code == 200, answer.text
    assert answer.json()["measure_interval_days"] == {"bam": 14, "phq9": 28}
    # The latest profile in the feed carries the schedule (GAD-7 keeps the default).
    assert _profile_intervals(client, sam)[-1] == {"bam": 14, "phq9": 28}
    with sessions() as session:
        actions = list(session.scalars(sa.select(AuditEntry.action)))
    assert "clinic.measure_schedule.change" in actions
    # Clearing a measure hands it back to the app's default.
    assert client.put(MEASURE_SCHEDULE, json={"bam": 14}, headers=clinician).status_code == 200
    assert _profile_intervals(client, sam)[-1] == {"bam": 14}


@pytest.mark.parametrize("body", [
    {"bam": 0}, {"phq9": 91}, {"gad7": 7.5}, {"gad7": "14"}, {"audit": 7}, [], {"bam": True},
])
def test_a_nonsense_schedule_gets_a_clear_422(
        client: TestClient, clinic_with_sam: tuple[dict[str, str], str], body: Any) -> None:
    clinician, _ = clinic_with_sam
    answer = client.put(MEASURE_SCHEDULE, json=body, headers=clinician)
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"]


def test_only_clinic_staff_can_set_it(
        client: TestClient, clinic_with_sam: tuple[dict[str, str], str]) -> None:
    _, sam = clinic_with_sam
    assert client.put(MEASURE_SCHEDULE, json={"bam": 3}).status_code == 401
    assert client.put(MEASURE_SCHEDULE, json={"bam": 3}, headers=bearer(sam)).status_code == 401
