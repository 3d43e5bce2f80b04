"""The records of the inbound files (hb-debt-interface.md §3) and the errors found in a file (§4.3, §6.1), as
plain values: what validation hands to processing, and what a file failure notice reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, slots=True)
class Overpayment:
    """One ``Overpayment`` of a referral (§3.1): a debt of the invoice."""

    amount_pence: int
    period_start: date
    period_end: date


@dataclass(frozen=True, slots=True)
class ReferralRecord:
    """A ``Referral`` record (§3.1). ``line`` is its line in the file."""

    debt_ref: str
    nino: str
    surname: str
    forenames: str
    date_of_birth: date
    classification: str  # FRAUD or NON_FRAUD
    overpayments: tuple[Overpayment, ...]
    total_pence: int
    debt_created_date: date
    line: int


@dataclass(frozen=True, slots=True)
class RevisionRecord:
    """A ``Revision`` record (§3.2): at least one of the revised amount and classification is present."""

    debt_ref: str
    nino: str
    revised_amount_pence: int | None
    revised_classification: str | None
    reason: str
    line: int


@dataclass(frozen=True, slots=True)
class RecallRecord:
    """A ``Recall`` record (§3.3)."""

    debt_ref: str
    nino: str
    reason: str
    line: int


InboundRecord = ReferralRecord | RevisionRecord | RecallRecord


@dataclass(frozen=True, slots=True)
class FileError:
    """One problem found in a file (§4.3 ``Error``): ``code`` from §6.1, a ``message`` saying what is wrong and
    how to put it right, the ``line``, and, for an error inside a record, its ``debt_ref`` and ``field``."""

    code: str
    message: str
    line: int
    debt_ref: str = ""
    field: str = ""

    def as_json(self) -> dict[str, object]:
        return {"code": self.code, "message": self.message, "line": self.line, "debt_ref": self.debt_ref,
                "field": self.field}

    @classmethod
    def from_json(cls, data: dict[str, object]) -> FileError:
        return cls(str(data["code"]), str(data["message"]), int(str(data["line"])), str(data.get("debt_ref", "")),
                   str(data.get("field", "")))
