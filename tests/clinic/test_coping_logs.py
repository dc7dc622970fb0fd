"""Coping-skill logs at the clinic: the app pushes `diary_card`, `thought_record` and
`urge_log` records; a bad one is rejected with its reason (never stored, never a 500)
while the rest of its batch is stored; the clinician reads each kind, newest version
first, a page at a time, at GET /api/v1/clinician/participants/{id}/diary-cards,
/thought-records and /urge-logs (audited; another clinic's staff get 404; a log the
participant deleted is not listed). Family members never see a log."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from iop_companion.clinic.models import AuditEntry, ParticipantRecord
from iop_companion.sync.protocol.payloads.coping_logs import CopingLogsPage
from tests.clinic.clinic_testing import Records, bearer, clinician_headers
from tests.clinic.family_testing import push_answer
from tests.clinic.sync_records import PUSH, record
from tests.domain.test_coping_logs import card, thought, urge_log

API = "/api/v1/clinician/participants"
ENVELOPE = {"created_at": "2026-03-04T14:50:00.000000+00:00",
            "updated_at": "2026-03-04T14:50:00.000000+00:00", "schema_version": 1}
PATHS = {"diary_card": "diary-cards", "thought_record": "thought-records",
         "urge_log": "urge-logs"}
CONTENT: dict[str, Callable[..., dict[str, Any]]] = {
    "diary_card": card, "thought_record": thought, "urge_log": urge_log}
AUDIT = {"diary_card": "clinician.diary_cards.read",
         "thought_record": "clinician.thought_records.read",
         "urge_log": "clinician.urge_logs.read"}


def payload(kind: str, record_id: uuid.UUID, **changes: Any) -> dict[str, Any]:
    return {"id": str(record_id), **ENVELOPE, **CONTENT[kind](**changes)}


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

    def url(self, kind: str, participant_id: Any = None) -> str:
        return f"{API}/{participant_id or self.sam.id}/{PATHS[kind]}"

    def push(self, token: str, *pushed: dict[str, Any]) -> list[dict[str, Any]]:
        response = self.client.post(PUSH, json={"records": list(pushed)}, headers=bearer(token))
        assert response.status_code == 200, response.text
        return response.json()["results"]  # type: ignore[no-any-return]

    def read(self, kind: str, **params: Any) -> CopingLogsPage:
        response = self.client.get(self.url(kind), headers=self.morgan, params=params)
        assert response.status_code == 200, response.text
        return CopingLogsPage.model_validate(response.json())


@pytest.fixture
def setting(client: TestClient, records: Records) -> _Setting:
    return _Setting(client, records)


@pytest.mark.parametrize("kind", list(PATHS))
def test_the_clinician_reads_each_log_newest_version_first_without_deleted_ones(
        setting: _Setting, enrol: Callable[..., str], sessions: sessionmaker[Session],
        kind: str) -> None:
    token = enrol(setting.records.code(setting.sam))
    assert setting.read(kind) == CopingLogsPage(logs=[], next=None)
    ids = [uuid.uuid4() for _ in range(4)]
    results = setting.push(token, *(record(kind, record_id=record_id,
                                           payload=payload(kind, record_id))
                                    for record_id in ids))
    assert {r["outcome"] for r in results} == {"stored"}
    # The first is edited (a new version), the second deleted (a tombstone version).
    edited = {"diary_card": {"note": "Edited"}, "thought_record": {"balanced_thought": "Edited"},
              "urge_log": {"what_i_did": "Edited"}}[kind]
    results = setting.push(
        token,
        record(kind, record_id=ids[0], version=2, replaces_version=1,
               payload=payload(kind, ids[0], **edited)),
        record(kind, record_id=ids[1], version=2, replaces_version=1,
               payload={"id": str(ids[1]), **ENVELOPE, "deleted": True}))
    assert [r["outcome"] for r in results] == ["stored", "stored"]

    first = setting.read(kind, limit=2)
    assert [(log.record_id, log.version) for log in first.logs] == [(ids[0], 2), (ids[3], 1)]
    assert first.logs[0].content == CONTENT[kind](**edited)  # no envelope, no tombstone
    assert first.next is not None
    rest = setting.read(kind, limit=2, cursor=first.next)
    assert [(log.record_id, log.version) for log in rest.logs] == [(ids[2], 1)]
    assert rest.next is None
    with sessions() as session:
        audited = session.scalars(sa.select(AuditEntry).where(
            AuditEntry.action == AUDIT[kind])).all()
    assert len(audited) == 3
    # Another kind's list does not hold them.
    other = next(k for k in PATHS if k != kind)
    assert setting.read(other).logs == []


def test_a_page_skips_deleted_logs_without_ending_early(
        setting: _Setting, enrol: Callable[..., str]) -> None:
    token = enrol(setting.records.code(setting.sam))
    live, dead = uuid.uuid4(), [uuid.uuid4() for _ in range(3)]
    setting.push(token, record("urge_log", record_id=live, payload=payload("urge_log", live)),
                 *(record("urge_log", record_id=d, payload={"id": str(d), **ENVELOPE,
                                                             "deleted": True}) for d in dead))
    page = setting.read("urge_log", limit=1)
    assert [log.record_id for log in page.logs] == [live]
    assert page.next is None


@pytest.mark.parametrize("params", [{"cursor": "not-a-cursor"}, {"page": "2"},
                                    {"limit": "0"}, {"limit": "201"}])
def test_bad_paging_gets_422_naming_the_problem(setting: _Setting,
                                                params: dict[str, str]) -> None:
    response = setting.client.get(setting.url("diary_card"), headers=setting.morgan,
                                  params=params)
    assert response.status_code == 422, response.text


def test_a_cursor_of_another_list_is_refused(setting: _Setting, enrol: Callable[..., str]
                                             ) -> None:
    token = enrol(setting.records.code(setting.sam))
    ids = [uuid.uuid4(), uuid.uuid4()]
    setting.push(token, *(record("diary_card", record_id=i,
                                 payload=payload("diary_card", i, day=f"2026-03-0{n + 1}"))
                          for n, i in enumerate(ids)))
    cursor = setting.read("diary_card", limit=1).next
    assert cursor is not None
    response = setting.client.get(setting.url("urge_log"), headers=setting.morgan,
                                  params={"cursor": cursor})
    assert response.status_code == 422


BAD = [
    ("diary_card", {"urges": {"use": {"rating": 6, "acted_on": False}}}, "urges"),
    ("diary_card", {"emotions": {"sadness": 6}}, "emotions.sadness"),
    ("diary_card", {"emotions": {"Not An Id": 1}}, "ids like"),
    ("diary_card", {"skills": {"wise_mind": 8}}, "skills.wise_mind"),
    ("diary_card", {"medications_taken": "maybe"}, "medications_taken"),
    ("diary_card", {"note": "a" * 2001}, "note"),
    ("diary_card", {"day": "2026-02-30"}, "date"),
    ("diary_card", {"mood": 4}, "mood"),
    ("thought_record", {"emotions": []}, "emotions"),
    ("thought_record", {"emotions": [{"name": "sad", "intensity": 101}]}, "intensity"),
    ("thought_record", {"thinking_traps": ["blaming"]}, "thinking_traps"),
    ("thought_record", {"thinking_traps": ["labelling", "labelling"]}, "once"),
    ("thought_record", {"occurred_at": "2026-03-04T08:00:00"}, "timezone"),
    ("thought_record", {"situation": ""}, "situation"),
    ("urge_log", {"intensity": 11}, "intensity"),
    ("urge_log", {"intensity_after": -1}, "intensity_after"),
    ("urge_log", {"lasted_minutes": 1441}, "lasted_minutes"),
    ("urge_log", {"trigger": {"category": "weather", "detail": ""}}, "category"),
    ("urge_log", {"used": "no"}, "used"),
    ("urge_log", {"where": "two\nlines"}, "printable"),
    ("urge_log", {"intensity": 7.0}, "intensity"),
]


@pytest.mark.parametrize(("kind", "changes", "reason"), BAD)
def test_a_bad_log_is_rejected_with_its_reason_and_the_rest_of_the_batch_stored(
        setting: _Setting, enrol: Callable[..., str], sessions: sessionmaker[Session],
        kind: str, changes: dict[str, Any], reason: str) -> None:
    token = enrol(setting.records.code(setting.sam))
    bad_id, good_id = uuid.uuid4(), uuid.uuid4()
    bad = {**payload(kind, bad_id), **changes}
    bad_result, good_result = setting.push(
        token, record(kind, record_id=bad_id, payload=bad),
        record(kind, record_id=good_id, payload=payload(kind, good_id)))
    assert bad_result["outcome"] == "rejected"
    assert reason in bad_result["reason"], bad_result["reason"]
    assert good_result["outcome"] == "stored"
    with sessions() as session:
        stored = session.scalars(sa.select(ParticipantRecord.record_id)).all()
    assert stored == [good_id]


@pytest.mark.parametrize("kind", list(PATHS))
def test_a_tombstone_carries_nothing_else_and_a_log_needs_its_content(
        setting: _Setting, enrol: Callable[..., str], kind: str) -> None:
    token = enrol(setting.records.code(setting.sam))
    record_id = uuid.uuid4()
    leaky = {**payload(kind, record_id), "deleted": True}
    empty = {"id": str(record_id), **ENVELOPE}
    results = setting.push(token, record(kind, payload=leaky), record(kind, payload=empty))
    assert [r["outcome"] for r in results] == ["rejected", "rejected"]
    assert "deleted log carries no content" in results[0]["reason"]
    assert "A log needs" in results[1]["reason"]


@pytest.mark.parametrize("kind", list(PATHS))
def test_another_clinic_s_staff_get_404_and_no_one_unsigned_gets_in(
        setting: _Setting, sessions: sessionmaker[Session], kind: str) -> None:
    for participant_id in (setting.sam.id, uuid.uuid4()):
        response = setting.client.get(setting.url(kind, participant_id), headers=setting.jo)
        assert response.status_code == 404, response.text
        assert "Sam" not in response.text
    assert setting.client.get(setting.url(kind)).status_code == 401
    with sessions() as session:
        reasons = session.scalars(sa.select(AuditEntry.reason).where(
            AuditEntry.action == AUDIT[kind])).all()
    assert reasons == ["not_found", "not_found"]


def test_family_members_never_see_a_log(
        setting: _Setting, enrol: Callable[..., str], join: Callable[..., str]) -> None:
    records = setting.records
    family_token = join(records.invite(setting.sam, "Riley"), "Riley")
    sams_phone = enrol(records.code(setting.sam))
    answer = push_answer(setting.client, sams_phone, records.family_member_id(family_token),
                         True, records.clock.now)
    assert answer["outcome"] == "stored"
    marker = "MARKER-7731"
    ids = {kind: uuid.uuid4() for kind in PATHS}
    changes = {"diary_card": {"note": marker}, "thought_record": {"situation": marker},
               "urge_log": {"what_i_did": marker}}
    results = setting.push(sams_phone, *(record(kind, record_id=ids[kind],
                                                payload=payload(kind, ids[kind], **changes[kind]))
                                         for kind in PATHS))
    assert {r["outcome"] for r in results} == {"stored"}

    shared = setting.client.get("/api/v1/family/shared", headers=bearer(family_token))
    assert shared.status_code == 200, shared.text
    assert marker not in shared.text
    assert not any(str(record_id) in shared.text for record_id in ids.values())
    for kind in PATHS:  # the clinician's routes refuse a family token
        response = setting.client.get(setting.url(kind), headers=bearer(family_token))
        assert response.status_code == 401
        assert marker not in response.text
