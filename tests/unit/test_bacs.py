"""BACS Standard 18 writer and reader, field by field (recovery-rules.md §7)."""

from __future__ import annotations

from datetime import date

import pytest

from dms.errors import DmsError
from dms.payments.bacs import (
    BacsError,
    Credit,
    Originator,
    bacs_text,
    lost_letters,
    read_standard18,
    write_standard18,
    yyddd,
)

ORIGIN = Originator("608371", "00045123", "DWP Debt Management", "412345")
CREDITS = [
    Credit("200415", "10059200", "Leeds City Council", 123_456, "DMS 2025-10 005920"),
    Credit("309634", "10000110", "O'Brien & Co-op Borough", 5, "DMS 2025-10 000111"),
]


def _file() -> str:
    return write_standard18(ORIGIN, CREDITS, volume="202510", creation_date=date(2025, 11, 3),
                            processing_date=date(2025, 11, 20), expiry_date=date(2025, 11, 21))


def test_standard18_labels_records_and_trailers_in_order_with_fixed_widths() -> None:
    lines = _file().split("\n")
    assert lines[-1] == ""
    lines = lines[:-1]
    assert [line[:4] for line in lines[:4]] == ["VOL1", "HDR1", "HDR2", "UHL1"]
    assert [line[:4] for line in lines[-3:]] == ["EOF1", "EOF2", "UTL1"]
    assert all(len(line) == 80 for line in lines[:4] + lines[-3:])
    assert all(len(line) == 100 for line in lines[4:-3])
    assert lines[3][4:10] == " 25324"  # 20 November 2025 is day 324


def test_standard18_data_record_positions_read_back_field_by_field() -> None:
    record = _file().split("\n")[4]
    assert record[0:6] == "200415"  # 1-6 destination sort code
    assert record[6:14] == "10059200"  # 7-14 destination account
    assert record[14] == "0"  # 15 account type
    assert record[15:17] == "99"  # 16-17 transaction code: credit
    assert record[17:23] == "608371"  # 18-23 originating sort code
    assert record[23:31] == "00045123"  # 24-31 originating account
    assert record[31:35] == "    "  # 32-35 free
    assert record[35:46] == "00000123456"  # 36-46 amount in pence, 11 digits
    assert record[46:64] == "DWP DEBT MANAGEMEN"  # 47-64 originator name (18)
    assert record[64:82] == "DMS 2025-10 005920"  # 65-82 reference
    assert record[82:100] == "LEEDS CITY COUNCIL"  # 83-100 destination account name


def test_standard18_contra_debits_originating_account_with_the_total() -> None:
    contra = _file().split("\n")[6]
    assert contra[0:6] == "608371" and contra[6:14] == "00045123"
    assert contra[15:17] == "17"
    assert int(contra[35:46]) == 123_461
    assert contra[64:82].rstrip() == "CONTRA"


def test_standard18_utl1_totals_and_counts_balance() -> None:
    utl1 = _file().split("\n")[-2]
    assert utl1[4:17] == "0000000123461"  # debit value total, 13 digits
    assert utl1[17:30] == "0000000123461"  # credit value total
    assert utl1[30:37] == "0000001"  # debit count, 7 digits
    assert utl1[37:44] == "0000002"  # credit count


def test_standard18_round_trip() -> None:
    parsed = read_standard18(_file())
    assert parsed.processing_date == date(2025, 11, 20)
    credits = [r for r in parsed.records if r.transaction_code == "99"]
    assert [(r.destination_sort_code, r.destination_account, r.amount_pence, r.reference) for r in credits] == [
        (c.sort_code, c.account, c.amount_pence, c.reference) for c in CREDITS
    ]
    assert credits[1].destination_name == "O BRIEN & CO-OP BOR"[:18]
    assert parsed.debit_total_pence == parsed.credit_total_pence == 123_461


def test_standard18_reader_refuses_trailer_that_does_not_match() -> None:
    text = _file().replace("UTL10000000123461", "UTL10000000123460")
    with pytest.raises(BacsError, match="debit total"):
        read_standard18(text)


def test_standard18_refuses_bad_sort_code_zero_amount_and_empty_file() -> None:
    with pytest.raises(BacsError, match="sort code"):
        write_standard18(ORIGIN, [Credit("20-04-15", "10059200", "X", 1, "R")], volume="202510",
                         creation_date=date(2025, 1, 1), processing_date=date(2025, 1, 1), expiry_date=date(2025, 1, 1))
    with pytest.raises(BacsError, match="1 to"):
        write_standard18(ORIGIN, [Credit("200415", "10059200", "X", 0, "R")], volume="202510",
                         creation_date=date(2025, 1, 1), processing_date=date(2025, 1, 1), expiry_date=date(2025, 1, 1))
    with pytest.raises(BacsError, match="at least one credit"):
        write_standard18(ORIGIN, [], volume="202510", creation_date=date(2025, 1, 1),
                         processing_date=date(2025, 1, 1), expiry_date=date(2025, 1, 1))


def test_bacs_text_is_upper_case_in_the_bacs_character_set() -> None:
    assert bacs_text("St. Helen's (Borough)", 18) == "ST. HELEN S  BOROU"
    assert yyddd(date(2026, 1, 1)) == " 26001"


def test_bacs_text_writes_a_letter_with_a_diacritic_as_its_base_letter() -> None:
    """recovery-rules.md §7: the destination account name (83-100) is in the BACS character set; a Welsh or
    other accented letter is written as its base letter (Unicode NFKD), not blanked: Ynys Môn -> YNYS MON."""
    assert bacs_text("Ynys Môn Council", 18) == "YNYS MON COUNCIL  "
    assert bacs_text("Dŵr Cymru Café", 18) == "DWR CYMRU CAFE    "
    assert lost_letters("Ynys Môn Council") == [] and lost_letters("King's Lynn (Borough)") == []
    assert lost_letters("Łódź Øresund Łęczna") == ["Ł", "Ø"]


def test_a_value_that_cannot_be_written_names_the_payment_and_is_a_refused_request() -> None:
    with pytest.raises(BacsError, match="the payment 'DMS 2025-10 005920' to 'LEEDS': destination account") as bad:
        write_standard18(ORIGIN, [Credit("200415", "1005920", "LEEDS", 100, "DMS 2025-10 005920")], volume="202510",
                         creation_date=date(2025, 1, 1), processing_date=date(2025, 1, 1), expiry_date=date(2025, 1, 1))
    assert isinstance(bad.value, DmsError)
