"""Benchmark: the month-end for 360 LAs and millions of schedule lines on PostgreSQL: payment schedules
(lines streamed from a server-side cursor ordered by LA, each file written incrementally), one tar per LA,
and the BACS Standard 18 file.

    python benchmarks/month_end.py [--url postgres://postgres@127.0.0.1:5432/dms_bench_month]
                                   [--lines 3000000] [--las 360] [--lines-per-debt 10]

Builds the book quickly with COPY: LAs, people with UC awards, one HB debt each (REFERRAL entries), and
``--lines`` DEDUCTION entries in October 2025 (four postings each). Then times ``produce_schedules`` for
2025-10 on 2025-11-03, writing a ``20251103-PDPDM-<LAID>.tar`` per LA, and ``export_bacs``. Prints the
times and the peak resident memory (goal: under 60 s in all for 3,000,000 lines, memory flat in the number
of lines). The benchmark database is dropped and recreated on each run.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tarfile
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/dms_bench_month"
RUN_DATE = date(2025, 11, 3)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default=DEFAULT_URL, help="PostgreSQL URL of the benchmark database")
    parser.add_argument("--lines", type=int, default=3_000_000, help="schedule lines (DEDUCTION entries)")
    parser.add_argument("--las", type=int, default=360, help="local authorities")
    parser.add_argument("--lines-per-debt", type=int, default=10, help="deductions per debt in the month")
    return parser.parse_args()


def _next_entry_id(cursor: object) -> int:
    cursor.execute("SELECT COALESCE(MAX(id), 0) FROM dms_journal_entry")  # type: ignore[attr-defined]
    return int(cursor.fetchone()[0]) + 1  # type: ignore[attr-defined]


def build_las(count: int) -> list[int]:
    from dms.services.creditors import LaDetails, register_la

    return [register_la(LaDetails(f"{i:06d}", f"Council {i}", f"{200000 + i:06d}", f"{10000000 + i:08d}")).pk
            for i in range(1, count + 1)]


def build_people_and_debts(creditors: list[int], debts: int) -> list[tuple[int, int]]:
    """(debt id, creditor id) of ``debts`` HB debts, one per person, each person on UC."""
    from django.db import connection

    from dms.store.ledger import write_rows
    from dms.store.models import partition_of

    ninos = [f"{'AB' if i < 1_000_000 else 'CE'}{i % 1_000_000:06d}C" for i in range(debts)]
    write_rows("dms_person", ("nino", "surname", "forenames", "partition"),
               [(n, "Jones", "Sam", partition_of(n)) for n in ninos])
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM dms_person ORDER BY id")
        people = [row[0] for row in cursor.fetchall()]
    write_rows("dms_award", ("award_ref", "person_id", "benefit", "start_date", "end_reason", "claimant_type",
                             "pay_frequency"),
               [(f"uc-{p}", p, "UC", date(2024, 1, 1), "", "SINGLE_25_OR_OVER", "") for p in people])
    write_rows("dms_debt", ("person_id", "creditor_id", "creditor_ref", "debt_type", "classification",
                            "amount_pence", "original_amount_pence", "created_on", "received_on", "receipt_seq",
                            "status", "status_date", "partition", "cessation_reason"),
               [(p, creditors[i % len(creditors)], f"HB/{i}", "OVERPAYMENT", "NON_FRAUD", 500_000, 500_000,
                 date(2025, 9, 1), date(2025, 9, 1), i + 1, "OPEN", date(2025, 9, 1), 0, "")
                for i, p in enumerate(people)])
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, creditor_id FROM dms_debt ORDER BY id")
        return [(row[0], row[1]) for row in cursor.fetchall()]


def build_ledger(debts: list[tuple[int, int]], lines: int, per_debt: int) -> None:
    from django.db import connection, transaction

    from dms.ledger import AccountKey, AccountKind
    from dms.store.ledger import resolve_accounts, write_rows

    creditors = sorted({c for _, c in debts})
    keys = [AccountKey(AccountKind.RECEIVABLE, d) for d, _ in debts]
    keys += [AccountKey(k, c) for c in creditors for k in (AccountKind.CREDITOR_DEBTS, AccountKind.CREDITOR_PAYABLE)]
    keys.append(AccountKey(AccountKind.BENEFIT_RECOVERIES))
    with transaction.atomic():
        accounts = resolve_accounts(keys)
        recoveries = accounts[AccountKey(AccountKind.BENEFIT_RECOVERIES)]
        with connection.cursor() as cursor:
            first = _next_entry_id(cursor)
        entries, postings = [], []
        for i, (debt_id, creditor_id) in enumerate(debts):
            entries.append((first + i, date(2025, 9, 1), "REFERRAL", "", ""))
            held = accounts[AccountKey(AccountKind.CREDITOR_DEBTS, creditor_id)]
            postings += [(first + i, accounts[AccountKey(AccountKind.RECEIVABLE, debt_id)], 500_000),
                         (first + i, held, -500_000)]
        next_id = first + len(debts)
        for n in range(lines):
            debt_id, creditor_id = debts[(n // per_debt) % len(debts)]
            entry_id, amount = next_id + n, 100 + n % 2_000
            entries.append((entry_id, date(2025, 10, 1) + timedelta(days=n % 31), "DEDUCTION", "", ""))
            postings += [
                (entry_id, recoveries, amount),
                (entry_id, accounts[AccountKey(AccountKind.RECEIVABLE, debt_id)], -amount),
                (entry_id, accounts[AccountKey(AccountKind.CREDITOR_DEBTS, creditor_id)], amount),
                (entry_id, accounts[AccountKey(AccountKind.CREDITOR_PAYABLE, creditor_id)], -amount),
            ]
        write_rows("dms_journal_entry", ("id", "business_date", "kind", "description", "reason"), entries,
                   ("int8", "date", "text", "text", "text"))
        del entries
        write_rows("dms_posting", ("entry_id", "account_id", "amount_pence"), postings, ("int8", "int8", "int8"))
        del postings
        with connection.cursor() as cursor:
            cursor.execute("SELECT setval(pg_get_serial_sequence('dms_journal_entry', 'id'), %s)",
                           [next_id + lines])
            cursor.execute(
                "UPDATE dms_account a SET balance_pence = s.total FROM (SELECT account_id, SUM(amount_pence) AS "
                "total FROM dms_posting GROUP BY account_id) s WHERE s.account_id = a.id")
    with connection.cursor() as cursor:
        for table in ("dms_posting", "dms_journal_entry", "dms_account", "dms_debt", "dms_person", "dms_award"):
            cursor.execute(f"VACUUM ANALYZE {table}")


def bundle(files: list[object], out_dir: Path) -> int:
    """One ``20251103-PDPDM-<LAID>.tar`` per LA holding its schedule (plain POSIX tar)."""
    for written in files:
        name = out_dir / f"{RUN_DATE:%Y%m%d}-PDPDM-{written.la_id}.tar"  # type: ignore[attr-defined]
        with tarfile.open(name, "w", format=tarfile.PAX_FORMAT) as tar:
            tar.add(written.path, arcname=written.file_name)  # type: ignore[attr-defined]
    return len(files)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    args = parse_args()
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    os.environ["DMS_DATA_DIR"] = tempfile.mkdtemp(prefix="dms-bench-month-")
    from ledger_posting import start_django

    start_django(args.url, fresh=True)
    started = time.perf_counter()
    creditors = build_las(args.las)
    debts = build_people_and_debts(creditors, max(1, args.lines // args.lines_per_debt))
    build_ledger(debts, args.lines, args.lines_per_debt)
    del debts
    import gc

    gc.collect()
    print(f"built {args.las} LAs and {args.lines:,} deductions in {time.perf_counter() - started:.1f} s; "
          f"peak memory so far {peak_rss_mb():.0f} MB (building)")
    measure(args)


def measure(args: argparse.Namespace) -> None:
    from dms.services.payments import export_bacs, produce_schedules

    rss_before = peak_rss_mb()
    timings = {}
    started = time.perf_counter()
    result = produce_schedules(2025, 10, run_date=RUN_DATE)
    timings["schedules"] = time.perf_counter() - started
    out_dir = Path(os.environ["DMS_DATA_DIR"]) / "outbox"
    out_dir.mkdir(exist_ok=True)
    started = time.perf_counter()
    tars = bundle(result.files, out_dir)
    timings["tars"] = time.perf_counter() - started
    started = time.perf_counter()
    export = export_bacs("2025-10", out_dir / "bacs-2025-10.txt")
    timings["bacs"] = time.perf_counter() - started
    total = sum(timings.values())
    print(f"schedules: {len(result.files)} files, {result.line_count:,} lines in {timings['schedules']:.1f} s "
          f"({result.line_count / timings['schedules']:,.0f} lines/s)")
    print(f"tars: {tars} in {timings['tars']:.1f} s; BACS: {export.credits} credits in {timings['bacs']:.1f} s")
    print(f"month-end total {total:.1f} s (goal: under 60 s for 3,000,000 lines); peak memory "
          f"{peak_rss_mb():.0f} MB (before the month-end {rss_before:.0f} MB)")


if __name__ == "__main__":
    main()
