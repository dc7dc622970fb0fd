"""The portal's clinic settings page (/portal/settings): the clinic's details shown, the
questionnaire schedule, the support response time and the alert thresholds saved through
the API's own route functions (same bounds, same audit rows), a refused value named
beside its field with what was typed kept, CSRF on each form, and no way in for a
participant's or family member's token. On SQLite and PostgreSQL."""

from __future__ import annotations

import re
import warnings

import pytest
from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from iop_companion.clinic.models import Clinic as ClinicRow
from iop_companion.clinic.portal.web import SESSION_COOKIE
from tests.clinic.clinic_testing import Records, bearer
from tests.clinic.test_portal import JO, Clinic, audited, csrf_of

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=".*httpx2", category=UserWarning)
    from fastapi.testclient import TestClient

SETTINGS = "/portal/settings"
FORMS = {
    "/portal/settings/measure-schedule": {"phq9": "7", "gad7": "", "bam": "3"},
    "/portal/settings/support-response": {"hours": "24"},
    "/portal/settings/alert-thresholds": {"phq9_total_at_least": "15"},
}


@pytest.fixture
def clinic(app: FastAPI, records: Records) -> Clinic:
    return Clinic(app, records)


def clinic_row(sessions: sessionmaker[Session], clinic: Clinic) -> ClinicRow:
    with sessions() as session:
        return session.get_one(ClinicRow, clinic.north.id)


def field(page: str, field_id: str) -> str:
    """The opening tag of the input with this id."""
    found = re.search(rf'<input id="{field_id}"[^>]*>', page)
    assert found, page
    return found.group(0)


def test_the_page_shows_the_clinic_and_its_settings_with_defaults_and_bounds(
        clinic: Clinic) -> None:
    morgan = clinic.signed_in()
    page = morgan.get(SETTINGS)
    assert page.status_code == 200
    text = page.text
    assert "<h1>Clinic settings</h1>" in text
    assert 'href="/portal/settings" aria-current="page">Settings</a>' in text
    for shown in ("Northside Clinic", "10 Example Street, Springfield, IL 62701",
                  "+1 (555) 010-1000", "+1 (555) 010-1999", "America/Chicago"):
        assert shown in text, shown
    # Nothing set yet: the measure boxes are empty and name the app's defaults.
    assert 'value=""' in field(text, "measure-phq9")
    assert "App default: every 14 days" in text and "App default: every 7 days" in text
    assert 'value=""' in field(text, "support-hours")
    # Each threshold shows what is in use, the program's default and what is allowed.
    assert 'value="20"' in field(text, "threshold-phq9_total_at_least")
    assert "A PHQ-9 total (0 to 27) of this many points or more." in text
    assert re.search(r'id="threshold-phq9_total_at_least-allowed">10 to 27 points<', text)
    assert re.search(r'id="threshold-craving_at_least-allowed">5 to 10 on the 0 to 10 scale<',
                     text)
    assert "PHQ-9 question 9 answered above 0" in text  # always alerts, no threshold
    # Any staff member reaches it, and the navigation offers it: a clinician as in the API.
    assert clinic.signed_in("ada@northside.example").get(SETTINGS).status_code == 200


def test_saving_the_questionnaire_schedule(clinic: Clinic, sessions: sessionmaker[Session],
                                           client: TestClient) -> None:
    morgan = clinic.signed_in()
    token = csrf_of(morgan.get(SETTINGS).text)
    saved = morgan.post("/portal/settings/measure-schedule", follow_redirects=False,
                        data={"csrf_token": token, "phq9": " 7 ", "gad7": "", "bam": "3"})
    assert saved.status_code == 303
    assert saved.headers["location"] == "/portal/settings?done=measures#measures"
    assert clinic_row(sessions, clinic).measure_interval_days == {"phq9": 7, "bam": 3}
    page = morgan.get(saved.headers["location"]).text
    assert "Questionnaire schedule saved." in page
    assert 'value="7"' in field(page, "measure-phq9")
    assert 'value=""' in field(page, "measure-gad7")
    [entry] = audited(sessions, "clinic.measure_schedule.change")
    assert entry.actor == f"staff:{clinic.morgan.id}"
    # Emptying a box goes back to the app's default.
    morgan.post("/portal/settings/measure-schedule",
                data={"csrf_token": token, "phq9": "", "gad7": "", "bam": "3"})
    assert clinic_row(sessions, clinic).measure_interval_days == {"bam": 3}


@pytest.mark.parametrize("typed", ["0", "91", "seven", "-3", "7.5", "1e2", "99999999999"])
def test_a_refused_interval_is_named_beside_its_box_and_kept(
        clinic: Clinic, sessions: sessionmaker[Session], typed: str) -> None:
    morgan = clinic.signed_in()
    token = csrf_of(morgan.get(SETTINGS).text)
    refused = morgan.post("/portal/settings/measure-schedule",
                          data={"csrf_token": token, "phq9": "10", "gad7": typed, "bam": ""})
    assert refused.status_code == 422
    text = refused.text
    gad7 = field(text, "measure-gad7")
    assert f'value="{typed}"' in gad7 and 'aria-invalid="true"' in gad7
    assert 'value="10"' in field(text, "measure-phq9")  # the rest of what was typed too
    assert 'aria-invalid' not in field(text, "measure-phq9")
    assert re.search(r'<p class="error field-error" id="measure-gad7-error">Type a whole '
                     r"number of days from 1 to 90, or leave it empty for the app&#39;s "
                     r"default\.</p>", text), text
    assert "Nothing was saved." in text
    assert '<li><a href="#measure-gad7">GAD-7 (anxiety)</a></li>' in text  # the summary
    assert clinic_row(sessions, clinic).measure_interval_days == {}


def test_saving_and_clearing_the_support_response_time(
        clinic: Clinic, sessions: sessionmaker[Session]) -> None:
    morgan = clinic.signed_in()
    token = csrf_of(morgan.get(SETTINGS).text)
    saved = morgan.post("/portal/settings/support-response", follow_redirects=False,
                        data={"csrf_token": token, "hours": "24"})
    assert saved.status_code == 303
    assert clinic_row(sessions, clinic).support_response_hours == 24
    page = morgan.get(saved.headers["location"]).text
    assert "Response time saved." in page and 'value="24"' in field(page, "support-hours")
    refused = morgan.post("/portal/settings/support-response",
                          data={"csrf_token": token, "hours": "200"})
    assert refused.status_code == 422
    assert 'value="200"' in field(refused.text, "support-hours")
    assert "Type a whole number of hours from 1 to 168" in refused.text
    assert clinic_row(sessions, clinic).support_response_hours == 24
    morgan.post("/portal/settings/support-response", data={"csrf_token": token, "hours": ""})
    assert clinic_row(sessions, clinic).support_response_hours is None
    assert len(audited(sessions, "clinic.support_response.change")) == 2


def test_saving_alert_thresholds_and_a_refused_one(
        clinic: Clinic, sessions: sessionmaker[Session], client: TestClient) -> None:
    morgan = clinic.signed_in()
    token = csrf_of(morgan.get(SETTINGS).text)
    values = {"phq9_total_at_least": "15", "phq9_rise_at_least": "5",
              "use_after_days_without": "7", "craving_at_least": "9",
              "craving_days_running": "3", "days_without_check_in": "",
              "missed_sessions_in_a_row": "2"}
    saved = morgan.post("/portal/settings/alert-thresholds", follow_redirects=False,
                        data={"csrf_token": token, **values})
    assert saved.status_code == 303
    stored = clinic_row(sessions, clinic).alert_thresholds
    assert stored["phq9_total_at_least"] == 15 and stored["craving_at_least"] == 9
    assert "days_without_check_in" not in stored  # empty: the program's default
    page = morgan.get(saved.headers["location"]).text
    assert "Alert thresholds saved." in page
    assert 'value="15"' in field(page, "threshold-phq9_total_at_least")
    assert 'value="3"' in field(page, "threshold-days_without_check_in")  # the default
    [entry] = audited(sessions, "clinic.alert_thresholds.change")
    assert entry.actor == f"staff:{clinic.morgan.id}"
    # The API reads what the page saved.
    api = client.get("/api/v1/clinician/clinic/alert-thresholds",
                     headers=bearer(morgan.cookies[SESSION_COOKIE]))
    assert api.json()["thresholds"]["phq9_total_at_least"] == 15

    refused = morgan.post("/portal/settings/alert-thresholds", data={
        "csrf_token": token, **values, "craving_at_least": "3", "phq9_rise_at_least": "lots"})
    assert refused.status_code == 422
    text = refused.text
    craving = field(text, "threshold-craving_at_least")
    assert 'value="3"' in craving and 'aria-invalid="true"' in craving
    assert 'value="lots"' in field(text, "threshold-phq9_rise_at_least")
    assert re.search(r'id="threshold-craving_at_least-error">Type a whole number from 5 to '
                     r"10, or leave it empty for the program&#39;s default\.<", text)
    assert re.search(r'id="threshold-phq9_rise_at_least-error">Type a whole number from 3 '
                     r"to 27", text)
    assert 'value="15"' in field(text, "threshold-phq9_total_at_least")  # kept as typed
    assert clinic_row(sessions, clinic).alert_thresholds["craving_at_least"] == 9


def test_every_settings_form_needs_the_sessions_csrf_token(
        clinic: Clinic, sessions: sessionmaker[Session]) -> None:
    morgan = clinic.signed_in()
    others_token = csrf_of(clinic.signed_in(JO).get("/portal/alerts").text)
    for path, data in FORMS.items():
        for token in (None, others_token, "0" * 64):
            body = data if token is None else {**data, "csrf_token": token}
            response = morgan.post(path, data=body, follow_redirects=False)
            assert response.status_code == 403, (path, token, response.text)
    row = clinic_row(sessions, clinic)
    assert (row.measure_interval_days, row.support_response_hours, row.alert_thresholds) == (
        {}, None, {})
    assert len(audited(sessions, "portal.csrf_refused")) == len(FORMS) * 3


def test_participant_and_family_tokens_and_no_cookie_reach_no_settings(
        clinic: Clinic, client: TestClient, sessions: sessionmaker[Session]) -> None:
    device_token = clinic.phone(client, clinic.sam)
    family_token = client.post("/api/v1/family/join", json={
        "code": clinic.records.invite(clinic.sam), "display_name": "Riley"}).json()["family_token"]
    for token in (None, device_token, family_token):
        browser = clinic.browser()
        if token is not None:
            browser.cookies.set(SESSION_COOKIE, token, path="/portal")
        headers = bearer(token) if token else {}
        page = browser.get(SETTINGS, headers=headers, follow_redirects=False)
        assert page.status_code == 303, token
        assert page.headers["location"].startswith("/portal/sign-in")
        for path, data in FORMS.items():
            posted = browser.post(path, headers=headers, follow_redirects=False,
                                  data={**data, "csrf_token": "0" * 64})
            assert posted.status_code == 303, (path, token)
            assert posted.headers["location"].startswith("/portal/sign-in")
    row = clinic_row(sessions, clinic)
    assert (row.measure_interval_days, row.support_response_hours, row.alert_thresholds) == (
        {}, None, {})


def test_each_clinic_sees_and_changes_only_its_own_settings(
        clinic: Clinic, sessions: sessionmaker[Session]) -> None:
    jo = clinic.signed_in(JO)
    page = jo.get(SETTINGS).text
    assert "Southside Clinic" in page and "Northside" not in page
    jo.post("/portal/settings/support-response",
            data={"csrf_token": csrf_of(page), "hours": "48"})
    assert clinic_row(sessions, clinic).support_response_hours is None
    with sessions() as session:
        assert session.get_one(ClinicRow, clinic.south.id).support_response_hours == 48
