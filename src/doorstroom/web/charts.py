"""Charts as server-side SVG: no JavaScript, no CDN, nothing the CSP forbids.

A chart is drawn from a :class:`~doorstroom.web.tables.Table`, and that table is its text
alternative: what the chart shows and what a screen reader (or anyone) can read are the
same figures, with the same disclosure marks. Hidden cells are not drawn (a gap in a line,
a missing bar or flow).

    chart = line_chart(table, x="month", series=["groningen", "assen"],
                       targets=[Target(_("Target 2028"), 40, at=date(2028, 12, 1))])
    {{ chart }}           in a template: <figure> with the SVG and a "Tabel" disclosure
    chart.svg             the SVG alone (SafeString), e.g. for the PDF report

The content security policy allows no inline ``style``: everything is drawn with SVG
presentation attributes (``fill=``, ``stroke=``). Colours: a fixed palette with at least
3:1 contrast on white that stays distinguishable with the common colour-vision
deficiencies; line series also differ by dash pattern. Output is deterministic.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from functools import partial
from typing import Any, Final

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from doorstroom.core.disclosure import Policy
from doorstroom.web.tables import (
    Column,
    Row,
    Separators,
    StrOrPromise,
    Table,
    for_export,
    format_value,
)

# Okabe-Ito blue, vermillion, bluish green, reddish purple, near-black, a purple and a mid
# grey (4.5:1; it differs from the hues in every vision and from near-black in lightness):
# every colour >= 3:1 on white; pairwise distinct under deuteranopia, protanopia and
# tritanopia (Machado 2009 simulation, CIELAB distance >= 8).
PALETTE: Final = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#1A1A1A", "#6A3D9A", "#767676")
DASHES: Final = (None, "8 4", "2 3", "8 3 2 3", "12 4", "4 2 1 2", "1 4")
TEXT: Final = "#1A1A1A"
MUTED: Final = "#595959"  # axis labels: 7:1 on white
GRID: Final = "#D0D0D0"
TARGET: Final = "#1A1A1A"
FONT: Final = "Noto Sans, Helvetica, Arial, sans-serif"
FONT_SIZE: Final = 12
CHAR_WIDTH: Final = 0.6  # of the font size: a fair average for label widths


@dataclass(frozen=True, slots=True)
class Target:
    """A target: a horizontal line at ``value`` or, with ``at`` (a month or x value), a
    point (e.g. "youth inflow -20% by 2028")."""

    label: StrOrPromise
    value: float
    at: Any = None


@dataclass(frozen=True)
class Chart:
    """An SVG chart and its table alternative (``table``: the figures drawn, with its own
    id); ``source`` is the table it was drawn from, ``redraw`` draws it again from another
    version of that table (e.g. with disclosure control)."""

    id: str
    title: str
    svg: SafeString
    table: Table
    source: Table = field(repr=False, compare=False)
    redraw: Callable[[Table], Chart] = field(repr=False, compare=False)

    def protect(self, policy: Policy | None = None) -> Chart:
        """The chart drawn again from its table with disclosure control applied."""
        return self.redraw(self.source.protect(policy))

    def __html__(self) -> SafeString:
        return format_html(
            '<figure class="ds-chart-figure" id="{}">'
            '<figcaption class="ds-chart-figure__caption">{}</figcaption>{}'
            '<details class="ds-chart-table"><summary>{}</summary>{}</details></figure>',
            self.id,
            self.title,
            self.svg,
            _("Table: %(title)s") % {"title": self.title},
            self.table.__html__(),
        )

    def __str__(self) -> str:
        return str(self.__html__())


def for_export_chart(chart: Chart) -> Chart:
    """Disclosure control for a chart in an export (PDF), as ``tables.for_export``."""
    protected = for_export(chart.source)
    return chart if protected is chart.source else chart.redraw(protected)


# ------------------------------------------------------------------ small helpers
def _f(value: float) -> str:
    """Coordinates with one decimal: compact and deterministic."""
    return f"{value:.1f}"


def _svg(parts: list[str]) -> SafeString:
    """Every piece of text in ``parts`` went through ``escape``; numbers are formatted."""
    return mark_safe("".join(parts))  # noqa: S308


def _text_width(text: str, size: int = FONT_SIZE) -> float:
    return len(text) * size * CHAR_WIDTH


def _nice_step(span: float, count: int, integer: bool = False) -> float:
    """The 1-2-2.5-5 step closest (on a log scale) to ``span / count``; with ``integer``
    a whole number (counts of people: no tick at 2.5 clients)."""
    raw = span / max(count, 1)
    magnitude = float(10 ** math.floor(math.log10(raw)))
    steps = [f * magnitude for f in (1, 2, 2.5, 5, 10)]
    if integer:
        steps = [s for s in steps if s >= 1 and float(s).is_integer()] or [1.0]
    return min(steps, key=lambda step: abs(math.log(step / raw)))


def nice_ticks(low: float, high: float, count: int = 5, *, integer: bool = False) -> list[float]:
    """Round tick values covering [low, high]: 0, 20, 40, ... or 0, 2.5, 5, ... (``integer``:
    whole numbers only)."""
    if high <= low:
        high = low + 1
    step = _nice_step(high - low, count, integer)
    start = math.floor(low / step + 1e-9) * step
    end = math.ceil(high / step - 1e-9) * step
    n = round((end - start) / step)
    return [round(start + i * step, 10) for i in range(n + 1)]


def _tick_column(column: Column, step: float) -> Column:
    """Tick labels: the series' kind with as many decimals as the step needs."""
    scale = 100 if column.kind == "percent" else 1
    decimals = 0
    while (
        decimals < 4
        and abs(step * scale * 10**decimals - round(step * scale * 10**decimals)) > 1e-6
    ):
        decimals += 1
    kind = column.kind if column.kind in ("percent", "money") else "decimal"
    return Column("tick", "", kind, decimals=decimals)


def _whole(columns: Iterable[Column]) -> bool:
    """Do the series count whole things (people, days)?"""
    kinds = {c.kind for c in columns}
    return bool(kinds) and kinds <= {"int", "days"}


def months_between(first: date, later: date) -> int:
    return (later.year - first.year) * 12 + later.month - first.month


def _add_months(first: date, months: int) -> date:
    total = first.year * 12 + first.month - 1 + months
    return date(total // 12, total % 12 + 1, 1)


def _cell(table: Table, row: Row, key: str) -> float | None:
    """A number to draw, or None (no data, or hidden by disclosure control)."""
    value = row.cells.get(key)
    if value is None:
        return None
    if table.suppression is not None and table.status(row.key, key).hidden:
        return None
    return float(value)


def _svg_open(chart_id: str, width: int, height: int, title: str, description: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="ds-chart" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" '
        f'aria-labelledby="{chart_id}-title" aria-describedby="{chart_id}-desc" '
        f'font-family="{FONT}" font-size="{FONT_SIZE}" fill="{TEXT}">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>'
    )


def _text(
    x: float,
    y: float,
    text: str,
    *,
    anchor: str = "start",
    fill: str = TEXT,
    size: int | None = None,
    weight: str | None = None,
) -> str:
    extra = f' font-size="{size}"' if size else ""
    if weight:
        extra += f' font-weight="{weight}"'
    if anchor != "start":
        extra += f' text-anchor="{anchor}"'
    if fill != TEXT:
        extra += f' fill="{fill}"'
    return f'<text x="{_f(x)}" y="{_f(y)}"{extra}>{escape(text)}</text>'


@dataclass
class _Legend:
    """Legend items laid out in rows above the plot."""

    width: float
    items: list[tuple[str, str]]  # (swatch svg drawn at 0,0 .. 24,12, label)

    def height(self) -> float:
        return self._layout()[1]

    def _layout(self) -> tuple[list[tuple[float, float]], float]:
        x, y, positions = 0.0, 0.0, []
        for _swatch, label in self.items:
            w = 30 + _text_width(label) + 18
            if x > 0 and x + w > self.width:
                x, y = 0.0, y + 20
            positions.append((x, y))
            x += w
        return positions, (y + 20 if self.items else 0.0)

    def svg(self, left: float, top: float) -> str:
        positions, _h = self._layout()
        parts = ['<g class="ds-chart__legend">']
        for (swatch, label), (x, y) in zip(self.items, positions, strict=True):
            parts.append(f'<g transform="translate({_f(left + x)},{_f(top + y)})">{swatch}')
            parts.append(_text(30, 11, label) + "</g>")
        parts.append("</g>")
        return "".join(parts)


def _line_swatch(colour: str, dash: str | None) -> str:
    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
    return f'<line x1="0" y1="7" x2="24" y2="7" stroke="{colour}" stroke-width="3"{dash_attr}/>'


def _box_swatch(colour: str, opacity: float = 1.0) -> str:
    op = f' fill-opacity="{opacity}"' if opacity < 1 else ""
    return f'<rect x="0" y="1" width="24" height="12" fill="{colour}"{op}/>'


def _series_style(i: int) -> tuple[str, str | None]:
    return PALETTE[i % len(PALETTE)], DASHES[i % len(DASHES)]


def _description(given: StrOrPromise | None, default: str) -> str:
    return str(given) if given else default


def _alternative(table: Table, chart_id: str, notes: Sequence[str] = ()) -> Table:
    """The table shown under the chart: its own id (the page may show the table too)."""
    return replace(
        table,
        id=f"{chart_id}-table",
        title=_("%(title)s (table of the chart)") % {"title": table.title},
        caption_visible=False,  # the summary above it says "Table: <title>"
        notes=[*table.notes, *notes],
    )


# ------------------------------------------------------------------ line chart
def line_chart(
    table: Table,
    *,
    x: str,
    series: Sequence[str],
    band: tuple[str, str] | None = None,
    band_label: StrOrPromise | None = None,
    targets: Sequence[Target] = (),
    y_label: StrOrPromise | None = None,
    description: StrOrPromise | None = None,
    chart_id: str | None = None,
    width: int = 720,
    height: int = 320,
) -> Chart:
    """Lines over the body rows of ``table``: ``x`` is a month column (a time axis with
    ticks like "jan 2024") or any other column (evenly spaced categories, e.g. years);
    ``series`` are numeric columns. ``band=(low, high)`` shades the area between two
    columns (e.g. P10-P90). Hidden or missing values leave a gap."""
    columns = {c.key: c for c in table.columns}
    seps = Separators.current()
    chart_id = chart_id or f"chart-{table.id}"
    title = str(table.title)
    rows = list(table.body_rows)
    x_column = columns[x]
    y_column = columns[series[0]] if series else columns[band[0]] if band else x_column
    is_time = x_column.kind == "month" and all(isinstance(r.cells.get(x), date) for r in rows)
    points_x: list[float]
    labels_x: list[str] = []
    if is_time and rows:
        first = min(r.cells[x] for r in rows)
        points_x = [float(months_between(first, r.cells[x])) for r in rows]
        x_max = max(points_x)
        target_x = {
            t: float(months_between(first, t.at)) for t in targets if isinstance(t.at, date)
        }
    else:
        first = None
        points_x = [float(i) for i in range(len(rows))]
        x_max = float(max(len(rows) - 1, 0))
        labels_x = [str(format_value(r.cells.get(x), x_column, seps)) for r in rows]
        target_x = {
            t: float(labels_x.index(str(format_value(t.at, x_column, seps))))
            for t in targets
            if t.at is not None and str(format_value(t.at, x_column, seps)) in labels_x
        }
    x_max = max([x_max, *target_x.values()])

    values = {key: [_cell(table, r, key) for r in rows] for key in series}
    band_values = (
        ([_cell(table, r, band[0]) for r in rows], [_cell(table, r, band[1]) for r in rows])
        if band
        else None
    )
    finite = [v for vs in values.values() for v in vs if v is not None]
    if band_values:
        finite += [v for vs in band_values for v in vs if v is not None]
    finite += [t.value for t in targets]
    low = min([0.0, *finite])
    high = max([0.0, *finite]) or 1.0
    ticks = nice_ticks(low, high, integer=_whole(columns[k] for k in series))
    tick_column = _tick_column(y_column, ticks[1] - ticks[0] if len(ticks) > 1 else 1)
    tick_labels = [format_value(t, tick_column, seps) for t in ticks]

    legend_items = [
        (_line_swatch(*_series_style(i)), str(columns[key].label)) for i, key in enumerate(series)
    ]
    if band:
        legend_items.append(
            (
                _box_swatch(PALETTE[0], 0.2),
                str(band_label or f"{columns[band[0]].label} \u2013 {columns[band[1]].label}"),
            )
        )
    for t in targets:
        swatch = (
            _line_swatch(TARGET, "6 3")
            if t.at is None
            else f'<path d="M12 1 L18 7 L12 13 L6 7 Z" fill="#FFFFFF" stroke="{TARGET}" stroke-width="2"/>'
        )
        legend_items.append((swatch, str(t.label)))

    left = 12 + max(_text_width(lbl) for lbl in tick_labels) + (18 if y_label else 0)
    right = 16
    legend = _Legend(width - left - right, legend_items)
    top = 8 + legend.height() + 8
    bottom = 36
    plot_w = width - left - right
    plot_h = height - top - bottom

    # categories (e.g. quarters) sit in the middle of equal slots, so that the labels at
    # both ends fit; months run from edge to edge
    pad = 0.0 if first is not None else 0.5

    def sx(v: float) -> float:
        span = x_max + 2 * pad
        return left + ((v + pad) / span * plot_w if span else plot_w / 2)

    y_lo, y_hi = ticks[0], ticks[-1]

    def sy(v: float) -> float:
        return top + plot_h - (v - y_lo) / (y_hi - y_lo) * plot_h

    parts = [
        _svg_open(
            chart_id,
            width,
            height,
            title,
            _description(description, _line_summary(table, series, columns)),
        )
    ]
    parts.append(legend.svg(left, 8))
    # grid and y axis
    parts.append(f'<g class="ds-chart__grid" stroke="{GRID}" stroke-width="1">')
    for tick in ticks:
        y = sy(tick)
        parts.append(f'<line x1="{_f(left)}" y1="{_f(y)}" x2="{_f(left + plot_w)}" y2="{_f(y)}"/>')
    parts.append("</g>")
    parts.append('<g class="ds-chart__y-axis">')
    for tick, label in zip(ticks, tick_labels, strict=True):
        parts.append(_text(left - 6, sy(tick) + 4, label, anchor="end", fill=MUTED))
    if y_label:
        cy = top + plot_h / 2
        parts.append(
            f'<text x="12" y="{_f(cy)}" transform="rotate(-90 12 {_f(cy)})" text-anchor="middle" '
            f'fill="{MUTED}">{escape(str(y_label))}</text>'
        )
    parts.append("</g>")
    # x axis
    parts.append(
        f'<line x1="{_f(left)}" y1="{_f(sy(max(y_lo, 0)))}" x2="{_f(left + plot_w)}" '
        f'y2="{_f(sy(max(y_lo, 0)))}" stroke="{MUTED}" stroke-width="1"/>'
    )
    parts.append('<g class="ds-chart__x-axis">')
    base = top + plot_h
    if first is not None:
        for pos, label in _month_ticks(first, int(x_max), plot_w):
            xx = sx(pos)
            parts.append(
                f'<line x1="{_f(xx)}" y1="{_f(base)}" x2="{_f(xx)}" y2="{_f(base + 4)}" stroke="{MUTED}"/>'
            )
            parts.append(_text(xx, base + 18, label, anchor="middle", fill=MUTED))
    else:
        every = max(1, math.ceil(len(rows) * 70 / max(plot_w, 1)))
        for i, label in enumerate(labels_x):
            if i % every == 0:
                parts.append(_text(sx(points_x[i]), base + 18, label, anchor="middle", fill=MUTED))
    parts.append("</g>")
    # band
    if band_values:
        parts.append(_band_path(points_x, *band_values, sx, sy))
    # series
    x_px = [_f(sx(v)) for v in points_x]
    y_scale = plot_h / (y_hi - y_lo)
    y_base = top + plot_h + y_lo * y_scale  # sy(v) == y_base - v * y_scale
    for i, key in enumerate(series):
        colour, dash = _series_style(i)
        parts.append(
            _line_paths(x_px, values[key], y_base, y_scale, colour, dash, str(columns[key].label))
        )
    # targets
    for t in targets:
        if t.at is None:
            y = sy(t.value)
            parts.append(  # named in the legend (a label here would cross the lines)
                f'<line x1="{_f(left)}" y1="{_f(y)}" x2="{_f(left + plot_w)}" y2="{_f(y)}" '
                f'stroke="{TARGET}" stroke-width="1.5" stroke-dasharray="6 3">'
                f"<title>{escape(str(t.label))}</title></line>"
            )
        elif t in target_x:
            xx, y = sx(target_x[t]), sy(t.value)
            parts.append(
                f'<path d="M{_f(xx)} {_f(y - 7)} L{_f(xx + 7)} {_f(y)} L{_f(xx)} {_f(y + 7)} '
                f'L{_f(xx - 7)} {_f(y)} Z" fill="#FFFFFF" stroke="{TARGET}" stroke-width="2">'
                f"<title>{escape(str(t.label))}</title></path>"
            )
    parts.append("</svg>")
    target_notes = [_target_note(t, y_column, x_column) for t in targets]
    redraw = partial(
        line_chart,
        x=x,
        series=series,
        band=band,
        band_label=band_label,
        targets=targets,
        y_label=y_label,
        description=description,
        chart_id=chart_id,
        width=width,
        height=height,
    )
    alternative = _alternative(table, chart_id, target_notes)
    return Chart(chart_id, title, _svg(parts), alternative, table, redraw)


def _target_note(target: Target, y_column: Column, x_column: Column) -> str:
    value = format_value(target.value, y_column)
    if target.at is None:
        return _("Target: %(label)s: %(value)s.") % {"label": target.label, "value": value}
    return _("Target: %(label)s: %(value)s in %(when)s.") % {
        "label": target.label,
        "value": value,
        "when": format_value(target.at, x_column),
    }


def _line_summary(table: Table, series: Sequence[str], columns: Mapping[str, Column]) -> str:
    names = ", ".join(str(columns[k].label) for k in series)
    return _("Line chart of %(series)s; the figures are in the table below the chart.") % {
        "series": names
    }


def _month_ticks(first: date, span: int, plot_w: float) -> list[tuple[int, str]]:
    """Tick positions (months after ``first``) and labels like "jan 2024"."""
    fits = max(int(plot_w // 72), 2)
    step = next((s for s in (1, 2, 3, 6, 12, 24, 36, 60, 120) if span / s + 1 <= fits), 120)
    month_column = Column("m", "", "month")
    ticks = []
    for offset in range(span + 1):
        d = _add_months(first, offset)
        aligned = (
            (d.month - 1) % step == 0 if step <= 12 else d.month == 1 and d.year % (step // 12) == 0
        )
        if aligned:
            ticks.append((offset, format_value(d, month_column)))
    if not ticks:
        ticks.append((0, format_value(first, month_column)))
    return ticks


def _runs(ys: Sequence[float | None]) -> list[list[int]]:
    """Indices of consecutive values without gaps."""
    runs: list[list[int]] = [[]]
    for i, y in enumerate(ys):
        if y is None:
            if runs[-1]:
                runs.append([])
        else:
            runs[-1].append(i)
    return [r for r in runs if r]


def _line_paths(
    x_px: Sequence[str],
    ys: Sequence[float | None],
    y_base: float,
    y_scale: float,
    colour: str,
    dash: str | None,
    label: str,
) -> str:
    """One series: a path per run of values (pixel y = y_base - value * y_scale)."""
    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
    out = [
        f'<g class="ds-chart__series" stroke="{colour}" fill="{colour}"><title>{escape(label)}</title>'
    ]
    for run in _runs(ys):
        if len(run) == 1:  # an isolated point between gaps: a dot, or it would vanish
            i = run[0]
            y = y_base - ys[i] * y_scale  # type: ignore[operator]
            out.append(f'<circle cx="{x_px[i]}" cy="{y:.1f}" r="3" stroke="none"/>')
            continue
        d = "M" + " L".join(f"{x_px[i]} {y_base - ys[i] * y_scale:.1f}" for i in run)  # type: ignore[operator]
        out.append(
            f'<path d="{d}" fill="none" stroke-width="2.5" stroke-linejoin="round" '
            f'stroke-linecap="round"{dash_attr}/>'
        )
    out.append("</g>")
    return "".join(out)


def _band_path(
    xs: Sequence[float],
    lows: Sequence[float | None],
    highs: Sequence[float | None],
    sx: Any,
    sy: Any,
) -> str:
    both = [(x, lo, hi) for x, lo, hi in zip(xs, lows, highs, strict=True)]
    out = [f'<g class="ds-chart__band" fill="{PALETTE[0]}" fill-opacity="0.2" stroke="none">']
    run: list[tuple[float, float, float]] = []
    for x, lo, hi in [*both, (0.0, None, None)]:
        if lo is None or hi is None:
            if len(run) > 1:
                upper = " L".join(f"{_f(sx(p[0]))} {_f(sy(p[2]))}" for p in run)
                lower = " L".join(f"{_f(sx(p[0]))} {_f(sy(p[1]))}" for p in reversed(run))
                out.append(f'<path d="M{upper} L{lower} Z"/>')
            run = []
        else:
            run.append((x, lo, hi))
    out.append("</g>")
    return "".join(out)


# ------------------------------------------------------------------ bar chart
def bar_chart(
    table: Table,
    *,
    category: str,
    series: Sequence[str],
    stacked: bool = False,
    horizontal: bool = False,
    y_label: StrOrPromise | None = None,
    targets: Sequence[Target] = (),
    description: StrOrPromise | None = None,
    chart_id: str | None = None,
    width: int = 720,
    height: int | None = None,
) -> Chart:
    """Bars per body row of ``table`` (the ``category`` column names them), one bar per
    series column side by side, or ``stacked``. ``horizontal`` suits long names (e.g.
    municipalities). Negative values (a loss) go below / left of zero. ``targets`` are
    reference lines across the bars (e.g. the region's figure). A bar hidden by disclosure
    control shows its mark ("<10", "•") instead (side by side bars only)."""
    requested_height = height
    columns = {c.key: c for c in table.columns}
    seps = Separators.current()
    chart_id = chart_id or f"chart-{table.id}"
    title = str(table.title)
    rows = list(table.body_rows)
    names = [format_value(r.cells.get(category), columns[category], seps) for r in rows]
    values = [[_cell(table, r, key) for key in series] for r in rows]
    if stacked:
        ends = [sum(v for v in vs if v and v > 0) for vs in values] + [
            sum(v for v in vs if v and v < 0) for vs in values
        ]
    else:
        ends = [v for vs in values for v in vs if v is not None]
    ends += [t.value for t in targets]
    ticks = nice_ticks(
        min([0.0, *ends]), max([0.0, *ends]) or 1.0, integer=_whole(columns[k] for k in series)
    )
    tick_column = _tick_column(columns[series[0]], ticks[1] - ticks[0])
    tick_labels = [format_value(t, tick_column, seps) for t in ticks]
    n = max(len(rows), 1)
    per_group = 1 if stacked else max(len(series), 1)
    if height is None:
        height = int(60 + n * max(14 * per_group + 10, 24)) + 40 if horizontal else 320
    legend_items = [
        (_box_swatch(PALETTE[i % len(PALETTE)]), str(columns[k].label))
        for i, k in enumerate(series)
    ]
    if len(series) == 1 and y_label:  # the axis title names the only series
        legend_items = []
    legend_items += [(_line_swatch(TARGET, "6 3"), str(t.label)) for t in targets]
    legend = _Legend(width - 24, legend_items)
    top = 8 + legend.height() + (8 if legend_items else 0)
    if horizontal:
        left = 12 + max([_text_width(nm) for nm in names] or [0])
        bottom = 36 + (18 if y_label else 0)
    else:
        left = 12 + max(_text_width(lbl) for lbl in tick_labels) + (18 if y_label else 0)
        bottom = 36
    right = 16 + (_text_width(tick_labels[-1]) / 2 if horizontal else 0)
    plot_w = width - left - right
    plot_h = height - top - bottom
    cat_len = plot_h if horizontal else plot_w
    val_len = plot_w if horizontal else plot_h
    lo, hi = ticks[0], ticks[-1]

    def val(v: float) -> float:  # distance along the value axis from its start
        return (v - lo) / (hi - lo) * val_len

    band = cat_len / n
    bar = band * 0.7 / per_group

    def rect(c0: float, c_len: float, v0: float, v1: float, colour: str, tip: str) -> str:
        a, b = sorted((val(v0), val(v1)))
        if horizontal:
            x, y, w, h = left + a, top + c0, b - a, c_len
        else:
            x, y, w, h = left + c0, top + plot_h - b, c_len, b - a
        return (
            f'<rect x="{_f(x)}" y="{_f(y)}" width="{_f(w)}" height="{_f(h)}" fill="{colour}" '
            f'stroke="#FFFFFF" stroke-width="0.5"><title>{escape(tip)}</title></rect>'
        )

    parts = [
        _svg_open(
            chart_id,
            width,
            height,
            title,
            _description(description, _bar_summary(table, series, columns)),
        )
    ]
    parts.append(legend.svg(12, 8))
    parts.append(f'<g class="ds-chart__grid" stroke="{GRID}" stroke-width="1">')
    for t in ticks:
        p = val(t)
        if horizontal:
            parts.append(
                f'<line x1="{_f(left + p)}" y1="{_f(top)}" x2="{_f(left + p)}" y2="{_f(top + plot_h)}"/>'
            )
        else:
            parts.append(
                f'<line x1="{_f(left)}" y1="{_f(top + plot_h - p)}" x2="{_f(left + plot_w)}" y2="{_f(top + plot_h - p)}"/>'
            )
    parts.append("</g>")
    parts.append('<g class="ds-chart__value-axis">')
    for t, label in zip(ticks, tick_labels, strict=True):
        p = val(t)
        if horizontal:
            parts.append(_text(left + p, top + plot_h + 18, label, anchor="middle", fill=MUTED))
        else:
            parts.append(_text(left - 6, top + plot_h - p + 4, label, anchor="end", fill=MUTED))
    if y_label:
        if horizontal:
            parts.append(
                _text(left + plot_w / 2, height - 8, str(y_label), anchor="middle", fill=MUTED)
            )
        else:
            cy = top + plot_h / 2
            parts.append(
                f'<text x="12" y="{_f(cy)}" transform="rotate(-90 12 {_f(cy)})" text-anchor="middle" '
                f'fill="{MUTED}">{escape(str(y_label))}</text>'
            )
    parts.append("</g>")
    parts.append('<g class="ds-chart__bars">')
    marks: list[str] = []
    for ci, (name, vs) in enumerate(zip(names, values, strict=True)):
        start = ci * band + band * 0.15
        pos, neg = 0.0, 0.0
        for si, v in enumerate(vs):
            if v is None:
                mark = None if stacked else table.mark(rows[ci].key, series[si])
                if mark:
                    c_mid = start + si * bar + bar / 2
                    if horizontal:
                        marks.append(_text(left + val(0.0) + 4, top + c_mid + 4, mark, fill=MUTED))
                    else:
                        marks.append(
                            _text(
                                left + c_mid,
                                top + plot_h - val(0.0) - 4,
                                mark,
                                anchor="middle",
                                fill=MUTED,
                            )
                        )
                continue
            colour = PALETTE[si % len(PALETTE)]
            tip = f"{name}, {columns[series[si]].label}: {format_value(rows[ci].cells.get(series[si]), columns[series[si]], seps)}"
            if stacked:
                if v >= 0:
                    parts.append(rect(start, bar, pos, pos + v, colour, tip))
                    pos += v
                else:
                    parts.append(rect(start, bar, neg + v, neg, colour, tip))
                    neg += v
            else:
                parts.append(rect(start + si * bar, bar, 0.0, v, colour, tip))
    parts.append("</g>")
    if marks:
        parts.append('<g class="ds-chart__marks">' + "".join(marks) + "</g>")
    for reference in targets:
        at = val(reference.value)
        if horizontal:
            line = (
                f'x1="{_f(left + at)}" y1="{_f(top)}" x2="{_f(left + at)}" y2="{_f(top + plot_h)}"'
            )
        else:
            y = top + plot_h - at
            line = f'x1="{_f(left)}" y1="{_f(y)}" x2="{_f(left + plot_w)}" y2="{_f(y)}"'
        parts.append(
            f'<line {line} stroke="{TARGET}" stroke-width="1.5" stroke-dasharray="6 3">'
            f"<title>{escape(str(reference.label))}</title></line>"
        )
    # zero line and category labels
    z = val(0.0)
    if horizontal:
        parts.append(
            f'<line x1="{_f(left + z)}" y1="{_f(top)}" x2="{_f(left + z)}" y2="{_f(top + plot_h)}" stroke="{MUTED}"/>'
        )
    else:
        parts.append(
            f'<line x1="{_f(left)}" y1="{_f(top + plot_h - z)}" x2="{_f(left + plot_w)}" y2="{_f(top + plot_h - z)}" stroke="{MUTED}"/>'
        )
    parts.append('<g class="ds-chart__categories">')
    every = (
        1
        if horizontal
        else max(1, math.ceil(max(_text_width(nm) for nm in names or [""]) * 1.1 / max(band, 1)))
    )
    for ci, name in enumerate(names):
        mid = ci * band + band / 2
        if horizontal:
            parts.append(_text(left - 6, top + mid + 4, name, anchor="end"))
        elif ci % every == 0:
            parts.append(_text(left + mid, top + plot_h + 18, name, anchor="middle"))
    parts.append("</g></svg>")
    redraw = partial(
        bar_chart,
        category=category,
        series=series,
        stacked=stacked,
        horizontal=horizontal,
        y_label=y_label,
        targets=targets,
        description=description,
        chart_id=chart_id,
        width=width,
        height=requested_height,
    )
    notes = [_("Dashed line: %(label)s.") % {"label": t.label} for t in targets]
    return Chart(chart_id, title, _svg(parts), _alternative(table, chart_id, notes), table, redraw)


def _bar_summary(table: Table, series: Sequence[str], columns: Mapping[str, Column]) -> str:
    names = ", ".join(str(columns[k].label) for k in series)
    return _("Bar chart of %(series)s; the figures are in the table below the chart.") % {
        "series": names
    }


# ------------------------------------------------------------------ Sankey
def sankey(
    table: Table,
    *,
    source: str,
    target: str,
    value: str,
    columns: Sequence[Sequence[str]],
    node_colours: Mapping[str, str] | None = None,
    description: StrOrPromise | None = None,
    chart_id: str | None = None,
    width: int = 720,
    height: int = 400,
) -> Chart:
    """Flows between nodes in columns (e.g. application -> BW / BT / MO -> destination).
    Each body row of ``table`` is a flow: ``source`` and ``target`` name the nodes (text
    columns), ``value`` the count. ``columns`` lists the node names per column, top to
    bottom. Band widths are proportional to the counts; bands leave and enter a node in
    the order of the node at the other end, which keeps crossings down. A band has the
    colour of its source node (palette order, or ``node_colours``). Hidden flows are not
    drawn; node sizes are the drawn flows, so they reveal nothing more, and a node with a
    hidden flow shows no total."""
    table_columns = {c.key: c for c in table.columns}
    seps = Separators.current()
    chart_id = chart_id or f"chart-{table.id}"
    title = str(table.title)
    column_of = {name: ci for ci, names in enumerate(columns) for name in names}
    order = {name: oi for names in columns for oi, name in enumerate(names)}
    flows: list[tuple[str, str, float, Row]] = []
    incomplete: set[str] = set()  # nodes with a hidden flow: drawn size is not their total
    for row in table.body_rows:
        a, b, v = row.cells.get(source), row.cells.get(target), _cell(table, row, value)
        if v is None and table.status(row.key, value).hidden:
            incomplete.update(str(n) for n in (a, b))
        if v is None or v <= 0 or a not in column_of or b not in column_of:
            continue
        if column_of[b] <= column_of[a]:
            raise ValueError(f"flow {a} -> {b}: the target must be in a later column")
        flows.append((str(a), str(b), v, row))
    size_in: dict[str, float] = {}
    size_out: dict[str, float] = {}
    for a, b, v, _row in flows:
        size_out[a] = size_out.get(a, 0.0) + v
        size_in[b] = size_in.get(b, 0.0) + v
    size = {n: max(size_in.get(n, 0.0), size_out.get(n, 0.0)) for n in column_of}

    value_column = table_columns[value]
    labels = {
        n: n
        if n in incomplete
        else f"{n} ({format_value(int(size[n]) if size[n].is_integer() else size[n], value_column, seps)})"
        for n in column_of
    }
    node_w = 14.0
    gap = 14.0
    label_room = (
        max([_text_width(labels[n]) + 12 for n in columns[-1]] or [0.0]) if columns else 0.0
    )
    first_room = (
        max([_text_width(labels[n]) + 12 for n in columns[0]] or [0.0]) if len(columns) > 1 else 8.0
    )
    top, bottom = 8.0, 8.0
    plot_h = height - top - bottom
    usable = (
        min(
            (plot_h - gap * (len(names) - 1)) / max(sum(size[n] for n in names), 1e-9)
            for names in columns
            if names
        )
        if columns
        else 1.0
    )
    scale = max(usable, 0.0)
    n_cols = len(columns)
    span_w = width - first_room - label_room - node_w
    xs = [first_room + (ci * span_w / (n_cols - 1) if n_cols > 1 else 0.0) for ci in range(n_cols)]
    ys: dict[str, float] = {}
    for names in columns:
        total = sum(size[n] * scale for n in names) + gap * (len(names) - 1)
        y = top + (plot_h - total) / 2
        for name in names:
            ys[name] = y
            y += size[name] * scale + gap

    out_offset = dict.fromkeys(column_of, 0.0)
    in_offset = dict.fromkeys(column_of, 0.0)

    def centre(name: str) -> float:
        return ys[name] + size[name] * scale / 2

    # Bands leave a node in the vertical order of their targets and enter in the order
    # of their sources: no two bands of one node cross each other there.
    by_source = sorted(
        flows, key=lambda f: (column_of[f[0]], order[f[0]], centre(f[1]), column_of[f[1]])
    )
    starts: dict[int, float] = {}
    for i, (a, _b, v, _r) in enumerate(by_source):
        starts[i] = ys[a] + out_offset[a]
        out_offset[a] += v * scale
    by_target_index = sorted(
        range(len(by_source)),
        key=lambda i: (
            column_of[by_source[i][1]],
            order[by_source[i][1]],
            centre(by_source[i][0]),
            column_of[by_source[i][0]],
        ),
    )
    ends: dict[int, float] = {}
    for i in by_target_index:
        _a, b, v, _r = by_source[i]
        ends[i] = ys[b] + in_offset[b]
        in_offset[b] += v * scale

    all_nodes = [name for names in columns for name in names]
    colour_of = {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(all_nodes)}
    colour_of.update(node_colours or {})

    value_column = table_columns[value]
    parts = [
        _svg_open(
            chart_id, width, height, title, _description(description, _sankey_summary(columns))
        )
    ]
    parts.append('<g class="ds-chart__flows" fill-opacity="0.35" stroke="none">')
    for i, (a, b, v, row) in enumerate(by_source):
        x0 = xs[column_of[a]] + node_w
        x1 = xs[column_of[b]]
        mid = (x0 + x1) / 2
        h = v * scale
        y0, y1 = starts[i], ends[i]
        d = (
            f"M{_f(x0)} {_f(y0)} C{_f(mid)} {_f(y0)} {_f(mid)} {_f(y1)} {_f(x1)} {_f(y1)} "
            f"L{_f(x1)} {_f(y1 + h)} C{_f(mid)} {_f(y1 + h)} {_f(mid)} {_f(y0 + h)} {_f(x0)} {_f(y0 + h)} Z"
        )
        tip = f"{a} → {b}: {format_value(row.cells.get(value), value_column, seps)}"
        parts.append(f'<path d="{d}" fill="{colour_of[a]}"><title>{escape(tip)}</title></path>')
    parts.append("</g>")
    parts.append('<g class="ds-chart__nodes">')
    for ci, names in enumerate(columns):
        for name in names:
            h = max(size[name] * scale, 1.0)
            x = xs[ci]
            parts.append(
                f'<rect x="{_f(x)}" y="{_f(ys[name])}" width="{_f(node_w)}" height="{_f(h)}" '
                f'fill="{colour_of[name]}"/>'
            )
            label = labels[name]
            cy = ys[name] + h / 2 + 4
            if ci == 0 and n_cols > 1:
                parts.append(_text(x - 6, cy, label, anchor="end"))
            elif ci == n_cols - 1:
                parts.append(_text(x + node_w + 6, cy, label))
            else:  # over the flows: on a white backing so the text keeps its contrast
                w = _text_width(label)
                parts.append(
                    f'<rect x="{_f(x + node_w + 3)}" y="{_f(cy - 12)}" width="{_f(w + 6)}" '
                    f'height="16" fill="#FFFFFF" fill-opacity="0.9"/>'
                )
                parts.append(_text(x + node_w + 6, cy, label))
    parts.append("</g></svg>")
    redraw = partial(
        sankey,
        source=source,
        target=target,
        value=value,
        columns=columns,
        node_colours=node_colours,
        description=description,
        chart_id=chart_id,
        width=width,
        height=height,
    )
    return Chart(chart_id, title, _svg(parts), _alternative(table, chart_id), table, redraw)


def _sankey_summary(columns: Sequence[Sequence[str]]) -> str:
    steps = " → ".join("/".join(names) for names in columns)
    return _("Flow diagram (%(steps)s); the figures are in the table below the chart.") % {
        "steps": steps
    }
