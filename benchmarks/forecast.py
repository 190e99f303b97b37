"""Forecast engine speed and memory (issue 6, PRODUCT.md quality bars).

Prints, each case in a fresh subprocess (so peak memory is the case's own):

- sampler: ns per binomial draw, ours vs numpy's Generator.binomial;
- expected-value mode, 1,000 parameter draws, the largest demo region (Zeeland, 13
  municipalities, 2 age bands, 180 months): bands for the region (interactive) and for all
  municipalities;
- stochastic mode, 10,000 runs x 180 months x 30 municipalities x all states (2 age bands;
  also 1 age band), on 2 threads: wall time, CPU time, peak memory (target < 10 s, 500 MB);
- the country (342 municipalities in 35 regions), 1,000 runs, stochastic;
- PySD: the same deterministic model exported to XMILE, run in PySD, agreement and speed;
- the capacity planner on Zeeland;
- backtests on five synthetic histories: MAPE of the stocks and coverage of the P10-P90
  band.

Wall times are the best of ``--repeat`` runs; the machine may be shared, so CPU time is
printed as well. Run:

    .venv/bin/python benchmarks/forecast.py            # everything (a few minutes)
    .venv/bin/python benchmarks/forecast.py --only stochastic --repeat 3
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
DATA = ROOT / "src" / "doorstroom" / "reference" / "data"


def zeeland(months: int = 180, groups: tuple[str, ...] = ("18-24", "25+")):  # type: ignore[no-untyped-def]
    from doorstroom.core.forecast import demo
    from doorstroom.core.reference import parse_municipalities, parse_regions

    munis = parse_municipalities((DATA / "municipalities_2025.csv").read_text())
    regions = parse_regions((DATA / "demo_regions.csv").read_text(), {m.code for m in munis})
    names = {m.code: m.name for m in munis}
    largest = max(regions, key=lambda r: len(r.members))
    area = demo.area_of([(largest.name, [(c, names[c]) for c in largest.members])])
    pop = [largest.approx_population[c] for c in largest.members]
    return demo.demo_baseline(area, pop, months=months, groups=groups)


def region30(groups: tuple[str, ...]):  # type: ignore[no-untyped-def]
    from doorstroom.core.forecast import demo

    area, pop = demo.synthetic_country(30, 1, seed=30, total=1_100_000)
    return demo.demo_baseline(area, pop, months=180, groups=groups)


def jit_first_call() -> float:
    """Seconds of the first expected-value run in a fresh process: importing numba and
    loading the compiled kernel from numba's cache (compiling it in a fresh checkout). Timed
    on a one-municipality baseline whose burn-in is the first call, before anything else."""
    from doorstroom.core.forecast import demo

    area = demo.area_of([("R", [("GM0001", "A")])])
    t0 = time.perf_counter()
    demo.demo_baseline(area, [10_000], months=1, burn_in=1)
    return time.perf_counter() - t0


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def timed(fn, repeat: int) -> tuple[float, float, object]:  # type: ignore[no-untyped-def]
    """Best wall time and best CPU time (this process and its worker processes)."""
    best_wall, best_cpu, result = float("inf"), float("inf"), None
    for _ in range(repeat):
        c0, k0, w0 = time.process_time(), _children_cpu(), time.perf_counter()
        result = fn()
        best_wall = min(best_wall, time.perf_counter() - w0)
        best_cpu = min(best_cpu, time.process_time() - c0 + _children_cpu() - k0)
    return best_wall, best_cpu, result


def peak_mb() -> float:
    """Peak resident memory: this process plus two worker processes at their peak (an
    upper bound: forked workers share pages with this process)."""
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return me + 2 * child


# ---------------------------------------------------------------- cases
def case_sampler(args: argparse.Namespace) -> dict[str, object]:
    import numpy as np

    from doorstroom.core.forecast import sampler as smp

    n = 1_000_000
    rng = np.random.Generator(np.random.SFC64(1))
    nn = rng.integers(0, 60, n).astype(np.float32)
    pp = (rng.random(n) * 0.2).astype(np.float32)
    base = smp.class_base(pp, rng.random(n))
    out = np.empty(n, np.float32)
    s = smp.Sampler(n)

    def ours() -> None:
        bits = rng.bit_generator.random_raw(n // 2).view(np.uint32)
        s.draw(nn, pp, base, bits, out)

    def numpy_binomial() -> None:
        rng.binomial(nn.astype(np.int64), pp.astype(np.float64))

    w1, c1, _ = timed(ours, args.repeat * 3)
    w2, c2, _ = timed(numpy_binomial, args.repeat)
    return {
        "ns_per_draw_ours": round(w1 / n * 1e9, 2),
        "ns_per_draw_ours_cpu": round(c1 / n * 1e9, 2),
        "ns_per_draw_numpy_binomial": round(w2 / n * 1e9, 2),
        "ns_per_draw_numpy_binomial_cpu": round(c2 / n * 1e9, 2),
        "table_mean_error": smp.table_error(),
    }


def case_expected(args: argparse.Namespace) -> dict[str, object]:
    from doorstroom.core.forecast.engine import RunConfig, project

    first = jit_first_call()  # the compiled kernel's one-off cost, apart from the timings
    b = zeeland()
    res: dict[str, object] = {
        "jit_first_call_s": round(first, 3),
        "municipalities": b.area.size,
        "groups": len(b.groups),
        "months": b.months,
    }
    project(b, config=RunConfig(mode="expected", runs=10))  # warm up (tables, imports)
    for bands in ("regions", "all"):
        cfg = RunConfig(mode="expected", runs=1000, bands=bands)  # type: ignore[arg-type]
        wall, cpu, _ = timed(lambda cfg=cfg: project(b, config=cfg), args.repeat)
        res[f"bands_{bands}_s"] = round(wall, 3)
        res[f"bands_{bands}_cpu_s"] = round(cpu, 3)
    b120 = zeeland(months=120)
    cfg = RunConfig(mode="expected", runs=1000, bands="regions")
    wall, _, _ = timed(lambda: project(b120, config=cfg), args.repeat)
    res["bands_regions_120_months_s"] = round(wall, 3)
    res["peak_mb"] = round(peak_mb())
    return res


def case_stochastic(args: argparse.Namespace) -> dict[str, object]:
    from doorstroom.core.forecast.engine import RunConfig, project

    groups = ("18-24", "25+") if args.groups == 2 else ("all",)
    b = region30(groups)
    cfg = RunConfig(
        mode="stochastic",
        runs=args.runs,
        batch_size=args.batch,
        workers=args.workers,
        bins=args.bins,
    )
    project(b, config=RunConfig(mode="stochastic", runs=20, batch_size=20))  # warm up
    wall, cpu, p = timed(lambda: project(b, config=cfg), args.repeat)
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {
        "runs": args.runs,
        "months": b.months,
        "municipalities": b.area.size,
        "groups": len(groups),
        "workers": args.workers,
        "batch": args.batch,
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "peak_mb": round(peak_mb()),
        "peak_mb_main": round(me),
        "peak_mb_worker": round(child),
        "outside_max": float(p.outside.max()),  # type: ignore[attr-defined]
    }


def case_country(args: argparse.Namespace) -> dict[str, object]:
    from doorstroom.core.forecast import demo
    from doorstroom.core.forecast.engine import RunConfig, project

    area, pop = demo.synthetic_country(342, 35, seed=1)
    b = demo.demo_baseline(area, pop, months=180)
    cfg = RunConfig(mode="stochastic", runs=1000, batch_size=125, workers=args.workers, bins=32)
    wall, cpu, _ = timed(lambda: project(b, config=cfg), 1)
    return {
        "municipalities": area.size,
        "regions": len(area.region_names),
        "runs": 1000,
        "wall_s": round(wall, 1),
        "cpu_s": round(cpu, 1),
        "peak_mb": round(peak_mb()),
    }


def case_pysd(args: argparse.Namespace) -> dict[str, object]:
    import warnings

    import numpy as np

    warnings.simplefilter("ignore")
    import pysd

    from doorstroom.core.forecast.engine import STOCK_OUTPUTS, RunConfig, project
    from doorstroom.core.forecast.xmile import to_xmile

    first_call = jit_first_call()
    b = zeeland()
    doc = to_xmile(b)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "zeeland.xmile"
        path.write_text(doc)
        t0 = time.perf_counter()
        model = pysd.read_xmile(str(path))
        translate = time.perf_counter() - t0
        cols = [f"out_{o}_m{m}" for o in STOCK_OUTPUTS for m in range(b.area.size)]
        wall_pysd, _, df = timed(lambda: model.run(return_columns=cols), max(1, args.repeat // 2))
    # one deterministic run through the public API: expected-value mode, the parameter
    # means, one draw; its means are the run (the compiled kernel, loaded before: timed apart)
    one = RunConfig(mode="expected", runs=1, fixed=True)
    project(b, config=one)
    wall_one, cpu_one, p = timed(lambda: project(b, config=one), args.repeat * 4)
    # the same run through the reference numpy loop (run_batch, kept for paths)
    ref = RunConfig(mode="expected", runs=1, fixed=True, keep_paths=True)
    wall_ref, _, p_ref = timed(lambda: project(b, config=ref), args.repeat)
    batch = RunConfig(mode="expected", runs=1000, fixed=True, bands="regions")
    wall_batch, _, _ = timed(lambda: project(b, config=batch), args.repeat)
    worst = worst_ref = 0.0
    for o in STOCK_OUTPUTS:
        for m in range(b.area.size):
            mine = p.mean[p.outputs.index(o), m]  # type: ignore[attr-defined]
            numpy_loop = p_ref.paths[0, p_ref.outputs.index(o), m]  # type: ignore[attr-defined]
            theirs = df[f"out_{o}_m{m}"].to_numpy()[1:]  # type: ignore[index]
            scale = np.maximum(np.abs(theirs), 1)
            worst = max(worst, float(np.max(np.abs(mine - theirs) / scale)))
            worst_ref = max(worst_ref, float(np.max(np.abs(numpy_loop - theirs) / scale)))
    return {
        "variables": doc.count("<stock") + doc.count("<flow") + doc.count("<aux"),
        "pysd_translate_s": round(translate, 1),
        "pysd_run_s": round(wall_pysd, 3),
        "jit_first_call_s": round(first_call, 3),
        "ours_single_run_s": round(wall_one, 5),
        "ours_single_run_cpu_s": round(cpu_one, 5),
        "numpy_loop_single_run_s": round(wall_ref, 4),
        "ours_per_run_in_1000_batch_ms": round(wall_batch, 4),
        "speedup_single_run": round(wall_pysd / wall_one, 1),
        "speedup_per_run_batched": round(wall_pysd / (wall_batch / 1000)),
        "max_relative_difference": worst,
        "max_relative_difference_numpy_loop": worst_ref,
    }


def case_planner(args: argparse.Namespace) -> dict[str, object]:
    from doorstroom.core.forecast.planner import Target, plan_capacity

    b = zeeland(months=180)
    region = b.area.region_names[0]
    targets = [
        Target("wait_bw", "2030-12", 1.5, 0.9, unit=region),
        Target("wait_bt", "2030-12", 1.5, 0.9, unit=region),
    ]
    wall, cpu, res = timed(
        lambda: plan_capacity(b, targets, draws=100, max_steps=200, verify_runs=500), 1
    )
    return {
        "targets": "P90 of the region's BW and BT waiting time <= 1.5 months in 2030-12",
        "wall_s": round(wall, 1),
        "cpu_s": round(cpu, 1),
        "steps": len(res.steps),  # type: ignore[attr-defined]
        "met": res.met,  # type: ignore[attr-defined]
        "start_p90": [round(v, 2) for v in res.start],  # type: ignore[attr-defined]
        "verified_p90": [round(v, 2) for v in (res.verified or ())],  # type: ignore[attr-defined]
        "extra_places": sum(res.extra_places.values()),  # type: ignore[attr-defined]
        "extra_cost_per_year": round(res.extra_cost_per_year),  # type: ignore[attr-defined]
    }


def case_backtest(args: argparse.Namespace) -> dict[str, object]:
    from datetime import date

    import numpy as np

    from doorstroom.core import synthetic
    from doorstroom.core.forecast import demo
    from doorstroom.core.forecast.backtest import backtest
    from doorstroom.core.synthetic import MunicipalitySpec, RegionSpec

    spec = RegionSpec(
        "Zuidwest-Drenthe",
        "GM0118",
        (
            MunicipalitySpec("GM0118", "Hoogeveen", 56000),
            MunicipalitySpec("GM0119", "Meppel", 35000),
            MunicipalitySpec("GM1690", "De Wolden", 24500),
            MunicipalitySpec("GM1701", "Westerveld", 20000),
        ),
    )
    area = demo.area_of([(spec.name, [(m.code, m.name) for m in spec.municipalities])])
    pop = {m.code: m.population for m in spec.municipalities}
    mape: dict[str, list[float]] = {}
    cover: dict[str, list[float]] = {}
    overall = []
    t0 = time.perf_counter()
    for seed in range(1, 6):
        data = synthetic.generate([spec], end=date(2025, 12, 31), years=6, seed=seed)
        res = backtest(data.log, area, pop, cutoff=date(2023, 1, 1), months=36, runs=500, seed=seed)
        overall.append(res.coverage_all)
        for o in res.outputs:
            mape.setdefault(o, []).append(res.mape[o])
            cover.setdefault(o, []).append(res.coverage[o])
    return {
        "histories": 5,
        "fit": "2020-2022",
        "forecast": "2023-2025 (36 months)",
        "coverage_P10_P90_all": round(float(np.mean(overall)), 3),
        "claimed": 0.8,
        "mape": {o: round(float(np.mean(v)), 3) for o, v in mape.items()},
        "coverage": {o: round(float(np.mean(v)), 2) for o, v in cover.items()},
        "wall_s": round(time.perf_counter() - t0, 1),
    }


CASES = {
    "sampler": case_sampler,
    "expected": case_expected,
    "stochastic": case_stochastic,
    "country": case_country,
    "pysd": case_pysd,
    "planner": case_planner,
    "backtest": case_backtest,
}


def _tree_pss_mb(pid: int) -> float:
    """Proportional set size of a process and its descendants (shared pages counted once
    in total), in MB; 0 where /proc is not available."""
    total = 0.0
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += float(line.split()[1]) / 1024
                    break
            for task in Path(f"/proc/{p}/task").iterdir():
                kids = (task / "children").read_text().split()
                todo.extend(int(k) for k in kids)
        except OSError:
            continue
    return total


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--only", choices=sorted(CASES), action="append")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--groups", type=int, default=2, choices=(1, 2))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch", type=int, default=250)
    parser.add_argument("--bins", type=int, default=128)
    parser.add_argument("--case", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:  # child process: one case, JSON on stdout
        print(json.dumps(CASES[args.case](args)))
        return
    todo = args.only or list(CASES)
    print(f"# forecast benchmark, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    for name in todo:
        variants = [args.groups]
        if name == "stochastic" and not args.only:
            variants = [2, 1]
        for groups in variants:
            cmd = [
                sys.executable, __file__, "--case", name, "--repeat", str(args.repeat),
                "--runs", str(args.runs), "--groups", str(groups), "--workers", str(args.workers),
                "--batch", str(args.batch), "--bins", str(args.bins),
            ]  # fmt: skip
            proc = subprocess.Popen(  # noqa: S603 (this script)
                cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
            )
            peak_pss = 0.0
            while proc.poll() is None:
                peak_pss = max(peak_pss, _tree_pss_mb(proc.pid))
                time.sleep(0.2)
            stdout, stderr = proc.communicate()
            if proc.returncode != 0:
                print(f"{name}: FAILED\n{stderr[-2000:]}")
                continue
            result = json.loads(stdout.strip().splitlines()[-1])
            result["peak_pss_mb_all_processes"] = round(peak_pss)
            print(f"{name}: " + ", ".join(f"{k}={v}" for k, v in result.items()))


if __name__ == "__main__":
    main()
