"""Recovery from legacy (non-UC) benefits: an instalment at a set rate on each pay date (pure).

Source: recovery-rules.md §4; SI 1988/664 reg 16; HB Regulations 2006 reg 102; HB circular A9/2025 §15,
§24, §27, §31. Entry point :func:`calculate_legacy_instalment`; helpers for missed instalments.

Decisions taken here:

- the fraud rate (5 units) applies to the person's instalment while any debt in recovery is classified
  FRAUD (:func:`calculate_legacy_instalment`);
- the benefit floor of 10p a week is converted to the pay period like the instalment and rounded **up**
  (:func:`benefit_floor_for_period`): a monthly floor of 43.33p leaves 44p, never less than 10p a week;
- an award "pays enough for any instalment" (the choice of the legacy award instalments are taken from,
  ``services.recovery_load``) when its benefit for the pay period less the floor leaves room for the fraud
  instalment of the period, worked out as here (:func:`has_room_for_any_instalment`), not by weekly amounts;
- when there is not room for the instalment, HB debts are returned and nothing is taken for them; DWP and
  HMRC debts take what room is left above the floor (:func:`_short_of_room`); each HB debt is returned
  INSUFFICIENT_BENEFIT when the room is below its own instalment (the fraud rate for an HB fraud debt, the
  standard rate otherwise), and MAXIMUM_DEDUCTIONS when its own instalment would fit but another creditor's
  fraud debt, recovered before it at the fraud rate, leaves no room (:func:`return_reason`; A9/2025 §24);
- the instalment is shared between owners as a UC deduction is: item by item in Annex B order, each item's
  part split equally between the owners Annex B rules a and b name (recovery-rules.md §3-4;
  ``dms.recovery.allocation.allocate_instalment``);
- a pay date pays, in arrears, for the pay period ending on it (:func:`pay_period`), and every sanction in
  force on a day of that period reduces the benefit it pays by its rate for that day, pro rata by days, the
  highest rate where sanctions overlap, rounded down (:func:`sanction_over_period`);
- the days a pay date pays for start no earlier than the award's start date, the day after its previous
  pay date under the terms then in force, and the day after the latest pay date, on or before it, on which an
  instalment was taken from another of the person's legacy awards (none left: nothing is due), going back over
  the award's own pay dates on which another award was preferred (:func:`own_previous_pay_date`), so possibly
  more days than a whole pay period's; the benefit is the sum of each day's share of the weekly amount in
  force that day; a whole pay period at one amount is worked out as before, and fewer or more days take the weekly
  rate x days / 7, rounded down, with the floor 10p x days / 7, rounded up (:func:`paid_days`,
  ``LegacyInstalmentInput.paid``); whether such a part week leaves too little benefit for the instalment
  is judged on each day's exact share, before rounding to the penny, so rounding alone never returns an HB
  debt: what the rounded floor leaves is taken (:func:`_judged`);
- a Social Fund loan (item 14) takes at most its agreed amount (events.md §3: per assessment period)
  converted to the pay period as a reduced rate's unit is between the engines (:func:`rate_per`), what it
  cannot take going on to the next item; a loan without an agreed amount has no limit of its own
  (:func:`agreed_amount_limits`).
"""

from __future__ import annotations

import calendar
from collections.abc import Collection, Iterable, Sequence
from dataclasses import replace
from datetime import date, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from dms.money import five_percent_unit, format_pounds
from dms.parameters import get_parameter, value
from dms.recovery.allocation import allocate_instalment, capacity_of, item_of, sort_key
from dms.recovery.types import (
    AWARD_START,
    MISSED_INSTALMENTS,
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
    PeriodSanction,
    RecoveryInputError,
    ReducedWeeklyRate,
    ReturnedDebt,
    Rule,
    SanctionSpan,
    WeeklyAmountSpan,
)
from dms.recovery.uc import SOCIAL_FUND_ITEM

_WEEKS: dict[PayFrequency, Decimal] = {
    PayFrequency.WEEKLY: Decimal(1),
    PayFrequency.FORTNIGHTLY: Decimal(2),
    PayFrequency.FOUR_WEEKLY: Decimal(4),
    PayFrequency.MONTHLY: Decimal(52) / Decimal(12),
}
# the weeks in a pay period as the explanations write them (recovery-rules.md §4)
WEEKS_TEXT: dict[str, str] = {"WEEKLY": "1", "FORTNIGHTLY": "2", "FOUR_WEEKLY": "4", "MONTHLY": "52/12"}
PER_ASSESSMENT_PERIOD = "ASSESSMENT_PERIOD"  # a rate agreed per UC assessment period (a month)
PER_WEEK = "WEEK"  # a rate agreed per legacy week


def legacy_weekly_rate(on: date, fraud: bool) -> int:
    """The weekly recovery rate in force on ``on``: 3 units (standard) or 5 units (fraud), where the unit is
    5% of the personal allowance for a single person aged 25 or over, rounded up to 5p (SI 1988/664 reg 16;
    HB Regs 2006 reg 102; recovery-rules.md §4). Parameters ``legacy.*``."""
    unit = five_percent_unit(value("legacy.personal_allowance_25_or_over", on))
    units: int = value("legacy.fraud_units_per_week" if fraud else "legacy.standard_units_per_week", on)
    return unit * units


def weekly_rate_basis(on: date) -> tuple[int, int, date]:
    """``(personal allowance, unit, date in force from)`` behind :func:`legacy_weekly_rate` on ``on``: the
    personal allowance for a single person aged 25 or over in force on ``on`` (the pay date: a pay period
    takes the rate in force on its pay date, docs/recovery-notes.md), the unit (5% of it, rounded up to 5p)
    and the date those rates apply from (recovery-rules.md §4), for the explanation."""
    parameter = get_parameter("legacy.personal_allowance_25_or_over")
    allowance: int = parameter.value_at(on)
    return allowance, five_percent_unit(allowance), parameter.in_force_from(on)


# the weeks of a whole pay period as a fraction (numerator, denominator), for sums worked exactly in pence
_WEEKS_FRACTION: dict[str, tuple[int, int]] = {"WEEKLY": (1, 1), "FORTNIGHTLY": (2, 1), "FOUR_WEEKLY": (4, 1),
                                               "MONTHLY": (52, 12)}


def weeks_in_period(frequency: PayFrequency, short_days: int | None = None) -> Decimal:
    """Weeks in a pay period: 1, 2, 4, or 52/12 for a monthly period (recovery-rules.md §4); for a pay date
    that pays for fewer (or more) days than a whole pay period (``short_days``, :attr:`PaidDays.short_days`), those
    days / 7 (**Decision**, docs/recovery-notes.md "The days a legacy pay date pays for")."""
    try:
        weeks = _WEEKS[PayFrequency(frequency)]
    except ValueError:
        raise RecoveryInputError(f"pay frequency {frequency!r} is not one of "
                                 f"{', '.join(PayFrequency)}") from None
    return weeks if short_days is None else Decimal(short_days) / Decimal(7)


def weeks_text(frequency: PayFrequency | str, short_days: int | None = None) -> str:
    """The weeks of a pay period as the explanations write them: "1", "2", "4", "52/12", or for a pay date
    that pays for fewer (or more) days than a whole pay period, "3/7" (its days / 7)."""
    if short_days is not None:
        return f"{short_days}/7"
    return WEEKS_TEXT.get(str(frequency), str(frequency))


def weeks_words(frequency: PayFrequency | str, short_days: int | None = None) -> str:
    """The weeks of a pay period with their unit, as the explanations write a multiplier: "1 week", "2 weeks",
    "52/12 weeks", "3/7 weeks" (:func:`weeks_text`; recovery-rules.md §4)."""
    text = weeks_text(frequency, short_days)
    return f"{text} week" if text == "1" else f"{text} weeks"


def instalment_for_period(weekly_rate_pence: int, frequency: PayFrequency, short_days: int | None = None) -> int:
    """A pay period's instalment: the weekly rate times the weeks in the period, rounded down to the penny
    (recovery-rules.md §4: "a monthly period is 52/12 weeks, rounded down to the penny"); for a pay date that
    pays for fewer (or more) days than a whole pay period (``short_days``), the weekly rate x those days / 7, rounded
    down likewise (**Decision**, docs/recovery-notes.md "The days a legacy pay date pays for": £13.95 for 2
    days is £3.98)."""
    if short_days is not None:
        weeks_in_period(frequency)  # a pay frequency it knows
        return weekly_rate_pence * short_days // 7
    exact = Decimal(weekly_rate_pence) * weeks_in_period(frequency)
    return int(exact.to_integral_value(rounding=ROUND_FLOOR))


def rate_per(amount_pence: int, set_per: str, per: str) -> int:
    """A rate agreed per ``set_per`` as the engine of ``per`` reads it (**Decision**, docs/recovery-notes.md
    "Reduced (affordable) rates": a rate keeps the unit it was agreed in): a rate agreed per UC assessment
    period (a month) is, per legacy week, x 12/52; one agreed per week is, per assessment period, x 52/12;
    each rounded down, so the person never pays more than was agreed. A rate recorded without its unit ("")
    is read as given. Used for staff reduced rates (``services.recovery_load``) and for a Social Fund loan's
    agreed amount on a legacy benefit (:func:`agreed_amount_for_period`)."""
    if not set_per or set_per == per:
        return amount_pence
    if per == PER_WEEK:
        return amount_pence * 12 // 52
    return amount_pence * 52 // 12


def agreed_amount_for_period(agreed_pence: int, frequency: PayFrequency, short_days: int | None = None) -> int:
    """The most a Social Fund loan takes of a legacy pay period's instalment: its agreed amount (events.md §3
    ``agreed_amount``: per assessment period; recovery-rules.md §3 item 14) per week as a rate agreed per
    assessment period is read by the legacy engine (:func:`rate_per`: x 12/52, rounded down), times the
    weeks in the pay period, rounded down as an instalment is (:func:`instalment_for_period`; for a pay date
    paying for fewer days than a whole period, ``short_days``, those days / 7). £25.00 is £5.76 a week:
    £23.04 four-weekly, £24.96 monthly (**Decision**, docs/recovery-notes.md "A legacy instalment shared
    between owners")."""
    return instalment_for_period(rate_per(agreed_pence, PER_ASSESSMENT_PERIOD, PER_WEEK), frequency, short_days)


def agreed_amount_limits(debts: Iterable[DebtRecord], frequency: PayFrequency,
                         short_days: int | None = None) -> dict[int, int]:
    """``{debt id: the most it takes this pay period}`` of the Social Fund loans (Annex B item 14) referred
    with an agreed amount (:func:`agreed_amount_for_period`). A loan referred without one (events.md §3: the
    field is optional) has no limit of its own on a legacy benefit and takes up to its balance, as before
    (**Decision**, docs/recovery-notes.md "A legacy instalment shared between owners": the item's 15%
    maximum on UC is a share of the UC standard allowance, which a legacy benefit has not)."""
    return {d.debt_id: agreed_amount_for_period(d.agreed_amount_pence, frequency, short_days) for d in debts
            if d.agreed_amount_pence is not None and item_of(d) == SOCIAL_FUND_ITEM}


def agreed_amount_note(debt: DebtRecord, share: int, limit: int | None, frequency: PayFrequency,
                       short_days: int | None = None) -> str:
    """Where a Social Fund loan's agreed amount set its share of an instalment (its share is the limit and
    the limit is below its balance), that in words with the conversion, as a UC line says its agreed amount
    set its share (recovery-rules.md §3: "why this amount?" from the explanation alone); else ""."""
    agreed = debt.agreed_amount_pence
    if agreed is None or limit is None or share != limit or limit >= debt.balance_pence:
        return ""
    weekly = rate_per(agreed, PER_ASSESSMENT_PERIOD, PER_WEEK)
    rounded = ", rounded down" if short_days is not None or PayFrequency(frequency) is PayFrequency.MONTHLY else ""
    return (f"its agreed amount £{format_pounds(agreed)} a period (£{format_pounds(limit)} for this pay period) "
            f"set its share (the most it takes: £{format_pounds(agreed)} x 12/52 = £{format_pounds(weekly)} a "
            f"week, rounded down, x {weeks_words(frequency, short_days)}{rounded})")


def benefit_for_period(weekly_amount_pence: int, frequency: PayFrequency) -> int:
    """What a legacy award of ``weekly_amount_pence`` a week pays on a pay date: the weekly amount times the
    weeks in the period, rounded down to the penny (recovery-rules.md §4; **Decision**, docs/recovery-notes.md
    "The 10p floor on a monthly pay date": a monthly award of £23.35 a week pays £101.18)."""
    return instalment_for_period(weekly_amount_pence, frequency)


def has_room_for_any_instalment(weekly_amount_pence: int, frequency: str, on: date) -> bool:
    """Whether a legacy award of ``weekly_amount_pence`` a week paid ``frequency`` has room on ``on`` for any
    instalment: its benefit for the period (:func:`benefit_for_period`) less the 10p-a-week floor for the
    period (:func:`benefit_floor_for_period`) is at least the period's instalment at the fraud weekly rate,
    the highest (:func:`instalment_for_period`), as :func:`calculate_legacy_instalment` works them out
    (recovery-rules.md §4; A9/2025 §24). Monthly, £23.35 a week in 2025/26 has not: £101.18 - £0.44 =
    £100.74 < £100.75. An award without a pay frequency has no pay dates (:func:`is_pay_date`) and no room.
    **Decision**, docs/recovery-notes.md "Which legacy award an instalment is taken from" (the awards "that
    pay enough for any instalment")."""
    if frequency not in _WEEKS:
        return False
    period = PayFrequency(frequency)
    floor = benefit_floor_for_period(value("legacy.minimum_benefit_per_week", on), period)
    instalment = instalment_for_period(legacy_weekly_rate(on, True), period)
    return benefit_for_period(weekly_amount_pence, period) - floor >= instalment


def least_weekly_amount_with_room(frequency: PayFrequency, on: date) -> int:
    """The least weekly amount (pence) for which :func:`has_room_for_any_instalment` holds on ``on`` at
    ``frequency``, so a query can compare an award's weekly amount with it (``services.recovery_load``):
    what the period must pay (the fraud instalment and the floor) over the weeks in the period, rounded up
    (2025/26: £23.35 weekly, fortnightly and four-weekly; £23.36 monthly). The benefit for the period only
    grows with the weekly amount, so every amount from it has room and none below it has; checked against
    :func:`has_room_for_any_instalment` itself, so the two never disagree."""
    period = PayFrequency(frequency)
    needed = (instalment_for_period(legacy_weekly_rate(on, True), period)
              + benefit_floor_for_period(value("legacy.minimum_benefit_per_week", on), period))
    least = int((Decimal(needed) / weeks_in_period(period)).to_integral_value(rounding=ROUND_CEILING))
    while not has_room_for_any_instalment(least, period, on):
        least += 1
    while least > 0 and has_room_for_any_instalment(least - 1, period, on):
        least -= 1
    return least


def benefit_floor_for_period(floor_per_week_pence: int, frequency: PayFrequency,
                             short_days: int | None = None) -> int:
    """The least benefit a pay period must leave: "the benefit may not be reduced below 10p a week"
    (recovery-rules.md §4; A9/2025 §24) over the weeks in the period, rounded **up** to the penny, so that
    what is left is never below the weekly floor (a monthly period: 10p x 52/12 = 43.33p, so 44p); for a pay
    date that pays for fewer (or more) days than a whole pay period (``short_days``), over those days / 7, rounded up
    likewise (**Decision**, docs/recovery-notes.md "The days a legacy pay date pays for": 2 days, 2.86p, so
    3p)."""
    if short_days is not None:
        weeks_in_period(frequency)  # a pay frequency it knows
        return -(-floor_per_week_pence * short_days // 7)
    exact = Decimal(floor_per_week_pence) * weeks_in_period(frequency)
    return int(exact.to_integral_value(rounding=ROUND_CEILING))


_STEP_DAYS = {"WEEKLY": 7, "FORTNIGHTLY": 14, "FOUR_WEEKLY": 28}
_LONGEST_PERIOD_DAYS = 31  # the longest pay period: a monthly one of a 31-day month
# How far back a pay date goes back over the award's own pay dates passed over for another award
# (:func:`own_previous_pay_date`): those of the month before it; the daily run reads what it needs over twice that
# (``services.recovery_load.LOOK_BACK_DAYS``: to the pay date before the earliest passed over).
PASSED_OVER_DAYS = 31


def _monthly_pay_day(year: int, month: int, day_of_month: int) -> date:
    """A monthly award's pay date in a month: its day of the month, or the month's last day when the month is
    too short for it (events.md §2 ``legacy``; :func:`is_pay_date`)."""
    return date(year, month, min(day_of_month, calendar.monthrange(year, month)[1]))


def pay_period(first_pay_date: date, frequency: str, day: date) -> tuple[date, date]:
    """The pay period ``day`` falls in, as ``(its first day, its pay date)``: a legacy benefit is paid in
    arrears, so a pay date pays for the pay period ending on it, the days after the pay date before it up to
    and including it (7, 14 or 28 days; monthly, from the day after the previous month's pay date), and ``day``
    falls in the period of the first pay date on or after it (**Decision**, docs/recovery-notes.md "Sanctions
    and legacy instalments": events.md §2 gives a legacy award only its ``first_pay_date`` and
    ``pay_frequency``; recovery-rules.md §4 takes an instalment per pay period). Pay dates as
    :func:`is_pay_date` gives them, none before ``first_pay_date``, so a day before it falls in the period
    ``first_pay_date`` pays for: weekly 2025-06-16 pays for 2025-06-10 to 2025-06-16; monthly on the 31st,
    2025-02-28 pays for 2025-02-01 to 2025-02-28; weekly first paid 2026-05-25, 2026-05-11 falls in 2026-05-19
    to 2026-05-25."""
    step = _STEP_DAYS.get(str(frequency))
    if step is not None:
        behind = max((day - first_pay_date).days, 0)
        end = first_pay_date + timedelta(days=-(-behind // step) * step)
        return end - timedelta(days=step - 1), end
    if str(frequency) != PayFrequency.MONTHLY:
        raise RecoveryInputError(f"pay frequency {frequency!r} is not one of {', '.join(PayFrequency)}")
    dom = first_pay_date.day
    end = _monthly_pay_day(day.year, day.month, dom)
    if end < day:
        year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
        end = _monthly_pay_day(year, month, dom)
    end = max(end, first_pay_date)
    year, month = (end.year - 1, 12) if end.month == 1 else (end.year, end.month - 1)
    return _monthly_pay_day(year, month, dom) + timedelta(days=1), end


def terms_on(terms: Sequence[LegacyPayTerms], day: date) -> LegacyPayTerms:
    """The pay terms of ``terms`` (an award's history, in date order: :class:`LegacyPayTerms`) in force on
    ``day``: the last from on or before it (events.md §2 ``award.changed``: "new values from
    ``occurred_on``"); the first when none is from so early."""
    if not terms:
        raise RecoveryInputError("a legacy award's pay terms are needed to work out a pay date")
    found = terms[0]
    for held in terms:
        if held.from_day is None or held.from_day <= day:
            found = held
        else:
            break
    return found


def _spans_of_terms(terms: Sequence[LegacyPayTerms], first: date, last: date) -> list[tuple[date, date, LegacyPayTerms]]:
    """The runs of days ``first`` to ``last`` under each of ``terms`` in force, in date order."""
    spans: list[tuple[date, date, LegacyPayTerms]] = []
    for index, held in enumerate(terms):
        until = terms[index + 1].from_day if index + 1 < len(terms) else None
        start = max(first, held.from_day) if held.from_day is not None else first
        end = min(last, until - timedelta(days=1)) if until is not None else last
        if start <= end:
            spans.append((start, end, held))
    return spans


def previous_pay_date(terms: Sequence[LegacyPayTerms], first: date, before: date) -> date | None:
    """The latest day from ``first`` to the day before ``before`` that the award paid on by the terms in force
    that day (:func:`is_pay_date`, :func:`terms_on`), or None: a change of pay frequency or pay day does not
    make a pay date before it under the old terms a day it paid on no longer (**Decision**,
    docs/recovery-notes.md "The days a legacy pay date pays for")."""
    for start, end, held in reversed(_spans_of_terms(terms, first, before - timedelta(days=1))):
        paid = latest_pay_date(held.first_pay_date, held.frequency, end)
        if paid is not None and paid >= start:
            return paid
    return None


def other_award_instalment_by(other_awards: Iterable[OtherAwardInstalment], pay_date: date
                              ) -> OtherAwardInstalment | None:
    """Of the instalments taken from the person's other legacy awards (``other_awards``), the latest on or
    before ``pay_date``, or None: it paid, in arrears, for every day up to and including its pay date
    (:func:`paid_days`; **Decision**, docs/recovery-notes.md "The days a legacy pay date pays for")."""
    return max((o for o in other_awards if o.pay_date <= pay_date), key=lambda o: o.pay_date, default=None)


def own_previous_pay_date(terms: Sequence[LegacyPayTerms], pay_date: date, passed_over: Collection[date] = ()
                          ) -> tuple[date | None, tuple[date, ...]]:
    """``(the award's latest pay date before ``pay_date`` on which it was the award taken from, or None, the pay
    dates passed over on the way, latest first)``: its pay dates by the terms in force each day
    (:func:`previous_pay_date`), going back over those in ``passed_over`` of the :data:`PASSED_OVER_DAYS` days
    before ``pay_date`` (the month of pay dates the daily run reads), the days on which another of the
    person's legacy awards in payment was preferred to it, so that nothing was taken from it for that reason
    (``services.recovery_load.preferred_elsewhere``; **Decision**, docs/recovery-notes.md "Which legacy award an
    instalment is taken from", "The days a legacy pay date pays for"): such a pay date paid for no day of the
    person's instalment plan (recovery-rules.md §4), so it does not cut the next one's days short. A pay date on
    which the award was taken from but nothing was taken for another reason (no balance, the floor) is not
    passed over."""
    skipped: list[date] = []
    before = pay_date
    while True:
        # a pay date is at most a month (31 days) before the next (:func:`pay_period`)
        previous = previous_pay_date(terms, before - timedelta(days=_LONGEST_PERIOD_DAYS), before)
        if previous is None or previous not in passed_over or (pay_date - previous).days > PASSED_OVER_DAYS:
            return previous, tuple(skipped)
        skipped.append(previous)
        before = previous


def paid_days(day: date, terms: Sequence[LegacyPayTerms], start_date: date | None = None,
              other_awards: Iterable[OtherAwardInstalment] = (), passed_over: Collection[date] = ()) -> PaidDays:
    """The days the pay date of the pay period ``day`` falls in pays for, and the benefit it pays for them
    (recovery-rules.md §4: an instalment per pay period, taken from what is paid; events.md §2 ``award.started``
    "the benefit is in payment from ``start_date``", ``award.changed`` "new values from ``occurred_on``";
    **Decision**, docs/recovery-notes.md "The days a legacy pay date pays for").

    In arrears, up to and including the pay date (:func:`pay_period`, by the terms in force on ``day``,
    :func:`terms_on`), from the first day of that whole pay period, but no earlier than the award's
    ``start_date``, no earlier than the day after the award's previous pay date by the terms then in force
    (:func:`previous_pay_date`), and no earlier than the day after the latest pay date, on or before this one,
    on which an instalment was taken from another of the person's legacy awards (``other_awards``,
    :func:`other_award_instalment_by`: that instalment paid for the days up to it, recovery-rules.md §4 "an
    instalment plan at a set rate"); when that is the pay date itself, no days at all, and no benefit. A
    previous pay date of the award in ``passed_over`` (a day on which another of the person's legacy awards in
    payment was preferred to it, so nothing was taken from it) paid for none of the person's days: the days
    then start after the award's latest pay date on which it was the award taken from
    (:func:`own_previous_pay_date`), or, with none, at the first day of the pay period of its first pay date
    passed over, and still no earlier than its start date nor than the day after the other award's instalment,
    so they may be more than a whole pay period's (``PaidDays.passed_over``; **Decision**,
    docs/recovery-notes.md "The days a legacy pay date pays for"). The
    benefit is the sum of each day's share of the weekly amount in force that day: over a whole pay period,
    the weekly amounts x the weeks of the period (1, 2, 4 or 52/12) / its days, so that one amount pays
    exactly what it always did (£100.00 monthly, £433.33); over fewer or more days, each day a seventh of the
    week's amount; rounded down to the penny once, on the sum."""
    held = terms_on(terms, day)
    frequency = str(held.frequency)
    whole_first, pay_date = pay_period(held.first_pay_date or day, frequency, day)
    first, starts = whole_first, ""
    if start_date is not None and start_date > first:
        first, starts = min(start_date, pay_date), AWARD_START
    # under one set of terms the previous pay date is the day before the whole period (:func:`pay_period`)
    previous = previous_pay_date(terms, first, pay_date) if len(terms) > 1 else None
    if previous is not None:
        first, starts = previous + timedelta(days=1), PREVIOUS_PAY_DATE
    skipped: tuple[date, ...] = ()
    if passed_over:  # its own pay dates on which another award was preferred pay for nothing: go back over them
        taken_from, skipped = own_previous_pay_date(terms, pay_date, passed_over)
        if skipped:
            previous = taken_from
            if taken_from is not None:
                first, starts = taken_from + timedelta(days=1), PREVIOUS_PAY_DATE
            else:  # none before: from the first day of the pay period of its first pay date passed over
                held_then = terms_on(terms, skipped[-1])
                first, starts = pay_period(held_then.first_pay_date or skipped[-1], str(held_then.frequency),
                                           skipped[-1])[0], ""
            if start_date is not None and start_date > first:
                first, starts = min(start_date, pay_date), AWARD_START
    other = other_award_instalment_by(other_awards, pay_date)
    if other is not None and other.pay_date >= first:
        first, starts = other.pay_date + timedelta(days=1), OTHER_AWARD
    else:
        other = None
    full_days = (pay_date - whole_first).days + 1
    days = (pay_date - first).days + 1
    if days <= 0:  # another award's instalment paid for every day up to this pay date
        return PaidDays(first, pay_date, full_days, (), 0, starts, previous, other, skipped)
    amounts: list[WeeklyAmountSpan] = []
    for start, end, span_terms in _spans_of_terms(terms, first, pay_date) if len(terms) > 1 else [
            (first, pay_date, held)]:
        if amounts and amounts[-1].weekly_pence == span_terms.weekly_pence:
            amounts[-1] = amounts[-1]._replace(last_day=end)
        else:
            amounts.append(WeeklyAmountSpan(span_terms.weekly_pence, start, end))
    numerator, denominator = (days, 7) if days != full_days else _WEEKS_FRACTION[frequency]
    paid = sum(a.weekly_pence * a.days for a in amounts)
    return PaidDays(first, pay_date, full_days, tuple(amounts), paid * numerator // (denominator * days), starts,
                    previous, other, skipped)


def sanction_over_period(benefit_pence: int, first_day: date, last_day: date,
                         sanctions: Iterable[SanctionSpan]) -> PeriodSanction:
    """What sanctions take off the benefit a pay date pays for the pay period ``first_day`` to ``last_day``
    (:func:`pay_period`) (recovery-rules.md §4: the instalment is taken from what is paid; events.md §2
    ``person.sanction``; **Decision**, docs/recovery-notes.md "Sanctions and legacy instalments"): every
    sanction in force on a day of the period reduces that day's benefit by its rate, the highest where
    sanctions overlap, pro rata by days: the benefit x the sum of each day's rate / 100 / the days of the
    period, rounded down to the penny, never more than the benefit. A sanction wholly between two pay dates
    reduces the benefit of the pay date after it; one in force on every day of the period takes its rate of
    the whole benefit (:func:`sanction_for_period`). A 100% sanction on 7 of 14 days of £40.00 takes £20.00."""
    relevant = [s for s in sanctions if s.rate_percent > 0 and s.first_day <= last_day and s.last_day >= first_day]
    spans: list[SanctionSpan] = []
    total = Decimal(0)
    day = first_day
    while day <= last_day:
        rate = max((s.rate_percent for s in relevant if s.first_day <= day <= s.last_day), default=Decimal(0))
        if rate:
            total += rate
            if spans and spans[-1].rate_percent == rate and spans[-1].last_day == day - timedelta(days=1):
                spans[-1] = spans[-1]._replace(last_day=day)
            else:
                spans.append(SanctionSpan(rate, day, day))
        day += timedelta(days=1)
    days = (last_day - first_day).days + 1
    pence = min(benefit_pence, int(Decimal(benefit_pence) * total // (100 * days))) if total else 0
    return PeriodSanction(first_day, last_day, tuple(spans), pence)


def sanction_for_period(benefit_pence: int, rate_percent: Decimal | None) -> int:
    """What a sanction of ``rate_percent`` takes off a pay period's benefit (events.md §2
    ``person.sanction``): that share of it, rounded down to the penny, never more than the benefit."""
    if not rate_percent:
        return 0
    return min(benefit_pence, int(benefit_pence * rate_percent / 100))


def _check(inp: LegacyInstalmentInput) -> list[DebtRecord]:
    if inp.benefit_pence < 0 or inp.existing_deductions_pence < 0:
        raise RecoveryInputError("benefit and deductions in place may not be negative")
    if inp.paid is not None and inp.paid.benefit_pence != inp.benefit_pence:
        raise RecoveryInputError("give the benefit for the days paid for once: as benefit_pence, the paid days'")
    if inp.sanction is not None and inp.sanction_pence not in (0, inp.sanction.pence):
        raise RecoveryInputError("give what a sanction takes once: as sanction_pence or as the sanction's pence")
    if not 0 <= _sanctioned(inp) <= inp.benefit_pence:
        raise RecoveryInputError("a sanction takes between nothing and all of the benefit")
    if inp.reduced_weekly_rate_pence is not None and inp.reduced_weekly_rate_pence < 0:
        raise RecoveryInputError("a reduced weekly rate may not be negative")
    if any(o.weekly_pence < inp.reduced_weekly_rate_pence if inp.reduced_weekly_rate_pence is not None else True
           for o in inp.other_rates):
        raise RecoveryInputError("a reduced weekly rate of another debt is lower than the one given")
    if any(d.balance_pence < 0 for d in inp.debts):
        raise RecoveryInputError("a debt balance may not be negative")
    return sorted((d for d in inp.debts if d.balance_pence > 0), key=sort_key)


def _sanctioned(inp: LegacyInstalmentInput) -> int:
    """What sanctions take off the pay period's benefit: the worked-out sanction's, else ``sanction_pence``."""
    return inp.sanction.pence if inp.sanction is not None else inp.sanction_pence


def _judged(inp: LegacyInstalmentInput, sanctioned: int, floor: int, floor_per_week: int, due: int
            ) -> tuple[int, int, int]:
    """``(benefit left above the floor, room for the instalment, the instalment due)`` as A9/2025 §24 judges
    them (:func:`_short_of_room`): in pence; for a pay date paying for fewer days than a whole pay period, in
    sevenths of a penny, from each day's exact share of the weekly amount and of the 10p floor, before either
    is rounded to the penny (**Decision**, docs/recovery-notes.md "The days a legacy pay date pays for"): an
    award that pays enough a week for the instalment and the floor is not found short over a part week by
    rounding alone (£14.05 a week for 25 days: £50.17 paid, 36p floor, £49.82 instalment), and no HB debt is
    returned for it; what the rounded floor leaves is then taken."""
    paid = inp.paid
    if paid is None or paid.short_days is None:
        left = inp.benefit_pence - sanctioned - floor
        return left, max(0, left - inp.existing_deductions_pence), due
    left = sum(a.weekly_pence * a.days for a in paid.amounts) - 7 * sanctioned - floor_per_week * paid.days
    return left, max(0, left - 7 * inp.existing_deductions_pence), 7 * due


def _short_of_room(benefit_left: int, room: int, due: int) -> LegacyOutcome:
    """A9/2025 §24: too little benefit for the instalment → INSUFFICIENT_BENEFIT; deductions already in
    place leave no room for it → MAXIMUM_DEDUCTIONS; otherwise the instalment is taken."""
    if benefit_left < due:
        return LegacyOutcome.INSUFFICIENT_BENEFIT
    if room < due:
        return LegacyOutcome.MAXIMUM_DEDUCTIONS
    return LegacyOutcome.DEDUCTED


def return_reason(debt: DebtRecord, left: int, scale: int, others_fraud: bool, pay_date: date,
                  frequency: PayFrequency, short_days: int | None, reduced_weekly_pence: int | None,
                  ) -> ReturnedDebt:
    """Why an HB debt a legacy instalment returns is returned (recovery-rules.md §4: "Where too little benefit
    is left for the instalment, an HB debt is returned (INSUFFICIENT_BENEFIT); where deductions already in
    place leave no room, it is returned (MAXIMUM_DEDUCTIONS)", A9/2025 §24; hb-debt-interface.md §6.5): its
    own instalment for the pay period is at the fraud rate for an HB fraud debt, the standard rate otherwise
    (a lower staff reduced rate in force: that rate). ``left`` is the benefit left above the floor, less any
    sanction, as :func:`_judged` gives it (``scale`` 7 when in sevenths of a penny, else 1). Below its own
    instalment: INSUFFICIENT_BENEFIT. Its own would fit, so the instalment is short only because another
    creditor's fraud debt (``others_fraud``: a DWP or HMRC fraud debt in recovery, Annex B item 17 before
    item 19) sets the fraud rate and takes the room: MAXIMUM_DEDUCTIONS (**Decision**,
    docs/recovery-notes.md "When an HB debt is returned MAXIMUM_DEDUCTIONS")."""
    fraud = debt.classification == "FRAUD"
    weekly, rate = legacy_weekly_rate(pay_date, fraud), "fraud" if fraud else "standard"
    if reduced_weekly_pence is not None and reduced_weekly_pence < weekly:
        weekly, rate = reduced_weekly_pence, "reduced"
    own = instalment_for_period(weekly, frequency, short_days)
    fits = others_fraud and left >= scale * own
    reason = LegacyOutcome.MAXIMUM_DEDUCTIONS if fits else LegacyOutcome.INSUFFICIENT_BENEFIT
    return ReturnedDebt(debt, reason, own, rate)


def calculate_legacy_instalment(inp: LegacyInstalmentInput) -> LegacyInstalmentResult:
    """The instalment of one pay date and its allocation across the debts in recovery order.

    Weekly rate (:func:`legacy_weekly_rate`, or a lower staff rate, A9/2025 §31) times the weeks in the pay
    period (:func:`instalment_for_period`; a pay date paying for fewer days than a whole pay period,
    ``inp.paid``, :func:`paid_days`, for those days / 7); never more than the debts' balances; the benefit
    never reduced below ``legacy.minimum_benefit_per_week`` a week (over the same weeks); HB debts returned with INSUFFICIENT_BENEFIT or
    MAXIMUM_DEDUCTIONS when there is not room for the instalment (A9/2025 §24), each for the reason of its own
    instalment (:func:`return_reason`); nothing taken when only HB debts were in recovery
    (``Rule.HB_DEBTS_RETURNED``). Sanctions over the pay period
    reduce the benefit paid (``sanction``, :func:`sanction_over_period`, or ``sanction_pence``); where only the sanction leaves too little room, what the floor
    leaves is taken and no HB debt is returned for it (**Decision**, docs/recovery-notes.md). The amount goes to the
    debts item by item in Annex B order, each item's part split equally between the owners with debts in it
    that rules a and b name (recovery-rules.md §3: items 16 and 18 DWP and LA, 17 and 19 DWP, HMRC and LA;
    A9/2025 §29), within an owner in recovery order, spilling over when one clears (A9/2025 §28)
    (:func:`dms.recovery.allocation.allocate_instalment`; **Decision**, docs/recovery-notes.md). A Social Fund
    loan takes at most its agreed amount for the pay period (:func:`agreed_amount_limits`; recovery-rules.md
    §3 item 14), what it cannot take going on to the next item; the debts never take more than their
    balances and those limits allow. The result names the fraud debts that set the fraud rate, or the staff
    reduced rate that is the weekly rate with the debt it is set on (:func:`reduced_rate_set`).
    """
    debts = _check(inp)
    short = inp.paid.short_days if inp.paid is not None else None
    fraud_debts = tuple(d for d in debts if d.classification == "FRAUD")
    fraud = bool(fraud_debts)
    limits = agreed_amount_limits(debts, inp.frequency, short)
    weekly, rule = legacy_weekly_rate(inp.pay_date, fraud), Rule.INSTALMENT
    reduced: ReducedWeeklyRate | None = None
    if inp.reduced_weekly_rate_pence is not None and inp.reduced_weekly_rate_pence < weekly:
        weekly, rule = inp.reduced_weekly_rate_pence, Rule.REDUCED_RATE
        reduced = reduced_rate_set(inp.reduced_weekly_rate_pence, inp.debts, inp.other_rates)
    weeks = weeks_in_period(inp.frequency, short)
    instalment = instalment_for_period(weekly, inp.frequency, short)
    floor_per_week: int = value("legacy.minimum_benefit_per_week", inp.pay_date)
    floor = benefit_floor_for_period(floor_per_week, inp.frequency, short)
    sanctioned = _sanctioned(inp)
    paid = inp.benefit_pence - sanctioned
    room = max(0, paid - inp.existing_deductions_pence - floor)
    due = min(instalment, sum(capacity_of(d, limits) for d in debts))
    # no days left to pay for (another award's instalment paid for them all, :func:`paid_days`): nothing is
    # due, and no HB debt is returned for the benefit of no days
    no_days = inp.paid is not None and inp.paid.days <= 0
    judged = _judged(inp, sanctioned, floor, floor_per_week, due)
    outcome = _short_of_room(*judged) if debts and not no_days else LegacyOutcome.NOTHING_DUE
    returned: tuple[int, ...] = ()
    reasons: tuple[ReturnedDebt, ...] = ()
    payees = debts if not no_days else []
    amount = due
    if outcome is LegacyOutcome.DEDUCTED and room < due:  # a part week's rounding: the room is taken
        amount, rule = room, Rule.BENEFIT_FLOOR
    rest_weekly_rate: int | None = None
    unsanctioned_room = max(0, inp.benefit_pence - inp.existing_deductions_pence - floor)
    if sanctioned and outcome is not LegacyOutcome.DEDUCTED and debts and unsanctioned_room >= due:
        # short of room only while the sanction lasts: what the floor leaves is taken, and no HB debt is
        # returned for it (a sanction returns HB debts only when 100% for 13 weeks or more, events.md §2)
        outcome, amount, rule = LegacyOutcome.DEDUCTED, min(room, due), Rule.SANCTION_REDUCED
    elif outcome in (LegacyOutcome.INSUFFICIENT_BENEFIT, LegacyOutcome.MAXIMUM_DEDUCTIONS):
        returned = hb_debt_ids(debts)
        payees = [d for d in debts if d.owner_kind != "LA"]
        if outcome is LegacyOutcome.INSUFFICIENT_BENEFIT:  # each HB debt for its own instalment's reason
            short_judged = inp.paid is not None and inp.paid.short_days is not None
            reasons = tuple(return_reason(d, judged[0], 7 if short_judged else 1,
                                          any(p.classification == "FRAUD" for p in payees), inp.pay_date,
                                          inp.frequency, short, inp.reduced_weekly_rate_pence)
                            for d in debts if d.owner_kind == "LA")
            if reasons and all(r.reason is LegacyOutcome.MAXIMUM_DEDUCTIONS for r in reasons):
                outcome = LegacyOutcome.MAXIMUM_DEDUCTIONS
        else:  # deductions in place outside DMS (``existing_deductions_pence``) leave no room
            reasons = tuple(ReturnedDebt(d, outcome, 0, "") for d in debts if d.owner_kind == "LA")
        # the debts left are recovered at their own rate: standard unless one of them is a fraud debt (a
        # returned HB fraud debt no longer sets the fraud rate; recovery-rules.md §4), within the room left
        rest_weekly = legacy_weekly_rate(inp.pay_date, any(d.classification == "FRAUD" for d in payees))
        rest_rule = Rule.INSTALMENT
        if inp.reduced_weekly_rate_pence is not None and inp.reduced_weekly_rate_pence < rest_weekly:
            rest_weekly, rest_rule = inp.reduced_weekly_rate_pence, Rule.REDUCED_RATE
        rest_due = min(instalment_for_period(rest_weekly, inp.frequency, short),
                       sum(capacity_of(d, limits) for d in payees))
        amount = min(room, rest_due)
        rule = (Rule.HB_DEBTS_RETURNED if not payees
                else rest_rule if amount == rest_due else Rule.BENEFIT_FLOOR)
        if returned and payees and rest_weekly != weekly:
            rest_weekly_rate = rest_weekly
    shares = allocate_instalment(amount, payees, rule, limits)
    allocations = tuple(Allocation(s.debt.debt_id, s.debt.owner_kind, s.debt.la_id, s.amount, s.rule, s.item,
                                   s.shared_by, s.split,
                                   agreed_amount_note(s.debt, s.amount, limits.get(s.debt.debt_id), inp.frequency,
                                                      short))
                        for s in shares)
    cleared = tuple(s.debt.debt_id for s in shares if 0 < s.amount == s.debt.balance_pence)
    limited = any(capacity_of(d, limits) < d.balance_pence for d in payees)
    return LegacyInstalmentResult(inp.pay_date, PayFrequency(inp.frequency), outcome, fraud, weekly, weeks,
                                  instalment, floor, sum(a.amount_pence for a in allocations), allocations,
                                  returned, rule, inp.benefit_pence, inp.existing_deductions_pence,
                                  sanctioned, rest_weekly_rate, cleared, fraud_debts, limited, reduced,
                                  inp.sanction if sanctioned else None, inp.paid, reasons)


def reduced_rate_set(weekly_pence: int, debts: Iterable[DebtRecord],
                     others: Iterable[ReducedWeeklyRate] = ()) -> ReducedWeeklyRate:
    """The staff reduced rate ``weekly_pence`` that is an instalment's weekly rate, with the debt it is set on:
    of ``debts`` and of ``others`` (the rates on the person's debts the instalment does not recover from,
    cleared or returned: a rate is the person's until its review date), the one whose reduced rate per week
    it is (the lowest in force sets the person's weekly rate, **Decision**, docs/recovery-notes.md "Reduced
    (affordable) rates"; of equal rates, the lower debt id's, as a UC period's limit, ``uc._group``), for
    the explanation to name it (A9/2025 §31; recovery-rules.md §3: "why this amount?" from the explanation
    alone); one of ``others`` as given (named by the caller). No debt when none carries that rate."""
    holders = [d.debt_id for d in debts if d.reduced_weekly_rate_pence == weekly_pence]
    other = min((o for o in others if o.weekly_pence == weekly_pence and o.debt_id is not None),
                key=lambda o: o.debt_id or 0, default=None)
    if other is not None and other.debt_id is not None and (not holders or other.debt_id < min(holders)):
        return other
    return ReducedWeeklyRate(weekly_pence, min(holders) if holders else None)


def reverse_missed_instalment(allocations: Iterable[Allocation]) -> tuple[Allocation, ...]:
    """A missed instalment (``benefit.payment_missed``) is reversed (recovery-rules.md §4): the same
    allocations with the amounts negated, to post as the REVERSAL of each DEDUCTION."""
    return tuple(replace(a, amount_pence=-a.amount_pence) for a in allocations)


def is_pay_date(first_pay_date: date | None, frequency: str | None, day: date) -> bool:
    """Whether a legacy award pays on ``day`` (events.md §2 ``legacy``: ``pay_frequency``, ``first_pay_date``):
    weekly, fortnightly and four-weekly awards every 7, 14 or 28 days from ``first_pay_date``; a monthly award
    on the day of the month of ``first_pay_date``, or on the last day of a month too short for it. The same
    rule as the daily run's query of instalments due (``services.recovery_load``)."""
    if first_pay_date is None or frequency is None or day < first_pay_date:
        return False
    step = {"WEEKLY": 7, "FORTNIGHTLY": 14, "FOUR_WEEKLY": 28}.get(frequency)
    if step is not None:
        return (day - first_pay_date).days % step == 0
    if frequency != "MONTHLY":
        return False
    last = calendar.monthrange(day.year, day.month)[1]
    return day.day == first_pay_date.day or (first_pay_date.day > day.day == last)


def latest_pay_date(first_pay_date: date | None, frequency: str | None, on: date) -> date | None:
    """The latest day on or before ``on`` that a legacy award pays on (:func:`is_pay_date`'s rule, events.md §2
    ``legacy``: ``pay_frequency``, ``first_pay_date``; monthly, the month's last day when it is too short for
    the day), or None when it has none by then: the last pay date by ``on``, which pays, in arrears, for the
    pay period ending on it (:func:`pay_period`). Weekly from 2025-06-02: on 2025-06-11, 2025-06-09."""
    if first_pay_date is None or frequency is None or on < first_pay_date:
        return None
    step = _STEP_DAYS.get(str(frequency))
    if step is not None:
        return on - timedelta(days=(on - first_pay_date).days % step)
    if str(frequency) != PayFrequency.MONTHLY:
        return None
    day = _monthly_pay_day(on.year, on.month, first_pay_date.day)
    if day > on:  # this month's pay day is still to come: the month before's
        year, month = (on.year - 1, 12) if on.month == 1 else (on.year, on.month - 1)
        day = _monthly_pay_day(year, month, first_pay_date.day)
    return day if day >= first_pay_date else None


def missed_instalments_outcome(missed_count: int, other_prescribed_benefit: bool, on: date) -> str | None:
    """Three missed instalments with no other prescribed benefit in payment return an HB debt with reason
    MISSED_INSTALMENTS (recovery-rules.md §4; A9/2025 §24; ``legacy.missed_instalments_limit``).
    Returns the reason, or ``None`` while recovery goes on."""
    if missed_count < 0:
        raise RecoveryInputError("a count of missed instalments may not be negative")
    limit: int = value("legacy.missed_instalments_limit", on)
    if missed_count >= limit and not other_prescribed_benefit:
        return MISSED_INSTALMENTS
    return None


def hb_debt_ids(debts: Sequence[DebtRecord]) -> tuple[int, ...]:
    """The HB (LA) debts among ``debts``: those a legacy outcome returns."""
    return tuple(d.debt_id for d in debts if d.owner_kind == "LA")


LEGACY_PARAMETERS = (
    "legacy.personal_allowance_25_or_over", "legacy.standard_units_per_week", "legacy.fraud_units_per_week",
    "legacy.minimum_benefit_per_week", "legacy.missed_instalments_limit",
)


def first_pay_date_with_rules() -> date:
    """The first pay date DMS holds the legacy rules for: the latest first date of the parameters an
    instalment reads (recovery-rules.md §4: the rates from 2024-04-08). An instalment due before it cannot be
    worked out, so the daily run refuses to run a date before it."""
    return max(get_parameter(name).dates[0] for name in LEGACY_PARAMETERS)
