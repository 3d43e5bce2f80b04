"""The core data model: people, awards, creditors, debts, their audit, the ledger, events, runs.

Money columns are integer pence (``*_pence``). The ledger tables are append-only: the model layer refuses
update and delete, and on PostgreSQL a trigger refuses them too (migration 0002).
"""

from __future__ import annotations

import zlib
from typing import Any

from django.db import models
from django.db.models import Q

from dms.debts import (
    ACTIVE_STATUSES,
    Classification,
    CreditorKind,
    DebtStatus,
    DebtType,
    check_transition,
)
from dms.ledger import AccountKind, EntryKind

PERSON_PARTITIONS = 1024  # people are spread over this many stable partitions (by NINO hash)


def partition_of(nino: str) -> int:
    """The stable partition of a person: CRC-32 of the NINO, modulo :data:`PERSON_PARTITIONS`."""
    return zlib.crc32(nino.encode("ascii")) % PERSON_PARTITIONS


def _choices(enum: Any) -> list[tuple[str, str]]:
    return [(member.value, member.value) for member in enum]


class Person(models.Model):
    nino = models.CharField(max_length=9, unique=True)
    # In NFC; no limit of code points: an LA's name is 1-35 characters of a letter with its combining marks
    # (hb-debt-interface.md §2, la_interface/xsd/common.xsd Name), and in NFC a letter whose accent has no
    # precomposed form ("n" with U+0308) is still two code points.
    surname = models.TextField(blank=True, default="")
    forenames = models.TextField(blank=True, default="")
    date_of_birth = models.DateField(null=True, blank=True)
    date_of_death = models.DateField(null=True, blank=True)
    # the occurred_on of the person.registered whose names and date of birth are held (None: none received)
    registered_on = models.DateField(null=True, blank=True)
    partition = models.SmallIntegerField(db_index=True)

    class Meta:
        db_table = "dms_person"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.partition = partition_of(self.nino)
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        return self.nino


BENEFIT_CODES = (
    "UC", "IS", "AA", "JSA", "ESA", "DLA_CARE", "IB", "IDB", "CA", "MA", "NSP", "RP", "SDA", "PC", "BB",
    "BA", "PIP",
)  # hb-debt-interface.md §6.2 (Annex A) plus UC
CLAIMANT_TYPES = ("SINGLE_UNDER_25", "SINGLE_25_OR_OVER", "JOINT_UNDER_25", "JOINT_25_OR_OVER")
PAY_FREQUENCIES = ("WEEKLY", "FORTNIGHTLY", "FOUR_WEEKLY", "MONTHLY")


class Award(models.Model):
    """A benefit award. UC awards carry the claimant type and assessment-period day; legacy awards the
    weekly amount, pay frequency and first pay date. ``award.changed`` events are held in
    :class:`AwardChange` and applied to these columns on their date."""

    award_ref = models.CharField(max_length=64, unique=True)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="awards")
    benefit = models.CharField(max_length=10, choices=[(c, c) for c in BENEFIT_CODES])
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    end_reason = models.CharField(max_length=20, blank=True, default="")
    claimant_type = models.CharField(max_length=20, blank=True, default="")
    assessment_period_day = models.SmallIntegerField(null=True, blank=True)
    partner = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="partner_awards"
    )
    weekly_amount_pence = models.BigIntegerField(null=True, blank=True)
    pay_frequency = models.CharField(max_length=12, blank=True, default="")
    first_pay_date = models.DateField(null=True, blank=True)

    class Meta:
        db_table = "dms_award"
        indexes = [models.Index(fields=["person", "start_date"], name="award_person_start")]

    @property
    def is_uc(self) -> bool:
        return self.benefit == "UC"


class AwardChange(models.Model):
    """An ``award.changed`` event's new values, effective from ``effective_from``; applied on that date.
    ``former_partner``, set when it is applied, is the partner of a joint UC award that it takes off the award
    from its date (a change to a single claimant type, or naming another partner): the life events step
    returns their HB debts once they have nothing in payment (``recovery_events.cease_for_departed_partners``)."""

    award = models.ForeignKey(Award, on_delete=models.PROTECT, related_name="changes")
    effective_from = models.DateField()
    changes = models.JSONField()
    event_id = models.CharField(max_length=64)
    applied_on = models.DateField(null=True, blank=True)
    former_partner = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True, db_index=False,
                                       related_name="joint_awards_left")

    class Meta:
        db_table = "dms_award_change"
        indexes = [
            models.Index(fields=["applied_on", "effective_from"], name="award_change_due"),
            # the few changes that took a partner off an award: the daily run looks only at these
            models.Index(fields=["former_partner"], name="award_change_partner_left",
                         condition=Q(former_partner__isnull=False)),
        ]


class Creditor(models.Model):
    kind = models.CharField(max_length=4, choices=_choices(CreditorKind))
    la_id = models.CharField(max_length=6, unique=True, null=True, blank=True)
    name = models.CharField(max_length=100)
    sort_code = models.CharField(max_length=6, blank=True, default="")
    account_number = models.CharField(max_length=8, blank=True, default="")

    class Meta:
        db_table = "dms_creditor"
        constraints = [
            models.UniqueConstraint(
                fields=["kind"], condition=~Q(kind="LA"), name="one_creditor_row_for_dwp_and_hmrc"
            ),
            models.CheckConstraint(
                condition=Q(kind="LA", la_id__isnull=False) | (~Q(kind="LA") & Q(la_id__isnull=True)),
                name="creditor_la_id_only_for_las",
            ),
        ]

    def __str__(self) -> str:
        return f"LA {self.la_id}" if self.kind == CreditorKind.LA else self.kind


class Debt(models.Model):
    """A debt DMS holds or has held. ``amount_pence`` is its total as referred (after revisions); its
    balance is derived from the ledger (its ``RECEIVABLE`` account)."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="debts", db_index=False)
    # the creditor's debts are found by debt_by_creditor_ref, whose first column it is
    creditor = models.ForeignKey(Creditor, on_delete=models.PROTECT, related_name="debts", db_index=False)
    creditor_ref = models.CharField(max_length=64)
    debt_type = models.CharField(max_length=40, choices=_choices(DebtType))
    classification = models.CharField(max_length=9, choices=_choices(Classification))
    amount_pence = models.BigIntegerField()
    original_amount_pence = models.BigIntegerField()
    created_on = models.DateField()
    received_on = models.DateField()  # the date that orders recovery (hb-debt-interface.md §6.4)
    # the date DMS received this debt's referral (hb-debt-interface.md §4.1 ReferralReceivedDate): as
    # received_on except for a re-referred FRAUD debt, which keeps its first referral's date for recovery
    # order (§6.4); empty for a debt not referred in an LA file (received_on is then its receipt date)
    referral_received_on = models.DateField(null=True, blank=True)
    receipt_seq = models.BigIntegerField(unique=True)  # global receipt order, breaks received_on ties
    status = models.CharField(max_length=16, choices=_choices(DebtStatus), default=DebtStatus.OPEN)
    status_date = models.DateField()
    joint_person = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="joint_debts", db_index=False
    )
    agreed_amount_pence = models.BigIntegerField(null=True, blank=True)
    partition = models.SmallIntegerField()
    cessation_reason = models.CharField(max_length=32, blank=True, default="")

    class Meta:
        db_table = "dms_debt"
        constraints = [
            models.UniqueConstraint(
                fields=["creditor", "creditor_ref"],
                condition=Q(status__in=sorted(ACTIVE_STATUSES)),
                name="one_active_debt_per_creditor_ref",
            ),
            models.CheckConstraint(condition=Q(amount_pence__gt=0), name="debt_amount_positive"),
        ]
        indexes = [
            models.Index(fields=["person"], name="debt_by_person"),
            models.Index(fields=["creditor", "creditor_ref"], name="debt_by_creditor_ref"),
            models.Index(fields=["partition", "status"], name="debt_by_partition_status"),
            # only joint debts name a joint debtor: the others add nothing to this index
            models.Index(fields=["joint_person"], name="debt_by_joint_person",
                         condition=Q(joint_person__isnull=False)),
        ]

    def change_status(
        self, new_status: str, *, business_date: Any, actor: str, reason: str, save: bool = True
    ) -> DebtStatusChange:
        """Move the debt to ``new_status`` if the transition is allowed, and audit it (who, when, from,
        to, why). Refuses a transition not in ``dms.debts.TRANSITIONS``."""
        check_transition(self.status, new_status)
        change = DebtStatusChange(
            debt=self,
            from_status=self.status,
            to_status=new_status,
            business_date=business_date,
            actor=actor,
            reason=reason,
        )
        self.status = new_status
        self.status_date = business_date
        if save:
            self.save(update_fields=["status", "status_date", "cessation_reason"])
            change.save()
        return change


class DebtComponent(models.Model):
    """One overpayment of an LA invoice (hb-debt-interface.md §3.1): kept as referred."""

    debt = models.ForeignKey(Debt, on_delete=models.PROTECT, related_name="components")
    amount_pence = models.BigIntegerField()
    period_start = models.DateField()
    period_end = models.DateField()

    class Meta:
        db_table = "dms_debt_component"


class DebtStatusChange(models.Model):
    """The audit of every debt status change: who or what, when, from, to, why."""

    debt = models.ForeignKey(Debt, on_delete=models.PROTECT, related_name="status_changes", db_index=False)
    from_status = models.CharField(max_length=16)
    to_status = models.CharField(max_length=16)
    business_date = models.DateField()
    recorded_at = models.DateTimeField(auto_now_add=True)
    actor = models.CharField(max_length=100)
    reason = models.TextField()
    # a row that keeps the status and gives its reason anew (the fact it named corrected since, as a death's
    # date): ``dms debtor show`` gives this reason for the status; other rows keeping it are notes beside it
    restates = models.BooleanField(default=False, db_default=False)  # rows written in bulk leave it out

    class Meta:
        db_table = "dms_debt_status_change"
        indexes = [models.Index(fields=["debt"], name="status_change_by_debt")]


class Counter(models.Model):
    """Named monotonic counters (receipt sequence) allocated in blocks inside a transaction."""

    name = models.CharField(max_length=40, primary_key=True)
    value = models.BigIntegerField(default=0)

    class Meta:
        db_table = "dms_counter"


# ---------------------------------------------------------------------------------------------- ledger


class AppendOnlyQuerySet(models.QuerySet[Any]):
    def update(self, **kwargs: Any) -> int:
        raise PermissionError(f"{self.model.__name__} is append-only: corrections are new entries")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError(f"{self.model.__name__} is append-only: corrections are new entries")


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise PermissionError(f"{type(self).__name__} is append-only: corrections are new entries")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError(f"{type(self).__name__} is append-only: corrections are new entries")


class Account(models.Model):
    """A ledger account. ``balance_pence`` is a stored running balance (debit positive), kept in step by
    every posting and verified by ``dms ledger check`` against the postings."""

    kind = models.CharField(max_length=20, choices=_choices(AccountKind))
    # an owner's accounts are found by the unique index of its accounts, which leads with the owner
    debt = models.ForeignKey(Debt, on_delete=models.PROTECT, null=True, blank=True, related_name="accounts",
                             db_index=False)
    creditor = models.ForeignKey(
        Creditor, on_delete=models.PROTECT, null=True, blank=True, related_name="accounts", db_index=False
    )
    person = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True, related_name="accounts",
                               db_index=False)
    balance_pence = models.BigIntegerField(default=0)

    class Meta:
        db_table = "dms_account"
        constraints = [
            models.UniqueConstraint(fields=["debt", "kind"], condition=Q(debt__isnull=False), name="account_per_debt"),
            models.UniqueConstraint(
                fields=["creditor", "kind"], condition=Q(creditor__isnull=False), name="account_per_creditor"
            ),
            models.UniqueConstraint(
                fields=["person", "kind"], condition=Q(person__isnull=False), name="account_per_person"
            ),
            models.UniqueConstraint(
                fields=["kind"],
                condition=Q(debt__isnull=True, creditor__isnull=True, person__isnull=True),
                name="one_system_account_per_kind",
            ),
        ]


class JournalEntry(AppendOnlyModel):
    business_date = models.DateField()
    kind = models.CharField(max_length=20, choices=_choices(EntryKind))
    description = models.TextField(blank=True, default="")
    reason = models.TextField(blank=True, default="")
    reverses = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversals",
                                 db_index=False)

    class Meta:
        db_table = "dms_journal_entry"
        indexes = [
            models.Index(fields=["business_date", "kind"], name="entry_by_date_kind"),
            # only reversals name an entry: the others add nothing to this index
            models.Index(fields=["reverses"], name="entry_reversing", condition=models.Q(reverses__isnull=False)),
        ]


class Posting(AppendOnlyModel):
    """One line of an entry. Written only by ``dms.store.ledger.post_entries``, which takes the entry ids it
    allocates and the account ids it resolves in the same transaction, so the database does not re-check the
    two references row by row (a per-row foreign-key check halves bulk posting speed); ``dms ledger check``
    verifies that every posting's entry and account exist, and accounts cannot be deleted (migration 0003)."""

    entry = models.ForeignKey(
        JournalEntry, on_delete=models.PROTECT, related_name="postings", db_index=False, db_constraint=False
    )
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="postings", db_index=False, db_constraint=False
    )
    amount_pence = models.BigIntegerField()

    class Meta:
        db_table = "dms_posting"
        indexes = [
            models.Index(fields=["entry"], name="posting_by_entry"),
            models.Index(fields=["account"], name="posting_by_account"),
        ]


# ---------------------------------------------------------------------------------------------- events


class InboundEvent(models.Model):
    """Every event received from another system, kept whole (nothing received is lost)."""

    event_id = models.CharField(max_length=64, unique=True)
    type = models.CharField(max_length=40)
    occurred_on = models.DateField()
    nino = models.CharField(max_length=9)
    payload = models.JSONField()
    content_sha256 = models.CharField(max_length=64)  # of its meaning (earlier releases: of its raw JSON)
    received_at = models.DateTimeField(auto_now_add=True)
    source = models.CharField(max_length=300, blank=True, default="")
    applied = models.BooleanField(default=False)  # True once its effect is in the model
    effect_date = models.DateField(null=True, blank=True)  # the run date that acted on it, if any
    # a report older than one already received of the same fact (docs/events-notes.md "A late report does not
    # overwrite a later one"): kept as received, never applied; the event that stands, and why
    superseded_by = models.CharField(max_length=64, blank=True, default="")
    superseded_reason = models.TextField(blank=True, default="")

    class Meta:
        db_table = "dms_inbound_event"
        indexes = [
            # only unapplied events are looked up by type; marking one applied adds no entry here
            models.Index(fields=["type"], name="event_unapplied_by_type", condition=models.Q(applied=False)),
            models.Index(fields=["nino"], name="event_by_nino"),
        ]


# ---------------------------------------------------------------------------------------------- runs


class RunDay(models.Model):
    """One business date of the daily run (``dms run``). A date is complete once ``completed`` is set."""

    run_date = models.DateField(unique=True)
    completed = models.BooleanField(default=False)
    started_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    summary = models.JSONField(default=dict)

    class Meta:
        db_table = "dms_run_day"


class RunStep(models.Model):
    """A step of the daily run done for a business date (``dms.services.daily_run``). Written in the same
    transaction as the step's work (for a partitioned step: once all its chunks are done), so a step is
    either wholly done and recorded or not done at all; ``summary`` is what the step reported."""

    run_date = models.DateField()
    step = models.CharField(max_length=40)
    completed_at = models.DateTimeField()
    summary = models.JSONField(default=dict)

    class Meta:
        db_table = "dms_run_step"
        constraints = [models.UniqueConstraint(fields=["run_date", "step"], name="run_step_once_per_date")]


class RunChunk(models.Model):
    """A chunk of person partitions (``first_partition`` to ``last_partition``, inclusive) of a partitioned
    step done for a business date. Claimed (inserted) first in the chunk's own transaction and committed with
    its work: a committed chunk is skipped on a re-run, and a chunk two runs attempt at once is done once."""

    run_date = models.DateField()
    step = models.CharField(max_length=40)
    first_partition = models.SmallIntegerField()
    last_partition = models.SmallIntegerField()
    completed_at = models.DateTimeField()
    summary = models.JSONField(default=dict)

    class Meta:
        db_table = "dms_run_chunk"
        constraints = [
            models.UniqueConstraint(fields=["run_date", "step", "first_partition"], name="run_chunk_once_per_date"),
        ]
