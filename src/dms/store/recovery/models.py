"""Tables of the recovery area (app ``store_recovery``): assessment periods held from
``uc.assessment_period`` events, deductions taken (with their explanation), staff reduced rates, restrictions
(sanctions, insolvency, moratoria) and missed legacy instalments.

Sources: spec/events.md §2; reference/recovery-rules.md §3-6. Deductions are written in bulk by the daily
run (``dms.services.recovery``); money columns are integer pence.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db import models

from dms.errors import InvariantBroken
from dms.store.models import Award, Debt, Person

CREDITOR_KINDS = ("DWP", "HMRC", "LA", "THIRD_PARTY")


class AssessmentPeriod(models.Model):
    """One UC assessment period as reported by a ``uc.assessment_period`` event (events.md §2), held when the
    event is imported; an award's period is reported once. Its deductions are taken on ``payment_date``; one
    reported after its payment date is taken on the next run and marked ``late``. ``processed_on`` is the
    run date that took its deductions."""

    event_id = models.CharField(max_length=64)  # held in the transaction that stores its (unique) event
    inbound_event_id = models.BigIntegerField()
    # found by period_by_award_start, whose first column it is
    award = models.ForeignKey(Award, on_delete=models.PROTECT, related_name="+", db_constraint=False,
                              db_index=False)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", db_constraint=False)
    period_start = models.DateField()
    period_end = models.DateField()
    payment_date = models.DateField()
    award_amount_pence = models.BigIntegerField()
    earnings_over_work_allowance = models.BooleanField(default=False)
    sanction_pence = models.BigIntegerField(default=0)
    fraud_penalty_pence = models.BigIntegerField(default=0)
    third_party = models.JSONField(default=list)
    processed_on = models.DateField(null=True, blank=True)
    late = models.BooleanField(default=False)

    class Meta:
        db_table = "dms_assessment_period"
        indexes = [
            # the due periods: only those not yet processed (marking one processed adds no entry here)
            models.Index(fields=["payment_date"], name="period_unprocessed_due",
                         condition=models.Q(processed_on__isnull=True)),
            # an award's periods: a second report of one is refused at import; re-rating reads the latest
            models.Index(fields=["award", "period_start"], name="period_by_award_start"),
        ]


class Deduction(models.Model):
    """One amount taken from a benefit payment (or reversed): to a debt (with its DEDUCTION ledger entry)
    or to a third party (an instruction to pay them; no ledger entry). ``explanation`` says why this amount
    (recovery-rules.md §3: "Staff must be able to answer 'why this amount?' from the explanation alone")."""

    date = models.DateField()
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", db_constraint=False,
                               db_index=False)
    award = models.ForeignKey(Award, on_delete=models.PROTECT, related_name="+", db_constraint=False,
                              db_index=False, null=True)
    period = models.ForeignKey(AssessmentPeriod, on_delete=models.PROTECT, related_name="+", db_constraint=False,
                               db_index=False, null=True)
    source = models.CharField(max_length=10)  # UC or the legacy benefit code
    item = models.CharField(max_length=80)  # Annex B item name or debt type
    item_number = models.SmallIntegerField(null=True)
    creditor_kind = models.CharField(max_length=11)
    la_id = models.CharField(max_length=6, null=True)
    ref = models.CharField(max_length=64)  # debt reference, or third-party category
    debt = models.ForeignKey(Debt, on_delete=models.PROTECT, related_name="+", db_constraint=False,
                             db_index=False, null=True)
    amount_pence = models.BigIntegerField()
    status = models.CharField(max_length=8, default="TAKEN")  # TAKEN or REVERSED
    # The text as stored by earlier releases; a UC deduction now stores its structured facts only and its
    # text is rendered from them on demand (``explanation``).
    stored_explanation = models.TextField(db_column="explanation", blank=True, default="")
    explanation_facts = models.JSONField(default=dict)
    entry_id = models.BigIntegerField(null=True)
    reversal_entry_id = models.BigIntegerField(null=True)
    reversed_on = models.DateField(null=True)
    reversal_reason = models.TextField(default="", blank=True)
    # the REVERSED deduction this one takes again, its reversal found wrong since (a date of death corrected to
    # a later day: ``services.recovery_events``); the reversal stands in the ledger, and this row beside it
    restores = models.ForeignKey("self", on_delete=models.PROTECT, related_name="+", db_constraint=False,
                                 db_index=False, null=True)

    @property
    def paid_on(self) -> date:
        """The day the benefit this amount was taken from was paid to the person: a UC line's assessment
        period's ``payment_date`` (events.md §2 ``uc.assessment_period``: "DMS works out every deduction from
        this period's payment ... on ``payment_date``"; one reported late is dated the run's day, taken that
        day), any other's date (a legacy instalment's pay date, also one taken late). What a fact reported
        late (a death, an insolvency, a sanction) reverses is judged by it (:func:`paid_on_or_after`), so
        what stands does not depend on when the period was reported (recovery-rules.md §6)."""
        return self.period.payment_date if self.period_id is not None else self.date

    @property
    def explanation(self) -> str:
        """Why this amount, as text (recovery-rules.md §3): the stored text, or rendered from the stored facts
        (a UC line's with its period's explanation, read here unless given by :meth:`explained_with`)."""
        period = getattr(self, "_period_explanation", None)
        if period is None and "step_index" in self.explanation_facts and self.period_id is not None:
            period = PeriodExplanation.facts_of([self.period_id]).get(self.period_id)
        return self.explained_with(period)

    def explained_with(self, period: dict[str, Any] | None) -> str:
        """The text with the period's explanation ``period`` (:meth:`PeriodExplanation.facts_of`) given."""
        from dms.recovery.explanation import render_line_facts, render_uc_deduction

        facts = self.explanation_facts
        if self.stored_explanation or "step" not in facts and "step_index" not in facts:
            return self.stored_explanation
        if "step_index" not in facts:
            return render_line_facts(facts)  # stored by an earlier release: the line holds its period's figures
        if period is None:
            raise InvariantBroken(f"deduction {self.pk}: the explanation of its assessment period "
                                  f"{self.period_id} is missing")
        return render_uc_deduction(period, facts)

    class Meta:
        db_table = "dms_deduction"
        indexes = [
            models.Index(fields=["person", "date"], name="deduction_by_person"),
            models.Index(fields=["award", "date"], name="deduction_by_award"),
            models.Index(fields=["date"], name="deduction_by_date"),
        ]


def paid_on_or_after(day: date) -> models.Q:
    """The deductions whose benefit was paid to the person on or after ``day`` (:attr:`Deduction.paid_on`: a UC
    line by its period's ``payment_date``, events.md §2 ``uc.assessment_period``; any other by its date), as a
    filter of ``Deduction`` rows."""
    return models.Q(period__isnull=True, date__gte=day) | models.Q(period__isnull=False, period__payment_date__gte=day)


def paid_before(day: date) -> models.Q:
    """The deductions whose benefit was paid to the person before ``day`` (:func:`paid_on_or_after`'s
    complement)."""
    return models.Q(period__isnull=True, date__lt=day) | models.Q(period__isnull=False, period__payment_date__lt=day)


class PeriodExplanation(models.Model):
    """Why a UC assessment period's deductions are what they are, stored once for all of its lines by the run
    that took them (recovery-rules.md §3: the standard allowance and its date, the cap and room at each step,
    every item considered with the rule that set or stopped its amount; ``dms.recovery.explanation``
    ``uc_period_explanation``): JSON text, rendered with each line's own facts on demand."""

    period = models.OneToOneField(AssessmentPeriod, on_delete=models.PROTECT, primary_key=True, related_name="+",
                                  db_constraint=False)
    facts = models.TextField()

    class Meta:
        db_table = "dms_uc_period_explanation"

    @staticmethod
    def facts_of(period_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
        """``{period id: facts}`` of the periods ``period_ids`` that have an explanation."""
        wanted = sorted(set(period_ids))
        found: dict[int, dict[str, Any]] = {}
        for start in range(0, len(wanted), 5000):
            rows = PeriodExplanation.objects.filter(period_id__in=wanted[start : start + 5000])
            found.update((period_id, json.loads(text)) for period_id, text in rows.values_list("period_id", "facts"))
        return found


class ReducedRate(models.Model):
    """A lower rate set by staff after an affordability request (A9/2025 §31; recovery-rules.md §4): per UC
    assessment period for UC, per week for legacy benefits (``per``: the benefit's unit when it was set; the
    other engine converts it, ``recovery_load.reduced_rates``); in force from ``set_on`` until the day
    before ``until`` (its review date). Who, when and why are kept."""

    debt = models.ForeignKey(Debt, on_delete=models.PROTECT, related_name="+")
    amount_pence = models.BigIntegerField()
    per = models.CharField(max_length=20, blank=True, default="")  # ASSESSMENT_PERIOD, WEEK or "" (as given)
    until = models.DateField()
    reason = models.TextField()
    actor = models.CharField(max_length=100)
    set_on = models.DateField()
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "dms_reduced_rate"


class Restriction(models.Model):
    """A sanction, insolvency or moratorium of a person (recovery-rules.md §6) and what it did to their
    debts: which were returned, which it bars (``suspended_debts``: suspended by it, or already suspended
    by another restriction; a debt resumes only when no restriction still bars it), and (moratoria) when
    recovery resumes."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=40)
    event_id = models.CharField(max_length=64, unique=True)
    start_date = models.DateField()
    end_date = models.DateField(null=True)
    resume_on = models.DateField(null=True)  # moratoria: the day after it ends
    resumed_on = models.DateField(null=True)
    returned_debts = models.JSONField(default=list)
    suspended_debts = models.JSONField(default=list)
    note = models.TextField(default="", blank=True)
    # a sanction's rate, as the event gave it (a decimal, "100" or "40"); "" for other kinds
    rate_percent = models.CharField(max_length=40, default="", blank=True)

    class Meta:
        db_table = "dms_restriction"
        indexes = [models.Index(fields=["resumed_on", "resume_on"], name="restriction_due")]


class MissedInstalment(models.Model):
    """A legacy pay date on which the benefit was not paid (``benefit.payment_missed``)."""

    award = models.ForeignKey(Award, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    pay_date = models.DateField()
    event_id = models.CharField(max_length=64, unique=True)
    reversed_pence = models.BigIntegerField(default=0)
    recorded_on = models.DateField()

    class Meta:
        db_table = "dms_missed_instalment"


class DirectPaymentShare(models.Model):
    """Who paid the money of one DIRECT_PAYMENT entry to a debt: the person whose ``payment.received`` it
    was (spec/events.md §3). A joint debt is paid by either debtor; an over-recovery of it is a credit of the
    person the money came from (recovery-rules.md §5; ``dms.services.debts._whose_excess``)."""

    entry_id = models.BigIntegerField(unique=True)
    debt = models.ForeignKey(Debt, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    event_id = models.CharField(max_length=64)

    class Meta:
        db_table = "dms_direct_payment_share"
        indexes = [models.Index(fields=["debt"], name="direct_payment_by_debt")]
