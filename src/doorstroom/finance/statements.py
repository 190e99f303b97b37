"""The year-end settlement statement of one municipality, as PDF (reportlab)."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from doorstroom.finance import display
from doorstroom.finance.models import Calculation


def _pdf_text(value: str) -> str:
    # The standard PDF fonts have no U+2212 minus sign.
    return escape(value.replace("\u2212", "-"))


def _euros(value: Any) -> str:
    return _pdf_text(display.euros(Decimal(str(value))))


def settlement_pdf(calculation: Calculation, code: str, names: dict[str, str]) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    outputs = calculation.outputs
    line = next(x for x in outputs["lines"] if x["municipality"] == code)
    name = names.get(code, code)
    styles = getSampleStyleSheet()
    body, small = styles["BodyText"], styles["Italic"]
    title = _("Settlement of the solidarity fund %(year)s") % {"year": calculation.year}
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=f"{title} - {name}",
        author="doorstroom",
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
    )
    settlement = Decimal(line["settlement"])
    if settlement > 0:
        outcome = _("%(name)s pays %(amount)s to the fund.")
    elif settlement < 0:
        outcome = _("%(name)s receives %(amount)s from the fund.")
    else:
        outcome = _("%(name)s has nothing to pay or receive.")
    facts = [
        [_("Region"), calculation.region.name],
        [_("Municipality"), f"{name} ({code})"],
        [_("Year"), str(calculation.year)],
        [_("Calculation"), f"#{calculation.pk} — {calculation.label}"],
        [_("Calculated at"), date_format(localtime(calculation.created_at), "DATETIME_FORMAT")],
        [_("Rule version"), calculation.rule_version],
        [_("Fingerprint of the inputs"), calculation.digest[:16]],
    ]
    amounts = [
        [_("Contribution to the fund"), _euros(line["contribution"])],
        [_("Received from the fund for regional costs"), _euros(line["received"])],
        [_("Advances already paid"), _euros(line["advance"])],
        [_("Settlement (positive: to pay, negative: to receive)"), _euros(settlement)],
    ]
    grid = TableStyle(
        [
            ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
            ("ALIGN", (1, 0), (1, -1), "RIGHT"),
            ("FONTNAME", (0, -1), (-1, -1), "Helvetica-Bold"),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]
    )
    story: list[Any] = [
        Paragraph(_pdf_text(title), styles["Title"]),
        Table(
            [[Paragraph(_pdf_text(a), body), Paragraph(_pdf_text(b), body)] for a, b in facts],
            colWidths=[60 * mm, 110 * mm],
        ),
        Spacer(1, 6 * mm),
        Table(amounts, colWidths=[120 * mm, 50 * mm], style=grid),
        Spacer(1, 4 * mm),
        Paragraph(
            "<b>"
            + _pdf_text(outcome % {"name": name, "amount": display.euros(abs(settlement))})
            + "</b>",
            body,
        ),
        Spacer(1, 6 * mm),
        Paragraph(_pdf_text(_("How this amount came about")), styles["Heading2"]),
    ]
    for step in display.texts(line["explanation"], names):
        story.append(Paragraph("• " + _pdf_text(step), body))
    story.append(Spacer(1, 4 * mm))
    story.append(Paragraph(_pdf_text(_("The region as a whole")), styles["Heading2"]))
    for step in display.texts(outputs.get("explanation", []), names):
        story.append(Paragraph("• " + _pdf_text(step), body))
    story.append(Spacer(1, 8 * mm))
    story.append(
        Paragraph(
            _pdf_text(
                _(
                    "Amounts are exact to the cent: every amount is rounded down to the cent and "
                    "the remaining cents go to the largest remainders, so the contributions add "
                    "up to the amount to raise. Recompute this calculation in doorstroom "
                    "(calculation #%(id)s) to check it."
                )
                % {"id": calculation.pk}
            ),
            small,
        )
    )
    doc.build(story)
    return buffer.getvalue()
