"""Dated parameters: rules that change with the law, each in one YAML file with its source.

Each file under ``data/`` holds one parameter::

    description: what it is
    unit: GBP | rate | count | bool | GBP-by-key | rate-by-key
    reference:
      - title: the legal or published source
        href: https://...
    values:
      2025-04-07: "400.14"          # effective for periods starting on or after this date

A parameter's name is its path under ``data/`` with dots: ``uc.standard_allowance``. The loader answers
"the value of X for a period starting on D" (:func:`value`). Money comes back as integer pence, rates as
``Decimal``. Nothing here reads a clock: the date is always an argument.
"""

from dms.parameters.loader import (
    NoValueOnDate,
    Parameter,
    ParameterError,
    all_parameters,
    get_parameter,
    value,
)

__all__ = ["NoValueOnDate", "Parameter", "ParameterError", "all_parameters", "get_parameter", "value"]
