"""Misallocated deductions: found, listed for staff, corrected (A9/2025 §53; recovery-rules.md §5, §3).

Annex B rules a and b (recovery-rules.md §3): the amount of item 16 (ADMINISTRATIVE_PENALTY) and item 18
(CIVIL_PENALTY) is split equally between DWP and an LA where both have debts; the amount of item 17 (FRAUD
OVERPAYMENT) and item 19 (NON_FRAUD OVERPAYMENT) is split equally between DWP, HMRC and the LAs where more
than one of them has debts. A deduction of one of these items credited wholly to one owner's debts, on a day
when another owner had an eligible debt with a balance, is a misallocation: the owner that received it was
paid more than its share (recovery-rules.md §1 split with capacity, owners in the order DWP, HMRC, LA).

The correction never changes the person's total: a CORRECTION entry takes the excess back from the debts
that received it (DR RECEIVABLE, CR CREDITOR_DEBTS, DR CREDITOR_PAYABLE, CR PERSON_CREDIT; an LA sees a
CORRECTION line on its next schedule) and CREDIT_APPLIED entries place it on the other owners' debts in
recovery order.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import connection, transaction

from dms.calendar import month_bounds, parse_period
from dms.debts import DebtStatus
from dms.errors import DmsError, NotFound
from dms.ledger import AccountKey, AccountKind, Entry, EntryKind, Posting, build_entry
from dms.money import format_pounds, split_with_capacity
from dms.recovery.allocation import SHARING_OWNERS, annex_b_item
from dms.store.ledger import post_entries
from dms.store.models import Debt
from dms.store.payments.models import Misallocation

DEDUCTIONS_SQL = """
SELECT e.id, e.business_date, d.person_id, d.id, c.kind, d.debt_type, d.classification, -p.amount_pence
FROM dms_journal_entry e
JOIN dms_posting p ON p.entry_id = e.id
JOIN dms_account a ON a.id = p.account_id AND a.kind = 'RECEIVABLE'
JOIN dms_debt d ON d.id = a.debt_id
JOIN dms_creditor c ON c.id = d.creditor_id
WHERE e.kind = 'DEDUCTION' AND e.business_date >= %(start)s AND e.business_date <= %(end)s
ORDER BY d.person_id, e.business_date, e.id
"""


def shared_item(debt_type: str, classification: str) -> tuple[str, tuple[str, ...]] | None:
    """(Annex B item number, the owners who share it) for a debt, or None if its item is not shared
    (recovery-rules.md §3 rules a and b): the engine's own definition, ``allocation.SHARING_OWNERS``."""
    item = annex_b_item(debt_type, classification)
    owners = SHARING_OWNERS.get(item)
    return None if owners is None else (str(item), owners)


@dataclass
class _Group:
    person_id: int
    business_date: date
    item: str
    owners: tuple[str, ...]
    entry_ids: set[int]
    credited: dict[int, int]  # debt id -> pence
    owner_of: dict[int, str]


def fair_shares(amount: int, owners: tuple[str, ...], capacity: dict[str, int]) -> dict[str, int]:
    """Each owner's share of one item's amount: equal, capped at what its debts can absorb, the excess
    shared again (recovery-rules.md §1, :func:`dms.money.split_with_capacity`)."""
    shares = split_with_capacity(amount, [capacity.get(o, 0) for o in owners])
    return dict(zip(owners, shares, strict=True))


def _groups(start: date, end: date) -> list[_Group]:
    with connection.cursor() as cursor:
        cursor.execute(DEDUCTIONS_SQL, {"start": start, "end": end})
        rows = cursor.fetchall()
    groups: dict[tuple[int, Any, str], _Group] = {}
    for entry_id, day, person_id, debt_id, owner, debt_type, classification, amount in rows:
        item = shared_item(debt_type, classification)
        if item is None or amount <= 0:
            continue
        day = date.fromisoformat(day) if isinstance(day, str) else day
        group = groups.setdefault((person_id, day, item[0]),
                                  _Group(person_id, day, item[0], item[1], set(), defaultdict(int), {}))
        group.entry_ids.add(entry_id)
        group.credited[debt_id] += int(amount)
        group.owner_of[debt_id] = owner
    return list(groups.values())


def _eligible_balances(group: _Group) -> dict[int, tuple[str, int]]:
    """Debts of the person in the same item, held on the day, with their balance before the deduction:
    debt id -> (owner, balance)."""
    first_entry = min(group.entry_ids)
    found = {}
    for debt in Debt.objects.filter(person_id=group.person_id, received_on__lte=group.business_date).select_related(
        "creditor"
    ):
        item = shared_item(debt.debt_type, debt.classification)
        if item is None or item[0] != group.item:
            continue
        if debt.status in (DebtStatus.RETURNED, DebtStatus.WITHDRAWN) and debt.status_date <= group.business_date:
            continue
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT COALESCE(SUM(p.amount_pence), 0) FROM dms_posting p JOIN dms_account a ON a.id = p.account_id "
                "WHERE a.kind = 'RECEIVABLE' AND a.debt_id = %s AND p.entry_id < %s", [debt.pk, first_entry]
            )
            balance = int(cursor.fetchone()[0])
        if balance > 0:
            found[debt.pk] = (debt.creditor.kind, balance)
    return found


def _assess(group: _Group) -> dict[str, Any] | None:
    received_by = {group.owner_of[d] for d in group.credited}
    if len(received_by) != 1:
        return None
    receiver = received_by.pop()
    eligible = _eligible_balances(group)
    capacity: dict[str, int] = defaultdict(int)
    for owner, balance in eligible.values():
        capacity[owner] += balance
    amount = sum(group.credited.values())
    capacity[receiver] = max(capacity[receiver], amount)
    if not any(capacity[o] > 0 for o in group.owners if o != receiver):
        return None
    shares = fair_shares(amount, group.owners, capacity)
    excess = amount - shares[receiver]
    if excess <= 0:
        return None
    return {"receiver": receiver, "amount": amount, "excess": excess, "shares": shares}


def detect(period: str | None, *, today: date) -> list[Misallocation]:
    """Find misallocated deductions (in ``period``, or all) and record any not yet recorded; return every
    recorded misallocation not yet corrected, oldest first."""
    start, end = (date(1900, 1, 1), date(9999, 12, 31))
    if period:
        try:
            start, end = month_bounds(*parse_period(period))
        except ValueError as error:
            raise DmsError(str(error)) from None
    with transaction.atomic():
        for group in _groups(start, end):
            key = f"{group.person_id}:{group.business_date.isoformat()}:item{group.item}"
            if Misallocation.objects.filter(key=key).exists():
                continue
            found = _assess(group)
            if found is None:
                continue
            Misallocation.objects.create(
                key=key, person_id=group.person_id, business_date=group.business_date, item=group.item,
                entry_ids=sorted(group.entry_ids), amount_pence=found["amount"], received_by=found["receiver"],
                excess_pence=found["excess"],
                shares={"received": {str(d): a for d, a in sorted(group.credited.items())},
                        "fair": found["shares"]},
                detected_on=today,
            )
    queryset = Misallocation.objects.filter(status=Misallocation.DETECTED)
    if period:
        queryset = queryset.filter(business_date__gte=start, business_date__lte=end)
    return list(queryset.select_related("person").order_by("business_date", "id"))


def as_json(item: Misallocation) -> dict[str, Any]:
    return {
        "id": item.pk, "nino": item.person.nino, "business_date": item.business_date.isoformat(),
        "item": item.item, "entry_ids": item.entry_ids, "amount": format_pounds(item.amount_pence),
        "received_by": item.received_by, "excess": format_pounds(item.excess_pence),
        "fair_shares": {owner: format_pounds(v) for owner, v in item.shares["fair"].items()},
        "received": {debt: format_pounds(v) for debt, v in item.shares["received"].items()},
        "status": item.status,
        "reason": (f"Annex B item {item.item} ({format_pounds(item.amount_pence)}) was credited wholly to "
                   f"{item.received_by} although other owners had eligible debts; it should have been shared "
                   "(A9/2025 §53; recovery-rules.md §3, §5)"),
    }


# ---------------------------------------------------------------------------------------------- correction


def _balance_now(debt_id: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COALESCE(SUM(p.amount_pence), 0) FROM dms_posting p JOIN dms_account a ON a.id = p.account_id "
            "WHERE a.kind = 'RECEIVABLE' AND a.debt_id = %s", [debt_id]
        )
        return int(cursor.fetchone()[0])


def _recovery_key(debt: Debt) -> tuple[int, date, int]:
    """Fraud first, then oldest referral received, then receipt order (hb-debt-interface.md §6.4)."""
    return (0 if debt.classification == "FRAUD" else 1, debt.received_on, debt.receipt_seq)


def _placements(item: Misallocation) -> list[tuple[Debt, int]]:
    """Where the excess goes: each other owner's fair share, placed on its debts of the item in recovery
    order, capped at their balance today."""
    placements = []
    debts = [d for d in Debt.objects.filter(person_id=item.person_id, status=DebtStatus.OPEN).select_related("creditor")
             if (shared_item(d.debt_type, d.classification) or ("",))[0] == item.item]
    for owner, share in item.shares["fair"].items():
        if owner == item.received_by or share <= 0:
            continue
        left = share
        for debt in sorted((d for d in debts if d.creditor.kind == owner), key=_recovery_key):
            take = min(left, _balance_now(debt.pk))
            if take > 0:
                placements.append((debt, take))
                left -= take
            if left == 0:
                break
    return placements


def _take_backs(item: Misallocation, amount: int) -> list[tuple[Debt, int]]:
    """Take ``amount`` back from the debts that received the deduction, the last credited first."""
    taken = []
    received = sorted(((int(d), v) for d, v in item.shares["received"].items()), reverse=True)
    debts = Debt.objects.select_related("creditor").in_bulk([d for d, _ in received])
    for debt_id, credited in received:
        take = min(amount, credited)
        if take > 0:
            taken.append((debts[debt_id], take))
            amount -= take
    return taken


def _correction_entries(item: Misallocation, day: date, reason: str) -> list[Entry]:
    placements = _placements(item)
    amount = min(item.excess_pence, sum(a for _, a in placements))
    if amount <= 0:
        raise DmsError(
            f"misallocation {item.pk} cannot be corrected on {day}: the other owners' debts of item {item.item} "
            "have no balance left to take the excess; refer it for a manual decision"
        )
    credit = AccountKey(AccountKind.PERSON_CREDIT, item.person_id)
    entries = []
    for debt, take in _take_backs(item, amount):
        entries.append(build_entry(EntryKind.CORRECTION, day, [
            Posting(AccountKey(AccountKind.RECEIVABLE, debt.pk), take),
            Posting(AccountKey(AccountKind.CREDITOR_DEBTS, debt.creditor_id), -take),
            Posting(AccountKey(AccountKind.CREDITOR_PAYABLE, debt.creditor_id), take),
            Posting(credit, -take),
        ], description=f"misallocation {item.pk}: {format_pounds(take)} taken back from debt {debt.pk}",
            reason=reason))
    for debt, give in _cap(placements, amount):
        entries.append(build_entry(EntryKind.CREDIT_APPLIED, day, [
            Posting(credit, give),
            Posting(AccountKey(AccountKind.RECEIVABLE, debt.pk), -give),
            Posting(AccountKey(AccountKind.CREDITOR_DEBTS, debt.creditor_id), give),
            Posting(AccountKey(AccountKind.CREDITOR_PAYABLE, debt.creditor_id), -give),
        ], description=f"misallocation {item.pk}: {format_pounds(give)} credited to debt {debt.pk}",
            reason=reason))
    return entries


def _cap(placements: list[tuple[Debt, int]], amount: int) -> list[tuple[Debt, int]]:
    capped = []
    for debt, give in placements:
        give = min(give, amount)
        if give > 0:
            capped.append((debt, give))
            amount -= give
    return capped


def correct(misallocation_id: int, *, business_date: date, actor: str, reason: str) -> Misallocation:
    """Correct a recorded misallocation (A9/2025 §53): CORRECTION entries take the excess back from the
    owner that received it and CREDIT_APPLIED entries credit the others; the person's total is unchanged.
    Refuses an unknown id, one already corrected, and a missing actor or reason (nothing is written)."""
    if not actor.strip() or not reason.strip():
        raise DmsError("a correction records who made it and why: give --by NAME and --reason TEXT")
    with transaction.atomic():
        item = Misallocation.objects.select_for_update().filter(pk=misallocation_id).first()
        if item is None:
            raise NotFound(f"there is no misallocation {misallocation_id}; `dms report exceptions` lists them")
        if item.status == Misallocation.CORRECTED:
            raise DmsError(f"misallocation {item.pk} was already corrected on {item.corrected_on} by "
                           f"{item.corrected_by}")
        if business_date < item.business_date:
            raise DmsError(f"misallocation {item.pk} happened on {item.business_date}: correct it on or after that")
        entry_ids = post_entries(_correction_entries(item, business_date, reason))
        item.status = Misallocation.CORRECTED
        item.corrected_on = business_date
        item.corrected_by = actor.strip()
        item.correction_reason = reason.strip()
        item.correction_entry_ids = entry_ids
        item.save()
    return item
