"""A summary of the whole book for a person to read (``dms demo``): people, and debts with their amounts and
held balances by creditor and by debt type. A debt's held balance is its ``RECEIVABLE`` account balance
(docs/architecture.md, "Ledger conventions")."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connection

_LABELS = {"DWP": "DWP", "HMRC": "HMRC", "LA": "Local authorities"}
_TYPE_OWNERS = {"DWP": "DWP", "HMRC": "HMRC tax credits", "LA": "Housing Benefit"}


@dataclass(frozen=True)
class DebtRow:
    label: str
    debts: int
    fraud: int
    amount_pence: int
    balance_pence: int


@dataclass
class BookSummary:
    people: list[tuple[str, int]] = field(default_factory=list)
    by_creditor: list[DebtRow] = field(default_factory=list)
    by_type: list[DebtRow] = field(default_factory=list)


_DEBTS_BY = (
    "SELECT c.kind, {extra} COUNT(*), SUM(CASE WHEN d.classification = 'FRAUD' THEN 1 ELSE 0 END), "
    "SUM(d.amount_pence), COALESCE(SUM(a.balance_pence), 0) "
    "FROM dms_debt d JOIN dms_creditor c ON c.id = d.creditor_id "
    "LEFT JOIN dms_account a ON a.debt_id = d.id AND a.kind = 'RECEIVABLE' "
    "GROUP BY c.kind {extra_group} ORDER BY c.kind {extra_group}"
)


def _total(rows: list[DebtRow]) -> DebtRow:
    return DebtRow("Total", *(sum(getattr(r, name) for r in rows)
                              for name in ("debts", "fraud", "amount_pence", "balance_pence")))


def book_summary() -> BookSummary:
    summary = BookSummary()
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM dms_person")
        summary.people.append(("People", cursor.fetchone()[0]))
        cursor.execute(
            "SELECT COUNT(DISTINCT person_id), COUNT(DISTINCT CASE WHEN partner_id IS NOT NULL THEN person_id END) "
            "FROM dms_award WHERE benefit = 'UC' AND end_date IS NULL"
        )
        on_uc, in_couples = cursor.fetchone()
        cursor.execute("SELECT COUNT(DISTINCT person_id) FROM dms_award WHERE benefit <> 'UC' AND end_date IS NULL")
        legacy = cursor.fetchone()[0]
        summary.people += [("on Universal Credit", on_uc), ("  of whom in couples", in_couples),
                           ("on legacy (Annex A) benefits", legacy)]
        cursor.execute("SELECT COUNT(*) FROM dms_creditor WHERE kind = 'LA'")
        las = cursor.fetchone()[0]
        cursor.execute(_DEBTS_BY.format(extra="", extra_group=""))
        summary.by_creditor = [
            DebtRow(f"{_LABELS[kind]} ({las})" if kind == "LA" else _LABELS[kind], *map(int, values))
            for kind, *values in cursor.fetchall()
        ]
        cursor.execute(_DEBTS_BY.format(extra="d.debt_type,", extra_group=", d.debt_type"))
        summary.by_type = sorted(
            (DebtRow(f"{debt_type} ({_TYPE_OWNERS[kind]})" if debt_type == "OVERPAYMENT" else debt_type,
                     *map(int, values))
             for kind, debt_type, *values in cursor.fetchall()),
            key=lambda row: row.label,
        )
    summary.by_creditor.append(_total(summary.by_creditor))
    summary.by_type.append(_total(summary.by_type))
    return summary
