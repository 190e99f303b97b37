"""Reading an uploaded CSV or Excel (.xlsx) file into rows of text for the core parsers."""

from __future__ import annotations

import csv
import io
import itertools
import zipfile
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from doorstroom.core.errors import RowError, RowErrors
from doorstroom.core.i18n import gettext_noop

MAX_ROWS = 100_000


def cell_text(value: Any) -> str:
    """A cell as text. Excel keeps numbers as floats: the shortest text that reads back as
    the same float is what was typed (1234.5 stays 1234.5, never 1234.4999...)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip()


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise RowErrors([RowError(0, gettext_noop("The file is not a text (CSV) file."))])


def rows_from_upload(name: str, data: bytes) -> list[list[str]]:
    if name.lower().endswith((".xlsx", ".xlsm")):
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError):
            raise RowErrors(
                [RowError(0, gettext_noop("The file is not an Excel workbook (.xlsx)."))]
            ) from None
        sheet = book.worksheets[0]
        rows = []
        for index, row in enumerate(sheet.iter_rows(values_only=True)):
            if index >= MAX_ROWS:
                break
            rows.append([cell_text(v) for v in row])
        book.close()
        return rows
    text = _decode(data)
    first = text.splitlines()[0] if text.strip() else ""
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    return list(itertools.islice(csv.reader(io.StringIO(text), delimiter=delimiter), MAX_ROWS))
