"""Recovery commands: ``dms deductions list`` and ``dms debtor set-rate``."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from datetime import date
from typing import Any

from dms.cli import business_date, nino, positive_pounds, required_text


def register(registry: Any) -> None:
    listing = registry.subcommand(
        "deductions", "list", "List the amounts taken from a person's benefits, and those taken for their debts "
        "from a partner's joint award, with why each amount.",
        run_deductions_list, group_help="Deduction commands",
    )
    listing.add_argument("--nino", required=True, type=nino, help="the person's National Insurance number, like AB123456C")
    listing.add_argument("--from", dest="date_from", type=business_date, help="first date, YYYY-MM-DD")
    listing.add_argument("--to", dest="date_to", type=business_date, help="last date, YYYY-MM-DD")
    listing.add_argument("--json", action="store_true", help="print JSON (sorted keys) instead of a table")
    rate = registry.subcommand(
        "debtor", "set-rate",
        "Record a lower recovery rate for a debt after an affordability request (A9/2025 §31), until a "
        "review date.",
        run_set_rate, group_help="Debtor (person) commands",
    )
    rate.add_argument("nino", metavar="NINO", type=nino, help="the person's National Insurance number")
    rate.add_argument("--debt", required=True,
                      type=required_text("the debt's id (as `dms debtor show` lists) or its reference"),
                      help="the debt's id (as `dms debtor show` lists) or reference")
    rate.add_argument("--amount", required=True,
                      type=positive_pounds("a reduced rate is at least 0.01 (to stop recovery, recall the debt)"),
                      help="the rate in pounds, like 10.00: per UC assessment period, or per week for a legacy "
                           "benefit")
    rate.add_argument("--until", required=True, type=business_date, help="the review date, YYYY-MM-DD")
    rate.add_argument("--reason", required=True,
                      type=required_text("why the rate is reduced (the affordability request)"),
                      help="why (the affordability request)")
    rate.add_argument("--actor", default=None, type=required_text("who sets the rate, or leave --actor out"),
                      help="who sets it (default: the operating-system user)")
    rate.add_argument("--date", type=business_date, default=None,
                      help="the business date it is set (default: the last completed run date)")


def _range_text(first: date | None, last: date | None) -> str:
    """The ``--from``/``--to`` range asked for, as words ("" for none)."""
    if first and last:
        return f" from {first.isoformat()} to {last.isoformat()} (--from/--to)"
    if first:
        return f" from {first.isoformat()} onwards (--from/--to)"
    if last:
        return f" up to {last.isoformat()} (--from/--to)"
    return ""


def run_deductions_list(args: argparse.Namespace) -> int:
    from dms.services.recovery_staff import list_deductions

    rows = list_deductions(args.nino, args.date_from, args.date_to)
    if args.json:
        print(json.dumps({"deductions": rows}, sort_keys=True, indent=2))
        return 0
    if not rows:
        print(f"No deductions taken from {args.nino} or for their debts{_range_text(args.date_from, args.date_to)}.")
        return 0
    header = ("date", "source", "item", "creditor", "la_id", "ref", "amount", "status")
    table = [header] + [tuple(str(r[k] if r[k] is not None else "-") for k in header) for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    sys.stdout.write("  ".join(cell.ljust(w) for cell, w in zip(header, widths, strict=True)).rstrip() + "\n")
    for row, found in zip(table[1:], rows, strict=True):
        sys.stdout.write("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() + "\n")
        for line in str(found["explanation"]).splitlines():  # why this amount, under its row
            sys.stdout.write(f"    {line}\n")
    return 0


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown user"


def run_set_rate(args: argparse.Namespace) -> int:
    from dms.money import format_pounds
    from dms.services.recovery_staff import set_reduced_rate

    actor = args.actor if args.actor is not None else _os_user()
    if args.date is not None:
        from dms.commands.run import refuse_a_date_far_ahead

        refuse_a_date_far_ahead(args.date, date.today())
    result = set_reduced_rate(args.nino, args.debt, args.amount, args.until, args.reason, actor, args.date)
    per = "a week" if result.per == "WEEK" else "per assessment period"
    print(f"Debt {result.debt_id}: reduced rate {format_pounds(result.amount_pence)} {per} from {result.set_on} "
          f"until the review on {result.until}, set by {result.actor}: {result.reason}"
          + ("; already recorded, nothing new recorded" if result.already else ""))
    return 0
