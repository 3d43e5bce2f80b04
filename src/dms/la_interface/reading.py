"""Reading an inbound XML file safely and in constant memory (hb-debt-interface.md §2, §6.1).

Two passes over the bytes, neither of which holds the whole file:

1. :func:`check_bytes` reads the file in chunks and finds what makes a file unreadable (outcome ``CORRUPT``,
   §6.1, circular §50): bytes that are not UTF-8 or an encoding declaration other than UTF-8 (``NOT_UTF8``),
   and a document type declaration or entity declaration (``DTD_FORBIDDEN``; not the words in a comment,
   CDATA section or processing instruction). A DTD never reaches the XML parser.
2. :func:`stream_parts` parses with a hardened lxml parser (no DTD loading, no entity resolution, no network;
   libxml2's size limit on one node lifted: :func:`hardened_parser_options`) using ``iterparse``, yields the
   ``Header`` and each record element as soon as it is complete and frees each one after use. Syntax errors
   become ``NOT_WELL_FORMED`` with their line; elements out of place in the root become ``SCHEMA`` errors.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from lxml import etree

from dms.la_interface.names import MessageType
from dms.la_interface.records import FileError
from dms.la_interface.schemas import NAMESPACE, RECORD_ELEMENT, ROOT_ELEMENT

CHUNK_BYTES = 1 << 20
_BOM = b"\xef\xbb\xbf"
_WIDE_STARTS = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff", b"<\x00", b"\x00<")
_DECLARATION = re.compile(rb"<\?xml[ \t\r\n][^>]*?encoding[ \t\r\n]*=[ \t\r\n]*[\"']([^\"']*)[\"']")
_VERSION = re.compile(rb"<\?xml[ \t\r\n]+version[ \t\r\n]*=[ \t\r\n]*[\"']([^\"']*)[\"']")
# What opens a document type or entity declaration, and the constructs whose content may hold those words
# as text (a comment, a CDATA section, a processing instruction), each with what closes it.
_MARKUP = re.compile(rb"<!DOCTYPE|<!ENTITY|<!--|<!\[CDATA\[|<\?")
_CLOSES = {b"<!--": b"-->", b"<![CDATA[": b"]]>", b"<?": b"?>"}
_OPEN_OVERLAP = len(b"<![CDATA[") - 1


class CorruptFile(Exception):
    """The file cannot be read as the interface's XML (outcome CORRUPT); ``error`` says why and where."""

    def __init__(self, error: FileError) -> None:
        super().__init__(error.message)
        self.error = error


def _not_utf8(message: str, line: int) -> CorruptFile:
    return CorruptFile(FileError("NOT_UTF8", message, line))


def _check_start(head: bytes) -> None:
    """A UTF-16/32 byte order mark or wide characters, an XML version other than 1.0 (spec §2: "XML 1.0"), or
    an encoding declaration other than UTF-8."""
    if head.startswith(_WIDE_STARTS):
        raise _not_utf8("the file is not UTF-8 (it looks like UTF-16 or UTF-32); save it as UTF-8", 1)
    version = _VERSION.match(head.removeprefix(_BOM))
    if version is not None and version.group(1) != b"1.0":
        declared = version.group(1).decode("ascii", "replace")
        raise CorruptFile(FileError(
            "NOT_WELL_FORMED", f"the XML declaration says version=\"{declared}\"; files are XML 1.0 (spec §2): "
            "declare version=\"1.0\"", 1))
    match = _DECLARATION.match(head.removeprefix(_BOM))
    if match is not None and match.group(1).lower() != b"utf-8":
        declared = match.group(1).decode("ascii", "replace")
        raise _not_utf8(
            f"the XML declaration says encoding=\"{declared}\"; files must be UTF-8: save the file as UTF-8 and "
            "declare encoding=\"UTF-8\" (or leave the encoding out)", 1,
        )


def check_bytes(stream: BinaryIO) -> None:
    """Raise :class:`CorruptFile` if the bytes are not UTF-8 or hold a DTD or entity declaration
    (spec §2, §6.1). Reads ``stream`` to its end in chunks. The words of a comment, CDATA section or
    processing instruction are text, not markup (XML 1.0 §2.5, §2.6, §2.7): ``<!-- no <!ENTITY here -->``
    declares nothing."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    scanner = _DeclarationScanner()
    line, first = 1, True
    while chunk := stream.read(CHUNK_BYTES):
        if first:
            _check_start(chunk)
            first = False
        try:
            decoder.decode(chunk)
        except UnicodeDecodeError as error:
            at = line + error.object[: error.start].count(b"\n")
            bad = error.object[error.start: error.start + 1].hex().upper()
            raise _not_utf8(
                f"byte 0x{bad} at line {at} is not valid UTF-8 ({error.reason}); save the file as UTF-8", at
            ) from None
        scanner.feed(chunk)
        line += chunk.count(b"\n")
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise _not_utf8(f"the file ends inside a UTF-8 character at line {line}; save the file as UTF-8",
                        line) from None


class _DeclarationScanner:
    """Finds ``<!DOCTYPE`` or ``<!ENTITY`` in markup, chunk by chunk, skipping the content of comments, CDATA
    sections and processing instructions (where they are only text). Keeps at most a few bytes between
    chunks, so a marker split across two chunks is still found."""

    def __init__(self) -> None:
        self.carry = b""
        self.line = 1  # the line of the first byte of ``carry``
        self.closes: bytes | None = None  # what ends the comment, CDATA section or PI the scan is inside

    def feed(self, chunk: bytes) -> None:
        window = self.carry + chunk
        pos = 0
        while True:
            if self.closes is not None:
                end = window.find(self.closes, pos)
                if end < 0:
                    keep = max(pos, len(window) - (len(self.closes) - 1))
                    break
                pos, self.closes = end + len(self.closes), None
                continue
            found = _MARKUP.search(window, pos)
            if found is None:
                keep = max(pos, len(window) - _OPEN_OVERLAP)
                break
            marker = found.group()
            if marker in _CLOSES:
                pos, self.closes = found.end(), _CLOSES[marker]
                continue
            at = self.line + window.count(b"\n", 0, found.start())
            raise CorruptFile(FileError(
                "DTD_FORBIDDEN",
                f"line {at} has {marker.decode()}: files may not carry a document type (DTD) or entity "
                "declarations; remove it and write the values themselves", at,
            ))
        self.line += window.count(b"\n", 0, keep)
        self.carry = window[keep:]


def qualified(local: str) -> str:
    return f"{{{NAMESPACE}}}{local}"


def local_name(tag: object) -> str:
    text = str(tag)
    return text.rsplit("}", 1)[-1]


@dataclass(frozen=True, slots=True)
class Part:
    """A ``Header`` or record element of the file, or a structural error found in the root element."""

    kind: str  # "header", "record" or "error"
    element: etree._Element | None = None
    error: FileError | None = None


def hardened_parser_options() -> dict[str, object]:
    """The lxml options every inbound parse uses (engineering guide §2: DTDs and entities off, no network).

    ``huge_tree`` lifts libxml2's own limit of about 10 MB on one text or comment node (and 256 levels of
    nesting), which would fail as ``NOT_WELL_FORMED`` ("Comment too big") a well-formed file within the
    20 MiB a member may be (spec §5.1, §6.1; docs/la-interface-notes.md "Huge nodes"). What that limit
    guards against is not here: a DTD or entity declaration is refused before the parser sees the file
    (:func:`check_bytes`), entities are not resolved, nothing is fetched, and a file is at most 20 MiB."""
    return {"resolve_entities": False, "load_dtd": False, "no_network": True, "huge_tree": True,
            "dtd_validation": False, "attribute_defaults": False}


def _free(element: etree._Element) -> None:
    """Drop a finished element's content and everything before it in its parent, so memory stays flat."""
    element.clear(keep_tail=True)
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


def namespace_fault(tag: object) -> str | None:
    """What is wrong when an element is not in the interface's namespace (spec §2: "namespace
    urn:dms:hb-debt:1"), in words an LA can act on; None when it is in it."""
    if not isinstance(tag, str) or tag.startswith(f"{{{NAMESPACE}}}"):
        return None
    found = f"namespace {tag[1:].split('}')[0]}" if tag.startswith("{") else "no namespace"
    return (f"element {local_name(tag)} is in {found}, not {NAMESPACE}: every element of the file is in that "
            f"namespace (spec §2); declare it once on the root (xmlns=\"{NAMESPACE}\") and remove the other "
            "xmlns declarations and prefixes")


def _unexpected(element: etree._Element) -> FileError:
    fault = namespace_fault(element.tag)
    message = fault or (f"element {local_name(element.tag)} is not expected here: the root holds one Header "
                        "and then the records; remove it or move it into place")
    return FileError("SCHEMA", message, element.sourceline or 0)


def _text_error(text: str | None, line: int) -> FileError | None:
    if text is not None and text.strip():
        return FileError("SCHEMA", f"text {text.strip()[:40]!r} is not allowed between the elements of the "
                         "root; remove it", line)
    return None


def _sibling_errors(siblings: Iterator[etree._Element], expected: tuple[str, ...]) -> Iterator[FileError]:
    """Root children other than the Header and records, and text between the root's children."""
    for sibling in siblings:
        if isinstance(sibling.tag, str) and sibling.tag not in expected:
            yield _unexpected(sibling)
        text_error = _text_error(sibling.tail, sibling.sourceline or 0)
        if text_error:
            yield text_error


@dataclass
class _Stream:
    """What the stream has seen so far."""

    root: etree._Element | None = None
    wrong_root: bool = False
    headers: int = 0
    records: int = 0


def stream_parts(stream: BinaryIO, kind: MessageType) -> Iterator[Part]:
    """Yield the Header and record elements of a file of ``kind`` in document order, each freed once the
    consumer asks for the next part, and the structural errors of the root element (``SCHEMA``) where they
    are found: errors about the root, inside no record, so with no DebtRef or Field (spec §4.3). Raises :class:`CorruptFile` (NOT_WELL_FORMED, DTD_FORBIDDEN)."""
    root_tag, header_tag = qualified(ROOT_ELEMENT[kind]), qualified("Header")
    expected = (header_tag, qualified(RECORD_ELEMENT[kind]))
    events = etree.iterparse(stream, events=("end",), tag=expected, encoding="utf-8", **hardened_parser_options())
    seen = _Stream()
    try:
        for _, element in events:
            if seen.root is None:
                seen.root = element.getroottree().getroot()
                _refuse_doctype(seen.root)
                seen.wrong_root = seen.root.tag != root_tag
            if seen.wrong_root or element.getparent() is not seen.root:
                continue  # reported by _root_errors, or by the schema check of the record holding it
            preceding = reversed(list(element.itersiblings(preceding=True)))
            yield from (Part("error", error=e) for e in _sibling_errors(preceding, expected))
            yield from _place(element, header_tag, seen)
            _free(element)
        if seen.root is None:
            seen.root = events.root
            _refuse_doctype(seen.root)
    except etree.XMLSyntaxError as error:
        raise not_well_formed(error) from None
    yield from (Part("error", error=e) for e in _root_errors(seen, root_tag, expected))


def _place(element: etree._Element, header_tag: str, seen: _Stream) -> Iterator[Part]:
    line = element.sourceline or 0
    if element.tag == header_tag:
        seen.headers += 1
        if seen.headers > 1 or seen.records:
            yield Part("error", error=FileError("SCHEMA", "the Header must come once, first in the file; remove "
                                                "this one or move it to the start", line))
        else:
            yield Part("header", element=element)
        return
    if seen.headers == 0 and seen.records == 0:
        yield Part("error", error=FileError("SCHEMA", "the file has no Header before its first record; start "
                                            "the file with its Header (spec §2)", line))
    seen.records += 1
    yield Part("record", element=element)


def _refuse_doctype(root: etree._Element | None) -> None:
    if root is not None and root.getroottree().docinfo.doctype:
        raise CorruptFile(FileError("DTD_FORBIDDEN", "the file has a document type (DTD); remove it", 1))


# XML Schema Part 1 §2.6.3: ``xsi:schemaLocation`` and ``xsi:noNamespaceSchemaLocation`` are hints any element
# may carry and a validator may ignore; the file's own XSD accepts them (``xmllint --schema`` does), so a
# supplier's file naming its schema is valid. DMS ignores them (it never reads a schema a file names).
_XSI = "http://www.w3.org/2001/XMLSchema-instance"
_SCHEMA_HINTS = frozenset({f"{{{_XSI}}}schemaLocation", f"{{{_XSI}}}noNamespaceSchemaLocation"})


def _root_errors(seen: _Stream, root_tag: str, expected: tuple[str, ...]) -> Iterator[FileError]:
    """After the last record: the root's own name, attributes and text, trailing elements, and a file with
    no Header or no record."""
    root = seen.root
    if root is None:
        return
    line = root.sourceline or 1
    if seen.wrong_root or root.tag != root_tag:
        found = local_name(root.tag) if isinstance(root.tag, str) else "?"
        namespace = root.tag[1:].split("}")[0] if isinstance(root.tag, str) and "}" in root.tag else "none"
        yield FileError("SCHEMA", f"the root element is {found} (namespace {namespace}); this file's root must "
                        f"be {local_name(root_tag)} in the namespace {NAMESPACE} (spec §2, §3)", line)
        return
    for name in root.attrib:
        if name in _SCHEMA_HINTS:
            continue
        yield FileError("SCHEMA", f"the root element may not have the attribute {local_name(name)}; remove it",
                        line)
    text_error = _text_error(root.text, line)
    if text_error:
        yield text_error
    yield from _sibling_errors(iter(root), expected)
    if seen.headers == 0 and seen.records == 0:
        yield FileError("SCHEMA", "the file has no Header; start the file with its Header (spec §2)", line)
    if seen.records == 0:
        yield FileError("SCHEMA", f"the file has no {local_name(expected[1])} record; a file holds at least one "
                        "(send no file on a day with nothing to send)", line)


def not_well_formed(error: etree.XMLSyntaxError) -> CorruptFile:
    line = error.lineno or (error.position[0] if error.position else 0) or 1
    message = (error.msg or str(error)).split(", line ")[0]
    return CorruptFile(FileError("NOT_WELL_FORMED", f"the file is not well-formed XML at line {line}: {message}; "
                                 "correct the XML (every element closed, & written as &amp;, < as &lt;)", line))
