"""Nothing typed is lost to a lock (issue 9): a relapse-prevention plan being written
when the app locks (here: leaving it, as a call does on a phone) reopens after the PIN
with what was typed; saving or cancelling ends the draft."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from tests.e2e.conftest import RunningApp
from tests.e2e.driver import (
    button,
    complete_first_run,
    fill,
    focused_field,
    leave_app,
    open_app,
    return_to_app,
    reveal,
    shot,
    tab,
    text,
)

PIN = "482913"


def test_a_half_typed_relapse_plan_is_there_again_after_the_pin(
        page: Page, demo_app: RunningApp, screenshots: Path) -> None:
    open_app(page, demo_app.url)
    complete_first_run(page, PIN, None)
    tab(page, "Journal").click()
    reveal(page, button(page, "Open my relapse-prevention plan")).click()
    button(page, "Build my plan").click()
    fill(page, "My triggers", "Payday\nDriving past my old bar")
    fill(page, "What helps me cope", "Call my sponsor")

    leave_app(page)  # the app locks itself when it leaves the screen
    return_to_app(page)
    expect(button(page, "Unlock")).to_be_visible(timeout=30_000)
    expect(text(page, "Payday")).to_have_count(0)  # nothing of the plan shows while locked
    fill(page, "PIN", PIN)
    button(page, "Unlock").click()

    # The editor is open again, on top of the plan, with what was typed.
    expect(text(page, "Edit my relapse-prevention plan")).to_be_visible()
    expect(focused_field(page, "My triggers")).to_have_value("Payday\nDriving past my old bar")
    expect(focused_field(page, "What helps me cope")).to_have_value("Call my sponsor")
    shot(page, screenshots, "plan-draft-1-after-the-pin")

    reveal(page, button(page, "Save my plan")).click()
    expect(text(page, "• Payday")).to_be_visible()
    expect(text(page, "• Call my sponsor")).to_be_visible()
    # Cancelled: what was typed then is not kept; the editor opens from the saved plan.
    reveal(page, button(page, "Edit my plan")).click()
    fill(page, "My triggers", "Something else")
    reveal(page, button(page, "Cancel")).click()
    reveal(page, button(page, "Edit my plan")).click()
    expect(focused_field(page, "My triggers")).to_have_value("Payday\nDriving past my old bar")
