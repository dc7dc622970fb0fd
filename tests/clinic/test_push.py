"""Push sync on the server: nothing lost, nothing doubled, nothing overwritten (Y1-Y5)."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from iop_companion.clinic.api import MAX_PUSH_REQUEST_BYTES
from iop_companion.clinic.models import (
    Alert,
    AuditEntry,
    Device,
    ParticipantRecord,
    ServerState,
)
from iop_companion.clinic.records import push_records
from iop_companion.sync.protocol import PushOutcome, PushRecord, PushResponse
from tests.clinic.clinic_testing import FakeClock, Records, bearer
from tests.clinic.conftest import services
from tests.clinic.sync_records import (
    DEVICE_TIME,
    PUSH,
    check_in_payload,
    record,
    safety_flag,
)


@pytest.fixture
def token(records: Records, enrol: Callable[..., str]) -> str:
    return enrol(records.code(records.participant(records.clinic(), "Sam")))


def _push(client: TestClient, token: str, *pushed: dict[str, Any]) -> PushResponse:
    response = client.post(PUSH, json={"records": list(pushed)}, headers=bearer(token))
    assert response.status_code == 200, response.text
    return PushResponse.model_validate(response.json())


def _rows(sessions: sessionmaker[Session]) -> list[ParticipantRecord]:
    with sessions() as session:
        return list(session.scalars(sa.select(ParticipantRecord).order_by("server_seq")))


def test_a_new_record_is_stored_with_a_server_sequence_number(
    client: TestClient, token: str, sessions: sessionmaker[Session], clock: FakeClock
) -> None:
    pushed = record()
    reply = _push(client, token, pushed)
    [result] = reply.results
    assert result.outcome is PushOutcome.STORED
    assert result.server_seq is not None and result.server_seq >= 1
    assert str(result.id) == pushed["id"] and result.version == 1
    [row] = _rows(sessions)
    assert row.payload == pushed["payload"]
    assert row.server_seq == result.server_seq
    assert row.received_at == clock.now  # the server's clock, next to the device's
    assert row.device_created_at.isoformat() == pushed["created_at"]
    assert len(row.content_sha256) == 64
    with sessions() as session:
        audit = session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == "participant.record.push")
        ).all()
    assert [(a.outcome, a.record_id) for a in audit] == [("success", pushed["id"])]
    assert all("Walked" not in (a.reason or "") for a in audit)


def test_an_identical_replay_is_a_duplicate_with_the_original_sequence_number(
    client: TestClient, token: str, sessions: sessionmaker[Session]
) -> None:
    pushed = record()
    first = _push(client, token, pushed).results[0]
    _push(client, token, record())  # something else in between
    for _ in range(3):
        again = _push(client, token, pushed).results[0]
        assert again.outcome is PushOutcome.DUPLICATE
        assert again.server_seq == first.server_seq
    assert len(_rows(sessions)) == 2


def test_the_same_version_with_different_content_is_a_conflict_never_an_overwrite(
    client: TestClient, token: str, sessions: sessionmaker[Session]
) -> None:
    pushed = record()
    _push(client, token, pushed)
    changed = {**pushed, "payload": {**pushed["payload"], "mood": 2}}
    result = _push(client, token, changed).results[0]
    assert result.outcome is PushOutcome.CONFLICT
    assert result.server_seq is None
    assert result.reason and "2" not in result.reason
    [row] = _rows(sessions)
    assert row.payload["mood"] == 6


def test_an_edit_must_replace_the_latest_stored_version(
    client: TestClient, token: str, sessions: sessionmaker[Session]
) -> None:
    record_id = uuid.uuid4()
    v1 = record(record_id=record_id)
    v2 = record(
        record_id=record_id, version=2, replaces_version=1, payload=check_in_payload(mood=7)
    )
    v2_from_another_phone = record(
        record_id=record_id, version=3, replaces_version=1, payload=check_in_payload(mood=1)
    )
    v3 = record(
        record_id=record_id, version=3, replaces_version=2, payload=check_in_payload(mood=8)
    )
    reply = _push(client, token, v1, v2, v2_from_another_phone, v3)
    outcomes = [r.outcome for r in reply.results]
    assert outcomes == [
        PushOutcome.STORED,
        PushOutcome.STORED,
        PushOutcome.CONFLICT,
        PushOutcome.STORED,
    ]
    assert "stale base version" in (reply.results[2].reason or "")
    seqs = [r.server_seq for r in reply.results if r.server_seq is not None]
    assert seqs == sorted(seqs) and len(set(seqs)) == 3
    assert [row.payload["mood"] for row in _rows(sessions)] == [6, 7, 8]


def test_an_edit_of_a_record_the_server_never_got_is_a_conflict(
    client: TestClient, token: str, sessions: sessionmaker[Session]
) -> None:
    orphan = record(version=2, replaces_version=1)
    assert _push(client, token, orphan).results[0].outcome is PushOutcome.CONFLICT
    assert _rows(sessions) == []


def test_one_bad_record_is_rejected_and_the_rest_of_the_batch_is_stored(
    client: TestClient, token: str, sessions: sessionmaker[Session]
) -> None:
    bad = record(payload=check_in_payload(mood=42, note="private words", extra_field=1))
    reply = _push(client, token, record(), bad, safety_flag(trigger="made_up"), record())
    assert [r.outcome for r in reply.results] == [
        PushOutcome.STORED,
        PushOutcome.REJECTED,
        PushOutcome.REJECTED,
        PushOutcome.STORED,
    ]
    reason = reply.results[1].reason or ""
    assert "mood" in reason and "42" not in reason and "private" not in reason
    assert "trigger" in (reply.results[2].reason or "")
    assert len(_rows(sessions)) == 2
    with sessions() as session:
        failures = session.scalars(
            sa.select(AuditEntry.reason).where(
                AuditEntry.action == "participant.record.push", AuditEntry.outcome == "failure"
            )
        ).all()
    assert failures == ["rejected", "rejected"]


def test_a_safety_flag_raises_exactly_one_alert_however_often_it_is_sent(
    client: TestClient, token: str, sessions: sessionmaker[Session], clock: FakeClock
) -> None:
    flag = safety_flag(trigger="check_in_self_harm")
    for _ in range(4):  # the first push and 3 replays
        _push(client, token, flag)
        clock.advance(timedelta(minutes=1))
    with sessions() as session:
        alerts = session.scalars(sa.select(Alert)).all()
    [alert] = alerts
    assert str(alert.record_id) == flag["id"]
    assert alert.trigger == "check_in_self_harm" and alert.priority == 90
    assert alert.flag_count == 1
    assert alert.acknowledged_at is None
    assert alert.raised_at.isoformat() == flag["created_at"]  # the device's time, kept
    assert len(_rows(sessions)) == 1


def test_a_phone_clock_a_year_off_does_not_change_the_order(client: TestClient, token: str) -> None:
    early = record(created_at=DEVICE_TIME + timedelta(days=365))
    late = record(created_at=DEVICE_TIME - timedelta(days=365))
    first, second = _push(client, token, early, late).results
    assert first.server_seq is not None and second.server_seq is not None
    assert first.server_seq < second.server_seq


def test_records_are_kept_per_participant(
    client: TestClient,
    records: Records,
    enrol: Callable[..., str],
    sessions: sessionmaker[Session],
) -> None:
    clinic = records.clinic()
    sam = enrol(records.code(records.participant(clinic, "Sam")))
    riley = enrol(records.code(records.participant(clinic, "Riley")))
    same_id = record()
    assert _push(client, sam, same_id).results[0].outcome is PushOutcome.STORED
    other = {**same_id, "payload": check_in_payload(mood=1)}
    assert _push(client, riley, other).results[0].outcome is PushOutcome.STORED
    assert len(_rows(sessions)) == 2


def test_the_server_epoch_is_random_stored_and_stable(
    client: TestClient, token: str, sessions: sessionmaker[Session]
) -> None:
    epochs = {_push(client, token, record()).server_epoch for _ in range(2)}
    with sessions() as session:
        stored = session.scalar(sa.select(ServerState.epoch))
    assert epochs == {stored}
    assert stored is not None and len(stored) == 32


def test_concurrent_identical_pushes_store_one_row(
    app: FastAPI, client: TestClient, token: str, sessions: sessionmaker[Session]
) -> None:
    """Several workers at once (own sessions, own connections): one row, one alert."""
    flag = PushRecord.model_validate(safety_flag())
    with sessions() as session:
        device_id, participant_id = session.execute(
            sa.select(Device.id, Device.participant_id)
        ).one()
    threads = 6
    barrier = threading.Barrier(threads)
    outcomes: list[tuple[PushOutcome, int | None]] = []
    errors: list[BaseException] = []
    now = services(app).clock()

    def push_once() -> None:
        try:
            with services(app).sessions() as session:
                barrier.wait()
                [result] = push_records(
                    session,
                    participant_id=participant_id,
                    device_id=device_id,
                    records=[flag],
                    now=now,
                )
                outcomes.append((result.outcome, result.server_seq))
        except Exception as error:  # noqa: BLE001 - checked on the test thread
            errors.append(error)

    workers = [threading.Thread(target=push_once) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert errors == []
    assert sorted(o for o, _ in outcomes) == sorted(
        [PushOutcome.STORED] + [PushOutcome.DUPLICATE] * (threads - 1)
    )
    assert len({seq for _, seq in outcomes}) == 1
    assert len(_rows(sessions)) == 1
    with sessions() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Alert)) == 1


def test_a_lost_insert_race_is_answered_as_a_duplicate(
    app: FastAPI,
    client: TestClient,
    token: str,
    sessions: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The IntegrityError path: the row appears between the check and the insert."""
    import iop_companion.clinic.records as records_module

    pushed = record()
    original = _push(client, token, pushed).results[0]
    real_stored = records_module._stored
    calls = {"n": 0}

    def stored_but_missed_once(*args: Any) -> Any:
        calls["n"] += 1
        return None if calls["n"] == 1 else real_stored(*args)

    monkeypatch.setattr(records_module, "_stored", stored_but_missed_once)
    again = _push(client, token, pushed).results[0]
    assert again.outcome is PushOutcome.DUPLICATE
    assert again.server_seq == original.server_seq
    changed = {**pushed, "payload": check_in_payload(mood=0)}
    calls["n"] = 0
    assert _push(client, token, changed).results[0].outcome is PushOutcome.CONFLICT
    assert len(_rows(sessions)) == 1


def test_pushing_needs_a_device_token(client: TestClient, token: str) -> None:
    assert client.post(PUSH, json={"records": [record()]}).status_code == 401
    response = client.post(PUSH, json={"records": [record()]}, headers=bearer("x" * 43))
    assert response.status_code == 401


# ----------------------------------------------------------------------------- bad input


def _detail(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    detail: str = response.json()["detail"]
    assert detail
    return detail


@pytest.mark.parametrize(
    ("change", "word"),
    [
        ({"kind": "dream_journal"}, "kind"),  # not a kind (diary_card is one now)
        ({"created_at": "2026-03-04T14:55:00"}, "created_at"),
        ({"version": 0}, "version"),
        ({"version": 10_001}, "version"),
        ({"version": 1, "replaces_version": 1}, "Version 1"),
        ({"version": 3, "replaces_version": None}, "earlier version"),
        ({"priority": 101}, "priority"),
        ({"payload": [1, 2]}, "payload"),
        ({"secret": "x"}, "secret"),
        ({"id": "not-a-uuid"}, "id"),
    ],
)
def test_a_malformed_envelope_refuses_the_batch_with_a_readable_422(
    client: TestClient,
    token: str,
    sessions: sessionmaker[Session],
    change: dict[str, Any],
    word: str,
) -> None:
    response = client.post(
        PUSH, json={"records": [record(), {**record(), **change}]}, headers=bearer(token)
    )
    assert word in _detail(response, 422)
    assert _rows(sessions) == []


def test_more_than_100_records_or_none_is_a_422(client: TestClient, token: str) -> None:
    too_many = [record() for _ in range(101)]
    response = client.post(PUSH, json={"records": too_many}, headers=bearer(token))
    assert "100" in _detail(response, 422)
    _detail(client.post(PUSH, json={"records": []}, headers=bearer(token)), 422)
    assert _push(client, token, *[record() for _ in range(100)]).results[99].outcome == "stored"


def test_nan_and_infinity_in_a_payload_are_rejected_not_stored(
    client: TestClient, token: str, sessions: sessionmaker[Session]
) -> None:
    good = json.dumps(record())
    body = (
        '{"records": ['
        + good
        + ", "
        + json.dumps(record()).replace('"sleep_hours": 7.5', '"sleep_hours": NaN')
        + ", "
        + json.dumps(record()).replace('"mood": 6', '"mood": Infinity')
        + "]}"
    )
    assert "NaN" in body and "Infinity" in body
    response = client.post(
        PUSH, content=body, headers={**bearer(token), "content-type": "application/json"}
    )
    assert response.status_code == 200, response.text
    outcomes = [r["outcome"] for r in response.json()["results"]]
    assert outcomes == ["stored", "rejected", "rejected"]
    assert "finite" in response.json()["results"][1]["reason"]
    assert len(_rows(sessions)) == 1


def test_a_huge_payload_is_rejected_and_a_huge_body_refused(
    client: TestClient, token: str, sessions: sessionmaker[Session]
) -> None:
    huge = record(payload=check_in_payload(note="x" * 17_000))
    reply = _push(client, token, huge, record())
    assert [r.outcome for r in reply.results] == [PushOutcome.REJECTED, PushOutcome.STORED]
    assert "KiB" in (reply.results[0].reason or "")
    long_note = record(payload=check_in_payload(note="x" * 2001))
    assert _push(client, token, long_note).results[0].outcome is PushOutcome.REJECTED
    body = b'{"records": [' + b" " * MAX_PUSH_REQUEST_BYTES + b"]}"
    response = client.post(
        PUSH, content=body, headers={**bearer(token), "content-type": "application/json"}
    )
    _detail(response, 413)
    assert len(_rows(sessions)) == 1


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"trigger": "phq9_item9", "extra": True},
        {"trigger": None},
        {"trigger": ["phq9_item9"]},
        {"trigger": {"a": 1}},
        {"nested": [[[[[[[[[[]]]]]]]]]]},
    ],
)
def test_bad_safety_flags_are_rejected_with_a_reason(
    client: TestClient, token: str, payload: dict[str, Any]
) -> None:
    result = _push(client, token, record("safety_flag", payload=payload)).results[0]
    assert result.outcome is PushOutcome.REJECTED and result.reason


@pytest.mark.parametrize(
    "change",
    [
        {"mood": True},
        {"mood": 5.5},
        {"sleep_hours": 25},
        {"sleep_hours": "7"},
        {"sleep_quality": "great"},
        {"medications": "maybe"},
        {"used_since_last": "no"},
        {"substance": "y" * 121},
        {"thoughts_of_self_harm": 1},
        {"created_at": "2026-03-04T14:55:00"},
        {"id": "nope"},
        {"schema_version": "1"},
    ],
)
def test_bad_check_ins_are_rejected(client: TestClient, token: str, change: dict[str, Any]) -> None:
    result = _push(client, token, record(payload=check_in_payload(**change))).results[0]
    assert result.outcome is PushOutcome.REJECTED and result.reason


def test_a_check_in_with_unanswered_scales_is_stored_with_nulls(
    client: TestClient, token: str, sessions: sessionmaker[Session]
) -> None:
    # The app never pre-chooses mood or craving: unanswered arrives as null, kept as null.
    pushed = record(payload=check_in_payload(mood=None, craving=None))
    result = _push(client, token, pushed).results[0]
    assert result.outcome is PushOutcome.STORED
    [row] = _rows(sessions)
    assert row.payload["mood"] is None and row.payload["craving"] is None


def test_a_check_in_without_the_mood_field_is_still_rejected(
    client: TestClient, token: str
) -> None:
    payload = check_in_payload()
    del payload["mood"]
    result = _push(client, token, record(payload=payload)).results[0]
    assert result.outcome is PushOutcome.REJECTED and "mood" in (result.reason or "")
