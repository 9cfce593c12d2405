"""Hand-made SVG charts for the management report and dashboard.

Plain functions from numbers to SVG markup: no plotting library, no fonts to embed, and the same
markup works in the browser and in WeasyPrint. Every chart carries a <title> and <desc> with the
figures, so a screen reader gets the numbers a sighted reader sees (`role="img"`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from html import escape

Number = int | float | Decimal

# Colour-blind safe (Okabe-Ito), in a fixed order so a series keeps its colour across charts.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
FONT = 'font-family="DejaVu Sans, Arial, sans-serif"'


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[Number]


def nice_maximum(value: Number) -> int:
    """Round a maximum up to 1, 2 or 5 times a power of ten, so the axis gets round ticks."""
    if value <= 0:
        return 1
    magnitude = 1
    while magnitude * 10 <= value:
        magnitude *= 10
    for step in (1, 2, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude  # pragma: no cover - the loop always returns


def _format(value: Number) -> str:
    if isinstance(value, float | Decimal) and value != int(value):
        return f"{value:.1f}".replace(".", ",")
    return f"{int(value):,}".replace(",", ".")


def _frame(title: str, description: str, width: int, height: int, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" class="chart">'
        f"<title>{escape(title)}</title><desc>{escape(description)}</desc>" + "".join(body) + "</svg>"
    )


def tick_count(maximum: int) -> int:
    """Intervals on the value axis so every tick is a round number (maximum from nice_maximum)."""
    leading = int(str(maximum)[0])
    if maximum < 10:
        return maximum if maximum <= 5 else 4
    return {1: 5, 2: 4, 5: 5}.get(leading, 4)


def _axis(maximum: int, *, left: int, top: int, plot_width: int, plot_height: int) -> list[str]:
    parts = []
    intervals = tick_count(maximum)
    for tick in range(intervals + 1):
        value = maximum * tick / intervals
        y = top + plot_height - plot_height * tick / intervals
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_width}" y2="{y:.1f}" stroke="#ddd"/>'
            f'<text x="{left - 4}" y="{y + 3:.1f}" text-anchor="end" font-size="9" {FONT}>{_format(value)}</text>'
        )
    return parts


def bar_chart(
    labels: Sequence[str], values: Sequence[Number], *, title: str, width: int = 480, height: int = 220
) -> str:
    """Draw a vertical bar chart with the value above every bar."""
    if len(labels) != len(values):
        raise ValueError("labels and values differ in length")
    description = "; ".join(f"{label}: {_format(value)}" for label, value in zip(labels, values, strict=True))
    left, top, bottom = 40, 10, 40
    plot_width, plot_height = width - left - 10, height - top - bottom
    maximum = nice_maximum(max(values, default=0))
    body = _axis(maximum, left=left, top=top, plot_width=plot_width, plot_height=plot_height)
    slot = plot_width / max(len(values), 1)
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        bar_height = plot_height * float(value) / maximum
        x = left + index * slot + slot * 0.15
        y = top + plot_height - bar_height
        body.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" height="{bar_height:.1f}" '
            f'fill="{PALETTE[0]}"/>'
            f'<text x="{x + slot * 0.35:.1f}" y="{y - 2:.1f}" text-anchor="middle" font-size="9" {FONT}>'
            f"{_format(value)}</text>"
            f'<text x="{x + slot * 0.35:.1f}" y="{top + plot_height + 12}" text-anchor="middle" '
            f'font-size="8" {FONT}>{escape(label[:14])}</text>'
        )
    return _frame(title, description, width, height, body)


def line_chart(
    labels: Sequence[str], series: Sequence[Series], *, title: str, width: int = 480, height: int = 220
) -> str:
    """Draw one line per series over the labels (months), with a legend below."""
    for line in series:
        if len(line.values) != len(labels):
            raise ValueError(f"series {line.name!r} has {len(line.values)} values for {len(labels)} labels")
    description = "; ".join(
        f"{line.name}: "
        + ", ".join(f"{label} {_format(value)}" for label, value in zip(labels, line.values, strict=True))
        for line in series
    )
    left, top = 40, 10
    legend_rows = (len(series) + 2) // 3
    bottom = 24 + 14 * legend_rows
    plot_width, plot_height = width - left - 24, height - top - bottom  # room for the last month label
    maximum = nice_maximum(max((max(line.values, default=0) for line in series), default=0))
    body = _axis(maximum, left=left, top=top, plot_width=plot_width, plot_height=plot_height)
    step = plot_width / max(len(labels) - 1, 1)
    for index, label in enumerate(labels):
        body.append(
            f'<text x="{left + index * step:.1f}" y="{top + plot_height + 12}" text-anchor="middle" '
            f'font-size="8" {FONT}>{escape(label)}</text>'
        )
    for number, line in enumerate(series):
        colour = PALETTE[number % len(PALETTE)]
        points = " ".join(
            f"{left + index * step:.1f},{top + plot_height - plot_height * float(value) / maximum:.1f}"
            for index, value in enumerate(line.values)
        )
        body.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"/>')
        legend_x = left + (number % 3) * (plot_width / 3)
        legend_y = top + plot_height + 26 + 14 * (number // 3)
        body.append(
            f'<rect x="{legend_x:.1f}" y="{legend_y - 8}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{legend_x + 14:.1f}" y="{legend_y}" font-size="9" {FONT}>{escape(line.name)}</text>'
        )
    return _frame(title, description, width, height, body)
