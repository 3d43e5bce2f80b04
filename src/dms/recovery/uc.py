"""The Universal Credit deduction engine: one assessment period, Annex B order and caps (pure).

Source: recovery-rules.md §2-3; HB circular A9/2025 Annex B (priority of deductions from UC); SI 2013/380
Sch 6. Entry point :func:`calculate_uc_period`. Parameters are read once per (period start, claimant type)
(:func:`uc_rates`); the explanation is kept as compact steps and rendered as text only on demand.

Decisions taken here (each in one named place):

- every third-party item but the rent arrears further part is a set rate taken whole or not at all
  (:meth:`_Run.third_party`);
- Flat Rate Maintenance (item 4) is one of the three third-party deductions of Sch 6 para 3(1)(b): para
  3(2)(e) names "payments in place of payments of child support maintenance" among them. While it "may go
  above the cap" it is taken first, in full,
  and does not use up the cap's room, so items 3-22 still have the whole cap (taken first, it would
  otherwise always fit and the exception would have no effect); otherwise it is item 4 within the cap
  (:meth:`_Run.take_whole`);
- rent arrears is one third-party item: the rate asked for in all is split into the first part (item 8,
  10%: "the minimum rate", so 10% also when less is asked) and the further part (item 22, up to 20% in
  all), and the further part is taken only with the first; an amount up to a maximum, not a set rate, it
  takes what the room under the cap and above the minimum payable leaves (:meth:`_Run.rent_further_part`);
- a third-party item asked at 0.00 (events.md §2: "0.00" when none) is a request for nothing, for every
  category: nothing is taken, rent arrears' 10% minimum rate included (:meth:`_Run.third_party_limit`);
- ongoing consumption of fuel and water is taken whenever its item has one of the three places, outside
  the cap (:meth:`_Run.ongoing`);
- items 1-2 reduce the award and are limited only by it; the 1p minimum payable limits everything after
  them (:func:`calculate_uc_period`);
- a reduced rate set by staff (A9/2025 §31) is the person's: the lowest in force on any debt the period
  recovers, or on another of the person's debts until its review date (``UcPeriodInput.other_rates``),
  limits what the period takes for all its debts together (items 3, 5, 6, 14-19), taken in Annex B order;
  third-party items keep their own rates and the cap's room (:func:`_group`, :meth:`_Run.debt_item`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache

from dms.money import five_percent_unit, format_pounds, percent_of
from dms.parameters import ParameterError, get_parameter, value
from dms.recovery.allocation import item_of, order_within_owner, sharing_owners, split_between_owners
from dms.recovery.types import (
    DebtLimit,
    DebtRecord,
    DeductionLine,
    ExplanationStep,
    LineKind,
    RecoveryInputError,
    Rule,
    ThirdPartyCategory,
    ThirdPartyItem,
    UcPeriodInput,
    UcPeriodResult,
)

ITEM_OF_CATEGORY: dict[str, int] = {
    ThirdPartyCategory.FLAT_RATE_MAINTENANCE: 4,
    ThirdPartyCategory.SERVICE_CHARGES: 7,
    ThirdPartyCategory.RENT_ARREARS: 8,
    ThirdPartyCategory.GAS: 9,
    ThirdPartyCategory.ELECTRICITY: 10,
    ThirdPartyCategory.COUNCIL_TAX: 11,
    ThirdPartyCategory.FINES: 12,
    ThirdPartyCategory.WATER: 13,
    ThirdPartyCategory.INTEGRATION_LOAN: 20,
    ThirdPartyCategory.ELIGIBLE_LOAN: 21,
}
ONGOING_ITEMS = frozenset({9, 10, 13})  # fuel and water: ongoing consumption outside the cap (Annex B)
FRM_ITEM = 4
RENT_FIRST_ITEM = 8
RENT_FURTHER_ITEM = 22
SOCIAL_FUND_ITEM = 14


@dataclass(frozen=True, slots=True)
class UcRates:
    """Every figure the engine needs for periods starting on one date, for one claimant type."""

    standard_allowance_pence: int
    standard_allowance_from: date
    cap_rate: Decimal
    cap_pence: int
    unit_pence: int
    minimum_payable_pence: int
    max_third_party_items: int
    frm_above_cap: bool
    item_limit: dict[int, int]  # pence, by Annex B item (share-of-allowance and 5%-unit items)
    frm_by_scheme: dict[str, int]
    order_position: dict[int, int]
    sanction_exception_items: frozenset[int]


UC_PERIOD_PARAMETERS = (
    "uc.standard_allowance", "uc.overall_cap", "uc.item_maximum", "uc.third_party_units",
    "uc.flat_rate_maintenance", "uc.annex_b_order", "uc.sanction_exception_items", "uc.minimum_payable",
    "uc.max_third_party_items", "uc.flat_rate_maintenance_above_cap",
)


@lru_cache(maxsize=1)
def first_period_start() -> date:
    """The first assessment-period start DMS holds the UC rules for: the latest first date of the parameters
    :func:`uc_rates` reads (recovery-rules.md §2: the standard allowance from 2024-04-08). A period starting
    before it cannot be worked out, so an event reporting one is refused at import."""
    return max(get_parameter(name).dates[0] for name in UC_PERIOD_PARAMETERS)


@lru_cache(maxsize=1024)
def uc_rates(period_start: date, claimant_type: str, cap_rate_override: Decimal | None = None) -> UcRates:
    """The figures in force for an assessment period starting on ``period_start`` (recovery-rules.md §2):
    standard allowance (by period start), overall cap (``uc.overall_cap``, rounded down), the 5% unit
    (rounded up to 5p), each item's maximum (``uc.item_maximum``, ``uc.third_party_units``), Flat Rate
    Maintenance per scheme (the 1993 scheme is one 5% unit), and the Annex B order (``uc.annex_b_order``).

    ``cap_rate_override`` (a fraction, e.g. ``Decimal("0.15")``) replaces ``uc.overall_cap`` for a what-if
    (a change of cap replayed over the book, ``dms rerate``); every other figure stays the one in force."""
    try:
        allowance = value("uc.standard_allowance", period_start, claimant_type)
    except ParameterError as error:
        raise RecoveryInputError(f"claimant type {claimant_type!r}: {error}") from None
    allowance_from = get_parameter("uc.standard_allowance").in_force_from(period_start)
    cap_rate: Decimal = value("uc.overall_cap", period_start) if cap_rate_override is None else cap_rate_override
    if not Decimal(0) <= cap_rate <= Decimal(1):
        raise RecoveryInputError(f"overall cap rate {cap_rate} is not between 0 and 1 (0% to 100%)")
    unit = five_percent_unit(allowance)
    maxima = value("uc.item_maximum", period_start).items()
    limits: dict[int, int] = {int(k): int(percent_of(allowance, rate)) for k, rate in maxima}
    for key, units in value("uc.third_party_units", period_start).items():
        limits[int(key)] = int(units * unit)
    frm: dict[str, int] = dict(value("uc.flat_rate_maintenance", period_start))
    frm["1993"] = unit
    order = [int(i) for i in str(value("uc.annex_b_order", period_start)).split()]
    exception_items = str(value("uc.sanction_exception_items", period_start)).split()
    return UcRates(
        standard_allowance_pence=allowance,
        standard_allowance_from=allowance_from,
        cap_rate=cap_rate,
        cap_pence=percent_of(allowance, cap_rate),
        unit_pence=unit,
        minimum_payable_pence=value("uc.minimum_payable", period_start),
        max_third_party_items=value("uc.max_third_party_items", period_start),
        frm_above_cap=value("uc.flat_rate_maintenance_above_cap", period_start),
        item_limit=limits,
        frm_by_scheme=frm,
        order_position={item: position for position, item in enumerate(order)},
        sanction_exception_items=frozenset(int(i) for i in exception_items),
    )


class _Run:
    """The running state of one period: cap used, room above the minimum payable, lines and steps."""

    __slots__ = ("rates", "period", "cap_used", "payable_room", "third_parties_taken", "lines", "steps",
                 "sanction_applies", "rent_first_taken", "debt_room")

    def __init__(self, rates: UcRates, period: UcPeriodInput, payable_room: int) -> None:
        self.rates = rates
        self.period = period
        self.cap_used = 0
        self.payable_room = payable_room
        self.third_parties_taken = 0
        self.lines: list[DeductionLine] = []
        self.steps: list[ExplanationStep] = []
        self.sanction_applies = period.sanction_pence > 0 or period.fraud_penalty_pence > 0
        self.rent_first_taken = False
        self.debt_room: int | None = None  # what a staff reduced rate still lets the debts take, when one applies

    def room(self) -> int:
        """Room left under the overall cap (recovery-rules.md §3: the cap limits the sum of items 3-22)."""
        left = self.rates.cap_pence - self.cap_used
        return left if left > 0 else 0

    def step(self, item: int, subject: str, limit: int, taken: int, room_before: int, rule: Rule,
             maximum: int | None = None) -> int:
        left = self.rates.cap_pence - self.cap_used
        steps = self.steps
        steps.append(ExplanationStep(item, subject, limit, taken, room_before, left if left > 0 else 0,
                                     self.payable_room + taken, rule, maximum))
        return len(steps) - 1

    def third_party(self, item: int, tp: ThirdPartyItem) -> None:
        """A third-party item (Annex B items 4, 7-13, 20-21), taken whole or not at all (DWP practice,
        recovery-rules.md §3), or the rent arrears further part (item 22, :meth:`rent_further_part`); at most
        ``uc.max_third_party_items`` items (Sch 6 para 3(1)(b); Flat Rate Maintenance among them, para
        3(2)(e)), lower priority ones not taken; items 7-10 above the cap while a sanction or fraud penalty
        applies (Annex B); Flat Rate Maintenance first and above the cap while
        ``uc.flat_rate_maintenance_above_cap`` (SI 2025/387)."""
        if item == RENT_FURTHER_ITEM:
            self.rent_further_part(tp)
            return
        limit, limit_rule, maximum = self.third_party_limit(item, tp)
        if self.third_parties_taken >= self.rates.max_third_party_items:  # its limit shown, nothing taken
            waits = limit_rule if limit_rule is Rule.NOTHING_ASKED else Rule.THIRD_PARTY_LIMIT
            self.step(item, tp.category, limit, 0, self.room(), waits, maximum)
            if item in ONGOING_ITEMS and tp.ongoing_pence > 0:  # its ongoing consumption waits with it
                self.step(item, f"{tp.category} ongoing", tp.ongoing_pence, 0, self.room(), Rule.THIRD_PARTY_LIMIT)
            return
        took_ongoing = item in ONGOING_ITEMS and tp.ongoing_pence > 0 and self.ongoing(item, tp)
        above_cap = (item == FRM_ITEM and self.rates.frm_above_cap) or (
            self.sanction_applies and item in self.rates.sanction_exception_items)
        taken = self.take_whole(item, tp, limit, limit_rule, above_cap, maximum)
        if taken or took_ongoing:
            self.third_parties_taken += 1

    def take_whole(self, item: int, tp: ThirdPartyItem, limit: int, limit_rule: Rule, above_cap: bool,
                   maximum: int | None = None) -> int:
        """Take ``limit`` whole, or nothing (a set rate; recovery-rules.md §3 "whole or not at all");
        ``maximum``, the item's maximum when a lower rate was asked (kept in the step's explanation whatever
        rule then stopped or set the amount)."""
        room = self.room()
        if limit <= 0:
            rule, taken = limit_rule, 0
        elif limit > self.payable_room:
            rule, taken = Rule.MINIMUM_PAYABLE, 0
        elif limit > room and not above_cap:
            rule, taken = (Rule.CAP_FULL if room == 0 else Rule.WHOLE_OR_NOTHING), 0
        elif item == FRM_ITEM and above_cap:
            rule, taken = Rule.FRM_ABOVE_CAP, limit
            self.payable_room -= taken
        else:
            taken, rule = limit, (Rule.SANCTION_EXCEPTION if limit > room else limit_rule)
            self.cap_used += taken
            self.payable_room -= taken
        if item == RENT_FIRST_ITEM:
            self.rent_first_taken = taken > 0
        return self.third_party_taken(item, tp, limit, taken, room, rule, maximum)

    def take_up_to(self, item: int, tp: ThirdPartyItem, limit: int, limit_rule: Rule,
                   maximum: int | None = None) -> int:
        """Take ``limit`` or as much of it as the room under the cap and above the minimum payable leaves (an
        amount "up to" a maximum, not a set rate: recovery-rules.md §3); the rule records which of them set
        the amount (:func:`_room_rule`)."""
        room = self.room()
        taken = min(limit, room, self.payable_room)
        rule = limit_rule if taken == limit else _room_rule(taken, room)
        self.cap_used += taken
        self.payable_room -= taken
        return self.third_party_taken(item, tp, limit, taken, room, rule, maximum)

    def third_party_taken(self, item: int, tp: ThirdPartyItem, limit: int, taken: int, room: int, rule: Rule,
                          maximum: int | None) -> int:
        """Record a third-party item's step and, when something was taken, its line; returns ``taken``."""
        index = self.step(item, tp.category, limit, taken, room, rule, maximum)
        if taken:
            self.lines.append(DeductionLine(item, LineKind.THIRD_PARTY, taken, None, None, None,
                                            tp.category, rule, rule, index))
        return taken

    def third_party_limit(self, item: int, tp: ThirdPartyItem) -> tuple[int, Rule, int | None]:
        """The set rate of a third-party item: the item's maximum (Annex B: one 5% unit, rent first part
        10%, Flat Rate Maintenance by scheme) or the lower rate asked for; but rent arrears' first part is
        10% also when less is asked, 10% being "the minimum rate" (Annex B item 8, recovery-rules.md §3).
        An amount of 0.00 asks for nothing (events.md §2, "0.00" when none; **Decision**, docs/recovery-notes.md
        "The Annex B items"), for every category alike: the limit is nothing (``NOTHING_ASKED``), not the
        item's maximum nor rent arrears' minimum rate, which is the least taken when rent arrears are asked.
        The third value is the item's maximum when a lower rate was asked (for the explanation), else None."""
        if item == FRM_ITEM:
            maximum = self.rates.frm_by_scheme.get(tp.scheme or "")
            if maximum is None:
                raise RecoveryInputError(
                    f"Flat Rate Maintenance scheme {tp.scheme!r} is not one of 2012, 2003, 1993")
        else:
            maximum = self.rates.item_limit[item]
        if tp.amount_pence == 0:  # a request for nothing (events.md §2)
            return 0, Rule.NOTHING_ASKED, None
        if tp.amount_pence is not None and tp.amount_pence < maximum:
            if item == RENT_FIRST_ITEM:  # "10% (this is the minimum rate)" (Annex B item 8)
                return maximum, Rule.MINIMUM_RATE, None
            return tp.amount_pence, Rule.REQUESTED_RATE, maximum
        return maximum, Rule.ITEM_MAXIMUM, None

    def rent_further_part(self, tp: ThirdPartyItem) -> None:
        """Rent arrears further part (Annex B item 22): "up to 20% in all with item 8" (recovery-rules.md §3),
        the rate asked for beyond the first part, at most 20% in all less the first part's 10% (what item 8
        takes whenever it is taken, :meth:`third_party_limit`). Taken only with the first part (its step
        otherwise says so: ``RENT_FIRST_PART_NOT_TAKEN``), as the same
        third-party item (not counted again towards ``uc.max_third_party_items``). An amount up to a maximum,
        not a set rate, so not whole or nothing: it takes what the room under the cap and above the minimum
        payable leaves (:meth:`take_up_to`; **Decision**, docs/recovery-notes.md "The Annex B items")."""
        limits = self.rates.item_limit
        asked = tp.amount_pence if tp.amount_pence is not None else limits[RENT_FIRST_ITEM]
        total = min(asked, limits[RENT_FURTHER_ITEM])
        further = total - min(total, limits[RENT_FIRST_ITEM])
        if further <= 0:
            return
        if not self.rent_first_taken:
            self.step(RENT_FURTHER_ITEM, tp.category, further, 0, self.room(), Rule.RENT_FIRST_PART_NOT_TAKEN)
            return
        most = limits[RENT_FURTHER_ITEM] - limits[RENT_FIRST_ITEM]
        if further < most:
            self.take_up_to(RENT_FURTHER_ITEM, tp, further, Rule.REQUESTED_RATE, most)
        else:
            self.take_up_to(RENT_FURTHER_ITEM, tp, further, Rule.ITEM_MAXIMUM)

    def ongoing(self, item: int, tp: ThirdPartyItem) -> bool:
        """Ongoing consumption for fuel and water (items 9, 10, 13): never counts towards the cap (Annex
        B); taken whole while the 1p minimum payable allows (Sch 6 para 3(1)(a))."""
        amount = tp.ongoing_pence
        fits = amount <= self.payable_room
        if fits:
            self.payable_room -= amount
        rule = Rule.ONGOING_OUTSIDE_CAP if fits else Rule.MINIMUM_PAYABLE
        index = self.step(item, f"{tp.category} ongoing", amount, amount if fits else 0, self.room(), rule)
        if fits:
            self.lines.append(DeductionLine(item, LineKind.ONGOING_CONSUMPTION, amount, None, None, None,
                                            tp.category, rule, rule, index))
        return fits

    def debt_item(self, item: int, debts: list[DebtRecord]) -> None:
        """A debt item (Annex B items 3, 5, 6, 14-19): up to the item's maximum (15%; item 14 the agreed
        amount of each loan, and for the loans referred without one, together, the 15% maximum), the room
        under the cap and above the minimum payable, what a staff reduced rate still lets the person's debts
        take this period (A9/2025 §31: the lowest rate in force on any of them limits what they take in all,
        item by item in Annex B order; **Decision**, docs/recovery-notes.md "Reduced (affordable) rates"), and
        what the debts can take (balance, agreed amount, their own reduced rate). Debts may take part of their
        maximum (recovery-rules.md §3); the amount is then allocated by :func:`split_between_owners`."""
        capacity: dict[int, int] = {}
        total = agreed = 0
        default = self.rates.item_limit[item]
        without_agreed = False
        for debt in debts:
            can = debt.balance_pence
            if debt.reduced_rate_pence is not None and debt.reduced_rate_pence < can:
                can = debt.reduced_rate_pence
            if item == SOCIAL_FUND_ITEM:
                rate = debt.agreed_amount_pence
                if rate is None:
                    rate, without_agreed = default, True
                else:
                    agreed += rate
                can = rate if rate < can else can
            capacity[debt.debt_id] = can
            total += can
        if without_agreed:
            # item 14: each loan up to its agreed amount; the loans referred without one (events.md §3: it is
            # optional) take together at most the item's maximum, as one item of the other kinds does, first
            # in recovery order (Decision, recovery-notes.md)
            pool = default
            for debt in order_within_owner(debts, item, self.period.joint):
                if debt.agreed_amount_pence is None:
                    can = min(capacity[debt.debt_id], pool)
                    total -= capacity[debt.debt_id] - can
                    capacity[debt.debt_id] = can
                    pool -= can
        if item == SOCIAL_FUND_ITEM:
            limit = agreed + (default if without_agreed else 0)
        else:
            limit = default
        maximum: int | None = None
        debt_room = self.debt_room
        if debt_room is not None and debt_room < limit:
            maximum, limit = limit, debt_room  # the staff rate's room left limits the item (A9/2025 §31)
        room = self.room()
        amount = min(limit, total, room, self.payable_room)
        rule = _debt_item_rule(amount, limit, total, room, maximum is not None)
        self.cap_used += amount
        self.payable_room -= amount
        if debt_room is not None:
            self.debt_room = debt_room - amount
        index = self.step(item, _subject(debts), limit, amount, room, rule, maximum)
        if amount <= 0:
            return
        owners = sharing_owners(item, debts)
        shared_by = ""
        split: tuple[int, ...] = ()
        if owners:
            shared_by = ", ".join(owners[:-1]) + " and " + owners[-1]
            split = (amount, *(sum(capacity[d.debt_id] for d in debts if d.owner_kind == o) for o in owners))
        partners: dict[int, tuple[int, ...]] = {}
        for debt, share, how in split_between_owners(amount, debts, capacity, item, self.period.joint, partners):
            note = ""
            if item == SOCIAL_FUND_ITEM and debt.agreed_amount_pence is None:
                note = (f"it was referred without an agreed amount: the loans without one take together at most "
                        f"the item's maximum, £{format_pounds(default)} a period")
            elif item == SOCIAL_FUND_ITEM and share == capacity[debt.debt_id] < debt.balance_pence \
                    and debt.reduced_rate_pence != share:
                note = f"its agreed amount £{format_pounds(share)} a period set its share (the most it takes)"
            shares_it = debt.owner_kind in owners
            halves = partners.get(debt.debt_id, ())  # hb-debt-interface.md §6.4: the split between partners
            self.lines.append(DeductionLine(item, LineKind.DEBT, share, debt.owner_kind, debt.la_id,
                                            debt.debt_id, None, rule, how, index,
                                            shared_by if shares_it else "", note, split if shares_it else (),
                                            halves[1:], halves[0] if halves else 0))


def _subject(debts: list[DebtRecord]) -> str:
    """The debt type(s) of an item, for its explanation step."""
    if len(debts) == 1:
        return debts[0].debt_type
    return "+".join(sorted({d.debt_type for d in debts}))


def _debt_item_rule(amount: int, limit: int, total: int, room: int, limit_reduced: bool) -> Rule:
    """Which limit set a debt item's amount (for the explanation); ``limit_reduced``: the limit is what a
    staff reduced rate still lets the debts take this period, lower than the item's maximum."""
    if amount == limit:
        return Rule.REDUCED_RATE if limit_reduced else Rule.ITEM_MAXIMUM
    if amount == total:
        return Rule.DEBT_BALANCE
    return _room_rule(amount, room)


def _room_rule(amount: int, room: int) -> Rule:
    """Which of the room under the overall cap and the 1p minimum payable set an amount below its limit."""
    if amount == room:
        return Rule.CAP_FULL if room == 0 else Rule.CAP_ROOM
    return Rule.MINIMUM_PAYABLE


def _outside_order(run: _Run, period: UcPeriodInput) -> int:
    """Annex B items 1-2: the conditionality sanction and the fraud (loss of benefit) penalty, taken
    before the order and outside the cap, limited only by the award. Returns the amount taken."""
    taken = 0
    for item, kind, asked in ((1, LineKind.SANCTION, period.sanction_pence),
                              (2, LineKind.FRAUD_PENALTY, period.fraud_penalty_pence)):
        if asked < 0:
            raise RecoveryInputError(f"{kind.lower()} of {asked} pence is negative")
        if asked == 0:
            continue
        amount = min(asked, period.award_amount_pence - taken)
        taken += amount
        run.steps.append(ExplanationStep(item, kind, asked, amount, run.rates.cap_pence,
                                         run.rates.cap_pence, period.award_amount_pence - taken + amount,
                                         Rule.OUTSIDE_ORDER))
        if amount:
            run.lines.append(DeductionLine(item, kind, amount, "DWP", None, None, None, Rule.OUTSIDE_ORDER,
                                           Rule.OUTSIDE_ORDER, len(run.steps) - 1))
    return taken


def _group(period: UcPeriodInput) -> tuple[dict[int, list[DebtRecord]], dict[int, ThirdPartyItem],
                                          DebtLimit | None]:
    """The period's debts and third-party items by Annex B item (debts with no balance left out), and the
    lowest staff reduced rate in force on any of those debts or given in ``other_rates`` (on the person's
    debts the period does not recover from: cleared, returned, ...; of equal rates, the lower debt id's): it
    limits what the period takes for all of them (A9/2025 §31; recovery-rules.md §4; **Decision**,
    docs/recovery-notes.md "Reduced (affordable) rates": the rate is the person's, and on a joint award the
    couple's, whichever debt it is set on, until its review date, also once that debt has cleared)."""
    by_item: dict[int, list[DebtRecord]] = {}
    seen: set[int] = set()
    limit: DebtLimit | None = None
    for debt in period.debts:
        if debt.balance_pence < 0 or debt.debt_id in seen:
            raise RecoveryInputError(f"debt {debt.debt_id}: negative balance or passed twice")
        seen.add(debt.debt_id)
        if debt.balance_pence:
            by_item.setdefault(item_of(debt), []).append(debt)
            rate = debt.reduced_rate_pence
            if rate is not None and (limit is None or rate < limit.amount_pence
                                     or rate == limit.amount_pence and debt.debt_id < limit.debt_id):
                if rate < 0:
                    raise RecoveryInputError(f"debt {debt.debt_id}: reduced rate of {rate} pence is negative")
                limit = DebtLimit(rate, debt.debt_id)
    for other in period.other_rates:
        if other.amount_pence < 0:
            raise RecoveryInputError(f"debt {other.debt_id}: reduced rate of {other.amount_pence} pence is negative")
        if other.debt_id in seen:
            raise RecoveryInputError(f"debt {other.debt_id}: passed as a debt and as another debt's rate")
        if limit is None or other.amount_pence < limit.amount_pence or (
                other.amount_pence == limit.amount_pence and other.debt_id < limit.debt_id):
            limit = other
    third: dict[int, ThirdPartyItem] = {}
    for tp in period.third_party:
        if not isinstance(tp.category, ThirdPartyCategory):
            raise RecoveryInputError(f"third-party category {tp.category!r} is not a ThirdPartyCategory")
        item = ITEM_OF_CATEGORY.get(tp.category)
        negative = tp.ongoing_pence < 0 or (tp.amount_pence is not None and tp.amount_pence < 0)
        if item is None or item in third or negative:
            raise RecoveryInputError(f"third-party item {tp.category!r}: unknown, repeated or negative")
        third[item] = tp
        if item == RENT_FIRST_ITEM:
            third[RENT_FURTHER_ITEM] = tp
    return by_item, third, limit


def calculate_uc_period(period: UcPeriodInput, cap_rate_override: Decimal | None = None) -> UcPeriodResult:
    """The deductions from one UC assessment period, in Annex B order (recovery-rules.md §3).

    Items 1-2 outside the order; then items 3-22 in ``uc.annex_b_order``, each up to its own maximum while
    the overall cap (``uc.overall_cap`` of the standard allowance, rounded down) has room; Flat Rate
    Maintenance first and above the cap while ``uc.flat_rate_maintenance_above_cap``; UC payable after all
    deductions never below ``uc.minimum_payable`` (Sch 6 para 3(1)(a)); the debts together never more than
    the lowest staff reduced rate in force on any of them (A9/2025 §31; ``UcPeriodResult.debt_limit``). Every
    line and step records the rule that set or stopped its amount.

    ``cap_rate_override`` replaces the overall cap in force (a what-if: :func:`uc_rates`); None (the
    default) uses ``uc.overall_cap`` for the period's start.
    """
    if period.award_amount_pence < 0:
        raise RecoveryInputError(f"award amount {period.award_amount_pence} pence is negative")
    rates = uc_rates(period.period_start, period.claimant_type, cap_rate_override)
    run = _Run(rates, period, 0)
    taken_outside = _outside_order(run, period)
    run.payable_room = max(0, period.award_amount_pence - taken_outside - rates.minimum_payable_pence)
    by_item, third, debt_limit = _group(period)
    if debt_limit is not None:
        run.debt_room = debt_limit.amount_pence
    position = rates.order_position
    items = sorted([*by_item, *third], key=position.__getitem__)
    if rates.frm_above_cap and FRM_ITEM in third:
        items.remove(FRM_ITEM)
        items.insert(0, FRM_ITEM)
    for item in items:
        tp = third.get(item)
        if tp is not None:
            run.third_party(item, tp)
        else:
            run.debt_item(item, by_item[item])
    total = sum(line.amount_pence for line in run.lines)
    return UcPeriodResult(period.period_start, rates.standard_allowance_pence, rates.standard_allowance_from,
                          rates.cap_rate, rates.cap_pence, period.award_amount_pence, tuple(run.lines),
                          tuple(run.steps), total, run.cap_used, period.award_amount_pence - total, debt_limit,
                          period.claimant_type, period.period_end)
