"""Reading one field of an event: each reader names the field in its refusal (events.md §1)."""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from dms.calendar import YEARS, parse_date
from dms.money import MoneyFormatError, parse_pounds
from dms.nino import nino_problem

_MISSING = object()


class EventError(ValueError):
    """An event refused: the message names the field at fault and how to put it right."""


def json_kind(value: Any) -> str:
    """The JSON name of a parsed value's kind, for messages in the sender's terms (RFC 8259 §3)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, Decimal)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def json_text(value: Any, limit: int = 40) -> str:
    """A value read from an event written back as JSON, for quoting it in a refusal in the sender's terms
    (README: errors say what is wrong): ``13.0``, ``1E+2``, ``true``, ``"13"``, ``[1.5]``, never Python's
    ``Decimal('13.0')``, ``True``, ``'13'`` or ``[Decimal('1.5')]``. A number with a fraction or an exponent,
    read as an exact Decimal, keeps its digits (an exponent is written ``E+2``; one that leaves no fraction,
    ``1e0`` or ``1.3e1``, is written ``1E+0`` or ``1.3E+1``, not as the integer it was not written as). Cut to ``limit``
    characters, ending ``...``."""
    text = _json_of(value)
    return text if len(text) <= limit else f"{text[:limit - 3]}..."


def _json_of(value: Any) -> str:
    if isinstance(value, Decimal):
        text = str(value)
        # a number read as Decimal was written with a fraction or an exponent: ``1e0`` and ``1.3e1`` read as
        # Decimal("1") and Decimal("13"), which would print as the integers they were not written as
        return text if any(c in text for c in ".Ee") else f"{value:E}"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{json.dumps(str(k), ensure_ascii=False)}: {_json_of(v)}"
                               for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_json_of(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False, default=str)


class JsonObject(dict[str, Any]):
    """A JSON object as read from a line, with the names it gave more than once (``repeated``; the last value
    of each is kept). A repeated name is refused where DMS reads that field (:func:`_raw`: events.md §1, a
    malformed field refuses the event naming it; RFC 8259 §4, what a reader makes of a repeated name is
    unpredictable), and ignored inside an unknown field, as the unknown field is (events.md §1)."""

    repeated: frozenset[str] = frozenset()


def _raw(data: Mapping[str, Any], name: str, where: str) -> Any:
    if name in getattr(data, "repeated", ()):
        raise EventError(f"{where}{name}: given more than once in one JSON object; send each field once")
    value = data.get(name, _MISSING)
    if value is _MISSING or value is None:
        raise EventError(f"{where}{name}: required field is missing")
    return value


def has(data: Mapping[str, Any], name: str) -> bool:
    return data.get(name) is not None


def text(data: Mapping[str, Any], name: str, *, where: str = "", max_length: int = 64) -> str:
    """A required non-empty string of at most ``max_length`` characters."""
    value = _raw(data, name, where)
    if not isinstance(value, str):
        raise EventError(f"{where}{name}: expected a string, got {json_kind(value)}")
    if not value.strip():
        raise EventError(f"{where}{name}: must not be empty")
    if len(value) > max_length:
        raise EventError(f"{where}{name}: at most {max_length} characters, got {len(value)}")
    return value


def _json_kind(value: Any) -> str:
    """What a JSON value that is not a string is, as JSON names it, with the value where it is short."""
    if isinstance(value, bool):
        return f"JSON boolean ({str(value).lower()})"
    if isinstance(value, int | float | Decimal):
        return f"JSON number ({value})"
    return "JSON object" if isinstance(value, Mapping) else "JSON list" if isinstance(value, list) else "JSON value"


def choice(data: Mapping[str, Any], name: str, allowed: Collection[str], *, where: str = "") -> str:
    """A required string that is one of ``allowed``. Each such value is a JSON string (events.md §2 lists them
    as codes, the maintenance ``scheme`` ``1993``, ``2003``, ``2012`` too), as money is (§1): a JSON number,
    boolean, list or object is refused saying it must be a string, and a number that would be one of
    ``allowed`` as a string is shown written as one."""
    value = _raw(data, name, where)
    if not isinstance(value, str):
        if isinstance(value, int | Decimal) and not isinstance(value, bool) and str(value) in allowed:
            raise EventError(f"{where}{name}: {value} is a JSON number; write it as a string: \"{value}\"")
        raise EventError(f"{where}{name}: expected a string, one of {', '.join(allowed)}, not a "
                         f"{_json_kind(value)}")
    if value not in allowed:
        raise EventError(f"{where}{name}: {value!r} is not one of {', '.join(allowed)}")
    return value


def day(data: Mapping[str, Any], name: str, *, where: str = "") -> date:
    """A required date written ``YYYY-MM-DD``, in a year DMS works in (``dms.calendar.YEARS``, 1900 to 2199,
    as for every business date: a date beyond them cannot be a fact about a person's debts or benefits, and
    the day after it, or a moratorium's end, could not be worked out)."""
    value = _raw(data, name, where)
    if not isinstance(value, str):
        raise EventError(f"{where}{name}: expected a date string YYYY-MM-DD, got {json_kind(value)}")
    try:
        return parse_date(value, field=f"{where}{name}", years=YEARS)
    except ValueError as error:
        raise EventError(str(error)) from None


def money(data: Mapping[str, Any], name: str, *, where: str = "", positive: bool = False) -> int:
    """A required amount: a string of pounds with two decimals (never a JSON number), returned in pence."""
    value = _raw(data, name, where)
    if not isinstance(value, str):
        kind = "number" if isinstance(value, int | float | Decimal) and not isinstance(value, bool) else "value"
        raise EventError(
            f"{where}{name}: money is a string of pounds with two decimals such as \"400.14\", "
            f"not a JSON {kind} ({json_text(value)})"
        )
    try:
        pence = parse_pounds(value, field=f"{where}{name}")
    except MoneyFormatError as error:
        raise EventError(str(error)) from None
    if positive and pence == 0:
        raise EventError(f"{where}{name}: must be more than 0.00")
    return pence


def whole(data: Mapping[str, Any], name: str, low: int, high: int, *, where: str = "") -> int:
    """A required JSON integer between ``low`` and ``high``. Anything else is refused quoting it as JSON
    writes it and saying how to write it (README: errors say how to put it right). A whole number written
    with a fraction or an exponent (``13.0``, ``1e2``) is refused too (docs/events-notes.md "A whole number
    is a JSON integer"), the refusal giving the integer to send."""
    value = _raw(data, name, where)
    if not isinstance(value, int) or isinstance(value, bool):
        if isinstance(value, Decimal) and low <= value <= high and value == value.to_integral_value():
            raise EventError(f"{where}{name}: {json_text(value)} is written with a fraction or an exponent, but "
                             f"this field takes a JSON integer; write it as {int(value)}")
        example = min(max(13, low), high)  # 13: a sanction's weeks, a period day
        raise EventError(f"{where}{name}: expected a whole number from {low} to {high}, got {json_text(value)}; "
                         f"write it as a JSON integer such as {example}, with no quotes, fraction or exponent")
    if not low <= value <= high:
        raise EventError(f"{where}{name}: {value} is not between {low} and {high}")
    return value


def flag(data: Mapping[str, Any], name: str, *, where: str = "") -> bool:
    """A required JSON boolean."""
    value = _raw(data, name, where)
    if not isinstance(value, bool):
        raise EventError(f"{where}{name}: expected true or false, got {json_text(value)}; write it as a JSON "
                         "boolean, true or false, with no quotes")
    return value


_PERCENT = re.compile(r"[0-9]{1,3}(\.[0-9]{1,2})?")


def percent(data: Mapping[str, Any], name: str, *, where: str = "") -> Decimal:
    """A required percentage above 0 and at most 100, with at most two decimal places (a sanction's rate: 100,
    40, 33.33): a JSON number or a decimal string, kept exact. An exponent or more places is refused: no
    rate is written so, and a value such as ``1e-400`` or ``99.99999999999999999`` would be a different rate
    wherever it was rounded."""
    value = _raw(data, name, where)
    if isinstance(value, bool) or not isinstance(value, int | str | Decimal):
        raise EventError(f"{where}{name}: expected a percentage such as 100 or \"40\", got {json_text(value)}")
    text = str(value)
    if not _PERCENT.fullmatch(text):
        raise EventError(f"{where}{name}: {json_text(value)} is not a percentage written as digits with at most two "
                         "decimal places, such as 100, 40 or \"33.33\"")
    rate = Decimal(text)
    if not Decimal(0) < rate <= Decimal(100):
        raise EventError(f"{where}{name}: {value} is not above 0 and at most 100")
    return rate


def nino(data: Mapping[str, Any], name: str, *, where: str = "") -> str:
    """A required National Insurance number (hb-debt-interface.md §2)."""
    value = _raw(data, name, where)
    if not isinstance(value, str):  # said in JSON's terms (README: errors say what is wrong), not Python's
        raise EventError(f"{where}{name}: NINO must be text like AB123456C, got {json_kind(value)}; write it as a "
                         "JSON string, \"AB123456C\"")
    problem = nino_problem(value)
    if problem is not None:
        raise EventError(f"{where}{name}: {problem}")
    return str(value)


def obj(data: Mapping[str, Any], name: str, *, where: str = "") -> Mapping[str, Any]:
    """A required JSON object."""
    value = _raw(data, name, where)
    if not isinstance(value, Mapping):
        raise EventError(f"{where}{name}: expected an object, got {json_kind(value)}")
    return value


def items(data: Mapping[str, Any], name: str, *, where: str = "") -> list[Any]:
    """A required JSON list."""
    value = _raw(data, name, where)
    if not isinstance(value, list):
        raise EventError(f"{where}{name}: expected a list, got {json_kind(value)}")
    return value
