"""Policy replay on a synthetic region: history versus the engine under other policies."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from doorstroom.core import synthetic
from doorstroom.core.eventlog import Spells, derive_spells
from doorstroom.core.matching.replay import (
    Policy,
    compare,
    fairness_off,
    historical_homes,
    run_policy,
)

DATA = Path(__file__).resolve().parents[2] / "src" / "doorstroom" / "reference" / "data"
START, END = date(2024, 1, 1), date(2026, 1, 1)


@pytest.fixture(scope="module")
def spells() -> Spells:
    with (DATA / "demo_regions.csv").open(encoding="utf-8") as fh:
        regions = synthetic.regions_from_rows(list(csv.DictReader(fh)))[:1]
    return derive_spells(synthetic.generate(regions, end=END, years=3, seed=3).log)


def test_replay_uses_each_historical_home_once_and_never_before_a_client_is_ready(
    spells: Spells,
) -> None:
    region = spells.regions[0]
    housed = run_policy(spells, region, START, END, Policy("engine"))
    homes = historical_homes(spells, region, START, END)
    assert housed.height > 0
    assert housed["client"].n_unique() == housed.height
    per_mun = homes.group_by("municipality").len()
    used = housed.group_by("municipality").len()
    joined = used.join(per_mun, on="municipality", suffix="_homes")
    assert (joined["len"] <= joined["len_homes"]).all()
    assert (housed["wait"] >= 0).all()
    assert housed["day"].min() >= START  # type: ignore[operator]


def test_more_homes_house_more_and_the_comparison_has_every_scenario(spells: Spells) -> None:
    region = spells.regions[0]
    result = compare(
        spells,
        region,
        START,
        END,
        [Policy("engine"), Policy("no fairness", fairness_off()), Policy("+50%", extra_homes=0.5)],
    )
    summary = {row["scenario"]: row for row in result.summary.iter_rows(named=True)}
    assert set(summary) == {"history", "engine", "no fairness", "+50%"}
    assert summary["+50%"]["housed"] > summary["engine"]["housed"]
    for row in summary.values():
        assert (
            row["housed"] + row["waiting"]
            == summary["history"]["housed"] + summary["history"]["waiting"]
        )
        assert 0 <= row["to_origin"] <= row["housed"]
        assert row["median"] <= row["p90"]
    bands = result.by_group.filter(pl.col("dimension") == "age_band")
    for name in summary:
        part = bands.filter(pl.col("scenario") == name)
        assert part["housed"].sum() == summary[name]["housed"]


def test_replay_is_deterministic(spells: Spells) -> None:
    region = spells.regions[0]
    a = run_policy(spells, region, START, END, Policy("x", extra_homes=0.3, seed=4))
    b = run_policy(spells, region, START, END, Policy("x", extra_homes=0.3, seed=4))
    assert a.equals(b)
