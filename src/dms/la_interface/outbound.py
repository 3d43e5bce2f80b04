"""The files DMS sends to an LA (hb-debt-interface.md §1, §2, §4, §7): the cessation file (``DMCES``), the
file failure notice (``DMREJ``) and the daily bundle ``YYYYMMDD-PDPDM-AAAAAA.tar`` that carries them with
the month's payment schedule (``DMSCH``, written by ``dms.payments.schedule``).

Writers stream: records go to a temporary file while they are counted and summed, then the header (which
needs the count and total, §2) and the records are written to a second temporary file in the target
directory, flushed to disk and renamed into place, so a reader never sees half a file and memory does not
grow with the records. The text is fixed for given records (no clock, no random), so the same records give
the same bytes. Each file matches its XSD in ``la_interface/xsd/``.

The bundle is deterministic too (:func:`write_bundle`): members sorted by name, every member's mtime the
run date (midnight UTC), uid and gid 0, no user or group names, mode 0644, plain POSIX (ustar) tar, so the
same day's files give the same tar.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tarfile
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import BinaryIO
from xml.sax.saxutils import escape

from lxml import etree

from dms.la_interface.names import BundleType, MessageType, batch_id, file_name, tar_name
from dms.la_interface.schemas import schema
from dms.money import format_pounds

NAMESPACE = "urn:dms:hb-debt:1"
MAX_MONEY_PENCE = 99_999_999_99  # §2: at most 99999999.99

# §6.5 cessation reasons (la_interface/xsd/CessationFile.xsd).
CESSATION_REASONS = frozenset({
    "NO_BENEFIT_IN_PAYMENT", "UC_DEBT_LIMIT", "HB_DEBT_ALREADY_HELD", "OTHER_DWP_RECOVERY", "CLAIM_CEASED",
    "UC_AWARD_ENDED", "DEATH", "LA_RECALL", "MANUAL_RECALL", "INSOLVENCY", "SANCTION", "MISSED_INSTALMENTS",
    "INSUFFICIENT_BENEFIT", "MAXIMUM_DEDUCTIONS",
})
# §4.3 outcomes (la_interface/xsd/FileFailureNotice.xsd).
OUTCOMES = frozenset({"CORRUPT", "INVALID", "DEPENDS_ON_FAILED_REFERRAL", "SUPERSEDED", "DUPLICATE_BATCH"})
FIELD_MAX = 100  # FileFailureNotice.xsd Field maxLength
FILE_NAME_MAX = 255  # FileFailureNotice.xsd FileName maxLength

# Characters XML 1.0 does not allow in a document (a message quoting a faulty file could carry them).
_NOT_XML_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


class OutboundError(ValueError):
    """A record that the outbound file may not carry (a bug upstream: the record says what is wrong)."""


@dataclass(frozen=True, slots=True)
class CessationRecord:
    """One ``Cessation`` (hb-debt-interface.md §4.1)."""

    debt_ref: str
    nino: str
    referral_received_date: date
    cessation_date: date
    reason: str
    balance_returned_pence: int
    amount_recovered_pence: int


@dataclass(frozen=True, slots=True)
class ErrorRecord:
    """One ``Error`` of a failed file (hb-debt-interface.md §4.3): ``line`` 0 means not at a line; ``debt_ref``
    and ``field`` only for an error inside a record."""

    code: str
    message: str
    line: int = 0
    debt_ref: str | None = None
    field: str | None = None


@dataclass(frozen=True, slots=True)
class FailedFileRecord:
    """One ``FailedFile`` (hb-debt-interface.md §4.3): a received file that failed, or a refused tar."""

    file_name: str
    sha256: str
    received_date: date
    outcome: str
    errors: tuple[ErrorRecord, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class WrittenFile:
    """A file written: its name, where, how many records, their total (0 where the type has none), SHA-256."""

    name: str
    path: Path
    record_count: int
    total_pence: int
    sha256: str


# ------------------------------------------------------------------------------------------------ text


def xml_text(value: str) -> str:
    """``value`` as XML character data: markup escaped, and characters XML 1.0 forbids (control
    characters, lone surrogates) written as ``\\xNN`` / ``\\uNNNN`` so the file stays well formed."""
    cleaned = _NOT_XML_CHAR.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100
                                else f"\\u{ord(m.group()):04x}", value)
    return escape(cleaned)


def _money(pence: int, what: str) -> str:
    if not 0 <= pence <= MAX_MONEY_PENCE:
        raise OutboundError(f"{what} {pence}p is outside 0.00 to 99999999.99 (hb-debt-interface.md §2)")
    return format_pounds(pence)


def header_xml(kind: MessageType, la_id: str, creation_date: date, record_count: int,
               total_pence: int | None) -> str:
    """The common ``Header`` (hb-debt-interface.md §2): BatchID = the file name without ``.xml``, LAID,
    CreationDate = the date in the name, RecordCount, and TotalAmount where the type has one."""
    total = "" if total_pence is None else f"<TotalAmount>{_money(total_pence, 'TotalAmount')}</TotalAmount>"
    return (
        f"<Header><BatchID>{batch_id(creation_date, kind, la_id)}</BatchID><LAID>{la_id}</LAID>"
        f"<CreationDate>{creation_date.isoformat()}</CreationDate><RecordCount>{record_count}</RecordCount>"
        f"{total}</Header>\n"
    )


def cessation_xml(record: CessationRecord) -> str:
    """One ``Cessation`` element, children in §4.1's order. BalanceReturned ≥ 0.00 (§4.1, §25)."""
    if record.reason not in CESSATION_REASONS:
        raise OutboundError(f"cessation of {record.debt_ref}: {record.reason!r} is not a §6.5 cessation reason")
    return (
        f"<Cessation><DebtRef>{xml_text(record.debt_ref)}</DebtRef><NINO>{xml_text(record.nino)}</NINO>"
        f"<ReferralReceivedDate>{record.referral_received_date.isoformat()}</ReferralReceivedDate>"
        f"<CessationDate>{record.cessation_date.isoformat()}</CessationDate><Reason>{record.reason}</Reason>"
        f"<BalanceReturned>{_money(record.balance_returned_pence, f'BalanceReturned of {record.debt_ref}')}"
        "</BalanceReturned>"
        f"<AmountRecovered>{_money(record.amount_recovered_pence, f'AmountRecovered of {record.debt_ref}')}"
        "</AmountRecovered></Cessation>\n"
    )


def error_xml(error: ErrorRecord) -> str:
    """One ``Error`` (§4.3): Code, Message, Line, then DebtRef and Field when the error is inside a record."""
    message = error.message.strip() or error.code
    debt_ref = "" if not error.debt_ref else f"<DebtRef>{xml_text(error.debt_ref)}</DebtRef>"
    field_at_fault = "" if not error.field else f"<Field>{xml_text(error.field[:FIELD_MAX])}</Field>"
    if error.line < 0:
        raise OutboundError(f"error {error.code}: line {error.line} is negative")
    return (
        f"<Error><Code>{xml_text(error.code)}</Code><Message>{xml_text(message)}</Message>"
        f"<Line>{error.line}</Line>{debt_ref}{field_at_fault}</Error>"
    )


def failed_file_xml(record: FailedFileRecord) -> str:
    """One ``FailedFile`` with **every** error found (§4.3)."""
    if record.outcome not in OUTCOMES:
        raise OutboundError(f"failed file {record.file_name}: {record.outcome!r} is not a §4.3 outcome")
    if not record.errors:
        raise OutboundError(f"failed file {record.file_name} ({record.outcome}) has no error to report")
    if not re.fullmatch(r"[0-9a-f]{64}", record.sha256):
        raise OutboundError(f"failed file {record.file_name}: {record.sha256!r} is not a SHA-256 in hex")
    name = record.file_name[:FILE_NAME_MAX] or "(no name)"
    errors = "".join(error_xml(error) for error in record.errors)
    return (
        f"<FailedFile><FileName>{xml_text(name)}</FileName><SHA256>{record.sha256}</SHA256>"
        f"<ReceivedDate>{record.received_date.isoformat()}</ReceivedDate><Outcome>{record.outcome}</Outcome>"
        f"{errors}</FailedFile>\n"
    )


# ------------------------------------------------------------------------------------------------ files


def _fsync_directory(directory: Path) -> None:
    try:
        handle = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)


def _place(temporary: Path, target: Path) -> None:
    """Rename a written temporary file into place, with the permissions a file created normally has (the
    temporary one is private to its writer): the LA's pickup may run as another user."""
    os.chmod(temporary, file_mode())
    os.replace(temporary, target)
    _fsync_directory(target.parent)


def file_mode() -> int:
    """0o666 less the process's umask: the mode ``open()`` gives a new file."""
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_file(directory: Path, kind: MessageType, root: str, la_id: str, creation_date: date,
                bodies: Iterator[tuple[str, int]], with_total: bool) -> WrittenFile:
    """Write ``<root>`` with its header and the records' text (each with its amount) atomically into
    ``directory``; returns what was written."""
    directory.mkdir(parents=True, exist_ok=True)
    name = file_name(creation_date, kind, la_id)
    count = total = 0
    with tempfile.TemporaryFile("w+", encoding="utf-8", newline="\n", dir=directory) as body:
        for text, amount in bodies:
            body.write(text)
            count += 1
            total += amount
        body.seek(0)
        handle, temporary = temporary_in(directory, ".xml")
        try:
            with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
                out.write(f'<?xml version="1.0" encoding="UTF-8"?>\n<{root} xmlns="{NAMESPACE}">\n')
                out.write(header_xml(kind, la_id, creation_date, count, total if with_total else None))
                shutil.copyfileobj(body, out, 1 << 20)
                out.write(f"</{root}>\n")
                out.flush()
                os.fsync(out.fileno())
            _place(Path(temporary), directory / name)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    path = directory / name
    return WrittenFile(name, path, count, total if with_total else 0, sha256_of(path))


def write_cessation_file(directory: Path, la_id: str, creation_date: date,
                         records: Iterable[CessationRecord]) -> WrittenFile:
    """``YYYYMMDD-DMCES-AAAAAA.xml`` (hb-debt-interface.md §4.1): one ``Cessation`` per record in the order
    given; header ``TotalAmount`` = the sum of ``BalanceReturned``. At least one record (the XSD needs one)."""
    written = _write_file(directory, MessageType.CESSATION, "CessationFile", la_id, creation_date,
                          ((cessation_xml(r), r.balance_returned_pence) for r in records), with_total=True)
    _check_not_empty(written)
    return written


def cessations_that_fit(balances: Iterable[tuple[int, int]], carried_pence: int = 0) -> list[int]:
    """The cessations a day's cessation file can carry, from ``balances`` (``(id, BalanceReturned pence)`` in
    the file's order) when it already carries ``carried_pence``: each in turn while the header's
    ``TotalAmount`` stays within the schema's 99999999.99 (hb-debt-interface.md §2, §4.1; one cessation file
    per LA and date, §1), stopping at the first that would pass it; the rest wait, in the same order, for
    the next run's file (docs/la-interface-notes.md, "Which cessations a date reports"). A file carrying
    nothing yet takes its first cessation whatever its amount, so every run reports at least one."""
    taken: list[int] = []
    total = carried_pence
    for cessation_id, balance in balances:
        if total + balance > MAX_MONEY_PENCE and (taken or carried_pence):
            break
        taken.append(cessation_id)
        total += balance
    return taken


def write_failure_notice(directory: Path, la_id: str, creation_date: date,
                         records: Iterable[FailedFileRecord]) -> WrittenFile:
    """``YYYYMMDD-DMREJ-AAAAAA.xml`` (hb-debt-interface.md §4.3): one ``FailedFile`` per record, each with
    every one of its errors; no ``TotalAmount``. At least one record."""
    written = _write_file(directory, MessageType.FAILURE_NOTICE, "FileFailureNotice", la_id, creation_date,
                          ((failed_file_xml(r), 0) for r in records), with_total=False)
    _check_not_empty(written)
    return written


def check_valid(kind: MessageType, path: Path) -> None:
    """Refuse to send a file that does not match its own XSD (hb-debt-interface.md §2-4): raises
    :class:`OutboundError` naming each schema error with its line."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)
    checker = schema(kind)
    if not checker.validate(etree.parse(str(path), parser)):
        problems = "; ".join(f"line {e.line}: {e.message}" for e in list(checker.error_log)[:10])
        raise OutboundError(f"{path.name} does not match {kind.value}'s schema, so it is not sent: {problems}")


def _check_not_empty(written: WrittenFile) -> None:
    if written.record_count == 0:
        written.path.unlink(missing_ok=True)
        raise OutboundError(f"{written.name} would have no record: a file is written only when there is "
                            "something to say (hb-debt-interface.md §1, §7)")


# ------------------------------------------------------------------------------------------------ bundle


def bundle_name(run_date: date, la_id: str) -> str:
    """``YYYYMMDD-PDPDM-AAAAAA.tar`` (hb-debt-interface.md §1)."""
    return tar_name(run_date, BundleType.DMS_BUNDLE, la_id)


def bundle_mtime(run_date: date) -> int:
    """Every member's mtime: the run date at midnight UTC (so the same day gives the same tar)."""
    return int(datetime(run_date.year, run_date.month, run_date.day, tzinfo=UTC).timestamp())


def _write_tar(out: BinaryIO, run_date: date, members: Iterable[Path]) -> None:
    mtime = bundle_mtime(run_date)
    with tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as archive:
        for path in sorted(members, key=lambda p: p.name):
            info = tarfile.TarInfo(path.name)
            info.size = path.stat().st_size
            info.mtime = mtime
            info.mode = 0o644
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            with path.open("rb") as source:
                archive.addfile(info, source)


def temporary_in(directory: Path, suffix: str) -> tuple[int, str]:
    """A new temporary file in ``directory`` for a write that is then renamed into place, named after this
    process (``.tmp-<pid>-...``); first removes the temporary files of processes that are no longer running
    (a run killed part way, which cannot clean up after itself), so none is left in an LA's outbox."""
    for stale in directory.glob(".tmp-*"):
        match = re.fullmatch(r"\.tmp-(\d+)-.*", stale.name)
        if match is not None and process_running(int(match.group(1))):
            continue
        stale.unlink(missing_ok=True)
    return tempfile.mkstemp(dir=directory, prefix=f".tmp-{os.getpid()}-", suffix=suffix)


def process_running(pid: int) -> bool:
    """Whether process ``pid`` exists (signal 0 checks without sending; one of another user's exists too)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True


def write_bundle(directory: Path, run_date: date, la_id: str, members: Iterable[Path]) -> WrittenFile:
    """Write the day's ``YYYYMMDD-PDPDM-AAAAAA.tar`` holding ``members`` (their file names as member names,
    sorted) into ``directory`` atomically: a temporary name in the same directory, flushed to disk, then
    renamed. ``record_count`` is the number of members."""
    paths = list(members)
    names = [p.name for p in paths]
    if not paths or len(set(names)) != len(names):
        raise OutboundError(f"a bundle needs at least one member and no repeated name; got {sorted(names)}")
    directory.mkdir(parents=True, exist_ok=True)
    name = bundle_name(run_date, la_id)
    handle, temporary = temporary_in(directory, ".tar")
    try:
        with os.fdopen(handle, "wb") as out:
            _write_tar(out, run_date, paths)
            out.flush()
            os.fsync(out.fileno())
        _place(Path(temporary), directory / name)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    path = directory / name
    return WrittenFile(name, path, len(paths), 0, sha256_of(path))


def copy_atomically(source: Path, target: Path) -> None:
    """Copy ``source`` to ``target`` through a temporary name in the target's directory (flushed, renamed)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = temporary_in(target.parent, target.suffix)
    try:
        with os.fdopen(handle, "wb") as out, source.open("rb") as data:
            shutil.copyfileobj(data, out, 1 << 20)
            out.flush()
            os.fsync(out.fileno())
        _place(Path(temporary), target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
