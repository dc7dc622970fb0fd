"""The daily check-in: the rules for a complete, sensible entry. Pure functions.

Nothing is pre-chosen: mood and craving start unanswered (None) and may be saved
unanswered, so rushing past a scale never records "mood 5" or "no craving".
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from iop_companion.domain.safety import safety_trigger_for_check_in

SLEEP_QUALITIES = ("poor", "fair", "good")
MEDICATION_ANSWERS = ("yes", "no", "not_applicable")
NOTE_MAX = 2000
SUBSTANCE_MAX = 120
# Chips chosen from the relapse-prevention plan (or typed on the day): short, bounded.
CHIP_ITEMS_MAX = 30
CHIP_ITEM_MAX = 120
CHIP_FIELDS = ("triggers", "warning_signs", "skills_used")
SCALE_MIN, SCALE_MAX = 0, 10
# A kept draft older than this is not resumed: its answers (last night's sleep, "since
# your last check-in") would no longer be about today.
DRAFT_MAX_AGE = timedelta(hours=12)
DRAFT_TEXT_MAX = 4000  # a stored draft's text beyond this is not trusted


@dataclass
class CheckInDraft:
    """What the person has entered so far; strings stay as typed until saved.
    None is "not answered yet": no answer is ever chosen for the person."""

    mood: int | None = None
    craving: int | None = None
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
    # A "Yes" to the self-harm question in this draft has already raised a safety flag:
    # at most one flag per draft, and answering "No" afterwards never withdraws it.
    safety_flag_raised: bool = False


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
    # The scales may be left unanswered (None); an answer must be a whole 0-10.
    if draft.mood is not None and not _scale_value(draft.mood):
        problems["mood"] = "checkin.error.scale"
    if draft.craving is not None and not _scale_value(draft.craving):
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


def check_in_needs_flag(draft: CheckInDraft) -> bool:
    """A "Yes" to the self-harm question whose flag this draft has not raised yet.
    Nothing else on the form matters: blank, wrong or unanswered, help comes first."""
    return (safety_trigger_for_check_in(draft.thoughts_of_self_harm) is not None
            and not draft.safety_flag_raised)


def _scale_value(value: object) -> bool:
    return (isinstance(value, int) and not isinstance(value, bool)
            and SCALE_MIN <= value <= SCALE_MAX)


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
    """The fields the store keeps; call only when `check_in_problems` is empty.
    An unanswered scale stays None (stored and sent as null), never a number."""
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


# --- Drafts kept across a lock (services/drafts.py stores them encrypted) --------------

def draft_to_dict(draft: CheckInDraft, *, kept_at: datetime | None = None,
                  adding: Mapping[str, str] | None = None) -> dict[str, Any]:
    """A plain JSON value for the encrypted draft store. `adding` holds what the
    "add one" chip fields hold (typed but not added yet), so that is not lost either."""
    data: dict[str, Any] = {
        "mood": draft.mood,
        "craving": draft.craving,
        "sleep_hours": draft.sleep_hours,
        "sleep_quality": draft.sleep_quality,
        "medications": draft.medications,
        "used_since_last": draft.used_since_last,
        "thoughts_of_self_harm": draft.thoughts_of_self_harm,
        "substance": draft.substance,
        "note": draft.note,
        **{name: list(getattr(draft, name)) for name in CHIP_FIELDS},
        "safety_flag_raised": draft.safety_flag_raised,
    }
    if kept_at is not None:
        data["kept_at"] = kept_at.isoformat()
    if adding:
        data["adding"] = {name: text for name, text in adding.items() if text}
    return data


def draft_from_dict(data: Any) -> CheckInDraft:
    """The draft a stored value describes. Tolerant: a missing, mistyped or out-of-range
    field reads as unanswered (never as an answer the person did not give); anything
    that is not a mapping is a fresh draft."""
    if not isinstance(data, Mapping):
        return CheckInDraft()
    return CheckInDraft(
        mood=_scale_or_none(data.get("mood")),
        craving=_scale_or_none(data.get("craving")),
        sleep_hours=_text(data.get("sleep_hours")),
        sleep_quality=_one_of(data.get("sleep_quality"), SLEEP_QUALITIES),
        medications=_one_of(data.get("medications"), MEDICATION_ANSWERS),
        used_since_last=_yes_no(data.get("used_since_last")),
        thoughts_of_self_harm=_yes_no(data.get("thoughts_of_self_harm")),
        substance=_text(data.get("substance")),
        note=_text(data.get("note")),
        triggers=_chips(data.get("triggers")),
        warning_signs=_chips(data.get("warning_signs")),
        skills_used=_chips(data.get("skills_used")),
        safety_flag_raised=data.get("safety_flag_raised") is True,
    )


def draft_adding(data: Any) -> dict[str, str]:
    """What the "add one" chip fields held when the draft was kept (chip field -> text)."""
    adding = data.get("adding") if isinstance(data, Mapping) else None
    if not isinstance(adding, Mapping):
        return {}
    return {name: _text(adding.get(name)) for name in CHIP_FIELDS
            if isinstance(adding.get(name), str)}


def draft_is_current(data: Any, now: datetime, max_age: timedelta = DRAFT_MAX_AGE) -> bool:
    """Whether a kept draft is recent enough to resume. One without a readable time
    is resumed (losing what was typed is worse than showing it once more)."""
    if not isinstance(data, Mapping):
        return False
    kept = data.get("kept_at")
    try:
        kept_at = datetime.fromisoformat(kept) if isinstance(kept, str) else None
    except ValueError:
        kept_at = None
    if kept_at is None or kept_at.utcoffset() is None:
        return True
    return now - kept_at <= max_age


def _scale_or_none(value: Any) -> int | None:
    return value if _scale_value(value) else None


def _text(value: Any) -> str:
    return value[:DRAFT_TEXT_MAX] if isinstance(value, str) else ""


def _one_of(value: Any, options: tuple[str, ...]) -> str | None:
    return value if isinstance(value, str) and value in options else None


def _yes_no(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _chips(value: Any) -> tuple[str, ...]:
    if not isinstance(value, (list, tuple)):
        return ()
    return tuple(_text(item) for item in value[:CHIP_ITEMS_MAX * 2]
                 if isinstance(item, str) and item.strip())


def latest_on_day(records: list[dict[str, Any]], day: date,
                  zone: tzinfo) -> dict[str, Any] | None:
    """The most recent check-in made on `day` in the participant's time zone."""
    same_day = [r for r in records
                if datetime.fromisoformat(r["created_at"]).astimezone(zone).date() == day]
    return max(same_day, key=lambda r: datetime.fromisoformat(r["created_at"]), default=None)
