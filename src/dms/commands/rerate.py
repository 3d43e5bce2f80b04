"""``dms rerate --date D [--cap-percent P] [--workers N] [--json]``: re-rate the whole book as of a date, with
the parameters in force and, with ``--cap-percent``, with the overall cap overridden (a what-if; nothing
posted). See :mod:`dms.services.rerate`."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from decimal import Decimal
from typing import Any

from dms.cli import business_date, shown
from dms.commands.run import MAX_WORKERS, refuse_a_date_far_ahead, worker_count
from dms.errors import DmsError


def register(registry: Any) -> None:
    parser = registry.command(
        "rerate",
        "Work out, for every person with debts in recovery, the deduction the UC and legacy engines would take "
        "for their current assessment period or pay period as of --date, with the parameters in force and "
        "with the overall cap at --cap-percent (a what-if: nothing is posted); print the totals per creditor.",
        run_rerate,
    )
    parser.add_argument("--date", required=True, type=business_date, help="the as-of date, YYYY-MM-DD")
    parser.add_argument("--cap-percent", default=None, metavar="P", type=_cap_percent,
                        help="the what-if overall cap, a percentage of the standard allowance from 0 to 40")
    parser.add_argument("--workers", type=worker_count, default=1,
                        help=f"re-rate the partitions of people on this many local processes, 1 to {MAX_WORKERS} "
                             "(default 1)")
    parser.add_argument("--json", action="store_true", help="print JSON (sorted keys, money as strings)")


def _cap_percent(text: str) -> Decimal:
    """argparse type for ``--cap-percent``: a bad value is a bad argument (exit 2, one line)."""
    from dms.recovery.what_if import parse_cap_percent

    try:
        return parse_cap_percent(text)
    except DmsError as error:
        message = str(error).removeprefix("--cap-percent ")
        long = shown(text) != repr(text)  # a long argument is quoted by its start and length, not whole
        raise argparse.ArgumentTypeError(message.replace(text, shown(text)) if long else message) from None


RERATE_DATE_FIX = "it would be re-rated with the latest parameters DMS holds, as if in force then: check the date"


def run_rerate(args: argparse.Namespace) -> int:
    """Re-rate as of ``--date``; a date more than a year after today is refused first as a mistyped date (2062
    for 2026), as `dms run` refuses it (README ``dms rerate``; :func:`dms.commands.run.refuse_a_date_far_ahead`)."""
    from dms.services.rerate import rerate

    refuse_a_date_far_ahead(args.date, date.today(), fix=RERATE_DATE_FIX)
    cap_rate = args.cap_percent

    def progress(done: int, total: int) -> None:
        if not args.json and sys.stderr.isatty():
            print(f"\r{done}/{total} chunks of partitions", end="" if done < total else "\n", file=sys.stderr)

    outcome = rerate(args.date, cap_rate, workers=args.workers, progress=progress)
    report = outcome.as_json()
    if outcome.swept:
        print(f"note: removed {outcome.swept} earlier re-rating run(s) left unfinished by a `dms rerate` process "
              "that was killed before it could remove them", file=sys.stderr)
    if args.json:
        print(json.dumps(report, sort_keys=True, indent=2))
        return 0
    what_if = f"overall cap {report['cap_percent']}%" if cap_rate is not None else "no what-if (--cap-percent)"
    standing_in = (f" ({outcome.standing_in:,} of them standing in for a current period not yet reported, with "
                   "its parameters)" if outcome.standing_in else "")
    print(f"re-rated as of {report['date']} (run {outcome.run_id}, {report['seconds']} s): {outcome.people:,} people, "
          f"{outcome.periods:,} UC assessment periods{standing_in}, {outcome.instalments:,} legacy instalments; "
          f"{outcome.no_period:,} UC awards with debts but no assessment period reported yet")
    print(f"deductions with the parameters in force £{report['now']}; {what_if}: £{report['what_if']} "
          f"(difference £{report['difference']})")
    if outcome.waiting:
        print(f"note: {outcome.waiting:,} events and LA files dated on or before {report['date']} are waiting for "
              f"the daily run; these figures are the book as the run last left it (run `dms run --date "
              f"{report['date']}` first to include them)")
    width = max([len("creditor"), *(len(c["creditor"]) for c in report["creditors"])])
    print(f"{'creditor'.ljust(width)}  {'in force':>14}  {'what-if':>14}  {'difference':>14}")
    for row in report["creditors"]:
        print(f"{row['creditor'].ljust(width)}  {row['now']:>14}  {row['what_if']:>14}  {row['difference']:>14}")
    return 0
