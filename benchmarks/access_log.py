"""Access-log throughput: how fast can doorstroom record reads of client data, and how
long does a full tamper check take?

Creates (and afterwards drops) its own database named after DATABASE_URL with suffix
``_bench``. Prints: single-writer appends/s (one entry per transaction, as a detail page
does), batched appends/s (50 clients per transaction, as a list page does), concurrent
appends/s with N threads (PostgreSQL), and verification entries/s.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "doorstroom.conf.test")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--entries", type=int, default=20000, help="entries for the verification run"
    )
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import get_runner

    runner = get_runner(settings)(verbosity=0)
    old_config = runner.setup_databases()
    try:
        run(args.entries, args.threads, connection.vendor)
    finally:
        runner.teardown_databases(old_config)


def run(entries: int, threads: int, vendor: str) -> None:
    from django.db import connection

    from doorstroom.audit.models import Action, Purpose
    from doorstroom.audit.services import Actor, access_log_verify, access_record

    actor = Actor(
        "bench", "Bench", "access_officer", "1", "Regiobureau", "1", "Regiobureau", "127.0.0.1"
    )

    def one(n: int = 1) -> None:
        access_record(
            actor,
            event_type="client.read",
            action=Action.READ,
            purpose=Purpose.ACCESS,
            clients=[uuid.uuid4() for _ in range(n)],
            object_type="client",
        )

    print(f"database: {vendor}")
    n = 2000
    start = time.perf_counter()
    for _ in range(n):
        one()
    elapsed = time.perf_counter() - start
    print(
        f"single writer, 1 entry per transaction: {n / elapsed:,.0f} entries/s ({elapsed / n * 1000:.2f} ms each)"
    )

    batches = 200
    start = time.perf_counter()
    for _ in range(batches):
        one(50)
    elapsed = time.perf_counter() - start
    print(
        f"single writer, 50 entries per transaction: {batches * 50 / elapsed:,.0f} entries/s ({elapsed / batches * 1000:.1f} ms per list page)"
    )

    if vendor == "postgresql":
        per_thread = 500

        def worker() -> None:
            for _ in range(per_thread):
                one()
            connection.close()

        pool = [threading.Thread(target=worker) for _ in range(threads)]
        start = time.perf_counter()
        for t in pool:
            t.start()
        for t in pool:
            t.join()
        elapsed = time.perf_counter() - start
        print(
            f"{threads} concurrent writers, 1 entry per transaction: {threads * per_thread / elapsed:,.0f} entries/s"
        )

    remaining = max(
        0, entries - (n + batches * 50 + (threads * 500 if vendor == "postgresql" else 0))
    )
    for _ in range(remaining // 500):
        one(500)
    start = time.perf_counter()
    result = access_log_verify()
    elapsed = time.perf_counter() - start
    print(
        f"verify {result.checked:,} entries: {elapsed:.2f} s ({result.checked / elapsed:,.0f} entries/s), intact={result.ok}"
    )


if __name__ == "__main__":
    main()
