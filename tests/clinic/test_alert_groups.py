"""Alerts no phone can bury (issue 10): the clinic sets each alert's priority from its
trigger, folds a participant's flags into one open alert per trigger, and lists alerts
most urgent first, a page at a time."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from iop_companion.clinic.alerts import ALERT_PRIORITY
from iop_companion.clinic.models import Alert, AuditEntry, Device, ParticipantRecord
from iop_companion.clinic.paging import encode_cursor
from iop_companion.clinic.records import push_records
from iop_companion.sync.protocol import (
    MAX_ALERTS_PAGE,
    MAX_PUSH_RECORDS,
    ClinicianAlert,
    ClinicianAlertsResponse,
    PushOutcome,
    PushRecord,
    SafetyTrigger,
)
from tests.clinic.clinic_testing import FakeClock, Records, bearer, clinician_headers
from tests.clinic.conftest import services
from tests.clinic.sync_records import PUSH, safety_flag

ALERTS = "/api/v1/clinician/alerts"
TRIGGERS = [trigger.value for trigger in SafetyTrigger]


class _Clinic:
    def __init__(self, client: TestClient, records: Records, enrol: Callable[..., str]) -> None:
        clinic = records.clinic()
        records.clinician(clinic)
        self.client = client
        self.sam = enrol(records.code(records.participant(clinic, "Sam")))
        self.riley = enrol(records.code(records.participant(clinic, "Riley")))
        self._staff: dict[str, str] | None = None

    def push(self, device: str, *pushed: dict[str, Any]) -> list[str]:
        response = self.client.post(PUSH, json={"records": list(pushed)}, headers=bearer(device))
        assert response.status_code == 200, response.text
        return [result["outcome"] for result in response.json()["results"]]

    @property
    def staff(self) -> dict[str, str]:
        if self._staff is None:
            self._staff = clinician_headers(self.client, "morgan@northside.example")
        return self._staff

    def page(self, **params: Any) -> ClinicianAlertsResponse:
        response = self.client.get(ALERTS, params=params, headers=self.staff)
        assert response.status_code == 200, response.text
        return ClinicianAlertsResponse.model_validate(response.json())

    def every_alert(self, limit: int) -> list[ClinicianAlert]:
        listed: list[ClinicianAlert] = []
        page = self.page(limit=limit)
        listed += page.alerts
        while page.next is not None:
            page = self.page(limit=limit, cursor=page.next)
            listed += page.alerts
        return listed


@pytest.fixture
def clinic(client: TestClient, records: Records, enrol: Callable[..., str]) -> _Clinic:
    return _Clinic(client, records, enrol)


def test_the_clinic_sets_the_priority_from_the_trigger_whatever_the_phone_sent(
    clinic: _Clinic, sessions: sessionmaker[Session]
) -> None:
    for phone_priority in (0, 100):
        flags = [safety_flag(trigger) for trigger in TRIGGERS]
        for flag in flags:
            flag["priority"] = phone_priority
        assert clinic.push(clinic.sam if phone_priority else clinic.riley, *flags) == [
            "stored"] * len(TRIGGERS)
    listed = clinic.page().alerts
    assert {(a.participant_name, a.trigger, a.priority) for a in listed} == {
        (name, trigger.value, ALERT_PRIORITY[trigger])
        for name in ("Sam", "Riley") for trigger in SafetyTrigger}
    # The order is fixed: a person's own request, then self-harm answers, then item 9.
    assert [a.trigger for a in listed[::2]] == [
        "participant_request", "check_in_self_harm", "diary_card_self_harm", "phq9_item9"]
    # The record keeps what the phone sent (its outbox order), the alert does not use it.
    with sessions() as session:
        assert set(session.scalars(sa.select(ParticipantRecord.priority))) == {0, 100}


def test_600_flags_from_one_phone_do_not_hide_another_participants_alert(
    clinic: _Clinic, sessions: sessionmaker[Session], clock: FakeClock
) -> None:
    # Riley's one flag, at the lowest priority, arrives first; then Sam's phone sends 600
    # flags of every trigger at priority 100, in batches of 100 as the protocol allows.
    assert clinic.push(clinic.riley, safety_flag("phq9_item9")) == ["stored"]
    for batch in range(6):
        clock.advance(timedelta(seconds=1))
        flags = [safety_flag(TRIGGERS[(batch * MAX_PUSH_RECORDS + n) % len(TRIGGERS)])
                 for n in range(MAX_PUSH_RECORDS)]
        assert clinic.push(clinic.sam, *flags) == ["stored"] * MAX_PUSH_RECORDS

    first = clinic.page()
    assert "Riley" in [a.participant_name for a in first.alerts]
    assert first.next is None and len(first.alerts) == len(TRIGGERS) + 1
    sams = {a.trigger: a for a in first.alerts if a.participant_name == "Sam"}
    assert sorted(sams) == sorted(TRIGGERS)  # one open alert per trigger
    assert {a.count for a in sams.values()} == {150}  # 600 flags folded in
    assert all(a.acknowledged_at is None for a in sams.values())
    assert {a.latest_at for a in sams.values()} == {clock.now}
    assert all(a.latest_at > a.received_at for a in sams.values())
    # Even a one-row page reaches Riley, and every alert is on exactly one page.
    walked = clinic.every_alert(limit=1)
    assert sorted(a.id for a in walked) == sorted(a.id for a in first.alerts)
    with sessions() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(ParticipantRecord)) == 601
        assert session.scalar(sa.select(sa.func.count()).select_from(Alert)) == 5
        folded = session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "alert.repeat"))
    assert folded == 600 - len(TRIGGERS)


def test_acknowledging_closes_an_alert_and_the_next_flag_opens_a_new_one(
    clinic: _Clinic, clock: FakeClock
) -> None:
    first, second = safety_flag("check_in_self_harm"), safety_flag("check_in_self_harm")
    assert clinic.push(clinic.sam, first, second) == ["stored", "stored"]
    # A replay, and a later version of a flag already counted, count nothing.
    later = safety_flag("check_in_self_harm", record_id=uuid.UUID(first["id"]), version=2,
                        replaces_version=1)
    assert clinic.push(clinic.sam, first, later) == ["duplicate", "stored"]
    [alert] = clinic.page().alerts
    assert alert.count == 2 and str(alert.id) != first["id"]

    clock.advance(timedelta(minutes=5))
    acknowledged = clinic.client.post(f"{ALERTS}/{alert.id}/acknowledge", headers=clinic.staff)
    assert acknowledged.status_code == 200, acknowledged.text
    assert acknowledged.json()["count"] == 2
    clock.advance(timedelta(minutes=5))
    assert clinic.push(clinic.sam, safety_flag("check_in_self_harm")) == ["stored"]

    reopened, closed = clinic.page().alerts
    assert closed.id == alert.id and closed.acknowledged_at is not None and closed.count == 2
    assert reopened.id != alert.id and reopened.acknowledged_at is None
    assert (reopened.count, reopened.latest_at) == (1, clock.now)


def test_flags_pushed_at_once_by_several_workers_fold_into_one_alert(
    app: FastAPI, clinic: _Clinic, sessions: sessionmaker[Session]
) -> None:
    with sessions() as session:
        device_id, participant_id = session.execute(
            sa.select(Device.id, Device.participant_id).order_by(Device.created_at).limit(1)
        ).one()
    threads = 6
    barrier = threading.Barrier(threads)
    outcomes: list[PushOutcome] = []
    errors: list[BaseException] = []
    now = services(app).clock()

    def push_once() -> None:
        flag = PushRecord.model_validate(safety_flag("participant_request"))
        try:
            with services(app).sessions() as session:
                barrier.wait()
                [result] = push_records(session, participant_id=participant_id,
                                        device_id=device_id, records=[flag], now=now)
                outcomes.append(result.outcome)
        except Exception as error:  # noqa: BLE001 - checked on the test thread
            errors.append(error)

    workers = [threading.Thread(target=push_once) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert errors == [] and outcomes == [PushOutcome.STORED] * threads
    with sessions() as session:
        [alert] = session.scalars(sa.select(Alert)).all()
    assert alert.flag_count == threads


@pytest.mark.parametrize(("query", "detail"), [
    ("limit=0", "'limit'"),
    (f"limit={MAX_ALERTS_PAGE + 1}", "'limit'"),
    ("limit=many", "'limit'"),
    ("cursor=not-a-cursor", "'cursor' is not a cursor this server gave for this list"),
    ("cursor=eyJ4IjoxfQ", "'cursor' is not a cursor"),  # {"x":1}
    ("cursor=" + encode_cursor("measure-results", 1), "'cursor' is not a cursor"),
    # A time of the right shape that no alert can have (it has no UTC equivalent).
    ("cursor=" + encode_cursor("alerts", 0, 100, "0001-01-01T00:00:00+05:00",
                               str(uuid.UUID(int=0))), "'cursor' is not a cursor"),
    ("cursor=" + encode_cursor("alerts", 0, 101, "2026-03-04T15:00:00+00:00",
                               str(uuid.UUID(int=0))), "'cursor' is not a cursor"),
    ("cursor=" + "A" * 201, "'cursor' can be at most 200 characters"),
    ("page=2", "'page' is not a parameter this server accepts"),
])
def test_bad_paging_gets_a_clear_422(clinic: _Clinic, query: str, detail: str) -> None:
    response = clinic.client.get(f"{ALERTS}?{query}", headers=clinic.staff)
    assert response.status_code == 422, response.text
    assert detail in response.json()["detail"]
