"""The quarterly report (PDF) on two years of synthetic history: a valid PDF with the
quarter's figures as ``core.metrics`` computes them from the same snapshot, small counts
hidden whoever asks, and a clear Dutch message for a quarter that cannot be reported on."""

from __future__ import annotations

import base64
import re
import zlib
from collections.abc import Callable

import pytest
from django.test import Client as HttpClient

from doorstroom.accounts.models import User
from doorstroom.core import metrics
from doorstroom.core.roles import Role
from doorstroom.monitor import presentation, selectors
from doorstroom.monitor.models import MonitorSnapshot
from doorstroom.monitor.report import Quarter, QuarterError, available, choose
from doorstroom.web import pdf
from doorstroom.web.tables import Table
from tests.conftest import Side, login_verified

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(drenthe: Side, make_user: Callable[..., User]) -> HttpClient:
    """An access officer: sees exact counts on screen, never in a report."""
    return login_verified(HttpClient(), make_user(Role.ACCESS_OFFICER, drenthe))


@pytest.fixture
def exported(monkeypatch: pytest.MonkeyPatch) -> list[Table]:
    """Every table the report puts in the PDF, as it goes in (after disclosure control)."""
    seen: list[Table] = []
    original = pdf.for_export

    def record(table: Table) -> Table:
        result = original(table)
        seen.append(result)
        return result

    monkeypatch.setattr(pdf, "for_export", record)
    return seen


def page_text(content: bytes) -> bytes:
    """The streams of a PDF decoded (reportlab: ASCII85, then Flate)."""
    out = []
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", content, re.S):
        data = match.group(1).strip()
        if data.endswith(b"~>"):
            data = base64.a85decode(data[:-2].replace(b"\n", b"").replace(b"\r", b""))
        try:
            out.append(zlib.decompress(data))
        except zlib.error:
            out.append(data)
    return b"\n".join(out)


def drawn(text: bytes, value: str) -> bool:
    """Is ``value`` drawn as a string (standard fonts: cp1252, bytes >= 0x7F escaped)?"""
    encoded = b""
    for byte in value.replace("\u2022", "\x7f").encode("cp1252"):
        if byte >= 0x7F:
            encoded += b"\\%03o" % byte
        elif byte in b"()\\":
            encoded += b"\\" + bytes([byte])
        else:
            encoded += bytes([byte])
    return b"(" + encoded + b") Tj" in text


def last_complete_quarter() -> Quarter:
    state = selectors.current()
    return available(state.spells.first_day, state.as_of)[0]


def test_the_report_is_a_pdf_with_the_quarters_figures(
    officer: HttpClient, exported: list[Table]
) -> None:
    quarter = last_complete_quarter()
    response = officer.get(f"/monitor/rapport/?kwartaal={quarter.year}-{quarter.number}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f"k{quarter.number}" in response["Content-Disposition"]
    content = response.content
    assert content.startswith(b"%PDF-")
    assert content.rstrip().endswith(b"%%EOF")
    assert len(re.findall(rb"/Type /Page(?![a-zA-Z])", content)) >= 6
    text = page_text(content)
    assert drawn(text, f"Zuidwest-Drenthe \u00b7 {quarter.long_label()}")  # the title page
    assert drawn(text, "Hoe de cijfers tot stand komen")

    # The key figures are the quarter's and the same quarter's a year before, as the core
    # computes them from the same snapshot.
    state = selectors.current()
    figures = metrics.compute(
        state.spells,
        presentation.year_on_year_grid(quarter.start, quarter.last),
        metrics.Filters(regions=frozenset({"zuidwest-drenthe"})),
    )
    before, now = figures.months.starts
    expected = {
        "applications": (figures.value("applications", now), figures.value("applications", before)),
        "in_care_bw": (
            figures.value("stock_in_care", now, category="bw_intramural"),
            figures.value("stock_in_care", before, category="bw_intramural"),
        ),
        "waiting": (figures.value("stock_waiting", now), figures.value("stock_waiting", before)),
    }
    counts = next(t for t in exported if t.id == "key-counts")
    assert [str(c.label) for c in counts.columns][1:3] == [
        quarter.label,
        quarter.plus(-4).label,
    ]
    for key, (a, b) in expected.items():
        row = next(r for r in counts.body_rows if r.key == key)
        assert (row.cells["now"], row.cells["before"]) == (a, b), key
        assert a is not None
        assert a >= 10, "region-wide figures are not small"
        assert not counts.status(key, "now").hidden
        assert drawn(text, f"{round(a)}")
    inflow = next(t for t in exported if t.id == "chart-inflow-table")  # under its chart
    assert inflow.body_rows[-1].cells["month"] == quarter.label
    assert inflow.body_rows[-1].cells["total"] == expected["applications"][0]


def test_small_counts_are_hidden_in_the_report_even_for_an_access_officer(
    officer: HttpClient, exported: list[Table]
) -> None:
    # On screen the officer sees every count ...
    page = officer.get("/monitor/gemeenten/")
    assert not page.context["table"].any_hidden
    small_on_screen = [
        v
        for r in page.context["table"].body_rows
        for k, v in r.cells.items()
        if isinstance(v, int) and 0 < v < 10 and k != "population"
    ]
    assert small_on_screen, "a municipality comparison of this region has small counts"
    # ... in the report no count of people from 1 to 9 is shown.
    response = officer.get("/monitor/rapport/")
    assert response.status_code == 200
    assert exported
    for table in exported:
        if not table.counts_people:
            continue
        assert table.suppression is not None, table.id
        for row in (*table.body_rows, *table.footer_rows):
            for column in table.columns:
                value = row.cells.get(column.key)
                if column.is_count and isinstance(value, int) and 0 < value < 10:
                    assert table.status(row.key, column.key).hidden, (table.id, row.key, column.key)
    assert any(t.any_hidden for t in exported)
    assert drawn(page_text(response.content), "<10")


@pytest.mark.parametrize(
    ("asked", "message"),
    [
        ("2026-5", "Geef het kwartaal als jaar-kwartaal, bijvoorbeeld 2026-3."),
        ("kwartaal drie", "Geef het kwartaal als jaar-kwartaal"),
        ("2999-1", "is nog niet voorbij"),
        ("1990-2", "Er zijn geen cijfers van vóór"),
    ],
)
def test_a_bad_quarter_gets_a_clear_dutch_message(
    officer: HttpClient, asked: str, message: str
) -> None:
    officer.get("/monitor/")  # the first snapshot
    snapshots = MonitorSnapshot.objects.count()
    response = officer.get("/monitor/rapport/", {"kwartaal": asked})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert message in html
    assert 'name="kwartaal"' in html  # and a choice of the quarters that can be reported
    assert MonitorSnapshot.objects.count() == snapshots
    assert officer.get("/monitor/rapport/").status_code == 200


def test_the_overview_links_the_report(officer: HttpClient) -> None:
    html = officer.get("/monitor/").content.decode()
    quarter = last_complete_quarter()
    assert 'href="/monitor/rapport/"' in html
    assert f"Kwartaalrapportage {quarter.label} (PDF)" in html
    assert f'value="{quarter.value}"' in html


def test_quarters() -> None:
    from datetime import date

    assert Quarter.parse("2026-3") == Quarter.parse(" 2026-K3 ") == Quarter(2026, 3)
    assert Quarter(2026, 3).start == date(2026, 7, 1)
    assert Quarter(2026, 3).last == date(2026, 9, 30)
    assert Quarter(2026, 1).plus(-1) == Quarter(2025, 4)
    quarters = available(date(2025, 2, 10), date(2026, 9, 30))
    assert quarters[0] == Quarter(2026, 3)
    assert quarters[-1] == Quarter(2025, 1)
    assert available(date(2025, 2, 10), date(2026, 9, 29))[0] == Quarter(2026, 2)
    assert choose("", quarters) == Quarter(2026, 3)
    for bad in ("2026", "2026-0", "26-1", "2026-3-1"):
        with pytest.raises(QuarterError):
            choose(bad, quarters)
    with pytest.raises(QuarterError):
        choose("2026-1", [])
