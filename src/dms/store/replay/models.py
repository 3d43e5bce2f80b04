"""Tables of replays over the book (Django app ``store_replay``): what-ifs that post nothing.

- :class:`RerateRun`: one re-rating of the whole book as of a date (``dms rerate``): the deductions the
  engines would take for every person's current assessment period or pay period, with the parameters in
  force and with the overall cap overridden; its totals once complete.
- :class:`RerateResult`: one person's amounts to one creditor in a run (written in bulk: COPY on
  PostgreSQL), keyed by run. ``creditor`` is None for third-party deductions (Annex B items paid to third
  parties, not to a creditor DMS holds debts for).
"""

from __future__ import annotations

from django.db import models


class RerateRun(models.Model):
    as_of = models.DateField()
    cap_rate = models.DecimalField(max_digits=5, decimal_places=4, null=True, blank=True)  # None: no what-if
    workers = models.IntegerField(default=1)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    completed = models.BooleanField(default=False)
    people = models.BigIntegerField(default=0)
    periods = models.BigIntegerField(default=0)
    instalments = models.BigIntegerField(default=0)
    no_period = models.BigIntegerField(default=0)
    # of ``periods``, those a run had taken that stood in for an award's current period not yet reported
    standing_in = models.BigIntegerField(default=0)
    now_pence = models.BigIntegerField(default=0)
    what_if_pence = models.BigIntegerField(default=0)
    # the `dms rerate` process that records the run, so that a later run can tell one still under way from one
    # whose process was killed before it could remove it (``services.rerate.sweep_abandoned_runs``)
    host = models.CharField(max_length=255, default="", blank=True)
    pid = models.IntegerField(null=True, blank=True)

    class Meta:
        db_table = "dms_rerate_run"


class RerateResult(models.Model):
    # found through the (run, creditor) index below: no index of its own to maintain on every row COPYed
    run = models.ForeignKey(RerateRun, on_delete=models.CASCADE, related_name="results", db_constraint=False,
                            db_index=False)
    person_id = models.BigIntegerField()
    partition = models.SmallIntegerField()
    source = models.CharField(max_length=10)  # UC or the legacy benefit code
    period_start = models.DateField()  # the assessment period's start, or the legacy pay date worked out as on
    creditor_id = models.BigIntegerField(null=True, blank=True)
    now_pence = models.BigIntegerField()
    what_if_pence = models.BigIntegerField()

    class Meta:
        db_table = "dms_rerate_result"
        indexes = [models.Index(fields=["run", "creditor_id"], name="rerate_result_by_creditor")]
