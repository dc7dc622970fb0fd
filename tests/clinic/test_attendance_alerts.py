"""Attendance at sessions, and the "missed sessions in a row" alert it raises at and
around the clinic's threshold: excused absences neither count nor break a run,
cancelled sessions do not count (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from iop_companion.clinic.models import Participant
from iop_companion.sync.protocol import (
    AttendanceRecordedResponse,
    ClinicianAlert,
    SessionAttendanceResponse,
)
from tests.clinic.clinic_testing import FakeClock, Records, bearer
from tests.clinic.program_testing import API, Program, audited

SCHEDULE = f"{API}/schedule"


@pytest.fixture
def program(client: TestClient, records: Records, enrol: Callable[..., str],
            clock: FakeClock) -> Program:
    return Program(client, records, enrol, clock)


def _past_sessions(program: Program, count: int, **changes: Any) -> list[str]:
    """`count` sessions that took place today, an hour apart, oldest first."""
    return [program.add_session(starts_in=-timedelta(hours=2 * (count - n)),
                                title=f"Session {n + 1}", **changes)["id"]
            for n in range(count)]


def _record(client: TestClient, program: Program, session_id: str, participant: Any,
            status: str) -> AttendanceRecordedResponse:
    response = client.put(f"{SCHEDULE}/{session_id}/attendance/{participant.id}",
                          json={"status": status}, headers=program.morgan)
    assert response.status_code == 200, response.text
    return AttendanceRecordedResponse.model_validate(response.json())


def _missed_alerts(client: TestClient, program: Program) -> list[ClinicianAlert]:
    alerts = client.get(f"{API}/alerts", headers=program.morgan).json()["alerts"]
    return [ClinicianAlert.model_validate(a) for a in alerts
            if a["trigger"] == "missed_sessions"]


def test_who_is_expected_at_each_kind_of_session(
        client: TestClient, program: Program, sessions: sessionmaker[Session]) -> None:
    group = program.group("Tuesday evening group", program.sam, program.riley)
    with sessions.begin() as session:
        session.execute(sa.update(Participant).where(Participant.id == program.alex.id)
                        .values(discharged_on=date(2026, 3, 1)))
    [individual] = _past_sessions(program, 1, participant_id=str(program.riley.id))
    [grouped] = _past_sessions(program, 1, group_id=group["id"])
    [whole] = _past_sessions(program, 1)

    def names(session_id: str) -> list[tuple[str, str | None]]:
        response = client.get(f"{SCHEDULE}/{session_id}/attendance", headers=program.morgan)
        assert response.status_code == 200, response.text
        read = SessionAttendanceResponse.model_validate(response.json())
        assert str(read.session.id) == session_id
        return [(a.display_name, a.status) for a in read.attendees]

    assert names(individual) == [("Riley", None)]
    assert names(grouped) == [("Riley", None), ("Sam", None)]
    assert names(whole) == [("Riley", None), ("Sam", None)]  # Alex was discharged before
    _record(client, program, grouped, program.sam, "attended")
    client.delete(f"{API}/groups/{group['id']}/members/{program.sam.id}", headers=program.morgan)
    # Sam left the group since, but was recorded: still listed, with who recorded it.
    read = client.get(f"{SCHEDULE}/{grouped}/attendance", headers=program.morgan).json()
    assert [(a["display_name"], a["status"], a["recorded_by_name"])
            for a in read["attendees"]] == [("Riley", None, None),
                                            ("Sam", "attended", "Morgan Lee")]
    assert len(audited(sessions, "clinician.attendance.read")) == 4


def test_recording_attendance_and_correcting_it(
        client: TestClient, program: Program, sessions: sessionmaker[Session]) -> None:
    [session_id] = _past_sessions(program, 1)
    first = _record(client, program, session_id, program.sam, "missed")
    assert (first.status, first.display_name, first.recorded_by_name) == (
        "missed", "Sam", "Morgan Lee")
    corrected = _record(client, program, session_id, program.sam, "excused")
    assert corrected.status == "excused" and corrected.alert_id is None
    read = client.get(f"{SCHEDULE}/{session_id}/attendance", headers=program.morgan).json()
    assert {a["display_name"]: a["status"] for a in read["attendees"]} == {
        "Alex": None, "Riley": None, "Sam": "excused"}
    entries = audited(sessions, "attendance.record")
    assert [(e.record_id, e.reason) for e in entries] == [
        (str(program.sam.id), f"session:{session_id}")] * 2


def test_attendance_is_refused_clearly_where_there_is_none_to_record(
        client: TestClient, program: Program) -> None:
    upcoming = program.add_session(starts_in=timedelta(hours=2))["id"]
    [past, cancelled] = _past_sessions(program, 2)
    client.post(f"{SCHEDULE}/{cancelled}/cancel", headers=program.morgan)
    [riley_only] = _past_sessions(program, 1, participant_id=str(program.riley.id))

    def put(session_id: str, participant: Any, body: Any, headers: Any = None) -> Any:
        return client.put(f"{SCHEDULE}/{session_id}/attendance/{participant.id}", json=body,
                          headers=headers or program.morgan)

    for session_id, message in (
        (upcoming, "This session has not started yet: record attendance once it has begun."),
        (cancelled, "This session was cancelled: there is no attendance to record."),
        (riley_only, ("Sam is not expected at this session (it is for someone else, a group "
                      "they are not in, or they were not in the program then).")),
    ):
        response = put(session_id, program.sam, {"status": "missed"})
        assert response.status_code == 409 and response.json()["detail"] == message
    for body in ({}, {"status": "late"}, {"status": "missed", "note": "x"}, {"status": None}):
        response = put(past, program.sam, body)
        assert response.status_code == 422 and response.json()["detail"]
    assert put(past, program.outsider, {"status": "missed"}).status_code == 404
    assert client.put(f"{SCHEDULE}/{past}/attendance/not-a-uuid", json={"status": "missed"},
                      headers=program.morgan).status_code == 422
    # Another clinic's staff: the session is not theirs.
    assert put(past, program.sam, {"status": "missed"}, program.jo).status_code == 404
    assert client.get(f"{SCHEDULE}/{past}/attendance", headers=program.jo).status_code == 404


def test_participant_family_and_anonymous_callers_cannot_touch_attendance(
        client: TestClient, program: Program, records: Records,
        join: Callable[..., str]) -> None:
    [session_id] = _past_sessions(program, 1)
    family = join(records.invite(program.sam))
    for headers in ({}, bearer(program.sam_token), bearer(family)):
        assert client.get(f"{SCHEDULE}/{session_id}/attendance",
                          headers=headers).status_code == 401
        assert client.put(f"{SCHEDULE}/{session_id}/attendance/{program.sam.id}",
                          json={"status": "attended"}, headers=headers).status_code == 401


def test_two_misses_in_a_row_raise_one_alert_and_a_third_adds_nothing(
        client: TestClient, program: Program) -> None:
    sessions = _past_sessions(program, 5)
    assert _record(client, program, sessions[0], program.sam, "attended").alert_id is None
    assert _record(client, program, sessions[1], program.sam, "missed").alert_id is None
    assert _missed_alerts(client, program) == []  # one miss: below the threshold of 2

    raised = _record(client, program, sessions[2], program.sam, "missed")
    assert raised.alert_id is not None
    [alert] = _missed_alerts(client, program)
    assert alert.id == raised.alert_id and alert.participant_name == "Sam"
    assert alert.priority == 30 and alert.count == 1
    assert (alert.detail["missed"], alert.detail["threshold"]) == (2, 2)
    assert str(alert.id) and alert.acknowledged_at is None

    # The same run, a miss longer: nothing new. Recording the same miss again: nothing.
    assert _record(client, program, sessions[3], program.sam, "missed").alert_id is None
    assert _record(client, program, sessions[3], program.sam, "missed").alert_id is None
    [alert] = _missed_alerts(client, program)
    assert alert.count == 1
    # Riley, the other participant, has no alert of their own from Sam's misses.
    assert {a.participant_name for a in _missed_alerts(client, program)} == {"Sam"}


def test_an_attended_session_ends_a_run(client: TestClient, program: Program) -> None:
    sessions = _past_sessions(program, 4)
    _record(client, program, sessions[0], program.sam, "missed")
    _record(client, program, sessions[1], program.sam, "attended")
    assert _record(client, program, sessions[2], program.sam, "missed").alert_id is None
    assert _missed_alerts(client, program) == []
    # Recording an earlier session later does not make the latest ones a run either.
    assert _record(client, program, sessions[3], program.sam, "attended").alert_id is None
    assert _missed_alerts(client, program) == []


def test_excused_absences_neither_count_nor_break_a_run(
        client: TestClient, program: Program) -> None:
    sessions = _past_sessions(program, 4)
    _record(client, program, sessions[0], program.sam, "attended")
    _record(client, program, sessions[1], program.sam, "missed")
    assert _record(client, program, sessions[2], program.sam, "excused").alert_id is None
    assert _missed_alerts(client, program) == []  # excused is not a second miss
    raised = _record(client, program, sessions[3], program.sam, "missed")
    assert raised.alert_id is not None  # missed, excused, missed: two in a row
    [alert] = _missed_alerts(client, program)
    assert alert.detail["missed"] == 2


def test_cancelled_sessions_do_not_count(client: TestClient, program: Program) -> None:
    sessions = _past_sessions(program, 3)
    _record(client, program, sessions[0], program.sam, "missed")
    _record(client, program, sessions[1], program.sam, "attended")
    # The attended session turns out to have been cancelled: it no longer counts.
    client.post(f"{SCHEDULE}/{sessions[1]}/cancel", headers=program.morgan)
    assert _record(client, program, sessions[2], program.sam, "missed").alert_id is not None


@pytest.mark.parametrize("threshold", [1, 3])
def test_the_clinics_own_threshold_is_used(client: TestClient, program: Program,
                                           threshold: int) -> None:
    changed = client.put(f"{API}/clinic/alert-thresholds",
                         json={"missed_sessions_in_a_row": threshold}, headers=program.morgan)
    assert changed.status_code == 200, changed.text
    sessions = _past_sessions(program, threshold)
    for session_id in sessions[:-1]:
        assert _record(client, program, session_id, program.riley, "missed").alert_id is None
    assert _missed_alerts(client, program) == []
    raised = _record(client, program, sessions[-1], program.riley, "missed")
    assert raised.alert_id is not None
    [alert] = _missed_alerts(client, program)
    assert alert.participant_name == "Riley"
    assert (alert.detail["missed"], alert.detail["threshold"]) == (threshold, threshold)
