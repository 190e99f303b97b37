from __future__ import annotations

import csv
import io
from collections.abc import Hashable, Iterator
from datetime import date
from decimal import Decimal
from html.parser import HTMLParser
from types import SimpleNamespace
from typing import Any

import pytest
from django.http import Http404
from django.template import Context, Template
from django.test import RequestFactory, override_settings
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from doorstroom.core.disclosure import CellStatus, Policy, Relation, Suppression
from doorstroom.core.roles import Role
from doorstroom.web.tables import (
    BODY,
    Column,
    Row,
    Table,
    disclosure_applies,
    export_response,
    export_url,
    format_plain,
    format_value,
    protect_for,
    to_csv,
    to_xlsx,
)
from tests.core.test_disclosure import check_protected


@pytest.fixture(autouse=True)
def _dutch() -> Iterator[None]:
    with translation.override("nl"):
        yield


def inflow_table(**kwargs: Any) -> Table:
    """Municipalities x product, a total column, a region total in the footer."""
    columns = [
        Column("municipality", "Gemeente"),
        Column("bw", "BW", "int"),
        Column("bt", "BT", "int"),
        Column("total", "Totaal", "int", sum_of=("bw", "bt")),
        Column("share_bt", "Aandeel BT", "percent", derived_from=("bt", "total")),
    ]
    data = [("Groningen", 120, 35), ("Midden-Groningen", 12, 3), ("Westerkwartier", 40, 25)]
    rows = [
        {"municipality": m, "bw": bw, "bt": bt, "total": bw + bt, "share_bt": bt / (bw + bt)}
        for m, bw, bt in data
    ]
    bw = sum(r[1] for r in data)
    bt = sum(r[2] for r in data)
    footer = [
        Row(
            {
                "municipality": "Regio",
                "bw": bw,
                "bt": bt,
                "total": bw + bt,
                "share_bt": bt / (bw + bt),
            },
            sum_of=BODY,
        )
    ]
    return Table("inflow", "Instroom per gemeente", columns, rows, footer, **kwargs)


def money_table() -> Table:
    return Table(
        "budget",
        "Budget per gemeente",
        [Column("municipality", "Gemeente"), Column("amount", "Budget", "money")],
        [{"municipality": "Groningen", "amount": Decimal("1234567.5")}],
        counts_people=False,
    )


class Cells(HTMLParser):
    """Collects (tag, attributes, text) of every th/td."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: list[tuple[str, dict[str, str | None], str]] = []
        self._open: tuple[str, dict[str, str | None]] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("th", "td"):
            self._open = (tag, dict(attrs))
            self._text = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("th", "td") and self._open:
            self.cells.append((*self._open, "".join(self._text)))
            self._open = None

    def handle_data(self, data: str) -> None:
        if self._open:
            self._text.append(data)


def parse_cells(html: str) -> list[tuple[str, dict[str, str | None], str]]:
    parser = Cells()
    parser.feed(html)
    return parser.cells


# ------------------------------------------------------------------ formatting
@pytest.mark.parametrize(
    ("value", "column", "dutch", "english"),
    [
        (1234, Column("n", "n", "int"), "1.234", "1,234"),
        (1234.5, Column("x", "x", "decimal"), "1.234,5", "1,234.5"),
        (Decimal("-1234567.891"), Column("m", "m", "money"), "€ -1.234.567,89", "€ -1,234,567.89"),
        (0.125, Column("p", "p", "percent"), "12,5%", "12.5%"),
        (35 / 155, Column("p", "p", "percent"), "22,6%", "22.6%"),
        (2.675, Column("x", "x", "decimal", decimals=2), "2,68", "2.68"),
        (Decimal("0.005"), Column("m", "m", "money"), "€ 0,01", "€ 0.01"),
        (-2.5, Column("d", "d", "days"), "-3", "-3"),
        (Decimal("0.5"), Column("p", "p", "percent", decimals=0), "50%", "50%"),
        (45.4, Column("d", "d", "days"), "45", "45"),
        (date(2024, 3, 1), Column("m", "m", "month"), "mrt 2024", "mar 2024"),
        (None, Column("n", "n", "int"), "—", "—"),
        ("Groningen", Column("t", "t"), "Groningen", "Groningen"),
    ],
)
def test_values_are_formatted_for_the_language(
    value: Any, column: Column, dutch: str, english: str
) -> None:
    assert format_value(value, column) == dutch
    with translation.override("en"):
        assert format_value(value, column) == english


@pytest.mark.parametrize(
    ("value", "column", "plain"),
    [
        (1234, Column("n", "n", "int"), "1234"),
        (1234.5, Column("x", "x", "decimal"), "1234,5"),
        (Decimal("1234.5"), Column("m", "m", "money"), "1234,50"),
        (0.125, Column("p", "p", "percent"), "12,5"),
        (35 / 155, Column("p", "p", "percent"), "22,6"),
        (2.675, Column("x", "x", "decimal", decimals=2), "2,68"),
        (1234567, Column("n", "n", "int"), "1234567"),
        (date(2024, 3, 1), Column("m", "m", "month"), "2024-03"),
        (None, Column("n", "n", "int"), ""),
        ("=HYPERLINK(1)", Column("t", "t"), "'=HYPERLINK(1)"),
        ("-2", Column("t", "t"), "'-2"),
    ],
)
def test_plain_values_for_csv(value: Any, column: Column, plain: str) -> None:
    assert format_plain(value, column) == plain


# ------------------------------------------------------------------ declaration
def test_declaration_mistakes_are_refused() -> None:
    with pytest.raises(ValueError, match="table id"):
        Table("Bad Id", "t", [Column("a", "a")], [])
    with pytest.raises(ValueError, match="unique"):
        Table("t", "t", [Column("a", "a"), Column("a", "b")], [])
    with pytest.raises(ValueError, match="not a count column"):
        Table("t", "t", [Column("a", "a"), Column("s", "s", "int", sum_of=("a",))], [])
    with pytest.raises(ValueError, match="row keys"):
        Table("t", "t", [Column("a", "a")], [Row({}, key="x"), Row({}, key="x")])
    with pytest.raises(ValueError, match="BODY or a tuple"):
        Table("t", "t", [Column("a", "a")], [Row({}, key="ab", sum_of="ab")])
    with pytest.raises(ValueError, match="not in the table"):
        Table("t", "t", [Column("a", "a")], [Row({}, key="x", sum_of=("y",))])


def test_rows_given_as_dicts_get_keys() -> None:
    table = inflow_table()
    assert [r.key for r in table.body_rows] == ["r0", "r1", "r2"]
    assert [r.key for r in table.footer_rows] == ["f0"]


# ------------------------------------------------------------------ HTML
def test_html_is_accessible_and_dutch() -> None:
    html = str(inflow_table().as_html())
    assert (
        '<caption class="utrecht-table__caption ds-table__caption" id="table-inflow-caption">Instroom per gemeente</caption>'
        in html
    )
    cells = parse_cells(html)
    headers = [c for c in cells if c[1].get("scope") == "col"]
    assert [h[2] for h in headers] == ["Gemeente", "BW", "BT", "Totaal", "Aandeel BT"]
    assert "ds-num" in (headers[1][1]["class"] or "")
    assert "ds-num" not in (headers[0][1]["class"] or "")
    row_headers = [c[2] for c in cells if c[1].get("scope") == "row"]
    assert row_headers == ["Groningen", "Midden-Groningen", "Westerkwartier", "Regio"]
    texts = [c[2] for c in cells]
    assert "155" in texts
    assert "22,6%" in texts  # 35 / 155
    assert "<tfoot" in html
    assert 'role="region"' in html
    assert 'tabindex="0"' in html
    assert 'aria-labelledby="table-inflow-caption"' in html


def test_html_escapes_every_text() -> None:
    table = Table(
        "x",
        "<b>titel</b>",
        [Column("name", "<i>naam</i>"), Column("n", "n", "int")],
        [{"name": "<script>alert(1)</script>", "n": 12}],
        notes=["<em>noot</em>"],
    )
    html = table.__html__()
    assert "<script>" not in html
    for tag in ("<b>", "<i>", "<em>"):
        assert tag not in html
    assert "&lt;script&gt;" in html


def test_hidden_cells_show_their_mark_and_an_explanation() -> None:
    table = inflow_table().protect()
    cells = parse_cells(str(table.as_html()))
    by_row: dict[str, list[str]] = {}
    current = ""
    for _tag, attrs, text in cells:
        if attrs.get("scope") == "row":
            current = text
            by_row[current] = []
        elif current:
            by_row[current].append(text)
    # Midden-Groningen: BT 3 is small; its share is derived from it.
    assert by_row["Midden-Groningen"][1] == "<10minder dan 10, niet getoond"
    assert by_row["Midden-Groningen"][3] == "•niet getoond"
    notes = str(table.notes_html())
    assert "&lt;10: minder dan 10 personen" in notes
    assert "•: niet getoond" in notes
    assert 'aria-describedby="table-inflow-notes"' in str(table.as_html())


def test_template_tag_renders_table_notes_and_downloads_keeping_filters() -> None:
    request = RequestFactory().get("/monitor/", {"period": "2024", "export": "csv"})
    html = Template("{% load figures %}{% table t downloads=True %}{% downloads tables %}").render(
        Context({"t": inflow_table().protect(), "tables": [inflow_table()], "request": request})
    )
    assert 'id="table-inflow"' in html
    assert "ds-table-notes" in html
    assert 'href="?period=2024&amp;export=xlsx&amp;table=inflow"' in html
    assert 'href="?period=2024&amp;export=csv&amp;table=inflow"' in html
    assert "Download als Excel" in html
    assert 'href="?period=2024&amp;export=xlsx"' in html


def test_export_url_keeps_repeated_filters() -> None:
    request = RequestFactory().get("/", {"municipality": ["a", "b"], "table": "old"})
    assert (
        export_url(request.GET, "xlsx", "t1")
        == "?municipality=a&municipality=b&export=xlsx&table=t1"
    )
    assert export_url(None, "csv") == "?export=csv"


# ------------------------------------------------------------------ disclosure
def test_protect_hides_small_counts_and_what_would_reveal_them() -> None:
    table = inflow_table().protect(Policy(threshold=10))
    status = {k: s for k, s in table.suppression.status.items() if s.hidden}  # type: ignore[union-attr]
    assert status[("r1", "bt")] is CellStatus.PRIMARY
    # The row total 15 and the region total would give BT 3 away: a second cell per line.
    row1 = [k for k in status if k[0] == "r1" and k[1] in ("bw", "bt", "total")]
    col_bt = [k for k in status if k[1] == "bt"]
    assert len(row1) >= 2
    assert len(col_bt) >= 2
    assert status[("r1", "share_bt")] is CellStatus.DERIVED
    # Derived figures of rows without hidden counts stay.
    assert table.status("r0", "share_bt") is CellStatus.SHOWN or ("r0", "bt") in status
    assert not inflow_table().any_hidden
    assert table.any_hidden


def test_a_kept_column_loses_ties_for_secondary_suppression() -> None:
    def table(keep: bool) -> Table:
        return Table(
            "ages",
            "Aanmeldingen",
            [
                Column("month", "Maand"),
                Column("young", "18-24", "int", keep=keep),
                Column("old", "45-64", "int"),
                Column("older", "65+", "int"),
                Column("total", "Totaal", "int", sum_of=("young", "old", "older")),
            ],
            [{"month": "jan", "young": 14, "old": 14, "older": 4, "total": 32}],
        ).protect()

    # Equal counts: without a preference the first column goes, with one the other.
    assert table(keep=False).status("r0", "young").hidden
    kept = table(keep=True)
    assert not kept.status("r0", "young").hidden
    assert kept.status("r0", "old").hidden
    assert kept.status("r0", "older") is CellStatus.PRIMARY


def test_hierarchy_region_rows_above_municipalities() -> None:
    columns = [Column("name", "Naam"), Column("n", "Aantal", "int")]
    rows = [
        Row({"name": "Noord", "n": 27}, key="noord", sum_of=("a", "b")),
        Row({"name": "A", "n": 4}, key="a", level=1),
        Row({"name": "B", "n": 23}, key="b", level=1),
        Row({"name": "Zuid", "n": 50}, key="zuid", sum_of=("c",)),
        Row({"name": "C", "n": 50}, key="c", level=1),
    ]
    table = Table("h", "Hiërarchie", columns, rows, [Row({"name": "Land", "n": 77}, sum_of=BODY)])
    protected = table.protect()
    assert protected.status("a", "n") is CellStatus.PRIMARY
    assert protected.status("b", "n").hidden  # else Noord - B gives A
    assert not protected.status("f0", "n").hidden
    html = str(protected.as_html())
    assert "ds-level-1" in html


def test_sums_that_do_not_add_up_are_a_programming_error() -> None:
    table = Table(
        "bad",
        "t",
        [Column("name", "n"), Column("n", "n", "int")],
        [{"name": "a", "n": 3}],
        [Row({"name": "tot", "n": 4}, sum_of=BODY)],
    )
    with pytest.raises(ValueError, match=r"table bad: .*not the sum"):
        table.protect()


def test_a_figure_based_on_an_unshown_small_count_is_hidden() -> None:
    table = Table(
        "wait",
        "Wachttijd",
        [
            Column("name", "Gemeente"),
            Column("median", "Mediaan (dagen)", "days", derived_from=("n",)),
        ],
        [{"name": "A", "median": 40, "n": 4}, {"name": "B", "median": 55, "n": 30}],
    ).protect()
    assert table.status("r0", "median") is CellStatus.DERIVED
    assert table.status("r1", "median") is CellStatus.SHOWN


@pytest.mark.parametrize(
    ("role", "applies"),
    [
        (Role.POLICY_ADVISOR, True),
        (Role.FINANCE_ADVISOR, True),
        (Role.ACCESS_OFFICER, False),
        (None, True),
    ],
)
def test_disclosure_applies_to_roles_without_client_access(
    role: Role | None, applies: bool
) -> None:
    user = SimpleNamespace(role_enum=role) if role else SimpleNamespace()
    assert disclosure_applies(user) is applies
    tables = protect_for(user, [inflow_table(), money_table()])
    assert tables[0].any_hidden is applies
    assert tables[1].suppression is None


# ------------------------------------------------------------------ CSV
def read_csv(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))


def test_csv_is_excel_nl_friendly() -> None:
    rows = read_csv(to_csv(inflow_table().protect()))
    assert rows[0] == ["Gemeente", "BW", "BT", "Totaal", "Aandeel BT (%)"]
    assert rows[1] == ["Groningen", "120", "35", "155", "22,6"]
    assert rows[2][2] == "<10"
    assert rows[2][4] == "•"
    assert rows[4][0] == "Regio"
    assert b"\r\n" in to_csv(inflow_table())


# ------------------------------------------------------------------ Excel
def test_xlsx_has_a_sheet_per_table_with_real_numbers() -> None:
    content = to_xlsx([inflow_table().protect(), money_table()], source="doorstroom, testregio")
    book = load_workbook(io.BytesIO(content))
    assert book.sheetnames == ["Instroom per gemeente", "Budget per gemeente"]
    sheet = book["Instroom per gemeente"]
    assert sheet["A1"].value == "Instroom per gemeente"
    assert sheet["A1"].font.b
    assert "Bron: doorstroom, testregio" in sheet["A2"].value
    assert "Gemaakt op" in sheet["A2"].value
    assert [c.value for c in sheet[4]] == ["Gemeente", "BW", "BT", "Totaal", "Aandeel BT"]
    assert all(c.font.b for c in sheet[4])
    assert sheet.freeze_panes == "A5"
    assert sheet["B5"].value == 120
    assert sheet["B5"].data_type == "n"
    assert sheet["B5"].number_format == "#,##0"
    assert sheet["E5"].number_format == "0.0%"
    assert sheet["E5"].value == pytest.approx(35 / 155)
    assert sheet["C6"].value == "<10"
    assert sheet["C6"].data_type == "s"
    assert sheet["A8"].value == "Regio"
    assert sheet["B8"].font.b
    assert sheet.column_dimensions["A"].width >= len("Midden-Groningen")
    notes = [sheet.cell(row=r, column=1).value for r in range(9, sheet.max_row + 1)]
    assert any(n and n.startswith("<10:") for n in notes)
    money = book["Budget per gemeente"]
    assert money["B5"].value == pytest.approx(1234567.5)
    assert "€" in money["B5"].number_format


def test_xlsx_never_turns_text_into_a_formula() -> None:
    table = Table("f", "=1+1", [Column("name", "=cmd")], [{"name": '=HYPERLINK("x")'}])
    sheet = load_workbook(io.BytesIO(to_xlsx([table]))).active
    assert sheet is not None
    for ref in ("A1", "A4", "A5"):
        assert sheet[ref].data_type == "s", ref


def test_xlsx_sheet_names_are_valid_and_unique() -> None:
    long = "Uitstroom naar bestemming: gemeente van herkomst / elders"
    tables = [Table(f"t{i}", long, [Column("a", "a")], []) for i in range(3)]
    names = load_workbook(io.BytesIO(to_xlsx(tables))).sheetnames
    assert len(set(names)) == 3
    assert all(len(n) <= 31 and ":" not in n and "/" not in n for n in names)


def test_months_are_dates_in_excel() -> None:
    table = Table(
        "m",
        "Per maand",
        [Column("month", "Maand", "month"), Column("n", "Aantal", "int")],
        [{"month": date(2024, 1, 1), "n": 40}],
    )
    sheet = load_workbook(io.BytesIO(to_xlsx([table]))).active
    assert sheet is not None
    assert sheet["A5"].is_date
    assert sheet["A5"].number_format == "mmm yyyy"


# ------------------------------------------------------------------ export view helper
def get(query: dict[str, str]) -> Any:
    return RequestFactory().get("/monitor/", query)


def test_no_export_asked_renders_the_page() -> None:
    assert export_response(get({}), [inflow_table()], filename="monitor") is None


@override_settings(DOORSTROOM_DISCLOSURE_THRESHOLD=10)
def test_every_export_applies_disclosure_control() -> None:
    response = export_response(
        get({"export": "csv", "table": "inflow"}),
        [inflow_table(), money_table()],
        filename="monitor",
    )
    assert response is not None
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="monitor-inflow-')
    rows = read_csv(response.content)
    assert rows[2][2] == "<10"  # the unprotected table was protected on the way out


@override_settings(DOORSTROOM_DISCLOSURE_THRESHOLD=20)
def test_export_uses_the_configured_threshold_and_keeps_a_stricter_one() -> None:
    rows = read_csv(
        export_response(
            get({"export": "csv", "table": "inflow"}), [inflow_table()], filename="m"
        ).content  # type: ignore[union-attr]
    )
    assert rows[2][1] == "<20"  # 12
    strict = inflow_table().protect(Policy(threshold=50))
    rows = read_csv(export_response(get({"export": "csv"}), [strict], filename="m").content)  # type: ignore[union-attr]
    assert rows[3][2] == "<50"  # 25


def test_money_tables_opt_out_explicitly() -> None:
    response = export_response(get({"export": "csv"}), [money_table()], filename="finance")
    assert response is not None
    assert read_csv(response.content)[1] == ["Groningen", "1234567,50"]


def test_workbook_with_every_table() -> None:
    response = export_response(
        get({"export": "xlsx"}), [inflow_table(), money_table()], filename="Monitor Q1"
    )
    assert response is not None
    assert response["Content-Disposition"].startswith('attachment; filename="monitor-q1-2')
    assert len(load_workbook(io.BytesIO(response.content)).sheetnames) == 2
    one = export_response(
        get({"export": "xlsx", "table": "budget"}), [inflow_table(), money_table()], filename="m"
    )
    assert one is not None
    assert load_workbook(io.BytesIO(one.content)).sheetnames == ["Budget per gemeente"]


@pytest.mark.parametrize("query", [{"export": "pdf"}, {"export": "xlsx", "table": "nope"}])
def test_unknown_format_or_table_is_not_found(query: dict[str, str]) -> None:
    with pytest.raises(Http404):
        export_response(get(query), [inflow_table()], filename="m")


def test_csv_of_several_tables_asks_to_choose_one() -> None:
    response = export_response(
        get({"export": "csv"}), [inflow_table(), money_table()], filename="m"
    )
    assert response is not None
    assert response.status_code == 400


# ------------------------------------------------------------------ the declared sums reach the core
@st.composite
def regional_tables(draw: st.DrawFn) -> tuple[Table, dict[Hashable, int], list[Relation[Hashable]]]:
    """Region rows above their municipalities, a country total in the footer, two count
    columns and their total: the Table's declarations and, independently, the sums."""
    sizes = draw(st.lists(st.integers(1, 3), min_size=1, max_size=3))
    counts = st.one_of(st.integers(0, 12), st.integers(0, 60))
    rows: list[Row] = []
    values: dict[Hashable, int] = {}
    relations: list[Relation[Hashable]] = []
    regions = []
    for r, size in enumerate(sizes):
        munis = [(f"m{r}-{i}", draw(counts), draw(counts)) for i in range(size)]
        key = f"region{r}"
        regions.append(key)
        a, b = sum(m[1] for m in munis), sum(m[2] for m in munis)
        rows.append(
            Row(
                {"name": key, "a": a, "b": b, "t": a + b},
                key=key,
                sum_of=tuple(m[0] for m in munis),
            )
        )
        rows += [Row({"name": k, "a": x, "b": y, "t": x + y}, key=k, level=1) for k, x, y in munis]
        for col in ("a", "b", "t"):
            relations.append(Relation((key, col), tuple((m[0], col) for m in munis)))
    body = {r.key: r for r in rows}
    total = {c: sum(body[k].cells[c] for k in regions) for c in ("a", "b", "t")}
    footer = Row({"name": "land", **total}, key="land", sum_of=BODY)
    for col in ("a", "b", "t"):
        relations.append(Relation(("land", col), tuple((k, col) for k in regions)))
    for row in [*rows, footer]:
        for col in ("a", "b", "t"):
            values[(row.key, col)] = row.cells[col]
        relations.append(Relation((row.key, "t"), ((row.key, "a"), (row.key, "b"))))
    table = Table(
        "regional",
        "Regionaal",
        [
            Column("name", "Naam"),
            Column("a", "A", "int"),
            Column("b", "B", "int"),
            Column("t", "Totaal", "int", sum_of=("a", "b")),
            Column("share", "Aandeel A", "percent", derived_from=("a", "t")),
        ],
        rows,
        [footer],
    )
    return table, values, relations


@settings(max_examples=25, deadline=None)
@given(data=regional_tables(), threshold=st.sampled_from([5, 10]))
def test_protect_declares_every_sum_of_the_table(
    data: tuple[Table, dict[Hashable, int], list[Relation[Hashable]]], threshold: int
) -> None:
    table, values, relations = data
    protected = table.protect(Policy(threshold=threshold))
    assert protected.suppression is not None
    counts = Suppression(
        protected.suppression.policy,
        {k: protected.suppression.status[k] for k in values},  # type: ignore[index]
        plain_marks=protected.suppression.plain_marks,
    )
    check_protected(values, relations, counts)
    for row in [*table.body_rows, *table.footer_rows]:
        share = protected.status(row.key, "share")
        assert share.hidden == (
            protected.status(row.key, "a").hidden or protected.status(row.key, "t").hidden
        )
