"""Dated parameters (engineering guide habit 4; recovery-rules.md §2 and §4)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from dms.errors import DmsError
from dms.money import five_percent_unit, parse_pounds
from dms.parameters import NoValueOnDate, ParameterError, all_parameters, get_parameter, value
from dms.parameters.loader import UNITS, parse_parameter


def test_every_parameter_has_a_description_unit_and_reference() -> None:
    parameters = all_parameters()
    assert parameters, "no parameters were loaded"
    for name, parameter in parameters.items():
        assert parameter.description.strip(), f"{name} has no description"
        assert parameter.unit in UNITS, f"{name} has no known unit"
        assert parameter.references, f"{name} has no reference"
        for reference in parameter.references:
            assert reference.title.strip() and reference.href.startswith("https://"), name
        assert parameter.dates == tuple(sorted(parameter.dates)), f"{name} dates are not in order"


@pytest.mark.parametrize("missing", ["description", "unit", "reference", "values"])
def test_a_parameter_file_without_description_unit_reference_or_values_is_refused(missing: str) -> None:
    document = {
        "description": "a figure",
        "unit": "GBP",
        "reference": [{"title": "SI 2013/376", "href": "https://www.legislation.gov.uk/uksi/2013/376"}],
        "values": {date(2025, 4, 7): "1.00"},
    }
    parse_parameter("test.figure", document)
    del document[missing]
    with pytest.raises(ParameterError, match=missing):
        parse_parameter("test.figure", document)


def test_a_reference_without_href_is_refused() -> None:
    with pytest.raises(ParameterError, match="href"):
        parse_parameter("t.x", {"description": "x", "unit": "count", "reference": [{"title": "t"}],
                                "values": {date(2025, 1, 1): 1}})


# recovery-rules.md §2, written out: claimant type -> (from 2024-04-08, from 2025-04-07, from 2026-04-13)
STANDARD_ALLOWANCE_TABLE = {
    "SINGLE_UNDER_25": ("311.68", "316.98", "338.58"),
    "SINGLE_25_OR_OVER": ("393.45", "400.14", "424.90"),
    "JOINT_UNDER_25": ("489.23", "497.55", "528.34"),
    "JOINT_25_OR_OVER": ("617.60", "628.10", "666.97"),
}
TABLE_DATES = (date(2024, 4, 8), date(2025, 4, 7), date(2026, 4, 13))


def test_uc_standard_allowance_matches_recovery_rules_section_2() -> None:
    for claimant_type, amounts in STANDARD_ALLOWANCE_TABLE.items():
        for start, amount in zip(TABLE_DATES, amounts, strict=True):
            assert value("uc.standard_allowance", start, claimant_type) == parse_pounds(amount)
    assert get_parameter("uc.standard_allowance").dates == TABLE_DATES


def test_uc_standard_allowance_applies_to_periods_starting_on_or_after_its_date() -> None:
    assert value("uc.standard_allowance", date(2025, 4, 6), "SINGLE_25_OR_OVER") == 39345
    assert value("uc.standard_allowance", date(2025, 4, 7), "SINGLE_25_OR_OVER") == 40014
    with pytest.raises(ParameterError, match="first value starts"):
        value("uc.standard_allowance", date(2024, 4, 7), "SINGLE_25_OR_OVER")
    with pytest.raises(ParameterError, match="no key"):
        value("uc.standard_allowance", date(2025, 4, 7), "COUPLE")


def test_uc_overall_cap_matches_recovery_rules_section_2() -> None:
    assert value("uc.overall_cap", date(2019, 9, 30)) == Decimal("0.40")
    assert value("uc.overall_cap", date(2019, 10, 1)) == Decimal("0.30")
    assert value("uc.overall_cap", date(2021, 4, 1)) == Decimal("0.25")
    assert value("uc.overall_cap", date(2025, 4, 29)) == Decimal("0.25")
    assert value("uc.overall_cap", date(2025, 4, 30)) == Decimal("0.15")


# recovery-rules.md §4: from -> (25+ personal allowance, unit, standard / week, fraud / week)
LEGACY_TABLE = {
    date(2024, 4, 8): ("90.50", "4.55", "13.65", "22.75"),
    date(2025, 4, 7): ("92.05", "4.65", "13.95", "23.25"),
    date(2026, 4, 13): ("95.55", "4.80", "14.40", "24.00"),
}


def test_legacy_units_reproduce_recovery_rules_section_4() -> None:
    for start, (allowance, unit, standard, fraud) in LEGACY_TABLE.items():
        personal_allowance = value("legacy.personal_allowance_25_or_over", start)
        assert personal_allowance == parse_pounds(allowance)
        one_unit = five_percent_unit(personal_allowance)
        assert one_unit == parse_pounds(unit)
        assert one_unit * value("legacy.standard_units_per_week", start) == parse_pounds(standard)
        assert one_unit * value("legacy.fraud_units_per_week", start) == parse_pounds(fraud)


def test_legacy_benefit_floor_is_10p_a_week() -> None:
    assert value("legacy.minimum_benefit_per_week", date(2025, 4, 7)) == 10


def test_unknown_parameter_is_refused_by_name() -> None:
    with pytest.raises(ParameterError, match="uc.no_such"):
        value("uc.no_such", date(2025, 4, 7))


def test_a_date_before_a_parameter_starts_is_a_refused_request_and_says_which_date_to_use() -> None:
    with pytest.raises(NoValueOnDate, match="use a date on or after 2024-04-08") as refused:
        value("legacy.personal_allowance_25_or_over", date(2020, 1, 1))
    assert isinstance(refused.value, DmsError) and isinstance(refused.value, ParameterError)


def test_a_fault_in_the_parameters_themselves_is_not_a_refused_request() -> None:
    with pytest.raises(ParameterError) as fault:
        get_parameter("uc.no_such")
    assert not isinstance(fault.value, DmsError)
