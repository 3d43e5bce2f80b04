"""Models of the LA file interface (hb-debt-interface.md): what was received, what was decided, what went out.

Nothing received is ever deleted (spec §5.2): every tar and every XML file taken from it is recorded here, with
its SHA-256, and its bytes are kept content-addressed under the archive directory (``archive_path``).
"""

from __future__ import annotations

from django.db import models


class FileKind(models.TextChoices):
    """The six message types of spec §1 (the middle part of the file name)."""

    REFERRAL = "LAREF"
    REVISION = "LAREV"
    RECALL = "LAREC"
    CESSATION = "DMCES"
    SCHEDULE = "DMSCH"
    FAILURE_NOTICE = "DMREJ"


class FileState(models.TextChoices):
    """Where a received XML file is in its life (spec §5.3, §6.1)."""

    PENDING = "PENDING"  # held, waiting for the run of its date (or a later one)
    ACCEPTED = "ACCEPTED"  # processed: every record applied
    FAILED = "FAILED"  # processed or refused: nothing applied; outcome and errors say why
    SUPERSEDED = "SUPERSEDED"  # replaced by a file of the same name before it was processed
    IGNORED = "IGNORED"  # the same name and bytes as a file already held (spec §5.3, first rule)


class Outcome(models.TextChoices):
    """``Outcome`` of a ``FailedFile`` in a file failure notice (spec §4.3)."""

    CORRUPT = "CORRUPT"
    INVALID = "INVALID"
    DEPENDS_ON_FAILED_REFERRAL = "DEPENDS_ON_FAILED_REFERRAL"
    SUPERSEDED = "SUPERSEDED"
    DUPLICATE_BATCH = "DUPLICATE_BATCH"


class ReceivedTar(models.Model):
    """One ``YYYYMMDD-PDPLA-AAAAAA.tar`` handed to ``dms la receive``, taken in or refused (spec §5.1)."""

    name = models.CharField(max_length=255)  # the name as given (may be wrong: that is a refusal reason)
    la_id = models.CharField(max_length=6, blank=True, default="")  # from the name, when it parses
    tar_date = models.DateField(null=True, blank=True)  # from the name, when it parses
    sha256 = models.CharField(max_length=64)
    size = models.BigIntegerField()
    archive_path = models.CharField(max_length=500)  # relative to the archive directory
    received_on = models.DateField()  # the business date it was received (reported as ReceivedDate)
    # the last daily run completed when it was received (None: none had run): the LA had the bundles of that
    # day and before, not of a later run day (docs/la-interface-notes.md "A return the LA could not have known
    # of"); for a tar taken in before this was kept, the day before its received date (the latest it can be)
    runs_completed_through = models.DateField(null=True, blank=True)
    accepted = models.BooleanField()
    problems = models.JSONField(default=list)  # for a refused tar: [{"code", "message", "member"}]
    reported_on = models.DateField(null=True, blank=True)  # the run date whose notice reported the refusal

    class Meta:
        indexes = [models.Index(fields=["la_id", "reported_on"], name="la_tar_la_reported")]


class ReceivedFile(models.Model):
    """One XML member of an accepted tar. Its bytes are kept at ``archive_path`` whatever becomes of it."""

    tar = models.ForeignKey(ReceivedTar, on_delete=models.PROTECT, related_name="files")
    name = models.CharField(max_length=40)  # YYYYMMDD-LAxxx-AAAAAA.xml
    kind = models.CharField(max_length=5, choices=FileKind.choices)
    la_id = models.CharField(max_length=6)
    creation_date = models.DateField()
    sha256 = models.CharField(max_length=64)
    size = models.BigIntegerField()
    archive_path = models.CharField(max_length=500)
    received_on = models.DateField()
    seq = models.BigIntegerField()  # receipt order across all files
    state = models.CharField(max_length=10, choices=FileState.choices, default=FileState.PENDING)
    outcome = models.CharField(max_length=30, choices=Outcome.choices, blank=True, default="")
    errors = models.JSONField(default=list)  # [{"code","message","line","debt_ref","field"}] (spec §4.3)
    processed_on = models.DateField(null=True, blank=True)  # the run date that decided it
    reported_on = models.DateField(null=True, blank=True)  # the run date whose notice reported its failure
    depends_on = models.CharField(max_length=40, blank=True, default="")  # failed referral file it depends on
    records = models.IntegerField(default=0)
    superseded_by = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="supersedes"
    )

    class Meta:
        indexes = [
            models.Index(fields=["state", "creation_date"], name="la_file_state_date"),
            models.Index(fields=["la_id", "name"], name="la_file_la_name"),
            models.Index(fields=["la_id", "reported_on"], name="la_file_la_reported"),
        ]


class Cessation(models.Model):
    """An HB debt returned to its LA (spec §4.1): one ``Cessation`` record of that day's ``DMCES`` file.

    Written whenever an LA's debt is returned, whatever returned it (a referral rule, a recall's holding period
    ending, a life event, the legacy engine), so the LA always hears of it. A debt has one, and a further one
    only when a deduction credited to it is reversed after its first was reported (the balance restored is
    returned too: ``services/debts.py`` ``return_restored_balance``, docs/la-interface-notes.md)."""

    debt = models.ForeignKey("store.Debt", on_delete=models.PROTECT, related_name="cessations")
    la_id = models.CharField(max_length=6)
    debt_ref = models.CharField(max_length=64)
    nino = models.CharField(max_length=9)
    referral_received_date = models.DateField()
    cessation_date = models.DateField()
    reason = models.CharField(max_length=32)
    balance_returned_pence = models.BigIntegerField()
    amount_recovered_pence = models.BigIntegerField()
    reported_on = models.DateField(null=True, blank=True)  # the run date whose DMCES file reported it

    class Meta:
        indexes = [
            models.Index(fields=["la_id", "cessation_date"], name="la_cessation_la_date"),
            models.Index(fields=["reported_on", "la_id"], name="la_cessation_reported"),
        ]


class Recall(models.Model):
    """A recall applied from an accepted ``LAREC`` file (spec §6.5): deductions stop on ``recalled_on``; the
    debt ceases, with the balance then held, on ``ceases_on`` (5 days later for UC, 14 for others). ``line``
    is the line of its record in the file, which the cessation's reason names (null for a recall recorded
    before lines were kept)."""

    debt = models.ForeignKey("store.Debt", on_delete=models.PROTECT, related_name="recalls")
    file = models.ForeignKey(ReceivedFile, on_delete=models.PROTECT, related_name="recalls")
    reason = models.CharField(max_length=20)
    line = models.PositiveIntegerField(null=True)
    recalled_on = models.DateField()
    ceases_on = models.DateField()
    ceased = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["ceased", "ceases_on"], name="la_recall_due")]


class OutboundFile(models.Model):
    """A file DMS wrote for an LA on a run date (cessation, payment schedule or failure notice), waiting to be
    bundled into that day's ``D-PDPDM-AAAAAA.tar``. Producers record their files here; the bundler takes
    every file of the run date."""

    la_id = models.CharField(max_length=6)
    run_date = models.DateField()
    name = models.CharField(max_length=40)
    kind = models.CharField(max_length=5, choices=FileKind.choices)
    path = models.CharField(max_length=500)  # absolute path of the written file
    sha256 = models.CharField(max_length=64)
    bundle = models.ForeignKey("OutboundBundle", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="files")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["la_id", "name"], name="la_outbound_unique_name")]
        indexes = [models.Index(fields=["run_date", "la_id"], name="la_outbound_date_la")]


class OutboundBundle(models.Model):
    """A ``D-PDPDM-AAAAAA.tar`` placed in an LA's outbox (spec §1, §7): kept in the outbox 30 days (§38) and in
    the archive for ever."""

    la_id = models.CharField(max_length=6)
    run_date = models.DateField()
    name = models.CharField(max_length=40)
    sha256 = models.CharField(max_length=64)
    size = models.BigIntegerField()
    archive_path = models.CharField(max_length=500)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["la_id", "run_date"], name="la_bundle_one_per_day")]
