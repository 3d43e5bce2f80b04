"""What a sanction now held leaves due on a legacy pay date, whatever order the reports arrived in
(recovery-rules.md §4, docs/recovery-notes.md "Sanctions and legacy instalments"), and the status reasons of HB
debts returned by life events (README ``dms debtor show``)."""

from __future__ import annotations

import json
from datetime import date

import pytest
from test_recovery_daily_deductions import dwp_debt, events, hb_debt, legacy_award, line, run_day
from test_recovery_life_events import shown, status

from dms.services import debts as debt_service
from dms.store.ledger import check_ledger
from dms.store.models import Debt
from dms.store.recovery.models import Deduction

pytestmark = pytest.mark.django_db


def _report(event: str, on: str) -> None:
    """Import ``event`` reported on ``on`` and run that day."""
    events(json.dumps({**json.loads(event), "occurred_on": on}))
    run_day(date.fromisoformat(on))


@pytest.mark.parametrize("order", ["missed first", "sanction first"])
def test_a_pay_date_a_late_sanction_leaves_nothing_due_is_no_missed_instalment_whichever_report_came_first(
        order: str) -> None:
    """recovery-rules.md §4: "Three missed instalments with no other prescribed benefit in payment return an HB
    debt (MISSED_INSTALMENTS)"; docs/recovery-notes.md: a pay date a sanction reported late left nothing due on
    is no missed instalment, as it would not be had the sanction been known in time. JSA £100.00 a week from
    2025-06-09; a 100% sanction of one week from 2025-06-10 covers the whole pay period of 2025-06-16. The
    payments of 06-16, 06-23 and 06-30 are reported missed, that of 06-16 before or after the sanction: two
    count, whichever came first, and HB1 stays in recovery (£500.00 - £13.95 taken on 06-09)."""
    events(legacy_award(first="2025-06-09", weekly="100.00"))
    hb_debt()
    for day in (date(2025, 6, 9), date(2025, 6, 16), date(2025, 6, 23), date(2025, 6, 30), date(2025, 7, 1)):
        run_day(day)
    sanction = line("s1", "person.sanction", rate_percent="100", start_date="2025-06-10", duration_weeks=1)
    missed = [line(f"m{pay}", "benefit.payment_missed", award_ref="JSA1", pay_date=pay)
              for pay in ("2025-06-16", "2025-06-23", "2025-06-30")]
    first, second = (missed[0], sanction) if order == "missed first" else (sanction, missed[0])
    _report(first, "2025-07-02")
    _report(second, "2025-07-03")
    events(*[json.dumps({**json.loads(m), "occurred_on": "2025-07-04"}) for m in missed[1:]])
    run_day(date(2025, 7, 4))
    assert status("HB1") == ("OPEN", "") and shown("HB1")["balance"] == "486.05"
    assert check_ledger().ok


@pytest.mark.parametrize("reports", ["end, sanction, end moved later", "sanction and the final end once"])
def test_an_end_moved_later_takes_nothing_again_from_a_pay_date_a_sanction_left_nothing(reports: str) -> None:
    """events.md §2 ``award.ended`` and docs/events-notes.md "An award's end corrected" (the result is the one the
    end in force reported once gives, whatever order the reports arrived in) with recovery-rules.md §4 (the
    instalment is taken from what is paid) and docs/recovery-notes.md "Sanctions and legacy instalments": JSA
    £100.00 a week from 2025-06-09, BA1 (£300.00) and HB1 share each £13.95 instalment. A 100% sanction of one
    week from 2025-06-17 covers the whole pay period of 2025-06-23, which pays nothing. The end 2025-06-12
    (reported 06-25) reverses 06-16 and 06-23; the end moved to 2025-06-27 takes BA1's 06-16 share again but
    not 06-23's: BA1 is £300.00 - 2 x £6.98 = £286.04, as with the sanction and the end 2025-06-27 reported
    once."""
    events(legacy_award(first="2025-06-09", weekly="100.00"), dwp_debt())
    hb_debt()
    for day in (date(2025, 6, 9), date(2025, 6, 16), date(2025, 6, 23)):
        run_day(day)
    if reports == "end, sanction, end moved later":
        _report(line("e1", "award.ended", award_ref="JSA1", end_date="2025-06-12", reason="CLAIM_CEASED"),
                "2025-06-25")
    _report(line("s1", "person.sanction", rate_percent="100", start_date="2025-06-17", duration_weeks=1),
            "2025-06-26")
    _report(line("e2", "award.ended", award_ref="JSA1", end_date="2025-06-27", reason="CLAIM_CEASED"),
            "2025-06-27")
    assert not Deduction.objects.filter(date=date(2025, 6, 23), status="TAKEN").exists()
    assert shown("BA1")["balance"] == "286.04" and check_ledger().ok


@pytest.mark.parametrize("ends", [("2025-06-20", "2025-07-10"), ("2025-07-10", "2025-06-20", "2025-07-10")])
def test_a_returned_hb_debt_s_reason_names_the_end_it_was_returned_for_after_further_reports(
        ends: tuple[str, ...]) -> None:
    """README ``dms debtor show`` ("after a later report moves the end, the end and event in force, naming the
    end and event it returned the debt for") and docs/events-notes.md "An award's end corrected": HB1 is
    returned CLAIM_CEASED for the end 2025-06-12 of event e1; however many later reports move the end, its
    reason names the end in force and event, correcting 2025-06-12 of event e1."""
    events(legacy_award(first="2025-06-09", weekly="100.00"), dwp_debt())
    hb_debt()
    for day in (date(2025, 6, 9), date(2025, 6, 16), date(2025, 6, 23)):
        run_day(day)
    _report(line("e1", "award.ended", award_ref="JSA1", end_date="2025-06-12", reason="CLAIM_CEASED"), "2025-06-25")
    for n, end in enumerate(ends, start=2):
        _report(line(f"e{n}", "award.ended", award_ref="JSA1", end_date=end, reason="CLAIM_CEASED"),
                f"2025-07-{n:02d}")
    last = len(ends) + 1
    assert shown("HB1")["status_reason"].startswith(
        f"CLAIM_CEASED: the JSA award ended on {ends[-1]} (event e{last}, correcting 2025-06-12 of event e1, the "
        "end it was returned for)")
    assert status("HB1") == ("RETURNED", "CLAIM_CEASED") and check_ledger().ok


@pytest.mark.parametrize("kind", ["BANKRUPTCY", "DEBT_RELIEF_ORDER", "IVA"])
def test_a_cleared_hb_debt_reopened_during_an_insolvency_says_which_insolvency_returned_it(kind: str) -> None:
    """recovery-rules.md §6 (a bankruptcy, DRO or IVA includes the HB debts that had arisen by its start:
    returned INSOLVENCY) and README ``dms debtor show`` (``status_reason``: "insolvency (kind, start date,
    event)"): an HB debt cleared before the insolvency and reopened by a revision during it is returned with
    the reason a debt the insolvency found open gets, not the bare code."""
    events(legacy_award(first="2025-06-09", weekly="100.00"))
    hb_debt(amount=2790)
    run_day(date(2025, 6, 9))
    run_day(date(2025, 6, 16))
    assert status("HB1") == ("CLEARED", "")
    _report(line("i1", "person.insolvency", kind=kind, start_date="2025-06-18"), "2025-06-18")
    debt_service.revise_debt_amount(Debt.objects.get(creditor_ref="HB1"), 40000, business_date=date(2025, 6, 19),
                                    actor="test", reason="LA revision: further overpayment")
    row = shown("HB1")
    assert (row["status"], row["cessation_reason"], row["balance"]) == ("RETURNED", "INSOLVENCY", "372.10")
    assert row["status_reason"] == (
        f"INSOLVENCY: {kind} from 2025-06-18 (event i1) includes the HB debts that had arisen by its start: they "
        "are not recovered by deduction (recovery-rules.md §6)")
    assert check_ledger().ok
