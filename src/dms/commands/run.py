"""``dms run --date D [--workers N] [--scheduler ADDRESS]``: the daily run (dms.services.daily_run)."""

from __future__ import annotations

import argparse
import re
import sys
from datetime import date, timedelta
from typing import Any

from dms.calendar import a_year_after
from dms.cli import business_date, whole_number_from
from dms.errors import DmsError

MAX_WORKERS = 16  # dms.services.daily_run.MAX_WORKERS (not imported here: no Django before the arguments are read)


def worker_count(text: str) -> int:
    """argparse type for ``--workers`` of `dms run` and `dms rerate`: a whole number from 1 to
    :data:`MAX_WORKERS` local processes (README); anything else, a number too large to start that many
    processes included, is a bad argument (exit 2) giving the range."""
    parse = whole_number_from(1, MAX_WORKERS, "worker processes", example=2, why=(
        f" (a step of the daily run has {MAX_WORKERS} chunks of people, so more local processes would sit idle)"))
    parsed: int = parse(text)
    return parsed


_SCHEDULER = re.compile(r"(?:(?:tcp|tls|ws|wss)://)?(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):[0-9]{1,5}")


def _scheduler(text: str) -> str:
    """argparse type for ``--scheduler``: a Dask scheduler address, ``[tcp://]HOST:PORT`` (also tls, ws, wss)."""
    found = _SCHEDULER.fullmatch(text)
    port = int(text.rsplit(":", 1)[1]) if found else 0
    if not found or not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a Dask scheduler address; give one like "
                                         "tcp://10.0.0.5:8786 (host and port)")
    return text


def register(registry: Any) -> None:
    parser = registry.command(
        "run",
        "Run every business date from the day after the last completed run up to --date, in order: award "
        "changes, life events, recall holding periods, LA files, deductions, month-end, outbound files.",
        run_days,
    )
    parser.add_argument("--date", required=True, type=business_date,
                        help="the last business date to run, YYYY-MM-DD")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--workers", type=worker_count, default=1,
                       help=f"run the partitions of people on this many local processes, 1 to {MAX_WORKERS} "
                            "(default 1: this one)")
    where.add_argument("--scheduler", default=None, metavar="ADDRESS", type=_scheduler,
                       help="run the partitions of people on a dask.distributed cluster, like tcp://10.0.0.5:8786")


def _value(key: str, value: Any) -> str:
    from dms.money import format_pounds

    if (key == "pence" or key.endswith("_pence")) and isinstance(value, int) and not isinstance(value, bool):
        return f"£{format_pounds(value)}"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) if value else "none"
    return str(value)


# the order a step's figures are read in, whatever order its stored summary keeps (PostgreSQL's jsonb keeps an
# object's keys in an order of its own, SQLite in the order written): these first, in this order, then any
# other in alphabetical order, so that the same day prints the same lines on either database
KEY_ORDER = {key: place for place, key in enumerate((
    "count", "files", "accepted", "failed", "referrals", "taken_on", "revisions", "recalls", "returned", "failures",
    "periods", "instalments", "deductions", "entries", "cleared", "pence", "missed_instalments",
    "bundles", "held"))}
STEP_KEY_ORDER = {"month_end": {key: place for place, key in enumerate((
    "period", "payment_date", "schedules", "lines", "files"))}}


def _in_order(summary: dict[str, Any], order: dict[str, int]) -> list[tuple[str, Any]]:
    return sorted(summary.items(), key=lambda item: (order.get(item[0], len(order)), item[0]))


def _flat(summary: dict[str, Any], prefix: str = "", order: dict[str, int] = KEY_ORDER) -> list[tuple[str, Any]]:
    items: list[tuple[str, Any]] = []
    for key, value in _in_order(summary, order):
        if isinstance(value, dict):
            items += _flat(value, f"{prefix}{key}.")
        else:
            items.append((f"{prefix}{key}", value))
    return items


def step_line(summary: dict[str, Any], step: str = "") -> str:
    """What a step did, from its summary: the items that are not zero or empty, in reading order."""
    shown = [f"{key.replace('_', ' ')} {_value(key, value)}"
             for key, value in _flat(summary, order=STEP_KEY_ORDER.get(step, KEY_ORDER))
             if value not in (0, None, "", [], False)]
    return ", ".join(shown) if shown else "nothing to do"


def print_day(day: Any) -> None:
    if getattr(day, "by_another_run", False):
        print(f"{day.run_date.isoformat()} ({day.run_date.strftime('%A')}): completed by another `dms run` of "
              "the same date while this one waited; nothing done here")
        return
    print(f"{day.run_date.isoformat()} ({day.run_date.strftime('%A')}): completed")
    width = max((len(name) for name in day.steps), default=0)
    for name, summary in day.steps.items():
        print(f"  {name.ljust(width)}  {step_line(summary, name)}")
    held = day.steps.get("la_files", {}).get("held") or []
    for line in held:  # a fault of DMS's: for its operators (docs/la-interface-notes.md, "Processing")
        print(f"dms run: warning: {day.run_date.isoformat()}: LA file held after a fault in DMS, tried again by "
              f"the next run: {line}", file=sys.stderr)


RUN_DATE_FIX = "a run takes every day up to its date and no earlier date can be run after it: check the date"


def refuse_a_date_far_ahead(run_date: date, today: date, what: str = "--date", fix: str = RUN_DATE_FIX) -> None:
    """A guard of the command, not a rule (the rules take the business date as given): a run date more than
    a year after the machine's date is taken for a mistyped date (2062 for 2026, say), since a run posts every
    day up to it and no earlier date can be run after it."""
    if run_date > a_year_after(today):
        raise DmsError(f"{what} {run_date.isoformat()} is more than a year after today ({today.isoformat()}); "
                       f"{fix}")


def run_days(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from dms.services.daily_run import WorkerLost, plan_dates, run_through

    plan = plan_dates(args.date)
    if not plan.dates:
        from dms.services.la_outbound import place_missing_bundles

        # a run stopped between a day's commit and the copy of its bundles into the outboxes: put them there
        placed = place_missing_bundles(plan.last_completed + timedelta(days=1)) if plan.last_completed else 0
        back = (f" (put {placed} bundle{'s' if placed != 1 else ''} a stopped run had recorded back in the LA "
                "outboxes)") if placed else ""
        print(f"{args.date.isoformat()} is already done: the daily run has completed every date up to "
              f"{plan.last_completed}; nothing changed{back}.")
        return 0
    refuse_a_date_far_ahead(args.date, date.today())
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    console = Console(stderr=True)
    completed: list[date] = []

    def on_day(day: Any) -> None:
        completed.append(day.run_date)
        print_day(day)

    try:
        # Drawn only on a terminal: piped or redirected, stderr carries the run's warnings and errors alone.
        with Progress(*columns, console=console, transient=True, redirect_stdout=False, redirect_stderr=False,
                      disable=not console.is_terminal) as bar:
            tasks: dict[str, Any] = {}

            def progress(step: str, done: int, total: int) -> None:
                if step not in tasks:
                    tasks[step] = bar.add_task(f"{step} (chunks of people)", total=total)
                bar.update(tasks[step], completed=done)
                if done >= total:
                    bar.remove_task(tasks.pop(step))

            days = run_through(args.date, workers=args.workers, scheduler=args.scheduler, progress=progress,
                               on_day=on_day)
        mine = [d for d in days if not d.by_another_run]
        others = f" ({len(days) - len(mine)} of them by another run of the same date)" if len(mine) < len(days) \
            else ""
        print(f"dms run: {len(days)} day{'s' if len(days) != 1 else ''} completed, "
              f"{days[0].run_date.isoformat()} to {days[-1].run_date.isoformat()}{others}")
    except KeyboardInterrupt as stop:  # Ctrl-C, or SIGTERM (dms.cli.Terminated)
        from dms.cli import Terminated

        print(f"dms: interrupted; {_what_was_left(plan.dates, completed, args)}", file=sys.stderr)
        return 143 if isinstance(stop, Terminated) else 130
    except WorkerLost as lost:
        raise DmsError(f"{lost}; {_what_was_left(plan.dates, completed, args, lost=True)}") from None
    return 0


def _span(dates: list[date]) -> str:
    first, last = dates[0].isoformat(), dates[-1].isoformat()
    return first if first == last else f"{first} to {last}"


def _completed_of(dates: list[date], seen: list[date]) -> list[date]:
    """Which of the run's ``dates`` are completed, as the database has it once the run has stopped (a day can
    commit after the last one reported: the interruption came between its commit and its report), with the
    days the run reported completed should the database not answer."""
    from django.db import connection

    from dms.store.models import RunDay

    try:
        connection.close()  # a connection a stopped query may have left unusable: ask on a new one
        stored = set(RunDay.objects.filter(run_date__in=dates, completed=True).values_list("run_date", flat=True))
    except Exception:  # noqa: BLE001 - the report falls back on what the run itself saw
        stored = set()
    return sorted(stored | set(seen))


def _what_was_left(dates: list[date], seen: list[date], args: argparse.Namespace, *, lost: bool = False) -> str:
    """What a `dms run` stopped part way left (README: an interruption says what it rolled back): the days it
    completed, the day it was running and that it was not completed, and what completes it."""
    completed = _completed_of(dates, seen)
    done = f"this run completed {_span(completed)}" if completed else "this run completed no day"
    left = [d for d in dates if d not in completed]
    if not left:
        return (f"the run had completed every day it was to run, {_span(completed)}, and nothing is left to do "
                f"(should an LA's bundles of {completed[-1]} be missing from its outbox, `dms run --date "
                f"{completed[-1]}` puts them there)")
    day = left[0].isoformat()
    again = (f"run `dms run --date {args.date.isoformat()}` again to complete {day}"
             + (f" and the days after it up to {args.date.isoformat()}" if len(left) > 1 else ""))
    if lost:
        return f"{done}; {again} (no chunk is done twice)"
    if args.scheduler:  # tasks sent to a Dask cluster are not called back: they may still commit
        undone = ("the chunks of people the Dask workers commit stand and are not done twice, and one they have "
                  "under way may still commit")
    elif args.workers > 1:
        undone = ("the chunks of people the workers had committed stand and are not done twice, and those under "
                  "way were rolled back")
    else:
        undone = "its work was rolled back whole"
    return f"the run was stopped while running {day}, which was not completed ({undone}); {done}: {again}"
