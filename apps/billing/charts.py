"""A small server-rendered SVG bar chart (no JavaScript, no chart library).

Every chart names itself (`<title>`, `<desc>`, aria-label) and every bar carries its value in a
tooltip and in `data-value`; the page shows the same numbers as a table for people who do not
read charts. Values are integers (credits).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe


@dataclass(frozen=True)
class Bar:
    label: str  # short axis label ("3 Mar", "Article writing")
    value: int
    title: str = ""  # the whole sentence for the tooltip; defaults to "label: value"

    @property
    def tooltip(self) -> str:
        return self.title or f"{self.label}: {self.value:,}"


def nice_ceiling(value: int) -> int:
    """The axis top: the smallest 1, 2 or 5 × 10ⁿ at or above `value` (1 for nothing)."""
    if value <= 0:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    return next(step * magnitude for step in (1, 2, 5, 10) if step * magnitude >= value)


def _svg_open(chart_id: str, title: str, description: str, width: int, height: int) -> SafeString:
    return format_html(
        '<svg class="chart" id="{id}" viewBox="0 0 {w} {h}" width="{w}" height="{h}" '
        'role="img" aria-label="{title}" aria-describedby="{id}-desc" '
        'xmlns="http://www.w3.org/2000/svg">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>',
        id=chart_id,
        w=width,
        h=height,
        title=title,
        desc=description,
    )


def column_chart(
    bars: Sequence[Bar],
    *,
    chart_id: str,
    title: str,
    description: str,
    width: int = 900,
    height: int = 240,
    label_every: int = 7,
) -> SafeString:
    """Vertical bars left to right (a time series). Every `label_every`-th bar, counted back
    from the last, gets an axis label, so the newest day is always named."""
    # Margins leave room for the larger axis text phones get from the stylesheet.
    left, right, top, bottom = 72, 40, 24, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    axis_top = nice_ceiling(max((b.value for b in bars), default=0))
    slot = plot_w / max(len(bars), 1)
    bar_w = max(slot * 0.7, 1.0)
    parts = [_svg_open(chart_id, title, description, width, height)]
    for fraction in (0, 0.5, 1):
        if (axis_top * fraction) % 1:
            continue  # no gridline at a fractional credit (the top is 1 or 5)
        y = top + plot_h - plot_h * fraction
        parts.append(
            format_html(
                '<line class="grid" x1="{}" x2="{}" y1="{y}" y2="{y}"/>'
                '<text class="axis" x="{}" y="{}" text-anchor="end">{}</text>',
                left,
                width - right,
                left - 6,
                f"{y + 4:.1f}",
                f"{int(axis_top * fraction):,}",
                y=f"{y:.1f}",
            )
        )
    last = len(bars) - 1
    for i, bar in enumerate(bars):
        h = plot_h * bar.value / axis_top
        x = left + i * slot + (slot - bar_w) / 2
        parts.append(
            format_html(
                '<rect class="bar" x="{}" y="{}" width="{}" height="{}" data-label="{}" '
                'data-value="{}"><title>{}</title></rect>',
                f"{x:.1f}",
                f"{top + plot_h - h:.1f}",
                f"{bar_w:.1f}",
                f"{h:.1f}",
                bar.label,
                bar.value,
                bar.tooltip,
            )
        )
        if (last - i) % label_every == 0:
            parts.append(
                format_html(
                    '<text class="axis" x="{}" y="{}" text-anchor="middle">{}</text>',
                    f"{x + bar_w / 2:.1f}",
                    height - 10,
                    bar.label,
                )
            )
    parts.append(mark_safe("</svg>"))
    return mark_safe("".join(parts))
