"""Benchmark: the national book end to end on PostgreSQL: load it, run a month of daily runs and the
month-end, and (with ``--rerate``) re-rate the whole book.

    python benchmarks/full_book.py [--scale 0.01 | --people N] [--workers 2] [--month 2026-02] [--las 360]
                                   [--rerate] [--cap-percent 20] [--seed 7] [--days N]
                                   [--url postgres://postgres@127.0.0.1:5432/dms_bench_full] [--json]

The national book is 15,000,000 people (about 45,000,000 debts); ``--scale`` takes a fraction of it
(``--scale 0.1``: 1,500,000 people) and ``--people`` an exact number. Phases, each timed:

1. load: a fresh database (only databases named ``dms_bench...`` are dropped and recreated) and the
   synthetic book (:func:`dms.store.bulk.load_synthetic_book`: batches of 50,000 people generated in a
   second process and written by binary COPY, so memory stays flat), taken on the day before the month;
2. the month's traffic, in bulk and held as the event import leaves it (each period's event applied): for every UC award, the
   assessment period paid in the month (paid on the award's assessment-period day, clamped to the month's
   last day; the period ends 7 days before; one in ten with gas arrears and ongoing consumption), as an
   ``InboundEvent`` and an ``AssessmentPeriod`` row (as ``benchmarks/daily_run.py`` does for one day).
   Legacy awards pay on their own pay dates, which the book holds;
3. the daily runs: ``dms.services.daily_run.run_through(day, workers=N)`` for every day of the month, then
   for the days of the next month up to its first working day, whose run produces the month's payment
   schedules (the month-end step); then the BACS file. With ``--days N``, only the month's first N days
   (no month-end, no BACS): for the full book, whose month takes hours here;
4. a raw binary COPY of the month's posting rows (dumped to a file first, not timed) into a scratch table
   with ``dms_posting``'s indexes, for the ratio of the daily runs' posting rate to COPY;
5. with ``--rerate``: ``dms.services.rerate.rerate`` as of the month's last day with the cap at
   ``--cap-percent`` (a what-if over every person with debts in recovery), on the same workers.

Prints each phase's time, each day's time and the longest, the month-end time, postings per second, the
COPY ratio, and the peak memory of all the benchmark's processes (this one, the loader's generator and the
daily run's and rerate's workers, summed, sampled every 0.2 s). ``--json`` also prints the figures as one
JSON line at the end. Targets: a month of daily runs for the full book under 15 minutes, any one day under
2 minutes, peak memory under 4 GiB, posting rate at least half of raw COPY; re-rating the full book under 5
minutes.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from daily_run import SCRATCH, fresh_database, server_settings, start_django  # noqa: E402  (benchmarks/daily_run.py)

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/dms_bench_full"
NATIONAL_PEOPLE = 15_000_000


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default=DEFAULT_URL, help="PostgreSQL URL of the benchmark database")
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--scale", type=float, default=0.01, help="fraction of the national book (15M people)")
    size.add_argument("--people", type=int, help="people in the book (instead of --scale)")
    parser.add_argument("--workers", type=int, default=2, help="daily-run (and rerate) worker processes")
    parser.add_argument("--month", default="2026-02", help="the month run, YYYY-MM")
    parser.add_argument("--las", type=int, default=360, help="local authorities")
    parser.add_argument("--seed", type=int, default=7, help="seed of the synthetic book")
    parser.add_argument("--rerate", action="store_true", help="also time dms rerate over the whole book")
    parser.add_argument("--cap-percent", default="20", help="the what-if overall cap of the rerate phase")
    parser.add_argument("--days", type=int, help="run only the month's first DAYS days (no month-end, no BACS): "
                        "for a book too large to run a whole month of in the time there is")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON line at the end")
    args = parser.parse_args()
    if args.people is None:
        args.people = max(1, round(NATIONAL_PEOPLE * args.scale))
    if args.workers < 1:
        parser.error("--workers must be at least 1")
    if args.days is not None and not 1 <= args.days <= 28:
        parser.error("--days must be from 1 to 28")
    return args


# ---------------------------------------------------------------------------------------------- memory


class PeakMemory:
    """The largest sum of resident memory of this process and all its descendants, sampled in a thread."""

    def __init__(self, interval: float = 0.2) -> None:
        import psutil

        self._me = psutil.Process()
        self._interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def sample(self) -> int:
        import psutil

        total = 0
        for process in [self._me, *self._me.children(recursive=True)]:
            try:
                total += process.memory_info().rss
            except psutil.Error:
                continue
        self.peak = max(self.peak, total)
        return total

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self.sample()

    def __enter__(self) -> PeakMemory:
        self.sample()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()


# ---------------------------------------------------------------------------------------------- set-up


MONTH_PERIODS = """
CREATE TEMPORARY TABLE bench_month_period AS
SELECT a.id AS award_id, a.person_id, p.nino, x.pay, x.pay - 7 AS period_end,
       ((x.pay - 7) - INTERVAL '1 month' + INTERVAL '1 day')::date AS period_start
FROM dms_award a JOIN dms_person p ON p.id = a.person_id
CROSS JOIN LATERAL (SELECT make_date(%(year)s, %(month)s, LEAST(a.assessment_period_day, %(last)s)) AS pay) x
WHERE a.benefit = 'UC' AND a.assessment_period_day IS NOT NULL AND (a.end_date IS NULL OR a.end_date >= x.pay);
DELETE FROM bench_month_period m USING dms_award a WHERE a.id = m.award_id AND m.period_start < a.start_date;
INSERT INTO dms_inbound_event (event_id, type, occurred_on, nino, payload, content_sha256, received_at, source,
                               applied, superseded_by, superseded_reason)
SELECT 'bench-ap-' || m.award_id || '-' || m.pay, 'uc.assessment_period', m.period_end, m.nino, '{}'::jsonb, '',
       now(), 'benchmark', TRUE, '', ''
FROM bench_month_period m;
INSERT INTO dms_assessment_period (event_id, inbound_event_id, award_id, person_id, period_start, period_end,
    payment_date, award_amount_pence, earnings_over_work_allowance, sanction_pence, fraud_penalty_pence,
    third_party, late)
SELECT e.event_id, e.id, m.award_id, m.person_id, m.period_start, m.period_end, m.pay,
       60000 + (m.award_id %% 60000), FALSE, 0, 0,
       CASE WHEN m.award_id %% 10 = 0 THEN
         '[{"category": "GAS_ARREARS", "amount_pence": 2000, "ongoing_pence": 1500, "scheme": null}]'::jsonb
       ELSE '[]'::jsonb END, FALSE
FROM bench_month_period m JOIN dms_inbound_event e ON e.event_id = 'bench-ap-' || m.award_id || '-' || m.pay;
DROP TABLE bench_month_period;
ANALYZE dms_inbound_event;
ANALYZE dms_assessment_period;
"""


def month_days(month: str) -> tuple[date, date]:
    from dms.calendar import month_bounds, parse_period

    return month_bounds(*parse_period(month))


def load_book(args: argparse.Namespace, first: date) -> dict[str, Any]:
    from dms.store.bulk import load_synthetic_book

    started = time.perf_counter()
    report = load_synthetic_book(args.people, args.seed, args.las, first - timedelta(days=1))
    seconds = time.perf_counter() - started
    print(f"load: {report.people:,} people, {report.awards:,} awards, {report.debts:,} debts, "
          f"{report.postings:,} postings ({report.rows:,} rows) in {seconds:.1f} s "
          f"({report.rows / seconds:,.0f} rows/s)", flush=True)
    return {"people": report.people, "awards": report.awards, "debts": report.debts, "rows": report.rows,
            "load_seconds": seconds}


def month_traffic(first: date, last: date) -> dict[str, Any]:
    from django.db import connection, transaction

    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(MONTH_PERIODS, {"year": first.year, "month": first.month, "last": last.day})
        cursor.execute("SELECT COUNT(*) FROM dms_assessment_period")
        periods = cursor.fetchone()[0]
    seconds = time.perf_counter() - started
    print(f"month's traffic: {periods:,} UC assessment periods (events and rows) in {seconds:.1f} s", flush=True)
    return {"periods": periods, "traffic_seconds": seconds}


# ---------------------------------------------------------------------------------------------- the month


def run_month(args: argparse.Namespace, first: date, last: date) -> dict[str, Any]:
    from dms.calendar import first_working_day
    from dms.services.daily_run import run_through
    from dms.services.payments import export_bacs
    from dms.store.models import RunStep

    if args.days is not None:
        return run_days(args, first, first + timedelta(days=args.days - 1))
    month_end_day = first_working_day(*((last + timedelta(days=1)).year, (last + timedelta(days=1)).month))
    days: dict[str, float] = {}
    summaries: dict[str, Any] = {}
    day = first
    while day <= month_end_day:
        started = time.perf_counter()
        for run in run_through(day, workers=args.workers):
            summaries[run.run_date.isoformat()] = run.steps.get("deductions", {})
        days[day.isoformat()] = time.perf_counter() - started
        taken = summaries.get(day.isoformat(), {})
        print(f"  {day} ({day.strftime('%a')}): {days[day.isoformat()]:6.1f} s, "
              f"{taken.get('periods', 0):,} UC periods, {taken.get('instalments', 0):,} legacy instalments, "
              f"{taken.get('deductions', 0):,} deductions", flush=True)
        day += timedelta(days=1)
    steps = {s.step: s.completed_at for s in RunStep.objects.filter(run_date=month_end_day)}
    month_end_seconds = (steps["month_end"] - steps["deductions"]).total_seconds() if "month_end" in steps else 0.0
    out_dir = Path(tempfile.mkdtemp(prefix="dms-bench-full-bacs-"))
    started = time.perf_counter()
    from dms.errors import DmsError

    try:
        bacs = export_bacs(f"{last:%Y-%m}", out_dir / f"bacs-{last:%Y-%m}.txt")
        credits = bacs.credits
    except DmsError as error:
        print(f"BACS: {error}")
        credits = 0
    bacs_seconds = time.perf_counter() - started
    month = {k: v for k, v in days.items() if k <= last.isoformat()}
    total = sum(month.values())
    longest = max(month, key=month.__getitem__)
    print(f"daily runs: {len(month)} days of {last:%Y-%m} in {total:.1f} s (longest {longest}: "
          f"{month[longest]:.1f} s); the month-end day {month_end_day}: {days[month_end_day.isoformat()]:.1f} s, "
          f"of which the month-end step {month_end_seconds:.1f} s; BACS {credits} credits in {bacs_seconds:.1f} s",
          flush=True)
    return {"days": days, "month_seconds": total, "longest_day": longest, "longest_day_seconds": month[longest],
            "all_days_seconds": sum(days.values()), "month_end_day": month_end_day.isoformat(),
            "month_end_step_seconds": month_end_seconds, "bacs_seconds": bacs_seconds, "bacs_credits": credits,
            "deductions": sum(int(s.get("deductions", 0)) for s in summaries.values())}


def run_days(args: argparse.Namespace, first: date, through: date) -> dict[str, Any]:
    """``--days``: the daily runs of ``first`` to ``through`` only (no month-end, no BACS)."""
    from dms.services.daily_run import run_through

    days: dict[str, float] = {}
    deductions = 0
    day = first
    while day <= through:
        started = time.perf_counter()
        taken: dict[str, Any] = {}
        for run in run_through(day, workers=args.workers):
            taken = run.steps.get("deductions", {})
            deductions += int(taken.get("deductions", 0))
        days[day.isoformat()] = time.perf_counter() - started
        print(f"  {day} ({day.strftime('%a')}): {days[day.isoformat()]:6.1f} s, "
              f"{taken.get('periods', 0):,} UC periods, {taken.get('instalments', 0):,} legacy instalments, "
              f"{taken.get('deductions', 0):,} deductions", flush=True)
        day += timedelta(days=1)
    total = sum(days.values())
    longest = max(days, key=days.__getitem__)
    print(f"daily runs: {len(days)} days from {first} in {total:.1f} s (longest {longest}: {days[longest]:.1f} s); "
          "no month-end (--days)", flush=True)
    return {"days": days, "month_seconds": total, "longest_day": longest, "longest_day_seconds": days[longest],
            "all_days_seconds": total, "month_end_day": through.isoformat(), "deductions": deductions}


POSTINGS_OF_RUNS = (
    "SELECT p.entry_id, p.account_id, p.amount_pence FROM dms_posting p JOIN dms_journal_entry e ON e.id = p.entry_id "
    "WHERE e.business_date >= %s AND e.business_date <= %s AND e.kind NOT IN ('REFERRAL', 'CREDITOR_PAYMENT')"
)


def raw_copy(first: date, through: date, run_seconds: float) -> dict[str, Any]:
    """The daily runs' postings, dumped by binary COPY to a file (not timed), then COPYed (timed) into a
    scratch table with dms_posting's indexes."""
    from django.db import connection, transaction

    connection.ensure_connection()
    raw = connection.connection
    query = POSTINGS_OF_RUNS.replace("%s", "'{}'").format(first.isoformat(), through.isoformat())
    with tempfile.TemporaryFile() as dump:
        with raw.cursor() as cursor, cursor.copy(f"COPY ({query}) TO STDOUT (FORMAT BINARY)") as out:
            for block in out:
                dump.write(block)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM ({query}) q")
            postings = cursor.fetchone()[0]
            cursor.execute(SCRATCH)
        dump.seek(0)
        started = time.perf_counter()
        with transaction.atomic(), raw.cursor() as cursor:
            with cursor.copy("COPY bench_posting_copy (entry_id, account_id, amount_pence) FROM STDIN "
                             "(FORMAT BINARY)") as copy:
                while block := dump.read(1 << 20):
                    copy.write(block)
        copy_seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_posting_copy")
    rate = postings / run_seconds if run_seconds else 0.0
    copy_rate = postings / copy_seconds if copy_seconds else 0.0
    print(f"postings by the daily runs {postings:,}: {rate:,.0f} postings/s end to end; raw binary COPY of the "
          f"same rows {copy_rate:,.0f} rows/s ({copy_seconds:.1f} s); ratio {rate / copy_rate if copy_rate else 0:.3f}",
          flush=True)
    return {"postings": postings, "postings_per_second": rate, "copy_rows_per_second": copy_rate,
            "copy_ratio": rate / copy_rate if copy_rate else 0.0}


def rerate_phase(args: argparse.Namespace, as_of: date) -> dict[str, Any]:
    from dms.recovery.what_if import parse_cap_percent
    from dms.services.rerate import rerate

    started = time.perf_counter()
    outcome = rerate(as_of, parse_cap_percent(args.cap_percent), workers=args.workers)
    seconds = time.perf_counter() - started
    print(f"rerate as of {as_of}, cap {args.cap_percent}%: {outcome.people:,} people ({outcome.periods:,} UC "
          f"periods, {outcome.instalments:,} legacy instalments) in {seconds:.1f} s "
          f"({outcome.people / seconds:,.0f} people/s); deductions £{outcome.now_pence / 100:,.2f} in force, "
          f"£{outcome.what_if_pence / 100:,.2f} what-if", flush=True)
    return {"rerate_seconds": seconds, "rerate_people": outcome.people, "rerate_periods": outcome.periods,
            "rerate_instalments": outcome.instalments, "rerate_now_pence": outcome.now_pence,
            "rerate_what_if_pence": outcome.what_if_pence}


def main() -> None:
    args = parse_args()
    os.environ["DMS_DATA_DIR"] = tempfile.mkdtemp(prefix="dms-bench-full-")
    first, last = month_days(args.month)
    figures: dict[str, Any] = {"people_asked": args.people, "workers": args.workers, "month": args.month}
    figures["server"] = server_settings(args.url)
    print(figures["server"])
    with PeakMemory() as memory:
        fresh_database(args.url)
        start_django(args.url)
        figures |= load_book(args, first)
        figures |= month_traffic(first, last)
        figures |= run_month(args, first, last)
        figures |= raw_copy(first, date.fromisoformat(figures["month_end_day"]), figures["all_days_seconds"])
        if args.rerate:
            figures |= rerate_phase(args, last if args.days is None else date.fromisoformat(figures["month_end_day"]))
    figures["peak_memory_bytes"] = memory.peak
    print(f"peak memory, all processes: {memory.peak / 2**20:,.0f} MiB (target under 4 GiB)")
    print("targets (full book): month of daily runs < 900 s; any day < 120 s; COPY ratio >= 0.5"
          + ("; rerate < 300 s" if args.rerate else ""))
    if args.json:
        print(json.dumps(figures, default=str))


if __name__ == "__main__":
    main()
