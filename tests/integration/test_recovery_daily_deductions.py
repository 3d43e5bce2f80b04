"""The daily run's deduction step: UC periods on their payment date (late ones on the next run), legacy pay
dates, only OPEN debts, ledger entries in the architecture's shape, clearing, third-party instructions,
reduced rates and re-runs (recovery-rules.md §3-4; spec/events.md §2)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import transaction

from dms.debts import DebtStatus
from dms.ledger import AccountKey, AccountKind, EntryKind
from dms.services import debts as debt_service
from dms.services.creditors import LaDetails, register_la
from dms.services.events import import_events
from dms.services.recovery import deductions_step, life_events_step
from dms.store.ledger import account_balance, check_ledger
from dms.store.models import Creditor, Debt, InboundEvent, JournalEntry, Person, Posting
from dms.store.recovery.models import AssessmentPeriod, Deduction, PeriodExplanation, ReducedRate

pytestmark = pytest.mark.django_db

NINO = "AB123456C"
PAY = date(2025, 6, 7)


def line(event_id: str, type_: str, occurred_on: str = "2025-05-01", nino: str = NINO, **fields: Any) -> str:
    return json.dumps({"event_id": event_id, "type": type_, "occurred_on": occurred_on, "nino": nino, **fields})


def events(*lines: str) -> None:
    report = import_events(list(lines), source="test.jsonl")
    assert report.ok, report.refused


def uc_award(ref: str = "UC1", nino: str = NINO) -> str:
    return line(f"start-{ref}", "award.started", nino=nino, award_ref=ref, benefit="UC", start_date="2025-04-07",
                uc={"claimant_type": "SINGLE_25_OR_OVER", "assessment_period_day": 1})


def legacy_award(ref: str = "JSA1", frequency: str = "WEEKLY", first: str = "2025-06-02",
                 weekly: str = "90.50") -> str:
    return line(f"start-{ref}", "award.started", award_ref=ref, benefit="JSA", start_date="2025-05-01",
                legacy={"weekly_amount": weekly, "pay_frequency": frequency, "first_pay_date": first})


def period(event_id: str = "ap1", payment_date: str = "2025-06-07", amount: str = "800.00",
           third_party: list[dict[str, Any]] | None = None, ref: str = "UC1") -> str:
    return line(event_id, "uc.assessment_period", occurred_on="2025-05-31", award_ref=ref,
                period_start="2025-05-01", period_end="2025-05-31", payment_date=payment_date, award_amount=amount,
                earnings_over_work_allowance=False, sanction_amount="0.00", fraud_penalty_amount="0.00",
                third_party=third_party or [])


def dwp_debt(ref: str = "BA1", amount: str = "300.00", debt_type: str = "OVERPAYMENT",
             classification: str = "NON_FRAUD") -> str:
    return line(f"ref-{ref}", "debt.referred", occurred_on="2025-04-08", creditor="DWP", creditor_ref=ref,
                debt_type=debt_type, classification=classification, amount=amount, created_on="2025-04-01")


def hb_debt(ref: str = "HB1", amount: int = 50000, nino: str = NINO, classification: str = "NON_FRAUD",
            received: date = date(2025, 4, 2)) -> Debt:
    la = Creditor.objects.filter(la_id="000123").first() or register_la(
        LaDetails("000123", "Test Council", "123456", "12345678"))
    return debt_service.create_debt(
        person=Person.objects.get(nino=nino), creditor=la, creditor_ref=ref, debt_type="OVERPAYMENT",
        classification=classification, amount_pence=amount, created_on=date(2025, 4, 1),
        received_on=received, business_date=received, actor="test")


def run_day(day: date) -> dict[str, Any]:
    with transaction.atomic():
        life = life_events_step(day)
        taken = deductions_step(day)
    return {**life, **taken}


def taken(status: str = "TAKEN") -> list[Deduction]:
    return list(Deduction.objects.filter(status=status).order_by("date", "id"))


def test_uc_period_deducted_on_its_payment_date_not_before() -> None:
    events(uc_award(), dwp_debt(), period())
    run_day(PAY - timedelta(days=1))
    assert not Deduction.objects.exists()
    run_day(PAY)
    rows = taken()
    assert len(rows) == 1 and rows[0].date == PAY and rows[0].source == "UC"
    # 15% of the 2025/26 standard allowance £400.14 rounds down to £60.02 (recovery-rules.md §2)
    assert rows[0].amount_pence == 6002 and rows[0].item == "Normal overpayments"
    assert "£60.02" in rows[0].explanation and "Every item considered" in rows[0].explanation
    assert rows[0].explanation_facts["step_index"] == 0 and PeriodExplanation.objects.filter(
        period_id=rows[0].period_id).exists()
    ap = AssessmentPeriod.objects.get()
    assert ap.processed_on == PAY and not ap.late


def test_deduction_entry_follows_ledger_convention() -> None:
    events(uc_award(), dwp_debt(), period())
    run_day(PAY)
    row = taken()[0]
    entry = JournalEntry.objects.get(pk=row.entry_id)
    assert entry.kind == EntryKind.DEDUCTION and entry.business_date == PAY
    postings = {(p.account.kind, p.amount_pence) for p in Posting.objects.filter(entry=entry).select_related("account")}
    assert postings == {("BENEFIT_RECOVERIES", 6002), ("RECEIVABLE", -6002), ("CREDITOR_DEBTS", 6002),
                        ("CREDITOR_PAYABLE", -6002)}
    debt = Debt.objects.get()
    assert debt_service.figures_of(debt).balance_pence == 30000 - 6002
    assert check_ledger().ok


def test_late_assessment_period_taken_on_next_run_and_marked_late() -> None:
    events(uc_award(), dwp_debt())
    run_day(PAY)
    events(period())
    run_day(PAY + timedelta(days=1))
    row = taken()[0]
    assert row.date == PAY + timedelta(days=1) and "late" in row.explanation
    ap = AssessmentPeriod.objects.get()
    assert ap.late and ap.processed_on == PAY + timedelta(days=1)


def test_late_assessment_period_worked_out_as_on_its_payment_date_reduced_rate_then_in_force() -> None:
    """events.md §2 ``uc.assessment_period``: DMS works out the period's deductions "on ``payment_date``"; a
    period reported late is taken on the next run, but as on its payment date: a staff rate (A9/2025 §31) in
    force on 2025-06-07 and expired by the run of 2025-06-09 still sets the amount (£10.00, not £60.02), and
    one set after the payment date does not apply to it."""
    from dms.services.recovery_staff import set_reduced_rate

    events(uc_award(), dwp_debt("BA1", amount="1000.00"), uc_award("UC2", nino="AB223456C"),
           line("ref-BA2", "debt.referred", nino="AB223456C", occurred_on="2025-04-08", creditor="DWP",
                creditor_ref="BA2", debt_type="OVERPAYMENT", classification="NON_FRAUD", amount="1000.00",
                created_on="2025-04-01"))
    run_day(date(2025, 5, 10))
    debt = Debt.objects.get(creditor_ref="BA1")
    set_reduced_rate(NINO, str(debt.pk), "10.00", date(2025, 6, 8), "affordability", "staff", date(2025, 5, 10))
    run_day(PAY)
    other = Debt.objects.get(creditor_ref="BA2")
    set_reduced_rate("AB223456C", str(other.pk), "20.00", date(2025, 9, 1), "affordability", "staff",
                     date(2025, 6, 8))
    events(period(), period("ap2", ref="UC2", **{}).replace(f'"nino": "{NINO}"', '"nino": "AB223456C"'))
    run_day(date(2025, 6, 9))
    assert [(r.debt.creditor_ref, r.amount_pence) for r in taken()] == [("BA1", 1000), ("BA2", 6002)]
    assert "£10.00" in taken()[0].explanation


def _late_period_after_an_hmrc_referral() -> None:
    """A DWP debt; the period paid on PAY reported late, after an HMRC debt referred on 2025-06-08; the run
    of 2025-06-08 takes it."""
    events(uc_award(), dwp_debt("BA1", amount="1000.00"))
    run_day(PAY)
    events(line("ref-H1", "debt.referred", occurred_on="2025-06-08", creditor="HMRC", creditor_ref="H1",
                debt_type="OVERPAYMENT", classification="NON_FRAUD", amount="500.00", created_on="2025-04-01"),
           period())
    run_day(date(2025, 6, 8))


def test_late_assessment_period_does_not_take_from_a_debt_referred_after_its_payment_date() -> None:
    """The same rule: a debt DMS received after the period's payment date (an HMRC debt referred on
    2025-06-08; the period, paid 2025-06-07, reported on 2025-06-09) takes no share of it (no rule b split):
    the DWP debt takes the whole item, £60.02; the HMRC debt is recovered from later periods."""
    _late_period_after_an_hmrc_referral()
    run_day(date(2025, 6, 9))
    assert [(r.debt.creditor_ref, r.amount_pence) for r in taken()] == [("BA1", 6002)]


def test_late_assessment_period_taken_as_on_its_payment_date_is_not_reported_misallocated() -> None:
    """A9/2025 §53 with events.md §2: the misallocation check (``dms report exceptions``) judges a period
    reported late as the run worked it out, on its payment date. The whole item to the DWP debt (the HMRC
    debt was referred after the payment date, as above) is the right split, and is not reported."""
    from dms.services import misallocation

    _late_period_after_an_hmrc_referral()
    assert [(r.debt.creditor_ref, r.amount_pence) for r in taken()] == [("BA1", 6002)]
    assert misallocation.detect("2025-06", today=date(2025, 6, 9)) == []


def test_rerun_of_a_processed_date_takes_nothing_twice() -> None:
    events(uc_award(), dwp_debt(), legacy_award(ref="JSA1"), period())
    run_day(PAY)
    before = Deduction.objects.count(), JournalEntry.objects.count()
    run_day(PAY)
    assert (Deduction.objects.count(), JournalEntry.objects.count()) == before


def test_only_open_debts_are_deducted_from_suspended_is_skipped() -> None:
    events(uc_award(), dwp_debt("A"), dwp_debt("B", debt_type="BUDGETING_ADVANCE"), period())
    suspended = Debt.objects.get(creditor_ref="B")
    suspended.change_status(DebtStatus.SUSPENDED, business_date=PAY, actor="test", reason="test")
    run_day(PAY)
    assert {r.ref for r in taken()} == {"A"}


def test_debt_cleared_when_deduction_reaches_zero_balance() -> None:
    events(uc_award(), dwp_debt(amount="20.00"), period())
    run_day(PAY)
    debt = Debt.objects.get()
    assert debt.status == DebtStatus.CLEARED and debt.status_date == PAY
    assert debt.status_changes.filter(to_status="CLEARED").exists()
    assert taken()[0].amount_pence == 2000


def test_explanation_of_a_deduction_that_clears_its_debt_says_so_and_where_the_rest_went() -> None:
    """recovery-rules.md §3 (why this amount?) and A9/2025 §28: £20.00 of the £60.02 item went to a debt of
    £20.00, which it cleared; the rest went on to the next debt in recovery order."""
    events(uc_award(), dwp_debt(amount="20.00"), dwp_debt("BA2", amount="300.00"), period())
    run_day(PAY)
    first, second = taken()
    assert (first.amount_pence, second.amount_pence) == (2000, 4002)
    assert "all of the debt's balance, £20.00, which cleared it" in first.explanation
    assert "cleared it" not in second.explanation


def test_third_party_amount_recorded_as_instruction_not_ledger() -> None:
    events(uc_award(), period(third_party=[{"category": "GAS_ARREARS", "amount": "20.00",
                                            "ongoing_amount": "15.00"}]))
    run_day(PAY)
    rows = taken()
    assert {(r.creditor_kind, r.ref, r.entry_id) for r in rows} == {("THIRD_PARTY", "GAS_ARREARS", None)}
    assert sum(r.amount_pence for r in rows) > 0
    assert not JournalEntry.objects.filter(kind=EntryKind.DEDUCTION).exists()


def test_a_third_party_deductions_explanation_names_its_category_as_events_md_does() -> None:
    """events.md §2 (``third_party`` categories ``GAS_ARREARS`` ...) with recovery-rules.md §3 ("why this
    amount?" from the explanation alone): ``dms deductions list`` explains a third-party line in the words of
    its ``ref``, the events.md category, "£20.00 to GAS_ARREARS", and its item; ``item`` is unchanged."""
    from dms.services.recovery_staff import list_deductions

    events(uc_award(), period(third_party=[{"category": "GAS_ARREARS", "amount": "20.00",
                                            "ongoing_amount": "15.00"}]))
    run_day(PAY)
    rows = {row["item"]: row for row in list_deductions(NINO)}
    assert {item: row["ref"] for item, row in rows.items()} == {
        "Gas arrears": "GAS_ARREARS", "Gas arrears (ongoing consumption)": "GAS_ARREARS"}
    assert rows["Gas arrears"]["explanation"].startswith("£20.00 to GAS_ARREARS, item 9 Gas arrears.")
    assert rows["Gas arrears (ongoing consumption)"]["explanation"].startswith("£15.00 to GAS_ARREARS, item 9")
    for row in rows.values():
        assert "(GAS_ARREARS, ongoing consumption): limit £15.00" in row["explanation"]
        assert "to GAS," not in row["explanation"] and "(GAS)" not in row["explanation"]


def test_rent_arrears_asked_at_nothing_takes_nothing_and_the_explanation_says_so() -> None:
    """events.md §2 (a third-party ``amount`` of "0.00" asks for nothing; **Decision**, docs/recovery-notes.md
    "The Annex B items"): a period listing RENT_ARREARS, GAS_ARREARS (with ongoing consumption £12.00) and
    COUNCIL_TAX_ARREARS at 0.00 is imported and takes nothing for any of them, not item 8's 10% minimum rate
    (£40.01): only the ongoing consumption and the DWP debt's £60.02; each step says nothing was asked."""
    from dms.services.recovery_staff import list_deductions

    events(uc_award(), dwp_debt(), period(third_party=[
        {"category": "RENT_ARREARS", "amount": "0.00"},
        {"category": "GAS_ARREARS", "amount": "0.00", "ongoing_amount": "12.00"},
        {"category": "COUNCIL_TAX_ARREARS", "amount": "0.00"}]))
    run_day(PAY)
    rows = list_deductions(NINO)
    assert sorted((row["ref"], row["amount"]) for row in rows) == [("BA1", "60.02"), ("GAS_ARREARS", "12.00")]
    text = rows[0]["explanation"]
    for subject in ("RENT_ARREARS", "GAS_ARREARS", "COUNCIL_TAX_ARREARS"):
        assert (f"({subject}): limit £0.00, cap room £60.02, took £0.00, cap room left £60.02: nothing taken: the "
                "third party asked for nothing (an amount of 0.00, events.md §2)") in text, text
    assert "minimum rate, though less was asked" not in text


def test_hb_and_dwp_overpayments_split_equally_between_owners() -> None:
    events(uc_award(), dwp_debt(), period())
    hb_debt()
    run_day(PAY)
    amounts = {r.creditor_kind: r.amount_pence for r in taken()}
    assert amounts == {"DWP": 3001, "LA": 3001}
    assert taken()[1].la_id == "000123" or taken()[0].la_id == "000123"


def test_legacy_weekly_instalment_on_pay_dates_from_first_pay_date() -> None:
    events(legacy_award(first="2025-06-02"), dwp_debt())
    run_day(date(2025, 6, 2))
    run_day(date(2025, 6, 3))
    run_day(date(2025, 6, 9))
    rows = taken()
    # 3 units of 5% of £92.05 (rounded up to £4.65) a week: £13.95 (recovery-rules.md §4)
    assert [(r.date, r.amount_pence, r.source, r.item) for r in rows] == [
        (date(2025, 6, 2), 1395, "JSA", "OVERPAYMENT"), (date(2025, 6, 9), 1395, "JSA", "OVERPAYMENT")]


def test_legacy_monthly_pay_date_on_last_day_of_shorter_month() -> None:
    events(legacy_award(frequency="MONTHLY", first="2025-05-31"), dwp_debt())
    run_day(date(2025, 6, 29))
    run_day(date(2025, 6, 30))
    assert [r.date for r in taken()] == [date(2025, 6, 30)]


def test_person_on_uc_not_deducted_from_legacy_award() -> None:
    events(uc_award(), legacy_award(first="2025-06-02"), dwp_debt())
    run_day(date(2025, 6, 2))
    assert not Deduction.objects.exists()


def test_reduced_rate_used_by_uc_engine_until_review_date() -> None:
    events(uc_award(), dwp_debt(), period())
    debt = Debt.objects.get()
    ReducedRate.objects.create(debt=debt, amount_pence=1000, until=PAY + timedelta(days=1), reason="afford",
                               actor="staff", set_on=date(2025, 6, 1))
    run_day(PAY)
    assert taken()[0].amount_pence == 1000


@pytest.mark.parametrize("rate_ref", ["ADV", "OP"])
def test_a_reduced_rate_on_one_uc_debt_limits_what_the_person_pays_for_all_their_debts(rate_ref: str) -> None:
    """A9/2025 §31 and the **Decision** in docs/recovery-notes.md "Reduced (affordable) rates": a rate of £10.00
    a period set by staff on one of the person's UC debts (the advance, or the overpayment) limits what the
    period takes for all their debts to £10.00, taken in Annex B order (the advance first): not £10.00 plus the
    £50.02 of cap room it leaves. Each deduction's explanation names the debt whose rate limited it, who set it
    and its review date, and ``dms rerate`` gives the same £10.00."""
    from dms.services.recovery_staff import set_reduced_rate
    from dms.services.rerate import rerate
    from dms.store.replay.models import RerateResult

    events(uc_award(), dwp_debt("ADV", amount="500.00", debt_type="UC_ADVANCE_NEW_CLAIM"),
           dwp_debt("OP", amount="500.00"), period())
    set_reduced_rate(NINO, rate_ref, "10.00", date(2025, 9, 1), "affordability request", "j.smith",
                     date(2025, 6, 1))
    outcome = rerate(PAY)
    assert sum(RerateResult.objects.filter(run_id=outcome.run_id).values_list("now_pence", flat=True)) == 1000
    run_day(PAY)
    assert [(d.ref, d.amount_pence) for d in taken()] == [("ADV", 1000)]
    text = taken()[0].explanation
    limit = (f"a reduced rate set by staff on debt {rate_ref} (set by j.smith, review date 2025-09-01) limits what "
             "is taken for debts this period to £10.00")
    assert f"Item 3 Short-term advances (UC_ADVANCE_NEW_CLAIM): limit £10.00 ({limit}" in text, text
    assert f"Item 19 Normal overpayments (OVERPAYMENT): limit £0.00 ({limit}" in text, text
    assert text.endswith(f"A{limit[1:]} (A9/2025 §31): £10.00 was taken for debts."), text


def test_reduced_rate_not_used_from_its_review_date() -> None:
    events(uc_award(), dwp_debt(), period())
    ReducedRate.objects.create(debt=Debt.objects.get(), amount_pence=1000, until=PAY, reason="afford",
                               actor="staff", set_on=date(2025, 6, 1))
    run_day(PAY)
    assert taken()[0].amount_pence == 6002


def test_reduced_rate_sets_legacy_weekly_rate() -> None:
    events(legacy_award(first="2025-06-02"), dwp_debt())
    ReducedRate.objects.create(debt=Debt.objects.get(), amount_pence=500, until=date(2025, 9, 1),
                               reason="afford", actor="staff", set_on=date(2025, 6, 1))
    run_day(date(2025, 6, 2))
    assert taken()[0].amount_pence == 500 and "affordability" in taken()[0].explanation


def test_dead_person_not_deducted_from() -> None:
    events(uc_award(), dwp_debt(), period(),
           line("died", "person.died", occurred_on="2025-06-05", date_of_death="2025-06-05"))
    run_day(PAY)
    assert not Deduction.objects.exists()
    assert account_balance(AccountKey(AccountKind.BENEFIT_RECOVERIES)) == 0



def uc_period_of(event_id: str, start: str, end: str, payment_date: str) -> str:
    return line(event_id, "uc.assessment_period", occurred_on=end, award_ref="UC1", period_start=start,
                period_end=end, payment_date=payment_date, award_amount="800.00", earnings_over_work_allowance=False,
                sanction_amount="0.00", fraud_penalty_amount="0.00", third_party=[])


def test_no_benefit_in_payment_after_award_end_date_period_starting_after_it_not_deducted_from() -> None:
    """events.md §2 ``award.ended``: no benefit in payment after ``end_date``. A period held before the award's
    end was reported, starting after that end, is processed on its payment date with nothing taken (as a
    dead person's is), and a re-run takes nothing either."""
    events(uc_award(), dwp_debt(), uc_period_of("ap7", "2025-07-01", "2025-07-31", "2025-08-07"))
    events(line("end", "award.ended", occurred_on="2025-07-20", award_ref="UC1", end_date="2025-06-30",
                reason="AWARD_ENDED"))
    summary = run_day(date(2025, 8, 7))
    assert summary["periods"] == 1 and summary["deductions"] == 0
    assert not Deduction.objects.exists()
    assert account_balance(AccountKey(AccountKind.BENEFIT_RECOVERIES)) == 0
    assert AssessmentPeriod.objects.get().processed_on == date(2025, 8, 7)
    run_day(date(2025, 8, 8))
    assert not Deduction.objects.exists()


def test_no_benefit_in_payment_before_award_start_date_a_period_a_changed_start_leaves_before_it() -> None:
    """events.md §2 (UC is in payment from ``start_date``; ``award.changed``: new values from ``occurred_on``):
    a period held before an ``award.changed`` moved the award's start past it is processed on its payment
    date with nothing taken, as import refuses such a period (docs/events-notes.md)."""
    from dms.services.events import apply_due_award_changes

    events(uc_award(), dwp_debt(), uc_period_of("ap5", "2025-05-01", "2025-05-31", "2025-06-07"))
    events(line("c1", "award.changed", occurred_on="2025-06-01", award_ref="UC1", start_date="2025-06-01"))
    apply_due_award_changes(date(2025, 6, 1))
    summary = run_day(date(2025, 6, 7))
    assert summary["periods"] == 1 and summary["deductions"] == 0 and not Deduction.objects.exists()


def test_uc_in_payment_from_a_start_date_changed_earlier_a_period_before_the_old_start_is_taken() -> None:
    """events.md §2 (UC is in payment from ``start_date``; ``award.changed``: new values from ``occurred_on``):
    an award started on 2025-06-01 is backdated to 2025-05-01 by a change dated 2025-06-05, still waiting for
    the run; May's period, paid on 2025-06-07, after the change, is held at import (judged by the start date
    as it will stand on its payment date) and its deduction taken on its payment date."""
    from dms.services.events import apply_due_award_changes

    events(line("start-UC1", "award.started", award_ref="UC1", benefit="UC", start_date="2025-06-01",
                uc={"claimant_type": "SINGLE_25_OR_OVER", "assessment_period_day": 1}), dwp_debt(),
           line("c1", "award.changed", occurred_on="2025-06-05", award_ref="UC1", start_date="2025-05-01"),
           uc_period_of("ap5", "2025-05-01", "2025-05-31", "2025-06-07"))
    assert AssessmentPeriod.objects.filter(event_id="ap5").exists()
    apply_due_award_changes(date(2025, 6, 5))
    run_day(date(2025, 6, 7))
    assert [(r.date, r.amount_pence) for r in taken()] == [(date(2025, 6, 7), 6002)]


def test_no_benefit_in_payment_after_award_end_date_the_final_period_is_still_deducted_from() -> None:
    """The award's final period, the one containing its end date and paid after it, is in payment up to the
    end date: its deductions are taken (only a period starting after the end date is not)."""
    events(uc_award(), dwp_debt(), uc_period_of("ap6", "2025-06-01", "2025-06-30", "2025-07-07"),
           uc_period_of("ap7", "2025-07-01", "2025-07-31", "2025-08-07"))
    events(line("end", "award.ended", occurred_on="2025-07-20", award_ref="UC1", end_date="2025-07-01",
                reason="AWARD_ENDED"))
    run_day(date(2025, 7, 7))
    run_day(date(2025, 8, 7))
    rows = taken()
    assert [(r.date, r.amount_pence) for r in rows] == [(date(2025, 7, 7), 6002), (date(2025, 8, 7), 6002)]


def test_partitions_restrict_both_steps_to_their_people_and_each_chunk_takes_once() -> None:
    """A chunk of partitions (docs/architecture.md "The daily run") touches only its people; the other
    chunk then takes the rest; a chunk run again takes nothing twice."""
    from dms.store.models import partition_of

    other = "CE123456A"
    assert partition_of(other) != partition_of(NINO)
    events(uc_award(), dwp_debt(), period(),
           uc_award("UC2", nino=other), period("ap2", ref="UC2").replace(f'"{NINO}"', f'"{other}"'),
           line("ref-BA2", "debt.referred", occurred_on="2025-04-08", nino=other, creditor="DWP",
                creditor_ref="BA2", debt_type="OVERPAYMENT", classification="NON_FRAUD", amount="300.00",
                created_on="2025-04-01"),
           line("died-2", "person.died", occurred_on="2025-06-03", nino=other, date_of_death="2025-06-01"))
    mine, theirs = [partition_of(NINO)], [partition_of(other)]
    with transaction.atomic():
        life_events_step(PAY, partitions=mine)
        first = deductions_step(PAY, partitions=mine)
    assert first["periods"] == 1 and first["deductions"] == 1
    assert [d.person.nino for d in taken()] == [NINO]
    assert not AssessmentPeriod.objects.filter(person__nino=other, processed_on__isnull=False).exists()
    assert not InboundEvent.objects.get(event_id="died-2").applied
    with transaction.atomic():
        again = deductions_step(PAY, partitions=mine)
    assert again["periods"] == 0 and again["deductions"] == 0
    with transaction.atomic():
        life_events_step(PAY, partitions=theirs)
        second = deductions_step(PAY, partitions=theirs)
    assert InboundEvent.objects.get(event_id="died-2").applied
    assert second["periods"] == 1 and second["deductions"] == 0  # died before the payment date
    assert [d.person.nino for d in taken()] == [NINO]
    assert check_ledger().ok


def test_assessment_period_held_at_import_with_exact_amounts() -> None:
    """events.md §2: a ``uc.assessment_period`` event is held as its period when it is imported (the event is
    then applied); the amounts are exact pence; its deductions wait for the payment date."""
    events(uc_award(), period(amount="800.37", third_party=[
        {"category": "GAS_ARREARS", "amount": "20.05", "ongoing_amount": "15.10"}]))
    ap = AssessmentPeriod.objects.get()
    assert (ap.event_id, ap.award_amount_pence, ap.processed_on) == ("ap1", 80037, None)
    assert ap.third_party == [{"category": "GAS_ARREARS", "amount_pence": 2005, "ongoing_pence": 1510,
                               "scheme": None}]
    event = InboundEvent.objects.get(event_id="ap1")
    assert event.applied and ap.inbound_event_id == event.pk


def period_dated(event_id: str, payment_date: str, occurred_on: str) -> str:
    return json.dumps({**json.loads(period(event_id, payment_date)), "occurred_on": occurred_on})


def test_a_later_report_of_a_period_not_yet_taken_replaces_the_held_report() -> None:
    """docs/events-notes.md "An assessment period is taken once; a later report corrects it until it is taken"
    (**Decision**; events.md §1: ``occurred_on`` the date the fact took effect, a new ``event_id`` new news): a
    period held with a mistyped ``payment_date`` 2026-06-07 (for 2025-06-07), which the run has not taken, is
    replaced by its corrected report under a new id; the held report is kept, superseded; the import says so;
    the run takes the period once, on the corrected date."""
    events(uc_award(), dwp_debt(), period("ap1", payment_date="2026-06-07"))
    held = AssessmentPeriod.objects.get()
    report = import_events([period("ap1fix")], source="fix.jsonl")
    assert (report.ok, report.stored, report.applied, report.superseded) == (True, 1, 1, 0)
    assert report.notes[0].startswith("line 1 (event ap1fix): replaces event 'ap1', the report held of the "
                                      "assessment period of award_ref 'UC1' starting 2025-05-01 (payment_date "
                                      "2026-06-07, award_amount 800.00), which the daily run had not taken")
    ap = AssessmentPeriod.objects.get()
    assert (ap.pk, ap.event_id, ap.payment_date) == (held.pk, "ap1fix", PAY)
    assert ap.inbound_event_id == InboundEvent.objects.get(event_id="ap1fix").pk
    old = InboundEvent.objects.get(event_id="ap1")
    assert (old.applied, old.superseded_by) == (False, "ap1fix")
    assert old.superseded_reason.startswith("superseded: event 'ap1fix' reports the assessment period of award_ref")
    run_day(PAY)
    assert [(d.date, d.amount_pence, d.period_id) for d in taken()] == [(PAY, 6002, held.pk)]
    assert check_ledger().ok


def test_a_report_of_a_period_older_than_the_report_held_is_kept_superseded() -> None:
    """docs/events-notes.md "A late report does not overwrite a later one" (**Decision**; events.md §1): a
    report of a held period dated before the held report is older news: kept as received, superseded by the
    held one, not applied; the held report's terms stand."""
    events(uc_award(), dwp_debt(), period_dated("ap1", "2025-06-07", "2025-05-31"))
    report = import_events([period_dated("ap0", "2025-06-09", "2025-05-30")], source="old.jsonl")
    assert (report.ok, report.stored, report.applied, report.superseded) == (True, 1, 0, 1)
    assert AssessmentPeriod.objects.get().payment_date == PAY
    old = InboundEvent.objects.get(event_id="ap0")
    assert (old.applied, old.superseded_by) == (False, "ap1")
    run_day(PAY)
    assert [d.amount_pence for d in taken()] == [6002]


def test_a_report_of_a_period_the_run_has_taken_is_refused_naming_what_was_taken() -> None:
    """An award's period is taken once (docs/events-notes.md "An assessment period is taken once; a later
    report corrects it until it is taken"; recovery-rules.md §2: the overall cap is per assessment period): once
    the run has taken it, a further report under another id is refused, naming the held report, its payment
    date, the run and what was taken from it, so nothing is taken twice from one period's payment."""
    events(uc_award(), dwp_debt(), period("ap1"))
    run_day(PAY)
    report = import_events([period("ap1-again", payment_date="2025-06-08")], source="again.jsonl")
    assert [r.line_number for r in report.refused] == [1]
    assert report.refused[0].reason.startswith(
        "the assessment period of award_ref 'UC1' starting 2025-05-01 is already held (event 'ap1', payment_date "
        "2025-06-07, award_amount 800.00) and the daily run of 2025-06-07 has taken it: 60.02 deducted for debts "
        "in 1 line(s) from that report; a period is taken once")
    assert not InboundEvent.objects.filter(event_id="ap1-again").exists()
    run_day(PAY + timedelta(days=1))
    assert [d.amount_pence for d in taken()] == [6002]
    assert AssessmentPeriod.objects.get().event_id == "ap1"


def test_a_period_sent_again_under_its_own_event_id_is_refused_saying_a_correction_goes_under_a_new_id() -> None:
    """events.md §1: an event id is unique forever, and the same id with other content is refused as a
    conflict; a sender correcting its own period report is told to send it under a new id, which replaces the
    report held while it is not taken (docs/events-notes.md), not that another system used the id."""
    events(uc_award(), dwp_debt(), period("ap1", payment_date="2026-06-07"))
    report = import_events([period("ap1")], source="same.jsonl")
    reason = report.refused[0].reason
    assert "send the corrected report under a new event_id; a later report of the period" in reason
    assert "another system" not in reason and "prefix" not in reason
    assert AssessmentPeriod.objects.get().payment_date == date(2026, 6, 7)


def test_a_couples_period_is_taken_on_its_payment_date_whichever_chunk_takes_it() -> None:
    """events.md §2: deductions on ``payment_date``. A couple's period is taken by the chunk of the partner in
    the lower partition (docs/architecture.md, "The daily run"); reported the day before its payment date,
    it is taken on that date by the partitioned run, not a day late."""
    from dms.services.daily_run import run_through
    from dms.store.models import partition_of

    partner = "JK123456A"
    assert partition_of(partner) // 64 < partition_of(NINO) // 64  # the partner's chunk runs first
    events(line("start-UC1", "award.started", award_ref="UC1", benefit="UC", start_date="2025-04-07",
                uc={"claimant_type": "JOINT_25_OR_OVER", "assessment_period_day": 1, "partner_nino": partner}),
           dwp_debt())
    run_through(PAY - timedelta(days=1))
    events(period())
    run_through(PAY)
    rows = taken()
    assert [(d.date, d.amount_pence) for d in rows] == [(PAY, 9421)]  # 15% of £628.10, rounded down
    ap = AssessmentPeriod.objects.get()
    assert ap.processed_on == PAY and not ap.late


def test_deductions_list_gives_the_persons_own_and_those_for_their_debts_from_a_partners_award() -> None:
    """`dms deductions list` (README; "why was £X taken?"): the deductions taken from the person's benefit,
    and those taken for the person's debts (owned or joint) from a partner's joint award."""
    from dms.services.recovery_staff import list_deductions

    partner, third = "CE123456A", "HJ123456B"
    events(line("start-UC1", "award.started", award_ref="UC1", benefit="UC", start_date="2025-04-07",
                uc={"claimant_type": "JOINT_25_OR_OVER", "assessment_period_day": 1, "partner_nino": partner}),
           line("ref-P", "debt.referred", occurred_on="2025-04-08", nino=partner, creditor="DWP", creditor_ref="P",
                debt_type="BUDGETING_ADVANCE", classification="NON_FRAUD", amount="30.00", created_on="2025-04-01"),
           line("ref-J", "debt.referred", occurred_on="2025-04-08", nino=third, creditor="HMRC", creditor_ref="J",
                debt_type="OVERPAYMENT", classification="NON_FRAUD", amount="300.00", created_on="2025-04-01",
                joint_nino=partner),
           period(third_party=[{"category": "COUNCIL_TAX_ARREARS", "amount": "10.00"}]))
    run_day(PAY)
    own = list_deductions(NINO)
    # Annex B order: the budgeting advance (item 6), council tax (item 11), the overpayment (item 19)
    assert [(d["creditor"], d["ref"]) for d in own] == [("DWP", "P"), ("THIRD_PARTY", "COUNCIL_TAX_ARREARS"),
                                                       ("HMRC", "J")]
    for_partner = list_deductions(partner)
    # the partner's own debt and the one they owe jointly, the same rows, each saying whose award paid it
    whose = f"Taken from the joint UC award claimed by {NINO}, naming this person as partner, for a debt this " \
            "person owes (alone or jointly).\n"
    assert all(row["explanation"].startswith(whose) for row in for_partner)
    assert [row | {"explanation": row["explanation"].removeprefix(whose)} for row in for_partner] == [own[0], own[2]]
    assert set(for_partner[0]) == {"date", "source", "item", "creditor", "la_id", "ref", "amount", "status",
                                   "explanation"}
    assert [d["ref"] for d in list_deductions(third)] == ["J"]


def test_deductions_list_keeps_what_a_joint_award_took_for_a_former_partner_s_debts_after_they_separate() -> None:
    """README `dms deductions list` ("those taken for their debts ... from a partner's joint award") with
    events.md §2 ``award.changed``: a couple separating (the award made single) leaves the deductions the
    joint award took for the former partner's debts in that partner's list, as `dms debtor show` counts them."""
    from dms.services.recovery_staff import list_deductions

    partner = "CE123456A"
    events(line("start-UC1", "award.started", award_ref="UC1", benefit="UC", start_date="2025-04-07",
                uc={"claimant_type": "JOINT_25_OR_OVER", "assessment_period_day": 1, "partner_nino": partner}),
           line("ref-P", "debt.referred", occurred_on="2025-04-08", nino=partner, creditor="DWP", creditor_ref="P",
                debt_type="OVERPAYMENT", classification="NON_FRAUD", amount="300.00", created_on="2025-04-01"),
           period())
    run_day(PAY)
    before = list_deductions(partner)
    assert [d["ref"] for d in before] == ["P"]
    from dms.services.events import apply_due_award_changes

    events(line("c1", "award.changed", occurred_on="2025-06-08", award_ref="UC1",
                uc={"claimant_type": "SINGLE_25_OR_OVER"}))
    apply_due_award_changes(date(2025, 6, 8))
    after = list_deductions(partner)
    assert [row | {"explanation": ""} for row in after] == [row | {"explanation": ""} for row in before]
    assert after[0]["explanation"].startswith(f"Taken from the UC award of {NINO}, for a debt this person owes")


def test_misallocation_the_engines_split_of_a_couples_period_is_never_reported() -> None:
    """A couple's period takes from both partners' debts: item 19 is split between DWP (the partner's debt),
    HMRC (the holder's older debt, before the partner's newer one) and the LA, and the misallocation check
    of that unit (recovery-rules.md §5) agrees with the engine."""
    from dms.services import misallocation

    partner = "CE123456A"
    events(line("start-UC1", "award.started", award_ref="UC1", benefit="UC", start_date="2025-04-07",
                uc={"claimant_type": "JOINT_25_OR_OVER", "assessment_period_day": 1, "partner_nino": partner}),
           line("ref-D", "debt.referred", occurred_on="2025-04-08", nino=partner, creditor="DWP", creditor_ref="D",
                debt_type="OVERPAYMENT", classification="NON_FRAUD", amount="300.00", created_on="2025-04-01"),
           line("ref-HB", "debt.referred", occurred_on="2025-04-08", nino=partner, creditor="HMRC",
                creditor_ref="HB", debt_type="OVERPAYMENT", classification="NON_FRAUD", amount="300.00",
                created_on="2025-04-01"),
           line("ref-HA", "debt.referred", occurred_on="2025-04-08", creditor="HMRC", creditor_ref="HA",
                debt_type="OVERPAYMENT", classification="NON_FRAUD", amount="300.00", created_on="2024-04-01"),
           period())
    hb_debt()
    run_day(PAY)
    assert {(r.ref, r.amount_pence) for r in taken()} == {("D", 3141), ("HA", 3140), ("HB1", 3140)}
    assert misallocation.detect(None, today=PAY) == []


def test_a_joint_uc_awards_partner_is_recovered_from_by_uc_only_not_also_by_their_legacy_award() -> None:
    """recovery-rules.md §3-4 (Decision, ``recovery_load.due_instalments``): the partner named on a joint UC
    award is a UC claimant (hb-debt-interface.md §6.3), and the joint award's period takes from both
    partners' debts; so the partner's own legacy award (here PIP, paid weekly) takes no instalment besides,
    and nothing is recovered twice."""
    partner = "CE123456A"
    events(line("start-UC1", "award.started", award_ref="UC1", benefit="UC", start_date="2025-04-07",
                uc={"claimant_type": "JOINT_25_OR_OVER", "assessment_period_day": 1, "partner_nino": partner}),
           line("start-PIP1", "award.started", nino=partner, award_ref="PIP1", benefit="PIP",
                start_date="2025-05-01", legacy={"weekly_amount": "90.50", "pay_frequency": "WEEKLY",
                                                 "first_pay_date": "2025-06-02"}),
           line("ref-P1", "debt.referred", occurred_on="2025-04-08", nino=partner, creditor="DWP",
                creditor_ref="P1", debt_type="OVERPAYMENT", classification="NON_FRAUD", amount="300.00",
                created_on="2025-04-01"),
           period())
    for day in range(2, 10):
        run_day(date(2025, 6, day))
    rows = taken()
    assert [(d.date, d.source, d.ref, d.amount_pence) for d in rows] == [(PAY, "UC", "P1", 9421)]


@pytest.mark.parametrize(("changed_on", "taken_pence"), [
    ("2025-06-03", 6002),  # after the period ended: the period keeps 25 or over (400.14, cap 15% = 60.02)
    ("2025-05-20", 4754),  # within the period: the whole period is under 25 (316.98, cap 15% = 47.54)
])
def test_claimant_type_in_force_on_the_periods_last_day_sets_its_standard_allowance(
        changed_on: str, taken_pence: int) -> None:
    """recovery-rules.md §2 (standard allowance by claimant type, for the assessment period); events.md §2
    ``award.changed``, new values from ``occurred_on``: a change within a period applies to the whole
    period (UC, Decisions and Appeals Regs 2013 Sch 1 para 20), one dated after its end to later periods
    only, even when it is applied before the period's payment date."""
    from dms.services.events import apply_due_award_changes

    events(uc_award(), dwp_debt(), period(),
           line("chg", "award.changed", occurred_on=changed_on, award_ref="UC1",
                uc={"claimant_type": "SINGLE_UNDER_25"}))
    apply_due_award_changes(PAY)
    run_day(PAY)
    assert [d.amount_pence for d in taken()] == [taken_pence]


def _single_uc(nino: str, ref: str) -> list[str]:
    return [line(f"start-{ref}", "award.started", nino=nino, award_ref=ref, benefit="UC", start_date="2025-04-07",
                 uc={"claimant_type": "SINGLE_25_OR_OVER", "assessment_period_day": 1}),
            line(f"ap-{ref}", "uc.assessment_period", nino=nino, occurred_on="2025-05-31", award_ref=ref,
                 period_start="2025-05-01", period_end="2025-05-31", payment_date="2025-06-07",
                 award_amount="800.00", earnings_over_work_allowance=False, sanction_amount="0.00",
                 fraud_penalty_amount="0.00", third_party=[])]


@pytest.mark.parametrize("owner_on_benefit", [True, False])
def test_joint_debt_recovered_from_the_owners_benefit_only_while_the_owner_has_one(owner_on_benefit: bool) -> None:
    """recovery-rules.md §3 (**Decision**, docs/recovery-notes.md "Joint debts"): a debt owed jointly by two
    people who are not partners on one award is recovered from its owner's benefit while the owner has one
    in payment, not also from the other debtor's own award, so what each award takes never depends on which
    is worked out first (they may be in different chunks, side by side: `dms run --workers`). With no benefit
    of the owner's in payment, the other debtor's award recovers it."""
    owner, other = "CE123456A", NINO
    events(*_single_uc(other, "UCO"), *(_single_uc(owner, "UCW") if owner_on_benefit else []),
           line("ref-J", "debt.referred", occurred_on="2025-04-08", nino=owner, creditor="DWP", creditor_ref="J",
                debt_type="OVERPAYMENT", classification="NON_FRAUD", amount="300.00", created_on="2025-04-01",
                joint_nino=other))
    run_day(PAY)
    payer = "CE123456A" if owner_on_benefit else NINO
    assert [(d.person.nino, d.ref, d.amount_pence) for d in taken()] == [(payer, "J", 6002)]  # 15% of £400.14


def test_joint_debt_recovered_from_the_owners_final_period_after_their_award_ended() -> None:
    """The same Decision: the owner's UC award ended on 2025-05-15, and its final period (May, the one the end
    date falls in) is paid on 2025-06-07 with the owner's debts; so that day the owner still has a benefit to
    recover the joint debt from, and the other debtor's award paid the same day does not also take it (the
    £50.00 is taken once, from the owner's final period, whichever is worked out first)."""
    owner, other = "CE123456A", NINO
    events(*_single_uc(other, "UCO"), *_single_uc(owner, "UCW"),
           line("end-UCW", "award.ended", nino=owner, occurred_on="2025-05-16", award_ref="UCW",
                end_date="2025-05-15", reason="AWARD_ENDED"),
           line("ref-J", "debt.referred", occurred_on="2025-04-08", nino=owner, creditor="DWP", creditor_ref="J",
                debt_type="OVERPAYMENT", classification="NON_FRAUD", amount="50.00", created_on="2025-04-01",
                joint_nino=other))
    run_day(PAY)
    assert [(d.person.nino, d.ref, d.amount_pence) for d in taken()] == [(owner, "J", 5000)]


@pytest.mark.parametrize("owner_on_benefit", [True, False])
def test_misallocation_of_a_joint_debt_judged_by_the_debts_the_award_recovers_from_the_engines_split_not_reported(
        owner_on_benefit: bool) -> None:
    """recovery-rules.md §5 (a misallocation is a deduction that should have been shared) with the Decision
    of docs/recovery-notes.md "Joint debts recovered from one benefit": the joint DWP debt is recovered from
    its owner's award while the owner has one, so the other debtor's item 19 goes wholly to their own HB debt
    and the owner's wholly to the joint debt, and neither is a misallocation; with no benefit of the owner's,
    the other debtor's award shares item 19 between the joint debt and the HB debt, as the engine splits it."""
    from dms.services import misallocation

    owner, other = "CE123456A", NINO
    events(*_single_uc(other, "UCO"), *(_single_uc(owner, "UCW") if owner_on_benefit else []),
           line("ref-J", "debt.referred", occurred_on="2025-04-08", nino=owner, creditor="DWP", creditor_ref="J",
                debt_type="OVERPAYMENT", classification="NON_FRAUD", amount="500.00", created_on="2025-04-01",
                joint_nino=other))
    hb_debt(nino=other)
    run_day(PAY)
    expected = ({(owner, "J", 6002), (other, "HB1", 6002)} if owner_on_benefit
                else {(other, "J", 3001), (other, "HB1", 3001)})
    assert {(d.person.nino, d.ref, d.amount_pence) for d in taken()} == expected
    assert misallocation.detect(None, today=PAY) == []


def test_misallocation_the_engines_split_of_a_legacy_instalment_is_never_reported() -> None:
    """recovery-rules.md §5 (the misallocation check) with docs/recovery-notes.md "A legacy instalment shared
    between owners": the daily run shares a weekly JSA instalment of item 19 between DWP, HMRC and the LA
    (£4.65 each of £13.95) and a fraud instalment between items 17 and 19 as the engine does; the check of
    each pay date's items agrees with the engine, the one where a small DWP debt clears and passes the rest
    on included."""
    from dms.services import misallocation

    events(legacy_award(first="2025-06-02"), dwp_debt("D", amount="5.00"),
           line("ref-H", "debt.referred", occurred_on="2025-04-08", creditor="HMRC", creditor_ref="H",
                debt_type="OVERPAYMENT", classification="NON_FRAUD", amount="300.00", created_on="2025-04-01"))
    hb_debt()
    for day in (date(2025, 6, 2), date(2025, 6, 9)):
        run_day(day)
    assert {(r.date, r.ref, r.amount_pence) for r in taken()} >= {
        (date(2025, 6, 2), "D", 465), (date(2025, 6, 2), "H", 465), (date(2025, 6, 2), "HB1", 465)}
    hb_debt("HB2", classification="FRAUD")
    run_day(date(2025, 6, 16))
    assert misallocation.detect(None, today=date(2025, 6, 17)) == []
