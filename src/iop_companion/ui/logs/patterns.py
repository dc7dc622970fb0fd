"""My patterns: mood, craving and urge strength over 7, 30 or 90 days as line charts, the
skills used most (and how often they helped) and triggers by how often they came up as
bar charts, all drawn with `flet-charts` (the prebuilt web client includes it).

Each chart's card reads, in order: its title, one sentence saying what it shows
("Craving averaged 4.2 over the last 7 days, down from 5.1 in the 7 days before"),
then the picture. The picture is one image node for screen readers ("Line chart of
craving by day, last 7 days"), its insides excluded: the sentence above and the lists
under the bar charts carry everything it shows, in words.

A day without an entry is a break in the line (domain/patterns.py `segments`), never a
point at 0. A period with nothing logged is one plain sentence, with no empty charts.
The charts do not react to touch (`interactive=False`), so a finger that lands on one
still scrolls the page.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, timedelta

import flet as ft
import flet_charts as fch

from iop_companion.domain.coping_logs import (
    CHART_PERIODS,
    Chart,
    SkillUse,
    Summary,
    TriggerCount,
)
from iop_companion.domain.patterns import (
    BARS_SHOWN,
    LINE_METRICS,
    SCALE_MAX,
    SkillBar,
    axis_ticks,
    count_axis,
    has_entries,
    nothing_logged,
    segments,
    skill_bars,
    skills_summary,
    triggers_summary,
)
from iop_companion.services.coping_logs import DIARY_CARD, logs, patterns
from iop_companion.ui import kit
from iop_companion.ui.context import use_services
from iop_companion.ui.logs.common import skill_name
from iop_companion.ui.theme import MIN_TOUCH

CHART_HEIGHT = 170
AXIS_TEXT_SIZE = 11
LONE_DOT_RADIUS = 4.5
LINE_COLORS = {"mood": ft.Colors.PRIMARY, "craving": ft.Colors.TERTIARY,
               "urge": ft.Colors.SECONDARY}
# A skill's bar: a light fill outlined in the main colour (the times used), the part
# the diary card says helped filled solid.
USED_COLOR = ft.Colors.PRIMARY_CONTAINER
HELPED_COLOR = ft.Colors.PRIMARY
TRIGGER_COLOR = ft.Colors.TERTIARY

T = Callable[..., str]


# ------------------------------------------------------------------------- words


def summary_sentence(t: T, summary: Summary) -> str:
    values = dict(summary.values)
    values["metric"] = t(f"coping.chart.metric.{values['metric']}")
    key = summary.key
    if key == "coping.chart.summary.average" and values.get("days") == 1:
        key = "coping.chart.summary.average_one"  # "1 day", not "1 days"
    return t(key, **values)


def skill_line(t: T, use: SkillUse) -> str:
    """"Urge surfing: used 3 times. It helped on 50% of ... Urges fell by 2.5 points ..."."""
    name = skill_name(t, use.skill_id)
    parts = [t("coping.patterns.skill_once", skill=name) if use.times_used == 1
             else t("coping.patterns.skill", skill=name, times=use.times_used)]
    if use.helped_share is not None:
        parts.append(t("coping.patterns.helped", percent=round(100 * use.helped_share)))
    if use.average_drop is not None:
        parts.append(t("coping.patterns.drop", points=f"{use.average_drop:.1f}"))
    return " ".join(parts)


def trigger_name(t: T, count: TriggerCount) -> str:
    return (t(f"coping.trigger.{count.trigger}") if count.source == "urge_log"
            else count.trigger)


def trigger_line(t: T, count: TriggerCount) -> str:
    trigger = trigger_name(t, count)
    return (t("coping.patterns.trigger_once", trigger=trigger) if count.count == 1
            else t("coping.patterns.trigger", trigger=trigger, times=count.count))


def day_tick(t: T, day: date, today: date, period: int) -> str:
    """A date label under a line chart: "Today", "Mon" over a week, "Nov 3" otherwise."""
    if day == today:
        return t("patterns.axis.today")
    if period <= 7:
        return t(f"patterns.weekday.{day.weekday()}")
    return t("patterns.axis.date", month=t(f"patterns.month.{day.month}"), day=day.day)


# ------------------------------------------------------------------------ pictures


def _axis_text(text: str) -> ft.Text:
    return ft.Text(text, size=AXIS_TEXT_SIZE, color=ft.Colors.ON_SURFACE_VARIANT,
                   no_wrap=True)


def _picture(label: str, chart: ft.Control) -> ft.Control:
    """The chart as one image for screen readers: named, its insides excluded."""
    return ft.Semantics(label=label, image=True, exclude_semantics=True, content=chart)


def _grid() -> fch.ChartGridLines:
    return fch.ChartGridLines(color=ft.Colors.OUTLINE_VARIANT, width=1, interval=5)


def line_chart(t: T, chart: Chart, today: date) -> ft.Control:
    """One line per run of days with an entry: a gap day breaks the line."""
    period = len(chart.points)
    color = LINE_COLORS[chart.metric]
    # Smaller dots when 30 or 90 days share ~300 px.
    radius = 4 if period <= 7 else 2.5 if period <= 31 else 2
    series = [
        fch.LineChartData(
            points=[fch.LineChartDataPoint(x, y) for x, y in run],
            color=color, stroke_width=2.5, curved=False, rounded_stroke_cap=True,
            # A day on its own has no line to show it: a bigger dot, easy to spot.
            point=fch.ChartCirclePoint(radius=radius if len(run) > 1 else LONE_DOT_RADIUS,
                                       color=color, stroke_width=0))
        for run in segments(chart.points)]
    ticks = [fch.ChartAxisLabel(value=i, label=_axis_text(
        day_tick(t, chart.points[i][0], today, period))) for i in axis_ticks(period)]
    return fch.LineChart(
        data_series=series,
        # Half a day of room each side, so the first and last dots are not cut in half.
        min_x=-0.5, max_x=period - 0.5, min_y=0, max_y=SCALE_MAX,
        left_axis=fch.ChartAxis(
            labels=[fch.ChartAxisLabel(value=v, label=_axis_text(str(v))) for v in (0, 5, 10)],
            label_spacing=5, label_size=26),
        bottom_axis=fch.ChartAxis(labels=ticks, label_spacing=1, label_size=22,
                                  show_min=False, show_max=False),
        horizontal_grid_lines=_grid(),
        border=ft.Border(bottom=ft.BorderSide(1, ft.Colors.OUTLINE)),
        interactive=False,
        height=CHART_HEIGHT,
    )


def _count_chart(groups: list[fch.BarChartGroup], highest: int) -> fch.BarChart:
    top, step = count_axis(highest)
    return fch.BarChart(
        groups=groups,
        min_y=0, max_y=top,
        left_axis=fch.ChartAxis(
            labels=[fch.ChartAxisLabel(value=v, label=_axis_text(str(v)))
                    for v in range(0, top + 1, step)],
            label_spacing=step, label_size=26),
        # Numbers under the bars; the list under the chart names each one.
        bottom_axis=fch.ChartAxis(
            labels=[fch.ChartAxisLabel(value=g.x, label=_axis_text(str(g.x + 1)))
                    for g in groups],
            label_size=22),
        horizontal_grid_lines=fch.ChartGridLines(color=ft.Colors.OUTLINE_VARIANT, width=1,
                                                 interval=step),
        border=ft.Border(bottom=ft.BorderSide(1, ft.Colors.OUTLINE)),
        interactive=False,
        height=CHART_HEIGHT,
    )


def skills_chart(bars: Sequence[SkillBar]) -> ft.Control:
    """A bar per skill, as high as the times used; the part the diary card says helped
    is the darker one at its foot."""
    radius = ft.BorderRadius.only(top_left=4, top_right=4)
    groups = [fch.BarChartGroup(x=i, rods=[fch.BarChartRod(
        from_y=0, to_y=bar.times_used, width=22, color=USED_COLOR, border_radius=radius,
        border_side=ft.BorderSide(1.5, HELPED_COLOR),
        stack_items=[fch.BarChartRodStackItem(from_y=0, to_y=bar.helped, color=HELPED_COLOR)]
        if bar.helped else [])]) for i, bar in enumerate(bars)]
    return _count_chart(groups, max(bar.times_used for bar in bars))


def triggers_chart(counts: Sequence[TriggerCount]) -> ft.Control:
    radius = ft.BorderRadius.only(top_left=4, top_right=4)
    groups = [fch.BarChartGroup(x=i, rods=[fch.BarChartRod(
        from_y=0, to_y=count.count, width=22, color=TRIGGER_COLOR, border_radius=radius)])
        for i, count in enumerate(counts)]
    return _count_chart(groups, max(count.count for count in counts))


def _numbered(number: int, text: str) -> ft.Control:
    """A line of the list under a bar chart, with the bar's number in front (the number
    only matches the picture, so a screen reader skips it)."""
    badge = ft.Semantics(exclude_semantics=True, content=ft.Container(
        ft.Text(str(number), size=12, weight=ft.FontWeight.W_600),
        width=24, height=24, border_radius=12, alignment=ft.Alignment.CENTER,
        bgcolor=ft.Colors.SURFACE_CONTAINER_HIGHEST))
    return ft.Row([badge, ft.Text(text, size=15, expand=True)], spacing=10,
                  vertical_alignment=ft.CrossAxisAlignment.START)


def _swatch(color: str, text: str) -> ft.Control:
    return ft.Row([ft.Container(width=14, height=14, bgcolor=color, border_radius=3,
                                border=ft.Border.all(1.5, HELPED_COLOR)),
                   ft.Text(text, size=13, color=ft.Colors.ON_SURFACE_VARIANT)],
                  spacing=6, tight=True)


# --------------------------------------------------------------------------- cards


def line_card(t: T, chart: Chart, today: date) -> ft.Control:
    parts: list[ft.Control] = [kit.subheading(t(f"coping.chart.title.{chart.metric}")),
                               kit.body(summary_sentence(t, chart.summary))]
    if has_entries(chart):  # no empty chart: the sentence says nothing was logged
        parts.append(_picture(t(f"patterns.chart.{chart.metric}", period=chart.period),
                              line_chart(t, chart, today)))
    return kit.card(*parts)


def skills_card(t: T, uses: Sequence[SkillUse], bars: Sequence[SkillBar],
                period: int) -> ft.Control:
    summary = skills_summary(uses, period)
    parts: list[ft.Control] = [kit.subheading(t("coping.patterns.skills")),
                               kit.body(t(summary.key, **summary.values))]
    if bars:
        parts.append(_picture(t("patterns.chart.skills", period=period), skills_chart(bars)))
        if any(bar.helped for bar in bars):
            # The colours' key only explains the picture: nothing for a screen reader.
            parts.append(ft.Semantics(exclude_semantics=True, content=ft.Row(
                [_swatch(USED_COLOR, t("patterns.skills.key.used")),
                 _swatch(HELPED_COLOR, t("patterns.skills.key.helped"))],
                wrap=True, spacing=16, run_spacing=6)))
        parts += [_numbered(i + 1, skill_line(t, bar.use)) for i, bar in enumerate(bars)]
        if len(uses) > len(bars):
            parts.append(kit.body(t("patterns.skills.top_shown", shown=len(bars)), muted=True))
    return kit.card(*parts)


def triggers_card(t: T, counts: Sequence[TriggerCount], period: int) -> ft.Control:
    summary = triggers_summary(counts, period)
    shown = list(counts[:BARS_SHOWN])
    parts: list[ft.Control] = [kit.subheading(t("coping.patterns.triggers")),
                               kit.body(t(summary.key, **summary.values))]
    if shown:
        parts.append(_picture(t("patterns.chart.triggers", period=period),
                              triggers_chart(shown)))
        parts += [_numbered(i + 1, trigger_line(t, count)) for i, count in enumerate(shown)]
        if len(counts) > len(shown):
            parts.append(kit.body(t("patterns.triggers.top_shown", shown=len(shown)),
                                  muted=True))
    return kit.card(*parts)


def period_chips(t: T, period: int, choose: Callable[[int], None]) -> ft.Control:
    """7, 30 or 90 days. The chips show "30 days" (three fit one row on a phone); a
    screen reader hears "Show: Last 30 days"."""
    def chip(days: int) -> ft.Control:
        chosen = days == period
        button = ft.FilledTonalButton if chosen else ft.OutlinedButton
        face = ft.Text(t("patterns.period.short", days=days),
                       semantics_label=f"{t('patterns.period')}: "
                                       f"{t('patterns.period.days', days=days)}")
        return ft.Semantics(selected=chosen, content=button(
            face, icon=ft.Icons.CHECK if chosen else None,
            on_click=kit.tracked(lambda: choose(days)), height=MIN_TOUCH))

    return ft.Column(
        [ft.Text(t("patterns.period"), size=15, weight=ft.FontWeight.W_500),
         ft.Row([chip(days) for days in CHART_PERIODS], wrap=True, spacing=8, run_spacing=8)],
        spacing=6)


@ft.component
def PatternsScreen() -> ft.Control:
    services = use_services()
    t = services.t
    store = services.account.store
    period, set_period = ft.use_state(CHART_PERIODS[0])
    if store is None:
        return kit.screen(kit.body(t("help.locked_note"), muted=True))
    now, zone = services.clock(), services.zone()
    today = now.astimezone(zone).date()
    found = patterns(store, now, zone, period)
    charts = [found.charts[metric] for metric in LINE_METRICS]
    controls: list[ft.Control] = [
        kit.heading(t("coping.patterns.title")),
        kit.body(t("patterns.intro"), muted=True),
        period_chips(t, period, set_period),
    ]
    if nothing_logged(charts, found.skills, found.triggers):
        controls.append(kit.card(kit.body(t("patterns.empty", period=period))))
        return kit.screen(*controls)
    controls += [line_card(t, chart, today) for chart in charts]
    first = today - timedelta(days=period - 1)
    bars = skill_bars(found.skills, logs(store, DIARY_CARD), first, today)
    controls.append(skills_card(t, found.skills, bars, period))
    controls.append(triggers_card(t, found.triggers, period))
    return kit.screen(*controls)
