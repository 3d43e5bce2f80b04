"""Validate one event (a parsed JSON object) and return its typed dataclass (spec/events.md).

Every required field is checked; the first fault refuses the event with a message naming the field.
Unknown fields are ignored. Money must be a string of pounds (a JSON number is refused).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from dms.debts import Classification, DebtType
from dms.events import fields as f
from dms.events.fields import EventError
from dms.events.model import (
    AWARD_END_REASONS,
    BENEFITS,
    CLAIMANT_TYPES,
    EVENT_CREDITORS,
    INSOLVENCY_KINDS,
    MAINTENANCE_SCHEMES,
    ONGOING_CATEGORIES,
    PAY_FREQUENCIES,
    PAYMENT_CHANNELS,
    THIRD_PARTY_CATEGORIES,
    AwardChanged,
    AwardEnded,
    AwardStarted,
    AwardTermsChange,
    BenefitPaymentMissed,
    CreditorDebtTarget,
    DebtReferred,
    DebtRevised,
    DebtWithdrawn,
    Event,
    LaDebtTarget,
    LegacyTerms,
    PaymentReceived,
    PersonDied,
    PersonInsolvency,
    PersonRegistered,
    PersonSanction,
    ThirdPartyItem,
    UcAssessmentPeriod,
    UcTerms,
)
from dms.recovery.uc import first_period_start

Data = Mapping[str, Any]
Envelope = dict[str, Any]
_LA_ID = re.compile(r"[0-9]{6}")
_DEBT_REF = re.compile(r"[A-Za-z0-9/-]{1,20}")
NAME_LENGTH = 35


def _envelope(data: Data) -> Envelope:
    return {
        "event_id": f.text(data, "event_id", max_length=64),
        "type": f.choice(data, "type", tuple(PARSERS)),
        "occurred_on": f.day(data, "occurred_on"),
        "nino": f.nino(data, "nino"),
    }


def _other_nino(data: Data, name: str, env: Envelope, *, where: str = "") -> str:
    """Another person's NINO: valid, and not the event's own ``nino``."""
    value = f.nino(data, name, where=where)
    if value == env["nino"]:
        raise EventError(f"{where}{name}: {value} is the event's own nino; give the other person's NINO")
    return value


def _person_registered(data: Data, env: Envelope) -> PersonRegistered:
    born = f.day(data, "date_of_birth")
    if born > env["occurred_on"]:
        raise EventError(f"date_of_birth: {born} is after occurred_on {env['occurred_on']}: a person is registered "
                         "after they are born; check the date")
    return PersonRegistered(
        **env,
        surname=f.text(data, "surname", max_length=NAME_LENGTH),
        forenames=f.text(data, "forenames", max_length=NAME_LENGTH),
        date_of_birth=born,
    )


def _uc_terms(data: Data, env: Envelope) -> UcTerms:
    uc = f.obj(data, "uc")
    partner = _other_nino(uc, "partner_nino", env, where="uc.") if f.has(uc, "partner_nino") else None
    claimant_type = f.choice(uc, "claimant_type", CLAIMANT_TYPES, where="uc.")
    if partner is not None:
        refuse_partner_of_single(claimant_type, where="uc.")
    return UcTerms(
        claimant_type=claimant_type,
        assessment_period_day=f.whole(uc, "assessment_period_day", 1, 31, where="uc."),
        partner_nino=partner,
    )


def is_single(claimant_type: str) -> bool:
    """A single claimant's award (events.md §2 ``SINGLE_UNDER_25``, ``SINGLE_25_OR_OVER``) names no partner:
    a couple claims jointly (Universal Credit Regulations 2013 reg 3)."""
    return claimant_type.startswith("SINGLE_")


def refuse_partner_of_single(claimant_type: str, *, where: str = "") -> None:
    """A ``partner_nino`` given for a ``claimant_type`` in force is refused when that type is single."""
    if is_single(claimant_type):
        raise EventError(f"{where}partner_nino: a {claimant_type} claimant has no partner on the award; give a "
                         "JOINT claimant type for a couple, or leave partner_nino out")


def _legacy_terms(data: Data) -> LegacyTerms:
    legacy = f.obj(data, "legacy")
    return LegacyTerms(
        weekly_amount_pence=f.money(legacy, "weekly_amount", where="legacy."),
        pay_frequency=f.choice(legacy, "pay_frequency", PAY_FREQUENCIES, where="legacy."),
        first_pay_date=f.day(legacy, "first_pay_date", where="legacy."),
    )


def _award_started(data: Data, env: Envelope) -> AwardStarted:
    award_ref = f.text(data, "award_ref")
    benefit = f.choice(data, "benefit", BENEFITS)
    start_date = f.day(data, "start_date")
    if benefit == "UC":
        return AwardStarted(**env, award_ref=award_ref, benefit=benefit, start_date=start_date,
                            uc=_uc_terms(data, env))
    return AwardStarted(**env, award_ref=award_ref, benefit=benefit, start_date=start_date,
                        legacy=_legacy_terms(data))


def _flatten_award_fields(data: Data) -> dict[str, list[tuple[str, Data]]]:
    """Award fields given flat or inside ``uc`` / ``legacy`` objects, with each place each was found."""
    found: dict[str, list[tuple[str, Data]]] = {}
    for name in ("start_date", "claimant_type", "assessment_period_day", "partner_nino", "weekly_amount",
                 "pay_frequency", "first_pay_date"):
        if f.has(data, name):
            found.setdefault(name, []).append(("", data))
    for group in ("uc", "legacy"):
        if f.has(data, group):
            sub = f.obj(data, group)
            for name in sub:
                if f.has(sub, name):
                    found.setdefault(name, []).append((f"{group}.", sub))
    return found


def _one_value(name: str, places: list[tuple[str, Data]], read: Callable[[Data, str, str], Any]) -> Any:
    """The value of an ``award.changed`` field given in one or more places (flat, in ``uc``, in ``legacy``).
    events.md §1 (a malformed field refuses the event, naming it): places giving different values contradict
    each other and are refused, naming each place and value, rather than one taken quietly; the same value
    given twice means one thing and is taken."""
    values = [(where, read(sub, name, where), sub[name]) for where, sub in places]
    first_where, first, first_raw = values[0]
    for where, value, raw in values[1:]:
        if value != first:
            raise EventError(f"{first_where}{name}: given as {f.json_text(first_raw)} and as {where}{name} "
                             f"{f.json_text(raw)}; give it once, flat or inside uc/legacy, with the value in "
                             "force from occurred_on")
    return first


def _award_changed(data: Data, env: Envelope) -> AwardChanged:
    award_ref = f.text(data, "award_ref")
    if f.has(data, "benefit"):
        raise EventError("benefit: an award's benefit cannot change; end the award and start a new one")
    found = _flatten_award_fields(data)
    readers: dict[str, Callable[[Data, str, str], Any]] = {
        "start_date": lambda d, n, w: f.day(d, n, where=w),
        "claimant_type": lambda d, n, w: f.choice(d, n, CLAIMANT_TYPES, where=w),
        "assessment_period_day": lambda d, n, w: f.whole(d, n, 1, 31, where=w),
        "partner_nino": lambda d, n, w: _other_nino(d, n, env, where=w),
        "weekly_amount": lambda d, n, w: f.money(d, n, where=w),
        "pay_frequency": lambda d, n, w: f.choice(d, n, PAY_FREQUENCIES, where=w),
        "first_pay_date": lambda d, n, w: f.day(d, n, where=w),
    }
    values = {name: _one_value(name, places, readers[name]) for name, places in found.items() if name in readers}
    if not values:
        raise EventError(
            "award.changed gives no award field to change: send any of " + ", ".join(readers)
        )
    if "partner_nino" in values and "claimant_type" in values:
        refuse_partner_of_single(values["claimant_type"])
    if "weekly_amount" in values:
        values["weekly_amount_pence"] = values.pop("weekly_amount")
    return AwardChanged(**env, award_ref=award_ref, changes=AwardTermsChange(**values))


def _award_ended(data: Data, env: Envelope) -> AwardEnded:
    return AwardEnded(
        **env,
        award_ref=f.text(data, "award_ref"),
        end_date=f.day(data, "end_date"),
        reason=f.choice(data, "reason", AWARD_END_REASONS),
    )


def _third_party_item(raw: Any, index: int) -> ThirdPartyItem:
    where = f"third_party[{index}]."
    if not isinstance(raw, Mapping):
        raise EventError(f"third_party[{index}]: expected an object with category and amount")
    category = f.choice(raw, "category", THIRD_PARTY_CATEGORIES, where=where)
    ongoing = None
    if f.has(raw, "ongoing_amount"):
        if category not in ONGOING_CATEGORIES:
            raise EventError(f"{where}ongoing_amount: only fuel and water arrears ({', '.join(ONGOING_CATEGORIES)}) "
                             f"have an ongoing amount, not {category}")
        ongoing = f.money(raw, "ongoing_amount", where=where)
    scheme = None
    if category == "FLAT_RATE_MAINTENANCE":
        scheme = f.choice(raw, "scheme", MAINTENANCE_SCHEMES, where=where)
    elif f.has(raw, "scheme"):
        raise EventError(f"{where}scheme: only FLAT_RATE_MAINTENANCE has a scheme, not {category}")
    return ThirdPartyItem(category=category, amount_pence=f.money(raw, "amount", where=where),
                          ongoing_amount_pence=ongoing, scheme=scheme)


def _uc_assessment_period(data: Data, env: Envelope) -> UcAssessmentPeriod:
    period_start, period_end = f.day(data, "period_start"), f.day(data, "period_end")
    if period_end < period_start:
        raise EventError(f"period_end: {period_end} is before period_start {period_start}; report the period as UC "
                         "assessed it, ending on or after its start")
    paid = f.day(data, "payment_date")
    if paid < period_end:
        raise EventError(f"payment_date: {paid} is before period_end {period_end}: UC for an assessment period "
                         "is paid after the period ends; check the dates")
    first = first_period_start()
    if period_start < first:
        raise EventError(f"period_start: {period_start} is before {first}, the first assessment period DMS holds "
                         "the Universal Credit rates for (uc.standard_allowance, recovery-rules.md §2), so no "
                         "deduction could be worked out from it; check the date")
    raw_items = f.items(data, "third_party")
    items = tuple(_third_party_item(raw, i) for i, raw in enumerate(raw_items))
    listed: dict[str, int] = {}
    for index, item in enumerate(items):
        if item.category in listed:
            raise EventError(f"third_party[{index}].category: {item.category} is listed twice (also "
                             f"third_party[{listed[item.category]}]); a period reports each category once, with "
                             "its whole amount (recovery-rules.md §3: one Annex B item each)")
        listed[item.category] = index
    return UcAssessmentPeriod(
        **env,
        award_ref=f.text(data, "award_ref"),
        period_start=period_start,
        period_end=period_end,
        payment_date=paid,
        award_amount_pence=f.money(data, "award_amount"),
        earnings_over_work_allowance=f.flag(data, "earnings_over_work_allowance"),
        sanction_amount_pence=f.money(data, "sanction_amount"),
        fraud_penalty_amount_pence=f.money(data, "fraud_penalty_amount"),
        third_party=items,
    )


def _benefit_payment_missed(data: Data, env: Envelope) -> BenefitPaymentMissed:
    return BenefitPaymentMissed(**env, award_ref=f.text(data, "award_ref"), pay_date=f.day(data, "pay_date"))


def _person_died(data: Data, env: Envelope) -> PersonDied:
    """events.md §1: ``occurred_on`` is the date the fact took effect; a death is known on or after the day it
    happened, so a ``date_of_death`` after it is a mistyped date (held, it would stop recovery from a day to
    come)."""
    died = f.day(data, "date_of_death")
    if died > env["occurred_on"]:
        raise EventError(f"date_of_death: {died} is after occurred_on {env['occurred_on']}: a death is reported on "
                         "or after the day it happened; correct date_of_death (or occurred_on)")
    return PersonDied(**env, date_of_death=died)


def _person_sanction(data: Data, env: Envelope) -> PersonSanction:
    return PersonSanction(
        **env,
        rate_percent=f.percent(data, "rate_percent"),
        start_date=f.day(data, "start_date"),
        duration_weeks=f.whole(data, "duration_weeks", 1, 5200),
    )


def _person_insolvency(data: Data, env: Envelope) -> PersonInsolvency:
    start_date = f.day(data, "start_date")
    end_date = f.day(data, "end_date") if f.has(data, "end_date") else None
    if end_date is not None and end_date < start_date:
        raise EventError(f"end_date: {end_date} is before start_date {start_date}; give an end_date on or after "
                         f"start_date {start_date}, or leave end_date out while the end is not known")
    return PersonInsolvency(**env, kind=f.choice(data, "kind", INSOLVENCY_KINDS), start_date=start_date,
                            end_date=end_date)


def _debt_referred(data: Data, env: Envelope) -> DebtReferred:
    """A new DWP or HMRC debt (events.md §3). Its ``created_on`` may not be after the event's own
    ``occurred_on`` (events.md §1: the business date the referral took effect): a debt is created before it
    is referred, and a later ``created_on`` would place it outside the insolvencies and moratoria that began
    before its referral (recovery-rules.md §6: they include the debts that had arisen by their start).
    ``agreed_amount`` is for Social Fund loans only (events.md §3; recovery-rules.md §3 item 14): sent on any
    other debt it is refused, naming the field, rather than kept and never applied."""
    debt_type = f.choice(data, "debt_type", tuple(DebtType))
    agreed = f.money(data, "agreed_amount", positive=True) if f.has(data, "agreed_amount") else None
    if agreed is not None and debt_type != DebtType.SOCIAL_FUND_LOAN:
        raise EventError(f"agreed_amount: only a {DebtType.SOCIAL_FUND_LOAN} has an agreed amount (events.md §3), "
                         f"and this debt_type is {debt_type}: remove agreed_amount, or correct debt_type")
    created_on = f.day(data, "created_on")
    if created_on > env["occurred_on"]:
        raise EventError(f"created_on: {created_on} is after occurred_on {env['occurred_on']}: a debt is created "
                         "before it is referred; correct created_on")
    return DebtReferred(
        **env,
        creditor=f.choice(data, "creditor", EVENT_CREDITORS),
        creditor_ref=f.text(data, "creditor_ref"),
        debt_type=debt_type,
        classification=f.choice(data, "classification", tuple(Classification)),
        amount_pence=f.money(data, "amount", positive=True),
        created_on=created_on,
        joint_nino=_other_nino(data, "joint_nino", env) if f.has(data, "joint_nino") else None,
        agreed_amount_pence=agreed,
    )


def _debt_revised(data: Data, env: Envelope) -> DebtRevised:
    return DebtRevised(
        **env,
        creditor=f.choice(data, "creditor", EVENT_CREDITORS),
        creditor_ref=f.text(data, "creditor_ref"),
        amount_pence=f.money(data, "amount", positive=True),
    )


def _debt_withdrawn(data: Data, env: Envelope) -> DebtWithdrawn:
    return DebtWithdrawn(
        **env,
        creditor=f.choice(data, "creditor", EVENT_CREDITORS),
        creditor_ref=f.text(data, "creditor_ref"),
        reason=f.text(data, "reason", max_length=500),
    )


def _payment_target(data: Data) -> CreditorDebtTarget | LaDebtTarget | None:
    by_creditor = f.has(data, "creditor") or f.has(data, "creditor_ref")
    by_la = f.has(data, "la_id") or f.has(data, "debt_ref")
    if by_creditor and by_la:
        raise EventError("creditor/la_id: name one debt, either creditor+creditor_ref or la_id+debt_ref, not both")
    if by_creditor:
        return CreditorDebtTarget(creditor=f.choice(data, "creditor", EVENT_CREDITORS),
                                  creditor_ref=f.text(data, "creditor_ref"))
    if by_la:
        la_id, debt_ref = f.text(data, "la_id"), f.text(data, "debt_ref")
        if not _LA_ID.fullmatch(la_id):
            raise EventError(f"la_id: {la_id!r} is not a six-digit LA ID")
        if not _DEBT_REF.fullmatch(debt_ref):
            raise EventError(f"debt_ref: {debt_ref!r} is not 1-20 letters, digits, '/' or '-'")
        return LaDebtTarget(la_id=la_id, debt_ref=debt_ref)
    return None


def _payment_received(data: Data, env: Envelope) -> PaymentReceived:
    """A direct payment (events.md §3). Its ``received_on`` may not be after the event's own ``occurred_on``
    (events.md §1: the business date the fact took effect): a payment is reported on or after the day it was
    received, so a later ``received_on`` is a mistyped date (held, it would be applied on a day to come)."""
    received_on = f.day(data, "received_on")
    if received_on > env["occurred_on"]:
        raise EventError(f"received_on: {received_on} is after occurred_on {env['occurred_on']}: a payment is "
                         "reported on or after the day it was received; correct received_on (or occurred_on)")
    return PaymentReceived(
        **env,
        amount_pence=f.money(data, "amount", positive=True),
        received_on=received_on,
        channel=f.choice(data, "channel", PAYMENT_CHANNELS),
        target=_payment_target(data),
    )


PARSERS: dict[str, Callable[[Data, Envelope], Event]] = {
    "person.registered": _person_registered,
    "award.started": _award_started,
    "award.changed": _award_changed,
    "award.ended": _award_ended,
    "uc.assessment_period": _uc_assessment_period,
    "benefit.payment_missed": _benefit_payment_missed,
    "person.died": _person_died,
    "person.sanction": _person_sanction,
    "person.insolvency": _person_insolvency,
    "debt.referred": _debt_referred,
    "debt.revised": _debt_revised,
    "debt.withdrawn": _debt_withdrawn,
    "payment.received": _payment_received,
}
EVENT_TYPES: tuple[str, ...] = tuple(PARSERS)


def parse_event(data: object) -> Event:
    """Validate ``data`` (one parsed JSON value) as an event of spec/events.md and return its dataclass.

    Raises :class:`EventError` naming the first field at fault."""
    if not isinstance(data, Mapping):
        raise EventError(f"an event is a JSON object, got {f.json_kind(data)}")
    env = _envelope(data)
    return PARSERS[env["type"]](data, env)
