"""The debt: creditor kinds, types, classifications, statuses and the allowed status transitions (pure).

Sources: recovery-rules.md §3 (debt types); hb-debt-interface.md §3.1 (classification), §6.5 (cessations);
events.md §3.
"""

from __future__ import annotations

from enum import StrEnum


class CreditorKind(StrEnum):
    DWP = "DWP"
    HMRC = "HMRC"
    LA = "LA"


class Classification(StrEnum):
    FRAUD = "FRAUD"
    NON_FRAUD = "NON_FRAUD"


class DebtType(StrEnum):
    """Debt types of recovery-rules.md §3. LA Housing Benefit debts are ``OVERPAYMENT``."""

    UC_ADVANCE_NEW_CLAIM = "UC_ADVANCE_NEW_CLAIM"
    UC_ADVANCE_CHANGE_OF_CIRCUMSTANCES = "UC_ADVANCE_CHANGE_OF_CIRCUMSTANCES"
    UC_ADVANCE_BENEFIT_TRANSFER = "UC_ADVANCE_BENEFIT_TRANSFER"
    BUDGETING_ADVANCE = "BUDGETING_ADVANCE"
    SOCIAL_FUND_LOAN = "SOCIAL_FUND_LOAN"
    RECOVERABLE_HARDSHIP_PAYMENT = "RECOVERABLE_HARDSHIP_PAYMENT"
    ADMINISTRATIVE_PENALTY = "ADMINISTRATIVE_PENALTY"
    CIVIL_PENALTY = "CIVIL_PENALTY"
    OVERPAYMENT = "OVERPAYMENT"


class DebtStatus(StrEnum):
    OPEN = "OPEN"
    RECALL_PENDING = "RECALL_PENDING"
    SUSPENDED = "SUSPENDED"
    CLEARED = "CLEARED"
    RETURNED = "RETURNED"
    WITHDRAWN = "WITHDRAWN"
    ESTATE = "ESTATE"


# The allowed transitions, written once. A transition not listed here is refused.
TRANSITIONS: dict[DebtStatus, frozenset[DebtStatus]] = {
    DebtStatus.OPEN: frozenset(
        {
            DebtStatus.RECALL_PENDING,  # an LA recall (hb-debt-interface.md §6.5)
            DebtStatus.SUSPENDED,  # insolvency or a moratorium (recovery-rules.md §6)
            DebtStatus.CLEARED,  # balance recovered in full
            DebtStatus.RETURNED,  # a cessation (hb-debt-interface.md §6.5)
            DebtStatus.WITHDRAWN,  # the creditor takes it back (events.md debt.withdrawn)
            DebtStatus.ESTATE,  # the debtor died: recovery from the estate (recovery-rules.md §6)
        }
    ),
    DebtStatus.RECALL_PENDING: frozenset({DebtStatus.RETURNED, DebtStatus.CLEARED}),
    DebtStatus.SUSPENDED: frozenset(
        {
            DebtStatus.OPEN,  # the moratorium or suspension ends
            DebtStatus.RECALL_PENDING,
            DebtStatus.CLEARED,
            DebtStatus.RETURNED,
            DebtStatus.WITHDRAWN,
            DebtStatus.ESTATE,
        }
    ),
    DebtStatus.CLEARED: frozenset(
        {
            DebtStatus.OPEN,  # revised upward after clearing
            DebtStatus.RECALL_PENDING,
            DebtStatus.RETURNED,
            DebtStatus.WITHDRAWN,
        }
    ),
    DebtStatus.ESTATE: frozenset({DebtStatus.CLEARED, DebtStatus.WITHDRAWN}),
    DebtStatus.RETURNED: frozenset(),
    DebtStatus.WITHDRAWN: frozenset(),
}

# Statuses in which DMS holds the debt: a creditor reference in one of these is "open with DMS".
HELD_STATUSES: frozenset[DebtStatus] = frozenset(
    {DebtStatus.OPEN, DebtStatus.RECALL_PENDING, DebtStatus.SUSPENDED, DebtStatus.CLEARED}
)
# Statuses in which a creditor reference may not be referred again (one live debt per reference).
ACTIVE_STATUSES: frozenset[DebtStatus] = frozenset(
    {DebtStatus.OPEN, DebtStatus.RECALL_PENDING, DebtStatus.SUSPENDED}
)
# Statuses from which new deductions are taken.
RECOVERABLE_STATUSES: frozenset[DebtStatus] = frozenset({DebtStatus.OPEN})


class TransitionRefused(Exception):
    """A status change that the allowed transitions do not permit."""


def check_transition(current: str, new: str) -> None:
    """Refuse a status change not in :data:`TRANSITIONS` (engineering guide habit 7)."""
    try:
        source, target = DebtStatus(current), DebtStatus(new)
    except ValueError as error:
        raise TransitionRefused(f"unknown debt status: {error}") from None
    if target not in TRANSITIONS[source]:
        allowed = ", ".join(sorted(TRANSITIONS[source])) or "none (it is final)"
        raise TransitionRefused(
            f"a debt cannot move from {source} to {target}; from {source} it may move to: {allowed}"
        )
