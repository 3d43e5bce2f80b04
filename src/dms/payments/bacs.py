"""BACS Standard 18 files: writer and reader (pure).

Source: recovery-rules.md §7 (Pay.UK Standard 18, checked against a bank implementation guide). A file is
80-character labels ``VOL1``, ``HDR1``, ``HDR2``, ``UHL1``, then 100-character data records (one ``99``
credit per payee and one ``17`` contra debiting the originating account with the total), then ``EOF1``,
``EOF2``, ``UTL1`` (debit and credit value totals in pence, 13 digits; debit and credit counts, 7 digits).
Records end with a line feed.

Data record positions (1-based, recovery-rules.md §7): 1–6 destination sort code, 7–14 destination account,
15 account type ``0``, 16–17 transaction code, 18–23 originating sort code, 24–31 originating account,
32–35 free, 36–46 amount in pence (11 digits, zero-filled), 47–64 originator name, 65–82 reference,
83–100 destination account name.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from dms.errors import DmsError

CREDIT = "99"
CONTRA = "17"
RECORD_LENGTH = 100
LABEL_LENGTH = 80
MAX_AMOUNT_PENCE = 99_999_999_999  # 11 digits
_ALLOWED = re.compile(r"[^A-Z0-9 .&/-]")
CHARACTER_SET = "A-Z, 0-9, space and . & / -"  # what a BACS text field carries (recovery-rules.md §7)


class BacsError(DmsError, ValueError):
    """A value that cannot be written to, or a file that cannot be read as, a Standard 18 file: the file is
    refused (nothing is written)."""


@dataclass(frozen=True)
class Originator:
    sort_code: str
    account: str
    name: str
    service_user_number: str


@dataclass(frozen=True)
class Credit:
    """One payment: ``amount_pence`` to the account ``sort_code``/``account`` named ``account_name``."""

    sort_code: str
    account: str
    account_name: str
    amount_pence: int
    reference: str


@dataclass(frozen=True)
class DataRecord:
    destination_sort_code: str
    destination_account: str
    account_type: str
    transaction_code: str
    originating_sort_code: str
    originating_account: str
    free: str
    amount_pence: int
    originator_name: str
    reference: str
    destination_name: str


@dataclass(frozen=True)
class BacsFile:
    labels: dict[str, str]
    records: list[DataRecord]
    processing_date: date
    debit_total_pence: int
    credit_total_pence: int
    debit_count: int
    credit_count: int


def _transliterated(value: str) -> str:
    """``value`` in upper case with each letter carrying a diacritic written as its base letter (Unicode NFKD,
    the combining marks dropped: Môn -> MON, Dŵr -> DWR) and compatibility forms as their plain letters."""
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).upper()


def bacs_text(value: str, width: int) -> str:
    """A text field of a record (recovery-rules.md §7: the names and reference): upper case, letters with
    diacritics as their base letter (:func:`_transliterated`), any other character outside the BACS character
    set (A–Z, 0–9, space, ``. & / -``) as a space, cut or padded to ``width``."""
    return _ALLOWED.sub(" ", _transliterated(value))[:width].ljust(width)


def lost_letters(value: str) -> list[str]:
    """The letters and digits of ``value`` that a BACS text field (:func:`bacs_text`) cannot carry even as a
    base letter (such as Ł, Ø, a Greek or Cyrillic letter), each once, in order; punctuation outside the BACS
    character set becomes a space and is not counted (recovery-rules.md §7)."""
    lost: list[str] = []
    for character in value:
        if character.isalnum() and _ALLOWED.search(_transliterated(character)) and character not in lost:
            lost.append(character)
    return lost


def yyddd(day: date) -> str:
    """A Standard 18 label date: a space, the year's last two digits and the day of the year (`` YYDDD``)."""
    return f" {day.year % 100:02d}{day.timetuple().tm_yday:03d}"


def _from_yyddd(text: str) -> date:
    if not re.fullmatch(r" [0-9]{5}", text):
        raise BacsError(f"label date {text!r} is not ' YYDDD'")
    year, day_of_year = 2000 + int(text[1:3]), int(text[3:6])
    return date.fromordinal(date(year, 1, 1).toordinal() + day_of_year - 1)


def _digits(value: str, width: int, what: str) -> str:
    if not re.fullmatch(rf"[0-9]{{{width}}}", value):
        raise BacsError(f"{what} {value!r} is not {width} digits")
    return value


def data_record(originator: Originator, *, sort_code: str, account: str, code: str, amount_pence: int,
                reference: str, name: str) -> str:
    """One 100-character data record (positions as recovery-rules.md §7)."""
    if not 0 < amount_pence <= MAX_AMOUNT_PENCE:
        raise BacsError(f"the payment {reference!r} to {name!r}: a BACS amount is 1 to {MAX_AMOUNT_PENCE} pence, "
                        f"got {amount_pence}")
    try:
        record = (
            _digits(sort_code, 6, "destination sort code") + _digits(account, 8, "destination account") + "0"
            + code + _digits(originator.sort_code, 6, "originating sort code")
            + _digits(originator.account, 8, "originating account") + " " * 4 + f"{amount_pence:011d}"
            + bacs_text(originator.name, 18) + bacs_text(reference, 18) + bacs_text(name, 18)
        )
    except BacsError as error:
        raise BacsError(f"the payment {reference!r} to {name!r}: {error}") from None
    return record


def _labels(originator: Originator, volume: str, creation: date, processing: date, expiry: date) -> list[str]:
    sun = _digits(originator.service_user_number, 6, "service user number")
    file_id = f"A{sun}S  {sun}"
    common = f"{file_id:<17}{volume:<6}00010001    00{yyddd(creation)}{yyddd(expiry)} 000000"
    vol1 = f"VOL1{volume:<6}0{'':<20}{'':<6}{'':<4}{sun}{'':<32}1"
    hdr1 = f"HDR1{common}"
    hdr2 = f"HDR2F0200000100{'':<35}00"
    uhl1 = f"UHL1{yyddd(processing)}999999    000000001 DAILY  001"
    return [label.ljust(LABEL_LENGTH) for label in (vol1, hdr1, hdr2, uhl1)]


def _trailers(hdr1: str, hdr2: str, debit_total: int, credit_total: int, debits: int, credits: int) -> list[str]:
    utl1 = f"UTL1{debit_total:013d}{credit_total:013d}{debits:07d}{credits:07d}"
    return ["EOF1" + hdr1[4:], "EOF2" + hdr2[4:], utl1.ljust(LABEL_LENGTH)]


def write_standard18(originator: Originator, credits: list[Credit], *, volume: str, creation_date: date,
                     processing_date: date, expiry_date: date) -> str:
    """The whole Standard 18 file for ``credits`` as text: one ``99`` credit per payee, one ``17`` contra
    debiting the originating account with the total, trailers whose debit and credit totals balance.

    Source: recovery-rules.md §7. Refuses an empty file (a file with no credits is not submitted)."""
    if not credits:
        raise BacsError("a BACS file needs at least one credit")
    labels = _labels(originator, volume, creation_date, processing_date, expiry_date)
    records = [
        data_record(originator, sort_code=c.sort_code, account=c.account, code=CREDIT,
                    amount_pence=c.amount_pence, reference=c.reference, name=c.account_name)
        for c in credits
    ]
    total = sum(c.amount_pence for c in credits)
    records.append(data_record(originator, sort_code=originator.sort_code, account=originator.account,
                               code=CONTRA, amount_pence=total, reference="CONTRA", name=originator.name))
    trailers = _trailers(labels[1], labels[2], total, total, 1, len(credits))
    return "\n".join(labels + records + trailers) + "\n"


def parse_data_record(line: str) -> DataRecord:
    """Read one 100-character data record field by field (recovery-rules.md §7 positions)."""
    if len(line) != RECORD_LENGTH:
        raise BacsError(f"a data record is {RECORD_LENGTH} characters, this one is {len(line)}")
    return DataRecord(
        destination_sort_code=line[0:6], destination_account=line[6:14], account_type=line[14],
        transaction_code=line[15:17], originating_sort_code=line[17:23], originating_account=line[23:31],
        free=line[31:35], amount_pence=int(line[35:46]), originator_name=line[46:64].rstrip(),
        reference=line[64:82].rstrip(), destination_name=line[82:100].rstrip(),
    )


def read_standard18(text: str) -> BacsFile:
    """Read a Standard 18 file written by :func:`write_standard18`, checking its labels and that the
    trailer totals and counts match the records and balance."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if len(lines) < 8:
        raise BacsError(f"a Standard 18 file has at least 8 records, this one has {len(lines)}")
    names = [line[:4] for line in lines[:4]] + [line[:4] for line in lines[-3:]]
    if names != ["VOL1", "HDR1", "HDR2", "UHL1", "EOF1", "EOF2", "UTL1"]:
        raise BacsError(f"labels are {names}, expected VOL1 HDR1 HDR2 UHL1 ... EOF1 EOF2 UTL1")
    records = [parse_data_record(line) for line in lines[4:-3]]
    utl1 = lines[-1]
    result = BacsFile(
        labels={name: line for name, line in zip(names, lines[:4] + lines[-3:], strict=True)},
        records=records,
        processing_date=_from_yyddd(lines[3][4:10]),
        debit_total_pence=int(utl1[4:17]), credit_total_pence=int(utl1[17:30]),
        debit_count=int(utl1[30:37]), credit_count=int(utl1[37:44]),
    )
    _check_totals(result)
    return result


def _check_totals(bacs: BacsFile) -> None:
    debits = [r for r in bacs.records if r.transaction_code == CONTRA]
    credits = [r for r in bacs.records if r.transaction_code == CREDIT]
    checks = [
        (sum(r.amount_pence for r in debits), bacs.debit_total_pence, "debit total"),
        (sum(r.amount_pence for r in credits), bacs.credit_total_pence, "credit total"),
        (len(debits), bacs.debit_count, "debit count"),
        (len(credits), bacs.credit_count, "credit count"),
        (bacs.debit_total_pence, bacs.credit_total_pence, "debits against credits"),
    ]
    for actual, declared, what in checks:
        if actual != declared:
            raise BacsError(f"UTL1 {what} does not match: {declared} declared, {actual} found")
