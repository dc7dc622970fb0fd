"""Record shapes and strict validation, applied before anything is written.

Rules: finite numbers only (TinyDB would happily store NaN and Infinity), bounded
strings without control characters, enumerated scales, time-zone-aware timestamps.
Errors name the field and the rule, never the value (it may be health data).

Every record carries ``id`` (a client-generated UUID: TinyDB's per-file ``doc_id``
is reused and never leaves this package), ``created_at`` / ``updated_at`` (UTC ISO
8601 with offset, microseconds, so string order is time order) and
``schema_version`` (see ``migrations.py``).
"""

from __future__ import annotations

import json
import math
import re
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

from .errors import ValidationError

#: Current schema version of each collection's records.
SCHEMA_VERSIONS: dict[str, int] = {
    "check_ins": 1,
    "schedule": 1,
    "safety_plan": 1,
    "measures": 1,
    "settings": 1,
    "outbox": 1,
    "relapse_plan": 1,
    "lapse_reviews": 1,
    "aftercare_plan": 1,
    "treatment_goals": 1,
    "goal_ratings": 1,
    "homework": 1,
    "module_assignments": 1,
    "consents": 1,
    "assignment_answers": 1,
    "people": 1,
    "practice_sessions": 1,
    "diary_cards": 1,
    "thought_records": 1,
    "urge_logs": 1,
    "journal_notes": 1,
}

META_FIELDS = ("id", "created_at", "updated_at", "schema_version")

SCALE_MIN, SCALE_MAX = 0, 10
SLEEP_QUALITY = ("poor", "fair", "good")
MEDICATIONS = ("yes", "no", "not_applicable")
NOTE_MAX = 2000
SUBSTANCE_MAX = 200
SAFETY_PLAN_LISTS = (
    "warning_signs",
    "coping_strategies",
    "distractions",
    "people_to_ask",
    "professionals",
    "safe_environment",
)
SAFETY_PLAN_ITEMS_MAX = 30
SAFETY_PLAN_ITEM_MAX = 500
MOST_IMPORTANT_MAX = 1000
SETTING_VALUE_MAX_BYTES = 64 * 1024
OUTBOX_PAYLOAD_MAX_BYTES = 1024 * 1024
_JSON_INT_LIMIT = 2**53  # beyond this, JSON numbers lose precision in other languages
_JSON_MAX_DEPTH = 32
_KEY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$")
_FIELD_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,39}$")
# C0 controls except tab, newline, carriage return; DEL; C1 controls.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

Clock = Callable[[], datetime]
T = TypeVar("T")


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso_utc(moment: datetime) -> str:
    """Canonical stored form: UTC, microseconds, ``+00:00``. Sorts as it should."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValidationError("timestamp", "must include a time zone")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def week_of(iso: str) -> str:
    """The partition label of a canonical timestamp: the date of its week's Monday
    (UTC), e.g. ``2025-03-24``. Labels sort in time order."""
    day = date.fromisoformat(iso[:10])
    return (day - timedelta(days=day.weekday())).isoformat()


def new_id() -> str:
    return str(uuid.uuid4())


def check_uuid(field: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ValidationError(field, "must be a UUID string")
    parsed = _quietly(uuid.UUID, value)
    if parsed is None:
        raise ValidationError(field, "must be a UUID")
    return str(parsed)


def aware_datetime(field: str, value: Any) -> datetime:
    """Accept a tz-aware ``datetime`` or ISO 8601 string with an offset."""
    if isinstance(value, str):
        value = _quietly(datetime.fromisoformat, value)
        if value is None:
            raise ValidationError(field, "must be an ISO 8601 date and time")
    if not isinstance(value, datetime):
        raise ValidationError(field, "must be a date and time")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError(field, "must include a time zone")
    return value


def whole_number(field: str, value: Any, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(field, "must be a whole number")
    if not low <= value <= high:
        raise ValidationError(field, f"must be between {low} and {high}")
    return value


def number(field: str, value: Any, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValidationError(field, "must be a number")
    result = float(value)
    if not math.isfinite(result):
        raise ValidationError(field, "must be a finite number")
    if not low <= result <= high:
        raise ValidationError(field, f"must be between {low:g} and {high:g}")
    return result


def choice(field: str, value: Any, options: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in options:
        raise ValidationError(field, "must be one of: " + ", ".join(options))
    return value


def flag(field: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValidationError(field, "must be true or false")
    return value


def text(
    field: str,
    value: Any,
    max_length: int,
    *,
    optional: bool = False,
    multiline: bool = True,
    allow_empty: bool = True,
) -> str | None:
    if value is None:
        if optional:
            return None
        raise ValidationError(field, "is required")
    if not isinstance(value, str):
        raise ValidationError(field, "must be text")
    if len(value) > max_length:
        raise ValidationError(field, f"must be at most {max_length} characters")
    if not allow_empty and not value.strip():
        raise ValidationError(field, "must not be empty")
    _check_characters(field, value)
    if not multiline and ("\n" in value or "\r" in value):
        raise ValidationError(field, "must be a single line")
    return value


def text_list(field: str, value: Any, max_items: int, max_length: int) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValidationError(field, "must be a list of text")
    if len(value) > max_items:
        raise ValidationError(field, f"must have at most {max_items} items")
    return [str(text(f"{field}[{i}]", item, max_length)) for i, item in enumerate(value)]


def json_value(field: str, value: Any, max_bytes: int) -> Any:
    """Validate free-form JSON data (settings values, outbox payloads); return a copy."""
    _check_json(field, value, 0)
    encoded = _quietly(json.dumps, value, allow_nan=False, ensure_ascii=False)
    if encoded is None:
        raise ValidationError(field, "must be plain JSON data")
    if len(encoded.encode("utf-8")) > max_bytes:
        raise ValidationError(field, f"must be at most {max_bytes} bytes as JSON")
    return json.loads(encoded)


def settings_key(value: Any) -> str:
    if not isinstance(value, str) or not _KEY_RE.match(value):
        raise ValidationError("key", "must be 1-100 letters, digits or _ . : -")
    return value


def validate_check_in(data: Mapping[str, Any]) -> dict[str, Any]:
    """The check-in's own fields, normalised. ``id``/``created_at`` are handled by
    the repository; other meta fields are refused (they are not the caller's)."""
    _reject_unknown(data, _CHECK_IN_FIELDS | {"id", "created_at"})
    return {
        # A scale may be left unanswered: the key is there, its value null (never 0 or 5).
        "mood": _optional_scale(data, "mood"),
        "craving": _optional_scale(data, "craving"),
        "sleep_hours": number("sleep_hours", _required(data, "sleep_hours"), 0, 24),
        "sleep_quality": choice("sleep_quality", _required(data, "sleep_quality"), SLEEP_QUALITY),
        "medications": choice("medications", _required(data, "medications"), MEDICATIONS),
        "used_since_last": flag("used_since_last", _required(data, "used_since_last")),
        "substance": text(
            "substance", data.get("substance"), SUBSTANCE_MAX, optional=True, multiline=False
        ),
        "note": text("note", data.get("note", ""), NOTE_MAX),
        # Optional so check-ins saved before the question existed stay valid.
        "thoughts_of_self_harm": flag(
            "thoughts_of_self_harm", data.get("thoughts_of_self_harm", False)),
        # Chips from the relapse-prevention plan; optional, like the question above.
        **{name: text_list(name, data.get(name), CHECK_IN_CHIPS_MAX, CHECK_IN_CHIP_MAX)
           for name in CHECK_IN_CHIP_FIELDS},
    }


CHECK_IN_CHIP_FIELDS = ("triggers", "warning_signs", "skills_used")
CHECK_IN_CHIPS_MAX = 30
CHECK_IN_CHIP_MAX = 120


_CHECK_IN_FIELDS = frozenset(
    {
        "thoughts_of_self_harm",
        "triggers",
        "warning_signs",
        "skills_used",
        "mood",
        "craving",
        "sleep_hours",
        "sleep_quality",
        "medications",
        "used_since_last",
        "substance",
        "note",
    }
)

SESSION_FIELDS = (
    "id",
    "kind",
    "title",
    "starts_at",
    "ends_at",
    "location",
    "telehealth",
    "facilitator",
    "status",
    "note",
)


def validate_session(data: Mapping[str, Any]) -> dict[str, Any]:
    """A scheduled session as mirrored from the clinic. Its ``id`` is the clinic's."""
    if not isinstance(data, Mapping):
        raise ValidationError("session", "must be a mapping of fields")
    _reject_unknown(data, frozenset(SESSION_FIELDS))
    starts = aware_datetime("starts_at", _required(data, "starts_at"))
    ends = aware_datetime("ends_at", _required(data, "ends_at"))
    if ends < starts:
        raise ValidationError("ends_at", "must not be before starts_at")
    return {
        "id": text("id", _required(data, "id"), 100, multiline=False, allow_empty=False),
        "kind": text("kind", _required(data, "kind"), 40, multiline=False, allow_empty=False),
        "title": text("title", _required(data, "title"), 200),
        "starts_at": starts.isoformat(),
        "ends_at": ends.isoformat(),
        "location": text("location", data.get("location"), 300, optional=True),
        "telehealth": flag("telehealth", data.get("telehealth", False)),
        "facilitator": text("facilitator", data.get("facilitator"), 200, optional=True),
        "status": text(
            "status", data.get("status", "scheduled"), 40, multiline=False, allow_empty=False
        ),
        "note": text("note", data.get("note"), NOTE_MAX, optional=True),
    }


MEASURE_ITEM_COUNTS = {"phq9": 9, "gad7": 7}
MEASURE_BANDS = frozenset({"minimal", "mild", "moderate", "moderately_severe", "severe"})


BAM_ITEM_COUNT = 17
BAM_SUBSTANCE_IDS = frozenset(
    {"marijuana", "sedatives", "cocaine", "stimulants", "opioids", "inhalants", "other"})
# Highest possible subscale sums (three and six items of 0-4 codes).
BAM_SUBSCALE_MAX = {"use": 12, "risk": 24, "protective": 24}


# The optional, unscored PHQ-9 / GAD-7 difficulty answer: 0 (not difficult at all) to 3.
MEASURE_DIFFICULTY_MAX = 3
# The days a BAM asked about: the weekly window or the form's own.
BAM_RECALL_WINDOWS = frozenset({7, 30})


def validate_measure_result(data: Mapping[str, Any]) -> dict[str, Any]:
    """A scored PHQ-9 or GAD-7: the answers (0-3 each), the total and its band, and the
    difficulty answer when one was given (optional; results kept without it stay valid).

    A BAM has no total or band (see ``validate_bam_result``)."""
    if isinstance(data, Mapping) and data.get("measure") == "bam":
        return validate_bam_result(data)
    _reject_unknown(data, frozenset({"measure", "answers", "total", "band", "difficulty"}))
    measure = choice("measure", _required(data, "measure"), frozenset(MEASURE_ITEM_COUNTS))
    answers = _required(data, "answers")
    if not isinstance(answers, (list, tuple)) or len(answers) != MEASURE_ITEM_COUNTS[measure]:
        raise ValidationError("answers", "must hold one answer per question")
    clean = [whole_number(f"answers[{i}]", a, 0, 3) for i, a in enumerate(answers)]
    total = whole_number("total", _required(data, "total"), 0, 3 * len(clean))
    if total != sum(clean):
        raise ValidationError("total", "does not match the answers")
    record: dict[str, Any] = {"measure": measure, "answers": clean, "total": total,
                              "band": choice("band", _required(data, "band"), MEASURE_BANDS)}
    if data.get("difficulty") is not None:
        record["difficulty"] = whole_number("difficulty", data["difficulty"], 0,
                                            MEASURE_DIFFICULTY_MAX)
    return record


def validate_bam_result(data: Mapping[str, Any]) -> dict[str, Any]:
    """A scored BAM: 17 answer codes (0-4; item 7's slot holds the highest substance
    code), item 7 per substance, the three subscale sums and the days it asked about
    (`recall_days`, 7 or 30; optional, as results kept before it had none). Scoring itself is the
    domain's job; this checks shape and ranges before anything is written."""
    _reject_unknown(data, frozenset({"measure", "answers", "substances", "recall_days",
                                     *BAM_SUBSCALE_MAX}))
    answers = _required(data, "answers")
    if not isinstance(answers, (list, tuple)) or len(answers) != BAM_ITEM_COUNT:
        raise ValidationError("answers", "must hold one answer per question")
    clean = [whole_number(f"answers[{i}]", a, 0, 4) for i, a in enumerate(answers)]
    substances = _required(data, "substances")
    if not isinstance(substances, Mapping) or set(substances) - BAM_SUBSTANCE_IDS:
        raise ValidationError("substances", "must map known substances to answers")
    record: dict[str, Any] = {
        "measure": "bam", "answers": clean,
        "substances": {name: whole_number("substances", substances[name], 0, 4)
                       for name in sorted(substances)},
    }
    for name, highest in BAM_SUBSCALE_MAX.items():
        record[name] = whole_number(name, _required(data, name), 0, highest)
    if data.get("recall_days") is not None:  # kept before the window existed: 30 days
        recall_days = whole_number("recall_days", data["recall_days"], 7, 30)
        if recall_days not in BAM_RECALL_WINDOWS:
            raise ValidationError("recall_days", "must be 7 or 30")
        record["recall_days"] = recall_days
    return record


def validate_safety_plan(data: Mapping[str, Any]) -> dict[str, Any]:
    """Missing lists default to empty. Meta fields (as returned by ``get()``) are
    accepted and ignored, so a plan can be read, edited and saved back."""
    if not isinstance(data, Mapping):
        raise ValidationError("safety_plan", "must be a mapping of fields")
    _reject_unknown(data, frozenset(SAFETY_PLAN_LISTS) | {"most_important", *META_FIELDS})
    plan: dict[str, Any] = {
        name: text_list(name, data.get(name), SAFETY_PLAN_ITEMS_MAX, SAFETY_PLAN_ITEM_MAX)
        for name in SAFETY_PLAN_LISTS
    }
    plan["most_important"] = text(
        "most_important", data.get("most_important", ""), MOST_IMPORTANT_MAX
    )
    return plan


def _optional_scale(data: Mapping[str, Any], field: str) -> int | None:
    """A 0-10 answer, or None for "not answered"; the field itself must be present."""
    if field not in data:
        raise ValidationError(field, "is required")
    value = data[field]
    return None if value is None else whole_number(field, value, SCALE_MIN, SCALE_MAX)


def _required(data: Mapping[str, Any], field: str) -> Any:
    if field not in data or data[field] is None:
        raise ValidationError(field, "is required")
    return data[field]


def _reject_unknown(data: Mapping[str, Any], allowed: frozenset[str] | set[str]) -> None:
    if not isinstance(data, Mapping):
        raise ValidationError("record", "must be a mapping of fields")
    for key in data:
        if key not in allowed:
            # A field *name* is code, not data, but print it only if it looks like one.
            shown = key if isinstance(key, str) and _FIELD_NAME_RE.match(key) else "(field)"
            raise ValidationError(shown, "is not a known field")


def _check_characters(field: str, value: str) -> None:
    if _CONTROL_RE.search(value):
        raise ValidationError(field, "contains control characters")
    if _quietly(value.encode, "utf-8") is None:  # lone surrogates cannot be stored
        raise ValidationError(field, "contains invalid characters")


def _quietly(function: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
    """``function(*args)``, or ``None`` if it raises ``ValueError``/``TypeError``.

    Why: an exception raised inside ``except`` keeps the original as ``__context__``,
    and parser errors quote their input (a note, a date typed by the person). Crash
    reporters can walk that chain; returning ``None`` leaves nothing to walk.
    """
    try:
        return function(*args, **kwargs)
    except (ValueError, TypeError):
        return None


def _check_json(field: str, value: Any, depth: int) -> None:
    if depth > _JSON_MAX_DEPTH:
        raise ValidationError(field, "is nested too deeply")
    if value is None or isinstance(value, bool):
        return
    if isinstance(value, int):
        if abs(value) > _JSON_INT_LIMIT:
            raise ValidationError(field, "contains a number that is too large")
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValidationError(field, "must contain finite numbers only")
        return
    if isinstance(value, str):
        _check_characters(field, value)
        return
    if isinstance(value, list):
        for item in value:
            _check_json(field, item, depth + 1)
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValidationError(field, "must use text keys")
            _check_json(field, item, depth + 1)
        return
    raise ValidationError(field, "must be plain JSON data")
