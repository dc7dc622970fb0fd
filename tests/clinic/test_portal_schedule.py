"""The portal's schedule (/portal/schedule): the week in the clinic's time zone, adding a
session for a participant, a group or the whole program (repeated weekly or not),
changing and cancelling one or the rest of its series after a confirm page, and a
session's attendance, where two misses in a row raise the alert the alerts page lists.
Also the clinic's details on the settings page, which only an administrator changes.
Every form needs the session's CSRF token, refused input is kept with a message beside
its field, another clinic's session is 404 and a participant's or family member's token
reaches nothing. On SQLite and PostgreSQL."""

from __future__ import annotations

import re
import uuid
import warnings
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from iop_companion.clinic.models import Alert, ScheduledSessionRecord, SessionAttendanceRecord
from iop_companion.clinic.models import Clinic as ClinicRow
from iop_companion.clinic.portal.web import SESSION_COOKIE
from tests.clinic.clinic_testing import FakeClock, Records, bearer
from tests.clinic.test_portal import ADMIN, JO, Clinic, audited, csrf_of

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=".*httpx2", category=UserWarning)
    from fastapi.testclient import TestClient

SCHEDULE = "/portal/schedule"
# The clock: Wednesday 4 March 2026, 09:00 in Chicago (15:00 UTC).
SESSION = {"kind": "group", "title": "Process group", "day": "2026-03-05", "starts": "18:00",
           "ends": "19:30", "location": "Group room A", "facilitator": "Morgan Lee, LPC",
           "note": "", "audience": "program", "participant_id": "", "group_id": "",
           "repeat_until": ""}


@pytest.fixture
def clinic(app: FastAPI, records: Records) -> Clinic:
    return Clinic(app, records)


def stored_sessions(sessions: sessionmaker[Session]) -> list[ScheduledSessionRecord]:
    with sessions() as session:
        return list(session.scalars(sa.select(ScheduledSessionRecord)
                                    .order_by(ScheduledSessionRecord.starts_at)))


def add_session(browser: TestClient, **changes: str) -> str:
    """Add a session through the portal's form; its id."""
    token = csrf_of(browser.get(f"{SCHEDULE}/new").text)
    added = browser.post(f"{SCHEDULE}/new", follow_redirects=False,
                         data={**SESSION, **changes, "csrf_token": token})
    assert added.status_code == 303, added.text
    found = re.fullmatch(r"/portal/schedule/([0-9a-f-]{36})\?done=\w+", added.headers["location"])
    assert found, added.headers["location"]
    return found.group(1)


def tag(page: str, element_id: str) -> str:
    """The opening tag of the input or select with this id."""
    found = re.search(rf'<(?:input|select|textarea) id="{element_id}"[^>]*>', page)
    assert found, page
    return found.group(0)


def group_id(browser: TestClient, name: str, *members: Any) -> str:
    token = csrf_of(browser.get("/portal/groups").text)
    made = browser.post("/portal/groups", data={"csrf_token": token, "name": name},
                        follow_redirects=False)
    assert made.status_code == 303, made.text
    found = re.match(r"/portal/groups/([0-9a-f-]{36})", made.headers["location"])
    assert found
    for participant in members:
        added = browser.post(f"{found.group(0)}/members", follow_redirects=False,
                             data={"csrf_token": token, "participant_id": str(participant.id)})
        assert added.status_code == 303, added.text
    return found.group(1)


# --- The week ----------------------------------------------------------------------------


def test_the_week_lists_sessions_by_day_in_the_clinics_time_zone(clinic: Clinic) -> None:
    morgan = clinic.signed_in()
    page = morgan.get(SCHEDULE)
    assert page.status_code == 200
    text = page.text
    assert "<h1>Schedule</h1>" in text
    assert 'href="/portal/schedule" aria-current="page">Schedule</a>' in text
    assert "2 Mar to Sun 8 Mar 2026" in text  # Monday to Sunday, this week
    assert "Times in the clinic's time zone, America/Chicago" in text
    assert 'href="/portal/schedule?week=2026-02-23"' in text  # previous week
    assert 'href="/portal/schedule?week=2026-03-09"' in text  # next week
    assert text.count("No sessions.") == 7
    assert "Wed 4 Mar 2026 <span class=\"count\">(today)</span>" in text

    # 23:30 in Chicago on Sunday is Monday in UTC: it stays on Sunday, in this week.
    add_session(morgan, title="Late group", day="2026-03-08", starts="23:00", ends="23:45")
    add_session(morgan, title="Sam's check-in", kind="individual", day="2026-03-04",
                starts="10:00", ends="10:50", audience="participant",
                participant_id=str(clinic.sam.id), location="https://meet.example/sam",
                telehealth="yes")
    text = morgan.get(SCHEDULE).text
    sunday = text[text.index('id="day-2026-03-08"'):]
    assert "Late group" in sunday and "23:00&ndash;23:45" in sunday
    wednesday = text[text.index('id="day-2026-03-04"'):text.index('id="day-2026-03-05"')]
    assert "Sam&#39;s check-in" in wednesday and "Individual" in wednesday
    assert f'href="/portal/participants/{clinic.sam.id}">Sam</a>' in wednesday
    assert "Telehealth" in wednesday and "meet.example" not in wednesday
    assert "Whole program" in sunday
    assert text.count("No sessions.") == 5
    # The next week is empty; a week is chosen by any of its days.
    assert morgan.get(f"{SCHEDULE}?week=2026-03-11").text.count("No sessions.") == 7
    assert "Late group" in morgan.get(f"{SCHEDULE}?week=2026-03-02").text


@pytest.mark.parametrize("week", ["next", "2026-02-30", "1900-01-01", "9" * 40])
def test_a_week_that_is_not_a_date_is_refused_with_a_message(clinic: Clinic, week: str) -> None:
    page = clinic.signed_in().get(f"{SCHEDULE}?week={week}")
    assert page.status_code == 422
    assert "The week must be given by a date between 2000 and 2099" in page.text


# --- Adding a session --------------------------------------------------------------------


def test_the_new_session_form_offers_each_kind_and_who_attends(clinic: Clinic) -> None:
    morgan = clinic.signed_in()
    group_id(morgan, "Tuesday evening group", clinic.sam)
    page = morgan.get(f"{SCHEDULE}/new")
    assert page.status_code == 200
    text = page.text
    for label in ("Group therapy", "Individual", "Family", "Medication management",
                  "Workshop", "Holistic", "Case management"):
        assert f">{label}" in text, label
    assert "Times in the clinic's time zone: America/Chicago" in text
    assert ">Sam</option>" in text and "Kim" not in text  # only this clinic's participants
    assert "Tuesday evening group (1 member)</option>" in text
    for label in ("Date", "Starts", "Ends", "Place or telehealth link", "Facilitator",
                  "Repeat weekly until (optional)", "One participant", "A group",
                  "Whole program"):
        assert f">{label}<" in text or f">{label}</label>" in text or label in text, label
    assert 'value="program" checked' in text
    # From a participant's page the participant is chosen already.
    chosen = morgan.get(f"{SCHEDULE}/new?participant={clinic.sam.id}").text
    assert 'value="participant" checked' in chosen
    assert f'value="{clinic.sam.id}" selected' in chosen


def test_adding_a_group_session_repeated_weekly(
        clinic: Clinic, sessions: sessionmaker[Session]) -> None:
    morgan = clinic.signed_in()
    group = group_id(morgan, "Tuesday evening group", clinic.sam)
    first = add_session(morgan, audience="group", group_id=group, day="2026-03-10",
                        repeat_until="2026-03-31")
    stored = stored_sessions(sessions)
    assert len(stored) == 4
    assert {str(one.group_id) for one in stored} == {group}
    assert len({one.series_id for one in stored}) == 1 and stored[0].series_id is not None
    # 18:00 in Chicago, before and after daylight saving starts (8 March).
    assert [one.starts_at.hour for one in stored] == [23, 23, 23, 23]  # all CDT, UTC-5
    assert str(stored[0].id) == first
    page = morgan.get(f"{SCHEDULE}/{first}?done=repeated").text
    assert "Weekly sessions added." in page
    assert "Group: <a href=\"/portal/groups/" in page and "Tuesday evening group" in page
    assert "Weekly (one of a series)" in page
    assert "Cancel this and the following…" in page
    assert len(audited(sessions, "schedule.session.create")) == 4


def test_refused_session_input_is_named_beside_each_field_and_kept(
        clinic: Clinic, sessions: sessionmaker[Session]) -> None:
    morgan = clinic.signed_in()
    token = csrf_of(morgan.get(f"{SCHEDULE}/new").text)
    refused = morgan.post(f"{SCHEDULE}/new", data={
        **SESSION, "csrf_token": token, "title": "   ", "starts": "19:00", "ends": "18:00",
        "location": "Room 4", "audience": "participant", "participant_id": "",
        "repeat_until": "2027-01-01"})
    assert refused.status_code == 422
    text = refused.text
    assert "The session was not added." in text
    assert 'aria-invalid="true"' in tag(text, "session-title")
    assert "Type a title of 1 to 120 characters, on one line." in text
    assert 'id="session-ends-error">The session must end after it starts' in text
    assert 'value="19:00"' in tag(text, "session-starts")
    assert 'value="Room 4"' in tag(text, "session-location")
    assert "Choose the participant who attends." in text
    assert 'value="participant" checked' in text
    assert 'value="2027-01-01"' in tag(text, "session-repeat")
    # A repeat further than 26 weeks, and a day that is not a date.
    too_far = morgan.post(f"{SCHEDULE}/new", data={
        **SESSION, "csrf_token": token, "repeat_until": "2027-01-01"})
    assert too_far.status_code == 422
    assert 'id="session-repeat-error">Type a date on or after the session&#39;s day and at ' \
           "most 26 weeks after it" in too_far.text
    not_a_day = morgan.post(f"{SCHEDULE}/new", data={
        **SESSION, "csrf_token": token, "day": "tomorrow", "starts": "6pm"})
    assert not_a_day.status_code == 422
    assert 'value="tomorrow"' in tag(not_a_day.text, "session-day")
    assert 'id="session-starts-error">Type the start time as hours and minutes' in not_a_day.text
    long_one = morgan.post(f"{SCHEDULE}/new", data={
        **SESSION, "csrf_token": token, "starts": "06:00", "ends": "19:00"})
    assert "A session can last at most 12 hours." in long_one.text
    assert stored_sessions(sessions) == []


def test_another_clinics_participant_or_group_cannot_be_given_a_session(
        clinic: Clinic, sessions: sessionmaker[Session]) -> None:
    jo = clinic.signed_in(JO)
    their_group = group_id(jo, "Southside group", clinic.kim)
    morgan = clinic.signed_in()
    token = csrf_of(morgan.get(f"{SCHEDULE}/new").text)
    for audience in ({"audience": "participant", "participant_id": str(clinic.kim.id)},
                     {"audience": "group", "group_id": their_group}):
        refused = morgan.post(f"{SCHEDULE}/new",
                              data={**SESSION, **audience, "csrf_token": token})
        assert refused.status_code == 404, refused.text
    assert stored_sessions(sessions) == []


# --- Changing and cancelling -------------------------------------------------------------


def test_changing_a_session_keeps_who_attends_and_refuses_bad_input(
        clinic: Clinic, sessions: sessionmaker[Session]) -> None:
    morgan = clinic.signed_in()
    session_id = add_session(morgan)
    form = morgan.get(f"{SCHEDULE}/{session_id}/edit")
    assert form.status_code == 200
    assert 'value="18:00"' in tag(form.text, "session-starts")
    assert 'value="2026-03-05"' in tag(form.text, "session-day")
    assert "Who attends: Whole program." in form.text
    token = csrf_of(form.text)
    refused = morgan.post(f"{SCHEDULE}/{session_id}/edit", data={
        **SESSION, "csrf_token": token, "title": "Evening group", "facilitator": ""})
    assert refused.status_code == 422
    assert "Nothing was changed." in refused.text
    assert 'value="Evening group"' in tag(refused.text, "session-title")
    assert "Type who leads it" in refused.text
    changed = morgan.post(f"{SCHEDULE}/{session_id}/edit", follow_redirects=False, data={
        **SESSION, "csrf_token": token, "title": "Evening group", "starts": "17:30",
        "location": "https://meet.example/group", "telehealth": "yes"})
    assert changed.status_code == 303
    [stored] = stored_sessions(sessions)
    assert stored.title == "Evening group" and stored.telehealth
    assert (stored.starts_at.hour, stored.starts_at.minute) == (23, 30)  # 17:30 CST
    page = morgan.get(changed.headers["location"]).text
    assert "Session changed." in page and "https://meet.example/group" in page


def test_cancelling_one_session_after_a_confirm_page_with_a_note(
        clinic: Clinic, sessions: sessionmaker[Session]) -> None:
    morgan = clinic.signed_in()
    session_id = add_session(morgan)
    token = csrf_of(morgan.get(f"{SCHEDULE}/{session_id}").text)
    confirm = morgan.post(f"{SCHEDULE}/{session_id}/cancel", data={"csrf_token": token})
    assert confirm.status_code == 200
    assert "Cancel “Process group”?" in confirm.text
    assert "Note for participants (optional)" in confirm.text
    assert stored_sessions(sessions)[0].status.value == "scheduled"  # nothing yet
    too_long = morgan.post(f"{SCHEDULE}/{session_id}/cancel",
                           data={"csrf_token": token, "confirmed": "yes", "note": "x" * 501})
    assert too_long.status_code == 422 and "up to 500 characters" in too_long.text
    assert stored_sessions(sessions)[0].status.value == "scheduled"
    done = morgan.post(f"{SCHEDULE}/{session_id}/cancel", follow_redirects=False,
                       data={"csrf_token": token, "confirmed": "yes", "note": "Moved to Friday"})
    assert done.status_code == 303
    [stored] = stored_sessions(sessions)
    assert stored.status.value == "cancelled" and stored.note == "Moved to Friday"
    page = morgan.get(done.headers["location"]).text
    assert "Session cancelled." in page
    assert '<span class="status-cancelled">Cancelled</span>' in page
    assert "Cancel session…" not in page
    week = morgan.get(SCHEDULE).text
    assert '<tr class="cancelled">' in week and '<strong class="flag">Cancelled</strong>' in week


def test_cancelling_a_session_and_the_following_ones_of_its_series(
        clinic: Clinic, sessions: sessionmaker[Session]) -> None:
    morgan = clinic.signed_in()
    add_session(morgan, day="2026-03-05", repeat_until="2026-03-26")
    second = stored_sessions(sessions)[1]
    token = csrf_of(morgan.get(f"{SCHEDULE}/{second.id}").text)
    confirm = morgan.post(f"{SCHEDULE}/{second.id}/cancel-following",
                          data={"csrf_token": token})
    assert "Cancel “Process group” and the following ones?" in confirm.text
    done = morgan.post(f"{SCHEDULE}/{second.id}/cancel-following", follow_redirects=False,
                       data={"csrf_token": token, "confirmed": "yes"})
    assert done.status_code == 303
    assert [one.status.value for one in stored_sessions(sessions)] == [
        "scheduled", "cancelled", "cancelled", "cancelled"]
    assert "This session and the following ones of its series are cancelled." in morgan.get(
        done.headers["location"]).text


# --- Attendance --------------------------------------------------------------------------


def test_two_missed_sessions_raise_the_alert_on_the_alerts_page(
        clinic: Clinic, sessions: sessionmaker[Session]) -> None:
    morgan = clinic.signed_in()
    group = group_id(morgan, "Tuesday evening group", clinic.sam)
    # Sessions that took place: Monday and Tuesday of this week (the clock is Wednesday).
    monday = add_session(morgan, audience="group", group_id=group, day="2026-03-02")
    tuesday = add_session(morgan, audience="group", group_id=group, day="2026-03-03")
    page = morgan.get(f"{SCHEDULE}/{monday}")
    assert page.status_code == 200
    text = page.text
    assert "A participant who misses 2 sessions in a row raises" in text
    assert 'aria-label="Attended: Sam"' in text and 'aria-label="Excused: Sam"' in text
    assert "Not recorded yet" in text
    token = csrf_of(text)
    first = morgan.post(f"{SCHEDULE}/{monday}/attendance/{clinic.sam.id}",
                        follow_redirects=False, data={"csrf_token": token, "attendance": "missed"})
    assert first.status_code == 303
    assert "alert=1" not in first.headers["location"]
    page = morgan.get(first.headers["location"]).text
    assert "Sam: missed, recorded." in page
    assert "Morgan Lee, 4 Mar 2026, 09:00 CST" in page
    assert 'aria-label="Missed: Sam" aria-pressed="true"' in page
    second = morgan.post(f"{SCHEDULE}/{tuesday}/attendance/{clinic.sam.id}",
                         follow_redirects=False,
                         data={"csrf_token": token, "attendance": "missed"})
    assert "alert=1" in second.headers["location"]
    assert "Sam has missed 2 or more sessions in a row: an alert is open for them." in \
        morgan.get(second.headers["location"]).text
    with sessions() as session:
        [alert] = session.scalars(sa.select(Alert)).all()
        assert alert.trigger == "missed_sessions" and alert.participant_id == clinic.sam.id
        assert session.scalar(sa.select(sa.func.count()).select_from(
            SessionAttendanceRecord)) == 2
    alerts = morgan.get("/portal/alerts").text
    assert "Missed sessions in a row" in alerts and "2 sessions missed in a row." in alerts
    assert len(audited(sessions, "attendance.record")) == 2


def test_attendance_is_refused_before_a_session_starts_and_for_nonsense(
        clinic: Clinic, sessions: sessionmaker[Session]) -> None:
    morgan = clinic.signed_in()
    coming = add_session(morgan, audience="participant", participant_id=str(clinic.sam.id))
    page = morgan.get(f"{SCHEDULE}/{coming}").text
    assert "This session has not started yet" in page
    assert 'aria-label="Attended: Sam"' not in page  # no buttons yet
    token = csrf_of(page)
    early = morgan.post(f"{SCHEDULE}/{coming}/attendance/{clinic.sam.id}",
                        data={"csrf_token": token, "attendance": "attended"})
    assert early.status_code == 409 and "has not started yet" in early.text
    past = add_session(morgan, audience="participant", participant_id=str(clinic.sam.id),
                       day="2026-03-03")
    for status in ("", "present", "MISSED"):
        odd = morgan.post(f"{SCHEDULE}/{past}/attendance/{clinic.sam.id}",
                          data={"csrf_token": token, "attendance": status})
        assert odd.status_code == 422 and "Choose Attended, Missed or Excused." in odd.text
    with sessions() as session:
        assert session.scalars(sa.select(SessionAttendanceRecord)).all() == []


# --- Refusals ----------------------------------------------------------------------------


def test_every_schedule_form_needs_the_sessions_csrf_token(
        clinic: Clinic, sessions: sessionmaker[Session]) -> None:
    morgan = clinic.signed_in()
    session_id = add_session(morgan, day="2026-03-03")
    others_token = csrf_of(clinic.signed_in(JO).get("/portal/alerts").text)
    forms = {f"{SCHEDULE}/new": SESSION,
             f"{SCHEDULE}/{session_id}/edit": {**SESSION, "title": "Changed"},
             f"{SCHEDULE}/{session_id}/cancel": {"confirmed": "yes"},
             f"{SCHEDULE}/{session_id}/cancel-following": {"confirmed": "yes"},
             f"{SCHEDULE}/{session_id}/attendance/{clinic.sam.id}": {"attendance": "missed"}}
    for path, data in forms.items():
        for token in (None, others_token, "0" * 64):
            body = data if token is None else {**data, "csrf_token": token}
            response = morgan.post(path, data=body, follow_redirects=False)
            assert response.status_code == 403, (path, token, response.text)
    [stored] = stored_sessions(sessions)
    assert (stored.title, stored.status.value) == ("Process group", "scheduled")
    assert len(audited(sessions, "portal.csrf_refused")) == len(forms) * 3


def test_another_clinics_session_is_not_found(
        clinic: Clinic, sessions: sessionmaker[Session]) -> None:
    session_id = add_session(clinic.signed_in(), day="2026-03-03", title="Northside group")
    jo = clinic.signed_in(JO)
    assert "Northside group" not in jo.get(SCHEDULE).text
    token = csrf_of(jo.get(SCHEDULE).text)
    for path in (f"{SCHEDULE}/{session_id}", f"{SCHEDULE}/{session_id}/edit",
                 f"{SCHEDULE}/{uuid.uuid4()}"):
        assert jo.get(path).status_code == 404, path
    for path, data in ((f"{SCHEDULE}/{session_id}/edit", SESSION),
                       (f"{SCHEDULE}/{session_id}/cancel", {"confirmed": "yes"}),
                       (f"{SCHEDULE}/{session_id}/cancel-following", {"confirmed": "yes"}),
                       (f"{SCHEDULE}/{session_id}/attendance/{clinic.sam.id}",
                        {"attendance": "missed"})):
        refused = jo.post(path, data={**data, "csrf_token": token})
        assert refused.status_code == 404, (path, refused.text)
        assert "There is no such session." in refused.text
    [stored] = stored_sessions(sessions)
    assert (stored.title, stored.status.value) == ("Northside group", "scheduled")


def test_participant_and_family_tokens_and_no_cookie_reach_no_schedule_page(
        clinic: Clinic, client: TestClient, sessions: sessionmaker[Session]) -> None:
    session_id = add_session(clinic.signed_in(), day="2026-03-03")
    device_token = clinic.phone(client, clinic.sam)
    family_token = client.post("/api/v1/family/join", json={
        "code": clinic.records.invite(clinic.sam), "display_name": "Riley"}).json()["family_token"]
    pages = (SCHEDULE, f"{SCHEDULE}/new", f"{SCHEDULE}/{session_id}",
             f"{SCHEDULE}/{session_id}/edit")
    forms = (f"{SCHEDULE}/new", f"{SCHEDULE}/{session_id}/cancel",
             f"{SCHEDULE}/{session_id}/attendance/{clinic.sam.id}")
    for token in (None, device_token, family_token):
        browser = clinic.browser()
        if token is not None:
            browser.cookies.set(SESSION_COOKIE, token, path="/portal")
        headers = bearer(token) if token else {}
        for path in pages:
            page = browser.get(path, headers=headers, follow_redirects=False)
            assert page.status_code == 303, (path, token)
            assert page.headers["location"].startswith("/portal/sign-in")
        for path in forms:
            posted = browser.post(path, headers=headers, follow_redirects=False,
                                  data={**SESSION, "confirmed": "yes", "attendance": "missed",
                                        "csrf_token": "0" * 64})
            assert posted.status_code == 303, (path, token)
            assert posted.headers["location"].startswith("/portal/sign-in")
    [stored] = stored_sessions(sessions)
    assert stored.status.value == "scheduled"


# --- The participant's page --------------------------------------------------------------


def test_the_participant_page_shows_their_groups_and_coming_sessions(
        clinic: Clinic, clock: FakeClock) -> None:
    morgan = clinic.signed_in()
    group = group_id(morgan, "Tuesday evening group", clinic.sam)
    add_session(morgan, audience="group", group_id=group, day="2026-03-10",
                title="Evening group")
    add_session(morgan, day="2026-03-05", title="Program morning")
    add_session(morgan, audience="participant", participant_id=str(clinic.sam.id),
                day="2026-03-03", title="Yesterday's")
    add_session(morgan, day="2026-03-25", title="Too far ahead")
    page = morgan.get(f"/portal/participants/{clinic.sam.id}")
    assert page.status_code == 200
    text = page.text
    assert f'<a href="/portal/groups/{group}">Tuesday evening group</a>' in text
    section = text[text.index('id="sessions"'):text.index('id="devices"')]
    assert "Sessions in the next 14 days" in section
    assert section.index("Program morning") < section.index("Evening group")
    assert "Whole program" in section and "Tuesday evening group" in section
    assert "Yesterday&#39;s" not in section and "Too far ahead" not in section
    assert re.search(r'href="/portal/schedule/[0-9a-f-]{36}">Evening group</a>', section)
    assert f'href="/portal/schedule/new?participant={clinic.sam.id}"' in section
    # Riley, not in a group, sees whole-program sessions only.
    riley = clinic.records.participant(clinic.north, "Riley")
    other = morgan.get(f"/portal/participants/{riley.id}").text
    assert "not in any group" in other and "Evening group" not in other
    assert "Program morning" in other


# --- The clinic's details (settings page) ------------------------------------------------

PROFILE = {"name": "Northside Recovery", "address": "12 Main Street\nSpringfield, IL",
           "phone": "+1 555 010 2000", "crisis_line": "(555) 010-2999",
           "timezone": "America/New_York"}


def clinic_row(sessions: sessionmaker[Session], clinic: Clinic) -> ClinicRow:
    with sessions() as session:
        return session.get_one(ClinicRow, clinic.north.id)


def test_an_administrator_changes_the_clinics_details(
        clinic: Clinic, sessions: sessionmaker[Session], client: TestClient) -> None:
    ada = clinic.signed_in(ADMIN)
    page = ada.get("/portal/settings").text
    assert "cannot be changed from the portal" not in page
    assert 'value="+1 (555) 010-1999"' in tag(page, "clinic-crisis_line")
    assert "<option selected>America/Chicago</option>" in page
    saved = ada.post("/portal/settings/clinic-profile", follow_redirects=False,
                     data={**PROFILE, "csrf_token": csrf_of(page)})
    assert saved.status_code == 303
    assert saved.headers["location"] == "/portal/settings?done=clinic#clinic"
    row = clinic_row(sessions, clinic)
    assert (row.name, row.address, row.crisis_line, row.timezone) == (
        "Northside Recovery", "12 Main Street\nSpringfield, IL", "(555) 010-2999",
        "America/New_York")
    after = ada.get(saved.headers["location"]).text
    assert "Clinic details saved. Participants&#39; apps get them, the name and crisis line " \
           "included, at their next sync." in after
    assert "Northside Recovery" in after
    [entry] = audited(sessions, "clinic.profile.change")
    assert entry.actor == f"staff:{clinic.ada.id}"
    # The participant's app gets the new crisis line with the clinic's profile.
    token = clinic.phone(client, clinic.sam)
    feed = client.get("/api/v1/participant/changes", params={"after": 0},
                      headers=bearer(token)).json()
    assert "(555) 010-2999" in str(feed)


@pytest.mark.parametrize(("field", "typed", "message"), [
    ("name", "  ", "Type the clinic&#39;s name"),
    ("crisis_line", "call us", "Type a phone number of at least 3 digits"),
    ("phone", "12", "Type a phone number of at least 3 digits"),
    ("timezone", "Mars/Olympus", "Choose the clinic&#39;s time zone from the list."),
    ("address", "", "Type the address"),
])
def test_refused_clinic_details_are_named_beside_the_field_and_kept(
        clinic: Clinic, sessions: sessionmaker[Session], field: str, typed: str,
        message: str) -> None:
    ada = clinic.signed_in(ADMIN)
    token = csrf_of(ada.get("/portal/settings").text)
    refused = ada.post("/portal/settings/clinic-profile",
                       data={**PROFILE, field: typed, "csrf_token": token})
    assert refused.status_code == 422
    text = refused.text
    assert "Nothing was saved." in text
    assert re.search(rf'id="clinic-{field}-error">{re.escape(message)}', text), text
    assert 'aria-invalid="true"' in tag(text, f"clinic-{field}")
    assert 'value="Northside Recovery"' in tag(text, "clinic-name") or field == "name"
    assert clinic_row(sessions, clinic).name == "Northside Clinic"


def test_a_clinician_sees_the_details_but_cannot_change_them(
        clinic: Clinic, sessions: sessionmaker[Session]) -> None:
    morgan = clinic.signed_in()
    page = morgan.get("/portal/settings").text
    assert 'action="/portal/settings/clinic-profile"' not in page
    assert "An administrator of the clinic can change these." in page
    assert "+1 (555) 010-1999" in page
    refused = morgan.post("/portal/settings/clinic-profile",
                          data={**PROFILE, "csrf_token": csrf_of(page)})
    assert refused.status_code == 403
    assert clinic_row(sessions, clinic).name == "Northside Clinic"
    assert audited(sessions, "clinic.profile.change") == []
    # CSRF first: a form without the session's token is refused before the role.
    ada = clinic.signed_in(ADMIN)
    assert ada.post("/portal/settings/clinic-profile", data=PROFILE).status_code == 403
    assert clinic_row(sessions, clinic).name == "Northside Clinic"
