"""A couple on a joint UC award whose award is held under each partner (each ``award.started`` naming the
other) and whose assessment period is reported under each partner's award: one claim, paid once per
assessment period (events.md §2 ``uc.assessment_period``; UC Regulations 2013 reg 3), so the couple's
deductions are taken once per period, under one overall cap (recovery-rules.md §2), by the daily run and by
``dms rerate`` alike (docs/events-notes.md "A couple's joint award reported under each partner")."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import transaction

from dms.services.events import import_events
from dms.services.recovery import deductions_step, life_events_step
from dms.services.recovery_staff import list_deductions
from dms.store.models import Debt, InboundEvent, Person
from dms.store.recovery.models import AssessmentPeriod, Deduction
from dms.store.replay.models import RerateResult

pytestmark = pytest.mark.django_db

A, B = "JC111111A", "JE222222B"
PAY = date(2025, 6, 7)
CAP = 9421  # 15% of the JOINT_25_OR_OVER standard allowance £628.10 (periods from 2025-04-30)


def _line(event_id: str, type_: str, nino: str, occurred_on: str = "2025-04-07", **fields: Any) -> str:
    return json.dumps({"event_id": event_id, "type": type_, "occurred_on": occurred_on, "nino": nino, **fields})


def _events(*lines: str) -> None:
    report = import_events(list(lines), source="test.jsonl")
    assert report.ok, report.refused


def _award(holder: str, ref: str, partner: str | None) -> str:
    uc: dict[str, Any] = {"claimant_type": "JOINT_25_OR_OVER" if partner else "SINGLE_25_OR_OVER",
                          "assessment_period_day": 1}
    if partner:
        uc["partner_nino"] = partner
    return _line(f"start-{ref}", "award.started", holder, award_ref=ref, benefit="UC", start_date="2025-04-07", uc=uc)


def _period(holder: str, ref: str, payment_date: str = "2025-06-07", amount: str = "1200.00") -> str:
    return _line(f"ap-{ref}", "uc.assessment_period", holder, occurred_on="2025-05-31", award_ref=ref,
                 period_start="2025-05-01", period_end="2025-05-31", payment_date=payment_date, award_amount=amount,
                 earnings_over_work_allowance=False, sanction_amount="0.00", fraud_penalty_amount="0.00",
                 third_party=[])


def _couple_book(*, periods_for: tuple[str, ...] = ("UC-A", "UC-B"), b_names_a: bool = True) -> None:
    """A and B, each with a joint UC award naming the other (B's single when ``b_names_a`` is False), a debt
    each (DWP, HMRC; item 19) and a joint advance (item 3), and the May period under the awards named."""
    _events(
        _award(A, "UC-A", B), _award(B, "UC-B", A if b_names_a else None),
        _line("ref-a", "debt.referred", A, "2025-04-08", creditor="DWP", creditor_ref="OP-A", debt_type="OVERPAYMENT",
              classification="NON_FRAUD", amount="500.00", created_on="2025-04-01"),
        _line("ref-b", "debt.referred", B, "2025-04-08", creditor="HMRC", creditor_ref="TC-B",
              debt_type="OVERPAYMENT", classification="NON_FRAUD", amount="500.00", created_on="2025-04-01"),
        _line("ref-j", "debt.referred", A, "2025-04-08", creditor="DWP", creditor_ref="ADV-J",
              debt_type="UC_ADVANCE_NEW_CLAIM", classification="NON_FRAUD", amount="50.00", created_on="2025-04-01",
              joint_nino=B),
        *(_period(A if ref == "UC-A" else B, ref) for ref in periods_for),
    )


def _run(day: date) -> dict[str, int]:
    with transaction.atomic():
        life_events_step(day)
        return deductions_step(day)


def _taken() -> dict[str, int]:
    """Pence taken for each debt (by reference), all periods together."""
    out: dict[str, int] = {}
    for ref, pence in Deduction.objects.filter(debt__isnull=False).values_list("ref", "amount_pence"):
        out[ref] = out.get(ref, 0) + pence
    return out


def test_a_couples_period_reported_under_each_partners_award_is_taken_once() -> None:
    """Each partner's report of the May period is the couple's one payment: £94.21 in all (the cap once), the
    joint advance first (item 3, £50.00) and the £44.21 left shared by the two overpayments (item 19, rule b:
    DWP £22.11, HMRC £22.10), not £94.21 from each report. Both reports are processed; the one held first
    takes the deductions, and `dms deductions list` gives each partner the same three lines."""
    _couple_book()
    summary = _run(PAY)
    assert _taken() == {"ADV-J": 5000, "OP-A": 2211, "TC-B": 2210}
    assert sum(_taken().values()) == CAP
    assert summary["periods"] == 2 and summary["couple_periods_reported_twice"] == 1
    assert not AssessmentPeriod.objects.filter(processed_on__isnull=True).exists()
    first = AssessmentPeriod.objects.order_by("pk").first()
    assert first is not None and set(Deduction.objects.values_list("period_id", flat=True)) == {first.pk}
    assert sorted((r["ref"], r["amount"]) for r in list_deductions(A)) == [
        ("ADV-J", "50.00"), ("OP-A", "22.11"), ("TC-B", "22.10")]  # all taken from A's award
    assert sorted((r["ref"], r["amount"]) for r in list_deductions(B)) == [("ADV-J", "50.00"), ("TC-B", "22.10")]


def test_a_couples_period_taken_once_whichever_partition_chunk_runs_first() -> None:
    """Run in one-partition chunks (as `dms run --workers` splits the day), in either order, the couple's
    reports are taken by one chunk, once."""
    _couple_book()
    a, b = (Person.objects.get(nino=n).partition for n in (A, B))
    assert a != b
    with transaction.atomic():
        for partition in sorted({a, b}, reverse=True):
            life_events_step(PAY, partitions=[partition])
        for partition in sorted({a, b}, reverse=True):
            deductions_step(PAY, partitions=[partition])
    assert sum(_taken().values()) == CAP


def test_a_couples_period_reported_again_after_it_was_taken_takes_nothing() -> None:
    """B's report of the May period arrives after A's was taken (late, after its payment date): the couple's
    deductions for May were taken, so the next run processes it with nothing taken."""
    _couple_book(periods_for=("UC-A",))
    _run(PAY)
    before = _taken()
    assert sum(before.values()) == CAP
    _events(_period(B, "UC-B"))
    summary = _run(PAY + timedelta(days=1))
    assert _taken() == before
    assert summary["periods"] == 1 and summary["couple_periods_reported_twice"] == 1


def test_a_couples_period_passed_under_an_earlier_end_of_one_partners_award_stays_taken_once_when_it_moves_later(
) -> None:
    """docs/events-notes.md "An award's end corrected" (**Decision**: a period the run passed under an earlier
    end is taken late once the end moves past its start, by the rules of any period): A's award ended on
    2025-04-30 (known in time), so A's report of the May period was processed with nothing taken and B's took
    the couple's deductions (£94.21, the cap once). A later report moving A's end to 2025-05-31 puts A's
    report back in payment, but the couple's May payment was already taken from B's report: nothing more is
    taken (recovery-rules.md §2: one cap per assessment period)."""
    _couple_book()
    _events(_line("end-a", "award.ended", A, "2025-05-10", award_ref="UC-A", end_date="2025-04-30",
                  reason="AWARD_ENDED"))
    _run(PAY)
    before = _taken()
    assert sum(before.values()) == CAP
    _events(_line("end-a2", "award.ended", A, "2025-06-10", award_ref="UC-A", end_date="2025-05-31",
                  reason="AWARD_ENDED"))
    assert not InboundEvent.objects.get(event_id="end-a2").applied  # held: A's report was passed under it
    summary = _run(date(2025, 6, 10))
    assert _taken() == before and summary["periods"] == 0
    assert InboundEvent.objects.get(event_id="end-a2").applied


def test_a_couples_reports_of_different_payment_dates_are_taken_once_from_the_first_paid() -> None:
    """The report under B's award, paid a day earlier than A's, is the one taken (on its payment date); A's
    report of the same period, due the next day, takes nothing."""
    _couple_book(periods_for=())
    _events(_period(A, "UC-A", payment_date="2025-06-08"), _period(B, "UC-B", payment_date="2025-06-07"))
    _run(PAY)
    _run(PAY + timedelta(days=1))
    periods = {p.person.nino: p.pk for p in AssessmentPeriod.objects.select_related("person")}
    assert set(Deduction.objects.values_list("period_id", flat=True)) == {periods[B]}
    assert sum(_taken().values()) == CAP


def test_a_partners_own_single_award_beside_a_joint_award_is_its_own_claim() -> None:
    """A couple forming (docs/events-notes.md "Two UC awards at once are not refused"): B's own single award
    names no partner, so its period is B's own claim, not a second report of the joint award: both are
    taken, as before."""
    _couple_book(b_names_a=False)
    summary = _run(PAY)
    assert summary["couple_periods_reported_twice"] == 0
    assert len(set(Deduction.objects.values_list("period_id", flat=True))) == 2


@pytest.mark.parametrize("chunk_partitions", [None, 1])
def test_rerate_takes_a_couples_period_reported_under_each_partner_once(chunk_partitions: int | None) -> None:
    """`dms rerate` re-rates the couple once, as the daily run takes them: before the run, the £94.21 the run
    then takes (DWP £72.11, HMRC £22.10); after it, the cap once again on the balances left, not twice; in one
    chunk or one partition a chunk. Both partners owe, so two people are re-rated (README ``dms rerate``)."""
    from dms.services.rerate import rerate

    _couple_book()
    dwp, hmrc = (Debt.objects.get(creditor_ref=ref).creditor_id for ref in ("OP-A", "TC-B"))

    def by_creditor() -> dict[int, int]:
        outcome = rerate(PAY, chunk_partitions=chunk_partitions)
        assert outcome.periods == 1 and outcome.no_period == 0
        assert outcome.people == 2  # one period re-rated, both partners owing debts it recovers from
        out: dict[int, int] = {}
        for creditor, now in RerateResult.objects.filter(run_id=outcome.run_id).values_list("creditor_id",
                                                                                           "now_pence"):
            out[creditor] = out.get(creditor, 0) + now
        return out

    assert by_creditor() == {dwp: 7211, hmrc: 2210}
    _run(PAY)
    taken = _taken()
    assert {dwp: taken["ADV-J"] + taken["OP-A"], hmrc: taken["TC-B"]} == {dwp: 7211, hmrc: 2210}
    assert by_creditor() == {dwp: 4711, hmrc: 4710}  # the joint advance cleared: item 19 takes the cap


def test_a_couples_period_corrected_under_one_partner_before_it_is_taken_is_still_taken_once() -> None:
    """docs/events-notes.md "An assessment period is taken once; a later report corrects it until it is taken"
    with "A couple's joint award reported under each partner": A's report of the May period, held with a
    mistyped payment date 2026-06-07, is replaced by its corrected report under a new id before the run; the
    couple's period is then taken once (£94.21, the cap once), from the report held first (B's), and A's
    corrected report takes nothing again; both periods are processed."""
    _couple_book(periods_for=("UC-B",))
    _events(_period(A, "UC-A", payment_date="2026-06-07"))
    a_period = AssessmentPeriod.objects.get(award__award_ref="UC-A")
    fixed = json.dumps({**json.loads(_period(A, "UC-A")), "event_id": "ap-UC-A-fix"})
    report = import_events([fixed], source="fix.jsonl")
    assert report.ok and report.notes[0].startswith("line 1 (event ap-UC-A-fix): replaces event 'ap-UC-A'")
    assert InboundEvent.objects.get(event_id="ap-UC-A").superseded_by == "ap-UC-A-fix"
    summary = _run(PAY)
    assert sum(_taken().values()) == CAP and summary["couple_periods_reported_twice"] == 1
    b_period = AssessmentPeriod.objects.get(award__award_ref="UC-B")
    assert set(Deduction.objects.values_list("period_id", flat=True)) == {b_period.pk}
    assert AssessmentPeriod.objects.get(pk=a_period.pk).event_id == "ap-UC-A-fix"
    assert not AssessmentPeriod.objects.filter(processed_on__isnull=True).exists()
