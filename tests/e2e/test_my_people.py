"""My people end to end: add someone once from Settings, then call or text them from
My people and from the relapse-prevention plan, where a number typed in a line is a
"Call" button too."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from tests.e2e.conftest import RunningApp
from tests.e2e.driver import (
    button,
    complete_first_run,
    fill,
    open_app,
    reveal,
    shot,
    tab,
    text,
)

PIN = "482913"


def test_a_person_added_in_settings_can_be_called_from_my_people_and_the_relapse_plan(
        page: Page, demo_app: RunningApp, screenshots: Path) -> None:
    open_app(page, demo_app.url)
    complete_first_run(page, PIN, None)

    # 1. Settings > My people: empty at first, then Ana, typed once.
    button(page, "Settings").click()
    reveal(page, button(page, "Open My people")).click()
    expect(text(page, "No one here yet")).to_be_visible()
    shot(page, screenshots, "people-1-empty")
    button(page, "Add a person").click()
    fill(page, "Name", "Ana")
    fill(page, "Phone number", "555-123-4567")
    reveal(page, button(page, "Support person")).click()
    fill(page, "Who they are to me", "sponsor")
    shot(page, screenshots, "people-2-form")
    reveal(page, button(page, "Save")).click()

    # 2. On My people: call and text her, or change her details.
    expect(button(page, "Call Ana")).to_be_visible()
    expect(button(page, "Text Ana")).to_be_visible()
    expect(button(page, "Edit Ana")).to_be_visible()
    expect(text(page, "sponsor · 555-123-4567")).to_be_visible()
    # A professional too, for the aftercare plan.
    reveal(page, button(page, "Add a person")).click()
    fill(page, "Name", "Dr. Lee")
    fill(page, "Phone number", "+1 555 010 4477")
    reveal(page, button(page, "Professional")).click()
    reveal(page, button(page, "Save")).click()
    expect(reveal(page, button(page, "Call Dr. Lee"))).to_be_visible()
    expect(reveal(page, button(page, "Call Ana"))).to_be_visible()
    shot(page, screenshots, "people-3-list")

    # 3. The relapse-prevention plan shows her before anything is written in it...
    button(page, "Back").click()
    button(page, "Back").click()
    tab(page, "Journal").click()
    reveal(page, button(page, "Open my relapse-prevention plan")).click()
    expect(text(page, "Your plan is not written yet")).to_be_visible()
    expect(reveal(page, button(page, "Call Ana"))).to_be_visible()

    # 4. ...and once written, with a number typed in a line as a button too.
    reveal(page, button(page, "Build my plan")).click()
    expect(text(page, "Already in this plan from My people, with call and text buttons: "
                      "Ana. No need to type them here.")).to_be_attached()
    fill(page, "People I can call", "Dad (555) 987 6543")
    reveal(page, button(page, "Save my plan")).click()
    expect(reveal(page, button(page, "Call (555) 987 6543"))).to_be_visible()
    expect(reveal(page, button(page, "Call Ana"))).to_be_visible()
    expect(button(page, "Text Ana")).to_be_visible()
    expect(button(page, "Get help now")).to_be_visible()
    shot(page, screenshots, "people-4-relapse-plan")

    # 5. The aftercare plan shows the professional with the ongoing care.
    button(page, "Back").click()
    reveal(page, button(page, "Open my aftercare plan")).click()
    reveal(page, button(page, "Build my aftercare plan")).click()
    fill(page, "My ongoing care", "Therapy every Monday")
    reveal(page, button(page, "Save my aftercare plan")).click()
    expect(text(page, "• Therapy every Monday")).to_be_visible()
    expect(reveal(page, button(page, "Call Dr. Lee"))).to_be_visible()
    expect(button(page, "Text Dr. Lee")).to_be_visible()
    shot(page, screenshots, "people-5-aftercare-plan")

    # 6. Removing someone asks first, then they leave every plan.
    button(page, "Back").click()
    button(page, "Settings").click()
    reveal(page, button(page, "Open My people")).click()
    reveal(page, button(page, "Remove Dr. Lee")).click()
    expect(text(page, "Remove Dr. Lee from My people?")).to_be_visible()
    button(page, "Remove").click()
    expect(text(page, "No professionals yet.")).to_be_visible()
    expect(button(page, "Call Dr. Lee")).to_have_count(0)
    expect(button(page, "Call Ana")).to_be_visible()
