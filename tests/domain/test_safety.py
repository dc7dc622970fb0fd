"""Safety-flow triggers and the high-priority flag queued for the clinic."""

from __future__ import annotations

import uuid
from dataclasses import FrozenInstanceError
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from iop_companion.domain.measures import Band, Phq9Result, score_phq9
from iop_companion.domain.safety import (
    HIGH_PRIORITY,
    SafetyFlag,
    SafetyTrigger,
    new_safety_flag,
    safety_trigger_for_check_in,
    safety_triggers_for_phq9,
)

CHICAGO = ZoneInfo("America/Chicago")
NOW = datetime(2026, 3, 10, 15, 30, tzinfo=timezone.utc)


def test_trigger_values():
    assert [t.value for t in SafetyTrigger] == [
        "phq9_item9", "check_in_self_harm", "diary_card_self_harm", "participant_request"]


# --- PHQ-9 item 9 ------------------------------------------------------------------------------

def test_item9_zero_never_triggers_even_at_the_maximum_other_total():
    result = score_phq9([3, 3, 3, 3, 3, 3, 3, 3, 0])  # 3*8 = 24, severe
    assert (result.total, result.band) == (24, Band.SEVERE)
    assert safety_triggers_for_phq9(result) == []


def test_total_27_with_item9_zero_would_be_impossible_so_check_a_constructed_result():
    # 27 needs item 9 = 3; a result built by hand with item 9 = 0 still does not trigger.
    result = Phq9Result(items=(3, 3, 3, 3, 3, 3, 3, 3, 0), total=27, band=Band.SEVERE)
    assert safety_triggers_for_phq9(result) == []


def test_item9_one_with_total_one_triggers():
    result = score_phq9([0, 0, 0, 0, 0, 0, 0, 0, 1])
    assert (result.total, result.band) == (1, Band.MINIMAL)
    assert safety_triggers_for_phq9(result) == [SafetyTrigger.PHQ9_ITEM9]


@pytest.mark.parametrize("item9", [1, 2, 3])
def test_any_item9_above_zero_triggers(item9):
    result = score_phq9([0] * 8 + [item9])
    assert safety_triggers_for_phq9(result) == [SafetyTrigger.PHQ9_ITEM9]


def test_item9_with_total_27_triggers():
    assert safety_triggers_for_phq9(score_phq9([3] * 9)) == [SafetyTrigger.PHQ9_ITEM9]


def test_all_zero_phq9_does_not_trigger():
    assert safety_triggers_for_phq9(score_phq9([0] * 9)) == []


@pytest.mark.parametrize("answers", [
    [0, 0, 0, 0, 0, 0, 0, 0, 0],
    [1, 1, 1, 1, 0, 0, 0, 0, 0],
    [2, 2, 2, 2, 2, 2, 2, 2, 0],
    [0, 0, 0, 0, 0, 0, 0, 0, 2],
    [3, 3, 3, 3, 3, 3, 3, 3, 3],
])
def test_trigger_depends_on_item9_alone(answers):
    expected = [SafetyTrigger.PHQ9_ITEM9] if answers[8] > 0 else []
    assert safety_triggers_for_phq9(score_phq9(answers)) == expected


# --- check-in ------------------------------------------------------------------------------------

def test_check_in_yes_triggers():
    assert safety_trigger_for_check_in(True) is SafetyTrigger.CHECK_IN_SELF_HARM


@pytest.mark.parametrize("answer", [False, None])
def test_check_in_no_or_unanswered_does_not_trigger(answer):
    assert safety_trigger_for_check_in(answer) is None


@pytest.mark.parametrize("answer", [1, 0, "yes", "no", "", [True]])
def test_check_in_non_bool_is_a_programming_error(answer):
    with pytest.raises(TypeError):
        safety_trigger_for_check_in(answer)  # type: ignore[arg-type]


# --- flags -----------------------------------------------------------------------------------

def test_high_priority_constant():
    assert HIGH_PRIORITY == 100


@pytest.mark.parametrize("trigger", list(SafetyTrigger))
def test_new_flag_for_every_trigger(trigger):
    flag = new_safety_flag(trigger, NOW)
    assert flag.trigger is trigger
    assert flag.created_at == NOW
    assert flag.priority == HIGH_PRIORITY
    assert uuid.UUID(flag.id).version == 4
    assert str(uuid.UUID(flag.id)) == flag.id


def test_flag_ids_are_unique():
    ids = {new_safety_flag(SafetyTrigger.PARTICIPANT_REQUEST, NOW).id for _ in range(200)}
    assert len(ids) == 200


def test_flag_keeps_the_callers_time_zone():
    local = datetime(2026, 3, 10, 10, 30, tzinfo=CHICAGO)
    flag = new_safety_flag(SafetyTrigger.CHECK_IN_SELF_HARM, local)
    assert flag.created_at == NOW and flag.created_at.tzinfo is CHICAGO


def test_flag_needs_an_aware_time():
    with pytest.raises(ValueError):
        new_safety_flag(SafetyTrigger.PHQ9_ITEM9, datetime(2026, 3, 10, 15, 30))


@pytest.mark.parametrize("trigger", ["phq9_item9", None, 1])
def test_flag_needs_a_real_trigger(trigger):
    with pytest.raises(TypeError):
        new_safety_flag(trigger, NOW)  # type: ignore[arg-type]


def test_flag_is_frozen_and_carries_no_answers():
    flag = new_safety_flag(SafetyTrigger.PHQ9_ITEM9, NOW)
    with pytest.raises(FrozenInstanceError):
        flag.priority = 1  # type: ignore[misc]
    assert set(SafetyFlag.__dataclass_fields__) == {"id", "trigger", "created_at", "priority"}


def test_flags_from_phq9_and_check_in_in_one_session():
    triggers = safety_triggers_for_phq9(score_phq9([0] * 8 + [1]))
    check_in = safety_trigger_for_check_in(True)
    flags = [new_safety_flag(t, NOW + timedelta(seconds=i))
             for i, t in enumerate([*triggers, check_in])]
    assert [f.trigger for f in flags] == [SafetyTrigger.PHQ9_ITEM9,
                                          SafetyTrigger.CHECK_IN_SELF_HARM]
    assert all(f.priority == HIGH_PRIORITY for f in flags)
