"""Treatment goals and weekly goal ratings in the store (in memory and encrypted: see
conftest.py): ids for life, who set a goal, strict checks, and the participant's export."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from tests.store.store_testing import PIN

from iop_companion.domain.goals import rating_id
from iop_companion.store import Store, ValidationError, Vault
from iop_companion.store.goals import wire_form
from iop_companion.sync.protocol import GoalRatingPayload, TreatmentGoalPayload

GOAL = {"title": "Sleep better", "why_it_matters": "More energy for my kids",
        "steps": [{"text": "No screens after 10", "done": False},
                  {"text": "Same bedtime", "done": True}],
        "status": "active"}
CLINIC_GOAL_ID = "3f2b8c1e-6a4d-4e2b-9c7a-1d5e8f0a2b3c"


def test_goals_keep_their_id_author_and_creation_time(
        store: Store, reopen: Callable[[], Store]) -> None:
    assert store.goals.all() == []
    first = store.goals.save(GOAL)
    assert first["author"] == "participant" and first["changed_by"] == "participant"
    assert first["steps"][1] == {"text": "Same bedtime", "done": True}
    second = store.goals.save({"title": "Go to two meetings a week"})
    assert second["why_it_matters"] == "" and second["steps"] == []
    assert second["status"] == "active"
    edited = reopen().goals.save({**first, "status": "achieved"})
    assert (edited["id"], edited["created_at"]) == (first["id"], first["created_at"])
    store = reopen()
    assert store.goals.get(first["id"]) == edited
    assert [g["id"] for g in store.goals.all()] in ([first["id"], second["id"]],
                                                    [second["id"], first["id"]])  # same stamp
    assert store.goals.get(CLINIC_GOAL_ID) is None


def test_a_goal_from_the_clinic_says_so_and_keeps_who_set_it(
        store: Store, reopen: Callable[[], Store]) -> None:
    pulled = store.goals.put_from_clinic(
        CLINIC_GOAL_ID, {**GOAL, "id": CLINIC_GOAL_ID, "created_at": "2020-01-01T00:00:00+00:00",
                         "schema_version": 1})
    assert (pulled["id"], pulled["author"], pulled["changed_by"]) == (
        CLINIC_GOAL_ID, "clinic", "clinic")
    assert pulled["created_at"] != "2020-01-01T00:00:00+00:00"  # stamped here
    # The participant ticks a step: still the care team's goal, last changed here.
    ticked = reopen().goals.save({**pulled, "steps": [{"text": "No screens after 10",
                                                       "done": True}]})
    assert (ticked["author"], ticked["changed_by"]) == ("clinic", "participant")
    # Their own version coming back from the clinic does not make it theirs either.
    back = reopen().goals.put_from_clinic(CLINIC_GOAL_ID, wire_form(ticked), author="participant")
    assert (back["author"], back["changed_by"]) == ("clinic", "participant")
    assert back["created_at"] == pulled["created_at"]
    # A goal first seen from the clinic as the participant's own (pulled after a reinstall).
    own = reopen().goals.put_from_clinic("5c3b1a2d-0e9f-4a8b-8c7d-6e5f4a3b2c1d", GOAL,
                                      author="participant")
    assert own["author"] == "participant"


def test_a_stray_control_character_from_the_clinic_does_not_stop_the_pull(store: Store) -> None:
    goal = store.goals.put_from_clinic(CLINIC_GOAL_ID, {**GOAL, "title": "Sleep\x07 better"})
    assert goal["title"] == "Sleep  better"
    with pytest.raises(ValidationError):
        store.goals.put_from_clinic(CLINIC_GOAL_ID, {**GOAL, "title": ""})
    with pytest.raises(ValidationError):
        store.goals.put_from_clinic(CLINIC_GOAL_ID, GOAL, author="someone")
    with pytest.raises(ValidationError):
        store.goals.put_from_clinic("not-a-uuid", GOAL)


@pytest.mark.parametrize("bad", [
    {},
    {"title": ""},
    {"title": "   "},
    {"title": "x" * 201},
    {"title": "ok", "why_it_matters": "x" * 1001},
    {"title": "ok", "steps": "walk"},
    {"title": "ok", "steps": ["walk"]},
    {"title": "ok", "steps": [{"text": ""}]},
    {"title": "ok", "steps": [{"text": "x" * 201}]},
    {"title": "ok", "steps": [{"text": "walk", "done": "yes"}]},
    {"title": "ok", "steps": [{"text": "walk", "when": "monday"}]},
    {"title": "ok", "steps": [{"text": "walk"}] * 13},
    {"title": "ok", "status": "deleted"},
    {"title": "bell\x07"},
    {"title": "ok", "diagnosis": "none"},
    {"title": "ok", "author": "therapist"},
    {"title": "ok", "id": "not-a-uuid"},
])
def test_bad_goals_are_refused(store: Store, bad: dict) -> None:
    with pytest.raises(ValidationError):
        store.goals.save(bad)
    assert store.goals.all() == []


def test_the_wire_form_is_a_valid_payload_without_the_local_fields(store: Store) -> None:
    goal = store.goals.save(GOAL)
    sent = wire_form(goal)
    assert "author" not in sent and "changed_by" not in sent
    assert sent["id"] == goal["id"]
    TreatmentGoalPayload.model_validate(sent)


def test_rating_a_week_again_replaces_that_weeks_rating(
        store: Store, reopen: Callable[[], Store]) -> None:
    goal = store.goals.save(GOAL)
    first = store.goal_ratings.rate({"goal_id": goal["id"], "week_of": "2026-03-02",
                                     "rating": 4})
    assert first["id"] == rating_id(goal["id"], date(2026, 3, 2))
    assert first["note"] == ""
    GoalRatingPayload.model_validate(first)
    again = reopen().goal_ratings.rate({"goal_id": goal["id"], "week_of": "2026-03-02",
                                        "rating": 6, "note": "Slept well most nights"})
    assert (again["id"], again["created_at"]) == (first["id"], first["created_at"])
    store = reopen()
    later = store.goal_ratings.rate({"goal_id": goal["id"], "week_of": "2026-03-09",
                                     "rating": 7})
    assert store.goal_ratings.get(goal["id"], date(2026, 3, 5)) == again  # any day of the week
    assert store.goal_ratings.get(goal["id"], date(2026, 3, 16)) is None
    assert [r["id"] for r in store.goal_ratings.for_goal(goal["id"])] == [later["id"], again["id"]]
    assert store.goal_ratings.for_goal(CLINIC_GOAL_ID) == []
    assert len(store.goal_ratings.all()) == 2


@pytest.mark.parametrize("bad", [
    {"goal_id": CLINIC_GOAL_ID, "week_of": "2026-03-04", "rating": 5},  # a Wednesday
    {"goal_id": CLINIC_GOAL_ID, "week_of": "last week", "rating": 5},
    {"goal_id": CLINIC_GOAL_ID, "week_of": "2026-03-02", "rating": 11},
    {"goal_id": CLINIC_GOAL_ID, "week_of": "2026-03-02", "rating": -1},
    {"goal_id": CLINIC_GOAL_ID, "week_of": "2026-03-02", "rating": 5.5},
    {"goal_id": CLINIC_GOAL_ID, "week_of": "2026-03-02", "rating": True},
    {"goal_id": CLINIC_GOAL_ID, "week_of": "2026-03-02", "rating": 5, "note": "x" * 501},
    {"goal_id": "goal-1", "week_of": "2026-03-02", "rating": 5},
    {"week_of": "2026-03-02", "rating": 5},
    {"goal_id": CLINIC_GOAL_ID, "week_of": "2026-03-02", "rating": 5, "mood": 3},
])
def test_bad_ratings_are_refused(store: Store, bad: dict) -> None:
    with pytest.raises(ValidationError):
        store.goal_ratings.rate(bad)
    assert store.goal_ratings.all() == []


def test_goals_are_a_shared_copy_and_in_the_export(store: Store) -> None:
    assert store.shared_copy("treatment_goal") is store.goals
    assert store.shared_copy("goal_rating") is None  # only the phone writes ratings
    goal = store.goals.save(GOAL)
    store.goal_ratings.rate({"goal_id": goal["id"], "week_of": "2026-03-02", "rating": 4})
    export = store.export_json()
    assert [g["title"] for g in export["treatment_goals"]] == ["Sleep better"]
    assert export["treatment_goals"][0]["author"] == "participant"
    assert [r["rating"] for r in export["goal_ratings"]] == [4]


def test_goals_are_encrypted_on_disk(make_vault: Callable[..., Vault], data_dir: Path) -> None:
    store = make_vault().create(PIN)
    goal = store.goals.save({**GOAL, "title": "MARKER-GOAL-7731"})
    store.goal_ratings.rate({"goal_id": goal["id"], "week_of": "2026-03-02", "rating": 4,
                             "note": "MARKER-NOTE-7731"})
    store.lock()
    for path in data_dir.rglob("*"):
        if path.is_file():
            raw = path.read_bytes()
            assert b"MARKER" not in raw and b"Sleep better" not in raw
