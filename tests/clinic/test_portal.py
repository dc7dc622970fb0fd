"""The staff portal's pages (/portal), served by the clinic app on SQLite and PostgreSQL:
sign-in with the API's accounts, throttles and single failure message; the session cookie
and its flags; CSRF on every form; the same refusals as the API (another clinic's
participant, a clinician on an administrator's page, a disabled account, an idle session,
a one-time password); and the same audit rows."""

from __future__ import annotations

import re
import uuid
import warnings
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from iop_companion.clinic import throttle
from iop_companion.clinic.models import Alert, AuditEntry, Participant, Staff, StaffRole
from iop_companion.clinic.portal.web import SESSION_COOKIE, SIGN_IN_COOKIE
from tests.clinic.clinic_testing import CLINICIAN_PASSWORD, FakeClock, Records, bearer
from tests.clinic.sync_records import PUSH, check_in_payload, record, safety_flag

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=".*httpx2", category=UserWarning)
    from fastapi.testclient import TestClient

MORGAN = "morgan@northside.example"
ADMIN = "ada@northside.example"
JO = "jo@southside.example"
_HIDDEN_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(page: str) -> str:
    found = _HIDDEN_TOKEN.search(page)
    assert found, page
    return found.group(1)


def sign_in(client: TestClient, email: str, password: str = CLINICIAN_PASSWORD) -> Any:
    form = client.get("/portal/sign-in")
    return client.post("/portal/sign-in", follow_redirects=False,
                       data={"email": email, "password": password,
                             "csrf_token": csrf_of(form.text)})


def audited(sessions: sessionmaker[Session], action: str) -> list[AuditEntry]:
    with sessions() as session:
        return list(session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)
                                    .order_by(AuditEntry.id)))


class Clinic:
    """Two clinics: Northside (Morgan, a clinician; Ada, an administrator; Sam, a
    participant) and Southside (Jo, a clinician; Kim, a participant)."""

    def __init__(self, app: FastAPI, records: Records) -> None:
        self.app, self.records = app, records
        self.north = records.clinic()
        self.south = records.clinic("Southside Clinic")
        self.morgan = records.clinician(self.north, MORGAN)
        self.ada = records.clinician(self.north, ADMIN, role=StaffRole.ADMINISTRATOR)
        records.clinician(self.south, JO)
        self.sam = records.participant(self.north, "Sam")
        self.kim = records.participant(self.south, "Kim")

    def browser(self, base_url: str = "http://localhost") -> TestClient:
        return TestClient(self.app, base_url=base_url)

    def signed_in(self, email: str = MORGAN) -> TestClient:
        browser = self.browser()
        response = sign_in(browser, email)
        assert response.status_code == 303, response.text
        return browser

    def phone(self, client: TestClient, participant: Participant) -> str:
        code = self.records.code(participant)
        response = client.post("/api/v1/enrolments",
                               json={"code": code, "device_label": "Sam's phone"})
        assert response.status_code == 201, response.text
        token: str = response.json()["access_token"]
        return token


@pytest.fixture
def clinic(app: FastAPI, records: Records) -> Clinic:
    return Clinic(app, records)


def push(client: TestClient, token: str, *pushed: dict[str, Any]) -> None:
    response = client.post(PUSH, json={"records": list(pushed)}, headers=bearer(token))
    assert response.status_code == 200, response.text
    assert {r["outcome"] for r in response.json()["results"]} == {"stored"}, response.text


def phq9(answers: list[int], clock: FakeClock) -> dict[str, Any]:
    stamp = (clock.now - timedelta(minutes=5)).isoformat()
    return record("measure_result", payload={
        "id": str(uuid.uuid4()), "created_at": stamp, "schema_version": 1,
        "measure": "phq9", "answers": answers, "completed_at": stamp})


PAGES = ("/portal/alerts", "/portal/participants", "/portal/participants/new",
         "/portal/password", "/portal/admin/staff", "/portal/admin/audit")


# --- Signing in ---------------------------------------------------------------------------


def test_sign_in_sets_a_strict_http_only_cookie_and_lands_on_the_alerts(
        clinic: Clinic, sessions: sessionmaker[Session]) -> None:
    browser = clinic.browser()
    response = sign_in(browser, MORGAN)
    assert response.status_code == 303
    assert response.headers["location"] == "/portal/alerts"
    cookie = next(value for value in response.headers.get_list("set-cookie")
                  if value.startswith(f"{SESSION_COOKIE}="))
    flags = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "samesite=strict", "path=/portal"} <= flags
    assert "secure" not in flags  # plain http to this computer only
    page = browser.get("/portal/alerts")
    assert page.status_code == 200
    assert "<h1>Alerts</h1>" in page.text and "Signed in as Morgan Lee" in page.text
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert page.headers["cache-control"] == "no-store"
    [entry] = [e for e in audited(sessions, "staff.sign_in") if e.outcome.value == "success"]
    assert entry.actor == f"staff:{clinic.morgan.id}"


@pytest.mark.parametrize("base_url", ["http://clinic.example", "https://clinic.example"])
def test_the_cookie_is_secure_anywhere_but_plain_http_to_this_computer(
        clinic: Clinic, base_url: str) -> None:
    browser = clinic.browser(base_url)
    form = browser.get("/portal/sign-in")
    sign_in_cookie = next(value for value in form.headers.get_list("set-cookie")
                          if value.startswith(f"{SIGN_IN_COOKIE}="))
    assert "secure" in sign_in_cookie.lower().split("; ")
    # A browser sends a Secure cookie back over https only; this test client over plain
    # http would not, so the test sends it itself.
    response = browser.post("/portal/sign-in", follow_redirects=False,
                            headers={"Cookie": sign_in_cookie.split(";")[0]},
                            data={"email": MORGAN, "password": CLINICIAN_PASSWORD,
                                  "csrf_token": csrf_of(form.text)})
    assert response.status_code == 303, response.text
    cookie = next(value for value in response.headers.get_list("set-cookie")
                  if value.startswith(f"{SESSION_COOKIE}="))
    assert "secure" in cookie.lower().split("; ")


def test_a_wrong_email_and_a_wrong_password_get_the_same_one_message(
        clinic: Clinic, sessions: sessionmaker[Session]) -> None:
    browser = clinic.browser()
    wrong_password = sign_in(browser, MORGAN, "not the password at all")
    unknown = sign_in(browser, "nobody@northside.example")
    assert wrong_password.status_code == unknown.status_code == 401
    message = "That email and password do not match an account."
    assert message in wrong_password.text and message in unknown.text
    assert SESSION_COOKIE not in browser.cookies
    reasons = [e.reason for e in audited(sessions, "staff.sign_in")]
    assert reasons == ["wrong_password", "unknown_email"]


def test_wrong_passwords_lock_the_account_as_in_the_api(clinic: Clinic) -> None:
    browser = clinic.browser()
    for _ in range(throttle.SIGN_IN_PER_ACCOUNT.free_failures + 1):  # the last one locks
        assert sign_in(browser, MORGAN, "wrong password here").status_code == 401
    locked = sign_in(browser, MORGAN)  # even the right password, while locked
    assert locked.status_code == 429 and "Retry-After" in locked.headers
    assert "Too many attempts" in locked.text


def test_the_sign_in_form_needs_its_own_token(clinic: Clinic) -> None:
    browser = clinic.browser()
    response = browser.post("/portal/sign-in", follow_redirects=False,
                            data={"email": MORGAN, "password": CLINICIAN_PASSWORD})
    assert response.status_code == 403
    assert SESSION_COOKIE not in browser.cookies


def test_signing_out_ends_the_session(clinic: Clinic, sessions: sessionmaker[Session]) -> None:
    browser = clinic.signed_in()
    token = browser.cookies[SESSION_COOKIE]
    page = browser.get("/portal/alerts")
    out = browser.post("/portal/sign-out", data={"csrf_token": csrf_of(page.text)},
                       follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"].startswith("/portal/sign-in")
    # The token itself no longer opens anything, in the portal or the API.
    again = clinic.browser()
    again.cookies.set(SESSION_COOKIE, token, path="/portal")
    assert again.get("/portal/alerts", follow_redirects=False).status_code == 303
    assert again.get("/api/v1/clinician/alerts", headers=bearer(token)).status_code == 401
    assert audited(sessions, "staff.sign_out")


# --- Who reaches which page ---------------------------------------------------------------


def test_no_cookie_and_participant_or_family_tokens_reach_no_portal_page(
        clinic: Clinic, client: TestClient) -> None:
    device_token = clinic.phone(client, clinic.sam)
    family_token = client.post("/api/v1/family/join", json={
        "code": clinic.records.invite(clinic.sam), "display_name": "Riley"}).json()["family_token"]
    for token in (None, device_token, family_token):
        browser = clinic.browser()
        if token is not None:
            browser.cookies.set(SESSION_COOKIE, token, path="/portal")
        for path in (*PAGES, f"/portal/participants/{clinic.sam.id}"):
            response = browser.get(path, headers=bearer(token) if token else {},
                                   follow_redirects=False)
            assert response.status_code == 303, (path, token)
            assert response.headers["location"].startswith("/portal/sign-in")


def test_another_clinics_participant_is_not_found(
        clinic: Clinic, sessions: sessionmaker[Session]) -> None:
    jo = clinic.signed_in(JO)
    page = jo.get(f"/portal/participants/{clinic.sam.id}")
    assert page.status_code == 404
    assert "There is no such participant." in page.text and "Sam" not in page.text
    token = csrf_of(jo.get("/portal/alerts").text)
    issued = jo.post(f"/portal/participants/{clinic.sam.id}/enrolment-code",
                     data={"csrf_token": token})
    assert issued.status_code == 404
    reasons = {(e.action, e.reason) for e in audited(sessions, "clinician.participant.read")}
    assert ("clinician.participant.read", "not_found") in reasons


def test_a_clinician_gets_403_on_the_administrators_pages(
        clinic: Clinic, sessions: sessionmaker[Session]) -> None:
    morgan = clinic.signed_in()
    for path in ("/portal/admin/staff", "/portal/admin/audit"):
        response = morgan.get(path)
        assert response.status_code == 403, path
        assert "Only an administrator" in response.text
    assert "Audit log" not in morgan.get("/portal/alerts").text  # not offered either
    token = csrf_of(morgan.get("/portal/alerts").text)
    added = morgan.post("/portal/admin/staff", data={
        "csrf_token": token, "email": "new@northside.example", "display_name": "New",
        "role": "administrator"})
    assert added.status_code == 403
    refusals = [e for e in audited(sessions, "staff.authenticate")
                if e.reason == "not_an_administrator"]
    assert len(refusals) == 3


def test_a_disabled_account_is_refused_at_once(clinic: Clinic) -> None:
    morgan = clinic.signed_in()
    assert morgan.get("/portal/alerts").status_code == 200
    ada = clinic.signed_in(ADMIN)
    staff_page = ada.get("/portal/admin/staff")
    disabled = ada.post(f"/portal/admin/staff/{clinic.morgan.id}/disable",
                        data={"csrf_token": csrf_of(staff_page.text)})
    assert disabled.status_code == 200 and "Account disabled" in disabled.text
    refused = morgan.get("/portal/alerts", follow_redirects=False)
    assert refused.status_code == 303
    assert refused.headers["location"] == "/portal/sign-in?ended=1"
    assert sign_in(clinic.browser(), MORGAN).status_code == 401


def test_an_idle_session_ends_as_in_the_api(clinic: Clinic, clock: FakeClock) -> None:
    morgan = clinic.signed_in()
    clock.advance(timedelta(minutes=31))
    response = morgan.get("/portal/participants", follow_redirects=False)
    assert response.headers["location"] == "/portal/sign-in?ended=1"


# --- CSRF --------------------------------------------------------------------------------


def test_every_form_needs_the_sessions_csrf_token(
        clinic: Clinic, client: TestClient, sessions: sessionmaker[Session]) -> None:
    push(client, clinic.phone(client, clinic.sam), safety_flag())
    with sessions() as session:
        alert_id = session.scalars(sa.select(Alert.id)).one()
    morgan = clinic.signed_in()
    jo = clinic.signed_in(JO)
    others_token = csrf_of(jo.get("/portal/alerts").text)
    forms = [
        (f"/portal/alerts/{alert_id}/acknowledge", {"note": "Called Sam."}),
        ("/portal/participants/new", {"display_name": "Pat"}),
        (f"/portal/participants/{clinic.sam.id}/enrolment-code", {}),
        (f"/portal/participants/{clinic.sam.id}/devices/revoke", {"confirmed": "yes"}),
        (f"/portal/participants/{clinic.sam.id}/discharge",
         {"discharged_on": "2026-03-04", "confirmed": "yes"}),
        ("/portal/password", {"current_password": CLINICIAN_PASSWORD,
                              "new_password": "a brand new password",
                              "repeat_password": "a brand new password"}),
        ("/portal/sign-out", {}),
    ]
    for path, data in forms:
        for token in (None, others_token, "0" * 64):
            body = data if token is None else {**data, "csrf_token": token}
            response = morgan.post(path, data=body, follow_redirects=False)
            assert response.status_code == 403, (path, token, response.text)
    with sessions() as session:
        alert = session.get_one(Alert, alert_id)
        assert alert.acknowledged_at is None
        assert session.scalar(sa.select(sa.func.count()).select_from(Participant)) == 2
    assert len(audited(sessions, "portal.csrf_refused")) == len(forms) * 3
    assert morgan.get("/portal/alerts").status_code == 200  # still signed in


# --- Alerts ------------------------------------------------------------------------------


def test_alerts_are_grouped_most_urgent_first_and_acknowledged_with_a_note(
        clinic: Clinic, client: TestClient, records: Records,
        sessions: sessionmaker[Session]) -> None:
    pat = records.participant(clinic.north, "Pat")
    push(client, clinic.phone(client, clinic.sam), safety_flag("phq9_item9"))
    pat_phone = clinic.phone(client, pat)
    push(client, pat_phone, safety_flag("participant_request"))
    push(client, pat_phone, safety_flag("participant_request"))
    push(client, clinic.phone(client, clinic.kim), safety_flag("participant_request"))
    morgan = clinic.signed_in()
    page = morgan.get("/portal/alerts").text
    assert "Kim" not in page  # another clinic's
    assert page.index(">Pat</a>") < page.index(">Sam</a>")  # a request for support first
    assert "Asked the clinic for support" in page and "PHQ-9 question 9" in page
    with sessions() as session:
        sams = session.scalars(sa.select(Alert).where(Alert.participant_id == clinic.sam.id)
                               ).one()
    path = f"/portal/alerts/{sams.id}/acknowledge"
    blank = morgan.post(path, data={"csrf_token": csrf_of(page), "note": "  "})
    assert blank.status_code == 422 and "Write a note" in blank.text
    done = morgan.post(path, data={"csrf_token": csrf_of(page), "note": "Called Sam; safe."},
                       follow_redirects=False)
    assert done.status_code == 303
    after = morgan.get(done.headers["location"]).text
    assert "Alert acknowledged" in after and ">Sam</a>" not in after and ">Pat</a>" in after
    with sessions() as session:
        alert = session.get_one(Alert, sams.id)
        assert alert.acknowledged_by == clinic.morgan.id
        assert alert.acknowledgement_note == "Called Sam; safe."
    [entry] = audited(sessions, "alert.acknowledge")
    assert entry.actor == f"staff:{clinic.morgan.id}" and entry.record_id == str(sams.id)
    reads = audited(sessions, "clinician.alerts.read")
    assert {e.record_id for e in reads} >= {str(clinic.sam.id), str(pat.id)}
    # Another clinic's alert cannot be acknowledged from here.
    jo = clinic.signed_in(JO)
    with sessions() as session:
        pats = session.scalars(sa.select(Alert).where(Alert.participant_id == pat.id)).one()
    refused = jo.post(f"/portal/alerts/{pats.id}/acknowledge",
                      data={"csrf_token": csrf_of(jo.get("/portal/alerts").text),
                            "note": "Not mine."})
    assert refused.status_code == 404


# --- Participants ------------------------------------------------------------------------


def test_adding_a_participant_and_enrolling_a_device(
        clinic: Clinic, client: TestClient, sessions: sessionmaker[Session]) -> None:
    morgan = clinic.signed_in()
    form = morgan.get("/portal/participants/new")
    bad = morgan.post("/portal/participants/new", data={
        "csrf_token": csrf_of(form.text), "display_name": "Pat", "program_start": "2026-03-09",
        "program_end": "2026-03-01"})
    assert bad.status_code == 422 and "Program end" in bad.text
    added = morgan.post("/portal/participants/new", follow_redirects=False, data={
        "csrf_token": csrf_of(form.text), "display_name": "Pat", "program_start": "2026-03-09",
        "program_end": ""})
    assert added.status_code == 303
    page = morgan.get(added.headers["location"])
    assert "<h1>Pat</h1>" in page.text and "Participant added" in page.text
    with sessions() as session:
        pat = session.scalars(sa.select(Participant).where(Participant.display_name == "Pat")
                              ).one()
    listing = morgan.get("/portal/participants").text
    assert ">Pat</a>" in listing and ">Sam</a>" in listing and "Kim" not in listing
    issued = morgan.post(f"/portal/participants/{pat.id}/enrolment-code",
                         data={"csrf_token": csrf_of(listing)})
    assert issued.status_code == 200
    code = re.search(r'id="enrolment-code">([A-Z0-9]{4}-[A-Z0-9]{4})<', issued.text)
    assert code, issued.text
    assert f"http://localhost/enrol#code={code.group(1)}" in issued.text
    assert "<svg" in issued.text and "QR code of the enrolment link" in issued.text
    enrolled = client.post("/api/v1/enrolments",
                           json={"code": code.group(1), "device_label": "Pat's phone"})
    assert enrolled.status_code == 201
    assert [e.record_id for e in audited(sessions, "enrolment_code.issue")] == [str(pat.id)]
    assert audited(sessions, "participant.create")


def test_the_participant_page_shows_check_ins_results_and_plans(
        clinic: Clinic, client: TestClient, clock: FakeClock,
        sessions: sessionmaker[Session]) -> None:
    phone = clinic.phone(client, clinic.sam)
    push(client, phone, record(payload=check_in_payload(mood=4, craving=7,
                                                        note="Hard day at work.")))
    push(client, phone, phq9([1, 1, 2, 1, 0, 1, 1, 0, 1], clock))
    push(client, phone, record("safety_plan", payload={
        "id": str(uuid.uuid4()), "warning_signs": ["Not sleeping"],
        "most_important": "My daughter"}))
    morgan = clinic.signed_in()
    page = morgan.get(f"/portal/participants/{clinic.sam.id}")
    assert page.status_code == 200, page.text
    text = page.text
    assert 'aria-labelledby="mood-title mood-desc"' in text
    assert "Hard day at work." in text
    assert re.search(r"<td>4</td>\s*<td>7</td>\s*<td>7.5</td>", text), text
    assert "PHQ-9" in text and "Mild" in text and "Question 9 answered 1" in text
    assert "Not sleeping" in text and "My daughter" in text
    assert "No aftercare plan yet." in text
    for action in ("clinician.participant.read", "clinician.check_ins.read",
                   "clinician.measure_results.read", "clinician.safety_plan.read",
                   "clinician.relapse_plan.read", "clinician.lapse_reviews.read",
                   "clinician.goals.read", "clinician.aftercare.read",
                   "clinician.homework.read", "clinician.devices.read"):
        [entry] = audited(sessions, action)
        assert (entry.actor, entry.record_id, entry.outcome.value) == (
            f"staff:{clinic.morgan.id}", str(clinic.sam.id), "success"), action


def test_disconnecting_devices_and_discharge_ask_to_confirm_first(
        clinic: Clinic, client: TestClient, sessions: sessionmaker[Session]) -> None:
    phone = clinic.phone(client, clinic.sam)
    morgan = clinic.signed_in()
    page = morgan.get(f"/portal/participants/{clinic.sam.id}").text
    token = csrf_of(page)
    revoke = f"/portal/participants/{clinic.sam.id}/devices/revoke"
    confirm = morgan.post(revoke, data={"csrf_token": token})
    assert confirm.status_code == 200 and "Disconnect every device?" in confirm.text
    assert client.get("/api/v1/participant/profile", headers=bearer(phone)).status_code == 200
    done = morgan.post(revoke, data={"csrf_token": token, "confirmed": "yes"},
                       follow_redirects=False)
    assert done.status_code == 303
    assert client.get("/api/v1/participant/profile", headers=bearer(phone)).status_code == 401
    discharge = f"/portal/participants/{clinic.sam.id}/discharge"
    confirm = morgan.post(discharge, data={"csrf_token": token, "discharged_on": "2026-03-04"})
    assert confirm.status_code == 200 and "Discharge Sam?" in confirm.text
    with sessions() as session:
        assert session.get_one(Participant, clinic.sam.id).discharged_on is None
    morgan.post(discharge, data={"csrf_token": token, "discharged_on": "2026-03-04",
                                 "confirmed": "yes"})
    with sessions() as session:
        assert str(session.get_one(Participant, clinic.sam.id).discharged_on) == "2026-03-04"
    assert audited(sessions, "participant.discharge")
    assert audited(sessions, "device.revoke")


# --- Administrators ----------------------------------------------------------------------


def test_an_administrator_adds_staff_who_must_choose_a_password(
        clinic: Clinic, sessions: sessionmaker[Session]) -> None:
    ada = clinic.signed_in(ADMIN)
    page = ada.get("/portal/admin/staff")
    assert page.status_code == 200 and "Morgan Lee" in page.text and "jo@" not in page.text
    added = ada.post("/portal/admin/staff", data={
        "csrf_token": csrf_of(page.text), "email": "casey@northside.example",
        "display_name": "Casey Park", "role": "clinician"})
    assert added.status_code == 201
    password = re.search(r'id="one-time-password">([A-Z0-9-]+)<', added.text)
    assert password, added.text
    taken = ada.post("/portal/admin/staff", data={
        "csrf_token": csrf_of(page.text), "email": "casey@northside.example",
        "display_name": "Casey Again", "role": "clinician"})
    assert taken.status_code == 409 and "already exists" in taken.text

    casey = clinic.browser()
    assert sign_in(casey, "casey@northside.example", password.group(1)).status_code == 303
    first = casey.get("/portal/alerts", follow_redirects=False)
    assert first.headers["location"] == "/portal/password"
    form = casey.get("/portal/password")
    assert "Choose your own password" in form.text
    short = casey.post("/portal/password", data={
        "csrf_token": csrf_of(form.text), "current_password": password.group(1),
        "new_password": "short", "repeat_password": "short"})
    assert short.status_code == 422 and "at least 12 characters" in short.text
    changed = casey.post("/portal/password", follow_redirects=False, data={
        "csrf_token": csrf_of(form.text), "current_password": password.group(1),
        "new_password": "casey's own long password",
        "repeat_password": "casey's own long password"})
    assert changed.status_code == 303
    assert casey.get("/portal/alerts").status_code == 200

    audit = ada.get("/portal/admin/audit")
    assert audit.status_code == 200
    for action in ("staff.create", "staff.password_change", "staff.sign_in"):
        assert action in audit.text
    assert audited(sessions, "admin.audit.read")
    with sessions() as session:
        casey_row = session.scalars(sa.select(Staff).where(Staff.display_name == "Casey Park")
                                    ).one()
    reset = ada.post(f"/portal/admin/staff/{casey_row.id}/reset-password",
                     data={"csrf_token": csrf_of(page.text)})
    assert reset.status_code == 200 and "New one-time password for Casey Park" in reset.text
    assert casey.get("/portal/alerts", follow_redirects=False).status_code == 303
    own = ada.post(f"/portal/admin/staff/{clinic.ada.id}/disable",
                   data={"csrf_token": csrf_of(page.text)})
    assert own.status_code == 409


def test_the_portal_is_not_in_the_api_document(client: TestClient) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert not [path for path in paths if "portal" in path]
    css = client.get("/portal/static/portal.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
