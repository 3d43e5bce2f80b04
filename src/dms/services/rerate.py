"""Re-rating the whole book (``dms rerate``): one deduction calculation for every person with debts in
recovery, as after a change of the overall cap, and the same with the cap overridden (a what-if).

For every person with OPEN debts and a benefit in payment on the as-of date D:

- on UC: their current assessment period (the latest stored ``uc.assessment_period`` starting on or before
  D, events.md §2) through :func:`dms.recovery.uc.calculate_uc_period`, once with the parameters in force
  for the period and once with ``uc.overall_cap`` replaced by the what-if rate (recovery-rules.md §3; SI
  2013/380 Sch 6 para 4(1)); a latest period a run has already taken that ended before D stands in for the
  award's period containing D, not yet reported, with that period's parameters (recovery-rules.md §2), and is
  counted (``uc_periods_standing_in``; **Decision**, docs/recovery-notes.md "Re-rating reads the book as the
  daily run left it");
- on a legacy benefit only: the instalment of one pay period of their award through
  :func:`dms.recovery.legacy.calculate_legacy_instalment`, with the parameters in force on D, or on a pay
  date before D the run has still to take (below) (recovery-rules.md §4). **Decision**: the overall cap is a UC rule; a legacy instalment is set by units
  of the personal allowance (SI 1988/664 reg 16), so the what-if leaves it unchanged.

The debts are the ones the daily run would deduct from (the same choice as
:mod:`dms.services.recovery_load`: OPEN with a positive balance, the partner's and joint debts on a joint
UC award, reduced rates in force on D), at their balances now. Nothing is posted and nothing is locked. An
assessment period is held as a row when its event is imported, so a period imported today counts.

Worked out as the run of D works them (``services.recovery._LatePeriods``; docs/events-notes.md "A UC period
reported after its payment date"): a current period paid before D and not yet processed (reported late, or
due on a day the run has still to reach) is worked out as on its payment date (events.md §2: "DMS works out
every deduction from this period's payment ... on ``payment_date``"): only the debts received by then, each
at the reduced rate in force that day, with a debt the LA recalled after that day, still in its recall
holding period, taken from (hb-debt-interface.md §6.5). Likewise a legacy award's latest pay date before D
that is after the last completed run (the run of D works each day in turn and takes that instalment on its
pay date): the instalment as on that pay date, with its parameters and reduced rates, the days it pays for
and the benefit for them (``dms.recovery.legacy.paid_days``, the award's terms as the run applied them, after
the instalments the run took from the person's other legacy awards) and
the sanctions over those days (recovery-rules.md §4; ``dms.recovery.legacy.sanction_over_period``); otherwise
the instalment of the pay period D falls in, as the run will take it on the pay date that ends it. Of a person's
legacy awards, only one the run takes that pay date's instalment from: not one whose pay date comes after its
end date (events.md §2 ``award.ended``), nor one another award in payment that day is preferred to (the
choice of ``recovery_load.due_instalments``); of those, the one the run prefers on D. A couple's
joint award reported under each partner is re-rated once, on the report the daily run takes
(``recovery_load.couple_reports_taken_by_another``).

``people`` counts each person with debts in recovery who is re-rated, once, by the chunk of their own
partition: both partners of a joint UC award when both owe debts its period recovers from (README
``dms rerate``: "for every person with debts in recovery").

The book is streamed by partition of people (``Person.partition``): each chunk of partitions is loaded in
one query per kind of row (the chunk's people; their debts by ``Debt.partition``; debts they owe jointly
with people of other partitions; their awards in payment; the current periods; their partners' debts; the
reduced rates), each driven by an index (on PostgreSQL with hash and merge joins and parallel query off for
the chunk, so that a chunk's few thousand rows are looked up rather than whole tables scanned), calculated,
and its results written in one go (binary COPY on PostgreSQL, batched insert on SQLite) as
:class:`RerateResult` rows keyed by the run, one per person and creditor. Chunks run in this process or on ``workers`` local processes. The run's totals are summed from the stored rows when every
chunk is done.
"""

from __future__ import annotations

import json
import os
import signal
import socket
from collections import defaultdict
from collections.abc import Callable, Collection, Sequence
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from time import perf_counter
from typing import Any

from django.db import connection, transaction

from dms.calendar import assessment_period_containing
from dms.errors import DmsError
from dms.la_interface.outbound import process_running
from dms.recovery.legacy import (
    PASSED_OVER_DAYS,
    PER_ASSESSMENT_PERIOD,
    PER_WEEK,
    calculate_legacy_instalment,
    latest_pay_date,
    paid_days,
    pay_period,
    rate_per,
    sanction_over_period,
)
from dms.recovery.types import (
    DebtLimit,
    DebtRecord,
    LegacyInstalmentInput,
    LegacyPayTerms,
    LineKind,
    OtherAwardInstalment,
    PayFrequency,
    RecoveryInputError,
    ReducedWeeklyRate,
    SanctionSpan,
    UcPeriodInput,
)
from dms.recovery.uc import calculate_uc_period
from dms.recovery.what_if import LEGAL_MAXIMUM_CAP_PERCENT
from dms.services.benefit_in_payment import award_in_payment, in_payment_params, in_payment_sql
from dms.services.daily_run import refuse_a_date_without_rules, signals_held
from dms.services.events import last_completed_run_date
from dms.services.recovery import (
    legacy_other_rates,
    legacy_reduced_rate,
    third_party_items,
    uc_other_rates,
)
from dms.services.recovery_load import (
    JOINT_DEAD_SQL,
    LOOK_BACK_DAYS,
    OWNER_DEAD_SQL,
    OWNER_PAID_PLACEHOLDERS,
    OWNER_PAID_SQL,
    CoupleReport,
    HeldRate,
    RateInForce,
    as_date,
    couple_reports_taken_by_another,
    fetch,
    held_terms,
    in_ids,
    legacy_award_choice,
    legacy_terms_over,
    other_award_instalments,
    person_rates,
    preferred_elsewhere,
    received_by_sql,
    sanctions_over,
)
from dms.store.ledger import is_postgresql, write_rows
from dms.store.replay.models import RerateResult, RerateRun

PARTITIONS = 1024
CHUNK_PARTITIONS = 16  # person partitions per unit of work when none is given and the book is not counted
CHUNK_PEOPLE = 100_000  # about this many people per chunk when the size is chosen from the book
RESULT_COLUMNS = ("run_id", "person_id", "partition", "source", "period_start", "creditor_id", "now_pence",
                  "what_if_pence")
THIRD_PARTY = "THIRD_PARTY"


# ---------------------------------------------------------------------------------------------- results


@dataclass
class ChunkReport:
    people: int = 0
    periods: int = 0
    instalments: int = 0
    no_period: int = 0
    standing_in: int = 0  # UC periods the run has taken, re-rated for the current one not yet reported
    phases: dict[str, float] = field(default_factory=dict)  # seconds by phase (load, calculate, write)

    def add(self, other: ChunkReport) -> None:
        self.people += other.people
        self.periods += other.periods
        self.instalments += other.instalments
        self.no_period += other.no_period
        self.standing_in += other.standing_in
        for phase, seconds in other.phases.items():
            self.phases[phase] = self.phases.get(phase, 0.0) + seconds

    def timed(self, phase: str, started: float) -> float:
        """Add the time since ``started`` (``perf_counter``) to ``phase``; returns now."""
        now = perf_counter()
        self.phases[phase] = self.phases.get(phase, 0.0) + now - started
        return now


@dataclass
class CreditorTotal:
    creditor: str  # "DWP", "HMRC", "LA 123456" or THIRD_PARTY
    now_pence: int
    what_if_pence: int
    la_id: str | None = None  # an LA's total: its LA ID (as ``report reconcile --json`` gives it)

    @property
    def difference_pence(self) -> int:
        return self.what_if_pence - self.now_pence


@dataclass
class RerateOutcome:
    run_id: int
    as_of: date
    cap_rate: Decimal | None
    people: int
    periods: int
    instalments: int
    no_period: int
    now_pence: int
    what_if_pence: int
    seconds: float
    creditors: list[CreditorTotal] = field(default_factory=list)
    phases: dict[str, float] = field(default_factory=dict)  # seconds by phase, summed over the chunks
    waiting: int = 0  # events and LA files dated on or before the date that the daily run has not applied
    swept: int = 0  # runs left unfinished by a killed `dms rerate` process, removed before this one
    standing_in: int = 0  # of ``periods``, those the run has taken, standing in for a current one not reported

    def as_json(self) -> dict[str, Any]:
        from dms.money import format_pounds

        return {
            "run_id": self.run_id, "date": self.as_of.isoformat(),
            "cap_percent": None if self.cap_rate is None else format((self.cap_rate * 100).normalize(), "f"),
            "people": self.people, "uc_periods": self.periods, "legacy_instalments": self.instalments,
            "uc_awards_without_a_period": self.no_period, "uc_periods_standing_in": self.standing_in,
            "seconds": round(self.seconds, 3),
            "waiting_for_the_daily_run": self.waiting,
            "now": format_pounds(self.now_pence), "what_if": format_pounds(self.what_if_pence),
            "difference": format_pounds(self.what_if_pence - self.now_pence),
            "creditors": [{"creditor": c.creditor, "la_id": c.la_id, "now": format_pounds(c.now_pence),
                           "what_if": format_pounds(c.what_if_pence),
                           "difference": format_pounds(c.difference_pence)} for c in self.creditors],
        }


# ---------------------------------------------------------------------------------------------- loading


@dataclass(frozen=True, slots=True)
class _Period:
    person_id: int
    partition: int
    period_start: date
    period_end: date
    payment_date: date
    award_amount_pence: int
    sanction_pence: int
    fraud_penalty_pence: int
    third_party: list[dict[str, Any]]
    claimant_type: str
    partner_id: int | None
    period_id: int = 0
    processed_on: date | None = None
    late: bool = False  # paid before the as-of date and not yet taken by a run: worked out as on its payment date
    count_only: bool = False  # another chunk re-rates it; this one counts the partner it names (a person here)
    # taken by a run and ended before the as-of date: it stands in for the award's assessment period containing
    # that date, not yet reported, and is worked out with that period's parameters (its first and last days)
    standing_in_for: tuple[date, date] | None = None


@dataclass(frozen=True, slots=True)
class _Legacy:
    person_id: int
    partition: int
    benefit: str
    weekly_amount_pence: int
    pay_frequency: str
    first_pay_date: date | None = None
    pay_date: date | None = None  # the pay date worked out as on (None: the as-of date)
    award_id: int = 0
    start_date: date | None = None  # the award's: the days a pay date pays for start no earlier
    # the pay dates of the person's other legacy awards after the last completed run and before this one that
    # the run of the as-of date takes first, in date order (each worked out as on its pay date): an instalment
    # taken on one pays for the days up to it (:func:`_the_runs_pay_dates`)
    before: tuple[_Legacy, ...] = ()


@dataclass(frozen=True, slots=True)
class _Debt:
    record: DebtRecord
    creditor_id: int
    recalled_on: date | None = None  # in its recall holding period: the date of the recall, which found it OPEN
    referred_on: date | None = None  # the day DMS received it (recovery_load.received_by_sql); None: received_on

    def received_by(self, day: date) -> bool:
        """Whether DMS had received the debt by ``day`` (its own referral's receipt, hb-debt-interface.md §4.1;
        ``record.received_on`` orders recovery only, §6.4), as ``recovery_load.LoadedDebt.received_by``."""
        return (self.referred_on or self.record.received_on) <= day


# Of a debt ``d`` in its recall holding period: the processing date of its recall (not yet ceased) that found
# it OPEN, else NULL. Such a debt is taken from only by a UC period paid before that date and reported late
# (hb-debt-interface.md §6.5; ``services.recovery._LatePeriods``).
_RECALLED_OPEN_ON = (
    "(SELECT MIN(r.recalled_on) FROM store_la_recall r WHERE r.debt_id = d.id AND r.ceased = FALSE AND EXISTS ("
    "SELECT 1 FROM dms_debt_status_change s WHERE s.debt_id = r.debt_id AND s.business_date = r.recalled_on "
    "AND s.from_status = 'OPEN' AND s.to_status = 'RECALL_PENDING'))"
)
_IN_RECOVERY = f"(d.status = 'OPEN' OR (d.status = 'RECALL_PENDING' AND {_RECALLED_OPEN_ON} IS NOT NULL))"
_DEBT_COLUMNS = ("SELECT d.id, d.person_id, d.creditor_id, d.debt_type, d.classification, d.received_on, "
                 f"d.receipt_seq, d.created_on, d.joint_person_id, d.agreed_amount_pence, acc.balance_pence, "
                 f"{OWNER_PAID_SQL}, {OWNER_DEAD_SQL}, {JOINT_DEAD_SQL}, "
                 f"CASE WHEN d.status = 'OPEN' THEN NULL ELSE {_RECALLED_OPEN_ON} END, {received_by_sql()} "
                 "FROM dms_debt d JOIN dms_account acc ON acc.kind = 'RECEIVABLE' AND acc.debt_id = d.id "
                 f"WHERE {_IN_RECOVERY} AND acc.balance_pence > 0 AND {received_by_sql()} <= %s AND ")


class _RatesOver:
    """The reduced rates of a chunk's debts set on any day from ``first`` to ``last``, read in one query: the
    rate in force on each day a calculation is worked out on (the latest set wins, as
    :func:`dms.services.recovery_load.reduced_rates_both` reads one day's; A9/2025 §31)."""

    def __init__(self, first: date, last: date, debt_ids: list[int]) -> None:
        self.by_debt: dict[int, list[tuple[date, date, RateInForce]]] = defaultdict(list)
        if not debt_ids:
            return
        cond, params = in_ids("r.debt_id", debt_ids)
        for debt_id, amount, set_per, actor, set_on, until in fetch(
                "SELECT r.debt_id, r.amount_pence, r.per, r.actor, r.set_on, r.until FROM dms_reduced_rate r "
                f"WHERE {cond} AND r.set_on <= %s AND r.until > %s ORDER BY r.set_on, r.id", [*params, last, first]):
            self.by_debt[debt_id].append((as_date(set_on), as_date(until), RateInForce(
                rate_per(int(amount), set_per or "", PER_ASSESSMENT_PERIOD),
                rate_per(int(amount), set_per or "", PER_WEEK), actor, as_date(until), int(amount), set_per or "")))

    def on(self, debt_id: int, day: date) -> RateInForce | None:
        found = None
        for set_on, until, rate in self.by_debt.get(debt_id, ()):
            if set_on <= day < until:
                found = rate
        return found


@dataclass
class _ChunkBook:
    """What one chunk's calculations read, loaded by partition in a few set-based queries."""

    debts: dict[int, list[_Debt]]  # person id → OPEN debts with a balance, owned or jointly owed
    people: list[int]  # the chunk's people with such debts, in id order
    partition: dict[int, int]  # person id → partition
    uc_awards: dict[int, tuple[int, str, int | None]]  # award id → (person, claimant type, partner)
    legacy: list[_Legacy]
    periods: list[_Period]
    # holders who have died of joint UC awards in payment to a living partner: those periods take for the
    # partner's debts only (recovery.living_partners' Decision)
    dead_holders: frozenset[int] = frozenset()
    # periods of a couple whose joint award is reported under each partner's award, other than the one the
    # daily run takes the couple's deductions from: the couple is re-rated once
    # (recovery_load.couple_reports_taken_by_another)
    reported_twice: frozenset[int] = frozenset()
    # the reduced rates of the debts loaded, on the as-of date and on the days periods are worked out as on
    rates: _RatesOver | None = None
    # person id → the reduced rates in force on their debts, in recovery or not (recovery_load.person_rates):
    # a rate on a debt that has cleared still limits the person's others until its review date
    held_rates: dict[int, list[HeldRate]] = field(default_factory=dict)


def _creditors() -> dict[int, tuple[str, str | None]]:
    """``{creditor id: (kind, LA ID)}``: every creditor (a few hundred rows), read once per chunk."""
    return {r[0]: (r[1], r[2]) for r in fetch("SELECT id, kind, la_id FROM dms_creditor", [])}


def _add_debts(rows: list[tuple[Any, ...]], creditors: dict[int, tuple[str, str | None]],
               rates: dict[int, RateInForce | None], by_person: dict[int, list[_Debt]], seen: dict[int, _Debt]
               ) -> None:
    """Add debt ``rows`` (:data:`_DEBT_COLUMNS`) to their owner's list and, while the owner has no benefit in
    payment, their joint debtor's (as the daily run lists them, :func:`recovery_load.load_open_debts`)."""
    for r in rows:
        if r[0] in seen:
            continue
        kind, la_id = creditors[r[2]]
        rate = rates.get(r[0])
        debt = _Debt(DebtRecord(
            debt_id=r[0], owner_kind=kind, debt_type=r[3], classification=r[4], balance_pence=int(r[10]),
            received_on=as_date(r[5]), receipt_seq=r[6], created_on=as_date(r[7]), la_id=la_id,
            joint=r[8] is not None, owner_person=r[1], agreed_amount_pence=r[9],
            reduced_rate_pence=rate.per_period if rate is not None else None,
            reduced_weekly_rate_pence=rate.per_week if rate is not None else None,
        ), r[2], as_date(r[14]) if r[14] is not None else None, as_date(r[15]))
        seen[r[0]] = debt
        if not r[12]:  # a joint debt of an owner who has died is only its living joint debtor's
            by_person[r[1]].append(debt)
        if r[8] is not None and r[8] != r[1] and not r[11] and not r[13]:
            by_person[r[8]].append(debt)


def _load_chunk(as_of: date, first: int, last: int) -> _ChunkBook:
    """The people of partitions ``first``..``last`` who owe (or jointly owe) an OPEN debt with a balance,
    with their debts, their UC awards in payment and current assessment periods, their legacy award in payment
    (when they have no UC award in payment), and the debts of their UC partners; in one query per kind of
    row, driven by ``Debt.partition`` and ``Person.partition`` and the indexes on person, award and debt."""
    creditors = _creditors()
    chunk_people = {r[0]: r for r in fetch(
        "SELECT id, partition, date_of_death FROM dms_person WHERE partition BETWEEN %s AND %s", [first, last])}
    paid = [as_of] * OWNER_PAID_PLACEHOLDERS
    columns = [*paid, as_of, as_of]  # OWNER_PAID_SQL's placeholders, OWNER_DEAD_SQL's and JOINT_DEAD_SQL's
    own = fetch(_DEBT_COLUMNS + "d.partition BETWEEN %s AND %s", [*columns, as_of, first, last])
    cond, params = in_ids("d.joint_person_id", sorted(chunk_people))
    joint = fetch(_DEBT_COLUMNS + f"{cond} AND NOT d.partition BETWEEN %s AND %s",
                  [*columns, as_of, *params, first, last])
    # a joint debtor is re-rated for a joint debt only while its owner has no benefit in payment (r[11])
    people = sorted({r[1] for r in own} | {r[8] for r in joint if not r[11]}
                    | {r[8] for r in own if r[8] in chunk_people and not r[11]})
    # the book's awards of those people in payment on the date, of the people alive on it
    alive = [p for p in people if chunk_people[p][2] is None or as_date(chunk_people[p][2]) > as_of]
    uc_awards: dict[int, tuple[int, str, int | None]] = {}
    legacy_of: dict[int, _Legacy] = {}
    with_uc: set[int] = set()
    legacy_awards: dict[int, list[tuple[int, int | None, str, str, date | None, date, date | None]]] = defaultdict(
        list)
    final_period_of: dict[int, int] = {}  # people re-rated on an ended UC award's final period: partition
    # the UC awards in payment on the date: their assessment-period day (None: not given), for a period that
    # stands in for the one containing the date (_current_periods); an ended award's final period never does
    cycles: dict[int, int | None] = {}
    if alive:
        cond, params = in_ids("a.person_id", alive)
        for award_id, person, benefit, claimant_type, partner, weekly, frequency, first_pay, start, end, day in fetch(
            "SELECT a.id, a.person_id, a.benefit, a.claimant_type, a.partner_id, a.weekly_amount_pence, "
            "a.pay_frequency, a.first_pay_date, a.start_date, a.end_date, a.assessment_period_day FROM dms_award a "
            f"WHERE {cond} AND {in_payment_sql('a')} "
            "ORDER BY a.id",
            [*params, *in_payment_params(as_of)]
        ):
            if benefit == "UC":
                uc_awards[award_id] = (person, claimant_type, partner)
                cycles[award_id] = day
                with_uc.add(person)
            else:
                legacy_awards[person].append((award_id, weekly, benefit, frequency,
                                              as_date(first_pay) if first_pay is not None else None,
                                              as_date(start), as_date(end) if end is not None else None))
        # A UC award that has ended, whose final assessment period (the one its end date falls in) is paid on
        # or after the date, or was paid before it and is not yet taken by a run (reported late, or due on a day
        # the run has still to reach): the daily run takes that period on its payment date, or late
        # (recovery_load.load_due_periods: only periods starting after the end are not taken), so it is the
        # award's current period too.
        for award_id, person, claimant_type, partner in fetch(
            "SELECT a.id, a.person_id, a.claimant_type, a.partner_id FROM dms_award a "
            f"WHERE {cond} AND a.benefit = 'UC' AND a.end_date IS NOT NULL AND a.end_date < %s AND EXISTS ("
            "SELECT 1 FROM dms_assessment_period p WHERE p.award_id = a.id AND p.period_start <= a.end_date "
            "AND p.period_end >= a.end_date AND (p.payment_date >= %s OR p.processed_on IS NULL)) ORDER BY a.id",
            [*params, as_of, as_of]
        ):
            uc_awards.setdefault(award_id, (person, claimant_type, partner))
            final_period_of[person] = chunk_people[person][1]
    holders: dict[int, int] = {}  # award holders without debts of their own: person id → partition
    holders_elsewhere: dict[int, int] = {}  # holders who owe, of awards in ``counted_here``: → partition
    dead_holders: set[int] = set()
    counted_here: dict[int, tuple[int, str, int | None]] = {}  # awards of holders in other chunks, which re-rate
    # them: this chunk counts the partner they name (ChunkReport.people: each person in their own chunk)
    if alive:
        # A debtor named as the partner on a UC award in payment is recovered from by that award only
        # (recovery_load.due_instalments' Decision: no legacy instalment); when its holder owes nothing
        # (so no chunk re-rates the holder), or has died (the award goes on paying the partner, as the daily
        # run takes it: recovery.living_partners), this chunk takes the award's period for the partner's
        # debts, as the daily run deducts them from it (glossary "in payment": a joint award is in payment to
        # the partner it names too).
        cond, params = in_ids("a.partner_id", alive)
        for award_id, person, claimant_type, partner, partition, holder_owes, holder_died, day in fetch(
            "SELECT a.id, a.person_id, a.claimant_type, a.partner_id, pe.partition, EXISTS (SELECT 1 "
            "FROM dms_debt d JOIN dms_account acc ON acc.kind = 'RECEIVABLE' AND acc.debt_id = d.id "
            "WHERE (d.person_id = a.person_id OR (d.joint_person_id = a.person_id "
            f"AND ({OWNER_PAID_SQL}) = 0)) AND {_IN_RECOVERY} "
            f"AND acc.balance_pence > 0 AND {received_by_sql()} <= %s), "
            "CASE WHEN pe.date_of_death IS NOT NULL AND pe.date_of_death <= %s THEN 1 ELSE 0 END, "
            "a.assessment_period_day FROM dms_award a "
            f"JOIN dms_person pe ON pe.id = a.person_id WHERE {cond} AND a.benefit = 'UC' "
            f"AND {in_payment_sql('a')} ORDER BY a.id",
            [*paid, as_of, as_of, *params, *in_payment_params(as_of)]
        ):
            with_uc.add(partner)
            cycles.setdefault(award_id, day)
            if holder_died:
                dead_holders.add(person)
            if award_id in uc_awards:
                continue
            if holder_died or not holder_owes:
                uc_awards[award_id] = (person, claimant_type, partner)
                holders[person] = partition
            else:
                counted_here[award_id] = (person, claimant_type, partner)
                holders_elsewhere[person] = partition
    last_run = last_completed_run_date() if legacy_awards else None
    if last_run is not None and last_run < as_of - timedelta(days=1):
        # the legacy awards of people with one in payment on the date that ended after the last completed run:
        # the run of the date still takes their pay dates up to their end (few)
        cond, params = in_ids("a.person_id", sorted(legacy_awards))
        for award_id, person, benefit, weekly, frequency, first_pay, start, end in fetch(
            "SELECT a.id, a.person_id, a.benefit, a.weekly_amount_pence, a.pay_frequency, a.first_pay_date, "
            f"a.start_date, a.end_date FROM dms_award a WHERE {cond} AND a.benefit <> 'UC' "
            "AND a.end_date > %s AND a.end_date < %s AND a.start_date <= a.end_date ORDER BY a.id",
            [*params, last_run, as_of]
        ):
            legacy_awards[person].append((award_id, weekly, benefit, frequency,
                                          as_date(first_pay) if first_pay is not None else None, as_date(start),
                                          as_date(end)))
    for person, awards in legacy_awards.items():  # the daily run's choice (recovery_load.due_instalments)
        partition = chunk_people[person][1]
        gap = _the_runs_pay_dates(as_of, last_run, awards) if last_run is not None and len(awards) > 1 else []
        if gap:  # the person's latest pay date the run of the date takes, after those of other awards before it
            (day, (award_id, weekly, benefit, frequency, first_pay, start, _)), earlier = gap[-1], gap[:-1]
            before = tuple(_Legacy(person, partition, b[2], b[1] or 0, b[3], b[4], paid_on, b[0], b[5])
                           for paid_on, b in earlier if b[0] != award_id)
            legacy_of[person] = _Legacy(person, partition, benefit, weekly or 0, frequency, first_pay,
                                        day if day < as_of else None, award_id, start, before)
            continue
        awards = [a for a in awards if a[6] is None or a[6] >= as_of]  # in payment on the date
        taken = _taken_on_their_pay_dates(as_of, last_run, awards)
        chosen = legacy_award_choice([(award_id, weekly, frequency)
                                      for award_id, weekly, _, frequency, _, _, _ in awards if award_id in taken],
                                     as_of)
        if chosen is None:  # no pay date of theirs for the pay period D falls in is taken
            continue
        award_id, weekly, benefit, frequency, first_pay, start, _ = next(a for a in awards if a[0] == chosen)
        legacy_of[person] = _Legacy(person, partition, benefit, weekly or 0, frequency, first_pay,
                                    taken[award_id], award_id, start)
    legacy = [legacy_of[p] for p in sorted(legacy_of) if p not in with_uc]
    periods = _current_periods(as_of, uc_awards, {**final_period_of, **holders, **holders_elsewhere,
                                                  **{p: chunk_people[p][1] for p in with_uc if p in chunk_people}},
                               counted_here, cycles)
    # partners outside the chunk (or without debts of their own in it): their own and jointly owed debts
    partners = {p.partner_id for p in periods if p.partner_id is not None and not p.count_only}
    outside = sorted(partners - set(people))
    partner_rows: list[tuple[Any, ...]] = []
    if outside:
        cond, params = in_ids("d.person_id", outside)
        joint_cond, joint_params = in_ids("d.joint_person_id", outside)
        partner_rows = fetch(_DEBT_COLUMNS + f"({cond} OR {joint_cond})", [*columns, as_of, *params, *joint_params])
    rows = own + joint + partner_rows
    # the reduced rate in force of every debt loaded, whoever owns it: a jointly owed debt keeps its rate when
    # it is recovered from the other debtor (recovery-rules.md §4; as the daily run reads them,
    # :func:`dms.services.recovery_load.load_open_debts`)
    # Read over the days periods and instalments are worked out as on: a UC period reported late and a legacy
    # pay date the run has still to take are worked out with the rates in force on their payment date.
    first_day = min([as_of, *(p.payment_date for p in periods if p.late),
                     *(a.pay_date for a in legacy if a.pay_date is not None),
                     *(b.pay_date for a in legacy for b in a.before if b.pay_date is not None)])
    rates = _RatesOver(first_day, as_of, sorted({r[0] for r in rows}))
    by_person: dict[int, list[_Debt]] = defaultdict(list)
    _add_debts(rows, creditors, {r[0]: rates.on(r[0], as_of) for r in rows}, by_person, {})
    # a couple's period reported under each partner's award is re-rated once, on the report the daily run
    # takes (those of awards another chunk re-rates, ``count_only``, as well: they count nobody twice)
    twice = couple_reports_taken_by_another(
        [CoupleReport(p.period_id, p.person_id, p.partner_id, p.period_start, p.payment_date, p.processed_on)
         for p in periods], as_of + timedelta(days=1))
    held = person_rates(as_of, sorted(set(people) | partners))
    return _ChunkBook(by_person, people, {p: chunk_people[p][1] for p in people}, uc_awards, legacy, periods,
                      frozenset(dead_holders), frozenset(twice), rates, held)


def _legacy_pay_date(as_of: date, last_run: date | None, first_pay: Any, frequency: str | None) -> date | None:
    """The pay date a legacy instalment is worked out as on (recovery-rules.md §4: each instalment with the
    rates and parameters of its pay date): the award's latest pay date on or before ``as_of`` when the daily
    run has still to take it (after the last completed run: the run of ``as_of`` takes it on that day, as it
    works each date in turn); else the as-of date (None)."""
    if last_run is None or first_pay is None:
        return None
    paid = latest_pay_date(as_date(first_pay), frequency, as_of)
    return paid if paid is not None and last_run < paid < as_of else None


def _the_runs_pay_dates(as_of: date, last_run: date,
                        awards: Sequence[tuple[int, int | None, str, str, date | None, date, date | None]]
                        ) -> list[tuple[date, tuple[int, int | None, str, str, date | None, date, date | None]]]:
    """Of one person's legacy awards (``(id, weekly amount, benefit, pay frequency, first pay date, start date,
    end date)``: those in payment on ``as_of`` and those ended since ``last_run``), ``[(pay date, award)]`` in
    date order: the pay dates after the last completed run and up to ``as_of`` on which the run of ``as_of``,
    working each date in turn, takes an instalment from the award, the one in payment that day that is preferred
    to the others then in payment (:func:`dms.services.recovery_load.legacy_award_choice`, the choice of
    :func:`dms.services.recovery_load.due_instalments`; events.md §2 ``award.ended``: no pay date after the end).
    The last is the person's pay period re-rated; the earlier ones of other awards are taken first and pay for
    the days up to them (**Decision**, docs/recovery-notes.md "Re-rating reads the book as the daily run left
    it", "The days a legacy pay date pays for"). Empty when there is none: then the pay period ``as_of`` falls
    in is re-rated (:func:`_taken_on_their_pay_dates`)."""
    found = []
    for award in awards:
        award_id, _, _, frequency, first_pay, start, end = award
        day = latest_pay_date(first_pay, frequency, as_of)
        while day is not None and day > last_run:
            if award_in_payment(start, end, day) and legacy_award_choice(
                    [(other, weekly, other_frequency) for other, weekly, _, other_frequency, _, other_start, other_end
                     in awards if award_in_payment(other_start, other_end, day)], day) == award_id:
                found.append((day, award))
            day = latest_pay_date(first_pay, frequency, day - timedelta(days=1))
    return sorted(found, key=lambda found_on: (found_on[0], found_on[1][0]))


def _taken_on_their_pay_dates(as_of: date, last_run: date | None,
                              awards: Sequence[tuple[int, int | None, str, str, date | None, date, date | None]]
                              ) -> dict[int, date | None]:
    """Of one person's legacy awards in payment on ``as_of`` (``(id, weekly amount, benefit, pay frequency,
    first pay date, start date, end date)``), ``{award id: the pay date it is worked out as on (None: the
    as-of date, :func:`_legacy_pay_date`)}`` of those the daily run takes an instalment from on the pay date it
    is worked out for: a pay date the run has still to take, else the pay date ending the pay period
    ``as_of`` falls in (:func:`dms.recovery.legacy.pay_period`). An award whose pay date comes after its end
    date pays nothing then (events.md §2 ``award.ended``: "no benefit in payment after ``end_date``"), and one
    another award in payment that day is preferred to is not taken from then
    (:func:`dms.services.recovery_load.legacy_award_choice`, the choice of
    :func:`dms.services.recovery_load.due_instalments` on that pay date): on the last day of an award paid on
    Mondays, ending on a Tuesday, the instalment is that of the person's other award paid on the Thursday,
    or none (**Decision**, docs/recovery-notes.md "Re-rating reads the book as the daily run left it")."""
    taken: dict[int, date | None] = {}
    for award_id, _, _, frequency, first_pay, _, end in awards:
        pay_date = _legacy_pay_date(as_of, last_run, first_pay, frequency)
        if first_pay is None or not frequency:  # no pay dates worked out: taken as the run chooses on D
            taken[award_id] = pay_date
            continue
        paid_on = pay_date or pay_period(first_pay, frequency, as_of)[1]
        if end is not None and paid_on > end:
            continue
        if len(awards) > 1 and legacy_award_choice(
                [(other, weekly, other_frequency) for other, weekly, _, other_frequency, _, start, other_end in awards
                 if award_in_payment(start, other_end, paid_on)], paid_on) != award_id:
            continue
        taken[award_id] = pay_date
    return taken


def _current_periods(as_of: date, awards: dict[int, tuple[int, str, int | None]],
                     partition: dict[int, int],
                     counted_here: dict[int, tuple[int, str, int | None]] | None = None,
                     cycles: dict[int, int | None] | None = None) -> list[_Period]:
    """The current assessment period of each award: the latest starting on or before ``as_of``, with the
    claimant type and partner in force on its last day, as the daily run takes it
    (:func:`dms.services.recovery_load.load_due_periods`): for an award with any ``award.changed``, worked out
    for that day (:func:`dms.services.events.uc_terms_on`), so the answer does not depend on how far the
    daily run has gone; the others keep the award's values. A period paid before ``as_of`` and not yet
    processed is ``late``: the run takes it as on its payment date (events.md §2). The periods of the awards
    ``counted_here`` come ``count_only``.

    Of an award in payment on ``as_of`` (``cycles``: its assessment-period day, None when not given), a
    latest period a run has already taken that ended before ``as_of`` stands in for the award's period
    containing ``as_of``, not yet reported (events.md §2: periods are reported around their payment date), and
    is worked out with the parameters in force for that period, found by the award's cycle (its
    assessment-period day, else the day the held period starts; :func:`dms.calendar.assessment_period_containing`)
    (recovery-rules.md §2: the figures apply to periods starting on or after their date; **Decision**,
    docs/recovery-notes.md "Re-rating reads the book as the daily run left it")."""
    counted_here = counted_here or {}
    cycles = cycles or {}
    awards = {**counted_here, **awards}
    if not awards:
        return []
    cond, params = in_ids("p.award_id", sorted(awards))
    latest = "DISTINCT ON (p.award_id) " if is_postgresql() else ""  # SQLite: the first of each award below
    rows = fetch(
        f"SELECT {latest}p.award_id, p.period_start, p.period_end, p.payment_date, p.award_amount_pence, "
        "p.sanction_pence, p.fraud_penalty_pence, p.third_party, "
        "EXISTS (SELECT 1 FROM dms_award_change c WHERE c.award_id = p.award_id), p.id, p.processed_on "
        "FROM dms_assessment_period p "
        f"WHERE {cond} AND p.period_start <= %s ORDER BY p.award_id, p.period_start DESC, p.id DESC",
        [*params, as_of],
    )
    periods, seen = [], set()
    for r in rows:
        if r[0] in seen:
            continue
        seen.add(r[0])
        person, claimant_type, partner = awards[r[0]]
        if r[8]:
            from dms.services.events import uc_terms_on

            terms = uc_terms_on(r[0], as_date(r[2]))
            claimant_type, partner = terms[0] or claimant_type, terms[1]
        third = r[7] if isinstance(r[7], list) else json.loads(r[7] or "[]")
        paid, start, end = as_date(r[3]), as_date(r[1]), as_date(r[2])
        processed_on = as_date(r[10]) if r[10] is not None else None
        standing_in_for = None
        if processed_on is not None and end < as_of and r[0] in cycles:
            standing_in_for = assessment_period_containing(as_of, cycles[r[0]] or start.day)
        periods.append(_Period(person, partition[person], start, end, paid, r[4], r[5], r[6],
                               third, claimant_type, partner, r[9], processed_on,
                               processed_on is None and paid < as_of, r[0] in counted_here, standing_in_for))
    return periods


# ---------------------------------------------------------------------------------------------- one chunk


def _uc_amounts(period: _Period, debts: list[_Debt], cap_rate: Decimal | None,
               other_rates: tuple[DebtLimit, ...] = ()) -> dict[int | None, list[int]]:
    """``{creditor id (None: third party): [now, what-if]}`` for one assessment period; ``other_rates``, the
    reduced rates in force on the people's debts it does not recover from (as the daily run passes them,
    :func:`dms.services.recovery.uc_other_rates`). A period standing in for the current one not yet reported
    is worked out as that one, with its parameters (recovery-rules.md §2: by the period's start)."""
    start, end = period.standing_in_for or (period.period_start, period.period_end)
    inp = UcPeriodInput(
        period_start=start, period_end=end, payment_date=period.payment_date,
        claimant_type=period.claimant_type, award_amount_pence=period.award_amount_pence,
        joint=period.partner_id is not None or period.claimant_type.startswith("JOINT"),
        sanction_pence=period.sanction_pence, fraud_penalty_pence=period.fraud_penalty_pence,
        third_party=third_party_items(period.third_party), debts=tuple(d.record for d in debts),
        other_rates=other_rates,
    )
    creditor_of = {d.record.debt_id: d.creditor_id for d in debts}
    amounts: dict[int | None, list[int]] = defaultdict(lambda: [0, 0])
    try:
        results = [calculate_uc_period(inp)]
        results.append(results[0] if cap_rate is None else calculate_uc_period(inp, cap_rate_override=cap_rate))
    except (RecoveryInputError, KeyError) as error:
        raise DmsError(f"the assessment period of person id {period.person_id} starting {period.period_start} "
                       f"cannot be calculated: {error}") from None
    for column, result in enumerate(results):
        for line in result.lines:
            if line.kind in (LineKind.SANCTION, LineKind.FRAUD_PENALTY) or line.amount_pence <= 0:
                continue
            creditor = creditor_of[line.debt_id] if line.debt_id is not None else None
            amounts[creditor][column] += line.amount_pence
    return amounts


def _as_on(day: date, as_of: date, debts: list[_Debt], rates: _RatesOver | None) -> list[_Debt]:
    """The debts of ``debts`` a calculation worked out as on ``day`` takes from, as the daily run takes them
    (``services.recovery._LatePeriods``): on the as-of date, those in recovery (OPEN); on an earlier day (a UC
    period reported late, a legacy pay date the run has still to take), only those received by then
    (events.md §1-2), each at the reduced rate in force that day (A9/2025 §31), with a debt in its recall
    holding period whose recall, processed after that day, found it OPEN (hb-debt-interface.md §6.5: "Money
    already taken still reaches the debt during the holding period")."""
    if day >= as_of:
        return [d for d in debts if d.recalled_on is None]
    out = []
    for debt in debts:
        record = debt.record
        if not debt.received_by(day) or (debt.recalled_on is not None and debt.recalled_on <= day):
            continue
        rate = rates.on(record.debt_id, day) if rates is not None else None
        per_period = rate.per_period if rate is not None else None
        per_week = rate.per_week if rate is not None else None
        if (per_period, per_week) != (record.reduced_rate_pence, record.reduced_weekly_rate_pence):
            debt = replace(debt, record=replace(record, reduced_rate_pence=per_period,
                                                reduced_weekly_rate_pence=per_week))
        out.append(debt)
    return out


def _legacy_amounts(as_of: date, award: _Legacy, debts: list[_Debt], sanctions: Sequence[SanctionSpan] = (),
                    others: tuple[ReducedWeeklyRate, ...] = (), terms: Sequence[LegacyPayTerms] = (),
                    other_awards: Sequence[OtherAwardInstalment] = (), passed_over: Collection[date] = frozenset()
                    ) -> dict[int | None, list[int]]:
    """``{creditor id: [now, what-if]}`` for one legacy instalment, worked out as on its pay date: a pay date
    the daily run has still to take (``award.pay_date``), else ``as_of``. The instalment of the pay period
    that day falls in (paid in arrears on the first pay date on or after it, so the one a pay date pays for
    ends on it), for the days that pay date pays for and from the benefit it pays for them
    (:func:`dms.recovery.legacy.paid_days`: from the award's start date, the day after its previous pay date,
    or the day after an instalment the run took on or before it from another of the person's legacy awards,
    ``other_awards``, going back over its own pay dates on the days ``passed_over``, on which another was
    preferred to it, at the weekly amount in force each day, ``terms``; **Decision**, docs/recovery-notes.md
    "The days a legacy pay date pays for"), less what the sanctions over those days take
    (:func:`dms.recovery.legacy.sanction_over_period`), as the daily run takes it (**Decision**,
    docs/recovery-notes.md "Sanctions and legacy instalments"), with the reduced rates in force that day
    (``others``: the rates on the person's debts it does not take from,
    :func:`dms.services.recovery.legacy_other_rates`) and the recovery rates (recovery-rules.md §4 table) of the
    pay date the instalment is taken on, as the run takes it: the pay period's own pay date, after ``as_of`` when
    ``as_of`` is not one (**Decision**, docs/recovery-notes.md "Re-rating reads the book as the daily run left
    it")."""
    records = tuple(d.record for d in debts)
    frequency = PayFrequency(award.pay_frequency)
    try:
        day = award.pay_date or as_of
        paid = paid_days(day, terms or held_terms(award.weekly_amount_pence, award.pay_frequency,
                                                  award.first_pay_date), award.start_date, other_awards,
                         passed_over)
        # the rates of the pay date the pay period's instalment is taken on (paid.last_day: ``day`` itself when
        # it is a pay date), as the run takes it there: an uprating between D and that pay date counts
        result = calculate_legacy_instalment(LegacyInstalmentInput(
            pay_date=paid.last_day, frequency=frequency, benefit_pence=paid.benefit_pence, debts=records,
            reduced_weekly_rate_pence=legacy_reduced_rate(records, others),
            sanction=sanction_over_period(paid.benefit_pence, paid.first_day, paid.last_day, sanctions),
            other_rates=others, paid=paid,
        ))
    except (RecoveryInputError, ValueError) as error:
        raise DmsError(f"the {award.benefit} instalment of person id {award.person_id} cannot be calculated: "
                       f"{error}") from None
    creditor_of = {d.record.debt_id: d.creditor_id for d in debts}
    amounts: dict[int | None, list[int]] = defaultdict(lambda: [0, 0])
    for alloc in result.allocations:
        if alloc.amount_pence > 0:
            pair = amounts[creditor_of[alloc.debt_id]]
            pair[0] += alloc.amount_pence
            pair[1] += alloc.amount_pence  # the overall cap is a UC rule: the what-if leaves this unchanged
    return amounts


def rerate_chunk(run_id: int, as_of: date, cap_rate: Decimal | None, first: int, last: int) -> ChunkReport:
    """Re-rate the people of partitions ``first``..``last`` and write their result rows, in one transaction."""
    report = ChunkReport()
    with transaction.atomic():
        clock = perf_counter()
        if is_postgresql():  # a chunk reads a few per cent of each table: index look-ups, not table scans
            # (hash joins over whole tables measured slower at 100,000 people a chunk); the chunks already run
            # side by side on the workers, so no parallel query within one
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off; "
                               "SET LOCAL max_parallel_workers_per_gather = 0")
        book = _load_chunk(as_of, first, last)
        clock = report.timed("load", clock)
        debts, rates, here = book.debts, book.rates, set(book.people)
        rows: list[tuple[Any, ...]] = []
        # the reduced rates on the people's debts in recovery or not (recovery_load.person_rates), on the as-of
        # date (book.held_rates) and, read once a day, on an earlier day a calculation is worked out as on (a UC
        # period reported late, a legacy pay date the run has still to take), as the daily run reads them
        held_days: dict[date, dict[int, list[HeldRate]]] = {}
        chunk_people = sorted(here | {p.partner_id for p in book.periods if p.partner_id is not None})

        def held_on(day: date) -> dict[int, list[HeldRate]]:
            if day not in held_days:
                held_days[day] = person_rates(day, chunk_people)
            return held_days[day]

        # Each person who owes and is re-rated is counted once, by the chunk of their own partition: the holder
        # and the partner of a joint award's period both, when both have debts it recovers from (README
        # ``dms rerate``: "for every person with debts in recovery").
        counted: set[int] = set()
        for period in book.periods:
            if period.period_id in book.reported_twice:  # the couple's other report is re-rated
                continue
            day = period.payment_date if period.late else as_of
            holder = (_as_on(day, as_of, debts.get(period.person_id, []), rates)
                      if period.person_id not in book.dead_holders else [])
            partner = (_as_on(day, as_of, debts.get(period.partner_id, []), rates)
                       if period.partner_id is not None else [])
            if period.count_only:
                if partner and period.partner_id in here:
                    counted.add(period.partner_id)
                continue
            ids = {d.record.debt_id for d in holder}
            own = holder + [d for d in partner if d.record.debt_id not in ids]
            if not own:
                continue
            report.periods += 1
            report.standing_in += period.standing_in_for is not None
            counted.update(p for p, used in ((period.person_id, holder), (period.partner_id, partner))
                           if used and p in here)
            rates_then = book.held_rates if day >= as_of else held_on(day)
            living_holder = period.person_id if period.person_id not in book.dead_holders else None
            others = uc_other_rates(rates_then, [living_holder, period.partner_id], {d.record.debt_id for d in own})
            for creditor, (now, what_if) in _uc_amounts(period, own, cap_rate, others).items():
                rows.append((run_id, period.person_id, period.partition, "UC", period.period_start, creditor,
                             now, what_if))
        owing = {p for p, held in debts.items() if any(d.recalled_on is None for d in held)}
        report.no_period += len({a[0] for a in book.uc_awards.values() if a[0] in owing or a[2] in owing}
                                - {p.person_id for p in book.periods if not p.count_only})
        # the sanctions over the pay periods worked out (at most a month, or two going back over pay dates passed
        # over for another award, ending on or after the pay date each is worked out as on: a pay date the run
        # has still to take, else the as-of date), in one query
        worked = [*book.legacy, *(b for a in book.legacy for b in a.before)]
        first_pay_day = min([as_of, *(a.pay_date for a in worked if a.pay_date is not None)])
        since, until = first_pay_day - timedelta(days=LOOK_BACK_DAYS), as_of + timedelta(days=31)
        sanctions = sanctions_over(since, until, [a.person_id for a in book.legacy if a.person_id in debts])
        # the pay terms of the awards whose terms changed over those days (the rest keep their terms as held)
        history = legacy_terms_over([a.award_id for a in worked if a.person_id in debts], since, until)
        # the instalments the run took over those days from the people's other legacy awards, as it reads them
        other_awards = other_award_instalments([a.person_id for a in book.legacy if a.person_id in debts],
                                               [a.award_id for a in book.legacy], since, until)
        # the days on which another of the person's legacy awards was preferred to the award worked out (few)
        passed_over = preferred_elsewhere([a.award_id for a in worked if a.person_id in debts],
                                          first_pay_day - timedelta(days=PASSED_OVER_DAYS), until)

        def amounts_of(award: _Legacy, own: list[_Debt], taken_first: Sequence[OtherAwardInstalment]
                       ) -> dict[int | None, list[int]]:
            paid = award.pay_date or as_of
            rates_then = book.held_rates if paid >= as_of else held_on(paid)
            weekly = legacy_other_rates(rates_then, award.person_id, {d.record.debt_id for d in own})
            return _legacy_amounts(as_of, award, own, sanctions.get(award.person_id, ()), weekly,
                                   history.get(award.award_id, ()),
                                   [*other_awards.get(award.person_id, ()), *taken_first],
                                   passed_over.get(award.award_id, frozenset()))

        def in_recovery_on(award: _Legacy) -> list[_Debt]:
            own = _as_on(award.pay_date or as_of, as_of, debts.get(award.person_id, []), rates)
            return [d for d in own if d.recalled_on is None]  # a recall stops instalments from its date

        for award in book.legacy:
            own = in_recovery_on(award)
            if not own:
                continue
            report.instalments += 1
            counted.add(award.person_id)
            # the other awards' pay dates the run takes first, after the last run: each one it takes an
            # instalment on pays for the days up to it, as a deduction TAKEN does (recovery_load)
            taken_first: list[OtherAwardInstalment] = []
            for earlier in award.before:
                held = in_recovery_on(earlier)
                if held and any(now for now, _ in amounts_of(earlier, held, taken_first).values()):
                    taken_first.append(OtherAwardInstalment(earlier.pay_date or as_of, earlier.benefit))
            for creditor, (now, what_if) in amounts_of(award, own, taken_first).items():
                rows.append((run_id, award.person_id, award.partition, award.benefit, award.pay_date or as_of,
                             creditor, now, what_if))
        report.people += len(counted)
        clock = report.timed("calculate", clock)
        write_rows("dms_rerate_result", RESULT_COLUMNS, rows,
                   ("int8", "int8", "int2", "text", "date", "int8", "int8", "int8"))
        report.timed("write", clock)
    return report


# ---------------------------------------------------------------------------------------------- the run


def chunk_size(workers: int) -> int:
    """Partitions per chunk for this book: a power of two giving about :data:`CHUNK_PEOPLE` people a chunk
    (each chunk's rows are spread over the tables, so fewer, larger chunks read fewer pages; memory grows
    with the chunk: about 450 MiB a worker at 100,000 people), and at least one chunk per worker."""
    people = fetch("SELECT COUNT(*) FROM dms_person", [])[0][0]
    size = PARTITIONS
    while size > 1 and (size * people > CHUNK_PEOPLE * PARTITIONS or PARTITIONS // size < workers):
        size //= 2
    return size


def chunk_ranges(size: int = CHUNK_PARTITIONS) -> list[tuple[int, int]]:
    if not 1 <= size <= PARTITIONS:
        raise DmsError(f"a chunk is 1 to {PARTITIONS} partitions, not {size}")
    return [(first, min(first + size, PARTITIONS) - 1) for first in range(0, PARTITIONS, size)]


def _run_chunks(run_id: int, as_of: date, cap_rate: Decimal | None, workers: int,
                chunks: list[tuple[int, int]], progress: Callable[[int, int], None] | None) -> ChunkReport:
    """The chunks' reports summed, the chunks run in this process or on ``workers`` local processes as the daily
    run's are (:class:`dms.services.daily_run.LocalProcesses`: they ignore Ctrl-C, which reaches `dms rerate`
    alone, and end with the process that started them). A failure, a worker process that ended abruptly or an
    interruption ends the workers at once, rolling back their chunks under way, before it is raised, so that
    no worker writes rows after the run is removed (:func:`rerate`)."""
    total = ChunkReport()
    report = progress or (lambda done, count: None)
    if workers <= 1:
        for done, (first, last) in enumerate(chunks, start=1):
            total.add(rerate_chunk(run_id, as_of, cap_rate, first, last))
            report(done, len(chunks))
        return total
    from dms.services.daily_run import LocalProcesses, WorkerConfig
    from dms.services.rerate_worker import rerate_chunk_in_worker
    from dms.settings import get_config

    config = get_config()
    if connection.vendor == "sqlite" and str(connection.settings_dict["NAME"]) in ("", ":memory:"):
        raise DmsError("an in-memory SQLite database cannot be shared with worker processes: use one worker")
    worker_config = WorkerConfig(config.database_url, str(config.data_dir))
    connection.close()  # the workers open their own connections; this one is reopened after
    runner = LocalProcesses(workers, worker_config)
    finished = False
    try:
        reports = runner.map(rerate_chunk_in_worker, [
            (worker_config, run_id, as_of.isoformat(), None if cap_rate is None else str(cap_rate), first, last)
            for first, last in chunks], report)
        finished = True
    except BrokenProcessPool:
        raise DmsError(f"a worker process of the re-rating as of {as_of.isoformat()} ended abruptly (killed, or "
                       "out of memory): the re-rating was stopped and nothing of it was kept; run `dms rerate "
                       f"--date {as_of.isoformat()}` again (with the same options) to re-rate") from None
    finally:
        runner.close(stop=not finished)
    for chunk_report in reports:
        total.add(chunk_report)
    return total


def rerate(as_of: date, cap_rate: Decimal | None = None, *, workers: int = 1,
           chunk_partitions: int | None = None, progress: Callable[[int, int], None] | None = None
           ) -> RerateOutcome:
    """Re-rate every person with debts in recovery as of ``as_of`` (see the module's docstring); with
    ``cap_rate`` (a fraction: ``Decimal("0.20")``), also with the overall cap overridden. Posts nothing;
    records a :class:`RerateRun` with its result rows and totals. A run that fails (a date DMS has no rules
    for, a worker process lost, an interruption, also one as the run is stored or its totals summed) is removed
    with any rows its chunks wrote (README ``dms rerate``: "a refused or interrupted run leaves nothing")."""
    if cap_rate is not None and not Decimal(0) <= cap_rate <= LEGAL_MAXIMUM_CAP_PERCENT / 100:
        raise DmsError(f"overall cap rate {cap_rate} is not from 0 to 0.40 (SI 2013/380 Sch 6 para 4(1))")
    if workers < 1:
        raise DmsError(f"give at least 1 worker, not {workers}")
    refuse_a_date_without_rules(as_of, "re-rate as of a date on or after {earliest}")
    swept = sweep_abandoned_runs()
    chunks = chunk_ranges(chunk_partitions or chunk_size(workers))
    started = datetime.now(UTC)
    run_id: int | None = None
    try:
        with signals_held(signal.SIGINT, signal.SIGTERM):  # an interruption finds the run stored, or not at all
            run_id = RerateRun.objects.create(as_of=as_of, cap_rate=cap_rate, workers=workers, started_at=started,
                                              host=_HOST, pid=os.getpid()).pk
        report = _run_chunks(run_id, as_of, cap_rate, workers, chunks, progress)
        clock = perf_counter()
        by_creditor = _totals(run_id)
        report.timed("totals", clock)
        now_total = sum(n for _, _, n, _ in by_creditor)
        what_if_total = sum(w for _, _, _, w in by_creditor)
        finished = datetime.now(UTC)
        RerateRun.objects.filter(pk=run_id).update(
            finished_at=finished, completed=True, people=report.people, periods=report.periods,
            instalments=report.instalments, no_period=report.no_period, standing_in=report.standing_in,
            now_pence=now_total, what_if_pence=what_if_total,
        )
    except BaseException:
        if run_id is not None:
            _discard(run_id)
        raise
    return RerateOutcome(run_id, as_of, cap_rate, report.people, report.periods, report.instalments,
                         report.no_period, now_total, what_if_total, (finished - started).total_seconds(),
                         [CreditorTotal(name, n, w, la_id) for name, la_id, n, w in by_creditor], report.phases,
                         waiting_for_the_run(as_of), swept, report.standing_in)


_HOST = socket.gethostname()


def sweep_abandoned_runs() -> int:
    """Remove the runs left unfinished by a `dms rerate` process that ended without removing them (killed with
    SIGKILL, or the machine stopped: nothing of its own could run), with their result rows, and say how many
    (README ``dms rerate``: "a refused or interrupted run leaves nothing"). A run is abandoned when it is not
    completed and the process that recorded it, on this host, is no longer running, or when it names no process
    (recorded before runs named theirs). A run under way in another process, or recorded on another host, is
    left alone: it may still be running."""
    unfinished = RerateRun.objects.filter(completed=False).values_list("pk", "host", "pid")
    abandoned = [pk for pk, host, pid in unfinished
                 if pid is None or (host == _HOST and pid != os.getpid() and not process_running(pid))]
    for run_id in abandoned:
        _discard(run_id)
    return len(abandoned)


def waiting_for_the_run(as_of: date) -> int:
    """How many stored events and LA files dated on or before ``as_of`` the daily run has not yet applied:
    every event type the run applies (:data:`~dms.services.recovery_events.RUN_EVENT_TYPES`: death, sanction,
    insolvency, direct payment, a late award end, a debt change dated ahead, a pay date reported missed), award
    changes, and LA files waiting to be processed. The re-rating reads the book as the daily run left it (**Decision**,
    docs/recovery-notes.md): it does not apply them ahead of the run, and says how many there are, so that a
    figure for a date the run has not yet done is not taken for what the run will take."""
    from dms.services.recovery_events import RUN_EVENT_TYPES
    from dms.store.la.models import FileState, ReceivedFile
    from dms.store.models import AwardChange, InboundEvent

    return (InboundEvent.objects.filter(type__in=RUN_EVENT_TYPES, applied=False, superseded_by="",
                                        occurred_on__lte=as_of).count()
            + AwardChange.objects.filter(applied_on=None, effective_from__lte=as_of).count()
            + ReceivedFile.objects.filter(state=FileState.PENDING, received_on__lte=as_of).count())


def _discard(run_id: int) -> None:
    """Remove a run that failed (its result rows, then the run): a refused or interrupted re-rating leaves
    nothing behind."""
    with transaction.atomic():
        RerateResult.objects.filter(run_id=run_id).delete()
        RerateRun.objects.filter(pk=run_id).delete()


def _totals(run_id: int) -> list[tuple[str, str | None, int, int]]:
    """(creditor, LA ID or None, now, what-if) per creditor of a run: DWP, HMRC, then the LAs by LA ID, then
    third parties."""
    rows = fetch(
        "SELECT r.creditor_id, c.kind, c.la_id, SUM(r.now_pence), SUM(r.what_if_pence) FROM dms_rerate_result r "
        "LEFT JOIN dms_creditor c ON c.id = r.creditor_id WHERE r.run_id = %s GROUP BY r.creditor_id, c.kind, c.la_id",
        [run_id],
    )

    def name(kind: str | None, la_id: str | None) -> str:
        return THIRD_PARTY if kind is None else (f"LA {la_id}" if kind == "LA" else kind)

    order = {"DWP": 0, "HMRC": 1, "LA": 2, None: 3}
    rows.sort(key=lambda r: (order.get(r[1], 2), r[2] or ""))
    return [(name(r[1], r[2]), r[2] if r[1] == "LA" else None, int(r[3]), int(r[4])) for r in rows]
