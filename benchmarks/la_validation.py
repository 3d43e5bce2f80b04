"""Benchmark: reading and checking an inbound LA referral file (hb-debt-interface.md §6.1) as validation
does it, and the alternatives.

    python benchmarks/la_validation.py [--records 100000]

Set-up (not timed): two referral files of ``--records`` records written with ``dms.la_interface.build``: a
clean one, and a faulty one (every tenth record with a fault: a bad NINO, a Total that does not add up, or a
repeated DebtRef), so the checks have errors to find.

Timed on each file, each in a fresh process (so each peak memory is its own):

- ``validate``: what ``validate_file`` does with the file: ``check_bytes`` (UTF-8, DTD), then
  ``FileScanner(build_records=False)``: the fast lane (record bytes matched against the schema's shapes and
  the §6.1 rules checked on them, libxml2 checking well-formedness in the same pass; records that are not
  strictly valid parsed and validated against the per-record schema).
- ``records``: what ``iter_records`` does: the same scan building each record's value.
- ``tree``: the scan without the fast lane (``iterparse``, every record validated against the per-record
  schema, elements freed): what validation did before.
- ``whole``: parse the whole document into a tree and validate it with the full ``ReferralFile.xsd``,
  reading ``error_log`` (schema errors only; memory grows with the file).

Prints the file size, records, errors found, seconds, records per second (by the clock, and by the process's
CPU time, which a busy machine does not inflate) and peak resident memory.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

DAY = date(2025, 11, 18)
LA = "005920"
KINDS = ("validate", "records", "tree", "whole")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=100_000, help="records in the referral file")
    parser.add_argument("--measure", choices=KINDS, help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    return parser.parse_args()


def write_file(path: Path, count: int, faulty: bool) -> None:
    from dms.la_interface import build
    from dms.la_interface.records import Overpayment

    def records():  # type: ignore[no-untyped-def]
        for n in range(count):
            nino = f"AB{n % 1_000_000:06d}C"
            total = 10_000 + n
            if faulty and n % 30 == 10:
                nino = f"GB{n % 1_000_000:06d}C"
            overpayments = [Overpayment(total - 5_000, date(2025, 6, 2), date(2025, 8, 31)),
                            Overpayment(5_000 + (1 if faulty and n % 30 == 20 else 0), date(2025, 9, 1),
                                        date(2025, 9, 21))]
            ref = f"HB/{n - 1 if faulty and n % 30 == 0 and n else n}"
            yield build.referral(ref, nino, total, overpayments=overpayments)

    with path.open("wb") as out:
        build.write_file(out, "LAREF", LA, DAY, records(), record_count=count,
                         total_pence=sum(10_000 + n for n in range(count)))


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure(kind: str, path: Path) -> dict[str, float]:
    started, cpu_started = time.perf_counter(), _cpu()
    if kind != "whole":
        from dms.la_interface.inbound import FileScanner
        from dms.la_interface.names import parse_file_name
        from dms.la_interface.reading import CHUNK_BYTES, check_bytes

        if kind == "validate":
            with path.open("rb") as stream:
                check_bytes(stream)
        scanner = FileScanner(parse_file_name(path.name), fast=kind != "tree", build_records=kind != "validate")
        with path.open("rb", buffering=CHUNK_BYTES) as stream:
            records = sum(len(chunk) for chunk in scanner.chunks(stream, 5_000))
        errors = len(scanner.errors)
        if kind != "tree" and scanner.used_tree:
            raise SystemExit("the fast lane fell back to the tree")
    else:
        from lxml import etree

        from dms.la_interface.reading import hardened_parser_options
        from dms.la_interface.schemas import schema

        validator = schema("LAREF")
        tree = etree.parse(str(path), etree.XMLParser(**hardened_parser_options()))  # type: ignore[arg-type]
        validator.validate(tree)
        errors = len(validator.error_log)
        records = len(tree.getroot()) - 1
    seconds, cpu = time.perf_counter() - started, _cpu() - cpu_started
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"records": records, "errors": errors, "seconds": seconds, "cpu": cpu, "peak_mib": peak_mib}


def main() -> None:
    args = parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, Path(args.file))))
        return
    with tempfile.TemporaryDirectory() as folder:
        for label, faulty in (("clean", False), ("faulty", True)):
            path = Path(folder) / label / f"{DAY:%Y%m%d}-LAREF-{LA}.xml"
            path.parent.mkdir()
            write_file(path, args.records, faulty)
            size_mib = path.stat().st_size / 1024 / 1024
            print(f"{label} referral file: {args.records:,} records, {size_mib:.1f} MiB")
            for kind in KINDS:
                output = subprocess.run([sys.executable, __file__, "--measure", kind, "--file", str(path)],
                                        capture_output=True, text=True, check=True).stdout
                found = json.loads(output)
                print(f"  {kind:>8}: {found['records']:,} records, {found['errors']:,} errors, "
                      f"{found['seconds']:.2f} s, {found['records'] / found['seconds']:,.0f} records/s "
                      f"(CPU {found['cpu']:.2f} s, {found['records'] / found['cpu']:,.0f} records/s), "
                      f"peak memory {found['peak_mib']:.0f} MiB")


if __name__ == "__main__":
    main()
