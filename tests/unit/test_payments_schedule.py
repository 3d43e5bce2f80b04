"""Schedule lines, netting and the brought-forward rule (hb-debt-interface.md §4.2, §7)."""

from __future__ import annotations

import io
from datetime import date

import pytest

from dms.payments.schedule import (
    LineKind,
    ScheduleError,
    ScheduleHeader,
    ScheduleLine,
    brought_forward_line,
    check_line,
    net_total,
    schedule_file_name,
    summarise,
    with_brought_forward,
    write_schedule,
)


def _line(amount: int, kind: LineKind = LineKind.DEDUCTION) -> ScheduleLine:
    return ScheduleLine("HB/1", "AB123456C", date(2025, 10, 6), amount, "UC", kind, 1000)


def test_negative_total_pays_nothing_and_is_carried_forward() -> None:
    netting = net_total(-5_000)
    assert (netting.paid_pence, netting.carried_forward_pence) == (0, -5_000)
    assert (net_total(7_000).paid_pence, net_total(7_000).carried_forward_pence) == (7_000, 0)
    assert (net_total(0).paid_pence, net_total(0).carried_forward_pence) == (0, 0)


def test_only_correction_and_brought_forward_lines_may_be_negative() -> None:
    check_line(_line(-100, LineKind.CORRECTION))
    with pytest.raises(ScheduleError, match="only CORRECTION and BROUGHT_FORWARD"):
        check_line(_line(-100, LineKind.DEDUCTION))
    with pytest.raises(ScheduleError):
        check_line(_line(-1, LineKind.DIRECT_PAYMENT))


def test_brought_forward_is_one_line_first_and_only_for_a_negative_amount() -> None:
    lines = list(with_brought_forward(-5_000, "005920", date(2025, 11, 1), [_line(7_000)]))
    assert [line.kind for line in lines] == [LineKind.BROUGHT_FORWARD, LineKind.DEDUCTION]
    assert summarise(lines) == (2, 2_000)
    assert list(with_brought_forward(0, "005920", date(2025, 11, 1), [_line(7_000)])) == [_line(7_000)]
    with pytest.raises(ScheduleError):
        brought_forward_line(100, la_id="005920", period_start=date(2025, 11, 1))


def test_schedule_file_is_named_and_written_with_header_and_lines() -> None:
    assert schedule_file_name(date(2025, 11, 3), "005920") == "20251103-DMSCH-005920.xml"
    out = io.StringIO()
    header = ScheduleHeader("005920", date(2025, 11, 3), "2025-10", date(2025, 11, 21), 1, 7_000)
    write_schedule(out, header, [_line(7_000)])
    text = out.getvalue()
    assert "<BatchID>20251103-DMSCH-005920</BatchID>" in text
    assert "<Period>2025-10</Period><PaymentDate>2025-11-21</PaymentDate>" in text
    assert "<Amount>70.00</Amount><Source>UC</Source><Kind>DEDUCTION</Kind><BalanceAfter>10.00</BalanceAfter>" in text
