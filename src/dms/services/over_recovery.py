"""A deduction reversed on a debt whose over-recovery has moved money off it (hb-debt-interface.md §6.5;
recovery-rules.md §5).

**Decision** (docs/recovery-notes.md "A reversal on an over-recovered debt"): a reversal of x on a debt whose
over-recovery moved o off it first undoes min(x, o) of that over-recovery: the person never paid that money,
so it was never over-recovered. It is taken back from where the over-recovery put it, in the reverse order it
was placed: the newest over-recovery first; within one, the refund due first, then the credit placed on the
person's other debts, newest first, each raising that debt's balance again (a ``REVERSAL`` of that much of
the ``REFUND`` or ``CREDIT_APPLIED`` entry; an LA's debt so raised gets a ``CORRECTION`` line on its LA's
next schedule). The deduction's own ``REVERSAL`` gives the revised debt's creditor back what was undone (its
take-back reduced by the same) and restores only the rest, x − min(x, o), to the debt's balance.

**Decision** (docs/recovery-notes.md "A revision up on an over-recovered debt"; hb-debt-interface.md §3.2:
``RevisedAmount`` is "the debt's new total as referred, not reduced by recoveries"): a revision up of Δ on a
debt whose over-recovery still stands (o, what is still placed: not taken back since) first undoes min(Δ, o)
of it in the same order, and a partial ``REVERSAL`` of the ``OVER_RECOVERY`` entry (and its CORRECTION) gives
the debt's creditor back what was undone, counted as recovered on the debt (for an LA, a ``CORRECTION`` line
on its next schedule); only the rest, Δ − min(Δ, o), raises the debt's balance (:func:`revision_up`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Sum

from dms.ledger import AccountKey, AccountKind, Entry, EntryKind, Posting, build_entry
from dms.money import format_pounds
from dms.store.ledger import post_entries
from dms.store.models import Debt
from dms.store.models import Posting as PostingRow

_PLACED_KINDS = (EntryKind.REFUND, EntryKind.CREDIT_APPLIED)


@dataclass(frozen=True)
class _Placement:
    """Where part of an over-recovery went and is still: a refund due, or credit on another debt."""

    entry_id: int
    kind: str
    person_id: int
    pence: int
    over_id: int
    debt_id: int | None = None
    creditor_id: int | None = None


@dataclass
class Undone:
    """What undoing part of an over-recovery did: the pence undone, taken from each person's credit (the
    deduction's reversal debits them), the same by OVER_RECOVERY entry and person (``by_over``), and the other
    debts whose balance it raised (``by_other``: the pence taken back from the credit on each, in the order
    taken)."""

    pence: int = 0
    from_person: dict[int, int] = field(default_factory=dict)
    by_over: dict[tuple[int, int], int] = field(default_factory=dict)
    raised: set[int] = field(default_factory=set)
    by_other: dict[int, int] = field(default_factory=dict)


def over_recovered(debt_ids: Iterable[int]) -> set[int]:
    """The debts of ``debt_ids`` an over-recovery ever moved money off (one query)."""
    return set(PostingRow.objects.filter(entry__kind=EntryKind.OVER_RECOVERY, account__kind=AccountKind.RECEIVABLE,
                                         account__debt_id__in=list(debt_ids))
               .values_list("account__debt_id", flat=True).distinct())


def _placements(debt: Debt) -> list[_Placement]:
    """What the over-recoveries of ``debt`` placed and is still placed, in the order to undo it: the newest
    over-recovery first; within one, its refunds due first, then its credits, newest first. An
    over-recovery's REFUND and CREDIT_APPLIED entries are those posted after its OVER_RECOVERY entry (in the
    same transaction, on the same day), before the debt's next one, described as credit from it."""
    overs = list(PostingRow.objects.filter(entry__kind=EntryKind.OVER_RECOVERY, account__kind=AccountKind.RECEIVABLE,
                                           account__debt_id=debt.pk)
                 .order_by("entry_id").values_list("entry_id", "entry__business_date"))
    placed: list[_Placement] = []
    for index, (over_id, day) in enumerate(overs):
        rows = PostingRow.objects.filter(
            entry__kind__in=_PLACED_KINDS, entry__business_date=day, entry_id__gt=over_id,
            entry__description__startswith=f"credit from over-recovery of debt {debt.pk} (",
            account__kind__in=(AccountKind.PERSON_CREDIT, AccountKind.RECEIVABLE))
        if index + 1 < len(overs):
            rows = rows.filter(entry_id__lt=overs[index + 1][0])
        found: dict[int, dict[str, int | str | None]] = {}
        for entry_id, kind, account_kind, person_id, debt_id, creditor_id, pence in rows.values_list(
                "entry_id", "entry__kind", "account__kind", "account__person_id", "account__debt_id",
                "account__debt__creditor_id", "amount_pence"):
            row = found.setdefault(entry_id, {"kind": kind})
            if account_kind == AccountKind.PERSON_CREDIT:
                row.update(person=person_id, pence=int(pence))
            else:
                row.update(debt=debt_id, creditor=creditor_id)
        undone = _undone_of(list(found))
        refunds = sorted((e for e in found if found[e]["kind"] == EntryKind.REFUND), reverse=True)
        credits = sorted((e for e in found if found[e]["kind"] == EntryKind.CREDIT_APPLIED), reverse=True)
        one = [_Placement(e, str(found[e]["kind"]), int(found[e]["person"]),  # type: ignore[arg-type]
                          int(found[e]["pence"]) - undone.get(e, 0), over_id,  # type: ignore[arg-type]
                          found[e].get("debt"), found[e].get("creditor"))  # type: ignore[arg-type]
               for e in (*refunds, *credits)]
        placed = [p for p in one if p.pence > 0] + placed
    return placed


def _undone_of(entry_ids: Sequence[int]) -> dict[int, int]:
    """Pence of each entry already undone by REVERSAL entries of it (what they credit back to PERSON_CREDIT)."""
    rows = (PostingRow.objects.filter(entry__kind=EntryKind.REVERSAL, entry__reverses_id__in=list(entry_ids),
                                      account__kind=AccountKind.PERSON_CREDIT)
            .values_list("entry__reverses_id").annotate(total=Sum("amount_pence")))
    return {int(entry_id): -int(total or 0) for entry_id, total in rows}


def undo_over_recovery(debt: Debt, most_pence: int, business_date: date, reason: str,
                       cause: str = "") -> Undone:
    """Undo up to ``most_pence`` of the over-recoveries of ``debt`` still placed (module docstring), posting
    a partial REVERSAL of each REFUND or CREDIT_APPLIED entry it takes from, into the person's credit; the
    caller's entry (the deduction's reversal, or :func:`revision_up_entries`) takes ``Undone.from_person``
    from that credit. ``cause`` says what undoes it, in the entries' descriptions (by default, "<pence> of
    a deduction reversed")."""
    done = Undone()
    entries: list[Entry] = []
    for place in _placements(debt):
        take = min(place.pence, most_pence - done.pence)
        if take <= 0:
            break
        entries.append(_undo_entry(debt, place, take, business_date, reason,
                                   cause or f"{format_pounds(take)} of a deduction reversed"))
        done.pence += take
        done.from_person[place.person_id] = done.from_person.get(place.person_id, 0) + take
        key = (place.over_id, place.person_id)
        done.by_over[key] = done.by_over.get(key, 0) + take
        if place.debt_id is not None:
            done.raised.add(place.debt_id)
            done.by_other[place.debt_id] = done.by_other.get(place.debt_id, 0) + take
    post_entries(entries)
    return done


def _undo_entry(debt: Debt, place: _Placement, take: int, business_date: date, reason: str, cause: str) -> Entry:
    credit = AccountKey(AccountKind.PERSON_CREDIT, place.person_id)
    if place.debt_id is None:
        postings = [Posting(AccountKey(AccountKind.PERSON_REFUND_DUE, place.person_id), take), Posting(credit, -take)]
        what = "refund due"
    else:
        postings = [
            Posting(credit, -take),
            Posting(AccountKey(AccountKind.RECEIVABLE, place.debt_id), take),
            Posting(AccountKey(AccountKind.CREDITOR_DEBTS, place.creditor_id), -take),
            Posting(AccountKey(AccountKind.CREDITOR_PAYABLE, place.creditor_id), take),
        ]
        what = f"credit placed on debt {place.debt_id}"
    return build_entry(
        EntryKind.REVERSAL, business_date, postings,
        description=f"reversal of {format_pounds(take)} of entry {place.entry_id}: the over-recovery of debt "
                    f"{debt.pk} ({debt.creditor_ref}) undone by {cause}, taken back from the {what}",
        reason=reason, reverses_id=place.entry_id)


def revision_up(debt: Debt, difference_pence: int, new_total_pence: int, business_date: date,
                reason: str) -> Undone:
    """A revision of ``debt`` up by ``difference_pence`` to ``new_total_pence`` (hb-debt-interface.md §3.2: the
    new total "not reduced by recoveries"; §6.5; recovery-rules.md §5): it first undoes min(difference, the
    over-recovery still standing), as a reversal does (:func:`undo_over_recovery`: the refund due first, then
    the credit on other debts, newest first), and gives the debt's creditor back what was undone
    (:func:`revision_up_entries`, posted here); only the rest raises the debt's balance, by the caller's
    REVISION. Nothing is undone on a debt with no over-recovery standing (:func:`undo_over_recovery` takes
    no more than is still placed)."""
    done = undo_over_recovery(debt, difference_pence, business_date, reason,
                              cause=f"the revision up to {format_pounds(new_total_pence)}")
    if done.pence:
        post_entries(revision_up_entries(debt, done, new_total_pence, business_date, reason))
    return done


def revision_up_entries(debt: Debt, undone: Undone, new_total_pence: int, business_date: date,
                        reason: str) -> list[Entry]:
    """A partial REVERSAL of each OVER_RECOVERY entry of ``debt`` a revision up undid (with its CORRECTION):
    the pence undone come off the person's credit, back onto the debt as recovered (CR RECEIVABLE, DR
    CREDITOR_DEBTS) and back to its creditor (CR CREDITOR_PAYABLE: for an LA, a CORRECTION line on its next
    schedule)."""
    by_over: dict[int, dict[int, int]] = {}
    for (over_id, person_id), pence in undone.by_over.items():
        by_over.setdefault(over_id, {})[person_id] = pence
    entries = []
    for over_id, people in sorted(by_over.items(), reverse=True):
        pence = sum(people.values())
        entries.append(build_entry(
            EntryKind.REVERSAL, business_date,
            [
                *(Posting(AccountKey(AccountKind.PERSON_CREDIT, person_id), share)
                  for person_id, share in sorted(people.items())),
                Posting(AccountKey(AccountKind.RECEIVABLE, debt.pk), -pence),
                Posting(AccountKey(AccountKind.CREDITOR_DEBTS, debt.creditor_id), pence),
                Posting(AccountKey(AccountKind.CREDITOR_PAYABLE, debt.creditor_id), -pence),
            ],
            description=f"reversal of {format_pounds(pence)} of entry {over_id}: the over-recovery of debt {debt.pk} "
                        f"({debt.creditor_ref}) undone by the revision up to {format_pounds(new_total_pence)}, "
                        f"{format_pounds(pence)} given back to its creditor",
            reason=reason, reverses_id=over_id))
    return entries


def deduction_reversal(original_id: int, postings: Sequence[Posting], undone: Undone, business_date: date,
                       reason: str) -> Entry:
    """The REVERSAL of a DEDUCTION entry (every posting negated), less what ``undone`` took from the person's
    credit: that much is given back to the debt's creditor and not restored to its balance (DR PERSON_CREDIT,
    CR RECEIVABLE, DR CREDITOR_DEBTS, CR CREDITOR_PAYABLE), so the entry restores only the rest."""
    negated = [Posting(p.account, -p.amount_pence) for p in postings]
    if not undone.pence:
        return build_entry(EntryKind.REVERSAL, business_date, negated, description=f"reversal of entry {original_id}",
                           reason=reason, reverses_id=original_id)
    sums: dict[AccountKey, int] = {}
    for p in negated:
        sums[p.account] = sums.get(p.account, 0) + p.amount_pence
        if p.account.kind == AccountKind.RECEIVABLE:
            sums[p.account] -= undone.pence
        elif p.account.kind == AccountKind.CREDITOR_DEBTS:
            sums[p.account] += undone.pence
        elif p.account.kind == AccountKind.CREDITOR_PAYABLE:
            sums[p.account] -= undone.pence
    for person_id, pence in undone.from_person.items():
        key = AccountKey(AccountKind.PERSON_CREDIT, person_id)
        sums[key] = sums.get(key, 0) + pence
    return build_entry(
        EntryKind.REVERSAL, business_date, [Posting(k, v) for k, v in sums.items() if v],
        description=f"reversal of entry {original_id}, {format_pounds(undone.pence)} of it undoing the debt's "
                    "over-recovery (never paid, so never over-recovered)",
        reason=reason, reverses_id=original_id)
