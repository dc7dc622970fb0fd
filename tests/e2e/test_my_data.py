"""Participant rights in the browser: a copy of my data, and removing it."""

from __future__ import annotations

import json
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.e2e.conftest import RunningApp
from tests.e2e.driver import button, complete_first_run, fill, open_app, reveal, shot, text

PIN = "2468"


def check_in_with_note(page: Page, note: str) -> None:
    button(page, "Check in").click()
    fill(page, "Hours of sleep last night", "8")
    reveal(page, button(page, "Sleep: Well")).click()
    reveal(page, button(page, "Medicines: I don't take any")).click()
    reveal(page, button(page, "Use since last check-in: No")).click()
    reveal(page, button(page, "Thoughts of self-harm: No")).click()
    fill(page, "Anything else on your mind? (optional)", note)
    reveal(page, button(page, "Save check-in")).click()
    expect(text(page, "You checked in at")).to_be_visible()


def test_export_gives_a_readable_copy_and_remove_wipes_the_device(
        page: Page, demo_app: RunningApp, screenshots: Path, tmp_path: Path) -> None:
    open_app(page, demo_app.url)
    complete_first_run(page, PIN, demo_app.enrolment_code)
    check_in_with_note(page, "Called my sponsor after group")
    button(page, "Settings").click()

    with page.expect_download() as download_info:
        reveal(page, button(page, "Save as a data file (JSON)")).click()
    saved = tmp_path / "export.json"
    download_info.value.save_as(saved)
    exported = json.loads(saved.read_text(encoding="utf-8"))
    assert any(c.get("note") == "Called my sponsor after group"
               for c in exported["check_ins"]), exported.keys()
    assert "42 CFR" in json.dumps(exported)

    with page.expect_download() as download_info:
        reveal(page, button(page, "Save a readable copy")).click()
    readable = tmp_path / "export.html"
    download_info.value.save_as(readable)
    assert "Called my sponsor after group" in readable.read_text(encoding="utf-8")
    shot(page, screenshots, "18-settings-my-data")

    reveal(page, button(page, "Remove my data from this device")).click()
    expect(text(page, "Remove everything from this device?")).to_be_visible()
    # The check-in already reached the clinic (it syncs right after saving).
    expect(text(page, "Everything you wrote has reached your clinic")).to_be_visible()
    shot(page, screenshots, "19-remove-confirm")
    button(page, "Cancel").click()
    reveal(page, button(page, "Remove my data from this device")).click()
    button(page, "Remove everything").click()
    expect(button(page, "I'm in a program")).to_be_visible()
    # Nothing readable is left behind: a new visit starts from the very beginning.
    open_app(page, demo_app.url)
    expect(button(page, "I'm in a program")).to_be_visible()
