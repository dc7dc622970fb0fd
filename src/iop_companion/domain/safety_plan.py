"""The Stanley-Brown safety plan as the person types it: one item per line."""

from __future__ import annotations

from typing import Any

SAFETY_PLAN_STEPS = (
    "warning_signs",
    "coping_strategies",
    "distractions",
    "people_to_ask",
    "professionals",
    "safe_environment",
)
ITEMS_MAX = 30
ITEM_MAX = 500
MOST_IMPORTANT_MAX = 1000


def lines_to_items(text: str) -> list[str]:
    """'call Mom\\n\\n  walk the dog ' -> ['call Mom', 'walk the dog']."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def plan_problems(texts: dict[str, str], most_important: str) -> dict[str, str]:
    """Step name -> translation key of what is too long; empty when the plan can be saved."""
    problems: dict[str, str] = {}
    for step in SAFETY_PLAN_STEPS:
        items = lines_to_items(texts.get(step, ""))
        if len(items) > ITEMS_MAX:
            problems[step] = "safety.edit.error.too_many"
        elif any(len(item) > ITEM_MAX for item in items):
            problems[step] = "safety.edit.error.too_long"
    if len(most_important.strip()) > MOST_IMPORTANT_MAX:
        problems["most_important"] = "safety.edit.error.too_long"
    return problems


def plan_record(texts: dict[str, str], most_important: str) -> dict[str, Any]:
    plan: dict[str, Any] = {step: lines_to_items(texts.get(step, "")) for step in SAFETY_PLAN_STEPS}
    plan["most_important"] = most_important.strip()
    return plan
