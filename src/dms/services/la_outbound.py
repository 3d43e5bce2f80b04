"""The LA outbound step of the daily run (hb-debt-interface.md §1, §4, §7): each run date D gives, per LA with
anything to say, that day's cessation file (``DMCES``), failure notice (``DMREJ``) and, on the first working
day of a month, the payment schedule that day's month-end wrote (``DMSCH``), bundled in
``D-PDPDM-AAAAAA.tar`` in the LA's outbox, with a copy kept in the archive for ever.

Where the files live (under ``DMS_DATA_DIR``):
- ``outbox/<LAID>/D-PDPDM-<LAID>.tar``: what the LA collects; kept 30 days (§7, circular §38);
- ``archive/outbound/<LAID>/``: DMS's copy of every bundle and of every cessation file and failure notice
  (never removed); the schedules stay where the month-end wrote them (``schedules/YYYY-MM/``).

Reporting: a cessation is reported once, by the first run date on or after its cessation date (or a later
one, when an LA's cessations of a day would pass the 99999999.99 its file's TotalAmount may say); a failed or
superseded file once, by the first run date on or after the date it was decided; a refused tar once, by the
first run date on or after it was received, once its LA is registered, unless a tar of the same name has
been taken in since (the same tar received again once its LA was registered, or the tar sent again put right:
hb-debt-interface.md §4.3, §5; its files are being processed, and telling the LA the tar was refused would only
have it send them again). Each row's ``reported_on`` is set to
the run date that reports it, in the same transaction as the bundle's record, so a failed run reports
nothing and the next one reports it.

Idempotent: the rows a date reports are those marked with that date, so running the step again for the same
date writes the same files and the same tar (deterministic bytes) and records nothing new; a recorded bundle
whose tar would now differ is refused (the data it reported has changed).
"""

from __future__ import annotations

import sys
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, Sum

from dms.errors import InvariantBroken
from dms.la_interface import outbound
from dms.la_interface.names import BadName, BundleType, MessageType, parse_file_name, parse_tar_name
from dms.settings import get_config
from dms.store.la.models import Cessation, FileState, OutboundBundle, OutboundFile, ReceivedFile, ReceivedTar
from dms.store.models import Creditor, CreditorKind

OUTBOX_DAYS = 30  # §7, circular §38: a bundle stays in the LA's outbox 30 days
ARCHIVE_AREA = "outbound"
_FETCH = 2_000


def outbox_dir(la_id: str) -> Path:
    """The LA's outbox: ``<data dir>/outbox/<LAID>``."""
    return get_config().outbox_dir / la_id


def archive_dir(la_id: str) -> Path:
    """DMS's copy of what it sent the LA: ``<data dir>/archive/outbound/<LAID>``."""
    return get_config().archive_dir / ARCHIVE_AREA / la_id


def in_outbox(bundle_run_date: date, as_of: date) -> bool:
    """A bundle is in the LA's outbox on the 30 days from its run date: run dates in (as_of − 30, as_of]
    (hb-debt-interface.md §7, circular §38)."""
    return as_of - timedelta(days=OUTBOX_DAYS) < bundle_run_date <= as_of


# ------------------------------------------------------------------------------------------------ marking


def _registered_las() -> set[str]:
    return set(Creditor.objects.filter(kind=CreditorKind.LA).values_list("la_id", flat=True))


def _mark_reported(run_date: date, registered: set[str]) -> None:
    """Mark with ``run_date`` everything not yet reported that this date reports (module docstring)."""
    _mark_cessations_reported(run_date)
    ReceivedFile.objects.filter(
        Q(processed_on__lte=run_date) | Q(processed_on__isnull=True, received_on__lte=run_date),
        state__in=[FileState.FAILED, FileState.SUPERSEDED], reported_on__isnull=True,
    ).update(reported_on=run_date)
    # hb-debt-interface.md §4.3 (how to put it right), §5: a refusal replaced before it is reported is not reported
    taken_in_since = ReceivedTar.objects.filter(accepted=True, name=OuterRef("name"), pk__gt=OuterRef("pk"))
    ReceivedTar.objects.filter(accepted=False, reported_on__isnull=True, received_on__lte=run_date,
                               la_id__in=sorted(registered)).exclude(Exists(taken_in_since)).update(
        reported_on=run_date)


def _mark_cessations_reported(run_date: date) -> None:
    """Every cessation not yet reported dated on or before ``run_date``, except where an LA's day would come
    to more than its cessation file's TotalAmount may say (99999999.99, hb-debt-interface.md §2): then as
    many as fit, in the file's order, and the rest wait for the next run
    (:func:`dms.la_interface.outbound.cessations_that_fit`). A date run again marks nothing more: its own
    cessations already fill its file."""
    due = Cessation.objects.filter(reported_on__isnull=True, cessation_date__lte=run_date)
    totals: dict[str, int] = defaultdict(int)
    for rows in (due, Cessation.objects.filter(reported_on=run_date)):
        for la_id, total in rows.values("la_id").annotate(total=Sum("balance_returned_pence")).values_list(
                "la_id", "total"):
            totals[la_id] += int(total)
    over = sorted(la_id for la_id, total in totals.items() if total > outbound.MAX_MONEY_PENCE)
    due.exclude(la_id__in=over).update(reported_on=run_date)
    for la_id in over:
        carried = Cessation.objects.filter(la_id=la_id, reported_on=run_date).aggregate(
            total=Sum("balance_returned_pence"))["total"] or 0
        in_order = list(due.filter(la_id=la_id).order_by("cessation_date", "debt_ref", "id")
                        .values_list("id", "balance_returned_pence"))
        fitting = outbound.cessations_that_fit(in_order, int(carried))
        for start in range(0, len(fitting), _FETCH):
            Cessation.objects.filter(pk__in=fitting[start:start + _FETCH]).update(reported_on=run_date)


# ------------------------------------------------------------------------------------------------ records


def _cessations(la_id: str, run_date: date) -> Iterator[outbound.CessationRecord]:
    rows = (Cessation.objects.filter(la_id=la_id, reported_on=run_date)
            .order_by("cessation_date", "debt_ref", "id")
            .values_list("debt_ref", "nino", "referral_received_date", "cessation_date", "reason",
                         "balance_returned_pence", "amount_recovered_pence"))
    for row in rows.iterator(chunk_size=_FETCH):
        yield outbound.CessationRecord(*row)


def _errors_of(errors: list[dict[str, Any]]) -> tuple[outbound.ErrorRecord, ...]:
    return tuple(
        outbound.ErrorRecord(str(e.get("code", "")), str(e.get("message") or ""), int(e.get("line") or 0),
                             e.get("debt_ref") or None, e.get("field") or None)
        for e in errors
    )


def _tar_errors(problems: list[dict[str, Any]]) -> tuple[outbound.ErrorRecord, ...]:
    """A refused tar's problems as errors: ``TAR_*`` codes, Line 0, the member named in the message
    (docs/la-interface-notes.md, "Error codes of a refused tar")."""
    return tuple(outbound.ErrorRecord(str(p["code"]), str(p.get("message") or p["code"]), 0) for p in problems)


def _failed(la_id: str, run_date: date) -> Iterator[outbound.FailedFileRecord]:
    """The LA's refused tars and failed or superseded files reported on ``run_date``: by received date, a
    tar before the files received that day, then receipt order; each file's errors in the order kept (by
    line)."""
    found: list[tuple[tuple[date, int, int], outbound.FailedFileRecord]] = []
    for tar in ReceivedTar.objects.filter(la_id=la_id, reported_on=run_date, accepted=False).order_by("id"):
        record = outbound.FailedFileRecord(tar.name, tar.sha256, tar.received_on, "CORRUPT",
                                           _tar_errors(tar.problems))
        found.append(((tar.received_on, 0, tar.id), record))
    files = ReceivedFile.objects.filter(la_id=la_id, reported_on=run_date,
                                        state__in=[FileState.FAILED, FileState.SUPERSEDED]).order_by("seq")
    for file in files:
        if not file.outcome or not file.errors:
            raise InvariantBroken(f"received file {file.name} (id {file.pk}) is {file.state} with no outcome or "
                                  "no errors: nothing can be reported to the LA")
        record = outbound.FailedFileRecord(file.name, file.sha256, file.received_on, file.outcome,
                                           _errors_of(file.errors))
        found.append(((file.received_on, 1, file.seq), record))
    found.sort(key=lambda pair: pair[0])
    for _, record in found:
        yield record


def _schedules(run_date: date) -> dict[str, Path]:
    """The payment schedules the month-end of ``run_date`` wrote, by LA (hb-debt-interface.md §7)."""
    from dms.services.payments import schedule_paths

    found: dict[str, Path] = {}
    for path in schedule_paths(run_date):
        name = parse_file_name(path.name)
        if name.kind != MessageType.SCHEDULE or name.creation_date != run_date:
            raise InvariantBroken(f"the month-end of {run_date} recorded {path.name}, not a schedule of that date")
        if not path.is_file():
            raise InvariantBroken(f"the payment schedule {path} recorded by the month-end of {run_date} is missing")
        found[name.la_id] = path
    return found


# ------------------------------------------------------------------------------------------------ the step


@dataclass
class _Counts:
    bundles: int = 0
    cessations: int = 0
    failed_files: int = 0
    schedules: int = 0
    removed_from_outbox: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


def outbound_step(run_date: date) -> dict[str, int]:
    """The ``outbound`` step of the daily run for ``run_date`` (hb-debt-interface.md §7): for each LA with
    anything to say, the day's cessations, failure notice and (on the first working day of a month) payment
    schedule, each recorded as an :class:`OutboundFile`, bundled in ``D-PDPDM-AAAAAA.tar`` in the LA's outbox
    and the archive and recorded as an :class:`OutboundBundle`; then bundles 30 days old leave the outbox.
    One transaction; safe to run twice (the same bytes, nothing recorded twice)."""
    counts = _Counts()
    with transaction.atomic():
        registered = _registered_las()
        _mark_reported(run_date, registered)
        schedules = _schedules(run_date)
        las = set(schedules)
        las.update(Cessation.objects.filter(reported_on=run_date).values_list("la_id", flat=True).distinct())
        las.update(ReceivedFile.objects.filter(reported_on=run_date, state__in=[FileState.FAILED,
                                                                                  FileState.SUPERSEDED])
                   .values_list("la_id", flat=True).distinct())
        las.update(ReceivedTar.objects.filter(reported_on=run_date, accepted=False)
                   .values_list("la_id", flat=True).distinct())
        for la_id in sorted(las):
            _bundle_for(la_id, run_date, schedules.get(la_id), counts)
    counts.removed_from_outbox = remove_expired(run_date)
    place_missing_bundles(run_date)
    return counts.as_dict()


def _bundle_for(la_id: str, run_date: date, schedule: Path | None, counts: _Counts) -> None:
    files_dir = archive_dir(la_id)
    members: list[tuple[MessageType, Path, str]] = []
    if Cessation.objects.filter(la_id=la_id, reported_on=run_date).exists():
        written = outbound.write_cessation_file(files_dir, la_id, run_date, _cessations(la_id, run_date))
        outbound.check_valid(MessageType.CESSATION, written.path)
        members.append((MessageType.CESSATION, written.path, written.sha256))
        counts.cessations += written.record_count
    if (ReceivedFile.objects.filter(la_id=la_id, reported_on=run_date).exists()
            or ReceivedTar.objects.filter(la_id=la_id, reported_on=run_date, accepted=False).exists()):
        written = outbound.write_failure_notice(files_dir, la_id, run_date, _failed(la_id, run_date))
        outbound.check_valid(MessageType.FAILURE_NOTICE, written.path)
        members.append((MessageType.FAILURE_NOTICE, written.path, written.sha256))
        counts.failed_files += written.record_count
    if schedule is not None:
        members.append((MessageType.SCHEDULE, schedule, outbound.sha256_of(schedule)))
        counts.schedules += 1
    _record_files(la_id, run_date, members)
    _place_bundle(la_id, run_date, [path for _, path, _ in members])
    counts.bundles += 1


def _record_files(la_id: str, run_date: date, members: list[tuple[MessageType, Path, str]]) -> None:
    for kind, path, sha256 in members:
        existing = OutboundFile.objects.filter(la_id=la_id, name=path.name).first()
        if existing is None:
            OutboundFile.objects.create(la_id=la_id, run_date=run_date, name=path.name, kind=kind.value,
                                        path=str(path), sha256=sha256)
        elif (existing.run_date, existing.sha256) != (run_date, sha256):
            raise InvariantBroken(f"{path.name} for LA {la_id} was recorded on {existing.run_date} with SHA-256 "
                                  f"{existing.sha256}; written again it is {sha256}: what it reports has changed")


def _after_commit(action: Callable[[], None]) -> None:
    """Run ``action`` once the transaction under way has committed (never if it rolls back)."""
    transaction.on_commit(action)


def _into_outbox(archived: Path, placed: Path) -> None:
    """Copy a committed bundle into its LA's outbox. The run has committed, so a failure here (the outbox not
    writable) is a warning, not the run's failure: the bundle is recorded and archived, `dms la outbox` copies
    it from the archive, and the next `dms run` puts it in the outbox (:func:`place_missing_bundles`)."""
    try:
        outbound.copy_atomically(archived, placed)
    except OSError as error:
        print(f"dms run: warning: {placed.name} is recorded and archived but could not be put in the outbox "
              f"{placed.parent} ({error.strerror}); make it writable: the next `dms run` puts it there, and "
              "`dms la outbox` copies it from the archive meanwhile", file=sys.stderr)


def place_missing_bundles(run_date: date) -> int:
    """Put back into its LA's outbox every bundle of an earlier run date still in the outbox on ``run_date``
    (:func:`in_outbox`, §7: 30 days) that is not there: one whose run was stopped between its commit and the
    copy into the outbox. Returns how many were put back (copied from the archive, written before the commit)."""
    placed = 0
    first = run_date - timedelta(days=OUTBOX_DAYS - 1)
    for bundle in OutboundBundle.objects.filter(run_date__gte=first, run_date__lt=run_date).order_by("pk"):
        if not in_outbox(bundle.run_date, run_date):
            continue
        target = outbox_dir(bundle.la_id) / bundle.name
        kept = get_config().archive_dir / bundle.archive_path
        if not target.exists() and kept.is_file() and outbound.sha256_of(kept) == bundle.sha256:
            _into_outbox(kept, target)
            placed += target.exists()
    return placed


def _place_bundle(la_id: str, run_date: date, members: list[Path]) -> None:
    """Write the tar into the archive (atomically) and record it, and copy it into the LA's outbox once the
    run commits; a bundle already recorded for the date must come out byte for byte the same."""
    name = outbound.bundle_name(run_date, la_id)
    archived = archive_dir(la_id) / name
    recorded = OutboundBundle.objects.filter(la_id=la_id, run_date=run_date).first()
    if recorded is not None:
        archive_dir(la_id).mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=archive_dir(la_id), prefix=".check-") as scratch:
            written = outbound.write_bundle(Path(scratch), run_date, la_id, members)
        if written.sha256 != recorded.sha256:
            raise InvariantBroken(f"{name} was recorded with SHA-256 {recorded.sha256}; written again it is "
                                  f"{written.sha256}: what it reports has changed since {run_date}")
        if not archived.is_file() or outbound.sha256_of(archived) != recorded.sha256:
            outbound.write_bundle(archive_dir(la_id), run_date, la_id, members)
    else:
        written = outbound.write_bundle(archive_dir(la_id), run_date, la_id, members)
        recorded = OutboundBundle.objects.create(
            la_id=la_id, run_date=run_date, name=name, sha256=written.sha256, size=written.path.stat().st_size,
            archive_path=str(archived.relative_to(get_config().archive_dir)),
        )
        # The LA collects from its outbox: the bundle goes there only once the run that recorded it has
        # committed, so a run rolled back (killed part way) leaves nothing there that DMS has not recorded.
        placed = outbox_dir(la_id) / name
        _after_commit(lambda: _into_outbox(archived, placed))
    OutboundFile.objects.filter(la_id=la_id, run_date=run_date, name__in=[p.name for p in members],
                                bundle__isnull=True).update(bundle=recorded)


def remove_expired(as_of: date) -> int:
    """Take out of every LA's outbox the bundles no longer in it on ``as_of`` (run date ≤ as_of − 30 days:
    :func:`in_outbox`), but only when the archive holds the same bytes; returns how many were removed."""
    root = get_config().outbox_dir
    if not root.is_dir():
        return 0
    removed = 0
    for la_dir in sorted(p for p in root.iterdir() if p.is_dir()):
        for path in sorted(la_dir.glob("*.tar")):
            try:
                tar = parse_tar_name(path.name, BundleType.DMS_BUNDLE)
            except BadName:
                continue
            if tar.la_id != la_dir.name or in_outbox(tar.tar_date, as_of) or tar.tar_date > as_of:
                continue
            recorded = OutboundBundle.objects.filter(la_id=tar.la_id, run_date=tar.tar_date).first()
            archived = archive_dir(tar.la_id) / path.name
            if recorded is None or not archived.is_file() or outbound.sha256_of(archived) != recorded.sha256:
                continue  # never drop the only copy
            path.unlink()
            removed += 1
    return removed


# ------------------------------------------------------------------------------------------------ collecting


@dataclass(frozen=True)
class CopiedBundle:
    name: str
    run_date: date
    size: int
    sha256: str
    path: Path


def last_completed_run() -> date | None:
    """The last run date the daily run completed (None before the first)."""
    from dms.store.models import RunDay

    return (RunDay.objects.filter(completed=True).order_by("-run_date")
            .values_list("run_date", flat=True).first())


def copy_outbox(la_id: str, out: Path, as_of: date | None = None) -> tuple[date, list[CopiedBundle]]:
    """Copy into ``out`` the bundles in LA ``la_id``'s outbox as of ``as_of`` (default: the last completed
    run date): those with a run date in (as_of − 30 days, as_of] (hb-debt-interface.md §7, circular §38).
    Each is copied from the outbox, or from the archive once it has left the outbox (the same bytes, checked
    against the SHA-256 recorded), through a temporary name. Returns the date used and what was copied."""
    from dms.errors import DmsError, NotFound

    if not Creditor.objects.filter(kind=CreditorKind.LA, la_id=la_id).exists():
        raise NotFound(f"LA {la_id!r} is not registered: check the six-digit LA ID, or register it with "
                       "`dms la add LAID --name NAME --sort-code NNNNNN --account NNNNNNNN`")
    last = last_completed_run()
    if as_of is None:
        if last is None:
            raise DmsError("no daily run has completed yet, so no outbox has anything in it: run "
                           "`dms run --date YYYY-MM-DD` first, or give --date")
        as_of = last
    elif last is None or as_of > last:
        raise DmsError(f"--date {as_of} is after the last completed run ({last or 'none yet'}): the outbox as of "
                       f"that date is not known yet; give a date up to {last or 'the first run date'} or run "
                       f"`dms run --date {as_of}` first")
    bundles = OutboundBundle.objects.filter(
        la_id=la_id, run_date__gt=as_of - timedelta(days=OUTBOX_DAYS), run_date__lte=as_of).order_by("run_date")
    if out.exists() and not out.is_dir():
        raise DmsError(f"--out {out} is a file, not a directory: give a directory (it is created if missing)")
    out.mkdir(parents=True, exist_ok=True)
    copied: list[CopiedBundle] = []
    for bundle in bundles:
        source = _bundle_source(bundle)
        target = out / bundle.name
        outbound.copy_atomically(source, target)
        if outbound.sha256_of(target) != bundle.sha256:
            target.unlink()
            raise InvariantBroken(f"{source} does not have the SHA-256 recorded for {bundle.name} "
                                  f"({bundle.sha256}); it was not copied")
        copied.append(CopiedBundle(bundle.name, bundle.run_date, bundle.size, bundle.sha256, target))
    return as_of, copied


def _bundle_source(bundle: OutboundBundle) -> Path:
    placed = outbox_dir(bundle.la_id) / bundle.name
    if placed.is_file() and outbound.sha256_of(placed) == bundle.sha256:
        return placed
    kept = get_config().archive_dir / bundle.archive_path
    if kept.is_file():
        return kept
    raise InvariantBroken(f"{bundle.name} is recorded but neither the outbox nor the archive "
                          f"({kept}) holds it")
