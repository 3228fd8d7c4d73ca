"""Small server-rendered SVG charts (no JavaScript, no CDN): bars per day and a line.

Each chart is an `<svg role="img">` with a `<title>` and a `<desc>` summing it up, and a
`<title>` on every bar or point (the day and its value), so screen readers and hovering
both get the numbers. Sizes are in a viewBox: the chart scales to its container.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

from markupsafe import Markup, escape

from callcenter.domain.usage import DayValue

WIDTH, HEIGHT = 360, 150
LEFT, RIGHT, TOP, BOTTOM = 6, 6, 10, 24
_ids = itertools.count(1)


def _frame(title: str, desc: str, body: list[str], css: str) -> Markup:
    n = next(_ids)
    head = (f'<svg class="chart {css}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
            f'aria-labelledby="chart-{n}-t chart-{n}-d">'
            f'<title id="chart-{n}-t">{escape(title)}</title>'
            f'<desc id="chart-{n}-d">{escape(desc)}</desc>')
    # Every interpolated value above is escaped or a number we formatted.
    return Markup(head + "".join(body) + "</svg>")  # noqa: S704


def _axis(points: Sequence[DayValue]) -> list[str]:
    """The baseline and the first, middle and last day under it."""
    base = HEIGHT - BOTTOM
    out = [f'<line class="axis" x1="{LEFT}" y1="{base}" x2="{WIDTH - RIGHT}" y2="{base}"/>']
    for i, anchor in ((0, "start"), (len(points) // 2, "middle"), (len(points) - 1, "end")):
        x = LEFT + (WIDTH - LEFT - RIGHT) * (i + 0.5) / len(points)
        out.append(f'<text x="{x:.1f}" y="{HEIGHT - 6}" text-anchor="{anchor}">'
                   f'{points[i].day.strftime("%m-%d")}</text>')
    return out


def bars(points: Sequence[DayValue], *, title: str, fmt: Callable[[int], str]) -> Markup:
    """A bar per day; `fmt` writes a value for people (the bar's title, the summary)."""
    if not points:
        return Markup("")
    top = max(p.value for p in points) or 1
    span_w, span_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = span_w / len(points)
    body = []
    for i, p in enumerate(points):
        h = span_h * max(p.value, 0) / top
        x, y = LEFT + i * step + step * 0.15, HEIGHT - BOTTOM - h
        body.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{step * 0.7:.1f}" '
                    f'height="{h:.1f}"><title>{p.day.isoformat()}: '
                    f'{escape(fmt(p.value))}</title></rect>')
    total = sum(p.value for p in points)
    desc = (f"{points[0].day.isoformat()} to {points[-1].day.isoformat()}: total "
            f"{fmt(total)}, highest day {fmt(max(p.value for p in points))}")
    return _frame(title, desc, body + _axis(points), "chart-bars")


def line(points: Sequence[DayValue], *, title: str, fmt: Callable[[int], str]) -> Markup:
    """A line through each day's value (it may go below zero)."""
    if not points:
        return Markup("")
    low = min(min(p.value for p in points), 0)
    high = max(max(p.value for p in points), 0)
    spread = (high - low) or 1
    span_w, span_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = span_w / len(points)

    def y(value: int) -> float:
        return TOP + span_h * (high - value) / spread

    coords = [(LEFT + step * (i + 0.5), y(p.value)) for i, p in enumerate(points)]
    path = " ".join(f"{x:.1f},{yy:.1f}" for x, yy in coords)
    body = [f'<line class="zero" x1="{LEFT}" y1="{y(0):.1f}" x2="{WIDTH - RIGHT}" '
            f'y2="{y(0):.1f}"/>', f'<polyline points="{path}"/>']
    for (x, yy), p in zip(coords, points, strict=True):
        body.append(f'<circle cx="{x:.1f}" cy="{yy:.1f}" r="3"><title>{p.day.isoformat()}: '
                    f'{escape(fmt(p.value))}</title></circle>')
    values = [p.value for p in points]
    desc = (f"{points[0].day.isoformat()}: {fmt(values[0])}; "
            f"{points[-1].day.isoformat()}: {fmt(values[-1])}; lowest {fmt(min(values))}, "
            f"highest {fmt(max(values))}")
    return _frame(title, desc, body + _axis(points), "chart-line")
