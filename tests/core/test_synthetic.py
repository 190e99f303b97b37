"""The synthetic-region generator: reproducible, valid histories, plausible figures."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from doorstroom.core import metrics, synthetic
from doorstroom.core.eventlog import derive_spells
from doorstroom.core.journey import JourneyError, project

DATA = Path(__file__).resolve().parents[2] / "src" / "doorstroom" / "reference" / "data"
END = date(2026, 6, 30)


def demo_regions() -> list[synthetic.RegionSpec]:
    with (DATA / "demo_regions.csv").open(encoding="utf-8") as fh:
        return synthetic.regions_from_rows(list(csv.DictReader(fh)))


def all_municipalities() -> list[tuple[str, str, str]]:
    with (DATA / "municipalities_2025.csv").open(encoding="utf-8") as fh:
        return [
            (r["gemeentecode_gm"], r["gemeentenaam"], r["provincienaam"])
            for r in csv.DictReader(fh)
        ]


@pytest.fixture(scope="module")
def five_regions() -> synthetic.SyntheticData:
    codes = [code for code, _, _ in all_municipalities()]
    return synthetic.generate(demo_regions(), end=END, years=5, seed=11, municipalities=codes)


def test_the_same_seed_gives_the_same_history_and_another_seed_another() -> None:
    region = demo_regions()[3]
    a = synthetic.generate([region], end=END, years=2, seed=5)
    b = synthetic.generate([region], end=END, years=2, seed=5)
    c = synthetic.generate([region], end=END, years=2, seed=6)
    for column in ("client", "day", "type", "product", "facility", "destination"):
        assert np.array_equal(getattr(a.log, column), getattr(b.log, column))
    assert len(a.log) != len(c.log) or not np.array_equal(a.log.day, c.log.day)


def test_every_history_passes_the_same_validation_as_the_screens(
    five_regions: synthetic.SyntheticData,
) -> None:
    data = five_regions
    failures = []
    for index in range(data.clients):
        birth = date.fromordinal(int(data.log.client_birth[index]))
        try:
            project(synthetic.history(data, index), birth_date=birth, today=END)
        except JourneyError as exc:  # pragma: no cover - reported below
            failures.append((index, str(exc)))
    assert failures == []


def test_payloads_round_trip_through_the_columns(five_regions: synthetic.SyntheticData) -> None:
    """history() writes payloads as the services do; reading them back gives the same
    columns (this is how the demo loads the data and how the monitor reads it back)."""
    from doorstroom.core.eventlog import EventLogBuilder

    data = five_regions
    builder = EventLogBuilder(data.log.municipalities, data.log.regions)
    for index in range(0, data.clients, 7):
        c = builder.client(
            int(data.log.client_ids[index]),
            int(data.log.client_birth[index]),
            int(data.log.client_region[index]),
        )
        builder.add_history(c, synthetic.history(data, index))
    back = builder.build(data.log.facilities)
    wanted = np.isin(data.log.client, np.arange(0, data.clients, 7))
    original = data.log.take(wanted)
    for column in ("day", "type", "product", "facility", "municipality", "destination", "channel"):
        assert np.array_equal(getattr(back, column), getattr(original, column)), column


def test_figures_are_plausible_for_a_policy_advisor(five_regions: synthetic.SyntheticData) -> None:
    """Broad bands from the regional plans and national figures (docs/synthetic-regions.md)."""
    data = five_regions
    spells = derive_spells(data.log)
    months = metrics.Months.between(data.history_start, data.end)
    last = months.starts[-2]
    for region in data.regions:
        f = metrics.compute(spells, months, metrics.Filters(regions=frozenset({region.name})))
        per_10k = region.population / 10_000
        bw = f.value("stock_in_care", last, category="bw_intramural") or 0
        bt = sum(
            f.value("stock_in_care", last, category=p) or 0
            for p in ("bt_individual", "bt_cluster", "bt_youth_cluster")
        )
        assert 5 <= bw / per_10k <= 14, region.name
        assert 2 <= bt / per_10k <= 9, region.name
        applications = sum(v or 0 for v in f.series("applications")[-13:-1])
        youth = sum(v or 0 for v in f.series("applications", category="18-24")[-13:-1])
        assert 4 <= applications / per_10k <= 12
        assert 0.25 <= youth / applications <= 0.6  # "mainly young people"
        ready = f.value("stock_ready", last) or 0
        assert 0.1 <= ready / max(1, bw + bt) <= 0.5  # the housing bottleneck
        assert (f.value("occupancy", last) or 0) > 0.85
        home = sum(v or 0 for v in f.series("exits_home")[-25:-1])
        origin = sum(v or 0 for v in f.series("exits_home_origin")[-25:-1])
        assert 0.3 <= origin / home <= 0.95


def test_national_regions_cover_every_municipality_once() -> None:
    municipalities = all_municipalities()
    regions = synthetic.national_regions(municipalities, demo_regions())
    codes = [m.code for r in regions for m in r.municipalities]
    assert sorted(codes) == sorted(code for code, _, _ in municipalities)
    assert len(codes) == len(set(codes)) == 342
    assert all(r.centre in {m.code for m in r.municipalities} for r in regions)
    assert 16_000_000 < sum(r.population for r in regions) < 20_000_000
