"""The clinic raises alerts itself (issue 12): from the data as it arrives, in the push's
transaction, and for silence when the alert list is read; each once, however often the
same data arrives or the list is read (clinic/alert_evaluation.py)."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from iop_companion.clinic.alert_evaluation import RULES_ACTOR, raise_silence_alerts
from iop_companion.clinic.models import Alert, AlertEvent, AuditEntry, Participant
from iop_companion.sync.protocol import ClinicianAlert, ClinicianAlertsResponse
from tests.clinic.clinic_testing import FakeClock, Records, bearer, clinician_headers
from tests.clinic.conftest import services
from tests.clinic.sync_records import PUSH, check_in_payload, record, safety_flag

ALERTS = "/api/v1/clinician/alerts"
THRESHOLDS = "/api/v1/clinician/clinic/alert-thresholds"


def check_in(at: datetime, **answers: Any) -> dict[str, Any]:
    """A check-in the phone made at `at` (UTC), with `answers` changed."""
    stamp = at.isoformat()
    return record(payload=check_in_payload(created_at=stamp, updated_at=stamp, **answers),
                  created_at=at)


def phq9(answers: list[int], at: datetime) -> dict[str, Any]:
    stamp = at.isoformat()
    return record("measure_result", created_at=at, payload={
        "id": str(uuid.uuid4()), "created_at": stamp, "schema_version": 1,
        "measure": "phq9", "answers": answers, "completed_at": stamp})


def days_ago(clock: FakeClock, days: int, hours: int = 0) -> datetime:
    return clock.now - timedelta(days=days, hours=hours)


# Tokens older than this are renewed first (access tokens live 15 minutes, a clinician's
# session ends after 30 idle ones), since these tests move the clock by days.
_RENEW_AFTER = timedelta(minutes=10)


class _Phone:
    """An enrolled device that renews its access token as a phone does."""

    def __init__(self, client: TestClient, clock: FakeClock, code: str) -> None:
        self.client, self.clock = client, clock
        response = client.post("/api/v1/enrolments",
                               json={"code": code, "device_label": "Test phone"})
        assert response.status_code == 201, response.text
        self._take(response.json())

    def _take(self, pair: dict[str, Any]) -> None:
        self.access, self.refresh, self.issued = (pair["access_token"], pair["refresh_token"],
                                                  self.clock.now)

    def headers(self) -> dict[str, str]:
        if self.clock.now - self.issued > _RENEW_AFTER:
            response = self.client.post("/api/v1/device/tokens",
                                        json={"refresh_token": self.refresh})
            assert response.status_code == 200, response.text
            self._take(response.json())
        return bearer(self.access)


class _Clinic:
    def __init__(self, client: TestClient, records: Records,
                 sessions: sessionmaker[Session]) -> None:
        self.row = records.clinic()
        records.clinician(self.row)
        self.sam = records.participant(self.row, "Sam")
        self.client = client
        self.records = records
        self.clock = records.clock
        self.sessions = sessions
        self.device = self.phone(self.sam)
        self._staff: tuple[dict[str, str], datetime] | None = None

    def phone(self, participant: Participant) -> _Phone:
        return _Phone(self.client, self.clock, self.records.code(participant))

    def push(self, *pushed: dict[str, Any], device: _Phone | None = None) -> list[str]:
        response = self.client.post(PUSH, json={"records": list(pushed)},
                                    headers=(device or self.device).headers())
        assert response.status_code == 200, response.text
        return [result["outcome"] for result in response.json()["results"]]

    @property
    def staff(self) -> dict[str, str]:
        if self._staff is None or self.clock.now - self._staff[1] > _RENEW_AFTER:
            self._staff = (clinician_headers(self.client, "morgan@northside.example"),
                           self.clock.now)
        return self._staff[0]

    def alerts(self) -> list[ClinicianAlert]:
        response = self.client.get(ALERTS, headers=self.staff)
        assert response.status_code == 200, response.text
        return ClinicianAlertsResponse.model_validate(response.json()).alerts

    def triggers(self) -> dict[str, ClinicianAlert]:
        listed = self.alerts()
        found = {alert.trigger: alert for alert in listed if alert.acknowledged_at is None}
        assert len(found) == len([a for a in listed if a.acknowledged_at is None])
        return found

    def events(self) -> list[AlertEvent]:
        with self.sessions() as session:
            return list(session.scalars(sa.select(AlertEvent).order_by(AlertEvent.received_at)))

    def acknowledge(self, alert: ClinicianAlert) -> None:
        response = self.client.post(f"{ALERTS}/{alert.id}/acknowledge",
                                    json={"note": "Spoke with them."}, headers=self.staff)
        assert response.status_code == 200, response.text


@pytest.fixture
def clinic(client: TestClient, records: Records, sessions: sessionmaker[Session]) -> _Clinic:
    return _Clinic(client, records, sessions)


# --- PHQ-9 ---------------------------------------------------------------------------------

def test_item_9_alerts_from_the_result_when_no_flag_came_and_a_replay_adds_nothing(
    clinic: _Clinic, clock: FakeClock
) -> None:
    result = phq9([0, 0, 0, 0, 0, 0, 0, 0, 1], clock.now - timedelta(minutes=2))
    assert clinic.push(result) == ["stored"]
    for _ in range(2):
        clock.advance(timedelta(minutes=1))
        assert clinic.push(result) == ["duplicate"]
    [alert] = clinic.alerts()
    assert (alert.trigger, alert.priority, alert.count) == ("phq9_item9", 70, 1)
    assert alert.detail == {"item9": 1}
    [event] = clinic.events()
    assert str(event.record_id) == result["id"]
    assert event.key == f"phq9_item9:{result['id']}"


def test_the_phones_flag_and_the_result_holding_the_answer_are_one_alert(
    clinic: _Clinic, clock: FakeClock
) -> None:
    # The app raises the flag when item 9 is chosen, then saves the result: one answer.
    flag = safety_flag("phq9_item9", created_at=clock.now - timedelta(minutes=10))
    result = phq9([1, 1, 1, 1, 1, 1, 1, 1, 2], clock.now - timedelta(minutes=5))
    assert clinic.push(flag, result) == ["stored", "stored"]
    [alert] = clinic.alerts()
    assert (alert.trigger, alert.count) == ("phq9_item9", 1)
    assert [e.key for e in clinic.events()] == [f"flag:{flag['id']}"]
    # A result a day and a half after a flag is another questionnaire.
    clock.advance(timedelta(hours=36))
    assert clinic.push(phq9([0, 0, 0, 0, 0, 0, 0, 0, 1], clock.now)) == ["stored"]
    [alert] = clinic.alerts()
    assert alert.count == 2


def test_a_severe_phq9_and_a_rise_since_the_last_alert_below_the_safety_alerts(
    clinic: _Clinic, clock: FakeClock
) -> None:
    assert clinic.push(phq9([2, 2, 2, 2, 2, 0, 0, 0, 0], days_ago(clock, 14))) == ["stored"]
    assert clinic.triggers() == {}  # 10: moderate, a first result
    assert clinic.push(phq9([2, 2, 2, 2, 2, 2, 2, 0, 0], days_ago(clock, 7))) == ["stored"]
    assert clinic.triggers() == {}  # 14: up 4, below 5
    severe = phq9([3, 3, 3, 3, 3, 3, 2, 1, 0], clock.now)  # 21, item 9 at 0
    assert clinic.push(severe, safety_flag("participant_request")) == ["stored", "stored"]
    listed = clinic.alerts()
    assert [(a.trigger, a.priority) for a in listed] == [
        ("participant_request", 100), ("phq9_severe", 50), ("phq9_rise", 45)]
    assert listed[1].detail == {"total": 21, "threshold": 20}
    assert listed[2].detail["rise"] == 7 and listed[2].detail["previous_total"] == 14
    rule_events = [e for e in clinic.events() if e.trigger != "participant_request"]
    assert {str(e.record_id) for e in rule_events} == {severe["id"]}


def test_a_late_phq9_is_compared_with_the_one_completed_before_it(
    clinic: _Clinic, clock: FakeClock
) -> None:
    assert clinic.push(phq9([1, 1, 1, 0, 0, 0, 0, 0, 0], days_ago(clock, 14)),
                       phq9([2, 2, 2, 2, 2, 2, 2, 2, 0], days_ago(clock, 1))) == ["stored"] * 2
    [rise] = clinic.alerts()  # 3, then 16
    assert rise.detail["rise"] == 13
    clinic.acknowledge(rise)
    # A result completed a week ago reaches the clinic only now: 10 is up 7 from the 3
    # before it (from the newest, 16, it would be a fall).
    assert clinic.push(phq9([2, 2, 2, 2, 2, 0, 0, 0, 0], days_ago(clock, 7))) == ["stored"]
    late = clinic.triggers()["phq9_rise"]
    assert (late.detail["previous_total"], late.detail["rise"]) == (3, 7)


# --- Check-ins -----------------------------------------------------------------------------

def test_use_after_7_days_without_alerts_once(clinic: _Clinic, clock: FakeClock) -> None:
    assert clinic.push(check_in(days_ago(clock, 8), used_since_last=True,
                                substance="alcohol")) == ["stored"]
    assert clinic.push(check_in(days_ago(clock, 4))) == ["stored"]
    six = check_in(days_ago(clock, 2), used_since_last=True, substance="alcohol")
    assert clinic.push(six) == ["stored"]
    assert clinic.triggers() == {}  # 6 days after the last use
    clock.advance(timedelta(days=6))
    lapse = check_in(clock.now - timedelta(hours=1), used_since_last=True, substance="alcohol")
    assert clinic.push(lapse) == ["stored"]
    assert clinic.push(lapse) == ["duplicate"]
    alert = clinic.triggers()["use_after_abstinence"]
    assert (alert.priority, alert.count) == (60, 1)
    assert alert.detail["days_without"] == 8
    assert str(clinic.events()[-1].record_id) == lapse["id"]


def test_craving_three_days_running_alerts_once_in_whatever_order_the_days_arrive(
    clinic: _Clinic, clock: FakeClock
) -> None:
    first, second, third = (check_in(days_ago(clock, n), craving=9) for n in (2, 1, 0))
    assert clinic.push(first, third) == ["stored", "stored"]
    assert clinic.triggers() == {}  # the middle day is missing
    assert clinic.push(second) == ["stored"]
    alert = clinic.triggers()["craving_run"]
    assert (alert.priority, alert.count) == (40, 1)
    assert alert.detail["days"] == 3
    # A fourth day of the same run is the same happening, not another event.
    clock.advance(timedelta(days=1))
    assert clinic.push(check_in(clock.now, craving=8)) == ["stored"]
    assert clinic.triggers()["craving_run"].count == 1
    assert [e.trigger for e in clinic.events()] == ["craving_run"]


def test_a_self_harm_answer_alerts_from_the_check_in_when_no_flag_came(
    clinic: _Clinic, clock: FakeClock, records: Records
) -> None:
    assert clinic.push(check_in(clock.now, thoughts_of_self_harm=True)) == ["stored"]
    assert clinic.triggers()["check_in_self_harm"].priority == 90
    # With the phone's flag first (raised when "Yes" was chosen), one event.
    riley = clinic.phone(records.participant(clinic.row, "Riley"))
    flag = safety_flag("check_in_self_harm", created_at=clock.now - timedelta(minutes=20))
    answer = check_in(clock.now - timedelta(minutes=1), thoughts_of_self_harm=True)
    assert clinic.push(flag, answer, device=riley) == ["stored", "stored"]
    rileys = [a for a in clinic.alerts() if a.participant_name == "Riley"]
    assert [(a.trigger, a.count) for a in rileys] == [("check_in_self_harm", 1)]


def test_the_clinics_thresholds_decide_what_a_push_raises(
    clinic: _Clinic, clock: FakeClock
) -> None:
    moderate = [2, 2, 2, 2, 2, 2, 2, 2, 0]  # 16
    assert clinic.push(phq9(moderate, days_ago(clock, 2))) == ["stored"]
    assert clinic.triggers() == {}
    changed = clinic.client.put(THRESHOLDS, json={"phq9_total_at_least": 15,
                                                  "craving_days_running": 1},
                                headers=clinic.staff)
    assert changed.status_code == 200, changed.text
    assert clinic.push(phq9(moderate, days_ago(clock, 1)),
                       check_in(clock.now, craving=8)) == ["stored", "stored"]
    found = clinic.triggers()
    assert sorted(found) == ["craving_run", "phq9_severe"]
    assert found["phq9_severe"].detail == {"total": 16, "threshold": 15}


# --- Silence -------------------------------------------------------------------------------

def test_no_check_in_for_3_days_is_raised_once_when_the_list_is_read(
    clinic: _Clinic, clock: FakeClock, records: Records, sessions: sessionmaker[Session]
) -> None:
    records.participant(clinic.row, "Riley")  # never enrolled: not expected to check in
    last = check_in(clock.now)  # Wednesday 4 March, 9:00 in Chicago
    assert clinic.push(last) == ["stored"]
    clock.advance(timedelta(days=3))  # Saturday: Thursday and Friday without
    assert clinic.triggers() == {}
    clock.advance(timedelta(days=1))  # Sunday: Thursday, Friday and Saturday
    for _ in range(3):  # read again and again: one alert, one event
        [alert] = clinic.alerts()
        clock.advance(timedelta(minutes=5))
    assert (alert.trigger, alert.priority, alert.count) == ("no_check_in", 20, 1)
    assert alert.participant_name == "Sam"
    assert alert.detail == {"last_check_in_on": "2026-03-04", "silent_since": "2026-03-05",
                            "days": 3, "threshold": 3}
    # It came due at the start of Sunday in the clinic's time zone (CST, UTC-6).
    assert alert.raised_at == datetime(2026, 3, 8, 6, tzinfo=UTC)
    with sessions() as session:
        stored = session.get(Alert, alert.id)
        assert stored is not None and str(stored.record_id) == last["id"]
        actors = session.scalars(sa.select(AuditEntry.actor).where(
            AuditEntry.action == "alert.create")).all()
    assert actors == [RULES_ACTOR]

    # Acknowledged while the silence goes on: it is not raised again.
    clinic.acknowledge(alert)
    clock.advance(timedelta(days=2))
    assert clinic.triggers() == {}
    # A check-in ends it; a new silence is a new alert.
    assert clinic.push(check_in(clock.now)) == ["stored"]
    clock.advance(timedelta(days=4))
    [new] = clinic.triggers().values()
    assert new.trigger == "no_check_in" and new.id != alert.id
    assert len(clinic.events()) == 2


def test_silence_counts_from_the_day_the_app_joined_and_not_after_the_program(
    clinic: _Clinic, clock: FakeClock, records: Records, sessions: sessionmaker[Session],
) -> None:
    # Sam joined on Wednesday and never checked in; Riley joins on Friday, Alex too but
    # their program ends that Friday.
    clock.advance(timedelta(days=2))
    riley = records.participant(clinic.row, "Riley")
    alex = records.participant(clinic.row, "Alex")
    clinic.phone(riley)
    clinic.phone(alex)
    with sessions.begin() as session:
        session.execute(sa.update(Participant).where(Participant.id == alex.id)
                        .values(program_end=date(2026, 3, 6)))
    clock.advance(timedelta(days=1))  # Saturday: Sam 3 days (Wed, Thu, Fri)
    assert [(a.participant_name, a.detail["days"]) for a in clinic.alerts()] == [("Sam", 3)]
    assert clinic.alerts()[0].detail["last_check_in_on"] is None
    clock.advance(timedelta(days=2))  # Monday: Riley's Fri, Sat, Sun; Alex's program over
    assert sorted(a.participant_name for a in clinic.alerts()) == ["Riley", "Sam"]


def test_reading_the_list_in_several_workers_at_once_files_one_silence(
    app: FastAPI, clinic: _Clinic, clock: FakeClock
) -> None:
    clock.advance(timedelta(days=5))
    threads = 6
    barrier = threading.Barrier(threads)
    errors: list[BaseException] = []
    filed: list[int] = []

    def read_once() -> None:
        try:
            with services(app).sessions() as session:
                barrier.wait()
                filed.append(len(raise_silence_alerts(session, clinic.row.id, clock.now)))
                session.commit()
        except Exception as error:  # noqa: BLE001 - checked on the test thread
            errors.append(error)

    workers = [threading.Thread(target=read_once) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert errors == [] and sorted(filed) == [0] * (threads - 1) + [1]
    [alert] = clinic.alerts()
    assert (alert.trigger, alert.count) == ("no_check_in", 1)


def test_another_clinics_list_raises_nothing_here(
    clinic: _Clinic, clock: FakeClock, records: Records
) -> None:
    records.clinician(records.clinic("Southside Clinic"), "jo@southside.example")
    clock.advance(timedelta(days=5))
    south = clinician_headers(clinic.client, "jo@southside.example")
    assert clinic.client.get(ALERTS, headers=south).json()["alerts"] == []
    assert clinic.events() == []
    assert [a.trigger for a in clinic.alerts()] == ["no_check_in"]
