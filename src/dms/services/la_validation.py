"""Validation of a received LA file at processing time (hb-debt-interface.md §6.1, circular §47-50).

:func:`validate_file` is called by file processing for each file in run order (§5.4), so it sees what
earlier files of the same run did. It finds **every** error in the file and applies nothing. The file is
read twice in a stream (bytes, then XML) and never held whole; checks against the debts DMS holds are made
in bulk, one query per chunk of records (``CHUNK_RECORDS``). :func:`iter_records` streams an accepted file's
records to the code that applies them. A referral file can instead be applied as it is validated, in one
read (``apply_sound``, see :func:`validate_file`): each chunk is handed over once it is checked, while the file
has no error so far, and the caller rolls the application back if the file is not accepted in the end.

Interpretations (docs/la-interface-notes.md):

- A debt "this LA has open with DMS" is a debt of the LA, under that DebtRef, that DMS still holds: any
  status but RETURNED and WITHDRAWN (so OPEN, RECALL_PENDING, SUSPENDED, CLEARED and ESTATE), the debt
  :func:`dms.services.debts.find_held_debt` finds. A CLEARED debt is still held (an LA may revise it up,
  §18), so a referral of its DebtRef is ``DEBT_REF_IN_USE``.
- A debt in its recall holding period (RECALL_PENDING, or with a recall not yet ceased) is open, but a
  revision of it fails as ``DEBT_RECALLED`` (§6.1), and the ``DEBT_REF_IN_USE`` of a referral of its DebtRef
  says to refer it again from the day it ceases (not to revise it). A second recall of it is valid (§6.1 gives
  ``DEBT_RECALLED`` for a revision only, and a recall needs only a debt the LA has open); applying it
  changes nothing (``la_processing._apply_recalls``).
- A recall of a debt DMS returned on a run day after the last run completed when the file was received
  (:func:`unseen_from`): earlier in the run that processes it (a death the life events step applied, a
  holding period that ended, a referral returned at once), or on an earlier day of the same catch-up run, is
  valid (**Decision**): the return's cessation is in a bundle made after the file was received, so the LA
  could not have known the debt had gone. Applying it changes nothing; its NINO is still checked. A recall
  of a debt returned by a run the LA had the bundle of, and a revision of one returned on any day, are
  ``UNKNOWN_DEBT_REF``.
- ``DEPENDS_ON_FAILED_REFERRAL``: a revision or recall of a DebtRef the LA does not have open, where the
  DebtRef appears in a referral file of the LA that failed and whose name has no accepted file since (no
  accepted corrected resubmission, §48-49), or in a referral file of a tar of the LA refused whole (§5.1) that
  has not been sent again since (its DebtRefs read from the kept tar, nothing applied), received after the
  last referral of a debt under that DebtRef that DMS took in (a debt referred again in another file and since returned is the one the record names:
  ``UNKNOWN_DEBT_REF``; the failed file is no longer its referral file). The error names that file; the file's outcome is
  ``DEPENDS_ON_FAILED_REFERRAL`` when that is its only kind of error, else ``INVALID``; ``depends_on`` is
  the first such file named.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import IO

from dms.debts import ACTIVE_STATUSES, DebtStatus
from dms.errors import InvariantBroken
from dms.la_interface.inbound import FileScanner, ScannedRecord
from dms.la_interface.names import FileName, MessageType, parse_inbound_file_name
from dms.la_interface.reading import CHUNK_BYTES, CorruptFile, check_bytes
from dms.la_interface.records import FileError, InboundRecord
from dms.services.la_intake import refused_file_bytes, refused_tar_files
from dms.services.recovery_load import as_date, fetch, in_ids
from dms.settings import get_config
from dms.store.la.models import FileKind, FileState, Outcome, Recall, ReceivedFile, ReceivedTar
from dms.store.models import Creditor

CHUNK_RECORDS = 5_000
NOT_HELD = (DebtStatus.RETURNED, DebtStatus.WITHDRAWN)
CORRUPT_CODES = frozenset({"NOT_WELL_FORMED", "NOT_UTF8", "DTD_FORBIDDEN"})
_DEBT_REF_ELEMENT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?DebtRef>([A-Za-z0-9/-]{1,20})</")


@dataclass
class Validation:
    """What validation decided about one file (spec §4.3, §6.1): ``outcome`` is "" when the file is
    accepted, else an :class:`Outcome` value; ``errors`` lists every error in line order."""

    outcome: str
    errors: list[FileError] = field(default_factory=list)
    record_count: int = 0
    depends_on: str = ""

    @property
    def accepted(self) -> bool:
        return self.outcome == ""


def archived_path(received_file: ReceivedFile) -> Path:
    """Where the file's bytes are kept (spec §5.2)."""
    return get_config().archive_dir / received_file.archive_path


@dataclass(frozen=True, slots=True)
class HeldBefore:
    """A debt this LA held under ``debt_ref`` before the file, that applying the file's earlier chunks has
    returned (a UC_DEBT_LIMIT displacement): validation still sees it as it was (``status``)."""

    debt_ref: str
    debt_id: int
    status: str
    nino: str
    receipt_seq: int


# records of a sound chunk, {(DebtRef, person id): earliest received date} of the LA's debts under those
# DebtRefs that it no longer holds -> the debts the chunk's application returned (HeldBefore)
ApplySound = Callable[[list[InboundRecord], dict[tuple[str, int], date]], list[HeldBefore]]


def validate_file(received_file: ReceivedFile, run_date: date, apply_sound: ApplySound | None = None,
                  chunk_size: int = CHUNK_RECORDS) -> Validation:
    """Every error of ``received_file`` as the debts stood before it (spec §6.1).

    Without ``apply_sound`` nothing is applied. With it (a referral file only), the file is validated and
    applied in one read: each chunk of records, once checked, is handed to ``apply_sound`` (with the earliest
    received date of each of the LA's debts under the chunk's DebtRefs that it no longer holds, per DebtRef
    and person, from the same query as the checks) while no error has
    been found in the file so far (chunks of ``chunk_size`` records), and the scan goes on to the end either way, so every error is still
    found. The caller applies the chunks inside a savepoint and rolls it back unless the file is accepted
    (a file is applied whole or not at all, §6.1). The checks of later chunks are made as the debts stood
    before the file: a debt taken on from an earlier chunk is the file's own (its DebtRef met again is a
    DUPLICATE_DEBT_REF, not DEBT_REF_IN_USE), and a debt of this LA that an earlier chunk returned (the
    :class:`HeldBefore` that ``apply_sound`` reports) is still held.

    A CORRUPT file (not UTF-8, a DTD, not well formed) stops at that error: it cannot be read further."""
    name = parse_inbound_file_name(received_file.name)
    if apply_sound is not None and name.kind != MessageType.REFERRAL:
        raise InvariantBroken(f"{received_file.name}: only a referral file is applied as it is validated")
    path = archived_path(received_file)
    checker = _HeldDebtChecks(name, run_date, unseen_from(received_file))
    scanner = FileScanner(name, build_records=apply_sound is not None)
    database_errors: list[FileError] = []
    try:
        with path.open("rb") as stream:
            check_bytes(stream)
        with path.open("rb", buffering=CHUNK_BYTES) as stream:
            for chunk in scanner.chunks(stream, chunk_size):
                database_errors.extend(checker.check(chunk))
                if apply_sound is not None and not scanner.errors and not database_errors:
                    checker.own_refs.update(s.debt_ref for s in chunk)
                    records = [_valid_record(received_file, scanned) for scanned in chunk]
                    for held in apply_sound(records, checker.no_longer_held):
                        checker.held_before.setdefault(held.debt_ref, []).append(
                            _Held(held.debt_id, held.status, held.nino, held.receipt_seq))
    except CorruptFile as corrupt:
        return Validation(Outcome.CORRUPT.value, [corrupt.error], 0)
    errors = sorted(scanner.errors + database_errors, key=lambda e: e.line)
    return Validation(_outcome(errors), errors, scanner.record_count, checker.depends_on)


def _outcome(errors: list[FileError]) -> str:
    if not errors:
        return ""
    if any(e.code in CORRUPT_CODES for e in errors):
        return Outcome.CORRUPT.value
    if all(e.code == "DEPENDS_ON_FAILED_REFERRAL" for e in errors):
        return Outcome.DEPENDS_ON_FAILED_REFERRAL.value
    return Outcome.INVALID.value


def iter_records(received_file: ReceivedFile, chunk_size: int = CHUNK_RECORDS) -> Iterator[list[InboundRecord]]:
    """The records of an accepted (validated) file, in file order, in lists of at most ``chunk_size``.
    Reads the file in a stream; a record that does not read as valid breaks an invariant (the file was
    validated first) and raises."""
    name = parse_inbound_file_name(received_file.name)
    scanner = FileScanner(name)
    try:
        with archived_path(received_file).open("rb", buffering=CHUNK_BYTES) as stream:
            for chunk in scanner.chunks(stream, chunk_size):
                yield [_valid_record(received_file, scanned) for scanned in chunk]
    except CorruptFile as corrupt:
        raise InvariantBroken(f"{received_file.name} was taken as valid but {corrupt.error.message}") from None


def _valid_record(received_file: ReceivedFile, scanned: ScannedRecord) -> InboundRecord:
    if scanned.record is None or scanned.errors:
        raise InvariantBroken(f"{received_file.name} line {scanned.line}: the record is not valid "
                              f"({scanned.errors[0].message if scanned.errors else 'unreadable'}); validate first")
    return scanned.record


# ------------------------------------------------------------------------------------------------ debts


@dataclass(frozen=True, slots=True)
class _Held:
    debt_id: int
    status: str
    nino: str
    receipt_seq: int


class _HeldDebtChecks:
    """The checks of §6.1 against the debts the LA has with DMS, made chunk by chunk in bulk."""

    def __init__(self, name: FileName, run_date: date, unseen_from: date) -> None:
        self.name = name
        self.run_date = run_date
        self.unseen_from = unseen_from  # the first run day whose bundle the LA could not have had (unseen_from)
        self.creditor_id = Creditor.objects.filter(la_id=name.la_id).values_list("pk", flat=True).first()
        self.depends_on = ""
        self._failed_refs: dict[str, list[FailedReferral]] | None = None
        # {DebtRef: the latest date DMS received a referral of a debt under it} of the last chunk's DebtRefs whose
        # debts are no longer held: a failed referral file received by then is not the one they depend on
        self.last_referred: dict[str, date] = {}
        self.own_refs: set[str] = set()  # DebtRefs of debts this file has taken on (applied as validated)
        # {(DebtRef, person id): earliest received date} of the last chunk's debts no longer held (returned or
        # withdrawn), read by the same query: what a referral needs to know of earlier referrals (§6.4)
        self.no_longer_held: dict[tuple[str, int], date] = {}
        self.held_before: dict[str, list[_Held]] = {}  # this LA's debts held before the file, since returned

    def check(self, chunk: list[ScannedRecord]) -> list[FileError]:
        refs = {s.debt_ref for s in chunk if s.debt_ref}
        held = self._held(refs)
        if self.name.kind == MessageType.REFERRAL:
            holding = self._recall_holding(held.values())
            return [e for s in chunk if (e := self._referral(s, held, holding)) is not None]
        recalled = self._recall_holding(held.values()) if self.name.kind == MessageType.REVISION else {}
        errors: list[FileError] = []
        for scanned in chunk:
            errors.extend(self._change(scanned, held, recalled))
        return errors

    def _held(self, refs: set[str]) -> dict[str, _Held]:
        """The held debt under each DebtRef (one query): the active one if any, else the newest, as
        ``find_held_debt`` chooses. For a recall file, a DebtRef with none names the debt under it DMS
        returned by a run day the LA had no bundle of when it sent the file, if any
        (:func:`returned_unknown_to_the_la`)."""
        refs -= self.own_refs
        self.no_longer_held = {}
        self.last_referred = {}
        if not refs or self.creditor_id is None:
            return {}
        cond, params = in_ids("d.creditor_ref", sorted(refs))
        rows = fetch(
            "SELECT d.creditor_ref, d.id, d.status, p.nino, d.receipt_seq, d.person_id, d.received_on, "
            "d.referral_received_on, d.status_date FROM dms_debt d "
            f"JOIN dms_person p ON p.id = d.person_id WHERE d.creditor_id = %s AND {cond}", [self.creditor_id, *params])
        candidates: list[tuple[str, _Held]] = []
        first, last = self.no_longer_held, self.last_referred
        recall = self.name.kind == MessageType.RECALL
        for ref, debt_id, status, nino, seq, person_id, received_on, referral_received_on, status_on in rows:
            if status in NOT_HELD:
                received = as_date(received_on)
                if (ref, person_id) not in first or received < first[ref, person_id]:
                    first[ref, person_id] = received
                referred = as_date(referral_received_on) if referral_received_on is not None else received
                if ref not in last or referred > last[ref]:
                    last[ref] = referred
                if recall and returned_unknown_to_the_la(status, as_date(status_on), self.unseen_from):
                    candidates.append((ref, _Held(debt_id, status, nino, seq)))
            else:
                candidates.append((ref, _Held(debt_id, status, nino, seq)))
        candidates += [(ref, held) for ref in refs & self.held_before.keys() for held in self.held_before[ref]]
        chosen: dict[str, _Held] = {}
        for ref, candidate in candidates:
            current = chosen.get(ref)
            if current is None or _rank(candidate) > _rank(current):
                chosen[ref] = candidate
        return chosen

    def _recall_holding(self, held: Iterable[_Held]) -> dict[int, date]:
        """Debts in their recall holding period (status RECALL_PENDING or a recall not yet ceased), with
        the day they cease (one query)."""
        ids = [h.debt_id for h in held]
        result: dict[int, date] = {}
        if ids:
            recalls = Recall.objects.filter(debt_id__in=ids, ceased=False, recalled_on__lte=self.run_date)
            for debt_id, ceases_on in recalls.values_list("debt_id", "ceases_on"):
                result[debt_id] = ceases_on
        for h in held:
            if h.status == DebtStatus.RECALL_PENDING and h.debt_id not in result:
                result[h.debt_id] = self.run_date
        return result

    def _referral(self, scanned: ScannedRecord, held: dict[str, _Held], recalled: dict[int, date]
                  ) -> FileError | None:
        """DEBT_REF_IN_USE (spec §3.1): the DebtRef names a debt this LA still has with DMS. The message's
        advice (§4.3: how to put it right) follows the debt: one in its recall holding period (``recalled``,
        with the day it ceases) cannot be revised (§6.1 ``DEBT_RECALLED``), and its DebtRef may be referred
        again from the day it ceases (the daily run returns it before that day's files,
        docs/la-interface-notes.md "A recall ceases before the day's LA files"); any other is revised."""
        debt = held.get(scanned.debt_ref)
        if debt is None:
            return None
        ceases_on = recalled.get(debt.debt_id)
        if ceases_on is not None:
            advice = (f", in its recall holding period (it ceases on {ceases_on}); refer it again from "
                      f"{ceases_on}, the day it ceases, or refer the new debt under a new DebtRef")
        else:
            advice = (f" (status {debt.status}); revise that debt with a revision file, or refer the new "
                      "debt under a new DebtRef")
        return FileError("DEBT_REF_IN_USE", f"DebtRef {scanned.debt_ref} is a debt this LA already has with "
                         f"DMS{advice}", scanned.debt_ref_line, scanned.debt_ref, "DebtRef")

    def _change(self, scanned: ScannedRecord, held: dict[str, _Held], recalled: dict[int, date]
                ) -> list[FileError]:
        """UNKNOWN_DEBT_REF, DEPENDS_ON_FAILED_REFERRAL and NINO_MISMATCH of a revision or recall, and
        DEBT_RECALLED of a revision (spec §3.2, §3.3, §6.1: "a revision of a debt in its recall holding
        period"; ``recalled`` is empty for a recall file, whose recall of such a debt is valid)."""
        if not scanned.debt_ref or _faulty(scanned, "DebtRef"):
            return []  # one faulty value, one error: a DebtRef the schema refused is not looked up
        debt = held.get(scanned.debt_ref)
        if debt is None:
            return [self._unknown(scanned)]
        errors: list[FileError] = []
        if scanned.nino and debt.nino != scanned.nino and not _faulty(scanned, "NINO"):
            errors.append(FileError("NINO_MISMATCH", f"DebtRef {scanned.debt_ref} is owed by another person, not "
                                    f"NINO {scanned.nino}; correct the NINO or the DebtRef",
                                    scanned.nino_line,
                                    scanned.debt_ref, "NINO"))
        if debt.debt_id in recalled:
            errors.append(FileError("DEBT_RECALLED", f"DebtRef {scanned.debt_ref} is in its recall holding period "
                                    f"(it ceases on {recalled[debt.debt_id]}) and cannot be revised; remove the "
                                    "record", scanned.debt_ref_line, scanned.debt_ref, "DebtRef"))
        return errors

    def _unknown(self, scanned: ScannedRecord) -> FileError:
        failed = self._depended_on(scanned.debt_ref)
        if failed is not None:
            failed_file = failed.file_name
            self.depends_on = self.depends_on or failed_file
            if failed.refused_tar:
                what = (f"in the tar {failed.refused_tar} refused on {failed.received_on}, nothing of which was "
                        f"taken in; send {failed_file} again (put right if need be) in a later tar first, under "
                        "its own name")
            else:
                what = f"which failed and has not been corrected; send the corrected {failed_file} first"
            return FileError("DEPENDS_ON_FAILED_REFERRAL", f"DebtRef {scanned.debt_ref} was referred in "
                             f"{failed_file}, {what}, then send this file again under the same name, unchanged "
                             "if nothing else in it is wrong (circular §49)", scanned.debt_ref_line,
                             scanned.debt_ref, "DebtRef")
        return FileError("UNKNOWN_DEBT_REF", f"DebtRef {scanned.debt_ref} is not a debt this LA has open with DMS; "
                         "correct the DebtRef, or remove the record if the debt was returned or never referred",
                         scanned.debt_ref_line, scanned.debt_ref, "DebtRef")

    def _depended_on(self, debt_ref: str) -> FailedReferral | None:
        """The failed, uncorrected referral file a revision or recall of ``debt_ref`` (not held) depends on
        (§6.1, circular §49: "a debt whose referral file failed"), a file of a refused tar included: the first
        such file naming it that DMS received after the last referral of a debt under it it took in (none:
        that debt, since returned or withdrawn, is the one the record names, ``UNKNOWN_DEBT_REF``)."""
        if self._failed_refs is None:
            self._failed_refs = failed_referral_refs(self.name.la_id)
        since = self.last_referred.get(debt_ref)
        for failed in self._failed_refs.get(debt_ref, ()):
            if since is None or failed.received_on > since:
                return failed
        return None


def _rank(held: _Held) -> tuple[bool, bool, int]:
    return held.status not in NOT_HELD, held.status in ACTIVE_STATUSES, held.receipt_seq


def unseen_from(received_file: ReceivedFile) -> date:
    """The first run day whose bundle the LA could not have had when it sent ``received_file`` (spec §5.4, §7:
    a day's cessations reach the LA in that day's bundle, made by its run): the day after the last daily run
    completed when DMS received the file's tar (``ReceivedTar.runs_completed_through``; the received-date rule
    of ``dms la receive`` puts the received date after it), or any day when none had completed
    (docs/la-interface-notes.md "A return the LA could not have known of", Decision)."""
    through = (ReceivedTar.objects.filter(pk=received_file.tar_id)
               .values_list("runs_completed_through", flat=True).first())
    return through + timedelta(days=1) if through is not None else date.min


def returned_unknown_to_the_la(status: str, status_date: date, unseen_from: date) -> bool:
    """Whether a debt no longer held is one DMS returned on a run day on or after ``unseen_from``
    (:func:`unseen_from`), whose cessation is in a bundle made after the LA's file was received: earlier in
    the run that processes the file (the life events step, a holding period that ended, a referral returned
    at once or displaced) or on an earlier day of the same catch-up run. The LA could not have known the debt
    had gone: a recall of it is valid and changes nothing (spec §6.1, §3.3; docs/la-interface-notes.md "A
    recall of a debt DMS returned that day" and "A return the LA could not have known of", Decisions;
    ``la_processing._apply_recalls``)."""
    return status == DebtStatus.RETURNED and status_date >= unseen_from


@dataclass(frozen=True, slots=True)
class FailedReferral:
    """A failed referral file a revision or recall may depend on (§6.1, circular §49): its name, the date DMS
    received it, and for a file of a tar refused whole (never taken in) that tar's name ("" otherwise)."""

    received_on: date
    file_name: str
    refused_tar: str = ""


def failed_referral_refs(la_id: str) -> dict[str, list[FailedReferral]]:
    """DebtRef -> the failed referral files naming it, in the order received, over the LA's referral files
    that failed and whose name has no accepted file (not yet corrected, §48-49), and the referral files of
    its tars refused whole (§5.1, reported CORRUPT: ``la_intake.refused_tar_files``) of a name not taken in
    since (not yet sent again; once it is, the file taken in decides). The DebtRefs are read from the kept
    bytes, so even a file that could not be parsed (CORRUPT) names the debts it held; nothing of them is
    applied."""
    referrals = list(ReceivedFile.objects.filter(la_id=la_id, kind=FileKind.REFERRAL).exclude(
        state=FileState.IGNORED).order_by("seq").values_list("name", "state", "sha256", "archive_path", "received_on"))
    corrected = {row[0] for row in referrals if row[1] == FileState.ACCEPTED}
    found: list[tuple[FailedReferral, frozenset[str]]] = []
    archive = get_config().archive_dir
    for file_name, state, sha256, archive_path, received_on in referrals:
        if state == FileState.FAILED and file_name not in corrected:
            found.append((FailedReferral(received_on, file_name),
                          _debt_refs_in(str(archive / archive_path), sha256)))
    taken_in = {row[0] for row in referrals}
    for sent in refused_tar_files(la_id):
        if sent.name.kind == MessageType.REFERRAL and str(sent.name) not in taken_in:
            found.append((FailedReferral(sent.tar_received_on, str(sent.name), sent.tar_name),
                          _debt_refs_in_refused(str(sent.tar_path), sent.tar_sha256, sent.member)))
    found.sort(key=lambda pair: pair[0].received_on)  # stable: receipt order within a date
    refs: dict[str, list[FailedReferral]] = {}
    for failed_referral, debt_refs in found:
        for ref in debt_refs:
            refs.setdefault(ref, []).append(failed_referral)
    return refs


def recall_names(received_file: ReceivedFile) -> frozenset[tuple[str, str]]:
    """The (DebtRef, NINO) of every record of a recall file, as read, before it is processed: what a
    referral processed earlier the same day needs to know of the debts the file recalls (the sixth UC debt,
    ``la_processing.recalled_today``). None for a file whose own checks fail (CORRUPT, a schema or header
    error, a repeated DebtRef): it will fail and recall nothing. A file that passes them may still fail
    against the debts (an unknown DebtRef, a NINO that does not match), which ``recalled_today`` checks
    (:func:`validate_file`) for a file naming a claimant it decides on; then the debts it named simply stay
    held."""
    return _recall_names_in(str(archived_path(received_file)), received_file.sha256, received_file.name)


@lru_cache(maxsize=256)
def _recall_names_in(path: str, sha256: str, name: str) -> frozenset[tuple[str, str]]:
    """:func:`recall_names` of the kept file (bytes never change: cached by content hash), read as
    :func:`validate_file` reads it, in a stream."""
    scanner = FileScanner(parse_inbound_file_name(name), build_records=False)
    names: set[tuple[str, str]] = set()
    try:
        with open(path, "rb") as stream:
            check_bytes(stream)
        with open(path, "rb", buffering=CHUNK_BYTES) as stream:
            for chunk in scanner.chunks(stream, CHUNK_RECORDS):
                names.update((s.debt_ref, s.nino) for s in chunk)
    except CorruptFile:
        return frozenset()
    return frozenset() if scanner.errors else frozenset(names)


@lru_cache(maxsize=256)
def _debt_refs_in(path: str, sha256: str) -> frozenset[str]:
    """Every DebtRef element's text in the kept file (bytes never change: cached by content hash)."""
    with open(path, "rb") as stream:
        return _debt_refs_read(stream)


@lru_cache(maxsize=256)
def _debt_refs_in_refused(tar_path: str, tar_sha256: str, member: str) -> frozenset[str]:
    """Every DebtRef element's text in a refused tar's file, read from the kept tar (its bytes never change:
    cached by the tar's content hash and the member), through ``extractfile``, nothing written or applied."""
    with refused_file_bytes(Path(tar_path), member) as stream:
        return _debt_refs_read(stream)


def _debt_refs_read(stream: IO[bytes]) -> frozenset[str]:
    """Every DebtRef element's text in ``stream``, read in chunks with an overlap, so memory does not grow
    with the file."""
    refs: set[str] = set()
    overlap = 64
    tail = b""
    while chunk := stream.read(CHUNK_BYTES):
        window = tail + chunk
        refs.update(m.decode("ascii") for m in _DEBT_REF_ELEMENT.findall(window))
        tail = window[-overlap:]
    return frozenset(refs)


def _faulty(scanned: ScannedRecord, field: str) -> bool:
    """Whether the record already has an error about its ``field`` (a BAD_NINO, a SCHEMA error of the
    DebtRef): docs/la-interface-notes.md, a value the schema refuses is one error, not read for the rules
    built on it. A DUPLICATE_DEBT_REF is not a fault of the value: the repeated DebtRef is still checked
    against the debt it names (its NINO_MISMATCH is an error of its own, spec §4.3: every error)."""
    return any(error.field == field and error.code != "DUPLICATE_DEBT_REF" for error in scanned.errors)
