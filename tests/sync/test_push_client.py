"""ClinicClient.push and the clinician calls, against the real server (in-process and
over a real socket) and against canned failures."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from iop_companion.clinic.demo import DemoCredentials
from iop_companion.clinic.embedded import EmbeddedClinic, start_embedded_clinic
from iop_companion.clinic.models import Alert, ParticipantRecord
from iop_companion.sync.clinic_client import (
    ClinicClient,
    ClinicError,
    ClinicUnreachable,
    NotAuthorised,
)
from iop_companion.sync.protocol import PushOutcome, PushRecord, RecordKind


def _check_in(**changes: Any) -> PushRecord:
    payload = {
        "mood": 6,
        "craving": 2,
        "sleep_hours": 7.0,
        "sleep_quality": "good",
        "medications": "yes",
        "used_since_last": False,
        "note": "",
    }
    return PushRecord(
        id=uuid.uuid4(),
        kind=RecordKind.CHECK_IN,
        version=1,
        replaces_version=None,
        created_at=datetime(2026, 3, 4, 14, 0, tzinfo=UTC),
        payload={**payload, **changes},
    )


def _flag() -> PushRecord:
    return PushRecord(
        id=uuid.uuid4(),
        kind=RecordKind.SAFETY_FLAG,
        version=1,
        replaces_version=None,
        created_at=datetime(2026, 3, 4, 14, 0, tzinfo=UTC),
        priority=100,
        payload={"trigger": "phq9_item9"},
    )


def test_push_replay_and_the_clinicians_alert_in_process(
    clinic_client: ClinicClient, demo: DemoCredentials
) -> None:
    token = clinic_client.enrol(demo.enrolment_code, "Alex's phone").access_token
    flag, check_in = _flag(), _check_in()
    first = clinic_client.push(token, [check_in, flag])
    assert [r.outcome for r in first.results] == [PushOutcome.STORED, PushOutcome.STORED]
    again = clinic_client.push(token, [check_in, flag])
    assert [r.outcome for r in again.results] == [PushOutcome.DUPLICATE] * 2
    assert [r.server_seq for r in again.results] == [r.server_seq for r in first.results]
    assert again.server_epoch == first.server_epoch

    session = clinic_client.clinician_sign_in(demo.clinician_email, demo.clinician_password)
    [alert] = clinic_client.clinician_alerts(session.access_token).alerts
    assert alert.trigger == "phq9_item9" and alert.acknowledged_at is None
    acked = clinic_client.clinician_acknowledge(session.access_token, alert.id,
                                                "Called Alex back; safe tonight.")
    assert acked.acknowledged_at is not None
    assert acked.acknowledgement_note == "Called Alex back; safe tonight."

    with pytest.raises(NotAuthorised) as wrong:
        clinic_client.clinician_sign_in(demo.clinician_email, "not the password")
    assert "email and password" in wrong.value.message
    with pytest.raises(NotAuthorised):
        clinic_client.push(session.access_token, [_check_in()])
    with pytest.raises(NotAuthorised):
        clinic_client.clinician_alerts(token)


def test_push_refuses_an_empty_or_oversized_batch_before_sending(
    clinic_client: ClinicClient,
) -> None:
    for batch in ([], [_check_in() for _ in range(101)]):
        with pytest.raises(ClinicError) as refused:
            clinic_client.push("token", batch)
        assert not refused.value.retryable


@pytest.fixture
def embedded(tmp_path: Path) -> Iterator[EmbeddedClinic]:
    clinic = start_embedded_clinic(tmp_path / "demo.sqlite3")
    yield clinic
    clinic.stop()


def test_concurrent_identical_pushes_over_a_real_socket_store_one_row(
    embedded: EmbeddedClinic, tmp_path: Path
) -> None:
    with ClinicClient(embedded.url) as client:
        token = client.enrol(embedded.credentials.enrolment_code, "Alex's phone").access_token
    batch = [_flag(), _check_in(), _check_in(mood=1)]
    results: list[list[tuple[PushOutcome, int | None]]] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(5)

    def push_once() -> None:
        try:
            with ClinicClient(embedded.url) as client:
                barrier.wait()
                reply = client.push(token, batch)
            results.append([(r.outcome, r.server_seq) for r in reply.results])
        except Exception as error:  # noqa: BLE001 - checked on the test thread
            errors.append(error)

    threads = [threading.Thread(target=push_once) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert len(results) == 5
    for index in range(3):
        outcomes = sorted(result[index][0] for result in results)
        assert outcomes == [PushOutcome.DUPLICATE] * 4 + [PushOutcome.STORED]
        assert len({result[index][1] for result in results}) == 1
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'demo.sqlite3'}")
    try:
        with engine.connect() as connection:
            assert connection.scalar(sa.select(sa.func.count()).select_from(ParticipantRecord)) == 3
            assert connection.scalar(sa.select(sa.func.count()).select_from(Alert)) == 1
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("status", "error_type", "retryable"),
    [
        (401, NotAuthorised, False),
        (403, NotAuthorised, False),
        (422, ClinicError, False),
        (429, ClinicError, True),
        (500, ClinicError, True),
        (503, ClinicError, True),
    ],
)
def test_push_failures_say_whether_to_retry(
    status: int, error_type: type[ClinicError], retryable: bool
) -> None:
    def handler(_request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json={"detail": "The request was not valid."})

    client = ClinicClient(
        "https://clinic.example", http=httpx.Client(transport=httpx.MockTransport(handler))
    )
    with pytest.raises(error_type) as failure:
        client.push("token", [_check_in()])
    assert failure.value.retryable is retryable
    assert failure.value.status_code == status


def test_push_over_a_dead_network_is_unreachable_and_retryable() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    client = ClinicClient(
        "https://clinic.example", http=httpx.Client(transport=httpx.MockTransport(handler))
    )
    with pytest.raises(ClinicUnreachable) as failure:
        client.push("token", [_check_in()])
    assert failure.value.retryable
