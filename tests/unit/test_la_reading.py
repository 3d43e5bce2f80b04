"""Reading an inbound file safely (hb-debt-interface.md §2, §6.1): CORRUPT problems and the root's
structure."""

from __future__ import annotations

import io
import time
from datetime import date

import pytest

from dms.la_interface import build
from dms.la_interface.names import MessageType
from dms.la_interface.reading import CorruptFile, check_bytes, stream_parts

DAY = date(2025, 11, 18)
GOOD = build.file_bytes("LAREF", "005920", DAY, [build.referral("HB/1", "AB123456C", 41250),
                                                 build.referral("HB/2", "AB123457C", 100)])


def corrupt(data: bytes, kind: MessageType = MessageType.REFERRAL) -> tuple[str, int, str]:
    with pytest.raises(CorruptFile) as caught:
        check_bytes(io.BytesIO(data))
        list(stream_parts(io.BytesIO(data), kind))
    error = caught.value.error
    return error.code, error.line, error.message


def parts(data: bytes, kind: MessageType = MessageType.REFERRAL) -> list[tuple[str, object]]:
    check_bytes(io.BytesIO(data))
    return [(p.kind, p.error.code if p.error else p.element.tag.split("}")[1] if p.element is not None else None)
            for p in stream_parts(io.BytesIO(data), kind)]


def test_good_file_streams_its_header_and_records() -> None:
    assert parts(GOOD) == [("header", "Header"), ("record", "Referral"), ("record", "Referral")]


def test_not_utf8_invalid_bytes_are_found_with_their_line() -> None:
    data = GOOD.replace(b"<Surname>Jones</Surname>", b"<Surname>Jon\xe9s</Surname>", 1)
    code, line, message = corrupt(data)
    assert (code, line) == ("NOT_UTF8", 4)
    assert "0xE9" in message and "UTF-8" in message


def test_not_utf8_an_encoding_declaration_other_than_utf8() -> None:
    data = GOOD.replace(b'encoding="UTF-8"', b'encoding="ISO-8859-1"')
    code, line, message = corrupt(data)
    assert (code, line) == ("NOT_UTF8", 1)
    assert "ISO-8859-1" in message


def test_not_well_formed_an_xml_version_other_than_1_0() -> None:
    """Spec §2 "XML 1.0": a file declaring XML 1.1 is not the interface's XML (outcome CORRUPT)."""
    assert GOOD.startswith(b'<?xml version="1.0"')
    code, line, message = corrupt(GOOD.replace(b'version="1.0"', b'version="1.1"', 1))
    assert (code, line) == ("NOT_WELL_FORMED", 1)
    assert 'version="1.1"' in message and "XML 1.0" in message
    assert parts(GOOD.replace(b'version="1.0"', b"version='1.0'", 1))[0] == ("header", "Header")


def test_not_utf8_utf16_text() -> None:
    data = GOOD.decode().encode("utf-16")
    assert corrupt(data)[0] == "NOT_UTF8"


def test_not_utf8_a_file_ending_inside_a_character() -> None:
    assert corrupt(GOOD + b"\xe2\x82")[0] == "NOT_UTF8"


def test_not_utf8_an_invalid_byte_across_a_chunk_boundary_keeps_its_line(monkeypatch: pytest.MonkeyPatch) -> None:
    import dms.la_interface.reading as reading

    monkeypatch.setattr(reading, "CHUNK_BYTES", 7)
    data = GOOD.replace(b"<Surname>Jones</Surname>", b"<Surname>Jon\xed\xa0\x80s</Surname>", 1)  # a surrogate
    assert corrupt(data)[:2] == ("NOT_UTF8", 4)


def test_utf8_with_a_byte_order_mark_and_lower_case_declaration_is_read() -> None:
    data = b"\xef\xbb\xbf" + GOOD.replace(b'encoding="UTF-8"', b"encoding='utf-8'")
    assert parts(data)[0] == ("header", "Header")


def test_dtd_forbidden_a_doctype() -> None:
    data = GOOD.replace(b"?>\n", b'?>\n<!DOCTYPE ReferralFile SYSTEM "http://example.org/x.dtd">\n', 1)
    code, line, _ = corrupt(data)
    assert (code, line) == ("DTD_FORBIDDEN", 2)


BILLION_LAUGHS = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE ReferralFile [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<ReferralFile xmlns="urn:dms:hb-debt:1"><Header><BatchID>&lol9;</BatchID></Header></ReferralFile>
"""


def test_dtd_forbidden_entity_expansion_is_refused_at_once() -> None:
    started = time.perf_counter()
    code, line, _ = corrupt(BILLION_LAUGHS)
    assert (code, line) == ("DTD_FORBIDDEN", 2)
    assert time.perf_counter() - started < 1


def test_dtd_forbidden_an_external_entity() -> None:
    data = GOOD.replace(b"?>\n", b'?>\n<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n', 1)
    data = data.replace(b"<Surname>Jones</Surname>", b"<Surname>&xxe;</Surname>", 1)
    assert corrupt(data)[0] == "DTD_FORBIDDEN"


def test_dtd_forbidden_a_marker_split_across_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    import dms.la_interface.reading as reading

    monkeypatch.setattr(reading, "CHUNK_BYTES", 5)
    data = GOOD.replace(b"?>\n", b"?>\n<!DOCTYPE x>\n", 1)
    assert corrupt(data)[:2] == ("DTD_FORBIDDEN", 2)


@pytest.mark.parametrize("chunk", [5, 1 << 20])
def test_dtd_forbidden_only_in_markup_not_the_words_of_a_comment_cdata_or_pi(
        monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    """Spec §2 ("No DTD; entity declarations are an error"), §6.1: the words ``<!ENTITY`` or ``<!DOCTYPE`` in
    a comment, a CDATA section or a processing instruction are text (XML 1.0 §2.5-2.7), so the file is read;
    a DOCTYPE after a comment is closed is still refused at its line, in chunks of any size."""
    import dms.la_interface.reading as reading

    monkeypatch.setattr(reading, "CHUNK_BYTES", chunk)
    quiet = GOOD.replace(b"?>\n", b"?>\n<!-- this file has no <!ENTITY declarations, no <!DOCTYPE -->\n"
                                   b"<?note <!DOCTYPE is not here ?>\n", 1)
    quiet = quiet.replace(b"<Surname>Jones</Surname>", b"<Surname><![CDATA[Jones]]><!-- <!ENTITY --></Surname>", 1)
    assert parts(quiet) == [("header", "Header"), ("record", "Referral"), ("record", "Referral")]
    loud = GOOD.replace(b"?>\n", b"?>\n<!-- a comment -->\n<!DOCTYPE x>\n", 1)
    assert corrupt(loud)[:2] == ("DTD_FORBIDDEN", 3)
    unclosed = GOOD.replace(b"?>\n", b"?>\n<!-- a comment -- >\n<!DOCTYPE x>\n", 1)
    assert corrupt(unclosed)[0] == "NOT_WELL_FORMED"


def test_not_well_formed_reports_the_line() -> None:
    data = GOOD.replace(b"</Surname>", b"</Surnam>", 1)
    code, line, message = corrupt(data)
    assert (code, line) == ("NOT_WELL_FORMED", 4)
    assert "Surnam" in message


def test_not_well_formed_truncated_file() -> None:
    assert corrupt(build.not_well_formed(GOOD))[0] == "NOT_WELL_FORMED"


def test_not_well_formed_undefined_entity_and_empty_file() -> None:
    assert corrupt(GOOD.replace(b"Jones", b"&jones;", 1))[0] == "NOT_WELL_FORMED"
    assert corrupt(b"")[0] == "NOT_WELL_FORMED"


def test_schema_wrong_root_element() -> None:
    result = parts(GOOD, MessageType.RECALL)
    assert result == [("error", "SCHEMA")]


def test_schema_elements_out_of_place_in_the_root_are_all_reported() -> None:
    data = GOOD.replace(b"  <Referral>", b"  <Junk/>text<Referral>", 1).replace(b"</ReferralFile>",
                                                                             b"<Tail/></ReferralFile>")
    result = parts(data)
    assert result.count(("error", "SCHEMA")) == 3
    assert [r for r in result if r[0] != "error"] == [("header", "Header"), ("record", "Referral"),
                                                      ("record", "Referral")]


def test_schema_a_missing_header_and_a_file_with_no_records() -> None:
    start, end = GOOD.index(b"  <Header>"), GOOD.index(b"</Header>\n") + len(b"</Header>\n")
    assert ("error", "SCHEMA") in parts(GOOD[:start] + GOOD[end:])
    no_records = GOOD[:end] + b"</ReferralFile>\n"
    assert parts(no_records) == [("header", "Header"), ("error", "SCHEMA")]


def test_streaming_frees_records_as_it_goes() -> None:
    records = [build.referral(f"HB/{n}", "AB123456C", 100) for n in range(2000)]
    data = build.file_bytes("LAREF", "005920", DAY, records)
    kept_before = []
    for part in stream_parts(io.BytesIO(data), MessageType.REFERRAL):
        if part.element is not None:
            kept_before.append(len(list(part.element.itersiblings(preceding=True))))
    assert len(kept_before) == 2001
    assert max(kept_before) <= 1  # only the element just before, emptied: the rest were dropped


def test_schema_error_for_an_element_outside_the_namespace_names_the_namespace() -> None:
    """Spec §2 "namespace urn:dms:hb-debt:1": a record in no namespace (``xmlns=""``) is reported as such,
    with how to put it right, not as an element out of place; an error about the root's content, with no
    DebtRef or Field (§4.3: those are an error inside a record's), its message naming the element."""
    data = GOOD.replace(b"<Referral>", b'<Referral xmlns="">', 1)
    errors = [p.error for p in stream_parts(io.BytesIO(data), MessageType.REFERRAL) if p.kind == "error"]
    [error] = errors
    assert (error.code, error.debt_ref, error.field) == ("SCHEMA", "", "")
    assert "element Referral is in no namespace" in error.message
    assert "in no namespace, not urn:dms:hb-debt:1" in error.message and 'xmlns="urn:dms:hb-debt:1"' in error.message


def test_schema_location_hints_on_the_root_are_accepted_as_the_xsd_accepts_them() -> None:
    """XML Schema Part 1 §2.6.3: ``xsi:schemaLocation`` and ``xsi:noNamespaceSchemaLocation`` may be on any
    element; a file naming its schema validates against the published XSD (``xmllint --schema``), so DMS
    takes it. Any other attribute on the root is still a SCHEMA error."""
    xsi = b'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
    for hint in (b'xsi:schemaLocation="urn:dms:hb-debt:1 ReferralFile.xsd"',
                 b'xsi:noNamespaceSchemaLocation="ReferralFile.xsd"'):
        data = GOOD.replace(b'<ReferralFile xmlns="urn:dms:hb-debt:1"',
                            b'<ReferralFile xmlns="urn:dms:hb-debt:1" ' + xsi + b" " + hint, 1)
        assert data != GOOD
        assert parts(data) == [("header", "Header"), ("record", "Referral"), ("record", "Referral")]
    other = GOOD.replace(b'<ReferralFile xmlns="urn:dms:hb-debt:1"',
                         b'<ReferralFile xmlns="urn:dms:hb-debt:1" ' + xsi + b' xsi:type="Other" version="2"', 1)
    errors = [p.error for p in stream_parts(io.BytesIO(other), MessageType.REFERRAL) if p.kind == "error"]
    assert sorted(e.message.split(";")[0] for e in errors if e is not None) == [
        "the root element may not have the attribute type", "the root element may not have the attribute version"]
