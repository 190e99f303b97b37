"""Server-side SVG charts: no JavaScript, no CDN, allowed by the strict CSP (presentation
attributes only, no inline styles).

A minimal version kept inside the finance app until the shared ``doorstroom.web.charts``
lands on main. Every chart has a title and a description for screen readers, and every
page shows the same figures in a table next to it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

PALETTE = ("#24578f", "#b3541e", "#2b7a3d", "#7a3b8f", "#8a6d00", "#3d3d3d")
AXIS = "#595959"
GRID = "#d9d9d9"
POSITIVE = "#2b7a3d"
NEGATIVE = "#b3001b"


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[Decimal | None]


def _nice_max(value: Decimal) -> Decimal:
    if value <= 0:
        return Decimal(1)
    exponent = len(str(int(value))) - 1
    step = Decimal(10) ** exponent
    for factor in (1, 2, 2.5, 5, 10):
        candidate = step * Decimal(str(factor))
        if candidate >= value:
            return candidate
    return step * 10


def _svg(ident: str, width: int, height: int, title: str, desc: str, body: list[str]) -> SafeString:
    ident = escape(ident)
    return mark_safe(  # noqa: S308  (every text below is escaped)
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-labelledby="{ident}-title {ident}-desc" class="ds-chart" '
        f'preserveAspectRatio="xMinYMin meet" font-family="inherit" font-size="13">'
        f'<title id="{ident}-title">{escape(title)}</title>'
        f'<desc id="{ident}-desc">{escape(desc)}</desc>' + "".join(body) + "</svg>"
    )


def line_chart(
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    ident: str,
    title: str,
    desc: str,
    fmt: Callable[[Decimal], str] = str,
    top: Decimal | None = None,
) -> SafeString:
    """Lines over categories (e.g. years); ``top`` fixes the scale (e.g. 100 for %)."""
    width, height, left, right, upper, lower = 720, 300, 100, 30, 20, 70
    values = [v for s in series for v in s.values if v is not None]
    maximum = top if top is not None else _nice_max(max(values, default=Decimal(0)))
    plot_w, plot_h = width - left - right, height - upper - lower
    step = plot_w / max(1, len(categories) - 1)

    def x(i: int) -> float:
        return left + i * step if len(categories) > 1 else left + plot_w / 2

    def y(v: Decimal) -> float:
        return upper + plot_h - float(v / maximum) * plot_h if maximum else upper + plot_h

    body: list[str] = []
    for n in range(5):
        value = maximum * n / 4
        yy = y(value)
        body.append(
            f'<line x1="{left}" x2="{width - right}" y1="{yy:.1f}" y2="{yy:.1f}" stroke="{GRID}"/>'
            f'<text x="{left - 6}" y="{yy + 4:.1f}" text-anchor="end" fill="{AXIS}">{escape(fmt(value))}</text>'
        )
    for i, cat in enumerate(categories):
        body.append(
            f'<text x="{x(i):.1f}" y="{upper + plot_h + 18}" text-anchor="middle" fill="{AXIS}">{escape(cat)}</text>'
        )
    for index, s in enumerate(series):
        colour = PALETTE[index % len(PALETTE)]
        points = [(x(i), y(v)) for i, v in enumerate(s.values) if v is not None]
        if len(points) > 1:
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
            body.append(
                f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2.5"/>'
            )
        for px, py in points:
            body.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3.5" fill="{colour}"/>')
        lx = left + index * 220
        body.append(
            f'<rect x="{lx}" y="{height - 24}" width="14" height="14" fill="{colour}"/>'
            f'<text x="{lx + 20}" y="{height - 12}" fill="#1a1a1a">{escape(s.label)}</text>'
        )
    body.append(
        f'<line x1="{left}" x2="{left}" y1="{upper}" y2="{upper + plot_h}" stroke="{AXIS}"/>'
        f'<line x1="{left}" x2="{width - right}" y1="{upper + plot_h}" y2="{upper + plot_h}" stroke="{AXIS}"/>'
    )
    return _svg(ident, width, height, title, desc, body)


def diverging_bars(
    items: Sequence[tuple[str, Decimal]],
    *,
    ident: str,
    title: str,
    desc: str,
    fmt: Callable[[Decimal], str] = str,
) -> SafeString:
    """Horizontal bars left (negative) and right (positive) of zero, e.g. gain and loss."""
    row_h, left, right = 26, 170, 130
    width = 720
    height = max(1, len(items)) * row_h + 20
    biggest = max((abs(v) for _, v in items), default=Decimal(0)) or Decimal(1)
    plot_w = width - left - right
    zero = left + plot_w / 2
    body = [f'<line x1="{zero:.1f}" x2="{zero:.1f}" y1="4" y2="{height - 8}" stroke="{AXIS}"/>']
    for i, (label, value) in enumerate(items):
        yy = 10 + i * row_h
        length = float(abs(value) / biggest) * (plot_w / 2)
        x0 = zero if value >= 0 else zero - length
        colour = POSITIVE if value >= 0 else NEGATIVE
        body.append(
            f'<text x="{left - 10}" y="{yy + 14}" text-anchor="end" fill="#1a1a1a">{escape(label)}</text>'
            f'<rect x="{x0:.1f}" y="{yy + 2}" width="{max(length, 1):.1f}" height="{row_h - 8}" fill="{colour}"/>'
            f'<text x="{width - 4}" y="{yy + 14}" text-anchor="end" fill="#1a1a1a">{escape(fmt(value))}</text>'
        )
    return _svg(ident, width, height, title, desc, body)
