"""Practice sessions at the clinic: the app pushes `practice_session` records, a bad one
is rejected with a reason (never stored, never a 500), and the clinician reads them,
newest first with the minutes of the last 7 days, at
GET /api/v1/clinician/participants/{id}/practice-sessions (audited; another clinic's
staff get 404)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from iop_companion.clinic.models import AuditEntry, ParticipantRecord
from iop_companion.sync.protocol.payloads.practice import PracticeSessionsResponse
from tests.clinic.clinic_testing import FakeClock, Records, bearer, clinician_headers
from tests.clinic.sync_records import PUSH, record

API = "/api/v1/clinician/participants"


def session_payload(**changes: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "created_at": "2026-03-04T14:50:00.000000+00:00",
        "updated_at": "2026-03-04T14:50:00.000000+00:00",
        "schema_version": 1,
        "exercise_id": "box-breathing",
        "started_at": "2026-03-04T08:45:00-06:00",
        "planned_minutes": 3,
        "seconds_completed": 180,
        "ended_early": False,
        "rating_kind": "distress",
        "rating_before": 7,
        "rating_after": 4,
        "homework_id": None,
    }
    payload.update(changes)
    return payload


class _Setting:
    def __init__(self, client: TestClient, records: Records) -> None:
        self.client = client
        self.clinic = records.clinic()
        records.clinician(self.clinic)
        records.clinician(records.clinic("Southside Clinic"), "jo@southside.example")
        self.sam = records.participant(self.clinic, "Sam")
        self.records = records
        self.morgan = clinician_headers(client, "morgan@northside.example")
        self.jo = clinician_headers(client, "jo@southside.example")

    def url(self, participant_id: Any = None) -> str:
        return f"{API}/{participant_id or self.sam.id}/practice-sessions"

    def push(self, token: str, *pushed: dict[str, Any]) -> list[dict[str, Any]]:
        response = self.client.post(PUSH, json={"records": list(pushed)}, headers=bearer(token))
        assert response.status_code == 200, response.text
        return response.json()["results"]  # type: ignore[no-any-return]

    def read(self) -> PracticeSessionsResponse:
        response = self.client.get(self.url(), headers=self.morgan)
        assert response.status_code == 200, response.text
        return PracticeSessionsResponse.model_validate(response.json())


@pytest.fixture
def setting(client: TestClient, records: Records) -> _Setting:
    return _Setting(client, records)


def test_the_clinician_sees_each_session_newest_first_with_the_week_s_minutes(
        setting: _Setting, enrol: Callable[..., str], sessions: sessionmaker[Session],
        clock: FakeClock) -> None:
    token = enrol(setting.records.code(setting.sam))
    assert setting.read().practice_sessions == []
    surfing_id = uuid.uuid4()
    homework_id = str(uuid.uuid4())
    stopped = session_payload(id=str(surfing_id), exercise_id="urge-surfing",
                              started_at="2026-03-04T08:30:00-06:00", planned_minutes=5,
                              seconds_completed=95, ended_early=True, rating_kind="craving",
                              rating_before=8, rating_after=None, homework_id=homework_id)
    old = session_payload(started_at="2026-02-20T08:00:00-06:00", seconds_completed=180)
    results = setting.push(
        token, record("practice_session", payload=session_payload()),
        record("practice_session", record_id=surfing_id, payload=stopped),
        record("practice_session", payload=old))
    assert {r["outcome"] for r in results} == {"stored"}
    # The after-rating given later is a new version of the same record.
    results = setting.push(token, record("practice_session", record_id=surfing_id, version=2,
                                         replaces_version=1,
                                         payload={**stopped, "rating_after": 5}))
    assert results[0]["outcome"] == "stored"

    found = setting.read()
    assert [(s.exercise_id, s.version) for s in found.practice_sessions] == [
        ("box-breathing", 1), ("urge-surfing", 2), ("box-breathing", 1)]
    surfing = found.practice_sessions[1]
    assert (surfing.seconds_completed, surfing.minutes_completed, surfing.ended_early) == (
        95, 1.6, True)
    assert (surfing.rating_kind, surfing.rating_before, surfing.rating_after) == (
        "craving", 8, 5)
    assert str(surfing.homework_id) == homework_id
    assert found.minutes_last_7_days == round((180 + 95) / 60, 1)  # not February's
    with sessions() as session:
        audited = session.scalars(sa.select(AuditEntry).where(
            AuditEntry.action == "clinician.practice_sessions.read")).all()
    assert len(audited) == 2

    clock.advance(timedelta(days=8))
    setting.morgan = clinician_headers(setting.client, "morgan@northside.example")
    assert setting.read().minutes_last_7_days == 0


@pytest.mark.parametrize(("changes", "reason"), [
    ({"seconds_completed": 181}, "seconds_completed"),
    ({"rating_before": 11}, "rating_before"),
    ({"exercise_id": "Box Breathing"}, "exercise_id"),
    ({"started_at": "2026-03-04T08:45:00"}, "timezone"),
    ({"planned_minutes": 0}, "planned_minutes"),
    ({"homework_id": "not-a-uuid"}, "homework_id"),
    ({"minutes": 3}, "minutes"),
    ({"ended_early": "no"}, "ended_early"),
])
def test_a_bad_session_is_rejected_with_its_reason_and_not_stored(
        setting: _Setting, enrol: Callable[..., str], sessions: sessionmaker[Session],
        changes: dict[str, Any], reason: str) -> None:
    token = enrol(setting.records.code(setting.sam))
    [result] = setting.push(token, record("practice_session",
                                          payload=session_payload(**changes)))
    assert result["outcome"] == "rejected"
    assert reason in result["reason"]
    with sessions() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(ParticipantRecord)) == 0


def test_another_clinic_s_staff_get_404(setting: _Setting,
                                        sessions: sessionmaker[Session]) -> None:
    for participant_id in (setting.sam.id, uuid.uuid4()):
        response = setting.client.get(setting.url(participant_id), headers=setting.jo)
        assert response.status_code == 404, response.text
        assert "Sam" not in response.text
    response = setting.client.get(setting.url())
    assert response.status_code == 401
    with sessions() as session:
        reasons = session.scalars(sa.select(AuditEntry.reason).where(
            AuditEntry.action == "clinician.practice_sessions.read")).all()
    assert reasons == ["not_found", "not_found"]
