"""The My patterns screen's pieces (ui/logs/patterns.py), without a browser: a day without
an entry is a break between two lines, never a point; each chart is one named image for
screen readers with its sentence in words above it; a metric with nothing logged shows
its sentence and no chart; the bar charts number their bars as the lists under them do;
and the date labels read in English and Spanish."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import flet as ft
import flet_charts as fch
import pytest

from iop_companion.domain.coping_logs import (
    SKILL_IDS,
    Chart,
    SkillUse,
    TriggerCount,
    summarise,
)
from iop_companion.domain.patterns import BARS_SHOWN, SkillBar
from iop_companion.ui.logs.patterns import (
    day_tick,
    line_card,
    line_chart,
    period_chips,
    skills_card,
    triggers_card,
)
from tests.test_i18n import EN, ES

TODAY = date(2026, 11, 25)  # a Wednesday


def t_of(strings: dict[str, str]):
    def t(key: str, **values: object) -> str:
        assert key in strings, f"missing locale key {key}"
        return strings[key].format(**values)
    return t


T = t_of(EN)


def a_chart(metric: str, values: list[float | None], before: list[float | None] | None = None
            ) -> Chart:
    period = len(values)
    days = [TODAY - timedelta(days=period - 1 - i) for i in range(period)]
    earlier = [(d - timedelta(days=period), v)
               for d, v in zip(days, before or [None] * period, strict=True)]
    now = list(zip(days, values, strict=True))
    return Chart(metric, period, now, summarise(metric, period, earlier, now))


def walk(control: Any) -> list[Any]:
    """Every control under `control` (content, controls, and the charts' own parts)."""
    found = [control]
    for name in ("content", "controls", "data_series", "points", "groups", "rods",
                 "stack_items", "left_axis", "bottom_axis", "labels", "label"):
        child = getattr(control, name, None)
        for item in child if isinstance(child, list) else [child]:
            if isinstance(item, ft.BaseControl):
                found += walk(item)
    return found


def texts(control: Any) -> list[str]:
    return [c.value for c in walk(control) if isinstance(c, ft.Text)]


def of_type(control: Any, kind: type) -> list[Any]:
    return [c for c in walk(control) if isinstance(c, kind)]


def test_a_gap_day_breaks_the_line_and_is_never_drawn_at_zero() -> None:
    chart = a_chart("craving", [5, 6, None, None, 0, None, 3])
    drawn = line_chart(T, chart, TODAY)
    lines = drawn.data_series
    assert [[(p.x, p.y) for p in line.points] for line in lines] == [
        [(0, 5), (1, 6)], [(4, 0)], [(6, 3)]]
    # One colour for the metric: the breaks are gaps, not other series.
    assert len({line.color for line in lines}) == 1
    # Every day shows as a dot; a day on its own (no line to show it) as a bigger one.
    assert [line.point.radius for line in lines] == [4, 4.5, 4.5]
    assert (drawn.min_y, drawn.max_y) == (0, 10)
    assert drawn.interactive is False  # a finger on the chart still scrolls the page


def test_each_line_chart_is_one_named_image_under_its_sentence() -> None:
    card = line_card(T, a_chart("craving", [None, None, None, 4, 4.4, None, 4.2],
                                [5.1] * 7), TODAY)
    words = texts(card)
    assert "Craving averaged 4.2 over the last 7 days, down from 5.1 in the 7 days before." \
        in words
    [picture] = [c for c in walk(card) if isinstance(c, ft.Semantics) and c.image]
    assert picture.label == "Line chart of craving by day, last 7 days"
    assert picture.exclude_semantics is True
    assert isinstance(picture.content, fch.LineChart)
    # The sentence comes before the picture, as a screen reader reads the card.
    order = walk(card)
    sentence = next(c for c in order if isinstance(c, ft.Text) and c.value.startswith("Craving"))
    assert order.index(sentence) < order.index(picture)


def test_a_metric_with_nothing_logged_has_its_sentence_and_no_chart() -> None:
    card = line_card(T, a_chart("mood", [None] * 7, [6.0] * 7), TODAY)
    assert "Mood: nothing logged in the last 7 days." in texts(card)
    assert of_type(card, fch.LineChart) == []


def test_the_one_day_sentence_the_coping_logs_browser_test_reads() -> None:
    card = line_card(T, a_chart("urge", [None] * 6 + [7.0]), TODAY)
    assert "Urge strength averaged 7.0 over the last 7 days (1 day with an entry)." in texts(card)


@pytest.mark.parametrize(("period", "labels"), [
    (7, ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Today"]),
    (30, ["Oct 27", "Nov 3", "Nov 10", "Nov 17", "Today"]),
    (90, ["Aug 28", "Sep 27", "Oct 27", "Today"]),
])
def test_date_labels_fit_under_the_chart(period: int, labels: list[str]) -> None:
    drawn = line_chart(T, a_chart("mood", [5.0] * period), TODAY)
    assert [label.label.value for label in drawn.bottom_axis.labels] == labels


def test_date_labels_in_spanish() -> None:
    t = t_of(ES)
    assert day_tick(t, TODAY, TODAY, 7) == "Hoy"
    assert day_tick(t, date(2026, 11, 23), TODAY, 7) == "lun"
    assert day_tick(t, date(2026, 11, 3), TODAY, 30) == "3 nov"


def test_the_skills_chart_numbers_its_bars_and_shades_what_helped() -> None:
    uses = [SkillUse("urge_surfing", 1, None, 5.0), SkillUse("wise_mind", 3, 2 / 3, None)]
    bars = [SkillBar(uses[0], 0), SkillBar(uses[1], 2)]
    card = skills_card(T, uses, bars, 7)
    words = texts(card)
    assert "In the last 7 days you logged 2 skills, 4 times in all." in words
    assert "Urge surfing: riding the urge out: used once. Urges fell by 5.0 points on " \
           "average when you used it." in words
    [chart] = of_type(card, fch.BarChart)
    assert [label.label.value for label in chart.bottom_axis.labels] == ["1", "2"]
    rods = [group.rods[0] for group in chart.groups]
    assert [rod.to_y for rod in rods] == [1, 3]
    assert [[(s.from_y, s.to_y) for s in rod.stack_items] for rod in rods] == [[], [(0, 2)]]
    [picture] = [c for c in walk(card) if isinstance(c, ft.Semantics) and c.image]
    assert picture.label == "Bar chart of the skills used most, last 7 days"


def test_only_the_most_used_skills_are_drawn_and_the_page_says_so() -> None:
    uses = [SkillUse(skill, 9 - n, None, None)
            for n, skill in enumerate(SKILL_IDS[:BARS_SHOWN + 2])]
    card = skills_card(T, uses, [SkillBar(u, 0) for u in uses[:BARS_SHOWN]], 30)
    assert f"The chart and the list show the {BARS_SHOWN} used most." in texts(card)
    assert len(of_type(card, fch.BarChart)[0].groups) == BARS_SHOWN


def test_no_skills_and_no_triggers_are_sentences_without_charts() -> None:
    skills = skills_card(T, [], [], 90)
    triggers = triggers_card(T, [], 90)
    assert "No skills logged in the last 90 days." in texts(skills)
    assert "No triggers logged in the last 90 days." in texts(triggers)
    assert of_type(skills, fch.BarChart) == [] and of_type(triggers, fch.BarChart) == []


def test_triggers_by_frequency_as_numbered_bars() -> None:
    counts = [TriggerCount("urge_log", "places", 3), TriggerCount("check_in", "payday", 1)]
    card = triggers_card(T, counts, 7)
    words = texts(card)
    assert "In the last 7 days, 2 different triggers came up 4 times in all." in words
    assert "Places: 3 times" in words and "payday: once" in words
    [chart] = of_type(card, fch.BarChart)
    assert [g.rods[0].to_y for g in chart.groups] == [3, 1]
    assert chart.max_y == 3


@pytest.mark.parametrize(("strings", "names"), [
    (EN, ["Show: Last 7 days", "Show: Last 30 days", "Show: Last 90 days"]),
    (ES, ["Mostrar: Últimos 7 días", "Mostrar: Últimos 30 días", "Mostrar: Últimos 90 días"]),
])
def test_the_period_chips_say_what_they_show(strings: dict[str, str], names: list[str]) -> None:
    chips = period_chips(t_of(strings), 30, lambda _: None)
    faces = [c for c in walk(chips) if isinstance(c, ft.Text) and c.semantics_label]
    assert [face.semantics_label for face in faces] == names
    selected = [c.selected for c in walk(chips) if isinstance(c, ft.Semantics)]
    assert selected == [False, True, False]


def test_every_new_string_is_in_english_and_spanish() -> None:
    new = {key for key in EN if key.startswith("patterns.")}
    assert new and new <= set(ES)
