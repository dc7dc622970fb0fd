"""The app locks itself when left alone (the clinic may shorten the 5-minute default)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import RunningApp
from tests.e2e.driver import button, complete_first_run, fill, open_app, tab

PIN = "482913"


@pytest.fixture
def app_env() -> dict[str, str]:
    return {"IOP_IDLE_LOCK_SECONDS": "8"}


def test_the_app_locks_itself_when_left_idle(page: Page, demo_app: RunningApp) -> None:
    open_app(page, demo_app.url)
    complete_first_run(page, PIN, demo_app.enrolment_code)
    tab(page, "Schedule").click()
    expect(button(page, "Unlock")).to_be_visible(timeout=30_000)
    fill(page, "PIN", PIN)
    button(page, "Unlock").click()
    expect(tab(page, "Today")).to_be_visible()
