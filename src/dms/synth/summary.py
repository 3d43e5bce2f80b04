"""A summary of the whole book for a person to read (``dms demo``): people, and debts with their amounts and
held balances by creditor and by debt type. A debt's held balance is its ``RECEIVABLE`` account balance
(docs/architecture.md, "Ledger conventions")."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

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


# ---------------------------------------------------------------------------------------------- a month


@dataclass(frozen=True)
class RecoveredRow:
    """Money recovered for a creditor in the month, from the ledger: credits to its ``CREDITOR_PAYABLE``
    account by entry kind (docs/architecture.md, "Ledger conventions")."""

    label: str
    deductions_pence: int = 0
    direct_payments_pence: int = 0
    credit_applied_pence: int = 0
    corrections_pence: int = 0  # money taken back: corrections and reversals (negative)

    @property
    def net_pence(self) -> int:
        return self.deductions_pence + self.direct_payments_pence + self.credit_applied_pence + self.corrections_pence


@dataclass(frozen=True)
class CountRow:
    label: str
    count: int
    amount_pence: int = 0


@dataclass(frozen=True)
class ScheduleRow:
    la_id: str
    name: str
    lines: int
    total_pence: int
    brought_forward_pence: int
    paid_pence: int
    carried_forward_pence: int
    bacs_pence: int


@dataclass
class MonthSummary:
    period: str
    recovered: list[RecoveredRow] = field(default_factory=list)
    third_party: CountRow | None = None
    deductions: list[CountRow] = field(default_factory=list)  # by source (UC, legacy benefit)
    outcomes: list[CountRow] = field(default_factory=list)  # debts cleared, returned by reason, withdrawn
    files: list[tuple[str, int, int, int]] = field(default_factory=list)  # kind, received, accepted, failed
    failures: list[CountRow] = field(default_factory=list)  # by outcome and error code
    refused_tars: int = 0
    schedules: list[ScheduleRow] = field(default_factory=list)  # one per LA with a schedule, by LA ID


# A misallocated deduction's excess placed on another owner's debt (REALLOCATION) is that owner's share of the
# deduction, as its schedule line says (services.misallocation).
_ENTRY_COLUMNS = {"DEDUCTION": "deductions_pence", "REALLOCATION": "deductions_pence",
                  "DIRECT_PAYMENT": "direct_payments_pence", "CREDIT_APPLIED": "credit_applied_pence",
                  "CORRECTION": "corrections_pence", "REVERSAL": "corrections_pence"}
_ENTRY_KINDS = ", ".join(f"'{kind}'" for kind in _ENTRY_COLUMNS)
_RECOVERED = (
    "SELECT c.kind, e.kind, -SUM(p.amount_pence) FROM dms_posting p "
    "JOIN dms_journal_entry e ON e.id = p.entry_id JOIN dms_account a ON a.id = p.account_id "
    "JOIN dms_creditor c ON c.id = a.creditor_id "
    "WHERE a.kind = 'CREDITOR_PAYABLE' AND e.business_date BETWEEN %s AND %s "
    f"AND e.kind IN ({_ENTRY_KINDS}) "
    "GROUP BY c.kind, e.kind"
)
_DEDUCTIONS = (
    "SELECT CASE WHEN source = 'UC' THEN 'Universal Credit' ELSE 'legacy benefits' END, creditor_kind, COUNT(*), "
    "SUM(amount_pence) FROM dms_deduction WHERE date BETWEEN %s AND %s AND status = 'TAKEN' GROUP BY 1, 2"
)
# A debt's outcomes in the month, one row per status change into one of these statuses. A return is told by
# its cessation reason (a returned debt changes no more, so the debt's reason is the return's); a recall by what
# became of the debt by the month's end: returned after the holding period, cleared in it, or still in it. A row
# from and to the same status (a reclassification; a recall of a debt already recalled) moves the debt nowhere
# and is neither an outcome nor what became of a recall.
_OUTCOMES = (
    "SELECT status, detail, COUNT(*), COALESCE(SUM(returned), 0) FROM (SELECT s.to_status AS status, CASE "
    "  WHEN s.to_status = 'RETURNED' THEN d.cessation_reason "
    "  WHEN s.to_status = 'RECALL_PENDING' THEN COALESCE((SELECT n.to_status FROM dms_debt_status_change n "
    "    WHERE n.debt_id = s.debt_id AND n.id > s.id AND n.business_date <= %(last)s "
    "    AND n.to_status <> n.from_status ORDER BY n.id LIMIT 1), "
    "    'RECALL_PENDING') "
    "  ELSE '' END AS detail, r.returned "
    "FROM dms_debt_status_change s JOIN dms_debt d ON d.id = s.debt_id "
    "LEFT JOIN (SELECT a.debt_id, -SUM(p.amount_pence) AS returned FROM dms_posting p "
    "  JOIN dms_journal_entry e ON e.id = p.entry_id JOIN dms_account a ON a.id = p.account_id "
    "  WHERE e.kind = 'RETURN' AND a.kind = 'RECEIVABLE' AND e.business_date BETWEEN %(first)s AND %(last)s "
    "  GROUP BY a.debt_id) r ON r.debt_id = d.id AND s.to_status IN ('RETURNED', 'WITHDRAWN', 'ESTATE') "
    "WHERE s.business_date BETWEEN %(first)s AND %(last)s AND s.to_status <> s.from_status AND s.to_status IN "
    "('CLEARED', 'RETURNED', 'WITHDRAWN', 'ESTATE', 'RECALL_PENDING', 'SUSPENDED')) outcome "
    "GROUP BY status, detail"
)
_OUTCOME_LABELS = {"CLEARED": "cleared (paid off)", "WITHDRAWN": "withdrawn by the creditor",
                   "ESTATE": "passed to recovery from the estate", "SUSPENDED": "suspended (moratorium)"}
_RECALL_LABELS = {"RECALL_PENDING": "recalled by the LA: in the holding period at the month's end",
                  "RETURNED": "recalled by the LA: returned after the holding period",
                  "CLEARED": "recalled by the LA: cleared in the holding period"}


def _outcome_label(status: str, detail: str) -> str:
    if status == "RETURNED":
        return f"returned: {detail}"
    if status == "RECALL_PENDING":
        return _RECALL_LABELS.get(detail, f"recalled by the LA: then {detail}")
    return _OUTCOME_LABELS.get(status, status)


def _bounds(period: str) -> tuple[str, str]:
    from dms.calendar import month_bounds, parse_period

    first, last = month_bounds(*parse_period(period))
    return first.isoformat(), last.isoformat()


def _recovered(cursor: Any, first: str, last: str) -> list[RecoveredRow]:
    values: dict[str, dict[str, int]] = {}
    cursor.execute(_RECOVERED, [first, last])
    for kind, entry_kind, total in cursor.fetchall():
        row = values.setdefault(kind, {})
        column = _ENTRY_COLUMNS[entry_kind]
        row[column] = row.get(column, 0) + int(total)
    rows = [RecoveredRow(_LABELS[kind], **values[kind]) for kind in ("DWP", "HMRC", "LA") if kind in values]
    total = RecoveredRow("Total", *(sum(getattr(r, name) for r in rows) for name in (
        "deductions_pence", "direct_payments_pence", "credit_applied_pence", "corrections_pence")))
    return [*rows, total]


def _file_summary(summary: MonthSummary, first: str, last: str) -> None:
    """LA files received in the month by kind and what became of them; failures by outcome and code."""
    from django.db.models import Count, Q

    from dms.store.la.models import FileKind, FileState, ReceivedFile, ReceivedTar

    received = ReceivedFile.objects.filter(received_on__range=(first, last))
    names = dict(FileKind.choices)
    for row in received.values("kind").order_by("kind").annotate(
        n=Count("id"), ok=Count("id", filter=Q(state=FileState.ACCEPTED)),
        failed=Count("id", filter=Q(state=FileState.FAILED)),
    ):
        summary.files.append((f"{names.get(row['kind'], row['kind'])} ({row['kind']})", row["n"], row["ok"],
                              row["failed"]))
    codes: dict[str, int] = {}
    for outcome, errors in received.filter(state=FileState.FAILED).values_list("outcome", "errors"):
        for code in sorted({str(e.get("code", "")) for e in errors or []} or {outcome}):
            codes[f"{outcome}: {code}"] = codes.get(f"{outcome}: {code}", 0) + 1
    summary.failures = [CountRow(label, count) for label, count in sorted(codes.items())]
    summary.refused_tars = ReceivedTar.objects.filter(received_on__range=(first, last), accepted=False).count()


def _schedules(summary: MonthSummary) -> None:
    from dms.store.payments.models import CreditorPayment, PaymentSchedule

    paid = dict(CreditorPayment.objects.filter(period=summary.period).values_list("creditor_id", "amount_pence"))
    for s in PaymentSchedule.objects.filter(period=summary.period).select_related("creditor").order_by(
            "creditor__la_id"):
        summary.schedules.append(ScheduleRow(
            s.creditor.la_id or "", s.creditor.name, s.record_count, s.total_pence, s.brought_forward_pence,
            s.paid_pence, s.carried_forward_pence, paid.get(s.creditor_id, 0),
        ))


def month_summary(period: str) -> MonthSummary:
    """What happened in ``period`` (``YYYY-MM``): money recovered by creditor, deductions by source, debt
    outcomes (cleared, returned by reason, withdrawn), LA files and their failures by code, and the payment
    schedules with the BACS payments made for the month. A few grouped queries, none per row."""
    first, last = _bounds(period)
    summary = MonthSummary(period)
    with connection.cursor() as cursor:
        summary.recovered = _recovered(cursor, first, last)
        cursor.execute(_DEDUCTIONS, [first, last])
        third = [0, 0]
        for source, creditor_kind, count, total in cursor.fetchall():
            if creditor_kind == "THIRD_PARTY":
                third = [third[0] + count, third[1] + int(total)]
            else:
                summary.deductions.append(CountRow(f"{_LABELS.get(creditor_kind, creditor_kind)} from {source}",
                                                   count, int(total)))
        summary.deductions.sort(key=lambda row: row.label)
        summary.third_party = CountRow("Third parties (paid by DWP on the claimant's behalf)", *third)
        cursor.execute(_OUTCOMES, {"first": first, "last": last})
        for status, detail, count, returned in cursor.fetchall():
            summary.outcomes.append(CountRow(_outcome_label(status, detail), count, int(returned)))
    summary.outcomes.sort(key=lambda row: (not row.label.startswith("cleared"), row.label))
    _file_summary(summary, first, last)
    _schedules(summary)
    return summary
