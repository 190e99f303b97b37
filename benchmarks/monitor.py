"""The regional monitor at national scale.

Part 1 (always): generates a synthetic event log for the whole country (342
municipalities: the five demo regions plus synthetic regions per province) and times
every monthly monitor figure (``core.metrics.compute``, from the columnar event log: the
spells are derived first) for the largest demo region and for the whole country.
Targets: region < 1 s, country < 5 s.

Part 2 (``--web``, needs PostgreSQL in DATABASE_URL): loads the national log into a fresh
database ``<name>_bench``, makes the monitor snapshot, starts gunicorn on loopback and lets
50 concurrent users (each with their own session, policy advisors and access officers of
the demo region) load monitor pages; prints latency percentiles. Target: p95 < 200 ms.

    .venv/bin/python benchmarks/monitor.py [--years 7] [--seed 1]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/doorstroom .venv/bin/python benchmarks/monitor.py --web
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import sys
import time
import tracemalloc
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
DATA = ROOT / "src" / "doorstroom" / "reference" / "data"


def national(years: int, seed: int, end: date) -> object:
    from doorstroom.core import synthetic

    with (DATA / "demo_regions.csv").open(encoding="utf-8") as fh:
        demo = synthetic.regions_from_rows(list(csv.DictReader(fh)))
    with (DATA / "municipalities_2025.csv").open(encoding="utf-8") as fh:
        municipalities = [
            (r["gemeentecode_gm"], r["gemeentenaam"], r["provincienaam"])
            for r in csv.DictReader(fh)
        ]
    regions = synthetic.national_regions(municipalities, demo)
    return synthetic.generate(
        regions,
        end=end,
        years=years,
        seed=seed,
        municipalities=[code for code, _, _ in municipalities],
    )


def best_of(runs: int, fn: object) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()  # type: ignore[operator]
        best = min(best, time.perf_counter() - start)
    return best, result


def core_part(years: int, seed: int, end: date, runs: int) -> object:
    from doorstroom.core import metrics
    from doorstroom.core.eventlog import derive_spells

    start = time.perf_counter()
    data = national(years, seed, end)
    generated = time.perf_counter() - start
    log = data.log  # type: ignore[attr-defined]
    print(
        f"synthetic country: {len(data.regions)} regions, "  # type: ignore[attr-defined]
        f"{len(log.municipalities)} municipalities, {log.clients:,} clients, {len(log):,} events "
        f"({data.start:%Y-%m} to {data.end:%Y-%m}, {years} years after a burn-in), "  # type: ignore[attr-defined]
        f"generated in {generated:.1f} s"
    )
    months = metrics.Months.between(data.history_start, data.end)  # type: ignore[attr-defined]
    largest = max(range(len(data.regions)), key=lambda i: data.regions[i].population)  # type: ignore[attr-defined]
    region_key = log.regions[largest]

    def region() -> object:
        spells = derive_spells(log.for_regions([largest]))
        return metrics.compute(spells, months)

    def country() -> object:
        return metrics.compute(derive_spells(log), months)

    t_region, figures = best_of(runs, region)
    t_country, all_figures = best_of(runs, country)
    spells_time, _ = best_of(runs, lambda: derive_spells(log))
    tracemalloc.start()
    country()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"all monthly figures, region {region_key} ({len(months)} months, "
        f"{figures.table.height:,} figures): {t_region * 1000:.0f} ms (target < 1000 ms)"  # type: ignore[attr-defined]
    )
    print(
        f"all monthly figures, whole country ({all_figures.table.height:,} figures): "  # type: ignore[attr-defined]
        f"{t_country:.2f} s (target < 5 s); of which deriving the spells {spells_time:.2f} s; "
        f"peak Python memory {peak / 2**20:,.0f} MB"
    )
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--years", type=int, default=7, help="years of history (default 7)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3, help="timings are the best of N runs")
    parser.add_argument("--web", action="store_true", help="also the dashboard under load (PostgreSQL)")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=30, help="duration of each load phase")
    args = parser.parse_args()
    end = date.today()
    data = core_part(args.years, args.seed, end, args.runs)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory of this process so far: {rss:,.0f} MB")
    if args.web:
        from benchmarks_web import web_part  # type: ignore[import-not-found]

        web_part(data, users=args.users, seconds=args.seconds)


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "doorstroom.conf.test")
    main()
