"""Re-rating the book (``dms.services.rerate``): every person with debts in recovery, their current
assessment period or pay period, with the cap in force and a what-if cap; nothing posted
(recovery-rules.md §3-4; SI 2013/380 Sch 6 para 4(1))."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from dms.errors import DmsError
from dms.parameters import NoValueOnDate
from dms.recovery.what_if import parse_cap_percent
from dms.services.events import import_events
from dms.services.rerate import rerate
from dms.store.models import JournalEntry, Posting
from dms.store.recovery.models import Deduction
from dms.store.replay.models import RerateResult, RerateRun

pytestmark = pytest.mark.django_db

UC_NINO, LEGACY_NINO, WAITING_NINO = "AB123456C", "CE123456A", "JK123456B"
AS_OF = date(2025, 6, 10)


def line(event_id: str, type_: str, nino: str, occurred_on: str = "2025-05-01", **fields: Any) -> str:
    return json.dumps({"event_id": event_id, "type": type_, "occurred_on": occurred_on, "nino": nino, **fields})


def uc_award(ref: str, nino: str) -> str:
    return line(f"start-{ref}", "award.started", nino, award_ref=ref, benefit="UC", start_date="2025-04-07",
                uc={"claimant_type": "SINGLE_25_OR_OVER", "assessment_period_day": 1})


def period(event_id: str, ref: str, nino: str, start: str, end: str, pay: str) -> str:
    return line(event_id, "uc.assessment_period", nino, occurred_on=end, award_ref=ref, period_start=start,
                period_end=end, payment_date=pay, award_amount="800.00", earnings_over_work_allowance=False,
                sanction_amount="0.00", fraud_penalty_amount="0.00", third_party=[])


def debt(ref: str, nino: str, creditor: str = "DWP", amount: str = "900.00",
         debt_type: str = "OVERPAYMENT") -> str:
    return line(f"ref-{ref}", "debt.referred", nino, occurred_on="2025-04-08", creditor=creditor, creditor_ref=ref,
                debt_type=debt_type, classification="NON_FRAUD", amount=amount, created_on="2025-04-01")


@pytest.fixture
def book() -> None:
    report = import_events([
        uc_award("UC1", UC_NINO), debt("BA1", UC_NINO), debt("HM1", UC_NINO, "HMRC"),
        debt("AD1", UC_NINO, debt_type="UC_ADVANCE_NEW_CLAIM", amount="500.00"),
        period("ap-apr", "UC1", UC_NINO, "2025-04-07", "2025-05-06", "2025-05-13"),
        period("ap-may", "UC1", UC_NINO, "2025-05-07", "2025-06-06", "2025-06-13"),
        line("start-JSA1", "award.started", LEGACY_NINO, award_ref="JSA1", benefit="JSA", start_date="2025-05-01",
             legacy={"weekly_amount": "90.50", "pay_frequency": "WEEKLY", "first_pay_date": "2025-06-02"}),
        debt("BA2", LEGACY_NINO),
        uc_award("UC3", WAITING_NINO), debt("BA3", WAITING_NINO),
    ], source="test.jsonl")
    assert report.ok, report.refused


def by_source(run_id: int) -> dict[str, tuple[int, int]]:
    totals: dict[str, tuple[int, int]] = {}
    for row in RerateResult.objects.filter(run_id=run_id):
        now, what_if = totals.get(row.source, (0, 0))
        totals[row.source] = (now + row.now_pence, what_if + row.what_if_pence)
    return totals


def test_rerate_lower_cap_lowers_uc_deductions_and_leaves_legacy_and_ledger_alone(book: None) -> None:
    entries, postings = JournalEntry.objects.count(), Posting.objects.count()
    outcome = rerate(AS_OF, Decimal("0.10"), chunk_partitions=128)
    assert (outcome.people, outcome.periods, outcome.instalments, outcome.no_period) == (2, 1, 1, 1)
    totals = by_source(outcome.run_id)
    # the current period is the one starting 2025-05-07; 15% of £400.14 = £60.02, 10% = £40.01 (rounded down)
    assert totals["UC"] == (6002, 4001)
    legacy_now, legacy_what_if = totals["JSA"]
    assert legacy_now > 0 and legacy_what_if == legacy_now  # the overall cap is a UC rule
    assert outcome.now_pence == 6002 + legacy_now and outcome.what_if_pence == 4001 + legacy_now
    assert {r.period_start for r in RerateResult.objects.filter(run_id=outcome.run_id, source="UC")} == {
        date(2025, 5, 7)}
    assert sum(c.now_pence for c in outcome.creditors) == outcome.now_pence
    assert sum(c.difference_pence for c in outcome.creditors) == 4001 - 6002
    assert {c.creditor for c in outcome.creditors} <= {"DWP", "HMRC"}
    run = RerateRun.objects.get(pk=outcome.run_id)
    assert run.completed and run.cap_rate == Decimal("0.10") and run.now_pence == outcome.now_pence
    assert (JournalEntry.objects.count(), Posting.objects.count(), Deduction.objects.count()) == (entries, postings, 0)


def test_rerate_without_a_what_if_gives_the_same_amounts_twice_and_chunks_do_not_change_totals(book: None) -> None:
    whole = rerate(AS_OF, chunk_partitions=1024)
    small = rerate(AS_OF, chunk_partitions=16)
    assert whole.now_pence == whole.what_if_pence == small.now_pence > 0
    assert [(c.creditor, c.now_pence) for c in whole.creditors] == [(c.creditor, c.now_pence) for c in small.creditors]
    assert whole.run_id != small.run_id


def test_rerate_takes_the_period_current_on_the_date_with_the_cap_in_force_for_its_start(book: None) -> None:
    outcome = rerate(date(2025, 5, 6), Decimal("0.25"))
    assert (outcome.periods, outcome.no_period, outcome.instalments) == (1, 1, 1)
    uc = RerateResult.objects.filter(run_id=outcome.run_id, source="UC")
    assert {r.period_start for r in uc} == {date(2025, 4, 7)}
    # the period started before 2025-04-30, when the cap in force was 25%: the what-if changes nothing
    now, what_if = by_source(outcome.run_id)["UC"]
    assert now == what_if > 6002


@pytest.mark.parametrize("text", ["41", "-1", "ten", "12.345", "NaN"])
def test_rerate_cap_percent_outside_the_legal_range_is_refused(text: str) -> None:
    with pytest.raises(DmsError, match="cap-percent"):
        parse_cap_percent(text)


def test_rerate_cap_percent_parses_to_a_fraction() -> None:
    assert parse_cap_percent("12.5") == Decimal("0.125") and parse_cap_percent("0") == 0


# ------------------------------------------------------------------ a synthetic book against a reference


BOOK_DATE, BOOK_AS_OF = date(2026, 1, 31), date(2026, 2, 28)


@pytest.fixture
def synthetic_book() -> None:
    """400 synthetic people (couples on joint UC awards, joint debts, legacy awards) with, for every UC award,
    its current assessment period, an older one and (for some) one starting after the date, none yet taken by
    a run; one person with debts dead, one debt at a reduced rate in force and one at a rate that has lapsed,
    and one at a rate set after its current period's payment date (a period the run takes late, as on its
    payment date, so without that rate)."""
    from dms.store.bulk import load_synthetic_book
    from dms.store.models import Account, Award, Debt, Person
    from dms.store.recovery.models import AssessmentPeriod, ReducedRate

    load_synthetic_book(400, 11, 5, BOOK_DATE)
    periods = []
    for award_id, person_id in Award.objects.filter(benefit="UC").order_by("id").values_list("id", "person_id"):
        starts = [date(2026, 1, 1 + award_id % 27), date(2026, 2, 1 + award_id % 27)]
        if award_id % 4 == 0:
            starts.append(date(2026, 3, 1))
        for start in starts:
            periods.append(AssessmentPeriod(
                event_id=f"t-{award_id}-{start}", inbound_event_id=0, award_id=award_id, person_id=person_id,
                period_start=start, period_end=start, payment_date=start, award_amount_pence=40_000 + award_id % 50_000,
                third_party=[{"category": "GAS_ARREARS", "amount_pence": 2000, "ongoing_pence": 1500, "scheme": None}]
                if award_id % 10 == 0 else []))
    AssessmentPeriod.objects.bulk_create(periods)
    sole = list(Debt.objects.filter(status="OPEN", joint_person__isnull=True).order_by("id")[:2])
    ReducedRate.objects.create(debt=sole[0], amount_pence=123, until=date(2026, 6, 1), reason="t", actor="t",
                               set_on=date(2026, 2, 1))
    ReducedRate.objects.create(debt=sole[1], amount_pence=77, until=date(2026, 2, 2), reason="t", actor="t",
                               set_on=date(2026, 1, 1))
    dead = Debt.objects.filter(status="OPEN").order_by("-id").values_list("person_id", flat=True).first()
    Person.objects.filter(pk=dead).update(date_of_death=date(2026, 2, 10))
    partition = dict(Person.objects.values_list("id", "partition"))
    # a single person on UC whose only debt is owed jointly with someone in another partition
    single = Award.objects.filter(benefit="UC", partner__isnull=True, claimant_type__startswith="SINGLE").exclude(
        person_id=dead).order_by("id")[0].person_id
    Debt.objects.filter(person_id=single).update(status="SUSPENDED")
    owed = Debt.objects.filter(status="OPEN", joint_person__isnull=True).exclude(
        partition=partition[single]).order_by("id")[5]
    Debt.objects.filter(pk=owed.pk).update(joint_person_id=single)
    # the partner (in another partition) of a couple jointly owes a third person's debt, and it is the one
    # with room to take from: the claimant's debts are down to a penny, the partner's own are suspended
    couple = next(a for a in Award.objects.filter(benefit="UC", partner__isnull=False).order_by("id")
                  if partition[a.person_id] != partition[a.partner_id] and a.person_id != dead)
    Account.objects.filter(kind="RECEIVABLE", debt__person_id=couple.person_id).update(balance_pence=1)
    Debt.objects.filter(person_id=couple.partner_id).update(status="SUSPENDED")
    third = Debt.objects.filter(status="OPEN", joint_person__isnull=True).exclude(
        person_id__in=[couple.person_id, couple.partner_id, single]).exclude(
        partition__in=[partition[couple.person_id], partition[couple.partner_id]]).order_by("id")[7]
    Debt.objects.filter(pk=third.pk).update(joint_person_id=couple.partner_id)
    # paid on 2026-02-(1 + id % 27): a period paid before the rate was set on 2026-02-27
    late = next(a for a in Award.objects.filter(benefit="UC", partner__isnull=True).exclude(
        person_id__in=[dead, single, couple.person_id, couple.partner_id]).order_by("id")
        if a.id % 27 < 20 and Debt.objects.filter(person_id=a.person_id, status="OPEN").exists())
    ReducedRate.objects.create(debt=Debt.objects.filter(person_id=late.person_id, status="OPEN").order_by("id")[0],
                               amount_pence=50, until=date(2026, 6, 1), reason="t", actor="t",
                               set_on=date(2026, 2, 27))


def _reference(as_of: date, cap: Decimal | None) -> tuple[set[tuple[Any, ...]], set[int]]:
    """The rows a rerate must store, and the people it re-rates, worked out from the ORM person by person (the
    engines' calls as the module makes them): OPEN debts with a RECEIVABLE balance, own and jointly owed (a
    joint debt for its joint debtor only while its owner has no benefit in payment); alive on the date; each UC
    award in payment with its latest period started by the date (with the partner's debts; one paid before the
    date and not yet taken, as on its payment date: the debts received and the reduced rates in force then),
    else the legacy award in payment that pays most (of equals, the lowest id). The people are those with
    debts of either partner of each period re-rated, and of each legacy instalment."""
    from collections import defaultdict
    from dataclasses import replace

    from dms.recovery.types import DebtRecord
    from dms.services import rerate as module
    from dms.services.benefit_in_payment import awards_of, in_payment_q
    from dms.store.models import Account, Award, Creditor, Debt, Person
    from dms.store.recovery.models import AssessmentPeriod, ReducedRate

    balance = dict(Account.objects.filter(kind="RECEIVABLE", debt__status="OPEN", balance_pence__gt=0)
                   .values_list("debt_id", "balance_pence"))
    def rates_on(day: date) -> dict[int, int]:
        return {r.debt_id: r.amount_pence for r in ReducedRate.objects.filter(set_on__lte=day, until__gt=day)
                .order_by("set_on", "id")}

    def as_on(day: date, held: list[Any]) -> list[Any]:
        if day >= as_of:
            return held
        on = rates_on(day)
        return [replace(d, record=replace(d.record, reduced_rate_pence=on.get(d.record.debt_id),
                                          reduced_weekly_rate_pence=on.get(d.record.debt_id)))
                for d in held if d.record.received_on <= day]

    rates = rates_on(as_of)
    creditors = {c.id: c for c in Creditor.objects.all()}
    debts: dict[int, list[Any]] = defaultdict(list)
    for d in Debt.objects.filter(id__in=list(balance)).order_by("id"):
        c = creditors[d.creditor_id]
        loaded = module._Debt(DebtRecord(
            debt_id=d.id, owner_kind=c.kind, debt_type=d.debt_type, classification=d.classification,
            balance_pence=balance[d.id], received_on=d.received_on, receipt_seq=d.receipt_seq, created_on=d.created_on,
            la_id=c.la_id, joint=d.joint_person_id is not None, owner_person=d.person_id,
            agreed_amount_pence=d.agreed_amount_pence, reduced_rate_pence=rates.get(d.id),
            reduced_weekly_rate_pence=rates.get(d.id)), d.creditor_id)  # recorded without a unit: as given
        debts[d.person_id].append(loaded)
        owner_paid = Award.objects.filter(awards_of(d.person_id)).filter(in_payment_q(as_of)).exists() or any(
            AssessmentPeriod.objects.filter(award=f, period_start__lte=f.end_date, period_end__gte=f.end_date,
                                            payment_date__gte=as_of).exists()
            for f in Award.objects.filter(awards_of(d.person_id), benefit="UC", end_date__lt=as_of))
        if d.joint_person_id not in (None, d.person_id) and not owner_paid:  # else from the owner's benefit only
            debts[d.joint_person_id].append(loaded)
    rows, people = set(), set()
    # those who owe, and the holders of UC awards naming one who owes as partner (the award's period takes from
    # the partner's debts, whether or not its holder owes anything it recovers)
    holders = set(Award.objects.filter(benefit="UC", partner_id__in=[p for p in debts if debts[p]]).filter(
        in_payment_q(as_of)).values_list("person_id", flat=True))
    for person in Person.objects.filter(id__in=[p for p in debts if debts[p]] + sorted(holders)).order_by("id"):
        if person.date_of_death is not None and person.date_of_death <= as_of:
            continue
        awards = [a for a in Award.objects.filter(person=person).order_by("id")
                  if a.start_date <= as_of and (a.end_date is None or a.end_date >= as_of)]
        uc = [a for a in awards if a.benefit == "UC"]
        for award in uc:
            p = AssessmentPeriod.objects.filter(award=award, period_start__lte=as_of).order_by(
                "-period_start", "-id").first()
            if p is None:
                continue
            day = p.payment_date if p.processed_on is None and p.payment_date < as_of else as_of
            own = as_on(day, list(debts[person.id]))
            people |= {person.id} if own else set()
            if award.partner_id is not None:
                theirs = as_on(day, debts[award.partner_id])
                own += [d for d in theirs if d.record.debt_id not in {o.record.debt_id for o in own}]
                people |= {award.partner_id} if theirs else set()
            period = module._Period(person.id, person.partition, p.period_start, p.period_end, p.payment_date,
                                    p.award_amount_pence, p.sanction_pence, p.fraud_penalty_pence, p.third_party,
                                    award.claimant_type, award.partner_id)
            for creditor, (now, what_if) in module._uc_amounts(period, own, cap).items():
                rows.add((person.id, person.partition, "UC", p.period_start, creditor, now, what_if))
        legacy = [a for a in awards if a.benefit != "UC"]
        if legacy and not uc:
            award = max(legacy, key=lambda a: (a.weekly_amount_pence or 0, -a.id))  # pays most, then first
            leg = module._Legacy(person.id, person.partition, award.benefit, award.weekly_amount_pence,
                                 award.pay_frequency)
            for creditor, (now, what_if) in module._legacy_amounts(as_of, leg, debts[person.id]).items():
                rows.add((person.id, person.partition, award.benefit, as_of, creditor, now, what_if))
            people |= {person.id} if debts[person.id] else set()
    return rows, people


def _stored(run_id: int) -> set[tuple[Any, ...]]:
    return set(RerateResult.objects.filter(run_id=run_id).values_list(
        "person_id", "partition", "source", "period_start", "creditor_id", "now_pence", "what_if_pence"))


@pytest.mark.parametrize("chunk_partitions", [None, 1, 16, 1024])
def test_rerate_of_a_synthetic_book_matches_the_reference_person_by_person_in_any_chunking(
        synthetic_book: None, chunk_partitions: int | None) -> None:
    from dms.store.models import Award, Debt

    assert Award.objects.filter(partner__isnull=False).exists() and Debt.objects.filter(
        joint_person__isnull=False).exists()
    outcome = rerate(BOOK_AS_OF, Decimal("0.20"), chunk_partitions=chunk_partitions)
    expected, people = _reference(BOOK_AS_OF, Decimal("0.20"))
    assert len(expected) > 300
    assert _stored(outcome.run_id) == expected
    assert outcome.people == len(people)
    assert outcome.now_pence == sum(r[5] for r in expected) and outcome.what_if_pence == sum(r[6] for r in expected)


def test_rerate_chunks_hold_about_chunk_people_each_and_give_every_worker_one(
        synthetic_book: None, monkeypatch: pytest.MonkeyPatch) -> None:
    from dms.services import rerate as module

    assert module.chunk_size(1) == 1024 and module.chunk_size(2) == 512 and module.chunk_size(3) == 256
    monkeypatch.setattr(module, "CHUNK_PEOPLE", 100)  # 400 people: 100 a chunk is 256 partitions, four chunks
    assert module.chunk_size(1) == 256 and len(module.chunk_ranges(module.chunk_size(1))) == 4


@pytest.mark.parametrize("failure", [
    NoValueOnDate("parameter uc.overall_cap has no value for 2020-01-01"), KeyboardInterrupt()])
def test_a_rerate_refused_or_interrupted_part_way_leaves_nothing(
        book: None, monkeypatch: pytest.MonkeyPatch, failure: BaseException) -> None:
    from dms.services import rerate as module

    real = module.rerate_chunk
    written: list[int] = []

    def failing(run_id: int, as_of: date, cap_rate: Decimal | None, first: int, last: int) -> Any:
        if last == 1023:  # the last of the 8 chunks, after the others have written their rows
            written.append(RerateResult.objects.filter(run_id=run_id).count())
            raise failure
        return real(run_id, as_of, cap_rate, first, last)

    monkeypatch.setattr(module, "rerate_chunk", failing)
    with pytest.raises(type(failure)):
        rerate(AS_OF, chunk_partitions=128)
    assert written and written[0] > 0
    assert not RerateRun.objects.exists() and not RerateResult.objects.exists()


def test_rerate_takes_the_claimant_type_in_force_on_the_period_s_last_day_however_far_the_run_has_gone(
        book: None) -> None:
    """recovery-rules.md §2-3 and events.md §2 ``award.changed``: the period current on 2025-06-10 (7 May to
    6 June) is taken with the claimant type in force on its last day, as the daily run takes it. A change
    dated after it (applied by a later run) does not change the answer; one dated within it (not yet reached
    by the run) does: 15% of £400.14 (25 or over) is £60.02, of £316.98 (under 25) £47.54."""
    from dms.services.events import apply_due_award_changes

    before = by_source(rerate(AS_OF).run_id)["UC"]
    report = import_events([line("later", "award.changed", UC_NINO, occurred_on="2025-06-20", award_ref="UC1",
                                 uc={"claimant_type": "SINGLE_UNDER_25"})], source="test.jsonl")
    assert report.ok, report.refused
    apply_due_award_changes(date(2025, 6, 21))
    assert by_source(rerate(AS_OF).run_id)["UC"] == before == (6002, 6002)
    report = import_events([line("within", "award.changed", UC_NINO, occurred_on="2025-05-20", award_ref="UC1",
                                 uc={"claimant_type": "SINGLE_UNDER_25"})], source="test.jsonl")
    assert report.ok, report.refused
    assert by_source(rerate(AS_OF).run_id)["UC"] == (4754, 4754)


def test_rerate_takes_a_joint_award_s_period_for_the_debts_of_the_partner_it_names_as_the_daily_run_does() -> None:
    """Glossary "in payment" and recovery_load.due_instalments' Decision: a joint UC award is in payment to the
    partner it names too, and its periods take from that partner's debts; a person named so is recovered from
    by UC only (no legacy instalment). The holder here owes nothing, so only the partner's chunk can re-rate
    the award; the amounts are the daily run's for the same period."""
    from dms.services.daily_run import run_through

    holder, partner = "AB123456C", "CE123456A"
    report = import_events([
        line("start-J1", "award.started", holder, award_ref="J1", benefit="UC", start_date="2025-04-07",
             uc={"claimant_type": "JOINT_25_OR_OVER", "assessment_period_day": 7, "partner_nino": partner}),
        line("start-JSA9", "award.started", partner, award_ref="JSA9", benefit="JSA", start_date="2025-04-07",
             legacy={"weekly_amount": "90.50", "pay_frequency": "WEEKLY", "first_pay_date": "2025-06-02"}),
        debt("BP1", partner, amount="1000.00"),
        period("ap-j1", "J1", holder, "2025-05-07", "2025-06-06", "2025-06-13"),
    ], source="test.jsonl")
    assert report.ok, report.refused
    result = rerate(AS_OF)
    rows = list(RerateResult.objects.filter(run_id=result.run_id).values_list("source", "now_pence"))
    run_through(date(2025, 6, 13))
    taken = sum(Deduction.objects.filter(status="TAKEN").values_list("amount_pence", flat=True))
    assert [source for source, _ in rows] == ["UC"] and taken > 0
    assert rows[0][1] == taken  # the what-if of the period is what the run took from it
    assert not Deduction.objects.exclude(source="UC").exists()  # no JSA instalment: UC only


def test_rerate_takes_a_dead_holder_s_joint_award_for_the_living_partner_s_debts_as_the_daily_run_does() -> None:
    """recovery-rules.md §6 with the Decision that a joint UC award goes on paying the living partner it names
    when its holder dies (recovery.living_partners): the holder's own debt has passed to the estate, and the
    award's current period is re-rated for the partner's debts, the amount the daily run then takes."""
    from dms.services.daily_run import run_through

    holder, partner = "AB123456C", "CE123456A"
    report = import_events([
        line("start-J1", "award.started", holder, award_ref="J1", benefit="UC", start_date="2025-04-07",
             uc={"claimant_type": "JOINT_25_OR_OVER", "assessment_period_day": 7, "partner_nino": partner}),
        debt("AH1", holder, amount="500.00"),
        debt("BP1", partner, amount="1000.00"),
        line("died", "person.died", holder, occurred_on="2025-06-02", date_of_death="2025-06-01"),
        period("ap-j1", "J1", holder, "2025-05-07", "2025-06-06", "2025-06-13"),
    ], source="test.jsonl")
    assert report.ok, report.refused
    run_through(AS_OF)
    result = rerate(AS_OF)
    rows = list(RerateResult.objects.filter(run_id=result.run_id).values_list("source", "creditor_id", "now_pence"))
    run_through(date(2025, 6, 13))
    taken = list(Deduction.objects.filter(status="TAKEN").values_list("ref", "amount_pence"))
    assert [ref for ref, _ in taken] == ["BP1"]
    assert [(source, now) for source, _, now in rows] == [("UC", taken[0][1])]


def test_rerate_takes_the_final_period_of_a_uc_award_that_ended_in_it_as_the_daily_run_does() -> None:
    """README ``dms rerate`` ("the deduction the engines would take for their current assessment period") and
    events.md §2 ``award.ended``: the period an award's end date falls in is still paid, and the daily run
    takes it on its payment date; re-rating on that date takes it too."""
    from dms.services.daily_run import run_through

    report = import_events([
        uc_award("UC1", UC_NINO), debt("BA1", UC_NINO),
        period("ap-final", "UC1", UC_NINO, "2025-05-07", "2025-06-06", "2025-06-16"),
        line("end", "award.ended", UC_NINO, occurred_on="2025-06-01", award_ref="UC1", end_date="2025-06-01",
             reason="AWARD_ENDED"),
    ], source="test.jsonl")
    assert report.ok, report.refused
    result = rerate(date(2025, 6, 16))
    rows = list(RerateResult.objects.filter(run_id=result.run_id).values_list("source", "now_pence"))
    run_through(date(2025, 6, 16))
    taken = sum(Deduction.objects.filter(status="TAKEN").values_list("amount_pence", flat=True))
    assert taken == 6002 and rows == [("UC", taken)]


def test_rerate_says_how_many_events_dated_by_the_date_wait_for_the_daily_run(book: None) -> None:
    """The Decision in docs/recovery-notes.md: the re-rating reads the book as the daily run left it, so a
    sanction and an award change dated on or before the date, not yet applied by the run, are counted and
    said (``waiting_for_the_daily_run``), never silently left out."""
    assert rerate(AS_OF).waiting == 0
    report = import_events([
        line("s1", "person.sanction", UC_NINO, occurred_on="2025-06-09", rate_percent=100, start_date="2025-06-09",
             duration_weeks=4),
        line("s2", "person.sanction", UC_NINO, occurred_on="2025-06-20", rate_percent=100, start_date="2025-06-20",
             duration_weeks=4),
    ], source="test.jsonl")
    assert report.ok, report.refused
    outcome = rerate(AS_OF)
    assert outcome.waiting == 1 and outcome.as_json()["waiting_for_the_daily_run"] == 1


def test_rerate_counts_a_missed_payment_waiting_for_the_daily_run_among_the_events_that_wait() -> None:
    """README ``dms rerate`` ("a note of how many events and LA files dated by D wait for the run") with
    events.md §2 ``benefit.payment_missed`` and recovery-rules.md §4 (the run reverses the instalment of a pay
    date reported missed): ESA's 2025-06-16 reported missed after the run of that day waits for the next run,
    which reverses it and moves the award JSA pays for, so the re-rating of 2025-06-25 counts it as waiting."""
    from dms.services.daily_run import run_through

    nino = "AB123456C"
    report = import_events([
        line("a1", "award.started", nino, occurred_on="2025-06-02", award_ref="ESA1", benefit="ESA",
             start_date="2025-06-02",
             legacy={"weekly_amount": "100.00", "pay_frequency": "WEEKLY", "first_pay_date": "2025-06-09"}),
        line("a2", "award.started", nino, occurred_on="2025-06-12", award_ref="JSA1", benefit="JSA",
             start_date="2025-06-12",
             legacy={"weekly_amount": "100.00", "pay_frequency": "WEEKLY", "first_pay_date": "2025-06-18"}),
        line("d1", "debt.referred", nino, occurred_on="2025-06-01", creditor="DWP", creditor_ref="OP-1",
             debt_type="OVERPAYMENT", classification="NON_FRAUD", amount="500.00", created_on="2025-05-01"),
        line("e1", "award.ended", nino, occurred_on="2025-06-20", award_ref="ESA1", end_date="2025-06-20",
             reason="AWARD_ENDED"),
    ], source="test.jsonl")
    assert report.ok, report.refused
    run_through(date(2025, 6, 1))
    run_through(date(2025, 6, 16))
    assert rerate(date(2025, 6, 25)).waiting == 0
    report = import_events([line("m1", "benefit.payment_missed", nino, occurred_on="2025-06-16", award_ref="ESA1",
                                 pay_date="2025-06-16")], source="test.jsonl")
    assert report.ok, report.refused
    outcome = rerate(date(2025, 6, 25))
    assert outcome.waiting == 1 and outcome.as_json()["waiting_for_the_daily_run"] == 1
    run_through(date(2025, 6, 25))
    assert rerate(date(2025, 6, 25)).waiting == 0


# ---------------------------------------------------------------------------------------------- as the run takes it


def _rerated(run_id: int) -> dict[tuple[int, int | None], int]:
    """``{(person id, creditor id): pence}`` of a re-rating, with the cap in force."""
    rows: dict[tuple[int, int | None], int] = {}
    for person, creditor, now in RerateResult.objects.filter(run_id=run_id).values_list(
            "person_id", "creditor_id", "now_pence"):
        rows[(person, creditor)] = rows.get((person, creditor), 0) + now
    return {key: pence for key, pence in rows.items() if pence}


def _taken_by_the_run() -> dict[tuple[int, int | None], int]:
    """``{(person id, creditor id): pence}`` of the deductions the daily run has taken (the award's holder)."""
    from dms.store.models import Debt

    creditor = dict(Debt.objects.values_list("id", "creditor_id"))
    rows: dict[tuple[int, int | None], int] = {}
    for person, debt_id, pence in Deduction.objects.filter(status="TAKEN").values_list(
            "person_id", "debt_id", "amount_pence"):
        key = (person, creditor.get(debt_id))
        rows[key] = rows.get(key, 0) + pence
    return rows


def test_rerate_works_a_uc_period_reported_late_as_on_its_payment_date_as_the_daily_run_does() -> None:
    """events.md §2 (DMS works out a period's deductions "on ``payment_date``"; one reported late is taken on
    the next run) and docs/events-notes.md "A UC period reported after its payment date": the period paid on
    2025-06-13 reaches DMS after the run of that day. The HMRC debt referred on 2025-06-14 and the reduced
    rate set on 2025-06-14 came after its payment date, so neither touches it: the re-rating as of 2025-06-16
    gives the £60.02 the run then takes, all to DWP, not £10.00 shared with HMRC."""
    from dms.services.daily_run import run_through
    from dms.services.recovery_staff import set_reduced_rate

    report = import_events([uc_award("UC1", UC_NINO), debt("BA1", UC_NINO)], source="test.jsonl")
    assert report.ok, report.refused
    run_through(date(2025, 6, 13))
    report = import_events([
        line("ref-HM1", "debt.referred", UC_NINO, occurred_on="2025-06-14", creditor="HMRC", creditor_ref="HM1",
             debt_type="OVERPAYMENT", classification="NON_FRAUD", amount="900.00", created_on="2025-04-01"),
        period("ap-may", "UC1", UC_NINO, "2025-05-07", "2025-06-06", "2025-06-13"),
    ], source="late.jsonl")
    assert report.ok, report.refused
    set_reduced_rate(UC_NINO, "BA1", "10.00", date(2025, 9, 1), "affordability", "staff", date(2025, 6, 14))
    outcome = rerate(date(2025, 6, 16))
    rerated = _rerated(outcome.run_id)
    run_through(date(2025, 6, 16))
    taken = _taken_by_the_run()
    assert sum(taken.values()) == 6002 and len(taken) == 1  # all to DWP
    assert rerated == taken
    assert (outcome.people, outcome.periods, outcome.now_pence) == (1, 1, 6002)


def test_rerate_works_a_legacy_pay_date_the_run_has_still_to_take_as_on_that_pay_date_as_the_daily_run_does(
        ) -> None:
    """recovery-rules.md §4 (an instalment on each pay date, with the rates and parameters of that date): the
    run last completed 2025-06-06; the JSA award pays on Mondays, so the run of 2025-06-11 takes the
    instalment of 2025-06-09, as on that day. The HMRC debt referred on 2025-06-10 and the reduced rate set on
    2025-06-10 are not yet in force then: the re-rating as of 2025-06-11 gives the instalment the run takes."""
    from dms.services.daily_run import run_through
    from dms.services.recovery_staff import set_reduced_rate

    report = import_events([
        line("start-JSA1", "award.started", LEGACY_NINO, award_ref="JSA1", benefit="JSA", start_date="2025-05-01",
             legacy={"weekly_amount": "90.50", "pay_frequency": "WEEKLY", "first_pay_date": "2025-06-02"}),
        debt("BA2", LEGACY_NINO),
    ], source="test.jsonl")
    assert report.ok, report.refused
    run_through(date(2025, 6, 6))
    report = import_events([
        line("ref-HM2", "debt.referred", LEGACY_NINO, occurred_on="2025-06-10", creditor="HMRC",
             creditor_ref="HM2", debt_type="OVERPAYMENT", classification="NON_FRAUD", amount="900.00",
             created_on="2025-04-01"),
    ], source="later.jsonl")
    assert report.ok, report.refused
    set_reduced_rate(LEGACY_NINO, "BA2", "1.00", date(2025, 9, 1), "affordability", "staff", date(2025, 6, 10))
    outcome = rerate(date(2025, 6, 11))
    rerated = _rerated(outcome.run_id)
    run_through(date(2025, 6, 11))
    taken = _taken_by_the_run()
    assert set(Deduction.objects.values_list("date", flat=True)) == {date(2025, 6, 9)}
    assert len(taken) == 1 and sum(taken.values()) > 100  # all to DWP, at the weekly rate, not £1.00
    assert rerated == taken
    assert (outcome.people, outcome.instalments) == (1, 1)


def test_rerate_works_a_legacy_pay_date_the_run_has_still_to_take_with_the_sanctions_over_the_period_it_pays_for(
        ) -> None:
    """recovery-rules.md §4 with docs/recovery-notes.md "Sanctions and legacy instalments" (a pay date pays, in
    arrears, for the pay period ending on it; every sanction over that period reduces its benefit, pro rata by
    days): the run last completed 2025-06-06 and the JSA award pays £90.50 on Mondays, so the run of 2025-06-11
    takes the instalment of 2025-06-09, for 2025-06-03 to 2025-06-09. A 100% sanction for one week from
    2025-06-04, applied by the run, covers 6 of those 7 days (only 1 of the period 2025-06-11 falls in): the
    re-rating as of 2025-06-11 gives the instalment the run takes: £12.83, what the 10p floor leaves of the
    £12.93 paid (£90.50 less £77.57, 6/7 of it), not the instalment of a period sanctioned 1 day in 7."""
    from dms.services.daily_run import run_through

    report = import_events([
        line("start-JSA1", "award.started", LEGACY_NINO, award_ref="JSA1", benefit="JSA", start_date="2025-05-01",
             legacy={"weekly_amount": "90.50", "pay_frequency": "WEEKLY", "first_pay_date": "2025-06-02"}),
        debt("BA2", LEGACY_NINO),
        line("s1", "person.sanction", LEGACY_NINO, occurred_on="2025-06-04", rate_percent=100,
             start_date="2025-06-04", duration_weeks=1),
    ], source="test.jsonl")
    assert report.ok, report.refused
    run_through(date(2025, 6, 6))
    outcome = rerate(date(2025, 6, 11))
    rerated = _rerated(outcome.run_id)
    run_through(date(2025, 6, 11))
    taken = _taken_by_the_run()
    assert set(Deduction.objects.values_list("date", flat=True)) == {date(2025, 6, 9)}
    assert len(taken) == 1 and sum(taken.values()) == 1293 - 10  # £90.50 less 6/7 of it, less the 10p floor
    assert rerated == taken
    assert (outcome.people, outcome.instalments) == (1, 1)


def _first_paid_later(first_pay_date: str, *more: str) -> None:
    """JSA of £100.00 a week, paid weekly, in payment from Thursday 2026-05-07 and first paid on
    ``first_pay_date`` (a new claim first paid after a few weeks), with a £500.00 DWP debt."""
    report = import_events([
        line("start-JSA1", "award.started", LEGACY_NINO, occurred_on="2026-05-07", award_ref="JSA1", benefit="JSA",
             start_date="2026-05-07",
             legacy={"weekly_amount": "100.00", "pay_frequency": "WEEKLY", "first_pay_date": first_pay_date}),
        debt("BA2", LEGACY_NINO, amount="500.00"), *more,
    ], source="test.jsonl")
    assert report.ok, report.refused


def test_rerate_before_a_legacy_award_s_first_pay_date_works_the_instalment_that_pay_date_takes() -> None:
    """events.md §2 ``legacy`` ``first_pay_date`` (there is no pay date before it) with recovery-rules.md §4 and
    docs/recovery-notes.md "Re-rating reads the book as the daily run left it" (the instalment of the pay
    period D falls in: the one the next pay date on or after D pays for): the award first pays on Monday
    2026-05-25, so on 2026-05-11 the pay period is 2026-05-19 to 2026-05-25 and the re-rating gives the £14.40
    the run takes on 2026-05-25, not £10.28 for a pay date 2026-05-11 (5 days from the start date) that the
    award never has."""
    from dms.services.daily_run import run_through

    _first_paid_later("2026-05-25")
    run_through(date(2026, 5, 10))
    outcome = rerate(date(2026, 5, 11))
    rerated = _rerated(outcome.run_id)
    run_through(date(2026, 5, 11))
    assert not Deduction.objects.exists()  # the run of 2026-05-11 takes nothing: not a pay date
    run_through(date(2026, 5, 25))
    taken = _taken_by_the_run()
    assert set(Deduction.objects.values_list("date", flat=True)) == {date(2026, 5, 25)}
    assert list(taken.values()) == [1440]  # £14.40 x 1 week, all to DWP
    assert rerated == taken
    assert (outcome.people, outcome.instalments, outcome.now_pence) == (1, 1, 1440)


def test_rerate_before_a_legacy_award_s_first_pay_date_counts_the_sanctions_over_the_period_it_pays_for() -> None:
    """events.md §2 ``first_pay_date`` and ``person.sanction`` with docs/recovery-notes.md "Sanctions and legacy
    instalments" (``dms rerate --date D`` takes the same reduction for the pay period D falls in, the one the
    next pay date on or after D pays for, as the daily run will take it on that pay date): the award first pays
    on Monday 2026-07-27; a 100% sanction for 12 weeks from 2026-05-08 (to 2026-07-30) covers the whole week
    that pay date pays for, so nothing is paid or taken then, and the re-rating of 2026-05-11 gives nothing
    either, not what a pay date 2026-05-11 paying 2026-05-07 to 2026-05-11, sanctioned on 4 of its 5 days,
    would leave."""
    from dms.services.daily_run import run_through

    _first_paid_later("2026-07-27", line("s1", "person.sanction", LEGACY_NINO, occurred_on="2026-05-08",
                                         rate_percent=100, start_date="2026-05-08", duration_weeks=12))
    run_through(date(2026, 5, 10))
    outcome = rerate(date(2026, 5, 11))
    rerated = _rerated(outcome.run_id)
    run_through(date(2026, 7, 27))
    assert sum(_taken_by_the_run().values()) == 0 and rerated == {}
    assert (outcome.people, outcome.instalments, outcome.now_pence) == (1, 1, 0)
    run_through(date(2026, 8, 3))  # sanctioned on 3 of its 7 days: £57.15 paid, the £14.40 taken
    assert sum(_taken_by_the_run().values()) == 1440


def test_rerate_counts_both_partners_of_a_couple_who_both_owe_as_two_people() -> None:
    """README ``dms rerate`` ("for every person with debts in recovery") and glossary "re-rating": a joint UC
    award's period recovers from both partners' debts (recovery-rules.md §3), and each partner who owes is a
    person re-rated; a partner who owes nothing is not counted."""
    holder, partner, third = "AB123456C", "CE123456A", "JK123456B"
    report = import_events([
        line("start-J1", "award.started", holder, award_ref="J1", benefit="UC", start_date="2025-04-07",
             uc={"claimant_type": "JOINT_25_OR_OVER", "assessment_period_day": 7, "partner_nino": partner}),
        debt("AH1", holder, amount="500.00"), debt("BP1", partner, amount="1000.00"),
        period("ap-j1", "J1", holder, "2025-05-07", "2025-06-06", "2025-06-13"),
        line("start-J2", "award.started", third, award_ref="J2", benefit="UC", start_date="2025-04-07",
             uc={"claimant_type": "JOINT_25_OR_OVER", "assessment_period_day": 7, "partner_nino": "HM123456D"}),
        debt("AT1", third, amount="500.00"),
        period("ap-j2", "J2", third, "2025-05-07", "2025-06-06", "2025-06-13"),
    ], source="test.jsonl")
    assert report.ok, report.refused
    for chunk_partitions in (1, 1024):
        outcome = rerate(AS_OF, chunk_partitions=chunk_partitions)
        assert (outcome.people, outcome.periods) == (3, 2)
        assert outcome.as_json()["people"] == 3


def test_a_rerate_date_before_the_first_recovery_rules_is_refused_naming_the_date_before_anything_is_done() -> None:
    """recovery-rules.md §2, §4: DMS holds the rates from 2024-04-08. Re-rating as of a day before then is
    refused as `dms run` refuses such a day, naming `--date` and the first date it can work out, also on a
    book with nobody to re-rate; no run is recorded."""
    with pytest.raises(DmsError, match=r"--date 2024-04-07: DMS holds the recovery rules from 2024-04-08 .*"
                                       r"re-rate as of a date on or after 2024-04-08"):
        rerate(date(2024, 4, 7))
    assert not RerateRun.objects.exists()
    assert rerate(date(2024, 4, 8)).people == 0


def test_a_rerate_removes_runs_whose_process_ended_and_leaves_runs_still_under_way(book: None) -> None:
    """README ``dms rerate``: "a refused or interrupted run leaves nothing". An unfinished run whose `dms rerate`
    process on this host has ended (killed: it could not remove its run) is removed with its rows by the next
    re-rating; one whose process is still running, or that was recorded on another host, is left alone (it may
    still be under way); a completed run stays."""
    import os
    import subprocess
    from datetime import UTC, datetime

    from dms.services.rerate import _HOST, sweep_abandoned_runs

    ended = subprocess.Popen(["true"])
    ended.wait()
    now = datetime.now(UTC)

    def run(host: str, pid: int | None, completed: bool = False) -> int:
        run_id = RerateRun.objects.create(as_of=AS_OF, started_at=now, host=host, pid=pid, completed=completed).pk
        RerateResult.objects.create(run_id=run_id, person_id=1, partition=0, source="UC",
                                    period_start=AS_OF, now_pence=1, what_if_pence=1)
        return run_id

    dead = run(_HOST, ended.pid)
    unnamed = run("", None)
    running = run(_HOST, os.getppid())
    elsewhere = run(_HOST + "-other", ended.pid)
    done = run(_HOST, ended.pid, completed=True)
    assert sweep_abandoned_runs() == 2
    assert set(RerateRun.objects.values_list("pk", flat=True)) == {running, elsewhere, done}
    assert not RerateResult.objects.filter(run_id__in=[dead, unnamed]).exists()
    outcome = rerate(AS_OF)
    assert outcome.swept == 0
    assert RerateRun.objects.filter(pk=outcome.run_id, completed=True, host=_HOST, pid=os.getpid()).exists()


def test_rerate_works_a_legacy_pay_period_at_the_rates_of_its_pay_date_across_an_uprating() -> None:
    """recovery-rules.md §4 (the weekly rate by date: £13.95 from 2025-04-07, £14.40 from 2026-04-13) and
    docs/recovery-notes.md "Re-rating reads the book as the daily run left it" (the instalment of the pay period D
    falls in, as the run takes it on its pay date): JSA paid weekly on Thursdays; on Friday 2026-04-10 the
    current pay period is 2026-04-10 to 2026-04-16, taken on 2026-04-16 at the new rate, £14.40, not £13.95."""
    from dms.services.daily_run import run_through

    report = import_events([
        line("start-JSA1", "award.started", LEGACY_NINO, occurred_on="2026-03-01", award_ref="JSA1", benefit="JSA",
             start_date="2026-03-01",
             legacy={"weekly_amount": "100.00", "pay_frequency": "WEEKLY", "first_pay_date": "2026-03-05"}),
        debt("BA2", LEGACY_NINO, amount="500.00"),
    ], source="test.jsonl")
    assert report.ok, report.refused
    run_through(date(2026, 4, 9))
    outcome = rerate(date(2026, 4, 10))
    rerated = _rerated(outcome.run_id)
    run_through(date(2026, 4, 16))
    taken = Deduction.objects.filter(date=date(2026, 4, 16), status="TAKEN")
    assert [d.amount_pence for d in taken] == [1440]
    assert outcome.now_pence == 1440 and list(rerated.values()) == [1440]


def _esa_ending_on(end_date: str, with_jsa: bool) -> None:
    """ESA of £100.00 a week paid on Mondays from 2026-03-02, ending on ``end_date``; with ``with_jsa``, JSA of
    £100.00 a week paid on Thursdays in payment from 2026-04-01 beside it; a £500.00 DWP debt."""
    nino = "AB123456C"
    report = import_events([
        line("e1", "award.started", nino, occurred_on="2026-03-02", award_ref="ESA1", benefit="ESA",
             start_date="2026-03-02",
             legacy={"weekly_amount": "100.00", "pay_frequency": "WEEKLY", "first_pay_date": "2026-03-09"}),
        *([line("e2", "award.started", nino, occurred_on="2026-04-01", award_ref="JSA1", benefit="JSA",
                start_date="2026-04-01",
                legacy={"weekly_amount": "100.00", "pay_frequency": "WEEKLY", "first_pay_date": "2026-04-02"})]
          if with_jsa else []),
        line("e3", "debt.referred", nino, occurred_on="2026-03-02", creditor="DWP", creditor_ref="D1",
             debt_type="OVERPAYMENT", classification="NON_FRAUD", amount="500.00", created_on="2025-05-01"),
        line("e4", "award.ended", nino, occurred_on=end_date, award_ref="ESA1", end_date=end_date,
             reason="AWARD_ENDED"),
    ], source="test.jsonl")
    assert report.ok, report.refused


@pytest.mark.parametrize("with_jsa", [True, False], ids=["moving-to-jsa", "no-other-award"])
def test_rerate_on_a_legacy_award_s_last_day_takes_no_pay_date_after_its_end_as_the_daily_run_does(
        with_jsa: bool) -> None:
    """events.md §2 ``award.ended`` ("no benefit in payment after ``end_date``": no pay date after it) with
    recovery-rules.md §4 and docs/recovery-notes.md "Re-rating reads the book as the daily run left it" (the
    instalment of the pay period D falls in, as the run takes it on its pay date): ESA of £100.00 a week, paid
    on Mondays, ends on 2026-04-14, its last instalment the £14.40 of 2026-04-13. Its pay period 2026-04-14 to
    2026-04-20 has its pay date after the end, so the run takes nothing for it, and the re-rating of 2026-04-14
    gives the same as that of 2026-04-15: with JSA paid on Thursdays in payment since 2026-04-01, the £6.17
    (£14.40 x 3/7) the run takes from JSA on 2026-04-16 for 2026-04-14 to 2026-04-16 (on that pay date only
    JSA is in payment); without it, nothing, not ESA's £14.40."""
    from dms.services.daily_run import run_through

    _esa_ending_on("2026-04-14", with_jsa)
    run_through(date(2026, 4, 13))
    assert Deduction.objects.filter(date=date(2026, 4, 13), status="TAKEN").get().amount_pence == 1440
    last_day, day_after = rerate(date(2026, 4, 14)), rerate(date(2026, 4, 15))
    on_last_day, on_day_after = _rerated(last_day.run_id), _rerated(day_after.run_id)
    run_through(date(2026, 4, 20))  # the pay dates of those periods: JSA's 2026-04-16, ESA's 2026-04-20
    taken = {(d.date, d.amount_pence) for d in Deduction.objects.filter(date__gt=date(2026, 4, 13),
                                                                           status="TAKEN")}
    assert taken == ({(date(2026, 4, 16), 617)} if with_jsa else set())
    assert last_day.now_pence == day_after.now_pence == (617 if with_jsa else 0)
    assert on_last_day == on_day_after
    assert last_day.instalments == (1 if with_jsa else 0)


def test_rerate_takes_no_legacy_pay_date_on_which_the_run_takes_from_another_award_in_payment() -> None:
    """docs/recovery-notes.md "Which legacy award an instalment is taken from" (the run takes from the first
    awarded with room, of the awards in payment on the pay date) and "Re-rating reads the book as the daily run
    left it": ESA paid on Mondays ends on Friday 2026-04-17, so its pay period 2026-04-14 to 2026-04-20 pays
    nothing; JSA paid on Thursdays, awarded after it, is not taken from on 2026-04-16 either, while ESA is still
    in payment and preferred. The run takes nothing for those periods, and the re-rating of 2026-04-14 gives
    nothing, not JSA's instalment."""
    from dms.services.daily_run import run_through

    _esa_ending_on("2026-04-17", with_jsa=True)
    run_through(date(2026, 4, 13))
    outcome = rerate(date(2026, 4, 14))
    run_through(date(2026, 4, 20))
    assert not Deduction.objects.filter(date__gt=date(2026, 4, 13), status="TAKEN").exists()
    assert (outcome.people, outcome.instalments, outcome.now_pence) == (0, 0, 0)


def _four_weekly_esa_ending_on_its_pay_date_beside_weekly_jsa() -> None:
    """ESA of £100.00 a week paid four-weekly on Mondays from 2026-03-16 (in payment from 2026-03-02), ending on
    its pay date 2026-04-13; JSA of £100.00 a week paid on Wednesdays from 2026-04-08, in payment from
    2026-04-01; a £500.00 DWP debt."""
    nino = "AB123456C"
    report = import_events([
        line("e1", "award.started", nino, occurred_on="2026-03-02", award_ref="ESA1", benefit="ESA",
             start_date="2026-03-02",
             legacy={"weekly_amount": "100.00", "pay_frequency": "FOUR_WEEKLY", "first_pay_date": "2026-03-16"}),
        line("e2", "award.started", nino, occurred_on="2026-04-01", award_ref="JSA1", benefit="JSA",
             start_date="2026-04-01",
             legacy={"weekly_amount": "100.00", "pay_frequency": "WEEKLY", "first_pay_date": "2026-04-08"}),
        line("e3", "debt.referred", nino, occurred_on="2026-03-01", creditor="DWP", creditor_ref="D1",
             debt_type="OVERPAYMENT", classification="NON_FRAUD", amount="500.00", created_on="2026-02-01"),
        line("e4", "award.ended", nino, occurred_on="2026-04-13", award_ref="ESA1", end_date="2026-04-13",
             reason="AWARD_ENDED"),
    ], source="test.jsonl")
    assert report.ok, report.refused


@pytest.mark.parametrize(("as_of", "source", "pence"), [
    (date(2026, 4, 14), "ESA", 5760),  # ESA's 2026-04-13: 4 x £14.40; nothing from JSA's 2026-04-08
    (date(2026, 4, 15), "JSA", 411),  # JSA's 2026-04-15 after ESA's 2026-04-13: £14.40 x 2/7
], ids=["old-award-last-pay-date", "new-award-after-it"])
def test_rerate_with_a_gap_since_the_last_run_gives_what_the_run_of_the_date_then_takes_across_a_move_of_award(
        as_of: date, source: str, pence: int) -> None:
    """README ``dms rerate`` ("as ``dms run --date D`` takes it (... a legacy pay date after the last run,
    worked out as on their payment date)") with docs/recovery-notes.md "Re-rating reads the book as the daily
    run left it" (**Decision**: with several pay dates between the last completed run and D, the person's
    latest one the run of D takes an instalment on, after those of other awards it takes first), "Which legacy
    award an instalment is taken from" and "The days a legacy pay date pays for" (recovery-rules.md §4). The
    last run is 2026-04-07: on JSA's 2026-04-08 ESA is still in payment and preferred, so the run takes nothing
    from JSA; it takes ESA's 2026-04-13 (£57.60, the rates of that pay date, after the uprating), and JSA's
    2026-04-15 pays for 2026-04-14 and 2026-04-15 only (£4.11). The re-rating of D gives what the run of D
    then takes on that pay period, not JSA's 2026-04-08 at £13.95 nor a whole week at £14.40."""
    from dms.services.daily_run import run_through

    _four_weekly_esa_ending_on_its_pay_date_beside_weekly_jsa()
    run_through(date(2026, 3, 1))
    run_through(date(2026, 4, 7))
    outcome = rerate(as_of)
    rows = list(RerateResult.objects.filter(run_id=outcome.run_id).values_list("source", "now_pence"))
    run_through(as_of)
    taken = [(d.date, d.source, d.amount_pence) for d in Deduction.objects.filter(date__gt=date(2026, 4, 7),
                                                                                   status="TAKEN").order_by("date")]
    assert taken == [(date(2026, 4, 13), "ESA", 5760), *([(date(2026, 4, 15), "JSA", 411)]
                                                           if as_of == date(2026, 4, 15) else [])]
    assert rows == [(source, pence)] and (outcome.instalments, outcome.now_pence) == (1, pence)
    assert taken[-1][1:] == (source, pence)


# ---------------------------------------------------------------------------------------------- UC periods the run has or has not taken


def _uc_on_day_7(ref: str, nino: str) -> str:
    return line(f"start-{ref}", "award.started", nino, occurred_on="2025-04-07", award_ref=ref, benefit="UC",
                start_date="2025-04-07", uc={"claimant_type": "SINGLE_25_OR_OVER", "assessment_period_day": 7})


def _taken_after(day: date) -> dict[str, list[tuple[date, int]]]:
    taken: dict[str, list[tuple[date, int]]] = {}
    for ref, on, pence in Deduction.objects.filter(status="TAKEN", date__gt=day).order_by("date", "id").values_list(
            "ref", "date", "amount_pence"):
        taken.setdefault(ref, []).append((on, pence))
    return taken


@pytest.mark.parametrize("how", ["reported-late", "gap-since-the-last-run"])
def test_rerate_takes_an_ended_uc_awards_final_period_paid_before_the_date_and_not_yet_taken(how: str) -> None:
    """README ``dms rerate`` ("as ``dms run --date D`` takes it (a period paid before D and not yet taken ...
    worked out as on their payment date)") with events.md §2 ``award.ended`` (the period an award's end date
    falls in is still paid) and ``uc.assessment_period`` (the deduction is worked out on ``payment_date``):
    the final period of an award that ended, paid on 2025-06-13 and not yet taken by a run (reported after
    the run of 2025-06-14, or with the last run on 2025-06-08), is taken late by the run of 2025-06-20, and
    the re-rating of that date takes it too: 15% of £400.14 = £60.02 (docs/recovery-notes.md "Re-rating reads
    the book as the daily run left it")."""
    from dms.services.daily_run import run_through

    nino, other = "AB330003A", "AB330002A"
    final = period("ap-final", "UW", nino, "2025-05-07", "2025-06-06", "2025-06-13")
    going_on = [_uc_on_day_7("UV", other), debt("OPV", other, amount="1000.00"),
                period("ap-v", "UV", other, "2025-05-07", "2025-06-06", "2025-06-13")]
    report = import_events([_uc_on_day_7("UW", nino), debt("OPW", nino, amount="1000.00"),
                            *([] if how == "reported-late" else [final, *going_on])], source="test.jsonl")
    assert report.ok, report.refused
    run_through(date(2025, 6, 1))
    report = import_events([line("end-UW", "award.ended", nino, occurred_on="2025-06-06", award_ref="UW",
                                 end_date="2025-06-06", reason="AWARD_ENDED")], source="test.jsonl")
    assert report.ok, report.refused
    last_run = date(2025, 6, 14) if how == "reported-late" else date(2025, 6, 8)
    run_through(last_run)
    if how == "reported-late":
        report = import_events([final], source="test.jsonl")
        assert report.ok, report.refused
    outcome = rerate(date(2025, 6, 20))
    rows = sorted(RerateResult.objects.filter(run_id=outcome.run_id).values_list("source", "now_pence"))
    run_through(date(2025, 6, 20))
    taken = _taken_after(last_run)
    expected = {"OPW": 6002} if how == "reported-late" else {"OPW": 6002, "OPV": 6002}
    assert {ref: sum(p for _, p in days) for ref, days in taken.items()} == expected
    assert (outcome.people, outcome.periods, outcome.now_pence) == (len(expected), len(expected),
                                                                    sum(expected.values()))
    assert rows == [("UC", 6002)] * len(expected) and outcome.standing_in == 0


def test_rerate_works_a_taken_period_standing_in_for_the_unreported_current_one_at_that_ones_parameters() -> None:
    """README ``dms rerate`` ("their current assessment period ..., with the parameters in force") and
    recovery-rules.md §2 (the figures apply to assessment periods starting on or after their date), with the
    **Decision** in docs/recovery-notes.md "Re-rating reads the book as the daily run left it": when an
    award's latest period held is one the run has already taken and the date is after its end (the period
    containing it not yet reported), that period stands in for the current one, worked out with the
    parameters of the award's assessment period containing the date by its cycle, and counted
    (``uc_periods_standing_in``). The period 2025-05-07 to 2025-06-06, taken on 2025-06-13, re-rated as of
    2026-05-10 stands in for 2026-05-07 to 2026-06-06: 15% of the 2026/27 £424.90 = £63.73; as of 2026-05-01,
    for 2026-04-07 to 2026-05-06, which starts before the uprating of 2026-04-13: £60.02. Before the run takes
    it, the same period is the one to be paid (as on its payment date, as today), not a stand-in."""
    from dms.services.daily_run import run_through

    nino = "AB200001A"
    report = import_events([_uc_on_day_7("UU", nino), debt("OPU", nino, amount="3000.00"),
                            period("ap-may", "UU", nino, "2025-05-07", "2025-06-06", "2025-06-13")],
                           source="test.jsonl")
    assert report.ok, report.refused
    run_through(date(2025, 6, 1))
    before = rerate(date(2025, 6, 20))
    assert (before.periods, before.standing_in, before.now_pence) == (1, 0, 6002)
    assert before.as_json()["uc_periods_standing_in"] == 0
    run_through(date(2025, 6, 13))
    for as_of, pence in [(date(2025, 6, 20), 6002), (date(2026, 5, 1), 6002), (date(2026, 5, 10), 6373)]:
        outcome = rerate(as_of)
        assert (outcome.people, outcome.periods, outcome.standing_in, outcome.no_period) == (1, 1, 1, 0), as_of
        assert outcome.now_pence == pence, as_of
        assert outcome.as_json()["uc_periods_standing_in"] == 1
        assert RerateRun.objects.get(pk=outcome.run_id).standing_in == 1
    # a what-if cap applies to the stand-in at the current period's figures: 10% of £424.90 = £42.49
    assert rerate(date(2026, 5, 10), Decimal("0.10")).what_if_pence == 4249
