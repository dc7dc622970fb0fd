"""Issue 14: a thought record whose app is killed mid-way (SIGKILL: no lock, no goodbye,
as a phone ends an app it needs the memory of) finds its draft after a restart and the
PIN. Drafts are written to the encrypted store as the person types, so nothing typed
may be readable in the data folder, either at the kill or after the restart."""

from __future__ import annotations

import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import BIN_DIR, RunningApp, close_browser_pages, start, wait_for_http
from tests.e2e.driver import (
    button,
    complete_first_run,
    field,
    fill,
    focused_field,
    open_app,
    reveal,
    shot,
    tab,
    text,
)
from tests.encoded_forms import files_holding, found_in

PIN = "482913"


def test_a_thought_record_killed_mid_way_finds_its_draft_after_a_restart(
        page: Page, app_with_separate_clinic: RunningApp, screenshots: Path,
        tmp_path: Path, request: pytest.FixtureRequest) -> None:
    running = app_with_separate_clinic
    assert running.clinic_url
    data_dir = tmp_path / "data"  # the fixture's --data-dir
    tag = uuid.uuid4().hex[:10]
    # Unique markers inside ordinary words: what the scans below look for.
    typed = {"What happened?": f"My sponsor did not call back MRKsit{tag}Qz",
             "What went through my mind?": f"Nobody cares whether I make it MRKthought{tag}Wx"}

    open_app(page, running.url)
    complete_first_run(page, PIN, running.enrolment_code)
    tab(page, "Journal").click()
    expect(reveal(page, text(page, "New entry"))).to_be_visible()
    reveal(page, button(page, "Thought record")).click()
    for name, value in typed.items():
        fill(page, name, value)
    page.wait_for_timeout(1500)  # drafts are written as the person types: let the last land

    # Killed with the form open: no lock runs, so nothing gets a last chance to be written.
    killed = running.app
    killed.process.kill()
    killed.process.wait(timeout=10)
    assert files_holding(data_dir, typed) == []  # the draft on disk, as the kill left it

    port = urlsplit(running.url).port
    assert port is not None
    restarted = start([str(BIN_DIR / "iop-companion"), "--web", "--port", str(port),
                       "--data-dir", str(data_dir), "--clinic-url", running.clinic_url])
    # The fixture stops only the process it started (dead already): this one is stopped
    # at teardown, after a failure's screenshot is taken (a `finally` here would close
    # the page first). On `running` too, so a failure report shows its output.
    request.addfinalizer(lambda: (close_browser_pages(), restarted.stop()))
    running.app = restarted
    restarted.wait_for_line(r"IOP Companion is ready")
    wait_for_http(running.url)

    open_app(page, running.url)  # the page reloaded, as a person opens the app again
    expect(button(page, "Unlock")).to_be_visible(timeout=30_000)
    # At a person's pace (as in test_crisis_access): keys typed while Flutter is still
    # settling the freshly loaded lock screen can miss its PIN field.
    page.wait_for_timeout(1500)
    expect(text(page, typed["What happened?"])).to_have_count(0)  # not before the PIN
    fill(page, "PIN", PIN)
    button(page, "Unlock").click()
    expect(button(page, "Unlock")).to_have_count(0)

    # After a lock the shell reopens the form by itself; after a kill it has no note
    # of which form was open, so the person goes back to it from the Journal.
    situation = field(page, "What happened?")
    expect(tab(page, "Today").or_(situation).first).to_be_visible()
    if not situation.count():
        tab(page, "Journal").click()
        reveal(page, button(page, "Thought record")).click()
    expect(text(page, "We kept what you typed before.")).to_be_visible()
    for name, value in typed.items():
        assert focused_field(page, name).input_value() == value, name
    reveal(page, field(page, "What happened?"))
    shot(page, screenshots, "draft-after-kill")

    assert files_holding(data_dir, typed) == []
    printed = "\n".join([*killed.lines, *restarted.lines])
    assert found_in(printed.encode("utf-8"), typed) == []
    assert "Traceback" not in printed, printed
