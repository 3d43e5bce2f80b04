"""A fact reported late (a death, a bankruptcy, DRO or IVA, a 100% sanction of 13 weeks or more returning HB
debts) reverses what was paid to the person on or after the day it took effect, judging each deduction by the
day its benefit was paid: a UC line by its assessment period's ``payment_date`` (events.md §2
``uc.assessment_period``: "DMS works out every deduction from this period's payment ... on ``payment_date``"),
not the run day a period reported late was taken on (docs/events-notes.md "A UC period reported after its
payment date"). So what stands is the same whenever the period and the fact were reported
(recovery-rules.md §6; docs/events-notes.md "``person.died`` reported after deductions were taken past the
death")."""

from __future__ import annotations

from datetime import date

import pytest
from test_recovery_daily_deductions import (
    dwp_debt,
    events,
    hb_debt,
    line,
    period,
    run_day,
    taken,
    uc_award,
    uc_period_of,
)

from dms.services import debts as debt_service
from dms.services.recovery_staff import list_deductions
from dms.store.ledger import check_ledger
from dms.store.models import Debt

pytestmark = pytest.mark.django_db

LATE_RUN = date(2025, 6, 25)  # the run the period paid on 2025-06-07 is taken late on


def _may_period_then_june(reported: str, *debts: str, hb: bool = False) -> None:
    """UC £800.00 (single 25+: item 19 at most 15% of £400.14 = £60.02 a period, split equally between owners);
    the May period paid on 2025-06-07, reported ``late`` (after the run of 2025-06-24, so taken on 2025-06-25,
    dated that day) or ``in time`` (taken on its payment date); the June period paid on 2025-07-07 taken on
    its payment date."""
    events(uc_award(), *debts)
    if hb:
        hb_debt(amount=30000)
    if reported == "in time":
        events(period())
        run_day(date(2025, 6, 7))
    run_day(date(2025, 6, 24))
    if reported == "late":
        events(period())
    run_day(LATE_RUN)
    assert {r.date for r in taken()} == {LATE_RUN if reported == "late" else date(2025, 6, 7)}
    events(uc_period_of("ap2", "2025-06-01", "2025-06-30", "2025-07-07"))
    run_day(date(2025, 7, 7))


def _hmrc_debt(ref: str) -> str:
    return line(f"ref-{ref}", "debt.referred", occurred_on="2025-04-08", creditor="HMRC", creditor_ref=ref,
                debt_type="OVERPAYMENT", classification="NON_FRAUD", amount="300.00", created_on="2025-04-01")


def _figures(ref: str) -> tuple[str, int, int]:
    debt = Debt.objects.get(creditor_ref=ref)
    _, recovered, balance = debt_service.debt_figures([debt])[debt.pk]
    return debt.status, recovered, balance


def _standing() -> list[tuple[date, str, int]]:
    return [(r.period.payment_date, r.debt.creditor_ref, r.amount_pence) for r in taken()]


def _reversed() -> list[tuple[date, str, int]]:
    return [(r.period.payment_date, r.debt.creditor_ref, r.amount_pence) for r in taken("REVERSED")]


@pytest.mark.parametrize("reported", ["late", "in time"])
def test_death_stops_deductions_paid_on_or_after_it_a_late_period_paid_before_it_stands(reported: str) -> None:
    """recovery-rules.md §6 ("Death: deductions stop") and events.md §2 ``person.died``: a death on 2025-06-20
    reported on 2025-07-10 reverses the June period paid on 2025-07-07 (£30.01 each to the DWP and HMRC debts), not the
    May period paid on 2025-06-07, while the debtor lived, though it was reported late and taken on 2025-06-25:
    its £60.02 stands, as it does when reported in time. The reversal says what the deduction was judged by."""
    _may_period_then_june(reported, dwp_debt("BA1"), _hmrc_debt("TC1"))
    events(line("die1", "person.died", occurred_on="2025-07-10", date_of_death="2025-06-20"))
    run_day(date(2025, 7, 10))
    paid_before, paid_after = date(2025, 6, 7), date(2025, 7, 7)
    assert _standing() == [(paid_before, "BA1", 3001), (paid_before, "TC1", 3001)]
    assert _reversed() == [(paid_after, "BA1", 3001), (paid_after, "TC1", 3001)]
    assert _figures("BA1") == ("ESTATE", 3001, 30000 - 3001) and _figures("TC1") == ("ESTATE", 3001, 30000 - 3001)
    assert all(r.reversal_reason.startswith("paid on or after the debtor's death on 2025-06-20, reported late "
                                            "(event die1)") for r in taken("REVERSED"))
    reversed_line = [d for d in list_deductions("AB123456C") if d["status"] == "REVERSED"][0]["explanation"]
    assert "Reversed on 2025-07-10: paid on or after the debtor's death on 2025-06-20" in reversed_line
    assert check_ledger().ok


@pytest.mark.parametrize("reported", ["late", "in time"])
def test_death_s_date_corrected_later_takes_again_a_late_period_paid_before_the_date_now_in_force(reported: str) -> None:
    """recovery-rules.md §6 and the Decision in docs/events-notes.md "A death's date corrected to a later day":
    a death reported as 2025-06-05 reverses the May period paid on 2025-06-07 (taken late on 2025-06-25); a
    later report corrects it to 2025-06-20, after that payment, so the period's deductions were paid while the
    debtor lived and are taken again (judged by the payment date, not the late run's day); the June period,
    paid on 2025-07-07, stays reversed."""
    _may_period_then_june(reported, dwp_debt("BA1", amount="1000.00"))
    events(line("die1", "person.died", occurred_on="2025-07-08", date_of_death="2025-06-05"))
    run_day(date(2025, 7, 8))
    assert _standing() == []
    events(line("die2", "person.died", occurred_on="2025-07-10", date_of_death="2025-06-20"))
    run_day(date(2025, 7, 10))
    again = [r for r in taken() if r.restores_id is not None]
    assert [(r.period.payment_date, r.amount_pence) for r in again] == [(date(2025, 6, 7), 6002)]
    assert "paid while the debtor was alive, before the death on 2025-06-20 (event die2" in again[0].explanation
    assert _figures("BA1") == ("ESTATE", 6002, 100000 - 6002)
    assert check_ledger().ok


@pytest.mark.parametrize("reported", ["late", "in time"])
def test_bankruptcy_bars_deductions_paid_on_or_after_its_start_a_late_period_paid_before_it_stands(reported: str) -> None:
    """recovery-rules.md §6 (SSWP v Payne [2011] UKSC 60: from its start the debts it includes are not
    recovered by deduction): a bankruptcy from 2025-06-20 reported on 2025-07-10 reverses the June period paid
    on 2025-07-07, not the May period paid on 2025-06-07, before it started, though taken late on 2025-06-25:
    the non-fraud debts are suspended with £30.01 recovered each, as when the period is reported in time."""
    _may_period_then_june(reported, dwp_debt("BA1"), _hmrc_debt("TC1"))
    events(line("bk1", "person.insolvency", occurred_on="2025-07-10", kind="BANKRUPTCY", start_date="2025-06-20"))
    run_day(date(2025, 7, 10))
    paid_before, paid_after = date(2025, 6, 7), date(2025, 7, 7)
    assert _standing() == [(paid_before, "BA1", 3001), (paid_before, "TC1", 3001)]
    assert _reversed() == [(paid_after, "BA1", 3001), (paid_after, "TC1", 3001)]
    assert _figures("BA1") == ("SUSPENDED", 3001, 30000 - 3001) and _figures("TC1") == ("SUSPENDED", 3001,
                                                                                          30000 - 3001)
    assert all(r.reversal_reason.startswith("paid on or after the start of the BANKRUPTCY from 2025-06-20, reported "
                                            "late (event bk1)") for r in taken("REVERSED"))
    assert check_ledger().ok


@pytest.mark.parametrize("reported", ["late", "in time"])
def test_sanction_returns_hb_debts_with_the_balance_at_its_start_a_late_period_paid_before_it_stands(reported: str) -> None:
    """events.md §2 ``person.sanction`` (a 100% sanction of 13 weeks or more returns HB debts, SANCTION) and
    hb-debt-interface.md §4.1 (``BalanceReturned``: the balance DMS held at cessation): a sanction from
    2025-06-20 reported on 2025-07-10 reverses the HB debt's share of the June period paid on 2025-07-07, not
    of the May period paid on 2025-06-07, before it started, though taken late on 2025-06-25: the HB debt is
    returned with £269.99, as when the period is reported in time; the DWP debt's shares stand."""
    _may_period_then_june(reported, dwp_debt("BA1"), hb=True)
    events(line("s1", "person.sanction", occurred_on="2025-07-10", rate_percent=100, start_date="2025-06-20",
                duration_weeks=13))
    run_day(date(2025, 7, 10))
    paid_before, paid_after = date(2025, 6, 7), date(2025, 7, 7)
    assert _standing() == [(paid_before, "BA1", 3001), (paid_before, "HB1", 3001), (paid_after, "BA1", 3001)]
    assert _reversed() == [(paid_after, "HB1", 3001)]
    hb1 = Debt.objects.get(creditor_ref="HB1")
    assert (hb1.status, hb1.cessation_reason) == ("RETURNED", "SANCTION")
    assert hb1.cessations.get().balance_returned_pence == 30000 - 3001
    assert taken("REVERSED")[0].reversal_reason.startswith(
        "taken for an HB debt from a payment on or after the start of a 100% sanction for 13 weeks from 2025-06-20")
    assert check_ledger().ok
