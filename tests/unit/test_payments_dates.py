"""LA payment dates and BACS processing dates for every month of 2025-2027, against the bank holidays
bundled with govuk-bank-holidays (GOV.UK's own data, read offline) as an independent oracle.

Source: A9/2025 §33; hb-debt-interface.md §7; recovery-rules.md §7."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from govuk_bank_holidays.bank_holidays import BankHolidays

from dms.calendar import bacs_processing_date, la_payment_date

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


@pytest.mark.parametrize(("year", "month"), MONTHS)
def test_bacs_processing_date_is_two_working_days_before_payment(year: int, month: int) -> None:
    holidays = _oracle_holidays()
    payment = la_payment_date(year, month)
    day, working = payment, 0
    while working < 2:
        day -= timedelta(days=1)
        if day.weekday() < 5 and day not in holidays:
            working += 1
    assert bacs_processing_date(payment) == day


def test_oracle_has_the_england_and_wales_holidays_for_every_year() -> None:
    for year in (2025, 2026, 2027):
        assert len(ORACLE.get_holidays(division=BankHolidays.ENGLAND_AND_WALES, year=year)) >= 8
