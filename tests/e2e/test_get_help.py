"""Crisis help is one tap away on every screen and works with the clinic unreachable."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.e2e.conftest import RunningApp
from tests.e2e.driver import button, complete_first_run, fill, open_app, reveal, shot, tab, text

PIN = "482913"


def test_get_help_on_first_run_screens(page: Page, demo_app: RunningApp) -> None:
    open_app(page, demo_app.url)
    button(page, "Get help now").click()
    expect(button(page, "Call 988")).to_be_visible()
    expect(button(page, "Text 988")).to_be_visible()
    expect(button(page, "Call 911")).to_be_visible()
    button(page, "Back").click()
    button(page, "I'm in a program").click()
    expect(button(page, "Get help now")).to_be_visible()
    button(page, "Get help now").click()
    expect(button(page, "Call 988")).to_be_visible()


def test_get_help_shows_988_and_clinic_line_while_clinic_is_down(
        page: Page, app_with_separate_clinic: RunningApp, screenshots: Path) -> None:
    running = app_with_separate_clinic
    open_app(page, running.url)
    complete_first_run(page, PIN, running.enrolment_code)
    assert running.clinic is not None
    running.clinic.stop()

    for name in ("Today", "Schedule", "Learn", "Practice", "Journal"):
        tab(page, name).click()
        expect(button(page, "Get help now")).to_be_visible()
    button(page, "Get help now").click()
    expect(button(page, "Call 988")).to_be_visible()
    expect(button(page, "Text 988")).to_be_visible()
    expect(button(page, "Call 911")).to_be_visible()
    expect(text(page, "crisis line")).to_be_visible()
    shot(page, screenshots, "15-get-help-offline")
    button(page, "Open my safety plan").click()
    expect(text(page, "No safety plan on this phone yet")).to_be_visible()
    shot(page, screenshots, "16-safety-plan-empty")

    # The schedule saved on the phone is still there, and the status says so honestly.
    button(page, "Back").click()
    button(page, "Back").click()
    tab(page, "Schedule").click()
    button(page, "Refresh schedule").click()
    # A server that is shutting down may hold the connection until the client's
    # 10-second timeout, for the push and then the pull.
    expect(text(page, "Offline")).to_be_visible(timeout=45_000)
    shot(page, screenshots, "17-schedule-offline")

    # The lock screen offers help too, with the numbers that need no unlocking.
    button(page, "Settings").click()
    button(page, "Lock now").click()
    # The lock screen first: a tap on the old screen's button is lost as it is replaced.
    expect(button(page, "Unlock")).to_be_visible()
    button(page, "Get help now").click()
    expect(button(page, "Call 988")).to_be_visible()


def test_safety_plan_is_written_once_and_opens_from_get_help(
        page: Page, demo_app: RunningApp, screenshots: Path) -> None:
    open_app(page, demo_app.url)
    complete_first_run(page, PIN, demo_app.enrolment_code)
    button(page, "Get help now").click()
    reveal(page, button(page, "Open my safety plan")).click()
    button(page, "Write or edit my plan").click()
    fill(page, "Step 1: My warning signs", "Skipping meals\nNot answering texts")
    fill(page, "Step 4: People I can ask for help", "My sister Ana")
    fill(page, "What matters most to me", "My daughter")
    shot(page, screenshots, "24-safety-plan-edit")
    reveal(page, button(page, "Save my plan")).click()
    expect(text(page, "Not answering texts")).to_be_visible()
    expect(reveal(page, text(page, "My sister Ana"))).to_be_visible()
    # Each answer landed in its own step: a card is a group named by its content.
    def card(heading: str):
        # The innermost group holding the heading (outer groups hold every heading).
        return page.get_by_role("group").filter(
            has=page.get_by_role("heading", name=heading)).last

    expect(reveal(page, card("What matters most to me"))).to_have_accessible_name("My daughter")
    # A first plan starts with the crisis lines as professionals to contact, tap-to-call.
    expect(reveal(page, card("Step 5: Professionals and services I can contact"))
           ).to_have_accessible_name(re.compile("988 Suicide & Crisis Lifeline: 988"))
    expect(reveal(page, button(page, "Call 988").last)).to_be_visible()
    shot(page, screenshots, "25-safety-plan")
