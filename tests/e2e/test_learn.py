"""Learn end to end: the library opens before anything is assigned; the clinician assigns
two modules, the app syncs and lists them first with the due date and the note; one is
withdrawn and leaves the list; the participant reads the other, says "I've read this",
and the clinic's database holds the `module_read` record."""

from __future__ import annotations

import json
import sqlite3
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from playwright.sync_api import Page, expect

from iop_companion.clinic.demo import DEMO_PARTICIPANT_ID, DEMO_TIMEZONE
from tests.e2e.conftest import RunningApp, demo_clinician
from tests.e2e.driver import button, complete_first_run, open_app, reveal, shot, tab, text

PIN = "482913"
NOTE = "Read this before Thursday's group. Bring one question."


class ClinicianModules:
    """The demo clinician assigning modules through the clinic's API."""

    def __init__(self, clinic_url: str) -> None:
        signed_in = httpx.post(f"{clinic_url}/api/v1/clinician/sessions",
                               json=demo_clinician(clinic_url), timeout=10)
        assert signed_in.status_code == 201, signed_in.text
        self._headers = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
        self._base = f"{clinic_url}/api/v1/clinician/participants/{DEMO_PARTICIPANT_ID}/modules"

    def assign(self, **body: Any) -> dict[str, Any]:
        response = httpx.post(self._base, json=body, headers=self._headers, timeout=10)
        assert response.status_code == 201, response.text
        return response.json()  # type: ignore[no-any-return]

    def withdraw(self, assignment_id: str) -> None:
        response = httpx.post(f"{self._base}/{assignment_id}/withdraw", headers=self._headers,
                              timeout=10)
        assert response.status_code == 200, response.text


def scroll(page: Page, pixels: int) -> None:
    """Scroll the reader as a person would (the wheel over the left margin)."""
    page.mouse.move(6, 500)
    for _ in range(pixels // 300):
        page.mouse.wheel(0, 300)
        page.wait_for_timeout(120)
    page.wait_for_timeout(300)


def module_reads_at_clinic(database: Path) -> list[dict[str, Any]]:
    """The `module_read` records the embedded demo clinic stored (read-only)."""
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        rows = connection.execute(
            "SELECT kind, payload FROM participant_records ORDER BY server_seq").fetchall()
    return [json.loads(payload) for kind, payload in rows if kind.lower() == "module_read"]


def test_an_assigned_module_is_listed_read_and_reported_to_the_clinic(
        page: Page, demo_app: RunningApp, screenshots: Path, tmp_path: Path) -> None:
    assert demo_app.clinic_url
    open_app(page, demo_app.url)
    complete_first_run(page, PIN, demo_app.enrolment_code)

    # 1. Before anything is assigned: the library is there, offline, and says so.
    tab(page, "Learn").click()
    expect(text(page, "Nothing to read from your care team right now")).to_be_visible()
    expect(reveal(page, button(page, "Open module: Understanding triggers"))).to_be_visible()
    shot(page, screenshots, "learn-1-library")

    # 2. The clinician assigns two modules; the app asks for updates.
    clinician = ClinicianModules(demo_app.clinic_url)
    clinic_today = datetime.now(ZoneInfo(DEMO_TIMEZONE)).date()
    cravings = clinician.assign(module_id="riding-out-cravings", note=NOTE,
                                due_on=(clinic_today + timedelta(days=1)).isoformat())
    sleep = clinician.assign(module_id="sleep-and-recovery")
    reveal(page, button(page, "Check for new modules")).click()
    expect(reveal(page, button(page, "Read now: Riding out cravings"))).to_be_visible()
    expect(reveal(page, button(page, "Read now: Sleep and recovery"))).to_be_visible()
    expect(reveal(page, text(page, "2 modules to read"))).to_be_visible()
    expect(reveal(page, text(page, NOTE))).to_be_visible()
    expect(text(page, "Due tomorrow")).to_be_visible()
    expect(button(page, "Get help now")).to_be_visible()
    shot(page, screenshots, "learn-2-assigned")

    # 3. A withdrawn assignment leaves the to-do list at the next sync.
    clinician.withdraw(sleep["id"])
    reveal(page, button(page, "Check for new modules")).click()
    expect(text(page, "1 module to read")).to_be_visible()
    expect(button(page, "Read now: Sleep and recovery")).to_have_count(0)
    expect(reveal(page, button(page, "Read now: Riding out cravings"))).to_be_visible()

    # 4. Read it: large plain text, the care team's note, help one tap away.
    reveal(page, button(page, "Read now: Riding out cravings")).click()
    expect(text(page, "Riding out cravings")).to_be_visible()
    expect(text(page, NOTE)).to_be_visible()
    expect(button(page, "Get help now")).to_be_visible()
    shot(page, screenshots, "learn-3-reader")
    scroll(page, 1500)
    expect(text(page, "Key points")).to_be_visible()
    shot(page, screenshots, "learn-4-reader-key-points")
    reveal(page, button(page, "I've read this")).click()
    expect(reveal(page, text(page, "You read this today"))).to_be_visible()
    expect(reveal(page, button(page, "Open crisis lines and my safety plan"))).to_be_visible()
    shot(page, screenshots, "learn-5-reader-read")
    scroll(page, 2000)
    expect(text(page, "Sources")).to_be_visible()
    shot(page, screenshots, "learn-6-reader-sources")

    # 5. Back on Learn: marked read, nothing left to do.
    button(page, "Back").click()
    expect(reveal(page, text(page, "You read this today"))).to_be_visible()
    expect(reveal(page, button(page, "Read again: Riding out cravings"))).to_be_visible()
    expect(text(page, "1 module to read")).to_have_count(0)
    shot(page, screenshots, "learn-7-after-reading")

    # 6. The clinic holds the answer (the app syncs after each write).
    deadline = time.monotonic() + 30
    reads = module_reads_at_clinic(demo_app.demo_clinic_database)
    while not reads and time.monotonic() < deadline:
        time.sleep(0.5)
        reads = module_reads_at_clinic(demo_app.demo_clinic_database)
    assert [(r["assignment_id"], r["module_id"]) for r in reads] == [
        (cravings["id"], "riding-out-cravings")]
