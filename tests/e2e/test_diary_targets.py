"""The diary card's setup end to end, in the browser against the demo clinic: the
clinician chooses the clinic's emotions and sets two targets for the demo participant
through the clinic's API; after "Sync now" the diary card asks those emotions (and not
the default ones) and shows "My targets (set with my care team)"; a target is rated and
marked as done, the card is saved, and the clinician's API reads the rating back with
the target's name."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from iop_companion.clinic.demo import DEMO_PARTICIPANT_ID
from tests.e2e.conftest import RunningApp, demo_clinician
from tests.e2e.driver import button, complete_first_run, open_app, reveal, shot, text
from tests.e2e.test_aftercare import sync_now

PIN = "482913"


class DiaryClinician:
    """The demo clinician, using the clinic's API as their own tools would."""

    def __init__(self, clinic_url: str) -> None:
        signed_in = httpx.post(f"{clinic_url}/api/v1/clinician/sessions",
                               json=demo_clinician(clinic_url), timeout=10)
        assert signed_in.status_code == 201, signed_in.text
        self._headers = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
        self._api = f"{clinic_url}/api/v1/clinician"
        self._participant = f"{self._api}/participants/{DEMO_PARTICIPANT_ID}"

    def choose_emotions(self, *emotions: str) -> None:
        answer = httpx.put(f"{self._api}/clinic/diary-card", headers=self._headers,
                           json={"emotions": list(emotions)}, timeout=10)
        assert answer.status_code == 200, answer.text

    def set_targets(self, *labels: str) -> list[dict[str, str]]:
        answer = httpx.put(f"{self._participant}/diary-targets", headers=self._headers,
                           json={"targets": [{"label": label} for label in labels]},
                           timeout=10)
        assert answer.status_code == 200, answer.text
        return answer.json()["targets"]  # type: ignore[no-any-return]

    def diary_cards(self) -> list[dict[str, Any]]:
        answer = httpx.get(f"{self._participant}/diary-cards", headers=self._headers,
                           timeout=10)
        assert answer.status_code == 200, answer.text
        return answer.json()["logs"]  # type: ignore[no-any-return]

    def wait_for_card(self, check: Any, timeout: float = 40) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while True:
            cards = self.diary_cards()
            if check(cards) or time.monotonic() > deadline:
                return cards
            time.sleep(0.5)


def test_the_clinics_emotions_and_a_participants_targets_on_the_diary_card(
        page: Page, demo_app: RunningApp, screenshots: Path) -> None:
    assert demo_app.clinic_url
    open_app(page, demo_app.url)
    complete_first_run(page, PIN, demo_app.enrolment_code)
    clinician = DiaryClinician(demo_app.clinic_url)

    # Before the clinic sets anything: the default emotions and no targets section.
    reveal(page, button(page, "Today's diary card")).click()
    expect(text(page, "Diary card for today")).to_be_visible()
    expect(reveal(page, button(page, "Fear 1"))).to_be_visible()
    expect(page.get_by_text("My targets (set with my care team)")).to_have_count(0)
    button(page, "Back").click()

    # 1. The clinician chooses the clinic's emotions and sets two targets for Alex.
    clinician.choose_emotions("anxiety", "sadness", "calm")
    meal, alone = clinician.set_targets("Skipped a meal", "Isolated myself")
    sync_now(page)

    # 2. The card asks the clinic's emotions and shows Alex's targets.
    reveal(page, button(page, "Today's diary card")).click()
    expect(text(page, "Diary card for today")).to_be_visible()
    expect(reveal(page, text(page, "My targets (set with my care team)"))).to_be_visible()
    reveal(page, button(page, "Skipped a meal 3")).click()
    # Rating it adds "I did it" below: wait for it, so the next tap lands where aimed.
    did_it = page.get_by_role("checkbox", name="I did it (Skipped a meal)")
    expect(reveal(page, did_it)).to_be_visible()
    did_it.click()
    expect(did_it).to_be_checked()
    expect(reveal(page, button(page, "Isolated myself 0"))).to_be_visible()
    shot(page, screenshots, "diary-targets-1-targets")
    reveal(page, button(page, "Anxiety 2")).click()
    expect(reveal(page, text(page, "Anxiety: 2"))).to_be_visible()
    expect(reveal(page, button(page, "Calm 4"))).to_be_visible()
    expect(button(page, "Fear 1")).to_have_count(0)  # not on this clinic's card
    shot(page, screenshots, "diary-targets-2-clinic-emotions")
    # The urges keep their names (and their place above the targets).
    expect(reveal(page, button(page, "Urge to harm myself 2"))).to_be_visible()

    reveal(page, button(page, "Save diary card")).click()
    expect(reveal(page, text(page, "Today's diary card is kept"))).to_be_visible()

    # 3. The clinic holds the rating, named.
    cards = clinician.wait_for_card(lambda found: bool(found))
    assert len(cards) == 1, cards
    [card] = cards
    assert card["content"]["targets"] == {meal["id"]: {"rating": 3, "acted_on": True}}
    assert card["content"]["emotions"] == {"anxiety": 2}
    assert card["target_labels"] == {meal["id"]: "Skipped a meal"}
    assert alone["id"] not in card["content"]["targets"]  # never rated: not sent
