"""The portal's words for what the server stores as codes: alert triggers and their
figures, measure bands, audit actions, module titles, times and days in the clinic's
time zone."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from zoneinfo import ZoneInfo

from iop_companion.content.exercises import cached_library as cached_exercise_library
from iop_companion.content.modules import BASE_LANGUAGE, cached_library

TRIGGERS: Mapping[str, str] = {
    "participant_request": "Asked the clinic for support (\u201cTell my clinic\u201d)",
    "check_in_self_harm": "Said yes to thoughts of self-harm in a check-in",
    "diary_card_self_harm": "Recorded a self-harm urge on a diary card",
    "phq9_item9": "PHQ-9 question 9 above 0 (thoughts of death or self-harm)",
    "use_after_abstinence": "Reported use after a stretch without",
    "phq9_severe": "PHQ-9 total in the severe range",
    "phq9_rise": "PHQ-9 total rose sharply since the last one",
    "craving_run": "Strong cravings several days running",
    "missed_sessions": "Missed sessions in a row",
    "no_check_in": "No check-in for several days",
}

BANDS: Mapping[str, str] = {
    "minimal": "Minimal",
    "mild": "Mild",
    "moderate": "Moderate",
    "moderately_severe": "Moderately severe",
    "severe": "Severe",
}

MEASURES: Mapping[str, str] = {"phq9": "PHQ-9", "gad7": "GAD-7", "bam": "BAM"}

ITEM9_ANSWERS = ("not at all", "several days", "more than half the days", "nearly every day")


def trigger(code: str) -> str:
    return TRIGGERS.get(code, code.replace("_", " ").capitalize())


def band(code: str | None) -> str:
    return "" if code is None else BANDS.get(code, code.replace("_", " ").capitalize())


def measure(code: str) -> str:
    return MEASURES.get(code, code.upper())


def alert_detail(code: str, detail: Mapping[str, int | str | None]) -> str:
    """The figures behind an alert, as a sentence ("" when there are none)."""
    try:
        if code == "phq9_item9" and isinstance(item9 := detail.get("item9"), int):
            answer = ITEM9_ANSWERS[item9] if 0 <= item9 < len(ITEM9_ANSWERS) else str(item9)
            return f"Question 9 answered {item9} ({answer})."
        if code == "phq9_severe":
            return f"Total {detail['total']} (alerts from {detail['threshold']})."
        if code == "phq9_rise":
            return (f"Total {detail['total']}, up {detail['rise']} from "
                    f"{detail['previous_total']} (alerts from a rise of {detail['threshold']}).")
        if code == "use_after_abstinence":
            return (f"Use reported after {detail['days_without']} days without "
                    f"(alerts from {detail['threshold']}).")
        if code == "craving_run":
            return (f"Craving of {detail['threshold']} or more on {detail['days']} days "
                    f"running, {detail['first_day']} to {detail['last_day']} "
                    f"(highest {detail['highest']}).")
        if code == "no_check_in":
            last = detail.get("last_check_in_on") or "never"
            return f"No check-in for {detail['days']} days (last: {last})."
        if code == "missed_sessions":
            return f"{detail['missed']} sessions missed in a row."
    except KeyError:
        pass
    return "; ".join(f"{key.replace('_', ' ')}: {value}" for key, value in detail.items())


def module_catalogue() -> list[tuple[str, str]]:
    """The modules a clinic can assign, as (id, title), in the library's order: the
    English library the server checks assignments against (`module_ids`)."""
    return [(module.id, module.title) for module in cached_library(None, BASE_LANGUAGE)]


def module_title(module_id: str | None) -> str:
    """A module's title; an id no longer in the library (an older assignment) as words."""
    if not module_id:
        return ""
    module = cached_library(None, BASE_LANGUAGE).get(module_id)
    return module.title if module is not None else words(module_id)


def exercise_catalogue() -> list[tuple[str, str]]:
    """The practice exercises homework can ask for, as (id, English title), in the
    library's order (the ids the server checks homework against: `exercise_ids`)."""
    return [(exercise.id, exercise.title.in_language(BASE_LANGUAGE))
            for exercise in cached_exercise_library(None)]


def exercise_title(exercise_id: str | None) -> str:
    """An exercise's English title; an id no longer in the library as words."""
    if not exercise_id:
        return ""
    titles = dict(exercise_catalogue())
    return titles.get(exercise_id) or words(exercise_id)


def when(moment: datetime | None, zone: ZoneInfo) -> str:
    """A time in the clinic's time zone: "4 Mar 2026, 09:05 CST"."""
    if moment is None:
        return ""
    local = moment.astimezone(zone)
    return f"{local.day} {local:%b %Y, %H:%M} {local.tzname() or ''}".rstrip()


def day(value: date | None) -> str:
    """A calendar day: "Wed 4 Mar 2026"."""
    if value is None:
        return ""
    return f"{value:%a} {value.day} {value:%b %Y}"


def short_day(value: date) -> str:
    return f"{value.day} {value:%b}"


def rated_targets(card: Mapping[str, object], labels: Mapping[str, str]) -> list[str]:
    """A diary card's targets that were rated or done, in words ("Skipped a meal 3, did
    it"), by the labels the clinic gave them."""
    targets = card.get("targets")
    lines = []
    for target_id, target in (targets.items() if isinstance(targets, Mapping) else ()):
        if not isinstance(target, Mapping):
            continue
        rating, did = target.get("rating"), target.get("acted_on") is True
        if rating is None and not did:
            continue
        line = labels.get(str(target_id), "Unknown target")
        if rating is not None:
            line += f" {rating}"
        lines.append(f"{line}, did it" if did else line)
    return lines


def yes_no(value: bool | None) -> str:
    return "" if value is None else ("Yes" if value else "No")


def words(code: str | None) -> str:
    """A stored code ("not_applicable") in words ("Not applicable")."""
    return "" if not code else code.replace("_", " ").capitalize()


# The sections of each plan, in the order the app shows them, with their headings.
PLAN_SECTIONS: Mapping[str, tuple[tuple[str, str], ...]] = {
    "safety_plan": (
        ("warning_signs", "1. Warning signs"),
        ("coping_strategies", "2. Things I can do on my own"),
        ("distractions", "3. People and places that take my mind off things"),
        ("people_to_ask", "4. People I can ask for help"),
        ("professionals", "5. Professionals and crisis lines"),
        ("safe_environment", "6. Making my surroundings safer"),
        ("most_important", "The thing most important to me"),
    ),
    "relapse_plan": (
        ("triggers", "Triggers"),
        ("warning_signs_emotional", "Warning signs: emotional"),
        ("warning_signs_mental", "Warning signs: mental"),
        ("warning_signs_physical", "Warning signs: physical"),
        ("high_risk_situations", "High-risk situations"),
        ("coping_strategies", "Coping strategies"),
        ("people_to_call", "People to call"),
        ("reasons_for_recovery", "Reasons for recovery"),
    ),
    "aftercare_plan": (
        ("continuing_care", "Continuing care"),
        ("support_meetings", "Support meetings"),
        ("medication_follow_up", "Medication follow-up"),
        ("people_to_call", "People to call"),
        ("if_warning_signs_return", "If warning signs return"),
    ),
}


def _item_text(item: object) -> str:
    if isinstance(item, Mapping):
        if "weekday" in item:  # a support meeting
            place = f", {item['place']}" if item.get("place") else ""
            return f"{item.get('name', '')}: {str(item['weekday']).capitalize()} " \
                   f"{item.get('time', '')}{place}"
        return ", ".join(str(value) for value in item.values() if value not in (None, ""))
    return str(item)


def plan_sections(kind: str, payload: Mapping[str, object]) -> list[tuple[str, list[str]]]:
    """The plan's sections that have something in them, each as (heading, items)."""
    sections = []
    for key, heading in PLAN_SECTIONS.get(kind, ()):
        value = payload.get(key)
        items = [value] if isinstance(value, str) else list(value or [])  # type: ignore[call-overload]
        texts = [_item_text(item) for item in items if item not in (None, "")]
        if texts:
            sections.append((heading, texts))
    return sections
