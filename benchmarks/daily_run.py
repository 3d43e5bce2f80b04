"""Benchmark: the daily run on a day on which many people are due, end to end on PostgreSQL: the deduction
step alone (load inputs, compute with the engines, post to the ledger, write deductions, commit), and the
whole day as ``dms run`` does it (``run_through(day, workers=N)``: every step, partitioned steps in chunks
of person partitions on N local processes).

    python benchmarks/daily_run.py [--url postgres://postgres@127.0.0.1:5432/dms_bench_recovery]
                                   [--people 20000] [--seed 7] [--workers 2] [--only step|day]
                                   [--reuse-book]

Set-up (not timed): a synthetic book of ``--people`` people (``dms synth``: UC and legacy awards, DWP, HMRC
and HB debts taken on through the ledger) and, for every UC award, an assessment period paid on the
benchmark day, stored as the event import leaves it (an applied ``InboundEvent`` and its
``AssessmentPeriod`` row; one in ten asks for gas arrears with ongoing consumption). Legacy awards pay on
their own schedule; those due that day are taken too. The book is kept as a template database
(``<name>_book_<people>_<seed>``) and each timed run starts from a copy of it; ``--reuse-book`` takes the
template of an earlier run instead of building it again.

Timed, each in a fresh process started on a fresh copy of the book (its peak memory, with its worker
processes', is sampled from outside every 50 ms):

- ``step``: ``deductions_step(day)`` in one process inside one transaction, committed;
- ``day``: ``run_through(day, workers=N)``, the whole daily run of the day.

After each, the same run COPYs the day's posting rows (binary) into a scratch table with ``dms_posting``'s
indexes, for the ratio. Prints people due, deductions, entries, postings, seconds, postings per second,
the COPY rate and the ratio, peak memory, and digests of the result (every deduction, balance, status,
period and event; equal for the step and the day, and before and after a change to the code).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import threading
import time
from datetime import date, timedelta

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/dms_bench_recovery"
DAY = date(2025, 6, 9)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default=DEFAULT_URL, help="PostgreSQL URL of the benchmark database")
    parser.add_argument("--people", type=int, default=20_000, help="people in the synthetic book")
    parser.add_argument("--seed", type=int, default=7, help="seed of the synthetic book")
    parser.add_argument("--workers", type=int, default=2, help="worker processes of the whole-day run")
    parser.add_argument("--only", choices=("step", "day"), help="time only the step alone, or only the day")
    parser.add_argument("--reuse-book", action="store_true",
                        help="copy the template book of an earlier run with the same --people and --seed")
    parser.add_argument("--set-up-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--run-only", choices=("step", "day"), help=argparse.SUPPRESS)
    return parser.parse_args()


def start_django(url: str) -> None:
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("this benchmark measures PostgreSQL: give a postgres:// URL")
    os.environ["DMS_DATABASE_URL"] = url
    os.environ.setdefault("DMS_DATA_DIR", "/tmp/dms-bench-data")
    from dms.store.bootstrap import ensure_database

    ensure_database()


def _admin(url: str) -> tuple[str, str, object]:
    import psycopg

    base, _, name = url.rpartition("/")
    if not name.startswith("dms_bench"):
        sys.exit(f"the benchmark recreates only databases named dms_bench..., not {name!r}")
    return base, name, psycopg.connect(f"{base}/postgres", autocommit=True)


def template_name(url: str, people: int, seed: int) -> str:
    return f"{url.rpartition('/')[2]}_book_{people}_{seed}"


SERVER_SETTINGS = ("shared_buffers", "effective_cache_size", "max_wal_size", "checkpoint_timeout", "wal_buffers",
                   "synchronous_commit")


def server_settings(url: str) -> str:
    """The PostgreSQL settings a figure depends on, as one line (docs/postgresql.md; scripts/tune-postgres)."""
    import psycopg

    base = url.rpartition("/")[0]
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        version = conn.execute("SHOW server_version").fetchone()[0]  # type: ignore[index]
        shown = [f"{name} {conn.execute(f'SHOW {name}').fetchone()[0]}" for name in SERVER_SETTINGS]  # type: ignore[index]
    return f"PostgreSQL {version.split()[0]}: " + ", ".join(shown)


def template_exists(url: str, template: str) -> bool:
    _, _, admin = _admin(url)
    with admin:  # type: ignore[attr-defined]
        found = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [template]).fetchone()  # type: ignore[attr-defined]
    return found is not None


def copy_database(url: str, source: str, target: str) -> None:
    """Drop ``target`` and create it as a copy of ``source`` (only databases named dms_bench...)."""
    from psycopg import sql

    _, _, admin = _admin(url)
    if not target.startswith("dms_bench"):
        sys.exit(f"the benchmark recreates only databases named dms_bench..., not {target!r}")
    with admin:  # type: ignore[attr-defined]
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(target)))  # type: ignore[attr-defined]
        # FILE_COPY: the files copied and flushed at once; the default (WAL_LOG) writes the whole book through
        # the WAL and leaves its pages dirty in shared buffers, to be written out during the timed run
        admin.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {} STRATEGY FILE_COPY").format(  # type: ignore[attr-defined]
            sql.Identifier(target), sql.Identifier(source)))
        admin.execute("CHECKPOINT")  # type: ignore[attr-defined]


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
                               applied, superseded_by, superseded_reason)
SELECT 'bench-ap-' || a.id, 'uc.assessment_period', %(received)s, p.nino, '{}'::jsonb, '', now(), 'benchmark', TRUE, '', ''
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


def people_due() -> int:
    from dms.services.recovery_load import due_instalments, due_period_people

    return len(due_period_people(DAY)) + len(due_instalments(DAY))


def run_step() -> dict[str, object]:
    """The deduction step alone for the day, in this process, in one transaction, committed."""
    from django.db import transaction

    from dms.services.recovery import deductions_step

    due = people_due()
    started = time.perf_counter()
    with transaction.atomic():
        summary = deductions_step(DAY)
    return {"people_due": due, "seconds": time.perf_counter() - started, **summary}


def run_whole_day(workers: int) -> dict[str, object]:
    """The whole daily run of the day as ``dms run --date DAY --workers N`` does it."""
    from dms.services.daily_run import run_through

    due = people_due()
    started = time.perf_counter()
    days = run_through(DAY, workers=workers)
    elapsed = time.perf_counter() - started
    steps = days[0].steps
    return {"people_due": due, "seconds": elapsed, **steps["deductions"],
            "step_summaries": {name: summary for name, summary in steps.items()}}


MONEY_LINES = """
    SELECT concat_ws('|', 'D', date, person_id, award_id, period_id, source, item, item_number, creditor_kind,
                     la_id, ref, debt_id, amount_pence, status) AS line
    FROM dms_deduction
    UNION ALL SELECT concat_ws('|', 'A', id, balance_pence) FROM dms_account
    UNION ALL SELECT concat_ws('|', 'S', id, status, status_date) FROM dms_debt
    UNION ALL SELECT concat_ws('|', 'P', id, processed_on, late) FROM dms_assessment_period
    UNION ALL SELECT concat_ws('|', 'J', e.kind, e.business_date, e.description, p.account_id, p.amount_pence)
    FROM dms_posting p JOIN dms_journal_entry e ON e.id = p.entry_id WHERE e.business_date = %s
"""
EXPLANATION_LINES = """
    UNION ALL SELECT concat_ws('|', 'X', date, person_id, period_id, item_number, debt_id, ref, explanation,
                               explanation_facts) FROM dms_deduction
    UNION ALL SELECT concat_ws('|', 'U', period_id, facts) FROM dms_uc_period_explanation
    UNION ALL SELECT concat_ws('|', 'E', event_id, applied, effect_date) FROM dms_inbound_event
"""


def digests() -> tuple[str, str]:
    """Digests of what the run leaves. The money digest: every deduction (date, person, award, period, item,
    creditor, debt, amount, status), every account balance, every debt's status, every assessment period's
    processed date and lateness, and the day's postings (without their entry ids): equal digests mean the same
    amounts and balances to the penny, whichever way the day ran. The full digest adds every deduction's and
    period's stored explanation and every event's applied flag and effect date."""
    from django.db import connection

    found = []
    with connection.cursor() as cursor:
        for lines in (MONEY_LINES, MONEY_LINES + EXPLANATION_LINES):
            cursor.execute(f"SELECT md5(string_agg(line, E'\\n' ORDER BY line)) FROM ({lines}) lines", [DAY])
            found.append(str(cursor.fetchone()[0]))
    return found[0], found[1]


def run_timed(mode: str, workers: int) -> dict[str, object]:
    """The timed part, in this process; then the digest of the result and the raw COPY of the day's posting
    rows."""
    from django.db import connection

    figures = run_step() if mode == "step" else run_whole_day(workers)
    figures["money_digest"], figures["digest"] = digests()
    with connection.cursor() as cursor:
        cursor.execute("SELECT p.entry_id, p.account_id, p.amount_pence FROM dms_posting p JOIN dms_journal_entry e "
                       "ON e.id = p.entry_id WHERE e.business_date = %s AND e.kind = 'DEDUCTION'", [DAY])
        rows = cursor.fetchall()
    copy_seconds = time_raw_copy(rows)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {**figures, "mode": mode, "workers": workers if mode == "day" else 1, "postings": len(rows),
            "copy_seconds": copy_seconds, "own_peak_bytes": peak}


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


class MemorySampler:
    """The peak of the summed resident memory of a process and its descendants, sampled every 50 ms."""

    def __init__(self, pid: int) -> None:
        import psutil

        self.process = psutil.Process(pid)
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        import psutil

        while not self._stop.is_set():
            try:
                tree = [self.process, *self.process.children(recursive=True)]
                total = 0
                for proc in tree:
                    try:
                        total += proc.memory_info().rss
                    except psutil.Error:
                        pass
                self.peak = max(self.peak, total)
            except psutil.Error:
                return
            self._stop.wait(0.05)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


def report(figures: dict[str, object]) -> None:
    seconds = float(figures["seconds"])  # type: ignore[arg-type]
    postings = int(figures["postings"])  # type: ignore[call-overload]
    copy_rate = postings / float(figures["copy_seconds"])  # type: ignore[arg-type]
    rate = postings / seconds
    if figures["mode"] == "step":
        title = "deduction step alone (deductions_step(day), one process, one transaction)"
    else:
        title = f"whole day (run_through(day, workers={figures['workers']}): every step, chunks of partitions)"
    print(f"== {title}")
    print(f"people due {figures['people_due']:,}: {figures['periods']:,} UC periods, "
          f"{figures['instalments']:,} legacy instalments")
    print(f"deductions {figures['deductions']:,} ({figures['third_party']:,} third-party), "
          f"entries {figures['entries']:,}, postings {postings:,}, debts cleared {figures['cleared']:,}")
    print(f"seconds end to end, committed: {seconds:.2f} (target < 15 s at 500,000 people due)")
    print(f"posting rate end to end {rate:,.0f} postings/s; raw binary COPY of the same rows {copy_rate:,.0f} "
          f"postings/s; ratio {rate / copy_rate:.3f}")
    print(f"peak memory of all the run's processes: {int(figures['peak_bytes']) / 2**20:,.0f} MiB "  # type: ignore[call-overload]
          "(target < 2 GiB)")
    print(f"money digest (deductions, balances, statuses, periods, the day's postings): {figures['money_digest']}")
    print(f"full digest (the same, with the stored explanations and events): {figures['digest']}")


def build_template(args: argparse.Namespace, template: str) -> None:
    """Build the book in a fresh database (in a child process), then keep it as the template."""
    from psycopg import sql

    fresh_database(args.url)
    child = subprocess.run([sys.executable, __file__, "--url", args.url, "--people", str(args.people),
                            "--seed", str(args.seed), "--set-up-only"], check=False)
    if child.returncode != 0:
        sys.exit(child.returncode)
    _, name, admin = _admin(args.url)
    with admin:  # type: ignore[attr-defined]
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(template)))  # type: ignore[attr-defined]
        admin.execute(sql.SQL("ALTER DATABASE {} RENAME TO {}").format(  # type: ignore[attr-defined]
            sql.Identifier(name), sql.Identifier(template)))


def timed_run(args: argparse.Namespace, template: str, mode: str) -> dict[str, object]:
    copy_database(args.url, template, args.url.rpartition("/")[2])
    child = subprocess.Popen([sys.executable, __file__, "--url", args.url, "--run-only", mode,
                              "--workers", str(args.workers)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
    sampler = MemorySampler(child.pid)
    out, err = child.communicate()
    peak = sampler.stop()
    if child.returncode != 0:
        sys.exit(err)
    figures: dict[str, object] = json.loads(out.strip().splitlines()[-1])
    figures["peak_bytes"] = max(peak, int(figures["own_peak_bytes"]))  # type: ignore[call-overload]
    return figures


def main() -> None:
    args = parse_args()
    if args.set_up_only:
        start_django(args.url)
        set_up(args)
        return
    if args.run_only:
        start_django(args.url)
        print(json.dumps(run_timed(args.run_only, args.workers), default=str))
        return
    template = template_name(args.url, args.people, args.seed)
    if not (args.reuse_book and template_exists(args.url, template)):
        build_template(args, template)
    print(server_settings(args.url))
    print(f"load average at the start: {', '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} cores)")
    results = []
    for mode in ("step", "day"):
        if args.only in (None, mode):
            results.append(timed_run(args, template, mode))
            report(results[-1])
    if len({f["digest"] for f in results}) > 1:
        print("DIGESTS DIFFER: the step and the day did not leave the same deductions and balances")
    print(f"load average at the end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
