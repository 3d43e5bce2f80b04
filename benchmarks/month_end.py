"""Benchmark: the month-end for 360 LAs and millions of schedule lines on PostgreSQL: payment schedules
(lines streamed from a server-side cursor ordered by LA, each file written incrementally), one tar per LA,
and the BACS Standard 18 file.

    python benchmarks/month_end.py [--url postgres://postgres@127.0.0.1:5432/dms_bench_month]
                                   [--lines 3000000] [--las 360] [--lines-per-debt 10]

Builds the book quickly with COPY, generating rows ``CHUNK`` at a time so the builder's memory stays flat in
the number of lines: LAs, people with UC awards, one HB debt each (REFERRAL entries), and ``--lines``
DEDUCTION entries in October 2025 (four postings each). Then times ``produce_schedules`` for
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


CHUNK = 200_000  # rows generated and written per COPY: the builder's memory does not grow with --lines


def _next_entry_id(cursor: object) -> int:
    cursor.execute("SELECT COALESCE(MAX(id), 0) FROM dms_journal_entry")  # type: ignore[attr-defined]
    return int(cursor.fetchone()[0]) + 1  # type: ignore[attr-defined]


def build_las(count: int) -> list[int]:
    from dms.services.creditors import LaDetails, register_la

    return [register_la(LaDetails(f"{i:06d}", f"Council {i}", f"{200000 + i:06d}", f"{10000000 + i:08d}")).pk
            for i in range(1, count + 1)]


def _nino(i: int) -> str:
    return f"{'AB' if i < 1_000_000 else 'CE'}{i % 1_000_000:06d}C"


def build_people_and_debts(creditors: list[int], debts: int) -> None:
    """``debts`` HB debts, one per person, each person on UC; written a chunk at a time (person ``i`` has id
    ``i + 1``, as does its debt: the benchmark database is new) with their RECEIVABLE accounts."""
    from django.db import connection

    from dms.store.ledger import write_rows
    from dms.store.models import partition_of

    for low in range(0, debts, CHUNK):
        block = range(low, min(debts, low + CHUNK))
        write_rows("dms_person", ("id", "nino", "surname", "forenames", "partition"),
                   [(i + 1, _nino(i), "Jones", "Sam", partition_of(_nino(i))) for i in block])
        write_rows("dms_award", ("award_ref", "person_id", "benefit", "start_date", "end_reason", "claimant_type",
                                 "pay_frequency"),
                   [(f"uc-{i + 1}", i + 1, "UC", date(2024, 1, 1), "", "SINGLE_25_OR_OVER", "") for i in block])
        write_rows("dms_debt", ("id", "person_id", "creditor_id", "creditor_ref", "debt_type", "classification",
                                "amount_pence", "original_amount_pence", "created_on", "received_on", "receipt_seq",
                                "status", "status_date", "partition", "cessation_reason"),
                   [(i + 1, i + 1, creditors[i % len(creditors)], f"HB/{i}", "OVERPAYMENT", "NON_FRAUD", 500_000,
                     500_000, date(2025, 9, 1), date(2025, 9, 1), i + 1, "OPEN", date(2025, 9, 1), partition_of(_nino(i)), "")
                    for i in block])
    with connection.cursor() as cursor:
        for table in ("dms_person", "dms_debt"):
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), %s)", [debts])
        cursor.execute("INSERT INTO dms_account (kind, debt_id, balance_pence) "
                       "SELECT 'RECEIVABLE', id, 0 FROM dms_debt ORDER BY id")


def _receivables(low: int, high: int) -> dict[int, int]:
    """RECEIVABLE account id by debt id, for debts ``low``..``high``."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT debt_id, id FROM dms_account WHERE kind = 'RECEIVABLE' AND debt_id BETWEEN %s AND %s",
                       [low, high])
        return dict(cursor.fetchall())


def build_ledger(creditors: list[int], debts: int, lines: int, per_debt: int) -> None:
    """The REFERRAL entry of every debt, then ``lines`` DEDUCTION entries spread over the debts
    (``per_debt`` each in turn), generated and COPYed ``CHUNK`` entries at a time."""
    from django.db import connection, transaction

    from dms.ledger import AccountKey, AccountKind
    from dms.store.ledger import resolve_accounts, write_rows

    entry_types, posting_types = ("int8", "date", "text", "text", "text"), ("int8", "int8", "int8")
    keys = [AccountKey(k, c) for c in creditors for k in (AccountKind.CREDITOR_DEBTS, AccountKind.CREDITOR_PAYABLE)]
    with transaction.atomic():
        accounts = resolve_accounts([*keys, AccountKey(AccountKind.BENEFIT_RECOVERIES)])
        recoveries = accounts[AccountKey(AccountKind.BENEFIT_RECOVERIES)]
        held = {c: accounts[AccountKey(AccountKind.CREDITOR_DEBTS, c)] for c in creditors}
        payable = {c: accounts[AccountKey(AccountKind.CREDITOR_PAYABLE, c)] for c in creditors}
        creditor_of = lambda debt_id: creditors[(debt_id - 1) % len(creditors)]  # noqa: E731
        with connection.cursor() as cursor:
            first = _next_entry_id(cursor)
        for low in range(1, debts + 1, CHUNK):
            high = min(debts, low + CHUNK - 1)
            receivable = _receivables(low, high)
            entries, postings = [], []
            for debt_id in range(low, high + 1):
                entry_id = first + debt_id - 1
                entries.append((entry_id, date(2025, 9, 1), "REFERRAL", "", ""))
                postings += [(entry_id, receivable[debt_id], 500_000), (entry_id, held[creditor_of(debt_id)], -500_000)]
            write_rows("dms_journal_entry", ("id", "business_date", "kind", "description", "reason"), entries,
                       entry_types)
            write_rows("dms_posting", ("entry_id", "account_id", "amount_pence"), postings, posting_types)
        next_id = first + debts
        for low in range(0, lines, CHUNK):
            block = range(low, min(lines, low + CHUNK))
            first_debt = (low // per_debt) % debts + 1
            last_debt = ((block[-1]) // per_debt) % debts + 1
            receivable = _receivables(min(first_debt, last_debt), max(first_debt, last_debt)) \
                if first_debt <= last_debt else _receivables(1, debts)
            entries, postings = [], []
            for n in block:
                debt_id = (n // per_debt) % debts + 1
                creditor_id = creditor_of(debt_id)
                entry_id, amount = next_id + n, 100 + n % 2_000
                entries.append((entry_id, date(2025, 10, 1) + timedelta(days=n % 31), "DEDUCTION", "", ""))
                postings += [(entry_id, recoveries, amount), (entry_id, receivable[debt_id], -amount),
                             (entry_id, held[creditor_id], amount), (entry_id, payable[creditor_id], -amount)]
            write_rows("dms_journal_entry", ("id", "business_date", "kind", "description", "reason"), entries,
                       entry_types)
            write_rows("dms_posting", ("entry_id", "account_id", "amount_pence"), postings, posting_types)
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
    debts = max(1, args.lines // args.lines_per_debt)
    build_people_and_debts(creditors, debts)
    build_ledger(creditors, debts, args.lines, args.lines_per_debt)
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
