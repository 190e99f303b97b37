"""Chart rendering speed: how long does one server-side SVG chart take?

Target: a line chart of 72 months x 6 series (with a P10-P90 band and targets) in under
2 ms, so that a dashboard with a dozen charts spends its time on data, not drawing.
Also measures a grouped bar chart of 30 municipalities x 3 series, a Sankey of 12 nodes,
and the HTML of a 342-row table (every municipality) and its disclosure control.

    .venv/bin/python benchmarks/charts.py [--repeat 300]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "doorstroom.conf.test")


def measure(label: str, action: Callable[[], object], repeat: int) -> None:
    action()  # warm up (translations, formats)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    times.sort()
    p95 = times[int(0.95 * (len(times) - 1))]
    print(
        f"{label:58s} median {statistics.median(times) * 1000:7.3f} ms   p95 {p95 * 1000:7.3f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=300)
    args = parser.parse_args()

    import django

    django.setup()
    from datetime import date
    from random import Random

    from django.utils import translation

    from doorstroom.web.charts import Target, bar_chart, line_chart, sankey
    from doorstroom.web.tables import BODY, Column, Row, Table

    translation.activate("nl")
    rng = Random(1)

    months = [date(2019 + i // 12, i % 12 + 1, 1) for i in range(72)]
    columns = [Column("month", "Maand", "month")]
    columns += [Column(f"s{s}", f"Gemeente {s}", "int") for s in range(6)]
    columns += [Column("p10", "P10", "int"), Column("p90", "P90", "int")]
    rows = []
    for m in months:
        row: dict[str, object] = {"month": m}
        for s in range(6):
            row[f"s{s}"] = rng.randint(20, 200)
        row["p10"], row["p90"] = 15, 220
        rows.append(row)
    monthly = Table("inflow", "Instroom per maand", columns, rows)
    series = [f"s{s}" for s in range(6)]
    targets = [Target("Norm", 150), Target("Doel 2025", 60, at=date(2025, 6, 1))]
    measure(
        "line chart, 72 months x 6 series",
        lambda: line_chart(monthly, x="month", series=series),
        args.repeat,
    )
    measure(
        "line chart, 72 x 6 + P10-P90 band + 2 targets",
        lambda: line_chart(monthly, x="month", series=series, band=("p10", "p90"), targets=targets),
        args.repeat,
    )

    bars = Table(
        "places",
        "Plaatsen",
        [Column("name", "Gemeente"), *(Column(k, k.upper(), "int") for k in ("bw", "bt", "mo"))],
        [
            {
                "name": f"Gemeente {i}",
                "bw": rng.randint(0, 90),
                "bt": rng.randint(0, 90),
                "mo": rng.randint(0, 90),
            }
            for i in range(30)
        ],
    )
    measure(
        "bar chart, 30 municipalities x 3 series (horizontal)",
        lambda: bar_chart(bars, category="name", series=["bw", "bt", "mo"], horizontal=True),
        args.repeat,
    )

    stages = [
        ["Aanmelding"],
        ["BW", "BT", "MO"],
        ["Uitstroomklaar", "Terugval"],
        ["Eigen woning", "Begeleid", "Elders", "Onbekend"],
    ]
    flows = []
    for ci in range(len(stages) - 1):
        for a in stages[ci]:
            for b in stages[ci + 1]:
                flows.append({"from": a, "to": b, "n": rng.randint(10, 400)})
    flow_table = Table(
        "flows",
        "Doorstroom",
        [Column("from", "Van"), Column("to", "Naar"), Column("n", "Aantal", "int")],
        flows,
    )
    measure(
        f"Sankey, {sum(map(len, stages))} nodes, {len(flows)} flows",
        lambda: sankey(flow_table, source="from", target="to", value="n", columns=stages),
        args.repeat,
    )

    body = []
    for i in range(342):
        values = {f"m{j}": rng.choice([0, 2, 5, 12, 25, 60, 130]) for j in range(12)}
        body.append(
            Row({"name": f"Gemeente {i}", **values, "total": sum(values.values())}, key=f"g{i}")
        )
    month_columns = [Column(f"m{j}", f"{j + 1}", "int") for j in range(12)]
    national = Table(
        "national",
        "Instroom per gemeente",
        [
            Column("name", "Gemeente"),
            *month_columns,
            Column("total", "Totaal", "int", sum_of=tuple(c.key for c in month_columns)),
        ],
        body,
        [
            Row(
                {
                    "name": "Nederland",
                    **{
                        c.key: sum(r.cells[c.key] for r in body)
                        for c in [*month_columns, Column("total", "", "int")]
                    },
                },
                sum_of=BODY,
            )
        ],
    )
    measure(
        "table HTML, 342 municipalities x 14 columns", national.as_html, max(args.repeat // 10, 5)
    )
    protected = national.protect()
    print(
        f"  (disclosure: {sum(1 for s in protected.suppression.status.values() if s.hidden)} "  # type: ignore[union-attr]
        f"of {len(protected.suppression.status)} cells hidden)"  # type: ignore[union-attr]
    )
    measure(
        "disclosure control, 343 x 13 counts with margins",
        national.protect,
        max(args.repeat // 30, 3),
    )


if __name__ == "__main__":
    main()
