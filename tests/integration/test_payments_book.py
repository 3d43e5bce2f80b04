"""A small book for the payments tests: LAs, people with awards, debts, and money moved through the
ledger as the recovery engine and the debt services post it (docs/architecture.md conventions)."""

from __future__ import annotations

from datetime import date

from dms.debts.order import annex_b_item
from dms.ledger import AccountKey, AccountKind, EntryKind, Posting, build_entry
from dms.services import debts as debt_services
from dms.services.creditors import LaDetails, register_la
from dms.store.ledger import post_entries
from dms.store.models import Award, Creditor, Debt, Person
from dms.store.recovery.models import AssessmentPeriod, Deduction

REFERRED = date(2025, 9, 1)


def la(la_id: str, name: str = "Testshire Council") -> Creditor:
    return register_la(LaDetails(la_id, name, f"20{la_id[-4:]}", f"1{la_id}0"))


def person(nino: str, benefit: str = "UC", start: date = date(2024, 1, 1)) -> Person:
    someone = Person.objects.create(nino=nino, surname="Jones", forenames="Sam")
    Award.objects.create(award_ref=f"aw-{nino}", person=someone, benefit=benefit, start_date=start)
    return someone


def dwp() -> Creditor:
    return Creditor.objects.get(kind="DWP")


def hmrc() -> Creditor:
    return Creditor.objects.get(kind="HMRC")


def debt(owner: Person, creditor: Creditor, ref: str, amount: int, *, classification: str = "NON_FRAUD",
         debt_type: str = "OVERPAYMENT", received_on: date = REFERRED) -> Debt:
    return debt_services.create_debt(
        person=owner, creditor=creditor, creditor_ref=ref, debt_type=debt_type, classification=classification,
        amount_pence=amount, created_on=received_on, received_on=received_on, business_date=received_on,
        actor="test",
    )


def recovery_postings(target: Debt, amount: int, source: AccountKey) -> list[Posting]:
    """The postings of ``amount`` from ``source`` credited to ``target`` and owed on to its creditor."""
    return [
        Posting(source, amount),
        Posting(AccountKey(AccountKind.RECEIVABLE, target.pk), -amount),
        Posting(AccountKey(AccountKind.CREDITOR_DEBTS, target.creditor_id), amount),
        Posting(AccountKey(AccountKind.CREDITOR_PAYABLE, target.creditor_id), -amount),
    ]


def recover(target: Debt, amount: int, day: date, *, kind: EntryKind = EntryKind.DEDUCTION,
            description: str = "") -> int:
    """A DEDUCTION (or DIRECT_PAYMENT) of ``amount`` credited to ``target`` on ``day``; returns the entry id."""
    source = AccountKind.BENEFIT_RECOVERIES if kind == EntryKind.DEDUCTION else AccountKind.DIRECT_PAYMENTS
    return post_entries([build_entry(kind, day, recovery_postings(target, amount, AccountKey(source)),
                                     description=description)])[0]


def split_deduction(parts: list[tuple[Debt, int]], day: date) -> int:
    """One DEDUCTION entry crediting several debts (one deduction item shared between owners)."""
    postings = [Posting(AccountKey(AccountKind.BENEFIT_RECOVERIES), sum(a for _, a in parts))]
    for target, amount in parts:
        postings += [
            Posting(AccountKey(AccountKind.RECEIVABLE, target.pk), -amount),
            Posting(AccountKey(AccountKind.CREDITOR_DEBTS, target.creditor_id), amount),
            Posting(AccountKey(AccountKind.CREDITOR_PAYABLE, target.creditor_id), -amount),
        ]
    return post_entries([build_entry(EntryKind.DEDUCTION, day, postings)])[0]


def uc_deduction(holder: Person, parts: list[tuple[Debt, int]], day: date, *,
                 paid: date | None = None) -> list[int]:
    """Deductions from ``holder``'s UC award for one assessment period taken on ``day``, one to each debt of
    ``parts`` (any person's), as the daily run writes them: a DEDUCTION entry and a deduction row each. The
    period is paid on ``day``, or on ``paid``, an earlier day, when it was reported late."""
    award = Award.objects.get(person=holder, benefit="UC")
    paid = paid or day
    period = AssessmentPeriod.objects.create(
        event_id=f"ap-{award.pk}-{day}-{AssessmentPeriod.objects.count()}", inbound_event_id=0, award=award,
        person=holder, period_start=paid, period_end=paid, payment_date=paid, award_amount_pence=80_000,
        processed_on=day, late=paid < day)
    ids = []
    for target, amount in parts:
        entry_id = recover(target, amount, day)
        item = annex_b_item(target.debt_type, target.classification)
        Deduction.objects.create(
            date=day, person=holder, award=award, period=period, source="UC", item=str(item), item_number=item,
            creditor_kind=target.creditor.kind, la_id=target.creditor.la_id, ref=target.creditor_ref, debt=target,
            amount_pence=amount, entry_id=entry_id)
        ids.append(entry_id)
    return ids


def legacy_deduction(holder: Person, parts: list[tuple[Debt, int]], day: date) -> list[int]:
    """One pay date's instalment from ``holder``'s legacy award taken on ``day``, one share to each debt of
    ``parts``, as the daily run writes it: a DEDUCTION entry and a deduction row each, with no assessment
    period and the award's benefit as the source."""
    award = Award.objects.exclude(benefit="UC").get(person=holder)
    ids = []
    for target, amount in parts:
        entry_id = recover(target, amount, day)
        Deduction.objects.create(
            date=day, person=holder, award=award, period=None, source=award.benefit, item=target.debt_type,
            item_number=None, creditor_kind=target.creditor.kind, la_id=target.creditor.la_id,
            ref=target.creditor_ref, debt=target, amount_pence=amount, entry_id=entry_id)
        ids.append(entry_id)
    return ids
