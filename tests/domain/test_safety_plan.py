"""Safety plan text as typed (one item per line) to the stored plan."""

from __future__ import annotations

from iop_companion.domain.safety_plan import (
    ITEM_MAX,
    ITEMS_MAX,
    SAFETY_PLAN_STEPS,
    lines_to_items,
    plan_problems,
    plan_record,
)


def test_lines_become_items_without_blanks_or_padding():
    assert lines_to_items("call Mom\n\n  walk the dog \n") == ["call Mom", "walk the dog"]
    assert lines_to_items("") == []


def test_record_has_every_step_and_the_most_important_thing():
    record = plan_record({"warning_signs": "can't sleep\nskipping group"}, "  my kids ")
    assert record["warning_signs"] == ["can't sleep", "skipping group"]
    assert all(record[step] == [] for step in SAFETY_PLAN_STEPS if step != "warning_signs")
    assert record["most_important"] == "my kids"


def test_limits_match_the_store_and_are_reported_per_step():
    assert plan_problems({"people_to_ask": "\n".join(["x"] * ITEMS_MAX)}, "") == {}
    assert plan_problems({"people_to_ask": "\n".join(["x"] * (ITEMS_MAX + 1))}, "") == {
        "people_to_ask": "safety.edit.error.too_many"}
    assert plan_problems({"coping_strategies": "y" * (ITEM_MAX + 1)}, "") == {
        "coping_strategies": "safety.edit.error.too_long"}
    assert plan_problems({}, "z" * 1001) == {"most_important": "safety.edit.error.too_long"}
