"""Import of population figures from a CBS StatLine CSV export.

Supported: the "onbewerkte dataset" (raw) CSV that StatLine offers for download, as for
table 03759ned "Bevolking op 1 januari en gemiddeld; geslacht, leeftijd en regio":

    "ID";"Geslacht";"Leeftijd";"BurgerlijkeStaat";"RegioS";"Perioden";"BevolkingOp1Januari_1"
    "0";"T001038";"10000";"T001019";"GM0014    ";"2024JJ00";"243768"

- separator ``;`` or ``,``; values may be quoted and padded with spaces;
- the region column is ``RegioS`` (or ``Regio``/``gemeentecode``), the period column
  ``Perioden`` (``2024JJ00`` or ``2024``), the value column the first whose name starts
  with ``Bevolking``/``TotaleBevolking`` (or is named ``bevolking``/``inwoners``);
- breakdown columns (Geslacht, Leeftijd, BurgerlijkeStaat) are allowed: only the totals
  rows (T001038, 10000, T001019) are read, others are skipped;
- regions that are not municipalities (NL01, PVxx, LDxx, CRxx, ...) are skipped.

Errors, each with its line: unknown municipality codes, a municipality-year that occurs
twice, negative, missing or non-numeric numbers, unreadable periods. With any error
nothing is imported.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Collection
from dataclasses import dataclass

from doorstroom.core.errors import RowError, RowErrors
from doorstroom.core.i18n import gettext_noop

TOTAL_CODES = {"geslacht": "T001038", "leeftijd": "10000", "burgerlijkestaat": "T001019"}
_PERIOD = re.compile(r"^(\d{4})(JJ00)?$")
_GM = re.compile(r"^GM\d{4}$")
_OTHER_REGION = re.compile(
    r"^(NL\d{2}|PV\d{2}|LD\d{2}|CR\d{2}|GG\d{4}|WK\d{6}|BU\d{8}|[A-Z]{2}\d+)$"
)
MIN_YEAR, MAX_YEAR = 1900, 2100


@dataclass(frozen=True, slots=True)
class PopulationRecord:
    municipality_code: str
    year: int
    population: int


@dataclass(frozen=True, slots=True)
class PopulationImport:
    records: tuple[PopulationRecord, ...]
    skipped_rows: int  # breakdown rows and non-municipal regions, not errors


def _find(fieldnames: list[str], *candidates: str) -> str | None:
    lowered = {f.strip().lower(): f for f in fieldnames}
    for cand in candidates:
        if cand in lowered:
            return lowered[cand]
    return None


def _value_column(fieldnames: list[str]) -> str | None:
    for f in fieldnames:
        low = f.strip().lower()
        if low.startswith(("bevolkingop1januari", "totalebevolking")):
            return f
    for f in fieldnames:
        low = f.strip().lower()
        if low in {"bevolking", "inwoners", "population"} or low.startswith("bevolking"):
            return f
    return None


def parse_statline_csv(text: str, known_codes: Collection[str]) -> PopulationImport:
    """Parse and validate; raise :class:`RowErrors` listing every bad row."""
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise RowErrors([RowError(0, gettext_noop("The file is empty."))])
    first_line = text.splitlines()[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    fieldnames = [f for f in (reader.fieldnames or []) if f is not None]
    region_col = _find(fieldnames, "regios", "regio", "gemeentecode", "regiocode")
    period_col = _find(fieldnames, "perioden", "periode", "jaar")
    value_col = _value_column(fieldnames)
    missing = [
        label
        for label, col in (
            ("RegioS (gemeentecode)", region_col),
            ("Perioden", period_col),
            ("Bevolking", value_col),
        )
        if col is None
    ]
    if missing:
        raise RowErrors(
            [
                RowError(
                    1,
                    gettext_noop("Missing column: %(columns)s. Is this a CBS StatLine export?"),
                    {"columns": ", ".join(missing)},
                )
            ]
        )
    assert region_col is not None
    assert period_col is not None
    assert value_col is not None
    breakdown = {
        col: TOTAL_CODES[col.strip().lower()]
        for col in fieldnames
        if col.strip().lower() in TOTAL_CODES
    }
    known = set(known_codes)
    errors: list[RowError] = []
    records: list[PopulationRecord] = []
    seen: dict[tuple[str, int], int] = {}
    skipped = 0
    for line, raw in enumerate(reader, start=2):
        if None in raw:
            errors.append(RowError(line, gettext_noop("Too many columns on this line.")))
            continue
        if any((raw.get(col) or "").strip() != total for col, total in breakdown.items()):
            skipped += 1
            continue
        code = (raw.get(region_col) or "").strip().upper()
        if not _GM.match(code):
            if _OTHER_REGION.match(code):
                skipped += 1  # country, province, COROP ...: not a municipality
            else:
                errors.append(
                    RowError(line, gettext_noop("Unknown region code '%(code)s'."), {"code": code})
                )
            continue
        if code not in known:
            errors.append(
                RowError(line, gettext_noop("Unknown municipality code %(code)s."), {"code": code})
            )
            continue
        period = (raw.get(period_col) or "").strip().upper()
        match = _PERIOD.match(period)
        if not match or not MIN_YEAR <= int(match.group(1)) <= MAX_YEAR:
            errors.append(
                RowError(
                    line,
                    gettext_noop("Unreadable period '%(period)s' (expected e.g. 2024JJ00)."),
                    {"period": period},
                )
            )
            continue
        year = int(match.group(1))
        value = (raw.get(value_col) or "").strip().replace(" ", "")
        if value in {"", ".", "x", "-"}:
            errors.append(
                RowError(
                    line,
                    gettext_noop("Population is missing for %(code)s %(year)s."),
                    {"code": code, "year": year},
                )
            )
            continue
        try:
            number = int(value)
        except ValueError:
            errors.append(
                RowError(
                    line,
                    gettext_noop("Population '%(value)s' is not a whole number."),
                    {"value": value},
                )
            )
            continue
        if number < 0:
            errors.append(
                RowError(line, gettext_noop("Population %(value)s is negative."), {"value": number})
            )
            continue
        key = (code, year)
        if key in seen:
            errors.append(
                RowError(
                    line,
                    gettext_noop("%(code)s %(year)s occurs twice (also on line %(other)s)."),
                    {"code": code, "year": year, "other": seen[key]},
                )
            )
            continue
        seen[key] = line
        records.append(PopulationRecord(code, year, number))
    if errors:
        raise RowErrors(errors)
    if not records:
        raise RowErrors(
            [
                RowError(
                    0, gettext_noop("No population figures of municipalities found in the file.")
                )
            ]
        )
    return PopulationImport(tuple(records), skipped)
