"""Homework and module assignments a clinician sets, and consent changes: published on
the participant's pull feed; answers come back as records (SQLite and PostgreSQL)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from iop_companion.sync.protocol import (
    ChangesResponse,
    ConsentNotice,
    HomeworkAssignment,
    ModuleAssignment,
    PushResponse,
    assignment_answer_id,
)
from tests.clinic.clinic_testing import FakeClock, Records, bearer, clinician_headers
from tests.clinic.sync_records import PUSH, record

CHANGES = "/api/v1/participant/changes"
MODULE = "riding-out-cravings"



class _Setting:
    def __init__(self, client: TestClient, records: Records, enrol: Callable[..., str]) -> None:
        clinic = records.clinic()
        other = records.clinic("Eastside Clinic")
        records.clinician(clinic)
        records.clinician(other, email="casey@eastside.example")
        self.records = records
        self.sam = records.participant(clinic, "Sam")
        self.riley = records.participant(clinic, "Riley")
        self.sam_token = enrol(records.code(self.sam))
        self.riley_token = enrol(records.code(self.riley))
        self.morgan = clinician_headers(client, "morgan@northside.example")
        self.casey = clinician_headers(client, "casey@eastside.example")
        self.base = f"/api/v1/clinician/participants/{self.sam.id}"


@pytest.fixture
def setting(client: TestClient, records: Records, enrol: Callable[..., str]) -> _Setting:
    return _Setting(client, records, enrol)


def _feed(client: TestClient, token: str, kind: str) -> list[dict[str, Any]]:
    response = client.get(CHANGES, params={"after": 0}, headers=bearer(token))
    assert response.status_code == 200, response.text
    page = ChangesResponse.model_validate(response.json())
    return [c.data or {} for c in page.changes if c.kind == kind]


def _homework(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"title": "Urge log, 3 days",
                            "instructions": "Write down one urge a day: when, how strong, "
                                            "what you did.",
                            "due_on": "2026-03-10"}
    body.update(changes)
    return body


def test_homework_reaches_only_its_participant_and_a_withdrawal_follows(
        client: TestClient, setting: _Setting) -> None:
    created = client.post(f"{setting.base}/homework", json=_homework(), headers=setting.morgan)
    assert created.status_code == 201, created.text
    homework = HomeworkAssignment.model_validate(created.json())
    assert homework.status == "assigned" and homework.assigned_on.isoformat() == "2026-03-04"

    [published] = _feed(client, setting.sam_token, "homework")
    assert HomeworkAssignment.model_validate(published) == homework
    assert _feed(client, setting.riley_token, "homework") == []

    changed = client.put(f"{setting.base}/homework/{homework.id}",
                         json=_homework(due_on="2026-03-12"), headers=setting.morgan)
    assert changed.status_code == 200 and changed.json()["due_on"] == "2026-03-12"
    withdrawn = client.post(f"{setting.base}/homework/{homework.id}/withdraw",
                            headers=setting.morgan)
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    again = client.post(f"{setting.base}/homework/{homework.id}/withdraw",
                        headers=setting.morgan)
    assert again.status_code == 200
    feed = _feed(client, setting.sam_token, "homework")
    assert [(item["due_on"], item["status"]) for item in feed] == [
        ("2026-03-10", "assigned"), ("2026-03-12", "assigned"), ("2026-03-12", "withdrawn")]


def test_marking_homework_done_reaches_the_clinician_and_undoing_it_too(
        client: TestClient, setting: _Setting) -> None:
    homework = client.post(f"{setting.base}/homework", json=_homework(),
                           headers=setting.morgan).json()
    answer_id = assignment_answer_id(homework["id"])
    done = {"id": str(answer_id), "assignment_id": homework["id"], "done_on": "2026-03-06",
            "done": True, "note": "Harder on Friday."}

    def push(*records: dict[str, Any]) -> PushResponse:
        response = client.post(PUSH, json={"records": list(records)},
                               headers=bearer(setting.sam_token))
        assert response.status_code == 200, response.text
        return PushResponse.model_validate(response.json())

    assert push(record("homework_done", record_id=answer_id,
                       payload=done)).results[0].outcome == "stored"
    [view] = client.get(f"{setting.base}/homework", headers=setting.morgan).json()["homework"]
    assert view["done_on"] == "2026-03-06" and view["note"] == "Harder on Friday."

    push(record("homework_done", record_id=answer_id, version=2, replaces_version=1,
                payload={**done, "done": False}))
    [view] = client.get(f"{setting.base}/homework", headers=setting.morgan).json()["homework"]
    assert view["done_on"] is None and view["note"] == ""


def test_a_module_from_the_library_can_be_assigned_and_read(
        client: TestClient, setting: _Setting) -> None:
    created = client.post(f"{setting.base}/modules",
                          json={"module_id": MODULE, "note": "Before Thursday's group"},
                          headers=setting.morgan)
    assert created.status_code == 201, created.text
    assignment = ModuleAssignment.model_validate(created.json())
    [published] = _feed(client, setting.sam_token, "module_assignment")
    assert ModuleAssignment.model_validate(published) == assignment

    answer = {"assignment_id": str(assignment.id), "done_on": "2026-03-05", "module_id": MODULE}
    response = client.post(PUSH, headers=bearer(setting.sam_token), json={"records": [
        record("module_read", record_id=assignment_answer_id(assignment.id), payload=answer)]})
    assert response.json()["results"][0]["outcome"] == "stored"
    [view] = client.get(f"{setting.base}/homework", headers=setting.morgan).json()["modules"]
    assert view["read_on"] == "2026-03-05" and view["note"] == "Before Thursday's group"

    withdrawn = client.post(f"{setting.base}/modules/{assignment.id}/withdraw",
                            headers=setting.morgan)
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"


@pytest.mark.parametrize("body, words", [
    ({"module_id": "no-such-module"}, "no module 'no-such-module'"),
    ({"module_id": "Bad Id!"}, "module_id"),
    ({"module_id": MODULE, "extra": 1}, "not a field"),
])
def test_a_bad_module_assignment_gets_a_clear_422(
        client: TestClient, setting: _Setting, body: dict[str, Any], words: str) -> None:
    response = client.post(f"{setting.base}/modules", json=body, headers=setting.morgan)
    assert response.status_code == 422, response.text
    assert words in response.json()["detail"]
    assert _feed(client, setting.sam_token, "module_assignment") == []


@pytest.mark.parametrize("body", [
    _homework(title=""), _homework(title="x" * 121), _homework(due_on="Friday"),
    _homework(module_id="no-such-module"), _homework(title="bell\x07"),
])
def test_bad_homework_gets_a_clear_422_and_publishes_nothing(
        client: TestClient, setting: _Setting, body: dict[str, Any]) -> None:
    response = client.post(f"{setting.base}/homework", json=body, headers=setting.morgan)
    assert response.status_code == 422, response.text
    assert isinstance(response.json()["detail"], str)
    assert _feed(client, setting.sam_token, "homework") == []


def test_another_clinic_cannot_see_or_set_assignments(
        client: TestClient, setting: _Setting) -> None:
    homework = client.post(f"{setting.base}/homework", json=_homework(),
                           headers=setting.morgan).json()
    module = client.post(f"{setting.base}/modules", json={"module_id": MODULE},
                         headers=setting.morgan).json()
    riley_base = f"/api/v1/clinician/participants/{setting.riley.id}"
    for headers, base, expected in [(setting.casey, setting.base, 404),
                                    (setting.morgan, riley_base, 404)]:
        for method, path, body in [
            ("GET", "/homework", None),
            ("POST", "/homework", _homework()),
            ("PUT", f"/homework/{homework['id']}", _homework()),
            ("POST", f"/homework/{homework['id']}/withdraw", None),
            ("POST", "/modules", {"module_id": MODULE}),
            ("POST", f"/modules/{module['id']}/withdraw", None),
        ]:
            if base == riley_base and path in ("/homework", "/modules"):
                continue  # Morgan may set Riley's own homework
            response = client.request(method, f"{base}{path}", json=body, headers=headers)
            assert response.status_code == expected, (method, base, path, response.text)


def test_consent_changes_reach_the_participant_s_app(
        client: TestClient, setting: _Setting, clock: FakeClock,
        join: Callable[..., str]) -> None:
    code = setting.records.invite(setting.sam, "Jamie")
    [given] = [ConsentNotice.model_validate(d) for d in _feed(client, setting.sam_token,
                                                              "consent")]
    assert (given.recipient_name, given.scope, given.joined) == ("Jamie", "education", False)
    join(code)
    feed = [ConsentNotice.model_validate(d) for d in _feed(client, setting.sam_token, "consent")]
    assert [n.joined for n in feed] == [False, True]
    assert _feed(client, setting.riley_token, "consent") == []

    revoked = client.post(f"{setting.base}/consents/{given.id}/revoke", headers=setting.morgan)
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["revoked_at"] is not None
    again = client.post(f"{setting.base}/consents/{given.id}/revoke", headers=setting.morgan)
    assert again.status_code == 200 and again.json()["revoked_at"] == revoked.json()["revoked_at"]
    latest = ConsentNotice.model_validate(_feed(client, setting.sam_token, "consent")[-1])
    assert latest.revoked_at is not None and latest.recipient_name == "Jamie"
    assert len(_feed(client, setting.sam_token, "consent")) == 3  # a repeat publishes nothing
    other = client.post(f"{setting.base}/consents/{given.id}/revoke", headers=setting.casey)
    assert other.status_code == 404
    missing = client.post(f"{setting.base}/consents/{uuid.uuid4()}/revoke",
                          headers=setting.morgan)
    assert missing.status_code == 404


def test_homework_can_ask_for_a_practice_exercise_from_the_app_s_library(
        client: TestClient, setting: _Setting) -> None:
    created = client.post(f"{setting.base}/homework",
                          json=_homework(title="Box breathing before bed",
                                         exercise_id="box-breathing"),
                          headers=setting.morgan)
    assert created.status_code == 201, created.text
    homework = HomeworkAssignment.model_validate(created.json())
    assert homework.exercise_id == "box-breathing"
    [published] = _feed(client, setting.sam_token, "homework")
    assert published["exercise_id"] == "box-breathing"

    # An exercise the apps do not have is refused by name, and nothing changes.
    unknown = client.put(f"{setting.base}/homework/{homework.id}",
                         json=_homework(exercise_id="hot-yoga"), headers=setting.morgan)
    assert unknown.status_code == 422
    assert "no exercise 'hot-yoga'" in unknown.json()["detail"]
    malformed = client.post(f"{setting.base}/homework",
                            json=_homework(exercise_id="Box Breathing!"), headers=setting.morgan)
    assert malformed.status_code == 422
    [still] = _feed(client, setting.sam_token, "homework")
    assert still["exercise_id"] == "box-breathing"

    # Taking the exercise off the homework publishes that too.
    cleared = client.put(f"{setting.base}/homework/{homework.id}", json=_homework(),
                         headers=setting.morgan)
    assert cleared.status_code == 200 and cleared.json()["exercise_id"] is None
