"""Homework and modules on the portal's participant page: the lists with what the
participant marked done or read, setting homework and assigning a module from the app's
library through the API's own route functions (same checks, same audit rows), withdrawing
either after a confirm step, a refused form shown again with what was typed and why,
CSRF on each form, another clinic's participant 404, and no way in for a participant's or
family member's token. On SQLite and PostgreSQL."""

from __future__ import annotations

import re
import uuid
import warnings
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from iop_companion.clinic.models import HomeworkRecord, ModuleAssignmentRecord
from iop_companion.clinic.portal.web import SESSION_COOKIE
from iop_companion.sync.protocol import AssignmentStatus, assignment_answer_id
from tests.clinic.clinic_testing import Records, bearer
from tests.clinic.sync_records import record
from tests.clinic.test_portal import JO, Clinic, audited, csrf_of, push
from tests.domain.test_coping_logs import card, thought, urge, urge_log

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=".*httpx2", category=UserWarning)
    from fastapi.testclient import TestClient


@pytest.fixture
def clinic(app: FastAPI, records: Records) -> Clinic:
    return Clinic(app, records)


def page_of(clinic: Clinic) -> str:
    return f"/portal/participants/{clinic.sam.id}"


def homework_rows(sessions: sessionmaker[Session]) -> list[HomeworkRecord]:
    with sessions() as session:
        return list(session.scalars(sa.select(HomeworkRecord)))


def module_rows(sessions: sessionmaker[Session]) -> list[ModuleAssignmentRecord]:
    with sessions() as session:
        return list(session.scalars(sa.select(ModuleAssignmentRecord)))


def set_homework(browser: TestClient, clinic: Clinic, token: str, **fields: str) -> Any:
    data = {"title": "", "instructions": "", "module_id": "", "due_on": "", **fields}
    return browser.post(f"{page_of(clinic)}/homework", follow_redirects=False,
                        data={"csrf_token": token, **data})


def assign_module(browser: TestClient, clinic: Clinic, token: str, **fields: str) -> Any:
    data = {"module_id": "", "note": "", "due_on": "", **fields}
    return browser.post(f"{page_of(clinic)}/modules", follow_redirects=False,
                        data={"csrf_token": token, **data})


def test_the_page_offers_both_forms_with_the_apps_module_library(clinic: Clinic) -> None:
    morgan = clinic.signed_in()
    text = morgan.get(page_of(clinic)).text
    assert "No homework set." in text and "No modules assigned." in text
    assert '<label for="homework-title">Title</label>' in text
    assert '<label for="module-module">Module</label>' in text
    assert '<option value="understanding-triggers">Understanding triggers</option>' in text
    assert '<option value="riding-out-cravings">Riding out cravings</option>' in text
    # Library order (its "order"), not alphabetical.
    assert text.index(">Understanding triggers<") < text.index(">Riding out cravings<")


def test_setting_homework_shows_it_with_its_module_and_what_the_app_marked(
        clinic: Clinic, client: TestClient, sessions: sessionmaker[Session]) -> None:
    morgan = clinic.signed_in()
    token = csrf_of(morgan.get(page_of(clinic)).text)
    done = set_homework(morgan, clinic, token, title="Trigger log",
                        instructions="Note each trigger.\r\nAnd what you did.",
                        module_id="understanding-triggers", due_on="2026-03-09")
    assert done.status_code == 303, done.text
    assert done.headers["location"] == f"{page_of(clinic)}?done=homework_set#homework"
    [row] = homework_rows(sessions)
    assert (row.title, row.instructions, row.module_id, str(row.due_on)) == (
        "Trigger log", "Note each trigger.\nAnd what you did.", "understanding-triggers",
        "2026-03-09")
    [entry] = audited(sessions, "clinician.homework.write")
    assert entry.actor == f"staff:{clinic.morgan.id}" and entry.record_id == str(row.id)
    page = morgan.get(done.headers["location"]).text
    assert "Homework set. It reaches the participant&#39;s app at its next sync." in page
    assert ('<th scope="row">Trigger log<span class="hint instructions">Note each trigger.\n'
            "And what you did.</span>") in page
    assert "Understanding triggers" in page
    assert "Mon 9 Mar 2026" in page and "Not done yet" in page
    # The participant's app receives it (the API's own feed); what it marks shows here.
    phone = clinic.phone(client, clinic.sam)
    feed = client.get("/api/v1/participant/changes", params={"after": 0},
                      headers=bearer(phone))
    assert feed.status_code == 200 and "Trigger log" in feed.text
    push(client, phone, record("homework_done", record_id=assignment_answer_id(row.id),
                               payload={"id": str(assignment_answer_id(row.id)),
                                        "assignment_id": str(row.id), "done": True,
                                        "done_on": "2026-03-05", "note": "Three triggers."}))
    page = morgan.get(page_of(clinic)).text
    assert "Done Thu 5 Mar 2026" in page and "<td>Three triggers.</td>" in page


def test_a_module_is_assigned_listed_and_withdrawn_after_confirming(
        clinic: Clinic, client: TestClient, sessions: sessionmaker[Session]) -> None:
    morgan = clinic.signed_in()
    token = csrf_of(morgan.get(page_of(clinic)).text)
    done = assign_module(morgan, clinic, token, module_id="sleep-and-recovery",
                         note="Before Thursday's group.", due_on="")
    assert done.status_code == 303
    [row] = module_rows(sessions)
    assert (row.module_id, row.note, row.due_on) == (
        "sleep-and-recovery", "Before Thursday's group.", None)
    page = morgan.get(done.headers["location"]).text
    assert "Module assigned." in page
    assert '<th scope="row">Sleep and recovery</th>' in page and "Not read yet" in page
    phone = clinic.phone(client, clinic.sam)
    push(client, phone, record("module_read", record_id=assignment_answer_id(row.id), payload={
        "assignment_id": str(row.id), "done_on": "2026-03-05",
        "module_id": "sleep-and-recovery"}))
    assert "Read Thu 5 Mar 2026" in morgan.get(page_of(clinic)).text
    withdraw = f"{page_of(clinic)}/modules/{row.id}/withdraw"
    confirm = morgan.post(withdraw, data={"csrf_token": token})
    assert confirm.status_code == 200
    assert "Withdraw “Sleep and recovery”?" in confirm.text and "Sam" in confirm.text
    assert module_rows(sessions)[0].status is AssignmentStatus.ASSIGNED
    withdrawn = morgan.post(withdraw, data={"csrf_token": token, "confirmed": "yes"},
                            follow_redirects=False)
    assert withdrawn.status_code == 303
    assert module_rows(sessions)[0].status is AssignmentStatus.WITHDRAWN
    page = morgan.get(withdrawn.headers["location"]).text
    assert "Module withdrawn." in page
    assert 'aria-label="Withdraw module “Sleep and recovery”…"' not in page
    assert len(audited(sessions, "clinician.module.assign")) == 2


def test_homework_is_withdrawn_only_after_confirming(
        clinic: Clinic, sessions: sessionmaker[Session]) -> None:
    morgan = clinic.signed_in()
    token = csrf_of(morgan.get(page_of(clinic)).text)
    set_homework(morgan, clinic, token, title="Call a support person")
    [row] = homework_rows(sessions)
    withdraw = f"{page_of(clinic)}/homework/{row.id}/withdraw"
    confirm = morgan.post(withdraw, data={"csrf_token": token})
    assert confirm.status_code == 200 and "Withdraw “Call a support person”?" in confirm.text
    assert homework_rows(sessions)[0].status is AssignmentStatus.ASSIGNED
    done = morgan.post(withdraw, data={"csrf_token": token, "confirmed": "yes"},
                       follow_redirects=False)
    assert done.status_code == 303
    assert homework_rows(sessions)[0].status is AssignmentStatus.WITHDRAWN
    page = morgan.get(done.headers["location"]).text
    assert "Homework withdrawn." in page and "<td>Withdrawn</td>" in page
    unknown = morgan.post(f"{page_of(clinic)}/homework/{uuid.uuid4()}/withdraw",
                          data={"csrf_token": token})
    assert unknown.status_code == 404 and "There is no such homework." in unknown.text


@pytest.mark.parametrize(("fields", "field_id", "why"), [
    ({"title": "   "}, "homework-title", "Type a title of 1 to 120 characters, on one line."),
    ({"title": "x" * 121}, "homework-title", "Type a title of 1 to 120 characters"),
    ({"title": "Log", "due_on": "next week"}, "homework-due", "Type the due date as a date"),
    ({"title": "Log", "due_on": "1900-01-01"}, "homework-due",
     "Choose a due date between 2000 and 2100"),
    ({"title": "Log", "module_id": "no-such-module"}, "homework-module",
     "Choose a module from the list, or “None”."),
    ({"title": "Log", "module_id": "Not An Id!"}, "homework-module",
     "Choose a module from the list"),
    ({"title": "Log", "instructions": "x" * 2001}, "homework-instructions",
     "Instructions can be up to 2,000 characters"),
])
def test_refused_homework_keeps_what_was_typed_and_says_why_beside_the_field(
        clinic: Clinic, sessions: sessionmaker[Session], fields: dict[str, str], field_id: str,
        why: str) -> None:
    morgan = clinic.signed_in()
    token = csrf_of(morgan.get(page_of(clinic)).text)
    typed = {"title": "Log", "instructions": "Keep it short.", **fields}
    refused = set_homework(morgan, clinic, token, **typed)
    assert refused.status_code == 422
    text = refused.text
    error = re.search(rf'<p class="error field-error" id="{field_id}-error">([^<]*)</p>', text)
    assert error and why in error.group(1).replace("&#34;", '"'), text
    assert f'aria-describedby="{field_id}-error"' in text
    assert "Homework not set. Please check:" in text and f'href="#{field_id}"' in text
    title = re.search(r'<input id="homework-title"[^>]*value="([^"]*)"', text)
    assert title and title.group(1) == typed["title"][:121]
    if "instructions" not in fields:
        assert ">Keep it short.</textarea>" in text
    if fields.get("due_on") == "next week":
        assert 'value="next week"' in text
    assert homework_rows(sessions) == []


def test_a_refused_module_keeps_what_was_typed(
        clinic: Clinic, sessions: sessionmaker[Session]) -> None:
    morgan = clinic.signed_in()
    token = csrf_of(morgan.get(page_of(clinic)).text)
    none_chosen = assign_module(morgan, clinic, token, note="Read this one.")
    assert none_chosen.status_code == 422
    assert 'id="module-module-error">Choose a module from the list.<' in none_chosen.text
    assert ">Read this one.</textarea>" in none_chosen.text
    unknown = assign_module(morgan, clinic, token, module_id="not-in-the-library",
                            due_on="2026-03-20")
    assert unknown.status_code == 422
    assert 'id="module-module-error">Choose a module from the list.<' in unknown.text
    assert re.search(r'<input id="module-due"[^>]*value="2026-03-20"', unknown.text)
    assert module_rows(sessions) == []
    [refusal] = [e for e in audited(sessions, "clinician.module.assign")
                 if e.reason == "unknown_module"]
    assert refusal.outcome.value == "failure"


def test_every_assignment_form_needs_the_sessions_csrf_token(
        clinic: Clinic, sessions: sessionmaker[Session]) -> None:
    morgan = clinic.signed_in()
    token = csrf_of(morgan.get(page_of(clinic)).text)
    set_homework(morgan, clinic, token, title="Walk")
    assign_module(morgan, clinic, token, module_id="riding-out-cravings")
    [homework], [module] = homework_rows(sessions), module_rows(sessions)
    others_token = csrf_of(clinic.signed_in(JO).get("/portal/alerts").text)
    forms = [
        (f"{page_of(clinic)}/homework", {"title": "Another"}),
        (f"{page_of(clinic)}/modules", {"module_id": "sleep-and-recovery"}),
        (f"{page_of(clinic)}/homework/{homework.id}/withdraw", {"confirmed": "yes"}),
        (f"{page_of(clinic)}/modules/{module.id}/withdraw", {"confirmed": "yes"}),
    ]
    for path, data in forms:
        for bad in (None, others_token, "0" * 64):
            body = data if bad is None else {**data, "csrf_token": bad}
            response = morgan.post(path, data=body, follow_redirects=False)
            assert response.status_code == 403, (path, bad, response.text)
    assert [h.status for h in homework_rows(sessions)] == [AssignmentStatus.ASSIGNED]
    assert [m.status for m in module_rows(sessions)] == [AssignmentStatus.ASSIGNED]
    assert len(audited(sessions, "portal.csrf_refused")) == len(forms) * 3


def test_another_clinics_participant_is_not_found_for_any_assignment(
        clinic: Clinic, sessions: sessionmaker[Session]) -> None:
    morgan = clinic.signed_in()
    token = csrf_of(morgan.get(page_of(clinic)).text)
    set_homework(morgan, clinic, token, title="Walk")
    assign_module(morgan, clinic, token, module_id="riding-out-cravings")
    [homework], [module] = homework_rows(sessions), module_rows(sessions)
    jo = clinic.signed_in(JO)
    jo_token = csrf_of(jo.get("/portal/alerts").text)
    attempts = [
        (f"{page_of(clinic)}/homework", {"title": "Not mine"}),
        (f"{page_of(clinic)}/homework", {"title": "  "}),  # refused form: still 404
        (f"{page_of(clinic)}/modules", {"module_id": "sleep-and-recovery"}),
        (f"{page_of(clinic)}/homework/{homework.id}/withdraw", {}),
        (f"{page_of(clinic)}/homework/{homework.id}/withdraw", {"confirmed": "yes"}),
        (f"{page_of(clinic)}/modules/{module.id}/withdraw", {}),
        (f"{page_of(clinic)}/modules/{module.id}/withdraw", {"confirmed": "yes"}),
    ]
    for path, data in attempts:
        response = jo.post(path, data={"csrf_token": jo_token, **data})
        assert response.status_code == 404, (path, data, response.text)
        assert "There is no such participant." in response.text
        assert "Walk" not in response.text and "Sam" not in response.text
    assert [h.title for h in homework_rows(sessions)] == ["Walk"]
    assert [m.status for m in module_rows(sessions)] == [AssignmentStatus.ASSIGNED]
    assert [h.status for h in homework_rows(sessions)] == [AssignmentStatus.ASSIGNED]


def test_participant_and_family_tokens_reach_no_assignment_form(
        clinic: Clinic, client: TestClient, sessions: sessionmaker[Session]) -> None:
    device_token = clinic.phone(client, clinic.sam)
    family_token = client.post("/api/v1/family/join", json={
        "code": clinic.records.invite(clinic.sam), "display_name": "Riley"}).json()["family_token"]
    for token in (None, device_token, family_token):
        browser = clinic.browser()
        if token is not None:
            browser.cookies.set(SESSION_COOKIE, token, path="/portal")
        headers = bearer(token) if token else {}
        for path, data in ((f"{page_of(clinic)}/homework", {"title": "Walk"}),
                           (f"{page_of(clinic)}/modules", {"module_id": "sleep-and-recovery"})):
            response = browser.post(path, headers=headers, follow_redirects=False,
                                    data={"csrf_token": "0" * 64, **data})
            assert response.status_code == 303, (path, token)
            assert response.headers["location"].startswith("/portal/sign-in")
    assert homework_rows(sessions) == [] and module_rows(sessions) == []


def test_homework_can_ask_for_an_exercise_and_the_page_shows_practice(
        clinic: Clinic, client: TestClient, sessions: sessionmaker[Session]) -> None:
    morgan = clinic.signed_in()
    page = morgan.get(page_of(clinic)).text
    assert '<label for="homework-exercise">Practice exercise (optional)</label>' in page
    assert '<option value="box-breathing">Box breathing</option>' in page
    assert "No practice sessions yet." in page
    token = csrf_of(page)

    # An exercise the app does not have is refused beside its own field, typing kept.
    refused = set_homework(morgan, clinic, token, title="Breathe", exercise_id="hot-yoga")
    assert refused.status_code == 422
    assert "Choose an exercise from the list" in refused.text
    assert 'value="Breathe"' in refused.text
    assert homework_rows(sessions) == []

    done = set_homework(morgan, clinic, token, title="Breathe before bed",
                        exercise_id="box-breathing")
    assert done.status_code == 303, done.text
    [row] = homework_rows(sessions)
    assert row.exercise_id == "box-breathing"
    assert "Exercise: Box breathing" in morgan.get(page_of(clinic)).text

    # The app's practice session, done for that homework, is listed with its minutes.
    phone = clinic.phone(client, clinic.sam)
    session_id = str(uuid.uuid4())
    push(client, phone, record("practice_session", record_id=uuid.UUID(session_id), payload={
        "id": session_id, "exercise_id": "box-breathing",
        "started_at": "2026-03-04T21:30:00-06:00", "planned_minutes": 3,
        "seconds_completed": 150, "ended_early": True, "rating_kind": "distress",
        "rating_before": 7, "rating_after": 4, "homework_id": str(row.id)}))
    page = morgan.get(page_of(clinic)).text
    assert "No practice sessions yet." not in page
    assert '<th scope="row">Box breathing</th>' in page
    assert "2.5 of 3 (stopped early)" in page
    assert "distress 7/10" in page and "distress 4/10" in page


def test_the_participant_s_coping_logs_show_on_their_page(
        clinic: Clinic, client: TestClient) -> None:
    morgan = clinic.signed_in()
    page = morgan.get(page_of(clinic)).text
    assert "No diary cards yet." in page and "No urge logs yet." in page
    assert "No thought records yet." in page
    envelope = {"created_at": "2026-03-04T14:50:00.000000+00:00",
                "updated_at": "2026-03-04T14:50:00.000000+00:00", "schema_version": 1}
    phone = clinic.phone(client, clinic.sam)
    for kind, content in (("diary_card", card(urges=urge("self_harm", 2))),
                          ("urge_log", urge_log()), ("thought_record", thought())):
        log_id = uuid.uuid4()
        push(client, phone, record(kind, record_id=log_id,
                                   payload={"id": str(log_id), **envelope, **content}))
    page = morgan.get(page_of(clinic)).text
    assert '<span class="flag">Self-harm 2</span>' in page  # an urge above 0 stands out
    assert "Use 3" in page and "Wise mind 7" in page and "Hard afternoon, better evening." in page
    assert "7, then 3 (20 min)" in page and "Places: Drove past the old bar" in page
    assert "Pulled over, breathed, called my sister." in page
    assert "Nobody cares whether I make it." in page and "Mind reading, Overgeneralising" in page
