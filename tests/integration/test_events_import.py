"""Importing events: effects on the core model, idempotency by event_id, conflicts, whole-or-nothing."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from typing import Any

import pytest

from dms.events import parse_event
from dms.ledger import AccountKey, AccountKind, EntryKind, Posting, build_entry
from dms.services import debts as debt_service
from dms.services.events import apply_due_award_changes, canonical_json, content_sha256, import_events
from dms.store.ledger import account_balance, check_ledger, post_entries
from dms.store.models import Award, AwardChange, Debt, InboundEvent, JournalEntry, Person, RunDay
from dms.store.recovery.models import AssessmentPeriod

pytestmark = pytest.mark.django_db

NINO = "AB123456C"
OTHER = "CE123456A"
NINO_3 = "AB654321C"


def line(event_id: str, type_: str, occurred_on: str = "2025-04-07", nino: str = NINO, **fields: Any) -> str:
    return json.dumps({"event_id": event_id, "type": type_, "occurred_on": occurred_on, "nino": nino, **fields})


def uc_award(event_id: str = "a1", award_ref: str = "UC1", **extra: Any) -> str:
    return line(event_id, "award.started", award_ref=award_ref, benefit="UC", start_date="2025-04-07",
                uc={"claimant_type": "SINGLE_25_OR_OVER", "assessment_period_day": 7, **extra})


def jsa_award(event_id: str = "a2", award_ref: str = "JSA1") -> str:
    return line(event_id, "award.started", award_ref=award_ref, benefit="JSA", start_date="2025-04-07",
                legacy={"weekly_amount": "90.50", "pay_frequency": "FORTNIGHTLY", "first_pay_date": "2025-04-21"})


def referral(event_id: str = "d1", ref: str = "BA1", amount: str = "300.00", **extra: Any) -> str:
    fields = {"creditor": "DWP", "creditor_ref": ref, "debt_type": "BUDGETING_ADVANCE",
              "classification": "NON_FRAUD", "amount": amount, "created_on": "2025-04-01", **extra}
    return line(event_id, "debt.referred", occurred_on="2025-04-08", **fields)


def run(*lines: str) -> Any:
    return import_events(list(lines), source="test.jsonl")


def test_person_registered_creates_then_updates_person() -> None:
    report = run(line("p1", "person.registered", surname="Jones", forenames="Sam", date_of_birth="1980-01-02"),
                 line("p2", "person.registered", surname="Smith", forenames="Sam", date_of_birth="1980-01-02"))
    assert (report.stored, report.applied, report.refused) == (2, 2, [])
    person = Person.objects.get(nino=NINO)
    assert person.surname == "Smith" and person.date_of_birth == date(1980, 1, 2)
    assert InboundEvent.objects.filter(applied=True).count() == 2


def registration(event_id: str, occurred_on: str, surname: str, born: str) -> str:
    return line(event_id, "person.registered", occurred_on=occurred_on, surname=surname, forenames="Ann",
                date_of_birth=born)


def held_registration() -> tuple[str, date | None, date | None]:
    person = Person.objects.get(nino=NINO)
    return person.surname, person.date_of_birth, person.registered_on


def test_a_registration_dated_before_the_one_held_is_stored_without_overwriting_it() -> None:
    """events.md §2 (``person.registered`` creates or updates the person; §1 ``occurred_on``: when the fact
    took effect): a registration dated before the one whose details are held arrives late and is older news.
    It is stored (nothing received is lost) and reported as stored, not applied; the later details stand, as
    a late older ``award.changed`` leaves the fields a later change set. A later one updates them."""
    report = run(registration("r2", "2026-02-01", "Newname", "1980-01-01"),
                 registration("r1", "2026-01-01", "Oldname", "1990-06-01"))
    assert (report.stored, report.applied, report.refused) == (2, 1, [])
    assert held_registration() == ("Newname", date(1980, 1, 1), date(2026, 2, 1))
    assert not InboundEvent.objects.get(event_id="r1").applied
    report = run(line("x1", "person.died", occurred_on="2026-03-01", date_of_death="1985-01-01"),
                 registration("r3", "2026-03-02", "Latest", "1980-01-01"))
    assert report.ok and held_registration() == ("Latest", date(1980, 1, 1), date(2026, 3, 2))


def test_a_registration_dated_the_same_day_as_the_one_held_replaces_it() -> None:
    """Two registrations of one day: the one imported later is taken as the correction (later import wins)."""
    run(registration("r1", "2026-01-01", "First", "1980-01-01"))
    report = run(registration("r2", "2026-01-01", "Second", "1981-01-01"))
    assert (report.stored, report.applied) == (1, 1)
    assert held_registration() == ("Second", date(1981, 1, 1), date(2026, 1, 1))


def test_a_registration_dated_before_the_one_held_is_not_judged_against_a_date_of_death() -> None:
    """An older registration changes nothing held, so its date of birth is not checked against the date of
    death, which was checked against the registration in force: the outcome is the same whichever of the
    death and the older registration is reported first."""
    run(registration("r2", "2026-02-01", "Newname", "1980-01-01"),
        line("x1", "person.died", occurred_on="2026-03-01", date_of_death="1985-01-01"))
    report = run(registration("r1", "2026-01-01", "Oldname", "1990-06-01"))
    assert (report.stored, report.applied, report.refused) == (1, 0, [])
    assert held_registration() == ("Newname", date(1980, 1, 1), date(2026, 2, 1))


def test_a_person_registered_by_an_earlier_release_holds_the_date_of_the_last_registration_imported() -> None:
    """Migration ``store.0008``: an earlier release overwrote the person with each registration it imported,
    so the details held are the last imported one's, and ``registered_on`` is its ``occurred_on``; a person
    never registered keeps none."""
    import importlib

    from django.db import connection

    migration = importlib.import_module("dms.store.migrations.0008_person_registered_on")
    run(registration("r2", "2026-02-01", "Newname", "1980-01-01"),
        registration("r1", "2026-01-01", "Oldname", "1990-06-01"),
        line("a9", "award.started", nino=OTHER, award_ref="UC9", benefit="UC", start_date="2025-04-07",
             uc={"claimant_type": "SINGLE_25_OR_OVER", "assessment_period_day": 7}))
    Person.objects.update(registered_on=None)  # as the earlier release left them: r1 imported last, held
    Person.objects.filter(nino=NINO).update(surname="Oldname", date_of_birth=date(1990, 6, 1))
    with connection.cursor() as cursor:
        cursor.execute(migration.FORWARD)
    assert dict(Person.objects.values_list("nino", "registered_on")) == {NINO: date(2026, 1, 1), OTHER: None}


def test_award_started_creates_unknown_person_and_uc_award_with_partner() -> None:
    report = run(uc_award(partner_nino=OTHER, claimant_type="JOINT_25_OR_OVER"), jsa_award())
    assert report.applied == 2 and report.ok
    award = Award.objects.get(award_ref="UC1")
    assert (award.benefit, award.claimant_type, award.assessment_period_day) == ("UC", "JOINT_25_OR_OVER", 7)
    assert award.person.nino == NINO and award.partner is not None and award.partner.nino == OTHER
    legacy = Award.objects.get(award_ref="JSA1")
    assert (legacy.weekly_amount_pence, legacy.pay_frequency) == (9050, "FORTNIGHTLY")


def test_award_started_twice_with_same_award_ref_refused() -> None:
    report = run(uc_award(), uc_award(event_id="a9"))
    assert [r.line_number for r in report.refused] == [2]
    assert "already started" in report.refused[0].reason
    assert not InboundEvent.objects.filter(event_id="a9").exists()


def test_same_event_id_same_content_again_changes_nothing() -> None:
    first = run(uc_award(), referral())
    again = run(referral(), uc_award())
    assert first.stored == 2 and (again.stored, again.unchanged, again.refused) == (0, 2, [])
    assert Debt.objects.count() == 1 and InboundEvent.objects.count() == 2


def test_same_event_id_same_content_in_other_key_order_is_unchanged() -> None:
    run(uc_award())
    reordered = json.dumps(dict(reversed(list(json.loads(uc_award()).items()))))
    assert run(reordered).unchanged == 1


def test_same_event_id_with_other_content_refused_as_conflict() -> None:
    run(referral())
    report = run(referral(amount="400.00"))
    assert len(report.refused) == 1 and "other content" in report.refused[0].reason
    assert report.refused[0].event_id == "d1"
    assert Debt.objects.get().amount_pence == 30000


def test_event_stored_whole_with_sha256_of_its_meaning() -> None:
    run(referral(extra_field={"kept": True}))
    stored = InboundEvent.objects.get(event_id="d1")
    payload = json.loads(referral(extra_field={"kept": True}))
    assert stored.payload == payload and stored.content_sha256 == content_sha256(parse_event(payload))
    assert (stored.type, stored.nino, stored.occurred_on, stored.source) == (
        "debt.referred", NINO, date(2025, 4, 8), "test.jsonl:1")


def test_replay_same_id_same_content_other_unknown_field_changes_nothing() -> None:
    """events.md §1: unknown fields are ignored, so an event that differs only in one is the same content."""
    run(referral(extra_field={"kept": True}))
    report = run(referral(extra_field={"kept": False}, another="x"), referral())
    assert (report.unchanged, report.refused) == (2, [])
    assert run(referral(amount="400.00")).refused[0].event_id == "d1"  # a known field differs: a conflict


def test_replay_same_id_same_content_of_an_event_stored_with_its_raw_hash_changes_nothing() -> None:
    """An event stored by an earlier release holds the SHA-256 of its raw JSON: a replay with the same
    meaning is still unchanged, with other content still refused."""
    run(referral(extra_field={"kept": True}))
    raw = hashlib.sha256(canonical_json(json.loads(referral(extra_field={"kept": True}))).encode()).hexdigest()
    InboundEvent.objects.filter(event_id="d1").update(content_sha256=raw)
    assert run(referral(extra_field={"kept": True})).unchanged == 1
    assert run(referral()).unchanged == 1
    assert "other content" in run(referral(amount="400.00")).refused[0].reason


def test_debt_referred_creates_debt_with_joint_person_and_agreed_amount() -> None:
    report = run(referral(debt_type="SOCIAL_FUND_LOAN", joint_nino=OTHER, agreed_amount="20.00"))
    assert report.applied == 1
    debt = Debt.objects.get()
    assert (debt.creditor.kind, debt.creditor_ref, debt.amount_pence, debt.status) == ("DWP", "BA1", 30000, "OPEN")
    assert debt.received_on == date(2025, 4, 8) and debt.created_on == date(2025, 4, 1)
    assert debt.joint_person is not None and debt.joint_person.nino == OTHER and debt.agreed_amount_pence == 2000
    assert account_balance(AccountKey(AccountKind.RECEIVABLE, debt.pk)) == 30000


def test_debt_referred_with_creditor_ref_still_open_refused() -> None:
    report = run(referral(), referral(event_id="d2", amount="50.00"))
    assert [r.line_number for r in report.refused] == [2] and "already has an open debt" in report.refused[0].reason
    assert Debt.objects.count() == 1 and not InboundEvent.objects.filter(event_id="d2").exists()


def test_debt_revised_and_withdrawn_apply_to_the_held_debt() -> None:
    report = run(
        referral(),
        line("r1", "debt.revised", creditor="DWP", creditor_ref="BA1", amount="250.00"),
        line("w1", "debt.withdrawn", creditor="DWP", creditor_ref="BA1", reason="referred in error"),
    )
    assert report.applied == 3 and report.ok
    debt = Debt.objects.get()
    assert (debt.amount_pence, debt.status) == (25000, "WITHDRAWN")
    assert account_balance(AccountKey(AccountKind.RECEIVABLE, debt.pk)) == 0 and check_ledger().ok


@pytest.mark.parametrize("kind", ["debt.revised", "debt.withdrawn"])
def test_debt_revised_or_withdrawn_dated_after_the_next_run_date_applies_on_its_date(kind: str) -> None:
    """events.md §1 (``occurred_on``: when the fact took effect) and the Decision in docs/events-notes.md: a
    revision or withdrawal dated after the next run date is kept, the debt untouched, and the daily run applies
    it on its date; one for a debt that has left DMS by then changes nothing. A debt it names that is not held
    is refused at import."""
    from dms.services.recovery_events import apply_life_events

    run(referral())
    RunDay.objects.create(run_date=date(2025, 5, 10), completed=True)
    fields = {"amount": "50.00"} if kind == "debt.revised" else {"reason": "raised in error"}
    report = run(line("x1", kind, occurred_on="2025-12-01", creditor="DWP", creditor_ref="BA1", **fields))
    assert report.ok and (report.stored, report.applied) == (1, 0)
    debt = Debt.objects.get()
    assert (debt.amount_pence, debt.status) == (30000, "OPEN")
    assert apply_life_events(date(2025, 11, 30)).get(kind) is None
    assert apply_life_events(date(2025, 12, 1))[kind] == 1
    debt.refresh_from_db()
    assert (debt.amount_pence, debt.status) == ((5000, "OPEN") if kind == "debt.revised" else (30000, "WITHDRAWN"))
    assert InboundEvent.objects.get(event_id="x1").effect_date == date(2025, 12, 1) and check_ledger().ok
    refused = run(line("x2", kind, occurred_on="2025-12-02", creditor="DWP", creditor_ref="NOPE", **fields))
    assert "no debt with this reference" in refused.refused[0].reason


def test_a_debt_change_kept_for_its_date_changes_nothing_when_its_debt_has_left_dms_by_then() -> None:
    from dms.services.recovery_events import apply_life_events

    run(referral())
    RunDay.objects.create(run_date=date(2025, 5, 10), completed=True)
    assert run(line("x1", "debt.revised", occurred_on="2025-12-01", creditor="DWP", creditor_ref="BA1",
                    amount="50.00")).ok
    assert run(line("w1", "debt.withdrawn", occurred_on="2025-05-11", creditor="DWP", creditor_ref="BA1",
                    reason="raised in error")).applied == 1
    counts = apply_life_events(date(2025, 12, 1))
    assert counts["debt_changes_for_debts_gone"] == 1 and InboundEvent.objects.get(event_id="x1").applied
    assert Debt.objects.get().amount_pence == 30000


def test_a_backdated_revision_takes_effect_on_the_last_run_date_not_in_a_month_already_scheduled() -> None:
    """The Decision in docs/events-notes.md (hb-debt-interface.md §7: a month's schedule, once written, is
    paid): a ``debt.revised`` dated before the last completed run date is posted on that date, so a credit it
    gives an LA's debt reaches that LA's next schedule rather than a month already paid."""
    run(referral())
    RunDay.objects.create(run_date=date(2025, 11, 5), completed=True)
    report = run(line("r1", "debt.revised", occurred_on="2025-10-15", creditor="DWP", creditor_ref="BA1",
                      amount="250.00"))
    assert report.ok and report.applied == 1
    assert list(JournalEntry.objects.filter(kind=EntryKind.REVISION).values_list("business_date", flat=True)) == [
        date(2025, 11, 5)]


def test_debt_revised_down_below_recovered_refunds_the_excess() -> None:
    run(referral())
    debt = Debt.objects.get()
    post_entries([build_entry(EntryKind.DEDUCTION, date(2025, 5, 1), [
        Posting(AccountKey(AccountKind.BENEFIT_RECOVERIES), 20000),
        Posting(AccountKey(AccountKind.RECEIVABLE, debt.pk), -20000),
        Posting(AccountKey(AccountKind.CREDITOR_DEBTS, debt.creditor_id), 20000),
        Posting(AccountKey(AccountKind.CREDITOR_PAYABLE, debt.creditor_id), -20000),
    ])])
    report = run(line("r1", "debt.revised", creditor="DWP", creditor_ref="BA1", amount="150.00"))
    assert report.applied == 1
    debt.refresh_from_db()
    assert debt_service.debt_figures([debt])[debt.pk] == (15000, 15000, 0)
    assert account_balance(AccountKey(AccountKind.PERSON_REFUND_DUE, debt.person_id)) == -5000


@pytest.mark.parametrize(
    ("bad", "reason"),
    [(line("r1", "debt.revised", creditor="DWP", creditor_ref="NOPE", amount="1.00"), "no debt with this reference"),
     (line("r1", "debt.revised", nino=OTHER, creditor="DWP", creditor_ref="BA1", amount="1.00"), "another person"),
     (line("e1", "award.ended", award_ref="NOPE", end_date="2025-05-01", reason="AWARD_ENDED"), "not known"),
     (line("u1", "benefit.payment_missed", award_ref="UC1", pay_date="2025-05-01"), "Universal Credit award"),
     (line("c1", "award.changed", award_ref="UC1", legacy={"weekly_amount": "1.00"}), "weekly_amount: award UC1 is a UC award"),
     (line("e1", "award.ended", award_ref="UC1", end_date="2025-01-01", reason="AWARD_ENDED"), "before award"),
     (line("pm", "payment.received", amount="1.00", received_on="2025-04-07", channel="CARD",
           la_id="005920", debt_ref="HB1"), "no such LA debt")],
)
def test_event_referring_to_unknown_or_mismatched_record_refused(bad: str, reason: str) -> None:
    run(uc_award(), referral())
    report = run(bad)
    assert len(report.refused) == 1 and reason in report.refused[0].reason
    assert InboundEvent.objects.count() == 2


def test_refused_event_is_whole_or_nothing() -> None:
    """A debt.referred that fails after the person is created leaves no person, debt, entry or event."""
    run(referral())
    report = run(referral(event_id="d2", nino=OTHER))  # BA1 is still open for DWP
    assert len(report.refused) == 1
    assert not Person.objects.filter(nino=OTHER).exists()
    assert Debt.objects.count() == 1 and InboundEvent.objects.count() == 1


def test_other_types_are_stored_unapplied_for_the_daily_run_and_periods_held() -> None:
    run(uc_award(), jsa_award(), referral(), line("p", "person.registered", surname="J", forenames="S",
                                                  date_of_birth="1980-01-01"))
    report = run(
        line("ap", "uc.assessment_period", award_ref="UC1", period_start="2025-04-07", period_end="2025-05-06",
             payment_date="2025-05-13", award_amount="400.14", earnings_over_work_allowance=False,
             sanction_amount="0.00", fraud_penalty_amount="0.00", third_party=[]),
        line("pm", "benefit.payment_missed", award_ref="JSA1", pay_date="2025-05-05"),
        line("dd", "person.died", occurred_on="2025-06-01", date_of_death="2025-06-01"),
        line("ps", "person.sanction", rate_percent=100, start_date="2025-05-01", duration_weeks=13),
        line("pi", "person.insolvency", kind="BREATHING_SPACE", start_date="2025-05-01"),
        line("pr", "payment.received", amount="10.00", received_on="2025-04-07", channel="CARD",
             creditor="DWP", creditor_ref="BA1"),
    )
    assert (report.stored, report.applied, report.refused) == (6, 1, [])  # the period is held at once
    kept = set(InboundEvent.objects.filter(applied=False).values_list("type", flat=True))
    assert kept == {"benefit.payment_missed", "person.died", "person.sanction", "person.insolvency",
                    "payment.received"}
    assert Person.objects.get(nino=NINO).date_of_death == date(2025, 6, 1)


def test_award_ended_sets_end_date_and_reason() -> None:
    run(uc_award())
    report = run(line("e1", "award.ended", award_ref="UC1", end_date="2025-06-30", reason="CLAIM_CEASED"))
    assert report.applied == 1
    award = Award.objects.get()
    assert (award.end_date, award.end_reason) == (date(2025, 6, 30), "CLAIM_CEASED")


def test_award_changed_after_last_run_waits_for_the_daily_run() -> None:
    run(jsa_award())
    report = run(line("c1", "award.changed", occurred_on="2025-05-01", award_ref="JSA1",
                      legacy={"weekly_amount": "95.55", "pay_frequency": "WEEKLY"}))
    assert (report.stored, report.applied) == (1, 0)
    assert Award.objects.get().weekly_amount_pence == 9050
    assert apply_due_award_changes(date(2025, 4, 30)) == 0
    assert apply_due_award_changes(date(2025, 5, 1)) == 1
    award = Award.objects.get()
    assert (award.weekly_amount_pence, award.pay_frequency) == (9555, "WEEKLY")
    event = InboundEvent.objects.get(event_id="c1")
    assert event.applied and event.effect_date == date(2025, 5, 1)
    assert apply_due_award_changes(date(2025, 5, 2)) == 0
    assert AwardChange.objects.get().applied_on == date(2025, 5, 1)


def test_award_changed_on_or_before_last_completed_run_applies_now() -> None:
    RunDay.objects.create(run_date=date(2025, 5, 10), completed=True)
    run(uc_award())
    report = run(line("c1", "award.changed", occurred_on="2025-05-01", award_ref="UC1",
                      uc={"assessment_period_day": 15, "partner_nino": OTHER, "claimant_type": "JOINT_25_OR_OVER"}))
    assert report.applied == 1
    award = Award.objects.get()
    assert award.assessment_period_day == 15 and award.partner is not None and award.partner.nino == OTHER


def test_bad_json_and_bad_utf8_lines_refused_with_line_numbers_others_applied() -> None:
    report = import_events([uc_award().encode(), b"{not json", b"\xff\xfe", b"", referral().encode()], "f.jsonl")
    assert [(r.line_number, r.reason.split(" (")[0]) for r in report.refused] == [
        (2, "not valid JSON"), (3, "not UTF-8")]
    assert report.applied == 2 and report.lines == 5


@pytest.mark.parametrize(("bad", "reason"), [
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ('{"event_id": "x", "type": "person.sanction", "duration_weeks": ' + "9" * 5000 + "}",
     "duration_weeks: a number of 5,000 digits is too long"),
    ('{"event_id": "x", "type": "person.registered", "occurred_on": "2025-04-07", "nino": "AB123456C", '
     '"surname": "Sm\\ud800ith", "forenames": "A", "date_of_birth": "1980-01-01"}', "surname: holds an escaped lone"),
    ('{"event_id": "x", "type": "debt.referred", "occurred_on": "2025-04-08", "nino": "AB123456C", "creditor": "DWP", '
     '"creditor_ref": "BA\\u00009", "debt_type": "OVERPAYMENT", "classification": "NON_FRAUD", "amount": "10.00", '
     '"created_on": "2025-04-01"}', "creditor_ref: holds a NUL character"),
    ('{"event_id": "x", "type": "person.sanction", "occurred_on": "2025-04-07", "nino": "AB123456C", '
     '"rate_percent": 40, "start_date": "2025-06-01", "duration_weeks": 4, "extra": ' + "[" * 600 + "]" * 600 + "}",
     "nested more than 32 levels"),
])
def test_unreadable_line_refused_with_its_line_number_and_the_lines_around_it_applied(bad: str, reason: str) -> None:
    """events.md §1: a file import applies every valid event and reports each refused one with its line
    number: a line too deep, too long a number or a lone surrogate is refused alone, never the file."""
    report = import_events([uc_award(), bad, referral()], "f.jsonl")
    assert [r.line_number for r in report.refused] == [2] and reason in report.refused[0].reason
    assert report.applied == 2 and Debt.objects.count() == 1


@pytest.mark.parametrize(("field", "value"), [
    ("occurred_on", "0001-01-01"), ("date_of_birth", "1899-12-31"), ("date_of_birth", "2200-01-01"),
])
def test_event_dates_outside_the_years_dms_works_in_refused(field: str, value: str) -> None:
    """events.md §1 (dates; the years of ``dms.calendar.YEARS``, 1900 to 2199, as for business dates)."""
    event = {"surname": "Smith", "forenames": "A", "date_of_birth": "1980-01-01", field: value}
    report = import_events([line("p1", "person.registered", **event)], "f.jsonl")
    assert len(report.refused) == 1 and f"{field}: '{value}': the year must be from 1900 to 2199" in \
        report.refused[0].reason


def test_moratorium_end_date_far_in_the_future_refused_not_a_stuck_run() -> None:
    """events.md §1: 9999-12-31 as a moratorium's end would leave no day after it to resume on."""
    report = import_events([line("i1", "person.insolvency", kind="MENTAL_HEALTH_CRISIS_MORATORIUM",
                                 start_date="2025-04-01", end_date="9999-12-31")], "f.jsonl")
    assert len(report.refused) == 1 and "end_date" in report.refused[0].reason
    assert not InboundEvent.objects.exists()


def test_award_changed_new_values_from_occurred_on_a_late_earlier_change_keeps_later_dated_values() -> None:
    """events.md §2 ``award.changed``: new values from ``occurred_on``. Change A (from 2026-01-10) is in
    force; change B, dated 2026-01-08 but reported after the run of 2026-01-12, must not overwrite the pay
    frequency A set; the weekly amount, which B alone changes, applies."""
    run(jsa_award())
    run(line("cA", "award.changed", occurred_on="2026-01-10", award_ref="JSA1", legacy={"pay_frequency": "WEEKLY"}))
    assert apply_due_award_changes(date(2026, 1, 12)) == 1
    RunDay.objects.create(run_date=date(2026, 1, 12), completed=True)
    report = run(line("cB", "award.changed", occurred_on="2026-01-08", award_ref="JSA1",
                      legacy={"pay_frequency": "MONTHLY", "weekly_amount": "95.55"}))
    assert (report.applied, report.refused) == (1, [])
    award = Award.objects.get()
    assert (award.pay_frequency, award.weekly_amount_pence) == ("WEEKLY", 9555)
    assert AwardChange.objects.get(event_id="cB").applied_on == date(2026, 1, 12)
    assert InboundEvent.objects.get(event_id="cB").applied


def test_award_changed_new_values_from_occurred_on_same_date_later_arrival_wins() -> None:
    """Two changes effective the same day: the one received later holds the newer values (events.md §2)."""
    RunDay.objects.create(run_date=date(2026, 1, 12), completed=True)
    run(jsa_award())
    run(line("cA", "award.changed", occurred_on="2026-01-10", award_ref="JSA1", legacy={"pay_frequency": "WEEKLY"}))
    run(line("cB", "award.changed", occurred_on="2026-01-10", award_ref="JSA1", legacy={"pay_frequency": "MONTHLY"}))
    assert Award.objects.get().pay_frequency == "MONTHLY"


def test_award_changed_new_values_from_occurred_on_a_later_dated_change_still_applies_after_an_earlier() -> None:
    """A change dated later than one already applied (reported late or not) overwrites it."""
    RunDay.objects.create(run_date=date(2026, 1, 12), completed=True)
    run(uc_award())
    run(line("cA", "award.changed", occurred_on="2026-01-08", award_ref="UC1", uc={"assessment_period_day": 15}))
    run(line("cB", "award.changed", occurred_on="2026-01-10", award_ref="UC1",
             uc={"assessment_period_day": 20, "partner_nino": OTHER, "claimant_type": "JOINT_25_OR_OVER"}))
    run(line("cC", "award.changed", occurred_on="2026-01-09", award_ref="UC1", uc={"partner_nino": NINO_3,
                                                                                  "claimant_type": "JOINT_25_OR_OVER"}))
    award = Award.objects.select_related("partner").get()
    assert award.assessment_period_day == 20 and award.partner is not None and award.partner.nino == OTHER
    assert award.claimant_type == "JOINT_25_OR_OVER"


def test_uc_assessment_period_starting_after_the_awards_end_date_refused() -> None:
    """events.md §2 ``award.ended``: no benefit in payment after ``end_date``, so no assessment period of the
    award starts after it: the report is refused, saying why, and nothing is held."""
    run(uc_award())
    run(line("e1", "award.ended", award_ref="UC1", end_date="2025-06-30", reason="AWARD_ENDED"))
    report = run(line("ap", "uc.assessment_period", award_ref="UC1", period_start="2025-07-01",
                      period_end="2025-07-31", payment_date="2025-08-07", award_amount="400.14",
                      earnings_over_work_allowance=False, sanction_amount="0.00", fraud_penalty_amount="0.00",
                      third_party=[]))
    assert [(r.line_number, r.event_id) for r in report.refused] == [(1, "ap")]
    reason = report.refused[0].reason
    assert "period_start 2025-07-01" in reason and "ended on 2025-06-30" in reason and "UC1" in reason
    assert not AssessmentPeriod.objects.exists() and not InboundEvent.objects.filter(event_id="ap").exists()


def test_uc_assessment_period_containing_the_awards_end_date_is_held() -> None:
    """The award's final period (the one its end date falls in, paid after it) is still held and taken."""
    run(uc_award())
    run(line("e1", "award.ended", award_ref="UC1", end_date="2025-06-20", reason="AWARD_ENDED"))
    report = run(line("ap", "uc.assessment_period", award_ref="UC1", period_start="2025-06-07",
                      period_end="2025-07-06", payment_date="2025-07-13", award_amount="400.14",
                      earnings_over_work_allowance=False, sanction_amount="0.00", fraud_penalty_amount="0.00",
                      third_party=[]))
    assert report.ok and AssessmentPeriod.objects.count() == 1


def test_a_single_claimant_s_award_names_no_partner() -> None:
    """events.md §2 claimant types: a SINGLE claimant's award has no partner (a couple claims jointly, UC
    Regs 2013 reg 3). A partner given with a single claimant type is refused, saying why; a change to a
    single claimant type ends the partnership on the award."""
    refused = run(uc_award(partner_nino=OTHER))
    assert not refused.ok and "has no partner" in refused.refused[0].reason and not Award.objects.exists()
    RunDay.objects.create(run_date=date(2025, 5, 10), completed=True)
    run(uc_award(partner_nino=OTHER, claimant_type="JOINT_25_OR_OVER"))
    report = run(line("c1", "award.changed", occurred_on="2025-05-01", award_ref="UC1",
                      uc={"claimant_type": "SINGLE_25_OR_OVER"}))
    assert report.applied == 1
    award = Award.objects.get()
    assert award.claimant_type == "SINGLE_25_OR_OVER" and award.partner is None
    again = run(line("c2", "award.changed", occurred_on="2025-05-02", award_ref="UC1", uc={"partner_nino": OTHER}))
    assert not again.ok and "has no partner" in again.refused[0].reason
    both = run(line("c3", "award.changed", occurred_on="2025-05-02", award_ref="UC1",
                    uc={"partner_nino": OTHER, "claimant_type": "SINGLE_UNDER_25"}))
    assert not both.ok and "has no partner" in both.refused[0].reason


def test_a_partner_is_refused_for_an_award_a_pending_change_makes_single_and_same_day_changes_all_apply() -> None:
    """A change to a single claimant type not yet reached by the run still makes a later partner change a
    contradiction (refused); and several changes applied on one run day each keep what the others set."""
    from dms.services.events import apply_due_award_changes

    run(uc_award(partner_nino=OTHER, claimant_type="JOINT_25_OR_OVER"))
    assert run(line("c1", "award.changed", occurred_on="2025-10-15", award_ref="UC1",
                    uc={"claimant_type": "SINGLE_25_OR_OVER"})).ok
    later = run(line("c2", "award.changed", occurred_on="2025-11-05", award_ref="UC1", uc={"partner_nino": OTHER}))
    assert not later.ok and "has no partner" in later.refused[0].reason
    assert run(line("c3", "award.changed", occurred_on="2025-10-15", award_ref="UC1",
                    uc={"assessment_period_day": 20})).ok
    apply_due_award_changes(date(2025, 10, 20))
    award = Award.objects.get()
    assert (award.claimant_type, award.partner, award.assessment_period_day) == ("SINGLE_25_OR_OVER", None, 20)


def _period(event_id: str, start: str, end: str, paid: str) -> str:
    return line(event_id, "uc.assessment_period", award_ref="UC1", period_start=start, period_end=end,
                payment_date=paid, award_amount="400.14", earnings_over_work_allowance=False,
                sanction_amount="0.00", fraud_penalty_amount="0.00", third_party=[])


def test_assessment_period_fits_its_award_before_start_overlap_and_payment_date_refused() -> None:
    """events.md §2: UC is in payment from the award's start_date, and DMS takes a period's deductions from
    its payment: a period before the award started, one overlapping a period held (each would take up to
    the cap from the same weeks), and a payment date before the period ends are refused, saying why."""
    run(uc_award())
    report = run(_period("ok", "2025-04-07", "2025-05-06", "2025-05-13"),
                 _period("before", "2025-03-07", "2025-04-06", "2025-04-13"),
                 _period("overlap", "2025-04-21", "2025-05-20", "2025-05-27"),
                 _period("paid-early", "2025-05-07", "2025-06-06", "2025-06-01"))
    reasons = {r.event_id: r.reason for r in report.refused}
    assert report.stored == 1 and set(reasons) == {"before", "overlap", "paid-early"}
    assert "before award_ref 'UC1' started, on 2025-04-07" in reasons["before"]
    assert "overlaps the assessment period" in reasons["overlap"] and "'ok'" in reasons["overlap"]
    assert "payment_date: 2025-06-01 is before period_end 2025-06-06" in reasons["paid-early"]


def test_assessment_period_is_a_month_long_uc_regs_2013_reg_21() -> None:
    """UC Regs 2013 reg 21 (an assessment period is a month; reg 21(2)(b): for period days 29 and 30, February's
    begins on the 27th, or the 28th in a leap year; reg 21A: an award's first period may be shorter) and
    recovery-rules.md §2 (the overall cap is per assessment period): a report of a week after the first, or
    of more than a month, is refused; a short first period and reg 21's February periods are held."""
    run(line("a1", "award.started", award_ref="UC1", benefit="UC", start_date="2026-01-20",
             uc={"claimant_type": "SINGLE_25_OR_OVER", "assessment_period_day": 29}))
    report = run(_period("first", "2026-01-20", "2026-01-28", "2026-02-04"),  # reg 21A: a short first period
                 _period("jan", "2026-01-29", "2026-02-26", "2026-03-05"),  # reg 21(2)(b): 29 days
                 _period("feb", "2026-02-27", "2026-03-28", "2026-04-04"),  # 30 days
                 _period("week", "2026-03-29", "2026-04-04", "2026-04-11"),
                 _period("long", "2026-04-05", "2026-05-12", "2026-05-19"))
    assert {r.event_id for r in report.refused} == {"week", "long"} and report.stored == 3
    reasons = {r.event_id: r.reason for r in report.refused}
    assert "is 7 days long" in reasons["week"] and "28 to 31" in reasons["week"]
    from dms.services.events import fits_assessment_period_length

    assert fits_assessment_period_length(date(2028, 1, 29), date(2028, 2, 27), date(2027, 1, 29))  # leap year
    assert fits_assessment_period_length(date(2025, 1, 31), date(2025, 2, 27), date(2024, 1, 31))
    assert not fits_assessment_period_length(date(2025, 5, 8), date(2025, 5, 21), date(2025, 5, 1))


def test_assessment_period_follows_its_award_s_period_day_uc_regs_2013_reg_21() -> None:
    """events.md §2 (``assessment_period_day``: the day each assessment period starts) and UC Regs 2013 reg 21,
    with recovery-rules.md §2 (the overall cap is per assessment period): an award starting on its period day
    has no short first period, and a period off its cycle is refused, naming the field, so that two cycles
    never take the cap twice from one month's UC. A period day set by ``award.changed`` is followed too."""
    run(line("a1", "award.started", award_ref="UC1", benefit="UC", start_date="2025-05-01",
             uc={"claimant_type": "SINGLE_25_OR_OVER", "assessment_period_day": 1}))
    report = run(_period("short", "2025-05-01", "2025-05-14", "2025-05-21"),
                 _period("off", "2025-05-15", "2025-06-14", "2025-06-21"),
                 _period("may", "2025-05-01", "2025-05-31", "2025-06-07"),
                 _period("june", "2025-06-01", "2025-06-30", "2025-07-07"))
    reasons = {r.event_id: r.reason for r in report.refused}
    assert set(reasons) == {"short", "off"} and report.stored == 2
    assert reasons["short"].startswith("period_end 2025-05-14 is not the day before")
    assert reasons["off"].startswith("period_start 2025-05-15 is not a day an assessment period")
    assert "period day 1" in reasons["off"]
    assert run(line("c1", "award.changed", occurred_on="2025-07-01", award_ref="UC1",
                    uc={"assessment_period_day": 15})).ok
    assert run(_period("july", "2025-07-15", "2025-08-14", "2025-08-21")).ok


def test_a_field_given_twice_in_one_object_refused_naming_it() -> None:
    """events.md §1 (a malformed field refuses the event, naming it) and RFC 8259 §4: ``"amount"`` given twice
    (the second a forbidden JSON number, or another amount) is refused, not one value taken quietly; so is a
    repeated field inside a nested object."""
    twice = line("d1", "debt.referred", creditor="DWP", creditor_ref="D1", debt_type="OVERPAYMENT",
                 classification="NON_FRAUD", amount="500.00", created_on="2025-04-01")
    report = run(twice[:-1] + ', "amount": "5.00"}',
                 twice.replace('"d1"', '"d2"').replace('"D1"', '"D2"')[:-1] + ', "amount": 500.00}',
                 line("a1", "award.started", award_ref="UC1", benefit="UC", start_date="2025-04-07",
                      uc={"claimant_type": "SINGLE_25_OR_OVER", "assessment_period_day": 7})[:-2]
                 + ', "assessment_period_day": 8}}')
    assert [r.line_number for r in report.refused] == [1, 2, 3] and report.stored == 0
    assert all("given more than once" in r.reason for r in report.refused)
    assert report.refused[0].reason.startswith("amount:")
    assert "assessment_period_day" in report.refused[2].reason


def test_json_nan_infinity_and_oversized_lines_refused_with_a_reason() -> None:
    """events.md §1 (JSON); README: errors say what is wrong and how to fix it."""
    nan = line("n1", "person.registered", surname="J", forenames="S", date_of_birth="1980-01-01")[:-1] + ', "x": NaN}'
    big = line("b1", "person.registered", surname="J", forenames="S", date_of_birth="1980-01-01",
               extra="x" * (2 * 1024 * 1024))
    report = run(nan, big)
    reasons = [r.reason for r in report.refused]
    assert "NaN is not a JSON number" in reasons[0] and "over the 1,048,576 bytes (1 MiB)" in reasons[1]
    assert not InboundEvent.objects.exists()


def test_death_dates_that_contradict_each_other_refused() -> None:
    """events.md §1 (``occurred_on``: the date the fact took effect): a death dated after its own
    ``occurred_on`` is refused, naming ``date_of_death``; and an award starting after its holder's death held
    is refused (no benefit starts after death)."""
    report = run(line("d1", "person.died", occurred_on="2025-05-01", date_of_death="2025-09-01"),
                 line("d2", "person.died", nino=OTHER, occurred_on="2025-04-16", date_of_death="2025-04-16"),
                 line("a2", "award.started", nino=OTHER, occurred_on="2025-04-20", award_ref="UC2", benefit="UC",
                      start_date="2025-04-20",
                      uc={"claimant_type": "SINGLE_25_OR_OVER", "assessment_period_day": 20}))
    reasons = {r.event_id: r.reason for r in report.refused}
    assert set(reasons) == {"d1", "a2"}
    assert "date_of_death: 2025-09-01 is after occurred_on 2025-05-01" in reasons["d1"]
    assert "after the person's death on 2025-04-16" in reasons["a2"]


def test_person_dates_that_contradict_each_other_refused() -> None:
    """A person is registered after they are born, and dies after it, whichever is reported first."""
    report = run(line("p1", "person.registered", surname="J", forenames="S", date_of_birth="2030-01-01"),
                 line("p2", "person.registered", surname="J", forenames="S", date_of_birth="1980-01-01"),
                 line("d1", "person.died", date_of_death="1979-01-01"),
                 line("d2", "person.died", nino=OTHER, date_of_death="2020-01-01"),
                 line("p3", "person.registered", nino=OTHER, surname="J", forenames="S", date_of_birth="2021-05-05"))
    assert [r.event_id for r in report.refused] == ["p1", "d1", "p3"]


def test_created_on_after_occurred_on_is_refused_at_import_with_its_line_and_nothing_held() -> None:
    """events.md §3: a debt is created before it is referred. A ``debt.referred`` created after its own
    ``occurred_on`` is refused with its line number and holds nothing (no person, debt or ledger entry);
    the lines around it are taken."""
    late = line("r1", "debt.referred", occurred_on="2025-04-08", nino=OTHER, creditor="DWP", creditor_ref="BA1",
                debt_type="OVERPAYMENT", classification="NON_FRAUD", amount="10.00", created_on="2025-06-01")
    report = run(uc_award(), late, referral("d2", ref="BA2"))
    assert [(r.line_number, r.event_id) for r in report.refused] == [(2, "r1")]
    assert "created_on: 2025-06-01 is after occurred_on 2025-04-08" in report.refused[0].reason
    assert list(Debt.objects.values_list("creditor_ref", flat=True)) == ["BA2"]
    assert not Person.objects.filter(nino=OTHER).exists() and not InboundEvent.objects.filter(event_id="r1").exists()


def test_a_debt_referred_before_a_death_dated_later_is_not_sent_to_the_estate() -> None:
    """recovery-rules.md §6: the estate is for the debts of one who has died. A death dated after the day a
    debt is referred leaves it in recovery until the daily run reaches the death."""
    run(line("d1", "person.died", occurred_on="2026-01-01", date_of_death="2026-01-01"))
    run(line("r1", "debt.referred", occurred_on="2025-06-01", creditor="DWP", creditor_ref="BA1",
             debt_type="OVERPAYMENT", classification="NON_FRAUD", amount="10.00", created_on="2025-05-01"),
        line("r2", "debt.referred", occurred_on="2026-02-01", creditor="DWP", creditor_ref="BA2",
             debt_type="OVERPAYMENT", classification="NON_FRAUD", amount="10.00", created_on="2025-05-01"))
    assert dict(Debt.objects.values_list("creditor_ref", "status")) == {"BA1": "OPEN", "BA2": "ESTATE"}


def test_refusals_name_what_is_really_wrong_another_persons_award_and_a_withdrawn_debt() -> None:
    """README: an error says what is wrong and how to put it right."""
    run(uc_award())
    other = line("a9", "award.started", nino=OTHER, award_ref="UC1", benefit="UC", start_date="2025-04-07",
                 uc={"claimant_type": "SINGLE_25_OR_OVER", "assessment_period_day": 7})
    debt = line("r1", "debt.referred", creditor="DWP", creditor_ref="BA7", debt_type="OVERPAYMENT",
                classification="NON_FRAUD", amount="10.00", created_on="2025-04-01")
    gone = line("w1", "debt.withdrawn", creditor="DWP", creditor_ref="BA7", reason="raised in error")
    revised = line("v1", "debt.revised", creditor="DWP", creditor_ref="BA7", amount="5.00")
    report = run(other, debt, gone, revised)
    reasons = {r.event_id: r.reason for r in report.refused}
    assert "already another person's award" in reasons["a9"]
    assert "WITHDRAWN and no longer recovered by DMS, so it cannot be revised or withdrawn" in reasons["v1"]
    assert "paid here" not in reasons["v1"]  # a payment naming it is taken as the person's credit


def test_a_decimal_in_an_unknown_field_is_stored_exactly_and_never_as_a_float() -> None:
    """events.md §1: unknown fields are ignored, and the event is kept as received. A number beyond any float
    (``1.5e400``) in one is stored as its decimal text, not as Infinity, which no JSON column takes."""
    text = uc_award()[:-1] + ', "extra_note": 1.5e400, "extra_small": 0.1}'
    report = import_events([text], "f.jsonl")
    assert report.ok and report.applied == 1
    payload = InboundEvent.objects.get().payload
    assert (payload["extra_note"], payload["extra_small"]) == ("1.5E+400", "0.1")


@pytest.mark.parametrize("rate", ["1e-400", "99.99999999999999999", "33.333333333333333333333333333333333333333"])
def test_person_sanction_rate_percent_with_more_than_two_decimal_places_refused(rate: str) -> None:
    """events.md §2 ``person.sanction`` ``rate_percent``: a rate no sanction has, which rounding would make
    another rate (``99.99999999999999999`` as 100%: a 100% sanction returns HB debts), is refused at import,
    as a JSON number or a string."""
    as_string = line("s1", "person.sanction", rate_percent=rate, start_date="2025-06-01", duration_weeks=13)
    as_number = as_string.replace(f'"{rate}"', rate).replace('"s1"', '"s2"')
    report = import_events([as_string, as_number], "f.jsonl")
    assert [r.line_number for r in report.refused] == [1, 2]
    assert all("rate_percent" in r.reason for r in report.refused)
    report = import_events([line("s3", "person.sanction", rate_percent="33.33", start_date="2025-06-01",
                                 duration_weeks=13)], "f.jsonl")
    assert report.ok and InboundEvent.objects.get(event_id="s3").payload["rate_percent"] == "33.33"


def test_payment_received_after_occurred_on_is_refused_at_import_naming_the_line_and_field() -> None:
    """events.md §1 (``occurred_on``: the business date the fact took effect; "each event is applied whole or
    not at all"; a file import reports each refused event with its line number) and §3 (``payment.received``):
    a payment whose ``received_on`` is after its own ``occurred_on`` is refused, naming the line, the event and
    the field and how to correct it; nothing of it is kept (no event, no person created for it, nothing for
    the run to hold), and the file's other lines are applied."""
    report = run(uc_award(),
                 line("pay-ahead", "payment.received", nino=OTHER, occurred_on="2026-02-01", amount="20.00",
                      received_on="2026-03-01", channel="CARD"),
                 referral())
    assert [(r.line_number, r.event_id) for r in report.refused] == [(2, "pay-ahead")]
    assert report.refused[0].reason == ("received_on: 2026-03-01 is after occurred_on 2026-02-01: a payment is "
                                        "reported on or after the day it was received; correct received_on (or "
                                        "occurred_on)")
    assert (report.stored, report.applied, report.ok) == (2, 2, False)
    assert not InboundEvent.objects.filter(event_id="pay-ahead").exists()
    assert not Person.objects.filter(nino=OTHER).exists()


def revision(event_id: str, occurred_on: str, amount: str) -> str:
    return line(event_id, "debt.revised", occurred_on=occurred_on, creditor="DWP", creditor_ref="BA1", amount=amount)


def test_a_debt_revision_that_occurred_before_one_applied_does_not_overwrite_it() -> None:
    """docs/events-notes.md "A late report does not overwrite a later one" (**Decision**; events.md §1:
    ``occurred_on`` is the date the fact took effect; §3 ``debt.revised``: the new total as referred). A debt
    revised to £300.00 on 2025-05-10, then a revision to £250.00 that occurred on 2025-05-05 delivered after
    it: the debt stays at £300.00; the older revision is kept as received, not applied, naming the one that
    stands. One of the same day received later is the correction, and applies."""
    run(referral(amount="400.00"), revision("rev-new", "2025-05-10", "300.00"))
    report = run(revision("rev-old", "2025-05-05", "250.00"))
    assert (report.ok, report.stored, report.applied, report.superseded) == (True, 1, 0, 1)
    debt = Debt.objects.get()
    assert debt.amount_pence == 30000 and debt_service.figures_of(debt).balance_pence == 30000
    old = InboundEvent.objects.get(event_id="rev-old")
    assert (old.applied, old.superseded_by) == (False, "rev-new")
    assert old.superseded_reason.startswith("superseded: event 'rev-new' reports the amount of DWP debt "
                                            "creditor_ref 'BA1' as of 2025-05-10, later than this event's "
                                            "occurred_on 2025-05-05")
    assert JournalEntry.objects.filter(kind=EntryKind.REVISION).count() == 1
    assert run(revision("rev-fix", "2025-05-10", "280.00")).applied == 1
    assert Debt.objects.get().amount_pence == 28000 and check_ledger().ok


def test_a_death_or_award_end_that_occurred_before_a_report_held_does_not_overwrite_its_date() -> None:
    """docs/events-notes.md "A late report does not overwrite a later one" (**Decision**; events.md §1 and §2
    ``person.died``, ``award.ended``): a death reported as on 2025-06-11 (occurred 2025-06-12), and an
    award's end on 2025-06-11, then older reports of each (dated 2025-06-07, occurred 2025-06-08) delivered
    after them: the later dates stand, and the older reports are kept, superseded, not left for the run."""
    run(uc_award(), line("died-new", "person.died", occurred_on="2025-06-12", date_of_death="2025-06-11"),
        line("end-new", "award.ended", occurred_on="2025-06-12", award_ref="UC1", end_date="2025-06-11",
             reason="AWARD_ENDED"))
    report = run(line("died-old", "person.died", occurred_on="2025-06-08", date_of_death="2025-06-07"),
                 line("end-old", "award.ended", occurred_on="2025-06-08", award_ref="UC1", end_date="2025-06-07",
                      reason="AWARD_ENDED"))
    assert (report.ok, report.stored, report.applied, report.superseded) == (True, 2, 0, 2)
    assert Person.objects.get(nino=NINO).date_of_death == date(2025, 6, 11)
    assert Award.objects.get(award_ref="UC1").end_date == date(2025, 6, 11)
    assert dict(InboundEvent.objects.filter(event_id__in=["died-old", "end-old"], applied=False)
                .values_list("event_id", "superseded_by")) == {"died-old": "died-new", "end-old": "end-new"}


def test_a_sanction_or_moratorium_report_older_than_one_held_is_counted_superseded_at_import() -> None:
    """docs/events-notes.md "A late report does not overwrite a later one" (**Decision**; events.md §1:
    ``occurred_on`` is the date the fact took effect; §2 ``person.sanction``, ``person.insolvency``) with README
    ``dms events import`` (superseded: older than a report of the same fact already held): a sanction from
    2025-06-02 reported as 100% for 8 weeks (occurred 2025-06-03), and a breathing space from 2025-06-02 with
    its end (occurred 2025-06-20); older reports of each (occurred 2025-06-02) delivered after them are counted
    superseded by the import, as the death's and the award end's are, kept and never left for the run."""
    sanction = {"rate_percent": 100, "start_date": "2025-06-02"}
    space = {"kind": "BREATHING_SPACE", "start_date": "2025-06-02"}
    run(line("sn-new", "person.sanction", occurred_on="2025-06-03", duration_weeks=8, **sanction),
        line("bs-new", "person.insolvency", occurred_on="2025-06-20", end_date="2025-06-30", **space))
    report = run(line("sn-old", "person.sanction", occurred_on="2025-06-02", duration_weeks=13, **sanction),
                 line("bs-old", "person.insolvency", occurred_on="2025-06-02", **space),
                 line("sn-other", "person.sanction", occurred_on="2025-06-02", rate_percent=100,
                      start_date="2025-07-01", duration_weeks=13))
    assert (report.ok, report.stored, report.applied, report.superseded) == (True, 3, 0, 2)
    assert dict(InboundEvent.objects.filter(applied=False).values_list("event_id", "superseded_by")) == {
        "sn-new": "", "bs-new": "", "sn-old": "sn-new", "bs-old": "bs-new", "sn-other": ""}
    assert InboundEvent.objects.get(event_id="bs-old").superseded_reason.startswith(
        "superseded: event 'bs-new' reports the BREATHING_SPACE of NINO AB123456C from 2025-06-02 as of 2025-06-20")


def test_an_event_that_occurred_more_than_a_year_after_today_is_refused_as_a_mistyped_date() -> None:
    """events.md §1 (``occurred_on``: the business date the fact took effect); README (`dms run` refuses a date
    more than a year after today): an event dated that far ahead could never be reached by a run, so it is
    refused at import, naming ``occurred_on`` and today, and nothing of it is held; a year ahead to the day is
    taken. Without ``today`` (the demo's own traffic) nothing is guarded."""
    today = date(2026, 12, 7)
    far = line("d1", "person.died", occurred_on="2150-05-02", date_of_death="2150-05-01")
    year = line("w1", "person.registered", occurred_on="2027-12-07", surname="J", forenames="S",
                date_of_birth="1980-01-01")
    report = import_events([far, year], source="test.jsonl", today=today)
    assert [(r.line_number, r.event_id) for r in report.refused] == [(1, "d1")]
    assert ("occurred_on: 2150-05-02 is more than a year after today (2026-12-07)" in report.refused[0].reason
            and "correct the date" in report.refused[0].reason)
    assert list(InboundEvent.objects.values_list("event_id", flat=True)) == ["w1"]


def test_an_integer_too_long_to_be_a_value_is_refused_naming_its_field_and_event() -> None:
    """README (errors say what, where and how to put it right): a JSON integer of thousands of digits is
    refused naming the field that holds it and the event, not with the reader's own limit."""
    long = line("s1", "person.sanction", start_date="2025-04-08", duration_weeks=13)[:-1] + \
        ', "rate_percent": ' + "9" * 5000 + "}"
    report = run(long)
    [refused] = report.refused
    assert refused.event_id == "s1"
    assert refused.reason == ("rate_percent: a number of 5,000 digits is too long to be a value of an event; send "
                              "the field as events.md gives it")
    assert not InboundEvent.objects.exists()


def test_an_award_change_moving_the_start_after_the_end_held_is_refused_as_the_end_before_the_start_is() -> None:
    """events.md §2: an award is in payment from `start_date` and not after `end_date`; docs/events-notes.md
    "Dates that contradict each other are refused". An `award.changed` moving an ended award's start after its
    end is refused naming the field, the end held and what to do, as an `award.ended` before the start is; a
    start moved to a day on or before the end is taken."""
    report = run(jsa_award(), line("e1", "award.ended", occurred_on="2025-06-10", award_ref="JSA1",
                                   end_date="2025-06-16", reason="CLAIM_CEASED"))
    assert report.ok, report.refused
    refused = run(line("c1", "award.changed", occurred_on="2025-06-13", award_ref="JSA1", start_date="2025-06-20"))
    assert len(refused.refused) == 1
    assert ("start_date: 2025-06-20 is after award JSA1's end date 2025-06-16 (award.ended): an award is in payment "
            "from its start to its end") in refused.refused[0].reason
    assert not AwardChange.objects.exists()
    assert run(line("c2", "award.changed", occurred_on="2025-06-13", award_ref="JSA1", start_date="2025-06-16")).ok
