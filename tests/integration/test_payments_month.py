"""A synthetic month of activity, then BACS export and reconciliation against the ledger (recovery-rules.md
§5, §7; hb-debt-interface.md §7; A9/2025 §32–33, §53)."""

from __future__ import annotations

import hashlib
import importlib
import json
from datetime import date
from pathlib import Path

import pytest
from django.apps import apps
from la_files import received
from lxml import etree
from test_payments_book import (
    debt,
    dwp,
    hmrc,
    la,
    legacy_deduction,
    person,
    recover,
    split_deduction,
    uc_deduction,
)

from dms.errors import DmsError
from dms.la_interface import build
from dms.la_interface.names import MessageType
from dms.la_interface.schemas import schema
from dms.ledger import AccountKey, AccountKind, EntryKind
from dms.payments.bacs import read_standard18
from dms.services import debts as debt_services
from dms.services import misallocation, payments, reconcile
from dms.store.la.models import Recall
from dms.store.ledger import account_balance, check_ledger
from dms.store.models import Award, Creditor, Debt, JournalEntry, Person
from dms.store.payments.models import BacsFile, CreditorPayment, Misallocation

pytestmark = pytest.mark.django_db
NS = {"s": "urn:dms:hb-debt:1"}
OCT_RUN = date(2025, 11, 3)


def _month_of_activity() -> dict[str, object]:
    leeds, york = la("005920", "Leeds City Council"), la("000111", "York Council")
    sam, pat, kim = person("AB123456C"), person("CE123456D", benefit="JSA"), person("HJ123456A")
    hb_sam = debt(sam, leeds, "HB/1", 40_000)
    hb_pat = debt(pat, york, "HB/9", 20_000, classification="FRAUD")
    dwp_sam = debt(sam, dwp(), "DWP-1", 30_000)
    hmrc_kim = debt(kim, hmrc(), "TC-1", 10_000)
    hb_kim = debt(kim, york, "HB/7", 9_000)
    for day in (date(2025, 10, 6), date(2025, 10, 20)):
        split_deduction([(dwp_sam, 1_000), (hb_sam, 1_000)], day)
        recover(hb_pat, 2_325, day)
        recover(hmrc_kim, 500, day)
    recover(hb_kim, 4_000, date(2025, 10, 8), kind=EntryKind.DIRECT_PAYMENT)
    debt_services.revise_debt_amount(hb_kim, 3_000, business_date=date(2025, 10, 21), actor="t", reason="r")
    return {"leeds": leeds, "york": york, "hmrc_kim": hmrc_kim}


def test_reconciliation_after_a_month_ties_to_the_ledger_per_creditor_and_debt_type(data_dir: Path) -> None:
    book = _month_of_activity()
    payments.run_month_end(OCT_RUN)
    report = reconcile.reconcile("2025-10").as_json()
    assert report["ties"] is True and report["differences"] == []
    by_name = {line["creditor"]: line for line in report["creditors"]}
    assert by_name["LA 005920"] == {
        "creditor": "LA 005920", "la_id": "005920", "opening": "0.00", "recovered": "20.00",
        "corrections": "0.00", "paid": "0.00", "closing": "20.00", "ledger_closing": "20.00", "ties": True,
    }
    # York: 2 x 23.25 deductions, a 40.00 direct payment, 10.00 taken back after the revision to 30.00
    assert (by_name["LA 000111"]["recovered"], by_name["LA 000111"]["corrections"]) == ("86.50", "-10.00")
    assert by_name["HMRC"]["recovered"] == "20.00"  # 10.00 own + 10.00 of Kim's credit applied to TC-1
    assert by_name["DWP"]["closing"] == "20.00"
    types = {line["debt_type"]: line for line in report["debt_types"]}
    # 146.50 credited to debts less the 10.00 over-recovered (recovered as docs/architecture.md defines it)
    assert types["OVERPAYMENT"]["recovered"] == "136.50"
    assert json.dumps(report, sort_keys=True) == json.dumps(reconcile.reconcile("2025-10").as_json(), sort_keys=True)
    assert book["leeds"] is not None


def test_bacs_export_pays_each_la_its_schedule_total_once(data_dir: Path, tmp_path: Path) -> None:
    book = _month_of_activity()
    payments.run_month_end(OCT_RUN)
    out = tmp_path / "bacs.txt"
    first = payments.export_bacs("2025-10", out)
    assert (first.credits, first.total_pence, first.posted_entries) == (2, 2_000 + 7_650, 2)
    assert (first.submission_date, first.processing_date, first.payment_date) == (
        date(2025, 11, 19), date(2025, 11, 20), date(2025, 11, 21))
    parsed = read_standard18(out.read_text())
    credits = {r.destination_account: r.amount_pence for r in parsed.records if r.transaction_code == "99"}
    assert credits == {book["leeds"].account_number: 2_000, book["york"].account_number: 7_650}
    before = out.read_bytes()
    again = payments.export_bacs("2025-10", out)
    assert again.posted_entries == 0 and out.read_bytes() == before
    assert JournalEntry.objects.filter(kind="CREDITOR_PAYMENT").count() == 2
    assert CreditorPayment.objects.count() == 2
    assert account_balance(AccountKey(AccountKind.CREDITOR_PAYABLE, book["leeds"].pk)) == 0
    assert account_balance(AccountKey(AccountKind.BANK)) == -9_650
    assert check_ledger().ok
    november = reconcile.reconcile("2025-11").as_json()
    assert november["ties"] is True
    leeds = next(line for line in november["creditors"] if line["creditor"] == "LA 005920")
    assert (leeds["opening"], leeds["paid"], leeds["closing"]) == ("20.00", "20.00", "0.00")


def _uhl1_date(path: Path) -> date:
    return read_standard18(path.read_text()).processing_date


def _march_2025_paid_in_april(tmp_path: Path) -> Path:
    """An LA debt recovered in March 2025 and the month-end run of 1 April 2025; the BACS file's path."""
    council = la("005920")
    hb = debt(person("AB123456C"), council, "HB/1", 50_000, received_on=date(2025, 2, 28))
    recover(hb, 5_901, date(2025, 3, 7))
    payments.run_month_end(date(2025, 4, 1))
    return tmp_path / "bacs.txt"


def test_the_uhl1_label_carries_the_bacs_processing_day_one_working_day_before_payment(
    data_dir: Path, tmp_path: Path,
) -> None:
    """recovery-rules.md §7: BACS works on a three-day cycle (input day, processing day, entry day); the file
    is submitted two working days before the payment date and UHL1 carries the processing date, the working
    day between. March 2025 is paid in April 2025, whose third Friday (18th) is Good Friday: payment on Friday
    25 April, processing Thursday 24 April, input (submission) Wednesday 23 April. The payments recorded and
    the result give both days."""
    out = _march_2025_paid_in_april(tmp_path)
    result = payments.export_bacs("2025-03", out)
    assert (result.submission_date, result.processing_date, result.payment_date) == (
        date(2025, 4, 23), date(2025, 4, 24), date(2025, 4, 25))
    assert out.read_text().split("\n")[3][4:10] == " 25114"  # 24 April 2025 is day 114
    assert _uhl1_date(out) == date(2025, 4, 24)
    [paid] = CreditorPayment.objects.all()
    assert (paid.submission_date, paid.processing_date, paid.payment_date) == (
        date(2025, 4, 23), date(2025, 4, 24), date(2025, 4, 25))


def test_a_month_whose_payments_an_earlier_release_recorded_is_exported_again_with_the_days_recorded(
    data_dir: Path, tmp_path: Path,
) -> None:
    """docs/recovery-notes.md "The BACS processing date" (Decision): an earlier release wrote the input day
    in UHL1 and recorded it as the processing date. On upgrade (migration store_payments.0002) it is the
    payments' submission date too, and exporting the month again writes the file first written, with that
    date, and records nothing."""
    migration = importlib.import_module("dms.store.payments.migrations.0002_creditor_payment_submission_date")
    out = _march_2025_paid_in_april(tmp_path)
    payments.export_bacs("2025-03", out)
    CreditorPayment.objects.update(processing_date=date(2025, 4, 23))  # as the earlier release recorded it
    BacsFile.objects.all().delete()  # which kept no file
    migration.submission_from_processing(apps, None)
    [paid] = CreditorPayment.objects.all()
    assert (paid.submission_date, paid.processing_date) == (date(2025, 4, 23), date(2025, 4, 23))
    again = payments.export_bacs("2025-03", out)
    assert again.posted_entries == 0 and (again.submission_date, again.processing_date) == (
        date(2025, 4, 23), date(2025, 4, 23))
    assert _uhl1_date(out) == date(2025, 4, 23)
    written = out.read_bytes()
    payments.export_bacs("2025-03", out)
    assert out.read_bytes() == written and CreditorPayment.objects.count() == 1


def test_exporting_a_month_again_writes_the_file_its_payments_were_recorded_with_after_the_settings_change(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """README `dms bacs export`: exporting again writes the same file and records nothing new. The file is kept
    whole when the payments are recorded; after the originator's settings (DMS_BACS_*) or an LA's bank details
    change, exporting the month again writes the bytes those payments were made with, and says the settings
    changed; the file of a month not yet recorded is written with the settings in force."""
    from dms.settings import reset_config

    out = _march_2025_paid_in_april(tmp_path)
    first = payments.export_bacs("2025-03", out)
    written = out.read_bytes()
    assert first.posted_entries == 1 and not first.settings_changed
    [kept] = BacsFile.objects.all()
    assert kept.text.encode("ascii") == written and kept.sha256 == hashlib.sha256(written).hexdigest()
    monkeypatch.setenv("DMS_BACS_SUN", "987654")
    monkeypatch.setenv("DMS_BACS_SORT_CODE", "112233")
    reset_config()
    try:
        Creditor.objects.filter(la_id="005920").update(sort_code="998877", account_number="12345678")
        again = payments.export_bacs("2025-03", out)
    finally:
        reset_config()
    assert again.posted_entries == 0 and again.settings_changed
    assert out.read_bytes() == written and "987654" not in out.read_text() and "998877" not in out.read_text()
    assert CreditorPayment.objects.count() == 1 and BacsFile.objects.count() == 1


def test_bacs_export_refuses_a_month_whose_schedules_are_not_produced(data_dir: Path, tmp_path: Path) -> None:
    _month_of_activity()
    with pytest.raises(DmsError, match="no payment schedules for 2025-10.*2025-11-03"):
        payments.export_bacs("2025-10", tmp_path / "x.txt")
    with pytest.raises(DmsError, match="YYYY-MM"):
        payments.export_bacs("2025-13", tmp_path / "x.txt")
    assert not (tmp_path / "x.txt").exists()


def test_reconciliation_names_a_schedule_that_does_not_match_the_ledger(data_dir: Path) -> None:
    book = _month_of_activity()
    payments.run_month_end(OCT_RUN)
    from dms.store.payments.models import PaymentSchedule

    PaymentSchedule.objects.filter(creditor=book["leeds"]).update(total_pence=2_100)
    report = reconcile.reconcile("2025-10")
    assert not report.ties
    assert any("LA 005920" in d and "schedule carries 21.00" in d for d in report.differences)


def test_misallocation_item_19_all_to_la_is_detected_and_corrected_without_changing_the_total(
    data_dir: Path,
) -> None:
    leeds = la("005920")
    sam = person("AB123456C")
    hb = debt(sam, leeds, "HB/1", 40_000)
    own = debt(sam, dwp(), "DWP-1", 30_000)
    uc_deduction(sam, [(hb, 6_000)], date(2025, 10, 6))  # item 19 wholly to the LA, although DWP had a debt
    found = misallocation.detect("2025-10", today=date(2025, 10, 7))
    assert len(found) == 1
    item = misallocation.as_json(found[0])
    assert (item["item"], item["received_by"], item["excess"]) == ("19", "LA", "30.00")
    assert item["fair_shares"] == {"DWP": "30.00", "HMRC": "0.00", "LA": "30.00"}
    assert misallocation.detect("2025-10", today=date(2025, 10, 7))[0].pk == found[0].pk  # idempotent
    total_before = sum(account_balance(AccountKey(AccountKind.RECEIVABLE, d.pk)) for d in (hb, own))
    misallocation.correct(found[0].pk, business_date=date(2025, 10, 9), actor="staff", reason="A9/2025 §53")
    assert account_balance(AccountKey(AccountKind.RECEIVABLE, hb.pk)) == 40_000 - 3_000
    assert account_balance(AccountKey(AccountKind.RECEIVABLE, own.pk)) == 30_000 - 3_000
    assert sum(account_balance(AccountKey(AccountKind.RECEIVABLE, d.pk)) for d in (hb, own)) == total_before
    assert account_balance(AccountKey(AccountKind.PERSON_CREDIT, sam.pk)) == 0
    assert misallocation.detect("2025-10", today=date(2025, 10, 10)) == []
    with pytest.raises(DmsError, match="already corrected"):
        misallocation.correct(found[0].pk, business_date=date(2025, 10, 9), actor="staff", reason="again")
    [written] = payments.run_month_end(OCT_RUN).files
    text = written.path.read_text()
    assert "<Amount>-30.00</Amount><Source>UC</Source><Kind>CORRECTION</Kind><BalanceAfter>370.00" in text
    assert "<TotalAmount>30.00</TotalAmount>" in text
    assert reconcile.reconcile("2025-10").ties
    assert check_ledger().ok


def test_a_misallocation_correction_reaches_the_la_schedule_as_the_deduction_it_reallocates(
    data_dir: Path,
) -> None:
    """recovery-rules.md §5 and A9/2025 §53 (the correction takes the excess back from the owner that received
    it and credits the others); hb-debt-interface.md §4.2 (``Source`` is UC, a benefit code or DIRECT_PAYMENT;
    ``Kind`` tells a DEDUCTION from a DIRECT_PAYMENT); docs/la-interface-notes.md "Payment schedule `Source`
    and `Kind`" (Decision): a UC item-19 deduction of 60.00 given wholly to DWP although the person has an HB
    debt; the LA's 30.00 share moved to its debt by the correction is the UC deduction re-allocated, not the
    person's own money: a DEDUCTION line whose Source is the benefit the deduction came from (UC, though JSA is
    the benefit in payment on the day of the correction), dated the day of the correction, in a schedule the
    XSD accepts, and the reconciliation ties."""
    leeds = la("005920")
    sam = person("AB123456C")
    hb = debt(sam, leeds, "HB/1", 40_000)
    own = debt(sam, dwp(), "DWP-1", 30_000)
    uc_deduction(sam, [(own, 6_000)], date(2025, 10, 6))  # item 19 wholly to DWP
    [found] = misallocation.detect("2025-10", today=date(2025, 10, 6))
    assert (found.received_by, found.excess_pence) == ("DWP", 3_000)
    corrected = misallocation.correct(found.pk, business_date=date(2025, 10, 7), actor="clerk",
                                      reason="A9/2025 para 53")
    assert [JournalEntry.objects.get(pk=e).kind for e in corrected.correction_entry_ids] == [
        EntryKind.CORRECTION, EntryKind.REALLOCATION]
    Award.objects.filter(person=sam, benefit="UC").update(end_date=date(2025, 10, 6))
    Award.objects.create(award_ref="jsa-sam", person=sam, benefit="JSA", start_date=date(2025, 10, 7))
    [written] = payments.run_month_end(OCT_RUN).files
    document = etree.parse(str(written.path))
    assert schema(MessageType.SCHEDULE).validate(document), schema(MessageType.SCHEDULE).error_log
    lines = [{child.tag.split("}")[1]: child.text for child in line}
             for line in document.getroot().iterfind("s:Line", NS)]
    assert lines == [{"DebtRef": "HB/1", "NINO": "AB123456C", "RecoveryDate": "2025-10-07", "Amount": "30.00",
                      "Source": "UC", "Kind": "DEDUCTION", "BalanceAfter": "370.00"}]
    report = reconcile.reconcile("2025-10")
    assert report.ties, report.differences
    by_name = {line["creditor"]: line for line in report.as_json()["creditors"]}
    assert (by_name["LA 005920"]["recovered"], by_name["DWP"]["recovered"], by_name["DWP"]["corrections"]) == (
        "30.00", "60.00", "-30.00")
    assert account_balance(AccountKey(AccountKind.RECEIVABLE, hb.pk)) == 37_000
    assert account_balance(AccountKey(AccountKind.PERSON_CREDIT, sam.pk)) == 0 and check_ledger().ok


def test_a_misallocation_correction_takes_the_las_excess_back_as_the_deduction_it_reallocates(
    data_dir: Path,
) -> None:
    """hb-debt-interface.md §4.2 (a CORRECTION is money taken back, §53; ``Source`` the benefit the money came
    from); docs/la-interface-notes.md "Payment schedule `Source` and `Kind`": the same UC item-19 deduction
    given wholly to the LA; the 30.00 taken back from the LA's debt is a CORRECTION line whose Source is UC, the
    deduction's benefit, though JSA is the benefit in payment on the day of the correction."""
    leeds = la("005920")
    sam = person("AB123456C")
    hb = debt(sam, leeds, "HB/1", 40_000)
    own = debt(sam, dwp(), "DWP-1", 30_000)
    uc_deduction(sam, [(hb, 6_000)], date(2025, 10, 6))  # item 19 wholly to the LA
    [found] = misallocation.detect("2025-10", today=date(2025, 10, 6))
    misallocation.correct(found.pk, business_date=date(2025, 10, 7), actor="clerk", reason="A9/2025 para 53")
    assert account_balance(AccountKey(AccountKind.RECEIVABLE, own.pk)) == 27_000
    Award.objects.filter(person=sam, benefit="UC").update(end_date=date(2025, 10, 6))
    Award.objects.create(award_ref="jsa-sam", person=sam, benefit="JSA", start_date=date(2025, 10, 7))
    [written] = payments.run_month_end(OCT_RUN).files
    document = etree.parse(str(written.path))
    assert schema(MessageType.SCHEDULE).validate(document), schema(MessageType.SCHEDULE).error_log
    lines = [(line.findtext("s:RecoveryDate", namespaces=NS), line.findtext("s:Amount", namespaces=NS),
              line.findtext("s:Source", namespaces=NS), line.findtext("s:Kind", namespaces=NS))
             for line in document.getroot().iterfind("s:Line", NS)]
    assert lines == [("2025-10-06", "60.00", "UC", "DEDUCTION"), ("2025-10-07", "-30.00", "UC", "CORRECTION")]
    assert reconcile.reconcile("2025-10").ties and check_ledger().ok


def test_a_misallocation_whose_benefit_is_not_known_is_not_corrected_and_nothing_is_posted(data_dir: Path) -> None:
    """The correction's lines name the benefit of the deduction it re-allocates (hb-debt-interface.md §4.2
    ``Source``): with no deduction row to read it from, the correction is refused, saying what to do, and
    nothing is posted."""
    from dms.errors import InvariantBroken
    from dms.store.recovery.models import Deduction

    sam = person("AB123456C")
    debt(sam, la("005920"), "HB/1", 40_000)
    own = debt(sam, dwp(), "DWP-1", 30_000)
    uc_deduction(sam, [(own, 6_000)], date(2025, 10, 6))
    [found] = misallocation.detect("2025-10", today=date(2025, 10, 6))
    Deduction.objects.all().delete()
    entries = JournalEntry.objects.count()
    with pytest.raises(InvariantBroken, match="have no deduction rows.*refer it for a manual decision"):
        misallocation.correct(found.pk, business_date=date(2025, 10, 7), actor="clerk", reason="A9/2025 para 53")
    assert JournalEntry.objects.count() == entries
    assert Misallocation.objects.get(pk=found.pk).status == Misallocation.DETECTED


def test_misallocation_of_a_debt_reclassified_since_is_still_assessed_under_its_item_then(
    data_dir: Path,
) -> None:
    """recovery-rules.md §5 with hb-debt-interface.md §6.5: item 19 went wholly to the LA's debt, which the
    LA then reclassified FRAUD (item 17 now); the misallocation is found under item 19, never a crash."""
    from dms.services.debts import change_classification

    leeds = la("005920")
    sam = person("AB123456C")
    hb = debt(sam, leeds, "HB/1", 40_000)
    debt(sam, dwp(), "DWP-1", 30_000)
    uc_deduction(sam, [(hb, 6_000)], date(2025, 10, 6))
    change_classification(hb, "FRAUD", business_date=date(2025, 10, 8), actor="LA file", reason="revision")
    found = misallocation.detect("2025-10", today=date(2025, 10, 9))
    assert [(f.item, f.received_by, f.excess_pence) for f in found] == [("19", "LA", 3_000)]


def test_misallocation_judged_by_the_classifications_on_the_day_a_debt_reclassified_into_the_item_since(
    data_dir: Path,
) -> None:
    """recovery-rules.md §5 (a misallocation is a deduction credited wholly to one debt when it should have
    been shared) with hb-debt-interface.md §6.5 (a revision takes effect on its processing date): item 17
    (fraud) went wholly to DWP's fraud debt while the LA's debt was NON_FRAUD (item 19); the LA reclassifying
    it FRAUD later does not make that deduction a misallocation."""
    from dms.services.debts import change_classification

    leeds = la("005920")
    sam = person("AB123456C")
    fraud = debt(sam, dwp(), "DWP-F", 30_000, classification="FRAUD")
    hb = debt(sam, leeds, "HB/1", 40_000)
    uc_deduction(sam, [(fraud, 6_002)], date(2025, 10, 6))
    assert misallocation.detect("2025-10", today=date(2025, 10, 7)) == []
    change_classification(hb, "FRAUD", business_date=date(2025, 10, 8), actor="LA file", reason="appeal decided")
    assert misallocation.detect("2025-10", today=date(2025, 10, 9)) == []


def test_misallocation_correction_is_not_dated_before_the_last_run_date(data_dir: Path) -> None:
    """hb-debt-interface.md §7 (a month's schedule, once written, is paid): a correction dated before the last
    completed run would take money back from an LA in a month already scheduled; it is refused, nothing
    posted."""
    from dms.store.models import RunDay

    leeds = la("005920")
    sam = person("AB123456C")
    hb = debt(sam, leeds, "HB/1", 40_000)
    debt(sam, dwp(), "DWP-1", 30_000)
    uc_deduction(sam, [(hb, 6_000)], date(2025, 10, 6))
    [found] = misallocation.detect("2025-10", today=date(2025, 10, 7))
    RunDay.objects.create(run_date=date(2025, 11, 3), completed=True)
    with pytest.raises(DmsError, match="already done 2025-11-03"):
        misallocation.correct(found.pk, business_date=date(2025, 10, 9), actor="staff", reason="A9/2025 §53")
    misallocation.correct(found.pk, business_date=date(2025, 11, 3), actor="staff", reason="A9/2025 §53")


def test_misallocation_correction_is_not_dated_after_the_next_run_date(data_dir: Path) -> None:
    """hb-debt-interface.md §7 (what an LA is owed goes on its month's schedule): a correction dated after the
    next run date (the day after the last completed run) would post money the runs between have not reached,
    off the schedule the LA is next paid by; it is refused, saying which dates are allowed, nothing posted."""
    from dms.store.models import RunDay

    leeds = la("005920")
    sam = person("AB123456C")
    hb = debt(sam, leeds, "HB/1", 40_000)
    debt(sam, dwp(), "DWP-1", 30_000)
    uc_deduction(sam, [(hb, 6_000)], date(2025, 10, 6))
    [found] = misallocation.detect("2025-10", today=date(2025, 10, 7))
    RunDay.objects.create(run_date=date(2025, 11, 3), completed=True)
    entries = JournalEntry.objects.count()
    with pytest.raises(DmsError, match=r"--date 2027-06-01 is after the next run date, 2025-11-04.*"
                                       r"from 2025-11-03 to 2025-11-04"):
        misallocation.correct(found.pk, business_date=date(2027, 6, 1), actor="staff", reason="A9/2025 §53")
    assert JournalEntry.objects.count() == entries
    assert Misallocation.objects.get(pk=found.pk).status == Misallocation.DETECTED
    misallocation.correct(found.pk, business_date=date(2025, 11, 4), actor="staff", reason="A9/2025 §53")


@pytest.mark.parametrize("reported", [True, False])
def test_misallocation_correction_returns_at_once_the_balance_it_restores_on_a_returned_la_debt(
        data_dir: Path, reported: bool) -> None:
    """docs/la-interface-notes.md "A deduction reversed after its debt was returned" (Decision; hb-debt-interface.md
    §4.1, §4.2; A9/2025 §53): the excess taken back from an HB debt the LA has since recalled is a CORRECTION
    line on its schedule, and the balance that restores is returned at once (RETURN entry): a further
    Cessation with the first one's reason when that one is reported, else the pending one amended. DMS
    keeps no balance on a debt it no longer holds; the excess goes to the DWP debt."""
    from dms.store.la.models import Cessation

    sam = person("AB123456C")
    hb = debt(sam, la("005920"), "HB/1", 40_000)
    own = debt(sam, dwp(), "DWP-1", 30_000)
    uc_deduction(sam, [(hb, 6_000)], date(2025, 10, 6))
    [found] = misallocation.detect("2025-10", today=date(2025, 10, 7))
    debt_services.return_debt(hb, "LA_RECALL", business_date=date(2025, 10, 8), actor="run")
    if reported:
        Cessation.objects.filter(debt=hb).update(reported_on=date(2025, 10, 8))
    misallocation.correct(found.pk, business_date=date(2025, 10, 9), actor="staff", reason="A9/2025 §53")
    hb.refresh_from_db()
    assert hb.status == "RETURNED" and account_balance(AccountKey(AccountKind.RECEIVABLE, hb.pk)) == 0
    assert account_balance(AccountKey(AccountKind.RECEIVABLE, own.pk)) == 30_000 - 3_000
    cessations = [(c.cessation_date, c.reason, c.balance_returned_pence, c.amount_recovered_pence)
                  for c in Cessation.objects.filter(debt=hb).order_by("pk")]
    if reported:
        assert cessations == [(date(2025, 10, 8), "LA_RECALL", 34_000, 6_000),
                              (date(2025, 10, 9), "LA_RECALL", 3_000, 3_000)]
    else:
        assert cessations == [(date(2025, 10, 8), "LA_RECALL", 37_000, 3_000)]
    assert account_balance(AccountKey(AccountKind.PERSON_CREDIT, sam.pk)) == 0 and check_ledger().ok


def test_shared_deduction_is_not_a_misallocation(data_dir: Path) -> None:
    leeds = la("005920")
    sam = person("AB123456C")
    uc_deduction(sam, [(debt(sam, dwp(), "DWP-1", 30_000), 3_000), (debt(sam, leeds, "HB/1", 40_000), 3_000)],
                 date(2025, 10, 6))
    kim = person("HJ123456A")
    uc_deduction(kim, [(debt(kim, leeds, "HB/2", 5_000), 1_000)], date(2025, 10, 6))  # no other owner
    assert misallocation.detect("2025-10", today=date(2025, 10, 7)) == []


def test_bacs_export_for_a_month_the_runs_passed_without_schedules_says_so(data_dir: Path, tmp_path: Path) -> None:
    """A month whose schedule day the daily runs have passed without producing any: the message does not
    send the operator to run a day already done."""
    from dms.store.models import RunDay

    RunDay.objects.create(run_date=date(2026, 7, 1), completed=True)
    with pytest.raises(DmsError, match=r"no payment schedules for 2025-06: the daily runs are done to 2026-07-01, "
                                       r"past the day they would have been produced \(2025-07-01\)") as refused:
        payments.export_bacs("2025-06", tmp_path / "x.txt")
    assert "dms run" not in str(refused.value) and not (tmp_path / "x.txt").exists()


def _paid_month(tmp_path: Path) -> Path:
    """October's activity and month-end run; returns the folder to export into."""
    _month_of_activity()
    payments.run_month_end(OCT_RUN)
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


def test_bacs_export_that_cannot_write_its_file_records_nothing_and_leaves_no_file(
        data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _paid_month(tmp_path)

    def disk_full(descriptor: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(payments.os, "fsync", disk_full)
    with pytest.raises(DmsError, match="No space left on device.*nothing was recorded"):
        payments.export_bacs("2025-10", folder / "bacs.txt")
    assert CreditorPayment.objects.count() == 0 and not JournalEntry.objects.filter(kind="CREDITOR_PAYMENT").exists()
    assert list(folder.iterdir()) == []


def test_bacs_export_whose_payments_fail_to_record_leaves_no_file(
        data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _paid_month(tmp_path)

    def broken(*args: object) -> int:
        raise RuntimeError("the ledger refused the entries")

    monkeypatch.setattr(payments, "_record_payments", broken)
    with pytest.raises(RuntimeError):
        payments.export_bacs("2025-10", folder / "bacs.txt")
    assert list(folder.iterdir()) == [] and CreditorPayment.objects.count() == 0


def test_bacs_export_whose_file_cannot_be_put_in_place_says_where_it_is_and_a_rerun_completes_it(
        data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _paid_month(tmp_path)
    target = folder / "bacs.txt"
    real_replace = payments.os.replace

    def refused(source: object, destination: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(payments.os, "replace", refused)
    with pytest.raises(DmsError, match="could not be put at .*bacs.txt .*2 payment\\(s\\) were recorded") as error:
        payments.export_bacs("2025-10", target)
    [complete] = list(folder.iterdir())
    assert str(complete) in str(error.value) and "records nothing new" in str(error.value)
    assert read_standard18(complete.read_text()).credit_count == 2 and CreditorPayment.objects.count() == 2
    monkeypatch.setattr(payments.os, "replace", real_replace)
    again = payments.export_bacs("2025-10", target)
    assert again.posted_entries == 0 and target.read_bytes() == complete.read_bytes()
    assert CreditorPayment.objects.count() == 2 and check_ledger().ok


def test_bacs_export_refuses_a_target_it_must_not_write_and_records_nothing(data_dir: Path, tmp_path: Path) -> None:
    folder = _paid_month(tmp_path)
    notes = folder / "notes.txt"
    notes.write_text("not a BACS file\n")
    refused = [
        (folder, "is a directory; give a file name in it, such as .*DMS-BACS-2025-10.txt"),
        (folder / "missing" / "bacs.txt", "the folder .*missing does not exist"),
        (notes, "not a BACS Standard 18 file"),
    ]
    for target, message in refused:
        with pytest.raises(DmsError, match=message):
            payments.export_bacs("2025-10", target)
    assert notes.read_text() == "not a BACS file\n" and CreditorPayment.objects.count() == 0
    assert payments.export_bacs("2025-10", data_dir / "october.txt").posted_entries == 2
    assert payments.export_bacs("2025-10", folder / "bacs.txt").posted_entries == 0
    assert sorted(p.name for p in folder.iterdir()) == ["bacs.txt", "notes.txt"]


def test_bacs_export_into_a_path_under_a_file_says_that_file_is_not_a_folder(tmp_path: Path) -> None:
    """README: an error says what is wrong, where and how to put it right. A BACS file asked for below a file
    (afile.txt/x.txt) is refused saying that afile.txt is a file, not that its folder does not exist (it
    exists: creating it cannot be followed); nothing is recorded."""
    folder = _paid_month(tmp_path)
    a_file = folder / "afile.txt"
    a_file.write_text("hello\n")
    for target in (a_file / "x.txt", a_file / "below" / "x.txt"):
        with pytest.raises(DmsError, match=f"{target}: {a_file} is a file, not a folder; give a file in a folder"):
            payments.export_bacs("2025-10", target)
    assert a_file.read_text() == "hello\n" and CreditorPayment.objects.count() == 0


def _couple() -> tuple[Person, Person]:
    """A couple on one joint UC award held by the first partner."""
    first, second = person("AB123456C"), person("CE123456D")
    Award.objects.filter(person=first).update(partner=second, claimant_type="JOINT_25_OR_OVER")
    return first, second


def test_misallocation_unit_is_the_assessment_period_across_both_partners_correct_split_not_reported(
    data_dir: Path,
) -> None:
    """Item 19 of a couple's period split 37.32 to the partner's DWP debt and 37.31 to the holder's older
    HMRC debt (rule b) is correct, although the partner also has an HMRC debt that got nothing."""
    holder, partner = _couple()
    own_hmrc = debt(holder, hmrc(), "TC-A", 30_000, received_on=date(2025, 8, 1))
    debt(partner, hmrc(), "TC-B", 30_000)
    partner_dwp = debt(partner, dwp(), "DWP-B", 30_000)
    uc_deduction(holder, [(partner_dwp, 3_732), (own_hmrc, 3_731)], date(2025, 10, 6))
    assert misallocation.detect("2025-10", today=date(2025, 10, 7)) == []


def test_misallocation_unit_is_the_assessment_period_across_both_partners_found_and_corrected(
    data_dir: Path,
) -> None:
    """The whole 74.63 to the partner's DWP debt although the holder's HMRC debt could take its share: the
    engine's split is 37.32 DWP / 37.31 HMRC, and the correction moves 37.31 to the HMRC debt."""
    holder, partner = _couple()
    own_hmrc = debt(holder, hmrc(), "TC-A", 30_000)
    partner_dwp = debt(partner, dwp(), "DWP-B", 30_000)
    uc_deduction(holder, [(partner_dwp, 7_463)], date(2025, 10, 6))
    [found] = misallocation.detect("2025-10", today=date(2025, 10, 7))
    item = misallocation.as_json(found)
    assert (item["nino"], item["received_by"], item["excess"]) == ("AB123456C", "DWP", "37.31")
    assert item["fair_shares"] == {"DWP": "37.32", "HMRC": "37.31", "LA": "0.00"}
    misallocation.correct(found.pk, business_date=date(2025, 10, 9), actor="staff", reason="A9/2025 §53")
    assert account_balance(AccountKey(AccountKind.RECEIVABLE, partner_dwp.pk)) == 30_000 - 3_732
    assert account_balance(AccountKey(AccountKind.RECEIVABLE, own_hmrc.pk)) == 30_000 - 3_731
    assert account_balance(AccountKey(AccountKind.PERSON_CREDIT, holder.pk)) == 0 and check_ledger().ok


def test_misallocation_only_debts_open_when_deducted_are_eligible(data_dir: Path) -> None:
    """An LA debt recalled the day before (RECALL_PENDING, returned later) was not deducted from: the whole
    item to DWP was right."""
    sam = person("AB123456C")
    hb = debt(sam, la("005920"), "HB/1", 40_000)
    own = debt(sam, dwp(), "DWP-1", 30_000)
    hb.change_status("RECALL_PENDING", business_date=date(2025, 10, 5), actor="LA file", reason="recall")
    uc_deduction(sam, [(own, 6_002)], date(2025, 10, 6))
    debt_services.return_debt(hb, "LA_RECALL", business_date=date(2025, 10, 10), actor="run")
    assert misallocation.detect("2025-10", today=date(2025, 10, 11)) == []


def test_misallocation_of_a_late_period_is_judged_as_on_its_payment_date(data_dir: Path) -> None:
    """A9/2025 §53 with events.md §2 (a period's deductions are worked out "on ``payment_date``"; one reported
    late is taken on the next run, docs/events-notes.md "A UC period reported after its payment date"): the
    check shares a late period's item over the debts it could take from on its payment date. The period paid
    on 2025-10-06 and taken on 2025-10-08 gave item 19 wholly to DWP, rightly: the HMRC debt was received on
    2025-10-07. The next one, paid on 2025-10-13 and taken on 2025-10-15, did the same when the HMRC debt
    could take its share: that is a misallocation."""
    sam = person("AB123456C")
    own = debt(sam, dwp(), "DWP-1", 30_000)
    debt(sam, hmrc(), "TC-1", 30_000, received_on=date(2025, 10, 7))
    uc_deduction(sam, [(own, 6_002)], date(2025, 10, 8), paid=date(2025, 10, 6))
    assert misallocation.detect("2025-10", today=date(2025, 10, 9)) == []
    uc_deduction(sam, [(own, 6_002)], date(2025, 10, 15), paid=date(2025, 10, 13))
    [found] = misallocation.detect("2025-10", today=date(2025, 10, 16))
    item = misallocation.as_json(found)
    assert (item["business_date"], item["received_by"], item["excess"]) == ("2025-10-15", "DWP", "30.01")
    assert item["fair_shares"] == {"DWP": "30.01", "HMRC": "30.01", "LA": "0.00"}


def test_misallocation_of_a_late_period_is_judged_at_the_reduced_rates_of_its_payment_date(
    data_dir: Path,
) -> None:
    """A9/2025 §31 with events.md §2 (docs/events-notes.md "A UC period reported after its payment date": a
    staff rate since expired still applies): a rate of £10.00 on the DWP debt, in force on the payment date
    2025-10-06 and expired by the run of 2025-10-08 that took the period late, limited DWP's share of item 19
    to £10.00, and the LA's debt took the rest, £50.02: a correct split, not reported."""
    from dms.store.recovery.models import ReducedRate

    sam = person("AB123456C")
    own = debt(sam, dwp(), "DWP-1", 30_000)
    hb = debt(sam, la("005920"), "HB/1", 40_000)
    ReducedRate.objects.create(debt=own, amount_pence=1_000, per="ASSESSMENT_PERIOD", until=date(2025, 10, 7),
                               reason="affordability", actor="staff", set_on=date(2025, 9, 1))
    uc_deduction(sam, [(own, 1_000), (hb, 5_002)], date(2025, 10, 8), paid=date(2025, 10, 6))
    assert misallocation.detect("2025-10", today=date(2025, 10, 9)) == []


def test_misallocation_of_a_late_period_counts_a_debt_recalled_after_its_payment_date_in_its_holding_period(
    data_dir: Path,
) -> None:
    """hb-debt-interface.md §6.5 ("Money already taken still reaches the debt during the holding period";
    **Decision**, docs/events-notes.md "A UC period reported after its payment date"): a period paid on
    2025-10-06 and taken late on 2025-10-08 takes from an LA debt recalled on 2025-10-07, OPEN when recalled
    and still in its holding period, as it would have on the payment date, so item 19 wholly to DWP is a
    misallocation. An LA debt recalled on the payment date was not taken from: the same split is right."""
    leeds = la("005920")
    sam, kim = person("AB123456C"), person("HJ123456A")
    late, paid = date(2025, 10, 8), date(2025, 10, 6)
    for who, recalled_on in ((sam, date(2025, 10, 7)), (kim, paid)):
        hb = debt(who, leeds, f"HB/{who.nino}", 40_000)
        own = debt(who, dwp(), f"DWP/{who.nino}", 30_000)
        hb.change_status("RECALL_PENDING", business_date=recalled_on, actor="LA file", reason="recall")
        uc_deduction(who, [(own, 6_002)], late, paid=paid)
    [found] = misallocation.detect("2025-10", today=date(2025, 10, 9))
    item = misallocation.as_json(found)
    assert (item["nino"], item["received_by"], item["excess"]) == ("AB123456C", "DWP", "30.01")
    assert item["fair_shares"] == {"DWP": "30.01", "HMRC": "0.00", "LA": "30.01"}


def _misallocated_while_recalled(data_dir: Path) -> tuple[Debt, Debt, Misallocation]:
    """An LA debt (HB/1, 400.00) recalled on 2025-10-07, in its holding period until it ceases on 2025-10-12
    (a UC claimant); a period paid on 2025-10-06 and taken late on 2025-10-08 gave its item 19 (60.02)
    wholly to the DWP debt: 30.01 of it was the LA's share (the debt was OPEN on the payment date)."""
    folder = data_dir / "incoming"
    folder.mkdir()
    sam = person("AB123456C")
    leeds = la("005920")
    hb = debt(sam, leeds, "HB/1", 40_000)
    own = debt(sam, dwp(), "DWP-1", 30_000)
    recall_file = received(folder, "LAREC", [build.recall("HB/1", "AB123456C")], day=date(2025, 10, 7))
    hb.change_status("RECALL_PENDING", business_date=date(2025, 10, 7), actor="LA file", reason="recall")
    Recall.objects.create(debt=hb, file=recall_file, reason="LA_RECOVERY", recalled_on=date(2025, 10, 7),
                          ceases_on=date(2025, 10, 12))
    uc_deduction(sam, [(own, 6_002)], date(2025, 10, 8), paid=date(2025, 10, 6))
    [found] = misallocation.detect("2025-10", today=date(2025, 10, 9))
    return hb, own, found


def test_misallocation_correction_places_the_excess_on_a_debt_in_its_recall_holding_period(
    data_dir: Path,
) -> None:
    """A9/2025 §53 with hb-debt-interface.md §6.5 ("Money already taken still reaches the debt during the
    holding period"): the misallocated deduction is money already taken, and the LA's share of it was due to
    HB/1, recalled since and still in its holding period: the correction places it there (a REALLOCATION, a
    DEDUCTION line on the LA's schedule); the debt stays RECALL_PENDING and ceases with the balance then
    held."""
    hb, own, found = _misallocated_while_recalled(data_dir)
    misallocation.correct(found.pk, business_date=date(2025, 10, 9), actor="staff", reason="A9/2025 §53")
    figures = debt_services.debt_figures([hb, own])
    assert figures == {hb.pk: (40_000, 3_001, 36_999), own.pk: (30_000, 3_001, 26_999)}
    hb.refresh_from_db()
    assert hb.status == "RECALL_PENDING"
    assert Misallocation.objects.get(pk=found.pk).status == Misallocation.CORRECTED
    assert check_ledger().ok


def test_misallocation_correction_with_no_debt_to_take_the_excess_is_refused_and_nothing_is_posted(
    data_dir: Path,
) -> None:
    """A9/2025 §53 (docs/la-interface-notes.md "A deduction reversed after its debt was returned": the excess
    is placed on debts still held, OPEN or in their recall holding period, hb-debt-interface.md §6.5): on the
    day the LA's only debt of item 19 ceases, its holding period has ended and nothing more reaches it, so
    nothing can take the LA's share; the correction is refused, saying why, and nothing is posted."""
    _hb, _own, found = _misallocated_while_recalled(data_dir)
    entries = JournalEntry.objects.count()
    with pytest.raises(DmsError, match="no debt of item 19 .* whose holding period has ended.* manual decision"):
        misallocation.correct(found.pk, business_date=date(2025, 10, 12), actor="staff", reason="A9/2025 §53")
    assert JournalEntry.objects.count() == entries
    assert Misallocation.objects.get(pk=found.pk).status == Misallocation.DETECTED


def test_misallocation_rule_a_hmrc_penalty_has_no_share(data_dir: Path) -> None:
    """Items 16 and 18 are shared between DWP and an LA only (rule a), as the engine splits them."""
    sam = person("AB123456C")
    own = debt(sam, dwp(), "AP-1", 30_000, debt_type="ADMINISTRATIVE_PENALTY")
    debt(sam, hmrc(), "AP-2", 30_000, debt_type="ADMINISTRATIVE_PENALTY")
    uc_deduction(sam, [(own, 6_002)], date(2025, 10, 6))
    assert misallocation.detect("2025-10", today=date(2025, 10, 7)) == []
    leeds_penalty = debt(sam, la("005920"), "HB/P", 30_000, debt_type="ADMINISTRATIVE_PENALTY")
    uc_deduction(sam, [(own, 6_002)], date(2025, 10, 13))
    [found] = misallocation.detect("2025-10", today=date(2025, 10, 14))
    assert misallocation.as_json(found)["fair_shares"] == {"DWP": "30.01", "HMRC": "0.00", "LA": "30.01"}
    assert leeds_penalty.pk not in found.shares["received"]


def test_misallocation_recorded_by_person_and_day_is_not_recorded_again_by_period(data_dir: Path) -> None:
    """Misallocations recorded by earlier releases are keyed by person, day and item: their deductions are
    not recorded a second time under the assessment period's key."""
    sam = person("AB123456C")
    hb = debt(sam, la("005920"), "HB/1", 40_000)
    debt(sam, dwp(), "DWP-1", 30_000)
    [entry_id] = uc_deduction(sam, [(hb, 6_000)], date(2025, 10, 6))
    Misallocation.objects.create(
        key=f"{sam.pk}:2025-10-06:item19", person=sam, business_date=date(2025, 10, 6), item="19",
        entry_ids=[entry_id], amount_pence=6_000, received_by="LA", excess_pence=3_000, status="CORRECTED",
        shares={"received": {str(hb.pk): 6_000}, "fair": {"DWP": 3_000, "HMRC": 0, "LA": 3_000}},
        detected_on=date(2025, 10, 7))
    assert misallocation.detect("2025-10", today=date(2025, 10, 8)) == []
    assert Misallocation.objects.count() == 1


def test_bacs_export_of_a_month_end_that_wrote_no_schedules_says_so(data_dir: Path, tmp_path: Path) -> None:
    la("005920")
    assert payments.run_month_end(OCT_RUN) is not None
    with pytest.raises(DmsError, match="wrote no schedules"):
        payments.export_bacs("2025-10", tmp_path / "x.txt")
    assert not (tmp_path / "x.txt").exists()


def test_misallocation_a_joint_debt_its_owners_award_recovers_has_no_share_of_the_other_debtors_item(
        data_dir: Path) -> None:
    """docs/recovery-notes.md "Joint debts recovered from one benefit" (Decision): a joint debt whose owner
    has a benefit is recovered from the owner's award only; the other debtor's item 19 wholly to their own
    HB debt is right, and the owner's wholly to the joint debt too (recovery-rules.md §5, A9/2025 §53)."""
    owner, other = person("AB123456C"), person("CE123456D")
    joint = debt_services.create_debt(
        person=owner, creditor=dwp(), creditor_ref="DWP-J", debt_type="OVERPAYMENT", classification="NON_FRAUD",
        amount_pence=50_000, created_on=date(2025, 9, 1), received_on=date(2025, 9, 1),
        business_date=date(2025, 9, 1), actor="test", joint_person=other)
    hb = debt(other, la("005920"), "HB/1", 30_000)
    uc_deduction(owner, [(joint, 6_002)], date(2025, 10, 6))
    uc_deduction(other, [(hb, 6_002)], date(2025, 10, 6))
    assert misallocation.detect("2025-10", today=date(2025, 10, 7)) == []


def test_misallocation_is_corrected_onto_the_debts_the_award_recovers_not_a_joint_debt_its_owners_award_does(
        data_dir: Path) -> None:
    """The other debtor's item 19 wholly to their HB debt although their own DWP debt could take its share:
    the excess goes to that DWP debt, not to the older joint DWP debt recovered from its owner's award
    (docs/recovery-notes.md "Joint debts recovered from one benefit"; A9/2025 §53)."""
    owner, other = person("AB123456C"), person("CE123456D")
    joint = debt_services.create_debt(
        person=owner, creditor=dwp(), creditor_ref="DWP-J", debt_type="OVERPAYMENT", classification="NON_FRAUD",
        amount_pence=50_000, created_on=date(2025, 8, 1), received_on=date(2025, 8, 1),
        business_date=date(2025, 8, 1), actor="test", joint_person=other)
    own_dwp = debt(other, dwp(), "DWP-B", 30_000)
    hb = debt(other, la("005920"), "HB/1", 30_000)
    uc_deduction(other, [(hb, 6_002)], date(2025, 10, 6))
    [found] = misallocation.detect("2025-10", today=date(2025, 10, 7))
    assert misallocation.as_json(found)["fair_shares"] == {"DWP": "30.01", "HMRC": "0.00", "LA": "30.01"}
    misallocation.correct(found.pk, business_date=date(2025, 10, 9), actor="staff", reason="A9/2025 §53")
    assert account_balance(AccountKey(AccountKind.RECEIVABLE, own_dwp.pk)) == 30_000 - 3_001
    assert account_balance(AccountKey(AccountKind.RECEIVABLE, joint.pk)) == 50_000
    assert account_balance(AccountKey(AccountKind.RECEIVABLE, hb.pk)) == 30_000 - 3_001 and check_ledger().ok


def test_misallocation_a_joint_debt_whose_owner_has_no_benefit_shares_the_other_debtors_item(
        data_dir: Path) -> None:
    """With no benefit of the owner's, the joint debt is recovered from the other debtor's award
    (docs/recovery-notes.md "Joint debts recovered from one benefit"): item 19 wholly to their HB debt is a
    misallocation, and the correction credits the joint debt with its share."""
    owner = Person.objects.create(nino="AB123456C", surname="Jones", forenames="Sam")
    other = person("CE123456D")
    joint = debt_services.create_debt(
        person=owner, creditor=dwp(), creditor_ref="DWP-J", debt_type="OVERPAYMENT", classification="NON_FRAUD",
        amount_pence=50_000, created_on=date(2025, 9, 1), received_on=date(2025, 9, 1),
        business_date=date(2025, 9, 1), actor="test", joint_person=other)
    hb = debt(other, la("005920"), "HB/1", 30_000)
    uc_deduction(other, [(hb, 6_002)], date(2025, 10, 6))
    [found] = misallocation.detect("2025-10", today=date(2025, 10, 7))
    assert (found.person.nino, found.received_by, found.excess_pence) == ("CE123456D", "LA", 3_001)
    misallocation.correct(found.pk, business_date=date(2025, 10, 9), actor="staff", reason="A9/2025 §53")
    assert account_balance(AccountKey(AccountKind.RECEIVABLE, joint.pk)) == 50_000 - 3_001 and check_ledger().ok


def test_a_legacy_instalment_credited_wholly_to_one_owner_is_a_misallocation_detected_and_corrected(
        data_dir: Path) -> None:
    """recovery-rules.md §5 and A9/2025 §53 (a deduction credited wholly to one debt when it should have been
    shared between owners is a misallocation: detected, listed and corrected) with the Decision in
    docs/recovery-notes.md "A legacy instalment shared between owners" (each item's part split equally by rules
    a and b): a £13.95 JSA instalment of item 19 credited wholly to the DWP debt, taken in recovery order
    although the person owes an HB overpayment too, gave DWP £6.97 more than its share (£6.98 and £6.97). The
    correction takes it back from DWP and credits the HB debt, a DEDUCTION line whose Source is JSA on the
    LA's schedule; the person's total is unchanged."""
    leeds = la("005920")
    pat = person("CE123456D", benefit="JSA")
    hb = debt(pat, leeds, "HB/1", 40_000)
    own = debt(pat, dwp(), "DWP-1", 30_000)
    legacy_deduction(pat, [(own, 1_395)], date(2025, 10, 6))
    [found] = misallocation.detect("2025-10", today=date(2025, 10, 7))
    item = misallocation.as_json(found)
    assert (item["item"], item["received_by"], item["excess"], item["nino"]) == ("19", "DWP", "6.97", "CE123456D")
    assert item["fair_shares"] == {"DWP": "6.98", "HMRC": "0.00", "LA": "6.97"}
    assert found.key.startswith("legacy:") and found.shares["unit"]["pay_date"] == "2025-10-06"
    assert misallocation.detect("2025-10", today=date(2025, 10, 7))[0].pk == found.pk  # idempotent
    misallocation.correct(found.pk, business_date=date(2025, 10, 9), actor="staff", reason="A9/2025 §53")
    assert account_balance(AccountKey(AccountKind.RECEIVABLE, own.pk)) == 30_000 - 698
    assert account_balance(AccountKey(AccountKind.RECEIVABLE, hb.pk)) == 40_000 - 697
    assert account_balance(AccountKey(AccountKind.PERSON_CREDIT, pat.pk)) == 0
    assert misallocation.detect("2025-10", today=date(2025, 10, 10)) == []
    [written] = payments.run_month_end(OCT_RUN).files
    text = written.path.read_text()
    assert "<Amount>6.97</Amount><Source>JSA</Source><Kind>DEDUCTION</Kind>" in text
    assert reconcile.reconcile("2025-10").ties and check_ledger().ok


def test_a_legacy_instalment_shared_as_the_engine_shares_it_or_reversed_since_is_not_a_misallocation(
        data_dir: Path) -> None:
    """The same check never reports the engine's own split (£6.98 to DWP and £6.97 to the LA of a £13.95
    item-19 instalment), nor an instalment reversed since (a missed payment reverses the pay date's
    instalment whole, so what is left is not a split staff could correct)."""
    pat = person("CE123456D", benefit="JSA")
    hb = debt(pat, la("005920"), "HB/1", 40_000)
    own = debt(pat, dwp(), "DWP-1", 30_000)
    legacy_deduction(pat, [(own, 698), (hb, 697)], date(2025, 10, 6))
    legacy_deduction(pat, [(own, 1_395)], date(2025, 10, 13))
    from dms.store.recovery.models import Deduction

    Deduction.objects.filter(date=date(2025, 10, 13)).update(status="REVERSED")
    assert misallocation.detect("2025-10", today=date(2025, 10, 14)) == []
