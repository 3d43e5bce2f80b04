"""A what-if overall cap for the UC engine (``cap_rate_override``): the rules unchanged, only the cap
(recovery-rules.md §3; SI 2013/380 Sch 6 para 4(1)), and nothing read from a clock."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from dms.recovery.types import DebtRecord, RecoveryInputError, Rule, UcPeriodInput
from dms.recovery.uc import calculate_uc_period, uc_rates

MAY = date(2025, 5, 1)  # standard allowance £400.14 (SINGLE_25_OR_OVER); cap in force 15%


def debt(debt_id: int, balance: int, owner: str = "DWP", debt_type: str = "OVERPAYMENT") -> DebtRecord:
    return DebtRecord(debt_id, owner, debt_type, "NON_FRAUD", balance, MAY, debt_id, MAY)


def period(*debts: DebtRecord) -> UcPeriodInput:
    return UcPeriodInput(MAY, MAY, MAY, "SINGLE_25_OR_OVER", 80_000, debts=debts)


def test_uc_overall_cap_override_lower_cap_gives_lower_total() -> None:
    heavy = period(debt(1, 100_000, debt_type="UC_ADVANCE_NEW_CLAIM"), debt(2, 100_000), debt(3, 100_000, "HMRC"))
    in_force = calculate_uc_period(heavy)
    lower = calculate_uc_period(heavy, cap_rate_override=Decimal("0.10"))
    assert in_force.cap_rate == Decimal("0.15") and in_force.total_pence == 6002  # 15% of £400.14, rounded down
    assert lower.cap_rate == Decimal("0.10") and lower.cap_pence == 4001  # 10% of £400.14, rounded down
    assert lower.total_pence == 4001 < in_force.total_pence
    assert {s.rule for s in lower.steps} & {Rule.CAP_ROOM, Rule.CAP_FULL}


def test_uc_overall_cap_override_higher_cap_never_takes_less_and_item_maxima_still_apply() -> None:
    light = period(debt(1, 100_000, debt_type="UC_ADVANCE_NEW_CLAIM"))
    in_force = calculate_uc_period(light)
    higher = calculate_uc_period(light, cap_rate_override=Decimal("0.40"))
    assert higher.total_pence >= in_force.total_pence
    assert higher.total_pence <= uc_rates(MAY, "SINGLE_25_OR_OVER").item_limit[higher.lines[0].item]


def test_uc_overall_cap_override_leaves_the_rates_in_force_untouched() -> None:
    calculate_uc_period(period(debt(1, 50_000)), cap_rate_override=Decimal("0.05"))
    assert uc_rates(MAY, "SINGLE_25_OR_OVER").cap_rate == Decimal("0.15")
    assert uc_rates(MAY, "SINGLE_25_OR_OVER", Decimal("0.05")).cap_pence == 2000  # 2000.7 rounded down


@pytest.mark.parametrize("rate", ["-0.01", "1.01"])
def test_uc_overall_cap_override_outside_0_to_100_percent_is_refused(rate: str) -> None:
    with pytest.raises(RecoveryInputError, match="between 0 and 1"):
        calculate_uc_period(period(debt(1, 50_000)), cap_rate_override=Decimal(rate))
