"""What staff see and set in recovery: the deductions taken from a person or for their debts (``dms deductions
list``) and a reduced rate after an affordability request (``dms debtor set-rate``; A9/2025 §31,
recovery-rules.md §4)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q

from dms.debts import HELD_STATUSES, DebtStatus
from dms.errors import BadArguments, DmsError
from dms.money import format_pounds, parse_pounds
from dms.services.debtors import find_person
from dms.services.events import last_completed_run_date
from dms.store.models import Award, AwardChange, Debt, InboundEvent, Person
from dms.store.recovery.models import Deduction, PeriodExplanation, ReducedRate


def _debts_and_payers(person_id: int) -> tuple[list[int], set[int]]:
    """The person's debts (owned or held jointly) and everyone a deduction for them can have been taken from
    (the daily run recovers a debt from its debtors' awards and from the joint UC awards naming one of them
    as partner): the person, the other debtor of each joint debt, and the holders of awards naming either."""
    debts = list(Debt.objects.filter(Q(person_id=person_id) | Q(joint_person_id=person_id))
                 .values_list("pk", "person_id", "joint_person_id"))
    debtors = {person_id} | {p for _, owner, joint in debts for p in (owner, joint) if p is not None}
    partners = set(Award.objects.filter(partner_id__in=sorted(debtors)).values_list("person_id", flat=True))
    # awards that named one of them as partner before a change (a couple separating): their deductions for
    # the debts stand and are listed too
    ninos = list(Person.objects.filter(pk__in=sorted(debtors)).values_list("nino", flat=True))
    refs = {str(ref) for ref in InboundEvent.objects.filter(type="award.started", payload__uc__partner_nino__in=ninos)
            .values_list("payload__award_ref", flat=True)}
    refs |= set(AwardChange.objects.filter(changes__partner_nino__in=ninos).values_list("award__award_ref", flat=True))
    if refs:
        partners |= set(Award.objects.filter(award_ref__in=sorted(refs)).values_list("person_id", flat=True))
    return [pk for pk, _, _ in debts], debtors | partners


def list_deductions(nino: str, date_from: date | None = None, date_to: date | None = None) -> list[dict[str, Any]]:
    """The amounts taken from the person's benefits (to debts and to third parties), and those taken for the
    person's debts (owned or held jointly) from another's benefit (a partner's joint UC award), so that
    staff can answer "why was £X taken?" for any of the person's debts; by date then the order taken;
    reversed (missed) instalments show as REVERSED. Money as ``"0.00"`` strings."""
    if date_from and date_to and date_from > date_to:
        raise BadArguments(f"--from {date_from} is after --to {date_to}: give a range that runs forwards")
    person = find_person(nino)
    debt_ids, payers = _debts_and_payers(person.pk)
    rows = Deduction.objects.filter(person_id__in=sorted(payers)).filter(
        Q(person_id=person.pk) | Q(debt_id__in=debt_ids))
    if date_from:
        rows = rows.filter(date__gte=date_from)
    if date_to:
        rows = rows.filter(date__lte=date_to)
    found = list(rows.order_by("date", "id"))
    periods = PeriodExplanation.facts_of(d.period_id for d in found if d.period_id is not None)
    others = {d.person_id for d in found} - {person.pk}
    nino_of = dict(Person.objects.filter(pk__in=sorted(others)).values_list("pk", "nino")) if others else {}
    joint_awards = set(Award.objects.filter(pk__in=sorted({d.award_id for d in found if d.person_id in others}),
                                            partner_id=person.pk).values_list("pk", flat=True)) if others else set()
    return [
        {
            "date": d.date.isoformat(),
            "source": d.source,
            "item": d.item,
            "creditor": d.creditor_kind,
            "la_id": d.la_id,
            "ref": d.ref,
            "amount": format_pounds(d.amount_pence),
            "status": d.status,
            "explanation": _whose(d, nino_of, d.award_id in joint_awards, _with_reversal(d, d.explained_with(
                periods.get(d.period_id) if d.period_id is not None else None))),
        }
        for d in found
    ]


def _whose(deduction: Deduction, nino_of: dict[int, str], joint_award: bool, text: str) -> str:
    """A deduction taken from another person's benefit (a joint UC award claimed by the partner, or the own
    award of the other debtor of a joint debt) says whose benefit it came from first: its figures are that
    award's."""
    payer = nino_of.get(deduction.person_id)
    if payer is None:
        return text
    award = (f"the joint {deduction.source} award claimed by {payer}, naming this person as partner" if joint_award
             else f"the {deduction.source} award of {payer}")
    return f"Taken from {award}, for a debt this person owes (alone or jointly).\n{text}"


def _with_reversal(deduction: Deduction, text: str) -> str:
    """A reversed deduction's explanation says when and why it was reversed (recovery-rules.md §4: a missed
    instalment is reversed), after why it was taken."""
    if deduction.status != "REVERSED":
        return text
    when = f" on {deduction.reversed_on.isoformat()}" if deduction.reversed_on else ""
    why = f": {deduction.reversal_reason}" if deduction.reversal_reason else ""
    return f"{text}\nReversed{when}{why}."


@dataclass(frozen=True)
class RateSet:
    debt_id: int
    amount_pence: int
    set_on: date
    until: date
    actor: str
    reason: str
    per: str = "ASSESSMENT_PERIOD"  # the unit it was agreed in: ASSESSMENT_PERIOD or WEEK
    already: bool = False  # the same rate was already recorded (the same command given again): nothing new


def _find_debt(person_id: int, nino: str, debt: str) -> Debt:
    """The debt ``--debt`` names (its id, or its reference among the person's debts): refused when unknown,
    another person's, or not in recovery (OPEN), by reference as by id (docs/recovery-notes.md, reduced rates:
    "a debt not in recovery" is a refused request; README `dms debtor set-rate`)."""
    found: Debt | None
    if debt.isdigit():
        found = Debt.objects.filter(pk=int(debt)).first()
        if found is None:
            raise DmsError(f"--debt {debt}: no debt with this id is known to DMS; `dms debtor show {nino}` "
                           "lists the person's debts")
    else:
        # every debt of theirs with the reference, held or not, so that one no longer held (withdrawn, recalled,
        # cleared) is refused for what it is, as by its id, not as unknown (docs/recovery-notes.md)
        named = list(Debt.objects.filter(Q(person_id=person_id) | Q(joint_person_id=person_id), creditor_ref=debt)
                     .select_related("creditor").order_by("pk"))
        matches = [d for d in named if d.status in HELD_STATUSES] or named
        if len(matches) > 1:
            held = "held " if matches[0].status in HELD_STATUSES else ""
            which = ", ".join(f"{d.pk} ({d.creditor.la_id or d.creditor.kind}, {d.status})" for d in matches)
            raise DmsError(f"--debt {debt!r}: the person has {len(matches)} {held}debts with this reference (ids "
                           f"{which}; references are unique only per creditor): give the debt's id")
        found = matches[0] if matches else None
        if found is None:
            raise DmsError(f"--debt {debt!r}: the person has no debt with this reference; "
                           f"`dms debtor show {nino}` lists their debts")
    if person_id not in (found.person_id, found.joint_person_id):
        raise DmsError(f"--debt {debt}: the debt is owed by another person, not NINO {nino}")
    if found.status not in HELD_STATUSES:
        raise DmsError(f"--debt {debt}: the debt is {found.status} and no longer recovered by DMS")
    if found.status != DebtStatus.OPEN:
        raise DmsError(f"--debt {debt}: the debt is {found.status}, not being recovered by deduction: a reduced "
                       "rate is for a debt in recovery (OPEN)")
    return found


def first_date_with_rates() -> date:
    """The first date a reduced rate can be set on: the latest of the first dates of the UC rates (an
    assessment period's) and of the legacy rates (a pay date's) DMS holds (recovery-rules.md §2, §4: from
    2024-04-08). Before it there is no rate to replace."""
    from dms.recovery.legacy import first_pay_date_with_rules
    from dms.recovery.uc import first_period_start

    return max(first_period_start(), first_pay_date_with_rules())


def period_in_force(award: Award, on: date) -> tuple[date, date]:
    """The (first, last) day of the assessment period of the UC ``award`` in force on ``on``: the period held
    for it that contains ``on``, else the one its cycle gives (``assessment_period_day``, the month's last day
    when it has none; UC Regulations 2013 reg 21), which for the award's first period starts on its start date
    (reg 21A)."""
    from dms.calendar import assessment_period_containing
    from dms.store.recovery.models import AssessmentPeriod

    held = (AssessmentPeriod.objects.filter(award=award, period_start__lte=on, period_end__gte=on)
            .order_by("period_start").values_list("period_start", "period_end").first())
    if held is not None:
        return held
    first, last = assessment_period_containing(on, award.assessment_period_day or 31)
    return max(first, award.start_date), last


def _uc_period_start(award: Award, on: date) -> date:
    """The start of the assessment period of ``award`` in force on ``on`` (:func:`period_in_force`), whose
    rates set the item maximum a reduced rate replaces (recovery-rules.md §2: the figures apply to assessment
    periods starting on or after their date). Refuses one that started before the first UC rates DMS holds,
    naming the next period's start: there is no maximum to compare with (such periods are refused at import)."""
    from dms.recovery.uc import first_period_start

    start, last = period_in_force(award, on)
    earliest = first_period_start()
    if start < earliest:
        raise DmsError(
            f"the assessment period of award {award.award_ref} in force on {on}, from {start} to {last}, "
            f"started before {earliest}, the first DMS holds the UC rates for (recovery-rules.md §2), so the item "
            f"maximum a reduced rate replaces cannot be worked out; give --date {last + timedelta(days=1)} (the "
            "next period's start) or later")
    return start


def _standard_rate(debt: Debt, on: date, person_id: int) -> tuple[int, str, str] | None:
    """The rate a reduced rate for ``debt`` would replace on ``on`` (A9/2025 §31: a *lower* rate): on UC the
    debt's Annex B item maximum for the person's award (recovery-rules.md §3), from the parameters in force
    for the award's assessment period in force on ``on`` (:func:`_uc_period_start`), otherwise the legacy weekly
    rate, fraud if any of the person's debts in recovery is (recovery-rules.md §4); None with no benefit in
    payment (nothing is recovered, so there is nothing to compare with). With the rate's unit:
    ``ASSESSMENT_PERIOD`` or ``WEEK``, that of the benefit of ``person_id``, the debtor the rate is set for
    (a rate keeps the unit it was agreed in, docs/recovery-notes.md). For a joint debt, the higher of its two
    debtors' rates (it is recovered from either), the other's converted to that unit (``rate_per``, rounded
    down); the unit is the other debtor's when only the other has a benefit in payment."""
    from dms.recovery.allocation import item_of
    from dms.recovery.legacy import PER_ASSESSMENT_PERIOD, PER_WEEK, legacy_weekly_rate, rate_per
    from dms.recovery.uc import SOCIAL_FUND_ITEM, uc_rates
    from dms.services import debts as debt_service
    from dms.services.benefit_in_payment import awards_of, in_payment_q

    found: dict[int, tuple[int, str, str]] = {}  # each debtor's (pence, words, unit)
    for debtor_id in (p for p in (debt.person_id, debt.joint_person_id) if p is not None):
        in_payment = Award.objects.filter(awards_of(debtor_id)).filter(in_payment_q(on))
        uc = in_payment.filter(benefit="UC").first()
        if uc is not None and uc.claimant_type:
            record = debt_service.engine_record(debt, debt_service.figures_of(debt).balance_pence)
            item = item_of(record)
            if item == SOCIAL_FUND_ITEM and debt.agreed_amount_pence is not None:
                found[debtor_id] = (int(debt.agreed_amount_pence),
                                    "the Social Fund loan's agreed amount per assessment period", PER_ASSESSMENT_PERIOD)
                continue
            start = _uc_period_start(uc, on)
            limit = uc_rates(start, uc.claimant_type).item_limit.get(item)
            if limit:
                found[debtor_id] = (limit, f"the UC maximum of Annex B item {item} per assessment period, at the "
                                           f"rates of the period from {start} in force", PER_ASSESSMENT_PERIOD)
            continue
        if not in_payment.exists():
            continue
        fraud = Debt.objects.filter(Q(person_id=debtor_id) | Q(joint_person_id=debtor_id), status=DebtStatus.OPEN,
                                    classification="FRAUD").exists()
        found[debtor_id] = (legacy_weekly_rate(on, fraud), "the legacy weekly rate" + (" (fraud)" if fraud else ""),
                            PER_WEEK)
    if not found:
        return None
    unit = (found.get(person_id) or next(iter(found.values())))[2]
    return max((rate_per(pence, per, unit), words if per == unit else f"{words}, {_UNIT_WORDS[unit]}", unit)
               for pence, words, per in found.values())


_UNIT_WORDS = {"WEEK": "x 12/52 as a weekly rate, rounded down",
               "ASSESSMENT_PERIOD": "x 52/12 as a rate per assessment period, rounded down"}


def set_reduced_rate(nino: str, debt: str, amount: str, until: date, reason: str, actor: str,
                     on: date | None = None) -> RateSet:
    """Record a lower rate for a debt (A9/2025 §31): per UC assessment period, or per week for a legacy
    benefit, used by both engines from ``on`` (default: the last run date) until the day before ``until``
    (its review date). Who, when and why are kept. Refuses an unknown NINO or debt, another person's debt,
    a bad amount, a review date not after the date set, an empty reason.

    What can be judged from the arguments alone (the amount, an empty reason, debt or actor, a review date not
    after the ``on`` given) is refused first, as bad arguments (``BadArguments``: exit 2 at the command);
    what needs the book (the person, the debt, the rate replaced, the last run date) after."""
    try:
        pence = parse_pounds(amount, field="--amount")
    except (ValueError, ArithmeticError) as error:
        raise BadArguments(str(error)) from None
    if pence <= 0:
        raise BadArguments(f"--amount {amount}: a reduced rate is more than 0.00 (to stop recovery, recall the "
                           "debt)")
    if not debt.strip():
        raise BadArguments("--debt: give the debt's id (as `dms debtor show` lists) or its reference")
    if not reason.strip():
        raise BadArguments("--reason: say why the rate is reduced (the affordability request)")
    if not actor.strip():
        raise BadArguments("--actor: say who set the rate")
    if on is not None and until <= on:
        raise BadArguments(f"--until {until}: the review date must be after {on}, the date the rate is set "
                           "(--date)")
    if on is not None and on < first_date_with_rates():
        raise BadArguments(f"--date {on}: DMS holds the recovery rates from {first_date_with_rates()} "
                           "(recovery-rules.md §2, §4), so there is no rate in force then for a reduced rate to "
                           f"replace; give a --date on or after {first_date_with_rates()}")
    last_run = last_completed_run_date()
    set_on = on or last_run
    if set_on is None:
        raise DmsError("no daily run has completed yet: give the business date with --date")
    if last_run is not None and set_on < last_run:
        raise DmsError(f"--date {set_on}: the daily run has already done {last_run}; a rate is set from that date "
                       "on, never for days already run (deductions taken stand as taken)")
    if until <= set_on:
        raise DmsError(f"--until {until}: the review date must be after {set_on}, the date the rate is set")
    with transaction.atomic():
        person = find_person(nino)
        found = _find_debt(person.pk, nino, debt)
        standard = _standard_rate(found, set_on, person.pk)
        if standard is None:
            raise DmsError(f"no benefit is in payment to the debtor on {set_on}, so nothing is recovered from "
                           "which a lower rate could be agreed (per UC assessment period, or per week of a legacy "
                           "benefit); set the rate once a benefit is in payment")
        if pence >= standard[0]:
            raise DmsError(f"--amount {amount}: a reduced rate is lower than the rate it replaces, "
                           f"{format_pounds(standard[0])} ({standard[1]} on {set_on}); give a lower amount")
        fields = {"debt": found, "amount_pence": pence, "until": until, "reason": reason.strip(),
                  "actor": actor.strip(), "per": standard[2]}
        # the same command given again (a retry, a double submission, also after a daily run has moved the last
        # run date on) records nothing new: the same rate already in force on the debt from an earlier date
        # covers the later one, and the case view would otherwise list the rate twice (README `dms debtor
        # set-rate`: "the same command given again records nothing new and says so"; guide/engineering.md: state
        # changes are idempotent and audited)
        in_force = (ReducedRate.objects.filter(debt=found, set_on__lte=set_on, until__gt=set_on)
                    .order_by("-set_on", "-pk").first())  # the latest set wins (recovery_load.reduced_rates_both)
        already = in_force is not None and all(
            getattr(in_force, name) == value for name, value in fields.items() if name != "debt")
        if in_force is not None and already:
            set_on = in_force.set_on
        else:
            ReducedRate.objects.create(set_on=set_on, **fields)
    return RateSet(found.pk, pence, set_on, until, actor.strip(), reason.strip(), standard[2], already)
