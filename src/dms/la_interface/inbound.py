"""The checks of an inbound file that need nothing but the file (hb-debt-interface.md §2, §3, §6.1).

:class:`FileScanner` streams a file's parts (:mod:`dms.la_interface.reading`), checks each record against
the message's schema (one record at a time, so every error keeps its line and memory stays flat) and against
the rules the schema cannot express, and turns each record into its plain value
(:mod:`dms.la_interface.records`). Checks against the debts DMS holds are made by the caller
(``dms.services.la_validation``) on the scanned records, in bulk.

Error codes (§6.1): ``SCHEMA`` (with the schema's message), ``BAD_NINO`` (the NINO rules of §2, in the words
of :func:`dms.nino.nino_problem`), ``HEADER_MISMATCH`` (BatchID, LAID or CreationDate not agreeing with the
file name), ``COUNT_MISMATCH`` (RecordCount), ``TOTAL_MISMATCH`` (a referral's Total against its
overpayments; the header's TotalAmount against the records), ``DUPLICATE_DEBT_REF``, ``DATE_AFTER_CREATION``
(PeriodEnd or DebtCreatedDate after the file's creation date), ``PERIOD_REVERSED`` (PeriodStart after
PeriodEnd) and ``ZERO_REVISION`` (a RevisedAmount of 0.00).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import BinaryIO

from lxml import etree

from dms.calendar import parse_date
from dms.la_interface.names import FileName, MessageType
from dms.la_interface.reading import Part, local_name, stream_parts
from dms.la_interface.records import (
    FileError,
    InboundRecord,
    Overpayment,
    RecallRecord,
    ReferralRecord,
    RevisionRecord,
)
from dms.la_interface.schemas import NAMESPACE, ROOT_ELEMENT, part_schema
from dms.money import MoneyFormatError, format_pounds, parse_pounds
from dms.nino import nino_problem

_NS_PREFIX = f"{{{NAMESPACE}}}"
MAX_DEBT_REF_SHOWN = 40


@dataclass(slots=True)
class ScannedRecord:
    """A record as read from the file: what the database checks need (``debt_ref``, ``nino``, ``line``),
    the plain value when the record passed the schema, the amount the header's TotalAmount counts, and the
    errors found in it so far."""

    line: int
    debt_ref: str
    nino: str
    record: InboundRecord | None
    amount_pence: int | None
    errors: list[FileError] = field(default_factory=list)


@dataclass(slots=True)
class _Fields:
    """Leniently read texts of a record's or header's child elements, by local name."""

    element: etree._Element
    texts: dict[str, str]

    @classmethod
    def of(cls, element: etree._Element) -> _Fields:
        texts: dict[str, str] = {}
        for child in element:
            if isinstance(child.tag, str):
                texts.setdefault(local_name(child.tag), (child.text or "").strip())
        return cls(element, texts)

    def text(self, name: str) -> str:
        return self.texts.get(name, "")

    def money(self, name: str) -> int | None:
        try:
            return parse_pounds(self.texts[name], field=name)
        except (KeyError, MoneyFormatError):
            return None

    def day(self, name: str) -> date | None:
        try:
            return parse_date(self.texts[name], field=name)
        except (KeyError, ValueError):
            return None


def _shown(debt_ref: str) -> str:
    return debt_ref[:MAX_DEBT_REF_SHOWN]


# ------------------------------------------------------------------------------------------------ schema


def _field_path(record: etree._Element, path: str | None) -> tuple[str, etree._Element | None]:
    """The element an error log path (``/*/*[8]/*[1]``, relative to the validated element) points at, and
    its field name inside the record (``Overpayment[2]/Amount``)."""
    if not path or not path.startswith("/*"):
        return "", None
    relative = path[2:]
    if not relative:
        return "", record
    try:
        found = record.xpath("." + relative)
    except etree.XPathError:
        return "", None
    if not isinstance(found, list) or not found or not isinstance(found[0], etree._Element):
        return "", None
    node: etree._Element = found[0]
    names: list[str] = []
    current: etree._Element | None = node
    while current is not None and current is not record:
        name = local_name(current.tag)
        parent = current.getparent()
        if parent is not None and len(parent.findall(current.tag)) > 1 and name == "Overpayment":
            name += f"[{parent.findall(current.tag).index(current) + 1}]"
        names.append(name)
        current = parent
    return "/".join(reversed(names)), node


def schema_errors(element: etree._Element, kind: MessageType, debt_ref: str = "") -> list[FileError]:
    """Every schema error of one Header or record element (``SCHEMA``; ``BAD_NINO`` for a NINO that breaks
    the NINO rules), each with its line and field."""
    validator = part_schema(kind)
    if validator.validate(element):
        return []
    errors: list[FileError] = []
    xsd = f"{ROOT_ELEMENT[kind]}.xsd"
    for entry in validator.error_log:
        field_name, node = _field_path(element, entry.path)
        line = entry.line or element.sourceline or 0
        if field_name == "NINO" and node is not None:
            problem = nino_problem((node.text or "").strip()) or "the NINO does not follow the rules of spec §2"
            errors.append(FileError("BAD_NINO", f"{problem}; correct the claimant's NINO", line, debt_ref, "NINO"))
            continue
        message = entry.message.replace(_NS_PREFIX, "")
        if message.startswith("Element '") and "': " in message:
            message = message.split("': ", 1)[1]
        message = message.rstrip(".")
        where = f"{field_name}: " if field_name else ""
        errors.append(FileError("SCHEMA", f"{where}{message}; correct it as {xsd} says (spec §3)", line, debt_ref,
                                field_name))
    return errors


# ------------------------------------------------------------------------------------------------ header


@dataclass(slots=True)
class HeaderFacts:
    """What the header says, where it could be read (None where it could not)."""

    line: int
    record_count: int | None
    total_pence: int | None
    has_total: bool


def check_header(element: etree._Element, name: FileName) -> tuple[HeaderFacts, list[FileError]]:
    """Schema errors of the Header and its agreement with the file name (``HEADER_MISMATCH``, spec §2)."""
    errors = schema_errors(element, name.kind)
    fields = _Fields.of(element)
    line = element.sourceline or 0
    bad = {e.field for e in errors}

    def mismatch(field_name: str, found: str, wanted: str) -> None:
        if field_name not in bad and field_name in fields.texts and found != wanted:
            errors.append(FileError("HEADER_MISMATCH", f"Header {field_name} is {found!r} but the file name "
                                    f"{name} says {wanted!r}; make them agree (spec §2)",
                                    _child_line(element, field_name, line), field=field_name))

    mismatch("BatchID", fields.text("BatchID"), name.batch_id)
    mismatch("LAID", fields.text("LAID"), name.la_id)
    mismatch("CreationDate", fields.text("CreationDate"), name.creation_date.isoformat())
    count_text = fields.text("RecordCount")
    count = int(count_text) if count_text.isdigit() and "RecordCount" not in bad else None
    total = fields.money("TotalAmount") if "TotalAmount" not in bad else None
    return HeaderFacts(line, count, total, has_total=name.kind != MessageType.RECALL), errors


def _child_line(element: etree._Element, name: str, default: int) -> int:
    child = element.find(f"{_NS_PREFIX}{name}")
    return (child.sourceline or default) if child is not None else default


# ------------------------------------------------------------------------------------------------ records


def _referral(fields: _Fields, line: int, valid: bool) -> ReferralRecord | None:
    if not valid:
        return None
    overpayments = tuple(
        Overpayment(parse_pounds(o.text("Amount")), parse_date(o.text("PeriodStart")), parse_date(o.text("PeriodEnd")))
        for o in (_Fields.of(e) for e in fields.element.iterchildren(f"{_NS_PREFIX}Overpayment"))
    )
    return ReferralRecord(
        debt_ref=fields.text("DebtRef"), nino=fields.text("NINO"), surname=fields.text("Surname"),
        forenames=fields.text("Forenames"), date_of_birth=parse_date(fields.text("DateOfBirth")),
        classification=fields.text("Classification"), overpayments=overpayments,
        total_pence=parse_pounds(fields.text("Total")), debt_created_date=parse_date(fields.text("DebtCreatedDate")),
        line=line,
    )


def _referral_rules(fields: _Fields, creation: date, debt_ref: str, line: int) -> list[FileError]:
    """TOTAL_MISMATCH, PERIOD_REVERSED and DATE_AFTER_CREATION of one referral (spec §3.1)."""
    errors: list[FileError] = []
    amounts: list[int | None] = []
    for number, element in enumerate(fields.element.iterchildren(f"{_NS_PREFIX}Overpayment"), start=1):
        over = _Fields.of(element)
        amounts.append(over.money("Amount"))
        start, end = over.day("PeriodStart"), over.day("PeriodEnd")
        where = f"Overpayment[{number}]"
        at = element.sourceline or line
        if start and end and start > end:
            errors.append(FileError("PERIOD_REVERSED", f"overpayment {number}: PeriodStart {start} is after "
                                    f"PeriodEnd {end}; swap or correct the dates", at, debt_ref,
                                    f"{where}/PeriodStart"))
        if end and end > creation:
            errors.append(FileError("DATE_AFTER_CREATION", f"overpayment {number}: PeriodEnd {end} is after the "
                                    f"file's creation date {creation}; an overpayment period must have ended",
                                    at, debt_ref, f"{where}/PeriodEnd"))
    created = fields.day("DebtCreatedDate")
    if created and created > creation:
        errors.append(FileError("DATE_AFTER_CREATION", f"DebtCreatedDate {created} is after the file's creation "
                                f"date {creation}; correct the date", _child_line(fields.element, "DebtCreatedDate",
                                                                                  line), debt_ref,
                                "DebtCreatedDate"))
    total = fields.money("Total")
    if total is not None and amounts and None not in amounts:
        added = sum(a for a in amounts if a is not None)
        if added != total:
            errors.append(FileError("TOTAL_MISMATCH", f"Total {format_pounds(total)} is not the sum of the "
                                    f"overpayments, {format_pounds(added)}; correct Total or the amounts",
                                    _child_line(fields.element, "Total", line), debt_ref, "Total"))
    return errors


def _revision(fields: _Fields, line: int, valid: bool) -> RevisionRecord | None:
    if not valid:
        return None
    return RevisionRecord(
        debt_ref=fields.text("DebtRef"), nino=fields.text("NINO"),
        revised_amount_pence=fields.money("RevisedAmount") if "RevisedAmount" in fields.texts else None,
        revised_classification=fields.texts.get("RevisedClassification"), reason=fields.text("Reason"), line=line,
    )


def _revision_rules(fields: _Fields, debt_ref: str, line: int) -> list[FileError]:
    """ZERO_REVISION (spec §3.2: a debt cleared by the LA is recalled, never revised to 0.00)."""
    if fields.money("RevisedAmount") == 0:
        return [FileError("ZERO_REVISION", "RevisedAmount is 0.00; a debt the LA has cleared is recalled "
                          "(Reason PAID_IN_FULL or WRITTEN_OFF in a recall file), not revised to 0.00",
                          _child_line(fields.element, "RevisedAmount", line), debt_ref, "RevisedAmount")]
    return []


def scan_record(element: etree._Element, name: FileName) -> ScannedRecord:
    """Read one record and make every check that needs only the file."""
    fields = _Fields.of(element)
    line = element.sourceline or 0
    debt_ref = fields.text("DebtRef")
    errors = schema_errors(element, name.kind, _shown(debt_ref))
    valid = not errors
    record: InboundRecord | None
    if name.kind == MessageType.REFERRAL:
        errors += _referral_rules(fields, name.creation_date, _shown(debt_ref), line)
        record = _referral(fields, line, valid)
        amount = fields.money("Total")
    elif name.kind == MessageType.REVISION:
        errors += _revision_rules(fields, _shown(debt_ref), line)
        record = _revision(fields, line, valid)
        amount = fields.money("RevisedAmount") if "RevisedAmount" in fields.texts else 0
    else:
        record = RecallRecord(debt_ref, fields.text("NINO"), fields.text("Reason"), line) if valid else None
        amount = 0
    return ScannedRecord(line, debt_ref, fields.text("NINO"), record, amount, errors)


# ------------------------------------------------------------------------------------------------ file


class FileScanner:
    """Scan one inbound file: ``chunks`` yields its records in lists of ``chunk_size``; once they are all
    taken, ``errors`` holds every error found in the file itself (structure, header, records, duplicates,
    header totals) in the order found, and ``record_count`` the number of records. Each scanned record also
    carries its own errors, so a caller can tell a sound record from a faulty one."""

    def __init__(self, name: FileName) -> None:
        if name.kind not in (MessageType.REFERRAL, MessageType.REVISION, MessageType.RECALL):
            raise ValueError(f"{name} is not an inbound file")
        self.name = name
        self.errors: list[FileError] = []
        self.record_count = 0
        self._header: HeaderFacts | None = None
        self._first_line: dict[str, int] = {}
        self._total = 0
        self._total_known = True

    def chunks(self, stream: BinaryIO, chunk_size: int) -> Iterator[list[ScannedRecord]]:
        chunk: list[ScannedRecord] = []
        for part in stream_parts(stream, self.name.kind):
            scanned = self._take(part)
            if scanned is not None:
                chunk.append(scanned)
                if len(chunk) >= chunk_size:
                    yield chunk
                    chunk = []
        if chunk:
            yield chunk
        self.errors.extend(self._header_totals())

    def _take(self, part: Part) -> ScannedRecord | None:
        if part.kind == "error" and part.error is not None:
            self.errors.append(part.error)
            return None
        if part.element is None:
            return None
        if part.kind == "header":
            self._header, errors = check_header(part.element, self.name)
            self.errors.extend(errors)
            return None
        scanned = scan_record(part.element, self.name)
        self.record_count += 1
        self._count_amount(scanned.amount_pence)
        self._check_duplicate(scanned)
        self.errors.extend(scanned.errors)
        return scanned

    def _count_amount(self, amount: int | None) -> None:
        if amount is None:
            self._total_known = False
        else:
            self._total += amount

    def _check_duplicate(self, scanned: ScannedRecord) -> None:
        ref = scanned.debt_ref
        if not ref:
            return
        first = self._first_line.setdefault(ref, scanned.line)
        if first != scanned.line:
            scanned.errors.append(FileError(
                "DUPLICATE_DEBT_REF", f"DebtRef {_shown(ref)} is already used by the record at line {first}; each "
                "record of a file needs its own DebtRef: merge the records or remove one", scanned.line,
                _shown(ref), "DebtRef"))

    def _header_totals(self) -> list[FileError]:
        """COUNT_MISMATCH and TOTAL_MISMATCH of the header (spec §2), once every record has been seen."""
        header = self._header
        if header is None:
            return []
        errors: list[FileError] = []
        if header.record_count is not None and header.record_count != self.record_count:
            errors.append(FileError("COUNT_MISMATCH", f"Header RecordCount is {header.record_count} but the file "
                                    f"has {self.record_count} records; correct RecordCount", header.line,
                                    field="RecordCount"))
        if header.has_total and header.total_pence is not None and self._total_known \
                and header.total_pence != self._total:
            summed = "Total" if self.name.kind == MessageType.REFERRAL else "RevisedAmount"
            errors.append(FileError("TOTAL_MISMATCH", f"Header TotalAmount is {format_pounds(header.total_pence)} "
                                    f"but the records' {summed} values add up to {format_pounds(self._total)}; "
                                    "correct TotalAmount", header.line, field="TotalAmount"))
        return errors
