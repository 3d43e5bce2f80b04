"""Load and answer dated parameters (see the package docstring for the file format)."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from dms.errors import DmsError
from dms.money import MoneyFormatError, parse_pounds

UNITS = {"GBP", "rate", "count", "bool", "GBP-by-key", "rate-by-key", "text"}


class ParameterError(Exception):
    """A parameter file is malformed, or a parameter or key is asked for that does not exist: a fault in DMS's
    own rules data or code (the files ship with DMS), never a person's input."""


class NoValueOnDate(ParameterError, DmsError):
    """A value is asked for a date before the parameter's first value: DMS holds no rule for that date. The
    date comes from a request (``dms rerate --date``, ``dms run --date``) or the data it covers, so it is a
    request DMS refuses (a :class:`~dms.errors.DmsError`), not a fault."""


@dataclass(frozen=True)
class Reference:
    title: str
    href: str


@dataclass(frozen=True)
class Parameter:
    name: str
    description: str
    unit: str
    references: tuple[Reference, ...]
    dates: tuple[date, ...]
    values: tuple[Any, ...] = field(repr=False)

    def value_at(self, on: date) -> Any:
        """The value in force for a period starting on ``on``."""
        return self.values[self._index(on)]

    def in_force_from(self, on: date) -> date:
        """The date the value in force on ``on`` applies from."""
        return self.dates[self._index(on)]

    def _index(self, on: date) -> int:
        index = bisect.bisect_right(self.dates, on) - 1
        if index < 0:
            raise NoValueOnDate(
                f"parameter {self.name} has no value for {on.isoformat()}: its first value starts "
                f"{self.dates[0].isoformat()}, so DMS has no rule for that date; use a date on or after "
                f"{self.dates[0].isoformat()}"
            )
        return index

    def history(self) -> list[tuple[date, Any]]:
        return list(zip(self.dates, self.values, strict=True))


def _convert(name: str, unit: str, raw: Any) -> Any:
    try:
        if unit == "GBP":
            return parse_pounds(str(raw), field=name)
        if unit == "rate":
            return Decimal(str(raw))
        if unit == "count":
            if not isinstance(raw, int) or isinstance(raw, bool):
                raise ParameterError(f"parameter {name}: count {raw!r} is not a whole number")
            return raw
        if unit == "bool":
            if not isinstance(raw, bool):
                raise ParameterError(f"parameter {name}: {raw!r} is not true or false")
            return raw
        if unit == "text":
            return str(raw)
        if unit in {"GBP-by-key", "rate-by-key"}:
            if not isinstance(raw, dict) or not raw:
                raise ParameterError(f"parameter {name}: {unit} values are mappings of key to value")
            inner = "GBP" if unit == "GBP-by-key" else "rate"
            return {str(k): _convert(f"{name}.{k}", inner, v) for k, v in raw.items()}
    except (MoneyFormatError, InvalidOperation) as error:
        raise ParameterError(f"parameter {name}: bad value {raw!r}: {error}") from None
    raise ParameterError(f"parameter {name}: unknown unit {unit!r}; use one of {sorted(UNITS)}")


def parse_parameter(name: str, document: Any) -> Parameter:
    """Build a :class:`Parameter` from a loaded YAML document, refusing anything incomplete."""
    if not isinstance(document, dict):
        raise ParameterError(f"parameter {name}: the file is not a mapping")
    missing = [key for key in ("description", "unit", "reference", "values") if not document.get(key)]
    if missing:
        raise ParameterError(f"parameter {name}: missing {', '.join(missing)}")
    unit = document["unit"]
    if unit not in UNITS:
        raise ParameterError(f"parameter {name}: unknown unit {unit!r}; use one of {sorted(UNITS)}")
    refs = document["reference"]
    if isinstance(refs, dict):
        refs = [refs]
    references = []
    for ref in refs:
        if not isinstance(ref, dict) or not ref.get("title") or not ref.get("href"):
            raise ParameterError(f"parameter {name}: each reference needs a title and an href")
        references.append(Reference(str(ref["title"]), str(ref["href"])))
    raw_values = document["values"]
    if not isinstance(raw_values, dict):
        raise ParameterError(f"parameter {name}: values must map effective dates to values")
    pairs = []
    for key, raw in raw_values.items():
        if not isinstance(key, date):
            raise ParameterError(f"parameter {name}: {key!r} is not a date written YYYY-MM-DD")
        pairs.append((key, _convert(name, unit, raw)))
    pairs.sort(key=lambda pair: pair[0])
    return Parameter(
        name=name,
        description=str(document["description"]).strip(),
        unit=unit,
        references=tuple(references),
        dates=tuple(p[0] for p in pairs),
        values=tuple(p[1] for p in pairs),
    )


@lru_cache(maxsize=1)
def all_parameters() -> dict[str, Parameter]:
    """Every parameter shipped in ``dms/parameters/data``, by name."""
    found: dict[str, Parameter] = {}
    root = resources.files("dms.parameters") / "data"

    def walk(node: Any, prefix: str) -> None:
        for child in sorted(node.iterdir(), key=lambda c: c.name):
            if child.is_dir():
                walk(child, f"{prefix}{child.name}.")
            elif child.name.endswith(".yaml"):
                name = prefix + child.name[: -len(".yaml")]
                found[name] = parse_parameter(name, yaml.safe_load(child.read_text(encoding="utf-8")))

    walk(root, "")
    return found


def get_parameter(name: str) -> Parameter:
    try:
        return all_parameters()[name]
    except KeyError:
        raise ParameterError(f"no parameter named {name!r}") from None


def value(name: str, on: date, key: str | None = None) -> Any:
    """The value of parameter ``name`` for a period starting on ``on`` (optionally one key of a table)."""
    result = get_parameter(name).value_at(on)
    if key is None:
        return result
    try:
        return result[key]
    except (KeyError, TypeError):
        raise ParameterError(f"parameter {name} has no key {key!r} on {on.isoformat()}") from None
