"""Business dates (recovery-rules.md §7; A9/2025 §33; UC Regulations 2013 reg 21)."""

from __future__ import annotations

from datetime import date

import pytest

from dms.calendar import (
    FRIDAY,
    YEARS,
    add_working_days,
    assessment_period_containing,
    assessment_period_start_in,
    bacs_processing_date,
    bacs_submission_date,
    first_working_day,
    is_bank_holiday,
    is_working_day,
    la_payment_date,
    nth_weekday,
    parse_date,
    parse_period,
)
from dms.errors import BadInput, DmsError


def test_easter_monday_and_august_bank_holiday_are_bank_holidays_in_england() -> None:
    assert is_bank_holiday(date(2025, 4, 21))  # Easter Monday
    assert is_bank_holiday(date(2025, 8, 25))  # summer bank holiday (England, not Scotland's 4 August)
    assert not is_bank_holiday(date(2025, 8, 4))
    assert is_bank_holiday(date(2025, 4, 18))  # Good Friday
    assert is_bank_holiday(date(2025, 12, 25)) and is_bank_holiday(date(2025, 12, 26))


def test_working_days_exclude_weekends_and_bank_holidays() -> None:
    assert is_working_day(date(2025, 4, 17))
    assert not is_working_day(date(2025, 4, 19))  # Saturday
    assert not is_working_day(date(2025, 4, 21))  # Easter Monday
    assert not is_working_day(date(2025, 8, 25))


def test_add_working_days_skips_easter() -> None:
    assert add_working_days(date(2025, 4, 17), 1) == date(2025, 4, 22)
    assert add_working_days(date(2025, 4, 22), -1) == date(2025, 4, 17)
    assert add_working_days(date(2025, 4, 22), 0) == date(2025, 4, 22)


def test_first_working_day_of_month_skips_new_year_and_weekend() -> None:
    assert first_working_day(2026, 1) == date(2026, 1, 2)
    assert first_working_day(2025, 3) == date(2025, 3, 3)


def test_nth_weekday_counts_from_the_first_of_the_month() -> None:
    assert nth_weekday(2025, 4, FRIDAY, 1) == date(2025, 4, 4)
    assert nth_weekday(2025, 4, FRIDAY, 3) == date(2025, 4, 18)
    assert nth_weekday(2025, 8, 0, 1) == date(2025, 8, 4)


def test_nth_weekday_refuses_a_day_the_month_does_not_have() -> None:
    with pytest.raises(ValueError):
        nth_weekday(2025, 2, FRIDAY, 5)
    with pytest.raises(ValueError):
        nth_weekday(2025, 2, FRIDAY, 0)


def test_la_payment_date_is_the_third_friday() -> None:
    assert la_payment_date(2025, 5) == date(2025, 5, 16)
    assert la_payment_date(2026, 1) == date(2026, 1, 16)


def test_la_payment_date_is_the_fourth_friday_when_the_third_is_a_bank_holiday() -> None:
    assert la_payment_date(2025, 4) == date(2025, 4, 25)  # third Friday 18 April 2025 is Good Friday


def test_the_bacs_file_is_submitted_on_the_input_day_two_working_days_before_payment() -> None:
    """recovery-rules.md §7: input day, processing day, entry day; the file is submitted two working days
    before the payment (entry) date."""
    assert bacs_submission_date(date(2025, 5, 16)) == date(2025, 5, 14)
    assert bacs_submission_date(date(2025, 4, 25)) == date(2025, 4, 23)
    assert bacs_submission_date(date(2025, 4, 23)) == date(2025, 4, 17)  # over Easter
    assert bacs_submission_date(date(2025, 11, 17)) == date(2025, 11, 13)  # a Monday: over the weekend


def test_the_bacs_processing_day_is_one_working_day_before_payment() -> None:
    """recovery-rules.md §7: the processing day (the date in UHL1) falls between the input day and the entry
    day, the payment date: one working day before it, so a day after the file is submitted."""
    assert bacs_processing_date(date(2025, 4, 25)) == date(2025, 4, 24)  # April 2025: the fourth Friday
    assert bacs_processing_date(date(2025, 5, 16)) == date(2025, 5, 15)
    assert bacs_processing_date(date(2025, 4, 22)) == date(2025, 4, 17)  # over Good Friday and Easter Monday
    assert bacs_processing_date(date(2025, 11, 17)) == date(2025, 11, 14)  # a Monday: over the weekend
    for payment in (date(2025, 4, 25), date(2025, 4, 22), date(2025, 11, 17), date(2026, 1, 2)):
        assert bacs_submission_date(payment) < bacs_processing_date(payment) < payment
        assert add_working_days(bacs_submission_date(payment), 1) == bacs_processing_date(payment)


@pytest.mark.parametrize(
    ("year", "month", "start"),
    [(2025, 2, date(2025, 2, 28)), (2024, 2, date(2024, 2, 29)), (2025, 4, date(2025, 4, 30)),
     (2025, 5, date(2025, 5, 31))],
)
def test_assessment_period_day_31_starts_on_the_last_day_of_a_short_month(year: int, month: int,
                                                                          start: date) -> None:
    assert assessment_period_start_in(year, month, 31) == start


def test_assessment_period_containing_day_31_in_february_and_april() -> None:
    assert assessment_period_containing(date(2025, 3, 15), 31) == (date(2025, 2, 28), date(2025, 3, 30))
    assert assessment_period_containing(date(2025, 2, 28), 31) == (date(2025, 2, 28), date(2025, 3, 30))
    assert assessment_period_containing(date(2025, 2, 27), 31) == (date(2025, 1, 31), date(2025, 2, 27))
    assert assessment_period_containing(date(2025, 4, 30), 31) == (date(2025, 4, 30), date(2025, 5, 30))
    assert assessment_period_containing(date(2025, 4, 29), 31) == (date(2025, 3, 31), date(2025, 4, 29))


def test_assessment_period_across_the_year_end() -> None:
    assert assessment_period_containing(date(2026, 1, 5), 15) == (date(2025, 12, 15), date(2026, 1, 14))


def test_assessment_period_day_must_be_1_to_31() -> None:
    with pytest.raises(ValueError):
        assessment_period_start_in(2025, 1, 0)
    with pytest.raises(ValueError):
        assessment_period_start_in(2025, 1, 32)


def test_parse_date_is_strict_and_names_the_field() -> None:
    assert parse_date("2025-04-07") == date(2025, 4, 7)
    for bad in ("2025-4-7", "07/04/2025", "2025-02-30", "20250407", ""):
        with pytest.raises(ValueError, match="received_on"):
            parse_date(bad, field="received_on")
    with pytest.raises(ValueError, match="'2026-02-30' is not a real date"):
        parse_date("2026-02-30")


def test_parse_date_reads_only_ascii_digits() -> None:
    for bad in ("\uff12\uff10\uff12\uff16-02-01", "2026-02-0\uff11", "\u0662\u0660\u0662\u0666-02-01", "+2026-02-1"):
        with pytest.raises(BadInput, match="YYYY-MM-DD"):
            parse_date(bad)


def test_parse_date_refuses_a_year_outside_the_range_it_is_given() -> None:
    assert parse_date("0001-01-01") == date(1, 1, 1)  # any date the calendar can write, unless years= says
    assert parse_date("2199-12-31", years=YEARS) == date(2199, 12, 31)
    for bad in ("0001-01-01", "1899-12-31", "2200-01-01", "9999-12-31"):
        with pytest.raises(BadInput, match="run_date: .* the year must be from 1900 to 2199"):
            parse_date(bad, field="run_date", years=YEARS)


def test_parse_date_says_a_year_0000_is_out_of_range_not_a_missing_month_or_day() -> None:
    """README: business dates are in the years 1900 to 2199, and an error says what is wrong: the year 0000,
    which no calendar writes, is the year's fault, as 0001 is, not the month's or day's."""
    with pytest.raises(BadInput, match=r"--from: '0000-01-01': the year must be from 1900 to 2199"):
        parse_date("0000-01-01", field="--from", years=YEARS)
    with pytest.raises(BadInput, match=r"'0000-01-01' is not a real date \(there is no year 0000\)"):
        parse_date("0000-01-01")
    with pytest.raises(BadInput, match="no such month or day"):
        parse_date("2026-02-30", years=YEARS)


def test_parse_period_reads_year_and_month() -> None:
    assert parse_period("2026-01") == (2026, 1)
    assert parse_period("1900-01") == (1900, 1) and parse_period("2199-12") == (2199, 12)
    for bad in ("2026-1", "2026-13", "2026-00", "26-01", "2026/01", "x", "", "+202-01", "2026-+1", " 2026-01",
                "\uff12\uff10\uff12\uff16-02", "2026-\uff10\uff12"):
        with pytest.raises(BadInput, match="YYYY-MM"):
            parse_period(bad)


@pytest.mark.parametrize("bad", ["0000-01", "0001-01", "1899-12", "2200-01", "9999-12"])
def test_parse_period_refuses_a_year_dms_does_not_work_in(bad: str) -> None:
    with pytest.raises(BadInput, match=f"period '{bad}': the year must be from 1900 to 2199"):
        parse_period(bad)


def test_a_bad_date_or_period_is_a_request_dms_refuses() -> None:
    assert issubclass(BadInput, DmsError) and issubclass(BadInput, ValueError)


def test_starts_an_assessment_period_on_its_period_day_uc_regs_2013_reg_21() -> None:
    """UC Regs 2013 reg 21: periods start on the award's period day, the month's last day when it has no such
    day, and in February from the 27th for a period day of 29 or more (reg 21(2)(b))."""
    from dms.calendar import starts_an_assessment_period

    assert starts_an_assessment_period(date(2025, 5, 7), 7)
    assert not starts_an_assessment_period(date(2025, 5, 8), 7)
    assert starts_an_assessment_period(date(2025, 4, 30), 31) and not starts_an_assessment_period(date(2025, 4, 29), 31)
    for day in (27, 28):
        assert starts_an_assessment_period(date(2026, 2, day), 29)
        assert starts_an_assessment_period(date(2028, 2, day), 30)
    assert starts_an_assessment_period(date(2028, 2, 29), 29)
    assert not starts_an_assessment_period(date(2026, 2, 26), 29)
    assert not starts_an_assessment_period(date(2026, 3, 28), 29)
