"""Explanations of deductions as text, rendered on demand from the engines' structured steps (pure).

Source: recovery-rules.md §3: "Every deduction DMS calculates carries its explanation: the standard
allowance and its date, the cap and room at each step, each item considered with the rule that set its
amount or stopped it." The engines keep compact ``ExplanationStep`` tuples; text is built only when asked.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from dms.money import format_pounds
from dms.recovery.types import (
    DeductionLine,
    ExplanationStep,
    LegacyInstalmentResult,
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
    Rule.SOLE_DEBT: "the only debt in this item",
    Rule.SPLIT_EQUALLY: "the item's amount split equally between the owners DWP, HMRC and LA "
    "(Annex B rules a and b; A9/2025 §29), an owner that cannot take its share passing it on",
    Rule.JOINT_FIRST: "DWP joint debts first on a joint award (Annex B rule c)",
    Rule.PARTNERS_EQUALLY: "HB debts of both partners shared equally (hb-debt-interface.md §6.4)",
    Rule.RECOVERY_ORDER: "next debt in recovery order; when a debt clears, the rest goes to the next "
    "(A9/2025 §28)",
    Rule.INSTALMENT: "the instalment at the set weekly rate for the pay period (SI 1988/664 reg 16)",
    Rule.REDUCED_RATE: "a lower rate set by staff after an affordability request (A9/2025 §31)",
    Rule.BENEFIT_FLOOR: "limited so the benefit is not reduced below 10p a week (A9/2025 §24)",
}


def _p(amount: int) -> str:
    return "£" + format_pounds(amount)


def render_step(step: ExplanationStep) -> str:
    """One item considered: limit, cap room before and after, what was taken and the rule."""
    name = ITEM_NAMES.get(step.item, f"item {step.item}")
    return (f"Item {step.item} {name} ({step.subject}): limit {_p(step.limit_pence)}, cap room "
            f"{_p(step.room_before)}, took {_p(step.taken_pence)}, cap room left {_p(step.room_after)}: "
            f"{RULE_TEXT[step.rule]}.")


def render_header(result: UcPeriodResult) -> str:
    return (f"Assessment period starting {result.period_start.isoformat()}: standard allowance "
            f"{_p(result.standard_allowance_pence)} (rates from "
            f"{result.standard_allowance_from.isoformat()}); overall cap {result.cap_rate * 100:.0f}% = "
            f"{_p(result.cap_pence)}; UC before deductions {_p(result.award_amount_pence)}.")


def render_period(result: UcPeriodResult) -> str:
    """The whole period: header, each item considered in order, and the totals."""
    parts = [render_header(result)]
    parts.extend(render_step(step) for step in result.steps)
    parts.append(f"Total deducted {_p(result.total_pence)} ({_p(result.capped_total_pence)} counted "
                 f"towards the cap); UC payable {_p(result.payable_pence)}.")
    return "\n".join(parts)


def render_line(result: UcPeriodResult, line: DeductionLine) -> str:
    """Why one line's amount: the period header, its item's step, and how the line got its share."""
    target = f"debt {line.debt_id}" if line.debt_id is not None else str(line.category or line.kind)
    owner = f" ({line.creditor_kind}{' ' + line.la_id if line.la_id else ''})" if line.creditor_kind else ""
    text = (f"{_p(line.amount_pence)} to {target}{owner}, item {line.item} {ITEM_NAMES[line.item]}. "
            f"{render_header(result)} {render_step(result.steps[line.step])}")
    if line.allocation is not line.rule:
        text += f" This debt's share: {RULE_TEXT[line.allocation]}."
    return text


def legacy_facts(result: LegacyInstalmentResult) -> dict[str, Any]:
    """The legacy instalment's figures as a JSON-ready mapping (for storing with the deduction)."""
    return {
        "pay_date": result.pay_date.isoformat(),
        "frequency": str(result.frequency),
        "outcome": str(result.outcome),
        "fraud_rate": result.fraud_rate,
        "weekly_rate": format_pounds(result.weekly_rate_pence),
        "weeks": str(result.weeks),
        "instalment": format_pounds(result.instalment_pence),
        "floor": format_pounds(result.floor_pence),
        "amount": format_pounds(result.amount_pence),
        "rule": str(result.rule),
    }


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
    }


def render_legacy(result: LegacyInstalmentResult) -> str:
    """A legacy pay date: rate, weeks, instalment, floor, outcome, and each debt's share."""
    kind = "fraud (5 units)" if result.fraud_rate else "standard (3 units)"
    text = (f"Pay date {result.pay_date.isoformat()} ({result.frequency.lower()}): weekly rate "
            f"{_p(result.weekly_rate_pence)} ({kind}) x {result.weeks.normalize()} weeks = instalment "
            f"{_p(result.instalment_pence)}, rounded down; benefit floor {_p(result.floor_pence)}; "
            f"outcome {result.outcome}; took {_p(result.amount_pence)}: {RULE_TEXT[result.rule]}.")
    for alloc in result.allocations:
        text += f"\n{_p(alloc.amount_pence)} to debt {alloc.debt_id} ({alloc.creditor_kind}): "
        text += RULE_TEXT[alloc.rule] + "."
    if result.hb_debts_to_return:
        ids = ", ".join(str(i) for i in result.hb_debts_to_return)
        text += f"\nHB debts to return ({result.outcome}, A9/2025 §24): {ids}."
    return text


# ---------------------------------------------------------------------------------------------- stored facts
#
# A UC deduction is stored with its structured facts only (the daily run writes hundreds of thousands a day);
# its text is rendered from them when asked (``dms deductions list``), the same text as ``render_line``.
# The facts are JSON: the period's figures (shared by the period's lines), the line's item step, and how
# the line got its share. Money in the facts is integer pence.


def uc_period_facts(result: UcPeriodResult, period_end: str, payment_date: str, late_run_date: str | None) -> str:
    """The period's figures as a JSON object (text), built once per period and shared by its lines.
    ``late_run_date`` is the run date that took a period reported after its payment date, else None."""
    late = f'true, "run_date": "{late_run_date}"' if late_run_date else "false"
    return (f'{{"source": "UC", "period_start": "{result.period_start.isoformat()}", "period_end": "{period_end}", '
            f'"payment_date": "{payment_date}", "late": {late}, '
            f'"standard_allowance_pence": {result.standard_allowance_pence}, '
            f'"standard_allowance_from": "{result.standard_allowance_from.isoformat()}", '
            f'"cap_rate": "{result.cap_rate}", "cap_pence": {result.cap_pence}, '
            f'"award_amount_pence": {result.award_amount_pence}}}')


def uc_step_facts(step: ExplanationStep) -> str:
    """One item step as a JSON object (text)."""
    return (f'{{"item": {step.item}, "subject": {json.dumps(step.subject)}, "limit_pence": {step.limit_pence}, '
            f'"taken_pence": {step.taken_pence}, "room_before": {step.room_before}, '
            f'"room_after": {step.room_after}, "payable_room": {step.payable_room}, "rule": "{step.rule}"}}')


def uc_line_facts(period: str, step: str, line: DeductionLine) -> str:
    """A deduction line's structured explanation (JSON text): its period's figures, its item's step, and
    what was taken, to whom and how its share was found (everything :func:`render_line_facts` needs)."""
    target = f"debt {line.debt_id}" if line.debt_id is not None else str(line.category or line.kind)
    creditor = f'"{line.creditor_kind}"' if line.creditor_kind else "null"
    la_id = f'"{line.la_id}"' if line.la_id else "null"
    return (f'{{"period": {period}, "step": {step}, "item": {line.item}, "amount_pence": {line.amount_pence}, '
            f'"target": "{target}", "creditor_kind": {creditor}, "la_id": {la_id}, '
            f'"allocation": "{line.allocation}"}}')


def render_line_facts(facts: dict[str, Any]) -> str:
    """The text of a UC deduction from its stored facts (:func:`uc_line_facts`): the same words as
    :func:`render_line`, with the late note first for a period taken after its payment date."""
    period, step = facts["period"], facts["step"]
    late = ""
    if period.get("late"):
        late = (f"Reported after its payment date {period['payment_date']}: taken on the next run, "
                f"{period['run_date']} (late). ")
    header = (f"Assessment period starting {period['period_start']}: standard allowance "
              f"{_p(period['standard_allowance_pence'])} (rates from {period['standard_allowance_from']}); "
              f"overall cap {Decimal(period['cap_rate']) * 100:.0f}% = {_p(period['cap_pence'])}; UC before "
              f"deductions {_p(period['award_amount_pence'])}.")
    rule = Rule(step["rule"])
    step_text = render_step(ExplanationStep(
        step["item"], step["subject"], step["limit_pence"], step["taken_pence"], step["room_before"],
        step["room_after"], step["payable_room"], rule))
    creditor, la_id = facts.get("creditor_kind"), facts.get("la_id")
    owner = f" ({creditor}{' ' + la_id if la_id else ''})" if creditor else ""
    item = facts["item"]
    text = (f"{_p(facts['amount_pence'])} to {facts['target']}{owner}, item {item} {ITEM_NAMES[item]}. "
            f"{header} {step_text}")
    allocation = Rule(facts["allocation"])
    if allocation is not rule:
        text += f" This debt's share: {RULE_TEXT[allocation]}."
    return late + text
