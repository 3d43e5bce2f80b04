"""The ``dms`` command. Each area registers its subcommands from a module in ``dms.commands``.

Errors go to stderr in one line with a non-zero exit: 1 for a refused request (``DmsError``: bad input, a
configuration DMS cannot run with, a database it cannot reach) or a file it cannot read or write (``OSError``),
2 for bad arguments (what is wrong in the arguments themselves, judged without the database: a malformed
value, empty text a command records, an amount of 0.00 where more is needed, an empty path; argparse types
here, ``BadArguments`` from a service for arguments that cannot go together). A reader that stops reading
the output (``dms ... | head``) ends the command without a word, as it ends a Unix tool, with exit 1 (what
rich's console does for the tables). A database that cannot be written for a reason the user can put right (a
read-only file or folder, a full disk, a disk error, a read-only server) is one line too, with what to do.
Anything else is a fault in DMS and shows its traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import re
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any, NoReturn

from dms.errors import BadArguments, DmsError

_ASCII_DIGITS = re.compile(r"[0-9]+")

COMMAND_MODULES = (
    "dms.commands.core",  # init, la add, debtor show, ledger check
    "dms.commands.synth",  # synth, demo
    "dms.commands.events",  # events import
    "dms.commands.recovery",  # deductions list, debtor set-rate
    "dms.commands.payments",  # bacs export, report reconcile, report exceptions
    "dms.commands.run",  # run (the daily run)
    "dms.commands.la",  # la receive
    "dms.commands.rerate",  # rerate (what-if replay of the deductions)
)


class DmsArgumentParser(argparse.ArgumentParser):
    """argparse, with a bad argument reported as DMS reports every error: one line on stderr, ``dms: error:``,
    what is wrong, where and how to put it right, and exit 2 (no usage block before it)."""

    def error(self, message: str) -> NoReturn:
        hint = ""
        if "invalid int value" in message:
            hint = "; give a whole number in ASCII digits, such as 7"
        sys.stderr.write(f"dms: error: {self.prog}: {message}{hint}; see `{self.prog} --help`\n")
        sys.exit(2)

    def parse_args(self, args: Sequence[str] | None = None,  # type: ignore[override]
                   namespace: argparse.Namespace | None = None) -> argparse.Namespace:
        """As argparse's, but an argument no parser knows is reported by the command it was given to (``dms run:
        unrecognized arguments: --foo; see `dms run --help```), not by ``dms``, which has no such options."""
        parsed, extras = self.parse_known_args(args, namespace)
        if extras:
            owner = getattr(parsed, "command_parser", None) or self
            owner.error(f"unrecognized arguments: {' '.join(extras)}")
        return parsed


def shown(text: str, most: int = 24) -> str:
    """An argument as an error quotes it: whole, or, when it is long, its start and its length (an error is
    one line, not the thousands of digits someone pasted)."""
    return repr(text) if len(text) <= most else f"{text[:most]!r}... ({len(text):,} characters)"


def whole_number(text: str) -> int:
    """argparse type for a whole number written in ASCII digits (``int`` would also read ``"1_0"``, spaces
    and other scripts' digits)."""
    if not _ASCII_DIGITS.fullmatch(text):
        raise argparse.ArgumentTypeError(f"{shown(text)} is not a whole number in ASCII digits, such as 7")
    if len(text.lstrip("0")) > 18:  # beyond any id or count DMS holds (a 64-bit integer has 19 digits)
        raise argparse.ArgumentTypeError(f"{shown(text)} is too large: give a whole number of at most 18 digits")
    return int(text)


def whole_number_from(least: int, most: int, noun: str = "", *, why: str = "",
                      example: int = 7) -> Callable[[str], int]:
    """argparse type for a whole number in ASCII digits from ``least`` to ``most`` (a count of ``noun``):
    anything else, a number too large for the machine to hold included, is a bad argument (exit 2) saying
    the range; ``why`` says where the bound comes from."""

    def parse(text: str) -> int:
        of = f" of {noun}" if noun else ""
        if not _ASCII_DIGITS.fullmatch(text):
            raise argparse.ArgumentTypeError(f"{shown(text)} is not a whole number{of} in ASCII digits, such as "
                                             f"{example}: give one from {least:,} to {most:,}{why}")
        if len(text.lstrip("0")) > len(str(most)) or not least <= int(text) <= most:
            raise argparse.ArgumentTypeError(f"{shown(text)} is not from {least:,} to {most:,}: give at least "
                                             f"{least:,} and at most {most:,}{' ' + noun if noun else ''}{why}")
        return int(text)

    parse.__name__ = "whole_number_from"
    return parse


class Registry:
    """Lets command modules add top-level commands and share groups such as ``dms la``."""

    def __init__(self, parser: argparse.ArgumentParser) -> None:
        self._subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
        self._subparsers.required = True
        self._groups: dict[str, Any] = {}

    def command(self, name: str, help: str, handler: Callable[[argparse.Namespace], int | None],
                *, needs_db: bool = True) -> argparse.ArgumentParser:
        parser = self._subparsers.add_parser(name, help=help, description=help)
        parser.set_defaults(handler=handler, needs_db=needs_db, command_parser=parser)
        return parser

    def group(self, name: str, help: str) -> Any:
        """The subparsers of group ``name`` (``dms NAME SUBCOMMAND``), created on first use."""
        if name not in self._groups:
            parser = self._subparsers.add_parser(name, help=help, description=help)
            sub = parser.add_subparsers(dest=f"{name}_command", metavar="SUBCOMMAND")
            sub.required = True
            self._groups[name] = sub
        return self._groups[name]

    def subcommand(self, group: str, name: str, help: str,
                   handler: Callable[[argparse.Namespace], int | None], *, group_help: str = "",
                   needs_db: bool = True) -> argparse.ArgumentParser:
        parser = self.group(group, group_help or f"{group} commands").add_parser(name, help=help, description=help)
        parser.set_defaults(handler=handler, needs_db=needs_db, command_parser=parser)
        return parser


def business_date(text: str) -> date:
    """argparse type for ``--date YYYY-MM-DD`` (a business date: a year in ``dms.calendar.YEARS``)."""
    from dms.calendar import YEARS, parse_date

    try:
        return parse_date(text, field="date", years=YEARS)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def pounds(text: str) -> str:
    """argparse type for an amount of pounds such as ``--amount 10.00`` (``dms.money.parse_pounds``: two
    decimals, no symbol, not negative: a negative amount is a bad argument); returns the text, checked."""
    from dms.money import parse_pounds

    try:
        parse_pounds(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error).removeprefix("amount: ")) from None
    return text


def positive_pounds(fix: str) -> Callable[[str], str]:
    """argparse type for an amount of pounds that must be more than 0.00 (``pounds``, then the amount): 0.00 is
    a bad argument (exit 2), refused before the database is opened; ``fix`` says what to give instead."""

    def parse(text: str) -> str:
        from dms.money import parse_pounds

        checked = pounds(text)
        if parse_pounds(checked) <= 0:
            raise argparse.ArgumentTypeError(f"{text} is not more than 0.00: {fix}")
        return checked

    parse.__name__ = "positive_pounds"
    return parse


def required_text(what: str) -> Callable[[str], str]:
    """argparse type for text a command records and cannot do without (a reason, who acts, a name): empty or
    only spaces is a bad argument (exit 2; README: "2 for bad arguments"), refused before the database is
    opened; ``what`` says what to give."""

    def parse(text: str) -> str:
        if not text.strip():
            raise argparse.ArgumentTypeError(f"{text!r} is {'only spaces' if text else 'empty'}: give {what}")
        return text

    parse.__name__ = "required_text"
    return parse


def file_path(what: str) -> Callable[[str], Path]:
    """argparse type for a file or directory path: an empty one (which would name the current directory) is a
    bad argument (exit 2); whether the path exists, or may be written, is the command's to find out (exit 1)."""

    def parse(text: str) -> Path:
        if not text:
            raise argparse.ArgumentTypeError(f"the path is empty: give {what}")
        return Path(text)

    parse.__name__ = "file_path"
    return parse


def nino(text: str) -> str:
    """argparse type for a NINO argument (``dms.nino.nino_problem``, hb-debt-interface.md §2): a malformed one is
    a bad argument (exit 2), refused before the database is opened."""
    from dms.nino import nino_problem

    problem = nino_problem(text)
    if problem:
        raise argparse.ArgumentTypeError(problem)
    return text


def month(text: str) -> str:
    """argparse type for ``--period``/``--month YYYY-MM`` (a year in ``dms.calendar.YEARS``), normalised."""
    from dms.calendar import parse_period

    try:
        year, number = parse_period(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return f"{year:04d}-{number:02d}"


def build_parser() -> argparse.ArgumentParser:
    parser = DmsArgumentParser(
        prog="dms",
        description="DMS: the debt management system. Configuration comes from DMS_DATABASE_URL and DMS_DATA_DIR.",
    )
    registry = Registry(parser)
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(registry)
    return parser


class Terminated(KeyboardInterrupt):
    """SIGTERM (a process manager stopping DMS, ``kill``): handled as an interruption, so that transactions
    are rolled back and a run in progress cleans up as after Ctrl-C; the exit status is 143 (128 + 15)."""


def _terminate(signum: int, frame: object) -> None:
    raise Terminated()


def main(argv: Sequence[str] | None = None) -> int:
    import signal
    import threading

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminate)
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
    except KeyboardInterrupt as stop:
        print("dms: interrupted before it started; nothing was changed", file=sys.stderr)
        return 143 if isinstance(stop, Terminated) else 130
    try:
        if args.needs_db:
            from dms.store.bootstrap import ensure_database

            ensure_database()
        result = args.handler(args)
        sys.stdout.flush()  # here, so that a reader gone away is met below and not at exit
    except BrokenPipeError:
        return _reader_gone()
    except DmsError as error:
        print(f"dms: error: {error}", file=sys.stderr)
        return 2 if isinstance(error, BadArguments) else 1
    except OSError as error:
        print(f"dms: error: {os_error_text(error)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt as stop:
        if args.command == "run":
            # once days run, `dms run` says itself which it completed and which it left (commands/run.py)
            print("dms: interrupted before the daily run began a day; no day was run or changed: run `dms run` "
                  "again", file=sys.stderr)
        elif args.command == "demo":
            print("dms: interrupted; the days the demo had completed, and the traffic it had taken in, stand, and "
                  "a day in progress was rolled back: run `dms demo` again with the same options to go on (it also "
                  "writes a month's BACS file not yet written)", file=sys.stderr)
        elif args.command == "events":
            print("dms: interrupted; the events of the lines before the interruption may have been stored (they "
                  "are stored 500 lines at a time): import the file again to take in the rest (events already "
                  "stored are unchanged)", file=sys.stderr)
        else:
            print("dms: interrupted; nothing partial was committed", file=sys.stderr)
        return 143 if isinstance(stop, Terminated) else 130
    except Exception as error:
        if type(error).__name__ == "OperationalError" and "database is locked" in str(error):
            # SQLite: another process held the write lock for longer than DMS waits for it
            print("dms: error: the database is locked by another DMS command (SQLite has one writer at a time); "
                  "nothing was changed: run this again when the other command has finished", file=sys.stderr)
            return 1
        unwritable = database_unwritable_text(error)
        if unwritable is None:
            raise
        print(f"dms: error: {unwritable}", file=sys.stderr)
        return 1
    return int(result or 0)


def _reader_gone() -> int:
    """Standard output's reader closed the pipe: stop without a word, and point standard output at
    ``/dev/null`` so that Python's own flush at exit does not complain."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return 1


# What the database driver says when the database cannot take a write for a reason outside DMS that the user
# can put right (SQLite's result code, PostgreSQL's SQLSTATE), and how to put it right.
_SQLITE_CANNOT_WRITE = {
    "SQLITE_READONLY": "let DMS write the file and its folder (their owner and mode, or a disk mounted read-only; "
                       "SQLite writes a journal beside the file)",
    "SQLITE_CANTOPEN": "let DMS write the file and its folder (SQLite writes a journal beside the file)",
    "SQLITE_FULL": "make room on the disk the file is on",
    "SQLITE_IOERR": "check the disk the file is on (its free space and its health) and that DMS may write there",
}
_POSTGRES_CANNOT_WRITE = {
    "25006": "point DMS_DATABASE_URL at a server and database that accept writes (not a read-only standby) or "
             "let the database's user write",
    "53100": "make room on the PostgreSQL server's disk",
    "58030": "check the PostgreSQL server's disk",
}


def database_unwritable_text(error: BaseException) -> str | None:
    """One line for a database DMS could not write for a reason the user can put right (a read-only SQLite
    file or folder, a full disk, a disk error, a read-only PostgreSQL server): which database, why, and what to
    do; None for any other database failure, a fault in DMS that shows its traceback (README: errors say
    what is wrong, where, and how to put it right)."""
    from django.db import DatabaseError

    if not isinstance(error, DatabaseError):
        return None
    cause = error.__cause__
    sqlite_name = str(getattr(cause, "sqlite_errorname", "") or "")
    advice = next((text for name, text in _SQLITE_CANNOT_WRITE.items()
                   if sqlite_name == name or sqlite_name.startswith(f"{name}_")), None)
    if advice is None:
        advice = _POSTGRES_CANNOT_WRITE.get(str(getattr(cause, "sqlstate", "") or ""))
    if advice is None:
        return None
    from django.db import connection

    from dms.settings import get_config, redacted_url
    from dms.store.bootstrap import first_line
    where = redacted_url(get_config().database_url)
    if connection.vendor == "sqlite":
        file = Path(str(connection.settings_dict["NAME"]))
        where, advice = f"file {file}", advice.replace("its folder", f"its folder {file.parent}")
    return (f"cannot write the database {where} ({first_line(error)}): what the command had under way was not "
            f"saved; {advice}, then run the command again")


def os_error_text(error: OSError) -> str:
    """One line for a file DMS could not read or write: which, why, and what to check."""
    paths = [str(p) for p in (error.filename, error.filename2) if p is not None]
    if not paths:  # no file named: the standard output or error DMS was writing its answer to
        return (f"writing the output: {error.strerror or error}; check that where the output goes (a file it is "
                "redirected to, or its disk) has room and may be written")
    return (f"{' -> '.join(paths)}: {error.strerror or error}; check that the path is right, that there is room "
            "on the disk and that DMS may read and write there")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
