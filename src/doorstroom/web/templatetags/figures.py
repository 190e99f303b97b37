"""``{% load figures %}``: tables and charts with their notes and download links.

    {% table t %}                      the table, its notes
    {% table t downloads=True %}       ... plus "Download als Excel / CSV" for this table
    {% downloads tables %}             "Alle tabellen downloaden (Excel)": one workbook
    {{ c }}                            a chart (web/charts.py) with its table alternative

Download links keep the page's query string (its filters); the view answers them with
``doorstroom.web.tables.export_response``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import template

from doorstroom.web.tables import Table, export_url

register = template.Library()


def _query(context: template.Context) -> Any:
    request = context.get("request")
    return request.GET if request is not None else None


@register.inclusion_tag("web/table.html", takes_context=True)
def table(context: template.Context, table: Table, downloads: bool = False) -> dict[str, Any]:
    query = _query(context)
    return {
        "table": table,
        "downloads": downloads,
        "xlsx_url": export_url(query, "xlsx", table.id),
        "csv_url": export_url(query, "csv", table.id),
    }


@register.inclusion_tag("web/downloads.html", takes_context=True)
def downloads(context: template.Context, tables: Sequence[Table] | None = None) -> dict[str, Any]:
    return {"xlsx_url": export_url(_query(context), "xlsx"), "count": len(tables or ())}


@register.simple_tag(takes_context=True)
def export_link(context: template.Context, fmt: str, table_id: str | None = None) -> str:
    """The URL of a download of this page's tables: ``{% export_link "xlsx" "inflow" %}``."""
    return export_url(_query(context), fmt, table_id)
