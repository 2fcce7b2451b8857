"""Charts drawn on the server as SVG for the printed report: no script, no library, no CDN.

Bars of one series, optionally with a marker per bar for a second figure (the 90th percentile of waits over
bars of the average). Sizes are in SVG user units; the page scales the chart to the column width.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

WIDTH = 680
HEIGHT = 200
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 14, 40
BAR = "#2f5d8a"
MARK = "#c0392b"
GRID = "#d0d7de"
TEXT = "#222"


def _nice_max(value: float) -> float:
    """A round axis maximum at or above ``value`` (1, 2, 5 × 10^n)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * power:
            return float(step * power)
    return float(10 * power)


def _fmt(value: float) -> str:
    return f"{value:.0f}" if value == int(value) else f"{value:.1f}"


def bar_chart(
    labels: Sequence[str],
    values: Sequence[float | None],
    *,
    title: str,
    unit: str,
    marks: Sequence[float | None] | None = None,
    mark_label: str = "",
    bar_label: str = "",
) -> str:
    """An SVG bar chart; ``marks`` draws a short red line per bar (e.g. the 90th percentile)."""
    n = max(len(labels), 1)
    top_value = max([v or 0 for v in values] + [m or 0 for m in (marks or [])] + [0])
    axis_max = _nice_max(top_value)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / n
    bar_w = max(slot * 0.7, 1.0)
    every = max(1, math.ceil(n / 24))  # at most about 24 labels under the axis
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}" class="chart">',
        f"<title>{escape(title)}</title>",
    ]
    steps = 4 if str(int(axis_max))[0] == "2" else 5  # 0, 5, 10, 15, 20 / 0, 10, ... 50
    for i in range(steps + 1):
        tick = axis_max * i / steps
        y = TOP + plot_h - plot_h * i / steps
        parts.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="{GRID}"/>')
        parts.append(
            f'<text x="{LEFT - 4}" y="{y + 3:.1f}" font-size="9" text-anchor="end" fill="{TEXT}">{_fmt(tick)}</text>'
        )
    parts.append(f'<text x="4" y="{TOP - 4}" font-size="9" fill="{TEXT}">{escape(unit)}</text>')
    for i, (label, value) in enumerate(zip(labels, values, strict=False)):
        x = LEFT + slot * i + (slot - bar_w) / 2
        if value:
            h = plot_h * value / axis_max
            parts.append(
                f'<rect x="{x:.1f}" y="{TOP + plot_h - h:.1f}" width="{bar_w:.1f}" height="{h:.1f}" fill="{BAR}">'
                f"<title>{escape(label)}: {_fmt(value)}</title></rect>"
            )
            if n <= 24:
                parts.append(
                    f'<text x="{x + bar_w / 2:.1f}" y="{TOP + plot_h - h - 2:.1f}" font-size="8" '
                    f'text-anchor="middle" fill="{TEXT}">{_fmt(value)}</text>'
                )
        mark = marks[i] if marks is not None and i < len(marks) else None
        if mark:
            y = TOP + plot_h - plot_h * float(mark) / axis_max
            parts.append(
                f'<line x1="{x - 1:.1f}" y1="{y:.1f}" x2="{x + bar_w + 1:.1f}" y2="{y:.1f}" '
                f'stroke="{MARK}" stroke-width="2"/>'
            )
        if i % every == 0:
            parts.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{TOP + plot_h + 12}" font-size="9" text-anchor="middle" '
                f'fill="{TEXT}">{escape(label)}</text>'
            )
    parts.append(f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" y2="{TOP + plot_h}" stroke="{TEXT}"/>')
    legend_y = HEIGHT - 8
    if bar_label:
        parts.append(f'<rect x="{LEFT}" y="{legend_y - 8}" width="10" height="8" fill="{BAR}"/>')
        parts.append(f'<text x="{LEFT + 14}" y="{legend_y}" font-size="9" fill="{TEXT}">{escape(bar_label)}</text>')
    if marks is not None and mark_label:
        lx = LEFT + 150
        parts.append(f'<line x1="{lx}" y1="{legend_y - 4}" x2="{lx + 12}" y2="{legend_y - 4}" stroke="{MARK}" '
                     f'stroke-width="2"/>')  # fmt: skip
        parts.append(f'<text x="{lx + 16}" y="{legend_y}" font-size="9" fill="{TEXT}">{escape(mark_label)}</text>')
    parts.append("</svg>")
    return "".join(parts)
