"""Allocation of an amount across owners and debts (pure).

The order itself (item, owner, HB §6.4 order, oldest first) is ``dms.debts.order.recovery_sort_key``; this
module adds the sharing rules of Annex B (A9/2025) and hb-debt-interface.md §6.4:

- rules a and b (:func:`split_between_owners`): items 16 and 18 split equally between DWP and LA, items 17
  and 19 between DWP, HMRC and LA (an owner the rule does not name takes only what the others cannot);
- rule c (:func:`order_within_owner`): on a joint award, DWP joint debts before DWP single debts (other
  owners' debts keep their order);
- partners (:func:`allocate_within_owner`): HB debts of both partners of a couple share equally;
- spill-over (:func:`allocate_in_order`): what clears one debt goes to the next in the same period;
- a payment without a target, and a person's credit (:func:`spread_like_deduction`): item by item, split as a
  deduction is;
- a legacy instalment (:func:`allocate_instalment`): item by item, split as a deduction is, the first share
  carrying the instalment's rule where no split applies.

Every allocation records the rule that brought money to the debt.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from typing import NamedTuple

from dms.debts.order import ITEM_SHARING_OWNERS, DebtOrderFacts, RecoveryKey, annex_b_item, recovery_sort_key
from dms.money import split_with_capacity
from dms.recovery.types import DebtRecord, Rule

OWNER_ORDER: tuple[str, ...] = ("DWP", "HMRC", "LA")
# Annex B rules a (items 16, 18: DWP and LA) and b (items 17, 19: DWP, HMRC and LA): split equally between
# the named owners that have debts. One definition: ``dms.debts.order.ITEM_SHARING_OWNERS``.
SHARING_OWNERS: dict[int, tuple[str, ...]] = ITEM_SHARING_OWNERS
# Annex B rule c: items 3-5 and 15-19, DWP joint debts first on a joint award.
JOINT_FIRST_ITEMS = frozenset({3, 5, 15, 16, 17, 18, 19})

Share = tuple[DebtRecord, int, Rule]
# The figures of an owner's amount shared equally between partners' HB debts (hb-debt-interface.md §6.4), by debt
# id: (the index of the debt's partner, partners in recovery order of their first debt; the owner's amount; what
# each partner's debts could take, in that order). Filled by :func:`allocate_within_owner` when asked.
PartnerFigures = dict[int, tuple[int, ...]]

_ITEM_CACHE: dict[tuple[str, str], int] = {}


def item_of(debt: DebtRecord) -> int:
    """The Annex B item of a debt (recovery-rules.md §3), via ``dms.debts.order.annex_b_item`` (cached)."""
    key = (debt.debt_type, debt.classification)
    item = _ITEM_CACHE.get(key)
    if item is None:
        item = annex_b_item(debt.debt_type, debt.classification)
        _ITEM_CACHE[key] = item
    return item


_KEY_PREFIX: dict[tuple[str, str, str], tuple[tuple[int, int, int], bool]] = {}


def sort_key(debt: DebtRecord) -> RecoveryKey:
    """A debt's place in recovery order: ``dms.debts.order.recovery_sort_key`` (hb-debt-interface.md §6.4
    for HB debts: fraud first, oldest received, receipt order; others oldest ``created_on`` first).

    The key's first three parts depend only on owner, type and classification, so they are asked of
    ``recovery_sort_key`` once per combination (together with which of the two dates it orders by)."""
    kind = (debt.owner_kind, debt.debt_type, debt.classification)
    known = _KEY_PREFIX.get(kind)
    if known is None:
        probe = recovery_sort_key(DebtOrderFacts(0, kind[0], kind[1], kind[2], date.min, date.max, 0))
        known = ((probe[0], probe[1], probe[2]), probe[3] == date.max)
        _KEY_PREFIX[kind] = known
    (item, owner, rank), by_received = known
    return (item, owner, rank, debt.received_on if by_received else debt.created_on, debt.receipt_seq)


def allocate_in_order(amount: int, debts: Sequence[DebtRecord], capacities: Sequence[int],
                      rule: Rule) -> list[Share]:
    """Place ``amount`` on ``debts`` one after another, each up to its capacity (A9/2025 §28: when a
    deduction clears a debt the rest goes to the next debt in the same period). The first debt's share
    carries ``rule``; later ones are spill-over (RECOVERY_ORDER). Never more than a debt's capacity."""
    shares: list[Share] = []
    remaining = amount
    for index, debt in enumerate(debts):
        if remaining <= 0:
            break
        taken = min(remaining, capacities[index])
        if taken > 0:
            shares.append((debt, taken, rule if not shares else Rule.RECOVERY_ORDER))
            remaining -= taken
    return shares


def joint_first(debt: DebtRecord) -> bool:
    """Whether rule c puts the debt first on a joint award: a DWP joint debt (Annex B rule c, "DWP joint
    debts before DWP single debts"; recovery-rules.md §3). Other owners' joint debts keep their place."""
    return debt.joint and debt.owner_kind == "DWP"


def order_within_owner(debts: Sequence[DebtRecord], item: int, joint_award: bool) -> list[DebtRecord]:
    """Debts of one owner in recovery order; on a joint award for items 3-5 and 15-19 DWP joint debts
    before DWP single debts (Annex B rule c, A9/2025 Annex B; :func:`joint_first`). HMRC and LA debts stay
    in their own order (oldest first; HB §6.4)."""
    if joint_award and item in JOINT_FIRST_ITEMS:
        return sorted(debts, key=lambda d: (0 if joint_first(d) else 1, sort_key(d)))
    return sorted(debts, key=sort_key)


def allocate_within_owner(amount: int, debts: Sequence[DebtRecord], capacity: dict[int, int], item: int,
                          joint_award: bool, rule: Rule, partners: PartnerFigures | None = None) -> list[Share]:
    """One owner's share across its debts. HB debts of both partners of a couple share the amount equally
    (hb-debt-interface.md §6.4, A9/2025 §28), each partner's part then in recovery order; otherwise the
    debts take it in recovery order with spill-over (:func:`allocate_in_order`).

    ``partners``, when given, receives the figures of a split between partners for each of the partners'
    debts (:data:`PartnerFigures`: the amount shared, what each partner's debts could take, and which partner
    owns the debt), so that the explanation can give the halves, what a partner's debts could not take and
    where it went (recovery-rules.md §3: "why this amount?" from the explanation alone)."""
    ordered = order_within_owner(debts, item, joint_award)
    persons: list[int | None] = []
    for debt in ordered:
        if debt.owner_kind == "LA" and debt.owner_person not in persons:
            persons.append(debt.owner_person)
    if len(persons) < 2:
        first_rule = rule
        if (rule in (Rule.FIRST_IN_ORDER, Rule.RECOVERY_ORDER, Rule.SPLIT_EQUALLY) and joint_award
                and item in JOINT_FIRST_ITEMS and joint_first(ordered[0]) and len(ordered) > 1):
            first_rule = Rule.SPLIT_JOINT_FIRST if rule is Rule.SPLIT_EQUALLY else Rule.JOINT_FIRST
        return allocate_in_order(amount, ordered, [capacity[d.debt_id] for d in ordered], first_rule)
    groups = [[d for d in ordered if d.owner_person == p] for p in persons]
    capacities = [sum(capacity[d.debt_id] for d in g) for g in groups]
    parts = split_with_capacity(amount, capacities)
    if partners is not None:
        for index, group in enumerate(groups):
            for debt in group:
                partners[debt.debt_id] = (index, amount, *capacities)
    shares: list[Share] = []
    for group, part in zip(groups, parts, strict=True):
        shares.extend(allocate_in_order(part, group, [capacity[d.debt_id] for d in group],
                                        Rule.PARTNERS_EQUALLY))
    return shares


def split_between_owners(amount: int, debts: Sequence[DebtRecord], capacity: dict[int, int], item: int,
                         joint_award: bool, partners: PartnerFigures | None = None) -> list[Share]:
    """An item's amount across its debts (recovery-rules.md §3).

    Items 16 and 18 (Annex B rule a: DWP and an LA) and 17 and 19 (rule b: DWP, HMRC and LAs): where more
    than one of the owners the rule names (:data:`SHARING_OWNERS`) have debts in the item, the amount is
    split equally between them with ``dms.money.split_with_capacity`` (an owner that cannot absorb its share
    passes the excess on; leftover pence in the order DWP, HMRC, LA) — A9/2025 §29: £60 gives £20 each.
    Other items, and an item with one named owner, go in recovery order. An owner the rule does not name
    (an HMRC penalty of item 16 or 18) takes only what the named owners' debts cannot, in recovery order
    (**Decision**, ``dms.debts.order.ITEM_SHARING_OWNERS``). ``partners``: as for :func:`allocate_within_owner`.
    """
    if len(debts) == 1:
        only = debts[0]
        return [(only, min(amount, capacity[only.debt_id]), Rule.SOLE_DEBT)] if amount > 0 else []
    sharing = SHARING_OWNERS.get(item)
    if sharing is None:
        return allocate_within_owner(amount, debts, capacity, item, joint_award, Rule.FIRST_IN_ORDER, partners)
    groups = [g for g in ([d for d in debts if d.owner_kind == o] for o in OWNER_ORDER if o in sharing) if g]
    others = [d for d in debts if d.owner_kind not in sharing]
    if len(groups) < 2:
        if not others or not groups:
            return allocate_within_owner(amount, debts, capacity, item, joint_award, Rule.FIRST_IN_ORDER, partners)
        shares = allocate_within_owner(amount, groups[0], capacity, item, joint_award, Rule.FIRST_IN_ORDER,
                                       partners)
    else:
        parts = split_with_capacity(amount, [sum(capacity[d.debt_id] for d in g) for g in groups])
        shares = []
        for group, part in zip(groups, parts, strict=True):
            if part > 0:
                shares.extend(allocate_within_owner(part, group, capacity, item, joint_award,
                                                    Rule.SPLIT_EQUALLY, partners))
    if others:
        rest = amount - sum(share for _, share, _ in shares)
        if rest > 0:
            shares.extend(allocate_within_owner(rest, others, capacity, item, joint_award, Rule.RECOVERY_ORDER,
                                                partners))
    return shares


def sharing_owners(item: int, debts: Sequence[DebtRecord]) -> tuple[str, ...]:
    """The owners :func:`split_between_owners` splits the item's amount equally between (Annex B rules a
    and b): those the rule names that have debts in the item, when there are two or more; else ()."""
    sharing = SHARING_OWNERS.get(item)
    if sharing is None or len(debts) < 2:
        return ()
    owners = tuple(o for o in OWNER_ORDER if o in sharing and any(d.owner_kind == o for d in debts))
    return owners if len(owners) > 1 else ()


def capacity_of(debt: DebtRecord, limits: Mapping[int, int]) -> int:
    """What a debt can take of an amount: its balance, or its limit (``limits``, by debt id) where lower."""
    limit = limits.get(debt.debt_id)
    return debt.balance_pence if limit is None or limit > debt.balance_pence else limit


def _item_by_item(amount: int, debts: Sequence[DebtRecord], joint_award: bool,
                  limits: Mapping[int, int] | None = None
                  ) -> Iterator[tuple[int, list[DebtRecord], dict[int, int], int, list[Share]]]:
    """``amount`` placed item by item in Annex B order over the debts with a balance, each item's part (what
    is left, up to what its debts can take) split between owners by rules a, b and c and within an owner in
    recovery order (:func:`split_between_owners`); what an item's debts cannot take goes on to the next item
    (A9/2025 §28). A debt takes at most its balance, or its limit in ``limits`` (by debt id) where lower: the
    capacities given to :func:`split_between_owners`, as the UC engine gives a Social Fund loan's agreed
    amount. Yields ``(item, its debts, their capacities, the item's part, its shares)``."""
    by_item: dict[int, list[DebtRecord]] = {}
    for debt in debts:
        if debt.balance_pence > 0:
            by_item.setdefault(item_of(debt), []).append(debt)
    remaining = amount
    for item in sorted(by_item):
        if remaining <= 0:
            break
        group = by_item[item]
        capacity = {d.debt_id: capacity_of(d, limits or {}) for d in group}
        part = min(remaining, sum(capacity.values()))
        taken = split_between_owners(part, group, capacity, item, joint_award)
        yield item, group, capacity, part, taken
        remaining -= sum(share for _, share, _ in taken)


def spread_like_deduction(amount: int, debts: Sequence[DebtRecord], joint_award: bool) -> list[Share]:
    """An amount paid without a target, spread over the debts like a deduction of that amount (events.md §3
    ``payment.received``; also a person's credit placed on their other debts, recovery-rules.md §5,
    ``dms.services.debts.use_person_credit``): item by item in Annex B order, each item's part split between
    owners by rules a, b and c and within an owner in recovery order (:func:`split_between_owners`, as the UC
    engine does). A payment is not a deduction from benefit: no item maximum, cap or reduced rate limits it,
    only the debts' balances. Returns the shares; they sum to ``min(amount, Σ balances)`` (the rest is the
    caller's: the person's credit, or the refund due, recovery-rules.md §5)."""
    shares: list[Share] = []
    for _, _, _, _, taken in _item_by_item(amount, debts, joint_award):
        shares.extend(taken)
    return shares


def owners_text(owners: Sequence[str]) -> str:
    """The owners an item's amount was split equally between, in words: "DWP, HMRC and LA"."""
    return ", ".join(owners[:-1]) + " and " + owners[-1] if len(owners) > 1 else "".join(owners)


class InstalmentShare(NamedTuple):
    """One debt's share of a legacy instalment (:func:`allocate_instalment`): the rule that brought money to
    it, its Annex B item and, where the item's part was split equally between owners (rules a and b), those
    owners in words (``shared_by``, "DWP, HMRC and LA") and ``split``: the item's part and what each of
    those owners' debts could take, in that order (as a UC line's ``shared_by`` and ``split``)."""

    debt: DebtRecord
    amount: int
    rule: Rule
    item: int
    shared_by: str = ""
    split: tuple[int, ...] = ()


def allocate_instalment(amount: int, debts: Sequence[DebtRecord], rule: Rule,
                        limits: Mapping[int, int] | None = None) -> list[InstalmentShare]:
    """A legacy instalment across the person's debts (recovery-rules.md §4 with §3 rules a and b; **Decision**,
    docs/recovery-notes.md "A legacy instalment shared between owners"): item by item in Annex B order, each
    item's part split equally between the owners rules a and b name that have debts in it
    (:func:`split_between_owners`, A9/2025 §29: £14.40 gives £4.80 each to DWP, HMRC and the LA; leftover
    pence in the order DWP, HMRC, LA), as on UC and as :func:`spread_like_deduction` spreads a payment, with
    spill-over to the next debt, owner or item when one cannot take its share (A9/2025 §28); never more than
    a debt's balance, nor than its limit in ``limits`` (by debt id: a Social Fund loan's agreed amount for the
    pay period, recovery-rules.md §3 item 14), and the amount is unchanged: only who gets it (the caller
    passes no more than the debts can take).

    A legacy award is one person's: no joint award (rule c does not apply) and no partner's HB debts (HB
    debts are never held jointly, so those passed are all the person's own). Each share records the rule
    that brought money to its debt: an equal split (``SPLIT_EQUALLY``, and within an owner's share the next
    debt ``RECOVERY_ORDER``) naming the owners; where no split applies, ``rule`` (why the instalment is
    what it is) on the first share of the instalment and ``RECOVERY_ORDER`` (spill-over) on the later ones."""
    shares: list[InstalmentShare] = []
    for item, group, capacity, part, taken in _item_by_item(amount, debts, False, limits):
        owners = sharing_owners(item, group)
        split = (part, *(sum(capacity[d.debt_id] for d in group if d.owner_kind == o) for o in owners))
        for debt, share, how in taken:
            if debt.owner_kind in owners:
                shares.append(InstalmentShare(debt, share, how, item, owners_text(owners), split))
            else:
                shares.append(InstalmentShare(debt, share, rule if not shares else Rule.RECOVERY_ORDER, item))
    return shares
