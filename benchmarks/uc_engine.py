"""UC deduction engine alone: assessment periods per second on one core.

A realistic mix: per person three debts (advances, DWP and LA overpayments, some fraud, some joint awards)
and one or two third-party items (fuel with ongoing consumption, rent arrears, council tax, maintenance).
Inputs are built first; only ``calculate_uc_period`` is timed. Usage::

    python benchmarks/uc_engine.py [--periods N] [--seconds S]
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import date

from dms.recovery.types import DebtRecord, ThirdPartyCategory, ThirdPartyItem, UcPeriodInput
from dms.recovery.uc import calculate_uc_period

CLAIMANT_TYPES = ("SINGLE_UNDER_25", "SINGLE_25_OR_OVER", "JOINT_UNDER_25", "JOINT_25_OR_OVER")
DEBT_KINDS = (
    ("DWP", "UC_ADVANCE_NEW_CLAIM", "NON_FRAUD"),
    ("DWP", "BUDGETING_ADVANCE", "NON_FRAUD"),
    ("DWP", "OVERPAYMENT", "NON_FRAUD"),
    ("DWP", "OVERPAYMENT", "FRAUD"),
    ("HMRC", "OVERPAYMENT", "NON_FRAUD"),
    ("LA", "OVERPAYMENT", "NON_FRAUD"),
    ("LA", "OVERPAYMENT", "FRAUD"),
    ("DWP", "SOCIAL_FUND_LOAN", "NON_FRAUD"),
)
THIRD_PARTY = (
    ThirdPartyItem(ThirdPartyCategory.GAS, ongoing_pence=3500),
    ThirdPartyItem(ThirdPartyCategory.ELECTRICITY, ongoing_pence=4200),
    ThirdPartyItem(ThirdPartyCategory.RENT_ARREARS, amount_pence=6000),
    ThirdPartyItem(ThirdPartyCategory.COUNCIL_TAX),
    ThirdPartyItem(ThirdPartyCategory.FLAT_RATE_MAINTENANCE, scheme="2012"),
    ThirdPartyItem(ThirdPartyCategory.WATER, ongoing_pence=2500),
)
STARTS = (date(2025, 3, 14), date(2025, 5, 1), date(2025, 6, 9), date(2026, 5, 3))


def make_period(rng: random.Random, person: int) -> UcPeriodInput:
    debts = []
    for n in range(3):
        owner, debt_type, classification = rng.choice(DEBT_KINDS)
        on = date(2024, rng.randint(1, 12), rng.randint(1, 28))
        debts.append(DebtRecord(
            debt_id=person * 10 + n, owner_kind=owner, debt_type=debt_type, classification=classification,
            balance_pence=rng.choice((850, 12000, 45000, 250000)), received_on=on, receipt_seq=person * 10 + n,
            created_on=on, la_id="123456" if owner == "LA" else None, joint=rng.random() < 0.2,
            agreed_amount_pence=2500 if debt_type == "SOCIAL_FUND_LOAN" else None))
    claimant = rng.choice(CLAIMANT_TYPES)
    return UcPeriodInput(
        period_start=(start := rng.choice(STARTS)), period_end=start, payment_date=start,
        claimant_type=claimant, award_amount_pence=rng.randint(20000, 150000),
        joint=claimant.startswith("JOINT"), sanction_pence=rng.choice((0, 0, 0, 0, 0, 0, 0, 0, 0, 12000)),
        third_party=tuple(rng.sample(THIRD_PARTY, rng.randint(1, 2))), debts=tuple(debts))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--periods", type=int, default=20_000, help="distinct inputs built (default 20000)")
    parser.add_argument("--seconds", type=float, default=3.0, help="time to run for (default 3)")
    args = parser.parse_args()
    rng = random.Random(20250501)
    periods = [make_period(rng, i) for i in range(args.periods)]
    for period in periods[:100]:
        calculate_uc_period(period)  # warm the parameter cache
    done, lines = 0, 0
    started, cpu_started = time.perf_counter(), time.process_time()
    while time.perf_counter() - started < args.seconds:
        for period in periods:
            lines += len(calculate_uc_period(period).lines)
        done += len(periods)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    print(f"UC engine: {done} assessment periods, {lines / done:.2f} lines per period")
    print(f"  {done / cpu:,.0f} periods per CPU-second (one core; {cpu:.2f}s CPU)")
    print(f"  {done / elapsed:,.0f} periods per wall-clock second ({elapsed:.2f}s; lower on a busy machine)")


if __name__ == "__main__":
    main()
