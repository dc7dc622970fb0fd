"""Today's trend card: 14 days of mood, craving and sleep, and the latest questionnaires.

The bars are plain Containers (light, and no chart package needed). They are hidden
from screen readers, which read the sentences instead: the words say everything the
bars show, including which days had no check-in.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, tzinfo
from typing import Any

import flet as ft

from iop_companion.domain.measures import MeasureId
from iop_companion.domain.trends import TREND_DAYS, DayPoint, daily_points, trend_sentences
from iop_companion.i18n import Translator
from iop_companion.services.measures import SELF_REPORT_MEASURES
from iop_companion.store import Store
from iop_companion.ui import kit
from iop_companion.ui.formatting import moment_label

BAR_AREA_HEIGHT = 44
MISSING_DAY_HEIGHT = 3
SCALE_MAX = {"mood": 10.0, "craving": 10.0, "sleep_hours": 12.0}  # sleep bars top out at 12 h
SCORE_MAX = {MeasureId.PHQ9: 27, MeasureId.GAD7: 21}


def _bars(points: list[DayPoint], metric: str, color: str) -> ft.Control:
    bars: list[ft.Control] = []
    for point in points:
        value = point.value(metric)
        if value is None:
            # A thin grey stub: visibly "no check-in", never a bar of zero height that
            # would look like a reading of 0.
            bar = ft.Container(height=MISSING_DAY_HEIGHT, bgcolor=ft.Colors.OUTLINE_VARIANT,
                               border_radius=2, expand=True)
        else:
            share = min(value, SCALE_MAX[metric]) / SCALE_MAX[metric]
            bar = ft.Container(height=max(6, round(share * BAR_AREA_HEIGHT)), bgcolor=color,
                               border_radius=3, expand=True)
        bars.append(bar)
    return ft.Container(height=BAR_AREA_HEIGHT,
                        content=ft.Row(bars, spacing=3,
                                       vertical_alignment=ft.CrossAxisAlignment.END))


def _chart(t: Callable[..., str], points: list[DayPoint]) -> ft.Control:
    rows: list[ft.Control] = []
    for metric, label_key, color in (("mood", "trends.chart.mood", ft.Colors.PRIMARY),
                                     ("craving", "trends.chart.craving", ft.Colors.TERTIARY),
                                     ("sleep_hours", "trends.chart.sleep", ft.Colors.SECONDARY)):
        rows.append(kit.body(t(label_key), muted=True, size=13))
        rows.append(_bars(points, metric, color))
    rows.append(ft.Row([kit.body(t("trends.chart.start"), muted=True, size=12),
                        kit.body(t("date.today"), muted=True, size=12)],
                       alignment=ft.MainAxisAlignment.SPACE_BETWEEN))
    # The sentences carry the same information for screen readers.
    return ft.Semantics(exclude_semantics=True, content=ft.Column(rows, spacing=4))


def _measure_lines(translator: Translator, store: Store, zone: tzinfo,
                   now: datetime) -> list[str]:
    t = translator.t
    lines: list[str] = []
    for measure, spec in SELF_REPORT_MEASURES.items():
        recent = store.measures.list_recent(measure.value, limit=2)
        if not recent:
            continue
        latest: dict[str, Any] = recent[0]
        when = moment_label(translator, datetime.fromisoformat(latest["created_at"]), zone, now)
        title = t(spec.title_key)
        if measure is MeasureId.BAM:
            lines.append(t("trends.measures.bam", title=title, when=when, use=latest["use"],
                           risk=latest["risk"], protective=latest["protective"]))
        elif len(recent) > 1:
            lines.append(t("trends.measures.score_before", title=title, when=when,
                           score=latest["total"], max=SCORE_MAX[measure],
                           before=recent[1]["total"]))
        else:
            lines.append(t("trends.measures.score", title=title, when=when,
                           score=latest["total"], max=SCORE_MAX[measure]))
    return lines


def trend_cards(translator: Translator, store: Store, zone: tzinfo,
                now: datetime) -> list[ft.Control]:
    """The 14-day card, and a card of the latest questionnaires once there are any."""
    t = translator.t
    today = now.astimezone(zone).date()
    # Check-ins are stored by UTC week: a day of margin covers every time zone.
    since = now - timedelta(days=TREND_DAYS + 1)
    points = daily_points(store.check_ins.list_since(since), today, zone)
    sentences = [t(s.key, **s.values) for s in trend_sentences(points)]
    parts: list[ft.Control] = [kit.subheading(t("trends.title"))]
    # Any answer draws the chart: mood or craving may have been left unanswered.
    if any(p.value(metric) is not None for p in points for metric in SCALE_MAX):
        parts.append(_chart(t, points))
    parts.extend(kit.body(sentence) for sentence in sentences)
    cards = [kit.card(*parts)]
    # A card of its own: a screen reader reads each card as one unit, so keep them short.
    measure_lines = _measure_lines(translator, store, zone, now)
    if measure_lines:
        cards.append(kit.card(kit.subheading(t("trends.measures.title")),
                              *(kit.body(line) for line in measure_lines),
                              kit.body(t("trends.measures.explain"), muted=True, size=13)))
    return cards
