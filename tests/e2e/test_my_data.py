"""Participant rights in the browser: a copy of my data, and removing it."""

from __future__ import annotations

import json
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.e2e.conftest import RunningApp
from tests.e2e.driver import (
    button,
    complete_first_run,
    fill,
    open_app,
    reveal,
    shot,
    text,
)
from tests.e2e.test_family import join_as_family_member

PIN = "482913"


def check_in_with_note(page: Page, note: str) -> None:
    button(page, "Check in").or_(button(page, "Check in again")).first.click()
    fill(page, "Hours of sleep last night", "8")
    reveal(page, button(page, "Sleep: Well")).click()
    reveal(page, button(page, "Medicines: I don't take any")).click()
    reveal(page, button(page, "Use since last check-in: No")).click()
    reveal(page, button(page, "Thoughts of self-harm: No")).click()
    fill(page, "Anything else on your mind? (optional)", note)
    reveal(page, button(page, "Save check-in")).click()
    expect(text(page, "You checked in at")).to_be_visible()


def box(page: Page, name: str) -> dict[str, float]:
    found = button(page, name).bounding_box()
    assert found is not None, name
    return found


def test_export_gives_a_readable_copy_and_remove_asks_for_the_pin(
        page: Page, app_with_separate_clinic: RunningApp, screenshots: Path,
        tmp_path: Path) -> None:
    running = app_with_separate_clinic
    open_app(page, running.url)
    complete_first_run(page, PIN, running.enrolment_code)
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
    # The phone's credentials stay out of every copy (the store leaves them out).
    assert "token" not in json.dumps(exported).lower()

    with page.expect_download() as download_info:
        reveal(page, button(page, "Save a readable copy")).click()
    readable = tmp_path / "export.html"
    download_info.value.save_as(readable)
    assert "Called my sponsor after group" in readable.read_text(encoding="utf-8")
    page.mouse.move(6, 500)
    page.mouse.wheel(0, 2000)  # down to the card (the last ones of Settings)
    expect(button(page, "Remove my data from this device")).to_be_in_viewport()
    shot(page, screenshots, "18-settings-my-data")

    # The clinic goes away: the next check-in waits on the phone, unsent.
    assert running.clinic is not None
    running.clinic.stop()
    button(page, "Back").click()
    check_in_with_note(page, "Second one, offline")
    button(page, "Settings").click()

    reveal(page, button(page, "Remove my data from this device")).click()
    expect(text(page, "Remove everything from this device?")).to_be_visible()
    # The true count of what has not reached the clinic.
    expect(text(page, "Entries your clinic has not received yet, which will be lost: 1."))\
        .to_be_visible()
    expect(button(page, "Save a copy first")).to_be_visible()
    cancel, remove = box(page, "Cancel"), box(page, "Remove everything")
    assert cancel["height"] >= 48 and remove["height"] >= 48, (cancel, remove)
    gap = (remove["y"] - (cancel["y"] + cancel["height"]) if remove["y"] > cancel["y"]
           else cancel["y"] - (remove["y"] + remove["height"]))
    assert gap >= 48, (cancel, remove)
    shot(page, screenshots, "19-remove-confirm")

    with page.expect_download() as download_info:
        reveal(page, button(page, "Save a copy first")).click()
    first_copy = tmp_path / "before-removing.html"
    download_info.value.save_as(first_copy)
    assert "Second one, offline" in first_copy.read_text(encoding="utf-8")

    # Without the PIN, or with a wrong one, nothing is removed.
    reveal(page, button(page, "Remove everything")).click()
    expect(text(page, "Please type a PIN.")).to_be_visible()
    fill(page, "Your PIN", "000000")
    reveal(page, button(page, "Remove everything")).click()
    expect(text(page, "That PIN didn't match.")).to_be_visible()
    shot(page, screenshots, "19b-remove-wrong-pin")
    reveal(page, button(page, "Cancel")).click()
    expect(text(page, "Remove everything from this device?")).not_to_be_visible()
    expect(button(page, "Remove my data from this device")).to_be_visible()

    reveal(page, button(page, "Remove my data from this device")).click()
    fill(page, "Your PIN", PIN)
    reveal(page, button(page, "Remove everything")).click()
    expect(button(page, "I'm in a program")).to_be_visible()
    # Nothing readable is left behind: a new visit starts from the very beginning.
    open_app(page, running.url)
    expect(button(page, "I'm in a program")).to_be_visible()
    data_dir = Path(running.app.process.args[running.app.process.args.index("--data-dir") + 1])
    assert not [path for path in data_dir.rglob("*") if path.is_file()]


def test_a_family_member_removes_everything_with_their_pin(
        page: Page, demo_app: RunningApp, screenshots: Path) -> None:
    join_as_family_member(page, demo_app, None)
    button(page, "Settings").click()
    reveal(page, button(page, "Remove my data from this device")).click()
    # Their phone holds none of the participant's data: nothing to save a copy of.
    expect(text(page, "To see what is shared with you again, you would need a new invite "
                      "code.")).to_be_visible()
    expect(button(page, "Save a copy first")).to_have_count(0)
    expect(page.get_by_text("Everything you wrote has reached your clinic")).to_have_count(0)
    shot(page, screenshots, "19c-remove-confirm-family")
    fill(page, "Your PIN", PIN)
    reveal(page, button(page, "Remove everything")).click()
    expect(button(page, "I'm a family member")).to_be_visible()
