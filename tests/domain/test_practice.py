"""Practice sessions as pure rules: exact breathing and step timelines for every
duration, pause/resume/stop accounting, and what the lists add up."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from iop_companion.domain.practice import (
    STEP,
    Outcome,
    SessionClock,
    breathing_schedule,
    exercise_named_in,
    minutes_label_value,
    rating_problem,
    recently_used,
    seconds_this_week,
    session_content,
    steps_schedule,
    stretch_steps,
    toggled,
)

BOX = [("in", 4), ("hold", 4), ("out", 4), ("rest", 4)]
FOUR_SEVEN_EIGHT = [("in", 4), ("hold", 7), ("out", 8)]
RESONANCE = [("in", 5), ("out", 5)]
TIPP = [("in", 4), ("out", 8)]
PATTERNS = {"box": BOX, "4-7-8": FOUR_SEVEN_EIGHT, "resonance": RESONANCE, "tipp": TIPP}
DURATIONS = [1, 3, 5, 10]


def expected_phase(pattern: list[tuple[str, int]], second: int) -> tuple[str, int]:
    """The phase and countdown during whole second `second` (0-based), by walking the
    pattern breath by breath: an independent oracle for the schedule's arithmetic."""
    t = 0
    while True:
        for kind, length in pattern:
            if t <= second < t + length:
                return kind, t + length - second
            t += length


@pytest.mark.parametrize("name", PATTERNS)
@pytest.mark.parametrize("minutes", DURATIONS)
def test_every_second_of_every_breathing_session_is_where_the_pattern_says(
        name: str, minutes: int) -> None:
    pattern = PATTERNS[name]
    schedule = breathing_schedule(pattern, minutes)
    total = minutes * 60
    for second in range(total):
        for offset in (0.0, 0.5, 0.999):
            at = schedule.phase_at(second + offset)
            kind, countdown = expected_phase(pattern, second)
            # The last breath is cut at the end: its countdown stops at the end too.
            countdown = min(countdown, total - second)
            assert (at.kind, at.seconds_left) == (kind, countdown), (second, offset)
            assert not at.finished
            assert at.session_left == total - second


def test_the_600th_second_of_a_ten_minute_session() -> None:
    """599 s to 600 s: box is in its hold after breathing in (599 = 37 x 16 + 7), 4-7-8
    holds (599 = 31 x 19 + 10), resonance breathes out (599 = 59 x 10 + 9) and TIPP's
    long out-breath is at its last second (599 = 49 x 12 + 11)."""
    cases = {"box": ("hold", 1, 37 * 4 + 1), "4-7-8": ("hold", 1, 31 * 3 + 1),
             "resonance": ("out", 1, 59 * 2 + 1), "tipp": ("out", 1, 49 * 2 + 1)}
    for name, (kind, left, ordinal) in cases.items():
        at = breathing_schedule(PATTERNS[name], 10).phase_at(599.5)
        assert (at.kind, at.seconds_left, at.ordinal) == (kind, left, ordinal), name
        assert breathing_schedule(PATTERNS[name], 10).phase_at(600).finished


def test_phase_changes_are_listed_on_whole_seconds() -> None:
    changes = breathing_schedule(BOX, 1).changes()
    assert changes == [float(s) for s in range(4, 60, 4)]
    assert breathing_schedule(FOUR_SEVEN_EIGHT, 1).changes()[:4] == [4.0, 11.0, 19.0, 23.0]


def test_next_event_is_the_next_countdown_second_or_phase_change() -> None:
    schedule = breathing_schedule(BOX, 1)
    assert schedule.next_event_after(0.0) == 1.0
    assert schedule.next_event_after(3.2) == 4.0
    assert schedule.next_event_after(59.5) == 60.0
    assert schedule.next_event_after(60.0) == 60.0


def test_progress_runs_through_each_phase() -> None:
    schedule = breathing_schedule(BOX, 1)
    assert schedule.phase_at(4.0).progress == 0.0
    assert schedule.phase_at(6.0).progress == pytest.approx(0.5)


@pytest.mark.parametrize("minutes", [5, 10])
def test_guided_steps_fill_each_duration_exactly(minutes: int) -> None:
    steps = [(30, False), (45, True), (45, True), (60, True), (60, True), (30, True),
             (30, False)]
    lengths = stretch_steps(steps, minutes * 60)
    assert sum(lengths) == minutes * 60
    assert lengths[0] == 30 and lengths[-1] == 30  # fixed steps keep their time
    schedule = steps_schedule(steps, minutes)
    starts = [0, *(sum(lengths[:i]) for i in range(1, len(lengths)))]
    for index, start in enumerate(starts):
        at = schedule.phase_at(start)
        assert (at.kind, at.index, at.seconds_left) == (STEP, index, lengths[index])
    assert schedule.phase_at(minutes * 60 - 0.001).index == len(steps) - 1
    assert schedule.phase_at(minutes * 60).finished


def test_extra_time_is_shared_in_whole_seconds_that_add_up() -> None:
    assert stretch_steps([(10, True), (10, True), (10, True)], 31) == [11, 10, 10]
    assert stretch_steps([(45, False), (60, True), (45, True)], 225) == [45, 103, 77]
    with pytest.raises(ValueError):
        stretch_steps([(30, False)], 60)


def test_interval_bells_ring_between_start_and_end() -> None:
    schedule = steps_schedule([(30, False), (240, True), (30, False)], 10,
                              bell_every_seconds=120)
    assert schedule.bells == (120, 240, 360, 480)
    assert schedule.bell_between(119.9, 120.0)
    assert not schedule.bell_between(120.0, 130.0)
    assert 120.0 in schedule.cues() and 30.0 in schedule.cues()


def test_pause_and_resume_do_not_count_the_pause() -> None:
    clock = SessionClock.started(60, now=1000.0)
    assert clock.elapsed(1010.0) == 10.0
    clock = clock.pause(1010.0)
    assert clock.paused and clock.elapsed(1500.0) == 10.0
    assert clock.pause(1600.0) == clock  # pausing twice changes nothing
    clock = clock.resume(2000.0)
    assert clock.elapsed(2020.0) == 30.0
    assert clock.resume(2021.0) == clock
    assert not clock.finished(2049.0)
    assert clock.finished(2050.0)
    assert clock.elapsed(9999.0) == 60.0  # never more than planned
    assert clock.outcome(9999.0) == Outcome(seconds_completed=60, ended_early=False)


def test_stopping_early_records_the_time_done() -> None:
    clock = SessionClock.started(180, now=0.0).pause(50.4).resume(70.0)
    outcome = clock.outcome(100.0)
    assert outcome == Outcome(seconds_completed=80, ended_early=True)
    assert outcome.minutes_completed == 1.3
    # The clock the schedule reads is the same elapsed time: 80 s into box breathing
    # is the first second of the 6th breath.
    assert breathing_schedule(BOX, 3).phase_at(clock.elapsed(100.0)).kind == "in"


def test_session_content_and_ratings() -> None:
    started = datetime(2026, 12, 7, 14, 30, tzinfo=UTC)
    content = session_content(exercise_id="box-breathing", started_at=started,
                              planned_minutes=1, outcome=Outcome(75, False),
                              rating_kind="distress", rating_before=7, rating_after=4,
                              homework_id=None)
    assert content["seconds_completed"] == 60  # never more than planned
    assert content["started_at"] == "2026-12-07T14:30:00+00:00"
    assert rating_problem(None) is None and rating_problem(10) is None
    assert rating_problem(11) == rating_problem(True) == "practice.error.rating"
    with pytest.raises(ValueError):
        session_content(exercise_id="x", started_at=started, planned_minutes=1,
                        outcome=Outcome(1, True), rating_kind="distress", rating_before=-1,
                        rating_after=None, homework_id=None)


def test_minutes_this_week_count_from_monday_on_the_local_calendar() -> None:
    zone = timezone(timedelta(hours=-5))
    today = date(2026, 12, 9)  # a Wednesday
    sessions = [
        {"started_at": "2026-12-07T05:30:00+00:00", "seconds_completed": 300},  # Mon 00:30
        {"started_at": "2026-12-07T04:30:00+00:00", "seconds_completed": 600},  # Sun
        {"started_at": "2026-12-09T12:00:00+00:00", "seconds_completed": 90},
        {"started_at": "not a time", "seconds_completed": 60},
    ]
    assert seconds_this_week(sessions, today, zone) == 390
    assert minutes_label_value(390) == 7
    assert minutes_label_value(29) == 0 and minutes_label_value(30) == 1


def test_recently_used_and_favourites() -> None:
    sessions = [{"started_at": "2026-12-01T10:00:00+00:00", "exercise_id": "a"},
                {"started_at": "2026-12-03T10:00:00+00:00", "exercise_id": "b"},
                {"started_at": "2026-12-02T10:00:00+00:00", "exercise_id": "a"},
                {"started_at": "2026-12-04T10:00:00+00:00", "exercise_id": "c"},
                {"started_at": "2026-11-04T10:00:00+00:00", "exercise_id": "d"}]
    assert recently_used(sessions) == ["c", "b", "a"]
    assert toggled(["a"], "b") == ["a", "b"]
    assert toggled(["a", "b"], "a") == ["b"]


def test_homework_that_names_an_exercise_finds_it() -> None:
    names = {"box-breathing": ["Box breathing", "Respiración cuadrada"],
             "breathing-4-7-8": ["4-7-8 breathing"],
             "urge-surfing": ["Urge surfing", "Surfear la urgencia"]}
    assert exercise_named_in("Practise box breathing twice a day", names) == "box-breathing"
    assert exercise_named_in("Try 4-7-8 breathing at bedtime", names) == "breathing-4-7-8"
    assert exercise_named_in("Respiracion cuadrada, 3 minutos", names) == "box-breathing"
    assert exercise_named_in("URGE SURFING when a craving comes", names) == "urge-surfing"
    assert exercise_named_in("Go for a walk", names) is None
    assert exercise_named_in("Use box-breathing", names) == "box-breathing"
