"""Entries, postings and account keys (pure): an entry is built only if it balances."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class LedgerError(Exception):
    """An entry that would break the ledger's invariants (unbalanced, too few postings, not pence)."""


class AccountKind(StrEnum):
    RECEIVABLE = "RECEIVABLE"
    CREDITOR_DEBTS = "CREDITOR_DEBTS"
    CREDITOR_PAYABLE = "CREDITOR_PAYABLE"
    PERSON_CREDIT = "PERSON_CREDIT"
    PERSON_REFUND_DUE = "PERSON_REFUND_DUE"
    BENEFIT_RECOVERIES = "BENEFIT_RECOVERIES"
    DIRECT_PAYMENTS = "DIRECT_PAYMENTS"
    BANK = "BANK"
    SUSPENSE = "SUSPENSE"


SYSTEM_KINDS = frozenset(
    {AccountKind.BENEFIT_RECOVERIES, AccountKind.DIRECT_PAYMENTS, AccountKind.BANK, AccountKind.SUSPENSE}
)
DEBT_KINDS = frozenset({AccountKind.RECEIVABLE})
CREDITOR_KINDS = frozenset({AccountKind.CREDITOR_DEBTS, AccountKind.CREDITOR_PAYABLE})
PERSON_KINDS = frozenset({AccountKind.PERSON_CREDIT, AccountKind.PERSON_REFUND_DUE})


class EntryKind(StrEnum):
    REFERRAL = "REFERRAL"  # a debt taken on: receivable up, creditor's held debts up
    REVISION = "REVISION"  # the creditor changed the debt's total
    DEDUCTION = "DEDUCTION"  # money taken from benefit and credited to a debt
    DIRECT_PAYMENT = "DIRECT_PAYMENT"  # money paid directly by the person
    OVER_RECOVERY = "OVER_RECOVERY"  # a debt's negative balance moved to the person's credit
    CREDIT_APPLIED = "CREDIT_APPLIED"  # the person's credit used on another debt
    REALLOCATION = "REALLOCATION"  # a misallocated deduction's excess placed on an owner it was short to
    REFUND = "REFUND"  # the person's remaining credit made a refund due to them
    CORRECTION = "CORRECTION"  # money taken back from a creditor (misallocation, over-recovery)
    RETURN = "RETURN"  # a debt returned (ceased) or withdrawn: its held balance leaves DMS
    CREDITOR_PAYMENT = "CREDITOR_PAYMENT"  # a creditor paid by BACS
    REVERSAL = "REVERSAL"  # a reversal of an earlier entry (with a reason)


@dataclass(frozen=True, slots=True)
class AccountKey:
    """Names an account without its database id: the kind and the id of its owner (None for system)."""

    kind: AccountKind
    owner_id: int | None = None

    def __post_init__(self) -> None:
        if (self.kind in SYSTEM_KINDS) != (self.owner_id is None):
            raise LedgerError(f"account {self.kind} {'has no' if self.kind in SYSTEM_KINDS else 'needs an'} owner")


@dataclass(frozen=True, slots=True)
class Posting:
    account: AccountKey
    amount_pence: int  # debit positive, credit negative


@dataclass(frozen=True, slots=True)
class Entry:
    kind: EntryKind
    business_date: date
    postings: tuple[Posting, ...]
    description: str = ""
    reason: str = ""
    reverses_id: int | None = None


def build_entry(
    kind: EntryKind,
    business_date: date,
    postings: list[Posting] | tuple[Posting, ...],
    *,
    description: str = "",
    reason: str = "",
    reverses_id: int | None = None,
) -> Entry:
    """Build an entry, refusing one that does not balance or has fewer than two postings.

    Invariants (beancount ``ops/validation.py``; tigerbeetle's correcting transfers): two or more postings;
    each a whole, non-zero number of pence; the postings sum to zero.
    """
    postings = tuple(postings)
    if len(postings) < 2:
        raise LedgerError(f"a {kind} entry needs two or more postings, it has {len(postings)}")
    total = 0
    for posting in postings:
        amount = posting.amount_pence
        if not isinstance(amount, int) or isinstance(amount, bool):
            raise LedgerError(f"a posting amount is whole pence (int), got {type(amount).__name__}")
        if amount == 0:
            raise LedgerError(f"a {kind} entry has a zero posting to {posting.account.kind}")
        total += amount
    if total != 0:
        raise LedgerError(f"a {kind} entry does not balance: its postings sum to {total} pence, not 0")
    if kind == EntryKind.REVERSAL and (reverses_id is None or not reason):
        raise LedgerError("a reversal names the entry it reverses and gives a reason")
    return Entry(kind, business_date, postings, description, reason, reverses_id)


def reversal_of(
    original_id: int, postings: list[Posting] | tuple[Posting, ...], business_date: date, reason: str
) -> Entry:
    """A new entry that undoes ``postings`` of entry ``original_id``: every posting negated."""
    negated = [Posting(p.account, -p.amount_pence) for p in postings]
    return build_entry(
        EntryKind.REVERSAL,
        business_date,
        negated,
        description=f"reversal of entry {original_id}",
        reason=reason,
        reverses_id=original_id,
    )
