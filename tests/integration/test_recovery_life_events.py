"""Life events acted on by the daily run (spec/events.md §2-3; recovery-rules.md §4-6): death, award ended,
sanction, insolvency, moratoria, missed instalments and direct payments; a set rate from staff."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from test_recovery_daily_deductions import (
    NINO,
    PAY,
    dwp_debt,
    events,
    hb_debt,
    legacy_award,
    line,
    period,
    run_day,
    taken,
    uc_award,
)

from dms.debts import DebtStatus
from dms.errors import DmsError
from dms.ledger import AccountKey, AccountKind, EntryKind
from dms.money import format_pounds
from dms.services import debts as debt_service
from dms.services.events import import_events
from dms.services.recovery_staff import list_deductions, set_reduced_rate
from dms.store.ledger import account_balance, check_ledger
from dms.store.models import Award, Debt, DebtStatusChange, InboundEvent, JournalEntry, Person, RunDay
from dms.store.recovery.models import Deduction, MissedInstalment, ReducedRate, Restriction

pytestmark = pytest.mark.django_db


def status(ref: str) -> tuple[str, str]:
    debt = Debt.objects.get(creditor_ref=ref)
    return debt.status, debt.cessation_reason


def test_death_ceases_hb_debts_and_moves_dwp_debts_to_estate() -> None:
    events(uc_award(), dwp_debt())
    hb_debt()
    events(line("died", "person.died", occurred_on="2025-06-03", date_of_death="2025-06-03"))
    run_day(date(2025, 6, 2))
    assert status("HB1") == ("OPEN", "")
    run_day(date(2025, 6, 3))
    assert status("HB1") == ("RETURNED", "DEATH") and status("BA1")[0] == "ESTATE"
    event = InboundEvent.objects.get(event_id="died")
    assert event.applied and event.effect_date == date(2025, 6, 3)
    assert check_ledger().ok


def cessation_date(ref: str) -> date:
    return Debt.objects.get(creditor_ref=ref).cessations.get().cessation_date


def test_award_ended_ceases_hb_debts_the_day_after_its_end_date_uc_award_ended() -> None:
    """events.md §2: no benefit in payment *after* end_date; the end date is the award's last day in payment."""
    events(uc_award())
    hb_debt()
    events(line("end", "award.ended", occurred_on="2025-06-10", award_ref="UC1", end_date="2025-06-10",
                reason="AWARD_ENDED"))
    run_day(date(2025, 6, 10))
    assert status("HB1") == ("OPEN", "")
    run_day(date(2025, 6, 11))
    assert status("HB1") == ("RETURNED", "UC_AWARD_ENDED") and cessation_date("HB1") == date(2025, 6, 11)


def test_award_ended_hb_debts_cease_the_day_after_and_the_final_uc_period_takes_for_the_debts_left() -> None:
    """events.md §2 (``award.ended``: no benefit in payment after ``end_date``; HB debts recovered from it
    cease UC_AWARD_ENDED) with the Decision in docs/events-notes.md "A UC award's final payment": the HB debt
    ceases the day after the end (2025-06-16) though the final period (June, containing the end date, held)
    is paid later (2025-07-07); that payment takes its item for the debts still in recovery (£60.02 to DWP)."""
    from test_recovery_daily_deductions import uc_period_of

    events(uc_award(), dwp_debt("NF", amount="1000.00"), uc_period_of("ap6", "2025-06-01", "2025-06-30", "2025-07-07"),
           line("end", "award.ended", occurred_on="2025-06-15", award_ref="UC1", end_date="2025-06-15",
                reason="AWARD_ENDED"))
    hb_debt()
    run_day(date(2025, 6, 16))
    assert status("HB1") == ("RETURNED", "UC_AWARD_ENDED") and cessation_date("HB1") == date(2025, 6, 16)
    run_day(date(2025, 7, 7))
    assert [(r.date, r.debt.creditor_ref, r.amount_pence) for r in taken()] == [(date(2025, 7, 7), "NF", 6002)]
    assert check_ledger().ok


@pytest.mark.parametrize("order", ["death first", "end first"])
def test_award_end_and_death_both_reported_late_hb_debt_ceases_for_what_came_first(order: str) -> None:
    """events.md §2 (``award.ended``: HB debts cease CLAIM_CEASED; ``person.died``: DEATH): the claim ended on
    2025-06-05 and the claimant died on 2025-06-15, both reported on 2025-06-21, in either order: the HB debt
    ceases CLAIM_CEASED, as it would have had both been reported in time, with the instalments after the
    end reversed."""
    events(legacy_award(first="2025-06-02"))
    hb_debt()
    for day in (date(2025, 6, 2), date(2025, 6, 9), date(2025, 6, 16)):
        run_day(day)
    died = line("died", "person.died", occurred_on="2025-06-21", date_of_death="2025-06-15")
    end = line("end", "award.ended", occurred_on="2025-06-21", award_ref="JSA1", end_date="2025-06-05",
               reason="CLAIM_CEASED")
    events(*((died, end) if order == "death first" else (end, died)))
    run_day(date(2025, 6, 21))
    assert status("HB1") == ("RETURNED", "CLAIM_CEASED")
    assert [r.date for r in taken()] == [date(2025, 6, 2)]
    assert Debt.objects.get(creditor_ref="HB1").cessations.get().balance_returned_pence == (
        50000 - jsa_weekly_instalment())
    assert check_ledger().ok


def test_legacy_award_ended_ceases_hb_debts_claim_ceased_unless_other_award_in_payment() -> None:
    events(legacy_award(ref="JSA1"), legacy_award(ref="ESA1"))
    hb_debt()
    events(line("end", "award.ended", occurred_on="2025-06-10", award_ref="JSA1", end_date="2025-06-10",
                reason="CLAIM_CEASED"))
    run_day(date(2025, 6, 11))
    assert status("HB1") == ("OPEN", "")
    events(line("end2", "award.ended", occurred_on="2025-06-11", award_ref="ESA1", end_date="2025-06-11",
                reason="CLAIM_CEASED"))
    run_day(date(2025, 6, 11))
    assert status("HB1") == ("OPEN", "")
    run_day(date(2025, 6, 12))
    assert status("HB1") == ("RETURNED", "CLAIM_CEASED")


def test_award_ended_keeps_hb_debts_when_another_award_starts_the_next_day() -> None:
    """ESA ends on 31 May and UC starts on 1 June: on the first day with no ESA, UC is in payment, so the HB
    debt is recovered from UC (events.md §2)."""
    events(legacy_award(ref="ESA1"),
           line("start-UC9", "award.started", award_ref="UC9", benefit="UC", start_date="2025-06-01",
                uc={"claimant_type": "SINGLE_25_OR_OVER", "assessment_period_day": 1}),
           line("end", "award.ended", occurred_on="2025-05-20", award_ref="ESA1", end_date="2025-05-31",
                reason="CLAIM_CEASED"))
    hb_debt()
    for day in (date(2025, 5, 31), date(2025, 6, 1), date(2025, 6, 2)):
        run_day(day)
        assert status("HB1") == ("OPEN", "")


def test_joint_uc_award_ended_ceases_the_partners_hb_debts_too() -> None:
    """The partner named on a joint UC award is recovered from it (services/benefit_in_payment.py): when it
    ends, their HB debts cease as the claimant's do, unless they have a benefit of their own in payment."""
    partner, other = "AB654321C", "AB111111C"
    events(line("start-UCJ", "award.started", award_ref="UCJ", benefit="UC", start_date="2025-04-07",
                uc={"claimant_type": "JOINT_25_OR_OVER", "assessment_period_day": 1, "partner_nino": partner}),
           line("start-UCK", "award.started", nino=other, award_ref="UCK", benefit="UC", start_date="2025-04-07",
                uc={"claimant_type": "JOINT_25_OR_OVER", "assessment_period_day": 1, "partner_nino": "AB222222C"}),
           line("start-PIP", "award.started", nino="AB222222C", award_ref="PIP2", benefit="PIP",
                start_date="2025-04-07", legacy={"weekly_amount": "90.50", "pay_frequency": "WEEKLY",
                                                 "first_pay_date": "2025-06-02"}))
    hb_debt("HB1")
    hb_debt("HB2", nino=partner)
    hb_debt("HB3", nino="AB222222C")
    events(line("end", "award.ended", occurred_on="2025-06-10", award_ref="UCJ", end_date="2025-06-10",
                reason="AWARD_ENDED"),
           line("end-k", "award.ended", occurred_on="2025-06-10", nino=other, award_ref="UCK",
                end_date="2025-06-10", reason="AWARD_ENDED"))
    run_day(date(2025, 6, 10))
    assert status("HB1") == status("HB2") == ("OPEN", "")
    run_day(date(2025, 6, 11))
    assert status("HB1") == status("HB2") == ("RETURNED", "UC_AWARD_ENDED")
    assert status("HB3") == ("OPEN", "")  # the partner's own PIP is still in payment


def test_sanction_100_percent_13_weeks_returns_hb_debts() -> None:
    events(uc_award())
    hb_debt()
    events(line("s1", "person.sanction", rate_percent=100, start_date="2025-06-04", duration_weeks=13))
    run_day(date(2025, 6, 4))
    assert status("HB1") == ("RETURNED", "SANCTION")
    assert Restriction.objects.get().returned_debts == [Debt.objects.get().pk]


def test_a_hb_debt_returned_for_a_sanction_says_which_sanction_returned_it() -> None:
    """events.md §2 ``person.sanction`` and hb-debt-interface.md §6.5 (``SANCTION``: "a 100% sanction for 13
    weeks or more"), with README ``dms debtor show`` (``status_reason``: why the debt is in its status): the
    reason of an HB debt returned for a sanction names the sanction (its event, rate, weeks and start) and
    the rule; ``cessation_reason`` stays the code."""
    from dms.services.debtors import debtor_summary

    events(uc_award())
    hb_debt()
    events(line("s1", "person.sanction", rate_percent=100, start_date="2025-06-04", duration_weeks=26))
    run_day(date(2025, 6, 4))
    [row] = debtor_summary(NINO)["debts"]
    assert (row["status"], row["cessation_reason"], row["status_since"]) == ("RETURNED", "SANCTION", "2025-06-04")
    assert row["status_reason"] == (
        "SANCTION: a 100% sanction for 26 weeks from 2025-06-04 (event s1): HB debts are returned for a 100% "
        "sanction for 13 weeks or more (events.md person.sanction; hb-debt-interface.md §6.5)")


def test_sanction_returns_only_the_hb_debts_held_while_it_was_in_force() -> None:
    """events.md §2 ``person.sanction`` and hb-debt-interface.md §6.5 (``SANCTION``): a 100% sanction of 13
    weeks or more returns the HB debts held while it was in force. Reported after it ended, it returns a debt
    received on or before its last day, not one the LA referred after it ended (taken on and recovered, as it
    is when DMS knows of the sanction in time)."""
    events(uc_award())
    hb_debt("HB1", received=date(2025, 7, 1))  # held during the sanction (2025-06-04 to 2025-09-02)
    hb_debt("HB2", received=date(2025, 9, 2))  # its last day
    hb_debt("HB3", received=date(2025, 9, 3))  # the day after it ended
    run_day(date(2025, 9, 20))
    events(line("s1", "person.sanction", occurred_on="2025-09-20", rate_percent=100, start_date="2025-06-04",
                duration_weeks=13))
    run_day(date(2025, 9, 21))
    assert status("HB1") == status("HB2") == ("RETURNED", "SANCTION")
    assert status("HB3") == ("OPEN", "")
    assert Restriction.objects.get().returned_debts == [Debt.objects.get(creditor_ref=r).pk for r in ("HB1", "HB2")]


def test_a_hb_debt_returned_for_a_death_or_an_insolvency_says_which_in_its_status_reason() -> None:
    """README ``dms debtor show`` (``status_reason``: why the debt is in its status) with hb-debt-interface.md
    §6.5 and recovery-rules.md §6: an HB debt returned for a death names the date of death and its event; one
    returned for a DRO, bankruptcy or IVA names the insolvency (kind, start, event); ``cessation_reason``
    stays the code."""
    from dms.services.debtors import debtor_summary

    events(uc_award(), uc_award("UC2", nino="AB222222C"))
    hb_debt("HB1")
    hb_debt("HB2", nino="AB222222C")
    events(line("d1", "person.died", occurred_on="2025-06-04", date_of_death="2025-06-04"),
           line("i1", "person.insolvency", nino="AB222222C", kind="DEBT_RELIEF_ORDER", start_date="2025-06-04"))
    run_day(date(2025, 6, 5))
    [died] = debtor_summary(NINO)["debts"]
    assert (died["status"], died["cessation_reason"]) == ("RETURNED", "DEATH")
    assert died["status_reason"] == ("DEATH: the claimant died on 2025-06-04 (event d1): deductions stop at death "
                                     "and HB debts cease (recovery-rules.md §6)")
    [insolvent] = debtor_summary("AB222222C")["debts"]
    assert (insolvent["status"], insolvent["cessation_reason"]) == ("RETURNED", "INSOLVENCY")
    assert insolvent["status_reason"] == (
        "INSOLVENCY: DEBT_RELIEF_ORDER from 2025-06-04 (event i1) includes the HB debts that had arisen by its "
        "start: they are not recovered by deduction (recovery-rules.md §6)")


def test_sanction_under_13_weeks_keeps_hb_debts() -> None:
    """Two sanctions, one after the other (UC Regulations 2013 reg 101(2): reduction periods run
    consecutively), neither a 100% sanction of 13 weeks or more: the HB debt is kept."""
    events(uc_award())
    hb_debt()
    events(line("s1", "person.sanction", rate_percent=100, start_date="2025-06-04", duration_weeks=12),
           line("s2", "person.sanction", rate_percent="40", start_date="2025-08-27", duration_weeks=26))
    run_day(date(2025, 6, 4))
    run_day(date(2025, 8, 27))
    assert status("HB1") == ("OPEN", "")
    assert InboundEvent.objects.filter(type="person.sanction", applied=True).count() == 2


def test_sanction_reduces_the_legacy_benefit_the_instalment_is_taken_from() -> None:
    """recovery-rules.md §4 (the benefit is not reduced below 10p a week) with events.md §2 person.sanction:
    JSA of £100.00 a week under a 100% sanction for 2 weeks pays nothing for the pay periods it covers (each
    pay date pays for the week ending on it: docs/recovery-notes.md "Sanctions and legacy instalments"), so no
    instalment is taken on their pay dates, and the HB debt is not returned for it (only a 100% sanction of 13
    weeks or more returns HB debts). A 40% sanction over the next week leaves £60.00: the £13.95 instalment is
    taken. Before and after the sanctions, £13.95."""
    events(legacy_award(first="2025-06-02", weekly="100.00"))
    hb_debt()
    events(line("s1", "person.sanction", rate_percent=100, start_date="2025-06-03", duration_weeks=2),
           line("s2", "person.sanction", rate_percent="40", start_date="2025-06-17", duration_weeks=1))
    for day in (date(2025, 6, 2), date(2025, 6, 9), date(2025, 6, 16), date(2025, 6, 23), date(2025, 6, 30)):
        run_day(day)
    assert [(d.date, d.amount_pence) for d in taken()] == [
        (date(2025, 6, 2), 1395), (date(2025, 6, 23), 1395), (date(2025, 6, 30), 1395)]
    assert status("HB1") == ("OPEN", "")


def test_sanction_reduces_the_legacy_benefit_in_the_rerate_replay_too() -> None:
    """`dms rerate` takes the instalment as the daily run would: under a 100% sanction, nothing."""
    from dms.services.rerate import rerate
    from dms.store.replay.models import RerateResult

    events(legacy_award(first="2025-06-02", weekly="100.00"))
    hb_debt()
    events(line("s1", "person.sanction", rate_percent=100, start_date="2025-06-02", duration_weeks=2))
    run_day(date(2025, 6, 2))
    during = rerate(date(2025, 6, 3))
    after = rerate(date(2025, 6, 17))
    assert sum(r.now_pence for r in RerateResult.objects.filter(run_id=during.run_id)) == 0
    assert sum(r.now_pence for r in RerateResult.objects.filter(run_id=after.run_id)) == 1395


def test_death_applied_by_the_run_sends_a_debt_reported_late_to_the_estate() -> None:
    """recovery-rules.md §6: a debt referred (occurred_on) before a death the run has already applied, but
    reported only after it, goes to the estate on import, as the person's other debts did."""
    events(uc_award(), line("died", "person.died", occurred_on="2025-06-03", date_of_death="2025-06-03"))
    run_day(date(2025, 6, 3))
    events(_debt_created("LATE", "2025-04-01", "2025-05-20"))
    assert status("LATE")[0] == "ESTATE"
    from dms.store.models import DebtStatusChange

    moved = DebtStatusChange.objects.get(debt__creditor_ref="LATE", to_status="ESTATE")
    assert moved.business_date == date(2025, 6, 3)  # from the death, not the earlier referral date


def test_sanction_leaves_what_the_floor_allows_and_explains_it() -> None:
    """A 95% sanction over the whole week the pay date of £100.00 pays for leaves £5.00: £4.90 is taken (the
    floor keeps 10p), and the explanation says the sanction reduced the benefit, over which days."""
    events(legacy_award(first="2025-06-02", weekly="100.00"))
    hb_debt()
    events(line("s1", "person.sanction", rate_percent=95, start_date="2025-05-27", duration_weeks=1))
    run_day(date(2025, 6, 2))
    [deduction] = taken()
    assert deduction.amount_pence == 490 and status("HB1") == ("OPEN", "")
    assert ("less £95.00 for a sanction over the pay period it pays for, 2025-05-27 to 2025-06-02 (7 days, paid "
            "in arrears): 95% on 7 days (2025-05-27 to 2025-06-02); £100.00 x 7 x 95% / 7 days, rounded down "
            "(the highest rate on each day, pro rata by days): £5.00 paid") in deduction.explanation
    assert "a sanction reduced the benefit paid" in deduction.explanation
    assert "owed only" not in deduction.explanation  # the sanction, not the debt's balance, limited it


def test_bankruptcy_returns_hb_suspends_non_fraud_dwp_and_fraud_continues() -> None:
    events(uc_award(), dwp_debt("NF"), dwp_debt("FR", classification="FRAUD"), period())
    hb_debt()
    events(line("ins", "person.insolvency", kind="DEBT_RELIEF_ORDER", start_date="2025-06-05"))
    run_day(date(2025, 6, 5))
    assert status("HB1") == ("RETURNED", "INSOLVENCY")
    assert status("NF")[0] == "SUSPENDED" and status("FR")[0] == "OPEN"
    run_day(PAY)
    assert {r.ref for r in taken()} == {"FR"}


def _debt_created(ref: str, created_on: str, occurred_on: str = "2025-04-08") -> str:
    return line(f"ref-{ref}", "debt.referred", occurred_on=occurred_on, creditor="DWP", creditor_ref=ref,
                debt_type="OVERPAYMENT", classification="NON_FRAUD", amount="300.00", created_on=created_on)


def test_insolvency_includes_only_debts_arisen_by_its_start() -> None:
    """recovery-rules.md §6: a DRO bars recovery of the debts it includes, those that had arisen by its
    start. A debt created after it (known to DMS before the run reached the DRO, or referred after it was
    applied) is recovered; one created before it and referred after it was applied is barred at once."""
    events(uc_award(), _debt_created("OLD", "2025-04-01"), _debt_created("AFTER", "2025-06-10", "2025-06-11"),
           period())
    events(line("ins", "person.insolvency", kind="DEBT_RELIEF_ORDER", start_date="2025-06-05"))
    run_day(date(2025, 6, 5))
    assert status("OLD")[0] == "SUSPENDED" and status("AFTER")[0] == "OPEN"
    events(_debt_created("LATE", "2025-06-01", "2025-06-06"), _debt_created("NEW", "2025-06-06", "2025-06-06"))
    assert status("LATE")[0] == "SUSPENDED" and status("NEW")[0] == "OPEN"
    assert sorted(Restriction.objects.get().suspended_debts) == sorted(
        Debt.objects.filter(creditor_ref__in=("OLD", "LATE")).values_list("pk", flat=True))
    run_day(PAY)
    assert {r.ref for r in taken()} <= {"AFTER", "NEW"} and taken()


def test_insolvency_bars_a_debt_it_includes_that_is_reported_after_it_was_applied() -> None:
    """recovery-rules.md §6: a DRO applied by the run includes a debt referred (occurred_on) before it
    started but reported only afterwards: it is suspended on import, from the DRO's start."""
    events(uc_award(), period())
    events(line("ins", "person.insolvency", kind="DEBT_RELIEF_ORDER", start_date="2025-06-05"))
    run_day(date(2025, 6, 5))
    events(_debt_created("EARLY", "2025-04-01", "2025-05-20"))
    assert status("EARLY")[0] == "SUSPENDED"
    assert Debt.objects.get(creditor_ref="EARLY").pk in Restriction.objects.get().suspended_debts
    run_day(PAY)
    assert not taken()


def test_breathing_space_suspends_non_fraud_legacy_recovery_for_60_days_then_resumes() -> None:
    events(legacy_award(first="2025-06-02"), dwp_debt("NF"), dwp_debt("FR", classification="FRAUD"))
    events(line("bs", "person.insolvency", kind="BREATHING_SPACE", start_date="2025-06-02"))
    run_day(date(2025, 6, 2))
    assert status("NF")[0] == "SUSPENDED" and status("FR")[0] == "OPEN"
    assert {r.ref for r in taken()} == {"FR"}
    restriction = Restriction.objects.get()
    assert (restriction.end_date, restriction.resume_on) == (date(2025, 7, 31), date(2025, 8, 1))
    run_day(date(2025, 7, 31))
    assert status("NF")[0] == "SUSPENDED"
    run_day(date(2025, 8, 1))
    assert status("NF")[0] == "OPEN"


def test_breathing_space_does_not_stop_uc_deductions() -> None:
    events(uc_award(), dwp_debt(), period(),
           line("bs", "person.insolvency", kind="BREATHING_SPACE", start_date="2025-06-02"))
    run_day(date(2025, 6, 2))
    run_day(PAY)
    assert status("BA1")[0] == "OPEN" and len(taken()) == 1



def esa_then_uc(*extra: str) -> None:
    """ESA in payment until 2025-06-10, UC from 2025-06-11 (its first period paid 2025-07-17)."""
    events(line("start-ESA1", "award.started", award_ref="ESA1", benefit="ESA", start_date="2025-05-01",
                legacy={"weekly_amount": "90.50", "pay_frequency": "WEEKLY", "first_pay_date": "2025-06-02"}),
           *extra,
           line("end-ESA1", "award.ended", occurred_on="2025-06-10", award_ref="ESA1", end_date="2025-06-10",
                reason="CLAIM_CEASED"),
           line("start-UC1", "award.started", occurred_on="2025-06-11", award_ref="UC1", benefit="UC",
                start_date="2025-06-11", uc={"claimant_type": "SINGLE_25_OR_OVER", "assessment_period_day": 11}),
           line("ap1", "uc.assessment_period", occurred_on="2025-07-10", award_ref="UC1", period_start="2025-06-11",
                period_end="2025-07-10", payment_date="2025-07-17", award_amount="800.00",
                earnings_over_work_allowance=False, sanction_amount="0.00", fraud_penalty_amount="0.00",
                third_party=[]))


def test_moratorium_does_not_cover_uc_deductions_debts_released_when_uc_starts_during_it() -> None:
    """recovery-rules.md §6 (**Decision**): UC deductions are not covered by a moratorium. A breathing space
    from 2025-06-05 suspends the non-fraud debt recovered from ESA; UC starts on 2025-06-11, during it: the
    debt is released (audited, naming the moratorium) and recovered from UC; the moratorium's end changes
    nothing more."""
    events(dwp_debt("NF"))
    esa_then_uc(line("bs", "person.insolvency", occurred_on="2025-06-05", kind="BREATHING_SPACE",
                     start_date="2025-06-05"))
    run_day(date(2025, 6, 5))
    run_day(date(2025, 6, 10))
    assert status("NF")[0] == "SUSPENDED"
    summary = run_day(date(2025, 6, 11))
    assert status("NF")[0] == "OPEN" and summary["moratoria_uc_released"] == 1
    change = Debt.objects.get(creditor_ref="NF").status_changes.order_by("pk").last()
    assert change is not None and (change.from_status, change.to_status) == ("SUSPENDED", "OPEN")
    assert "BREATHING_SPACE" in change.reason and "UC deductions are not covered" in change.reason
    restriction = Restriction.objects.get()
    assert restriction.suspended_debts == [] and restriction.resumed_on is None
    assert "UC in payment" in restriction.note
    run_day(date(2025, 6, 12))  # a re-run or the next day releases nothing twice
    run_day(date(2025, 7, 17))
    assert [(r.ref, r.source, r.amount_pence) for r in taken()] == [("NF", "UC", 6002)]
    changes = Debt.objects.get(creditor_ref="NF").status_changes.count()
    run_day(date(2025, 8, 4))  # the breathing space ended on 2025-08-03
    assert Restriction.objects.get().resumed_on == date(2025, 8, 4)
    assert Debt.objects.get(creditor_ref="NF").status_changes.count() == changes and status("NF")[0] == "OPEN"


def test_moratorium_does_not_cover_uc_deductions_but_a_dro_still_bars_its_debts() -> None:
    """A debt a Debt Relief Order also bars stays suspended when UC starts during a breathing space
    (recovery-rules.md §6: the DRO's debts are not recovered by deduction)."""
    events(dwp_debt("NF"))
    esa_then_uc(line("bs", "person.insolvency", occurred_on="2025-06-05", kind="BREATHING_SPACE",
                     start_date="2025-06-05"),
                line("dro", "person.insolvency", occurred_on="2025-06-06", kind="DEBT_RELIEF_ORDER",
                     start_date="2025-06-06"))
    run_day(date(2025, 6, 5))
    run_day(date(2025, 6, 6))
    assert status("NF")[0] == "SUSPENDED"
    run_day(date(2025, 6, 11))
    assert status("NF")[0] == "SUSPENDED"
    run_day(date(2025, 7, 17))
    assert taken() == []


def test_moratorium_does_not_cover_uc_deductions_release_only_for_the_chunks_people() -> None:
    """The release is done by the chunk of partitions that holds the person (docs/architecture.md)."""
    from dms.services.recovery_events import apply_life_events
    from dms.store.models import partition_of

    events(dwp_debt("NF"))
    esa_then_uc(line("bs", "person.insolvency", occurred_on="2025-06-05", kind="BREATHING_SPACE",
                     start_date="2025-06-05"))
    run_day(date(2025, 6, 5))
    mine = partition_of("AB123456C")
    assert apply_life_events(date(2025, 6, 11), [mine + 1])["moratoria_uc_released"] == 0
    assert status("NF")[0] == "SUSPENDED"
    assert apply_life_events(date(2025, 6, 11), [mine])["moratoria_uc_released"] == 1
    assert status("NF")[0] == "OPEN"


def test_mental_health_crisis_moratorium_lasts_until_end_plus_30_days() -> None:
    events(legacy_award(first="2025-06-02"), dwp_debt())
    events(line("mh", "person.insolvency", kind="MENTAL_HEALTH_CRISIS_MORATORIUM", start_date="2025-06-02",
                end_date="2025-06-20"))
    run_day(date(2025, 6, 2))
    assert Restriction.objects.get().resume_on == date(2025, 7, 21)
    run_day(date(2025, 7, 21))
    assert status("BA1")[0] == "OPEN"


def moratorium(event_id: str, occurred_on: str, kind: str = "MENTAL_HEALTH_CRISIS_MORATORIUM",
               end_date: str | None = None) -> str:
    """An event of the moratorium starting 2025-06-02 (a Monday, a pay date of :func:`legacy_award`)."""
    return line(event_id, "person.insolvency", occurred_on=occurred_on, kind=kind, start_date="2025-06-02",
                **({"end_date": end_date} if end_date is not None else {}))


def last_reason(ref: str) -> str:
    change = Debt.objects.get(creditor_ref=ref).status_changes.order_by("pk").last()
    assert change is not None
    return change.reason


@pytest.mark.parametrize("order", ["end listed first", "start sent again after the end",
                                   "start a month after the end", "start after the debts resumed"])
def test_a_moratorium_event_without_an_end_does_not_erase_an_end_reported_by_a_later_event(order: str) -> None:
    """docs/events-notes.md, "A moratorium's end is set by its latest event" (**Decision**; events.md §1:
    ``occurred_on`` is when the fact took effect; recovery-rules.md §6: recovery resumes the day after the
    moratorium ends). A crisis moratorium from 2025-06-02 is reported twice: when it began (no end_date,
    occurred 2025-06-02) and when the treatment ended (end_date 2025-06-20, occurred then). In whatever order
    the two are applied, the end stands: the debt resumes on 2025-07-21 (the end plus 30 days, then the day
    after), its pay date is taken, and the older report starts nothing again."""
    events(legacy_award(first="2025-06-02"), dwp_debt("NF"))
    start, end = moratorium("mh", "2025-06-02"), moratorium("mh-end", "2025-06-20", end_date="2025-06-20")
    if order == "end listed first":
        events(end, start)
        run_day(date(2025, 6, 2))
    elif order == "start sent again after the end":
        events(start)
        run_day(date(2025, 6, 2))
        events(end)
        run_day(date(2025, 6, 20))
        events(moratorium("mh-again", "2025-06-02"))
        run_day(date(2025, 6, 21))
    elif order == "start a month after the end":
        events(end)
        run_day(date(2025, 6, 2))
        run_day(date(2025, 7, 2))
        events(start)
        run_day(date(2025, 7, 3))
    else:
        events(end)
        for day in (date(2025, 6, 2), date(2025, 7, 20), date(2025, 7, 21)):
            run_day(day)
        assert status("NF")[0] == "OPEN"
        events(start)
        run_day(date(2025, 7, 22))
    assert [(r.end_date, r.resume_on) for r in Restriction.objects.all()] == [(date(2025, 7, 20), date(2025, 7, 21))]
    older = "mh-again" if order == "start sent again after the end" else "mh"
    held = InboundEvent.objects.get(event_id=older)
    assert (held.applied, held.superseded_by) == (False, "mh-end")  # kept, superseded by the later report
    assert "left its end as event mh-end (occurred 2025-06-20) set it" in Restriction.objects.get().note
    if order != "start after the debts resumed":
        run_day(date(2025, 7, 20))
        assert status("NF")[0] == "SUSPENDED"
        run_day(date(2025, 7, 21))
    run_day(date(2025, 7, 28))
    assert status("NF")[0] == "OPEN" and Restriction.objects.get().resumed_on == date(2025, 7, 21)
    assert last_reason("NF") == ("MENTAL_HEALTH_CRISIS_MORATORIUM ended 2025-07-20 (the crisis treatment's end_date "
                                 "2025-06-20 plus 30 days, recovery-rules.md §6): recovery resumes")
    assert [r.date for r in taken()] == [date(2025, 7, 21), date(2025, 7, 28)]
    assert check_ledger().ok


def test_a_breathing_space_event_without_an_end_does_not_reset_an_earlier_end_to_60_days() -> None:
    """The same rule for a standard breathing space (docs/events-notes.md, "A moratorium's end is set by its
    latest event"): ended on 2025-06-20 (reported then), the report of its start listed after it does not
    put back the 60 days (to 2025-07-31); recovery resumes on 2025-06-21 and the 2025-06-23 pay date is
    taken."""
    events(legacy_award(first="2025-06-02"), dwp_debt("NF"))
    events(moratorium("bs-end", "2025-06-20", kind="BREATHING_SPACE", end_date="2025-06-20"),
           moratorium("bs", "2025-06-02", kind="BREATHING_SPACE"))
    run_day(date(2025, 6, 2))
    restriction = Restriction.objects.get()
    assert (restriction.end_date, restriction.resume_on) == (date(2025, 6, 20), date(2025, 6, 21))
    run_day(date(2025, 6, 21))
    run_day(date(2025, 6, 23))
    assert status("NF")[0] == "OPEN"
    assert [r.date for r in taken()] == [date(2025, 6, 23)]


@pytest.mark.parametrize(("later", "resumes"), [
    (moratorium("bs-end", "2025-06-20", kind="BREATHING_SPACE", end_date="2025-06-20"), date(2025, 6, 21)),
    (moratorium("bs-end", "2025-06-20", kind="BREATHING_SPACE", end_date="2025-09-30"), date(2025, 8, 1)),
])
def test_a_later_moratorium_event_moves_its_end(later: str, resumes: date) -> None:
    """recovery-rules.md §6 (a standard breathing space lasts 60 days, or ends earlier) with
    docs/events-notes.md, "A moratorium's end is set by its latest event": an event that occurred after the
    one that set the end moves it, earlier, or back to the 60 days when it gives an end beyond them."""
    events(legacy_award(first="2025-06-02"), dwp_debt("NF"),
           moratorium("bs", "2025-06-02", kind="BREATHING_SPACE", end_date="2025-07-10"))
    run_day(date(2025, 6, 2))
    assert Restriction.objects.get().resume_on == date(2025, 7, 11)
    events(later)
    run_day(date(2025, 6, 20))
    assert Restriction.objects.get().resume_on == resumes


def test_a_crisis_moratorium_event_reported_after_the_end_moves_it_later_or_back_to_no_end() -> None:
    """recovery-rules.md §6 (a crisis moratorium lasts for the treatment plus 30 days) with
    docs/events-notes.md, "A moratorium's end is set by its latest event": a later report of the same
    moratorium moves its end later (the treatment went on); one that gives no end leaves it with none, the
    treatment going on; of two reported the same day, the one received later stands."""
    events(legacy_award(first="2025-06-02"), dwp_debt("NF"),
           moratorium("mh", "2025-06-02"), moratorium("mh-end", "2025-06-20", end_date="2025-06-20"))
    run_day(date(2025, 6, 2))
    assert Restriction.objects.get().resume_on == date(2025, 7, 21)
    events(moratorium("mh-later", "2025-07-01", end_date="2025-07-01"),
           moratorium("mh-later-again", "2025-07-01", end_date="2025-07-05"))
    run_day(date(2025, 7, 1))
    assert Restriction.objects.get().resume_on == date(2025, 8, 5)
    events(moratorium("mh-goes-on", "2025-07-15"))
    run_day(date(2025, 7, 15))
    assert Restriction.objects.get().resume_on is None
    run_day(date(2025, 8, 11))
    assert status("NF")[0] == "SUSPENDED"


def test_a_moratorium_whose_resumption_day_has_passed_when_its_end_is_known_resumes_on_the_next_run_saying_so(
) -> None:
    """recovery-rules.md §6 (recovery resumes the day after the moratorium ends) with docs/events-notes.md,
    "A moratorium's end is set by its latest event": the end of a crisis moratorium (treatment ended
    2025-06-20, so recovery was due to resume on 2025-07-21) is reported on 2025-07-29. The days already run
    are not reopened: the debt resumes on that run, whose reason says when it was due, and the next pay date
    is taken (2025-07-21 and 2025-07-28 are not)."""
    events(legacy_award(first="2025-06-02"), dwp_debt("NF"), moratorium("mh", "2025-06-02"))
    for day in (date(2025, 6, 2), date(2025, 7, 21), date(2025, 7, 28)):
        run_day(day)
    assert status("NF")[0] == "SUSPENDED"
    events(moratorium("mh-end", "2025-07-29", end_date="2025-06-20"))
    summary = run_day(date(2025, 7, 29))
    assert status("NF")[0] == "OPEN" and summary["moratoria_ended"] == 1
    assert last_reason("NF") == ("MENTAL_HEALTH_CRISIS_MORATORIUM ended 2025-07-20 (the crisis treatment's end_date "
                                 "2025-06-20 plus 30 days, recovery-rules.md §6): recovery resumes, from this "
                                 "run: it was due to resume on 2025-07-21, before its end was known")
    run_day(date(2025, 8, 4))
    assert [r.date for r in taken()] == [date(2025, 8, 4)]


def test_a_corrected_date_of_death_is_the_one_each_debt_s_status_reason_names() -> None:
    """README ``dms debtor show`` (``status_reason``: the death, date and event, that moved the debt) with
    events.md §2 ``person.died`` and docs/events-notes.md "A late report does not overwrite a later one" (a
    later report acts as a correction of a death's date): £300.00 DWP and £500.00 HB debts; the 2025-06-07 UC
    pay date takes from both. A death on 2025-06-15 (event died1) sends BA1 to the estate and returns HB1
    (DEATH); a later report (event died2) corrects the date to 2025-06-05, and the run reverses what
    2025-06-07 took. Each debt's status reason then names the date and event in force, saying which it
    corrects, in a status change recorded beside the first (its audit stays), from the day it was first so."""
    events(uc_award(), dwp_debt(), period())
    hb_debt()
    run_day(PAY)
    events(line("died1", "person.died", occurred_on="2025-06-20", date_of_death="2025-06-15"))
    run_day(date(2025, 6, 20))
    assert shown("BA1")["status_reason"] == "the debtor died on 2025-06-15: recovery from the estate"
    events(line("died2", "person.died", occurred_on="2025-06-25", date_of_death="2025-06-05"))
    run_day(date(2025, 6, 25))
    corrected = "the debtor died on 2025-06-05 (event died2, correcting 2025-06-15 of event died1)"
    assert (shown("BA1")["status"], shown("BA1")["status_since"]) == ("ESTATE", "2025-06-20")
    assert shown("BA1")["status_reason"] == f"{corrected}: recovery from the estate"
    assert (shown("HB1")["status"], shown("HB1")["status_since"]) == ("RETURNED", "2025-06-20")
    assert shown("HB1")["status_reason"] == (
        "DEATH: the claimant died on 2025-06-05 (event died2, correcting 2025-06-15 of event died1): deductions "
        "stop at death and HB debts cease (recovery-rules.md §6)")
    assert [r.date for r in taken("REVERSED")] == [PAY, PAY]
    first = DebtStatusChange.objects.get(debt__creditor_ref="BA1", to_status=DebtStatus.ESTATE,
                                         from_status=DebtStatus.OPEN)
    assert first.reason == "the debtor died on 2025-06-15: recovery from the estate" and check_ledger().ok
    events(line("died3", "person.died", occurred_on="2025-06-26", date_of_death="2025-06-05"))
    run_day(date(2025, 6, 26))
    assert shown("BA1")["status_reason"] == f"{corrected}: recovery from the estate"



@pytest.mark.parametrize("cessation_reported", [False, True])
def test_death_s_date_corrected_later_takes_again_the_deductions_taken_while_alive(
        cessation_reported: bool, data_dir: object) -> None:
    """recovery-rules.md §6 and events.md §2 ``person.died`` (deductions stop at death), with the Decision in
    docs/events-notes.md "A death's date corrected to a later day": £300.00 DWP and £500.00 HB debts; the
    2025-06-07 UC pay date takes £30.01 from each. A death on 2025-06-05 (event died1, reported late)
    reverses both; a later report (event died2) corrects the date to 2025-06-15, after the pay date. The
    deductions, taken while the debtor was alive, are taken again by new ledger entries (the reversals
    stand): ``dms deductions list`` gives each REVERSED, with its reason, and TAKEN again, saying why. BA1
    stays with the estate, £30.01 lower; HB1 stays returned (DEATH), £30.01 recovered: the cessation not yet
    reported is amended, one reported stands, and the LA's schedule carries the deduction again (DEDUCTION,
    BalanceAfter £469.99). A third report of the same date takes nothing again twice."""
    from dms.store.la.models import Cessation

    events(uc_award(), dwp_debt(), period())
    hb_debt()
    run_day(PAY)
    events(line("died1", "person.died", occurred_on="2025-06-20", date_of_death="2025-06-05"))
    run_day(date(2025, 6, 20))
    assert [(r.debt.creditor_ref, r.amount_pence) for r in taken("REVERSED")] == [("BA1", 3001), ("HB1", 3001)]
    if cessation_reported:
        Cessation.objects.update(reported_on=date(2025, 6, 20))
    events(line("died2", "person.died", occurred_on="2025-06-25", date_of_death="2025-06-15"))
    run_day(date(2025, 6, 25))
    listed = [(d["date"], d["ref"], d["amount"], d["status"]) for d in list_deductions(NINO)]
    assert listed == [("2025-06-07", "BA1", "30.01", "REVERSED"), ("2025-06-07", "HB1", "30.01", "REVERSED"),
                      ("2025-06-07", "BA1", "30.01", "TAKEN"), ("2025-06-07", "HB1", "30.01", "TAKEN")]
    again = list_deductions(NINO)[2]["explanation"]
    assert "Reversed on 2025-06-20: paid on or after the debtor's death on 2025-06-05" in again
    assert ("Taken again on 2025-06-25: paid while the debtor was alive, before the death on 2025-06-15 (event "
            "died2, correcting 2025-06-05 of event died1)") in again
    assert all(r.reversal_reason.startswith("paid on or after the debtor's death on 2025-06-05")
               for r in taken("REVERSED"))
    assert (shown("BA1")["status"], shown("BA1")["balance"]) == ("ESTATE", "269.99")
    assert (shown("HB1")["status"], shown("HB1")["recovered"], shown("HB1")["balance"]) == (
        "RETURNED", "30.01", "469.99")
    debt = Debt.objects.get(creditor_ref="HB1")
    assert account_balance(AccountKey(AccountKind.RECEIVABLE, debt.pk)) == 0  # DMS holds nothing on it
    cessations = [(c.balance_returned_pence, c.amount_recovered_pence) for c in debt.cessations.order_by("pk")]
    assert cessations == ([(50000, 0)] if cessation_reported else [(50000 - 3001, 3001)])
    assert check_ledger().ok
    assert _june_schedule_lines() == [("DEDUCTION", "30.01", "469.99"), ("CORRECTION", "-30.01", "500.00"),
                                      ("DEDUCTION", "30.01", "469.99")]
    events(line("died3", "person.died", occurred_on="2025-06-26", date_of_death="2025-06-15"))
    run_day(date(2025, 6, 26))
    assert len(taken()) == 2 and shown("BA1")["balance"] == "269.99" and check_ledger().ok



def test_death_s_date_corrected_back_and_forth_takes_each_deduction_again_once_for_each_later_date() -> None:
    """The same Decision, corrected again: a third report moves the death back before the pay date (the
    deductions taken again are reversed, as any taken after a death reported late), a fourth after it again
    (taken again once more, from the latest reversal; the first, taken again already, is not taken twice).
    Each debt's balance follows the date of death in force, and the ledger is never rewritten."""
    events(uc_award(), dwp_debt(), period())
    run_day(PAY)
    for n, (reported, died) in enumerate((("2025-06-20", "2025-06-05"), ("2025-06-21", "2025-06-15"),
                                          ("2025-06-22", "2025-06-05"), ("2025-06-23", "2025-06-15")), start=1):
        events(line(f"died{n}", "person.died", occurred_on=reported, date_of_death=died))
        run_day(date.fromisoformat(reported))
        assert shown("BA1")["balance"] == ("300.00" if died == "2025-06-05" else "239.98")
    assert [(r.status, r.amount_pence, r.restores_id is not None) for r in Deduction.objects.order_by("pk")] == [
        ("REVERSED", 6002, False), ("REVERSED", 6002, True), ("TAKEN", 6002, True)]
    assert JournalEntry.objects.filter(kind=EntryKind.DEDUCTION).count() == 3
    assert JournalEntry.objects.filter(kind=EntryKind.REVERSAL).count() == 2 and check_ledger().ok


def test_death_s_date_corrected_later_does_not_take_again_what_a_later_award_end_bars() -> None:
    """The same Decision: only what was reversed for the earlier date of death alone is taken again. The UC
    award's end, reported after the death was applied, falls before the period paid on 2025-07-07 (from
    2025-06-01) and after the one paid on 2025-06-07: the death corrected to a later day takes the first
    again, not the second (events.md §2 ``award.ended``: no benefit in payment after its end date)."""
    from test_recovery_daily_deductions import uc_period_of

    events(uc_award(), dwp_debt(), period(), uc_period_of("ap6", "2025-06-01", "2025-06-30", "2025-07-07"))
    run_day(PAY)
    run_day(date(2025, 7, 7))
    events(line("died1", "person.died", occurred_on="2025-07-10", date_of_death="2025-06-05"))
    run_day(date(2025, 7, 10))
    events(line("end", "award.ended", occurred_on="2025-07-11", award_ref="UC1", end_date="2025-05-31",
                reason="AWARD_ENDED"))
    run_day(date(2025, 7, 11))
    events(line("died2", "person.died", occurred_on="2025-07-12", date_of_death="2025-07-09"))
    run_day(date(2025, 7, 12))
    assert [(r.date, r.status) for r in Deduction.objects.order_by("pk")] == [
        (PAY, "REVERSED"), (date(2025, 7, 7), "REVERSED"), (PAY, "TAKEN")]
    assert shown("BA1")["balance"] == "239.98" and check_ledger().ok


def shown(ref: str, nino: str = NINO) -> dict[str, str]:
    """The ``dms debtor show --json`` row of the debt ``ref`` (owned or held jointly) for ``nino``."""
    from dms.services.debtors import debtor_summary

    summary = debtor_summary(nino)
    [row] = [r for r in summary["debts"] + summary.get("joint_debts", []) if r["ref"] == ref]
    return row


@pytest.mark.parametrize(("kind", "first_end", "moved_end", "old_last", "last"), [
    ("BREATHING_SPACE", "2025-07-31", "2025-07-10", "2025-07-31", "2025-07-10"),  # moved earlier
    ("BREATHING_SPACE", "2025-07-10", "2025-07-31", "2025-07-10", "2025-07-31"),  # moved later
    ("MENTAL_HEALTH_CRISIS_MORATORIUM", "2025-06-20", "2025-07-01", "2025-07-20", "2025-07-31"),  # treatment goes on
])
def test_a_suspended_debt_s_status_reason_names_the_moratorium_end_in_force_after_a_later_event_moves_it(
        kind: str, first_end: str, moved_end: str, old_last: str, last: str, capsys: pytest.CaptureFixture[str],
) -> None:
    """recovery-rules.md §6 (recovery resumes the day after the moratorium ends), docs/events-notes.md "A
    moratorium's end is set by its latest event" and README ``dms debtor show`` (``status_reason``: why the
    debt is in its status): a moratorium from 2025-06-02 whose end a later event moves, earlier or later,
    leaves its debt suspended with a status reason that names the end now in force and the day recovery
    resumes, never the old end; the table says the same, and the move is noted on the restriction."""
    from dms.commands.core import print_debtor
    from dms.services.debtors import debtor_summary

    events(legacy_award(first="2025-06-02"), dwp_debt("NF"),
           moratorium("m", "2025-06-02", kind=kind, end_date=first_end))
    run_day(date(2025, 6, 2))
    events(moratorium("m-moved", "2025-06-20", kind=kind, end_date=moved_end))
    run_day(date(2025, 6, 20))
    resumes = date.fromisoformat(last) + timedelta(days=1)
    row = shown("NF")
    assert (row["status"], row["status_since"]) == ("SUSPENDED", "2025-06-02")
    crisis = (f" (the crisis treatment's end_date {moved_end} plus 30 days, recovery-rules.md §6)"
              if kind == "MENTAL_HEALTH_CRISIS_MORATORIUM" else "")
    assert row["status_reason"] == (f"{kind} from 2025-06-02 to {last}{crisis} (event m): recovery resumes on "
                                    f"{resumes}")
    print_debtor(debtor_summary(NINO))
    assert (f"to {last}{crisis} (event m): recovery resumes on {resumes}"
            in " ".join(capsys.readouterr().out.split()))
    assert (f"2025-06-20: event m-moved (occurred 2025-06-20) moved its end from {old_last} to {last}"
            in Restriction.objects.get().note)
    run_day(resumes - timedelta(days=1))
    assert status("NF")[0] == "SUSPENDED"
    run_day(resumes)
    assert status("NF")[0] == "OPEN"


def test_a_suspended_joint_debt_s_status_reason_names_each_restriction_of_either_debtor_that_still_bars_it(
) -> None:
    """recovery-rules.md §6 and docs/recovery-notes.md "Joint debts, insolvency and moratoria" (a joint debt
    resumes only when no restriction of either debtor still bars it), with README ``dms debtor show``
    (``status_reason``): the owner's breathing space (its end moved to 2025-07-10) and the other debtor's DRO
    both bar the joint debt, and its reason names both as they stand, for either debtor; once the breathing
    space has ended, the DRO alone."""
    partner = "CE654321A"
    events(legacy_award(first="2025-06-02"), _joint_debt("J1", NINO, partner),
           moratorium("bs", "2025-06-02", kind="BREATHING_SPACE"),
           line("dro", "person.insolvency", nino=partner, occurred_on="2025-06-10", kind="DEBT_RELIEF_ORDER",
                start_date="2025-06-10"))
    run_day(date(2025, 6, 2))
    run_day(date(2025, 6, 10))
    events(moratorium("bs-moved", "2025-06-20", kind="BREATHING_SPACE", end_date="2025-07-10"))
    run_day(date(2025, 6, 20))
    dro = (f"DEBT_RELIEF_ORDER of {partner} from 2025-06-10 (event dro): the non-fraud debts it includes are not "
           "recovered by deduction (recovery-rules.md §6)")
    both = (f"BREATHING_SPACE of {NINO} from 2025-06-02 to 2025-07-10 (event bs): recovery resumes on 2025-07-11; "
            f"{dro}")
    assert shown("J1")["status_reason"] == shown("J1", partner)["status_reason"] == both
    run_day(date(2025, 7, 11))
    assert shown("J1")["status"] == "SUSPENDED"
    assert shown("J1")["status_reason"] == shown("J1", partner)["status_reason"] == dro


@pytest.mark.parametrize(("kind", "first_end"), [("DEBT_RELIEF_ORDER", "2026-06-03"), ("BANKRUPTCY", None)])
def test_a_later_report_of_an_insolvency_moves_its_end_date_and_the_status_reason_names_the_end_in_force(
        kind: str, first_end: str | None) -> None:
    """recovery-rules.md §6 (a DRO or bankruptcy bars recovery by deduction of the non-fraud debts it
    includes), events.md §1 and docs/events-notes.md "A late report does not overwrite a later one" (the
    latest report of the insolvency, one ``kind`` and ``start_date``, stands): a later report that moves its
    end or gives its discharge date moves the end of the one restriction held (not a second one), noted on
    it; the suspended debt's status reason names the end in force, and the end does not lift the bar."""
    events(legacy_award(first="2025-06-02"), dwp_debt("NF"),
           line("i1", "person.insolvency", occurred_on="2025-06-04", kind=kind, start_date="2025-06-04",
                **({"end_date": first_end} if first_end else {})))
    run_day(date(2025, 6, 4))
    events(line("i2", "person.insolvency", occurred_on="2025-07-04", kind=kind, start_date="2025-06-04",
                end_date="2025-12-03"))
    run_day(date(2025, 7, 4))
    [restriction] = Restriction.objects.all()
    assert restriction.end_date == date(2025, 12, 3)
    assert (f"2025-07-04: event i2 (occurred 2025-07-04) moved its end from {first_end or 'none'} to 2025-12-03"
            in restriction.note)
    assert shown("NF")["status_reason"] == (
        f"{kind} from 2025-06-04 to 2025-12-03 (event i1): the non-fraud debts it includes are not recovered by "
        "deduction, also after its end (recovery-rules.md §6)")
    run_day(date(2025, 12, 8))
    assert status("NF")[0] == "SUSPENDED" and not taken()


@pytest.mark.parametrize(("weeks", "ends"), [(4, "2025-07-01"), (26, "2025-12-02")])
def test_a_later_report_of_a_sanction_moves_its_end_and_a_debt_it_returned_says_so(weeks: int, ends: str) -> None:
    """events.md §2 ``person.sanction`` (a 100% sanction of 13 weeks or more returns HB debts), recovery-rules.md
    §4 (a sanction reduces the legacy benefit paid) and docs/events-notes.md "A late report does not overwrite
    a later one" (the reports from one ``start_date`` are of one sanction; the latest stands): a later report
    of a 100% sanction from 2025-06-04 for 4 or 26 weeks in place of 13 moves the end of the one restriction
    held, so instalments are taken again from the day after the new end (4 weeks: 2025-07-07), and the HB debt
    it returned keeps the reason it was returned for, followed by the sanction as it now stands."""
    events(legacy_award(first="2025-06-02"), dwp_debt("NF"),
           line("s1", "person.sanction", occurred_on="2025-06-04", rate_percent=100, start_date="2025-06-04",
                duration_weeks=13))
    hb_debt()
    run_day(date(2025, 6, 4))
    events(line("s2", "person.sanction", occurred_on="2025-06-20", rate_percent=100, start_date="2025-06-04",
                duration_weeks=weeks))
    run_day(date(2025, 6, 20))
    [restriction] = Restriction.objects.all()
    assert (restriction.end_date, restriction.rate_percent) == (date.fromisoformat(ends), "100")
    assert f"2025-06-20: event s2 (occurred 2025-06-20) moved its end from 2025-09-02 to {ends}" in restriction.note
    assert shown("HB1")["status_reason"] == (
        "SANCTION: a 100% sanction for 13 weeks from 2025-06-04 (event s1): HB debts are returned for a 100% "
        "sanction for 13 weeks or more (events.md person.sanction; hb-debt-interface.md §6.5); the sanction now "
        f"stands as a 100% sanction for {weeks} weeks from 2025-06-04, to {ends}: the debt stays returned")
    run_day(date(2025, 7, 7))
    run_day(date(2025, 7, 14))
    assert [r.date for r in taken()] == ([date(2025, 7, 7), date(2025, 7, 14)] if weeks == 4 else [])


def test_restriction_resumes_a_debt_only_when_none_still_bars_it_dro_during_breathing_space() -> None:
    """recovery-rules.md §6: a DRO bars recovery by deduction of the non-fraud debts it includes; the end of
    a breathing space it began in does not reopen them."""
    events(legacy_award(first="2025-06-02"), dwp_debt("NF"), dwp_debt("FR", classification="FRAUD"))
    events(line("bs", "person.insolvency", kind="BREATHING_SPACE", start_date="2025-06-02"),
           line("dro", "person.insolvency", occurred_on="2025-06-10", kind="DEBT_RELIEF_ORDER",
                start_date="2025-06-10"))
    run_day(date(2025, 6, 2))
    run_day(date(2025, 6, 10))
    assert Restriction.objects.get(kind="DEBT_RELIEF_ORDER").suspended_debts == [Debt.objects.get(creditor_ref="NF").pk]
    run_day(date(2025, 8, 1))  # the breathing space has ended
    run_day(date(2025, 8, 4))  # a pay date
    assert status("NF")[0] == "SUSPENDED" and status("FR")[0] == "OPEN"
    assert {r.ref for r in taken()} == {"FR"}
    assert Restriction.objects.get(kind="BREATHING_SPACE").resumed_on == date(2025, 8, 1)


def test_restriction_resumes_a_debt_only_when_none_still_bars_it_breathing_space_during_dro() -> None:
    events(legacy_award(first="2025-06-02"), dwp_debt("NF"))
    events(line("dro", "person.insolvency", kind="DEBT_RELIEF_ORDER", start_date="2025-06-02"),
           line("bs", "person.insolvency", occurred_on="2025-06-10", kind="BREATHING_SPACE", start_date="2025-06-10"))
    run_day(date(2025, 6, 2))
    run_day(date(2025, 6, 10))
    run_day(date(2025, 8, 9))  # the breathing space ended on 2025-08-08
    assert status("NF")[0] == "SUSPENDED"
    run_day(date(2025, 8, 11))
    assert taken() == []


@pytest.mark.parametrize("crisis_end", ["2025-06-20", "2025-07-20"])
def test_restriction_resumes_a_debt_only_when_none_still_bars_it_overlapping_moratoria(crisis_end: str) -> None:
    """Two moratoria at once: the debts resume the day after the later of the two ends (a breathing space
    from 2025-06-02 ends 2025-07-31; a crisis moratorium from 2025-06-10 ends its end date plus 30 days)."""
    events(legacy_award(first="2025-06-02"), dwp_debt("NF"))
    events(line("bs", "person.insolvency", kind="BREATHING_SPACE", start_date="2025-06-02"),
           line("mh", "person.insolvency", occurred_on="2025-06-10", kind="MENTAL_HEALTH_CRISIS_MORATORIUM",
                start_date="2025-06-10", end_date=crisis_end))
    run_day(date(2025, 6, 2))
    run_day(date(2025, 6, 10))
    crisis_resumes = date.fromisoformat(crisis_end) + timedelta(days=31)
    for day in sorted({crisis_resumes, date(2025, 8, 1)}):
        run_day(day - timedelta(days=1))
        assert status("NF")[0] == "SUSPENDED", day
        run_day(day)
    assert status("NF")[0] == "OPEN"
    assert all(r.resumed_on is not None for r in Restriction.objects.all())


def test_missed_instalment_reversed_with_reason_and_counted() -> None:
    events(legacy_award(first="2025-06-02"), dwp_debt())
    run_day(date(2025, 6, 2))
    events(line("m1", "benefit.payment_missed", occurred_on="2025-06-03", award_ref="JSA1", pay_date="2025-06-02"))
    run_day(date(2025, 6, 3))
    row = taken("REVERSED")[0]
    assert row.reversed_on == date(2025, 6, 3) and "missed" in row.reversal_reason
    reversal = JournalEntry.objects.get(kind=EntryKind.REVERSAL)
    assert reversal.reverses_id == row.entry_id and reversal.reason
    assert debt_service.figures_of(Debt.objects.get()).balance_pence == 30000
    assert MissedInstalment.objects.count() == 1 and check_ledger().ok
    assert [d["status"] for d in list_deductions("AB123456C")] == ["REVERSED"]


def test_three_missed_instalments_without_other_benefit_return_hb_debts() -> None:
    events(legacy_award(first="2025-06-02"))
    hb_debt()
    for n, pay in enumerate(("2025-06-02", "2025-06-09", "2025-06-16"), start=1):
        run_day(date.fromisoformat(pay))
        events(line(f"m{n}", "benefit.payment_missed", occurred_on=pay, award_ref="JSA1", pay_date=pay))
        run_day(date.fromisoformat(pay).replace(day=date.fromisoformat(pay).day + 1))
        expected = ("RETURNED", "MISSED_INSTALMENTS") if n == 3 else ("OPEN", "")
        assert status("HB1") == expected


def test_missed_instalment_known_before_pay_date_is_not_taken() -> None:
    events(legacy_award(first="2025-06-02"), dwp_debt(),
           line("m1", "benefit.payment_missed", occurred_on="2025-06-01", award_ref="JSA1", pay_date="2025-06-02"))
    run_day(date(2025, 6, 2))
    assert [r.status for r in taken("REVERSED")] == ["REVERSED"]
    assert debt_service.figures_of(Debt.objects.get()).balance_pence == 30000


def test_direct_payment_credit_goes_to_other_debts_in_recovery_order_then_refunded() -> None:
    """recovery-rules.md §5: what a payment to debt A leaves over (50.00) goes to the person's other debt B."""
    events(uc_award(), dwp_debt("A", amount="100.00"), dwp_debt("B"))
    events(line("pay", "payment.received", occurred_on="2025-06-04", amount="150.00", received_on="2025-06-04",
                channel="CARD", creditor="DWP", creditor_ref="A"))
    run_day(date(2025, 6, 4))
    assert status("A")[0] == "CLEARED" and status("B")[0] == "OPEN"
    assert debt_service.figures_of(Debt.objects.get(creditor_ref="B")).balance_pence == 25000
    person = Person.objects.get()
    assert account_balance(AccountKey(AccountKind.PERSON_CREDIT, person.pk)) == 0
    assert account_balance(AccountKey(AccountKind.PERSON_REFUND_DUE, person.pk)) == 0
    assert JournalEntry.objects.filter(kind=EntryKind.DIRECT_PAYMENT).count() == 2
    assert JournalEntry.objects.filter(kind=EntryKind.CREDIT_APPLIED).count() == 1
    assert account_balance(AccountKey(AccountKind.DIRECT_PAYMENTS)) == 15000 and check_ledger().ok


def test_direct_payment_credit_beyond_its_target_is_shared_between_owners_as_a_deduction_would_be() -> None:
    """recovery-rules.md §5 and §3 rule b (**Decision**, docs/architecture.md "Credit"): what a payment to
    DWP debt A leaves over (30.00) is the person's credit, spread over their other debts as an untargeted
    payment is: item 19 split equally between DWP (B) and the LA (HB1), 15.00 each, not all of it to B."""
    events(uc_award(), dwp_debt("A", amount="100.00", debt_type="BUDGETING_ADVANCE"), dwp_debt("B"))
    hb_debt()
    events(line("pay", "payment.received", occurred_on="2025-06-04", amount="130.00", received_on="2025-06-04",
                channel="CARD", creditor="DWP", creditor_ref="A"))
    run_day(date(2025, 6, 4))
    balances = {d.creditor_ref: debt_service.figures_of(d).balance_pence for d in Debt.objects.all()}
    assert balances == {"A": 0, "B": 30000 - 1500, "HB1": 50000 - 1500}
    person = Person.objects.get()
    assert account_balance(AccountKey(AccountKind.PERSON_REFUND_DUE, person.pk)) == 0 and check_ledger().ok


@pytest.mark.parametrize("why", ["died", "breathing space"])
def test_direct_payment_credit_goes_to_outstanding_debts_from_the_estate_or_suspended_before_any_refund(
        why: str) -> None:
    """recovery-rules.md §5 (credit "first goes to their other outstanding debts in recovery order; what
    remains is refunded") and §6 (after a death DWP and HMRC debts are recovered from the estate): what a
    payment to debt A leaves over (£50.00) goes to B, in recovery from the estate after a death, or suspended
    by a breathing space (the person's own payment, spread as an untargeted one would be), not refunded."""
    events(uc_award(), dwp_debt("A", amount="100.00"), dwp_debt("B"))
    if why == "died":
        events(line("died", "person.died", occurred_on="2025-06-03", date_of_death="2025-06-03"))
    else:
        events(line("bs", "person.insolvency", occurred_on="2025-06-01", kind="BREATHING_SPACE",
                    start_date="2025-06-01"))
        events(line("end", "award.ended", occurred_on="2025-05-31", award_ref="UC1", end_date="2025-05-31",
                    reason="AWARD_ENDED"))
    run_day(date(2025, 6, 3))
    assert status("B")[0] == ("ESTATE" if why == "died" else "SUSPENDED")
    events(line("pay", "payment.received", occurred_on="2025-06-04", amount="150.00", received_on="2025-06-04",
                channel="CARD", creditor="DWP", creditor_ref="A"))
    run_day(date(2025, 6, 4))
    assert debt_service.figures_of(Debt.objects.get(creditor_ref="B")).balance_pence == 25000
    person = Person.objects.get()
    assert account_balance(AccountKey(AccountKind.PERSON_REFUND_DUE, person.pk)) == 0 and check_ledger().ok


def test_direct_payment_credit_left_when_every_debt_is_paid_is_a_refund_due_at_once() -> None:
    """recovery-rules.md §5 (**Decision**, docs/architecture.md "Credit"): 130.00 paid beyond every debt is
    refunded at once; a debt referred later is not paid from it."""
    events(uc_award(), dwp_debt("A", amount="100.00"))
    events(line("pay", "payment.received", occurred_on="2025-06-04", amount="230.00", received_on="2025-06-04",
                channel="CARD"))
    run_day(date(2025, 6, 4))
    person = Person.objects.get()
    assert status("A")[0] == "CLEARED"
    assert account_balance(AccountKey(AccountKind.PERSON_CREDIT, person.pk)) == 0
    assert account_balance(AccountKey(AccountKind.PERSON_REFUND_DUE, person.pk)) == -13000
    events(dwp_debt("LATER", amount="50.00"))
    run_day(date(2025, 6, 5))
    assert debt_service.figures_of(Debt.objects.get(creditor_ref="LATER")).balance_pence == 5000
    assert account_balance(AccountKey(AccountKind.PERSON_REFUND_DUE, person.pk)) == -13000 and check_ledger().ok


def test_direct_payment_without_target_spread_in_recovery_order() -> None:
    events(uc_award(), dwp_debt("A", amount="100.00", debt_type="BUDGETING_ADVANCE"), dwp_debt("B"))
    events(line("pay", "payment.received", occurred_on="2025-06-04", amount="150.00", received_on="2025-06-04",
                channel="BANK_TRANSFER"))
    run_day(date(2025, 6, 4))
    # budgeting advance (Annex B item 6) before the overpayment (item 19)
    assert status("A")[0] == "CLEARED"
    assert debt_service.figures_of(Debt.objects.get(creditor_ref="B")).balance_pence == 25000


def test_direct_payment_without_target_spread_like_a_deduction_split_between_owners() -> None:
    """events.md §3: spread like a deduction of that amount; item 19 with DWP and HMRC debts is split
    equally (Annex B rule b): 30.00 gives 15.00 each."""
    events(uc_award(), dwp_debt("D"),
           line("ref-H", "debt.referred", occurred_on="2025-04-08", creditor="HMRC", creditor_ref="H",
                debt_type="OVERPAYMENT", classification="NON_FRAUD", amount="300.00", created_on="2025-04-01"))
    events(line("pay", "payment.received", occurred_on="2025-06-04", amount="30.00", received_on="2025-06-04",
                channel="CARD"))
    run_day(date(2025, 6, 4))
    balances = {d.creditor_ref: debt_service.figures_of(d).balance_pence for d in Debt.objects.all()}
    assert balances == {"D": 28500, "H": 28500} and check_ledger().ok


def test_set_rate_recorded_with_who_when_why_and_used() -> None:
    events(uc_award(), dwp_debt(), period())
    debt = Debt.objects.get()
    result = set_reduced_rate("AB123456C", str(debt.pk), "10.00", date(2025, 9, 1), "affordability request",
                              "j.smith", date(2025, 6, 1))
    rate = ReducedRate.objects.get()
    assert (rate.actor, rate.set_on, rate.reason, rate.until) == ("j.smith", date(2025, 6, 1),
                                                                 "affordability request", date(2025, 9, 1))
    assert result.amount_pence == 1000
    run_day(PAY)
    assert taken()[0].amount_pence == 1000


@pytest.mark.parametrize(("nino", "debt", "amount", "message"), [
    ("CE123456A", "1", "10.00", "no person"),
    ("AB123456C", "999", "10.00", "no debt with this id"),
    ("AB123456C", "1", "ten", "--amount"),
    ("AB123456C", "1", "0.00", "more than 0.00"),
])
def test_set_rate_refuses_bad_requests(nino: str, debt: str, amount: str, message: str) -> None:
    events(uc_award(), dwp_debt())
    debt_id = str(Debt.objects.get().pk) if debt == "1" else debt
    with pytest.raises(DmsError, match=message):
        set_reduced_rate(nino, debt_id, amount, date(2025, 9, 1), "why", "me", date(2025, 6, 1))
    assert not ReducedRate.objects.exists()


def test_set_rate_refuses_another_persons_debt() -> None:
    events(uc_award(), dwp_debt(), uc_award(ref="UC2", nino="CE123456A"))
    with pytest.raises(DmsError, match="another person"):
        set_reduced_rate("CE123456A", str(Debt.objects.get().pk), "10.00", date(2025, 9, 1), "why", "me",
                         date(2025, 6, 1))
    assert DebtStatus.OPEN == Debt.objects.get().status


# ---------------------------------------------------------------------------------------------- events about
# people and debts that change before the run applies them (events.md §1-3: never a stuck run, never lost)


def refused(*lines: str) -> list[str]:
    from dms.services.events import import_events

    return [r.reason for r in import_events(list(lines), source="test.jsonl").refused]


@pytest.mark.parametrize("kind", ["person.sanction", "person.died", "person.insolvency", "payment.received"])
def test_event_about_an_unknown_person_creates_them_and_the_run_applies_it(kind: str) -> None:
    """events.md §2-3: an event for a NINO DMS has not seen creates the person (as award and debt events do),
    so the run applies it instead of stopping on it, every day after."""
    fields = {
        "person.sanction": {"rate_percent": 100, "start_date": "2025-06-01", "duration_weeks": 13},
        "person.died": {"date_of_death": "2025-06-01"},
        "person.insolvency": {"kind": "BREATHING_SPACE", "start_date": "2025-06-01"},
        "payment.received": {"amount": "25.00", "received_on": "2025-06-01", "channel": "CARD"},
    }[kind]
    events(line("e1", kind, occurred_on="2025-06-01", nino="CE123456A", **fields))
    run_day(date(2025, 6, 2))
    person = Person.objects.get(nino="CE123456A")
    assert InboundEvent.objects.get(event_id="e1").applied
    if kind == "payment.received":  # no debts: all of it is a refund due to them (recovery-rules.md §5)
        assert account_balance(AccountKey(AccountKind.PERSON_REFUND_DUE, person.pk)) == -2500
    if kind == "person.died":
        assert person.date_of_death == date(2025, 6, 1)
    assert check_ledger().ok


def test_payment_to_a_debt_withdrawn_before_the_run_is_credit_to_other_debts_then_refund() -> None:
    """recovery-rules.md §5 (**Decision**): a payment names debt A, which is withdrawn before the run applies
    the payment: all of it is the person's credit: debt B first, the rest a refund due. The run goes on."""
    events(uc_award(), dwp_debt("A", amount="100.00"), dwp_debt("B", amount="40.00"))
    events(line("pay", "payment.received", occurred_on="2025-06-08", amount="50.00", received_on="2025-06-08",
                channel="CARD", creditor="DWP", creditor_ref="A"),
           line("wd", "debt.withdrawn", occurred_on="2025-06-07", creditor="DWP", creditor_ref="A",
                reason="referred in error"))
    run_day(date(2025, 6, 8))
    person = Person.objects.get()
    assert status("A")[0] == "WITHDRAWN" and status("B")[0] == "CLEARED"
    assert account_balance(AccountKey(AccountKind.PERSON_REFUND_DUE, person.pk)) == -1000
    assert account_balance(AccountKey(AccountKind.DIRECT_PAYMENTS)) == 5000 and check_ledger().ok
    assert "no longer held" in JournalEntry.objects.filter(kind=EntryKind.DIRECT_PAYMENT).get().description


def test_a_payment_naming_a_debt_no_longer_held_says_which_debt_and_why_in_its_credit_and_refund() -> None:
    """recovery-rules.md §5 and README (every penny explained): a payment names DWP debt A, withdrawn on
    2025-06-07 before the run applies it; the person has no other debt, so all of it is a refund due, and the
    refund says the payment named debt A and that A was withdrawn on 2025-06-07 and why, so staff can send it
    on."""
    from dms.services.debtors import debtor_summary

    events(uc_award(), dwp_debt("A", amount="100.00"))
    events(line("pay", "payment.received", occurred_on="2025-06-08", amount="50.00", received_on="2025-06-08",
                channel="CHEQUE", creditor="DWP", creditor_ref="A"),
           line("wd", "debt.withdrawn", occurred_on="2025-06-07", creditor="DWP", creditor_ref="A",
                reason="referred in error"))
    run_day(date(2025, 6, 8))
    (refund,) = debtor_summary(NINO)["refunds"]
    assert refund["amount"] == "50.00"
    assert refund["reason"] == ("credit from direct payment (event pay, naming DWP debt A, no longer held: withdrawn "
                                "on 2025-06-07 (referred in error)) refunded to the person")
    assert ("for DWP debt A, no longer held: withdrawn on 2025-06-07 (referred in error), held as the person's "
            "credit" in JournalEntry.objects.filter(kind=EntryKind.DIRECT_PAYMENT).get().description)
    assert check_ledger().ok


def test_payment_for_a_debt_withdrawn_before_the_payment_file_arrives_is_kept_as_credit() -> None:
    """events.md §3, recovery-rules.md §5: a payment names debt A, received while A was held; A is withdrawn
    and the run has passed before the payment's file reaches DMS. The payment is kept (not refused for when
    it arrived) and is all the person's credit: debt B first, the rest a refund due."""
    events(uc_award(), dwp_debt("A", amount="100.00"), dwp_debt("B", amount="40.00"))
    events(line("wd", "debt.withdrawn", occurred_on="2025-06-07", creditor="DWP", creditor_ref="A",
                reason="referred in error"))
    run_day(date(2025, 6, 7))
    events(line("pay", "payment.received", occurred_on="2025-06-08", amount="50.00", received_on="2025-06-06",
                channel="CARD", creditor="DWP", creditor_ref="A"))
    run_day(date(2025, 6, 8))
    person = Person.objects.get()
    assert status("B")[0] == "CLEARED"
    assert account_balance(AccountKey(AccountKind.PERSON_REFUND_DUE, person.pk)) == -1000 and check_ledger().ok


def test_payment_naming_an_unknown_debt_or_another_persons_debt_is_refused() -> None:
    """events.md §3: a payment names a debt DMS holds or has held for the person; another's, or none DMS
    knows, is refused with a message saying what to send instead."""
    events(uc_award(), dwp_debt("A"), uc_award(ref="UC2", nino="CE123456A"))
    pay = {"occurred_on": "2025-06-08", "amount": "5.00", "received_on": "2025-06-08", "channel": "CARD",
           "creditor": "DWP"}
    assert "has no debt with this reference" in refused(line("p1", "payment.received", creditor_ref="NOPE", **pay))[0]
    assert "owed by another person" in refused(
        line("p2", "payment.received", nino="CE123456A", creditor_ref="A", **pay))[0]
    la_pay = {k: v for k, v in pay.items() if k != "creditor"}
    unknown = refused(line("p3", "payment.received", la_id="005920", debt_ref="HB/9", **la_pay))[0]
    assert ("no such LA debt is or was held in DMS (a referral of it received from the LA but not yet processed is "
            "taken on by the next `dms run`: send the payment again after that run); name a debt DMS holds") in unknown


def test_credit_goes_to_a_joint_debt_the_person_owes_before_any_refund() -> None:
    """recovery-rules.md §5: a credit first goes to the person's other outstanding debts, which include a debt
    they owe jointly with their partner (who owns it); a payment may also name that joint debt."""
    partner = "CE654321A"
    events(uc_award(), uc_award(ref="UC2", nino=partner), dwp_debt("OWN", amount="20.00"),
           line("ref-J", "debt.referred", occurred_on="2025-04-08", nino=partner, creditor="DWP", creditor_ref="J",
                debt_type="OVERPAYMENT", classification="NON_FRAUD", amount="80.00", created_on="2025-04-01",
                joint_nino="AB123456C"))
    events(line("pay", "payment.received", occurred_on="2025-06-04", amount="50.00", received_on="2025-06-04",
                channel="CARD", creditor="DWP", creditor_ref="OWN"),
           line("pay2", "payment.received", occurred_on="2025-06-04", amount="5.00", received_on="2025-06-04",
                channel="CARD", creditor="DWP", creditor_ref="J"))
    run_day(date(2025, 6, 4))
    person = Person.objects.get(nino="AB123456C")
    assert status("OWN")[0] == "CLEARED"
    assert debt_service.figures_of(Debt.objects.get(creditor_ref="J")).balance_pence == 8000 - 3000 - 500
    assert account_balance(AccountKey(AccountKind.PERSON_REFUND_DUE, person.pk)) == 0 and check_ledger().ok
    # the credit used is the payer's: neither they nor the joint debt's owner is left with a credit
    for who in Person.objects.all():
        assert account_balance(AccountKey(AccountKind.PERSON_CREDIT, who.pk)) == 0


def test_credit_does_not_go_to_a_debt_before_the_date_it_took_effect() -> None:
    """events.md §1 (a debt is recovered from the date it took effect), recovery-rules.md §5: a credit
    arising before a debt referred with a later ``occurred_on`` is not placed on it, nor is an untargeted
    payment spread over it; with no other debt in effect, it is a refund due."""
    events(uc_award(), dwp_debt("NOW", amount="10.00"),
           line("ref-FUT", "debt.referred", occurred_on="2025-07-05", creditor="DWP", creditor_ref="FUT",
                debt_type="OVERPAYMENT", classification="NON_FRAUD", amount="100.00", created_on="2025-06-20"))
    events(line("pay", "payment.received", occurred_on="2025-06-04", amount="30.00", received_on="2025-06-04",
                channel="CARD", creditor="DWP", creditor_ref="NOW"),
           line("pay2", "payment.received", occurred_on="2025-06-04", amount="7.00", received_on="2025-06-04",
                channel="CARD"))
    run_day(date(2025, 6, 4))
    person = Person.objects.get()
    assert debt_service.figures_of(Debt.objects.get(creditor_ref="FUT")).balance_pence == 10000
    assert account_balance(AccountKey(AccountKind.PERSON_REFUND_DUE, person.pk)) == -2700 and check_ledger().ok


def test_a_missed_payment_reported_again_is_refused_and_counted_once() -> None:
    """recovery-rules.md §4 (**Decision**): one missed payment counts once towards the three that return HB
    debts, however often it is reported."""
    events(legacy_award(first="2025-06-02"))
    hb_debt()
    run_day(date(2025, 6, 2))
    events(line("m1", "benefit.payment_missed", occurred_on="2025-06-02", award_ref="JSA1", pay_date="2025-06-02"))
    again = [line(f"m1{x}", "benefit.payment_missed", occurred_on="2025-06-02", award_ref="JSA1",
                  pay_date="2025-06-02") for x in "bc"]
    reasons = refused(*again)
    assert len(reasons) == 2 and all("already reported missed (event 'm1')" in r for r in reasons)
    run_day(date(2025, 6, 3))
    assert MissedInstalment.objects.count() == 1 and status("HB1") == ("OPEN", "")


def test_a_missed_payment_on_a_day_the_award_does_not_pay_is_refused() -> None:
    """recovery-rules.md §4: only an instalment that was due can be missed; JSA1 pays weekly from 2 June."""
    events(legacy_award(first="2025-06-02"))
    hb_debt()
    reasons = refused(*[line(f"m{d}", "benefit.payment_missed", occurred_on="2025-06-08", award_ref="JSA1",
                             pay_date=f"2025-06-0{d}") for d in (3, 4, 5)])
    assert len(reasons) == 3 and all(
        "is not a pay date of award JSA1 by its terms in force that day (WEEKLY from 2025-06-02, " in r
        for r in reasons)
    run_day(date(2025, 6, 9))
    assert MissedInstalment.objects.count() == 0 and status("HB1") == ("OPEN", "")


def test_a_missed_payment_on_a_day_the_award_does_not_pay_is_refused_while_a_later_change_waits() -> None:
    """recovery-rules.md §4 (a missed instalment is one that was due) and events.md §2 (``award.changed``: new
    values from ``occurred_on``): a change of the award waiting for the run, dated after the day reported
    missed (here only the amount, from 2025-07-01), does not make that day a pay date. JSA1 pays on Mondays
    from 2 June, so a Tuesday, Wednesday or Thursday reported missed is refused with its line number."""
    events(legacy_award(first="2025-06-02"),
           line("chg", "award.changed", occurred_on="2025-07-01", award_ref="JSA1", legacy={"weekly_amount": "99.00"}))
    hb_debt()
    report = import_events([line(f"m{d}", "benefit.payment_missed", occurred_on="2025-06-08", award_ref="JSA1",
                                 pay_date=f"2025-06-0{d}") for d in (3, 4, 5)], source="test.jsonl")
    assert [r.line_number for r in report.refused] == [1, 2, 3]
    assert all("2025-06-0" in r.reason and "is not a pay date of award JSA1" in r.reason for r in report.refused)
    assert not InboundEvent.objects.filter(type="benefit.payment_missed").exists()


def test_a_missed_payment_on_a_pay_date_set_by_a_waiting_change_dated_before_it_is_taken_in() -> None:
    """events.md §2 (``award.changed``: new values from ``occurred_on``): the day is judged by the award's
    terms as they will stand on it, with the changes waiting for the run dated on or before it. JSA1 moves
    from Mondays to Wednesdays (first 25 June) by a change dated 20 June not yet applied: Wednesday 25 June
    is a pay date, Monday 30 June no longer is."""
    events(legacy_award(first="2025-06-02"),
           line("chg", "award.changed", occurred_on="2025-06-20", award_ref="JSA1",
                legacy={"first_pay_date": "2025-06-25"}))
    hb_debt()
    events(line("m1", "benefit.payment_missed", occurred_on="2025-06-26", award_ref="JSA1", pay_date="2025-06-25"))
    assert "is not a pay date" in refused(
        line("m2", "benefit.payment_missed", occurred_on="2025-07-01", award_ref="JSA1", pay_date="2025-06-30"))[0]


def test_a_missed_payment_of_an_award_held_without_its_start_event_counts_the_waiting_changes_too() -> None:
    """events.md §2 (``award.changed``: new values from ``occurred_on``): an award held without its
    ``award.started`` event (a synthetic book) is judged by its terms as held with the changes waiting for
    the run dated on or before the day: Mondays from 2 June, Wednesdays from 25 June by a change dated 20
    June not yet applied."""
    from dms.store.models import Award

    person = Person.objects.create(nino="AB123456C")
    Award.objects.create(award_ref="JSA1", person=person, benefit="JSA", start_date=date(2025, 5, 1),
                         weekly_amount_pence=9050, pay_frequency="WEEKLY", first_pay_date=date(2025, 6, 2))
    events(line("chg", "award.changed", occurred_on="2025-06-20", award_ref="JSA1",
                legacy={"first_pay_date": "2025-06-25"}),
           line("m1", "benefit.payment_missed", occurred_on="2025-06-26", award_ref="JSA1", pay_date="2025-06-25"),
           line("m2", "benefit.payment_missed", occurred_on="2025-06-26", award_ref="JSA1", pay_date="2025-06-16"))
    reasons = refused(line("m3", "benefit.payment_missed", occurred_on="2025-07-01", award_ref="JSA1",
                           pay_date="2025-06-30"))
    assert len(reasons) == 1 and "(WEEKLY from 2025-06-25, " in reasons[0]


def test_missed_instalments_counted_by_the_run_are_only_those_it_recorded() -> None:
    """recovery-rules.md §4: the run's count of missed instalments is the instalments it recorded as missed.
    A missed Monday taken in, then a late change dated before it moving the award to Wednesdays, leaves no
    instalment due that Monday: the run records nothing and counts nothing for it."""
    events(legacy_award(first="2025-06-02"))
    hb_debt()
    run_day(date(2025, 6, 2))
    events(line("m1", "benefit.payment_missed", occurred_on="2025-06-03", award_ref="JSA1", pay_date="2025-06-09"),
           line("m2", "benefit.payment_missed", occurred_on="2025-06-03", award_ref="JSA1", pay_date="2025-06-02"),
           line("chg", "award.changed", occurred_on="2025-06-05", award_ref="JSA1",
                legacy={"first_pay_date": "2025-06-11"}))
    summary = run_day(date(2025, 6, 10))
    assert summary["missed_instalments"] == 1
    assert list(MissedInstalment.objects.values_list("pay_date", flat=True)) == [date(2025, 6, 2)]
    assert InboundEvent.objects.get(event_id="m1").applied  # judged, and nothing left waiting


def test_creditor_ref_is_unique_per_creditor_even_after_withdrawal() -> None:
    """events.md §3: ``creditor_ref`` is unique per creditor: a reference used before is refused."""
    events(uc_award(), dwp_debt("R1"),
           line("wd", "debt.withdrawn", occurred_on="2025-04-09", creditor="DWP", creditor_ref="R1", reason="error"))
    reasons = refused(line("again", "debt.referred", occurred_on="2025-04-10", creditor="DWP", creditor_ref="R1",
                           debt_type="OVERPAYMENT", classification="NON_FRAUD", amount="10.00",
                           created_on="2025-04-01"))
    assert len(reasons) == 1 and "already referred a debt under this reference" in reasons[0]
    assert "WITHDRAWN" in reasons[0] and Debt.objects.filter(creditor_ref="R1").count() == 1
    events(line("hmrc", "debt.referred", occurred_on="2025-04-10", creditor="HMRC", creditor_ref="R1",
                debt_type="OVERPAYMENT", classification="NON_FRAUD", amount="10.00", created_on="2025-04-01"))


def test_death_a_dwp_or_hmrc_debt_referred_after_the_death_goes_to_the_estate() -> None:
    """recovery-rules.md §6: DWP and HMRC debts of a person who has died are recovered from the estate, also
    one referred after DMS learnt of the death."""
    events(uc_award(), line("died", "person.died", occurred_on="2025-06-03", date_of_death="2025-06-03"))
    run_day(date(2025, 6, 3))
    events(line("late", "debt.referred", occurred_on="2025-06-10", creditor="HMRC", creditor_ref="TCX",
                debt_type="OVERPAYMENT", classification="NON_FRAUD", amount="80.00", created_on="2025-05-01"))
    assert status("TCX")[0] == "ESTATE"


def test_set_rate_is_a_lower_rate_than_the_one_it_replaces_a9_2025_31() -> None:
    """A9/2025 §31: a reduced rate is lower than the rate in force: on UC the item maximum (item 19: 15% of
    400.14 = 60.02 for a period from 2025-06-01), on a legacy benefit the weekly rate (13.95 from 2025-04-07)."""
    events(uc_award(), dwp_debt())
    debt = str(Debt.objects.get().pk)
    with pytest.raises(DmsError, match=r"lower than the rate it replaces, 60.02 \(the UC maximum of Annex B item 19"):
        set_reduced_rate("AB123456C", debt, "60.02", date(2025, 9, 1), "why", "me", date(2025, 6, 1))
    set_reduced_rate("AB123456C", debt, "60.01", date(2025, 9, 1), "why", "me", date(2025, 6, 1))


def test_set_rate_for_a_social_fund_loan_is_below_its_agreed_amount_a9_2025_31() -> None:
    """A Social Fund loan is recovered at its agreed amount (Annex B item 14), so that is the rate a reduced
    rate replaces: 11.00 agreed refuses 50.00 (and 11.00), takes 10.99."""
    events(uc_award(), dwp_debt(debt_type="SOCIAL_FUND_LOAN").replace('"created_on"', '"agreed_amount": "11.00", "created_on"'))
    debt = str(Debt.objects.get().pk)
    for amount in ("50.00", "11.00"):
        with pytest.raises(DmsError, match=r"lower than the rate it replaces, 11.00 \(the Social Fund loan's agreed"):
            set_reduced_rate("AB123456C", debt, amount, date(2025, 9, 1), "why", "me", date(2025, 6, 1))
    set_reduced_rate("AB123456C", debt, "10.99", date(2025, 9, 1), "why", "me", date(2025, 6, 1))


def test_set_rate_by_a_reference_two_debts_share_asks_for_the_id() -> None:
    """References are unique per creditor only: a person's own HMRC debt and a DWP debt held jointly with
    them may share one. --debt with that reference is refused, listing the ids."""
    events(uc_award(), uc_award("UC2", nino="CE123456A"),
           line("ref-H", "debt.referred", occurred_on="2025-04-08", creditor="HMRC", creditor_ref="X",
                debt_type="OVERPAYMENT", classification="NON_FRAUD", amount="300.00",
                created_on="2025-04-01"),
           line("ref-D", "debt.referred", nino="CE123456A", occurred_on="2025-04-08", creditor="DWP",
                creditor_ref="X", debt_type="OVERPAYMENT", classification="NON_FRAUD", amount="300.00",
                created_on="2025-04-01", joint_nino="AB123456C"))
    with pytest.raises(DmsError, match="2 held debts with this reference"):
        set_reduced_rate("AB123456C", "X", "10.00", date(2025, 9, 1), "why", "me", date(2025, 6, 1))
    assert not ReducedRate.objects.exists()


def test_set_rate_on_a_joint_debt_is_below_the_rate_it_is_recovered_at_from_either_debtor() -> None:
    """A joint debt owned by someone with no benefit is recovered from the other debtor's JSA at £13.95 a
    week: a "reduced" rate of £50.00 is refused for either of them."""
    events(legacy_award(first="2025-06-02"),
           line("ref-J", "debt.referred", nino="CE123456A", occurred_on="2025-04-08", creditor="DWP",
                creditor_ref="J", debt_type="OVERPAYMENT", classification="NON_FRAUD", amount="300.00",
                created_on="2025-04-01", joint_nino="AB123456C"))
    debt = str(Debt.objects.get().pk)
    for nino in ("AB123456C", "CE123456A"):
        with pytest.raises(DmsError, match=r"lower than the rate it replaces, 13.95"):
            set_reduced_rate(nino, debt, "50.00", date(2025, 9, 1), "why", "me", date(2025, 6, 1))


def test_set_rate_on_a_legacy_benefit_is_below_the_weekly_rate() -> None:
    events(legacy_award(first="2025-06-02"), dwp_debt())
    debt = str(Debt.objects.get().pk)
    with pytest.raises(DmsError, match=r"13.95 \(the legacy weekly rate on 2025-06-01\)"):
        set_reduced_rate("AB123456C", debt, "14.00", date(2025, 9, 1), "why", "me", date(2025, 6, 1))
    assert not ReducedRate.objects.exists()


def test_set_rate_only_for_a_debt_in_recovery_and_never_back_dated() -> None:
    """A reduced rate is for a debt being recovered (OPEN), from a date the run has not yet done."""
    events(uc_award(), dwp_debt(), period())
    debt = Debt.objects.get()
    debt.change_status(DebtStatus.SUSPENDED, business_date=date(2025, 6, 1), actor="t", reason="test")
    with pytest.raises(DmsError, match="SUSPENDED, not being recovered by deduction"):
        set_reduced_rate("AB123456C", str(debt.pk), "10.00", date(2025, 9, 1), "why", "me", date(2025, 6, 1))
    debt.change_status(DebtStatus.OPEN, business_date=date(2025, 6, 2), actor="t", reason="test")
    from dms.services.daily_run import run_through

    run_through(date(2025, 6, 7))
    with pytest.raises(DmsError, match="the daily run has already done 2025-06-07"):
        set_reduced_rate("AB123456C", str(debt.pk), "10.00", date(2025, 9, 1), "why", "me", date(2025, 6, 1))
    assert not ReducedRate.objects.exists()


def test_set_rate_for_a_debt_held_jointly_by_the_person() -> None:
    """The other debtor of a joint debt may ask for a reduced rate on it too (A9/2025 §31)."""
    events(uc_award(), uc_award("UC2", nino="CE123456A"),
           line("ref-J", "debt.referred", occurred_on="2025-04-08", creditor="DWP", creditor_ref="J",
                debt_type="OVERPAYMENT", classification="NON_FRAUD", amount="300.00", created_on="2025-04-01",
                joint_nino="CE123456A"))
    debt = Debt.objects.get()
    set_reduced_rate("CE123456A", str(debt.pk), "10.00", date(2025, 9, 1), "why", "me", date(2025, 6, 1))
    assert ReducedRate.objects.get().debt_id == debt.pk


def test_deductions_list_a_reversed_instalment_says_when_and_why() -> None:
    """recovery-rules.md §4: a missed instalment is reversed; its row says so."""
    events(legacy_award(first="2025-06-02"), dwp_debt())
    run_day(date(2025, 6, 2))
    events(line("m1", "benefit.payment_missed", occurred_on="2025-06-03", award_ref="JSA1", pay_date="2025-06-02"))
    run_day(date(2025, 6, 3))
    (row,) = list_deductions("AB123456C")
    assert row["status"] == "REVERSED"
    assert "\nReversed on 2025-06-03: missed instalment: JSA not paid on 2025-06-02" in row["explanation"]


def test_set_rate_is_shown_with_who_when_why_and_review_date_in_debtor_show() -> None:
    """A9/2025 §31: the rate is recorded with who, when and why, and staff can see it."""
    from dms.services.debtors import reduced_rates_of

    events(uc_award(), dwp_debt())
    debt = Debt.objects.get()
    set_reduced_rate("AB123456C", str(debt.pk), "10.00", date(2025, 9, 1), "affordability request", "j.smith",
                     date(2025, 6, 1))
    assert reduced_rates_of("AB123456C") == [
        {"debt_id": debt.pk, "amount": "10.00", "per": "per assessment period", "from": "2025-06-01", "until": "2025-09-01", "actor": "j.smith",
         "reason": "affordability request"}]


# --------------------------------------------------------------------------- dates the facts took effect


def jsa_weekly_instalment() -> int:
    """The standard legacy instalment on a weekly pay date in 2025/26: 3 units of £4.65 (recovery-rules.md §4)."""
    return 1395



def test_a_uc_award_s_end_corrected_is_the_one_its_returned_hb_debt_s_status_reason_names() -> None:
    """events.md §2 ``award.ended`` (HB debts cease, UC_AWARD_ENDED), README ``dms debtor show``
    (``status_reason``) and docs/events-notes.md "An award's end corrected": the UC award's end on 2025-04-30
    (event e1) returns HB1. A later report (event e2) moves the end to 2025-05-31: HB1 stays returned, and its
    status reason names the end in force, the end and event it was returned for, and that the LA may refer it
    again, in a status change beside the first (its audit stays), from the day it was returned. A further
    report (e4) moving it again names the end in force and still the end and event it was returned for (e1),
    not the report before it; one repeating an end (e3) changes nothing."""
    events(uc_award())
    hb_debt()
    events(line("e1", "award.ended", occurred_on="2025-05-01", award_ref="UC1", end_date="2025-04-30",
                reason="AWARD_ENDED"))
    run_day(date(2025, 5, 1))
    first = ("UC_AWARD_ENDED: the UC award ended on 2025-04-30 with no other benefit in payment to recover from "
             "(hb-debt-interface.md §6.5)")
    assert (shown("HB1")["status"], shown("HB1")["status_reason"]) == ("RETURNED", first)
    events(line("e2", "award.ended", occurred_on="2025-05-10", award_ref="UC1", end_date="2025-05-31",
                reason="AWARD_ENDED"))
    assert (shown("HB1")["status"], shown("HB1")["status_since"]) == ("RETURNED", "2025-05-01")
    assert shown("HB1")["status_reason"] == (
        "UC_AWARD_ENDED: the UC award ended on 2025-05-31 (event e2, correcting 2025-04-30 of event e1, the end "
        "it was returned for): it stays returned, and the LA may refer it again while a benefit is in payment "
        "(hb-debt-interface.md §6.5)")
    assert DebtStatusChange.objects.get(debt__creditor_ref="HB1", to_status="RETURNED", restates=False).reason == first
    events(line("e3", "award.ended", occurred_on="2025-05-12", award_ref="UC1", end_date="2025-05-31",
                reason="AWARD_ENDED"),
           line("e4", "award.ended", occurred_on="2025-05-20", award_ref="UC1", end_date="2025-06-30",
                reason="AWARD_ENDED"))
    assert shown("HB1")["status_reason"].startswith(
        "UC_AWARD_ENDED: the UC award ended on 2025-06-30 (event e4, correcting 2025-04-30 of event e1, the end "
        "it was returned for)")
    assert DebtStatusChange.objects.filter(debt__creditor_ref="HB1", restates=True).count() == 2
    assert status("HB1") == ("RETURNED", "UC_AWARD_ENDED") and check_ledger().ok


def _uc_end_reported(*ends: tuple[str, str, str]) -> None:
    """£300.00 DWP (BA1) and £500.00 HB (HB1) debts on UC1; the May period paid 2025-06-07 and the June period
    (2025-06-01 to 06-30) paid 2025-07-07 both take £30.01 from each; then each ``(event_id, occurred_on,
    end_date)`` of ``ends`` is imported and run on its ``occurred_on``."""
    from test_recovery_daily_deductions import uc_period_of

    events(uc_award(), dwp_debt(), period(), uc_period_of("ap6", "2025-06-01", "2025-06-30", "2025-07-07"))
    hb_debt()
    run_day(PAY)
    run_day(date(2025, 7, 7))
    for event_id, reported, end in ends:
        events(line(event_id, "award.ended", occurred_on=reported, award_ref="UC1", end_date=end,
                    reason="AWARD_ENDED"))
        run_day(date.fromisoformat(reported))


def test_a_uc_award_s_end_moved_later_takes_again_the_final_period_s_deductions_the_earlier_end_reversed() -> None:
    """events.md §2 ``award.ended`` ("no benefit in payment after ``end_date``"; the award's period containing
    the end date is in payment and stands) with docs/events-notes.md "A late report does not overwrite a later
    one" (the report with the latest ``occurred_on`` stands, whatever order they arrive in) and "An award's end
    corrected" (**Decision**): the end 2025-05-20 (event e1, reported 2025-07-10) reverses the June period's
    deductions and returns HB1 (UC_AWARD_ENDED, £469.99). A later report (e2) moves the end to 2025-06-10,
    inside the June period, which now stands: its £30.01 to BA1, a debt still held, is taken again (the
    reversal stands; a new TAKEN deduction restores it), so BA1's balance is £239.98, as with the end 2025-06-10
    reported alone. HB1 stays returned with its £30.01 reversed (the Decision: the LA has it back). A third
    report of the same end takes nothing again twice."""
    _uc_end_reported(("e1", "2025-07-10", "2025-05-20"))
    assert [(r.debt.creditor_ref, r.date) for r in taken("REVERSED")] == [("BA1", date(2025, 7, 7)),
                                                                          ("HB1", date(2025, 7, 7))]
    events(line("e2", "award.ended", occurred_on="2025-07-15", award_ref="UC1", end_date="2025-06-10",
                reason="AWARD_ENDED"))
    assert not InboundEvent.objects.get(event_id="e2").applied  # the run takes the deductions again
    run_day(date(2025, 7, 15))
    listed = [(d["date"], d["ref"], d["amount"], d["status"]) for d in list_deductions(NINO)]
    assert listed == [("2025-06-07", "BA1", "30.01", "TAKEN"), ("2025-06-07", "HB1", "30.01", "TAKEN"),
                      ("2025-07-07", "BA1", "30.01", "REVERSED"), ("2025-07-07", "HB1", "30.01", "REVERSED"),
                      ("2025-07-07", "BA1", "30.01", "TAKEN")]
    again = Deduction.objects.get(restores__isnull=False)
    assert again.restores is not None and again.restores.debt is not None and again.restores.debt.creditor_ref == "BA1"
    assert "Reversed on 2025-07-10: taken from UC award UC1 after it ended on 2025-05-20" in again.explanation
    assert ("Taken again on 2025-07-15: in payment: the UC award UC1 ended on 2025-06-10 (event e2, correcting "
            "2025-05-20 of event e1), and the period containing its end date stands") in again.explanation
    assert shown("BA1")["balance"] == "239.98"
    assert (shown("HB1")["status"], shown("HB1")["balance"]) == ("RETURNED", "469.99")
    assert InboundEvent.objects.get(event_id="e2").applied and check_ledger().ok
    events(line("e3", "award.ended", occurred_on="2025-07-16", award_ref="UC1", end_date="2025-06-10",
                reason="AWARD_ENDED"))
    run_day(date(2025, 7, 16))
    assert len(taken()) == 3 and shown("BA1")["balance"] == "239.98" and check_ledger().ok


def test_a_uc_award_s_end_moved_later_gives_what_the_final_end_reported_once_gives() -> None:
    """The same rule (events.md §1-2; docs/events-notes.md "An award's end corrected"): BA1's balance and the
    deductions standing depend on the end in force, not on the order the reports arrived in. An end moved
    later but still before the June period (2025-05-31) takes nothing again; moved back earlier (e3,
    2025-05-20), the deduction taken again is reversed, as any taken after an end reported late; moved later
    once more (e4), it is taken again once, from that latest reversal."""
    _uc_end_reported(("e1", "2025-07-10", "2025-05-20"), ("e2", "2025-07-11", "2025-05-31"))
    assert shown("BA1")["balance"] == "269.99" and not Deduction.objects.filter(restores__isnull=False).exists()
    for event_id, reported, end, balance in (("e3", "2025-07-12", "2025-06-30", "239.98"),
                                             ("e4", "2025-07-13", "2025-05-20", "269.99"),
                                             ("e5", "2025-07-14", "2025-06-10", "239.98")):
        events(line(event_id, "award.ended", occurred_on=reported, award_ref="UC1", end_date=end,
                    reason="AWARD_ENDED"))
        run_day(date.fromisoformat(reported))
        assert shown("BA1")["balance"] == balance, event_id
    assert [(r.debt.creditor_ref if r.debt else "", r.status, r.restores_id is not None)
            for r in Deduction.objects.filter(date=date(2025, 7, 7)).order_by("pk")] == [
        ("BA1", "REVERSED", False), ("HB1", "REVERSED", False), ("BA1", "REVERSED", True), ("BA1", "TAKEN", True)]
    assert shown("HB1")["status"] == "RETURNED" and check_ledger().ok


def test_a_uc_award_s_end_moved_later_than_the_run_takes_again_on_the_day_it_is_reported() -> None:
    """The same rule (events.md §2 ``award.ended``; docs/events-notes.md "An award's end corrected"): an end
    moved later to a day the run has not reached (2025-09-30, reported 2025-07-15) leaves the June period in
    payment; its deduction is taken again by the run of the day the report arrives, not after the new end."""
    _uc_end_reported(("e1", "2025-07-10", "2025-05-20"), ("e2", "2025-07-15", "2025-09-30"))
    [again] = Deduction.objects.filter(restores__isnull=False)
    assert (again.ref, again.date, again.status) == ("BA1", date(2025, 7, 7), "TAKEN")
    assert shown("BA1")["balance"] == "239.98" and InboundEvent.objects.get(event_id="e2").applied
    assert shown("HB1")["status"] == "RETURNED" and check_ledger().ok


def test_a_uc_award_s_end_moved_later_does_not_take_again_what_was_paid_after_the_death() -> None:
    """recovery-rules.md §6 (deductions stop at death) with the same rule: the end moved later (e2, 2025-06-10)
    leaves the June period in payment, but its payment of 2025-07-07 came after the debtor's death on
    2025-07-01 (reported between the two ends), so nothing is taken again: BA1 goes to the estate at
    £269.99, as with the death and the end 2025-06-10 reported in time."""
    _uc_end_reported(("e1", "2025-07-10", "2025-05-20"))
    events(line("died", "person.died", occurred_on="2025-07-12", date_of_death="2025-07-01"))
    run_day(date(2025, 7, 12))
    events(line("e2", "award.ended", occurred_on="2025-07-13", award_ref="UC1", end_date="2025-06-10",
                reason="AWARD_ENDED"))
    run_day(date(2025, 7, 13))
    assert not Deduction.objects.filter(restores__isnull=False).exists()
    assert (shown("BA1")["status"], shown("BA1")["balance"]) == ("ESTATE", "269.99") and check_ledger().ok


def _uc_periods_to_august(*ends: tuple[str, str, str], also: tuple[tuple[str, str], ...] = (),
                          with_hb: bool = False) -> None:
    """UC1 (single, 25 or over) with BA1 (£300.00 DWP, non-fraud); its periods 2025-05-01 to 05-31 (paid
    06-07), 06-01 to 06-30 (paid 07-07) and 07-01 to 07-31 (paid 08-07), £800.00 each, all held on day one;
    each takes 15% of the standard allowance £400.14, £60.02. The run goes day by day over the payment dates
    and the report days to 2025-08-20; each ``(event_id, occurred_on, end_date)`` of ``ends`` is imported on
    its ``occurred_on``, before that day's run, as is each line of ``also`` (``(day, event line)``); HB1 (£500.00
    HB) is held beside BA1 ``with_hb``."""
    from test_recovery_daily_deductions import uc_period_of

    events(uc_award(), dwp_debt(), uc_period_of("ap5", "2025-05-01", "2025-05-31", "2025-06-07"),
           uc_period_of("ap6", "2025-06-01", "2025-06-30", "2025-07-07"),
           uc_period_of("ap7", "2025-07-01", "2025-07-31", "2025-08-07"))
    if with_hb:
        hb_debt()
    days = sorted({date(2025, 6, 7), date(2025, 7, 7), date(2025, 8, 7), date(2025, 8, 20),
                   *(date.fromisoformat(reported) for _, reported, _ in ends),
                   *(date.fromisoformat(day) for day, _ in also)})
    for day in days:
        todo = [event for on, event in also if date.fromisoformat(on) == day]
        if todo:
            events(*todo)
        for event_id, reported, end in ends:
            if date.fromisoformat(reported) == day:
                events(line(event_id, "award.ended", occurred_on=reported, award_ref="UC1", end_date=end,
                            reason="AWARD_ENDED"))
        run_day(day)


@pytest.mark.parametrize("ends", [
    pytest.param([("e1", "2025-07-10", "2025-08-31")], id="the end reported once"),
    pytest.param([("e1", "2025-06-05", "2025-06-20"), ("e2", "2025-08-15", "2025-08-31")], id="end known in time"),
    pytest.param([("e1", "2025-07-10", "2025-06-20"), ("e2", "2025-08-15", "2025-08-31")], id="end reported late"),
    pytest.param([("e1", "2025-06-05", "2025-06-20"), ("e2", "2025-08-15", "2025-07-15")],
                 id="end moved inside the period"),
    pytest.param([("e1", "2025-06-05", "2025-06-20"), ("e2", "2025-07-10", "2025-06-25"),
                  ("e3", "2025-08-15", "2025-08-31")], id="moved later twice, the period passed once"),
    pytest.param([("e1", "2025-06-05", "2025-06-20"), ("e2", "2025-08-10", "2025-07-15"),
                  ("e3", "2025-08-15", "2025-08-31")], id="moved later twice, the period taken by the first move"),
])
def test_a_uc_award_s_end_moved_later_takes_the_periods_the_run_passed_under_the_earlier_end(
        ends: list[tuple[str, str, str]]) -> None:
    """events.md §2 ``award.ended`` ("no benefit in payment after ``end_date``"; the period containing the end
    stands; §1: the report with the latest ``occurred_on`` stands) and docs/events-notes.md "An award's end
    corrected" (**Decision**: the result is the one the end in force reported once gives, whatever order the
    reports arrived in). An earlier end (2025-06-20), known when the July period (starting 07-01) was paid on
    2025-08-07, made the run process that period with nothing taken. A later report moving the end on or
    after 07-01 (08-31; or 07-15, inside the period) puts it back in payment: the run that applies the report
    takes it, marked late, worked out as on its payment date (docs/events-notes.md "A UC period reported after
    its payment date"). BA1 ends with 3 x £60.02 = £180.06 recovered, as with the end 08-31 reported once;
    nothing is taken twice, by a further run or a further report."""
    _uc_periods_to_august(*ends)
    assert (shown("BA1")["recovered"], shown("BA1")["balance"]) == ("180.06", "119.94")
    july = [r for r in taken() if r.period is not None and r.period.event_id == "ap7"]
    assert [(r.ref, r.amount_pence) for r in july] == [("BA1", 6002)] and not taken("REVERSED")
    moved = [event_id for event_id, _, _ in ends[1:]]
    if moved:  # taken late by the run of the report that moved the end past the period's start
        [late] = july
        taken_on = JournalEntry.objects.get(pk=late.entry_id).business_date
        reported = {event_id: date.fromisoformat(day) for event_id, day, _ in ends}
        by = next(event_id for event_id in moved if reported[event_id] == taken_on)
        (before, _, corrected), (_, _, end) = ends[[e for e, _, _ in ends].index(by) - 1: ][:2]
        assert late.date == taken_on and late.explanation_facts is not None
        assert late.explanation.startswith(
            f"Taken after its payment date 2025-08-07, on {taken_on} (late): in payment: the UC award UC1 ended "
            f"on {end} (event {by}, correcting {corrected} of event {before})")
        assert "the run passed this period under the earlier end, taking nothing" in late.explanation
        assert InboundEvent.objects.get(event_id=by).applied
    events(line("again", "award.ended", occurred_on="2025-08-21", award_ref="UC1", end_date=ends[-1][2],
                reason="AWARD_ENDED"))
    run_day(date(2025, 8, 21))
    assert shown("BA1")["recovered"] == "180.06" and len(taken()) == 3 and check_ledger().ok


def test_a_uc_award_s_end_moved_later_takes_a_period_passed_only_for_the_debts_still_held() -> None:
    """The same rule, for the debts still held (docs/events-notes.md "An award's end corrected": an HB debt the
    earlier end returned stays returned, the LA having it back): with HB1 (£500.00) beside BA1, each period
    paid before HB1 is returned (UC_AWARD_ENDED) the day after the end 2025-06-20 takes £30.01 for each, the June
    period (containing the end, paid 07-07) £60.02 for BA1. The end moved to 2025-08-31 puts the July period
    back in payment, and its £60.02 goes to BA1 alone: HB1 stays returned with £469.99."""
    _uc_periods_to_august(("e1", "2025-06-05", "2025-06-20"), ("e2", "2025-08-15", "2025-08-31"), with_hb=True)
    assert [(r.ref, r.amount_pence) for r in taken() if r.period is not None and r.period.event_id == "ap7"] == [
        ("BA1", 6002)]
    assert (shown("BA1")["recovered"], shown("BA1")["balance"]) == ("150.05", "149.95")
    assert (shown("HB1")["status"], shown("HB1")["balance"]) == ("RETURNED", "469.99") and check_ledger().ok


def test_a_uc_award_s_end_moved_later_does_not_take_a_period_passed_under_the_earlier_end_after_the_death() -> None:
    """recovery-rules.md §6 (deductions stop at death) with the same rule: the July period, paid 2025-08-07
    and passed under the end 2025-06-20, was paid after the debtor's death on 2025-08-01 (reported 08-10), so
    the end moved to 2025-08-31 takes nothing from it: BA1 goes to the estate with £120.04 recovered."""
    _uc_periods_to_august(("e1", "2025-06-05", "2025-06-20"), ("e2", "2025-08-15", "2025-08-31"), also=(
        ("2025-08-10", line("died", "person.died", occurred_on="2025-08-10", date_of_death="2025-08-01")),))
    assert len(taken()) == 2
    assert (shown("BA1")["status"], shown("BA1")["recovered"]) == ("ESTATE", "120.04") and check_ledger().ok


def test_a_legacy_award_s_end_moved_later_takes_again_the_instalments_of_pay_dates_up_to_the_new_end() -> None:
    """events.md §2 ``award.ended`` ("no benefit in payment after ``end_date``") and docs/events-notes.md "An
    award's end corrected" (**Decision**): JSA paid weekly on Mondays; BA1 (£300.00 DWP) and HB1 (£500.00 HB)
    share each instalment (recovery-rules.md §4). The end 2025-06-12 (event e1, reported 2025-06-25) reverses
    the instalments of 06-16 and 06-23 and returns HB1 (CLAIM_CEASED). A later report (e2) moves the end to
    2025-06-20: the pay date 06-16, paying for days up to the new end, was in payment, and BA1's share of it
    is taken again; 06-23, after the end, stays reversed; HB1 stays returned. BA1's balance is the one the end
    2025-06-20 reported once gives."""
    events(legacy_award(first="2025-06-02"), dwp_debt())
    hb_debt()
    for day in (date(2025, 6, 2), date(2025, 6, 9), date(2025, 6, 16), date(2025, 6, 23)):
        run_day(day)
    share = {r.debt.creditor_ref: r.amount_pence for r in taken() if r.date == date(2025, 6, 16) and r.debt}
    events(line("e1", "award.ended", occurred_on="2025-06-25", award_ref="JSA1", end_date="2025-06-12",
                reason="CLAIM_CEASED"))
    run_day(date(2025, 6, 25))
    assert [r.date for r in taken("REVERSED")] == [date(2025, 6, 16)] * 2 + [date(2025, 6, 23)] * 2
    events(line("e2", "award.ended", occurred_on="2025-06-27", award_ref="JSA1", end_date="2025-06-20",
                reason="CLAIM_CEASED"))
    run_day(date(2025, 6, 27))
    [again] = Deduction.objects.filter(restores__isnull=False)
    assert (again.date, again.ref, again.amount_pence, again.status) == (date(2025, 6, 16), "BA1", share["BA1"],
                                                                         "TAKEN")
    assert "its pay date pays for days up to its end date" in again.explanation
    taken_for_ba1 = sum(r.amount_pence for r in taken() if r.ref == "BA1")
    assert taken_for_ba1 == 3 * share["BA1"]
    assert shown("BA1")["balance"] == format_pounds(30000 - taken_for_ba1)
    assert (shown("HB1")["status"], shown("HB1")["balance"]) == ("RETURNED", format_pounds(50000 - share["HB1"] * 2))
    assert check_ledger().ok


def _legacy_end_known_in_time(end: str = "2025-06-12") -> dict[str, int]:
    """JSA paid weekly on Mondays from 2025-06-02; BA1 (£300.00 DWP) and HB1 (£500.00 HB) share each instalment
    (recovery-rules.md §4). The end ``end`` (event e1) is reported in time, on 2025-06-11; the run goes on to
    2025-06-23, passing the pay dates after the end with nothing taken, and HB1 is returned (CLAIM_CEASED).
    Returns the shares of the 2025-06-09 instalment."""
    events(legacy_award(first="2025-06-02"), dwp_debt())
    hb_debt()
    run_day(date(2025, 6, 2))
    run_day(date(2025, 6, 9))
    share = {r.ref: r.amount_pence for r in taken() if r.date == date(2025, 6, 9)}
    events(line("e1", "award.ended", occurred_on="2025-06-11", award_ref="JSA1", end_date=end,
                reason="CLAIM_CEASED"))
    for day in range(11, 24):
        run_day(date(2025, 6, day))
    assert max(r.date for r in taken()) == date(2025, 6, 9) and status("HB1") == ("RETURNED", "CLAIM_CEASED")
    return share


def test_a_legacy_award_s_end_moved_later_takes_the_pay_dates_the_run_passed_under_the_earlier_end() -> None:
    """events.md §2 ``award.ended`` ("no benefit in payment after ``end_date``"; §1: the report with the
    latest ``occurred_on`` stands) and docs/events-notes.md "An award's end corrected" (**Decision**: the
    result is the one the end in force reported once gives, whatever order the reports arrived in). The end
    2025-06-12, known in time, made the run pass the pay dates 2025-06-16 and 06-23 with nothing taken. A
    later report (e2, 2025-06-27) moves the end to 2025-06-20: the 06-16 pay date, paying for days up to the
    new end, was in payment, and its instalment is taken by the run of the report's day, worked out as on its
    pay date for the debts still held (BA1 only: HB1 stays returned, so BA1 takes the whole instalment, as a
    UC period taken late gives a returned debt's share to the others), dated 06-16, posted 06-27 and marked
    late. 06-23, after the new end, is not taken; nothing is taken twice."""
    share = _legacy_end_known_in_time()
    events(line("e2", "award.ended", occurred_on="2025-06-27", award_ref="JSA1", end_date="2025-06-20",
                reason="CLAIM_CEASED"))
    assert not InboundEvent.objects.get(event_id="e2").applied  # the run takes the pay date passed
    run_day(date(2025, 6, 27))
    [late] = [r for r in taken() if r.date > date(2025, 6, 9)]
    assert (late.date, late.ref, late.amount_pence, late.source) == (date(2025, 6, 16), "BA1",
                                                                    share["BA1"] + share["HB1"], "JSA")
    assert late.restores is None and late.entry_id is not None
    assert JournalEntry.objects.get(pk=late.entry_id).business_date == date(2025, 6, 27)
    assert late.explanation.startswith("Taken after its pay date 2025-06-16, on 2025-06-27 (late): in payment: "
                                       "the JSA award JSA1 ended on 2025-06-20 (event e2, correcting 2025-06-12 "
                                       "of event e1)")
    assert late.explanation_facts["late"] is True and late.explanation_facts["run_date"] == "2025-06-27"
    assert [(d["date"], d["ref"], d["status"]) for d in list_deductions(NINO)][-1] == ("2025-06-16", "BA1",
                                                                                       "TAKEN")
    assert InboundEvent.objects.get(event_id="e2").applied
    assert shown("BA1")["balance"] == format_pounds(30000 - sum(r.amount_pence for r in taken() if r.ref == "BA1"))
    assert (shown("HB1")["status"], shown("HB1")["balance"]) == (
        "RETURNED", format_pounds(50000 - sum(r.amount_pence for r in taken() if r.ref == "HB1")))
    assert len(taken()) == 5
    events(line("e3", "award.ended", occurred_on="2025-06-28", award_ref="JSA1", end_date="2025-06-20",
                reason="CLAIM_CEASED"))
    run_day(date(2025, 6, 28))
    run_day(date(2025, 6, 30))
    assert len(taken()) == 5 and check_ledger().ok


def test_a_legacy_award_s_end_moved_later_than_the_run_takes_each_pay_date_passed_as_on_its_day() -> None:
    """The same rule (events.md §2 ``award.ended``; docs/events-notes.md "An award's end corrected"), with
    recovery-rules.md §4 (an instalment per pay period, from the days its pay date pays for) and
    docs/recovery-notes.md "Sanctions and legacy instalments": the end 2025-06-12, known in time, is moved to
    2025-09-30 on 2025-06-25. The pay dates the run passed, 06-16 and 06-23, are each worked out on 06-25 as
    on its own pay date: 06-16 pays for 06-10 to 06-16, all under a 100% sanction (a week from 06-10, reported
    on 06-14), and takes nothing; 06-23 pays for a whole week and takes its instalment, for BA1 alone (HB1
    stays returned); then 06-30 is taken by its own run."""
    share = _legacy_end_known_in_time()
    events(line("s1", "person.sanction", occurred_on="2025-06-14", rate_percent=100, start_date="2025-06-10",
                duration_weeks=1))
    run_day(date(2025, 6, 24))
    events(line("e2", "award.ended", occurred_on="2025-06-25", award_ref="JSA1", end_date="2025-09-30",
                reason="CLAIM_CEASED"))
    run_day(date(2025, 6, 25))
    [late] = [r for r in taken() if r.date > date(2025, 6, 9)]
    assert (late.date, late.ref, late.amount_pence) == (date(2025, 6, 23), "BA1", share["BA1"] + share["HB1"])
    assert JournalEntry.objects.get(pk=late.entry_id).business_date == date(2025, 6, 25)
    run_day(date(2025, 6, 30))
    assert [r.date for r in taken() if r.date > date(2025, 6, 23)] == [date(2025, 6, 30)]
    assert check_ledger().ok


def test_an_award_s_end_moved_later_takes_again_an_la_debt_still_held_on_the_la_s_payment_schedule() -> None:
    """hb-debt-interface.md §4.2 (the payment schedule's ``DEDUCTION`` lines) with docs/events-notes.md "An
    award's end corrected": HB1 is not returned for UC1's end (2025-05-20, reported late) because JSA2 is in
    payment from 2025-05-21 (events.md §2; hb-debt-interface.md §6.2), so it is still held. The end moved to
    2025-06-10 takes the June period's £30.01 for HB1 again: the LA is paid it again, a ``DEDUCTION`` line
    on its July schedule after the ``CORRECTION`` of the reversal."""
    from lxml import etree
    from test_recovery_daily_deductions import uc_period_of

    from dms.services import payments

    events(uc_award(), dwp_debt(), period(), uc_period_of("ap6", "2025-06-01", "2025-06-30", "2025-07-07"),
           line("start-JSA2", "award.started", award_ref="JSA2", benefit="JSA", start_date="2025-05-21",
                legacy={"weekly_amount": "90.50", "pay_frequency": "WEEKLY", "first_pay_date": "2025-08-04"}))
    hb_debt()
    run_day(PAY)
    run_day(date(2025, 7, 7))
    events(line("e1", "award.ended", occurred_on="2025-07-10", award_ref="UC1", end_date="2025-05-20",
                reason="AWARD_ENDED"))
    run_day(date(2025, 7, 10))
    assert status("HB1") == ("OPEN", "") and len(taken("REVERSED")) == 2
    events(line("e2", "award.ended", occurred_on="2025-07-15", award_ref="UC1", end_date="2025-06-10",
                reason="AWARD_ENDED"))
    run_day(date(2025, 7, 15))
    assert sorted(r.ref for r in Deduction.objects.filter(restores__isnull=False)) == ["BA1", "HB1"]
    assert (shown("BA1")["balance"], shown("HB1")["balance"]) == ("239.98", "439.98")
    result = payments.run_month_end(date(2025, 8, 1))
    assert result is not None
    [written] = result.files
    ns = {"s": "urn:dms:hb-debt:1"}
    lines = [(x.findtext("s:Kind", namespaces=ns), x.findtext("s:Amount", namespaces=ns),
              x.findtext("s:BalanceAfter", namespaces=ns))
             for x in etree.parse(str(written.path)).findall("s:Line", ns)]
    assert lines == [("DEDUCTION", "30.01", "439.98"), ("CORRECTION", "-30.01", "469.99"),
                     ("DEDUCTION", "30.01", "439.98")]
    assert check_ledger().ok


def test_award_ended_before_an_hb_debt_was_taken_on_does_not_cease_it() -> None:
    """events.md §2 ``award.ended`` and hb-debt-interface.md §6.5 ``CLAIM_CEASED``: an HB debt taken on after
    an award ended, while another benefit was in payment, is recovered from that benefit; the earlier
    award's end is no cessation of it. A debt held when the award ended, with nothing else in payment,
    still ceases."""
    events(legacy_award(ref="ESA1"),
           line("end", "award.ended", occurred_on="2025-06-10", award_ref="ESA1", end_date="2025-06-10",
                reason="CLAIM_CEASED"),
           line("start-JSA2", "award.started", award_ref="JSA2", benefit="JSA", start_date="2025-06-16",
                legacy={"weekly_amount": "90.50", "pay_frequency": "WEEKLY", "first_pay_date": "2025-06-23"}))
    hb_debt("HB0", received=date(2025, 6, 2))
    run_day(date(2025, 6, 11))
    assert status("HB0") == ("RETURNED", "CLAIM_CEASED")
    hb_debt("HB1", received=date(2025, 6, 17))
    for day in (date(2025, 6, 17), date(2025, 6, 18), date(2025, 6, 23)):
        run_day(day)
        assert status("HB1") == ("OPEN", ""), day
    assert [(r.date, r.debt.creditor_ref, r.amount_pence) for r in taken()][-1] == (
        date(2025, 6, 23), "HB1", jsa_weekly_instalment())


def test_legacy_deductions_after_an_award_end_reported_late_are_reversed_before_the_hb_debt_ceases() -> None:
    """events.md §2: no benefit in payment after ``end_date``. Instalments taken on pay dates after the end,
    because the end was reported late, are reversed (with the reason), and the HB debt then ceases
    ``CLAIM_CEASED`` with the balance that leaves (hb-debt-interface.md §6.5)."""
    events(legacy_award(first="2025-06-02"))
    hb_debt()
    for day in (date(2025, 6, 2), date(2025, 6, 9), date(2025, 6, 16)):
        run_day(day)
    assert len(taken()) == 3
    events(line("end", "award.ended", occurred_on="2025-06-17", award_ref="JSA1", end_date="2025-06-05",
                reason="CLAIM_CEASED"))
    assert not InboundEvent.objects.get(event_id="end").applied  # the run reverses what was taken after it
    run_day(date(2025, 6, 17))
    assert [r.date for r in taken()] == [date(2025, 6, 2)]
    reversed_rows = taken("REVERSED")
    assert [r.date for r in reversed_rows] == [date(2025, 6, 9), date(2025, 6, 16)]
    assert all(r.reversed_on == date(2025, 6, 17) and "after it ended on 2025-06-05" in r.reversal_reason
               for r in reversed_rows)
    debt = Debt.objects.get(creditor_ref="HB1")
    assert status("HB1") == ("RETURNED", "CLAIM_CEASED")
    assert debt.cessations.get().balance_returned_pence == 50000 - jsa_weekly_instalment()
    assert InboundEvent.objects.get(event_id="end").applied and check_ledger().ok
    run_day(date(2025, 6, 17))
    assert len(taken("REVERSED")) == 2


_REPORTED_LATE = {  # each dated 2025-06-05, between the instalments of 06-02 and 06-09, reported on 06-12; the
    # sanction from 06-03, so that it covers the whole week the 06-09 pay date pays for (paid in arrears)
    "award.ended": ("CLAIM_CEASED", {"award_ref": "JSA1", "end_date": "2025-06-05", "reason": "CLAIM_CEASED"}),
    "person.died": ("DEATH", {"date_of_death": "2025-06-05"}),
    "person.sanction": ("SANCTION", {"rate_percent": 100, "start_date": "2025-06-03", "duration_weeks": 13}),
    "person.insolvency": ("INSOLVENCY", {"kind": "BANKRUPTCY", "start_date": "2025-06-05"}),
}


@pytest.mark.parametrize("imported", ["before a catch-up run", "day by day"])
@pytest.mark.parametrize("kind", list(_REPORTED_LATE))
def test_a_late_report_reverses_the_deductions_after_it_before_the_hb_debt_ceases_in_a_catch_up_too(
        kind: str, imported: str, data_dir: object) -> None:
    """events.md §2 (no benefit in payment after an award's ``end_date``; deductions stop at death; a 100%
    sanction of 13 weeks returns HB debts; an insolvency's debts are not recovered by deduction from its
    start) and hb-debt-interface.md §4.1 (``BalanceReturned``: the balance held at cessation;
    ``AmountRecovered``: all recovered): the instalment taken after the fact, reported late, is reversed on
    the same run day as the HB debt ceases, so the LA gets one cessation with the balance the debt should have
    had. The same whether the event is imported before a catch-up ``dms run`` over the days up to its
    ``occurred_on`` or on that day (docs/events-notes.md "A catch-up run acts on what DMS holds when it
    runs": only the day an action is recorded on differs)."""
    from dms.services.daily_run import run_through

    reason, fields = _REPORTED_LATE[kind]
    events(legacy_award(first="2025-06-02"))
    hb_debt()
    run_through(date(2025, 6, 2))
    run_through(date(2025, 6, 9))
    assert [r.date for r in taken()] == [date(2025, 6, 2), date(2025, 6, 9)]
    if imported == "day by day":
        run_through(date(2025, 6, 11))
    events(line("late", kind, occurred_on="2025-06-12", **fields))
    run_through(date(2025, 6, 12))
    debt = Debt.objects.get(creditor_ref="HB1")
    cessations = list(debt.cessations.order_by("pk"))
    assert [(c.reason, c.balance_returned_pence, c.amount_recovered_pence) for c in cessations] == [
        (reason, 50000 - jsa_weekly_instalment(), jsa_weekly_instalment())]
    assert [(r.date, r.reversed_on) for r in taken("REVERSED")] == [(date(2025, 6, 9), cessations[0].cessation_date)]
    assert cessations[0].reported_on == cessations[0].cessation_date and check_ledger().ok


def test_uc_deductions_of_a_period_starting_after_a_late_reported_award_end_are_reversed() -> None:
    """The UC side of the same rule: a period starting after the award's end date carried no benefit, so
    the deductions already taken from it are reversed; the award's final period (containing the end date)
    stands."""
    from test_recovery_daily_deductions import uc_period_of

    events(uc_award(), dwp_debt(), uc_period_of("ap6", "2025-06-01", "2025-06-30", "2025-07-07"),
           uc_period_of("ap7", "2025-07-01", "2025-07-31", "2025-08-07"))
    run_day(date(2025, 7, 7))
    run_day(date(2025, 8, 7))
    events(line("end", "award.ended", occurred_on="2025-08-10", award_ref="UC1", end_date="2025-06-30",
                reason="AWARD_ENDED"))
    run_day(date(2025, 8, 11))
    assert [r.date for r in taken()] == [date(2025, 7, 7)]
    assert [r.date for r in taken("REVERSED")] == [date(2025, 8, 7)]
    assert debt_service.figures_of(Debt.objects.get()).balance_pence == 30000 - 6002
    assert check_ledger().ok


def test_deductions_after_a_death_reported_late_are_reversed_before_the_estate_takes_over() -> None:
    """recovery-rules.md §6: deductions stop at death. Those taken on pay dates after the date of death,
    because the death was reported late, are reversed; the DWP debt passes to the estate with the balance
    that leaves."""
    events(legacy_award(first="2025-06-02"), dwp_debt())
    for day in (date(2025, 6, 2), date(2025, 6, 9), date(2025, 6, 16)):
        run_day(day)
    events(line("died", "person.died", occurred_on="2025-06-17", date_of_death="2025-06-05"))
    run_day(date(2025, 6, 17))
    assert [r.date for r in taken()] == [date(2025, 6, 2)]
    assert all("death on 2025-06-05" in r.reversal_reason for r in taken("REVERSED"))
    debt = Debt.objects.get(creditor_ref="BA1")
    assert debt.status == DebtStatus.ESTATE
    assert debt_service.figures_of(debt).balance_pence == 30000 - jsa_weekly_instalment()
    assert check_ledger().ok


def test_a_debt_is_not_recovered_before_the_date_it_was_referred() -> None:
    """events.md §1: ``occurred_on`` is when the fact took effect. A ``debt.referred`` imported ahead of its
    date is not deducted from before it."""
    events(legacy_award(first="2025-06-02"),
           line("ref-LATER", "debt.referred", occurred_on="2025-06-12", creditor="DWP", creditor_ref="LATER",
                debt_type="OVERPAYMENT", classification="NON_FRAUD", amount="100.00", created_on="2025-06-12"))
    run_day(date(2025, 6, 2))
    run_day(date(2025, 6, 9))
    assert not taken()
    run_day(date(2025, 6, 16))
    assert [(r.date, r.amount_pence) for r in taken()] == [(date(2025, 6, 16), jsa_weekly_instalment())]


@pytest.mark.parametrize("restriction", ["BREATHING_SPACE", "SANCTION_100_8_WEEKS"])
def test_three_missed_instalments_count_only_payments_an_instalment_was_due_from(restriction: str) -> None:
    """recovery-rules.md §4: three missed *instalments* return an HB debt; §6: a breathing space stops
    recovery of the debts it covers (the HB debt is suspended), and a 100% sanction leaves no benefit to take
    an instalment from. Payments missed while nothing was due are no missed instalments: the HB debt is
    neither returned MISSED_INSTALMENTS nor taken out of the moratorium."""
    events(legacy_award(first="2025-06-02"))
    hb_debt()
    if restriction == "BREATHING_SPACE":
        events(line("bs", "person.insolvency", occurred_on="2025-06-01", kind="BREATHING_SPACE",
                    start_date="2025-06-01"))
    else:
        events(line("s1", "person.sanction", occurred_on="2025-06-01", rate_percent=100, start_date="2025-05-27",
                    duration_weeks=8))  # over the whole of each week the pay dates pay for
    run_day(date(2025, 6, 1))
    for n, pay in enumerate(("2025-06-02", "2025-06-09", "2025-06-16"), start=1):
        events(line(f"m{n}", "benefit.payment_missed", occurred_on=pay, award_ref="JSA1", pay_date=pay))
        run_day(date.fromisoformat(pay))
    assert not taken() and MissedInstalment.objects.count() == 0
    assert status("HB1") == (("SUSPENDED", "") if restriction == "BREATHING_SPACE" else ("OPEN", ""))


def test_three_missed_instalments_count_only_those_missed_while_the_hb_debt_was_held() -> None:
    """recovery-rules.md §4: three missed *instalments* return an HB debt. Payments missed before DMS held
    the debt were no instalments of it (nothing was owed, so nothing was due: they are not recorded)."""
    events(legacy_award(first="2025-06-02"))
    for n, pay in enumerate(("2025-06-02", "2025-06-09"), start=1):
        events(line(f"m{n}", "benefit.payment_missed", occurred_on=pay, award_ref="JSA1", pay_date=pay))
    run_day(date(2025, 6, 9))
    hb_debt(received=date(2025, 6, 10))
    events(line("m3", "benefit.payment_missed", occurred_on="2025-06-16", award_ref="JSA1", pay_date="2025-06-16"))
    run_day(date(2025, 6, 16))
    assert MissedInstalment.objects.count() == 1
    assert status("HB1") == ("OPEN", "")
    for n, pay in enumerate(("2025-06-23", "2025-06-30"), start=4):
        events(line(f"m{n}", "benefit.payment_missed", occurred_on=pay, award_ref="JSA1", pay_date=pay))
        run_day(date.fromisoformat(pay))
    assert status("HB1") == ("RETURNED", "MISSED_INSTALMENTS")


def _run_days(first: date, last: date) -> None:
    day = first
    while day <= last:
        run_day(day)
        day += timedelta(days=1)


def test_three_missed_instalments_count_the_person_s_instalments_whichever_legacy_award_they_were_taken_from(
        ) -> None:
    """recovery-rules.md §4: "Three missed instalments with no other prescribed benefit in payment return an HB
    debt (MISSED_INSTALMENTS)"; the instalment plan is the person's, whichever legacy award an instalment is
    taken from (**Decision**, docs/recovery-notes.md). ESA £100.00 a week on Mondays, JSA £100.00 a week on
    Wednesdays from 2025-06-12; HB1 (£500.00) received 2025-05-20. ESA's 06-09 and 06-16 payments are missed;
    ESA ends 06-17, the instalments move to JSA, and JSA's 06-18 payment is missed: the third missed
    instalment, with no other prescribed benefit in payment, returns HB1 with £500.00 - £13.95 (06-02)."""
    esa = line("start-ESA1", "award.started", award_ref="ESA1", benefit="ESA", start_date="2025-05-01",
               legacy={"weekly_amount": "100.00", "pay_frequency": "WEEKLY", "first_pay_date": "2025-06-02"})
    jsa = line("start-JSA1", "award.started", award_ref="JSA1", benefit="JSA", start_date="2025-06-12",
               legacy={"weekly_amount": "100.00", "pay_frequency": "WEEKLY", "first_pay_date": "2025-06-18"})
    events(esa, jsa)
    hb_debt(received=date(2025, 5, 20))
    _run_days(date(2025, 6, 2), date(2025, 6, 9))
    events(line("m1", "benefit.payment_missed", occurred_on="2025-06-10", award_ref="ESA1", pay_date="2025-06-09"),
           line("end", "award.ended", occurred_on="2025-06-17", award_ref="ESA1", end_date="2025-06-17",
                reason="CLAIM_CEASED"))
    _run_days(date(2025, 6, 10), date(2025, 6, 16))
    events(line("m2", "benefit.payment_missed", occurred_on="2025-06-17", award_ref="ESA1", pay_date="2025-06-16"))
    _run_days(date(2025, 6, 17), date(2025, 6, 18))
    assert status("HB1") == ("OPEN", "")  # two missed, and JSA in payment when the second was applied
    events(line("m3", "benefit.payment_missed", occurred_on="2025-06-19", award_ref="JSA1", pay_date="2025-06-18"))
    run_day(date(2025, 6, 19))
    assert [(r.date, r.award.award_ref) for r in taken("REVERSED")] == [
        (date(2025, 6, 9), "ESA1"), (date(2025, 6, 16), "ESA1"), (date(2025, 6, 18), "JSA1")]
    assert status("HB1") == ("RETURNED", "MISSED_INSTALMENTS") and cessation_date("HB1") == date(2025, 6, 19)
    assert Debt.objects.get(creditor_ref="HB1").cessations.get().balance_returned_pence == 48605
    reason = shown("HB1")["status_reason"]
    assert "2025-06-09 and 2025-06-16 (ESA award ESA1), 2025-06-18 (JSA award JSA1)" in reason, reason
    assert check_ledger().ok


def test_deductions_for_a_dead_partner_s_debts_from_a_joint_award_reported_late_are_reversed() -> None:
    """recovery-rules.md §6: deductions stop at death, also those for the partner's debts taken from the
    other member's joint UC award. Reported late, they are reversed before the partner's HB debt ceases
    (DEATH) with the balance it should have had."""
    from test_recovery_daily_deductions import uc_period_of

    partner = "CE654321A"
    events(line("start-UCJ", "award.started", award_ref="UC1", benefit="UC", start_date="2025-04-07",
                uc={"claimant_type": "JOINT_25_OR_OVER", "assessment_period_day": 1, "partner_nino": partner}),
           uc_period_of("ap6", "2025-06-01", "2025-06-30", "2025-07-07"),
           uc_period_of("ap7", "2025-07-01", "2025-07-31", "2025-08-07"))
    hb_debt("HBP", nino=partner)
    run_day(date(2025, 7, 7))
    run_day(date(2025, 8, 7))
    first, second = taken()
    assert first.debt.creditor_ref == second.debt.creditor_ref == "HBP"
    events(line("died", "person.died", nino=partner, occurred_on="2025-08-10", date_of_death="2025-07-20"))
    run_day(date(2025, 8, 11))
    assert [r.date for r in taken()] == [date(2025, 7, 7)]
    assert [r.date for r in taken("REVERSED")] == [date(2025, 8, 7)]
    debt = Debt.objects.get(creditor_ref="HBP")
    assert status("HBP") == ("RETURNED", "DEATH")
    assert debt.cessations.get().balance_returned_pence == 50000 - first.amount_pence and check_ledger().ok


@pytest.mark.parametrize("reported", ["in_time", "late"])
def test_death_on_a_pay_date_gives_the_same_deductions_whenever_it_is_reported(reported: str) -> None:
    """recovery-rules.md §6 (death: deductions stop). Nothing is taken on the day of death when the run knows
    of it; reported late, what was taken on that day and after is reversed: the same result either way."""
    events(legacy_award(first="2025-06-02"), dwp_debt())
    died = line("died", "person.died", occurred_on="2025-06-09", date_of_death="2025-06-09")
    if reported == "in_time":
        events(died)
    for day in (date(2025, 6, 2), date(2025, 6, 9), date(2025, 6, 16)):
        run_day(day)
    if reported == "late":
        events(died)
        run_day(date(2025, 6, 17))
    assert [r.date for r in taken()] == [date(2025, 6, 2)]
    debt = Debt.objects.get(creditor_ref="BA1")
    assert debt.status == DebtStatus.ESTATE
    assert debt_service.figures_of(debt).balance_pence == 30000 - jsa_weekly_instalment()
    assert check_ledger().ok


def test_death_reported_late_leaves_what_a_living_partner_paid_for_a_debt_they_own_jointly() -> None:
    """recovery-rules.md §6: deductions stop for the person who died. A debt the living partner owns (owed
    jointly with the dead partner) stays theirs to pay: what their own joint award paid for it after the death
    stands, as it would had the death been reported in time."""
    from test_recovery_daily_deductions import uc_period_of

    partner = "CE654321A"
    events(line("start-UCJ", "award.started", award_ref="UC1", benefit="UC", start_date="2025-04-07",
                uc={"claimant_type": "JOINT_25_OR_OVER", "assessment_period_day": 1, "partner_nino": partner}),
           line("ref-J1", "debt.referred", occurred_on="2025-04-08", creditor="DWP", creditor_ref="J1",
                debt_type="OVERPAYMENT", classification="NON_FRAUD", amount="1000.00", created_on="2025-04-01",
                joint_nino=partner),
           uc_period_of("ap5", "2025-05-01", "2025-05-31", "2025-06-07"),
           uc_period_of("ap6", "2025-06-01", "2025-06-30", "2025-07-07"))
    run_day(date(2025, 6, 7))
    run_day(date(2025, 7, 7))
    before = [(r.date, r.amount_pence) for r in taken()]
    assert len(before) == 2
    events(line("died", "person.died", nino=partner, occurred_on="2025-07-08", date_of_death="2025-06-02"))
    run_day(date(2025, 7, 8))
    assert [(r.date, r.amount_pence) for r in taken()] == before and not taken("REVERSED")
    assert Debt.objects.get(creditor_ref="J1").status == DebtStatus.OPEN
    assert check_ledger().ok


@pytest.mark.parametrize("named_owner", ["dead", "living"])
def test_death_of_one_debtor_of_a_joint_debt_leaves_it_recovered_from_the_living_debtor(named_owner: str) -> None:
    """recovery-rules.md §6 (deductions stop for the person who died; their debts pass to the estate) with the
    Decision that a joint debt is treated alike whichever debtor the creditor named as owner: A and B each have
    JSA (Mondays and Tuesdays) and owe £300.00 jointly. A dies on 2025-06-11: the debt stays in recovery from
    B's JSA (£13.95 a week), whether A or B is the named owner; nothing B's JSA paid is reversed."""
    from test_recovery_daily_deductions import legacy_award

    partner = "CE654321A"
    owner, other = (NINO_OF_TESTS, partner) if named_owner == "dead" else (partner, NINO_OF_TESTS)
    events(legacy_award(first="2025-06-02"),
           line("start-JSAB", "award.started", nino=partner, award_ref="JSAB", benefit="JSA", start_date="2025-05-01",
                legacy={"weekly_amount": "90.50", "pay_frequency": "WEEKLY", "first_pay_date": "2025-06-03"}),
           _joint_debt("J1", owner, other),
           line("died", "person.died", occurred_on="2025-06-11", date_of_death="2025-06-11"))
    for day in range(2, 26):
        run_day(date(2025, 6, day))
    debt = Debt.objects.get(creditor_ref="J1")
    assert debt.status == DebtStatus.OPEN
    b = Person.objects.get(nino=partner)
    assert [(r.date, r.person_id) for r in taken()][-2:] == [(date(2025, 6, d), b.pk) for d in (17, 24)]
    assert all(r.person_id == b.pk for r in taken() if r.date >= date(2025, 6, 11))
    assert debt_service.figures_of(debt).balance_pence == 30000 - jsa_weekly_instalment() * len(taken())
    assert not taken("REVERSED") and check_ledger().ok


def test_death_of_the_last_living_debtor_of_a_joint_debt_sends_it_to_the_estate() -> None:
    """recovery-rules.md §6, the same Decision: once both debtors of a joint debt have died, it passes to
    recovery from the estate, and what was taken after the second death (reported late) is reversed."""
    from test_recovery_daily_deductions import legacy_award

    partner = "CE654321A"
    events(legacy_award(first="2025-06-02"),
           line("start-JSAB", "award.started", nino=partner, award_ref="JSAB", benefit="JSA", start_date="2025-05-01",
                legacy={"weekly_amount": "90.50", "pay_frequency": "WEEKLY", "first_pay_date": "2025-06-03"}),
           _joint_debt("J1", NINO_OF_TESTS, partner),
           line("died", "person.died", occurred_on="2025-06-04", date_of_death="2025-06-04"))
    for day in range(2, 19):
        run_day(date(2025, 6, day))
    assert Debt.objects.get(creditor_ref="J1").status == DebtStatus.OPEN
    events(line("died-b", "person.died", nino=partner, occurred_on="2025-06-19", date_of_death="2025-06-16"))
    run_day(date(2025, 6, 19))
    debt = Debt.objects.get(creditor_ref="J1")
    assert debt.status == DebtStatus.ESTATE
    assert [r.date for r in taken("REVERSED")] == [date(2025, 6, 17)]
    assert debt_service.figures_of(debt).balance_pence == 30000 - jsa_weekly_instalment() * len(taken())
    assert check_ledger().ok


@pytest.mark.parametrize("first_death_reported", ["in time", "late"])
def test_death_reported_late_leaves_what_the_other_debtor_paid_while_alive_for_a_joint_debt(
        first_death_reported: str) -> None:
    """recovery-rules.md §6 (deductions stop for the person who died) with the Decision that a joint debt is
    the living debtor's to pay: A owns £300.00 jointly with B and has no benefit, so B's JSA pays it on
    Tuesdays. A dies on 2025-06-04, B on 2025-06-16 (reported the next day). Whether A's death is reported in
    time or only after B's, what B's JSA paid while B lived (06-03, 06-10) stands, and the debt passes to the
    estate when the last of them has died, saying so."""
    partner = "CE654321A"
    a_died = line("died", "person.died", occurred_on="2025-06-04", date_of_death="2025-06-04")
    events(line("start-JSAB", "award.started", nino=partner, award_ref="JSAB", benefit="JSA", start_date="2025-05-01",
                legacy={"weekly_amount": "90.50", "pay_frequency": "WEEKLY", "first_pay_date": "2025-06-03"}),
           _joint_debt("J1", NINO_OF_TESTS, partner), *([a_died] if first_death_reported == "in time" else []))
    for day in range(2, 17):
        run_day(date(2025, 6, day))
    events(line("died-b", "person.died", nino=partner, occurred_on="2025-06-17", date_of_death="2025-06-16"))
    run_day(date(2025, 6, 17))
    if first_death_reported == "late":
        events(line("died", "person.died", occurred_on="2025-06-19", date_of_death="2025-06-04"))
    run_day(date(2025, 6, 18))
    run_day(date(2025, 6, 19))
    assert [r.date for r in taken()] == [date(2025, 6, 3), date(2025, 6, 10)] and not taken("REVERSED")
    debt = Debt.objects.get(creditor_ref="J1")
    assert debt.status == DebtStatus.ESTATE
    assert debt_service.figures_of(debt).balance_pence == 30000 - 2 * jsa_weekly_instalment()
    reason = DebtStatusChange.objects.filter(debt=debt, to_status=DebtStatus.ESTATE).get().reason
    assert reason == "both debtors of the joint debt have died, the last on 2025-06-16: recovery from the estate"
    assert check_ledger().ok


@pytest.mark.parametrize("death_reported", ["in time", "late"])
def test_death_of_a_partner_leaves_their_joint_debt_with_another_person_off_the_couples_award(
        death_reported: str) -> None:
    """recovery-rules.md §6 (deductions stop at death) with the Decision of recovery-notes.md "Joint debts when
    a debtor dies": C holds a joint UC award naming D; D owns J jointly with E (on JSA), and K jointly with C.
    D dies on 2025-06-03. From then J is E's to pay, from E's JSA: the couple's award takes nothing for it
    (C does not owe it) and takes K instead; reported late, what it took for J is reversed."""
    from test_recovery_daily_deductions import uc_period_of

    partner, other = "CE654321A", "JK112233B"
    died = line("died", "person.died", nino=partner, occurred_on="2025-06-03", date_of_death="2025-06-03")
    events(line("start-UCJ", "award.started", award_ref="UC1", benefit="UC", start_date="2025-05-01",
                uc={"claimant_type": "JOINT_25_OR_OVER", "assessment_period_day": 1, "partner_nino": partner}),
           line("start-JSAE", "award.started", nino=other, award_ref="JSAE", benefit="JSA", start_date="2025-05-01",
                legacy={"weekly_amount": "90.50", "pay_frequency": "WEEKLY", "first_pay_date": "2025-05-06"}),
           _joint_debt("J", partner, other), _joint_debt("K", partner, NINO_OF_TESTS),
           uc_period_of("ap6", "2025-06-01", "2025-06-30", "2025-07-07"),
           uc_period_of("ap7", "2025-07-01", "2025-07-31", "2025-08-07"),
           *([died] if death_reported == "in time" else []))
    for day in (date(2025, 6, 3), date(2025, 7, 7)):
        run_day(day)
    if death_reported == "late":
        events(line("died", "person.died", nino=partner, occurred_on="2025-07-08", date_of_death="2025-06-03"))
    for day in (date(2025, 7, 8), date(2025, 8, 7)):
        run_day(day)
    uc_for_j = [r for r in taken() if r.source == "UC" and r.debt.creditor_ref == "J"]
    assert uc_for_j == []
    assert [r.debt.creditor_ref for r in taken() if r.date == date(2025, 8, 7)] == ["K"]
    e = Person.objects.get(nino=other)
    assert {r.person_id for r in taken() if r.debt.creditor_ref == "J"} <= {e.pk}
    assert Debt.objects.get(creditor_ref="J").status == DebtStatus.OPEN and check_ledger().ok


def test_death_of_a_partner_who_owes_a_debt_jointly_with_its_owner_leaves_it_off_the_couples_award() -> None:
    """recovery-rules.md §6, the same Decision: C holds a joint UC award naming D; E (no benefit) owns J jointly
    with D, and D owns K jointly with C. D dies on 2025-06-03: J is E's alone to pay from then (E has no benefit
    to take it from), so the couple's award takes nothing for it, and takes K."""
    from test_recovery_daily_deductions import uc_period_of

    partner, other = "CE654321A", "JK112233B"
    events(line("start-UCJ", "award.started", award_ref="UC1", benefit="UC", start_date="2025-05-01",
                uc={"claimant_type": "JOINT_25_OR_OVER", "assessment_period_day": 1, "partner_nino": partner}),
           _joint_debt("J", other, partner), _joint_debt("K", partner, NINO_OF_TESTS),
           line("died", "person.died", nino=partner, occurred_on="2025-06-03", date_of_death="2025-06-03"),
           uc_period_of("ap6", "2025-06-01", "2025-06-30", "2025-07-07"),
           uc_period_of("ap7", "2025-07-01", "2025-07-31", "2025-08-07"))
    for day in (date(2025, 6, 3), date(2025, 7, 7), date(2025, 8, 7)):
        run_day(day)
    assert [(r.date, r.debt.creditor_ref) for r in taken()] == [(date(2025, 7, 7), "K"), (date(2025, 8, 7), "K")]
    assert Debt.objects.get(creditor_ref="J").status == DebtStatus.OPEN and check_ledger().ok


def _joint_debt(ref: str, owner: str, other: str) -> str:
    return line(f"ref-{ref}", "debt.referred", nino=owner, occurred_on="2025-04-08", creditor="DWP",
                creditor_ref=ref, debt_type="OVERPAYMENT", classification="NON_FRAUD", amount="300.00",
                created_on="2025-04-01", joint_nino=other)


@pytest.mark.parametrize("kind", ["BANKRUPTCY", "BREATHING_SPACE"])
def test_insolvency_or_moratorium_of_either_debtor_includes_a_joint_debt(kind: str) -> None:
    """recovery-rules.md §6 and the Decision in docs/recovery-notes.md: a joint debt is treated alike whichever
    debtor the creditor named as owner: the insolvency or moratorium of either includes it (suspended), and
    a moratorium's end resumes it only when no restriction of either debtor still bars it."""
    partner = "CE654321A"
    events(legacy_award(first="2025-06-02"), _joint_debt("J1", NINO_OF_TESTS, partner),
           _joint_debt("J2", partner, NINO_OF_TESTS))
    events(line("ins", "person.insolvency", nino=partner, occurred_on="2025-06-01", kind=kind,
                start_date="2025-06-01"))
    run_day(date(2025, 6, 2))
    assert [status("J1")[0], status("J2")[0]] == ["SUSPENDED", "SUSPENDED"]
    assert not taken()
    if kind == "BREATHING_SPACE":  # 60 days: recovery resumes the day after, 2025-07-31
        events(line("ins-own", "person.insolvency", occurred_on="2025-06-03", kind="BANKRUPTCY",
                    start_date="2025-06-03"))
        run_day(date(2025, 6, 3))
        run_day(date(2025, 7, 31))
        assert [status("J1")[0], status("J2")[0]] == ["SUSPENDED", "SUSPENDED"]  # the owner's bankruptcy bars them


NINO_OF_TESTS = "AB123456C"


def _uc_ending_in_a_breathing_space() -> tuple[str, ...]:
    """UC from 2025-05-01 (period day 1), a non-fraud DWP debt NF, a breathing space from 2025-05-10 and UC
    ending on 2025-05-31."""
    return (line("start-UC1", "award.started", award_ref="UC1", benefit="UC", start_date="2025-05-01",
                 uc={"claimant_type": "SINGLE_25_OR_OVER", "assessment_period_day": 1}),
            dwp_debt("NF"),
            line("bs", "person.insolvency", occurred_on="2025-05-10", kind="BREATHING_SPACE",
                 start_date="2025-05-10"),
            line("end", "award.ended", occurred_on="2025-05-31", award_ref="UC1", end_date="2025-05-31",
                 reason="AWARD_ENDED"))


def test_moratorium_stops_legacy_recovery_when_uc_ends_during_it() -> None:
    """recovery-rules.md §6: "DMS stops recovery of eligible debts other than UC deductions for the
    moratorium and resumes it the day after it ends". A breathing space from 2025-05-10 begins while UC is in
    payment (nothing suspended); UC ends on 2025-05-31 and JSA is paid from 2025-06-02: the debt it covers is
    suspended from the first day without UC, so nothing is taken from JSA until the day after it ends
    (60 days: 2025-07-08, recovery from 2025-07-09, first JSA pay date 2025-07-14)."""
    events(*_uc_ending_in_a_breathing_space(),
           line("start-JSA1", "award.started", occurred_on="2025-06-02", award_ref="JSA1", benefit="JSA",
                start_date="2025-06-02",
                legacy={"weekly_amount": "90.50", "pay_frequency": "WEEKLY", "first_pay_date": "2025-06-02"}))
    run_day(date(2025, 5, 10))
    assert status("NF")[0] == "OPEN"  # UC in payment: UC deductions are not covered
    summary = run_day(date(2025, 6, 1))
    assert status("NF")[0] == "SUSPENDED" and summary["moratoria_uc_stopped"] == 1
    day = date(2025, 6, 2)
    while day <= date(2025, 7, 14):
        run_day(day)
        day += timedelta(days=1)
    assert [r.date for r in taken()] == [date(2025, 7, 14)]
    assert status("NF")[0] == "OPEN" and Restriction.objects.get().resumed_on == date(2025, 7, 9)


def test_moratorium_leaves_uc_deductions_to_the_last_uc_payment_after_uc_ends() -> None:
    """recovery-rules.md §6: "UC deductions are not covered" by a breathing space. UC ends on 2025-05-31
    during one that began on 2025-05-10; its last assessment period (May) is paid on 2025-06-07, after the
    end: that payment takes its deduction like any other UC payment, and the debt is suspended once it is
    made (2025-06-08), there being no UC left to take from."""
    from test_recovery_daily_deductions import uc_period_of

    events(*_uc_ending_in_a_breathing_space(),
           uc_period_of("ap5", "2025-05-01", "2025-05-31", "2025-06-07"))
    day = date(2025, 5, 10)
    while day <= date(2025, 6, 7):
        run_day(day)
        assert status("NF")[0] == "OPEN", day
        day += timedelta(days=1)
    assert [(r.date, r.source) for r in taken()] == [(date(2025, 6, 7), "UC")]
    summary = run_day(date(2025, 6, 8))
    assert status("NF")[0] == "SUSPENDED" and summary["moratoria_uc_stopped"] == 1
    assert Restriction.objects.get().suspended_debts == [Debt.objects.get(creditor_ref="NF").pk]
    assert check_ledger().ok


@pytest.mark.parametrize(("rate", "weeks"), [(100, 4), (100, 13), (90, 4)])
def test_sanction_reported_late_reverses_the_instalments_it_left_no_room_for(rate: int, weeks: int) -> None:
    """recovery-rules.md §4 (the instalment is taken from what is paid, never leaving less than 10p a week)
    and events.md §2 ``person.sanction``: a sanction reported after pay dates whose pay periods it covers
    reverses the instalments taken on them that what it left could not hold (a 90% sanction of £90.50 leaves
    £9.05, less the 10p floor: not the £13.95 taken); the one before it stands. A 100% sanction of 13 weeks
    returns the HB debt with the balance as it should have been."""
    events(legacy_award(first="2025-06-02"))
    hb_debt(amount=30000)
    for day in (date(2025, 6, 2), date(2025, 6, 9), date(2025, 6, 16)):
        run_day(day)
    assert len(taken()) == 3
    events(line("s1", "person.sanction", occurred_on="2025-06-17", rate_percent=rate, start_date="2025-06-03",
                duration_weeks=weeks))
    run_day(date(2025, 6, 17))
    assert [r.date for r in taken()] == [date(2025, 6, 2)]
    assert [r.date for r in taken("REVERSED")] == [date(2025, 6, 9), date(2025, 6, 16)]
    assert all("sanction from 2025-06-03" in r.reversal_reason for r in taken("REVERSED"))
    debt = Debt.objects.get(creditor_ref="HB1")
    assert debt_service.figures_of(debt).recovered_pence == jsa_weekly_instalment()
    assert status("HB1") == (("RETURNED", "SANCTION") if weeks >= 13 else ("OPEN", ""))
    assert check_ledger().ok


def test_a_small_sanction_reported_late_leaves_instalments_that_still_fit() -> None:
    """The same rule: a 10% sanction of £90.50 leaves £81.45, room for the £13.95 taken: nothing reversed."""
    events(legacy_award(first="2025-06-02"))
    hb_debt(amount=30000)
    for day in (date(2025, 6, 2), date(2025, 6, 9)):
        run_day(day)
    events(line("s1", "person.sanction", occurred_on="2025-06-10", rate_percent=10, start_date="2025-06-02",
                duration_weeks=4))
    run_day(date(2025, 6, 10))
    assert len(taken()) == 2 and not taken("REVERSED")


def _sanction_from_a_friday(event_id: str = "s1", occurred_on: str = "2025-06-20", rate: int = 100,
                            weeks: int = 13) -> str:
    return line(event_id, "person.sanction", occurred_on=occurred_on, rate_percent=rate, start_date="2025-06-20",
                duration_weeks=weeks)


def _hb_cessation() -> tuple[date, int]:
    cessation = Debt.objects.get(creditor_ref="HB1").cessations.get()
    return cessation.cessation_date, cessation.balance_returned_pence


@pytest.mark.parametrize("reported", ["in_time", "late", "held_12_weeks_then_13", "held_40_percent_then_100"])
def test_a_returning_sanction_reported_late_returns_the_hb_debt_with_the_balance_held_at_its_start(
        reported: str) -> None:
    """events.md §2 ``person.sanction`` ("a 100% sanction of 13 weeks or more returns HB debts (``SANCTION``)",
    applied on its start date: docs/recovery-notes.md "Sanctions and legacy instalments") and
    hb-debt-interface.md §4.1 (``BalanceReturned``: the balance DMS held at cessation). JSA £100.00 a week paid
    Mondays; a 100% sanction for 13 weeks from Friday 2025-06-20. Known in time, the HB debt is returned on
    2025-06-20 with £500.00 less the pay dates 06-09 and 06-16 (2 x £13.95). Reported late (or a sanction held
    that did not return it corrected to one that does), the £13.95 of 06-23 (a pay date whose period the
    sanction only part covers, so the instalment fits what it left) was taken after the debt should have been
    returned: it is reversed, as a late DRO's or death's are, and the cessation carries the same £472.10."""
    events(legacy_award(first="2025-06-09", weekly="100.00"))
    hb_debt(amount=50000)
    if reported == "in_time":
        events(_sanction_from_a_friday())
    elif reported.startswith("held"):
        events(_sanction_from_a_friday(rate=100 if "12_weeks" in reported else 40,
                                       weeks=12 if "12_weeks" in reported else 26))
    for day in (date(2025, 6, 9), date(2025, 6, 16), date(2025, 6, 20), date(2025, 6, 23)):
        run_day(day)
    if reported != "in_time":
        events(_sanction_from_a_friday("s2", occurred_on="2025-06-25", weeks=13 if "12_weeks" in reported else 26))
    run_day(date(2025, 6, 25))
    run_day(date(2025, 6, 30))
    assert [r.date for r in taken()] == [date(2025, 6, 9), date(2025, 6, 16)]
    assert status("HB1") == ("RETURNED", "SANCTION")
    expected_day = date(2025, 6, 20) if reported == "in_time" else date(2025, 6, 25)
    assert _hb_cessation() == (expected_day, 50000 - 2 * jsa_weekly_instalment())
    reversed_rows = taken("REVERSED")
    assert [r.date for r in reversed_rows] == ([] if reported == "in_time" else [date(2025, 6, 23)])
    assert all("returns HB debts from its start" in r.reversal_reason for r in reversed_rows)
    assert check_ledger().ok


def _june_uc_period_with_a_sanction() -> str:
    return line("ap6", "uc.assessment_period", occurred_on="2025-07-01", award_ref="UC1", period_start="2025-06-01",
                period_end="2025-06-30", payment_date="2025-07-07", award_amount="900.00",
                earnings_over_work_allowance=False, sanction_amount="130.00", fraud_penalty_amount="0.00",
                third_party=[])


@pytest.mark.parametrize("reported", ["in_time", "late"])
def test_a_returning_sanction_reported_late_reverses_the_hb_share_of_a_uc_payment_after_its_start_not_the_others(
        reported: str) -> None:
    """events.md §2 ``person.sanction`` (a 100% sanction of 13 weeks or more returns HB debts, from its start)
    and hb-debt-interface.md §4.1 (``BalanceReturned``), on UC: known in time, the HB debt is returned on
    2025-06-20 with £500.00 less its £30.01 share of the May period (paid 06-07). Reported on 2025-07-10, after
    the June period paid 07-07 was shared £30.01 each between the DWP and HB debts (recovery-rules.md §3), the
    HB debt's share of 07-07 is reversed, as a late DRO reverses the deductions of the debts it includes, and
    the cessation carries the same £469.99; the DWP debt's share stands (a UC period is not worked out again:
    docs/recovery-notes.md "An insolvency reported late")."""
    events(uc_award(), dwp_debt("DWP1", amount="300.00"), period(amount="900.00"), _june_uc_period_with_a_sanction())
    hb_debt(amount=50000)
    if reported == "in_time":
        events(_sanction_from_a_friday())
    for day in (date(2025, 6, 7), date(2025, 6, 20), date(2025, 7, 7)):
        run_day(day)
    if reported == "late":
        events(_sanction_from_a_friday(occurred_on="2025-07-10"))
    run_day(date(2025, 7, 10))
    hb_before = sum(r.amount_pence for r in taken() if r.ref == "HB1")
    assert [(r.date, r.ref) for r in taken() if r.ref == "HB1"] == [(date(2025, 6, 7), "HB1")]
    assert _hb_cessation()[1] == 50000 - hb_before == 50000 - 3001
    july = [(r.ref, r.amount_pence, r.status) for r in Deduction.objects.filter(date=date(2025, 7, 7)).order_by("id")]
    assert july == ([("DWP1", 6002, "TAKEN")] if reported == "in_time"
                    else [("DWP1", 3001, "TAKEN"), ("HB1", 3001, "REVERSED")])
    assert check_ledger().ok


def test_a_cleared_hb_debt_reopened_by_a_late_death_says_which_death_returned_it() -> None:
    """recovery-rules.md §6 (death: HB debts cease) and README ``dms debtor show`` (``status_reason``: the
    death, its date and event): an HB debt cleared by an instalment taken after the date of death, reported
    late, is reopened by that instalment's reversal and returned ``DEATH`` with the same reason as a debt the
    death finds open, not the bare code."""
    events(legacy_award(first="2025-06-09", weekly="100.00"))
    hb_debt(amount=2000)
    run_day(date(2025, 6, 9))
    run_day(date(2025, 6, 16))
    assert status("HB1") == ("CLEARED", "")
    events(line("x1", "person.died", occurred_on="2025-06-25", date_of_death="2025-06-12"))
    run_day(date(2025, 6, 25))
    row = shown("HB1")
    assert (row["status"], row["cessation_reason"], row["balance"]) == ("RETURNED", "DEATH", "6.05")
    assert row["status_reason"] == ("DEATH: the claimant died on 2025-06-12 (event x1): deductions stop at death "
                                    "and HB debts cease (recovery-rules.md §6)")
    assert check_ledger().ok


def test_missed_payment_reported_after_a_change_of_pay_frequency_is_judged_by_the_terms_of_its_day() -> None:
    """recovery-rules.md §4 (a missed instalment is reversed) and events.md §2 (``award.changed``: new values
    from ``occurred_on``): a weekly award made fortnightly from 2025-06-20; a payment of 2025-06-09, due under
    the weekly terms then in force, reported missed afterwards, is taken in and its instalment reversed."""
    events(legacy_award(first="2025-06-02"),
           line("chg", "award.changed", occurred_on="2025-06-13", award_ref="JSA1",
                legacy={"pay_frequency": "FORTNIGHTLY", "first_pay_date": "2025-06-20"}))
    hb_debt(amount=30000)
    day = date(2025, 6, 2)
    while day <= date(2025, 6, 23):
        from dms.services.events import apply_due_award_changes

        apply_due_award_changes(day)
        run_day(day)
        day += timedelta(days=1)
    assert [r.date for r in taken()] == [date(2025, 6, 2), date(2025, 6, 9), date(2025, 6, 20)]
    events(line("m1", "benefit.payment_missed", occurred_on="2025-06-24", award_ref="JSA1", pay_date="2025-06-09"))
    run_day(date(2025, 6, 24))
    assert [r.date for r in taken("REVERSED")] == [date(2025, 6, 9)]
    assert MissedInstalment.objects.count() == 1


def test_missed_payment_on_a_day_due_only_under_later_terms_is_refused() -> None:
    """recovery-rules.md §4 (a missed *instalment*: one that was due) and events.md §2 (``award.changed``: new
    values from ``occurred_on``): a Monday award moved to Wednesdays from 2025-06-20. A Wednesday before then
    (2025-06-11) was no pay date under the terms in force that day, so a report that it was missed is
    refused, though the award's terms as held now pay on Wednesdays; the Monday instalments stand."""
    from dms.services.events import apply_due_award_changes

    events(legacy_award(first="2025-06-02"),
           line("chg", "award.changed", occurred_on="2025-06-20", award_ref="JSA1",
                legacy={"first_pay_date": "2025-06-25"}))
    hb_debt(amount=30000)
    day = date(2025, 6, 2)
    while day <= date(2025, 6, 21):
        apply_due_award_changes(day)
        run_day(day)
        day += timedelta(days=1)
    assert "not a pay date" in refused(
        line("m1", "benefit.payment_missed", occurred_on="2025-06-21", award_ref="JSA1", pay_date="2025-06-11"))[0]
    assert not MissedInstalment.objects.exists()
    assert [r.date for r in taken()] == [date(2025, 6, 2), date(2025, 6, 9), date(2025, 6, 16)]


def _june_schedule_lines() -> list[tuple[str, str, str]]:
    from lxml import etree

    from dms.services import payments

    result = payments.run_month_end(date(2025, 7, 1))
    assert result is not None
    [written] = result.files
    ns = {"s": "urn:dms:hb-debt:1"}
    return [(x.findtext("s:Kind", namespaces=ns), x.findtext("s:Amount", namespaces=ns),
             x.findtext("s:BalanceAfter", namespaces=ns))
            for x in etree.parse(str(written.path)).findall("s:Line", ns)]


@pytest.mark.parametrize("first_reported", [False, True])
def test_deduction_reversed_after_its_hb_debt_was_returned_returns_the_restored_balance(
        first_reported: bool, data_dir: object) -> None:
    """hb-debt-interface.md §4.1 (``BalanceReturned``: the balance DMS held at cessation), §4.2 (``CORRECTION``:
    money taken back, §53) and the Decision in docs/la-interface-notes.md: an instalment reversed after its HB
    debt was returned is taken back from the LA on the payment schedule, and the balance it restores is
    returned at once: the cessation not yet reported is amended, else a further cessation returns it. DMS
    holds nothing on a returned debt."""
    from dms.store.la.models import Cessation

    events(legacy_award(first="2025-06-02"))
    hb_debt()
    run_day(date(2025, 6, 2))
    run_day(date(2025, 6, 9))
    events(line("s1", "person.sanction", occurred_on="2025-06-10", rate_percent=100, start_date="2025-06-10",
                duration_weeks=13))
    run_day(date(2025, 6, 10))
    assert status("HB1") == ("RETURNED", "SANCTION")
    if first_reported:
        Cessation.objects.update(reported_on=date(2025, 6, 10))
    events(line("m1", "benefit.payment_missed", occurred_on="2025-06-11", award_ref="JSA1", pay_date="2025-06-09"))
    run_day(date(2025, 6, 11))
    assert [r.date for r in taken("REVERSED")] == [date(2025, 6, 9)]
    debt = Debt.objects.get(creditor_ref="HB1")
    assert debt_service.figures_of(debt).recovered_pence == jsa_weekly_instalment()
    assert account_balance(AccountKey(AccountKind.RECEIVABLE, debt.pk)) == 0  # DMS holds nothing on it
    cessations = [(c.cessation_date, c.reason, c.balance_returned_pence, c.amount_recovered_pence)
                  for c in debt.cessations.order_by("pk")]
    first_return = 50000 - 2 * jsa_weekly_instalment()
    if first_reported:
        assert cessations == [(date(2025, 6, 10), "SANCTION", first_return, 2 * jsa_weekly_instalment()),
                              (date(2025, 6, 11), "SANCTION", jsa_weekly_instalment(), jsa_weekly_instalment())]
    else:
        assert cessations == [(date(2025, 6, 10), "SANCTION", first_return + jsa_weekly_instalment(),
                               jsa_weekly_instalment())]
    assert status("HB1") == ("RETURNED", "SANCTION") and check_ledger().ok
    assert _june_schedule_lines() == [("DEDUCTION", "13.95", "486.05"), ("DEDUCTION", "13.95", "472.10"),
                                      ("CORRECTION", "-13.95", "486.05")]
    run_day(date(2025, 6, 11))
    assert debt.cessations.count() == (2 if first_reported else 1)


def test_deduction_reversed_after_its_debt_was_withdrawn_returns_the_restored_balance() -> None:
    """events.md ``debt.withdrawn`` (the creditor takes the debt back) and the Decision in
    docs/la-interface-notes.md: a deduction reversed after the debt was withdrawn restores a balance that is
    returned to the creditor at once, so DMS holds nothing on a withdrawn debt."""
    events(legacy_award(first="2025-06-02"), dwp_debt())
    run_day(date(2025, 6, 2))
    events(line("w1", "debt.withdrawn", occurred_on="2025-06-03", creditor="DWP", creditor_ref="BA1",
                reason="raised in error"))
    run_day(date(2025, 6, 3))
    events(line("m1", "benefit.payment_missed", occurred_on="2025-06-04", award_ref="JSA1", pay_date="2025-06-02"))
    run_day(date(2025, 6, 4))
    debt = Debt.objects.get(creditor_ref="BA1")
    assert debt.status == "WITHDRAWN" and debt_service.figures_of(debt).recovered_pence == 0
    assert account_balance(AccountKey(AccountKind.RECEIVABLE, debt.pk)) == 0
    returns = JournalEntry.objects.filter(kind=EntryKind.RETURN).order_by("id")
    assert [e.business_date for e in returns] == [date(2025, 6, 3), date(2025, 6, 4)]
    assert check_ledger().ok


@pytest.mark.parametrize(("event_type", "fields", "expected"), [
    ("person.died", {"date_of_death": "2025-06-10"}, ("RETURNED", "DEATH")),
    ("person.insolvency", {"kind": "BANKRUPTCY", "start_date": "2025-06-10"}, ("RETURNED", "INSOLVENCY")),
    ("person.insolvency", {"kind": "BREATHING_SPACE", "start_date": "2025-06-10"}, ("SUSPENDED", "")),
    ("person.sanction", {"rate_percent": 100, "start_date": "2025-06-10", "duration_weeks": 13},
     ("RETURNED", "SANCTION")),
])
def test_a_cleared_hb_debt_revised_up_takes_the_status_the_restriction_or_death_gives(
        event_type: str, fields: dict, expected: tuple[str, str]) -> None:
    """recovery-rules.md §6 (death: HB debts cease; bankruptcy: HB debts returned INSOLVENCY; a moratorium
    suspends eligible debts) with hb-debt-interface.md §6.5 (a revision takes effect): an HB debt CLEARED
    when the event was applied, which a revision up reopens, is ceased or suspended then, never recovered
    from by deduction."""
    events(legacy_award(first="2025-06-02"))
    hb_debt(amount=2 * jsa_weekly_instalment())
    run_day(date(2025, 6, 2))
    run_day(date(2025, 6, 9))
    assert status("HB1") == ("CLEARED", "")
    events(line("e1", event_type, occurred_on="2025-06-10", **fields))
    run_day(date(2025, 6, 10))
    assert status("HB1") == ("CLEARED", "")
    debt = Debt.objects.get(creditor_ref="HB1")
    debt_service.revise_debt_amount(debt, 10000, business_date=date(2025, 6, 11), actor="test",
                                    reason="LA revision: further overpayment")
    assert status("HB1") == expected
    run_day(date(2025, 6, 16))
    assert [r.date for r in taken()] == [date(2025, 6, 2), date(2025, 6, 9)]
    if expected[0] == "RETURNED":
        assert debt.cessations.get().balance_returned_pence == 10000 - 2 * jsa_weekly_instalment()
    assert check_ledger().ok


def test_a_cleared_hb_debt_reopened_under_a_sanction_says_which_sanction_returned_it() -> None:
    """events.md §2 ``person.sanction`` and hb-debt-interface.md §6.5 (``SANCTION``: "a 100% sanction for 13
    weeks or more"), README ``dms debtor show`` (``status_reason``): an HB debt cleared when the sanction was
    applied and reopened by a revision while it is in force is returned naming the sanction, the day it was
    found in force and the rule."""
    from dms.services.debtors import debtor_summary

    events(legacy_award(first="2025-06-02"))
    hb_debt(amount=2 * jsa_weekly_instalment())
    run_day(date(2025, 6, 2))
    run_day(date(2025, 6, 9))
    events(line("s1", "person.sanction", occurred_on="2025-06-10", rate_percent=100, start_date="2025-06-10",
                duration_weeks=13))
    run_day(date(2025, 6, 10))
    debt_service.revise_debt_amount(Debt.objects.get(creditor_ref="HB1"), 10000, business_date=date(2025, 6, 11),
                                    actor="test", reason="LA revision: further overpayment")
    [row] = debtor_summary(NINO)["debts"]
    assert (row["status"], row["cessation_reason"]) == ("RETURNED", "SANCTION")
    assert row["status_reason"] == (
        "SANCTION: a 100% sanction for 13 weeks from 2025-06-10 (event s1), in force on 2025-06-11: HB debts are "
        "returned for a 100% sanction for 13 weeks or more (events.md person.sanction; hb-debt-interface.md §6.5)")


def test_a_cleared_debt_a_reversal_reopens_in_a_moratorium_is_suspended_again() -> None:
    """recovery-rules.md §6 (a moratorium suspends eligible debts for its length) and events.md §2
    (``benefit.payment_missed``: the instalment is reversed): an HB debt suspended by a breathing space,
    paid off directly, then reopened by a missed payment's reversal, is SUSPENDED again, not taken from."""
    events(legacy_award(first="2025-06-02"))
    hb_debt()
    run_day(date(2025, 6, 2))
    events(line("bs", "person.insolvency", occurred_on="2025-06-03", kind="BREATHING_SPACE", start_date="2025-06-03"))
    run_day(date(2025, 6, 3))
    assert status("HB1") == ("SUSPENDED", "")
    debt = Debt.objects.get(creditor_ref="HB1")
    debt_service.revise_debt_amount(debt, jsa_weekly_instalment(), business_date=date(2025, 6, 4), actor="test",
                                    reason="LA revision: the rest written off")
    assert status("HB1") == ("CLEARED", "")
    events(line("m1", "benefit.payment_missed", occurred_on="2025-06-05", award_ref="JSA1", pay_date="2025-06-02"))
    run_day(date(2025, 6, 5))
    assert status("HB1") == ("SUSPENDED", "")
    run_day(date(2025, 6, 9))
    assert not taken() and check_ledger().ok
    assert Restriction.objects.get().suspended_debts == [debt.pk]


def test_set_rate_keeps_its_unit_when_the_person_changes_benefit_a9_2025_31() -> None:
    """A9/2025 §31 (a lower rate the person can afford) and the Decision in docs/recovery-notes.md: a rate
    agreed as £10.00 per UC assessment period is, after a move to a legacy benefit, £10.00 x 12/52 = £2.30 a
    week (rounded down), so a monthly instalment is £2.30 x 52/12 = £9.96, never £10.00 a week (£43.33 a
    month); one agreed per week is, on UC, that rate x 52/12 per assessment period."""
    from dms.services.recovery_load import rate_per

    events(uc_award(), dwp_debt(), period())
    debt = Debt.objects.get()
    set_reduced_rate("AB123456C", str(debt.pk), "10.00", date(2025, 9, 1), "affordability request", "j.smith",
                     date(2025, 6, 1))
    assert ReducedRate.objects.get().per == "ASSESSMENT_PERIOD"
    run_day(PAY)
    assert taken()[0].amount_pence == 1000
    events(line("end", "award.ended", occurred_on="2025-06-08", award_ref="UC1", end_date="2025-06-08",
                reason="AWARD_ENDED"),
           line("start-ESA1", "award.started", occurred_on="2025-06-09", award_ref="ESA1", benefit="ESA",
                start_date="2025-06-09",  # in payment over the whole month its first pay date pays for
                legacy={"weekly_amount": "120.00", "pay_frequency": "MONTHLY", "first_pay_date": "2025-07-10"}))
    run_day(date(2025, 7, 10))
    [esa] = [d for d in taken() if d.date == date(2025, 7, 10)]
    assert esa.amount_pence == 996 == 230 * 52 // 12
    assert (rate_per(1000, "ASSESSMENT_PERIOD", "WEEK"), rate_per(230, "WEEK", "ASSESSMENT_PERIOD"),
            rate_per(1000, "", "WEEK")) == (230, 996, 1000)


def test_set_rate_refused_while_no_benefit_is_in_payment_a9_2025_31() -> None:
    """A9/2025 §31: a lower rate than the one recovered; with no benefit in payment nothing is recovered, so
    there is no rate to lower, nor a unit (per assessment period or per week) to agree it in: refused."""
    events(dwp_debt())
    debt = Debt.objects.get()
    with pytest.raises(DmsError, match="no benefit is in payment"):
        set_reduced_rate("AB123456C", str(debt.pk), "10.00", date(2025, 9, 1), "why", "me", date(2025, 6, 1))
    assert not ReducedRate.objects.exists()


@pytest.mark.parametrize("reported", ["in_time", "late"])
def test_insolvency_reported_late_reverses_what_was_taken_for_the_debts_it_includes(reported: str) -> None:
    """recovery-rules.md §6 (SSWP v Payne [2011] UKSC 60): from a bankruptcy's start the debts it includes
    are not recovered by deduction. Reported late, the instalments taken on or after its start for those
    debts (the HB debt, the non-fraud DWP debt) are reversed before the HB debt is returned, so its
    cessation carries the balance held at the start; what was taken for a fraud debt stands. The same
    result whenever it is reported."""
    events(legacy_award(first="2025-06-02"), dwp_debt("NF", amount="20.00"),
           dwp_debt("FR", amount="40.00", classification="FRAUD"))
    hb_debt("HB1", amount=1000)
    bankrupt = line("ins", "person.insolvency", occurred_on="2025-06-09", kind="BANKRUPTCY",
                    start_date="2025-06-09")
    if reported == "in_time":
        events(bankrupt)
    for day in (date(2025, 6, 2), date(2025, 6, 9), date(2025, 6, 16)):
        run_day(day)
    if reported == "late":
        events(bankrupt)
        run_day(date(2025, 6, 17))
    kept = sorted((r.date, r.ref, r.amount_pence) for r in taken())
    assert [d for d, _, _ in kept if d >= date(2025, 6, 9)] and all(
        ref == "FR" for d, ref, _ in kept if d >= date(2025, 6, 9))
    assert all("BANKRUPTCY from 2025-06-09" in r.reversal_reason for r in taken("REVERSED"))
    assert bool(taken("REVERSED")) == (reported == "late")
    before_start = sum(a for d, ref, a in kept if ref == "HB1")
    hb = Debt.objects.get(creditor_ref="HB1")
    assert status("HB1") == ("RETURNED", "INSOLVENCY")
    assert hb.cessations.get().balance_returned_pence == 1000 - before_start
    assert status("NF")[0] == "SUSPENDED"
    nf_taken = sum(a for _, ref, a in kept if ref == "NF")
    assert debt_service.figures_of(Debt.objects.get(creditor_ref="NF")).balance_pence == 2000 - nf_taken
    assert check_ledger().ok


def test_legacy_instalment_taken_from_an_award_in_payment_it_fits_in() -> None:
    """recovery-rules.md §4 and A9/2025 §24: an HB debt is returned INSUFFICIENT_BENEFIT only where too little
    benefit is left for the instalment. A person with ESA of £5.00 a week (awarded first) and PIP of £120.00
    a week in payment is recovered from PIP (**Decision**: the first awarded that any instalment fits in, else
    the one that pays most), not returned."""
    events(legacy_award(ref="ESA1", weekly="5.00", first="2025-06-02"),
           line("start-PIP1", "award.started", award_ref="PIP1", benefit="PIP", start_date="2025-05-01",
                legacy={"weekly_amount": "120.00", "pay_frequency": "WEEKLY", "first_pay_date": "2025-06-04"}))
    hb_debt(amount=30000)
    for day in (date(2025, 6, 2), date(2025, 6, 4), date(2025, 6, 9), date(2025, 6, 11)):
        run_day(day)
    assert status("HB1") == ("OPEN", "")
    assert [(r.date, r.amount_pence, r.award.award_ref) for r in taken()] == [
        (date(2025, 6, 4), jsa_weekly_instalment(), "PIP1"), (date(2025, 6, 11), jsa_weekly_instalment(), "PIP1")]
    assert check_ledger().ok


def _monthly_pc_then_weekly_esa(pc_weekly: str, first: str = "2025-06-09") -> None:
    """A monthly PC award of ``pc_weekly`` a week, then (awarded the same day, after it) a weekly ESA award of
    £100.00, both paying from ``first`` and in payment from 2025-05-01 (the whole pay period of ``first``)."""
    events(line("start-PC1", "award.started", award_ref="PC1", benefit="PC", start_date="2025-05-01",
                legacy={"weekly_amount": pc_weekly, "pay_frequency": "MONTHLY", "first_pay_date": first}),
           line("start-ESA1", "award.started", award_ref="ESA1", benefit="ESA", start_date="2025-05-01",
                legacy={"weekly_amount": "100.00", "pay_frequency": "WEEKLY", "first_pay_date": first}))


@pytest.mark.parametrize(("pc_weekly", "chosen", "instalment"), [
    ("23.35", "ESA1", 2325),  # £101.18 a month - £0.44 floor = £100.74 < £100.75: PC cannot pay it
    ("23.36", "PC1", 10075),  # £101.22 - £0.44 = £100.78: PC can, and was awarded first
])
def test_an_award_too_small_for_a_period_instalment_is_not_chosen_over_one_that_can_pay(
        pc_weekly: str, chosen: str, instalment: int) -> None:
    """recovery-rules.md §4 and A9/2025 §24 (**Decision**, docs/recovery-notes.md "Which legacy award an
    instalment is taken from"): the first awarded of the awards with room for any instalment on the pay date,
    worked out on the pay period as the instalment is. Monthly PC of £23.35 a week pays £101.18 a month
    (52/12 weeks, rounded down), leaving £100.74 above the 44p floor: 1p short of the monthly fraud
    instalment, £23.25 x 52/12 = £100.75. The HB fraud debt is then recovered from the weekly ESA of £100.00,
    not returned INSUFFICIENT_BENEFIT. A penny a week more (£23.36) and PC, awarded first, pays it. The daily
    run, a missed payment's check, the §6.3 current rate and ``dms rerate`` make the same choice."""
    from dms.services.la_processing import _legacy_weekly_room
    from dms.services.recovery_load import instalments_taken_from, legacy_award_choice
    from dms.services.rerate import rerate
    from dms.store.models import Award
    from dms.store.replay.models import RerateResult

    _monthly_pc_then_weekly_esa(pc_weekly)
    hb_debt(amount=50000, classification="FRAUD")
    pay = date(2025, 6, 9)
    run_day(date(2025, 6, 2))
    run_day(pay)
    assert status("HB1") == ("OPEN", "")
    assert [(r.date, r.award.award_ref, r.amount_pence) for r in taken()] == [(pay, chosen, instalment)]
    awards = list(Award.objects.filter(award_ref__in=("PC1", "ESA1")).order_by("id"))
    assert legacy_award_choice([(a.pk, a.weekly_amount_pence, a.pay_frequency) for a in awards], pay) == next(
        a.pk for a in awards if a.award_ref == chosen)
    assert [a.award_ref for a in awards if instalments_taken_from(a, pay)] == [chosen]
    person_id = awards[0].person_id
    weekly = next(a.weekly_amount_pence for a in awards if a.award_ref == chosen)
    assert _legacy_weekly_room([person_id], pay)[person_id][0] == weekly - 10
    outcome = rerate(pay)
    assert list(RerateResult.objects.filter(run_id=outcome.run_id).values_list("source", "now_pence")) == [
        (chosen[:-1], instalment)]
    assert check_ledger().ok


@pytest.mark.parametrize("on", [date(2024, 6, 10), date(2025, 6, 9), date(2026, 6, 8)])
def test_the_award_chosen_by_query_is_the_one_the_rule_of_room_for_any_instalment_chooses(on: date) -> None:
    """recovery-rules.md §4 (**Decision**, docs/recovery-notes.md "Which legacy award an instalment is taken
    from"): the daily run's query of instalments due, a missed payment's check and the §6.3 order choose the
    award :func:`legacy_award_choice` does (the first awarded with room for any instalment on the pay period,
    ``dms.recovery.legacy.has_room_for_any_instalment``; else the one that pays most a week, of equals the
    first awarded), for weekly amounts either side of the least with room at each pay frequency, under each
    year's rates."""
    from dms.recovery.legacy import least_weekly_amount_with_room
    from dms.recovery.types import PayFrequency
    from dms.services.la_processing import _legacy_weekly_room
    from dms.services.recovery_load import due_instalments, instalments_taken_from, legacy_award_choice
    from dms.store.models import Award

    _monthly_pc_then_weekly_esa("23.35")
    Award.objects.update(start_date=date(2024, 4, 1), first_pay_date=on)  # every frequency pays on ``on``
    weekly_least = least_weekly_amount_with_room(PayFrequency.WEEKLY, on)
    for frequency in PayFrequency:
        least = least_weekly_amount_with_room(frequency, on)
        for pc_weekly in (least - 1, least, least + 1):
            for esa_weekly in (weekly_least - 2, weekly_least - 1, weekly_least, 10_000):
                Award.objects.filter(award_ref="PC1").update(weekly_amount_pence=pc_weekly, pay_frequency=frequency)
                Award.objects.filter(award_ref="ESA1").update(weekly_amount_pence=esa_weekly)
                awards = list(Award.objects.order_by("id"))
                chosen = legacy_award_choice([(a.pk, a.weekly_amount_pence, a.pay_frequency) for a in awards], on)
                case = (frequency, pc_weekly, esa_weekly, chosen)
                assert [a.pk for a in awards if instalments_taken_from(a, on)] == [chosen], case
                assert [d.award_id for d in due_instalments(on)] == [chosen], case
                person_id, weekly = awards[0].person_id, next(a.weekly_amount_pence for a in awards if a.pk == chosen)
                assert _legacy_weekly_room([person_id], on)[person_id][0] == weekly - 10, case
        assert legacy_award_choice([(1, least - 1, frequency), (2, least, frequency)], on) == 2
        assert legacy_award_choice([(1, least, frequency), (2, 10_000, frequency)], on) == 1


def test_hb_debt_returned_insufficient_benefit_with_nothing_taken_keeps_the_calculation_that_returned_it() -> None:
    """recovery-rules.md §3-4 (every calculation explained; A9/2025 §24): JSA of £10.00 a week leaves £9.90
    above the floor, less than the £13.95 instalment, so the HB debt is returned with nothing taken. No
    deduction row records that; the debt's status change does, and ``dms debtor show`` gives it."""
    from dms.services.debtors import debtor_summary

    events(legacy_award(weekly="10.00", first="2025-06-02"))
    hb_debt(amount=30000)
    run_day(date(2025, 6, 2))
    assert status("HB1") == ("RETURNED", "INSUFFICIENT_BENEFIT") and not taken()
    [row] = debtor_summary("AB123456C")["debts"]
    assert (row["cessation_reason"], row["status_since"]) == ("INSUFFICIENT_BENEFIT", "2025-06-02")
    assert row["status_reason"].startswith("INSUFFICIENT_BENEFIT: JSA instalment of 2025-06-02: ")
    assert "benefit for the period £10.00" in row["status_reason"] and "room for £9.90" in row["status_reason"]



def test_legacy_instalment_stays_with_the_first_award_while_it_fits_and_others_missed_payments_are_no_instalments(
        ) -> None:
    """recovery-rules.md §4 (**Decision**, docs/recovery-notes.md "Which legacy award"): JSA of £50.00 a week
    (awarded first) fits any instalment, so instalments are taken from it though PIP pays more, and the
    award taken from does not change with amounts (a change could take a pay period twice). PIP's payments
    missed are no missed instalments: nothing was due from it, and they do not count towards the three that
    return an HB debt."""
    events(legacy_award(weekly="50.00", first="2025-06-02"),
           line("start-PIP1", "award.started", award_ref="PIP1", benefit="PIP", start_date="2025-05-01",
                legacy={"weekly_amount": "120.00", "pay_frequency": "WEEKLY", "first_pay_date": "2025-06-04"}))
    hb_debt(amount=30000)
    for n, pay in enumerate(("2025-06-04", "2025-06-11", "2025-06-18"), start=1):
        events(line(f"m{n}", "benefit.payment_missed", occurred_on=pay, award_ref="PIP1", pay_date=pay))
    day = date(2025, 6, 2)
    while day <= date(2025, 6, 19):
        run_day(day)
        day += timedelta(days=1)
    assert [(r.date, r.award.award_ref) for r in taken()] == [
        (date(2025, 6, 2), "JSA1"), (date(2025, 6, 9), "JSA1"), (date(2025, 6, 16), "JSA1")]
    assert not MissedInstalment.objects.exists() and status("HB1") == ("OPEN", "")
    assert check_ledger().ok


OWNER = "CE123456A"  # owns the joint debts below; AB123456C (NINO of the tests' own events) owes them jointly


def _owners_jsa(start: str, first: str) -> str:
    return line("start-JSAO", "award.started", nino=OWNER, award_ref="JSAO", benefit="JSA", start_date=start,
                legacy={"weekly_amount": "90.50", "pay_frequency": "WEEKLY", "first_pay_date": first})


def _owned_jointly(ref: str, amount: str, occurred_on: str = "2025-04-08") -> str:
    return line(f"ref-{ref}", "debt.referred", occurred_on=occurred_on, nino=OWNER, creditor="DWP", creditor_ref=ref,
                debt_type="OVERPAYMENT", classification="NON_FRAUD", amount=amount, created_on="2025-04-01",
                joint_nino="AB123456C")


def _breathing_space() -> str:
    return line("bs", "person.insolvency", occurred_on="2025-06-05", kind="BREATHING_SPACE", start_date="2025-06-05")


def test_over_recovery_of_a_joint_debt_is_a_credit_of_the_person_it_was_recovered_from() -> None:
    """recovery-rules.md §5 ("over-recovery leaves a credit on the person"): K owns a £200.00 debt owed
    jointly with J and has no benefit; J's UC pays £60.02 twice. Revised to £50.00, the £70.04 over-recovered
    was J's money (the last recovered first): it is J's credit, refunded to J, not to K."""
    from test_recovery_daily_deductions import uc_period_of

    owner = OWNER
    events(uc_award(), uc_period_of("ap6", "2025-06-01", "2025-06-30", "2025-07-07"),
           uc_period_of("ap7", "2025-07-01", "2025-07-31", "2025-08-07"),
           _owned_jointly("J", "200.00", "2025-04-08"))
    run_day(date(2025, 7, 7))
    run_day(date(2025, 8, 7))
    assert sum(r.amount_pence for r in taken()) == 12004
    events(line("rev", "debt.revised", occurred_on="2025-08-08", nino=owner, creditor="DWP", creditor_ref="J",
                amount="50.00", reason="appeal"))
    run_day(date(2025, 8, 8))
    payer, other = Person.objects.get(nino="AB123456C"), Person.objects.get(nino=owner)
    assert account_balance(AccountKey(AccountKind.PERSON_REFUND_DUE, payer.pk)) == -7004
    assert account_balance(AccountKey(AccountKind.PERSON_REFUND_DUE, other.pk)) == 0
    assert check_ledger().ok


def _paid_directly(event_id: str, nino: str, on: str, amount: str, **target: str) -> str:
    return line(event_id, "payment.received", occurred_on=on, nino=nino, amount=amount, received_on=on,
                channel="BANK_TRANSFER", **target)


def test_over_recovery_of_a_joint_debt_paid_directly_is_a_credit_of_the_debtor_who_paid() -> None:
    """recovery-rules.md §5 ("over-recovery leaves a credit on the person"), events.md §3 (a payment is the
    person's whose event it is): O owns a £200.00 debt jointly with J; neither has a benefit. J pays £80.00
    of it directly, then O £30.00. Revised to £100.00, the £10.00 over-recovered is O's (the newest money);
    revised to £50.00, the next £50.00 is O's other £20.00 and £30.00 of J's. Each is refunded what they
    paid beyond the debt, not the owner all of it."""
    events(_owned_jointly("J", "200.00", "2025-04-08"),
           _paid_directly("pay-j", "AB123456C", "2025-06-10", "80.00", creditor="DWP", creditor_ref="J"),
           _paid_directly("pay-o", OWNER, "2025-06-12", "30.00", creditor="DWP", creditor_ref="J"))
    run_day(date(2025, 6, 12))
    for n, (day, amount) in enumerate(((13, "100.00"), (14, "50.00"))):
        events(line(f"rev{n}", "debt.revised", occurred_on=f"2025-06-{day}", nino=OWNER, creditor="DWP",
                    creditor_ref="J", amount=amount, reason="appeal"))
        run_day(date(2025, 6, day))
    j, o = Person.objects.get(nino="AB123456C"), Person.objects.get(nino=OWNER)
    assert account_balance(AccountKey(AccountKind.PERSON_REFUND_DUE, o.pk)) == -3000
    assert account_balance(AccountKey(AccountKind.PERSON_REFUND_DUE, j.pk)) == -3000
    assert check_ledger().ok


def test_over_recovery_of_a_joint_debt_after_a_deduction_and_a_later_direct_payment_takes_the_payment_first(
        ) -> None:
    """recovery-rules.md §5, the newest money first: O owns a £200.00 debt jointly with J; J's UC pays
    £60.02, then O pays £50.00 directly, untargeted (spread over O's debts: this one). Revised to £80.00,
    the £30.02 over-recovered is O's payment, not J's deduction."""
    from test_recovery_daily_deductions import uc_period_of

    events(uc_award(), uc_period_of("ap6", "2025-06-01", "2025-06-30", "2025-07-07"),
           _owned_jointly("J", "200.00", "2025-04-08"),
           _paid_directly("pay-o", OWNER, "2025-07-08", "50.00"))
    run_day(date(2025, 7, 7))
    run_day(date(2025, 7, 8))
    assert sum(r.amount_pence for r in taken()) == 6002
    events(line("rev", "debt.revised", occurred_on="2025-07-09", nino=OWNER, creditor="DWP", creditor_ref="J",
                amount="80.00", reason="appeal"))
    run_day(date(2025, 7, 9))
    j, o = Person.objects.get(nino="AB123456C"), Person.objects.get(nino=OWNER)
    assert account_balance(AccountKey(AccountKind.PERSON_REFUND_DUE, o.pk)) == -3002
    assert account_balance(AccountKey(AccountKind.PERSON_REFUND_DUE, j.pk)) == 0
    assert check_ledger().ok


def test_breathing_space_of_a_uc_joint_debtor_suspends_a_joint_debt_recovered_from_the_owners_legacy_benefit(
        ) -> None:
    """recovery-rules.md §6 (a moratorium stops recovery of eligible debts other than UC deductions) with the
    Decisions that a joint debt is in either debtor's moratorium and is recovered from its owner's benefit:
    J, on UC, enters a breathing space; the joint debt O owns is recovered from O's JSA, not from UC, so it is
    suspended for the moratorium (and stays so while J's UC is in payment), then resumes when it ends."""
    from dms.services.recovery_events import release_for_uc_deductions, resume_after_moratoria

    events(uc_award(), _owners_jsa("2025-05-01", "2025-06-02"),
           _owned_jointly("J", "300.00", "2025-04-08"),
           _breathing_space())
    run_day(date(2025, 6, 2))
    run_day(date(2025, 6, 5))
    assert status("J")[0] == "SUSPENDED"
    release_for_uc_deductions(date(2025, 6, 6))
    assert status("J")[0] == "SUSPENDED"
    run_day(date(2025, 6, 9))
    assert [r.date for r in taken()] == [date(2025, 6, 2)]
    resume_after_moratoria(date(2025, 8, 4))
    assert status("J")[0] == "OPEN" and check_ledger().ok


def test_over_recovery_of_a_joint_debt_revised_twice_gives_each_payer_back_only_what_they_paid() -> None:
    """recovery-rules.md §5, the same Decision: for a £300.00 debt O owns jointly with J, J's UC paid £60.02
    (O had no benefit), then O's JSA £13.95. Revised to £70.00, the £3.97 over-recovered is O's (the newest
    money); revised to £50.00, the next £20.00 is O's remaining £9.98 and £10.02 of J's: nothing is given
    back twice, and each gets back no more than they paid."""
    from test_recovery_daily_deductions import uc_period_of

    owner = OWNER
    events(uc_award(), uc_period_of("ap6", "2025-06-01", "2025-06-30", "2025-07-07"),
           _owners_jsa("2025-07-08", "2025-07-14"),
           _owned_jointly("J", "300.00", "2025-04-08"))
    run_day(date(2025, 7, 7))
    run_day(date(2025, 7, 14))
    assert [(r.person.nino, r.amount_pence) for r in taken()] == [("AB123456C", 6002), (owner, 1395)]
    for n, amount in enumerate(("70.00", "50.00")):
        events(line(f"rev{n}", "debt.revised", occurred_on=f"2025-07-1{5 + n}", nino=owner, creditor="DWP",
                    creditor_ref="J", amount=amount, reason="appeal"))
        run_day(date(2025, 7, 15 + n))
    j, o = Person.objects.get(nino="AB123456C"), Person.objects.get(nino=owner)
    assert account_balance(AccountKey(AccountKind.PERSON_REFUND_DUE, o.pk)) == -1395
    assert account_balance(AccountKey(AccountKind.PERSON_REFUND_DUE, j.pk)) == -1002
    assert check_ledger().ok


def test_joint_debt_reported_during_a_uc_claimants_moratorium_is_suspended_when_another_legacy_benefit_recovers_it(
        ) -> None:
    """recovery-rules.md §6 with docs/recovery-notes.md ("a joint debt reported after such a restriction was
    applied is suspended on import"): J, on UC, is in a breathing space; a joint debt O owns, recovered from
    O's JSA (not UC), reported during it, is suspended at once and nothing is taken for it."""
    events(uc_award(), _owners_jsa("2025-05-01", "2025-06-02"),
           _breathing_space())
    run_day(date(2025, 6, 5))
    events(_owned_jointly("J2", "300.00", "2025-06-08"))
    run_day(date(2025, 6, 9))
    assert status("J2")[0] == "SUSPENDED" and not taken()


def test_joint_debt_suspended_when_the_owners_legacy_benefit_starts_during_a_uc_joint_debtors_moratorium() -> None:
    """recovery-rules.md §6, the same Decisions: J, on UC, is in a breathing space; the joint debt O owns is
    recovered from J's UC (O has no benefit), so it stays in recovery. O's JSA starts during the moratorium:
    from then the debt is recovered from O's legacy benefit, which the moratorium covers, so it is suspended
    and nothing is taken from O's JSA for it until the moratorium ends."""
    from test_recovery_daily_deductions import uc_period_of

    events(uc_award(), uc_period_of("ap6", "2025-05-01", "2025-05-31", "2025-06-07"),
           _owned_jointly("J", "300.00", "2025-04-08"),
           _breathing_space(),
           _owners_jsa("2025-06-10", "2025-06-16"))
    for day in (date(2025, 6, 5), date(2025, 6, 7), date(2025, 6, 10), date(2025, 6, 16)):
        run_day(day)
    assert [(r.date, r.person.nino) for r in taken()] == [(date(2025, 6, 7), "AB123456C")]
    assert status("J")[0] == "SUSPENDED" and check_ledger().ok


@pytest.mark.parametrize("reported", ["in_time", "late"])
def test_death_of_a_joint_award_holder_leaves_the_award_paying_for_the_living_partners_debts(reported: str) -> None:
    """recovery-rules.md §6 (deductions stop for the person who died) with the Decision that a joint UC award
    goes on paying the living partner it names: A holds the joint award naming B and dies on 2025-06-02. Its
    later periods take for B's own debt and the debt A and B owe jointly (rule c: the joint debt first), as a
    joint award whose partner has died takes for the holder's; the same whenever the death is reported (what
    the award took for B's debts after A's death stands). A new HB debt of B's is recovered from it too."""
    from test_recovery_daily_deductions import uc_period_of

    partner = "CE654321A"
    died = line("died", "person.died", occurred_on="2025-06-03", date_of_death="2025-06-02")
    events(line("start-UCJ", "award.started", award_ref="UC1", benefit="UC", start_date="2025-04-07",
                uc={"claimant_type": "JOINT_25_OR_OVER", "assessment_period_day": 1, "partner_nino": partner}),
           line("ref-J1", "debt.referred", occurred_on="2025-04-08", creditor="DWP", creditor_ref="J1",
                debt_type="OVERPAYMENT", classification="NON_FRAUD", amount="100.00", created_on="2025-04-01",
                joint_nino=partner),
           line("ref-B1", "debt.referred", nino=partner, occurred_on="2025-04-08", creditor="DWP", creditor_ref="B1",
                debt_type="OVERPAYMENT", classification="NON_FRAUD", amount="400.00", created_on="2025-04-02"),
           uc_period_of("ap5", "2025-05-01", "2025-05-31", "2025-06-07"),
           uc_period_of("ap6", "2025-06-01", "2025-06-30", "2025-07-07"))
    if reported == "in_time":
        events(died)
    run_day(date(2025, 6, 7))
    run_day(date(2025, 7, 7))
    if reported == "late":
        events(died)
        run_day(date(2025, 7, 8))
    got = [(r.date, r.ref, r.amount_pence) for r in taken()]
    # £94.21 a period (15% of £628.10): the joint debt first (rule c), then B's own
    assert got == [(date(2025, 6, 7), "J1", 9421), (date(2025, 7, 7), "J1", 579), (date(2025, 7, 7), "B1", 8842)]
    assert not taken("REVERSED")
    assert Debt.objects.get(creditor_ref="J1").status == DebtStatus.CLEARED
    assert Debt.objects.get(creditor_ref="B1").status == DebtStatus.OPEN
    assert check_ledger().ok


def test_death_of_a_partner_reported_late_is_not_a_misallocation_of_the_shares_left() -> None:
    """A9/2025 §53 with the Decision that a period already paid is not worked out again when a death is
    reported late: A's DWP debt and partner B's HMRC debt share item 19 (rule b, £47.11 and £47.10 of £94.21);
    B died before the payment date, reported after it: B's share is reversed and A's stands. The item's lines
    left are not listed as misallocated (nothing staff could correct: B's debt is with the estate)."""
    from test_recovery_daily_deductions import uc_period_of

    from dms.services import misallocation

    partner = "CE654321A"
    events(line("start-UCJ", "award.started", award_ref="UC1", benefit="UC", start_date="2025-04-07",
                uc={"claimant_type": "JOINT_25_OR_OVER", "assessment_period_day": 1, "partner_nino": partner}),
           line("ref-A1", "debt.referred", occurred_on="2025-04-08", creditor="DWP", creditor_ref="A1",
                debt_type="OVERPAYMENT", classification="NON_FRAUD", amount="600.00", created_on="2025-04-01"),
           line("ref-H1", "debt.referred", nino=partner, occurred_on="2025-04-08", creditor="HMRC", creditor_ref="H1",
                debt_type="OVERPAYMENT", classification="NON_FRAUD", amount="300.00", created_on="2025-04-02"),
           uc_period_of("ap6", "2025-06-01", "2025-06-30", "2025-07-07"))
    run_day(date(2025, 7, 7))
    assert sorted((r.ref, r.amount_pence) for r in taken()) == [("A1", 4711), ("H1", 4710)]
    events(line("died", "person.died", nino=partner, occurred_on="2025-07-08", date_of_death="2025-07-05"))
    run_day(date(2025, 7, 8))
    assert [(r.ref, r.amount_pence) for r in taken()] == [("A1", 4711)]
    assert [(r.ref, r.amount_pence) for r in taken("REVERSED")] == [("H1", 4710)]
    assert misallocation.detect("2025-07", today=date(2025, 7, 9)) == []
    assert check_ledger().ok


def test_a_partners_untargeted_payment_and_credit_go_to_joint_dwp_debts_first_on_their_joint_award() -> None:
    """Annex B rule c (recovery-rules.md §3: on a joint award, DWP joint debts before DWP single debts) and
    events.md §3 (an untargeted payment is spread like a deduction): the partner named on a joint UC award
    is one of its claimants, so their untargeted payment and their credit (a payment's excess) go to the
    couple's joint DWP debt before the partner's own older single DWP debts, as the holder's do."""
    partner = "CE654321A"
    events(line("start-UCJ", "award.started", award_ref="UC1", benefit="UC", start_date="2025-04-07",
                uc={"claimant_type": "JOINT_25_OR_OVER", "assessment_period_day": 1, "partner_nino": partner}),
           line("ref-J", "debt.referred", occurred_on="2025-04-08", creditor="DWP", creditor_ref="J",
                debt_type="OVERPAYMENT", classification="NON_FRAUD", amount="500.00", created_on="2025-03-01",
                joint_nino=partner),
           line("ref-P1", "debt.referred", nino=partner, occurred_on="2025-04-08", creditor="DWP",
                creditor_ref="P1", debt_type="OVERPAYMENT", classification="NON_FRAUD", amount="500.00",
                created_on="2025-02-01"),
           line("ref-P2", "debt.referred", nino=partner, occurred_on="2025-04-08", creditor="DWP",
                creditor_ref="P2", debt_type="OVERPAYMENT", classification="NON_FRAUD", amount="50.00",
                created_on="2025-01-01"))
    events(line("pay-p", "payment.received", nino=partner, occurred_on="2025-06-04", amount="30.00",
                received_on="2025-06-04", channel="CARD"),
           line("pay-p2", "payment.received", nino=partner, occurred_on="2025-06-05", amount="60.00",
                received_on="2025-06-05", channel="CARD", creditor="DWP", creditor_ref="P2"))
    run_day(date(2025, 6, 5))
    paid = {d.creditor_ref: 0 for d in Debt.objects.all()}
    paid.update({d.creditor_ref: debt_service.figures_of(d).recovered_pence for d in Debt.objects.all()})
    assert paid == {"J": 3000 + 1000, "P1": 0, "P2": 5000} and check_ledger().ok


def test_a_reduced_rate_on_a_joint_debt_is_agreed_in_the_unit_of_the_benefit_of_the_debtor_it_is_set_for() -> None:
    """A9/2025 §31 and docs/recovery-notes.md "Reduced (affordable) rates" (a rate keeps the unit it was
    agreed in; a joint debt's rate is lower than the higher of its two debtors' rates): set for a debtor on a
    weekly legacy benefit, the rate is per week and compared with the higher of their weekly rate (£13.95 in
    June 2025) and the other debtor's UC item maximum per assessment period converted to a week (£60.02 x
    12/52 = £13.85, rounded down); set for the debtor on UC, per assessment period against £60.02 and the
    weekly rate x 52/12 (£60.45, rounded down)."""
    other = "CE654321A"
    events(uc_award(nino=other),
           line("start-ESA", "award.started", award_ref="ESA1", benefit="ESA", start_date="2025-05-01",
                legacy={"weekly_amount": "150.00", "pay_frequency": "WEEKLY", "first_pay_date": "2025-06-02"}),
           line("ref-J", "debt.referred", nino=other, occurred_on="2025-04-08", creditor="DWP", creditor_ref="J",
                debt_type="OVERPAYMENT", classification="NON_FRAUD", amount="500.00", created_on="2025-03-01",
                joint_nino=NINO))
    on = date(2025, 6, 1)
    with pytest.raises(DmsError, match=r"13\.95 \(the legacy weekly rate on 2025-06-01\)"):
        set_reduced_rate(NINO, "J", "20.00", date(2025, 9, 1), "affordability", "staff", on)
    assert set_reduced_rate(NINO, "J", "13.90", date(2025, 9, 1), "affordability", "staff", on).per == "WEEK"
    with pytest.raises(DmsError, match=r"60\.45 \(the legacy weekly rate, x 52/12 as a rate per assessment"):
        set_reduced_rate(other, "J", "60.45", date(2025, 9, 1), "affordability", "staff", on)
    assert set_reduced_rate(other, "J", "60.44", date(2025, 9, 1), "affordability", "staff", on).per == \
        "ASSESSMENT_PERIOD"
    assert [r.per for r in ReducedRate.objects.order_by("id")] == ["WEEK", "ASSESSMENT_PERIOD"]


# ---------------------------------------------------------------------------------------------- late reports
# docs/events-notes.md "A late report does not overwrite a later one" (**Decision**; events.md §1: ``occurred_on``
# is the business date the fact took effect): of two reports of one fact, the one that occurred later stands,
# in whichever order they are delivered; the older is kept, superseded, and never applied.

NEWER_FIRST, OLDER_FIRST = "newer delivered first", "older delivered first"


def deliver(order: str, older: str, newer: str) -> None:
    if order == NEWER_FIRST:
        events(newer)
        events(older)
    else:
        events(older)
        events(newer)


def test_a_revision_that_occurred_before_one_applied_leaves_the_recovered_money_explained() -> None:
    """events.md §3 ``debt.revised`` (hb-debt-interface.md §6.5: a revision below what was recovered is an
    over-recovery, recovery-rules.md §5): £60.02 taken from a £400.00 debt, revised to £50.00 (occurred
    2025-06-10): the debt is CLEARED and £10.02 refunded. A revision to £250.00 that occurred on 2025-06-09,
    delivered after, changes nothing: the debt stays CLEARED at £50.00, the refund stands, no entry is
    posted and the ledger still ties."""
    events(uc_award(), dwp_debt("BA1", amount="400.00"), period())
    run_day(PAY)
    events(line("rev-new", "debt.revised", occurred_on="2025-06-10", creditor="DWP", creditor_ref="BA1",
                amount="50.00"))
    entries = JournalEntry.objects.count()
    events(line("rev-old", "debt.revised", occurred_on="2025-06-09", creditor="DWP", creditor_ref="BA1",
                amount="250.00"))
    debt = Debt.objects.get(creditor_ref="BA1")
    assert (debt.status, debt.amount_pence, debt_service.figures_of(debt).recovered_pence) == ("CLEARED", 5000, 5000)
    assert [d.amount_pence for d in taken()] == [6002]  # £60.02 taken, £10.02 of it taken back and refunded
    person = Person.objects.get(nino=NINO)
    assert account_balance(AccountKey(AccountKind.PERSON_REFUND_DUE, person.pk)) == -1002
    assert JournalEntry.objects.count() == entries and check_ledger().ok
    assert InboundEvent.objects.get(event_id="rev-old").superseded_by == "rev-new"


def test_a_revision_waiting_for_its_date_does_not_supersede_one_that_occurred_before_it() -> None:
    """docs/events-notes.md "A revision or withdrawal dated ahead takes effect on its date" with "A late report
    does not overwrite a later one": a revision dated ahead of the run (£300.00 on 2025-06-20) waits for its
    date; one that occurred before it (£250.00 on 2025-06-05), delivered after it, is in force from its own
    date until then, and the later one from its date: each applies, in date order."""
    events(uc_award(), dwp_debt("BA1", amount="400.00"))
    RunDay.objects.create(run_date=date(2025, 6, 1), completed=True)
    events(line("rev-new", "debt.revised", occurred_on="2025-06-20", creditor="DWP", creditor_ref="BA1",
                amount="300.00"))
    events(line("rev-old", "debt.revised", occurred_on="2025-06-05", creditor="DWP", creditor_ref="BA1",
                amount="250.00"))
    run_day(date(2025, 6, 5))
    assert Debt.objects.get(creditor_ref="BA1").amount_pence == 25000
    run_day(date(2025, 6, 20))
    assert Debt.objects.get(creditor_ref="BA1").amount_pence == 30000
    assert not InboundEvent.objects.exclude(superseded_by="").exists() and check_ledger().ok


@pytest.mark.parametrize("order", [NEWER_FIRST, OLDER_FIRST])
def test_a_death_that_occurred_before_a_later_report_of_it_does_not_stop_recovery_from_its_date(order: str) -> None:
    """events.md §2 ``person.died`` (recovery stops; HB debts cease DEATH): a death reported on 2025-06-08 as
    on 2025-06-05, and again on 2025-06-12 as on 2025-06-10. In either order of delivery the later report
    stands: nothing happens on 2025-06-05, and the HB debt ceases for the death of 2025-06-10."""
    events(uc_award(), dwp_debt())
    hb_debt()
    deliver(order, line("died-old", "person.died", occurred_on="2025-06-08", date_of_death="2025-06-05"),
            line("died-new", "person.died", occurred_on="2025-06-12", date_of_death="2025-06-10"))
    assert Person.objects.get(nino=NINO).date_of_death == date(2025, 6, 10)
    summary = run_day(date(2025, 6, 5))
    assert status("HB1") == ("OPEN", "") and summary.get("events_superseded", 0) == (order == OLDER_FIRST)
    run_day(date(2025, 6, 10))
    assert status("HB1") == ("RETURNED", "DEATH") and status("BA1")[0] == "ESTATE"
    assert Person.objects.get(nino=NINO).date_of_death == date(2025, 6, 10)
    old = InboundEvent.objects.get(event_id="died-old")
    assert (old.applied, old.superseded_by) == (False, "died-new") and check_ledger().ok


@pytest.mark.parametrize("order", [NEWER_FIRST, OLDER_FIRST])
def test_an_award_end_that_occurred_before_a_later_report_of_it_does_not_move_the_end_earlier(order: str) -> None:
    """events.md §2 ``award.ended`` (no benefit in payment after ``end_date``; HB debts cease UC_AWARD_ENDED):
    the end reported on 2025-06-12 as 2025-06-10, and on 2025-06-20 as 2025-06-15. In either order the later
    report stands: the HB debt ceases the day after 2025-06-15, not 2025-06-10."""
    events(uc_award())
    hb_debt()
    deliver(order, line("end-old", "award.ended", occurred_on="2025-06-12", award_ref="UC1", end_date="2025-06-10",
                        reason="AWARD_ENDED"),
            line("end-new", "award.ended", occurred_on="2025-06-20", award_ref="UC1", end_date="2025-06-15",
                 reason="AWARD_ENDED"))
    assert Award.objects.get(award_ref="UC1").end_date == date(2025, 6, 15)
    run_day(date(2025, 6, 11))
    assert status("HB1") == ("OPEN", "")
    run_day(date(2025, 6, 16))
    assert status("HB1") == ("RETURNED", "UC_AWARD_ENDED") and cessation_date("HB1") == date(2025, 6, 16)
    assert InboundEvent.objects.get(event_id="end-old").superseded_by == ("end-new" if order == NEWER_FIRST else "")


@pytest.mark.parametrize("order", [NEWER_FIRST, OLDER_FIRST])
def test_a_sanction_report_that_occurred_before_a_later_report_of_it_returns_nothing(order: str) -> None:
    """events.md §2 ``person.sanction`` (a 100% sanction of 13 weeks or more returns HB debts): a sanction from
    2025-06-02 reported as 100% for 13 weeks (occurred 2025-06-02) and again as 40% (occurred 2025-06-06).
    In either order the later report stands: the HB debt is not returned and one restriction, of 40%, is
    held; the older report is kept, superseded."""
    events(uc_award())
    hb_debt()
    sanction = {"start_date": "2025-06-02", "duration_weeks": 13}
    deliver(order, line("sn-old", "person.sanction", occurred_on="2025-06-02", rate_percent=100, **sanction),
            line("sn-new", "person.sanction", occurred_on="2025-06-06", rate_percent=40, **sanction))
    run_day(date(2025, 6, 6))
    assert status("HB1") == ("OPEN", "")
    assert [(r.event_id, r.rate_percent) for r in Restriction.objects.all()] == [("sn-new", "40")]
    assert InboundEvent.objects.get(event_id="sn-old").superseded_by == "sn-new"


def test_an_insolvency_report_that_occurred_before_a_later_report_of_it_adds_nothing() -> None:
    """recovery-rules.md §6 (a DRO bars recovery of the non-fraud debts it includes): a DRO from 2025-06-02
    reported on 2025-06-10 with its end, then the report of its start (occurred 2025-06-02) delivered after
    the run applied it: the import counts it superseded, and one restriction is held, with the end the later
    report gave, noting the older report."""
    events(uc_award(), dwp_debt("NF"))
    dro = {"kind": "DEBT_RELIEF_ORDER", "start_date": "2025-06-02"}
    events(line("dro-new", "person.insolvency", occurred_on="2025-06-10", end_date="2026-06-01", **dro))
    run_day(date(2025, 6, 10))
    report = import_events([line("dro-old", "person.insolvency", occurred_on="2025-06-02", **dro)], source="t")
    assert (report.stored, report.superseded) == (1, 1)
    summary = run_day(date(2025, 6, 11))
    assert "events_superseded" not in summary and status("NF")[0] == "SUSPENDED"
    restriction = Restriction.objects.get()
    assert restriction.end_date == date(2026, 6, 1)
    assert ("at import: event dro-old (occurred 2025-06-02) left it as event dro-new (occurred 2025-06-10) set it"
            in restriction.note)


def test_a_sanction_wholly_between_two_legacy_pay_dates_reduces_the_benefit_of_the_pay_period_it_falls_in() -> None:
    """recovery-rules.md §4 (the instalment is taken from what is paid, never leaving less than 10p a week) with
    events.md §2 ``person.sanction`` and the Decision in docs/recovery-notes.md "Sanctions and legacy
    instalments" (a pay date pays, in arrears, for the pay period ending on it; each sanction reduces it pro
    rata by the days of the period it covers): fortnightly JSA of £20.00 a week pays £40.00 on 2025-06-16 for
    2025-06-03 to 2025-06-16; a 100% sanction from 2025-06-03 for one week, in force on neither pay date,
    takes 7 of the 14 days, £20.00, so £19.80 is taken above the 20p floor, not the £27.90 instalment."""
    events(legacy_award(frequency="FORTNIGHTLY", first="2025-06-02", weekly="20.00"))
    hb_debt()
    events(line("s1", "person.sanction", occurred_on="2025-06-03", rate_percent=100, start_date="2025-06-03",
                duration_weeks=1))
    for day in (date(2025, 6, 2), date(2025, 6, 3), date(2025, 6, 16), date(2025, 6, 30)):
        run_day(day)
    assert [(d.date, d.amount_pence) for d in taken()] == [
        (date(2025, 6, 2), 2790), (date(2025, 6, 16), 1980), (date(2025, 6, 30), 2790)]
    assert status("HB1") == ("OPEN", "")
    june_16 = taken()[1]
    assert "less £20.00 for a sanction" in june_16.explanation
    assert "£20.00 paid" in june_16.explanation
    assert "2025-06-03 to 2025-06-16" in june_16.explanation


def test_a_sanction_over_two_legacy_pay_periods_reduces_each_by_the_days_it_covers() -> None:
    """The same rule (recovery-rules.md §4; events.md §2 ``person.sanction``; docs/recovery-notes.md
    "Sanctions and legacy instalments"): weekly JSA of £20.00 paid on Mondays, a 50% sanction for one week
    from Wednesday 2025-06-04 to Tuesday 2025-06-10 covers 6 days of the week 2025-06-09 pays for (£8.57
    off: £11.43 paid, £11.33 taken above the 10p floor) and 1 day of the week 2025-06-16 pays for (£1.42 off:
    the £13.95 instalment fits)."""
    events(legacy_award(first="2025-06-02", weekly="20.00"))
    hb_debt()
    events(line("s1", "person.sanction", occurred_on="2025-06-04", rate_percent=50, start_date="2025-06-04",
                duration_weeks=1))
    for day in (date(2025, 6, 2), date(2025, 6, 4), date(2025, 6, 9), date(2025, 6, 16)):
        run_day(day)
    assert [(d.date, d.amount_pence) for d in taken()] == [
        (date(2025, 6, 2), 1395), (date(2025, 6, 9), 1133), (date(2025, 6, 16), 1395)]
    assert "less £1.42 for a sanction" in taken()[2].explanation
    assert "50% on 1 day (2025-06-10)" in taken()[2].explanation


def test_a_sanction_reported_late_wholly_between_two_pay_dates_reverses_the_instalment_of_the_pay_date_after_it(
) -> None:
    """The late path judges by the same rule (docs/recovery-notes.md "Sanctions and legacy instalments": a
    sanction reported late): a 100% sanction from 2025-06-03 for one week, reported on 2025-06-17, was in
    force on no pay date but covers 7 of the 14 days 2025-06-16 paid for: £20.00 of £40.00 was paid, too
    little for the £27.90 taken, which is reversed; the instalment of 2025-06-02 stands."""
    events(legacy_award(frequency="FORTNIGHTLY", first="2025-06-02", weekly="20.00"))
    hb_debt()
    for day in (date(2025, 6, 2), date(2025, 6, 16)):
        run_day(day)
    events(line("s1", "person.sanction", occurred_on="2025-06-17", rate_percent=100, start_date="2025-06-03",
                duration_weeks=1))
    run_day(date(2025, 6, 17))
    assert [r.date for r in taken()] == [date(2025, 6, 2)]
    assert [r.date for r in taken("REVERSED")] == [date(2025, 6, 16)]
    assert status("HB1") == ("OPEN", "") and check_ledger().ok


def test_rerate_reduces_the_legacy_benefit_by_the_sanctions_over_the_pay_period_the_date_falls_in() -> None:
    """`dms rerate` takes the instalment of the current pay period as the daily run will take it on its pay
    date (docs/recovery-notes.md "Sanctions and legacy instalments"): on 2025-06-10 the fortnight 2025-06-03 to
    2025-06-16 has a 100% sanction on 7 days, so £19.80 of £40.00, not the £27.90 instalment."""
    from dms.services.rerate import rerate
    from dms.store.replay.models import RerateResult

    events(legacy_award(frequency="FORTNIGHTLY", first="2025-06-02", weekly="20.00"))
    hb_debt()
    events(line("s1", "person.sanction", occurred_on="2025-06-03", rate_percent=100, start_date="2025-06-03",
                duration_weeks=1))
    run_day(date(2025, 6, 2))
    run_day(date(2025, 6, 10))
    during = rerate(date(2025, 6, 10))
    after = rerate(date(2025, 6, 17))
    assert sum(r.now_pence for r in RerateResult.objects.filter(run_id=during.run_id)) == 1980
    assert sum(r.now_pence for r in RerateResult.objects.filter(run_id=after.run_id)) == 2790


@pytest.mark.parametrize("sanction_known", ["in time", "late, with the missed payments", "late, before them"])
def test_a_pay_date_a_sanction_left_nothing_due_is_no_missed_instalment_whenever_the_sanction_is_known(
        sanction_known: str) -> None:
    """recovery-rules.md §4: "Three missed instalments ... return an HB debt"; docs/recovery-notes.md: only a
    payment an instalment was taken from (and is reversed) counts. A 100% sanction for the week a pay date pays
    for leaves no instalment due that day: a missed payment of it is no missed instalment, whether the sanction
    was known when the pay date was run or reported after it (its instalment then reversed for the sanction),
    so payments of three pay dates reported missed count two and the HB debt stays in recovery."""
    sanction = line("s1", "person.sanction", occurred_on="2025-06-10", rate_percent="100", start_date="2025-06-10",
                    duration_weeks=1)
    missed = [line(f"m{n}", "benefit.payment_missed", occurred_on="2025-06-25", award_ref="JSA1", pay_date=pay)
              for n, pay in enumerate(("2025-06-09", "2025-06-16", "2025-06-23"), start=1)]
    events(legacy_award(first="2025-06-02", weekly="100.00"))
    hb_debt()
    if sanction_known == "in time":
        events(sanction)
    for day in (date(2025, 6, 2), date(2025, 6, 9), date(2025, 6, 16), date(2025, 6, 23), date(2025, 6, 24)):
        run_day(day)
    if sanction_known == "late, before them":
        events(json.dumps({**json.loads(sanction), "occurred_on": "2025-06-25"}))
        run_day(date(2025, 6, 25))
        events(*[json.dumps({**json.loads(m), "occurred_on": "2025-06-26"}) for m in missed])
        run_day(date(2025, 6, 26))
    else:
        late = [] if sanction_known == "in time" else [json.dumps({**json.loads(sanction), "occurred_on": "2025-06-25"})]
        events(*late, *missed)
        run_day(date(2025, 6, 25))
    assert sorted(MissedInstalment.objects.values_list("pay_date", flat=True)) == [date(2025, 6, 9),
                                                                                 date(2025, 6, 23)]
    assert status("HB1")[0] == "OPEN" and check_ledger().ok


def test_a_payment_naming_a_debt_that_takes_effect_later_is_applied_when_the_debt_takes_effect() -> None:
    """events.md §1 (`occurred_on`: the business date the fact took effect) and docs/events-notes.md "A debt is
    recovered from the date it took effect": a `payment.received` of 2025-06-30 naming a debt referred with
    `occurred_on` 2025-07-02 (imported ahead) is not put on the debt before it exists: the run of 2025-06-30
    leaves it waiting, and the run of 2025-07-02 applies it, dated that day; no day leaves the debt owing less
    than nothing."""
    events(line("ref-DW1", "debt.referred", occurred_on="2025-07-02", creditor="DWP", creditor_ref="DW1",
                debt_type="OVERPAYMENT", classification="NON_FRAUD", amount="100.00", created_on="2025-06-01"),
           line("pay1", "payment.received", occurred_on="2025-06-30", amount="30.00", received_on="2025-06-30",
                channel="CARD", creditor="DWP", creditor_ref="DW1"))
    run_day(date(2025, 6, 30))
    assert not InboundEvent.objects.get(event_id="pay1").applied
    assert not JournalEntry.objects.filter(kind=EntryKind.DIRECT_PAYMENT).exists()
    run_day(date(2025, 7, 1))
    assert not InboundEvent.objects.get(event_id="pay1").applied
    run_day(date(2025, 7, 2))
    paid = JournalEntry.objects.get(kind=EntryKind.DIRECT_PAYMENT)
    assert paid.business_date == date(2025, 7, 2) and InboundEvent.objects.get(event_id="pay1").applied
    assert debt_service.figures_of(Debt.objects.get(creditor_ref="DW1")).balance_pence == 7000 and check_ledger().ok
