"""Debt status transitions (engineering guide habit 7; hb-debt-interface.md §6.5; recovery-rules.md §6)."""

from __future__ import annotations

import pytest

from dms.debts import (
    ACTIVE_STATUSES,
    HELD_STATUSES,
    TRANSITIONS,
    DebtStatus,
    TransitionRefused,
    check_transition,
)

ALLOWED = [(source, target) for source, targets in TRANSITIONS.items() for target in sorted(targets)]
REFUSED = [
    (source, target)
    for source in DebtStatus
    for target in DebtStatus
    if target not in TRANSITIONS[source]
]


def test_every_status_has_its_transitions_written_down() -> None:
    assert set(TRANSITIONS) == set(DebtStatus)


@pytest.mark.parametrize(("source", "target"), ALLOWED)
def test_allowed_transitions_are_accepted(source: DebtStatus, target: DebtStatus) -> None:
    check_transition(source, target)


@pytest.mark.parametrize(("source", "target"), REFUSED)
def test_transitions_not_listed_are_refused(source: DebtStatus, target: DebtStatus) -> None:
    with pytest.raises(TransitionRefused, match=f"from {source} to {target}"):
        check_transition(source, target)


def test_returned_and_withdrawn_are_final() -> None:
    for final in (DebtStatus.RETURNED, DebtStatus.WITHDRAWN):
        with pytest.raises(TransitionRefused, match="it is final"):
            check_transition(final, DebtStatus.OPEN)


def test_recall_pending_ends_returned_or_cleared() -> None:
    check_transition("RECALL_PENDING", "RETURNED")
    check_transition("RECALL_PENDING", "CLEARED")
    with pytest.raises(TransitionRefused):
        check_transition("RECALL_PENDING", "OPEN")


def test_unknown_statuses_are_refused() -> None:
    with pytest.raises(TransitionRefused, match="unknown debt status"):
        check_transition("OPEN", "PAID")


def test_active_statuses_are_held() -> None:
    assert ACTIVE_STATUSES <= HELD_STATUSES
    assert DebtStatus.CLEARED in HELD_STATUSES and DebtStatus.CLEARED not in ACTIVE_STATUSES
