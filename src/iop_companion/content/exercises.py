"""Loads the practice exercises from `assets/exercises/<exercise_id>.json`.

Pure and Flet-free (the clinic server may import `exercise_ids()`), like
`content/modules.py`, which this module follows: strict validation that names the
file and the field, and a bad file is left out and reported, never a crash.

One file holds one exercise in every language it has (format version 1). The timing
is the same in every language, so it is written once; each text is an object of
language code to text, and English is required::

    {
      "format_version": 1,
      "id": "box-breathing",            # the file's name; what a session record names
      "order": 10,                      # where it sits in the list (low first)
      "kind": "breathing",              # breathing | guided | timer
      "audience": ["participant", "family"],
      "rating": "distress",             # what the 0-10 before/after rating asks about
      "durations": [1, 3, 5, 10],       # minutes the person can choose from
      "default_minutes": 3,
      "title": {"en": "...", "es": "..."},
      "summary": {"en": "...", "es": "..."},
      "before": [{"en": "...", "es": "..."}],   # how to do it, shown before starting
      "caution": {"en": "...", "es": "..."},    # optional: a health caution, shown first
      # breathing: one breath, repeated for the whole session
      "pattern": [{"phase": "in", "seconds": 4, "cue": {"en": "Breathe in", ...}}, ...],
      # guided and timer: timed steps (their seconds add up to the shortest duration;
      # a longer duration gives the extra time to the steps marked "stretch")
      "steps": [{"seconds": 30, "stretch": false, "cue": {...}, "text": {...}}, ...],
      "bell_every_seconds": 120,        # timer only, optional: a bell between steps
      "sources": [{"publisher": "...", "title": "...", "url": "https://..."}]
    }

Breath phases: "in" (the pacer grows), "hold" (stays full), "out" (shrinks), "rest"
(stays small).
"""

from __future__ import annotations

import functools
import json
import logging
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from iop_companion.paths import find_assets_dir

logger = logging.getLogger(__name__)

FORMAT_VERSION = 1
BASE_LANGUAGE = "en"
# The same rule as the practice_session payload's exercise id (a test keeps them equal).
EXERCISE_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,63}$"
_EXERCISE_ID = re.compile(EXERCISE_ID_PATTERN)
_LANGUAGE = re.compile(r"^[a-z]{2}$")
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
MAX_FILE_BYTES = 64 * 1024
MAX_MINUTES = 60
AUDIENCES = frozenset({"participant", "family"})

_FIELDS = frozenset({"format_version", "id", "order", "kind", "audience", "rating",
                     "durations", "default_minutes", "title", "summary", "before",
                     "caution", "pattern", "steps", "bell_every_seconds", "sources"})
_OPTIONAL = frozenset({"caution", "pattern", "steps", "bell_every_seconds"})


class ExerciseKind(StrEnum):
    BREATHING = "breathing"  # a breath pattern repeated, with the animated pacer
    GUIDED = "guided"        # timed steps, each with its words
    TIMER = "timer"          # timed steps and interval bells ("just sit")


class RatingKind(StrEnum):
    DISTRESS = "distress"
    CRAVING = "craving"


class BreathPhase(StrEnum):
    IN = "in"
    HOLD = "hold"    # held full
    OUT = "out"
    REST = "rest"    # held empty


@dataclass(frozen=True)
class Text:
    """One text in several languages; `in_language` falls back to English."""

    by_language: tuple[tuple[str, str], ...]

    def in_language(self, language: str) -> str:
        texts = dict(self.by_language)
        return texts.get(language) or texts[BASE_LANGUAGE]

    @property
    def languages(self) -> frozenset[str]:
        return frozenset(code for code, _ in self.by_language)


@dataclass(frozen=True)
class PatternPhase:
    phase: BreathPhase
    seconds: int
    cue: Text


@dataclass(frozen=True)
class Step:
    seconds: int        # at the shortest duration
    stretch: bool       # takes a share of the extra time of a longer duration
    cue: Text           # a word or two, shown large
    text: Text          # what to do, shown and read aloud


@dataclass(frozen=True)
class Source:
    publisher: str
    title: str
    url: str


@dataclass(frozen=True)
class Exercise:
    id: str
    order: int
    kind: ExerciseKind
    audience: frozenset[str]
    rating: RatingKind
    durations: tuple[int, ...]   # minutes, ascending
    default_minutes: int
    title: Text
    summary: Text
    before: tuple[Text, ...]
    caution: Text | None
    pattern: tuple[PatternPhase, ...]  # breathing only
    steps: tuple[Step, ...]            # guided and timer only
    bell_every_seconds: int | None     # timer only
    sources: tuple[Source, ...]


@dataclass(frozen=True)
class ExerciseProblem:
    """An exercise file that was left out, and why (for logs and tests)."""

    file: Path
    reason: str

    def __str__(self) -> str:
        return f"{self.file}: {self.reason}"


class ExerciseFileError(ValueError):
    """An exercise file is unreadable or breaks the format; the message names the file."""

    def __init__(self, file: Path, reason: str) -> None:
        super().__init__(f"{file}: {reason}")
        self.file = file
        self.reason = reason


@dataclass(frozen=True)
class ExerciseLibrary:
    """The exercises this app version can run, in list order, and the files it skipped."""

    exercises: tuple[Exercise, ...]
    problems: tuple[ExerciseProblem, ...] = ()

    def get(self, exercise_id: str) -> Exercise | None:
        for exercise in self.exercises:
            if exercise.id == exercise_id:
                return exercise
        return None

    @property
    def ids(self) -> frozenset[str]:
        return frozenset(exercise.id for exercise in self.exercises)

    def for_audience(self, audience: str) -> tuple[Exercise, ...]:
        return tuple(e for e in self.exercises if audience in e.audience)

    def __contains__(self, exercise_id: object) -> bool:
        return any(exercise.id == exercise_id for exercise in self.exercises)

    def __iter__(self) -> Iterator[Exercise]:
        return iter(self.exercises)

    def __len__(self) -> int:
        return len(self.exercises)


def exercises_dir(assets_dir: Path | None = None) -> Path:
    return (assets_dir if assets_dir is not None else find_assets_dir()) / "exercises"


def load_library(assets_dir: Path | None = None) -> ExerciseLibrary:
    """Read every exercise file; never raises for a bad file: it is skipped and listed
    in `problems`."""
    folder = exercises_dir(assets_dir)
    problems: list[ExerciseProblem] = []
    found: dict[str, Exercise] = {}
    if not folder.is_dir():
        problems.append(ExerciseProblem(folder, "the exercises folder is missing"))
    else:
        for path in sorted(folder.glob("*.json")):
            try:
                exercise = load_exercise_file(path)
            except ExerciseFileError as error:
                problems.append(ExerciseProblem(error.file, error.reason))
                continue
            found[exercise.id] = exercise
    for problem in problems:
        # File names and reasons only: exercise files hold no one's data.
        logger.warning("Exercise left out: %s", problem)
    exercises = tuple(sorted(found.values(), key=lambda e: (e.order, e.id)))
    return ExerciseLibrary(exercises=exercises, problems=tuple(problems))


@functools.cache
def cached_library(assets_dir: Path | None = None) -> ExerciseLibrary:
    """`load_library`, read once per process (the files ship with the app)."""
    return load_library(assets_dir)


@functools.cache
def exercise_ids() -> frozenset[str]:
    return cached_library(None).ids


def load_exercise_file(path: Path) -> Exercise:
    """Read and check one exercise file. Raises ExerciseFileError naming the file."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ExerciseFileError(path, f"cannot be read ({error.strerror or error})") from None
    if len(raw) > MAX_FILE_BYTES:
        raise ExerciseFileError(path, f"is larger than {MAX_FILE_BYTES // 1024} KB")
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ExerciseFileError(path, "is not UTF-8 text") from None
    except json.JSONDecodeError as error:
        raise ExerciseFileError(path, f"is not valid JSON (line {error.lineno}, column "
                                      f"{error.colno}: {error.msg})") from None
    try:
        return exercise_from_data(data, expected_id=path.stem)
    except _Invalid as invalid:
        raise ExerciseFileError(path, str(invalid)) from None


class _Invalid(ValueError):
    """What is wrong with an exercise's content, naming the field."""


def exercise_from_data(data: Any, *, expected_id: str) -> Exercise:
    if not isinstance(data, dict):
        raise _Invalid("must hold a JSON object")
    version = data.get("format_version")
    if type(version) is not int:
        raise _Invalid("'format_version' must be a whole number")
    if version > FORMAT_VERSION:
        raise _Invalid(f"uses format version {version}; this app reads version "
                       f"{FORMAT_VERSION}")
    if version < 1:
        raise _Invalid("'format_version' must be 1 or more")
    unknown = sorted(set(data) - _FIELDS)
    if unknown:
        raise _Invalid(f"has unknown field(s): {', '.join(repr(k) for k in unknown)}")
    missing = sorted(_FIELDS - _OPTIONAL - set(data))
    if missing:
        raise _Invalid(f"is missing field(s): {', '.join(repr(k) for k in missing)}")

    exercise_id = data.get("id")
    if not isinstance(exercise_id, str) or not _EXERCISE_ID.match(exercise_id):
        raise _Invalid("'id' must be lower-case letters, digits and hyphens")
    if exercise_id != expected_id:
        raise _Invalid(f"'id' is {exercise_id!r} but the file is named {expected_id!r}.json")
    kind = _choice(data, "kind", ExerciseKind)
    rating = _choice(data, "rating", RatingKind)
    audience = data.get("audience")
    if (not isinstance(audience, list) or not audience
            or not all(isinstance(a, str) and a in AUDIENCES for a in audience)):
        raise _Invalid(f"'audience' must be a list of: {', '.join(sorted(AUDIENCES))}")
    durations = data.get("durations")
    if (not isinstance(durations, list) or not 1 <= len(durations) <= 6
            or not all(type(m) is int and 1 <= m <= MAX_MINUTES for m in durations)
            or durations != sorted(set(durations))):
        raise _Invalid(f"'durations' must be 1 to 6 different whole minutes from 1 to "
                       f"{MAX_MINUTES}, smallest first")
    default_minutes = data.get("default_minutes")
    if default_minutes not in durations or type(default_minutes) is not int:
        raise _Invalid("'default_minutes' must be one of the 'durations'")

    pattern: tuple[PatternPhase, ...] = ()
    steps: tuple[Step, ...] = ()
    bell_every: int | None = None
    if kind is ExerciseKind.BREATHING:
        if "steps" in data or "bell_every_seconds" in data:
            raise _Invalid("a breathing exercise has a 'pattern', not 'steps' or bells")
        pattern = _pattern(data.get("pattern"))
    else:
        if "pattern" in data:
            raise _Invalid(f"a {kind.value} exercise has 'steps', not a 'pattern'")
        steps = _steps(data.get("steps"), durations[0])
        if "bell_every_seconds" in data:
            if kind is not ExerciseKind.TIMER:
                raise _Invalid("only a timer exercise has 'bell_every_seconds'")
            bell_every = data["bell_every_seconds"]
            if type(bell_every) is not int or not 30 <= bell_every <= 1800:
                raise _Invalid("'bell_every_seconds' must be a whole number from 30 to 1800")

    sources = tuple(
        Source(publisher=_line(item, "publisher", 80, f"sources[{i}]"),
               title=_line(item, "title", 200, f"sources[{i}]"),
               url=_url(item, f"sources[{i}]"))
        for i, item in enumerate(_objects(data, "sources", 1, 6,
                                          {"publisher", "title", "url"})))
    befores = data.get("before")
    if not isinstance(befores, list) or not 1 <= len(befores) <= 8:
        raise _Invalid("'before' must be a list of 1 to 8 texts")
    return Exercise(
        id=exercise_id,
        order=_whole(data, "order", 0, 10_000),
        kind=kind,
        audience=frozenset(audience),
        rating=rating,
        durations=tuple(durations),
        default_minutes=default_minutes,
        title=_text(data.get("title"), "title", 60),
        summary=_text(data.get("summary"), "summary", 240),
        before=tuple(_text(item, f"before[{i}]", 400) for i, item in enumerate(befores)),
        caution=_text(data["caution"], "caution", 600) if "caution" in data else None,
        pattern=pattern,
        steps=steps,
        bell_every_seconds=bell_every,
        sources=sources,
    )


def _pattern(value: Any) -> tuple[PatternPhase, ...]:
    if not isinstance(value, list) or not 2 <= len(value) <= 6:
        raise _Invalid("'pattern' must be a list of 2 to 6 breath phases")
    phases = []
    for index, item in enumerate(value):
        where = f"pattern[{index}]"
        item = _object(item, where, {"phase", "seconds", "cue"})
        phase = _choice(item, "phase", BreathPhase, where)
        seconds = item.get("seconds")
        if type(seconds) is not int or not 1 <= seconds <= 20:
            raise _Invalid(f"'{where}.seconds' must be a whole number from 1 to 20")
        phases.append(PatternPhase(phase, seconds, _text(item.get("cue"), f"{where}.cue", 40)))
    kinds = [p.phase for p in phases]
    if BreathPhase.IN not in kinds or BreathPhase.OUT not in kinds:
        raise _Invalid("'pattern' must breathe in and out")
    return tuple(phases)


def _steps(value: Any, shortest_minutes: int) -> tuple[Step, ...]:
    if not isinstance(value, list) or not 1 <= len(value) <= 30:
        raise _Invalid("'steps' must be a list of 1 to 30 steps")
    steps = []
    for index, item in enumerate(value):
        where = f"steps[{index}]"
        item = _object(item, where, {"seconds", "stretch", "cue", "text"})
        seconds = item.get("seconds")
        if type(seconds) is not int or not 5 <= seconds <= 1800:
            raise _Invalid(f"'{where}.seconds' must be a whole number from 5 to 1800")
        stretch = item.get("stretch", False)
        if type(stretch) is not bool:
            raise _Invalid(f"'{where}.stretch' must be true or false")
        steps.append(Step(seconds, stretch, _text(item.get("cue"), f"{where}.cue", 40),
                          _text(item.get("text"), f"{where}.text", 400)))
    total = sum(step.seconds for step in steps)
    if total != shortest_minutes * 60:
        raise _Invalid(f"the steps last {total} s but the shortest duration is "
                       f"{shortest_minutes * 60} s")
    if not any(step.stretch for step in steps):
        raise _Invalid("at least one step must be marked \"stretch\" (it takes the extra "
                       "time of a longer duration)")
    return tuple(steps)


def _text(value: Any, where: str, max_length: int) -> Text:
    if not isinstance(value, dict) or BASE_LANGUAGE not in value:
        raise _Invalid(f"'{where}' must be an object of texts by language, with "
                       f"{BASE_LANGUAGE!r}")
    texts = []
    for code, text in value.items():
        if not isinstance(code, str) or not _LANGUAGE.match(code):
            raise _Invalid(f"'{where}' has a language code that is not two letters")
        if not isinstance(text, str) or not text.strip():
            raise _Invalid(f"'{where}.{code}' must be non-empty text")
        if len(text) > max_length:
            raise _Invalid(f"'{where}.{code}' can be at most {max_length} characters")
        if _CONTROL_CHARACTERS.search(text):
            raise _Invalid(f"'{where}.{code}' holds a line break or control character")
        texts.append((code, text.strip()))
    return Text(tuple(texts))


def _choice(data: Mapping[str, Any], name: str, choices: type[StrEnum], where: str = ""):
    value = data.get(name)
    allowed = [c.value for c in choices]  # type: ignore[attr-defined]
    if value not in allowed:
        label = f"{where}.{name}" if where else name
        raise _Invalid(f"'{label}' must be one of: {', '.join(allowed)}")
    return choices(value)


def _objects(data: Mapping[str, Any], name: str, min_items: int, max_items: int,
             fields: set[str]) -> list[Mapping[str, Any]]:
    items = data.get(name)
    if not isinstance(items, list) or not min_items <= len(items) <= max_items:
        raise _Invalid(f"'{name}' must be a list of {min_items} to {max_items} items")
    return [_object(item, f"{name}[{index}]", fields) for index, item in enumerate(items)]


def _object(item: Any, where: str, fields: set[str]) -> Mapping[str, Any]:
    if not isinstance(item, dict):
        raise _Invalid(f"'{where}' must be an object")
    unknown = sorted(set(item) - fields)
    if unknown:
        raise _Invalid(f"'{where}' has unknown field(s): "
                       f"{', '.join(repr(k) for k in unknown)}")
    return item


def _line(item: Mapping[str, Any], name: str, max_length: int, where: str) -> str:
    value = item.get(name)
    if not isinstance(value, str) or not value.strip() or len(value) > max_length:
        raise _Invalid(f"'{where}.{name}' must be text of 1 to {max_length} characters")
    if _CONTROL_CHARACTERS.search(value):
        raise _Invalid(f"'{where}.{name}' holds a line break or control character")
    return value.strip()


def _whole(data: Mapping[str, Any], name: str, low: int, high: int) -> int:
    value = data.get(name)
    if type(value) is not int or not low <= value <= high:
        raise _Invalid(f"'{name}' must be a whole number from {low} to {high}")
    return value


def _url(item: Mapping[str, Any], where: str) -> str:
    url = _line(item, "url", 500, where)
    if not url.startswith("https://") or " " in url:
        raise _Invalid(f"'{where}.url' must be an https:// address")
    return url
