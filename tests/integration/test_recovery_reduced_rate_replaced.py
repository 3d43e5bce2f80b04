"""`dms debtor set-rate`: a reduced rate is lower than the rate it replaces (A9/2025 §31; recovery-rules.md §3,
§4), which on UC is the debt's Annex B item maximum for the assessment period in force on the date the rate
is set, from the parameters in force for that period (recovery-rules.md §2: figures apply to assessment
periods that start on or after their date); a date DMS holds no rates for is refused, saying from when it
does (docs/recovery-notes.md "Reduced (affordable) rates")."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from dms.errors import BadArguments, DmsError
from dms.services.events import import_events
from dms.services.recovery_staff import set_reduced_rate
from dms.store.recovery.models import ReducedRate

pytestmark = pytest.mark.django_db

UC_NINO, ESA_NINO = "JC333333A", "JE444444B"
UNTIL = date(2025, 9, 1)


def _line(event_id: str, type_: str, nino: str, **fields: Any) -> str:
    return json.dumps({"event_id": event_id, "type": type_, "occurred_on": "2024-03-02", "nino": nino, **fields})


def _book(uc_start: str = "2024-03-01") -> None:
    report = import_events([
        _line("uc", "award.started", UC_NINO, award_ref="UC-S", benefit="UC", start_date=uc_start,
              uc={"claimant_type": "SINGLE_25_OR_OVER", "assessment_period_day": 1}),
        _line("uc-op", "debt.referred", UC_NINO, creditor="DWP", creditor_ref="OP-S", debt_type="OVERPAYMENT",
              classification="NON_FRAUD", amount="900.00", created_on="2024-03-01"),
        _line("esa", "award.started", ESA_NINO, award_ref="ESA-L", benefit="ESA", start_date="2024-03-01",
              legacy={"weekly_amount": "120.00", "pay_frequency": "WEEKLY", "first_pay_date": "2024-03-04"}),
        _line("esa-op", "debt.referred", ESA_NINO, creditor="DWP", creditor_ref="OP-L", debt_type="OVERPAYMENT",
              classification="NON_FRAUD", amount="900.00", created_on="2024-03-01"),
    ], source="test.jsonl")
    assert report.ok, report.refused


def test_a_uc_reduced_rate_is_lower_than_the_item_maximum_of_the_assessment_period_in_force_on_its_date() -> None:
    """Set on 2025-04-10, in the period from 2025-04-01 (started before the 2025/26 rates of 2025-04-07), the
    rate replaced is 15% of the 2024/25 standard allowance £393.45, £59.01 (not £60.02, 15% of £400.14):
    £59.50 is refused and £59.00 recorded; set on 2025-05-02, in the period from 2025-05-01, it is £60.02."""
    _book()
    with pytest.raises(DmsError) as refused:
        set_reduced_rate(UC_NINO, "OP-S", "59.50", UNTIL, "affordability", "staff", on=date(2025, 4, 10))
    assert "59.01" in str(refused.value) and "2025-04-01" in str(refused.value)
    assert not ReducedRate.objects.exists()
    assert set_reduced_rate(UC_NINO, "OP-S", "59.00", UNTIL, "affordability", "staff",
                            on=date(2025, 4, 10)).amount_pence == 5900
    assert set_reduced_rate(UC_NINO, "OP-S", "59.50", UNTIL, "affordability", "staff",
                            on=date(2025, 5, 2)).amount_pence == 5950


def test_a_uc_reduced_rate_in_an_awards_first_period_uses_the_rates_for_its_start_date() -> None:
    """An award's first period starts on its start date (reg 21A): an award starting 2025-04-08 with periods
    from the 1st has its first period from 2025-04-08, under the 2025/26 rates: £60.02."""
    _book(uc_start="2025-04-08")
    assert set_reduced_rate(UC_NINO, "OP-S", "60.00", UNTIL, "affordability", "staff",
                            on=date(2025, 4, 10)).amount_pence == 6000


def test_a_reduced_rate_dated_before_the_first_recovery_rates_is_a_bad_argument() -> None:
    """`--date 2024-04-01`, before 2024-04-08 (recovery-rules.md §2, §4: the first rates DMS holds), is a bad
    argument on UC and on a legacy benefit alike, saying from when a date can be given; nothing is recorded."""
    _book()
    for nino, ref in ((UC_NINO, "OP-S"), (ESA_NINO, "OP-L")):
        with pytest.raises(BadArguments) as refused:
            set_reduced_rate(nino, ref, "5.00", UNTIL, "affordability", "staff", on=date(2024, 4, 1))
        assert "--date 2024-04-01" in str(refused.value) and "on or after 2024-04-08" in str(refused.value)
    assert not ReducedRate.objects.exists()


def test_a_uc_reduced_rate_in_a_period_that_started_before_the_first_uc_rates_is_refused_naming_the_next() -> None:
    """Set on 2024-04-10, in the period from 2024-04-01, which started before the first UC rates DMS holds
    (2024-04-08), there is no item maximum to compare with: refused, naming the next period's start."""
    _book()
    with pytest.raises(DmsError) as refused:
        set_reduced_rate(UC_NINO, "OP-S", "5.00", UNTIL, "affordability", "staff", on=date(2024, 4, 10))
    assert not isinstance(refused.value, BadArguments)
    assert "2024-04-01" in str(refused.value) and "--date 2024-05-01" in str(refused.value)
    assert not ReducedRate.objects.exists()
    assert set_reduced_rate(UC_NINO, "OP-S", "5.00", UNTIL, "affordability", "staff",
                            on=date(2024, 5, 1)).amount_pence == 500
