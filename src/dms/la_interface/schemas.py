"""The XML schemas of the LA interface (hb-debt-interface.md §2-4) and their loader.

One XSD per message type lives in ``dms/la_interface/xsd/`` (package data), each including ``common.xsd``
for the shared simple types and the header. :func:`schema` loads and caches a compiled schema; the loader
reads only those local files (no network, no DTD, no entities). :func:`xsd_path` gives a schema's file so
other tools (``xmllint --schema``) can use the very same text.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from lxml import etree

from dms.la_interface.names import MessageType

NAMESPACE = "urn:dms:hb-debt:1"
XSD_DIR = Path(__file__).resolve().parent / "xsd"

# Root element of each message type (spec §3-4); the XSD file has the same name.
ROOT_ELEMENT: dict[MessageType, str] = {
    MessageType.REFERRAL: "ReferralFile",
    MessageType.REVISION: "RevisionFile",
    MessageType.RECALL: "RecallFile",
    MessageType.CESSATION: "CessationFile",
    MessageType.SCHEDULE: "PaymentSchedule",
    MessageType.FAILURE_NOTICE: "FileFailureNotice",
}
# Record element of each message type, and the name of its complex type in the XSD.
RECORD_ELEMENT: dict[MessageType, str] = {
    MessageType.REFERRAL: "Referral",
    MessageType.REVISION: "Revision",
    MessageType.RECALL: "Recall",
    MessageType.CESSATION: "Cessation",
    MessageType.SCHEDULE: "Line",
    MessageType.FAILURE_NOTICE: "FailedFile",
}
RECORD_TYPE: dict[MessageType, str] = {
    MessageType.REFERRAL: "ReferralType",
    MessageType.REVISION: "RevisionType",
    MessageType.RECALL: "RecallType",
    MessageType.CESSATION: "CessationType",
    MessageType.SCHEDULE: "LineType",
    MessageType.FAILURE_NOTICE: "FailedFileType",
}
HEADER_TYPE: dict[MessageType, str] = {
    MessageType.REFERRAL: "HeaderWithTotal",
    MessageType.REVISION: "HeaderWithTotal",
    MessageType.RECALL: "Header",
    MessageType.CESSATION: "HeaderWithTotal",
    MessageType.SCHEDULE: "ScheduleHeaderType",
    MessageType.FAILURE_NOTICE: "Header",
}


def _kind(kind: MessageType | str) -> MessageType:
    """Accepts a :class:`MessageType`, ``dms.store.la.models.FileKind`` (same values), ``"LAREF"`` or the
    root element name ``"ReferralFile"``."""
    for member in MessageType:
        if str(kind) in (member.value, ROOT_ELEMENT[member]) or kind == member:
            return member
    raise ValueError(f"unknown message type {kind!r}: use one of {', '.join(k.value for k in MessageType)}")


def xsd_path(kind: MessageType | str) -> Path:
    """The XSD file of a message type (``LAREF`` or ``MessageType.REFERRAL`` or ``ReferralFile``)."""
    return XSD_DIR / f"{ROOT_ELEMENT[_kind(kind)]}.xsd"


def _schema_parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


@cache
def schema(kind: MessageType | str) -> etree.XMLSchema:
    """The compiled schema of a whole file of ``kind`` (cached)."""
    path = xsd_path(kind)
    return etree.XMLSchema(etree.parse(str(path), _schema_parser()))


@cache
def part_schema(kind: MessageType | str) -> etree.XMLSchema:
    """A schema that validates the parts of a file of ``kind`` one at a time: it declares the ``Header`` and
    the record element (``Referral`` etc.) as top-level elements of the same types as in the message's XSD,
    so a streamed record can be validated on its own with its line numbers (cached)."""
    member = _kind(kind)
    return _schema_declaring(member, {"Header": HEADER_TYPE[member], RECORD_ELEMENT[member]: RECORD_TYPE[member]})


def _schema_declaring(member: MessageType, elements: dict[str, str]) -> etree.XMLSchema:
    """The message's XSD with ``elements`` (name: type of that XSD) declared top-level, so that each can be
    validated on its own."""
    declared = "\n".join(f'  <xs:element name="{name}" type="{type_name}"/>' for name, type_name in elements.items())
    text = f"""<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns="{NAMESPACE}" targetNamespace="{NAMESPACE}"
           elementFormDefault="qualified">
  <xs:include schemaLocation="{xsd_path(member).name}"/>
{declared}
</xs:schema>"""
    document = etree.fromstring(text.encode(), _schema_parser(), base_url=(XSD_DIR / "parts.xsd").as_uri())
    return etree.XMLSchema(document)


_XS = "{http://www.w3.org/2001/XMLSchema}"


@cache
def _declared(kind: MessageType | str) -> tuple[dict[str, list[tuple[str, str, bool]]], dict[str, list[tuple[str, ...]]]]:
    """The named complex types of ``kind``'s XSD and ``common.xsd``: ``{type: [(element, its type, required),
    ...]}`` in the order declared, a base type's elements first (``HeaderWithTotal`` extends ``Header``), an
    element required unless ``minOccurs="0"`` or one branch of a choice; and ``{type: [(element, ...), ...]}``,
    its required choices, each as the elements any of which it needs."""
    elements: dict[str, list[tuple[str, str, bool]]] = {}
    choices: dict[str, list[tuple[str, ...]]] = {}
    bases: dict[str, str] = {}
    for path in (xsd_path(_kind(kind)), XSD_DIR / "common.xsd"):
        tree = etree.parse(str(path), _schema_parser())
        for complex_type in tree.iter(f"{_XS}complexType"):
            name = complex_type.get("name")
            if not name:
                continue
            elements[name] = [(e.get("name", ""), e.get("type", ""), e.get("minOccurs", "1") != "0"
                               and not any(a.tag == f"{_XS}choice" for a in e.iterancestors()))
                              for e in complex_type.iter(f"{_XS}element") if e.get("name")]
            choices[name] = [tuple(dict.fromkeys(e.get("name", "") for e in choice.iter(f"{_XS}element")
                                                 if e.get("name")))
                             for choice in complex_type.iter(f"{_XS}choice") if choice.get("minOccurs") != "0"]
            for extension in complex_type.iter(f"{_XS}extension"):
                bases[name] = extension.get("base", "")

    def children(type_name: str) -> list[tuple[str, str, bool]]:
        base = bases.get(type_name)
        return (children(base) if base else []) + elements.get(type_name, [])

    return {name: children(name) for name in elements}, choices


def _element_types(kind: MessageType | str) -> dict[str, str]:
    """``{element: complex type}`` of the Header and record of ``kind`` and the complex elements inside them
    (``Overpayment``)."""
    member = _kind(kind)
    types, _ = _declared(member)
    found: dict[str, str] = {}

    def walk(element_name: str, type_name: str) -> None:
        found.setdefault(element_name, type_name)
        for child, child_type, _ in types.get(type_name, []):
            if child_type in types:
                walk(child, child_type)

    walk(RECORD_ELEMENT[member], RECORD_TYPE[member])
    walk("Header", HEADER_TYPE[member])
    return found


@cache
def leaf_types(kind: MessageType | str) -> dict[str, dict[str, str]]:
    """``{parent element: {child element: simple type}}`` of the Header and record of ``kind`` and the complex
    elements inside them (``Overpayment``), read from the message's XSD and ``common.xsd``: the type each
    leaf field's value must have where it stands. Used to check every field's value of a record whose
    structure the schema refused (libxml2 stops checking a record's content at the first misplaced or
    missing element)."""
    types, _ = _declared(kind)
    found: dict[str, dict[str, str]] = {}
    for element, type_name in _element_types(kind).items():
        for child, child_type, _ in types[type_name]:
            if child_type and child_type not in types:
                found.setdefault(element, {}).setdefault(child, child_type)
    return found


@cache
def child_sequence(kind: MessageType | str) -> dict[str, tuple[tuple[str, bool], ...]]:
    """``{parent element: ((child element, required), ...)}`` in the order the XSD's sequence gives them (each
    element once), for the Header and record of ``kind`` and the complex elements inside them
    (``Overpayment``): what an element must hold, so that an error can name each element missing from it
    (spec §4.3)."""
    types, _ = _declared(kind)
    found: dict[str, tuple[tuple[str, bool], ...]] = {}
    for element, type_name in _element_types(kind).items():
        first: dict[str, bool] = {}
        for child, _, required in types[type_name]:
            first.setdefault(child, required)
        found[element] = tuple(first.items())
    return found


@cache
def choice_groups(kind: MessageType | str) -> dict[str, tuple[tuple[str, ...], ...]]:
    """``{parent element: ((element, ...), ...)}``: the required choices of the Header and record of ``kind``,
    each as the elements any of which it needs (a revision's ``RevisedAmount`` or ``RevisedClassification``,
    spec §3.2), read from the XSD."""
    member = _kind(kind)
    _, choices = _declared(member)
    return {RECORD_ELEMENT[member]: tuple(choices.get(RECORD_TYPE[member], ())),
            "Header": tuple(choices.get(HEADER_TYPE[member], ()))}


@cache
def leaf_schema(kind: MessageType | str, element: str, type_name: str) -> etree.XMLSchema:
    """A schema with one top-level element ``element`` of the simple type ``type_name`` of ``kind``'s XSD: a
    single field's value checked on its own (cached)."""
    return _schema_declaring(_kind(kind), {element: type_name})
