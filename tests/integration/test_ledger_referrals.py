"""``post_referrals``: the REFERRAL (and RETURN) entries of new debts in their fixed shape (docs/architecture.md
"Ledger conventions") give the same entries, postings and balances as ``post_entries`` with the entries of
``dms.services.debts.referral_entry`` and ``return_entry``, on both databases."""

from __future__ import annotations

import itertools
from datetime import date

import pytest

from dms.debts import Classification, CreditorKind, DebtStatus, DebtType
from dms.ledger import AccountKey, AccountKind, LedgerError
from dms.services.debts import referral_entry, return_entry
from dms.store.ledger import Referral, account_balance, check_ledger, post_entries, post_referrals
from dms.store.models import Account, Creditor, Debt, JournalEntry, Person
from dms.store.models import Posting as PostingRow

pytestmark = pytest.mark.django_db
DAY = date(2025, 11, 18)
_seq = itertools.count(1)


def make_debts(count: int, prefix: str) -> list[Debt]:
    creditor = Creditor.objects.filter(kind=CreditorKind.LA).first() or Creditor.objects.create(
        kind=CreditorKind.LA, name="Test Council", la_id="000777")
    debts = []
    for n in range(count):
        person, _ = Person.objects.get_or_create(nino=f"AB{n:06d}C")
        seq = next(_seq) + 2_000_000
        debts.append(Debt.objects.create(
            person=person, creditor=creditor, creditor_ref=f"{prefix}/{n}", debt_type=DebtType.OVERPAYMENT,
            classification=Classification.NON_FRAUD, amount_pence=1_000 + n, original_amount_pence=1_000 + n,
            created_on=DAY, received_on=DAY, receipt_seq=seq, status_date=DAY, partition=0))
    return debts


def written(entry_ids: list[int]) -> list[tuple[object, ...]]:
    """What the entries wrote, without ids: entry fields and each posting's account and amount, in id order."""
    rows: list[tuple[object, ...]] = []
    for entry in JournalEntry.objects.filter(id__in=entry_ids).order_by("id"):
        postings = tuple(
            (p.account.kind, p.account.debt_id is not None, p.account.creditor_id, p.amount_pence)
            for p in PostingRow.objects.filter(entry=entry).select_related("account").order_by("id"))
        rows.append((entry.kind, entry.business_date, entry.description.split(" ", 2)[2].replace("OLD/", "").replace("NEW/", ""), entry.reason,
                     entry.reverses_id, postings))
    return rows


def test_post_referrals_writes_what_post_entries_writes_for_referral_and_return_entries() -> None:
    old = make_debts(4, "OLD")
    new = make_debts(4, "NEW")
    creditor = old[0].creditor
    returned = {1, 3}

    def entries_of(debt: Debt, n: int) -> list[object]:
        found = [referral_entry(debt.pk, creditor.pk, str(creditor), debt.creditor_ref, debt.amount_pence, DAY)]
        if n in returned:
            found.append(return_entry(debt.pk, creditor.pk, debt.creditor_ref, debt.amount_pence, DAY,
                                      DebtStatus.RETURNED, "NO_BENEFIT_IN_PAYMENT"))
        return found

    before = account_balance(AccountKey(AccountKind.CREDITOR_DEBTS, creditor.pk))
    expected_ids = post_entries([e for n, d in enumerate(old) for e in entries_of(d, n)])  # type: ignore[misc]
    after_entries = account_balance(AccountKey(AccountKind.CREDITOR_DEBTS, creditor.pk))
    referrals = []
    for n, debt in enumerate(new):
        entries = entries_of(debt, n)
        referrals.append(Referral(
            debt.pk, debt.amount_pence, entries[0].description,  # type: ignore[attr-defined]
            entries[1].description if n in returned else "",  # type: ignore[attr-defined]
            "NO_BENEFIT_IN_PAYMENT" if n in returned else ""))
    got_ids = post_referrals(DAY, creditor.pk, referrals)
    assert len(got_ids) == len(expected_ids) == 6
    assert written(got_ids) == written(expected_ids)
    for n, (o, d) in enumerate(zip(old, new, strict=True)):
        balance = 0 if n in returned else d.amount_pence
        assert account_balance(AccountKey(AccountKind.RECEIVABLE, o.pk)) == (0 if n in returned else o.amount_pence)
        assert account_balance(AccountKey(AccountKind.RECEIVABLE, d.pk)) == balance
    taken_new = sum(d.amount_pence for n, d in enumerate(new) if n not in returned)
    assert after_entries - before == -sum(o.amount_pence for n, o in enumerate(old) if n not in returned)
    assert account_balance(AccountKey(AccountKind.CREDITOR_DEBTS, creditor.pk)) == after_entries - taken_new
    assert check_ledger().ok


def test_post_referrals_refuses_an_amount_that_is_not_positive_whole_pence() -> None:
    debt = make_debts(1, "BAD")[0]
    for amount in (0, -5, 1.5):
        with pytest.raises(LedgerError):
            post_referrals(DAY, debt.creditor_id, [Referral(debt.pk, amount, "x")])  # type: ignore[arg-type]
    with pytest.raises(LedgerError):
        post_referrals(DAY, debt.creditor_id, [Referral(debt.pk, 100, "x", "returned", "")])
    assert not Account.objects.filter(debt=debt).exists()
    assert post_referrals(DAY, debt.creditor_id, []) == []
