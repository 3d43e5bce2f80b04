"""The one place debts are created and changed: referral, revision (with over-recovery, credit and refund),
classification change, return (cessation) and withdrawal; and a debt's figures from the ledger.

Every function here runs in one transaction (``transaction.atomic``; inside a caller's transaction it is a
savepoint), writes the ledger only through :func:`dms.ledger.build_entry` and
:func:`dms.store.ledger.post_entries` following the conventions of docs/architecture.md, and audits every
status change (``Debt.change_status``). Refusals raise :class:`dms.errors.DmsError` and change nothing.

Callers: ``debt.*`` events (services/events.py), LA file processing and the recovery engine.

Figures of a debt (docs/architecture.md): ``amount`` is its total as referred after revisions;
``recovered`` is minus the sum of its RECEIVABLE postings in entries other than REFERRAL, REVISION and
RETURN; ``balance`` is ``amount - recovered``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, Sum

from dms.debts import (
    ACTIVE_STATUSES,
    Classification,
    CreditorKind,
    DebtStatus,
    DebtType,
)
from dms.errors import DmsError, InvariantBroken
from dms.ledger import AccountKey, AccountKind, Entry, EntryKind, Posting, build_entry
from dms.money import format_pounds
from dms.recovery.allocation import spread_like_deduction
from dms.recovery.types import DebtRecord
from dms.services import over_recovery
from dms.store.la.models import Cessation, Recall
from dms.store.ledger import account_balance, post_entries
from dms.store.models import (
    Award,
    Counter,
    Creditor,
    Debt,
    DebtComponent,
    DebtStatusChange,
    Person,
)
from dms.store.models import Posting as PostingRow

RECEIPT_SEQ_COUNTER = "receipt_seq"
NOT_RECOVERED_KINDS = (EntryKind.REFERRAL, EntryKind.REVISION, EntryKind.RETURN)
# A debt in one of these statuses is no longer held: it cannot be revised, returned or withdrawn again.
FINAL_STATUSES = frozenset({DebtStatus.RETURNED, DebtStatus.WITHDRAWN})

# Cessation reasons (hb-debt-interface.md §6.5, §20, §23, §24).
CESSATION_REASONS = frozenset(
    {
        "NO_BENEFIT_IN_PAYMENT", "UC_DEBT_LIMIT", "HB_DEBT_ALREADY_HELD", "OTHER_DWP_RECOVERY",
        "CLAIM_CEASED", "UC_AWARD_ENDED", "DEATH", "LA_RECALL", "MANUAL_RECALL", "INSOLVENCY", "SANCTION",
        "MISSED_INSTALMENTS", "INSUFFICIENT_BENEFIT", "MAXIMUM_DEDUCTIONS",
    }
)


@dataclass(frozen=True)
class ComponentInput:
    """One overpayment of an LA invoice (hb-debt-interface.md §3.1), kept with the debt as referred."""

    amount_pence: int
    period_start: date
    period_end: date


@dataclass(frozen=True)
class DebtFigures:
    amount_pence: int
    recovered_pence: int
    balance_pence: int


# ---------------------------------------------------------------------------------------------- figures


def recovered_by_debt(debt_ids: Iterable[int]) -> dict[int, int]:
    """Pence recovered per debt id (one query): minus the sum of the debt's RECEIVABLE postings in entries
    other than REFERRAL, REVISION and RETURN (docs/architecture.md). Debts with nothing recovered map to 0."""
    ids = sorted(set(debt_ids))
    recovered = dict.fromkeys(ids, 0)
    if not ids:
        return recovered
    rows = (
        PostingRow.objects.filter(account__kind=AccountKind.RECEIVABLE, account__debt_id__in=ids)
        .exclude(entry__kind__in=[k.value for k in NOT_RECOVERED_KINDS])
        .values_list("account__debt_id")
        .annotate(total=Sum("amount_pence"))
    )
    for debt_id, total in rows:
        recovered[debt_id] = -int(total or 0)
    return recovered


def debt_figures(debts: Iterable[Debt]) -> dict[int, tuple[int, int, int]]:
    """``{debt_id: (amount_pence, recovered_pence, balance_pence)}`` for ``debts``, in one query.

    For a returned or withdrawn debt the balance is the one it had when it left DMS (RETURN entries do not
    count as recovery)."""
    debt_list = list(debts)
    recovered = recovered_by_debt(d.pk for d in debt_list)
    return {
        d.pk: (d.amount_pence, recovered[d.pk], d.amount_pence - recovered[d.pk]) for d in debt_list
    }


def figures_of(debt: Debt) -> DebtFigures:
    """The figures of one debt."""
    amount, recovered, balance = debt_figures([debt])[debt.pk]
    return DebtFigures(amount, recovered, balance)


# ---------------------------------------------------------------------------------------------- creation


def allocate_receipt_seq(count: int = 1) -> int:
    """Reserve ``count`` consecutive receipt numbers and return the first. The counter row is locked
    (``select_for_update``) until the caller's transaction ends, so numbers are never shared."""
    if count < 1:
        raise ValueError("allocate at least one receipt number")
    with transaction.atomic():
        counter, _ = Counter.objects.select_for_update().get_or_create(name=RECEIPT_SEQ_COUNTER)
        first = counter.value + 1
        counter.value += count
        counter.save(update_fields=["value"])
    return first


def _check_new_debt(
    creditor: Creditor, creditor_ref: str, debt_type: str, classification: str, amount_pence: int
) -> None:
    if not creditor_ref or len(creditor_ref) > 64:
        raise DmsError(f"creditor_ref {creditor_ref!r} must be 1 to 64 characters")
    if debt_type not in DebtType.__members__:
        raise DmsError(f"debt_type {debt_type!r} is not one of {', '.join(DebtType)}")
    if classification not in Classification.__members__:
        raise DmsError(f"classification {classification!r} is not FRAUD or NON_FRAUD")
    if not isinstance(amount_pence, int) or isinstance(amount_pence, bool) or amount_pence <= 0:
        raise DmsError(f"a debt's amount must be a positive whole number of pence, got {amount_pence!r}")
    if Debt.objects.filter(creditor=creditor, creditor_ref=creditor_ref, status__in=ACTIVE_STATUSES).exists():
        raise DmsError(
            f"{creditor} already has an open debt with reference {creditor_ref!r}: revise or withdraw it, "
            "or refer the new debt under another reference"
        )


def create_debt(
    *,
    person: Person,
    creditor: Creditor,
    creditor_ref: str,
    debt_type: str,
    classification: str,
    amount_pence: int,
    created_on: date,
    received_on: date,
    business_date: date,
    actor: str,
    components: Sequence[ComponentInput | tuple[int, date, date]] = (),
    joint_person: Person | None = None,
    agreed_amount_pence: int | None = None,
) -> Debt:
    """Take on a debt: the debt row (status OPEN, partition of the person, the next receipt number), its
    components, the audit row and the REFERRAL entry (DR RECEIVABLE(debt); CR CREDITOR_DEBTS(creditor)).

    Refuses (DmsError) a creditor reference the creditor already has open (one active debt per
    ``(creditor, creditor_ref)``, docs/architecture.md), an unknown type or classification, and an amount
    that is not a positive number of pence."""
    with transaction.atomic():
        _check_new_debt(creditor, creditor_ref, debt_type, classification, amount_pence)
        debt = Debt.objects.create(
            person=person,
            creditor=creditor,
            creditor_ref=creditor_ref,
            debt_type=debt_type,
            classification=classification,
            amount_pence=amount_pence,
            original_amount_pence=amount_pence,
            created_on=created_on,
            received_on=received_on,
            receipt_seq=allocate_receipt_seq(),
            status=DebtStatus.OPEN,
            status_date=business_date,
            joint_person=joint_person,
            agreed_amount_pence=agreed_amount_pence,
            partition=person.partition,
        )
        DebtComponent.objects.bulk_create([_component(debt, c) for c in components])
        DebtStatusChange.objects.create(
            debt=debt, from_status="", to_status=DebtStatus.OPEN, business_date=business_date, actor=actor,
            reason=f"referred by {creditor} as {creditor_ref} for {format_pounds(amount_pence)}",
        )
        post_entries([_referral_entry(debt, business_date)])
    return debt


def _component(debt: Debt, component: ComponentInput | tuple[int, date, date]) -> DebtComponent:
    if isinstance(component, tuple):
        component = ComponentInput(*component)
    return DebtComponent(
        debt=debt,
        amount_pence=component.amount_pence,
        period_start=component.period_start,
        period_end=component.period_end,
    )


def _receivable(debt: Debt) -> AccountKey:
    return AccountKey(AccountKind.RECEIVABLE, debt.pk)


def _creditor_account(kind: AccountKind, creditor_id: int) -> AccountKey:
    return AccountKey(kind, creditor_id)


def _referral_entry(debt: Debt, business_date: date) -> Entry:
    return referral_entry(debt.pk, debt.creditor_id, str(debt.creditor), debt.creditor_ref, debt.amount_pence,
                          business_date)


def referral_entry(debt_id: int, creditor_id: int, creditor_label: str, creditor_ref: str, amount_pence: int,
                   business_date: date) -> Entry:
    """The REFERRAL entry of a debt taken on (docs/architecture.md): DR RECEIVABLE(debt) amount;
    CR CREDITOR_DEBTS(creditor). Also used by bulk referral (``services/la_processing.py``)."""
    return build_entry(
        EntryKind.REFERRAL,
        business_date,
        [
            Posting(AccountKey(AccountKind.RECEIVABLE, debt_id), amount_pence),
            Posting(_creditor_account(AccountKind.CREDITOR_DEBTS, creditor_id), -amount_pence),
        ],
        description=f"debt {debt_id} referred by {creditor_label} as {creditor_ref}",
    )


# ---------------------------------------------------------------------------------------------- revision


@dataclass(frozen=True)
class CreditApplied:
    debt_id: int
    amount_pence: int


@dataclass
class RevisionResult:
    """What a revision did. ``corrections_by_creditor`` maps creditor id to the pence taken back from it
    (CORRECTION entries, described ``"over-recovery of debt <id> ..."``); ``credit_applied`` lists the
    person's credit placed on their other debts, in recovery order; ``refund_pence`` is what was left and
    is now due to the person (REFUND). ``undone_pence`` is what a revision up undid of an over-recovery still
    standing (:func:`dms.services.over_recovery.revision_up`), ``undone_from``, the debts credit was taken
    back from, and ``undone_text``, what it did in words."""

    debt_id: int
    old_amount_pence: int
    new_amount_pence: int
    difference_pence: int
    recovered_pence: int
    over_recovered_pence: int = 0
    corrections_by_creditor: dict[int, int] = field(default_factory=dict)
    credit_applied: list[CreditApplied] = field(default_factory=list)
    refund_pence: int = 0
    entry_ids: list[int] = field(default_factory=list)
    undone_pence: int = 0
    undone_from: set[int] = field(default_factory=set)
    undone_text: str = ""

    @property
    def balance_pence(self) -> int:
        return self.new_amount_pence - self.recovered_pence - self.undone_pence + self.over_recovered_pence


def _lock(debt: Debt) -> Debt:
    return Debt.objects.select_for_update().select_related("creditor", "person").get(pk=debt.pk)


def _require_held(debt: Debt, action: str) -> None:
    if debt.status in FINAL_STATUSES:
        raise DmsError(
            f"debt {debt.pk} ({debt.creditor} {debt.creditor_ref}) is {debt.status} and no longer held by DMS: "
            f"it cannot be {action}"
        )


def revise_debt_amount(
    debt: Debt, new_total_pence: int, *, business_date: date, actor: str, reason: str
) -> RevisionResult:
    """Change a debt's total to ``new_total_pence`` (hb-debt-interface.md §6.5; events.md ``debt.revised``).

    The difference is posted as a REVISION. If the debt has then been over-recovered (recovered > new total,
    A9/2025 §51; recovery-rules.md §5): the excess e leaves the debt (OVER_RECOVERY: DR RECEIVABLE e,
    CR CREDITOR_DEBTS e) so its balance is 0.00; e is taken back from the creditor (CORRECTION:
    DR CREDITOR_PAYABLE e, CR PERSON_CREDIT e), which the creditor's next payment schedule shows; the
    person's credit then goes to their other outstanding debts in recovery order (OPEN, from the estate, or in
    a recall holding period, which money already taken still reaches, hb-debt-interface.md §6.5), shared
    between owners as a deduction is (CREDIT_APPLIED, :func:`use_person_credit`), and what remains is refunded
    (REFUND). A debt
    whose balance becomes 0 is CLEARED, its status reason saying all this with every figure
    (:func:`_over_recovery_text`); a cleared debt revised up is OPEN again. A revision up of a debt whose
    over-recovery still stands first undoes as much of it as the debt rises by, the refund due first, then the
    credit on other debts, newest first, given back to the creditor (:func:`_undo_over_recovery`;
    hb-debt-interface.md §3.2: the new total is "not reduced by recoveries"); only the rest raises the
    balance. Refuses a total that is not positive and a debt no longer held.
    """
    if not isinstance(new_total_pence, int) or isinstance(new_total_pence, bool) or new_total_pence <= 0:
        raise DmsError(f"a revised total must be a positive whole number of pence, got {new_total_pence!r}")
    with transaction.atomic():
        result = _revise_locked(_lock(debt), new_total_pence, business_date, actor, reason)
    debt.refresh_from_db()
    return result


def _revise_locked(
    debt: Debt, new_total_pence: int, business_date: date, actor: str, reason: str
) -> RevisionResult:
    _require_held(debt, "revised")
    recovered = recovered_by_debt([debt.pk])[debt.pk]
    result = RevisionResult(
        debt.pk, debt.amount_pence, new_total_pence, new_total_pence - debt.amount_pence, recovered
    )
    if result.difference_pence == 0:
        return result
    entries = [_revision_entry(debt, result.difference_pence, business_date, reason)]
    excess = recovered - new_total_pence
    shares = _whose_excess(debt, excess) if excess > 0 else []
    source = (f"over-recovery of debt {debt.pk} ({debt.creditor} {debt.creditor_ref}, revised to "
              f"{format_pounds(new_total_pence)} below the {format_pounds(recovered)} recovered)")
    if excess > 0:
        result.over_recovered_pence = excess
        result.corrections_by_creditor[debt.creditor_id] = excess
        entries += _over_recovery_entries(debt, shares, business_date, source, reason)
    debt.amount_pence = new_total_pence
    debt.save(update_fields=["amount_pence"])
    result.entry_ids += post_entries(entries)
    if result.difference_pence > 0:
        _undo_over_recovery(debt, result, business_date, reason)
    for person_id, share in shares:
        used = use_person_credit(person_id, share, business_date=business_date, actor=actor, source=source,
                                 excluding=debt.pk)
        result.credit_applied += used.applied
        result.refund_pence += used.refund_pence
        result.entry_ids += used.entry_ids
    _status_after_revision(debt, result, business_date, actor, reason)
    return result


def _undo_over_recovery(debt: Debt, result: RevisionResult, business_date: date, reason: str) -> None:
    """A revision up on a debt whose over-recovery still stands first undoes as much of it as it rises by
    (:func:`dms.services.over_recovery.revision_up`; docs/recovery-notes.md "A revision up on an
    over-recovered debt"), recorded on ``result``."""
    undone = over_recovery.revision_up(debt, result.difference_pence, result.new_amount_pence, business_date,
                                       reason)
    if not undone.pence:
        return
    result.undone_pence, result.undone_from = undone.pence, undone.raised
    refunded = undone.pence - sum(undone.by_other.values())
    others = Debt.objects.select_related("creditor").in_bulk(list(undone.by_other))
    credits = ", ".join(f"{others[i].creditor} {others[i].creditor_ref} {format_pounds(p)}"
                        for i, p in undone.by_other.items())
    schedule = " (a CORRECTION on its next payment schedule)" if debt.creditor.kind == CreditorKind.LA else ""
    parts = ([f"{format_pounds(refunded)} taken back from the refund due"] if refunded else []) + (
        [f"credit taken back from {credits}"] if credits else [])  # only the parts that took something
    result.undone_text = (
        f"revised up to {format_pounds(result.new_amount_pence)}: {format_pounds(undone.pence)} of the "
        f"over-recovery undone first ({', '.join(parts)}) and given back to {debt.creditor}{schedule}; "
        f"{format_pounds(result.recovered_pence + undone.pence)} recovered, balance "
        f"{format_pounds(result.balance_pence)}")


def _whose_excess(debt: Debt, excess: int) -> list[tuple[int, int]]:
    """``[(person id, pence)]``: whose money an over-recovery of ``excess`` is (recovery-rules.md §5: it is a
    credit of the person it was recovered from). The last money in is the excess: a joint debt's
    recoveries, newest first (:func:`_money_into`), each to the debtor it came from, after what earlier
    over-recoveries of the debt gave back; what no recovery names is the owner's. A debt of one person's is
    all theirs."""
    if debt.joint_person_id is None:
        return [(debt.person_id, excess)]
    # what earlier over-recoveries of the debt already gave back came off the newest money first (less what a
    # revision up has since undone of them: the REVERSAL of an OVER_RECOVERY entry)
    before = int(PostingRow.objects.filter(
        Q(entry__kind=EntryKind.OVER_RECOVERY) | Q(entry__kind=EntryKind.REVERSAL,
                                                   entry__reverses__kind=EntryKind.OVER_RECOVERY),
        account__debt_id=debt.pk).aggregate(total=Sum("amount_pence"))["total"] or 0)
    owed: dict[int, int] = {}
    left = excess
    for whose, amount in _money_into(debt):
        skip = min(before, amount)
        before, amount = before - skip, amount - skip
        take = min(left, amount)
        if take <= 0:
            continue
        owed[whose] = owed.get(whose, 0) + take
        left -= take
        if left == 0:
            break
    if left:
        owed[debt.person_id] = owed.get(debt.person_id, 0) + left
    return sorted(owed.items())


def _money_into(debt: Debt) -> list[tuple[int, int]]:
    """``[(debtor's person id, pence)]``: the money recovered for a joint debt, newest first (by business
    date, then as posted), each with the debtor it came from: a deduction's, the debtor whose benefit paid
    it (the award's holder, or the debtor who is the partner on it); a direct payment's, the debtor who paid
    it (events.md §3); a credit's, the debtor whose credit it was; a misallocated deduction's share placed on
    it by the correction (REALLOCATION), the debtor whose benefit paid the deduction. Money no debtor is named
    for (a payment recorded by an earlier release, a misallocation's correction) is the owner's."""
    from dms.store.recovery.models import Deduction, DirectPaymentShare

    debtors = (debt.person_id, debt.joint_person_id)
    money: list[tuple[date, int, int, int]] = []  # (date, entry id, pence, whose)
    for day, entry_id, payer, partner, amount in Deduction.objects.filter(debt_id=debt.pk, status="TAKEN").values_list(
            "date", "entry_id", "person_id", "award__partner_id", "amount_pence"):
        whose = payer if payer in debtors else partner if partner in debtors else debt.person_id
        money.append((day, entry_id or 0, amount, whose))
    paid = list(PostingRow.objects.filter(
        account__debt_id=debt.pk, account__kind=AccountKind.RECEIVABLE,
        entry__kind__in=(EntryKind.DIRECT_PAYMENT, EntryKind.CREDIT_APPLIED, EntryKind.REALLOCATION),
    ).values_list("entry_id", "entry__business_date", "amount_pence"))
    if paid:
        ids = [entry_id for entry_id, _, _ in paid]
        payers = dict(DirectPaymentShare.objects.filter(entry_id__in=ids).values_list("entry_id", "person_id"))
        payers.update(PostingRow.objects.filter(entry_id__in=ids, account__kind=AccountKind.PERSON_CREDIT)
                      .values_list("entry_id", "account__person_id"))
        for entry_id, day, amount in paid:
            whose = payers.get(entry_id)
            money.append((day, entry_id, -amount, whose if whose in debtors else debt.person_id))
    money.sort(key=lambda m: (m[0], m[1]), reverse=True)
    return [(whose, amount) for _, _, amount, whose in money]


def _revision_entry(debt: Debt, difference: int, business_date: date, reason: str) -> Entry:
    return build_entry(
        EntryKind.REVISION,
        business_date,
        [
            Posting(_receivable(debt), difference),
            Posting(_creditor_account(AccountKind.CREDITOR_DEBTS, debt.creditor_id), -difference),
        ],
        description=f"debt {debt.pk} revised by {format_pounds(difference)} to {format_pounds(debt.amount_pence + difference)}",
        reason=reason,
    )


def _over_recovery_entries(debt: Debt, shares: list[tuple[int, int]], business_date: date, source: str,
                           reason: str) -> list[Entry]:
    """The excess of a revision below what was recovered taken off the debt (OVER_RECOVERY, described with the
    revision that caused it and carrying its reason, as `dms debtor show` lists it) and back from the creditor
    to the person's credit (CORRECTION): docs/architecture.md "Ledger conventions"."""
    excess = sum(share for _, share in shares)
    over = build_entry(
        EntryKind.OVER_RECOVERY,
        business_date,
        [
            Posting(_receivable(debt), excess),
            Posting(_creditor_account(AccountKind.CREDITOR_DEBTS, debt.creditor_id), -excess),
        ],
        description=f"{source}: {format_pounds(excess)} moved to the person's credit",
        reason=reason,
    )
    correction = build_entry(
        EntryKind.CORRECTION,
        business_date,
        [
            Posting(_creditor_account(AccountKind.CREDITOR_PAYABLE, debt.creditor_id), excess),
            *(Posting(AccountKey(AccountKind.PERSON_CREDIT, person_id), -share) for person_id, share in shares),
        ],
        description=f"over-recovery of debt {debt.pk} ({debt.creditor_ref}) taken back from {debt.creditor}",
        reason="revised below the amount recovered (hb-debt-interface.md §6.5)",
    )
    return [over, correction]


def _status_after_revision(debt: Debt, result: RevisionResult, business_date: date, actor: str,
                           reason: str) -> None:
    """A debt the revision leaves with a balance of 0 is CLEARED, saying why (README ``dms debtor show``
    ``status_reason``): revised to the amount recovered, or below it (:func:`_over_recovery_text`); a cleared
    debt revised above it is OPEN again. A debt already CLEARED and revised to or below what was recovered
    stays CLEARED with the reason it was cleared: the status has not changed, and the revision's over-recovery
    (its entry naming the revision) is listed in ``dms debtor show``'s ``movements``. A revision up that undid
    an over-recovery (``result.undone_text``) says so in the reason, a restatement of it when the status stays
    (``DebtStatusChange.restates``); the debts its credit was taken back from are settled as a reversal's are
    (:func:`_settle_raised`)."""
    balance = result.balance_pence
    undone = f"{result.undone_text}: " if result.undone_text else ""
    if balance == 0 and debt.status in (DebtStatus.OPEN, DebtStatus.SUSPENDED, DebtStatus.RECALL_PENDING,
                                        DebtStatus.ESTATE):
        why = (_over_recovery_text(debt, result) if result.over_recovered_pence
               else result.undone_text or "revised to the amount recovered")
        debt.change_status(DebtStatus.CLEARED, business_date=business_date, actor=actor, reason=f"{why}: {reason}")
    elif balance > 0 and debt.status == DebtStatus.CLEARED:
        debt.change_status(DebtStatus.OPEN, business_date=business_date, actor=actor,
                           reason=f"revised above the amount recovered: {undone}{reason}")
        from dms.services.recovery_events import settle_a_reopened_debt  # it builds on this module

        settle_a_reopened_debt(debt, business_date, actor)
    elif undone:
        DebtStatusChange.objects.create(debt=debt, from_status=debt.status, to_status=debt.status,
                                        business_date=business_date, actor=actor, reason=f"{undone}{reason}",
                                        restates=True)
    _settle_raised(result.undone_from, business_date, actor, reason)


def _settle_raised(debt_ids: set[int], business_date: date, actor: str, reason: str) -> None:
    """The other debts a revision up took credit back from (docs/recovery-notes.md "A revision up on an
    over-recovered debt"), as a reversal's (``recovery_events.reverse_deductions``): one CLEARED by the credit
    and now owing is OPEN again, taking the status a reopened debt takes; one no longer held has the balance
    restored returned at once (:func:`return_restored_balance`)."""
    if not debt_ids:
        return
    from dms.services.recovery_events import settle_a_reopened_debt  # it builds on this module

    for debt in Debt.objects.filter(pk__in=debt_ids).select_related("creditor").order_by("pk"):
        why = f"credit placed on it from an over-recovery taken back by a revision up: {reason}"
        if debt.status == DebtStatus.CLEARED and figures_of(debt).balance_pence > 0:
            debt.change_status(DebtStatus.OPEN, business_date=business_date, actor=actor, reason=why)
            settle_a_reopened_debt(debt, business_date, actor)
        elif debt.status in FINAL_STATUSES:
            return_restored_balance(debt, business_date=business_date, reason=why)


def _over_recovery_text(debt: Debt, result: RevisionResult) -> str:
    """A revision below the amount recovered in words, every figure exact (hb-debt-interface.md §6.5;
    recovery-rules.md §5): the new total and what had been recovered, the excess taken back from the
    creditor (for an LA, a CORRECTION on its next payment schedule, §4.2), the credit placed on each of the
    debtor's other debts in recovery order (creditor and reference) and what was refunded. For example
    "revised to 10.00, below the 30.01 recovered: 20.01 taken back from LA 000001 (a CORRECTION on its next
    payment schedule), credited to the person's other debts in recovery order (DWP DW1 10.01, LA 000002 B1
    10.00) and 0.00 refunded"."""
    credited: dict[int, int] = {}
    for applied in result.credit_applied:
        credited[applied.debt_id] = credited.get(applied.debt_id, 0) + applied.amount_pence
    others = Debt.objects.select_related("creditor").in_bulk(list(credited))
    where = ", ".join(f"{others[i].creditor} {others[i].creditor_ref} {format_pounds(p)}" for i, p in credited.items())
    schedule = " (a CORRECTION on its next payment schedule)" if debt.creditor.kind == CreditorKind.LA else ""
    whose = "the person's" if debt.joint_person_id is None else "the debtors'"
    return (f"revised to {format_pounds(result.new_amount_pence)}, below the {format_pounds(result.recovered_pence)} "
            f"recovered: {format_pounds(result.over_recovered_pence)} taken back from {debt.creditor}{schedule}, "
            f"credited to {whose} other debts in recovery order ({where or 'none outstanding'}) and "
            f"{format_pounds(result.refund_pence)} refunded")


@dataclass
class CreditUse:
    """What a person's credit did: the amounts applied to their other debts, the refund due, the entries."""

    applied: list[CreditApplied] = field(default_factory=list)
    refund_pence: int = 0
    entry_ids: list[int] = field(default_factory=list)


# Outstanding debts a person's credit goes to (recovery-rules.md §5 "their other outstanding debts"): in
# recovery, a dead person's in recovery from their estate (§6), and an LA's HB debt in its recall holding
# period (hb-debt-interface.md §6.5: "Money already taken still reaches the debt during the holding period"; an
# over-recovery is money already taken from the person, :func:`in_holding_period`). A direct payment's excess
# also goes to debts suspended by an insolvency or moratorium, as an untargeted payment is spread over them,
# and not to one in its holding period (services.recovery_payments.PAYABLE_STATUSES: the person's own payment,
# spread like a deduction, which the recall stops).
CREDIT_STATUSES = (DebtStatus.OPEN, DebtStatus.ESTATE, DebtStatus.RECALL_PENDING)


def in_holding_period(day: date) -> Q:
    """Debts (``Debt`` rows) not RECALL_PENDING, or RECALL_PENDING with their recall's holding period still
    running on ``day``: a recall not yet ceased whose ``ceases_on`` is after ``day`` (hb-debt-interface.md
    §6.5: "Money already taken still reaches the debt during the holding period; the debt ceases ... 5 days
    later for a UC claimant and 14 days later for others"). On ``ceases_on`` the debt has ceased with the
    balance then held, even before the daily run's ``holding_periods`` step has returned it: nothing more
    reaches it."""
    running = Recall.objects.filter(debt_id=OuterRef("pk"), ceased=False, ceases_on__gt=day)
    return ~Q(status=DebtStatus.RECALL_PENDING) | Q(Exists(running))


def use_person_credit(person_id: int, credit: int, *, business_date: date, actor: str, source: str,
                      excluding: int | None = None,
                      statuses: tuple[str, ...] = CREDIT_STATUSES) -> CreditUse:
    """Place ``credit`` (held on the person's PERSON_CREDIT account) on their other outstanding debts
    (other than ``excluding``) in recovery order (CREDIT_APPLIED); what remains is refunded (REFUND, a refund
    due to the person) (A9/2025 §51; recovery-rules.md §5). Their debts are those outstanding (``statuses``:
    in recovery, or from the estate after a death, recovery-rules.md §6, or an LA's HB debt in its recall
    holding period, which money already taken still reaches, hb-debt-interface.md §6.5, never one whose
    holding period has ended, :func:`in_holding_period`; a direct payment's excess also those suspended, and
    not those in a holding period) that they owe, their own and those they owe jointly with another person who owns them
    (as a direct payment of theirs is spread), each in effect by ``business_date`` (received on or before
    it: a debt is not recovered before the date it took effect, events.md §1). ``source`` says where the
    credit came from (an over-recovery, a direct payment), in the entries' descriptions. A debt cleared by
    it is CLEARED.

    Recovery order is the recovery engine's own allocation, as an untargeted direct payment is spread
    (:func:`dms.recovery.allocation.spread_like_deduction`, events.md §3): item by item in Annex B order, an
    item's part split equally between the owners Annex B rules a and b name that have debts in it (leftover
    pence in the order DWP, HMRC, LA, recovery-rules.md §1, §3), DWP joint debts first on the person's
    joint award (rule c, :func:`on_joint_award`), within an owner in HB §6.4 / oldest-first order, each debt
    up to its balance (no item maximum or cap: the credit is the person's money, not a deduction).

    **Decision** (docs/architecture.md, "Credit"): the credit is used when it arises, in the same
    transaction; what remains becomes a refund due at once, and a debt referred later is not paid from it."""
    others = (Debt.objects.filter(Q(person_id=person_id) | Q(joint_person_id=person_id), received_by(business_date),
                                  in_holding_period(business_date), status__in=statuses)
              .select_related("creditor").order_by("pk"))
    if excluding is not None:
        others = others.exclude(pk=excluding)
    debts = {d.pk: d for d in others}
    balances = {k: v[2] for k, v in debt_figures(debts.values()).items()}
    records = [engine_record(d, balances[d.pk]) for d in debts.values() if balances[d.pk] > 0]
    shares = spread_like_deduction(credit, records, on_joint_award(person_id, business_date)) if records else []
    entries: list[Entry] = []
    cleared: list[Debt] = []
    used = CreditUse()
    for record, take, _rule in shares:
        other = debts[record.debt_id]
        entries.append(_credit_applied_entry(person_id, other, take, business_date, source))
        used.applied.append(CreditApplied(other.pk, take))
        credit -= take
        if take == record.balance_pence:
            cleared.append(other)
    if credit > 0:
        entries.append(_refund_entry(person_id, credit, business_date, source))
        used.refund_pence = credit
    used.entry_ids = post_entries(entries)
    for other in cleared:
        other.change_status(DebtStatus.CLEARED, business_date=business_date, actor=actor,
                            reason=f"cleared by the person's credit from {source}")
    return used


def on_joint_award(person_id: int, on: date) -> bool:
    """Whether the person's UC award in payment on ``on`` is a couple's (Annex B rule c orders a joint
    award's DWP debts joint first), as the deduction step decides it: a partner, or a joint claimant type;
    the award the person holds or the one that names them as its partner (both are its claimants).
    Used where money is spread over the person's debts like a deduction (an untargeted direct payment,
    ``services.recovery_payments``; the person's credit, :func:`use_person_credit`)."""
    awards = Award.objects.filter(Q(person_id=person_id) | Q(partner_id=person_id), benefit="UC",
                                  start_date__lte=on).filter(Q(end_date=None) | Q(end_date__gte=on))
    return awards.filter(Q(partner__isnull=False) | Q(claimant_type__startswith="JOINT")).exists()


def engine_record(debt: Debt, balance_pence: int) -> DebtRecord:
    """A debt as the recovery engines see it (:class:`dms.recovery.types.DebtRecord`), with ``balance_pence``
    as its balance (its creditor must be loaded)."""
    return DebtRecord(
        debt_id=debt.pk, owner_kind=debt.creditor.kind, debt_type=debt.debt_type,
        classification=debt.classification, balance_pence=balance_pence, received_on=debt.received_on,
        receipt_seq=debt.receipt_seq, created_on=debt.created_on, la_id=debt.creditor.la_id,
        joint=debt.joint_person_id is not None, owner_person=debt.person_id,
        agreed_amount_pence=debt.agreed_amount_pence,
    )


def _credit_applied_entry(person_id: int, debt: Debt, amount: int, business_date: date, source: str) -> Entry:
    """The credit of ``person_id`` (the owner of the debt, or its joint debtor) applied to ``debt``."""
    return build_entry(
        EntryKind.CREDIT_APPLIED,
        business_date,
        [
            Posting(AccountKey(AccountKind.PERSON_CREDIT, person_id), amount),
            Posting(_receivable(debt), -amount),
            Posting(_creditor_account(AccountKind.CREDITOR_DEBTS, debt.creditor_id), amount),
            Posting(_creditor_account(AccountKind.CREDITOR_PAYABLE, debt.creditor_id), -amount),
        ],
        description=f"credit from {source} applied to debt {debt.pk}",
    )


def _refund_entry(person_id: int, amount: int, business_date: date, source: str) -> Entry:
    return build_entry(
        EntryKind.REFUND,
        business_date,
        [
            Posting(AccountKey(AccountKind.PERSON_CREDIT, person_id), amount),
            Posting(AccountKey(AccountKind.PERSON_REFUND_DUE, person_id), -amount),
        ],
        description=f"credit from {source} refunded to the person",
    )


# ---------------------------------------------------------------------------------------------- other changes


def change_classification(
    debt: Debt, new: str, *, business_date: date, actor: str, reason: str
) -> Debt:
    """Change a held debt's classification (FRAUD / NON_FRAUD), audited with who, when, from, to and why.
    Its place in recovery order follows (dms.debts.order). No ledger entry: the amounts do not change."""
    if new not in Classification.__members__:
        raise DmsError(f"classification {new!r} is not FRAUD or NON_FRAUD")
    with transaction.atomic():
        locked = _lock(debt)
        _require_held(locked, "reclassified")
        if locked.classification != new:
            old = locked.classification
            locked.classification = new
            received = _received_for_order(locked)
            moved = ""
            if received != locked.received_on:
                moved = f"; its received date for recovery order moved from {locked.received_on} to {received}"
                locked.received_on = received
            locked.save(update_fields=["classification", "received_on"])
            DebtStatusChange.objects.create(
                debt=locked, from_status=locked.status, to_status=locked.status, business_date=business_date,
                actor=actor, reason=f"classification changed from {old} to {new}: {reason}{moved}",
            )
    debt.refresh_from_db()
    return debt


def received_for_order(classification: str, received: date, first_received: date | None) -> date:
    """The received date that orders an HB debt's recovery (hb-debt-interface.md §6.4, circular §13): the date
    DMS received its referral; a re-referred fraud debt keeps the received date of its first referral
    (``first_received``), a re-referred non-fraud debt takes the new one (the back of the queue)."""
    if first_received is not None and classification == Classification.FRAUD:
        return min(first_received, received)
    return received


def _received_for_order(debt: Debt) -> date:
    """:func:`received_for_order` for a held debt by its classification now, so that a classification
    changed by a revision (§3.2 ``RevisedClassification``) places a re-referred debt as a referral with that
    classification would have. A debt that was not re-referred keeps its date."""
    if debt.referral_received_on is None:
        return debt.received_on
    first = (Debt.objects.filter(creditor_id=debt.creditor_id, creditor_ref=debt.creditor_ref,
                                 person_id=debt.person_id, status__in=(DebtStatus.RETURNED, DebtStatus.WITHDRAWN))
             .exclude(pk=debt.pk).order_by("received_on").values_list("received_on", flat=True).first())
    if first is None:
        return debt.received_on
    return received_for_order(debt.classification, debt.referral_received_on, first)


@dataclass(frozen=True)
class ReturnResult:
    """What left DMS with a returned or withdrawn debt: its balance then, and what had been recovered."""

    debt_id: int
    balance_returned_pence: int
    recovered_pence: int
    entry_ids: tuple[int, ...] = ()


def return_debt(debt: Debt, reason_code: str, *, business_date: date, actor: str, why: str = "") -> ReturnResult:
    """Return (cease) a debt: a RETURN entry of the balance held (DR CREDITOR_DEBTS, CR RECEIVABLE), status
    RETURNED and ``cessation_reason`` set (hb-debt-interface.md §6.5 lists the reasons). An LA's debt also
    gets its :class:`dms.store.la.models.Cessation` row (§4.1), in the same transaction, whatever returned it.
    The status change's audit reason is the code, and ``why`` after it when given."""
    if reason_code not in CESSATION_REASONS:
        raise DmsError(f"cessation reason {reason_code!r} is not one of {', '.join(sorted(CESSATION_REASONS))}")
    return _end_debt(debt, DebtStatus.RETURNED, reason_code, f"{reason_code}: {why}" if why else reason_code,
                     business_date, actor)


def withdraw_debt(debt: Debt, reason: str, *, business_date: date, actor: str) -> ReturnResult:
    """The creditor takes the debt back (events.md ``debt.withdrawn``): a RETURN entry of the balance held,
    status WITHDRAWN, the reason in the audit row. Recovery stops."""
    if not reason:
        raise DmsError("a withdrawal needs a reason")
    return _end_debt(debt, DebtStatus.WITHDRAWN, "", reason, business_date, actor)


def _end_debt(
    debt: Debt, status: DebtStatus, cessation_reason: str, reason: str, business_date: date, actor: str
) -> ReturnResult:
    caller = debt
    with transaction.atomic():
        debt = _lock(debt)
        _require_held(debt, "returned or withdrawn")
        figures = figures_of(debt)
        if figures.balance_pence < 0:
            raise InvariantBroken(
                f"debt {debt.pk} has a negative balance of {figures.balance_pence} pence; an over-recovery "
                "must be corrected before it is returned"
            )
        entry_ids: list[int] = []
        if figures.balance_pence > 0:
            entry_ids = post_entries([_return_entry(debt, figures.balance_pence, business_date, status, reason)])
        debt.cessation_reason = cessation_reason
        debt.change_status(status, business_date=business_date, actor=actor, reason=reason)
        if status == DebtStatus.RETURNED and debt.creditor.kind == CreditorKind.LA:
            record_cessations([CessationFacts(
                debt.pk, str(debt.creditor.la_id), debt.creditor_ref, debt.person.nino,
                referral_received_date(debt), business_date, cessation_reason, figures.balance_pence,
                figures.recovered_pence,
            )])
    caller.refresh_from_db()
    return ReturnResult(debt.pk, figures.balance_pence, figures.recovered_pence, tuple(entry_ids))


def return_restored_balance(debt: Debt, *, business_date: date, reason: str) -> int:
    """Return to its creditor the balance restored on a debt that has already left DMS (RETURNED or
    WITHDRAWN) by the reversal of a deduction credited to it before it left; the pence returned (0 if none).

    **Decision** (docs/la-interface-notes.md "A deduction reversed after its debt was returned"): a debt DMS
    no longer holds keeps no balance with DMS. The reversal takes the money back from the creditor (for an
    LA, a ``CORRECTION`` line on its next payment schedule, hb-debt-interface.md §4.2, §53); the balance it
    restores is returned at once by a RETURN entry, and an LA is told of it as it is of any return (§4.1
    ``BalanceReturned``: "the balance DMS held at cessation"): the debt's cessation not yet reported is
    amended, else a further ``Cessation`` with the first one's reason, dated ``business_date``, returns the
    restored balance (``AmountRecovered``: what DMS has then recovered on the debt). Not when the LA has
    since referred a new debt under the same DebtRef (held, or returned at once): a cessation of that DebtRef
    would read as the new debt's; the schedule's CORRECTION line tells the LA of the old debt's balance."""
    with transaction.atomic():
        debt = _lock(debt)
        if debt.status not in FINAL_STATUSES:
            raise InvariantBroken(f"debt {debt.pk} is {debt.status}, still held: its balance is not returned again")
        held = account_balance(AccountKey(AccountKind.RECEIVABLE, debt.pk))
        if held <= 0:
            return 0
        figures = figures_of(debt)
        post_entries([return_entry(debt.pk, debt.creditor_id, debt.creditor_ref, held, business_date,
                                   debt.status, reason)])
        if debt.status == DebtStatus.RETURNED and debt.creditor.kind == CreditorKind.LA:
            pending = Cessation.objects.filter(debt=debt, reported_on__isnull=True).order_by("-pk").first()
            if pending is not None:
                pending.balance_returned_pence += held
                pending.amount_recovered_pence = figures.recovered_pence
                pending.save(update_fields=["balance_returned_pence", "amount_recovered_pence"])
            elif not Debt.objects.filter(creditor_id=debt.creditor_id, creditor_ref=debt.creditor_ref,
                                         receipt_seq__gt=debt.receipt_seq).exists():  # not referred again since
                record_cessations([CessationFacts(
                    debt.pk, str(debt.creditor.la_id), debt.creditor_ref, debt.person.nino,
                    referral_received_date(debt), business_date, debt.cessation_reason, held,
                    figures.recovered_pence,
                )])
    return held


def lower_returned_balance(debt: Debt, *, business_date: date, reason: str) -> int:
    """The other way round from :func:`return_restored_balance`: a deduction reversed before the debt left DMS
    (RETURNED or WITHDRAWN) taken again since (its reversal found wrong: a date of death corrected to a later
    day) recovers that much more of it, so it left with that much less than it was returned with. Returns the
    pence (0 if none).

    **Decision** (docs/events-notes.md "A death's date corrected to a later day"): DMS keeps no balance, not
    even a negative one, on a debt it no longer holds. The deduction taken again pays the creditor (for an LA,
    a ``DEDUCTION`` line on its next payment schedule, whose ``BalanceAfter`` is the debt's balance as the LA
    reckons it, hb-debt-interface.md §4.2); a RETURN entry of the opposite sign takes back what was returned
    beyond the balance (DR RECEIVABLE, CR CREDITOR_DEBTS), so the debt's RECEIVABLE is 0 again. An LA's
    cessation not yet reported is amended (§4.1: ``BalanceReturned`` down, ``AmountRecovered`` up), so the LA
    hears of one return with the right balance; one already reported stands, as no cessation returns less
    than nothing (``BalanceReturned`` ≥ 0.00): the schedule line tells the LA."""
    with transaction.atomic():
        debt = _lock(debt)
        if debt.status not in FINAL_STATUSES:
            raise InvariantBroken(f"debt {debt.pk} is {debt.status}, still held: nothing was returned to lower")
        over = -account_balance(AccountKey(AccountKind.RECEIVABLE, debt.pk))
        if over <= 0:
            return 0
        post_entries([build_entry(EntryKind.RETURN, business_date, [
            Posting(_receivable(debt), over),
            Posting(_creditor_account(AccountKind.CREDITOR_DEBTS, debt.creditor_id), -over),
        ], description=f"debt {debt.pk} ({debt.creditor_ref}) {debt.status.lower()} with {format_pounds(over)} "
                       "less than it was returned with, recovered since", reason=reason)])
        if debt.status == DebtStatus.RETURNED and debt.creditor.kind == CreditorKind.LA:
            pending = Cessation.objects.filter(debt=debt, reported_on__isnull=True).order_by("-pk").first()
            if pending is not None:
                pending.balance_returned_pence -= min(over, pending.balance_returned_pence)
                pending.amount_recovered_pence = figures_of(debt).recovered_pence
                pending.save(update_fields=["balance_returned_pence", "amount_recovered_pence"])
    return over


def _return_entry(debt: Debt, balance: int, business_date: date, status: str, reason: str) -> Entry:
    return return_entry(debt.pk, debt.creditor_id, debt.creditor_ref, balance, business_date, status, reason)


def return_entry(debt_id: int, creditor_id: int, creditor_ref: str, balance: int, business_date: date, status: str,
                 reason: str) -> Entry:
    """The RETURN entry of a debt leaving DMS with ``balance`` held (docs/architecture.md): DR
    CREDITOR_DEBTS(creditor); CR RECEIVABLE(debt). Also used by bulk referral (``services/la_processing.py``)."""
    return build_entry(
        EntryKind.RETURN,
        business_date,
        [
            Posting(_creditor_account(AccountKind.CREDITOR_DEBTS, creditor_id), balance),
            Posting(AccountKey(AccountKind.RECEIVABLE, debt_id), -balance),
        ],
        description=f"debt {debt_id} ({creditor_ref}) {status.lower()} with {format_pounds(balance)} held",
        reason=reason,
    )


def referral_received_date(debt: Debt) -> date:
    """When DMS received the referral of ``debt`` (hb-debt-interface.md §4.1 ReferralReceivedDate): its
    ``referral_received_on``, not its ``received_on``, which for a re-referred fraud debt is the first
    referral's date and orders recovery only (§6.4); ``received_on`` for a debt recorded without it."""
    return debt.referral_received_on or debt.received_on


def received_by(day: date) -> Q:
    """The debts DMS had received by ``day`` (on or before it), by :func:`referral_received_date`: a re-referred
    fraud debt is held from its own referral's receipt (hb-debt-interface.md §4.1), not from its first
    referral's date, which its ``received_on`` keeps for the order of recovery only (§6.4)."""
    return Q(referral_received_on__lte=day) | Q(referral_received_on__isnull=True, received_on__lte=day)


@dataclass(frozen=True, slots=True)
class CessationFacts:
    """What an LA is told of a debt returned to it (hb-debt-interface.md §4.1)."""

    debt_id: int
    la_id: str
    debt_ref: str
    nino: str
    referral_received_date: date
    cessation_date: date
    reason: str
    balance_returned_pence: int
    amount_recovered_pence: int


def record_cessations(facts: Sequence[CessationFacts]) -> None:
    """Write one :class:`dms.store.la.models.Cessation` row per LA debt returned (hb-debt-interface.md §4.1,
    §6.5), in the caller's transaction, so the LA's next cessation file reports it. The one writer of these
    rows: :func:`_end_debt` (every return of an LA debt, whatever returned it) and bulk referral (debts
    returned as they are taken on, ``services/la_processing.py``)."""
    if not facts:
        return
    for fact in facts:
        if fact.balance_returned_pence < 0 or fact.amount_recovered_pence < 0:
            raise InvariantBroken(f"debt {fact.debt_id}: a cessation reports amounts of at least 0.00, not "
                                  f"{fact.balance_returned_pence} and {fact.amount_recovered_pence} pence")
    Cessation.objects.bulk_create([
        Cessation(debt_id=f.debt_id, la_id=f.la_id, debt_ref=f.debt_ref, nino=f.nino,
                  referral_received_date=f.referral_received_date, cessation_date=f.cessation_date, reason=f.reason,
                  balance_returned_pence=f.balance_returned_pence, amount_recovered_pence=f.amount_recovered_pence)
        for f in facts
    ], batch_size=2000)


def find_held_debt(creditor: Creditor, creditor_ref: str) -> Debt | None:
    """The debt a creditor holds with DMS under ``creditor_ref`` (the active one if any, else the newest one
    that has not been returned or withdrawn), or None."""
    candidates = Debt.objects.filter(creditor=creditor, creditor_ref=creditor_ref).exclude(
        status__in=FINAL_STATUSES
    )
    active = candidates.filter(status__in=ACTIVE_STATUSES).first()
    return active or candidates.order_by("-receipt_seq").first()


def credit_totals_by_creditor(entry_ids: Sequence[int]) -> dict[int, int]:
    """Pence taken back per creditor by the CORRECTION entries among ``entry_ids`` (their DR
    CREDITOR_PAYABLE postings)."""
    totals: dict[int, int] = defaultdict(int)
    rows: Any = PostingRow.objects.filter(
        entry_id__in=list(entry_ids), entry__kind=EntryKind.CORRECTION, account__kind=AccountKind.CREDITOR_PAYABLE
    ).values_list("account__creditor_id", "amount_pence")
    for creditor_id, amount in rows:
        totals[creditor_id] += amount
    return dict(totals)
