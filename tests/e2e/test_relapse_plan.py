"""My relapse-prevention plan end to end: build it, pick from it in a check-in, look back
kindly after a reported use, see days with and without use on Today, share the safety
plan, and find every record in the clinic's database after the sync."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.e2e.conftest import RunningApp
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


def clinic_records(database: Path) -> list[dict]:
    """What the embedded demo clinic stored, read from its database (read-only)."""
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        rows = connection.execute(
            "SELECT kind, version, replaces_version, payload FROM participant_records "
            "ORDER BY server_seq").fetchall()
    return [{"kind": kind.lower(), "version": version, "replaces_version": replaces,
             "payload": json.loads(payload)} for kind, version, replaces, payload in rows]


def wait_for_kinds(database: Path, kinds: set[str], timeout: float = 30) -> list[dict]:
    deadline = time.monotonic() + timeout
    while True:
        records = clinic_records(database)
        if kinds <= {r["kind"] for r in records} or time.monotonic() > deadline:
            return records
        time.sleep(0.5)


def test_plan_check_in_lapse_review_day_counts_and_sharing_reach_the_clinic(
        page: Page, demo_app: RunningApp, screenshots: Path, tmp_path: Path) -> None:
    assert demo_app.demo_clinic_database
    database = demo_app.demo_clinic_database
    open_app(page, demo_app.url)
    complete_first_run(page, PIN, demo_app.enrolment_code)

    # 1. Build the plan from the Journal.
    tab(page, "Journal").click()
    reveal(page, button(page, "Open my relapse-prevention plan")).click()
    expect(text(page, "Your plan is not written yet")).to_be_visible()
    expect(button(page, "Get help now")).to_be_visible()
    shot(page, screenshots, "relapse-1-plan-empty")
    button(page, "Build my plan").click()
    fill(page, "My triggers", "Payday\nDriving past my old bar")
    fill(page, "Warning signs in my feelings", "Feeling lonely")
    fill(page, "Warning signs in my body", "Not sleeping")
    fill(page, "What helps me cope", "Call my sponsor\nUrge surfing")
    fill(page, "My reasons for recovery", "My kids")
    expect(button(page, "Get help now")).to_be_visible()
    shot(page, screenshots, "relapse-2-plan-edit")
    reveal(page, button(page, "Save my plan")).click()
    expect(text(page, "• Payday")).to_be_visible()
    expect(button(page, "Get help now")).to_be_visible()
    shot(page, screenshots, "relapse-3-plan")
    # The plan asks before it is first shared with the clinic.
    expect(reveal(page, text(page, "Your clinic can't see this plan unless you choose"))
           ).to_be_visible()
    reveal(page, button(page, "Share with my clinic")).click()
    expect(reveal(page, button(page, "Stop sharing"))).to_be_visible()
    shot(page, screenshots, "relapse-3b-plan-shared")
    button(page, "Back").click()

    # 2. A check-in with chips from the plan, one typed on the day, and a reported use.
    tab(page, "Today").click()
    button(page, "Check in").click()
    reveal(page, button(page, "Sleep: OK")).click()
    reveal(page, button(page, "Medicines: Yes")).click()
    reveal(page, button(page, "Use since last check-in: Yes")).click()
    reveal(page, button(page, "Thoughts of self-harm: No")).click()
    expect(reveal(page, text(page, "A slip is a moment"))).to_be_visible()
    reveal(page, button(page, "Trigger: Payday")).click()
    reveal(page, button(page, "Warning sign: Feeling lonely")).click()
    reveal(page, button(page, "Skill: Call my sponsor")).click()
    fill(page, "Another skill I used today", "Went for a walk")
    reveal(page, button(page, "Add skill")).click()
    expect(reveal(page, button(page, "Skill: Went for a walk"))).to_be_visible()
    expect(page.get_by_role("textbox", name="Another skill I used today")).to_have_value("")
    shot(page, screenshots, "relapse-4-check-in-chips")
    # Typed last: a focused field pulls the list back to itself when the screen redraws.
    fill(page, "Hours of sleep last night", "6")
    reveal(page, button(page, "Save check-in")).click()

    # 3. The kind look back, offered at once.
    expect(text(page, "Looking back, kindly")).to_be_visible()
    expect(button(page, "Get help now")).to_be_visible()
    shot(page, screenshots, "relapse-5-lapse-review")
    fill(page, "What happened?", "Got paid and went to the bar")
    fill(page, "What helped, even a little?", "Calling my sponsor after")
    fill(page, "What will I do differently next time?", "Give my card to my sister on payday")
    fill(page, "Who will I tell?", "My counselor")
    reveal(page, button(page, "Save my review")).click()

    # 4. Today counts days with and without use, kindly, over a named window.
    expect(reveal(page, text(page, "Days without use: 0. Days with use: 1."))).to_be_visible()
    expect(text(page, "Days with and without use, last 30 days")).to_be_visible()
    page.mouse.move(6, 500)
    page.mouse.wheel(0, 300)  # the whole card above the snack bar, for the screenshot
    shot(page, screenshots, "relapse-6-today-use-days")

    # 5. Share the safety plan with the clinic.
    button(page, "Get help now").click()
    reveal(page, button(page, "Open my safety plan")).click()
    button(page, "Write or edit my plan").click()
    fill(page, "Step 1: My warning signs", "Not answering texts")
    reveal(page, button(page, "Save my plan")).click()
    reveal(page, button(page, "Share with my clinic")).click()
    expect(reveal(page, text(page, "Last copy sent to your clinic today"))).to_be_visible()
    expect(reveal(page, button(page, "Stop sharing"))).to_be_visible()
    shot(page, screenshots, "relapse-7-safety-plan-shared")
    # An edit while sharing is on goes as a new version naming the one it replaces.
    reveal(page, button(page, "Write or edit my plan")).click()
    fill(page, "Step 1: My warning signs", "Not answering texts\nStaying in bed")
    reveal(page, button(page, "Save my plan")).click()
    expect(reveal(page, text(page, "• Staying in bed"))).to_be_visible()

    records = wait_for_kinds(database, {"relapse_plan", "check_in", "lapse_review",
                                        "safety_plan"})
    by_kind: dict[str, list[dict]] = {}
    for record in records:
        by_kind.setdefault(record["kind"], []).append(record)
    [plan] = by_kind["relapse_plan"]
    assert plan["payload"]["triggers"] == ["Payday", "Driving past my old bar"]
    assert plan["payload"]["coping_strategies"] == ["Call my sponsor", "Urge surfing"]
    [check_in] = by_kind["check_in"]
    assert check_in["payload"]["used_since_last"] is True
    assert check_in["payload"]["triggers"] == ["Payday"]
    assert check_in["payload"]["warning_signs"] == ["Feeling lonely"]
    assert check_in["payload"]["skills_used"] == ["Call my sponsor", "Went for a walk"]
    [review] = by_kind["lapse_review"]
    assert review["payload"]["who_i_will_tell"] == "My counselor"
    deadline = time.monotonic() + 30
    while len(by_kind.get("safety_plan", [])) < 2 and time.monotonic() < deadline:
        time.sleep(0.5)
        by_kind["safety_plan"] = [r for r in clinic_records(database)
                                  if r["kind"] == "safety_plan"]
    shared = by_kind["safety_plan"]
    assert [(r["version"], r["replaces_version"]) for r in shared] == [(1, None), (2, 1)]
    assert shared[-1]["payload"]["warning_signs"] == ["Not answering texts", "Staying in bed"]


def test_building_the_plan_from_a_check_in_keeps_the_answers_already_given(
        page: Page, demo_app: RunningApp) -> None:
    open_app(page, demo_app.url)
    complete_first_run(page, PIN, None)
    button(page, "Check in").click()
    fill(page, "Hours of sleep last night", "8")
    reveal(page, button(page, "Mood 7")).click()
    reveal(page, button(page, "Sleep: Well")).click()
    reveal(page, button(page, "Build my plan")).click()
    fill(page, "My triggers", "Late nights alone")
    reveal(page, button(page, "Save my plan")).click()
    # Back on the check-in: what was answered is still there, and the new trigger is a chip.
    expect(text(page, "Mood: 7")).to_be_visible()
    expect(focused_field(page, "Hours of sleep last night")).to_have_value("8")
    expect(reveal(page, button(page, "Trigger: Late nights alone"))).to_be_visible()
    reveal(page, button(page, "Medicines: Yes")).click()
    reveal(page, button(page, "Use since last check-in: No")).click()
    reveal(page, button(page, "Thoughts of self-harm: No")).click()
    reveal(page, button(page, "Save check-in")).click()
    expect(text(page, "You checked in at")).to_be_visible()
