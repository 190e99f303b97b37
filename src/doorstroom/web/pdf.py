"""PDF reports (A4, Dutch): the regional quarterly report, the forecast export, the
settlement statement. Built from the same Tables and Charts as the screens.

    report = Report(_("Quarterly report"), subtitle="Regio Groningen, 2e kwartaal 2026",
                    source=_("doorstroom, event log of the region"))
    report.heading(_("Inflow")).paragraph(text).chart(chart).table(table)
    report.key_figures([(_("Inflow"), "1.234"), (_("Waiting list"), "87")])
    return pdf_response(report.build(), "kwartaalrapportage-2026-q2")

A title page, headings that are also PDF bookmarks, "Pagina 3 van 12" and the source and
date on every page. Every table and chart goes through disclosure control unless it holds
no counts of people (as every export: ``tables.for_export``).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape

from django.http import HttpResponse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from reportlab.lib.colors import HexColor
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Frame,
    KeepTogether,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    TableStyle,
)
from reportlab.platypus import Table as RLTable
from svglib.svglib import svg2rlg

from doorstroom.web.charts import Chart, for_export_chart
from doorstroom.web.tables import (
    Separators,
    StrOrPromise,
    Table,
    default_policy,
    for_export,
    format_value,
    slug,
)

PAGE_MARGIN_MM = 20
BLUE = "#24578F"
TEXT = "#1A1A1A"
MUTED = "#595959"
HEADER_FILL = "#E8EEF5"


@dataclass(frozen=True, slots=True)
class _Heading:
    text: str
    level: int


class Report:
    """A report under construction; every method returns the report (chainable)."""

    def __init__(
        self,
        title: StrOrPromise,
        *,
        subtitle: StrOrPromise | None = None,
        organisation: StrOrPromise | None = None,
        source: StrOrPromise | None = None,
        generated: datetime | None = None,
    ) -> None:
        self.title = str(title)
        self.subtitle = str(subtitle) if subtitle else None
        self.organisation = str(organisation) if organisation else None
        self.source = str(source) if source else None
        self.generated = generated or timezone.localtime()
        self._story: list[Any] = []
        self._styles = _styles()
        self._hidden_counts = False

    # ------------------------------------------------------------------ content
    def heading(self, text: StrOrPromise, level: int = 1) -> Report:
        """A heading (levels 1-3); also an entry in the PDF's bookmarks."""
        level = min(max(level, 1), 3)
        paragraph = Paragraph(escape(str(text)), self._styles[f"h{level}"])
        paragraph._doorstroom_heading = _Heading(str(text), level)
        self._story.append(paragraph)
        return self

    def paragraph(self, text: StrOrPromise) -> Report:
        """Plain text (no markup: it is escaped)."""
        self._story.append(Paragraph(escape(str(text)), self._styles["body"]))
        return self

    def key_figures(self, figures: Sequence[tuple[StrOrPromise, StrOrPromise]]) -> Report:
        """A row of headline figures: ``[("Instroom", "1.234"), ...]`` (already formatted;
        suppress small counts yourself, or pass a value from a protected Table)."""
        if not figures:
            return self
        per_row = min(len(figures), 4)
        width = (_frame_width() - (per_row - 1) * 4 * mm) / per_row
        cells: list[Any] = [
            [
                Paragraph(escape(str(value)), self._styles["figure"]),
                Paragraph(escape(str(label)), self._styles["figure_label"]),
            ]
            for label, value in figures
        ]
        rows: list[list[Any]] = [cells[i : i + per_row] for i in range(0, len(cells), per_row)]
        for row in rows:
            row += [""] * (per_row - len(row))
        grid = RLTable(rows, colWidths=[width] * per_row, hAlign="LEFT")
        grid.setStyle(_key_figure_style(len(rows), per_row))
        self._story.extend([grid, Spacer(1, 4 * mm)])
        return self

    def table(self, table: Table, *, title: bool = True) -> Report:
        """A Table with its caption and notes; disclosure control as in every export."""
        table = for_export(table)
        self._hidden_counts |= table.any_hidden
        flowables: list[Any] = []
        if title:
            flowables.append(Paragraph(escape(str(table.title)), self._styles["caption"]))
        flowables.append(_rl_table(table, self._styles))
        notes = table.all_notes()
        if table.source:
            notes.append(_("Source: %(source)s") % {"source": table.source})
        for note in notes:
            flowables.append(Paragraph(escape(note), self._styles["note"]))
        flowables.append(Spacer(1, 5 * mm))
        # Keep the caption with the first rows; a long table still splits over pages.
        head = flowables[:2] if title else flowables[:1]
        self._story.append(KeepTogether(self._lead_in() + head))
        self._story.extend(flowables[len(head) :])
        return self

    def chart(self, chart: Chart, *, with_table: bool = False) -> Report:
        """A chart (its SVG converted with svglib) with its title; disclosure control is
        applied by redrawing it from a protected table. ``with_table`` adds its table."""
        chart = for_export_chart(chart)
        self._hidden_counts |= chart.table.any_hidden
        drawing = svg2rlg(io.BytesIO(str(chart.svg).encode("utf-8")))
        if drawing is None:  # pragma: no cover - our SVG always parses
            raise ValueError(f"chart {chart.id}: SVG could not be converted")
        available = _frame_width()
        if drawing.width > available:
            factor = available / drawing.width
            drawing.scale(factor, factor)
            drawing.width *= factor
            drawing.height *= factor
        drawing.hAlign = "LEFT"
        self._story.append(
            KeepTogether(
                [
                    *self._lead_in(),
                    Paragraph(escape(chart.title), self._styles["caption"]),
                    drawing,
                    Spacer(1, 4 * mm),
                ]
            )
        )
        if with_table:
            self.table(chart.table, title=False)
        return self

    def _lead_in(self) -> list[Any]:
        """The heading(s) right before a table or chart, and a paragraph right after a
        heading: taken from the story to go on the same page as what follows (reportlab's
        keepWithNext does not reach into a KeepTogether)."""
        taken: list[Any] = []
        story = self._story
        if (
            len(story) >= 2
            and isinstance(story[-1], Paragraph)
            and not hasattr(story[-1], "_doorstroom_heading")
            and hasattr(story[-2], "_doorstroom_heading")
        ):
            taken.insert(0, story.pop())
        while story and hasattr(story[-1], "_doorstroom_heading"):
            taken.insert(0, story.pop())
        return taken

    def page_break(self) -> Report:

        self._story.append(PageBreak())
        return self

    # ------------------------------------------------------------------ output
    def build(self, *, compress: bool = True, invariant: bool = False) -> bytes:
        """The PDF. ``compress=False`` writes readable page streams and ``invariant=True``
        a fixed creation date and id (both for tests)."""
        out = io.BytesIO()
        made = formats.date_format(self.generated, "j F Y")
        footer = " · ".join(
            p
            for p in (
                _("Source: %(source)s") % {"source": self.source} if self.source else "",
                _("Made on %(date)s") % {"date": made},
            )
            if p
        )
        page_label = _("Page %(page)s of %(pages)s")
        margin = PAGE_MARGIN_MM * mm
        doc = _Document(
            out,
            pagesize=A4,
            leftMargin=margin,
            rightMargin=margin,
            topMargin=margin,
            bottomMargin=margin + 6 * mm,
            title=self.title,
            subject=self.subtitle or "",
            author=self.organisation or "doorstroom",
            creator="doorstroom",
            lang="nl-NL",
            pageCompression=1 if compress else 0,
            invariant=1 if invariant else 0,
        )
        frame = Frame(margin, margin + 6 * mm, A4[0] - 2 * margin, A4[1] - 2 * margin - 6 * mm)
        doc.addPageTemplates(
            [
                PageTemplate("title", [frame]),
                PageTemplate("body", [frame]),
            ]
        )
        story = [*self._title_page(made), NextPageTemplate("body"), *self._story]

        def canvas_maker(*args: Any, **kwargs: Any) -> Any:
            return _NumberedCanvas(*args, footer=footer, page_label=page_label, **kwargs)

        doc.build(story, canvasmaker=canvas_maker)
        return out.getvalue()

    def _title_page(self, made: str) -> list[Any]:

        parts: list[Any] = [
            Spacer(1, 50 * mm),
            Paragraph(escape(self.title), self._styles["title"]),
        ]
        if self.subtitle:
            parts.append(Paragraph(escape(self.subtitle), self._styles["subtitle"]))
        parts.append(Spacer(1, 12 * mm))
        if self.organisation:
            parts.append(Paragraph(escape(self.organisation), self._styles["body"]))
        parts.append(
            Paragraph(escape(_("Made on %(date)s") % {"date": made}), self._styles["body"])
        )
        if self.source:
            parts.append(
                Paragraph(
                    escape(_("Source: %(source)s") % {"source": self.source}), self._styles["body"]
                )
            )
        parts.append(Spacer(1, 8 * mm))
        parts.append(
            Paragraph(
                escape(
                    _(
                        "Figures about fewer than %(threshold)s people are not shown, nor figures "
                        "from which they could be worked out, to protect the privacy of clients."
                    )
                    % {"threshold": _threshold()}
                ),
                self._styles["note"],
            )
        )
        parts.append(PageBreak())
        return parts


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    """A download of a built report: ``<filename>-<date>.pdf``."""

    response = HttpResponse(content, content_type="application/pdf")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="{slug(filename)}-{stamp}.pdf"'
    return response


# ------------------------------------------------------------------ internals
def _threshold() -> int:

    return default_policy().threshold


def _frame_width() -> float:

    return float(A4[0] - 2 * PAGE_MARGIN_MM * mm)


def _styles() -> dict[str, Any]:

    body = ParagraphStyle(
        "body",
        fontName="Helvetica",
        fontSize=10,
        leading=14,
        textColor=HexColor(TEXT),
        spaceAfter=6,
    )
    return {
        "body": body,
        "title": ParagraphStyle(
            "title",
            parent=body,
            fontName="Helvetica-Bold",
            fontSize=26,
            leading=32,
            textColor=HexColor(BLUE),
        ),
        "subtitle": ParagraphStyle("subtitle", parent=body, fontSize=15, leading=20),
        "h1": ParagraphStyle(
            "h1",
            parent=body,
            keepWithNext=1,  # never a heading alone at the foot of a page
            fontName="Helvetica-Bold",
            fontSize=17,
            leading=22,
            spaceBefore=10,
            spaceAfter=8,
            textColor=HexColor(BLUE),
        ),
        "h2": ParagraphStyle(
            "h2",
            parent=body,
            keepWithNext=1,  # never a heading alone at the foot of a page
            fontName="Helvetica-Bold",
            fontSize=13,
            leading=17,
            spaceBefore=8,
            spaceAfter=6,
        ),
        "h3": ParagraphStyle(
            "h3",
            parent=body,
            keepWithNext=1,  # never a heading alone at the foot of a page
            fontName="Helvetica-Bold",
            fontSize=11,
            leading=15,
            spaceBefore=6,
            spaceAfter=4,
        ),
        "caption": ParagraphStyle(
            "caption", parent=body, fontName="Helvetica-Bold", fontSize=10, spaceAfter=4
        ),
        "note": ParagraphStyle(
            "note", parent=body, fontSize=8, leading=10.5, textColor=HexColor(MUTED), spaceAfter=2
        ),
        "cell": ParagraphStyle("cell", parent=body, fontSize=8.5, leading=10.5, spaceAfter=0),
        "cell_right": ParagraphStyle(
            "cell_right", parent=body, fontSize=8.5, leading=10.5, spaceAfter=0, alignment=TA_RIGHT
        ),
        "figure": ParagraphStyle(
            "figure",
            parent=body,
            fontName="Helvetica-Bold",
            fontSize=20,
            leading=24,
            textColor=HexColor(BLUE),
            spaceAfter=0,
        ),
        "figure_label": ParagraphStyle(
            "figure_label",
            parent=body,
            fontSize=9,
            leading=12,
            textColor=HexColor(MUTED),
            spaceAfter=0,
        ),
    }


def _key_figure_style(rows: int, columns: int) -> Any:

    commands: list[tuple[Any, ...]] = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 6),
        ("TOPPADDING", (0, 0), (-1, -1), 6),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
    ]
    for r in range(rows):
        for c in range(columns):
            commands.append(("LINEBEFORE", (c, r), (c, r), 3, HexColor(BLUE)))
    return TableStyle(commands)


def _rl_table(table: Table, styles: dict[str, Any]) -> Any:
    """A reportlab table: bold header (repeated on every page), numbers right-aligned,
    totals bold with a line above, the font shrinking for wide tables."""

    seps = Separators.current()
    columns = list(table.columns)
    rows = [*table.body_rows, *table.footer_rows]
    texts = [
        [table.mark(r.key, c.key) or format_value(r.cells.get(c.key), c, seps) for c in columns]
        for r in rows
    ]
    labels = [str(c.label) for c in columns]
    available = _frame_width()
    size = 8.5
    for candidate in (8.5, 7.5, 6.5):
        size = candidate
        numeric = [
            max([stringWidth(t[j], "Helvetica-Bold", size) for t in texts] + [0.0]) + 8
            for j in range(len(columns))
        ]
        if (
            sum(n for n, c in zip(numeric, columns, strict=True) if c.numeric)
            + 60 * sum(1 for c in columns if not c.numeric)
            <= available
        ):
            break
    cell = ParagraphStyle("c", parent=styles["cell"], fontSize=size, leading=size + 2)
    cell_right = ParagraphStyle("cr", parent=styles["cell_right"], fontSize=size, leading=size + 2)
    head = ParagraphStyle("h", parent=cell, fontName="Helvetica-Bold")
    head_right = ParagraphStyle("hr", parent=cell_right, fontName="Helvetica-Bold")
    # Widths: numbers get what they need; text columns share the rest by content length.
    natural = []
    for j in range(len(columns)):
        widest = max([stringWidth(t[j], "Helvetica-Bold", size) for t in texts] + [0.0]) + 8
        header_words = (
            max((stringWidth(w, "Helvetica-Bold", size) for w in labels[j].split()), default=0.0)
            + 8
        )
        natural.append(max(widest, header_words))
    fixed = sum(w for w, c in zip(natural, columns, strict=True) if c.numeric)
    flexible = [j for j, c in enumerate(columns) if not c.numeric]
    widths = list(natural)
    if flexible:
        room = max(available - fixed, 40.0 * len(flexible))
        wanted = sum(natural[j] for j in flexible) or 1.0
        for j in flexible:
            widths[j] = min(natural[j], room) if wanted <= room else room * natural[j] / wanted
    total = sum(widths)
    if total > available:
        widths = [w * available / total for w in widths]

    header = [
        Paragraph(escape(label), head_right if c.alignment == "end" else head)
        for label, c in zip(labels, columns, strict=True)
    ]
    data: list[list[Any]] = [header]
    for r, row in enumerate(rows):
        line = []
        for j, column in enumerate(columns):
            text = texts[r][j]
            if column.alignment == "end":
                line.append(text)
            else:
                indent = "&nbsp;" * 4 * min(row.level, 4) if j == 0 else ""
                line.append(Paragraph(indent + escape(text), cell))
        data.append(line)
    rl = RLTable(data, colWidths=widths, repeatRows=1, hAlign="LEFT")
    commands: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, -1), "Helvetica", size),
        ("BACKGROUND", (0, 0), (-1, 0), HexColor(HEADER_FILL)),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, HexColor(TEXT)),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, HexColor("#D0D0D0")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
    ]
    for j, column in enumerate(columns):
        if column.alignment == "end":
            commands.append(("ALIGN", (j, 1), (j, -1), "RIGHT"))
    n_body = len(table.body_rows)
    for r, row in enumerate(rows, start=1):
        if r > n_body or row.sum_of is not None:
            commands.append(("FONT", (0, r), (-1, r), "Helvetica-Bold", size))
    if table.footer_rows:
        commands.append(("LINEABOVE", (0, n_body + 1), (-1, n_body + 1), 0.8, HexColor(TEXT)))
    rl.setStyle(TableStyle(commands))
    return rl


class _Document(BaseDocTemplate):  # type: ignore[misc]
    """Headings become PDF bookmarks (the outline), for navigation."""

    def afterFlowable(self, flowable: Any) -> None:
        heading = getattr(flowable, "_doorstroom_heading", None)
        if heading is not None:
            key = f"h{len(self._bookmarks)}"
            self._bookmarks.append(key)
            self.canv.bookmarkPage(key)
            self.canv.addOutlineEntry(heading.text, key, level=heading.level - 1, closed=False)

    def build(self, *args: Any, **kwargs: Any) -> None:
        self._bookmarks: list[str] = []
        super().build(*args, **kwargs)


class _NumberedCanvas(Canvas):  # type: ignore[misc]
    """Keeps the pages until the end, then writes "Page n of N" and the footer line."""

    def __init__(self, *args: Any, footer: str, page_label: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._saved: list[dict[str, Any]] = []
        self._footer = footer
        self._page_label = page_label

    def showPage(self) -> None:
        self._saved.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._saved)
        for state in self._saved:
            self.__dict__.update(state)
            self._draw_footer(total)
            super().showPage()
        super().save()

    def _draw_footer(self, total: int) -> None:
        margin = PAGE_MARGIN_MM * mm
        self.saveState()
        self.setFont("Helvetica", 8)
        self.setFillColor(HexColor(MUTED))
        self.setStrokeColor(HexColor("#D0D0D0"))
        self.line(margin, margin, A4[0] - margin, margin)
        self.drawString(margin, margin - 4 * mm, self._footer)
        self.drawRightString(
            A4[0] - margin,
            margin - 4 * mm,
            self._page_label % {"page": self._pageNumber, "pages": total},
        )
        self.restoreState()
