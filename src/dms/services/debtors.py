"""A debtor's position: their debts with amounts recovered and balances, their credit and refunds due
(``dms debtor show``).

Definitions (docs/architecture.md, "Ledger conventions"): a debt's ``recovered`` is minus the sum of its
``RECEIVABLE`` postings in entries other than ``REFERRAL``, ``REVISION`` and ``RETURN``; its ``balance`` is
``amount - recovered``. A person's credit and refunds due are the balances of their ``PERSON_CREDIT`` and
``PERSON_REFUND_DUE`` accounts, shown as positive amounts (credit accounts have negative stored balances under
the debit-positive convention). Each refund due is listed with why it arose (its REFUND entry's description),
and the money moved on their debts other than deductions with why (its entry's description and reason), so
that each debt's ``recovered`` is what ``dms deductions list`` gives for it plus these.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from dms.errors import DmsError, NotFound
from dms.ledger import AccountKind, EntryKind
from dms.money import format_pounds
from dms.nino import nino_problem
from dms.services.debts import NOT_RECOVERED_KINDS, recovered_by_debt
from dms.services.recovery_events import status_reasons_as_restrictions_stand
from dms.store.models import Account, Debt, Person, Posting


def find_person(nino: str) -> Person:
    """The person with ``nino``; refuses a malformed NINO (saying why) or one DMS does not know."""
    problem = nino_problem(nino)
    if problem:
        raise DmsError(problem)
    person = Person.objects.filter(nino=nino).first()
    if person is None:
        raise NotFound(f"no person with NINO {nino} is known to DMS; check the NINO")
    return person


def person_balances(person: Person) -> dict[str, int]:
    """The person's credit and refunds due in pence (positive: what DMS holds for or owes them)."""
    stored = dict(
        Account.objects.filter(
            person=person, kind__in=(AccountKind.PERSON_CREDIT, AccountKind.PERSON_REFUND_DUE)
        ).values_list("kind", "balance_pence")
    )
    return {
        "credit": -int(stored.get(AccountKind.PERSON_CREDIT, 0)),
        "refunds_due": -int(stored.get(AccountKind.PERSON_REFUND_DUE, 0)),
    }


def debtor_summary(nino: str) -> dict[str, Any]:
    """The ``dms debtor show --json`` document for ``nino`` (money as pounds strings, debts in recovery
    order of receipt: received_on, receipt_seq, id): ``debts``, the debts the person owes in their own name;
    ``joint_debts`` (only when there are any), those another person owes jointly with them (events.md
    ``debt.referred`` ``joint_nino``), each row with ``owner_nino``: they are liable for these too (recovered
    from the couple's joint award, A9/2025 Annex B rule c, or otherwise from the owner's benefit while the
    owner has one, else from theirs: docs/recovery-notes.md). A debt of their own owed jointly with another
    carries that person's ``joint_nino``. ``refunds`` (only when a refund was ever made due): each refund made
    due to them, with why, and each taken back since, also when none is due now (:func:`refunds_of`). ``movements`` (only when there are any): the money moved on these
    debts other than deductions, with why (:func:`movements_on`). ``reduced_rates`` (only when a rate was ever
    set on their debts, owned or joint): each with its debt, amount, unit, dates, who set it and why
    (:func:`reduced_rates_on`). Each debt's ``status_since`` and
    ``status_reason`` are its latest status change; the reason of one a restriction holds (SUSPENDED by an
    insolvency or moratorium, returned for a sanction reported again since) names the restriction as it now
    stands, with the end in force (recovery-rules.md §6; docs/events-notes.md "A moratorium's end is set by
    its latest event")."""
    person = find_person(nino)
    found = list(Debt.objects.filter(Q(person=person) | Q(joint_person=person))
                 .select_related("creditor", "person", "joint_person").order_by("received_on", "receipt_seq", "id"))
    debts = [d for d in found if d.person_id == person.pk]
    joint = [d for d in found if d.person_id != person.pk]
    recovered = recovered_by_debt([d.id for d in debts + joint])
    last_change = _last_status_changes([d.id for d in debts + joint])
    # a debt a restriction holds: the restriction as it now stands (a later event may have moved its end)
    held = status_reasons_as_restrictions_stand(debts + joint, {k: why for k, (_, why) in last_change.items()})
    balances = person_balances(person)
    summary: dict[str, Any] = {
        "nino": person.nino,
        "credit": format_pounds(balances["credit"]),
        "refunds_due": format_pounds(balances["refunds_due"]),
        "debts": [_debt_row(debt, recovered[debt.id], last_change.get(debt.id), held.get(debt.id))
                  | ({"joint_nino": debt.joint_person.nino} if debt.joint_person is not None else {})
                  for debt in debts],
    }
    if joint:
        summary["joint_debts"] = [_debt_row(debt, recovered[debt.id], last_change.get(debt.id), held.get(debt.id))
                                  | {"owner_nino": debt.person.nino} for debt in joint]
    refunds = refunds_of(person)  # also once every refund due has been taken back: it stays on the record
    if refunds:
        summary["refunds"] = refunds
    movements = movements_on(debts + joint)
    if movements:
        summary["movements"] = movements
    rates = reduced_rates_on(person)  # also once a rate's review date has passed: it stays on the record
    if rates:
        summary["reduced_rates"] = rates
    return summary


def movements_on(debts: list[Debt]) -> list[dict[str, Any]]:
    """The money moved on ``debts`` other than deductions (README: every penny is explained; ``dms deductions
    list`` gives the deductions), in one query, oldest first: each posting to a debt's RECEIVABLE account in an
    entry that counts as recovered (docs/architecture.md "Ledger conventions": not a REFERRAL, REVISION or
    RETURN) and is not a DEDUCTION, read by entry kind whatever the kind (a direct payment, the person's
    credit applied, an over-recovery taken back, a misallocation's correction, a reversal, and a kind added
    later under its own name). Each gives its ``date``, ``entry_id``, ``kind`` and ``what`` (the kind in
    words), the debt (``debt_id``, ``creditor``, ``la_id``, ``ref``), ``amount`` signed as recovered (money
    taken off the debt's balance is positive, money put back on it negative), so that a debt's ``recovered``
    is its deductions plus its movements, and ``reason``: the entry's description, the entry it reverses, and
    the reason it was posted for, which name its cause (recovery-rules.md §5, hb-debt-interface.md §6.5)."""
    by_id = {debt.pk: debt for debt in debts}
    if not by_id:
        return []
    rows = (Posting.objects.filter(account__kind=AccountKind.RECEIVABLE, account__debt_id__in=sorted(by_id))
            .exclude(entry__kind__in=[*NOT_RECOVERED_KINDS, EntryKind.DEDUCTION])
            .order_by("entry__business_date", "entry_id", "id")
            .values_list("entry_id", "entry__business_date", "entry__kind", "account__debt_id", "amount_pence",
                         "entry__description", "entry__reason", "entry__reverses__kind",
                         "entry__reverses__business_date"))
    movements = []
    for entry_id, day, kind, debt_id, amount, description, reason, reversed_kind, reversed_on in rows:
        debt = by_id[debt_id]
        why = description if reversed_kind is None else (
            f"{description} (the {_in_words(reversed_kind)} of {reversed_on.isoformat()})")
        movements.append({
            "date": day.isoformat(), "entry_id": entry_id, "kind": kind, "what": _in_words(kind), "debt_id": debt_id,
            "creditor": debt.creditor.kind, "la_id": debt.creditor.la_id, "ref": debt.creditor_ref,
            "amount": format_pounds(-int(amount)), "reason": f"{why}: {reason}" if reason else why,
        })
    return movements


def _in_words(kind: str) -> str:
    """A ledger entry kind in words (``CREDIT_APPLIED``: "credit applied"), for any kind, one added later too."""
    return kind.replace("_", " ").lower()


def refunds_of(person: Person) -> list[dict[str, str]]:
    """Each refund made due to the person (recovery-rules.md §5: the credit their other debts could not take),
    oldest first: its ``date``, ``amount`` and ``reason``, the REFUND entry's description, which says where
    the credit came from (an over-recovery: the debt, its creditor and reference, its new total and what had
    been recovered; a direct payment: its event). A refund due taken back since (a deduction reversed on the
    over-recovered debt it came from, docs/recovery-notes.md) is listed too, as a negative amount, with its
    reason. Shown by ``dms debtor show`` next to the refunds due."""
    rows = (Posting.objects.filter(account__person=person, account__kind=AccountKind.PERSON_REFUND_DUE,
                                   entry__kind__in=(EntryKind.REFUND, EntryKind.REVERSAL))
            .order_by("entry__business_date", "entry_id")
            .values_list("entry__business_date", "amount_pence", "entry__description", "entry__reason"))
    return [{"date": day.isoformat(), "amount": format_pounds(-int(amount)),
             "reason": f"{description}: {reason}" if reason else description}
            for day, amount, description, reason in rows]


def _last_status_changes(debt_ids: list[int]) -> dict[int, tuple[str, str]]:
    """``{debt id: (business date, reason)}`` of each debt's latest status change (its audit), in one query:
    why a debt is returned, suspended, cleared or with the estate, in the words of what changed it. Audit
    rows that changed no status (a reclassification, a recall recorded again) are not a change of it; one
    that restates its reason (``DebtStatusChange.restates``: a death's date corrected) gives the reason, the
    status dating from the change before it."""
    from django.db.models import F

    from dms.store.models import DebtStatusChange

    latest: dict[int, tuple[str, str]] = {}
    rows = DebtStatusChange.objects.filter(Q(restates=True) | ~Q(from_status=F("to_status")),
                                           debt_id__in=debt_ids).order_by(
        "debt_id", "id").values_list("debt_id", "business_date", "reason", "restates")
    for debt_id, day, reason, restates in rows:
        since = latest[debt_id][0] if restates and debt_id in latest else day.isoformat()
        latest[debt_id] = (since, reason)
    return latest


_PER_TEXT = {"ASSESSMENT_PERIOD": "per assessment period", "WEEK": "a week"}


def _reduced_rates(person_id: int) -> list[Any]:
    """The ``ReducedRate`` rows set on the person's debts, owned or held jointly, oldest first."""
    from dms.store.recovery.models import ReducedRate

    return list(ReducedRate.objects.filter(Q(debt__person_id=person_id) | Q(debt__joint_person_id=person_id))
                .select_related("debt").order_by("set_on", "id"))


def reduced_rates_of(nino: str) -> list[dict[str, Any]]:
    """The reduced rates set on the person's debts, owned or held jointly (A9/2025 §31), oldest first, with
    who set them, when, why and the review date (``until``: in force up to the day before). Shown by
    ``dms debtor show`` under the debts, its unit in words (its JSON document gives them as ``reduced_rates``:
    :func:`reduced_rates_on`)."""
    return [
        {"debt_id": r.debt_id, "amount": format_pounds(r.amount_pence), "per": _PER_TEXT.get(r.per, ""),
         "from": r.set_on.isoformat(),
         "until": r.until.isoformat(), "actor": r.actor, "reason": r.reason}
        for r in _reduced_rates(find_person(nino).pk)
    ]


def reduced_rates_on(person: Person) -> list[dict[str, Any]]:
    """``reduced_rates`` of ``dms debtor show --json``: each reduced rate set on the person's debts, owned or
    held jointly (A9/2025 §31; recovery-rules.md §4), oldest first, as the table lists them: the debt
    (``debt_id``, ``ref``), ``amount`` (pounds, as the other amounts), ``unit`` (``ASSESSMENT_PERIOD`` or
    ``WEEK``, the unit it was agreed in; null for a rate recorded before units were kept), ``from`` (the date
    it was set, from which it is in force), ``until`` (its review date: in force up to the day before),
    ``set_by`` and ``reason`` (docs/recovery-notes.md "Reduced (affordable) rates")."""
    return [
        {"debt_id": r.debt_id, "ref": r.debt.creditor_ref, "amount": format_pounds(r.amount_pence),
         "unit": r.per or None, "from": r.set_on.isoformat(), "until": r.until.isoformat(), "set_by": r.actor,
         "reason": r.reason}
        for r in _reduced_rates(person.pk)
    ]


def _debt_row(debt: Debt, recovered_pence: int, last_change: tuple[str, str] | None,
              held_by: str | None = None) -> dict[str, Any]:
    """One debt's row; ``held_by``, the reason of a debt a restriction holds as the restriction now stands
    (``recovery_events.status_reasons_as_restrictions_stand``), in place of its audited reason."""
    since, why = last_change if last_change is not None else (debt.received_on.isoformat(), "")
    why = held_by or why
    return {
        "id": debt.id,
        "creditor": debt.creditor.kind,
        "la_id": debt.creditor.la_id,
        "ref": debt.creditor_ref,
        "debt_type": debt.debt_type,
        "classification": debt.classification,
        "status": debt.status,
        "amount": format_pounds(int(debt.amount_pence)),
        "recovered": format_pounds(recovered_pence),
        "balance": format_pounds(int(debt.amount_pence) - recovered_pence),
        "received_on": debt.received_on.isoformat(),
        "cessation_reason": debt.cessation_reason or None,  # the spec §7 code of a returned debt
        "status_since": since,
        "status_reason": why,
    }
