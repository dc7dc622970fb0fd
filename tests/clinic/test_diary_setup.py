"""The diary card's setup at the clinic (SQLite and PostgreSQL): the emotions the clinic's
card asks about (PUT /api/v1/clinician/clinic/diary-card, sent to every app with the
clinic's profile), and one participant's targets (GET/PUT .../participants/{id}/
diary-targets, sent to that participant's apps only). Ids of unchanged targets stay; a
removed one leaves the list but old cards keep its rating and the clinician still reads
its label. Everything is audited; another clinic's staff get 404; bad input a clear 422.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from iop_companion.clinic.models import AuditEntry, AuditOutcome, Clinic
from iop_companion.sync.protocol import DIARY_EMOTION_CATALOGUE, ChangesResponse
from tests.clinic.clinic_testing import Records, bearer, clinician_headers
from tests.clinic.sync_records import PUSH, record
from tests.clinic.test_changes import _changes
from tests.domain.test_coping_logs import card

DIARY_CARD = "/api/v1/clinician/clinic/diary-card"
CLINIC = "/api/v1/clinician/clinic"
API = "/api/v1/clinician/participants"
ENVELOPE = {"created_at": "2026-03-04T14:50:00.000000+00:00",
            "updated_at": "2026-03-04T14:50:00.000000+00:00", "schema_version": 1}


class _Setting:
    """Northside (Morgan, with Sam enrolled and Riley) and Southside (Jo)."""

    def __init__(self, client: TestClient, records: Records, enrol: Callable[..., str]) -> None:
        self.client = client
        self.clinic = records.clinic()
        records.clinician(self.clinic)
        records.clinician(records.clinic("Southside Clinic"), "jo@southside.example")
        self.sam = records.participant(self.clinic, "Sam")
        self.riley = records.participant(self.clinic, "Riley")
        self.sam_token = enrol(records.code(self.sam))
        self.riley_token = enrol(records.code(self.riley))
        self.morgan = clinician_headers(client, "morgan@northside.example")
        self.jo = clinician_headers(client, "jo@southside.example")

    def targets_url(self, participant_id: Any = None) -> str:
        return f"{API}/{participant_id or self.sam.id}/diary-targets"

    def set_targets(self, *labels: str, headers: dict[str, str] | None = None) -> Any:
        return self.client.put(self.targets_url(), headers=headers or self.morgan,
                               json={"targets": [{"label": label} for label in labels]})

    def targets(self) -> list[dict[str, str]]:
        response = self.client.get(self.targets_url(), headers=self.morgan)
        assert response.status_code == 200, response.text
        return response.json()["targets"]  # type: ignore[no-any-return]


@pytest.fixture
def setting(client: TestClient, records: Records, enrol: Callable[..., str]) -> _Setting:
    return _Setting(client, records, enrol)


def _of_kind(feed: ChangesResponse, kind: str) -> list[dict[str, Any]]:
    return [change.data or {} for change in feed.changes if change.kind == kind]


def _actions(sessions: sessionmaker[Session]) -> list[tuple[str, AuditOutcome]]:
    with sessions() as session:
        return [(row.action, row.outcome) for row in session.scalars(
            sa.select(AuditEntry).order_by(AuditEntry.id))]


# --------------------------------------------------------------------- the clinic's emotions


def test_the_clinics_emotions_reach_every_app_with_the_profile_and_null_resets(
        setting: _Setting, sessions: sessionmaker[Session]) -> None:
    client = setting.client
    assert client.get(CLINIC, headers=setting.morgan).json()["diary_emotions"] is None
    chosen = ["anxiety", "sadness", "hope", "loneliness"]
    answer = client.put(DIARY_CARD, json={"emotions": chosen}, headers=setting.morgan)
    assert answer.status_code == 200, answer.text
    assert answer.json()["diary_emotions"] == chosen  # in the order chosen
    assert client.get(CLINIC, headers=setting.morgan).json()["diary_emotions"] == chosen
    for token in (setting.sam_token, setting.riley_token):
        assert _of_kind(_changes(client, token), "clinic_profile")[-1]["diary_emotions"] == chosen
    assert ("clinic.diary_emotions.change", AuditOutcome.SUCCESS) in _actions(sessions)
    with sessions() as session:
        stored = session.get(Clinic, setting.clinic.id)
        assert stored is not None and stored.diary_emotions == chosen

    # null: back to the app's default set (stored as NULL, sent as null).
    assert client.put(DIARY_CARD, json={"emotions": None},
                      headers=setting.morgan).status_code == 200
    assert _of_kind(_changes(client, setting.sam_token),
                    "clinic_profile")[-1]["diary_emotions"] is None
    with sessions() as session:
        nulls = session.scalar(sa.select(sa.func.count()).select_from(Clinic).where(
            Clinic.id == setting.clinic.id, Clinic.diary_emotions.is_(None)))
    assert nulls == 1


def test_the_whole_catalogue_is_there_to_choose_from(setting: _Setting) -> None:
    assert len(DIARY_EMOTION_CATALOGUE) == 15
    twelve = list(DIARY_EMOTION_CATALOGUE[:12])
    answer = setting.client.put(DIARY_CARD, json={"emotions": twelve}, headers=setting.morgan)
    assert answer.status_code == 200, answer.text
    answer = setting.client.put(DIARY_CARD, json={"emotions": ["calm"]}, headers=setting.morgan)
    assert answer.json()["diary_emotions"] == ["calm"]


@pytest.mark.parametrize("body", [
    {"emotions": []}, {"emotions": list(DIARY_EMOTION_CATALOGUE[:13])},
    {"emotions": ["sadness", "sadness"]}, {"emotions": ["nostalgia"]}, {"emotions": ["Joy"]},
    {"emotions": "joy"}, {"emotions": [3]}, {}, {"emotions": ["joy"], "order": 1}, [],
])
def test_a_nonsense_choice_of_emotions_gets_a_clear_422(setting: _Setting, body: Any) -> None:
    answer = setting.client.put(DIARY_CARD, json=body, headers=setting.morgan)
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"]
    assert "nostalgia" not in answer.json()["detail"]  # what was sent is never echoed


def test_only_clinic_staff_choose_the_emotions(setting: _Setting) -> None:
    body = {"emotions": ["joy"]}
    assert setting.client.put(DIARY_CARD, json=body).status_code == 401
    assert setting.client.put(DIARY_CARD, json=body,
                              headers=bearer(setting.sam_token)).status_code == 401
    # Southside's choice is Southside's: Northside's apps still get no emotions.
    assert setting.client.put(DIARY_CARD, json=body, headers=setting.jo).status_code == 200
    profiles = _of_kind(_changes(setting.client, setting.sam_token), "clinic_profile")
    assert all(profile.get("diary_emotions") is None for profile in profiles)


# ------------------------------------------------------------------ one participant's targets


def test_targets_reach_only_that_participants_app_and_keep_their_ids(
        setting: _Setting, sessions: sessionmaker[Session]) -> None:
    assert setting.targets() == []
    answer = setting.set_targets("Skipped a meal", "Isolated myself")
    assert answer.status_code == 200, answer.text
    first = answer.json()["targets"]
    assert [t["label"] for t in first] == ["Skipped a meal", "Isolated myself"]
    ids = [t["id"] for t in first]
    assert len(set(ids)) == 2 and all(t.isascii() and t[0].isalpha() for t in ids)
    assert answer.json()["updated_at"] is not None
    [feed] = _of_kind(_changes(setting.client, setting.sam_token), "diary_targets")
    assert feed == {"targets": first}
    assert _of_kind(_changes(setting.client, setting.riley_token), "diary_targets") == []

    # Replaced: the unchanged one (case and spacing aside) keeps its id, in its new place;
    # the new one gets a new id; the left-out one is gone from the list and the feed.
    answer = setting.set_targets("Argued with  someone", "skipped a meal")
    now = answer.json()["targets"]
    assert [t["label"] for t in now] == ["Argued with  someone", "skipped a meal"]
    assert now[1]["id"] == ids[0]
    assert now[0]["id"] not in ids
    assert setting.targets() == now
    assert _of_kind(_changes(setting.client, setting.sam_token), "diary_targets")[-1] == {
        "targets": now}

    # Set again later, a removed target comes back with its old id.
    back = setting.set_targets("Isolated myself").json()["targets"]
    assert back == [{"id": ids[1], "label": "Isolated myself"}]

    # The same list again changes nothing and publishes nothing.
    published = len(_of_kind(_changes(setting.client, setting.sam_token), "diary_targets"))
    assert setting.set_targets("Isolated myself").status_code == 200
    assert len(_of_kind(_changes(setting.client, setting.sam_token),
                        "diary_targets")) == published

    # An empty list takes the section off the card.
    assert setting.set_targets().json()["targets"] == []
    assert _of_kind(_changes(setting.client, setting.sam_token), "diary_targets")[-1] == {
        "targets": []}
    actions = _actions(sessions)
    assert actions.count(("clinician.diary_targets.write", AuditOutcome.SUCCESS)) == 5
    assert ("clinician.diary_targets.read", AuditOutcome.SUCCESS) in actions


@pytest.mark.parametrize("body", [
    {"targets": [{"label": f"Target {n}"} for n in range(9)]},
    {"targets": [{"label": "a" * 61}]}, {"targets": [{"label": "   "}]},
    {"targets": [{"label": "two\nlines"}]}, {"targets": [{"label": "Skipped a meal"},
                                                        {"label": "SKIPPED A MEAL "}]},
    {"targets": [{"label": "x", "id": "t1"}]}, {"targets": ["Skipped a meal"]}, {}, [],
])
def test_nonsense_targets_get_a_clear_422_and_change_nothing(setting: _Setting,
                                                             body: Any) -> None:
    setting.set_targets("Skipped a meal")
    before = setting.targets()
    answer = setting.client.put(setting.targets_url(), json=body, headers=setting.morgan)
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"]
    assert setting.targets() == before


def test_eight_targets_of_sixty_characters_are_fine(setting: _Setting) -> None:
    labels = [f"{n} " + "x" * 58 for n in range(8)]
    answer = setting.set_targets(*labels)
    assert answer.status_code == 200, answer.text
    assert [t["label"] for t in answer.json()["targets"]] == labels


def test_another_clinics_staff_and_the_participants_get_nothing(
        setting: _Setting, sessions: sessionmaker[Session]) -> None:
    setting.set_targets("Skipped a meal")
    url = setting.targets_url()
    assert setting.client.get(url, headers=setting.jo).status_code == 404
    assert setting.set_targets("Mine now", headers=setting.jo).status_code == 404
    assert setting.client.get(setting.targets_url(uuid.uuid4()),
                              headers=setting.morgan).status_code == 404
    for headers in ({}, bearer(setting.sam_token)):
        assert setting.client.get(url, headers=headers).status_code == 401
        assert setting.client.put(url, json={"targets": []}, headers=headers).status_code == 401
    assert [t["label"] for t in setting.targets()] == ["Skipped a meal"]
    failures = [action for action, outcome in _actions(sessions)
                if outcome is AuditOutcome.FAILURE]
    assert "clinician.diary_targets.read" in failures
    assert "clinician.diary_targets.write" in failures


# ------------------------------------------------------------------ cards that rate targets


def test_a_card_rates_targets_and_the_clinician_reads_their_labels_even_once_removed(
        setting: _Setting) -> None:
    [meal, alone] = setting.set_targets("Skipped a meal", "Isolated myself").json()["targets"]
    record_id = uuid.uuid4()
    rated = {meal["id"]: {"rating": 3, "acted_on": True},
             alone["id"]: {"rating": None, "acted_on": False}}
    pushed = setting.client.post(PUSH, headers=bearer(setting.sam_token), json={"records": [
        record("diary_card", record_id=record_id,
               payload={"id": str(record_id), **ENVELOPE, **card(targets=rated)})]})
    assert pushed.json()["results"][0]["outcome"] == "stored", pushed.text
    setting.set_targets("Isolated myself")  # "Skipped a meal" is taken off the list

    response = setting.client.get(f"{API}/{setting.sam.id}/diary-cards",
                                  headers=setting.morgan)
    assert response.status_code == 200, response.text
    [log] = response.json()["logs"]
    assert log["content"]["targets"] == rated
    assert log["target_labels"] == {meal["id"]: "Skipped a meal",
                                    alone["id"]: "Isolated myself"}


@pytest.mark.parametrize("targets", [
    {"Not An Id": {"rating": 1, "acted_on": False}}, {"t1": {"rating": 6, "acted_on": False}},
    {"t1": {"rating": 1}}, {"t1": 3}, ["t1"],
])
def test_a_card_with_badly_rated_targets_is_rejected_with_a_reason(
        setting: _Setting, targets: Any) -> None:
    record_id = uuid.uuid4()
    pushed = setting.client.post(PUSH, headers=bearer(setting.sam_token), json={"records": [
        record("diary_card", record_id=record_id,
               payload={"id": str(record_id), **ENVELOPE, **card(targets=targets)})]})
    [result] = pushed.json()["results"]
    assert result["outcome"] == "rejected", result
    assert "Not An Id" not in (result["reason"] or "")
