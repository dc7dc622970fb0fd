"""Practice exercises as pure rules: where a session is at any moment, and what it adds up to.

- `Schedule`: the exact timeline of one session. A breathing pattern repeats from the
  first second to the last (the 600th second of a 10-minute box-breathing session,
  599 to 600 s, is the 8th second of its 38th breath: the hold after breathing in);
  guided steps run once, a longer
  duration giving its extra time to the steps marked "stretch". The session lasts
  exactly the minutes chosen, so what the person chose is what they get.
- `SessionClock`: pause, resume and stop, on a monotonic clock the caller passes in
  (never the wall clock: a phone changing time zone must not add or lose minutes).
- What a finished session records (`session_content`) and what the lists show
  (minutes this week, recently used, favourites), and which exercise a homework names.

Nothing here imports Flet, the store or the content files: the exercise's timing
arrives as plain numbers.
"""

from __future__ import annotations

import bisect
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

STEP = "step"  # a guided step (breath phases are "in", "hold", "out", "rest")
RATING_MIN, RATING_MAX = 0, 10
MAX_SESSION_MINUTES = 60
RECENT_LIMIT = 3


@dataclass(frozen=True)
class Phase:
    """One part of the timeline: a breath phase ("in", "hold", "out", "rest") or a
    guided step ("step"); `index` is its place in the exercise's pattern or steps."""

    kind: str
    seconds: int
    index: int


@dataclass(frozen=True)
class PhaseAt:
    """Where a session is at one moment."""

    kind: str
    index: int          # which phase of the pattern, or which step
    ordinal: int        # how many phases began before this one (changes = a new phase)
    start: float        # seconds from the session's start
    end: float
    seconds_left: int   # the countdown shown for this phase (4, 3, 2, 1)
    session_left: int   # whole seconds left in the session, rounded up
    progress: float     # 0 to 1 through this phase
    finished: bool


class Schedule:
    """The timeline of one session of `duration_seconds`.

    `repeat=True` (breathing): `phases` is one breath, repeated to the end, and the
    last breath is cut where the time ends. `repeat=False` (steps): `phases` must fill
    the duration exactly (see `stretch_steps`).
    """

    def __init__(self, phases: Sequence[Phase], duration_seconds: int, *, repeat: bool,
                 bell_every_seconds: int | None = None) -> None:
        if not phases or any(p.seconds <= 0 for p in phases):
            raise ValueError("a schedule needs phases of at least one second")
        if duration_seconds <= 0:
            raise ValueError("a session lasts at least one second")
        self.phases = tuple(phases)
        self.duration = duration_seconds
        self.repeat = repeat
        self.cycle = sum(p.seconds for p in self.phases)
        if not repeat and self.cycle != duration_seconds:
            raise ValueError("steps must fill the session exactly")
        self._starts = [sum(p.seconds for p in self.phases[:i]) for i in range(len(phases))]
        self.bells = tuple(range(bell_every_seconds, duration_seconds, bell_every_seconds)
                           ) if bell_every_seconds else ()

    def phase_at(self, elapsed: float) -> PhaseAt:
        """Where the session is `elapsed` seconds after it started (paused time not
        counted). At or after the end: the last phase, `finished`."""
        t = min(max(float(elapsed), 0.0), float(self.duration))
        finished = t >= self.duration
        if finished:
            t_in = math.nextafter(float(self.duration), 0.0)  # the last instant
        else:
            t_in = t
        cycle_number, offset = divmod(t_in, self.cycle) if self.repeat else (0.0, t_in)
        index = bisect.bisect_right(self._starts, offset) - 1
        phase = self.phases[index]
        start = cycle_number * self.cycle + self._starts[index]
        end = min(start + phase.seconds, float(self.duration))
        return PhaseAt(
            kind=phase.kind,
            index=phase.index,
            ordinal=int(cycle_number) * len(self.phases) + index,
            start=start,
            end=end,
            seconds_left=0 if finished else max(1, math.ceil(end - t - 1e-9)),
            session_left=0 if finished else math.ceil(self.duration - t - 1e-9),
            progress=1.0 if finished else (t - start) / (end - start),
            finished=finished,
        )

    def changes(self) -> list[float]:
        """When each phase after the first begins, in seconds from the start."""
        times: list[float] = []
        if self.repeat:
            cycles = math.ceil(self.duration / self.cycle)
            for number in range(cycles):
                for start in self._starts:
                    moment = number * self.cycle + start
                    if 0 < moment < self.duration:
                        times.append(float(moment))
        else:
            times = [float(start) for start in self._starts[1:]]
        return times

    def cues(self) -> list[float]:
        """Every moment that gets a cue (a phase change, or a bell), in order."""
        return sorted(set(self.changes()) | {float(b) for b in self.bells})

    def next_event_after(self, elapsed: float) -> float:
        """The next moment the screen must change after `elapsed`: the countdown's next
        second, a phase change, a bell or the end (whichever is first)."""
        at = self.phase_at(elapsed)
        if at.finished:
            return float(self.duration)
        # The countdown ticks on whole seconds counted back from the phase's end.
        tick = at.end - (at.seconds_left - 1) if at.seconds_left > 1 else at.end
        if tick <= elapsed:
            tick = at.end
        bells = [b for b in self.bells if b > elapsed]
        return min([tick, at.end, float(self.duration), *(float(b) for b in bells[:1])])

    def bell_between(self, before: float, after: float) -> bool:
        """Whether a bell rings in (before, after]."""
        return any(before < b <= after for b in self.bells)


def breathing_schedule(pattern: Sequence[tuple[str, int]], minutes: int) -> Schedule:
    """A breath pattern such as [("in", 4), ("hold", 4), ("out", 4), ("rest", 4)],
    repeated for `minutes`."""
    phases = [Phase(kind, seconds, index) for index, (kind, seconds) in enumerate(pattern)]
    return Schedule(phases, _seconds(minutes), repeat=True)


def steps_schedule(steps: Sequence[tuple[int, bool]], minutes: int, *,
                   bell_every_seconds: int | None = None) -> Schedule:
    """Guided steps (their seconds at the shortest duration, and whether each stretches)
    laid out over `minutes`."""
    seconds = stretch_steps(steps, _seconds(minutes))
    phases = [Phase(STEP, length, index) for index, length in enumerate(seconds)]
    return Schedule(phases, _seconds(minutes), repeat=False,
                    bell_every_seconds=bell_every_seconds)


def stretch_steps(steps: Sequence[tuple[int, bool]], total_seconds: int) -> list[int]:
    """Each step's length in a session of `total_seconds`: the steps' own seconds, plus
    the extra time shared among the stretching steps in proportion to their length, in
    whole seconds that add up exactly (largest remainders first, then earlier steps)."""
    base = sum(seconds for seconds, _ in steps)
    extra = total_seconds - base
    if extra < 0:
        raise ValueError("the session is shorter than its steps")
    stretch_total = sum(seconds for seconds, stretch in steps if stretch)
    if extra and not stretch_total:
        raise ValueError("no step can take the extra time")
    lengths = [seconds for seconds, _ in steps]
    if not extra:
        return lengths
    shares = [(extra * seconds / stretch_total if stretch else 0.0)
              for seconds, stretch in steps]
    whole = [math.floor(share) for share in shares]
    left = extra - sum(whole)
    order = sorted(range(len(steps)), key=lambda i: (-(shares[i] - whole[i]), i))
    for i in order[:left]:
        whole[i] += 1
    return [length + add for length, add in zip(lengths, whole, strict=True)]


def _seconds(minutes: int) -> int:
    if type(minutes) is not int or not 1 <= minutes <= MAX_SESSION_MINUTES:
        raise ValueError(f"a session lasts 1 to {MAX_SESSION_MINUTES} minutes")
    return minutes * 60


# ----------------------------------------------------------------- pause, resume, stop


@dataclass(frozen=True)
class Outcome:
    """What a session amounted to when it ended."""

    seconds_completed: int
    ended_early: bool

    @property
    def minutes_completed(self) -> float:
        return round(self.seconds_completed / 60, 1)


@dataclass(frozen=True)
class SessionClock:
    """A session's running time, on a monotonic clock passed in by the caller.

    `banked` is the time run before the current stretch; `running_since` the
    monotonic moment the current stretch began (None while paused).
    """

    planned_seconds: int
    banked: float = 0.0
    running_since: float | None = None

    @classmethod
    def started(cls, planned_seconds: int, now: float) -> SessionClock:
        return cls(planned_seconds, 0.0, now)

    @property
    def paused(self) -> bool:
        return self.running_since is None

    def elapsed(self, now: float) -> float:
        running = 0.0 if self.running_since is None else max(0.0, now - self.running_since)
        return min(float(self.planned_seconds), self.banked + running)

    def finished(self, now: float) -> bool:
        return self.elapsed(now) >= self.planned_seconds

    def pause(self, now: float) -> SessionClock:
        if self.paused:
            return self
        return replace(self, banked=self.elapsed(now), running_since=None)

    def resume(self, now: float) -> SessionClock:
        if not self.paused:
            return self
        return replace(self, running_since=now)

    def outcome(self, now: float) -> Outcome:
        """Stopping now: whole seconds done, and whether that is before the end."""
        elapsed = self.elapsed(now)
        return Outcome(seconds_completed=int(elapsed),
                       ended_early=elapsed < self.planned_seconds)


# ------------------------------------------------------------------ records and lists


def rating_problem(value: object) -> str | None:
    """Translation key of what is wrong with a 0-10 rating; None when it is fine (or
    left out: ratings are optional)."""
    if value is None:
        return None
    if type(value) is not int or not RATING_MIN <= value <= RATING_MAX:
        return "practice.error.rating"
    return None


def session_content(*, exercise_id: str, started_at: datetime, planned_minutes: int,
                    outcome: Outcome, rating_kind: str, rating_before: int | None,
                    rating_after: int | None, homework_id: str | None) -> dict[str, Any]:
    """A practice_session record's content (without the store's envelope)."""
    for rating in (rating_before, rating_after):
        if rating_problem(rating) is not None:
            raise ValueError("a rating is a whole number from 0 to 10")
    if started_at.utcoffset() is None:
        raise ValueError("started_at must carry its time zone")
    seconds = min(outcome.seconds_completed, planned_minutes * 60)
    return {
        "exercise_id": exercise_id,
        "started_at": started_at.isoformat(),
        "planned_minutes": planned_minutes,
        "seconds_completed": seconds,
        "ended_early": outcome.ended_early,
        "rating_kind": rating_kind,
        "rating_before": rating_before,
        "rating_after": rating_after,
        "homework_id": homework_id,
    }


def week_start(day: date) -> date:
    """Monday of `day`'s week."""
    return day - timedelta(days=day.weekday())


def seconds_this_week(sessions: Iterable[Mapping[str, Any]], today: date,
                      zone: tzinfo) -> int:
    """Seconds practised from Monday of this week (on `zone`'s calendar) to now."""
    monday = week_start(today)
    total = 0
    for session in sessions:
        started = _moment(session.get("started_at"))
        if started is None:
            continue
        day = started.astimezone(zone).date()
        if monday <= day <= today:
            seconds = session.get("seconds_completed")
            if type(seconds) is int and seconds > 0:
                total += seconds
    return total


def minutes_label_value(seconds: int) -> int:
    """Whole minutes to show for `seconds` practised (30 s or more counts as a minute:
    a short practice still shows)."""
    return (seconds + 30) // 60


def recently_used(sessions: Iterable[Mapping[str, Any]],
                  limit: int = RECENT_LIMIT) -> list[str]:
    """Exercise ids, most recently started first, each once."""
    dated = sorted(((str(s.get("started_at") or ""), str(s.get("exercise_id") or ""))
                    for s in sessions), reverse=True)
    seen: list[str] = []
    for _, exercise_id in dated:
        if exercise_id and exercise_id not in seen:
            seen.append(exercise_id)
        if len(seen) >= limit:
            break
    return seen


def toggled(favourites: Sequence[str], exercise_id: str) -> list[str]:
    """The favourites with `exercise_id` added (at the end) or taken out."""
    if exercise_id in favourites:
        return [f for f in favourites if f != exercise_id]
    return [*favourites, exercise_id]


def _fold(text: str) -> str:
    """Lower case without accents, and punctuation as spaces ("Respiración 4-7-8" ->
    "respiracion 4 7 8"), so a name matches however it was typed."""
    plain = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w]+", " ", plain).split())


def exercise_named_in(text: str, names: Mapping[str, Iterable[str]]) -> str | None:
    """The exercise a homework's title or instructions name, if one does.

    `names`: exercise id -> the names it goes by (its titles in each language; its id
    counts too). The longest name found wins ("box breathing" over "breathing"), so
    "Practise 4-7-8 breathing" finds 4-7-8 breathing, not some other breathing.
    """
    haystack = f" {_fold(text)} "
    best: tuple[int, str] | None = None
    for exercise_id, aliases in names.items():
        for alias in {*aliases, exercise_id}:
            needle = _fold(alias)
            if needle and f" {needle} " in haystack and (best is None or len(needle) > best[0]):
                best = (len(needle), exercise_id)
    return best[1] if best else None


def _moment(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.utcoffset() is not None else None
