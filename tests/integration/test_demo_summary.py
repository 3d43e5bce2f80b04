"""The demo's month summary (:mod:`dms.synth.summary`): each debt outcome is one row with a label of its own,
and every LA with a schedule is listed."""

from __future__ import annotations

from datetime import date

import pytest
from test_payments_book import debt, la, person, recover

from dms.services.payments import run_month_end
from dms.store.models import Debt, DebtStatusChange
from dms.synth.summary import month_summary

pytestmark = pytest.mark.django_db


def _moves(target: Debt, *changes: tuple[str, str, date], reason: str = "") -> None:
    """Status changes of ``target`` as the services record them (the summary reads only these rows)."""
    for old, new, day in changes:
        DebtStatusChange.objects.create(debt=target, from_status=old, to_status=new, business_date=day,
                                        actor="test", reason="test")
    Debt.objects.filter(pk=target.pk).update(status=changes[-1][1], cessation_reason=reason)


def test_recalls_are_told_apart_by_what_became_of_them_by_the_months_end() -> None:
    leeds = la("005920")
    debts = [debt(person(f"AB12345{n}C"), leeds, f"HB/{n}", 10_000) for n in range(5)]
    _moves(debts[0], ("OPEN", "RECALL_PENDING", date(2026, 2, 5)), ("RECALL_PENDING", "RETURNED", date(2026, 2, 20)),
           reason="LA_RECALL")
    _moves(debts[1], ("OPEN", "RECALL_PENDING", date(2026, 2, 20)), ("RECALL_PENDING", "RETURNED", date(2026, 3, 2)),
           reason="LA_RECALL")  # returned after the month: still in the holding period at its end
    _moves(debts[2], ("OPEN", "RECALL_PENDING", date(2026, 2, 10)), ("RECALL_PENDING", "CLEARED", date(2026, 2, 12)))
    _moves(debts[3], ("OPEN", "RECALL_PENDING", date(2026, 2, 25)))
    _moves(debts[4], ("OPEN", "SUSPENDED", date(2026, 2, 3)), ("SUSPENDED", "RETURNED", date(2026, 2, 25)),
           reason="DEATH")
    rows = {row.label: row.count for row in month_summary("2026-02").outcomes}
    assert rows == {
        "cleared (paid off)": 1,
        "recalled by the LA: cleared in the holding period": 1,
        "recalled by the LA: in the holding period at the month's end": 2,
        "recalled by the LA: returned after the holding period": 1,
        "returned: DEATH": 1,
        "returned: LA_RECALL": 1,
        "suspended (moratorium)": 1,
    }
    march = {row.label: row.count for row in month_summary("2026-03").outcomes}
    assert march == {"returned: LA_RECALL": 1}


def test_every_la_with_a_schedule_is_in_the_summary_in_la_id_order(data_dir: object) -> None:
    for number in range(25):
        creditor = la(f"{900000 - number * 7:06d}", f"Council {number}")
        recover(debt(person(f"AB{number:06d}C"), creditor, "HB/1", 10_000), 100 + number, date(2026, 2, 6))
    run_month_end(date(2026, 3, 2))
    schedules = month_summary("2026-02").schedules
    assert len(schedules) == 25 and [s.la_id for s in schedules] == sorted(s.la_id for s in schedules)
    assert sum(s.total_pence for s in schedules) == sum(100 + n for n in range(25))


def test_an_audit_note_that_changes_no_status_is_no_outcome() -> None:
    """A row from and to the same status (a recall of a debt already in its recall holding period, a
    reclassification) notes something of the debt but moves it nowhere: it is not an outcome, nor what
    became of a recall."""
    leeds = la("005920")
    debts = [debt(person(f"AB12345{n}C"), leeds, f"HB/{n}", 10_000) for n in range(2)]
    _moves(debts[0], ("OPEN", "RECALL_PENDING", date(2026, 2, 5)), ("RECALL_PENDING", "RECALL_PENDING", date(2026, 2, 6)),
           ("RECALL_PENDING", "RETURNED", date(2026, 2, 10)), reason="LA_RECALL")
    _moves(debts[1], ("OPEN", "SUSPENDED", date(2026, 2, 3)), ("SUSPENDED", "SUSPENDED", date(2026, 2, 4)))
    rows = {row.label: row.count for row in month_summary("2026-02").outcomes}
    assert rows == {
        "recalled by the LA: returned after the holding period": 1,
        "returned: LA_RECALL": 1,
        "suspended (moratorium)": 1,
    }
