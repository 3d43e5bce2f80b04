"""Money: whole pence in one integer type, and every rounding rule by name.

Source: recovery-rules.md §1. All amounts are integers of pence; rates are exact ``Decimal``; no float ever
touches money. Pounds appear only at the edges (files, events, JSON) as strings with exactly two decimals.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import NewType

Pence = NewType("Pence", int)

MAX_POUNDS_PENCE = 9_999_999_999  # 99999999.99, hb-debt-interface.md §2
_POUNDS = re.compile(r"(-?)(0|[1-9][0-9]{0,7})\.([0-9]{2})")


class MoneyFormatError(ValueError):
    """A money string is not pounds with exactly two decimals."""


def parse_pounds(text: str, *, allow_negative: bool = False, field: str = "amount") -> Pence:
    """Parse ``"1234.56"`` into pence. Exactly two decimals, no symbol, no spaces, at most 99999999.99.

    Source: hb-debt-interface.md §2 (money format); events.md §1 (money is a string of pounds).
    """
    if not isinstance(text, str):
        raise MoneyFormatError(
            f"{field}: expected a string of pounds with two decimals such as \"12.50\", got {text!r}"
        )
    match = _POUNDS.fullmatch(text)
    if match is None:
        raise MoneyFormatError(
            f"{field}: {text!r} is not an amount of pounds with exactly two decimals and no symbol "
            f"(write it like \"1234.56\", at most 99999999.99)"
        )
    sign, pounds, pence = match.groups()
    value = int(pounds) * 100 + int(pence)
    if sign:
        if not allow_negative:
            raise MoneyFormatError(f"{field}: {text!r} is negative; this amount may not be negative")
        if value == 0:
            raise MoneyFormatError(f"{field}: write zero as \"0.00\", not {text!r}")
        value = -value
    return Pence(value)


def format_pounds(amount: int) -> str:
    """Format pence as pounds with two decimals: ``123456`` → ``"1234.56"``, ``-5`` → ``"-0.05"``."""
    if not isinstance(amount, int) or isinstance(amount, bool):
        raise TypeError(f"money is whole pence (int), got {type(amount).__name__}")
    sign = "-" if amount < 0 else ""
    whole, pence = divmod(abs(amount), 100)
    return f"{sign}{whole}.{pence:02d}"


def percent_of(amount: int, rate: Decimal) -> Pence:
    """A percentage limit of ``amount``, rounded **down** to the penny (a limit never grows by rounding).

    Source: recovery-rules.md §1, "A percentage limit is rounded down to the penny" (Decision).
    ``rate`` is a fraction: ``Decimal("0.15")`` for 15%.
    """
    if not isinstance(rate, Decimal):
        raise TypeError("rates are Decimal")
    return Pence(int((Decimal(amount) * rate).to_integral_value(rounding=ROUND_FLOOR)))


def five_percent_unit(standard_allowance: int) -> Pence:
    """One "5% unit": 5% of the amount, rounded **up** to the next multiple of 5p.

    Source: Sch 6 para 1 to SI 2013/380 (UC); SI 1988/664 reg 16 for the legacy unit; recovery-rules.md §1.
    """
    fives = (Decimal(standard_allowance) * Decimal("0.05") / Decimal(5)).to_integral_value(
        rounding=ROUND_CEILING
    )
    return Pence(int(fives) * 5)


def split_equal(amount: int, parties: int) -> list[Pence]:
    """Split ``amount`` equally between ``parties``: each gets amount // n, and the leftover pence go one at
    a time to the parties in their fixed order (the first party first).

    Source: recovery-rules.md §1 (equal split and the remainder rule).
    """
    if parties <= 0:
        raise ValueError("an equal split needs at least one party")
    if amount < 0:
        raise ValueError("only a non-negative amount can be split")
    base, leftover = divmod(amount, parties)
    return [Pence(base + (1 if i < leftover else 0)) for i in range(parties)]


def split_with_capacity(amount: int, capacities: Sequence[int]) -> list[Pence]:
    """Split ``amount`` equally between parties that can each absorb at most ``capacities[i]``.

    A party that cannot absorb its share passes the excess on, shared again equally among the others, in
    the parties' fixed order for leftover pence. What no party can absorb is left unallocated: the result
    sums to ``min(amount, sum(capacities))``. Money is never lost or created.

    Source: recovery-rules.md §1 ("A party that cannot absorb its share ... passes the excess on").
    """
    if amount < 0 or any(c < 0 for c in capacities):
        raise ValueError("amounts and capacities are non-negative")
    shares = [0] * len(capacities)
    remaining = min(amount, sum(capacities))
    open_parties = [i for i, c in enumerate(capacities) if c > 0]
    while remaining > 0 and open_parties:
        portions = split_equal(remaining, len(open_parties))
        still_open: list[int] = []
        for index, portion in zip(open_parties, portions, strict=True):
            room = capacities[index] - shares[index]
            taken = min(room, portion)
            shares[index] += taken
            remaining -= taken
            if shares[index] < capacities[index]:
                still_open.append(index)
        open_parties = still_open
    return [Pence(s) for s in shares]
