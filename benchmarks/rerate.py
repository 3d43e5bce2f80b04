"""Benchmark: ``dms rerate`` alone (re-rating the whole book: one deduction calculation for every person with
debts in recovery, with the cap in force and a what-if cap) on PostgreSQL.

    python benchmarks/rerate.py [--sizes 300000,1500000] [--workers 1,2] [--cap-percent 20] [--seed 7]
                                [--chunk-partitions N]
                                [--url postgres://postgres@127.0.0.1:5432/dms_bench_rerate] [--reuse-book]

Set-up (not timed), once per size: the synthetic book (:func:`dms.store.bulk.load_synthetic_book`, as
``benchmarks/full_book.py`` loads it, 360 LAs, taken on 2026-01-31), then the month's UC assessment periods
(``full_book.MONTH_PERIODS``: one per UC award, paid in 2026-02, as events and held rows); kept as a
template database ``<name>_book_<people>_<seed>`` (``--reuse-book`` takes an earlier one).

Timed, for each ``--workers`` figure, on a fresh copy of the template: ``rerate(2026-02-28, cap, workers=N)``
committed. Prints people, seconds, people per second, the time of each phase summed over the chunks (load,
calculate, write; with workers these overlap, so they add up to more than the wall time), peak memory of the
process and its workers (sampled every 0.2 s), the projected time for the national book (15,000,000 people)
at the measured rate, and a digest of the stored results (every row's person, source, period, creditor and
amounts, in order), which must be the same for any worker count and before and after a change.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from daily_run import copy_database, fresh_database, start_django, template_exists, template_name  # noqa: E402
from full_book import MONTH_PERIODS, PeakMemory  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/dms_bench_rerate"
AS_OF = date(2026, 2, 28)
NATIONAL_PEOPLE = 15_000_000
TARGET_SECONDS = 300

DIGEST = ("SELECT COUNT(*), md5(string_agg(concat_ws(',', person_id, partition, source, period_start, creditor_id, "
          "now_pence, what_if_pence), ';' ORDER BY person_id, source, creditor_id NULLS FIRST)) "
          "FROM dms_rerate_result WHERE run_id = %s")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default=DEFAULT_URL, help="PostgreSQL URL of the benchmark database")
    parser.add_argument("--sizes", default="300000", help="people in the book, comma-separated")
    parser.add_argument("--workers", default="1,2", help="worker counts to time, comma-separated")
    parser.add_argument("--cap-percent", default="20", help="the what-if overall cap")
    parser.add_argument("--seed", type=int, default=7, help="seed of the synthetic book")
    parser.add_argument("--las", type=int, default=360, help="local authorities")
    parser.add_argument("--chunk-partitions", type=int, help="partitions per chunk (default: the module's)")
    parser.add_argument("--reuse-book", action="store_true", help="copy the template book of an earlier run")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON lines")
    parser.add_argument("--set-up-only", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--run-only", type=int, help=argparse.SUPPRESS)
    return parser.parse_args()


def build_template(args: argparse.Namespace, people: int, template: str) -> None:
    base = args.url.rpartition("/")[0]
    url = f"{base}/{template}"
    fresh_database(url)
    start_django(url)
    from django.db import connection, transaction

    from dms.store.bulk import load_synthetic_book

    started = time.perf_counter()
    report = load_synthetic_book(people, args.seed, args.las, date(2026, 1, 31))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(MONTH_PERIODS, {"year": 2026, "month": 2, "last": 28})
        cursor.execute("SELECT COUNT(*) FROM dms_assessment_period")
        periods = cursor.fetchone()[0]
    print(f"set-up {template}: {report.people:,} people, {report.awards:,} awards, {report.debts:,} debts, "
          f"{periods:,} UC periods in {time.perf_counter() - started:.1f} s", flush=True)


def timed_run(args: argparse.Namespace, people: int, workers: int) -> dict[str, Any]:
    from django.db import connection

    from dms.recovery.what_if import parse_cap_percent
    from dms.services.rerate import rerate

    cap = parse_cap_percent(args.cap_percent)
    with PeakMemory() as memory:
        started = time.perf_counter()
        chunking = {} if args.chunk_partitions is None else {"chunk_partitions": args.chunk_partitions}
        outcome = rerate(AS_OF, cap, workers=workers, **chunking)
        seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute(DIGEST, [outcome.run_id])
        rows, digest = cursor.fetchone()
    rate = outcome.people / seconds
    phases = outcome.phases
    figures = {"book": people, "workers": workers, "chunk_partitions": args.chunk_partitions, "people": outcome.people, "periods": outcome.periods,
               "instalments": outcome.instalments, "seconds": round(seconds, 2), "people_per_second": round(rate),
               "phases": {k: round(v, 2) for k, v in phases.items()}, "peak_mib": round(memory.peak / 2**20),
               "projected_national_seconds": round(NATIONAL_PEOPLE / rate), "rows": rows, "digest": digest,
               "now_pence": outcome.now_pence, "what_if_pence": outcome.what_if_pence}
    print(f"rerate, {people:,}-person book, {workers} worker(s), chunks of {args.chunk_partitions or 'default'} "
          f"partitions: {outcome.people:,} people ({outcome.periods:,} UC "
          f"periods, {outcome.instalments:,} legacy instalments) in {seconds:.1f} s = {rate:,.0f} people/s; "
          f"phases (summed over chunks) " + ", ".join(f"{k} {v:.1f} s" for k, v in phases.items())
          + f"; peak {memory.peak / 2**20:,.0f} MiB; national book at this rate {NATIONAL_PEOPLE / rate:,.0f} s "
          f"(target {TARGET_SECONDS} s: {'met' if NATIONAL_PEOPLE / rate <= TARGET_SECONDS else 'missed'}); "
          f"£{outcome.now_pence / 100:,.2f} in force, £{outcome.what_if_pence / 100:,.2f} what-if; "
          f"{rows:,} result rows, digest {digest}", flush=True)
    return figures


def main() -> None:
    args = parse_args()
    os.environ["DMS_DATA_DIR"] = tempfile.mkdtemp(prefix="dms-bench-rerate-")
    if args.set_up_only is not None:
        build_template(args, args.set_up_only, template_name(args.url, args.set_up_only, args.seed))
        return
    if args.run_only is not None:
        start_django(args.url)
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        figures = timed_run(args, args.run_only, int(args.workers))
        if args.json:
            print(json.dumps(figures), flush=True)
        return
    from daily_run import server_settings  # benchmarks/daily_run.py

    print(server_settings(args.url))
    sizes = [int(s) for s in args.sizes.split(",")]
    worker_counts = [int(w) for w in args.workers.split(",")]
    common = [sys.executable, os.path.abspath(__file__), "--url", args.url, "--seed", str(args.seed), "--las",
              str(args.las), "--cap-percent", args.cap_percent] + (["--json"] if args.json else []) + (
                  [] if args.chunk_partitions is None else ["--chunk-partitions", str(args.chunk_partitions)])
    for people in sizes:
        template = template_name(args.url, people, args.seed)
        if not (args.reuse_book and template_exists(args.url, template)):
            subprocess.run([*common, "--set-up-only", str(people)], check=True)
        for workers in worker_counts:
            copy_database(args.url, template, args.url.rpartition("/")[2])
            subprocess.run([*common, "--run-only", str(people), "--workers", str(workers)], check=True)


if __name__ == "__main__":
    main()
