"""Benchmark: reading and checking an inbound LA file of the largest size the interface allows
(hb-debt-interface.md §5.1: 20 MiB), as validation does it (spec §6.1), and the alternative of validating
the whole document against the full schema.

    python benchmarks/la_validation.py [--records 30000]

Set-up (not timed): a referral file of ``--records`` records written with ``dms.la_interface.build``
(every tenth record with a fault: a bad NINO, a Total that does not add up, or a repeated DebtRef), so the
checks have errors to find.

Timed, each in a fresh process (so each peak memory is its own):

- ``stream``: what ``validate_file`` does with the file: ``check_bytes`` (UTF-8, DTD), then ``FileScanner``
  (``iterparse``, each record validated against the per-record schema and the §6.1 rules, elements freed).
- ``whole``: parse the whole document into a tree and validate it with the full ``ReferralFile.xsd``,
  reading ``error_log`` (the approach not taken).

Prints the file size, records, errors found, seconds, records per second and peak resident memory.
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


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=30_000, help="records in the referral file")
    parser.add_argument("--measure", choices=["stream", "whole"], help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    return parser.parse_args()


def write_file(path: Path, count: int) -> None:
    from dms.la_interface import build
    from dms.la_interface.records import Overpayment

    def records():  # type: ignore[no-untyped-def]
        for n in range(count):
            nino = f"AB{n % 1_000_000:06d}C"
            total = 10_000 + n
            if n % 30 == 10:
                nino = f"GB{n % 1_000_000:06d}C"
            overpayments = [Overpayment(total - 5_000, date(2025, 6, 2), date(2025, 8, 31)),
                            Overpayment(5_000 + (1 if n % 30 == 20 else 0), date(2025, 9, 1), date(2025, 9, 21))]
            ref = f"HB/{n - 1 if n % 30 == 0 and n else n}"
            yield build.referral(ref, nino, total, overpayments=overpayments)

    with path.open("wb") as out:
        build.write_file(out, "LAREF", LA, DAY, records(), record_count=count,
                         total_pence=sum(10_000 + n for n in range(count)))


def measure(kind: str, path: Path) -> dict[str, float]:
    started = time.perf_counter()
    if kind == "stream":
        from dms.la_interface.inbound import FileScanner
        from dms.la_interface.names import parse_file_name
        from dms.la_interface.reading import check_bytes

        with path.open("rb") as stream:
            check_bytes(stream)
        scanner = FileScanner(parse_file_name(path.name))
        with path.open("rb") as stream:
            records = sum(len(chunk) for chunk in scanner.chunks(stream, 5_000))
        errors = len(scanner.errors)
    else:
        from lxml import etree

        from dms.la_interface.reading import hardened_parser_options
        from dms.la_interface.schemas import schema

        validator = schema("LAREF")
        tree = etree.parse(str(path), etree.XMLParser(**hardened_parser_options()))  # type: ignore[arg-type]
        validator.validate(tree)
        errors = len(validator.error_log)
        records = len(tree.getroot()) - 1
    seconds = time.perf_counter() - started
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"records": records, "errors": errors, "seconds": seconds, "peak_mib": peak_mib}


def main() -> None:
    args = parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, Path(args.file))))
        return
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{DAY:%Y%m%d}-LAREF-{LA}.xml"
        write_file(path, args.records)
        size_mib = path.stat().st_size / 1024 / 1024
        print(f"referral file: {args.records:,} records, {size_mib:.1f} MiB")
        for kind in ("stream", "whole"):
            output = subprocess.run([sys.executable, __file__, "--measure", kind, "--file", str(path)],
                                    capture_output=True, text=True, check=True).stdout
            found = json.loads(output)
            print(f"{kind:>6}: {found['records']:,} records, {found['errors']:,} errors, {found['seconds']:.2f} s, "
                  f"{found['records'] / found['seconds']:,.0f} records/s, peak memory {found['peak_mib']:.0f} MiB")


if __name__ == "__main__":
    main()
