"""The schedule as the clinic runs it: who attends (a participant, a group, the whole
program), local times with a time zone, weekly series and cancelling the rest of one,
and reading the schedule over a span of days; apps keep getting sessions in the same
shape (SQLite and PostgreSQL)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from iop_companion.sync.protocol import (
    ScheduledSession,
    ScheduleListResponse,
    SessionCreatedResponse,
)
from tests.clinic.clinic_testing import FakeClock, Records, bearer
from tests.clinic.program_testing import API, Program, audited

SCHEDULE = f"{API}/schedule"


@pytest.fixture
def program(client: TestClient, records: Records, enrol: Callable[..., str],
            clock: FakeClock) -> Program:
    return Program(client, records, enrol, clock)


def _local(program: Program, starts: str, ends: str, **changes: Any) -> dict[str, Any]:
    return program.session_body(starts_at=starts, ends_at=ends, timezone="America/Chicago",
                                **changes)


def test_local_times_with_a_zone_are_stored_in_utc_and_apps_see_the_same_shape(
        client: TestClient, program: Program) -> None:
    # 8 March 2026: daylight saving starts in Chicago (UTC-6 before, UTC-5 after).
    before = client.post(SCHEDULE, json=_local(program, "2026-03-06T18:00:00",
                                               "2026-03-06T19:30:00"), headers=program.morgan)
    after = client.post(SCHEDULE, json=_local(program, "2026-03-10T18:00:00",
                                              "2026-03-10T19:30:00"), headers=program.morgan)
    assert before.status_code == after.status_code == 201, before.text
    first = SessionCreatedResponse.model_validate(before.json())
    second = SessionCreatedResponse.model_validate(after.json())
    assert first.starts_at.isoformat() == "2026-03-07T00:00:00+00:00"
    assert second.starts_at.isoformat() == "2026-03-10T23:00:00+00:00"
    assert second.starts_at_local.isoformat() == "2026-03-10T18:00:00-05:00"
    assert second.timezone == "America/Chicago" and second.series_id is None
    assert (second.audience.kind, second.audience.name) == ("program", "Whole program")
    assert [o.id for o in second.occurrences] == [second.id]

    # Explicit offsets still work as before; the session's zone is then the clinic's.
    offsets = program.add_session(starts_at="2026-03-11T10:00:00-05:00",
                                  ends_at="2026-03-11T11:00:00-05:00")
    assert offsets["starts_at"] == "2026-03-11T15:00:00Z"
    assert offsets["timezone"] == "America/Chicago"

    # The phone's wire format is exactly ScheduledSession: no new fields reach it.
    [(_, _, data), *_] = program.feed(program.sam_token)
    assert set(data) == set(ScheduledSession.model_fields)
    assert data["starts_at"] == "2026-03-07T00:00:00Z"


@pytest.mark.parametrize(("changes", "message"), [
    ({"starts_at": "2026-03-10T18:00:00", "ends_at": "2026-03-10T19:00:00"},
     "Give each time with its UTC offset"),
    ({"timezone": "Mars/Olympus_Mons"}, "'timezone': must be an IANA time zone name"),
    ({"timezone": "localtime"}, "'timezone': must be an IANA time zone name"),
    ({"timezone": "../../etc/passwd"}, "'timezone': must be an IANA time zone name"),
    ({"timezone": "x" * 65}, "'timezone' can be at most 64 characters."),
    ({"participant_id": str(uuid.uuid4()), "group_id": str(uuid.uuid4())},
     "A session is for one participant, one group, or (with neither) the whole program"),
    ({"repeat_weekly_until": "9999-12-31"}, "'repeat_weekly_until': must be a date"),
    ({"repeat_weekly_until": "next week"}, "'repeat_weekly_until'"),
    ({"starts_at": "9999-12-31T23:00:00", "ends_at": "9999-12-31T23:30:00",
      "timezone": "Pacific/Kiritimati"}, "'starts_at' must be a time between 2000 and 2100."),
    ({"series_id": str(uuid.uuid4())}, "'series_id' is not a field this server accepts."),
])
def test_bad_sessions_get_a_clear_422(client: TestClient, program: Program,
                                      changes: dict[str, Any], message: str) -> None:
    response = client.post(SCHEDULE, json=program.session_body(**changes),
                           headers=program.morgan)
    assert response.status_code == 422, response.text
    assert response.json()["detail"].startswith(message), response.json()["detail"]


def test_a_session_for_a_group_needs_a_group_of_the_clinic_in_use(
        client: TestClient, program: Program) -> None:
    unknown = client.post(SCHEDULE, json=program.session_body(group_id=str(uuid.uuid4())),
                          headers=program.morgan)
    assert unknown.status_code == 404 and unknown.json()["detail"] == "There is no such group."
    theirs = client.post(f"{API}/groups", json={"name": "Southside group"},
                         headers=program.jo).json()
    assert client.post(SCHEDULE, json=program.session_body(group_id=theirs["id"]),
                       headers=program.morgan).status_code == 404
    group = program.group("Tuesday evening group", program.sam)
    client.post(f"{API}/groups/{group['id']}/archive", headers=program.morgan)
    archived = client.post(SCHEDULE, json=program.session_body(group_id=group["id"]),
                           headers=program.morgan)
    assert archived.status_code == 409 and "archived" in archived.json()["detail"]
    outsider = client.post(SCHEDULE, json=program.session_body(
        participant_id=str(program.outsider.id)), headers=program.morgan)
    assert outsider.status_code == 404


def test_a_weekly_repeat_keeps_the_local_time_across_daylight_saving(
        client: TestClient, program: Program, sessions: sessionmaker[Session]) -> None:
    group = program.group("Tuesday evening group", program.sam)
    created = client.post(SCHEDULE, json=_local(
        program, "2026-03-03T18:00:00", "2026-03-03T19:30:00", group_id=group["id"],
        repeat_weekly_until="2026-03-17"), headers=program.morgan)
    assert created.status_code == 201, created.text
    series = SessionCreatedResponse.model_validate(created.json())
    assert [o.starts_at.isoformat() for o in series.occurrences] == [
        "2026-03-04T00:00:00+00:00", "2026-03-10T23:00:00+00:00", "2026-03-17T23:00:00+00:00"]
    assert {o.starts_at_local.strftime("%a %H:%M") for o in series.occurrences} == {
        "Tue 18:00"}
    assert all(o.ends_at - o.starts_at == timedelta(hours=1, minutes=30)
               for o in series.occurrences)
    assert series.series_id is not None
    assert {o.series_id for o in series.occurrences} == {series.series_id}
    assert {o.audience.name for o in series.occurrences} == {"Tuesday evening group"}
    # Each occurrence is published to the group's member, and to nobody else.
    assert [i for i, _, _ in program.feed(program.sam_token)] == [
        str(o.id) for o in series.occurrences]
    assert program.feed(program.riley_token) == []
    assert len(audited(sessions, "schedule.session.create")) == 3


def test_a_repeat_is_bounded(client: TestClient, program: Program) -> None:
    start = "2026-03-10T18:00:00"
    longest = client.post(SCHEDULE, json=_local(program, start, "2026-03-10T19:00:00",
                                                repeat_weekly_until="2026-09-08"),
                          headers=program.morgan)
    assert longest.status_code == 201 and len(longest.json()["occurrences"]) == 27
    too_long = client.post(SCHEDULE, json=_local(program, start, "2026-03-10T19:00:00",
                                                 repeat_weekly_until="2026-09-09"),
                           headers=program.morgan)
    assert too_long.status_code == 422
    assert too_long.json()["detail"] == (
        "A weekly repeat can cover at most 26 weeks after the first session's day.")
    before = client.post(SCHEDULE, json=_local(program, start, "2026-03-10T19:00:00",
                                               repeat_weekly_until="2026-03-09"),
                         headers=program.morgan)
    assert before.status_code == 422
    assert before.json()["detail"] == (
        "'repeat_weekly_until' must be on or after the first session's day (2026-03-10).")
    same_day = client.post(SCHEDULE, json=_local(program, start, "2026-03-10T19:00:00",
                                                 repeat_weekly_until="2026-03-10"),
                           headers=program.morgan)
    assert same_day.status_code == 201 and len(same_day.json()["occurrences"]) == 1
    assert same_day.json()["series_id"] is None


def test_one_occurrence_or_this_and_the_following_can_be_cancelled(
        client: TestClient, program: Program, sessions: sessionmaker[Session]) -> None:
    series = client.post(SCHEDULE, json=_local(
        program, "2026-03-05T10:00:00", "2026-03-05T11:00:00",
        repeat_weekly_until="2026-03-26"), headers=program.morgan).json()
    ids = [o["id"] for o in series["occurrences"]]
    assert len(ids) == 4

    one = client.post(f"{SCHEDULE}/{ids[1]}/cancel", json={"note": "Facilitator ill"},
                      headers=program.morgan)
    assert one.status_code == 200 and one.json()["status"] == "cancelled"
    moved = client.put(f"{SCHEDULE}/{ids[3]}", json=_local(
        program, "2026-03-26T14:00:00", "2026-03-26T15:00:00"), headers=program.morgan)
    assert moved.status_code == 200 and moved.json()["series_id"] == series["series_id"]
    assert moved.json()["starts_at_local"] == "2026-03-26T14:00:00-05:00"

    following = client.post(f"{SCHEDULE}/{ids[1]}/cancel-following",
                            json={"note": "The group ends early."}, headers=program.morgan)
    assert following.status_code == 200, following.text
    # The second was cancelled already: the third and the (moved) fourth are cancelled now.
    assert [s["id"] for s in following.json()["cancelled"]] == ids[2:]
    states = {s["id"]: s["status"] for s in client.get(
        SCHEDULE, params={"from": "2026-03-01", "to": "2026-03-31"},
        headers=program.morgan).json()["sessions"]}
    assert [states[i] for i in ids] == ["scheduled", "cancelled", "cancelled", "cancelled"]
    again = client.post(f"{SCHEDULE}/{ids[1]}/cancel-following", headers=program.morgan)
    assert again.status_code == 200 and again.json()["cancelled"] == []
    assert [e.reason for e in audited(sessions, "schedule.series.cancel")] == [
        None, None, "already_cancelled"]
    # Apps get each cancellation as a change of that session.
    cancelled = [i for i, _, d in program.feed(program.sam_token) if d["status"] == "cancelled"]
    assert sorted(cancelled) == sorted(ids[1:])


def test_the_clinic_reads_its_schedule_over_a_span(
        client: TestClient, program: Program, sessions: sessionmaker[Session]) -> None:
    group = program.group("Tuesday evening group", program.sam)
    late = program.add_session(title="Later", starts_in=timedelta(days=3))
    early = program.add_session(title="Individual", participant_id=str(program.sam.id),
                                starts_in=timedelta(days=1))
    grouped = program.add_session(title="Group", group_id=group["id"],
                                  starts_in=timedelta(days=2))
    program.add_session(title="Far off", starts_in=timedelta(days=60))
    client.post(SCHEDULE, json=program.session_body(), headers=program.jo)  # theirs

    listed = ScheduleListResponse.model_validate(
        client.get(SCHEDULE, headers=program.morgan).json())
    assert (listed.from_day.isoformat(), listed.to_day.isoformat()) == (
        "2026-02-25", "2026-04-01")
    assert [s.title for s in listed.sessions] == ["Individual", "Group", "Later"]
    assert [(s.audience.kind, s.audience.name) for s in listed.sessions] == [
        ("participant", "Sam"), ("group", "Tuesday evening group"), ("program", "Whole program")]
    assert not listed.truncated
    narrow = client.get(SCHEDULE, params={"from": "2026-03-06", "to": "2026-03-06"},
                        headers=program.morgan).json()
    assert [s["id"] for s in narrow["sessions"]] == [grouped["id"]]

    one = client.get(f"{SCHEDULE}/{early['id']}", headers=program.morgan)
    assert one.status_code == 200 and one.json()["audience"]["participant_id"] == str(
        program.sam.id)
    # Another clinic's staff see none of it.
    assert client.get(SCHEDULE, headers=program.jo).json()["sessions"][0]["title"] == (
        "Process group")
    assert len(client.get(SCHEDULE, headers=program.jo).json()["sessions"]) == 1
    for url in (f"{SCHEDULE}/{late['id']}", f"{SCHEDULE}/{late['id']}/attendance"):
        assert client.get(url, headers=program.jo).status_code == 404
    assert client.post(f"{SCHEDULE}/{late['id']}/cancel-following",
                       headers=program.jo).status_code == 404
    assert len(audited(sessions, "clinician.schedule.read")) >= 4


@pytest.mark.parametrize("query", [
    "from=2026-03-10&to=2026-03-01",
    "from=2026-01-01&to=2027-01-02",
    "from=1999-12-31",
    "to=9999-12-31",
    "from=yesterday",
    "form=2026-03-01",
    "from=2026-03-01&limit=5",
])
def test_bad_schedule_queries_get_a_clear_422(client: TestClient, program: Program,
                                              query: str) -> None:
    response = client.get(f"{SCHEDULE}?{query}", headers=program.morgan)
    assert response.status_code == 422, response.text
    assert response.json()["detail"]


def test_participant_family_and_anonymous_callers_cannot_reach_the_schedule(
        client: TestClient, program: Program, records: Records,
        join: Callable[..., str]) -> None:
    session = program.add_session()
    family = join(records.invite(program.sam))
    for headers in ({}, bearer(program.sam_token), bearer(family)):
        for response in (
            client.get(SCHEDULE, headers=headers),
            client.get(f"{SCHEDULE}/{session['id']}", headers=headers),
            client.post(f"{SCHEDULE}/{session['id']}/cancel-following", headers=headers),
            client.post(SCHEDULE, json=program.session_body(), headers=headers),
        ):
            assert response.status_code == 401, response.text
