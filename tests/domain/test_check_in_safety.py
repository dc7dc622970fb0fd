"""The check-in's safety trigger fires on its own, whatever else is on the form; drafts
survive a lock as plain JSON; and nothing is pre-chosen (an unanswered scale stays
unanswered all the way to the wire)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from iop_companion.domain.check_in import (
    DRAFT_MAX_AGE,
    NOTE_MAX,
    CheckInDraft,
    check_in_needs_flag,
    check_in_problems,
    check_in_record,
    draft_adding,
    draft_from_dict,
    draft_is_current,
    draft_to_dict,
)
from iop_companion.domain.safety import SafetyTrigger, safety_trigger_for_check_in
from iop_companion.sync.protocol import CheckInPayload, RecordKind, payload_problem

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
COMPLETE = CheckInDraft(mood=6, craving=2, sleep_hours="7", sleep_quality="good",
                        medications="yes", used_since_last=False, thoughts_of_self_harm=False)

# Every other answer missing, wrong or blank: none of it may hold the trigger back.
OTHER_FIELDS = [
    pytest.param({}, id="everything-else-unanswered"),
    pytest.param({"sleep_hours": ""}, id="sleep-blank"),
    pytest.param({"sleep_hours": "   "}, id="sleep-spaces"),
    pytest.param({"sleep_hours": "nan"}, id="sleep-nan"),
    pytest.param({"sleep_hours": "seven"}, id="sleep-words"),
    pytest.param({"sleep_hours": "99"}, id="sleep-too-many"),
    pytest.param({"sleep_quality": "great"}, id="sleep-quality-wrong"),
    pytest.param({"medications": "maybe"}, id="medications-wrong"),
    pytest.param({"used_since_last": None}, id="use-unanswered"),
    pytest.param({"mood": 42, "craving": -3}, id="scales-out-of-range"),
    pytest.param({"mood": None, "craving": None}, id="scales-unanswered"),
    pytest.param({"note": "x" * (NOTE_MAX + 1)}, id="note-too-long"),
    pytest.param({"used_since_last": True, "substance": "y" * 500}, id="substance-too-long"),
    pytest.param({"triggers": tuple(f"t{i}" for i in range(99))}, id="too-many-chips"),
]


@pytest.mark.parametrize("others", OTHER_FIELDS)
def test_a_yes_triggers_whatever_else_is_on_the_form(others: dict) -> None:
    blank = replace(CheckInDraft(thoughts_of_self_harm=True), **others)
    filled = replace(COMPLETE, thoughts_of_self_harm=True, **others)
    for draft in (blank, filled):
        assert safety_trigger_for_check_in(draft.thoughts_of_self_harm) \
            is SafetyTrigger.CHECK_IN_SELF_HARM
        assert check_in_needs_flag(draft)
    # The form may well have problems to fix; they never decide whether help comes.
    assert check_in_problems(blank) != {}


@pytest.mark.parametrize("others", OTHER_FIELDS)
@pytest.mark.parametrize("answer", [False, None])
def test_no_or_unanswered_never_triggers(others: dict, answer: bool | None) -> None:
    assert not check_in_needs_flag(replace(CheckInDraft(thoughts_of_self_harm=answer), **others))


def test_one_flag_per_draft_and_no_does_not_withdraw_it() -> None:
    flagged = CheckInDraft(thoughts_of_self_harm=True, safety_flag_raised=True)
    assert not check_in_needs_flag(flagged)
    changed_mind = replace(flagged, thoughts_of_self_harm=False)
    assert changed_mind.safety_flag_raised and not check_in_needs_flag(changed_mind)
    # "Yes" again in the same draft: still the one flag already raised.
    assert not check_in_needs_flag(replace(changed_mind, thoughts_of_self_harm=True))


def test_the_self_harm_answer_is_not_a_required_field_for_the_trigger() -> None:
    # The old form returned "fix above" before looking at this answer; the answer alone
    # is enough now, so a draft with only "Yes" still needs its flag.
    only_yes = CheckInDraft(thoughts_of_self_harm=True)
    assert set(check_in_problems(only_yes)) == {"sleep_hours", "sleep_quality", "medications",
                                                 "used_since_last"}
    assert check_in_needs_flag(only_yes)


# --- No answer pre-chosen ----------------------------------------------------------------

def test_a_new_check_in_has_no_answer_chosen() -> None:
    fresh = CheckInDraft()
    assert (fresh.mood, fresh.craving) == (None, None)
    assert fresh.sleep_quality is fresh.medications is fresh.used_since_last is None
    assert fresh.thoughts_of_self_harm is None and not fresh.safety_flag_raised
    # Unanswered scales are allowed: they are not among the problems to fix.
    assert "mood" not in check_in_problems(fresh) and "craving" not in check_in_problems(fresh)


@pytest.mark.parametrize("value", [True, 5.0, "5", 11, -1])
def test_a_scale_answer_must_be_a_whole_zero_to_ten(value: object) -> None:
    assert check_in_problems(replace(COMPLETE, mood=value)) == {"mood": "checkin.error.scale"}


def test_unanswered_scales_are_stored_and_sent_as_null_never_a_number() -> None:
    record = check_in_record(replace(COMPLETE, mood=None, craving=None))
    assert record["mood"] is None and record["craving"] is None
    wire = CheckInPayload.model_validate(record)
    assert wire.mood is None and wire.craving is None
    assert payload_problem(RecordKind.CHECK_IN, json.loads(json.dumps(record))) is None
    # One answered, one not: each kept as given.
    one = check_in_record(replace(COMPLETE, mood=0, craving=None))
    assert (one["mood"], one["craving"]) == (0, None)


# --- Drafts kept across a lock ---------------------------------------------------------

def test_a_full_draft_round_trips_through_json() -> None:
    draft = CheckInDraft(mood=3, craving=8, sleep_hours="6,5", sleep_quality="poor",
                         medications="not_applicable", used_since_last=True,
                         thoughts_of_self_harm=True, substance="alcohol",
                         note="Rough night.\nCalled Sam.", triggers=("payday",),
                         warning_signs=("no sleep", "lonely"), skills_used=("walk",),
                         safety_flag_raised=True)
    stored = json.loads(json.dumps(draft_to_dict(draft, kept_at=NOW,
                                                 adding={"triggers": "bar", "skills_used": ""})))
    assert draft_from_dict(stored) == draft
    assert draft_adding(stored) == {"triggers": "bar"}
    assert draft_is_current(stored, NOW + timedelta(minutes=5))


def test_an_empty_draft_round_trips_with_nothing_chosen() -> None:
    stored = json.loads(json.dumps(draft_to_dict(CheckInDraft())))
    assert stored["mood"] is None and stored["craving"] is None
    assert draft_from_dict(stored) == CheckInDraft()
    assert draft_adding(stored) == {}


@pytest.mark.parametrize("kept", [None, "a string", 42, [], ["mood", 5], True])
def test_anything_but_a_mapping_is_a_fresh_draft(kept: object) -> None:
    assert draft_from_dict(kept) == CheckInDraft()
    assert draft_adding(kept) == {}


def test_bad_fields_in_a_stored_draft_read_as_unanswered() -> None:
    kept = {
        "mood": True, "craving": 11, "sleep_hours": 7, "sleep_quality": "great",
        "medications": ["yes"], "used_since_last": "no", "thoughts_of_self_harm": 1,
        "substance": None, "note": {"text": "x"}, "triggers": "payday",
        "warning_signs": ["ok", 3, None, "  ", "fine"], "skills_used": None,
        "safety_flag_raised": "true", "adding": {"triggers": 5, "skills_used": "walk",
                                                 "unknown": "x"},
        "unknown_field": "ignored",
    }
    draft = draft_from_dict(kept)
    assert draft == CheckInDraft(warning_signs=("ok", "fine"))
    assert draft_adding(kept) == {"skills_used": "walk"}


def test_missing_fields_in_a_stored_draft_read_as_unanswered() -> None:
    assert draft_from_dict({"mood": 4}) == CheckInDraft(mood=4)
    assert draft_from_dict({"thoughts_of_self_harm": True}) == \
        CheckInDraft(thoughts_of_self_harm=True)
    # Only a real true marks the flag as raised (a wrong value never stops a flag).
    assert draft_from_dict({"thoughts_of_self_harm": True,
                            "safety_flag_raised": 1}).safety_flag_raised is False


def test_an_old_draft_is_not_resumed() -> None:
    kept = draft_to_dict(COMPLETE, kept_at=NOW)
    assert draft_is_current(kept, NOW + DRAFT_MAX_AGE)
    assert not draft_is_current(kept, NOW + DRAFT_MAX_AGE + timedelta(seconds=1))
    # A draft whose time cannot be read is resumed rather than lost.
    assert draft_is_current({**kept, "kept_at": "yesterday"}, NOW)
    assert draft_is_current({**kept, "kept_at": "2026-11-25T15:00:00"}, NOW)
    assert draft_is_current(draft_to_dict(COMPLETE), NOW)
    assert not draft_is_current(None, NOW)
