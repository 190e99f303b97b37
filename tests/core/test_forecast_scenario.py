"""Scenarios as data (round trip, schedules) and the XMILE export checked in PySD."""

from __future__ import annotations

import numpy as np
import pytest

from doorstroom.core.forecast import demo
from doorstroom.core.forecast.engine import STOCK_OUTPUTS, RunConfig, project
from doorstroom.core.forecast.model import ForecastError
from doorstroom.core.forecast.scenario import (
    BASELINE,
    AssessmentChange,
    HomesChange,
    InflowChange,
    PlacesChange,
    PopulationChange,
    Scenario,
    homes_schedule,
    plan,
)
from doorstroom.core.forecast.xmile import to_xmile

AREA = demo.area_of([("R", [("GM0001", "A"), ("GM0002", "B")])])


def small(months: int = 24, groups: tuple[str, ...] = ("18-24", "25+")) -> demo.Baseline:
    return demo.demo_baseline(AREA, [40_000, 15_000], months=months, groups=groups, burn_in=36)


def test_scenario_round_trips_as_data() -> None:
    s = Scenario(
        "Plan 2027",
        (
            PlacesChange("bt", "GM0002", "2027-01", 8),
            HomesChange(2027, extra_per_year=20, municipality="GM0001"),
            InflowChange(0.8, "2026-07", group="18-24"),
            AssessmentChange(0.5, "2026-04"),
            PopulationChange(0.01, 2028),
        ),
        "more BT, homes, prevention",
    )
    data = s.to_dict()
    assert data["changes"][0] == {
        "kind": "places",
        "product": "bt",
        "municipality": "GM0002",
        "from_month": "2027-01",
        "delta": 8,
    }
    assert Scenario.from_dict(data) == s
    with pytest.raises(ForecastError):
        Scenario.from_dict({"name": "x", "changes": [{"kind": "magic"}]})
    with pytest.raises(ForecastError):
        Scenario.from_dict({"name": "x", "changes": [{"kind": "places", "product": "bw"}]})


def test_changes_take_effect_from_their_date() -> None:
    b = small()
    pl = plan(
        b,
        Scenario(
            "s",
            (
                PlacesChange("bt", "GM0002", b.month_label(6), 5),
                PlacesChange("bw", "GM0001", b.month_label(3), -10_000),
                InflowChange(0.5, b.month_label(12), group="18-24", municipality="GM0001"),
                AssessmentChange(2.0, b.month_label(2), municipality="GM0002"),
                PopulationChange(0.10, b.start_year + 1),
            ),
        ),
    )
    base = plan(b)
    bt = 1
    assert np.all(pl.places[bt, 1, :6] == base.places[bt, 1, :6])
    assert np.all(pl.places[bt, 1, 6:] == base.places[bt, 1, 6:] + 5)
    assert np.all(pl.places[0, 0, 3:] == 0)  # closed places never go below zero
    young = b.groups.index("18-24")
    ratio = pl.exposure / base.exposure
    assert np.allclose(ratio[12:, 0, young] / ratio[12:, 0, 1 - young], 0.5)
    assert np.allclose(ratio[:12, 0, young], ratio[:12, 0, 1 - young])
    assert np.all(pl.assessment[2:, 1] == 2.0)
    assert np.all(pl.assessment[:, 0] == 1.0)
    # population +10% a year from the second year (instead of the baseline's 0.3%)
    assert pl.exposure[-1, 1, 0] > base.exposure[-1, 1, 0] * 1.05
    np.testing.assert_allclose(pl.exposure[0, 1], base.exposure[0, 1])  # 1 January, year 0


def test_homes_arrive_as_whole_homes_keeping_the_yearly_number() -> None:
    yearly = np.array([[7.0, 13.0], [0.0, 25.0]])
    sched = homes_schedule(yearly, start_month=1, months=24)
    assert np.all(sched == np.round(sched))
    np.testing.assert_allclose(sched[:, :12].sum(axis=1), [7, 0])
    np.testing.assert_allclose(sched[:, 12:].sum(axis=1), [13, 25])
    assert sched.max() <= 3


def test_homes_change_for_the_region_is_spread_by_population() -> None:
    b = small()
    base = plan(b)
    more = plan(b, Scenario("h", (HomesChange(b.start_year, extra_per_year=55),)))
    extra = more.homes[:, :12].sum(axis=1) - base.homes[:, :12].sum(axis=1)
    assert extra.sum() in (54, 55)  # whole homes by cumulative rounding
    assert extra[0] > extra[1]


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::FutureWarning")
def test_pysd_runs_the_exported_model_with_the_same_results() -> None:
    """The deterministic mean model as XMILE, translated and run by PySD, gives the
    engine's expected-value paths."""
    pysd = pytest.importorskip("pysd")
    b = small(months=18)
    scen = Scenario("s", (PlacesChange("bw", "GM0001", b.month_label(5), -20),))
    doc = to_xmile(b, scen)
    assert doc.startswith('<?xml version="1.0"')
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.xmile"
        path.write_text(doc)
        model = pysd.read_xmile(str(path))
        cols = [f"out_{o}_m{m}" for o in STOCK_OUTPUTS for m in range(2)]
        df = model.run(return_columns=cols)
    ours = project(b, scen, RunConfig(mode="expected", runs=1, fixed=True, keep_paths=True))
    assert ours.paths is not None
    for o in STOCK_OUTPUTS:
        for m in range(2):
            theirs = df[f"out_{o}_m{m}"].to_numpy()[1:]  # PySD starts at time 0
            mine = ours.paths[0, ours.outputs.index(o), m]
            np.testing.assert_allclose(mine, theirs, rtol=2e-5, atol=1e-3, err_msg=f"{o} m{m}")
    # and the scenario mattered: BW occupancy drops to the places left after the closure
    bw = df["out_in_bw_m0"].to_numpy() + df["out_in_bw_m1"].to_numpy()
    left = b.places[0].sum() - 20
    assert bw[5] > left + 3
    assert bw[-1] <= left + 1e-6


def test_export_refuses_assessment_regimes() -> None:
    b = small()
    with pytest.raises(ForecastError):
        to_xmile(b, Scenario("a", (AssessmentChange(0.5, b.month_label(3)),)))
    assert "<stock" in to_xmile(b, BASELINE)
