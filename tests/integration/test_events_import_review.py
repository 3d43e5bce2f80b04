"""Importing events: business dates in the body far ahead, a field given twice, repeated keys in unknown
fields, refusals that say how to put the line right, and event ids reused by another sender."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from dms.services.events import import_events
from dms.store.models import AwardChange, InboundEvent
from dms.store.recovery.models import AssessmentPeriod

pytestmark = pytest.mark.django_db

NINO = "AB123456C"
OTHER = "CE123456A"
TODAY = date(2025, 6, 1)


def line(event_id: str, type_: str, occurred_on: str = "2025-05-02", nino: str = NINO, **fields: Any) -> str:
    return json.dumps({"event_id": event_id, "type": type_, "occurred_on": occurred_on, "nino": nino, **fields})


UC_AWARD = line("a1", "award.started", occurred_on="2025-05-01", award_ref="UC1", benefit="UC",
                start_date="2025-05-01", uc={"claimant_type": "SINGLE_25_OR_OVER", "assessment_period_day": 1})
JSA_AWARD = line("l1", "award.started", occurred_on="2025-05-01", award_ref="JSA1", benefit="JSA",
                 start_date="2025-05-01",
                 legacy={"weekly_amount": "90.50", "pay_frequency": "WEEKLY", "first_pay_date": "2025-05-05"})


def referral(event_id: str = "d1", ref: str = "OP-1", nino: str = NINO, creditor: str = "DWP") -> str:
    return line(event_id, "debt.referred", occurred_on="2025-05-01", nino=nino, creditor=creditor, creditor_ref=ref,
                debt_type="OVERPAYMENT", classification="NON_FRAUD", amount="300.00", created_on="2025-05-01")


def period(event_id: str, payment_date: str) -> str:
    return line(event_id, "uc.assessment_period", occurred_on="2025-06-01", award_ref="UC1",
                period_start="2025-05-01", period_end="2025-05-31", payment_date=payment_date,
                award_amount="800.00", earnings_over_work_allowance=False, sanction_amount="0.00",
                fraud_penalty_amount="0.00", third_party=[])


def run(*lines: str | bytes) -> Any:
    return import_events(list(lines), source="test.jsonl", today=TODAY)


# ------------------------------------------------------------------------------------------ 1. dates far ahead


@pytest.mark.parametrize(("event", "field"), [
    (period("p1", "2062-06-07"), "payment_date: 2062-06-07"),
    (line("e1", "award.ended", award_ref="UC1", end_date="2062-05-31", reason="AWARD_ENDED"), "end_date: 2062-05-31"),
    (line("s1", "person.sanction", rate_percent=100, start_date="2062-05-01", duration_weeks=13),
     "start_date: 2062-05-01"),
    (line("i1", "person.insolvency", kind="BANKRUPTCY", start_date="2062-05-01"), "start_date: 2062-05-01"),
    (line("m1", "benefit.payment_missed", award_ref="JSA1", pay_date="2062-05-05"), "pay_date: 2062-05-05"),
    (line("l2", "award.started", award_ref="JSA2", benefit="JSA", start_date="2025-05-01",
          legacy={"weekly_amount": "90.50", "pay_frequency": "WEEKLY", "first_pay_date": "2062-05-05"}),
     "legacy.first_pay_date: 2062-05-05"),
    (line("c1", "award.changed", award_ref="JSA1", legacy={"first_pay_date": "2062-05-05"}),
     "legacy.first_pay_date: 2062-05-05"),
    (line("c2", "award.changed", award_ref="JSA1", start_date="2062-05-05"), "start_date: 2062-05-05"),
])
def test_a_business_date_in_the_body_more_than_a_year_after_today_is_refused_as_a_mistyped_date(
        event: str, field: str) -> None:
    """events.md §1 (``occurred_on``) and §2 (``payment_date``: DMS works out the period's deductions on it;
    ``end_date``, ``start_date``, ``pay_date``, ``first_pay_date``): a business date more than a year after
    today could never be reached by a run (README: ``dms run`` refuses such a date), so held it would never act
    and, for a period, its corrected report would be refused as already held. It is refused as ``occurred_on``
    is, naming the field, the date and today, and saying how to put it right; nothing of the event is held."""
    assert run(UC_AWARD, JSA_AWARD).ok
    report = run(event)
    assert len(report.refused) == 1, report.refused
    reason = report.refused[0].reason
    assert reason.startswith(f"{field} is more than a year after today ({TODAY})"), reason
    assert "correct the date" in reason
    assert InboundEvent.objects.count() == 2 and not AwardChange.objects.exists()


def test_a_period_with_a_mistyped_payment_date_is_refused_so_its_corrected_report_is_taken() -> None:
    """events.md §2 ``uc.assessment_period``: the period's deductions are worked out on ``payment_date``; the
    report with 2062 is refused, and the sender's corrected report is held (not "already held")."""
    assert run(UC_AWARD, referral()).ok
    assert not run(period("p1", "2062-06-07")).ok
    assert run(period("p1fix", "2025-06-07")).ok
    assert AssessmentPeriod.objects.get().payment_date == date(2025, 6, 7)


def test_an_insolvency_end_date_years_ahead_is_taken_an_iva_lasts_years() -> None:
    """recovery-rules.md §6; events.md §2 ``person.insolvency`` optional ``end_date``: an IVA commonly runs five
    years, so an end date more than a year ahead is a fact, not a mistyped date (docs/events-notes.md)."""
    assert run(line("i1", "person.insolvency", kind="IVA", start_date="2025-05-01", end_date="2030-04-30")).ok


# ------------------------------------------------------------------------------------------ 2. a field twice


@pytest.mark.parametrize(("fields", "said"), [
    ({"pay_frequency": "FORTNIGHTLY", "legacy": {"pay_frequency": "WEEKLY"}},
     "pay_frequency: given as \"FORTNIGHTLY\" and as legacy.pay_frequency \"WEEKLY\""),
    ({"first_pay_date": "2025-05-12", "legacy": {"first_pay_date": "2025-05-19"}},
     "first_pay_date: given as \"2025-05-12\" and as legacy.first_pay_date \"2025-05-19\""),
])
def test_award_changed_giving_one_field_twice_with_different_values_is_refused_naming_both(
        fields: dict[str, Any], said: str) -> None:
    """events.md §1 (a malformed field refuses the event, naming it): one field given flat and inside
    ``legacy``/``uc`` with different values contradicts itself; neither is taken quietly. The same value given
    twice means one thing and is taken."""
    assert run(JSA_AWARD).ok
    report = run(line("c1", "award.changed", award_ref="JSA1", **fields))
    assert len(report.refused) == 1 and report.refused[0].reason.startswith(said), report.refused
    assert "give it once" in report.refused[0].reason
    assert not AwardChange.objects.exists()
    same = run(line("c2", "award.changed", award_ref="JSA1", pay_frequency="FORTNIGHTLY",
                    legacy={"pay_frequency": "FORTNIGHTLY"}))
    assert same.ok and AwardChange.objects.get().changes == {"pay_frequency": "FORTNIGHTLY"}


def test_award_changed_claimant_type_flat_and_inside_uc_with_different_values_is_refused() -> None:
    """events.md §1: as above, for a UC field."""
    assert run(UC_AWARD).ok
    report = run(line("c1", "award.changed", award_ref="UC1", claimant_type="SINGLE_UNDER_25",
                      uc={"claimant_type": "SINGLE_25_OR_OVER"}))
    assert [r.reason.split(";")[0] for r in report.refused] == [
        "claimant_type: given as \"SINGLE_UNDER_25\" and as uc.claimant_type \"SINGLE_25_OR_OVER\""]


# ------------------------------------------------------------------------------------------ 3. repeated keys


def test_unknown_fields_are_ignored_also_when_they_repeat_a_key() -> None:
    """events.md §1 "Unknown fields are ignored": a key repeated inside an unknown field refuses nothing; a key
    repeated where DMS reads it is refused, naming its path and the event."""
    registered = ('{"event_id":"r1","type":"person.registered","occurred_on":"2025-04-08","nino":"AB123456C",'
                  '"surname":"S","forenames":"F","date_of_birth":"1980-01-01"')
    report = run(registered + ',"sender_meta":{"trace":"a","trace":"b"}}',
                 registered.replace("r1", "r2") + ',"note":"x","note":"y"}',
                 UC_AWARD[:-2] + ', "assessment_period_day": 2}}',
                 registered.replace("r1", "r3") + ',"surname":"T"}')
    assert report.stored == 2, report.refused
    assert [(r.line_number, r.event_id, r.reason.split(";")[0]) for r in report.refused] == [
        (3, "a1", "uc.assessment_period_day: given more than once in one JSON object"),
        (4, "r3", "surname: given more than once in one JSON object")]


# ------------------------------------------------------------------------------------------ 4. how to fix


def test_refusals_say_how_to_put_the_line_right() -> None:
    """README (errors say what is wrong, where and how to put it right): each refusal gives the fix."""
    report = run(
        line("r1", "debt.revised", creditor="DWP", creditor_ref="OP-1", amount="250.00"),
        line("w1", "debt.withdrawn", creditor="DWP", creditor_ref="OP-1", reason="x"),
        line("p0", "payment.received", amount="10.00", received_on="2025-05-02", channel="CARD", creditor="DWP",
             creditor_ref="OP-1"),
        referral(), UC_AWARD,
        line("r2", "debt.revised", nino=OTHER, creditor="DWP", creditor_ref="OP-1", amount="250.00"),
        line("e1", "award.ended", award_ref="UC1", end_date="2025-04-01", reason="AWARD_ENDED"),
        line("i1", "person.insolvency", kind="IVA", start_date="2025-05-02", end_date="2025-05-01"),
        json.dumps({"event_id": "n1", "type": "person.died", "occurred_on": "2025-05-02", "nino": 123456,
                    "date_of_death": "2025-05-01"}),
        ("\ufeff" + line("b1", "person.died", date_of_death="2025-05-01")).encode(),
        b"\xff\xfe{\x00}\x00",
    )
    reasons = {r.line_number: r.reason for r in report.refused}
    assert "send its debt.referred event first" in reasons[1] and "send its debt.referred event first" in reasons[2]
    assert "send the payment again after the debt's debt.referred" in reasons[3]
    assert "check the nino and creditor_ref" in reasons[6]
    assert reasons[7].endswith("give an end_date on or after 2025-05-01, the award's start date")
    assert "give an end_date on or after start_date 2025-05-02" in reasons[8]
    assert reasons[9].startswith("nino: NINO must be text like AB123456C, got a number")
    assert reasons[10].startswith("the line starts with a byte-order mark") and "remove the byte-order mark" in \
        reasons[10]
    assert reasons[11].startswith("not UTF-8 (byte 1 cannot be decoded)") and "send the events as UTF-8" in \
        reasons[11]
    assert len(reasons) == 9


def test_a_line_too_long_is_measured_in_bytes() -> None:
    """README (errors say what is wrong): the limit is 1 MiB of UTF-8 bytes, and the refusal says bytes; a line
    of fewer characters than that but more bytes is refused as well."""
    text = line("x1", "person.registered", surname="S", forenames="F", date_of_birth="1980-01-01",
                pad="é" * 600_000)
    report = run(text, text.encode())
    size = len(text.encode())
    assert [r.reason for r in report.refused] == [
        f"not an event: the line is {size:,} bytes, over the 1,048,576 bytes (1 MiB) an event may be; send one "
        "event per line, without bulk in extra fields"] * 2


# ------------------------------------------------------------------------------------------ 5. event ids


def test_an_event_id_another_sender_used_is_refused_saying_ids_are_unique_across_senders() -> None:
    """events.md §1 (``event_id`` unique per sender) and docs/events-notes.md "An event id is unique across
    every sender" (**Decision**: the envelope names no sender): the second ``1001`` is refused, saying why and
    how to put it right (a sender's prefix), and nothing of it is held."""
    assert run(line("1001", "award.started", award_ref="UC1", benefit="UC", start_date="2025-05-01",
                    uc={"claimant_type": "SINGLE_25_OR_OVER", "assessment_period_day": 1})).ok
    report = run(referral("1001", ref="TC-9", nino=OTHER, creditor="HMRC"))
    [refused] = report.refused
    assert "unique across every sender" in refused.reason and "prefix" in refused.reason, refused.reason
    assert InboundEvent.objects.count() == 1
