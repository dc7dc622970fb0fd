"""The participant sees who can see what: the family invite the clinic issued, the family
member connecting, and the clinic recording that the participant withdrew the consent,
each arriving through the pull feed."""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path

import httpx
from playwright.sync_api import Page, expect

from iop_companion.clinic.demo import DEMO_PARTICIPANT_ID
from tests.e2e.conftest import RunningApp
from tests.e2e.driver import button, complete_first_run, open_app, reveal, shot, text
from tests.e2e.test_safety_flow import CLINICIAN

PIN = "2468"


def _joined_consent(data_dir: Path) -> str:
    """The consent Sam joined under, read from the demo clinic's database (read-only)."""
    database = data_dir / "demo-clinic" / "clinic.sqlite3"
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        [(consent_id,)] = connection.execute(
            "SELECT id FROM consents WHERE family_member_id IS NOT NULL").fetchall()
    return str(uuid.UUID(hex=consent_id) if len(consent_id) == 32 else consent_id)


def sync_in_settings(page: Page) -> None:
    reveal(page, button(page, "Sync now")).click()
    expect(text(page, "Your clinic has everything from this phone")).to_be_visible()


def test_sharing_with_family_follows_the_clinic_s_records(
        page: Page, demo_app: RunningApp, screenshots: Path, tmp_path: Path) -> None:
    assert demo_app.clinic_url and demo_app.family_invite_code
    open_app(page, demo_app.url)
    complete_first_run(page, PIN, demo_app.enrolment_code)

    # The demo clinic issued an invite for Sam (Alex's family member): waiting.
    button(page, "Settings").click()
    sync_in_settings(page)
    waiting = reveal(page, text(page, "You invited Sam to see the education you share."))
    expect(waiting).to_be_visible()
    expect(text(page, "They have not connected yet.")).to_be_visible()
    shot(page, screenshots, "sharing-1-waiting")

    # Sam connects their own app with the invite code.
    joined = httpx.post(f"{demo_app.clinic_url}/api/v1/family/join", timeout=10,
                        json={"code": demo_app.family_invite_code, "display_name": "Sam"})
    assert joined.status_code == 201, joined.text
    sync_in_settings(page)
    expect(reveal(page, text(page, "Sam can see the education you share"))).to_be_visible()
    shot(page, screenshots, "sharing-2-active")

    # Alex asks the clinic to stop sharing; the clinic records it, and Sam's access ends.
    signed_in = httpx.post(f"{demo_app.clinic_url}/api/v1/clinician/sessions", json=CLINICIAN,
                           timeout=10)
    staff = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
    base = f"{demo_app.clinic_url}/api/v1/clinician/participants/{DEMO_PARTICIPANT_ID}"
    consent_id = _joined_consent(tmp_path / "data")
    revoked = httpx.post(f"{base}/consents/{consent_id}/revoke", headers=staff, timeout=10)
    assert revoked.status_code == 200, revoked.text
    family = httpx.get(f"{demo_app.clinic_url}/api/v1/family/shared", timeout=10,
                       headers={"Authorization": f"Bearer {joined.json()['family_token']}"})
    assert family.status_code in (401, 403)
    sync_in_settings(page)
    expect(reveal(page, text(page, "Sharing with Sam ended today."))).to_be_visible()
    expect(text(page, "You can stop sharing at any time")).to_have_count(0)
    shot(page, screenshots, "sharing-3-ended")
