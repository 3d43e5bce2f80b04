"""Ledger entries (engineering guide habit 3; docs/architecture.md ledger conventions)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from dms.ledger import AccountKey, AccountKind, EntryKind, LedgerError, Posting, build_entry, reversal_of

DAY = date(2025, 5, 1)
RECEIVABLE = AccountKey(AccountKind.RECEIVABLE, 7)
CREDITOR_DEBTS = AccountKey(AccountKind.CREDITOR_DEBTS, 1)
CREDITOR_PAYABLE = AccountKey(AccountKind.CREDITOR_PAYABLE, 1)
RECOVERIES = AccountKey(AccountKind.BENEFIT_RECOVERIES)


def deduction_postings(amount: int) -> list[Posting]:
    return [Posting(RECOVERIES, amount), Posting(RECEIVABLE, -amount),
            Posting(CREDITOR_DEBTS, amount), Posting(CREDITOR_PAYABLE, -amount)]


def test_build_entry_accepts_a_balanced_entry() -> None:
    entry = build_entry(EntryKind.DEDUCTION, DAY, deduction_postings(1250), description="AP 2025-05")
    assert entry.kind == EntryKind.DEDUCTION and entry.business_date == DAY
    assert sum(p.amount_pence for p in entry.postings) == 0
    assert len(entry.postings) == 4


def test_build_entry_refuses_an_unbalanced_entry() -> None:
    with pytest.raises(LedgerError, match="does not balance.*1 pence"):
        build_entry(EntryKind.REFERRAL, DAY, [Posting(RECEIVABLE, 1001), Posting(CREDITOR_DEBTS, -1000)])


def test_build_entry_refuses_a_single_posting() -> None:
    with pytest.raises(LedgerError, match="two or more postings"):
        build_entry(EntryKind.REFERRAL, DAY, [Posting(RECEIVABLE, 0)])
    with pytest.raises(LedgerError, match="two or more postings"):
        build_entry(EntryKind.REFERRAL, DAY, [])


def test_build_entry_refuses_a_zero_posting() -> None:
    with pytest.raises(LedgerError, match="zero posting"):
        build_entry(EntryKind.REFERRAL, DAY, [Posting(RECEIVABLE, 0), Posting(CREDITOR_DEBTS, 0)])


@pytest.mark.parametrize("amount", [10.0, Decimal("10"), True])
def test_build_entry_refuses_float_or_non_integer_amounts(amount: object) -> None:
    with pytest.raises(LedgerError, match="whole pence"):
        build_entry(EntryKind.REFERRAL, DAY, [Posting(RECEIVABLE, amount),  # type: ignore[arg-type]
                                              Posting(CREDITOR_DEBTS, -10)])


def test_a_reversal_names_its_original_and_gives_a_reason() -> None:
    with pytest.raises(LedgerError, match="reason"):
        build_entry(EntryKind.REVERSAL, DAY, deduction_postings(5), reverses_id=3)
    with pytest.raises(LedgerError, match="names the entry"):
        build_entry(EntryKind.REVERSAL, DAY, deduction_postings(5), reason="missed")


def test_reversal_of_negates_every_posting_and_links_the_original() -> None:
    original = deduction_postings(1395)
    reversal = reversal_of(42, original, date(2025, 5, 8), "benefit.payment_missed 2025-05-05")
    assert reversal.kind == EntryKind.REVERSAL
    assert reversal.reverses_id == 42
    assert reversal.reason == "benefit.payment_missed 2025-05-05"
    assert [(p.account, p.amount_pence) for p in reversal.postings] == [
        (p.account, -p.amount_pence) for p in original
    ]
    assert sum(p.amount_pence for p in reversal.postings) == 0


def test_account_keys_system_accounts_have_no_owner_and_others_need_one() -> None:
    with pytest.raises(LedgerError, match="has no owner"):
        AccountKey(AccountKind.BANK, 1)
    with pytest.raises(LedgerError, match="needs an owner"):
        AccountKey(AccountKind.RECEIVABLE)
