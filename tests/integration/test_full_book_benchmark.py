"""``benchmarks/full_book.py`` at a tiny scale, in a subprocess against a PostgreSQL database of its own: the
book is loaded by COPY, the month's assessment periods are generated, every day of the month is run and the
month-end produces schedules and a BACS file; the rerate phase re-rates everyone with debts in recovery.
The benchmark measures PostgreSQL (binary COPY, ``make_date``): skipped on SQLite."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from typing import Any

import pytest

from conftest import REPO, database_vendor

pytestmark = pytest.mark.skipif(database_vendor() != "postgresql",
                                reason="the full-book benchmark measures PostgreSQL (COPY)")


def run_benchmark(*args: str) -> tuple[dict[str, Any], str]:
    """The benchmark's JSON figures and its printed output, on a database of its own (dropped after)."""
    base = os.environ["DMS_DATABASE_URL"].rpartition("/")[0]
    url = f"{base}/dms_bench_test_{uuid.uuid4().hex[:10]}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DMS_DATA_DIR"))}
    try:
        result = subprocess.run(
            [sys.executable, str(REPO / "benchmarks" / "full_book.py"), *args, "--url", url, "--json"],
            env=env, capture_output=True, text=True, timeout=240, cwd=str(REPO),
        )
        assert result.returncode == 0, result.stderr[-3000:]
        figures: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    finally:
        import psycopg

        with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{url.rpartition("/")[2]}" WITH (FORCE)')
    return figures, result.stdout


def test_full_book_benchmark_runs_a_month_and_the_month_end_at_a_tiny_scale() -> None:
    figures, out = run_benchmark("--people", "2000", "--las", "20", "--workers", "1", "--rerate",
                                 "--cap-percent", "10")
    assert figures["people"] == 2000 and figures["debts"] > 2000
    assert figures["periods"] > 1000  # about three in four people are on UC; every UC award has a period
    assert sorted(figures["days"]) == [f"2026-02-{d:02d}" for d in range(1, 29)] + ["2026-03-01", "2026-03-02"]
    assert figures["month_end_day"] == "2026-03-02" and figures["bacs_credits"] > 0
    assert figures["deductions"] > figures["periods"] // 2 and figures["postings"] >= 4 * figures["deductions"] // 2
    assert 0 < figures["copy_ratio"] and 0 < figures["peak_memory_bytes"] < 4 * 2**30
    assert figures["rerate_people"] > 1000 and figures["rerate_what_if_pence"] < figures["rerate_now_pence"]
    assert "peak memory, all processes" in out and "daily runs: 28 days of 2026-02" in out


def test_full_book_benchmark_days_runs_only_the_first_days_of_the_month() -> None:
    figures, out = run_benchmark("--people", "1000", "--las", "10", "--workers", "2", "--days", "3", "--rerate")
    assert sorted(figures["days"]) == ["2026-02-01", "2026-02-02", "2026-02-03"]
    assert figures["month_end_day"] == "2026-02-03" and "bacs_credits" not in figures
    assert figures["deductions"] > 0 and figures["postings"] >= 4 * figures["deductions"] // 2
    assert figures["rerate_people"] > 500 and "no month-end (--days)" in out
