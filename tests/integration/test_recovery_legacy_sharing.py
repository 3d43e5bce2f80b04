"""A legacy instalment shared between owners through the daily run: item by item in Annex B order, each
item's part split equally between the owners with debts in it that Annex B rules a and b name, as on UC
(recovery-rules.md §3 rules a and b, §4; A9/2025 §28-29; docs/recovery-notes.md "A legacy instalment shared
between owners")."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from dms.services import debts as debt_service
from dms.services.creditors import LaDetails, register_la
from dms.services.daily_run import run_through
from dms.services.events import import_events
from dms.services.recovery_staff import list_deductions
from dms.store.ledger import check_ledger
from dms.store.models import Debt, Person
from dms.store.payments.models import PaymentSchedule
from dms.store.recovery.models import Deduction

pytestmark = pytest.mark.django_db

NINO = "AB123456C"
LA_ID = "000123"


def line(event_id: str, type_: str, occurred_on: str, **fields: Any) -> str:
    return json.dumps({"event_id": event_id, "type": type_, "occurred_on": occurred_on, "nino": NINO, **fields})


def events(*lines: str) -> None:
    report = import_events(list(lines), source="test.jsonl")
    assert report.ok, report.refused


def referred(creditor: str, ref: str) -> str:
    return line(f"ref-{ref}", "debt.referred", "2026-04-06", creditor=creditor, creditor_ref=ref,
                debt_type="OVERPAYMENT", classification="NON_FRAUD", amount="3000.00", created_on="2026-04-01")


def taken_on(day: date) -> dict[str, int]:
    rows = Deduction.objects.filter(date=day, status="TAKEN")
    return {row.ref: row.amount_pence for row in rows}


def test_legacy_instalment_split_equally_between_owners_rule_b_through_the_daily_run(data_dir: Any) -> None:
    """recovery-rules.md §3 rule b ("Items 17 and 19: where more than one of DWP, HMRC and LAs have debts,
    split equally between the two or three owners"; A9/2025 §29) and §4 (one instalment per pay date): ESA
    £100.00 a week paid weekly from 2026-04-02; the LA's HB non-fraud debt R1 (£500.00) is taken on first, then
    a DWP non-fraud overpayment N1 and an HMRC overpayment T1 (£3,000.00 each) are referred. Each weekly
    instalment is split equally between the three owners (item 19), the HB debt getting its third while the
    others last, not nothing: £13.95 a week (3 x £4.65) gives £4.65 each, and from 2026-04-13 £14.40 (3 x
    £4.80) gives £4.80 each. The amount is unchanged; the LA is paid its share on its April schedule."""
    events(line("start-ESA1", "award.started", "2026-03-30", award_ref="ESA1", benefit="ESA",
                start_date="2026-03-30",
                legacy={"weekly_amount": "100.00", "pay_frequency": "WEEKLY", "first_pay_date": "2026-04-02"}))
    la = register_la(LaDetails(LA_ID, "Test Council", "123456", "12345678"))
    debt_service.create_debt(
        person=Person.objects.get(nino=NINO), creditor=la, creditor_ref="R1", debt_type="OVERPAYMENT",
        classification="NON_FRAUD", amount_pence=50_000, created_on=date(2026, 3, 2),
        received_on=date(2026, 4, 1), business_date=date(2026, 4, 1), actor="test")
    events(referred("DWP", "N1"), referred("HMRC", "T1"))

    run_through(date(2026, 4, 2))
    assert taken_on(date(2026, 4, 2)) == {"R1": 1395}  # the HB debt alone: all of the £13.95 instalment
    run_through(date(2026, 4, 30))
    # £13.95 split three ways: £4.65 each (2025/26 rate, in force on the pay date)
    assert taken_on(date(2026, 4, 9)) == {"N1": 465, "T1": 465, "R1": 465}
    for pay_date in (date(2026, 4, 16), date(2026, 4, 23), date(2026, 4, 30)):
        assert taken_on(pay_date) == {"N1": 480, "T1": 480, "R1": 480}  # £14.40 from 2026-04-13: £4.80 each
    rows = Deduction.objects.filter(date=date(2026, 4, 16)).order_by("id")
    assert [(r.creditor_kind, r.la_id) for r in rows] == [("DWP", None), ("HMRC", None), ("LA", LA_ID)]
    facts = rows[2].explanation_facts
    assert (facts["allocation"], facts["item"], facts["shared_by"], facts["split"]) == (
        "SPLIT_EQUALLY", 19, "DWP, HMRC and LA", [1440, 300_000 - 465, 300_000 - 465, 50_000 - 1395 - 465])
    assert facts["amount"] == "14.40" and facts["instalment"] == "14.40"  # the amount is unchanged

    # staff read why (dms deductions list): the equal split, naming the owners, with its figures
    listed = {(row["date"], row["ref"]): row["explanation"] for row in list_deductions(NINO)}
    why = listed[("2026-04-16", "R1")]
    assert "took £14.40: the instalment at the set weekly rate" in why
    assert ("£4.80 to debt {} (LA), item 19 Normal overpayments: the item's amount split equally between DWP, "
            "HMRC and LA: £14.40 in equal shares of £4.80, £4.80 and £4.80 (Annex B rule b; A9/2025 §29)"
            ).format(Debt.objects.get(creditor_ref="R1").pk) in why
    assert "to debt {} (DWP), item 19".format(Debt.objects.get(creditor_ref="N1").pk) in why
    assert "to debt {} (HMRC), item 19".format(Debt.objects.get(creditor_ref="T1").pk) in why

    # the LA is told: its April schedule pays it its share (first working day of May: month end)
    run_through(date(2026, 5, 1))
    schedule = PaymentSchedule.objects.get(creditor=la, period="2026-04")
    assert schedule.total_pence == 1395 + 465 + 3 * 480
    r1 = Debt.objects.get(creditor_ref="R1")
    assert debt_service.debt_figures([r1])[r1.pk] == (50_000, schedule.total_pence, 50_000 - schedule.total_pence)
    assert check_ledger().ok
