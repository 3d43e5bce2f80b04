"""The ``dms`` command. Each area registers its subcommands from a module in ``dms.commands``.

Errors go to stderr with a non-zero exit: 1 for a refused request (``DmsError``), 2 for bad arguments.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from dms.errors import DmsError

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


class Registry:
    """Lets command modules add top-level commands and share groups such as ``dms la``."""

    def __init__(self, parser: argparse.ArgumentParser) -> None:
        self._subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
        self._subparsers.required = True
        self._groups: dict[str, Any] = {}

    def command(self, name: str, help: str, handler: Callable[[argparse.Namespace], int | None],
                *, needs_db: bool = True) -> argparse.ArgumentParser:
        parser = self._subparsers.add_parser(name, help=help, description=help)
        parser.set_defaults(handler=handler, needs_db=needs_db)
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
        parser.set_defaults(handler=handler, needs_db=needs_db)
        return parser


def business_date(text: str) -> date:
    """argparse type for ``--date YYYY-MM-DD`` (a business date: a year in ``dms.calendar.YEARS``)."""
    from dms.calendar import YEARS, parse_date

    try:
        return parse_date(text, field="date", years=YEARS)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dms",
        description="DMS: the debt management system. Configuration comes from DMS_DATABASE_URL and DMS_DATA_DIR.",
    )
    registry = Registry(parser)
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(registry)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.needs_db:
            from dms.store.bootstrap import ensure_database

            ensure_database()
        result = args.handler(args)
    except DmsError as error:
        print(f"dms: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("dms: interrupted; nothing partial was committed", file=sys.stderr)
        return 130
    return int(result or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
