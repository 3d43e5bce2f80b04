"""The checks of an inbound file that need only the file (hb-debt-interface.md §2-3, §6.1): each error code
by name, and every error of a file reported with its line, DebtRef and field."""

from __future__ import annotations

import io
from datetime import date

import pytest

from dms.la_interface import build
from dms.la_interface.inbound import FileScanner
from dms.la_interface.names import parse_file_name
from dms.la_interface.records import FileError, Overpayment

DAY = date(2025, 11, 18)
LA = "005920"


def scan(kind: str, records: list, header: dict | None = None, *, raw: bytes | None = None,
         day: date = DAY) -> tuple[FileScanner, list]:
    data = raw if raw is not None else build.file_bytes(kind, LA, day, records, header=header)
    scanner = FileScanner(parse_file_name(build.file_name(kind, LA, day)))
    scanned = [s for chunk in scanner.chunks(io.BytesIO(data), 2) for s in chunk]
    return scanner, scanned


def codes(errors: list[FileError]) -> list[str]:
    return [e.code for e in errors]


def errors_of_both_scans(kind: str, data: bytes) -> list[list[FileError]]:
    """The errors the fast scan and the tree scan each find in ``data``: they must agree."""
    found = []
    for fast in (True, False):
        scanner = FileScanner(parse_file_name(build.file_name(kind, LA, DAY)), fast=fast)
        list(scanner.chunks(io.BytesIO(data), 2))
        found.append(scanner.errors)
    return found


def test_valid_referral_file_has_no_errors_and_gives_its_records() -> None:
    records = [build.referral(f"HB/{n}", "AB123456C", 1000 + n) for n in range(5)]
    scanner, scanned = scan("LAREF", records)
    assert scanner.errors == [] and scanner.record_count == 5
    assert [s.record.debt_ref for s in scanned] == [f"HB/{n}" for n in range(5)]
    assert scanned[0].record.total_pence == 1000 and scanned[0].line == 4


def test_header_mismatch_batch_id_laid_and_creation_date() -> None:
    """Spec §2 (the header agrees with the file name) and §4.3 (DebtRef and Field only for an error inside a
    record): each mismatch is named in its message, with no Field."""
    header = {"BatchID": "20251117-LAREF-005920", "LAID": "005921", "CreationDate": "2025-11-17"}
    scanner, _ = scan("LAREF", [build.referral("HB/1", "AB123456C", 100)], header)
    assert codes(scanner.errors) == ["HEADER_MISMATCH"] * 3
    assert [e.message.split(" is ")[0] for e in scanner.errors] == [
        "Header BatchID", "Header LAID", "Header CreationDate"]
    assert all((e.debt_ref, e.field) == ("", "") for e in scanner.errors)
    assert all(e.line == 3 for e in scanner.errors)


def test_count_mismatch_record_count() -> None:
    scanner, _ = scan("LAREC", [build.recall("HB/1", "AB123456C")], {"RecordCount": "2"})
    [error] = scanner.errors
    assert (error.code, error.field) == ("COUNT_MISMATCH", "")
    assert "Header RecordCount is 2 but the file has 1 records" in error.message


def test_total_mismatch_header_total_amount() -> None:
    scanner, _ = scan("LAREV", [build.revision("HB/1", "AB123456C", 500), build.revision("HB/2", "AB123456C",
                                                                                        None, "FRAUD")],
                      {"TotalAmount": "5.01"})
    [error] = scanner.errors
    assert (error.code, error.field) == ("TOTAL_MISMATCH", "")
    assert "Header TotalAmount is 5.01" in error.message and "add up to 5.00" in error.message


def test_total_mismatch_referral_total_against_its_overpayments() -> None:
    record = build.referral("HB/1", "AB123456C", 1000, overpayments=[
        Overpayment(600, date(2025, 6, 1), date(2025, 6, 30)), Overpayment(300, date(2025, 7, 1), date(2025, 7, 31))])
    scanner, scanned = scan("LAREF", [record])
    [error] = scanner.errors
    assert (error.code, error.debt_ref, error.field, error.line) == ("TOTAL_MISMATCH", "HB/1", "Total", 4)
    assert "not the sum of the overpayments, 9.00" in error.message
    assert scanned[0].errors == [error]


def test_bad_nino_uses_the_nino_rules_message() -> None:
    scanner, scanned = scan("LAREF", [build.referral("HB/1", "GB123456C", 100)])
    [error] = scanner.errors
    assert (error.code, error.field, error.debt_ref) == ("BAD_NINO", "NINO", "HB/1")
    assert "prefix GB is not issued" in error.message
    assert scanned[0].record is None


def test_bad_nino_says_when_the_fault_is_spaces_around_a_valid_nino() -> None:
    raw = build.file_bytes("LAREF", LA, DAY, [build.referral("HB/1", "AB123456C", 100)]).replace(
        b"<NINO>AB123456C</NINO>", b"<NINO> AB123456C</NINO>")
    for [error] in errors_of_both_scans("LAREF", raw):
        assert (error.code, error.field) == ("BAD_NINO", "NINO")
        assert "' AB123456C' has spaces" in error.message


@pytest.mark.parametrize("change", [
    (b"<NINO>AB123456C</NINO>", b"<NINO>AB123456C</NINO><NINO>AB123456C</NINO>"),
    (b"<DebtRef>HB/1</DebtRef><NINO>AB123456C</NINO>", b"<NINO>AB123456C</NINO><DebtRef>HB/1</DebtRef>"),
])
def test_schema_error_not_bad_nino_for_a_valid_nino_element_out_of_place(change: tuple[bytes, bytes]) -> None:
    """Spec §6.1: BAD_NINO is a NINO that breaks the NINO rules; a NINO element repeated or out of order
    (§3.1's element order) is a SCHEMA error naming what the schema expected."""
    raw = build.file_bytes("LAREF", LA, DAY, [build.referral("HB/1", "AB123456C", 100)]).replace(*change)
    assert raw != build.file_bytes("LAREF", LA, DAY, [build.referral("HB/1", "AB123456C", 100)])
    for errors in errors_of_both_scans("LAREF", raw):
        assert [(e.code, e.field) for e in errors] == [("SCHEMA", "NINO")]
        assert "not expected" in errors[0].message


def test_duplicate_debt_ref_names_the_first_line() -> None:
    records = [build.referral("HB/1", "AB123456C", 100), build.referral("HB/2", "AB123456C", 100),
               build.referral("HB/1", "AB123457C", 100)]
    scanner, _ = scan("LAREF", records)
    [error] = scanner.errors
    assert (error.code, error.line, error.debt_ref) == ("DUPLICATE_DEBT_REF", 6, "HB/1")
    assert "line 4" in error.message


def test_date_after_creation_period_end_and_debt_created_date() -> None:
    record = build.referral("HB/1", "AB123456C", 100, created=date(2025, 11, 19), overpayments=[
        Overpayment(100, date(2025, 11, 1), date(2025, 11, 20))])
    scanner, _ = scan("LAREF", [record])
    assert codes(scanner.errors) == ["DATE_AFTER_CREATION", "DATE_AFTER_CREATION"]
    assert {e.field for e in scanner.errors} == {"Overpayment[1]/PeriodEnd", "DebtCreatedDate"}


def test_date_after_creation_date_of_birth_in_both_scans() -> None:
    """Spec §6.1 ("a date after the creation date" → INVALID, DATE_AFTER_CREATION): a claimant born after
    the file about them was written is an error of the DateOfBirth, at its line, found by both scans."""
    record = build.referral("HB/1", "AB123456C", 100, date_of_birth=date(2030, 1, 1))
    data = build.file_bytes("LAREF", LA, DAY, [record])
    fast, tree = errors_of_both_scans("LAREF", data)
    assert fast == tree
    [error] = fast
    assert (error.code, error.field, error.debt_ref) == ("DATE_AFTER_CREATION", "DateOfBirth", "HB/1")
    assert error.line == data[:data.index(b"<DateOfBirth>")].count(b"\n") + 1
    assert "2030-01-01" in error.message and "2025-11-18" in error.message
    born_that_day = build.referral("HB/1", "AB123456C", 100, date_of_birth=DAY)
    assert errors_of_both_scans("LAREF", build.file_bytes("LAREF", LA, DAY, [born_that_day])) == [[], []]


def test_period_reversed() -> None:
    record = build.referral("HB/1", "AB123456C", 300, overpayments=[
        Overpayment(100, date(2025, 6, 1), date(2025, 6, 30)), Overpayment(200, date(2025, 8, 1), date(2025, 7, 1))])
    scanner, _ = scan("LAREF", [record])
    [error] = scanner.errors
    assert (error.code, error.field) == ("PERIOD_REVERSED", "Overpayment[2]/PeriodStart")


def test_zero_revision() -> None:
    scanner, scanned = scan("LAREV", [build.revision("HB/1", "AB123456C", 0)])
    [error] = scanner.errors
    assert (error.code, error.field, error.debt_ref) == ("ZERO_REVISION", "RevisedAmount", "HB/1")
    assert "recalled" in error.message


def test_schema_error_carries_the_schema_message_line_and_field() -> None:
    raw = build.file_bytes("LAREF", LA, DAY, [build.referral("HB/1", "AB123456C", 100)]).replace(
        b"<Classification>NON_FRAUD", b"<Classification>NONFRAUD")
    scanner, scanned = scan("LAREF", [], raw=raw)
    [error] = scanner.errors
    assert (error.code, error.field, error.line, error.debt_ref) == ("SCHEMA", "Classification", 4, "HB/1")
    assert "NONFRAUD" in error.message and "ReferralFile.xsd" in error.message
    assert scanned[0].record is None


@pytest.mark.parametrize("line_end", [b"", b"\r"])
@pytest.mark.parametrize(("kind", "records"), [
    ("LAREF", [build.referral("HB/1", "AB123456C", 100), build.referral("HB/1", "AB123456C", 250)]),
    ("LAREV", [build.revision("HB/1", "AB123456C", 500), build.revision("HB/1", "AB123456C", None, "FRAUD")]),
    ("LAREC", [build.recall("HB/1", "AB123456C"), build.recall("HB/1", "AB123456C")]),
])
def test_duplicate_debt_ref_found_when_the_records_share_a_line(kind: str, records: list, line_end: bytes) -> None:
    """Spec §3.1 "DebtRef: unique in the file", §6.1 DUPLICATE_DEBT_REF: a file written on one line (or with
    CR-only line ends, which libxml2 does not count as lines) has every record on line 1 or 2; the second
    record with a DebtRef is still found, by either scan."""
    data = build.file_bytes(kind, LA, DAY, records).replace(b"\n", line_end)
    for [error] in errors_of_both_scans(kind, data):
        assert (error.code, error.debt_ref, error.field) == ("DUPLICATE_DEBT_REF", "HB/1", "DebtRef")
        assert "already used by record 1 of the file" in error.message


def test_every_error_of_the_file_is_reported_not_only_the_first() -> None:
    records = [
        build.referral("HB/1", "GB123456C", 100),  # BAD_NINO
        build.referral("HB/2", "AB123456C", 100, created=date(2025, 12, 1)),  # DATE_AFTER_CREATION
        build.referral("HB/1", "AB123456C", 100),  # DUPLICATE_DEBT_REF
        build.referral("HB/4", "AB123456C", 100, surname="R2D2"),  # SCHEMA
    ]
    scanner, scanned = scan("LAREF", records, {"RecordCount": "9"})
    assert codes(scanner.errors) == ["BAD_NINO", "DATE_AFTER_CREATION", "DUPLICATE_DEBT_REF", "SCHEMA",
                                     "COUNT_MISMATCH"]
    assert [e.line for e in scanner.errors[:4]] == [4, 5, 6, 7]
    assert len(scanned) == 4


def test_a_revision_with_neither_amount_nor_classification_is_a_schema_error() -> None:
    raw = build.file_bytes("LAREV", LA, DAY, [build.revision("HB/1", "AB123456C", None, None)])
    scanner, _ = scan("LAREV", [], raw=raw)
    assert codes(scanner.errors) == ["SCHEMA"]


def test_a_field_is_read_as_its_whole_text_around_comments_and_processing_instructions() -> None:
    """spec §2, §6.1: the schema reads an element's value as all its text, whatever comments or processing
    instructions split it; DMS reads the same value, so what the schema accepted is what is applied."""
    plain = build.file_bytes("LAREF", LA, DAY, [build.referral("HB/1", "AB123456C", 10_000)])
    split = (plain.replace(b"<DebtRef>HB/1<", b"<DebtRef>HB<!-- c -->/1<")
             .replace(b"<NINO>AB123456C<", b"<NINO>AB123<!--x-->456C<")
             .replace(b"<Surname>Jones<", b"<Surname>Jo<?pi x?>nes<")
             .replace(b"<DateOfBirth>1984-02-29<", b"<DateOfBirth>1984-02<!--x-->-29<")
             .replace(b"<Amount>100.00<", b"<Amount>10<!--x-->0.00<")
             .replace(b"<Total>100.00<", b"<Total>100<!-- c -->.00<")
             .replace(b"<RecordCount>1<", b"<RecordCount><!--x-->1<"))
    assert split.count(b"<!--") == 6 and split.count(b"<?pi") == 1
    scanner, [scanned] = scan("LAREF", [], raw=split)
    _, [expected] = scan("LAREF", [], raw=plain)
    assert scanner.errors == [] and scanner.used_tree
    assert scanned.record == expected.record
    assert (scanned.debt_ref, scanned.nino, scanned.amount_pence) == ("HB/1", "AB123456C", 10_000)


def test_a_field_split_by_a_comment_that_breaks_a_rule_is_reported_not_misread() -> None:
    plain = build.file_bytes("LAREF", LA, DAY, [build.referral("HB/1", "AB123456C", 10_000)])
    split = plain.replace(b"<NINO>AB123456C<", b"<NINO>GB123<!--x-->456C<").replace(
        b"<Total>100.00<", b"<Total>100<!-- c -->.01<")
    scanner, [scanned] = scan("LAREF", [], raw=split)
    assert [(e.code, e.field) for e in scanner.errors] == [("BAD_NINO", "NINO"), ("TOTAL_MISMATCH", "Total"),
                                                          ("TOTAL_MISMATCH", "")]
    assert "GB123456C" in scanner.errors[0].message and "Total 100.01" in scanner.errors[1].message


def pretty(data: bytes) -> bytes:
    """The file with every element on a line of its own, as many LA systems write it."""
    return data.replace(b"><", b">\n<")


def line_of(data: bytes, text: bytes, nth: int = 1) -> int:
    at = -1
    for _ in range(nth):
        at = data.index(text, at + 1)
    return data.count(b"\n", 0, at) + 1


def test_an_error_about_a_field_is_at_that_fields_line_and_named_alike_by_every_code() -> None:
    """spec §4.3: an Error's Line is where the Field at fault is, and the Field names it the same way in
    every code: an overpayment always with its number (Overpayment[1]/Amount, whether or not the record has
    another), SCHEMA, PERIOD_REVERSED and DATE_AFTER_CREATION alike; a bad value is one error however many
    of its type's rules it breaks, and a value already reported is not read for the rules built on it."""
    records = [
        build.referral("HB/1", "AB123456C", 100, overpayments=[
            Overpayment(100, date(2025, 11, 30), date(2025, 11, 19))]),
        build.referral("HB/2", "AB123456C", 200),
        build.referral("HB/1", "AB123457C", 100),
    ]
    data = pretty(build.file_bytes("LAREF", LA, DAY, records, header={"RecordCount": "4"})).replace(
        b"<Amount>2.00<", b"<Amount>-1.00<")
    for fast in (True, False):
        scanner = FileScanner(parse_file_name(build.file_name("LAREF", LA, DAY)), fast=fast)
        list(scanner.chunks(io.BytesIO(data), 2))
        found = [(e.code, e.field, e.line) for e in scanner.errors]
        assert found == [
            ("PERIOD_REVERSED", "Overpayment[1]/PeriodStart", line_of(data, b"<PeriodStart>2025-11-30")),
            ("DATE_AFTER_CREATION", "Overpayment[1]/PeriodEnd", line_of(data, b"<PeriodEnd>2025-11-19")),
            ("SCHEMA", "Overpayment[1]/Amount", line_of(data, b"<Amount>-1.00")),
            ("DUPLICATE_DEBT_REF", "DebtRef", line_of(data, b"<DebtRef>HB/1", 2)),
            ("COUNT_MISMATCH", "", line_of(data, b"<RecordCount>")),
        ], fast
        schema_error = scanner.errors[2]
        assert "minExclusive" in schema_error.message and "pattern" in schema_error.message
        assert schema_error.message.count("ReferralFile.xsd") == 1


def test_schema_error_for_a_field_in_another_namespace_names_both_namespaces() -> None:
    raw = build.file_bytes("LAREF", LA, DAY, [build.referral("HB/1", "AB123456C", 100)]).replace(
        b"<Total>", b'<Total xmlns="urn:dms:hb-debt">', 1)
    for [error] in errors_of_both_scans("LAREF", raw):
        assert (error.code, error.field) == ("SCHEMA", "Total")
        assert "in namespace urn:dms:hb-debt, not urn:dms:hb-debt:1" in error.message


@pytest.mark.parametrize(("kind", "record", "broken", "wanted"), [
    # a missing Surname hides nothing: the Classification and an overpayment's Amount are still checked
    ("LAREF", build.referral("HB/1", "AB123456C", 100, classification="WHAT"),
     lambda x: x.replace(b"<Surname>Jones</Surname>", b"").replace(b"<Amount>1.00<", b"<Amount>-1.00<"),
     {("SCHEMA", "Surname"), ("SCHEMA", "Classification"), ("SCHEMA", "Overpayment[1]/Amount")}),
    # an unknown element before the NINO hides neither a bad NINO nor a bad Reason
    ("LAREV", build.revision("HB/1", "GB123456C", 1000, None, reason="BAD"),
     lambda x: x.replace(b"<NINO>", b"<Note>x</Note><NINO>", 1),
     {("SCHEMA", "Note"), ("BAD_NINO", "NINO"), ("SCHEMA", "Reason")}),
])
def test_every_error_of_the_file_is_reported_also_after_a_structural_schema_error(
        kind: str, record: object, broken: object, wanted: set[tuple[str, str]]) -> None:
    """spec §4.3 ("every error in the file is reported, not only the first") and §6.1 SCHEMA: libxml2 checks
    nothing more of a record after an element missing, misplaced or unknown; every field value is then
    checked on its own against its type, by both scans, each field once."""
    data = broken(build.file_bytes(kind, LA, DAY, [record]))  # type: ignore[operator]
    for errors in errors_of_both_scans(kind, data):
        assert {(e.code, e.field) for e in errors} == wanted
        assert len(errors) == len(wanted)
    [alone] = errors_of_both_scans(kind, build.file_bytes(kind, LA, DAY, [record]))[:1]
    same_field = {e.field: e.message for e in alone}
    for errors in errors_of_both_scans(kind, data):
        for e in errors:  # a value's message is the one it has when nothing else in the record is wrong
            if e.field in same_field:
                assert e.message == same_field[e.field]


@pytest.mark.parametrize(("kind", "cut", "wanted"), [
    ("LAREF", [b"<Surname>Jones</Surname>"], [("Surname", "before Forenames")]),
    ("LAREF", [b"<Surname>Jones</Surname>", b"<Forenames>Sam</Forenames>"],
     [("Surname", "before DateOfBirth"), ("Forenames", "before DateOfBirth")]),
    ("LAREF", [b"<Classification>NON_FRAUD</Classification>"], [("Classification", "before Overpayment")]),
    ("LAREF", [b"<Amount>1.00</Amount>"], [("Overpayment[1]/Amount", "before PeriodStart")]),
    ("LAREF", [b"<DebtCreatedDate>2025-11-14</DebtCreatedDate>"], [("DebtCreatedDate", "after Total")]),
    ("LAREF", [b"<Total>1.00</Total>", b"<DebtCreatedDate>2025-11-14</DebtCreatedDate>"],
     [("Total", "after Overpayment"), ("DebtCreatedDate", "after Overpayment")]),
    ("LAREF", [b"<BatchID>20251118-LAREF-005920</BatchID>"], [("Header BatchID", "before LAID")]),
    ("LAREV", [b"<Reason>ENTITLEMENT_REVIEWED</Reason>"], [("Reason", "after RevisedAmount")]),
    ("LAREC", [b"<NINO>AB123456C</NINO>"], [("NINO", "before Reason")]),
    # every element missing from the record, not only the first (spec §4.3: every error at once)
    ("LAREF", [b"<Classification>NON_FRAUD</Classification>", b"<Total>1.00</Total>"],
     [("Classification", "before Overpayment"), ("Total", "before DebtCreatedDate")]),
    ("LAREC", [b"<DebtRef>HB/1</DebtRef>", b"<Reason>LA_RECOVERY</Reason>"],
     [("DebtRef", "before NINO"), ("Reason", "after NINO")]),
])
def test_schema_a_missing_element_is_the_field_at_fault_at_the_line_of_the_element_lacking_it(
        kind: str, cut: list[bytes], wanted: list[tuple[str, str]]) -> None:
    """Spec §4.3 (an error inside a record names "the Field at fault") and §6.1 SCHEMA: an element missing
    from a record, its Header or an Overpayment is the element reported (not the next element, which is in
    its place), each one missing, at the line of the element that lacks it (docs/la-interface-notes.md), by
    both scans; the Field of a record's, the message of a Header's (an error inside no record has no Field)."""
    record = {"LAREF": build.referral("HB/1", "AB123456C", 100), "LAREV": build.revision("HB/1", "AB123456C", 100),
              "LAREC": build.recall("HB/1", "AB123456C")}[kind]
    data = pretty(build.file_bytes(kind, LA, DAY, [record]))
    for piece in cut:
        assert piece in data
        data = data.replace(piece, b"", 1)
    fields = ["" if name.startswith("Header ") else name for name, _ in wanted]
    for errors in errors_of_both_scans(kind, data):
        assert sorted((e.code, e.field) for e in errors) == sorted(("SCHEMA", field) for field in fields)
        for e, (name, where) in zip(sorted(errors, key=lambda e: fields.index(e.field)), wanted, strict=True):
            assert f"{name}: missing (it comes {where})" in e.message
            holder = b"<Header>" if name.startswith("Header ") else b"<Overpayment>" if "/" in name else b"<" + \
                {"LAREF": b"Referral", "LAREV": b"Revision", "LAREC": b"Recall"}[kind] + b">"
            assert e.line == line_of(data, holder)


def test_schema_every_missing_element_of_a_record_and_its_overpayments_is_reported_once() -> None:
    """Spec §4.3 and §6.1 SCHEMA: a referral lacking its Total, with its second Overpayment lacking its Amount,
    gets one error for each, by both scans (libxml2 itself stops at the first)."""
    record = build.referral("HB/1", "AB123456C", 300, overpayments=[
        Overpayment(100, date(2025, 6, 1), date(2025, 6, 30)), Overpayment(200, date(2025, 7, 1), date(2025, 7, 31))])
    data = pretty(build.file_bytes("LAREF", LA, DAY, [record]))
    data = data.replace(b"<Total>3.00</Total>\n", b"", 1).replace(b"<Amount>2.00</Amount>\n", b"", 1)
    for errors in errors_of_both_scans("LAREF", data):
        assert sorted((e.code, e.field) for e in errors) == [("SCHEMA", "Overpayment[2]/Amount"),
                                                             ("SCHEMA", "Total")]


@pytest.mark.parametrize(("kind", "broken", "wanted"), [
    # a missing Surname (libxml2's first error) and an unknown element further on
    ("LAREF", lambda x: x.replace(b"<Surname>Jones</Surname>\n", b"").replace(
        b"<DateOfBirth>", b"<Foo>x</Foo>\n<DateOfBirth>"),
     [("Surname", "missing (it comes before Forenames)"), ("Foo", "not an element of Referral")]),
    # the same inside an Overpayment
    ("LAREF", lambda x: x.replace(b"<Amount>1.00</Amount>\n", b"").replace(
        b"<PeriodEnd>", b"<Bar>1</Bar>\n<PeriodEnd>"),
     [("Overpayment[1]/Amount", "missing (it comes before PeriodStart)"),
      ("Overpayment[1]/Bar", "not an element of Overpayment")]),
    # a revision with neither RevisedAmount nor RevisedClassification, and no NINO
    ("LAREV", lambda x: x.replace(b"<NINO>AB123456C</NINO>\n", b"").replace(
        b"<RevisedAmount>1.00</RevisedAmount>\n", b""),
     [("NINO", "missing (it comes before Reason)"),
      ("RevisedAmount", "missing: one of RevisedAmount or RevisedClassification is required")]),
])
def test_schema_every_structural_error_of_a_record_is_reported_not_only_libxml2s_first(
        kind: str, broken: object, wanted: list[tuple[str, str]]) -> None:
    """Spec §4.3 ("every error in the file is reported, not only the first") and §6.1 SCHEMA, §3.2 (at least one
    of RevisedAmount and RevisedClassification): libxml2 stops at a record's first structural error; every
    element missing, every required choice unmet and every element that is not one of the record's (or its
    Overpayment's) is reported, each once, by both scans."""
    record = build.referral("HB/1", "AB123456C", 100) if kind == "LAREF" else build.revision("HB/1", "AB123456C", 100)
    data = broken(pretty(build.file_bytes(kind, LA, DAY, [record])))  # type: ignore[operator]
    for errors in errors_of_both_scans(kind, data):
        schema = [e for e in errors if e.code == "SCHEMA"]
        assert [e.field for e in schema] == [field for field, _ in wanted]
        for e, (_, said) in zip(schema, wanted, strict=True):
            assert said in e.message


def test_schema_an_element_of_another_namespace_or_two_unknown_of_one_name_each_reported_once_with_its_field(
        ) -> None:
    """Spec §4.3 (an error names its Field, when inside a record; every error once) and §2 (the interface's
    namespace): an element of another namespace is one error naming it (in the Header, in its message: an
    error inside no record has no Field), and two unknown elements of one name on one line are two."""
    plain = build.file_bytes("LAREF", LA, DAY, [build.referral("HB/1", "AB123456C", 100)])
    foreign = plain.replace(b"<LAID>", b'<x:Foo xmlns:x="urn:other">1</x:Foo><LAID>', 1)
    for [error] in errors_of_both_scans("LAREF", foreign):
        assert (error.code, error.field) == ("SCHEMA", "") and "urn:other" in error.message
        assert error.message.startswith("Header Foo: element Foo is in namespace urn:other")
    twice = plain.replace(b"<DateOfBirth>", b"<Foo>x</Foo><DateOfBirth>", 1).replace(b"<Total>", b"<Foo>y</Foo><Total>", 1)
    for errors in errors_of_both_scans("LAREF", twice):
        assert [(e.code, e.field) for e in errors] == [("SCHEMA", "Foo"), ("SCHEMA", "Foo")]


def test_schema_an_unknown_or_misplaced_element_stays_the_element_named() -> None:
    """Spec §6.1 SCHEMA: an element the record does not have (or one out of order) is the field at fault,
    with libxml2's words, not a missing one; a required element it stands in place of is missing too."""
    plain = build.file_bytes("LAREF", LA, DAY, [build.referral("HB/1", "AB123456C", 100)])
    unknown = plain.replace(b"<Surname>Jones</Surname>", b"<Foo>x</Foo>")
    swapped = plain.replace(b"<Surname>Jones</Surname><Forenames>Sam</Forenames>",
                            b"<Forenames>Sam</Forenames><Surname>Jones</Surname>")
    for [error] in errors_of_both_scans("LAREF", swapped):
        assert (error.code, error.field) == ("SCHEMA", "Forenames") and "not expected" in error.message
    for errors in errors_of_both_scans("LAREF", unknown):  # in the place of the Surname, which is missing too
        assert [(e.code, e.field) for e in errors] == [("SCHEMA", "Surname"), ("SCHEMA", "Foo")]
        assert "not expected" in errors[1].message and "missing (it comes before Forenames)" in errors[0].message


def test_every_error_of_the_file_is_reported_also_for_a_misplaced_nino_a_commented_value_or_a_stray_header(
        ) -> None:
    """spec §4.3 and §6.1: a NINO out of place with a value that breaks the NINO rules gives both its SCHEMA
    error and its BAD_NINO; a value split by a comment is still checked after a structural error; a Header
    nested in a record is not read as the file's Header (no error of its fields)."""
    record = build.referral("HB/1", "AB123456C", 100)
    plain = build.file_bytes("LAREF", LA, DAY, [record])
    misplaced = plain.replace(b"<NINO>AB123456C</NINO>", b"").replace(b"<DebtRef>", b"<NINO>QQ123456Z</NINO><DebtRef>")
    for errors in errors_of_both_scans("LAREF", misplaced):
        assert sorted(e.code for e in errors) == ["BAD_NINO", "SCHEMA"]
    commented = plain.replace(b"<Surname>Jones</Surname>", b"").replace(
        b"<Forenames>Sam</Forenames>", b"<Forenames>S<!-- c -->4m</Forenames>")
    for errors in errors_of_both_scans("LAREF", commented):
        assert {(e.code, e.field) for e in errors} == {("SCHEMA", "Surname"), ("SCHEMA", "Forenames")}
        assert any("4m" in e.message or "pattern" in e.message for e in errors)
    stray = plain.replace(b"<Surname>Jones</Surname>", b"<Header><LAID>x</LAID></Header>")
    for errors in errors_of_both_scans("LAREF", stray):
        assert sorted(e.field for e in errors) == ["Header", "Surname"]


def test_schema_overpayment_1_to_50_the_51st_is_reported_with_the_limit() -> None:
    """Spec §3.1: ``Overpayment`` 1..50. A referral of 51 fails as SCHEMA on ``Overpayment[51]`` with the
    limit and how to keep to it (§4.3: what is wrong and how to put it right), in both scans."""
    overpayments = [Overpayment(100, date(2025, 6, 1), date(2025, 6, 30)) for _ in range(51)]
    record = build.referral("HB/1", "AB123456C", 5100, overpayments=overpayments)
    data = build.file_bytes("LAREF", LA, DAY, [record])
    for errors in errors_of_both_scans("LAREF", data):
        [error] = errors
        assert (error.code, error.field, error.debt_ref) == ("SCHEMA", "Overpayment[51]", "HB/1")
        assert "at most 50 Overpayment elements (spec §3.1" in error.message
        assert "this one holds 51" in error.message and "another DebtRef" in error.message
    fifty = build.referral("HB/1", "AB123456C", 5000, overpayments=overpayments[:50])
    assert errors_of_both_scans("LAREF", build.file_bytes("LAREF", LA, DAY, [fifty])) == [[], []]


def records_of_both_scans(kind: str, data: bytes) -> list[list[object]]:
    """The records the fast scan and the tree scan each give for ``data``: they must agree."""
    found = []
    for fast in (True, False):
        scanner = FileScanner(parse_file_name(build.file_name(kind, LA, DAY)), fast=fast)
        found.append([s.record for chunk in scanner.chunks(io.BytesIO(data), 2) for s in chunk])
        assert scanner.errors == [], fast
    return found


def test_a_name_is_stored_in_nfc_with_its_apostrophe_as_written() -> None:
    """Spec §2 (names of letters, spaces, apostrophes and hyphens): a name written decomposed (NFD, as
    Mac-based systems write it) is taken in NFC, the form DMS keeps, so "Zoe" + U+0308 is the same name as
    "Zoë"; an apostrophe is kept as the LA wrote it (' or ’), by both scans."""
    records = [build.referral("HB/1", "AB123456C", 100, surname="O\u2019Brien", forenames="Zoe\u0308"),
               build.referral("HB/2", "AB123457C", 100, surname="Nu\u0301n\u0303ez", forenames="Sia\u0302n Zoë"),
               build.referral("HB/3", "AB123458C", 100, surname="n\u0308" * 35, forenames="O'Neil")]
    data = build.file_bytes("LAREF", LA, DAY, records)
    for found in records_of_both_scans("LAREF", data):
        assert [(r.surname, r.forenames) for r in found] == [
            ("O\u2019Brien", "Zo\u00eb"), ("N\u00fa\u00f1ez", "Si\u00e2n Zo\u00eb"), ("n\u0308" * 35, "O'Neil")]


@pytest.mark.parametrize(("name", "header", "broken", "code"), [
    ("wrong LA ID in the header", {"LAID": "005921"}, None, "HEADER_MISMATCH"),
    ("wrong Batch ID in the header", {"BatchID": "20251118-LAREF-005921"}, None, "HEADER_MISMATCH"),
    ("bad file date", {"CreationDate": "2025-13-01"}, None, "SCHEMA"),
    ("creation date not the file's", {"CreationDate": "2025-11-17"}, None, "HEADER_MISMATCH"),
    ("header element missing", {"LAID": None}, None, "SCHEMA"),
    ("record count mismatch", {"RecordCount": "3"}, None, "COUNT_MISMATCH"),
    ("total mismatch", {"TotalAmount": "9.99"}, None, "TOTAL_MISMATCH"),
    ("unknown header element", None, lambda x: x.replace(b"<LAID>", b"<Foo>1</Foo><LAID>", 1), "SCHEMA"),
    ("wrong root element", None, lambda x: x.replace(b"ReferralFile", b"RecallFile"), "SCHEMA"),
    ("unknown root child", None, lambda x: x.replace(b"</ReferralFile>", b"<Foo/></ReferralFile>"), "SCHEMA"),
    ("no header", None, lambda x: x.replace(x[x.index(b"  <Header>"):x.index(b"</Header>\n") + 10], b""),
     "SCHEMA"),
    ("second header", None, lambda x: x.replace(
        b"</ReferralFile>", x[x.index(b"  <Header>"):x.index(b"</Header>\n") + 10] + b"</ReferralFile>"), "SCHEMA"),
])
def test_an_error_about_the_header_or_root_carries_no_debt_ref_or_field(
        name: str, header: dict | None, broken: object, code: str) -> None:
    """Spec §4.3: an Error has Code, Message and Line, and "for an error inside a record, that record's DebtRef
    and the Field at fault"; an error about the file's Header or root element is inside no record, so it has
    neither (its message names the element), by both scans."""
    data = build.file_bytes("LAREF", LA, DAY, [build.referral("HB/1", "AB123456C", 100)], header=header)
    if broken is not None:
        data = broken(data)  # type: ignore[operator]
    for errors in errors_of_both_scans("LAREF", data):
        assert code in codes(errors), (name, errors)
        for error in errors:
            assert (error.debt_ref, error.field) == ("", ""), (name, error)
            assert error.line > 0, (name, error)


def test_a_surname_or_forenames_with_no_letter_is_a_schema_error_of_that_record_saying_how_to_fix_it() -> None:
    """Spec §2 (names of letters, spaces, apostrophes and hyphens; one with no letter is no name), §4.3 (the
    error names the record and the field, and says how to put it right): a Surname of spaces and Forenames
    of one hyphen are each a SCHEMA error with the DebtRef and Field, alike in both scans."""
    good = build.file_bytes("LAREF", LA, DAY, [build.referral("HB/1", "AB123456C", 1000),
                                               build.referral("HB/2", "AB123457C", 1000)])
    data = good.replace(b"<Surname>Jones</Surname>", b"<Surname>   </Surname>", 1).replace(
        b"<Forenames>Sam</Forenames>", b"<Forenames>-</Forenames>", 1)
    for errors in errors_of_both_scans("LAREF", data):
        assert [(e.code, e.debt_ref, e.field) for e in errors] == [
            ("SCHEMA", "HB/1", "Surname"), ("SCHEMA", "HB/1", "Forenames")]
        assert errors[0].message.startswith("Surname: '   ' has no letter: a name is 1-35 letters, spaces, "
                                            "apostrophes and hyphens, with at least one letter (spec §2)")
        assert errors[1].message.startswith("Forenames: '-' has no letter")
    # with an element missing too, the name is still checked on its own (the leaf schema)
    missing = data.replace(b"<DateOfBirth>1984-02-29</DateOfBirth>", b"", 1)
    for errors in errors_of_both_scans("LAREF", missing):
        assert {("SCHEMA", "Surname"), ("SCHEMA", "Forenames")} <= {(e.code, e.field) for e in errors}
