"""Monthly monitor figures on hand-built event logs with answers worked out by hand.

The world (months January to June 2025, figures as of 15 June 2025):

- A, 20, from Midden-Groningen: applied 10 Jan, BW decided 20 Jan, placed 10 Feb in De Linde
  (Groningen), ready to move on 1 Apr, exit to a home in Midden-Groningen 31 May.
- B, 40, from Groningen: applied 31 Jan, BT cluster decided 5 Feb, placed 31 Mar, stays.
- C, 30, from Groningen: applied 15 Feb, ambulant support 20 Feb (no place).
- D, 50, from Veendam: in BW since 1 Jul 2024, transfer to BT individual 15 Mar 2025, exit
  to family 1 Jun, applies again 10 Jun (a return after 0 months).
"""

from __future__ import annotations

from datetime import date

import pytest

from doorstroom.core import metrics
from doorstroom.core.eventlog import Spells
from tests.core.histories import small_world

D = date.fromisoformat
MONTHS = metrics.Months.between(D("2025-01-01"), D("2025-06-15"))
JAN, FEB, MAR, APR, MAY, JUN = MONTHS.starts


@pytest.fixture(scope="module")
def world() -> Spells:
    return small_world()


@pytest.fixture(scope="module")
def figures(world: Spells) -> metrics.Figures:
    return metrics.compute(world, MONTHS, populations={"GM0014": 200_000, "GM1952": 50_000})


def test_months_end_on_the_last_day_or_the_as_of_date() -> None:
    assert MONTHS.ends[0] == D("2025-01-31")
    assert MONTHS.ends[1] == D("2025-02-28")
    assert MONTHS.ends[-1] == D("2025-06-15")


def test_stock_in_care_counts_the_start_day_but_not_the_end_day(figures: metrics.Figures) -> None:
    assert figures.series("stock_in_care") == [1, 2, 3, 3, 2, 1]
    assert figures.series("stock_in_care", category="bw_intramural") == [1, 2, 1, 1, 0, 0]
    assert figures.value("stock_in_care", MAR, category="bt_cluster") == 1
    assert figures.value("stock_in_care", MAR, category="bt_individual") == 1
    # by municipality of origin
    assert figures.series("stock_in_care", municipality="GM1952") == [0, 1, 1, 1, 0, 0]


def test_waiting_assessment_and_ready_stocks(figures: metrics.Figures) -> None:
    assert figures.series("stock_waiting") == [1, 1, 0, 0, 0, 0]
    assert figures.series("stock_waiting", category="bt_cluster") == [0, 1, 0, 0, 0, 0]
    assert figures.series("stock_assessment") == [1, 0, 0, 0, 0, 1]
    assert figures.series("stock_ready") == [0, 0, 0, 1, 0, 0]
    assert figures.value("ready_backlog_age_p50", APR) == 29


def test_inflow_by_age_band_channel_and_origin(figures: metrics.Figures) -> None:
    assert figures.series("applications") == [2, 1, 0, 0, 0, 1]
    assert figures.value("applications", JAN, category="18-24") == 1
    assert figures.value("applications", JAN, category="25-44") == 1
    assert figures.value("applications", JUN, category="45-64") == 1
    assert figures.value("applications", FEB, category="self") == 1
    assert figures.value("applications", JAN, municipality="GM1952") == 1
    assert figures.value("applications", JAN, municipality="GM0014") == 1
    assert figures.value("returns", JUN, category="6") == 1
    assert figures.series("returns") == [0, 0, 0, 0, 0, 1]


def test_placements_and_throughflow(figures: metrics.Figures) -> None:
    assert figures.series("placements") == [0, 1, 1, 0, 0, 0]
    assert figures.value("placements", FEB, category="bw_intramural") == 1
    assert figures.value("placements", MAR, category="bt_cluster") == 1
    assert figures.value("placements", FEB, category="18-24") == 1
    assert figures.series("bw_to_bt") == [0, 0, 1, 0, 0, 0]


def test_outflow_and_the_share_to_the_municipality_of_origin(figures: metrics.Figures) -> None:
    assert figures.series("exits") == [0, 0, 0, 0, 1, 1]
    assert figures.value("exits", MAY, category="home_origin") == 1
    assert figures.value("exits", JUN, category="family") == 1
    assert figures.value("share_home_origin", MAY) == 1.0
    assert figures.value("share_home_origin", JUN) is None  # no exit to a home: no share


def test_durations(figures: metrics.Figures) -> None:
    assert figures.value("waiting_time_p50", FEB) == 21  # 20 Jan -> 10 Feb
    assert figures.value("waiting_time_n", FEB) == 1
    assert figures.value("waiting_time_p50", MAR) == 54  # 5 Feb -> 31 Mar
    assert figures.value("length_of_stay_p50", MAY) == 110  # 10 Feb -> 31 May
    assert figures.value("length_of_stay_p50", JUN) == 335  # 1 Jul 2024 -> 1 Jun 2025
    assert figures.value("ready_wait_p50", MAY) == 60  # 1 Apr -> 31 May
    assert figures.value("waiting_time_p50", JAN) is None


def test_places_occupancy_and_bt_places(figures: metrics.Figures) -> None:
    assert figures.value("places", MAR) == 25
    assert figures.value("occupied", MAR) == 3
    assert figures.value("occupancy", MAR) == pytest.approx(3 / 25)
    assert figures.value("bt_places", MAR) == 15
    assert figures.value("bt_places", MAR, municipality="GM1952") == 5
    assert figures.value("bt_places_per_10k", MAR, municipality="GM1952") == pytest.approx(1.0)
    assert figures.value("occupied", MAR, municipality="GM0047") == 1  # D in Veendam


def test_filters_select_clients(world: Spells) -> None:
    youth = metrics.compute(world, MONTHS, metrics.Filters(age_bands=frozenset({"18-24"})))
    assert youth.series("applications") == [1, 0, 0, 0, 0, 0]
    assert youth.series("stock_in_care") == [0, 1, 1, 1, 0, 0]
    veendam = metrics.compute(world, MONTHS, metrics.Filters(municipalities=frozenset({"GM0047"})))
    assert veendam.series("exits") == [0, 0, 0, 0, 0, 1]
    bt = metrics.compute(world, MONTHS, metrics.Filters(products=frozenset({"bt_cluster"})))
    assert bt.series("stock_in_care") == [0, 0, 1, 1, 1, 1]
    assert bt.value("places", MAR) == 5


def test_return_rates_wait_until_the_window_has_passed(world: Spells) -> None:
    later = metrics.Months.between(D("2025-01-01"), D("2026-01-10"))
    f = metrics.compute(world, later, metrics=["return_rate"])
    # June exit (D) returned after 9 days; May exit (A) did not; windows of 6 months have
    # passed for May (end 31 May + 6 = 30 Nov) and June (30 Jun + 6 = 30 Dec)
    assert f.value("return_rate_6", later.starts[4]) == 0.0
    assert f.value("return_rate_6", later.starts[5]) == 1.0
    assert f.value("return_rate_12", later.starts[5]) is None


def test_empty_selection_gives_no_rows_but_no_error(world: Spells) -> None:
    nobody = metrics.compute(world, MONTHS, metrics.Filters(municipalities=frozenset({"GM9999"})))
    assert nobody.series("stock_in_care") == [0] * 6  # nobody: zero clients
    assert nobody.series("waiting_time_p50") == [None] * 6  # no waits: no median
    assert nobody.table.height == 0 or set(nobody.table["metric"]) <= {"places", "bt_places"}


def test_quarters_and_years_aggregate_the_same_events(world: Spells) -> None:
    quarters = metrics.Months.quarters(D("2025-01-01"), D("2025-06-15"))
    assert quarters.starts == (D("2025-01-01"), D("2025-04-01"))
    assert quarters.last_days == (D("2025-03-31"), D("2025-06-15"))
    q = metrics.compute(world, quarters, metrics=["applications", "exits", "stock_in_care"])
    assert q.series("applications") == [3, 1]
    assert q.series("exits") == [0, 2]
    assert q.series("stock_in_care") == [3, 1]  # at 31 March and at 15 June
