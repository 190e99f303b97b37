"""Scenarios as data: validation of a list of changes against the engine's schema
(``core.forecast.scenario``) and the region, with translatable errors per change, and the
conversion between the engine's changes and the rows of the scenario form.

A scenario is stored exactly as the engine reads it (``Scenario.to_dict()["changes"]``),
so what is saved is what runs. Validation is all-or-nothing: one bad change and nothing is
saved, with an error for every bad change.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from doorstroom.core.errors import RowError, RowErrors
from doorstroom.core.forecast.model import ForecastError
from doorstroom.core.forecast.scenario import KINDS, Scenario
from doorstroom.core.i18n import gettext_noop

MONTH = re.compile(r"^(\d{4})-(\d{2})$")
FIRST_YEAR, LAST_YEAR = 2000, 2100
PRODUCTS = ("bw", "bt", "mo")

# The kinds of change a user picks in the form, and the engine kind each becomes.
FORM_KINDS: dict[str, str] = {
    "places": "places",
    "homes": "homes",
    "prevention": "inflow",
    "assessment": "assessment",
    "population": "population",
}
FIELDS: dict[str, dict[str, type | tuple[type, ...]]] = {
    "places": {"product": str, "municipality": str, "from_month": str, "delta": int},
    "homes": {
        "from_year": int,
        "extra_per_year": (int, float),
        "factor": (int, float),
        "municipality": (str, type(None)),
    },
    "inflow": {
        "factor": (int, float),
        "from_month": str,
        "group": (str, type(None)),
        "municipality": (str, type(None)),
    },
    "assessment": {
        "duration_factor": (int, float),
        "from_month": str,
        "municipality": (str, type(None)),
    },
    "population": {
        "yearly_growth": (int, float),
        "from_year": int,
        "municipality": (str, type(None)),
    },
}
REQUIRED: dict[str, set[str]] = {
    "places": {"product", "municipality", "from_month", "delta"},
    "homes": {"from_year"},
    "inflow": {"factor", "from_month"},
    "assessment": {"duration_factor", "from_month"},
    "population": {"yearly_growth", "from_year"},
}


@dataclass(frozen=True)
class Context:
    """What a change may refer to: the region's municipalities and the age bands."""

    codes: frozenset[str]
    groups: tuple[str, ...]


def _month_ok(text: Any) -> bool:
    match = MONTH.match(text) if isinstance(text, str) else None
    return bool(
        match and 1 <= int(match.group(2)) <= 12 and FIRST_YEAR <= int(match.group(1)) <= LAST_YEAR
    )


def _check(line: int, change: Mapping[str, Any], ctx: Context) -> list[RowError]:
    errors: list[RowError] = []

    def err(template: str, **params: Any) -> None:
        errors.append(RowError(line, template, params))

    if not isinstance(change, Mapping):
        err(gettext_noop("A change must be a set of fields."))
        return errors
    kind = change.get("kind")
    if kind not in KINDS:
        err(gettext_noop("Unknown kind of change: %(kind)s."), kind=str(kind))
        return errors
    fields = FIELDS[kind]
    unknown = sorted(set(change) - set(fields) - {"kind"})
    if unknown:
        err(gettext_noop("Unknown fields: %(fields)s."), fields=", ".join(unknown))
    missing = sorted(REQUIRED[kind] - {k for k, v in change.items() if v is not None})
    if missing:
        err(gettext_noop("Missing fields: %(fields)s."), fields=", ".join(missing))
        return errors
    for name, types in fields.items():
        value = change.get(name)
        if (name in change and not isinstance(value, types)) or isinstance(value, bool):
            err(gettext_noop("The field %(field)s has a wrong type."), field=name)
            return errors
    municipality = change.get("municipality")
    if municipality is not None and municipality not in ctx.codes:
        err(
            gettext_noop("The municipality %(code)s is not part of the region."),
            code=str(municipality),
        )
    if "from_month" in change and not _month_ok(change["from_month"]):
        err(gettext_noop("Give the month as year-month, for example 2027-01."))
    if "from_year" in change and not FIRST_YEAR <= change["from_year"] <= LAST_YEAR:
        err(gettext_noop("The year must lie between 2000 and 2100."))
    if kind == "places":
        if change["product"] not in PRODUCTS:
            err(gettext_noop("The product must be BW, BT or MO."))
        if change["delta"] == 0 or abs(change["delta"]) > 10_000:
            err(gettext_noop("Give a number of places between -10,000 and 10,000, not 0."))
    elif kind == "homes":
        if not -10_000 <= change.get("extra_per_year", 0.0) <= 10_000:
            err(gettext_noop("Give extra homes per year between -10,000 and 10,000."))
        if not 0 <= change.get("factor", 1.0) <= 10:
            err(gettext_noop("The factor on the agreed homes must lie between 0 and 10."))
    elif kind == "inflow":
        if not 0 <= change["factor"] <= 3:
            err(gettext_noop("The inflow can change by -100% to +200%."))
        group = change.get("group")
        if group is not None and group not in ctx.groups:
            err(
                gettext_noop("Unknown age band %(group)s; use one of %(groups)s."),
                group=str(group),
                groups=", ".join(ctx.groups),
            )
    elif kind == "assessment":
        if not 0.05 <= change["duration_factor"] <= 5:
            err(gettext_noop("Assessment can become at most 95% faster or five times slower."))
    elif kind == "population" and not -0.05 <= change["yearly_growth"] <= 0.05:
        err(gettext_noop("Population growth must lie between -5% and +5% a year."))
    return errors


def validate(
    name: str, changes: Sequence[Mapping[str, Any]], ctx: Context, description: str = ""
) -> Scenario:
    """The engine's scenario for ``changes``, or RowErrors with an error per bad change
    (``line`` is the change's number, from 1)."""
    errors: list[RowError] = []
    if not name.strip():
        errors.append(RowError(0, gettext_noop("Give the scenario a name.")))
    for i, change in enumerate(changes, start=1):
        errors.extend(_check(i, change, ctx))
    if errors:
        raise RowErrors(errors)
    try:
        return Scenario.from_dict(
            {"name": name.strip(), "description": description, "changes": list(changes)}
        )
    except ForecastError as exc:  # the engine's own schema check (should not happen here)
        raise RowErrors(
            [RowError(0, gettext_noop("The scenario is not valid: %(error)s"), {"error": str(exc)})]
        ) from None


# ------------------------------------------------------------------ form rows <-> changes
@dataclass(frozen=True)
class ChangeRow:
    """One row of the scenario form: a kind, a number and where and from when."""

    kind: str  # FORM_KINDS
    value: float
    start: str  # YYYY-MM
    municipality: str | None = None
    product: str | None = None
    group: str | None = None


def row_to_change(row: ChangeRow) -> dict[str, Any]:
    """The engine's change for a form row. ``value`` means: places (+/-) for places, extra
    homes per year, % less inflow (prevention), % shorter assessment, % growth a year."""
    year = int(row.start[:4])
    if row.kind == "places":
        return {
            "kind": "places",
            "product": row.product or "",
            "municipality": row.municipality or "",
            "from_month": row.start,
            "delta": round(row.value),
        }
    if row.kind == "homes":
        return {
            "kind": "homes",
            "from_year": year,
            "extra_per_year": float(row.value),
            "factor": 1.0,
            "municipality": row.municipality,
        }
    if row.kind == "prevention":
        return {
            "kind": "inflow",
            "factor": round(1.0 - row.value / 100.0, 6),
            "from_month": row.start,
            "group": row.group,
            "municipality": row.municipality,
        }
    if row.kind == "assessment":
        return {
            "kind": "assessment",
            "duration_factor": round(1.0 - row.value / 100.0, 6),
            "from_month": row.start,
            "municipality": row.municipality,
        }
    if row.kind == "population":
        return {
            "kind": "population",
            "yearly_growth": round(row.value / 100.0, 6),
            "from_year": year,
            "municipality": row.municipality,
        }
    raise ValueError(f"unknown form kind {row.kind!r}")


def change_to_row(change: Mapping[str, Any]) -> ChangeRow:
    kind = change["kind"]
    municipality = change.get("municipality")
    if kind == "places":
        return ChangeRow(
            "places",
            float(change["delta"]),
            change["from_month"],
            municipality,
            change["product"],
        )
    if kind == "homes":
        return ChangeRow(
            "homes",
            float(change.get("extra_per_year", 0.0)),
            f"{change['from_year']}-01",
            municipality,
        )
    if kind == "inflow":
        return ChangeRow(
            "prevention",
            round((1.0 - float(change["factor"])) * 100, 4),
            change["from_month"],
            municipality,
            group=change.get("group"),
        )
    if kind == "assessment":
        return ChangeRow(
            "assessment",
            round((1.0 - float(change["duration_factor"])) * 100, 4),
            change["from_month"],
            municipality,
        )
    return ChangeRow(
        "population",
        round(float(change["yearly_growth"]) * 100, 4),
        f"{change['from_year']}-01",
        municipality,
    )
