"""Foundation commands: ``dms init``, ``dms la add``, ``dms debtor show``, ``dms ledger check``."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from dms.cli import nino
from dms.errors import DmsError
from dms.settings import redacted_url


def register(registry: Any) -> None:
    registry.command(
        "init", "Create or upgrade the DMS database (safe to repeat) and its data directory.", run_init,
        needs_db=False,
    )
    la_add = registry.subcommand(
        "la", "add", "Register a local authority as a creditor, with its bank details.", run_la_add,
        group_help="Local authority (LA) commands",
    )
    la_add.add_argument("la_id", metavar="LAID", help="the LA's six-digit ID, like 000123")
    la_add.add_argument("--name", required=True, help="the LA's name, 1-100 characters")
    la_add.add_argument("--sort-code", required=True, help="the LA's bank sort code: six digits, no dashes")
    la_add.add_argument("--account", required=True, help="the LA's bank account number: eight digits")
    show = registry.subcommand(
        "debtor", "show", "Show a person's debts, amounts recovered, balances, credit and refunds due.",
        run_debtor_show, group_help="Debtor (person) commands",
    )
    show.add_argument("nino", metavar="NINO", type=nino, help="the person's National Insurance number, like AB123456C")
    show.add_argument("--json", action="store_true", help="print JSON (sorted keys) instead of a table")
    registry.subcommand(
        "ledger", "check",
        "Recompute every account balance from the postings and check the ledger balances; exit 1 on any "
        "difference.",
        run_ledger_check, group_help="Ledger commands",
    )


def create_postgresql_database_if_absent(url: str) -> bool:
    """Create the PostgreSQL database named by ``url`` if it does not exist (True if it was created)."""
    import dj_database_url
    import psycopg
    from psycopg import sql

    if not url.startswith(("postgres://", "postgresql://")):
        return False
    params = dj_database_url.parse(url)
    connect = {"dbname": "postgres", "user": params.get("USER") or None, "password": params.get("PASSWORD") or None,
               "host": params.get("HOST") or None, "port": params.get("PORT") or None}
    try:
        with psycopg.connect(**{k: v for k, v in connect.items() if v}, autocommit=True) as admin:
            exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [params["NAME"]]).fetchone()
            if exists:
                return False
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(params["NAME"])))
    except psycopg.Error as error:
        from dms.store.bootstrap import first_line

        raise DmsError(
            f"cannot reach or create the PostgreSQL database {redacted_url(url)} ({first_line(error)}): check "
            "that the PostgreSQL server is running and that DMS_DATABASE_URL names it (user, host, port, database)"
        ) from None
    return True


def pending_migrations() -> tuple[int, bool]:
    """(migrations not yet applied, whether the database had none applied: a fresh database)."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from dms.store.bootstrap import connect

    connect()
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return len(plan), not executor.loader.applied_migrations


def run_init(args: argparse.Namespace) -> int:
    from dms.settings import get_config
    from dms.store.bootstrap import ensure_database

    config = get_config()
    config.make_data_dir()
    created = create_postgresql_database_if_absent(config.database_url)
    if created:
        print(f"dms init: created the PostgreSQL database {redacted_url(config.database_url)}")
    pending, fresh = pending_migrations()
    ensure_database()
    if not pending:
        action = "the database is up to date; nothing to do"
    elif fresh:
        action = f"created the database ({pending} migrations applied)"
    else:
        action = f"upgraded the database ({pending} migrations applied)"
    print(f"dms init: {action}")
    print(f"database: {redacted_url(config.database_url)}")
    print(f"data directory: {config.data_dir}")
    return 0


def run_la_add(args: argparse.Namespace) -> int:
    from dms.services.creditors import LaDetails, register_la

    creditor = register_la(
        LaDetails(la_id=args.la_id, name=args.name, sort_code=args.sort_code, account_number=args.account)
    )
    print(f"added LA {creditor.la_id} {creditor.name} (sort code {creditor.sort_code}, "
          f"account {creditor.account_number})")
    return 0


def run_debtor_show(args: argparse.Namespace) -> int:
    from dms.services.debtors import debtor_summary

    summary = debtor_summary(args.nino)
    if args.json:
        print(json.dumps(summary, sort_keys=True, indent=2))
    else:
        print_debtor(summary)
    return 0


def print_debtor(summary: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=140)
    console.print(f"Debtor {summary['nino']}: credit £{summary['credit']}, refunds due £{summary['refunds_due']}")
    for refund in summary.get("refunds", []):
        console.print(f"Refund due £{refund['amount']} from {refund['date']}: {refund['reason']}", highlight=False)
    joint = summary.get("joint_debts", [])
    if not summary["debts"] and not joint:
        console.print("No debts.")
        return
    table = Table("Id", "Creditor", "Ref", "Type", "Class", "Status", "Amount", "Recovered", "Balance",
                  "Received", "Held")
    for debt in summary["debts"] + joint:
        creditor = f"LA {debt['la_id']}" if debt["la_id"] else debt["creditor"]
        held = (f"jointly with {debt['owner_nino']}" if "owner_nino" in debt
                else f"own name, jointly with {debt['joint_nino']}" if "joint_nino" in debt else "own name")
        table.add_row(str(debt["id"]), creditor, debt["ref"], debt["debt_type"], debt["classification"],
                      " ".join(filter(None, (debt["status"], debt["cessation_reason"]))), debt["amount"], debt["recovered"], debt["balance"], debt["received_on"],
                      held)
    console.print(table)
    for debt in summary["debts"] + joint:
        if debt["status"] != "OPEN" and debt["status_reason"]:
            code = f" {debt['cessation_reason']}" if debt["cessation_reason"] else ""
            console.print(f"Debt {debt['id']} {debt['status']}{code} on {debt['status_since']}: "
                          f"{debt['status_reason']}", highlight=False)
    movements = summary.get("movements", [])
    if movements:
        moved = Table("Date", "What", "Debt", "Creditor", "Ref", "Amount", "Why", highlight=False,
                      title="Money moved on these debts other than deductions (dms deductions list gives those): "
                            "a debt's Recovered is its deductions plus these")
        for movement in movements:
            creditor = f"LA {movement['la_id']}" if movement["la_id"] else movement["creditor"]
            moved.add_row(movement["date"], movement["what"], str(movement["debt_id"]), creditor, movement["ref"],
                          movement["amount"], movement["reason"])
        console.print(moved)
    from dms.services.debtors import reduced_rates_of

    for rate in reduced_rates_of(summary["nino"]):
        per = f" {rate['per']}" if rate["per"] else ""
        console.print(f"Reduced rate on debt {rate['debt_id']}: £{rate['amount']}{per} from {rate['from']}, review "
                      f"{rate['until']}, set by {rate['actor']}: {rate['reason']}", highlight=False)


def run_ledger_check(args: argparse.Namespace) -> int:
    from dms.money import format_pounds
    from dms.store.ledger import check_ledger

    report = check_ledger()
    print(f"checked {report.entries} entries, {report.postings} postings, {report.accounts} accounts; "
          f"postings total {format_pounds(report.total_pence)}")
    if report.ok:
        print("ledger check: OK")
        return 0
    for problem in report.problems:
        print(f"ledger check: {problem}", file=sys.stderr)
    print(f"ledger check: FAILED with {len(report.problems)} difference(s)", file=sys.stderr)
    return 1

