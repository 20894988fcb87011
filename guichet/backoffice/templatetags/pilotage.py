"""The statistics page's charts: geometry of server-rendered SVG (no script), drawn by its templates.

Each tag returns a ``Chart`` (view box, bars, labels) that ``backoffice/pilotage_chart.html`` draws with
classes of the stylesheet (the CSP forbids style attributes). The numbers themselves are in the tables
beside each chart; a bar never carries a figure the table does not show.
"""

import math
from dataclasses import dataclass, field
from typing import Any

from django import template
from django.utils import formats
from django.utils.translation import gettext as _

from guichet.organisation.roles import may_see_statistics
from guichet.statistics.figures import Distribution, Share

register = template.Library()

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 44, 8, 12, 40
ROW_HEIGHT, ROW_LABEL = 28, 200
AXIS_LABEL_WIDTH = 64


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    css: str
    title: str


@dataclass
class Label:
    x: float
    y: float
    text: str
    anchor: str = "middle"
    css: str = ""


@dataclass
class Chart:
    width: int
    height: int
    bars: list[Bar] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    lines: list[tuple[float, float, float, float]] = field(default_factory=list)  # axes: x1 y1 x2 y2


@register.simple_tag(takes_context=True)
def may_see_pilotage(context) -> bool:
    request = context.get("request")
    return request is not None and may_see_statistics(request.user)


@register.filter
def days(value: float | None) -> str:
    return formats.number_format(int(value or 0))


@register.filter
def percent(share: Share) -> str:
    return f"{formats.number_format(share.percent or 0, 0)} %"


def _title(what: str, value: str) -> str:
    """A bar's tooltip (its SVG <title>), typeset for the language: « Voirie : 80 % », "Roads: 80 %"."""
    return _("%(what)s : %(value)s") % {"what": what, "value": value}


def _nice_max(value: float) -> int:
    """A round top for the value axis (1, 2, 5 × 10ⁿ), never below 1."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if value <= step * factor:
                return step * factor
        step *= 10


def _columns_frame(labels: list[str], top: int) -> tuple[Chart, float, float]:
    chart = Chart(width=WIDTH, height=HEIGHT)
    plot_height = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - LEFT - RIGHT) / max(1, len(labels))
    base = TOP + plot_height
    chart.lines.append((LEFT, base, WIDTH - RIGHT, base))
    chart.lines.append((LEFT, TOP, LEFT, base))
    chart.labels.append(Label(LEFT - 6, TOP + 4, formats.number_format(top), anchor="end", css="chart__axis"))
    chart.labels.append(Label(LEFT - 6, base, "0", anchor="end", css="chart__axis"))
    every = math.ceil(AXIS_LABEL_WIDTH / slot)  # labels never overlap, whatever the number of steps
    for i, text in enumerate(labels):
        if i % every == 0:
            chart.labels.append(Label(LEFT + slot * (i + 0.5), base + 16, text, css="chart__axis"))
    return chart, slot, plot_height


@register.simple_tag
def stacked_columns(rows: list[dict[str, Any]], channels: list[tuple[str, str]]) -> Chart:
    """Received requests per step, stacked by channel (``rows`` from the view: label, counts, total)."""
    top = _nice_max(max((row["total"] for row in rows), default=0))
    chart, slot, plot_height = _columns_frame([row["short"] for row in rows], top)
    base = TOP + plot_height
    for i, row in enumerate(rows):
        y = base
        for (code, name), count in zip(channels, row["counts"], strict=True):
            if not count:
                continue
            height = plot_height * count / top
            y -= height
            title = _title(f"{row['label']} — {name}", formats.number_format(count))
            chart.bars.append(Bar(LEFT + slot * i + slot * 0.15, y, slot * 0.7, height, f"chart__fill--{code}", title))
    return chart


@register.simple_tag
def paired_columns(rows: list[dict[str, Any]], key: str) -> Chart:
    """Median and p90 (working days) per step; a step with too few requests gets a dash, no bar."""
    distributions: list[Distribution] = [row[key] for row in rows]
    top = _nice_max(max((d.p90 or 0 for d in distributions if d.publishable), default=0))
    chart, slot, plot_height = _columns_frame([row["short"] for row in rows], top)
    base = TOP + plot_height
    for i, (row, distribution) in enumerate(zip(rows, distributions, strict=True)):
        x = LEFT + slot * i
        if not distribution.publishable:
            chart.labels.append(Label(x + slot / 2, base - 4, "—", css="chart__dash"))
            continue
        for offset, value, css, name in (
            (0.1, distribution.median, "chart__fill--median", _("médiane")),
            (0.5, distribution.p90, "chart__fill--p90", _("9 sur 10")),
        ):
            height = plot_height * (value or 0) / top
            title = _title(f"{row['label']} — {name}", days(value))
            chart.bars.append(Bar(x + slot * offset, base - height, slot * 0.4, height, css, title))
    return chart


@register.simple_tag
def horizontal_bars(rows: list[tuple[str, float | None, str]], top: float | None = None) -> Chart:
    """One bar per row: (label, value or None when too few requests, text); ``top`` is the axis end."""
    end = top or _nice_max(max((value or 0 for _, value, _ in rows), default=0))
    height = TOP + ROW_HEIGHT * max(1, len(rows)) + 8
    chart = Chart(width=WIDTH, height=height)
    span = WIDTH - ROW_LABEL - RIGHT - 48
    chart.lines.append((ROW_LABEL, TOP - 4, ROW_LABEL, height - 4))
    for i, (label, value, text) in enumerate(rows):
        y = TOP + ROW_HEIGHT * i
        chart.labels.append(Label(ROW_LABEL - 8, y + 15, label, anchor="end", css="chart__axis"))
        if value is None:
            chart.labels.append(Label(ROW_LABEL + 8, y + 15, f"— {text}", anchor="start", css="chart__dash"))
            continue
        width = span * value / end
        chart.bars.append(Bar(ROW_LABEL, y + 2, width, ROW_HEIGHT - 8, "chart__fill--bar", _title(label, text)))
        chart.labels.append(Label(ROW_LABEL + width + 6, y + 15, text, anchor="start", css="chart__value"))
    return chart


@register.simple_tag
def age_bars(rows: list[tuple[str, int]]) -> Chart:
    return horizontal_bars([(str(label), count, formats.number_format(count)) for label, count in rows])


@register.simple_tag
def deadline_bars(rows) -> Chart:
    bars = []
    for row in rows:
        share = row.within_deadline
        if share.publishable:
            bars.append((row.name, share.percent, percent(share)))
        else:
            bars.append((row.name, None, _("(n = %(n)s)") % {"n": share.n}))
    return horizontal_bars(bars, top=100)
