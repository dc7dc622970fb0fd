"""Marker check (security S1/S6): after a real journey in the browser (first run, a
relapse plan, a check-in, a sync, a lock), no file under the app's data folder holds
what the person typed in any form (raw, base64 at each alignment, hex in either case,
UTF-16 either way round), and neither does anything the app printed.

The clinic runs as a separate process with its database outside the app's data folder,
as a real clinic does; it legitimately keeps what was synced, which also proves the
markers really went through the journey (and that the scan would see them)."""

from __future__ import annotations

import uuid
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.e2e.conftest import RunningApp
from tests.e2e.driver import button, complete_first_run, fill, open_app, reveal, shot, tab, text
from tests.e2e.test_my_data import check_in_with_note
from tests.encoded_forms import files_holding, found_in

PIN = "482913"


def test_nothing_typed_is_readable_in_the_data_folder_or_the_logs(
        page: Page, app_with_separate_clinic: RunningApp, screenshots: Path,
        tmp_path: Path) -> None:
    running = app_with_separate_clinic
    data_dir = tmp_path / "data"
    assert running.clinic_database_url and running.clinic is not None
    clinic_db = Path(running.clinic_database_url.removeprefix("sqlite:///"))
    assert not clinic_db.resolve().is_relative_to(data_dir.resolve())
    tag = uuid.uuid4().hex[:10]
    markers = {"check-in note": f"MRKnote{tag}Qz", "warning sign": f"MRKsign{tag}Wx"}

    open_app(page, running.url)
    complete_first_run(page, PIN, running.enrolment_code)

    tab(page, "Journal").click()
    reveal(page, button(page, "Open my relapse-prevention plan")).click()
    button(page, "Build my plan").click()
    fill(page, "Warning signs in my feelings", markers["warning sign"])
    reveal(page, button(page, "Save my plan")).click()
    expect(text(page, f"• {markers['warning sign']}")).to_be_visible()
    # Shared, so the plan's text goes through the outbox and the sync too.
    reveal(page, button(page, "Share with my clinic")).click()
    expect(reveal(page, button(page, "Stop sharing"))).to_be_visible()
    button(page, "Back").click()

    tab(page, "Today").click()
    check_in_with_note(page, markers["check-in note"])

    button(page, "Settings").click()
    reveal(page, button(page, "Sync now")).click()
    expect(text(page, "Your clinic has everything from this phone")).to_be_visible()
    reveal(page, button(page, "Lock now")).click()
    expect(button(page, "Unlock")).to_be_visible()
    shot(page, screenshots, "data-at-rest-locked")

    # Everything went through: the clinic keeps both markers in its own database.
    running.clinic.stop()  # its database is complete and closed
    clinic_bytes = b"".join(path.read_bytes() for path in clinic_db.parent.glob(
        clinic_db.name + "*"))  # with a write-ahead log, if one is left
    assert set(found_in(clinic_bytes, markers)) == set(markers)

    files = [path for path in data_dir.rglob("*") if path.is_file()]
    assert any(path.parts[-2] == "vault" for path in files), files  # the store is there
    assert files_holding(data_dir, markers) == []
    printed = "\n".join(running.app.lines).encode("utf-8")
    assert found_in(printed, markers) == []
