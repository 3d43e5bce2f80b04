"""A UC deduction's explanation is stored as structured facts and rendered as text on demand: the text
rendered from the facts is the engine's own (recovery-rules.md §3: "why this amount?" from the explanation
alone), for debts, shares split between owners, third-party items, ongoing consumption and late periods."""

from __future__ import annotations

import json
from datetime import date

from dms.recovery.explanation import render_line_facts, uc_line_facts, uc_period_facts, uc_step_facts
from dms.recovery.types import DebtRecord, ThirdPartyCategory, ThirdPartyItem, UcPeriodInput, UcPeriodResult
from dms.recovery.uc import calculate_uc_period

MAY = date(2025, 5, 1)


def debt(debt_id: int, balance: int, owner: str, classification: str = "NON_FRAUD", **extra: object) -> DebtRecord:
    on = date(2025, 1, 1)
    return DebtRecord(debt_id, owner, "OVERPAYMENT", classification, balance, on, debt_id, on, **extra)  # type: ignore[arg-type]


def facts_of(result: UcPeriodResult, late_run_date: str | None = None) -> list[tuple[str, dict[str, object]]]:
    header = uc_period_facts(result, "2025-05-31", "2025-06-07", late_run_date)
    return [(result.explain_line(line), json.loads(uc_line_facts(header, uc_step_facts(result.steps[line.step]), line)))
            for line in result.lines if line.amount_pence > 0]


def test_uc_explanation_rendered_from_stored_facts_is_the_engines_text() -> None:
    result = calculate_uc_period(UcPeriodInput(
        MAY, date(2025, 5, 31), date(2025, 6, 7), "SINGLE_25_OR_OVER", 80_000,
        third_party=(ThirdPartyItem(ThirdPartyCategory.GAS, amount_pence=2000, ongoing_pence=1500),),
        debts=(debt(1, 100_000, "HMRC", "FRAUD"), debt(2, 100_000, "LA", "FRAUD", la_id="123456"),
               debt(3, 50_000, "DWP")),
    ))
    pairs = facts_of(result)
    assert len(pairs) >= 4
    for text, facts in pairs:
        assert render_line_facts(facts) == text
        assert isinstance(facts["amount_pence"], int) and facts["step"]["rule"]  # type: ignore[index]


def test_uc_explanation_of_a_late_period_says_when_it_was_taken() -> None:
    result = calculate_uc_period(UcPeriodInput(MAY, date(2025, 5, 31), date(2025, 6, 7), "SINGLE_25_OR_OVER",
                                               80_000, debts=(debt(1, 100_000, "DWP"),)))
    [(text, facts)] = facts_of(result, late_run_date="2025-06-09")
    rendered = render_line_facts(facts)
    assert rendered == ("Reported after its payment date 2025-06-07: taken on the next run, 2025-06-09 (late). "
                        + text)
