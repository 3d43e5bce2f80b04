"""The fast lane of the inbound file scan agrees with the schema and with the tree scan (hb-debt-interface.md
§2, §3, §6.1).

- A record passes the fast lane's checks exactly when the per-record XSD passes it, over generated records
  with valid and faulty values in every field (dates that are not real, amounts with leading zeros, names in
  other alphabets, NINOs with unissued prefixes, too many overpayments...).
- A whole scan by the fast lane gives the very same records, errors (code, message, line, DebtRef, field),
  record count and CORRUPT error as the tree scan, over generated files: faulty records, pretty-printed
  files, CRLF, and what the fast lane leaves to the tree (comments, attributes, prefixes, entities, CDATA,
  text between records, a missing Header, broken XML).
"""

from __future__ import annotations

import io
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from dms.la_interface.inbound import FileScanner, fast_schema_verdict
from dms.la_interface.names import parse_file_name
from dms.la_interface.reading import CorruptFile
from dms.la_interface.schemas import NAMESPACE, part_schema

NAMES = {
    "LAREF": parse_file_name("20251118-LAREF-005920.xml"),
    "LAREV": parse_file_name("20251118-LAREV-005920.xml"),
    "LAREC": parse_file_name("20251118-LAREC-005920.xml"),
}
RECORD = {"LAREF": "Referral", "LAREV": "Revision", "LAREC": "Recall"}

spaces = st.sampled_from(["", "", "", "\n  ", " ", "\n", "\t", "\r\n    "])
days = st.one_of(
    st.dates(min_value=date(1900, 1, 1), max_value=date(2026, 12, 31)).map(date.isoformat),
    st.sampled_from(["2025-11-18", "2025-11-19", "2024-02-29", "2025-02-29", "2025-04-31", "2025-13-01",
                     "2025-00-10", "0000-01-01", "0001-01-01", "9999-12-31", "2025-1-01", "25-01-01",
                     "2025-01-01Z", " 2025-01-01", "2025/01/01", ""]),
    st.from_regex(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}\Z"),
)
money = st.one_of(
    st.integers(min_value=0, max_value=9_999_999_999).map(lambda p: f"{p // 100}.{p % 100:02d}"),
    st.sampled_from(["0.00", "0.01", "01.00", "1.0", "1.000", "100000000.00", "99999999.99", "-1.00", "1",
                     " 1.00", "1.00 ", "£1.00", "1,000.00", "", ".50"]),
)
ninos = st.one_of(
    st.from_regex(r"\A[A-Z]{2}[0-9]{6}[A-D]\Z"),
    st.sampled_from(["AB123456C", "GB123456A", "ab123456c", "AB123456", "AB 12 34 56 C", "", " AB123456C",
                     "DA123456A", "AO123456A", "ZZ123456A", "TN123456D", "AB123456E"]),
)
letters = st.one_of(
    st.text(alphabet="ABCxyz '-", min_size=0, max_size=37),
    st.text(alphabet="ÉéñÑçØøĀāŁłŽžÆß", min_size=1, max_size=10),
    st.text(alphabet=st.characters(codec="utf-8", exclude_characters="<&\r", exclude_categories=("Cs", "Cc")),
            min_size=0, max_size=12),
    st.sampled_from(["Jones", "O'Brien", "Smith-Jones", "Núñez", "Ζωή", "李", "Ab1", "A\tB", "  Sam ", "x" * 35,
                     "x" * 36]),
    # an apostrophe written ’ (U+2019), letters written decomposed (a letter, then its combining marks), and
    # marks the fast lane leaves to the schema (U+0358, which libxml2 does not count as a mark; U+20D7)
    st.text(alphabet="Aeñ '\u2019\u2018-\u0301\u0308\u0327\u036f\u0358\u20d7", min_size=0, max_size=40),
    st.sampled_from(["   ", "-", "'", "\u2019", " -'\u2019", "-" * 35, "- a", "\u2019\u00e9"]),
    st.sampled_from(["O\u2019Brien", "Zoe\u0308", "\u0308Zoe", "e\u0301" * 35, "e\u0301" * 36, "a\u0323\u0302" * 35,
                     "n\u0308" * 36, "a\u0358", "O\u2018Brien"]),
)
debt_refs = st.one_of(
    st.from_regex(r"\A[A-Za-z0-9/\-]{1,20}\Z"),
    st.sampled_from(["HB/1", "", "HB 1", "HB_1", "A" * 21, "HB/ü"]),
)
classifications = st.sampled_from(["FRAUD", "NON_FRAUD", "fraud", "FRAUD ", ""])


def _element(name: str, text: str, space: str) -> str:
    escaped = text.replace("&", "&amp;").replace("<", "&lt;")
    return f"{space}<{name}>{escaped}</{name}>"


@st.composite
def referrals(draw: st.DrawFn) -> str:
    s = lambda: draw(spaces)  # noqa: E731
    count = draw(st.one_of(st.integers(0, 3), st.sampled_from([50, 51])))
    overpayments = "".join(
        f"{s()}<Overpayment>{_element('Amount', draw(money), s())}{_element('PeriodStart', draw(days), s())}"
        f"{_element('PeriodEnd', draw(days), s())}{s()}</Overpayment>" for _ in range(count)
    )
    return (f"<Referral>{_element('DebtRef', draw(debt_refs), s())}{_element('NINO', draw(ninos), s())}"
            f"{_element('Surname', draw(letters), s())}{_element('Forenames', draw(letters), s())}"
            f"{_element('DateOfBirth', draw(days), s())}{_element('Classification', draw(classifications), s())}"
            f"{overpayments}{_element('Total', draw(money), s())}{_element('DebtCreatedDate', draw(days), s())}"
            f"{s()}</Referral>")


@st.composite
def revisions(draw: st.DrawFn) -> str:
    s = lambda: draw(spaces)  # noqa: E731
    amount = _element("RevisedAmount", draw(money), s()) if draw(st.booleans()) else ""
    classification = _element("RevisedClassification", draw(classifications), s()) if draw(st.booleans()) else ""
    reason = draw(st.sampled_from(["ENTITLEMENT_REVIEWED", "CLAIMANT_PAID_LA", "PAID_IN_FULL", ""]))
    return (f"<Revision>{_element('DebtRef', draw(debt_refs), s())}{_element('NINO', draw(ninos), s())}"
            f"{amount}{classification}{_element('Reason', reason, s())}{s()}</Revision>")


@st.composite
def recalls(draw: st.DrawFn) -> str:
    s = lambda: draw(spaces)  # noqa: E731
    reason = draw(st.sampled_from(["LA_RECOVERY", "OTHER", "WRITTEN_OFF", "ENTITLEMENT_REVIEWED", "other"]))
    return (f"<Recall>{_element('DebtRef', draw(debt_refs), s())}{_element('NINO', draw(ninos), s())}"
            f"{_element('Reason', reason, s())}{s()}</Recall>")


RECORDS = {"LAREF": referrals(), "LAREV": revisions(), "LAREC": recalls()}


def _schema_passes(kind: str, record: str) -> bool:
    tag = RECORD[kind]
    text = record.replace(f"<{tag}>", f'<{tag} xmlns="{NAMESPACE}">', 1)
    element = etree.fromstring(text.encode())
    return bool(part_schema(kind).validate(element))


@pytest.mark.parametrize("kind", sorted(RECORDS))
@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_fast_lane_passes_a_record_exactly_when_the_per_record_schema_does(kind: str, data: st.DataObject) -> None:
    record = data.draw(RECORDS[kind])
    assert fast_schema_verdict(NAMES[kind], record.encode()) == _schema_passes(kind, record), record


def test_fast_lane_verdicts_on_hand_picked_records() -> None:
    good = ("<Referral><DebtRef>HB/1</DebtRef><NINO>AB123456C</NINO><Surname>Núñez</Surname><Forenames>Siân"
            "</Forenames><DateOfBirth>1984-02-29</DateOfBirth><Classification>FRAUD</Classification><Overpayment>"
            "<Amount>10.00</Amount><PeriodStart>2025-01-01</PeriodStart><PeriodEnd>2025-01-31</PeriodEnd>"
            "</Overpayment><Total>10.00</Total><DebtCreatedDate>2025-11-01</DebtCreatedDate></Referral>")
    assert fast_schema_verdict(NAMES["LAREF"], good.encode()) and _schema_passes("LAREF", good)
    for fault in [("1984-02-29", "1985-02-29"), ("10.00</Amount>", "0.00</Amount>"), ("Núñez", "Ζωή"),
                  ("AB123456C", "GB123456C"), ("FRAUD", "Fraud")]:
        bad = good.replace(*fault)
        assert not fast_schema_verdict(NAMES["LAREF"], bad.encode()), fault
    # A Greek name is valid for the schema: the fast lane leaves it to the schema, which passes it.
    assert _schema_passes("LAREF", good.replace("Núñez", "Ζωή"))
    # An apostrophe written ’ and a letter written decomposed pass both, a name of 35 letters each with a
    # combining mark too (35 characters), and 36 of them neither.
    for name in ("O\u2019Brien", "Zoe\u0308", "Nu\u0301n\u0303ez", "e\u0301" * 35):
        named = good.replace("Núñez", name)
        assert fast_schema_verdict(NAMES["LAREF"], named.encode()) and _schema_passes("LAREF", named), ascii(name)
    for name in ("e\u0301" * 36, "\u0301e", "   ", "-", "'", "\u2019", " -\u2019'"):
        named = good.replace("Núñez", name)
        assert not fast_schema_verdict(NAMES["LAREF"], named.encode()) and not _schema_passes("LAREF", named)


# ------------------------------------------------------------------------------------------------ whole files

HEADERS = {
    "LAREF": "<BatchID>20251118-LAREF-005920</BatchID><LAID>005920</LAID><CreationDate>2025-11-18</CreationDate>"
             "<RecordCount>{count}</RecordCount><TotalAmount>{total}</TotalAmount>",
    "LAREV": "<BatchID>20251118-LAREV-005920</BatchID><LAID>005920</LAID><CreationDate>2025-11-18</CreationDate>"
             "<RecordCount>{count}</RecordCount><TotalAmount>{total}</TotalAmount>",
    "LAREC": "<BatchID>20251118-LAREC-005920</BatchID><LAID>005920</LAID><CreationDate>2025-11-18</CreationDate>"
             "<RecordCount>{count}</RecordCount>",
}
ROOT = {"LAREF": "ReferralFile", "LAREV": "RevisionFile", "LAREC": "RecallFile"}
QUIRKS = [
    "", "", "", "", "comment", "attribute", "prefix", "entity", "cdata", "text", "no header", "truncated",
    "crlf", "repeat", "empty", "second header", "header mismatch", "lone cr", "pretty",
]


def _file(kind: str, records: list[str], quirk: str, total: str) -> bytes:
    root = ROOT[kind]
    header = "<Header>" + HEADERS[kind].format(count=len(records), total=total) + "</Header>"
    if quirk == "header mismatch":
        header = header.replace("<LAID>005920", "<LAID>005921").replace("<RecordCount>", "<RecordCount>0")
    body = list(records)
    if quirk == "repeat" and body:
        body.append(body[0])
    if quirk == "pretty":  # every element of a record on a line of its own
        body = [record.replace("><", ">\n    <") for record in body]
    if quirk == "comment" and body:
        body.insert(len(body) // 2, "<!-- a comment -->")
    if quirk == "text" and body:
        body.insert(len(body) // 2, "stray text")
    if quirk == "second header":
        body.append(header)
    if quirk == "attribute" and body:
        body[-1] = body[-1].replace(f"<{RECORD[kind]}>", f'<{RECORD[kind]} id="1">', 1)
    if quirk == "entity" and body:
        body[-1] = body[-1].replace("<DebtRef>", "<DebtRef>&#72;", 1)
    if quirk == "cdata" and body:
        body[-1] = body[-1].replace("<NINO>", "<NINO><![CDATA[]]>", 1)
    if quirk == "empty" and body:
        body[-1] = body[-1].replace("<Reason>", "<Reason/><Reason>", 1).replace("<Total>", "<Total/><Total>", 1)
    start = f'<{root} xmlns="{NAMESPACE}">'
    end = f"</{root}>"
    if quirk == "prefix":
        start, end = f'<h:{root} xmlns:h="{NAMESPACE}" xmlns="{NAMESPACE}">', f"</h:{root}>"
    parts = [start] + ([] if quirk == "no header" else [header]) + body + [end]
    text = '<?xml version="1.0" encoding="UTF-8"?>\n' + "\n  ".join(parts) + "\n"
    if quirk == "crlf":
        text = text.replace("\n", "\r\n")
    if quirk == "lone cr":
        text = text.replace("\n", "\r", 3)
    data = text.encode()
    if quirk == "truncated":
        data = data[: len(data) * 2 // 3]
    return data


def _scan(kind: str, data: bytes, fast: bool) -> tuple[object, ...]:
    scanner = FileScanner(NAMES[kind], fast=fast)
    records: list[tuple[object, ...]] = []
    try:
        for chunk in scanner.chunks(io.BytesIO(data), 3):
            records.extend((s.line, s.debt_ref_line, s.nino_line, s.debt_ref, s.nino, s.record,
                            s.amount_pence, tuple(s.errors)) for s in chunk)
    except CorruptFile as corrupt:
        return ("corrupt", corrupt.error)
    return (tuple(records), tuple(scanner.errors), scanner.record_count)


@pytest.mark.parametrize("kind", sorted(RECORDS))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_fast_scan_gives_what_the_tree_scan_gives(kind: str, data: st.DataObject) -> None:
    records = data.draw(st.lists(RECORDS[kind], min_size=0, max_size=6))
    quirk = data.draw(st.sampled_from(QUIRKS))
    total = data.draw(st.sampled_from(["0.00", "10.00", "bad"]))
    file_bytes = _file(kind, records, quirk, total)
    assert _scan(kind, file_bytes, fast=True) == _scan(kind, file_bytes, fast=False), file_bytes


def test_fast_scan_of_a_plain_file_does_not_fall_back_to_the_tree() -> None:
    record = ("<Referral><DebtRef>HB/{n}</DebtRef><NINO>AB123456C</NINO><Surname>Jones</Surname><Forenames>Sam"
              "</Forenames><DateOfBirth>1984-02-29</DateOfBirth><Classification>FRAUD</Classification>"
              "<Overpayment><Amount>10.00</Amount><PeriodStart>2025-01-01</PeriodStart><PeriodEnd>2025-01-31"
              "</PeriodEnd></Overpayment><Total>10.00</Total><DebtCreatedDate>2025-11-01</DebtCreatedDate>"
              "</Referral>")
    data = _file("LAREF", [record.format(n=n) for n in range(20)], "", "200.00")
    scanner = FileScanner(NAMES["LAREF"])
    scanned = [s for chunk in scanner.chunks(io.BytesIO(data), 7) for s in chunk]
    assert not scanner.used_tree and not scanner.errors
    assert [s.line for s in scanned] == list(range(4, 24))
    assert _scan("LAREF", data, fast=True) == _scan("LAREF", data, fast=False)


class _Watched(io.BytesIO):
    """Records how far the file was read before the scan started again from the start."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.read_before_restart: int | None = None

    def seek(self, offset: int, whence: int = 0) -> int:
        if self.read_before_restart is None:
            self.read_before_restart = self.tell()
        return super().seek(offset, whence)


def test_fast_lane_leaves_a_file_to_the_tree_without_reading_it_all(monkeypatch: pytest.MonkeyPatch) -> None:
    """Memory stays flat: what the fast lane cannot read makes it stop within a bounded distance."""
    from dms.la_interface import inbound

    monkeypatch.setattr(inbound, "CHUNK_BYTES", 1024)
    monkeypatch.setattr(inbound, "_MAX_PENDING", 4096)
    record = ("<Recall><DebtRef>HB/{n}</DebtRef><NINO>AB123456C</NINO><Reason>OTHER</Reason></Recall>")
    records = [record.format(n=n) for n in range(2_000)]
    data = _file("LAREC", records, "comment", "0.00")
    comment_at = data.index(b"<!--")
    stream = _Watched(data)
    scanner = FileScanner(NAMES["LAREC"])
    scanned = [s for chunk in scanner.chunks(stream, 100) for s in chunk]
    assert scanner.used_tree and len(scanned) == 2_000 and not scanner.errors
    assert stream.read_before_restart is not None
    assert stream.read_before_restart <= comment_at + 4096 + 2 * 1024 < len(data)
    assert _scan("LAREC", data, fast=True) == _scan("LAREC", data, fast=False)


BIG_NODE = 11 * 1000 * 1000  # over libxml2's own limit on one text or comment node (10,000,000 bytes)


@pytest.mark.parametrize("node", ["comment", "whitespace"])
@pytest.mark.parametrize("fast", [True, False])
def test_well_formed_file_within_the_member_limit_with_a_node_over_10_mb_is_read(node: str, fast: bool) -> None:
    """§5.1 (a member may be 20 MiB), §6.1 (NOT_WELL_FORMED is for a file that is not well formed): a
    well-formed file holding one comment or text node over libxml2's default 10 MB limit is read, by the
    fast lane and the tree scan alike, not failed as "Comment too big" (huge_tree on every inbound parser)."""
    record = ("<Recall><DebtRef>HB/{n}</DebtRef><NINO>AB123456C</NINO><Reason>OTHER</Reason></Recall>")
    padding = b"<!--" + b"x" * BIG_NODE + b"-->" if node == "comment" else b" " * BIG_NODE
    plain = _file("LAREC", [record.format(n=n) for n in range(3)], "", "0.00")
    second = plain.index(b"<Recall><DebtRef>HB/1<")
    data = plain[:second] + padding + plain[second:]
    assert len(data) < 20 * 1024 * 1024
    result = _scan("LAREC", data, fast=fast)
    assert result[0] != "corrupt", result
    records, errors, count = result
    assert count == 3 and errors == () and [r[3] for r in records] == ["HB/0", "HB/1", "HB/2"]  # type: ignore[index]
