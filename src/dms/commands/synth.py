"""``dms synth`` (a deterministic synthetic book) and ``dms demo`` (set up and show a demonstration book)."""

from __future__ import annotations

import argparse
import time
from datetime import date
from pathlib import Path
from typing import Any

from dms.errors import DmsError

DEFAULT_AS_OF = date(2026, 1, 5)  # the business date a synthetic book is taken on, unless --date says
DEFAULT_SEED = 1
DEFAULT_LAS = 20
DEMO_PEOPLE = 20_000


def _positive(text: str) -> int:
    try:
        value = int(text.replace("_", "").replace(",", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number (write it like 20000)") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not at least 1")
    return value


def _book_arguments(parser: argparse.ArgumentParser, people: int | None) -> None:
    from dms.cli import business_date

    if people is None:
        parser.add_argument("--people", type=_positive, required=True, help="how many people to add")
    else:
        parser.add_argument("--people", type=_positive, default=people,
                            help=f"how many people the book has (default {people:,})")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED,
                        help=f"the seed: the same people count and seed give the same book (default {DEFAULT_SEED})")
    parser.add_argument("--las", type=_positive, default=DEFAULT_LAS,
                        help=f"how many local authorities refer HB debts (default {DEFAULT_LAS}; LA IDs already "
                             "registered are reused)")
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
    demo = registry.command(
        "demo",
        "Set up a demonstration: initialise the database, load a synthetic book and summarise it.",
        run_demo,
        needs_db=False,
    )
    _book_arguments(demo, DEMO_PEOPLE)
    demo.add_argument("--fresh", action="store_true",
                      help="start a new empty SQLite database (the old file is kept under the data directory)")


# ---------------------------------------------------------------------------------------------- synth


def load_with_progress(args: argparse.Namespace, console: Any) -> tuple[Any, float]:
    """Load the book with a progress bar; returns the load report and the seconds it took."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from dms.store.bulk import check_request, load_synthetic_book

    check_request(args.people, args.las)
    started = time.perf_counter()
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
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


def _fresh_sqlite(config: Any) -> Path | None:
    """Move the SQLite database file aside (kept under the data directory) so a new empty one is made.
    Refuses for other databases and for a file outside the data directory. Returns where the old file went."""
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
    if not path.exists():
        return None
    kept_dir = config.data_dir / "previous"
    kept_dir.mkdir(parents=True, exist_ok=True)
    number = 1 + sum(1 for _ in kept_dir.glob(f"{path.stem}-*{path.suffix}"))
    target = kept_dir / f"{path.stem}-{number}{path.suffix}"
    for suffix in ("", "-wal", "-shm", "-journal"):
        companion = Path(f"{path}{suffix}")
        if companion.exists():
            companion.rename(Path(f"{target}{suffix}"))
    return target


def run_demo(args: argparse.Namespace) -> int:
    from rich.console import Console

    from dms.commands.core import create_postgresql_database_if_absent, redacted_url
    from dms.settings import get_config
    from dms.store.bootstrap import ensure_database

    console = Console(width=max(Console().width, 110))
    config = get_config()
    config.data_dir.mkdir(parents=True, exist_ok=True)
    if args.fresh:
        kept = _fresh_sqlite(config)
        if kept:
            console.print(f"Started a new database; the previous one is kept at {kept}")
    create_postgresql_database_if_absent(config.database_url)
    with console.status("Initialising the database"):
        ensure_database()
    console.print(f"Database: {redacted_url(config.database_url)}")
    console.print(f"Data directory: {config.data_dir}")
    from dms.store.models import Person

    held = Person.objects.count()
    if held:
        console.print(
            f"The book already has {held:,} people, so no synthetic book was added "
            "(use --fresh to start a new one)."
        )
    else:
        report, seconds = load_with_progress(args, console)
        console.print(
            f"Loaded a synthetic book of {report.people:,} people and {report.debts:,} debts "
            f"(seed {args.seed}, taken on {args.date.isoformat()}) in {seconds:.1f}s."
        )
    return print_book_summary(console)


def pounds(pence: int) -> str:
    """Pence as pounds with thousands separators, like ``1,234,567.89`` (for reading, not for files)."""
    from dms.money import format_pounds

    whole, _, fraction = format_pounds(pence).partition(".")
    sign = "-" if whole.startswith("-") else ""
    return f"{sign}{int(whole.lstrip('-')):,}.{fraction}"


def print_book_summary(console: Any) -> int:
    """Print people, debts and balances by creditor and by debt type, and the ledger check; 0 if it passed."""
    from rich.table import Table

    from dms.store.ledger import check_ledger
    from dms.synth.summary import book_summary

    summary = book_summary()
    people = Table("People", "Count", title="People")
    for label, count in summary.people:
        people.add_row(label, f"{count:,}")
    console.print(people)
    for title, first, rows in (
        ("Debts by creditor", "Creditor", summary.by_creditor),
        ("Debts by type", "Debt type", summary.by_type),
    ):
        table = Table(first, "Debts", "Fraud", "Amount (£)", "Balance (£)", title=title)
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
