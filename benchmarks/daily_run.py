"""Benchmark: the daily run's deduction step for a day on which many people are due, end to end on
PostgreSQL (load inputs, compute with the engines, post to the ledger, write deductions, commit).

    python benchmarks/daily_run.py [--url postgres://postgres@127.0.0.1:5432/dms_bench_recovery]
                                   [--people 20000] [--seed 7]

Set-up (not timed): a fresh database with a synthetic book of ``--people`` people (``dms synth``: UC and
legacy awards, DWP, HMRC and HB debts taken on through the ledger) and, for every UC award, an assessment
period paid on the benchmark day, stored as the event import and its normalisation leave it (an
``InboundEvent`` and an ``AssessmentPeriod`` row; one in ten asks for gas arrears with ongoing
consumption). Legacy awards pay on their own schedule; those due that day are taken too.

Timed, in a fresh process (so its peak memory is the run's own): ``deductions_step(day)`` inside one
transaction, committed. Then, in the same run, a raw binary COPY of the same posting rows into a scratch
table with ``dms_posting``'s indexes, for the ratio. Prints people due, deductions, entries, postings,
seconds, postings per second, the COPY rate and the ratio, and peak memory.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from datetime import date, timedelta

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/dms_bench_recovery"
DAY = date(2025, 6, 9)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default=DEFAULT_URL, help="PostgreSQL URL of the benchmark database")
    parser.add_argument("--people", type=int, default=20_000, help="people in the synthetic book")
    parser.add_argument("--seed", type=int, default=7, help="seed of the synthetic book")
    parser.add_argument("--run-only", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args()


def start_django(url: str) -> None:
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("this benchmark measures PostgreSQL: give a postgres:// URL")
    os.environ["DMS_DATABASE_URL"] = url
    os.environ.setdefault("DMS_DATA_DIR", "/tmp/dms-bench-data")
    from dms.store.bootstrap import ensure_database

    ensure_database()


def fresh_database(url: str) -> None:
    """Drop and create the benchmark database (only databases named dms_bench...)."""
    import psycopg
    from psycopg import sql

    base, _, name = url.rpartition("/")
    if not name.startswith("dms_bench"):
        sys.exit(f"the benchmark recreates only databases named dms_bench..., not {name!r}")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


PERIODS = """
INSERT INTO dms_inbound_event (event_id, type, occurred_on, nino, payload, content_sha256, received_at, source,
                               applied)
SELECT 'bench-ap-' || a.id, 'uc.assessment_period', %(received)s, p.nino, '{}'::jsonb, '', now(), 'benchmark', FALSE
FROM dms_award a JOIN dms_person p ON p.id = a.person_id WHERE a.benefit = 'UC';
INSERT INTO dms_assessment_period (event_id, inbound_event_id, award_id, person_id, period_start, period_end,
    payment_date, award_amount_pence, earnings_over_work_allowance, sanction_pence, fraud_penalty_pence,
    third_party, late)
SELECT e.event_id, e.id, a.id, a.person_id, %(start)s, %(end)s, %(day)s, 60000 + (a.id %% 60000), FALSE, 0, 0,
       CASE WHEN a.id %% 10 = 0 THEN
         '[{"category": "GAS_ARREARS", "amount_pence": 2000, "ongoing_pence": 1500, "scheme": null}]'::jsonb
       ELSE '[]'::jsonb END, FALSE
FROM dms_award a JOIN dms_inbound_event e ON e.event_id = 'bench-ap-' || a.id WHERE a.benefit = 'UC';
ANALYZE;
"""


def set_up(args: argparse.Namespace) -> None:
    from django.db import connection, transaction

    from dms.store.bulk import load_synthetic_book

    started = time.perf_counter()
    report = load_synthetic_book(args.people, args.seed, 20, DAY - timedelta(days=30))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(PERIODS, {"received": DAY - timedelta(days=8), "start": DAY - timedelta(days=39),
                                 "end": DAY - timedelta(days=9), "day": DAY})
    print(f"set-up: {report.people:,} people, {report.debts:,} debts, {report.awards:,} awards "
          f"in {time.perf_counter() - started:.1f} s")


def run_day() -> dict[str, object]:
    """The timed part, in this process: the deduction step for the day, committed; then the raw COPY."""
    from django.db import connection, transaction

    from dms.services.recovery import deductions_step
    from dms.services.recovery_load import due_instalments, due_period_people

    due = len(due_period_people(DAY)) + len(due_instalments(DAY))
    started = time.perf_counter()
    with transaction.atomic():
        summary = deductions_step(DAY)
    elapsed = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("SELECT p.entry_id, p.account_id, p.amount_pence FROM dms_posting p JOIN dms_journal_entry e "
                       "ON e.id = p.entry_id WHERE e.business_date = %s AND e.kind = 'DEDUCTION'", [DAY])
        rows = cursor.fetchall()
    copy_seconds = time_raw_copy(rows)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {"people_due": due, "seconds": elapsed, "postings": len(rows), "copy_seconds": copy_seconds,
            "peak_bytes": peak, **summary}


SCRATCH = """
DROP TABLE IF EXISTS bench_posting_copy;
CREATE TABLE bench_posting_copy (id bigserial PRIMARY KEY, entry_id bigint NOT NULL,
                                 account_id bigint NOT NULL, amount_pence bigint NOT NULL);
CREATE INDEX bench_posting_copy_entry ON bench_posting_copy (entry_id);
CREATE INDEX bench_posting_copy_account ON bench_posting_copy (account_id);
"""


def time_raw_copy(rows: list[tuple[int, int, int]]) -> float:
    """Binary COPY of ``rows`` into a scratch table with dms_posting's indexes, committed."""
    from django.db import connection, transaction

    from dms.store.ledger import _binary_int8_copy

    with connection.cursor() as cursor:
        cursor.execute(SCRATCH)
    raw = connection.connection
    started = time.perf_counter()
    with transaction.atomic(), raw.cursor() as cursor:
        with cursor.copy("COPY bench_posting_copy (entry_id, account_id, amount_pence) FROM STDIN (FORMAT BINARY)") as copy:
            copy.write(_binary_int8_copy(rows, 3))
    elapsed = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_posting_copy")
    return elapsed


def report(figures: dict[str, object]) -> None:
    seconds = float(figures["seconds"])  # type: ignore[arg-type]
    postings = int(figures["postings"])  # type: ignore[call-overload]
    copy_rate = postings / float(figures["copy_seconds"])  # type: ignore[arg-type]
    rate = postings / seconds
    print(f"people due {figures['people_due']:,}: {figures['periods']:,} UC periods, "
          f"{figures['instalments']:,} legacy instalments")
    print(f"deductions {figures['deductions']:,} ({figures['third_party']:,} third-party), "
          f"entries {figures['entries']:,}, postings {postings:,}, debts cleared {figures['cleared']:,}")
    print(f"deduction step end to end: {seconds:.2f} s (target < 15 s at 500,000 people due)")
    print(f"posting rate end to end {rate:,.0f} postings/s; raw binary COPY of the same rows {copy_rate:,.0f} "
          f"postings/s; ratio {rate / copy_rate:.3f}")
    print(f"peak memory of the run process: {int(figures['peak_bytes']) / 2**20:,.0f} MiB (target < 2 GiB)")  # type: ignore[call-overload]


def main() -> None:
    args = parse_args()
    if args.run_only:
        start_django(args.url)
        print(json.dumps(run_day(), default=str))
        return
    fresh_database(args.url)
    start_django(args.url)
    set_up(args)
    child = subprocess.run([sys.executable, __file__, "--url", args.url, "--run-only"], capture_output=True,
                           text=True, check=False)
    if child.returncode != 0:
        sys.exit(child.stderr)
    report(json.loads(child.stdout.strip().splitlines()[-1]))


if __name__ == "__main__":
    main()
