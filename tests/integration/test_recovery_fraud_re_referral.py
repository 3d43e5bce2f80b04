"""A FRAUD HB debt re-referred after a return keeps its first referral's received date for the order of
recovery only (hb-debt-interface.md §6.4): whether DMS had received it by a date is its own referral's receipt
(§4.1 ReferralReceivedDate), for a UC period reported late (events.md §2; docs/events-notes.md "A UC period
reported after its payment date"), and for a sanction reported after it ended (events.md §2 ``person.sanction``;
docs/la-interface-notes.md)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from la_files import la, received

from dms.la_interface import build
from dms.ledger import AccountKey, AccountKind
from dms.services.daily_run import run_through
from dms.services.events import import_events
from dms.services.rerate import rerate
from dms.store.la.models import Cessation
from dms.store.ledger import account_balance, check_ledger
from dms.store.models import Debt
from dms.store.recovery.models import Deduction
from dms.store.replay.models import RerateResult

pytestmark = pytest.mark.django_db
NINO = "AB123456C"


@pytest.fixture
def folder(data_dir: Path) -> Path:
    path = data_dir / "incoming"
    path.mkdir()
    return path


def _events(*records: dict) -> None:
    report = import_events([json.dumps(r) for r in records], source="test.jsonl")
    assert report.ok, report.refused


def _uc_award() -> None:
    _events({"event_id": "uc", "type": "award.started", "occurred_on": "2025-04-07", "nino": NINO,
             "award_ref": "UC1", "benefit": "UC", "start_date": "2025-04-07",
             "uc": {"claimant_type": "SINGLE_25_OR_OVER", "assessment_period_day": 28}})


def _refer(folder: Path, day: date, amount: int, classification: str) -> None:
    received(folder, "LAREF", [build.referral("HB/1", NINO, amount, created=date(day.year, day.month, 1),
                                              classification=classification)], day=day)


def _recall_and_re_refer(folder: Path, referred: date, recalled: date, re_referred: date,
                         classification: str) -> Debt:
    """HB/1 (£500.00) referred on ``referred``, recalled on ``recalled`` (ceasing 5 days later), re-referred
    (£400.00) on ``re_referred``, each day run; returns the new debt."""
    la()
    _uc_award()
    _refer(folder, referred, 50_000, classification)
    run_through(referred)
    received(folder, "LAREC", [build.recall("HB/1", NINO)], day=recalled)
    run_through(re_referred - date.resolution)
    _refer(folder, re_referred, 40_000, classification)
    run_through(re_referred)
    new = Debt.objects.filter(creditor_ref="HB/1").order_by("-receipt_seq").first()
    assert new.status == "OPEN" and new.referral_received_on == re_referred
    assert new.received_on == (referred if classification == "FRAUD" else re_referred)  # §6.4 order
    return new


def _balance(debt: Debt) -> int:
    return account_balance(AccountKey(AccountKind.RECEIVABLE, debt.pk))


@pytest.mark.parametrize("classification", ["FRAUD", "NON_FRAUD"])
def test_fraud_re_referral_late_period_paid_before_it_was_received_takes_nothing_for_it(
        folder: Path, classification: str) -> None:
    """events.md §2 ``uc.assessment_period`` (deductions are worked out on ``payment_date``) with
    hb-debt-interface.md §6.4 (a re-referred fraud debt keeps its first received date for the order of recovery
    only) and §6.5 (a recall stops new deductions from its processing date): HB/1 referred 2025-10-01, recalled
    2025-10-02, re-referred 2025-10-08; the UC period paid 2025-10-05 is reported on 2025-10-09. On its payment
    date DMS held no HB debt in recovery (docs/events-notes.md: "only the debts DMS had received by that date
    take from it"), so nothing is taken, FRAUD or not, by the run and by ``dms rerate`` alike."""
    new = _recall_and_re_refer(folder, date(2025, 10, 1), date(2025, 10, 2), date(2025, 10, 8), classification)
    _events({"event_id": "ap", "type": "uc.assessment_period", "occurred_on": "2025-10-09", "nino": NINO,
             "award_ref": "UC1", "period_start": "2025-08-28", "period_end": "2025-09-27",
             "payment_date": "2025-10-05", "award_amount": "800.00", "earnings_over_work_allowance": False,
             "sanction_amount": "0.00", "fraud_penalty_amount": "0.00", "third_party": []})
    outcome = rerate(date(2025, 10, 9))
    assert not RerateResult.objects.filter(run_id=outcome.run_id, now_pence__gt=0).exists()
    run_through(date(2025, 10, 9))
    assert not Deduction.objects.filter(status="TAKEN").exists()
    assert _balance(new) == 40_000
    assert check_ledger().ok


@pytest.mark.parametrize("classification", ["FRAUD", "NON_FRAUD"])
def test_fraud_re_referral_after_a_sanction_ended_is_not_returned_by_its_late_report(
        folder: Path, classification: str) -> None:
    """events.md §2 ``person.sanction`` (a 100% sanction of 13 weeks or more returns the HB debts, SANCTION)
    with hb-debt-interface.md §6.4 (the first received date orders recovery only) and docs/la-interface-notes.md
    ("reported after it ended, it does not return a debt referred after that, which stays in recovery"): HB/1
    referred 2025-06-02, recalled 2025-06-03, re-referred 2025-09-15; a 100% sanction from 2025-06-10 for 13
    weeks (to 2025-09-08) reported on 2025-09-20 leaves the re-referred debt in recovery, with no cessation."""
    new = _recall_and_re_refer(folder, date(2025, 6, 2), date(2025, 6, 3), date(2025, 9, 15), classification)
    run_through(date(2025, 9, 19))
    _events({"event_id": "s1", "type": "person.sanction", "occurred_on": "2025-09-20", "nino": NINO,
             "rate_percent": 100, "start_date": "2025-06-10", "duration_weeks": 13})
    run_through(date(2025, 9, 20))
    new.refresh_from_db()
    assert (new.status, new.cessation_reason) == ("OPEN", "")
    assert not Cessation.objects.filter(debt=new).exists()
    assert _balance(new) == 40_000
    assert check_ledger().ok

