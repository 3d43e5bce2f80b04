"""National Insurance numbers (pure).

Source: hb-debt-interface.md §2; HMRC National Insurance Manual NIM39110 (recovery-rules.md §8). Two prefix
letters, six digits, a suffix A-D, written without spaces. Neither prefix letter is D, F, I, Q, U or V; the
second is not O; the prefixes BG, GB, KN, NK, NT, TN and ZZ are not issued. There is no check digit.
"""

from __future__ import annotations

import re

_SHAPE = re.compile(r"[A-Z]{2}[0-9]{6}[A-D]")
_FORBIDDEN_LETTERS = frozenset("DFIQUV")
_UNISSUED_PREFIXES = frozenset({"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"})


def nino_problem(nino: object) -> str | None:
    """Why ``nino`` is not a valid NINO, or None if it is (rule: hb-debt-interface.md §2)."""
    if not isinstance(nino, str):
        return f"NINO must be text like AB123456C, got {type(nino).__name__}"
    if not _SHAPE.fullmatch(nino):
        return (
            f"NINO {nino!r} is not two capital letters, six digits and a suffix A-D written without spaces "
            "(like AB123456C)"
        )
    first, second = nino[0], nino[1]
    if first in _FORBIDDEN_LETTERS or second in _FORBIDDEN_LETTERS:
        return f"NINO {nino!r}: neither prefix letter may be D, F, I, Q, U or V"
    if second == "O":
        return f"NINO {nino!r}: the second prefix letter may not be O"
    if nino[:2] in _UNISSUED_PREFIXES:
        return f"NINO {nino!r}: the prefix {nino[:2]} is not issued"
    return None


def is_valid_nino(nino: object) -> bool:
    return nino_problem(nino) is None
