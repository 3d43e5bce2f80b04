"""A partner who leaves a joint UC award (``award.changed`` to a ``SINGLE_...`` claimant type, or naming another
``partner_nino``) with no benefit in payment of their own: their HB debts are returned ``UC_AWARD_ENDED``, as if
their part of the joint award had ended the day before the change (hb-debt-interface.md §24 and §6.2;
events.md §2 ``award.ended`` and ``award.changed``; docs/events-notes.md)."""

from __future__ import annotations

import tarfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from test_recovery_daily_deductions import events, hb_debt, line

from dms.services.daily_run import run_through
from dms.services.debts import figures_of
from dms.services.la_outbound import outbox_dir
from dms.services.recovery import life_events_step
from dms.store.ledger import check_ledger
from dms.store.models import AwardChange, Debt, DebtStatusChange
from dms.store.recovery.models import Deduction

pytestmark = pytest.mark.django_db

A, B, X, Y = "AB123456C", "CE654321A", "HJ123456B", "JK123456A"
CHANGE = date(2025, 6, 15)


def joint_award(partner: str = B, ref: str = "UCJ") -> str:
    return line(f"start-{ref}", "award.started", nino=A, award_ref=ref, benefit="UC", start_date="2025-05-01",
                uc={"claimant_type": "JOINT_25_OR_OVER", "assessment_period_day": 1, "partner_nino": partner})


def uc_period(event_id: str, start: str, end: str, paid: str, amount: str, ref: str = "UCJ") -> str:
    return line(event_id, "uc.assessment_period", occurred_on=end, nino=A, award_ref=ref, period_start=start,
                period_end=end, payment_date=paid, award_amount=amount, earnings_over_work_allowance=False,
                sanction_amount="0.00", fraud_penalty_amount="0.00", third_party=[])


def change(event_id: str = "chg", **uc: Any) -> str:
    return line(event_id, "award.changed", occurred_on=CHANGE.isoformat(), nino=A, award_ref="UCJ",
                uc=uc or {"claimant_type": "SINGLE_25_OR_OVER"})


def later_periods() -> tuple[str, str]:
    return (uc_period("ap-jun", "2025-06-01", "2025-06-30", "2025-07-07", "900.00"),
            uc_period("ap-jul", "2025-07-01", "2025-07-31", "2025-08-07", "900.00"))


def held(ref: str = "HB1") -> tuple[str, str, int]:
    debt = Debt.objects.get(creditor_ref=ref)
    return debt.status, debt.cessation_reason, figures_of(debt).balance_pence


def cessations_in_outbox(day: date, la_id: str = "000123") -> list[tuple[str | None, ...]]:
    """The (DebtRef, Reason, BalanceReturned, CessationDate) of the LA's cessation file of ``day``."""
    from lxml import etree

    path = Path(outbox_dir(la_id)) / f"{day:%Y%m%d}-PDPDM-{la_id}.tar"
    if not path.exists():
        return []
    with tarfile.open(path, mode="r:") as archive:
        member = archive.extractfile(f"{day:%Y%m%d}-DMCES-{la_id}.xml")
        assert member is not None
        root = etree.fromstring(member.read())
    ns = root.tag.partition("}")[0] + "}"
    return [tuple(r.findtext(f"{ns}{name}") for name in ("DebtRef", "Reason", "BalanceReturned", "CessationDate"))
            for r in root.findall(f"{ns}Cessation")]


@pytest.fixture
def committed(monkeypatch: pytest.MonkeyPatch) -> None:
    """The test's transaction is never committed: a bundle waiting for the commit goes into the outbox at once
    (as tests/integration/test_la_outbound.py does)."""
    monkeypatch.setattr("dms.services.la_outbound._after_commit", lambda action: action())


def test_partner_who_leaves_a_joint_award_with_no_benefit_has_hb_debts_returned_uc_award_ended(
        data_dir: Path, committed: None) -> None:
    """hb-debt-interface.md §24 (DMS returns the debts it can no longer recover) and §6.2 (HB debts are held only
    for a claimant with UC or an Annex A benefit in payment); events.md §2 ``award.ended``: HB debts recovered
    from the award cease UC_AWARD_ENDED. B leaves A's joint award on 2025-06-15 with no benefit of their own:
    the May period (ending before the change, so still B's: the terms of its last day) was paid on 06-07, so
    B's HB debt is returned on the first run date from the change, in the LA's cessation file of that date."""
    events(joint_award(), uc_period("ap-may", "2025-05-01", "2025-05-31", "2025-06-07", "1200.00"))
    hb_debt("HB1", amount=100_000, nino=B)
    run_through(date(2025, 6, 1))
    events(change(), *later_periods())
    run_through(date(2025, 6, 14))
    assert held() == ("OPEN", "", 100_000 - 9421)  # 15% of £628.10 (joint 25 or over), rounded down
    run_through(date(2025, 6, 15))
    assert held()[:2] == ("RETURNED", "UC_AWARD_ENDED")
    assert Debt.objects.get(creditor_ref="HB1").cessations.get().cessation_date == CHANGE
    assert cessations_in_outbox(CHANGE) == [("HB1", "UC_AWARD_ENDED", "905.79", "2025-06-15")]
    assert AwardChange.objects.get().former_partner.nino == B
    run_through(date(2025, 8, 31))
    assert held()[:2] == ("RETURNED", "UC_AWARD_ENDED")
    assert not Deduction.objects.filter(date__gt=date(2025, 6, 7)).exclude(debt=None).filter(
        debt__creditor_ref="HB1").exists()
    assert check_ledger().ok


def test_partner_who_leaves_for_their_own_uc_award_starting_that_day_is_recovered_from_it() -> None:
    """hb-debt-interface.md §6.2: HB debts are held for a claimant with UC in payment. B's own UC award starts on
    the day B leaves the joint award: B's HB debt stays OPEN and is recovered from it (events.md §2
    ``award.ended`` ceases only the debts an award leaves without benefit)."""
    events(joint_award(), uc_period("ap-may", "2025-05-01", "2025-05-31", "2025-06-07", "1200.00"))
    hb_debt("HB1", amount=100_000, nino=B)
    run_through(date(2025, 6, 1))
    events(change(), *later_periods(),
           line("start-UCB", "award.started", nino=B, award_ref="UCB", benefit="UC", start_date="2025-06-15",
                uc={"claimant_type": "SINGLE_25_OR_OVER", "assessment_period_day": 15}),
           line("ap-b", "uc.assessment_period", occurred_on="2025-07-14", nino=B, award_ref="UCB",
                period_start="2025-06-15", period_end="2025-07-14", payment_date="2025-07-21", award_amount="500.00",
                earnings_over_work_allowance=False, sanction_amount="0.00", fraud_penalty_amount="0.00",
                third_party=[]))
    run_through(date(2025, 7, 31))
    assert held()[:2] == ("OPEN", "")
    assert [(d.date, d.award.award_ref) for d in Deduction.objects.filter(debt__creditor_ref="HB1")
            .select_related("award").order_by("date")] == [(date(2025, 6, 7), "UCJ"), (date(2025, 7, 21), "UCB")]
    assert AwardChange.objects.get().former_partner.nino == B


def test_partner_replaced_by_another_the_one_who_left_has_hb_debts_returned() -> None:
    """hb-debt-interface.md §24, §6.2; events.md §2 ``award.changed`` (new values from ``occurred_on``): A's joint
    award names X, then Y from 2025-06-15. X, with no benefit of their own, has their HB debt returned
    UC_AWARD_ENDED; Y's is recovered from the award. The change arrives after the run passed its date (applied
    at import): X's debt is returned by the next run."""
    events(joint_award(partner=X), line("reg-Y", "person.registered", nino=Y, surname="Young", forenames="Yan",
                                        date_of_birth="1990-01-01"))
    hb_debt("HBX", amount=50_000, nino=X)
    hb_debt("HBY", amount=50_000, nino=Y)
    run_through(date(2025, 6, 20))
    events(change(partner_nino=Y))
    assert AwardChange.objects.get().former_partner.nino == X
    assert held("HBX")[:2] == ("OPEN", "")
    run_through(date(2025, 6, 21))
    assert held("HBX")[:2] == ("RETURNED", "UC_AWARD_ENDED") and held("HBY")[:2] == ("OPEN", "")
    assert Debt.objects.get(creditor_ref="HBX").cessations.get().cessation_date == date(2025, 6, 21)
    events(uc_period("ap-jun", "2025-06-01", "2025-06-30", "2025-07-07", "900.00"))
    run_through(date(2025, 7, 7))
    assert held("HBY")[:2] == ("OPEN", "") and held("HBY")[2] < 50_000  # the June period is Y's and A's


def test_a_period_ending_before_the_partner_left_still_unpaid_delays_the_return_until_it_is_paid() -> None:
    """A UC period's partner is the one in force on its last day (events.md §2; ``uc_terms_on``): the May
    period, paid on 2025-06-20 after B left on 06-15, still takes B's HB debt; the debt is returned by the
    first run after it is paid (hb-debt-interface.md §24), with the balance it left."""
    events(joint_award(), uc_period("ap-may", "2025-05-01", "2025-05-31", "2025-06-20", "1200.00"))
    hb_debt("HB1", amount=100_000, nino=B)
    run_through(date(2025, 6, 1))
    events(change(), *later_periods())
    run_through(date(2025, 6, 19))
    assert held() == ("OPEN", "", 100_000)
    run_through(date(2025, 6, 20))
    assert held() == ("OPEN", "", 100_000 - 9421)
    run_through(date(2025, 6, 21))
    assert held()[:2] == ("RETURNED", "UC_AWARD_ENDED")
    cessation = Debt.objects.get(creditor_ref="HB1").cessations.get()
    assert cessation.cessation_date == date(2025, 6, 21) and cessation.balance_returned_pence == 90_579
    assert check_ledger().ok


def test_a_departed_partners_debts_are_returned_only_in_their_own_chunk_and_once() -> None:
    """The life events step runs per chunk of person partitions (``dms run --workers N``): B's debts are
    handled only by the chunk holding B's partition, and running the date again changes nothing
    (hb-debt-interface.md §24; docs/architecture.md, "The daily run")."""
    from django.db import transaction

    from dms.store.models import partition_of

    events(joint_award(), uc_period("ap-may", "2025-05-01", "2025-05-31", "2025-06-07", "1200.00"))
    hb_debt("HB1", amount=100_000, nino=B)
    run_through(date(2025, 6, 14))
    events(change())
    from dms.services.events import apply_due_award_changes

    assert apply_due_award_changes(CHANGE) == 1
    others = [p for p in range(1024) if p != partition_of(B)]
    with transaction.atomic():
        assert life_events_step(CHANGE, partitions=others)["partner_left_cessations"] == 0
    assert held()[:2] == ("OPEN", "")
    with transaction.atomic():
        assert life_events_step(CHANGE, partitions=[partition_of(B)])["partner_left_cessations"] == 1
    assert held()[:2] == ("RETURNED", "UC_AWARD_ENDED")
    changes = DebtStatusChange.objects.count()
    with transaction.atomic():
        assert life_events_step(CHANGE)["partner_left_cessations"] == 0
    assert DebtStatusChange.objects.count() == changes


def test_a_change_applied_by_an_earlier_release_is_given_its_former_partner_by_the_migration() -> None:
    """The migration adding ``former_partner`` works it out for the changes already applied, as the release
    does (the partner in force the day before the change and on its date), so the next run returns the HB
    debts of former partners left without benefit (hb-debt-interface.md §24)."""
    import importlib

    from django.apps import apps

    events(joint_award(partner=X), line("reg-Y", "person.registered", nino=Y, surname="Young", forenames="Yan",
                                        date_of_birth="1990-01-01"))
    run_through(date(2025, 6, 14))
    events(change("c1", partner_nino=Y), line("c2", "award.changed", occurred_on="2025-06-16", nino=A,
                                              award_ref="UCJ", uc={"assessment_period_day": 1}))
    run_through(date(2025, 6, 16))
    assert [c.former_partner.nino if c.former_partner else None
            for c in AwardChange.objects.order_by("pk")] == [X, None]
    AwardChange.objects.update(former_partner=None)
    migration = importlib.import_module("dms.store.migrations.0009_award_change_former_partner")
    migration.backfill(apps, None)
    assert [c.former_partner.nino if c.former_partner else None
            for c in AwardChange.objects.order_by("pk")] == [X, None]
