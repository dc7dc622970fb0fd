"""The portal's groups, schedule and attendance, and the clinic's details, in Chromium at
1280x800 against `iop-clinic serve --workers 2` on the demo clinic: a clinician makes a
group and adds the demo participant, sets homework for the whole group, adds a weekly
group session that started two weeks ago (the form takes past dates, so the sessions
that already took place are real ones of the series), records the demo participant
missing the first two, and finds the "missed sessions" alert at the top of the alerts
page; cancels a coming occurrence with a note, sees the group and the coming sessions on
the participant's page; then an administrator changes the clinic's crisis line (a
malformed number refused beside the field first). Screenshots of every new page:
test-artifacts/screenshots/portal-*.png."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.test_portal import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    DESKTOP,
    PortalClinic,
    portal_sign_in,
    shot,
)

DEMO_PARTICIPANT = "Alex"
CLINIC_ZONE = ZoneInfo("America/Chicago")  # the demo clinic's
GROUP = "Tuesday evening group"
SESSION_TITLE = "Evening group"
CRISIS_LINE = "+1 (555) 010-7777"


@pytest.fixture
def portal_clinic(tmp_path: Path) -> Iterator[PortalClinic]:
    """The portal test's demo clinic on two workers (it stops a server that never
    answers itself)."""
    clinic = PortalClinic(tmp_path)
    try:
        yield clinic
    finally:
        clinic.server.stop()


def top_shot(page: Page, folder: Path, name: str) -> None:
    """A screenshot of the page from its top (a click may have scrolled it)."""
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, folder, name)


def nav(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Portal").get_by_role("link", name=name).click()


def record_missed(page: Page) -> None:
    page.get_by_role("button", name=f"Missed: {DEMO_PARTICIPANT}").click()
    expect(page.get_by_text(f"{DEMO_PARTICIPANT}: missed, recorded.")).to_be_visible()


def test_groups_schedule_attendance_and_clinic_details_in_the_portal(
        browser: Browser, portal_clinic: PortalClinic, screenshots: Path) -> None:
    desk: Page = browser.new_context(viewport=DESKTOP).new_page()
    desk.set_default_timeout(30_000)
    today = datetime.now(CLINIC_ZONE).date()
    first_day = today - timedelta(days=14)
    portal_sign_in(desk, portal_clinic, portal_clinic.clinician_email,
                   portal_clinic.clinician_password)
    expect(desk.get_by_role("heading", name="Alerts", exact=True)).to_be_visible()

    # Groups: make one (a blank name refused first), add the demo participant.
    nav(desk, "Groups")
    expect(desk.get_by_role("heading", name="Groups", exact=True)).to_be_visible()
    expect(desk.get_by_text("No groups yet.")).to_be_visible()
    desk.get_by_label("Name", exact=True).fill("  ")
    desk.get_by_role("button", name="Make group").click()
    expect(desk.locator("#group-name-error")).to_have_text(
        "Type a name of 1 to 80 characters, on one line.")
    shot(desk, screenshots, "groups-refused")
    desk.get_by_label("Name", exact=True).fill(GROUP)
    desk.get_by_role("button", name="Make group").click()
    expect(desk.get_by_role("heading", name=GROUP)).to_be_visible()
    expect(desk.get_by_text("Group made.")).to_be_visible()
    desk.get_by_label("Add a participant").select_option(label=DEMO_PARTICIPANT)
    desk.get_by_role("button", name="Add to the group").click()
    expect(desk.get_by_text("Member added.")).to_be_visible()
    members = desk.locator("#members table")
    expect(members.get_by_role("link", name=DEMO_PARTICIPANT)).to_be_visible()
    top_shot(desk, screenshots, "group")

    # Homework for the whole group: who got it is listed.
    desk.get_by_label("Title", exact=True).fill("Write down three triggers")
    desk.get_by_role("button", name="Set homework").click()
    expect(desk.get_by_text(f"Homework set for 1 member: {DEMO_PARTICIPANT}.")).to_be_visible()
    desk.locator("#assign").scroll_into_view_if_needed()
    shot(desk, screenshots, "group-homework-set")
    desk.screenshot(path=str(screenshots / "portal-group-full.png"), full_page=True)
    desk.get_by_role("button", name=f"Take {DEMO_PARTICIPANT} out of the group…").click()
    expect(desk.get_by_role("heading", name=f"Take {DEMO_PARTICIPANT} out of “{GROUP}”?")
           ).to_be_visible()
    shot(desk, screenshots, "confirm-remove-member")
    desk.get_by_role("link", name="Cancel").click()
    expect(desk.get_by_role("heading", name=GROUP)).to_be_visible()
    nav(desk, "Groups")
    expect(desk.get_by_role("row", name=re.compile(f"^{GROUP}"))).to_contain_text("1")
    shot(desk, screenshots, "groups")

    # The schedule: this week, in the clinic's time zone.
    nav(desk, "Schedule")
    expect(desk.get_by_role("heading", name="Schedule", exact=True)).to_be_visible()
    expect(desk.get_by_text("Times in the clinic's time zone, America/Chicago.")).to_be_visible()
    shot(desk, screenshots, "schedule")
    desk.screenshot(path=str(screenshots / "portal-schedule-full.png"), full_page=True)

    # A weekly group session from two weeks ago to two weeks ahead; a missing facilitator
    # is refused beside its field and the rest is kept.
    desk.get_by_role("link", name="New session").click()
    expect(desk.get_by_role("heading", name="New session")).to_be_visible()
    desk.get_by_label("Kind of session").select_option(label="Group therapy")
    desk.get_by_label("Title", exact=True).fill(SESSION_TITLE)
    desk.get_by_label("Date", exact=True).fill(first_day.isoformat())
    desk.get_by_label("Starts").fill("18:00")
    desk.get_by_label("Ends").fill("19:30")
    desk.get_by_label("Repeat weekly until (optional)").fill(
        (today + timedelta(days=14)).isoformat())
    desk.get_by_label("Place or telehealth link").fill("Group room B")
    desk.get_by_role("radio", name="A group").check()
    desk.get_by_label("Group", exact=True).select_option(label=f"{GROUP} (1 member)")
    top_shot(desk, screenshots, "session-new")
    desk.screenshot(path=str(screenshots / "portal-session-new-full.png"), full_page=True)
    desk.get_by_role("button", name="Add session").click()
    expect(desk.get_by_text("The session was not added.")).to_be_visible()
    expect(desk.locator("#session-facilitator-error")).to_have_text(
        "Type who leads it: 1 to 120 characters, on one line.")
    expect(desk.get_by_label("Title", exact=True)).to_have_value(SESSION_TITLE)
    expect(desk.get_by_role("radio", name="A group")).to_be_checked()
    top_shot(desk, screenshots, "session-new-refused")
    desk.get_by_label("Facilitator").fill("Jordan Ellis, LCSW")
    desk.get_by_role("button", name="Add session").click()
    expect(desk.get_by_text("Weekly sessions added.")).to_be_visible()
    expect(desk.get_by_role("heading", name=SESSION_TITLE)).to_be_visible()
    attendance = desk.locator("#attendance table")
    expect(attendance.get_by_role("row", name=re.compile(DEMO_PARTICIPANT))).to_contain_text(
        "Not recorded yet")

    # Two sessions missed in a row: the first, then the next week's.
    record_missed(desk)
    shot(desk, screenshots, "session-attendance")
    desk.get_by_role("link", name=re.compile("^Schedule, week of")).click()
    desk.get_by_role("link", name="Next week →").click()
    desk.get_by_role("link", name=SESSION_TITLE, exact=True).click()
    record_missed(desk)
    expect(desk.get_by_text(f"{DEMO_PARTICIPANT} has missed 2 or more sessions in a row"))\
        .to_be_visible()
    shot(desk, screenshots, "session-missed-alert")

    # The alert is on the alerts page, at the top.
    nav(desk, "Alerts")
    missed = desk.locator("section.group", has_text="Missed sessions in a row")
    expect(missed).to_have_count(1)
    expect(missed).to_contain_text(DEMO_PARTICIPANT)
    expect(missed).to_contain_text("2 sessions missed in a row.")
    shot(desk, screenshots, "alerts-missed-sessions")

    # A coming occurrence: changed, then cancelled with a note for participants.
    nav(desk, "Schedule")
    desk.get_by_role("link", name="Next week →").click()
    desk.get_by_role("link", name=SESSION_TITLE, exact=True).click()
    expect(desk.get_by_text("This session has not started yet")).to_be_visible()
    desk.get_by_role("link", name="Change session").click()
    expect(desk.get_by_role("heading", name=f"Change “{SESSION_TITLE}”")).to_be_visible()
    desk.get_by_label("Place or telehealth link").fill("Group room C")
    top_shot(desk, screenshots, "session-edit")
    desk.get_by_role("button", name="Save changes").click()
    expect(desk.get_by_text("Session changed.")).to_be_visible()
    expect(desk.get_by_text("Group room C")).to_be_visible()
    top_shot(desk, screenshots, "session-coming")
    desk.get_by_role("button", name="Cancel this and the following…").click()
    expect(desk.get_by_role("heading", name=f"Cancel “{SESSION_TITLE}” and the following ones?")
           ).to_be_visible()
    shot(desk, screenshots, "confirm-cancel-following")
    desk.get_by_role("link", name="Cancel", exact=True).click()
    desk.get_by_role("button", name="Cancel session…").click()
    expect(desk.get_by_role("heading", name=f"Cancel “{SESSION_TITLE}”?")).to_be_visible()
    desk.get_by_label("Note for participants (optional)").fill("Moved to Thursday this week")
    shot(desk, screenshots, "confirm-cancel-session")
    desk.get_by_role("button", name="Yes, cancel the session").click()
    expect(desk.get_by_text("Session cancelled.")).to_be_visible()
    expect(desk.get_by_text("Moved to Thursday this week")).to_be_visible()
    expect(desk.get_by_role("button", name="Cancel session…")).to_have_count(0)
    shot(desk, screenshots, "session-cancelled")
    desk.get_by_role("link", name=re.compile("^Schedule, week of")).click()
    expect(desk.get_by_role("row", name=re.compile(SESSION_TITLE))).to_contain_text("Cancelled")
    shot(desk, screenshots, "schedule-cancelled")

    # The participant's page: the group, and the coming sessions with links.
    nav(desk, "Participants")
    desk.get_by_role("link", name=DEMO_PARTICIPANT, exact=True).click()
    glance = desk.locator("dl.glance")
    expect(glance.get_by_role("link", name=GROUP)).to_be_visible()
    sessions = desk.locator("#sessions")
    sessions.scroll_into_view_if_needed()
    expect(sessions.get_by_role("link", name=SESSION_TITLE).first).to_be_visible()
    shot(desk, screenshots, "participant-sessions")

    # A clinician sees the clinic's details but cannot change them.
    nav(desk, "Settings")
    expect(desk.get_by_text("An administrator of the clinic can change these.")).to_be_visible()
    expect(desk.get_by_role("button", name="Save clinic details")).to_have_count(0)
    shot(desk, screenshots, "settings-clinician")
    desk.get_by_role("button", name="Sign out").click()

    # An administrator changes the crisis line (a malformed number refused first).
    portal_sign_in(desk, portal_clinic, ADMIN_EMAIL, portal_clinic.admin_one_time_password)
    desk.get_by_label("One-time password").fill(portal_clinic.admin_one_time_password)
    desk.get_by_label("New password", exact=True).fill(ADMIN_PASSWORD)
    desk.get_by_label("New password again").fill(ADMIN_PASSWORD)
    desk.get_by_role("button", name="Save new password").click()
    expect(desk.get_by_text("Your new password is saved.")).to_be_visible()
    nav(desk, "Settings")
    crisis = desk.get_by_label("Crisis line")
    crisis.fill("call the front desk")
    desk.get_by_role("button", name="Save clinic details").click()
    expect(desk.get_by_text("Nothing was saved.")).to_be_visible()
    crisis = desk.get_by_label("Crisis line")
    expect(crisis).to_have_value("call the front desk")
    expect(crisis).to_have_attribute("aria-invalid", "true")
    expect(desk.locator("#clinic-crisis_line-error")).to_contain_text(
        "Type a phone number of at least 3 digits")
    shot(desk, screenshots, "settings-clinic-refused")
    crisis.fill(CRISIS_LINE)
    desk.get_by_role("button", name="Save clinic details").click()
    expect(desk.get_by_text("Clinic details saved.")).to_be_visible()
    expect(desk.get_by_label("Crisis line")).to_have_value(CRISIS_LINE)
    top_shot(desk, screenshots, "settings-clinic-saved")
