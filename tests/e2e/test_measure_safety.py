"""PHQ-9 item 9 acts on its own: answered above 0, it shows crisis help under the
question at once and queues the flag for the clinic, even if the form is never finished;
one flag per form, however the answer changes. A half-answered questionnaire survives
the lock."""

from __future__ import annotations

import time
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import RunningApp
from tests.e2e.driver import (
    button,
    complete_first_run,
    fill,
    leave_app,
    open_app,
    return_to_app,
    reveal,
    shot,
    text,
)
from tests.e2e.test_safety_flow import clinic_alerts, wait_for_alerts

PIN = "482913"
VIEWPORT_HEIGHT = 915  # conftest's phone-sized page


def in_view(page: Page, target: Locator, *, max_scrolls: int = 15) -> Locator:
    """Like `reveal`, but until the control is inside the viewport: Flutter keeps nodes
    just below the fold in the accessibility tree (so they count as visible), and a
    click aimed at one of those lands nowhere. The crisis card under question 9 pushes
    the buttons below it down there."""
    found = reveal(page, target)
    for _ in range(max_scrolls):
        box = found.bounding_box()
        if box is not None and box["height"] > 20 and 64 <= box["y"] \
                and box["y"] + box["height"] <= VIEWPORT_HEIGHT:
            return found
        below = box is None or box["y"] > VIEWPORT_HEIGHT / 2
        page.mouse.move(6, 500)
        page.mouse.wheel(0, 300 if below else -300)
        page.wait_for_timeout(250)
    return found


def open_phq9(page: Page, app: RunningApp) -> None:
    open_app(page, app.url)
    complete_first_run(page, PIN, app.enrolment_code)
    reveal(page, button(page, "Start Mood check (PHQ-9)")).click()
    expect(text(page, "Over the last 2 weeks, how often have you been bothered")).to_be_visible()


def test_item_9_alone_then_cancel_shows_help_and_the_flag_reaches_the_clinic(
        page: Page, demo_app: RunningApp, screenshots: Path) -> None:
    assert demo_app.clinic_url
    open_phq9(page, demo_app)
    shot(page, screenshots, "28b-phq9-form")
    assert clinic_alerts(demo_app.clinic_url) == []

    # Only question 9 answered, nothing else: help shows under it at once.
    reveal(page, button(page, "Question 9: Several days")).click()
    expect(reveal(page, text(page, "Help is here right now"))).to_be_visible()
    expect(reveal(page, button(page, "Call 988"))).to_be_visible()
    expect(in_view(page, button(page, "Call 911"))).to_be_visible()
    shot(page, screenshots, "29-phq9-item-9-inline-help")
    # The form stays open (nothing navigated away): the person may finish it or not.
    expect(in_view(page, button(page, "Save my answers"))).to_be_visible()
    in_view(page, button(page, "Cancel")).click()
    expect(reveal(page, button(page, "Start Mood check (PHQ-9)"))).to_be_visible()

    # Closed unfinished, and the clinic still hears it.
    alerts = wait_for_alerts(demo_app.clinic_url, 1)
    assert [a["trigger"] for a in alerts] == ["phq9_item9"]
    assert alerts[0]["priority"] == 70  # the clinic's for item 9 (clinic/alerts.py)
    assert alerts[0]["acknowledged_at"] is None


def test_one_flag_per_form_however_item_9_changes_and_saving_opens_the_safety_screen(
        page: Page, demo_app: RunningApp) -> None:
    assert demo_app.clinic_url
    open_phq9(page, demo_app)
    reveal(page, button(page, "Question 9: Several days")).click()
    expect(reveal(page, button(page, "Call 988"))).to_be_visible()
    # Changed back, then up again: the flag already queued stands, and no second one.
    in_view(page, button(page, "Question 9: Not at all")).click()
    in_view(page, button(page, "Question 9: More than half the days")).click()
    for number in range(1, 9):
        in_view(page, button(page, f"Question {number}: Not at all")).click()
    in_view(page, button(page, "Save my answers")).click()

    expect(text(page, "You are not alone")).to_be_visible()
    expect(button(page, "Call 988")).to_be_visible()
    alerts = wait_for_alerts(demo_app.clinic_url, 1)
    assert [a["trigger"] for a in alerts] == ["phq9_item9"]
    time.sleep(3)  # the save's own sync has run by now: still the one flag
    assert len(clinic_alerts(demo_app.clinic_url)) == 1


def test_a_half_answered_questionnaire_is_there_again_after_the_pin(
        page: Page, demo_app: RunningApp, screenshots: Path) -> None:
    assert demo_app.clinic_url
    open_phq9(page, demo_app)
    for number in range(1, 9):
        in_view(page, button(page, f"Question {number}: Several days")).click()
    # The published difficulty question follows the items: optional, left out here.
    expect(in_view(page, text(page, "If you checked off any problems"))).to_be_visible()
    expect(in_view(page, button(page, "Difficulty: Not difficult at all"))).to_be_visible()
    shot(page, screenshots, "29b-phq9-difficulty")
    leave_app(page)  # the app locks itself when it leaves the screen
    return_to_app(page)
    fill(page, "PIN", PIN)
    button(page, "Unlock").click()

    # The form opens again where it was: only question 9 is left to answer.
    expect(reveal(page, text(page, "Your answers from last time are back"))).to_be_visible()
    in_view(page, button(page, "Question 9: Not at all")).click()
    in_view(page, button(page, "Save my answers")).click()
    expect(text(page, "Your answers suggest")).to_be_visible()  # 8 x 1: mild, no flow
    button(page, "Done").click()
    expect(reveal(page, text(page, "Mood check (PHQ-9): done"))).to_be_visible()
    time.sleep(2)
    assert clinic_alerts(demo_app.clinic_url) == []
