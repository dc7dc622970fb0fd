"""Coping-skill logs: the DBT diary card, the CBT thought record and the urge log, and
the patterns they show. Pure functions on plain dicts (a log's content as the store
keeps it and the clinic receives it), no Flet, no store, no HTTP.

Content shapes (see clinical.md, "DBT diary card", "CBT thought record", "Urge / craving
log"); ``*_problems`` return ``{field: plain message}`` (empty when the entry can be
saved), naming the field and the rule, never repeating what was typed:

* diary card, one per local day::

    {"day": "2026-11-25",
     "urges": {"use": {"rating": 0-5 | None, "acted_on": bool}, "self_harm": ..., "suicide": ...},
     "emotions": {"sadness": 0-5, ...},        # ids: the clinic's set (default below)
     "skills": {"wise_mind": 0-7, ...},        # 0 = not thought of ... 7 = used, helped
     "targets": {"t3fa9c01b2e4d": {"rating": 0-5 | None, "acted_on": bool}, ...},
                                               # optional: the participant's own targets
     "medications_taken": "yes" | "no" | "partly" | None,
     "note": "..."}

* thought record::

    {"occurred_at": ISO time with offset, "situation": "...", "automatic_thought": "...",
     "emotions": [{"name": "anxious", "intensity": 0-100}, ...],   # 1-6
     "evidence_for": "...", "evidence_against": "...",
     "thinking_traps": ["catastrophising", ...], "balanced_thought": "...",
     "emotions_after": [{"name": "anxious", "intensity": 0-100}, ...]}  # re-rated, 0-6

* urge log::

    {"occurred_at": ISO time with offset, "intensity": 0-10,
     "trigger": {"category": "people" | ... | None, "detail": "..."},
     "where": "...", "with_whom": "...", "skills_used": ["urge_surfing", ...],
     "what_i_did": "...", "used": bool, "intensity_after": 0-10 | None,
     "lasted_minutes": 0-1440 | None}

A deleted log is kept as a new version ``{"deleted": True}`` (the sync protocol has no
deletion of app records): every aggregate here skips it.

Charts (`chart`): one point per calendar day in the participant's time zone; a day
without an entry is None (a gap), never 0. Summaries are (key, values) for the locale
files, never English.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from iop_companion.domain.trends import daily_points

# --------------------------------------------------------------------------- shared data

DIARY_URGES = ("use", "self_harm", "suicide")
DIARY_URGE_MAX = 5
DIARY_EMOTION_MAX = 5
DIARY_SKILL_MAX = 7
MEDICATION_ANSWERS = ("yes", "no", "partly")
NOTE_MAX = 2000
# Emotion and skill ids are data (the clinic may change the emotions): a short id.
ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
MAX_DIARY_EMOTIONS = 20
MAX_SKILLS_USED = 40
# The diary card's default emotions (clinical.md: "e.g. sadness, anger, fear, shame, joy").
DEFAULT_DIARY_EMOTIONS = ("sadness", "anger", "fear", "shame", "joy")


@dataclass(frozen=True)
class Emotion:
    id: str
    name: str  # English (the portal's word; the app shows ``coping.emotion.<id>``)


# Every emotion a clinic may put on its diary card: the ids the app can name in each of
# its languages. The clinic chooses 1 to 12 of them, in order (sync/protocol keeps the
# same ids: DIARY_EMOTION_CATALOGUE; tests/domain/test_diary_targets.py keeps them equal).
DIARY_EMOTIONS: tuple[Emotion, ...] = (
    Emotion("sadness", "Sadness"), Emotion("anger", "Anger"), Emotion("fear", "Fear"),
    Emotion("shame", "Shame"), Emotion("joy", "Joy"), Emotion("guilt", "Guilt"),
    Emotion("anxiety", "Anxiety"), Emotion("loneliness", "Loneliness"),
    Emotion("hope", "Hope"), Emotion("pride", "Pride"), Emotion("love", "Love"),
    Emotion("disgust", "Disgust"), Emotion("boredom", "Boredom"),
    Emotion("jealousy", "Jealousy"), Emotion("calm", "Calm"),
)
DIARY_EMOTION_IDS = tuple(emotion.id for emotion in DIARY_EMOTIONS)
MIN_CLINIC_EMOTIONS, MAX_CLINIC_EMOTIONS = 1, 12

# Targets the care team sets for one participant ("Skipped a meal"), each rated on the
# card like an urge: 0-5 and whether they did it. Ids are the clinic's (ID_PATTERN).
MAX_DIARY_TARGETS = 8          # offered at once
DIARY_TARGET_LABEL_MAX = 60
MAX_TARGET_RATINGS = 40        # on one card (an old card keeps ratings of removed ones)

# The 0-7 skill scale of the DBT diary card, and which answers mean "used" / "helped".
SKILL_USED_FROM = 4      # 4-7: tried or used it
SKILL_HELPED = (5, 7)    # 5: tried, could use it, it helped; 7: used it, it helped


@dataclass(frozen=True)
class Skill:
    id: str
    module: str
    name: str  # plain words, for people who have not learnt the acronyms


DBT_MODULES = ("mindfulness", "distress_tolerance", "emotion_regulation",
               "interpersonal_effectiveness")

SKILLS: tuple[Skill, ...] = (
    Skill("wise_mind", "mindfulness", "Wise mind: balancing feelings and reason"),
    Skill("observe", "mindfulness", "Observe: noticing without reacting"),
    Skill("describe", "mindfulness", "Describe: putting words to what I notice"),
    Skill("participate", "mindfulness", "Participate: throwing myself into the moment"),
    Skill("nonjudgmental", "mindfulness", "Not judging: sticking to the facts"),
    Skill("one_mindfully", "mindfulness", "One thing at a time"),
    Skill("effectively", "mindfulness", "Doing what works"),
    Skill("stop", "distress_tolerance", "STOP: stop, step back, observe, proceed mindfully"),
    Skill("pros_and_cons", "distress_tolerance", "Pros and cons of acting on an urge"),
    Skill("tipp", "distress_tolerance", "TIPP: cold water, exercise, paced breathing"),
    Skill("distract", "distress_tolerance", "Distracting myself (ACCEPTS)"),
    Skill("self_soothe", "distress_tolerance", "Soothing myself with the five senses"),
    Skill("improve_moment", "distress_tolerance", "Improving the moment (IMPROVE)"),
    Skill("urge_surfing", "distress_tolerance", "Urge surfing: riding the urge out"),
    Skill("radical_acceptance", "distress_tolerance", "Radical acceptance"),
    Skill("check_the_facts", "emotion_regulation", "Checking the facts"),
    Skill("opposite_action", "emotion_regulation", "Opposite action"),
    Skill("problem_solving", "emotion_regulation", "Solving the problem"),
    Skill("accumulate_positives", "emotion_regulation", "Doing something pleasant"),
    Skill("build_mastery", "emotion_regulation", "Doing something that builds mastery"),
    Skill("cope_ahead", "emotion_regulation", "Planning ahead for a hard moment"),
    Skill("please", "emotion_regulation", "Looking after my body (PLEASE)"),
    Skill("dear_man", "interpersonal_effectiveness", "Asking for what I need (DEAR MAN)"),
    Skill("give", "interpersonal_effectiveness", "Keeping the relationship (GIVE)"),
    Skill("fast", "interpersonal_effectiveness", "Keeping my self-respect (FAST)"),
)
SKILL_IDS = tuple(skill.id for skill in SKILLS)


def skills_by_module(skills: Sequence[Skill] = SKILLS) -> dict[str, list[Skill]]:
    """The skills grouped by DBT module, modules in teaching order."""
    grouped: dict[str, list[Skill]] = {module: [] for module in DBT_MODULES}
    for skill in skills:
        grouped.setdefault(skill.module, []).append(skill)
    return grouped


@dataclass(frozen=True)
class ThinkingTrap:
    id: str
    name: str
    explanation: str  # one plain sentence


THINKING_TRAPS: tuple[ThinkingTrap, ...] = (
    ThinkingTrap("all_or_nothing", "All-or-nothing thinking",
                 "Seeing things as total success or total failure, with nothing in between."),
    ThinkingTrap("catastrophising", "Catastrophising",
                 "Expecting the worst possible outcome and treating it as likely."),
    ThinkingTrap("mind_reading", "Mind reading",
                 "Assuming you know what others think without checking."),
    ThinkingTrap("fortune_telling", "Fortune telling",
                 "Predicting that things will turn out badly as if it were a fact."),
    ThinkingTrap("should_statements", "Should statements",
                 "Holding yourself or others to rigid rules of what must happen."),
    ThinkingTrap("labelling", "Labelling",
                 "Calling yourself or someone else a name instead of describing what happened."),
    ThinkingTrap("overgeneralising", "Overgeneralising",
                 "Taking one event as proof that it always or never happens."),
    ThinkingTrap("emotional_reasoning", "Emotional reasoning",
                 "Believing something is true because it feels true."),
    ThinkingTrap("discounting_the_positive", "Discounting the positive",
                 "Brushing off good things as if they did not count."),
    ThinkingTrap("personalising", "Personalising",
                 "Blaming yourself for things that were not all, or not at all, up to you."),
)
THINKING_TRAP_IDS = tuple(trap.id for trap in THINKING_TRAPS)

THOUGHT_EMOTIONS_MIN, THOUGHT_EMOTIONS_MAX = 1, 6
EMOTION_NAME_MAX = 60
INTENSITY_PERCENT_MAX = 100
SHORT_TEXT_MAX = 1000     # situation, automatic thought, balanced thought
EVIDENCE_MAX = 2000

TRIGGER_CATEGORIES = ("people", "places", "feelings", "times", "things", "body")
URGE_MAX = 10
PLACE_MAX = 200           # where, with whom, the trigger's detail: one line each
LASTED_MINUTES_MAX = 1440

# A whole log must fit the clinic's 16 KiB payload limit with room for its envelope.
RECORD_BYTES_MAX = 15 * 1024

# C0 controls except tab and newline, DEL, C1 controls and bidirectional overrides:
# what the store and the clinic both refuse (a carriage return is refused by the clinic).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

Problems = dict[str, str]


# ------------------------------------------------------------------------ the diary card


def diary_card_problems(card: Mapping[str, Any], *,
                        emotions: Sequence[str] = DEFAULT_DIARY_EMOTIONS,
                        skills: Sequence[str] = SKILL_IDS,
                        targets: Sequence[str] = ()) -> Problems:
    """What stops `card` being saved. `emotions`, `skills` and `targets` are the ids this
    card offers (an id outside them is refused: it would show nowhere). `targets` are the
    participant's own (set by their care team): each rated like an urge."""
    problems: Problems = {}
    _unknown_fields(card, {"day", "urges", "emotions", "skills", "targets",
                           "medications_taken", "note"}, problems)
    if not isinstance(card.get("day"), str) or _iso_date(card["day"]) is None:
        problems["day"] = "must be a date like 2026-11-25"
    urges = card.get("urges")
    if not isinstance(urges, Mapping):
        problems["urges"] = "must list the use, self-harm and suicide urges"
    else:
        for name in sorted(set(urges) - set(DIARY_URGES), key=str):
            problems[f"urges.{name}"] = "is not an urge on the diary card"
        for name in DIARY_URGES:
            _diary_urge(urges.get(name), f"urges.{name}", problems)
    _ratings(card.get("emotions"), "emotions", set(emotions), DIARY_EMOTION_MAX,
             MAX_DIARY_EMOTIONS, problems)
    _ratings(card.get("skills"), "skills", set(skills), DIARY_SKILL_MAX, MAX_SKILLS_USED,
             problems)
    _target_ratings(card.get("targets"), set(targets), problems)
    medications = card.get("medications_taken")
    if medications is not None and medications not in MEDICATION_ANSWERS:
        problems["medications_taken"] = "must be yes, no, partly or left blank"
    _text(card.get("note", ""), "note", NOTE_MAX, problems)
    _record_size(card, problems)
    return problems


def raises_safety_flow(card: Mapping[str, Any]) -> bool:
    """A self-harm or suicide urge above 0 on the card: the safety flow opens
    (`SafetyTrigger.DIARY_CARD_SELF_HARM`). An unrated urge is not a yes; a wrong
    value does not hide a real one (a positive number counts whatever its type)."""
    urges = card.get("urges")
    if not isinstance(urges, Mapping) or card.get("deleted") is True:
        return False
    for name in ("self_harm", "suicide"):
        urge = urges.get(name)
        rating = urge.get("rating") if isinstance(urge, Mapping) else None
        if isinstance(rating, (int, float)) and not isinstance(rating, bool) and rating > 0:
            return True
    return False


def empty_diary_card(day: date) -> dict[str, Any]:
    """A new card for `day`: nothing rated for the person (None is "not rated yet")."""
    return {"day": day.isoformat(),
            "urges": {name: {"rating": None, "acted_on": False} for name in DIARY_URGES},
            "emotions": {}, "skills": {}, "medications_taken": None, "note": ""}


def _diary_urge(urge: Any, field: str, problems: Problems) -> None:
    if not isinstance(urge, Mapping) or set(urge) - {"rating", "acted_on"}:
        problems[field] = "must have a rating and whether it was acted on"
        return
    rating = urge.get("rating")
    if rating is not None and not _whole(rating, 0, DIARY_URGE_MAX):
        problems[f"{field}.rating"] = f"must be a whole number from 0 to {DIARY_URGE_MAX}"
    if not isinstance(urge.get("acted_on"), bool):
        problems[f"{field}.acted_on"] = "must be yes or no"


def _target_ratings(value: Any, known: set[str], problems: Problems) -> None:
    if value is None:
        return
    if not isinstance(value, Mapping):
        problems["targets"] = "must list the targets with their ratings"
        return
    if len(value) > MAX_TARGET_RATINGS:
        problems["targets"] = f"can hold at most {MAX_TARGET_RATINGS} ratings"
    for key, rating in value.items():
        if not isinstance(key, str) or not ID_PATTERN.match(key) or key not in known:
            problems[f"targets.{str(key)[:40]}"] = "is not on this diary card"
        else:
            _diary_urge(rating, f"targets.{key}", problems)


def offered_emotions(clinic_choice: Any) -> tuple[str, ...]:
    """The emotions a card asks about: the clinic's choice (a list of ids, in order) as
    far as this app can name them, each once, at most 12; the default set when the
    clinic chose none (or nothing this app knows)."""
    chosen: list[str] = []
    for emotion in clinic_choice if isinstance(clinic_choice, (list, tuple)) else ():
        if emotion in DIARY_EMOTION_IDS and emotion not in chosen:
            chosen.append(emotion)
    return tuple(chosen[:MAX_CLINIC_EMOTIONS]) or DEFAULT_DIARY_EMOTIONS


def _ratings(value: Any, field: str, known: set[str], high: int, most: int,
             problems: Problems) -> None:
    if value is None:
        return
    if not isinstance(value, Mapping):
        problems[field] = "must be a list of ratings"
        return
    if len(value) > most:
        problems[field] = f"can hold at most {most} ratings"
    for key, rating in value.items():
        if not isinstance(key, str) or not ID_PATTERN.match(key) or key not in known:
            problems[f"{field}.{str(key)[:40]}"] = "is not on this diary card"
        elif not _whole(rating, 0, high):
            problems[f"{field}.{key}"] = f"must be a whole number from 0 to {high}"


# ---------------------------------------------------------------------- thought record


def thought_record_problems(record: Mapping[str, Any]) -> Problems:
    """What stops a thought record being saved. A situation, the automatic thought and
    at least one emotion are needed; the rest may come later (it is a new version)."""
    problems: Problems = {}
    _unknown_fields(record, {"occurred_at", "situation", "automatic_thought", "emotions",
                             "evidence_for", "evidence_against", "thinking_traps",
                             "balanced_thought", "emotions_after"}, problems)
    _moment_field(record.get("occurred_at"), "occurred_at", problems)
    _text(record.get("situation"), "situation", SHORT_TEXT_MAX, problems, required=True)
    _text(record.get("automatic_thought"), "automatic_thought", SHORT_TEXT_MAX, problems,
          required=True)
    names = _thought_emotions(record.get("emotions"), "emotions", THOUGHT_EMOTIONS_MIN,
                              problems)
    for name in ("evidence_for", "evidence_against"):
        _text(record.get(name, ""), name, EVIDENCE_MAX, problems)
    traps = record.get("thinking_traps", [])
    if not isinstance(traps, list):
        problems["thinking_traps"] = "must be a list of thinking traps"
    elif any(trap not in THINKING_TRAP_IDS for trap in traps):
        problems["thinking_traps"] = "must be chosen from the list of thinking traps"
    elif len(set(traps)) != len(traps):
        problems["thinking_traps"] = "must name each thinking trap once"
    _text(record.get("balanced_thought", ""), "balanced_thought", SHORT_TEXT_MAX, problems)
    after = _thought_emotions(record.get("emotions_after", []), "emotions_after", 0, problems)
    if names is not None and after is not None and not set(after) <= set(names):
        problems["emotions_after"] = "must re-rate the emotions named before"
    _record_size(record, problems)
    return problems


def _thought_emotions(value: Any, field: str, least: int, problems: Problems) -> list[str] | None:
    """The emotions' names (folded) when the list is valid."""
    if not isinstance(value, list):
        problems[field] = "must be a list of emotions with their intensity"
        return None
    if not least <= len(value) <= THOUGHT_EMOTIONS_MAX:
        problems[field] = (f"must name {least} to {THOUGHT_EMOTIONS_MAX} emotions" if least
                           else f"can re-rate at most {THOUGHT_EMOTIONS_MAX} emotions")
        return None
    names: list[str] = []
    for index, item in enumerate(value):
        where = f"{field}.{index}"
        if not isinstance(item, Mapping) or set(item) != {"name", "intensity"}:
            problems[where] = "must have a name and an intensity"
            continue
        before = len(problems)
        _text(item["name"], f"{where}.name", EMOTION_NAME_MAX, problems, required=True,
              one_line=True)
        if not _whole(item["intensity"], 0, INTENSITY_PERCENT_MAX):
            problems[f"{where}.intensity"] = "must be a whole number from 0 to 100"
        if len(problems) == before:
            names.append(_fold(item["name"]))
    if len(set(names)) != len(names):
        problems[field] = "must name each emotion once"
    return names if len(names) == len(value) else None


# ------------------------------------------------------------------------------ urge log


def urge_log_problems(log: Mapping[str, Any], *, skills: Sequence[str] = SKILL_IDS) -> Problems:
    """What stops an urge log being saved."""
    problems: Problems = {}
    _unknown_fields(log, {"occurred_at", "intensity", "trigger", "where", "with_whom",
                          "skills_used", "what_i_did", "used", "intensity_after",
                          "lasted_minutes"}, problems)
    _moment_field(log.get("occurred_at"), "occurred_at", problems)
    if not _whole(log.get("intensity"), 0, URGE_MAX):
        problems["intensity"] = f"must be a whole number from 0 to {URGE_MAX}"
    trigger = log.get("trigger", {"category": None, "detail": ""})
    if not isinstance(trigger, Mapping) or set(trigger) - {"category", "detail"}:
        problems["trigger"] = "must have a category and a detail"
    else:
        category = trigger.get("category")
        if category is not None and category not in TRIGGER_CATEGORIES:
            problems["trigger.category"] = ("must be people, places, feelings, times, things, "
                                            "body or left blank")
        _text(trigger.get("detail", ""), "trigger.detail", PLACE_MAX, problems, one_line=True)
    for name in ("where", "with_whom"):
        _text(log.get(name, ""), name, PLACE_MAX, problems, one_line=True)
    used_skills = log.get("skills_used", [])
    if not isinstance(used_skills, list) or len(used_skills) > MAX_SKILLS_USED:
        problems["skills_used"] = f"must be a list of at most {MAX_SKILLS_USED} skills"
    elif any(skill not in skills for skill in used_skills):
        problems["skills_used"] = "must be chosen from the skills list"
    elif len(set(used_skills)) != len(used_skills):
        problems["skills_used"] = "must name each skill once"
    _text(log.get("what_i_did", ""), "what_i_did", NOTE_MAX, problems)
    if not isinstance(log.get("used"), bool):
        problems["used"] = "must be yes or no"
    after = log.get("intensity_after")
    if after is not None and not _whole(after, 0, URGE_MAX):
        problems["intensity_after"] = f"must be a whole number from 0 to {URGE_MAX}"
    lasted = log.get("lasted_minutes")
    if lasted is not None and not _whole(lasted, 0, LASTED_MINUTES_MAX):
        problems["lasted_minutes"] = f"must be a whole number of minutes from 0 to {LASTED_MINUTES_MAX}"
    _record_size(log, problems)
    return problems


# ---------------------------------------------------------------------- shared checks


def _unknown_fields(value: Mapping[str, Any], known: set[str], problems: Problems) -> None:
    for name in sorted(set(value) - known, key=str):
        problems[str(name)[:40]] = "is not a field of this log"


def _whole(value: Any, low: int, high: int) -> bool:
    return type(value) is int and low <= value <= high


def _text(value: Any, field: str, most: int, problems: Problems, *, required: bool = False,
          one_line: bool = False) -> None:
    if not isinstance(value, str):
        problems[field] = "must be text"
    elif required and not value.strip():
        problems[field] = "must not be empty"
    elif len(value) > most:
        problems[field] = f"must be at most {most} characters"
    elif _CONTROL.search(value) or (one_line and "\n" in value):
        problems[field] = ("must be one line of printable text" if one_line
                           else "can only hold printable characters")


def _moment_field(value: Any, field: str, problems: Problems) -> None:
    if moment(value) is None:
        problems[field] = "must be a date and time with its time zone"


def _record_size(value: Mapping[str, Any], problems: Problems) -> None:
    if problems:
        return
    try:
        size = len(json.dumps(value, ensure_ascii=False, allow_nan=False).encode("utf-8"))
    except (TypeError, ValueError):
        problems["log"] = "must be plain data"
        return
    if size > RECORD_BYTES_MAX:
        problems["log"] = "is too long altogether; shorten the longest answers"


def _iso_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if len(value) == 10 else None
    except ValueError:
        return None


def moment(value: Any) -> datetime | None:
    """A time-zone-aware time from an ISO string or a datetime, else None."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    if not isinstance(value, datetime) or value.utcoffset() is None:
        return None
    return value


def _fold(text: str) -> str:
    return " ".join(text.casefold().split())


def is_deleted(record: Mapping[str, Any]) -> bool:
    return record.get("deleted") is True


# ---------------------------------------------------------------------------- charts

CHART_PERIODS = (7, 30, 90)
CHART_METRICS = ("mood", "craving", "urge")


@dataclass(frozen=True)
class Summary:
    """One sentence for screen readers, as a translation key and its values."""

    key: str
    values: dict[str, Any]


@dataclass(frozen=True)
class Chart:
    metric: str
    period: int
    points: list[tuple[date, float | None]]  # oldest first; None: no entry that day
    summary: Summary


def urge_points(urge_logs: Iterable[Mapping[str, Any]], today: date, zone: tzinfo,
                days: int) -> list[tuple[date, float | None]]:
    """The average urge intensity of each calendar day in `zone`, oldest first."""
    first = today - timedelta(days=days - 1)
    by_day: dict[date, list[int]] = {}
    for log in urge_logs:
        when = moment(log.get("occurred_at"))
        intensity = log.get("intensity")
        if is_deleted(log) or when is None or not _whole(intensity, 0, URGE_MAX):
            continue
        day = when.astimezone(zone).date()
        if first <= day <= today:
            by_day.setdefault(day, []).append(intensity)
    return [(day, sum(v) / len(v) if (v := by_day.get(day)) else None)
            for day in (first + timedelta(days=offset) for offset in range(days))]


def check_in_points(check_ins: Iterable[Mapping[str, Any]], metric: str, today: date,
                    zone: tzinfo, days: int) -> list[tuple[date, float | None]]:
    """Mood or craving per day (domain/trends.py's rule: a day's check-ins averaged)."""
    return [(point.day, point.value(metric))
            for point in daily_points(check_ins, today, zone, days)]


def chart(metric: str, records: Iterable[Mapping[str, Any]], today: date, zone: tzinfo,
          period: int) -> Chart:
    """One chart: `metric` ("mood", "craving" from check-ins; "urge" from urge logs) over
    the last `period` days up to `today`, and its sentence comparing it with the
    `period` days before."""
    if period not in CHART_PERIODS:
        raise ValueError(f"a chart covers one of {CHART_PERIODS} days")
    if metric not in CHART_METRICS:
        raise ValueError(f"a chart shows one of {CHART_METRICS}")
    records = list(records)
    if metric == "urge":
        points = urge_points(records, today, zone, 2 * period)
    else:
        points = check_in_points(records, metric, today, zone, 2 * period)
    shown = points[-period:]
    return Chart(metric, period, shown, summarise(metric, period, points[:-period], shown))


def summarise(metric: str, period: int, before: Sequence[tuple[date, float | None]],
              now: Sequence[tuple[date, float | None]]) -> Summary:
    """"Craving averaged 4.2 this week, down from 5.1" as data: the averages are of the
    days with an entry, to one decimal; the direction is judged on the numbers as shown
    (so it never reads "down from 4.2 to 4.2")."""
    current, earlier = _average(now), _average(before)
    days = sum(value is not None for _, value in now)
    base = {"metric": metric, "period": period, "days": days}
    if current is None:
        return Summary("coping.chart.summary.none", base)
    shown = round(current + 1e-9, 1)
    if earlier is None:
        return Summary("coping.chart.summary.average", {**base, "average": shown})
    previous = round(earlier + 1e-9, 1)
    direction = "up" if shown > previous else "down" if shown < previous else "same"
    return Summary(f"coping.chart.summary.{direction}",
                   {**base, "average": shown, "before": previous})


def _average(points: Iterable[tuple[date, float | None]]) -> float | None:
    values = [value for _, value in points if value is not None]
    return sum(values) / len(values) if values else None


def _day_of(record: Mapping[str, Any], zone: tzinfo) -> date | None:
    day = record.get("day")
    if isinstance(day, str):
        return _iso_date(day)
    when = moment(record.get("occurred_at"))
    return when.astimezone(zone).date() if when is not None else None


def _within(records: Iterable[Mapping[str, Any]], first: date, last: date,
            zone: tzinfo) -> list[Mapping[str, Any]]:
    found = []
    for record in records:
        day = _day_of(record, zone)
        if not is_deleted(record) and day is not None and first <= day <= last:
            found.append(record)
    return found


@dataclass(frozen=True)
class SkillUse:
    """How often a skill was used, and how much it helped where that is known.

    `helped_share`: of the diary-card days it was used on (rated 4-7), the share rated
    "helped" (5 or 7); `average_drop`: over the urge logs that used it and rated the urge
    afterwards, how many points the urge fell on average. None: nothing to go on."""

    skill_id: str
    times_used: int
    helped_share: float | None
    average_drop: float | None


def skills_used_most(diary_cards: Iterable[Mapping[str, Any]],
                     urge_logs: Iterable[Mapping[str, Any]], first: date, last: date,
                     zone: tzinfo) -> list[SkillUse]:
    """Skills by how often they were used from `first` to `last` (most first, then by id)."""
    used: Counter[str] = Counter()
    helped: Counter[str] = Counter()
    drops: dict[str, list[int]] = {}
    for card in _within(diary_cards, first, last, zone):
        skills = card.get("skills")
        for skill_id, rating in (skills.items() if isinstance(skills, Mapping) else ()):
            if _whole(rating, SKILL_USED_FROM, DIARY_SKILL_MAX):
                used[skill_id] += 1
                helped[skill_id] += rating in SKILL_HELPED
    card_uses = Counter(used)
    for log in _within(urge_logs, first, last, zone):
        skills_used = log.get("skills_used")
        for skill_id in set(skills_used) if isinstance(skills_used, list) else ():
            if not isinstance(skill_id, str):
                continue
            used[skill_id] += 1
            after, intensity = log.get("intensity_after"), log.get("intensity")
            if _whole(after, 0, URGE_MAX) and _whole(intensity, 0, URGE_MAX):
                drops.setdefault(skill_id, []).append(intensity - after)
    return [
        SkillUse(skill_id, count,
                 helped[skill_id] / card_uses[skill_id] if card_uses[skill_id] else None,
                 sum(drops[skill_id]) / len(drops[skill_id]) if skill_id in drops else None)
        for skill_id, count in sorted(used.items(), key=lambda item: (-item[1], item[0]))]


@dataclass(frozen=True)
class TriggerCount:
    source: str   # "urge_log" (a category) or "check_in" (a trigger as typed, folded)
    trigger: str
    count: int


def triggers_by_frequency(urge_logs: Iterable[Mapping[str, Any]],
                          check_ins: Iterable[Mapping[str, Any]], first: date, last: date,
                          zone: tzinfo) -> list[TriggerCount]:
    """Urge logs' trigger categories and check-ins' triggers, most frequent first."""
    counts: Counter[tuple[str, str]] = Counter()
    for log in _within(urge_logs, first, last, zone):
        trigger = log.get("trigger")
        category = trigger.get("category") if isinstance(trigger, Mapping) else None
        if category in TRIGGER_CATEGORIES:
            counts["urge_log", category] += 1
    for check_in in check_ins:
        when = moment(check_in.get("created_at"))
        if when is None or not first <= when.astimezone(zone).date() <= last:
            continue
        triggers = check_in.get("triggers")
        for text in {_fold(t) for t in triggers if isinstance(t, str) and t.strip()} if \
                isinstance(triggers, list) else ():
            counts["check_in", text] += 1
    return [TriggerCount(source, trigger, count) for (source, trigger), count in
            sorted(counts.items(), key=lambda item: (-item[1], item[0]))]
