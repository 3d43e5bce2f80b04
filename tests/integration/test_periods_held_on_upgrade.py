"""Upgrading a database whose ``uc.assessment_period`` events were stored by an earlier release, before
periods were held at import (migration ``store_recovery.0004``): each waiting event is held as its period,
exactly, and every held period's event is applied; the daily run then takes it as usual (events.md §2)."""

from __future__ import annotations

import importlib
import json
from datetime import date

import pytest
from django.apps import apps
from django.db import transaction

from dms.services.events import import_events
from dms.services.recovery import deductions_step
from dms.store.models import InboundEvent
from dms.store.recovery.models import AssessmentPeriod, Deduction

pytestmark = pytest.mark.django_db

NINO = "AB123456C"


def _stored_by_an_earlier_release(event_id: str, amount: str) -> InboundEvent:
    payload = {"event_id": event_id, "type": "uc.assessment_period", "occurred_on": "2025-05-31", "nino": NINO,
               "award_ref": "UC1", "period_start": "2025-05-01", "period_end": "2025-05-31",
               "payment_date": "2025-06-07", "award_amount": amount, "earnings_over_work_allowance": False,
               "sanction_amount": "0.00", "fraud_penalty_amount": "0.00", "third_party": []}
    return InboundEvent.objects.create(event_id=event_id, type="uc.assessment_period",
                                       occurred_on=date(2025, 5, 31), nino=NINO, payload=payload,
                                       content_sha256="", applied=False)


def test_periods_stored_by_an_earlier_release_are_held_on_upgrade() -> None:
    migration = importlib.import_module("dms.store.recovery.migrations.0004_periods_held_at_import")
    report = import_events([json.dumps({
        "event_id": "start-UC1", "type": "award.started", "occurred_on": "2025-04-07", "nino": NINO,
        "award_ref": "UC1", "benefit": "UC", "start_date": "2025-04-07",
        "uc": {"claimant_type": "SINGLE_25_OR_OVER", "assessment_period_day": 1}}), json.dumps({
        "event_id": "ref-BA1", "type": "debt.referred", "occurred_on": "2025-04-08", "nino": NINO,
        "creditor": "DWP", "creditor_ref": "BA1", "debt_type": "OVERPAYMENT", "classification": "NON_FRAUD",
        "amount": "300.00", "created_on": "2025-04-01"})], source="t.jsonl")
    assert report.ok
    event = _stored_by_an_earlier_release("ap-old", "800.37")
    migration.hold_waiting_periods(apps, None)
    period = AssessmentPeriod.objects.get()
    assert (period.event_id, period.inbound_event_id, period.award_amount_pence) == ("ap-old", event.pk, 80037)
    assert InboundEvent.objects.get(pk=event.pk).applied
    migration.hold_waiting_periods(apps, None)  # nothing is held twice
    assert AssessmentPeriod.objects.count() == 1
    with transaction.atomic():
        deductions_step(date(2025, 6, 7))
    assert [d.amount_pence for d in Deduction.objects.all()] == [6002]
