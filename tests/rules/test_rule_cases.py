"""Every YAML rule case in tests/rules/*.yaml, run by one test (recovery-rules.md §3-4).

A file holds ``cases``; each case has a ``name`` (the rule it shows), an ``engine`` (uc, legacy, missed or
spread: a direct payment without a target spread like a deduction),
an ``input`` and an ``expect``; the arithmetic is a YAML comment beside it. Money is written as pounds
strings ("60.02"); defaults below keep the cases short.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from dms.money import format_pounds, parse_pounds
from dms.recovery.allocation import spread_like_deduction
from dms.recovery.legacy import calculate_legacy_instalment, missed_instalments_outcome, paid_days
from dms.recovery.types import (
    DebtRecord,
    LegacyInstalmentInput,
    LegacyPayTerms,
    OtherAwardInstalment,
    PaidDays,
    PayFrequency,
    ThirdPartyCategory,
    ThirdPartyItem,
    UcPeriodInput,
)
from dms.recovery.uc import calculate_uc_period

HERE = Path(__file__).parent


def _cases() -> list[Any]:
    params = []
    for path in sorted(HERE.glob("*.yaml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]:
            params.append(pytest.param(case, id=f"{path.stem}:{case['name']}"))
    return params


def _money(text: Any) -> int | None:
    return None if text is None else parse_pounds(str(text))


def _debt(raw: dict[str, Any]) -> DebtRecord:
    on = raw.get("received_on", date(2025, 1, 1))
    return DebtRecord(
        debt_id=raw["id"], owner_kind=raw.get("owner", "DWP"), debt_type=raw.get("type", "OVERPAYMENT"),
        classification=raw.get("classification", "NON_FRAUD"), balance_pence=parse_pounds(str(raw["balance"])),
        received_on=on, receipt_seq=raw.get("seq", raw["id"]), created_on=raw.get("created_on", on),
        la_id=raw.get("la_id", "123456" if raw.get("owner") == "LA" else None), joint=raw.get("joint", False),
        owner_person=raw.get("person"), agreed_amount_pence=_money(raw.get("agreed")),
        reduced_rate_pence=_money(raw.get("reduced")),
    )


def _uc_input(raw: dict[str, Any]) -> UcPeriodInput:
    start = raw.get("period_start", date(2025, 5, 1))
    third = tuple(
        ThirdPartyItem(ThirdPartyCategory(t["category"]), amount_pence=_money(t.get("amount")),
                       ongoing_pence=_money(t.get("ongoing")) or 0, scheme=t.get("scheme"))
        for t in raw.get("third_party", [])
    )
    return UcPeriodInput(
        period_start=start, period_end=start, payment_date=start,
        claimant_type=raw.get("claimant_type", "SINGLE_25_OR_OVER"),
        award_amount_pence=parse_pounds(str(raw.get("award", "800.00"))), joint=raw.get("joint", False),
        sanction_pence=_money(raw.get("sanction")) or 0, fraud_penalty_pence=_money(raw.get("fraud_penalty")) or 0,
        third_party=third, debts=tuple(_debt(d) for d in raw.get("debts", [])),
    )


def _check_uc(case: dict[str, Any]) -> None:
    result = calculate_uc_period(_uc_input(case["input"]))
    expect = case["expect"]
    got = []
    for line in result.lines:
        row: dict[str, Any] = {"item": line.item, "amount": format_pounds(line.amount_pence)}
        if line.debt_id is not None:
            row["debt"] = line.debt_id
        else:
            row["kind"] = str(line.kind)
        got.append(row)
    want = [{**row, "amount": str(row["amount"])} for row in expect["lines"]]
    assert got == want, result.explain()
    for key, actual in (("total", result.total_pence), ("payable", result.payable_pence),
                        ("cap", result.cap_pence), ("standard_allowance", result.standard_allowance_pence)):
        if key in expect:
            assert format_pounds(actual) == str(expect[key]), f"{key}\n{result.explain()}"
    for item, rule in expect.get("rules", {}).items():
        rules = [str(s.rule) for s in result.steps if s.item == item]
        assert rule in rules, f"item {item}: {rules}\n{result.explain()}"
    for line in result.lines:
        assert result.explain_line(line)
    assert result.explain()


def _paid(raw: dict[str, Any]) -> PaidDays | None:
    """The days a pay date pays for (``award``: its ``weekly`` amount, ``first_pay_date``, ``start_date``, its
    ``frequency`` when it started, if not the pay date's, ``changes``, each ``from`` a day with a new
    ``weekly``, ``frequency`` or ``first_pay_date``, and ``other_awards``, the pay dates an instalment was taken
    from another of the person's legacy awards, each a ``pay_date`` and its ``benefit``), or None."""
    award = raw.get("award")
    if award is None:
        return None
    terms = [LegacyPayTerms(None, parse_pounds(str(award["weekly"])),
                            award.get("frequency", raw.get("frequency", "WEEKLY")), award["first_pay_date"])]
    for change in award.get("changes", []):
        held = terms[-1]
        terms.append(LegacyPayTerms(change["from"], _money(change.get("weekly")) or held.weekly_pence,
                                    change.get("frequency", held.frequency),
                                    change.get("first_pay_date", held.first_pay_date)))
    others = [OtherAwardInstalment(o["pay_date"], o["benefit"]) for o in award.get("other_awards", [])]
    return paid_days(raw["pay_date"], terms, award.get("start_date"), others)


def _check_legacy(case: dict[str, Any]) -> None:
    raw = case["input"]
    paid = _paid(raw)
    result = calculate_legacy_instalment(LegacyInstalmentInput(
        pay_date=raw["pay_date"], frequency=PayFrequency(raw.get("frequency", "WEEKLY")),
        benefit_pence=paid.benefit_pence if paid else parse_pounds(str(raw.get("benefit", "100.00"))),
        debts=tuple(_debt(d) for d in raw.get("debts", [])),
        existing_deductions_pence=_money(raw.get("existing")) or 0,
        reduced_weekly_rate_pence=_money(raw.get("reduced_weekly")), paid=paid,
    ))
    expect = case["expect"]
    assert str(result.outcome) == expect["outcome"], result.explain()
    if "days" in expect:
        assert paid is not None and (paid.first_day, paid.days) == (expect["from"], expect["days"]), result.explain()
    for key, actual in (("weekly_rate", result.weekly_rate_pence), ("instalment", result.instalment_pence),
                        ("floor", result.floor_pence), ("amount", result.amount_pence),
                        ("benefit", result.benefit_pence)):
        if key in expect:
            assert format_pounds(actual) == str(expect[key]), f"{key}\n{result.explain()}"
    got = [{"debt": a.debt_id, "amount": format_pounds(a.amount_pence)} for a in result.allocations]
    assert got == [{**a, "amount": str(a["amount"])} for a in expect.get("allocations", [])], result.explain()
    assert list(result.hb_debts_to_return) == expect.get("returned", [])
    assert result.explain()


def _check_missed(case: dict[str, Any]) -> None:
    raw = case["input"]
    outcome = missed_instalments_outcome(raw["missed"], raw["other_benefit"], raw.get("on", date(2025, 5, 1)))
    assert outcome == case["expect"]["outcome"]


def _check_spread(case: dict[str, Any]) -> None:
    raw = case["input"]
    debts = tuple(_debt(d) for d in raw.get("debts", []))
    amount = parse_pounds(str(raw["amount"]))
    shares = spread_like_deduction(amount, debts, raw.get("joint", False))
    got = [{"debt": debt.debt_id, "amount": format_pounds(share)} for debt, share, _ in shares]
    assert got == [{**a, "amount": str(a["amount"])} for a in case["expect"]["allocations"]]
    left = amount - sum(share for _, share, _ in shares)
    assert format_pounds(left) == str(case["expect"].get("left", "0.00"))


@pytest.mark.parametrize("case", _cases())
def test_rule_cases(case: dict[str, Any]) -> None:
    {"uc": _check_uc, "legacy": _check_legacy, "missed": _check_missed,
     "spread": _check_spread}[case["engine"]](case)
