"""Benchmark: the ``dms ledger check`` logic (``check_ledger``) over millions of postings on PostgreSQL.

    python benchmarks/ledger_check.py [--url postgres://postgres@127.0.0.1:5432/dms_bench_check]
                                      [--postings 3000000] [--debts 100000]

Builds the ledger quickly with binary COPY (balanced four-posting DEDUCTION entries spread over ``--debts``
debts, stored balances set to match), then times ``check_ledger`` (goal: 3 million postings in under 10 s).
The benchmark database is dropped and recreated on each run.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/dms_bench_check"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default=DEFAULT_URL, help="PostgreSQL URL of the benchmark database")
    parser.add_argument("--postings", type=int, default=3_000_000, help="postings to build (4 per entry)")
    parser.add_argument("--debts", type=int, default=100_000, help="debts the entries are spread over")
    return parser.parse_args()


def build_ledger(entries: int, debt_count: int) -> None:
    """Debts, their RECEIVABLE accounts, entries and postings written by COPY; balances made to match."""
    from django.db import connection, transaction

    from dms.ledger import AccountKey, AccountKind
    from dms.store.ledger import resolve_accounts, write_rows
    from ledger_posting import DAY, ensure_debts

    debts = ensure_debts(debt_count)
    creditor_id = debts[0][1]
    with transaction.atomic():
        keys = [AccountKey(AccountKind.RECEIVABLE, d) for d, _ in debts]
        system = [AccountKey(AccountKind.BENEFIT_RECOVERIES), AccountKey(AccountKind.CREDITOR_DEBTS, creditor_id),
                  AccountKey(AccountKind.CREDITOR_PAYABLE, creditor_id)]
        accounts = resolve_accounts(keys + system)
        receivables = [accounts[k] for k in keys]
        recoveries, held, payable = (accounts[k] for k in system)
        with connection.cursor() as cursor:
            cursor.execute("SELECT COALESCE(MAX(id), 0) FROM dms_journal_entry")
            first = cursor.fetchone()[0] + 1
        write_rows("dms_journal_entry", ("id", "business_date", "kind", "description", "reason"),
                   [(first + i, DAY, "DEDUCTION", "", "") for i in range(entries)],
                   ("int8", "date", "text", "text", "text"))
        rows = []
        for i in range(entries):
            entry_id, amount, receivable = first + i, 100 + i % 5000, receivables[i % len(receivables)]
            rows += [(entry_id, recoveries, amount), (entry_id, receivable, -amount), (entry_id, held, amount),
                     (entry_id, payable, -amount)]
        write_rows("dms_posting", ("entry_id", "account_id", "amount_pence"), rows, ("int8", "int8", "int8"))
        with connection.cursor() as cursor:
            cursor.execute("SELECT setval(pg_get_serial_sequence('dms_journal_entry', 'id'), %s)", [first + entries])
            cursor.execute(
                "UPDATE dms_account a SET balance_pence = s.total FROM (SELECT account_id, SUM(amount_pence) AS total "
                "FROM dms_posting GROUP BY account_id) s WHERE s.account_id = a.id"
            )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE dms_posting")
        cursor.execute("VACUUM ANALYZE dms_journal_entry")
        cursor.execute("VACUUM ANALYZE dms_account")


def main() -> None:
    args = parse_args()
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from ledger_posting import start_django

    start_django(args.url, fresh=True)
    started = time.perf_counter()
    build_ledger(args.postings // 4, args.debts)
    print(f"built {args.postings:,} postings in {time.perf_counter() - started:.1f} s")
    from dms.store.ledger import check_ledger

    started = time.perf_counter()
    report = check_ledger()
    elapsed = time.perf_counter() - started
    print(f"check_ledger: {report.entries:,} entries, {report.postings:,} postings, {report.accounts:,} accounts, "
          f"total {report.total_pence} pence: {'OK' if report.ok else report.problems[:3]}")
    print(f"check_ledger took {elapsed:.2f} s ({report.postings / elapsed:,.0f} postings/s); goal: under 10 s "
          f"for 3,000,000 postings")


if __name__ == "__main__":
    main()
