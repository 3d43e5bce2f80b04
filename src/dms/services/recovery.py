"""The daily run's deduction step: every deduction due on a business date, taken in bulk.

For each day (docs/architecture.md, "The daily run"): the UC assessment periods whose payment date it is (or
that were reported late: taken on the next run and marked late; spec/events.md §2), and the legacy pay dates
(recovery-rules.md §4). For each batch of people: their OPEN debts and reduced rates are loaded in a few
set-based queries (:mod:`dms.services.recovery_load`), the pure engines (:mod:`dms.recovery.uc`,
:mod:`dms.recovery.legacy`) work out every amount and why, and the batch is written at once: one
``post_entries`` call for the DEDUCTION entries (DR BENEFIT_RECOVERIES, CR RECEIVABLE, DR CREDITOR_DEBTS,
CR CREDITOR_PAYABLE), the deduction rows with their explanations by ``write_rows`` (COPY on PostgreSQL),
debts whose balance reaches 0 made CLEARED (audited), periods marked processed. Third-party
amounts are deduction rows with creditor THIRD_PARTY and no ledger entry: the instruction to pay the third
party. Sanction and fraud-penalty reductions (Annex B items 1-2) reduce the award and are not deductions.

The step never commits on its own: each batch is a savepoint inside the day's transaction. Re-running a
date takes nothing twice (processed periods and taken instalments are skipped).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.db import connection, transaction

from dms.errors import DmsError
from dms.ledger import AccountKey, AccountKind, Entry, EntryKind, Posting, build_entry
from dms.recovery.explanation import (
    ITEM_NAMES,
    allocation_text,
    legacy_facts,
    uc_line_share,
    uc_period_explanation,
)
from dms.recovery.legacy import (
    PASSED_OVER_DAYS,
    PER_ASSESSMENT_PERIOD,
    PER_WEEK,
    calculate_legacy_instalment,
    paid_days,
    sanction_over_period,
)
from dms.recovery.types import (
    EVENT_CATEGORY,
    DebtLimit,
    DebtRecord,
    LegacyInstalmentInput,
    LegacyInstalmentResult,
    LegacyOutcome,
    LegacyPayTerms,
    LineKind,
    OtherAwardInstalment,
    PayFrequency,
    RecoveryInputError,
    ReducedWeeklyRate,
    SanctionSpan,
    ThirdPartyCategory,
    ThirdPartyItem,
    UcPeriodInput,
)
from dms.recovery.uc import calculate_uc_period
from dms.services.recovery_load import (
    LOOK_BACK_DAYS,
    CoupleReport,
    DueInstalment,
    DuePeriod,
    HeldRate,
    LoadedDebt,
    RateInForce,
    couple_reports_taken_by_another,
    due_instalments,
    due_period_people,
    fetch,
    in_ids,
    legacy_terms_over,
    load_due_periods,
    load_open_debts,
    other_award_instalments,
    person_rates,
    preferred_elsewhere,
    reduced_rates_both,
    sanctions_over,
)
from dms.store.ledger import (
    Recovery,
    copy_lines,
    copy_text,
    is_postgresql,
    post_recoveries,
    shared_balances_deferred,
    write_rows,
)
from dms.store.models import Award

BATCH_PEOPLE = 20_000
ACTOR = "daily run: deductions"
THIRD_PARTY = "THIRD_PARTY"

DEDUCTION_COLUMNS = (
    "date", "person_id", "award_id", "period_id", "source", "item", "item_number", "creditor_kind", "la_id",
    "ref", "debt_id", "amount_pence", "status", "explanation", "explanation_facts", "entry_id",
    "reversal_entry_id", "reversed_on", "reversal_reason",
)
_EXPLANATION_COLUMNS = ("period_id", "facts")
_STATUS_CHANGE_COLUMNS = ("debt_id", "from_status", "to_status", "business_date", "recorded_at", "actor", "reason")


@dataclass
class DeductionReport:
    """What the step did on one date."""

    periods: int = 0
    late_periods: int = 0
    couple_periods_reported_twice: int = 0  # processed with nothing taken: the couple's taken from another report
    instalments: int = 0
    deductions: int = 0
    entries: int = 0
    third_party: int = 0
    cleared: int = 0
    returned: int = 0
    pence: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(vars(self))


# ---------------------------------------------------------------------------------------------- accounts


class _Keys:
    """Account keys reused across a batch (one object per account, not one per posting)."""

    def __init__(self, recoveries: AccountKind) -> None:
        self.source = AccountKey(recoveries)
        self._creditor: dict[tuple[AccountKind, int], AccountKey] = {}

    def creditor(self, kind: AccountKind, creditor_id: int) -> AccountKey:
        key = self._creditor.get((kind, creditor_id))
        if key is None:
            key = self._creditor[(kind, creditor_id)] = AccountKey(kind, creditor_id)
        return key


def recovery_entry(keys: _Keys, kind: EntryKind, run_date: date, debt_id: int, creditor_id: int, amount: int,
                   description: str) -> Entry:
    """A DEDUCTION (or DIRECT_PAYMENT) entry of ``amount`` to one debt (docs/architecture.md): DR the source
    (BENEFIT_RECOVERIES / DIRECT_PAYMENTS); CR RECEIVABLE(debt); DR CREDITOR_DEBTS(cr); CR CREDITOR_PAYABLE(cr)."""
    return build_entry(kind, run_date, (
        Posting(keys.source, amount),
        Posting(AccountKey(AccountKind.RECEIVABLE, debt_id), -amount),
        Posting(keys.creditor(AccountKind.CREDITOR_DEBTS, creditor_id), amount),
        Posting(keys.creditor(AccountKind.CREDITOR_PAYABLE, creditor_id), -amount),
    ), description=description)


# ---------------------------------------------------------------------------------------------- batch


@dataclass
class _Batch:
    """What one batch of people writes: recoveries posted as DEDUCTION entries, deduction rows (a row's
    ``entry_id`` column holds the index of its recovery until they are posted), balances as the batch goes,
    cleared debts."""

    run_date: date
    recoveries: list[Recovery] = field(default_factory=list)
    rows: list[list[Any]] = field(default_factory=list)
    balances: dict[int, int] = field(default_factory=dict)
    cleared: list[tuple[int, str]] = field(default_factory=list)  # (debt id, the status it is cleared from)
    periods: list[int] = field(default_factory=list)
    explanations: list[tuple[int, str]] = field(default_factory=list)  # (period id, its explanation)
    to_return: list[tuple[int, str, str]] = field(default_factory=list)

    def records(self, debts: Sequence[LoadedDebt]) -> tuple[DebtRecord, ...]:
        """The engine records with the balances left after this batch's earlier deductions."""
        out = []
        for loaded in debts:
            record = loaded.record
            left = self.balances.get(record.debt_id)
            if left is None:
                out.append(record)
            elif left > 0:
                out.append(replace(record, balance_pence=left))
        return tuple(out)

    def to_debt(self, loaded: LoadedDebt, amount: int, row: list[Any], description: str) -> None:
        debt_id = loaded.record.debt_id
        left = self.balances.get(debt_id, loaded.record.balance_pence) - amount
        if left < 0:
            raise DmsError(f"a deduction of {amount} pence exceeds the balance of debt {debt_id}; nothing taken")
        self.balances[debt_id] = left
        if left == 0:
            self.cleared.append((debt_id, loaded.status))
        row[15] = len(self.recoveries)
        self.recoveries.append(Recovery(loaded.account_id, loaded.creditor_id, amount, description))
        self.rows.append(row)


def without_jit() -> None:
    """PostgreSQL: no JIT compilation for the rest of the transaction. The step's set-based queries over a
    batch have estimated costs above ``jit_above_cost``, and compiling them (seconds, on the cores the
    workers share) took far longer than running them (tens of milliseconds)."""
    if is_postgresql():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def take_deductions(run_date: date, partitions: Sequence[int] | None = None) -> DeductionReport:
    """Take every deduction due on ``run_date`` (UC periods, then legacy instalments), in batches of people;
    only for the people in ``partitions`` (``Person.partition``) when given. A daily-run step: runs inside
    the caller's transaction (the day's, or a chunk's) and never commits on its own."""
    report = DeductionReport()
    without_jit()
    people = due_period_people(run_date, partitions)
    for chunk in _chunks(people, BATCH_PEOPLE):
        with transaction.atomic():
            _uc_batch(run_date, chunk, report)
    instalments = due_instalments(run_date, partitions)
    for part in _chunks(instalments, BATCH_PEOPLE):
        with transaction.atomic():
            _legacy_batch(run_date, part, report)
    return report


# ---------------------------------------------------------------------------------------------- UC


_EVENT_CATEGORY = {name: engine for engine, name in EVENT_CATEGORY.items()}
EVENT_CATEGORY_OF: dict[ThirdPartyCategory, str] = EVENT_CATEGORY


def third_party_items(stored: list[dict[str, Any]]) -> tuple[ThirdPartyItem, ...]:
    """The period's third-party items (events.md §2 categories) as the UC engine's records."""
    return tuple(
        ThirdPartyItem(_EVENT_CATEGORY[t["category"]], amount_pence=t.get("amount_pence"),
                       ongoing_pence=t.get("ongoing_pence") or 0, scheme=t.get("scheme"))
        for t in stored
    )


def _uc_batch(run_date: date, people: Sequence[int], report: DeductionReport) -> None:
    """Take the due periods of ``people``. A period is processed with nothing taken when its person has died
    (recovery-rules.md §6) or when it starts after its award's end date (events.md §2 ``award.ended``: no
    benefit in payment after ``end_date``; the end reported after the period was held). The award's final
    period, the one containing its end date and paid after it, is taken.

    A joint award whose holder has died goes on paying the living partner it names (**Decision**,
    docs/recovery-notes.md "Joint debts when a debtor dies"): its periods take for the partner's debts only
    (their own, and those they owe jointly), as a joint award whose partner has died takes for the holder's.

    A couple whose joint award is reported under each partner's award (each naming the other) is taken once
    per assessment period, from one of its reports; the others are processed with nothing taken
    (events.md §2; recovery-rules.md §2: one cap per assessment period;
    :func:`dms.services.recovery_load.couple_reports_taken_by_another`)."""
    _take_periods(run_date, load_due_periods(run_date, people), people, report)


def take_periods_late(person_id: int, period_ids: Sequence[int], run_date: date, why: str,
                      paid_alive: bool = False) -> DeductionReport:
    """Take on ``run_date`` the UC assessment periods ``period_ids`` of ``person_id``'s award, periods the run
    processed with nothing taken because they started after the award's end then in force, that an end moved
    later since puts back in payment, because ``why`` (events.md §2 ``award.ended``; **Decision**,
    docs/events-notes.md "An award's end corrected"). Each is taken as a period reported after its payment
    date is (``_LatePeriods``; docs/events-notes.md "A UC period reported after its payment date"), by the
    rules of :func:`_uc_batch` (a couple's period taken from another report stays so; a joint award whose
    holder has died takes for the living partner): worked out as on its payment date, for the debts in
    recovery now (an HB debt the earlier end returned stays returned, its share going to the others), its
    deductions dated ``run_date`` and marked late, their explanation starting with ``why``; the period is
    processed on ``run_date``, late.

    ``paid_alive``: periods paid while the person lived that the run passed with nothing taken under an
    earlier date of death, which a later report corrected (recovery-rules.md §6: deductions stop at death,
    not before it; **Decision**, docs/events-notes.md "A death's date corrected to a later day"): each is
    judged alive by its payment date, and takes for their debts with the estate too, as in recovery then
    (:func:`dms.services.recovery_load.load_open_debts` ``estate``)."""
    report = DeductionReport()
    if period_ids:
        _take_periods(run_date, load_due_periods(run_date, [person_id], period_ids, dead_by_payment=paid_alive),
                      [person_id], report, why, estate=paid_alive)
    return report


def _take_periods(run_date: date, periods: Sequence[DuePeriod], people: Sequence[int], report: DeductionReport,
                  late_why: str = "", estate: bool = False) -> None:
    """Take ``periods`` (of ``people``) on ``run_date`` (:func:`_uc_batch`); ``late_why``, why periods the run
    passed are taken late (:func:`take_periods_late`; ``estate``, also for the debts with the estate)."""
    partners = {p.partner_id for p in periods if p.partner_id is not None}
    late = [p.payment_date for p in periods if p.payment_date < run_date]
    debts = load_open_debts(run_date, people, sorted(partners), recalled_after=min(late) if late else None,
                            estate=estate)
    as_paid = _LatePeriods(run_date, periods, debts, sorted(set(people) | partners))
    survivors = living_partners(run_date, [p for p in periods if p.dead and not p.outside_award])
    twice = couple_reports_taken_by_another([
        CoupleReport(p.period_id, p.person_id, p.partner_id, p.period_start, p.payment_date, None)
        for p in periods if not p.outside_award], run_date)
    batch = _Batch(run_date)
    for period in periods:
        batch.periods.append(period.period_id)
        report.periods += 1
        report.late_periods += period.payment_date < run_date
        if period.outside_award:
            continue
        if period.period_id in twice:
            report.couple_periods_reported_twice += 1
            continue
        if not period.dead:
            taken = as_paid.debts(period, _debts_of(debts, period))
            _uc_period(batch, period, taken, as_paid.other_rates(period, [period.person_id, period.partner_id],
                                                                  taken), late_why)
        elif period.partner_id in survivors:
            taken = as_paid.debts(period, debts.get(period.partner_id, []))
            _uc_period(batch, period, taken, as_paid.other_rates(period, [period.partner_id], taken), late_why)
    _write_batch(batch, report)
    _mark_periods(run_date, batch.periods)


def living_partners(run_date: date, periods: Sequence[DuePeriod]) -> set[int]:
    """The partners named by ``periods`` (of holders who have died) who had not died by ``run_date`` (one
    query, only when there are such periods)."""
    named = sorted({p.partner_id for p in periods if p.partner_id is not None})
    if not named:
        return set()
    cond, params = in_ids("id", named)
    return {r[0] for r in fetch(f"SELECT id FROM dms_person WHERE {cond} "
                                "AND (date_of_death IS NULL OR date_of_death > %s)", [*params, run_date])}


class _LatePeriods:
    """A period reported after its payment date is worked out on the run after it (events.md §2), but as on
    its payment date ("DMS works out every deduction from this period's payment ... on ``payment_date``"):
    only the debts DMS had received by then (a debt referred since is not recovered from an earlier
    payment), each at the reduced rate in force that day (A9/2025 §31: a staff rate set for a period of time;
    one since expired still applies, one set since does not). Balances and statuses are those of the run
    date (what was recovered since stands), but for a recall processed after the payment date: a debt in its
    recall holding period that the recall found OPEN takes its share as it would have on the payment date
    (hb-debt-interface.md §6.5: "A recall stops new deductions from its processing date. Money already taken
    still reaches the debt during the holding period"), and then ceases with the balance left. A debt whose
    holding period has ended (returned) is not taken from. A period paid on or after a recall's processing
    date never takes from its debt. One query per payment date of the batch's late periods.

    The reduced rates in force on the people's other debts, those the period does not recover from
    (cleared, returned, ...: :func:`dms.services.recovery_load.person_rates`), are read for the run date and
    each late payment date alike (:meth:`other_rates`)."""

    def __init__(self, run_date: date, periods: Sequence[DuePeriod], debts: dict[int, list[LoadedDebt]],
                 people: Sequence[int] = ()) -> None:
        self.run_date = run_date
        self.rates: dict[date, dict[int, RateInForce]] = {}
        late = sorted({p.payment_date for p in periods if p.payment_date < run_date})
        if late:
            ids = sorted({d.record.debt_id for held in debts.values() for d in held})
            self.rates = {day: reduced_rates_both(day, ids) for day in late}
        self.held = {day: person_rates(day, people) for day in [run_date, *late]}

    def other_rates(self, period: DuePeriod, people: Sequence[int | None],
                    debts: Sequence[LoadedDebt]) -> tuple[DebtLimit, ...]:
        """The reduced rates in force (on the run date, or on a late period's payment date) on the debts of
        ``people`` that the period does not take from (``debts`` are those it does): :func:`uc_other_rates`."""
        held = self.held[period.payment_date if period.payment_date < self.run_date else self.run_date]
        return uc_other_rates(held, people, {d.record.debt_id for d in debts})

    def debts(self, period: DuePeriod, debts: list[LoadedDebt]) -> list[LoadedDebt]:
        paid = period.payment_date
        if paid >= self.run_date:
            return [loaded for loaded in debts if loaded.recalled_on is None]
        rates = self.rates[paid]
        out = []
        for loaded in debts:
            record = loaded.record
            if not loaded.received_by(paid) or (loaded.recalled_on is not None and loaded.recalled_on <= paid):
                continue
            out.append(with_rate(loaded, rates.get(record.debt_id)))
        return out


def _debts_of(debts: dict[int, list[LoadedDebt]], period: DuePeriod) -> list[LoadedDebt]:
    own = debts.get(period.person_id, [])
    if period.partner_id is None:
        return own
    seen = {d.record.debt_id for d in own}
    return own + [d for d in debts.get(period.partner_id, []) if d.record.debt_id not in seen]


def uc_other_rates(held: dict[int, list[HeldRate]], people: Sequence[int | None],
                   taken_from: set[int]) -> tuple[DebtLimit, ...]:
    """The staff reduced rates in force on the debts of ``people`` (the award's holder and the partner it
    names) other than ``taken_from`` (the debts the period recovers), per assessment period, each named as
    a period's limit is (its debt's reference and status, who set it, its review date and, for a rate agreed
    per week, the rate as agreed): a reduced rate replaces the rate the person pays, not one debt's part of
    it, until its review date, so one set on a debt that has since cleared or left recovery still limits what
    the period takes for the person's (on a joint award, the couple's) debts (A9/2025 §31; recovery-rules.md
    §4; **Decision**, docs/recovery-notes.md "Reduced (affordable) rates")."""
    out: dict[int, DebtLimit] = {}
    for person in people:
        for h in held.get(person, []) if person is not None else []:
            if h.debt_id not in taken_from:
                rate = h.rate
                out[h.debt_id] = DebtLimit(rate.per_period, h.debt_id, h.ref, rate.set_by, rate.until,
                                           rate.agreed_pence if rate.per == PER_WEEK else None, h.status)
    return tuple(out[debt_id] for debt_id in sorted(out))


def legacy_other_rates(held: dict[int, list[HeldRate]], person: int,
                       taken_from: set[int]) -> tuple[ReducedWeeklyRate, ...]:
    """As :func:`uc_other_rates`, per week, for a legacy instalment of ``person``: the rates in force on
    their debts other than ``taken_from``, each named as an instalment's weekly rate is (``_rate_named``)."""
    out = []
    for h in held.get(person, []):
        if h.debt_id not in taken_from:
            rate = h.rate
            out.append(ReducedWeeklyRate(rate.per_week, h.debt_id, h.ref, rate.set_by, rate.until,
                                         rate.agreed_pence if rate.per == PER_ASSESSMENT_PERIOD else None,
                                         h.status))
    return tuple(sorted(out, key=lambda r: r.debt_id or 0))


def _uc_period(batch: _Batch, period: DuePeriod, debts: list[LoadedDebt],
               other_rates: tuple[DebtLimit, ...] = (), late_why: str = "") -> None:
    records = batch.records(debts)
    if not records and not period.third_party:
        return
    try:
        result = calculate_uc_period(UcPeriodInput(
            period_start=period.period_start, period_end=period.period_end, payment_date=period.payment_date,
            claimant_type=period.claimant_type, award_amount_pence=period.award_amount_pence,
            joint=period.partner_id is not None or period.claimant_type.startswith("JOINT"),
            sanction_pence=period.sanction_pence, fraud_penalty_pence=period.fraud_penalty_pence,
            third_party=third_party_items(period.third_party), debts=records, other_rates=other_rates,
        ))
    except (RecoveryInputError, KeyError) as error:
        raise DmsError(f"assessment period of event {period.event_id} (award id {period.award_id}, starting "
                       f"{period.period_start}) cannot be calculated: {error}") from None
    by_id = {d.record.debt_id: d for d in debts}
    explained = False
    run_date = batch.run_date
    limit = result.debt_limit
    if limit is not None and limit.debt_id in by_id:  # the staff rate that limited what was taken for debts,
        # named in the explanation (one on a debt not taken from, ``other_rates``, comes named)
        held = by_id[limit.debt_id]
        rate = held.reduced_rate
        limit = limit._replace(ref=held.creditor_ref, set_by=rate.set_by if rate else "",
                               until=rate.until if rate else None,
                               per_week_pence=rate.agreed_pence if rate is not None and rate.per == PER_WEEK
                               else None)
    balance_of: dict[int, int] | None = None
    for line in result.lines:
        if line.kind in (LineKind.SANCTION, LineKind.FRAUD_PENALTY) or line.amount_pence <= 0:
            continue
        if not explained:
            late = period.payment_date < run_date
            batch.explanations.append((period.period_id, uc_period_explanation(
                result, period.period_end.isoformat(), period.payment_date.isoformat(),
                run_date.isoformat() if late else None, limit, late_why)))
            explained = True
        cleared = None
        if line.kind == LineKind.DEBT and line.debt_id is not None:
            if balance_of is None:
                balance_of = {r.debt_id: r.balance_pence for r in records}
            if balance_of.get(line.debt_id) == line.amount_pence:
                cleared = line.amount_pence
        row = _uc_row(run_date, period, line, by_id, uc_line_share(line, cleared))
        if line.kind == LineKind.DEBT and line.debt_id is not None:
            batch.to_debt(by_id[line.debt_id], line.amount_pence, row,
                          f"UC deduction, period from {period.period_start}, item {line.item}")
        else:
            batch.rows.append(row)


def _uc_row(run_date: date, period: DuePeriod, line: Any, by_id: dict[int, LoadedDebt], facts: str) -> list[Any]:
    """One deduction row. Its explanation is stored as structured facts (which of its period's steps is its
    item's, what was taken, to whom and how this line got its share; the period's own explanation is stored
    once for its lines) and rendered as text when asked (``Deduction.explanation``; recovery-rules.md §3)."""
    name = ITEM_NAMES[line.item]
    if line.kind == LineKind.DEBT and line.debt_id is not None:
        debt = by_id[line.debt_id]
        creditor, la_id, ref, debt_id = line.creditor_kind, line.la_id, debt.creditor_ref, line.debt_id
    else:
        category = line.category
        ref = EVENT_CATEGORY_OF.get(category, str(category)) if category is not None else str(line.kind)
        creditor, la_id, debt_id = THIRD_PARTY, None, None
        if line.kind == LineKind.ONGOING_CONSUMPTION:
            name = f"{name} (ongoing consumption)"
    return [run_date, period.person_id, period.award_id, period.period_id, "UC", name, line.item, creditor,
            la_id, ref, debt_id, line.amount_pence, "TAKEN", "", facts, None, None, None, ""]


# ---------------------------------------------------------------------------------------------- legacy


def _legacy_batch(run_date: date, due: Sequence[DueInstalment], report: DeductionReport) -> None:
    debts = load_open_debts(run_date, [d.person_id for d in due])
    held = person_rates(run_date, [d.person_id for d in due if d.person_id in debts])
    # the sanctions over the pay periods these pay dates pay for (at most a month, in arrears, or two after the
    # award's own pay dates passed over for another award, below)
    since = run_date - timedelta(days=LOOK_BACK_DAYS)
    sanctions = sanctions_over(since, run_date, [d.person_id for d in due if d.person_id in debts])
    # the pay terms of the awards whose terms changed over those days (the rest keep their terms as held)
    history = legacy_terms_over([d.award_id for d in due if d.person_id in debts], since, run_date)
    # the instalments taken over those days from the people's other legacy awards (few: after a change of the
    # award taken from), which paid for the days up to their pay dates
    other_awards = other_award_instalments([d.person_id for d in due if d.person_id in debts],
                                           [d.award_id for d in due], since, run_date)
    # the days of the month before on which another of the person's legacy awards was preferred to the award
    # (few): its pay dates among them took nothing from it and paid for none of the person's days
    passed_over = preferred_elsewhere([d.award_id for d in due if d.person_id in debts],
                                      run_date - timedelta(days=PASSED_OVER_DAYS), run_date - timedelta(days=1))
    batch = _Batch(run_date)
    for instalment in due:
        own = debts.get(instalment.person_id, [])
        records = batch.records(own)
        if records:
            report.instalments += 1
            others = legacy_other_rates(held, instalment.person_id, {r.debt_id for r in records})
            _legacy_instalment(batch, instalment, own, records, sanctions.get(instalment.person_id, ()), others,
                               instalment.terms(history), other_awards=other_awards.get(instalment.person_id, ()),
                               passed_over=passed_over.get(instalment.award_id, frozenset()))
    _write_batch(batch, report)
    _return_debts(run_date, batch.to_return, report)


def take_instalments_late(award_id: int, pay_dates: Sequence[date], run_date: date, why: str,
                          paid_alive: bool = False) -> DeductionReport:
    """Take on ``run_date`` the instalments of the legacy award ``award_id`` on ``pay_dates``, pay dates the run
    passed with nothing taken from it, because ``why`` (an end moved later: events.md §2 ``award.ended``;
    **Decision**, docs/events-notes.md "An award's end corrected"). Each is worked out as on its own pay date,
    as a UC period reported after its payment date is (``_LatePeriods``; docs/events-notes.md "A UC period
    reported after its payment date") and as ``dms rerate`` works out a pay date the run has still to take:
    the award's pay terms and the sanctions over the days it pays for (after any instalment taken on or before
    it from another of the person's legacy awards, going back over its own pay dates on which another was
    preferred to it, :func:`dms.recovery.legacy.paid_days`), the parameters of
    its pay date, only
    the debts received by then, each at the reduced rate in force that day (with those on the person's other
    debts). Balances and statuses are the run date's: only debts in recovery (OPEN) take from it, so an HB
    debt returned since stays returned and its share goes to the others. Each deduction is dated its pay date,
    its DEDUCTION entry posted on ``run_date``, and its explanation starts with when and why it was taken
    late (its facts ``late``, ``run_date``). ``paid_alive``: pay dates on which the person lived, passed
    under an earlier date of death a later report corrected (recovery-rules.md §6; **Decision**,
    docs/events-notes.md "A death's date corrected to a later day"): their debts with the estate take from
    them too, as in recovery then (:func:`dms.services.recovery_load.load_open_debts` ``estate``)."""
    report = DeductionReport()
    award = Award.objects.filter(pk=award_id).first()
    if award is None or not pay_dates:
        return report
    due = DueInstalment(award.pk, award.person_id, award.benefit, award.weekly_amount_pence or 0,
                        award.pay_frequency or "", award.first_pay_date, award.start_date)
    person = award.person_id
    loaded = load_open_debts(run_date, [person], estate=paid_alive).get(person, [])
    batch = _Batch(run_date)
    for day in sorted(pay_dates):
        own = _received_as_on(loaded, day, reduced_rates_both(day, [d.record.debt_id for d in loaded]))
        records = batch.records(own)
        if not records:
            continue
        report.instalments += 1
        others = legacy_other_rates(person_rates(day, [person]), person, {r.debt_id for r in records})
        since = day - timedelta(days=LOOK_BACK_DAYS)
        history = legacy_terms_over([award.pk], since, day)
        other_awards = other_award_instalments([person], [award.pk], since, day)
        passed_over = preferred_elsewhere([award.pk], day - timedelta(days=PASSED_OVER_DAYS),
                                          day - timedelta(days=1))
        _legacy_instalment(batch, due, own, records, sanctions_over(since, day, [person]).get(person, ()), others,
                           due.terms(history), why, day, other_awards.get(person, ()),
                           passed_over.get(award.pk, frozenset()))
    _write_batch(batch, report)
    _return_debts(run_date, batch.to_return, report)
    return report


def _received_as_on(debts: Sequence[LoadedDebt], day: date, rates: dict[int, RateInForce]) -> list[LoadedDebt]:
    """Of ``debts``, those received by ``day``, each with the reduced rate in force that day (``rates``), as
    ``_LatePeriods`` takes a late period's debts."""
    return [with_rate(loaded, rates.get(loaded.record.debt_id)) for loaded in debts
            if loaded.received_by(day)]


def with_rate(loaded: LoadedDebt, rate: RateInForce | None) -> LoadedDebt:
    """``loaded`` with ``rate`` as its reduced rate in force (None: none), on the debt and its engine record."""
    if rate == loaded.reduced_rate:
        return loaded
    return replace(loaded, reduced_rate=rate, record=replace(
        loaded.record, reduced_rate_pence=rate.per_period if rate is not None else None,
        reduced_weekly_rate_pence=rate.per_week if rate is not None else None))


def legacy_reduced_rate(records: Sequence[DebtRecord], others: Sequence[ReducedWeeklyRate] = ()) -> int | None:
    """**Decision**: a staff reduced rate (per week) of any of the person's debts sets their legacy weekly rate
    while in force, until its review date, also once that debt has cleared or left recovery (``others``:
    :func:`legacy_other_rates`); with several, the lowest (A9/2025 §31; recovery-rules.md §4;
    docs/recovery-notes.md "Reduced (affordable) rates")."""
    rates = [r.reduced_weekly_rate_pence for r in records if r.reduced_weekly_rate_pence is not None]
    rates += [o.weekly_pence for o in others]
    return min(rates) if rates else None


def _legacy_instalment(batch: _Batch, due: DueInstalment, own: list[LoadedDebt],
                       records: tuple[DebtRecord, ...], sanctions: Sequence[SanctionSpan] = (),
                       others: tuple[ReducedWeeklyRate, ...] = (), terms: Sequence[LegacyPayTerms] = (),
                       late_why: str = "", pay_date: date | None = None,
                       other_awards: Sequence[OtherAwardInstalment] = (),
                       passed_over: Collection[date] = frozenset()) -> None:
    """One pay date's instalment (recovery-rules.md §4), for the days it pays for and from the benefit it pays
    for them (:func:`dms.recovery.legacy.paid_days`: from the award's start date, the day after its previous
    pay date, or the day after an instalment taken from another of the person's legacy awards,
    ``other_awards``, at the weekly amount in force each day; ``terms``, the award's pay terms over those days;
    its own pay dates on the days ``passed_over``, on which another of the person's legacy awards was preferred
    to it, are gone back over, :func:`dms.services.recovery_load.preferred_elsewhere`;
    **Decision**, docs/recovery-notes.md "The days a legacy pay date pays for"), less what the sanctions over
    those days take (:func:`dms.recovery.legacy.sanction_over_period`; **Decision**, docs/recovery-notes.md
    "Sanctions and legacy instalments"). The pay date is the run's, or ``pay_date``, one the run passed,
    taken late because ``late_why`` (:func:`take_instalments_late`)."""
    frequency = PayFrequency(due.pay_frequency)
    day = pay_date or batch.run_date
    try:
        paid = paid_days(day, terms or due.terms({}), due.start_date, other_awards, passed_over)
        result = calculate_legacy_instalment(LegacyInstalmentInput(
            pay_date=day, frequency=frequency, benefit_pence=paid.benefit_pence, debts=records,
            reduced_weekly_rate_pence=legacy_reduced_rate(records, others),
            sanction=sanction_over_period(paid.benefit_pence, paid.first_day, paid.last_day, sanctions),
            other_rates=others, paid=paid,
        ))
    except RecoveryInputError as error:
        raise DmsError(f"legacy award id {due.award_id} instalment of {day} cannot be calculated: "
                       f"{error}") from None
    by_id = {d.record.debt_id: d for d in own}
    result = _rate_named(result, by_id)
    text = result.explain()
    facts = legacy_facts(result)
    described = f"{due.benefit} instalment of {day}"
    if day != batch.run_date:  # marked late, as a UC period taken after its payment date is
        text = f"Taken after its pay date {day}, on {batch.run_date} (late): {late_why}. {text}"
        facts = {**facts, "late": True, "run_date": batch.run_date.isoformat()}
        described += f", taken late on {batch.run_date}"
    for alloc in result.allocations:
        if alloc.amount_pence <= 0:
            continue
        debt = by_id[alloc.debt_id]
        shared = ({"item": alloc.item, "shared_by": alloc.shared_by, "split": list(alloc.split)}
                  if alloc.shared_by else {})
        row_facts = json.dumps({**facts, "source": due.benefit, "allocation": str(alloc.rule),
                                "why_share": allocation_text(alloc), **shared})
        row = [day, due.person_id, due.award_id, None, due.benefit, debt.debt_type, None,
               alloc.creditor_kind, alloc.la_id, debt.creditor_ref, alloc.debt_id, alloc.amount_pence, "TAKEN",
               text, row_facts, None, None, None, ""]
        batch.to_debt(debt, alloc.amount_pence, row, described)
    if result.outcome in (LegacyOutcome.INSUFFICIENT_BENEFIT, LegacyOutcome.MAXIMUM_DEDUCTIONS):
        why = f"{due.benefit} instalment of {day}: {text}"
        # each HB debt with its own reason (recovery-rules.md §4; A9/2025 §24): INSUFFICIENT_BENEFIT, or
        # MAXIMUM_DEDUCTIONS where another creditor's fraud debt leaves no room for its own instalment
        reasons = {r.debt.debt_id: str(r.reason) for r in result.returned}
        batch.to_return += [(debt_id, reasons.get(debt_id, str(result.outcome)), why)
                            for debt_id in result.hb_debts_to_return]


def _rate_named(result: LegacyInstalmentResult, by_id: dict[int, LoadedDebt]) -> LegacyInstalmentResult:
    """The instalment with the staff reduced rate that is its weekly rate, if any, named for the explanation
    as a UC period's limit is (``_uc_period``): the debt's reference, who set the rate, its review date and,
    for a rate agreed per UC assessment period, the rate as agreed, which the legacy engine converted
    (A9/2025 §31; **Decision**, docs/recovery-notes.md "Reduced (affordable) rates")."""
    named = result.reduced_rate
    held = by_id.get(named.debt_id) if named is not None and named.debt_id is not None else None
    if named is None or held is None:
        return result
    rate = held.reduced_rate
    agreed = rate.agreed_pence if rate is not None and rate.per == PER_ASSESSMENT_PERIOD else None
    return replace(result, reduced_rate=named._replace(
        ref=held.creditor_ref, set_by=rate.set_by if rate else "", until=rate.until if rate else None,
        per_period_pence=agreed))


def _return_debts(run_date: date, to_return: list[tuple[int, str, str]], report: DeductionReport) -> None:
    """HB debts the legacy engine returns (A9/2025 §24), ceased each with its own reason
    (``LegacyInstalmentResult.returned``: INSUFFICIENT_BENEFIT or MAXIMUM_DEDUCTIONS) and the instalment's
    explanation as why (shown by ``dms debtor show``)."""
    from dms.services.recovery_events import cease_hb_debts

    for debt_id, reason, why in to_return:
        report.returned += cease_hb_debts([debt_id], reason, run_date, ACTOR, why)


# ---------------------------------------------------------------------------------------------- writing


def _write_batch(batch: _Batch, report: DeductionReport) -> None:
    """Post the batch's recoveries in one call, then its deduction rows, cleared debts and audit rows."""
    entry_ids = post_recoveries(EntryKind.DEDUCTION, batch.run_date, AccountKind.BENEFIT_RECOVERIES,
                                batch.recoveries)
    for row in batch.rows:
        if row[15] is not None:
            row[15] = entry_ids[row[15]]
    if is_postgresql():
        copy_lines("dms_deduction", DEDUCTION_COLUMNS, map(_deduction_line, batch.rows))
        if batch.explanations:
            copy_lines("dms_uc_period_explanation", _EXPLANATION_COLUMNS,
                       (f"{period_id}\t{copy_text(facts)}\n" for period_id, facts in batch.explanations))
    else:
        write_rows("dms_deduction", DEDUCTION_COLUMNS, batch.rows)
        write_rows("dms_uc_period_explanation", _EXPLANATION_COLUMNS, batch.explanations)
    _mark_cleared(batch.run_date, batch.cleared)
    report.entries += len(entry_ids)
    report.deductions += len(batch.rows)
    report.third_party += sum(1 for row in batch.rows if row[7] == THIRD_PARTY)
    report.pence += sum(row[11] for row in batch.rows)
    report.cleared += len(batch.cleared)


def _n(value: Any) -> str:
    return "\\N" if value is None else str(value)


def _deduction_line(r: list[Any]) -> str:
    """A deduction row (:data:`DEDUCTION_COLUMNS`) as a line of PostgreSQL's text COPY format."""
    return (f"{r[0]}\t{r[1]}\t{_n(r[2])}\t{_n(r[3])}\t{r[4]}\t{copy_text(r[5])}\t{_n(r[6])}\t{r[7]}\t"
            f"{_n(r[8])}\t{copy_text(r[9])}\t{_n(r[10])}\t{r[11]}\t{r[12]}\t{copy_text(r[13])}\t"
            f"{copy_text(r[14])}\t{_n(r[15])}\t\\N\t\\N\t\n")


def _mark_cleared(run_date: date, cleared: list[tuple[int, str]]) -> None:
    """Debts whose balance reached 0 become CLEARED, audited: from OPEN, from RECALL_PENDING for a debt in
    its recall holding period that a UC period paid before the recall cleared (``_LatePeriods``), or from
    ESTATE for a debt with the estate that a pay date or period paid while its debtor lived cleared, taken
    late (:func:`take_instalments_late`, :func:`take_periods_late` ``paid_alive``); all are
    allowed transitions (``dms.debts.TRANSITIONS``), and the holding period still ends with the debt's
    cessation (hb-debt-interface.md §6.5)."""
    if not cleared:
        return
    cond, params = in_ids("id", [debt_id for debt_id, _ in cleared])
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE dms_debt SET status = 'CLEARED', status_date = %s WHERE {cond} "
                       "AND status IN ('OPEN', 'RECALL_PENDING', 'ESTATE')", [run_date, *params])
    now = datetime.now(UTC)
    write_rows("dms_debt_status_change", _STATUS_CHANGE_COLUMNS, [
        (debt_id, status, "CLEARED", run_date, now, ACTOR, "balance recovered in full by deduction")
        for debt_id, status in cleared
    ])


def _mark_periods(run_date: date, period_ids: list[int]) -> None:
    """The periods taken are processed on ``run_date`` (late when after their payment date)."""
    if not period_ids:
        return
    cond, params = in_ids("id", period_ids)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE dms_assessment_period SET processed_on = %s, "
            f"late = CASE WHEN payment_date < %s THEN TRUE ELSE FALSE END WHERE {cond}",
            [run_date, run_date, *params],
        )


# ---------------------------------------------------------------------------------------------- day steps


def life_events_step(run_date: date, partitions: Sequence[int] | None = None) -> dict[str, int]:
    """Daily-run step (with award changes and life events): deaths, sanctions, insolvency and moratoria,
    direct payments, cessations of ended awards and of partners who left a joint award, moratoria that ended;
    for the people in ``partitions`` (``Person.partition``; everyone when None). Runs in the caller's
    transaction (a chunk of partitions)."""
    from dms.services.recovery_events import apply_life_events

    without_jit()
    with shared_balances_deferred():
        return apply_life_events(run_date, partitions)


def deductions_step(run_date: date, partitions: Sequence[int] | None = None) -> dict[str, int]:
    """Daily-run step: the deductions due that day, then the missed instalments whose pay date has come; for
    the people in ``partitions`` (``Person.partition``; everyone when None). Runs in the caller's
    transaction (a chunk of partitions): a chunk re-run after it committed takes nothing twice."""
    from dms.services.recovery_events import apply_missed_instalments

    with shared_balances_deferred():
        summary = take_deductions(run_date, partitions).as_dict()
        summary["missed_instalments"] = apply_missed_instalments(run_date, partitions)
    return summary
