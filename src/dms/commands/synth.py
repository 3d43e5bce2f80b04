"""``dms synth`` (a deterministic synthetic book) and ``dms demo`` (set up and show a demonstration book)."""

from __future__ import annotations

import argparse
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from dms.cli import month, shown, whole_number_from
from dms.errors import DmsError

DEFAULT_AS_OF = date(2026, 1, 5)  # the business date a synthetic book is taken on, unless --date says
DEFAULT_SEED = 1
DEFAULT_LAS = 20
DEMO_PEOPLE = 20_000
DEMO_MONTH = "2026-02"
MAX_SEED = 999_999_999  # the seed is in the id of each event of the demo's traffic: at most 64 characters


def _count(most: int) -> Any:
    """argparse type: a whole number from 1 to ``most`` (the sizes of book DMS can make,
    ``dms.store.bulk.check_request``)."""

    def parse(text: str) -> int:
        digits = text.replace("_", "").replace(",", "")
        if not digits.isascii() or not digits.isdigit():
            raise argparse.ArgumentTypeError(f"{shown(text)} is not a whole number in ASCII digits (write it "
                                             "like 20000)")
        if len(digits.lstrip("0")) > 18:  # far beyond the range: not read as a number at all
            raise argparse.ArgumentTypeError(f"{shown(text)} is not between 1 and {most:,}")
        value = int(digits)
        if not 1 <= value <= most:
            raise argparse.ArgumentTypeError(f"{value:,} is not between 1 and {most:,}")
        return value

    return parse


def _seed(text: str) -> int:
    """argparse type for ``--seed``: a whole number from 0 to :data:`MAX_SEED` (events.md §1: an ``event_id``
    is 1 to 64 characters, and the seed is in the id of each event of a demo month's traffic)."""
    parse = whole_number_from(0, MAX_SEED, why=" (the seed is in the id of each event of the demo's traffic, "
                                               "which is at most 64 characters)")
    parsed: int = parse(text)
    return parsed


def _n(count: int, noun: str) -> str:
    """``1 recall``, ``2 recalls``: a count with its noun, plural unless one."""
    return f"{count:,} {noun}" + ("" if count == 1 else "s")


def _people(text: str) -> int:
    from dms.synth.generate import MAX_PEOPLE

    parsed: int = _count(MAX_PEOPLE)(text)
    return parsed


def _las(text: str) -> int:
    from dms.synth.generate import MAX_LAS

    parsed: int = _count(MAX_LAS)(text)
    return parsed


def _book_arguments(parser: argparse.ArgumentParser, people: int | None) -> None:
    from dms.cli import business_date
    from dms.synth.generate import MAX_LAS, MAX_PEOPLE

    if people is None:
        parser.add_argument("--people", type=_people, required=True, help=f"how many people to add, 1 to {MAX_PEOPLE:,}")
    else:
        parser.add_argument("--people", type=_people, default=people,
                            help=f"how many people the book has, 1 to {MAX_PEOPLE:,} (default {people:,})")
    parser.add_argument("--seed", type=_seed, default=DEFAULT_SEED,
                        help=f"the seed, 0 to {MAX_SEED:,}: the same people count and seed give the same book "
                             f"(default {DEFAULT_SEED})")
    parser.add_argument("--las", type=_las, default=DEFAULT_LAS,
                        help=f"how many local authorities refer HB debts, 1 to {MAX_LAS:,} (default {DEFAULT_LAS}; LA "
                             "IDs already registered are reused)")
    parser.add_argument("--date", type=business_date, default=DEFAULT_AS_OF,
                        help=f"the business date the debts are taken on, YYYY-MM-DD (default {DEFAULT_AS_OF})")


def register(registry: Any) -> None:
    synth = registry.command(
        "synth",
        "Add a deterministic synthetic book: people, awards, LAs and debts of every type, each debt taken on "
        "through the ledger.",
        run_synth,
    )
    _book_arguments(synth, None)
    parser = _demo_parser(registry)
    parser.add_argument(
        "--fresh", action="store_true",
        help="start from a clean slate: a new empty SQLite database and none of the old one's outputs (archive, "
             "outboxes, schedules, BACS files, the demo's traffic); the old database and its outputs are moved "
             "together into DMS_DATA_DIR/previous/N, and nothing outside DMS_DATA_DIR is touched",
    )


def _demo_parser(registry: Any) -> argparse.ArgumentParser:
    demo: argparse.ArgumentParser = registry.command(
        "demo",
        "Run DMS for a month on a synthetic book: initialise the database, load the book, send a month of "
        "events and LA files through the real interfaces, run every day and the month-end, pay the LAs by "
        "BACS, and summarise what happened.",
        run_demo,
        needs_db=False,
    )
    from dms.synth.generate import MAX_LAS, MAX_PEOPLE

    demo.add_argument("--people", type=_people, default=DEMO_PEOPLE,
                      help=f"how many people the book has, 1 to {MAX_PEOPLE:,} (default {DEMO_PEOPLE:,})")
    demo.add_argument("--seed", type=_seed, default=DEFAULT_SEED,
                      help=f"the seed of the book and of the month's traffic, 0 to {MAX_SEED:,} "
                           f"(default {DEFAULT_SEED})")
    demo.add_argument("--las", type=_las, default=DEFAULT_LAS,
                      help=f"how many local authorities refer HB debts, 1 to {MAX_LAS:,} (default {DEFAULT_LAS})")
    demo.add_argument("--month", type=month, default=DEMO_MONTH,
                      help=f"the month to run, YYYY-MM (default {DEMO_MONTH}); a new book is taken on the day "
                           "before it")
    return demo


# ---------------------------------------------------------------------------------------------- synth


def load_with_progress(args: argparse.Namespace, console: Any) -> tuple[Any, float]:
    """Load the book with a progress bar; returns the load report and the seconds it took."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from dms.store.bulk import check_request, load_synthetic_book

    check_request(args.people, args.las)
    started = time.perf_counter()
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True, disable=not console.is_terminal) as progress:
        task = progress.add_task("adding people", total=args.people)
        report = load_synthetic_book(
            args.people, args.seed, args.las, args.date, progress=lambda done: progress.update(task, completed=done)
        )
    return report, time.perf_counter() - started


def run_synth(args: argparse.Namespace) -> int:
    from rich.console import Console

    report, seconds = load_with_progress(args, Console(stderr=True))
    print(
        f"dms synth: added {report.people:,} people, {report.awards:,} awards and {report.debts:,} debts "
        f"(£{pounds(report.total_pence)} taken on through {report.entries:,} REFERRAL entries) "
        f"with seed {args.seed}, taken on {args.date.isoformat()}"
    )
    print(f"LAs: {report.las_added} added, {report.las_reused} already registered")
    print(f"wrote {report.rows:,} rows in {seconds:.1f}s ({report.rows / max(seconds, 1e-9):,.0f} rows/s)")
    return 0


# ---------------------------------------------------------------------------------------------- demo


_SQLITE_COMPANIONS = ("", "-wal", "-shm", "-journal")


def _demo_database_file(config: Any) -> Path:
    """The SQLite database file ``--fresh`` replaces: refused for other databases and for a file outside the
    data directory (``--fresh`` touches nothing outside it)."""
    url = config.database_url
    if not url.startswith("sqlite:"):
        raise DmsError(
            "--fresh starts a new SQLite database file and is refused for other databases (DMS_DATABASE_URL "
            "names one); to start afresh there, point DMS_DATABASE_URL at a new, empty database"
        )
    import dj_database_url

    path = Path(dj_database_url.parse(url)["NAME"]).resolve()
    if not path.is_relative_to(config.data_dir):
        raise DmsError(
            f"--fresh only replaces a database file under the data directory {config.data_dir}; "
            f"{path} is not; unset DMS_DATABASE_URL to use the default file"
        )
    return path


def _fresh_start(config: Any) -> Path | None:
    """Move the SQLite database and everything DMS wrote beside it (``settings.DATA_AREAS``: archive, outboxes,
    schedules, BACS files, the demo's traffic) into a new ``previous/N`` folder of the data directory, so the
    demo starts from a clean slate with nothing of the old database's outputs left where it says its outputs
    are. All of it moves or none: a move that fails is undone. Nothing outside the data directory is touched
    and nothing is deleted. Returns the folder, or None when there was nothing to move."""
    from dms.settings import DATA_AREAS

    database = _demo_database_file(config)
    data_dir = config.data_dir
    moving = [Path(f"{database}{suffix}") for suffix in _SQLITE_COMPANIONS]
    moving += [data_dir / area for area in DATA_AREAS]
    moving = [path for path in moving if path.exists() or path.is_symlink()]
    if not moving:
        return None
    kept = _new_previous_dir(data_dir)
    moved: list[tuple[Path, Path]] = []
    try:
        for path in moving:
            target = kept / path.relative_to(data_dir)
            target.parent.mkdir(parents=True, exist_ok=True)
            path.rename(target)
            moved.append((path, target))
    except OSError as error:
        for path, target in reversed(moved):
            target.rename(path)
        _remove_empty_folders(kept)
        raise DmsError(f"--fresh could not move {error.filename} aside ({error.strerror}); nothing was moved: "
                       f"check that DMS may write in {data_dir}") from None
    return kept


def _remove_empty_folders(top: Path) -> None:
    for folder in sorted((p for p in top.rglob("*") if p.is_dir()), reverse=True):
        folder.rmdir()
    top.rmdir()


def _new_previous_dir(data_dir: Path) -> Path:
    """A new, empty ``previous/N`` folder (N one more than the highest there)."""
    from dms.settings import PREVIOUS_AREA

    previous = data_dir / PREVIOUS_AREA
    previous.mkdir(exist_ok=True)
    numbers = [int(p.name) for p in previous.iterdir() if p.name.isdigit() and p.name.isascii()]
    kept = previous / str(max(numbers, default=0) + 1)
    kept.mkdir()
    return kept


def run_demo(args: argparse.Namespace) -> int:
    from datetime import date

    from rich.console import Console

    from dms.commands.core import create_postgresql_database_if_absent
    from dms.commands.run import refuse_a_date_far_ahead
    from dms.settings import get_config, redacted_url
    from dms.store.bootstrap import ensure_database
    from dms.synth.month import month_end_run_date

    refuse_a_date_far_ahead(month_end_run_date(args.month), date.today(),
                            what=f"--month {args.month}: its month-end run date,")
    _refuse_a_month_without_rules(args.month)
    console = Console(width=max(Console().width, 110))
    config = get_config()
    config.make_data_dir()
    if args.fresh:
        kept = _fresh_start(config)
        if kept:
            console.print(f"Started afresh: the previous database and its outputs are kept in {kept} (delete that "
                          "folder when you no longer need it)")
    create_postgresql_database_if_absent(config.database_url)
    with console.status("Initialising the database"):
        ensure_database()
    console.print(f"Database: {redacted_url(config.database_url)}")
    console.print(f"Data directory: {config.data_dir}")
    _ensure_book(args, console)
    ran = _run_demo_month(args.month, args.seed, console)
    status = print_book_summary(console)
    print_month_summary(args.month, console)
    _print_outputs(args.month, ran, console)
    return status


def _refuse_a_month_without_rules(month: str) -> None:
    """A month with a day before the first DMS holds the recovery rules for (recovery-rules.md §2, §4: the
    rates from 2024-04-08) is refused before anything is written, as ``dms run`` refuses such a date: the demo
    runs every day of the month, and would stop on the first with a book and a day's traffic left behind."""
    from datetime import date

    from dms.calendar import parse_period
    from dms.errors import DmsError
    from dms.recovery.legacy import first_pay_date_with_rules

    year, number = parse_period(month)
    earliest = first_pay_date_with_rules()
    if date(year, number, 1) < earliest:
        after = date(earliest.year + (earliest.month == 12), earliest.month % 12 + 1, 1)
        first = earliest if earliest.day == 1 else after
        raise DmsError(f"--month {month}: DMS holds the recovery rules from {earliest} (recovery-rules.md §2, §4) "
                       f"and cannot work out a day before then; give --month {first:%Y-%m} or later (nothing "
                       "was written)")


def _ensure_book(args: argparse.Namespace, console: Any) -> None:
    from dms.calendar import parse_period
    from dms.store.models import Person

    held = Person.objects.count()
    if held:
        console.print(f"The book already has {held:,} people, so no synthetic book was added "
                      "(use --fresh to start a new one).")
        return
    year, month = parse_period(args.month)
    args.date = date(year, month, 1) - timedelta(days=1)
    report, seconds = load_with_progress(args, console)
    console.print(
        f"Loaded a synthetic book of {report.people:,} people and {report.debts:,} debts "
        f"(seed {args.seed}, taken on {args.date.isoformat()}) in {seconds:.1f}s."
    )


def _run_demo_month(period: str, seed: int, console: Any) -> Path | None:
    """Plan (or read back) the month's traffic and run every day of it and the month-end; returns the BACS
    file written, if any. A month already run is not run again."""
    from dms.calendar import month_bounds, parse_period
    from dms.services.events import last_completed_run_date
    from dms.synth.month import month_end_run_date, read_traffic, traffic_dir

    first, _ = month_bounds(*parse_period(period))
    end = month_end_run_date(period)
    last = last_completed_run_date()
    if last is not None and last >= end:
        console.print(f"The daily run has already run to {last.isoformat()}, past the month-end of {period} "
                      f"({end.isoformat()}): {period} is not run again; here is its summary. "
                      "(--fresh starts again; --month YYYY-MM runs a later month.)")
        _finish_bacs_files(period, console)
        written = _bacs_path(period)
        return written if written.exists() else None
    _finish_bacs_files(_previous_period(period), console)
    previous_end = month_end_run_date(_previous_period(period))
    if last is not None and last >= first and last > previous_end and read_traffic(traffic_dir(period)) is None:
        raise DmsError(
            f"the daily run has already run to {last.isoformat()}, inside {period}, without the demo's traffic "
            f"for that month; run a later month with --month (after {last:%Y-%m}) or start again with --fresh"
        )
    files = _plan(period, seed, console)
    _run_days(files, last, console)
    for skipped in _skipped_months(period, last):
        _export_bacs(skipped, console)
    return _export_bacs(period, console)


def _finish_bacs_files(through: str, console: Any) -> None:
    """Write the BACS file of each month up to ``through`` whose month-end run committed its schedules and
    whose file was not written (a demo stopped between the two: README, "run again, goes on without doing
    anything twice"), from those schedules, recording the payments once (recovery-rules.md §7;
    ``services.payments.unpaid_periods``), and say so."""
    from dms.services.payments import unpaid_periods

    for period in unpaid_periods(through):
        _export_bacs(period, console, finishing=True)


def _skipped_months(period: str, last: date | None) -> list[str]:
    """The months before ``period`` whose month-end run the catch-up ran (the daily run was last completed
    before it, ``last``): their schedules were written by this run, so their BACS files are written too."""
    from dms.synth.month import month_end_run_date

    months: list[str] = []
    earlier = _previous_period(period)
    while last is not None and month_end_run_date(earlier) > last:
        months.insert(0, earlier)
        earlier = _previous_period(earlier)
    return months


def _previous_period(period: str) -> str:
    from dms.calendar import parse_period

    year, month = parse_period(period)
    return f"{year - 1:04d}-12" if month == 1 else f"{year:04d}-{month - 1:02d}"


def _plan(period: str, seed: int, console: Any) -> Any:
    from dms.synth.month import prepare_traffic

    started = time.perf_counter()
    with console.status(f"Planning {period}'s traffic: events from other systems and LA files"):
        files = prepare_traffic(period, seed)
    counts = files.counts
    broken = sum(v for k, v in counts.items() if k.startswith("broken"))
    console.print(
        f"Traffic for {period} (seed {files.seed}) in {files.directory} "
        f"({time.perf_counter() - started:.1f}s): {_n(sum(v for k, v in counts.items() if '.' in k), 'event')} "
        f"({_n(counts.get('uc.assessment_period', 0), 'UC assessment period')}); LA files planned in "
        f"{_n(counts.get('LA tars', 0), 'daily tar')} with {_n(counts.get('LAREF records', 0), 'referral')}, "
        f"{_n(counts.get('LAREV records', 0), 'revision')} and {_n(counts.get('LAREC records', 0), 'recall')} "
        f"({_n(broken, 'file')} broken on purpose, "
        f"{_n(counts.get('corrected resubmissions', 0), 'corrected resubmission')}; besides these, "
        f"{_n(counts.get('records of broken files', 0), 'record')} in the broken files and "
        f"{_n(counts.get('records of resubmissions', 0), 'record')} in the resubmission)."
    )
    return files


def _run_days(files: Any, last: date | None, console: Any) -> None:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from dms.synth.month import month_end_run_date, run_dates, run_month

    days = run_dates(files.period)
    totals: dict[str, Any] = {"events": 0, "refused": []}
    first_run = days[0] if last is None else last + timedelta(days=1)  # `dms run` goes on from its last day
    if first_run < days[0]:
        console.print(f"The daily run was last completed on {last}: the days from {first_run.isoformat()} to "
                      f"{(days[0] - timedelta(days=1)).isoformat()} are run first, as `dms run` catches up, "
                      "without demo traffic of their own.")
    elif first_run > days[0] and last == month_end_run_date(_previous_period(files.period)):
        console.print(f"The daily run had already completed {days[0].isoformat()} to {last} (the previous "
                      f"month-end run): their traffic is taken in on {first_run.isoformat()}.")
    elif first_run > days[0]:
        console.print(f"The daily run had already completed {days[0].isoformat()} to {last} (a demo of "
                      f"{files.period} stopped part way): it goes on from {first_run.isoformat()}; the traffic "
                      "of the days already run was taken in on its own days, and reading it again changes nothing.")
    started = time.perf_counter()
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True, disable=not console.is_terminal) as progress:
        task = progress.add_task(f"running {days[0].isoformat()}", total=len(days))

        def advance(result: Any) -> None:
            totals["events"] += result.events_stored
            totals["refused"] += result.events_refused
            following = result.day + timedelta(days=1)
            progress.update(task, advance=1, description=f"running {following.isoformat()}")

        run_month(files, last_completed=last, progress=advance)
    console.print(
        f"Ran {first_run.isoformat()} to {days[-1].isoformat()} (the month and its month-end run) in "
        f"{time.perf_counter() - started:.1f}s: imported {totals['events']:,} events."
    )
    for problem in totals["refused"][:10]:
        console.print(f"  refused: {problem}")


def _bacs_path(period: str) -> Path:
    from dms.settings import get_config

    return get_config().data_dir / "bacs" / f"DMS-BACS-{period}.txt"


def _export_bacs(period: str, console: Any, *, finishing: bool = False) -> Path | None:
    from dms.services.payments import export_bacs

    path = _bacs_path(period)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        result = export_bacs(period, path)
    except DmsError as error:
        console.print(f"No BACS file for {period}: {error}")
        return None
    credits = f"{result.credits} credit{'s' if result.credits != 1 else ''}"
    late = " (not written when its month-end run completed: written now from its schedules)" if finishing else ""
    console.print(f"BACS for {period}{late}: {credits} totalling £{pounds(result.total_pence)}; submit by "
                  f"{result.submission_date} (input day); processing date {result.processing_date}; payment date "
                  f"{result.payment_date}.")
    return path


def pounds(pence: int) -> str:
    """Pence as pounds with thousands separators, like ``1,234,567.89`` (for reading, not for files)."""
    from dms.money import format_pounds

    whole, _, fraction = format_pounds(pence).partition(".")
    sign = "-" if whole.startswith("-") else ""
    return f"{sign}{int(whole.lstrip('-')):,}.{fraction}"


def print_book_summary(console: Any) -> int:
    """Print people, debts and balances by creditor and by debt type, and the ledger check; 0 if it passed."""
    from rich.table import Table

    from dms.services.events import last_completed_run_date
    from dms.store.ledger import check_ledger
    from dms.synth.summary import book_summary

    summary = book_summary()
    last = last_completed_run_date()
    # the book as it stands now, after the last run (which may be a later month's): the month's own figures
    # are in the tables that name it
    as_of = f" (as the book stands after the daily run of {last.isoformat()})" if last else " (as loaded)"
    people = Table("People", "Count", title=f"People{as_of}")
    for label, count in summary.people:
        people.add_row(label, f"{count:,}")
    console.print(people)
    for title, first, rows in (
        ("Debts by creditor", "Creditor", summary.by_creditor),
        ("Debts by type", "Debt type", summary.by_type),
    ):
        table = Table(first, "Debts", "Fraud", "Amount (£)", "Balance (£)", title=title + as_of)
        for row in rows:
            table.add_row(row.label, f"{row.debts:,}", f"{row.fraud:,}", pounds(row.amount_pence),
                          pounds(row.balance_pence))
        console.print(table)
    with console.status("Checking the ledger"):
        report = check_ledger()
    console.print(
        f"Ledger check: {report.entries:,} entries, {report.postings:,} postings, {report.accounts:,} accounts: "
        + ("OK, every balance matches its postings" if report.ok else f"FAILED ({len(report.problems)} problems)")
    )
    for problem in report.problems:
        console.print(f"  {problem}")
    return 0 if report.ok else 1


def print_month_summary(period: str, console: Any) -> None:
    """Money recovered, deductions, debt outcomes, LA files and failures, schedules and BACS for the month."""
    from rich.table import Table

    from dms.synth.summary import month_summary

    summary = month_summary(period)
    table = Table("Creditor", "Deductions (£)", "Direct payments (£)", "Credit applied (£)", "Taken back (£)",
                  "Recovered (£)", title=f"Recovered in {period} by creditor (from the ledger)",
                  caption="Deductions: every deduction posted in the month, those reversed since included, and "
                          "a misallocated deduction's share placed on its owner's debt; Taken back: deductions "
                          "reversed (missed payments, late deaths and ends), amounts over a revised debt returned "
                          "and a misallocated deduction's excess")
    for row in summary.recovered:
        table.add_row(row.label, pounds(row.deductions_pence), pounds(row.direct_payments_pence),
                      pounds(row.credit_applied_pence), pounds(row.corrections_pence), pounds(row.net_pence))
    console.print(table)
    table = Table("Deductions", "Count", "Amount (£)", title=f"Deductions taken in {period}",
                  caption="Those standing: a deduction reversed since is left out (it is in Taken back above)")
    for counted in [*summary.deductions, *([summary.third_party] if summary.third_party else [])]:
        table.add_row(counted.label, f"{counted.count:,}", pounds(counted.amount_pence))
    console.print(table)
    table = Table("Outcome", "Debts", "Balance returned (£)", title=f"Debts cleared, recalled and returned in {period}")
    for outcome in summary.outcomes:
        table.add_row(outcome.label, f"{outcome.count:,}", pounds(outcome.amount_pence) if outcome.amount_pence else "")
    if not summary.outcomes:
        table.add_row("none", "0", "")
    console.print(table)
    _print_files(summary, console)
    _print_schedules(summary, console)


def _print_files(summary: Any, console: Any) -> None:
    from rich.table import Table

    table = Table("File type", "Received", "Accepted", "Failed", title=f"LA files received in {summary.period}")
    for kind, received, accepted, failed in summary.files:
        table.add_row(kind, f"{received:,}", f"{accepted:,}", f"{failed:,}")
    if not summary.files:
        table.add_row("none", "0", "0", "0")
    console.print(table)
    table = Table("Outcome: error code", "Files", title="File failures by code (each reported to its LA)")
    for row in summary.failures:
        table.add_row(row.label, f"{row.count:,}")
    if summary.refused_tars:
        table.add_row("tars refused whole", f"{summary.refused_tars:,}")
    if not summary.failures and not summary.refused_tars:
        table.add_row("none", "0")
    console.print(table)


def _print_schedules(summary: Any, console: Any) -> None:
    """Every LA's schedule and BACS payment, one line each in LA ID order (names cut to fit), then the total."""
    from rich.table import Table

    rows = summary.schedules
    table = Table("LA", "Name", "Lines", "Schedule total (£)", "Paid by BACS (£)", "Carried forward (£)",
                  title=f"Payment schedules for {summary.period} and BACS payments, per LA ({len(rows):,} LAs)")
    table.columns[1].no_wrap, table.columns[1].overflow, table.columns[1].max_width = True, "ellipsis", 32
    for number, row in enumerate(rows, start=1):
        table.add_row(row.la_id, row.name, f"{row.lines:,}", pounds(row.total_pence), pounds(row.bacs_pence),
                      pounds(row.carried_forward_pence), end_section=number == len(rows))
    table.add_row("", "Total", f"{sum(r.lines for r in rows):,}", pounds(sum(r.total_pence for r in rows)),
                  pounds(sum(r.bacs_pence for r in rows)), pounds(sum(r.carried_forward_pence for r in rows)))
    console.print(table)


def _print_outputs(period: str, bacs: Path | None, console: Any) -> None:
    from dms.services.payments import schedule_dir
    from dms.settings import get_config
    from dms.synth.month import traffic_dir

    config = get_config()
    console.print("Outputs:")
    outboxes = config.outbox_dir
    console.print(f"  LA outboxes (daily cessations, failure notices, schedules): {outboxes}"
                  + ("" if outboxes.exists() else " (nothing placed in them)"))
    schedules = schedule_dir(period)
    console.print(f"  payment schedules for {period}: {schedules}" if schedules.exists()
                  else f"  payment schedules for {period}: none (nothing was recovered for an LA)")
    console.print(f"  BACS file: {bacs}" if bacs else "  BACS file: none (nothing to pay)")
    console.print(f"  the month's inbound traffic (events files, LA files planned): {traffic_dir(period)}")
