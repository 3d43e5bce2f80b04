"""Benchmark: ``dms synth --people N`` into a fresh PostgreSQL database (goal: 1,000,000 people in under 60 s,
peak memory under 2 GiB).

Runs the real command in a subprocess, exactly as a person would, against a database created for the run
(dropped afterwards unless ``--keep``), and prints the wall time, the rates and the child's peak memory
(``ru_maxrss`` of the finished child).

    python benchmarks/synth_book.py --people 1000000
    python benchmarks/synth_book.py --people 100000 --base postgres://postgres@127.0.0.1:5432
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _dms(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "dms.cli", *args], env=env, capture_output=True, text=True,
                          cwd=str(REPO), check=False)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--base", default=os.environ.get("DMS_TEST_POSTGRES_BASE", "postgres://postgres@127.0.0.1:5432"),
                        help="PostgreSQL server URL without a database name")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    import psycopg

    name = f"dms_synth_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{args.base}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    env = dict(os.environ)
    env["DMS_DATABASE_URL"] = f"{args.base}/{name}"
    env["DMS_DATA_DIR"] = tempfile.mkdtemp(prefix="dms-synth-bench-")
    env["PYTHONPATH"] = str(REPO / "src") + os.pathsep + env.get("PYTHONPATH", "")
    try:
        init = _dms(env, "init")
        if init.returncode != 0:
            print(init.stdout, init.stderr, file=sys.stderr)
            return 1
        started = time.perf_counter()
        result = _dms(env, "synth", "--people", str(args.people), "--seed", str(args.seed))
        seconds = time.perf_counter() - started
        if result.returncode != 0:
            print(result.stdout, result.stderr, file=sys.stderr)
            return 1
        peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        print(result.stdout.strip())
        debts = re.search(r"([\d,]+) debts", result.stdout)
        debt_count = int(debts.group(1).replace(",", "")) if debts else 0
        print(f"people: {args.people:,}")
        print(f"debts: {debt_count:,}")
        print(f"seconds (dms synth, end to end, committed): {seconds:.1f}")
        print(f"people per second: {args.people / seconds:,.0f}")
        print(f"debts per second: {debt_count / seconds:,.0f}")
        print(f"peak memory of the dms process: {peak_kib / 1024:,.0f} MiB")
        print(f"goal: 1,000,000 people under 60 s and under 2,048 MiB; "
              f"{'met' if seconds * 1_000_000 / args.people < 60 and peak_kib < 2 * 1024 * 1024 else 'see figures'}"
              f"{' (projected linearly)' if args.people != 1_000_000 else ''}")
    finally:
        if not args.keep:
            with psycopg.connect(f"{args.base}/postgres", autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
