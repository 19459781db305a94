"""A score-history chart as plain geometry: each attempt's score over time and the pass mark.

The template draws it as server-rendered SVG (no script, no inline style: colours
come from the stylesheet's classes, so the dark scheme applies); the same points
fill the table that screen readers are offered instead. Pure: tested without Flask.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

WIDTH = 480
HEIGHT = 220
LEFT, RIGHT, TOP, BOTTOM = 44, 16, 14, 34  # room for the axis labels
TICKS = (0, 25, 50, 75, 100)


@dataclass(frozen=True)
class ScorePoint:
    """One graded attempt."""

    when: datetime
    percent: float
    label: str  # "Lesson title, attempt 2"
    pass_mark: float
    attempt_id: int | None = None

    @property
    def passed(self) -> bool:
        return round(self.percent, 6) >= self.pass_mark


@dataclass(frozen=True)
class PlacedPoint:
    x: float
    y: float
    point: ScorePoint


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    points: tuple[PlacedPoint, ...]
    line: str  # the polyline's points attribute
    pass_mark: float
    pass_y: float
    ticks: tuple[tuple[int, float], ...]  # (percent, y)
    first: datetime
    last: datetime
    left: int = LEFT
    right: int = WIDTH - RIGHT
    bottom: int = HEIGHT - BOTTOM


def _y(percent: float) -> float:
    clamped = min(100.0, max(0.0, percent))
    return round(TOP + (HEIGHT - TOP - BOTTOM) * (1 - clamped / 100.0), 1)


def score_chart(points: list[ScorePoint], pass_mark: float) -> Chart | None:
    """Place the attempts (oldest first) by time on x and score on y; None when there are none.

    Attempts at the same moment (or a single one) are spread evenly instead, so
    every point stays visible.
    """
    if not points:
        return None
    ordered = sorted(points, key=lambda p: p.when)
    first, last = ordered[0].when, ordered[-1].when
    span = (last - first).total_seconds()
    inner = WIDTH - LEFT - RIGHT
    placed = []
    for index, point in enumerate(ordered):
        if span > 0:
            share = (point.when - first).total_seconds() / span
        else:
            share = (index + 1) / (len(ordered) + 1)
        placed.append(PlacedPoint(round(LEFT + inner * share, 1), _y(point.percent), point))
    line = " ".join(f"{p.x},{p.y}" for p in placed)
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        points=tuple(placed),
        line=line,
        pass_mark=pass_mark,
        pass_y=_y(pass_mark),
        ticks=tuple((tick, _y(tick)) for tick in TICKS),
        first=first,
        last=last,
    )


def usual_pass_mark(marks: list[float]) -> float:
    """Return the pass mark most lessons use (the course chart's line); 0 when there are none."""
    if not marks:
        return 0.0
    return max(sorted(set(marks)), key=marks.count)
