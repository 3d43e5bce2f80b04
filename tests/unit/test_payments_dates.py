"""LA payment dates and BACS submission and processing dates for every month of 2025-2027, against the bank
holidays bundled with govuk-bank-holidays (GOV.UK's own data, read offline) as an independent oracle.

Source: A9/2025 §33; hb-debt-interface.md §7; recovery-rules.md §7."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from govuk_bank_holidays.bank_holidays import BankHolidays

from dms.calendar import bacs_processing_date, bacs_submission_date, la_payment_date

ORACLE = BankHolidays(use_cached_holidays=True)
MONTHS = [(year, month) for year in (2025, 2026, 2027) for month in range(1, 13)]


def _oracle_holidays() -> set[date]:
    return {h["date"] for year in (2025, 2026, 2027)
            for h in ORACLE.get_holidays(division=BankHolidays.ENGLAND_AND_WALES, year=year)}


def _fridays(year: int, month: int) -> list[date]:
    day = date(year, month, 1)
    found = []
    while day.month == month:
        if day.weekday() == 4:
            found.append(day)
        day += timedelta(days=1)
    return found


@pytest.mark.parametrize(("year", "month"), MONTHS)
def test_la_payment_date_is_third_friday_or_fourth_after_bank_holiday(year: int, month: int) -> None:
    holidays = _oracle_holidays()
    fridays = _fridays(year, month)
    expected = fridays[3] if fridays[2] in holidays else fridays[2]
    assert la_payment_date(year, month) == expected


def _working_days_before(payment: date, count: int) -> date:
    holidays = _oracle_holidays()
    day, working = payment, 0
    while working < count:
        day -= timedelta(days=1)
        if day.weekday() < 5 and day not in holidays:
            working += 1
    return day


@pytest.mark.parametrize(("year", "month"), MONTHS)
def test_the_bacs_file_is_submitted_two_working_days_before_payment(year: int, month: int) -> None:
    payment = la_payment_date(year, month)
    assert bacs_submission_date(payment) == _working_days_before(payment, 2)


@pytest.mark.parametrize(("year", "month"), MONTHS)
def test_the_bacs_processing_day_is_one_working_day_before_payment(year: int, month: int) -> None:
    payment = la_payment_date(year, month)
    assert bacs_processing_date(payment) == _working_days_before(payment, 1)


def test_oracle_has_the_england_and_wales_holidays_for_every_year() -> None:
    for year in (2025, 2026, 2027):
        assert len(ORACLE.get_holidays(division=BankHolidays.ENGLAND_AND_WALES, year=year)) >= 8
