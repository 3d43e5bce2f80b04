"""Paying creditors: ``dms bacs export``, ``dms report reconcile``, ``dms report exceptions`` and
``dms report correct-misallocation``."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from typing import Any

from dms.cli import business_date, file_path, month, required_text, whole_number


def register(registry: Any) -> None:
    export = registry.subcommand(
        "bacs", "export",
        "Write the BACS Standard 18 file paying every LA its payment schedule total for a month, and record "
        "the payments once (exporting again writes the same file and records nothing new). The file is written "
        "under a temporary name beside --out and renamed to --out only once the payments are recorded: a "
        "failure leaves neither payments nor file.",
        run_bacs_export, group_help="BACS payment commands",
    )
    export.add_argument("--period", required=True, type=month, help="the month the schedules cover, YYYY-MM")
    export.add_argument(
        "--out", required=True, type=file_path("the BACS file to write, such as DMS-BACS-2026-01.txt"),
        metavar="FILE",
        help="the file to write, in an existing folder. Refused: a directory; DMS's database file (or its "
             "journals); an existing file that is not a BACS Standard 18 file (a BACS file, such as this "
             "month's written before, is replaced)",
    )
    reconcile = registry.subcommand(
        "report", "reconcile",
        "Reconcile a month per creditor and per debt type against the ledger; exit 1 if it does not tie.",
        run_reconcile, group_help="Reports",
    )
    reconcile.add_argument("--period", required=True, type=month, help="the month, YYYY-MM")
    reconcile.add_argument("--json", action="store_true", help="print JSON (sorted keys, money as strings)")
    exceptions = registry.subcommand(
        "report", "exceptions",
        "List misallocated deductions (A9/2025 §53) waiting for correction.", run_exceptions,
    )
    exceptions.add_argument("--period", type=month, help="only deductions in this month, YYYY-MM")
    exceptions.add_argument("--date", type=business_date, help="the business date of the check (default today)")
    exceptions.add_argument("--json", action="store_true", help="print JSON (sorted keys, money as strings)")
    correct = registry.subcommand(
        "report", "correct-misallocation",
        "Correct a misallocated deduction: take the excess back from the owner that received it and credit "
        "the others.", run_correct,
    )
    correct.add_argument("misallocation_id", metavar="ID", type=whole_number, help="the id `dms report exceptions` shows")
    correct.add_argument("--date", required=True, type=business_date, help="business date of the correction")
    correct.add_argument("--by", required=True, type=required_text("who is making the correction"),
                         help="who is making the correction")
    correct.add_argument("--reason", required=True, type=required_text("why the deduction is corrected"),
                         help="why")


def run_bacs_export(args: argparse.Namespace) -> int:
    from datetime import date

    from dms.commands.run import refuse_a_date_far_ahead
    from dms.money import format_pounds
    from dms.services.payments import NothingToPay, export_bacs
    from dms.synth.month import month_end_run_date

    # a month whose schedules could only come from a run `dms run` refuses: a mistyped month
    refuse_a_date_far_ahead(month_end_run_date(args.period), date.today(),
                            what=f"--period {args.period}: its month-end run date,",
                            fix="no run can have produced its schedules yet: check the month")
    try:
        result = export_bacs(args.period, args.out)
    except NothingToPay as nothing:  # an outcome of the month, not a fault: a monthly job carries on
        print(f"{nothing}; no BACS file written, nothing recorded")
        return 0
    recorded = (f"recorded {result.posted_entries} payment(s)" if result.posted_entries
                else "payments already recorded; nothing new posted")
    print(f"wrote {result.path}: {result.credits} credit(s) totalling {format_pounds(result.total_pence)} for "
          f"{result.period}: submit by {result.submission_date} (input day); processing date "
          f"{result.processing_date}; payment date {result.payment_date}; {recorded}")
    if result.settings_changed:
        print(f"note: this is the file written when the {result.period} payments were recorded; the originator "
              "settings (DMS_BACS_*) or an LA's bank details have changed since and are not in it: those "
              "payments were made to the accounts it names", file=sys.stderr)
    return 0


def run_reconcile(args: argparse.Namespace) -> int:
    from dms.services.events import last_completed_run_date
    from dms.services.reconcile import reconcile

    result = reconcile(args.period)
    report = result.as_json()
    last = last_completed_run_date()
    # how far the ledger's day-by-day figures go: a month the daily run has not finished is reconciled so far
    report["runs_completed_through"] = last.isoformat() if last is not None else None
    if args.json:
        print(json.dumps(report, sort_keys=True, indent=2))
    else:
        _print_reconciliation(report)
    return 0 if result.ties else 1


def _print_reconciliation(report: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=160)
    table = Table("Creditor", "Opening", "Recovered", "Corrections", "Paid", "Closing", "Ledger", "Ties",
                  title=f"Reconciliation {report['period']} ({report['from']} to {report['to']})")
    for line in report["creditors"]:
        table.add_row(line["creditor"], line["opening"], line["recovered"], line["corrections"], line["paid"],
                      line["closing"], line["ledger_closing"], "yes" if line["ties"] else "NO")
    console.print(table)
    types = Table("Debt type", "Outstanding", "Recovered")
    for line in report["debt_types"]:
        types.add_row(line["debt_type"], line["outstanding"], line["recovered"])
    console.print(types)
    last = report["runs_completed_through"]
    if last is None or last < report["from"]:
        through = f"up to {last}" if last is not None else "on no day yet"
        console.print(f"Note: the daily run has been completed {through}, before {report['period']} began: "
                      "none of the month has been run yet.")
    elif last < report["to"]:
        console.print(f"Note: the daily run has been completed up to {last}, before the end of "
                      f"{report['period']} ({report['to']}): these are the month's figures so far.")
    if report["ties"]:
        console.print("Reconciliation ties to the ledger to the penny.")
    for difference in report["differences"]:
        console.print(f"DIFFERENCE: {difference}")


def run_exceptions(args: argparse.Namespace) -> int:
    from dms.services.misallocation import as_json, detect

    found = [as_json(m) for m in detect(args.period, today=args.date or date.today())]
    if args.json:
        print(json.dumps({"misallocations": found}, sort_keys=True, indent=2))
        return 0
    if not found:
        print("No misallocated deductions.")
    for item in found:
        print(f"{item['id']}: {item['nino']} {item['business_date']} item {item['item']} {item['amount']}: "
              f"{item['received_by']} got {item['excess']} over its share; shares {item['fair_shares']}, "
              f"received {item['received']}")
    return 0


def run_correct(args: argparse.Namespace) -> int:
    from dms.money import format_pounds
    from dms.services.misallocation import correct

    item = correct(args.misallocation_id, business_date=args.date, actor=args.by, reason=args.reason)
    print(f"corrected misallocation {item.pk}: {format_pounds(item.excess_pence)} excess from "
          f"{item.received_by}; entries {', '.join(str(i) for i in item.correction_entry_ids)}")
    return 0
