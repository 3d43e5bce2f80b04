"""Re-rating the book (``dms.services.rerate``): every person with debts in recovery, their current
assessment period or pay period, with the cap in force and a what-if cap; nothing posted
(recovery-rules.md §3-4; SI 2013/380 Sch 6 para 4(1))."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from dms.errors import DmsError
from dms.services.events import import_events
from dms.services.rerate import parse_cap_percent, rerate
from dms.store.models import JournalEntry, Posting
from dms.store.recovery.models import Deduction
from dms.store.replay.models import RerateResult, RerateRun

pytestmark = pytest.mark.django_db

UC_NINO, LEGACY_NINO, WAITING_NINO = "AB123456C", "CE123456A", "JK123456B"
AS_OF = date(2025, 6, 10)


def line(event_id: str, type_: str, nino: str, occurred_on: str = "2025-05-01", **fields: Any) -> str:
    return json.dumps({"event_id": event_id, "type": type_, "occurred_on": occurred_on, "nino": nino, **fields})


def uc_award(ref: str, nino: str) -> str:
    return line(f"start-{ref}", "award.started", nino, award_ref=ref, benefit="UC", start_date="2025-04-07",
                uc={"claimant_type": "SINGLE_25_OR_OVER", "assessment_period_day": 1})


def period(event_id: str, ref: str, nino: str, start: str, end: str, pay: str) -> str:
    return line(event_id, "uc.assessment_period", nino, occurred_on=end, award_ref=ref, period_start=start,
                period_end=end, payment_date=pay, award_amount="800.00", earnings_over_work_allowance=False,
                sanction_amount="0.00", fraud_penalty_amount="0.00", third_party=[])


def debt(ref: str, nino: str, creditor: str = "DWP", amount: str = "900.00",
         debt_type: str = "OVERPAYMENT") -> str:
    return line(f"ref-{ref}", "debt.referred", nino, occurred_on="2025-04-08", creditor=creditor, creditor_ref=ref,
                debt_type=debt_type, classification="NON_FRAUD", amount=amount, created_on="2025-04-01")


@pytest.fixture
def book() -> None:
    report = import_events([
        uc_award("UC1", UC_NINO), debt("BA1", UC_NINO), debt("HM1", UC_NINO, "HMRC"),
        debt("AD1", UC_NINO, debt_type="UC_ADVANCE_NEW_CLAIM", amount="500.00"),
        period("ap-apr", "UC1", UC_NINO, "2025-04-07", "2025-05-06", "2025-05-13"),
        period("ap-may", "UC1", UC_NINO, "2025-05-07", "2025-06-06", "2025-06-13"),
        line("start-JSA1", "award.started", LEGACY_NINO, award_ref="JSA1", benefit="JSA", start_date="2025-05-01",
             legacy={"weekly_amount": "90.50", "pay_frequency": "WEEKLY", "first_pay_date": "2025-06-02"}),
        debt("BA2", LEGACY_NINO),
        uc_award("UC3", WAITING_NINO), debt("BA3", WAITING_NINO),
    ], source="test.jsonl")
    assert report.ok, report.refused


def by_source(run_id: int) -> dict[str, tuple[int, int]]:
    totals: dict[str, tuple[int, int]] = {}
    for row in RerateResult.objects.filter(run_id=run_id):
        now, what_if = totals.get(row.source, (0, 0))
        totals[row.source] = (now + row.now_pence, what_if + row.what_if_pence)
    return totals


def test_rerate_lower_cap_lowers_uc_deductions_and_leaves_legacy_and_ledger_alone(book: None) -> None:
    entries, postings = JournalEntry.objects.count(), Posting.objects.count()
    outcome = rerate(AS_OF, Decimal("0.10"), chunk_partitions=128)
    assert (outcome.people, outcome.periods, outcome.instalments, outcome.no_period) == (2, 1, 1, 1)
    totals = by_source(outcome.run_id)
    # the current period is the one starting 2025-05-07; 15% of £400.14 = £60.02, 10% = £40.01 (rounded down)
    assert totals["UC"] == (6002, 4001)
    legacy_now, legacy_what_if = totals["JSA"]
    assert legacy_now > 0 and legacy_what_if == legacy_now  # the overall cap is a UC rule
    assert outcome.now_pence == 6002 + legacy_now and outcome.what_if_pence == 4001 + legacy_now
    assert {r.period_start for r in RerateResult.objects.filter(run_id=outcome.run_id, source="UC")} == {
        date(2025, 5, 7)}
    assert sum(c.now_pence for c in outcome.creditors) == outcome.now_pence
    assert sum(c.difference_pence for c in outcome.creditors) == 4001 - 6002
    assert {c.creditor for c in outcome.creditors} <= {"DWP", "HMRC"}
    run = RerateRun.objects.get(pk=outcome.run_id)
    assert run.completed and run.cap_rate == Decimal("0.10") and run.now_pence == outcome.now_pence
    assert (JournalEntry.objects.count(), Posting.objects.count(), Deduction.objects.count()) == (entries, postings, 0)


def test_rerate_without_a_what_if_gives_the_same_amounts_twice_and_chunks_do_not_change_totals(book: None) -> None:
    whole = rerate(AS_OF, chunk_partitions=1024)
    small = rerate(AS_OF, chunk_partitions=16)
    assert whole.now_pence == whole.what_if_pence == small.now_pence > 0
    assert [(c.creditor, c.now_pence) for c in whole.creditors] == [(c.creditor, c.now_pence) for c in small.creditors]
    assert whole.run_id != small.run_id


def test_rerate_takes_the_period_current_on_the_date_with_the_cap_in_force_for_its_start(book: None) -> None:
    outcome = rerate(date(2025, 5, 6), Decimal("0.25"))
    assert (outcome.periods, outcome.no_period, outcome.instalments) == (1, 1, 1)
    uc = RerateResult.objects.filter(run_id=outcome.run_id, source="UC")
    assert {r.period_start for r in uc} == {date(2025, 4, 7)}
    # the period started before 2025-04-30, when the cap in force was 25%: the what-if changes nothing
    now, what_if = by_source(outcome.run_id)["UC"]
    assert now == what_if > 6002


@pytest.mark.parametrize("text", ["41", "-1", "ten", "12.345", "NaN"])
def test_rerate_cap_percent_outside_the_legal_range_is_refused(text: str) -> None:
    with pytest.raises(DmsError, match="cap-percent"):
        parse_cap_percent(text)


def test_rerate_cap_percent_parses_to_a_fraction() -> None:
    assert parse_cap_percent("12.5") == Decimal("0.125") and parse_cap_percent("0") == 0
