"""The safety flow end to end: a check-in answer brings up help at once, and after the
next sync the clinic holds a high-priority alert for a clinician to acknowledge."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
from playwright.sync_api import Page, expect

from tests.e2e.conftest import RunningApp, demo_clinician
from tests.e2e.driver import button, complete_first_run, fill, open_app, reveal, shot, text

PIN = "482913"


def clinic_alerts(clinic_url: str) -> list[dict]:
    signed_in = httpx.post(f"{clinic_url}/api/v1/clinician/sessions",
                            json=demo_clinician(clinic_url), timeout=10)
    assert signed_in.status_code == 201, signed_in.text
    token = signed_in.json()["access_token"]
    listed = httpx.get(f"{clinic_url}/api/v1/clinician/alerts",
                       headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert listed.status_code == 200, listed.text
    return listed.json()["alerts"]


def wait_for_alerts(clinic_url: str, count: int, timeout: float = 20) -> list[dict]:
    deadline = time.monotonic() + timeout
    while True:
        alerts = clinic_alerts(clinic_url)
        if len(alerts) >= count or time.monotonic() > deadline:
            return alerts
        time.sleep(0.5)


def test_check_in_self_harm_answer_shows_help_and_reaches_the_clinic(
        page: Page, demo_app: RunningApp, screenshots: Path) -> None:
    assert demo_app.clinic_url
    open_app(page, demo_app.url)
    complete_first_run(page, PIN, demo_app.enrolment_code)
    assert clinic_alerts(demo_app.clinic_url) == []

    button(page, "Check in").click()
    fill(page, "Hours of sleep last night", "4")
    reveal(page, button(page, "Sleep: Poorly")).click()
    reveal(page, button(page, "Medicines: No")).click()
    reveal(page, button(page, "Use since last check-in: No")).click()
    reveal(page, button(page, "Thoughts of self-harm: Yes")).click()
    # Help shows the moment the answer is chosen, before saving: the safety screen.
    expect(text(page, "You are not alone")).to_be_visible()
    expect(button(page, "Call 988")).to_be_visible()
    expect(button(page, "Text 988")).to_be_visible()
    expect(button(page, "Call 911")).to_be_visible()
    expect(reveal(page, text(page, "This app is not watched around the clock"))).to_be_visible()
    shot(page, screenshots, "23-safety-flow")

    alerts = wait_for_alerts(demo_app.clinic_url, 1)
    assert [a["trigger"] for a in alerts] == ["check_in_self_harm"]
    assert alerts[0]["acknowledged_at"] is None


def test_opening_get_help_sends_nothing_but_asking_for_support_does(
        page: Page, demo_app: RunningApp) -> None:
    assert demo_app.clinic_url
    open_app(page, demo_app.url)
    complete_first_run(page, PIN, demo_app.enrolment_code)
    button(page, "Get help now").click()
    expect(button(page, "Call 988")).to_be_visible()
    time.sleep(2)
    assert clinic_alerts(demo_app.clinic_url) == []

    reveal(page, button(page, "Tell my clinic I need support")).click()
    expect(text(page, "You are not alone")).to_be_visible()
    alerts = wait_for_alerts(demo_app.clinic_url, 1)
    assert [a["trigger"] for a in alerts] == ["participant_request"]


def test_phq9_item_9_brings_up_help_at_once_and_flags_the_clinic(
        page: Page, demo_app: RunningApp, screenshots: Path) -> None:
    assert demo_app.clinic_url
    open_app(page, demo_app.url)
    complete_first_run(page, PIN, demo_app.enrolment_code)
    reveal(page, button(page, "Start Mood check (PHQ-9)")).click()
    expect(text(page, "Over the last 2 weeks, how often have you been bothered")).to_be_visible()
    # Eight questions "Not at all"; question 9 "Several days" (1): a total of 1.
    for number in range(1, 9):
        reveal(page, button(page, f"Question {number}: Not at all")).click()
    reveal(page, button(page, "Save my answers")).click()
    expect(reveal(page, text(page, "Please answer every question"))).to_be_visible()
    reveal(page, button(page, "Question 9: Several days")).click()
    shot(page, screenshots, "28-phq9")
    reveal(page, button(page, "Save my answers")).click()

    expect(text(page, "You are not alone")).to_be_visible()
    expect(button(page, "Call 988")).to_be_visible()
    expect(reveal(page, button(page, "Start my safety plan"))).to_be_visible()  # none yet
    alerts = wait_for_alerts(demo_app.clinic_url, 1)
    assert [a["trigger"] for a in alerts] == ["phq9_item9"]
    assert alerts[0]["priority"] == 70  # the clinic's for item 9 (clinic/alerts.py)


def test_phq9_without_item_9_shows_a_plain_result_and_no_alert(
        page: Page, demo_app: RunningApp) -> None:
    assert demo_app.clinic_url
    open_app(page, demo_app.url)
    complete_first_run(page, PIN, demo_app.enrolment_code)
    reveal(page, button(page, "Start Mood check (PHQ-9)")).click()
    for number in range(1, 9):
        reveal(page, button(page, f"Question {number}: More than half the days")).click()
    reveal(page, button(page, "Question 9: Not at all")).click()
    reveal(page, button(page, "Save my answers")).click()
    # 8 x 2 = 16: moderately severe, said plainly and without a diagnosis.
    expect(text(page, "Your answers suggest")).to_be_visible()
    expect(text(page, "This is not a diagnosis")).to_be_visible()
    button(page, "Done").click()
    expect(text(page, "Mood check (PHQ-9): done")).to_be_visible()
    time.sleep(2)
    assert clinic_alerts(demo_app.clinic_url) == []
