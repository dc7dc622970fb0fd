"""Writing the recovery code down can take a while: if the app locks itself meanwhile,
the same code is shown again after the PIN, and set-up carries on from there."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import RunningApp
from tests.e2e.driver import (
    button,
    field,
    fill,
    open_app,
    recovery_code_on_screen,
    reveal,
)

PIN = "482913"


@pytest.fixture
def app_env() -> dict[str, str]:
    return {"IOP_IDLE_LOCK_SECONDS": "8"}


def test_an_idle_lock_on_the_recovery_code_shows_it_again_after_the_pin(
        page: Page, demo_app: RunningApp) -> None:
    open_app(page, demo_app.url)
    button(page, "I'm in a program").click()
    fill(page, "New PIN", PIN)
    fill(page, "Type the PIN again", PIN)
    button(page, "Save PIN").click()
    code = recovery_code_on_screen(page)

    expect(button(page, "Unlock")).to_be_visible(timeout=30_000)
    fill(page, "PIN", PIN)
    button(page, "Unlock").click()
    assert recovery_code_on_screen(page) == code
    reveal(page, button(page, "I wrote it down")).click()
    expect(field(page, "Enrolment code")).to_be_visible()
