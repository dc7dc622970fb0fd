"""The diary card's setup on the phone, against the real clinic server in-process: the
clinic's emotions come down with its profile and the participant's targets as their own
change; both are kept encrypted; a card rates them and the clinician reads the ratings
with the targets' labels. A target taken off the list leaves new cards, and an old
card keeps (and may still change) its rating. Without a clinic the card asks the
default emotions and no targets. An app restored from a clinic backup, or enrolled
again, rebuilds the list from the feed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from iop_companion.clinic.demo import DEMO_PARTICIPANT_ID, DemoCredentials
from iop_companion.clinic.enrolment import issue_enrolment_code
from iop_companion.domain.coping_logs import DEFAULT_DIARY_EMOTIONS
from iop_companion.services.clinic_link import (
    DIARY_TARGETS_KEY,
    SERVER_EPOCH_KEY,
    ClinicLink,
    LinkState,
)
from iop_companion.services.coping_logs import (
    DIARY_CARD,
    DiarySetup,
    DiaryTarget,
    LogNotValid,
    diary_setup,
    logs,
    save_diary_card,
)
from iop_companion.store import Store, Vault
from iop_companion.sync.clinic_client import ClinicClient
from tests.domain.test_coping_logs import card
from tests.sync.sync_testing import ServerClock

BASE = f"/api/v1/clinician/participants/{DEMO_PARTICIPANT_ID}"
CHICAGO = ZoneInfo("America/Chicago")
NOW = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)


@pytest.fixture
def store(vault: Vault) -> Store:
    return vault.create("482913")


@pytest.fixture
def link(store: Store, clinic_client: ClinicClient, demo: DemoCredentials,
         server_clock: ServerClock) -> ClinicLink:
    link = ClinicLink(clinic_client, clock=server_clock)
    assert link.enrol(store, demo.enrolment_code).ok
    return link


class Staff:
    def __init__(self, http: TestClient, headers: dict[str, str]) -> None:
        self.http, self.headers = http, headers

    def emotions(self, emotions: list[str] | None) -> None:
        answer = self.http.put("/api/v1/clinician/clinic/diary-card", headers=self.headers,
                               json={"emotions": emotions})
        assert answer.status_code == 200, answer.text

    def targets(self, *labels: str) -> list[dict[str, str]]:
        answer = self.http.put(f"{BASE}/diary-targets", headers=self.headers,
                               json={"targets": [{"label": label} for label in labels]})
        assert answer.status_code == 200, answer.text
        return answer.json()["targets"]  # type: ignore[no-any-return]

    def diary_cards(self) -> list[dict[str, Any]]:
        answer = self.http.get(f"{BASE}/diary-cards", headers=self.headers)
        assert answer.status_code == 200, answer.text
        return answer.json()["logs"]  # type: ignore[no-any-return]


@pytest.fixture
def staff(clinic_app: FastAPI, demo: DemoCredentials) -> Iterator[Staff]:
    with TestClient(clinic_app, base_url="http://localhost") as http:
        signed_in = http.post("/api/v1/clinician/sessions",
                              json={"email": demo.clinician_email,
                                    "password": demo.clinician_password})
        assert signed_in.status_code == 201, signed_in.text
        yield Staff(http, {"Authorization": f"Bearer {signed_in.json()['access_token']}"})


def today(server_clock: ServerClock) -> str:
    return server_clock.now.astimezone(CHICAGO).date().isoformat()


def test_without_a_clinic_the_card_asks_the_default_emotions_and_no_targets(
        store: Store) -> None:
    assert diary_setup(store) == DiarySetup(DEFAULT_DIARY_EMOTIONS, ())
    with pytest.raises(LogNotValid) as refused:
        save_diary_card(store, card(targets={"t1": {"rating": 2, "acted_on": False}}), NOW)
    assert "targets.t1" in refused.value.problems


def test_the_clinics_emotions_and_targets_reach_the_card_and_come_back_rated(
        store: Store, link: ClinicLink, staff: Staff, server_clock: ServerClock,
        tmp_path: Path) -> None:
    staff.emotions(["anxiety", "sadness", "hope"])
    [meal, alone] = staff.targets("Skipped a meal", "MARKER Isolated myself")
    assert link.sync(store).state is LinkState.UP_TO_DATE
    setup = diary_setup(store)
    assert setup.emotions == ("anxiety", "sadness", "hope")
    assert setup.targets == (DiaryTarget(meal["id"], "Skipped a meal"),
                             DiaryTarget(alone["id"], "MARKER Isolated myself"))
    for path in (tmp_path / "store").rglob("*"):  # kept encrypted, like everything else
        if path.is_file():
            assert b"MARKER" not in path.read_bytes(), path

    day = today(server_clock)
    ratings = {meal["id"]: {"rating": 3, "acted_on": True},
               alone["id"]: {"rating": 1, "acted_on": False}}
    with pytest.raises(LogNotValid):  # "joy" is not on this clinic's card any more
        save_diary_card(store, card(day=day, targets=ratings), server_clock.now)
    saved = save_diary_card(store, card(day=day, emotions={"anxiety": 4, "hope": 2},
                                        targets=ratings), server_clock.now)
    assert link.sync(store).state is LinkState.UP_TO_DATE
    assert store.outbox.count_pending() == 0
    [seen] = staff.diary_cards()
    assert seen["record_id"] == saved["id"]
    assert seen["content"]["targets"] == ratings
    assert seen["content"]["emotions"] == {"anxiety": 4, "hope": 2}
    assert seen["target_labels"] == {meal["id"]: "Skipped a meal",
                                     alone["id"]: "MARKER Isolated myself"}


def test_a_removed_target_leaves_new_cards_and_old_cards_keep_its_rating(
        store: Store, link: ClinicLink, staff: Staff, server_clock: ServerClock) -> None:
    [meal, alone] = staff.targets("Skipped a meal", "Isolated myself")
    link.sync(store)
    old_day = "2026-03-01"
    save_diary_card(store, card(day=old_day, targets={
        meal["id"]: {"rating": 4, "acted_on": True}}), server_clock.now)
    [kept] = staff.targets("Isolated myself")
    assert kept["id"] == alone["id"]  # unchanged: the same id
    assert link.sync(store).state is LinkState.UP_TO_DATE

    setup = diary_setup(store)
    assert setup.targets == (DiaryTarget(alone["id"], "Isolated myself"),)
    assert setup.label(meal["id"]) == "Skipped a meal"  # still named for the old card
    # A new card cannot rate it...
    with pytest.raises(LogNotValid) as refused:
        save_diary_card(store, card(day=today(server_clock), targets={
            meal["id"]: {"rating": 1, "acted_on": False}}), server_clock.now)
    assert f"targets.{meal['id']}" in refused.value.problems
    # ...the old card keeps its rating, and editing it keeps (or changes) it.
    edited = save_diary_card(store, card(day=old_day, note="Looked back at this", targets={
        meal["id"]: {"rating": 2, "acted_on": True}}), server_clock.now)
    assert edited["targets"] == {meal["id"]: {"rating": 2, "acted_on": True}}
    assert link.sync(store).state is LinkState.UP_TO_DATE
    [seen] = staff.diary_cards()
    assert (seen["version"], seen["target_labels"]) == (2, {meal["id"]: "Skipped a meal"})
    assert [c["day"] for c in logs(store, DIARY_CARD)] == [old_day]


def test_an_emotion_the_clinic_dropped_stays_on_an_old_card(
        store: Store, link: ClinicLink, staff: Staff, server_clock: ServerClock) -> None:
    old_day = "2026-03-01"
    save_diary_card(store, card(day=old_day, emotions={"fear": 3}), server_clock.now)
    staff.emotions(["calm"])
    link.sync(store)
    assert diary_setup(store).emotions == ("calm",)
    save_diary_card(store, card(day=old_day, emotions={"fear": 2, "calm": 1}),
                    server_clock.now)
    staff.emotions(None)  # back to the app's default
    link.sync(store)
    assert diary_setup(store).emotions == DEFAULT_DIARY_EMOTIONS


def test_a_restored_clinic_or_a_new_enrolment_rebuilds_the_list_from_the_feed(
        store: Store, link: ClinicLink, staff: Staff, demo: DemoCredentials,
        clinic_app: FastAPI, server_clock: ServerClock) -> None:
    [meal] = staff.targets("Skipped a meal")
    link.sync(store)
    [alone] = staff.targets("Isolated myself")
    link.sync(store)
    # A different epoch (as after a restore): the list is dropped, the labels kept, and
    # the pull from 0 brings back the list the clinic has.
    store.settings.set(SERVER_EPOCH_KEY, "an-epoch-from-before-the-restore")
    store.settings.set(DIARY_TARGETS_KEY, {
        "targets": [{"id": "tstale", "label": "Not at the clinic"}],
        "labels": {meal["id"]: "Skipped a meal", "tstale": "Not at the clinic"}})
    assert link.sync(store).state is LinkState.UP_TO_DATE
    setup = diary_setup(store)
    assert setup.targets == (DiaryTarget(alone["id"], "Isolated myself"),)
    assert setup.label(meal["id"]) == "Skipped a meal"

    # Enrolling again (a new code): the feed from 0 names every target again.
    with clinic_app.state.clinic.sessions.begin() as session:
        code = issue_enrolment_code(session, DEMO_PARTICIPANT_ID, server_clock.now)
    store.settings.set(DIARY_TARGETS_KEY, {"targets": [], "labels": {"tother": "Other"}})
    assert link.enrol(store, code).ok
    assert link.sync(store).state is LinkState.UP_TO_DATE
    setup = diary_setup(store)
    assert setup.targets == (DiaryTarget(alone["id"], "Isolated myself"),)
    assert setup.labels == {meal["id"]: "Skipped a meal", alone["id"]: "Isolated myself"}


@pytest.mark.parametrize("kept", [
    "nonsense", {"targets": "x", "labels": 3},
    {"targets": [{"id": "Not An Id", "label": "x"}, {"id": "t1", "label": "  "}, 7,
                 {"id": "t2", "label": "Kept"}, {"id": "t2", "label": "Twice"}],
     "labels": {"t3": 4, "t4": "Old one"}},
])
def test_whatever_is_kept_the_card_reads_only_what_makes_sense(store: Store,
                                                                kept: Any) -> None:
    store.settings.set(DIARY_TARGETS_KEY, kept)
    setup = diary_setup(store)
    assert setup.emotions == DEFAULT_DIARY_EMOTIONS
    if isinstance(kept, dict) and isinstance(kept["targets"], list):
        assert setup.targets == (DiaryTarget("t2", "Kept"),)
        assert setup.labels == {"t2": "Kept", "t4": "Old one"}
    else:
        assert setup.targets == ()
