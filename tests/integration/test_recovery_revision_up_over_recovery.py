"""A revision up of a debt a revision down had left over-recovered (hb-debt-interface.md §3.2: ``RevisedAmount``
is "the debt's new total as referred, not reduced by recoveries"; §6.5; recovery-rules.md §5;
docs/recovery-notes.md "A revision up on an over-recovered debt"): a rise of Δ first undoes min(Δ, the
over-recovery still standing), taken back from where it was put (the refund due first, then the credit placed
on the person's other debts, newest first) and given back to the debt's creditor; only the rest raises the
debt's balance. The person is never at once owing on the debt and owed a refund for it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from lxml import etree
from test_recovery_daily_deductions import NINO, dwp_debt, events, hb_debt, legacy_award, line, run_day
from test_recovery_reversal_over_recovery import (
    INSTALMENT,
    _la_nets,
    _refund_due,
    _three_instalments_then_revised_to,
)

from dms.services import debts as debt_service
from dms.services import payments
from dms.services.debtors import debtor_summary
from dms.store.ledger import check_ledger
from dms.store.models import Debt

pytestmark = pytest.mark.django_db
NS = {"s": "urn:dms:hb-debt:1"}


def _revised_up(debt: Debt, total_pence: int) -> Debt:
    """The LA revises ``debt`` up to ``total_pence`` on 06-25 (an appeal decided)."""
    debt_service.revise_debt_amount(Debt.objects.get(pk=debt.pk), total_pence, business_date=date(2025, 6, 25),
                                    actor="test", reason="APPEAL_DECIDED")
    debt.refresh_from_db()
    return debt


def _state(debt: Debt) -> tuple[str, int, int]:
    debt.refresh_from_db()
    figures = debt_service.figures_of(debt)
    return debt.status, figures.recovered_pence, figures.balance_pence


def test_a_revision_up_on_an_over_recovered_debt_first_undoes_its_over_recovery(data_dir: Path) -> None:
    """hb-debt-interface.md §3.2, §6.5, §4.2 and recovery-rules.md §5: 41.85 taken for HB1 £500.00, revised to
    20.00 on 06-24 (21.85 taken back from the LA and refunded), then up to 35.00 on 06-25. The person has paid
    41.85 on a debt of 35.00: HB1 is CLEARED with 35.00 recovered, the refund due is 6.85 (not 21.85), and the
    LA is given back 15.00 of its take-back: its June schedule nets 35.00, a CORRECTION line of 15.00 with
    BalanceAfter 0.00. ``dms debtor show`` lists the 15.00 taken back from the refund and the over-recovery
    undone, naming the revision."""
    debt = _three_instalments_then_revised_to(2000)
    _revised_up(debt, 3500)
    assert _state(debt) == ("CLEARED", 3500, 0)
    assert _refund_due() == 685 and _la_nets(debt) == 3500
    assert check_ledger().ok

    summary = debtor_summary(NINO)
    assert [r["amount"] for r in summary["refunds"]] == ["21.85", "-15.00"] and summary["refunds_due"] == "6.85"
    assert "undone by the revision up to 35.00" in summary["refunds"][1]["reason"]
    [row] = summary["debts"]
    assert (row["status"], row["recovered"], row["balance"]) == ("CLEARED", "35.00", "0.00")
    assert "revised up to 35.00" in row["status_reason"] and "15.00" in row["status_reason"]
    undone = summary["movements"][-1]
    assert (undone["kind"], undone["amount"], undone["date"]) == ("REVERSAL", "15.00", "2025-06-25")
    assert "undone by the revision up to 35.00" in undone["reason"] and "APPEAL_DECIDED" in undone["reason"]

    [schedule] = payments.run_month_end(date(2025, 7, 1)).files
    tree = etree.parse(str(schedule.path))
    lines = [{c.tag.split("}")[1]: c.text for c in x} for x in tree.findall("s:Line", NS)]
    assert [(x["Kind"], x["Amount"], x["BalanceAfter"], x["RecoveryDate"]) for x in lines] == [
        ("DEDUCTION", "13.95", "486.05", "2025-06-09"),
        ("DEDUCTION", "13.95", "472.10", "2025-06-16"),
        ("DEDUCTION", "13.95", "458.15", "2025-06-23"),
        ("CORRECTION", "-21.85", "0.00", "2025-06-24"),
        ("CORRECTION", "15.00", "0.00", "2025-06-25"),
    ]
    assert tree.find("s:Header/s:TotalAmount", NS).text == "35.00"


def test_a_revision_up_on_an_over_recovered_debt_then_a_missed_payment_leaves_nothing_refunded() -> None:
    """hb-debt-interface.md §3.2, §6.5 and recovery-rules.md §4, §5: as above, then the 06-23 instalment is
    reported missed (13.95 reversed): the person has paid 27.90 on a debt of 35.00. The 6.85 still refunded
    is undone first and 7.10 goes back on HB1: it is OPEN owing 7.10, no refund is due, and the LA nets
    27.90."""
    debt = _three_instalments_then_revised_to(2000)
    _revised_up(debt, 3500)
    events(line("x1", "benefit.payment_missed", occurred_on="2025-06-26", award_ref="JSA1", pay_date="2025-06-23"))
    run_day(date(2025, 6, 26))
    assert _state(debt) == ("OPEN", 2790, 710)
    assert _refund_due() == 0 and _la_nets(debt) == 2 * INSTALMENT
    assert check_ledger().ok


def test_a_revision_up_smaller_than_the_over_recovery_undoes_only_as_much_of_it() -> None:
    """hb-debt-interface.md §3.2, §6.5 and recovery-rules.md §5: 41.85 taken, revised to 20.00 (21.85
    refunded), then up to 30.00: 10.00 of the over-recovery is undone. HB1 stays CLEARED with 30.00
    recovered, 11.85 is still refunded, and the LA nets 30.00."""
    debt = _three_instalments_then_revised_to(2000)
    _revised_up(debt, 3000)
    assert _state(debt) == ("CLEARED", 3000, 0)
    assert _refund_due() == 1185 and _la_nets(debt) == 3000
    assert check_ledger().ok


def test_a_revision_up_beyond_the_over_recovery_undoes_all_of_it_and_raises_the_balance_by_the_rest() -> None:
    """hb-debt-interface.md §3.2, §6.5 and recovery-rules.md §5: 41.85 taken, revised to 20.00 (21.85
    refunded), then up to 50.00: all 21.85 is undone and the other 8.15 is owed. HB1 is OPEN with 41.85
    recovered and 8.15 to pay, nothing is refunded, and the LA nets 41.85."""
    debt = _three_instalments_then_revised_to(2000)
    _revised_up(debt, 5000)
    assert _state(debt) == ("OPEN", 3 * INSTALMENT, 815)
    assert _refund_due() == 0 and _la_nets(debt) == 3 * INSTALMENT
    assert check_ledger().ok


def test_a_revision_up_on_an_over_recovered_debt_takes_back_the_credit_on_other_debts_newest_first() -> None:
    """recovery-rules.md §5 (the over-recovery is credited to the person's other debts in recovery order) and
    hb-debt-interface.md §6.5: 41.85 taken for HB1, revised to 20.00: 21.85 credited to HB2 (5.00, CLEARED)
    then HB3 (16.85). HB1 revised up to 40.00 undoes 20.00 of it, the newest credit first: all 16.85 on HB3,
    then 3.15 on HB2, which is OPEN again owing 3.15. HB1 is CLEARED with 40.00 recovered, nothing is
    refunded, and the LA nets the 41.85 the person paid (40.00 on HB1, 1.85 on HB2)."""
    events(legacy_award(first="2025-06-09"))
    first = hb_debt()
    second = hb_debt("HB2", amount=500, received=date(2025, 4, 3))
    third = hb_debt("HB3", amount=10000, received=date(2025, 4, 4))
    for day in (date(2025, 6, 9), date(2025, 6, 16), date(2025, 6, 23)):
        run_day(day)
    debt_service.revise_debt_amount(first, 2000, business_date=date(2025, 6, 24), actor="test",
                                    reason="APPEAL_DECIDED")
    assert _state(second) == ("CLEARED", 500, 0) and _state(third) == ("OPEN", 1685, 10000 - 1685)
    _revised_up(first, 4000)
    assert _state(first) == ("CLEARED", 4000, 0)
    assert _state(third) == ("OPEN", 0, 10000)
    assert _state(second) == ("OPEN", 185, 315)
    assert _refund_due() == 0 and _la_nets(first) == 3 * INSTALMENT
    assert check_ledger().ok
    reason = {row["ref"]: row for row in debtor_summary(NINO)["debts"]}["HB1"]["status_reason"]
    assert "20.00 of the over-recovery undone first (credit taken back from LA 000123 HB3 16.85, LA 000123 HB2 " \
           "3.15) and given back to" in reason, reason  # no refund was due: no part naming it


def test_a_dwp_debt_revised_up_after_a_revision_down_first_undoes_its_over_recovery() -> None:
    """events.md ``debt.revised`` ("as a revision in hb-debt-interface.md §6.5", ``amount`` the new total as
    referred) and recovery-rules.md §5: DWP BA1 £300.00 takes the three weekly instalments, is revised to 20.00
    (the excess refunded), then up to 35.00: 15.00 of the refund is undone, BA1 is CLEARED with 35.00
    recovered, and DWP nets 35.00."""
    events(legacy_award(first="2025-06-09"), dwp_debt())
    for day in (date(2025, 6, 9), date(2025, 6, 16), date(2025, 6, 23)):
        run_day(day)
    debt = Debt.objects.get(creditor_ref="BA1")
    paid = debt_service.figures_of(debt).recovered_pence
    assert paid > 3500
    events(line("rev-1", "debt.revised", occurred_on="2025-06-24", creditor="DWP", creditor_ref="BA1",
                amount="20.00"))
    run_day(date(2025, 6, 24))
    assert _state(debt) == ("CLEARED", 2000, 0) and _refund_due() == paid - 2000
    events(line("rev-2", "debt.revised", occurred_on="2025-06-25", creditor="DWP", creditor_ref="BA1",
                amount="35.00"))
    run_day(date(2025, 6, 25))
    assert _state(debt) == ("CLEARED", 3500, 0)
    assert _refund_due() == paid - 3500 and _la_nets(debt) == 3500
    assert check_ledger().ok
