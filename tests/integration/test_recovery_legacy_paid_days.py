"""The days a legacy pay date pays for, through the daily run and ``dms rerate`` (recovery-rules.md §4: "A pay
period's instalment is the weekly rate times the weeks in the period", "The benefit may not be reduced below
10p a week"; events.md §2 ``award.started`` "the benefit is in payment from ``start_date``", ``award.changed``
"new values from ``occurred_on``"; **Decision**, docs/recovery-notes.md "The days a legacy pay date pays
for"): from the later of the whole pay period's first day, the award's start date and the day after the
award's previous pay date, at the weekly amount in force each day."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from dms.services.daily_run import run_through
from dms.services.events import import_events
from dms.services.recovery_staff import list_deductions
from dms.services.rerate import rerate
from dms.store.ledger import check_ledger
from dms.store.models import Debt, Person
from dms.store.recovery.models import Deduction
from dms.store.replay.models import RerateResult

pytestmark = pytest.mark.django_db

A, B = "AB123456C", "AB123457C"


def line(event_id: str, type_: str, occurred_on: str, nino: str, **fields: Any) -> str:
    return json.dumps({"event_id": event_id, "type": type_, "occurred_on": occurred_on, "nino": nino, **fields})


def events(*lines: str) -> None:
    report = import_events(list(lines), source="test.jsonl")
    assert report.ok, report.refused


def debt(event_id: str, nino: str, ref: str, classification: str = "NON_FRAUD", occurred_on: str = "2025-11-03"
         ) -> str:
    return line(event_id, "debt.referred", occurred_on, nino, creditor="DWP", creditor_ref=ref,
                debt_type="OVERPAYMENT", classification=classification, amount="500.00", created_on="2025-05-01")


def award(event_id: str, nino: str, ref: str, benefit: str, start: str, weekly: str, frequency: str,
          first_pay: str) -> str:
    return line(event_id, "award.started", start, nino, award_ref=ref, benefit=benefit, start_date=start,
                legacy={"weekly_amount": weekly, "pay_frequency": frequency, "first_pay_date": first_pay})


def changed(event_id: str, nino: str, ref: str, on: str, **legacy: Any) -> str:
    return line(event_id, "award.changed", on, nino, award_ref=ref, legacy=legacy)


def taken(nino: str) -> list[tuple[date, int]]:
    return [(d.date, d.amount_pence) for d in Deduction.objects.filter(person__nino=nino, status="TAKEN")
            .order_by("date", "id")]


def rerated(as_of: date) -> dict[int, int]:
    """``{person id: pence}`` that ``dms rerate --date as_of`` works out now."""
    run = rerate(as_of)
    out: dict[int, int] = {}
    for person_id, now in RerateResult.objects.filter(run_id=run.run_id).values_list("person_id", "now_pence"):
        out[person_id] = out.get(person_id, 0) + now
    return out


def hb_debt(nino: str) -> None:
    """An LA's £500.00 NON_FRAUD HB debt ``HB-1`` of the person, received on 2025-11-03."""
    from dms.services import debts as debt_service
    from dms.services.creditors import LaDetails, register_la

    la = register_la(LaDetails("000123", "Test Council", "123456", "12345678"))
    debt_service.create_debt(
        person=Person.objects.get(nino=nino), creditor=la, creditor_ref="HB-1", debt_type="OVERPAYMENT",
        classification="NON_FRAUD", amount_pence=50_000, created_on=date(2025, 11, 1),
        received_on=date(2025, 11, 3), business_date=date(2025, 11, 3), actor="test")


def person(nino: str) -> int:
    return int(Person.objects.get(nino=nino).pk)


def test_legacy_instalment_is_for_the_days_the_pay_date_pays_for_from_the_awards_start_date() -> None:
    """JSA of £30.00 a week, fortnightly, from 2025-12-10 with its first pay date 2025-12-11 pays £8.57 for 2
    days: the fraud instalment is £23.25 x 2/7 = £6.64, not £46.50 from a whole fortnight never paid; the next
    pay date, a whole fortnight, takes £46.50. ESA of £100.00 a week, monthly, from its first pay date
    2025-12-31 pays £14.28 for that day: £13.95 x 1/7 = £1.99, not £60.45. ``dms rerate`` agrees, and staff
    read the days and figures in the explanation."""
    events(debt("d1", A, "OP-1", "FRAUD", "2025-12-01"),
           award("a1", A, "JSA1", "JSA", "2025-12-10", "30.00", "FORTNIGHTLY", "2025-12-11"),
           debt("d2", B, "OP-2", occurred_on="2025-12-01"),
           award("a2", B, "ESA2", "ESA", "2025-12-31", "100.00", "MONTHLY", "2025-12-31"))
    run_through(date(2025, 12, 1))
    run_through(date(2025, 12, 10))
    assert rerated(date(2025, 12, 11)) == {person(A): 664}
    run_through(date(2025, 12, 30))
    assert rerated(date(2025, 12, 31)) == {person(A): 4650, person(B): 199}
    run_through(date(2025, 12, 31))
    assert taken(A) == [(date(2025, 12, 11), 664), (date(2025, 12, 25), 4650)]
    assert taken(B) == [(date(2025, 12, 31), 199)]
    [first] = list_deductions(A)[:1]
    assert ("it pays, in arrears, for 2025-12-10 to 2025-12-11 (2 days), not the whole 14-day pay period: the "
            "award is in payment from its start date, 2025-12-10; benefit for the period £8.57 (£30.00 a week x "
            "2/7, rounded down)") in first["explanation"]
    assert "x 2/7 weeks = instalment £6.64" in first["explanation"]
    row = Deduction.objects.get(person__nino=B)
    assert row.explanation_facts["paid_period"]["days"] == 1 and row.explanation_facts["benefit"] == "14.28"
    assert check_ledger().ok


def test_a_change_of_pay_frequency_or_pay_day_never_takes_the_same_days_twice() -> None:
    """ESA of £100.00 a week paid on Mondays from 2025-11-10. From 2025-12-02, A's is paid fortnightly (next
    2025-12-08) and B's on Wednesdays (first 2025-12-03). A's 2025-12-08 pays for the 7 days after
    2025-12-01, £13.95, so the 14 days 2025-11-25 to 2025-12-08 take £27.90, not £41.85; B's 2025-12-03 pays for
    2 days, £3.98, so the 16 days to 2025-12-10 take £31.88, not three whole weeks. ``dms rerate`` agrees."""
    events(debt("d1", A, "OP-1"), award("a1", A, "ESA1", "ESA", "2025-11-03", "100.00", "WEEKLY", "2025-11-10"),
           debt("d2", B, "OP-2"), award("a2", B, "ESA2", "ESA", "2025-11-03", "100.00", "WEEKLY", "2025-11-10"))
    run_through(date(2025, 11, 3))
    run_through(date(2025, 12, 1))
    events(changed("c1", A, "ESA1", "2025-12-02", pay_frequency="FORTNIGHTLY"),
           changed("c2", B, "ESA2", "2025-12-02", first_pay_date="2025-12-03"))
    run_through(date(2025, 12, 2))
    assert rerated(date(2025, 12, 3)) == {person(A): 1395, person(B): 398}
    run_through(date(2025, 12, 7))
    assert rerated(date(2025, 12, 8)) == {person(A): 1395, person(B): 1395}
    run_through(date(2025, 12, 10))
    assert taken(A)[-2:] == [(date(2025, 12, 1), 1395), (date(2025, 12, 8), 1395)]
    assert taken(B)[-3:] == [(date(2025, 12, 1), 1395), (date(2025, 12, 3), 398), (date(2025, 12, 10), 1395)]
    facts = Deduction.objects.get(person__nino=B, date=date(2025, 12, 3)).explanation_facts
    assert facts["paid_period"] == {
        "from": "2025-12-02", "to": "2025-12-03", "days": 2, "whole_period_days": 7, "starts": "PREVIOUS_PAY_DATE",
        "previous_pay_date": "2025-12-01",
        "weekly_amounts": [{"weekly": "100.00", "from": "2025-12-02", "to": "2025-12-03"}]}
    assert check_ledger().ok


def test_a_change_of_weekly_amount_inside_a_pay_period_counts_from_its_date() -> None:
    """JSA of £10.00 a week, fortnightly from 2025-11-13, in payment from 2025-11-03 (11 days of the first
    fortnight: £15.71, of which £15.55 above the 16p floor is taken for the fraud debt); it rises to £100.00
    a week from 2025-11-27, the last day of the fortnight 2025-11-14 to 2025-11-27, which pays (£10.00 x 13 +
    £100.00 x 1) x 2 / 14 = £32.85: £32.65 is taken above the 20p floor, not the £46.50 instalment of a
    fortnight at £100.00 a week. ``dms rerate`` agrees once the run has applied the change."""
    events(debt("d1", A, "OP-1", "FRAUD"),
           award("a1", A, "JSA1", "JSA", "2025-11-03", "10.00", "FORTNIGHTLY", "2025-11-13"))
    run_through(date(2025, 11, 3))
    run_through(date(2025, 11, 26))
    events(changed("c1", A, "JSA1", "2025-11-27", weekly_amount="100.00"))
    run_through(date(2025, 11, 27))
    assert taken(A) == [(date(2025, 11, 13), 1555), (date(2025, 11, 27), 3265)]
    assert rerated(date(2025, 11, 27)) == {person(A): 3265}
    why = Deduction.objects.get(date=date(2025, 11, 27)).explanation
    assert ("benefit for the period £32.85 (£10.00 a week on 13 days (2025-11-14 to 2025-11-26) and £100.00 a "
            "week on 1 day (2025-11-27): (£10.00 x 13 + £100.00 x 1) x 2 weeks / 14 days, rounded down") in why
    assert "leaving room for £32.65" in why
    assert check_ledger().ok


def test_an_hb_debt_is_judged_on_the_benefit_each_day_of_the_pay_period_paid() -> None:
    """recovery-rules.md §4 (INSUFFICIENT_BENEFIT where too little benefit is left for the instalment) on the
    benefit the pay date pays: ESA of £100.00 a week, fortnightly, falls to £10.00 from 2025-11-27, the last
    day of the fortnight 2025-11-14 to 2025-11-27, which still pays £187.14: the HB debt's £27.90 is taken,
    and it is returned INSUFFICIENT_BENEFIT on the next pay date, the first whole fortnight at £10.00."""
    events(award("a1", A, "ESA1", "ESA", "2025-11-03", "100.00", "FORTNIGHTLY", "2025-11-13"))
    hb_debt(A)
    run_through(date(2025, 11, 3))
    run_through(date(2025, 11, 26))
    events(changed("c1", A, "ESA1", "2025-11-27", weekly_amount="10.00"))
    run_through(date(2025, 11, 27))
    assert taken(A)[-1] == (date(2025, 11, 27), 2790)
    assert Debt.objects.get(creditor_ref="HB-1").status == "OPEN"
    run_through(date(2025, 12, 11))
    assert taken(A)[-1] == (date(2025, 11, 27), 2790)
    returned = Debt.objects.get(creditor_ref="HB-1")
    assert (returned.status, returned.cessation_reason) == ("RETURNED", "INSUFFICIENT_BENEFIT")


def test_a_part_weeks_rounding_never_returns_an_hb_debt_of_an_award_that_pays_enough_a_week() -> None:
    """recovery-rules.md §4 (an HB debt is returned where too little benefit is left for the instalment; never
    below 10p a week): JSA of £14.05 a week (the weekly rate and 10p) paid four-weekly, in payment from
    2025-11-03 with its first pay date 2025-11-27, pays £50.17 for 25 days; rounded, the 36p floor leaves
    £49.81 of the £49.82 instalment: that is taken and the HB debt stays in recovery; the next four weeks take
    the whole £55.80, as before."""
    events(award("a1", A, "JSA1", "JSA", "2025-11-03", "14.05", "FOUR_WEEKLY", "2025-11-27"))
    hb_debt(A)
    run_through(date(2025, 11, 3))
    run_through(date(2025, 12, 25))
    assert taken(A) == [(date(2025, 11, 27), 4981), (date(2025, 12, 25), 5580)]
    assert Debt.objects.get(creditor_ref="HB-1").status == "OPEN"
    assert "Before rounding to the penny" in Deduction.objects.get(date=date(2025, 11, 27)).explanation


def test_a_sanction_reported_late_is_judged_over_the_days_the_pay_date_paid_for() -> None:
    """recovery-rules.md §4 with docs/recovery-notes.md "Sanctions and legacy instalments" (a sanction reported
    late judges again the instalments taken from the benefit it reduced): JSA of £15.00 a week, weekly on
    Mondays from 2025-06-09, in payment from Wednesday 2025-06-04, pays £12.85 for 6 days and £11.95 is taken.
    A 100% sanction for the week from 2025-05-28, reported after that pay date, ends on 2025-06-03, before the
    award started: it reduced none of the days paid for, so the instalment stands."""
    events(debt("d1", A, "OP-1", occurred_on="2025-06-01"),
           award("a1", A, "JSA1", "JSA", "2025-06-04", "15.00", "WEEKLY", "2025-06-09"))
    run_through(date(2025, 6, 1))
    run_through(date(2025, 6, 9))
    assert taken(A) == [(date(2025, 6, 9), 1195)]
    events(line("s1", "person.sanction", "2025-05-28", A, rate_percent=100, start_date="2025-05-28",
                duration_weeks=1))
    run_through(date(2025, 6, 10))
    assert taken(A) == [(date(2025, 6, 9), 1195)]
    assert not Deduction.objects.filter(status="REVERSED").exists()


def _moving_from_esa_to_jsa() -> None:
    """ESA A of £100.00 a week, paid on Mondays from 2025-06-09, in payment from 2025-06-02 and ending on
    2025-06-17; JSA B of £100.00 a week, paid on Wednesdays from 2025-06-18, in payment from Thursday
    2025-06-12, midway through A's pay period 2025-06-10 to 2025-06-16; a £500.00 DWP debt."""
    events(debt("d1", A, "OP-1", occurred_on="2025-06-01"),
           award("a1", A, "ESA1", "ESA", "2025-06-02", "100.00", "WEEKLY", "2025-06-09"),
           award("a2", A, "JSA1", "JSA", "2025-06-12", "100.00", "WEEKLY", "2025-06-18"),
           line("e1", "award.ended", "2025-06-17", A, award_ref="ESA1", end_date="2025-06-17",
                reason="AWARD_ENDED"))


def test_legacy_instalments_moving_from_one_award_to_another_never_take_the_same_days_twice() -> None:
    """recovery-rules.md §4 ("Recovery is by an instalment plan at a set rate"; "A pay period's instalment is
    the weekly rate times the weeks in the period"; **Decision**, docs/recovery-notes.md "The days a legacy pay
    date pays for"): A's instalments of 2025-06-09 and 2025-06-16 pay, in arrears, for the days up to
    2025-06-16; once A has ended the instalments move to B, whose first pay date 2025-06-18 pays for its days
    after that, 2025-06-17 and 2025-06-18: £13.95 x 2/7 = £3.98, not a whole week's £13.95 for days A's
    instalment already paid for. The 23 days 2025-06-03 to 2025-06-25 take £45.83 (£13.95 x 23/7 = £45.8357),
    not £55.80. The explanation says why the days start where they do."""
    _moving_from_esa_to_jsa()
    run_through(date(2025, 6, 1))
    run_through(date(2025, 6, 25))
    rows = [(d.date, d.source, d.amount_pence) for d in Deduction.objects.filter(person__nino=A, status="TAKEN")
            .order_by("date", "id")]
    assert rows == [(date(2025, 6, 9), "ESA", 1395), (date(2025, 6, 16), "ESA", 1395),
                    (date(2025, 6, 18), "JSA", 398), (date(2025, 6, 25), "JSA", 1395)]
    assert sum(pence for _, _, pence in rows) == 4583 == 1395 * 23 // 7
    listed = {(d["date"], d["amount"]): d for d in list_deductions(A)}  # as ``dms deductions list`` lists them
    assert sorted(listed) == [("2025-06-09", "13.95"), ("2025-06-16", "13.95"), ("2025-06-18", "3.98"),
                              ("2025-06-25", "13.95")]
    first_of_b = listed[("2025-06-18", "3.98")]
    assert ("it pays, in arrears, for 2025-06-17 to 2025-06-18 (2 days), not the whole 7-day pay period: an "
            "instalment was taken from the person's other legacy award (ESA) on its pay date 2025-06-16, which "
            "paid, in arrears, for the days up to and including it; benefit for the period £28.57 (£100.00 a week "
            "x 2/7, rounded down)") in first_of_b["explanation"]
    facts = Deduction.objects.get(person__nino=A, date=date(2025, 6, 18)).explanation_facts
    assert facts["paid_period"]["starts"] == "OTHER_AWARD"
    assert facts["paid_period"]["other_award"] == {"benefit": "ESA", "pay_date": "2025-06-16"}
    assert check_ledger().ok


def _esa_preferred_on_jsa_s_first_pay_date(jsa_end: str | None = None) -> None:
    """ESA of £100.00 a week, paid on Mondays from 2025-06-09, in payment from 2025-06-02, ending on Friday
    2025-06-20, after JSA's first pay date; JSA of £100.00 a week, paid on Wednesdays from 2025-06-18, in
    payment from 2025-06-12 (ended on ``jsa_end`` when given); a £500.00 DWP debt."""
    events(debt("d1", A, "OP-1", occurred_on="2025-06-01"),
           award("a1", A, "ESA1", "ESA", "2025-06-02", "100.00", "WEEKLY", "2025-06-09"),
           award("a2", A, "JSA1", "JSA", "2025-06-12", "100.00", "WEEKLY", "2025-06-18"),
           line("e1", "award.ended", "2025-06-20", A, award_ref="ESA1", end_date="2025-06-20",
                reason="AWARD_ENDED"),
           *([line("e2", "award.ended", jsa_end, A, award_ref="JSA1", end_date=jsa_end, reason="AWARD_ENDED")]
             if jsa_end else []))


def test_legacy_instalments_leave_no_day_unpaid_when_the_new_awards_first_pay_date_is_passed_over_for_the_old(
        ) -> None:
    """recovery-rules.md §4 ("Recovery is by an instalment plan at a set rate"; "A pay period's instalment is
    the weekly rate times the weeks in the period") with docs/recovery-notes.md "The days a legacy pay date pays
    for" and "Which legacy award an instalment is taken from" (no day is paid for twice; the new award's pay
    date pays for the days after the old award's last instalment): ESA takes 2025-06-09 and 2025-06-16; on
    JSA's first pay date 2025-06-18 ESA is still in payment and preferred, so nothing is taken from JSA; JSA's
    2025-06-25 then pays for 2025-06-17 to 2025-06-25 (9 days), £13.95 x 9/7 = £17.93, so the 30 days
    2025-06-03 to 2025-07-02 take £59.78 (£13.95 x 30/7), not £55.80 with 2025-06-17 and 2025-06-18 paid for by
    no instalment. The explanation says which days it pays for and why; ``dms rerate`` agrees."""
    _esa_preferred_on_jsa_s_first_pay_date()
    run_through(date(2025, 6, 1))
    run_through(date(2025, 6, 24))
    assert rerated(date(2025, 6, 25)) == {person(A): 1793}
    run_through(date(2025, 7, 2))
    rows = [(d.date, d.source, d.amount_pence) for d in Deduction.objects.filter(person__nino=A, status="TAKEN")
            .order_by("date", "id")]
    assert rows == [(date(2025, 6, 9), "ESA", 1395), (date(2025, 6, 16), "ESA", 1395),
                    (date(2025, 6, 25), "JSA", 1793), (date(2025, 7, 2), "JSA", 1395)]
    assert sum(pence for _, _, pence in rows) == 5978 == 1395 * 30 // 7
    listed = {(d["date"], d["amount"]): d for d in list_deductions(A)}
    assert ("it pays, in arrears, for 2025-06-17 to 2025-06-25 (9 days), more than the whole 7-day pay period: "
            "nothing was taken from the award on its pay date 2025-06-18, another of the person's legacy awards in "
            "payment being preferred to it that day, so it paid for none of the days; an instalment was taken from "
            "the person's other legacy award (ESA) on its pay date 2025-06-16, which paid, in arrears, for the days "
            "up to and including it") in listed[("2025-06-25", "17.93")]["explanation"]
    facts = Deduction.objects.get(person__nino=A, date=date(2025, 6, 25)).explanation_facts
    assert (facts["paid_period"]["from"], facts["paid_period"]["days"], facts["paid_period"]["passed_over"]) == (
        "2025-06-17", 9, ["2025-06-18"])
    assert check_ledger().ok


def test_a_legacy_instalment_taken_late_after_a_pay_date_passed_over_for_another_award_leaves_no_day_unpaid(
        ) -> None:
    """The same rule for pay dates taken late (``take_instalments_late``; docs/events-notes.md "An award's end
    corrected"; recovery-rules.md §4; **Decision**, docs/recovery-notes.md "The days a legacy pay date pays
    for"): JSA, first reported ended on 2025-06-22, takes nothing on 2025-06-18 (ESA preferred) nor after its
    end; its end then moved to 2025-07-02, its 2025-06-25 taken late pays for 2025-06-17 to 2025-06-25 (£17.93)
    and its 2025-07-02 for the week after (£13.95), as the daily run would have taken them."""
    _esa_preferred_on_jsa_s_first_pay_date("2025-06-22")
    run_through(date(2025, 6, 1))
    run_through(date(2025, 7, 2))
    assert taken(A) == [(date(2025, 6, 9), 1395), (date(2025, 6, 16), 1395)]
    events(line("e3", "award.ended", "2025-07-02", A, award_ref="JSA1", end_date="2025-07-02",
                reason="AWARD_ENDED"))
    run_through(date(2025, 7, 3))
    assert taken(A) == [(date(2025, 6, 9), 1395), (date(2025, 6, 16), 1395), (date(2025, 6, 25), 1793),
                        (date(2025, 7, 2), 1395)]
    late = Deduction.objects.get(person__nino=A, date=date(2025, 6, 25))
    assert late.explanation_facts["paid_period"]["from"] == "2025-06-17" and late.explanation_facts["late"]
    assert "nothing was taken from the award on its pay date 2025-06-18" in late.explanation
    assert check_ledger().ok


def test_dms_rerate_gives_what_the_run_takes_after_a_move_to_another_legacy_award() -> None:
    """``dms rerate`` (docs/recovery-notes.md "Re-rating reads the book as the daily run left it") works out
    B's first pay date as the run takes it, after A's last instalment (recovery-rules.md §4; **Decision**,
    docs/recovery-notes.md "The days a legacy pay date pays for"): £3.98 for 2025-06-17 and 2025-06-18, as of
    that pay date and as of a day of its pay period before it."""
    _moving_from_esa_to_jsa()
    run_through(date(2025, 6, 1))
    run_through(date(2025, 6, 17))
    assert rerated(date(2025, 6, 18)) == {person(A): 398}
    run_through(date(2025, 6, 18))
    assert taken(A)[-1] == (date(2025, 6, 18), 398)
    assert rerated(date(2025, 6, 25)) == {person(A): 1395}


def test_a_legacy_instalment_taken_late_pays_only_for_the_days_after_another_awards_instalment() -> None:
    """The same rule for a pay date the run passed under an earlier end and takes late (docs/events-notes.md
    "An award's end corrected"; recovery-rules.md §4; **Decision**, docs/recovery-notes.md "The days a legacy
    pay date pays for"): ESA A, paid on Mondays, reported ended on 2025-06-10, so JSA B (in payment from
    2025-06-05, paid on Wednesdays) takes 2025-06-11 for the 2 days after A's 2025-06-09 (£3.98). A's end is
    then moved to 2025-06-20: A's pay date 2025-06-16, taken late, pays for the days after B's 2025-06-11,
    2025-06-12 to 2025-06-16 (£13.95 x 5/7 = £9.96), not again for 2025-06-10 and 2025-06-11."""
    events(debt("d1", A, "OP-1", occurred_on="2025-06-01"),
           award("a1", A, "ESA1", "ESA", "2025-06-02", "100.00", "WEEKLY", "2025-06-09"),
           award("a2", A, "JSA1", "JSA", "2025-06-05", "100.00", "WEEKLY", "2025-06-11"),
           line("e1", "award.ended", "2025-06-10", A, award_ref="ESA1", end_date="2025-06-10",
                reason="AWARD_ENDED"))
    run_through(date(2025, 6, 1))
    run_through(date(2025, 6, 20))
    assert taken(A) == [(date(2025, 6, 9), 1395), (date(2025, 6, 11), 398), (date(2025, 6, 18), 1395)]
    events(line("e2", "award.ended", "2025-06-20", A, award_ref="ESA1", end_date="2025-06-20",
                reason="AWARD_ENDED"))
    run_through(date(2025, 6, 21))
    late = Deduction.objects.get(person__nino=A, award__award_ref="ESA1", date=date(2025, 6, 16))
    assert late.amount_pence == 996 and late.status == "TAKEN"
    assert late.explanation_facts["paid_period"]["from"] == "2025-06-12"
    assert "other legacy award (JSA) on its pay date 2025-06-11" in late.explanation
    # B's 2025-06-18, taken from it under the earlier end, paid for its days: A, in payment that day as now
    # held, was not preferred to it then, so B's 2025-06-25 pays for the 7 days after it, not again for
    # 2025-06-17 and 2025-06-18
    run_through(date(2025, 6, 25))
    assert taken(A)[-1] == (date(2025, 6, 25), 1395)
    assert check_ledger().ok


@pytest.mark.parametrize("first_end", ["2025-07-04", None], ids=["end-moved-earlier", "end-first-reported-late"])
def test_an_awards_end_moved_earlier_takes_late_the_other_awards_pay_dates_passed_over_for_it(
        first_end: str | None) -> None:
    """docs/events-notes.md "An award's end corrected" (**Decision**: the result is the one the end in force
    reported once gives, whatever order the reports arrived in) with recovery-rules.md §4 ("Recovery is by an
    instalment plan at a set rate, taken on the benefit's pay dates"), events.md §2 ``award.ended`` (no benefit
    in payment after ``end_date``) and docs/recovery-notes.md "Which legacy award an instalment is taken from"
    and "The days a legacy pay date pays for": ESA (Mondays) held in payment to 2025-07-04 (or with no end), so
    the run passes JSA's 2025-06-18, 2025-06-25 and 2025-07-02 (Wednesdays), ESA preferred, and takes ESA's
    2025-06-23 and 2025-06-30. ESA's end, reported as 2025-06-20 after the run of 2025-07-05, reverses those
    two and takes JSA's 2025-06-25 (2025-06-17 to 2025-06-25, £17.93) and 2025-07-02 late, marked late and
    saying why; JSA's 2025-07-09 then pays for the 7 days after 2025-07-02: £87.68 (£13.95 x 44/7), as with
    the end 2025-06-20 reported once, nothing taken twice."""
    events(debt("d1", A, "OP-1", occurred_on="2025-06-01"),
           award("a1", A, "ESA1", "ESA", "2025-06-02", "100.00", "WEEKLY", "2025-06-09"),
           award("a2", A, "JSA1", "JSA", "2025-06-12", "100.00", "WEEKLY", "2025-06-18"),
           *([line("e1", "award.ended", first_end, A, award_ref="ESA1", end_date=first_end,
                   reason="AWARD_ENDED")] if first_end else []))
    run_through(date(2025, 6, 1))
    run_through(date(2025, 7, 5))
    assert [(d, s) for d, s, _ in _taken_from(A)] == [(date(2025, 6, 9), "ESA"), (date(2025, 6, 16), "ESA"),
                                                     (date(2025, 6, 23), "ESA"), (date(2025, 6, 30), "ESA")]
    events(line("e2", "award.ended", "2025-07-06", A, award_ref="ESA1", end_date="2025-06-20",
                reason="AWARD_ENDED"))
    run_through(date(2025, 7, 16))
    assert _taken_from(A) == [(date(2025, 6, 9), "ESA", 1395), (date(2025, 6, 16), "ESA", 1395),
                              (date(2025, 6, 25), "JSA", 1793), (date(2025, 7, 2), "JSA", 1395),
                              (date(2025, 7, 9), "JSA", 1395), (date(2025, 7, 16), "JSA", 1395)]
    assert sum(pence for _, _, pence in _taken_from(A)) == 8768 == 1395 * 44 // 7
    late = Deduction.objects.get(person__nino=A, status="TAKEN", date=date(2025, 6, 25))
    assert late.explanation_facts["late"] and late.explanation_facts["paid_period"]["from"] == "2025-06-17"
    assert ("the run passed this pay date, taking nothing, with the ESA award ESA1 preferred to this one; that "
            "award ended on 2025-06-20 (event e2") in late.explanation
    after = Deduction.objects.get(person__nino=A, status="TAKEN", date=date(2025, 7, 9))
    assert "paid_period" not in after.explanation_facts  # its own whole week, 2025-07-03 to 2025-07-09
    assert check_ledger().ok


def _taken_from(nino: str) -> list[tuple[date, str, int]]:
    return [(d.date, d.source, d.amount_pence) for d in Deduction.objects.filter(person__nino=nino, status="TAKEN")
            .order_by("date", "id")]


@pytest.mark.parametrize("second_end", ["2025-06-13", "2025-06-17"])
def test_an_awards_end_moved_earlier_twice_pays_for_no_day_twice(second_end: str) -> None:
    """docs/events-notes.md "An award's end corrected" (**Decision**: the result is the one the end in force
    reported once gives, whatever order the reports arrived in) with docs/recovery-notes.md "Which legacy award
    an instalment is taken from" ("no day is paid for twice") and "The days a legacy pay date pays for",
    recovery-rules.md §4 ("A pay period's instalment is the weekly rate times the weeks in the period") and
    events.md §2 ``award.ended``: ESA (Mondays) first reported ending 2025-07-04, JSA (Wednesdays) from
    2025-06-12. ESA's end corrected to 2025-06-20 takes JSA's 2025-06-25 late for 2025-06-17 to 06-25 (£17.93,
    after ESA's 2025-06-16); corrected again, earlier than JSA's 2025-06-18, takes that pay date late for the
    days up to it, so 2025-06-25's instalment, whose days went back over it, is reversed and taken again for
    its own 7 days: what the end in force reported once gives (person B), nothing paid for twice."""
    events(debt("d1", A, "OP-1", occurred_on="2025-05-01"), debt("d2", B, "OP-2", occurred_on="2025-05-01"),
           award("a1", A, "ESA1", "ESA", "2025-05-27", "100.00", "WEEKLY", "2025-06-02"),
           award("a2", A, "JSA1", "JSA", "2025-06-12", "100.00", "WEEKLY", "2025-06-18"),
           award("b1", B, "ESA2", "ESA", "2025-05-27", "100.00", "WEEKLY", "2025-06-02"),
           award("b2", B, "JSA2", "JSA", "2025-06-12", "100.00", "WEEKLY", "2025-06-18"),
           line("e1", "award.ended", "2025-06-30", A, award_ref="ESA1", end_date="2025-07-04", reason="AWARD_ENDED"),
           line("f1", "award.ended", "2025-06-10", B, award_ref="ESA2", end_date=second_end, reason="AWARD_ENDED"))
    run_through(date(2025, 6, 1))
    run_through(date(2025, 7, 5))
    events(line("e2", "award.ended", "2025-07-06", A, award_ref="ESA1", end_date="2025-06-20", reason="AWARD_ENDED"))
    run_through(date(2025, 7, 7))
    assert (date(2025, 6, 25), "JSA", 1793) in _taken_from(A)
    events(line("e3", "award.ended", "2025-07-08", A, award_ref="ESA1", end_date=second_end, reason="AWARD_ENDED"))
    run_through(date(2025, 7, 16))
    assert _taken_from(A) == _taken_from(B)
    if second_end == "2025-06-13":
        assert _taken_from(A) == [(date(2025, 6, 2), "ESA", 1395), (date(2025, 6, 9), "ESA", 1395),
                                  (date(2025, 6, 18), "JSA", 1395), (date(2025, 6, 25), "JSA", 1395),
                                  (date(2025, 7, 2), "JSA", 1395), (date(2025, 7, 9), "JSA", 1395),
                                  (date(2025, 7, 16), "JSA", 1395)]
        assert sum(pence for _, _, pence in _taken_from(A)) == 9765  # £97.65, not £101.63
    else:  # ESA's 2025-06-16 stands: JSA's 2025-06-18 pays for 2025-06-17 and 06-18 only
        assert (date(2025, 6, 18), "JSA", 398) in _taken_from(A)
        assert (date(2025, 6, 25), "JSA", 1395) in _taken_from(A)
    reversed_ = Deduction.objects.get(person__nino=A, status="REVERSED", date=date(2025, 6, 25))
    assert reversed_.amount_pence == 1793
    assert "2025-06-18" in reversed_.reversal_reason and "2025-06-17" in reversed_.reversal_reason
    again = Deduction.objects.get(person__nino=A, status="TAKEN", date=date(2025, 6, 25))
    assert again.explanation_facts["late"] and "paid_period" not in again.explanation_facts  # its own 7 days
    assert f"that award ended on {second_end} (event e3, correcting 2025-06-20 of event e2)" in again.explanation
    assert "taken again for the days after 2025-06-18" in again.explanation
    assert "on its pay date 2025-06-16" not in again.explanation  # no reversed ESA instalment named
    assert check_ledger().ok
