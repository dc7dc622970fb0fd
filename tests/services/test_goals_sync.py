"""Treatment goals round-trip between the app and the real clinic server (in-process):
a goal written on the phone reaches the clinic, a goal the clinician publishes reaches
the phone, a clinician's edit of a phone goal reaches the phone, weekly ratings reach
the clinic, and when both change a goal the participant chooses whose version stays."""

from __future__ import annotations

import uuid
import warnings
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from iop_companion.clinic.demo import DemoCredentials
from iop_companion.clinic.models import Device, ParticipantRecord
from iop_companion.domain.goals import GoalDraft, draft_from_goal, rating_id
from iop_companion.services import shared_records
from iop_companion.services.clinic_link import ClinicLink, LinkState
from iop_companion.services.goals import (
    goal_overviews,
    rate_week,
    save_goal,
    set_step_done,
    share_goals_on_connecting,
    this_week,
)
from iop_companion.store import Store, Vault
from iop_companion.sync.clinic_client import ClinicClient
from tests.sync.sync_testing import ServerClock

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=".*httpx2", category=UserWarning)
    from fastapi.testclient import TestClient

SLEEP = GoalDraft(title="Sleep by 11 on weeknights", why_it_matters="I cope better rested",
                  steps="Phone off at 10:30\nNo coffee after 2 pm")


class Clinician:
    """The demo clinician, signed in to the clinician API of the same clinic server."""

    def __init__(self, http: TestClient, demo: DemoCredentials, participant_id: uuid.UUID) -> None:
        self._http = http
        self._demo = demo
        self._base = f"/api/v1/clinician/participants/{participant_id}/goals"
        self.sign_in()

    def sign_in(self) -> None:
        """Sign in (again: a clinician's session ends after some hours)."""
        response = self._http.post("/api/v1/clinician/sessions",
                                   json={"email": self._demo.clinician_email,
                                         "password": self._demo.clinician_password})
        assert response.status_code == 201, response.text
        self._headers = {"Authorization": f"Bearer {response.json()['access_token']}"}

    def goals(self) -> dict[str, Any]:
        response = self._http.get(self._base, headers=self._headers)
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    def goal(self, goal_id: str) -> dict[str, Any]:
        [found] = [g for g in self.goals()["goals"] if g["id"] == goal_id]
        return found

    def publish(self, **body: Any) -> dict[str, Any]:
        response = self._http.post(self._base, json=body, headers=self._headers)
        assert response.status_code == 201, response.text
        return response.json()  # type: ignore[no-any-return]

    def change(self, goal_id: str, expect: int = 200, **body: Any) -> dict[str, Any]:
        response = self._http.put(f"{self._base}/{goal_id}", json=body, headers=self._headers)
        assert response.status_code == expect, response.text
        return response.json()  # type: ignore[no-any-return]


@pytest.fixture
def store(vault: Vault) -> Store:
    return vault.create("482913")


@pytest.fixture
def link(store: Store, clinic_client: ClinicClient, demo: DemoCredentials,
         server_clock: ServerClock) -> ClinicLink:
    link = ClinicLink(clinic_client, clock=server_clock)
    assert link.enrol(store, demo.enrolment_code).ok
    return link


@pytest.fixture
def clinician(link: ClinicLink, clinic_app: FastAPI, demo: DemoCredentials) -> Iterator[Clinician]:
    with clinic_app.state.clinic.sessions() as session:
        [participant_id] = session.scalars(select(Device.participant_id)).all()
    with TestClient(clinic_app, base_url="http://localhost") as http:
        yield Clinician(http, demo, participant_id)


def versions_at_clinic(clinic_app: FastAPI, record_id: str) -> list[tuple[int, int | None, dict]]:
    """(version, replaces_version, payload) of every stored version of a record."""
    with clinic_app.state.clinic.sessions() as session:
        rows = session.scalars(select(ParticipantRecord)
                               .where(ParticipantRecord.record_id == uuid.UUID(record_id))
                               .order_by(ParticipantRecord.version))
        return [(row.version, row.replaces_version, row.payload) for row in rows]


def synced(link: ClinicLink, store: Store) -> None:
    assert link.sync(store).state is LinkState.UP_TO_DATE
    assert store.outbox.count_pending() == 0


def step_texts(goal: dict[str, Any]) -> list[tuple[str, bool]]:
    return [(step["text"], step["done"]) for step in goal["steps"]]


# --- the phone's goals reach the clinic ------------------------------------------------

def test_a_goal_written_on_the_phone_reaches_the_clinic(
        store: Store, link: ClinicLink, clinician: Clinician, clinic_app: FastAPI,
        server_clock: ServerClock) -> None:
    goal = save_goal(store, SLEEP, server_clock.now)
    synced(link, store)
    at_clinic = clinician.goal(goal["id"])
    assert (at_clinic["version"], at_clinic["author"]) == (1, "participant")
    assert at_clinic["payload"]["title"] == "Sleep by 11 on weeknights"
    assert step_texts(at_clinic["payload"]) == [("Phone off at 10:30", False),
                                                ("No coffee after 2 pm", False)]
    assert "author" not in at_clinic["payload"]  # the phone's own bookkeeping stays home
    # Ticking a step is a new version naming the one it replaces.
    set_step_done(store, goal["id"], 0, True, server_clock.now)
    synced(link, store)
    assert [(v, r) for v, r, _ in versions_at_clinic(clinic_app, goal["id"])] == [
        (1, None), (2, 1)]
    assert step_texts(clinician.goal(goal["id"])["payload"])[0] == ("Phone off at 10:30", True)
    # Its own versions come back on the feed and change nothing here.
    assert store.goals.get(goal["id"])["author"] == "participant"
    assert step_texts(store.goals.get(goal["id"]))[0] == ("Phone off at 10:30", True)


def test_saving_without_a_change_sends_nothing_new(
        store: Store, link: ClinicLink, server_clock: ServerClock) -> None:
    goal = save_goal(store, SLEEP, server_clock.now)
    synced(link, store)
    save_goal(store, draft_from_goal(goal), server_clock.now, goal["id"])
    assert store.outbox.count_pending() == 0


# --- the clinic's goals reach the phone --------------------------------------------------

def test_a_goal_the_clinician_publishes_reaches_the_phone(
        store: Store, link: ClinicLink, clinician: Clinician, clinic_app: FastAPI,
        server_clock: ServerClock) -> None:
    published = clinician.publish(title="Go to two meetings a week",
                                  why_it_matters="People who get it",
                                  steps=[{"text": "Find a SMART meeting"},
                                         {"text": "Go with Ana on Tuesday"}])
    synced(link, store)
    goal = store.goals.get(published["id"])
    assert goal is not None
    assert (goal["author"], goal["changed_by"]) == ("clinic", "clinic")
    assert goal["title"] == "Go to two meetings a week"
    assert step_texts(goal) == [("Find a SMART meeting", False), ("Go with Ana on Tuesday", False)]
    [overview] = goal_overviews(store, server_clock.now)
    assert overview.from_care_team and not overview.waiting_to_send
    assert not overview.needs_choice
    assert (overview.progress.steps_done, overview.progress.steps_total) == (0, 2)
    # The participant ticks a step: version 2 on top of the clinician's version 1.
    set_step_done(store, published["id"], 0, True, server_clock.now)
    synced(link, store)
    at_clinic = clinician.goal(published["id"])
    assert (at_clinic["version"], at_clinic["author"]) == (2, "participant")
    assert step_texts(at_clinic["payload"])[0] == ("Find a SMART meeting", True)
    assert versions_at_clinic(clinic_app, published["id"])[1][1] == 1
    assert store.goals.get(published["id"])["author"] == "clinic"  # still the care team's


def test_a_clinician_edit_of_a_phone_goal_reaches_the_phone(
        store: Store, link: ClinicLink, clinician: Clinician, server_clock: ServerClock) -> None:
    goal = save_goal(store, SLEEP, server_clock.now)
    set_step_done(store, goal["id"], 1, True, server_clock.now)
    synced(link, store)
    clinician.change(goal["id"], title="Sleep by 11, most nights", replaces_version=2,
                     steps=[{"text": "Phone off at 10:30"},
                            {"text": "No coffee after 2 pm", "done": True},
                            {"text": "Wind-down music"}])
    synced(link, store)
    mine = store.goals.get(goal["id"])
    assert mine["title"] == "Sleep by 11, most nights"
    assert step_texts(mine) == [("Phone off at 10:30", False), ("No coffee after 2 pm", True),
                                ("Wind-down music", False)]
    assert (mine["author"], mine["changed_by"]) == ("participant", "clinic")
    # The next edit here builds on the clinician's version 3.
    save_goal(store, GoalDraft(title="Sleep by 11, most nights", steps="Wind-down music"),
              server_clock.now, goal["id"])
    assert [(e["version"], e["replaces_version"]) for e in store.outbox.pending()] == [(4, 3)]
    synced(link, store)
    assert clinician.goal(goal["id"])["version"] == 4


def test_a_clinician_editing_an_old_version_is_told_to_look_again(
        store: Store, link: ClinicLink, clinician: Clinician, server_clock: ServerClock) -> None:
    published = clinician.publish(title="Walk every day")
    synced(link, store)
    save_goal(store, GoalDraft(title="Walk every day", steps="Around the block"),
              server_clock.now, published["id"])
    synced(link, store)
    refused = clinician.change(published["id"], expect=409, title="Walk 3 times a week",
                               replaces_version=1)
    assert refused["latest"]["version"] == 2
    assert refused["latest"]["payload"]["steps"] == [{"text": "Around the block", "done": False}]


# --- weekly ratings -------------------------------------------------------------------

def test_weekly_ratings_reach_the_clinic_one_record_per_goal_and_week(
        store: Store, link: ClinicLink, clinician: Clinician, clinic_app: FastAPI,
        server_clock: ServerClock) -> None:
    goal = save_goal(store, SLEEP, server_clock.now)
    rate_week(store, goal["id"], 4, "", server_clock.now)
    rate_week(store, goal["id"], 6, " Slept well most nights ", server_clock.now)  # re-rated
    rate_week(store, goal["id"], 6, "Slept well most nights", server_clock.now)  # same again
    synced(link, store)
    week = this_week(store, server_clock.now)
    assert week == date(2026, 3, 2)  # ServerClock: Wednesday 4 March 2026
    record_id = rating_id(goal["id"], week)
    assert [(v, r) for v, r, _ in versions_at_clinic(clinic_app, record_id)] == [(1, None), (2, 1)]
    server_clock.advance(timedelta(days=7))
    rate_week(store, goal["id"], 8, "", server_clock.now)
    synced(link, store)
    clinician.sign_in()  # a week later
    ratings = clinician.goals()["ratings"]
    assert [(r["goal_id"], r["week_of"], r["rating"], r["note"]) for r in ratings] == [
        (goal["id"], "2026-03-09", 8, ""),
        (goal["id"], "2026-03-02", 6, "Slept well most nights"),
    ]
    [overview] = goal_overviews(store, server_clock.now)
    assert (overview.progress.this_week, overview.progress.last_week) == (8, 6)


# --- both change a goal: the participant chooses ---------------------------------------

@pytest.fixture
def conflicted(store: Store, link: ClinicLink, clinician: Clinician,
               server_clock: ServerClock) -> dict[str, Any]:
    """A clinic goal the participant edits while the clinician edits it too."""
    published = clinician.publish(title="Call my sister weekly",
                                  steps=[{"text": "Sunday call"}])
    synced(link, store)
    save_goal(store, GoalDraft(title="Call my sister every Sunday", steps="Sunday call\nText her"),
              server_clock.now, published["id"])  # not sent yet...
    clinician.change(published["id"], title="Call my sister or brother weekly",
                     replaces_version=1, steps=[{"text": "Sunday call"}])  # ...meanwhile
    assert link.sync(store).state is LinkState.UP_TO_DATE
    [parked] = store.outbox.parked()
    assert parked["record_id"] == published["id"]
    assert parked["conflict_latest"]["version"] == 2
    # Nothing is overwritten: the phone still shows what the participant wrote.
    assert store.goals.get(published["id"])["title"] == "Call my sister every Sunday"
    [overview] = goal_overviews(store, server_clock.now)
    assert overview.waiting_to_send and overview.needs_choice
    return parked


def test_keeping_my_version_makes_it_the_clinics_newest(
        store: Store, link: ClinicLink, clinician: Clinician, conflicted: dict[str, Any],
        server_clock: ServerClock) -> None:
    assert shared_records.keep_mine(store, conflicted["id"], server_clock.now)
    synced(link, store)
    assert store.outbox.parked() == []
    at_clinic = clinician.goal(conflicted["record_id"])
    assert (at_clinic["version"], at_clinic["author"]) == (3, "participant")
    assert at_clinic["payload"]["title"] == "Call my sister every Sunday"
    assert store.goals.get(conflicted["record_id"])["title"] == "Call my sister every Sunday"


def test_using_the_care_teams_version_replaces_mine_here(
        store: Store, link: ClinicLink, clinician: Clinician, conflicted: dict[str, Any],
        server_clock: ServerClock) -> None:
    assert shared_records.use_clinic_version(store, conflicted["id"], server_clock.now)
    synced(link, store)
    assert store.outbox.parked() == []
    goal = store.goals.get(conflicted["record_id"])
    assert goal["title"] == "Call my sister or brother weekly"
    assert goal["author"] == "clinic"
    assert clinician.goal(conflicted["record_id"])["version"] == 2  # nothing more was sent
    # The next tick builds on the clinic's version 2.
    set_step_done(store, conflicted["record_id"], 0, True, server_clock.now)
    assert [(e["version"], e["replaces_version"]) for e in store.outbox.pending()] == [(3, 2)]


# --- without a clinic, before connecting, after discharge ------------------------------

def test_without_a_clinic_goals_stay_on_the_phone_and_go_on_connecting(
        store: Store, clinic_client: ClinicClient, demo: DemoCredentials, clinic_app: FastAPI,
        server_clock: ServerClock) -> None:
    goal = save_goal(store, SLEEP, server_clock.now)
    rate_week(store, goal["id"], 3, "", server_clock.now)
    assert store.outbox.count_pending() == 0
    assert share_goals_on_connecting(store, server_clock.now) == 0
    link = ClinicLink(clinic_client, clock=server_clock)
    assert link.enrol(store, demo.enrolment_code).ok
    assert share_goals_on_connecting(store, server_clock.now) == 2
    assert share_goals_on_connecting(store, server_clock.now) == 0  # once
    synced(link, store)
    assert len(versions_at_clinic(clinic_app, goal["id"])) == 1
    assert len(versions_at_clinic(clinic_app, rating_id(goal["id"], server_clock.now.date()))) == 1


def test_after_discharge_nothing_new_is_sent(
        store: Store, link: ClinicLink, clinician: Clinician, clinic_app: FastAPI,
        server_clock: ServerClock) -> None:
    goal = save_goal(store, SLEEP, server_clock.now)
    synced(link, store)
    response = clinician._http.post(  # the clinician discharges the participant today
        clinician._base.removesuffix("/goals") + "/discharge",
        json={"discharged_on": server_clock.now.date().isoformat()}, headers=clinician._headers)
    assert response.status_code == 200, response.text
    synced(link, store)
    set_step_done(store, goal["id"], 0, True, server_clock.now)
    rate_week(store, goal["id"], 9, "", server_clock.now)
    save_goal(store, GoalDraft(title="Keep sleeping well"), server_clock.now)
    assert store.outbox.count_pending() == 0
    assert len(store.goals.all()) == 2  # the app keeps working for the person
    assert len(versions_at_clinic(clinic_app, goal["id"])) == 1
