"""Set-based loading of what the daily deduction step needs: the UC assessment periods and legacy pay dates
due on a business date, and the debts (with balances and reduced rates) of a batch of people.

A few SQL queries per batch of people, never one per person (docs/architecture.md, "The daily run"). The
queries run on SQLite and PostgreSQL; a list of ids is passed as one array parameter (PostgreSQL
``= ANY(%s)``; SQLite ``json_each``).
"""

from __future__ import annotations

import calendar
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

from django.db import connection

from dms.recovery.legacy import (
    PASSED_OVER_DAYS,
    PER_ASSESSMENT_PERIOD,
    PER_WEEK,
    has_room_for_any_instalment,
    least_weekly_amount_with_room,
    rate_per,
)
from dms.recovery.types import DebtRecord, LegacyPayTerms, OtherAwardInstalment, PayFrequency, SanctionSpan
from dms.store.ledger import is_postgresql, pending_deltas, watch_balances


def received_by_sql(alias: str = "d") -> str:
    """SQL for the date DMS received a debt (of table ``alias``; "" for none), as "received by a date" means it:
    its own referral's receipt (``referral_received_on``, hb-debt-interface.md §4.1), not ``received_on``,
    which for a re-referred fraud debt is its first referral's date and orders recovery only (§6.4); a debt
    recorded without it (not referred in an LA file) was received on its ``received_on``
    (:func:`dms.services.debts.referral_received_date`)."""
    prefix = f"{alias}." if alias else ""
    return f"COALESCE({prefix}referral_received_on, {prefix}received_on)"


def in_ids(column: str, values: Iterable[object]) -> tuple[str, list[Any]]:
    """An SQL condition ``column`` in ``values`` with its one parameter, for either database: JSON on SQLite;
    on PostgreSQL whole numbers, or texts, go as one array literal (``'{1,2,3}'::bigint[]``,
    ``'{"a","b"}'::text[]``: tens of thousands of values are sent as one text instead of adapted one by one;
    a text is quoted and escaped, so any characters are matched as written)."""
    listed = list(values)
    if not is_postgresql():
        return f"{column} IN (SELECT value FROM json_each(%s))", [json.dumps(listed)]
    if listed and all(type(v) is int for v in listed):
        return f"{column} = ANY(%s::bigint[])", ["{" + ",".join(map(str, listed)) + "}"]
    if listed and all(type(v) is str for v in listed):
        quoted = (str(v).replace("\\", "\\\\").replace('"', '\\"') for v in listed)
        return f"{column} = ANY(%s::text[])", ["{" + ",".join(f'"{v}"' for v in quoted) + "}"]
    return f"{column} = ANY(%s)", [listed]


def in_partitions(alias: str, partitions: Sequence[int] | None) -> tuple[str, list[Any]]:
    """An SQL condition (with its parameters) keeping the people ``alias`` (a ``dms_person`` alias) whose
    ``partition`` is in ``partitions``: ``" AND ..."``, or nothing when ``partitions`` is None (everyone)."""
    if partitions is None:
        return "", []
    cond, params = in_ids(f"{alias}.partition", sorted(set(partitions)))
    return f" AND {cond}", params


def fetch(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return list(cursor.fetchall())


def as_date(value: Any) -> date:
    """A date column (SQLite returns text from raw queries)."""
    return value if isinstance(value, date) else date.fromisoformat(str(value))


# ---------------------------------------------------------------------------------------------- UC periods


@dataclass(frozen=True, slots=True)
class DuePeriod:
    period_id: int
    event_id: str
    person_id: int
    award_id: int
    period_start: date
    period_end: date
    payment_date: date
    award_amount_pence: int
    sanction_pence: int
    fraud_penalty_pence: int
    third_party: list[dict[str, Any]]
    claimant_type: str
    partner_id: int | None
    dead: bool
    outside_award: bool  # the period starts after its award's end date or before its start: no UC paid for it


def due_period_people(run_date: date, partitions: Sequence[int] | None = None) -> list[int]:
    """The people (ids, sorted) with a UC assessment period not yet processed whose payment date is on or
    before ``run_date`` (events.md §2: deductions on ``payment_date``; a late one on the next run); only
    those in ``partitions`` when given.

    **Decision**: a couple's periods (each partner's award names the other as partner, and each period is
    recovered from both partners' debts) are taken by the chunk of the lower of the two partners'
    partitions, so the debts they share are deducted in one unit of work, in person order, and the amounts
    are the same however the chunks run."""
    if partitions is None:
        rows = fetch(
            "SELECT DISTINCT person_id FROM dms_assessment_period WHERE processed_on IS NULL "
            "AND payment_date <= %s ORDER BY person_id",
            [run_date],
        )
    else:
        # From the people of the partitions (by their index), never a scan of every due period: the person's
        # own periods when the partner (if any) is not in a lower partition, and the periods of partners in
        # higher partitions on awards naming one of these people.
        own_cond, own_params = in_ids("pe.partition", sorted(set(partitions)))
        partner_cond, partner_params = in_ids("pp.partition", sorted(set(partitions)))
        rows = fetch(
            "SELECT p.person_id FROM dms_person pe JOIN dms_assessment_period p ON p.person_id = pe.id "
            "JOIN dms_award a ON a.id = p.award_id LEFT JOIN dms_person pp ON pp.id = a.partner_id "
            f"WHERE {own_cond} AND p.processed_on IS NULL AND p.payment_date <= %s "
            "AND (pp.id IS NULL OR pp.partition >= pe.partition) "
            "UNION "
            "SELECT p.person_id FROM dms_person pp JOIN dms_award a ON a.partner_id = pp.id "
            "JOIN dms_assessment_period p ON p.award_id = a.id JOIN dms_person pe ON pe.id = p.person_id "
            f"WHERE {partner_cond} AND p.processed_on IS NULL AND p.payment_date <= %s "
            "AND pp.partition < pe.partition ORDER BY 1",
            [*own_params, run_date, *partner_params, run_date],
        )
    return [r[0] for r in rows]


def load_due_periods(run_date: date, people: Sequence[int], period_ids: Sequence[int] = (),
                     dead_by_payment: bool = False) -> list[DuePeriod]:
    """The due assessment periods of ``people`` with their award's terms, by person then payment date (with
    ``period_ids``, those periods of ``people`` instead, processed or not: periods the run passed with nothing
    taken under an award's earlier end, taken late, :func:`dms.services.recovery.take_periods_late`);
    each says whether its person has died by ``run_date`` (``dead_by_payment``: by its payment date, for a
    period paid while they lived that the run passed under an earlier date of death, taken late:
    :func:`dms.services.recovery_events.passed_under_an_earlier_death`) and whether it starts after its award's end date
    (events.md §2 ``award.ended``: no benefit in payment after ``end_date``; an ``award.ended`` reported
    after the period was held) or before its start date (an ``award.changed`` moved ``start_date`` past a
    period already held: import refuses such a period, docs/events-notes.md). The award's final period,
    the one containing its end date, does not.
    The claimant type and partner are those in force on the period's last day: when an ``award.changed``
    dated after it has already been applied to the award, they are worked out again for that day
    (:func:`dms.services.events.uc_terms_on`; the SQL flags those periods, so others cost nothing more)."""
    cond, params = in_ids("p.person_id", people)
    which, which_params = (in_ids("p.id", period_ids) if period_ids
                           else ("p.processed_on IS NULL AND p.payment_date <= %s", [run_date]))
    rows = fetch(
        "SELECT p.id, p.event_id, p.person_id, p.award_id, p.period_start, p.period_end, p.payment_date, "
        "p.award_amount_pence, p.sanction_pence, p.fraud_penalty_pence, p.third_party, a.claimant_type, "
        "a.partner_id, pe.date_of_death, a.end_date, EXISTS (SELECT 1 FROM dms_award_change c "
        "WHERE c.award_id = p.award_id AND c.applied_on IS NOT NULL AND c.effective_from > p.period_end) "
        ", a.start_date FROM dms_assessment_period p JOIN dms_award a ON a.id = p.award_id "
        "JOIN dms_person pe ON pe.id = p.person_id "
        f"WHERE {cond} AND {which} ORDER BY p.person_id, p.payment_date, p.id",
        [*params, *which_params],
    )
    periods = []
    for r in rows:
        third = r[10] if isinstance(r[10], list) else json.loads(r[10] or "[]")
        death = as_date(r[13]) if r[13] is not None else None
        start = as_date(r[4])
        award_end = as_date(r[14]) if r[14] is not None else None
        claimant_type, partner_id = r[11], r[12]
        if r[15]:  # the award has changed since the period ended: its terms as they were then
            from dms.services.events import uc_terms_on

            claimant_type, partner_id = uc_terms_on(r[3], as_date(r[5]))
        periods.append(DuePeriod(
            r[0], r[1], r[2], r[3], start, as_date(r[5]), as_date(r[6]), r[7], r[8], r[9], third,
            claimant_type, partner_id,
            death is not None and death <= (as_date(r[6]) if dead_by_payment else run_date),
            (award_end is not None and award_end < start) or start < as_date(r[16]),
        ))
    return periods


class CoupleReport(NamedTuple):
    """A UC assessment period as :func:`couple_reports_taken_by_another` judges it: its id, its award's holder
    and the partner the award names on the period's last day (None: a single claimant's), its start, payment
    date and the run date that processed it (None while it waits)."""

    period_id: int
    holder_id: int
    partner_id: int | None
    period_start: date
    payment_date: date
    processed_on: date | None


def _report_order(report: CoupleReport, processed_before: date) -> tuple[date, date, int]:
    """Which of a couple's reports of one assessment period is taken: the first processed by a run before
    ``processed_before`` (the one a run took), else the first paid, else the first held."""
    done = report.processed_on is not None and report.processed_on < processed_before
    return (report.processed_on if done and report.processed_on else date.max, report.payment_date,
            report.period_id)


def couple_reports_taken_by_another(periods: Sequence[CoupleReport], processed_before: date) -> set[int]:
    """The ids of those of ``periods`` that are not the couple's period to take, because the couple's
    deductions for it are taken from another report (**Decision**, docs/events-notes.md "A couple's joint
    award reported under each partner").

    A couple on a joint UC award is one claim (UC Regulations 2013 reg 3) paid once per assessment period
    (events.md §2 ``uc.assessment_period``: ``award_amount`` is the UC payable, the couple's, and its
    ``claimant_type`` is ``JOINT_...``), and the overall cap is per assessment period (recovery-rules.md §2).
    When each partner's ``award.started`` names the other and a period is reported under each partner's
    award, the reports of one period (the same ``period_start``) are one payment: only the first, by
    :func:`_report_order` (the first processed by an earlier run, else the first paid, else the first held), takes
    the couple's deductions, and the others are processed with nothing taken, so the couple's debts are
    taken once, under one cap. A report counts only with the partner's award naming its holder in turn (as
    on its own last day) and in payment for it (a period outside its award takes nothing, so it takes
    nothing for the couple either): a partner's own single award beside a joint one (a couple forming,
    docs/events-notes.md "Two UC awards at once are not refused") is its own claim. ``dms rerate`` leaves out
    the same reports (``processed_before`` the day after its date), so it re-rates the couple once too."""
    coupled = [p for p in periods if p.partner_id is not None]
    if not coupled:
        return set()
    cond, params = in_ids("t.person_id", sorted({p.partner_id for p in coupled if p.partner_id is not None}))
    rows = fetch(
        "SELECT t.id, t.person_id, a.partner_id, t.period_start, t.payment_date, t.processed_on, t.award_id, "
        "t.period_end, EXISTS (SELECT 1 FROM dms_award_change c WHERE c.award_id = t.award_id "
        "AND c.applied_on IS NOT NULL AND c.effective_from > t.period_end) "
        "FROM dms_assessment_period t JOIN dms_award a ON a.id = t.award_id "
        f"WHERE {cond} AND a.benefit = 'UC' AND t.period_start >= a.start_date "
        "AND (a.end_date IS NULL OR a.end_date >= t.period_start) AND t.period_start >= %s AND t.period_start <= %s",
        [*params, min(p.period_start for p in coupled), max(p.period_start for p in coupled)],
    )
    others: dict[int, list[CoupleReport]] = defaultdict(list)  # holder id → their reports
    for period_id, holder, partner, start, paid, processed, award_id, end, changed in rows:
        if changed:  # the award has changed since the period ended: its partner as it was then
            from dms.services.events import uc_terms_on

            partner = uc_terms_on(award_id, as_date(end))[1]
        others[holder].append(CoupleReport(period_id, holder, partner, as_date(start), as_date(paid),
                                           as_date(processed) if processed is not None else None))
    taken_by_another = set()
    for period in coupled:
        for other in others.get(period.partner_id or 0, []):
            if other.partner_id != period.holder_id or other.period_id == period.period_id:
                continue
            if (other.period_start == period.period_start
                    and _report_order(other, processed_before) < _report_order(period, processed_before)):
                taken_by_another.add(period.period_id)
                break
    return taken_by_another


# ---------------------------------------------------------------------------------------------- legacy


@dataclass(frozen=True, slots=True)
class DueInstalment:
    award_id: int
    person_id: int
    benefit: str
    weekly_amount_pence: int
    pay_frequency: str
    first_pay_date: date | None = None  # the award's, for the pay period the pay date pays for
    start_date: date | None = None  # the award's: the days a pay date pays for start no earlier

    def terms(self, history: dict[int, tuple[LegacyPayTerms, ...]]) -> tuple[LegacyPayTerms, ...]:
        """The award's pay terms over the days its pay date pays for: its history when it changed then
        (:func:`legacy_terms_over`), else its terms as held."""
        return history.get(self.award_id) or held_terms(self.weekly_amount_pence, self.pay_frequency,
                                                        self.first_pay_date)


def _legacy_pay_condition() -> str:
    """SQL: the award ``a`` pays on the date given twice (a day count) and as its day of month.

    Weekly, fortnightly and four-weekly awards pay every 7, 14 or 28 days from ``first_pay_date``; a
    monthly award on the same day of the month as ``first_pay_date``, or on the last day of a shorter
    month (events.md §2 ``legacy``)."""
    if is_postgresql():
        days = "(%s::date - a.first_pay_date)"
        dom = "EXTRACT(DAY FROM a.first_pay_date)::int"
    else:
        days = "CAST(julianday(%s) - julianday(a.first_pay_date) AS INTEGER)"
        dom = "CAST(strftime('%%d', a.first_pay_date) AS INTEGER)"
    return (
        f"(CASE a.pay_frequency WHEN 'WEEKLY' THEN {days} %% 7 WHEN 'FORTNIGHTLY' THEN {days} %% 14 "
        f"WHEN 'FOUR_WEEKLY' THEN {days} %% 28 "
        f"WHEN 'MONTHLY' THEN CASE WHEN {dom} = %s OR ({dom} > %s AND %s) THEN 0 ELSE 1 END "
        "ELSE 1 END) = 0"
    )


# Of a person's legacy awards in payment, which one instalments are taken from (due_instalments; **Decision**,
# docs/recovery-notes.md "Which legacy award"): the first awarded of those with room for any instalment on the
# date (dms.recovery.legacy.has_room_for_any_instalment: the benefit for the pay period less the 10p-a-week
# floor covers the period's fraud instalment, the highest), as a query reads it: the weekly amount at least the
# least with room at the award's pay frequency (_ABLE_A, _ABLE_B; parameters :func:`able_params`); when none
# has, the one that pays most a week (of equals, the first awarded). NULL weekly amounts count as 0; an award
# with no pay frequency has no room. ``_PREFERRED``: award b is taken from rather than award a.
_W_A, _W_B = "COALESCE(a.weekly_amount_pence, 0)", "COALESCE(b.weekly_amount_pence, 0)"


def _able(alias: str, weekly: str) -> str:
    """SQL: the legacy award ``alias`` paying ``weekly`` a week has room for any instalment (four placeholders,
    :func:`able_params`: the least weekly amount with room at each pay frequency, in ``PayFrequency`` order)."""
    return "(" + " OR ".join(f"({alias}.pay_frequency = '{frequency}' AND {weekly} >= %s)"
                             for frequency in PayFrequency) + ")"


_ABLE_A, _ABLE_B = _able("a", _W_A), _able("b", _W_B)
_PREFERRED = (f"(({_ABLE_B} AND (NOT {_ABLE_A} OR b.id < a.id)) OR (NOT {_ABLE_B} AND NOT {_ABLE_A} AND "
              f"({_W_B} > {_W_A} OR ({_W_B} = {_W_A} AND b.id < a.id))))")
# The same order as an ORDER BY of alias a: the first is the one taken from.
LEGACY_AWARD_ORDER = f"CASE WHEN {_ABLE_A} THEN 0 ELSE 1 END, CASE WHEN {_ABLE_A} THEN 0 ELSE -{_W_A} END, a.id"


def able_params(on: date) -> list[int]:
    """The parameters of one ``_ABLE_A`` or ``_ABLE_B`` on ``on``: the least weekly amount with room for any
    instalment at each pay frequency (:func:`dms.recovery.legacy.least_weekly_amount_with_room`).
    :data:`_PREFERRED` takes them four times over, :data:`LEGACY_AWARD_ORDER` twice."""
    return [least_weekly_amount_with_room(frequency, on) for frequency in PayFrequency]


def legacy_award_choice(awards: Sequence[tuple[int, int | None, str]], on: date) -> int | None:
    """Of ``(award id, weekly amount, pay frequency)`` triples, the award instalments are taken from on ``on``
    (the rule of :data:`_PREFERRED`, by :func:`dms.recovery.legacy.has_room_for_any_instalment`), or None
    when there are none."""
    if not awards:
        return None
    able = [award_id for award_id, weekly, frequency in awards
            if has_room_for_any_instalment(weekly or 0, frequency, on)]
    if able:
        return min(able)
    return min(awards, key=lambda award: (-(award[1] or 0), award[0]))[0]


def instalments_taken_from(award: Any, on: date) -> bool:
    """Whether ``award`` (legacy) is the one instalments are taken from on ``on`` (:func:`due_instalments`'
    choice, with the awards' amounts as held): no UC award of the person (own, or naming them as partner)
    and no other legacy award preferred to it in payment that day. A payment of another award missed that
    day was no instalment (recovery-rules.md §4)."""
    from dms.services.benefit_in_payment import in_payment_sql

    rows = fetch(
        "SELECT 1 FROM dms_award a WHERE a.id = %s AND NOT EXISTS (SELECT 1 FROM dms_award u WHERE "
        f"(u.person_id = a.person_id OR u.partner_id = a.person_id) AND u.benefit = 'UC' AND {in_payment_sql('u')}) "
        "AND NOT EXISTS (SELECT 1 FROM dms_award b WHERE b.person_id = a.person_id AND b.id <> a.id AND "
        f"b.benefit <> 'UC' AND {in_payment_sql('b')} AND {_PREFERRED})",
        [award.pk, on, on, on, on, *able_params(on) * 4],
    )
    return bool(rows)


def due_instalments(run_date: date, partitions: Sequence[int] | None = None) -> list[DueInstalment]:
    """The legacy instalments due on ``run_date`` (recovery-rules.md §4), one per person at most (only for
    people in ``partitions`` when given).

    **Decision**: a person with a UC award in payment, their own or a joint one naming them as the partner,
    is recovered from by UC only (the joint award's periods take from both partners' debts); otherwise from
    one legacy award in payment, on its pay dates: the first awarded of those any instalment fits in, else
    the one that pays most (:data:`_PREFERRED`), so an HB debt is not returned ``INSUFFICIENT_BENEFIT`` while
    another benefit in payment could pay it (A9/2025 §24), and the award taken from changes only when it can
    no longer pay (after a change, a pay date pays only for the days after the other award's last instalment:
    :func:`other_award_instalments`). "In payment" is
    the one definition of ``services.benefit_in_payment``. Excluded: people who have died by ``run_date``,
    awards whose instalment for the date is already taken (a re-run) or already known to be missed."""
    from dms.services.benefit_in_payment import in_payment_sql  # it reads with this module's helpers

    last_day = run_date.day == calendar.monthrange(run_date.year, run_date.month)[1]
    part_cond, part_params = in_partitions("pe", partitions)
    sql = (
        "SELECT a.id, a.person_id, a.benefit, a.weekly_amount_pence, a.pay_frequency, a.first_pay_date, "
        "a.start_date FROM dms_award a "
        "JOIN dms_person pe ON pe.id = a.person_id "
        f"WHERE a.benefit <> 'UC' AND a.first_pay_date <= %s AND {in_payment_sql('a')} "
        f"AND (pe.date_of_death IS NULL OR pe.date_of_death > %s){part_cond} "
        f"AND {_legacy_pay_condition()} "
        "AND NOT EXISTS (SELECT 1 FROM dms_award u WHERE u.person_id = a.person_id AND "
        f"u.benefit = 'UC' AND {in_payment_sql('u')}) "
        "AND NOT EXISTS (SELECT 1 FROM dms_award j WHERE j.partner_id = a.person_id AND "
        f"j.benefit = 'UC' AND {in_payment_sql('j')}) "
        "AND NOT EXISTS (SELECT 1 FROM dms_award b WHERE b.person_id = a.person_id AND b.id <> a.id AND "
        f"{_PREFERRED} AND "
        f"b.benefit <> 'UC' AND {in_payment_sql('b')}) "
        "AND NOT EXISTS (SELECT 1 FROM dms_deduction x WHERE x.award_id = a.id AND x.date = %s) "
        "AND NOT EXISTS (SELECT 1 FROM dms_missed_instalment m WHERE m.award_id = a.id AND m.pay_date = %s) "
        "ORDER BY a.person_id"
    )
    d = run_date
    params: list[Any] = ([d] * 4 + part_params + [d] * 3 + [d.day, d.day, last_day] + [d] * 4
                         + able_params(d) * 4 + [d] * 4)
    rows = fetch(sql, params)
    return [DueInstalment(r[0], r[1], r[2], r[3], r[4], as_date(r[5]) if r[5] is not None else None,
                          as_date(r[6])) for r in rows]


def held_terms(weekly_pence: int | None, frequency: str | None, first_pay_date: date | None
               ) -> tuple[LegacyPayTerms, ...]:
    """A legacy award's pay terms as held (the ``award.changed`` events the daily run has applied in them), in
    force over every day: its history when it did not change over the days a pay date pays for."""
    return (LegacyPayTerms(None, weekly_pence or 0, frequency or "", first_pay_date),)


_PAY_FIELDS = ("weekly_amount_pence", "pay_frequency", "first_pay_date")


def legacy_terms_over(award_ids: Sequence[int], first: date, last: date) -> dict[int, tuple[LegacyPayTerms, ...]]:
    """``{award id: its pay terms in date order}`` of the legacy awards of ``award_ids`` whose weekly amount,
    pay frequency or first pay date an ``award.changed`` the daily run has applied changed on a day from the
    day after ``first`` to ``last`` (the days pay dates pay for): their ``award.started`` terms, then each
    applied change's from its date, in date then arrival order (events.md §2: "new values from
    ``occurred_on``"; as :func:`dms.services.events.pay_terms_on` reads them), for
    :func:`dms.recovery.legacy.paid_days`. The other awards kept their terms as held over those days
    (:func:`held_terms`), and so does an award held without its ``award.started`` event (a book loaded in
    bulk: its terms before a change are not known). Two queries, only the first when no award changed then."""
    if not award_ids:
        return {}
    cond, params = in_ids("c.award_id", sorted(set(award_ids)))
    changes: dict[int, list[tuple[date, dict[str, Any]]]] = defaultdict(list)
    for award_id, effective, values in fetch(
            "SELECT c.award_id, c.effective_from, c.changes FROM dms_award_change c "
            f"WHERE {cond} AND c.applied_on IS NOT NULL AND c.effective_from <= %s AND EXISTS ("
            "SELECT 1 FROM dms_award_change w WHERE w.award_id = c.award_id AND w.applied_on IS NOT NULL "
            "AND w.effective_from > %s AND w.effective_from <= %s) ORDER BY c.award_id, c.effective_from, c.id",
            [*params, last, first, last]):
        values = values if isinstance(values, dict) else json.loads(values)
        if any(name in values for name in _PAY_FIELDS):
            changes[award_id].append((as_date(effective), values))
    if not changes:
        return {}
    return {award_id: _history(started, changes[award_id])
            for award_id, started in _started_terms(sorted(changes)).items()}


def _started_terms(award_ids: Sequence[int]) -> dict[int, LegacyPayTerms]:
    """``{award id: its terms as its award.started event gave them}`` (one query), of the awards held with
    that event."""
    from dms import events as ev
    from dms.services.events import exact_payload

    cond, params = in_ids("a.id", award_ids)
    found: dict[int, LegacyPayTerms] = {}
    for award_id, ref, payload in fetch(
            "SELECT a.id, a.award_ref, e.payload FROM dms_award a JOIN dms_person pe ON pe.id = a.person_id "
            f"JOIN dms_inbound_event e ON e.nino = pe.nino AND e.type = 'award.started' WHERE {cond}", params):
        try:
            started = ev.parse_event(exact_payload(payload if isinstance(payload, dict) else json.loads(payload)))
        except ev.EventError:  # stored under rules since changed: its terms are not read
            continue
        if isinstance(started, ev.AwardStarted) and started.award_ref == ref and started.legacy is not None:
            terms = started.legacy
            found[award_id] = LegacyPayTerms(None, terms.weekly_amount_pence, terms.pay_frequency,
                                             terms.first_pay_date)
    return found


def _history(started: LegacyPayTerms, changes: Sequence[tuple[date, dict[str, Any]]]) -> tuple[LegacyPayTerms, ...]:
    """An award's pay terms in date order: ``started``, then as each change (in date then arrival order) left
    them from its date."""
    history = [started]
    for effective, values in changes:
        held = history[-1]
        first_pay = values.get("first_pay_date")
        terms = LegacyPayTerms(effective, values.get("weekly_amount_pence", held.weekly_pence),
                               values.get("pay_frequency", held.frequency),
                               date.fromisoformat(first_pay) if first_pay else held.first_pay_date)
        if history[-1].from_day == effective:
            history[-1] = terms
        else:
            history.append(terms)
    return tuple(history)


# How far back the days a legacy pay date pays for are read (sanctions, pay terms, other awards' instalments):
# a pay period is at most a month (31 days), and a pay date may go back over the award's own pay dates of the
# month before it on which another award was preferred (``PASSED_OVER_DAYS``, :func:`preferred_elsewhere`), to
# the pay date before those, a month earlier again at most.
LOOK_BACK_DAYS = 2 * PASSED_OVER_DAYS


def preferred_elsewhere(award_ids: Sequence[int], first: date, last: date) -> dict[int, frozenset[date]]:
    """``{award id: the days from ``first`` to ``last`` on which another legacy award of its person, in payment
    that day, was preferred to it}`` (the choice of :func:`due_instalments`, :func:`legacy_award_choice`, with
    the awards' amounts as held, as :func:`instalments_taken_from` reads it): nothing was taken from the award
    on its pay dates among them, for that reason, so they paid for none of the person's days and do not cut
    the next pay date's days short (recovery-rules.md §4; :func:`dms.recovery.legacy.paid_days`
    ``passed_over``; **Decision**, docs/recovery-notes.md "The days a legacy pay date pays for"). Not a day on
    which an instalment was taken from the award (a deduction TAKEN, not reversed): the run took it as the
    award then preferred, before a report moved another award's end later. Only awards whose person has
    another legacy award in payment on one of those days are listed: one query, through
    ``award_person_start``, few people having two, and one through ``deduction_by_award`` for those."""
    if not award_ids:
        return {}
    cond, params = in_ids("a.id", sorted(set(award_ids)))
    awards: dict[int, tuple[tuple[int | None, str], list[tuple[int, int | None, str, date, date | None]]]] = {}
    for a_id, a_weekly, a_frequency, b_id, b_weekly, b_frequency, b_start, b_end in fetch(
            "SELECT a.id, a.weekly_amount_pence, a.pay_frequency, b.id, b.weekly_amount_pence, "
            "b.pay_frequency, b.start_date, b.end_date FROM dms_award a JOIN dms_award b ON b.person_id = a.person_id "
            f"AND b.id <> a.id AND b.benefit <> 'UC' WHERE {cond} AND a.benefit <> 'UC' AND b.start_date <= %s "
            "AND (b.end_date IS NULL OR b.end_date >= %s) ORDER BY a.id, b.id", [*params, last, first]):
        held = awards.setdefault(a_id, ((a_weekly, a_frequency), []))
        held[1].append((b_id, b_weekly, b_frequency, as_date(b_start), as_date(b_end) if b_end is not None else None))
    # a pay date an instalment was taken from the award on (TAKEN, not reversed) was the award's, whatever
    # award is preferred that day as the awards are now held (an end moved later since)
    taken: dict[int, set[date]] = defaultdict(set)
    if awards:
        taken_cond, taken_params = in_ids("x.award_id", sorted(awards))
        for award_id, day in fetch(f"SELECT x.award_id, x.date FROM dms_deduction x WHERE {taken_cond} "
                                   "AND x.period_id IS NULL AND x.status = 'TAKEN' AND x.date >= %s AND x.date <= %s",
                                   [*taken_params, first, last]):
            taken[award_id].add(as_date(day))
    found: dict[int, frozenset[date]] = {}
    for award_id, ((weekly, frequency), others) in awards.items():
        days = set()
        day = first
        while day <= last:
            in_payment = [(other, other_weekly, other_frequency)
                          for other, other_weekly, other_frequency, start, end in others
                          if start <= day and (end is None or day <= end)]
            if (in_payment and day not in taken[award_id]
                    and legacy_award_choice([(award_id, weekly, frequency), *in_payment], day) != award_id):
                days.add(day)
            day += timedelta(days=1)
        if days:
            found[award_id] = frozenset(days)
    return found


def other_award_instalments(people: Sequence[int], taken_from: Sequence[int], first: date, last: date
                            ) -> dict[int, list[OtherAwardInstalment]]:
    """``{person id: [OtherAwardInstalment]}``: the pay dates from ``first`` to ``last`` on which an instalment
    was taken (a deduction TAKEN, not reversed) from a legacy award of ``people`` other than the awards
    ``taken_from`` (each person's award whose pay date is worked out), with that award's benefit, in date
    order. Such an instalment paid, in arrears, for the days up to its pay date, so the pay date worked out
    pays for none of them (recovery-rules.md §4; :func:`dms.recovery.legacy.paid_days`; **Decision**,
    docs/recovery-notes.md "The days a legacy pay date pays for"). One query, through the people's other
    awards (``award_person_start``) and their deductions (``deduction_by_award``): few people have another
    legacy award with deductions in the days a pay date pays for."""
    if not people:
        return {}
    cond, params = in_ids("o.person_id", sorted(set(people)))
    award_cond, award_params = in_ids("o.id", sorted(set(taken_from)))
    found: dict[int, list[OtherAwardInstalment]] = defaultdict(list)
    for person_id, day, benefit in fetch(
            "SELECT DISTINCT o.person_id, x.date, x.source FROM dms_award o JOIN dms_deduction x ON x.award_id = o.id "
            f"WHERE {cond} AND NOT ({award_cond}) AND o.benefit <> 'UC' AND x.source <> 'UC' "
            "AND x.status = 'TAKEN' AND x.date >= %s AND x.date <= %s ORDER BY o.person_id, x.date",
            [*params, *award_params, first, last]):
        found[person_id].append(OtherAwardInstalment(as_date(day), benefit))
    return dict(found)


# ---------------------------------------------------------------------------------------------- debts


@dataclass(frozen=True, slots=True)
class LoadedDebt:
    """A debt in recovery as the step needs it: the engine's record plus what posting needs."""

    record: DebtRecord
    person_id: int
    creditor_id: int
    creditor_ref: str
    debt_type: str
    account_id: int  # the debt's RECEIVABLE account
    reduced_rate: RateInForce | None = None  # the reduced rate in force (in ``record``), who set it, review date
    recalled_on: date | None = None  # in its recall holding period: the recall's processing date (else None)
    estate: bool = False  # with the estate, loaded for a pay date or period paid while its debtor lived
    referred_on: date | None = None  # the day DMS received it (received_by_sql); None: ``record.received_on``

    def received_by(self, day: date) -> bool:
        """Whether DMS had received the debt by ``day``: by its own referral's receipt (hb-debt-interface.md
        §4.1), not by ``record.received_on``, which orders recovery (§6.4: a re-referred fraud debt keeps its
        first referral's date) (:func:`received_by_sql`)."""
        return (self.referred_on or self.record.received_on) <= day

    @property
    def status(self) -> str:
        """OPEN, RECALL_PENDING for a debt loaded for a UC period paid before its recall
        (:func:`load_open_debts` ``recalled_after``), or ESTATE for one loaded with the estate (``estate``)."""
        return "ESTATE" if self.estate else "OPEN" if self.recalled_on is None else "RECALL_PENDING"


# Of a joint debt ``d``: whether its owner has a benefit to recover it from on the date (five placeholders, the
# date each time): an award in payment, their own or a joint UC award naming them as the partner
# (services.benefit_in_payment), or a UC award ended whose final assessment period (the one its end date
# falls in) is still to be paid on or after the date (the run takes it then, with the owner's debts); never
# once the owner has died by the date (deductions stop at death, recovery-rules.md §6: the living joint
# debtor's benefit recovers it; docs/recovery-notes.md "Joint debts when a debtor dies").
# **Decision** (docs/recovery-notes.md "Joint debts recovered from one benefit"): a joint debt is then
# recovered from the owner's benefit only, not also from the other debtor's own award, so that what each takes
# never depends on whose deduction is worked out first (two awards paid the same day may be worked out in
# different chunks, side by side).
OWNER_PAID_SQL = (
    "CASE WHEN d.joint_person_id IS NULL THEN 0 WHEN EXISTS (SELECT 1 FROM dms_person dp WHERE dp.id = d.person_id "
    "AND dp.date_of_death <= %s) THEN 0 WHEN EXISTS (SELECT 1 FROM dms_award o "
    "WHERE (o.person_id = d.person_id OR (o.partner_id = d.person_id AND o.benefit = 'UC')) "
    "AND o.start_date <= %s AND (o.end_date IS NULL OR o.end_date >= %s)) THEN 1 "
    "WHEN EXISTS (SELECT 1 FROM dms_award f JOIN dms_assessment_period fp ON fp.award_id = f.id "
    "WHERE (f.person_id = d.person_id OR f.partner_id = d.person_id) AND f.benefit = 'UC' "
    "AND f.end_date IS NOT NULL AND f.end_date < %s AND fp.period_start <= f.end_date "
    "AND fp.period_end >= f.end_date AND fp.payment_date >= %s) THEN 1 ELSE 0 END"
)
OWNER_PAID_PLACEHOLDERS = 5
# Of a joint debt ``d``: whether its owner has died by the date (one placeholder, the date). Such a debt is not
# recovered from the dead owner's side (deductions stop at death, recovery-rules.md §6: not from a partner's
# joint award naming them either), only from its living joint debtor's (OWNER_PAID_SQL is 0 for it);
# docs/recovery-notes.md "Joint debts when a debtor dies". Other debts of a dead owner are not OPEN.
OWNER_DEAD_SQL = ("CASE WHEN d.joint_person_id IS NULL THEN 0 WHEN EXISTS (SELECT 1 FROM dms_person dp "
                  "WHERE dp.id = d.person_id AND dp.date_of_death <= %s) THEN 1 ELSE 0 END")
# The same of its joint debtor (one placeholder, the date): then it is not recovered from the joint debtor's
# side either (not from a partner's joint award naming them), only from its living owner's.
JOINT_DEAD_SQL = ("CASE WHEN d.joint_person_id IS NULL THEN 0 WHEN EXISTS (SELECT 1 FROM dms_person dj "
                  "WHERE dj.id = d.joint_person_id AND dj.date_of_death <= %s) THEN 1 ELSE 0 END")


# Of a debt in its recall holding period (``dms_debt``): its recall (not yet ceased) was processed after the
# date (one placeholder) and found the debt OPEN (the recall's own status change, on its processing date).
RECALLED_OPEN_AFTER_SQL = (
    "EXISTS (SELECT 1 FROM store_la_recall r WHERE r.debt_id = dms_debt.id AND r.ceased = FALSE "
    "AND r.recalled_on > %s AND EXISTS (SELECT 1 FROM dms_debt_status_change s WHERE s.debt_id = r.debt_id "
    "AND s.business_date = r.recalled_on AND s.from_status = 'OPEN' AND s.to_status = 'RECALL_PENDING'))"
)
# Its recall's processing date (of a debt in its recall holding period; else NULL).
RECALLED_ON_SQL = ("CASE WHEN status = 'RECALL_PENDING' THEN (SELECT MIN(r.recalled_on) FROM store_la_recall r "
                   "WHERE r.debt_id = dms_debt.id AND r.ceased = FALSE) END")


def load_open_debts(run_date: date, people: Sequence[int], partners: Sequence[int] = (),
                    recalled_after: date | None = None, estate: bool = False) -> dict[int, list[LoadedDebt]]:
    """``{person id: [debts]}``: the OPEN debts owned by ``people`` (and ``partners``: the partners on their
    joint awards) or held jointly with them, with their balances (the stored RECEIVABLE balance) and any
    reduced rate in force on ``run_date`` (recovery-rules.md §4, A9/2025 §31). Only OPEN debts are
    recovered (``RECOVERABLE_STATUSES``): a recalled, suspended or returned debt is not deducted from. A debt
    received after ``run_date`` (a ``debt.referred`` event imported ahead of its ``occurred_on``, events.md §1:
    the date the fact took effect) is not recovered before that date.

    With ``recalled_after`` (the earliest payment date of the UC periods reported late that the step takes),
    also the debts in their recall holding period (RECALL_PENDING) whose recall was processed after that date
    and found them OPEN, each with its recall's date (``LoadedDebt.recalled_on``): hb-debt-interface.md §6.5,
    "A recall stops new deductions from its processing date. Money already taken still reaches the debt
    during the holding period", so a period paid before the recall takes from such a debt as it would have
    on its payment date (``services.recovery._LatePeriods``; docs/events-notes.md "A UC period reported after
    its payment date"). No other deduction takes from them.

    With ``estate``, also the debts with the estate (ESTATE) that went there from recovery (from OPEN): a
    pay date or UC period paid while their debtor lived, passed with nothing taken under an earlier date of
    death that a later report corrected, takes from them late (recovery-rules.md §6: deductions stop at
    death, not before it; :func:`dms.services.recovery_events.passed_under_an_earlier_death`; **Decision**,
    docs/events-notes.md "A death's date corrected to a later day").

    A joint debt is listed for its joint debtor too only while its owner has no benefit in payment
    (:data:`OWNER_PAID_SQL`): otherwise it is recovered from the owner's benefit (their own award, or the
    joint award of the couple they are part of). Chunks of partitions may run at the same time, and a
    partner's debt may be deducted by two of them. Every debt loaded is watched (:func:`dms.store.ledger.watch_balances`): its balance changes
    are kept for the end of the step (one set-based update, after the shared accounts are locked in order,
    so concurrent chunks neither wait on each other's rows mid-way nor deadlock) and may not then fall below
    0, whoever else took from it meanwhile (the chunk is rolled back and done again, reading the balance the
    other left). The balance given here includes what this step has already taken
    (:func:`dms.store.ledger.pending_deltas`).
    """
    if not people and not partners:
        return {}
    everyone = sorted(set(people) | set(partners))
    cond, params = in_ids("person_id", everyone)
    joint_cond, joint_params = in_ids("joint_person_id", everyone)
    # Owned, then held jointly: two index scans (an OR of the two makes PostgreSQL scan every debt); a debt
    # found by both comes twice and is taken once (``seen``).
    columns = ("id, person_id, creditor_id, creditor_ref, debt_type, classification, received_on, receipt_seq, "
               "created_on, joint_person_id, agreed_amount_pence, referral_received_on")
    status, status_params, recalled = "status = 'OPEN'", [], ""
    if recalled_after is not None:  # and the debts a period paid before their recall takes from
        status = f"(status = 'OPEN' OR (status = 'RECALL_PENDING' AND {RECALLED_OPEN_AFTER_SQL}))"
        status_params, recalled = [recalled_after], ", d.recalled_on"
        columns += f", {RECALLED_ON_SQL} AS recalled_on"
    if estate:  # and the debts sent to the estate from recovery
        status = (f"({status} OR (status = 'ESTATE' AND EXISTS (SELECT 1 FROM dms_debt_status_change sc "
                  "WHERE sc.debt_id = dms_debt.id AND sc.to_status = 'ESTATE' AND sc.from_status = 'OPEN')))")
        columns += ", status"
        recalled += ", d.status"
    rows = fetch(
        "SELECT d.id, d.person_id, c.kind, c.la_id, d.creditor_id, d.creditor_ref, d.debt_type, "
        "d.classification, d.received_on, d.receipt_seq, d.created_on, d.joint_person_id, "
        f"d.agreed_amount_pence, acc.balance_pence, acc.id, {OWNER_PAID_SQL}, {OWNER_DEAD_SQL}, {JOINT_DEAD_SQL}, "
        f"{received_by_sql()}{recalled} FROM (SELECT {columns} FROM dms_debt WHERE {cond} AND {status} AND "
        f"{received_by_sql('')} <= %s UNION ALL SELECT {columns} FROM dms_debt WHERE {joint_cond} AND {status} AND "
        f"{received_by_sql('')} <= %s) d "
        "JOIN dms_creditor c ON c.id = d.creditor_id "
        "JOIN dms_account acc ON acc.debt_id = d.id AND acc.kind = 'RECEIVABLE' "
        "WHERE acc.balance_pence > 0 ORDER BY d.id",
        [*[run_date] * (OWNER_PAID_PLACEHOLDERS + 2), *params, *status_params, run_date, *joint_params,
         *status_params, run_date],
    )
    rates = reduced_rates_both(run_date, sorted({r[0] for r in rows}))
    by_person: dict[int, list[LoadedDebt]] = defaultdict(list)
    seen: set[int] = set()
    watched = []
    pending = pending_deltas()
    day = (lambda value: value) if is_postgresql() else as_date  # PostgreSQL returns dates as dates
    for r in rows:
        debt_id, owner, account_id, joint = r[0], r[1], r[14], r[11]
        if debt_id in seen:
            continue
        seen.add(debt_id)
        balance = int(r[13]) + pending.get(account_id, 0)
        if balance <= 0:
            continue
        watched.append(account_id)
        rate = rates.get(debt_id)
        record = DebtRecord(
            debt_id=debt_id, owner_kind=r[2], debt_type=r[6], classification=r[7], balance_pence=balance,
            received_on=day(r[8]), receipt_seq=r[9], created_on=day(r[10]), la_id=r[3],
            joint=joint is not None, owner_person=owner, agreed_amount_pence=r[12],
            reduced_rate_pence=rate.per_period if rate is not None else None,
            reduced_weekly_rate_pence=rate.per_week if rate is not None else None, creditor_ref=r[5],
        )
        recalled_on = day(r[19]) if recalled_after is not None and r[19] is not None else None
        loaded = LoadedDebt(record, owner, r[4], r[5], r[6], account_id, rate, recalled_on,
                            estate and r[-1] == "ESTATE", day(r[18]))
        if not r[16]:  # a joint debt of an owner who has died is only its living joint debtor's
            by_person[owner].append(loaded)
        if joint is not None and joint != owner and not r[15] and not r[17]:
            by_person[joint].append(loaded)
    watch_balances(watched)
    return by_person


def debts_recovered_from(people: Sequence[int], on: date) -> list[int]:
    """The debts (ids, in order) an assessment period of ``people`` (its award's holder and the partner it
    names) recovers from on ``on`` by the rules of :func:`load_open_debts`, whatever their status and balance
    now: those owned by one of them, and those held jointly by one of them while the owner has no benefit to
    recover them from (:data:`OWNER_PAID_SQL`; **Decision**, docs/recovery-notes.md "Joint debts recovered
    from one benefit"), received by ``on``. Awards are read as held now."""
    if not people:
        return []
    cond, params = in_ids("d.person_id", sorted(set(people)))
    joint_cond, joint_params = in_ids("d.joint_person_id", sorted(set(people)))
    rows = fetch(
        f"SELECT d.id FROM dms_debt d WHERE {cond} AND {received_by_sql()} <= %s AND ({OWNER_DEAD_SQL}) = 0 UNION "
        f"SELECT d.id FROM dms_debt d WHERE {joint_cond} AND {received_by_sql()} <= %s AND ({OWNER_PAID_SQL}) = 0 "
        f"AND ({JOINT_DEAD_SQL}) = 0 ORDER BY 1",
        [*params, on, on, *joint_params, on, *[on] * OWNER_PAID_PLACEHOLDERS, on],
    )
    return [r[0] for r in rows]


class RateInForce(NamedTuple):
    """A debt's reduced rate in force (A9/2025 §31) in the units of both engines (:func:`rate_per`), with who
    set it, its review date and the rate as agreed in its own unit, which a deduction's explanation names when
    the rate limited a UC period or was a legacy instalment's weekly rate (converted, when agreed in the
    other engine's unit)."""

    per_period: int  # pence per UC assessment period
    per_week: int  # pence per legacy week
    set_by: str
    until: date
    agreed_pence: int  # as agreed, per ``per``
    per: str  # the unit it was agreed in: ASSESSMENT_PERIOD, WEEK, or "" when recorded without one (as given)


def reduced_rates_both(run_date: date, debt_ids: Sequence[int]) -> dict[int, RateInForce]:
    """``{debt id: RateInForce}``: the reduced rate in force on ``run_date`` of each of ``debt_ids`` (the
    latest set wins) in the units of both engines (:func:`rate_per`), with who set it, its review date and the
    rate as agreed, in one query. A rate belongs to its debt (A9/2025 §31; recovery-rules.md §4): a jointly owed debt is recovered
    at its reduced rate from either debtor, whether or not its owner is due or loaded with them."""
    if not debt_ids:
        return {}
    cond, params = in_ids("r.debt_id", debt_ids)
    rows = fetch(
        "SELECT r.debt_id, r.amount_pence, r.per, r.actor, r.until FROM dms_reduced_rate r "
        f"WHERE {cond} AND r.set_on <= %s AND r.until > %s ORDER BY r.set_on, r.id",
        [*params, run_date, run_date],
    )
    return {debt_id: RateInForce(rate_per(int(amount), set_per or "", PER_ASSESSMENT_PERIOD),
                                 rate_per(int(amount), set_per or "", PER_WEEK), actor, as_date(until),
                                 int(amount), set_per or "")
            for debt_id, amount, set_per, actor, until in rows}


class HeldRate(NamedTuple):
    """A reduced rate in force on one of a person's debts, whatever the debt's status (:func:`person_rates`):
    the debt's id, its creditor reference and its status (CLEARED for one with no balance left), and the rate
    (:class:`RateInForce`)."""

    debt_id: int
    ref: str
    status: str
    rate: RateInForce


def person_rates(on: date, people: Sequence[int]) -> dict[int, list[HeldRate]]:
    """``{person id: [HeldRate]}``: the reduced rates in force on ``on`` (the latest set of each debt,
    :func:`reduced_rates_both`) on the debts of ``people`` received by ``on``, in recovery or not (cleared,
    returned, withdrawn, suspended, recalled), listed for the people :func:`load_open_debts` lists such a
    debt for (a joint debt for its joint debtor only while its owner has no benefit, :data:`OWNER_PAID_SQL`;
    never for a debtor who has died). A reduced rate replaces the rate the person pays, not one debt's part of
    it, until the day before its review date (A9/2025 §31; recovery-rules.md §4; **Decision**,
    docs/recovery-notes.md "Reduced (affordable) rates"), so a rate set on a debt that has since cleared or
    left recovery goes on limiting what is taken for the person's (on a joint UC award, the couple's) other
    debts, in the daily run and in ``dms rerate`` alike. Driven by the rates in force (few), in one query."""
    if not people:
        return {}
    cond, params = in_ids("d.person_id", sorted(set(people)))
    joint_cond, joint_params = in_ids("d.joint_person_id", sorted(set(people)))
    select = ("SELECT d.id, d.person_id, d.joint_person_id, d.creditor_ref, d.status, acc.balance_pence, acc.id, "
              f"{OWNER_PAID_SQL}, {OWNER_DEAD_SQL}, {JOINT_DEAD_SQL} FROM dms_reduced_rate r "
              "JOIN dms_debt d ON d.id = r.debt_id "
              "JOIN dms_account acc ON acc.debt_id = d.id AND acc.kind = 'RECEIVABLE' "
              f"WHERE r.set_on <= %s AND r.until > %s AND {received_by_sql()} <= %s AND ")
    placeholders = [*[on] * (OWNER_PAID_PLACEHOLDERS + 2), on, on, on]
    rows = fetch(f"{select}{cond} UNION {select}{joint_cond} ORDER BY 1",
                 [*placeholders, *params, *placeholders, *joint_params])
    rates = reduced_rates_both(on, [r[0] for r in rows])
    pending = pending_deltas()
    by_person: dict[int, list[HeldRate]] = defaultdict(list)
    for debt_id, owner, joint, ref, status, balance, account_id, owner_paid, owner_dead, joint_dead in rows:
        rate = rates.get(debt_id)
        if rate is None:
            continue
        left = int(balance) + pending.get(account_id, 0)
        held = HeldRate(debt_id, ref or "", "CLEARED" if left <= 0 else status, rate)
        if not owner_dead:
            by_person[owner].append(held)
        if joint is not None and joint != owner and not owner_paid and not joint_dead:
            by_person[joint].append(held)
    return by_person


def reduced_rates(run_date: date, debt_ids: Sequence[int], per: str = "ASSESSMENT_PERIOD") -> dict[int, int]:
    """``{debt id: pence}``: :func:`reduced_rates_both` per ``per`` (``ASSESSMENT_PERIOD`` for the UC engine,
    ``WEEK`` for the legacy one)."""
    weekly = per == "WEEK"
    return {debt_id: rate.per_week if weekly else rate.per_period
            for debt_id, rate in reduced_rates_both(run_date, debt_ids).items()}


class Sanction(NamedTuple):
    """A sanction in force (events.md §2 ``person.sanction``): its rate and its last day."""

    rate_percent: Decimal
    until: date


def sanctions_in_force(on: date, person_ids: Sequence[int]) -> dict[int, Sanction]:
    """``{person id: Sanction}`` of the sanctions in force on ``on`` (from the start date for their weeks),
    the highest rate where several overlap (then the one lasting longer); one query."""
    if not person_ids:
        return {}
    cond, params = in_ids("person_id", sorted(set(person_ids)))
    found: dict[int, Sanction] = {}
    for person_id, rate, until in fetch(
            f"SELECT person_id, rate_percent, end_date FROM dms_restriction WHERE kind = 'SANCTION' AND {cond} "
            "AND start_date <= %s AND end_date >= %s AND rate_percent <> ''", [*params, on, on]):
        sanction = Sanction(Decimal(rate), as_date(until))
        if person_id not in found or sanction > found[person_id]:
            found[person_id] = sanction
    return found


def sanctions_over(first: date, last: date, person_ids: Sequence[int]) -> dict[int, list[SanctionSpan]]:
    """``{person id: [SanctionSpan]}`` of the sanctions the daily run has applied (events.md §2
    ``person.sanction``: SANCTION restrictions, from the start date for their weeks) in force on any day from
    ``first`` to ``last``, for the pay periods of legacy pay dates
    (:func:`dms.recovery.legacy.sanction_over_period`); one query."""
    if not person_ids:
        return {}
    cond, params = in_ids("person_id", sorted(set(person_ids)))
    found: dict[int, list[SanctionSpan]] = defaultdict(list)
    for person_id, rate, start, until in fetch(
            f"SELECT person_id, rate_percent, start_date, end_date FROM dms_restriction WHERE kind = 'SANCTION' "
            f"AND {cond} AND start_date <= %s AND end_date >= %s AND rate_percent <> '' ORDER BY id",
            [*params, last, first]):
        found[person_id].append(SanctionSpan(Decimal(rate), as_date(start), as_date(until)))
    return dict(found)
