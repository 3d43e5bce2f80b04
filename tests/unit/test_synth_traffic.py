"""The month of synthetic traffic (:mod:`dms.synth.traffic`): deterministic, and valid by the specs except where
a file is broken on purpose."""

from __future__ import annotations

import json
import re
from datetime import date
from functools import cache

import pytest

from dms.calendar import is_working_day
from dms.events import parse_event
from dms.la_interface.records import RecallRecord, ReferralRecord, RevisionRecord
from dms.nino import is_valid_nino
from dms.synth.generate import BatchSpec, CreditorSlot, IdBases, generate_batch, synth_las
from dms.synth.traffic import (
    BROKEN_KINDS,
    BookDebt,
    BookPerson,
    BookView,
    MonthTraffic,
    legacy_pay_dates,
    payment_periods,
    plan_month,
)

AS_OF = date(2026, 1, 31)
DEBT_REF = re.compile(r"[A-Za-z0-9/-]{1,20}")
NAME = re.compile(r"[A-Za-z '\-]{1,35}")


@cache
def book(people: int, seed: int = 1, las: int = 20) -> BookView:
    """A book of plain values made by the synthetic book generator (no database)."""
    registered = synth_las(las, seed)
    slots = tuple(CreditorSlot("LA", 10 + i, 100 + i, la.la_id) for i, la in enumerate(registered))
    batch = generate_batch(BatchSpec(seed, 0, range(people), AS_OF, CreditorSlot("DWP", 1, 1),
                                     CreditorSlot("HMRC", 2, 2), slots, IdBases(1, 1, 1, 1, 1)))
    by_id = {row[0]: row for row in batch.people}
    awards = {row[1]: row for row in batch.awards}
    creditors = {1: ("DWP", None), 2: ("HMRC", None), **{s.creditor_id: ("LA", s.la_id) for s in slots}}
    persons = []
    for person_id, p in by_id.items():
        a = awards[person_id]
        partner = by_id[a[8]][1] if a[8] else None
        persons.append(BookPerson(p[1], p[2], p[3], p[4], a[2], a[0], a[3], a[6], a[7], partner, a[9], a[10], a[11]))
    debts = [BookDebt(by_id[d[1]][1], creditors[d[2]][0], d[3], d[4], d[5], d[6], d[6], creditors[d[2]][1])
             for d in batch.debts]
    return BookView(AS_OF, tuple(s.la_id for s in slots), tuple(sorted(persons, key=lambda p: p.nino)),
                    tuple(debts))


@cache
def traffic(people: int = 2000, seed: int = 1) -> MonthTraffic:
    return plan_month(book(people), 2026, 2, seed)


def all_events(month: MonthTraffic) -> list[dict[str, object]]:
    return [event for day in month.events.values() for event in day]


def all_files(month: MonthTraffic):
    return [(tar, planned) for tars in month.tars.values() for tar in tars for planned in tar.files]


def test_traffic_is_deterministic_in_book_month_and_seed() -> None:
    again = plan_month(book(2000), 2026, 2, 1)
    assert again.events == traffic().events
    assert again.tars == traffic().tars
    assert plan_month(book(2000), 2026, 2, 2).events != traffic().events
    assert plan_month(book(2000), 2026, 3, 1).events != traffic().events


def test_every_event_passes_the_events_spec_and_ids_are_unique() -> None:
    events = all_events(traffic())
    for event in events:
        parse_event(json.loads(json.dumps(event)))  # raises EventError naming the field at fault
    ids = [e["event_id"] for e in events]
    assert len(ids) == len(set(ids))
    assert {e["type"] for e in events} >= {
        "uc.assessment_period", "award.started", "person.registered", "award.changed", "award.ended",
        "person.died", "person.sanction", "payment.received", "debt.referred", "debt.revised", "debt.withdrawn",
    }
    assert all(day.year == 2026 and day.month == 2 for day in traffic().events)


def test_each_uc_claim_reports_the_period_paid_this_month_once_per_couple() -> None:
    month, view = traffic(), book(2000)
    reported = {e["award_ref"]: e for e in all_events(month) if e["type"] == "uc.assessment_period"}
    claims = [p for p in view.people if p.benefit == "UC" and not (p.partner_nino and p.partner_nino < p.nino)]
    paid = [p for p in claims if payment_periods(p, date(2026, 2, 1), date(2026, 2, 28))]
    ended = {e["nino"] for e in all_events(month) if e["type"] in ("award.ended", "person.died")}
    assert len(reported) >= len([p for p in paid if p.nino not in ended])
    assert len(reported) == sum(1 for e in all_events(month) if e["type"] == "uc.assessment_period")
    for event in reported.values():
        assert "2026-02-01" <= str(event["payment_date"]) <= "2026-02-28"
    partners = {p.partner_nino for p in claims if p.partner_nino}
    assert not partners & {e["nino"] for e in reported.values()}


def test_assessment_periods_run_from_their_day_and_are_paid_seven_days_after() -> None:
    person = BookPerson("AB123456C", "Jones", "Sam", date(1990, 1, 1), "UC", "UC-1", date(2024, 5, 31),
                        "SINGLE_25_OR_OVER", 31)
    assert payment_periods(person, date(2026, 2, 1), date(2026, 2, 28)) == [
        (date(2025, 12, 31), date(2026, 1, 30), date(2026, 2, 6))]
    weekly = BookPerson("AB123456C", "Jones", "Sam", date(1990, 1, 1), "ESA", "ESA-1", date(2024, 1, 1),
                        weekly_amount_pence=10000, pay_frequency="FORTNIGHTLY", first_pay_date=date(2026, 1, 27))
    assert legacy_pay_dates(weekly, date(2026, 2, 1), date(2026, 2, 28)) == [date(2026, 2, 10), date(2026, 2, 24)]
    monthly = BookPerson("AB123456C", "Jones", "Sam", date(1990, 1, 1), "PIP", "PIP-1", date(2024, 1, 1),
                         weekly_amount_pence=10000, pay_frequency="MONTHLY", first_pay_date=date(2025, 10, 31))
    assert legacy_pay_dates(monthly, date(2026, 2, 1), date(2026, 2, 28)) == [date(2026, 2, 28)]


def test_la_tars_follow_the_bundle_rules() -> None:
    """hb-debt-interface.md §1: one tar per LA per day, sent on working days, at most one file of each type
    dated that day, and earlier-dated files only as resubmissions of a failed file."""
    month = traffic()
    names = [tar.name for tars in month.tars.values() for tar in tars]
    assert len(names) == len(set(names))
    failed = {f.name for _, f in all_files(month) if f.fault}
    for day, tars in month.tars.items():
        assert is_working_day(day)
        for tar in tars:
            assert tar.tar_date == day and tar.la_id in book(2000).las
            same_day = [f.kind for f in tar.files if f.creation_date == day]
            assert len(same_day) == len(set(same_day))
            for planned in tar.files:
                assert planned.la_id == tar.la_id and planned.records
                assert planned.creation_date == day or planned.name in failed
    assert len({tar.la_id for tars in month.tars.values() for tar in tars}) == 20
    sending = {day for day in month.tars}
    assert any(len(month.tars[d]) < 20 for d in sending)  # not every LA every day


def test_records_are_valid_except_where_a_file_is_broken_on_purpose() -> None:
    """§3: NINOs valid, references of the right form and unique in their file, totals that add up, dates not
    after the file's creation date, revised amounts above zero, and each revision or recall naming a debt
    that LA holds for that NINO."""
    view = book(2000)
    held = {(d.la_id, d.ref): d.nino for d in view.debts if d.creditor == "LA"}
    for _, planned in all_files(traffic()):
        refs = [r.debt_ref for r in planned.records]
        assert len(refs) == len(set(refs)) and all(DEBT_REF.fullmatch(ref) for ref in refs)
        for record in planned.records:
            if planned.fault != "BAD_NINO":
                assert is_valid_nino(record.nino), record
            if isinstance(record, ReferralRecord):
                assert NAME.fullmatch(record.surname) and NAME.fullmatch(record.forenames)
                assert record.debt_created_date <= planned.creation_date
                assert all(o.amount_pence > 0 and o.period_start <= o.period_end <= planned.creation_date
                           for o in record.overpayments)
                if planned.fault != "TOTAL_MISMATCH":
                    assert record.total_pence == sum(o.amount_pence for o in record.overpayments)
                assert (planned.la_id, record.debt_ref) not in held
            elif planned.fault != "UNKNOWN_DEBT_REF":
                assert held.get((planned.la_id, record.debt_ref)) == record.nino, record
            if isinstance(record, RevisionRecord):
                assert record.revised_amount_pence is None or record.revised_amount_pence > 0
                assert record.revised_amount_pence is not None or record.revised_classification is not None


def test_one_of_each_broken_file_and_a_corrected_resubmission() -> None:
    files = all_files(traffic())
    assert sorted(f.fault for _, f in files if f.fault) == sorted(BROKEN_KINDS)
    bad = next(f for _, f in files if f.fault == "BAD_NINO")
    assert any(not is_valid_nino(r.nino) for r in bad.records)
    again = [(tar, f) for tar, f in files if f.name == bad.name and not f.fault]
    assert len(again) == 1
    tar, fixed = again[0]
    assert tar.tar_date > bad.creation_date and all(is_valid_nino(r.nino) for r in fixed.records)
    assert [r.debt_ref for r in fixed.records] == [r.debt_ref for r in bad.records]
    mismatch = next(f for _, f in files if f.fault == "TOTAL_MISMATCH")
    assert any(isinstance(r, ReferralRecord) and r.total_pence != sum(o.amount_pence for o in r.overpayments)
               for r in mismatch.records)
    unknown = next(f for _, f in files if f.fault == "UNKNOWN_DEBT_REF")
    held = {d.ref for d in book(2000).debts}
    assert any(r.debt_ref not in held for r in unknown.records)


def test_no_person_is_the_subject_of_two_la_actions_or_of_one_after_a_life_event() -> None:
    """So that every revision and recall names a debt still open when it is processed."""
    month = traffic()
    seen: set[str] = set()
    for _, planned in all_files(month):
        if planned.fault == "BAD_NINO" or (planned.name in seen):
            continue
        for record in planned.records:
            if isinstance(record, RevisionRecord | RecallRecord):
                assert record.nino not in seen, record
                seen.add(record.nino)
        seen.add(planned.name)
    touched = {e["nino"] for e in all_events(month)
               if e["type"] in ("person.died", "award.ended", "person.sanction", "person.insolvency",
                                "payment.received", "benefit.payment_missed")}
    changed = {r.nino for _, f in all_files(month) if not f.fault for r in f.records
               if isinstance(r, RevisionRecord | RecallRecord)}
    assert not touched & changed


def test_referrals_meet_the_rules_naturally_in_realistic_proportions() -> None:
    """Most referrals go to claimants DMS can accept; a few to claimants at the UC limit, with an HB debt held,
    or with no benefit (hb-debt-interface.md §6.2, §6.3)."""
    view, month = book(2000), traffic()
    people = {p.nino: p for p in view.people}
    hb = {}
    for debt in view.debts:
        if debt.creditor == "LA":
            hb[debt.nino] = hb.get(debt.nino, 0) + 1
    referrals = [r for _, f in all_files(month) if f.kind == "LAREF" and not f.fault for r in f.records]
    assert 60 <= len(referrals) <= 120  # about 4% of the book a month
    at_limit = [r for r in referrals if people.get(r.nino) and people[r.nino].benefit == "UC" and hb.get(r.nino, 0) >= 4]
    legacy_held = [r for r in referrals if people.get(r.nino) and people[r.nino].benefit != "UC" and hb.get(r.nino)]
    unknown = [r for r in referrals if r.nino not in people]
    assert at_limit and legacy_held and unknown
    assert len(at_limit) + len(legacy_held) + len(unknown) < len(referrals) // 4


@pytest.mark.parametrize("people", [1, 7, 60])
def test_tiny_books_still_get_traffic(people: int) -> None:
    month = plan_month(book(people), 2026, 2, 1)
    for event in all_events(month):
        parse_event(json.loads(json.dumps(event)))
    assert month.events


def test_a_book_with_people_and_no_la_gets_a_month_of_events_and_no_la_files() -> None:
    full = book(2000)
    no_las = BookView(full.as_of, (), full.people, tuple(d for d in full.debts if d.la_id is None))
    month = plan_month(no_las, 2026, 2, 1)
    assert all_events(month)
    assert not month.tars
