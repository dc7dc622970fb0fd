"""The check-in's chips from my relapse-prevention plan: optional, bounded, on the wire."""

from __future__ import annotations

from dataclasses import replace

from iop_companion.domain.check_in import (
    CHIP_ITEM_MAX,
    CHIP_ITEMS_MAX,
    CheckInDraft,
    add_typed_chip,
    check_in_problems,
    check_in_record,
    toggle_chip,
)
from iop_companion.sync.protocol import CheckInPayload

COMPLETE = CheckInDraft(mood=5, craving=3, sleep_hours="7", sleep_quality="good",
                        medications="yes", used_since_last=False, thoughts_of_self_harm=False)


def test_chips_are_optional():
    assert check_in_problems(COMPLETE) == {}
    record = check_in_record(COMPLETE)
    assert (record["triggers"], record["warning_signs"], record["skills_used"]) == ([], [], [])


def test_chosen_chips_are_kept_in_the_record_and_fit_the_wire_format():
    draft = replace(COMPLETE, triggers=("payday",), warning_signs=("lonely", "no sleep"),
                    skills_used=("call my sponsor",))
    record = check_in_record(draft)
    assert record["triggers"] == ["payday"]
    assert record["warning_signs"] == ["lonely", "no sleep"]
    assert record["skills_used"] == ["call my sponsor"]
    CheckInPayload.model_validate(record)


def test_chip_limits():
    too_many = replace(COMPLETE, triggers=tuple(f"t{i}" for i in range(CHIP_ITEMS_MAX + 1)))
    assert check_in_problems(too_many) == {"triggers": "checkin.error.too_many_chips"}
    too_long = replace(COMPLETE, skills_used=("x" * (CHIP_ITEM_MAX + 1),))
    assert check_in_problems(too_long) == {"skills_used": "checkin.error.too_many_chips"}


def test_toggle_chooses_and_unchooses_keeping_order():
    chosen = toggle_chip((), "payday")
    chosen = toggle_chip(chosen, "old friends")
    assert chosen == ("payday", "old friends")
    assert toggle_chip(chosen, "payday") == ("old friends",)


def test_typed_chip_is_tidied_and_not_repeated():
    assert add_typed_chip(("payday",), "  went   for a walk ") == ("payday", "went for a walk")
    assert add_typed_chip(("payday",), "PAYDAY") == ("payday",)
    assert add_typed_chip(("payday",), "   ") == ("payday",)
