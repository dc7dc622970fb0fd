"""The staff portal in one run, in Chromium at 1280x800: `iop-clinic serve --workers 2` on a
seeded SQLite database; a clinician signs in, adds a participant and enrols a device; the
participant's app enrols with the code from the page, checks in and submits a PHQ-9 with
question 9 = 1; the portal lists the alert at the top; the clinician opens the
participant, sees the check-in and the result, and acknowledges the alert with a note;
an administrator (added with `iop-clinic staff add`) finds each step in the audit log.
Screenshots of every portal page: test-artifacts/screenshots/portal-*.png."""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import (
    BIN_DIR,
    REPO_ROOT,
    SIGN_IN_LINE,
    RunningProcess,
    free_port,
    start,
    wait_for_http,
)
from tests.e2e.driver import button, complete_first_run, fill, open_app, reveal, text
from tests.e2e.test_measure_safety import in_view

PIN = "482913"
DESKTOP = {"width": 1280, "height": 800}
ADMIN_EMAIL = "avery.admin@cedarhollow.example"
ADMIN_PASSWORD = "avery's own long passphrase"
PARTICIPANT = "Robin"
NOTE = "Called Robin at 10:05; safe, seeing the counsellor tomorrow."
# What the audit log must hold once the run is over, one per step.
STEPS = ("staff.sign_in", "participant.create", "enrolment_code.issue", "enrolment.create",
         "participant.record.push", "alert.create", "clinician.alerts.read",
         "clinician.check_ins.read", "clinician.measure_results.read", "alert.acknowledge",
         "staff.password_change")


def _run(*args: str) -> str:
    done = subprocess.run([str(BIN_DIR / "iop-clinic"), *args], check=False,
                          capture_output=True, text=True, timeout=120, cwd=REPO_ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


class PortalClinic:
    def __init__(self, tmp_path: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database_url = f"sqlite:///{tmp_path / 'clinic.sqlite3'}"
        demo = _run("demo", "--database-url", self.database_url, "--clinic-url", self.url)
        sign_in = re.search(SIGN_IN_LINE, demo)
        assert sign_in, demo
        self.clinician_email, self.clinician_password = sign_in.group(1), sign_in.group(2)
        added = _run("staff", "add", ADMIN_EMAIL, "--name", "Avery Admin", "--role",
                     "administrator", "--database-url", self.database_url)
        one_time = re.search(r"One-time password: (\S+)", added)
        assert one_time, added
        self.admin_one_time_password = one_time.group(1)
        self.server: RunningProcess = start([
            str(BIN_DIR / "iop-clinic"), "serve", "--database-url", self.database_url,
            "--port", str(self.port), "--workers", "2"])
        try:
            wait_for_http(f"{self.url}/api/v1/health")
        except BaseException:
            self.server.stop()  # the fixture never gets it back to stop
            raise


@pytest.fixture
def portal_clinic(tmp_path: Path) -> Iterator[PortalClinic]:
    clinic = PortalClinic(tmp_path)
    try:
        yield clinic
    finally:
        clinic.server.stop()


def shot(page: Page, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"portal-{name}.png"))


def portal_sign_in(page: Page, clinic: PortalClinic, email: str, password: str) -> None:
    page.goto(f"{clinic.url}/portal/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def acknowledge_form_field(page: Page) -> object:
    return page.get_by_role("textbox", name=re.compile(rf"^Note: what you did.*{PARTICIPANT}$"))


def test_a_clinic_runs_a_risk_alert_through_the_portal(
        browser: Browser, page: Page, portal_clinic: PortalClinic, tmp_path: Path,
        screenshots: Path) -> None:
    desk = browser.new_context(viewport=DESKTOP).new_page()
    desk.set_default_timeout(30_000)

    # A clinician signs in: the alerts page is where they land.
    desk.goto(f"{portal_clinic.url}/portal/sign-in")
    shot(desk, screenshots, "sign-in")
    portal_sign_in(desk, portal_clinic, portal_clinic.clinician_email,
                   portal_clinic.clinician_password)
    expect(desk.get_by_role("heading", name="Alerts", exact=True)).to_be_visible()
    shot(desk, screenshots, "alerts-before")

    # Adds a participant and enrols a device; the code is read from the page.
    desk.get_by_role("link", name="Participants").click()
    expect(desk.get_by_role("heading", name="Participants")).to_be_visible()
    shot(desk, screenshots, "participants")
    desk.get_by_role("link", name="Add participant").click()
    desk.get_by_label("Name (first name or chosen name)").fill(PARTICIPANT)
    shot(desk, screenshots, "add-participant")
    desk.get_by_role("button", name="Add participant").click()
    expect(desk.get_by_role("heading", name=PARTICIPANT, exact=True)).to_be_visible()
    expect(desk.get_by_text("Participant added")).to_be_visible()
    desk.get_by_role("button", name="Enrol a device").click()
    code = (desk.locator("#enrolment-code").text_content() or "").strip()
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}", code), code
    expect(desk.get_by_text(f"{portal_clinic.url}/enrol#code={code}")).to_be_visible()
    expect(desk.locator("figure.qr svg")).to_be_visible()
    shot(desk, screenshots, "enrolment-code")

    # The participant's app enrols with it, checks in, and answers question 9 with 1.
    app_port = free_port()
    app = start([str(BIN_DIR / "iop-companion"), "--web", "--port", str(app_port),
                 "--data-dir", str(tmp_path / "data"), "--clinic-url", portal_clinic.url])
    try:
        app.wait_for_line(r"IOP Companion is ready")
        wait_for_http(f"http://127.0.0.1:{app_port}/")
        open_app(page, f"http://127.0.0.1:{app_port}/")
        complete_first_run(page, PIN, code)
        button(page, "Check in").or_(button(page, "Check in again")).first.click()
        fill(page, "Hours of sleep last night", "6")
        reveal(page, button(page, "Mood 3")).click()
        reveal(page, button(page, "Sleep: OK")).click()
        reveal(page, button(page, "Medicines: Yes")).click()
        reveal(page, button(page, "Use since last check-in: No")).click()
        reveal(page, button(page, "Thoughts of self-harm: No")).click()
        reveal(page, button(page, "Save check-in")).click()
        expect(text(page, "You checked in at")).to_be_visible()
        reveal(page, button(page, "Start Mood check (PHQ-9)")).click()
        reveal(page, button(page, "Question 9: Several days")).click()
        for number in range(1, 9):
            in_view(page, button(page, f"Question {number}: Not at all")).click()
        in_view(page, button(page, "Save my answers")).click()
        expect(text(page, "You are not alone")).to_be_visible()

        # The portal lists the alert at the top.
        first_group = desk.locator("section.group").first
        deadline = time.monotonic() + 60
        while True:
            desk.goto(f"{portal_clinic.url}/portal/alerts")
            if first_group.count() and PARTICIPANT in (
                    first_group.get_by_role("heading").first.text_content() or ""):
                break
            assert time.monotonic() < deadline, desk.content()
            time.sleep(1)
        expect(first_group).to_contain_text("PHQ-9 question 9")
        shot(desk, screenshots, "alerts")
    finally:
        app.stop()

    # The clinician opens the participant: the check-in and the PHQ-9 result are there.
    first_group.get_by_role("link", name=PARTICIPANT).click()
    expect(desk.get_by_role("heading", name=PARTICIPANT, exact=True)).to_be_visible()
    check_ins = desk.get_by_role("table", name="The numbers in the charts")
    expect(check_ins.get_by_role("row").nth(1)).to_contain_text("3")  # mood
    expect(check_ins.get_by_role("row").nth(1)).to_contain_text("6")  # hours of sleep
    expect(desk.get_by_role("img", name="Mood (0 to 10)")).to_be_visible()
    results = desk.locator("#measures table")
    expect(results).to_contain_text("PHQ-9")
    expect(results).to_contain_text("Minimal")
    expect(results).to_contain_text("Question 9 answered 1")
    shot(desk, screenshots, "participant")
    desk.locator("#measures").scroll_into_view_if_needed()
    shot(desk, screenshots, "participant-results")
    desk.locator("#devices").scroll_into_view_if_needed()
    shot(desk, screenshots, "participant-devices")
    desk.screenshot(path=str(screenshots / "portal-participant-full.png"), full_page=True)
    desk.get_by_role("button", name="Discharge…").click()
    expect(desk.get_by_role("heading", name=f"Discharge {PARTICIPANT}?")).to_be_visible()
    shot(desk, screenshots, "confirm-discharge")
    desk.get_by_role("link", name="Cancel").click()

    # And acknowledges the alert with a note; it leaves the open list.
    desk.get_by_role("link", name="Alerts").click()
    note = acknowledge_form_field(desk)
    note.first.fill(NOTE)
    desk.get_by_role("button", name=re.compile(rf"^Acknowledge .*{PARTICIPANT}$")).first.click()
    expect(desk.get_by_text("Alert acknowledged")).to_be_visible()
    expect(acknowledge_form_field(desk)).to_have_count(0)
    shot(desk, screenshots, "alerts-acknowledged")

    # A clinician is no administrator.
    desk.goto(f"{portal_clinic.url}/portal/admin/audit")
    expect(desk.get_by_role("heading", name="Not allowed")).to_be_visible()
    shot(desk, screenshots, "not-allowed")
    desk.goto(f"{portal_clinic.url}/portal/alerts")
    desk.get_by_role("button", name="Sign out").click()
    expect(desk.get_by_text("You have signed out.")).to_be_visible()

    # The administrator signs in with the one-time password and must choose their own.
    portal_sign_in(desk, portal_clinic, ADMIN_EMAIL, portal_clinic.admin_one_time_password)
    expect(desk.get_by_role("heading", name="Choose your own password")).to_be_visible()
    shot(desk, screenshots, "choose-password")
    desk.get_by_label("One-time password").fill(portal_clinic.admin_one_time_password)
    desk.get_by_label("New password", exact=True).fill(ADMIN_PASSWORD)
    desk.get_by_label("New password again").fill(ADMIN_PASSWORD)
    desk.get_by_role("button", name="Save new password").click()
    expect(desk.get_by_text("Your new password is saved.")).to_be_visible()
    desk.get_by_role("link", name="Staff").click()
    expect(desk.get_by_role("cell", name=portal_clinic.clinician_email)).to_be_visible()
    shot(desk, screenshots, "staff")

    # The audit log holds each step (paged, newest first).
    desk.get_by_role("link", name="Audit log").click()
    expect(desk.get_by_role("heading", name="Audit log")).to_be_visible()
    shot(desk, screenshots, "audit-log")
    seen: set[str] = set()
    acknowledged_by: list[str] = []
    for _ in range(30):
        seen |= {cell.strip() for cell in desk.locator("table.log tbody td:nth-child(3)")
                 .all_text_contents()}
        for row in desk.locator("table.log tbody tr", has_text="alert.acknowledge").all():
            acknowledged_by.append((row.locator("td").first.text_content() or "").strip())
        older = desk.get_by_role("link", name="Older entries")
        if set(STEPS) <= seen or not older.count():
            break
        older.click()
    assert set(STEPS) <= seen, sorted(set(STEPS) - seen)
    # The acknowledgement names the clinician who made it (their name, not an id).
    assert acknowledged_by and acknowledged_by[0] not in ("", "anonymous"), acknowledged_by
    assert not acknowledged_by[0].startswith("staff:"), acknowledged_by
