"""Monthly payment schedules (hb-debt-interface.md §4.2, §7; A9/2025 §32–33, §51–53)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from lxml import etree
from test_payments_book import debt, dwp, la, person, recover, recovery_postings

from dms.errors import DmsError
from dms.ledger import EntryKind
from dms.services import debts as debt_services
from dms.services import payments
from dms.store.payments.models import PaymentSchedule, ScheduleRun

pytestmark = pytest.mark.django_db
NS = {"s": "urn:dms:hb-debt:1"}
OCT_RUN = date(2025, 11, 3)  # first working day of November 2025 (1-2 November is a weekend)


def _lines(path: Path) -> list[dict[str, str]]:
    tree = etree.parse(str(path))
    return [{child.tag.split("}")[1]: child.text for child in line} for line in tree.findall("s:Line", NS)]


def _header(path: Path) -> dict[str, str]:
    tree = etree.parse(str(path))
    return {child.tag.split("}")[1]: child.text for child in tree.find("s:Header", NS)}


def test_schedule_lists_deductions_direct_payments_and_corrections_with_balance_after(data_dir: Path) -> None:
    council = la("005920")
    sam = person("AB123456C")
    hb = debt(sam, council, "HB/1", 50_000)
    other = debt(sam, dwp(), "DWP-1", 10_000)
    recover(hb, 2_000, date(2025, 10, 6))
    recover(hb, 1_500, date(2025, 10, 20), kind=EntryKind.DIRECT_PAYMENT)
    recover(hb, 9_999, date(2025, 9, 30))  # September: not on October's schedule
    recover(other, 700, date(2025, 10, 6))  # DWP: never on an LA schedule
    recover(hb, 800, date(2025, 11, 1))  # November, after the month
    result = payments.run_month_end(OCT_RUN)
    assert result is not None and result.period == "2025-10"
    [written] = result.files
    assert written.file_name == "20251103-DMSCH-005920.xml"
    lines = _lines(written.path)
    assert [(x["Kind"], x["Source"], x["Amount"], x["BalanceAfter"], x["RecoveryDate"]) for x in lines] == [
        ("DEDUCTION", "UC", "20.00", "380.01", "2025-10-06"),
        ("DIRECT_PAYMENT", "DIRECT_PAYMENT", "15.00", "365.01", "2025-10-20"),
    ]
    assert lines[0]["DebtRef"] == "HB/1" and lines[0]["NINO"] == "AB123456C"
    header = _header(written.path)
    assert header["Period"] == "2025-10" and header["PaymentDate"] == "2025-11-21"
    assert header["RecordCount"] == "2" and header["TotalAmount"] == "35.00"
    assert header["BatchID"] == "20251103-DMSCH-005920" and header["CreationDate"] == "2025-11-03"


def test_schedule_correction_line_for_over_recovery_after_revision_is_negative(data_dir: Path) -> None:
    council = la("005920")
    sam = person("AB123456C")
    hb = debt(sam, council, "HB/1", 10_000)
    recover(hb, 6_000, date(2025, 10, 6))
    debt_services.revise_debt_amount(hb, 4_000, business_date=date(2025, 10, 15), actor="test", reason="r")
    [written] = payments.run_month_end(OCT_RUN).files
    lines = _lines(written.path)
    assert [(x["Kind"], x["Amount"], x["BalanceAfter"], x["DebtRef"]) for x in lines] == [
        ("DEDUCTION", "60.00", "40.00", "HB/1"),
        ("CORRECTION", "-20.00", "0.00", "HB/1"),
    ]
    assert _header(written.path)["TotalAmount"] == "40.00"


def test_schedule_shows_an_over_recovery_credit_shared_with_another_las_debt_as_a_direct_payment_line(
        data_dir: Path) -> None:
    """hb-debt-interface.md §4.2, §6.5 and docs/architecture.md "Credit" (**Decision**: the credit is shared
    between owners as a deduction is): 20.01 over-recovered on LA 005920's HB/1 is taken back from it (a
    CORRECTION line) and split with rule b between the DWP debt (10.01) and LA 005921's HB/2 (10.00), which
    reaches LA 005921 as the person's own money: a DIRECT_PAYMENT line, BalanceAfter 40.00."""
    first, second = la("005920"), la("005921", "Otherwise Council")
    sam = person("AB123456C")
    revised = debt(sam, first, "HB/1", 10_000)
    debt(sam, second, "HB/2", 5_000)
    owed = debt(sam, dwp(), "DWP-1", 8_000)
    recover(owed, 3_001, date(2025, 10, 6))
    recover(revised, 3_001, date(2025, 10, 6))
    debt_services.revise_debt_amount(revised, 1_000, business_date=date(2025, 10, 15), actor="test", reason="r")
    files = {f.file_name: f for f in payments.run_month_end(OCT_RUN).files}
    lines = _lines(files["20251103-DMSCH-005920.xml"].path)
    assert [(x["Kind"], x["Amount"], x["BalanceAfter"], x["DebtRef"]) for x in lines] == [
        ("DEDUCTION", "30.01", "69.99", "HB/1"),
        ("CORRECTION", "-20.01", "0.00", "HB/1"),
    ]
    lines = _lines(files["20251103-DMSCH-005921.xml"].path)
    assert [(x["Kind"], x["Source"], x["Amount"], x["BalanceAfter"], x["DebtRef"]) for x in lines] == [
        ("DIRECT_PAYMENT", "DIRECT_PAYMENT", "10.00", "40.00", "HB/2")]
    assert debt_services.figures_of(owed) == debt_services.DebtFigures(8_000, 4_002, 3_998)


def test_schedule_legacy_benefit_code_is_the_source(data_dir: Path) -> None:
    council = la("005920")
    pat = person("CE123456D", benefit="ESA")
    hb = debt(pat, council, "HB/2", 10_000)
    recover(hb, 1_395, date(2025, 10, 9))
    [written] = payments.run_month_end(OCT_RUN).files
    assert _lines(written.path)[0]["Source"] == "ESA"


def test_negative_month_pays_nothing_and_is_brought_forward_as_one_line(data_dir: Path) -> None:
    council = la("005920")
    sam = person("AB123456C")
    hb = debt(sam, council, "HB/1", 10_000)
    recover(hb, 6_000, date(2025, 9, 8))
    payments.run_month_end(date(2025, 10, 1))
    debt_services.revise_debt_amount(hb, 1_000, business_date=date(2025, 10, 15), actor="test", reason="r")
    [october] = payments.run_month_end(OCT_RUN).files
    assert october.total_pence == -5_000
    row = PaymentSchedule.objects.get(period="2025-10")
    assert (row.paid_pence, row.carried_forward_pence) == (0, -5_000)
    second = debt(sam, council, "HB/3", 20_000, received_on=date(2025, 10, 1))
    recover(second, 7_000, date(2025, 11, 10))
    [november] = payments.run_month_end(date(2025, 12, 1)).files
    lines = _lines(november.path)
    assert [(x["Kind"], x["Amount"]) for x in lines] == [("BROUGHT_FORWARD", "-50.00"), ("DEDUCTION", "70.00")]
    assert _header(november.path)["TotalAmount"] == "20.00"
    assert PaymentSchedule.objects.get(period="2025-11").paid_pence == 2_000


def test_brought_forward_alone_makes_a_schedule(data_dir: Path) -> None:
    council = la("005920")
    hb = debt(person("AB123456C"), council, "HB/1", 10_000)
    recover(hb, 6_000, date(2025, 9, 8))
    payments.run_month_end(date(2025, 10, 1))
    debt_services.revise_debt_amount(hb, 1_000, business_date=date(2025, 10, 15), actor="test", reason="r")
    payments.run_month_end(OCT_RUN)
    [november] = payments.run_month_end(date(2025, 12, 1)).files
    assert [x["Kind"] for x in _lines(november.path)] == ["BROUGHT_FORWARD"]
    assert PaymentSchedule.objects.get(period="2025-11").carried_forward_pence == -5_000


def test_month_end_is_only_the_first_working_day_and_is_idempotent(data_dir: Path) -> None:
    council = la("005920")
    hb = debt(person("AB123456C"), council, "HB/1", 10_000)
    recover(hb, 2_000, date(2025, 10, 6))
    assert payments.run_month_end(date(2025, 11, 1)) is None  # a Saturday
    first = payments.run_month_end(OCT_RUN)
    before = first.files[0].path.read_bytes()
    again = payments.run_month_end(OCT_RUN)
    assert again.files[0].path.read_bytes() == before
    assert ScheduleRun.objects.count() == 1 and PaymentSchedule.objects.count() == 1
    with pytest.raises(DmsError, match="produced on 2025-11-03"):
        payments.produce_schedules(2025, 10, run_date=date(2025, 11, 4))


def test_no_schedule_for_an_la_without_lines(data_dir: Path) -> None:
    la("005920")
    quiet = la("000111")
    hb = debt(person("AB123456C"), quiet, "HB/1", 10_000)
    recover(hb, 100, date(2025, 10, 6))
    result = payments.run_month_end(OCT_RUN)
    assert [f.la_id for f in result.files] == ["000111"]


def test_schedule_source_is_the_benefit_the_deduction_was_taken_from(data_dir: Path) -> None:
    """hb-debt-interface.md §4.2 ``Source``: the benefit the money came from. A UC deduction paid on a day a
    legacy benefit is in payment (UC's last period, paid after JSA began) says UC; its reversal (a CORRECTION)
    names the same source; the person's credit applied to the debt is their own money paid on to it, a
    DIRECT_PAYMENT line, whatever is in payment that day."""
    from dms.ledger import AccountKey, AccountKind, build_entry, reversal_of
    from dms.store.ledger import post_entries

    council = la("005920")
    jo = person("AB123456C", benefit="JSA")
    hb = debt(jo, council, "HB/3", 20_000)
    uc = recover(hb, 6_002, date(2025, 10, 7), description="UC deduction, period from 2025-09-01, item 9")
    recover(hb, 1_395, date(2025, 10, 13), description="JSA instalment of 2025-10-13")
    postings = recovery_postings(hb, 6_002, AccountKey(AccountKind.BENEFIT_RECOVERIES))
    post_entries([reversal_of(uc, postings, date(2025, 10, 20), "reported after the award ended")])
    post_entries([build_entry(EntryKind.CREDIT_APPLIED, date(2025, 10, 22),
                              recovery_postings(hb, 500, AccountKey(AccountKind.PERSON_CREDIT, jo.pk)),
                              description="credit applied")])
    [written] = payments.run_month_end(OCT_RUN).files
    assert [(x["RecoveryDate"], x["Amount"], x["Source"], x["Kind"]) for x in _lines(written.path)] == [
        ("2025-10-07", "60.02", "UC", "DEDUCTION"),
        ("2025-10-13", "13.95", "JSA", "DEDUCTION"),
        ("2025-10-20", "-60.02", "UC", "CORRECTION"),
        ("2025-10-22", "5.00", "DIRECT_PAYMENT", "DIRECT_PAYMENT"),
    ]


def test_schedule_lines_are_in_day_then_debt_order_whatever_order_the_entries_were_posted_in(
        data_dir: Path) -> None:
    """hb-debt-interface.md §4.2: the same recoveries give the same schedule file. Chunks of partitions run on
    several workers commit in any order, so entry ids within a day are no order: lines go by day, then debt,
    then entry (a debt's own lines in the order its BalanceAfter runs)."""
    council = la("005920")
    first = debt(person("AB123456C"), council, "HB/1", 10_000)
    second = debt(person("CE123456D"), council, "HB/2", 10_000)
    recover(second, 300, date(2025, 10, 7))  # posted first, by a chunk that happened to commit first
    recover(first, 200, date(2025, 10, 7))
    recover(first, 100, date(2025, 10, 7))
    recover(second, 400, date(2025, 10, 6))
    [written] = payments.run_month_end(OCT_RUN).files
    assert [(x["RecoveryDate"], x["DebtRef"], x["Amount"], x["BalanceAfter"]) for x in _lines(written.path)] == [
        ("2025-10-06", "HB/2", "4.00", "96.00"),
        ("2025-10-07", "HB/1", "2.00", "98.00"),
        ("2025-10-07", "HB/1", "1.00", "97.00"),
        ("2025-10-07", "HB/2", "3.00", "93.00"),
    ]
