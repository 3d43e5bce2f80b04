"""The what-if overall cap of a re-rating (``dms rerate --cap-percent P``), read and checked (pure)."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from dms.errors import DmsError

LEGAL_MAXIMUM_CAP_PERCENT = Decimal(40)  # SI 2013/380 Sch 6 para 4(1)

__all__ = ["LEGAL_MAXIMUM_CAP_PERCENT", "parse_cap_percent"]


def parse_cap_percent(text: str) -> Decimal:
    """``--cap-percent P``: a percentage from 0 to the legal maximum of 40 (SI 2013/380 Sch 6 para 4(1)),
    as the fraction the engine takes (``"12.5"`` → ``Decimal("0.125")``). Minus zero (``-0``, ``-0.00``) is
    zero, inside that range, and is read as 0, unsigned (docs/recovery-notes.md "Re-rating reads the book as the
    daily run left it")."""
    digits = text
    if re.fullmatch(r"-[0-9]+(\.[0-9]+)?", text):
        if Decimal(text) == 0:
            digits = text[1:]  # minus zero is zero: the sign dropped, so the cap named is 0%, not -0%
        else:
            raise DmsError(f"--cap-percent {text} is negative: the overall cap must be from 0 to "
                           f"{LEGAL_MAXIMUM_CAP_PERCENT}% of the standard allowance (SI 2013/380 Sch 6 para 4(1))")
    if not re.fullmatch(r"[0-9]+(\.[0-9]+)?", digits):
        raise DmsError(f"--cap-percent {text!r} is not a number: give a percentage in ASCII digits, such as 20 "
                       "or 12.5")
    try:
        percent = Decimal(digits)
    except InvalidOperation:
        raise DmsError(f"--cap-percent {text!r} is not a number: give a percentage such as 20 or 12.5") from None
    if not percent.is_finite() or not Decimal(0) <= percent <= LEGAL_MAXIMUM_CAP_PERCENT:
        raise DmsError(f"--cap-percent {text}: the overall cap must be from 0 to {LEGAL_MAXIMUM_CAP_PERCENT}% "
                       "of the standard allowance (SI 2013/380 Sch 6 para 4(1))")
    if percent.as_tuple().exponent < -2:  # type: ignore[operator]
        raise DmsError(f"--cap-percent {text}: give at most two decimal places")
    return percent / 100
