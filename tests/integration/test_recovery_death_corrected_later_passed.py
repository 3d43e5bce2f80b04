"""A date of death corrected to a later day takes late what the run passed under the earlier date
(recovery-rules.md §6 and events.md §2 ``person.died``: deductions stop at death, not before it; **Decision**,
docs/events-notes.md "A death's date corrected to a later day": the later date applies as if reported first)."""

from __future__ import annotations

from datetime import date

import pytest
from test_recovery_daily_deductions import (
    dwp_debt,
    events,
    legacy_award,
    line,
    run_day,
    taken,
    uc_award,
)
from test_recovery_life_events import shown

from dms.store.ledger import check_ledger
from dms.store.models import JournalEntry
from dms.store.recovery.models import AssessmentPeriod

pytestmark = pytest.mark.django_db


def _days(first: date, last: date) -> list[date]:
    return [date.fromordinal(n) for n in range(first.toordinal(), last.toordinal() + 1)]


@pytest.mark.parametrize("reports", [
    pytest.param([("x2", "2025-06-27", "2025-06-25")], id="the later date reported once"),
    pytest.param([("x1", "2025-06-12", "2025-06-12"), ("x2", "2025-06-27", "2025-06-25")],
                 id="the earlier date known in time, then corrected"),
])
def test_death_s_date_corrected_later_takes_late_the_legacy_pay_dates_passed_under_the_earlier_date(
        reports: list[tuple[str, str, str]]) -> None:
    """JSA £100.00 a week paid on Mondays from 2025-06-02, BA1 (£300.00 DWP): £13.95 a pay date
    (recovery-rules.md §4). A death known in time as 2025-06-12 makes the run pass 06-16 and 06-23 with nothing
    taken; a report of 2025-06-27 corrects it to 2025-06-25. The person was alive on both pay dates, so the run
    applying the correction takes them late (dated their pay dates, posted on 06-27, marked late, naming the
    date and event in force and those they correct), for the debt now with the estate: £55.80 recovered,
    £244.20 left, as with 2025-06-25 reported once. Nothing is taken twice by a further report."""
    events(legacy_award(first="2025-06-02", weekly="100.00"), dwp_debt())
    for day in _days(date(2025, 6, 1), date(2025, 6, 30)):
        for event_id, reported, died in reports:
            if date.fromisoformat(reported) == day:
                events(line(event_id, "person.died", occurred_on=reported, date_of_death=died))
        run_day(day)
    assert [(r.date, r.amount_pence) for r in taken()] == [
        (date(2025, 6, 2), 1395), (date(2025, 6, 9), 1395), (date(2025, 6, 16), 1395), (date(2025, 6, 23), 1395)]
    assert (shown("BA1")["status"], shown("BA1")["recovered"], shown("BA1")["balance"]) == (
        "ESTATE", "55.80", "244.20")
    assert not taken("REVERSED") and check_ledger().ok
    if len(reports) == 2:
        late = [r for r in taken() if r.date > date(2025, 6, 12)]
        assert all(JournalEntry.objects.get(pk=r.entry_id).business_date == date(2025, 6, 27) for r in late)
        assert all(r.explanation_facts["late"] is True for r in late)
        assert late[0].explanation.startswith(
            "Taken after its pay date 2025-06-16, on 2025-06-27 (late): paid while the debtor was alive, before "
            "the death on 2025-06-25 (event x2, correcting 2025-06-12 of event x1)")
    events(line("x3", "person.died", occurred_on="2025-07-01", date_of_death="2025-06-25"))
    run_day(date(2025, 7, 1))
    assert len(taken()) == 4 and shown("BA1")["balance"] == "244.20" and check_ledger().ok


def test_death_s_date_corrected_later_takes_late_a_uc_period_passed_under_the_earlier_date() -> None:
    """UC1 with BA1 (£300.00 DWP); the May period (paid 2025-06-07) and the June period (paid 07-07), £800.00
    each, take £60.02 each (recovery-rules.md §2). A death known in time as 2025-06-05 makes the run process
    the May period with nothing taken; a report of 2025-06-20 corrects it to 2025-06-15, after its payment:
    the run applying it takes the period late, for the debt with the estate (£60.02, its period processed
    late); the June period, paid after the death, takes nothing."""
    from test_recovery_daily_deductions import uc_period_of

    events(uc_award(), dwp_debt(), uc_period_of("ap5", "2025-05-01", "2025-05-31", "2025-06-07"),
           uc_period_of("ap6", "2025-06-01", "2025-06-30", "2025-07-07"),
           line("x1", "person.died", occurred_on="2025-06-05", date_of_death="2025-06-05"))
    for day in (date(2025, 6, 5), date(2025, 6, 7)):
        run_day(day)
    assert not taken() and AssessmentPeriod.objects.get(event_id="ap5").processed_on == date(2025, 6, 7)
    events(line("x2", "person.died", occurred_on="2025-06-20", date_of_death="2025-06-15"))
    run_day(date(2025, 6, 20))
    [late] = taken()
    assert (late.period.event_id, late.amount_pence, late.date) == ("ap5", 6002, date(2025, 6, 20))
    assert late.explanation.startswith("Taken after its payment date 2025-06-07, on 2025-06-20 (late): paid while "
                                       "the debtor was alive, before the death on 2025-06-15 (event x2, "
                                       "correcting 2025-06-05 of event x1)")
    run_day(date(2025, 7, 7))
    events(line("x3", "person.died", occurred_on="2025-07-08", date_of_death="2025-06-15"))
    run_day(date(2025, 7, 8))
    assert len(taken()) == 1
    assert (shown("BA1")["status"], shown("BA1")["balance"]) == ("ESTATE", "239.98") and check_ledger().ok
