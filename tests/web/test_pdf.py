from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.utils import translation

from doorstroom.web.charts import for_export_chart, line_chart
from doorstroom.web.pdf import Report, pdf_response
from doorstroom.web.tables import BODY, Column, Row, Table


@pytest.fixture(autouse=True)
def _dutch() -> Iterator[None]:
    with translation.override("nl"):
        yield


def pages(pdf: bytes) -> int:
    """Page objects in the file (not the /Pages tree node)."""
    return len(re.findall(rb"/Type /Page(?![a-zA-Z])", pdf))


def shown(pdf: bytes, text: str) -> bool:
    """Is ``text`` drawn as a string on some page? (uncompressed; the standard fonts'
    WinAnsi encoding, bytes above ASCII written as octal escapes, the bullet as \\177)"""
    encoded = b""
    for byte in text.replace("\u2022", "\x7f").encode("cp1252"):
        if byte >= 0x7F:
            encoded += b"\\%03o" % byte
        elif byte in b"()\\":
            encoded += b"\\" + bytes([byte])
        else:
            encoded += bytes([byte])
    return b"(" + encoded + b") Tj" in pdf


def counts_table(n_rows: int = 3) -> Table:
    rows = [
        {"name": f"Gemeente {i}", "n": 7 if i == 1 else 40 + i, "m": 30 + i} for i in range(n_rows)
    ]
    footer = [
        Row(
            {"name": "Regio", "n": sum(r["n"] for r in rows), "m": sum(r["m"] for r in rows)},
            sum_of=BODY,
        )
    ]
    return Table(
        "counts",
        "Wachtenden per gemeente",
        [
            Column("name", "Gemeente"),
            Column("n", "Wachtend", "int"),
            Column("m", "Geplaatst", "int"),
        ],
        rows,
        footer,
    )


def monthly_table(small: bool = False) -> Table:
    return Table(
        "monthly",
        "Instroom per maand",
        [Column("month", "Maand", "month"), Column("n", "Instroom", "int")],
        [{"month": date(2024, m, 1), "n": 3 if small and m == 6 else 40 + m} for m in range(1, 13)],
    )


def report() -> Report:
    return Report(
        "Kwartaalrapportage regio Groningen",
        subtitle="2e kwartaal 2026",
        organisation="Regio Groningen",
        source="doorstroom, gebeurtenissenlog",
        generated=datetime(2026, 7, 1, 9, 30),
    )


def test_a_report_is_a_valid_pdf_with_title_page_and_numbered_pages() -> None:
    pdf = (
        report()
        .heading("Kerncijfers")
        .key_figures([("Instroom", "1.234"), ("Wachtlijst", "87")])
        .heading("Instroom", 2)
        .paragraph("De instroom steeg.")
        .chart(line_chart(monthly_table(), x="month", series=["n"]))
        .table(counts_table())
        .build(compress=False, invariant=True)
    )
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")
    n = pages(pdf)
    assert n == 2  # the title page and one page of content
    assert re.search(rb"/Type /Pages[^>]*/Count 2|/Count 2 /Kids", pdf)
    for text in (
        "Kwartaalrapportage regio Groningen",
        "2e kwartaal 2026",
        "Gemaakt op 1 juli 2026",
        "Bron: doorstroom, gebeurtenissenlog",
        "Kerncijfers",
        "1.234",
        "Instroom per maand",  # the chart's title
        "jan 2024",  # the chart's axis, drawn from the SVG
        "Wachtenden per gemeente",
        "Gemeente 0",
        "Pagina 1 van 2",
        "Pagina 2 van 2",
    ):
        assert shown(pdf, text), text
    assert b"/Lang (nl-NL)" in pdf
    assert b"/Title (Kwartaalrapportage regio Groningen)" in pdf
    assert b"/Type /Outlines" in pdf  # headings are bookmarks


def test_long_tables_continue_over_pages_with_every_page_numbered() -> None:
    pdf = report().table(counts_table(n_rows=150)).build(compress=False, invariant=True)
    n = pages(pdf)
    assert n >= 4
    for page in range(1, n + 1):
        assert shown(pdf, f"Pagina {page} van {n}")
    assert not shown(pdf, f"Pagina {n + 1} van {n}")
    # The header row repeats on every page of the table.
    assert pdf.count(b"(Geplaatst) Tj") == n - 1


def test_tables_and_charts_in_a_report_apply_disclosure_control() -> None:
    pdf = (
        report()
        .table(counts_table())
        .chart(line_chart(monthly_table(small=True), x="month", series=["n"]), with_table=True)
        .build(compress=False, invariant=True)
    )
    assert shown(pdf, "<10")
    assert shown(pdf, "\u2022")  # the secondary mark
    assert not shown(pdf, "7")  # the small count itself
    assert not shown(pdf, "3")
    # The note explains the mark (reportlab draws the "<" of "&lt;" as its own string).
    assert shown(pdf, "10: minder dan 10 personen; niet getoond ter bescherming van hun privacy.")


def test_a_chart_is_redrawn_from_its_protected_table() -> None:
    chart = line_chart(monthly_table(small=True), x="month", series=["n"])
    protected = for_export_chart(chart)
    assert protected is not chart
    assert protected.table.any_hidden
    assert protected.svg.count("<path d=") == chart.svg.count("<path d=") + 1  # a gap in June
    assert for_export_chart(protected) is protected


def test_money_tables_are_exported_as_they_are() -> None:
    money = Table(
        "budget",
        "Budget per gemeente",
        [Column("name", "Gemeente"), Column("amount", "Budget", "money")],
        [{"name": "Pekela", "amount": Decimal("7.00")}],
        counts_people=False,
    )
    pdf = report().table(money).build(compress=False, invariant=True)
    assert shown(pdf, "\u20ac 7,00")


def test_text_is_escaped_not_interpreted() -> None:
    pdf = (
        report()
        .heading("Kosten <b>& baten</b>")
        .paragraph("De wachtlijst <daalt> & de <br/> instroom stijgt.")
        .build(compress=False, invariant=True)
    )
    assert shown(pdf, "& baten")
    assert shown(pdf, "daalt")
    assert pages(pdf) == 2


def test_compressed_output_is_smaller_and_still_a_pdf() -> None:
    built = report().table(counts_table(n_rows=60))
    small = built.build()
    large = built.build(compress=False)
    assert small.startswith(b"%PDF-")
    assert len(small) < len(large)


def test_pdf_response_is_a_download() -> None:
    response = pdf_response(b"%PDF-1.4 test", "Kwartaalrapportage Q2")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith(
        'attachment; filename="kwartaalrapportage-q2-'
    )
    assert response["Content-Disposition"].endswith('.pdf"')
