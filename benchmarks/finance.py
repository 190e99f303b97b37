"""Finance core at national scale: realised costs of 50,000 clients, the phase-in
distribution and the solidarity fund for 342 municipalities.

Pure core (no database): the figures are what the web layer adds its queries to. Prints
wall-clock seconds (best of ``--repeat`` runs) for:

- realised costs for one year: ``--clients`` clients with one to three stays each over
  three years, ``--facilities`` facilities with three tariff periods each plus product
  tariffs; the number of charged stay segments is printed too;
- the distribution (historical/objective with a phase-in path) for 342 municipalities,
  ten years;
- the solidarity fund with a loss cap for 342 municipalities (exact Fractions and the
  water-filling of the caps).

    .venv/bin/python benchmarks/finance.py --clients 50000

With ``--db`` it also measures what a finance page does with the database: it creates a
test database (from DATABASE_URL, SQLite by default), loads the synthetic history of the
demo regions (``journey.synthetic``, ``--years`` years), and times, for the largest region:
reading its event log and deriving the stays, the realised costs of the last full year from
them, and the fund preview (budgets, population, realised costs, settlement).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from doorstroom.core.finance import (
    Cap,
    CapKind,
    CostStay,
    FundKey,
    FundMember,
    FundSettings,
    Payment,
    PhaseInPath,
    Tariff,
    distribute,
    realised_costs,
    settle,
)
from doorstroom.core.journey import PLACE_PRODUCTS

MUNICIPALITIES = [f"GM{n:04d}" for n in range(1, 343)]


def best(repeat: int, work: Callable[[], Any]) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - start)
    return min(times), result


def stays_and_tariffs(
    clients: int, facilities: int, rng: random.Random
) -> tuple[list[CostStay], list[Tariff]]:
    products = sorted(PLACE_PRODUCTS, key=str)
    facility_product = {f: rng.choice(products) for f in range(1, facilities + 1)}
    tariffs = []
    for f, _product in facility_product.items():
        tariffs.append(
            Tariff(Decimal(rng.randint(4000, 20000)) / 100, None, date(2024, 12, 31), facility_id=f)
        )
        tariffs.append(
            Tariff(
                Decimal(rng.randint(4000, 20000)) / 100,
                date(2025, 1, 1),
                date(2025, 6, 30),
                facility_id=f,
            )
        )
        tariffs.append(
            Tariff(Decimal(rng.randint(4000, 20000)) / 100, date(2025, 7, 1), None, facility_id=f)
        )
    for product in products:
        tariffs.append(Tariff(Decimal("100.00"), product=product))
    stays = []
    begin = date(2023, 1, 1)
    for client in range(clients):
        day = begin + timedelta(days=rng.randint(0, 700))
        municipality = rng.choice(MUNICIPALITIES)
        for n in range(rng.randint(1, 3)):
            facility = rng.randint(1, facilities)
            length = rng.randint(0, 500)
            end: date | None = day + timedelta(days=length)
            if n == 2 or rng.random() < 0.3:
                end = None if rng.random() < 0.5 else end
            stays.append(
                CostStay(client, facility, facility_product[facility], day, end, municipality)
            )
            if end is None:
                break
            day = end + timedelta(days=rng.randint(0, 30))
    return stays, tariffs


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=50_000)
    parser.add_argument("--facilities", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--db", action="store_true", help="also time the database path")
    parser.add_argument("--years", type=int, default=5, help="synthetic history (--db)")
    args = parser.parse_args()
    rng = random.Random(2026)
    core(args, rng)
    if args.db:
        database(args)


def database(args: argparse.Namespace) -> None:
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "doorstroom.conf.test")
    import django

    django.setup()
    from django.conf import settings
    from django.test.utils import get_runner

    runner = get_runner(settings)(verbosity=0)
    old_config = runner.setup_databases()
    try:
        run_database(args)
    finally:
        runner.teardown_databases(old_config)


def run_database(args: argparse.Namespace) -> None:
    from django.db.models import Count
    from django.utils import timezone

    from doorstroom.accounts.models import User
    from doorstroom.core.eventlog import derive_spells
    from doorstroom.core.finance.costs import stays_from_frame
    from doorstroom.core.roles import Role
    from doorstroom.finance import models, selectors
    from doorstroom.finance.realised import region_costs
    from doorstroom.journey.eventlog import event_log_load
    from doorstroom.journey.synthetic import demo_synthetic_data, region_office, synthetic_load
    from doorstroom.reference.models import Region
    from doorstroom.reference.services import reference_data_load

    reference_data_load()
    today = timezone.localdate()
    start = time.perf_counter()
    loaded = synthetic_load(demo_synthetic_data(end=today, years=args.years))
    print(
        f"synthetic history loaded: {loaded.clients:,} clients, {loaded.events:,} events "
        f"in {time.perf_counter() - start:.1f} s"
    )
    region = Region.objects.annotate(n=Count("facilities")).order_by("-n").first()
    assert region is not None
    year = today.year - 1
    first, last = date(year, 1, 1), date(year, 12, 31)

    def read() -> Any:
        return stays_from_frame(derive_spells(event_log_load(region_ids=[region.pk])).stays)

    seconds, stays = best(args.repeat, read)
    print(
        f"{region.name}: event log read and stays derived ({len(stays):,} stays): {seconds:.2f} s"
    )
    seconds, costs = best(args.repeat, lambda: region_costs(region, first, last, actor=None))
    print(
        f"{region.name}: realised costs {year} from the database, end to end "
        f"(EUR {costs.total:,}): {seconds:.2f} s"
    )
    user = User.objects.create(
        username="bench-finance", organisation=region_office(region), role=Role.FINANCE_ADVISOR
    )
    fund = models.SolidarityFund.objects.create(region=region, need_streams=["bw", "mo"])
    from doorstroom.audit.services import Actor

    actor = Actor.for_user(user, "benchmark")
    seconds, preview = best(
        args.repeat, lambda: selectors.fund_preview(user, actor, fund, year, None)
    )
    print(f"{region.name}: fund preview {year} (realised costs paid by the fund): {seconds:.2f} s")
    assert preview.result is not None or preview.error


def core(args: argparse.Namespace, rng: random.Random) -> None:

    stays, tariffs = stays_and_tariffs(args.clients, args.facilities, rng)
    seconds, result = best(
        args.repeat, lambda: realised_costs(stays, tariffs, date(2025, 1, 1), date(2025, 12, 31))
    )
    print(
        f"realised costs, one year: {args.clients:,} clients, {len(stays):,} stays, "
        f"{len(result.details):,} detail lines, {len(result.lines):,} municipality-stream-month "
        f"lines, total EUR {result.total:,}: {seconds:.2f} s"
    )

    hist = {m: Decimal(rng.randint(0, 10**9)) / 100 for m in MUNICIPALITIES}
    obj = {m: Decimal(rng.randint(0, 10**9)) / 100 for m in MUNICIPALITIES}
    path = PhaseInPath.linear(2025, 10)
    seconds, _ = best(
        args.repeat, lambda: [distribute(y, hist, obj, path) for y in range(2025, 2035)]
    )
    print(f"distribution, 342 municipalities x 10 years: {seconds * 1000:.1f} ms")

    members = [
        FundMember(m, hist[m], obj[m], hist[m], rng.randint(1000, 900_000), Decimal(0))
        for m in MUNICIPALITIES
    ]
    payments = [
        Payment(f"kosten {m}", Decimal(rng.randint(0, 10**8)) / 100, m) for m in MUNICIPALITIES
    ]
    payments.append(Payment("extern", Decimal("1234567.89")))
    fund_settings = FundSettings(
        FundKey.POPULATION, (Cap(CapKind.LOSS, percent=Decimal(2)),), Decimal(1), Decimal("1e9")
    )
    seconds, fund = best(args.repeat, lambda: settle(2025, members, payments, fund_settings))
    held = sum(line.capped for line in fund.lines)
    print(
        f"solidarity fund with a loss cap, 342 municipalities ({held} held at the cap): "
        f"{seconds * 1000:.1f} ms"
    )


if __name__ == "__main__":
    main()
