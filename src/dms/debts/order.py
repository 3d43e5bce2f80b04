"""The order in which a person's debts are recovered (pure).

Used wherever money is placed on a person's debts: by the recovery engine's allocation
(``dms.recovery.allocation``), which places a deduction, a legacy instalment, an untargeted direct payment
and a person's credit applied to their other debts (recovery-rules.md §5) in this order within an Annex B
item's owner.

The key, most significant first:

1. the Annex B item of the debt (recovery-rules.md §3; HB circular A9/2025 Annex B): items 3, 5, 6, 14,
   15, 16, 17, 18 and 19 by debt type and classification (:func:`annex_b_item`);
2. the owner in its fixed order DWP, HMRC, LA (recovery-rules.md §1, the order of an equal split); in an
   item whose amount Annex B shares between named owners (:data:`ITEM_SHARING_OWNERS`), an owner it does
   not name comes after those it names (:func:`owner_rank`);
3. within an owner:
   - HB (LA) debts in hb-debt-interface.md §6.4 order: fraud before non-fraud, the oldest referral
     received date first, then receipt order;
   - other debts oldest first by ``created_on``, then receipt order (recovery-rules.md §3, "Within one
     owner's share").

Which owners share an item (Annex B rules a and b) is defined here, once, because it also places an owner
in the order; splitting the amount equally between them and joint debts before single debts on a joint
award (rule c) are allocation rules of the recovery engine (``dms.recovery.allocation``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from dms.debts import Classification, CreditorKind, DebtType

# Annex B item of each debt type (recovery-rules.md §3). OVERPAYMENT depends on its classification.
_ITEM_BY_TYPE: dict[DebtType, int] = {
    DebtType.UC_ADVANCE_NEW_CLAIM: 3,
    DebtType.UC_ADVANCE_CHANGE_OF_CIRCUMSTANCES: 3,
    DebtType.UC_ADVANCE_BENEFIT_TRANSFER: 5,
    DebtType.BUDGETING_ADVANCE: 6,
    DebtType.SOCIAL_FUND_LOAN: 14,
    DebtType.RECOVERABLE_HARDSHIP_PAYMENT: 15,
    DebtType.ADMINISTRATIVE_PENALTY: 16,
    DebtType.CIVIL_PENALTY: 18,
}
FRAUD_OVERPAYMENT_ITEM = 17
NON_FRAUD_OVERPAYMENT_ITEM = 19

OWNER_ORDER: tuple[CreditorKind, ...] = (CreditorKind.DWP, CreditorKind.HMRC, CreditorKind.LA)

# Annex B rules a and b (recovery-rules.md §3; A9/2025 Annex B and §29): the owners between whom an item's
# amount is split equally where more than one of them has debts in it. Items 16 and 18 (administrative and
# civil penalties, "HB and DWP"): DWP and an LA (rule a). Items 17 and 19 (fraud and normal overpayments,
# "HB, tax credit, DWP"): DWP, HMRC and the LAs (rule b). **Decision**: an owner the rule does not name (an
# HMRC penalty of item 16 or 18) has no share of the split; its debts take, in recovery order, only what
# the named owners' debts cannot (A9/2025 §28: what clears one debt goes to the next in the same period).
ITEM_SHARING_OWNERS: dict[int, tuple[str, ...]] = {
    16: (CreditorKind.DWP, CreditorKind.LA),
    17: (CreditorKind.DWP, CreditorKind.HMRC, CreditorKind.LA),
    18: (CreditorKind.DWP, CreditorKind.LA),
    19: (CreditorKind.DWP, CreditorKind.HMRC, CreditorKind.LA),
}


def annex_b_item(debt_type: str, classification: str) -> int:
    """The Annex B item number of a debt (recovery-rules.md §3): advances 3 and 5, budgeting advance 6,
    Social Fund loan 14, recoverable hardship payment 15, administrative penalty 16, fraud overpayment 17,
    civil penalty 18, non-fraud overpayment 19."""
    kind = DebtType(debt_type)
    if kind == DebtType.OVERPAYMENT:
        fraud = Classification(classification) == Classification.FRAUD
        return FRAUD_OVERPAYMENT_ITEM if fraud else NON_FRAUD_OVERPAYMENT_ITEM
    return _ITEM_BY_TYPE[kind]


@dataclass(frozen=True, slots=True)
class DebtOrderFacts:
    """What the recovery order of a debt depends on."""

    debt_id: int
    creditor_kind: str  # DWP, HMRC or LA
    debt_type: str
    classification: str  # FRAUD or NON_FRAUD
    created_on: date
    received_on: date
    receipt_seq: int


RecoveryKey = tuple[int, int, int, date, int]


def owner_rank(item: int, creditor_kind: str) -> int:
    """The place of an owner within an Annex B item: DWP, HMRC, LA (recovery-rules.md §1); where the item is
    shared between named owners (:data:`ITEM_SHARING_OWNERS`, Annex B rules a and b), an owner it does not
    name after all those it does (an HMRC penalty of item 16 or 18 after the DWP and LA ones)."""
    rank = OWNER_ORDER.index(CreditorKind(creditor_kind))
    sharing = ITEM_SHARING_OWNERS.get(item)
    if sharing is not None and creditor_kind not in sharing:
        rank += len(OWNER_ORDER)
    return rank


def recovery_sort_key(facts: DebtOrderFacts) -> RecoveryKey:
    """The sort key of a debt in recovery order (see the module docstring for the rule and its sources).

    HB debts: (item, owner (:func:`owner_rank`), fraud first, received_on, receipt_seq) — hb-debt-interface.md
    §6.4.
    Other debts: (item, owner, 0, created_on, receipt_seq) — recovery-rules.md §3.
    """
    item = annex_b_item(facts.debt_type, facts.classification)
    owner = owner_rank(item, facts.creditor_kind)
    if facts.creditor_kind == CreditorKind.LA:
        fraud_rank = 0 if facts.classification == Classification.FRAUD else 1
        return (item, owner, fraud_rank, facts.received_on, facts.receipt_seq)
    return (item, owner, 0, facts.created_on, facts.receipt_seq)


T = TypeVar("T")


def in_recovery_order(items: Iterable[T], facts_of: Callable[[T], DebtOrderFacts]) -> list[T]:
    """``items`` sorted into recovery order, ``facts_of`` giving each one's :class:`DebtOrderFacts`."""
    return sorted(items, key=lambda item: recovery_sort_key(facts_of(item)))
