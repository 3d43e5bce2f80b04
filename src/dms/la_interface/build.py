"""Build inbound LA files and tars from record values: for tests, the demo and the benchmarks.

The records (:mod:`dms.la_interface.records`) are written exactly as given, so a record that carries a fault
(a bad NINO, a Total that does not add up) gives a file with that fault. The header is computed from the
records (BatchID, LAID, CreationDate from the name; RecordCount; TotalAmount) unless ``header`` overrides
some of its elements' text. Examples::

    from dms.la_interface import build
    xml = build.file_bytes("LAREF", "005920", date(2025, 11, 18), [build.referral("HB/1", "AB123456C", 41250)])
    tar = build.tar_bytes([(build.file_name("LAREF", "005920", date(2025, 11, 18)), xml)])
    build.write_tar(path / build.upload_name("005920", date(2025, 11, 18)), [...])

:func:`not_well_formed` breaks a file's bytes on purpose (a truncated document).
"""

from __future__ import annotations

import io
import tarfile
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import BinaryIO
from xml.sax.saxutils import escape

from dms.la_interface.names import BundleType, MessageType, batch_id, tar_name
from dms.la_interface.names import file_name as _file_name
from dms.la_interface.records import InboundRecord, Overpayment, RecallRecord, ReferralRecord, RevisionRecord
from dms.la_interface.schemas import NAMESPACE, ROOT_ELEMENT
from dms.money import format_pounds

__all__ = [
    "file_bytes", "file_name", "header_total", "not_well_formed", "recall", "referral", "revision", "tar_bytes",
    "upload_name", "write_file", "write_tar",
]


# ------------------------------------------------------------------------------------------------ records


def referral(debt_ref: str, nino: str, total_pence: int, *, created: date = date(2025, 11, 14),
             classification: str = "NON_FRAUD", surname: str = "Jones", forenames: str = "Sam",
             date_of_birth: date = date(1984, 2, 29), overpayments: Sequence[Overpayment] | None = None,
             ) -> ReferralRecord:
    """A referral (§3.1). Without ``overpayments``, one overpayment of ``total_pence`` for the 28 days
    ending 14 days before ``created`` (the debt's created date)."""
    if overpayments is None:
        end = date.fromordinal(created.toordinal() - 14)
        overpayments = (Overpayment(total_pence, date.fromordinal(end.toordinal() - 27), end),)
    return ReferralRecord(debt_ref, nino, surname, forenames, date_of_birth, classification, tuple(overpayments),
                          total_pence, created, 0)


def revision(debt_ref: str, nino: str, amount_pence: int | None = None, classification: str | None = None,
             reason: str = "ENTITLEMENT_REVIEWED") -> RevisionRecord:
    """A revision (§3.2): a new total as referred and/or a new classification."""
    return RevisionRecord(debt_ref, nino, amount_pence, classification, reason, 0)


def recall(debt_ref: str, nino: str, reason: str = "LA_RECOVERY") -> RecallRecord:
    """A recall (§3.3)."""
    return RecallRecord(debt_ref, nino, reason, 0)


# ------------------------------------------------------------------------------------------------ files


def file_name(kind: MessageType | str, la_id: str, creation_date: date) -> str:
    """``YYYYMMDD-TYPE-AAAAAA.xml``."""
    return _file_name(creation_date, kind, la_id)


def upload_name(la_id: str, tar_date: date) -> str:
    """``YYYYMMDD-PDPLA-AAAAAA.tar``: an LA's daily upload."""
    return tar_name(tar_date, BundleType.LA_UPLOAD, la_id)


def header_total(kind: MessageType | str, records: Iterable[InboundRecord]) -> int | None:
    """The header's TotalAmount in pence (§2-3): the sum of Total (referrals) or of the RevisedAmount values
    present (revisions); None for recalls, whose header has none."""
    kind = MessageType(kind)
    if kind == MessageType.REFERRAL:
        return sum(r.total_pence for r in records if isinstance(r, ReferralRecord))
    if kind == MessageType.REVISION:
        return sum(r.revised_amount_pence or 0 for r in records if isinstance(r, RevisionRecord))
    return None


def _text(name: str, value: str) -> str:
    return f"<{name}>{escape(value)}</{name}>"


def record_xml(record: InboundRecord) -> str:
    """One record element, children in the order of §3."""
    if isinstance(record, ReferralRecord):
        overpayments = "".join(
            f"<Overpayment>{_text('Amount', format_pounds(o.amount_pence))}"
            f"{_text('PeriodStart', o.period_start.isoformat())}{_text('PeriodEnd', o.period_end.isoformat())}"
            "</Overpayment>" for o in record.overpayments
        )
        return (f"  <Referral>{_text('DebtRef', record.debt_ref)}{_text('NINO', record.nino)}"
                f"{_text('Surname', record.surname)}{_text('Forenames', record.forenames)}"
                f"{_text('DateOfBirth', record.date_of_birth.isoformat())}"
                f"{_text('Classification', record.classification)}{overpayments}"
                f"{_text('Total', format_pounds(record.total_pence))}"
                f"{_text('DebtCreatedDate', record.debt_created_date.isoformat())}</Referral>\n")
    if isinstance(record, RevisionRecord):
        amount = ("" if record.revised_amount_pence is None
                  else _text("RevisedAmount", format_pounds(record.revised_amount_pence)))
        classification = ("" if record.revised_classification is None
                          else _text("RevisedClassification", record.revised_classification))
        return (f"  <Revision>{_text('DebtRef', record.debt_ref)}{_text('NINO', record.nino)}{amount}"
                f"{classification}{_text('Reason', record.reason)}</Revision>\n")
    return (f"  <Recall>{_text('DebtRef', record.debt_ref)}{_text('NINO', record.nino)}"
            f"{_text('Reason', record.reason)}</Recall>\n")


def _header_xml(kind: MessageType, la_id: str, creation_date: date, record_count: int, total_pence: int | None,
                header: Mapping[str, str | None]) -> str:
    values: dict[str, str | None] = {
        "BatchID": batch_id(creation_date, kind, la_id), "LAID": la_id, "CreationDate": creation_date.isoformat(),
        "RecordCount": str(record_count),
        "TotalAmount": None if total_pence is None else format_pounds(total_pence),
    }
    values.update(header)
    return "  <Header>" + "".join(_text(k, v) for k, v in values.items() if v is not None) + "</Header>\n"


def write_file(out: BinaryIO, kind: MessageType | str, la_id: str, creation_date: date,
               records: Iterable[InboundRecord], *, record_count: int, total_pence: int | None,
               header: Mapping[str, str | None] | None = None) -> None:
    """Write a file record by record (for files too big to build in memory). ``record_count`` and
    ``total_pence`` go in the header as given; ``header`` overrides elements' text (None leaves one out)."""
    kind = MessageType(kind)
    root = ROOT_ELEMENT[kind]
    out.write(f'<?xml version="1.0" encoding="UTF-8"?>\n<{root} xmlns="{NAMESPACE}">\n'.encode())
    out.write(_header_xml(kind, la_id, creation_date, record_count, total_pence, header or {}).encode())
    for record in records:
        out.write(record_xml(record).encode())
    out.write(f"</{root}>\n".encode())


def file_bytes(kind: MessageType | str, la_id: str, creation_date: date, records: Sequence[InboundRecord], *,
               header: Mapping[str, str | None] | None = None) -> bytes:
    """A whole file (§2-3) with the header computed from ``records`` (``header`` overrides elements)."""
    out = io.BytesIO()
    write_file(out, kind, la_id, creation_date, records, record_count=len(records),
               total_pence=header_total(kind, records), header=header)
    return out.getvalue()


def not_well_formed(xml: bytes) -> bytes:
    """The file cut off before its end: not well-formed XML (NOT_WELL_FORMED)."""
    return xml[: max(len(xml) * 2 // 3, 1)]


# ------------------------------------------------------------------------------------------------ tars


def _add(archive: tarfile.TarFile, name: str, data: bytes, mtime: int) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = mtime
    info.mode = 0o644
    archive.addfile(info, io.BytesIO(data))


def tar_bytes(members: Iterable[tuple[str, bytes]], *, mtime: int = 0) -> bytes:
    """A plain POSIX tar (§1) holding regular files ``(name, bytes)`` in the order given."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as archive:
        for name, data in members:
            _add(archive, name, data, mtime)
    return out.getvalue()


def write_tar(path: Path, members: Iterable[tuple[str, bytes]], *, mtime: int = 0) -> Path:
    """Write :func:`tar_bytes` to ``path`` (written to a temporary name, then renamed)."""
    temporary = path.with_name(path.name + ".part")
    temporary.write_bytes(tar_bytes(members, mtime=mtime))
    temporary.replace(path)
    return path
