"""The book as the traffic planner sees it (:class:`dms.synth.traffic.BookView`), read from the database in a
few set-based queries: the registered LAs, every living person with the award they have in payment (UC
first), and every open debt with its held balance (its ``RECEIVABLE`` account, docs/architecture.md)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import connection

from dms.services.benefit_in_payment import in_payment_params, in_payment_sql
from dms.synth.traffic import BookDebt, BookPerson, BookView

_PEOPLE = (
    "SELECT p.nino, p.surname, p.forenames, p.date_of_birth, a.benefit, a.award_ref, a.start_date, "
    "a.claimant_type, a.assessment_period_day, pp.nino, a.weekly_amount_pence, a.pay_frequency, a.first_pay_date "
    "FROM dms_person p "
    f"LEFT JOIN dms_award a ON a.person_id = p.id AND {in_payment_sql('a')} "
    "LEFT JOIN dms_person pp ON pp.id = a.partner_id "
    "WHERE p.date_of_death IS NULL "
    "ORDER BY p.nino, CASE WHEN a.benefit = 'UC' THEN 0 ELSE 1 END, a.id"
)
_DEBTS = (
    "SELECT p.nino, c.kind, c.la_id, d.creditor_ref, d.debt_type, d.classification, d.amount_pence, "
    "COALESCE(acc.balance_pence, 0) "
    "FROM dms_debt d JOIN dms_person p ON p.id = d.person_id JOIN dms_creditor c ON c.id = d.creditor_id "
    "LEFT JOIN dms_account acc ON acc.debt_id = d.id AND acc.kind = 'RECEIVABLE' "
    "WHERE d.status = 'OPEN' ORDER BY p.nino, d.receipt_seq"
)


def _day(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def read_book(as_of: date) -> BookView:
    """The book on ``as_of``: LAs, living people with their award in payment that day, open debts."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT la_id FROM dms_creditor WHERE kind = 'LA' ORDER BY la_id")
        las = tuple(row[0] for row in cursor.fetchall())
        cursor.execute(_PEOPLE, in_payment_params(as_of))
        people: dict[str, BookPerson] = {}
        for row in cursor.fetchall():
            if row[0] in people:
                continue
            people[row[0]] = BookPerson(
                row[0], row[1] or "Unknown", row[2] or "Unknown", _day(row[3]) or date(as_of.year - 40, 1, 1), row[4], row[5] or "", _day(row[6]), row[7] or "",
                row[8], row[9], row[10], row[11] or "", _day(row[12]),
            )
        cursor.execute(_DEBTS)
        debts = tuple(
            BookDebt(nino, kind, ref, debt_type, classification, int(amount), int(balance), la_id)
            for nino, kind, la_id, ref, debt_type, classification, amount, balance in cursor.fetchall()
            if nino in people
        )
    return BookView(as_of, las, tuple(people.values()), debts)
