"""A deduction reversed on a debt an LA revision had made over-recovered (hb-debt-interface.md §6.5;
recovery-rules.md §5; docs/recovery-notes.md "A reversal on an over-recovered debt"): the reversal first
undoes that much of the over-recovery (taken back from the refund due, then from the credit placed on the
person's other debts, newest first), the LA's take-back reduced by the same; only the rest restores the debt's
balance. The daily run never breaks on it, and the ledger ties."""

from __future__ import annotations

from datetime import date

import pytest
from test_recovery_daily_deductions import NINO, events, hb_debt, legacy_award, line, run_day

from dms.ledger import AccountKey, AccountKind
from dms.services import debts as debt_service
from dms.store.ledger import account_balance, check_ledger
from dms.store.models import Debt, Person

pytestmark = pytest.mark.django_db

INSTALMENT = 1395  # 3 units of £4.65, a weekly legacy instalment in 2025/26 (recovery-rules.md §4)


def _three_instalments_then_revised_to(total_pence: int) -> Debt:
    """JSA paid Mondays from 2025-06-09; HB1 £500.00 takes 13.95 on 06-09, 06-16 and 06-23 (41.85); on 06-24
    the LA revises it to ``total_pence``, below what was recovered (§6.5: the excess over-recovered)."""
    events(legacy_award(first="2025-06-09"))
    debt = hb_debt()
    for day in (date(2025, 6, 9), date(2025, 6, 16), date(2025, 6, 23)):
        run_day(day)
    debt_service.revise_debt_amount(debt, total_pence, business_date=date(2025, 6, 24), actor="test",
                                    reason="APPEAL_DECIDED")
    debt.refresh_from_db()
    assert debt.status == "CLEARED"
    return debt


def _refund_due() -> int:
    return -account_balance(AccountKey(AccountKind.PERSON_REFUND_DUE, Person.objects.get(nino=NINO).pk))


def _la_nets(debt: Debt) -> int:
    """What DMS owes the LA (its CREDITOR_PAYABLE, a credit account: stored negative)."""
    return -account_balance(AccountKey(AccountKind.CREDITOR_PAYABLE, debt.creditor_id))


@pytest.mark.parametrize(("event_type", "fields", "reason"), [
    ("person.died", {"date_of_death": "2025-06-15"}, "DEATH"),
    ("award.ended", {"award_ref": "JSA1", "end_date": "2025-06-15", "reason": "CLAIM_CEASED"}, "CLAIM_CEASED"),
    ("person.sanction", {"rate_percent": 100, "start_date": "2025-06-15", "duration_weeks": 13}, "SANCTION"),
    ("person.insolvency", {"kind": "DEBT_RELIEF_ORDER", "start_date": "2025-06-15"}, "INSOLVENCY"),
])
def test_a_reversal_on_an_over_recovered_debt_first_undoes_its_over_recovery(
        event_type: str, fields: dict, reason: str) -> None:
    """hb-debt-interface.md §6.5 and recovery-rules.md §5 (over-recovery: balance 0.00, the excess taken back
    from the LA and refunded), §4.1 (``BalanceReturned`` ≥ 0.00, ``AmountRecovered`` what DMS recovered):
    41.85 taken, revised to 20.00 (21.85 refunded); a late event from 06-15 reverses 06-16 and 06-23 (27.90).
    21.85 of it undoes the over-recovery (refund due 0.00, the LA's take-back undone), 6.05 restores the
    balance: the debt is returned with 6.05, 13.95 recovered, and the LA nets 13.95."""
    debt = _three_instalments_then_revised_to(2000)
    assert _refund_due() == 2185 and _la_nets(debt) == 2000
    events(line("x1", event_type, occurred_on="2025-06-25", **fields))
    run_day(date(2025, 6, 25))
    debt.refresh_from_db()
    assert (debt.status, debt.cessation_reason) == ("RETURNED", reason)
    cessation = debt.cessations.get()
    assert (cessation.balance_returned_pence, cessation.amount_recovered_pence) == (605, INSTALMENT)
    assert debt_service.figures_of(debt).recovered_pence == INSTALMENT
    assert _refund_due() == 0 and _la_nets(debt) == INSTALMENT
    run_day(date(2025, 6, 26))  # the run goes on
    assert check_ledger().ok


def test_a_missed_payment_on_an_over_recovered_debt_comes_off_the_refund_not_onto_the_debt() -> None:
    """hb-debt-interface.md §3.2 (``RevisedAmount`` the debt's total), §6.5 and recovery-rules.md §5: 41.85
    taken, revised to 5.00 (36.85 refunded), the 06-23 instalment missed (13.95 reversed, §4): the claimant
    paid 27.90 on a debt of 5.00, so the debt stays CLEARED at 0.00 with 5.00 recovered, the refund due is
    22.90 and the LA keeps 5.00."""
    debt = _three_instalments_then_revised_to(500)
    assert _refund_due() == 3685
    events(line("x1", "benefit.payment_missed", occurred_on="2025-06-25", award_ref="JSA1", pay_date="2025-06-23"))
    run_day(date(2025, 6, 25))
    debt.refresh_from_db()
    figures = debt_service.figures_of(debt)
    assert (debt.status, figures.recovered_pence, figures.balance_pence) == ("CLEARED", 500, 0)
    assert _refund_due() == 2290 and _la_nets(debt) == 500
    assert check_ledger().ok


def test_a_refund_due_taken_back_by_a_reversal_is_listed_with_why() -> None:
    """README ``dms debtor show`` (``refunds``: each refund due with where it came from) and recovery-rules.md
    §5: the 13.95 of a missed instalment taken back from the 36.85 refunded is listed as -13.95, naming the
    missed payment, so the refunds listed add up to the refund due (22.90)."""
    from dms.services.debtors import debtor_summary

    _three_instalments_then_revised_to(500)
    events(line("x1", "benefit.payment_missed", occurred_on="2025-06-25", award_ref="JSA1", pay_date="2025-06-23"))
    run_day(date(2025, 6, 25))
    summary = debtor_summary(NINO)
    assert [r["amount"] for r in summary["refunds"]] == ["36.85", "-13.95"] and summary["refunds_due"] == "22.90"
    assert "missed instalment: JSA not paid on 2025-06-23" in summary["refunds"][1]["reason"]


def test_a_refund_due_taken_back_in_full_stays_listed() -> None:
    """README ``dms debtor show`` (``refunds``: a refund due taken back since is listed too, as a negative amount
    with why) and recovery-rules.md §5: 41.85 taken, revised to 30.00 (11.85 refunded), the 06-23 instalment
    missed (13.95 reversed): all 11.85 is taken back from the refund due (2.10 goes back on the debt). No refund
    is due now, but the refund made due and its taking back both stay on the person's record."""
    from dms.services.debtors import debtor_summary

    _three_instalments_then_revised_to(3000)
    events(line("x1", "benefit.payment_missed", occurred_on="2025-06-25", award_ref="JSA1", pay_date="2025-06-23"))
    run_day(date(2025, 6, 25))
    summary = debtor_summary(NINO)
    assert summary["refunds_due"] == "0.00"
    assert [(r["date"], r["amount"]) for r in summary["refunds"]] == [("2025-06-24", "11.85"), ("2025-06-25", "-11.85")]
    assert "missed instalment: JSA not paid on 2025-06-23" in summary["refunds"][1]["reason"]


def test_a_reversal_on_an_over_recovered_debt_takes_back_the_credit_it_placed_on_another_debt() -> None:
    """recovery-rules.md §5 (the over-recovery is credited to the person's other debts in recovery order): 41.85
    taken for HB1, revised to 20.00: 21.85 credited to HB2. The 06-23 instalment missed (13.95) undoes 13.95 of
    that credit: HB2's balance rises by 13.95 (a CORRECTION on the LA's next schedule), HB1 stays CLEARED with
    20.00 recovered, and the LA nets the 27.90 the claimant paid."""
    events(legacy_award(first="2025-06-09"))
    first = hb_debt()
    second = hb_debt("HB2", amount=10000, received=date(2025, 4, 3))
    for day in (date(2025, 6, 9), date(2025, 6, 16), date(2025, 6, 23)):
        run_day(day)
    assert debt_service.figures_of(first).recovered_pence == 3 * INSTALMENT
    debt_service.revise_debt_amount(first, 2000, business_date=date(2025, 6, 24), actor="test",
                                    reason="APPEAL_DECIDED")
    assert debt_service.figures_of(second).balance_pence == 10000 - 2185
    events(line("x1", "benefit.payment_missed", occurred_on="2025-06-25", award_ref="JSA1", pay_date="2025-06-23"))
    run_day(date(2025, 6, 25))
    first.refresh_from_db()
    assert (first.status, debt_service.figures_of(first).balance_pence) == ("CLEARED", 0)
    assert debt_service.figures_of(first).recovered_pence == 2000
    assert debt_service.figures_of(second).balance_pence == 10000 - 2185 + INSTALMENT
    assert _refund_due() == 0 and _la_nets(first) == 2 * INSTALMENT
    assert check_ledger().ok
