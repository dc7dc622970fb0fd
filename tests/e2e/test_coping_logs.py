"""Coping-skill logs end to end, in the browser against the demo clinic: today's diary card
one tap from Today, where a self-harm urge of 2 opens the safety screen at once (the
clinic is flagged and the card is kept, even before Save); an urge log from the
Journal's "New entry"; a thought record interrupted by the phone locking comes back
after the PIN with what was typed; the Journal lists them by day, filters, searches,
deletes with undo; and after sync the clinic holds all three (the clinician's API
reads them back)."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from iop_companion.clinic.demo import DEMO_PARTICIPANT_ID
from tests.e2e.conftest import RunningApp, demo_clinician
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
    tap_until,
    text,
)
from tests.e2e.test_safety_flow import clinic_alerts, wait_for_alerts

PIN = "482913"
KINDS = ("diary_card", "thought_record", "urge_log")


def logs_at_clinic(database: Path) -> dict[str, list[tuple[int, dict[str, Any]]]]:
    """Each coping-log kind's versions the clinic stored: (version, payload)."""
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        rows = connection.execute(
            "SELECT kind, version, payload FROM participant_records ORDER BY server_seq"
        ).fetchall()
    found: dict[str, list[tuple[int, dict[str, Any]]]] = {kind: [] for kind in KINDS}
    for kind, version, payload in rows:
        if kind.lower() in found:
            found[kind.lower()].append((version, json.loads(payload)))
    return found


def wait_for_clinic(database: Path, check, timeout: float = 40) -> dict[str, list]:
    deadline = time.monotonic() + timeout
    while True:
        found = logs_at_clinic(database)
        if check(found) or time.monotonic() > deadline:
            return found
        time.sleep(0.5)


def clinician_logs(clinic_url: str, route: str) -> list[dict[str, Any]]:
    signed_in = httpx.post(f"{clinic_url}/api/v1/clinician/sessions",
                           json=demo_clinician(clinic_url), timeout=10)
    assert signed_in.status_code == 201, signed_in.text
    response = httpx.get(
        f"{clinic_url}/api/v1/clinician/participants/{DEMO_PARTICIPANT_ID}/{route}",
        headers={"Authorization": f"Bearer {signed_in.json()['access_token']}"}, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()["logs"]


def test_diary_card_urge_log_and_thought_record_reach_the_journal_and_the_clinic(
        page: Page, demo_app: RunningApp, screenshots: Path) -> None:
    assert demo_app.clinic_url and demo_app.demo_clinic_database
    open_app(page, demo_app.url)
    complete_first_run(page, PIN, demo_app.enrolment_code)
    assert clinic_alerts(demo_app.clinic_url) == []

    # 1. Today's diary card, one tap from Today.
    reveal(page, button(page, "Today's diary card")).click()
    expect(text(page, "Diary card for today")).to_be_visible()
    expect(page.get_by_text("Urge to use:")).to_have_count(0)  # nothing rated for the person
    reveal(page, button(page, "Urge to use 3")).click()
    # The tap adds "I acted on it" below: wait for it, so the next tap lands where aimed.
    expect(page.get_by_role("checkbox", name="I acted on it (Urge to use)")).to_be_visible()
    reveal(page, button(page, "Sadness 2")).click()
    expect(reveal(page, text(page, "Sadness: 2"))).to_be_visible()
    shot(page, screenshots, "coping-1-diary-card")

    # A self-harm urge of 2: the safety screen at once, before any Save.
    reveal(page, button(page, "Urge to harm myself 2")).click()
    expect(text(page, "You are not alone")).to_be_visible()
    expect(button(page, "Call 988")).to_be_visible()
    expect(button(page, "Get help now")).to_be_visible()
    shot(page, screenshots, "coping-2-diary-card-safety-screen")
    alerts = wait_for_alerts(demo_app.clinic_url, 1)
    assert [a["trigger"] for a in alerts] == ["diary_card_self_harm"]
    # The card was kept when the urge was tapped: the clinic has it, urge and all.
    found = wait_for_clinic(demo_app.demo_clinic_database, lambda f: f["diary_card"])
    [(_, first_card)] = found["diary_card"]
    assert first_card["urges"]["self_harm"]["rating"] == 2
    assert first_card["urges"]["use"]["rating"] == 3 and first_card["emotions"] == {"sadness": 2}

    # Back: the card as it was, help inline, "Get help now" on top; then finish it.
    button(page, "Back").click()
    expect(text(page, "Urge to harm myself: 2")).to_be_visible()
    expect(button(page, "Get help now")).to_be_visible()
    expect(reveal(page, text(page, "Help is here right now"))).to_be_visible()
    shot(page, screenshots, "coping-3-diary-card-back-with-help")
    reveal(page, button(page, "Wise mind: balancing feelings and reason")).click()
    reveal(page, button(page, "Wise mind: balancing feelings and reason 7")).click()
    expect(reveal(page, button(page, "Wise mind: balancing feelings and reason: 7"))
           ).to_be_visible()
    reveal(page, button(page, "Medications: Yes")).click()
    fill(page, "Note", "Rough morning, group helped")
    shot(page, screenshots, "coping-4-diary-card-skills")
    reveal(page, button(page, "Save diary card")).click()
    expect(reveal(page, text(page, "Today's diary card is kept"))).to_be_visible()
    time.sleep(2)
    assert len(clinic_alerts(demo_app.clinic_url)) == 1  # one flag for the card, not two

    # 2. An urge log from the Journal's "New entry".
    tab(page, "Journal").click()
    reveal(page, button(page, "Urge log")).click()
    expect(text(page, "Write down an urge or craving")).to_be_visible()
    # Taps first, typing last: after a tap redraws the form, Flutter scrolls back to a
    # text field that still has its focus (as it does on the check-in).
    reveal(page, button(page, "Strength of the urge 7")).click()
    reveal(page, button(page, "Trigger: Places")).click()
    reveal(page, button(page, "Urge surfing: riding the urge out")).click()
    reveal(page, button(page, "Used: No")).click()
    reveal(page, button(page, "Strength afterwards 3")).click()
    fill(page, "What set it off, in a few words", "Drove past the old bar")
    fill(page, "How long did it last? (minutes)", "20")
    shot(page, screenshots, "coping-5-urge-log")
    reveal(page, button(page, "Save urge log")).click()
    expect(reveal(page, text(page, "Urge 7/10 then 3/10"))).to_be_visible()

    # 3. A thought record, interrupted: the phone locks mid-way (the person switched
    # away); after the PIN the form is back with what was typed.
    reveal(page, button(page, "Thought record")).click()
    fill(page, "What happened?", "My sponsor did not call back")
    fill(page, "What went through my mind?", "Nobody cares whether I make it")
    fill(page, "Emotion 1", "anxious")
    reveal(page, button(page, "How strong: Emotion 1 80")).click()
    reveal(page, button(page, "Thinking trap: Mind reading")).click()
    expect(reveal(page, text(page, "Assuming you know what others think"))).to_be_visible()
    shot(page, screenshots, "coping-6-thought-record")
    leave_app(page)
    return_to_app(page)
    expect(button(page, "Unlock")).to_be_visible(timeout=30_000)
    expect(text(page, "My sponsor did not call back")).to_have_count(0)
    fill(page, "PIN", PIN)
    button(page, "Unlock").click()
    expect(text(page, "We kept what you typed before.")).to_be_visible()
    assert focused_field(page, "What happened?").input_value() == "My sponsor did not call back"
    expect(reveal(page, text(page, "How strong: anxious: 80"))).to_be_visible()
    shot(page, screenshots, "coping-7-thought-record-after-lock")
    fill(page, "A more balanced thought", "She may be busy; I can call her")
    reveal(page, button(page, "Now: anxious 40")).click()
    reveal(page, button(page, "Save thought record")).click()

    # 4. The Journal (the app opened on Today after the PIN): by day, filter, search,
    # delete with undo.
    tab(page, "Journal").click()
    expect(reveal(page, text(page, "Thought record, today at"))).to_be_visible()
    expect(reveal(page, text(page, "Diary card for today"))).to_be_visible()
    shot(page, screenshots, "coping-8-journal")
    reveal(page, button(page, "Show: Urge logs")).click()
    expect(reveal(page, text(page, "Urge log, today at"))).to_be_visible()
    expect(text(page, "Thought record, today at")).to_have_count(0)
    reveal(page, button(page, "Show: Everything")).click()
    fill(page, "Search my notes", "sponsor")
    reveal(page, button(page, "Search")).click()
    expect(reveal(page, text(page, "Entries with “sponsor”: 1"))).to_be_visible()
    expect(text(page, "Urge log, today at")).to_have_count(0)
    shot(page, screenshots, "coping-9-journal-search")
    reveal(page, button(page, "Clear search")).click()
    delete = page.get_by_role("button", name="Delete: Urge log, today at", exact=False)
    # The list is drawn again without the search: a tap while it is drawn is lost.
    tap_until(page, delete, button(page, "Undo"))
    expect(reveal(page, button(page, "Undo"))).to_be_visible()
    expect(text(page, "Urge log, today at")).to_have_count(0)
    shot(page, screenshots, "coping-10-journal-undo")
    reveal(page, button(page, "Undo")).click()
    expect(reveal(page, text(page, "Urge log, today at"))).to_be_visible()

    # Edit it: the urge log opens as saved; a change is its next version.
    open_urge_log = page.get_by_role("button", name="Open: Urge log, today at", exact=False)
    tap_until(page, open_urge_log, text(page, "Strength afterwards: 3"))  # drawn after undo
    expect(text(page, "Strength afterwards: 3")).to_be_visible()
    reveal(page, button(page, "Strength afterwards 2")).click()
    reveal(page, button(page, "Save urge log")).click()
    expect(reveal(page, text(page, "Urge 7/10 then 2/10"))).to_be_visible()

    # My patterns: the urge chart's sentence reflects the log.
    reveal(page, button(page, "See my patterns")).click()
    expect(reveal(page, text(page, "Urge strength averaged 7.0 over the last 7 days (1 day "
                                   "with an entry)."))).to_be_visible()
    expect(reveal(page, text(page, "Urge surfing: riding the urge out: used once."))
           ).to_be_visible()
    shot(page, screenshots, "coping-11-patterns")
    button(page, "Back").click()

    # 5. After sync the clinic holds all three, the urge log as it was after the undo.
    found = wait_for_clinic(
        demo_app.demo_clinic_database,
        lambda f: f["thought_record"] and len(f["urge_log"]) >= 4 and len(f["diary_card"]) >= 2)
    assert found["diary_card"][-1][1]["skills"] == {"wise_mind": 7}
    assert found["diary_card"][-1][1]["note"] == "Rough morning, group helped"
    [(_, record)] = found["thought_record"]
    assert record["thinking_traps"] == ["mind_reading"]
    assert record["emotions"] == [{"name": "anxious", "intensity": 80}]
    assert record["emotions_after"] == [{"name": "anxious", "intensity": 40}]
    versions = [payload.get("deleted") is True for _, payload in found["urge_log"]]
    assert versions == [False, True, False, False], found["urge_log"]
    latest_urge = found["urge_log"][-1][1]
    assert (latest_urge["intensity"], latest_urge["intensity_after"], latest_urge["used"],
            latest_urge["lasted_minutes"]) == (7, 2, False, 20)
    assert latest_urge["trigger"] == {"category": "places", "detail": "Drove past the old bar"}
    assert [log["content"]["intensity"] for log in clinician_logs(
        demo_app.clinic_url, "urge-logs")] == [7]
    assert len(clinician_logs(demo_app.clinic_url, "diary-cards")) == 1
    assert len(clinician_logs(demo_app.clinic_url, "thought-records")) == 1
    assert not [line for line in demo_app.app.lines if "Traceback" in line], demo_app.app.lines
