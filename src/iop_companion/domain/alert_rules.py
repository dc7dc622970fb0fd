"""When the clinic raises an alert about a participant: the rules, on plain data, with
thresholds the clinic sets. Pure functions; the server (clinic/alert_evaluation.py)
feeds them what it stores and files what they return as alerts.

The rules, and what each looks at:

* a safety flag the phone sent (a self-harm answer, a safety-flow activation, "tell my
  clinic I need support", PHQ-9 item 9): always, no threshold;
* a PHQ-9 result: item 9 above 0 (always: there is no threshold on item 9, so a phone
  that failed to send its flag still alerts), a total of `phq9_total_at_least` or more,
  and a rise of `phq9_rise_at_least` points or more since the previous PHQ-9;
* a check-in: a "yes" to the self-harm question (as the item-9 rule, in case the
  flag never came), use reported after `use_after_days_without` days or more without,
  and a craving of `craving_at_least` or more on `craving_days_running` days running;
* silence: no check-in for `days_without_check_in` whole days;
* attendance: `missed_sessions_in_a_row` sessions missed in a row.

Days are calendar days in one time zone (the caller's choice; the clinic uses its own).
A day without a check-in is a gap: it breaks a run of high cravings, and it never
counts as a day of use or of no use.

Each raised alert names what it is about (`about`), so raising it again from the same
data (a replay, a later check-in that finds the same run, reading the list twice) is
recognisably the same happening, not a new one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from types import MappingProxyType


class AlertTrigger(StrEnum):
    """What raised an alert. The first four come from the phone as safety flags (and the
    first and fourth from the data itself too); the rest only the clinic raises."""

    PARTICIPANT_REQUEST = "participant_request"
    CHECK_IN_SELF_HARM = "check_in_self_harm"
    DIARY_CARD_SELF_HARM = "diary_card_self_harm"
    PHQ9_ITEM9 = "phq9_item9"
    USE_AFTER_ABSTINENCE = "use_after_abstinence"
    PHQ9_SEVERE = "phq9_severe"
    PHQ9_RISE = "phq9_rise"
    CRAVING_RUN = "craving_run"
    MISSED_SESSIONS = "missed_sessions"
    NO_CHECK_IN = "no_check_in"


SAFETY_FLAG_TRIGGERS = frozenset({
    AlertTrigger.PARTICIPANT_REQUEST,
    AlertTrigger.CHECK_IN_SELF_HARM,
    AlertTrigger.DIARY_CARD_SELF_HARM,
    AlertTrigger.PHQ9_ITEM9,
})

# What a clinic may set each threshold to (inclusive). Below these a rule would fire on
# ordinary days (a craving of 3, a 1-point PHQ-9 change, within its measurement error).
THRESHOLD_BOUNDS: Mapping[str, tuple[int, int]] = MappingProxyType({
    "phq9_total_at_least": (10, 27),  # 10 moderate, 15 moderately severe, 20 severe
    "phq9_rise_at_least": (3, 27),
    "use_after_days_without": (1, 90),
    "craving_at_least": (5, 10),
    "craving_days_running": (1, 14),
    "days_without_check_in": (1, 14),
    "missed_sessions_in_a_row": (1, 10),
})


@dataclass(frozen=True)
class AlertThresholds:
    """The thresholds a clinic sets; the defaults are the program's."""

    phq9_total_at_least: int = 20  # "severe" (Kroenke et al., 2001)
    phq9_rise_at_least: int = 5  # a clinically meaningful change
    use_after_days_without: int = 7
    craving_at_least: int = 8
    craving_days_running: int = 3
    days_without_check_in: int = 3
    missed_sessions_in_a_row: int = 2

    def __post_init__(self) -> None:
        for name, value in self.as_dict().items():
            low, high = THRESHOLD_BOUNDS[name]
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise ValueError(f"{name} must be a whole number from {low} to {high}")

    def as_dict(self) -> dict[str, int]:
        return {field.name: getattr(self, field.name) for field in fields(self)}

    @classmethod
    def from_settings(cls, stored: object) -> AlertThresholds:
        """The thresholds a clinic's stored settings describe. Tolerant: a value that is
        missing, unknown or out of bounds reads as its default, so a bad setting can
        never stop a push (where these are read) from raising alerts."""
        if not isinstance(stored, Mapping):
            return cls()
        chosen: dict[str, int] = {}
        for name, (low, high) in THRESHOLD_BOUNDS.items():
            value = stored.get(name)
            if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
                chosen[name] = value
        return cls(**chosen)


DEFAULT_THRESHOLDS = AlertThresholds()


@dataclass(frozen=True)
class RaisedAlert:
    """An alert a rule raises. `about` names the happening (a record's id, the first day
    of a run), so the same data raising it twice is one happening; `occurred_at` is when
    it happened; `detail` the figures behind it, for the clinician."""

    trigger: AlertTrigger
    about: str
    occurred_at: datetime
    detail: Mapping[str, int | str | None]


@dataclass(frozen=True)
class CheckInFacts:
    """What the rules read from one check-in. `at` is when it was made (never later than
    the clinic received it: see `reported_time`), `day` its calendar day."""

    id: str
    at: datetime
    day: date
    craving: int | None  # None: not answered
    used_since_last: bool
    thoughts_of_self_harm: bool = False


@dataclass(frozen=True)
class Phq9Facts:
    id: str
    at: datetime  # when it was completed
    total: int
    item9: int


@dataclass(frozen=True)
class SessionAttendance:
    """Whether the participant came to one session that has taken place."""

    session_id: str
    starts_at: datetime
    attended: bool


def reported_time(device_time: datetime, received_at: datetime) -> datetime:
    """When a record was made, as the rules use it: the phone's time, except that a
    phone clock running ahead cannot place it after the clinic received it."""
    return min(device_time, received_at)


def local_day(moment: datetime, zone: tzinfo) -> date:
    """The calendar day of `moment` in `zone` (a time with no zone is a caller bug)."""
    if moment.utcoffset() is None:
        raise ValueError("moment must be time-zone-aware")
    return moment.astimezone(zone).date()


# --- Safety flags ----------------------------------------------------------------------

def safety_flag_alert(trigger: str, flag_id: str, raised_at: datetime) -> RaisedAlert:
    """A safety flag from the phone: always an alert of its own trigger."""
    found = AlertTrigger(trigger)
    if found not in SAFETY_FLAG_TRIGGERS:
        raise ValueError(f"{trigger} is not a safety flag's trigger")
    return RaisedAlert(found, flag_id, raised_at, {})


# --- PHQ-9 -----------------------------------------------------------------------------

def phq9_alerts(result: Phq9Facts, previous: Phq9Facts | None,
                thresholds: AlertThresholds = DEFAULT_THRESHOLDS) -> list[RaisedAlert]:
    """Item 9 above 0; a total at or above the clinic's; a rise of the clinic's number
    of points or more since `previous` (the participant's PHQ-9 completed just before)."""
    raised: list[RaisedAlert] = []
    if result.item9 > 0:
        raised.append(RaisedAlert(AlertTrigger.PHQ9_ITEM9, result.id, result.at,
                                  {"item9": result.item9}))
    if result.total >= thresholds.phq9_total_at_least:
        raised.append(RaisedAlert(AlertTrigger.PHQ9_SEVERE, result.id, result.at,
                                  {"total": result.total,
                                   "threshold": thresholds.phq9_total_at_least}))
    if previous is not None and result.total - previous.total >= thresholds.phq9_rise_at_least:
        raised.append(RaisedAlert(AlertTrigger.PHQ9_RISE, result.id, result.at, {
            "total": result.total,
            "previous_total": previous.total,
            "previous_at": previous.at.isoformat(),
            "rise": result.total - previous.total,
            "threshold": thresholds.phq9_rise_at_least,
        }))
    return raised


# --- Check-ins -------------------------------------------------------------------------

def check_in_alerts(check_in: CheckInFacts, others: Iterable[CheckInFacts],
                    thresholds: AlertThresholds = DEFAULT_THRESHOLDS) -> list[RaisedAlert]:
    """Every alert a newly arrived check-in raises, given the participant's other
    check-ins (any order; those the rules need: see each rule)."""
    others = [other for other in others if other.id != check_in.id]
    raised: list[RaisedAlert] = []
    if check_in.thoughts_of_self_harm:
        raised.append(RaisedAlert(AlertTrigger.CHECK_IN_SELF_HARM, check_in.id, check_in.at,
                                  {}))
    for rule in (use_after_abstinence(check_in, others, thresholds),
                 craving_run(check_in, others, thresholds)):
        if rule is not None:
            raised.append(rule)
    return raised


def use_after_abstinence(check_in: CheckInFacts, earlier: Iterable[CheckInFacts],
                         thresholds: AlertThresholds = DEFAULT_THRESHOLDS) -> RaisedAlert | None:
    """Use reported after `use_after_days_without` days or more without.

    The days without run from the day of the last earlier check-in that reported use
    (or, if none did, of the earliest check-in: the first day the clinic knows of) to
    this check-in's day. Gaps without check-ins count as days without: "since your last
    check-in" covers them, and missing a real lapse is worse than a second look. Check-ins
    made after this one (arriving late) are not "earlier" and are ignored."""
    if not check_in.used_since_last:
        return None
    before = [other for other in earlier if other.at < check_in.at]
    if not before:
        return None  # nothing known before this check-in: no days without to count
    uses = [other for other in before if other.used_since_last]
    last_use = max(uses, key=lambda other: other.at) if uses else None
    start = last_use.day if last_use else min(before, key=lambda other: other.at).day
    days_without = (check_in.day - start).days
    if days_without < thresholds.use_after_days_without:
        return None
    previous = max(before, key=lambda other: other.at)
    return RaisedAlert(AlertTrigger.USE_AFTER_ABSTINENCE, check_in.id, check_in.at, {
        "days_without": days_without,
        "since": start.isoformat(),
        "last_use_reported_on": last_use.day.isoformat() if last_use else None,
        "previous_check_in_on": previous.day.isoformat(),
        "threshold": thresholds.use_after_days_without,
    })


def craving_run(check_in: CheckInFacts, others: Iterable[CheckInFacts],
                thresholds: AlertThresholds = DEFAULT_THRESHOLDS) -> RaisedAlert | None:
    """A craving of `craving_at_least` or more on `craving_days_running` calendar days in
    a row, the newly arrived check-in's day among them.

    A day counts when any of its check-ins reached the threshold (its highest craving);
    a day without a check-in, or whose cravings were all lower or unanswered, ends the
    run. The run is named by its first day, so it raises once however long it lasts and
    in whatever order its check-ins arrive."""
    level = thresholds.craving_at_least
    if check_in.craving is None or check_in.craving < level:
        return None
    highest: dict[date, int] = {}
    for one in (check_in, *others):
        if one.craving is not None:
            highest[one.day] = max(highest.get(one.day, one.craving), one.craving)
    high_days = {day for day, craving in highest.items() if craving >= level}
    first = last = check_in.day
    while first - timedelta(days=1) in high_days:
        first -= timedelta(days=1)
    while last + timedelta(days=1) in high_days:
        last += timedelta(days=1)
    days = (last - first).days + 1
    if days < thresholds.craving_days_running:
        return None
    return RaisedAlert(AlertTrigger.CRAVING_RUN, first.isoformat(), check_in.at, {
        "first_day": first.isoformat(),
        "last_day": last.isoformat(),
        "days": days,
        "highest": max(highest[first + timedelta(days=n)] for n in range(days)),
        "threshold": level,
        "days_threshold": thresholds.craving_days_running,
    })


# --- Silence ---------------------------------------------------------------------------

def no_check_in(last_check_in_day: date | None, expected_from: date,
                expected_until: date | None, today: date, zone: tzinfo,
                thresholds: AlertThresholds = DEFAULT_THRESHOLDS) -> RaisedAlert | None:
    """No check-in for `days_without_check_in` whole days (today, not over yet, does not
    count).

    Check-ins are expected from `expected_from` (the program's start, or the day the
    participant's app joined if later) to `expected_until` (the program's end or the
    discharge; None: open). The silence starts the day after the last check-in (or on
    `expected_from`, whichever is later) and is named by that day, so it raises once
    however often it is checked, and a new silence after a check-in raises again."""
    silent_from = expected_from
    if last_check_in_day is not None:
        silent_from = max(silent_from, last_check_in_day + timedelta(days=1))
    counted_until = today if expected_until is None else min(
        today, expected_until + timedelta(days=1))
    silent_days = (counted_until - silent_from).days
    if silent_days < thresholds.days_without_check_in:
        return None
    crossed_on = silent_from + timedelta(days=thresholds.days_without_check_in)
    return RaisedAlert(AlertTrigger.NO_CHECK_IN, silent_from.isoformat(),
                       datetime.combine(crossed_on, time(), tzinfo=zone), {
        "last_check_in_on": last_check_in_day.isoformat() if last_check_in_day else None,
        "silent_since": silent_from.isoformat(),
        "days": silent_days,
        "threshold": thresholds.days_without_check_in,
    })


# --- Attendance ------------------------------------------------------------------------

def missed_sessions(attendance: Sequence[SessionAttendance],
                    thresholds: AlertThresholds = DEFAULT_THRESHOLDS) -> RaisedAlert | None:
    """The latest `missed_sessions_in_a_row` sessions (by start) were all missed.

    Only sessions whose attendance was recorded count. The run of misses is named by its
    first session, so a third miss in a row does not raise the same run again; a
    session attended ends it."""
    ordered = sorted(attendance, key=lambda one: one.starts_at)
    run: list[SessionAttendance] = []
    for one in reversed(ordered):
        if one.attended:
            break
        run.append(one)
    if not run or len(run) < thresholds.missed_sessions_in_a_row:
        return None
    first, latest = run[-1], run[0]
    return RaisedAlert(AlertTrigger.MISSED_SESSIONS, first.session_id, latest.starts_at, {
        "missed": len(run),
        "first_missed_at": first.starts_at.isoformat(),
        "threshold": thresholds.missed_sessions_in_a_row,
    })
