"""The plan and goal forms' drafts (ui/recovery, ui/goals and ui/aftercare views), without
a browser: what a form keeps across a lock is plain JSON and comes back as it was typed,
and a stored draft that is malformed is ignored (the form starts from the saved data),
never guessed at and never an exception while the screen is drawn."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest

from iop_companion.domain.aftercare import MEETINGS_MAX, MeetingDraft
from iop_companion.domain.goals import RATING_NOTE_MAX, GoalDraft
from iop_companion.domain.lapse import LAPSE_REVIEW_FIELDS, LAPSE_TEXT_MAX
from iop_companion.domain.relapse_plan import RELAPSE_PLAN_SECTIONS
from iop_companion.services.drafts import Drafts
from iop_companion.store import Store
from iop_companion.ui.aftercare.view import (
    _is_untouched,
    _new_form,
    form_from_snapshot,
    form_snapshot,
)
from iop_companion.ui.goals.view import (
    GOAL_DRAFT,
    RatingDraft,
    goal_draft_from_snapshot,
    goal_draft_snapshot,
)
from iop_companion.ui.recovery.view import (
    LAPSE_DRAFT,
    RELAPSE_DRAFT,
    plan_texts,
    texts_from_draft,
)

# Not JSON objects, or objects of the wrong shape: what a damaged or older draft may hold.
NOT_A_DRAFT: list[Any] = [None, "text", 3, 2.5, True, [], ["triggers"], {}]
SERVICES = SimpleNamespace(translator=SimpleNamespace(locale="en"))  # what clock_text reads


def through_the_store(value: Any) -> Any:
    """What a draft is once written to the encrypted settings and read back."""
    store = Store.in_memory()
    drafts = Drafts(store=lambda: store)
    assert drafts.save_now("a_form", value)
    return drafts.resume("a_form")


def test_drafts_are_named_like_the_pages_the_shell_reopens() -> None:
    assert (RELAPSE_DRAFT, LAPSE_DRAFT, GOAL_DRAFT) == ("relapse_plan_edit", "lapse_review",
                                                        "goal_edit")


# --- the relapse-prevention plan and the lapse review --------------------------------

def test_a_relapse_plan_draft_comes_back_as_typed() -> None:
    typed = {section: "" for section in RELAPSE_PLAN_SECTIONS} | {
        "triggers": "Payday\nDriving past my old bar", "reasons_for_recovery": "My kids"}
    assert texts_from_draft(through_the_store(typed), RELAPSE_PLAN_SECTIONS) == typed


@pytest.mark.parametrize("kept", [
    *NOT_A_DRAFT,
    {"triggers": "Payday"},  # the other sections missing
    {section: "" for section in RELAPSE_PLAN_SECTIONS} | {"triggers": ["Payday"]},
    {section: None for section in RELAPSE_PLAN_SECTIONS},
])
def test_a_malformed_relapse_plan_draft_is_ignored(kept: Any) -> None:
    assert texts_from_draft(kept, RELAPSE_PLAN_SECTIONS) is None


def test_the_saved_plan_is_one_item_per_line() -> None:
    texts = plan_texts({"triggers": ["Payday", "Fridays"], "coping_strategies": None})
    assert texts["triggers"] == "Payday\nFridays"
    assert texts["coping_strategies"] == "" and set(texts) == set(RELAPSE_PLAN_SECTIONS)
    assert plan_texts(None) == {section: "" for section in RELAPSE_PLAN_SECTIONS}


def test_a_lapse_review_draft_comes_back_cut_to_what_each_field_takes() -> None:
    typed = {name: "" for name in LAPSE_REVIEW_FIELDS} | {"what_happened": "Went to the bar"}
    assert texts_from_draft(through_the_store(typed), LAPSE_REVIEW_FIELDS,
                            LAPSE_TEXT_MAX) == typed
    too_long = typed | {"who_i_will_tell": "x" * (LAPSE_TEXT_MAX["who_i_will_tell"] + 50)}
    back = texts_from_draft(too_long, LAPSE_REVIEW_FIELDS, LAPSE_TEXT_MAX)
    assert back is not None and len(back["who_i_will_tell"]) == LAPSE_TEXT_MAX["who_i_will_tell"]
    assert texts_from_draft({"what_happened": 4}, LAPSE_REVIEW_FIELDS, LAPSE_TEXT_MAX) is None


# --- goals ---------------------------------------------------------------------------

def test_a_goal_form_draft_comes_back_with_the_goal_it_is_for() -> None:
    typed = GoalDraft(title="Sleep by 11", why_it_matters="Rested", steps="Phone off\nRead",
                      status="set_aside")
    goal_id = "9d3c1a2b-0000-4000-8000-000000000001"
    assert goal_draft_from_snapshot(through_the_store(
        goal_draft_snapshot(goal_id, typed))) == (goal_id, typed)
    # A new goal: no id.
    assert goal_draft_from_snapshot(through_the_store(
        goal_draft_snapshot(None, typed))) == (None, typed)


@pytest.mark.parametrize("kept", [
    *NOT_A_DRAFT,
    {"goal_id": "", "title": "Sleep", "why_it_matters": "", "steps": ""},  # no status
    {"goal_id": "", "title": "Sleep", "why_it_matters": "", "steps": "", "status": "done!"},
    {"goal_id": 7, "title": "Sleep", "why_it_matters": "", "steps": "", "status": "active"},
    {"goal_id": "", "title": None, "why_it_matters": "", "steps": "", "status": "active"},
    {"goal_id": "", "title": "Sleep", "why_it_matters": "", "steps": ["a"], "status": "active"},
])
def test_a_malformed_goal_form_draft_is_ignored(kept: Any) -> None:
    assert goal_draft_from_snapshot(kept) is None


def test_a_rating_draft_comes_back_as_it_was_given() -> None:
    for rating in (None, 0, 7, 10):
        given = RatingDraft("9d3c1a2b-0000-4000-8000-000000000001", rating, "Slept well")
        assert RatingDraft.from_snapshot(through_the_store(given.snapshot())) == given
    long_note = RatingDraft("g", 5, "x" * (RATING_NOTE_MAX + 9)).snapshot()
    back = RatingDraft.from_snapshot(long_note)
    assert back is not None and len(back.note) == RATING_NOTE_MAX


@pytest.mark.parametrize("kept", [
    *NOT_A_DRAFT,
    {"goal_id": "", "rating": 5, "note": ""},  # no goal
    {"goal_id": "g", "rating": 11, "note": ""},  # off the 0-10 scale
    {"goal_id": "g", "rating": -1, "note": ""},
    {"goal_id": "g", "rating": True, "note": ""},  # a bool is not a rating
    {"goal_id": "g", "rating": 5.5, "note": ""},
    {"goal_id": "g", "rating": "5", "note": ""},
    {"goal_id": "g", "rating": 5, "note": None},
    {"goal_id": ["g"], "rating": 5, "note": ""},
])
def test_a_malformed_rating_draft_is_ignored(kept: Any) -> None:
    assert RatingDraft.from_snapshot(kept) is None


# --- the aftercare plan --------------------------------------------------------------

SAVED_AFTERCARE = {
    "id": "p1", "updated_at": "2026-11-20T10:00:00+00:00",
    "continuing_care": ["Weekly therapy with Dr. Lee"], "medication_follow_up": [],
    "people_to_call": ["Ana"], "if_warning_signs_return": [],
    "support_meetings": [{"name": "SMART Recovery", "weekday": "tuesday", "time": "18:30",
                          "place": "Library"}],
}


def test_an_aftercare_draft_comes_back_as_typed_with_what_editing_started_from() -> None:
    form = _new_form(SERVICES, SAVED_AFTERCARE)
    form.sections["medication_follow_up"].current = "Refill on the 1st"
    form.meetings[0].time.current = "6:45 pm"  # as typed, not yet "18:45"
    form.meetings[0].weekday.current = "thursday"
    back = form_from_snapshot(through_the_store(form_snapshot(form)))
    assert back is not None
    assert back.texts() == form.texts()
    assert back.meeting_drafts() == [MeetingDraft(name="SMART Recovery", weekday="thursday",
                                                  time="6:45 pm", place="Library")]
    assert back.based_on == SAVED_AFTERCARE["updated_at"]
    assert back.base_content == form.base_content
    assert not _is_untouched(back) and not back.resumed


def test_an_untouched_aftercare_draft_reads_as_untouched() -> None:
    """So the editor starts again from the saved plan (which may have changed since)."""
    form = _new_form(SERVICES, SAVED_AFTERCARE)
    back = form_from_snapshot(through_the_store(form_snapshot(form)))
    assert back is not None and _is_untouched(back)
    empty = form_from_snapshot(through_the_store(form_snapshot(_new_form(SERVICES, None))))
    assert empty is not None and _is_untouched(empty)


def good_aftercare_draft() -> dict[str, Any]:
    return json.loads(json.dumps(form_snapshot(_new_form(SERVICES, SAVED_AFTERCARE))))


def damaged(**changes: Any) -> dict[str, Any]:
    kept = good_aftercare_draft()
    for path, value in changes.items():
        target = kept
        *parents, last = path.split("__")
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]
        if isinstance(target, list):
            target[int(last)] = value
        else:
            target[last] = value
    return kept


@pytest.mark.parametrize("kept", [
    *NOT_A_DRAFT,
    damaged(sections=None),
    damaged(sections__continuing_care=["Therapy"]),
    damaged(sections={"continuing_care": "Therapy"}),  # the other lists missing
    damaged(meetings=None),
    damaged(meetings={"0": {}}),
    damaged(meetings=[{"name": "SMART"}] * 2),  # rows without their fields
    damaged(meetings__0__weekday="someday"),
    damaged(meetings__0__time=1830),
    damaged(meetings__0="SMART Recovery"),
    damaged(meetings=[{"name": "", "weekday": None, "time": "", "place": ""}]
            * (MEETINGS_MAX + 1)),
    damaged(based_on=20261120),
    damaged(base_content=None),
    damaged(base_content={"continuing_care": 5}),
    damaged(base_content={"support_meetings": ["SMART"]}),
])
def test_a_malformed_aftercare_draft_is_ignored(kept: Any) -> None:
    assert form_from_snapshot(kept) is None


def test_a_draft_with_no_meeting_rows_is_fine() -> None:
    """Every row can be removed in the form: that is still a draft."""
    kept = damaged(meetings=[], sections__medication_follow_up="Refill")
    back = form_from_snapshot(kept)
    assert back is not None and back.meetings == [] and not _is_untouched(back)
