"""The checks of an inbound file that need nothing but the file (hb-debt-interface.md §2, §3, §6.1).

:class:`FileScanner` streams a file's parts (:mod:`dms.la_interface.reading`), checks each record against
the message's schema (one record at a time, so every error keeps its line and memory stays flat) and against
the rules the schema cannot express, and turns each record into its plain value
(:mod:`dms.la_interface.records`). Checks against the debts DMS holds are made by the caller
(``dms.services.la_validation``) on the scanned records, in bulk. A file written plainly is read by a fast
lane (:class:`_FastLane`) that gives the same result without building elements for the records that pass the
schema (docs/performance.md "LA file validation").

Error codes (§6.1): ``SCHEMA`` (with the schema's message), ``BAD_NINO`` (the NINO rules of §2, in the words
of :func:`dms.nino.nino_problem`), ``HEADER_MISMATCH`` (BatchID, LAID or CreationDate not agreeing with the
file name), ``COUNT_MISMATCH`` (RecordCount), ``TOTAL_MISMATCH`` (a referral's Total against its
overpayments; the header's TotalAmount against the records), ``DUPLICATE_DEBT_REF``, ``DATE_AFTER_CREATION``
(PeriodEnd or DebtCreatedDate after the file's creation date), ``PERIOD_REVERSED`` (PeriodStart after
PeriodEnd) and ``ZERO_REVISION`` (a RevisedAmount of 0.00).
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from typing import BinaryIO

from lxml import etree

from dms.calendar import parse_date
from dms.la_interface.names import FileName, MessageType
from dms.la_interface.reading import (
    CHUNK_BYTES,
    Part,
    hardened_parser_options,
    local_name,
    namespace_fault,
    not_well_formed,
    stream_parts,
)
from dms.la_interface.records import (
    FileError,
    InboundRecord,
    Overpayment,
    RecallRecord,
    ReferralRecord,
    RevisionRecord,
)
from dms.la_interface.schemas import (
    NAMESPACE,
    RECORD_ELEMENT,
    ROOT_ELEMENT,
    child_sequence,
    choice_groups,
    leaf_schema,
    leaf_types,
    part_schema,
)
from dms.money import MoneyFormatError, format_pounds, parse_pounds
from dms.nino import nino_problem

_NS_PREFIX = f"{{{NAMESPACE}}}"
MAX_DEBT_REF_SHOWN = 40


@dataclass(slots=True)
class ScannedRecord:
    """A record as read from the file: what the database checks need (``debt_ref``, ``nino``, the record's
    ``line`` and the lines of its DebtRef and NINO elements, where an error about either is reported), the
    plain value when the record passed the schema, the amount the header's TotalAmount counts, and the errors
    found in it so far."""

    line: int
    debt_ref: str
    nino: str
    record: InboundRecord | None
    amount_pence: int | None
    errors: list[FileError] = field(default_factory=list)
    ref_line: int = 0  # the DebtRef's line when it is not the record's (0)
    nino_at: int = 0  # the NINO's line when it is not the record's (0)

    @property
    def debt_ref_line(self) -> int:
        """The line of the record's DebtRef, where an error about it is reported."""
        return self.ref_line or self.line

    @property
    def nino_line(self) -> int:
        """The line of the record's NINO, where an error about it is reported."""
        return self.nino_at or self.line

    def moved(self, by: int) -> None:
        """Every line of the record ``by`` lines further down (a record parsed on its own)."""
        self.line += by
        self.ref_line += by if self.ref_line else 0
        self.nino_at += by if self.nino_at else 0
        self.errors = [_moved(e, by) for e in self.errors]
        if self.record is not None:
            self.record = replace(self.record, line=self.record.line + by)


def whole_text(element: etree._Element) -> str:
    """An element's text as the schema reads it (spec §2): every text node inside it, joined, around any
    comment or processing instruction (``<DebtRef>HB<!-- c -->/1</DebtRef>`` is ``HB/1``; lxml keeps the
    text after a comment as the comment's tail, so ``element.text`` alone would be ``HB``)."""
    if len(element) == 0:
        return element.text or ""
    return "".join(element.itertext())


def person_name(text: str) -> str:
    """A ``Surname`` or ``Forenames`` as DMS keeps it (hb-debt-interface.md §2, names of letters, spaces,
    apostrophes and hyphens): without the spaces around it, in NFC. A name written decomposed ("Zoe" and
    U+0308, as Mac-based systems write it) is the same name as one written precomposed ("Zoë"), and is kept
    so; an apostrophe stays as written (' or ’, U+2019)."""
    return unicodedata.normalize("NFC", text.strip())


@dataclass(slots=True)
class _Fields:
    """Leniently read texts of a record's or header's child elements, by local name: each the element's
    whole text (:func:`whole_text`), without the spaces around it."""

    element: etree._Element
    texts: dict[str, str]

    @classmethod
    def of(cls, element: etree._Element) -> _Fields:
        texts: dict[str, str] = {}
        for child in element:
            if isinstance(child.tag, str):
                texts.setdefault(local_name(child.tag), whole_text(child).strip())
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


_PREFIXED_STEP = re.compile(r"(?<=/)([A-Za-z_][\w.-]*):([A-Za-z_][\w.-]*)")


def _field_path(record: etree._Element, path: str | None) -> tuple[str, etree._Element | None]:
    """The element an error log path (``/*/*[8]/*[1]``, relative to the validated element) points at, and
    its field name inside the record (``Overpayment[2]/Amount``: an overpayment is always named with its
    number, as every code names it)."""
    if not path or not path.startswith("/*"):
        return "", None
    relative = path[2:]
    if not relative:
        return "", record
    # an element of another namespace is named with a prefix the path does not declare (``/*/x:Foo``)
    relative = _PREFIXED_STEP.sub(rf"*[local-name()='\2' and namespace-uri()!='{NAMESPACE}']", relative)
    try:
        found = record.xpath("." + relative)
    except etree.XPathError:
        return "", None
    if not isinstance(found, list) or not found or not isinstance(found[0], etree._Element):
        return "", None
    node: etree._Element = found[0]
    return _field_name(record, node), node


def _beyond_most_overpayments(node: etree._Element, message: str) -> str | None:
    """Spec §3.1: a referral holds ``Overpayment`` 1..50. libxml2 says of the 51st only that it "is not
    expected"; the LA is told the limit and how to keep to it."""
    parent = node.getparent()
    if (_STRUCTURAL not in message or parent is None or node.tag != f"{_NS_PREFIX}Overpayment"
            or parent.tag != f"{_NS_PREFIX}Referral"):
        return None
    overpayments = parent.findall(node.tag)
    if overpayments.index(node) < _MAX_OVERPAYMENTS:
        return None
    held = len(overpayments)
    return (f"a referral holds at most {_MAX_OVERPAYMENTS} Overpayment elements (spec §3.1: Overpayment "
            f"1..{_MAX_OVERPAYMENTS}) and this one holds {held}; merge overpayment periods into one, or refer "
            f"the rest under another DebtRef")


def _field_name(record: etree._Element, node: etree._Element) -> str:
    """``node``'s field name inside ``record`` (``Overpayment[2]/Amount``)."""
    names: list[str] = []
    current: etree._Element | None = node
    while current is not None and current is not record:
        name = local_name(current.tag)
        parent = current.getparent()
        if parent is not None and name == "Overpayment":
            name += f"[{parent.findall(current.tag).index(current) + 1}]"
        names.append(name)
        current = parent
    return "/".join(reversed(names))


def schema_errors(element: etree._Element, kind: MessageType, debt_ref: str = "") -> list[FileError]:
    """Every schema error of one Header or record element (``SCHEMA``; ``BAD_NINO`` for a NINO that breaks
    the NINO rules), each with its line and field: one error per element at fault, naming every rule its
    value breaks (libxml2 reports each facet of a type on its own: ``-5.00`` breaks both the pattern and the
    minimum of Money)."""
    validator = part_schema(kind)
    if validator.validate(element):
        return []
    found: dict[tuple[int, str], tuple[FileError, list[str]]] = {}
    xsd = f"{ROOT_ELEMENT[kind]}.xsd"
    structural = False
    missing = _missing_elements(element, kind)
    for missing_field, missing_line, said, _ in missing:
        found[(missing_line, missing_field)] = (FileError("SCHEMA", "", missing_line, debt_ref, missing_field),
                                                [said])
    named: set[etree._Element] = set()
    for entry in validator.error_log:
        field_name, node = _field_path(element, entry.path)
        line = entry.line or element.sourceline or 0
        structural = structural or _STRUCTURAL in entry.message
        if _explained_by_missing(node, entry.message, kind, missing):
            continue
        if node is not None:
            named.add(node)
        key = (line, field_name)
        if field_name == "NINO" and node is not None and "not expected" not in entry.message:
            # the NINO's value breaks the NINO rules; a NINO element out of place stays a SCHEMA error
            found.setdefault(key, (_bad_nino(whole_text(node), line, debt_ref), []))
            continue
        fault = (namespace_fault(node.tag) or _beyond_most_overpayments(node, entry.message)
                 if node is not None else None)
        message = fault or _schema_words(entry.message)
        error, messages = found.setdefault(key, (FileError("SCHEMA", "", line, debt_ref, field_name), []))
        if message.rstrip(".") not in messages:
            messages.append(message.rstrip("."))
    if structural or missing:
        for number, (unknown_field, unknown_line, said) in enumerate(_unknown_elements(element, kind, named)):
            # each unknown element its own error, though two of one name stand on one line
            found[(unknown_line, f"{unknown_field}\x00{number}")] = (
                FileError("SCHEMA", "", unknown_line, debt_ref, unknown_field), [said])
    if structural:
        _leaf_errors(element, kind, debt_ref, found)
    header = local_name(element.tag) == "Header"
    return [replace(error, message=_schema_message(error.field, messages, xsd, header=header)) if messages
            else error for error, messages in found.values()]


# libxml2's words for an element missing, misplaced or unknown: it checks nothing more of the element's
# content after one of them.
_STRUCTURAL = "This element is not expected"
# libxml2's words for an element it expected where it found another, or found none
_EXPECTED = re.compile(r"(This element is not expected|Missing child element\(s\))\. Expected is")


def _structured_parts(record: etree._Element, sequences: dict[str, tuple[tuple[str, bool], ...]]
                      ) -> list[etree._Element]:
    """The record (or Header) and the elements of its own sequence that hold elements (a referral's
    Overpayments), in the interface's namespace: those whose elements are checked; a Header nested in a record
    is not read as one."""
    own = {name for name, _ in sequences.get(local_name(record.tag), ())}
    parts = [child for child in record if isinstance(child.tag, str) and child.tag.startswith(_NS_PREFIX)
             and local_name(child.tag) in own and local_name(child.tag) in sequences]
    return [record, *parts] if local_name(record.tag) in sequences else parts


def _missing_elements(record: etree._Element, kind: MessageType
                      ) -> list[tuple[str, int, str, etree._Element]]:
    """``[(field, line, message, element lacking it)]``: every required element missing from a record (or
    Header) and from each Overpayment in it (spec §4.3: the ``Field`` at fault is the missing one, and every
    error of the file at once; libxml2 reports only the first and checks nothing more of the record). Each is
    at the line of the element that lacks it, and says where it goes."""
    sequences = child_sequence(kind)
    missing: list[tuple[str, int, str, etree._Element]] = []
    for parent in _structured_parts(record, sequences):
        sequence = sequences[local_name(parent.tag)]
        held = [local_name(child.tag) for child in parent if isinstance(child.tag, str)]
        names = [name for name, _ in sequence]
        inside = _field_name(record, parent)
        line = parent.sourceline or record.sourceline or 0
        lacking = [(index, name, "missing ({})") for index, (name, required) in enumerate(sequence)
                   if required and name not in held]
        for group in choice_groups(kind).get(local_name(parent.tag), ()):
            if not any(name in held for name in group) and group[0] in names:
                lacking.append((names.index(group[0]), group[0],
                                f"missing: one of {' or '.join(group)} is required ({{}})"))
        for index, name, said in sorted(lacking):
            after = [h for h in held if h in names and names.index(h) > index]
            before = [h for h in held if h in names and names.index(h) < index]
            where = (f"it comes before {after[0]}" if after else f"it comes after {before[-1]}" if before
                     else f"{local_name(parent.tag)} holds none of its elements")
            missing.append((f"{inside}/{name}" if inside else name, line, said.format(where), parent))
    return missing


def _unknown_elements(record: etree._Element, kind: MessageType, named: set[etree._Element]
                      ) -> list[tuple[str, int, str]]:
    """``[(field, line, message)]``: every element of a record (or Header), or of an Overpayment in it, that
    is not one of its elements (an unknown name, or another namespace), except those libxml2 already named
    (``named``): libxml2 reports only its first structural error of a record (spec §4.3: every error)."""
    sequences = child_sequence(kind)
    found: list[tuple[str, int, str]] = []
    for parent in _structured_parts(record, sequences):
        names = [name for name, _ in sequences.get(local_name(parent.tag), ())]
        for child in parent:
            if not isinstance(child.tag, str) or child in named:
                continue
            name = local_name(child.tag)
            if child.tag.startswith(_NS_PREFIX) and name in names:
                continue
            message = namespace_fault(child.tag) or (
                f"not an element of {local_name(parent.tag)}: remove it or correct its name "
                f"({local_name(parent.tag)} holds {', '.join(names)}, in that order)")
            found.append((_field_name(record, child), child.sourceline or parent.sourceline or 0, message))
    return found


def _explained_by_missing(node: etree._Element | None, message: str, kind: MessageType,
                          missing: list[tuple[str, int, str, etree._Element]]) -> bool:
    """Whether libxml2's error is that of an element reported missing (:func:`_missing_elements`): it found,
    in place of what it expected, a later field of the same element, or nothing more. An unknown or
    misplaced element stays the element libxml2 names."""
    said = _EXPECTED.search(message)
    if said is None or node is None or not missing:
        return False
    if said.group(1).startswith("Missing"):
        return any(lacking is node for _, _, _, lacking in missing)
    parent, found = node.getparent(), local_name(node.tag)
    if parent is None or node.tag != f"{_NS_PREFIX}{found}":
        return False
    names = [name for name, _ in child_sequence(kind).get(local_name(parent.tag), ())]
    if found not in names:
        return False
    lacked = [field.rsplit("/", 1)[-1] for field, _, _, lacking in missing if lacking is parent]
    return any(name in names and names.index(name) < names.index(found) for name in lacked)


def _leaf_errors(element: etree._Element, kind: MessageType, debt_ref: str,
                 found: dict[tuple[int, str], tuple[FileError, list[str]]]) -> None:
    """Every field value of a record (or Header) whose structure the schema refused, checked on its own
    against its type where it stands (:func:`dms.la_interface.schemas.leaf_types`), so a value the schema
    refuses is reported with the structural error, not after the LA corrects that one (spec §4.3: every
    error in the file at once). A field at fault is reported once, with all its messages."""
    types = leaf_types(kind)
    own = local_name(element.tag)
    for leaf in element.iter(f"{{{NAMESPACE}}}*"):
        parent = leaf.getparent()
        if leaf is element or parent is None or any(isinstance(c.tag, str) for c in leaf):
            continue  # the record itself, or an element holding elements (comments and PIs are text's)
        name, parent_name = local_name(leaf.tag), local_name(parent.tag)
        # a leaf of the record (or Header), or of a complex element directly in it (a referral's Overpayment);
        # a Header or record nested where it does not belong is not read as one
        if parent is element:
            type_name = types.get(own, {}).get(name)
        elif parent.getparent() is element and parent_name not in (own, "Header"):
            type_name = types.get(parent_name, {}).get(name)
        else:
            type_name = None
        if type_name is None:
            continue
        validator = leaf_schema(kind, name, type_name)
        if validator.validate(leaf):
            continue
        line = leaf.sourceline or element.sourceline or 0
        field_name = _field_name(element, leaf)
        if name == "NINO":
            held = found.get((line, field_name))
            if held is None:
                found[(line, field_name)] = (_bad_nino(whole_text(leaf), line, debt_ref), [])
            elif held[0].code == "SCHEMA":  # a NINO out of place: its value is reported too, as BAD_NINO
                found[(line, field_name + " value")] = (_bad_nino(whole_text(leaf), line, debt_ref), [])
            continue
        error, messages = found.setdefault((line, field_name), (FileError("SCHEMA", "", line, debt_ref, field_name),
                                                                []))
        for entry in validator.error_log:
            message = _schema_words(entry.message)
            if message.rstrip(".") not in messages:
                messages.append(message.rstrip("."))


# The pattern of common.xsd's Name type that asks for a letter (spec §2), and libxml2's words when it fails.
NAME_LETTER_PATTERN = r"[^\p{L}]*\p{L}.*"
_NO_LETTER = re.compile(r"\[facet 'pattern'\] The value '(?P<value>.*)' is not accepted by the pattern '"
                        + re.escape(NAME_LETTER_PATTERN) + "'", re.DOTALL)


def _schema_words(message: str) -> str:
    """libxml2's message without the namespace and the element it names (the error's field names it); a name
    with no letter in plain words (spec §2), as the pattern that refuses it says little to the LA."""
    message = message.replace(_NS_PREFIX, "")
    if message.startswith("Element '") and "': " in message:
        message = message.split("': ", 1)[1]
    no_letter = _NO_LETTER.search(message)
    if no_letter is not None:
        message = (f"'{no_letter['value']}' has no letter: a name is 1-35 letters, spaces, apostrophes and hyphens, "
                   "with at least one letter (spec §2); give the name as the claimant's record holds it")
    return message


def _schema_message(field_name: str, messages: list[str], xsd: str, *, header: bool = False) -> str:
    """A SCHEMA error's message, naming the element at fault: a Header's as ``Header LAID`` (spec §2), since
    an error about the Header carries no Field (spec §4.3: only an error inside a record does)."""
    where = f"{'Header ' if header else ''}{field_name}: " if field_name else ""
    return f"{where}{'; '.join(messages)}; correct it as {xsd} says (spec {'§2' if header else '§3'})"


# ------------------------------------------------------------------------------------------------ header


@dataclass(slots=True)
class HeaderFacts:
    """What the header says, where it could be read (None where it could not), and the lines of its
    RecordCount and TotalAmount (where a mismatch of either is reported)."""

    line: int
    record_count: int | None
    total_pence: int | None
    has_total: bool
    count_line: int = 0
    total_line: int = 0

    def moved(self, by: int) -> None:
        self.line += by
        self.count_line += by
        self.total_line += by


def check_header(element: etree._Element, name: FileName) -> tuple[HeaderFacts, list[FileError]]:
    """Schema errors of the Header and its agreement with the file name (``HEADER_MISMATCH``, spec §2). None
    has a DebtRef or a Field: spec §4.3 gives those to "an error inside a record", and the Header is in none
    (each message names the Header element at fault)."""
    errors = schema_errors(element, name.kind)
    fields = _Fields.of(element)
    line = element.sourceline or 0
    bad = {e.field for e in errors}

    def mismatch(field_name: str, found: str, wanted: str) -> None:
        if field_name not in bad and field_name in fields.texts and found != wanted:
            errors.append(FileError("HEADER_MISMATCH", f"Header {field_name} is {found!r} but the file name "
                                    f"{name} says {wanted!r}; make them agree (spec §2)",
                                    _child_line(element, field_name, line)))

    mismatch("BatchID", fields.text("BatchID"), name.batch_id)
    mismatch("LAID", fields.text("LAID"), name.la_id)
    mismatch("CreationDate", fields.text("CreationDate"), name.creation_date.isoformat())
    count_text = fields.text("RecordCount")
    count = int(count_text) if count_text.isdigit() and "RecordCount" not in bad else None
    total = fields.money("TotalAmount") if "TotalAmount" not in bad else None
    return HeaderFacts(line, count, total, has_total=name.kind != MessageType.RECALL,
                       count_line=_child_line(element, "RecordCount", line),
                       total_line=_child_line(element, "TotalAmount", line)), [
        replace(e, debt_ref="", field="") for e in errors]


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
        debt_ref=fields.text("DebtRef"), nino=fields.text("NINO"), surname=person_name(fields.text("Surname")),
        forenames=person_name(fields.text("Forenames")), date_of_birth=parse_date(fields.text("DateOfBirth")),
        classification=fields.text("Classification"), overpayments=overpayments,
        total_pence=parse_pounds(fields.text("Total")), debt_created_date=parse_date(fields.text("DebtCreatedDate")),
        line=line,
    )


def _overpayment_field(number: int, name: str) -> str:
    """How every error names a field of a record's ``number``-th overpayment: ``Overpayment[2]/PeriodEnd``."""
    return f"Overpayment[{number}]/{name}"


def _period_reversed(number: int, start: date, end: date, at: int, debt_ref: str) -> FileError:
    """PERIOD_REVERSED, at the PeriodStart's line ``at``."""
    return FileError("PERIOD_REVERSED", f"overpayment {number}: PeriodStart {start} is after PeriodEnd {end}; swap "
                     "or correct the dates", at, debt_ref, _overpayment_field(number, "PeriodStart"))


def _period_after_creation(number: int, end: date, creation: date, at: int, debt_ref: str) -> FileError:
    """DATE_AFTER_CREATION of a PeriodEnd, at its line ``at``."""
    return FileError("DATE_AFTER_CREATION", f"overpayment {number}: PeriodEnd {end} is after the file's creation "
                     f"date {creation}; an overpayment period must have ended", at, debt_ref,
                     _overpayment_field(number, "PeriodEnd"))


def _created_after_creation(created: date, creation: date, at: int, debt_ref: str) -> FileError:
    return FileError("DATE_AFTER_CREATION", f"DebtCreatedDate {created} is after the file's creation date "
                     f"{creation}; correct the date", at, debt_ref, "DebtCreatedDate")


def _born_after_creation(born: date, creation: date, at: int, debt_ref: str) -> FileError:
    """DATE_AFTER_CREATION of a DateOfBirth (spec §6.1, "a date after the creation date": a claimant is born
    before the file about them is written), at its line ``at``."""
    return FileError("DATE_AFTER_CREATION", f"DateOfBirth {born} is after the file's creation date {creation}; "
                     "correct the claimant's date of birth", at, debt_ref, "DateOfBirth")


def _total_mismatch(total: int, added: int, at: int, debt_ref: str) -> FileError:
    return FileError("TOTAL_MISMATCH", f"Total {format_pounds(total)} is not the sum of the overpayments, "
                     f"{format_pounds(added)}; correct Total or the amounts", at, debt_ref, "Total")


def _zero_revision(at: int, debt_ref: str) -> FileError:
    return FileError("ZERO_REVISION", "RevisedAmount is 0.00; a debt the LA has cleared is recalled (Reason "
                     "PAID_IN_FULL or WRITTEN_OFF in a recall file), not revised to 0.00", at, debt_ref,
                     "RevisedAmount")


def _bad_nino(text: str, line: int, debt_ref: str) -> FileError:
    """BAD_NINO for the NINO element's text as written (spaces around it included): what is wrong with it."""
    bare = text.strip()
    problem = nino_problem(bare)
    if problem is None and bare != text:
        problem = f"NINO {text!r} has spaces or line breaks around it; write the NINO alone, like {bare}"
    problem = problem or "the NINO does not follow the rules of spec §2"
    return FileError("BAD_NINO", f"{problem}; correct the claimant's NINO", line, debt_ref, "NINO")


def _referral_rules(fields: _Fields, creation: date, debt_ref: str, line: int, bad: set[str]
                    ) -> list[FileError]:
    """TOTAL_MISMATCH, PERIOD_REVERSED and DATE_AFTER_CREATION (of DateOfBirth, each PeriodEnd and
    DebtCreatedDate) of one referral (spec §3.1, §6.1), each at the line
    of the field it names. A value that broke the schema (a field in ``bad``) is already reported: it is
    not read for these rules (one error per value)."""
    errors: list[FileError] = []
    born = fields.day("DateOfBirth") if "DateOfBirth" not in bad else None
    if born and born > creation:
        errors.append(_born_after_creation(born, creation, _child_line(fields.element, "DateOfBirth", line),
                                           debt_ref))
    amounts: list[int | None] = []
    for number, element in enumerate(fields.element.iterchildren(f"{_NS_PREFIX}Overpayment"), start=1):
        over = _Fields.of(element)
        amounts.append(None if _overpayment_field(number, "Amount") in bad else over.money("Amount"))
        start = None if _overpayment_field(number, "PeriodStart") in bad else over.day("PeriodStart")
        end = None if _overpayment_field(number, "PeriodEnd") in bad else over.day("PeriodEnd")
        at = element.sourceline or line
        if start and end and start > end:
            at_start = _child_line(element, "PeriodStart", at)
            errors.append(_period_reversed(number, start, end, at_start, debt_ref))
        if end and end > creation:
            errors.append(_period_after_creation(number, end, creation, _child_line(element, "PeriodEnd", at),
                                                 debt_ref))
    created = fields.day("DebtCreatedDate") if "DebtCreatedDate" not in bad else None
    if created and created > creation:
        errors.append(_created_after_creation(created, creation, _child_line(fields.element, "DebtCreatedDate", line),
                                              debt_ref))
    total = fields.money("Total") if "Total" not in bad else None
    if total is not None and amounts and None not in amounts:
        added = sum(a for a in amounts if a is not None)
        if added != total:
            errors.append(_total_mismatch(total, added, _child_line(fields.element, "Total", line), debt_ref))
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
        return [_zero_revision(_child_line(fields.element, "RevisedAmount", line), debt_ref)]
    return []


def scan_record(element: etree._Element, name: FileName) -> ScannedRecord:
    """Read one record and make every check that needs only the file."""
    fields = _Fields.of(element)
    line = element.sourceline or 0
    debt_ref = fields.text("DebtRef")
    errors = schema_errors(element, name.kind, _shown(debt_ref))
    valid = not errors
    bad = {e.field for e in errors}
    record: InboundRecord | None
    if name.kind == MessageType.REFERRAL:
        errors += _referral_rules(fields, name.creation_date, _shown(debt_ref), line, bad)
        record = _referral(fields, line, valid)
        amount = fields.money("Total") if "Total" not in bad else None
    elif name.kind == MessageType.REVISION:
        errors += _revision_rules(fields, _shown(debt_ref), line)
        record = _revision(fields, line, valid)
        amount = fields.money("RevisedAmount") if "RevisedAmount" in fields.texts else 0
    else:
        record = RecallRecord(debt_ref, fields.text("NINO"), fields.text("Reason"), line) if valid else None
        amount = 0
    return ScannedRecord(line, debt_ref, fields.text("NINO"), record, amount, errors,
                         _child_line(element, "DebtRef", 0), _child_line(element, "NINO", 0))


# ------------------------------------------------------------------------------------------------ file


class FileScanner:
    """Scan one inbound file: ``chunks`` yields its records in lists of ``chunk_size``; once they are all
    taken, ``errors`` holds every error found in the file itself (structure, header, records, duplicates,
    header totals) in the order found, and ``record_count`` the number of records. Each scanned record also
    carries its own errors, so a caller can tell a sound record from a faulty one.

    With ``build_records=False`` the fast way leaves ``record`` None (for a caller that needs only the
    checks, such as validation). Two ways of reading give the same result (``tests/unit/test_la_fast_scan.py`` proves it on generated
    files): the fast one (:class:`_FastLane`, tried first) and the tree one (``fast=False``, and where the
    fast one meets anything it does not read: the scan then starts again the tree way from the start of the
    stream, without handing out again the records already given)."""

    def __init__(self, name: FileName, *, fast: bool = True, build_records: bool = True) -> None:
        if name.kind not in (MessageType.REFERRAL, MessageType.REVISION, MessageType.RECALL):
            raise ValueError(f"{name} is not an inbound file")
        self.name = name
        self.fast = fast
        self.build_records = build_records
        self.used_tree = not fast
        self._reset()

    def _reset(self) -> None:
        self.errors: list[FileError] = []
        self.record_count = 0
        self._header: HeaderFacts | None = None
        self._first_seen: dict[str, tuple[int, int]] = {}  # DebtRef: (record number, line) where first used
        self._total = 0
        self._total_known = True

    def chunks(self, stream: BinaryIO, chunk_size: int) -> Iterator[list[ScannedRecord]]:
        chunk: list[ScannedRecord] = []
        for scanned in self._records(stream):
            chunk.append(scanned)
            if len(chunk) >= chunk_size:
                yield chunk
                chunk = []
        if chunk:
            yield chunk
        self.errors.extend(self._header_totals())

    def _records(self, stream: BinaryIO) -> Iterator[ScannedRecord]:
        start = stream.tell()
        given = 0
        if self.fast:
            try:
                for scanned in _FastLane(self, stream).records():
                    given += 1
                    yield scanned
                return
            except _NotForTheFastLane:
                self.used_tree = True
                self._reset()
                stream.seek(start)
        for number, scanned in enumerate(self._tree_records(stream)):
            if number >= given:
                yield scanned

    def _tree_records(self, stream: BinaryIO) -> Iterator[ScannedRecord]:
        for part in stream_parts(stream, self.name.kind):
            scanned = self._take(part)
            if scanned is not None:
                yield scanned

    def _take(self, part: Part) -> ScannedRecord | None:
        if part.kind == "error" and part.error is not None:
            self.errors.append(part.error)
            return None
        if part.element is None:
            return None
        if part.kind == "header":
            self._take_header(*check_header(part.element, self.name))
            return None
        return self._account(scan_record(part.element, self.name))

    def _take_header(self, header: HeaderFacts, errors: list[FileError]) -> None:
        self._header = header
        self.errors.extend(errors)

    def _account(self, scanned: ScannedRecord) -> ScannedRecord:
        self.record_count += 1
        self._count_amount(scanned.amount_pence)
        self._check_duplicate(scanned)
        if scanned.errors:
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
        # Records are told apart by their number in the file, not their line: a file written on one line (or
        # with CR-only line ends, which libxml2 does not count) has every record on the same line.
        first_number, first_line = self._first_seen.setdefault(ref, (self.record_count, scanned.line))
        if first_number != self.record_count:
            where = f"record {first_number} of the file (line {first_line})"
            scanned.errors.append(FileError(
                "DUPLICATE_DEBT_REF", f"DebtRef {_shown(ref)} is already used by {where}; each record of a file "
                "needs its own DebtRef: merge the records or remove one",
                scanned.debt_ref_line, _shown(ref), "DebtRef"))

    def _header_totals(self) -> list[FileError]:
        """COUNT_MISMATCH and TOTAL_MISMATCH of the header (spec §2), once every record has been seen: errors
        about the Header, with no DebtRef or Field (spec §4.3), at the line of its RecordCount or TotalAmount."""
        header = self._header
        if header is None:
            return []
        errors: list[FileError] = []
        if header.record_count is not None and header.record_count != self.record_count:
            errors.append(FileError("COUNT_MISMATCH", f"Header RecordCount is {header.record_count} but the file "
                                    f"has {self.record_count} records; correct RecordCount",
                                    header.count_line))
        if header.has_total and header.total_pence is not None and self._total_known \
                and header.total_pence != self._total:
            summed = "Total" if self.name.kind == MessageType.REFERRAL else "RevisedAmount"
            errors.append(FileError("TOTAL_MISMATCH", f"Header TotalAmount is {format_pounds(header.total_pence)} "
                                    f"but the records' {summed} values add up to {format_pounds(self._total)}; "
                                    "correct TotalAmount", header.total_line))
        return errors


# ------------------------------------------------------------------------------------------------ fast lane


class _NotForTheFastLane(Exception):
    """The fast lane met something it does not read (a comment, an attribute, a prefix, an entity, text
    between the root's children...): the file is scanned again the tree way."""


class _NullTarget:
    """A parser target with no callbacks: libxml2 checks that the file is well formed and builds nothing."""

    def close(self) -> None:
        return None


_WS = rb"[ \t\r\n]*"
_TAG = rb"[A-Za-z_][A-Za-z0-9_.\-]*"
_LEAF = rb"<(?P<leaf>" + _TAG + rb")[ \t\r\n]*(?:/>|>[^<&]*</(?P=leaf)[ \t\r\n]*>)"
_BRANCH = (rb"<(?P<branch>" + _TAG + rb")[ \t\r\n]*(?:/>|>[^<&]*(?:" + _LEAF + rb"[^<&]*)*</(?P=branch)"
           rb"[ \t\r\n]*>)")
# xs:date and xs:decimal collapse whitespace: a date or amount may have spaces around it.
_DAY = _WS + rb"([0-9]{4}-[0-9]{2}-[0-9]{2})" + _WS
_MONEY = _WS + rb"((?:0|[1-9][0-9]{0,7})\.[0-9]{2})" + _WS
_ANY_TEXT = rb"([^<&]*)"
_ANY_NAME = rb"([^<&]{1,140})"
# The NINO pattern of common.xsd, the same text.
_NINO_PATTERN = (rb"(?:[ACEHJLMOPRSW-Y][A-CEGHJ-NPR-TW-Z]|B[A-CEHJ-NPR-TW-Z]|G[ACEGHJ-NPR-TW-Z]|K[A-CEGHJ-MPR-TW-Z]"
                 rb"|N[A-CEGHJL-NPRSW-Z]|T[A-CEGHJ-MPR-TW-Z]|Z[A-CEGHJ-NPR-TW-Y])[0-9]{6}[A-D]")
_NINO = re.compile(_NINO_PATTERN)
# The Name type of common.xsd is (\p{L}\p{M}*|[ '’\-]){1,35}: 1-35 characters, a letter with the combining
# marks after it counting as one; and (a restriction of that) [^\p{L}]*\p{L}.*: at least one letter (§2: a name
# of spaces, apostrophes and hyphens only is no name), which the look-ahead says. The fast lane takes the
# letters and marks whose category is the same in every Unicode version and in libxml2's tables (ASCII, Latin-1
# and Latin Extended-A letters; the combining diacritical marks but U+0358-U+035C, which libxml2 does not count
# as marks); any other name goes to the schema itself.
_NAME_LETTER = "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u017f"
_NAME_MARK = "\u0300-\u0357\u035d-\u036f"
_NAME = re.compile(f"(?=[ '\u2019\\-]*[{_NAME_LETTER}])(?:[{_NAME_LETTER}][{_NAME_MARK}]*|[ '\u2019\\-]){{1,35}}")
_ASCII_NAME_PATTERN = rb"(?=[ '\-]*[A-Za-z])[A-Za-z '\-]{1,35}"


def _overpayment_text(money: bytes, day: bytes) -> bytes:
    return (rb"<Overpayment>" + _WS + rb"<Amount>" + money + rb"</Amount>" + _WS + rb"<PeriodStart>" + day
            + rb"</PeriodStart>" + _WS + rb"<PeriodEnd>" + day + rb"</PeriodEnd>" + _WS + rb"</Overpayment>")


_OVERPAYMENT = re.compile(rb"(" + _WS + rb")" + _overpayment_text(_MONEY, _DAY))


def _strict(kind: MessageType, nino: bytes, name: bytes) -> re.Pattern[bytes]:
    """A record of ``kind`` whose fields have the shapes of their XSD types, the NINO's text matching
    ``nino`` and the names' ``name`` (each one group)."""
    ref_nino = _WS + rb"<DebtRef>([A-Za-z0-9/\-]{1,20})</DebtRef>" + _WS + rb"<NINO>" + nino + rb"</NINO>"
    if kind == MessageType.REFERRAL:
        overpayment = _overpayment_text(_MONEY.replace(b"(", b"(?:", 1), _DAY.replace(b"(", b"(?:", 1))
        return re.compile(
            rb"(" + _WS + rb")<Referral>" + ref_nino + _WS + rb"<Surname>" + name + rb"</Surname>" + _WS
            + rb"<Forenames>" + name + rb"</Forenames>" + _WS + rb"<DateOfBirth>" + _DAY + rb"</DateOfBirth>" + _WS
            + rb"<Classification>(FRAUD|NON_FRAUD)</Classification>((?:" + _WS + overpayment + rb")+)" + _WS
            + rb"<Total>" + _MONEY + rb"</Total>" + _WS + rb"<DebtCreatedDate>" + _DAY + rb"</DebtCreatedDate>" + _WS
            + rb"</Referral>")
    if kind == MessageType.REVISION:
        return re.compile(
            rb"(" + _WS + rb")<Revision>" + ref_nino + rb"(?:" + _WS + rb"<RevisedAmount>" + _MONEY
            + rb"</RevisedAmount>)?(?:" + _WS + rb"<RevisedClassification>(FRAUD|NON_FRAUD)</RevisedClassification>)?"
            + _WS + rb"<Reason>(ENTITLEMENT_REVIEWED|APPEAL_DECIDED|FURTHER_OVERPAYMENT|CREDIT_OFFSET|ADDITIONAL_DEBT"
            rb"|CLAIMANT_PAID_LA)</Reason>" + _WS + rb"</Revision>")
    return re.compile(
        rb"(" + _WS + rb")<Recall>" + ref_nino + _WS + rb"<Reason>(LA_RECOVERY|INSOLVENCY|DEBT_RELIEF_ORDER"
        rb"|PAID_IN_FULL|WRITTEN_OFF|OTHER)</Reason>" + _WS + rb"</Recall>")


_INBOUND = (MessageType.REFERRAL, MessageType.REVISION, MessageType.RECALL)
# Per kind: the record with its NINO and names as the schema wants them (most records), and with any text
# there (then judged in Python: BAD_NINO, or names beyond ASCII).
_STRICT: dict[MessageType, tuple[re.Pattern[bytes], re.Pattern[bytes]]] = {
    kind: (_strict(kind, rb"(" + _NINO_PATTERN + rb")", rb"(" + _ASCII_NAME_PATTERN + rb")"),
           _strict(kind, _ANY_TEXT, _ANY_NAME))
    for kind in _INBOUND
}


def _plain_element(tag: str) -> re.Pattern[bytes]:
    """An element ``tag`` with no attributes whose content is text and elements two levels deep, each with no
    attributes, no prefix, no comment, no entity or character reference and no CDATA section."""
    name = tag.encode()
    return re.compile(rb"(" + _WS + rb")<" + name + rb">[^<&]*(?:" + _BRANCH + rb"[^<&]*)*</" + name + rb">")


_PLAIN = {kind: _plain_element(RECORD_ELEMENT[kind]) for kind in _INBOUND}
_HEADER = re.compile(rb"(" + _WS + rb")<Header>[^<&]*(?:" + _LEAF + rb"[^<&]*)*</Header>")
_ROOT_START = {
    kind: re.compile(rb"(?:\xef\xbb\xbf)?(?:<\?xml[ \t\r\n][^?<>]*\?>)?[ \t\r\n]*<" + ROOT_ELEMENT[kind].encode()
                     + rb"[ \t\r\n]+xmlns[ \t\r\n]*=[ \t\r\n]*(?:\"" + NAMESPACE.encode() + rb"\"|'"
                     + NAMESPACE.encode() + rb"')[ \t\r\n]*>")
    for kind in _INBOUND
}
_ROOT_END = {kind: re.compile(_WS + rb"</" + ROOT_ELEMENT[kind].encode() + rb"[ \t\r\n]*>[ \t\r\n]*\Z")
             for kind in _INBOUND}
_MAX_PENDING = 8 * CHUNK_BYTES
_MAX_OVERPAYMENTS = 50
_DAYS_KEPT = 50_000
_NOT_READ = date.min


def _other_name(text: bytes) -> bool:
    """A name with letters beyond ASCII that the fast lane can still judge (:data:`_NAME`)."""
    try:
        return _NAME.fullmatch(text.decode("utf-8")) is not None
    except UnicodeDecodeError:
        return False


def _pence(text: bytes) -> int:
    """Pence of an amount already matched as (0|[1-9][0-9]{0,7})\\.[0-9]{2}."""
    return int(text.replace(b".", b""))


class _FastLane:
    """Scan a file by matching its bytes, record by record, against the shapes a file written plainly has
    (the Header and records of the message's XSD, whitespace between elements, no comments, attributes,
    prefixes, entities or CDATA), while libxml2 checks in the same pass that the whole file is well formed
    (building nothing).

    A record whose every field matches its XSD type exactly (:data:`_STRICT` and the checks in
    ``_strict_*``: the same patterns, real calendar dates, amounts > 0.00 where the schema says so, at most
    50 overpayments) passes the schema, so its §6.1 rules are checked on the matched texts without building
    any element. A record whose only fault is its NINO gets its BAD_NINO here too. Any other record of a
    plain shape is parsed on its own and checked by :func:`scan_record` (the schema's own messages), its
    lines moved to where it is in the file. Anything else raises :class:`_NotForTheFastLane`.
    ``tests/unit/test_la_fast_scan.py`` shows, on generated records and files, that a record passes here
    exactly when the per-record schema passes it, and that a whole scan gives what the tree scan gives."""

    def __init__(self, scanner: FileScanner, stream: BinaryIO) -> None:
        self.scanner = scanner
        self.name = scanner.name
        self.kind = scanner.name.kind
        self.stream = stream
        self.buffer = b""
        self.pos = 0
        self.line = 1
        self.eof = False
        self.creation = scanner.name.creation_date
        self.creation_text = self.creation.isoformat().encode()
        self.wellformed = etree.XMLParser(target=_NullTarget(), **hardened_parser_options())
        self.fragments = etree.XMLParser(**hardened_parser_options())
        self.days: dict[bytes, date] = {}
        self.build = scanner.build_records

    # -------------------------------------------------------------------------------------- bytes

    def _more(self) -> bool:
        """Read the next chunk (libxml2 checks it first); False at the end of the file."""
        if self.eof:
            return False
        chunk = self.stream.read(CHUNK_BYTES)
        if not chunk:
            self.eof = True
            self._close()
            return False
        try:
            self.wellformed.feed(chunk)
        except etree.XMLSyntaxError as error:
            raise not_well_formed(error) from None
        self.buffer = self.buffer[self.pos:] + chunk
        self.pos = 0
        if len(self.days) > _DAYS_KEPT:  # between records: no record is reading its dates from it
            self.days.clear()
        return True

    def _close(self) -> None:
        try:
            self.wellformed.close()
        except etree.XMLSyntaxError as error:
            raise not_well_formed(error) from None

    def _match(self, pattern: re.Pattern[bytes]) -> re.Match[bytes] | None:
        found = pattern.match(self.buffer, self.pos)
        while found is None and len(self.buffer) - self.pos < _MAX_PENDING and self._more():
            found = pattern.match(self.buffer, self.pos)
        return found

    def _line_at(self, position: int) -> int:
        return self.line + self.buffer.count(b"\n", self.pos, position)

    def _tag_line(self, tag: bytes, before: int) -> int:
        """The line of the last ``tag`` before ``before`` (an element's start tag, where libxml2 puts it)."""
        return self._line_at(self.buffer.rfind(tag, self.pos, before))

    def _advance(self, position: int) -> None:
        self.line += self.buffer.count(b"\n", self.pos, position)
        self.pos = position

    def _drain(self) -> None:
        """A part that libxml2 would not parse on its own: the whole file is not well formed, so read it to
        the end to get libxml2's error; if there is none, leave the file to the tree scan."""
        while self._more():
            pass
        raise _NotForTheFastLane

    def _fragment(self, start: int, end: int, tag: str) -> etree._Element:
        opening = f"<{tag}>".encode()
        text = f'<{tag} xmlns="{NAMESPACE}">'.encode() + self.buffer[start + len(opening): end]
        try:
            return etree.fromstring(text, self.fragments)
        except etree.XMLSyntaxError:
            self._drain()
            raise

    # -------------------------------------------------------------------------------------- file

    def records(self) -> Iterator[ScannedRecord]:
        self._more()
        root = self._match(_ROOT_START[self.kind])
        if root is None:
            raise _NotForTheFastLane
        self._advance(root.end())
        self._header()
        (exact, strict), plain, end = _STRICT[self.kind], _PLAIN[self.kind], _ROOT_END[self.kind]
        take = {MessageType.REFERRAL: self._referral, MessageType.REVISION: self._revision,
                MessageType.RECALL: self._recall}[self.kind]
        account = self.scanner._account
        while True:
            found = exact.match(self.buffer, self.pos)
            matched_exactly = found is not None
            if found is None:
                found = strict.match(self.buffer, self.pos)
            if found is not None:
                scanned = take(found, matched_exactly)
                if scanned is None:
                    scanned = self._plain(found.end(1), found.end())
                else:
                    self._advance(found.end())
                yield account(scanned)
                continue
            found = plain.match(self.buffer, self.pos)
            if found is not None:
                yield account(self._plain(found.end(1), found.end()))
                continue
            if len(self.buffer) - self.pos < _MAX_PENDING and self._more():
                continue
            if not self.eof or end.match(self.buffer, self.pos) is None or self.scanner.record_count == 0:
                raise _NotForTheFastLane
            return

    def _header(self) -> None:
        found = self._match(_HEADER)
        if found is None:
            raise _NotForTheFastLane
        start = found.end(1)
        line = self._line_at(start)
        element = self._fragment(start, found.end(), "Header")
        facts, errors = check_header(element, self.name)
        facts.moved(line - 1)
        self.scanner._take_header(facts, [_moved(e, line - 1) for e in errors])
        self._advance(found.end())

    def _plain(self, start: int, end: int) -> ScannedRecord:
        """A record of a plain shape that is not strictly valid: the schema's own messages, via the tree."""
        line = self._line_at(start)
        element = self._fragment(start, end, RECORD_ELEMENT[self.kind])
        scanned = scan_record(element, self.name)
        self._advance(end)
        if line > 1:
            scanned.moved(line - 1)
        return scanned

    # -------------------------------------------------------------------------------------- records

    def _day(self, text: bytes) -> date | None:
        """The date of a text matched as [0-9]{4}-[0-9]{2}-[0-9]{2}, or None if it is no real date (read once
        per text: files repeat their dates)."""
        try:
            found = date.fromisoformat(text.decode("ascii"))
        except ValueError:
            return None
        self.days[text] = found
        return found

    def _field_lines(self, found: re.Match[bytes], scanned: ScannedRecord) -> None:
        """Set the lines of a matched record's DebtRef and NINO (groups 2 and 3 of every :data:`_STRICT`
        pattern), for a record with a line break before its NINO (a record written on one line has them on
        its own line, and the caller leaves them unset)."""
        buffer, ref_at, nino_at = self.buffer, found.start(2), found.start(3)
        scanned.ref_line = scanned.line + buffer.count(b"\n", found.end(1), ref_at)
        scanned.nino_at = scanned.ref_line + buffer.count(b"\n", ref_at, nino_at)

    def _nino(self, found: re.Match[bytes], group: int, debt_ref: str, exact: bool
              ) -> tuple[str, list[FileError]] | None:
        """The NINO's text and its BAD_NINO error (none when it matches the schema's pattern)."""
        text = found.group(group)
        if exact or _NINO.fullmatch(text):
            return text.decode("ascii"), []
        try:
            nino = text.decode("utf-8")
        except UnicodeDecodeError:
            return None
        line = self._line_at(found.start(group) - len(b"<NINO>"))
        return nino.strip(), [_bad_nino(nino, line, debt_ref)]

    def _referral(self, found: re.Match[bytes], exact: bool) -> ScannedRecord | None:
        """A referral whose fields all have their schema's shape (None: leave it to the schema)."""
        (_, ref, nino_text, surname_text, forenames_text, birth_text, classification, _, total_text,
         created_text) = found.groups()
        days = self.days
        birth = days.get(birth_text) or self._day(birth_text)
        created = days.get(created_text) or self._day(created_text)
        if birth is None or created is None:
            return None
        if not exact and not (_other_name(surname_text) and _other_name(forenames_text)):
            return None
        parts = _OVERPAYMENT.findall(self.buffer, found.start(8), found.end(8))
        if len(parts) > _MAX_OVERPAYMENTS:
            return None
        added = 0
        creation = self.creation_text
        dated = False
        for _, amount_text, start_text, end_text in parts:
            if amount_text == b"0.00" or not (days.get(start_text) or self._day(start_text)) \
                    or not (days.get(end_text) or self._day(end_text)):
                return None
            added += int(amount_text.replace(b".", b""))
            dated = dated or start_text > end_text or end_text > creation
        debt_ref = ref.decode("ascii")
        errors: list[FileError]
        if exact:
            nino, errors = nino_text.decode("ascii"), []
        else:
            read = self._nino(found, 3, debt_ref, exact)
            if read is None:
                return None
            nino, errors = read
        line = self._line_at(found.end(1))
        total = int(total_text.replace(b".", b""))
        if birth_text > creation:
            errors.append(_born_after_creation(birth, self.creation,
                                               self._tag_line(b"<DateOfBirth>", found.start(6)), debt_ref))
        if dated:
            for number, (_, _, start_text, end_text) in enumerate(parts, start=1):
                errors += self._period_errors(found, number, days[start_text], days[end_text], debt_ref)
        if created_text > creation:
            errors.append(_created_after_creation(created, self.creation,
                                                  self._tag_line(b"<DebtCreatedDate>", found.start(10)),
                                                  debt_ref))
        if added != total:
            errors.append(_total_mismatch(total, added, self._tag_line(b"<Total>", found.start(9)), debt_ref))
        record = None
        if self.build and (not errors or errors[0].code != "BAD_NINO"):
            record = ReferralRecord(
                debt_ref, nino, person_name(surname_text.decode()), person_name(forenames_text.decode()), birth,
                "FRAUD" if classification == b"FRAUD" else "NON_FRAUD",
                tuple([Overpayment(int(a.replace(b".", b"")), days[s], days[e]) for _, a, s, e in parts]),
                total, created, line)
        scanned = ScannedRecord(line, debt_ref, nino, record, total, errors)
        if self.buffer.find(b"\n", found.end(1), found.start(3)) >= 0:  # a line break before the NINO
            self._field_lines(found, scanned)
        return scanned

    def _period_errors(self, found: re.Match[bytes], number: int, start: date, end: date, debt_ref: str
                       ) -> list[FileError]:
        errors: list[FileError] = []
        if start > end or end > self.creation:
            part = list(_OVERPAYMENT.finditer(self.buffer, found.start(8), found.end(8)))[number - 1]
            if start > end:
                at = self._tag_line(b"<PeriodStart>", part.start(3))
                errors.append(_period_reversed(number, start, end, at, debt_ref))
            if end > self.creation:
                at = self._tag_line(b"<PeriodEnd>", part.start(4))
                errors.append(_period_after_creation(number, end, self.creation, at, debt_ref))
        return errors

    def _revision(self, found: re.Match[bytes], exact: bool) -> ScannedRecord | None:
        _, ref, _, amount_text, classification, reason = found.groups()
        if amount_text is None and classification is None:
            return None
        debt_ref = ref.decode("ascii")
        read = self._nino(found, 3, debt_ref, exact)
        if read is None:
            return None
        nino, errors = read
        line = self._line_at(found.end(1))
        amount = _pence(amount_text) if amount_text is not None else None
        if amount == 0:
            errors.append(_zero_revision(self._tag_line(b"<RevisedAmount>", found.start(4)), debt_ref))
        record = None if errors and errors[0].code == "BAD_NINO" else RevisionRecord(
            debt_ref, nino, amount, classification.decode("ascii") if classification is not None else None,
            reason.decode("ascii"), line)
        scanned = ScannedRecord(line, debt_ref, nino, record, amount if amount is not None else 0, errors)
        if self.buffer.find(b"\n", found.end(1), found.start(3)) >= 0:
            self._field_lines(found, scanned)
        return scanned

    def _recall(self, found: re.Match[bytes], exact: bool) -> ScannedRecord | None:
        _, ref, _, reason = found.groups()
        debt_ref = ref.decode("ascii")
        read = self._nino(found, 3, debt_ref, exact)
        if read is None:
            return None
        nino, errors = read
        line = self._line_at(found.end(1))
        record = None if errors else RecallRecord(debt_ref, nino, reason.decode("ascii"), line)
        scanned = ScannedRecord(line, debt_ref, nino, record, 0, errors)
        if self.buffer.find(b"\n", found.end(1), found.start(3)) >= 0:
            self._field_lines(found, scanned)
        return scanned


def _moved(error: FileError, by: int) -> FileError:
    return replace(error, line=error.line + by) if by else error


def fast_schema_verdict(name: FileName, record: bytes) -> bool:
    """Whether the fast lane takes ``record`` (the bytes of one record element, written without a namespace
    declaration, inside a file named ``name``) as passing the per-record schema without asking the schema.
    False means the record goes to the schema (or is a BAD_NINO). For the equivalence tests."""
    lane = _FastLane(FileScanner(name), io.BytesIO(b""))
    lane.buffer = record
    exact, strict = _STRICT[name.kind]
    found = exact.match(record)
    matched_exactly = found is not None
    if found is None:
        found = strict.match(record)
    if found is None or found.end() != len(record):
        return False
    take = {MessageType.REFERRAL: lane._referral, MessageType.REVISION: lane._revision,
            MessageType.RECALL: lane._recall}[name.kind]
    scanned = take(found, matched_exactly)
    return scanned is not None and scanned.record is not None
