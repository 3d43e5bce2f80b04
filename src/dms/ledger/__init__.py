"""The double-entry ledger (pure): account kinds, entry kinds, and entries that are built only if they
balance.

Sign convention: a posting's ``amount_pence`` is positive for a debit and negative for a credit; every entry
has two or more postings that sum to zero. Entries are never changed: a correction is a new entry, and a
reversal is a new entry linked to the original with a reason (engineering guide habit 3).

Accounts (one row each in ``store``):

| kind | owner | normal side | meaning |
|---|---|---|---|
| ``RECEIVABLE`` | a debt | debit | what the person still owes on that debt |
| ``CREDITOR_DEBTS`` | a creditor | credit | the balances DMS holds for that creditor (mirrors its receivables) |
| ``CREDITOR_PAYABLE`` | a creditor | credit | money recovered for the creditor and not yet paid to it |
| ``PERSON_CREDIT`` | a person | credit | money held for the person (over-recovery) before it is used or refunded |
| ``PERSON_REFUND_DUE`` | a person | credit | money to be refunded to the person |
| ``BENEFIT_RECOVERIES`` | system | debit | money withheld from benefit payments |
| ``DIRECT_PAYMENTS`` | system | debit | money paid to DMS directly by people |
| ``BANK`` | system | credit | money paid out to creditors and people |
| ``SUSPENSE`` | system | either | money that cannot yet be placed |
"""

from dms.ledger.model import (
    AccountKey,
    AccountKind,
    Entry,
    EntryKind,
    LedgerError,
    Posting,
    build_entry,
    reversal_of,
)

__all__ = [
    "AccountKey",
    "AccountKind",
    "Entry",
    "EntryKind",
    "LedgerError",
    "Posting",
    "build_entry",
    "reversal_of",
]
