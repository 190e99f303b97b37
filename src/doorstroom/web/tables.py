"""Tables of figures: one declaration, shown as accessible HTML and exported to CSV and Excel,
with disclosure control.

Every screen that shows figures builds :class:`Table` s and renders them with
``{% load figures %}{% table t downloads=True %}``; its view answers exports with one line::

    @rule(Role.POLICY_ADVISOR)
    def monitor(request):
        tables = protect_for(request.user, [inflow_table(...), outflow_table(...)])
        if response := export_response(request, tables, filename="monitor"):
            return response                         # ?export=xlsx[&table=<id>] or csv
        return render(request, "monitor/page.html", {"tables": tables})

Exports always apply disclosure control to tables that count people (``counts_people``,
the default); only money tables opt out explicitly with ``counts_people=False``.

Values: ``int`` counts, ``decimal`` (float or Decimal), ``money`` (Decimal, euros),
``percent`` (a fraction: 0.125 is shown as 12,5%), ``days``, ``month`` (a ``date``, shown as
"jan 2024"), ``text``. ``None`` is "no data" (shown as "—").
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Final, Literal

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from doorstroom.core.disclosure import (
    SECONDARY_MARK,
    CellStatus,
    Policy,
    Relation,
    Suppression,
    derived_status,
    suppress,
)
from doorstroom.core.roles import sees_clients

StrOrPromise = str | Promise
Kind = Literal["text", "int", "decimal", "money", "percent", "days", "month"]
Align = Literal["start", "end"]
CellKey = tuple[str, str]  # (row key, column key)

NUMERIC_KINDS: Final = frozenset({"int", "decimal", "money", "percent", "days"})
DEFAULT_DECIMALS: Final[Mapping[str, int]] = {
    "int": 0,
    "decimal": 1,
    "money": 2,
    "percent": 1,
    "days": 0,
}
BODY: Final = "__body__"  # Row(sum_of=BODY): the total of every top-level body row
MISSING: Final = "—"
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


@dataclass(frozen=True, slots=True)
class Column:
    """A column. ``sum_of``: in every row this cell is the sum of those columns (a total
    column). ``derived_from``: a share, rate or median computed from these cells of the same
    row (columns, or extra keys in the row's cells that are not shown): hidden when one of
    them is. ``counts_people``: subject to disclosure control (default: ``int`` columns).
    ``keep``: the column a chart is about (e.g. young people in the inflow); where secondary
    suppression must pick one of equally small cells, it picks a cell of another column."""

    key: str
    label: StrOrPromise
    kind: Kind = "text"
    align: Align | None = None  # default: numbers "end", text "start"
    decimals: int | None = None  # default per kind: int 0, decimal 1, money 2, percent 1
    sum_of: tuple[str, ...] = ()
    derived_from: tuple[str, ...] = ()
    counts_people: bool | None = None
    keep: bool = False  # disclosure control hides other cells first among equal counts

    @property
    def numeric(self) -> bool:
        return self.kind in NUMERIC_KINDS

    @property
    def is_count(self) -> bool:
        return self.kind == "int" if self.counts_people is None else self.counts_people

    @property
    def alignment(self) -> Align:
        return self.align or ("end" if self.numeric else "start")

    @property
    def places(self) -> int:
        return self.decimals if self.decimals is not None else DEFAULT_DECIMALS.get(self.kind, 0)


@dataclass(frozen=True, slots=True)
class Row:
    """A row. ``sum_of``: this row is the total of those rows (keys), or of every top-level
    body row (``BODY``), in every count column: a region row above its municipality rows,
    or the total in the footer. ``level`` indents the row header (hierarchies)."""

    cells: Mapping[str, Any]
    key: str = ""
    sum_of: tuple[str, ...] | str | None = None
    level: int = 0


@dataclass(frozen=True, slots=True)
class Cell:
    """A cell ready to show: ``text`` is formatted (or the disclosure mark)."""

    text: str
    column: Column
    value: Any
    status: CellStatus = CellStatus.SHOWN
    row_header: bool = False

    @property
    def hidden(self) -> bool:
        return self.status.hidden


@dataclass(frozen=True)
class Table:
    """A table of figures (see the module docstring)."""

    id: str
    title: StrOrPromise
    columns: Sequence[Column]
    rows: Sequence[Row | Mapping[str, Any]]
    footer: Sequence[Row | Mapping[str, Any]] = ()
    notes: Sequence[StrOrPromise] = ()
    source: StrOrPromise | None = None
    caption_visible: bool = True  # False when a heading right above says the same
    row_header: bool = True  # the first column names the row (<th scope="row">)
    counts_people: bool = True  # False only for money tables without counts of people
    suppression: Suppression[CellKey] | None = None
    body_rows: tuple[Row, ...] = field(init=False, repr=False)
    footer_rows: tuple[Row, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if not _ID.match(self.id):
            raise ValueError(f"table id {self.id!r}: use lower-case letters, digits, - and _")
        keys = [c.key for c in self.columns]
        if len(set(keys)) != len(keys):
            raise ValueError(f"table {self.id}: column keys must be unique")
        if not self.columns:
            raise ValueError(f"table {self.id}: no columns")
        by_key = {c.key: c for c in self.columns}
        for column in self.columns:
            for part in column.sum_of:
                if part not in by_key or not by_key[part].is_count:
                    raise ValueError(f"column {column.key}: sum_of {part!r} is not a count column")
        body = tuple(_row(r, f"r{i}") for i, r in enumerate(self.rows))
        foot = tuple(_row(r, f"f{i}") for i, r in enumerate(self.footer))
        row_keys = [r.key for r in (*body, *foot)]
        if len(set(row_keys)) != len(row_keys):
            raise ValueError(f"table {self.id}: row keys must be unique")
        for row in (*body, *foot):
            if isinstance(row.sum_of, str) and row.sum_of != BODY:
                raise ValueError(f"row {row.key}: sum_of is BODY or a tuple of row keys")
            if isinstance(row.sum_of, tuple) and not set(row.sum_of) <= set(row_keys):
                raise ValueError(f"row {row.key}: sum_of names rows that are not in the table")
        object.__setattr__(self, "body_rows", body)
        object.__setattr__(self, "footer_rows", foot)

    # ------------------------------------------------------------------ disclosure
    def protect(self, policy: Policy | None = None) -> Table:
        """A copy with disclosure control applied to the count cells (threshold from the
        settings unless given) and to the figures derived from them."""
        return replace(self, suppression=protect_cells(self, policy or default_policy()))

    def status(self, row: str, column: str) -> CellStatus:
        if self.suppression is None:
            return CellStatus.SHOWN
        return self.suppression.status.get((row, column), CellStatus.SHOWN)

    @property
    def any_hidden(self) -> bool:
        return self.suppression is not None and self.suppression.any_hidden

    # ------------------------------------------------------------------ display
    def cells(self, row: Row, separators: Separators | None = None) -> list[Cell]:
        separators = separators or Separators.current()
        out = []
        for i, column in enumerate(self.columns):
            value = row.cells.get(column.key)
            status = self.status(row.key, column.key)
            text = (
                self.mark(row.key, column.key) or SECONDARY_MARK
                if status.hidden
                else format_value(value, column, separators)
            )
            out.append(Cell(text, column, value, status, row_header=self.row_header and i == 0))
        return out

    def mark(self, row: str, column: str) -> str | None:
        """What a hidden cell shows ("<10" or "•"), or None when the cell is shown."""
        if self.suppression is None or not self.status(row, column).hidden:
            return None
        return self.suppression.mark((row, column)) or SECONDARY_MARK

    def all_notes(self) -> list[str]:
        """The table's notes plus the explanation of the marks that occur in it."""
        notes = [str(n) for n in self.notes]
        if self.suppression is not None:
            marks = {
                self.suppression.mark(k)
                for k, s in self.suppression.status.items()
                if s.hidden and k[0] in self._row_keys
            }
            policy = self.suppression.policy
            if policy.primary_mark in marks:
                notes.append(
                    _(
                        "%(mark)s: fewer than %(threshold)s people; not shown to protect their privacy."
                    )
                    % {"mark": policy.primary_mark, "threshold": policy.threshold}
                )
            if SECONDARY_MARK in marks:
                notes.append(
                    _(
                        "•: not shown, so that small numbers cannot be worked out from totals or other figures."
                    )
                )
        if any(
            r.cells.get(c.key) is None and not self.status(r.key, c.key).hidden
            for r in (*self.body_rows, *self.footer_rows)
            for c in self.columns
        ):
            notes.append(_("—: no data."))
        return notes

    @property
    def _row_keys(self) -> set[str]:
        return {r.key for r in (*self.body_rows, *self.footer_rows)}

    def as_html(self) -> SafeString:
        """The ``<table>`` element (Utrecht classes, caption, scopes, aligned numbers).
        Built in Python rather than a template: a national table has thousands of cells."""
        notes = self.all_notes()
        described = f' aria-describedby="{self.html_id}-notes"' if notes or self.source else ""
        parts = [
            # A wide table scrolls sideways; the region can be reached with the keyboard.
            '<div class="utrecht-table-container ds-table-container" role="region" '
            f'aria-labelledby="{self.html_id}-caption" tabindex="0">'
            f'<table class="utrecht-table ds-table" id="{self.html_id}"{described}>',
            format_html(
                '<caption class="utrecht-table__caption ds-table__caption{}" id="{}">{}</caption>',
                "" if self.caption_visible else " ds-visually-hidden",
                f"{self.html_id}-caption",
                self.title,
            ),
            '<thead class="utrecht-table__header"><tr class="utrecht-table__row">',
        ]
        for column in self.columns:
            parts.append(
                format_html(
                    '<th class="utrecht-table__header-cell{}" scope="col">{}</th>',
                    " ds-num" if column.alignment == "end" else "",
                    column.label,
                )
            )
        parts.append("</tr></thead>")
        parts.append('<tbody class="utrecht-table__body">')
        separators = Separators.current()
        parts.extend(self._html_row(r, separators) for r in self.body_rows)
        parts.append("</tbody>")
        if self.footer_rows:
            parts.append('<tfoot class="utrecht-table__footer">')
            parts.extend(self._html_row(r, separators, total=True) for r in self.footer_rows)
            parts.append("</tfoot>")
        parts.append("</table></div>")
        return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped

    def _html_row(self, row: Row, separators: Separators, *, total: bool = False) -> str:
        classes = "utrecht-table__row"
        if total or row.sum_of is not None:
            classes += " ds-table__row--total"
        out = [f'<tr class="{classes}">']
        for cell in self.cells(row, separators):
            tag = "th" if cell.row_header else "td"
            css = "utrecht-table__header-cell" if cell.row_header else "utrecht-table__cell"
            if cell.column.alignment == "end":
                css += " ds-num"
            if cell.row_header and row.level:
                css += f" ds-level-{min(row.level, 4)}"
            scope = ' scope="row"' if cell.row_header else ""
            if cell.hidden:
                content = format_html(
                    '<span aria-hidden="true">{}</span><span class="ds-visually-hidden">{}</span>',
                    cell.text,
                    _hidden_label(cell.text),
                )
                css += " ds-suppressed"
            else:
                content = conditional_escape(cell.text)
            out.append(f'<{tag} class="{css}"{scope}>{content}</{tag}>')
        out.append("</tr>")
        return "".join(out)

    def notes_html(self) -> SafeString:
        """The notes under the table (explanation of the marks, source), or nothing."""
        notes = self.all_notes()
        if self.source:
            notes.append(_("Source: %(source)s") % {"source": self.source})
        if not notes:
            return SafeString("")
        items = format_html_join("", "<li>{}</li>", ((n,) for n in notes))
        return format_html('<ul class="ds-table-notes" id="{}-notes">{}</ul>', self.html_id, items)

    @property
    def html_id(self) -> str:
        return f"table-{self.id}"

    def __html__(self) -> SafeString:
        """``{{ table }}``: the table and its notes."""
        return mark_safe(self.as_html() + self.notes_html())  # noqa: S308 - both are safe


def _row(row: Row | Mapping[str, Any], default_key: str) -> Row:
    if isinstance(row, Row):
        return row if row.key else replace(row, key=default_key)
    return Row(cells=row, key=default_key)


def _hidden_label(mark: str) -> str:
    if mark == "•":
        return _("not shown")
    return _("fewer than %(threshold)s, not shown") % {"threshold": mark.lstrip("<")}


# ------------------------------------------------------------------ disclosure control
def default_policy() -> Policy:
    return Policy(threshold=int(getattr(settings, "DOORSTROOM_DISCLOSURE_THRESHOLD", 10)))


def disclosure_applies(user: Any) -> bool:
    """Screens hide small counts from roles without access to client data."""
    role = getattr(user, "role_enum", None)
    return role is None or not sees_clients(role)


def protect_for(user: Any, tables: Iterable[Table]) -> list[Table]:
    """The tables as this user may see them on screen (exports always protect)."""
    tables = list(tables)
    if not disclosure_applies(user):
        return tables
    return [t.protect() if t.counts_people else t for t in tables]


def protect_cells(table: Table, policy: Policy) -> Suppression[CellKey]:
    """Suppression for a table: count cells, the sums declared by ``Column.sum_of`` and
    ``Row.sum_of``, and derived figures (``Column.derived_from``)."""
    counts = [c for c in table.columns if c.is_count]
    rows = (*table.body_rows, *table.footer_rows)
    values: dict[CellKey, int] = {}
    # the solver breaks ties between equal counts by order: the kept columns' cells last
    for keep in (False, True):
        for row in rows:
            for column in counts:
                value = row.cells.get(column.key)
                if column.keep == keep and value is not None:
                    values[(row.key, column.key)] = value
    relations: list[Relation[CellKey]] = []
    for row in rows:
        for column in counts:
            if column.sum_of:
                parts = tuple((row.key, p) for p in column.sum_of)
                relations.append(Relation((row.key, column.key), parts))
    in_a_sum = {k for r in table.body_rows if isinstance(r.sum_of, tuple) for k in r.sum_of}
    for row in rows:
        if row.sum_of is None:
            continue
        if row.sum_of == BODY:
            members = tuple(
                r.key for r in table.body_rows if r.key not in in_a_sum and r.key != row.key
            )
        else:
            members = tuple(row.sum_of)
        for column in counts:
            relations.append(
                Relation((row.key, column.key), tuple((m, column.key) for m in members))
            )
    relations = [r for r in relations if r.total in values and all(p in values for p in r.parts)]
    try:
        result = suppress(values, relations, policy)
    except ValueError as error:
        raise ValueError(f"table {table.id}: {error}") from error
    status: dict[CellKey, CellStatus] = dict(result.status)
    if result.unprotected:  # cannot happen for tables that add up; hide everything then
        status = {k: (s if s.hidden else CellStatus.SECONDARY) for k, s in status.items()}
    for row in rows:
        for column in table.columns:
            if not column.derived_from:
                continue
            bases = []
            for key in column.derived_from:
                if (row.key, key) in status:
                    bases.append(status[(row.key, key)])
                else:  # a count used in the figure but not shown
                    value = row.cells.get(key)
                    small = isinstance(value, int) and policy.is_small(value)
                    bases.append(CellStatus.PRIMARY if small else CellStatus.SHOWN)
            status[(row.key, column.key)] = derived_status(*bases)
    return Suppression(policy, status, plain_marks=result.plain_marks)


# ------------------------------------------------------------------ formatting
@dataclass(frozen=True, slots=True)
class Separators:
    """The active language's decimal and thousands separators (looked up once per table:
    Django's number_format looks them up for every number)."""

    decimal: str
    thousands: str

    @classmethod
    def current(cls) -> Separators:
        return cls(
            str(formats.get_format("DECIMAL_SEPARATOR")),
            str(formats.get_format("THOUSAND_SEPARATOR")),
        )

    def number(self, value: Any, places: int) -> str:
        """Grouped by thousands, rounded half away from zero: 1.234,5 (nl) / 1,234.5 (en)."""
        if isinstance(value, int) and not isinstance(value, bool) and places == 0:
            text = f"{value:,}"
        else:
            text = f"{_rounded(value, places):,.{places}f}"
        return text.replace(",", "\0").replace(".", self.decimal).replace("\0", self.thousands)


def format_value(value: Any, column: Column, separators: Separators | None = None) -> str:
    """Dutch (or the active language's) formatting for the screen: 1.234,5 · € 12,50 ·
    12,5% · jan 2024."""
    if value is None:
        return MISSING
    kind = column.kind
    if kind == "text":
        return str(value)
    if kind == "month":
        return formats.date_format(value, "b Y")
    places = column.places
    text = (separators or Separators.current()).number(
        _scaled(value) if kind == "percent" else value, places
    )
    if kind == "percent":
        return text + "%"
    if kind == "money":
        return f"€ {text}"
    return text


def _scaled(value: Any) -> Any:
    return value * 100 if not isinstance(value, Decimal) else value * Decimal(100)


def _rounded(value: Any, places: int) -> Decimal:
    """Half away from zero (22,55 -> 22,6), on the decimal value as written: Django's
    number_format would cut off, and float formatting rounds binary fractions."""
    number = value if isinstance(value, Decimal) else Decimal(repr(value))
    return number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def format_plain(value: Any, column: Column) -> str:
    """For CSV: no grouping, a decimal comma, percentages as numbers (12,5), months as
    2024-01."""
    if value is None:
        return ""
    kind = column.kind
    if kind == "text":
        return _defuse(str(value))
    if kind == "month":
        return f"{value.year:04d}-{value.month:02d}"
    number = _scaled(value) if kind == "percent" else value
    if isinstance(number, int) and (kind == "int" or column.places == 0):
        return str(number)
    return str(_rounded(number, column.places)).replace(".", ",")


def _defuse(text: str) -> str:
    """Spreadsheets run text starting with = + - @ as a formula (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


# ------------------------------------------------------------------ exports
CSV_CONTENT_TYPE: Final = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXCEL_FORMATS: Final[Mapping[str, str]] = {
    "int": "#,##0",
    "days": "#,##0",
    "month": "mmm yyyy",
}


def for_export(table: Table) -> Table:
    """Disclosure control for every export: applied unless the table holds no counts of
    people (money). An existing suppression is kept when it is at least as strict."""
    if not table.counts_people:
        return table
    policy = default_policy()
    if table.suppression is not None and table.suppression.policy.threshold >= policy.threshold:
        return table
    return table.protect(policy)


def to_csv(table: Table) -> bytes:
    """``;``-separated, UTF-8 with BOM (Excel in Dutch opens it as is), decimal comma."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([_csv_label(c) for c in table.columns])
    for row in (*table.body_rows, *table.footer_rows):
        writer.writerow(
            [
                table.mark(row.key, c.key) or format_plain(row.cells.get(c.key), c)
                for c in table.columns
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _csv_label(column: Column) -> str:
    label = str(column.label)
    if column.kind == "percent" and "%" not in label:
        label += " (%)"
    if column.kind == "money" and "€" not in label:
        label += " (€)"
    return _defuse(label)


def to_xlsx(
    tables: Sequence[Table],
    *,
    title: StrOrPromise | None = None,
    source: StrOrPromise | None = None,
    generated: datetime | None = None,
) -> bytes:
    """One sheet per table: a title row, the source and date, a bold frozen header, real
    numbers with number formats, suppressed cells as text, the notes below."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    generated = generated or timezone.localtime()
    workbook = Workbook()
    workbook.remove(workbook.active)
    workbook.properties.creator = "doorstroom"
    workbook.properties.title = str(title or (tables[0].title if tables else ""))
    bold = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="E8EEF5")
    header_border = Border(bottom=Side(style="thin", color="1A1A1A"))
    right = Alignment(horizontal="right")
    used_names: set[str] = set()
    seps = Separators.current()
    for table in tables:
        sheet = workbook.create_sheet(_sheet_name(str(table.title), used_names))
        _put(sheet, 1, 1, str(table.title)).font = Font(bold=True, size=14)
        _put(sheet, 2, 1, _source_line(table, source, generated)).font = Font(
            italic=True, color="444444"
        )
        header_row = 4
        widths = [len(str(c.label)) for c in table.columns]
        for j, column in enumerate(table.columns, start=1):
            cell = _put(sheet, header_row, j, str(column.label))
            cell.font = bold
            cell.fill = header_fill
            cell.border = header_border
            cell.alignment = Alignment(
                horizontal="right" if column.alignment == "end" else "left",
                vertical="bottom",
                wrap_text=True,
            )
        r = header_row
        n_body = len(table.body_rows)
        for i, row in enumerate(table.body_rows + table.footer_rows):
            r += 1
            is_total = i >= n_body or row.sum_of is not None
            for j, column in enumerate(table.columns, start=1):
                value = row.cells.get(column.key)
                mark = table.mark(row.key, column.key)
                if mark is not None:
                    cell = _put(sheet, r, j, mark)
                    cell.alignment = right
                    widths[j - 1] = max(widths[j - 1], len(mark))
                else:
                    cell = _put(sheet, r, j, _excel_value(value, column))
                    cell.number_format = _excel_format(column)
                    if column.kind == "text" and row.level:
                        cell.alignment = Alignment(indent=min(row.level, 4))
                    widths[j - 1] = max(widths[j - 1], len(format_value(value, column, seps)))
                if is_total:
                    cell.font = bold
        notes = table.all_notes()
        if notes:
            r += 1
            for note in notes:
                r += 1
                _put(sheet, r, 1, note)
        sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
        for j, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(j)].width = min(max(width + 2, 8), 60)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _put(sheet: Any, row: int, column: int, value: Any) -> Any:
    """Write a cell; text starting with "=" stays text (openpyxl would make it a formula)."""
    cell = sheet.cell(row=row, column=column, value=value)
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"
    return cell


def _excel_value(value: Any, column: Column) -> Any:
    if value is None:
        return None
    if column.kind == "text":
        return str(value)
    if column.kind == "month":
        return datetime(value.year, value.month, 1)  # noqa: DTZ001 - a calendar month
    if column.kind == "money":
        return Decimal(value)
    return value


def _excel_format(column: Column) -> str:
    if column.kind in EXCEL_FORMATS:
        return EXCEL_FORMATS[column.kind]
    places = column.places
    decimals = "." + "0" * places if places else ""
    if column.kind == "percent":
        return f"0{decimals}%"
    if column.kind == "money":
        return f'"€" #,##0{decimals};"€" -#,##0{decimals}'
    if column.kind == "text":
        return "General"
    return f"#,##0{decimals}"


def _sheet_name(title: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", " ", title).strip()[:31] or "Tabel"
    name, n = base, 2
    while name.lower() in used:
        suffix = f" ({n})"
        name = base[: 31 - len(suffix)] + suffix
        n += 1
    used.add(name.lower())
    return name


def _source_line(table: Table, source: StrOrPromise | None, generated: datetime) -> str:
    made = _("Made on %(date)s") % {"date": formats.date_format(generated, "j F Y H:i")}
    src = table.source or source
    if src:
        return _("Source: %(source)s") % {"source": src} + " · " + made
    return made


def export_response(
    request: HttpRequest,
    tables: Sequence[Table],
    *,
    filename: str,
    title: StrOrPromise | None = None,
    source: StrOrPromise | None = None,
) -> HttpResponse | None:
    """Answer ``?export=xlsx|csv[&table=<id>]`` for a page's tables, or None (no export
    asked: render the page). Excel without ``table``: every table, one sheet each. CSV is
    one table (``table`` may be left out when there is only one). Disclosure control is
    applied to every exported table that counts people."""
    fmt = request.GET.get("export")
    if fmt is None:
        return None
    if fmt not in ("xlsx", "csv"):
        raise Http404("unknown export format")
    wanted = request.GET.get("table")
    if wanted is not None:
        selected = [t for t in tables if t.id == wanted]
        if not selected:
            raise Http404("unknown table")
    else:
        selected = list(tables)
    if not selected:
        raise Http404("nothing to export")
    selected = [for_export(t) for t in selected]
    stamp = timezone.localdate().isoformat()
    name = slug(filename)
    if fmt == "csv":
        if len(selected) != 1:
            return HttpResponseBadRequest(_("Choose one table for a CSV download."))
        table = selected[0]
        content, ctype, ext, file = to_csv(table), CSV_CONTENT_TYPE, "csv", f"{name}-{table.id}"
    else:
        content = to_xlsx(selected, title=title, source=source)
        ctype, ext = XLSX_CONTENT_TYPE, "xlsx"
        file = f"{name}-{selected[0].id}" if wanted else name
    response = HttpResponse(content, content_type=ctype)
    response["Content-Disposition"] = f'attachment; filename="{file}-{stamp}.{ext}"'
    return response


def slug(text: str) -> str:
    """A safe file name part: lower-case letters, digits, - and _."""
    return re.sub(r"[^a-z0-9_-]+", "-", text.lower()).strip("-") or "export"


def export_url(query: Mapping[str, Any] | None, fmt: str, table_id: str | None = None) -> str:
    """``?<current filters>&export=<fmt>[&table=<id>]``: the download link keeps the
    page's filters."""
    from django.http import QueryDict

    params = QueryDict(mutable=True)
    if query is not None:
        for key in query:
            if key not in ("export", "table"):
                values = query.getlist(key) if hasattr(query, "getlist") else [query[key]]
                params.setlist(key, values)
    params["export"] = fmt
    if table_id is not None:
        params["table"] = table_id
    return "?" + params.urlencode()
