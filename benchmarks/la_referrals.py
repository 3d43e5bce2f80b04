"""Benchmark: an LA referral file validated and applied end to end on PostgreSQL (hb-debt-interface.md §6.1-6.4):
parse, validate, apply (debts, components, audit rows, REFERRAL/RETURN entries, cessations), commit.

    python benchmarks/la_referrals.py [--records 100000] [--url postgres://postgres@127.0.0.1:5432/dms_bench_la]

Set-up (not timed), in a fresh benchmark database: one LA; ``--records`` people, each on Universal Credit
except every 50th, who has no award, and each with a DWP debt already held (so the tables the referral rules
read are of a book's size, and the planner's statistics say so: ``ANALYZE`` after set-up) (so 2% of the referrals are taken on and returned at once,
``NO_BENEFIT_IN_PAYMENT``, with their cessations); a referral file of ``--records`` records (two overpayments
each) written with ``dms.la_interface.build``. A tar member may be at most 20 MiB (§5.1), which 100,000
records exceed, so the file is not taken in through ``dms la receive``: it is placed in the archive and
recorded as a PENDING received file, and handed straight to the processing service
(:func:`dms.services.la_processing.process_file`), as the daily run's ``la_files`` step does.

Timed, in a fresh process per size after the set-up's own process (so each peak memory is the processing's
own): ``process_file`` (the file read once: each chunk of 5,000 records validated and, while the file has no
error, applied at once; then the file marked ACCEPTED) and the commit. Within it, the time spent applying
chunks (``_apply_referrals``: loads, rules, writes, postings) and the commit (where PostgreSQL runs the
deferred foreign-key checks) are measured; reading and validating is the rest. Prints records/s for each,
and peak resident memory. With
``--sizes`` several sizes run one after another (to show memory does not grow with the file).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import subprocess
import sys
import time
from datetime import date

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/dms_bench_la"
DAY = date(2025, 11, 18)
LA = "005920"
NO_BENEFIT_EVERY = 50


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=100_000, help="records in the referral file")
    parser.add_argument("--sizes", help="comma-separated record counts to run one after another (overrides --records)")
    parser.add_argument("--url", default=DEFAULT_URL, help="PostgreSQL URL of the benchmark database (dms_bench...)")
    parser.add_argument("--phase", choices=["setup", "measure"], help=argparse.SUPPRESS)
    return parser.parse_args()


def drop_database(url: str) -> None:
    """Start from an empty benchmark database (never the database DMS runs on)."""
    import psycopg
    from psycopg import sql

    base, _, name = url.rpartition("/")
    if not name.startswith("dms_bench"):
        sys.exit(f"the benchmark recreates only databases named dms_bench..., not {name!r}")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def start_django(url: str, fresh: bool = True) -> None:
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("this benchmark measures PostgreSQL: give a postgres:// URL")
    os.environ["DMS_DATABASE_URL"] = url
    os.environ.setdefault("DMS_DATA_DIR", "/tmp/dms-bench-la-data")
    from dms.commands.core import create_postgresql_database_if_absent
    from dms.store.bootstrap import ensure_database

    if fresh:
        drop_database(url)
    create_postgresql_database_if_absent(url)
    ensure_database()


def nino(n: int) -> str:
    return f"AB{n:06d}C"


def set_up(count: int) -> int:
    """The LA, the people and their awards, the file in the archive and its PENDING row; the file's id."""
    from django.db import connection, transaction

    from dms.la_interface import build
    from dms.la_interface.records import Overpayment
    from dms.services.creditors import LaDetails, register_la
    from dms.services.debts import referral_entry
    from dms.settings import get_config
    from dms.store.la.models import FileKind, ReceivedFile, ReceivedTar
    from dms.store.ledger import post_entries
    from dms.store.models import Award, Counter, Creditor, Debt, Person, partition_of

    register_la(LaDetails(LA, "Benchmark Council", "200000", "12345678"))
    with transaction.atomic():
        people = Person.objects.bulk_create(
            [Person(nino=nino(n), partition=partition_of(nino(n))) for n in range(count)], batch_size=10_000)
        Award.objects.bulk_create(
            [Award(award_ref=f"UC-{p.nino}", person=p, benefit="UC", start_date=date(2025, 4, 7),
                   claimant_type="SINGLE_25_OR_OVER", assessment_period_day=7)
             for n, p in enumerate(people) if n % NO_BENEFIT_EVERY], batch_size=10_000)
        dwp = Creditor.objects.get(kind="DWP")
        book = Debt.objects.bulk_create(
            [Debt(person=p, creditor=dwp, creditor_ref=f"DWP-{p.nino}", debt_type="OVERPAYMENT",
                  classification="NON_FRAUD", amount_pence=50_000, original_amount_pence=50_000,
                  created_on=date(2025, 1, 6), received_on=date(2025, 1, 6), receipt_seq=n + 1, status="OPEN",
                  status_date=date(2025, 1, 6), partition=p.partition) for n, p in enumerate(people)],
            batch_size=10_000)
        Counter.objects.update_or_create(name="receipt_seq", defaults={"value": count})
        post_entries([referral_entry(d.pk, dwp.pk, "DWP", d.creditor_ref, 50_000, date(2025, 1, 6)) for d in book])

    def records():  # type: ignore[no-untyped-def]
        for n in range(count):
            total = 10_000 + n
            yield build.referral(f"HB/{n}", nino(n), total, classification="FRAUD" if n % 7 == 0 else "NON_FRAUD",
                                 overpayments=[Overpayment(total - 5_000, date(2025, 6, 2), date(2025, 8, 31)),
                                               Overpayment(5_000, date(2025, 9, 1), date(2025, 9, 21))])

    name = build.file_name("LAREF", LA, DAY)
    archive = get_config().archive_dir / "bench"
    archive.mkdir(parents=True, exist_ok=True)
    path = archive / name
    with path.open("wb") as out:
        build.write_file(out, "LAREF", LA, DAY, records(), record_count=count,
                         total_pence=sum(10_000 + n for n in range(count)))
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    size = path.stat().st_size
    tar = ReceivedTar.objects.create(name=build.upload_name(LA, DAY), la_id=LA, tar_date=DAY, sha256=digest,
                                     size=size, archive_path="bench", received_on=DAY, accepted=True)
    received = ReceivedFile.objects.create(tar=tar, name=name, kind=FileKind.REFERRAL, la_id=LA, creation_date=DAY,
                                           sha256=digest, size=size, archive_path=f"bench/{name}", received_on=DAY,
                                           seq=1)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # planner statistics, as a database in service has them
    return received.pk


def measure(url: str, count: int) -> dict[str, float]:
    start_django(url, fresh=False)
    from django.db import connection

    from dms.services import la_processing
    from dms.store.la.models import Cessation, ReceivedFile
    from dms.store.ledger import check_ledger
    from dms.store.models import Debt, DebtComponent

    applying = {"seconds": 0.0}
    apply = la_processing._apply_referrals

    def timed_apply(*args, **kwargs):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        try:
            return apply(*args, **kwargs)
        finally:
            applying["seconds"] += time.perf_counter() - started

    la_processing._apply_referrals = timed_apply  # type: ignore[assignment]
    committing = {"seconds": 0.0}
    commit = connection.commit

    def timed_commit() -> None:
        started = time.perf_counter()
        try:
            commit()
        finally:
            committing["seconds"] += time.perf_counter() - started

    connection.commit = timed_commit  # type: ignore[method-assign]
    received = ReceivedFile.objects.get(state="PENDING")
    size_mib = received.size / 1024 / 1024
    started = time.perf_counter()
    report = la_processing.process_file(received, DAY)  # its own transaction, committed on return
    total = time.perf_counter() - started
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    debts = Debt.objects.filter(creditor__kind="LA").count()
    if report.records != count or debts != count or not check_ledger().ok:
        sys.exit(f"the file was not applied whole: {report}, {debts} debts")
    return {"records": count, "size_mib": size_mib, "total": total, "apply": applying["seconds"],
            "commit": committing["seconds"],
            "taken_on": report.taken_on, "returned": sum(report.returned.values()),
            "components": DebtComponent.objects.count(), "cessations": Cessation.objects.count(), "peak_mib": peak_mib}


def main() -> None:
    args = parse_args()
    if args.phase == "setup":
        start_django(args.url)
        set_up(args.records)
        return
    if args.phase == "measure":
        print(json.dumps(measure(args.url, args.records)))
        return
    from daily_run import server_settings  # benchmarks/daily_run.py

    print(server_settings(args.url))
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else [args.records]
    for count in sizes:
        for phase in ("setup", "measure"):
            output = subprocess.run([sys.executable, __file__, "--phase", phase, "--records", str(count), "--url",
                                     args.url], capture_output=True, text=True, check=True).stdout
        f = json.loads(output.strip().splitlines()[-1])
        read = f["total"] - f["apply"] - f["commit"]
        print(f"referral file: {f['records']:,} records, {f['size_mib']:.1f} MiB; taken on {f['taken_on']:,}, "
              f"returned at once {f['returned']:,} (cessations {f['cessations']:,}), components {f['components']:,}")
        print(f"  read and validate {read:7.2f} s  {f['records'] / read:>9,.0f} records/s  (one read; the "
              "validation's own DebtRef queries included)")
        print(f"  apply             {f['apply']:7.2f} s  {f['records'] / f['apply']:>9,.0f} records/s  (loads, rules, "
              "writes and postings of the chunks)")
        print(f"  commit            {f['commit']:7.2f} s  (deferred foreign-key checks)")
        print(f"  end to end        {f['total']:7.2f} s  {f['records'] / f['total']:>9,.0f} records/s  "
              f"(parse, validate, apply, commit)")
        print(f"  peak memory   {f['peak_mib']:7.0f} MiB")


if __name__ == "__main__":
    main()
