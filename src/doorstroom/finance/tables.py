"""Tables of figures, shown as HTML and exported to Excel and CSV.

A minimal version kept inside the finance app until the shared ``doorstroom.web.tables``
lands on main; the interface (a table is columns + rows of plain values; the page and every
export render the same object) is meant to be swapped for the shared one.

Exports: ``?export=xlsx`` gives every table of the page as a sheet of one workbook (money as
numbers with a euro format); ``?export=csv&table=N`` gives table N as CSV with ``;`` and a
decimal comma, as Dutch Excel reads it (and as the budget import reads it back).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.formats import number_format
from django.utils.text import slugify
from django.utils.translation import get_language

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
KINDS = ("text", "money", "int", "percent", "date")


@dataclass(frozen=True)
class Column:
    key: str
    label: Any  # str or lazy translation
    kind: str = "text"

    @property
    def numeric(self) -> bool:
        return self.kind in ("money", "int", "percent")


@dataclass
class Table:
    title: Any
    columns: Sequence[Column]
    rows: list[dict[str, Any]]
    footer: dict[str, Any] | None = None
    description: Any = ""
    empty: Any = ""
    anchor: str = field(default="")

    def _cells(self, row: dict[str, Any]) -> list[dict[str, Any]]:
        return [
            {"text": display(row.get(c.key), c.kind), "numeric": c.numeric, "key": c.key}
            for c in self.columns
        ]

    @property
    def body(self) -> list[list[dict[str, Any]]]:
        return [self._cells(row) for row in self.rows]

    @property
    def foot(self) -> list[dict[str, Any]] | None:
        return self._cells(self.footer) if self.footer else None


def display(value: Any, kind: str) -> str:
    """A value as shown on the page, in the active language."""
    if value is None or value == "":
        return "—"
    if kind == "money":
        text = number_format(Decimal(value), decimal_pos=2, use_l10n=True, force_grouping=True)
        return text.replace("-", "\u2212")
    if kind == "percent":
        number = Decimal(value)
        exponent = number.as_tuple().exponent
        places = max(0, -exponent) if isinstance(exponent, int) else 2
        return number_format(number, decimal_pos=min(places, 4), use_l10n=True) + " %"
    if kind == "int":
        return number_format(int(value), use_l10n=True, force_grouping=True)
    if kind == "date" and isinstance(value, date):
        return value.isoformat()
    return str(value)


def _plain(value: Any, kind: str) -> Any:
    """A value for a spreadsheet cell: numbers stay numbers."""
    if value is None or value == "":
        return None
    if kind == "money":
        return Decimal(value)
    if kind == "percent":
        return Decimal(value)
    if kind == "int":
        return int(value)
    if isinstance(value, date):
        return value
    return str(value)


def workbook(tables: Sequence[Table]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    used: set[str] = set()
    for index, table in enumerate(tables, start=1):
        name = (str(table.title)[:28] or f"Tabel {index}").replace("/", "-")
        for bad in "[]:*?\\":
            name = name.replace(bad, "")
        if name in used:
            name = f"{name[:25]} {index}"
        used.add(name)
        sheet = book.create_sheet(name)
        sheet.append([str(c.label) for c in table.columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in [*table.rows, *([table.footer] if table.footer else [])]:
            sheet.append([_plain(row.get(c.key), c.kind) for c in table.columns])
        for col_index, column in enumerate(table.columns, start=1):
            letter = sheet.cell(row=1, column=col_index).column_letter
            sheet.column_dimensions[letter].width = max(12, min(40, len(str(column.label)) + 4))
            if column.kind == "money":
                for (cell,) in sheet.iter_rows(min_row=2, min_col=col_index, max_col=col_index):
                    cell.number_format = "#,##0.00"
        sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_text(table: Table) -> str:
    comma = (get_language() or "nl").startswith("nl")
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow([str(c.label) for c in table.columns])
    for row in [*table.rows, *([table.footer] if table.footer else [])]:
        cells = []
        for column in table.columns:
            value = _plain(row.get(column.key), column.kind)
            text = "" if value is None else str(value)
            if comma and column.numeric:
                text = text.replace(".", ",")
            cells.append(text)
        writer.writerow(cells)
    return "\ufeff" + out.getvalue()


def export_response(
    request: HttpRequest, tables: Sequence[Table], name: str
) -> HttpResponse | None:
    """The export the request asks for (``?export=xlsx|csv``), or None for the page."""
    kind = request.GET.get("export")
    filename = slugify(name) or "export"
    if kind == "xlsx":
        response = HttpResponse(workbook(tables), content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
        return response
    if kind == "csv":
        try:
            table = tables[int(request.GET.get("table", "0"))]
        except (ValueError, IndexError):
            table = tables[0]
        response = HttpResponse(csv_text(table), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
        return response
    return None
