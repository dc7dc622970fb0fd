"""Crisis help survives leaving the app and the lock: back from "Call 988" the safety
screen is there without the PIN; the safety screen shows the plan's own steps; "Tell
my clinic" says when the clinic has it; the lock screen shows the plan only when the
participant chose that."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from tests.e2e.conftest import RunningApp
from tests.e2e.driver import (
    button,
    complete_first_run,
    field,
    fill,
    leave_app,
    open_app,
    return_to_app,
    reveal,
    shot,
    text,
)
from tests.e2e.test_safety_flow import wait_for_alerts

PIN = "482913"


def write_safety_plan(page: Page) -> None:
    button(page, "Get help now").click()
    reveal(page, button(page, "Open my safety plan")).click()
    reveal(page, button(page, "Write or edit my plan")).click()
    fill(page, "Step 1: My warning signs", "I stop answering texts")
    fill(page, "Step 2: Things I can do on my own to cope", "Walk the dog")
    fill(page, "Step 4: People I can ask for help", "Sam 555-201-7788")
    fill(page, "What matters most to me", "My daughter")
    reveal(page, button(page, "Save my plan")).click()
    expect(text(page, "Your safety plan is saved.")).to_be_visible()


def test_back_from_a_call_the_safety_screen_opens_without_the_pin(
        page: Page, demo_app: RunningApp, screenshots: Path) -> None:
    assert demo_app.clinic_url
    open_app(page, demo_app.url)
    complete_first_run(page, PIN, demo_app.enrolment_code)
    write_safety_plan(page)
    button(page, "Back").click()  # to Get help
    reveal(page, button(page, "Tell my clinic I need support")).click()

    # The plan's own steps, under the crisis lines, with a tap-to-call number.
    expect(text(page, "You are not alone")).to_be_visible()
    expect(reveal(page, text(page, "I stop answering texts"))).to_be_visible()
    expect(reveal(page, text(page, "My daughter"))).to_be_visible()
    expect(reveal(page, button(page, "Call 555-201-7788"))).to_be_visible()
    # The clinic has it after the sync, and the screen says so with the clinic's promise.
    alerts = wait_for_alerts(demo_app.clinic_url, 1)
    assert [a["trigger"] for a in alerts] == ["participant_request"]
    expect(reveal(page, text(page, "received this at"))).to_be_visible(timeout=30_000)
    expect(reveal(page, text(page, "aims to contact you within"))).to_be_visible()
    shot(page, screenshots, "40-safety-flow-with-plan")

    reveal(page, button(page, "Call 988")).click()
    leave_app(page)  # the phone app takes over: IOP Companion locks itself
    return_to_app(page)
    expect(reveal(page, text(page, "You are not alone"))).to_be_visible()
    expect(field(page, "PIN")).to_have_count(0)
    expect(reveal(page, text(page, "I stop answering texts"))).to_be_visible()
    expect(reveal(page, text(page, "crisis line"))).to_be_visible()  # the clinic's line
    shot(page, screenshots, "41-safety-flow-after-call")

    reveal(page, button(page, "Unlock the app")).click()
    # The lock screen first, at a person's pace: keys typed while Flutter is still
    # swapping the safety screen for the lock screen can miss the new PIN field.
    expect(button(page, "Unlock")).to_be_visible()
    page.wait_for_timeout(1500)
    fill(page, "PIN", PIN)
    button(page, "Unlock").click()
    # The pages that were open come back: the safety screen over Get help, then Today.
    expect(reveal(page, text(page, "You are not alone"))).to_be_visible()
    button(page, "Back").click()
    expect(reveal(page, button(page, "Tell my clinic I need support"))).to_be_visible()
    button(page, "Back").click()
    expect(button(page, "Check in")).to_be_visible()


def test_leaving_the_app_without_calling_asks_for_the_pin(
        page: Page, demo_app: RunningApp) -> None:
    open_app(page, demo_app.url)
    complete_first_run(page, PIN, demo_app.enrolment_code)
    leave_app(page)
    return_to_app(page)
    expect(field(page, "PIN")).to_be_visible()


def test_the_lock_screen_shows_the_plan_only_when_chosen(
        page: Page, demo_app: RunningApp, screenshots: Path) -> None:
    open_app(page, demo_app.url)
    complete_first_run(page, PIN, demo_app.enrolment_code)
    write_safety_plan(page)
    button(page, "Back").click()
    button(page, "Back").click()

    # Off by default: locked, Get help shows 988 and 911 only.
    button(page, "Settings").click()
    reveal(page, button(page, "Lock now")).click()
    # The lock screen first: a tap on the old screen's button is lost as it is replaced.
    expect(button(page, "Unlock")).to_be_visible()
    button(page, "Get help now").click()
    expect(button(page, "Call 988")).to_be_visible()
    expect(reveal(page, text(page, "Unlock the app to see"))).to_be_visible()
    expect(text(page, "I stop answering texts")).to_have_count(0)
    button(page, "Back").click()

    fill(page, "PIN", PIN)
    button(page, "Unlock").click()
    # No form was in progress at the lock: the app opens on Today.
    button(page, "Settings").click()
    reveal(page, button(page, "Safety plan on the lock screen: Show it")).click()
    expect(text(page, "Your safety plan now shows on the lock screen.")).to_be_visible()
    reveal(page, button(page, "Lock now")).click()
    # The lock screen first: a tap on the old screen's button is lost as it is replaced.
    expect(button(page, "Unlock")).to_be_visible()
    button(page, "Get help now").click()
    expect(reveal(page, text(page, "I stop answering texts"))).to_be_visible()
    expect(reveal(page, text(page, "crisis line"))).to_be_visible()
    shot(page, screenshots, "42-lock-screen-help-with-plan")
