"""Treatment goals and the aftercare plan, written by both the clinician and the
participant's app; weekly goal ratings; discharge (SQLite and PostgreSQL)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from iop_companion.sync.protocol import (
    ChangesResponse,
    PushResponse,
    RecordVersion,
    aftercare_plan_id,
)
from tests.clinic.clinic_testing import Records, bearer, clinician_headers
from tests.clinic.sync_records import PUSH, record

CHANGES = "/api/v1/participant/changes"
STAMP = "2026-03-04T14:55:00+00:00"



class _Setting:
    """Morgan (clinician at Northside) with Sam (enrolled); Casey at another clinic."""

    def __init__(self, client: TestClient, records: Records, enrol: Callable[..., str]) -> None:
        clinic = records.clinic()
        other = records.clinic("Eastside Clinic")
        records.clinician(clinic)
        records.clinician(other, email="casey@eastside.example")
        self.sam = records.participant(clinic, "Sam")
        self.sam_token = enrol(records.code(self.sam))
        self.morgan = clinician_headers(client, "morgan@northside.example")
        self.casey = clinician_headers(client, "casey@eastside.example")
        self.base = f"/api/v1/clinician/participants/{self.sam.id}"


@pytest.fixture
def setting(client: TestClient, records: Records, enrol: Callable[..., str]) -> _Setting:
    return _Setting(client, records, enrol)


def _goal(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "Sleep by 11 on weeknights",
        "why_it_matters": "I cope better with cravings when I have slept.",
        "steps": [{"text": "Phone off at 10:30"}, {"text": "No coffee after 2 pm"}],
    }
    body.update(changes)
    return body


def _phone_goal(goal_id: uuid.UUID, title: str, **changes: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {"id": str(goal_id), "created_at": STAMP, "updated_at": STAMP,
                               "schema_version": 1, "title": title,
                               "steps": [{"text": "Call my sponsor", "done": True}],
                               "status": "active"}
    payload.update(changes)
    return payload


def _feed(client: TestClient, token: str, kind: str) -> list[tuple[str, RecordVersion]]:
    response = client.get(CHANGES, params={"after": 0}, headers=bearer(token))
    assert response.status_code == 200, response.text
    page = ChangesResponse.model_validate(response.json())
    return [(c.id, RecordVersion.model_validate(c.data)) for c in page.changes if c.kind == kind]


def _push(client: TestClient, token: str, *records: dict[str, Any]) -> PushResponse:
    response = client.post(PUSH, json={"records": list(records)}, headers=bearer(token))
    assert response.status_code == 200, response.text
    return PushResponse.model_validate(response.json())


def test_a_clinician_goal_reaches_the_phone_and_the_phone_s_edit_reaches_the_clinician(
        client: TestClient, setting: _Setting) -> None:
    created = client.post(f"{setting.base}/goals", json=_goal(), headers=setting.morgan)
    assert created.status_code == 201, created.text
    goal = created.json()
    assert goal["version"] == 1 and goal["author"] == "clinic"

    [(goal_id, pulled)] = _feed(client, setting.sam_token, "treatment_goal")
    assert goal_id == goal["id"] and pulled.author == "clinic"
    assert pulled.payload["title"] == "Sleep by 11 on weeknights"
    assert pulled.payload["steps"][0] == {"text": "Phone off at 10:30", "done": False}

    # The participant ticks the first step on the phone: version 2 replaces 1.
    edited = {**pulled.payload, "steps": [{"text": "Phone off at 10:30", "done": True},
                                          {"text": "No coffee after 2 pm", "done": False}]}
    result = _push(client, setting.sam_token, record(
        "treatment_goal", record_id=uuid.UUID(goal_id), version=2, replaces_version=1,
        payload=edited)).results[0]
    assert result.outcome == "stored"

    goals = client.get(f"{setting.base}/goals", headers=setting.morgan).json()["goals"]
    assert [(g["version"], g["author"]) for g in goals] == [(2, "participant")]
    assert goals[0]["payload"]["steps"][0]["done"] is True
    # The phone's own version is on its feed too (for the participant's other devices).
    assert [v.version for _, v in _feed(client, setting.sam_token, "treatment_goal")] == [1, 2]


def test_a_clinician_edit_of_a_stale_version_is_refused_with_the_newest(
        client: TestClient, setting: _Setting) -> None:
    goal_id = uuid.uuid4()
    _push(client, setting.sam_token,
          record("treatment_goal", record_id=goal_id, payload=_phone_goal(goal_id, "Walk daily")),
          record("treatment_goal", record_id=goal_id, version=2, replaces_version=1,
                 payload=_phone_goal(goal_id, "Walk every day, 20 minutes")))
    stale = client.put(f"{setting.base}/goals/{goal_id}",
                       json=_goal(title="Walk 3 times a week", replaces_version=1),
                       headers=setting.morgan)
    assert stale.status_code == 409, stale.text
    body = stale.json()
    assert "changed this" in body["detail"]
    assert body["latest"]["version"] == 2
    assert body["latest"]["payload"]["title"] == "Walk every day, 20 minutes"

    fresh = client.put(f"{setting.base}/goals/{goal_id}",
                       json=_goal(title="Walk 3 times a week", replaces_version=2),
                       headers=setting.morgan)
    assert fresh.status_code == 200, fresh.text
    assert fresh.json()["version"] == 3
    assert fresh.json()["payload"]["created_at"] == STAMP  # kept from the first version


def test_a_phone_edit_made_before_the_clinician_s_is_a_conflict_carrying_the_clinic_version(
        client: TestClient, setting: _Setting) -> None:
    goal = client.post(f"{setting.base}/goals", json=_goal(), headers=setting.morgan).json()
    goal_id = uuid.UUID(goal["id"])
    changed = client.put(f"{setting.base}/goals/{goal_id}",
                         json=_goal(title="Sleep by 11, most nights", replaces_version=1),
                         headers=setting.morgan)
    assert changed.status_code == 200
    # The phone edited version 1 offline and now sends its version 2: same number,
    # other content. Nothing is overwritten; the answer carries the clinic's version.
    mine = {**goal["payload"], "title": "Sleep by 11 every night"}
    [result] = _push(client, setting.sam_token, record(
        "treatment_goal", record_id=goal_id, version=2, replaces_version=1,
        payload=mine)).results
    assert result.outcome == "conflict"
    assert result.latest_version == 2
    assert result.latest_payload is not None
    assert result.latest_payload["title"] == "Sleep by 11, most nights"

    # "Keep mine": a new version on top of the clinic's newest.
    [kept] = _push(client, setting.sam_token, record(
        "treatment_goal", record_id=goal_id, version=3, replaces_version=2,
        payload=mine)).results
    assert kept.outcome == "stored"
    goals = client.get(f"{setting.base}/goals", headers=setting.morgan).json()["goals"]
    assert goals[0]["payload"]["title"] == "Sleep by 11 every night"


def test_a_stale_base_push_also_carries_the_newest_version(
        client: TestClient, setting: _Setting) -> None:
    goal = client.post(f"{setting.base}/goals", json=_goal(), headers=setting.morgan).json()
    goal_id = uuid.UUID(goal["id"])
    for version in (1, 2):
        client.put(f"{setting.base}/goals/{goal_id}",
                   json=_goal(title=f"Change {version}", replaces_version=version),
                   headers=setting.morgan)
    [result] = _push(client, setting.sam_token, record(
        "treatment_goal", record_id=goal_id, version=4, replaces_version=2,
        payload={**goal["payload"], "title": "Mine"})).results
    assert result.outcome == "conflict"
    assert result.latest_version == 3
    assert result.latest_payload is not None and result.latest_payload["title"] == "Change 2"


def test_weekly_ratings_reach_the_clinician_newest_week_first(
        client: TestClient, setting: _Setting) -> None:
    goal = client.post(f"{setting.base}/goals", json=_goal(), headers=setting.morgan).json()
    rating_id = uuid.uuid4()

    def rating(week_of: str, value: int, **options: Any) -> dict[str, Any]:
        return record("goal_rating", payload={
            "id": str(options.pop("rid", uuid.uuid4())), "goal_id": goal["id"],
            "week_of": week_of, "rating": value, "note": "Better than last week"}, **options)

    _push(client, setting.sam_token, rating("2026-11-09", 3),
          rating("2026-11-16", 5, rid=rating_id, record_id=rating_id))
    # Rating the same week again is a new version of that week's rating.
    _push(client, setting.sam_token,
          rating("2026-11-16", 6, rid=rating_id, record_id=rating_id, version=2,
                 replaces_version=1))
    ratings = client.get(f"{setting.base}/goals", headers=setting.morgan).json()["ratings"]
    assert [(r["week_of"], r["rating"]) for r in ratings] == [("2026-11-16", 6),
                                                              ("2026-11-09", 3)]
    # Ratings are the participant's alone: not sent back on the feed.
    assert _feed(client, setting.sam_token, "goal_rating") == []


def test_a_rating_must_name_a_monday_and_stay_within_0_to_10(
        client: TestClient, setting: _Setting) -> None:
    results = _push(client, setting.sam_token,
                    record("goal_rating", payload={"goal_id": str(uuid.uuid4()),
                                                   "week_of": "2026-11-17", "rating": 4}),
                    record("goal_rating", payload={"goal_id": str(uuid.uuid4()),
                                                   "week_of": "2026-11-16", "rating": 11})
                    ).results
    assert [r.outcome for r in results] == ["rejected", "rejected"]
    assert "Monday" in (results[0].reason or "")


def test_the_aftercare_plan_is_one_record_built_by_both_sides(
        client: TestClient, setting: _Setting) -> None:
    assert client.get(f"{setting.base}/aftercare-plan",
                      headers=setting.morgan).status_code == 404
    no_plan = client.put(f"{setting.base}/aftercare-plan",
                         json={"people_to_call": ["Ana"], "replaces_version": 1},
                         headers=setting.morgan)
    assert no_plan.status_code == 404
    assert no_plan.json()["detail"] == "There is no aftercare plan yet."
    unknown = client.get(f"{setting.base}/aftercare-plans", headers=setting.morgan)
    assert unknown.status_code == 404
    assert unknown.json()["detail"] == "There is nothing at this address on the clinic server."
    plan = {"continuing_care": ["Weekly therapy with Morgan, Tuesdays"],
            "support_meetings": [{"name": "SMART Recovery", "weekday": "thursday",
                                  "time": "18:30", "place": "Library room 2"}]}
    first = client.put(f"{setting.base}/aftercare-plan", json=plan, headers=setting.morgan)
    assert first.status_code == 200, first.text
    assert first.json()["id"] == str(aftercare_plan_id(setting.sam.id))

    # The phone started its own version 1 at the same time: one record, a conflict.
    plan_id = aftercare_plan_id(setting.sam.id)
    phone_plan = {"id": str(plan_id), "created_at": STAMP, "updated_at": STAMP,
                  "schema_version": 1, "people_to_call": ["My sister Ana"]}
    [result] = _push(client, setting.sam_token,
                     record("aftercare_plan", record_id=plan_id, payload=phone_plan)).results
    assert result.outcome == "conflict" and result.latest_version == 1

    merged = {**first.json()["payload"], "people_to_call": ["My sister Ana"]}
    [stored] = _push(client, setting.sam_token, record(
        "aftercare_plan", record_id=plan_id, version=2, replaces_version=1,
        payload=merged)).results
    assert stored.outcome == "stored"
    latest = client.get(f"{setting.base}/aftercare-plan", headers=setting.morgan).json()
    assert latest["version"] == 2 and latest["author"] == "participant"
    assert latest["payload"]["support_meetings"][0]["time"] == "18:30"

    # Starting it again without naming a version would overwrite: refused.
    again = client.put(f"{setting.base}/aftercare-plan", json=plan, headers=setting.morgan)
    assert again.status_code == 409 and again.json()["latest"]["version"] == 2
    versions = [v.version for _, v in _feed(client, setting.sam_token, "aftercare_plan")]
    assert versions == [1, 2]


@pytest.mark.parametrize("bad", [
    {"support_meetings": [{"name": "AA", "weekday": "funday", "time": "18:30"}]},
    {"support_meetings": [{"name": "AA", "weekday": "monday", "time": "6:30 pm"}]},
    {"continuing_care": ["x" * 501]},
    {"people_to_call": ["Ana"], "unknown": 1},
])
def test_a_bad_aftercare_plan_gets_a_clear_422(
        client: TestClient, setting: _Setting, bad: dict[str, Any]) -> None:
    response = client.put(f"{setting.base}/aftercare-plan", json=bad, headers=setting.morgan)
    assert response.status_code == 422, response.text
    assert isinstance(response.json()["detail"], str)


def test_bad_goal_writes_get_clear_answers(client: TestClient, setting: _Setting) -> None:
    no_title = client.post(f"{setting.base}/goals", json=_goal(title=""), headers=setting.morgan)
    assert no_title.status_code == 422
    with_version = client.post(f"{setting.base}/goals", json=_goal(replaces_version=1),
                               headers=setting.morgan)
    assert with_version.status_code == 422
    assert "replaces_version" in with_version.json()["detail"]
    goal = client.post(f"{setting.base}/goals", json=_goal(), headers=setting.morgan).json()
    unnamed = client.put(f"{setting.base}/goals/{goal['id']}", json=_goal(),
                         headers=setting.morgan)
    assert unnamed.status_code == 422
    missing = client.put(f"{setting.base}/goals/{uuid.uuid4()}",
                         json=_goal(replaces_version=1), headers=setting.morgan)
    assert missing.status_code == 404


def test_another_clinic_s_clinician_sees_and_changes_nothing(
        client: TestClient, setting: _Setting) -> None:
    goal = client.post(f"{setting.base}/goals", json=_goal(), headers=setting.morgan).json()
    for method, path, body in [
        ("GET", "/goals", None),
        ("POST", "/goals", _goal()),
        ("PUT", f"/goals/{goal['id']}", _goal(replaces_version=1)),
        ("GET", "/aftercare-plan", None),
        ("PUT", "/aftercare-plan", {"people_to_call": ["Ana"]}),
        ("POST", "/discharge", {"discharged_on": "2026-12-01"}),
    ]:
        response = client.request(method, f"{setting.base}{path}", json=body,
                                  headers=setting.casey)
        assert response.status_code == 404, (method, path, response.text)
        anonymous = client.request(method, f"{setting.base}{path}", json=body)
        assert anonymous.status_code == 401, (method, path)
        participant = client.request(method, f"{setting.base}{path}", json=body,
                                     headers=bearer(setting.sam_token))
        assert participant.status_code == 401, (method, path)


def test_discharge_is_published_to_the_participant_s_app(
        client: TestClient, setting: _Setting) -> None:
    response = client.post(f"{setting.base}/discharge", json={"discharged_on": "2026-12-01"},
                           headers=setting.morgan)
    assert response.status_code == 200, response.text
    assert response.json()["discharged_on"] == "2026-12-01"
    page = client.get(CHANGES, params={"after": 0}, headers=bearer(setting.sam_token)).json()
    programs = [c for c in page["changes"] if c["kind"] == "program"]
    assert programs[-1]["data"]["discharged_on"] == "2026-12-01"
    profile = client.get("/api/v1/participant/profile", headers=bearer(setting.sam_token))
    assert profile.json()["discharged_on"] == "2026-12-01"
    bad = client.post(f"{setting.base}/discharge", json={"discharged_on": "soon"},
                      headers=setting.morgan)
    assert bad.status_code == 422
