"""Explanations of deductions as text, rendered on demand from the engines' structured steps (pure).

Source: recovery-rules.md §3: "Every deduction DMS calculates carries its explanation: the standard
allowance and its date, the cap and room at each step, each item considered with the rule that set its
amount or stopped it." The engines keep compact ``ExplanationStep`` tuples; text is built only when asked.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any

from dms.money import five_percent_unit, format_pounds, split_equal, split_with_capacity
from dms.recovery.legacy import instalment_for_period, weekly_rate_basis, weeks_text, weeks_words
from dms.recovery.types import (
    AWARD_START,
    EVENT_CATEGORY,
    PREVIOUS_PAY_DATE,
    Allocation,
    DebtLimit,
    DebtRecord,
    DeductionLine,
    ExplanationStep,
    LegacyInstalmentResult,
    OtherAwardInstalment,
    PaidDays,
    ReducedWeeklyRate,
    ReturnedDebt,
    Rule,
    UcPeriodResult,
)

ITEM_NAMES: dict[int, str] = {
    1: "Conditionality sanction",
    2: "Fraud (loss of benefit) penalty",
    3: "Short-term advances",
    4: "Flat Rate Maintenance (child maintenance)",
    5: "First month advance",
    6: "Budgeting advance",
    7: "Owner/occupier service charge arrears",
    8: "Rent arrears, first part",
    9: "Gas arrears",
    10: "Electricity arrears",
    11: "Council Tax arrears",
    12: "Fines",
    13: "Water arrears",
    14: "Social Fund loan",
    15: "Recoverable hardship payment",
    16: "Administrative penalty",
    17: "Fraud overpayments",
    18: "Civil penalty",
    19: "Normal overpayments",
    20: "Integration loan arrears",
    21: "Eligible loan arrears",
    22: "Rent arrears, further part",
}

RULE_TEXT: dict[Rule, str] = {
    Rule.OUTSIDE_ORDER: "taken before the Annex B order and outside the overall cap (Annex B items 1-2)",
    Rule.ITEM_MAXIMUM: "the item's own maximum set the amount (Annex B)",
    Rule.CAP_ROOM: "the room left under the overall cap set the amount (Sch 6 para 4; Annex B)",
    Rule.CAP_FULL: "nothing taken: no room left under the overall cap",
    Rule.WHOLE_OR_NOTHING: "nothing taken: a set-rate third-party item is taken whole or not at all and "
    "the room left under the cap could not take all of it",
    Rule.THIRD_PARTY_LIMIT: "not taken: three third-party items already taken (Sch 6 para 3(1)(b)); "
    "lower-priority items wait",
    Rule.SANCTION_EXCEPTION: "taken above the overall cap: a priority item (housing or fuel) while a "
    "sanction or fraud penalty applies (Annex B)",
    Rule.FRM_ABOVE_CAP: "Flat Rate Maintenance taken first, in full and above the overall cap, not using "
    "its room (SI 2025/387)",
    Rule.ONGOING_OUTSIDE_CAP: "ongoing consumption, never counted towards the overall cap (Annex B)",
    Rule.MINIMUM_PAYABLE: "limited so that UC payable stays at least the minimum of 1p (Sch 6 para 3(1)(a))",
    Rule.DEBT_BALANCE: "what the debts could take (their balances or agreed amounts) set the amount",
    Rule.REQUESTED_RATE: "the rate the third party asked for, below the item's maximum",
    Rule.MINIMUM_RATE: "rent arrears are taken at 10% at least, the minimum rate, though less was asked "
    "(Annex B item 8; recovery-rules.md §3)",
    Rule.NOTHING_ASKED: "nothing taken: the third party asked for nothing (an amount of 0.00, events.md §2), so "
    "there is nothing to take, at the item's maximum or any minimum rate",
    Rule.RENT_FIRST_PART_NOT_TAKEN: "nothing taken: the further part of rent arrears is taken only with the "
    "first part (item 8), and item 8 was not taken this period (its step says why); an amount up to a maximum, "
    "the further part is not itself taken whole or not at all (Annex B items 8 and 22; recovery-rules.md §3)",
    Rule.SOLE_DEBT: "the only debt in this item",
    Rule.FIRST_IN_ORDER: "the first of the item's debts in recovery order (oldest first; for HB debts fraud "
    "first, then the oldest received, hb-debt-interface.md §6.4)",
    Rule.SPLIT_EQUALLY: "the item's amount split equally between the owners with debts in it that Annex B "
    "rules a and b name (DWP and LA for items 16 and 18; DWP, HMRC and LA for 17 and 19; A9/2025 §29), "
    "leftover pence going to them in that order and an owner whose debts cannot take its share passing the "
    "rest on",
    Rule.JOINT_FIRST: "DWP joint debts first on a joint award (Annex B rule c)",
    Rule.SPLIT_JOINT_FIRST: "the item's amount split equally between the owners with debts in it that Annex "
    "B rules a and b name (A9/2025 §29), leftover pence going to them in that order; within DWP's share, its "
    "joint debts first on a joint award (Annex B rule c)",
    Rule.PARTNERS_EQUALLY: "HB debts of both partners shared equally (hb-debt-interface.md §6.4), each "
    "partner's half in recovery order; a partner whose debts cannot take their half passing the rest on",
    Rule.RECOVERY_ORDER: "next in recovery order: it took what the debts before it could not (a debt before "
    "it cleared, or took all it could: its agreed amount) (A9/2025 §28)",
    Rule.INSTALMENT: "the instalment at the set weekly rate for the pay period (SI 1988/664 reg 16)",
    Rule.REDUCED_RATE: "a lower rate set by staff after an affordability request (A9/2025 §31): on UC it limits "
    "what the period takes for all the person's debts together, on a legacy benefit it is the weekly rate",
    Rule.BENEFIT_FLOOR: "limited so the benefit is not reduced below 10p a week (A9/2025 §24)",
    Rule.HB_DEBTS_RETURNED: "nothing taken: every debt in recovery is an HB debt returned (A9/2025 §24), so no "
    "debt is left to take for",
    Rule.SANCTION_REDUCED: "a sanction reduced the benefit paid, so only what the 10p-a-week floor leaves was "
    "taken (A9/2025 §24); HB debts are returned for a sanction only when it is 100% for 13 weeks or more "
    "(events.md person.sanction), so none is returned for this",
}


def _p(amount: int) -> str:
    return "£" + format_pounds(amount)


_RULE_LETTER = {16: "a", 18: "a", 17: "b", 19: "b"}


def _listed(words: list[str]) -> str:
    return ", ".join(words[:-1]) + " and " + words[-1] if len(words) > 1 else "".join(words)


def owners_split_text(amount: int, owners: tuple[str, ...], capacities: list[int]) -> str:
    """The owners an item's ``amount`` was split equally between (Annex B rules a and b) with the split's
    figures (A9/2025 §29; ``dms.money.split_with_capacity``): the equal shares, each owner whose debts could
    take less than its share, and what each then took, so that a line's amount can be followed from its
    explanation alone (recovery-rules.md §3). ``capacities``: what each owner's debts could take."""
    text = f"{_listed(list(owners))}: {_p(amount)} in equal shares of {_listed([_p(e) for e in split_equal(amount, len(owners))])}"
    equal = split_equal(amount, len(owners))
    short = [(owner, can) for owner, can, share in zip(owners, capacities, equal, strict=True) if can < share]
    if short:
        parts = split_with_capacity(amount, capacities)
        text += "; " + "; ".join(f"{owner}'s debts could take only {_p(can)}" for owner, can in short)
        text += (f", so the rest went on to the others, giving "
                 f"{_listed([f'{owner} {_p(part)}' for owner, part in zip(owners, parts, strict=True)])}")
    return text


def partners_split_text(owner: str | None, shared_by: str, partners_split: Sequence[int], partner: int) -> str:
    """An owner's amount shared equally between the HB debts of both partners of a couple (hb-debt-interface.md
    §6.4) with the split's figures, in the style of :func:`owners_split_text`: the amount shared (the owner's
    share when the item was split between owners, ``shared_by``, else the item's amount), the halves, each
    partner whose debts could take less than their half, and what each partner's debts then took, so that a
    partner's line can be followed from its explanation alone (recovery-rules.md §3). ``partners_split``: the
    amount and what each partner's debts could take, partners in recovery order; ``partner``: which of them owes
    the line's debt."""
    amount, capacities = partners_split[0], list(partners_split[1:])
    def who(index: int) -> str:
        if index == partner:
            return "the partner owing this debt"
        return "the other partner" if len(capacities) == 2 else f"partner {index + 1}"
    equal = split_equal(amount, len(capacities))
    shared = f"{owner}'s share" if shared_by and owner else "the item's amount"
    text = (f"{shared} {_p(amount)} in equal shares of "
            f"{_listed([f'{_p(half)} to {who(i)}' for i, half in enumerate(equal)])}")
    short = [(i, can) for i, (can, half) in enumerate(zip(capacities, equal, strict=True)) if can < half]
    if short:
        parts = split_with_capacity(amount, capacities)
        text += "; " + "; ".join(f"{who(i)}'s debts could take only {_p(can)}" for i, can in short)
        rest = [who(i) for i, (can, half) in enumerate(zip(capacities, equal, strict=True)) if can >= half]
        text += (f", so the rest went on to {_listed(rest) if rest else 'no one'}, giving "
                 f"{_listed([f'{who(i)} {_p(part)}' for i, part in enumerate(parts)])}")
    return text


def share_text(allocation: Rule, item: int, shared_by: str, owner: str | None, split: Sequence[int] = (),
               partners_split: Sequence[int] = (), partner: int = 0) -> str:
    """How one debt's line got its share of its item: the allocation rule's text, naming the owners an
    equal split (Annex B rules a and b) was between when the line records them (``shared_by``), and, for a
    later debt of one owner, that it followed within that owner's share; with ``split`` (the item's amount and
    what each of those owners' debts could take), the split's figures (:func:`owners_split_text`); with
    ``partners_split``, the figures of the owner's amount shared between partners (:func:`partners_split_text`,
    hb-debt-interface.md §6.4)."""
    if partners_split:
        halves = f": {partners_split_text(owner, shared_by, partners_split, partner)}"
        return share_text(allocation, item, shared_by, owner, split) + halves
    if not shared_by:
        return RULE_TEXT[allocation]
    if split:  # the item's amount and what each owner's debts could take: the split's figures
        shared_by = owners_split_text(split[0], tuple(shared_by.replace(" and ", ", ").split(", ")), list(split[1:]))
    equal = (f"the item's amount split equally between {shared_by} (Annex B rule {_RULE_LETTER.get(item, 'a')}; "
             "A9/2025 §29), leftover pence going to them in that order and an owner whose debts cannot take "
             "its share passing the rest on")
    if allocation is Rule.SPLIT_EQUALLY:
        return equal
    if allocation is Rule.SPLIT_JOINT_FIRST:
        return f"{equal}; within DWP's share, its joint debts first on a joint award (Annex B rule c)"
    return f"{equal}; within {owner}'s share: {RULE_TEXT[allocation]}"


_CATEGORY_NAMED: dict[str, str] = {str(engine): name for engine, name in EVENT_CATEGORY.items()}
_ONGOING = " ongoing"  # an ongoing-consumption step's subject: its category and this (``uc._Run.ongoing``)


def named(subject: str) -> str:
    """A step's subject or a line's target as the explanation writes it: a third-party category as events.md
    §2 names it (``COUNCIL_TAX_ARREARS``, the line's ``ref``; :data:`dms.recovery.types.EVENT_CATEGORY`),
    "GAS_ARREARS, ongoing consumption" for fuel's current consumption; debt types and "debt 7" as they are.
    The engine's own codes, which no spec names, are kept in the stored facts and named here when rendered,
    so lines stored earlier read the same."""
    ongoing = subject.endswith(_ONGOING)
    code = subject[: -len(_ONGOING)] if ongoing else subject
    name = _CATEGORY_NAMED.get(code)
    if name is None:
        return subject
    return f"{name}, ongoing consumption" if ongoing else name


# What each Annex B item's maximum per assessment period is (recovery-rules.md §3 table; A9/2025 Annex B; SI
# 2013/380 Sch 6), said beside a limit that is the item's maximum, so that staff need not look it up
ITEM_MAXIMUM_BASIS: dict[int, str] = {
    3: "the item's maximum, 15% of the standard allowance",
    4: "the item's maximum, the Flat Rate Maintenance rate of its scheme: 2012 £36.40, 2003 £21.67, 1993 one 5% "
       "unit",
    5: "the item's maximum, 15% of the standard allowance",
    6: "the item's maximum, 15% of the standard allowance",
    7: "the item's maximum, one 5% unit",
    8: "the item's rate, 10% of the standard allowance, also its minimum rate",
    9: "the item's maximum, one 5% unit",
    10: "the item's maximum, one 5% unit",
    11: "the item's maximum, one 5% unit",
    12: "the item's maximum, one 5% unit",
    13: "the item's maximum, one 5% unit",
    14: "the loans' agreed amounts; 15% of the standard allowance for loans referred without one",
    15: "the item's maximum, 15% of the standard allowance (40% in law, 15% by policy)",
    16: "the item's maximum, 15% of the standard allowance (40% in law, 15% by policy)",
    17: "the item's maximum, 15% of the standard allowance (40% in law, 15% by policy)",
    18: "the item's maximum, 15% of the standard allowance",
    19: "the item's maximum, 15% of the standard allowance",
    20: "the item's maximum, one 5% unit",
    21: "the item's maximum, one 5% unit",
    22: "the item's maximum, 20% of the standard allowance in all with item 8, less item 8's 10%",
}


def _basis_text(step: ExplanationStep) -> str:
    """Where a step's limit is its item's maximum (no lower rate asked or set, not ongoing consumption, not a
    request for nothing), what that maximum is (:data:`ITEM_MAXIMUM_BASIS`), in brackets; else ""."""
    if (step.maximum_pence is not None or step.limit_pence <= 0 or step.subject.endswith(_ONGOING)
            or step.rule is Rule.RENT_FIRST_PART_NOT_TAKEN):
        return ""
    basis = ITEM_MAXIMUM_BASIS.get(step.item)
    return f" ({basis})" if basis else ""


def render_step(step: ExplanationStep, limit: DebtLimit | None = None) -> str:
    """One item considered: limit (with what the item's maximum is, when the limit is it: :func:`_basis_text`),
    cap room before and after, what was taken and the rule; ``limit``, the period's staff reduced rate limiting
    what is taken for debts, if any (:func:`_asked_text`)."""
    name = ITEM_NAMES.get(step.item, f"item {step.item}")
    return (f"Item {step.item} {name} ({named(step.subject)}): limit {_p(step.limit_pence)}{_basis_text(step)}"
            f"{_asked_text(step, limit)}, cap room {_p(step.room_before)}, took {_p(step.taken_pence)}, "
            f"cap room left {_p(step.room_after)}: "
            f"{RULE_TEXT[step.rule]}.")


# Annex B items recovering debts (recovery-rules.md §3); the others are third-party items
DEBT_ITEMS = frozenset({3, 5, 6, 14, 15, 16, 17, 18, 19})


# A debt no longer in recovery whose staff reduced rate is still in force, by its status (``DebtLimit.status``)
_STATUS_TEXT = {
    "CLEARED": "the debt has cleared",
    "RETURNED": "the debt has been returned",
    "WITHDRAWN": "the debt has been withdrawn",
    "SUSPENDED": "the debt is suspended",
    "RECALL_PENDING": "the debt has been recalled",
}


def _rate_holder(limit: DebtLimit | ReducedWeeklyRate) -> str:
    """The debt a staff reduced rate is set on (its reference, else its id), with who set it and its review
    date when known: a UC period's limit or a legacy instalment's weekly rate; for a debt no longer in
    recovery, that it has cleared (or left recovery) and that the rate stays in force until its review date
    (A9/2025 §31; **Decision**, docs/recovery-notes.md "Reduced (affordable) rates": the rate is the person's)."""
    details = ([f"set by {limit.set_by}"] if limit.set_by else []) + (
        [f"review date {limit.until.isoformat()}"] if limit.until is not None else [])
    text = ", ".join(details)
    if limit.status:
        gone = _STATUS_TEXT.get(limit.status, f"the debt is {limit.status}")
        text += f"{'; ' if text else ''}{gone}, and the rate stays in force until its review date"
    debt = f"debt {limit.ref or limit.debt_id}"
    return f"{debt} ({text})" if text else debt


def debt_limit_text(limit: DebtLimit) -> str:
    """What limits a UC period's deductions for debts in all (A9/2025 §31; **Decision**, docs/recovery-notes.md
    "Reduced (affordable) rates"), in words; for a rate agreed per week (on a legacy benefit), that amount and
    its conversion (x 52/12, rounded down, ``legacy.rate_per``), as a legacy instalment's explanation gives the
    other way (:func:`_legacy_rate_text`)."""
    converted = ""
    if limit.per_week_pence is not None:
        converted = (f", agreed as {_p(limit.per_week_pence)} a week, converted to {_p(limit.per_week_pence)} "
                     f"x 52/12 = {_p(limit.amount_pence)} per assessment period, rounded down")
    return (f"a reduced rate set by staff on {_rate_holder(limit)} limits what is taken for debts this period "
            f"to {_p(limit.amount_pence)}{converted}")


def _asked_text(step: ExplanationStep, limit: DebtLimit | None) -> str:
    """Where the limit is lower than the item's maximum: a third party asked for a lower rate, or (a debt
    item) what the period's staff reduced rate still lets the debts take (A9/2025 §31), naming the debt it is
    set on and what the items before took of it. Said whichever rule then set the amount."""
    if step.maximum_pence is None:
        return ""
    if step.item in DEBT_ITEMS:
        if limit is None:  # stored by an earlier release: the rate replaced this item's maximum only
            return (f" (a reduced rate set by staff after an affordability request, A9/2025 §31; the item's "
                    f"maximum is {_p(step.maximum_pence)})")
        used = limit.amount_pence - step.limit_pence
        before = f", and the items before took {_p(used)} of it" if used > 0 else ""
        return f" ({debt_limit_text(limit)}, A9/2025 §31{before}; the item's maximum is {_p(step.maximum_pence)})"
    return f" (asked for by the third party; the item's maximum is {_p(step.maximum_pence)})"


def _limit_summary(limit: DebtLimit | None, steps: Sequence[ExplanationStep]) -> str:
    """The period summary's sentence on a staff reduced rate limiting what was taken for debts, with what
    the debt items took in all; "" with none."""
    if limit is None:
        return ""
    taken = sum(step.taken_pence for step in steps if step.item in DEBT_ITEMS)
    text = debt_limit_text(limit)
    return f" {text[0].upper()}{text[1:]} (A9/2025 §31): {_p(taken)} was taken for debts."


def _claimant_type_text(claimant_type: str | None, period_end: str | None) -> str:
    """The claimant type that chose the standard allowance (recovery-rules.md §2, by claimant type), the one in
    force on the period's last day (docs/events-notes.md "A UC period's claimant type"); "" when not known (a
    period stored by an earlier release)."""
    if not claimant_type or not period_end:
        return ""
    return f" for claimant type {claimant_type}, the type in force on the period's last day, {period_end}"


def render_header(result: UcPeriodResult) -> str:
    """The period's figures: the standard allowance, its date and the claimant type that chose it; the 5%
    unit; the overall cap; UC before deductions (recovery-rules.md §2-3)."""
    end = result.period_end.isoformat() if result.period_end is not None else None
    return (f"Assessment period starting {result.period_start.isoformat()}: standard allowance "
            f"{_p(result.standard_allowance_pence)} (rates from "
            f"{result.standard_allowance_from.isoformat()}){_claimant_type_text(result.claimant_type, end)}; "
            f"{_unit_text(result.standard_allowance_pence)}; "
            f"overall cap {result.cap_rate * 100:.0f}% = {_p(result.cap_pence)}; UC before deductions "
            f"{_p(result.award_amount_pence)}.")


def _unit_text(allowance_pence: int) -> str:
    """The 5% unit the third-party items' maxima are counted in (recovery-rules.md §1; Sch 6 para 1)."""
    return f"5% unit {_p(five_percent_unit(allowance_pence))} (5% of it rounded up to 5p)"


def render_period(result: UcPeriodResult) -> str:
    """The whole period: header, each item considered in order, and the totals."""
    limit = result.debt_limit
    parts = [render_header(result)]
    parts.extend(render_step(step, limit) for step in result.steps)
    parts.append(_totals(result.total_pence, result.capped_total_pence, result.cap_pence, result.payable_pence,
                         _limit_summary(limit, result.steps)))
    return "\n".join(parts)


def _totals(total: int, capped: int, cap: int, payable: int, limit_summary: str = "") -> str:
    """The period's totals: what was deducted, what of it counted towards the overall cap and, when that is
    more than the cap, how much was taken above it: only priority items may go above it, while a sanction or
    fraud penalty applies (Annex B; recovery-rules.md §3); then ``limit_summary``, what a staff reduced rate
    let the debts take (:func:`_limit_summary`)."""
    counted = f"{_p(capped)} counted towards the cap"
    if capped > cap:
        counted += (f" of {_p(cap)}, of which {_p(capped - cap)} taken above it while a sanction or fraud penalty "
                    "applies")
    return f"Total deducted {_p(total)} ({counted}); UC payable {_p(payable)}.{limit_summary}"


def _with_note(share: str | None, note: str) -> str | None:
    """A line's share text with its note (what else set its share), either alone when the other is absent."""
    if not note:
        return share
    return f"{share}; {note}" if share else note


def _line_text(amount: int, target: str, owner: str, item: int, header: str, steps: list[str], step: int,
               share: str | None, totals: str, cleared: str = "") -> str:
    """A UC deduction's text: what was taken and to whom; the period's figures; its item's step; how the line
    got its share (and whether it cleared its debt); then every item considered, in order, with what set or
    stopped it, and the totals."""
    text = f"{_p(amount)} to {named(target)}{owner}, item {item} {ITEM_NAMES[item]}. {header} {steps[step]}"
    if share is not None:
        text += f" This debt's share: {share}."
    text += cleared
    considered = " ".join(f"({n}) {s}" for n, s in enumerate(steps, start=1))
    return f"{text} Every item considered, in order: {considered} {totals}"


def render_line(result: UcPeriodResult, line: DeductionLine) -> str:
    """Why one line's amount (recovery-rules.md §3): what was taken and to whom, the period header, its item's
    step and how the line got its share, then every item considered with the cap room at each step and the
    rule that set or stopped its amount, and the period's totals."""
    target = f"debt {line.debt_id}" if line.debt_id is not None else str(line.category or line.kind)
    owner = f" ({line.creditor_kind}{' ' + line.la_id if line.la_id else ''})" if line.creditor_kind else ""
    share = _with_note(share_text(line.allocation, line.item, line.shared_by, line.creditor_kind, line.split,
                                  line.partners_split, line.partner)
                       if line.allocation is not line.rule else None, line.note)
    limit = result.debt_limit
    return _line_text(line.amount_pence, target, owner, line.item, render_header(result),
                      [render_step(step, limit) for step in result.steps], line.step, share,
                      _totals(result.total_pence, result.capped_total_pence, result.cap_pence,
                              result.payable_pence, _limit_summary(limit, result.steps)))


def legacy_facts(result: LegacyInstalmentResult) -> dict[str, Any]:
    """The legacy instalment's figures as a JSON-ready mapping (for storing with the deduction), with the staff
    reduced rate that is the weekly rate, when one is (``reduced_rate``: :func:`legacy_rate_facts`); an
    instalment without one is stored as before."""
    rate = result.reduced_rate
    return {
        "pay_date": result.pay_date.isoformat(),
        "frequency": str(result.frequency),
        "outcome": str(result.outcome),
        "fraud_rate": result.fraud_rate,
        "weekly_rate": format_pounds(result.weekly_rate_pence),
        "weeks": str(result.weeks),
        "benefit": format_pounds(result.benefit_pence),
        "sanction": format_pounds(result.sanction_pence),
        **({"sanction_period": {
            "from": result.sanction.first_day.isoformat(), "to": result.sanction.last_day.isoformat(),
            "days": [{"rate_percent": str(s.rate_percent), "from": s.first_day.isoformat(),
                      "to": s.last_day.isoformat()} for s in result.sanction.spans]}}
           if result.sanction is not None and result.sanction.spans else {}),
        **({"paid_period": paid_days_facts(result.paid)} if result.paid is not None and not result.paid.ordinary
           else {}),
        "instalment": format_pounds(result.instalment_pence),
        "floor": format_pounds(result.floor_pence),
        "amount": format_pounds(result.amount_pence),
        "rule": str(result.rule),
        **({"fraud_debts": [d.debt_id for d in result.fraud_debts]} if result.fraud_debts else {}),
        **({"reduced_rate": legacy_rate_facts(rate)} if rate is not None else {}),
    }


def paid_days_facts(paid: PaidDays) -> dict[str, Any]:
    """The days a legacy pay date paid for (:class:`PaidDays`) as a JSON-ready mapping, stored with an
    instalment that paid for fewer days than a whole pay period or at more than one weekly amount: its first
    and last days, how many, the days of a whole pay period, why it started later (``starts``, with the
    previous pay date, or the other legacy award's pay date whose instalment paid for the days before,
    ``other_award``), the award's own pay dates passed over for another award (``passed_over``) and the
    weekly amount in force on each run of its days."""
    return {"from": paid.first_day.isoformat(), "to": paid.last_day.isoformat(), "days": paid.days,
            "whole_period_days": paid.full_days,
            **({"starts": paid.starts} if paid.starts else {}),
            **({"previous_pay_date": paid.previous_pay_date.isoformat()}
               if paid.previous_pay_date and not paid.other_award else {}),
            **({"other_award": {"benefit": paid.other_award.benefit, "pay_date": paid.other_award.pay_date.isoformat()}}
               if paid.other_award else {}),
            **({"passed_over": [d.isoformat() for d in sorted(paid.passed_over)]} if paid.passed_over else {}),
            "weekly_amounts": [{"weekly": format_pounds(a.weekly_pence), "from": a.first_day.isoformat(),
                                "to": a.last_day.isoformat()} for a in paid.amounts]}


def legacy_rate_facts(rate: ReducedWeeklyRate) -> dict[str, Any]:
    """A staff reduced rate that is a legacy instalment's weekly rate (:class:`ReducedWeeklyRate`) as a
    JSON-ready mapping, in pence, as a UC period's limit is stored (:func:`uc_debt_limit_facts`)."""
    return {"weekly_pence": rate.weekly_pence, "debt_id": rate.debt_id, "ref": rate.ref, "set_by": rate.set_by,
            "until": rate.until.isoformat() if rate.until else None, "per_period_pence": rate.per_period_pence,
            **({"status": rate.status} if rate.status else {})}


def step_facts(step: ExplanationStep) -> dict[str, Any]:
    """One UC step as a JSON-ready mapping (for storing the structured explanation)."""
    return {
        "item": step.item,
        "item_name": ITEM_NAMES.get(step.item, ""),
        "subject": step.subject,
        "limit": format_pounds(step.limit_pence),
        "taken": format_pounds(step.taken_pence),
        "cap_room_before": format_pounds(step.room_before),
        "cap_room_after": format_pounds(step.room_after),
        "payable_room_before": format_pounds(step.payable_room),
        "rule": str(step.rule),
        "why": RULE_TEXT[step.rule],
        **({"maximum": format_pounds(step.maximum_pence)} if step.maximum_pence is not None else {}),
    }


_FREQUENCY_TEXT = {"WEEKLY": "weekly", "FORTNIGHTLY": "fortnightly", "FOUR_WEEKLY": "four-weekly",
                   "MONTHLY": "monthly"}


def allocation_text(alloc: Allocation) -> str:
    """How one debt got its share of a legacy instalment (recovery-rules.md §3-4): the rule that brought money
    to it; for an equal split between owners (Annex B rules a and b), the owners and the split's figures, as
    a UC line's share says (:func:`share_text`); with what else set the share (a Social Fund loan's agreed
    amount: ``Allocation.note``)."""
    if alloc.shared_by and alloc.item is not None:
        text = share_text(alloc.rule, alloc.item, alloc.shared_by, alloc.creditor_kind, alloc.split)
    else:
        text = RULE_TEXT[alloc.rule]
    return f"{text}; {alloc.note}" if alloc.note else text


def _debt_named(debt: DebtRecord) -> str:
    """A debt as an explanation names it: its id, creditor (an LA with its id), reference and classification:
    "debt 542 (DWP DWP0000000542, FRAUD)"."""
    owner = f"{debt.owner_kind} {debt.la_id}" if debt.la_id else debt.owner_kind
    ref = f" {debt.creditor_ref}" if debt.creditor_ref else ""
    return f"debt {debt.debt_id} ({owner}{ref}, {debt.classification})"


def _fraud_rate_text(debts: Sequence[DebtRecord]) -> str:
    """Why the fraud rate was used (recovery-rules.md §4: 5 units for fraud): the fraud debts in recovery."""
    which = "a fraud debt is" if len(debts) == 1 else "fraud debts are"
    return (f"\nThe fraud rate (5 units, recovery-rules.md §4) is used because {which} in recovery: "
            f"{_listed([_debt_named(d) for d in debts])}.")


def _less_than_the_instalment(result: LegacyInstalmentResult) -> str:
    """Why less than the instalment was taken though the benefit had room: the debts owed less (each share
    cleared its debt), or a Social Fund loan's agreed amount for the pay period limited it (recovery-rules.md
    §3 item 14; A9/2025 §28)."""
    if not result.agreed_limited:
        return (f"\nThe debts owed only {_p(result.amount_pence)} in all, less than the instalment: that was "
                f"taken and they are cleared (A9/2025 §28: never more than a debt's balance).")
    return (f"\nThe debts could take only {_p(result.amount_pence)} in all, less than the instalment: a Social "
            "Fund loan takes at most its agreed amount (recovery-rules.md §3 item 14) and no debt more than its "
            "balance (A9/2025 §28), as each share below says.")


def _legacy_rate_text(rate: ReducedWeeklyRate) -> str:
    """The staff reduced rate that is a legacy instalment's weekly rate (A9/2025 §31; **Decision**,
    docs/recovery-notes.md "Reduced (affordable) rates"), in words, as a UC period's explanation names its limit
    (:func:`debt_limit_text`): the debt it is set on, who set it, its review date and the rate a week; for a rate
    agreed per UC assessment period, that amount and its conversion (x 12/52, rounded down,
    ``legacy.rate_per``)."""
    on = f" on {_rate_holder(rate)}" if rate.debt_id is not None else ""
    weekly = f"{_p(rate.weekly_pence)} a week"
    if rate.per_period_pence is not None:
        weekly = (f"agreed as {_p(rate.per_period_pence)} per assessment period, converted to "
                  f"{_p(rate.per_period_pence)} x 12/52 = {weekly}, rounded down")
    return f"\nA reduced rate set by staff{on} is the weekly rate: {weekly} (A9/2025 §31)."


def _rate_text(rate: Decimal) -> str:
    return f"{rate.normalize():f}%"


def _sanction_days_text(result: LegacyInstalmentResult) -> str:
    """How the sanctions over the pay period reduced its benefit (recovery-rules.md §4; events.md §2
    ``person.sanction``; **Decision**, docs/recovery-notes.md "Sanctions and legacy instalments"): the pay
    period the pay date pays for, in arrears, the days of it under each rate (the highest where sanctions
    overlap) and the sum, pro rata by days, rounded down: " over the pay period it pays for, 2025-06-03 to
    2025-06-16 (14 days, paid in arrears): 100% on 7 days (2025-06-03 to 2025-06-09); £40.00 x 7 x 100% / 14
    days, rounded down". "" when the sanction was not worked out over a period (given as an amount)."""
    sanction = result.sanction
    if sanction is None or not sanction.spans:
        return ""
    def days(n: int) -> str:
        return f"{n} day{'' if n == 1 else 's'}"
    runs = "; ".join(f"{_rate_text(s.rate_percent)} on {days(s.days)} ({s.first_day.isoformat()}"
                     + (f" to {s.last_day.isoformat()})" if s.days > 1 else ")") for s in sanction.spans)
    by_rate: dict[Decimal, int] = {}
    for span in sanction.spans:
        by_rate[span.rate_percent] = by_rate.get(span.rate_percent, 0) + span.days
    sum_text = " + ".join(f"{n} x {_rate_text(rate)}" for rate, n in by_rate.items())
    if len(by_rate) > 1:
        sum_text = f"({sum_text})"
    return (f" over the pay period it pays for, {sanction.first_day.isoformat()} to {sanction.last_day.isoformat()} "
            f"({days(sanction.days)}, paid in arrears): {runs}; {_p(result.benefit_pence)} x {sum_text} / "
            f"{days(sanction.days)}, rounded down (the highest rate on each day, pro rata by days)")


def _days(n: int) -> str:
    return f"{n} day{'' if n == 1 else 's'}"


def _days_from_to(first: date, last: date) -> str:
    return first.isoformat() if first == last else f"{first.isoformat()} to {last.isoformat()}"


def _paid_days_text(result: LegacyInstalmentResult) -> tuple[str, str]:
    """The days a pay date paid for and how its benefit was worked out, when not a whole pay period at one
    weekly amount (recovery-rules.md §4; **Decision**, docs/recovery-notes.md "The days a legacy pay date
    pays for"), as two parts of the explanation: the days (" it pays, in arrears, for 2025-12-10 to
    2025-12-11 (2 days), not the whole 14-day pay period: the award is in payment from its start date,
    2025-12-10;") and the benefit's sum (" (£30.00 a week x 2/7, rounded down)"); ("", "") for a whole
    period at one amount, explained as before."""
    paid = result.paid
    if paid is None or paid.ordinary:
        if paid is None or len(paid.amounts) != 1 or str(result.frequency) == "WEEKLY":
            return "", ""
        return "", f" ({_p(paid.amounts[0].weekly_pence)} a week x {weeks_text(result.frequency)}, rounded down)"
    days = f" it pays, in arrears, for {_days_from_to(paid.first_day, paid.last_day)} ({_days(paid.days)})"
    if paid.passed_over:
        how = ("not" if paid.days < paid.full_days else "more than" if paid.days > paid.full_days
               else "as many days as")
        days += f", {how} the whole {paid.full_days}-day pay period: {_passed_over_text(paid)}"
    elif paid.short_days is not None:
        if paid.other_award is not None:
            why = _other_award_text(paid.other_award, "the days")
        elif paid.previous_pay_date is not None:
            why = f"the award's previous pay date, {paid.previous_pay_date.isoformat()}, paid for the days before"
        else:
            why = f"the award is in payment from its start date, {paid.first_day.isoformat()}"
        days += f", not the whole {paid.full_days}-day pay period: {why}"
    weeks = weeks_text(result.frequency, paid.short_days)
    if len(paid.amounts) == 1:
        return days + ";", f" ({_p(paid.amounts[0].weekly_pence)} a week x {weeks}, rounded down)"
    runs = " and ".join(f"{_p(a.weekly_pence)} a week on {_days(a.days)} ({_days_from_to(a.first_day, a.last_day)})"
                        for a in paid.amounts)
    terms = " + ".join(f"{_p(a.weekly_pence)} x {a.days}" for a in paid.amounts)
    per_day = (" / 7" if paid.short_days is not None
               else f" x {weeks_words(result.frequency)} / {paid.days} days")
    return days + ";", f" ({runs}: ({terms}){per_day}, rounded down, each day's share of the amount in force)"


def _passed_over_text(paid: PaidDays) -> str:
    """Why a pay date's days go back over its award's own pay dates on which another award was preferred
    (``PaidDays.passed_over``), and where they start (**Decision**, docs/recovery-notes.md "The days a legacy
    pay date pays for", "Which legacy award an instalment is taken from")."""
    many = len(paid.passed_over) > 1
    dates = ", ".join(d.isoformat() for d in sorted(paid.passed_over))
    why = (f"nothing was taken from the award on its pay date{'s' if many else ''} {dates}, another of the "
           f"person's legacy awards in payment being preferred to it {'those days' if many else 'that day'}, so "
           f"{'they' if many else 'it'} paid for none of the days")
    if paid.other_award is not None:
        return f"{why}; {_other_award_text(paid.other_award, 'the days')}"
    if paid.starts == PREVIOUS_PAY_DATE and paid.previous_pay_date is not None:
        return (f"{why}; the award's pay date {paid.previous_pay_date.isoformat()}, on which it was taken from, "
                "paid for the days before")
    if paid.starts == AWARD_START:
        return f"{why}; the award is in payment from its start date, {paid.first_day.isoformat()}"
    return f"{why}; the days start with the pay period of its first pay date"


def _other_award_text(other: OtherAwardInstalment, which: str) -> str:
    """Why a pay date's days start after another award's instalment (:data:`OTHER_AWARD`; **Decision**,
    docs/recovery-notes.md "The days a legacy pay date pays for")."""
    return (f"an instalment was taken from the person's other legacy award ({other.benefit}) on its pay date "
            f"{other.pay_date.isoformat()}, which paid, in arrears, for {which} up to and including it")


def _no_days_text(result: LegacyInstalmentResult, paid: PaidDays) -> str:
    """A pay date whose days another award's instalment all paid for: nothing is taken (recovery-rules.md
    §4: one instalment a pay period at the weekly rate; **Decision**, docs/recovery-notes.md "The days a
    legacy pay date pays for")."""
    frequency = _FREQUENCY_TEXT.get(str(result.frequency), str(result.frequency).lower())
    why = _other_award_text(paid.other_award, "every day") if paid.other_award is not None else "no day is left"
    return (f"Pay date {result.pay_date.isoformat()} ({frequency}): it pays for no day an instalment was not "
            f"already taken for: {why}; nothing is taken (recovery-rules.md §4: one instalment at the weekly rate "
            f"for the days of a pay period), and no debt is returned for it.")


def render_legacy(result: LegacyInstalmentResult) -> str:
    """A legacy pay date: rate, weeks, instalment, floor, outcome, and each debt's share (an equal split
    between owners naming them: :func:`allocation_text`); a staff reduced rate that is the weekly rate named
    with its debt, who set it and its review date (:func:`_legacy_rate_text`). A pay date with no day left to
    pay for says so (:func:`_no_days_text`)."""
    if result.paid is not None and result.paid.days <= 0:
        return _no_days_text(result, result.paid)
    allowance, unit, since = weekly_rate_basis(result.pay_date)
    basis = (f" of {_p(unit)}, 5% of the {_p(allowance)} personal allowance for a single person aged 25 or over "
             f"rounded up to 5p, the rates in force on the pay date (from {since.isoformat()})")
    kind = f"fraud (5 units{basis})" if result.fraud_rate else f"standard (3 units{basis})"
    if result.reduced_rate is not None or result.rule is Rule.REDUCED_RATE:
        kind = "reduced rate set by staff"
    weeks = weeks_text(result.frequency, result.short_days)
    period_days, benefit_sum = _paid_days_text(result)
    existing = (f", of which {_p(result.existing_deductions_pence)} already deducted"
                if result.existing_deductions_pence else "")
    if result.sanction_pence:
        existing = (f", less {_p(result.sanction_pence)} for a sanction{_sanction_days_text(result)}: "
                    f"{_p(result.benefit_pence - result.sanction_pence)} paid{existing}")
    room = max(0, result.benefit_pence - result.sanction_pence - result.existing_deductions_pence
               - result.floor_pence)
    frequency = _FREQUENCY_TEXT.get(str(result.frequency), str(result.frequency).lower())
    floor_weeks = f" x {weeks}" if result.short_days is not None or str(result.frequency) != "WEEKLY" else ""
    text = (f"Pay date {result.pay_date.isoformat()} ({frequency}):{period_days} benefit for the period "
            f"{_p(result.benefit_pence)}{benefit_sum}{existing}; weekly rate {_p(result.weekly_rate_pence)} ({kind}) "
            f"x {weeks_words(result.frequency, result.short_days)} = instalment {_p(result.instalment_pence)}, "
            f"rounded down; benefit floor "
            f"{_p(result.floor_pence)} (10p a week{floor_weeks}, rounded up), leaving room for {_p(room)}; "
            f"outcome {result.outcome}; took {_p(result.amount_pence)}: {RULE_TEXT[result.rule]}.")
    if result.reduced_rate is not None:
        text += _legacy_rate_text(result.reduced_rate)
    elif result.fraud_rate and result.rule is not Rule.REDUCED_RATE and result.fraud_debts:
        text += _fraud_rate_text(result.fraud_debts)
    if (str(result.outcome) == "DEDUCTED" and result.rule in (Rule.INSTALMENT, Rule.REDUCED_RATE)
            and 0 < result.amount_pence < result.instalment_pence):
        text += _less_than_the_instalment(result)
    if str(result.outcome) == "DEDUCTED" and result.rule is Rule.BENEFIT_FLOOR:
        text += ("\nBefore rounding to the penny, each day's share of the benefit covers the instalment and the floor "
                 "for these days; rounded (the benefit and the instalment down, the floor up) the room is short of "
                 f"the {_p(result.instalment_pence)} instalment, so the room is taken and no debt is returned for it "
                 "(A9/2025 §24; docs/recovery-notes.md \"The days a legacy pay date pays for\").")
    if result.rest_weekly_rate_pence is not None:
        rest = instalment_for_period(result.rest_weekly_rate_pence, result.frequency, result.short_days)
        text += (f"\nThe HB debts returned, the debts left have no fraud debt among them: they are taken at the "
                 f"standard weekly rate {_p(result.rest_weekly_rate_pence)} x "
                 f"{weeks_words(result.frequency, result.short_days)} = "
                 f"{_p(rest)} (recovery-rules.md §4), within the room left.")
    for index, alloc in enumerate(result.allocations, start=1):
        text += f"\n{_p(alloc.amount_pence)} to debt {alloc.debt_id} ({alloc.creditor_kind})"
        if alloc.shared_by and alloc.item is not None:
            text += f", item {alloc.item} {ITEM_NAMES[alloc.item]}"
        text += f": {allocation_text(alloc)}."
        if alloc.debt_id in result.cleared_debts:
            text += f" It took all of the debt's balance, {_p(alloc.amount_pence)}, which cleared it"
            if alloc.shared_by:
                text += ": what the debt could not take went on to the next debt or owner (A9/2025 §28)."
            else:
                text += (": the rest went on to the next debt (A9/2025 §28)." if index < len(result.allocations)
                         else ".")
    if result.returned:
        text += "\nHB debts to return (A9/2025 §24; recovery-rules.md §4):" + "".join(
            f"\n{_returned_text(r, room, result.fraud_debts)}" for r in result.returned)
    elif result.hb_debts_to_return:
        ids = ", ".join(str(i) for i in result.hb_debts_to_return)
        text += f"\nHB debts to return ({result.outcome}, A9/2025 §24): {ids}."
    return text


def _returned_text(returned: ReturnedDebt, room: int, fraud_debts: Sequence[DebtRecord]) -> str:
    """Why one HB debt is returned and with which reason (recovery-rules.md §4; A9/2025 §24;
    hb-debt-interface.md §6.5; **Decision**, docs/recovery-notes.md "When an HB debt is returned
    MAXIMUM_DEDUCTIONS"), naming it by its LA and reference: the room against its own instalment."""
    named = f"{_debt_named(returned.debt)} is returned {returned.reason}"
    if not returned.own_rate:  # deductions in place outside DMS left no room
        return f"{named}: deductions already in place leave no room for the instalment."
    own = f"its own instalment at the {returned.own_rate} rate, {_p(returned.own_instalment_pence)}"
    if returned.reason == "MAXIMUM_DEDUCTIONS":
        others = [d for d in fraud_debts if d.owner_kind != "LA"]
        by = f", {_listed([_debt_named(d) for d in others])}," if others else ""
        which = "another creditor's fraud debt" if len(others) < 2 else "other creditors' fraud debts"
        return (f"{named}: the room, {_p(room)}, covers {own}, but {which}{by} recovered before it at the fraud "
                f"rate, {'leaves' if len(others) < 2 else 'leave'} no room for it (deductions already in place).")
    return f"{named}: the room, {_p(room)}, is less than {own} (too little benefit left for it)."


# ---------------------------------------------------------------------------------------------- stored facts
#
# A UC deduction is stored with structured facts only (the daily run writes hundreds of thousands a day); its
# text is rendered from them when asked (``dms deductions list``), the same text as ``render_line``. The
# period's facts (its figures, every item considered, the totals) are stored once per period
# (:func:`uc_period_explanation`), each line's (its step, amount, target and share) with the line
# (:func:`uc_line_share`). Money in the facts is integer pence. Lines stored by earlier releases hold the
# period's figures and their own step in the line (:func:`uc_line_facts`; rendered by
# :func:`render_line_facts`).


def uc_period_facts(result: UcPeriodResult, period_end: str, payment_date: str, late_run_date: str | None,
                    late_why: str = "") -> str:
    """The period's figures as a JSON object (text). ``late_run_date`` is the run date that took a period
    reported after its payment date, else None; ``late_why`` (in the facts only when given), why a period the
    run passed is taken late (an award's end moved later: docs/events-notes.md "An award's end corrected").
    ``claimant_type`` and ``claimant_type_on`` (the period's last day, when the type in force chose the
    standard allowance) are left out when the result does not know them, as periods stored by earlier releases
    lack them."""
    late = f'true, "run_date": "{late_run_date}"' if late_run_date else "false"
    if late_run_date and late_why:
        late += f', "late_why": {json.dumps(late_why)}'
    return (f'{{"source": "UC", "period_start": "{result.period_start.isoformat()}", "period_end": "{period_end}", '
            f'"payment_date": "{payment_date}", "late": {late}, '
            f'"standard_allowance_pence": {result.standard_allowance_pence}, '
            f'"standard_allowance_from": "{result.standard_allowance_from.isoformat()}", '
            f'"cap_rate": "{result.cap_rate}", "cap_pence": {result.cap_pence}, '
            f'"award_amount_pence": {result.award_amount_pence}'
            + (f', "claimant_type": "{result.claimant_type}", "claimant_type_on": "{result.period_end.isoformat()}"}}'
               if result.claimant_type and result.period_end is not None else "}"))


@lru_cache(maxsize=1024)
def _json_text(value: str) -> str:
    """A text as a JSON string (subjects come from a few debt types and categories: quoted once each)."""
    return json.dumps(value)


def uc_step_facts(step: ExplanationStep) -> str:
    """One item step as a JSON object (text)."""
    return (f'{{"item": {step.item}, "subject": {_json_text(step.subject)}, "limit_pence": {step.limit_pence}, '
            f'"taken_pence": {step.taken_pence}, "room_before": {step.room_before}, '
            f'"room_after": {step.room_after}, "payable_room": {step.payable_room}, "rule": "{step.rule}"'
            + (f', "maximum_pence": {step.maximum_pence}}}' if step.maximum_pence is not None else "}"))


def uc_period_explanation(result: UcPeriodResult, period_end: str, payment_date: str,
                          late_run_date: str | None, debt_limit: DebtLimit | None = None, late_why: str = "") -> str:
    """A period's whole explanation as a JSON object (text), stored once for the period's lines: its figures
    (:func:`uc_period_facts`), every item considered in order (:func:`uc_step_facts`), the totals and, when a
    staff reduced rate limited what was taken for debts, that rate (:func:`uc_debt_limit_facts`):
    ``debt_limit``, the result's with the debt's reference, who set the rate and its review date, else the
    result's own. ``late_why``: :func:`uc_period_facts`."""
    steps = ", ".join(uc_step_facts(step) for step in result.steps)
    limit = debt_limit or result.debt_limit
    return (f'{{"period": {uc_period_facts(result, period_end, payment_date, late_run_date, late_why)}, '
            f'"steps": [{steps}], "total_pence": {result.total_pence}, '
            f'"capped_total_pence": {result.capped_total_pence}, "payable_pence": {result.payable_pence}'
            + (f', "debt_limit": {uc_debt_limit_facts(limit)}}}' if limit is not None else "}"))


def uc_debt_limit_facts(limit: DebtLimit) -> str:
    """A staff reduced rate limiting a period's deductions for debts (:class:`DebtLimit`) as a JSON object."""
    return json.dumps({"amount_pence": limit.amount_pence, "debt_id": limit.debt_id, "ref": limit.ref,
                       "set_by": limit.set_by, "until": limit.until.isoformat() if limit.until else None,
                       **({"per_week_pence": limit.per_week_pence} if limit.per_week_pence is not None else {}),
                       **({"status": limit.status} if limit.status else {})})


def _debt_limit_of(facts: dict[str, Any] | None) -> DebtLimit | None:
    """The :class:`DebtLimit` stored by :func:`uc_debt_limit_facts`, or None."""
    if not facts:
        return None
    until = facts.get("until")
    return DebtLimit(facts["amount_pence"], facts["debt_id"], facts.get("ref", ""), facts.get("set_by", ""),
                     date.fromisoformat(until) if until else None, facts.get("per_week_pence"),
                     facts.get("status", ""))


def _line_facts_body(line: DeductionLine) -> str:
    target = f"debt {line.debt_id}" if line.debt_id is not None else str(line.category or line.kind)
    creditor = f'"{line.creditor_kind}"' if line.creditor_kind else "null"
    la_id = f'"{line.la_id}"' if line.la_id else "null"
    return (f'"item": {line.item}, "amount_pence": {line.amount_pence}, "target": "{target}", '
            f'"creditor_kind": {creditor}, "la_id": {la_id}, "allocation": "{line.allocation}"'
            + (f', "shared_by": "{line.shared_by}"' if line.shared_by else "")
            + (f', "note": "{line.note}"' if line.note else "")
            + (f', "split": [{", ".join(str(n) for n in line.split)}]' if line.split else "")
            + (f', "partners_split": [{", ".join(str(n) for n in line.partners_split)}], "partner": {line.partner}'
               if line.partners_split else ""))


def uc_line_share(line: DeductionLine, cleared_pence: int | None = None) -> str:
    """A deduction line's own facts (JSON text): the index of its item's step in the period's explanation,
    what was taken, to whom, and how its share was found; ``cleared_pence``, when the line took all of its
    debt's balance (that balance). With :func:`uc_period_explanation`, everything :func:`render_uc_deduction`
    needs."""
    cleared = f', "cleared_pence": {cleared_pence}' if cleared_pence is not None else ""
    return f'{{"step_index": {line.step}, {_line_facts_body(line)}{cleared}}}'


def _cleared_note(cleared_pence: int | None) -> str:
    if cleared_pence is None:
        return ""
    return (f" It took all of the debt's balance, {_p(cleared_pence)}, which cleared it: what the debt could "
            "not take went on to the next debt or owner (A9/2025 §28).")


def uc_line_facts(period: str, step: str, line: DeductionLine) -> str:
    """A line's facts as earlier releases stored them: its period's figures, its item's step, and its share."""
    return f'{{"period": {period}, "step": {step}, {_line_facts_body(line)}}}'


def _late_note(period: dict[str, Any]) -> str:
    if not period.get("late"):
        return ""
    if period.get("late_why"):  # one the run passed, taken late (docs/events-notes.md "An award's end corrected")
        return (f"Taken after its payment date {period['payment_date']}, on {period['run_date']} (late): "
                f"{period['late_why']}. ")
    return (f"Taken after its payment date {period['payment_date']}, on the first run after it that held the "
            f"period: {period['run_date']} (late). ")


def _header_text(period: dict[str, Any]) -> str:
    return (f"Assessment period starting {period['period_start']}: standard allowance "
            f"{_p(period['standard_allowance_pence'])} (rates from {period['standard_allowance_from']})"
            f"{_claimant_type_text(period.get('claimant_type'), period.get('claimant_type_on'))}; "
            f"{_unit_text(period['standard_allowance_pence'])}; overall cap "
            f"{Decimal(period['cap_rate']) * 100:.0f}% = {_p(period['cap_pence'])}; UC before "
            f"deductions {_p(period['award_amount_pence'])}.")


def _step_of(step: dict[str, Any]) -> ExplanationStep:
    return ExplanationStep(step["item"], step["subject"], step["limit_pence"], step["taken_pence"],
                           step["room_before"], step["room_after"], step["payable_room"], Rule(step["rule"]),
                           step.get("maximum_pence"))


def _owner(facts: dict[str, Any]) -> str:
    creditor, la_id = facts.get("creditor_kind"), facts.get("la_id")
    return f" ({creditor}{' ' + la_id if la_id else ''})" if creditor else ""


def render_uc_deduction(period: dict[str, Any], line: dict[str, Any]) -> str:
    """The text of a UC deduction from its period's stored explanation (:func:`uc_period_explanation`) and
    its own facts (:func:`uc_line_share`): the same words as :func:`render_line`, with the late note first
    for a period taken after its payment date."""
    steps = [_step_of(step) for step in period["steps"]]
    limit = _debt_limit_of(period.get("debt_limit"))
    index = line["step_index"]
    allocation = Rule(line["allocation"])
    share = _with_note(share_text(allocation, line["item"], line.get("shared_by", ""), line.get("creditor_kind"),
                                  line.get("split", ()), line.get("partners_split", ()), line.get("partner", 0))
                       if allocation is not steps[index].rule else None, line.get("note", ""))
    text = _line_text(line["amount_pence"], line["target"], _owner(line), line["item"],
                      _header_text(period["period"]), [render_step(step, limit) for step in steps], index,
                      share, _totals(period["total_pence"], period["capped_total_pence"],
                                     period["period"]["cap_pence"], period["payable_pence"],
                                     _limit_summary(limit, steps)),
                      _cleared_note(line.get("cleared_pence")))
    return _late_note(period["period"]) + text


def render_line_facts(facts: dict[str, Any]) -> str:
    """The text of a UC deduction stored by an earlier release (:func:`uc_line_facts`): the period header, its
    item's step and its share, with the late note first for a period taken after its payment date."""
    step = _step_of(facts["step"])
    item = facts["item"]
    text = (f"{_p(facts['amount_pence'])} to {named(facts['target'])}{_owner(facts)}, item {item} {ITEM_NAMES[item]}. "
            f"{_header_text(facts['period'])} {render_step(step)}")
    allocation = Rule(facts["allocation"])
    if allocation is not step.rule:
        text += f" This debt's share: {share_text(allocation, item, facts.get('shared_by', ''), facts.get('creditor_kind'))}."
    return _late_note(facts["period"]) + text
