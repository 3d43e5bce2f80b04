"""File and bundle names of the LA interface (hb-debt-interface.md §1, circular §40-46).

``YYYYMMDD-TYPE-AAAAAA.xml`` names a file (its Batch ID is the name without ``.xml``);
``YYYYMMDD-PDPLA-AAAAAA.tar`` an LA's daily upload and ``YYYYMMDD-PDPDM-AAAAAA.tar`` DMS's daily bundle.
``YYYYMMDD`` must be a real calendar date; ``AAAAAA`` is the six-digit LA ID. Parsing is strict: exactly
these characters, upper-case type, lower-case extension, nothing before or after.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from dms.calendar import YEARS


class MessageType(StrEnum):
    """The six message types (spec §1): the middle part of a file name. The same values as
    ``dms.store.la.models.FileKind``."""

    REFERRAL = "LAREF"
    REVISION = "LAREV"
    RECALL = "LAREC"
    CESSATION = "DMCES"
    SCHEDULE = "DMSCH"
    FAILURE_NOTICE = "DMREJ"


INBOUND_TYPES = (MessageType.REFERRAL, MessageType.REVISION, MessageType.RECALL)
OUTBOUND_TYPES = (MessageType.CESSATION, MessageType.SCHEDULE, MessageType.FAILURE_NOTICE)


class BundleType(StrEnum):
    """The two daily tars (spec §1): an LA's upload and DMS's bundle for the LA."""

    LA_UPLOAD = "PDPLA"
    DMS_BUNDLE = "PDPDM"


_FILE_NAME = re.compile(r"([0-9]{8})-(LAREF|LAREV|LAREC|DMCES|DMSCH|DMREJ)-([0-9]{6})\.xml")
_TAR_NAME = re.compile(r"([0-9]{8})-(PDPLA|PDPDM)-([0-9]{6})\.tar")


class BadName(ValueError):
    """A file or tar name that is not of the interface's forms."""


@dataclass(frozen=True, slots=True)
class FileName:
    """A parsed ``YYYYMMDD-TYPE-AAAAAA.xml``."""

    creation_date: date
    kind: MessageType
    la_id: str

    @property
    def batch_id(self) -> str:
        return f"{self.creation_date:%Y%m%d}-{self.kind.value}-{self.la_id}"

    def __str__(self) -> str:
        return f"{self.batch_id}.xml"


@dataclass(frozen=True, slots=True)
class TarName:
    """A parsed ``YYYYMMDD-PDPLA-AAAAAA.tar`` or ``YYYYMMDD-PDPDM-AAAAAA.tar``."""

    tar_date: date
    kind: BundleType
    la_id: str

    def __str__(self) -> str:
        return f"{self.tar_date:%Y%m%d}-{self.kind.value}-{self.la_id}.tar"


def _yyyymmdd(text: str, name: str) -> date:
    try:
        day = date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        raise BadName(f"{name!r}: {text} is not a real date written YYYYMMDD") from None
    if day.year not in YEARS:
        raise BadName(f"{name!r}: {text} is not a date DMS works on (business dates are in the years "
                      f"{YEARS.start} to {YEARS.stop - 1}); write the date the file was made")
    return day


def parse_file_name(name: str) -> FileName:
    """Parse a file name (spec §1). Raises :class:`BadName` saying what is wrong."""
    match = _FILE_NAME.fullmatch(name)
    if match is None:
        raise BadName(
            f"{name!r} is not a file name of the form YYYYMMDD-TYPE-AAAAAA.xml (TYPE one of "
            f"{', '.join(t.value for t in MessageType)}; AAAAAA the six-digit LA ID)"
        )
    day, kind, la_id = match.groups()
    return FileName(_yyyymmdd(day, name), MessageType(kind), la_id)


def parse_inbound_file_name(name: str) -> FileName:
    """Parse the name of a file an LA may send (LAREF, LAREV, LAREC: spec §1, §5.1)."""
    match = _FILE_NAME.fullmatch(name)
    if match is None or match.group(2) not in {t.value for t in INBOUND_TYPES}:
        raise BadName(
            f"{name!r} is not the name of an inbound file: YYYYMMDD-LAREF-AAAAAA.xml, "
            "YYYYMMDD-LAREV-AAAAAA.xml or YYYYMMDD-LAREC-AAAAAA.xml"
        )
    return parse_file_name(name)


def parse_tar_name(name: str, kind: BundleType | None = None) -> TarName:
    """Parse a tar name (spec §1); with ``kind``, only that kind is accepted."""
    match = _TAR_NAME.fullmatch(name)
    expected = f"YYYYMMDD-{kind.value}-AAAAAA.tar" if kind else "YYYYMMDD-PDPLA-AAAAAA.tar or YYYYMMDD-PDPDM-AAAAAA.tar"
    if match is None or (kind is not None and match.group(2) != kind.value):
        raise BadName(f"{name!r} is not a tar name of the form {expected} (AAAAAA the six-digit LA ID)")
    day, bundle, la_id = match.groups()
    return TarName(_yyyymmdd(day, name), BundleType(bundle), la_id)


def file_name(creation_date: date, kind: MessageType | str, la_id: str) -> str:
    """``YYYYMMDD-TYPE-AAAAAA.xml``."""
    return str(FileName(creation_date, MessageType(kind), _la_id(la_id)))


def batch_id(creation_date: date, kind: MessageType | str, la_id: str) -> str:
    """The Batch ID: the file name without ``.xml`` (spec §1, circular §41)."""
    return FileName(creation_date, MessageType(kind), _la_id(la_id)).batch_id


def tar_name(tar_date: date, kind: BundleType | str, la_id: str) -> str:
    """``YYYYMMDD-PDPLA-AAAAAA.tar`` or ``YYYYMMDD-PDPDM-AAAAAA.tar``."""
    return str(TarName(tar_date, BundleType(kind), _la_id(la_id)))


def _la_id(la_id: str) -> str:
    if not re.fullmatch(r"[0-9]{6}", la_id):
        raise BadName(f"LA ID {la_id!r} is not six digits")
    return la_id
