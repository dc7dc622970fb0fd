"""Offline first, end to end: with the clinic down a check-in is kept and counted as
waiting; when the clinic comes back the app sends it by itself (retry with backoff),
and "Sync now" reports what really happened each time."""

from __future__ import annotations

from pathlib import Path

import httpx
from playwright.sync_api import Page, expect

from iop_companion.clinic.demo import DEMO_PARTICIPANT_ID
from tests.e2e.conftest import RunningApp, demo_clinician
from tests.e2e.driver import button, complete_first_run, fill, open_app, reveal, shot, text
from tests.e2e.test_safety_flow import wait_for_alerts

PIN = "482913"


def clinician_token(clinic_url: str) -> str:
    signed_in = httpx.post(f"{clinic_url}/api/v1/clinician/sessions",
                           json=demo_clinician(clinic_url), timeout=10)
    assert signed_in.status_code == 201, signed_in.text
    return str(signed_in.json()["access_token"])


def test_a_check_in_written_offline_reaches_the_clinic_when_it_returns(
        page: Page, app_with_separate_clinic: RunningApp, screenshots: Path) -> None:
    running = app_with_separate_clinic
    assert running.clinic is not None and running.clinic_url
    open_app(page, running.url)
    complete_first_run(page, PIN, running.enrolment_code)

    running.clinic.stop()
    button(page, "Check in").click()
    fill(page, "Hours of sleep last night", "7")
    reveal(page, button(page, "Sleep: Well")).click()
    reveal(page, button(page, "Medicines: Yes")).click()
    reveal(page, button(page, "Use since last check-in: No")).click()
    reveal(page, button(page, "Thoughts of self-harm: Yes")).click()
    # The safety flow shows at once, offline too, over the check-in.
    expect(text(page, "You are not alone")).to_be_visible()
    expect(button(page, "Call 988")).to_be_visible()

    button(page, "Back").click()
    reveal(page, button(page, "Save check-in")).click()
    button(page, "Settings").click()
    expect(reveal(page, text(page, "Entries waiting to be sent to your clinic: 2"))).to_be_visible()
    reveal(page, button(page, "Sync now")).click()
    # A failed sync never reads as success. (A server shutting down may hold the
    # connection until the client's 10-second timeout, for the push and the pull.)
    expect(text(page, "Offline")).to_be_visible(timeout=45_000)
    shot(page, screenshots, "sync-1-settings-offline")

    running.restart_clinic()
    # Nobody taps anything: the app retries by itself and the flag arrives.
    alerts = wait_for_alerts(running.clinic_url, 1, timeout=60)
    assert [a["trigger"] for a in alerts] == ["check_in_self_harm"]

    reveal(page, button(page, "Sync now")).click()
    expect(text(page, "Your clinic has everything from this phone")).to_be_visible()
    expect(reveal(page, text(page, "Entries waiting to be sent to your clinic: 0"))).to_be_visible()
    shot(page, screenshots, "sync-2-settings-synced")


def test_a_phone_the_clinic_disconnects_locks_and_says_how_to_reconnect(
        page: Page, demo_app: RunningApp, screenshots: Path) -> None:
    assert demo_app.clinic_url
    open_app(page, demo_app.url)
    complete_first_run(page, PIN, demo_app.enrolment_code)

    token = clinician_token(demo_app.clinic_url)
    revoked = httpx.post(
        f"{demo_app.clinic_url}/api/v1/clinician/participants/{DEMO_PARTICIPANT_ID}"
        "/devices/revoke", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert revoked.status_code == 200, revoked.text

    button(page, "Settings").click()
    reveal(page, button(page, "Sync now")).click()
    # Security A1: a revoked device locks its local session.
    expect(button(page, "Unlock")).to_be_visible()
    fill(page, "PIN", PIN)
    button(page, "Unlock").click()
    button(page, "Settings").click()
    expect(reveal(page, text(page, "Your clinic no longer accepts this phone"))).to_be_visible()
    expect(reveal(page, button(page, "Connect again with a new code"))).to_be_visible()
    shot(page, screenshots, "sync-3-settings-disconnected")
