"""The daily run's units of work and summaries, without a database (docs/architecture.md "The daily run")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from dms.commands.run import step_line
from dms.errors import DmsError, InvariantBroken
from dms.services.daily_run import (
    DAY_STEPS,
    PERSON_PARTITIONS,
    as_summary,
    chunk_ranges,
    merge_summaries,
    month_end_summary,
)
from dms.store.models import PERSON_PARTITIONS as STORE_PARTITIONS


def test_partitions_match_the_person_partitions_of_the_store() -> None:
    assert PERSON_PARTITIONS == STORE_PARTITIONS == 1024


def test_chunks_of_64_cover_every_partition_once() -> None:
    ranges = chunk_ranges(64)
    assert len(ranges) == 16 and ranges[0] == (0, 63) and ranges[-1] == (960, 1023)
    covered = [p for first, last in ranges for p in range(first, last + 1)]
    assert covered == list(range(1024))


def test_chunks_already_done_are_skipped_on_rerun() -> None:
    assert chunk_ranges(64, done=[(0, 63), (128, 191)])[:2] == [(64, 127), (192, 255)]
    assert chunk_ranges(64, done=chunk_ranges(64)) == []


def test_chunks_left_by_a_run_with_another_chunk_size_never_overlap_what_is_done() -> None:
    done = [(0, 99), (300, 310)]
    ranges = chunk_ranges(128, done)
    covered = [p for first, last in ranges for p in range(first, last + 1)]
    assert sorted(covered) == [p for p in range(1024) if not (p < 100 or 300 <= p <= 310)]
    assert all(last - first < 128 for first, last in ranges)


def test_a_chunk_holds_at_least_one_partition() -> None:
    with pytest.raises(DmsError, match="at least 1"):
        chunk_ranges(0)


def test_chunk_summaries_merge_by_summing_counts_and_nested_counts() -> None:
    merged = merge_summaries([
        {"deductions": 2, "pence": 150, "by_type": {"person.died": 1}, "files": ["a"]},
        {"deductions": 3, "pence": 50, "by_type": {"person.died": 1, "payment.received": 2}, "files": ["b"]},
        {},
    ])
    assert merged == {"deductions": 5, "pence": 200, "by_type": {"person.died": 2, "payment.received": 2},
                      "files": ["a", "b"]}


def test_step_results_become_summaries() -> None:
    @dataclass
    class Report:
        done: int
        on: date

    assert as_summary(None) == {}
    assert as_summary(3) == {"count": 3}
    assert as_summary({"a": 1}) == {"a": 1}
    assert as_summary(Report(2, date(2025, 7, 1))) == {"done": 2, "on": "2025-07-01"}
    with pytest.raises(InvariantBroken):
        as_summary("done")


def test_month_end_summary_names_period_and_files() -> None:
    @dataclass
    class File:
        file_name: str

    @dataclass
    class Result:
        period: str
        payment_date: date
        files: list[File]
        line_count: int

    summary = month_end_summary(Result("2025-06", date(2025, 7, 18), [File("20250701-DMSCH-000123.xml")], 4))
    assert summary == {"period": "2025-06", "payment_date": "2025-07-18", "schedules": 1, "lines": 4,
                       "files": ["20250701-DMSCH-000123.xml"]}
    assert month_end_summary(None) == {}


def test_day_steps_in_the_documented_order() -> None:
    order = ["award_changes", "life_events", "holding_periods", "la_files", "deductions", "month_end", "outbound"]
    names = [s.name for s in DAY_STEPS]
    assert names == [n for n in order if n in names]
    assert {"award_changes", "life_events", "deductions", "month_end"} <= set(names)
    assert [s.name for s in DAY_STEPS if s.partitioned] == ["life_events", "deductions"]


def test_step_line_shows_what_was_done_with_pounds() -> None:
    assert step_line({"deductions": 3, "pence": 12345, "cleared": 0}) == "deductions 3, pence £123.45"
    assert step_line({"count": 0}) == "nothing to do"


def test_a_date_more_than_a_year_after_today_is_refused_and_a_year_after_is_not() -> None:
    """README (``dms run``: "a date more than a year after today is refused as a mistyped date"): the same day a
    year on is the last date taken (28 February for 29 February), not a year and a day."""
    from dms.commands.run import refuse_a_date_far_ahead

    for today, last in ((date(2026, 12, 7), date(2027, 12, 7)), (date(2028, 2, 29), date(2029, 2, 28)),
                        (date(2027, 3, 1), date(2028, 3, 1))):
        refuse_a_date_far_ahead(last, today)
        with pytest.raises(DmsError, match="more than a year after today"):
            refuse_a_date_far_ahead(date.fromordinal(last.toordinal() + 1), today)


def test_the_most_workers_the_command_accepts_is_the_number_of_chunks_of_a_step() -> None:
    """docs/architecture.md "Where chunks run": `dms run --workers` is 1 to 16, a step's chunks of people
    (the command holds the figure without importing the daily run, which needs Django)."""
    from dms.commands.run import MAX_WORKERS
    from dms.services import daily_run

    assert MAX_WORKERS == daily_run.MAX_WORKERS == len(daily_run.chunk_ranges()) == 16
    with pytest.raises(DmsError, match="from 1 to 16"):
        daily_run.chunk_runner(workers=17)


def test_a_step_line_reads_the_same_whatever_order_the_database_kept_the_summary_in() -> None:
    """The same day prints the same lines on SQLite and PostgreSQL (README: one test suite, either database):
    PostgreSQL's jsonb keeps a stored summary's keys in an order of its own (shorter keys first), so the line
    puts a step's figures in one reading order, not the order the database returned them in."""
    as_written = {"files": 1, "accepted": 1, "referrals": 2, "taken_on": 2,
                  "returned": {"NO_BENEFIT": 1, "DEATH": 2}}
    as_jsonb = {"files": 1, "accepted": 1, "returned": {"DEATH": 2, "NO_BENEFIT": 1}, "taken_on": 2, "referrals": 2}
    expected = "files 1, accepted 1, referrals 2, taken on 2, returned.DEATH 2, returned.NO BENEFIT 1"
    assert step_line(as_written) == step_line(as_jsonb) == expected
    month_end = {"period": "2026-01", "payment_date": "2026-02-20", "schedules": 2, "lines": 7, "files": ["a", "b"]}
    assert step_line(dict(reversed(month_end.items())), "month_end") == step_line(month_end, "month_end") == (
        "period 2026-01, payment date 2026-02-20, schedules 2, lines 7, files a, b")
    assert step_line({"pence": 12004, "entries": 4, "periods": 2, "deductions": 4}) == (
        "periods 2, deductions 4, entries 4, pence £120.04")
