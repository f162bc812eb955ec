"""Geometry of the small pictures the pages draw as inline SVG.

Pure functions of plain data: they place points and lines; the templates draw them, so
that every label goes through the template engine's escaping and translation.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils.formats import number_format

from vinculo.health.selectors import CoverageGraph
from vinculo.vocab import Function


def tick(value: float) -> str:
    """An axis label in the active language's number format (2.5 / 2,5), no ".0"."""
    number: float | int = int(value) if float(value).is_integer() else round(value, 2)
    return number_format(number, force_grouping=True)


def nice_max(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 times a power of ten at or above ``value`` (axis top)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power  # pragma: no cover - the loop always returns


@dataclass
class Sparkline:
    width: int
    height: int
    points: str  # "x,y x,y ..." for <polyline>
    last_x: float
    last_y: float
    first: dt.date
    last: dt.date
    low: int
    high: int


def sparkline(
    history: Sequence[tuple[dt.date, int]],
    *,
    start: dt.date,
    end: dt.date,
    width: int = 240,
    height: int = 48,
) -> Sparkline | None:
    """Health (0-100, fixed scale so that lines compare) over the days from start to end."""
    if not history:
        return None
    span = max(1, (end - start).days)
    pad = 3
    coords = [
        (
            round(pad + (width - 2 * pad) * (day - start).days / span, 1),
            round(pad + (height - 2 * pad) * (100 - value) / 100, 1),
        )
        for day, value in history
    ]
    values = [value for _day, value in history]
    return Sparkline(
        width=width,
        height=height,
        points=" ".join(f"{x},{y}" for x, y in coords),
        last_x=coords[-1][0],
        last_y=coords[-1][1],
        first=history[0][0],
        last=history[-1][0],
        low=min(values),
        high=max(values),
    )


@dataclass
class Node:
    id: int
    name: str
    function: str
    x: float
    y: float


@dataclass
class Edge:
    x1: float
    y1: float
    x2: float
    y2: float
    width: float
    count: int
    colleague: str
    person: str


@dataclass
class Bipartite:
    width: int
    height: int
    left: list[Node]
    right: list[Node]
    edges: list[Edge]


def _function_label(value: str) -> str:
    return str(Function(value).label) if value in Function.values else value


def bipartite(graph: CoverageGraph, *, width: int = 720, row: int = 46) -> Bipartite | None:
    """Our colleagues on the left, their people on the right, one line per pair whose
    stroke width grows with the square root of the interactions (so a busy pair does not
    hide the rest)."""
    if not graph.edges:
        return None
    rows = max(len(graph.colleagues), len(graph.people))
    height = 24 + rows * row
    left_x, right_x = 220.0, width - 250.0

    def place(nodes: list, x: float) -> dict[int, Node]:
        # Centre the shorter column against the taller one.
        offset = 12 + (rows - len(nodes)) * row / 2 + row / 2
        return {
            n.id: Node(n.id, n.name, _function_label(n.function), x, offset + i * row)
            for i, n in enumerate(nodes)
        }

    left = place(graph.colleagues, left_x)
    right = place(graph.people, right_x)
    top = max(n for _c, _p, n in graph.edges)
    edges = [
        Edge(
            left[c].x,
            left[c].y,
            right[p].x,
            right[p].y,
            round(1.5 + 8.5 * math.sqrt(n / top), 1),
            n,
            left[c].name,
            right[p].name,
        )
        for c, p, n in graph.edges
    ]
    # Thin lines on top, so that a thick one does not cover them.
    edges.sort(key=lambda edge: -edge.width)
    return Bipartite(width, height, list(left.values()), list(right.values()), edges)


@dataclass
class Dot:
    x: float
    y: float
    label: str
    value: float
    flagged: bool = False
    url: str = ""
    quadrant: str = ""


@dataclass
class Strip:
    width: int
    height: int
    dots: list[Dot]
    median_x: float
    axis_max: float
    ticks: list[tuple[float, str]] = field(default_factory=list)


def strip(
    values: Sequence[tuple[str, float, bool]],
    *,
    median: float,
    axis_max: float | None = None,
    width: int = 720,
    height: int = 64,
) -> Strip:
    """One dot per account along a line (its rate). Dots that fall close together are
    spread up and down a little, up to three rows each side; beyond that they overlap and
    their translucency shows the crowd."""
    top = axis_max or nice_max(max([v for _l, v, _f in values] + [median, 0.0]))
    left, right = 16.0, width - 16.0
    scale = (right - left) / top
    centre = height / 2 + 8
    dots: list[Dot] = []
    taken: dict[int, int] = {}
    for label, value, flagged in sorted(values, key=lambda item: item[1]):
        x = round(left + min(value, top) * scale, 1)
        bucket = int(x // 8)
        level = taken.get(bucket, 0)
        taken[bucket] = level + 1
        step = min(3, (level + 1) // 2) * (1 if level % 2 else -1)
        dots.append(Dot(x, centre + step * 7, label, value, flagged))
    ticks = [(round(left + top * i / 4 * scale, 1), tick(top * i / 4)) for i in range(5)]
    return Strip(width, height, dots, round(left + median * scale, 1), top, ticks)


@dataclass
class Scatter:
    width: int
    height: int
    left: float
    right: float
    top: float
    bottom: float
    dots: list[Dot]
    x_ticks: list[tuple[float, str]]
    y_ticks: list[tuple[float, str]]
    x_split: float
    y_split: float


def _short(value: float) -> str:
    for size, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return f"{tick(value / size)}{suffix}"
    return tick(value)


def scatter(
    points: Sequence[Dot],
    *,
    x_split: float,
    y_split: float,
    width: int = 720,
    height: int = 420,
) -> Scatter:
    """Dots placed by (x, y) = their ``x`` and ``value``, with the two split lines drawn
    (the medians that make the quadrants)."""
    left, right, top, bottom = 64.0, width - 16.0, 16.0, height - 44.0
    x_max = nice_max(max([p.x for p in points] + [x_split, 0.0]))
    y_max = nice_max(max([p.value for p in points] + [y_split, 0.0]))

    def sx(v: float) -> float:
        return round(left + (right - left) * v / x_max, 1)

    def sy(v: float) -> float:
        return round(bottom - (bottom - top) * v / y_max, 1)

    dots = [
        Dot(sx(p.x), sy(p.value), p.label, p.value, p.flagged, p.url, p.quadrant) for p in points
    ]
    return Scatter(
        width,
        height,
        left,
        right,
        top,
        bottom,
        dots,
        [(sx(x_max * i / 4), _short(x_max * i / 4)) for i in range(5)],
        [(sy(y_max * i / 4), _short(y_max * i / 4)) for i in range(5)],
        sx(x_split),
        sy(y_split),
    )


@dataclass
class History:
    """Health over time on a fixed 0-100 scale, with the band thresholds drawn."""

    width: int
    height: int
    left: float
    right: float
    top: float
    bottom: float
    points: str  # "x,y x,y ..." for <polyline>
    dots: list[tuple[float, float, dt.date, int]]
    x_ticks: list[tuple[float, dt.date]]  # the first of each month; the template names it
    y_ticks: list[tuple[float, int]]
    yellow_y: float
    green_y: float
    first: dt.date
    last: dt.date
    low: int
    high: int
    latest: int


def _month_starts(start: dt.date, end: dt.date) -> list[dt.date]:
    day = dt.date(start.year, start.month, 1)
    if day < start:
        day = dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)
    out = []
    while day <= end:
        out.append(day)
        day = dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return out


def history(
    points: Sequence[tuple[dt.date, int]],
    *,
    start: dt.date,
    end: dt.date,
    bands: tuple[int, int] = (40, 70),
    width: int = 720,
    height: int = 180,
) -> History | None:
    """One point per stored snapshot from ``start`` to ``end``; ``bands`` are the scores
    where yellow and green begin. None without any snapshot."""
    if not points:
        return None
    left, right, top, bottom = 36.0, width - 12.0, 10.0, height - 26.0
    span = max(1, (end - start).days)

    def sx(day: dt.date) -> float:
        return round(left + (right - left) * (day - start).days / span, 1)

    def sy(value: float) -> float:
        return round(bottom - (bottom - top) * value / 100, 1)

    dots = [(sx(day), sy(value), day, value) for day, value in points]
    months = _month_starts(start, end)
    # At most about six month names under the line, so that they never touch.
    step = max(1, math.ceil(len(months) / 6))
    values = [value for _day, value in points]
    return History(
        width=width,
        height=height,
        left=left,
        right=right,
        top=top,
        bottom=bottom,
        points=" ".join(f"{x},{y}" for x, y, _d, _v in dots),
        dots=dots,
        x_ticks=[(sx(day), day) for day in months[::step]],
        y_ticks=[(sy(v), v) for v in (0, 50, 100)],
        yellow_y=sy(bands[0]),
        green_y=sy(bands[1]),
        first=points[0][0],
        last=points[-1][0],
        low=min(values),
        high=max(values),
        latest=values[-1],
    )
