"""A participant's first week, in a real browser against the real demo clinic."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from tests.e2e.conftest import RunningApp
from tests.e2e.driver import (
    button,
    complete_first_run,
    fill,
    focused_field,
    open_app,
    reveal,
    shot,
    tab,
    text,
)

PIN = "482913"


def test_first_run_enrols_sets_pin_and_lands_on_today(page: Page, demo_app: RunningApp,
                                                       screenshots: Path) -> None:
    open_app(page, demo_app.url)
    expect(button(page, "I'm in a program")).to_be_visible()
    expect(button(page, "Get help now")).to_be_visible()
    shot(page, screenshots, "01-welcome")

    button(page, "I'm in a program").click()
    fill(page, "New PIN", PIN)
    fill(page, "Type the PIN again", "482914")
    button(page, "Save PIN").click()
    expect(text(page, "The two PINs don't match")).to_be_visible()
    fill(page, "Type the PIN again", PIN)
    shot(page, screenshots, "02-choose-pin")
    button(page, "Save PIN").click()
    expect(text(page, "Your recovery code")).to_be_visible()
    shot(page, screenshots, "02b-recovery-code")
    reveal(page, button(page, "I wrote it down")).click()

    fill(page, "Enrolment code", "ZZZZ-ZZZZ")
    button(page, "Connect").click()
    expect(text(page, "That code did not work")).to_be_visible()
    fill(page, "Enrolment code", demo_app.enrolment_code)
    shot(page, screenshots, "03-connect-clinic")
    button(page, "Connect").click()

    expect(tab(page, "Today")).to_be_visible()
    expect(text(page, "Alex")).to_be_visible()
    expect(button(page, "Check in")).to_be_visible()
    shot(page, screenshots, "04-today")
    expect(reveal(page, text(page, "Next session"))).to_be_visible()


def test_every_tab_and_settings_open_with_real_content(page: Page, demo_app: RunningApp,
                                                      screenshots: Path) -> None:
    open_app(page, demo_app.url)
    complete_first_run(page, PIN, demo_app.enrolment_code)

    tab(page, "Schedule").click()
    expect(text(page, "My program schedule")).to_be_visible()
    expect(text(page, "Group therapy")).to_be_visible()
    expect(text(page, "Process group")).to_be_visible()
    shot(page, screenshots, "05-schedule")

    tab(page, "Learn").click()
    expect(text(page, "Understanding triggers")).to_be_visible()
    shot(page, screenshots, "06-learn")

    tab(page, "Practice").click()
    # With no homework due, the exercises come first and the homework section after.
    expect(page.get_by_role("heading", name="Exercises", exact=True)).to_be_visible()
    expect(reveal(page, text(page, "Homework from your care team"))).to_be_visible()
    shot(page, screenshots, "07-practice")

    tab(page, "Journal").click()
    expect(text(page, "Nothing logged yet")).to_be_visible()
    shot(page, screenshots, "08-journal-empty")

    tab(page, "Today").click()
    button(page, "Settings").click()
    expect(text(page, "My clinic")).to_be_visible()
    expect(button(page, "Lock now")).to_be_visible()
    shot(page, screenshots, "09-settings")


def test_daily_check_in_end_to_end(page: Page, demo_app: RunningApp, screenshots: Path) -> None:
    open_app(page, demo_app.url)
    complete_first_run(page, PIN, demo_app.enrolment_code)
    button(page, "Check in").click()
    expect(text(page, "How are you today?")).to_be_visible()
    fill(page, "Hours of sleep last night", "25")
    reveal(page, button(page, "Save check-in")).click()
    expect(reveal(page, text(page, "Please answer the questions marked above"))).to_be_visible()
    expect(reveal(page, text(page, "Type hours from 0 to 24"))).to_be_visible()
    # What was typed stays on screen after the error.
    expect(focused_field(page, "Hours of sleep last night")).to_have_value("25")
    fill(page, "Hours of sleep last night", "7.5")
    reveal(page, button(page, "Mood 6")).click()
    expect(text(page, "Mood: 6")).to_be_visible()
    reveal(page, button(page, "Craving 2")).click()
    reveal(page, button(page, "Sleep: OK")).click()
    reveal(page, button(page, "Medicines: Yes")).click()
    reveal(page, button(page, "Use since last check-in: No")).click()
    reveal(page, button(page, "Thoughts of self-harm: No")).click()
    fill(page, "Anything else on your mind? (optional)", "Went to the evening meeting")
    shot(page, screenshots, "10-check-in")
    # Nothing typed was lost while choosing answers further down.
    expect(focused_field(page, "Hours of sleep last night")).to_have_value("7.5")
    reveal(page, button(page, "Save check-in")).click()
    expect(text(page, "You checked in at")).to_be_visible()
    shot(page, screenshots, "11-today-after-check-in")
    tab(page, "Journal").click()
    expect(text(page, "Went to the evening meeting")).to_be_visible()
    expect(text(page, "Mood 6/10 · Craving 2/10 · Sleep 7.5 h")).to_be_visible()
    shot(page, screenshots, "12-journal")


def test_app_locks_and_unlocks_with_the_pin(page: Page, browser, demo_app: RunningApp,
                                           screenshots: Path) -> None:
    open_app(page, demo_app.url)
    complete_first_run(page, PIN, demo_app.enrolment_code)
    button(page, "Settings").click()
    button(page, "Lock now").click()
    expect(button(page, "Unlock")).to_be_visible()
    expect(tab(page, "Today")).to_have_count(0)

    fill(page, "PIN", "135924")
    button(page, "Unlock").click()
    expect(text(page, "That PIN didn't match")).to_be_visible()
    shot(page, screenshots, "13-lock-wrong-pin")

    fill(page, "PIN", PIN)
    button(page, "Unlock").click()
    expect(tab(page, "Today")).to_be_visible()
    expect(text(page, "Alex")).to_be_visible()

    # A new tab is a new session: it starts locked even while this one is open.
    other = browser.new_context(viewport={"width": 412, "height": 915}).new_page()
    open_app(other, demo_app.url)
    expect(button(other, "Unlock")).to_be_visible()
    expect(button(other, "Get help now")).to_be_visible()
    shot(other, screenshots, "14-locked")
    other.context.close()
