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
    £100.00 a week paid weekly from 2026-04-02 (in payment from 2026-03-27); the LA's HB non-fraud debt R1 (£500.00) is taken on first, then
    a DWP non-fraud overpayment N1 and an HMRC overpayment T1 (£3,000.00 each) are referred. Each weekly
    instalment is split equally between the three owners (item 19), the HB debt getting its third while the
    others last, not nothing: £13.95 a week (3 x £4.65) gives £4.65 each, and from 2026-04-13 £14.40 (3 x
    £4.80) gives £4.80 each. The amount is unchanged; the LA is paid its share on its April schedule."""
    events(line("start-ESA1", "award.started", "2026-03-30", award_ref="ESA1", benefit="ESA",
                start_date="2026-03-27",  # in payment over the whole first pay period, 2026-03-27 to 04-02
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


def test_a_social_fund_loans_agreed_amount_limits_its_share_of_a_legacy_instalment_through_the_daily_run(
        data_dir: Any) -> None:
    """recovery-rules.md §3 item 14 ("the agreed amount"; events.md §3 ``agreed_amount``, per assessment
    period) and §4 (5 units for fraud), with the Decision in docs/recovery-notes.md "A legacy instalment shared
    between owners": ESA paid four-weekly; a Social Fund loan agreed at £25.00 a period, a fraud overpayment
    and a non-fraud one. The fraud overpayment sets the fraud rate, £23.25 x 4 = £93.00; the loan takes its
    agreed amount for the pay period, £25.00 x 12/52 = £5.76 a week x 4 = £23.04, and the rest, £69.96, goes on
    to the fraud overpayment (item 17). Staff read why from the explanation alone: the debt that set the
    fraud rate, and that the agreed amount set the loan's share. ``item`` stays the debt type."""
    events(line("start-ESA1", "award.started", "2026-01-01", award_ref="ESA1", benefit="ESA",
                start_date="2026-01-01",
                legacy={"weekly_amount": "87.80", "pay_frequency": "FOUR_WEEKLY", "first_pay_date": "2026-01-28"}),
           line("ref-SF1", "debt.referred", "2026-01-01", creditor="DWP", creditor_ref="SF1",
                debt_type="SOCIAL_FUND_LOAN", classification="NON_FRAUD", amount="685.00", created_on="2024-02-01",
                agreed_amount="25.00"),
           line("ref-FR1", "debt.referred", "2026-01-01", creditor="DWP", creditor_ref="FR1",
                debt_type="OVERPAYMENT", classification="FRAUD", amount="1580.80", created_on="2024-07-18"),
           line("ref-NF1", "debt.referred", "2026-01-01", creditor="DWP", creditor_ref="NF1",
                debt_type="OVERPAYMENT", classification="NON_FRAUD", amount="403.68", created_on="2024-03-26"))
    run_through(date(2026, 1, 28))
    run_through(date(2026, 2, 25))
    for day in (date(2026, 1, 28), date(2026, 2, 25)):
        assert taken_on(day) == {"SF1": 2304, "FR1": 6996}
    fraud = Debt.objects.get(creditor_ref="FR1").pk
    loan = Debt.objects.get(creditor_ref="SF1").pk
    rows = {row["ref"]: row for row in list_deductions(NINO) if row["date"] == "2026-02-25"}
    assert (rows["SF1"]["item"], rows["FR1"]["item"]) == ("SOCIAL_FUND_LOAN", "OVERPAYMENT")
    why = rows["SF1"]["explanation"]
    assert "weekly rate £23.25 (fraud (5 units" in why and "instalment £93.00" in why
    assert (f"The fraud rate (5 units, recovery-rules.md §4) is used because a fraud debt is in recovery: debt "
            f"{fraud} (DWP FR1, FRAUD).") in why
    assert (f"£23.04 to debt {loan} (DWP): the instalment at the set weekly rate for the pay period (SI 1988/664 "
            "reg 16); its agreed amount £25.00 a period (£23.04 for this pay period) set its share") in why
    assert f"£69.96 to debt {fraud} (DWP): next in recovery order" in why
    assert rows["SF1"]["explanation"] == rows["FR1"]["explanation"]
    assert check_ledger().ok
