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
        raise RowErrors([RowError(1, f"Kolom(men) ontbreken: {', '.join(missing)}.")])


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
            errors.append(RowError(line, f"Ongeldige gemeentecode '{code}' (verwacht GMxxxx)."))
            continue
        if cbs != code[2:]:
            errors.append(RowError(line, f"Gemeentecode {cbs} past niet bij {code}."))
        if not name or not province:
            errors.append(RowError(line, "Gemeentenaam en provincie zijn verplicht."))
        if code in seen:
            errors.append(RowError(line, f"{code} staat dubbel (ook op regel {seen[code]})."))
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
            errors.append(RowError(line, "Regionaam ontbreekt."))
            continue
        if code not in known_codes:
            errors.append(RowError(line, f"Onbekende gemeentecode '{code}'."))
            continue
        if region not in centres:
            order.append(region)
            centres[region] = centre
            members[region] = []
            population[region] = {}
        elif centres[region] != centre:
            errors.append(RowError(line, f"Regio {region} heeft twee centrumgemeenten."))
        if code in member_of:
            errors.append(
                RowError(line, f"{code} hoort al bij regio {member_of[code]}; één regio per gemeente.")
            )
            continue
        member_of[code] = region
        members[region].append(code)
        if (raw.get("is_centre") or "").strip() == "1" and code != centre:
            errors.append(RowError(line, f"{code} is als centrum gemarkeerd maar centrum is {centre}."))
        pop = (raw.get("approx_population") or "").strip()
        if pop:
            if not pop.isdigit():
                errors.append(RowError(line, f"Inwonertal '{pop}' is geen geheel getal."))
            else:
                population[region][code] = int(pop)
    for region in order:
        if centres[region] not in members[region]:
            errors.append(RowError(0, f"Centrumgemeente van {region} staat niet in de regio."))
    if errors:
        raise RowErrors(errors)
    return [RegionRow(r, centres[r], tuple(members[r]), population[r]) for r in order]
