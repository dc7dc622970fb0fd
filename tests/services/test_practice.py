"""Practice sessions, app side: a session is kept encrypted on the phone and queued as a
`practice_session` record only while the clinic receives data; the after-rating is a
new version of it; a run in progress survives a lock as a paused draft; favourites,
recently used and minutes this week; homework that names an exercise is marked done.
Against the real clinic server (in-process), the session reaches the clinic and the
clinician reads it back."""

from __future__ import annotations

import uuid
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from iop_companion.clinic.demo import DemoCredentials
from iop_companion.clinic.models import Device, ParticipantRecord
from iop_companion.domain.practice import Outcome
from iop_companion.services.clinic_link import ClinicLink, LinkState
from iop_companion.services.errors import SaveFailed
from iop_companion.services.homework import answer_for
from iop_companion.services.practice import (
    PRACTICE_SESSION_KIND,
    PracticeRun,
    Stage,
    bell_on,
    favourites,
    finish_homework,
    history,
    recent_exercises,
    run_from_snapshot,
    run_snapshot,
    save_session,
    set_bell,
    toggle_favourite,
    week_seconds,
)
from iop_companion.store import Store, Vault
from iop_companion.sync.clinic_client import ClinicClient
from iop_companion.sync.protocol.push import RecordKind, payload_problem
from tests.services.test_homework import URGE_LOG, connect, with_homework
from tests.sync.sync_testing import ServerClock

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=".*httpx2", category=UserWarning)
    from fastapi.testclient import TestClient

NOW = datetime(2026, 11, 25, 15, 30, tzinfo=UTC)  # a Wednesday
CHICAGO = ZoneInfo("America/Chicago")


@pytest.fixture
def store(vault: Vault) -> Store:
    return vault.create("482913")


def ran(exercise_id: str = "box-breathing", minutes: int = 1, *, seconds: float = 60,
        started: datetime = NOW, rating_before: int | None = 6,
        homework_id: str | None = None) -> tuple[PracticeRun, Outcome]:
    run = PracticeRun(exercise_id, minutes, "distress", rating_before=rating_before,
                      homework_id=homework_id).start(started.astimezone(CHICAGO), 100.0)
    assert run.clock is not None
    return run, run.clock.outcome(100.0 + seconds)


def test_without_a_clinic_the_session_stays_on_the_phone(store: Store) -> None:
    run, outcome = ran()
    record = save_session(store, run, outcome, NOW)
    assert store.practice_sessions.get(run.record_id) == record
    assert (record["seconds_completed"], record["ended_early"]) == (60, False)
    assert store.outbox.pending() == []


def test_in_care_it_is_queued_and_the_after_rating_is_a_new_version(store: Store) -> None:
    connect(store)
    run, outcome = ran(seconds=42.7)
    record = save_session(store, run, outcome, NOW)
    assert (record["seconds_completed"], record["ended_early"]) == (42, True)
    assert record["started_at"].endswith("-06:00")  # the phone's own day is kept
    save_session(store, run, outcome, NOW)  # saved twice (lock, then end): nothing new
    rated = PracticeRun(**{**run.__dict__, "rating_after": 3})
    save_session(store, rated, outcome, NOW)
    entries = store.outbox.pending()
    assert [(e["kind"], e["version"], e["replaces_version"]) for e in entries] == [
        (PRACTICE_SESSION_KIND, 1, None), (PRACTICE_SESSION_KIND, 2, 1)]
    assert entries[1]["payload"]["rating_after"] == 3
    # What is queued is what the clinic accepts.
    for entry in entries:
        assert payload_problem(RecordKind.PRACTICE_SESSION, entry["payload"]) is None


def test_after_discharge_nothing_is_queued(store: Store) -> None:
    connect(store, discharged_on="2026-11-20")
    run, outcome = ran()
    save_session(store, run, outcome, NOW)
    assert store.outbox.pending() == []
    assert len(history(store)) == 1


def test_a_session_that_never_started_is_refused(store: Store) -> None:
    with pytest.raises(SaveFailed):
        save_session(store, PracticeRun("box-breathing", 1, "distress"), Outcome(1, True), NOW)


def test_it_is_kept_encrypted(store: Store, tmp_path: Path) -> None:
    run, outcome = ran(exercise_id="urge-surfing", minutes=5, seconds=300)
    save_session(store, run, outcome, NOW)
    for path in (tmp_path / "store").rglob("*"):
        if path.is_file():
            assert b"urge-surfing" not in path.read_bytes()


def test_a_run_in_progress_comes_back_paused_after_a_lock() -> None:
    run, _ = ran()
    snapshot = run_snapshot(run, 130.0)  # 30 s in, and the phone locks
    back = run_from_snapshot(snapshot)
    assert back is not None and back.clock is not None
    assert back.clock.paused and back.elapsed(99_999.0) == 30.0
    assert (back.record_id, back.stage, back.rating_before) == (run.record_id, Stage.RUNNING, 6)
    assert run_from_snapshot({"exercise_id": "x"}) is None
    assert run_from_snapshot("nonsense") is None


def test_lists_favourites_recent_and_minutes_this_week(store: Store) -> None:
    monday = datetime(2026, 11, 23, 9, 0, tzinfo=CHICAGO)
    for exercise_id, started, seconds in [("tipp", monday - timedelta(days=1), 300),
                                          ("box-breathing", monday, 180),
                                          ("urge-surfing", monday + timedelta(days=1), 250)]:
        run, outcome = ran(exercise_id, 5, seconds=seconds, started=started)
        save_session(store, run, outcome, NOW)
    assert week_seconds(store, NOW, CHICAGO) == 430  # Sunday's is last week
    assert recent_exercises(store) == ["urge-surfing", "box-breathing", "tipp"]
    assert favourites(store) == []
    assert toggle_favourite(store, "tipp") == ["tipp"]
    assert toggle_favourite(store, "body-scan") == ["tipp", "body-scan"]
    assert toggle_favourite(store, "tipp") == ["body-scan"]


def test_the_soft_bell_is_off_until_chosen_and_the_choice_is_kept_encrypted(
        vault: Vault, tmp_path: Path) -> None:
    store = vault.create("482913")
    assert bell_on(store) is False
    set_bell(store, True)
    store.lock()
    store = vault.unlock("482913")
    assert bell_on(store) is True  # kept across a lock, in the store's settings
    for path in (tmp_path / "store").rglob("*"):
        if path.is_file():
            assert b"practice.bell" not in path.read_bytes()
    set_bell(store, False)
    assert bell_on(store) is False
    store.settings.set("practice.bell", "yes")  # anything but true is off
    assert bell_on(store) is False


def test_finishing_the_exercise_a_homework_names_marks_it_done(store: Store) -> None:
    connect(with_homework(store))
    assert finish_homework(store, URGE_LOG, NOW)
    answer = answer_for(store, URGE_LOG)
    assert answer is not None and answer["done"] is True
    assert not finish_homework(store, URGE_LOG, NOW)  # already done: nothing new
    assert not finish_homework(store, str(uuid.uuid4()), NOW)
    assert not finish_homework(store, None, NOW)


# --- Round trip with the real clinic server -------------------------------------------


@pytest.fixture
def link(store: Store, clinic_client: ClinicClient, demo: DemoCredentials,
         server_clock: ServerClock) -> ClinicLink:
    link = ClinicLink(clinic_client, clock=server_clock)
    assert link.enrol(store, demo.enrolment_code).ok
    return link


@pytest.fixture
def clinician_http(link: ClinicLink, clinic_app: FastAPI,
                   demo: DemoCredentials) -> Iterator[tuple[TestClient, dict[str, str], str]]:
    with clinic_app.state.clinic.sessions() as session:
        [participant_id] = session.scalars(select(Device.participant_id)).all()
    with TestClient(clinic_app, base_url="http://localhost") as http:
        signed_in = http.post("/api/v1/clinician/sessions",
                              json={"email": demo.clinician_email,
                                    "password": demo.clinician_password})
        assert signed_in.status_code == 201, signed_in.text
        headers = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
        yield http, headers, f"/api/v1/clinician/participants/{participant_id}/practice-sessions"


def test_practice_sessions_round_trip_with_the_real_clinic(
        store: Store, link: ClinicLink, clinic_app: FastAPI, server_clock: ServerClock,
        clinician_http: tuple[TestClient, dict[str, str], str]) -> None:
    now = server_clock.now
    run, outcome = ran(seconds=35, started=now - timedelta(minutes=2))
    save_session(store, run, outcome, now)
    assert link.sync(store).state is LinkState.UP_TO_DATE
    rated = PracticeRun(**{**run.__dict__, "rating_after": 2})
    save_session(store, rated, outcome, now)
    assert link.sync(store).state is LinkState.UP_TO_DATE
    assert store.outbox.count_pending() == 0

    with clinic_app.state.clinic.sessions() as session:
        rows = session.scalars(select(ParticipantRecord)
                               .where(ParticipantRecord.record_id == uuid.UUID(run.record_id))
                               .order_by(ParticipantRecord.version)).all()
        assert [(row.kind, row.version, row.replaces_version) for row in rows] == [
            (RecordKind.PRACTICE_SESSION, 1, None), (RecordKind.PRACTICE_SESSION, 2, 1)]

    http, headers, url = clinician_http
    response = http.get(url, headers=headers)
    assert response.status_code == 200, response.text
    [seen] = response.json()["practice_sessions"]
    assert (seen["exercise_id"], seen["seconds_completed"], seen["ended_early"]) == (
        "box-breathing", 35, True)
    assert (seen["rating_before"], seen["rating_after"], seen["version"]) == (6, 2, 2)
    assert response.json()["minutes_last_7_days"] == 0.6
