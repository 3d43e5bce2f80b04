"""Money rules (recovery-rules.md §1; hb-debt-interface.md §2 money format)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dms.money import (
    MoneyFormatError,
    five_percent_unit,
    format_pounds,
    parse_pounds,
    percent_of,
    split_equal,
    split_with_capacity,
)


@pytest.mark.parametrize(
    ("text", "pence"),
    [("0.00", 0), ("0.01", 1), ("12.50", 1250), ("1234.56", 123456), ("99999999.99", 9_999_999_999)],
)
def test_parse_pounds_reads_two_decimal_pounds_as_pence(text: str, pence: int) -> None:
    assert parse_pounds(text) == pence


@pytest.mark.parametrize(
    "text",
    ["12.5", "12", "12.500", "£12.50", " 12.50", "12.50 ", "1,234.56", "01.00", "+1.00", "1e2", "",
     "100000000.00", ".50", "12.-5", "NaN"],
)
def test_parse_pounds_refuses_anything_but_exact_two_decimal_pounds(text: str) -> None:
    with pytest.raises(MoneyFormatError) as error:
        parse_pounds(text, field="Total")
    assert "Total" in str(error.value)


@pytest.mark.parametrize("value", [12.5, 1250, Decimal("12.50"), None])
def test_parse_pounds_refuses_non_strings(value: object) -> None:
    with pytest.raises(MoneyFormatError):
        parse_pounds(value)  # type: ignore[arg-type]


def test_parse_pounds_negative_only_when_allowed() -> None:
    with pytest.raises(MoneyFormatError, match="negative"):
        parse_pounds("-1.00")
    assert parse_pounds("-1.05", allow_negative=True) == -105


def test_parse_pounds_refuses_negative_zero() -> None:
    with pytest.raises(MoneyFormatError, match="zero"):
        parse_pounds("-0.00", allow_negative=True)


@pytest.mark.parametrize(("pence", "text"), [(0, "0.00"), (5, "0.05"), (-5, "-0.05"), (123456, "1234.56"),
                                             (-100, "-1.00"), (9_999_999_999, "99999999.99")])
def test_format_pounds_writes_two_decimals(pence: int, text: str) -> None:
    assert format_pounds(pence) == text


@pytest.mark.parametrize("value", [1.5, Decimal("1"), True, "1"])
def test_format_pounds_refuses_non_integer_pence(value: object) -> None:
    with pytest.raises(TypeError):
        format_pounds(value)  # type: ignore[arg-type]


@given(st.integers(min_value=-9_999_999_999, max_value=9_999_999_999))
def test_format_then_parse_round_trips(pence: int) -> None:
    assert parse_pounds(format_pounds(pence), allow_negative=True) == pence


def test_percent_limit_rounds_down_to_the_penny() -> None:
    assert percent_of(40014, Decimal("0.15")) == 6002  # 6002.1
    assert percent_of(999, Decimal("0.15")) == 149  # 149.85, not 150
    assert percent_of(100, Decimal("0.25")) == 25


def test_percent_of_refuses_a_float_rate() -> None:
    with pytest.raises(TypeError):
        percent_of(100, 0.15)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("amount", "unit"),
    [(40014, 2005), (9050, 455), (9205, 465), (9555, 480), (40000, 2000), (1, 5), (0, 0)],
)
def test_five_percent_unit_rounds_up_to_the_next_5p(amount: int, unit: int) -> None:
    assert five_percent_unit(amount) == unit


def test_split_equal_remainder_goes_one_penny_at_a_time_in_fixed_order() -> None:
    assert split_equal(100, 3) == [34, 33, 33]
    assert split_equal(101, 3) == [34, 34, 33]
    assert split_equal(6000, 3) == [2000, 2000, 2000]  # A9/2025 §29: £60 gives £20 each
    assert split_equal(2, 5) == [1, 1, 0, 0, 0]


def test_split_equal_refuses_no_parties_or_negative_amounts() -> None:
    with pytest.raises(ValueError):
        split_equal(10, 0)
    with pytest.raises(ValueError):
        split_equal(-1, 2)


def test_split_with_capacity_passes_excess_on_to_the_others() -> None:
    # £60 between three owners, the first can only absorb £5: the other two share the rest.
    assert split_with_capacity(6000, [500, 10_000, 10_000]) == [500, 2750, 2750]
    # the leftover penny of the re-split goes to the first open party in order
    assert split_with_capacity(1001, [100, 10_000, 10_000]) == [100, 451, 450]


def test_split_with_capacity_leaves_what_no_party_can_absorb() -> None:
    assert split_with_capacity(1000, [100, 200, 0]) == [100, 200, 0]


def test_split_with_capacity_refuses_negative_input() -> None:
    with pytest.raises(ValueError):
        split_with_capacity(-1, [1])
    with pytest.raises(ValueError):
        split_with_capacity(1, [-1])


@given(st.integers(min_value=0, max_value=10**12), st.integers(min_value=1, max_value=50))
def test_split_equal_never_loses_or_creates_a_penny(amount: int, parties: int) -> None:
    shares = split_equal(amount, parties)
    assert sum(shares) == amount
    assert len(shares) == parties
    assert max(shares) - min(shares) <= 1
    assert shares == sorted(shares, reverse=True)


@given(st.integers(min_value=0, max_value=10**9), st.lists(st.integers(min_value=0, max_value=10**8), max_size=12))
def test_split_with_capacity_never_loses_or_creates_a_penny(amount: int, capacities: list[int]) -> None:
    shares = split_with_capacity(amount, capacities)
    assert sum(shares) == min(amount, sum(capacities))
    assert all(0 <= share <= cap for share, cap in zip(shares, capacities, strict=True))
    if amount >= sum(capacities):
        assert shares == capacities
