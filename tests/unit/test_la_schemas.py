"""The XSDs of the LA interface (hb-debt-interface.md §2-4) accept what the spec allows and refuse the rest,
checked with lxml and with xmllint (the tool an LA supplier would use)."""

from __future__ import annotations

import io
import shutil
import string
import subprocess
from datetime import date
from pathlib import Path

import pytest
from lxml import etree

from dms.la_interface import inbound
from dms.la_interface.names import MessageType
from dms.la_interface.schemas import part_schema, schema, xsd_path
from dms.nino import nino_problem
from dms.payments.schedule import LineKind, ScheduleHeader, ScheduleLine, brought_forward_line, write_schedule

NS = "urn:dms:hb-debt:1"

SPEC_EXAMPLE = """<?xml version="1.0" encoding="UTF-8"?>
<ReferralFile xmlns="urn:dms:hb-debt:1">
  <Header>
    <BatchID>20251118-LAREF-005920</BatchID><LAID>005920</LAID><CreationDate>2025-11-18</CreationDate>
    <RecordCount>1</RecordCount><TotalAmount>412.50</TotalAmount>
  </Header>
  <Referral>
    <DebtRef>HB/778812/1</DebtRef><NINO>AB123456C</NINO><Surname>Jones</Surname><Forenames>Sam</Forenames>
    <DateOfBirth>1984-02-29</DateOfBirth><Classification>NON_FRAUD</Classification>
    <Overpayment><Amount>300.00</Amount><PeriodStart>2025-06-02</PeriodStart><PeriodEnd>2025-08-31</PeriodEnd></Overpayment>
    <Overpayment><Amount>112.50</Amount><PeriodStart>2025-09-01</PeriodStart><PeriodEnd>2025-09-21</PeriodEnd></Overpayment>
    <Total>412.50</Total><DebtCreatedDate>2025-11-14</DebtCreatedDate>
  </Referral>
</ReferralFile>
"""

REVISION = """<?xml version="1.0" encoding="UTF-8"?>
<RevisionFile xmlns="urn:dms:hb-debt:1">
  <Header><BatchID>20251119-LAREV-005920</BatchID><LAID>005920</LAID><CreationDate>2025-11-19</CreationDate>
    <RecordCount>2</RecordCount><TotalAmount>500.00</TotalAmount></Header>
  <Revision><DebtRef>HB/778812/1</DebtRef><NINO>AB123456C</NINO><RevisedAmount>500.00</RevisedAmount>
    <Reason>FURTHER_OVERPAYMENT</Reason></Revision>
  <Revision><DebtRef>HB-2</DebtRef><NINO>AB123456C</NINO><RevisedClassification>FRAUD</RevisedClassification>
    <Reason>APPEAL_DECIDED</Reason></Revision>
</RevisionFile>
"""

RECALL = """<?xml version="1.0" encoding="UTF-8"?>
<RecallFile xmlns="urn:dms:hb-debt:1">
  <Header><BatchID>20251120-LAREC-005920</BatchID><LAID>005920</LAID><CreationDate>2025-11-20</CreationDate>
    <RecordCount>1</RecordCount></Header>
  <Recall><DebtRef>HB/778812/1</DebtRef><NINO>AB123456C</NINO><Reason>PAID_IN_FULL</Reason></Recall>
</RecallFile>
"""

CESSATION = """<?xml version="1.0" encoding="UTF-8"?>
<CessationFile xmlns="urn:dms:hb-debt:1">
  <Header><BatchID>20251201-DMCES-005920</BatchID><LAID>005920</LAID><CreationDate>2025-12-01</CreationDate>
    <RecordCount>1</RecordCount><TotalAmount>112.50</TotalAmount></Header>
  <Cessation><DebtRef>HB/778812/1</DebtRef><NINO>AB123456C</NINO>
    <ReferralReceivedDate>2025-11-18</ReferralReceivedDate><CessationDate>2025-12-01</CessationDate>
    <Reason>LA_RECALL</Reason><BalanceReturned>112.50</BalanceReturned><AmountRecovered>300.00</AmountRecovered>
  </Cessation>
</CessationFile>
"""

SCHEDULE = """<?xml version="1.0" encoding="UTF-8"?>
<PaymentSchedule xmlns="urn:dms:hb-debt:1">
  <Header><BatchID>20251201-DMSCH-005920</BatchID><LAID>005920</LAID><CreationDate>2025-12-01</CreationDate>
    <RecordCount>3</RecordCount><TotalAmount>-10.00</TotalAmount><Period>2025-11</Period><PaymentDate>2025-12-19</PaymentDate>
  </Header>
  <Line><DebtRef>BF-005920</DebtRef><RecoveryDate>2025-11-01</RecoveryDate><Amount>-50.00</Amount>
    <Kind>BROUGHT_FORWARD</Kind><BalanceAfter>-50.00</BalanceAfter></Line>
  <Line><DebtRef>HB/778812/1</DebtRef><NINO>AB123456C</NINO><RecoveryDate>2025-11-10</RecoveryDate>
    <Amount>70.00</Amount><Source>UC</Source><Kind>DEDUCTION</Kind><BalanceAfter>342.50</BalanceAfter></Line>
  <Line><DebtRef>HB/778812/1</DebtRef><NINO>AB123456C</NINO><RecoveryDate>2025-11-20</RecoveryDate>
    <Amount>-30.00</Amount><Source>DIRECT_PAYMENT</Source><Kind>CORRECTION</Kind><BalanceAfter>0.00</BalanceAfter></Line>
</PaymentSchedule>
"""

NOTICE = """<?xml version="1.0" encoding="UTF-8"?>
<FileFailureNotice xmlns="urn:dms:hb-debt:1">
  <Header><BatchID>20251119-DMREJ-005920</BatchID><LAID>005920</LAID><CreationDate>2025-11-19</CreationDate>
    <RecordCount>2</RecordCount></Header>
  <FailedFile><FileName>20251118-LAREF-005920.xml</FileName>
    <SHA256>9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08</SHA256>
    <ReceivedDate>2025-11-18</ReceivedDate><Outcome>INVALID</Outcome>
    <Error><Code>TOTAL_MISMATCH</Code><Message>Total 412.50 is not the sum 400.00 of the overpayments</Message>
      <Line>7</Line><DebtRef>HB/778812/1</DebtRef><Field>Total</Field></Error>
    <Error><Code>COUNT_MISMATCH</Code><Message>RecordCount 2 but the file has 1 record</Message><Line>4</Line></Error>
  </FailedFile>
  <FailedFile><FileName>20251119-PDPLA-005920.tar</FileName>
    <SHA256>2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae</SHA256>
    <ReceivedDate>2025-11-19</ReceivedDate><Outcome>CORRUPT</Outcome>
    <Error><Code>TAR_MEMBER_PATH</Code><Message>member ../x has a path</Message><Line>0</Line></Error>
  </FailedFile>
</FileFailureNotice>
"""

VALID = {
    MessageType.REFERRAL: SPEC_EXAMPLE,
    MessageType.REVISION: REVISION,
    MessageType.RECALL: RECALL,
    MessageType.CESSATION: CESSATION,
    MessageType.SCHEDULE: SCHEDULE,
    MessageType.FAILURE_NOTICE: NOTICE,
}

# (message type, text to replace, replacement, why it is wrong)
BROKEN = [
    (MessageType.REFERRAL, "<TotalAmount>412.50</TotalAmount>", "<TotalAmount>412.5</TotalAmount>", "one decimal"),
    (MessageType.REFERRAL, "<Amount>300.00</Amount>", "<Amount>0.00</Amount>", "overpayment of zero"),
    (MessageType.REFERRAL, "<Amount>300.00</Amount>", "<Amount>-300.00</Amount>", "negative overpayment"),
    (MessageType.REFERRAL, "<Amount>300.00</Amount>", "<Amount>£300.00</Amount>", "currency symbol"),
    (MessageType.REFERRAL, "<Total>412.50</Total>", "<Total>100000000.00</Total>", "above 99999999.99"),
    (MessageType.REFERRAL, "<Total>412.50</Total>", "<Total>0412.50</Total>", "leading zero"),
    (MessageType.REFERRAL, "<DateOfBirth>1984-02-29</DateOfBirth>", "<DateOfBirth>1983-02-29</DateOfBirth>",
     "not a real date"),
    (MessageType.REFERRAL, "<DateOfBirth>1984-02-29</DateOfBirth>", "<DateOfBirth>1984-02-29Z</DateOfBirth>",
     "a time zone"),
    (MessageType.REFERRAL, "<LAID>005920</LAID>", "<LAID>5920</LAID>", "LAID not six digits"),
    (MessageType.REFERRAL, "<DebtRef>HB/778812/1</DebtRef>", "<DebtRef>HB 778812</DebtRef>", "space in DebtRef"),
    (MessageType.REFERRAL, "<DebtRef>HB/778812/1</DebtRef>", "<DebtRef>ABCDEFGHIJKLMNOPQRSTU</DebtRef>",
     "DebtRef of 21 characters"),
    (MessageType.REFERRAL, "<NINO>AB123456C</NINO>", "<NINO>AB 12 34 56 C</NINO>", "NINO with spaces"),
    (MessageType.REFERRAL, "<NINO>AB123456C</NINO>", "<NINO>GB123456C</NINO>", "unissued NINO prefix"),
    (MessageType.REFERRAL, "<Surname>Jones</Surname>", "<Surname>Jones2</Surname>", "digit in a name"),
    (MessageType.REFERRAL, "<Surname>Jones</Surname>", "<Surname></Surname>", "empty name"),
    (MessageType.REFERRAL, "<Classification>NON_FRAUD</Classification>",
     "<Classification>NONFRAUD</Classification>", "unknown classification"),
    (MessageType.REFERRAL, "<Total>412.50</Total><DebtCreatedDate>2025-11-14</DebtCreatedDate>",
     "<DebtCreatedDate>2025-11-14</DebtCreatedDate><Total>412.50</Total>", "elements out of order"),
    (MessageType.REFERRAL, '<ReferralFile xmlns="urn:dms:hb-debt:1">', "<ReferralFile>", "no namespace"),
    (MessageType.REVISION, "<RevisedClassification>FRAUD</RevisedClassification>", "",
     "neither RevisedAmount nor RevisedClassification"),
    (MessageType.REVISION, "<Reason>APPEAL_DECIDED</Reason>", "<Reason>BECAUSE</Reason>", "unknown reason"),
    (MessageType.RECALL, "<Reason>PAID_IN_FULL</Reason>", "<Reason>LA_RECALL</Reason>", "not a recall reason"),
    (MessageType.RECALL, "<RecordCount>1</RecordCount>", "<RecordCount>1</RecordCount><TotalAmount>0.00</TotalAmount>",
     "a recall header has no TotalAmount"),
    (MessageType.CESSATION, "<BalanceReturned>112.50</BalanceReturned>",
     "<BalanceReturned>-112.50</BalanceReturned>", "negative balance returned"),
    (MessageType.CESSATION, "<Reason>LA_RECALL</Reason>", "<Reason>RECALLED</Reason>", "unknown cessation reason"),
    (MessageType.CESSATION, "<AmountRecovered>300.00</AmountRecovered>", "", "AmountRecovered missing"),
    (MessageType.SCHEDULE, "<Period>2025-11</Period>", "<Period>2025-13</Period>", "month 13"),
    (MessageType.SCHEDULE, "<Period>2025-11</Period><PaymentDate>2025-12-19</PaymentDate>",
     "<PaymentDate>2025-12-19</PaymentDate><Period>2025-11</Period>", "Period after PaymentDate"),
    (MessageType.SCHEDULE, "<TotalAmount>-10.00</TotalAmount>", "<TotalAmount>-0.00</TotalAmount>", "minus zero"),
    (MessageType.SCHEDULE, "<Source>UC</Source>", "<Source>HB</Source>", "unknown source"),
    (MessageType.SCHEDULE, "<Kind>DEDUCTION</Kind>", "<Kind>REFUND</Kind>", "unknown line kind"),
    (MessageType.SCHEDULE, "<Source>UC</Source>", "", "a debt's line without a Source"),
    (MessageType.FAILURE_NOTICE, "<Outcome>INVALID</Outcome>", "<Outcome>REJECTED</Outcome>", "unknown outcome"),
    (MessageType.FAILURE_NOTICE, "<Code>TOTAL_MISMATCH</Code>", "<Code>WRONG</Code>", "unknown error code"),
    (MessageType.FAILURE_NOTICE, "<SHA256>9f86d0", "<SHA256>XX86d0", "SHA256 not hex"),
    (MessageType.FAILURE_NOTICE, "<Line>4</Line>", "", "an error without a line"),
]

XMLLINT = shutil.which("xmllint")
needs_xmllint = pytest.mark.skipif(XMLLINT is None, reason="xmllint is not installed (apt-get install libxml2-utils)")


def _lxml_errors(kind: MessageType, text: str) -> list[str]:
    validator = schema(kind)
    ok = validator.validate(etree.parse(io.BytesIO(text.encode())))
    return [] if ok else [str(e) for e in validator.error_log]


def _xmllint(kind: MessageType, text: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "file.xml"
    path.write_text(text, encoding="utf-8")
    return subprocess.run([str(XMLLINT), "--noout", "--nonet", "--schema", str(xsd_path(kind)), str(path)],
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("kind", list(MessageType))
def test_schema_accepts_a_valid_file_of_each_type(kind: MessageType) -> None:
    assert _lxml_errors(kind, VALID[kind]) == []


def test_schema_accepts_the_spec_section_8_example() -> None:
    assert _lxml_errors(MessageType.REFERRAL, SPEC_EXAMPLE) == []


@needs_xmllint
@pytest.mark.parametrize("kind", list(MessageType))
def test_xmllint_accepts_a_valid_file_of_each_type(kind: MessageType, tmp_path: Path) -> None:
    result = _xmllint(kind, VALID[kind], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "validates" in result.stderr


@pytest.mark.parametrize(("kind", "old", "new", "why"), BROKEN, ids=[b[3] for b in BROKEN])
def test_schema_refuses_a_broken_file(kind: MessageType, old: str, new: str, why: str) -> None:
    assert old in VALID[kind]
    assert _lxml_errors(kind, VALID[kind].replace(old, new, 1)) != [], why


@needs_xmllint
@pytest.mark.parametrize(("kind", "old", "new", "why"), BROKEN, ids=[b[3] for b in BROKEN])
def test_xmllint_refuses_a_broken_file(kind: MessageType, old: str, new: str, why: str, tmp_path: Path) -> None:
    result = _xmllint(kind, VALID[kind].replace(old, new, 1), tmp_path)
    assert result.returncode != 0, why
    assert "fails to validate" in result.stderr


def test_schema_money_allows_99999999_99_and_no_more() -> None:
    text = SPEC_EXAMPLE.replace("<Total>412.50</Total>", "<Total>99999999.99</Total>")
    assert _lxml_errors(MessageType.REFERRAL, text) == []


def test_schema_overpayments_are_one_to_fifty() -> None:
    one = "<Overpayment><Amount>1.00</Amount><PeriodStart>2025-06-02</PeriodStart><PeriodEnd>2025-08-31</PeriodEnd></Overpayment>"
    start = SPEC_EXAMPLE.index("<Overpayment>")
    end = SPEC_EXAMPLE.rindex("</Overpayment>") + len("</Overpayment>")
    assert _lxml_errors(MessageType.REFERRAL, SPEC_EXAMPLE[:start] + one * 50 + SPEC_EXAMPLE[end:]) == []
    assert _lxml_errors(MessageType.REFERRAL, SPEC_EXAMPLE[:start] + one * 51 + SPEC_EXAMPLE[end:]) != []
    assert _lxml_errors(MessageType.REFERRAL, SPEC_EXAMPLE[:start] + SPEC_EXAMPLE[end:]) != []


def test_schema_revision_of_zero_is_left_to_the_zero_revision_check() -> None:
    """A RevisedAmount of 0.00 is well formed; DMS refuses it as ZERO_REVISION (spec §6.1) with a better
    message than a schema error could give."""
    text = REVISION.replace("<RevisedAmount>500.00</RevisedAmount>", "<RevisedAmount>0.00</RevisedAmount>")
    assert _lxml_errors(MessageType.REVISION, text) == []


def test_schema_nino_pattern_agrees_with_the_nino_rules_for_every_prefix() -> None:
    """The XSD's NINO pattern (spec §2) accepts exactly the prefixes ``dms.nino`` accepts."""
    validator = part_schema(MessageType.RECALL)
    for first in string.ascii_uppercase:
        for second in string.ascii_uppercase:
            for suffix in "AE":
                nino = f"{first}{second}123456{suffix}"
                record = etree.fromstring(
                    f'<Recall xmlns="{NS}"><DebtRef>X</DebtRef><NINO>{nino}</NINO><Reason>OTHER</Reason></Recall>'
                )
                assert validator.validate(record) == (nino_problem(nino) is None), nino


def test_schema_names_allow_letters_of_any_alphabet_spaces_apostrophes_and_hyphens() -> None:
    text = SPEC_EXAMPLE.replace("<Surname>Jones</Surname>", "<Surname>O'Brien-Núñez de la Cruz</Surname>")
    assert _lxml_errors(MessageType.REFERRAL, text) == []
    too_long = SPEC_EXAMPLE.replace("<Surname>Jones</Surname>", f"<Surname>{'a' * 36}</Surname>")
    assert _lxml_errors(MessageType.REFERRAL, too_long) != []


# A name (spec §2: 1-35 characters, letters, spaces, apostrophes and hyphens) as LA systems write it: the
# apostrophe typed as ’ (U+2019), an accented letter decomposed (NFD: the letter, then its combining marks).
NAMES_ALLOWED = ["O\u2019Brien", "Zoe\u0308", "Nu\u0301n\u0303ez", "D\u2019Arcy-O'Neil", "e\u0301" * 35,
                 "a\u0323\u0302" * 35, "n\u0308" * 35, "x" * 35]
NAMES_REFUSED = ["\u0308Zoe", "O\u2018Brien", "O`Brien", "e\u0301" * 36, "x" * 36, "Jones2", "\u0301", ""]
# spec §2: a name is made of letters, spaces, apostrophes and hyphens; one with no letter is no name
NAMES_WITHOUT_A_LETTER = ["   ", "-", "'", "\u2019", " - ", "'-\u2019 ", "-" * 35]


def _named(surname: str) -> str:
    return SPEC_EXAMPLE.replace("<Surname>Jones</Surname>", f"<Surname>{surname}</Surname>")


def test_a_name_may_have_a_right_single_quotation_mark_and_letters_with_combining_marks() -> None:
    """Spec §2 ("letters, spaces, apostrophes and hyphens"): ’ (U+2019) is an apostrophe as much as ', and a
    letter written decomposed, followed by its combining marks (``\\p{M}``), is a letter; a mark with no letter
    before it is not, nor is ‘ (U+2018) or `."""
    for name in NAMES_ALLOWED:
        assert _lxml_errors(MessageType.REFERRAL, _named(name)) == [], ascii(name)
    for name in NAMES_REFUSED:
        assert _lxml_errors(MessageType.REFERRAL, _named(name)) != [], ascii(name)


def test_a_name_with_no_letter_is_refused() -> None:
    """Spec §2 (names: 1-35 characters, letters, spaces, apostrophes and hyphens): spaces, apostrophes and
    hyphens with no letter are no name, for the Surname and the Forenames alike; one letter among them is."""
    for name in NAMES_WITHOUT_A_LETTER:
        assert _lxml_errors(MessageType.REFERRAL, _named(name)) != [], ascii(name)
        forenames = SPEC_EXAMPLE.replace("<Forenames>Sam</Forenames>", f"<Forenames>{name}</Forenames>")
        assert _lxml_errors(MessageType.REFERRAL, forenames) != [], ascii(name)
    for name in ("- A", " ' x", "\u2019e\u0301", "-" * 34 + "x"):
        assert _lxml_errors(MessageType.REFERRAL, _named(name)) == [], ascii(name)


def test_the_name_letter_pattern_is_the_one_in_common_xsd() -> None:
    """The plain words for a name with no letter (``inbound._schema_words``) are keyed on the pattern of
    common.xsd's Name type."""
    xsd = (xsd_path(MessageType.REFERRAL).parent / "common.xsd").read_text(encoding="utf-8")
    assert f'<xs:pattern value="{inbound.NAME_LETTER_PATTERN}"/>' in xsd


def test_a_name_is_at_most_35_characters_a_letter_with_its_combining_marks_counting_as_one() -> None:
    """Spec §2 ("1-35 characters"): a letter and the combining marks after it are one character, as the
    letter written precomposed would be, so a name is as long in NFD as in NFC (35 "é" either way)."""
    for letter in ("\u00e9", "e\u0301"):
        assert _lxml_errors(MessageType.REFERRAL, _named(letter * 35)) == [], ascii(letter)
        assert _lxml_errors(MessageType.REFERRAL, _named(letter * 36)) != [], ascii(letter)


@needs_xmllint
def test_xmllint_agrees_on_names_with_a_right_single_quotation_mark_and_combining_marks(tmp_path: Path) -> None:
    """What an LA supplier's own check (``xmllint --schema``) says of the names DMS accepts and refuses."""
    for name in NAMES_ALLOWED:
        result = _xmllint(MessageType.REFERRAL, _named(name), tmp_path)
        assert result.returncode == 0, (ascii(name), result.stderr)
    for name in NAMES_REFUSED + NAMES_WITHOUT_A_LETTER:
        result = _xmllint(MessageType.REFERRAL, _named(name), tmp_path)
        assert result.returncode != 0 and "fails to validate" in result.stderr, ascii(name)


def _written_schedule() -> str:
    header = ScheduleHeader("005920", date(2025, 12, 1), "2025-11", date(2025, 12, 19), 3, -1000)
    lines = [
        brought_forward_line(-5000, la_id="005920", period_start=date(2025, 11, 1)),
        ScheduleLine("HB/1", "AB123456C", date(2025, 11, 10), 7000, "UC", LineKind.DEDUCTION, 34250),
        ScheduleLine("HB/1", "AB123456C", date(2025, 11, 20), -3000, "ESA", LineKind.CORRECTION, 0),
    ]
    out = io.StringIO()
    write_schedule(out, header, lines)
    return out.getvalue()


def test_schedule_writer_output_validates_against_the_payment_schedule_xsd() -> None:
    assert _lxml_errors(MessageType.SCHEDULE, _written_schedule()) == []


@needs_xmllint
def test_schedule_writer_output_validates_with_xmllint(tmp_path: Path) -> None:
    result = _xmllint(MessageType.SCHEDULE, _written_schedule(), tmp_path)
    assert result.returncode == 0, result.stderr


def test_xsd_files_are_package_data() -> None:
    """Every XSD sits in a package directory whose ``*.xsd`` files pyproject ships as package data."""
    for kind in MessageType:
        path = xsd_path(kind)
        assert path.is_file()
        assert (path.parent / "__init__.py").is_file()
        assert (path.parent / "common.xsd").is_file()
