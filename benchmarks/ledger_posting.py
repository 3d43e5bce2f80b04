"""Benchmark: posting journal entries in bulk with ``post_entries`` on PostgreSQL, side by side with a raw
binary ``COPY`` of the same posting rows into a scratch table with the same indexes as ``dms_posting``.

    python benchmarks/ledger_posting.py [--url postgres://postgres@127.0.0.1:5432/dms_bench_ledger]
                                        [--entries 50000] [--debts 20000] [--rounds 3]

Each entry is a DEDUCTION (four postings: BENEFIT_RECOVERIES, RECEIVABLE(debt), CREDITOR_DEBTS and
CREDITOR_PAYABLE of the debt's creditor). The database is created if absent and migrated. Prints postings
per second for both and their ratio (goal: post_entries >= 100,000 postings/s and >= 0.5 of raw COPY), and
the same entries posted by ``post_recoveries`` (the fixed DEDUCTION shape the daily run posts, with the
debts' RECEIVABLE account ids known from its load).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import date

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/dms_bench_ledger"
DAY = date(2025, 5, 9)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default=DEFAULT_URL, help="PostgreSQL URL of the benchmark database")
    parser.add_argument("--entries", type=int, default=50_000, help="entries per round (4 postings each)")
    parser.add_argument("--debts", type=int, default=20_000, help="debts the entries are spread over")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds (the best is reported)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the existing benchmark database (default: drop and recreate it)")
    return parser.parse_args()


def start_django(url: str, fresh: bool) -> None:
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("this benchmark measures PostgreSQL: give a postgres:// URL")
    os.environ["DMS_DATABASE_URL"] = url
    os.environ.setdefault("DMS_DATA_DIR", "/tmp/dms-bench-data")
    from dms.commands.core import create_postgresql_database_if_absent
    from dms.store.bootstrap import ensure_database

    if fresh:
        drop_database(url)
    create_postgresql_database_if_absent(url)
    ensure_database()


def drop_database(url: str) -> None:
    """Start from an empty benchmark database so runs are comparable (never the database DMS runs on)."""
    import psycopg
    from psycopg import sql

    base, _, name = url.rpartition("/")
    if not name.startswith("dms_bench"):
        sys.exit(f"the benchmark recreates only databases named dms_bench..., not {name!r}")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def ensure_debts(count: int) -> list[tuple[int, int]]:
    """(debt id, creditor id) of ``count`` benchmark debts, created in bulk if missing."""
    from django.db import transaction

    from dms.store.models import Creditor, Debt, Person, partition_of

    existing = list(Debt.objects.filter(creditor_ref__startswith="BENCH-").values_list("id", "creditor_id")[:count])
    if len(existing) >= count:
        return existing
    dwp = Creditor.objects.get(kind="DWP")
    with transaction.atomic():
        start = len(existing)
        ninos = [f"AB{n:06d}C" for n in range(start, count)]
        people = Person.objects.bulk_create(
            [Person(nino=nino, partition=partition_of(nino)) for nino in ninos], batch_size=5000
        )
        base = 9_000_000_000
        Debt.objects.bulk_create(
            [Debt(person=p, creditor=dwp, creditor_ref=f"BENCH-{i}", debt_type="OVERPAYMENT",
                  classification="NON_FRAUD", amount_pence=10**9, original_amount_pence=10**9, created_on=DAY,
                  received_on=DAY, receipt_seq=base + i, status_date=DAY, partition=p.partition)
             for i, p in zip(range(start, count), people, strict=True)],
            batch_size=5000,
        )
    return list(Debt.objects.filter(creditor_ref__startswith="BENCH-").values_list("id", "creditor_id")[:count])


def build_entries(debts: list[tuple[int, int]], count: int) -> list[object]:
    from dms.ledger import AccountKey, AccountKind, EntryKind, Posting, build_entry

    recoveries = AccountKey(AccountKind.BENEFIT_RECOVERIES)
    entries = []
    for i in range(count):
        debt_id, creditor_id = debts[i % len(debts)]
        amount = 100 + i % 5000
        entries.append(build_entry(EntryKind.DEDUCTION, DAY, [
            Posting(recoveries, amount),
            Posting(AccountKey(AccountKind.RECEIVABLE, debt_id), -amount),
            Posting(AccountKey(AccountKind.CREDITOR_DEBTS, creditor_id), amount),
            Posting(AccountKey(AccountKind.CREDITOR_PAYABLE, creditor_id), -amount),
        ], description="benchmark deduction"))
    return entries


def recoveries_of(debts: list[tuple[int, int]], count: int) -> list[object]:
    """The same deductions as :func:`build_entries`, as ``post_recoveries`` takes them."""
    from dms.ledger import AccountKey, AccountKind
    from dms.store.ledger import Recovery, resolve_accounts

    accounts = resolve_accounts(AccountKey(AccountKind.RECEIVABLE, debt_id) for debt_id, _ in debts)
    out = []
    for i in range(count):
        debt_id, creditor_id = debts[i % len(debts)]
        out.append(Recovery(accounts[AccountKey(AccountKind.RECEIVABLE, debt_id)], creditor_id, 100 + i % 5000,
                            "benchmark deduction"))
    return out


def time_post_recoveries(recoveries: list[object]) -> float:
    from django.db import transaction

    from dms.ledger import AccountKind, EntryKind
    from dms.store.ledger import post_recoveries

    started = time.perf_counter()
    with transaction.atomic():
        post_recoveries(EntryKind.DEDUCTION, DAY, AccountKind.BENEFIT_RECOVERIES, recoveries)  # type: ignore[arg-type]
    return time.perf_counter() - started


def time_post_entries(entries: list[object]) -> float:
    from django.db import transaction

    from dms.store.ledger import post_entries

    started = time.perf_counter()
    with transaction.atomic():
        post_entries(entries)  # type: ignore[arg-type]
    return time.perf_counter() - started


SCRATCH = """
DROP TABLE IF EXISTS bench_posting_copy;
CREATE TABLE bench_posting_copy (id bigserial PRIMARY KEY, entry_id bigint NOT NULL,
                                 account_id bigint NOT NULL, amount_pence bigint NOT NULL);
CREATE INDEX bench_posting_copy_entry ON bench_posting_copy (entry_id);
CREATE INDEX bench_posting_copy_account ON bench_posting_copy (account_id);
"""


def time_raw_copy(rows: list[tuple[int, int, int]]) -> float:
    """Binary COPY of ``rows`` into a scratch table with dms_posting's indexes (no foreign keys)."""
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        cursor.execute(SCRATCH)
    from dms.store.ledger import _binary_int8_copy

    raw = connection.connection
    started = time.perf_counter()
    with transaction.atomic(), raw.cursor() as cursor:
        with cursor.copy("COPY bench_posting_copy (entry_id, account_id, amount_pence) FROM STDIN (FORMAT BINARY)") as copy:
            copy.write(_binary_int8_copy(rows, 3))
    elapsed = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_posting_copy")
    return elapsed


def posting_rows_of(entries: list[object]) -> list[tuple[int, int, int]]:
    from dms.store.ledger import resolve_accounts

    accounts = resolve_accounts(p.account for e in entries for p in e.postings)  # type: ignore[attr-defined]
    return [(n + 1, accounts[p.account], p.amount_pence)
            for n, e in enumerate(entries) for p in e.postings]  # type: ignore[attr-defined]


def main() -> None:
    args = parse_args()
    start_django(args.url, fresh=not args.keep)
    debts = ensure_debts(args.debts)
    entries = build_entries(debts, args.entries)
    postings = sum(len(e.postings) for e in entries)  # type: ignore[attr-defined]
    rows = posting_rows_of(entries)
    recoveries = recoveries_of(debts, args.entries)
    time_post_entries(entries[:1000])  # warm up: accounts exist, caches are hot
    best_post, best_copy, best_fixed = float("inf"), float("inf"), float("inf")
    for round_number in range(1, args.rounds + 1):
        post_seconds = time_post_entries(entries)
        fixed_seconds = time_post_recoveries(recoveries)
        copy_seconds = time_raw_copy(rows)
        best_post, best_copy = min(best_post, post_seconds), min(best_copy, copy_seconds)
        best_fixed = min(best_fixed, fixed_seconds)
        print(f"round {round_number}: post_entries {postings / post_seconds:,.0f} postings/s, "
              f"post_recoveries {postings / fixed_seconds:,.0f} postings/s, "
              f"raw binary COPY {postings / copy_seconds:,.0f} rows/s")
    post_rate, copy_rate = postings / best_post, postings / best_copy
    print(f"{args.entries:,} entries, {postings:,} postings per round, {len(debts):,} debts, best of {args.rounds}")
    print(f"post_entries:     {post_rate:>12,.0f} postings/s ({best_post:.3f} s)")
    print(f"post_recoveries:  {postings / best_fixed:>12,.0f} postings/s ({best_fixed:.3f} s; ratio to COPY "
          f"{best_copy / best_fixed:.2f})")
    print(f"raw binary COPY:  {copy_rate:>12,.0f} rows/s ({best_copy:.3f} s)")
    print(f"ratio post_entries / COPY: {post_rate / copy_rate:.2f} (goal >= 0.5); target 100,000 postings/s: "
          f"{'met' if post_rate >= 100_000 else 'MISSED'}")


if __name__ == "__main__":
    main()
