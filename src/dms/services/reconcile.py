"""The monthly reconciliation (``dms report reconcile``): what DMS owed each creditor at the start of a
month, what it recovered and took back, what it paid, and what it owes at the end, tied to the ledger.

Source: A9/2025 §32–33 (monthly payment of recoveries); hb-debt-interface.md §7; docs/architecture.md ledger
conventions. Per creditor (DWP, HMRC, each LA): opening = what CREDITOR_PAYABLE owed before the month;
recovered = DEDUCTION, DIRECT_PAYMENT, CREDIT_APPLIED and REALLOCATION (a misallocated deduction's excess
placed on another owner's debt); corrections = CORRECTION and REVERSAL (money taken back, negative); paid =
CREDITOR_PAYMENT; closing = opening + recovered + corrections − paid. The report ties when, for every creditor,
closing equals the CREDITOR_PAYABLE balance at the month's end, nothing else moved that account, the
creditor's CREDITOR_DEBTS mirrors its debts' receivables, an LA's schedule for the month carries exactly its
recoveries and corrections, and what was paid in the month matches the BACS payments recorded. Each
difference is named.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import connection

from dms.calendar import month_bounds, parse_period
from dms.errors import DmsError
from dms.money import format_pounds
from dms.store.models import Creditor
from dms.store.payments.models import CreditorPayment, PaymentSchedule

RECOVERED_KINDS = frozenset({"DEDUCTION", "DIRECT_PAYMENT", "CREDIT_APPLIED", "REALLOCATION"})
CORRECTION_KINDS = frozenset({"CORRECTION", "REVERSAL"})
PAID_KINDS = frozenset({"CREDITOR_PAYMENT"})
NOT_RECOVERED_KINDS = ("REFERRAL", "REVISION", "RETURN")

PAYABLE_SQL = """
SELECT a.creditor_id, a.kind, e.kind, CASE WHEN e.business_date < %(start)s THEN 'before' ELSE 'in' END,
       SUM(p.amount_pence)
FROM dms_posting p
JOIN dms_account a ON a.id = p.account_id AND a.kind IN ('CREDITOR_PAYABLE', 'CREDITOR_DEBTS')
JOIN dms_journal_entry e ON e.id = p.entry_id
WHERE e.business_date <= %(end)s
GROUP BY a.creditor_id, a.kind, e.kind, CASE WHEN e.business_date < %(start)s THEN 'before' ELSE 'in' END
"""

RECEIVABLE_SQL = """
SELECT d.creditor_id, d.debt_type, e.kind, CASE WHEN e.business_date < %(start)s THEN 'before' ELSE 'in' END,
       SUM(p.amount_pence)
FROM dms_posting p
JOIN dms_account a ON a.id = p.account_id AND a.kind = 'RECEIVABLE'
JOIN dms_debt d ON d.id = a.debt_id
JOIN dms_journal_entry e ON e.id = p.entry_id
WHERE e.business_date <= %(end)s
GROUP BY d.creditor_id, d.debt_type, e.kind, CASE WHEN e.business_date < %(start)s THEN 'before' ELSE 'in' END
"""


@dataclass
class CreditorLine:
    creditor_id: int
    name: str
    la_id: str | None
    opening: int = 0
    recovered: int = 0
    corrections: int = 0
    paid: int = 0
    other: int = 0
    ledger_closing: int = 0
    debts_mirror: int = 0
    receivables: int = 0

    @property
    def closing(self) -> int:
        return self.opening + self.recovered + self.corrections - self.paid

    def as_json(self) -> dict[str, Any]:
        return {
            "creditor": self.name, "la_id": self.la_id, "opening": format_pounds(self.opening),
            "recovered": format_pounds(self.recovered), "corrections": format_pounds(self.corrections),
            "paid": format_pounds(self.paid), "closing": format_pounds(self.closing),
            "ledger_closing": format_pounds(self.ledger_closing), "ties": self.closing == self.ledger_closing,
        }


@dataclass
class Reconciliation:
    period: str
    start: date
    end: date
    creditors: list[CreditorLine]
    debt_types: dict[str, tuple[int, int]]  # debt type -> (outstanding, recovered in the month)
    differences: list[str] = field(default_factory=list)

    @property
    def ties(self) -> bool:
        return not self.differences

    def as_json(self) -> dict[str, Any]:
        lines = self.creditors
        return {
            "period": self.period, "from": self.start.isoformat(), "to": self.end.isoformat(),
            "creditors": [c.as_json() for c in lines],
            "debt_types": [
                {"debt_type": t, "outstanding": format_pounds(o), "recovered": format_pounds(r)}
                for t, (o, r) in sorted(self.debt_types.items())
            ],
            "totals": {
                name: format_pounds(sum(getattr(c, name) for c in lines))
                for name in ("opening", "recovered", "corrections", "paid", "closing", "ledger_closing")
            },
            "ties": self.ties,
            "differences": list(self.differences),
        }


def _creditor_lines() -> dict[int, CreditorLine]:
    lines = {}
    for creditor in Creditor.objects.order_by("kind", "la_id"):
        name = f"LA {creditor.la_id}" if creditor.la_id else creditor.kind
        lines[creditor.pk] = CreditorLine(creditor.pk, name, creditor.la_id)
    return lines


def _add_payable(line: CreditorLine, entry_kind: str, when: str, total: int) -> None:
    owed = -total
    line.ledger_closing += owed
    if when == "before":
        line.opening += owed
    elif entry_kind in RECOVERED_KINDS:
        line.recovered += owed
    elif entry_kind in CORRECTION_KINDS:
        line.corrections += owed
    elif entry_kind in PAID_KINDS:
        line.paid += total
    else:
        line.other += owed


def reconcile(period: str) -> Reconciliation:
    """Reconcile ``period`` (``YYYY-MM``) against the ledger, to the penny (see the module docstring)."""
    try:
        year, month = parse_period(period)
    except ValueError as error:
        raise DmsError(str(error)) from None
    start, end = month_bounds(year, month)
    lines = _creditor_lines()
    params = {"start": start, "end": end}
    with connection.cursor() as cursor:
        cursor.execute(PAYABLE_SQL, params)
        for creditor_id, account_kind, entry_kind, when, total in cursor.fetchall():
            if account_kind == "CREDITOR_PAYABLE":
                _add_payable(lines[creditor_id], entry_kind, when, int(total))
            else:
                lines[creditor_id].debts_mirror += int(total)
        cursor.execute(RECEIVABLE_SQL, params)
        receivable_rows = cursor.fetchall()
    debt_types: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for creditor_id, debt_type, entry_kind, when, total in receivable_rows:
        lines[creditor_id].receivables += int(total)
        debt_types[debt_type][0] += int(total)
        if when == "in" and entry_kind not in NOT_RECOVERED_KINDS:
            debt_types[debt_type][1] -= int(total)
    result = Reconciliation(period, start, end, list(lines.values()),
                            {t: (o, r) for t, (o, r) in debt_types.items()})
    result.differences = _differences(result, lines)
    return result


def _differences(result: Reconciliation, lines: dict[int, CreditorLine]) -> list[str]:
    found = []
    for line in lines.values():
        if line.closing != line.ledger_closing:
            found.append(f"{line.name}: closing {format_pounds(line.closing)} differs from the ledger's "
                         f"CREDITOR_PAYABLE balance on {result.end} of {format_pounds(line.ledger_closing)}")
        if line.other:
            found.append(f"{line.name}: {format_pounds(line.other)} moved CREDITOR_PAYABLE in entries that are "
                         "neither recoveries, corrections nor payments")
        if line.debts_mirror != -line.receivables:
            found.append(f"{line.name}: CREDITOR_DEBTS {format_pounds(-line.debts_mirror)} does not mirror its "
                         f"debts' receivables {format_pounds(line.receivables)} on {result.end}")
    found += _schedule_differences(result.period, lines)
    found += _payment_differences(result, lines)
    return found


def _schedule_differences(period: str, lines: dict[int, CreditorLine]) -> list[str]:
    """An LA's schedule for the month carries its recoveries and corrections and the amount brought
    forward, no more and no less."""
    found = []
    schedules = {s.creditor_id: s for s in PaymentSchedule.objects.filter(period=period)}
    if not schedules:
        return found
    for line in lines.values():
        if line.la_id is None:
            continue
        schedule = schedules.get(line.creditor_id)
        scheduled = (schedule.total_pence - schedule.brought_forward_pence) if schedule else 0
        if scheduled != line.recovered + line.corrections:
            found.append(f"{line.name}: the {period} schedule carries {format_pounds(scheduled)} of this month's "
                         f"money but the ledger recovered {format_pounds(line.recovered)} and took back "
                         f"{format_pounds(-line.corrections)}")
    return found


def _payment_differences(result: Reconciliation, lines: dict[int, CreditorLine]) -> list[str]:
    paid: dict[int, int] = defaultdict(int)
    for creditor_id, amount in CreditorPayment.objects.filter(
        payment_date__gte=result.start, payment_date__lte=result.end
    ).values_list("creditor_id", "amount_pence"):
        paid[creditor_id] += amount
    return [
        f"{line.name}: BACS payments recorded in the month total {format_pounds(paid[line.creditor_id])} but "
        f"the ledger paid {format_pounds(line.paid)}"
        for line in lines.values() if paid[line.creditor_id] != line.paid
    ]
