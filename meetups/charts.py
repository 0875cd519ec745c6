"""Charts drawn on the server as SVG (no charting JavaScript): plain geometry that a template turns into
<svg> elements, always next to a table with the same numbers. Used by the community health page and survey
results."""

from __future__ import annotations

from dataclasses import dataclass

WIDTH, HEIGHT, PAD = 640, 220, 28


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: float
    #: which series of a stacked bar (0, 1, ...): the template colours it
    series: int = 0


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    #: a line chart's points, "x,y x,y ..." for <polyline>
    points: str
    #: (x, text) under the chart
    labels: list[tuple[float, str]]
    #: the largest value, for the axis note, and the value at the axis (0 unless the chart says otherwise)
    top: float
    bottom: float = 0


def _scale(top: float) -> float:
    return (HEIGHT - 2 * PAD) / top if top > 0 else 0.0


def stacked_bars(groups: list[tuple[str, list[float]]]) -> Chart:
    """One bar per group, its values stacked bottom-up (new and returning attendees, say)."""
    top = max((sum(values) for _label, values in groups), default=0)
    scale, step = _scale(top), (WIDTH - 2 * PAD) / max(1, len(groups))
    bars, labels = [], []
    for i, (label, values) in enumerate(groups):
        x, base = PAD + i * step + step * 0.15, HEIGHT - PAD
        for series, value in enumerate(values):
            height = value * scale
            bars.append(
                Bar(
                    round(x, 1),
                    round(base - height, 1),
                    round(step * 0.7, 1),
                    round(height, 1),
                    label,
                    value,
                    series,
                )
            )
            base -= height
        labels.append((round(x + step * 0.35, 1), label))
    return Chart(WIDTH, HEIGHT, bars, "", labels, top)


def line(points: list[tuple[str, float]], *, bounds: tuple[float, float] | None = None) -> Chart:
    """A line through the values, left to right (members over time, a trend). `bounds` fixes the range, for
    scales that go below zero (NPS: -100 to 100) or do not start there (a rating: 1 to 5)."""
    bottom, top = bounds or (0, max((value for _label, value in points), default=0))
    scale = _scale(top - bottom)
    step = (WIDTH - 2 * PAD) / max(1, len(points) - 1)
    coords = [
        (PAD + i * step, HEIGHT - PAD - (value - bottom) * scale) for i, (_label, value) in enumerate(points)
    ]
    every = max(1, len(points) // 6)  # a label every few points, so they never overlap
    labels = [
        (round(x, 1), label)
        for i, ((x, _y), (label, _v)) in enumerate(zip(coords, points, strict=True))
        if i % every == 0
    ]
    return Chart(WIDTH, HEIGHT, [], " ".join(f"{x:.1f},{y:.1f}" for x, y in coords), labels, top, bottom)
