"""My relapse-prevention plan as the person types it: one item per line.

Triggers, warning signs and coping strategies also become the check-in's choice
chips, so their items are kept short enough to be a chip (and to fit the check-in's
wire format, 120 characters per item).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from iop_companion.domain.safety_plan import lines_to_items

RELAPSE_PLAN_SECTIONS = (
    "triggers",
    "warning_signs_emotional",
    "warning_signs_mental",
    "warning_signs_physical",
    "high_risk_situations",
    "coping_strategies",
    "people_to_call",
    "reasons_for_recovery",
)
WARNING_SIGN_SECTIONS = ("warning_signs_emotional", "warning_signs_mental",
                         "warning_signs_physical")
# Sections whose items the check-in offers as chips.
CHIP_SECTIONS = frozenset({"triggers", *WARNING_SIGN_SECTIONS, "coping_strategies"})
ITEMS_MAX = 30
CHIP_ITEM_MAX = 120
ITEM_MAX = 500


def item_limit(section: str) -> int:
    return CHIP_ITEM_MAX if section in CHIP_SECTIONS else ITEM_MAX


def relapse_plan_problems(texts: dict[str, str]) -> dict[str, str]:
    """Section name -> translation key of what is too long; empty when it can be saved."""
    problems: dict[str, str] = {}
    for section in RELAPSE_PLAN_SECTIONS:
        items = lines_to_items(texts.get(section, ""))
        if len(items) > ITEMS_MAX:
            problems[section] = "relapse.edit.error.too_many"
        elif any(len(item) > item_limit(section) for item in items):
            problems[section] = ("relapse.edit.error.too_long_short"
                                 if section in CHIP_SECTIONS else "relapse.edit.error.too_long")
    return problems


def relapse_plan_record(texts: dict[str, str]) -> dict[str, Any]:
    """The lists the store keeps; call only when `relapse_plan_problems` is empty."""
    return {section: lines_to_items(texts.get(section, "")) for section in RELAPSE_PLAN_SECTIONS}


def plan_is_empty(plan: dict[str, Any] | None) -> bool:
    return not plan or not any(plan.get(section) for section in RELAPSE_PLAN_SECTIONS)


@dataclass(frozen=True)
class CheckInChoices:
    """What the check-in offers as chips, drawn from the plan."""

    triggers: tuple[str, ...]
    warning_signs: tuple[str, ...]
    skills: tuple[str, ...]

    @property
    def is_empty(self) -> bool:
        return not (self.triggers or self.warning_signs or self.skills)


def _unique(items: list[str]) -> tuple[str, ...]:
    """Keep the first of items that differ only in case: one chip each."""
    seen: set[str] = set()
    kept: list[str] = []
    for item in items:
        folded = item.casefold()
        if folded not in seen:
            seen.add(folded)
            kept.append(item)
    return tuple(kept)


def check_in_choices(plan: dict[str, Any] | None) -> CheckInChoices:
    plan = plan or {}
    warning_signs = [item for section in WARNING_SIGN_SECTIONS for item in plan.get(section) or []]
    return CheckInChoices(
        triggers=_unique(list(plan.get("triggers") or [])),
        warning_signs=_unique(warning_signs),
        skills=_unique(list(plan.get("coping_strategies") or [])),
    )
