"""The participant sees who can see what: the family invite the clinic issued, the family
member connecting and the participant confirming it is them (or saying it is not), and
the clinic recording that the participant withdrew the consent, each arriving through
the pull feed."""

from __future__ import annotations

import re
import sqlite3
import uuid
from pathlib import Path

import httpx
from playwright.sync_api import Locator, Page, expect

from iop_companion.clinic.demo import DEMO_PARTICIPANT_ID
from tests.e2e.conftest import RunningApp, demo_clinician
from tests.e2e.driver import button, complete_first_run, open_app, reveal, shot, text

PIN = "482913"
QUESTION = "Sam W. joined with your invite for Sam. Is this the right person?"


def _demo_database(demo_app: RunningApp, data_dir: Path) -> Path:
    """The demo clinic's database: in the temporary folder it printed, else (older
    layouts) under the app's data folder."""
    for line in demo_app.app.lines:
        found = re.search(r"Demo clinic database: (\S+)", line)
        if found:
            return Path(found.group(1)) / "clinic.sqlite3"
    return data_dir / "demo-clinic" / "clinic.sqlite3"


def _joined_consent(database: Path) -> str:
    """The consent Sam joined under, read from the demo clinic's database (read-only)."""
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        [(consent_id,)] = connection.execute(
            "SELECT id FROM consents WHERE family_member_id IS NOT NULL").fetchall()
    return str(uuid.UUID(hex=consent_id) if len(consent_id) == 32 else consent_id)


def in_view(page: Page, target: Locator) -> Locator:
    """Scroll until `target` is inside the screen, below the top bar (for a screenshot:
    the accessibility tree also holds nodes just off screen)."""
    found = reveal(page, target)
    for _ in range(10):
        box = found.bounding_box()
        if box is None or 80 <= box["y"] <= 700:
            break
        page.mouse.move(6, 500)
        page.mouse.wheel(0, -200 if box["y"] < 80 else 200)
        page.wait_for_timeout(250)
    return found


def sync_in_settings(page: Page) -> None:
    reveal(page, button(page, "Sync now")).click()
    expect(text(page, "Your clinic has everything from this phone")).to_be_visible()


def _someone_joins(demo_app: RunningApp) -> str:
    """Sam connects their own app with the invite code, typing "Sam W."; their token."""
    joined = httpx.post(f"{demo_app.clinic_url}/api/v1/family/join", timeout=10,
                        json={"code": demo_app.family_invite_code, "display_name": "Sam W."})
    assert joined.status_code == 201, joined.text
    return str(joined.json()["family_token"])


def _family_shared(demo_app: RunningApp, family_token: str) -> httpx.Response:
    return httpx.get(f"{demo_app.clinic_url}/api/v1/family/shared", timeout=10,
                     headers={"Authorization": f"Bearer {family_token}"})


def _open_settings_with_the_invite_waiting(page: Page, demo_app: RunningApp) -> None:
    assert demo_app.clinic_url and demo_app.family_invite_code
    open_app(page, demo_app.url)
    complete_first_run(page, PIN, demo_app.enrolment_code)
    button(page, "Settings").click()
    sync_in_settings(page)


def test_sharing_with_family_follows_the_participant_s_answer_and_the_clinic_s_records(
        page: Page, demo_app: RunningApp, screenshots: Path, tmp_path: Path) -> None:
    _open_settings_with_the_invite_waiting(page, demo_app)

    # The demo clinic issued an invite for Sam (Alex's family member): waiting.
    waiting = reveal(page, text(page, "You invited Sam to see the education you share."))
    expect(waiting).to_be_visible()
    expect(text(page, "They have not connected yet.")).to_be_visible()
    shot(page, screenshots, "sharing-1-waiting")

    # Someone joins with the invite: Alex is asked, and nothing is shared meanwhile.
    family_token = _someone_joins(demo_app)
    sync_in_settings(page)
    expect(in_view(page, text(page, QUESTION))).to_be_visible()
    expect(text(page, "Nothing is shared until you answer.")).to_be_visible()
    expect(text(page, "Sam can see the education you share")).to_have_count(0)
    assert _family_shared(demo_app, family_token).json()["status"] == "awaiting_confirmation"
    shot(page, screenshots, "sharing-2-question")

    reveal(page, button(page, "Yes, share with them")).click()
    expect(in_view(page, text(page, "Sam can see the education you share"))).to_be_visible()
    expect(text(page, QUESTION)).to_have_count(0)
    assert _family_shared(demo_app, family_token).json()["status"] == "shared"
    shot(page, screenshots, "sharing-3-active")

    # Alex asks the clinic to stop sharing; the clinic records it, and Sam's access ends.
    signed_in = httpx.post(f"{demo_app.clinic_url}/api/v1/clinician/sessions",
                           json=demo_clinician(demo_app.clinic_url), timeout=10)
    staff = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
    base = f"{demo_app.clinic_url}/api/v1/clinician/participants/{DEMO_PARTICIPANT_ID}"
    consent_id = _joined_consent(_demo_database(demo_app, tmp_path / "data"))
    revoked = httpx.post(f"{base}/consents/{consent_id}/revoke", headers=staff, timeout=10)
    assert revoked.status_code == 200, revoked.text
    assert _family_shared(demo_app, family_token).status_code in (401, 403)
    sync_in_settings(page)
    expect(in_view(page, text(page, "Sharing with Sam ended today."))).to_be_visible()
    expect(text(page, "You can stop sharing at any time")).to_have_count(0)
    shot(page, screenshots, "sharing-4-ended")


def test_the_participant_turns_away_someone_who_is_not_the_person_invited(
        page: Page, demo_app: RunningApp, screenshots: Path) -> None:
    _open_settings_with_the_invite_waiting(page, demo_app)
    family_token = _someone_joins(demo_app)
    sync_in_settings(page)

    reveal(page, button(page, "No, this isn't them")).click()

    turned_away = "You said Sam W. is not the person you invited for Sam."
    expect(in_view(page, text(page, turned_away))).to_be_visible()
    expect(text(page, QUESTION)).to_have_count(0)
    expect(text(page, "Sam can see the education you share")).to_have_count(0)
    refused = _family_shared(demo_app, family_token)
    assert refused.status_code == 401
    assert "no longer have access" in refused.json()["detail"]
    shot(page, screenshots, "sharing-5-turned-away")
