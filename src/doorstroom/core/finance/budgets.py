"""Budgets per municipality, year and funding stream, read from a CSV or Excel sheet.

The first row names the columns (Dutch or English, any order, case-insensitive):

    gemeentecode | jaar | stroom | budget | historisch | objectief

- ``gemeentecode``: GM0014 or the CBS code 0014 (also 14: Excel drops leading zeros; the
  column may be called ``gemeente`` or ``code``);
- ``stroom``: bw, mo, wmo, jeugd, participatie (or the English codes, see ``STREAM_ALIASES``);
- ``budget``: the municipality's budget for that stream and year; for BW and MO it may be
  left empty when ``historisch`` and ``objectief`` are given: the budget then follows from
  the phase-in path (``phase_in.distribute``);
- amounts in euros with at most two decimals: ``1234567.89``, ``1.234.567,89`` and
  ``1234567,89`` are all read (when both ``.`` and ``,`` occur, the last one is the decimal
  separator; a single ``,`` is a decimal comma); a ``€`` and spaces are ignored.

Every problem is reported with its line (unknown municipality or one outside the region,
unreadable year, unknown stream, bad or negative amount, a historical amount without an
objective one or the other way round, no amount at all, a municipality-year-stream that
occurs twice). With any error nothing may be stored.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from doorstroom.core.errors import RowError, RowErrors
from doorstroom.core.finance.costs import Stream
from doorstroom.core.finance.money import FinanceError, money
from doorstroom.core.i18n import gettext_noop

MIN_YEAR, MAX_YEAR = 2000, 2100

STREAM_ALIASES: dict[str, Stream] = {
    "bw": Stream.BW,
    "beschermd wonen": Stream.BW,
    "beschermd wonen en beschermd thuis": Stream.BW,
    "mo": Stream.MO,
    "opvang": Stream.MO,
    "maatschappelijke opvang": Stream.MO,
    "wmo": Stream.WMO_SUPPORT,
    "wmo_support": Stream.WMO_SUPPORT,
    "wmo-ondersteuning": Stream.WMO_SUPPORT,
    "wmo ondersteuning": Stream.WMO_SUPPORT,
    "jeugd": Stream.YOUTH,
    "jeugdhulp": Stream.YOUTH,
    "jeugdzorg": Stream.YOUTH,
    "youth": Stream.YOUTH,
    "participatie": Stream.PARTICIPATION,
    "participation": Stream.PARTICIPATION,
}
DISTRIBUTED_STREAMS = frozenset({Stream.BW, Stream.MO})

COLUMNS: dict[str, tuple[str, ...]] = {
    "municipality": ("gemeentecode", "gemeente", "code", "municipality", "municipality_code"),
    "year": ("jaar", "year"),
    "stream": ("stroom", "financieringsstroom", "stream"),
    "amount": ("budget", "bedrag", "amount"),
    "historical": ("historisch", "historical", "historisch bedrag"),
    "objective": ("objectief", "objective", "objectief bedrag"),
}
HEADER = ("gemeentecode", "jaar", "stroom", "budget", "historisch", "objectief")

_UNIT = re.compile(r"\s*\((€|eur|euro)\)$")
_GM = re.compile(r"^(GM)?(\d{1,4})$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class BudgetRecord:
    municipality: str
    year: int
    stream: Stream
    amount: Decimal | None
    historical: Decimal | None = None
    objective: Decimal | None = None


def parse_amount(text: str) -> Decimal:
    """Euros as typed in a Dutch or English sheet (see module docstring)."""
    value = text.replace("€", "").replace(" ", "").replace("\u00a0", "").strip()
    if "," in value and "." in value:
        decimal_sep = "," if value.rfind(",") > value.rfind(".") else "."
        thousands = "." if decimal_sep == "," else ","
        value = value.replace(thousands, "").replace(decimal_sep, ".")
    elif value.count(",") > 1:
        value = value.replace(",", "")
    elif value.count(".") > 1:
        value = value.replace(".", "")
    else:
        value = value.replace(",", ".")
    return money(value)


def _columns(header: Sequence[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    # "budget (€)" as the exports of doorstroom write it is "budget"
    names = [_UNIT.sub("", h.strip().lower()) for h in header]
    for key, aliases in COLUMNS.items():
        for index, name in enumerate(names):
            if name in aliases and key not in found:
                found[key] = index
    return found


def _cell(row: Sequence[str], index: int | None) -> str:
    if index is None or index >= len(row):
        return ""
    return str(row[index] or "").strip()


def parse_budget_rows(
    rows: Sequence[Sequence[Any]], known_codes: Collection[str]
) -> list[BudgetRecord]:
    """Validate rows (the first is the header); raise :class:`RowErrors` listing every
    problem. ``known_codes`` are the municipalities that may occur (the region's)."""
    if not rows or not any(str(c or "").strip() for c in rows[0]):
        raise RowErrors([RowError(0, gettext_noop("The file is empty."))])
    header = [str(c or "") for c in rows[0]]
    columns = _columns(header)
    missing = [
        label
        for key, label in (("municipality", "gemeentecode"), ("year", "jaar"), ("stream", "stroom"))
        if key not in columns
    ]
    if "amount" not in columns and not {"historical", "objective"} <= columns.keys():
        missing.append("budget")
    if missing:
        raise RowErrors(
            [
                RowError(
                    1,
                    gettext_noop(
                        "Missing column: %(columns)s. The first row names the columns: "
                        "gemeentecode, jaar, stroom, budget, historisch, objectief."
                    ),
                    {"columns": ", ".join(missing)},
                )
            ]
        )
    known = set(known_codes)
    errors: list[RowError] = []
    records: list[BudgetRecord] = []
    seen: dict[tuple[str, int, Stream], int] = {}
    for line, raw in enumerate(rows[1:], start=2):
        row = [str(c) if c is not None else "" for c in raw]
        if not any(c.strip() for c in row):
            continue
        problems_before = len(errors)
        code_text = _cell(row, columns["municipality"]).upper()
        match = _GM.match(code_text)
        code = f"GM{int(match.group(2)):04d}" if match else code_text
        if code not in known:
            errors.append(
                RowError(
                    line,
                    gettext_noop("Municipality %(code)s is not part of this region."),
                    {"code": code_text or "-"},
                )
            )
        year_text = _cell(row, columns["year"])
        try:
            year = int(Decimal(year_text)) if year_text else 0
        except ArithmeticError:
            year = 0
        if not MIN_YEAR <= year <= MAX_YEAR or (year_text and Decimal(year_text) != year):
            errors.append(
                RowError(line, gettext_noop("Unreadable year '%(year)s'."), {"year": year_text})
            )
        stream_text = _cell(row, columns["stream"])
        stream = STREAM_ALIASES.get(stream_text.lower())
        if stream is None:
            errors.append(
                RowError(
                    line,
                    gettext_noop(
                        "Unknown funding stream '%(stream)s' (use bw, mo, wmo, jeugd or "
                        "participatie)."
                    ),
                    {"stream": stream_text},
                )
            )
        values: dict[str, Decimal | None] = {}
        unreadable = False
        for key in ("amount", "historical", "objective"):
            text = _cell(row, columns.get(key))
            if not text:
                values[key] = None
                continue
            try:
                value = parse_amount(text)
            except FinanceError as error:
                errors.append(RowError(line, error.message.template, error.message.params))
                values[key] = None
                unreadable = True
                continue
            if value < 0:
                errors.append(
                    RowError(
                        line, gettext_noop("The amount %(value)s is negative."), {"value": text}
                    )
                )
            values[key] = value
        if unreadable:
            pass  # reported above
        elif (values["historical"] is None) != (values["objective"] is None):
            errors.append(
                RowError(
                    line,
                    gettext_noop("Give both the historical and the objective amount, or neither."),
                )
            )
        elif values["amount"] is None and values["historical"] is None:
            errors.append(RowError(line, gettext_noop("There is no amount on this line.")))
        elif values["historical"] is not None and stream not in DISTRIBUTED_STREAMS | {None}:
            errors.append(
                RowError(
                    line,
                    gettext_noop(
                        "Historical and objective amounts are for BW and MO only (the "
                        "distribution model)."
                    ),
                )
            )
        if len(errors) > problems_before or stream is None:
            continue
        key3 = (code, year, stream)
        if key3 in seen:
            errors.append(
                RowError(
                    line,
                    gettext_noop(
                        "%(code)s %(year)s %(stream)s occurs twice (also on line %(other)s)."
                    ),
                    {"code": code, "year": year, "stream": stream.value, "other": seen[key3]},
                )
            )
            continue
        seen[key3] = line
        records.append(
            BudgetRecord(
                code, year, stream, values["amount"], values["historical"], values["objective"]
            )
        )
    if errors:
        raise RowErrors(errors)
    if not records:
        raise RowErrors([RowError(0, gettext_noop("There are no budget lines in the file."))])
    return records
