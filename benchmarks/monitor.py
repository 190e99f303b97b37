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
import http.client
import os
import resource
import sys
import time
import tracemalloc
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
DATA = ROOT / "src" / "doorstroom" / "reference" / "data"
TODAY = datetime.now(ZoneInfo("Europe/Amsterdam")).date()


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


# ---------------------------------------------------------------- the dashboard under load
PASSWORD = "bench-password-1"  # noqa: S105  (a throwaway benchmark database)


def _bench_database(url: str, reuse: bool) -> tuple[str, bool]:
    """A fresh database next to the one in ``url``: <name>_bench (or the existing one)."""
    import psycopg

    base, name = url.rsplit("/", 1)
    bench = f"{name}_bench"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [bench]).fetchone()
        if reuse and exists:
            return f"{base}/{bench}", True
        conn.execute(f'DROP DATABASE IF EXISTS "{bench}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{bench}"')
    return f"{base}/{bench}", False


def _prepare(data: object, users: int) -> list[tuple[str, str]]:
    """Reference data, the national regions, the synthetic history, users, a snapshot."""
    import django
    from django.core.management import call_command

    django.setup()
    from doorstroom.accounts.models import User
    from doorstroom.core.roles import OrganisationKind, Role
    from doorstroom.journey.synthetic import synthetic_load
    from doorstroom.monitor.models import MonitorTarget
    from doorstroom.monitor.services import snapshot_refresh
    from doorstroom.organisations.models import Organisation
    from doorstroom.reference.models import Municipality, Region, RegionMembership
    from doorstroom.reference.services import reference_data_load

    call_command("migrate", verbosity=0)
    reference_data_load()
    for spec in data.regions:  # type: ignore[attr-defined]
        if Region.objects.filter(name=spec.name).exists():
            continue
        region = Region.objects.create(
            name=spec.name,
            slug=spec.key.lower().replace(" ", "-"),
            centre=Municipality.objects.get(code=spec.centre),
        )
        for m in spec.municipalities:
            RegionMembership.objects.create(
                region=region, municipality=Municipality.objects.get(code=m.code)
            )
    start = time.perf_counter()
    result = synthetic_load(data)  # type: ignore[arg-type]
    print(
        f"loaded into PostgreSQL: {result.clients:,} clients, {result.events:,} events "
        f"in {time.perf_counter() - start:.0f} s"
    )
    start = time.perf_counter()
    snapshot = snapshot_refresh()
    print(
        f"monitor snapshot of the whole country (read the log from PostgreSQL, derive the "
        f"spells, store them): {time.perf_counter() - start:.1f} s, "
        f"{len(bytes(snapshot.data)) / 2**20:.1f} MB"
    )
    region = Region.objects.get(slug="groningen")
    office = Organisation.objects.create(
        region=region, kind=OrganisationKind.REGION_OFFICE, name="Benchmark regiobureau"
    )
    logins = []
    for i in range(users):
        role = Role.POLICY_ADVISOR if i % 2 == 0 else Role.ACCESS_OFFICER
        user = User(username=f"bench{i}", organisation=office, role=role.value)
        user.set_password(PASSWORD)
        user.save()
        logins.append((user.username, PASSWORD))
    MonitorTarget.objects.create(
        region=region,
        kpi="applications_youth",
        baseline_year=TODAY.year - 2,
        target_year=TODAY.year + 2,
        change_percent=-20,
        created_by=user,
    )
    return logins


class Visitor:
    """One user: logs in, then loads monitor pages over a kept-alive connection."""

    def __init__(self, port: int, username: str, password: str) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies: dict[str, str] = {}
        self.get("/account/inloggen/")
        body = (
            f"csrfmiddlewaretoken={self.cookies['csrftoken']}&username={username}"
            f"&password={password}&next=/"
        )
        self.request("POST", "/account/inloggen/", body)

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, float]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://127.0.0.1{path}"
        start = time.perf_counter()
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
        except (ConnectionError, http.client.HTTPException):
            # the server closed an idle kept-alive connection: open a new one, as browsers do
            self.conn.close()
            start = time.perf_counter()
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
        response.read()
        elapsed = time.perf_counter() - start
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, rest = value.split("=", 1)
                self.cookies[name] = rest.split(";", 1)[0]
        return response.status, elapsed

    def get(self, path: str) -> tuple[int, float]:
        return self.request("GET", path)


PAGES = [
    ("/monitor/", 8),
    ("/monitor/?municipality=GM0014", 2),
    ("/monitor/?municipality=GM1952&age_band=18-24", 1),
    ("/monitor/?product=bw", 1),
    ("/monitor/gemeenten/", 4),
    ("/monitor/routes/", 2),
    ("/monitor/doelen/", 2),
]


def _load(port: int, logins: list[tuple[str, str]], seconds: float, think: float) -> list[float]:
    import random
    import threading

    visitors = [Visitor(port, u, p) for u, p in logins]
    latencies: list[float] = []
    errors: list[int] = []
    lock = threading.Lock()
    stop = time.perf_counter() + seconds
    paths = [path for path, weight in PAGES for _ in range(weight)]

    def run(visitor: Visitor, seed: int) -> None:
        rng = random.Random(seed)
        if think:
            time.sleep(rng.random() * think)  # users do not start in step
        while time.perf_counter() < stop:
            status, elapsed = visitor.get(rng.choice(paths))
            with lock:
                (latencies if status == 200 else errors).append(
                    elapsed if status == 200 else status
                )
            if think:
                time.sleep(rng.expovariate(1 / think))

    threads = [threading.Thread(target=run, args=(v, i)) for i, v in enumerate(visitors)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        print(f"  {len(errors)} requests failed: statuses {sorted(set(errors))}")
    return latencies


def _report(name: str, latencies: list[float], seconds: float) -> None:
    import numpy as np

    ms = np.array(latencies) * 1000
    print(
        f"{name}: {len(ms):,} pages in {seconds} s ({len(ms) / seconds:.0f}/s); "
        f"p50 {np.percentile(ms, 50):.0f} ms, p95 {np.percentile(ms, 95):.0f} ms, "
        f"p99 {np.percentile(ms, 99):.0f} ms, max {ms.max():.0f} ms (target p95 < 200 ms)"
    )


def web_part(data: object, *, users: int, seconds: int, think: float, reuse: bool) -> None:
    import subprocess
    import tempfile

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("--web needs DATABASE_URL=postgres://... (the benchmark makes <name>_bench)")
    bench_url, reused = _bench_database(url, reuse)
    var = tempfile.mkdtemp(prefix="doorstroom-bench-")
    os.environ.update(
        DATABASE_URL=bench_url,
        DJANGO_SETTINGS_MODULE="doorstroom.conf.demo",
        DOORSTROOM_VAR_DIR=var,
    )
    if reused:
        import django

        django.setup()
        print(f"reusing the loaded database {bench_url.rsplit('/', 1)[1]}")
        logins = [(f"bench{i}", PASSWORD) for i in range(users)]
    else:
        logins = _prepare(data, users)
    from django.db import connections

    connections.close_all()
    port = 8799
    server = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "gunicorn",
            "doorstroom.conf.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--threads",
            "8",
            "--worker-class",
            "gthread",
            "--log-level",
            "warning",
        ],
        env=dict(os.environ),
    )
    try:
        time.sleep(4)
        warm = Visitor(port, *logins[0])
        print("first views (cold: the process loads the snapshot and computes the figures):")
        for path, _weight in PAGES:
            for attempt in ("cold", "warm"):
                status, elapsed = warm.get(path)
                print(f"  {path:48s} {attempt}: {elapsed * 1000:5.0f} ms ({status})")
        # every worker process warms its own caches
        for _ in range(8):
            for path, _w in PAGES:
                Visitor(port, *logins[1]).get(path)
        latencies = _load(port, logins, seconds, think=0.0)
        _report(f"{users} users, no think time (closed loop, worst case)", latencies, seconds)
        latencies = _load(port, logins, seconds, think=think)
        _report(f"{users} users, {think:.0f} s think time between pages", latencies, seconds)
    finally:
        server.terminate()
        server.wait()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--years", type=int, default=7, help="years of history (default 7)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3, help="timings are the best of N runs")
    parser.add_argument(
        "--web", action="store_true", help="also the dashboard under load (PostgreSQL)"
    )
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=30, help="duration of each load phase")
    parser.add_argument(
        "--reuse-db",
        action="store_true",
        help="use <name>_bench as loaded by an earlier --web run (loading takes minutes)",
    )
    parser.add_argument(
        "--think", type=float, default=1.0, help="think time of a user between pages (phase 2)"
    )
    args = parser.parse_args()
    end = TODAY
    data = core_part(args.years, args.seed, end, args.runs)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory of this process so far: {rss:,.0f} MB")
    if args.web:
        web_part(
            data, users=args.users, seconds=args.seconds, think=args.think, reuse=args.reuse_db
        )


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "doorstroom.conf.test")
    main()
