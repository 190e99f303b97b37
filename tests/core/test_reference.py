from __future__ import annotations

from importlib import resources

import pytest

from doorstroom.core.errors import RowErrors
from doorstroom.core.reference import parse_municipalities, parse_regions


def shipped(name: str) -> str:
    return (resources.files("doorstroom.reference") / "data" / name).read_text(encoding="utf-8")


def test_shipped_municipality_list_has_342_municipalities_in_12_provinces() -> None:
    rows = parse_municipalities(shipped("municipalities_2025.csv"))
    assert len(rows) == 342
    assert len({r.province for r in rows}) == 12
    assert next(r for r in rows if r.code == "GM0014").name == "Groningen"


def test_shipped_demo_regions() -> None:
    codes = {r.code for r in parse_municipalities(shipped("municipalities_2025.csv"))}
    regions = parse_regions(shipped("demo_regions.csv"), codes)
    assert [r.name for r in regions] == [
        "Groningen",
        "Zeeland",
        "Midden-IJssel",
        "Zuidwest-Drenthe",
        "Noord- en Midden-Drenthe",
    ]
    groningen = regions[0]
    assert groningen.centre_code == "GM0014"
    assert groningen.centre_code in groningen.members
    assert groningen.approx_population["GM0014"] == 243000


def test_bad_municipality_rows_are_all_reported() -> None:
    text = "gemeentecode,gemeentecode_gm,gemeentenaam,provincienaam\n0014,GM0014,Groningen,Groningen\n0014,GM0014,Dubbel,Groningen\n12,G12,X,Y\n"
    with pytest.raises(RowErrors) as info:
        parse_municipalities(text)
    assert [e.line for e in info.value.errors] == [3, 4]


def test_a_municipality_in_two_regions_is_refused() -> None:
    text = "region,centre_code,municipality_code,is_centre\nA,GM0014,GM0014,1\nB,GM1969,GM1969,1\nB,GM1969,GM0014,0\n"
    with pytest.raises(RowErrors) as info:
        parse_regions(text, {"GM0014", "GM1969"})
    assert info.value.errors[0].line == 4
