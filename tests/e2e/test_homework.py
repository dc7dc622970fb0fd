"""Homework from the care team end to end: the Practice tab says what will appear there;
a clinician sets homework; the app gets it and says when each is due in plain words; the
module one goes with opens in the Learn reader; the participant starts a note, steps away and finds it kept, marks the homework done, and
the clinic's database holds the homework_done record; undo puts it back on the list;
the clinician withdraws another assignment and after a sync it is gone from the list."""

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
URGE_LOG = "Urge log"
WALK = "A ten-minute walk"
NOTE = "Two urges this week. Both passed after a walk."
NOTE_FIELD = "How did it go? (optional)"


class HomeworkClinician:
    """The demo clinician, using the clinic's API as their own tools would."""

    def __init__(self, clinic_url: str) -> None:
        signed_in = httpx.post(f"{clinic_url}/api/v1/clinician/sessions",
                               json=demo_clinician(clinic_url), timeout=10)
        assert signed_in.status_code == 201, signed_in.text
        self._headers = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
        self._base = f"{clinic_url}/api/v1/clinician/participants/{DEMO_PARTICIPANT_ID}/homework"

    def set(self, **body: Any) -> dict[str, Any]:
        response = httpx.post(self._base, json=body, headers=self._headers, timeout=10)
        assert response.status_code == 201, response.text
        return response.json()  # type: ignore[no-any-return]

    def withdraw(self, homework_id: str) -> None:
        response = httpx.post(f"{self._base}/{homework_id}/withdraw", headers=self._headers,
                              timeout=10)
        assert response.status_code == 200, response.text


def homework_done_at_clinic(database: Path) -> list[tuple[int, dict[str, Any]]]:
    """(version, payload) of the homework_done records in the demo clinic's database."""
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        rows = connection.execute(
            "SELECT kind, version, payload FROM participant_records ORDER BY server_seq"
        ).fetchall()
    return [(version, json.loads(payload)) for kind, version, payload in rows
            if kind.lower() == "homework_done"]


def wait_for_versions(database: Path, count: int,
                      timeout: float = 30) -> list[tuple[int, dict[str, Any]]]:
    deadline = time.monotonic() + timeout
    while True:
        found = homework_done_at_clinic(database)
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.5)


def get_updates(page: Page) -> None:
    reveal(page, button(page, "Get updates from my care team")).click()
    expect(reveal(page, text(page, "Your homework is up to date."))).to_be_visible()


def test_homework_is_set_done_with_a_note_undone_and_withdrawn(
        page: Page, demo_app: RunningApp, screenshots: Path, tmp_path: Path) -> None:
    assert demo_app.clinic_url
    assert demo_app.demo_clinic_database
    database = demo_app.demo_clinic_database
    open_app(page, demo_app.url)
    complete_first_run(page, PIN, demo_app.enrolment_code)
    clinician = HomeworkClinician(demo_app.clinic_url)
    clinic_today = datetime.now(ZoneInfo(DEMO_TIMEZONE)).date()

    # 1. Before any homework: a kind empty state that says what will appear here.
    tab(page, "Practice").click()
    expect(reveal(page, text(page, "Homework from your care team"))).to_be_visible()
    expect(reveal(page, text(page, "No homework right now"))).to_be_visible()
    expect(button(page, "Get help now")).to_be_visible()
    shot(page, screenshots, "homework-0-empty")

    # 2. The clinician sets two assignments; the app asks for updates.
    clinician.set(title=URGE_LOG, instructions="Each time an urge comes, write down the time, "
                  "how strong it was, and what you did.",
                  due_on=(clinic_today + timedelta(days=2)).isoformat(),
                  module_id="riding-out-cravings")
    walk = clinician.set(title=WALK, instructions="Take a short walk outside and notice "
                         "five things you can see.",
                         due_on=(clinic_today - timedelta(days=2)).isoformat())
    get_updates(page)
    expect(reveal(page, text(page, URGE_LOG))).to_be_visible()
    expect(reveal(page, text(page, "2 days late. That's okay, it still counts."))).to_be_visible()
    due_in_two_days = f"Due {(clinic_today + timedelta(days=2)).strftime('%A')}"
    expect(reveal(page, text(page, due_in_two_days))).to_be_visible()
    shot(page, screenshots, "homework-1-to-do")

    # The urge log goes with a module: it opens in the Learn tab's reader, and back.
    expect(reveal(page, text(page, "Goes with the module “Riding out cravings”"))).to_be_visible()
    reveal(page, button(page, "Open the module: Riding out cravings")).click()
    expect(page.get_by_role("heading", name="Riding out cravings")).to_be_visible()
    shot(page, screenshots, "homework-1b-module")
    button(page, "Back").click()
    expect(reveal(page, button(page, f"Mark as done: {URGE_LOG}"))).to_be_visible()

    # 3. Start a note, step away to another tab and come back: the note is still there.
    reveal(page, button(page, f"Mark as done: {URGE_LOG}")).click()
    fill(page, NOTE_FIELD, NOTE)
    tab(page, "Today").click()
    tab(page, "Practice").click()
    expect(reveal(page, text(page, "We kept what you typed before."))).to_be_visible()
    expect(focused_field(page, NOTE_FIELD)).to_have_value(NOTE)
    page.evaluate("document.activeElement && document.activeElement.blur()")
    shot(page, screenshots, "homework-2-note-kept")

    # 4. Mark it done: it moves to Done with the note, and the clinic gets the record.
    reveal(page, button(page, "Save as done")).click()
    expect(reveal(page, text(page, f"Your note: {NOTE}"))).to_be_visible()
    expect(reveal(page, text(page, "Done today"))).to_be_visible()
    shot(page, screenshots, "homework-3-done")
    [(version, payload)] = wait_for_versions(database, 1)
    assert version == 1
    assert (payload["done"], payload["note"], payload["done_on"]) == (
        True, NOTE, clinic_today.isoformat())

    # 5. Not done after all: back on the list, and the clinic gets version 2.
    reveal(page, button(page, f"Undo: {URGE_LOG}")).click()
    expect(reveal(page, button(page, f"Mark as done: {URGE_LOG}"))).to_be_visible()
    versions = wait_for_versions(database, 2)
    assert [(v, p["done"]) for v, p in versions] == [(1, True), (2, False)]

    # 6. The clinician withdraws the walk: after a sync it is no longer to do.
    clinician.withdraw(walk["id"])
    get_updates(page)
    expect(reveal(page, button(page, f"Mark as done: {URGE_LOG}"))).to_be_visible()
    expect(text(page, WALK)).to_have_count(0)
    expect(button(page, f"Mark as done: {WALK}")).to_have_count(0)
    shot(page, screenshots, "homework-4-withdrawn")


def test_without_a_clinic_the_practice_tab_says_what_will_appear(
        page: Page, demo_app: RunningApp, screenshots: Path) -> None:
    open_app(page, demo_app.url)
    complete_first_run(page, PIN, None)
    tab(page, "Practice").click()
    expect(reveal(page, text(page, "Homework will show here"))).to_be_visible()
    expect(button(page, "Get updates from my care team")).to_have_count(0)
    # Not a dead end: the coping steps the person wrote are one tap away.
    reveal(page, button(page, "Open my safety plan")).click()
    expect(button(page, "Back")).to_be_visible()
    shot(page, screenshots, "homework-5-no-clinic-safety-plan")
    button(page, "Back").click()
    expect(reveal(page, text(page, "Homework will show here"))).to_be_visible()
    shot(page, screenshots, "homework-5-no-clinic")
