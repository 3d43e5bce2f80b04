"""A reduced (affordable) rate replaces the rate the person pays, not one debt's part of it, until the day
before its review date (A9/2025 §31; recovery-rules.md §4; **Decision**, docs/recovery-notes.md "Reduced
(affordable) rates"): once the debt it was set on clears, it goes on limiting what is taken for the person's
(on a joint UC award, the couple's) other debts, on UC and on a legacy benefit, in the daily run and in
``dms rerate`` alike, and the explanation names it, its cleared debt, who set it and its review date. A rate
agreed per week and used on UC is named with its conversion (x 52/12, rounded down)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from django.db import transaction

from dms.services.events import import_events
from dms.services.recovery import deductions_step, life_events_step
from dms.services.recovery_staff import set_reduced_rate
from dms.services.rerate import rerate
from dms.store.models import Debt
from dms.store.recovery.models import Deduction
from dms.store.replay.models import RerateResult

pytestmark = pytest.mark.django_db

NINO, PARTNER = "AB123456C", "CE654321A"
UNTIL = date(2025, 12, 31)


def _line(event_id: str, type_: str, nino: str, occurred_on: str = "2025-05-01", **fields: Any) -> str:
    return json.dumps({"event_id": event_id, "type": type_, "occurred_on": occurred_on, "nino": nino, **fields})


def _period(n: int, start: str, end: str, paid: str) -> str:
    return _line(f"p{n}", "uc.assessment_period", NINO, occurred_on=end, award_ref="UC1", period_start=start,
                 period_end=end, payment_date=paid, award_amount="900.00", earnings_over_work_allowance=False,
                 sanction_amount="0.00", fraud_penalty_amount="0.00", third_party=[])


def _import(lines: list[str]) -> None:
    report = import_events(lines, source="test.jsonl")
    assert report.ok, report.refused


def _run(*days: date) -> None:
    for day in days:
        with transaction.atomic():
            life_events_step(day)
            deductions_step(day)


def _uc_book(claimant_type: str = "SINGLE_25_OR_OVER", advance_of: str = NINO, until: date = UNTIL) -> None:
    """An advance (item 3) of £15.00 and an overpayment (item 19) of £500.00; £10.00 a period set on the
    advance; three periods paid 2025-07-07, 2025-08-07 and 2025-09-05."""
    uc: dict[str, Any] = {"claimant_type": claimant_type, "assessment_period_day": 1}
    if advance_of != NINO:
        uc["partner_nino"] = advance_of
    _import([
        _line("a1", "award.started", NINO, award_ref="UC1", benefit="UC", start_date="2025-05-01", uc=uc),
        _line("d1", "debt.referred", advance_of, creditor="DWP", creditor_ref="ADV-1",
              debt_type="UC_ADVANCE_NEW_CLAIM", classification="NON_FRAUD", amount="15.00", created_on="2025-04-01"),
        _line("d2", "debt.referred", NINO, creditor="DWP", creditor_ref="OP-1", debt_type="OVERPAYMENT",
              classification="NON_FRAUD", amount="500.00", created_on="2025-04-01"),
    ])
    set_reduced_rate(advance_of, "ADV-1", "10.00", until, "affordability request", "j.smith", on=date(2025, 5, 2))
    _import([_period(1, "2025-06-01", "2025-06-30", "2025-07-07"), _period(2, "2025-07-01", "2025-07-31", "2025-08-07"),
             _period(3, "2025-08-01", "2025-08-31", "2025-09-05")])


CLEARED_NAMED = ("a reduced rate set by staff on debt ADV-1 (set by j.smith, review date 2025-12-31; the debt has "
                 "cleared, and the rate stays in force until its review date) limits what is taken for debts this "
                 "period to £10.00")


def test_a_reduced_rate_keeps_limiting_the_persons_debts_on_uc_after_its_debt_clears() -> None:
    """£10.00 a period on the advance: it takes £10.00, then £5.00 (clearing it) and the overpayment £5.00;
    the next period the overpayment takes £10.00, not the £60.02 cap, and its explanation names the rate,
    its cleared debt, who set it and its review date. ``dms rerate`` gives the same £10.00."""
    _uc_book()
    _run(date(2025, 7, 7), date(2025, 8, 7), date(2025, 9, 5))
    taken = list(Deduction.objects.order_by("date", "id"))
    assert [(str(d.date), d.ref, d.amount_pence) for d in taken] == [
        ("2025-07-07", "ADV-1", 1000), ("2025-08-07", "ADV-1", 500), ("2025-08-07", "OP-1", 500),
        ("2025-09-05", "OP-1", 1000)]
    assert Debt.objects.get(creditor_ref="ADV-1").status == "CLEARED"
    assert CLEARED_NAMED in taken[-1].explanation
    outcome = rerate(date(2025, 9, 5))
    assert sum(RerateResult.objects.filter(run_id=outcome.run_id).values_list("now_pence", flat=True)) == 1000


def test_a_late_period_is_re_rated_with_the_rate_in_force_on_its_payment_date_on_a_cleared_debt() -> None:
    """``dms rerate`` works a period paid before its date and not yet taken as the daily run takes it, on its
    payment date (events.md §2; docs/recovery-notes.md): the rate on the cleared advance, reviewed on
    2025-09-06 and so in force on 2025-09-05, limits the period paid that day to £10.00, though it has lapsed
    by the re-rating's date, 2025-09-08; the run then takes the same £10.00."""
    _uc_book(until=date(2025, 9, 6))
    _run(date(2025, 7, 7), date(2025, 8, 7))
    outcome = rerate(date(2025, 9, 8))
    assert sum(RerateResult.objects.filter(run_id=outcome.run_id).values_list("now_pence", flat=True)) == 1000
    _run(date(2025, 9, 5))
    assert [(d.ref, d.amount_pence) for d in Deduction.objects.filter(date=date(2025, 9, 5))] == [("OP-1", 1000)]


def test_a_reduced_rate_on_a_partners_cleared_debt_keeps_limiting_the_couples_joint_award() -> None:
    """On a joint award the rate is the couple's: £10.00 a period set on the partner's advance still limits
    the holder's overpayment once the advance has cleared, in the daily run and in ``dms rerate``."""
    _uc_book("JOINT_25_OR_OVER", advance_of=PARTNER)
    _run(date(2025, 7, 7), date(2025, 8, 7), date(2025, 9, 5))
    last = Deduction.objects.filter(date=date(2025, 9, 5))
    assert [(d.ref, d.amount_pence) for d in last] == [("OP-1", 1000)]
    assert CLEARED_NAMED in last[0].explanation
    outcome = rerate(date(2025, 9, 5))
    assert sum(RerateResult.objects.filter(run_id=outcome.run_id).values_list("now_pence", flat=True)) == 1000


def test_a_reduced_rate_keeps_setting_the_legacy_weekly_rate_after_its_debt_clears() -> None:
    """On ESA (weekly), £2.00 a week on an overpayment of £3.00: it takes £2.00, then £1.00 (clearing it) and
    the next overpayment £1.00; the week after, the other overpayment takes £2.00, not the standard £13.95,
    named with its cleared debt; ``dms rerate`` gives the same £2.00."""
    _import([
        _line("a0", "award.started", NINO, occurred_on="2025-04-07", award_ref="ESA1", benefit="ESA",
              start_date="2025-04-07",
              legacy={"weekly_amount": "100.00", "pay_frequency": "WEEKLY", "first_pay_date": "2025-04-07"}),
        _line("d1", "debt.referred", NINO, occurred_on="2025-04-07", creditor="DWP", creditor_ref="OP-A",
              debt_type="OVERPAYMENT", classification="NON_FRAUD", amount="3.00", created_on="2025-01-01"),
        _line("d2", "debt.referred", NINO, occurred_on="2025-04-07", creditor="DWP", creditor_ref="OP-B",
              debt_type="OVERPAYMENT", classification="NON_FRAUD", amount="500.00", created_on="2025-02-01"),
    ])
    set_reduced_rate(NINO, "OP-A", "2.00", UNTIL, "affordability request", "j.smith", on=date(2025, 4, 8))
    _run(date(2025, 4, 14), date(2025, 4, 21), date(2025, 4, 28))
    taken = list(Deduction.objects.order_by("date", "id"))
    assert [(str(d.date), d.ref, d.amount_pence) for d in taken] == [
        ("2025-04-14", "OP-A", 200), ("2025-04-21", "OP-A", 100), ("2025-04-21", "OP-B", 100),
        ("2025-04-28", "OP-B", 200)]
    assert ("A reduced rate set by staff on debt OP-A (set by j.smith, review date 2025-12-31; the debt has "
            "cleared, and the rate stays in force until its review date) is the weekly rate: £2.00 a week"
            ) in taken[-1].explanation
    outcome = rerate(date(2025, 5, 5))
    assert sum(RerateResult.objects.filter(run_id=outcome.run_id).values_list("now_pence", flat=True)) == 200


def test_a_rate_agreed_per_week_used_on_uc_is_explained_with_its_conversion() -> None:
    """£5.00 a week agreed on ESA is £5.00 x 52/12 = £21.66 per assessment period on UC, rounded down; the
    UC explanation says so, as a legacy instalment's says the other way."""
    _import([
        _line("a0", "award.started", NINO, occurred_on="2025-04-07", award_ref="ESA1", benefit="ESA",
              start_date="2025-04-07",
              legacy={"weekly_amount": "100.00", "pay_frequency": "WEEKLY", "first_pay_date": "2025-04-07"}),
        _line("d1", "debt.referred", NINO, occurred_on="2025-04-07", creditor="DWP", creditor_ref="OP-1",
              debt_type="OVERPAYMENT", classification="NON_FRAUD", amount="500.00", created_on="2025-01-01"),
    ])
    set_reduced_rate(NINO, "OP-1", "5.00", UNTIL, "affordability request", "j.smith", on=date(2025, 4, 20))
    _import([
        _line("e1", "award.ended", NINO, occurred_on="2025-04-30", award_ref="ESA1", end_date="2025-04-30",
              reason="AWARD_ENDED"),
        _line("a1", "award.started", NINO, award_ref="UC1", benefit="UC", start_date="2025-05-01",
              uc={"claimant_type": "SINGLE_25_OR_OVER", "assessment_period_day": 1}),
        _period(1, "2025-06-01", "2025-06-30", "2025-07-07"),
    ])
    _run(date(2025, 7, 7))
    taken = list(Deduction.objects.filter(source="UC"))
    assert [(d.ref, d.amount_pence) for d in taken] == [("OP-1", 2166)]
    assert ("limits what is taken for debts this period to £21.66, agreed as £5.00 a week, converted to £5.00 "
            "x 52/12 = £21.66 per assessment period, rounded down") in taken[0].explanation
