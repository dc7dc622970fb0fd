"""Free-text notes and the Journal's readable export, in the browser against the demo
clinic: a note written from the Journal's "New entry" says it stays on this phone; it is
listed by day, found by search, opened, edited, deleted and put back with "Undo"; a note
half-written when the phone locks comes back after the PIN; after a sync the clinic holds
the check-in but no trace of the note; and "Export my journal" saves the last 7 days as
a readable page holding the note, the check-in and the 42 CFR Part 2 notice."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from playwright.sync_api import Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from iop_companion.clinic.demo import DEMO_TIMEZONE
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
from tests.e2e.test_coping_logs import wait_for_clinic
from tests.e2e.test_my_data import check_in_with_note

PIN = "482913"
PRIVATE = "This note stays on this phone. Your clinic does not see it."
NOTE_TITLE = "Before group"
NOTE_TEXT = "Nervous about sharing <today> & tomorrow"


TAB_BAR = 90  # the bottom tab bar's height, with a margin


def in_sight(page: Page, target: Locator) -> Locator:
    """`target`, scrolled to between the top bar and the tab bar. Flutter keeps a button
    just below the fold in the accessibility tree, where a tap at its coordinates would
    land on the tab bar instead (driver.reveal stops once the button is in the tree)."""
    found = reveal(page, target)
    viewport = page.viewport_size
    bottom = (viewport["height"] if viewport else 915) - TAB_BAR
    for _ in range(10):
        box = found.bounding_box()
        if box is not None and 70 <= box["y"] and box["y"] + box["height"] <= bottom:
            break
        page.mouse.move(6, 500)
        page.mouse.wheel(0, 200 if box is None or box["y"] > 70 else -200)
        page.wait_for_timeout(250)
    return found


def tap(page: Page, target: Locator, shows: Locator, *, tries: int = 3) -> None:
    """Tap `target` until `shows` appears: a tap that lands while the list is drawn
    again (after a search is cleared, an undo) reaches nothing, and a person taps again."""
    for _ in range(tries):
        in_sight(page, target).click()
        try:
            shows.first.wait_for(state="visible", timeout=5000)
            return
        except PlaywrightTimeoutError:
            if not target.count():
                break
    shows.first.wait_for(state="visible", timeout=10000)


def clinic_holds(database: Path, words: str) -> bool:
    """Whether any record the clinic stored holds `words`."""
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        rows = connection.execute("SELECT kind, payload FROM participant_records").fetchall()
    return any(words in f"{kind} {payload}" for kind, payload in rows)


def record_kinds(database: Path) -> set[str]:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        return {kind.lower() for (kind,) in connection.execute(
            "SELECT kind FROM participant_records").fetchall()}


def test_a_note_is_found_edited_undone_kept_at_a_lock_and_exported_with_the_week(
        page: Page, demo_app: RunningApp, screenshots: Path, tmp_path: Path) -> None:
    assert demo_app.demo_clinic_database
    open_app(page, demo_app.url)
    complete_first_run(page, PIN, demo_app.enrolment_code)
    check_in_with_note(page, "Slept well before group")

    # 1. A note from the Journal's "New entry": it says plainly where it stays.
    tab(page, "Journal").click()
    reveal(page, button(page, "Note")).click()
    expect(text(page, "Write a note")).to_be_visible()
    expect(text(page, PRIVATE)).to_be_visible()
    fill(page, "Title (optional)", NOTE_TITLE)
    fill(page, "Your note", NOTE_TEXT)
    shot(page, screenshots, "notes-1-note-form")
    reveal(page, button(page, "Save note")).click()

    # Listed by day with the other entries, and found by search.
    expect(reveal(page, text(page, "Note, today at"))).to_be_visible()
    expect(reveal(page, text(page, NOTE_TEXT))).to_be_visible()
    expect(reveal(page, text(page, "Check-in, today at"))).to_be_visible()
    reveal(page, button(page, "Show: Notes")).click()
    expect(reveal(page, text(page, "Note, today at"))).to_be_visible()
    expect(text(page, "Check-in, today at")).to_have_count(0)
    reveal(page, button(page, "Show: Everything")).click()
    fill(page, "Search my notes", "nervous")
    reveal(page, button(page, "Search")).click()
    expect(reveal(page, text(page, "Entries with “nervous”: 1"))).to_be_visible()
    expect(text(page, "Check-in, today at")).to_have_count(0)
    shot(page, screenshots, "notes-2-journal-with-a-note")
    reveal(page, button(page, "Clear search")).click()

    # 2. Opened and edited: the same note, changed.
    tap(page, page.get_by_role("button", name="Open: Note, today at", exact=False),
        text(page, PRIVATE))
    expect(text(page, PRIVATE)).to_be_visible()
    assert focused_field(page, "Title (optional)").input_value() == NOTE_TITLE
    fill(page, "Your note", NOTE_TEXT + ", but ready")
    reveal(page, button(page, "Save note")).click()
    expect(reveal(page, text(page, NOTE_TEXT + ", but ready"))).to_be_visible()

    # 3. Deleted, then put back with "Undo".
    tap(page, page.get_by_role("button", name="Delete: Note, today at", exact=False),
        text(page, "Note deleted."))
    expect(text(page, "Note, today at")).to_have_count(0)
    shot(page, screenshots, "notes-3-deleted-with-undo")
    in_sight(page, button(page, "Undo")).click()
    expect(reveal(page, text(page, NOTE_TEXT + ", but ready"))).to_be_visible()

    # 4. A second note, half-written when the phone locks: back after the PIN.
    in_sight(page, button(page, "Note")).click()
    fill(page, "Your note", "Half a thought about my sister")
    leave_app(page)
    return_to_app(page)
    expect(button(page, "Unlock")).to_be_visible(timeout=30_000)
    expect(text(page, "Half a thought about my sister")).to_have_count(0)
    fill(page, "PIN", PIN)
    button(page, "Unlock").click()
    expect(text(page, "We kept what you typed before.")).to_be_visible()
    assert focused_field(page, "Your note").input_value() == "Half a thought about my sister"
    reveal(page, button(page, "Save note")).click()

    # 5. The clinic got the check-in after the sync, and nothing of either note.
    wait_for_clinic(demo_app.demo_clinic_database,
                    lambda _: clinic_holds(demo_app.demo_clinic_database,
                                           "Slept well before group"))
    assert clinic_holds(demo_app.demo_clinic_database, "Slept well before group")
    assert not clinic_holds(demo_app.demo_clinic_database, "Nervous about sharing")
    assert not clinic_holds(demo_app.demo_clinic_database, "my sister")
    assert "journal_note" not in record_kinds(demo_app.demo_clinic_database)

    # 6. Export the last 7 days (the choice already made), after a look at the choices.
    tab(page, "Journal").click()
    reveal(page, button(page, "Export my journal")).click()
    expect(text(page, " to today: 3 entries.")).to_be_visible()
    expect(text(page, "The page you save is not locked by your PIN.")).to_be_visible()
    shot(page, screenshots, "notes-4-export-choices")
    # Dates picked on the calendar: today alone.
    reveal(page, button(page, "Which days: Choose dates")).click()
    expect(page.get_by_role("button", name="To: Today", exact=True)).to_be_visible()
    reveal(page, page.get_by_role("button", name="From: ", exact=False)).click()
    expect(button(page, "OK")).to_be_visible()
    shot(page, screenshots, "notes-5-export-calendar")
    today = datetime.now(ZoneInfo(DEMO_TIMEZONE)).date()
    day = button(page, f"{today.day}, {today:%A}, {today:%B} {today.day}, {today.year}, Today")
    if not day.count():  # the calendar opened on the month 6 days ago
        button(page, "Next month").click()
    day.click()
    button(page, "OK").click()
    expect(page.get_by_role("button", name="From: Today", exact=True)).to_be_visible()
    expect(text(page, "From today to today: 3 entries.")).to_be_visible()
    shot(page, screenshots, "notes-6-export-chosen-dates")
    with page.expect_download() as download_info:
        reveal(page, button(page, "Save my journal")).click()
    assert download_info.value.suggested_filename == (
        f"iop-companion-journal-{today.isoformat()}-to-{today.isoformat()}.html")

    # The last 7 days.
    reveal(page, button(page, "Which days: Last 7 days")).click()
    with page.expect_download() as download_info:
        reveal(page, button(page, "Save my journal")).click()
    download = download_info.value
    assert download.suggested_filename.startswith("iop-companion-journal-")
    assert download.suggested_filename.endswith(".html")
    saved = tmp_path / "journal.html"
    download.save_as(saved)
    exported = saved.read_text(encoding="utf-8")
    assert "<h1>My journal</h1>" in exported
    assert "Before group" in exported
    assert "Nervous about sharing &lt;today&gt; &amp; tomorrow, but ready" in exported
    assert "Half a thought about my sister" in exported
    assert "Slept well before group" in exported and "Check-in, " in exported
    assert "42 CFR part 2" in exported and "Times are in this time zone:" in exported
    expect(reveal(page, text(page, "Saved iop-companion-journal-"))).to_be_visible()
    shot(page, screenshots, "notes-7-export-saved")
    assert not [line for line in demo_app.app.lines if "Traceback" in line], demo_app.app.lines
