"""NINO rules (hb-debt-interface.md §2; NIM39110)."""

from __future__ import annotations

import pytest

from dms.nino import is_valid_nino, nino_problem


@pytest.mark.parametrize("nino", ["AB123456C", "AB123456A", "AB123456D", "ZY999999B", "OA000000A", "CE123456A"])
def test_valid_ninos_are_accepted(nino: str) -> None:
    assert nino_problem(nino) is None
    assert is_valid_nino(nino)


@pytest.mark.parametrize(
    "nino",
    ["ab123456c", "AB 12 34 56 C", "AB123456", "AB1234567C", "A1123456C", "AB12345C", "AB123456E",
     "AB123456c", " AB123456C", "AB123456C ", ""],
)
def test_nino_shape_two_letters_six_digits_suffix_a_to_d_no_spaces(nino: str) -> None:
    problem = nino_problem(nino)
    assert problem is not None and "two capital letters, six digits and a suffix A-D" in problem


@pytest.mark.parametrize("letter", list("DFIQUV"))
def test_nino_neither_prefix_letter_is_d_f_i_q_u_or_v(letter: str) -> None:
    for nino in (f"{letter}A123456C", f"A{letter}123456C"):
        problem = nino_problem(nino)
        assert problem is not None and "D, F, I, Q, U or V" in problem


def test_nino_second_prefix_letter_is_not_o() -> None:
    problem = nino_problem("AO123456C")
    assert problem is not None and "second prefix letter may not be O" in problem


@pytest.mark.parametrize("prefix", ["BG", "GB", "KN", "NK", "NT", "TN", "ZZ"])
def test_nino_unissued_prefixes_are_refused(prefix: str) -> None:
    problem = nino_problem(f"{prefix}123456C")
    assert problem is not None and f"prefix {prefix} is not issued" in problem


@pytest.mark.parametrize("value", [None, 123456, b"AB123456C"])
def test_nino_must_be_text(value: object) -> None:
    assert nino_problem(value) is not None
    assert not is_valid_nino(value)
