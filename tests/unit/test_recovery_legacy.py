"""Legacy instalments: rates, conversion to the pay period, outcomes and missed instalments
(recovery-rules.md §4)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest

from dms.money import format_pounds
from dms.recovery.explanation import legacy_facts
from dms.recovery.legacy import (
    agreed_amount_for_period,
    benefit_floor_for_period,
    benefit_for_period,
    calculate_legacy_instalment,
    has_room_for_any_instalment,
    instalment_for_period,
    is_pay_date,
    latest_pay_date,
    least_weekly_amount_with_room,
    legacy_weekly_rate,
    missed_instalments_outcome,
    paid_days,
    pay_period,
    rate_per,
    reverse_missed_instalment,
    sanction_for_period,
    sanction_over_period,
    weeks_in_period,
    weeks_text,
)
from dms.recovery.types import (
    AWARD_START,
    OTHER_AWARD,
    PREVIOUS_PAY_DATE,
    Allocation,
    DebtRecord,
    LegacyInstalmentInput,
    LegacyInstalmentResult,
    LegacyOutcome,
    LegacyPayTerms,
    OtherAwardInstalment,
    PaidDays,
    PayFrequency,
    RecoveryInputError,
    ReducedWeeklyRate,
    Rule,
    SanctionSpan,
    WeeklyAmountSpan,
)

JUNE = date(2025, 6, 2)


def hb(debt_id: int, balance: int, classification: str = "NON_FRAUD") -> DebtRecord:
    return DebtRecord(debt_id, "LA", "OVERPAYMENT", classification, balance, date(2025, 1, 1), debt_id,
                      date(2025, 1, 1), la_id="123456")


@pytest.mark.parametrize(("on", "standard", "fraud"), [
    (date(2024, 4, 8), 1365, 2275), (date(2025, 4, 7), 1395, 2325), (date(2026, 4, 13), 1440, 2400)])
def test_legacy_weekly_rate_three_or_five_units_of_25_plus_allowance(on: date, standard: int, fraud: int) -> None:
    assert legacy_weekly_rate(on, fraud=False) == standard
    assert legacy_weekly_rate(on, fraud=True) == fraud


def test_legacy_monthly_period_is_52_over_12_weeks_rounded_down() -> None:
    assert weeks_in_period(PayFrequency.MONTHLY) == Decimal(52) / Decimal(12)
    assert instalment_for_period(2275, PayFrequency.MONTHLY) == 9858  # 9858.33
    assert instalment_for_period(1395, PayFrequency.FORTNIGHTLY) == 2790
    assert instalment_for_period(1395, PayFrequency.FOUR_WEEKLY) == 5580


RATE_YEARS = [date(2024, 6, 10), date(2025, 6, 9), date(2026, 6, 8)]


@pytest.mark.parametrize(("on", "weekly"), list(zip(RATE_YEARS, (2285, 2335, 2410), strict=True)))
def test_an_award_has_room_for_any_instalment_when_its_period_benefit_above_the_floor_covers_the_fraud_instalment(
        on: date, weekly: int) -> None:
    """recovery-rules.md §4, A9/2025 §24 (**Decision**, docs/recovery-notes.md "Which legacy award an
    instalment is taken from"): the fraud weekly rate and 10p a week is room enough weekly, fortnightly and
    four-weekly, but not monthly: the benefit (52/12 weeks) is rounded down and the floor up, so £23.35 a week
    leaves £101.18 - £0.44 = £100.74 for a £100.75 instalment (2024/25 £22.85: £98.57 for £98.58; 2026/27
    £24.10: £103.99 for £104.00). A penny a week more has room; an award without a pay frequency has none."""
    for frequency in (PayFrequency.WEEKLY, PayFrequency.FORTNIGHTLY, PayFrequency.FOUR_WEEKLY):
        assert has_room_for_any_instalment(weekly, frequency, on)
        assert not has_room_for_any_instalment(weekly - 1, frequency, on)
    assert benefit_for_period(weekly, PayFrequency.MONTHLY) - 44 == instalment_for_period(
        legacy_weekly_rate(on, True), PayFrequency.MONTHLY) - 1
    assert not has_room_for_any_instalment(weekly, PayFrequency.MONTHLY, on)
    assert has_room_for_any_instalment(weekly + 1, PayFrequency.MONTHLY, on)
    assert not has_room_for_any_instalment(1_000_000, "", on)


@pytest.mark.parametrize("on", RATE_YEARS)
@pytest.mark.parametrize("frequency", list(PayFrequency))
def test_the_least_weekly_amount_with_room_is_where_an_award_comes_to_have_room_for_any_instalment(
        frequency: PayFrequency, on: date) -> None:
    """The figure the daily run's query compares weekly amounts with (``services.recovery_load``) says what
    :func:`has_room_for_any_instalment` says, for every weekly amount around it (2025/26: £23.35, monthly
    £23.36)."""
    least = least_weekly_amount_with_room(frequency, on)
    for weekly in range(least - 300, least + 300):
        assert has_room_for_any_instalment(weekly, frequency, on) == (weekly >= least)
    if on == date(2025, 6, 9):
        assert least == (2336 if frequency is PayFrequency.MONTHLY else 2335)


def test_legacy_unknown_frequency_refused() -> None:
    with pytest.raises(RecoveryInputError):
        weeks_in_period("DAILY")  # type: ignore[arg-type]


def test_legacy_insufficient_benefit_returns_hb_debts_only() -> None:
    dwp = DebtRecord(2, "DWP", "OVERPAYMENT", "NON_FRAUD", 50_000, JUNE, 2, JUNE)
    result = calculate_legacy_instalment(LegacyInstalmentInput(JUNE, PayFrequency.WEEKLY, 1_000, (hb(1, 9_000), dwp)))
    assert result.outcome is LegacyOutcome.INSUFFICIENT_BENEFIT
    assert result.hb_debts_to_return == (1,)
    assert [(a.debt_id, a.amount_pence, a.rule) for a in result.allocations] == [(2, 990, Rule.BENEFIT_FLOOR)]
    assert "HB debts to return (A9/2025 §24" in result.explain()
    assert "debt 1 (LA 123456, NON_FRAUD) is returned INSUFFICIENT_BENEFIT" in result.explain()


def test_legacy_reduced_rate_never_raises_the_rate() -> None:
    result = calculate_legacy_instalment(LegacyInstalmentInput(
        JUNE, PayFrequency.WEEKLY, 10_000, (hb(1, 9_000),), reduced_weekly_rate_pence=5_000))
    assert result.weekly_rate_pence == 1395 and result.rule is Rule.INSTALMENT


def dwp_rated(debt_id: int, balance: int, weekly: int | None, classification: str = "NON_FRAUD") -> DebtRecord:
    """A DWP debt with the staff reduced rate per week in force on it (``None``: none)."""
    return DebtRecord(debt_id, "DWP", "OVERPAYMENT", classification, balance, date(2025, 1, 1), debt_id,
                      date(2025, 1, 1), reduced_weekly_rate_pence=weekly)


def _rated(benefit: int, *debts: DebtRecord, sanction: int = 0) -> tuple[str, dict[str, object]]:
    """The explanation and the stored facts of a weekly instalment at the lowest reduced rate of ``debts`` (as
    the daily run passes it, ``services.recovery.legacy_reduced_rate``), its debt named as the run names it:
    reference "OP-<id>", set by j.smith, review date 2025-09-01."""
    rates = [d.reduced_weekly_rate_pence for d in debts if d.reduced_weekly_rate_pence is not None]
    result = calculate_legacy_instalment(LegacyInstalmentInput(
        JUNE, PayFrequency.WEEKLY, benefit, debts, reduced_weekly_rate_pence=min(rates), sanction_pence=sanction))
    assert result.reduced_rate is not None and result.reduced_rate.debt_id is not None
    named = replace(result, reduced_rate=result.reduced_rate._replace(
        ref=f"OP-{result.reduced_rate.debt_id}", set_by="j.smith", until=date(2025, 9, 1)))
    return named.explain(), legacy_facts(named)


def test_legacy_reduced_rate_explanation_names_its_debt_who_set_it_and_its_review_date() -> None:
    """A9/2025 §31 (a rate recorded with who set it and a review date) and recovery-rules.md §3-4 ("why this
    amount?" from the explanation alone): the instalment at a staff reduced rate names the debt the rate is
    set on (its reference, else its id), who set it, its review date and the rate a week, as a UC period's
    explanation does (**Decision**, docs/recovery-notes.md "Reduced (affordable) rates"); the stored facts
    keep them. An instalment with no reduced rate keeps its facts as before, with no such entry."""
    text, facts = _rated(10_000, dwp_rated(1, 50_000, 200))
    assert "weekly rate £2.00 (reduced rate set by staff) x 1 week = instalment £2.00" in text, text
    assert ("\nA reduced rate set by staff on debt OP-1 (set by j.smith, review date 2025-09-01) is the weekly "
            "rate: £2.00 a week (A9/2025 §31).") in text, text
    assert facts["reduced_rate"] == {"weekly_pence": 200, "debt_id": 1, "ref": "OP-1", "set_by": "j.smith",
                                     "until": "2025-09-01", "per_period_pence": None}
    plain = calculate_legacy_instalment(LegacyInstalmentInput(JUNE, PayFrequency.WEEKLY, 10_000, (hb(1, 9_000),)))
    assert plain.reduced_rate is None and "reduced_rate" not in legacy_facts(plain)
    assert "reduced rate" not in plain.explain()
    without_ref = calculate_legacy_instalment(LegacyInstalmentInput(
        JUNE, PayFrequency.WEEKLY, 10_000, (dwp_rated(7, 50_000, 200),), reduced_weekly_rate_pence=200))
    assert without_ref.reduced_rate == ReducedWeeklyRate(200, 7)
    assert "A reduced rate set by staff on debt 7 is the weekly rate: £2.00 a week" in without_ref.explain()


def test_legacy_reduced_rate_agreed_per_assessment_period_says_it_was_converted_to_a_week() -> None:
    """**Decision**, docs/recovery-notes.md "Reduced (affordable) rates": a rate keeps the unit it was agreed
    in, and a legacy benefit reads a rate agreed per UC assessment period x 12/52, rounded down; the
    explanation says so, with the rate as agreed, so £2.30 a week can be traced to the £10.00 agreed."""
    result = calculate_legacy_instalment(LegacyInstalmentInput(
        JUNE, PayFrequency.FORTNIGHTLY, 20_000, (dwp_rated(3, 50_000, 230),), reduced_weekly_rate_pence=230))
    assert result.reduced_rate is not None
    named = replace(result, reduced_rate=result.reduced_rate._replace(
        ref="OP-3", set_by="j.smith", until=date(2025, 9, 1), per_period_pence=1000))
    text = named.explain()
    assert "weekly rate £2.30 (reduced rate set by staff) x 2 weeks = instalment £4.60" in text, text
    assert ("\nA reduced rate set by staff on debt OP-3 (set by j.smith, review date 2025-09-01) is the weekly "
            "rate: agreed as £10.00 per assessment period, converted to £10.00 x 12/52 = £2.30 a week, rounded "
            "down (A9/2025 §31).") in text, text
    assert legacy_facts(named)["reduced_rate"]["per_period_pence"] == 1000  # type: ignore[index]


def test_legacy_reduced_rate_named_is_the_lowest_in_force_of_equal_rates_the_lower_debt_ids() -> None:
    """**Decision**, docs/recovery-notes.md "Reduced (affordable) rates": the lowest reduced rate in force on
    any of the person's debts is the weekly rate, so the explanation names the debt that rate is set on (of
    equal rates, the lower debt id's, as a UC period's limit)."""
    text, facts = _rated(10_000, dwp_rated(1, 50_000, 500), dwp_rated(2, 50_000, 300), dwp_rated(3, 50_000, 300))
    assert "on debt OP-2 (set by j.smith, review date 2025-09-01) is the weekly rate: £3.00 a week" in text, text
    assert facts["reduced_rate"]["debt_id"] == 2  # type: ignore[index]


def test_legacy_reduced_weekly_rate_is_named_so_when_the_floor_or_a_sanction_limited_the_amount() -> None:
    """recovery-rules.md §4 (the 10p-a-week floor; a sanction reduces the benefit) with A9/2025 §31: when a
    staff reduced rate set the weekly rate and the floor or a sanction then limited what was taken, the
    weekly rate is still named as the reduced rate and its debt, not as the standard or fraud rate it is
    not."""
    sanctioned, _ = _rated(300, dwp_rated(1, 30_000, 200), sanction=150)
    assert "weekly rate £2.00 (reduced rate set by staff) x 1 week =" in sanctioned, sanctioned
    assert "standard (3 units" not in sanctioned and "a sanction reduced the benefit paid" in sanctioned
    assert "on debt OP-1 (set by j.smith, review date 2025-09-01) is the weekly rate: £2.00 a week" in sanctioned
    short, _ = _rated(150, dwp_rated(1, 30_000, 200), hb(2, 30_000, "FRAUD"))
    assert "weekly rate £2.00 (reduced rate set by staff) x 1 week =" in short, short
    assert "fraud (5 units" not in short and "The fraud rate" not in short
    assert "outcome INSUFFICIENT_BENEFIT" in short and "on debt OP-1 (set by j.smith" in short


def test_legacy_explanation_shows_rate_weeks_and_floor() -> None:
    """recovery-rules.md §4 (the weekly rate is 3 units, the unit 5% of the 25+ personal allowance rounded up to
    5p; monthly 52/12 weeks; the 10p floor) and §3 ("why this amount?" from the explanation alone): the text
    gives the allowance, the unit and the date the rates apply from."""
    result = calculate_legacy_instalment(LegacyInstalmentInput(JUNE, PayFrequency.MONTHLY, 40_000, (hb(1, 90_000),)))
    text = result.explain()
    assert ("weekly rate £13.95 (standard (3 units of £4.65, 5% of the £92.05 personal allowance for a single "
            "person aged 25 or over rounded up to 5p, the rates in force on the pay date (from 2025-04-07)))") in text
    assert "instalment £60.45" in text
    assert "benefit floor £0.44" in text and "£60.45 to debt 1 (LA)" in text
    assert "x 52/12 weeks" in text and "4.333" not in text


@pytest.mark.parametrize(("frequency", "words"), [
    (PayFrequency.WEEKLY, "weekly"), (PayFrequency.FORTNIGHTLY, "fortnightly"),
    (PayFrequency.FOUR_WEEKLY, "four-weekly"), (PayFrequency.MONTHLY, "monthly")])
def test_legacy_explanation_names_the_pay_frequency_in_words(frequency: PayFrequency, words: str) -> None:
    """recovery-rules.md §3-4 (every calculation explained in words staff read): the pay date's frequency is
    written as a word ("four-weekly"), not as its code (``FOUR_WEEKLY``)."""
    result = calculate_legacy_instalment(LegacyInstalmentInput(JUNE, frequency, 40_000, (hb(1, 90_000),)))
    assert result.explain().startswith(f"Pay date 2025-06-02 ({words}): benefit for the period £400.00;")


def test_legacy_explanation_states_the_benefit_so_the_floor_outcome_can_be_checked() -> None:
    """recovery-rules.md §3-4: staff answer "why this amount?" from the explanation alone. Monthly ESA of
    £14.05 a week is £60.88 for the period (52/12 weeks, rounded down); the floor (10p a week) is £0.44, so
    £60.44 is room for deductions, less than the £60.45 instalment: the HB debt is returned."""
    dwp = DebtRecord(2, "DWP", "OVERPAYMENT", "NON_FRAUD", 50_000, JUNE, 2, JUNE)
    benefit = instalment_for_period(1405, PayFrequency.MONTHLY)
    result = calculate_legacy_instalment(LegacyInstalmentInput(JUNE, PayFrequency.MONTHLY, benefit, (hb(1, 90_000), dwp)))
    text = result.explain()
    assert benefit == 6088 and result.amount_pence == 6044
    assert "benefit for the period £60.88" in text and "leaving room for £60.44" in text
    assert "outcome INSUFFICIENT_BENEFIT" in text and "took £60.44" in text


def test_legacy_explanation_says_when_the_debts_balance_limited_the_instalment() -> None:
    """A9/2025 §28 (recovery-rules.md §3): never more than a debt's balance. A £13.95 weekly instalment
    against debts owing £5.00 and £3.00 takes £8.00, and the explanation says why it is less."""
    dwp = DebtRecord(2, "DWP", "OVERPAYMENT", "NON_FRAUD", 300, JUNE, 2, JUNE)
    result = calculate_legacy_instalment(LegacyInstalmentInput(JUNE, PayFrequency.WEEKLY, 10_000, (hb(1, 500), dwp)))
    assert result.amount_pence == 800 and result.instalment_pence == 1395
    assert "The debts owed only £8.00 in all, less than the instalment" in result.explain()
    full = calculate_legacy_instalment(LegacyInstalmentInput(JUNE, PayFrequency.WEEKLY, 10_000, (hb(1, 9_000),)))
    assert "owed only" not in full.explain()


def test_legacy_sanction_reduces_the_benefit_without_returning_hb_debts() -> None:
    """recovery-rules.md §4 and events.md §2: a sanction reduces the benefit paid; where only the sanction
    leaves too little room, what the 10p floor leaves is taken and no HB debt is returned. Without the
    sanction the same short benefit returns the HB debt (INSUFFICIENT_BENEFIT)."""
    result = calculate_legacy_instalment(LegacyInstalmentInput(
        JUNE, PayFrequency.WEEKLY, 10_000, (hb(1, 9_000),), sanction_pence=9_500))
    assert (result.outcome, result.amount_pence, result.rule) == (LegacyOutcome.DEDUCTED, 490, Rule.SANCTION_REDUCED)
    assert result.hb_debts_to_return == ()
    whole = calculate_legacy_instalment(LegacyInstalmentInput(
        JUNE, PayFrequency.WEEKLY, 10_000, (hb(1, 9_000),), sanction_pence=10_000))
    assert whole.amount_pence == 0 and whole.hb_debts_to_return == ()
    short = calculate_legacy_instalment(LegacyInstalmentInput(JUNE, PayFrequency.WEEKLY, 500, (hb(1, 9_000),)))
    assert short.outcome is LegacyOutcome.INSUFFICIENT_BENEFIT and short.hb_debts_to_return == (1,)
    with pytest.raises(RecoveryInputError):
        calculate_legacy_instalment(LegacyInstalmentInput(JUNE, PayFrequency.WEEKLY, 500, (), sanction_pence=501))


def test_legacy_sanction_for_period_is_its_share_of_the_benefit_rounded_down() -> None:
    """events.md §2 person.sanction: a 40% sanction of £90.50 takes £36.20; 33.3% of £60.45 takes £20.12
    (20.129...); 100% takes it all; none takes nothing."""
    assert sanction_for_period(9050, Decimal("40")) == 3620
    assert sanction_for_period(6045, Decimal("33.3")) == 2012
    assert sanction_for_period(6045, Decimal("100")) == 6045
    assert sanction_for_period(6045, None) == 0


def test_a_legacy_pay_date_pays_in_arrears_for_the_pay_period_ending_on_it() -> None:
    """Decision, docs/recovery-notes.md "Sanctions and legacy instalments" (events.md §2 ``legacy``: a first pay
    date and a pay frequency; recovery-rules.md §4: an instalment per pay period): a pay date pays for the pay
    period ending on it, and a day falls in the period of the first pay date on or after it."""
    monday = date(2025, 6, 2)
    assert pay_period(monday, "WEEKLY", date(2025, 6, 16)) == (date(2025, 6, 10), date(2025, 6, 16))
    assert pay_period(monday, "WEEKLY", date(2025, 6, 11)) == (date(2025, 6, 10), date(2025, 6, 16))
    assert pay_period(monday, "FORTNIGHTLY", date(2025, 6, 16)) == (date(2025, 6, 3), date(2025, 6, 16))
    assert pay_period(monday, "FOUR_WEEKLY", date(2025, 6, 3)) == (date(2025, 6, 3), date(2025, 6, 30))
    assert pay_period(monday, PayFrequency.FORTNIGHTLY, monday) == (date(2025, 5, 20), monday)
    on_31st = date(2025, 1, 31)
    assert pay_period(on_31st, "MONTHLY", date(2025, 2, 28)) == (date(2025, 2, 1), date(2025, 2, 28))
    assert pay_period(on_31st, "MONTHLY", date(2025, 3, 1)) == (date(2025, 3, 1), date(2025, 3, 31))
    assert pay_period(date(2025, 1, 15), "MONTHLY", date(2025, 12, 20)) == (date(2025, 12, 16), date(2026, 1, 15))
    with pytest.raises(RecoveryInputError):
        pay_period(monday, "DAILY", monday)


def test_there_is_no_legacy_pay_date_before_the_first_so_a_day_before_it_falls_in_the_first_pay_period() -> None:
    """events.md §2 ``legacy`` ``first_pay_date`` (the award pays from it: no pay date before it) with the
    Decision, docs/recovery-notes.md "Sanctions and legacy instalments" (a day falls in the pay period of the
    next pay date on or after it): weekly from Monday 2026-05-25, any day before it, however long before, falls
    in 2026-05-19 to 2026-05-25, not a period ending on a Monday counted back from it; fortnightly, 2026-05-12
    to 2026-05-25; monthly on the 15th from 2026-07-15, 2026-05-20 falls in 2026-06-16 to 2026-07-15."""
    first = date(2026, 5, 25)
    for day in (date(2026, 5, 24), date(2026, 5, 18), date(2026, 5, 11), date(2026, 1, 5), date(2025, 12, 31)):
        assert pay_period(first, "WEEKLY", day) == (date(2026, 5, 19), first), day
        assert pay_period(first, "FORTNIGHTLY", day) == (date(2026, 5, 12), first), day
        assert pay_period(first, "FOUR_WEEKLY", day) == (date(2026, 4, 28), first), day
    assert pay_period(date(2026, 7, 15), "MONTHLY", date(2026, 5, 20)) == (date(2026, 6, 16), date(2026, 7, 15))
    assert pay_period(date(2026, 7, 15), "MONTHLY", date(2026, 5, 10)) == (date(2026, 6, 16), date(2026, 7, 15))
    assert pay_period(date(2026, 5, 31), "MONTHLY", date(2026, 5, 10)) == (date(2026, 5, 1), date(2026, 5, 31))
    # JSA of £100.00 a week from Thursday 2026-05-07, first paid Monday 2026-05-25: on 2026-05-11 the pay
    # date to come is 2026-05-25, paying its whole week, £100.00 (no pay date 2026-05-11 paying 5 days)
    paid = paid_days(date(2026, 5, 11), _terms(10_000, "WEEKLY", first), date(2026, 5, 7))
    assert (paid.first_day, paid.last_day, paid.days, paid.benefit_pence) == (date(2026, 5, 19), first, 7, 10_000)
    assert paid.ordinary and not paid.starts


def test_sanctions_over_a_legacy_pay_period_reduce_its_benefit_pro_rata_by_days_at_the_highest_rate() -> None:
    """recovery-rules.md §4 and events.md §2 person.sanction, Decision in docs/recovery-notes.md "Sanctions and
    legacy instalments": each day of the pay period under a sanction loses that day's share of the benefit at
    the highest rate in force on it, the sum rounded down to the penny; a sanction outside the period takes
    nothing, one over all of it its rate of the whole benefit."""
    start, end = date(2025, 6, 3), date(2025, 6, 16)  # 14 days
    week = SanctionSpan(Decimal(100), date(2025, 6, 3), date(2025, 6, 9))
    assert sanction_over_period(4000, start, end, [week]).pence == 2000
    half = sanction_over_period(4000, start, end, [week._replace(rate_percent=Decimal(50))])
    assert half.pence == 1000 and half.spans == (SanctionSpan(Decimal(50), date(2025, 6, 3), date(2025, 6, 9)),)
    # 40% on days 1-10, 100% on days 8-9 overlapping it: 8 x 40 + 2 x 100 = 520 of 1400 -> 9050 x 520/1400
    overlap = sanction_over_period(9050, start, end, [SanctionSpan(Decimal(40), start, date(2025, 6, 12)),
                                                      SanctionSpan(Decimal(100), date(2025, 6, 10),
                                                                   date(2025, 6, 11))])
    assert overlap.pence == 3361  # 3361.42..., rounded down
    assert [(s.rate_percent, s.days) for s in overlap.spans] == [(40, 7), (100, 2), (40, 1)]
    assert sanction_over_period(9050, start, end, [SanctionSpan(Decimal(100), date(2025, 6, 17),
                                                                date(2025, 9, 15))]).pence == 0
    whole = SanctionSpan(Decimal("33.3"), date(2025, 5, 1), date(2025, 7, 1))
    assert sanction_over_period(6045, start, end, [whole]).pence == sanction_for_period(6045, Decimal("33.3"))
    assert sanction_over_period(6045, start, end, []).pence == 0


def test_a_sanction_over_part_of_a_legacy_pay_period_leaves_the_floor_of_what_it_pays() -> None:
    """recovery-rules.md §4 (never below 10p a week) with the sanctions over the pay period: £40.00 for a
    fortnight with a 100% sanction on 7 of its 14 days pays £20.00, so £19.80 is taken, not the £27.90
    instalment, and no HB debt is returned for it; the result carries how the sanction was worked out."""
    sanction = sanction_over_period(4000, date(2025, 6, 3), date(2025, 6, 16),
                                    [SanctionSpan(Decimal(100), date(2025, 6, 3), date(2025, 6, 9))])
    result = calculate_legacy_instalment(LegacyInstalmentInput(date(2025, 6, 16), PayFrequency.FORTNIGHTLY, 4000,
                                                               (hb(1, 50_000),), sanction=sanction))
    assert (result.amount_pence, result.sanction_pence, result.rule) == (1980, 2000, Rule.SANCTION_REDUCED)
    assert result.hb_debts_to_return == () and result.sanction == sanction
    assert legacy_facts(result)["sanction_period"] == {
        "from": "2025-06-03", "to": "2025-06-16",
        "days": [{"rate_percent": "100", "from": "2025-06-03", "to": "2025-06-09"}]}
    with pytest.raises(RecoveryInputError):
        calculate_legacy_instalment(LegacyInstalmentInput(date(2025, 6, 16), PayFrequency.FORTNIGHTLY, 4000,
                                                          (hb(1, 50_000),), sanction=sanction, sanction_pence=1))


def test_legacy_missed_instalment_is_reversed() -> None:
    taken = (Allocation(1, "LA", "123456", 1395, Rule.RECOVERY_ORDER),)
    assert reverse_missed_instalment(taken) == (Allocation(1, "LA", "123456", -1395, Rule.RECOVERY_ORDER),)


def test_legacy_three_missed_instalments_no_other_benefit_returns_hb_debt() -> None:
    assert missed_instalments_outcome(3, False, JUNE) == "MISSED_INSTALMENTS"
    assert missed_instalments_outcome(4, False, JUNE) == "MISSED_INSTALMENTS"
    assert missed_instalments_outcome(3, True, JUNE) is None
    assert missed_instalments_outcome(2, False, JUNE) is None
    with pytest.raises(RecoveryInputError):
        missed_instalments_outcome(-1, False, JUNE)


@pytest.mark.parametrize("bad", [
    LegacyInstalmentInput(JUNE, PayFrequency.WEEKLY, -1, ()),
    LegacyInstalmentInput(JUNE, PayFrequency.WEEKLY, 100, (), existing_deductions_pence=-1),
    LegacyInstalmentInput(JUNE, PayFrequency.WEEKLY, 100, (), reduced_weekly_rate_pence=-1),
    LegacyInstalmentInput(JUNE, PayFrequency.WEEKLY, 100, (hb(1, -1),)),
])
def test_legacy_bad_input_refused(bad: LegacyInstalmentInput) -> None:
    with pytest.raises(RecoveryInputError):
        calculate_legacy_instalment(bad)


@pytest.mark.parametrize(("first", "frequency", "day", "pays"), [
    ("2025-06-02", "WEEKLY", "2025-06-09", True), ("2025-06-02", "WEEKLY", "2025-06-10", False),
    ("2025-06-02", "WEEKLY", "2025-05-26", False),  # before the first pay date
    ("2025-06-02", "FORTNIGHTLY", "2025-06-16", True), ("2025-06-02", "FORTNIGHTLY", "2025-06-09", False),
    ("2025-06-02", "FOUR_WEEKLY", "2025-06-30", True), ("2025-06-02", "FOUR_WEEKLY", "2025-06-16", False),
    ("2025-01-31", "MONTHLY", "2025-02-28", True), ("2025-01-31", "MONTHLY", "2025-02-27", False),
    ("2025-01-15", "MONTHLY", "2025-03-15", True), ("2025-01-15", "MONTHLY", "2025-03-31", False),
    (None, "WEEKLY", "2025-06-09", False),
])
def test_is_pay_date_of_a_legacy_award(first: str | None, frequency: str, day: str, pays: bool) -> None:
    """events.md §2 ``legacy``: every 7, 14 or 28 days from the first pay date; monthly on its day of the
    month, or the last day of a shorter month."""
    start = date.fromisoformat(first) if first else None
    assert is_pay_date(start, frequency, date.fromisoformat(day)) is pays


def _owed(debt_id: int, owner: str, balance: int, debt_type: str = "OVERPAYMENT",
          classification: str = "NON_FRAUD", on: date = date(2025, 1, 1)) -> DebtRecord:
    return DebtRecord(debt_id, owner, debt_type, classification, balance, on, debt_id, on,
                      la_id="123456" if owner == "LA" else None)


APRIL_2026 = date(2026, 4, 16)


def test_legacy_instalment_split_equally_between_owners_rule_b() -> None:
    """recovery-rules.md §3 rule b ("Items 17 and 19: where more than one of DWP, HMRC and LAs have debts,
    split equally between the two or three owners"; A9/2025 §29: £60 gives £20 each) applied to the legacy
    instalment of §4: an HB debt held first no longer gets nothing while a DWP and an HMRC debt referred
    after it last. £14.40 (3 x £4.80 from 2026-04-13) gives £4.80 to each; the amount is unchanged."""
    debts = (_owed(1, "LA", 50_000, on=date(2026, 4, 1)), _owed(2, "DWP", 300_000, on=date(2026, 4, 6)),
             _owed(3, "HMRC", 300_000, on=date(2026, 4, 6)))
    result = calculate_legacy_instalment(LegacyInstalmentInput(APRIL_2026, PayFrequency.WEEKLY, 10_000, debts))
    assert (result.outcome, result.amount_pence, result.rule) == (LegacyOutcome.DEDUCTED, 1440, Rule.INSTALMENT)
    assert [(a.debt_id, a.creditor_kind, a.amount_pence, a.rule, a.item, a.shared_by) for a in result.allocations] == [
        (2, "DWP", 480, Rule.SPLIT_EQUALLY, 19, "DWP, HMRC and LA"),
        (3, "HMRC", 480, Rule.SPLIT_EQUALLY, 19, "DWP, HMRC and LA"),
        (1, "LA", 480, Rule.SPLIT_EQUALLY, 19, "DWP, HMRC and LA")]
    assert result.allocations[2].split == (1440, 300_000, 300_000, 50_000)
    text = result.explain()
    assert ("£4.80 to debt 1 (LA), item 19 Normal overpayments: the item's amount split equally between DWP, HMRC "
            "and LA: £14.40 in equal shares of £4.80, £4.80 and £4.80 (Annex B rule b; A9/2025 §29)") in text


def test_legacy_instalment_split_rule_a_leftover_pence_in_owner_order() -> None:
    """recovery-rules.md §3 rule a (items 16 and 18: DWP and an LA split equally) with §4: an odd instalment's
    leftover penny goes to the owners in the order DWP, HMRC, LA (``dms.money.split_with_capacity``):
    £13.95 gives DWP £6.98 and the LA £6.97. An owner rule a does not name (an HMRC penalty) has no share."""
    debts = (_owed(1, "LA", 50_000, "ADMINISTRATIVE_PENALTY"), _owed(2, "DWP", 50_000, "ADMINISTRATIVE_PENALTY"),
             _owed(3, "HMRC", 50_000, "ADMINISTRATIVE_PENALTY"))
    result = calculate_legacy_instalment(LegacyInstalmentInput(JUNE, PayFrequency.WEEKLY, 10_000, debts))
    assert [(a.debt_id, a.amount_pence, a.rule, a.shared_by) for a in result.allocations] == [
        (2, 698, Rule.SPLIT_EQUALLY, "DWP and LA"), (1, 697, Rule.SPLIT_EQUALLY, "DWP and LA")]
    assert "(Annex B rule a; A9/2025 §29)" in result.explain()


def test_legacy_instalment_split_spills_over_when_an_owners_debt_clears() -> None:
    """A9/2025 §28 (recovery-rules.md §3: "When a deduction clears a debt, what is left of it goes to the next
    debt in order within the same period") with rule b: the LA's debt of £2.00 takes £2.00 of its £4.65 third
    of £13.95 and clears; the rest goes to the other owners (DWP £5.98, HMRC £5.97); never more than a debt's
    balance, the instalment unchanged. An item cleared passes the rest on to the next item: the DWP fraud debt
    (item 17) of £1.00 clears and the £12.95 left is split in item 19."""
    debts = (_owed(1, "LA", 200), _owed(2, "DWP", 90_000), _owed(3, "HMRC", 90_000))
    result = calculate_legacy_instalment(LegacyInstalmentInput(JUNE, PayFrequency.WEEKLY, 10_000, debts))
    assert [(a.debt_id, a.amount_pence) for a in result.allocations] == [(2, 598), (3, 597), (1, 200)]
    assert result.amount_pence == 1395 and result.cleared_debts == (1,)
    assert "LA's debts could take only £2.00, so the rest went on to the others" in result.explain()
    fraud_first = (_owed(4, "DWP", 100, classification="FRAUD"), *debts)
    result = calculate_legacy_instalment(LegacyInstalmentInput(JUNE, PayFrequency.WEEKLY, 10_000, fraud_first))
    assert result.weekly_rate_pence == 2325  # a fraud debt sets the fraud rate (5 units)
    # £1.00 to the fraud debt, the instalment's first share; £22.25 left for item 19: thirds of £7.42, £7.42
    # and £7.41, the LA's £2.00 clearing its debt and £5.41 passed on to DWP and HMRC
    assert [(a.debt_id, a.amount_pence, a.rule) for a in result.allocations] == [
        (4, 100, Rule.INSTALMENT), (2, 1013, Rule.SPLIT_EQUALLY), (3, 1012, Rule.SPLIT_EQUALLY),
        (1, 200, Rule.SPLIT_EQUALLY)]
    assert result.amount_pence == 2325 == sum(a.amount_pence for a in result.allocations)
    assert "£22.25 in equal shares of £7.42, £7.42 and £7.41" in result.explain()


def test_legacy_rest_after_an_hb_debt_is_returned_split_between_dwp_and_hmrc() -> None:
    """recovery-rules.md §4 and A9/2025 §24: too little benefit returns the HB debt (INSUFFICIENT_BENEFIT)
    and the DWP and HMRC debts take what room is left above the floor, as before; that room is shared between
    them by rule b (§3; A9/2025 §29): £9.90 gives £4.95 each."""
    debts = (_owed(1, "LA", 50_000), _owed(2, "DWP", 50_000), _owed(3, "HMRC", 50_000))
    result = calculate_legacy_instalment(LegacyInstalmentInput(JUNE, PayFrequency.WEEKLY, 1_000, debts))
    assert (result.outcome, result.rule, result.hb_debts_to_return) == (
        LegacyOutcome.INSUFFICIENT_BENEFIT, Rule.BENEFIT_FLOOR, (1,))
    assert [(a.debt_id, a.amount_pence, a.shared_by) for a in result.allocations] == [
        (2, 495, "DWP and HMRC"), (3, 495, "DWP and HMRC")]


def test_legacy_one_owner_keeps_recovery_order_and_the_instalment_rule() -> None:
    """recovery-rules.md §3 ("Within one owner's share ... oldest first") and §4: with one owner there is no
    split; the first debt's share carries the instalment's rule and the next, spill-over (A9/2025 §28)."""
    debts = (_owed(1, "DWP", 500, on=date(2025, 1, 1)), _owed(2, "DWP", 50_000, on=date(2025, 2, 1)))
    result = calculate_legacy_instalment(LegacyInstalmentInput(JUNE, PayFrequency.WEEKLY, 10_000, debts))
    assert [(a.debt_id, a.amount_pence, a.rule, a.shared_by) for a in result.allocations] == [
        (1, 500, Rule.INSTALMENT, ""), (2, 895, Rule.RECOVERY_ORDER, "")]


def test_legacy_missed_instalment_reversal_keeps_the_split() -> None:
    """recovery-rules.md §4: a missed instalment is reversed, each share as it was taken (the split kept)."""
    taken = (Allocation(1, "LA", "123456", 480, Rule.SPLIT_EQUALLY, 19, "DWP, HMRC and LA", (1440, 1, 1, 1)),)
    assert reverse_missed_instalment(taken) == (
        Allocation(1, "LA", "123456", -480, Rule.SPLIT_EQUALLY, 19, "DWP, HMRC and LA", (1440, 1, 1, 1)),)


FEB_2026 = date(2026, 2, 25)


def _loan(debt_id: int, balance: int, agreed: int | None, on: date = date(2024, 2, 24)) -> DebtRecord:
    return DebtRecord(debt_id, "DWP", "SOCIAL_FUND_LOAN", "NON_FRAUD", balance, on, debt_id, on,
                      agreed_amount_pence=agreed, creditor_ref=f"DWP{debt_id:010d}")


def test_legacy_explanation_names_the_fraud_debts_that_set_the_fraud_rate() -> None:
    """recovery-rules.md §4 ("5 units for fraud") and §3 (staff answer "why this amount?" from the explanation
    alone): a four-weekly instalment at the fraud rate, £23.25 x 4 = £93.00, names the debt that set the fraud
    rate (its creditor, reference and classification), whichever debts then take the money; at the standard
    rate, no fraud debt is named."""
    fraud = DebtRecord(542, "DWP", "OVERPAYMENT", "FRAUD", 158_080, date(2024, 7, 18), 542, date(2024, 7, 18),
                       creditor_ref="DWP0000000542")
    hb_fraud = DebtRecord(7, "LA", "OVERPAYMENT", "FRAUD", 40_000, date(2024, 8, 1), 7, date(2024, 8, 1),
                          la_id="123456", creditor_ref="HB/7")
    debts = (_loan(543, 59_200, None), fraud, hb_fraud,
             DebtRecord(541, "DWP", "OVERPAYMENT", "NON_FRAUD", 40_368, date(2024, 3, 26), 541, date(2024, 3, 26)))
    result = calculate_legacy_instalment(LegacyInstalmentInput(FEB_2026, PayFrequency.FOUR_WEEKLY, 35_120, debts))
    assert (result.weekly_rate_pence, result.instalment_pence, result.fraud_rate) == (2325, 9300, True)
    assert [d.debt_id for d in result.fraud_debts] == [542, 7]
    text = result.explain()
    assert ("The fraud rate (5 units, recovery-rules.md §4) is used because fraud debts are in recovery: debt 542 "
            "(DWP DWP0000000542, FRAUD) and debt 7 (LA 123456 HB/7, FRAUD).") in text
    standard = calculate_legacy_instalment(LegacyInstalmentInput(FEB_2026, PayFrequency.FOUR_WEEKLY, 35_120,
                                                                 (debts[0], debts[3])))
    assert standard.fraud_debts == () and "fraud debt" not in standard.explain()


@pytest.mark.parametrize(("frequency", "limit"), [
    (PayFrequency.WEEKLY, 576), (PayFrequency.FORTNIGHTLY, 1152), (PayFrequency.FOUR_WEEKLY, 2304),
    (PayFrequency.MONTHLY, 2496)])
def test_a_social_fund_loans_agreed_amount_per_assessment_period_is_its_most_for_a_legacy_pay_period(
        frequency: PayFrequency, limit: int) -> None:
    """events.md §3 (``agreed_amount`` "per assessment period, for Social Fund loans") and recovery-rules.md
    §3 item 14 with §4, converted as a reduced rate's unit is between the engines (**Decision**,
    docs/recovery-notes.md "Reduced (affordable) rates", ``rate_per``): £25.00 a period is £25.00 x 12/52 =
    £5.76 a week (rounded down), then the weeks of the pay period, rounded down as an instalment is:
    £5.76, £11.52, £23.04, and monthly £5.76 x 52/12 = £24.96."""
    assert rate_per(2500, "ASSESSMENT_PERIOD", "WEEK") == 576
    assert agreed_amount_for_period(2500, frequency) == limit


def test_a_social_fund_loans_agreed_amount_limits_its_share_of_a_legacy_instalment() -> None:
    """recovery-rules.md §3 item 14 ("the agreed amount") with §4 and the Decision in docs/recovery-notes.md
    "A legacy instalment shared between owners" (what a debt cannot take goes on to the next item): a
    four-weekly instalment at the fraud rate, £93.00, gives the Social Fund loan agreed at £25.00 a period
    £23.04 (its agreed amount for the pay period) and the rest, £69.96, to the fraud overpayment (item 17)
    that set the rate; the amount is unchanged. The loan's line says its agreed amount set its share."""
    fraud = DebtRecord(542, "DWP", "OVERPAYMENT", "FRAUD", 158_080, date(2024, 7, 18), 542, date(2024, 7, 18),
                       creditor_ref="DWP0000000542")
    result = calculate_legacy_instalment(LegacyInstalmentInput(
        FEB_2026, PayFrequency.FOUR_WEEKLY, 35_120, (_loan(543, 59_200, 2500), fraud)))
    assert (result.amount_pence, result.instalment_pence) == (9300, 9300)
    assert [(a.debt_id, a.amount_pence, a.rule, a.item) for a in result.allocations] == [
        (543, 2304, Rule.INSTALMENT, 14), (542, 6996, Rule.RECOVERY_ORDER, 17)]
    text = result.explain()
    assert ("£23.04 to debt 543 (DWP): the instalment at the set weekly rate for the pay period (SI 1988/664 reg "
            "16); its agreed amount £25.00 a period (£23.04 for this pay period) set its share (the most it "
            "takes: £25.00 x 12/52 = £5.76 a week, rounded down, x 4 weeks)") in text
    assert "£69.96 to debt 542 (DWP): next in recovery order" in text


def test_a_social_fund_loan_without_an_agreed_amount_takes_its_share_of_a_legacy_instalment_up_to_its_balance(
        ) -> None:
    """events.md §3 (``agreed_amount`` is optional) and the Decision in docs/recovery-notes.md "A legacy
    instalment shared between owners": a loan referred without an agreed amount has no limit of its own on a
    legacy benefit (the item's 15% maximum is a UC figure): it takes the instalment up to its balance, as
    before."""
    result = calculate_legacy_instalment(LegacyInstalmentInput(
        JUNE, PayFrequency.WEEKLY, 10_000, (_loan(1, 50_000, None), _owed(2, "DWP", 50_000))))
    assert [(a.debt_id, a.amount_pence, a.rule) for a in result.allocations] == [(1, 1395, Rule.INSTALMENT)]
    assert "agreed amount" not in result.explain()


def test_legacy_instalment_limited_by_agreed_amounts_takes_what_the_loans_may_take() -> None:
    """recovery-rules.md §3 item 14 with §4: with only Social Fund loans in recovery, each takes at most its
    agreed amount for the pay period, so the instalment taken is what they may take together (£5.76 + £2.30
    of a £13.95 weekly instalment), and the explanation says why it is less than the instalment. A loan whose
    balance is below its agreed amount takes its balance."""
    result = calculate_legacy_instalment(LegacyInstalmentInput(
        JUNE, PayFrequency.WEEKLY, 10_000, (_loan(1, 50_000, 2500), _loan(2, 50_000, 1000, date(2024, 3, 1)))))
    assert [(a.debt_id, a.amount_pence) for a in result.allocations] == [(1, 576), (2, 230)]
    assert (result.outcome, result.amount_pence, result.instalment_pence) == (LegacyOutcome.DEDUCTED, 806, 1395)
    text = result.explain()
    assert ("The debts could take only £8.06 in all, less than the instalment: a Social Fund loan takes at most "
            "its agreed amount (recovery-rules.md §3 item 14)") in text
    assert "owed only" not in text
    small = calculate_legacy_instalment(LegacyInstalmentInput(JUNE, PayFrequency.WEEKLY, 10_000, (_loan(1, 300, 2500),)))
    assert small.amount_pence == 300 and "The debts owed only £3.00 in all" in small.explain()


def test_legacy_explanation_says_an_agreed_amount_limited_the_instalment_even_when_a_debt_cleared() -> None:
    """recovery-rules.md §3 item 14 with §4 and §3 ("why this amount?" from the explanation alone): a loan
    agreed at £25.00 a period takes £5.76 of a weekly £13.95 and an overpayment of £3.00 clears: £8.76 is
    taken, and the explanation says a loan's agreed amount limited it, not that the debts owed only that."""
    result = calculate_legacy_instalment(LegacyInstalmentInput(
        JUNE, PayFrequency.WEEKLY, 10_000, (_loan(1, 50_000, 2500), _owed(2, "DWP", 300))))
    assert [(a.debt_id, a.amount_pence) for a in result.allocations] == [(1, 576), (2, 300)]
    assert result.agreed_limited and result.cleared_debts == (2,)
    text = result.explain()
    assert "The debts could take only £8.76 in all, less than the instalment" in text and "owed only" not in text


@pytest.mark.parametrize("frequency", ["WEEKLY", "FORTNIGHTLY", "FOUR_WEEKLY", "MONTHLY"])
@pytest.mark.parametrize("first", [date(2025, 1, 31), date(2025, 2, 28), date(2025, 3, 3)])
def test_the_latest_pay_date_by_a_day_is_the_latest_day_the_award_pays_on_by_then(
        frequency: str, first: date) -> None:
    """events.md §2 ``legacy`` (``pay_frequency``, ``first_pay_date``; a monthly award pays on the last day of
    a month too short for its day): the latest day on or before each day of a year that ``is_pay_date``."""
    from datetime import timedelta

    from dms.recovery.legacy import is_pay_date, latest_pay_date

    latest = None
    for n in range(400):
        day = date(2025, 1, 1) + timedelta(days=n)
        if is_pay_date(first, frequency, day):
            latest = day
        assert latest_pay_date(first, frequency, day) == latest, day
    assert latest_pay_date(None, frequency, date(2025, 6, 1)) is None
    assert latest_pay_date(first, None, date(2025, 6, 1)) is None


# ---------------------------------------------------------------------------------------------- paid days
#
# **Decision**, docs/recovery-notes.md "The days a legacy pay date pays for" (recovery-rules.md §4; events.md
# §2 ``award.started``, ``award.changed``): a pay date pays, in arrears, for the days from the later of its
# whole pay period's first day, the award's start date and the day after its previous pay date, at the weekly
# amount in force each day.


def _terms(weekly: int, frequency: str, first_pay: date, *changes: tuple[date, int | None, str | None, date | None]
           ) -> tuple[LegacyPayTerms, ...]:
    """An award's pay terms: as started, then each change (its date and the new weekly amount, frequency or
    first pay date; None: unchanged) from its date."""
    history = [LegacyPayTerms(None, weekly, frequency, first_pay)]
    for on, new_weekly, new_frequency, new_first in changes:
        held = history[-1]
        history.append(LegacyPayTerms(on, held.weekly_pence if new_weekly is None else new_weekly,
                                      new_frequency or held.frequency, new_first or held.first_pay_date))
    return tuple(history)


def _instalment(paid: PaidDays, frequency: PayFrequency, debts: tuple[DebtRecord, ...]) -> LegacyInstalmentResult:
    return calculate_legacy_instalment(LegacyInstalmentInput(paid.last_day, frequency, paid.benefit_pence, debts,
                                                             paid=paid))


def test_legacy_instalment_is_for_the_days_the_pay_date_pays_for_from_the_awards_start_date() -> None:
    """events.md §2 award.started ("the benefit is in payment from start_date") with recovery-rules.md §4: JSA
    of £30.00 a week paid fortnightly, starting 2025-12-10 with its first pay date 2025-12-11, pays for 2 days,
    not the fortnight 2025-11-28 to 2025-12-11: £8.57 (£30.00 x 2/7, rounded down). The fraud instalment is
    £23.25 x 2/7 = £6.64 (rounded down), the floor 10p x 2/7 = 2.86p, so 3p (rounded up)."""
    paid = paid_days(date(2025, 12, 11), _terms(3000, "FORTNIGHTLY", date(2025, 12, 11)), date(2025, 12, 10))
    assert (paid.first_day, paid.last_day, paid.days, paid.full_days) == (date(2025, 12, 10), date(2025, 12, 11), 2, 14)
    assert (paid.benefit_pence, paid.short_days, paid.starts) == (857, 2, AWARD_START)
    result = _instalment(paid, PayFrequency.FORTNIGHTLY, (hb(1, 50_000, "FRAUD"),))
    assert (result.instalment_pence, result.floor_pence, result.amount_pence) == (664, 3, 664)
    assert result.outcome is LegacyOutcome.DEDUCTED and result.weeks == Decimal(2) / Decimal(7)
    # monthly ESA of £100.00 from its first pay date 2025-12-31: 1 day of a 31-day month, £14.28
    month = paid_days(date(2025, 12, 31), _terms(10_000, "MONTHLY", date(2025, 12, 31)), date(2025, 12, 31))
    assert (month.days, month.full_days, month.benefit_pence) == (1, 31, 1428)
    result = _instalment(month, PayFrequency.MONTHLY, (hb(1, 50_000),))
    assert (result.instalment_pence, result.floor_pence, result.amount_pence) == (199, 2, 199)


def test_legacy_instalment_for_the_days_the_pay_date_pays_for_is_explained_with_its_days_and_figures() -> None:
    """recovery-rules.md §3-4 ("why this amount?" from the explanation alone): the explanation of a pay date
    that pays for fewer days than a whole pay period says which days and why, and how its benefit, instalment
    and floor were worked out from them; its stored facts keep the days."""
    paid = paid_days(date(2025, 12, 11), _terms(3000, "FORTNIGHTLY", date(2025, 12, 11)), date(2025, 12, 10))
    result = _instalment(paid, PayFrequency.FORTNIGHTLY, (hb(1, 50_000, "FRAUD"),))
    text = result.explain()
    assert text.startswith(
        "Pay date 2025-12-11 (fortnightly): it pays, in arrears, for 2025-12-10 to 2025-12-11 (2 days), not the "
        "whole 14-day pay period: the award is in payment from its start date, 2025-12-10; benefit for the period "
        "£8.57 (£30.00 a week x 2/7, rounded down); weekly rate £23.25 (fraud"), text
    assert "x 2/7 weeks = instalment £6.64, rounded down; benefit floor £0.03 (10p a week x 2/7, rounded up)" in text
    assert legacy_facts(result)["paid_period"] == {
        "from": "2025-12-10", "to": "2025-12-11", "days": 2, "whole_period_days": 14, "starts": AWARD_START,
        "weekly_amounts": [{"weekly": "30.00", "from": "2025-12-10", "to": "2025-12-11"}]}


@pytest.mark.parametrize("frequency", list(PayFrequency))
@pytest.mark.parametrize("weekly", [0, 1, 1405, 2335, 2336, 9050, 12_345, 100_000])
def test_a_whole_legacy_pay_period_at_one_weekly_amount_keeps_its_instalment_exactly(
        frequency: PayFrequency, weekly: int) -> None:
    """recovery-rules.md §4 (weekly rate x 1, 2, 4 or 52/12 weeks, rounded down): an ordinary pay date, its
    whole pay period in payment at one weekly amount, pays and takes exactly what it did before the days paid
    for were counted: benefit, instalment, floor and amount, whatever the month's length."""
    first = date(2025, 1, 31)
    for pay_date in (date(2025, 2, 28), date(2025, 3, 31), date(2025, 4, 30), date(2025, 8, 29)):
        if not is_pay_date(first, frequency, pay_date):
            pay_date = latest_pay_date(first, frequency, pay_date) or first
        paid = paid_days(pay_date, _terms(weekly, frequency, first), date(2024, 12, 1))
        assert paid.ordinary and paid.short_days is None and not paid.starts
        assert paid.benefit_pence == benefit_for_period(weekly, frequency)
        debts = (hb(1, 900_000), _owed(2, "DWP", 900_000))
        before = calculate_legacy_instalment(LegacyInstalmentInput(pay_date, frequency, paid.benefit_pence, debts))
        now = _instalment(paid, frequency, debts)
        assert (now.instalment_pence, now.floor_pence, now.amount_pence, now.outcome, now.allocations) == (
            before.instalment_pence, before.floor_pence, before.amount_pence, before.outcome, before.allocations)
        # explained as before, the benefit of a period of more than a week now with the weeks its weekly amount
        # is multiplied by
        period = f"benefit for the period £{format_pounds(paid.benefit_pence)}"
        sum_text = "" if frequency is PayFrequency.WEEKLY else (
            f" (£{format_pounds(weekly)} a week x {weeks_text(frequency)}, rounded down)")
        assert now.explain() == before.explain().replace(period, period + sum_text, 1)
        assert legacy_facts(now) == legacy_facts(before)


def test_a_legacy_pay_date_pays_only_for_the_days_after_the_awards_previous_pay_date() -> None:
    """recovery-rules.md §4 with events.md §2 award.changed ("new values from occurred_on"): a change of pay
    frequency or pay day does not make two pay dates pay for the same days. ESA of £100.00 paid weekly on
    Mondays from 2025-11-10; from 2025-12-02 paid fortnightly (next 2025-12-08): 2025-12-08 pays for the 7
    days after 2025-12-01, £13.95, not £27.90. Or from 2025-12-02 paid on Wednesdays: 2025-12-03 pays for 2
    days, £13.95 x 2/7 = £3.98, and 2025-12-10 for a whole week again."""
    fortnightly = _terms(10_000, "WEEKLY", date(2025, 11, 10), (date(2025, 12, 2), None, "FORTNIGHTLY", None))
    paid = paid_days(date(2025, 12, 8), fortnightly, date(2025, 11, 3))
    assert (paid.first_day, paid.days, paid.full_days, paid.starts, paid.previous_pay_date) == (
        date(2025, 12, 2), 7, 14, PREVIOUS_PAY_DATE, date(2025, 12, 1))
    assert (paid.benefit_pence, _instalment(paid, PayFrequency.FORTNIGHTLY, (hb(1, 50_000),)).amount_pence) == (
        10_000, 1395)
    wednesdays = _terms(10_000, "WEEKLY", date(2025, 11, 10), (date(2025, 12, 2), None, None, date(2025, 12, 3)))
    paid = paid_days(date(2025, 12, 3), wednesdays, date(2025, 11, 3))
    assert (paid.first_day, paid.days, paid.previous_pay_date, paid.benefit_pence) == (
        date(2025, 12, 2), 2, date(2025, 12, 1), 2857)
    result = _instalment(paid, PayFrequency.WEEKLY, (hb(1, 50_000),))
    assert (result.instalment_pence, result.floor_pence, result.amount_pence) == (398, 3, 398)
    assert ("not the whole 7-day pay period: the award's previous pay date, 2025-12-01, paid for the days before"
            in result.explain())
    assert paid_days(date(2025, 12, 10), wednesdays, date(2025, 11, 3)).ordinary


def test_a_legacy_pay_date_after_a_change_between_weekly_and_monthly_pays_for_the_days_since_the_last() -> None:
    """The same Decision across a change to or from monthly pay: weekly on Mondays until a change to monthly
    on the 31st from 2025-12-02: 2025-12-31 pays for 2025-12-02 to 2025-12-31, 30 days, short of the whole
    month: £13.95 x 30/7 = £59.78. Monthly on the 30th until a change to weekly on Wednesdays from
    2025-12-01: 2025-12-03 pays for the 3 days after 2025-11-30, £13.95 x 3/7 = £5.97."""
    to_monthly = _terms(10_000, "WEEKLY", date(2025, 11, 10), (date(2025, 12, 2), None, "MONTHLY", date(2025, 12, 31)))
    paid = paid_days(date(2025, 12, 31), to_monthly, date(2025, 11, 3))
    assert (paid.first_day, paid.days, paid.full_days, paid.benefit_pence) == (date(2025, 12, 2), 30, 31, 42_857)
    assert _instalment(paid, PayFrequency.MONTHLY, (hb(1, 50_000),)).amount_pence == 5978
    to_weekly = _terms(10_000, "MONTHLY", date(2025, 9, 30), (date(2025, 12, 1), None, "WEEKLY", date(2025, 12, 3)))
    paid = paid_days(date(2025, 12, 3), to_weekly, date(2025, 9, 1))
    assert (paid.first_day, paid.days, paid.previous_pay_date) == (date(2025, 12, 1), 3, date(2025, 11, 30))
    assert _instalment(paid, PayFrequency.WEEKLY, (hb(1, 50_000),)).amount_pence == 597


def test_a_legacy_pay_periods_benefit_is_each_days_share_of_the_weekly_amount_in_force_that_day() -> None:
    """events.md §2 award.changed ("new values from occurred_on") with recovery-rules.md §4 (the floor of 10p a
    week, an instalment from what is paid): JSA of £10.00 a week, fortnightly, rises to £100.00 from
    2025-11-27, the last day of the fortnight 2025-11-14 to 2025-11-27: that pay date pays (£10.00 x 13 +
    £100.00 x 1) x 2 weeks / 14 days = £32.85 (rounded down), not £200.00, so a fraud debt takes the £32.65
    the 20p floor leaves, not the £46.50 instalment; and an HB debt is judged on that benefit too: a fall
    from £100.00 to £10.00 on the last day leaves £187.14 paid, room for the instalment, not
    INSUFFICIENT_BENEFIT."""
    rise = _terms(1000, "FORTNIGHTLY", date(2025, 11, 13), (date(2025, 11, 27), 10_000, None, None))
    paid = paid_days(date(2025, 11, 27), rise, date(2025, 11, 3))
    assert (paid.first_day, paid.days, paid.short_days, paid.benefit_pence) == (date(2025, 11, 14), 14, None, 3285)
    assert paid.amounts == (WeeklyAmountSpan(1000, date(2025, 11, 14), date(2025, 11, 26)),
                            WeeklyAmountSpan(10_000, date(2025, 11, 27), date(2025, 11, 27)))
    dwp = DebtRecord(2, "DWP", "OVERPAYMENT", "FRAUD", 50_000, JUNE, 2, JUNE)
    result = _instalment(paid, PayFrequency.FORTNIGHTLY, (dwp,))
    assert (result.instalment_pence, result.floor_pence, result.amount_pence) == (4650, 20, 3265)
    assert ("benefit for the period £32.85 (£10.00 a week on 13 days (2025-11-14 to 2025-11-26) and £100.00 a "
            "week on 1 day (2025-11-27): (£10.00 x 13 + £100.00 x 1) x 2 weeks / 14 days, rounded down"
            ) in result.explain()
    assert legacy_facts(result)["paid_period"]["weekly_amounts"] == [
        {"weekly": "10.00", "from": "2025-11-14", "to": "2025-11-26"},
        {"weekly": "100.00", "from": "2025-11-27", "to": "2025-11-27"}]
    fall = _terms(10_000, "FORTNIGHTLY", date(2025, 11, 13), (date(2025, 11, 27), 1000, None, None))
    paid = paid_days(date(2025, 11, 27), fall, date(2025, 11, 3))
    result = _instalment(paid, PayFrequency.FORTNIGHTLY, (hb(1, 50_000),))
    assert paid.benefit_pence == 18_714 and result.outcome is LegacyOutcome.DEDUCTED
    assert result.amount_pence == 2790 and result.hb_debts_to_return == ()
    # a monthly period: the month's days share its 52/12 weeks (£100.00 then £200.00 from the 16th of 30)
    monthly = _terms(10_000, "MONTHLY", date(2025, 5, 31), (date(2025, 6, 16), 20_000, None, None))
    assert paid_days(date(2025, 6, 30), monthly, date(2025, 1, 1)).benefit_pence == (
        (10_000 * 15 + 20_000 * 15) * 52 // (12 * 30))


@pytest.mark.parametrize("days", range(1, 31))
def test_the_floor_of_a_short_legacy_pay_period_is_10p_a_week_pro_rata_rounded_up(days: int) -> None:
    """recovery-rules.md §4 ("the benefit may not be reduced below 10p a week") over the days paid for: 10p x
    days / 7, rounded up, so what is left is never below 10p a week; the instalment and a Social Fund loan's
    agreed amount (£25.00 a period, £5.76 a week) are rounded down, so never more than the days allow."""
    floor = benefit_floor_for_period(10, PayFrequency.MONTHLY, days)
    assert floor * 7 >= 10 * days > (floor - 1) * 7
    assert instalment_for_period(1395, PayFrequency.MONTHLY, days) == 1395 * days // 7
    assert agreed_amount_for_period(2500, PayFrequency.MONTHLY, days) == 576 * days // 7
    assert weeks_in_period(PayFrequency.MONTHLY, days) == Decimal(days) / Decimal(7)


def test_a_short_legacy_pay_periods_benefit_too_small_returns_hb_debts_as_a_whole_periods_does() -> None:
    """recovery-rules.md §4 (INSUFFICIENT_BENEFIT judged on what is paid): a weekly amount of £14.00 leaves
    too little above the floor for the £13.95 instalment over a whole week and over the 3 days a first pay
    date pays for alike (£6.00 - £0.05 < £5.97): the HB debt is returned; the DWP debt takes what the floor
    leaves."""
    paid = paid_days(date(2025, 6, 9), _terms(1400, "WEEKLY", date(2025, 6, 9)), date(2025, 6, 7))
    assert (paid.days, paid.benefit_pence) == (3, 600)
    result = _instalment(paid, PayFrequency.WEEKLY, (hb(1, 50_000), _owed(2, "DWP", 50_000)))
    assert result.outcome is LegacyOutcome.INSUFFICIENT_BENEFIT and result.hb_debts_to_return == (1,)
    assert (result.instalment_pence, result.floor_pence, result.amount_pence) == (597, 5, 595)


def test_the_benefit_given_for_the_days_paid_for_is_given_once() -> None:
    """Bad input refused (recovery-rules.md §4): the benefit is the paid days' own."""
    paid = paid_days(date(2025, 6, 9), _terms(1400, "WEEKLY", date(2025, 6, 9)), date(2025, 6, 7))
    with pytest.raises(RecoveryInputError):
        calculate_legacy_instalment(LegacyInstalmentInput(paid.last_day, PayFrequency.WEEKLY, 1400, (hb(1, 500),),
                                                          paid=paid))
    with pytest.raises(RecoveryInputError):
        paid_days(date(2025, 6, 9), ())


@pytest.mark.parametrize("days", range(1, 28))
def test_a_part_weeks_rounding_never_returns_an_hb_debt_of_an_award_that_pays_enough_a_week(days: int) -> None:
    """recovery-rules.md §4 (an HB debt is returned where too little benefit is left for the instalment; never
    below 10p a week), over fewer days than a whole pay period: judged on each day's exact share of the benefit
    and the floor before rounding, an award of the weekly rate and 10p (£14.05) has room for the instalment on
    every part week, as on a whole one: no HB debt is returned; where rounding (the benefit down, the floor
    up) leaves the room a penny or two short, the room is taken, so the person is never left less than the
    floor. £14.05 four-weekly for 25 days pays £50.17: £49.81 is taken of the £49.82 instalment."""
    paid = paid_days(date(2025, 11, 27), _terms(1405, "FOUR_WEEKLY", date(2025, 11, 27)),
                     date(2025, 11, 27) - timedelta(days=days - 1))
    result = _instalment(paid, PayFrequency.FOUR_WEEKLY, (hb(1, 50_000),))
    assert paid.short_days == days and result.outcome is LegacyOutcome.DEDUCTED and result.hb_debts_to_return == ()
    assert result.instalment_pence - 2 <= result.amount_pence <= result.instalment_pence
    assert paid.benefit_pence - result.amount_pence >= result.floor_pence and result.floor_pence * 7 >= 10 * days
    if result.amount_pence < result.instalment_pence:
        assert result.rule is Rule.BENEFIT_FLOOR and "Before rounding to the penny" in result.explain()
    if days == 25:
        assert (paid.benefit_pence, result.floor_pence, result.instalment_pence, result.amount_pence) == (
            5017, 36, 4982, 4981)


def test_a_legacy_pay_date_pays_only_for_the_days_after_an_instalment_taken_from_another_of_the_persons_awards(
        ) -> None:
    """recovery-rules.md §4 ("Recovery is by an instalment plan at a set rate"; "A pay period's instalment is
    the weekly rate times the weeks in the period"): the person gives up one instalment for each day, whichever
    award it is taken from (**Decision**, docs/recovery-notes.md "The days a legacy pay date pays for"). ESA A
    paid weekly on Mondays took its last instalment on 2025-06-16, paying in arrears up to that day; JSA B of
    £100.00 a week, paid on Wednesdays, in payment from 2025-06-12, first pays on 2025-06-18: for 2025-06-17
    to 2025-06-18 only (2 days), £13.95 x 2/7 = £3.98 with the floor 10p x 2/7, 3p, not a whole week's £13.95
    for days 2025-06-12 to 2025-06-16 already paid for. An instalment older than the days changes nothing."""
    jsa = _terms(10_000, "WEEKLY", date(2025, 6, 18))
    esa = OtherAwardInstalment(date(2025, 6, 16), "ESA")
    paid = paid_days(date(2025, 6, 18), jsa, date(2025, 6, 12), [OtherAwardInstalment(date(2025, 6, 9), "ESA"), esa])
    assert (paid.first_day, paid.last_day, paid.days, paid.full_days) == (date(2025, 6, 17), date(2025, 6, 18), 2, 7)
    assert (paid.starts, paid.other_award, paid.benefit_pence) == (OTHER_AWARD, esa, 2857)
    result = _instalment(paid, PayFrequency.WEEKLY, (hb(1, 50_000),))
    assert (result.instalment_pence, result.floor_pence, result.amount_pence) == (398, 3, 398)
    text = result.explain()
    assert ("it pays, in arrears, for 2025-06-17 to 2025-06-18 (2 days), not the whole 7-day pay period: an "
            "instalment was taken from the person's other legacy award (ESA) on its pay date 2025-06-16, which "
            "paid, in arrears, for the days up to and including it; benefit for the period £28.57") in text, text
    assert legacy_facts(result)["paid_period"] == {
        "from": "2025-06-17", "to": "2025-06-18", "days": 2, "whole_period_days": 7, "starts": OTHER_AWARD,
        "other_award": {"benefit": "ESA", "pay_date": "2025-06-16"},
        "weekly_amounts": [{"weekly": "100.00", "from": "2025-06-17", "to": "2025-06-18"}]}
    # an instalment taken before the days the pay date pays for (or none) leaves them as they were
    before = paid_days(date(2025, 6, 18), jsa, date(2025, 6, 12), [OtherAwardInstalment(date(2025, 6, 11), "ESA")])
    assert before == paid_days(date(2025, 6, 18), jsa, date(2025, 6, 12))
    assert (before.first_day, before.days, before.starts, before.other_award) == (date(2025, 6, 12), 7, "", None)


def test_a_legacy_pay_date_after_one_passed_over_for_another_award_pays_for_every_day_since_that_awards_instalment(
        ) -> None:
    """recovery-rules.md §4 ("Recovery is by an instalment plan at a set rate"; "A pay period's instalment is
    the weekly rate times the weeks in the period"): no day is paid for twice, and none is left unpaid by a pay
    date of the award on which another award was preferred (**Decision**, docs/recovery-notes.md "The days a
    legacy pay date pays for", "Which legacy award an instalment is taken from"). ESA, paid on Mondays, took
    its last instalment on 2025-06-16 and ends on Friday 2025-06-20; JSA of £100.00 a week, paid on Wednesdays
    from 2025-06-18, in payment from 2025-06-12, takes nothing on 2025-06-18 (ESA preferred that day). Its
    2025-06-25 pays for 2025-06-17 to 2025-06-25, 9 days: £13.95 x 9/7 = £17.93, floor 10p x 9/7 = 13p, not
    only for the 7 days after its own 2025-06-18. With no other award's instalment, back to its start date. A
    pay date on which it was the award taken from (nothing taken for another reason) still cuts the days."""
    jsa = _terms(10_000, "WEEKLY", date(2025, 6, 18))
    esa = OtherAwardInstalment(date(2025, 6, 16), "ESA")
    preferred = frozenset(date(2025, 6, 12) + timedelta(days=n) for n in range(9))  # ESA's days to 2025-06-20
    paid = paid_days(date(2025, 6, 25), jsa, date(2025, 6, 12), [OtherAwardInstalment(date(2025, 6, 9), "ESA"), esa],
                     preferred)
    assert (paid.first_day, paid.last_day, paid.days, paid.full_days) == (date(2025, 6, 17), date(2025, 6, 25), 9, 7)
    assert (paid.starts, paid.other_award, paid.passed_over, paid.short_days) == (
        OTHER_AWARD, esa, (date(2025, 6, 18),), 9)
    assert paid.benefit_pence == 10_000 * 9 // 7 == 12857
    result = _instalment(paid, PayFrequency.WEEKLY, (hb(1, 50_000),))
    assert (result.instalment_pence, result.floor_pence, result.amount_pence) == (1793, 13, 1793)
    assert 1395 * 3 + 1793 == 1395 * 30 // 7 == 5978  # 2025-06-03 to 2025-07-02: ESA twice, JSA 06-25, 07-02
    text = result.explain()
    assert ("it pays, in arrears, for 2025-06-17 to 2025-06-25 (9 days), more than the whole 7-day pay period: "
            "nothing was taken from the award on its pay date 2025-06-18, another of the person's legacy awards in "
            "payment being preferred to it that day, so it paid for none of the days; an instalment was taken from "
            "the person's other legacy award (ESA) on its pay date 2025-06-16, which paid, in arrears, for the days "
            "up to and including it; benefit for the period £128.57 (£100.00 a week x 9/7, rounded down)") in text, text
    assert "x 9/7 weeks = instalment £17.93" in text
    assert legacy_facts(result)["paid_period"]["passed_over"] == ["2025-06-18"]
    # no instalment of another award: from the first day of its first pay date's period, its start date
    alone = paid_days(date(2025, 6, 25), jsa, date(2025, 6, 12), (), preferred)
    assert (alone.first_day, alone.days, alone.starts, alone.benefit_pence) == (date(2025, 6, 12), 14, "", 20_000)
    later = paid_days(date(2025, 6, 25), jsa, date(2025, 6, 14), (), preferred)
    assert (later.first_day, later.days, later.starts) == (date(2025, 6, 14), 12, AWARD_START)
    assert "the award is in payment from its start date, 2025-06-14" in _instalment(
        later, PayFrequency.WEEKLY, (hb(1, 50_000),)).explain()
    # not passed over (JSA the award taken from on 2025-06-18, whatever it took): its own pay date cuts the days
    assert paid_days(date(2025, 6, 25), jsa, date(2025, 6, 12), [esa]).first_day == date(2025, 6, 19)
    # passed over on 2025-06-18 and taken from on an earlier pay date: from the day after that one
    earlier = paid_days(date(2025, 6, 25), _terms(10_000, "WEEKLY", date(2025, 6, 11)), date(2025, 6, 5), (),
                        frozenset({date(2025, 6, 18)}))
    assert (earlier.first_day, earlier.days, earlier.starts, earlier.previous_pay_date) == (
        date(2025, 6, 12), 14, PREVIOUS_PAY_DATE, date(2025, 6, 11))


def test_a_legacy_pay_date_whose_days_another_awards_instalment_paid_for_takes_nothing() -> None:
    """recovery-rules.md §4 (one instalment per pay period at the weekly rate): when another of the person's
    legacy awards took an instalment on this very pay date, paying in arrears for every day up to it, this pay
    date pays for no day not already paid for: nothing is taken, no division by zero, and no HB debt is
    returned for a benefit of nothing (**Decision**, docs/recovery-notes.md "The days a legacy pay date pays
    for")."""
    paid = paid_days(date(2025, 6, 18), _terms(10_000, "WEEKLY", date(2025, 6, 18)), date(2025, 6, 12),
                     [OtherAwardInstalment(date(2025, 6, 18), "ESA")])
    assert (paid.days, paid.short_days, paid.benefit_pence, paid.amounts, paid.starts) == (0, 0, 0, (), OTHER_AWARD)
    result = _instalment(paid, PayFrequency.WEEKLY, (hb(1, 50_000), _owed(2, "DWP", 50_000)))
    assert result.outcome is LegacyOutcome.NOTHING_DUE and result.hb_debts_to_return == ()
    assert (result.instalment_pence, result.floor_pence, result.amount_pence) == (0, 0, 0)
    assert result.allocations == () and result.cleared_debts == ()
    text = result.explain()
    assert ("it pays for no day an instalment was not already taken for: an instalment was taken from the "
            "person's other legacy award (ESA) on its pay date 2025-06-18, which paid, in arrears, for every day "
            "up to and including it; nothing is taken") in text, text


def _debt(debt_id: int, owner: str, classification: str, balance: int, ref: str) -> DebtRecord:
    return DebtRecord(debt_id, owner, "OVERPAYMENT", classification, balance, date(2025, 1, 1), debt_id,
                      date(2025, 1, 1), la_id="005920" if owner == "LA" else None, creditor_ref=ref)


def _reasons(result: LegacyInstalmentResult) -> dict[int, LegacyOutcome]:
    return {r.debt.debt_id: r.reason for r in result.returned}


@pytest.mark.parametrize(("frequency", "weekly", "benefit", "room"), [
    (PayFrequency.WEEKLY, 2000, 2000, 1990),  # £23.25 fraud > £19.90 >= £13.95 standard
    (PayFrequency.FORTNIGHTLY, 2000, 4000, 3980),  # £46.50 > £39.80 >= £27.90
    (PayFrequency.MONTHLY, 2000, 8666, 8622),  # £100.75 > £86.22 >= £60.45 (floor 44p)
])
def test_an_hb_debt_whose_own_instalment_fits_is_returned_maximum_deductions_when_another_creditors_fraud_debt_leaves_no_room(
        frequency: PayFrequency, weekly: int, benefit: int, room: int) -> None:
    """recovery-rules.md §4 (A9/2025 §24): "where deductions already in place leave no room, it is returned
    (MAXIMUM_DEDUCTIONS)". JSA of £20.00 a week with an LA non-fraud debt and a DWP fraud debt: the DWP fraud
    debt (Annex B item 17, before item 19) sets the fraud rate and takes the room; the benefit covers the HB
    debt's own instalment at the standard rate, so it is returned MAXIMUM_DEDUCTIONS, not INSUFFICIENT_BENEFIT
    (**Decision**, docs/recovery-notes.md "When an HB debt is returned MAXIMUM_DEDUCTIONS")."""
    la = _debt(1, "LA", "NON_FRAUD", 50_000, "HB-A")
    dwp = _debt(2, "DWP", "FRAUD", 30_000, "DW-A")
    result = calculate_legacy_instalment(LegacyInstalmentInput(JUNE, frequency, benefit, (la, dwp)))
    assert result.outcome is LegacyOutcome.MAXIMUM_DEDUCTIONS
    assert result.hb_debts_to_return == (1,) and _reasons(result) == {1: LegacyOutcome.MAXIMUM_DEDUCTIONS}
    assert [(a.debt_id, a.amount_pence) for a in result.allocations] == [(2, room)]  # the money is as before
    own = instalment_for_period(legacy_weekly_rate(JUNE, False), frequency)
    assert result.returned[0].own_instalment_pence == own
    text = result.explain()
    assert (f"debt 1 (LA 005920 HB-A, NON_FRAUD) is returned MAXIMUM_DEDUCTIONS: the room, £{room // 100}."
            f"{room % 100:02d}, covers its own instalment at the standard rate, £{own // 100}.{own % 100:02d}") in text, text
    assert "debt 2 (DWP DW-A, FRAUD)" in text


@pytest.mark.parametrize(("benefit", "hb_class", "dwp_class"), [
    (1400, "NON_FRAUD", "FRAUD"),  # room £13.90 < its own £13.95
    (2000, "FRAUD", "FRAUD"),  # its own fraud instalment £23.25 > room £19.90
    (2000, "FRAUD", "NON_FRAUD"),  # its own fraud debt sets the rate
    (1000, "NON_FRAUD", "NON_FRAUD"),
])
def test_an_hb_debt_is_returned_insufficient_benefit_when_the_room_is_below_its_own_instalment(
        benefit: int, hb_class: str, dwp_class: str) -> None:
    """recovery-rules.md §4 (A9/2025 §24): "where too little benefit is left for the instalment, an HB debt is
    returned (INSUFFICIENT_BENEFIT)": its own instalment (the fraud rate for an HB fraud debt, standard
    otherwise) does not fit in the room, whatever the other debts."""
    la = _debt(1, "LA", hb_class, 50_000, "HB-A")
    dwp = _debt(2, "DWP", dwp_class, 30_000, "DW-A")
    result = calculate_legacy_instalment(LegacyInstalmentInput(JUNE, PayFrequency.WEEKLY, benefit, (la, dwp)))
    assert result.outcome is LegacyOutcome.INSUFFICIENT_BENEFIT
    assert _reasons(result) == {1: LegacyOutcome.INSUFFICIENT_BENEFIT}
    assert "debt 1 (LA 005920 HB-A, " in result.explain()


def test_an_hb_debt_returned_with_an_hb_fraud_debt_that_set_the_rate_is_returned_insufficient_benefit() -> None:
    """recovery-rules.md §4: a returned HB fraud debt no longer sets the fraud rate (docs/recovery-notes.md
    "Legacy instalments after an HB debt is returned"), so it is no deduction in place: an HB non-fraud debt
    returned with it, and no other creditor's fraud debt in recovery, is INSUFFICIENT_BENEFIT, as before."""
    result = calculate_legacy_instalment(LegacyInstalmentInput(JUNE, PayFrequency.WEEKLY, 2000, (
        _debt(1, "LA", "FRAUD", 50_000, "HB-F"), _debt(2, "LA", "NON_FRAUD", 50_000, "HB-N"))))
    assert result.outcome is LegacyOutcome.INSUFFICIENT_BENEFIT
    assert _reasons(result) == {1: LegacyOutcome.INSUFFICIENT_BENEFIT, 2: LegacyOutcome.INSUFFICIENT_BENEFIT}


def test_hb_debts_returned_by_one_instalment_each_carry_the_reason_of_their_own_instalment() -> None:
    """recovery-rules.md §4 (A9/2025 §24), debt by debt: with a DWP fraud debt in recovery, JSA of £20.00 a
    week returns the HB fraud debt INSUFFICIENT_BENEFIT (its own £23.25 does not fit in £19.90) and the HB
    non-fraud debt MAXIMUM_DEDUCTIONS (its own £13.95 does); the instalment's outcome is INSUFFICIENT_BENEFIT."""
    result = calculate_legacy_instalment(LegacyInstalmentInput(JUNE, PayFrequency.WEEKLY, 2000, (
        _debt(1, "LA", "FRAUD", 50_000, "HB-F"), _debt(2, "LA", "NON_FRAUD", 50_000, "HB-N"),
        _debt(3, "DWP", "FRAUD", 30_000, "DW-A"))))
    assert result.outcome is LegacyOutcome.INSUFFICIENT_BENEFIT
    assert _reasons(result) == {1: LegacyOutcome.INSUFFICIENT_BENEFIT, 2: LegacyOutcome.MAXIMUM_DEDUCTIONS}
    assert [(a.debt_id, a.amount_pence) for a in result.allocations] == [(3, 1990)]


def test_an_hb_debt_returned_with_no_other_debt_says_nothing_was_taken_because_it_was_returned() -> None:
    """recovery-rules.md §3 ("why this amount?" from the explanation alone), §4: JSA of £14.00 a week leaves
    £13.90 above the floor, less than the £13.95 instalment: the only debt is returned INSUFFICIENT_BENEFIT and
    nothing is taken because no debt is left to take for, not because the floor limited it; the debt is named
    by its LA and reference."""
    result = calculate_legacy_instalment(LegacyInstalmentInput(JUNE, PayFrequency.WEEKLY, 1400, (
        _debt(2, "LA", "NON_FRAUD", 50_000, "HB-A"),)))
    assert result.rule is Rule.HB_DEBTS_RETURNED and result.amount_pence == 0
    text = result.explain()
    assert "limited so the benefit is not reduced below 10p a week" not in text, text
    assert ("took £0.00: nothing taken: every debt in recovery is an HB debt returned (A9/2025 §24), so no debt is "
            "left to take for") in text, text
    assert ("debt 2 (LA 005920 HB-A, NON_FRAUD) is returned INSUFFICIENT_BENEFIT: the room, £13.90, is less than "
            "its own instalment at the standard rate, £13.95") in text, text


@pytest.mark.parametrize(("frequency", "weekly", "benefit", "floor"), [
    (PayFrequency.FORTNIGHTLY, "2", "£200.00 (£100.00 a week x 2, rounded down)", "£0.20 (10p a week x 2, rounded up)"),
    (PayFrequency.FOUR_WEEKLY, "4", "£400.00 (£100.00 a week x 4, rounded down)", "£0.40 (10p a week x 4, rounded up)"),
    (PayFrequency.MONTHLY, "52/12", "£433.33 (£100.00 a week x 52/12, rounded down)",
     "£0.44 (10p a week x 52/12, rounded up)"),
])
def test_a_whole_pay_periods_explanation_gives_the_weeks_the_benefit_and_floor_are_multiplied_by(
        frequency: PayFrequency, weekly: str, benefit: str, floor: str) -> None:
    """recovery-rules.md §3 ("why this amount?" from the explanation alone) and §4 (a monthly period is 52/12
    weeks): the benefit for a whole fortnightly, four-weekly or monthly period and its floor say the weeks
    they are multiplied by, as a part period's do."""
    first = {PayFrequency.FORTNIGHTLY: date(2025, 1, 6), PayFrequency.FOUR_WEEKLY: date(2025, 1, 6),
             PayFrequency.MONTHLY: date(2025, 1, 5)}[frequency]
    day = {PayFrequency.MONTHLY: date(2025, 6, 5)}.get(frequency, date(2025, 6, 23))
    paid = paid_days(day, [LegacyPayTerms(None, 10_000, frequency, first)], date(2024, 1, 1))
    result = calculate_legacy_instalment(LegacyInstalmentInput(
        day, frequency, paid.benefit_pence, (_debt(1, "DWP", "NON_FRAUD", 50_000, "DW-M"),), paid=paid))
    text = result.explain()
    assert f"benefit for the period {benefit};" in text, text
    assert f"x {weekly} weeks = instalment" in text, text
    assert f"benefit floor {floor}, leaving room" in text, text


def test_a_weekly_explanation_says_x_1_week() -> None:
    """recovery-rules.md §4: a weekly pay period is one week, and the explanation says so in the singular."""
    result = calculate_legacy_instalment(LegacyInstalmentInput(JUNE, PayFrequency.WEEKLY, 10_000, (hb(1, 9_000),)))
    text = result.explain()
    assert "x 1 week = instalment £13.95" in text and "x 1 weeks" not in text, text
    assert "benefit floor £0.10 (10p a week, rounded up)" in text, text
