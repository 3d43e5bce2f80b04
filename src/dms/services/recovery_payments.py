"""Direct payments from a person (spec/events.md §3 ``payment.received``; recovery-rules.md §5).

A payment names one debt (``creditor`` + ``creditor_ref`` or ``la_id`` + ``debt_ref``) or none. Targeted: it
goes to that debt up to its balance. Untargeted: it is spread over the debts the person owes (owned or held
jointly) like a deduction of that amount (``dms.recovery.allocation.spread_like_deduction``, the UC engine's
own allocation: item by item in Annex B order, split between owners by rules a, b and c, within an owner in
recovery order, each debt up to its balance; no item maximum or cap). Each share is a DIRECT_PAYMENT entry
(as DEDUCTION with DIRECT_PAYMENTS in place of BENEFIT_RECOVERIES, docs/architecture.md). A debt whose
balance reaches 0 is CLEARED.

What is paid beyond the balances becomes the person's credit (DR DIRECT_PAYMENTS, CR PERSON_CREDIT), which
at once goes to their other debts it may be spread over (``PAYABLE_STATUSES``: in recovery, suspended, from
the estate) in recovery order, spread as an untargeted payment is, and what remains is a refund due to them
(``dms.services.debts.use_person_credit``, the same as for an over-recovery; **Decision**: a debt referred
later is not paid from a refund already due, docs/architecture.md "Credit").
"""

from __future__ import annotations

from datetime import date

from django.db.models import Q

from dms import events as ev
from dms.debts import DebtStatus
from dms.ledger import AccountKey, AccountKind, Entry, EntryKind, Posting, build_entry
from dms.money import format_pounds
from dms.recovery.allocation import Share, spread_like_deduction
from dms.services import debts as debt_service
from dms.store.ledger import post_entries
from dms.store.models import Creditor, Debt, Person
from dms.store.recovery.models import DirectPaymentShare

# Held debts a payment may reduce: an untargeted payment is spread over these. Not an HB debt in its recall
# holding period (RECALL_PENDING): a payment is spread like a deduction (events.md §3), which a recall stops from
# its processing date (hb-debt-interface.md §6.5); it is not money already taken, as an over-recovery's credit
# is (**Decision**, docs/la-interface-notes.md "A credit reaches a debt in its recall holding period").
PAYABLE_STATUSES = (DebtStatus.OPEN, DebtStatus.SUSPENDED, DebtStatus.ESTATE)


class TargetGone(Exception):
    """The debt a payment names was held when the payment was received (checked at import) and is no
    longer held for the person when the run applies it (withdrawn, returned or ended since)."""

    def __init__(self, what: str, why: str = "") -> None:
        super().__init__(what)
        self.what = what  # the debt named: "LA 005920 debt HB1"
        self.why = why  # since when and why it is no longer held, when DMS held it (:func:`_why_gone`)


def _target_debt(event: ev.PaymentReceived, person: Person) -> Debt | None:
    """The debt the payment names (None when it names none); :class:`TargetGone` when it is no longer held
    for the person."""
    target = event.target
    if target is None:
        return None
    if isinstance(target, ev.CreditorDebtTarget):
        creditor = Creditor.objects.get(kind=target.creditor, la_id=None)
        ref = target.creditor_ref
    else:
        found = Creditor.objects.filter(kind="LA", la_id=target.la_id).first()
        if found is None:
            raise TargetGone(f"LA {target.la_id} debt {target.debt_ref}")
        creditor, ref = found, target.debt_ref
    debt = debt_service.find_held_debt(creditor, ref)
    if debt is None or person.pk not in (debt.person_id, debt.joint_person_id):
        raise TargetGone(f"{_creditor_name(creditor)} debt {ref}", _why_gone(creditor, ref, person))
    return debt


def _creditor_name(creditor: Creditor) -> str:
    return f"LA {creditor.la_id}" if creditor.la_id else str(creditor.kind)


def _why_gone(creditor: Creditor, ref: str, person: Person) -> str:
    """Why the person's debt ``ref`` of ``creditor`` is no longer held, for the payment's credit and refund to
    say (so staff can send the money on to the creditor that now pursues it: README, every penny explained):
    "returned to LA 000001 on 2026-03-10 (DEATH)", "withdrawn on 2025-11-12 (DEBT_WAIVED_BY_DECISION_MAKER)"
    (the withdrawal's reason), or "" when DMS never held it for the person."""
    gone = (Debt.objects.filter(Q(person=person) | Q(joint_person=person), creditor=creditor, creditor_ref=ref,
                                status__in=debt_service.FINAL_STATUSES).order_by("-receipt_seq", "-pk").first())
    if gone is None:
        return ""
    if gone.status == DebtStatus.RETURNED:
        how, why = f"returned to {_creditor_name(creditor)}", gone.cessation_reason
    else:
        how = "withdrawn"
        why = gone.status_changes.filter(to_status=gone.status).order_by("-id").values_list(
            "reason", flat=True).first() or ""
    return f"{how} on {gone.status_date.isoformat()}" + (f" ({why})" if why else "")


def _shares(event: ev.PaymentReceived, person: Person, target: Debt | None) -> tuple[list[Share], dict[int, Debt]]:
    """Where the payment goes: the target up to its balance, or every payable debt like a deduction."""
    if target is not None:
        debts = [Debt.objects.select_related("creditor").get(pk=target.pk)]
    else:
        debts = list(Debt.objects.filter(Q(person=person) | Q(joint_person=person),  # in effect (events.md §1)
                                         debt_service.received_by(event.received_on), status__in=PAYABLE_STATUSES)
                     .select_related("creditor").order_by("pk"))
    balances = {k: v[2] for k, v in debt_service.debt_figures(debts).items()}
    records = [debt_service.engine_record(d, balances[d.pk]) for d in debts if balances[d.pk] > 0]
    joint = target is None and debt_service.on_joint_award(person.pk, event.received_on)
    return spread_like_deduction(event.amount_pence, records, joint), {d.pk: d for d in debts}


def apply_direct_payment(event: ev.PaymentReceived, person: Person, run_date: date) -> list[int]:
    """Post a direct payment (see the module docstring). Returns the entry ids."""
    from dms.services.recovery import _Keys, recovery_entry

    how = f"direct payment by {event.channel.lower().replace('_', ' ')} (event {event.event_id})"
    try:
        target = _target_debt(event, person)
        shares, by_id = _shares(event, person, target)
        beyond, target_gone = "beyond the debts' balances", ""
    except TargetGone as gone:
        # **Decision** (recovery-rules.md §5): the payment names a debt that was held when it was received and
        # is not any more (withdrawn or returned before the run applied it): all of it is the person's credit,
        # which goes to their other debts in recovery order, the rest a refund due. Never lost, never refused.
        target, shares, by_id = None, [], {}
        no_longer = f"no longer held: {gone.why}" if gone.why else "no longer held"
        beyond = f"for {gone.what}, {no_longer},"
        target_gone = f", naming {gone.what}, {no_longer}"
    keys = _Keys(AccountKind.DIRECT_PAYMENTS)
    entries: list[Entry] = []
    cleared = []
    for record, amount, _rule in shares:
        debt = by_id[record.debt_id]
        entries.append(recovery_entry(keys, EntryKind.DIRECT_PAYMENT, run_date, debt.pk, debt.creditor_id, amount,
                                      f"{how} to debt {debt.pk}"))
        if amount == record.balance_pence:
            cleared.append(debt)
    rest = event.amount_pence - sum(amount for _, amount, _ in shares)
    if rest > 0:
        entries.append(build_entry(EntryKind.DIRECT_PAYMENT, run_date, (
            Posting(keys.source, rest), Posting(AccountKey(AccountKind.PERSON_CREDIT, person.pk), -rest),
        ), description=f"{how}: {format_pounds(rest)} {beyond} held as the person's credit"))
    ids = post_entries(entries)
    # who paid each share: an over-recovery of a joint debt goes back to the debtor whose money it was
    DirectPaymentShare.objects.bulk_create(
        DirectPaymentShare(entry_id=entry_id, debt_id=record.debt_id, person_id=person.pk, event_id=event.event_id)
        for entry_id, (record, _amount, _rule) in zip(ids, shares, strict=False))
    actor = f"event {event.event_id}"
    for debt in cleared:
        if debt.status != DebtStatus.CLEARED:
            debt.change_status(DebtStatus.CLEARED, business_date=run_date, actor=actor,
                               reason="balance paid in full by direct payment")
    if rest > 0:
        used = debt_service.use_person_credit(person.pk, rest, business_date=run_date, actor=actor,
                                              source=f"direct payment (event {event.event_id}{target_gone})",
                                              excluding=target.pk if target is not None else None,
                                              statuses=PAYABLE_STATUSES)
        ids += used.entry_ids
    return ids
