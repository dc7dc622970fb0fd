"""The daily check-in: the rules for a complete, sensible entry. Pure functions."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from typing import Any

SLEEP_QUALITIES = ("poor", "fair", "good")
MEDICATION_ANSWERS = ("yes", "no", "not_applicable")
NOTE_MAX = 2000
SUBSTANCE_MAX = 120
# Chips chosen from the relapse-prevention plan (or typed on the day): short, bounded.
CHIP_ITEMS_MAX = 30
CHIP_ITEM_MAX = 120
CHIP_FIELDS = ("triggers", "warning_signs", "skills_used")


@dataclass
class CheckInDraft:
    """What the person has entered so far; strings stay as typed until saved."""

    mood: int = 5
    craving: int = 0
    sleep_hours: str = ""
    sleep_quality: str | None = None
    medications: str | None = None
    used_since_last: bool | None = None
    thoughts_of_self_harm: bool | None = None
    substance: str = ""
    note: str = ""
    triggers: tuple[str, ...] = field(default=())
    warning_signs: tuple[str, ...] = field(default=())
    skills_used: tuple[str, ...] = field(default=())


def parse_sleep_hours(text: str) -> float | None:
    try:
        hours = float(text.strip().replace(",", "."))
    except ValueError:
        return None
    if not math.isfinite(hours) or not 0 <= hours <= 24:
        return None
    return round(hours, 1)


def check_in_problems(draft: CheckInDraft) -> dict[str, str]:
    """Field name -> translation key of what is missing or wrong."""
    problems: dict[str, str] = {}
    if not 0 <= draft.mood <= 10:
        problems["mood"] = "checkin.error.scale"
    if not 0 <= draft.craving <= 10:
        problems["craving"] = "checkin.error.scale"
    if parse_sleep_hours(draft.sleep_hours) is None:
        problems["sleep_hours"] = "checkin.error.sleep_hours"
    if draft.sleep_quality not in SLEEP_QUALITIES:
        problems["sleep_quality"] = "checkin.error.choose_one"
    if draft.medications not in MEDICATION_ANSWERS:
        problems["medications"] = "checkin.error.choose_one"
    if draft.used_since_last is None:
        problems["used_since_last"] = "checkin.error.choose_one"
    if draft.thoughts_of_self_harm is None:
        problems["thoughts_of_self_harm"] = "checkin.error.choose_one"
    if len(draft.substance) > SUBSTANCE_MAX:
        problems["substance"] = "checkin.error.too_long"
    if len(draft.note) > NOTE_MAX:
        problems["note"] = "checkin.error.too_long"
    for name in CHIP_FIELDS:
        items = getattr(draft, name)
        if len(items) > CHIP_ITEMS_MAX or any(len(item) > CHIP_ITEM_MAX for item in items):
            problems[name] = "checkin.error.too_many_chips"
    return problems


def toggle_chip(chosen: tuple[str, ...], item: str) -> tuple[str, ...]:
    """Choose `item`, or un-choose it when it was already chosen (order kept)."""
    if item in chosen:
        return tuple(i for i in chosen if i != item)
    return (*chosen, item)


def add_typed_chip(chosen: tuple[str, ...], typed: str) -> tuple[str, ...]:
    """Add what the person typed on the day as a chosen item (blank or repeated: no change)."""
    item = " ".join(typed.split())
    if not item or item.casefold() in {i.casefold() for i in chosen}:
        return chosen
    return (*chosen, item)


def check_in_record(draft: CheckInDraft) -> dict[str, Any]:
    """The fields the store keeps; call only when `check_in_problems` is empty."""
    return {
        "mood": draft.mood,
        "craving": draft.craving,
        "sleep_hours": parse_sleep_hours(draft.sleep_hours),
        "sleep_quality": draft.sleep_quality,
        "medications": draft.medications,
        "used_since_last": bool(draft.used_since_last),
        "substance": draft.substance.strip() or None if draft.used_since_last else None,
        "note": draft.note.strip(),
        "thoughts_of_self_harm": bool(draft.thoughts_of_self_harm),
        **{name: [item.strip() for item in getattr(draft, name) if item.strip()]
           for name in CHIP_FIELDS},
    }


def latest_on_day(records: list[dict[str, Any]], day: date,
                  zone: tzinfo) -> dict[str, Any] | None:
    """The most recent check-in made on `day` in the participant's time zone."""
    same_day = [r for r in records
                if datetime.fromisoformat(r["created_at"]).astimezone(zone).date() == day]
    return max(same_day, key=lambda r: datetime.fromisoformat(r["created_at"]), default=None)
