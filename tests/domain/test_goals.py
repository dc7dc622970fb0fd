"""Treatment goals as typed to the stored goal, their problems in plain words, the week
a rating belongs to, and the progress each goal's card shows."""

from __future__ import annotations

from datetime import date

import pytest

from iop_companion.domain.goals import (
    GOAL_FIELDS,
    GOAL_STATUSES,
    RATING_MAX,
    RATING_NOTE_MAX,
    STEP_MAX,
    STEPS_MAX,
    TITLE_MAX,
    WHY_MAX,
    GoalDraft,
    draft_from_goal,
    goal_content,
    goal_problems,
    goal_progress,
    goal_record,
    ordered_goals,
    rating_id,
    rating_problems,
    rating_words,
    week_of,
    with_step_done,
)
from iop_companion.sync.protocol import GoalRatingPayload, TreatmentGoalPayload

GOAL_ID = "0f8fad5b-d9cb-469f-a165-70867728950e"
OTHER_GOAL_ID = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
META = {"id", "created_at", "updated_at", "schema_version"}


# --- the wire format -----------------------------------------------------------------

def _limit(field, name: str) -> object:
    """A field's bound (max_length, le...) wherever it sits among its constraints."""
    return next(getattr(item, name) for item in field.metadata if hasattr(item, name))


def test_fields_and_limits_match_the_wire_format():
    assert set(GOAL_FIELDS) == set(TreatmentGoalPayload.model_fields) - META
    fields = TreatmentGoalPayload.model_fields
    assert _limit(fields["title"], "max_length") == TITLE_MAX
    assert _limit(fields["why_it_matters"], "max_length") == WHY_MAX
    assert _limit(fields["steps"], "max_length") == STEPS_MAX
    rating = GoalRatingPayload.model_fields
    assert _limit(rating["rating"], "le") == RATING_MAX
    assert _limit(rating["note"], "max_length") == RATING_NOTE_MAX


def test_a_record_from_the_form_is_a_valid_payload():
    record = goal_record(GoalDraft(title="Sleep better", steps="x" * STEP_MAX))
    TreatmentGoalPayload.model_validate({"id": GOAL_ID, **record})
    GoalRatingPayload.model_validate({"id": rating_id(GOAL_ID, date(2026, 3, 4)),
                                      "goal_id": GOAL_ID,
                                      "week_of": week_of(date(2026, 3, 4)).isoformat(),
                                      "rating": RATING_MAX})


# --- the form ---------------------------------------------------------------------------

def test_steps_are_one_per_line_and_text_is_trimmed():
    record = goal_record(GoalDraft(title="  Go back to work part time ",
                                   why_it_matters=" For my kids\n",
                                   steps=" Call my old boss \n\n Update my CV\n"))
    assert record == {
        "title": "Go back to work part time",
        "why_it_matters": "For my kids",
        "steps": [{"text": "Call my old boss", "done": False},
                  {"text": "Update my CV", "done": False}],
        "status": "active",
    }


def test_editing_keeps_ticks_of_steps_whose_text_is_unchanged():
    saved = {"title": "Sleep", "steps": [{"text": "No screens after 10", "done": True},
                                         {"text": "Same bedtime", "done": False},
                                         {"text": "Walk", "done": True}]}
    record = goal_record(GoalDraft(title="Sleep", steps="no screens after 10\nSame bed time\n"
                                   "Walk\nWalk"), saved)
    assert record["steps"] == [{"text": "no screens after 10", "done": True},
                               {"text": "Same bed time", "done": False},
                               {"text": "Walk", "done": True},
                               {"text": "Walk", "done": False}]  # one tick, kept once


def test_the_form_comes_back_from_a_saved_goal():
    saved = goal_record(GoalDraft(title="Sleep", why_it_matters="Energy", steps="a\nb",
                                  status="achieved"))
    assert draft_from_goal(saved) == GoalDraft(title="Sleep", why_it_matters="Energy",
                                               steps="a\nb", status="achieved")
    assert draft_from_goal(None) == GoalDraft()


@pytest.mark.parametrize(("draft", "problems"), [
    (GoalDraft(title="Sleep"), {}),
    (GoalDraft(title="   "), {"title": "goals.edit.error.title_missing"}),
    (GoalDraft(title="x" * (TITLE_MAX + 1)), {"title": "goals.edit.error.too_long"}),
    (GoalDraft(title="Sleep", why_it_matters="x" * (WHY_MAX + 1)),
     {"why_it_matters": "goals.edit.error.too_long"}),
    (GoalDraft(title="Sleep", steps="\n".join(["step"] * (STEPS_MAX + 1))),
     {"steps": "goals.edit.error.too_many_steps"}),
    (GoalDraft(title="Sleep", steps="ok\n" + "x" * (STEP_MAX + 1)),
     {"steps": "goals.edit.error.step_too_long"}),
    (GoalDraft(title="Sleep", status="deleted"), {"status": "goals.edit.error.status"}),
])
def test_problems_are_named_by_field(draft: GoalDraft, problems: dict[str, str]):
    assert goal_problems(draft) == problems


def test_ticking_a_step_changes_only_that_step():
    goal = {"id": GOAL_ID, "title": "Sleep", "why_it_matters": "", "status": "active",
            "author": "clinic", "created_at": "2026-03-01T00:00:00+00:00",
            "steps": [{"text": "a", "done": False}, {"text": "b", "done": False}]}
    ticked = with_step_done(goal, 1, True)
    assert ticked == {"title": "Sleep", "why_it_matters": "", "status": "active",
                      "steps": [{"text": "a", "done": False}, {"text": "b", "done": True}]}
    assert goal["steps"][1]["done"] is False  # the original is left alone
    assert goal_content(goal) == with_step_done(goal, 1, False)
    with pytest.raises(IndexError):
        with_step_done(goal, 2, True)


# --- weeks and ratings --------------------------------------------------------------

@pytest.mark.parametrize(("day", "monday"), [
    (date(2026, 3, 2), date(2026, 3, 2)),   # a Monday
    (date(2026, 3, 8), date(2026, 3, 2)),   # the Sunday after
    (date(2026, 1, 1), date(2025, 12, 29)),  # across a new year
])
def test_week_of_is_the_monday(day: date, monday: date):
    assert week_of(day) == monday


def test_a_rating_id_is_one_per_goal_and_week():
    monday = rating_id(GOAL_ID, date(2026, 3, 2))
    assert rating_id(GOAL_ID, date(2026, 3, 8)) == monday  # same week
    assert rating_id(GOAL_ID.upper(), date(2026, 3, 4)) == monday  # same UUID, other spelling
    assert rating_id(GOAL_ID, date(2026, 3, 9)) != monday  # next week
    assert rating_id(OTHER_GOAL_ID, date(2026, 3, 2)) != monday


@pytest.mark.parametrize(("rating", "note", "problems"), [
    (0, "", {}),
    (10, "x" * RATING_NOTE_MAX, {}),
    (None, "", {"rating": "goals.rate.error.pick"}),
    (11, "", {"rating": "goals.rate.error.pick"}),
    (5, "x" * (RATING_NOTE_MAX + 1), {"note": "goals.rate.error.note_too_long"}),
])
def test_rating_problems(rating: int | None, note: str, problems: dict[str, str]):
    assert rating_problems(rating, note) == problems


def test_every_rating_has_plain_words():
    words = [rating_words(n) for n in range(RATING_MAX + 1)]
    assert words[0] == "not_yet" and words[RATING_MAX] == "all_the_way"
    assert set(words) == {"not_yet", "a_little", "some", "a_lot", "all_the_way"}


def test_progress_counts_steps_and_finds_this_and_last_weeks_ratings():
    goal = {"id": GOAL_ID, "steps": [{"text": "a", "done": True}, {"text": "b", "done": False},
                                     {"text": "c", "done": True}]}
    ratings = [
        {"goal_id": GOAL_ID, "week_of": "2026-03-02", "rating": 6},
        {"goal_id": GOAL_ID, "week_of": "2026-02-23", "rating": 4},
        {"goal_id": OTHER_GOAL_ID, "week_of": "2026-03-02", "rating": 9},
    ]
    progress = goal_progress(goal, ratings, date(2026, 3, 5))
    assert (progress.steps_done, progress.steps_total) == (2, 3)
    assert (progress.this_week, progress.last_week) == (6, 4)
    assert progress.rated_this_week
    next_week = goal_progress(goal, ratings, date(2026, 3, 9))
    assert (next_week.this_week, next_week.last_week) == (None, 6)
    assert not next_week.rated_this_week
    assert goal_progress({"id": OTHER_GOAL_ID}, [], date(2026, 3, 9)).steps_total == 0


def test_goals_being_worked_on_come_first_then_reached_then_set_aside():
    goals = [
        {"id": "a", "status": "set_aside", "created_at": "2026-01-01T00:00:00+00:00"},
        {"id": "b", "status": "achieved", "created_at": "2026-01-02T00:00:00+00:00"},
        {"id": "c", "status": "active", "created_at": "2026-01-05T00:00:00+00:00"},
        {"id": "d", "status": "active", "created_at": "2026-01-03T00:00:00+00:00"},
    ]
    assert [g["id"] for g in ordered_goals(goals)] == ["d", "c", "b", "a"]
    assert set(GOAL_STATUSES) == {"active", "achieved", "set_aside"}
