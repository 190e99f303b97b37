"""Key figures over years and windows, and progress towards targets (the world of
tests/core/test_metrics.py)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from doorstroom.core import kpi
from doorstroom.core.eventlog import Spells
from doorstroom.core.metrics import Months
from tests.core.histories import small_world

D = date.fromisoformat


@pytest.fixture(scope="module")
def world() -> Spells:
    return small_world()


def test_yearly_and_window_values(world: Spells) -> None:
    years = Months.years(2024, D("2025-06-15"))
    assert years.starts == (D("2024-01-01"), D("2025-01-01"))
    assert years.last_days == (D("2024-12-31"), D("2025-06-15"))
    assert kpi.kpi_values(kpi.KPIS["applications"], world, years) == [1, 4]
    assert kpi.kpi_values(kpi.KPIS["applications_youth"], world, years) == [0, 1]
    assert kpi.kpi_values(kpi.KPIS["youth_share"], world, years) == [0.0, 0.25]
    # stocks at the end of each period: D in BW at the end of 2024; B in BT on 15 June 2025
    assert kpi.kpi_values(kpi.KPIS["in_care_bw"], world, years) == [1, 0]
    assert kpi.kpi_values(kpi.KPIS["in_care_bt"], world, years) == [0, 1]
    window = Months.window(D("2025-02-01"), D("2025-03-31"))
    assert kpi.kpi_values(kpi.KPIS["waiting_time"], world, window) == [37.5]  # 21 and 54
    assert kpi.kpi_values(kpi.KPIS["share_home_origin"], world, window) == [None]
    assert kpi.kpi_values(kpi.KPIS["bw_to_bt"], world, window) == [1]


def test_progress_on_a_relative_target(world: Spells) -> None:
    # applications: 1 in 2024, 4 in the last twelve months up to 15 June 2025
    target = kpi.Target("applications", 2024, 2026, change=Decimal("-0.20"))
    kpi.validate_target(target)
    result = kpi.progress(target, world, D("2025-06-15"))
    assert result.baseline == 1
    assert result.goal == pytest.approx(0.8)
    assert result.current == 4
    # 166 of 730 days along the path
    assert result.expected == pytest.approx(1 - 0.2 * 166 / 730)
    assert result.status is kpi.Status.OFF_TRACK


def test_progress_on_an_absolute_target_where_higher_is_better(world: Spells) -> None:
    target = kpi.Target("in_care_bt", 2024, 2025, value=Decimal("1"))
    result = kpi.progress(target, world, D("2025-06-15"))
    assert (result.baseline, result.goal, result.current) == (0, 1, 1)
    assert result.status is kpi.Status.ON_TRACK
    target = kpi.Target("share_home_origin", 2024, 2026, value=Decimal("0.8"))
    result = kpi.progress(target, world, D("2025-06-15"))
    assert result.baseline is None  # no exit to a home in 2024: no share
    assert result.status is kpi.Status.NO_DATA
    target = kpi.Target("exits_home", 2024, 2027, value=Decimal("0"))
    result = kpi.progress(target, world, D("2025-06-15"))
    assert (result.baseline, result.current) == (0, 1)
    assert result.status is kpi.Status.ON_TRACK


def test_progress_for_one_municipality(world: Spells) -> None:
    target = kpi.Target("applications", 2024, 2026, change=Decimal("0"), municipality="GM0014")
    result = kpi.progress(target, world, D("2025-06-15"))
    assert (result.baseline, result.current) == (0, 2)


@pytest.mark.parametrize(
    ("target", "message"),
    [
        (kpi.Target("nonsense", 2024, 2026, change=Decimal("0")), "Unknown key figure"),
        (kpi.Target("applications", 2026, 2024, change=Decimal("0")), "must lie after"),
        (kpi.Target("applications", 2024, 2026), "either a change"),
        (kpi.Target("applications", 2024, 2026, Decimal("0"), Decimal("1")), "either a change"),
        (kpi.Target("applications", 2024, 2026, change=Decimal("-1")), "100%"),
        (kpi.Target("applications", 2024, 2026, value=Decimal("-5")), "negative"),
    ],
)
def test_invalid_targets_are_refused(target: kpi.Target, message: str) -> None:
    with pytest.raises(kpi.TargetError, match=message):
        kpi.validate_target(target)
