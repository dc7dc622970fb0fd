"""Coping-skill logs as pure rules: each log's validation at and around every bound, the
diary card's safety rule, and the charts' aggregation (weeks, gaps that stay gaps, days
in the participant's time zone across a DST change), plus the rules the sync payloads
must share with the domain."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from iop_companion.domain import coping_logs as logs
from iop_companion.domain.coping_logs import (
    DBT_MODULES,
    SKILLS,
    THINKING_TRAPS,
    Summary,
    chart,
    diary_card_problems,
    empty_diary_card,
    raises_safety_flow,
    skills_by_module,
    skills_used_most,
    summarise,
    thought_record_problems,
    triggers_by_frequency,
    urge_log_problems,
    urge_points,
)
from iop_companion.sync.protocol.payloads import coping_logs as payloads

CHICAGO = ZoneInfo("America/Chicago")


def card(**changes: Any) -> dict[str, Any]:
    value: dict[str, Any] = {
        "day": "2026-11-25",
        "urges": {"use": {"rating": 3, "acted_on": False},
                  "self_harm": {"rating": 0, "acted_on": False},
                  "suicide": {"rating": 0, "acted_on": False}},
        "emotions": {"sadness": 2, "joy": 4},
        "skills": {"wise_mind": 7, "tipp": 4},
        "medications_taken": "yes",
        "note": "Hard afternoon, better evening.",
    }
    value.update(changes)
    return value


def urge(name: str, rating: Any, acted_on: Any = False) -> dict[str, Any]:
    base = card()["urges"]
    return {**base, name: {"rating": rating, "acted_on": acted_on}}


def thought(**changes: Any) -> dict[str, Any]:
    value: dict[str, Any] = {
        "occurred_at": "2026-11-25T09:15:00-06:00",
        "situation": "My sponsor did not call back.",
        "automatic_thought": "Nobody cares whether I make it.",
        "emotions": [{"name": "hurt", "intensity": 80}, {"name": "anxious", "intensity": 60}],
        "evidence_for": "No call all day.",
        "evidence_against": "She called twice last week.",
        "thinking_traps": ["mind_reading", "overgeneralising"],
        "balanced_thought": "She may be busy; I can call her.",
        "emotions_after": [{"name": "hurt", "intensity": 40}],
    }
    value.update(changes)
    return value


def urge_log(**changes: Any) -> dict[str, Any]:
    value: dict[str, Any] = {
        "occurred_at": "2026-11-25T18:40:00-06:00",
        "intensity": 7,
        "trigger": {"category": "places", "detail": "Drove past the old bar"},
        "where": "In the car",
        "with_whom": "Alone",
        "skills_used": ["urge_surfing", "tipp"],
        "what_i_did": "Pulled over, breathed, called my sister.",
        "used": False,
        "intensity_after": 3,
        "lasted_minutes": 20,
    }
    value.update(changes)
    return value


# --------------------------------------------------------------------------- diary card


def test_a_complete_card_and_an_empty_new_card_are_valid() -> None:
    assert diary_card_problems(card()) == {}
    fresh = empty_diary_card(date(2026, 11, 25))
    assert diary_card_problems(fresh) == {}
    assert all(u["rating"] is None for u in fresh["urges"].values())  # nothing pre-chosen


@pytest.mark.parametrize(("name", "rating", "ok"), [
    ("use", -1, False), ("use", 0, True), ("use", 5, True), ("use", 6, False),
    ("self_harm", 5, True), ("self_harm", 6, False), ("suicide", -1, False),
    ("suicide", None, True), ("use", 2.0, False), ("use", True, False), ("use", "2", False),
])
def test_urge_ratings_are_whole_numbers_from_0_to_5(name: str, rating: Any, ok: bool) -> None:
    problems = diary_card_problems(card(urges=urge(name, rating)))
    assert (problems == {}) is ok
    if not ok:
        assert problems == {f"urges.{name}.rating": "must be a whole number from 0 to 5"}


def test_acted_on_is_yes_or_no_and_every_urge_is_on_the_card() -> None:
    assert diary_card_problems(card(urges=urge("use", 2, None))) == {
        "urges.use.acted_on": "must be yes or no"}
    missing = card()["urges"]
    del missing["suicide"]
    assert "urges.suicide" in diary_card_problems(card(urges=missing))
    assert "urges.gambling" in diary_card_problems(
        card(urges={**card()["urges"], "gambling": {"rating": 1, "acted_on": False}}))


@pytest.mark.parametrize(("rating", "ok"), [(-1, False), (0, True), (5, True), (6, False)])
def test_emotions_are_rated_0_to_5(rating: int, ok: bool) -> None:
    assert (diary_card_problems(card(emotions={"shame": rating})) == {}) is ok


def test_the_clinic_s_emotion_set_is_data() -> None:
    assert diary_card_problems(card(emotions={"guilt": 2})) == {
        "emotions.guilt": "is not on this diary card"}
    assert diary_card_problems(card(emotions={"guilt": 2}),
                               emotions=("guilt", "loneliness")) == {}
    # An id that is not an id is refused whatever the set, and never quoted in full.
    problems = diary_card_problems(card(emotions={"Guilt Trip": 2}), emotions=("Guilt Trip",))
    assert list(problems.values()) == ["is not on this diary card"]


@pytest.mark.parametrize(("rating", "ok"), [(-1, False), (0, True), (7, True), (8, False)])
def test_skills_are_rated_0_to_7_from_the_skills_list(rating: int, ok: bool) -> None:
    assert (diary_card_problems(card(skills={"opposite_action": rating})) == {}) is ok
    assert "skills.juggling" in diary_card_problems(card(skills={"juggling": 3}))


@pytest.mark.parametrize(("answer", "ok"), [("yes", True), ("no", True), ("partly", True),
                                            (None, True), ("not_applicable", False),
                                            (True, False)])
def test_medications_taken(answer: Any, ok: bool) -> None:
    assert (diary_card_problems(card(medications_taken=answer)) == {}) is ok


@pytest.mark.parametrize(("length", "ok"), [(0, True), (2000, True), (2001, False)])
def test_the_note_holds_up_to_2000_characters(length: int, ok: bool) -> None:
    assert (diary_card_problems(card(note="a" * length)) == {}) is ok


def test_a_card_needs_a_real_day_and_refuses_control_characters_and_unknown_fields() -> None:
    for day in ("2026-02-30", "25/11/2026", None, "2026-11-25T00:00"):
        assert "day" in diary_card_problems(card(day=day))
    assert diary_card_problems(card(note="a\x00b")) == {
        "note": "can only hold printable characters"}
    assert diary_card_problems(card(note="line one\nline two")) == {}
    assert diary_card_problems(card(mood=3)) == {"mood": "is not a field of this log"}


@pytest.mark.parametrize(("urges", "raises"), [
    (urge("self_harm", 1), True), (urge("suicide", 1), True), (urge("suicide", 5), True),
    (urge("self_harm", 0), False), (urge("use", 5), False), (urge("self_harm", None), False),
])
def test_a_self_harm_or_suicide_urge_above_0_raises_the_safety_flow(
        urges: dict[str, Any], raises: bool) -> None:
    assert raises_safety_flow(card(urges=urges)) is raises


def test_a_wrong_value_never_hides_a_real_self_harm_urge() -> None:
    assert raises_safety_flow(card(urges=urge("self_harm", 2.5))) is True
    assert raises_safety_flow(card(urges=urge("self_harm", True))) is False
    assert raises_safety_flow({"deleted": True}) is False
    assert raises_safety_flow({}) is False


def test_skills_are_grouped_by_the_four_dbt_modules_with_plain_names() -> None:
    grouped = skills_by_module()
    assert list(grouped) == list(DBT_MODULES)
    assert all(grouped[module] for module in DBT_MODULES)
    assert len({skill.id for skill in SKILLS}) == len(SKILLS)
    assert all(re.match(payloads.ID_PATTERN, skill.id) and skill.name for skill in SKILLS)


# ----------------------------------------------------------------------- thought record


def test_a_complete_thought_record_is_valid_and_a_first_draft_needs_little() -> None:
    assert thought_record_problems(thought()) == {}
    minimal = {key: thought()[key] for key in ("occurred_at", "situation",
                                              "automatic_thought", "emotions")}
    assert thought_record_problems(minimal) == {}


@pytest.mark.parametrize("field", ["situation", "automatic_thought"])
def test_the_situation_and_thought_are_needed(field: str) -> None:
    assert thought_record_problems(thought(**{field: "  "})) == {field: "must not be empty"}
    assert thought_record_problems(thought(**{field: "a" * 1000})) == {}
    assert thought_record_problems(thought(**{field: "a" * 1001})) == {
        field: "must be at most 1000 characters"}


@pytest.mark.parametrize(("count", "ok"), [(0, False), (1, True), (6, True), (7, False)])
def test_one_to_six_emotions(count: int, ok: bool) -> None:
    emotions = [{"name": f"feeling {i}", "intensity": 50} for i in range(count)]
    assert (thought_record_problems(thought(emotions=emotions, emotions_after=[])) == {}) is ok


@pytest.mark.parametrize(("intensity", "ok"), [(-1, False), (0, True), (100, True),
                                               (101, False), (50.5, False)])
def test_emotion_intensity_is_0_to_100(intensity: Any, ok: bool) -> None:
    problems = thought_record_problems(thought(emotions=[{"name": "hurt",
                                                          "intensity": intensity}]))
    assert (problems == {}) is ok
    if not ok:
        assert problems == {"emotions.0.intensity": "must be a whole number from 0 to 100"}


def test_emotions_are_named_once_and_re_rated_only_if_named_before() -> None:
    twice = [{"name": "Hurt", "intensity": 80}, {"name": "hurt ", "intensity": 60}]
    assert thought_record_problems(thought(emotions=twice, emotions_after=[])) == {
        "emotions": "must name each emotion once"}
    assert thought_record_problems(thought(emotions_after=[{"name": "angry",
                                                           "intensity": 10}])) == {
        "emotions_after": "must re-rate the emotions named before"}
    assert thought_record_problems(thought(emotions_after=[{"name": "HURT",
                                                           "intensity": 10}])) == {}
    assert "emotions.0.name" in thought_record_problems(
        thought(emotions=[{"name": "a" * 61, "intensity": 1}], emotions_after=[]))


def test_thinking_traps_come_from_the_list_each_with_a_plain_explanation() -> None:
    assert len(THINKING_TRAPS) == 10
    for trap in THINKING_TRAPS:
        assert trap.explanation.endswith(".") and trap.explanation.count(".") == 1
    assert thought_record_problems(thought(thinking_traps=["blaming"])) == {
        "thinking_traps": "must be chosen from the list of thinking traps"}
    assert thought_record_problems(thought(thinking_traps=["labelling", "labelling"])) == {
        "thinking_traps": "must name each thinking trap once"}
    assert tuple(payloads.THINKING_TRAPS) == logs.THINKING_TRAP_IDS


@pytest.mark.parametrize(("field", "limit"), [("evidence_for", 2000),
                                              ("evidence_against", 2000),
                                              ("balanced_thought", 1000)])
def test_text_bounds(field: str, limit: int) -> None:
    assert thought_record_problems(thought(**{field: "a" * limit})) == {}
    assert field in thought_record_problems(thought(**{field: "a" * (limit + 1)}))


def test_a_thought_record_needs_a_time_with_its_zone() -> None:
    for value in ("2026-11-25T09:15:00", "yesterday", None):
        assert thought_record_problems(thought(occurred_at=value)) == {
            "occurred_at": "must be a date and time with its time zone"}


def test_a_whole_log_must_fit_the_clinic_s_payload_limit() -> None:
    wide = "\U0001f600" * 1000  # 4 bytes each in UTF-8
    problems = thought_record_problems(thought(
        situation=wide, automatic_thought=wide, balanced_thought=wide,
        evidence_for=wide * 2, evidence_against=wide * 2))
    assert problems == {"log": "is too long altogether; shorten the longest answers"}


# ------------------------------------------------------------------------------ urge log


def test_a_complete_urge_log_is_valid_and_the_optional_parts_may_be_left_out() -> None:
    assert urge_log_problems(urge_log()) == {}
    assert urge_log_problems({"occurred_at": "2026-11-25T18:40:00-06:00", "intensity": 4,
                              "used": True}) == {}


@pytest.mark.parametrize("field", ["intensity", "intensity_after"])
@pytest.mark.parametrize(("value", "ok"), [(-1, False), (0, True), (10, True), (11, False),
                                           (5.0, False)])
def test_intensities_are_0_to_10(field: str, value: Any, ok: bool) -> None:
    assert (urge_log_problems(urge_log(**{field: value})) == {}) is ok


def test_intensity_is_needed_but_intensity_after_and_duration_may_be_unknown() -> None:
    assert "intensity" in urge_log_problems(urge_log(intensity=None))
    assert urge_log_problems(urge_log(intensity_after=None, lasted_minutes=None)) == {}


@pytest.mark.parametrize(("minutes", "ok"), [(-1, False), (0, True), (1440, True),
                                             (1441, False)])
def test_lasted_minutes_is_0_to_a_day(minutes: int, ok: bool) -> None:
    assert (urge_log_problems(urge_log(lasted_minutes=minutes)) == {}) is ok


def test_the_trigger_category_comes_from_the_list() -> None:
    for category in ("people", "places", "feelings", "times", "things", "body", None):
        assert urge_log_problems(urge_log(trigger={"category": category, "detail": ""})) == {}
    assert "trigger.category" in urge_log_problems(
        urge_log(trigger={"category": "weather", "detail": ""}))
    assert "trigger" in urge_log_problems(urge_log(trigger="the bar"))
    assert tuple(payloads.TRIGGER_CATEGORIES) == logs.TRIGGER_CATEGORIES


@pytest.mark.parametrize("field", ["where", "with_whom"])
def test_one_line_fields(field: str) -> None:
    assert urge_log_problems(urge_log(**{field: "a" * 200})) == {}
    assert urge_log_problems(urge_log(**{field: "a" * 201})) == {
        field: "must be at most 200 characters"}
    assert urge_log_problems(urge_log(**{field: "two\nlines"})) == {
        field: "must be one line of printable text"}


def test_used_is_yes_or_no_and_skills_come_from_the_list_once_each() -> None:
    assert urge_log_problems(urge_log(used=None)) == {"used": "must be yes or no"}
    assert urge_log_problems(urge_log(skills_used=["prayer"])) == {
        "skills_used": "must be chosen from the skills list"}
    assert urge_log_problems(urge_log(skills_used=["tipp", "tipp"])) == {
        "skills_used": "must name each skill once"}
    assert urge_log_problems(urge_log(what_i_did="a" * 2001)) == {
        "what_i_did": "must be at most 2000 characters"}


def test_the_payload_id_rule_is_the_domain_s() -> None:
    assert payloads.ID_PATTERN == logs.ID_PATTERN.pattern


# ------------------------------------------------------------------------------- charts


def check_in_at(moment: datetime, mood: int | None, craving: int | None,
                triggers: list[str] | None = None) -> dict[str, Any]:
    return {"created_at": moment.isoformat(), "mood": mood, "craving": craving,
            "sleep_hours": None, "triggers": triggers or []}


def urge_at(moment: datetime, intensity: int, **changes: Any) -> dict[str, Any]:
    return urge_log(occurred_at=moment.isoformat(), intensity=intensity, **changes)


TODAY = date(2026, 11, 25)


def local(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=CHICAGO)


def test_days_without_entries_are_gaps_never_zeros() -> None:
    records = [urge_at(local(TODAY), 6), urge_at(local(TODAY, 20), 2),
               urge_at(local(TODAY - timedelta(days=3)), 0)]
    points = urge_points(records, TODAY, CHICAGO, 7)
    assert [day for day, _ in points] == [TODAY - timedelta(days=6 - i) for i in range(7)]
    assert [value for _, value in points] == [None, None, None, 0.0, None, None, 4.0]


def test_a_deleted_or_broken_log_counts_for_nothing() -> None:
    records = [{"deleted": True, "id": "x"}, urge_at(local(TODAY), 5),
               {"occurred_at": "garbage", "intensity": 9}]
    assert urge_points(records, TODAY, CHICAGO, 7)[-1] == (TODAY, 5.0)


def test_the_week_summary_compares_with_the_week_before_as_data() -> None:
    records = [check_in_at(local(TODAY - timedelta(days=d)), 6, c) for d, c in
               [(0, 4), (1, 4), (2, 5), (4, 4), (7, 5), (9, 5), (12, 6), (13, 4)]]
    craving = chart("craving", records, TODAY, CHICAGO, 7)
    assert len(craving.points) == 7
    assert craving.points[3] == (TODAY - timedelta(days=3), None)  # a gap, not 0
    # This week: 4, 4, 5, 4 -> 4.25 -> 4.3 (half up, like trends.py; on 4 days);
    # the week before: 5, 5, 6, 4 -> 5.0.
    assert craving.summary == Summary("coping.chart.summary.down", {
        "metric": "craving", "period": 7, "days": 4, "average": 4.3, "before": 5.0})
    mood = chart("mood", records, TODAY, CHICAGO, 7)
    assert mood.summary.key == "coping.chart.summary.same"


def test_a_summary_without_an_earlier_period_or_without_entries() -> None:
    only_now = [urge_at(local(TODAY), 7)]
    assert chart("urge", only_now, TODAY, CHICAGO, 30).summary == Summary(
        "coping.chart.summary.average",
        {"metric": "urge", "period": 30, "days": 1, "average": 7.0})
    assert chart("urge", [], TODAY, CHICAGO, 90).summary == Summary(
        "coping.chart.summary.none", {"metric": "urge", "period": 90, "days": 0})
    earlier = [urge_at(local(TODAY - timedelta(days=40)), 3)]
    up = chart("urge", [*earlier, *only_now], TODAY, CHICAGO, 30)
    assert (up.summary.key, up.summary.values["before"]) == ("coping.chart.summary.up", 3.0)
    assert len(up.points) == 30


def test_the_direction_is_judged_on_the_numbers_as_shown() -> None:
    before = [(TODAY, 4.21)]
    now = [(TODAY, 4.24)]
    assert summarise("urge", 7, before, now).key == "coping.chart.summary.same"


def test_charts_cover_7_30_or_90_days_only() -> None:
    for period in (7, 30, 90):
        assert len(chart("urge", [], TODAY, CHICAGO, period).points) == period
    with pytest.raises(ValueError):
        chart("urge", [], TODAY, CHICAGO, 14)
    with pytest.raises(ValueError):
        chart("sleep", [], TODAY, CHICAGO, 7)


def test_days_are_the_participant_s_calendar_days_across_a_dst_change() -> None:
    # Chicago leaves daylight time at 2026-11-01 02:00 (UTC-5 -> UTC-6).
    sunday = date(2026, 11, 1)
    records = [
        # 04:30 UTC on Nov 1 is 23:30 on Oct 31 in Chicago (still UTC-5).
        urge_at(datetime(2026, 11, 1, 4, 30, tzinfo=UTC), 8),
        # 05:30 UTC on Nov 1 is 00:30 on Nov 1 (UTC-5).
        urge_at(datetime(2026, 11, 1, 5, 30, tzinfo=UTC), 2),
        # 05:30 UTC on Nov 2 is 23:30 on Nov 1 (UTC-6 now): still Sunday.
        urge_at(datetime(2026, 11, 2, 5, 30, tzinfo=UTC), 4),
        # 06:00 UTC on Nov 2 is midnight on Nov 2.
        urge_at(datetime(2026, 11, 2, 6, 0, tzinfo=UTC), 10),
    ]
    points = dict(urge_points(records, date(2026, 11, 2), CHICAGO, 3))
    assert points == {date(2026, 10, 31): 8.0, sunday: 3.0, date(2026, 11, 2): 10.0}
    # The same moments in UTC fall on other days: the zone decides.
    assert dict(urge_points(records, date(2026, 11, 2), UTC, 3)) == {
        date(2026, 10, 31): None, sunday: 5.0, date(2026, 11, 2): 7.0}
    # Spring forward (2026-03-08, a 23-hour day) keeps one point per calendar day.
    march = urge_points([urge_at(datetime(2026, 3, 9, 4, 59, tzinfo=UTC), 6)],
                        date(2026, 3, 9), CHICAGO, 3)
    assert march == [(date(2026, 3, 7), None), (date(2026, 3, 8), 6.0),
                     (date(2026, 3, 9), None)]


def test_skills_used_most_with_how_much_they_helped() -> None:
    cards = [card(day="2026-11-24", skills={"wise_mind": 7, "tipp": 4, "observe": 1}),
             card(day="2026-11-25", skills={"wise_mind": 5, "tipp": 6}),
             card(day="2026-11-01", skills={"observe": 7}),  # before the span
             {"deleted": True, "day": "2026-11-23", "skills": {"observe": 7}}]
    urges = [urge_at(local(TODAY), 8, skills_used=["urge_surfing", "tipp"], intensity_after=3),
             urge_at(local(TODAY), 6, skills_used=["urge_surfing"], intensity_after=None)]
    found = skills_used_most(cards, urges, TODAY - timedelta(days=6), TODAY, CHICAGO)
    by_id = {use.skill_id: use for use in found}
    assert [use.skill_id for use in found] == ["tipp", "urge_surfing", "wise_mind"]
    assert (by_id["tipp"].times_used, by_id["tipp"].helped_share,
            by_id["tipp"].average_drop) == (3, 0.0, 5.0)
    assert (by_id["wise_mind"].helped_share, by_id["wise_mind"].average_drop) == (1.0, None)
    assert (by_id["urge_surfing"].helped_share, by_id["urge_surfing"].average_drop) == (
        None, 5.0)
    assert "observe" not in by_id  # rated 1: thought of, not used


def test_triggers_by_frequency() -> None:
    urges = [urge_at(local(TODAY), 5, trigger={"category": "people", "detail": ""}),
             urge_at(local(TODAY), 5, trigger={"category": "people", "detail": "x"}),
             urge_at(local(TODAY), 5, trigger={"category": "times", "detail": ""}),
             urge_at(local(TODAY - timedelta(days=10)), 5,
                     trigger={"category": "body", "detail": ""})]
    check_ins = [check_in_at(local(TODAY), 5, 5, ["Payday", "payday "]),
                 check_in_at(local(TODAY - timedelta(days=1)), 5, 5, ["Payday"])]
    found = triggers_by_frequency(urges, check_ins, TODAY - timedelta(days=6), TODAY, CHICAGO)
    assert [(t.source, t.trigger, t.count) for t in found] == [
        ("check_in", "payday", 2), ("urge_log", "people", 2), ("urge_log", "times", 1)]
