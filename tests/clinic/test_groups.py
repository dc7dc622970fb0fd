"""A clinic's participant groups: making, renaming, archiving, members; who may touch
them; group sessions following membership onto apps; assignments to a whole group
(SQLite and PostgreSQL)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from iop_companion.clinic.models import Participant, Staff
from iop_companion.sync.protocol import (
    GroupHomeworkResponse,
    GroupModulesResponse,
    GroupsResponse,
    GroupView,
    ModuleAssignmentsResponse,
    assignment_answer_id,
)
from tests.clinic.clinic_testing import FakeClock, Records, bearer
from tests.clinic.program_testing import API, MODULE, Program, audited
from tests.clinic.sync_records import PUSH, record


@pytest.fixture
def program(client: TestClient, records: Records, enrol: Callable[..., str],
            clock: FakeClock) -> Program:
    return Program(client, records, enrol, clock)


def _discharge(sessions: sessionmaker[Session], participant: Participant, on: date) -> None:
    with sessions.begin() as session:
        session.execute(sa.update(Participant).where(Participant.id == participant.id)
                        .values(discharged_on=on))


def test_a_group_is_made_renamed_filled_emptied_and_archived(
        client: TestClient, program: Program, sessions: sessionmaker[Session]) -> None:
    group = program.group("Tuesday evening group", program.sam, program.riley)
    program.group("Thursday morning group")
    url = f"{API}/groups/{group['id']}"

    listed = GroupsResponse.model_validate(
        client.get(f"{API}/groups", headers=program.morgan).json())
    assert [(g.name, g.member_count) for g in listed.groups] == [
        ("Thursday morning group", 0), ("Tuesday evening group", 2)]

    renamed = client.put(url, json={"name": "Tuesday 6 pm group"}, headers=program.morgan)
    assert renamed.status_code == 200, renamed.text
    view = GroupView.model_validate(client.get(url, headers=program.morgan).json())
    assert view.name == "Tuesday 6 pm group"
    assert [m.display_name for m in view.members] == ["Riley", "Sam"]  # by name

    again = client.post(f"{url}/members", json={"participant_id": str(program.sam.id)},
                        headers=program.morgan)
    assert again.status_code == 200 and again.json()["member_count"] == 2  # no double
    removed = client.delete(f"{url}/members/{program.riley.id}", headers=program.morgan)
    assert removed.status_code == 200
    assert [m["display_name"] for m in removed.json()["members"]] == ["Sam"]
    gone = client.delete(f"{url}/members/{program.riley.id}", headers=program.morgan)
    assert gone.status_code == 404 and gone.json()["detail"] == (
        "This participant is not in this group.")

    archived = client.post(f"{url}/archive", headers=program.morgan)
    assert archived.status_code == 200 and archived.json()["archived_at"] is not None
    assert client.post(f"{url}/archive", headers=program.morgan).status_code == 200
    names = [g["name"] for g in client.get(f"{API}/groups", headers=program.morgan)
             .json()["groups"]]
    assert names == ["Thursday morning group"]
    with_archived = client.get(f"{API}/groups", params={"include_archived": "true"},
                               headers=program.morgan).json()["groups"]
    assert [g["name"] for g in with_archived] == ["Thursday morning group",
                                                  "Tuesday 6 pm group"]
    for refused in (client.put(url, json={"name": "New"}, headers=program.morgan),
                    client.post(f"{url}/members", json={"participant_id": str(program.alex.id)},
                                headers=program.morgan)):
        assert refused.status_code == 409
        assert refused.json()["detail"].startswith("This group is archived")

    assert len(audited(sessions, "group.create")) == 2
    # Sam, Riley, Sam again, and the refusal once archived.
    assert [(e.outcome, e.reason) for e in audited(sessions, "group.member.add")] == [
        ("success", f"participant:{program.sam.id}"),
        ("success", f"participant:{program.riley.id}"),
        ("success", "already_member"), ("failure", "group_archived")]
    assert [e.reason for e in audited(sessions, "group.archive")] == [None, "already_archived"]
    assert len(audited(sessions, "group.member.remove")) == 2  # once done, once refused


def test_a_group_name_is_unique_among_the_clinics_groups_in_use(
        client: TestClient, program: Program) -> None:
    first = program.group("Tuesday evening group")
    taken = client.post(f"{API}/groups", json={"name": "tuesday EVENING group"},
                        headers=program.morgan)
    assert taken.status_code == 409
    assert taken.json()["detail"] == (
        "The clinic already has a group called 'tuesday EVENING group'.")
    other = program.group("Thursday group")
    clash = client.put(f"{API}/groups/{other['id']}", json={"name": "Tuesday evening group"},
                       headers=program.morgan)
    assert clash.status_code == 409
    # Another clinic may use the name; an archived group's name may be used again.
    assert client.post(f"{API}/groups", json={"name": "Tuesday evening group"},
                       headers=program.jo).status_code == 201
    client.post(f"{API}/groups/{first['id']}/archive", headers=program.morgan)
    assert client.post(f"{API}/groups", json={"name": "Tuesday evening group"},
                       headers=program.morgan).status_code == 201


def test_discharged_and_other_clinics_participants_cannot_join(
        client: TestClient, program: Program, sessions: sessionmaker[Session]) -> None:
    group = program.group()
    url = f"{API}/groups/{group['id']}/members"
    outsider = client.post(url, json={"participant_id": str(program.outsider.id)},
                           headers=program.morgan)
    assert outsider.status_code == 404
    assert outsider.json()["detail"] == "There is no such participant."
    unknown = client.post(url, json={"participant_id": str(uuid.uuid4())},
                          headers=program.morgan)
    assert unknown.status_code == 404

    _discharge(sessions, program.riley, date(2026, 3, 4))  # today
    discharged = client.post(url, json={"participant_id": str(program.riley.id)},
                             headers=program.morgan)
    assert discharged.status_code == 409
    assert discharged.json()["detail"] == (
        "Riley was discharged on 2026-03-04. A discharged participant cannot join a group.")
    # A discharge still to come has not happened: they may join until then.
    _discharge(sessions, program.alex, date(2026, 3, 20))
    assert client.post(url, json={"participant_id": str(program.alex.id)},
                       headers=program.morgan).status_code == 200


def test_another_clinics_staff_see_and_change_nothing(
        client: TestClient, program: Program) -> None:
    group = program.group("Tuesday evening group", program.sam)
    url = f"{API}/groups/{group['id']}"
    assert client.get(f"{API}/groups", headers=program.jo).json()["groups"] == []
    for response in (
        client.get(url, headers=program.jo),
        client.put(url, json={"name": "Mine now"}, headers=program.jo),
        client.post(f"{url}/archive", headers=program.jo),
        client.post(f"{url}/members", json={"participant_id": str(program.outsider.id)},
                    headers=program.jo),
        client.delete(f"{url}/members/{program.sam.id}", headers=program.jo),
        client.post(f"{url}/homework", json={"title": "Urge log"}, headers=program.jo),
        client.post(f"{url}/modules", json={"module_id": MODULE}, headers=program.jo),
    ):
        assert response.status_code == 404, response.text
        assert response.json()["detail"] == "There is no such group."
    view = client.get(url, headers=program.morgan).json()
    assert view["name"] == "Tuesday evening group" and view["archived_at"] is None
    assert view["member_count"] == 1


def test_participant_family_anonymous_and_disabled_staff_are_refused(
        client: TestClient, program: Program, records: Records, join: Callable[..., str],
        sessions: sessionmaker[Session]) -> None:
    group = program.group()
    family = join(records.invite(program.sam))
    with sessions.begin() as session:
        session.execute(sa.update(Staff).where(Staff.id == program.morgan_staff.id)
                        .values(disabled=True))
    for headers in ({}, bearer(program.sam_token), bearer(family), program.morgan):
        assert client.get(f"{API}/groups", headers=headers).status_code == 401
        assert client.post(f"{API}/groups", json={"name": "x"},
                           headers=headers).status_code == 401
        assert client.post(f"{API}/groups/{group['id']}/members",
                           json={"participant_id": str(program.sam.id)},
                           headers=headers).status_code == 401


@pytest.mark.parametrize("body", [
    {},
    {"name": ""},
    {"name": "   "},
    {"name": "x" * 81},
    {"name": "Tuesday\ngroup"},
    {"name": 5},
    {"name": "Tuesday", "colour": "blue"},
])
def test_bad_group_names_get_a_clear_422(client: TestClient, program: Program,
                                         body: dict[str, Any]) -> None:
    response = client.post(f"{API}/groups", json=body, headers=program.morgan)
    assert response.status_code == 422, response.text
    assert response.json()["detail"]


def test_bad_member_requests_get_a_clear_4xx(client: TestClient, program: Program) -> None:
    group = program.group()
    url = f"{API}/groups/{group['id']}/members"
    for body in ({}, {"participant_id": "sam"}, {"participant_id": str(program.sam.id), "x": 1}):
        response = client.post(url, json=body, headers=program.morgan)
        assert response.status_code == 422 and response.json()["detail"]
    assert client.get(f"{API}/groups/not-a-uuid", headers=program.morgan).status_code == 422
    assert client.get(f"{API}/groups/{uuid.uuid4()}", headers=program.morgan).status_code == 404


def test_a_groups_sessions_reach_its_members_only_and_follow_membership(
        client: TestClient, program: Program) -> None:
    group = program.group("Tuesday evening group", program.sam)
    session = program.add_session(group_id=group["id"], title="Tuesday group")
    whole = program.add_session(title="Whole program")

    assert [(i, d) for i, d, _ in program.feed(program.sam_token)] == [
        (session["id"], False), (whole["id"], False)]
    assert [i for i, _, _ in program.feed(program.riley_token)] == [whole["id"]]
    schedule = client.get("/api/v1/participant/schedule", headers=bearer(program.riley_token))
    assert [s["id"] for s in schedule.json()["sessions"]] == [whole["id"]]

    # Riley joins: the group's session reaches Riley's app and snapshot.
    client.post(f"{API}/groups/{group['id']}/members",
                json={"participant_id": str(program.riley.id)}, headers=program.morgan)
    assert [i for i, _, _ in program.feed(program.riley_token)] == [whole["id"], session["id"]]
    schedule = client.get("/api/v1/participant/schedule", headers=bearer(program.riley_token))
    assert {s["id"] for s in schedule.json()["sessions"]} == {whole["id"], session["id"]}

    # A change reaches both members; Sam leaves and the session is taken off Sam's app.
    client.post(f"{API}/schedule/{session['id']}/cancel", headers=program.morgan)
    client.delete(f"{API}/groups/{group['id']}/members/{program.sam.id}",
                  headers=program.morgan)
    sam_feed = program.feed(program.sam_token)
    assert [(i, d) for i, d, _ in sam_feed] == [
        (session["id"], False), (whole["id"], False), (session["id"], False),
        (session["id"], True)]
    assert [d["status"] for i, _, d in program.feed(program.riley_token)
            if i == session["id"]] == ["scheduled", "cancelled"]
    schedule = client.get("/api/v1/participant/schedule", headers=bearer(program.sam_token))
    assert [s["id"] for s in schedule.json()["sessions"]] == [whole["id"]]
    # Alex, in no group, never heard of it.
    assert [i for i, _, _ in program.feed(program.alex_token)] == [whole["id"]]


def test_homework_and_a_module_for_a_whole_group(
        client: TestClient, program: Program, sessions: sessionmaker[Session]) -> None:
    group = program.group("Tuesday evening group", program.sam, program.riley, program.alex)
    _discharge(sessions, program.alex, date(2026, 3, 3))
    homework = client.post(f"{API}/groups/{group['id']}/homework",
                           json={"title": "Urge log, 3 days", "due_on": "2026-03-10"},
                           headers=program.morgan)
    assert homework.status_code == 201, homework.text
    made = GroupHomeworkResponse.model_validate(homework.json())
    assert [(one.display_name, one.homework.title) for one in made.assigned] == [
        ("Riley", "Urge log, 3 days"), ("Sam", "Urge log, 3 days")]
    assert len({one.homework.id for one in made.assigned}) == 2  # one each
    assert [(s.display_name, s.reason) for s in made.skipped] == [
        ("Alex", "Discharged on 2026-03-03: nothing new is sent to their app.")]
    assert [d["title"] for _, _, d in program.feed(program.sam_token, "homework")] == [
        "Urge log, 3 days"]
    assert program.feed(program.alex_token, "homework") == []

    modules = client.post(f"{API}/groups/{group['id']}/modules",
                          json={"module_id": MODULE, "note": "Before Thursday"},
                          headers=program.morgan)
    assert modules.status_code == 201, modules.text
    assigned = GroupModulesResponse.model_validate(modules.json()).assigned
    assert [one.display_name for one in assigned] == ["Riley", "Sam"]
    sams = next(one.assignment for one in assigned if one.display_name == "Sam")

    # Sam reads it: GET .../modules shows the day.
    answer = {"assignment_id": str(sams.id), "done_on": "2026-03-05", "module_id": MODULE}
    pushed = client.post(PUSH, headers=bearer(program.sam_token), json={"records": [
        record("module_read", record_id=assignment_answer_id(sams.id), payload=answer)]})
    assert pushed.json()["results"][0]["outcome"] == "stored"
    read = ModuleAssignmentsResponse.model_validate(
        client.get(f"{API}/participants/{program.sam.id}/modules",
                   headers=program.morgan).json())
    assert [(m.module_id, m.read_on) for m in read.modules] == [(MODULE, date(2026, 3, 5))]
    riley = client.get(f"{API}/participants/{program.riley.id}/modules",
                       headers=program.morgan).json()["modules"]
    assert [m["read_on"] for m in riley] == [None]
    assert client.get(f"{API}/participants/{program.outsider.id}/modules",
                      headers=program.morgan).status_code == 404
    assert len(audited(sessions, "clinician.modules.read")) == 3


def test_group_assignments_are_refused_clearly(client: TestClient, program: Program) -> None:
    empty = program.group("Empty group")
    response = client.post(f"{API}/groups/{empty['id']}/homework", json={"title": "Urge log"},
                           headers=program.morgan)
    assert response.status_code == 409
    assert response.json()["detail"].startswith("This group has nobody to assign to")
    group = program.group("Tuesday evening group", program.sam)
    unknown = client.post(f"{API}/groups/{group['id']}/modules",
                          json={"module_id": "no-such-module"}, headers=program.morgan)
    assert unknown.status_code == 422
    assert unknown.json()["detail"] == "There is no module 'no-such-module' in the app's library."
    assert program.feed(program.sam_token, "module_assignment") == []
    bad = client.post(f"{API}/groups/{group['id']}/homework", json={"title": ""},
                      headers=program.morgan)
    assert bad.status_code == 422
    client.post(f"{API}/groups/{group['id']}/archive", headers=program.morgan)
    archived = client.post(f"{API}/groups/{group['id']}/homework", json={"title": "Urge log"},
                           headers=program.morgan)
    assert archived.status_code == 409
