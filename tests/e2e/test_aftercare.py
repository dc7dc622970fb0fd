"""My aftercare plan and discharge, end to end: build the plan with a support meeting,
sync it to the clinic, see the clinician's addition after a sync; then the clinician
discharges the participant: the app says plainly that the clinic no longer receives
data, a new check-in stays on the phone (the clinic's database never gets it), the
safety plan still opens with the clinic unreachable, and the safety flow says honestly
that the clinic was not told."""

from __future__ import annotations

import sqlite3
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
from playwright.sync_api import Page, expect

from iop_companion.clinic.demo import (
    DEMO_PARTICIPANT_ID,
    DEMO_TIMEZONE,
)
from tests.e2e.conftest import RunningApp, demo_clinician
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
PARTICIPANT = f"/api/v1/clinician/participants/{DEMO_PARTICIPANT_ID}"


class Clinician:
    def __init__(self, clinic_url: str) -> None:
        self.url = clinic_url
        signed_in = httpx.post(f"{clinic_url}/api/v1/clinician/sessions", timeout=10,
                               json=demo_clinician(clinic_url))
        assert signed_in.status_code == 201, signed_in.text
        self.headers = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}

    def plan(self) -> dict | None:
        answer = httpx.get(f"{self.url}{PARTICIPANT}/aftercare-plan", headers=self.headers,
                           timeout=10)
        if answer.status_code == 404:
            return None
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    def wait_for_plan(self, version: int, timeout: float = 30) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            plan = self.plan()
            if plan is not None and plan["version"] >= version:
                return plan
            assert time.monotonic() < deadline, f"the clinic never got version {version}"
            time.sleep(0.5)

    def write_plan(self, body: dict) -> dict:
        answer = httpx.put(f"{self.url}{PARTICIPANT}/aftercare-plan", headers=self.headers,
                           json=body, timeout=10)
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    def discharge(self, on: str) -> None:
        answer = httpx.post(f"{self.url}{PARTICIPANT}/discharge", headers=self.headers,
                            json={"discharged_on": on}, timeout=10)
        assert answer.status_code == 200, answer.text


def clinic_kinds(database_url: str) -> list[str]:
    """The kinds of every record the clinic stored, read from its database (read-only)."""
    path = database_url.removeprefix("sqlite:///")
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
        rows = connection.execute(
            "SELECT kind FROM participant_records ORDER BY server_seq").fetchall()
    return [kind.lower() for (kind,) in rows]


def sync_now(page: Page) -> None:
    """Settings, "Sync now", and back to the tab it was opened from."""
    button(page, "Settings").click()
    reveal(page, button(page, "Sync now")).click()
    expect(text(page, "Your clinic has everything from this phone")).to_be_visible(
        timeout=30_000)
    button(page, "Back").click()


def test_aftercare_plan_round_trip_then_discharge(
        page: Page, app_with_separate_clinic: RunningApp, screenshots: Path) -> None:
    running = app_with_separate_clinic
    assert running.clinic is not None and running.clinic_url and running.clinic_database_url
    open_app(page, running.url)
    complete_first_run(page, PIN, running.enrolment_code)

    # 1. Build the plan from the Journal, with one support meeting.
    tab(page, "Journal").click()
    reveal(page, button(page, "Open my aftercare plan")).click()
    expect(text(page, "Your aftercare plan is not written yet")).to_be_visible()
    shot(page, screenshots, "aftercare-1-empty")
    button(page, "Build my aftercare plan").click()
    fill(page, "My ongoing care", "Weekly therapy with Dr. Lee")
    fill(page, "Meeting 1: name", "SMART Recovery")
    reveal(page, button(page, "Meeting 1 day: Tuesday")).click()
    fill(page, "Meeting 1: time", "6:30 pm")
    fill(page, "Meeting 1: place", "Library, room 2")
    fill(page, "People I can call", "Ana 555-0101")
    # Help is one tap away, and coming back loses nothing typed.
    button(page, "Get help now").click()
    expect(button(page, "Call 988")).to_be_visible()
    button(page, "Back").click()
    expect(text(page, "We kept what you were typing")).to_be_visible()
    expect(focused_field(page, "Meeting 1: name")).to_have_value("SMART Recovery")
    reveal(page, button(page, "Meeting 1 day: Tuesday"))
    shot(page, screenshots, "aftercare-2-edit-meeting")
    reveal(page, button(page, "Save my aftercare plan")).click()
    expect(text(page, "• Weekly therapy with Dr. Lee")).to_be_visible()
    expect(reveal(page, text(page, "Every Tuesday at 6:30 PM · Library, room 2"))).to_be_visible()
    shot(page, screenshots, "aftercare-3-plan")

    # 2. It reaches the clinic (saving syncs by itself); the clinician adds to it.
    clinician = Clinician(running.clinic_url)
    plan = clinician.wait_for_plan(1)
    assert plan["author"] == "participant"
    assert plan["payload"]["support_meetings"] == [
        {"name": "SMART Recovery", "weekday": "tuesday", "time": "18:30",
         "place": "Library, room 2"}]
    content = {k: v for k, v in plan["payload"].items()
               if k not in ("id", "created_at", "updated_at", "schema_version")}
    clinician.write_plan({**content, "medication_follow_up": ["Dr. Kim on December 3"],
                          "replaces_version": plan["version"]})

    # 3. After a sync the phone shows the clinician's addition.
    button(page, "Back").click()
    sync_now(page)
    reveal(page, button(page, "Open my aftercare plan")).click()
    expect(reveal(page, text(page, "• Dr. Kim on December 3"))).to_be_visible()
    shot(page, screenshots, "aftercare-4-clinicians-addition")
    button(page, "Back").click()

    # 4. The clinician discharges the participant; after a sync the app says so plainly.
    clinician.discharge(datetime.now(ZoneInfo(DEMO_TIMEZONE)).date().isoformat())
    sync_now(page)
    tab(page, "Today").click()
    expect(text(page, "Your program has ended")).to_be_visible()
    expect(text(page, "Your clinic no longer receives what you write in this app.")
           ).to_be_visible()
    shot(page, screenshots, "aftercare-5-today-discharged")
    button(page, "Settings").click()
    expect(reveal(page, text(page, "Your clinic no longer receives what you write in this app."))
           ).to_be_visible()
    shot(page, screenshots, "aftercare-6-settings-discharged")
    button(page, "Back").click()

    # 5. A new check-in is kept on the phone and not sent.
    kinds_before = clinic_kinds(running.clinic_database_url)
    reveal(page, button(page, "Check in")).click()
    reveal(page, button(page, "Sleep: Well")).click()
    reveal(page, button(page, "Medicines: Yes")).click()
    reveal(page, button(page, "Use since last check-in: No")).click()
    reveal(page, button(page, "Thoughts of self-harm: No")).click()
    fill(page, "Hours of sleep last night", "7")
    reveal(page, button(page, "Save check-in")).click()
    expect(text(page, "You checked in at")).to_be_visible()
    button(page, "Settings").click()
    expect(reveal(page, text(page, "Entries waiting to be sent to your clinic: 0"))
           ).to_be_visible()
    reveal(page, button(page, "Sync now")).click()
    expect(text(page, "Your clinic has everything from this phone")).to_be_visible(
        timeout=30_000)
    button(page, "Back").click()
    tab(page, "Journal").click()
    expect(reveal(page, text(page, "Check-in, today"))).to_be_visible()
    kinds_after = clinic_kinds(running.clinic_database_url)
    assert "check_in" not in kinds_after
    assert kinds_after == kinds_before  # nothing new reached the clinic

    # 6. With the clinic unreachable, help and the safety plan still work, and the help
    #    screen does not pretend to tell the clinic.
    running.clinic.stop()
    button(page, "Get help now").click()
    expect(reveal(page, text(page, "Your clinic is not told from here"))).to_be_visible()
    expect(button(page, "Tell my clinic I need support")).to_have_count(0)
    shot(page, screenshots, "aftercare-7-help-discharged")
    reveal(page, button(page, "Open my safety plan")).click()
    button(page, "Write or edit my plan").click()
    fill(page, "Step 1: My warning signs", "Skipping meetings")
    reveal(page, button(page, "Save my plan")).click()
    expect(reveal(page, text(page, "• Skipping meetings"))).to_be_visible()
    expect(reveal(page, text(page, "This plan is no longer sent to your clinic"))
           ).to_be_visible()
    shot(page, screenshots, "aftercare-8-safety-plan-offline")

    # 7. A check-in answer that starts the safety flow says honestly that no one was told,
    #    and nothing waits to be sent.
    button(page, "Back").click()
    button(page, "Back").click()
    tab(page, "Today").click()
    reveal(page, button(page, "Check in again")).click()
    reveal(page, button(page, "Sleep: Well")).click()
    reveal(page, button(page, "Medicines: Yes")).click()
    reveal(page, button(page, "Use since last check-in: No")).click()
    reveal(page, button(page, "Thoughts of self-harm: Yes")).click()
    # The safety screen opens at once, over the check-in.
    expect(reveal(page, text(page, "You are not alone"))).to_be_visible()
    expect(reveal(page, text(page, "Your program has ended, so this app did not tell"))
           ).to_be_visible()
    shot(page, screenshots, "aftercare-9-safety-flow-discharged")
    button(page, "Back").click()
    fill(page, "Hours of sleep last night", "5")
    reveal(page, button(page, "Save check-in")).click()
    button(page, "Settings").click()
    expect(reveal(page, text(page, "Entries waiting to be sent to your clinic: 0"))
           ).to_be_visible()
