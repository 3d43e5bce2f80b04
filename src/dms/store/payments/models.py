"""Tables of the payments area (Django app ``store_payments``).

- :class:`PaymentSchedule`: one LA's payment schedule for one month (hb-debt-interface.md §4.2, §7): the file
  written, its totals, what is paid and what is carried into the next month. Schedule lines are not stored:
  they are derived from the append-only ledger, so a re-run writes the same bytes.
- :class:`ScheduleRun`: the month-end run that produced a month's schedules (the BACS export needs it).
- :class:`CreditorPayment`: a BACS payment to a creditor for a month, with its CREDITOR_PAYMENT entry.
- :class:`Misallocation`: a deduction credited to one owner when the rules required it to be shared
  (A9/2025 §53; recovery-rules.md §5), listed for staff and, once corrected, the entries that corrected it.
"""

from __future__ import annotations

from django.db import models

from dms.store.models import Creditor, JournalEntry, Person


class ScheduleRun(models.Model):
    """The month-end run for ``period`` (``YYYY-MM``): schedules were produced on ``run_date``."""

    period = models.CharField(max_length=7, unique=True)
    run_date = models.DateField()
    payment_date = models.DateField()
    schedule_count = models.IntegerField(default=0)
    line_count = models.BigIntegerField(default=0)

    class Meta:
        db_table = "dms_schedule_run"


class PaymentSchedule(models.Model):
    """One LA's schedule for one month. ``total_pence`` is the sum of its lines (may be negative);
    ``paid_pence`` is what BACS pays (the total when positive, else 0); ``carried_forward_pence`` is the
    negative total carried into next month's schedule as one BROUGHT_FORWARD line (else 0)."""

    run = models.ForeignKey(ScheduleRun, on_delete=models.PROTECT, related_name="schedules")
    creditor = models.ForeignKey(Creditor, on_delete=models.PROTECT, related_name="payment_schedules")
    period = models.CharField(max_length=7)
    file_name = models.CharField(max_length=40)
    creation_date = models.DateField()
    payment_date = models.DateField()
    record_count = models.IntegerField()
    total_pence = models.BigIntegerField()
    brought_forward_pence = models.BigIntegerField(default=0)
    paid_pence = models.BigIntegerField()
    carried_forward_pence = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)

    class Meta:
        db_table = "dms_payment_schedule"
        constraints = [
            models.UniqueConstraint(fields=["creditor", "period"], name="one_schedule_per_la_and_period"),
        ]
        indexes = [models.Index(fields=["period"], name="schedule_by_period")]


class CreditorPayment(models.Model):
    """A BACS credit to a creditor for ``period``, recorded once with its CREDITOR_PAYMENT entry, with the days
    of its BACS cycle (recovery-rules.md §7): ``submission_date``, the input day the file is to be submitted
    on; ``processing_date``, the processing day its file's ``UHL1`` label carries; ``payment_date``, the entry
    day. Exporting the month again writes the file with these days (docs/recovery-notes.md "The BACS
    processing date"): payments recorded before the processing day was told apart from the input day keep
    the input day as their processing date, as the file then written carried it."""

    creditor = models.ForeignKey(Creditor, on_delete=models.PROTECT, related_name="payments")
    period = models.CharField(max_length=7)
    payment_date = models.DateField()
    processing_date = models.DateField()
    submission_date = models.DateField()
    amount_pence = models.BigIntegerField()
    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="+")

    class Meta:
        db_table = "dms_creditor_payment"
        constraints = [
            models.UniqueConstraint(fields=["creditor", "period"], name="one_payment_per_creditor_and_period"),
        ]


class BacsFile(models.Model):
    """The Standard 18 file written for ``period`` when its payments were recorded (recovery-rules.md §7), kept
    whole with its SHA-256: exporting the month again writes these bytes, whatever the originator settings
    (``DMS_BACS_*``) or an LA's bank details have become since, since they are what the recorded payments paid
    (docs/recovery-notes.md "The BACS processing date")."""

    period = models.CharField(max_length=7, unique=True)
    text = models.TextField()
    sha256 = models.CharField(max_length=64)

    class Meta:
        db_table = "dms_bacs_file"


class Misallocation(models.Model):
    """A deduction item credited wholly to one owner although other owners had eligible debts.

    ``key`` identifies the deduction (person, date, item) so detection is idempotent; ``shares`` records
    what each owner received and should have received (pence, by owner and debt)."""

    DETECTED = "DETECTED"
    CORRECTED = "CORRECTED"

    key = models.CharField(max_length=120, unique=True)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    business_date = models.DateField()
    item = models.CharField(max_length=40)
    entry_ids = models.JSONField()
    amount_pence = models.BigIntegerField()
    received_by = models.CharField(max_length=10)
    excess_pence = models.BigIntegerField()
    shares = models.JSONField()
    status = models.CharField(max_length=10, default=DETECTED)
    detected_on = models.DateField()
    corrected_on = models.DateField(null=True, blank=True)
    corrected_by = models.CharField(max_length=100, blank=True, default="")
    correction_reason = models.TextField(blank=True, default="")
    correction_entry_ids = models.JSONField(default=list)

    class Meta:
        db_table = "dms_misallocation"
        indexes = [models.Index(fields=["status"], name="misallocation_by_status")]
