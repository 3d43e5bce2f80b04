"""Life events acted on by the daily run (spec/events.md §2-3; reference/recovery-rules.md §4-6).

Events stored by ``dms events import`` with ``applied`` False are acted on here on the right day, each in
its own savepoint, and then marked applied with the run date as their effect date (``uc.assessment_period``
events are held as ``AssessmentPeriod`` rows at import; the deduction step, ``dms.services.recovery``, takes
them on their payment date):

- ``person.died`` (on the date of death), ``person.sanction`` and ``person.insolvency`` (on their start
  date), ``payment.received`` (on ``received_on``): :func:`apply_life_events`;
- ``benefit.payment_missed``: after the day's deductions, once its pay date is reached
  (:func:`apply_missed_instalments`);
- ``award.ended`` (applied at import): HB debts recovered from the award cease the day after its end date,
  its last day in payment, unless another award is in payment then (:func:`cease_for_ended_awards`); one
  reported after deductions were taken past the end is held for the run, which reverses them from that
  same day, before the cessation (:func:`apply_life_events`, :func:`_award_ended_late`); one moving the end
  later takes again what an earlier end alone reversed (:func:`reversed_for_an_earlier_end`) and takes late
  the legacy pay dates and UC periods the run passed under it (:func:`passed_under_an_earlier_end`,
  :func:`periods_passed_under_an_earlier_end`);
  moratoria end (:func:`resume_after_moratoria`); a moratorium in force releases its debts once UC is in
  payment, UC deductions not being covered (:func:`release_for_uc_deductions`);
- ``award.changed`` taking a partner off a joint UC award (applied by the run's first step): the former
  partner's HB debts cease once they have no benefit in payment (:func:`cease_for_departed_partners`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

from django.db import transaction
from django.db.models import F, Q

from dms import events as ev
from dms.debts import DebtStatus
from dms.errors import DmsError
from dms.ledger import AccountKind, EntryKind
from dms.money import format_pounds, parse_pounds
from dms.parameters import value
from dms.recovery.legacy import (
    benefit_floor_for_period,
    missed_instalments_outcome,
    pay_period,
    sanction_over_period,
)
from dms.recovery.types import PayFrequency, RecoveryInputError, SanctionSpan
from dms.services import debts as debt_service
from dms.services import over_recovery
from dms.services.benefit_in_payment import (
    awards_of,
    benefits_in_payment,
    has_benefit_in_payment,
    in_payment_params,
    in_payment_sql,
)
from dms.services.events import ensure_person, paid_on, pay_terms_on, stored_event, supersede, taken_after_end
from dms.services.recovery_load import as_date, fetch, in_partitions, sanctions_over
from dms.store.models import Award, Debt, DebtStatusChange, InboundEvent, Person, partition_of
from dms.store.recovery.models import (
    AssessmentPeriod,
    Deduction,
    MissedInstalment,
    Restriction,
    paid_before,
    paid_on_or_after,
)

ACTOR = "daily run: life events"
LIFE_EVENT_TYPES = ("person.died", "person.sanction", "person.insolvency", "payment.received", "award.ended",
                    "debt.revised", "debt.withdrawn")  # the last two: those dated ahead of the run when imported
MISSED_EVENT_TYPE = "benefit.payment_missed"  # applied after the day's deductions (apply_missed_instalments)
# every stored event type the daily run applies (award.changed waits as an AwardChange): what waits for it
RUN_EVENT_TYPES = (*LIFE_EVENT_TYPES, MISSED_EVENT_TYPE)
STANDARD_MORATORIUM_DAYS = 60  # Debt Respite Scheme (SI 2020/1311): a standard breathing space
CRISIS_EXTRA_DAYS = 30  # a mental health crisis moratorium: the treatment plus 30 days
SANCTION_RETURN_RATE = Decimal(100)  # a 100% sanction ...
SANCTION_RETURN_WEEKS = 13  # ... of 13 weeks or more returns HB debts (events.md §2)
WHOLE_INSOLVENCY = ("BANKRUPTCY", "DEBT_RELIEF_ORDER", "IVA")
MORATORIA = ("BREATHING_SPACE", "MENTAL_HEALTH_CRISIS_MORATORIUM")
SANCTION_RETURN_RULE = (f"HB debts are returned for a {SANCTION_RETURN_RATE}% sanction for {SANCTION_RETURN_WEEKS} "
                        "weeks or more (events.md person.sanction; hb-debt-interface.md §6.5)")
_HB_ACTIVE = (DebtStatus.OPEN, DebtStatus.SUSPENDED, DebtStatus.RECALL_PENDING)
_SUSPENDABLE = (DebtStatus.OPEN, DebtStatus.SUSPENDED)  # a restriction bars these (SUSPENDED: already barred)


def parsed(row: InboundEvent) -> ev.Event:
    """The stored event, validated again (it was valid when imported). One that no longer reads as valid
    (stored by an earlier release under other rules) stops the run with one line naming it, never a
    traceback: it is not skipped, since a death or a sanction left out would take money wrongly."""
    try:
        return stored_event(row)
    except ev.EventError as error:
        raise DmsError(f"stored event {row.event_id!r} ({row.type}, from {row.source or 'an import'}) no longer "
                       f"reads as a valid event: {error}; the run cannot act on it until it is corrected") from None


def _people_in(partitions: Sequence[int] | None) -> set[int] | None:
    return None if partitions is None else set(partitions)


def _in_partitions(nino: str, wanted: set[int] | None) -> bool:
    """Whether an event's person (by NINO) is one of the chunk's (every person when ``wanted`` is None).
    Computed from the NINO, so an event naming a person DMS does not know still falls in one chunk."""
    return wanted is None or partition_of(nino) in wanted


def _mark_applied(row: InboundEvent, run_date: date) -> None:
    InboundEvent.objects.filter(pk=row.pk).update(applied=True, effect_date=run_date)


# ---------------------------------------------------------------------------------------------- debts


def cease_hb_debts(debt_ids: Sequence[int], reason: str, run_date: date, actor: str, why: str = "") -> int:
    """Return (cease) the HB debts ``debt_ids`` still held with ``reason`` (hb-debt-interface.md §6.5
    reason codes): a RETURN entry of the balance, status RETURNED; the LA learns of it from its cessation
    file. ``why``, when given, is the calculation that returned them, kept in the status change's audit.
    Returns how many were ceased."""
    count = 0
    for debt in Debt.objects.filter(pk__in=list(debt_ids), status__in=_HB_ACTIVE).order_by("pk"):
        debt_service.return_debt(debt, reason, business_date=run_date, actor=actor, why=why)
        count += 1
    return count


def _debts(person: Person, **filters: Any) -> list[Debt]:
    return list(Debt.objects.filter(person=person, **filters).select_related("creditor").order_by("pk"))


def _debts_owed(person: Person, **filters: Any) -> list[Debt]:
    """The debts ``person`` owes: their own, and those they owe jointly with another debtor who owns them.

    **Decision** (docs/recovery-notes.md): an insolvency or moratorium of either debtor of a joint debt
    includes it. DMS recovers a joint debt from a joint UC award, which is the benefit of both; the rules
    give no way to take it from the solvent debtor's share alone, so the debt is treated alike whichever of
    the two the creditor named as its owner."""
    return list(Debt.objects.filter(Q(person=person) | Q(joint_person=person), **filters)
                .select_related("creditor").order_by("pk"))


def _hb_ids(person: Person, arisen_by: date | None = None, received_by: date | None = None) -> list[int]:
    """The person's HB debts held (open, suspended or recall pending): those created by ``arisen_by`` and
    received by ``received_by`` (by their own referral's receipt, :func:`debt_service.received_by`) when given."""
    more: dict[str, date] = {} if arisen_by is None else {"created_on__lte": arisen_by}
    held = Debt.objects.filter(debt_service.received_by(received_by)) if received_by is not None else Debt.objects
    return list(held.filter(person=person, creditor__kind="LA", status__in=_HB_ACTIVE, **more)
                .order_by("pk").values_list("pk", flat=True))


def in_payment(person_id: int, on: date, *, excluding: int | None = None) -> bool:
    """Whether the person has an award in payment on ``on`` (other than ``excluding``): one of their own, or
    a joint UC award naming them as the partner (``services/benefit_in_payment.py``, events.md §2)."""
    return has_benefit_in_payment(person_id, on, excluding=excluding)


def _uc_in_payment(person_id: int, on: date) -> bool:
    return has_benefit_in_payment(person_id, on, benefit="UC")


# ---------------------------------------------------------------------------------------------- life events


def _effective(event: ev.Event) -> date:
    """The day a stored life event acts from: the date of the fact it reports (a death, a sanction's or an
    insolvency's start, a payment's receipt), not the day it was reported, so that a catch-up run acts on it
    as a day-by-day run does. An ``award.ended`` held for the run (deductions taken after the end: the end
    date itself was recorded at import) acts from the day after its end date, the first day without the
    award, when :func:`cease_for_ended_awards` ceases its HB debts: the deductions are reversed before the
    cessation, on the same run, whatever its ``occurred_on`` (events.md §2; docs/events-notes.md). One moving
    the end later, to a day the run has not reached, to take again what an earlier end reversed
    (:func:`_award_ended_late`), acts from its ``occurred_on``, the day it was reported, not after the new end."""
    if isinstance(event, ev.AwardEnded):  # one moving the end later past a run (to take again): its report day
        return min(event.end_date + timedelta(days=1), event.occurred_on)
    if isinstance(event, ev.PersonDied):
        return event.date_of_death
    if isinstance(event, ev.PersonSanction | ev.PersonInsolvency):
        return event.start_date
    if isinstance(event, ev.PaymentReceived):
        return event.received_on
    return event.occurred_on


def _payment_due_on(event: ev.PaymentReceived) -> date:
    """The day a direct payment is applied: its ``received_on``, or, when it names a debt DMS holds but that
    takes effect later (a ``debt.referred`` imported ahead of its ``occurred_on``, an LA referral received on a
    later day), the day the debt takes effect (events.md §1; docs/events-notes.md "A debt is recovered from the
    date it took effect"), so that no debt is paid before it exists and no month closes owing less than
    nothing."""
    from dms.services.recovery_payments import TargetGone, _target_debt

    try:
        target = _target_debt(event, _person(event))
    except TargetGone:
        return event.received_on  # taken as the person's credit on its day (recovery_payments)
    if target is None:
        return event.received_on
    return max(event.received_on, debt_service.referral_received_date(target))


def apply_life_events(run_date: date, partitions: Sequence[int] | None = None) -> dict[str, int]:
    """Act on every stored death, sanction, insolvency and direct payment whose date has come, in date then
    arrival order; then cease HB debts of ended awards and of partners who left a joint award with no benefit
    of their own (:func:`cease_for_departed_partners`), resume recovery after moratoria that ended and
    release the debts of moratoria still in force whose person now has UC in payment
    (:func:`release_for_uc_deductions`). Only for the people in ``partitions`` (``Person.partition``) when
    given."""
    counts: dict[str, int] = {}
    due = []
    wanted = _people_in(partitions)
    for row in InboundEvent.objects.filter(type__in=LIFE_EVENT_TYPES, applied=False,
                                           superseded_by="").order_by("id"):
        if not _in_partitions(row.nino, wanted):
            continue
        event = parsed(row)
        effective = _payment_due_on(event) if isinstance(event, ev.PaymentReceived) else _effective(event)
        if effective <= run_date:
            due.append((effective, row.pk, row, event))
    for _, _, row, event in sorted(due, key=lambda item: (item[0], item[1])):
        if _superseded(event, row, run_date):
            counts["events_superseded"] = counts.get("events_superseded", 0) + 1
            continue
        try:
            with transaction.atomic():
                APPLY[row.type](event, row, run_date)
                _mark_applied(row, run_date)
                _note_reports_superseded_before(event, row, run_date)
            counts[row.type] = counts.get(row.type, 0) + 1
        except _NoLongerApplies:
            _mark_applied(row, run_date)  # its debt left DMS before its date: nothing to change
            counts["debt_changes_for_debts_gone"] = counts.get("debt_changes_for_debts_gone", 0) + 1
    counts["award_ended_cessations"] = cease_for_ended_awards(run_date, partitions)
    counts["partner_left_cessations"] = cease_for_departed_partners(run_date, partitions)
    counts["moratoria_ended"] = resume_after_moratoria(run_date, partitions)
    counts["moratoria_uc_released"] = release_for_uc_deductions(run_date, partitions)
    counts["moratoria_uc_stopped"] = suspend_when_uc_stops(run_date, partitions)
    counts["moratoria_joint_debts_suspended"] = suspend_joint_debts_recovered_from_legacy(run_date, partitions)
    return counts


def _superseded(event: ev.Event, row: InboundEvent, run_date: date) -> bool:
    """Whether ``event`` is older than a report of the same fact DMS holds (a death, an award's end, a
    sanction, an insolvency or moratorium, a debt's revision: :func:`dms.services.events.supersede`): it is
    then kept, recorded as superseded and not applied, the later report standing (**Decision**,
    docs/events-notes.md "A late report does not overwrite a later one"). A sanction's or insolvency's
    restriction already held notes it (:func:`note_superseded_report`). A report superseded at import
    (:func:`dms.services.events.import_event`) never reaches the run; this is for one stored before the later
    report arrived."""
    with transaction.atomic():
        later = supersede(row, event)
        if later is None:
            return False
        note_superseded_report(event, later, str(run_date))
    return True


def _note_reports_superseded_before(event: ev.Event, row: InboundEvent, run_date: date) -> None:
    """The reports a sanction, insolvency or moratorium report superseded at import, before any restriction
    for the fact was held (so none could be noted then), noted on the restriction it has now started
    (:func:`note_superseded_report`), as for a report the run itself finds superseded."""
    if not isinstance(event, ev.PersonSanction | ev.PersonInsolvency):
        return
    if not Restriction.objects.filter(event_id=event.event_id).exists():
        return  # it moved a restriction already held, on which what it superseded is noted
    for older in InboundEvent.objects.filter(superseded_by=event.event_id, type=row.type).order_by("pk"):
        note_superseded_report(parsed(older), row, str(run_date))


def note_superseded_report(event: ev.Event, later: InboundEvent, when: str) -> None:
    """A superseded report of a sanction, insolvency or moratorium (docs/events-notes.md "A late report does
    not overwrite a later one") is noted on the restriction already held for it, with ``when`` (the run date,
    or the import): it left the restriction (for a moratorium, its end) as the later event ``later`` set it.
    Nothing is noted for other events, or when no restriction is held yet."""
    if not isinstance(event, ev.PersonSanction | ev.PersonInsolvency):
        return
    kind = event.kind if isinstance(event, ev.PersonInsolvency) else "SANCTION"
    held = Restriction.objects.filter(person__nino=event.nino, kind=kind,
                                      start_date=event.start_date).order_by("-pk").first()
    if held is not None:
        what = "its end" if kind in MORATORIA else "it"
        held.note = (f"{held.note}; {when}: event {event.event_id} (occurred {event.occurred_on}) left "
                     f"{what} as event {later.event_id} (occurred {later.occurred_on}) set it")
        held.save(update_fields=["note"])


def _person(event: ev.Event) -> Person:
    """The person the event concerns. Import creates a person DMS does not know yet (events.md §2); an
    event stored before it did is given one here, so that it is applied rather than stopping the run."""
    return ensure_person(event.nino)


def _died(event: ev.Event, row: InboundEvent, run_date: date) -> None:
    """Death (recovery-rules.md §6; events.md §2): deductions stop (the deduction step skips a person who has
    died, and deductions paid on or after the day of death, because it was reported late, are reversed first:
    each judged by the day its benefit was paid, a UC line by its period's ``payment_date`` even when the
    period was reported late and taken on a later run's day (``Deduction.paid_on``; events.md §2
    ``uc.assessment_period``), so a period paid while the person lived stands whenever it was reported:
    those from their own awards, and those for the debts they own from a partner's joint award; not those their
    own joint UC award took for its living partner's debts, as it goes on paying that partner); HB debts cease (DEATH) with
    the balance then held; DWP and HMRC debts pass to recovery from the estate (ESTATE). A later report that
    moves the date of death later first takes again what an earlier report reversed that was taken before the
    date now in force (:func:`_take_again_what_was_taken_alive`)."""
    if not isinstance(event, ev.PersonDied):
        raise TypeError(type(event).__name__)
    person = _person(event)
    correcting = _death_corrected(person, event)
    if person.date_of_death != event.date_of_death:
        person.date_of_death = event.date_of_death
        person.save(update_fields=["date_of_death"])
    # As if reported in time: the daily run takes nothing from a person on or after the day they died (their
    # periods and pay dates from then), and their own debts leave recovery that day (estate, DEATH), so
    # nothing is taken for them from a partner's joint award either. A debt they owed jointly with a living
    # debtor (whichever of the two the creditor named as owner) stays the living debtor's to pay: what that
    # debtor's benefit paid for it while they lived stands, and it goes on being recovered from it (Decision).
    from dms.services.events import estate_reason, has_died_by

    owed = {debt.pk: debt for debt in _debts_owed(person)}
    after = list(Deduction.objects.filter(Q(award__person=person) | Q(debt_id__in=list(owed)),
                                          paid_on_or_after(event.date_of_death), status="TAKEN")
                 .select_related("award", "period").order_by("pk"))
    payers = {p for d in after if d.award is not None for p in (d.award.person_id, d.award.partner_id) if p}
    died_on = dict(Person.objects.filter(pk__in=payers).values_list("pk", "date_of_death"))

    def alive_on(payer: int | None, day: date) -> bool:
        return payer is not None and (died_on.get(payer) is None or died_on[payer] > day)

    def paid_by_a_living_debtor(deduction: Deduction) -> bool:
        debt = owed.get(deduction.debt_id) if deduction.debt_id is not None else None
        award = deduction.award
        if award is not None and award.person_id == person.pk:
            # their joint UC award goes on paying the living partner it names (Decision, recovery-notes.md):
            # what it took for the partner's debts (theirs, or owed jointly with them) and third parties stands
            partner = award.partner_id
            return (award.benefit == "UC" and alive_on(partner, deduction.paid_on)
                    and (debt is None or partner in (debt.person_id, debt.joint_person_id)))
        if debt is None or award is None:
            return False
        others = {debt.person_id, debt.joint_person_id} - {person.pk, None}
        return any(payer in others and alive_on(payer, deduction.paid_on)
                   for payer in (award.person_id, award.partner_id))

    if correcting:
        _take_again_what_was_taken_alive(person, event, correcting, run_date)
        _take_late_what_was_passed_alive(person, event, correcting, run_date)
    reverse_deductions([d for d in after if not paid_by_a_living_debtor(d)], run_date,
                       _death_reversal_reason(event))
    _cease_for_awards_ended_before(person, event.date_of_death, run_date)
    returned_before = _debts(person, creditor__kind="LA", status=DebtStatus.RETURNED, cessation_reason="DEATH")
    estate_before = _debts_owed(person, status=DebtStatus.ESTATE)
    why = _death_why(event.date_of_death, correcting or f"event {event.event_id}")
    cease_hb_debts(_hb_ids(person), "DEATH", run_date, f"event {event.event_id}", why=why)
    for debt in _debts_owed(person, creditor__kind__in=("DWP", "HMRC"),
                            status__in=(DebtStatus.OPEN, DebtStatus.SUSPENDED)):
        other = debt.joint_person if debt.person_id == person.pk else debt.person
        if other is not None and not has_died_by(other, run_date):
            continue
        debt.change_status(DebtStatus.ESTATE, business_date=run_date, actor=f"event {event.event_id}",
                           reason=estate_reason(debt, correcting))
    if correcting:  # the debts the death first reported moved: their status's reason names the date in force
        for debt in returned_before:
            if _stated(debt) != f"DEATH: {why}":  # not one a reversal above reopened and returned for this date
                _restate(debt, f"DEATH: {why}", run_date, f"event {event.event_id}")
        for debt in estate_before:
            if _stated(debt) != estate_reason(debt):  # a joint debt's last death may be the other debtor's
                _restate(debt, estate_reason(debt, correcting), run_date, f"event {event.event_id}")


def _death_why(date_of_death: date | None, which: str) -> str:
    """Why an HB debt is returned ``DEATH``, for the status change's reason that ``dms debtor show`` gives (README:
    "the death (date, event; ...)"): the date of death and ``which`` report of it (the event, and the date
    and event it corrects, :func:`_death_corrected`), and the rule."""
    of = f" ({which})" if which else ""
    return f"the claimant died on {date_of_death}{of}: deductions stop at death and HB debts cease (recovery-rules.md §6)"


def death_return_why(person: Person) -> str:
    """:func:`_death_why` for the death of ``person`` held (``Person.date_of_death``): named by the report of it
    in force (not superseded) with that date, as :func:`_died` names it, for an HB debt returned ``DEATH``
    elsewhere than there (a cleared debt reopened: :func:`settle_a_reopened_debt`)."""
    return _death_why(person.date_of_death, death_report_named(person))


def death_report_named(person: Person) -> str:
    """The report in force (not superseded) of ``person``'s death held (``Person.date_of_death``), as status
    reasons name it (README ``dms debtor show``: "the death (date, event ...)"): "event x1", or "event x2,
    correcting 2025-06-12 of event x1" (:func:`_death_corrected`); "" when none is stored."""
    for row in InboundEvent.objects.filter(type="person.died", nino=person.nino, superseded_by="").order_by("-pk"):
        event = parsed(row)
        if isinstance(event, ev.PersonDied) and event.date_of_death == person.date_of_death:
            return _death_corrected(person, event) or f"event {event.event_id}"
    return ""


def _death_corrected(person: Person, event: ev.PersonDied) -> str:
    """When the run has applied an earlier report of ``person``'s death with another date of death, the
    event in force and the date and event it corrects, for the status reasons (a later report acts as a
    correction of a death's date: docs/events-notes.md "A late report does not overwrite a later one"); ""
    otherwise."""
    before = (InboundEvent.objects.filter(type="person.died", nino=person.nino, applied=True)
              .exclude(event_id=event.event_id).order_by("-effect_date", "-pk").first())
    if before is None:
        return ""
    earlier = parsed(before)
    if not isinstance(earlier, ev.PersonDied) or earlier.date_of_death == event.date_of_death:
        return ""
    return f"event {event.event_id}, correcting {earlier.date_of_death} of event {before.event_id}"


def _death_reversal_reason(event: ev.PersonDied) -> str:
    """Why a deduction paid on or after the date of death ``event`` reports (``Deduction.paid_on``) was reversed
    (it reported the death late): the reason each reversal records, by which a later report moving the date of
    death finds them (:func:`_take_again_what_was_taken_alive`, by :func:`_death_reversal_ending`)."""
    return f"paid on or after the {_death_reversal_ending(event)}"


def _death_reversal_ending(event: ev.PersonDied) -> str:
    """How the reason of a deduction reversed for the death ``event`` reports ends (:func:`_death_reversal_reason`),
    the same in the words of earlier releases ("taken after the debtor's death on ..."), by which its reversals
    are found."""
    return f"debtor's death on {event.date_of_death}, reported late (event {event.event_id}): deductions stop at death"


def _take_again_what_was_taken_alive(person: Person, event: ev.PersonDied, correcting: str, run_date: date) -> None:
    """A date of death corrected to a later day (recovery-rules.md §6 and events.md §2 ``person.died``:
    deductions stop at death, not before it; **Decision**, docs/events-notes.md "A death's date corrected to a
    later day"). The deductions an earlier report of the death reversed that were paid before the date now in
    force (:func:`_reversed_for_an_earlier_death`) were paid while the debtor was alive, and are taken again
    (:func:`_take_again_up_to_what_is_owed`)."""
    why = (f"paid while the debtor was alive, before the death on {event.date_of_death} ({correcting}): the "
           "reversal for the earlier date stands, and the deduction is taken again (recovery-rules.md §6: "
           "deductions stop at death)")
    _take_again_up_to_what_is_owed(_reversed_for_an_earlier_death(person, event), run_date, why,
                                   f"event {event.event_id}")


def _take_late_what_was_passed_alive(person: Person, event: ev.PersonDied, correcting: str, run_date: date) -> None:
    """A date of death corrected to a later day (recovery-rules.md §6 and events.md §2 ``person.died``:
    deductions stop at death, not before it; **Decision**, docs/events-notes.md "A death's date corrected to
    a later day"): the legacy pay dates and UC periods paid while the debtor lived that the run passed with
    nothing taken under the earlier date (:func:`passed_under_an_earlier_death`) are taken late, as those an
    award's end moved later puts back in payment are (:func:`dms.services.recovery.take_instalments_late`,
    :func:`dms.services.recovery.take_periods_late`), each worked out as on its pay or payment date, for the
    debts then in recovery now with the estate (``paid_alive``) and those still in recovery; an HB debt the
    earlier date returned stays returned, its share going to the others, as for an award's end."""
    pay_dates, periods = passed_under_an_earlier_death(person, event, run_date - timedelta(days=1))
    if not pay_dates and not periods:
        return
    from dms.services.recovery import take_instalments_late, take_periods_late  # they build on this module

    alive = f"paid while the debtor was alive, before the death on {event.date_of_death} ({correcting})"
    for award_id, days in pay_dates.items():
        take_instalments_late(award_id, days, run_date, f"{alive}: the run passed this pay date under the earlier "
                              "date, taking nothing, and takes its instalment now, worked out as on its pay date "
                              "(recovery-rules.md §6: deductions stop at death)", paid_alive=True)
    if periods:
        take_periods_late(person.pk, periods, run_date, f"{alive}: the run passed this period under the earlier "
                          "date, taking nothing, and takes it now, worked out as on its payment date "
                          "(recovery-rules.md §6: deductions stop at death)", paid_alive=True)


def passed_under_an_earlier_death(person: Person, event: ev.PersonDied,
                                  through: date) -> tuple[dict[int, list[date]], list[int]]:
    """What the run passed with nothing taken, up to ``through`` (the day before the run's), because an
    earlier report of ``person``'s death, applied by the run, gave a date before ``event``'s: ``({legacy award
    id: [pay dates]}, [UC assessment period ids])``, each paid on or after the earliest such date and before
    ``event``'s (recovery-rules.md §6: deductions stop at death, not before it; **Decision**,
    docs/events-notes.md "A death's date corrected to a later day"). A pay date, as
    :func:`passed_under_an_earlier_end` finds one: a pay date of the award by the terms then in force, within
    its start and end, the award instalments were taken from that day, nothing taken (or reversed) from the
    person's legacy awards on it, not reported missed. A period of their own UC award, processed by a run with
    no deduction at all from it (one that took for a living partner's debts is not worked out again, nor one
    a reversal left to be taken again, :func:`_take_again_what_was_taken_alive`)."""
    from dms.services.recovery_load import instalments_taken_from

    earlier = [parsed(row) for row in InboundEvent.objects.filter(type="person.died", nino=person.nino, applied=True)
               .exclude(event_id=event.event_id)]
    deaths = [e.date_of_death for e in earlier if isinstance(e, ev.PersonDied) and e.date_of_death < event.date_of_death]
    if not deaths:
        return {}, []
    first, last = min(deaths), min(event.date_of_death - timedelta(days=1), through)
    if last < first:
        return {}, []
    taken = set(Deduction.objects.filter(person=person, period__isnull=True, date__gte=first, date__lte=last)
                .values_list("date", flat=True))
    pay_dates: dict[int, list[date]] = {}
    for award in Award.objects.filter(person=person).exclude(benefit="UC").order_by("pk"):
        start = max(first, award.start_date)
        end = min(last, award.end_date) if award.end_date is not None else last
        missed = set(MissedInstalment.objects.filter(award=award, pay_date__gte=start, pay_date__lte=end)
                     .values_list("pay_date", flat=True))
        days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
        passed = [day for day in days if day not in taken and day not in missed and paid_on(award, day)
                  and instalments_taken_from(award, day)]
        if passed:
            pay_dates[award.pk] = passed
    periods = list(AssessmentPeriod.objects.filter(
        award__person=person, award__benefit="UC", processed_on__isnull=False, processed_on__lte=through,
        payment_date__gte=first, payment_date__lt=event.date_of_death)
        .exclude(pk__in=Deduction.objects.filter(period__isnull=False, person=person).values("period_id"))
        .order_by("payment_date", "pk").values_list("pk", flat=True))
    return pay_dates, periods


def _take_again_up_to_what_is_owed(reversed_before: Sequence[Deduction], run_date: date, why: str,
                                   actor: str) -> None:
    """Take each REVERSED deduction of ``reversed_before`` again (:func:`_take_again`) on ``run_date`` because
    ``why``, each once, up to what its debt still owes, and not when another late report has barred it since
    (:func:`_barred_since`), nor a legacy instalment the sanctions now held leave no room for
    (:func:`_not_left_room_by_sanctions`). A debt it leaves owing nothing is CLEARED; one already returned or
    withdrawn has the balance it was returned with lowered by as much
    (:func:`dms.services.debts.lower_returned_balance`)."""
    debts = {d.debt.pk: d.debt for d in reversed_before if d.debt is not None}
    owes = {pk: figures[2] for pk, figures in debt_service.debt_figures(debts.values()).items()}
    again: list[tuple[Deduction, int]] = []
    no_room = _not_left_room_by_sanctions(reversed_before)
    for d in reversed_before:
        if d.pk in no_room:
            continue
        amount = d.amount_pence if d.debt_id is None else min(d.amount_pence, owes[d.debt_id])
        if amount <= 0 or _barred_since(d):
            continue
        if d.debt_id is not None:
            owes[d.debt_id] -= amount
        again.append((d, amount))
    _take_again(again, run_date, why)
    for pk in sorted({d.debt_id for d, _ in again if d.debt_id is not None and d.entry_id is not None}):
        debt = debts[pk]
        if debt.status in debt_service.FINAL_STATUSES:
            debt_service.lower_returned_balance(debt, business_date=run_date, reason=why)
        elif owes[pk] == 0 and debt.status != DebtStatus.CLEARED:
            debt.change_status(DebtStatus.CLEARED, business_date=run_date, actor=actor,
                               reason=f"balance recovered in full by a deduction {why}")


def _not_left_room_by_sanctions(reversed_before: Sequence[Deduction]) -> set[int]:
    """The ids of the legacy instalments of ``reversed_before`` that the sanctions now held leave no room for
    on their pay dates (:func:`_sanctions_leave_no_room_for`, the rule a sanction reported late reverses
    instalments by), judging each pay date by what would stand on it once they are taken again (those of
    ``reversed_before`` and the deductions still taken from the award that day): they are not taken again,
    so that the result is what the facts now known give reported once, whatever order they arrived in
    (recovery-rules.md §4; docs/events-notes.md "An award's end corrected")."""
    legacy = [d for d in reversed_before if d.period_id is None and d.source != "UC"]
    if not legacy:
        return set()
    people = {d.person_id for d in legacy}
    first, last = min(d.date for d in legacy), max(d.date for d in legacy)
    held = sanctions_over(first - timedelta(days=31), last, sorted(people))
    if not held:
        return set()
    by_pay_date: dict[tuple[int, date], list[Deduction]] = defaultdict(list)
    for d in legacy:
        if d.award_id is not None:
            by_pay_date[(d.award_id, d.date)].append(d)
    no_room: set[int] = set()
    for (award_id, day), rows in by_pay_date.items():
        standing = list(Deduction.objects.filter(award_id=award_id, date=day, status="TAKEN")
                        .select_related("award").order_by("pk"))
        if _sanctions_leave_no_room_for([*rows, *standing], day, held.get(rows[0].person_id, [])):
            no_room.update(d.pk for d in rows)
    return no_room


def _reversed_for_an_earlier_death(person: Person, event: ev.PersonDied) -> list[Deduction]:
    """The deductions (from the person's awards, and for the debts they owe) that an earlier report of their
    death, applied by the run with a date before ``event``'s, reversed (:func:`_death_reversal_reason`) and that
    were paid before ``event``'s date of death (``Deduction.paid_on``: a UC line by its period's payment date,
    also one taken late; recovery-rules.md §6), not taken again since (``Deduction.restores``), in the order
    taken."""
    earlier = [parsed(row) for row in InboundEvent.objects.filter(type="person.died", nino=person.nino, applied=True)
               .exclude(event_id=event.event_id)]
    deaths = [e for e in earlier if isinstance(e, ev.PersonDied) and e.date_of_death < event.date_of_death]
    if not deaths:
        return []
    owed = [debt.pk for debt in _debts_owed(person)]
    by_reason = Q()
    for death in deaths:
        by_reason |= Q(reversal_reason__endswith=_death_reversal_ending(death))
    found = list(Deduction.objects.filter(Q(person=person) | Q(debt_id__in=owed), by_reason,
                                          paid_on_or_after(min(e.date_of_death for e in deaths)),
                                          paid_before(event.date_of_death), status="REVERSED")
                 .select_related("award", "period", "debt__creditor").order_by("date", "pk"))
    taken_again = set(Deduction.objects.filter(person_id__in={d.person_id for d in found},
                                               date__in={d.date for d in found}, restores__in=[d.pk for d in found])
                      .values_list("restores_id", flat=True))
    return [d for d in found if d.pk not in taken_again]


def _take_again(again: Sequence[tuple[Deduction, int]], run_date: date, why: str) -> None:
    """Take each REVERSED deduction of ``again`` again, for the amount given, on ``run_date`` because ``why``:
    the ledger is append-only, so its reversal stands and it is taken again beside it, by a new DEDUCTION entry
    of its debt (the creditor paid again: for an LA, a ``DEDUCTION`` line on its next schedule, its benefit
    the Source as the first entry's) and a new TAKEN deduction naming the REVERSED one (``Deduction.restores``)
    with its explanation, when and why it was reversed, and why it is taken again; one to a third party (no
    ledger entry) is instructed again."""
    from dms.services.recovery import _Keys, recovery_entry
    from dms.store.ledger import post_entries
    from dms.store.models import JournalEntry

    posted = [(d, amount) for d, amount in again if d.entry_id is not None and d.debt is not None]
    described = dict(JournalEntry.objects.filter(pk__in=[d.entry_id for d, _ in posted])
                     .values_list("pk", "description"))
    keys = _Keys(AccountKind.BENEFIT_RECOVERIES)
    entries = [replace(recovery_entry(keys, EntryKind.DEDUCTION, run_date, d.debt.pk, d.debt.creditor_id, amount,
                                      f"{described.get(d.entry_id, d.source)}, taken again on {run_date}"), reason=why)
               for d, amount in posted if d.debt is not None]
    entry_of = dict(zip((d.pk for d, _ in posted), post_entries(entries), strict=True))
    Deduction.objects.bulk_create([
        Deduction(date=d.date, person_id=d.person_id, award_id=d.award_id, period_id=d.period_id, source=d.source,
                  item=d.item, item_number=d.item_number, creditor_kind=d.creditor_kind, la_id=d.la_id, ref=d.ref,
                  debt_id=d.debt_id, amount_pence=amount, status="TAKEN", explanation_facts=d.explanation_facts,
                  entry_id=entry_of.get(d.pk), restores=d,
                  stored_explanation=f"{d.explanation}\nReversed on {d.reversed_on}: {d.reversal_reason}.\n"
                                     f"Taken again on {run_date}: {why}"
                                     + (f" ({format_pounds(amount)} of it: what the debt still owed)"
                                        if amount < d.amount_pence else "") + ".")
        for d, amount in again])


def _barred_since(deduction: Deduction) -> bool:
    """Whether a late report applied since ``deduction`` was reversed bars it on its own, so that it stays
    reversed when the reason it was reversed for no longer holds: its award ended before it (events.md §2
    ``award.ended``, as :func:`dms.services.events.taken_after_end` judges it), its pay date was reported
    missed (``benefit.payment_missed``), or a bankruptcy, DRO or IVA of its debtor that includes its debt
    started on or before the day it was paid (``Deduction.paid_on``; recovery-rules.md §6, as
    :func:`_reverse_deductions_an_insolvency_barred` judges it)."""
    award, debt = deduction.award, deduction.debt
    if award is not None and award.end_date is not None and deduction.date > award.end_date and (
            deduction.period is None or deduction.period.period_start > award.end_date):
        return True
    if award is not None and deduction.period_id is None and MissedInstalment.objects.filter(
            award=award, pay_date=deduction.date).exists():
        return True
    if debt is None or (debt.creditor.kind != "LA" and debt.classification != "NON_FRAUD"):
        return False
    debtors = [debt.person_id] if debt.creditor.kind == "LA" else [debt.person_id, debt.joint_person_id]
    return Restriction.objects.filter(person_id__in=[p for p in debtors if p is not None], kind__in=WHOLE_INSOLVENCY,
                                      start_date__lte=deduction.paid_on, start_date__gte=debt.created_on).exists()


def _stated(debt: Debt) -> str:
    """The reason the debt's status is given for: its latest status change, or a restatement of its reason."""
    row = (DebtStatusChange.objects.filter(Q(restates=True) | ~Q(from_status=F("to_status")), debt=debt)
           .order_by("-pk").first())
    return row.reason if row is not None else ""


def _restate(debt: Debt, reason: str, run_date: date, actor: str) -> None:
    """A status change that keeps ``debt``'s status and gives its reason anew (``DebtStatusChange.restates``):
    appended beside the one it restates, which stays as recorded; no money moves."""
    DebtStatusChange.objects.create(debt=debt, from_status=debt.status, to_status=debt.status,
                                    business_date=run_date, actor=actor, reason=reason, restates=True)


def _cease_for_awards_ended_before(person: Person, died: date, run_date: date) -> None:
    """HB debts whose benefit ended before the death (an ``award.ended`` and a ``person.died`` both reported
    late, applied by the same run) cease for the end (UC_AWARD_ENDED / CLAIM_CEASED, events.md §2), as they
    would have had both been reported in time, not for the death: the first day without the award came
    first (:func:`cease_for_ended_awards`' rule, here before the death's DEATH cessation)."""
    ended = Award.objects.filter(awards_of(person.pk), end_date__isnull=False, end_date__lt=died)
    for award_id, benefit, end_date in ended.order_by("end_date", "pk").values_list("pk", "benefit", "end_date"):
        cease_hb_debts(_hb_debts_left_without(award_id, person.pk, end_date, before=died), _end_reason(benefit),
                       run_date, ACTOR, why=award_end_why(benefit, end_date))


class SanctionFacts(NamedTuple):
    """A sanction as applied (events.md §2 ``person.sanction``; a SANCTION :class:`Restriction`): what the
    reason of an HB debt it returns names (:func:`sanction_return_why`)."""

    event_id: str
    rate_percent: str
    start_date: date
    duration_weeks: int

    @classmethod
    def of_restriction(cls, event_id: str, rate_percent: str, start_date: date, end_date: date) -> SanctionFacts:
        """From a SANCTION restriction's row: its last day is the start plus its weeks, less a day."""
        return cls(event_id, rate_percent, start_date, ((end_date - start_date).days + 1) // 7)


def sanction_return_why(sanction: SanctionFacts, in_force_on: date | None = None) -> str:
    """Why a sanction returned an HB debt (``SANCTION``), for the status change's reason that ``dms debtor
    show`` gives: the sanction (its rate, weeks, start and event) and the rule, events.md §2 and
    hb-debt-interface.md §6.5: "a 100% sanction for 13 weeks or more"; ``in_force_on``, the day it was found in
    force, when that is what returned the debt (a referral, a debt reopened)."""
    when = f", in force on {in_force_on}" if in_force_on is not None else ""
    return f"{sanction_terms(sanction)} (event {sanction.event_id}){when}: {SANCTION_RETURN_RULE}"


def sanction_terms(sanction: SanctionFacts) -> str:
    """A sanction's terms in words (events.md §2 ``person.sanction``: its rate, weeks and start)."""
    return f"a {sanction.rate_percent}% sanction for {sanction.duration_weeks} weeks from {sanction.start_date}"


def _sanction(event: ev.Event, row: InboundEvent, run_date: date) -> None:
    """A 100% sanction of 13 weeks or more returns HB debts (SANCTION) (events.md §2; A9/2025 §24), the
    reason naming the sanction (:func:`sanction_return_why`): the HB debts held while it was in force, those
    received on or before its last day, with the balance held at its start (reported late, what was taken for
    them since is reversed first: :func:`_reverse_what_its_hb_debts_took_after_its_start`). A sanction reported after it ended does not return a debt the LA
    referred after that (one referred during it is returned at referral when DMS knows of it in time,
    ``la_processing.restrictions_of``; one referred after it is taken on). A later report of the same sanction
    (the same start date: events.md §1, docs/events-notes.md "A late report does not overwrite a later one")
    gives the one restriction held its rate and end, so that a sanction shortened ends on its new end; a debt
    it returned stays returned."""
    if not isinstance(event, ev.PersonSanction):
        raise TypeError(type(event).__name__)
    person = _person(event)
    end_date = event.start_date + timedelta(weeks=event.duration_weeks) - timedelta(days=1)
    _reverse_instalments_a_sanction_leaves_no_room_for(person, event, end_date, run_date)
    returned: list[int] = []
    if event.rate_percent >= SANCTION_RETURN_RATE and event.duration_weeks >= SANCTION_RETURN_WEEKS:
        sanction = SanctionFacts(event.event_id, str(event.rate_percent), event.start_date, event.duration_weeks)
        _reverse_what_its_hb_debts_took_after_its_start(person, sanction, end_date, run_date)
        returned = _hb_ids(person, received_by=end_date)
        why = sanction_return_why(sanction)
        cease_hb_debts(returned, "SANCTION", run_date, f"event {event.event_id}", why)
    held = _held(person, "SANCTION", event.start_date)
    if held is not None:  # a later report of the same sanction: its terms now
        rate = str(event.rate_percent)
        _note_a_later_report(held, event, end_date, run_date,
                             f", {rate}% for {event.duration_weeks} weeks" if rate != held.rate_percent else "")
        held.rate_percent, held.returned_debts = rate, [*held.returned_debts, *returned]
        held.save(update_fields=["end_date", "note", "rate_percent", "returned_debts"])
        return
    Restriction.objects.create(
        person=person, kind="SANCTION", event_id=event.event_id, start_date=event.start_date,
        end_date=end_date, returned_debts=returned, rate_percent=str(event.rate_percent),
        note=f"{event.rate_percent}% for {event.duration_weeks} weeks"
        + ("" if returned else ": HB debts are returned only for a 100% sanction of 13 weeks or more"),
    )


def _reverse_instalments_a_sanction_leaves_no_room_for(person: Person, event: ev.PersonSanction, end_date: date,
                                                       run_date: date) -> None:
    """A sanction reported after it started (recovery-rules.md §4, docs/recovery-notes.md "Sanctions"): the
    legacy instalments already taken on pay dates whose pay periods it covers (a pay date pays, in arrears, for
    the pay period ending on it, :func:`dms.recovery.legacy.pay_period`, so also the first pay date after its
    end) were taken from benefit it reduced. Each is judged again by the rule the run applies in time
    (:func:`dms.recovery.legacy.sanction_over_period`: every sanction over the period, this one and those
    applied before, the highest rate on each day, pro rata by days); those of a pay date where what was taken
    is more than the sanctions leave above the 10p-a-week floor are reversed (**Decision**: the whole
    instalment, as for a missed payment; under a 100% sanction over the whole period, every one), so the
    result is what the run takes when it knows of the sanction in time, or less. UC deductions are worked
    out from each period's own ``sanction_amount`` and are not judged again here (a sanction that returns HB
    debts reverses their shares of them: :func:`_reverse_what_its_hb_debts_took_after_its_start`)."""
    last = min(end_date + timedelta(days=31), run_date)  # a pay period is at most a month
    taken = list(Deduction.objects.filter(person=person, status="TAKEN", date__gte=event.start_date,
                                          date__lte=last).exclude(source="UC")
                 .select_related("award").order_by("date", "pk"))
    by_pay_date: dict[tuple[int | None, date], list[Deduction]] = defaultdict(list)
    for deduction in taken:
        by_pay_date[(deduction.award_id, deduction.date)].append(deduction)
    sanctions = [*sanctions_over(event.start_date - timedelta(days=31), last, [person.pk]).get(person.pk, []),
                 SanctionSpan(event.rate_percent, event.start_date, end_date)]
    over: list[Deduction] = []
    for (_, day), rows in sorted(by_pay_date.items(), key=lambda item: (item[0][1], item[0][0] or 0)):
        first, last_day = _pay_period_of(rows[0], day)
        if last_day < event.start_date or first > end_date:
            continue  # its pay period does not meet the sanction
        if _sanctions_leave_no_room_for(rows, day, sanctions):
            over.extend(rows)
    reverse_deductions(over, run_date, f"taken from benefit a {event.rate_percent}% sanction from "
                                       f"{event.start_date} reduced, reported late (event {event.event_id}): "
                                       "the instalment did not fit what the sanction left")


def _sanctions_leave_no_room_for(rows: Sequence[Deduction], day: date, sanctions: Sequence[SanctionSpan]) -> bool:
    """Whether ``sanctions`` leave no room on the legacy pay date ``day`` for the instalment ``rows`` (its
    deductions from one award that day) (recovery-rules.md §4: the instalment is taken from what is paid, above
    the 10p-a-week floor; docs/recovery-notes.md "Sanctions and legacy instalments"): the sanctions over its pay
    period (:func:`_pay_period_of`; :func:`dms.recovery.legacy.sanction_over_period`, the highest rate on each
    day, pro rata by days) leave less above the floor than the instalment. One whose pay period no sanction
    meets has room; one without the figures to judge by has none, as under a 100% sanction. The rule a
    sanction reported late reverses instalments by (:func:`_reverse_instalments_a_sanction_leaves_no_room_for`),
    and by which a missed payment is counted (:func:`_missed_instalments_counted`) and an instalment taken again
    (:func:`_take_again_up_to_what_is_owed`), whatever order the reports arrived in."""
    first, last_day = _pay_period_of(rows[0], day)
    if not any(s.first_day <= last_day and s.last_day >= first for s in sanctions):
        return False
    facts = rows[0].explanation_facts or {}
    try:
        benefit = int(parse_pounds(str(facts["benefit"])))
        floor = benefit_floor_for_period(value("legacy.minimum_benefit_per_week", day),
                                         PayFrequency(str(facts["frequency"])), _short_days(facts))
    except (KeyError, ValueError):
        return True
    room = max(0, benefit - sanction_over_period(benefit, first, last_day, sanctions).pence - floor)
    return sum(r.amount_pence for r in rows) > room


def _reverse_what_its_hb_debts_took_after_its_start(person: Person, sanction: SanctionFacts, end_date: date,
                                                    run_date: date) -> None:
    """A 100% sanction of 13 weeks or more reported after its start (events.md §2 ``person.sanction``: it
    returns HB debts, ``SANCTION``, on its start date when DMS knows of it in time; hb-debt-interface.md §4.1:
    ``BalanceReturned`` is the balance DMS held at cessation): what was taken for an HB debt it returns (the
    person's own, received by its last day) from benefit paid on or after its start (legacy pay dates, UC
    payments by their period's payment date, also a period taken late: :func:`_reverse_paid_since`), is
    reversed (:func:`reverse_deductions`: the debt's balance restored, the LA's share withdrawn), as a late
    DRO's is (:func:`_reverse_deductions_an_insolvency_barred`), before the debts are returned, so the
    cessation carries the balance held at its start, as when it is known in time. Deductions for other debts
    stand: a UC period is not worked out again (**Decision**, as for a late insolvency), and a legacy
    instalment that fits what the sanction left (:func:`_reverse_instalments_a_sanction_leaves_no_room_for`)
    keeps its other debts' shares."""
    returned = list(Debt.objects.filter(debt_service.received_by(end_date), person=person, creditor__kind="LA")
                    .order_by("pk").values_list("pk", flat=True))
    if not returned:
        return
    _reverse_paid_since(returned, sanction.start_date, run_date,
                        f"taken for an HB debt from a payment on or after the start of {sanction_terms(sanction)}, "
                        f"reported late (event {sanction.event_id}): {SANCTION_RETURN_RATE}% for "
                        f"{SANCTION_RETURN_WEEKS} weeks or more returns HB debts from its start")


def _short_days(facts: dict[str, Any]) -> int | None:
    """The days a legacy instalment's pay date paid for, as stored with it, when fewer than a whole pay
    period's (``paid_period``, :func:`dms.recovery.explanation.paid_days_facts`), else None."""
    paid = facts.get("paid_period") or {}
    days, whole = paid.get("days"), paid.get("whole_period_days")
    return int(days) if days is not None and whole is not None and int(days) < int(whole) else None


def _pay_period_of(deduction: Deduction, day: date) -> tuple[date, date]:
    """The days a legacy pay date ``day`` paid for: as stored with its instalment when they were not a whole
    pay period at one weekly amount (``paid_period``; **Decision**, docs/recovery-notes.md "The days a legacy
    pay date pays for"), else the pay period ending on it (:func:`dms.recovery.legacy.pay_period`) by its
    award's terms in force that day (:func:`dms.services.events.pay_terms_on`); the day alone when they are not
    known."""
    paid = (deduction.explanation_facts or {}).get("paid_period")
    if paid:
        return date.fromisoformat(paid["from"]), date.fromisoformat(paid["to"])
    award = deduction.award
    if award is None:
        return day, day
    first, frequency = pay_terms_on(award, day)
    if first is None or not frequency:
        return day, day
    try:
        return pay_period(first, frequency, day)
    except RecoveryInputError:
        return day, day


def _insolvency(event: ev.Event, row: InboundEvent, run_date: date) -> None:
    if not isinstance(event, ev.PersonInsolvency):
        raise TypeError(type(event).__name__)
    if event.kind in WHOLE_INSOLVENCY:
        _bankruptcy(event, run_date)
    else:
        _moratorium(event, row, run_date)


def _bankruptcy(event: ev.PersonInsolvency, run_date: date) -> None:
    """Bankruptcy, a Debt Relief Order or (**Decision**) an IVA (recovery-rules.md §6; SSWP v Payne [2011]
    UKSC 60): HB debts are returned (INSOLVENCY); non-fraud DWP and HMRC debts are suspended; fraud debts go
    on being recovered. It includes the debts that had arisen by its start (``created_on`` on or before
    ``start_date``): a debt arising later is recovered as any other. The suspension is not lifted by the
    insolvency's end date (the debts it includes are not recovered by deduction). The restriction lists every debt it bars, also one a moratorium has
    already suspended, so that the moratorium's end does not reopen it (:func:`resume_after_moratoria`). A
    later report of the same insolvency (the same kind and start date: events.md §1, docs/events-notes.md "A
    late report does not overwrite a later one") gives the restriction held the end it reports."""
    person = _person(event)
    held = _held(person, event.kind, event.start_date)
    if held is not None:  # a later report of the same insolvency: its end or discharge date now
        _note_a_later_report(held, event, event.end_date, run_date)
        held.save(update_fields=["end_date", "note"])
        return
    actor = f"event {event.event_id}"
    _reverse_deductions_an_insolvency_barred(person, event, run_date)
    returned = _hb_ids(person, arisen_by=event.start_date)
    cease_hb_debts(returned, "INSOLVENCY", run_date, actor,
                   why=insolvency_return_why(event.kind, event.start_date, event.event_id))
    barred = _suspend(_debts_owed(person, creditor__kind__in=("DWP", "HMRC"), classification="NON_FRAUD",
                                  status__in=_SUSPENDABLE, created_on__lte=event.start_date), run_date, actor,
                      f"{event.kind} from {event.start_date}: non-fraud debt not recovered")
    Restriction.objects.create(person=person, kind=event.kind, event_id=event.event_id,
                               start_date=event.start_date, end_date=event.end_date, returned_debts=returned,
                               suspended_debts=barred, note="fraud debts go on being recovered")


def insolvency_return_why(kind: str, start_date: date, event_id: str) -> str:
    """Why a bankruptcy, DRO or IVA returned an HB debt (``INSOLVENCY``), for the status change's reason that
    ``dms debtor show`` gives: its kind, start date and event, and the rule (recovery-rules.md §6)."""
    return (f"{kind} from {start_date} (event {event_id}) includes the HB debts that had arisen by its start: they "
            "are not recovered by deduction (recovery-rules.md §6)")


def _reverse_deductions_an_insolvency_barred(person: Person, event: ev.PersonInsolvency, run_date: date) -> None:
    """A bankruptcy, DRO or IVA reported after its start (recovery-rules.md §6; SSWP v Payne [2011] UKSC 60:
    from its start the debts it includes are not recovered by deduction): what was taken from benefit paid on
    or after its start (a UC line by its period's payment date, also one taken late: :func:`_reverse_paid_since`)
    for a debt it includes (an HB debt of the person's own, any DWP or HMRC non-fraud debt they owe,
    each arisen by the start) is reversed before the HB debts are returned and the others suspended, so the
    result is what the run gives when it knows of the insolvency in time: each such deduction is reversed as
    a late death's or a missed payment's is (:func:`reverse_deductions`: the debt's balance restored, the
    creditor's share withdrawn), so an HB debt's cessation carries the balance held at the start.
    Deductions for debts it does not include (fraud debts, debts arisen later, a partner's own HB debt)
    stand."""
    included = [d.pk for d in _debts_owed(person, created_on__lte=event.start_date)
                if (d.creditor.kind == "LA" and d.person_id == person.pk)
                or (d.creditor.kind in ("DWP", "HMRC") and d.classification == "NON_FRAUD")]
    if not included:
        return
    _reverse_paid_since(included, event.start_date, run_date,
                        f"paid on or after the start of the {event.kind} from {event.start_date}, reported late "
                        f"(event {event.event_id}): the debts it includes are not recovered by deduction")


def _reverse_paid_since(debt_ids: Sequence[int], since: date, run_date: date, reason: str) -> None:
    """Reverse, with ``reason``, every deduction still standing that was taken for ``debt_ids`` from benefit
    paid on or after ``since`` (:func:`reverse_deductions`), oldest first: what a fact reported late says
    should not have been taken. Each is judged by the day it was paid (``Deduction.paid_on``: a UC line by its
    period's ``payment_date``, events.md §2 ``uc.assessment_period``, not the later run's day a period
    reported late was taken on), so what stands is what a run knowing of the fact in time leaves
    (recovery-rules.md §6)."""
    reverse_deductions(list(Deduction.objects.filter(paid_on_or_after(since), debt_id__in=debt_ids, status="TAKEN")
                            .order_by("date", "pk")), run_date, reason)


def _held(person: Person, kind: str, start_date: date) -> Restriction | None:
    """The restriction held for the person's sanction, insolvency or moratorium of ``kind`` from
    ``start_date`` (the fact a ``person.sanction`` or ``person.insolvency`` reports: events.md §1), the latest
    applied where there are several; None when there is none."""
    found: Restriction | None = Restriction.objects.filter(person=person, kind=kind, start_date=start_date).order_by(
        "-pk").first()
    return found


def _note_a_later_report(restriction: Restriction, event: ev.Event, end_date: date | None, run_date: date,
                         also: str = "") -> None:
    """A later report of a restriction held sets its end (events.md §1: ``occurred_on`` is when the fact took
    effect; docs/events-notes.md "A late report does not overwrite a later one"): ``end_date`` on it, and
    noted, with ``also`` (what else it changed). Saved by the caller."""
    old, new = restriction.end_date or "none", end_date or "none"
    moved = f"moved its end from {old} to {new}" if old != new else f"kept its end at {new}"
    restriction.note = f"{restriction.note}; {run_date}: event {event.event_id} (occurred {event.occurred_on}) {moved}{also}"
    restriction.end_date = end_date


def holds_its_debts(restriction: Restriction) -> bool:
    """Whether ``restriction`` still bars the debts it lists (recovery-rules.md §6): a bankruptcy, DRO or IVA
    for good, whatever its end date; a moratorium until the run resumes them (:func:`resume_after_moratoria`,
    the day after its end)."""
    return restriction.kind in WHOLE_INSOLVENCY or (restriction.kind in MORATORIA and restriction.resumed_on is None)


def restriction_as_it_stands(restriction: Restriction, whose: str = "") -> str:
    """A restriction that bars a debt, in words, as it now stands (recovery-rules.md §6), for the debt's status
    reason (``dms debtor show``): its kind, ``whose`` it is (named for a joint debt), its start, the end in
    force (a later event may have moved it: docs/events-notes.md "A moratorium's end is set by its latest
    event"), its event and, for a moratorium, the day recovery resumes."""
    of = f" of {whose}" if whose else ""
    ends = (moratorium_to(restriction.kind, restriction.end_date) if restriction.kind in MORATORIA
            else f" to {restriction.end_date}" if restriction.end_date is not None else "")
    head = f"{restriction.kind}{of} from {restriction.start_date}{ends} (event {restriction.event_id})"
    if restriction.kind in MORATORIA:
        if restriction.resume_on is None:
            return f"{head}: no end known yet, recovery resumes the day after it ends"
        return f"{head}: recovery resumes on {restriction.resume_on}"
    after = ", also after its end" if restriction.end_date is not None else ""
    return f"{head}: the non-fraud debts it includes are not recovered by deduction{after} (recovery-rules.md §6)"


def status_reasons_as_restrictions_stand(debts: Sequence[Debt], audited: dict[int, str]) -> dict[int, str]:
    """The status reason of each of ``debts`` whose status a restriction holds, as the restrictions now stand
    (README ``dms debtor show`` ``status_reason``), in one query; ``audited`` gives each debt's audited reason:

    - a SUSPENDED debt: every restriction of its debtors (of either, for a joint debt) that still bars it
      (:func:`holds_its_debts`), in the order applied, each with the end in force
      (:func:`restriction_as_it_stands`), since a later event may have moved the end after it was suspended,
      or the restriction that suspended it may have ended while another still bars it;
    - an HB debt returned for a sanction a later report has changed since: the reason it was returned for,
      then the sanction as it now stands (the return stands, its cessation sent).

    Debts held by no restriction are left out: their audited reason stands."""
    wanted = [d for d in debts if d.status == DebtStatus.SUSPENDED
              or (d.status == DebtStatus.RETURNED and d.cessation_reason == "SANCTION")]
    if not wanted:
        return {}
    people = {d.person_id for d in wanted} | {d.joint_person_id for d in wanted if d.joint_person_id}
    restrictions = list(Restriction.objects.filter(
        person_id__in=sorted(people), kind__in=(*WHOLE_INSOLVENCY, *MORATORIA, "SANCTION")).select_related(
        "person").order_by("pk"))
    reasons: dict[int, str] = {}
    for debt in wanted:
        if debt.status == DebtStatus.RETURNED:
            reason = _sanction_as_it_stands(debt, restrictions, audited.get(debt.pk, ""))
        else:
            reason = "; ".join(
                restriction_as_it_stands(r, r.person.nino if debt.joint_person_id else "") for r in restrictions
                if r.kind != "SANCTION" and debt.pk in r.suspended_debts and holds_its_debts(r))
        if reason:
            reasons[debt.pk] = reason
    return reasons


def _sanction_as_it_stands(debt: Debt, restrictions: Sequence[Restriction], audited: str) -> str:
    """The reason of an HB debt returned ``SANCTION`` (:func:`sanction_return_why`) followed, when a later
    report of its sanction has changed its terms, by the sanction as it now stands; "" when unchanged."""
    for r in restrictions:
        if r.kind != "SANCTION" or r.person_id != debt.person_id or r.end_date is None or not (
                debt.pk in r.returned_debts or f"(event {r.event_id})" in audited):
            continue
        terms = sanction_terms(SanctionFacts.of_restriction(r.event_id, r.rate_percent, r.start_date, r.end_date))
        if terms not in audited:
            return f"{audited}; the sanction now stands as {terms}, to {r.end_date}: the debt stays returned"
    return ""


def _suspend(debts: Sequence[Debt], run_date: date, actor: str, reason: str) -> list[int]:
    """Suspend the OPEN ones of ``debts`` (those already SUSPENDED stay so) and return the ids of all: the
    debts a restriction bars."""
    for debt in debts:
        if debt.status == DebtStatus.OPEN:
            debt.change_status(DebtStatus.SUSPENDED, business_date=run_date, actor=actor, reason=reason)
    return [debt.pk for debt in debts]


def bar_a_new_debt(debt: Debt, on: date, actor: str) -> str | None:
    """A debt referred on ``on`` after a restriction of its debtor was applied: suspended, and
    listed by the restriction, when the restriction includes it (a non-fraud debt that had arisen by the
    restriction's start) and still bars recovery on ``on`` (:func:`bars_recovery`; a moratorium only while
    no UC is in payment, or for a joint debt recovered from the other debtor's legacy benefit, as
    :func:`_moratorium`). Returns the restriction's kind, or None."""
    if debt.classification != "NON_FRAUD" or debt.status != DebtStatus.OPEN:
        return None
    debtors = [debt.person_id] + ([debt.joint_person_id] if debt.joint_person_id else [])
    applied = Restriction.objects.filter(person_id__in=debtors, kind__in=(*WHOLE_INSOLVENCY, *MORATORIA),
                                         start_date__gte=debt.created_on).order_by("pk")
    for restriction in applied:
        # applied by the run, so in force from its start: a debt referred before then (reported late) is
        # judged from the start, as the run judged the debts it held
        day = max(on, restriction.start_date)
        if not bars_recovery(restriction.kind, restriction.resume_on, restriction.resumed_on, day):
            continue
        if (restriction.kind in MORATORIA and _uc_in_payment(restriction.person_id, day)
                and not recovered_from_anothers_legacy_benefit(debt, restriction.person_id, day)):
            continue  # recovered by UC, which a moratorium does not cover
        debt.change_status(DebtStatus.SUSPENDED, business_date=day, actor=actor,
                           reason=f"{restriction.kind} from {restriction.start_date}: the debt had arisen by then "
                                  "and is not recovered by deduction")
        if debt.pk not in restriction.suspended_debts:  # listed already when it was barred before clearing
            restriction.suspended_debts = [*restriction.suspended_debts, debt.pk]
            restriction.save(update_fields=["suspended_debts"])
        return str(restriction.kind)
    return None


def settle_a_reopened_debt(debt: Debt, on: date, actor: str) -> str | None:
    """A CLEARED debt made OPEN again on ``on`` (a revision above what was recovered, hb-debt-interface.md
    §6.5; a deduction reversed, events.md §2) takes the status the events it was out of reach for would have
    given it, so that nothing is taken from it that could not be taken had it never been cleared:

    - an LA debt with a recall in its holding period is RECALL_PENDING again (§6.5: "a recall stops new
      deductions from its processing date");
    - a debt of a debtor who has died: an HB debt is returned ``DEATH``, naming the death as a debt the death
      found open is (:func:`death_return_why`), another passes to the estate (recovery-rules.md §6);
    - an HB debt a bankruptcy, DRO or IVA of its debtor includes (arisen by its start) is returned
      ``INSOLVENCY`` (recovery-rules.md §6), as a referral of such a debt is;
    - an HB debt of a debtor under a 100% sanction of 13 weeks or more is returned ``SANCTION`` (events.md
      §2), as a referral during it is;
    - a non-fraud debt a restriction still bars is SUSPENDED and listed by it (:func:`bar_a_new_debt`).

    Returns what it did, or None (the debt stays OPEN)."""
    from dms.services.events import all_debtors_died_by, estate_reason, has_died_by
    from dms.services.la_processing import restrictions_of  # it builds on this module
    from dms.store.la.models import Recall

    debt.refresh_from_db()
    if debt.status != DebtStatus.OPEN:
        return None
    is_hb = debt.creditor.kind == "LA"
    recall = Recall.objects.filter(debt=debt, ceased=False, recalled_on__lte=on).order_by("pk").first() \
        if is_hb else None
    if recall is not None:
        debt.change_status(DebtStatus.RECALL_PENDING, business_date=on, actor=actor,
                           reason=f"recalled on {recall.recalled_on}, in its holding period until it ceases on "
                                  f"{recall.ceases_on}: no new deductions")
        return "RECALL_PENDING"
    owner = debt.person
    if is_hb and has_died_by(owner, on):
        debt_service.return_debt(debt, "DEATH", business_date=on, actor=actor, why=death_return_why(owner))
        return "DEATH"
    if not is_hb and all_debtors_died_by(debt, on):
        debt.change_status(DebtStatus.ESTATE, business_date=on, actor=actor, reason=estate_reason(debt))
        return "ESTATE"
    if is_hb:  # the restrictions a referral of it would be returned for (la_processing.referral_decision)
        restricted = restrictions_of([debt.person_id], on)
        if restricted.insolvency_includes(debt.person_id, debt.created_on):
            debt_service.return_debt(debt, "INSOLVENCY", business_date=on, actor=actor,
                                     why=_insolvency_including(debt, on))
            return "INSOLVENCY"
        sanction = restricted.sanctioned.get(debt.person_id)
        if sanction is not None:
            debt_service.return_debt(debt, "SANCTION", business_date=on, actor=actor,
                                     why=sanction_return_why(sanction, on))
            return "SANCTION"
    return bar_a_new_debt(debt, on, actor)


def _insolvency_including(debt: Debt, on: date) -> str:
    """Why the bankruptcy, DRO or IVA of ``debt``'s debtor applied by ``on`` that includes it (begun on or
    after the day it arose, recovery-rules.md §6) returns it (:func:`insolvency_return_why`), the latest to
    start where several do; "" when none is found."""
    found = (Restriction.objects.filter(person_id=debt.person_id, kind__in=WHOLE_INSOLVENCY,
                                        start_date__gte=debt.created_on, start_date__lte=on)
             .order_by("-start_date", "-pk").first())
    return "" if found is None else insolvency_return_why(str(found.kind), found.start_date, str(found.event_id))


def settle_a_reclassified_debt(debt: Debt, on: date, actor: str) -> str | None:
    """A debt reclassified on ``on`` (hb-debt-interface.md §6.5 RevisedClassification) is then included in the
    restrictions of its debtors, or not, as its new classification says (recovery-rules.md §6: fraud debts are
    not eligible for a moratorium and not included in a DRO; non-fraud ones are):

    - made FRAUD while SUSPENDED: it leaves the moratoria (and DROs, IVAs, bankruptcies) that listed it, and
      is OPEN again unless a restriction still bars it otherwise;
    - made NON_FRAUD while OPEN: a restriction in force that includes it (arisen by its start) suspends it and
      lists it (:func:`bar_a_new_debt`), as a debt referred during it is.

    Returns what it did, or None."""
    debt.refresh_from_db()
    if debt.classification == "NON_FRAUD":
        return bar_a_new_debt(debt, on, actor) if debt.status == DebtStatus.OPEN else None
    if debt.status != DebtStatus.SUSPENDED:
        return None
    debtors = [debt.person_id] + ([debt.joint_person_id] if debt.joint_person_id else [])
    listing = [r for r in Restriction.objects.filter(person_id__in=debtors, kind__in=(*WHOLE_INSOLVENCY, *MORATORIA))
               .order_by("pk") if debt.pk in r.suspended_debts]
    if not listing:
        return None  # suspended by something other than a restriction: left as it is
    for restriction in listing:
        restriction.suspended_debts = [d for d in restriction.suspended_debts if d != debt.pk]
        restriction.save(update_fields=["suspended_debts"])
    debt.change_status(DebtStatus.OPEN, business_date=on, actor=actor,
                       reason="reclassified FRAUD: a fraud debt is not included in a moratorium, DRO, IVA or "
                              "bankruptcy, and is recovered (recovery-rules.md §6)")
    return "OPEN"


def moratorium_to(kind: str, last: date | None) -> str:
    """`` to <last day>`` of a moratorium, in words; for a mental health crisis moratorium also that it is the
    ``end_date`` sent (the crisis treatment's end) plus 30 days (:func:`moratorium_last_day`), so that the day
    shown is not taken for the one the Insolvency Service sent."""
    return "" if last is None else f" to {last}{crisis_end_note(kind, last)}"


def crisis_end_note(kind: str, last: date | None) -> str:
    """For a mental health crisis moratorium's last day: `` (the crisis treatment's end_date D plus 30 days,
    recovery-rules.md §6)``; nothing for any other."""
    if kind != "MENTAL_HEALTH_CRISIS_MORATORIUM" or last is None:
        return ""
    treatment = last - timedelta(days=CRISIS_EXTRA_DAYS)
    return f" (the crisis treatment's end_date {treatment} plus {CRISIS_EXTRA_DAYS} days, recovery-rules.md §6)"


def moratorium_last_day(kind: str, start: date, end: date | None) -> date | None:
    """The last day of a moratorium (recovery-rules.md §6; SI 2020/1311): a standard breathing space lasts
    60 days (or ends earlier on its ``end_date``); a mental health crisis moratorium lasts until its
    ``end_date`` (the end of the crisis treatment) plus 30 days, and while no end is known it goes on."""
    if kind == "BREATHING_SPACE":
        standard = start + timedelta(days=STANDARD_MORATORIUM_DAYS - 1)
        return min(standard, end) if end is not None else standard
    return end + timedelta(days=CRISIS_EXTRA_DAYS) if end is not None else None


def _moratorium(event: ev.PersonInsolvency, row: InboundEvent, run_date: date) -> None:
    """Breathing Space or a mental health crisis moratorium (recovery-rules.md §6, **Decision**): eligible
    debts (non-fraud, any creditor, arisen by its start: SI 2020/1311 covers the debts owed when it
    begins) are suspended for the moratorium and resumed the day after it ends,
    unless another restriction still bars them (:func:`resume_after_moratoria`); debts already suspended
    are listed too, so that they stay suspended while it lasts. UC deductions are not covered: a person
    with UC in payment goes on being recovered from by UC, and one whose UC starts during the moratorium is
    from then on (:func:`release_for_uc_deductions`). A later event of the same moratorium (same kind
    and start date) sets or changes its end; an earlier one, reported after it, changes nothing: the run
    passes it by as superseded (:func:`_superseded`; **Decision**, docs/events-notes.md "A moratorium's end
    is set by its latest event")."""
    person = _person(event)
    last = moratorium_last_day(event.kind, event.start_date, event.end_date)
    resume_on = last + timedelta(days=1) if last is not None else None
    existing = Restriction.objects.filter(person=person, kind=event.kind, start_date=event.start_date,
                                          resumed_on=None).first()
    if existing is not None:
        _note_a_later_report(existing, event, last, run_date)
        existing.resume_on = resume_on
        existing.save(update_fields=["end_date", "resume_on", "note"])
        return
    suspended: list[int] = []
    note = "UC deductions are not covered by a moratorium: recovery from UC goes on"
    eligible = _debts_owed(person, classification="NON_FRAUD", status__in=_SUSPENDABLE,
                           created_on__lte=event.start_date)
    why = f"{event.kind} from {event.start_date}" + moratorium_to(event.kind, last)
    if not _uc_in_payment(person.pk, event.start_date):
        note = "eligible non-fraud debts suspended for the moratorium"
        suspended = _suspend(eligible, run_date, f"event {event.event_id}", why)
    else:
        others = [d for d in eligible if recovered_from_anothers_legacy_benefit(d, person.pk, event.start_date)]
        if others:
            note += ("; joint debts recovered from the other debtor's legacy benefit (not UC) suspended for the "
                     "moratorium")
            suspended = _suspend(others, run_date, f"event {event.event_id}", why)
    Restriction.objects.create(person=person, kind=event.kind, event_id=event.event_id,
                               start_date=event.start_date, end_date=last, resume_on=resume_on,
                               suspended_debts=suspended, note=note)


def recovered_from_anothers_legacy_benefit(debt: Debt, person_id: int, on: date) -> bool:
    """Whether ``debt``, which ``person_id`` owes jointly with its owner, is recovered on ``on`` from the
    owner's legacy benefit (the owner has a benefit in payment and no UC: recovery_load.OWNER_PAID_SQL's
    Decision), not from UC: a moratorium of either debtor then covers it, though the person has UC."""
    died = debt.person.date_of_death
    return (debt.person_id != person_id and (died is None or died > on) and in_payment(debt.person_id, on)
            and not _uc_in_payment(debt.person_id, on))


def bars_recovery(kind: str, resume_on: date | None, resumed_on: date | None, on: date) -> bool:
    """Whether a restriction still bars recovery of the debts it lists on ``on`` (recovery-rules.md §6): a
    bankruptcy, DRO or IVA always (the debts it includes are not recovered by deduction, whatever its end
    date); a moratorium until it ends (recovery resumes on ``resume_on``, the day after; one with no known
    end goes on)."""
    if kind in WHOLE_INSOLVENCY:
        return True
    if kind not in MORATORIA or resumed_on is not None:
        return False
    return resume_on is None or resume_on > on


def still_barred(person_id: int, on: date, *, excluding: int, debt_ids: Sequence[int] = ()) -> set[int]:
    """The debts that a restriction other than ``excluding`` still bars on ``on``: the person's restrictions,
    and those of the other debtor of any joint debt among ``debt_ids`` (:func:`_debts_owed`)."""
    barred: set[int] = set()
    people = {person_id}
    for owner, joint in Debt.objects.filter(pk__in=list(debt_ids)).exclude(joint_person=None).values_list(
            "person_id", "joint_person_id"):
        people.update((owner, joint))
    others = Restriction.objects.filter(person_id__in=sorted(people), kind__in=(*WHOLE_INSOLVENCY, *MORATORIA))
    for kind, resume_on, resumed_on, debts in others.exclude(pk=excluding).values_list(
            "kind", "resume_on", "resumed_on", "suspended_debts"):
        if bars_recovery(kind, resume_on, resumed_on, on):
            barred.update(debts)
    return barred


def resume_after_moratoria(run_date: date, partitions: Sequence[int] | None = None) -> int:
    """Recovery of the debts a moratorium suspended resumes the day after it ends (SUSPENDED → OPEN), for
    each debt no other restriction still bars (:func:`bars_recovery`: an insolvency, or a moratorium not
    yet ended, keeps it suspended); only the moratoria of people in ``partitions`` when given. A moratorium
    whose end became known only after that day (reported late, or moved earlier by a later event) resumes
    them on this run, the first that knows of it: the days already run are not reopened, and the reason
    audited says when recovery was due to resume (docs/events-notes.md "A moratorium's end is set by its
    latest event")."""
    count = 0
    ended = Restriction.objects.filter(kind__in=MORATORIA, resumed_on=None, resume_on__lte=run_date)
    if partitions is not None:
        ended = ended.filter(person__partition__in=sorted(set(partitions)))
    for restriction in ended.order_by("pk"):
        barred = still_barred(restriction.person_id, run_date, excluding=restriction.pk,
                              debt_ids=restriction.suspended_debts)
        resumed = [d for d in restriction.suspended_debts if d not in barred]
        reason = (f"{restriction.kind} ended {restriction.end_date}"
                  f"{crisis_end_note(restriction.kind, restriction.end_date)}: recovery resumes")
        due = restriction.resume_on
        if due is not None and due < run_date:  # every day is run: the end became known only after it was due
            reason += f", from this run: it was due to resume on {due}, before its end was known"
        for debt in Debt.objects.filter(pk__in=resumed, status=DebtStatus.SUSPENDED).order_by("pk"):
            debt.change_status(DebtStatus.OPEN, business_date=run_date, actor=ACTOR, reason=reason)
        restriction.resumed_on = run_date
        restriction.save(update_fields=["resumed_on"])
        count += 1
    return count


def release_for_uc_deductions(run_date: date, partitions: Sequence[int] | None = None) -> int:
    """UC deductions are not covered by a moratorium (recovery-rules.md §6: "DMS stops recovery of eligible
    debts other than UC deductions"). **Decision**: a moratorium still in force whose person has UC in
    payment on ``run_date`` (their own award, or a joint one naming them as the partner) releases the debts
    it suspended (SUSPENDED → OPEN, audited with a reason naming the moratorium), so that UC recovers them;
    a debt another restriction still bars (an insolvency, :func:`still_barred`) stays suspended. This is
    what happens when UC starts during a moratorium that began while a legacy benefit was in payment (one
    that began with UC in payment suspended nothing, :func:`_moratorium`). The restriction's
    ``suspended_debts`` is emptied and the release noted on it, so its end resumes nothing twice and a later
    run releases nothing again; the debts released stay in recovery for the rest of the moratorium. Returns
    how many moratoria released their debts; only those of people in ``partitions`` when given."""
    restrictions = list(_moratoria_in_force(run_date, partitions).exclude(suspended_debts=[]))
    if not restrictions:
        return 0
    benefits = benefits_in_payment(sorted({r.person_id for r in restrictions}), run_date)
    count = 0
    for restriction in restrictions:
        if "UC" not in benefits.get(restriction.person_id, ()):
            continue
        barred = still_barred(restriction.person_id, run_date, excluding=restriction.pk,
                              debt_ids=restriction.suspended_debts)
        # joint debts recovered from the other debtor's legacy benefit, not UC: this moratorium keeps them
        here = {d.pk for d in Debt.objects.filter(pk__in=restriction.suspended_debts)
                if recovered_from_anothers_legacy_benefit(d, restriction.person_id, run_date)}
        released = [d for d in restriction.suspended_debts if d not in barred and d not in here]
        if not released and all(d in here for d in restriction.suspended_debts):
            continue  # nothing UC recovers: the moratorium keeps what it holds
        reason = (f"{restriction.kind} from {restriction.start_date} (event {restriction.event_id}) is still in "
                  "force, but UC is in payment and UC deductions are not covered by a moratorium: recovery "
                  "from UC resumes")
        for debt in Debt.objects.filter(pk__in=released, status=DebtStatus.SUSPENDED).order_by("pk"):
            debt.change_status(DebtStatus.OPEN, business_date=run_date, actor=ACTOR, reason=reason)
        kept = [d for d in restriction.suspended_debts if d in barred and d not in here]
        restriction.suspended_debts = [d for d in restriction.suspended_debts if d in here]
        restriction.note = (f"{restriction.note}; {run_date}: UC in payment, UC deductions are not covered: "
                            f"debts {released} released" + (f", debts {kept} still barred by another restriction"
                                                             if kept else ""))
        restriction.save(update_fields=["suspended_debts", "note"])
        count += 1
    return count


def suspend_when_uc_stops(run_date: date, partitions: Sequence[int] | None = None) -> int:
    """The other side of :func:`release_for_uc_deductions` (recovery-rules.md §6: "DMS stops recovery of
    eligible debts other than UC deductions for the moratorium"): a moratorium in force (it began while UC
    was in payment, or released its debts to UC; it may hold joint debts another's legacy benefit
    recovers) whose person has no UC in payment
    on ``run_date`` (their UC ended; a legacy benefit may have started) suspends its eligible debts from then
    (non-fraud, arisen by its start, owned or owed jointly: :func:`_debts_owed`), listed on it so that its end
    resumes them. Returns how many moratoria did so; only those of people in ``partitions`` when given."""
    restrictions = list(_moratoria_in_force(run_date, partitions).filter(start_date__lte=run_date))
    if not restrictions:
        return 0
    benefits = benefits_in_payment(sorted({r.person_id for r in restrictions}), run_date)
    count = 0
    for restriction in restrictions:
        held = benefits.get(restriction.person_id, set())
        if "UC" in held:
            continue
        eligible = [d for d in _debts_owed(restriction.person, classification="NON_FRAUD", status__in=_SUSPENDABLE,
                                           created_on__lte=restriction.start_date)
                    if d.pk not in restriction.suspended_debts]  # those it holds already stay as they are
        if not held and final_uc_payment_due(restriction.person_id):
            # the last UC payment is still to come: UC deductions are not covered, so it takes what is due;
            # only joint debts another debtor's legacy benefit recovers are suspended now
            eligible = [d for d in eligible
                        if recovered_from_anothers_legacy_benefit(d, restriction.person_id, run_date)]
        if not eligible:
            continue
        _suspend_and_list(restriction, eligible, run_date,
                          "no UC in payment now, so recovery of the debts it covers stops until it ends",
                          "no UC in payment: debts {} suspended")
        count += 1
    return count


def final_uc_payment_due(person_id: int) -> bool:
    """Whether a UC award of the person's (their own, or a joint one naming them) has ended with an
    assessment period held and not yet paid that began while it was in payment: the award's last payment,
    made after its end (recovery-rules.md §6: "UC deductions are not covered" by a moratorium, so that
    payment's deductions are taken; :func:`suspend_when_uc_stops` waits for it unless a legacy benefit is in
    payment)."""
    return AssessmentPeriod.objects.filter(
        Q(award__person_id=person_id) | Q(award__partner_id=person_id), processed_on=None,
        award__benefit="UC", award__end_date__isnull=False, period_start__lte=F("award__end_date"),
    ).exists()


def suspend_joint_debts_recovered_from_legacy(run_date: date, partitions: Sequence[int] | None = None) -> int:
    """A moratorium in force of a person with UC in payment suspends nothing UC recovers, but a joint debt
    they owe that is recovered from the other debtor's legacy benefit is covered (recovery-rules.md §6;
    :func:`recovered_from_anothers_legacy_benefit`): one that has come to be so since the moratorium began
    (the owner's legacy benefit started, their UC ended) is suspended from ``run_date`` and listed, so that
    its end resumes it. Returns how many debts; only the moratoria of people in ``partitions`` when given."""
    count = 0
    for restriction in _moratoria_in_force(run_date, partitions).filter(start_date__lte=run_date):
        if not _uc_in_payment(restriction.person_id, run_date):
            continue  # suspend_when_uc_stops covers every eligible debt then
        newly = [d for d in _debts_owed(restriction.person, classification="NON_FRAUD", status=DebtStatus.OPEN,
                                        created_on__lte=restriction.start_date)
                 if d.pk not in restriction.suspended_debts
                 and recovered_from_anothers_legacy_benefit(d, restriction.person_id, run_date)]
        if not newly:
            continue
        count += len(_suspend_and_list(
            restriction, newly, run_date,
            "the joint debt is now recovered from the other debtor's legacy benefit, which it covers",
            "joint debts {} suspended (another's legacy benefit)"))
    return count


def _moratoria_in_force(run_date: date, partitions: Sequence[int] | None) -> Any:
    """The moratoria not yet ended on ``run_date`` (with their people; only those of people in ``partitions``
    when given), in the order applied."""
    in_force = (Restriction.objects.filter(kind__in=MORATORIA, resumed_on=None)
                .filter(Q(resume_on=None) | Q(resume_on__gt=run_date)))
    if partitions is not None:
        in_force = in_force.filter(person__partition__in=sorted(set(partitions)))
    return in_force.select_related("person").order_by("pk")


def _suspend_and_list(restriction: Restriction, debts: Sequence[Debt], run_date: date, why: str,
                      noted: str) -> list[int]:
    """Suspend ``debts`` for the moratorium ``restriction`` from ``run_date`` and list them with it (its end
    resumes them); ``noted`` ("... {} ...") records them on it. Returns their ids."""
    suspended = _suspend(debts, run_date, ACTOR,
                         f"{restriction.kind} from {restriction.start_date} (event {restriction.event_id}): {why}")
    restriction.suspended_debts = [*restriction.suspended_debts, *suspended]
    restriction.note = f"{restriction.note}; {run_date}: {noted.format(suspended)}"
    restriction.save(update_fields=["suspended_debts", "note"])
    return suspended


def cease_for_ended_awards(run_date: date, partitions: Sequence[int] | None = None) -> int:
    """HB debts recovered from an award that has ended cease (events.md §2 ``award.ended``): UC_AWARD_ENDED
    for a UC award, CLAIM_CEASED for a legacy benefit. The award is in payment up to its end date, so its
    debtors are checked from the day after it (the first day with "no benefit in payment"): one whose other
    awards leave them nothing in payment that day has their HB debts ceased, on the first run date after
    the end date; one with another award in payment then (UC starting the next day, say) is recovered from
    that. The debtors of an award are its person and, for a joint UC award, the partner it names. Only
    debtors in ``partitions`` when given."""
    count = 0
    for award_id, person_id, benefit, end_date in _ended_awards_with_hb_debts(run_date, partitions):
        ids = _hb_debts_left_without(award_id, person_id, end_date)
        count += cease_hb_debts(ids, _end_reason(benefit), run_date, ACTOR, why=award_end_why(benefit, end_date))
    return count


def award_end_why(benefit: str, end_date: date, correcting: str = "") -> str:
    """Why an award's end returned HB debts (events.md §2 ``award.ended``; hb-debt-interface.md §6.5), for
    the status change's audit: the benefit, its end date and that nothing else is in payment. ``correcting``,
    when a later report has moved the end since (:func:`restate_award_end`), names the event in force and the
    end and event it corrects, the end the debt was returned for."""
    if correcting:
        return (f"the {benefit} award ended on {end_date} ({correcting}, the end it was returned for): it stays "
                "returned, and the LA may refer it again while a benefit is in payment (hb-debt-interface.md §6.5)")
    return (f"the {benefit} award ended on {end_date} with no other benefit in payment to recover from "
            "(hb-debt-interface.md §6.5)")


def restate_award_end(award: Award, earlier_end: date, event: ev.AwardEnded) -> None:
    """A later report of an award's end that moves it, earlier or later (events.md §1-2; docs/events-notes.md
    "A late report does not overwrite a later one"). Each HB debt the end held before returned (UC_AWARD_ENDED
    or CLAIM_CEASED for it, :func:`award_end_why`) stays returned, with its cessation (**Decision**,
    docs/events-notes.md "An award's end corrected": it is the LA's again, which may refer it again); a status
    change beside its return (``DebtStatusChange.restates``) gives its reason anew, the end in force
    "correcting" the end and event it was returned for, as a corrected date of death is restated
    (:func:`_died`), so that ``dms debtor show`` does not give an end no longer in force."""
    code = _end_reason(award.benefit)
    ended_on = f"{code}: the {award.benefit} award ended on "
    debtors = [award.person_id, *([award.partner_id] if award.benefit == "UC" and award.partner_id else [])]
    for debt in Debt.objects.filter(person_id__in=debtors, creditor__kind="LA", status=DebtStatus.RETURNED,
                                    cessation_reason=code).order_by("pk"):
        if not _stated(debt).startswith(f"{ended_on}{earlier_end} "):
            continue
        returned_for, by = _end_returned_for(debt, award, ended_on, earlier_end, event)
        correcting = f"event {event.event_id}, correcting {returned_for}" + (f" of event {by}" if by else "")
        _restate(debt, f"{code}: {award_end_why(award.benefit, event.end_date, correcting)}",
                 max(event.occurred_on, debt.status_date), f"event {event.event_id}")


def _end_returned_for(debt: Debt, award: Award, ended_on: str, earlier_end: date, event: ev.AwardEnded
                      ) -> tuple[date, str]:
    """The end of ``award`` that returned ``debt`` (its return's reason, :func:`award_end_why`, beginning
    ``ended_on`` and the end date) and the id of the report of it applied by then ("" when none is found):
    the end a later report "corrects", however many reports have moved it since (README ``dms debtor show``;
    docs/events-notes.md "An award's end corrected"). ``earlier_end``, the end before ``event``, when the
    return names none."""
    returned = (DebtStatusChange.objects.filter(debt=debt, to_status=DebtStatus.RETURNED, restates=False)
                .exclude(from_status=DebtStatus.RETURNED).order_by("-pk").first())
    end, on = earlier_end, event.occurred_on
    if returned is not None and returned.reason.startswith(ended_on):
        try:
            end = date.fromisoformat(returned.reason[len(ended_on):len(ended_on) + 10])
        except ValueError:
            end = earlier_end
        on = returned.business_date
    reports = (InboundEvent.objects.filter(type="award.ended", nino=event.nino, payload__award_ref=award.award_ref,
                                           payload__end_date=end.isoformat())
               .exclude(event_id=event.event_id).order_by("-occurred_on", "-pk"))
    by = reports.filter(occurred_on__lte=on).first() or reports.first()
    return end, by.event_id if by is not None else ""


def _hb_debts_left_without(award_id: int, person_id: int, end_date: date, before: date | None = None) -> list[int]:
    """The person's HB debts still held that the award ending on ``end_date`` leaves with nothing in payment
    on the first day each was held without it (:func:`_first_day_without`), that day before ``before`` when
    given."""
    left = []
    for debt in Debt.objects.filter(person_id=person_id, creditor__kind="LA", status__in=_HB_ACTIVE).order_by("pk"):
        first = _first_day_without(end_date, debt)
        if (before is None or first < before) and not in_payment(person_id, first, excluding=award_id):
            left.append(debt.pk)
    return left


def _end_reason(benefit: str) -> str:
    """The cessation reason of an ended award's HB debts (events.md §2 ``award.ended``)."""
    return "UC_AWARD_ENDED" if benefit == "UC" else "CLAIM_CEASED"


def _first_day_without(end_date: date, debt: Debt) -> date:
    """The first day ``debt`` was held without the award that ended on ``end_date``: the day after the end,
    or the day DMS received the debt's referral when that was later. A debt taken on after the award ended,
    while another benefit was in payment (hb-debt-interface.md §6.2), is recovered from that benefit and
    does not cease for the earlier award's end; one taken on while DMS did not yet know of the end, with
    nothing else in payment, ceases."""
    return max(end_date + timedelta(days=1), debt_service.referral_received_date(debt))


def _ended_awards_with_hb_debts(run_date: date, partitions: Sequence[int] | None
                                ) -> list[tuple[int, int, str, date]]:
    """``(award id, debtor id, benefit, end date)`` of the awards that ended before ``run_date`` whose debtor
    (the award's person, or the partner named on a joint UC award) has an HB debt still held, in award
    order."""
    part_cond, part_params = in_partitions("pe", partitions)
    held = ("EXISTS (SELECT 1 FROM dms_debt d JOIN dms_creditor c ON c.id = d.creditor_id WHERE "
            "d.person_id = pe.id AND c.kind = 'LA' AND d.status IN ('OPEN', 'SUSPENDED', 'RECALL_PENDING'))")
    ended = "a.end_date IS NOT NULL AND a.end_date < %s"
    rows = fetch(
        "SELECT a.id, pe.id, a.benefit, a.end_date FROM dms_award a "
        f"JOIN dms_person pe ON pe.id = a.person_id WHERE {ended}{part_cond} AND {held} "
        "UNION ALL SELECT a.id, pe.id, a.benefit, a.end_date FROM dms_award a "
        "JOIN dms_person pe ON pe.id = a.partner_id "
        f"WHERE a.benefit = 'UC' AND {ended}{part_cond} AND {held} "
        "ORDER BY 1, 2",
        [run_date, *part_params, run_date, *part_params],
    )
    return [(award_id, person_id, benefit, as_date(end)) for award_id, person_id, benefit, end in rows]


def cease_for_departed_partners(run_date: date, partitions: Sequence[int] | None = None) -> int:
    """A partner who leaves a joint UC award (an ``award.changed`` to a ``SINGLE_...`` claimant type, or naming
    another partner, applied by the run: :attr:`dms.store.models.AwardChange.former_partner`) with no benefit in payment of
    their own: DMS "returns debts it will not or can no longer recover" (hb-debt-interface.md §24) and holds
    HB debts only for a claimant with UC or an Annex A benefit in payment (§6.2), so their HB debts still
    held cease UC_AWARD_ENDED (events.md §2 ``award.ended``), as if their part of the joint award had ended the
    day before the change, and go to the LA in its cessation file like any other (**Decision**,
    docs/events-notes.md). Each debt is judged on the first day it was held without the award: the change's
    date, or the day DMS received its referral when that was later (:func:`_first_day_without`); one with a
    benefit in payment that day (their own new award starting then, a legacy benefit) is recovered from it
    instead, and that award's end returns it (:func:`cease_for_ended_awards`). Nor is a debt ceased while the
    former partner has a benefit in payment on ``run_date``.

    The award's periods ending before the change's date are still the former partner's (the terms in force
    on a period's last day, :func:`dms.services.events.uc_terms_on`): while one is held unpaid, its deductions
    are still to be taken, so the debts cease by the first run after it is paid. Only former partners in
    ``partitions`` when given (their debts are handled in their own partition's chunk). Idempotent: a debt
    ceased is no longer held. Returns how many debts were ceased."""
    count = 0
    for award_ref, effective_from, person_id, event_id in _departed_partners_with_hb_debts(run_date, partitions):
        debts = Debt.objects.filter(person_id=person_id, creditor__kind="LA", status__in=_HB_ACTIVE).order_by("pk")
        ids = [debt.pk for debt in debts
               if not in_payment(person_id, _first_day_without(effective_from - timedelta(days=1), debt))]
        count += cease_hb_debts(
            ids, "UC_AWARD_ENDED", run_date, ACTOR,
            why=f"left joint UC award {award_ref} from {effective_from} (event {event_id}) with no benefit in "
                "payment: their part of the joint award ended the day before")
    return count


def _departed_partners_with_hb_debts(run_date: date, partitions: Sequence[int] | None
                                     ) -> list[tuple[str, date, int, str]]:
    """``(award ref, change date, former partner id, event id)`` of the applied award changes effective by
    ``run_date`` that took a partner off a joint UC award (:attr:`dms.store.models.AwardChange.former_partner`, a partial
    index: only those changes are read), whose former partner still has an HB debt held, has no award in
    payment on ``run_date`` (their own, or a joint UC award naming them) and whose award has no period
    ending before the change's date held unpaid; in change order. Set-based: one query for the chunk."""
    part_cond, part_params = in_partitions("pe", partitions)
    held = ("EXISTS (SELECT 1 FROM dms_debt d JOIN dms_creditor cr ON cr.id = d.creditor_id WHERE "
            "d.person_id = pe.id AND cr.kind = 'LA' AND d.status IN ('OPEN', 'SUSPENDED', 'RECALL_PENDING'))")
    unpaid = ("EXISTS (SELECT 1 FROM dms_assessment_period p WHERE p.award_id = c.award_id "
              "AND p.processed_on IS NULL AND p.period_end < c.effective_from)")
    paying = (f"EXISTS (SELECT 1 FROM dms_award o WHERE (o.person_id = pe.id OR (o.partner_id = pe.id "
              f"AND o.benefit = 'UC')) AND {in_payment_sql('o')})")
    rows = fetch(
        "SELECT a.award_ref, c.effective_from, pe.id, c.event_id FROM dms_award_change c "
        "JOIN dms_person pe ON pe.id = c.former_partner_id JOIN dms_award a ON a.id = c.award_id "
        f"WHERE c.former_partner_id IS NOT NULL AND c.applied_on IS NOT NULL AND c.effective_from <= %s{part_cond} "
        f"AND {held} AND NOT {unpaid} AND NOT {paying} ORDER BY c.id",
        [run_date, *part_params, *in_payment_params(run_date)],
    )
    return [(award_ref, as_date(day), person_id, event_id) for award_ref, day, person_id, event_id in rows]


# ---------------------------------------------------------------------------------------------- missed


def apply_missed_instalments(run_date: date, partitions: Sequence[int] | None = None) -> int:
    """``benefit.payment_missed`` whose pay date has come (recovery-rules.md §4): each instalment taken from
    the award on that pay date is reversed (a REVERSAL entry with the reason; the deduction marked
    REVERSED) and counts as missed; three missed with no other prescribed benefit in payment return the
    person's HB debts (MISSED_INSTALMENTS). Runs after the day's deductions; only for the people in
    ``partitions`` when given. Returns how many missed instalments it recorded: an event that turns out to
    name no instalment due (:func:`_missed`) is marked applied, having been judged, but not counted."""
    count = 0
    wanted = _people_in(partitions)
    for row in InboundEvent.objects.filter(type=MISSED_EVENT_TYPE, applied=False).order_by("id"):
        if not _in_partitions(row.nino, wanted):
            continue
        event = parsed(row)
        if not isinstance(event, ev.BenefitPaymentMissed) or event.pay_date > run_date:
            continue
        with transaction.atomic():
            recorded = _missed(event, run_date)
            _mark_applied(row, run_date)
        count += 1 if recorded else 0
    return count


def _missed(event: ev.BenefitPaymentMissed, run_date: date) -> bool:
    """Reverse and record one missed instalment; whether it was recorded (False when no instalment of the
    award was due that day after all, or the same pay date is already recorded as missed)."""
    award = Award.objects.filter(award_ref=event.award_ref).first()
    if award is None:
        raise DmsError(f"event {event.event_id}: award_ref {event.award_ref!r} is not known to DMS")
    if MissedInstalment.objects.filter(award=award, pay_date=event.pay_date).exists():
        return False  # the same missed payment reported again: reversed and counted once (recovery-rules.md §4)
    if not paid_on(award, event.pay_date):
        return False  # no instalment was due that day, so none was missed (a change dated before it came since)
    reason = f"missed instalment: {award.benefit} not paid on {event.pay_date} (event {event.event_id})"
    taken = list(Deduction.objects.filter(award=award, date=event.pay_date, status="TAKEN", entry_id__isnull=False)
                 .order_by("pk"))
    if not taken:
        # the run of the pay date (always before this: the day's deductions come first) took nothing from this
        # award: no instalment was due from it that day (another benefit recovered from, its debts suspended
        # by a moratorium, a sanction leaving no room, nothing owed), so none was missed (recovery-rules.md §4);
        # nor when what it took has been reversed since for a fact that left nothing due that day (a sanction,
        # a death, an award's end or an insolvency reported late), as if that fact had been known on the day
        return False
    reverse_deductions(taken, run_date, reason)
    MissedInstalment.objects.create(award=award, person_id=award.person_id, pay_date=event.pay_date,
                                    event_id=event.event_id, reversed_pence=sum(d.amount_pence for d in taken),
                                    recorded_on=run_date)
    other = in_payment(award.person_id, run_date, excluding=award.pk)
    missed = _missed_instalments_counted(award.person_id)
    returned = [debt.pk for debt in _debts(award.person, creditor__kind="LA", status__in=_HB_ACTIVE)
                if missed_instalments_outcome(_missed_while_held(missed, debt), other, run_date)]
    cease_hb_debts(returned, "MISSED_INSTALMENTS", run_date, ACTOR,
                   why=f"the person's legacy instalments were missed on {_missed_by_award(missed)} (the last "
                       f"reported by event {event.event_id}): three missed while the debt was held, whichever award "
                       "they were taken from, with no other prescribed benefit in payment, return it "
                       "(recovery-rules.md §4; hb-debt-interface.md §6.5)")
    return True


def _missed_instalments_counted(person_id: int) -> list[tuple[date, Award]]:
    """The person's missed instalments that count towards the three that return an HB debt (recovery-rules.md
    §4), as ``(pay date, award)`` in date order, across all their legacy awards: the instalment plan is the
    person's, whichever award an instalment is taken from (**Decision**, docs/recovery-notes.md "Which legacy
    award an instalment is taken from"), so a move from one award to another does not start the count again.
    Each is a pay date recorded as missed (an instalment taken from the award that day and reversed), but not
    one on which the sanctions now held leave no room for its instalment (:func:`_sanctions_leave_no_room_for`,
    judging the instalment first taken from that award that day), so that a payment reported missed before a
    late sanction that left nothing due that day counts no more than one reported after it
    (docs/recovery-notes.md: only a payment an instalment was due from counts). Its record stands, and a debt
    already returned for three missed stays returned. Read only when a missed payment is applied (set-based:
    the person's records, their sanctions and the deductions of those pay dates, one query each)."""
    rows = sorted(((row.pay_date, row.award) for row in MissedInstalment.objects.filter(person_id=person_id)
                   .select_related("award")), key=lambda r: (r[0], r[1].pk))
    if not rows:
        return []
    sanctions = sanctions_over(rows[0][0] - timedelta(days=31), rows[-1][0], [person_id]).get(person_id, [])
    if not sanctions:
        return rows
    first_taken: dict[tuple[int | None, date], list[Deduction]] = defaultdict(list)
    for d in (Deduction.objects.filter(award_id__in={award.pk for _, award in rows},
                                       date__in={day for day, _ in rows}, restores__isnull=True)
              .exclude(source="UC").select_related("award").order_by("pk")):
        first_taken[(d.award_id, d.date)].append(d)
    return [(day, award) for day, award in rows
            if not ((taken := first_taken[(award.pk, day)]) and _sanctions_leave_no_room_for(taken, day, sanctions))]


def _missed_by_award(missed: Sequence[tuple[date, Award]]) -> str:
    """``missed`` for a status reason: the pay dates of each award in turn, with the award named
    ("2025-06-09 and 2025-06-16 (ESA award ESA0), 2025-06-18 (JSA award JSA0)")."""
    runs: list[tuple[Award, list[date]]] = []
    for day, award in missed:
        if runs and runs[-1][0].pk == award.pk:
            runs[-1][1].append(day)
        else:
            runs.append((award, [day]))
    return ", ".join(f"{' and '.join(d.isoformat() for d in days)} ({award.benefit} award {award.award_ref})"
                     for award, days in runs)


def reverse_deductions(taken: Sequence[Deduction], run_date: date, reason: str) -> None:
    """Reverse deductions ``taken`` on ``run_date`` with ``reason``: each one to a debt by a REVERSAL entry of
    its DEDUCTION entry (the debt's balance restored; a debt the deduction cleared is OPEN again), each one
    to a third party marked reversed too (it has no ledger entry: its instruction is withdrawn); every
    deduction marked REVERSED with the date and the reason (the ledger is append-only: nothing is deleted).
    A debt that has already been returned or withdrawn has the balance the reversal restores returned at
    once (:func:`dms.services.debts.return_restored_balance`: a further cessation for an LA's debt). On a debt
    an over-recovery moved money off, the reversal first undoes that much of it and restores only the rest
    (:mod:`dms.services.over_recovery`; hb-debt-interface.md §6.5, recovery-rules.md §5)."""
    from dms.services.recovery import _Keys, recovery_entry
    from dms.store.ledger import post_entries

    posted = [d for d in taken if d.entry_id is not None and d.debt_id is not None]
    debts = Debt.objects.in_bulk([d.debt_id for d in posted])
    keys = _Keys(AccountKind.BENEFIT_RECOVERIES)
    reversals = []
    over = over_recovery.over_recovered(debts)  # a reversal on them first undoes their over-recovery
    raised: set[int] = set()
    for d in posted:
        original = recovery_entry(keys, EntryKind.DEDUCTION, d.date, d.debt_id, debts[d.debt_id].creditor_id,
                                  d.amount_pence, "")
        undone = over_recovery.undo_over_recovery(debts[d.debt_id], d.amount_pence, run_date, reason) \
            if d.debt_id in over else over_recovery.Undone()
        raised |= undone.raised
        reversals.append(over_recovery.deduction_reversal(d.entry_id, original.postings, undone, run_date, reason))
    entry_of = dict(zip((d.pk for d in posted), post_entries(reversals), strict=True)) if reversals else {}
    debts.update(Debt.objects.in_bulk(raised - set(debts)))
    for d in taken:
        Deduction.objects.filter(pk=d.pk).update(status="REVERSED", reversed_on=run_date,
                                                 reversal_entry_id=entry_of.get(d.pk), reversal_reason=reason)
    touched = list(dict.fromkeys([*(debts[d.debt_id] for d in posted if d.pk in entry_of),
                                  *(debts[i] for i in sorted(raised))]))
    for debt in touched:
        if debt.status == DebtStatus.CLEARED and (debt.pk not in over or debt_service.figures_of(debt).balance_pence):
            debt.change_status(DebtStatus.OPEN, business_date=run_date, actor=ACTOR, reason=reason)
            settle_a_reopened_debt(debt, run_date, ACTOR)
    for debt in sorted(touched, key=lambda debt: debt.pk):
        if debt.status in debt_service.FINAL_STATUSES:
            debt_service.return_restored_balance(
                debt, business_date=run_date,
                reason=f"a deduction reversed after the debt was {debt.status.lower()}: {reason}")


def _award_ended_late(event: ev.Event, row: InboundEvent, run_date: date) -> None:
    """``award.ended`` reported after deductions were taken from the award on its later pay dates (events.md
    §2: no benefit in payment after ``end_date``): those deductions are reversed (legacy instalments on pay
    dates after the end, UC periods starting after it; :func:`dms.services.events.taken_after_end`), by the
    first run from the day after the end date (:func:`_effective`), whatever the event's ``occurred_on``. The
    end date itself was recorded at import; the HB debts then cease by :func:`cease_for_ended_awards` later in
    the same run, with the balance restored: one cessation (docs/la-interface-notes.md "An award that
    ends"). A report moving the end later first takes again what an earlier end alone reversed that the end
    now in force leaves in payment (:func:`reversed_for_an_earlier_end`), then takes late the legacy pay dates
    and the UC periods up to the new end that the run passed under an earlier end, taking nothing
    (:func:`passed_under_an_earlier_end`, :func:`dms.services.recovery.take_instalments_late`;
    :func:`periods_passed_under_an_earlier_end`, :func:`dms.services.recovery.take_periods_late`); a report
    moving it earlier (or first reported late), after the reversal, takes late the pay dates of the person's
    other legacy awards the run passed over for it (:func:`passed_over_for_an_end_moved_earlier`), and reverses
    and takes again for their own days that award's later instalments whose days went back over those pay dates
    (:func:`later_instalments_paying_again_for`: no day paid for twice), as if the end in force had been
    reported once (**Decision**, docs/events-notes.md "An award's end corrected")."""
    if not isinstance(event, ev.AwardEnded):
        raise TypeError(type(event).__name__)
    award = Award.objects.filter(award_ref=event.award_ref).first()
    if award is None or award.end_date is None:
        return
    again = reversed_for_an_earlier_end(award)
    if again:
        _take_again_up_to_what_is_owed(again, run_date, _in_payment_up_to_the_end(award, event),
                                       f"event {event.event_id}")
    passed = passed_under_an_earlier_end(award, run_date - timedelta(days=1))
    if passed:
        from dms.services.recovery import take_instalments_late  # it builds on this module

        take_instalments_late(award.pk, passed, run_date, _in_payment_up_to_the_end(
            award, event, "the run passed this pay date under the earlier end, taking nothing, and takes its "
            "instalment now, worked out as on its pay date"))
    periods = periods_passed_under_an_earlier_end(award, run_date - timedelta(days=1), event.event_id)
    if periods:
        from dms.services.recovery import take_periods_late  # it builds on this module

        take_periods_late(award.person_id, periods, run_date, _in_payment_up_to_the_end(
            award, event, "the run passed this period under the earlier end, taking nothing, and takes it now, "
            "worked out as on its payment date"))
    passed_over = passed_over_for_an_end_moved_earlier(award, run_date - timedelta(days=1), event.event_id)
    reverse_deductions(list(taken_after_end(award.pk, award.end_date)), run_date,
                       f"{_award_end_reversal_prefix(award)}{award.end_date}, reported late (event "
                       f"{event.event_id}): no benefit was in payment")
    if passed_over:  # after the reversal: the other award's pay dates then pay for days from the end on
        from dms.services.recovery import take_instalments_late  # it builds on this module

        why = _passed_over_why(award, event)
        for other_id, days in sorted(passed_over.items()):
            take_instalments_late(other_id, days, run_date, why)
            overlapping = later_instalments_paying_again_for(other_id, days, run_date - timedelta(days=1))
            for day, rows in overlapping.items():  # their days went back over a pay date now taken late
                before = max(d for d in days if d < day)
                reverse_deductions(rows, run_date, _paying_again_why(award, event, day, rows, before))
                take_instalments_late(other_id, [day], run_date,
                                      f"{why}; its instalment taken before, for days going back over the pay date "
                                      f"{before} now taken late, is reversed, and it is taken again for the days "
                                      f"after {before}")


def _award_end_reversal_prefix(award: Award) -> str:
    """How the reason of a deduction reversed for ``award``'s end reported late (:func:`_award_ended_late`)
    begins, the end date and event following: by it a later report moving the end finds them."""
    return f"taken from {award.benefit} award {award.award_ref} after it ended on "


def reversed_for_an_earlier_end(award: Award) -> list[Deduction]:
    """The deductions from ``award`` that a report of its end reversed (:func:`_award_ended_late`) and that its
    end now in force leaves in payment (events.md §2 ``award.ended``, as :func:`_barred_since` judges it: a
    legacy pay date on or before the end, paying for days up to it; a UC period starting on or before it, the
    one containing the end standing), in the order taken: each for a debt still held or a third party (an HB
    debt the earlier end returned stays returned, **Decision**, docs/events-notes.md "An award's end
    corrected"), not paid on or after the day its award's claimant or its debt's debtor died (``Deduction.paid_on``;
    deductions stop at death, recovery-rules.md §6), not taken again since (``Deduction.restores``)."""
    found = list(Deduction.objects.filter(award=award, status="REVERSED",
                                          reversal_reason__startswith=_award_end_reversal_prefix(award))
                 .select_related("award", "period", "debt__creditor").order_by("date", "pk"))
    if not found:
        return []
    taken_again = set(Deduction.objects.filter(person_id__in={d.person_id for d in found},
                                               date__in={d.date for d in found}, restores__in=[d.pk for d in found])
                      .values_list("restores_id", flat=True))
    people = {award.person_id} | {p for d in found if d.debt is not None
                                  for p in (d.debt.person_id, d.debt.joint_person_id) if p is not None}
    died_on: dict[int, date] = {pk: died for pk, died in Person.objects.filter(pk__in=people)
                                .values_list("pk", "date_of_death") if died is not None}

    def died_by(d: Deduction) -> bool:
        debtors = () if d.debt is None else (d.debt.person_id, d.debt.joint_person_id)
        return any(p in died_on and died_on[p] <= d.paid_on for p in (award.person_id, *debtors))

    return [d for d in found if d.pk not in taken_again and not died_by(d) and not _barred_since(d)
            and (d.debt is None or d.debt.status not in debt_service.FINAL_STATUSES)]


def passed_under_an_earlier_end(award: Award, through: date) -> list[date]:
    """The pay dates of the legacy ``award``, up to its end now in force and up to ``through`` (the day before
    the run's), that the run passed under an earlier end (events.md §2 ``award.ended``: after the earliest end
    another report gave it) with nothing taken from the person's legacy awards: the end now in force leaves
    them in payment, so their instalments are due (**Decision**, docs/events-notes.md "An award's end
    corrected"). Not a pay date reported missed (``benefit.payment_missed``), nor one on or after the day the
    person died, nor one on which another benefit was the one instalments are taken from
    (:func:`dms.services.recovery_load.instalments_taken_from`). Empty for a UC award."""
    from dms.services.recovery_load import instalments_taken_from

    if award.benefit == "UC" or award.end_date is None:
        return []
    ends = [e.end_date for e in map(parsed, InboundEvent.objects.filter(
        type="award.ended", nino=award.person.nino, payload__award_ref=award.award_ref, superseded_by=""))
            if isinstance(e, ev.AwardEnded) and e.end_date < award.end_date]
    last = min(award.end_date, through)
    if not ends or last <= min(ends):
        return []
    first = min(ends) + timedelta(days=1)
    died = award.person.date_of_death
    taken = set(Deduction.objects.filter(person_id=award.person_id, period__isnull=True, date__gte=first,
                                         date__lte=last).values_list("date", flat=True))
    missed = set(MissedInstalment.objects.filter(award=award, pay_date__gte=first, pay_date__lte=last)
                 .values_list("pay_date", flat=True))
    days = (first + timedelta(days=n) for n in range((last - first).days + 1))
    return [day for day in days if day not in taken and day not in missed and (died is None or day < died)
            and paid_on(award, day) and instalments_taken_from(award, day)]


def passed_over_for_an_end_moved_earlier(award: Award, through: date, event_id: str) -> dict[int, list[date]]:
    """``{other award id: its pay dates}``: the pay dates of the person's other legacy awards after the end of
    the legacy ``award`` now in force (moved earlier by the report ``event_id``, or first reported late) and up
    to ``through`` (the day before the run's), run by the daily run (``RunDay``), that it passed over for
    ``award``: held in payment then (no other report of its end, or the end of the latest other report, by
    ``occurred_on`` then arrival, on or after the day), ``award`` was preferred to the other award that day
    (:func:`dms.services.recovery_load.legacy_award_choice`), and nothing was taken from the other award
    (nor reported missed). With the end now in force, ``award`` was not in payment that day (events.md §2
    ``award.ended``: no benefit in payment after ``end_date``) and the other award is the one instalments are
    taken from (:func:`dms.services.recovery_load.instalments_taken_from`), so its instalment is due
    (recovery-rules.md §4; **Decision**, docs/events-notes.md "An award's end corrected": the result the end
    in force reported once gives). Not a day on or after the person died. Empty for a UC award."""
    from dms.services.recovery_load import instalments_taken_from, legacy_award_choice
    from dms.store.models import RunDay

    if award.benefit == "UC" or award.end_date is None or through <= award.end_date:
        return {}  # (the last check: no day after the end run yet, as when an end is reported in time)
    other_report = (InboundEvent.objects.filter(type="award.ended", nino=award.person.nino,
                                                payload__award_ref=award.award_ref, superseded_by="")
                    .exclude(event_id=event_id).order_by("-occurred_on", "-pk").first())
    held = parsed(other_report) if other_report is not None else None
    held_end = held.end_date if isinstance(held, ev.AwardEnded) else None
    if held_end is not None and held_end <= award.end_date:
        return {}  # not moved earlier
    first = award.end_date + timedelta(days=1)
    last = through if held_end is None else min(through, held_end)
    died = award.person.date_of_death
    if died is not None:
        last = min(last, died - timedelta(days=1))
    if last < first:
        return {}
    others = list(Award.objects.filter(person_id=award.person_id, start_date__lte=last)
                  .exclude(pk=award.pk).exclude(benefit="UC").filter(Q(end_date__isnull=True) | Q(end_date__gte=first))
                  .order_by("pk"))
    if not others:
        return {}
    run = set(RunDay.objects.filter(completed=True, run_date__gte=first, run_date__lte=last)
              .values_list("run_date", flat=True))
    taken = set(Deduction.objects.filter(award__in=others, period__isnull=True, date__gte=first, date__lte=last)
                .values_list("award_id", "date"))
    taken |= set(MissedInstalment.objects.filter(award__in=others, pay_date__gte=first, pay_date__lte=last)
                 .values_list("award_id", "pay_date"))
    found: dict[int, list[date]] = {}
    for other in others:
        days = [day for day in sorted(run) if (other.pk, day) not in taken and award.start_date <= day
                and other.start_date <= day and (other.end_date is None or day <= other.end_date)
                and paid_on(other, day)
                and legacy_award_choice([(award.pk, award.weekly_amount_pence, award.pay_frequency or ""),
                                         (other.pk, other.weekly_amount_pence, other.pay_frequency or "")],
                                        day) == award.pk
                and instalments_taken_from(other, day)]
        if days:
            found[other.pk] = days
    return found


def later_instalments_paying_again_for(award_id: int, taken_late: Sequence[date], through: date
                                       ) -> dict[date, list[Deduction]]:
    """``{pay date: its deductions}``: the instalments TAKEN from the legacy award ``award_id`` on its pay dates
    after the earliest of ``taken_late`` (pay dates just taken late, :func:`passed_over_for_an_end_moved_earlier`)
    and up to ``through``, whose days (as stored with them, :func:`_pay_period_of`) start on or before the
    latest of ``taken_late`` before them: worked out when that pay date was passed over, they went back over
    it, and it now pays for those days itself. Each is to be reversed and taken again for the days after it
    (recovery-rules.md §4: the weekly rate times the weeks in the period; docs/recovery-notes.md "Which legacy
    award an instalment is taken from": no day is paid for twice; **Decision**, docs/events-notes.md "An
    award's end corrected": the result the end in force reported once gives)."""
    if not taken_late:
        return {}
    rows = list(Deduction.objects.filter(award_id=award_id, period__isnull=True, status="TAKEN",
                                         date__gt=min(taken_late), date__lte=through)
                .exclude(date__in=list(taken_late)).select_related("award").order_by("date", "pk"))
    found: dict[date, list[Deduction]] = {}
    for row in rows:
        before = max(day for day in taken_late if day < row.date)
        if _pay_period_of(row, row.date)[0] <= before:
            found.setdefault(row.date, []).append(row)
    return found


def _paying_again_why(award: Award, event: ev.AwardEnded, day: date, rows: Sequence[Deduction],
                      before: date) -> str:
    """Why the instalment of another legacy award's pay date ``day`` (its deductions ``rows``) is reversed
    when ``event`` moves ``award``'s end earlier (:func:`later_instalments_paying_again_for`): its pay date
    ``before``, now taken late, pays for some of its days."""
    first, last = _pay_period_of(rows[0], day)
    return (f"it paid, in arrears, for {first} to {last}, going back over its award's pay date {before}, passed "
            f"over then, taking nothing; the {award.benefit} award {award.award_ref} ended on {award.end_date} "
            f"(event {event.event_id}), so that pay date's instalment is taken late for the days up to and "
            f"including it, and {first} to {before} would be paid for twice (recovery-rules.md §4): it is "
            f"reversed, and taken again for the days after {before}")


def _passed_over_why(award: Award, event: ev.AwardEnded) -> str:
    """Why a pay date of another legacy award the run passed over for ``award`` is taken late when ``event``
    moves ``award``'s end earlier (:func:`passed_over_for_an_end_moved_earlier`)."""
    earlier = (InboundEvent.objects.filter(type="award.ended", nino=event.nino, payload__award_ref=award.award_ref,
                                           superseded_by="")
               .exclude(event_id=event.event_id).order_by("-occurred_on", "-pk").first())
    correcting = f"event {event.event_id}"
    before = parsed(earlier) if earlier is not None else None
    if earlier is not None and isinstance(before, ev.AwardEnded) and before.end_date != award.end_date:
        correcting += f", correcting {before.end_date} of event {earlier.event_id}"
    return (f"the run passed this pay date, taking nothing, with the {award.benefit} award {award.award_ref} "
            f"preferred to this one; that award ended on {award.end_date} ({correcting}), so it was not in payment "
            "(events.md §2 award.ended: no benefit in payment after end_date) and this award was the one "
            "instalments are taken from: its instalment is taken now, worked out as on its pay date")


def periods_passed_under_an_earlier_end(award: Award, through: date, event_id: str) -> list[int]:
    """The ids of the UC ``award``'s assessment periods, processed by a run up to ``through`` (the day before
    the run's) with nothing taken because they started after the award's end then in force, that its end now
    in force (moved later by the report ``event_id``) puts back in payment: each starting on or before that
    end (events.md §2 ``award.ended``: no benefit in payment after ``end_date``; the period containing it
    stands), so its deductions are due (**Decision**, docs/events-notes.md "An award's end corrected"). The
    end in force when a period was processed is that of the latest report (by ``occurred_on``, then arrival)
    dated on or before that run, other than ``event_id`` and those superseded. A period of a person who has
    died is taken by the rules of any period (:func:`dms.services.recovery.take_periods_late`: nothing for the
    dead, recovery-rules.md §6; a joint award's for the living partner). Empty for a legacy award."""
    if award.benefit != "UC" or award.end_date is None:
        return []
    reports = sorted((row.occurred_on, row.pk, e.end_date) for row, e in (  # one query: the award's other ends
        (row, parsed(row)) for row in InboundEvent.objects.filter(
            type="award.ended", nino=Person.objects.filter(pk=award.person_id).values("nino")[:1],
            payload__award_ref=award.award_ref, superseded_by="").exclude(event_id=event_id))
        if isinstance(e, ev.AwardEnded))
    earlier = [end for _, _, end in reports if end < award.end_date]
    if not earlier:
        return []
    passed = (AssessmentPeriod.objects.filter(award=award, processed_on__isnull=False, processed_on__lte=through,
                                              period_start__gt=min(earlier), period_start__lte=award.end_date)
              .exclude(pk__in=Deduction.objects.filter(award=award, period__isnull=False).values("period_id"))
              .order_by("payment_date", "pk"))

    def end_on(day: date) -> date | None:
        ends = [end for reported, _, end in reports if reported <= day]
        return ends[-1] if ends else None

    return [p.pk for p in passed if (end := end_on(p.processed_on)) is not None and end < p.period_start]


def _in_payment_up_to_the_end(award: Award, event: ev.AwardEnded,
                              then: str = "the reversal for the earlier end stands, and the deduction is taken "
                                          "again") -> str:
    """Why a deduction an earlier end of ``award`` reversed is taken again (or, ``then``, a pay date passed
    under it is taken late) when ``event`` moves the end later: the end in force (naming the end and event it
    corrects) leaves it in payment (events.md §2 ``award.ended``)."""
    earlier = (InboundEvent.objects.filter(type="award.ended", nino=event.nino, payload__award_ref=award.award_ref,
                                           superseded_by="")
               .exclude(event_id=event.event_id).order_by("-occurred_on", "-pk").first())
    correcting = f"event {event.event_id}"
    if earlier is not None:
        before = parsed(earlier)
        if isinstance(before, ev.AwardEnded) and before.end_date != award.end_date:
            correcting += f", correcting {before.end_date} of event {earlier.event_id}"
    paid = ("the period containing its end date stands" if award.benefit == "UC"
            else "its pay date pays for days up to its end date")
    return (f"in payment: the {award.benefit} award {award.award_ref} ended on {award.end_date} ({correcting}), "
            f"and {paid} (events.md §2 award.ended: no benefit in payment after end_date): {then}")


def _missed_while_held(missed: Sequence[tuple[date, Award]], debt: Debt) -> int:
    """The instalments of ``debt`` missed (recovery-rules.md §4: "three missed instalments ... return an HB
    debt"): the person's missed instalments (:func:`_missed_instalments_counted`, from any of their legacy
    awards) on or after DMS received the debt's referral. A payment missed before the debt was held was no
    instalment of it."""
    held_from = debt_service.referral_received_date(debt)
    return sum(1 for day, _ in missed if day >= held_from)


# ---------------------------------------------------------------------------------------------- payments


def _payment(event: ev.Event, row: InboundEvent, run_date: date) -> None:
    from dms.services.recovery_payments import apply_direct_payment

    if not isinstance(event, ev.PaymentReceived):
        raise TypeError(type(event).__name__)
    apply_direct_payment(event, _person(event), run_date)


class _NoLongerApplies(Exception):
    """A debt change kept for its date whose debt is no longer held then."""


def _debt_change(event: ev.Event, row: InboundEvent, run_date: date) -> None:
    """A ``debt.revised`` or ``debt.withdrawn`` dated ahead of the run when imported, applied on its date
    (docs/events-notes.md). One whose debt has left DMS by then (returned, withdrawn) changes nothing."""
    from dms.services.events import apply_debt_change

    try:
        apply_debt_change(event, row)
    except DmsError as error:
        raise _NoLongerApplies(str(error)) from None


APPLY: dict[str, Callable[[ev.Event, InboundEvent, date], None]] = {
    "person.died": _died,
    "person.sanction": _sanction,
    "person.insolvency": _insolvency,
    "payment.received": _payment,
    "award.ended": _award_ended_late,
    "debt.revised": _debt_change,
    "debt.withdrawn": _debt_change,
}
