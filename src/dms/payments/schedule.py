"""Payment schedule lines, their kinds, netting and the brought-forward rule; the schedule file's text
(pure: the XML is written incrementally to a text stream, so memory does not grow with the lines).

Sources: hb-debt-interface.md §4.2 (the record), §7 (monthly timetable, negative totals carried forward);
A9/2025 §32–33 (recoveries credited in a month are paid the following month), §53 (corrections).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import TextIO
from xml.sax.saxutils import escape

from dms.money import format_pounds

NAMESPACE = "urn:dms:hb-debt:1"
DIRECT_PAYMENT_SOURCE = "DIRECT_PAYMENT"


class LineKind(StrEnum):
    DEDUCTION = "DEDUCTION"
    DIRECT_PAYMENT = "DIRECT_PAYMENT"
    CORRECTION = "CORRECTION"
    BROUGHT_FORWARD = "BROUGHT_FORWARD"


# Ledger entry kind -> schedule line kind (hb-debt-interface.md §4.2). A reversed deduction (a missed
# instalment) and a CORRECTION are money taken back from the LA. The person's credit applied to an LA debt
# (what a direct payment or an over-recovered debt left over, recovery-rules.md §5) is the person's own money
# paid on to the debt, not a deduction from a benefit that day: a DIRECT_PAYMENT line, source DIRECT_PAYMENT.
# A misallocated deduction's excess placed on the LA's debt by its correction (REALLOCATION, recovery-rules.md
# §5, A9/2025 §53) is the LA's share of that deduction: a DEDUCTION line, source the deduction's benefit
# (docs/la-interface-notes.md "Payment schedule `Source` and `Kind`").
LINE_KIND_OF_ENTRY: dict[str, LineKind] = {
    "DEDUCTION": LineKind.DEDUCTION,
    "DIRECT_PAYMENT": LineKind.DIRECT_PAYMENT,
    "CREDIT_APPLIED": LineKind.DIRECT_PAYMENT,
    "REALLOCATION": LineKind.DEDUCTION,
    "CORRECTION": LineKind.CORRECTION,
    "REVERSAL": LineKind.CORRECTION,
}
NEGATIVE_KINDS = frozenset({LineKind.CORRECTION, LineKind.BROUGHT_FORWARD})


class ScheduleError(ValueError):
    """A line that the payment schedule may not carry."""


@dataclass(frozen=True, slots=True)
class ScheduleLine:
    """One line of a payment schedule (hb-debt-interface.md §4.2). ``amount_pence`` is what the LA is owed
    for it: positive for money recovered, negative only for CORRECTION and BROUGHT_FORWARD lines."""

    debt_ref: str
    nino: str
    recovery_date: date
    amount_pence: int
    source: str
    kind: LineKind
    balance_after_pence: int


def check_line(line: ScheduleLine) -> ScheduleLine:
    """Refuse a negative amount on a line kind that may not be negative (hb-debt-interface.md §4.2)."""
    if line.amount_pence < 0 and line.kind not in NEGATIVE_KINDS:
        raise ScheduleError(
            f"a {line.kind} line for debt {line.debt_ref} has a negative amount {format_pounds(line.amount_pence)}; "
            "only CORRECTION and BROUGHT_FORWARD lines may be negative"
        )
    return line


def brought_forward_line(carried_pence: int, *, la_id: str, period_start: date) -> ScheduleLine:
    """The one BROUGHT_FORWARD line that carries last month's negative total into this month's schedule
    (hb-debt-interface.md §7). It names no debt: ``DebtRef`` is ``BF-<LAID>``, ``NINO`` is empty, the
    recovery date is the first day of the month, ``Source`` is left out of the file (the value kept here is
    ``BROUGHT_FORWARD``) and ``BalanceAfter`` is the amount carried (what the LA owes DMS before this month's
    lines)."""
    if carried_pence >= 0:
        raise ScheduleError("only a negative total is carried forward")
    return ScheduleLine(f"BF-{la_id}", "", period_start, carried_pence, LineKind.BROUGHT_FORWARD.value,
                        LineKind.BROUGHT_FORWARD, carried_pence)


@dataclass(frozen=True)
class Netting:
    """What a schedule total means for the payment (hb-debt-interface.md §7): a positive total is paid; a
    negative one pays nothing and is carried forward."""

    total_pence: int
    paid_pence: int
    carried_forward_pence: int


def net_total(total_pence: int) -> Netting:
    """Pay a positive total; carry a negative one forward; zero is neither (hb-debt-interface.md §7)."""
    return Netting(total_pence, max(total_pence, 0), min(total_pence, 0))


def schedule_file_name(creation_date: date, la_id: str) -> str:
    """``YYYYMMDD-DMSCH-AAAAAA.xml`` (hb-debt-interface.md §1)."""
    return f"{creation_date:%Y%m%d}-DMSCH-{la_id}.xml"


@dataclass(frozen=True)
class ScheduleHeader:
    la_id: str
    creation_date: date
    period: str
    payment_date: date
    record_count: int
    total_pence: int

    @property
    def batch_id(self) -> str:
        return schedule_file_name(self.creation_date, self.la_id).removesuffix(".xml")


def header_xml(header: ScheduleHeader) -> str:
    return (
        "<Header>"
        f"<BatchID>{header.batch_id}</BatchID><LAID>{header.la_id}</LAID>"
        f"<CreationDate>{header.creation_date.isoformat()}</CreationDate>"
        f"<RecordCount>{header.record_count}</RecordCount>"
        f"<TotalAmount>{format_pounds(header.total_pence)}</TotalAmount>"
        f"<Period>{header.period}</Period><PaymentDate>{header.payment_date.isoformat()}</PaymentDate>"
        "</Header>\n"
    )


def line_xml(line: ScheduleLine) -> str:
    """One ``Line`` element (hb-debt-interface.md §4.2), children in the table's order. The BROUGHT_FORWARD
    line names no debt: it has no ``NINO`` and no ``Source`` (la_interface/xsd/PaymentSchedule.xsd)."""
    brought_forward = line.kind == LineKind.BROUGHT_FORWARD
    nino = f"<NINO>{line.nino}</NINO>" if line.nino and not brought_forward else ""
    source = "" if brought_forward else f"<Source>{line.source}</Source>"
    return (
        f"<Line><DebtRef>{escape(line.debt_ref)}</DebtRef>{nino}"
        f"<RecoveryDate>{line.recovery_date.isoformat()}</RecoveryDate>"
        f"<Amount>{format_pounds(line.amount_pence)}</Amount>{source}"
        f"<Kind>{line.kind.value}</Kind><BalanceAfter>{format_pounds(line.balance_after_pence)}</BalanceAfter>"
        "</Line>\n"
    )


def write_schedule(out: TextIO, header: ScheduleHeader, lines: Iterable[ScheduleLine]) -> None:
    """Write a ``PaymentSchedule`` document to ``out`` line by line; the header must already hold the
    count and total (see :func:`summarise`)."""
    out.write(f'<?xml version="1.0" encoding="UTF-8"?>\n<PaymentSchedule xmlns="{NAMESPACE}">\n')
    out.write(header_xml(header))
    for line in lines:
        out.write(line_xml(line))
    out.write("</PaymentSchedule>\n")


def summarise(lines: Iterable[ScheduleLine]) -> tuple[int, int]:
    """(record count, total pence) of ``lines``, checking each line on the way."""
    count = total = 0
    for line in lines:
        check_line(line)
        count += 1
        total += line.amount_pence
    return count, total


def with_brought_forward(carried_pence: int, la_id: str, period_start: date,
                         lines: Iterable[ScheduleLine]) -> Iterator[ScheduleLine]:
    """The month's lines preceded by the BROUGHT_FORWARD line when last month's total was negative."""
    if carried_pence < 0:
        yield brought_forward_line(carried_pence, la_id=la_id, period_start=period_start)
    yield from lines
