"""The clinic's alert rules (domain/alert_rules.py), at and around each threshold: exactly
at it, one below, one above, with gaps between days and check-ins whose calendar day
depends on the time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from itertools import count
from zoneinfo import ZoneInfo

import pytest

from iop_companion.domain.alert_rules import (
    DEFAULT_THRESHOLDS,
    THRESHOLD_BOUNDS,
    AlertThresholds,
    AlertTrigger,
    CheckInFacts,
    Phq9Facts,
    RaisedAlert,
    SessionAttendance,
    check_in_alerts,
    craving_run,
    local_day,
    missed_sessions,
    no_check_in,
    phq9_alerts,
    reported_time,
    safety_flag_alert,
    use_after_abstinence,
)

CHICAGO = ZoneInfo("America/Chicago")
MONDAY = date(2026, 3, 2)
_ids = count(1)


def day(offset: int) -> date:
    return MONDAY + timedelta(days=offset)


def check_in(offset: int, *, craving: int | None = 2, used: bool = False, hour: int = 12,
             self_harm: bool = False) -> CheckInFacts:
    """A check-in made at `hour` o'clock (Chicago) on MONDAY + `offset` days."""
    at = datetime.combine(day(offset), time(hour), tzinfo=CHICAGO)
    return CheckInFacts(id=f"c{next(_ids)}", at=at, day=day(offset), craving=craving,
                        used_since_last=used, thoughts_of_self_harm=self_harm)


def made_at(moment: datetime, zone: ZoneInfo, *, used: bool = False,
            craving: int | None = 2) -> CheckInFacts:
    """A check-in at `moment`, its day taken in `zone`, as the clinic does."""
    return CheckInFacts(id=f"c{next(_ids)}", at=moment, day=local_day(moment, zone),
                        craving=craving, used_since_last=used)


def triggers(raised: list[RaisedAlert]) -> list[AlertTrigger]:
    return [alert.trigger for alert in raised]


# --- Thresholds ------------------------------------------------------------------------

def test_the_defaults_are_the_programs() -> None:
    assert DEFAULT_THRESHOLDS.as_dict() == {
        "phq9_total_at_least": 20, "phq9_rise_at_least": 5, "use_after_days_without": 7,
        "craving_at_least": 8, "craving_days_running": 3, "days_without_check_in": 3,
        "missed_sessions_in_a_row": 2}
    assert set(THRESHOLD_BOUNDS) == set(DEFAULT_THRESHOLDS.as_dict())


@pytest.mark.parametrize("name", sorted(THRESHOLD_BOUNDS))
def test_each_threshold_is_accepted_at_its_bounds_and_refused_beyond(name: str) -> None:
    low, high = THRESHOLD_BOUNDS[name]
    assert getattr(AlertThresholds(**{name: low}), name) == low
    assert getattr(AlertThresholds(**{name: high}), name) == high
    for wrong in (low - 1, high + 1, True, 8.0, "8"):
        with pytest.raises(ValueError, match=name):
            AlertThresholds(**{name: wrong})


def test_stored_settings_are_read_tolerantly() -> None:
    assert AlertThresholds.from_settings(None) == DEFAULT_THRESHOLDS
    assert AlertThresholds.from_settings([1, 2]) == DEFAULT_THRESHOLDS
    read = AlertThresholds.from_settings({
        "phq9_total_at_least": 15,  # kept
        "craving_at_least": 11,  # out of bounds: the default
        "craving_days_running": True,  # not a number: the default
        "days_without_check_in": "5",  # not a number: the default
        "something_new": 3,  # unknown: ignored
    })
    assert read == AlertThresholds(phq9_total_at_least=15)


# --- Safety flags ------------------------------------------------------------------------

@pytest.mark.parametrize("trigger", ["participant_request", "check_in_self_harm",
                                     "diary_card_self_harm", "phq9_item9"])
def test_every_safety_flag_alerts_with_its_own_trigger(trigger: str) -> None:
    at = datetime(2026, 3, 4, 15, tzinfo=UTC)
    raised = safety_flag_alert(trigger, "flag-1", at)
    assert (raised.trigger, raised.about, raised.occurred_at) == (trigger, "flag-1", at)


@pytest.mark.parametrize("trigger", ["phq9_severe", "no_check_in", "made_up"])
def test_only_a_safety_trigger_makes_a_flag(trigger: str) -> None:
    with pytest.raises(ValueError):
        safety_flag_alert(trigger, "flag-1", datetime(2026, 3, 4, tzinfo=UTC))


# --- PHQ-9 ---------------------------------------------------------------------------------

def phq9(total: int, item9: int = 0, offset: int = 0) -> Phq9Facts:
    return Phq9Facts(id=f"p{next(_ids)}", at=datetime.combine(day(offset), time(12), CHICAGO),
                     total=total, item9=item9)


@pytest.mark.parametrize(("item9", "alerts"), [(0, False), (1, True), (2, True), (3, True)])
def test_item_9_above_0_always_alerts(item9: int, alerts: bool) -> None:
    raised = phq9_alerts(phq9(item9, item9=item9), None)
    assert (AlertTrigger.PHQ9_ITEM9 in triggers(raised)) is alerts
    if alerts:
        assert raised[0].detail == {"item9": item9}


@pytest.mark.parametrize(("total", "alerts"), [(19, False), (20, True), (21, True), (27, True)])
def test_a_severe_total_alerts_from_20_by_default(total: int, alerts: bool) -> None:
    raised = phq9_alerts(phq9(total), None)
    assert triggers(raised) == ([AlertTrigger.PHQ9_SEVERE] if alerts else [])


def test_a_severe_total_alerts_without_item_9() -> None:
    """The issue: a severe PHQ-9 without item 9 raised nothing."""
    [raised] = phq9_alerts(phq9(27, item9=0), None)
    assert raised.trigger is AlertTrigger.PHQ9_SEVERE
    assert raised.detail == {"total": 27, "threshold": 20}


@pytest.mark.parametrize(("total", "alerts"), [(14, False), (15, True), (16, True)])
def test_the_clinic_sets_the_severe_total(total: int, alerts: bool) -> None:
    raised = phq9_alerts(phq9(total), None, AlertThresholds(phq9_total_at_least=15))
    assert (AlertTrigger.PHQ9_SEVERE in triggers(raised)) is alerts


@pytest.mark.parametrize(("previous", "total", "alerts"), [
    (10, 14, False),  # one below
    (10, 15, True),  # exactly at
    (10, 16, True),  # one above
    (15, 10, False),  # a fall
    (0, 5, True),  # from nothing
])
def test_a_rise_of_5_since_the_previous_phq9_alerts(previous: int, total: int,
                                                     alerts: bool) -> None:
    raised = phq9_alerts(phq9(total, offset=14), phq9(previous))
    rises = [alert for alert in raised if alert.trigger is AlertTrigger.PHQ9_RISE]
    assert bool(rises) is alerts
    if alerts:
        assert rises[0].detail["rise"] == total - previous
        assert rises[0].detail["previous_total"] == previous


def test_no_previous_phq9_no_rise_and_the_clinic_sets_the_rise() -> None:
    assert phq9_alerts(phq9(19), None) == []
    three = AlertThresholds(phq9_rise_at_least=3)
    assert triggers(phq9_alerts(phq9(8, offset=14), phq9(6), three)) == []
    assert triggers(phq9_alerts(phq9(9, offset=14), phq9(6), three)) == [AlertTrigger.PHQ9_RISE]


def test_one_phq9_can_raise_item_9_severe_and_rise_together() -> None:
    raised = phq9_alerts(phq9(22, item9=2, offset=14), phq9(12))
    assert triggers(raised) == [AlertTrigger.PHQ9_ITEM9, AlertTrigger.PHQ9_SEVERE,
                                AlertTrigger.PHQ9_RISE]
    assert len({alert.about for alert in raised}) == 1  # all about the one result


# --- Use after days without ----------------------------------------------------------------

@pytest.mark.parametrize(("days", "alerts"), [(6, False), (7, True), (8, True)])
def test_use_after_7_days_since_the_last_use_alerts(days: int, alerts: bool) -> None:
    earlier = [check_in(0, used=True), *(check_in(n) for n in range(1, days))]
    raised = use_after_abstinence(check_in(days, used=True), earlier)
    assert (raised is not None) is alerts
    if raised is not None:
        assert raised.detail["days_without"] == days
        assert raised.detail["last_use_reported_on"] == day(0).isoformat()


@pytest.mark.parametrize(("days", "alerts"), [(6, False), (7, True)])
def test_without_any_use_reported_the_days_count_from_the_first_check_in(
        days: int, alerts: bool) -> None:
    raised = use_after_abstinence(check_in(days, used=True), [check_in(0), check_in(3)])
    assert (raised is not None) is alerts
    if raised is not None:
        assert raised.detail["since"] == day(0).isoformat()
        assert raised.detail["last_use_reported_on"] is None


def test_a_gap_in_check_ins_counts_as_days_without() -> None:
    """Use on Monday, then no check-in until nine days later, reporting use: "since your
    last check-in" covers the gap, so it counts (a missed lapse is worse)."""
    raised = use_after_abstinence(check_in(9, used=True), [check_in(0, used=True)])
    assert raised is not None
    assert raised.detail["days_without"] == 9
    assert raised.detail["previous_check_in_on"] == day(0).isoformat()


def test_use_needs_something_earlier_to_count_from() -> None:
    assert use_after_abstinence(check_in(10, used=True), []) is None
    # A check-in made later (it arrived first) is not earlier.
    later = [check_in(20), check_in(0, used=True, hour=13)]
    assert use_after_abstinence(check_in(0, used=True, hour=12), later) is None
    # No use reported: nothing to alert about.
    assert use_after_abstinence(check_in(10), [check_in(0)]) is None


def test_use_on_the_same_day_as_the_last_is_no_days_without() -> None:
    assert use_after_abstinence(check_in(0, used=True, hour=20),
                                [check_in(0, used=True, hour=8)]) is None


def test_the_clinic_sets_the_days_without_use() -> None:
    one = AlertThresholds(use_after_days_without=1)
    assert use_after_abstinence(check_in(1, used=True), [check_in(0, used=True)], one)
    assert use_after_abstinence(check_in(0, used=True, hour=20),
                                [check_in(0, used=True, hour=8)], one) is None


def test_days_without_use_follow_the_time_zone_of_the_calendar() -> None:
    """Use at noon UTC on Monday 2 March, then at 03:00 UTC on Monday 9 March: seven
    calendar days in UTC, but in Chicago the second is still Sunday evening (22:00 CDT,
    daylight saving time having started on 8 March): six days."""
    first = datetime(2026, 3, 2, 12, tzinfo=UTC)
    second = datetime(2026, 3, 9, 3, tzinfo=UTC)
    in_utc = use_after_abstinence(made_at(second, ZoneInfo("UTC"), used=True),
                                  [made_at(first, ZoneInfo("UTC"), used=True)])
    in_chicago = use_after_abstinence(made_at(second, CHICAGO, used=True),
                                      [made_at(first, CHICAGO, used=True)])
    assert in_utc is not None and in_utc.detail["days_without"] == 7
    assert in_chicago is None


# --- Craving day after day ----------------------------------------------------------------

@pytest.mark.parametrize(("days", "alerts"), [(2, False), (3, True), (4, True)])
def test_craving_of_8_on_3_days_running_alerts(days: int, alerts: bool) -> None:
    earlier = [check_in(n, craving=8) for n in range(days - 1)]
    raised = craving_run(check_in(days - 1, craving=8), earlier)
    assert (raised is not None) is alerts
    if raised is not None:
        assert raised.about == day(0).isoformat()  # the run is named by its first day
        assert raised.detail["days"] == days


@pytest.mark.parametrize(("craving", "alerts"), [(7, False), (8, True), (9, True)])
def test_the_craving_level_counts_from_8(craving: int, alerts: bool) -> None:
    raised = craving_run(check_in(2, craving=craving),
                         [check_in(0, craving=9), check_in(1, craving=10)])
    assert (raised is not None) is alerts


def test_a_day_without_a_check_in_ends_the_run() -> None:
    high = [check_in(0, craving=9), check_in(1, craving=9), check_in(3, craving=9)]
    assert craving_run(check_in(4, craving=9), high) is None  # 3 and 4: two days
    raised = craving_run(check_in(2, craving=9), high)  # the gap filled: days 0 to 3
    assert raised is not None and raised.detail["days"] == 4


def test_an_unanswered_or_lower_craving_ends_the_run() -> None:
    for middle in (None, 7):
        others = [check_in(0, craving=9), check_in(1, craving=middle)]
        assert craving_run(check_in(2, craving=9), others) is None


def test_the_days_highest_craving_counts() -> None:
    others = [check_in(0, craving=8), check_in(1, craving=3, hour=8),
              check_in(1, craving=9, hour=20)]
    raised = craving_run(check_in(2, craving=8), others)
    assert raised is not None and raised.detail["highest"] == 9


def test_a_run_is_one_happening_whatever_arrives_when() -> None:
    first, second, third, fourth = (check_in(n, craving=9) for n in range(4))
    # Out of order: the middle day arrives last and completes the run.
    completed = craving_run(second, [first, third])
    longer = craving_run(fourth, [first, second, third])
    assert completed is not None and longer is not None
    assert completed.about == longer.about == day(0).isoformat()
    # A low check-in raises nothing, even beside a run.
    assert craving_run(check_in(4, craving=2), [first, second, third]) is None


def test_the_clinic_sets_the_level_and_the_days() -> None:
    assert craving_run(check_in(0, craving=10), [],
                       AlertThresholds(craving_days_running=1)) is not None
    strict = AlertThresholds(craving_at_least=10)
    assert craving_run(check_in(2, craving=10),
                       [check_in(0, craving=10), check_in(1, craving=9)], strict) is None


def test_craving_days_follow_the_time_zone_of_the_calendar() -> None:
    """Check-ins at 02:00 UTC on three mornings are three evenings in Chicago, and at
    23:30 UTC on the evening before the first they make two check-ins on one Chicago
    day: two days running there, three in UTC."""
    moments = [datetime(2026, 3, 3, 23, 30, tzinfo=UTC), datetime(2026, 3, 4, 2, tzinfo=UTC),
               datetime(2026, 3, 5, 2, tzinfo=UTC)]
    for zone, alerts in ((ZoneInfo("UTC"), True), (CHICAGO, False)):
        facts = [made_at(moment, zone, craving=9) for moment in moments]
        assert (craving_run(facts[-1], facts[:-1]) is not None) is alerts


# --- A check-in's alerts together -------------------------------------------------------

def test_a_check_in_raises_its_self_harm_answer_and_its_rules() -> None:
    earlier = [check_in(n, craving=9, used=n == 0) for n in range(7)]
    raised = check_in_alerts(check_in(7, craving=9, used=True, self_harm=True), earlier)
    assert triggers(raised) == [AlertTrigger.CHECK_IN_SELF_HARM,
                                AlertTrigger.USE_AFTER_ABSTINENCE, AlertTrigger.CRAVING_RUN]
    assert check_in_alerts(check_in(8), earlier) == []


def test_a_check_in_is_not_its_own_history() -> None:
    itself = check_in(0, craving=9)
    assert check_in_alerts(itself, [itself, itself], AlertThresholds(
        craving_days_running=2)) == []


# --- No check-in ------------------------------------------------------------------------

@pytest.mark.parametrize(("today", "alerts"), [(3, False), (4, True), (5, True)])
def test_no_check_in_for_3_whole_days_alerts(today: int, alerts: bool) -> None:
    """Last check-in Monday: Tuesday, Wednesday and Thursday without one make three whole
    days on Friday (offset 4); on Thursday the day is not over yet."""
    raised = no_check_in(day(0), day(0), None, day(today), CHICAGO)
    assert (raised is not None) is alerts
    if raised is not None:
        assert raised.about == day(1).isoformat()  # named by the first silent day
        assert raised.detail["days"] == today - 1
        # It came due at the start of Friday, in the clinic's time zone.
        assert raised.occurred_at == datetime(2026, 3, 6, tzinfo=CHICAGO)


def test_silence_counts_from_when_check_ins_are_expected() -> None:
    # Never checked in, expected from Wednesday: due on Saturday.
    assert no_check_in(None, day(2), None, day(4), CHICAGO) is None
    raised = no_check_in(None, day(2), None, day(5), CHICAGO)
    assert raised is not None and raised.about == day(2).isoformat()
    assert raised.detail["last_check_in_on"] is None
    # A check-in before the program started does not start the silence earlier.
    assert no_check_in(day(-10), day(2), None, day(4), CHICAGO) is None
    # Not expected yet.
    assert no_check_in(None, day(10), None, day(4), CHICAGO) is None


def test_silence_after_the_program_ended_is_not_counted() -> None:
    # The program's last day is Wednesday: Tuesday and Wednesday are two days.
    assert no_check_in(day(0), day(0), day(2), day(30), CHICAGO) is None
    # Its last day is Thursday: three days, whenever it is read.
    raised = no_check_in(day(0), day(0), day(3), day(30), CHICAGO)
    assert raised is not None and raised.detail["days"] == 3


def test_the_clinic_sets_the_days_without_a_check_in() -> None:
    one = AlertThresholds(days_without_check_in=1)
    assert no_check_in(day(0), day(0), None, day(1), CHICAGO, one) is None  # today
    assert no_check_in(day(0), day(0), None, day(2), CHICAGO, one) is not None


def test_the_day_of_a_check_in_depends_on_the_time_zone() -> None:
    late = datetime(2026, 3, 10, 3, 0, tzinfo=UTC)
    assert local_day(late, CHICAGO) == date(2026, 3, 9)
    assert local_day(late, ZoneInfo("UTC")) == date(2026, 3, 10)
    assert local_day(late, ZoneInfo("Asia/Tokyo")) == date(2026, 3, 10)
    with pytest.raises(ValueError):
        local_day(datetime(2026, 3, 10), CHICAGO)


def test_a_phone_clock_ahead_cannot_date_a_check_in_after_it_arrived() -> None:
    arrived = datetime(2026, 3, 4, 15, tzinfo=UTC)
    assert reported_time(arrived + timedelta(days=2), arrived) == arrived
    assert reported_time(arrived - timedelta(hours=5), arrived) == arrived - timedelta(hours=5)


# --- Missed sessions ------------------------------------------------------------------

def session(offset: int, attended: bool) -> SessionAttendance:
    return SessionAttendance(session_id=f"s{offset}", attended=attended,
                             starts_at=datetime.combine(day(offset), time(9), CHICAGO))


@pytest.mark.parametrize(("attended", "alerts"), [
    ([True, False], False),  # one below
    ([True, False, False], True),  # exactly at
    ([False, False, False], True),  # one above
    ([False, True, False], False),  # not in a row
    ([False, False, True], False),  # came back since
    ([], False),
])
def test_two_missed_sessions_in_a_row_alert(attended: list[bool], alerts: bool) -> None:
    raised = missed_sessions([session(n, came) for n, came in enumerate(attended)])
    assert (raised is not None) is alerts


def test_a_run_of_misses_is_named_by_its_first_and_read_in_time_order() -> None:
    sessions = [session(3, False), session(0, True), session(2, False), session(1, False)]
    raised = missed_sessions(sessions)
    assert raised is not None
    assert (raised.about, raised.detail["missed"]) == ("s1", 3)
    assert missed_sessions(sessions, AlertThresholds(missed_sessions_in_a_row=4)) is None
