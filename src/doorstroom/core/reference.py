"""Parsing of the reference data files: municipalities, provinces and regions.

The files are CSV exports (see ``shared/data/README.md``). Parsing is strict: any problem
is reported with its line number and nothing is returned, so a bad file never half-loads.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from doorstroom.core.errors import RowError, RowErrors
from doorstroom.core.i18n import gettext_noop

GM_CODE = re.compile(r"^GM\d{4}$")


@dataclass(frozen=True, slots=True)
class MunicipalityRow:
    code: str  # "GM0014"
    cbs_code: str  # "0014"
    name: str
    province: str


@dataclass(frozen=True, slots=True)
class RegionRow:
    name: str
    centre_code: str
    members: tuple[str, ...]  # GM codes, centre included
    approx_population: dict[str, int] = field(default_factory=dict)


def _reader(text: str) -> csv.DictReader[str]:
    return csv.DictReader(io.StringIO(text.lstrip("\ufeff")))


def _require_columns(reader: csv.DictReader[str], needed: Iterable[str]) -> None:
    present = set(reader.fieldnames or [])
    missing = [c for c in needed if c not in present]
    if missing:
        raise RowErrors(
            [
                RowError(
                    1,
                    gettext_noop("Missing column(s): %(columns)s."),
                    {"columns": ", ".join(missing)},
                )
            ]
        )


def parse_municipalities(text: str) -> list[MunicipalityRow]:
    reader = _reader(text)
    _require_columns(reader, ["gemeentecode", "gemeentecode_gm", "gemeentenaam", "provincienaam"])
    rows: list[MunicipalityRow] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for line, raw in enumerate(reader, start=2):
        code = (raw["gemeentecode_gm"] or "").strip()
        cbs = (raw["gemeentecode"] or "").strip()
        name = (raw["gemeentenaam"] or "").strip()
        province = (raw["provincienaam"] or "").strip()
        if not GM_CODE.match(code):
            errors.append(
                RowError(
                    line,
                    gettext_noop("Invalid municipality code '%(code)s' (expected GMxxxx)."),
                    {"code": code},
                )
            )
            continue
        if cbs != code[2:]:
            errors.append(
                RowError(
                    line,
                    gettext_noop("Municipality code %(cbs)s does not match %(code)s."),
                    {"cbs": cbs, "code": code},
                )
            )
        if not name or not province:
            errors.append(
                RowError(line, gettext_noop("Municipality name and province are required."))
            )
        if code in seen:
            errors.append(
                RowError(
                    line,
                    gettext_noop("%(code)s occurs twice (also on line %(other)s)."),
                    {"code": code, "other": seen[code]},
                )
            )
        seen[code] = line
        rows.append(MunicipalityRow(code, cbs, name, province))
    if errors:
        raise RowErrors(errors)
    return rows


def parse_regions(text: str, known_codes: set[str]) -> list[RegionRow]:
    reader = _reader(text)
    _require_columns(reader, ["region", "centre_code", "municipality_code", "is_centre"])
    errors: list[RowError] = []
    order: list[str] = []
    centres: dict[str, str] = {}
    members: dict[str, list[str]] = {}
    population: dict[str, dict[str, int]] = {}
    member_of: dict[str, str] = {}
    for line, raw in enumerate(reader, start=2):
        region = (raw["region"] or "").strip()
        centre = (raw["centre_code"] or "").strip()
        code = (raw["municipality_code"] or "").strip()
        if not region:
            errors.append(RowError(line, gettext_noop("Region name is missing.")))
            continue
        if code not in known_codes:
            errors.append(
                RowError(
                    line, gettext_noop("Unknown municipality code '%(code)s'."), {"code": code}
                )
            )
            continue
        if region not in centres:
            order.append(region)
            centres[region] = centre
            members[region] = []
            population[region] = {}
        elif centres[region] != centre:
            errors.append(
                RowError(
                    line,
                    gettext_noop("Region %(region)s has two centre municipalities."),
                    {"region": region},
                )
            )
        if code in member_of:
            errors.append(
                RowError(
                    line,
                    gettext_noop(
                        "%(code)s already belongs to region %(region)s; one region per municipality."
                    ),
                    {"code": code, "region": member_of[code]},
                )
            )
            continue
        member_of[code] = region
        members[region].append(code)
        if (raw.get("is_centre") or "").strip() == "1" and code != centre:
            errors.append(
                RowError(
                    line,
                    gettext_noop("%(code)s is marked as centre but the centre is %(centre)s."),
                    {"code": code, "centre": centre},
                )
            )
        pop = (raw.get("approx_population") or "").strip()
        if pop:
            if not pop.isdigit():
                errors.append(
                    RowError(
                        line,
                        gettext_noop("Population '%(value)s' is not a whole number."),
                        {"value": pop},
                    )
                )
            else:
                population[region][code] = int(pop)
    for region in order:
        if centres[region] not in members[region]:
            errors.append(
                RowError(
                    0,
                    gettext_noop("The centre municipality of %(region)s is not in the region."),
                    {"region": region},
                )
            )
    if errors:
        raise RowErrors(errors)
    return [RegionRow(r, centres[r], tuple(members[r]), population[r]) for r in order]
