"""Plausible (invented) parameters for demos, tests and benchmarks.

Orders of magnitude follow the regional plans: about 1.2 applications per 10,000 inhabitants
a month, a quarter of them young (18-24), growing 1% a year (adults); assessment in about two months; stays of a few
years in BW, one to three years in BT, months in MO; BW and MO are regional facilities in
the centre municipality, BT places in every municipality. Waiting times start around a
month and grow to about five months in fifteen years. Not calibrated on real data: a
calibrated baseline comes from ``calibration.py`` and the event log.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from doorstroom.core.forecast.model import (
    COMPARTMENTS,
    OUTCOMES,
    PRODUCTS,
    Area,
    Baseline,
    FloatArray,
    Proportions,
    Rate,
)

GROUPS = ("18-24", "25+")
# monthly outcome probabilities per compartment: (young, adult)
PROBABILITIES: dict[str, tuple[tuple[float, ...], tuple[float, ...]]] = {
    "applied": ((0.06, 0.18, 0.08, 0.18), (0.10, 0.15, 0.11, 0.14)),
    "waiting_bw": ((0.03,), (0.03,)),
    "waiting_bt": ((0.04,), (0.04,)),
    "waiting_mo": ((0.08,), (0.08,)),
    "bw_1": ((0.010, 0.016, 0.014, 0.08), (0.008, 0.012, 0.012, 0.07)),
    "bw_2": ((0.010, 0.008, 0.022), (0.007, 0.008, 0.018)),
    "bt_1": ((0.03, 0.03, 0.06), (0.025, 0.03, 0.06)),
    "bt_2": ((0.015, 0.05), (0.015, 0.045)),
    "mo_1": ((0.07, 0.14, 0.20), (0.06, 0.15, 0.20)),
    "mo_2": ((0.05, 0.06), (0.05, 0.05)),
    "ready_bw": ((0.02,), (0.02,)),
    "ready_bt": ((0.02,), (0.02,)),
    "ready_mo": ((0.03,), (0.03,)),
}
INFLOW_PER_10K = (0.30, 0.90)  # applications per 10,000 inhabitants per month
CENTRE_FACTOR = 1.3
PLACES_PER_10K = {"bw": 8.0, "bt": 10.0, "mo": 2.5}
HOMES_PER_10K_YEAR = 4.0
PRICE_PER_DAY = {"bw": 165.0, "bt": 85.0, "mo": 120.0}


def area_of(
    regions: Sequence[tuple[str, Sequence[tuple[str, str]]]],
) -> Area:
    """Area from (region name, [(code, name), ...]) with the centre first in each region."""
    codes: list[str] = []
    names: list[str] = []
    region: list[int] = []
    for r, (_, members) in enumerate(regions):
        for code, name in members:
            codes.append(code)
            names.append(name)
            region.append(r)
    return Area(tuple(codes), tuple(names), tuple(region), tuple(r for r, _ in regions))


def synthetic_country(
    municipalities: int = 342, regions: int = 35, seed: int = 0, total: float = 17_900_000
) -> tuple[Area, FloatArray]:
    """Invented municipalities (lognormal populations, ``total`` inhabitants in all) in
    regions of about equal count; the largest of each region is its centre (first)."""
    rng = np.random.default_rng(seed)
    pop = rng.lognormal(mean=np.log(30_000), sigma=0.8, size=municipalities)
    pop *= total / pop.sum()
    assign = np.sort(rng.permutation(np.arange(municipalities) % regions))
    regs: list[tuple[str, list[tuple[str, str]]]] = []
    pops: list[float] = []
    idx = 0
    for r in range(regions):
        members = np.flatnonzero(assign == r)
        order = members[np.argsort(-pop[members])]
        regs.append(
            (f"Region {r + 1}", [(f"GM{9000 - i:04d}", f"Gemeente {i + 1}") for i in order])
        )
        pops.extend(pop[order])
        idx += len(order)
    return area_of(regs), np.array(pops)


def demo_baseline(
    area: Area,
    population: Sequence[float] | FloatArray,
    *,
    groups: tuple[str, ...] = GROUPS,
    start_year: int = 2026,
    start_month: int = 1,
    months: int = 180,
    growth: float = 0.003,
    uncertainty: float = 1.0,
    burn_in: int = 120,
) -> Baseline:
    """A baseline for ``area`` with populations (on 1 January of ``start_year``).

    ``uncertainty`` scales the parameter uncertainty (0: known exactly). The initial stocks
    are the state after ``burn_in`` months of the expected-value model from empty facilities, so a projection starts near its own equilibrium."""
    m = area.size
    g = len(groups)
    pop0 = np.asarray(population, dtype=np.float64)
    years = (start_month - 1 + months + 11) // 12 + 1
    pop = pop0[:, None] * (1.0 + growth) ** np.arange(years)[None, :]
    centre = np.zeros(m, dtype=bool)
    centre[area.region_starts()] = True
    young = [gr == "18-24" for gr in groups] if g > 1 else [False]

    def by_group(values: tuple[tuple[float, ...], tuple[float, ...]]) -> FloatArray:
        if g == 1:
            mix = np.array(values[0]) * 0.25 + np.array(values[1]) * 0.75
            return np.broadcast_to(mix, (m, 1, len(mix))).copy()
        rows = [np.array(values[0] if y else values[1]) for y in young]
        return np.broadcast_to(np.stack(rows), (m, g, len(rows[0]))).copy()

    conc_base = (150.0 + pop0 / 150.0)[:, None] * np.ones((1, g))
    scale = max(uncertainty, 1e-9)
    outcomes = {
        comp: Proportions(
            by_group(PROBABILITIES[comp]),
            conc_base / scale**2 if uncertainty > 0 else np.full((m, g), np.inf),
        )
        for comp, outs in OUTCOMES.items()
        if outs
    }
    if g == 1:
        rate = np.full((m, 1), sum(INFLOW_PER_10K))
    else:
        rate = np.array([[INFLOW_PER_10K[0] if y else INFLOW_PER_10K[1] for y in young]] * m)
    rate = rate * np.where(centre, CENTRE_FACTOR, 1.0)[:, None]
    places = np.zeros((len(PRODUCTS), m))
    for r0 in area.region_starts():
        members = [i for i in range(m) if area.region[i] == area.region[r0]]
        region_pop = pop0[members].sum()
        # BW: 70% in the centre, the rest in the two largest other municipalities
        others = sorted((i for i in members if i != r0), key=lambda i: -pop0[i])[:2]
        bw = PLACES_PER_10K["bw"] * region_pop / 10_000
        places[0, r0] += round(0.7 * bw) if others else round(bw)
        for i in others:
            places[0, i] += round(0.3 * bw / len(others))
        places[2, r0] += round(PLACES_PER_10K["mo"] * region_pop / 10_000)
    places[1] = np.maximum(np.round(PLACES_PER_10K["bt"] * pop0 / 10_000), 2)
    homes = np.round(HOMES_PER_10K_YEAR * pop[:, : years - 1] / 10_000)
    price = np.array([[PRICE_PER_DAY[p.value]] * m for p in PRODUCTS])
    sd = 0.1 * uncertainty
    initial = np.zeros((len(COMPARTMENTS), m, g))
    base = Baseline(
        area=area,
        groups=groups,
        start_year=start_year,
        start_month=start_month,
        months=max(months, burn_in),
        initial=initial,
        population=np.repeat(pop[:, :1], max(years, (max(months, burn_in) + 11) // 12 + 2), 1),
        inflow=Rate(rate, np.full((m, g), sd)),
        inflow_trend=Rate(np.ones((m, g)), np.zeros((m, g))),
        outcomes=outcomes,
        places=places,
        pooling=("region", "municipality", "region"),
        homes=np.repeat(homes[:, :1], max(years, (max(months, burn_in) + 11) // 12 + 2), 1),
        price_per_day=price,
    )
    initial = _burn_in(base, burn_in) if burn_in else initial
    trend = (
        np.array([[1.0 if y else 1.01 for y in young]] * m) if g > 1 else np.full((m, 1), 1.0075)
    )
    return Baseline(
        area=area,
        groups=groups,
        start_year=start_year,
        start_month=start_month,
        months=months,
        initial=initial,
        population=pop,
        inflow=Rate(rate, np.full((m, g), sd)),
        inflow_trend=Rate(trend, np.full((m, g), 0.01 * uncertainty)),
        outcomes=outcomes,
        places=places,
        pooling=("region", "municipality", "region"),
        homes=homes,
        price_per_day=price,
        meta={"demo": True},
    )


def _burn_in(b: Baseline, months: int) -> FloatArray:
    """Stocks after ``months`` of the expected-value model, rounded to whole people."""
    from doorstroom.core.forecast.engine import final_state

    state = final_state(b, months)
    return np.asarray(np.round(state), dtype=np.float64)
