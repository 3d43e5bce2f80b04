"""A reduced (affordable) rate belongs to the debt (A9/2025 §31; recovery-rules.md §4): a jointly owed debt is
recovered at its reduced rate whichever of its two debtors it is taken from, in the daily run and in the
re-rating replay alike, and whether or not its owner is due that day or in the same partition."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from django.db import transaction

from dms.services.events import import_events
from dms.services.recovery import deductions_step, life_events_step
from dms.services.rerate import rerate
from dms.store.models import Debt, Person
from dms.store.recovery.models import Deduction, ReducedRate
from dms.store.replay.models import RerateResult

pytestmark = pytest.mark.django_db

OWNER = "AB123456C"  # owes the joint debt; no benefit in payment
OTHER = "CE654321A"  # jointly liable; on UC, so the debt is recovered from their award
PAY = date(2025, 6, 7)


def _line(event_id: str, type_: str, nino: str, occurred_on: str = "2025-04-07", **fields: Any) -> str:
    return json.dumps({"event_id": event_id, "type": type_, "occurred_on": occurred_on, "nino": nino, **fields})


def _book() -> Debt:
    report = import_events([
        _line("reg-owner", "person.registered", OWNER, surname="Owen", forenames="Ann", date_of_birth="1980-01-01"),
        _line("reg-other", "person.registered", OTHER, surname="Jones", forenames="Bea", date_of_birth="1981-02-02"),
        _line("start-uc", "award.started", OTHER, award_ref="UC1", benefit="UC", start_date="2025-04-07",
              uc={"claimant_type": "SINGLE_25_OR_OVER", "assessment_period_day": 1}),
        _line("ref-joint", "debt.referred", OWNER, occurred_on="2025-04-08", creditor="DWP", creditor_ref="BA-J1",
              debt_type="OVERPAYMENT", classification="NON_FRAUD", amount="300.00", created_on="2025-04-01",
              joint_nino=OTHER),
        _line("ap1", "uc.assessment_period", OTHER, occurred_on="2025-05-31", award_ref="UC1",
              period_start="2025-05-01", period_end="2025-05-31", payment_date="2025-06-07", award_amount="800.00",
              earnings_over_work_allowance=False, sanction_amount="0.00", fraud_penalty_amount="0.00",
              third_party=[]),
    ], source="test.jsonl")
    assert report.ok, report.refused
    debt = Debt.objects.get(creditor_ref="BA-J1")
    assert debt.person.nino == OWNER and debt.joint_person is not None and debt.joint_person.nino == OTHER
    ReducedRate.objects.create(debt=debt, amount_pence=1000, until=date(2025, 9, 1), reason="affordability",
                               actor="staff", set_on=date(2025, 6, 1))
    return debt


def test_reduced_rate_of_joint_debt_used_when_recovered_from_the_other_debtor() -> None:
    debt = _book()
    with transaction.atomic():
        life_events_step(PAY)
        deductions_step(PAY)
    taken = list(Deduction.objects.filter(debt=debt))
    assert [d.amount_pence for d in taken] == [1000]


def test_reduced_rate_of_joint_debt_used_by_rerate_for_the_other_debtor() -> None:
    debt = _book()
    other = Person.objects.get(nino=OTHER)
    assert debt.person.partition != other.partition  # so one-partition chunks load them apart
    outcome = rerate(PAY, chunk_partitions=1)
    rows = list(RerateResult.objects.filter(run_id=outcome.run_id, person_id=other.pk,
                                            creditor_id=debt.creditor_id))
    assert [(r.now_pence, r.what_if_pence) for r in rows] == [(1000, 1000)]


def test_debtor_show_lists_a_joint_debt_for_the_joint_debtor() -> None:
    """A person jointly liable for a debt sees it in `dms debtor show` (``joint_debts``, with its owner's
    NINO); the owner sees it among their own ``debts``."""
    from dms.services.debtors import debtor_summary

    debt = _book()
    other = debtor_summary(OTHER)
    assert other["debts"] == [] and [(d["id"], d["ref"], d["owner_nino"], d["balance"])
                                     for d in other["joint_debts"]] == [(debt.pk, "BA-J1", OWNER, "300.00")]
    owner = debtor_summary(OWNER)
    assert [d["id"] for d in owner["debts"]] == [debt.pk] and "joint_debts" not in owner


def test_set_rate_by_reference_finds_a_joint_debt_for_the_joint_debtor() -> None:
    """`dms debtor set-rate NINO --debt REF`: a debt held jointly is the joint debtor's debt too (as by id)."""
    from dms.services.recovery_staff import set_reduced_rate

    debt = _book()
    result = set_reduced_rate(OTHER, "BA-J1", "5.00", date(2025, 10, 1), "affordability", "staff",
                              on=date(2025, 6, 2))
    assert result.debt_id == debt.pk and result.amount_pence == 500


def test_on_a_joint_uc_award_a_reduced_rate_on_the_partners_debt_limits_what_the_award_takes_for_debts() -> None:
    """A9/2025 §31 and the **Decision** in docs/recovery-notes.md "Reduced (affordable) rates": a joint award is
    the couple's one income, so £15.00 a period set on the partner's overpayment limits what the award takes
    for all the debts it recovers: the holder's advance (item 3, first in Annex B order) takes the £15.00 and
    the partner's overpayment nothing, not the £94.21 cap, in the daily run and in ``dms rerate`` alike."""
    from dms.services.recovery_staff import set_reduced_rate

    holder, partner = "JC111111A", "JE222222B"
    report = import_events([
        _line("start-uc", "award.started", holder, award_ref="UC1", benefit="UC", start_date="2025-04-07",
              uc={"claimant_type": "JOINT_25_OR_OVER", "assessment_period_day": 1, "partner_nino": partner}),
        _line("ref-adv", "debt.referred", holder, occurred_on="2025-04-08", creditor="DWP", creditor_ref="ADV",
              debt_type="UC_ADVANCE_NEW_CLAIM", classification="NON_FRAUD", amount="500.00", created_on="2025-04-01"),
        _line("ref-op", "debt.referred", partner, occurred_on="2025-04-08", creditor="DWP", creditor_ref="OP",
              debt_type="OVERPAYMENT", classification="NON_FRAUD", amount="500.00", created_on="2025-04-01"),
        _line("ap1", "uc.assessment_period", holder, occurred_on="2025-05-31", award_ref="UC1",
              period_start="2025-05-01", period_end="2025-05-31", payment_date="2025-06-07", award_amount="1200.00",
              earnings_over_work_allowance=False, sanction_amount="0.00", fraud_penalty_amount="0.00",
              third_party=[]),
    ], source="test.jsonl")
    assert report.ok, report.refused
    set_reduced_rate(partner, "OP", "15.00", date(2025, 9, 1), "affordability request", "staff", on=date(2025, 6, 1))
    outcome = rerate(PAY)
    assert sum(RerateResult.objects.filter(run_id=outcome.run_id).values_list("now_pence", flat=True)) == 1500
    with transaction.atomic():
        life_events_step(PAY)
        deductions_step(PAY)
    taken = list(Deduction.objects.order_by("id"))
    assert [(d.ref, d.amount_pence) for d in taken] == [("ADV", 1500)]
    assert "a reduced rate set by staff on debt OP (set by staff, review date 2025-09-01) limits what is taken " \
           "for debts this period to £15.00" in taken[0].explanation
