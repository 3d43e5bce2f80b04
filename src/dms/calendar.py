"""Business dates: working days, bank holidays, UC assessment periods, the LA payment date.

Time is an input: every function takes the dates it works on; nothing here reads a clock.
"""

from __future__ import annotations

import calendar as _stdcal
import re
from datetime import date, timedelta
from functools import lru_cache

import holidays

from dms.errors import BadInput

FRIDAY = 4


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[date]:
    # subdiv="ENG": without it the package omits Easter Monday and the August bank holiday
    # (recovery-rules.md §7).
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year).keys())


def is_bank_holiday(day: date) -> bool:
    """A bank holiday in England and Wales (``holidays``, ``country_holidays("GB", subdiv="ENG")``)."""
    return day in _bank_holidays(day.year)


def is_working_day(day: date) -> bool:
    """Monday to Friday and not an England and Wales bank holiday (recovery-rules.md §7)."""
    return day.weekday() < 5 and not is_bank_holiday(day)


def add_working_days(day: date, count: int) -> date:
    """The working day ``count`` working days after (or, if negative, before) ``day``."""
    step = 1 if count >= 0 else -1
    remaining = abs(count)
    current = day
    while remaining:
        current += timedelta(days=step)
        if is_working_day(current):
            remaining -= 1
    return current


def first_working_day(year: int, month: int) -> date:
    """The first working day of a month (the monthly run, hb-debt-interface.md §7)."""
    day = date(year, month, 1)
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """The ``n``-th ``weekday`` (Monday=0) of a month; ``ValueError`` if the month has no such day."""
    if n < 1:
        raise ValueError("n counts from 1")
    first = date(year, month, 1)
    offset = (weekday - first.weekday()) % 7
    result = first + timedelta(days=offset + 7 * (n - 1))
    if result.month != month:
        raise ValueError(f"{year}-{month:02d} has no weekday {weekday} number {n}")
    return result


def la_payment_date(year: int, month: int) -> date:
    """The day LAs are paid in a month: the third Friday, or the fourth if the third is a bank holiday in
    England and Wales.

    Source: A9/2025 §33; hb-debt-interface.md §7; recovery-rules.md §7.
    """
    third = nth_weekday(year, month, FRIDAY, 3)
    return nth_weekday(year, month, FRIDAY, 4) if is_bank_holiday(third) else third


def bacs_submission_date(payment_date: date) -> date:
    """The BACS input day: BACS works on a three-day cycle (input day, processing day, entry day), so the file
    is submitted two working days before the payment (entry) date.

    Source: recovery-rules.md §7.
    """
    return add_working_days(payment_date, -2)


def bacs_processing_date(payment_date: date) -> date:
    """The BACS processing day, the date a Standard 18 file's ``UHL1`` label carries: the middle day of the
    three-day cycle (input day, processing day, entry day), one working day before the payment (entry) date
    and one after the file is submitted (:func:`bacs_submission_date`).

    Source: recovery-rules.md §7.
    """
    return add_working_days(payment_date, -1)


def a_year_after(day: date) -> date:
    """The same day a year on (28 February for 29 February)."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


def last_day_of_month(year: int, month: int) -> int:
    return _stdcal.monthrange(year, month)[1]


def assessment_period_start_in(year: int, month: int, period_day: int) -> date:
    """The day an assessment period starts in a month: ``period_day``, or the month's last day when the
    month has no such day (UC Regulations 2013 reg 21; engineering brief "assessment periods").
    """
    if not 1 <= period_day <= 31:
        raise ValueError(f"an assessment-period day is 1-31, not {period_day}")
    return date(year, month, min(period_day, last_day_of_month(year, month)))


def starts_an_assessment_period(day: date, period_day: int) -> bool:
    """Whether an assessment period of an award whose periods start on ``period_day`` may start on ``day``
    (UC Regulations 2013 reg 21): that day of the month, or the month's last day when the month has no such
    day (:func:`assessment_period_start_in`); in February, for a period day of 29 or more, also the 27th or
    28th (reg 21(2)(b): February's period begins on the 27th for the 29th, the 28th for the 30th, a day later
    in a leap year; docs/events-notes.md "An assessment period is a month long")."""
    if day == assessment_period_start_in(day.year, day.month, period_day):
        return True
    return day.month == 2 and period_day >= 29 and day.day >= 27


def _next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def _previous_month(year: int, month: int) -> tuple[int, int]:
    return (year - 1, 12) if month == 1 else (year, month - 1)


def assessment_period_containing(day: date, period_day: int) -> tuple[date, date]:
    """The (first, last) day of the monthly assessment period that contains ``day``."""
    start = assessment_period_start_in(day.year, day.month, period_day)
    if start > day:
        start = assessment_period_start_in(*_previous_month(day.year, day.month), period_day)
    next_start = assessment_period_start_in(*_next_month(start.year, start.month), period_day)
    return start, next_start - timedelta(days=1)


def month_bounds(year: int, month: int) -> tuple[date, date]:
    """First and last day of a calendar month."""
    return date(year, month, 1), date(year, month, last_day_of_month(year, month))


# Business dates and months DMS takes from a person are in these years: wide enough for any date DMS works
# on, and clear of the ends of the calendar (years 1 and 9999), where the month after or a few working days
# away cannot be written.
YEARS = range(1900, 2200)
_PERIOD = re.compile(r"([0-9]{4})-([0-9]{2})")  # ASCII digits only: int() would also read other scripts' digits
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _years_text(years: range) -> str:
    return f"{years.start} to {years.stop - 1}"


def parse_period(text: str) -> tuple[int, int]:
    """Parse ``YYYY-MM`` (ASCII digits, a year in :data:`YEARS`) into (year, month) with a clear error."""
    found = _PERIOD.fullmatch(text)
    if found is None or not 1 <= int(found.group(2)) <= 12:
        raise BadInput(f"period {text!r} is not a month written YYYY-MM, such as 2026-01")
    year, month = int(found.group(1)), int(found.group(2))
    if year not in YEARS:
        raise BadInput(f"period {text!r}: the year must be from {_years_text(YEARS)}; give a month such as 2026-01")
    return year, month


def parse_date(text: str, *, field: str = "date", years: range | None = None) -> date:
    """Parse ``YYYY-MM-DD`` strictly (ASCII digits, a real date), with a message that names the field. With
    ``years`` (such as :data:`YEARS` for a business date), a date in another year is refused too."""
    if not isinstance(text, str) or _DATE.fullmatch(text) is None:
        raise BadInput(f"{field}: {text!r} is not a date written YYYY-MM-DD, such as 2026-01-31")
    # the year is judged first, so that a year out of range (0000 included, which no calendar writes) is said
    # to be so, not taken for a month or day that does not exist
    if years is not None and int(text[:4]) not in years:
        raise BadInput(f"{field}: {text!r}: the year must be from {_years_text(years)}")
    if int(text[:4]) == 0:
        raise BadInput(f"{field}: {text!r} is not a real date (there is no year 0000); give a date YYYY-MM-DD "
                       "such as 2026-01-31")
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise BadInput(f"{field}: {text!r} is not a real date (no such month or day); give a date YYYY-MM-DD "
                       "such as 2026-01-31") from None
    return day
