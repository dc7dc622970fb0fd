"""The portal's clinic settings and a participant's homework and modules, in Chromium at
1280x800 against `iop-clinic serve --workers 2` on the demo clinic: a clinician opens
Settings from the navigation, has a questionnaire interval and an alert threshold
refused (the message beside the box, what was typed kept), saves them and the support
response time; then on the demo participant's page sets homework (a blank title is
refused beside the field first), assigns a module from the library and withdraws the
homework after the confirm page. Screenshots: test-artifacts/screenshots/portal-*.png."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.test_portal import DESKTOP, PortalClinic, portal_sign_in, shot

DEMO_PARTICIPANT = "Alex"


@pytest.fixture
def portal_clinic(tmp_path: Path) -> Iterator[PortalClinic]:
    """The portal test's demo clinic on two workers (it stops a server that never
    answers itself)."""
    clinic = PortalClinic(tmp_path)
    try:
        yield clinic
    finally:
        clinic.server.stop()


def test_clinic_settings_and_assignments_in_the_portal(
        browser: Browser, portal_clinic: PortalClinic, screenshots: Path) -> None:
    desk: Page = browser.new_context(viewport=DESKTOP).new_page()
    desk.set_default_timeout(30_000)
    portal_sign_in(desk, portal_clinic, portal_clinic.clinician_email,
                   portal_clinic.clinician_password)
    expect(desk.get_by_role("heading", name="Alerts", exact=True)).to_be_visible()

    # Settings, from the navigation.
    desk.get_by_role("navigation", name="Portal").get_by_role("link", name="Settings").click()
    expect(desk.get_by_role("heading", name="Clinic settings")).to_be_visible()
    expect(desk.get_by_role("link", name="Settings")).to_have_attribute("aria-current", "page")
    shot(desk, screenshots, "settings")

    # A questionnaire interval out of bounds: refused beside its box, the rest kept.
    phq9 = desk.get_by_label("PHQ-9 (depression): every how many days")
    gad7 = desk.get_by_label("GAD-7 (anxiety): every how many days")
    phq9.fill("7")
    gad7.fill("120")
    desk.get_by_role("button", name="Save questionnaire schedule").click()
    expect(desk.get_by_text("Nothing was saved.")).to_be_visible()
    expect(gad7).to_have_attribute("aria-invalid", "true")
    expect(gad7).to_have_value("120")
    expect(phq9).to_have_value("7")
    expect(desk.locator("#measure-gad7-error")).to_have_text(
        "Type a whole number of days from 1 to 90, or leave it empty for the app's default.")
    shot(desk, screenshots, "settings-refused")
    gad7.fill("10")
    desk.get_by_role("button", name="Save questionnaire schedule").click()
    expect(desk.get_by_text("Questionnaire schedule saved.")).to_be_visible()
    expect(desk.get_by_label("GAD-7 (anxiety): every how many days")).to_have_value("10")

    # The support response time.
    hours = desk.get_by_label("Hours within which the clinic answers")
    hours.fill("24")
    desk.get_by_role("button", name="Save response time").click()
    expect(desk.get_by_text("Response time saved.")).to_be_visible()
    expect(desk.get_by_label("Hours within which the clinic answers")).to_have_value("24")

    # An alert threshold below its bounds, then one within them.
    craving = desk.get_by_label("Strong craving (0 to 10)", exact=True)
    craving.fill("3")
    desk.get_by_role("button", name="Save alert thresholds").click()
    craving = desk.get_by_label("Strong craving (0 to 10)", exact=True)
    expect(craving).to_have_value("3")
    expect(desk.locator("#threshold-craving_at_least-error")).to_contain_text(
        "Type a whole number from 5 to 10")
    craving.scroll_into_view_if_needed()
    shot(desk, screenshots, "settings-thresholds-refused")
    craving.fill("9")
    desk.get_by_role("button", name="Save alert thresholds").click()
    expect(desk.get_by_text("Alert thresholds saved.")).to_be_visible()
    expect(desk.get_by_label("Strong craving (0 to 10)", exact=True)).to_have_value("9")
    shot(desk, screenshots, "settings-thresholds-saved")
    desk.screenshot(path=str(screenshots / "portal-settings-full.png"), full_page=True)

    # Homework and a module on the demo participant's page.
    desk.get_by_role("link", name="Participants").click()
    desk.get_by_role("link", name=DEMO_PARTICIPANT, exact=True).click()
    expect(desk.get_by_role("heading", name=DEMO_PARTICIPANT, exact=True)).to_be_visible()
    due = (date.today() + timedelta(days=7)).isoformat()
    title = desk.get_by_label("Title", exact=True)
    title.fill("   ")  # the browser lets spaces through; the server refuses them
    desk.get_by_label("Instructions (optional)").fill("Write down each trigger.\nAnd what helped.")
    desk.get_by_label("Goes with a module (optional)").select_option(label="Understanding triggers")
    desk.get_by_role("button", name="Set homework").click()
    expect(desk.get_by_text("Homework not set. Please check:")).to_be_visible()
    title = desk.get_by_label("Title", exact=True)
    expect(title).to_have_attribute("aria-invalid", "true")
    expect(desk.get_by_label("Instructions (optional)")).to_have_value(
        "Write down each trigger.\nAnd what helped.")
    expect(desk.get_by_label("Goes with a module (optional)")).to_have_value(
        "understanding-triggers")
    title.scroll_into_view_if_needed()
    shot(desk, screenshots, "assignments-refused")

    title.fill("Trigger log")
    desk.locator("#homework-due").fill(due)
    desk.get_by_role("button", name="Set homework").click()
    expect(desk.get_by_text("Homework set.")).to_be_visible()
    homework_row = desk.get_by_role("row", name=re.compile("^Trigger log"))
    expect(homework_row).to_contain_text("Understanding triggers")
    expect(homework_row).to_contain_text("Not done yet")

    desk.get_by_label("Module", exact=True).select_option(label="Riding out cravings")
    desk.get_by_label("Note to the participant (optional)").fill("Before Thursday's group.")
    desk.get_by_role("button", name="Assign module").click()
    expect(desk.get_by_text("Module assigned.")).to_be_visible()
    module_row = desk.get_by_role("row", name=re.compile("^Riding out cravings"))
    expect(module_row).to_contain_text("Not read yet")
    expect(module_row).to_contain_text("Before Thursday's group.")
    desk.locator("#homework").scroll_into_view_if_needed()
    shot(desk, screenshots, "assignments")

    desk.get_by_role("button", name="Withdraw homework “Trigger log”…").click()
    expect(desk.get_by_role("heading", name="Withdraw “Trigger log”?")).to_be_visible()
    shot(desk, screenshots, "confirm-withdraw-homework")
    desk.get_by_role("button", name="Yes, withdraw the homework").click()
    expect(desk.get_by_text("Homework withdrawn.")).to_be_visible()
    expect(desk.get_by_role("row", name=re.compile("^Trigger log"))).to_contain_text("Withdrawn")
    expect(desk.get_by_role("button", name="Withdraw homework “Trigger log”…")).to_have_count(0)
    shot(desk, screenshots, "assignments-withdrawn")
