"""The portal's groups (/portal/groups): the list with member counts, making a group (a
blank or taken name refused beside the field, what was typed kept), a group's page with
its members (adding one of the clinic's active participants, taking one out after a
confirm page), renaming, archiving after a confirm page, and homework or a module for
the whole group with who got it and who was skipped and why. Every form needs the
session's CSRF token, another clinic's group is 404 and a participant's or family
member's token reaches nothing. On SQLite and PostgreSQL."""

from __future__ import annotations

import re
import uuid
import warnings
from datetime import date

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from iop_companion.clinic.models import (
    GroupMember,
    HomeworkRecord,
    ModuleAssignmentRecord,
    Participant,
    ParticipantGroup,
)
from iop_companion.clinic.portal.web import SESSION_COOKIE
from tests.clinic.clinic_testing import Records, bearer
from tests.clinic.test_portal import JO, Clinic, audited, csrf_of

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=".*httpx2", category=UserWarning)
    from fastapi.testclient import TestClient

GROUPS = "/portal/groups"
MODULE = "riding-out-cravings"


@pytest.fixture
def clinic(app: FastAPI, records: Records) -> Clinic:
    return Clinic(app, records)


def make_group(browser: TestClient, name: str = "Tuesday evening group") -> str:
    token = csrf_of(browser.get(GROUPS).text)
    made = browser.post(GROUPS, data={"csrf_token": token, "name": name},
                        follow_redirects=False)
    assert made.status_code == 303, made.text
    found = re.fullmatch(r"/portal/groups/([0-9a-f-]{36})\?done=created",
                         made.headers["location"])
    assert found, made.headers["location"]
    return found.group(1)


def add(browser: TestClient, group: str, participant: Participant) -> None:
    token = csrf_of(browser.get(f"{GROUPS}/{group}").text)
    added = browser.post(f"{GROUPS}/{group}/members", follow_redirects=False,
                         data={"csrf_token": token, "participant_id": str(participant.id)})
    assert added.status_code == 303, added.text


def stored_groups(sessions: sessionmaker[Session]) -> list[ParticipantGroup]:
    with sessions() as session:
        return list(session.scalars(sa.select(ParticipantGroup)
                                    .order_by(ParticipantGroup.created_at)))


def member_ids(sessions: sessionmaker[Session], group: str) -> set[uuid.UUID]:
    with sessions() as session:
        return set(session.scalars(sa.select(GroupMember.participant_id)
                                   .where(GroupMember.group_id == uuid.UUID(group))))


def test_the_list_and_making_a_group(clinic: Clinic, sessions: sessionmaker[Session]) -> None:
    morgan = clinic.signed_in()
    page = morgan.get(GROUPS)
    assert page.status_code == 200
    assert "<h1>Groups</h1>" in page.text
    assert 'href="/portal/groups" aria-current="page">Groups</a>' in page.text
    assert "No groups yet." in page.text
    group = make_group(morgan)
    landed = morgan.get(f"{GROUPS}/{group}?done=created").text
    assert "Group made. Add its members below." in landed
    add(morgan, group, clinic.sam)
    listed = morgan.get(GROUPS).text
    assert re.search(rf'<a href="/portal/groups/{group}">Tuesday evening group</a></th>\s*'
                     r"<td>1</td>", listed), listed
    [entry] = audited(sessions, "group.create")
    assert entry.actor == f"staff:{clinic.morgan.id}"


@pytest.mark.parametrize(("typed", "message"), [
    ("   ", "Type a name of 1 to 80 characters, on one line."),
    ("x" * 81, "Type a name of 1 to 80 characters, on one line."),
    ("TUESDAY evening group", "The clinic already has a group called"),
])
def test_a_refused_group_name_is_named_beside_the_field_and_kept(
        clinic: Clinic, sessions: sessionmaker[Session], typed: str, message: str) -> None:
    morgan = clinic.signed_in()
    make_group(morgan)
    refused = morgan.post(GROUPS, data={"csrf_token": csrf_of(morgan.get(GROUPS).text),
                                        "name": typed})
    assert refused.status_code == 422
    assert re.search(r'<input id="group-name"[^>]*value="' + re.escape(typed) + '"[^>]*'
                     'aria-invalid="true"', refused.text), refused.text
    assert f'id="group-name-error" role="alert">{message}' in refused.text
    assert len(stored_groups(sessions)) == 1


def test_members_are_added_from_the_clinics_active_participants_and_taken_out(
        clinic: Clinic, sessions: sessionmaker[Session], records: Records) -> None:
    morgan = clinic.signed_in()
    group = make_group(morgan)
    gone = records.participant(clinic.north, "Drew")
    with sessions.begin() as session:
        session.execute(sa.update(Participant).where(Participant.id == gone.id)
                        .values(discharged_on=date(2026, 3, 1)))
    page = morgan.get(f"{GROUPS}/{group}").text
    select = page[page.index('<select id="member-participant"'):page.index("</select>",
                                                                             page.index('id="member-participant"'))]
    assert ">Sam</option>" in select
    assert "Drew" not in select and "Kim" not in select  # discharged; another clinic's
    add(morgan, group, clinic.sam)
    assert member_ids(sessions, group) == {clinic.sam.id}
    page = morgan.get(f"{GROUPS}/{group}?done=added").text
    assert "Member added." in page
    assert f'<a href="/portal/participants/{clinic.sam.id}">Sam</a>' in page
    assert "Every participant of the clinic who is not discharged is in this group" in page
    # A discharged participant sent anyway is refused beside the select.
    token = csrf_of(page)
    refused = morgan.post(f"{GROUPS}/{group}/members",
                          data={"csrf_token": token, "participant_id": str(gone.id)})
    assert refused.status_code == 422
    assert "A discharged participant cannot join a group." in refused.text
    blank = morgan.post(f"{GROUPS}/{group}/members",
                        data={"csrf_token": token, "participant_id": ""})
    assert blank.status_code == 422 and "Choose a participant from the list." in blank.text
    # Taking Sam out: a confirm page first.
    path = f"{GROUPS}/{group}/members/{clinic.sam.id}/remove"
    confirm = morgan.post(path, data={"csrf_token": token})
    assert confirm.status_code == 200
    assert "Take Sam out of “Tuesday evening group”?" in confirm.text
    assert member_ids(sessions, group) == {clinic.sam.id}
    removed = morgan.post(path, data={"csrf_token": token, "confirmed": "yes"},
                          follow_redirects=False)
    assert removed.status_code == 303
    assert member_ids(sessions, group) == set()
    assert "Member taken out." in morgan.get(removed.headers["location"]).text


def test_renaming_and_archiving_a_group(clinic: Clinic, sessions: sessionmaker[Session]) -> None:
    morgan = clinic.signed_in()
    make_group(morgan, "Thursday group")
    group = make_group(morgan)
    token = csrf_of(morgan.get(f"{GROUPS}/{group}").text)
    taken = morgan.post(f"{GROUPS}/{group}/rename",
                        data={"csrf_token": token, "name": "thursday group"})
    assert taken.status_code == 422
    assert "The clinic already has a group called" in taken.text
    assert 'value="thursday group"' in taken.text
    renamed = morgan.post(f"{GROUPS}/{group}/rename", follow_redirects=False,
                          data={"csrf_token": token, "name": "Tuesday early group"})
    assert renamed.status_code == 303
    assert "Group renamed." in morgan.get(renamed.headers["location"]).text
    confirm = morgan.post(f"{GROUPS}/{group}/archive", data={"csrf_token": token})
    assert "Archive “Tuesday early group”?" in confirm.text
    assert stored_groups(sessions)[1].archived_at is None
    archived = morgan.post(f"{GROUPS}/{group}/archive", follow_redirects=False,
                           data={"csrf_token": token, "confirmed": "yes"})
    assert archived.status_code == 303
    assert stored_groups(sessions)[1].archived_at is not None
    page = morgan.get(archived.headers["location"]).text
    assert "Group archived." in page
    assert '<span class="status-cancelled">Archived</span>' in page
    assert "Add to the group" not in page and "Set homework" not in page
    assert "Tuesday early group" not in morgan.get(GROUPS).text
    assert "Tuesday early group" in morgan.get(f"{GROUPS}?archived=1").text


def test_homework_for_the_whole_group_lists_who_got_it_and_who_was_skipped(
        clinic: Clinic, sessions: sessionmaker[Session], records: Records) -> None:
    morgan = clinic.signed_in()
    group = make_group(morgan)
    riley = records.participant(clinic.north, "Riley")
    add(morgan, group, clinic.sam)
    add(morgan, group, riley)
    with sessions.begin() as session:  # Riley is discharged after joining
        session.execute(sa.update(Participant).where(Participant.id == riley.id)
                        .values(discharged_on=date(2026, 3, 3)))
    token = csrf_of(morgan.get(f"{GROUPS}/{group}").text)
    refused = morgan.post(f"{GROUPS}/{group}/homework", data={
        "csrf_token": token, "title": " ", "instructions": "Each trigger.",
        "module_id": MODULE, "due_on": "2026-03-11"})
    assert refused.status_code == 422
    assert "Homework not set." in refused.text
    assert "Each trigger.</textarea>" in refused.text
    assert f'value="{MODULE}" selected' in refused.text
    set_ = morgan.post(f"{GROUPS}/{group}/homework", follow_redirects=False, data={
        "csrf_token": token, "title": "Trigger log", "instructions": "Each trigger.",
        "module_id": "", "due_on": "2026-03-11"})
    assert set_.status_code == 303
    assert "Trigger" not in set_.headers["location"]  # ids only in the address
    page = morgan.get(set_.headers["location"]).text
    assert re.search(r"Homework set for 1 member</strong>: Sam\.", page), page
    assert "Riley: discharged on Tue 3 Mar 2026, so nothing new is sent to their app." in page
    with sessions() as session:
        homework = session.scalars(sa.select(HomeworkRecord)).all()
        assert [(one.participant_id, one.title) for one in homework] == [
            (clinic.sam.id, "Trigger log")]
    module = morgan.post(f"{GROUPS}/{group}/modules", follow_redirects=False, data={
        "csrf_token": token, "module_id": MODULE, "note": "Before Thursday.", "due_on": ""})
    assert module.status_code == 303
    page = morgan.get(module.headers["location"]).text
    assert re.search(r"Module &ldquo;Riding out cravings&rdquo; assigned for 1 member"
                     r"</strong>: Sam\.", page), page
    with sessions() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(
            ModuleAssignmentRecord)) == 1
    unknown = morgan.post(f"{GROUPS}/{group}/modules", data={
        "csrf_token": token, "module_id": "not-a-module", "note": "", "due_on": ""})
    assert unknown.status_code == 422 and "Choose a module from the list." in unknown.text


def test_a_group_with_nobody_to_assign_to_says_so(clinic: Clinic) -> None:
    morgan = clinic.signed_in()
    group = make_group(morgan)
    refused = morgan.post(f"{GROUPS}/{group}/homework", data={
        "csrf_token": csrf_of(morgan.get(f"{GROUPS}/{group}").text), "title": "Trigger log"})
    assert refused.status_code == 422
    assert 'class="error" role="alert">' in refused.text
    assert 'value="Trigger log"' in refused.text


def test_every_group_form_needs_the_sessions_csrf_token(
        clinic: Clinic, sessions: sessionmaker[Session]) -> None:
    morgan = clinic.signed_in()
    group = make_group(morgan)
    add(morgan, group, clinic.sam)
    others_token = csrf_of(clinic.signed_in(JO).get("/portal/alerts").text)
    forms = {GROUPS: {"name": "Another group"},
             f"{GROUPS}/{group}/rename": {"name": "Renamed"},
             f"{GROUPS}/{group}/archive": {"confirmed": "yes"},
             f"{GROUPS}/{group}/members": {"participant_id": str(clinic.sam.id)},
             f"{GROUPS}/{group}/members/{clinic.sam.id}/remove": {"confirmed": "yes"},
             f"{GROUPS}/{group}/homework": {"title": "Trigger log"},
             f"{GROUPS}/{group}/modules": {"module_id": MODULE}}
    for path, data in forms.items():
        for token in (None, others_token, "0" * 64):
            body = data if token is None else {**data, "csrf_token": token}
            response = morgan.post(path, data=body, follow_redirects=False)
            assert response.status_code == 403, (path, token, response.text)
    [stored] = stored_groups(sessions)
    assert (stored.name, stored.archived_at) == ("Tuesday evening group", None)
    assert member_ids(sessions, group) == {clinic.sam.id}
    with sessions() as session:
        assert session.scalars(sa.select(HomeworkRecord)).all() == []
    assert len(audited(sessions, "portal.csrf_refused")) == len(forms) * 3


def test_another_clinics_group_is_not_found(
        clinic: Clinic, sessions: sessionmaker[Session]) -> None:
    morgan = clinic.signed_in()
    group = make_group(morgan, "Northside group")
    add(morgan, group, clinic.sam)
    jo = clinic.signed_in(JO)
    assert "Northside group" not in jo.get(GROUPS).text
    assert jo.get(f"{GROUPS}/{group}").status_code == 404
    assert jo.get(f"{GROUPS}/{uuid.uuid4()}").status_code == 404
    token = csrf_of(jo.get(GROUPS).text)
    for path, data in ((f"{GROUPS}/{group}/rename", {"name": "Mine now"}),
                       (f"{GROUPS}/{group}/archive", {"confirmed": "yes"}),
                       (f"{GROUPS}/{group}/members", {"participant_id": str(clinic.kim.id)}),
                       (f"{GROUPS}/{group}/members/{clinic.sam.id}/remove",
                        {"confirmed": "yes"}),
                       (f"{GROUPS}/{group}/homework", {"title": "Trigger log"}),
                       (f"{GROUPS}/{group}/modules", {"module_id": MODULE})):
        refused = jo.post(path, data={**data, "csrf_token": token})
        assert refused.status_code == 404, (path, refused.text)
    # Nor can Morgan add Southside's participant to a Northside group.
    refused = morgan.post(f"{GROUPS}/{group}/members", data={
        "csrf_token": csrf_of(morgan.get(GROUPS).text), "participant_id": str(clinic.kim.id)})
    assert refused.status_code == 404
    [stored] = stored_groups(sessions)
    assert (stored.name, stored.archived_at) == ("Northside group", None)
    assert member_ids(sessions, group) == {clinic.sam.id}


def test_participant_and_family_tokens_and_no_cookie_reach_no_group_page(
        clinic: Clinic, client: TestClient, sessions: sessionmaker[Session]) -> None:
    group = make_group(clinic.signed_in())
    device_token = clinic.phone(client, clinic.sam)
    family_token = client.post("/api/v1/family/join", json={
        "code": clinic.records.invite(clinic.sam), "display_name": "Riley"}).json()["family_token"]
    for token in (None, device_token, family_token):
        browser = clinic.browser()
        if token is not None:
            browser.cookies.set(SESSION_COOKIE, token, path="/portal")
        headers = bearer(token) if token else {}
        for path in (GROUPS, f"{GROUPS}/{group}"):
            page = browser.get(path, headers=headers, follow_redirects=False)
            assert page.status_code == 303, (path, token)
            assert page.headers["location"].startswith("/portal/sign-in")
        for path in (GROUPS, f"{GROUPS}/{group}/members", f"{GROUPS}/{group}/archive"):
            posted = browser.post(path, headers=headers, follow_redirects=False, data={
                "name": "Theirs", "participant_id": str(clinic.sam.id), "confirmed": "yes",
                "csrf_token": "0" * 64})
            assert posted.status_code == 303, (path, token)
            assert posted.headers["location"].startswith("/portal/sign-in")
    [stored] = stored_groups(sessions)
    assert stored.archived_at is None
    assert member_ids(sessions, group) == set()
