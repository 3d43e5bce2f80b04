"""Recovery order of a person's debts (dms.debts.order): Annex B item, owner, then the owner's own order."""

from __future__ import annotations

from datetime import date

import pytest

from dms.debts.order import DebtOrderFacts, annex_b_item, in_recovery_order, recovery_sort_key


def facts(debt_id: int, *, creditor: str = "DWP", debt_type: str = "OVERPAYMENT", classification: str = "NON_FRAUD",
          created_on: date = date(2025, 1, 1), received_on: date = date(2025, 2, 1), seq: int = 0) -> DebtOrderFacts:
    return DebtOrderFacts(debt_id, creditor, debt_type, classification, created_on, received_on, seq or debt_id)


@pytest.mark.parametrize(
    ("debt_type", "classification", "item"),
    [("UC_ADVANCE_NEW_CLAIM", "NON_FRAUD", 3), ("UC_ADVANCE_CHANGE_OF_CIRCUMSTANCES", "NON_FRAUD", 3),
     ("UC_ADVANCE_BENEFIT_TRANSFER", "NON_FRAUD", 5), ("BUDGETING_ADVANCE", "NON_FRAUD", 6),
     ("SOCIAL_FUND_LOAN", "NON_FRAUD", 14), ("RECOVERABLE_HARDSHIP_PAYMENT", "NON_FRAUD", 15),
     ("ADMINISTRATIVE_PENALTY", "FRAUD", 16), ("OVERPAYMENT", "FRAUD", 17), ("CIVIL_PENALTY", "NON_FRAUD", 18),
     ("OVERPAYMENT", "NON_FRAUD", 19)],
)
def test_annex_b_item_by_debt_type_and_classification(debt_type: str, classification: str, item: int) -> None:
    assert annex_b_item(debt_type, classification) == item


def test_annex_b_item_before_owner_and_age() -> None:
    old_overpayment = facts(1, created_on=date(2020, 1, 1))
    new_advance = facts(2, debt_type="UC_ADVANCE_NEW_CLAIM", created_on=date(2025, 3, 1))
    assert in_recovery_order([old_overpayment, new_advance], lambda f: f) == [new_advance, old_overpayment]


def test_owner_order_dwp_hmrc_la_within_an_item() -> None:
    la, hmrc, dwp = facts(1, creditor="LA"), facts(2, creditor="HMRC"), facts(3, creditor="DWP")
    assert [f.debt_id for f in in_recovery_order([la, hmrc, dwp], lambda f: f)] == [3, 2, 1]


def test_hb_debts_fraud_first_then_oldest_received_then_receipt_order() -> None:
    """hb-debt-interface.md §6.4: fraud first; oldest received date; then receipt order."""
    fraud_penalty_new = facts(1, creditor="LA", debt_type="ADMINISTRATIVE_PENALTY", classification="FRAUD",
                              received_on=date(2025, 5, 1))
    non_fraud_penalty_old = facts(2, creditor="LA", debt_type="ADMINISTRATIVE_PENALTY", received_on=date(2024, 1, 1))
    same_day_later = facts(3, creditor="LA", received_on=date(2025, 1, 1), seq=9)
    same_day_earlier = facts(4, creditor="LA", received_on=date(2025, 1, 1), seq=5)
    ordered = in_recovery_order([same_day_later, non_fraud_penalty_old, same_day_earlier, fraud_penalty_new],
                                lambda f: f)
    assert [f.debt_id for f in ordered] == [1, 2, 4, 3]


def test_other_debts_oldest_created_first_then_receipt_order_ignoring_received_date() -> None:
    newer = facts(1, created_on=date(2025, 2, 1), received_on=date(2024, 1, 1))
    older = facts(2, created_on=date(2024, 6, 1), received_on=date(2025, 6, 1))
    tie_late, tie_early = facts(3, created_on=date(2024, 6, 1), seq=50), facts(4, created_on=date(2024, 6, 1), seq=40)
    assert [f.debt_id for f in in_recovery_order([newer, older, tie_late, tie_early], lambda f: f)] == [2, 4, 3, 1]


def test_sort_key_is_total_for_any_mix_of_owners() -> None:
    keys = [recovery_sort_key(facts(i, creditor=c)) for i, c in enumerate(["LA", "DWP", "HMRC"], start=1)]
    assert sorted(keys) == [keys[1], keys[2], keys[0]]


@pytest.mark.parametrize("debt_type", ["ADMINISTRATIVE_PENALTY", "CIVIL_PENALTY"])
def test_rule_a_owner_not_named_comes_after_dwp_and_la_in_items_16_and_18(debt_type: str) -> None:
    """Annex B rule a names DWP and an LA for items 16 and 18: an HMRC penalty has no share and comes
    after both (dms.debts.order.ITEM_SHARING_OWNERS)."""
    hmrc, la, dwp = (facts(i, creditor=c, debt_type=debt_type) for i, c in enumerate(["HMRC", "LA", "DWP"], 1))
    assert [f.debt_id for f in in_recovery_order([hmrc, la, dwp], lambda f: f)] == [3, 2, 1]
    overpayments = [facts(i, creditor=c) for i, c in enumerate(["LA", "HMRC", "DWP"], 1)]
    assert [f.debt_id for f in in_recovery_order(overpayments, lambda f: f)] == [3, 2, 1]
