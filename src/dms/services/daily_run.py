"""The daily run (``dms run --date D``): everything DMS does for a business date, once, in order.

Dates: every day from the day after the last completed run up to D, in order, each as if run on its own day
(on a fresh installation, D only). A date already completed is not run again. A date started and not
completed (the run was killed) is the first date of the next run, which completes it.

Steps of a day (:data:`DAY_STEPS`, in this order; docs/architecture.md "The daily run"):

1. ``award_changes``   ``award.changed`` values whose date has come (spec/events.md §2)
2. ``life_events``     deaths, claims ended, sanctions, insolvency and moratoria, direct payments (partitioned)
3. ``holding_periods`` recalls whose holding period has ended (hb-debt-interface.md §6.5): before the day's
                       LA files, so that a debt that ceases on the date is no longer held by that date's
                       referrals (docs/la-interface-notes.md "A recall ceases before the day's LA files")
4. ``la_files``        LA files received: referrals, then revisions, then recalls (hb-debt-interface.md §5.4)
5. ``deductions``      UC assessment periods whose payment date it is, legacy pay dates, late periods
                       (partitioned)
6. ``month_end``       on the first working day of a month, the payment schedules of the month before (§7)
7. ``outbound``        the day's cessations and failure notices, bundled per LA (§7); last

Units of work: a step that is not partitioned is one transaction per day, which also records the step as
done (:class:`dms.store.models.RunStep`). A partitioned step is split into chunks of person partitions
(``Person.partition`` = crc32(NINO) % 1024; :data:`CHUNK_PARTITIONS` per chunk): each chunk is one
transaction that first claims the chunk (:class:`dms.store.models.RunChunk`, unique per date, step and first
partition) and then does its work, so a committed chunk is skipped on a re-run and two runs never do the
same chunk twice. Once every chunk is done, the step's summary (the chunks' summed) is recorded as done. The
next step starts only when the one before is done, so month-end and outbound files see every partition's
deductions. The day is completed (``RunDay.completed``, with each step's summary) after its last step.

A run killed part way leaves only whole units committed; the next run skips them and does the rest, and
the result equals an uninterrupted run.

Where chunks run (:func:`run_through`): in this process (``workers=1``); on ``workers`` local processes
(each starts Django with its own database connection); or on a dask.distributed cluster (``scheduler``),
whose workers receive the database URL and data directory with the date and chunk and call the same
:func:`run_chunk`. SQLite admits one writer at a time: transactions begin ``IMMEDIATE``, so with several
workers the chunks' transactions simply take turns (correct, but no faster; use PostgreSQL to scale out),
and worker processes wait up to :data:`SQLITE_WORKER_BUSY_SECONDS` for their turn. An in-memory SQLite
database cannot be shared with other processes and is refused for workers and Dask.

To add a step, add one :class:`DayStep` line to :data:`DAY_STEPS` at its place in the order. A step is a
function of the run date returning a dict of counts (or an int, or None); a partitioned step also takes
``partitions`` (the person partitions of its chunk) and must only touch those people.
"""

from __future__ import annotations

import importlib
import os
import signal
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, is_dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Protocol, TypeVar

from django.db import IntegrityError, OperationalError, connection, transaction

from dms.errors import DmsError, InvariantBroken

PERSON_PARTITIONS = 1024  # as dms.store.models.PERSON_PARTITIONS (not imported: workers import this first)
CHUNK_PARTITIONS = 64  # person partitions per unit of work of a partitioned step
MAX_WORKERS = PERSON_PARTITIONS // CHUNK_PARTITIONS  # 16: the chunks of a step; more workers would sit idle
SQLITE_WORKER_BUSY_SECONDS = 600  # how long a worker waits for SQLite's write lock
TRANSIENT_RETRIES = 4  # attempts of a chunk that meets a deadlock or a concurrent insert (PostgreSQL)

Summary = dict[str, Any]


# ---------------------------------------------------------------------------------------------- steps


def month_end_summary(result: Any) -> Summary:
    """The month-end step's report (a ``MonthEndResult``, or None on other days) as a summary."""
    if result is None:
        return {}
    return {
        "period": result.period,
        "payment_date": result.payment_date.isoformat(),
        "schedules": len(result.files),
        "lines": result.line_count,
        "files": [f.file_name for f in result.files],
    }


@dataclass(frozen=True)
class DayStep:
    """One step of the day: ``target`` is ``"module:function"``, imported when the step runs."""

    name: str
    target: str
    partitioned: bool = False
    summarise: Callable[[Any], Summary] | None = None

    def function(self) -> Callable[..., Any]:
        module, _, attribute = self.target.partition(":")
        found: Callable[..., Any] = getattr(importlib.import_module(module), attribute)
        return found

    def summary_of(self, result: Any) -> Summary:
        if self.summarise is not None:
            return self.summarise(result)
        return as_summary(result)


DAY_STEPS: tuple[DayStep, ...] = (
    DayStep("award_changes", "dms.services.events:apply_due_award_changes"),
    DayStep("life_events", "dms.services.recovery:life_events_step", partitioned=True),
    DayStep("holding_periods", "dms.services.la_processing:holding_periods_step"),
    DayStep("la_files", "dms.services.la_processing:la_files_step"),
    DayStep("deductions", "dms.services.recovery:deductions_step", partitioned=True),
    DayStep("month_end", "dms.services.payments:run_month_end", summarise=month_end_summary),
    DayStep("outbound", "dms.services.la_outbound:outbound_step"),
)


def step_named(name: str) -> DayStep:
    for step in DAY_STEPS:
        if step.name == name:
            return step
    raise InvariantBroken(f"the daily run has no step {name!r}; its steps are {[s.name for s in DAY_STEPS]}")


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if is_dataclass(value) and not isinstance(value, type):
        return _jsonable(asdict(value))
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal | Path):
        return str(value)
    return value


def as_summary(result: Any) -> Summary:
    """A step's return value as a JSON-ready summary: a dict as it is, a count as ``{"count": n}``, None as
    ``{}``, a dataclass as its fields, dates as ``YYYY-MM-DD``."""
    if result is None:
        return {}
    if isinstance(result, bool) or not isinstance(result, int | Mapping) and not is_dataclass(result):
        raise InvariantBroken(f"a daily-run step returned {type(result).__name__}; steps return a dict, "
                              "an int or None")
    if isinstance(result, int):
        return {"count": result}
    converted: Summary = _jsonable(result)
    return converted


def merge_summaries(summaries: Iterable[Mapping[str, Any]]) -> Summary:
    """The chunks' summaries of a partitioned step as one: numbers summed, dicts merged the same way,
    lists joined, any other value kept from the first chunk that has it."""
    merged: Summary = {}
    for summary in summaries:
        for key, value in summary.items():
            if key not in merged:
                merged[key] = merge_summaries([value]) if isinstance(value, Mapping) else value
            elif isinstance(value, Mapping) and isinstance(merged[key], Mapping):
                merged[key] = merge_summaries([merged[key], value])
            elif _number(value) and _number(merged[key]):
                merged[key] = merged[key] + value
            elif isinstance(value, list) and isinstance(merged[key], list):
                merged[key] = merged[key] + value
    return merged


def _number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


# ---------------------------------------------------------------------------------------------- chunks


def chunk_ranges(size: int = CHUNK_PARTITIONS, done: Iterable[tuple[int, int]] = ()) -> list[tuple[int, int]]:
    """The (first, last) partition ranges still to do: every partition not in a ``done`` range, in runs of
    consecutive partitions of at most ``size``. With nothing done: 0-63, 64-127, ... 960-1023."""
    if size < 1:
        raise DmsError(f"a chunk holds at least 1 partition, not {size}")
    covered: set[int] = set()
    for first, last in done:
        covered.update(range(first, last + 1))
    ranges: list[tuple[int, int]] = []
    start: int | None = None
    for partition in range(PERSON_PARTITIONS + 1):
        gap = partition == PERSON_PARTITIONS or partition in covered
        if start is not None and (gap or partition - start == size):
            ranges.append((start, partition - 1))
            start = None
        if start is None and not gap:
            start = partition
    return ranges


def _now() -> datetime:
    """When a unit was recorded (bookkeeping only: no rule reads it)."""
    return datetime.now(UTC)


def _claimed(model: Any, **key: Any) -> bool:
    """Insert the bookkeeping row of a unit inside the unit's transaction; False if it is already there
    (done by an earlier run, or by a concurrent run that committed first: on PostgreSQL the insert waits
    for that run's transaction)."""
    try:
        with transaction.atomic():
            model.objects.create(completed_at=_now(), summary={}, **key)
    except IntegrityError:
        return False
    return True


def _transient(error: Exception) -> bool:
    """A failure another attempt of the same unit can get past: a deadlock or serialisation failure between
    concurrent chunks, an insert racing another chunk's (PostgreSQL), or SQLite's write lock timing out."""
    cause = error.__cause__
    name = type(cause).__name__ if cause is not None else ""
    if name in {"DeadlockDetected", "SerializationFailure", "UniqueViolation"}:
        return True
    return isinstance(error, OperationalError) and "database is locked" in str(error)


_T = TypeVar("_T")


def _in_transaction_retried(unit: Callable[[], _T]) -> _T:
    """Run ``unit`` as one transaction; a transient failure (:func:`_transient`) runs it again from the start,
    up to ``TRANSIENT_RETRIES`` tries in all (nothing of a failed try is committed). Inside a caller's
    transaction the failure is the caller's, so it is raised at once."""
    for attempt in range(1, TRANSIENT_RETRIES + 1):
        try:
            with transaction.atomic():
                return unit()
        except (IntegrityError, OperationalError) as error:
            if attempt == TRANSIENT_RETRIES or not _transient(error) or connection.in_atomic_block:
                raise
            time.sleep(0.05 * attempt)
    raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises


def run_chunk(step_name: str, run_date: date, first: int, last: int) -> Summary | None:
    """Do partitions ``first``..``last`` of a partitioned step for ``run_date`` as one transaction, with
    the chunk recorded as done in it. Returns the chunk's summary, or None when it was already done. A
    transient failure is retried from the start (:func:`_in_transaction_retried`)."""
    from dms.store.models import RunChunk

    step = step_named(step_name)
    key = {"run_date": run_date, "step": step_name, "first_partition": first}

    def chunk() -> Summary | None:
        if not _claimed(RunChunk, last_partition=last, **key):
            return None
        summary = step.summary_of(step.function()(run_date, partitions=list(range(first, last + 1))))
        RunChunk.objects.filter(**key).update(summary=summary, completed_at=_now())
        return summary

    return _in_transaction_retried(chunk)


def run_whole_step(step: DayStep, run_date: date) -> Summary | None:
    """A step that is not partitioned, as one transaction that also records it done. None if already done."""
    from dms.store.models import RunStep

    with transaction.atomic():
        if not _claimed(RunStep, run_date=run_date, step=step.name):
            return None
        summary = step.summary_of(step.function()(run_date))
        RunStep.objects.filter(run_date=run_date, step=step.name).update(summary=summary, completed_at=_now())
    return summary


def complete_partitioned_step(step: DayStep, run_date: date) -> Summary:
    """Record a partitioned step done once its chunks cover every partition: its summary is the chunks'
    summed. Refuses (an invariant) if any partition is missing or done twice."""
    from dms.store.models import RunChunk, RunStep

    with transaction.atomic():
        chunks = list(RunChunk.objects.filter(run_date=run_date, step=step.name).order_by("first_partition")
                      .values_list("first_partition", "last_partition", "summary"))
        covered = [p for first, last, _ in chunks for p in range(first, last + 1)]
        if sorted(covered) != list(range(PERSON_PARTITIONS)):
            raise InvariantBroken(
                f"step {step.name} of {run_date}: its chunks cover {len(set(covered))} partitions "
                f"({len(covered)} with repeats), not each of the {PERSON_PARTITIONS} once"
            )
        summary = merge_summaries(s for _, _, s in chunks)
        if _claimed(RunStep, run_date=run_date, step=step.name):
            RunStep.objects.filter(run_date=run_date, step=step.name).update(summary=summary)
    return summary


# ---------------------------------------------------------------------------------------------- where chunks run


Progress = Callable[[str, int, int], None]  # (step name, chunks done, chunks in all)


class WorkerLost(DmsError):
    """A ``--workers`` process ended abruptly (killed, out of memory) while the run of ``run_date`` was in step
    ``step``: the day is not completed. Each chunk is one transaction, so the chunks committed before stand
    and nothing of those under way is applied; the next run completes the day without doing a chunk twice."""

    def __init__(self, run_date: date, step: str) -> None:
        self.run_date = run_date
        self.step = step
        super().__init__(
            f"a worker process of the run ended abruptly (killed, or out of memory) in step {step} of "
            f"{run_date.isoformat()}: {run_date.isoformat()} was not completed; each chunk of people is one "
            "transaction, so the chunks the workers had committed stand and nothing of those under way was applied"
        )


class ChunkRunner(Protocol):
    def run(self, step_name: str, run_date: date, chunks: Sequence[tuple[int, int]], progress: Progress) -> None:
        ...

    def close(self, stop: bool = False) -> None:
        """Release the runner; ``stop``: the run is ending early, so chunks under way are abandoned (rolled back)."""
        ...


class InProcess:
    """Chunks one after another in this process (``workers=1``)."""

    def run(self, step_name: str, run_date: date, chunks: Sequence[tuple[int, int]], progress: Progress) -> None:
        for done, (first, last) in enumerate(chunks, start=1):
            run_chunk(step_name, run_date, first, last)
            progress(step_name, done, len(chunks))

    def close(self, stop: bool = False) -> None:
        return None


@dataclass(frozen=True)
class WorkerConfig:
    """What a worker process needs to work on this DMS: its database and data directory."""

    database_url: str
    data_dir: str


_worker_config: WorkerConfig | None = None


def configure_worker(config: WorkerConfig) -> None:
    """Start Django in a worker process for ``config`` (once per process). A process that already serves
    another database is refused: Django is configured once per process."""
    global _worker_config
    if _worker_config == config:
        return
    from django.apps import apps

    from dms.settings import get_config, reset_config

    if apps.ready or _worker_config is not None:
        current = get_config()
        if (current.database_url, str(current.data_dir)) != (config.database_url, config.data_dir):
            raise DmsError(
                "this Dask worker process already serves another DMS database (database and data directory are "
                "set once per worker process, by the first run it serves); give each DMS database its own Dask "
                "workers, or restart them (client.restart(), or a new cluster) before running "
                "another database on them"
            )
    else:
        os.environ["DMS_DATABASE_URL"] = config.database_url
        os.environ["DMS_DATA_DIR"] = config.data_dir
        reset_config()
        from dms.store.bootstrap import setup

        setup()
        _wait_longer_for_sqlite()
    _worker_config = config


def start_local_worker(config: WorkerConfig, parent_pid: int) -> None:
    """A ``--workers`` process: it ends with the ``dms run`` (or ``dms rerate``) that started it, even one killed
    outright (on Linux, by asking the kernel for SIGTERM when the parent dies; its open transaction is rolled
    back), so no worker is left behind; then Django is started for ``config``."""
    # Ctrl-C at a terminal reaches every process of its group: the `dms run` (or `dms rerate`) that started this
    # one handles it (it stops its workers and says what was left), so a worker neither stops on it nor prints a
    # traceback
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)
        if os.getppid() != parent_pid:  # the parent died before the request was made
            os._exit(1)
    configure_worker(config)


def _wait_longer_for_sqlite() -> None:
    """Workers share SQLite's one write lock: let them wait their turn (set before the first query)."""
    from django.db import connections

    settings = connections["default"].settings_dict
    if settings["ENGINE"].endswith("sqlite3"):
        settings.setdefault("OPTIONS", {})["timeout"] = SQLITE_WORKER_BUSY_SECONDS


def run_chunk_in_worker(config: WorkerConfig, step_name: str, run_date: str, first: int, last: int
                        ) -> Summary | None:
    """A chunk on a worker process or a Dask worker: set up (once), then :func:`run_chunk`."""
    configure_worker(config)
    try:
        return run_chunk(step_name, date.fromisoformat(run_date), first, last)
    finally:
        connection.close()


def _wait_all(futures: Sequence[Any], progress: Callable[[int, int], None]) -> None:
    """Wait for every chunk, calling ``progress(done, total)`` as they finish; on the first failure cancel those
    not started and raise it (the chunks that committed stay done; the next run does the rest)."""
    pending = set(futures)
    while pending:
        finished, pending = wait(pending, return_when=FIRST_EXCEPTION)
        for future in finished:
            if future.exception() is not None:
                for other in pending:
                    other.cancel()
                raise future.exception()  # type: ignore[misc]
        progress(sum(f.done() for f in futures), len(futures))


class LocalProcesses:
    """Chunks on ``workers`` local processes, each with Django and its own database connection (the daily run's,
    and the re-rating's: ``dms.services.rerate``)."""

    def __init__(self, workers: int, config: WorkerConfig) -> None:
        self.config = config
        self.pool = ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"),
                                        initializer=start_local_worker, initargs=(config, os.getpid()))

    def run(self, step_name: str, run_date: date, chunks: Sequence[tuple[int, int]], progress: Progress) -> None:
        try:
            self.map(run_chunk_in_worker, [(self.config, step_name, run_date.isoformat(), first, last)
                                           for first, last in chunks],
                     lambda done, total: progress(step_name, done, total))
        except BrokenProcessPool:
            raise WorkerLost(run_date, step_name) from None

    def map(self, function: Callable[..., _T], calls: Sequence[tuple[Any, ...]],
            progress: Callable[[int, int], None]) -> list[_T]:
        """``function(*call)`` for each of ``calls`` on the processes, and their results in order, calling
        ``progress(done, total)`` as they finish. The first failure cancels the calls not started and is raised;
        a process that ended abruptly (killed, out of memory) breaks the pool: ``BrokenProcessPool``."""
        with signals_held(signal.SIGINT):  # the processes started here begin with Ctrl-C blocked
            futures: list[Future[_T]] = [self.pool.submit(function, *call) for call in calls]
        _wait_all(futures, progress)
        return [future.result() for future in futures]

    def close(self, stop: bool = False) -> None:
        if stop:  # end the workers now, not after their chunks: their open transactions are rolled back
            for process in list((getattr(self.pool, "_processes", None) or {}).values()):
                process.terminate()
        self.pool.shutdown(wait=True, cancel_futures=True)


@contextmanager
def signals_held(*signums: int) -> Iterator[None]:
    """Hold the signals ``signums`` back from this thread for the block; one that arrives meanwhile is delivered
    on leaving it (where there is no ``pthread_sigmask``, nothing is held). Worker processes are started with
    SIGINT held, so that they begin with it blocked (a Ctrl-C while one starts up reaches only the command that
    starts them: :func:`start_local_worker`); ``dms rerate`` stores its run with SIGINT and SIGTERM held, so
    that an interruption finds the run stored, to be removed, or not stored at all."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    before = signal.pthread_sigmask(signal.SIG_BLOCK, set(signums))
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


class DaskCluster:
    """Chunks on a dask.distributed cluster: each task gets the database URL, data directory, date and
    chunk, and calls :func:`run_chunk` on the worker."""

    def __init__(self, address: str, config: WorkerConfig) -> None:
        from distributed import Client

        self.config = config
        try:
            self.client = Client(address, timeout="20s", set_as_default=False)  # type: ignore[no-untyped-call]
        except (OSError, TimeoutError, ValueError) as error:
            raise DmsError(f"--scheduler: cannot reach the Dask scheduler at {address!r} ({error}); check the "
                           "address (like tcp://10.0.0.5:8786) and that the scheduler is running") from None

    def run(self, step_name: str, run_date: date, chunks: Sequence[tuple[int, int]], progress: Progress) -> None:
        futures = [
            self.client.submit(run_chunk_in_worker, self.config, step_name, run_date.isoformat(), first, last,
                               pure=False)
            for first, last in chunks
        ]
        failures = []
        for done, future in enumerate(futures, start=1):  # every chunk is waited for, failed or not
            error = future.exception()  # type: ignore[no-untyped-call]
            if error is not None:
                failures.append(error)
            progress(step_name, done, len(futures))
        if failures:
            raise failures[0]

    def close(self, stop: bool = False) -> None:
        self.client.close()  # type: ignore[no-untyped-call]


def _shared_database_check() -> None:
    """Other processes must be able to open the database: an in-memory SQLite database cannot be shared."""
    name = str(connection.settings_dict.get("NAME") or "")
    if connection.vendor == "sqlite" and (name in ("", ":memory:") or "mode=memory" in name):
        raise DmsError("--workers and --scheduler need a database other processes can open; this SQLite "
                       "database is in memory: run with one worker or use a database file or PostgreSQL")


def chunk_runner(workers: int = 1, scheduler: str | None = None) -> ChunkRunner:
    """Where the chunks of partitioned steps run: this process, local processes or a Dask cluster."""
    if not 1 <= workers <= MAX_WORKERS:
        raise DmsError(f"--workers must be from 1 to {MAX_WORKERS} (a step has {MAX_WORKERS} chunks of people, "
                       f"so more would sit idle), not {workers}")
    if scheduler is not None and workers != 1:
        raise DmsError("give either --workers or --scheduler, not both: a Dask cluster has its own workers")
    if scheduler is None and workers == 1:
        return InProcess()
    from dms.settings import get_config

    _shared_database_check()
    config = get_config()
    worker = WorkerConfig(config.database_url, str(config.data_dir))
    if scheduler is not None:
        return DaskCluster(scheduler, worker)
    return LocalProcesses(workers, worker)


# ---------------------------------------------------------------------------------------------- days


@dataclass
class DayRun:
    """A day of the run: each step's summary, in step order."""

    run_date: date
    steps: dict[str, Summary] = field(default_factory=dict)
    by_another_run: bool = False  # completed by another `dms run` of the same date while this one waited


@dataclass
class RunPlan:
    """The dates to run, in order, and the last date completed before."""

    dates: list[date]
    last_completed: date | None


def plan_dates(through: date) -> RunPlan:
    """Every date from the day after the last completed run up to ``through`` (on a fresh installation:
    ``through`` only, or from a date started and not completed). Empty when ``through`` is already done.
    Refuses a date before one started and not completed (that date is to be completed first), and a date
    before the first DMS holds the recovery rules for, also once later days have run (it was never run)."""
    from dms.store.models import RunDay

    refuse_a_date_without_rules(through, "run a date on or after {earliest}")
    last = (RunDay.objects.filter(completed=True).order_by("-run_date")
            .values_list("run_date", flat=True).first())
    if last is not None and through <= last:
        return RunPlan([], last)
    started = (RunDay.objects.filter(completed=False).order_by("run_date")
               .values_list("run_date", flat=True).first())
    first = last + timedelta(days=1) if last is not None else min(d for d in (started, through) if d is not None)
    if started is not None and through < started:
        raise DmsError(f"the run of {started} was started and not completed; run `dms run --date {started}` "
                       "(or a later date) to complete it first")
    refuse_a_date_without_rules(first, "run a date on or after {earliest}")
    return RunPlan([first + timedelta(days=n) for n in range((through - first).days + 1)], last)


def refuse_a_date_without_rules(first: date, advice: str) -> None:
    """A run date before the first date DMS holds the recovery rules for (recovery-rules.md §2, §4: the rates
    from 2024-04-08) is refused before anything is done: a legacy instalment due that day could not be
    worked out, and the day could never be completed (UC periods starting earlier are refused at import).
    ``dms rerate`` refuses such a date the same way. ``advice`` says how to put it right; ``{earliest}`` in it
    is the first date."""
    from dms.recovery.legacy import first_pay_date_with_rules

    earliest = first_pay_date_with_rules()
    if first < earliest:
        raise DmsError(f"--date {first}: DMS holds the recovery rules from {earliest} (recovery-rules.md §2, §4) "
                       f"and cannot work out a day before then; {advice.format(earliest=earliest)}")


def run_day(run_date: date, runner: ChunkRunner, *, chunk_size: int = CHUNK_PARTITIONS,
            progress: Progress | None = None) -> DayRun:
    """Run every step of ``run_date`` not yet done, in order, then complete the day."""
    from dms.store.models import RunChunk, RunDay, RunStep

    day, _ = RunDay.objects.get_or_create(run_date=run_date)
    if day.completed:
        return DayRun(run_date, dict(day.summary), by_another_run=True)
    report = progress or (lambda step, done, total: None)
    for step in DAY_STEPS:
        if RunStep.objects.filter(run_date=run_date, step=step.name).exists():
            continue
        if not step.partitioned:
            run_whole_step(step, run_date)
            continue
        done = RunChunk.objects.filter(run_date=run_date, step=step.name).values_list("first_partition",
                                                                                        "last_partition")
        runner.run(step.name, run_date, chunk_ranges(chunk_size, done), report)
        complete_partitioned_step(step, run_date)
    return _complete_day(run_date)


def _run_whole_day(run_date: date, runner: ChunkRunner, chunk_size: int, progress: Progress | None) -> DayRun:
    """A day run in this process (``workers=1``, the default) as one transaction (issue 4: "a run killed part
    way leaves no partial day: all of a day, or none, is committed"): its steps and chunks are savepoints in
    it, so a failure or an interruption leaves the day as it was before the run, and the next run does it
    whole. A transient failure (SQLite's write lock timing out while another command holds it, a deadlock
    with another DMS command on PostgreSQL) runs the day again from the start (:func:`_in_transaction_retried`).
    A day a run on several workers left part done is completed in the same way: what those workers committed
    stands and is not done twice."""
    return _in_transaction_retried(lambda: run_day(run_date, runner, chunk_size=chunk_size, progress=progress))


def _complete_day(run_date: date) -> DayRun:
    from dms.store.models import RunDay, RunStep

    with transaction.atomic():
        stored = dict(RunStep.objects.filter(run_date=run_date).values_list("step", "summary"))
        steps = {s.name: stored[s.name] for s in DAY_STEPS if s.name in stored}
        RunDay.objects.filter(run_date=run_date, completed=False).update(
            completed=True, completed_at=_now(), summary=steps)
    return DayRun(run_date, steps)


def run_through(through: date, *, workers: int = 1, scheduler: str | None = None,
                chunk_size: int = CHUNK_PARTITIONS, progress: Progress | None = None,
                on_day: Callable[[DayRun], None] | None = None) -> list[DayRun]:
    """Run every date of :func:`plan_dates` up to ``through``, in order; return each day's run. Runs
    nothing (an empty list) when ``through`` is already done."""
    plan = plan_dates(through)
    if plan.last_completed is not None:
        # bundles a stopped run recorded but could not put in an LA's outbox (rerunning a done date too)
        from dms.services.la_outbound import place_missing_bundles

        place_missing_bundles(plan.last_completed + timedelta(days=1))
    if not plan.dates:
        return []
    runner = chunk_runner(workers, scheduler)
    days = []
    finished = False
    try:
        for run_date in plan.dates:
            day = _run_whole_day(run_date, runner, chunk_size, progress) if isinstance(runner, InProcess) \
                else run_day(run_date, runner, chunk_size=chunk_size, progress=progress)
            days.append(day)
            if on_day is not None:
                on_day(day)
        finished = True
    finally:
        runner.close(stop=not finished)
    return days
