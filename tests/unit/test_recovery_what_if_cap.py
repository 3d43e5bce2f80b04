"""The what-if overall cap of ``dms rerate --cap-percent P`` as read (``recovery.what_if.parse_cap_percent``):
a percentage from 0 to 40 (SI 2013/380 Sch 6 para 4(1))."""

from __future__ import annotations

from decimal import Decimal

import pytest

from dms.errors import DmsError
from dms.recovery.what_if import parse_cap_percent


@pytest.mark.parametrize("text", ["-0", "-0.0", "-0.00", "-00"])
def test_cap_percent_minus_zero_is_zero_not_negative(text: str) -> None:
    """Minus zero is zero, inside the range 0 to 40 the refusal of a negative cap states: it is read as 0,
    unsigned, so that the what-if names a cap of 0%, not -0%."""
    rate = parse_cap_percent(text)
    assert rate == 0 and not rate.is_signed()
    assert format((rate * 100).normalize(), "f") == "0"


@pytest.mark.parametrize("text", ["-0.01", "-1", "-40"])
def test_cap_percent_below_zero_is_still_refused_as_negative(text: str) -> None:
    with pytest.raises(DmsError, match=f"--cap-percent {text} is negative: the overall cap must be from 0 to 40%"):
        parse_cap_percent(text)


def test_cap_percent_minus_zero_with_three_decimals_is_refused_for_its_places() -> None:
    with pytest.raises(DmsError, match="--cap-percent -0.000: give at most two decimal places"):
        parse_cap_percent("-0.000")


def test_cap_percent_as_given_is_the_fraction_the_engine_takes() -> None:
    assert parse_cap_percent("12.5") == Decimal("0.125") and parse_cap_percent("40.00") == Decimal("0.4")
