"""Horizontal bar charts of results by community, drawn on the server as SVG.

A chart is one accessible image (``role="img"``, named by its ``<title>`` and
``<desc>``), with real ``<text>``, no script and no inline style: every colour comes
from a class in ``static/css/charts.css``, so that it passes the site's CSP, prints in
black and grey, and follows forced-colours mode. Geometry that layout depends on (the
font sizes used to wrap labels) is in presentation attributes, which CSP allows.

Each group is a stacked row, so that long labels fit a phone: its label (wrapped),
then the bar with its interval whisker and its value, then status lines for "higher
/ lower than overall" (with a diamond), "small sample" and a note.

Geometry, in user units of the ``viewBox`` (``0 0 320 height``): the value scale runs
from ``x = 4`` (``axis_min``) to ``x = 264`` (``axis_max``), so a bar is
``260 * (value - axis_min) / (axis_max - axis_min)`` wide; values are right-aligned
at ``x = 316``. Right to left, every x is mirrored (``x -> 320 - x``): the scale runs
from 316 down to 56 and values sit at the left. Text anchors are logical (``start``,
``end``) and the ``<svg>`` carries ``direction``, so mirrored text lines up too.

The SVG is built with ElementTree, which escapes every text and attribute value.
"""

from __future__ import annotations

import math
import re
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from xml.etree import ElementTree as ET

from markupsafe import Markup

from engage.i18n import _

WIDTH = 320
PAD = 4
#: x of axis_min and of axis_max, left to right
PLOT_START = PAD
PLOT_END = 264
#: values are right-aligned here, in the gutter after the scale
VALUE_END = WIDTH - PAD
FONT_SIZE = 15
SMALL_FONT_SIZE = 13
#: a rough average advance of a character, in ems, to wrap labels without a browser
CHAR_EM = 0.55
BAR_HEIGHT = 16
#: a bar's line: the bar, with room above and below for the whisker's caps
BAR_LINE = 26
ROW_GAP = 12
SMALL_SAMPLE = 30

_ID = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")
_NICE_STEPS = (1.0, 2.0, 2.5, 5.0)


@dataclass(frozen=True, slots=True)
class Bar:
    """One group's row. ``value``, ``low`` and ``high`` are on the chart's scale (a
    percentage 0-100, or a mean); ``n`` is shown as given, so public pages pass the
    disclosure-controlled n."""

    label: str
    value: float | None
    low: float | None = None
    high: float | None = None
    n: int | None = None
    #: the overall value lies outside this group's interval
    flagged: bool = False
    #: hidden by disclosure control: no bar, no interval, the suppression text instead
    suppressed: bool = False
    note: str | None = None


def plain_formatter(unit: str = "%") -> Callable[[float], str]:
    """A value formatter with no locale: whole numbers for percentages ("45%"), one
    decimal otherwise ("3.4"), halves rounded up as people expect."""
    quantum = Decimal(1) if unit == "%" else Decimal("0.1")

    def format_value(value: float) -> str:
        rounded = Decimal(repr(float(value))).quantize(quantum, rounding=ROUND_HALF_UP)
        return f"{rounded}{unit}"

    return format_value


def bar_chart(
    bars: Sequence[Bar],
    *,
    title: str,
    description: str,
    chart_id: str,
    axis_min: float = 0,
    axis_max: float = 100,
    unit: str = "%",
    format_value: Callable[[float], str] | None = None,
    format_count: Callable[[int], str] = str,
    overall: float | None = None,
    overall_label: str | None = None,
    suppressed_text: str | None = None,
    small_sample: int = SMALL_SAMPLE,
    rtl: bool = False,
) -> Markup:
    """The chart as an ``<svg>`` element, ready to put in a page.

    ``chart_id`` prefixes the ids of ``<title>`` and ``<desc>`` and must be unique on
    the page. ``format_value`` formats values, ticks and the overall value (default:
    `plain_formatter` of ``unit``; pages pass a locale-aware one). ``overall_label``
    is the whole label of the reference line (default "Overall: 52%").
    ``suppressed_text`` is shown in place of a suppressed bar (default "fewer than
    8"). Rows with ``0 < n < small_sample`` are marked "Small sample".
    """
    if not _ID.fullmatch(chart_id):
        raise ValueError(f"chart_id must be a plain id (letters, digits, - and _): {chart_id!r}")
    if not axis_max > axis_min:
        raise ValueError(f"axis_max must be above axis_min, got {axis_min}..{axis_max}")
    chart = _Chart(
        axis_min=axis_min,
        axis_max=axis_max,
        format_value=format_value or plain_formatter(unit),
        format_count=format_count,
        overall=_finite(overall),
        suppressed_text=str(suppressed_text or _("fewer than 8")),
        small_sample=small_sample,
        rtl=rtl,
    )
    if chart.overall is not None:
        label = overall_label or _("Overall: %(value)s", value=chart.format_value(chart.overall))
        chart.draw_overall_label(str(label))
    rows_top = chart.y
    for bar in bars:
        chart.draw_row(bar)
    chart.draw_axis(rows_top)
    svg = ET.tostring(chart.svg(str(title), str(description), chart_id), "unicode")
    return Markup(svg)  # noqa: S704 - ElementTree escaped every text and attribute


class _Chart:
    """The drawing: layers in paint order, and the y where the next line goes."""

    def __init__(
        self,
        *,
        axis_min: float,
        axis_max: float,
        format_value: Callable[[float], str],
        format_count: Callable[[int], str],
        overall: float | None,
        suppressed_text: str,
        small_sample: int,
        rtl: bool,
    ) -> None:
        self.axis_min = axis_min
        self.axis_max = axis_max
        self.format_value = format_value
        self.format_count = format_count
        self.overall = overall
        self.suppressed_text = suppressed_text
        self.small_sample = small_sample
        self.rtl = rtl
        # Arabic scripts (Nastaliq above all) need taller lines than Latin
        self.line_height = 30 if rtl else 22
        self.small_line_height = 26 if rtl else 19
        self.layers = {
            name: ET.Element("g", {"class": f"engage-chart__{name}"})
            for name in ("grid", "bars", "reference", "whiskers", "texts")
        }
        self.y = float(PAD)

    # --- coordinates ----------------------------------------------------------------

    def scale(self, value: float) -> float:
        """The logical x of a value, clamped to the axis."""
        clamped = min(max(value, self.axis_min), self.axis_max)
        fraction = (clamped - self.axis_min) / (self.axis_max - self.axis_min)
        return PLOT_START + fraction * (PLOT_END - PLOT_START)

    def x(self, logical: float) -> str:
        return _num(WIDTH - logical if self.rtl else logical)

    # --- primitives, in logical coordinates -------------------------------------------

    def text(
        self,
        layer: str,
        x: float,
        y: float,
        content: str,
        cls: str,
        anchor: str = "start",
        *,
        small: bool = False,
    ) -> None:
        attrs = {"class": cls, "x": self.x(x), "y": _num(y)}
        if anchor != "start":
            attrs["text-anchor"] = anchor
        if small:
            attrs["font-size"] = str(SMALL_FONT_SIZE)
        ET.SubElement(self.layers[layer], "text", attrs).text = content

    def line(self, layer: str, x1: float, y1: float, x2: float, y2: float, cls: str) -> None:
        attrs = {"x1": self.x(x1), "y1": _num(y1), "x2": self.x(x2), "y2": _num(y2)}
        ET.SubElement(self.layers[layer], "line", {"class": cls, **attrs})

    def rect(self, x1: float, x2: float, y: float, height: float, cls: str) -> None:
        left = WIDTH - x2 if self.rtl else x1
        attrs = {"x": _num(left), "y": _num(y), "width": _num(x2 - x1), "height": _num(height)}
        ET.SubElement(self.layers["bars"], "rect", {"class": cls, **attrs})

    def path(
        self, parent: ET.Element, points: Sequence[Sequence[tuple[float, float]]], cls: str
    ) -> None:
        """Open polylines (one per inner sequence) as one ``<path>``."""
        d = " ".join(
            "M " + " L ".join(f"{self.x(x)} {_num(y)}" for x, y in polyline) for polyline in points
        )
        ET.SubElement(parent, "path", {"class": cls, "d": d})

    # --- parts of the chart -----------------------------------------------------------

    def draw_overall_label(self, label: str) -> None:
        x = self.scale(self.overall)
        # the label runs from the line towards the middle, so it stays inside the chart
        anchor = "start" if x <= (PLOT_START + PLOT_END) / 2 else "end"
        self.text("texts", x, self.y + 14, label, "engage-chart__overall-label", anchor, small=True)
        self.y += self.small_line_height + 2

    def draw_row(self, bar: Bar) -> None:
        for line in self.wrap(self.row_label(bar), FONT_SIZE, PLOT_START):
            baseline = self.y + self.line_height * 0.73  # room above for ascenders
            self.text("texts", PLOT_START, baseline, line, "engage-chart__label")
            self.y += self.line_height
        self.draw_bar(bar)
        self.y += BAR_LINE
        for status, flag in self.statuses(bar):
            self.draw_status(status, flag)
        self.y += ROW_GAP

    def row_label(self, bar: Bar) -> str:
        if bar.n is None:
            return str(bar.label)
        return _("%(label)s (n = %(n)s)", label=bar.label, n=self.format_count(bar.n))

    def draw_bar(self, bar: Bar) -> None:
        value = _finite(bar.value)
        baseline = self.y + BAR_LINE / 2 + 5
        if bar.suppressed or value is None:
            missing = self.suppressed_text if bar.suppressed else _("No data")
            self.text("texts", PLOT_START, baseline, missing, "engage-chart__missing")
            return
        top = self.y + (BAR_LINE - BAR_HEIGHT) / 2
        cls = "engage-chart__bar engage-chart__bar--flagged" if bar.flagged else "engage-chart__bar"
        self.rect(self.scale(self.axis_min), self.scale(value), top, BAR_HEIGHT, cls)
        low, high = _finite(bar.low), _finite(bar.high)
        if low is not None and high is not None:
            self.draw_whisker(self.scale(low), self.scale(high), self.y + BAR_LINE / 2)
        cls = "engage-chart__value" + (" engage-chart__value--flagged" if bar.flagged else "")
        self.text("texts", VALUE_END, baseline, self.format_value(value), cls, "end")

    def draw_whisker(self, x1: float, x2: float, middle: float) -> None:
        """The interval: a line with end caps taller than the bar, over a white halo
        so that it shows on the bar as well as beside it."""
        cap = BAR_LINE / 2 - 1
        lines = [
            [(x1, middle - cap), (x1, middle + cap)],
            [(x1, middle), (x2, middle)],
            [(x2, middle - cap), (x2, middle + cap)],
        ]
        group = ET.SubElement(self.layers["whiskers"], "g", {"class": "engage-chart__whisker"})
        self.path(group, lines, "engage-chart__halo")
        self.path(group, lines, "engage-chart__whisker-line")

    def statuses(self, bar: Bar) -> list[tuple[str, bool]]:
        """(text, with the flag's diamond) for each status line of a row."""
        lines = []
        value = _finite(bar.value)
        if bar.flagged and not bar.suppressed:
            if value is None or self.overall is None or value == self.overall:
                lines.append((_("Differs from overall"), True))
            elif value > self.overall:
                lines.append((_("Higher than overall"), True))
            else:
                lines.append((_("Lower than overall"), True))
        if bar.n is not None and 0 < bar.n < self.small_sample and not bar.suppressed:
            lines.append((_("Small sample"), False))
        if bar.note:
            lines.append((str(bar.note), False))
        return lines

    def draw_status(self, status: str, flag: bool) -> None:
        indent = PLOT_START + 16 if flag else PLOT_START
        for i, line in enumerate(self.wrap(status, SMALL_FONT_SIZE, indent)):
            baseline = self.y + self.small_line_height * 0.7
            if flag and i == 0:
                middle, size = baseline - 4.5, 5.5
                x = PLOT_START + size
                diamond = [(x, middle - size), (x + size, middle), (x, middle + size)]
                diamond += [(x - size, middle), (x, middle - size)]
                self.path(self.layers["texts"], [diamond], "engage-chart__flag")
            self.text("texts", indent, baseline, line, "engage-chart__status", small=True)
            self.y += self.small_line_height

    def draw_axis(self, rows_top: float) -> None:
        """Grid lines and tick labels under the rows, and the overall value's line."""
        bottom = self.y
        for tick in _ticks(self.axis_min, self.axis_max):
            x = self.scale(tick)
            self.line("grid", x, rows_top, x, bottom + 4, "engage-chart__gridline")
            anchor = "start" if tick == self.axis_min else "middle"
            label = self.format_value(tick)
            self.text("grid", x, bottom + 18, label, "engage-chart__tick", anchor, small=True)
        self.line("grid", PLOT_START, bottom, PLOT_END, bottom, "engage-chart__axis")
        if self.overall is not None:
            x = self.scale(self.overall)
            for cls in ("engage-chart__halo", "engage-chart__overall"):
                self.line("reference", x, rows_top - 4, x, bottom, cls)
        self.y = bottom + 24

    def wrap(self, text: str, font_size: float, start: float) -> list[str]:
        chars = max(8, int((VALUE_END - start) / (font_size * CHAR_EM)))
        return textwrap.wrap(text, chars) or [""]

    def svg(self, title: str, description: str, chart_id: str) -> ET.Element:
        height = _num(math.ceil(self.y))
        root = ET.Element(
            "svg",
            {
                "xmlns": "http://www.w3.org/2000/svg",
                "class": "engage-chart__svg",
                "role": "img",
                "aria-labelledby": f"{chart_id}-title {chart_id}-desc",
                "viewBox": f"0 0 {WIDTH} {height}",
                "width": str(WIDTH),
                "height": height,
                "direction": "rtl" if self.rtl else "ltr",
                "font-size": str(FONT_SIZE),
            },
        )
        ET.SubElement(root, "title", {"id": f"{chart_id}-title"}).text = title
        ET.SubElement(root, "desc", {"id": f"{chart_id}-desc"}).text = description
        for layer in self.layers.values():
            root.append(layer)
        return root


def _ticks(low: float, high: float) -> list[float]:
    """Evenly spaced ticks from low to high at a round step (1, 2, 2.5 or 5 times a
    power of ten): 0-100 by 20, 1-5 by 1, 0-10 by 2, 1-7 by 1."""
    span = high - low
    for count in range(6, 1, -1):
        step = span / count
        mantissa = step / 10 ** math.floor(math.log10(step))
        if any(math.isclose(mantissa, nice) for nice in _NICE_STEPS):
            return [low + i * step for i in range(count + 1)]
    return [low, high]


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def _num(value: float) -> str:
    """A coordinate: at most two decimals, no trailing zeros."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text
