"""Relapse-prevention plan text as typed (one item per line) to the stored plan and
to the check-in's choice chips."""

from __future__ import annotations

from iop_companion.domain.relapse_plan import (
    CHIP_ITEM_MAX,
    ITEM_MAX,
    ITEMS_MAX,
    RELAPSE_PLAN_SECTIONS,
    check_in_choices,
    plan_is_empty,
    relapse_plan_problems,
    relapse_plan_record,
)
from iop_companion.sync.protocol import RelapsePlanPayload


def test_record_has_every_section_one_item_per_line():
    record = relapse_plan_record({"triggers": " payday \n\nold friends\n",
                                  "reasons_for_recovery": "my kids"})
    assert set(record) == set(RELAPSE_PLAN_SECTIONS)
    assert record["triggers"] == ["payday", "old friends"]
    assert record["reasons_for_recovery"] == ["my kids"]
    assert record["coping_strategies"] == []


def test_sections_match_the_wire_format():
    assert set(RELAPSE_PLAN_SECTIONS) == set(RelapsePlanPayload.model_fields) - {
        "id", "created_at", "updated_at", "schema_version"}


def test_chip_sections_keep_items_short_enough_for_a_chip():
    assert relapse_plan_problems({"triggers": "x" * CHIP_ITEM_MAX}) == {}
    assert relapse_plan_problems({"triggers": "x" * (CHIP_ITEM_MAX + 1)}) == {
        "triggers": "relapse.edit.error.too_long_short"}
    assert relapse_plan_problems({"warning_signs_mental": "x" * (CHIP_ITEM_MAX + 1)}) == {
        "warning_signs_mental": "relapse.edit.error.too_long_short"}
    # Other sections may hold longer lines.
    assert relapse_plan_problems({"reasons_for_recovery": "x" * ITEM_MAX}) == {}
    assert relapse_plan_problems({"reasons_for_recovery": "x" * (ITEM_MAX + 1)}) == {
        "reasons_for_recovery": "relapse.edit.error.too_long"}


def test_too_many_lines_are_reported_per_section():
    assert relapse_plan_problems({"people_to_call": "\n".join(["Ana"] * ITEMS_MAX)}) == {}
    assert relapse_plan_problems({"people_to_call": "\n".join(["Ana"] * (ITEMS_MAX + 1)),
                                  "triggers": "payday"}) == {
        "people_to_call": "relapse.edit.error.too_many"}


def test_empty_plan():
    assert plan_is_empty(None)
    assert plan_is_empty(relapse_plan_record({}))
    assert plan_is_empty({"id": "x", "triggers": [], "created_at": "2026-11-22T00:00:00+00:00"})
    assert not plan_is_empty(relapse_plan_record({"people_to_call": "Ana"}))


def test_check_in_choices_draw_on_triggers_all_warning_signs_and_coping():
    plan = relapse_plan_record({
        "triggers": "payday\nPayday\nold friends",
        "warning_signs_emotional": "lonely",
        "warning_signs_mental": "just once",
        "warning_signs_physical": "no sleep\nLonely",
        "coping_strategies": "call my sponsor",
        "high_risk_situations": "parties",
    })
    choices = check_in_choices(plan)
    assert choices.triggers == ("payday", "old friends")  # one chip per item, case aside
    assert choices.warning_signs == ("lonely", "just once", "no sleep")
    assert choices.skills == ("call my sponsor",)
    assert not choices.is_empty


def test_no_plan_offers_no_choices():
    assert check_in_choices(None).is_empty
    assert check_in_choices(relapse_plan_record({"people_to_call": "Ana"})).is_empty
