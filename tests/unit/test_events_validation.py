"""Validation of every event type of spec/events.md: good events become typed dataclasses; a missing or
malformed required field refuses the event with a message naming the field."""

from __future__ import annotations

import copy
import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from dms import events as ev
from dms.events import EventError, parse_event

NINO = "AB123456C"
OTHER = "CE123456A"


def envelope(type_: str, **fields: Any) -> dict[str, Any]:
    return {"event_id": "e-1", "type": type_, "occurred_on": "2025-04-07", "nino": NINO, **fields}


GOOD: dict[str, dict[str, Any]] = {
    "person.registered": envelope("person.registered", surname="Jones", forenames="Sam", date_of_birth="1980-01-02"),
    "award.started": envelope(
        "award.started", award_ref="UC1", benefit="UC", start_date="2025-04-07",
        uc={"claimant_type": "JOINT_25_OR_OVER", "assessment_period_day": 7, "partner_nino": OTHER},
    ),
    "award.changed": envelope("award.changed", award_ref="UC1", uc={"claimant_type": "SINGLE_25_OR_OVER"}),
    "award.ended": envelope("award.ended", award_ref="UC1", end_date="2025-06-30", reason="AWARD_ENDED"),
    "uc.assessment_period": envelope(
        "uc.assessment_period", award_ref="UC1", period_start="2025-04-07", period_end="2025-05-06",
        payment_date="2025-05-13", award_amount="400.14", earnings_over_work_allowance=False,
        sanction_amount="0.00", fraud_penalty_amount="0.00",
        third_party=[
            {"category": "GAS_ARREARS", "amount": "20.05", "ongoing_amount": "31.00"},
            {"category": "FLAT_RATE_MAINTENANCE", "amount": "36.40", "scheme": "2012"},
        ],
    ),
    "benefit.payment_missed": envelope("benefit.payment_missed", award_ref="JSA1", pay_date="2025-04-14"),
    "person.died": envelope("person.died", date_of_death="2025-04-06"),
    "person.sanction": envelope("person.sanction", rate_percent=100, start_date="2025-04-07", duration_weeks=13),
    "person.insolvency": envelope("person.insolvency", kind="DEBT_RELIEF_ORDER", start_date="2025-04-07"),
    "debt.referred": envelope(
        "debt.referred", creditor="DWP", creditor_ref="SF-1", debt_type="SOCIAL_FUND_LOAN",
        classification="NON_FRAUD", amount="250.00", created_on="2025-03-01", joint_nino=OTHER,
        agreed_amount="20.00",
    ),
    "debt.revised": envelope("debt.revised", creditor="HMRC", creditor_ref="TC-1", amount="99.99"),
    "debt.withdrawn": envelope("debt.withdrawn", creditor="DWP", creditor_ref="SF-1", reason="sent in error"),
    "payment.received": envelope(
        "payment.received", amount="10.00", received_on="2025-04-07", channel="CARD", creditor="DWP",
        creditor_ref="SF-1",
    ),
}


def good(type_: str, **changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(GOOD[type_])
    data.update(changes)
    return data


def without(type_: str, name: str) -> dict[str, Any]:
    data = copy.deepcopy(GOOD[type_])
    del data[name]
    return data


def refused(data: object, field: str) -> str:
    with pytest.raises(EventError) as caught:
        parse_event(data)
    assert field in str(caught.value)
    return str(caught.value)


def test_every_event_type_of_the_spec_has_a_good_example() -> None:
    assert set(GOOD) == set(ev.EVENT_TYPES)
    for data in GOOD.values():
        assert parse_event(data).type == data["type"]


# ------------------------------------------------------------------------------------------------ envelope


@pytest.mark.parametrize("name", ["event_id", "type", "occurred_on", "nino"])
def test_envelope_missing_field_refused_naming_it(name: str) -> None:
    refused(without("person.died", name), name)


@pytest.mark.parametrize(
    ("name", "value"),
    [("event_id", ""), ("event_id", "x" * 65), ("event_id", 17), ("type", "person.born"),
     ("occurred_on", "07/04/2025"), ("occurred_on", "2025-02-30"), ("nino", "AB 12 34 56 C"),
     ("nino", "QQ123456C"), ("nino", "AB123456E")],
)
def test_envelope_malformed_field_refused_naming_it(name: str, value: Any) -> None:
    refused(good("person.died", **{name: value}), name)


def test_event_id_of_64_characters_accepted() -> None:
    assert parse_event(good("person.died", event_id="x" * 64)).event_id == "x" * 64


def test_event_must_be_a_json_object() -> None:
    with pytest.raises(EventError, match="JSON object"):
        parse_event(["not", "an", "object"])


def test_unknown_fields_are_ignored() -> None:
    event = parse_event(good("person.died", colour="blue", extra={"a": 1}))
    assert isinstance(event, ev.PersonDied) and event.date_of_death == date(2025, 4, 6)


def test_events_are_frozen_dataclasses() -> None:
    event = parse_event(GOOD["person.died"])
    with pytest.raises(AttributeError):
        event.nino = OTHER  # type: ignore[misc]


# ------------------------------------------------------------------------------------------------ money


@pytest.mark.parametrize("value", [250, 250.0, Decimal("250.00"), "250", "250.0", "£250.00", "-250.00", "1e2"])
def test_money_as_json_number_or_not_two_decimals_refused(value: Any) -> None:
    refused(good("debt.referred", amount=value), "amount")


def test_money_is_returned_in_pence() -> None:
    event = parse_event(GOOD["debt.referred"])
    assert isinstance(event, ev.DebtReferred)
    assert (event.amount_pence, event.agreed_amount_pence) == (25000, 2000)


def test_debt_amount_of_zero_refused() -> None:
    refused(good("debt.referred", amount="0.00"), "amount")


# ------------------------------------------------------------------------------------------------ people


def test_person_registered_parsed() -> None:
    event = parse_event(GOOD["person.registered"])
    assert event == ev.PersonRegistered(event_id="e-1", type="person.registered", occurred_on=date(2025, 4, 7),
                                        nino=NINO, surname="Jones", forenames="Sam", date_of_birth=date(1980, 1, 2))


@pytest.mark.parametrize("name", ["surname", "forenames", "date_of_birth"])
def test_person_registered_missing_field_refused(name: str) -> None:
    refused(without("person.registered", name), name)


def test_person_registered_name_longer_than_35_refused() -> None:
    refused(good("person.registered", surname="x" * 36), "surname")


def test_person_died_bad_date_refused() -> None:
    refused(good("person.died", date_of_death="yesterday"), "date_of_death")


def test_person_sanction_parsed_with_exact_rate() -> None:
    event = parse_event(good("person.sanction", rate_percent="40.5"))
    assert isinstance(event, ev.PersonSanction) and event.rate_percent == Decimal("40.5")


@pytest.mark.parametrize(("name", "value"), [("rate_percent", 0), ("rate_percent", 101), ("rate_percent", "all"),
                                             ("rate_percent", True), ("duration_weeks", 0),
                                             ("duration_weeks", "13"), ("start_date", "2025-13-01")])
def test_person_sanction_malformed_field_refused(name: str, value: Any) -> None:
    refused(good("person.sanction", **{name: value}), name)


def test_person_insolvency_optional_end_date() -> None:
    event = parse_event(good("person.insolvency", end_date="2025-06-05"))
    assert isinstance(event, ev.PersonInsolvency) and event.end_date == date(2025, 6, 5)
    assert isinstance(parse_event(GOOD["person.insolvency"]), ev.PersonInsolvency)


@pytest.mark.parametrize(("name", "value"), [("kind", "BROKE"), ("end_date", "2025-01-01"), ("start_date", None)])
def test_person_insolvency_malformed_field_refused(name: str, value: Any) -> None:
    refused(good("person.insolvency", **{name: value}), name)


# ------------------------------------------------------------------------------------------------ awards


def test_award_started_uc_terms() -> None:
    event = parse_event(GOOD["award.started"])
    assert isinstance(event, ev.AwardStarted) and event.legacy is None
    assert event.uc == ev.UcTerms(claimant_type="JOINT_25_OR_OVER", assessment_period_day=7, partner_nino=OTHER)


def test_award_started_legacy_terms() -> None:
    data = good("award.started", benefit="JSA", legacy={"weekly_amount": "90.50", "pay_frequency": "FORTNIGHTLY",
                                                       "first_pay_date": "2025-04-21"})
    del data["uc"]
    event = parse_event(data)
    assert isinstance(event, ev.AwardStarted) and event.uc is None
    assert event.legacy == ev.LegacyTerms(weekly_amount_pence=9050, pay_frequency="FORTNIGHTLY",
                                          first_pay_date=date(2025, 4, 21))


def test_award_started_legacy_benefit_without_legacy_terms_refused() -> None:
    refused(good("award.started", benefit="ESA"), "legacy")


@pytest.mark.parametrize(
    ("uc", "field"),
    [({"assessment_period_day": 7}, "uc.claimant_type"),
     ({"claimant_type": "COUPLE", "assessment_period_day": 7}, "uc.claimant_type"),
     ({"claimant_type": "SINGLE_UNDER_25", "assessment_period_day": 32}, "uc.assessment_period_day"),
     ({"claimant_type": "SINGLE_UNDER_25", "assessment_period_day": "7"}, "uc.assessment_period_day"),
     ({"claimant_type": "SINGLE_UNDER_25", "assessment_period_day": 7, "partner_nino": NINO}, "uc.partner_nino"),
     ({"claimant_type": "SINGLE_UNDER_25", "assessment_period_day": 7, "partner_nino": "X"}, "uc.partner_nino")],
)
def test_award_started_bad_uc_terms_refused(uc: dict[str, Any], field: str) -> None:
    refused(good("award.started", uc=uc), field)


@pytest.mark.parametrize(
    ("legacy", "field"),
    [({"weekly_amount": 90.5, "pay_frequency": "WEEKLY", "first_pay_date": "2025-04-14"}, "legacy.weekly_amount"),
     ({"weekly_amount": "90.50", "pay_frequency": "DAILY", "first_pay_date": "2025-04-14"}, "legacy.pay_frequency"),
     ({"weekly_amount": "90.50", "pay_frequency": "WEEKLY"}, "legacy.first_pay_date")],
)
def test_award_started_bad_legacy_terms_refused(legacy: dict[str, Any], field: str) -> None:
    refused(good("award.started", benefit="PC", legacy=legacy), field)


@pytest.mark.parametrize(("name", "value"), [("benefit", "HB"), ("award_ref", ""), ("start_date", "2025-4-7")])
def test_award_started_malformed_field_refused(name: str, value: Any) -> None:
    refused(good("award.started", **{name: value}), name)


def test_award_changed_reads_fields_flat_or_nested() -> None:
    event = parse_event(good("award.changed", uc=None, assessment_period_day=15,
                             legacy={"weekly_amount": "12.00"}))
    assert isinstance(event, ev.AwardChanged)
    assert event.changes.as_dict() == {"assessment_period_day": 15, "weekly_amount_pence": 1200}


def test_award_changed_with_no_field_refused() -> None:
    refused(good("award.changed", uc=None), "award.changed gives no award field")


@pytest.mark.parametrize(("extra", "field"), [({"benefit": "JSA"}, "benefit"),
                                              ({"uc": {"assessment_period_day": 0}}, "uc.assessment_period_day"),
                                              ({"pay_frequency": "YEARLY"}, "pay_frequency"),
                                              ({"partner_nino": NINO}, "partner_nino")])
def test_award_changed_malformed_field_refused(extra: dict[str, Any], field: str) -> None:
    refused(good("award.changed", **extra), field)


@pytest.mark.parametrize(("name", "value"), [("reason", "DIED"), ("end_date", None), ("award_ref", None)])
def test_award_ended_malformed_field_refused(name: str, value: Any) -> None:
    refused(good("award.ended", **{name: value}), name)


def test_benefit_payment_missed_parsed_and_pay_date_required() -> None:
    event = parse_event(GOOD["benefit.payment_missed"])
    assert isinstance(event, ev.BenefitPaymentMissed) and event.pay_date == date(2025, 4, 14)
    refused(without("benefit.payment_missed", "pay_date"), "pay_date")


# ------------------------------------------------------------------------------------------------ assessment period


def test_uc_assessment_period_parsed_with_third_party_items() -> None:
    event = parse_event(GOOD["uc.assessment_period"])
    assert isinstance(event, ev.UcAssessmentPeriod)
    assert event.award_amount_pence == 40014 and event.earnings_over_work_allowance is False
    assert event.third_party == (
        ev.ThirdPartyItem(category="GAS_ARREARS", amount_pence=2005, ongoing_amount_pence=3100),
        ev.ThirdPartyItem(category="FLAT_RATE_MAINTENANCE", amount_pence=3640, scheme="2012"),
    )


@pytest.mark.parametrize("name", ["award_ref", "period_start", "period_end", "payment_date", "award_amount",
                                  "earnings_over_work_allowance", "sanction_amount", "fraud_penalty_amount",
                                  "third_party"])
def test_uc_assessment_period_missing_field_refused(name: str) -> None:
    refused(without("uc.assessment_period", name), name)


@pytest.mark.parametrize(("name", "value"), [("earnings_over_work_allowance", "no"), ("sanction_amount", 0),
                                             ("period_end", "2025-04-01"), ("third_party", {"category": "FINES"})])
def test_uc_assessment_period_malformed_field_refused(name: str, value: Any) -> None:
    refused(good("uc.assessment_period", **{name: value}), name)


@pytest.mark.parametrize(
    ("item", "field"),
    [({"category": "PARKING", "amount": "1.00"}, "third_party[0].category"),
     ({"category": "FINES"}, "third_party[0].amount"),
     ({"category": "FINES", "amount": 5}, "third_party[0].amount"),
     ({"category": "RENT_ARREARS", "amount": "5.00", "ongoing_amount": "1.00"}, "third_party[0].ongoing_amount"),
     ({"category": "WATER_ARREARS", "amount": "5.00", "ongoing_amount": 1}, "third_party[0].ongoing_amount"),
     ({"category": "FLAT_RATE_MAINTENANCE", "amount": "21.67"}, "third_party[0].scheme"),
     ({"category": "FLAT_RATE_MAINTENANCE", "amount": "21.67", "scheme": 2003}, "third_party[0].scheme"),
     ({"category": "FINES", "amount": "5.00", "scheme": "2012"}, "third_party[0].scheme"),
     ("FINES", "third_party[0]")],
)
def test_uc_assessment_period_bad_third_party_item_refused(item: Any, field: str) -> None:
    refused(good("uc.assessment_period", third_party=[item]), field)


@pytest.mark.parametrize(("type_", "changes", "message"), [
    ("uc.assessment_period",
     {"third_party": [{"category": "FLAT_RATE_MAINTENANCE", "amount": "36.40", "scheme": 2012}]},
     'third_party[0].scheme: 2012 is a JSON number; write it as a string: "2012"'),
    ("uc.assessment_period",
     {"third_party": [{"category": "FLAT_RATE_MAINTENANCE", "amount": "36.40", "scheme": 2013}]},
     "third_party[0].scheme: expected a string, one of 1993, 2003, 2012, not a JSON number (2013)"),
    ("debt.referred", {"classification": True},
     "classification: expected a string, one of FRAUD, NON_FRAUD, not a JSON boolean (true)"),
    ("award.started", {"benefit": ["UC"]},
     "benefit: expected a string, one of UC, IS, ... not a JSON list"),
    ("person.insolvency", {"kind": {"code": "IVA"}}, "kind: expected a string, one of BANKRUPTCY, ... not a JSON object"),
])
def test_a_choice_field_that_is_not_a_json_string_is_refused_saying_it_must_be_a_string(
        type_: str, changes: dict[str, Any], message: str) -> None:
    """events.md §2 (``scheme``: ``1993``, ``2003``, ``2012``) and §1 (a malformed field is refused with a message
    naming it): every field taking one of a list of values takes it as a JSON string, as money does. A JSON
    number, boolean, list or object is refused saying so (a number that would be right as a string is
    shown written as one), not as a value missing from the list it seems to be in."""
    start, _, end = message.partition(" ... ")
    text = refused(good(type_, **changes), message.split(":")[0])
    assert text.startswith(start) and text.endswith(end)


def test_uc_assessment_period_ongoing_amount_for_electricity_and_water() -> None:
    event = parse_event(good("uc.assessment_period", third_party=[
        {"category": "ELECTRICITY_ARREARS", "amount": "20.05", "ongoing_amount": "10.00"},
        {"category": "WATER_ARREARS", "amount": "20.05"}]))
    assert isinstance(event, ev.UcAssessmentPeriod)
    assert [i.ongoing_amount_pence for i in event.third_party] == [1000, None]


def test_uc_assessment_period_repeating_a_third_party_category_refused() -> None:
    """recovery-rules.md §3: each category is one Annex B item, taken once a period; a period listing one twice
    cannot be worked out, so it is refused at import rather than stopping the daily run."""
    message = refused(good("uc.assessment_period", third_party=[
        {"category": "GAS_ARREARS", "amount": "20.05"}, {"category": "FINES", "amount": "5.00"},
        {"category": "GAS_ARREARS", "amount": "20.05"}]), "third_party[2].category")
    assert "listed twice" in message and "third_party[0]" in message


def test_uc_assessment_period_before_the_first_standard_allowance_refused() -> None:
    """recovery-rules.md §2: DMS holds the standard allowance from 2024-04-08; a period starting before it has
    no rates to work its deductions out with, so it is refused at import, naming the first date."""
    message = refused(good("uc.assessment_period", period_start="2024-03-01", period_end="2024-03-31",
                           payment_date="2024-04-07"), "period_start")
    assert "2024-04-08" in message
    event = parse_event(good("uc.assessment_period", period_start="2024-04-08", period_end="2024-05-07",
                             payment_date="2024-05-14"))
    assert isinstance(event, ev.UcAssessmentPeriod)


# ------------------------------------------------------------------------------------------------ debts


def test_debt_referred_parsed_with_joint_nino_and_agreed_amount() -> None:
    event = parse_event(GOOD["debt.referred"])
    assert isinstance(event, ev.DebtReferred)
    assert (event.creditor, event.debt_type, event.joint_nino) == ("DWP", "SOCIAL_FUND_LOAN", OTHER)


def test_debt_referred_optional_fields_may_be_absent() -> None:
    data = without("debt.referred", "joint_nino")
    del data["agreed_amount"]
    event = parse_event(data)
    assert isinstance(event, ev.DebtReferred) and event.joint_nino is None and event.agreed_amount_pence is None


@pytest.mark.parametrize("name", ["creditor", "creditor_ref", "debt_type", "classification", "amount", "created_on"])
def test_debt_referred_missing_field_refused(name: str) -> None:
    refused(without("debt.referred", name), name)


@pytest.mark.parametrize(("name", "value"), [("creditor", "LA"), ("debt_type", "PARKING_FINE"),
                                             ("classification", "fraud"), ("joint_nino", NINO),
                                             ("joint_nino", "AB123"), ("agreed_amount", 20),
                                             ("creditor_ref", "r" * 65)])
def test_debt_referred_malformed_field_refused(name: str, value: Any) -> None:
    refused(good("debt.referred", **{name: value}), name)


def test_agreed_amount_only_on_a_social_fund_loan() -> None:
    """events.md §3: ``agreed_amount`` is "for Social Fund loans" (recovery-rules.md §3 item 14). Sent on any
    other debt it would be kept and never applied, so the event is refused naming the field and the fix."""
    message = refused(good("debt.referred", debt_type="OVERPAYMENT"), "agreed_amount")
    assert message == ("agreed_amount: only a SOCIAL_FUND_LOAN has an agreed amount (events.md §3), and "
                       "this debt_type is OVERPAYMENT: remove agreed_amount, or correct debt_type")
    assert parse_event(good("debt.referred")).agreed_amount_pence == 2000


def test_created_on_after_occurred_on_is_refused_naming_created_on() -> None:
    """events.md §1 (``occurred_on``: when the fact took effect) and §3 (``created_on``): a debt is created
    before it is referred, so a referral whose ``created_on`` is after its own ``occurred_on`` contradicts
    itself and is refused, saying which field to correct. The same day is a debt referred when created."""
    message = refused(good("debt.referred", occurred_on="2026-01-01", created_on="2026-06-01"), "created_on")
    assert message == ("created_on: 2026-06-01 is after occurred_on 2026-01-01: a debt is created before it is "
                       "referred; correct created_on")
    event = parse_event(good("debt.referred", occurred_on="2026-01-01", created_on="2026-01-01"))
    assert isinstance(event, ev.DebtReferred) and event.created_on == date(2026, 1, 1)


def test_payment_received_after_occurred_on_is_refused_naming_received_on() -> None:
    """events.md §1 (``occurred_on``: the business date the fact took effect) and §3 (``payment.received``,
    ``received_on``): a payment is reported on or after the day it was received, so one whose ``received_on``
    is after its own ``occurred_on`` contradicts itself (a mistyped date: held, it would be applied on a day
    to come) and is refused, saying which field to correct. The same day, or a payment reported late, is
    taken."""
    message = refused(good("payment.received", occurred_on="2026-02-01", received_on="2026-03-01"), "received_on")
    assert message == ("received_on: 2026-03-01 is after occurred_on 2026-02-01: a payment is reported on or after "
                       "the day it was received; correct received_on (or occurred_on)")
    for received in ("2026-02-01", "2026-01-20"):
        event = parse_event(good("payment.received", occurred_on="2026-02-01", received_on=received))
        assert isinstance(event, ev.PaymentReceived) and event.received_on == date.fromisoformat(received)


@pytest.mark.parametrize("name", ["creditor", "creditor_ref", "amount"])
def test_debt_revised_missing_field_refused(name: str) -> None:
    refused(without("debt.revised", name), name)


def test_debt_revised_parsed() -> None:
    event = parse_event(GOOD["debt.revised"])
    assert isinstance(event, ev.DebtRevised) and event.amount_pence == 9999


@pytest.mark.parametrize("name", ["creditor", "creditor_ref", "reason"])
def test_debt_withdrawn_missing_field_refused(name: str) -> None:
    refused(without("debt.withdrawn", name), name)


# ------------------------------------------------------------------------------------------------ payments


def test_payment_received_targets() -> None:
    event = parse_event(GOOD["payment.received"])
    assert isinstance(event, ev.PaymentReceived)
    assert event.target == ev.CreditorDebtTarget(creditor="DWP", creditor_ref="SF-1")
    data = without("payment.received", "creditor")
    del data["creditor_ref"]
    event = parse_event(data)
    assert isinstance(event, ev.PaymentReceived) and event.target is None
    event = parse_event({**data, "la_id": "005920", "debt_ref": "HB/778812/1"})
    assert isinstance(event, ev.PaymentReceived)
    assert event.target == ev.LaDebtTarget(la_id="005920", debt_ref="HB/778812/1")


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"channel": "CASH"}, "channel"), ({"amount": "0.00"}, "amount"), ({"received_on": "2025-4-7"}, "received_on"),
     ({"creditor_ref": None}, "creditor_ref"), ({"la_id": "005920", "debt_ref": "X"}, "la_id"),
     ({"creditor": None, "creditor_ref": None, "la_id": "5920", "debt_ref": "X"}, "la_id"),
     ({"creditor": None, "creditor_ref": None, "la_id": "005920"}, "debt_ref")],
)
def test_payment_received_malformed_field_refused(changes: dict[str, Any], field: str) -> None:
    refused(good("payment.received", **changes), field)


def test_refusals_name_json_kinds_not_python_types() -> None:
    """README: errors say what is wrong in the sender's terms: JSON's names (array, string, null, number),
    not the reader's types."""
    for data, said in (([1], "got an array"), ("s", "got a string"), (None, "got null")):
        with pytest.raises(EventError, match=said):
            parse_event(data)
    assert "got a number" in refused(good("person.registered", event_id=5), "event_id")
    assert "got an object" in refused(good("person.registered", surname={"x": 1}), "surname")


def read_json(text: str) -> Any:
    """A JSON value read as ``dms events import`` reads it: a number with a fraction or an exponent as an
    exact Decimal (services.events.read_line)."""
    return json.loads(text, parse_float=Decimal)


@pytest.mark.parametrize(("type_", "field", "written", "message"), [
    ("person.sanction", "duration_weeks", "13.0",
     "duration_weeks: 13.0 is written with a fraction or an exponent, but this field takes a "
     "JSON integer; write it as 13"),
    ("person.sanction", "duration_weeks", "1e2",
     "duration_weeks: 1E+2 is written with a fraction or an exponent, but this field takes a "
     "JSON integer; write it as 100"),
    ("person.sanction", "duration_weeks", "2.5",
     "duration_weeks: expected a whole number from 1 to 5200, got 2.5; write it as a JSON integer such as 13, "
     "with no quotes, fraction or exponent"),
    ("person.sanction", "duration_weeks", '"13"',
     'duration_weeks: expected a whole number from 1 to 5200, got "13"; write it as a JSON integer such as 13, '
     "with no quotes, fraction or exponent"),
    ("person.sanction", "duration_weeks", "true",
     "duration_weeks: expected a whole number from 1 to 5200, got true; write it as a JSON integer such as 13, "
     "with no quotes, fraction or exponent"),
    ("award.changed", "assessment_period_day", "7.00",
     "assessment_period_day: 7.00 is written with a fraction or an exponent, but this field takes a "
     "JSON integer; write it as 7"),
    ("person.sanction", "duration_weeks", "1e0",
     "duration_weeks: 1E+0 is written with a fraction or an exponent, but this field takes a "
     "JSON integer; write it as 1"),
    ("person.sanction", "duration_weeks", "1.3e1",
     "duration_weeks: 1.3E+1 is written with a fraction or an exponent, but this field takes a "
     "JSON integer; write it as 13"),
])
def test_a_whole_number_written_otherwise_is_refused_quoting_it_as_json_and_saying_how_to_write_it(
        type_: str, field: str, written: str, message: str) -> None:
    """events.md §1 (a malformed field is refused with a message naming the field) and README (errors say
    what is wrong, where, and how to put it right): a field taking a whole number (a sanction's
    ``duration_weeks``, a UC award's ``assessment_period_day``) written with a fraction or an exponent, or
    as a string or boolean, is refused quoting the value as JSON writes it, never as Python's
    ``Decimal('13.0')``, and saying how to write it."""
    text = refused(good(type_, **{field: read_json(written)}), field)
    assert text.endswith(message), text
    assert "Decimal(" not in text and "'" not in text


@pytest.mark.parametrize(("type_", "field", "written", "shown"), [
    ("uc.assessment_period", "earnings_over_work_allowance", '"no"', 'got "no"'),
    ("uc.assessment_period", "earnings_over_work_allowance", "1.0", "got 1.0"),
    ("person.sanction", "rate_percent", "true", "got true"),
    ("person.sanction", "rate_percent", "[100]", "got [100]"),
    ("person.sanction", "rate_percent", "1e-400", "1E-400 is not a percentage"),
    ("person.sanction", "rate_percent", '"33.333"', '"33.333" is not a percentage'),
    ("debt.revised", "amount", "[1.5]", "not a JSON value ([1.5])"),
    ("debt.revised", "amount", '{"pounds": 1.5}', 'not a JSON value ({"pounds": 1.5})'),
    ("debt.revised", "amount", "false", "not a JSON value (false)"),
])
def test_a_refused_value_is_quoted_as_json_writes_it_not_as_python_writes_it(
        type_: str, field: str, written: str, shown: str) -> None:
    """README (errors say what is wrong in the sender's terms): every field reader quotes the value it
    refuses as JSON (``true``, ``[1.5]``, ``"no"``), not as Python's repr (``True``, ``[Decimal('1.5')]``,
    ``'no'``)."""
    text = refused(good(type_, **{field: read_json(written)}), field)
    assert shown in text, text
    assert "Decimal(" not in text and "True" not in text and "False" not in text


def test_a_long_value_refused_is_quoted_cut_short() -> None:
    text = refused(good("person.sanction", duration_weeks=["x" * 200]), "duration_weeks")
    assert 'got ["xxxx' in text and "..." in text and len(text) < 200
