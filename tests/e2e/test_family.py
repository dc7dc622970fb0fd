"""A family member joins with an invite: nothing is shared until the participant confirms
it is the person they invited; then they see only what is shared, plus crisis help. If
the participant says it is not them, the family screen says so plainly."""

from __future__ import annotations

from pathlib import Path

import httpx
from playwright.sync_api import Page, expect

from iop_companion.sync.protocol import family_confirmation_id
from tests.e2e.conftest import RunningApp
from tests.e2e.driver import button, fill, open_app, reveal, shot, tab, text

PIN = "482913"


def join_as_family_member(page: Page, demo_app: RunningApp, screenshots: Path | None) -> None:
    """Welcome -> family member -> PIN -> recovery code -> invite (a wrong one first)."""
    assert demo_app.family_invite_code
    open_app(page, demo_app.url)
    button(page, "I'm a family member").click()
    fill(page, "New PIN", PIN)
    fill(page, "Type the PIN again", PIN)
    button(page, "Save PIN").click()
    reveal(page, button(page, "I wrote it down")).click()

    fill(page, "Your first name", "Sam")
    fill(page, "Invite code", "ZZZZ-ZZZZ")
    button(page, "Join").click()
    expect(text(page, "That invite code did not work")).to_be_visible()
    if screenshots is not None:
        shot(page, screenshots, "20-family-invite")
    fill(page, "Invite code", demo_app.family_invite_code)
    button(page, "Join").click()


def alex_answers(demo_app: RunningApp, right_person: bool) -> None:
    """Alex, on a phone of their own (the demo's enrolment code, unused here), sees who
    joined with the invite for Sam on the pull feed and answers, as the app does."""
    api = f"{demo_app.clinic_url}/api/v1"
    enrolled = httpx.post(f"{api}/enrolments", timeout=10,
                          json={"code": demo_app.enrolment_code, "device_label": "Alex's phone"})
    assert enrolled.status_code == 201, enrolled.text
    alex = {"Authorization": f"Bearer {enrolled.json()['access_token']}"}
    changes = httpx.get(f"{api}/participant/changes", headers=alex, timeout=10).json()
    [joined] = [c["data"] for c in changes["changes"]
                if c["kind"] == "consent" and c["data"]["joined"]]
    assert (joined["recipient_name"], joined["joined_name"], joined["confirmation"]) == (
        "Sam", "Sam", "awaiting_confirmation")
    record_id = str(family_confirmation_id(joined["family_member_id"]))
    pushed = httpx.post(f"{api}/participant/records", headers=alex, timeout=10, json={
        "records": [{"id": record_id, "kind": "family_confirmation", "version": 1,
                     "replaces_version": None, "created_at": "2026-03-04T15:00:00+00:00",
                     "payload": {"id": record_id, "family_member_id": joined["family_member_id"],
                                 "right_person": right_person}}]})
    assert pushed.json()["results"][0]["outcome"] == "stored", pushed.text


def test_family_member_joins_with_an_invite(page: Page, demo_app: RunningApp,
                                            screenshots: Path) -> None:
    join_as_family_member(page, demo_app, screenshots)

    # Joined, but nothing is shared until Alex confirms it is the Sam they invited.
    expect(text(page, "Waiting for Alex to confirm it's you")).to_be_visible()
    expect(text(page, "You joined as Sam.")).to_be_visible()
    expect(text(page, "Nothing is shared yet")).to_have_count(0)
    shot(page, screenshots, "21-family-waiting")
    button(page, "Check again").click()
    expect(text(page, "Not confirmed yet")).to_be_visible()

    alex_answers(demo_app, right_person=True)
    button(page, "Check again").click()

    expect(text(page, "Alex confirmed it's you.")).to_be_visible()
    expect(text(page, "Supporting Alex")).to_be_visible()
    expect(text(page, "Nothing is shared yet")).to_be_visible()
    expect(text(page, "Waiting for Alex")).to_have_count(0)
    expect(text(page, "You will not see Alex's check-ins")).to_be_visible()
    # A family member never gets the participant's tabs.
    expect(tab(page, "Journal")).to_have_count(0)
    shot(page, screenshots, "22-family-home")

    button(page, "Get help now").click()
    expect(button(page, "Call 988")).to_be_visible()
    expect(text(page, "crisis line")).to_be_visible()
    expect(button(page, "Open my safety plan")).to_have_count(0)
    button(page, "Back").click()
    button(page, "Settings").click()
    expect(text(page, "Connected with Alex's program")).to_be_visible()
    expect(button(page, "Save a readable copy")).to_have_count(0)


def test_a_family_member_the_participant_does_not_confirm_is_told_plainly(
        page: Page, demo_app: RunningApp, screenshots: Path) -> None:
    join_as_family_member(page, demo_app, None)
    expect(text(page, "Waiting for Alex to confirm it's you")).to_be_visible()

    alex_answers(demo_app, right_person=False)
    button(page, "Check again").click()

    expect(text(page, "This connection was not confirmed, so nothing is shared with you.")
           ).to_be_visible()
    expect(button(page, "Check again")).to_have_count(0)
    shot(page, screenshots, "23-family-not-confirmed")
