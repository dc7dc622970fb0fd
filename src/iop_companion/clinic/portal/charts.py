"""Small charts of check-ins over time, drawn on the server as inline SVG (no script).

Each chart has a title and a description for screen readers; the page shows the same
numbers in a table beside it, which is what a screen reader user reads. Styling is by
class names from the portal's stylesheet (the page's policy allows no inline style).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from html import escape

from markupsafe import Markup

from iop_companion.clinic.portal.wording import short_day

WIDTH = 560
HEIGHT = 170
_LEFT, _RIGHT, _TOP, _BOTTOM = 40, 12, 12, 28


def _x(index: int, count: int) -> float:
    span = WIDTH - _LEFT - _RIGHT
    return _LEFT + (span * index / (count - 1) if count > 1 else span / 2)


def _y(value: float, top: float) -> float:
    span = HEIGHT - _TOP - _BOTTOM
    return _TOP + span * (1 - min(max(value, 0.0), top) / top)


def _frame(chart_id: str, title: str, description: str, days: Sequence[date]) -> list[str]:
    parts = [(f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" '
              f'height="{HEIGHT}" role="img" aria-labelledby="{chart_id}-title '
              f'{chart_id}-desc">'),
             f'<title id="{chart_id}-title">{escape(title)}</title>',
             f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
             (f'<line class="axis" x1="{_LEFT}" y1="{HEIGHT - _BOTTOM}" '
              f'x2="{WIDTH - _RIGHT}" y2="{HEIGHT - _BOTTOM}"/>')]
    count = len(days)
    step = max(1, count // 4)
    for index in [*range(0, count, step), count - 1] if count else []:
        if index != count - 1 and count - 1 - index < step / 2:
            continue  # too close to the last label
        # The first and last labels sit inside the frame, not centred off its edges.
        anchor = "start" if index == 0 else "end" if index == count - 1 else "middle"
        parts.append(f'<text class="tick" x="{_x(index, count):.1f}" y="{HEIGHT - 8}" '
                     f'text-anchor="{anchor}">{escape(short_day(days[index]))}</text>')
    return parts


def line_chart(chart_id: str, title: str, days: Sequence[date],
               values: Sequence[float | None], top: float) -> Markup:
    """One value a day (None: no answer that day, a gap in the line) on a 0..top scale."""
    answered = [value for value in values if value is not None]
    description = (f"{len(answered)} of {len(days)} days answered, on a scale of 0 to "
                   f"{top:g}." + (f" Lowest {min(answered):g}, highest {max(answered):g}, "
                                  f"latest {answered[-1]:g}." if answered else ""))
    parts = _frame(chart_id, title, description, days)
    for level in (0, top / 2, top):
        y = _y(level, top)
        parts.append(f'<line class="grid" x1="{_LEFT}" y1="{y:.1f}" x2="{WIDTH - _RIGHT}" '
                     f'y2="{y:.1f}"/>')
        parts.append(f'<text class="tick" x="{_LEFT - 6}" y="{y + 4:.1f}" '
                     f'text-anchor="end">{level:g}</text>')
    run: list[str] = []
    runs: list[list[str]] = []
    for index, value in enumerate(values):
        if value is None:
            if run:
                runs.append(run)
            run = []
            continue
        run.append(f"{_x(index, len(days)):.1f},{_y(value, top):.1f}")
    if run:
        runs.append(run)
    for points in runs:
        if len(points) > 1:
            parts.append(f'<polyline class="line" points="{" ".join(points)}"/>')
        for point in points:
            x, y = point.split(",")
            parts.append(f'<circle class="dot" cx="{x}" cy="{y}" r="3.5"/>')
    if not answered:
        parts.append(f'<text class="empty" x="{WIDTH / 2}" y="{HEIGHT / 2}" '
                     'text-anchor="middle">No answers in these days</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # every text in it is escaped above


def use_chart(chart_id: str, title: str, days: Sequence[date],
              used: Sequence[bool | None]) -> Markup:
    """A mark a day: filled for reported use, an outline for none, nothing unanswered."""
    count_used = sum(1 for answer in used if answer)
    count_answered = sum(1 for answer in used if answer is not None)
    description = (f"Use reported on {count_used} of the {count_answered} days answered "
                   f"out of {len(days)}.")
    parts = _frame(chart_id, title, description, days)
    middle = (HEIGHT - _BOTTOM + _TOP) / 2
    for index, answer in enumerate(used):
        if answer is None:
            continue
        x = _x(index, len(days))
        css = "used" if answer else "not-used"
        parts.append(f'<rect class="{css}" x="{x - 6:.1f}" y="{middle - 14:.1f}" width="12" '
                     'height="28" rx="2"/>')
    parts.append(f'<text class="tick" x="{_LEFT - 6}" y="{middle + 4:.1f}" '
                 'text-anchor="end">Use</text>')
    if not count_answered:
        parts.append(f'<text class="empty" x="{WIDTH / 2}" y="{middle - 20:.1f}" '
                     'text-anchor="middle">No answers in these days</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # every text in it is escaped above
