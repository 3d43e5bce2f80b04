"""Properties of the UC engine over random periods (recovery-rules.md §1-3): the cap holds outside its
stated exceptions, the minimum payable holds, no debt gets more than its balance, and the totals add up; and
of the legacy instalment shared between owners (§3 rules a and b, §4): every penny of it placed, no debt
over its balance."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from dms.recovery.allocation import allocate_instalment, capacity_of, spread_like_deduction
from dms.recovery.legacy import agreed_amount_limits, calculate_legacy_instalment
from dms.recovery.types import (
    DebtRecord,
    LegacyInstalmentInput,
    LegacyOutcome,
    LineKind,
    PayFrequency,
    Rule,
    ThirdPartyCategory,
    ThirdPartyItem,
    UcPeriodInput,
    UcPeriodResult,
)
from dms.recovery.uc import ITEM_OF_CATEGORY, calculate_uc_period

DEBT_KINDS = [
    ("DWP", "UC_ADVANCE_NEW_CLAIM", "NON_FRAUD"), ("DWP", "UC_ADVANCE_BENEFIT_TRANSFER", "NON_FRAUD"),
    ("DWP", "BUDGETING_ADVANCE", "NON_FRAUD"), ("DWP", "SOCIAL_FUND_LOAN", "NON_FRAUD"),
    ("DWP", "RECOVERABLE_HARDSHIP_PAYMENT", "NON_FRAUD"), ("DWP", "ADMINISTRATIVE_PENALTY", "NON_FRAUD"),
    ("LA", "ADMINISTRATIVE_PENALTY", "NON_FRAUD"), ("DWP", "CIVIL_PENALTY", "NON_FRAUD"),
    ("LA", "CIVIL_PENALTY", "NON_FRAUD"), ("DWP", "OVERPAYMENT", "FRAUD"), ("HMRC", "OVERPAYMENT", "FRAUD"),
    ("LA", "OVERPAYMENT", "FRAUD"), ("DWP", "OVERPAYMENT", "NON_FRAUD"), ("HMRC", "OVERPAYMENT", "NON_FRAUD"),
    ("LA", "OVERPAYMENT", "NON_FRAUD"),
]
DAYS = st.dates(min_value=date(2024, 4, 8), max_value=date(2027, 3, 31))


@st.composite
def debts(draw: st.DrawFn) -> tuple[DebtRecord, ...]:
    count = draw(st.integers(0, 6))
    out = []
    for debt_id in range(1, count + 1):
        owner, debt_type, classification = draw(st.sampled_from(DEBT_KINDS))
        on = draw(DAYS)
        out.append(DebtRecord(
            debt_id=debt_id, owner_kind=owner, debt_type=debt_type, classification=classification,
            balance_pence=draw(st.integers(0, 300_000)), received_on=on, receipt_seq=draw(st.integers(1, 9)),
            created_on=on, la_id="123456" if owner == "LA" else None, joint=draw(st.booleans()),
            owner_person=draw(st.sampled_from([None, 1, 2])),
            agreed_amount_pence=draw(st.none() | st.integers(0, 10_000)),
            reduced_rate_pence=draw(st.none() | st.integers(0, 10_000))))
    return tuple(out)


@st.composite
def third_parties(draw: st.DrawFn) -> tuple[ThirdPartyItem, ...]:
    categories = draw(st.lists(st.sampled_from(list(ThirdPartyCategory)), unique=True, max_size=6))
    return tuple(
        ThirdPartyItem(c, amount_pence=draw(st.none() | st.integers(0, 12_000)),
                       ongoing_pence=draw(st.integers(0, 6_000)),
                       scheme=draw(st.sampled_from(["2012", "2003", "1993"])))
        for c in categories)


@st.composite
def periods(draw: st.DrawFn) -> UcPeriodInput:
    start = draw(DAYS)
    claimant = draw(st.sampled_from(["SINGLE_UNDER_25", "SINGLE_25_OR_OVER", "JOINT_UNDER_25",
                                     "JOINT_25_OR_OVER"]))
    return UcPeriodInput(
        period_start=start, period_end=start, payment_date=start, claimant_type=claimant,
        award_amount_pence=draw(st.integers(0, 200_000)), joint=claimant.startswith("JOINT"),
        sanction_pence=draw(st.sampled_from([0, 0, 0, 5_000, 50_000])),
        fraud_penalty_pence=draw(st.sampled_from([0, 0, 0, 3_000])),
        third_party=draw(third_parties()), debts=draw(debts()))


def _run(period: UcPeriodInput) -> UcPeriodResult:
    return calculate_uc_period(period)


@settings(max_examples=300, deadline=None)
@given(periods())
def test_uc_deductions_never_exceed_the_overall_cap_outside_the_exceptions(period: UcPeriodInput) -> None:
    result = _run(period)
    over_cap = sum(s.taken_pence for s in result.steps if s.rule is Rule.SANCTION_EXCEPTION)
    assert result.capped_total_pence <= result.cap_pence + over_cap
    counted = sum(line.amount_pence for line in result.lines
                  if line.item >= 3 and line.kind is not LineKind.ONGOING_CONSUMPTION
                  and line.rule is not Rule.FRM_ABOVE_CAP)
    assert counted == result.capped_total_pence
    if not over_cap:
        assert result.capped_total_pence <= result.cap_pence


@settings(max_examples=300, deadline=None)
@given(periods())
def test_uc_payable_never_below_the_minimum(period: UcPeriodInput) -> None:
    result = _run(period)
    after_items_1_2 = period.award_amount_pence - sum(
        line.amount_pence for line in result.lines if line.item <= 2)
    if after_items_1_2 >= 1:
        assert result.payable_pence >= 1
    else:
        assert result.payable_pence == after_items_1_2 == 0
        assert all(line.item <= 2 for line in result.lines)


@settings(max_examples=300, deadline=None)
@given(periods())
def test_uc_deductions_never_exceed_a_debts_balance_or_its_rates(period: UcPeriodInput) -> None:
    result = _run(period)
    by_debt = {d.debt_id: d for d in period.debts}
    taken: dict[int, int] = {}
    for line in result.lines:
        assert line.amount_pence > 0
        if line.debt_id is not None:
            taken[line.debt_id] = taken.get(line.debt_id, 0) + line.amount_pence
    for debt_id, amount in taken.items():
        debt = by_debt[debt_id]
        assert amount <= debt.balance_pence
        if debt.reduced_rate_pence is not None:
            assert amount <= debt.reduced_rate_pence


@settings(max_examples=300, deadline=None)
@given(periods())
def test_uc_totals_sum_exactly_to_the_lines(period: UcPeriodInput) -> None:
    result = _run(period)
    assert result.total_pence == sum(line.amount_pence for line in result.lines)
    assert result.payable_pence == period.award_amount_pence - result.total_pence
    for step_index, step in enumerate(result.steps):
        assert step.taken_pence == sum(line.amount_pence for line in result.lines if line.step == step_index)


@settings(max_examples=200, deadline=None)
@given(periods())
def test_uc_at_most_three_third_party_items_and_items_within_maxima(period: UcPeriodInput) -> None:
    result = _run(period)
    third = {line.category for line in result.lines
             if line.category is not None and line.category is not ThirdPartyCategory.FLAT_RATE_MAINTENANCE}
    assert len(third) <= 3
    for step in result.steps:
        if step.item >= 3 and not step.subject.endswith("ongoing"):
            assert step.taken_pence <= step.limit_pence
    items = [line.item for line in result.lines if line.item >= 3]
    assert all(i in ITEM_OF_CATEGORY.values() or i in {3, 5, 6, 14, 15, 16, 17, 18, 19, 22} for i in items)


@settings(max_examples=300, deadline=None)
@given(amount=st.integers(0, 2_000_000), records=debts(), joint=st.booleans())
def test_spread_like_deduction_conserves_money_and_never_exceeds_a_balance(
        amount: int, records: tuple[DebtRecord, ...], joint: bool) -> None:
    """A direct payment spread like a deduction (events.md §3): every penny is placed or left over, no
    debt takes more than its balance or twice, and nothing is placed while a debt could still take it."""
    shares = spread_like_deduction(amount, records, joint)
    placed = sum(share for _, share, _ in shares)
    owed = sum(d.balance_pence for d in records)
    assert placed == min(amount, owed)
    assert all(0 < share <= debt.balance_pence for debt, share, _ in shares)
    assert len({debt.debt_id for debt, _, _ in shares}) == len(shares)


@settings(max_examples=300, deadline=None)
@given(amount=st.integers(0, 200_000), records=debts())
def test_legacy_instalment_shared_between_owners_conserves_money_and_never_exceeds_a_balance(
        amount: int, records: tuple[DebtRecord, ...]) -> None:
    """recovery-rules.md §3 rules a and b with §4 (``allocate_instalment``): the instalment is placed whole
    (up to what the debts owe), no debt takes more than its balance or twice; sharing changes only who gets
    it. Where an item's part is split equally, each owner the rule names gets its equal share or all its
    debts could take (A9/2025 §28-29)."""
    shares = allocate_instalment(amount, records, Rule.INSTALMENT)
    owed = sum(d.balance_pence for d in records)
    assert sum(s.amount for s in shares) == min(amount, owed)
    assert all(0 < s.amount <= s.debt.balance_pence for s in shares)
    assert len({s.debt.debt_id for s in shares}) == len(shares)
    for share in shares:
        if share.shared_by:
            owners = share.shared_by.replace(" and ", ", ").split(", ")
            part, capacities = share.split[0], share.split[1:]
            got = {o: sum(s.amount for s in shares if s.item == share.item and s.debt.owner_kind == o)
                   for o in owners}
            equal = part // len(owners)
            assert all(got[o] >= min(equal, can) for o, can in zip(owners, capacities, strict=True))


@settings(max_examples=300, deadline=None)
@given(day=DAYS, frequency=st.sampled_from(list(PayFrequency)), benefit=st.integers(0, 60_000),
       existing=st.sampled_from([0, 0, 5_000, 50_000]), records=debts())
def test_legacy_instalment_amount_unchanged_by_the_split(day: date, frequency: PayFrequency, benefit: int,
                                                         existing: int, records: tuple[DebtRecord, ...]) -> None:
    """recovery-rules.md §4: the instalment is the weekly rate for the period, never more than the debts owe;
    sharing it between owners (§3 rules a and b) changes only who gets it: the allocations add up to the
    amount taken, a full instalment is min(instalment, what the debts can take: their balances, a Social Fund
    loan's no more than its agreed amount for the pay period, §3 item 14), no returned HB debt gets any."""
    result = calculate_legacy_instalment(LegacyInstalmentInput(day, frequency, benefit, records, existing))
    assert sum(a.amount_pence for a in result.allocations) == result.amount_pence
    limits = agreed_amount_limits(records, frequency)
    can_take = {d.debt_id: capacity_of(d, limits) for d in records}
    assert all(0 < a.amount_pence <= can_take[a.debt_id] for a in result.allocations)
    assert not {a.debt_id for a in result.allocations} & set(result.hb_debts_to_return)
    if result.outcome is LegacyOutcome.DEDUCTED and result.rule is Rule.INSTALMENT:
        assert result.amount_pence == min(result.instalment_pence, sum(can_take.values()))


@settings(max_examples=300, deadline=None)
@given(day=DAYS, frequency=st.sampled_from(list(PayFrequency)), benefit=st.integers(0, 60_000),
       sanction_share=st.sampled_from([0, 0, 40, 60, 100]), reduced=st.none() | st.integers(0, 3_000),
       records=debts())
def test_without_deductions_in_place_an_hb_debt_is_returned_maximum_deductions_only_when_its_own_instalment_fits(
        day: date, frequency: PayFrequency, benefit: int, sanction_share: int, reduced: int | None,
        records: tuple[DebtRecord, ...]) -> None:
    """recovery-rules.md §4 (A9/2025 §24): `MAXIMUM_DEDUCTIONS` is for deductions already in place leaving no
    room; with none in place outside DMS (no input carries any, so the daily run and ``dms rerate`` pass
    none), an HB debt is returned for it only when the room covers its own instalment and another creditor's
    fraud debt stays in recovery at the fraud rate (docs/recovery-notes.md "When an HB debt is returned
    MAXIMUM_DEDUCTIONS"); else too little benefit is ``INSUFFICIENT_BENEFIT``. Every HB debt returned is
    returned with a reason, and the instalment's outcome is MAXIMUM_DEDUCTIONS only when every one is."""
    result = calculate_legacy_instalment(LegacyInstalmentInput(
        day, frequency, benefit, records, reduced_weekly_rate_pence=reduced,
        sanction_pence=benefit * sanction_share // 100))
    assert [r.debt.debt_id for r in result.returned] == list(result.hb_debts_to_return)
    room = benefit - benefit * sanction_share // 100 - result.floor_pence
    others_fraud = any(d.classification == "FRAUD" and d.owner_kind != "LA" and d.balance_pence > 0
                       for d in records)
    for returned in result.returned:
        fits = room >= returned.own_instalment_pence and others_fraud
        assert returned.reason is (LegacyOutcome.MAXIMUM_DEDUCTIONS if fits else LegacyOutcome.INSUFFICIENT_BENEFIT)
    assert (result.outcome is LegacyOutcome.MAXIMUM_DEDUCTIONS) == (bool(result.returned) and all(
        r.reason is LegacyOutcome.MAXIMUM_DEDUCTIONS for r in result.returned))
