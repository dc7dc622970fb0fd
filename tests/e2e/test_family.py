"""A family member joins with an invite and sees only what is shared, plus crisis help."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from tests.e2e.conftest import RunningApp
from tests.e2e.driver import button, fill, open_app, shot, tab, text

PIN = "8642"


def test_family_member_joins_with_an_invite(page: Page, demo_app: RunningApp,
                                            screenshots: Path) -> None:
    assert demo_app.family_invite_code
    open_app(page, demo_app.url)
    button(page, "I'm a family member").click()
    fill(page, "New PIN", PIN)
    fill(page, "Type the PIN again", PIN)
    button(page, "Save PIN").click()

    fill(page, "Your first name", "Sam")
    fill(page, "Invite code", "ZZZZ-ZZZZ")
    button(page, "Join").click()
    expect(text(page, "That invite code did not work")).to_be_visible()
    shot(page, screenshots, "20-family-invite")
    fill(page, "Invite code", demo_app.family_invite_code)
    button(page, "Join").click()

    expect(text(page, "Supporting Alex")).to_be_visible()
    expect(text(page, "Nothing is shared yet")).to_be_visible()
    expect(text(page, "You will not see Alex's check-ins")).to_be_visible()
    # A family member never gets the participant's tabs.
    expect(tab(page, "Journal")).to_have_count(0)
    shot(page, screenshots, "21-family-home")

    button(page, "Get help now").click()
    expect(button(page, "Call 988")).to_be_visible()
    expect(text(page, "crisis line")).to_be_visible()
    expect(button(page, "Open my safety plan")).to_have_count(0)
    button(page, "Back").click()
    button(page, "Settings").click()
    expect(text(page, "Connected with Alex's program")).to_be_visible()
    expect(button(page, "Save a readable copy")).to_have_count(0)
