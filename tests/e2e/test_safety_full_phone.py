"""A phone that refuses writes (storage full) still gets the safety screen at once,
which says plainly that the clinic has not been told; the flag is written and reaches
the clinic as soon as the phone can write again."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import RunningApp, running_demo_app
from tests.e2e.driver import button, complete_first_run, open_app, reveal, shot, tab, text
from tests.e2e.test_safety_flow import clinic_alerts, wait_for_alerts

PIN = "482913"


@pytest.fixture
def full_marker(tmp_path: Path) -> Path:
    return tmp_path / "phone-is-full"


def faulty_app(tmp_path: Path, faults: dict[str, str]) -> AbstractContextManager[RunningApp]:
    """The real app on its demo clinic, started through tests/e2e/full_phone_app.py."""
    return running_demo_app([sys.executable, "-m", "tests.e2e.full_phone_app"],
                            tmp_path / "data", faults)


@pytest.fixture
def fragile_app(tmp_path: Path, full_marker: Path) -> Iterator[RunningApp]:
    with faulty_app(tmp_path, {"IOP_TEST_FULL_PHONE": str(full_marker)}) as running:
        yield running


def test_a_full_phone_still_shows_help_and_says_the_clinic_was_not_told(
        page: Page, fragile_app: RunningApp, full_marker: Path, screenshots: Path) -> None:
    assert fragile_app.clinic_url
    open_app(page, fragile_app.url)
    complete_first_run(page, PIN, fragile_app.enrolment_code)

    full_marker.touch()  # from now on the phone refuses every write
    button(page, "Get help now").click()
    reveal(page, button(page, "Tell my clinic I need support")).click()
    expect(reveal(page, text(page, "You are not alone"))).to_be_visible()
    expect(button(page, "Call 988")).to_be_visible()
    expect(reveal(page, text(page, "We could not save this on your phone"))).to_be_visible()
    shot(page, screenshots, "43-safety-flow-write-failed")
    assert clinic_alerts(fragile_app.clinic_url) == []

    full_marker.unlink()  # space again: the next sync writes the flag first, then sends it
    button(page, "Back").click()
    button(page, "Back").click()
    button(page, "Settings").click()
    reveal(page, button(page, "Sync now")).click()
    alerts = wait_for_alerts(fragile_app.clinic_url, 1, timeout=30)
    assert [a["trigger"] for a in alerts] == ["participant_request"]


@pytest.fixture
def broken_journal(tmp_path: Path) -> Path:
    return tmp_path / "journal-is-broken"


def test_a_screen_that_fails_to_draw_shows_help_instead_of_freezing(
        page: Page, tmp_path: Path, broken_journal: Path, screenshots: Path) -> None:
    with faulty_app(tmp_path, {"IOP_TEST_BROKEN_JOURNAL": str(broken_journal)}) as running:
        open_app(page, running.url)
        complete_first_run(page, PIN, running.enrolment_code)
        broken_journal.touch()
        tab(page, "Journal").click()
        expect(text(page, "This screen could not be shown")).to_be_visible()
        expect(button(page, "Call 988")).to_be_visible()
        shot(page, screenshots, "44-screen-failed")
        # The rest of the app still answers.
        broken_journal.unlink()
        tab(page, "Today").click()
        expect(button(page, "Check in")).to_be_visible()
        tab(page, "Journal").click()
        expect(text(page, "This screen could not be shown")).to_have_count(0)
