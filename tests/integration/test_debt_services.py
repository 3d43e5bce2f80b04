"""The debt services: referral, revision with over-recovery, credit and refund, return, withdrawal, figures."""

from __future__ import annotations

from datetime import date

import pytest

from dms.errors import DmsError
from dms.ledger import AccountKey, AccountKind, EntryKind, Posting, build_entry
from dms.services import debts as svc
from dms.store.ledger import account_balance, check_ledger, post_entries
from dms.store.models import Counter, Creditor, Debt, DebtStatusChange, JournalEntry, Person

pytestmark = pytest.mark.django_db

DAY = date(2025, 6, 2)


def _person(nino: str = "AB123456C") -> Person:
    return Person.objects.create(nino=nino)


def _dwp() -> Creditor:
    return Creditor.objects.get(kind="DWP")


def _hmrc() -> Creditor:
    return Creditor.objects.get(kind="HMRC")


def _debt(person: Person, ref: str, amount: int, *, creditor: Creditor | None = None,
          debt_type: str = "OVERPAYMENT", classification: str = "NON_FRAUD",
          created_on: date = date(2025, 1, 1)) -> Debt:
    return svc.create_debt(
        person=person, creditor=creditor or _dwp(), creditor_ref=ref, debt_type=debt_type,
        classification=classification, amount_pence=amount, created_on=created_on, received_on=DAY,
        business_date=DAY, actor="test",
    )


def _deduct(debt: Debt, amount: int) -> None:
    """A recovered amount, posted as the recovery engine would (DEDUCTION convention)."""
    post_entries([build_entry(EntryKind.DEDUCTION, DAY, [
        Posting(AccountKey(AccountKind.BENEFIT_RECOVERIES), amount),
        Posting(AccountKey(AccountKind.RECEIVABLE, debt.pk), -amount),
        Posting(AccountKey(AccountKind.CREDITOR_DEBTS, debt.creditor_id), amount),
        Posting(AccountKey(AccountKind.CREDITOR_PAYABLE, debt.creditor_id), -amount),
    ])])


def _mirror_holds(creditor: Creditor) -> bool:
    receivables = sum(
        account_balance(AccountKey(AccountKind.RECEIVABLE, d.pk)) for d in Debt.objects.filter(creditor=creditor)
    )
    return account_balance(AccountKey(AccountKind.CREDITOR_DEBTS, creditor.pk)) == -receivables


def test_create_debt_posts_referral_allocates_receipt_seq_and_audits_open() -> None:
    person = _person()
    first = _debt(person, "D1", 10000)
    second = _debt(person, "D2", 2500)
    assert second.receipt_seq == first.receipt_seq + 1
    assert Counter.objects.get(name="receipt_seq").value == second.receipt_seq
    assert first.partition == person.partition and first.status == "OPEN"
    assert account_balance(AccountKey(AccountKind.RECEIVABLE, first.pk)) == 10000
    assert JournalEntry.objects.filter(kind="REFERRAL").count() == 2
    audit = DebtStatusChange.objects.get(debt=first)
    assert (audit.from_status, audit.to_status, audit.actor) == ("", "OPEN", "test")
    assert svc.debt_figures([first, second]) == {first.pk: (10000, 0, 10000), second.pk: (2500, 0, 2500)}
    assert _mirror_holds(_dwp()) and check_ledger().ok


def test_create_debt_refuses_a_creditor_ref_still_open() -> None:
    person = _person()
    _debt(person, "D1", 10000)
    with pytest.raises(DmsError, match="already has an open debt"):
        _debt(person, "D1", 500)
    assert Debt.objects.count() == 1


def test_create_debt_keeps_components_joint_person_and_agreed_amount() -> None:
    person, partner = _person(), _person("CE123456A")
    debt = svc.create_debt(
        person=person, creditor=_dwp(), creditor_ref="SF1", debt_type="SOCIAL_FUND_LOAN",
        classification="NON_FRAUD", amount_pence=30000, created_on=DAY, received_on=DAY, business_date=DAY,
        actor="test", components=[(30000, date(2024, 1, 1), date(2024, 3, 31))], joint_person=partner,
        agreed_amount_pence=2000,
    )
    debt.refresh_from_db()
    assert debt.joint_person == partner and debt.agreed_amount_pence == 2000
    assert [c.amount_pence for c in debt.components.all()] == [30000]


def test_revision_up_posts_the_difference_as_revision() -> None:
    debt = _debt(_person(), "D1", 10000)
    result = svc.revise_debt_amount(debt, 12500, business_date=DAY, actor="test", reason="more found")
    assert result.difference_pence == 2500 and result.over_recovered_pence == 0
    debt.refresh_from_db()
    assert debt.amount_pence == 12500 and debt.original_amount_pence == 10000
    assert account_balance(AccountKey(AccountKind.RECEIVABLE, debt.pk)) == 12500
    assert _mirror_holds(_dwp())


def test_revision_down_below_recovered_clears_debt_and_takes_excess_back_from_creditor() -> None:
    person = _person()
    debt = _debt(person, "D1", 10000)
    _deduct(debt, 8000)
    result = svc.revise_debt_amount(debt, 5000, business_date=DAY, actor="test", reason="appeal")
    assert result.over_recovered_pence == 3000
    assert result.corrections_by_creditor == {_dwp().pk: 3000}
    assert result.refund_pence == 3000 and result.credit_applied == []
    assert svc.debt_figures([debt])[debt.pk] == (5000, 5000, 0)
    assert account_balance(AccountKey(AccountKind.RECEIVABLE, debt.pk)) == 0
    assert account_balance(AccountKey(AccountKind.CREDITOR_PAYABLE, _dwp().pk)) == -5000
    assert account_balance(AccountKey(AccountKind.PERSON_REFUND_DUE, person.pk)) == -3000
    assert account_balance(AccountKey(AccountKind.PERSON_CREDIT, person.pk)) == 0
    debt.refresh_from_db()
    assert debt.status == "CLEARED"
    correction = JournalEntry.objects.get(kind="CORRECTION")
    assert f"debt {debt.pk}" in correction.description
    assert svc.credit_totals_by_creditor(result.entry_ids) == {_dwp().pk: 3000}
    assert _mirror_holds(_dwp()) and check_ledger().ok


def test_over_recovery_credit_applied_to_other_debts_in_recovery_order_then_refund() -> None:
    person = _person()
    revised = _debt(person, "D1", 10000)
    hmrc_fraud = _debt(person, "T1", 500, creditor=_hmrc(), classification="FRAUD")
    dwp_advance = _debt(person, "A1", 700, debt_type="BUDGETING_ADVANCE")
    _deduct(revised, 9000)
    result = svc.revise_debt_amount(revised, 7000, business_date=DAY, actor="test", reason="appeal")
    # Annex B: budgeting advance (item 6) before a fraud overpayment (item 17).
    assert [(c.debt_id, c.amount_pence) for c in result.credit_applied] == [
        (dwp_advance.pk, 700), (hmrc_fraud.pk, 500)]
    assert result.refund_pence == 2000 - 700 - 500
    figures = svc.debt_figures([dwp_advance, hmrc_fraud])
    assert figures[dwp_advance.pk] == (700, 700, 0) and figures[hmrc_fraud.pk] == (500, 500, 0)
    assert Debt.objects.get(pk=dwp_advance.pk).status == "CLEARED"
    assert account_balance(AccountKey(AccountKind.CREDITOR_PAYABLE, _hmrc().pk)) == -500
    assert _mirror_holds(_dwp()) and _mirror_holds(_hmrc()) and check_ledger().ok


def test_over_recovery_credit_partly_used_leaves_no_refund() -> None:
    person = _person()
    revised = _debt(person, "D1", 10000)
    other = _debt(person, "D2", 50000)
    _deduct(revised, 6000)
    result = svc.revise_debt_amount(revised, 4000, business_date=DAY, actor="test", reason="appeal")
    assert [(c.debt_id, c.amount_pence) for c in result.credit_applied] == [(other.pk, 2000)]
    assert result.refund_pence == 0
    assert svc.debt_figures([other])[other.pk] == (50000, 2000, 48000)
    assert Debt.objects.get(pk=other.pk).status == "OPEN"


def test_revision_refuses_zero_total_and_debt_no_longer_held() -> None:
    debt = _debt(_person(), "D1", 10000)
    with pytest.raises(DmsError, match="positive"):
        svc.revise_debt_amount(debt, 0, business_date=DAY, actor="test", reason="x")
    svc.withdraw_debt(debt, "sent in error", business_date=DAY, actor="test")
    with pytest.raises(DmsError, match="no longer held"):
        svc.revise_debt_amount(debt, 5000, business_date=DAY, actor="test", reason="x")


def test_cleared_debt_revised_up_is_open_again() -> None:
    debt = _debt(_person(), "D1", 10000)
    _deduct(debt, 8000)
    svc.revise_debt_amount(debt, 8000, business_date=DAY, actor="test", reason="agreed")
    assert Debt.objects.get(pk=debt.pk).status == "CLEARED"
    svc.revise_debt_amount(debt, 9000, business_date=DAY, actor="test", reason="more")
    assert Debt.objects.get(pk=debt.pk).status == "OPEN"


def test_return_debt_posts_return_of_held_balance_and_sets_cessation_reason() -> None:
    debt = _debt(_person(), "D1", 10000)
    _deduct(debt, 2500)
    result = svc.return_debt(debt, "DEATH", business_date=DAY, actor="test")
    assert (result.balance_returned_pence, result.recovered_pence) == (7500, 2500)
    debt.refresh_from_db()
    assert (debt.status, debt.cessation_reason) == ("RETURNED", "DEATH")
    assert account_balance(AccountKey(AccountKind.RECEIVABLE, debt.pk)) == 0
    assert svc.debt_figures([debt])[debt.pk] == (10000, 2500, 7500)
    assert _mirror_holds(_dwp()) and check_ledger().ok


def test_return_debt_refuses_unknown_cessation_reason() -> None:
    debt = _debt(_person(), "D1", 10000)
    with pytest.raises(DmsError, match="cessation reason"):
        svc.return_debt(debt, "BORED", business_date=DAY, actor="test")
    assert Debt.objects.get(pk=debt.pk).status == "OPEN"


def test_withdraw_debt_returns_balance_and_frees_creditor_ref() -> None:
    person = _person()
    debt = _debt(person, "D1", 10000)
    result = svc.withdraw_debt(debt, "sent in error", business_date=DAY, actor="test")
    assert result.balance_returned_pence == 10000
    assert Debt.objects.get(pk=debt.pk).status == "WITHDRAWN"
    again = _debt(person, "D1", 300)
    assert svc.find_held_debt(_dwp(), "D1") == again


def test_change_classification_is_audited() -> None:
    debt = _debt(_person(), "D1", 10000)
    svc.change_classification(debt, "FRAUD", business_date=DAY, actor="staff", reason="investigation")
    debt.refresh_from_db()
    assert debt.classification == "FRAUD"
    assert DebtStatusChange.objects.filter(debt=debt, reason__contains="NON_FRAUD to FRAUD").exists()
