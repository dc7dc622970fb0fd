"""Alerts no phone can bury (issue 10): the clinic sets each alert's priority from its
trigger, folds a participant's flags into one open alert per trigger, and lists alerts
most urgent first, a page at a time, or grouped per participant (issue 12). Each is
acknowledged by a named clinician with a note, and stays listed until then."""

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
from iop_companion.domain.alert_rules import SAFETY_FLAG_TRIGGERS, AlertTrigger
from iop_companion.sync.protocol import (
    MAX_ALERTS_PAGE,
    MAX_PUSH_RECORDS,
    ClinicianAlert,
    ClinicianAlertGroupsResponse,
    ClinicianAlertsResponse,
    PushOutcome,
    PushRecord,
    SafetyTrigger,
)
from tests.clinic.clinic_testing import FakeClock, Records, bearer, clinician_headers
from tests.clinic.conftest import services
from tests.clinic.sync_records import PUSH, safety_flag

ALERTS = "/api/v1/clinician/alerts"
GROUPS = "/api/v1/clinician/alerts/by-participant"
NOTE = {"note": "Called Sam. Safe tonight; seeing them first thing tomorrow."}
TRIGGERS = [trigger.value for trigger in SafetyTrigger]


class _Clinic:
    def __init__(self, client: TestClient, records: Records, enrol: Callable[..., str]) -> None:
        clinic = records.clinic()
        self.row = clinic
        self.morgan = records.clinician(clinic)
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
        (name, trigger.value, ALERT_PRIORITY[AlertTrigger(trigger)])
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
    acknowledged = clinic.client.post(f"{ALERTS}/{alert.id}/acknowledge", json=NOTE,
                                      headers=clinic.staff)
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


def test_every_rule_of_the_clinic_ranks_below_every_safety_alert() -> None:
    assert set(ALERT_PRIORITY) == set(AlertTrigger)
    lowest_safety = min(ALERT_PRIORITY[trigger] for trigger in SAFETY_FLAG_TRIGGERS)
    rules = [trigger for trigger in AlertTrigger if trigger not in SAFETY_FLAG_TRIGGERS]
    assert all(ALERT_PRIORITY[rule] < lowest_safety for rule in rules)
    assert len(set(ALERT_PRIORITY.values())) == len(ALERT_PRIORITY)  # a strict order


@pytest.mark.parametrize("body", [
    None,  # no body at all
    {},
    {"note": ""},
    {"note": "   \n  "},  # blank once trimmed
    {"note": "x" * 1001},
    {"note": "Called\x00them"},  # a control character
    {"note": "Called \u202ethem"},  # a bidirectional override
    {"note": 42},
    {"note": "Called them", "by": "someone else"},  # the clinician is the signed-in one
])
def test_acknowledging_needs_a_note_of_1_to_1000_printable_characters(
    clinic: _Clinic, sessions: sessionmaker[Session], body: dict[str, Any] | None
) -> None:
    assert clinic.push(clinic.sam, safety_flag("participant_request")) == ["stored"]
    [alert] = clinic.page().alerts
    response = clinic.client.post(f"{ALERTS}/{alert.id}/acknowledge", json=body,
                                  headers=clinic.staff)
    assert response.status_code == 422, response.text
    assert "Called" not in response.text  # the note is never echoed back
    [still] = clinic.page().alerts
    assert still.acknowledged_at is None and still.acknowledgement_note is None
    with sessions() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "alert.acknowledge")) == 0


def test_an_acknowledgement_keeps_who_when_and_the_note_and_the_first_one_stands(
    clinic: _Clinic, records: Records, sessions: sessionmaker[Session], clock: FakeClock
) -> None:
    morgan = clinic.morgan.id
    other = records.clinician(clinic.row, "alex@northside.example")
    assert clinic.push(clinic.sam, safety_flag("participant_request"),
                       safety_flag("phq9_item9")) == ["stored", "stored"]
    assert clinic.push(clinic.riley, safety_flag("phq9_item9")) == ["stored"]
    request, sams_item9, rileys_item9 = clinic.page().alerts
    longest = "x" * 1000
    several_lines = "Called Sam at 4:10 pm.\nSafe; plan reviewed.\n\tSeeing them tomorrow."

    clock.advance(timedelta(minutes=3))
    acked_at = clock.now
    first = clinic.client.post(f"{ALERTS}/{request.id}/acknowledge",
                               json={"note": f"  {several_lines}  "}, headers=clinic.staff)
    assert first.status_code == 200, first.text
    done = ClinicianAlert.model_validate(first.json())
    assert done.acknowledged_at == acked_at
    assert (done.acknowledged_by, done.acknowledged_by_name) == (morgan, "Morgan Lee")
    assert done.acknowledgement_note == several_lines  # kept as written, trimmed
    longest_ack = clinic.client.post(f"{ALERTS}/{rileys_item9.id}/acknowledge",
                                     json={"note": longest}, headers=clinic.staff)
    assert longest_ack.json()["acknowledgement_note"] == longest

    # Another clinician acknowledging it again changes nothing: the first one stands.
    clock.advance(timedelta(minutes=3))
    again = clinic.client.post(f"{ALERTS}/{request.id}/acknowledge",
                               json={"note": "Me too."},
                               headers=clinician_headers(clinic.client, other.email))
    assert again.status_code == 200
    assert again.json() == first.json()

    # Open first (Sam's item 9 stays at the top until someone acknowledges it), then
    # the acknowledged ones, each with who, when and the note.
    listed = clinic.page().alerts
    assert [a.id for a in listed] == [sams_item9.id, request.id, rileys_item9.id]
    assert listed[1].acknowledgement_note == several_lines
    assert listed[1].acknowledged_by_name == "Morgan Lee"
    with sessions() as session:
        stored = session.get(Alert, request.id)
        assert stored is not None
        assert (stored.acknowledged_by, stored.acknowledged_at,
                stored.acknowledgement_note) == (morgan, acked_at, several_lines)
        entries = session.scalars(sa.select(AuditEntry).where(
            AuditEntry.action == "alert.acknowledge").order_by(AuditEntry.id)).all()
    assert [(e.actor, e.record_id, e.reason) for e in entries] == [
        (f"staff:{morgan}", str(request.id), None),
        (f"staff:{morgan}", str(rileys_item9.id), None),
        (f"staff:{other.id}", str(request.id), "already_acknowledged")]
    assert all("Called" not in f"{e.reason}" for e in entries)  # no note in the log


def test_alerts_grouped_per_participant_most_urgent_first(
    clinic: _Clinic, records: Records, enrol: Callable[..., str], clock: FakeClock,
    sessions: sessionmaker[Session],
) -> None:
    alex = enrol(records.code(records.participant(clinic.row, "Alex")))
    records.clinician(records.clinic("Southside Clinic"), "jo@southside.example")
    assert clinic.push(clinic.sam, safety_flag("phq9_item9")) == ["stored"]
    clock.advance(timedelta(minutes=1))
    assert clinic.push(clinic.riley, safety_flag("check_in_self_harm")) == ["stored"]
    clock.advance(timedelta(minutes=1))
    assert clinic.push(alex, safety_flag("phq9_item9")) == ["stored"]
    clock.advance(timedelta(minutes=1))
    assert clinic.push(clinic.sam, safety_flag("participant_request")) == ["stored"]

    def groups(headers: dict[str, str] | None = None,
               **params: Any) -> ClinicianAlertGroupsResponse:
        response = clinic.client.get(GROUPS, params=params, headers=headers or clinic.staff)
        assert response.status_code == 200, response.text
        return ClinicianAlertGroupsResponse.model_validate(response.json())

    page = groups()
    assert [(g.participant_name, g.priority) for g in page.groups] == [
        ("Sam", 100), ("Riley", 90), ("Alex", 70)]  # Alex's item 9 is newer than Sam's
    assert page.next is None
    sam = page.groups[0]
    assert [a.trigger for a in sam.alerts] == ["participant_request", "phq9_item9"]
    assert sam.latest_at == clock.now
    # One group a page: every participant once, in the same order.
    walked, cursor = [], None
    while True:
        one = groups(limit=1, **({"cursor": cursor} if cursor else {}))
        walked += [g.participant_name for g in one.groups]
        cursor = one.next
        if cursor is None:
            break
    assert walked == ["Sam", "Riley", "Alex"]

    # Acknowledged alerts leave the groups (they stay in the flat list).
    riley = page.groups[1].alerts[0]
    for alert_id in (riley.id, sam.alerts[0].id):
        assert clinic.client.post(f"{ALERTS}/{alert_id}/acknowledge", json=NOTE,
                                  headers=clinic.staff).status_code == 200
    after = groups()
    assert [(g.participant_name, [a.trigger for a in g.alerts]) for g in after.groups] == [
        ("Alex", ["phq9_item9"]), ("Sam", ["phq9_item9"])]  # same priority: newest first
    assert len(clinic.page().alerts) == 4

    # Another clinic's clinician sees no one.
    assert groups(clinician_headers(clinic.client, "jo@southside.example")).groups == []
    with sessions() as session:
        reads = session.scalars(sa.select(AuditEntry.record_type).where(
            AuditEntry.action == "clinician.alerts.read")).all()
    assert "participant" in reads and "clinic" in reads


@pytest.mark.parametrize(("query", "detail"), [
    ("limit=0", "'limit'"),
    ("limit=201", "'limit'"),
    ("cursor=not-a-cursor", "'cursor' is not a cursor"),
    # A cursor of the flat list is not one of the groups'.
    ("cursor=" + encode_cursor("alerts", 0, 100, "2026-03-04T15:00:00+00:00",
                               str(uuid.UUID(int=0))), "'cursor' is not a cursor"),
    ("cursor=" + encode_cursor("alert-groups", 100, "0001-01-01T00:00:00+05:00",
                               str(uuid.UUID(int=0))), "'cursor' is not a cursor"),
    ("cursor=" + encode_cursor("alert-groups", 101, "2026-03-04T15:00:00+00:00",
                               str(uuid.UUID(int=0))), "'cursor' is not a cursor"),
    ("group=participant", "'group' is not a parameter"),
])
def test_bad_paging_of_the_groups_gets_a_clear_422(clinic: _Clinic, query: str,
                                                   detail: str) -> None:
    response = clinic.client.get(f"{GROUPS}?{query}", headers=clinic.staff)
    assert response.status_code == 422, response.text
    assert detail in response.json()["detail"]
