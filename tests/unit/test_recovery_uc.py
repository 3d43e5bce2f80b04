"""UC engine: rules by name, explanations and refusals (recovery-rules.md §2-3)."""

from __future__ import annotations

from datetime import date

import pytest

from dms.debts.order import DebtOrderFacts, recovery_sort_key
from dms.parameters import value
from dms.recovery.allocation import sort_key, split_between_owners
from dms.recovery.explanation import ITEM_NAMES, step_facts
from dms.recovery.types import (
    DebtLimit,
    DebtRecord,
    LineKind,
    RecoveryInputError,
    Rule,
    ThirdPartyCategory,
    ThirdPartyItem,
    UcPeriodInput,
)
from dms.recovery.uc import calculate_uc_period, uc_rates

MAY = date(2025, 5, 1)


def debt(debt_id: int, balance: int, owner: str = "DWP", debt_type: str = "OVERPAYMENT",
         classification: str = "NON_FRAUD", on: date = date(2025, 1, 1), **extra: object) -> DebtRecord:
    return DebtRecord(debt_id, owner, debt_type, classification, balance, on, debt_id, on, **extra)  # type: ignore[arg-type]


def period(*debts: DebtRecord, award: int = 80_000, start: date = MAY, **extra: object) -> UcPeriodInput:
    return UcPeriodInput(start, start, start, extra.pop("claimant_type", "SINGLE_25_OR_OVER"), award,  # type: ignore[arg-type]
                         debts=debts, **extra)  # type: ignore[arg-type]


def test_uc_rates_cap_rounds_down_and_unit_rounds_up() -> None:
    rates = uc_rates(MAY, "SINGLE_25_OR_OVER")
    assert rates.standard_allowance_pence == 40014
    assert rates.standard_allowance_from == date(2025, 4, 7)
    assert rates.cap_pence == 6002  # 6002.1 rounded down
    assert rates.unit_pence == 2005  # 2000.7 rounded up to 5p
    assert rates.item_limit[8] == 4001 and rates.item_limit[22] == 8002
    assert rates.frm_by_scheme == {"2012": 3640, "2003": 2167, "1993": 2005}


def test_uc_overall_cap_dates_40_30_25_15_percent() -> None:
    assert [str(value("uc.overall_cap", d)) for d in (date(2019, 9, 30), date(2019, 10, 1), date(2021, 4, 1))] == [
        "0.40", "0.30", "0.25"]
    assert str(uc_rates(date(2025, 4, 29), "SINGLE_25_OR_OVER").cap_rate) == "0.25"
    assert str(uc_rates(date(2025, 4, 30), "SINGLE_25_OR_OVER").cap_rate) == "0.15"


def test_uc_explanation_answers_why_this_amount() -> None:
    result = calculate_uc_period(period(debt(1, 100_000, "HMRC", classification="FRAUD"),
                                        debt(2, 100_000, "LA", classification="FRAUD", la_id="123456")))
    text = result.explain_line(result.lines[1])
    for part in ("£30.01 to debt 2 (LA 123456)", "standard allowance £400.14", "2025-04-07",
                 "overall cap 15% = £60.02", "cap room £60.02", "took £60.02", "split equally"):
        assert part in text, text
    assert "Total deducted £60.02" in result.explain()
    assert step_facts(result.steps[0])["rule"] == "ITEM_MAXIMUM"
    assert result.lines[0].item_name == ITEM_NAMES[17] == "Fraud overpayments"


def test_uc_explanation_records_items_stopped() -> None:
    result = calculate_uc_period(period(debt(1, 100_000, debt_type="UC_ADVANCE_NEW_CLAIM"),
                                        third_party=(ThirdPartyItem(ThirdPartyCategory.FINES),)))
    stopped = [s for s in result.steps if s.taken_pence == 0]
    assert [(s.item, s.rule) for s in stopped] == [(12, Rule.CAP_FULL)]
    assert "no room left under the overall cap" in result.explain()


def test_uc_sanction_line_is_not_a_debt() -> None:
    result = calculate_uc_period(period(sanction_pence=1_000, fraud_penalty_pence=2_000))
    assert [(line.kind, line.amount_pence, line.debt_id) for line in result.lines] == [
        (LineKind.SANCTION, 1_000, None), (LineKind.FRAUD_PENALTY, 2_000, None)]


def test_uc_sanction_larger_than_award_takes_the_award_only() -> None:
    result = calculate_uc_period(period(debt(1, 5_000), award=3_000, sanction_pence=10_000))
    assert [(line.item, line.amount_pence) for line in result.lines] == [(1, 3_000)]
    assert result.payable_pence == 0


def test_uc_zero_balance_debts_are_left_out() -> None:
    assert calculate_uc_period(period(debt(1, 0))).lines == ()


def test_uc_social_fund_without_agreed_amount_uses_item_maximum() -> None:
    result = calculate_uc_period(period(debt(1, 100_000, debt_type="SOCIAL_FUND_LOAN")))
    assert [line.amount_pence for line in result.lines] == [6002]


def test_uc_social_fund_loans_without_agreed_amounts_share_one_item_maximum() -> None:
    """Recovery-rules.md §3 item 14 (the agreed amount; events.md §3 makes it optional): loans referred
    without one take together at most the item's maximum (15%, £59.01 of £393.45), as the debts of any other
    item do (Decision, recovery-notes.md): two such loans do not take 15% each, though the overall cap (25%,
    £98.36, in a period starting in January 2025) has room. A loan with an agreed amount still takes up to it
    beside them."""
    january = date(2025, 1, 10)
    loans = (debt(1, 50_000, debt_type="SOCIAL_FUND_LOAN"), debt(2, 50_000, debt_type="SOCIAL_FUND_LOAN"))
    result = calculate_uc_period(period(*loans, start=january))
    assert [(line.debt_id, line.amount_pence) for line in result.lines] == [(1, 5901)]
    [line] = result.lines
    assert "without an agreed amount" in line.note and "£59.01" in line.note
    agreed = debt(3, 50_000, debt_type="SOCIAL_FUND_LOAN", agreed_amount_pence=1_500)
    mixed = calculate_uc_period(period(*loans, agreed, start=january))
    assert sorted((line.debt_id, line.amount_pence) for line in mixed.lines) == [(1, 5901), (3, 1_500)]


@pytest.mark.parametrize("bad", [
    period(award=-1),
    period(debt(1, -5)),
    period(debt(1, 5), debt(1, 6)),
    period(sanction_pence=-1),
    period(claimant_type="COUPLE"),
    period(third_party=(ThirdPartyItem(ThirdPartyCategory.GAS), ThirdPartyItem(ThirdPartyCategory.GAS))),
    period(third_party=(ThirdPartyItem(ThirdPartyCategory.FLAT_RATE_MAINTENANCE, scheme="2020"),)),
    period(third_party=(ThirdPartyItem(ThirdPartyCategory.WATER, ongoing_pence=-3),)),
    period(third_party=(ThirdPartyItem("GAS"),)),  # type: ignore[arg-type]
])
def test_uc_bad_input_is_refused_with_recovery_input_error(bad: UcPeriodInput) -> None:
    with pytest.raises(RecoveryInputError):
        calculate_uc_period(bad)


def test_recovery_order_reuses_debts_order_sort_key() -> None:
    records = [debt(1, 5, "LA", on=date(2024, 3, 1)), debt(2, 5, "DWP", "CIVIL_PENALTY", on=date(2023, 1, 1)),
               debt(3, 5, "LA", classification="FRAUD", on=date(2025, 1, 1)), debt(4, 5, "HMRC")]
    for record in records:
        facts = DebtOrderFacts(record.debt_id, record.owner_kind, record.debt_type, record.classification,
                               record.created_on, record.received_on, record.receipt_seq)
        assert sort_key(record) == recovery_sort_key(facts)


def test_rule_b_split_between_owners_records_the_rule() -> None:
    a, b = debt(1, 10_000, "HMRC"), debt(2, 10_000, "LA")
    shares = split_between_owners(101, [a, b], {1: 10_000, 2: 10_000}, 19, False)
    assert [(d.debt_id, amount, rule) for d, amount, rule in shares] == [
        (1, 51, Rule.SPLIT_EQUALLY), (2, 50, Rule.SPLIT_EQUALLY)]


def test_rule_a_b_not_applied_to_items_outside_16_to_19() -> None:
    a, b = debt(1, 10_000, "DWP", on=date(2024, 1, 1)), debt(2, 10_000, "DWP", on=date(2024, 2, 1))
    shares = split_between_owners(15_000, [b, a], {1: 10_000, 2: 10_000}, 15, False)
    assert [(d.debt_id, amount, rule) for d, amount, rule in shares] == [
        (1, 10_000, Rule.FIRST_IN_ORDER), (2, 5_000, Rule.RECOVERY_ORDER)]


def advance(debt_id: int, balance: int, **extra: object) -> DebtRecord:
    return debt(debt_id, balance, debt_type="UC_ADVANCE_NEW_CLAIM", **extra)


def test_a_reduced_rate_on_one_uc_debt_limits_what_is_taken_for_all_the_persons_debts_a9_2025_31() -> None:
    """A9/2025 §31 and the **Decision** in docs/recovery-notes.md "Reduced (affordable) rates": the lowest
    reduced rate in force on any debt the period recovers limits what the period takes for debts in all
    (Annex B items 3, 5, 6, 14-19), taken in Annex B order. £10.00 a period on the advance (item 3): the
    advance takes £10.00 and the overpayment (item 19) nothing, not the £50.02 of cap room the rate leaves;
    £10.00 on the overpayment: the advance, first in the order, takes the £10.00. The person pays £10.00."""
    on_advance = calculate_uc_period(period(advance(1, 50_000, reduced_rate_pence=1000), debt(2, 50_000)))
    assert [(line.item, line.debt_id, line.amount_pence) for line in on_advance.lines] == [(3, 1, 1000)]
    assert [(s.item, s.limit_pence, s.taken_pence, str(s.rule), s.maximum_pence) for s in on_advance.steps] == [
        (3, 1000, 1000, "REDUCED_RATE", 6002), (19, 0, 0, "REDUCED_RATE", 6002)]
    assert on_advance.debt_limit == DebtLimit(1000, 1)
    on_overpayment = calculate_uc_period(period(advance(1, 50_000), debt(2, 50_000, reduced_rate_pence=1000)))
    assert [(line.item, line.debt_id, line.amount_pence) for line in on_overpayment.lines] == [(3, 1, 1000)]
    assert on_overpayment.total_pence == 1000 and on_overpayment.debt_limit == DebtLimit(1000, 2)


def test_a_reduced_rate_on_a_debt_no_longer_recovered_still_limits_the_persons_debts_until_its_review() -> None:
    """A9/2025 §31; recovery-rules.md §4; the **Decision** in docs/recovery-notes.md "Reduced (affordable)
    rates": the rate is the person's, not its debt's, so £10.00 a period set on an advance that has cleared
    (``other_rates``) still limits the overpayment to £10.00, and the result names it as given; the lowest of
    the debts' own rates and the others' applies."""
    cleared = DebtLimit(1000, 1, "ADV-1", "j.smith", date(2025, 12, 31), status="CLEARED")
    result = calculate_uc_period(period(debt(2, 50_000), other_rates=(cleared,)))
    assert [(line.debt_id, line.amount_pence) for line in result.lines] == [(2, 1000)]
    assert result.debt_limit == cleared
    lower = calculate_uc_period(period(debt(2, 50_000, reduced_rate_pence=800), other_rates=(cleared,)))
    assert lower.total_pence == 800 and lower.debt_limit == DebtLimit(800, 2)


def test_a_reduced_rate_on_uc_is_shared_by_the_items_in_order_and_the_lowest_of_several_applies() -> None:
    """The same rule: what the rate allows is taken item by item in Annex B order (an advance of £4.00 takes
    its balance, the overpayments the £6.00 left, oldest first); with rates of £20.00 and £10.00 on two debts,
    the lower, £10.00, limits what all of them take."""
    result = calculate_uc_period(period(advance(1, 400), debt(2, 50_000, reduced_rate_pence=2000),
                                        debt(3, 50_000, on=date(2025, 2, 1), reduced_rate_pence=1000)))
    assert [(line.item, line.debt_id, line.amount_pence) for line in result.lines] == [(3, 1, 400), (19, 2, 600)]
    assert [(s.limit_pence, str(s.rule)) for s in result.steps] == [(1000, "DEBT_BALANCE"), (600, "REDUCED_RATE")]
    assert result.debt_limit == DebtLimit(1000, 3)


def test_a_reduced_rate_on_uc_leaves_third_party_items_and_sanctions_their_own_rules_and_cap_room() -> None:
    """The same rule limits only what is taken for debts: a third-party item (Council Tax arrears, item 11,
    one 5% unit £20.05) keeps its own rate and the room under the overall cap (£50.02 after the advance's
    £10.00), and a sanction (item 1) is taken outside the order as before. The overpayment takes nothing."""
    result = calculate_uc_period(period(advance(1, 50_000, reduced_rate_pence=1000), debt(2, 50_000),
                                        sanction_pence=5000,
                                        third_party=(ThirdPartyItem(ThirdPartyCategory.COUNCIL_TAX),)))
    assert [(line.item, line.amount_pence) for line in result.lines] == [(1, 5000), (3, 1000), (11, 2005)]
    assert [(s.item, str(s.rule)) for s in result.steps][-1] == (19, "REDUCED_RATE")


def test_on_a_joint_uc_award_a_reduced_rate_on_either_partners_debt_limits_what_the_award_takes_for_debts() -> None:
    """**Decision** (docs/recovery-notes.md "Reduced (affordable) rates"): a joint award is the couple's one
    income, so a rate set on a debt of either partner (or a joint debt) limits what the award takes for all
    the debts it recovers: £15.00 on the partner's overpayment; the holder's advance takes the £15.00."""
    result = calculate_uc_period(period(advance(1, 50_000, owner_person=1),
                                        debt(2, 50_000, owner_person=2, reduced_rate_pence=1500),
                                        claimant_type="JOINT_25_OR_OVER", joint=True))
    assert [(line.debt_id, line.amount_pence) for line in result.lines] == [(1, 1500)]


def test_uc_explanation_of_a_reduced_rate_names_its_debt_and_the_limit_on_every_debt_item_it_bound() -> None:
    """recovery-rules.md §3 ("why this amount?" from the explanation alone) and A9/2025 §31: each debt item
    step the staff rate limited says which debt's rate limits what is taken for debts this period and to how
    much, and what the items before took of it; the period's summary says it too."""
    result = calculate_uc_period(period(advance(1, 50_000), debt(2, 50_000, reduced_rate_pence=1000)))
    text = result.explain()
    assert ("Item 3 Short-term advances (UC_ADVANCE_NEW_CLAIM): limit £10.00 (a reduced rate set by staff on "
            "debt 2 limits what is taken for debts this period to £10.00, A9/2025 §31; the item's maximum is "
            "£60.02), cap room £60.02, took £10.00") in text, text
    assert ("Item 19 Normal overpayments (OVERPAYMENT): limit £0.00 (a reduced rate set by staff on debt 2 "
            "limits what is taken for debts this period to £10.00, A9/2025 §31, and the items before took "
            "£10.00 of it; the item's maximum is £60.02), cap room £50.02, took £0.00") in text, text
    assert text.endswith("UC payable £790.00. A reduced rate set by staff on debt 2 limits what is taken for "
                         "debts this period to £10.00 (A9/2025 §31): £10.00 was taken for debts."), text
    assert "A reduced rate set by staff" in result.explain_line(result.lines[0])


def test_uc_explanation_names_a_staff_reduced_rate_whichever_limit_set_the_amount_a9_2025_31() -> None:
    """A9/2025 §31 and recovery-rules.md §3 ("why this amount?" from the explanation alone): a reduced rate
    replacing the item's maximum is named as such, with the maximum, also when the debts' balance (or the cap
    room) then set the amount."""
    by_balance = calculate_uc_period(period(debt(1, 800, reduced_rate_pence=1000)))
    [step] = by_balance.steps
    assert (step.limit_pence, step.taken_pence, str(step.rule), step.maximum_pence) == (1000, 800, "DEBT_BALANCE", 6002)
    text = by_balance.explain()
    assert "limit £10.00 (a reduced rate set by staff on debt 1 limits what is taken for debts this period to " \
           "£10.00, A9/2025 §31; the item's maximum is £60.02)" in text, text
    by_rate = calculate_uc_period(period(debt(1, 100_000, reduced_rate_pence=1000)))
    assert str(by_rate.steps[0].rule) == "REDUCED_RATE" and "the item's maximum is £60.02" in by_rate.explain()


def rent(amount: int) -> tuple[ThirdPartyItem, ...]:
    return (ThirdPartyItem(ThirdPartyCategory.RENT_ARREARS, amount_pence=amount),)


def test_rent_arrears_further_part_takes_what_the_cap_leaves() -> None:
    """Annex B item 22, "up to 20% in all with item 8" (recovery-rules.md §3), is an amount up to a maximum,
    not a set rate: it takes what the room under the cap leaves (Decision, docs/recovery-notes.md "The Annex
    B items"), and its step says that the cap's room set the amount, not that it was whole or nothing."""
    result = calculate_uc_period(period(third_party=rent(12_000)))  # 120.00 asked: 20% in all is 80.02
    assert [(line.item, line.amount_pence) for line in result.lines] == [(8, 4001), (22, 2001)]
    step = result.steps[result.lines[1].step]
    assert (step.limit_pence, step.room_before, step.taken_pence, step.rule) == (4001, 2001, 2001, Rule.CAP_ROOM)
    text = result.explain()
    assert ("Item 22 Rent arrears, further part (RENT_ARREARS): limit £40.01 (the item's maximum, 20% of the standard "
            "allowance in all with item 8, less item 8's 10%), cap room £20.01, took £20.01, cap "
            "room left £0.00: the room left under the overall cap set the amount") in text, text
    assert "whole or not at all" not in text


def test_rent_arrears_further_part_asked_below_its_maximum_names_the_maximum() -> None:
    """A landlord asking less than 20% in all: the further part's limit is what was asked beyond the first
    part, and the step names its maximum (20% in all less the first part), whichever limit set the amount."""
    fits = calculate_uc_period(period(third_party=rent(5_000)))  # 50.00 asked: further part 9.99
    assert [(line.item, line.amount_pence) for line in fits.lines] == [(8, 4001), (22, 999)]
    assert fits.steps[-1].rule is Rule.REQUESTED_RATE and fits.steps[-1].maximum_pence == 4001
    assert "limit £9.99 (asked for by the third party; the item's maximum is £40.01)" in fits.explain()
    cut = calculate_uc_period(period(third_party=rent(7_000)))  # 70.00 asked: further part 29.99 > 20.01 left
    assert [(line.item, line.amount_pence) for line in cut.lines] == [(8, 4001), (22, 2001)]
    assert (cut.steps[-1].rule, cut.steps[-1].maximum_pence) == (Rule.CAP_ROOM, 4001)


@pytest.mark.parametrize("category", list(ThirdPartyCategory))
def test_a_third_party_item_asked_at_nothing_takes_nothing_and_says_so(category: ThirdPartyCategory) -> None:
    """events.md §2: a third-party ``amount`` is the rate asked for, and "0.00" is how the events say "none"
    (``sanction_amount``; fuel and water arrears of 0.00 with only an ``ongoing_amount``). So an item asked at
    0.00 is a request for nothing, for every category alike (**Decision**, docs/recovery-notes.md "The Annex B
    items"): nothing is taken, not its 10% minimum rate (rent arrears, item 8) nor its maximum, and its step
    says that nothing was asked."""
    scheme = "2012" if category is ThirdPartyCategory.FLAT_RATE_MAINTENANCE else None
    result = calculate_uc_period(period(third_party=(ThirdPartyItem(category, amount_pence=0, scheme=scheme),)))
    assert result.lines == () and result.total_pence == 0, result.explain()
    [step] = result.steps
    assert (step.limit_pence, step.taken_pence, step.rule, step.maximum_pence) == (0, 0, Rule.NOTHING_ASKED, None)
    assert ("limit £0.00, cap room £60.02, took £0.00, cap room left £60.02: nothing taken: the third party asked "
            "for nothing (an amount of 0.00, events.md §2)") in result.explain(), result.explain()


def test_a_third_party_item_asked_at_nothing_takes_no_third_party_place() -> None:
    """Sch 6 para 3(1)(b) limits the third-party items *taken* to three: an item asked at 0.00 takes nothing,
    so it leaves its place to the next (service charges at 0.00, then Council Tax, fines and water arrears
    all taken)."""
    third = (ThirdPartyItem(ThirdPartyCategory.SERVICE_CHARGES, amount_pence=0),
             *(ThirdPartyItem(c, amount_pence=1000) for c in (ThirdPartyCategory.COUNCIL_TAX,
                                                               ThirdPartyCategory.FINES, ThirdPartyCategory.WATER)))
    result = calculate_uc_period(period(third_party=third))
    assert [(line.item, line.amount_pence) for line in result.lines] == [(11, 1000), (12, 1000), (13, 1000)]


def test_rent_arrears_asked_at_nothing_takes_nothing_not_the_minimum_rate() -> None:
    """Annex B item 8's "10% (this is the minimum rate)" is the least taken when the landlord asks for rent
    arrears, not an amount taken when nothing is asked (events.md §2, an amount of 0.00; **Decision**,
    docs/recovery-notes.md "The Annex B items"): £0.00 asked takes nothing for item 8 or item 22, and leaves
    the cap's room to the next items."""
    result = calculate_uc_period(period(debt(1, 100_000), third_party=rent(0)))
    assert [(line.item, line.amount_pence) for line in result.lines] == [(19, 6002)], result.explain()
    assert [(s.item, s.taken_pence, s.rule) for s in result.steps] == [
        (8, 0, Rule.NOTHING_ASKED), (19, 6002, Rule.ITEM_MAXIMUM)]
    assert "(RENT_ARREARS): limit £0.00, cap room £60.02, took £0.00, cap room left £60.02: nothing taken: the " \
           "third party asked for nothing" in result.explain()


def test_gas_arrears_asked_at_nothing_with_ongoing_consumption_takes_only_the_ongoing_consumption() -> None:
    """events.md §2: fuel and water arrears may add ``ongoing_amount``; with arrears of 0.00 the ongoing
    consumption alone is asked for. It is taken outside the cap and takes the item's place (Decision,
    docs/recovery-notes.md "The Annex B items"); the arrears step says nothing was asked."""
    gas = ThirdPartyItem(ThirdPartyCategory.GAS, amount_pence=0, ongoing_pence=1200)
    result = calculate_uc_period(period(third_party=(gas,)))
    assert [(line.kind, line.amount_pence) for line in result.lines] == [(LineKind.ONGOING_CONSUMPTION, 1200)]
    assert [s.rule for s in result.steps] == [Rule.ONGOING_OUTSIDE_CAP, Rule.NOTHING_ASKED]


def test_rent_arrears_further_part_not_taken_because_the_first_part_was_not_says_so() -> None:
    """Annex B item 22 is taken only with item 8 (recovery-rules.md §3; Decision, docs/recovery-notes.md "The
    Annex B items"), and, an amount up to a maximum, is not "whole or not at all": when item 8 did not fit
    whole, item 22's step says it was not taken because the first part (item 8) was not, not that it is a
    set rate taken whole or not at all."""
    advance = debt(1, 3_000, debt_type="UC_ADVANCE_NEW_CLAIM")
    result = calculate_uc_period(period(advance, award=90_000, third_party=rent(12_000)))
    assert [(line.item, line.amount_pence) for line in result.lines] == [(3, 3000)]
    first, further = (s for s in result.steps if s.item in (8, 22))
    assert (first.rule, further.rule) == (Rule.WHOLE_OR_NOTHING, Rule.RENT_FIRST_PART_NOT_TAKEN)
    text = result.explain()
    assert ("Item 22 Rent arrears, further part (RENT_ARREARS): limit £40.01, cap room £30.02, took £0.00, cap "
            "room left £30.02: nothing taken: the further part of rent arrears is taken only with the first part "
            "(item 8), and item 8 was not taken this period") in text, text
    assert text.count("whole or not at all") == 1 + text.count("not itself taken whole or not at all"), text


def test_partners_hb_debts_shared_equally_give_the_split_figures() -> None:
    """hb-debt-interface.md §6.4 (HB debts of both partners of a couple shared equally) with recovery-rules.md
    §3 ("why this amount?" from the explanation alone): a partner's line gives the split's figures, as the
    split between owners does: the owner's share, the halves, what the other partner's debts could take, the
    rest passed on, and what each partner's debts took. LA's share £31.40: partner 1's debt can take only
    £5.00, so partner 2's takes £26.40."""
    result = calculate_uc_period(period(
        debt(1, 50_000, on=date(2024, 1, 1)), debt(2, 500, "LA", la_id="005920", owner_person=1),
        debt(3, 10_000, "LA", la_id="005920", owner_person=2), debt(4, 50_000, "HMRC"),
        claimant_type="JOINT_25_OR_OVER", award=120_000, joint=True))
    amounts = {line.debt_id: line.amount_pence for line in result.lines}
    assert amounts == {1: 3141, 4: 3140, 2: 500, 3: 2640}
    lines = {line.debt_id: line for line in result.lines}
    assert lines[3].partners_split == (3140, 500, 10_000) and lines[3].partner == 1
    assert lines[2].partners_split == (3140, 500, 10_000) and lines[2].partner == 0
    text = result.explain_line(lines[3])
    assert ("within LA's share: HB debts of both partners shared equally (hb-debt-interface.md §6.4), each "
            "partner's half in recovery order; a partner whose debts cannot take their half passing the rest on: "
            "LA's share £31.40 in equal shares of £15.70 to the other partner and £15.70 to the partner owing "
            "this debt; the other partner's debts could take only £5.00, so the rest went on to the partner "
            "owing this debt, giving the other partner £5.00 and the partner owing this debt £26.40") in text, text


def test_partners_hb_debts_shared_equally_without_a_shortfall_give_the_halves() -> None:
    """hb-debt-interface.md §6.4: where both partners' debts can take their half, the line gives the amount
    shared and the halves, leftover pence going to the partner whose debts come first in recovery order."""
    result = calculate_uc_period(period(
        debt(2, 50_000, "LA", la_id="005920", owner_person=1, on=date(2024, 1, 1)),
        debt(3, 50_000, "LA", la_id="005920", owner_person=2),
        claimant_type="JOINT_25_OR_OVER", award=120_000, joint=True))
    lines = {line.debt_id: line for line in result.lines}
    assert {i: line.amount_pence for i, line in lines.items()} == {2: 4711, 3: 4710}
    text = result.explain_line(lines[2])
    assert ("This debt's share: HB debts of both partners shared equally (hb-debt-interface.md §6.4), each "
            "partner's half in recovery order; a partner whose debts cannot take their half passing the rest on: "
            "the item's amount £94.21 in equal shares of £47.11 to the partner owing this debt and £47.10 to the "
            "other partner.") in text, text


def test_uc_explanation_header_names_the_claimant_type_that_chose_the_standard_allowance() -> None:
    """recovery-rules.md §2 (standard allowance by claimant type) and §3 (the explanation gives the standard
    allowance): the header names the claimant type that chose it, the one in force on the period's last day
    (docs/events-notes.md, a UC period's claimant type), so a reader sees why £400.14 and not £316.98."""
    result = calculate_uc_period(UcPeriodInput(date(2025, 6, 1), date(2025, 6, 30), date(2025, 7, 7),
                                               "SINGLE_25_OR_OVER", 90_000, debts=(debt(1, 50_000),)))
    assert ("Assessment period starting 2025-06-01: standard allowance £400.14 (rates from 2025-04-07) for "
            "claimant type SINGLE_25_OR_OVER, the type in force on the period's last day, 2025-06-30; 5% unit "
            "£20.05") in result.explain(), result.explain()
