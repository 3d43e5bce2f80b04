"""Inputs and outputs of the deduction engines (pure, immutable records).

Source: recovery-rules.md §3 (UC, Annex B of HB circular A9/2025) and §4 (legacy benefits). All money is
whole pence (``int``); rates are ``Decimal``; dates are ``datetime.date``. See ``README.md`` for the API.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple


class RecoveryInputError(ValueError):
    """An engine input is not valid (negative money, an unknown category or claimant type ...)."""


class ThirdPartyCategory(StrEnum):
    """Third-party deductions of Annex B (recovery-rules.md §3), with their item number in ITEM_OF."""

    FLAT_RATE_MAINTENANCE = "FLAT_RATE_MAINTENANCE"  # item 4 (scheme 2012, 2003 or 1993)
    SERVICE_CHARGES = "SERVICE_CHARGES"  # item 7, owner/occupier service charge arrears
    RENT_ARREARS = "RENT_ARREARS"  # item 8 (first part) and item 22 (further part)
    GAS = "GAS"  # item 9 (+ ongoing consumption)
    ELECTRICITY = "ELECTRICITY"  # item 10 (+ ongoing consumption)
    COUNCIL_TAX = "COUNCIL_TAX"  # item 11
    FINES = "FINES"  # item 12
    WATER = "WATER"  # item 13 (+ ongoing consumption)
    INTEGRATION_LOAN = "INTEGRATION_LOAN"  # item 20
    ELIGIBLE_LOAN = "ELIGIBLE_LOAN"  # item 21


# Each category as events.md §2 names it (``uc.assessment_period`` ``third_party`` ``category``): the name a
# deduction's ``ref`` and its explanation give a third-party item (the engine's own codes appear in no spec).
EVENT_CATEGORY: dict[ThirdPartyCategory, str] = {
    ThirdPartyCategory.SERVICE_CHARGES: "OWNER_OCCUPIER_SERVICE_CHARGES",
    ThirdPartyCategory.RENT_ARREARS: "RENT_ARREARS",
    ThirdPartyCategory.GAS: "GAS_ARREARS",
    ThirdPartyCategory.ELECTRICITY: "ELECTRICITY_ARREARS",
    ThirdPartyCategory.COUNCIL_TAX: "COUNCIL_TAX_ARREARS",
    ThirdPartyCategory.FINES: "FINES",
    ThirdPartyCategory.WATER: "WATER_ARREARS",
    ThirdPartyCategory.ELIGIBLE_LOAN: "ELIGIBLE_LOAN",
    ThirdPartyCategory.INTEGRATION_LOAN: "INTEGRATION_LOAN",
    ThirdPartyCategory.FLAT_RATE_MAINTENANCE: "FLAT_RATE_MAINTENANCE",
}


class LineKind(StrEnum):
    SANCTION = "SANCTION"  # Annex B item 1, outside the order
    FRAUD_PENALTY = "FRAUD_PENALTY"  # Annex B item 2, outside the order
    THIRD_PARTY = "THIRD_PARTY"  # a third-party item (arrears or maintenance)
    ONGOING_CONSUMPTION = "ONGOING_CONSUMPTION"  # fuel or water ongoing consumption, outside the cap
    DEBT = "DEBT"  # a deduction to one debt held by DMS


class Rule(StrEnum):
    """Why an amount is what it is (or why nothing was taken). Rendered by ``explanation.py``."""

    OUTSIDE_ORDER = "OUTSIDE_ORDER"  # items 1-2, taken before the order and outside the cap
    ITEM_MAXIMUM = "ITEM_MAXIMUM"  # the item's own maximum set the amount
    CAP_ROOM = "CAP_ROOM"  # the room left under the overall cap set the amount
    CAP_FULL = "CAP_FULL"  # no room left under the overall cap: nothing taken
    WHOLE_OR_NOTHING = "WHOLE_OR_NOTHING"  # a fixed-rate third-party item did not fit whole: nothing taken
    THIRD_PARTY_LIMIT = "THIRD_PARTY_LIMIT"  # three third-party items already taken: not taken
    SANCTION_EXCEPTION = "SANCTION_EXCEPTION"  # items 7-10 taken over the cap while a sanction applies
    FRM_ABOVE_CAP = "FRM_ABOVE_CAP"  # Flat Rate Maintenance taken first and above the cap
    ONGOING_OUTSIDE_CAP = "ONGOING_OUTSIDE_CAP"  # ongoing consumption, never counted towards the cap
    MINIMUM_PAYABLE = "MINIMUM_PAYABLE"  # the 1p minimum payable set or stopped the amount
    DEBT_BALANCE = "DEBT_BALANCE"  # what the debts could take (balances, agreed or reduced rates) set it
    REQUESTED_RATE = "REQUESTED_RATE"  # the third party's requested rate (below the item maximum) set it
    MINIMUM_RATE = "MINIMUM_RATE"  # rent arrears first part: 10% is the minimum rate, even when less is asked
    NOTHING_ASKED = "NOTHING_ASKED"  # a third-party item asked at 0.00: a request for nothing, nothing taken
    RENT_FIRST_PART_NOT_TAKEN = "RENT_FIRST_PART_NOT_TAKEN"  # item 22 not taken: item 8 was not taken
    # How an item's amount reached one debt (allocation):
    SOLE_DEBT = "SOLE_DEBT"  # the only debt of the item
    SPLIT_EQUALLY = "SPLIT_EQUALLY"  # Annex B rule a / b: split equally between owners
    JOINT_FIRST = "JOINT_FIRST"  # Annex B rule c: DWP joint debts first on a joint award
    SPLIT_JOINT_FIRST = "SPLIT_JOINT_FIRST"  # rules a / b between owners, then rule c within DWP's share
    PARTNERS_EQUALLY = "PARTNERS_EQUALLY"  # hb-debt-interface.md §6.4: partners' HB debts share equally
    FIRST_IN_ORDER = "FIRST_IN_ORDER"  # the first of the item's debts in recovery order
    RECOVERY_ORDER = "RECOVERY_ORDER"  # next debt in recovery order (spill-over when one clears)
    # Legacy outcomes (A9/2025 §24):
    INSTALMENT = "INSTALMENT"  # the instalment for the pay period
    REDUCED_RATE = "REDUCED_RATE"  # a staff affordability rate (A9/2025 §31)
    BENEFIT_FLOOR = "BENEFIT_FLOOR"  # the 10p-a-week floor limited the amount
    HB_DEBTS_RETURNED = "HB_DEBTS_RETURNED"  # nothing taken: every debt in recovery was an HB debt, returned
    SANCTION_REDUCED = "SANCTION_REDUCED"  # a sanction reduced the benefit: what the floor left was taken


@dataclass(frozen=True, slots=True)
class DebtRecord:
    """One debt as the engines see it (plain data, no database).

    ``owner_kind`` is DWP, HMRC or LA; ``la_id`` for LA debts; ``owner_person`` identifies which partner of
    a couple owns it (HB partners share equally, hb-debt-interface.md §6.4); ``joint`` marks a DWP joint debt
    (Annex B rule c). ``agreed_amount_pence`` is the Social Fund loan's agreed amount per assessment period
    (item 14; events.md §3), which the legacy engine converts to the pay period.
    ``reduced_rate_pence`` is a staff affordability rate (A9/2025 §31) per UC assessment period and
    ``reduced_weekly_rate_pence`` the same rate per legacy week (one set in the other unit is converted,
    rounded down); pass them only while in force (before the review date). The lowest of a UC period's debts
    limits what the period takes for all of them (:class:`DebtLimit`). ``creditor_ref`` is the
    creditor's reference for the debt, for explanations that name a debt (the fraud debts that set a legacy
    instalment's rate); "" when not given.
    """

    debt_id: int
    owner_kind: str
    debt_type: str
    classification: str
    balance_pence: int
    received_on: date
    receipt_seq: int
    created_on: date
    la_id: str | None = None
    joint: bool = False
    owner_person: int | None = None
    agreed_amount_pence: int | None = None
    reduced_rate_pence: int | None = None
    reduced_weekly_rate_pence: int | None = None
    creditor_ref: str = ""


@dataclass(frozen=True, slots=True)
class ThirdPartyItem:
    """A third-party deduction asked for in the period.

    ``amount_pence`` is the rate the third party asks for (``None``: the item's maximum; 0: nothing asked, so
    nothing taken, events.md §2); it is never taken above the item's maximum. For RENT_ARREARS it is the rate asked for in all (items 8 + 22). ``scheme`` is
    the child maintenance scheme for FLAT_RATE_MAINTENANCE ("2012", "2003" or "1993"). ``ongoing_pence`` is
    the ongoing consumption for GAS, ELECTRICITY and WATER (outside the cap).
    """

    category: ThirdPartyCategory
    amount_pence: int | None = None
    ongoing_pence: int = 0
    scheme: str | None = None
    reference: str = ""


@dataclass(frozen=True, slots=True)
class UcPeriodInput:
    """One UC assessment period of one award (a single claimant or a couple).

    ``claimant_type`` is a key of ``uc.standard_allowance`` (SINGLE_UNDER_25, SINGLE_25_OR_OVER,
    JOINT_UNDER_25, JOINT_25_OR_OVER), looked up by ``period_start``. ``award_amount_pence`` is UC payable
    before any deduction (and before items 1-2). ``debts`` are the person's (or the couple's) debts in
    recovery, in any order. ``other_rates`` are the staff reduced rates in force, per assessment period, on
    the person's (or the couple's) debts the period does not recover from (cleared, returned, ...): a rate is
    the person's until its review date, whichever debt it is set on, so they limit what the period takes for
    debts as the debts' own rates do (A9/2025 §31; **Decision**, docs/recovery-notes.md "Reduced
    (affordable) rates").
    """

    period_start: date
    period_end: date
    payment_date: date
    claimant_type: str
    award_amount_pence: int
    joint: bool = False
    sanction_pence: int = 0
    fraud_penalty_pence: int = 0
    third_party: tuple[ThirdPartyItem, ...] = ()
    debts: tuple[DebtRecord, ...] = ()
    other_rates: tuple[DebtLimit, ...] = ()


class DebtLimit(NamedTuple):
    """What limits a UC period's deductions for debts (Annex B items 3, 5, 6, 14-19) in all: the lowest
    reduced rate set by staff in force on any debt the period recovers (A9/2025 §31; **Decision**,
    docs/recovery-notes.md "Reduced (affordable) rates"), per assessment period, and the debt it is set on.
    The engine knows only these two; for the explanation the caller may add the debt's reference, who set
    the rate and its review date (``ref``, ``set_by``, ``until``), the rate as agreed per week when it was
    agreed on a legacy benefit (``per_week_pence``, which the UC engine reads x 52/12, rounded down:
    :func:`dms.recovery.legacy.rate_per`) and, for a rate set on a debt the period does not recover from
    (:attr:`UcPeriodInput.other_rates`), that debt's status (``status``: CLEARED, RETURNED, ...)."""

    amount_pence: int
    debt_id: int
    ref: str = ""
    set_by: str = ""
    until: date | None = None
    per_week_pence: int | None = None
    status: str = ""


class ReducedWeeklyRate(NamedTuple):
    """The staff reduced rate that is a legacy instalment's weekly rate (A9/2025 §31; **Decision**,
    docs/recovery-notes.md "Reduced (affordable) rates": the lowest in force on any of the person's debts in
    recovery), per week, and the debt it is set on (of equal rates, the lower debt id's; None when no debt
    passed to the engine carries it). The engine knows only these two; for the explanation the caller may add,
    as for a UC period's :class:`DebtLimit`, the debt's reference, who set the rate and its review date
    (``ref``, ``set_by``, ``until``) and, for a rate agreed per UC assessment period, the rate as agreed
    (``per_period_pence``), which the legacy engine reads x 12/52, rounded down
    (:func:`dms.recovery.legacy.rate_per`), and, for a rate set on a debt the instalment does not recover
    from (:attr:`LegacyInstalmentInput.other_rates`), that debt's status (``status``: CLEARED, ...)."""

    weekly_pence: int
    debt_id: int | None = None
    ref: str = ""
    set_by: str = ""
    until: date | None = None
    per_period_pence: int | None = None
    status: str = ""


class SanctionSpan(NamedTuple):
    """A sanction (events.md §2 ``person.sanction``): its rate and the first and last days it is in force
    (from its start date for its weeks); also a run of days of a pay period under one highest rate
    (:class:`PeriodSanction`)."""

    rate_percent: Decimal
    first_day: date
    last_day: date

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1


@dataclass(frozen=True, slots=True)
class PeriodSanction:
    """What sanctions take off the benefit a legacy pay date pays (recovery-rules.md §4; events.md §2
    ``person.sanction``; **Decision**, docs/recovery-notes.md "Sanctions and legacy instalments"): the pay
    period it pays for (``first_day`` to ``last_day``, the pay date: paid in arrears), the days of it under a
    sanction as runs of the highest rate in force on each day (``spans``), and the benefit they take
    (``pence``: the benefit x the sum of each day's rate / the days of the period, rounded down)."""

    first_day: date
    last_day: date
    spans: tuple[SanctionSpan, ...]
    pence: int

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1


class LegacyPayTerms(NamedTuple):
    """A legacy award's pay terms in force from ``from_day`` (None: from its start) until the next terms of its
    history (events.md §2: ``award.started`` gives ``weekly_amount``, ``pay_frequency`` and ``first_pay_date``;
    ``award.changed`` "new values from ``occurred_on``"), for the days a pay date pays for (:class:`PaidDays`)."""

    from_day: date | None
    weekly_pence: int
    frequency: str
    first_pay_date: date | None


class WeeklyAmountSpan(NamedTuple):
    """A run of days of a legacy pay period with the award's weekly amount in force on them (:class:`PaidDays`)."""

    weekly_pence: int
    first_day: date
    last_day: date

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1


AWARD_START = "AWARD_START"  # the days a pay date pays for start on the award's start date
PREVIOUS_PAY_DATE = "PREVIOUS_PAY_DATE"  # ... on the day after the award's previous pay date
OTHER_AWARD = "OTHER_AWARD"  # ... on the day after an instalment taken from another of the person's legacy awards


class OtherAwardInstalment(NamedTuple):
    """A pay date on which an instalment was taken (a deduction TAKEN, not reversed) from another of the
    person's legacy awards, with that award's benefit: it paid, in arrears, for the days up to and including
    it, so a pay date of the award now taken from pays for no day up to it (recovery-rules.md §4; **Decision**,
    docs/recovery-notes.md "The days a legacy pay date pays for"; :class:`PaidDays`)."""

    pay_date: date
    benefit: str


@dataclass(frozen=True, slots=True)
class PaidDays:
    """The days a legacy pay date pays for, in arrears, and the benefit it pays for them (recovery-rules.md §4;
    events.md §2; **Decision**, docs/recovery-notes.md "The days a legacy pay date pays for"): ``first_day`` to
    ``last_day`` (the pay date); ``full_days``, the days of a whole pay period of its frequency ending on it
    (7, 14, 28, or monthly the days since the previous month's pay day); ``starts`` why it starts later than
    that whole period (:data:`AWARD_START`, :data:`PREVIOUS_PAY_DATE` with ``previous_pay_date``,
    :data:`OTHER_AWARD` with ``other_award``, the instalment taken from another of the person's legacy awards
    that paid for the days before; "" when it does not); ``passed_over``, the award's own pay dates before it
    on which another of the person's legacy awards was preferred to it, which paid for none of the person's
    days, so its days go back over them (then possibly more than a whole pay period's); ``amounts``, the
    weekly amount in force on each run
    of its days; ``benefit_pence``, the sum of each day's share of the weekly amount in force that day, rounded
    down (:func:`dms.recovery.legacy.paid_days`). No days at all (``first_day`` the day after ``last_day``)
    when another award's instalment already paid for every day up to the pay date: no benefit, no amounts."""

    first_day: date
    last_day: date
    full_days: int
    amounts: tuple[WeeklyAmountSpan, ...]
    benefit_pence: int
    starts: str = ""
    previous_pay_date: date | None = None
    other_award: OtherAwardInstalment | None = None
    passed_over: tuple[date, ...] = ()  # the award's own pay dates before it, on which another was preferred

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    @property
    def short_days(self) -> int | None:
        """The days paid for when not a whole pay period's, else None (a whole period): fewer, or more after a
        pay date of the award passed over for another award (``passed_over``), each taken as days / 7."""
        return self.days if self.days != self.full_days else None

    @property
    def ordinary(self) -> bool:
        """A whole pay period at one weekly amount: worked out, and explained, as every pay date was before."""
        return self.short_days is None and len(self.amounts) <= 1 and not self.passed_over


class DeductionLine(NamedTuple):
    """One amount taken. ``item`` is the Annex B item (1-22); ``rule`` is why the item's amount is what it
    is; ``allocation`` is how this line's share of the item was found (debts), else equal to ``rule``.
    ``step`` indexes the period's explanation steps (``UcPeriodResult.steps``).

    An immutable named tuple rather than a dataclass: several are built per assessment period on the hot
    path, and a tuple is built several times faster than a frozen dataclass."""

    item: int
    kind: LineKind
    amount_pence: int
    creditor_kind: str | None
    la_id: str | None
    debt_id: int | None
    category: ThirdPartyCategory | None
    rule: Rule
    allocation: Rule
    step: int
    # The owners an item's amount was split equally between (Annex B rules a and b), "DWP and LA" say, for a
    # line of one of them; "" otherwise. ``split``: the item's amount and what each of those owners' debts could
    # take, in that order, for the explanation to give the split's figures when asked
    # (:func:`dms.recovery.explanation.owners_split_text`); () otherwise.
    shared_by: str = ""
    # What else set this line's share, in words ("its agreed amount £10.00 set its share"); "" when nothing.
    note: str = ""
    split: tuple[int, ...] = ()
    # An owner's amount shared equally between the HB debts of both partners (hb-debt-interface.md §6.4), for a
    # line of one of those debts: the amount shared and what each partner's debts could take, partners in
    # recovery order (:func:`dms.recovery.explanation.partners_split_text`); () otherwise. ``partner``: the
    # index among them of the partner owing this line's debt.
    partners_split: tuple[int, ...] = ()
    partner: int = 0

    @property
    def item_name(self) -> str:
        from dms.recovery.explanation import ITEM_NAMES

        return ITEM_NAMES[self.item]


class ExplanationStep(NamedTuple):
    """One item considered, in the order considered (a compact, structured explanation).

    ``subject`` is the third-party category or the debt type(s) of the item. ``limit_pence`` is the item's
    own limit (maximum or requested rate), ``taken_pence`` what was taken, ``room_before``/``room_after``
    the room under the overall cap around it (never negative), ``payable_room`` the room above the minimum
    payable before it, and ``rule`` what set or stopped the amount. ``maximum_pence`` is the item's maximum
    when the third party asked for a lower rate (the limit), else None: the explanation says so whichever
    rule then applied (taken above the cap, say).
    """

    item: int
    subject: str
    limit_pence: int
    taken_pence: int
    room_before: int
    room_after: int
    payable_room: int
    rule: Rule
    maximum_pence: int | None = None


@dataclass(frozen=True, slots=True)
class UcPeriodResult:
    """The deductions of one assessment period and why.

    ``capped_total_pence`` is what counts towards the overall cap (items 3-22 except ongoing consumption,
    and Flat Rate Maintenance while it is taken above the cap);
    ``total_pence`` is the sum of all lines; ``payable_pence`` = award − total. ``debt_limit`` is the staff
    reduced rate that limited what was taken for debts in all, when one was in force (:class:`DebtLimit`).
    ``claimant_type`` is the type that chose the standard allowance, the one in force on the period's last day
    ``period_end`` (docs/events-notes.md), for the explanation's header.
    """

    period_start: date
    standard_allowance_pence: int
    standard_allowance_from: date
    cap_rate: Decimal
    cap_pence: int
    award_amount_pence: int
    lines: tuple[DeductionLine, ...]
    steps: tuple[ExplanationStep, ...]
    total_pence: int
    capped_total_pence: int
    payable_pence: int
    debt_limit: DebtLimit | None = None
    claimant_type: str = ""
    period_end: date | None = None

    def explain(self) -> str:
        """The whole period's explanation as text (rendered on demand)."""
        from dms.recovery.explanation import render_period

        return render_period(self)

    def explain_line(self, line: DeductionLine) -> str:
        """Why this line's amount: one paragraph of text (rendered on demand)."""
        from dms.recovery.explanation import render_line

        return render_line(self, line)


class PayFrequency(StrEnum):
    WEEKLY = "WEEKLY"
    FORTNIGHTLY = "FORTNIGHTLY"
    FOUR_WEEKLY = "FOUR_WEEKLY"
    MONTHLY = "MONTHLY"


class LegacyOutcome(StrEnum):
    DEDUCTED = "DEDUCTED"  # the instalment (or what room allowed, for non-HB debts) was taken
    NOTHING_DUE = "NOTHING_DUE"  # no debt with a balance, or no day left to pay for (``PaidDays.days`` 0)
    INSUFFICIENT_BENEFIT = "INSUFFICIENT_BENEFIT"  # the benefit is too small for the instalment (§24)
    # the benefit would cover an HB debt's own instalment, but deductions already in place leave no room for
    # it: another creditor's fraud debt in recovery before it, which sets the fraud rate (§24;
    # docs/recovery-notes.md "When an HB debt is returned MAXIMUM_DEDUCTIONS")
    MAXIMUM_DEDUCTIONS = "MAXIMUM_DEDUCTIONS"


MISSED_INSTALMENTS = "MISSED_INSTALMENTS"


@dataclass(frozen=True, slots=True)
class LegacyInstalmentInput:
    """One pay date of a legacy benefit.

    ``benefit_pence`` is the benefit for the pay period before any recovery deduction; ``paid``, when given,
    the days the pay date pays for (:class:`PaidDays`, whose ``benefit_pence`` it then is): fewer than a whole
    pay period's, the instalment, the floor and a Social Fund loan's limit are for those days;
    ``existing_deductions_pence`` are deductions already in place from it outside DMS (third parties and
    others; no input carries any today, so the daily run and ``dms rerate`` pass none; the recovery of another
    creditor's fraud debt is judged from ``debts``: docs/recovery-notes.md "When an HB debt is returned
    MAXIMUM_DEDUCTIONS").
    ``reduced_weekly_rate_pence`` is a staff affordability rate per week (A9/2025 §31), passed only while
    it is in force. ``sanction_pence`` is what sanctions take off the benefit (``benefit_pence`` is before
    it); ``sanction``, when given, is how it was worked out over the pay period (:class:`PeriodSanction`), and
    its ``pence`` is then what they take. ``other_rates`` are the staff reduced rates in force, per week, on
    the person's debts the instalment does not recover from (cleared, returned, ...), each with its debt:
    ``reduced_weekly_rate_pence`` is then the lowest of theirs and the debts' own (A9/2025 §31;
    **Decision**, docs/recovery-notes.md "Reduced (affordable) rates"), and the result names its debt.
    """

    pay_date: date
    frequency: PayFrequency
    benefit_pence: int
    debts: tuple[DebtRecord, ...]
    existing_deductions_pence: int = 0
    reduced_weekly_rate_pence: int | None = None
    sanction_pence: int = 0  # what sanctions take off the benefit for the period
    sanction: PeriodSanction | None = None  # the sanctions over the pay period, when any were worked out
    other_rates: tuple[ReducedWeeklyRate, ...] = ()
    paid: PaidDays | None = None  # the days the pay date pays for (None: a whole pay period, as before)


class ReturnedDebt(NamedTuple):
    """An HB debt a legacy instalment returns (A9/2025 §24; recovery-rules.md §4), with its reason and the
    figures that chose it: ``own_instalment_pence``, its own instalment for the pay period at ``own_rate``
    ("fraud" for an HB fraud debt, else "standard"; "reduced" when a staff reduced rate is lower): the reason
    is INSUFFICIENT_BENEFIT when the room is below it, MAXIMUM_DEDUCTIONS when it fits but another
    creditor's fraud debt, recovered before it at the fraud rate, leaves no room
    (:func:`dms.recovery.legacy.return_reason`)."""

    debt: DebtRecord
    reason: LegacyOutcome
    own_instalment_pence: int
    own_rate: str


@dataclass(frozen=True, slots=True)
class Allocation:
    """An amount credited to one debt and why it reached that debt (``rule``). A legacy instalment's share
    also records its debt's Annex B ``item`` and, where the item's part was split equally between owners
    (Annex B rules a and b, recovery-rules.md §3-4), those owners in words (``shared_by``, "DWP, HMRC and
    LA") and ``split``: the item's part and what each of those owners' debts could take, in that order, for
    the explanation (as a UC line's, :class:`DeductionLine`); ``note``, what else set the share, in words
    ("its agreed amount £25.00 a period (£23.04 for this pay period) set its share"), "" when nothing."""

    debt_id: int
    creditor_kind: str
    la_id: str | None
    amount_pence: int
    rule: Rule
    item: int | None = None
    shared_by: str = ""
    split: tuple[int, ...] = ()
    note: str = ""


@dataclass(frozen=True, slots=True)
class LegacyInstalmentResult:
    """The instalment of one pay date.

    ``weekly_rate_pence`` is the rate in force (standard, fraud or reduced), ``instalment_pence`` that rate
    for the pay period, ``floor_pence`` the 10p-a-week floor for the period, ``benefit_pence`` the benefit
    paid for the period (``existing_deductions_pence`` already taken from it), ``amount_pence`` what is taken
    (= Σ allocations). ``hb_debts_to_return`` lists the HB debts to return when the outcome is
    INSUFFICIENT_BENEFIT or MAXIMUM_DEDUCTIONS, and ``returned`` each with its own reason
    (:class:`ReturnedDebt`); the outcome is MAXIMUM_DEDUCTIONS when every one of them is returned for it. ``fraud_debts`` are the debts in
    recovery classified FRAUD, which set the fraud rate (``fraud_rate``), in recovery order; () when none.
    ``reduced_rate``: the staff reduced rate when it is the weekly rate (:class:`ReducedWeeklyRate`), whatever
    then limited what was taken (the floor, a sanction), else None.
    ``agreed_limited``: a Social Fund loan's agreed amount for the pay period is below its balance, so the
    debts can take less than they owe (less than the instalment may then be taken though they owe more).
    """

    pay_date: date
    frequency: PayFrequency
    outcome: LegacyOutcome
    fraud_rate: bool
    weekly_rate_pence: int
    weeks: Decimal
    instalment_pence: int
    floor_pence: int
    amount_pence: int
    allocations: tuple[Allocation, ...]
    hb_debts_to_return: tuple[int, ...]
    rule: Rule
    benefit_pence: int = 0  # the benefit paid for the pay period, before deductions
    existing_deductions_pence: int = 0  # deductions already made from it
    sanction_pence: int = 0  # what a sanction took off the benefit
    # when HB debts were returned and the debts left have a weekly rate of their own (a returned HB fraud debt
    # set the fraud rate; the rest are non-fraud): that rate, at which they were taken
    rest_weekly_rate_pence: int | None = None
    cleared_debts: tuple[int, ...] = ()  # the debts whose whole balance their share took (cleared by it)
    fraud_debts: tuple[DebtRecord, ...] = ()
    agreed_limited: bool = False
    reduced_rate: ReducedWeeklyRate | None = None
    sanction: PeriodSanction | None = None  # how the sanctions over the pay period were worked out
    paid: PaidDays | None = None  # the days the pay date pays for, when given
    returned: tuple[ReturnedDebt, ...] = ()  # the HB debts returned, each with its reason

    @property
    def short_days(self) -> int | None:
        """The days paid for when fewer than a whole pay period's (the instalment, floor and limits are for
        them), else None."""
        return self.paid.short_days if self.paid is not None else None

    def explain(self) -> str:
        from dms.recovery.explanation import render_legacy

        return render_legacy(self)
