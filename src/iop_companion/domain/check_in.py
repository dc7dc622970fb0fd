"""The daily check-in: the rules for a complete, sensible entry. Pure functions."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Any

SLEEP_QUALITIES = ("poor", "fair", "good")
MEDICATION_ANSWERS = ("yes", "no", "not_applicable")
NOTE_MAX = 2000
SUBSTANCE_MAX = 120


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
    return problems


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
    }


def latest_on_day(records: list[dict[str, Any]], day: date,
                  zone: tzinfo) -> dict[str, Any] | None:
    """The most recent check-in made on `day` in the participant's time zone."""
    same_day = [r for r in records
                if datetime.fromisoformat(r["created_at"]).astimezone(zone).date() == day]
    return max(same_day, key=lambda r: datetime.fromisoformat(r["created_at"]), default=None)
