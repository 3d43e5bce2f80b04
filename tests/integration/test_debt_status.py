"""Debt status changes with their audit (engineering guide habit 7), and a debtor's position
(docs/architecture.md: ``recovered`` and ``balance``)."""

from __future__ import annotations

import itertools
from datetime import date

import pytest

from dms.debts import Classification, CreditorKind, DebtStatus, DebtType, TransitionRefused
from dms.errors import DmsError, NotFound
from dms.ledger import AccountKey, AccountKind, EntryKind, Posting, build_entry
from dms.services.creditors import LaDetails, register_la
from dms.services.debtors import debtor_summary
from dms.store.ledger import post_entries
from dms.store.models import Account, Creditor, Debt, DebtStatusChange, Person

pytestmark = pytest.mark.django_db
DAY = date(2025, 5, 1)
_seq = itertools.count(1)


def make_debt(person: Person, creditor: Creditor, amount: int, received_on: date = DAY,
              seq: int | None = None) -> Debt:
    seq = seq if seq is not None else next(_seq) + 2_000_000
    return Debt.objects.create(
        person=person, creditor=creditor, creditor_ref=f"R{seq}", debt_type=DebtType.OVERPAYMENT,
        classification=Classification.FRAUD, amount_pence=amount, original_amount_pence=amount,
        created_on=received_on, received_on=received_on, receipt_seq=seq, status_date=received_on, partition=0,
    )


@pytest.fixture
def debt() -> Debt:
    return make_debt(Person.objects.create(nino="AB123456C"), Creditor.objects.get(kind=CreditorKind.DWP), 1000)


def test_allowed_status_change_is_saved_and_audited_with_who_when_from_to_why(debt: Debt) -> None:
    debt.change_status(DebtStatus.RECALL_PENDING, business_date=date(2025, 6, 2), actor="LA 000123 recall file",
                       reason="recall R1 in RCL_000123_20250602_01")
    debt.refresh_from_db()
    assert debt.status == DebtStatus.RECALL_PENDING and debt.status_date == date(2025, 6, 2)
    [change] = DebtStatusChange.objects.filter(debt=debt)
    assert (change.from_status, change.to_status, change.business_date, change.actor, change.reason) == (
        "OPEN", "RECALL_PENDING", date(2025, 6, 2), "LA 000123 recall file", "recall R1 in RCL_000123_20250602_01"
    )
    assert change.recorded_at is not None


def test_refused_status_change_changes_nothing_and_writes_no_audit(debt: Debt) -> None:
    debt.change_status(DebtStatus.RETURNED, business_date=DAY, actor="daily run", reason="DEATH")
    with pytest.raises(TransitionRefused, match="from RETURNED to OPEN"):
        debt.change_status(DebtStatus.OPEN, business_date=DAY, actor="staff", reason="reopen")
    debt.refresh_from_db()
    assert debt.status == DebtStatus.RETURNED
    assert list(DebtStatusChange.objects.filter(debt=debt).values_list("to_status", flat=True)) == ["RETURNED"]


def test_each_status_change_adds_one_audit_row_in_order(debt: Debt) -> None:
    for status in (DebtStatus.SUSPENDED, DebtStatus.OPEN, DebtStatus.CLEARED):
        debt.change_status(status, business_date=DAY, actor="staff A", reason=f"to {status}")
    rows = DebtStatusChange.objects.filter(debt=debt).order_by("id").values_list("from_status", "to_status")
    assert list(rows) == [("OPEN", "SUSPENDED"), ("SUSPENDED", "OPEN"), ("OPEN", "CLEARED")]


def test_register_la_creates_the_creditor_and_its_two_accounts() -> None:
    creditor = register_la(LaDetails("000123", "  Leeds City Council ", "200000", "12345678"))
    assert (creditor.kind, creditor.la_id, creditor.name) == ("LA", "000123", "Leeds City Council")
    kinds = set(Account.objects.filter(creditor=creditor).values_list("kind", flat=True))
    assert kinds == {"CREDITOR_DEBTS", "CREDITOR_PAYABLE"}
    with pytest.raises(DmsError, match="already registered"):
        register_la(LaDetails("000123", "Other", "200000", "12345678"))
    assert Creditor.objects.filter(la_id="000123").count() == 1


@pytest.mark.parametrize(
    ("details", "message"),
    [(LaDetails("12345", "Leeds", "200000", "12345678"), "LA ID '12345' is not six digits"),
     (LaDetails("00012A", "Leeds", "200000", "12345678"), "not six digits"),
     (LaDetails("000123", "Leeds", "20-00-00", "12345678"), "sort code '20-00-00'"),
     (LaDetails("000123", "Leeds", "200000", "1234567"), "account number '1234567'"),
     (LaDetails("000123", "  ", "200000", "12345678"), "name is empty"),
     (LaDetails("000123", "x" * 101, "200000", "12345678"), "at most 100")],
)
def test_register_la_refuses_bad_details_and_writes_nothing(details: LaDetails, message: str) -> None:
    with pytest.raises(DmsError, match=message):
        register_la(details)
    assert not Creditor.objects.filter(kind="LA").exists()


def _post(kind: EntryKind, debt: Debt, receivable: int, other: AccountKey) -> None:
    post_entries([build_entry(kind, DAY, [Posting(AccountKey(AccountKind.RECEIVABLE, debt.id), receivable),
                                          Posting(other, -receivable)])])


def test_debtor_summary_recovered_excludes_referral_revision_and_return() -> None:
    person = Person.objects.create(nino="AB123456C")
    dwp = Creditor.objects.get(kind=CreditorKind.DWP)
    la = register_la(LaDetails("000123", "Leeds", "200000", "12345678"))
    later = make_debt(person, dwp, 5000, received_on=date(2025, 5, 2), seq=10)
    first = make_debt(person, la, 3000, seq=12)
    tie = make_debt(person, dwp, 2000, seq=11)
    debts_account = AccountKey(AccountKind.CREDITOR_DEBTS, dwp.id)
    _post(EntryKind.REFERRAL, later, 5000, debts_account)
    _post(EntryKind.REVISION, later, -500, debts_account)  # revised down: not a recovery
    _post(EntryKind.DEDUCTION, later, -1200, AccountKey(AccountKind.BENEFIT_RECOVERIES))
    _post(EntryKind.DIRECT_PAYMENT, later, -300, AccountKey(AccountKind.DIRECT_PAYMENTS))
    _post(EntryKind.REFERRAL, tie, 2000, debts_account)
    _post(EntryKind.RETURN, tie, -2000, debts_account)
    later.amount_pence = 4500
    later.save()
    post_entries([build_entry(EntryKind.REFUND, DAY, [
        Posting(AccountKey(AccountKind.SUSPENSE), 700), Posting(AccountKey(AccountKind.PERSON_CREDIT, person.id), -500),
        Posting(AccountKey(AccountKind.PERSON_REFUND_DUE, person.id), -200)])])
    summary = debtor_summary("AB123456C")
    assert (summary["nino"], summary["credit"], summary["refunds_due"]) == ("AB123456C", "5.00", "2.00")
    rows = {row["id"]: row for row in summary["debts"]}
    assert [row["id"] for row in summary["debts"]] == [tie.id, first.id, later.id]
    assert (rows[later.id]["amount"], rows[later.id]["recovered"], rows[later.id]["balance"]) == (
        "45.00", "15.00", "30.00")
    assert (rows[tie.id]["recovered"], rows[tie.id]["balance"]) == ("0.00", "20.00")
    assert rows[first.id] == {
        "id": first.id, "creditor": "LA", "la_id": "000123", "ref": "R12", "debt_type": "OVERPAYMENT",
        "classification": "FRAUD", "status": "OPEN", "amount": "30.00", "recovered": "0.00", "balance": "30.00",
        "received_on": "2025-05-01", "cessation_reason": None, "status_since": rows[first.id]["status_since"],
        "status_reason": rows[first.id]["status_reason"],
    }


def test_debtor_summary_reads_all_debts_in_a_fixed_number_of_queries(django_assert_num_queries: object) -> None:
    person = Person.objects.create(nino="AB123456C")
    dwp = Creditor.objects.get(kind=CreditorKind.DWP)
    for _ in range(5):
        make_debt(person, dwp, 100)
    with django_assert_num_queries(8):  # type: ignore[operator]  # person, debts (owned and joint), recovered,
        # their latest status changes, credit, the refunds ever made due, the money moved on them other than
        # deductions, the reduced rates set on them
        assert len(debtor_summary("AB123456C")["debts"]) == 5


def test_debtor_summary_refuses_malformed_and_unknown_ninos() -> None:
    with pytest.raises(DmsError, match="prefix letter"):
        debtor_summary("AO123456C")
    with pytest.raises(NotFound, match="no person with NINO AB123456C"):
        debtor_summary("AB123456C")


def test_debtor_summary_says_since_when_and_why_a_debt_is_in_its_status_not_a_later_reclassification(
        debt: Debt) -> None:
    """README `dms debtor show` (``status_since``, ``status_reason``): the latest change of the debt's status
    and its reason; a reclassification afterwards (audited, status unchanged) does not replace them."""
    from dms.services import debts as debt_service

    debt.change_status(DebtStatus.SUSPENDED, business_date=date(2025, 5, 10), actor="test",
                       reason="BREATHING_SPACE from 2025-05-10")
    debt_service.change_classification(debt, "NON_FRAUD", business_date=date(2025, 5, 20), actor="la",
                                       reason="revision")
    [row] = debtor_summary("AB123456C")["debts"]
    assert (row["status"], row["status_since"], row["status_reason"], row["cessation_reason"]) == (
        "SUSPENDED", "2025-05-10", "BREATHING_SPACE from 2025-05-10", None)


def test_debtor_summary_shows_the_owner_of_a_joint_debt_whom_they_owe_it_with(debt: Debt) -> None:
    """README `dms debtor show`: a debt of the person's own that another owes jointly with them (events.md
    ``debt.referred`` ``joint_nino``) names that person (``joint_nino``); the other sees it under
    ``joint_debts`` with its ``owner_nino``."""
    partner = Person.objects.create(nino="CE123456A")
    Debt.objects.filter(pk=debt.pk).update(joint_person=partner)
    [own] = debtor_summary("AB123456C")["debts"]
    assert own["joint_nino"] == "CE123456A"
    [theirs] = debtor_summary("CE123456A")["joint_debts"]
    assert theirs["owner_nino"] == "AB123456C" and "joint_nino" not in theirs


def test_debtor_show_table_gives_each_refund_due_with_its_reason(capsys: pytest.CaptureFixture[str]) -> None:
    """README `dms debtor show`: the table gives each refund due, under the refunds due, with where the credit
    came from (recovery-rules.md §5): DWP's D1, 60.00 recovered, revised to 50.00, no other debt in recovery."""
    from dms.commands.core import print_debtor
    from dms.services import debts as debt_service

    person = Person.objects.create(nino="AB123456C")
    owed = debt_service.create_debt(
        person=person, creditor=Creditor.objects.get(kind=CreditorKind.DWP), creditor_ref="D1",
        debt_type="OVERPAYMENT", classification="NON_FRAUD", amount_pence=10_000, created_on=DAY, received_on=DAY,
        business_date=DAY, actor="test")
    post_entries([build_entry(EntryKind.DEDUCTION, DAY, [
        Posting(AccountKey(AccountKind.BENEFIT_RECOVERIES), 6_000),
        Posting(AccountKey(AccountKind.RECEIVABLE, owed.pk), -6_000),
        Posting(AccountKey(AccountKind.CREDITOR_DEBTS, owed.creditor_id), 6_000),
        Posting(AccountKey(AccountKind.CREDITOR_PAYABLE, owed.creditor_id), -6_000)])])
    debt_service.revise_debt_amount(owed, 5_000, business_date=date(2025, 5, 9), actor="test", reason="appeal")
    print_debtor(debtor_summary("AB123456C"))
    shown = " ".join(capsys.readouterr().out.split())
    assert "refunds due £10.00" in shown
    assert (f"Refund due £10.00 from 2025-05-09: credit from over-recovery of debt {owed.pk} (DWP D1, revised to "
            "50.00 below the 60.00 recovered) refunded to the person") in shown
    assert (f"Debt {owed.pk} CLEARED on 2025-05-09: revised to 50.00, below the 60.00 recovered: 10.00 taken back "
            "from DWP, credited to the person's other debts in recovery order (none outstanding) and 10.00 "
            "refunded: appeal") in shown


def debts_not_tied(nino: str) -> list[str]:
    """Each debt `dms debtor show NINO` lists whose ``recovered`` is not what `dms deductions list --nino NINO`
    lists for it plus the money moved on it that debtor show lists (``movements``), or whose balance is not
    its amount less them (README: every penny is explained)."""
    from dms.money import parse_pounds
    from dms.services.recovery_staff import list_deductions

    summary = debtor_summary(nino)
    deductions = list_deductions(nino)
    movements = summary.get("movements", [])
    untied = []
    for row in summary["debts"] + summary.get("joint_debts", []):
        listed = sum(parse_pounds(d["amount"]) for d in deductions
                     if (d["creditor"], d["la_id"], d["ref"]) == (row["creditor"], row["la_id"], row["ref"]))
        moved = sum(parse_pounds(m["amount"], allow_negative=True) for m in movements if m["debt_id"] == row["id"])
        if (listed + moved != parse_pounds(row["recovered"])
                or parse_pounds(row["amount"]) - listed - moved != parse_pounds(row["balance"])):
            untied.append(f"{nino} debt {row['id']} {row['ref']}: recovered {row['recovered']}, deductions "
                          f"{listed} pence, movements {moved} pence")
    return untied


def test_every_penny_recovered_on_a_debt_is_shown_in_debtor_show(capsys: pytest.CaptureFixture[str]) -> None:
    """README ("Every penny is explained"; `dms debtor show`: a person's debts, recoveries, balances, credit and
    refunds due): what a debt has recovered is the deductions `dms deductions list` gives for it plus the
    money moved on it that `dms debtor show` lists (``movements``, present when there are any), each with its
    date, what it was, the debt and why: a misallocation's correction (A9/2025 §53), a reversal, a revision
    below what was recovered taking the excess back and the person's credit placed on the other debts
    (hb-debt-interface.md §6.5, recovery-rules.md §5), a direct payment and its excess (events.md §3)."""
    from test_payments_book import uc_deduction
    from test_recovery_daily_deductions import (
        NINO,
        PAY,
        dwp_debt,
        events,
        hb_debt,
        line,
        period,
        run_day,
        taken,
        uc_award,
    )

    from dms.commands.core import print_debtor
    from dms.services import debts as debt_service
    from dms.services import misallocation
    from dms.services.recovery_events import reverse_deductions

    events(uc_award(), dwp_debt("BA1"), dwp_debt("BA2", amount="40.00"), period())
    hb = hb_debt("HB1")
    run_day(PAY)  # item 19's 60.02 shared: 30.01 to the LA, 30.01 to DWP
    assert "movements" not in debtor_summary(NINO)  # deductions only: `dms deductions list` gives them
    # item 19 wholly to the LA although DWP has debts, as an earlier release could have written it
    uc_deduction(Person.objects.get(nino=NINO), [(hb, 6_000)], date(2025, 6, 9))
    [found] = misallocation.detect("2025-06", today=date(2025, 6, 10))
    misallocation.correct(found.pk, business_date=date(2025, 6, 10), actor="staff", reason="A9/2025 §53")
    reverse_deductions([d for d in taken() if d.date == PAY], date(2025, 6, 11), "award ended, reported late")
    debt_service.revise_debt_amount(Debt.objects.get(pk=hb.pk), 1_000, business_date=date(2025, 6, 12),
                                    actor="LA file", reason="ENTITLEMENT_REVIEWED")
    events(line("pay", "payment.received", occurred_on="2025-06-13", amount="400.00", received_on="2025-06-13",
                channel="CARD", creditor="DWP", creditor_ref="BA2"))
    run_day(date(2025, 6, 13))

    assert debts_not_tied(NINO) == []
    summary = debtor_summary(NINO)
    assert summary["refunds_due"] != "0.00"
    moved = summary["movements"]
    assert {m["kind"] for m in moved} == {"CORRECTION", "REALLOCATION", "CREDIT_APPLIED", "REVERSAL",
                                          "OVER_RECOVERY", "DIRECT_PAYMENT"}
    over = next(m for m in moved if m["kind"] == "OVER_RECOVERY")
    assert (over["date"], over["what"], over["creditor"], over["la_id"], over["ref"], over["amount"]) == (
        "2025-06-12", "over recovery", "LA", "000123", "HB1", "-20.00")
    assert "revised to 10.00 below the 30.00 recovered" in over["reason"] and "ENTITLEMENT_REVIEWED" in over["reason"]
    assert any(m["kind"] == "CREDIT_APPLIED" and m["ref"] == "BA1" and m["amount"] == "20.00"
               and f"over-recovery of debt {hb.pk} (LA 000123 HB1, revised to 10.00" in m["reason"] for m in moved)
    back = next(m for m in moved if m["kind"] == "CORRECTION")
    assert (back["ref"], back["amount"]) == ("HB1", "-30.00") and f"misallocation {found.pk}" in back["reason"]
    placed = next(m for m in moved if m["kind"] == "REALLOCATION")
    assert placed["amount"] == "30.00" and f"misallocation {found.pk}" in placed["reason"]
    assert any(m["kind"] == "REVERSAL" and m["amount"] == "-30.01" and "the deduction of 2025-06-07" in m["reason"]
               and "award ended, reported late" in m["reason"] for m in moved)
    print_debtor(summary)
    shown = " ".join(capsys.readouterr().out.split())
    assert "Money moved on these debts other than deductions" in shown
    assert "2025-06-12 │ over recovery │" in shown
