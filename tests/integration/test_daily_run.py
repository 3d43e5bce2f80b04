"""The daily run (dms.services.daily_run): dates from the day after the last completed run, steps in order,
units of work recorded with their work, re-runs that change nothing, and a killed run that resumes to the
same result as an uninterrupted one (docs/architecture.md "The daily run"; hb-debt-interface.md §7)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection, transaction

from daily_run_book import BOOK_DATE, FIRST_RUN, LAS, LAST_RUN, PEOPLE, SEED, events_for_book, fingerprint
from dms.errors import DmsError
from dms.services import daily_run
from dms.services.daily_run import DAY_STEPS, plan_dates, run_through
from dms.services.events import import_events
from dms.store.bulk import load_synthetic_book
from dms.store.ledger import check_ledger
from dms.store.models import JournalEntry, Posting, RunChunk, RunDay, RunStep
from dms.store.payments.models import PaymentSchedule, ScheduleRun
from dms.store.recovery.models import Deduction

pytestmark = pytest.mark.django_db


def _book() -> None:
    load_synthetic_book(PEOPLE, SEED, LAS, BOOK_DATE)
    with connection.cursor() as cursor:
        lines = events_for_book(cursor)
    report = import_events(lines, source="daily-run-test.jsonl")
    assert report.ok, report.refused


@pytest.fixture
def book(data_dir: Any) -> None:
    _book()


def _print() -> dict[str, Any]:
    with connection.cursor() as cursor:
        return fingerprint(cursor, file_hashes=False)


def _counts() -> tuple[int, ...]:
    return (JournalEntry.objects.count(), Posting.objects.count(), Deduction.objects.count(),
            RunChunk.objects.count(), RunStep.objects.count(), PaymentSchedule.objects.count())


def test_fresh_installation_runs_only_the_date_given(book: None) -> None:
    days = run_through(FIRST_RUN)
    assert [d.run_date for d in days] == [FIRST_RUN]
    assert list(RunDay.objects.values_list("run_date", "completed")) == [(FIRST_RUN, True)]


def test_catch_up_runs_each_day_in_order_as_if_on_its_own_day(book: None) -> None:
    run_through(FIRST_RUN)
    days = run_through(LAST_RUN)
    wanted = [FIRST_RUN + timedelta(days=n) for n in range(1, (LAST_RUN - FIRST_RUN).days + 1)]
    assert [d.run_date for d in days] == wanted
    assert set(RunDay.objects.filter(completed=True).values_list("run_date", flat=True)) == {FIRST_RUN, *wanted}
    uc = Deduction.objects.filter(source="UC").select_related("period")
    assert uc.exists()
    # each period was taken on its own payment date, none late
    assert all(d.date == d.period.payment_date and not d.period.late for d in uc)
    assert check_ledger().ok


def test_steps_run_in_order_and_each_day_stores_its_summary(book: None) -> None:
    [day] = run_through(FIRST_RUN)
    assert list(day.steps) == [s.name for s in DAY_STEPS]
    stored = RunDay.objects.get(run_date=FIRST_RUN)
    assert stored.summary == day.steps and stored.completed_at is not None
    deductions = stored.summary["deductions"]
    assert deductions["deductions"] == Deduction.objects.filter(date=FIRST_RUN).count() > 0
    assert set(RunStep.objects.filter(run_date=FIRST_RUN).values_list("step", flat=True)) == {
        s.name for s in DAY_STEPS}


def test_partitioned_step_is_recorded_per_chunk_covering_every_partition(book: None) -> None:
    run_through(FIRST_RUN, chunk_size=128)
    chunks = list(RunChunk.objects.filter(step="deductions").order_by("first_partition")
                  .values_list("first_partition", "last_partition"))
    assert chunks == [(n, n + 127) for n in range(0, 1024, 128)]
    total = sum(c.summary.get("deductions", 0) for c in RunChunk.objects.filter(step="deductions"))
    assert RunStep.objects.get(run_date=FIRST_RUN, step="deductions").summary["deductions"] == total


def test_rerun_of_a_completed_date_changes_nothing(book: None) -> None:
    run_through(FIRST_RUN + timedelta(days=2))
    before, counts = _print(), _counts()
    for day in (FIRST_RUN, FIRST_RUN + timedelta(days=2)):
        assert run_through(day) == []
    assert plan_dates(FIRST_RUN).dates == []
    assert _print() == before and _counts() == counts


def test_month_end_on_the_first_working_day_writes_the_schedules(book: None, data_dir: Any) -> None:
    run_through(date(2025, 6, 30))
    assert not ScheduleRun.objects.exists()
    [day] = run_through(date(2025, 7, 1))
    summary = day.steps["month_end"]
    assert summary["period"] == "2025-06" and summary["schedules"] == PaymentSchedule.objects.count() > 0
    for name in summary["files"]:
        assert (data_dir / "schedules" / "2025-06" / name).is_file()


def test_a_date_before_one_started_and_not_completed_is_refused(book: None, monkeypatch: Any) -> None:
    """A day a run on workers left part done (their chunks commit on their own) is completed first."""
    _fail_in(monkeypatch, "dms.services.payments", "run_month_end", calls_before_failing=0)
    with pytest.raises(RuntimeError):
        daily_run.run_day(FIRST_RUN, daily_run.InProcess())
    with pytest.raises(DmsError, match=f"run of {FIRST_RUN} was started and not completed"):
        run_through(FIRST_RUN - timedelta(days=1))


def test_workers_refused_for_an_in_memory_database(book: None) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("in-memory databases are SQLite's")
    with pytest.raises(DmsError, match="in memory"):
        run_through(FIRST_RUN, workers=2)
    with pytest.raises(DmsError, match="either --workers or --scheduler"):
        daily_run.chunk_runner(2, "tcp://127.0.0.1:1")


# ---------------------------------------------------------------------------------------------- killed runs


def _fail_in(monkeypatch: Any, module: str, name: str, *, calls_before_failing: int) -> list[Any]:
    """Make step function ``module.name`` do its work and then raise, on call number
    ``calls_before_failing + 1`` (a run killed inside that unit of work). Returns the calls' arguments."""
    import importlib

    real = getattr(importlib.import_module(module), name)
    calls: list[Any] = []

    def failing(run_date: date, partitions: Sequence[int] | None = None) -> Any:
        calls.append(partitions)
        result = real(run_date) if partitions is None else real(run_date, partitions=partitions)
        if len(calls) == calls_before_failing + 1:
            raise RuntimeError(f"simulated failure in {name} after its work")
        return result

    if "partitions" not in __import__("inspect").signature(real).parameters:
        def failing_whole(run_date: date) -> Any:  # the step takes no partitions
            return failing(run_date)

        monkeypatch.setattr(f"{module}.{name}", failing_whole)
    else:
        monkeypatch.setattr(f"{module}.{name}", failing)
    return calls


@pytest.fixture
def uninterrupted(data_dir: Any) -> Iterator[Callable[[date], dict[str, Any]]]:
    """The fingerprint of an uninterrupted run of the book up to a date, taken in a transaction that is then
    rolled back (so the test goes on with an empty database)."""

    def run(through: date) -> dict[str, Any]:
        with transaction.atomic():
            _book()
            run_through(FIRST_RUN)
            run_through(through)
            result = _print()
            transaction.set_rollback(True)
        return result

    yield run


def test_killed_run_leaves_no_partial_day_and_the_next_run_does_it_whole(
        uninterrupted: Callable[[date], dict[str, Any]], monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 4 point 5: "a run killed part way leaves no partial day (all of a day, or none, is committed) and
    the next run completes it". ``dms run`` in one process runs each day as one transaction: a failure in the
    third chunk of the deductions, after the earlier steps and two chunks did their work, leaves the database
    as the day before left it."""
    expected = uninterrupted(FIRST_RUN + timedelta(days=1))
    _book()
    run_through(FIRST_RUN)
    before, counts_before = _print(), _counts()
    _fail_in(monkeypatch, "dms.services.recovery", "deductions_step", calls_before_failing=2)
    killed_day = FIRST_RUN + timedelta(days=1)
    with pytest.raises(RuntimeError, match="simulated failure"):
        run_through(killed_day, chunk_size=128)
    assert not RunDay.objects.filter(run_date=killed_day).exists()
    assert not RunStep.objects.filter(run_date=killed_day).exists()
    assert not RunChunk.objects.filter(run_date=killed_day).exists()
    assert not Deduction.objects.filter(date=killed_day).exists()
    assert not JournalEntry.objects.filter(business_date=killed_day).exists()
    assert (_print(), _counts()) == (before, counts_before)
    monkeypatch.undo()
    [day] = run_through(killed_day, chunk_size=128)
    assert day.run_date == killed_day and RunDay.objects.get(run_date=killed_day).completed
    assert _print() == expected
    assert check_ledger().ok


def test_a_day_run_in_chunks_elsewhere_keeps_its_committed_chunks_and_resumes_to_the_same_result(
        uninterrupted: Callable[[date], dict[str, Any]], monkeypatch: pytest.MonkeyPatch) -> None:
    """docs/architecture.md "Resume": on workers (``--workers N``, a Dask cluster) each chunk commits on its
    own; a run killed part way leaves only whole chunks, and the next run does the rest, to the same result.
    (``run_day`` with a runner, as the workers' runners call it, outside a day's transaction.)"""
    expected = uninterrupted(FIRST_RUN + timedelta(days=1))
    _book()
    run_through(FIRST_RUN)
    calls = _fail_in(monkeypatch, "dms.services.recovery", "deductions_step", calls_before_failing=2)
    killed_day = FIRST_RUN + timedelta(days=1)
    with pytest.raises(RuntimeError, match="simulated failure"):
        daily_run.run_day(killed_day, daily_run.InProcess(), chunk_size=128)
    day = RunDay.objects.get(run_date=killed_day)
    assert not day.completed
    assert not RunStep.objects.filter(run_date=killed_day, step="deductions").exists()
    done = RunChunk.objects.filter(run_date=killed_day, step="deductions")
    # the two chunks before the failing one are committed; nothing of the failing one is
    assert sorted(done.values_list("first_partition", flat=True)) == [0, 128]
    failed = set(calls[2])
    assert not Deduction.objects.filter(date=killed_day, person__partition__in=failed).exists()
    monkeypatch.undo()
    run_through(killed_day, chunk_size=128)
    assert RunDay.objects.get(run_date=killed_day).completed
    assert _print() == expected
    assert check_ledger().ok


def test_killed_in_a_whole_step_resumes_to_the_same_result(
        uninterrupted: Callable[[date], dict[str, Any]], monkeypatch: pytest.MonkeyPatch, data_dir: Any) -> None:
    month_end = date(2025, 7, 1)
    expected = uninterrupted(month_end)
    _book()
    run_through(FIRST_RUN)
    _fail_in(monkeypatch, "dms.services.payments", "run_month_end", calls_before_failing=3)
    with pytest.raises(RuntimeError, match="simulated failure"):
        run_through(month_end)
    # the days before completed; nothing of the month-end day is committed, not even its earlier steps
    assert not RunDay.objects.filter(run_date=month_end).exists()
    assert RunDay.objects.get(run_date=month_end - timedelta(days=1)).completed
    assert not RunStep.objects.filter(run_date=month_end).exists()
    assert not Deduction.objects.filter(date=month_end).exists()
    assert not ScheduleRun.objects.exists() and not PaymentSchedule.objects.exists()
    monkeypatch.undo()
    [day] = run_through(month_end)
    assert day.run_date == month_end and day.steps["month_end"]["period"] == "2025-06"
    assert ScheduleRun.objects.filter(period="2025-06").exists()
    assert _print() == expected


def test_a_day_another_run_completed_while_this_one_waited_is_not_reported_as_done_here(
        book: None, capsys: pytest.CaptureFixture[str]) -> None:
    """Two `dms run` of one date at once (docs/architecture.md: the second waits for the first's day, then
    finds it done): the second does nothing and says the day was completed by the other, so the two logs do
    not both show the day's work."""
    from dms.commands.run import print_day

    run_through(FIRST_RUN)
    again = daily_run.run_day(FIRST_RUN, daily_run.InProcess())  # as the waiting run finds it
    assert again.by_another_run and again.steps == RunDay.objects.get(run_date=FIRST_RUN).summary
    print_day(again)
    assert "completed by another `dms run`" in capsys.readouterr().out


def test_a_run_date_before_the_first_recovery_rules_is_refused_and_nothing_is_run() -> None:
    """recovery-rules.md §2, §4: DMS holds the rates from 2024-04-08. A day before then could not be worked
    out (a legacy pay date would stop every later run), so `dms run` refuses it, saying from when it can
    run; a date on it is run."""
    from dms.store.models import RunDay

    with pytest.raises(DmsError, match="holds the recovery rules from 2024-04-08"):
        run_through(date(2024, 3, 4))
    assert not RunDay.objects.exists()
    assert len(run_through(date(2024, 4, 8))) == 1
    with pytest.raises(DmsError, match="--date 2024-04-07: DMS holds the recovery rules from 2024-04-08"):
        run_through(date(2024, 4, 7))  # once a later day has run, too: it was never run, not "already done"
