"""LA files applied by the daily run (hb-debt-interface.md §5.4, §6.2-6.5): referrals with their benefit,
debt-limit and other-recovery rules, recovery order, revisions, recalls and holding periods, files applied
whole or not at all, and a Cessation row for every LA debt returned."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.db import OperationalError
from la_files import LA, la, received

from dms.debts import DebtStatus
from dms.debts.order import DebtOrderFacts, in_recovery_order
from dms.la_interface import build
from dms.la_interface.records import Overpayment
from dms.ledger import AccountKey, AccountKind, EntryKind, Posting, build_entry
from dms.services import debts as debt_service
from dms.services import la_processing
from dms.services.daily_run import run_through
from dms.services.events import import_events
from dms.services.la_outbound import outbound_step
from dms.services.la_processing import due_files, holding_periods_step, la_files_step
from dms.services.recovery_events import cease_hb_debts
from dms.services.recovery_load import load_open_debts
from dms.store.la.models import Cessation, FileState, Outcome, Recall, ReceivedFile
from dms.store.ledger import account_balance, check_ledger, post_entries
from dms.store.models import Award, Creditor, Debt, DebtComponent, JournalEntry, Person

pytestmark = pytest.mark.django_db
D1 = date(2025, 11, 18)
NINO = "AB123456C"


@pytest.fixture
def folder(data_dir: Path) -> Path:
    path = data_dir / "incoming"
    path.mkdir()
    return path


def person(nino: str = NINO) -> Person:
    found, _ = Person.objects.get_or_create(nino=nino)
    return found


def award(nino: str = NINO, benefit: str = "UC", start: date = date(2025, 4, 1), end: date | None = None) -> Award:
    return Award.objects.create(award_ref=f"{benefit}-{nino}-{start}", person=person(nino), benefit=benefit,
                                start_date=start, end_date=end, claimant_type="SINGLE_25_OR_OVER",
                                weekly_amount_pence=None if benefit == "UC" else 9050,
                                pay_frequency="" if benefit == "UC" else "WEEKLY",
                                first_pay_date=None if benefit == "UC" else start)


def refer(folder: Path, records: list, day: date = D1, la_id: str = LA) -> ReceivedFile:
    return received(folder, "LAREF", records, day=day, la_id=la_id)


def debt(ref: str, la_id: str = LA) -> Debt:
    return Debt.objects.filter(creditor__la_id=la_id, creditor_ref=ref).order_by("-receipt_seq").first()


def state(ref: str, la_id: str = LA) -> tuple[str, str]:
    found = debt(ref, la_id)
    return found.status, found.cessation_reason


def deduct(target: Debt, amount: int, on: date) -> None:
    """Money recovered on a debt, posted as the deduction step posts it."""
    post_entries([build_entry(EntryKind.DEDUCTION, on, [
        Posting(AccountKey(AccountKind.BENEFIT_RECOVERIES), amount),
        Posting(AccountKey(AccountKind.RECEIVABLE, target.pk), -amount),
        Posting(AccountKey(AccountKind.CREDITOR_DEBTS, target.creditor_id), amount),
        Posting(AccountKey(AccountKind.CREDITOR_PAYABLE, target.creditor_id), -amount),
    ], description="test deduction")])


# ---------------------------------------------------------------------------------------------- referrals


def test_accepted_referral_posts_debt_with_every_component(folder: Path) -> None:
    council = la()
    award()
    parts = [Overpayment(30_000, date(2025, 6, 2), date(2025, 8, 31)),
             Overpayment(11_250, date(2025, 9, 1), date(2025, 9, 21))]
    file = refer(folder, [build.referral("HB/778812/1", NINO, 41_250, overpayments=parts)])
    summary = la_files_step(D1)
    assert summary["accepted"] == 1 and summary["taken_on"] == 1 and summary["returned"] == {}
    file.refresh_from_db()
    assert (file.state, file.processed_on, file.records) == (FileState.ACCEPTED, D1, 1)
    held = debt("HB/778812/1")
    assert (held.status, held.amount_pence, held.debt_type, held.received_on, held.created_on) == (
        DebtStatus.OPEN, 41_250, "OVERPAYMENT", D1, date(2025, 11, 14))
    assert held.partition == person().partition
    assert sorted(DebtComponent.objects.filter(debt=held).values_list("amount_pence", "period_start")) == [
        (11_250, date(2025, 9, 1)), (30_000, date(2025, 6, 2))]
    entry = JournalEntry.objects.get(kind=EntryKind.REFERRAL)
    assert sorted(entry.postings.values_list("amount_pence", flat=True)) == [-41_250, 41_250]
    assert account_balance(AccountKey(AccountKind.RECEIVABLE, held.pk)) == 41_250
    assert account_balance(AccountKey(AccountKind.CREDITOR_DEBTS, council.pk)) == -41_250
    assert held.status_changes.get().to_status == DebtStatus.OPEN
    assert check_ledger().ok


def test_a_claimant_named_by_a_referral_is_kept_with_names_in_nfc_35_characters_with_their_marks(
        folder: Path) -> None:
    """Spec §2 (names: 1-35 characters, letters, spaces, apostrophes and hyphens): a claimant DMS first meets
    in a referral is kept with the names as written, in NFC ("Zoe" + U+0308 is kept as "Zoë", ’ as ’), whole:
    a name of 35 letters each with a combining mark that has no precomposed form ("n̈") is 35 characters
    however many code points it takes."""
    la()
    long_name = "n\u0308" * 35
    refer(folder, [build.referral("HB/1", "AB123457C", 100, surname="O\u2019Brien", forenames="Zoe\u0308"),
                   build.referral("HB/2", "AB123458C", 100, surname=long_name, forenames="Sia\u0302n")])
    summary = la_files_step(D1)
    assert summary["accepted"] == 1 and summary["held"] == [], summary
    assert {p.nino: (p.surname, p.forenames) for p in Person.objects.all()} == {
        "AB123457C": ("O\u2019Brien", "Zo\u00eb"), "AB123458C": (long_name, "Si\u00e2n")}


def test_referral_returned_when_no_benefit_in_payment(folder: Path) -> None:
    la()
    award("AB123457C", "JSA", end=D1 - timedelta(days=1))  # ended the day before the processing date
    award("AB123458C", "PIP")  # an Annex A benefit in payment
    refer(folder, [build.referral("HB/1", NINO, 10_000, surname="Smith", forenames="Jo"),
                   build.referral("HB/2", "AB123457C", 20_000), build.referral("HB/3", "AB123458C", 30_000)])
    summary = la_files_step(D1)
    assert summary["returned"] == {"NO_BENEFIT_IN_PAYMENT": 2} and summary["taken_on"] == 1
    assert state("HB/1") == state("HB/2") == (DebtStatus.RETURNED, "NO_BENEFIT_IN_PAYMENT")
    assert state("HB/3") == (DebtStatus.OPEN, "")
    unknown = Person.objects.get(nino=NINO)  # recorded from the referral
    assert (unknown.surname, unknown.forenames) == ("Smith", "Jo")
    cessation = Cessation.objects.get(debt=debt("HB/1"))
    assert (cessation.la_id, cessation.debt_ref, cessation.nino, cessation.reason, cessation.cessation_date,
            cessation.referral_received_date, cessation.balance_returned_pence, cessation.amount_recovered_pence
            ) == (LA, "HB/1", NINO, "NO_BENEFIT_IN_PAYMENT", D1, D1, 10_000, 0)
    assert account_balance(AccountKey(AccountKind.RECEIVABLE, debt("HB/1").pk)) == 0
    assert JournalEntry.objects.filter(kind=EntryKind.RETURN).count() == 2
    assert list(debt("HB/2").status_changes.order_by("pk").values_list("to_status", flat=True)) == [
        "OPEN", "RETURNED"]
    assert check_ledger().ok


def test_a_referral_split_by_comments_is_applied_as_the_schema_reads_it(folder: Path) -> None:
    """spec §2, §6.1: a value split by comments is the value the schema validated, so it is applied as that
    value (never as its first piece), and the run goes on."""
    la()
    award()
    plain = build.file_bytes("LAREF", LA, D1, [build.referral("HB/1", NINO, 10_000)])
    split = (plain.replace(b"<DebtRef>HB/1<", b"<DebtRef>HB<!-- c -->/1<")
             .replace(f"<NINO>{NINO}<".encode(), f"<NINO>{NINO[:5]}<!--x-->{NINO[5:]}<".encode())
             .replace(b"<DateOfBirth>1984-02-29<", b"<DateOfBirth>1984-02<!--x-->-29<")
             .replace(b"<Total>100.00<", b"<Total>100<!-- c -->.00<"))
    file = received(folder, "LAREF", [], raw=split)
    assert la_files_step(D1)["accepted"] == 1
    assert ReceivedFile.objects.get(pk=file.pk).state == FileState.ACCEPTED
    held = debt("HB/1")
    assert (held.creditor_ref, held.person.nino, held.amount_pence) == ("HB/1", NINO, 10_000)
    assert not Person.objects.exclude(nino=NINO).exists()


def test_referral_on_the_award_end_date_is_in_payment(folder: Path) -> None:
    """§6.2 with events.md §2: no benefit in payment *after* end_date, so the end date is in payment."""
    la()
    award(NINO, "UC", end=D1)
    award("AB123457C", "ESA", end=D1)
    refer(folder, [build.referral("HB/1", NINO, 10_000), build.referral("HB/2", "AB123457C", 20_000)])
    summary = la_files_step(D1)
    assert summary["returned"] == {} and summary["taken_on"] == 2
    assert state("HB/1") == state("HB/2") == (DebtStatus.OPEN, "")


def joint_uc_award(claimant: str, partner: str) -> Award:
    return Award.objects.create(award_ref=f"UC-{claimant}", person=person(claimant), partner=person(partner),
                                benefit="UC", start_date=date(2025, 4, 1), claimant_type="JOINT_25_OR_OVER",
                                assessment_period_day=1)


def test_partner_on_a_joint_uc_award_is_a_uc_claimant(folder: Path) -> None:
    """§6.2-6.4: the partner named on a joint UC award has UC in payment: a referral of them is taken on,
    their HB debts count against the UC limit of five (not one), and a recall is held 5 days, not 14."""
    partner, with_pip = "AB654321C", "AB111111C"
    la()
    joint_uc_award(NINO, partner)
    joint_uc_award("AB222222C", with_pip)
    award(with_pip, "PIP")
    refer(folder, [build.referral("HB/1", partner, 10_000), build.referral("HB/2", with_pip, 10_000),
                   build.referral("HB/3", with_pip, 5_000, classification="FRAUD")])
    summary = la_files_step(D1)
    assert summary["returned"] == {} and summary["taken_on"] == 3
    day = D1 + timedelta(days=1)
    received(folder, "LAREC", [build.recall("HB/1", partner), build.recall("HB/2", with_pip)], day=day)
    assert la_files_step(day)["recalls"] == 2
    assert sorted(Recall.objects.values_list("ceases_on", flat=True)) == [day + timedelta(days=5)] * 2


def _five_held(council: Creditor, fraud: tuple[bool, ...], nino: str = NINO) -> list[Debt]:
    held = []
    for n, is_fraud in enumerate(fraud):
        held.append(debt_service.create_debt(
            person=person(nino), creditor=council, creditor_ref=f"OLD/{n}", debt_type="OVERPAYMENT",
            classification="FRAUD" if is_fraud else "NON_FRAUD", amount_pence=5_000, created_on=date(2025, 1, 1),
            received_on=date(2025, 1, 1) + timedelta(days=n), business_date=date(2025, 1, 1), actor="test"))
    return held


def test_sixth_uc_hb_debt_non_fraud_is_returned(folder: Path) -> None:
    council = la()
    award()
    _five_held(council, (False, True, False, True, False))
    refer(folder, [build.referral("HB/6", NINO, 10_000)])
    assert la_files_step(D1)["returned"] == {"UC_DEBT_LIMIT": 1}
    assert state("HB/6") == (DebtStatus.RETURNED, "UC_DEBT_LIMIT")
    assert Debt.objects.filter(creditor_ref__startswith="OLD/", status=DebtStatus.OPEN).count() == 5


def test_uc_limit_counts_hb_debts_across_all_las(folder: Path) -> None:
    other = la("000123")
    council = la()
    award()
    _five_held(other, (False,) * 3)
    _five_held(council, (False,) * 2)
    refer(folder, [build.referral("HB/6", NINO, 10_000)])
    la_files_step(D1)
    assert state("HB/6") == (DebtStatus.RETURNED, "UC_DEBT_LIMIT")


def test_sixth_fraud_debt_returns_most_recent_non_fraud(folder: Path) -> None:
    council = la()
    award()
    held = _five_held(council, (False, True, False, False, True))
    refer(folder, [build.referral("HB/6", NINO, 10_000, classification="FRAUD")])
    summary = la_files_step(D1)
    assert summary["taken_on"] == 1 and summary["returned"] == {"UC_DEBT_LIMIT": 1}
    assert state("HB/6") == (DebtStatus.OPEN, "")
    assert state("OLD/3") == (DebtStatus.RETURNED, "UC_DEBT_LIMIT")  # the most recently received non-fraud
    assert Cessation.objects.get(debt=held[3]).balance_returned_pence == 5_000
    assert Debt.objects.filter(person=person(), status=DebtStatus.OPEN).count() == 5


def test_sixth_fraud_debt_returns_most_recent_non_fraud_saying_which_referral_displaced_it(folder: Path) -> None:
    """§6.3 (a FRAUD sixth is accepted and "the most recently received NON_FRAUD debt is returned
    (UC_DEBT_LIMIT)"), README ``dms debtor show`` (``status_reason``: the calculation that returned an HB
    debt): the displaced debt's reason names the rule, the FRAUD referral that displaced it (DebtRef, LA,
    file and line, date received), why it was the one, and the balance returned."""
    from dms.services.debtors import debtor_summary

    council = la()
    award()
    held = _five_held(council, (False, True, False, False, True))
    deduct(held[3], 1_250, D1)
    file = refer(folder, [build.referral("HB/6", NINO, 10_000, classification="FRAUD")], la_id=la("000123").la_id)
    assert la_files_step(D1)["returned"] == {"UC_DEBT_LIMIT": 1}
    reasons = {row["ref"]: row["status_reason"] for row in debtor_summary(NINO)["debts"]}
    assert reasons["OLD/3"] == (
        f"UC_DEBT_LIMIT: displaced by FRAUD referral HB/6 of LA 000123 ({file.name} line 4), received {D1}, "
        "as the most recently received NON_FRAUD debt of a UC claimant at the limit of five HB debts "
        "(hb-debt-interface.md §6.3); balance 37.50 returned, 12.50 recovered")
    assert Cessation.objects.get(debt=held[3]).balance_returned_pence == 3_750


@pytest.mark.parametrize("chunk", [5, 5_000])
def test_sixth_fraud_debt_displacing_one_of_the_same_file_is_counted_taken_on_once_whatever_the_chunks(
        folder: Path, monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    """§6.3 (a FRAUD sixth debt is taken on and the most recently received NON_FRAUD returned UC_DEBT_LIMIT):
    five NON_FRAUD referrals and a FRAUD one in one file take on five debts net, whether the FRAUD record falls
    in the same chunk of records as the one it displaces or in a later one."""
    monkeypatch.setattr(la_processing, "CHUNK_RECORDS", chunk)
    la()
    award()
    records = [build.referral(f"HB/{n}", NINO, 10_000) for n in range(1, 6)]
    refer(folder, [*records, build.referral("HB/6", NINO, 10_000, classification="FRAUD")])
    summary = la_files_step(D1)
    assert summary["taken_on"] == 5 and summary["returned"] == {"UC_DEBT_LIMIT": 1}
    assert state("HB/5") == (DebtStatus.RETURNED, "UC_DEBT_LIMIT") and state("HB/6") == (DebtStatus.OPEN, "")


def test_sixth_fraud_debt_returned_when_all_five_held_are_fraud(folder: Path) -> None:
    council = la()
    award()
    _five_held(council, (True,) * 5)
    refer(folder, [build.referral("HB/6", NINO, 10_000, classification="FRAUD")])
    la_files_step(D1)
    assert state("HB/6") == (DebtStatus.RETURNED, "UC_DEBT_LIMIT")


def test_uc_limit_applies_within_one_file(folder: Path) -> None:
    la()
    award()
    records = [build.referral(f"HB/{n}", NINO, 1_000 + n) for n in range(6)]
    records.append(build.referral("HB/F", NINO, 9_999, classification="FRAUD"))
    refer(folder, records)
    summary = la_files_step(D1)
    assert summary["returned"] == {"UC_DEBT_LIMIT": 2} and summary["taken_on"] == 5
    assert state("HB/5") == (DebtStatus.RETURNED, "UC_DEBT_LIMIT")  # the sixth, non-fraud
    assert state("HB/4") == (DebtStatus.RETURNED, "UC_DEBT_LIMIT")  # displaced by the fraud debt
    assert state("HB/F") == (DebtStatus.OPEN, "")
    assert Cessation.objects.count() == 2
    assert check_ledger().ok


def test_non_uc_one_hb_debt_at_a_time(folder: Path) -> None:
    la()
    award(benefit="ESA")
    refer(folder, [build.referral("HB/1", NINO, 10_000), build.referral("HB/2", NINO, 10_000)])
    assert la_files_step(D1)["returned"] == {"HB_DEBT_ALREADY_HELD": 1}
    assert state("HB/1") == (DebtStatus.OPEN, "")
    assert state("HB/2") == (DebtStatus.RETURNED, "HB_DEBT_ALREADY_HELD")


def test_non_uc_one_hb_debt_at_a_time_names_the_hb_debt_already_held(folder: Path) -> None:
    """§6.3 ("one HB debt at a time"; HB_DEBT_ALREADY_HELD), README ``dms debtor show`` (``status_reason``:
    the calculation that returned an HB debt): the referral returned names the HB debt already held, by LA and
    DebtRef, or as the referral earlier in the same file (its file and line)."""
    from dms.services.debtors import debtor_summary

    award(benefit="ESA")
    award("AB123457C", "ESA")
    _five_held(la("000123"), (False,), nino="AB123457C")
    la()
    file = refer(folder, [build.referral("HB/1", NINO, 10_000), build.referral("HB/2", NINO, 10_000),
                          build.referral("HB/3", "AB123457C", 10_000)])
    assert la_files_step(D1)["returned"] == {"HB_DEBT_ALREADY_HELD": 2}
    rule = "HB_DEBT_ALREADY_HELD: returned as it was referred: the claimant is not on UC and DMS already holds"
    reasons = {row["ref"]: row["status_reason"] for row in debtor_summary(NINO)["debts"]}
    assert reasons["HB/2"] == (f"{rule} HB debt HB/1 of LA {LA} (referred earlier in {file.name} line 4) for "
                               "them (hb-debt-interface.md §6.3)")
    reasons = {row["ref"]: row["status_reason"] for row in debtor_summary("AB123457C")["debts"]}
    assert reasons["HB/3"] == (f"{rule} HB debt OLD/0 of LA 000123 (OPEN) for them "
                               "(hb-debt-interface.md §6.3)")


def _recalled(folder: Path, refs: list[str], nino: str = NINO, day: date = D1, la_id: str = LA) -> None:
    """The LA recalls ``refs`` on ``day``: they are in their recall holding period (§6.5)."""
    received(folder, "LAREC", [build.recall(ref, nino) for ref in refs], day=day, la_id=la_id)
    assert la_files_step(day)["recalls"] == len(refs)
    assert all(debt(ref, la_id).status == DebtStatus.RECALL_PENDING for ref in refs)


def test_uc_limit_counts_a_debt_in_its_recall_holding_period(folder: Path) -> None:
    """§6.3 with §6.5: a recalled debt is still held (money still reaches it) until it ceases, so a UC
    claimant with five HB debts, one of them recalled, has five: a sixth NON_FRAUD one is returned."""
    council = la()
    award()
    _five_held(council, (False, True, False, True, False))
    _recalled(folder, ["OLD/2"])
    day = D1 + timedelta(days=1)
    refer(folder, [build.referral("HB/6", NINO, 10_000)], day=day)
    assert la_files_step(day)["returned"] == {"UC_DEBT_LIMIT": 1}
    assert state("HB/6") == (DebtStatus.RETURNED, "UC_DEBT_LIMIT")
    assert state("OLD/2") == (DebtStatus.RECALL_PENDING, "")


def test_sixth_fraud_debt_never_displaces_a_debt_in_its_recall_holding_period(folder: Path) -> None:
    """§6.3 with §6.5 (docs/la-interface-notes.md "Sixth UC debt", Decision): a FRAUD sixth is taken and never
    displaces a debt in its recall holding period (it is already leaving, and ceases LA_RECALL); while such a
    debt is held, its place frees when it ceases, so the FRAUD sixth displaces no other debt either, whether
    or not the recalled one is the only NON_FRAUD debt held."""
    council = la()
    award()
    award("AB123457C")
    _five_held(council, (False, True, False, True, False))  # OLD/4 is the most recently received NON_FRAUD
    _five_held(la("000123"), (True, True, False, True, True), nino="AB123457C")
    _recalled(folder, ["OLD/4"])
    _recalled(folder, ["OLD/2"], nino="AB123457C", la_id="000123")
    day = D1 + timedelta(days=2)
    refer(folder, [build.referral("HB/F", NINO, 10_000, classification="FRAUD"),
                   build.referral("HB/G", "AB123457C", 10_000, classification="FRAUD")], day=day)
    summary = la_files_step(day)
    assert (summary["taken_on"], summary.get("returned", {})) == (2, {})
    assert state("HB/F") == state("HB/G") == (DebtStatus.OPEN, "")
    assert state("OLD/2") == (DebtStatus.OPEN, "")  # staying: the recalled debt's place frees when it ceases
    assert state("OLD/4") == (DebtStatus.RECALL_PENDING, "")
    assert state("OLD/2", "000123") == (DebtStatus.RECALL_PENDING, "")  # its only NON_FRAUD debt
    assert check_ledger().ok


def test_a_recalled_debt_frees_one_place_only_for_fraud_debts_referred_while_it_is_held(folder: Path) -> None:
    """§6.3 with §6.5 (docs/la-interface-notes.md "Sixth UC debt", Decision): a debt in its recall holding
    period takes no place from a FRAUD sixth, and only one: a seventh FRAUD debt in the same file displaces
    the most recently received NON_FRAUD debt staying, and a NON_FRAUD sixth is returned (it is held until
    it ceases, §6.5)."""
    council = la()
    award()
    _five_held(council, (False, True, False, True, False))  # OLD/4 is the most recently received NON_FRAUD
    _recalled(folder, ["OLD/4"])
    day = D1 + timedelta(days=2)
    refer(folder, [build.referral("HB/N", NINO, 10_000),
                   build.referral("HB/F", NINO, 10_000, classification="FRAUD"),
                   build.referral("HB/G", NINO, 10_000, classification="FRAUD")], day=day)
    summary = la_files_step(day)
    assert state("HB/N") == (DebtStatus.RETURNED, "UC_DEBT_LIMIT")
    assert state("HB/F") == state("HB/G") == (DebtStatus.OPEN, "")
    assert state("OLD/2") == (DebtStatus.RETURNED, "UC_DEBT_LIMIT")  # displaced by the seventh
    assert state("OLD/4") == (DebtStatus.RECALL_PENDING, "")
    assert summary["returned"] == {"UC_DEBT_LIMIT": 2}
    assert check_ledger().ok


def test_sixth_fraud_debt_never_displaces_a_debt_recalled_by_a_recall_file_processed_the_same_day(
        folder: Path) -> None:
    """§6.3 with §5.4 and §6.5 (docs/la-interface-notes.md "Sixth UC debt", Decision): referral files are
    processed before recall files, so a FRAUD sixth is decided before the day's recalls are applied; it never
    displaces a NON_FRAUD debt that a recall file processed that day recalls (it is leaving, as one in its
    holding period is, and its place frees when it ceases), so it displaces none, and the recall file is
    applied whole."""
    council, other = la(), la("000123")
    award()
    award("AB123457C")
    _five_held(council, (False, False, False, True, True))  # OLD/2 is the most recently received NON_FRAUD
    _five_held(other, (True, True, False, True, True), nino="AB123457C")
    day = D1 + timedelta(days=1)
    received(folder, "LAREC", [build.recall("OLD/2", NINO), build.recall("OLD/1", NINO)], day=day)
    received(folder, "LAREC", [build.recall("OLD/2", "AB123457C")], day=day, la_id="000123")
    received(folder, "LAREC", [build.recall("OLD/0", NINO)], day=day + timedelta(days=1))  # not processed today
    refer(folder, [build.referral("HB/F", NINO, 10_000, classification="FRAUD"),
                   build.referral("HB/G", "AB123457C", 10_000, classification="FRAUD")], day=day, la_id="000123")
    summary = la_files_step(day)
    assert (summary["accepted"], summary["failed"], summary["recalls"]) == (3, 0, 3)
    assert (summary["taken_on"], summary.get("returned", {})) == (2, {})
    assert state("HB/F", "000123") == state("HB/G", "000123") == (DebtStatus.OPEN, "")
    assert state("OLD/0") == (DebtStatus.OPEN, "")  # staying, not displaced
    assert state("OLD/1") == state("OLD/2") == (DebtStatus.RECALL_PENDING, "")
    assert state("OLD/2", "000123") == (DebtStatus.RECALL_PENDING, "")  # its only NON_FRAUD is leaving
    assert check_ledger().ok


@pytest.mark.parametrize("failing", [("NOPE", NINO, "UNKNOWN_DEBT_REF"), ("OLD/1", "AB123457C", "NINO_MISMATCH")])
def test_sixth_fraud_debt_displaces_a_debt_named_by_a_recall_file_of_the_same_day_that_fails(
        folder: Path, failing: tuple[str, str, str]) -> None:
    """§6.3 ("up to five HB debts, across all LAs"; a FRAUD sixth returns the most recently received NON_FRAUD
    debt) with §6.1 (a file is accepted or fails whole; docs/la-interface-notes.md "Sixth UC debt"): a recall
    file of the same day that passes its own checks but fails against the debts (an unknown DebtRef, a NINO
    that does not own the debt) recalls nothing, so the debt it names is not leaving: the FRAUD sixth
    displaces it (the most recently received NON_FRAUD debt), the claimant holds five, and the LA is told of
    the return."""
    council, other = la(), la("000123")
    award()
    award("AB123457C")
    _five_held(council, (False, False, False, True, True))  # OLD/2 is the most recently received NON_FRAUD
    day = D1 + timedelta(days=1)
    ref, nino, code = failing
    recalls = received(folder, "LAREC", [build.recall("OLD/2", NINO), build.recall(ref, nino)], day=day)
    refer(folder, [build.referral("HB/F", NINO, 10_000, classification="FRAUD")], day=day, la_id=other.la_id)
    summary = la_files_step(day)
    assert (summary["accepted"], summary["failed"], summary["recalls"]) == (1, 1, 0)
    failed = ReceivedFile.objects.get(pk=recalls.pk)
    assert (failed.outcome, [e["code"] for e in failed.errors]) == (Outcome.INVALID, [code])
    assert (summary["taken_on"], summary["returned"]) == (1, {"UC_DEBT_LIMIT": 1})
    assert state("HB/F", "000123") == (DebtStatus.OPEN, "")
    assert state("OLD/2") == (DebtStatus.RETURNED, "UC_DEBT_LIMIT")
    cessation = Cessation.objects.get(debt__creditor=council)
    assert (cessation.debt_ref, cessation.balance_returned_pence, cessation.cessation_date) == ("OLD/2", 5_000, day)
    assert Debt.objects.filter(person=person(), status=DebtStatus.OPEN).count() == 5
    assert check_ledger().ok


def test_sixth_fraud_debt_displaces_a_debt_named_by_a_recall_file_that_fails_as_the_debts_stand_when_it_is_decided(
        folder: Path) -> None:
    """§6.3 with §5.4 (docs/la-interface-notes.md "Sixth UC debt", Decision): a same-day recall frees a place
    only if its file passes every check as the debts stand when the FRAUD sixth is decided. One that also
    recalls a debt the LA refers in a file processed after the FRAUD sixth fails then, so the debt it names
    is displaced; the recall file, processed last, recalls the new debt and leaves the displaced one returned
    (a recall of a debt DMS returned that day changes nothing)."""
    council, other = la(), la("000123")
    award()
    award("AB123457C")
    _five_held(council, (False, False, False, True, True))  # OLD/2 is the most recently received NON_FRAUD
    day = D1 + timedelta(days=1)
    recalls = received(folder, "LAREC", [build.recall("OLD/2", NINO), build.recall("HB/X", "AB123457C")], day=day)
    refer(folder, [build.referral("HB/F", NINO, 10_000, classification="FRAUD")], day=day, la_id=other.la_id)
    refer(folder, [build.referral("HB/X", "AB123457C", 10_000)], day=day)  # processed after 000123's file
    summary = la_files_step(day)
    assert (summary["accepted"], summary["failed"], summary["recalls"]) == (3, 0, 2)
    assert ReceivedFile.objects.get(pk=recalls.pk).state == FileState.ACCEPTED
    assert state("OLD/2") == (DebtStatus.RETURNED, "UC_DEBT_LIMIT")
    assert state("HB/X") == (DebtStatus.RECALL_PENDING, "")
    assert Debt.objects.filter(person=person(), status=DebtStatus.OPEN).count() == 5
    assert check_ledger().ok


def test_non_uc_one_hb_debt_at_a_time_counts_a_debt_in_its_recall_holding_period(folder: Path) -> None:
    """§6.3 with §6.5: a non-UC claimant whose one HB debt is in its recall holding period still holds it."""
    la()
    award(benefit="ESA")
    refer(folder, [build.referral("HB/1", NINO, 10_000)])
    la_files_step(D1)
    day = D1 + timedelta(days=1)
    _recalled(folder, ["HB/1"], day=day)
    refer(folder, [build.referral("HB/2", NINO, 10_000)], day=day + timedelta(days=1))
    assert la_files_step(day + timedelta(days=1))["returned"] == {"HB_DEBT_ALREADY_HELD": 1}
    assert state("HB/2") == (DebtStatus.RETURNED, "HB_DEBT_ALREADY_HELD")


def _cleared(owed: Debt) -> None:
    """Its whole balance recovered: the debt is CLEARED, as the deduction step leaves it."""
    deduct(owed, owed.amount_pence, D1)
    owed.change_status(DebtStatus.CLEARED, business_date=D1, actor="test", reason="recovered in full")


def test_cleared_hb_debt_does_not_count_for_the_limits_and_reopens_when_revised_up(folder: Path) -> None:
    """§6.3 (docs/la-interface-notes.md, Decision): a CLEARED debt has nothing left to recover and is not
    counted for either limit; a revision that reopens it is applied as §6.5 says, even if the person now
    holds other HB debts up to the limit."""
    council = la()
    award()
    held = _five_held(council, (False,) * 5)
    _cleared(held[0])
    award("AB123457C", "ESA")
    cleared = _five_held(la("000123"), (False,), nino="AB123457C")[0]
    _cleared(cleared)
    day = D1 + timedelta(days=1)
    refer(folder, [build.referral("HB/6", NINO, 10_000), build.referral("HB/7", "AB123457C", 10_000)], day=day)
    summary = la_files_step(day)
    assert (summary["taken_on"], summary["returned"]) == (2, {})
    later = day + timedelta(days=1)
    received(folder, "LAREV", [build.revision("OLD/0", NINO, 6_000, reason="FURTHER_OVERPAYMENT")], day=later)
    assert la_files_step(later)["revisions"] == 1
    assert state("OLD/0") == (DebtStatus.OPEN, "")
    assert Debt.objects.filter(person=person(), status=DebtStatus.OPEN).count() == 6


def _dwp_debt(nino: str, amount: int, classification: str = "NON_FRAUD") -> Debt:
    return debt_service.create_debt(
        person=person(nino), creditor=Creditor.objects.get(kind="DWP"), creditor_ref=f"DWP-{nino}",
        debt_type="OVERPAYMENT", classification=classification, amount_pence=amount, created_on=date(2025, 1, 1),
        received_on=date(2025, 1, 1), business_date=date(2025, 1, 1), actor="test")


def test_other_dwp_recovery_over_28_days(folder: Path) -> None:
    la()
    weekly = la_processing.legacy_weekly_rate(D1, False)  # 13.95 a week in 2025/26
    for nino, balance in (("AB123456C", 4 * weekly + 1), ("AB123457C", 4 * weekly), ("AB123458C", 0)):
        award(nino, "JSA")
        if balance:
            _dwp_debt(nino, balance)
    refer(folder, [build.referral("HB/1", "AB123456C", 10_000), build.referral("HB/2", "AB123457C", 10_000),
                   build.referral("HB/3", "AB123458C", 10_000)])
    assert la_files_step(D1)["returned"] == {"OTHER_DWP_RECOVERY": 1}
    assert state("HB/1") == (DebtStatus.RETURNED, "OTHER_DWP_RECOVERY")  # 28 days and a bit
    assert state("HB/2") == (DebtStatus.OPEN, "")  # exactly 28 days: not more than 28
    assert state("HB/3") == (DebtStatus.OPEN, "")


def test_other_dwp_recovery_over_28_days_counts_a_joint_debt_recovered_from_the_claimants_benefit(
        folder: Path) -> None:
    """§6.3 ("other DWP recovery by deduction is in place and due to last more than 28 days"): a DWP debt the
    claimant owes jointly, recovered from their JSA because its owner has no benefit (docs/recovery-notes.md
    "Joint debts recovered from one benefit"), is other recovery from their benefit: £500.00 at £13.95 a
    week lasts 251 days, so the referral is returned OTHER_DWP_RECOVERY. One whose owner has a benefit of
    their own is recovered from that, not from the claimant's JSA: the referral is taken on."""
    la()
    for nino in ("AB123456C", "AB123457C", "AB123459C"):
        award(nino, "JSA")
    for owner, joint in (("AB123458C", "AB123456C"), ("AB123459C", "AB123457C")):
        debt = _dwp_debt(owner, 50_000)
        debt.joint_person = person(joint)
        debt.save(update_fields=["joint_person"])
    refer(folder, [build.referral("HB/1", "AB123456C", 10_000), build.referral("HB/2", "AB123457C", 10_000)])
    assert la_files_step(D1)["returned"] == {"OTHER_DWP_RECOVERY": 1}
    assert state("HB/1") == (DebtStatus.RETURNED, "OTHER_DWP_RECOVERY")
    assert state("HB/2") == (DebtStatus.OPEN, "")


def test_other_dwp_recovery_over_28_days_applies_when_the_hb_debt_held_before_is_cleared(folder: Path) -> None:
    """§6.3: a non-UC claimant whose only HB debt is CLEARED holds none (not HB_DEBT_ALREADY_HELD); the
    28-day rule on other DWP recovery still decides their referral."""
    council = la("000123")
    la()
    weekly = la_processing.legacy_weekly_rate(D1, False)
    for n, (nino, balance) in enumerate((("AB123456C", 4 * weekly + 1), ("AB123457C", 4 * weekly))):
        award(nino, "JSA")
        _dwp_debt(nino, balance)
        _cleared(debt_service.create_debt(
            person=person(nino), creditor=council, creditor_ref=f"OLD/{n}", debt_type="OVERPAYMENT",
            classification="NON_FRAUD", amount_pence=5_000, created_on=date(2025, 1, 1),
            received_on=date(2025, 1, 1), business_date=date(2025, 1, 1), actor="test"))
    refer(folder, [build.referral("HB/1", "AB123456C", 10_000), build.referral("HB/2", "AB123457C", 10_000)])
    assert la_files_step(D1)["returned"] == {"OTHER_DWP_RECOVERY": 1}
    assert state("HB/1") == (DebtStatus.RETURNED, "OTHER_DWP_RECOVERY")
    assert state("HB/2") == (DebtStatus.OPEN, "")


def test_other_dwp_recovery_over_28_days_at_the_rate_the_benefit_allows(folder: Path) -> None:
    """§6.3: expected duration = balance ÷ current rate of recovery. On JSA of £5.00 a week the legacy
    engine takes £4.90 (the 10p floor, recovery-rules.md §4), not £13.95: a £30.00 DWP debt lasts
    30.00 × 7 ÷ 4.90 = 42.9 days, so the HB referral is returned OTHER_DWP_RECOVERY. With £200.00 a week the
    full £13.95 applies: 15.1 days, taken on."""
    la()
    for nino, weekly in (("AB123456C", 500), ("AB123457C", 20_000)):
        award(nino, "JSA")
        Award.objects.filter(person=person(nino)).update(weekly_amount_pence=weekly)
        _dwp_debt(nino, 3_000)
    refer(folder, [build.referral("HB/1", "AB123456C", 1_000), build.referral("HB/2", "AB123457C", 1_000)])
    assert la_files_step(D1)["returned"] == {"OTHER_DWP_RECOVERY": 1}
    assert state("HB/1") == (DebtStatus.RETURNED, "OTHER_DWP_RECOVERY")
    assert state("HB/2") == (DebtStatus.OPEN, "")


def test_other_dwp_recovery_of_social_fund_loans_at_what_their_agreed_amounts_allow(folder: Path) -> None:
    """§6.3 (expected duration = balance ÷ current rate of recovery) with recovery-rules.md §3 item 14 and the
    Decision in docs/recovery-notes.md "A legacy instalment shared between owners": a Social Fund loan takes
    at most its agreed amount of a legacy instalment, £25.00 a period being £5.76 a week, so a £30.00 loan
    lasts 30.00 × 7 ÷ 5.76 = 36.5 days, more than 28: the HB referral is returned OTHER_DWP_RECOVERY. A loan
    referred without an agreed amount takes the whole £13.95 (15.1 days): taken on."""
    la()
    for nino, agreed in (("AB123456C", 2_500), ("AB123457C", None)):
        award(nino, "JSA")
        debt_service.create_debt(
            person=person(nino), creditor=Creditor.objects.get(kind="DWP"), creditor_ref=f"SF-{nino}",
            debt_type="SOCIAL_FUND_LOAN", classification="NON_FRAUD", amount_pence=3_000,
            created_on=date(2025, 1, 1), received_on=date(2025, 1, 1), business_date=date(2025, 1, 1),
            actor="test", agreed_amount_pence=agreed)
    refer(folder, [build.referral("HB/1", "AB123456C", 1_000), build.referral("HB/2", "AB123457C", 1_000)])
    assert la_files_step(D1)["returned"] == {"OTHER_DWP_RECOVERY": 1}
    assert state("HB/1") == (DebtStatus.RETURNED, "OTHER_DWP_RECOVERY")
    assert state("HB/2") == (DebtStatus.OPEN, "")


def test_file_waits_for_the_day_it_was_received_not_only_its_creation_date(folder: Path) -> None:
    """§5.4: files are processed by the daily run of their day; a file created on D1 but received on the
    next day (`dms la receive --date`) is not processed by D1's run (caught up later), but by the next."""
    la()
    award()
    made = refer(folder, [build.referral("HB/1", NINO, 1_000)])
    ReceivedFile.objects.filter(pk=made.pk).update(received_on=D1 + timedelta(days=1))
    assert la_files_step(D1)["files"] == 0
    assert la_files_step(D1 + timedelta(days=1))["files"] == 1 and state("HB/1") == (DebtStatus.OPEN, "")


def test_other_dwp_recovery_lasts_while_a_sanction_takes_the_benefit(folder: Path) -> None:
    """§6.3 with recovery-rules.md §4: under a 100% sanction the legacy benefit pays nothing, so other DWP
    recovery of £55.80 (exactly 28 days at £13.95 a week) is not recovered at all while it lasts: the HB
    referral is returned OTHER_DWP_RECOVERY."""
    from dms.store.recovery.models import Restriction

    la()
    award("AB123456C", "JSA")
    Award.objects.filter(person=person()).update(weekly_amount_pence=10_000)
    _dwp_debt("AB123456C", 4 * la_processing.legacy_weekly_rate(D1, False))
    Restriction.objects.create(person=person(), kind="SANCTION", event_id="s1", start_date=D1 - timedelta(days=1),
                               end_date=D1 + timedelta(weeks=8), rate_percent="100")
    refer(folder, [build.referral("HB/1", "AB123456C", 1_000)])
    assert la_files_step(D1)["returned"] == {"OTHER_DWP_RECOVERY": 1}


def test_other_dwp_recovery_after_a_short_sanction_counts_the_days_it_lasts(folder: Path) -> None:
    """§6.3: a 100% sanction of one week stops the other recovery only while it lasts: £6.05 left, the
    sanction's 6 days from the processing date, then 6.05 × 7 ÷ 13.95 = 3.04 days: about 10 days, not more
    than 28, so the HB referral is taken on."""
    from dms.store.recovery.models import Restriction

    la()
    award("AB123456C", "JSA")
    Award.objects.filter(person=person()).update(weekly_amount_pence=8_000)
    _dwp_debt("AB123456C", 605)
    Restriction.objects.create(person=person(), kind="SANCTION", event_id="s1", start_date=D1 - timedelta(days=1),
                               end_date=D1 + timedelta(days=5), rate_percent="100")
    refer(folder, [build.referral("HB/1", "AB123456C", 1_000)])
    assert la_files_step(D1)["returned"] == {} and state("HB/1") == (DebtStatus.OPEN, "")


def test_referral_during_a_100_percent_sanction_of_13_weeks_is_returned_sanction(folder: Path) -> None:
    """events.md §2 ``person.sanction`` and hb-debt-interface.md §6.5 (``SANCTION``): a 100% sanction of 13
    weeks or more returns HB debts; a referral processed while one the run has applied is in force is
    returned at once, as the debts held when it was applied were. A shorter or partial sanction, or one
    ended, returns nothing."""
    from dms.store.recovery.models import Restriction

    la()
    ninos = ("AB123456C", "AB123457C", "AB123458C", "AB123459C")
    for nino in ninos:
        award(nino, "JSA")
    people = {nino: Person.objects.get(nino=nino) for nino in ninos}
    start = D1 - timedelta(days=10)
    for nino, weeks, rate, begins in ((ninos[0], 13, "100", start), (ninos[1], 12, "100", start),
                                      (ninos[2], 26, "50", start), (ninos[3], 13, "100", D1 - timedelta(weeks=14))):
        Restriction.objects.create(person=people[nino], kind="SANCTION", event_id=f"s-{nino}", start_date=begins,
                                   end_date=begins + timedelta(weeks=weeks) - timedelta(days=1), rate_percent=rate)
    refer(folder, [build.referral(f"HB/{n}", nino, 1_000) for n, nino in enumerate(ninos)])
    outcome = la_files_step(D1)
    assert outcome["returned"] == {"SANCTION": 1}, outcome.get("held")
    assert state("HB/0") == (DebtStatus.RETURNED, "SANCTION")
    assert [state(f"HB/{n}")[0] for n in (1, 2, 3)] == [DebtStatus.OPEN] * 3


def test_a_referral_returned_for_a_sanction_says_which_sanction_returned_it(folder: Path) -> None:
    """events.md §2 ``person.sanction`` and hb-debt-interface.md §6.5 (``SANCTION``: "a 100% sanction for 13
    weeks or more"), README ``dms debtor show`` (``status_reason``): a referral returned at once because a
    sanction is in force names that sanction (its event, rate, weeks and start) and the rule, as the debts
    the sanction returned when applied do."""
    from dms.services.debtors import debtor_summary
    from dms.store.recovery.models import Restriction

    la()
    award(NINO, "JSA")
    begins = D1 - timedelta(days=10)
    Restriction.objects.create(person=person(), kind="SANCTION", event_id="s-1", start_date=begins,
                               end_date=begins + timedelta(weeks=13) - timedelta(days=1), rate_percent="100")
    refer(folder, [build.referral("HB/1", NINO, 1_000)])
    assert la_files_step(D1)["returned"] == {"SANCTION": 1}
    [row] = debtor_summary(NINO)["debts"]
    assert row["cessation_reason"] == "SANCTION"
    assert row["status_reason"] == (
        "SANCTION: returned as it was referred: the claimant is under a 100% sanction for 13 weeks from "
        f"{begins} (event s-1), in force on {D1}: HB debts are returned for a 100% sanction for 13 weeks or more "
        "(events.md person.sanction; hb-debt-interface.md §6.5)")


def test_referral_during_a_breathing_space_is_suspended_for_it(folder: Path) -> None:
    """recovery-rules.md §6: a breathing space DMS has applied stops recovery of the claimant's eligible
    debts arisen by its start (no UC in payment): an HB referral of one is taken on SUSPENDED and listed with
    it; one created after its start, or a FRAUD one, is recovered."""
    from dms.store.recovery.models import Restriction

    la()
    award(NINO, "JSA")
    space = Restriction.objects.create(person=person(), kind="BREATHING_SPACE", event_id="bs",
                                       start_date=D1 - timedelta(days=2), end_date=D1 + timedelta(days=57),
                                       resume_on=D1 + timedelta(days=58))
    refer(folder, [build.referral("HB/1", NINO, 1_000, created=D1 - timedelta(days=10))])
    la_files_step(D1)
    assert state("HB/1") == (DebtStatus.SUSPENDED, "")
    space.refresh_from_db()
    assert space.suspended_debts == [debt("HB/1").pk]


def test_referral_of_a_debt_an_insolvency_includes_is_returned_insolvency(folder: Path) -> None:
    """recovery-rules.md §6: a DRO applied by DMS includes the HB debts arisen by its start: a referral of
    one (created before the DRO) is returned INSOLVENCY at once; a debt created after it is taken on."""
    from dms.store.recovery.models import Restriction

    la()
    award()
    Restriction.objects.create(person=person(), kind="DEBT_RELIEF_ORDER", event_id="dro",
                               start_date=date(2025, 11, 15))
    refer(folder, [build.referral("HB/1", NINO, 1_000, created=date(2025, 11, 14)),
                   build.referral("HB/2", NINO, 1_000, created=date(2025, 11, 17))])
    assert la_files_step(D1)["returned"] == {"INSOLVENCY": 1}
    assert state("HB/1") == (DebtStatus.RETURNED, "INSOLVENCY") and state("HB/2") == (DebtStatus.OPEN, "")


def test_a_referral_returned_for_an_insolvency_says_which_insolvency_returned_it(folder: Path) -> None:
    """recovery-rules.md §6 (a bankruptcy, DRO or IVA includes the HB debts arisen by its start: returned
    INSOLVENCY) and README ``dms debtor show`` (``status_reason``: the insolvency, "kind, start date, event"):
    a referral returned at once names the insolvency found in force, as the debts it returned when applied
    do: the latest to start of the person's two."""
    from dms.services.debtors import debtor_summary
    from dms.store.recovery.models import Restriction

    la()
    award()
    Restriction.objects.create(person=person(), kind="IVA", event_id="iva", start_date=date(2025, 10, 1))
    Restriction.objects.create(person=person(), kind="DEBT_RELIEF_ORDER", event_id="dro",
                               start_date=date(2025, 11, 15))
    refer(folder, [build.referral("HB/1", NINO, 1_000, created=date(2025, 11, 14))])
    assert la_files_step(D1)["returned"] == {"INSOLVENCY": 1}
    [row] = debtor_summary(NINO)["debts"]
    assert row["status_reason"] == (
        "INSOLVENCY: returned as it was referred: the claimant is under DEBT_RELIEF_ORDER from 2025-11-15 (event "
        "dro) includes the HB debts that had arisen by its start: they are not recovered by deduction "
        "(recovery-rules.md §6)")


def test_referral_is_returned_insolvency_only_when_an_insolvency_includes_it(folder: Path) -> None:
    """recovery-rules.md §6: INSOLVENCY is for a bankruptcy, DRO or IVA DMS has applied that includes the
    debt. A claimant with none has no insolvency that includes a debt, whatever its DebtCreatedDate: 0001-01-01,
    the "unknown date" some suppliers' systems write, valid under the schema, is taken on like any other."""
    la()
    award()
    june = (Overpayment(1_000, date(2025, 6, 1), date(2025, 6, 30)),)
    refer(folder, [build.referral("HB/1", NINO, 1_000, created=date(1, 1, 1), overpayments=june),
                   build.referral("HB/2", NINO, 1_000, created=date(1, 1, 2), overpayments=june)])
    assert la_files_step(D1)["returned"] == {}
    assert state("HB/1") == state("HB/2") == (DebtStatus.OPEN, "")


def test_other_dwp_recovery_uses_fraud_rate_and_ignores_uc_claimants(folder: Path) -> None:
    la()
    fraud_weekly = la_processing.legacy_weekly_rate(D1, True)
    award("AB123456C", "JSA")
    _dwp_debt("AB123456C", 4 * fraud_weekly, "FRAUD")  # 28 days at the fraud rate
    award("AB123457C", "UC")
    _dwp_debt("AB123457C", 10**7)  # a UC claimant: the 28-day rule is for others
    refer(folder, [build.referral("HB/1", "AB123456C", 10_000), build.referral("HB/2", "AB123457C", 10_000)])
    la_files_step(D1)
    assert state("HB/1") == state("HB/2") == (DebtStatus.OPEN, "")


@pytest.mark.parametrize(("case", "expected"), [
    ("standard", "55.81 at 13.95 a week (the standard rate) lasts 29 days (55.81 × 7 ÷ 13.95, rounded up)"),
    ("fraud", "93.01 at 23.25 a week (the fraud rate, one of the debts being fraud) lasts 29 days "
              "(93.01 × 7 ÷ 23.25, rounded up)"),
    ("reduced", "30.00 at 7.00 a week (a staff reduced rate) lasts 30 days (30.00 × 7 ÷ 7.00, rounded up)"),
    ("benefit", "30.00 at 4.90 a week (what the benefit leaves above the floor of 0.10 a week) lasts 43 days "
                "(30.00 × 7 ÷ 4.90, rounded up)"),
    ("loan", "30.00 at 5.76 a week (what the Social Fund loans' agreed amounts allow) lasts 37 days "
             "(30.00 × 7 ÷ 5.76, rounded up)"),
    ("sanction", "47.71 at 6.97 a week for the 14 days the sanction in force lasts, then 13.95 a week (the "
                 "standard rate), lasts 31 days"),
    ("never", "30.00 at 0.00 a week (what the benefit leaves above the floor of 0.10 a week) is never recovered"),
])
def test_other_dwp_recovery_over_28_days_gives_the_calculation(folder: Path, case: str, expected: str) -> None:
    """§6.3 ("other DWP recovery by deduction is in place and due to last more than 28 days"), README ``dms
    debtor show`` (``status_reason``: the calculation that returned an HB debt): an OTHER_DWP_RECOVERY return
    gives the balance of the other DWP and HMRC debts, the weekly rate of recovery and its basis (standard,
    fraud, a staff reduced rate, what the benefit or a Social Fund loan's agreed amount allows, a sanction)
    and the days worked out (docs/la-interface-notes.md "Other DWP recovery")."""
    from dms.services.debtors import debtor_summary
    from dms.store.recovery.models import ReducedRate, Restriction

    la()
    award(benefit="JSA")
    weekly = {"benefit": 500, "never": 10, "sanction": 1_414}.get(case, 9_050)
    Award.objects.filter(person=person()).update(weekly_amount_pence=weekly)
    if case == "loan":
        debt_service.create_debt(
            person=person(), creditor=Creditor.objects.get(kind="DWP"), creditor_ref="SF-1",
            debt_type="SOCIAL_FUND_LOAN", classification="NON_FRAUD", amount_pence=3_000,
            created_on=date(2025, 1, 1), received_on=date(2025, 1, 1), business_date=date(2025, 1, 1),
            actor="test", agreed_amount_pence=2_500)
    else:
        balance = {"standard": 5_581, "fraud": 9_301, "sanction": 4_771}.get(case, 3_000)
        other = _dwp_debt(NINO, balance, "FRAUD" if case == "fraud" else "NON_FRAUD")
        if case == "reduced":
            ReducedRate.objects.create(debt=other, amount_pence=700, per="WEEK", until=D1 + timedelta(weeks=8),
                                       reason="t", actor="t", set_on=D1 - timedelta(days=1))
    if case == "sanction":
        Restriction.objects.create(person=person(), kind="SANCTION", event_id="s1", start_date=D1 - timedelta(days=1),
                                   end_date=D1 + timedelta(days=13), rate_percent="50")
    refer(folder, [build.referral("HB/1", NINO, 1_000)])
    assert la_files_step(D1)["returned"] == {"OTHER_DWP_RECOVERY": 1}
    [row] = [row for row in debtor_summary(NINO)["debts"] if row["ref"] == "HB/1"]
    assert row["status_reason"] == (
        "OTHER_DWP_RECOVERY: returned as it was referred: other DWP recovery by deduction is due to last more "
        f"than 28 days: the other DWP and HMRC debts' balance of {expected} (hb-debt-interface.md §6.3)")


def order_facts(debt: Debt) -> DebtOrderFacts:
    """The facts the recovery order sorts a debt by (its creditor loaded), as the engines read them."""
    return DebtOrderFacts(debt_id=debt.pk, creditor_kind=debt.creditor.kind, debt_type=debt.debt_type,
                          classification=debt.classification, created_on=debt.created_on,
                          received_on=debt.received_on, receipt_seq=debt.receipt_seq)


def test_recovery_order_fraud_first_then_oldest(folder: Path) -> None:
    la()
    la("000123")
    award()
    refer(folder, [build.referral("A/NF", NINO, 1_000)], day=D1, la_id="000123")
    refer(folder, [build.referral("B/NF1", NINO, 1_000), build.referral("B/NF2", NINO, 1_000)], day=D1)
    la_files_step(D1)
    refer(folder, [build.referral("B/F", NINO, 1_000, classification="FRAUD")], day=D1 + timedelta(days=1))
    la_files_step(D1 + timedelta(days=1))
    held = list(Debt.objects.filter(person=person()).select_related("creditor"))
    order = [d.creditor_ref for d in in_recovery_order(held, order_facts)]
    # fraud first; then the oldest received; then receipt order (LA 000123's file was processed first, §5.4)
    assert order == ["B/F", "A/NF", "B/NF1", "B/NF2"]


def test_re_referred_non_fraud_goes_to_back(folder: Path) -> None:
    la()
    award()
    refer(folder, [build.referral("HB/1", NINO, 1_000), build.referral("HB/2", NINO, 1_000)])
    la_files_step(D1)
    cease_hb_debts([debt("HB/1").pk], "MANUAL_RECALL", D1, "test")
    later = D1 + timedelta(days=10)
    refer(folder, [build.referral("HB/1", NINO, 1_000)], day=later)
    la_files_step(later)
    assert (debt("HB/1").status, debt("HB/1").received_on) == (DebtStatus.OPEN, later)
    held = list(Debt.objects.filter(status=DebtStatus.OPEN).select_related("creditor"))
    assert [d.creditor_ref for d in in_recovery_order(held, order_facts)] == ["HB/2", "HB/1"]


def test_re_referred_fraud_keeps_first_received_date(folder: Path) -> None:
    la()
    award()
    refer(folder, [build.referral("HB/F", NINO, 1_000, classification="FRAUD")])
    la_files_step(D1)
    cease_hb_debts([debt("HB/F").pk], "MANUAL_RECALL", D1, "test")
    later = D1 + timedelta(days=10)
    refer(folder, [build.referral("HB/F", NINO, 1_000, classification="FRAUD"),
                   build.referral("HB/G", NINO, 1_000, classification="FRAUD")], day=later)
    la_files_step(later)
    assert debt("HB/F").received_on == D1 and debt("HB/G").received_on == later
    assert Cessation.objects.get(debt__creditor_ref="HB/F").referral_received_date == D1


def test_re_referred_debt_reclassified_takes_the_received_date_its_new_classification_gives(folder: Path) -> None:
    """§6.4 with §3.2 ``RevisedClassification``: a re-referred debt goes to the back of the queue unless it is
    a fraud debt, which keeps its first referral's received date. Revised to FRAUD later, a re-referred
    non-fraud debt takes its first date back; revised to NON_FRAUD, a re-referred fraud debt goes to the
    back (the new referral's date), as a referral with that classification would have."""
    la()
    award()
    refer(folder, [build.referral("HB/1", NINO, 1_000), build.referral("HB/F", NINO, 1_000, classification="FRAUD")])
    la_files_step(D1)
    cease_hb_debts([debt("HB/1").pk, debt("HB/F").pk], "MANUAL_RECALL", D1, "test")
    later = D1 + timedelta(days=10)
    refer(folder, [build.referral("HB/1", NINO, 1_000), build.referral("HB/F", NINO, 1_000, classification="FRAUD")],
          day=later)
    la_files_step(later)
    assert (debt("HB/1").received_on, debt("HB/F").received_on) == (later, D1)
    day = later + timedelta(days=1)
    received(folder, "LAREV", [build.revision("HB/1", NINO, None, "FRAUD", reason="FURTHER_OVERPAYMENT"),
                               build.revision("HB/F", NINO, None, "NON_FRAUD", reason="FURTHER_OVERPAYMENT")], day=day)
    assert la_files_step(day)["revisions"] == 2
    assert (debt("HB/1").received_on, debt("HB/F").received_on) == (D1, later)
    assert (debt("HB/1").referral_received_on, debt("HB/F").referral_received_on) == (later, later)
    assert "received date for recovery order moved" in debt("HB/1").status_changes.order_by("pk").last().reason


def test_cessation_of_a_re_referred_fraud_debt_reports_when_this_referral_was_received(folder: Path) -> None:
    """§4.1 ReferralReceivedDate is when DMS received the referral; §6.4 keeps the first referral's date
    only for the order of recovery. Both for a debt returned later and for one returned as it is taken on."""
    la()
    award()
    refer(folder, [build.referral("HB/F", NINO, 1_000, classification="FRAUD")])
    la_files_step(D1)
    cease_hb_debts([debt("HB/F").pk], "MANUAL_RECALL", D1, "test")
    later = D1 + timedelta(days=10)
    refer(folder, [build.referral("HB/F", NINO, 1_000, classification="FRAUD")], day=later)
    la_files_step(later)
    again = debt("HB/F")
    assert (again.received_on, again.referral_received_on) == (D1, later)  # recovery order kept (§6.4)
    cease_hb_debts([again.pk], "LA_RECALL", later + timedelta(days=5), "test")
    assert Cessation.objects.get(debt=again).referral_received_date == later
    Award.objects.update(end_date=later)  # no benefit in payment: the next re-referral is returned at once
    latest = later + timedelta(days=3)
    refer(folder, [build.referral("HB/F", NINO, 1_000, classification="FRAUD")], day=latest)
    assert la_files_step(latest)["returned"] == {"NO_BENEFIT_IN_PAYMENT": 1}
    returned = debt("HB/F")
    assert returned.received_on == D1
    assert Cessation.objects.get(debt=returned).referral_received_date == latest


def _died(nino: str, on: date) -> None:
    """A person.died event imported as the events file brings it (events.md §2): DMS records the date of
    death at import."""
    report = import_events([json.dumps({"event_id": f"died-{nino}", "type": "person.died",
                                        "occurred_on": on.isoformat(), "nino": nino,
                                        "date_of_death": on.isoformat()})], source="test.jsonl")
    assert report.ok, report.refused


def test_a_referral_returned_for_a_death_names_the_death_s_event(folder: Path) -> None:
    """recovery-rules.md §6 and events.md ``person.died`` (HB debts cease, DEATH), README ``dms debtor show``
    (``status_reason``: the death, "date, event"): a referral returned at once for the claimant's death names
    the date and the event that reported it."""
    from dms.services.debtors import debtor_summary

    la()
    award()
    _died(NINO, date(2025, 11, 10))
    day = date(2025, 11, 17)
    refer(folder, [build.referral("HB/1", NINO, 10_000)], day=day)
    assert la_files_step(day)["returned"] == {"DEATH": 1}
    [row] = debtor_summary(NINO)["debts"]
    assert row["status_reason"] == (
        f"DEATH: returned as it was referred: the claimant died on 2025-11-10 (event died-{NINO}), on or before "
        "2025-11-17 (recovery-rules.md §6; events.md person.died)")


def test_referral_for_a_claimant_who_has_died_is_returned_at_once_death(folder: Path) -> None:
    """§6.2 with events.md person.died and recovery-rules.md §6 ("HB debts cease (DEATH)"): a referral
    processed on or after the claimant's date of death is taken on and returned at once, DEATH, even with
    their award left open; the LA hears of it in that day's cessation file."""
    la()
    award()
    died = date(2025, 11, 10)
    _died(NINO, died)
    day = date(2025, 11, 17)
    refer(folder, [build.referral("HB/1", NINO, 10_000, classification="FRAUD")], day=day)
    summary = la_files_step(day)
    assert (summary["taken_on"], summary["returned"]) == (0, {"DEATH": 1})
    assert state("HB/1") == (DebtStatus.RETURNED, "DEATH")
    returned = debt("HB/1")
    cessation = Cessation.objects.get(debt=returned)
    assert (cessation.reason, cessation.cessation_date, cessation.referral_received_date,
            cessation.balance_returned_pence, cessation.amount_recovered_pence) == ("DEATH", day, day, 10_000, 0)
    assert "died on 2025-11-10" in returned.status_changes.get(to_status=DebtStatus.RETURNED).reason
    assert account_balance(AccountKey(AccountKind.RECEIVABLE, returned.pk)) == 0
    assert outbound_step(day)["cessations"] == 1
    assert Cessation.objects.get(debt=returned).reported_on == day
    assert check_ledger().ok


def test_referral_processed_on_the_date_of_death_is_returned_death_and_before_it_is_not(folder: Path) -> None:
    """events.md person.died: recovery stops from the date of death (the deduction step skips a person on and
    after it), so a referral processed on that date is returned DEATH; DEATH is given rather than
    NO_BENEFIT_IN_PAYMENT when both apply, as it tells the LA why."""
    la()
    award()
    award("AB123457C", "JSA", end=date(2025, 11, 1))
    _died(NINO, D1)
    _died("AB123457C", date(2025, 11, 2))
    award("AB123458C")
    Person.objects.filter(nino="AB123458C").update(date_of_death=D1 + timedelta(days=1))  # not died yet
    refer(folder, [build.referral("HB/1", NINO, 10_000), build.referral("HB/2", "AB123457C", 10_000),
                   build.referral("HB/3", "AB123458C", 10_000)])
    assert la_files_step(D1)["returned"] == {"DEATH": 2}
    assert state("HB/1") == state("HB/2") == (DebtStatus.RETURNED, "DEATH")
    assert state("HB/3") == (DebtStatus.OPEN, "")


# ---------------------------------------------------------------------------------------------- revisions


def test_revision_changes_amount_by_the_difference_and_classification(folder: Path) -> None:
    la()
    award()
    refer(folder, [build.referral("HB/1", NINO, 10_000)])
    la_files_step(D1)
    day = D1 + timedelta(days=1)
    received(folder, "LAREV", [build.revision("HB/1", NINO, 12_500, "FRAUD", reason="FURTHER_OVERPAYMENT")], day=day)
    summary = la_files_step(day)
    assert summary["revisions"] == 1
    revised = debt("HB/1")
    assert (revised.amount_pence, revised.classification) == (12_500, "FRAUD")
    entry = JournalEntry.objects.get(kind=EntryKind.REVISION)
    assert entry.business_date == day and "FURTHER_OVERPAYMENT" in entry.reason
    assert account_balance(AccountKey(AccountKind.RECEIVABLE, revised.pk)) == 12_500


def test_revision_over_recovery_balance_zero_correction_credit_then_refund(folder: Path) -> None:
    council = la()
    award()
    refer(folder, [build.referral("HB/1", NINO, 10_000, classification="FRAUD"), build.referral("HB/2", NINO, 1_500)])
    la_files_step(D1)
    deduct(debt("HB/1"), 6_000, D1)
    day = D1 + timedelta(days=3)
    received(folder, "LAREV", [build.revision("HB/1", NINO, 4_000, reason="APPEAL_DECIDED")], day=day)
    la_files_step(day)
    first, second = debt("HB/1"), debt("HB/2")
    assert (first.amount_pence, first.status) == (4_000, DebtStatus.CLEARED)
    assert account_balance(AccountKey(AccountKind.RECEIVABLE, first.pk)) == 0
    # 20.00 over-recovered: taken back from the LA, 15.00 clears HB/2, 5.00 refunded
    correction = JournalEntry.objects.get(kind=EntryKind.CORRECTION)
    assert correction.postings.get(amount_pence__gt=0).amount_pence == 2_000
    assert account_balance(AccountKey(AccountKind.CREDITOR_PAYABLE, council.pk)) == -6_000 + 2_000 - 1_500
    assert (second.status, account_balance(AccountKey(AccountKind.RECEIVABLE, second.pk))) == (DebtStatus.CLEARED, 0)
    assert account_balance(AccountKey(AccountKind.PERSON_REFUND_DUE, person().pk)) == -500
    assert check_ledger().ok


def _shared_credit_case(folder: Path) -> tuple[Debt, Debt, Debt]:
    """A UC claimant with a DWP overpayment (80.00) and two HB overpayments (Annex B item 19): A1 with LA
    005920 (100.00) and B1 with LA 005921 (50.00); 30.01 recovered on DW1 and on A1 (a deduction of 60.02
    split between DWP and the LA, rule b); then LA 005920 revises A1 to 10.00: 20.01 over-recovered."""
    la()
    la("005921")
    award()
    dwp = debt_service.create_debt(
        person=person(), creditor=Creditor.objects.get(kind="DWP"), creditor_ref="DW1", debt_type="OVERPAYMENT",
        classification="NON_FRAUD", amount_pence=8_000, created_on=date(2025, 10, 1), received_on=D1,
        business_date=D1, actor="test")
    refer(folder, [build.referral("A1", NINO, 10_000)])
    refer(folder, [build.referral("B1", NINO, 5_000)], la_id="005921")
    la_files_step(D1)
    deduct(dwp, 3_001, D1)
    deduct(debt("A1"), 3_001, D1)
    day = D1 + timedelta(days=1)
    received(folder, "LAREV", [build.revision("A1", NINO, 1_000)], day=day)
    la_files_step(day)
    return dwp, debt("A1"), debt("B1", "005921")


def test_an_over_recovery_credit_is_shared_between_owners_as_a_deduction_would_be(folder: Path) -> None:
    """hb-debt-interface.md §6.5 and recovery-rules.md §5: the claimant's credit goes to their other
    outstanding debts "in recovery order", and recovery order in Annex B item 19 splits equally between the
    owners that have debts in it (recovery-rules.md §3 rule b; the leftover penny to DWP, §1), as the
    person's own untargeted payment is spread (docs/architecture.md "Credit"): the 20.01 over-recovered on
    A1 gives 10.01 to the DWP debt and 10.00 to the other LA's B1, not all of it to DWP."""
    dwp, revised, other = _shared_credit_case(folder)
    figures = debt_service.debt_figures([dwp, revised, other])
    assert figures == {dwp.pk: (8_000, 3_001 + 1_001, 3_998), revised.pk: (1_000, 1_000, 0),
                       other.pk: (5_000, 1_000, 4_000)}
    assert (revised.status, other.status, Debt.objects.get(pk=dwp.pk).status) == (
        DebtStatus.CLEARED, DebtStatus.OPEN, DebtStatus.OPEN)
    assert account_balance(AccountKey(AccountKind.CREDITOR_PAYABLE, other.creditor_id)) == -1_000
    assert account_balance(AccountKey(AccountKind.PERSON_REFUND_DUE, person().pk)) == 0
    assert account_balance(AccountKey(AccountKind.PERSON_CREDIT, person().pk)) == 0
    assert check_ledger().ok


def test_a_revision_below_the_amount_recovered_says_what_was_taken_back_and_where_the_credit_went(
        folder: Path) -> None:
    """hb-debt-interface.md §6.5 and README `dms debtor show` (``status_reason``): the debt cleared by a
    revision below what was recovered says so with every figure: the new total and what had been recovered,
    the excess taken back from the LA (its next schedule's CORRECTION), the credit placed on each of the
    person's other debts and the refund; "revised to the amount recovered" is kept for a revision equal to
    it."""
    from dms.services.debtors import debtor_summary

    _shared_credit_case(folder)
    rows = {row["ref"]: row for row in debtor_summary(NINO)["debts"]}
    assert rows["A1"]["status_reason"] == (
        "revised to 10.00, below the 30.01 recovered: 20.01 taken back from LA 005920 (a CORRECTION on its "
        "next payment schedule), credited to the person's other debts in recovery order (DWP DW1 10.01, "
        "LA 005921 B1 10.00) and 0.00 refunded: ENTITLEMENT_REVIEWED (revision in 20251119-LAREV-005920.xml, "
        "line 4)")
    received(folder, "LAREV", [build.revision("B1", NINO, 1_000)], la_id="005921", day=D1 + timedelta(days=2))
    la_files_step(D1 + timedelta(days=2))
    rows = {row["ref"]: row for row in debtor_summary(NINO)["debts"]}
    assert rows["B1"]["status_reason"] == (
        "revised to the amount recovered: ENTITLEMENT_REVIEWED (revision in 20251120-LAREV-005921.xml, line 4)")


def _credit_while_recalled(folder: Path, revised_on: date) -> tuple[Debt, Debt]:
    """A UC claimant owes A1 to LA 005920 and B1 to LA 005921, 100.00 each (Annex B item 19); 63.73 was
    recovered on A1; LA 005921 recalls B1 on D1 + 3 (a UC claimant: it ceases 5 days later, on D1 + 8); LA
    005920 revises A1 to 20.00 on ``revised_on``: 43.73 over-recovered."""
    la()
    la("005921")
    award()
    refer(folder, [build.referral("A1", NINO, 10_000)])
    refer(folder, [build.referral("B1", NINO, 10_000)], la_id="005921")
    la_files_step(D1)
    deduct(debt("A1"), 6_373, D1)
    _recalled(folder, ["B1"], day=D1 + timedelta(days=3), la_id="005921")
    assert Recall.objects.get(debt=debt("B1", "005921")).ceases_on == D1 + timedelta(days=8)
    for day in (D1 + timedelta(days=n) for n in range(4, (revised_on - D1).days + 1)):
        holding_periods_step(day)  # as the daily run ends holding periods before the day's LA files
    received(folder, "LAREV", [build.revision("A1", NINO, 2_000, reason="APPEAL_DECIDED")], day=revised_on)
    la_files_step(revised_on)
    return debt("A1"), debt("B1", "005921")


def test_an_over_recovery_credit_reaches_a_debt_in_its_recall_holding_period(folder: Path) -> None:
    """hb-debt-interface.md §6.5: the claimant's credit goes to their other *outstanding* debts in recovery
    order, and "a recall stops new deductions from its processing date. Money already taken still reaches the
    debt during the holding period; the debt ceases, with the balance then held, 5 days later (UC)". The
    credit is money already taken from the person's benefit: it reaches B1, recalled and in its holding
    period (its LA gets it as a credit placed on any other debt, a DIRECT_PAYMENT line), nothing is refunded,
    and B1 ceases with the balance then held: 56.27 returned, 43.73 recovered."""
    from dms.services.debtors import debtor_summary

    revised, recalled = _credit_while_recalled(folder, D1 + timedelta(days=4))
    assert (revised.status, recalled.status) == (DebtStatus.CLEARED, DebtStatus.RECALL_PENDING)
    assert debt_service.debt_figures([recalled])[recalled.pk] == (10_000, 4_373, 5_627)
    assert account_balance(AccountKey(AccountKind.CREDITOR_PAYABLE, recalled.creditor_id)) == -4_373
    assert account_balance(AccountKey(AccountKind.PERSON_REFUND_DUE, person().pk)) == 0
    rows = {row["ref"]: row for row in debtor_summary(NINO)["debts"]}
    assert rows["A1"]["status_reason"] == (
        "revised to 20.00, below the 63.73 recovered: 43.73 taken back from LA 005920 (a CORRECTION on its next "
        "payment schedule), credited to the person's other debts in recovery order (LA 005921 B1 43.73) and "
        "0.00 refunded: APPEAL_DECIDED (revision in 20251122-LAREV-005920.xml, line 4)")
    assert holding_periods_step(D1 + timedelta(days=8)) == {"ceased": 1, "already_returned": 0}
    cessation = Cessation.objects.get(debt=recalled)
    assert (cessation.reason, cessation.balance_returned_pence, cessation.amount_recovered_pence) == (
        "LA_RECALL", 5_627, 4_373)
    assert check_ledger().ok


def test_an_over_recovery_credit_never_reaches_a_debt_whose_holding_period_has_ended(folder: Path) -> None:
    """hb-debt-interface.md §6.5: once its holding period has ended the recalled debt has ceased, returned
    with the balance then held; a credit arising later (here on the day it ceased, and after) is refunded,
    and the text says no debt was outstanding."""
    from dms.services.debtors import debtor_summary

    revised, recalled = _credit_while_recalled(folder, D1 + timedelta(days=8))
    assert (revised.status, recalled.status) == (DebtStatus.CLEARED, DebtStatus.RETURNED)
    assert Cessation.objects.get(debt=recalled).balance_returned_pence == 10_000
    assert account_balance(AccountKey(AccountKind.PERSON_REFUND_DUE, person().pk)) == -4_373
    rows = {row["ref"]: row for row in debtor_summary(NINO)["debts"]}
    assert "credited to the person's other debts in recovery order (none outstanding) and 43.73 refunded" in (
        rows["A1"]["status_reason"])
    assert check_ledger().ok


def test_a_credit_arising_on_the_day_a_holding_period_ends_never_reaches_the_recalled_debt(folder: Path) -> None:
    """hb-debt-interface.md §6.5: the recalled debt ceases on the day its holding period ends. A credit placed
    that day before the run has ended the holding period (an earlier step of the day) does not reach it: it
    ceases with the balance it was recalled with, and the credit is refunded."""
    _credit_while_recalled(folder, D1 + timedelta(days=4))  # B1 recalled; the credit above went to it
    recalled = debt("B1", "005921")
    owner = Creditor.objects.get(kind="DWP")
    mine = debt_service.create_debt(
        person=person(), creditor=owner, creditor_ref="DW9", debt_type="OVERPAYMENT", classification="NON_FRAUD",
        amount_pence=5_000, created_on=D1, received_on=D1, business_date=D1, actor="test")
    deduct(mine, 5_000, D1)
    ends = D1 + timedelta(days=8)
    assert recalled.status == DebtStatus.RECALL_PENDING
    used = debt_service.revise_debt_amount(mine, 4_000, business_date=ends, actor="test", reason="test")
    assert (used.credit_applied, used.refund_pence) == ([], 1_000)
    assert debt_service.debt_figures([recalled])[recalled.pk] == (10_000, 4_373, 5_627)
    assert check_ledger().ok


def test_a_direct_payment_is_not_spread_over_a_debt_in_its_recall_holding_period(folder: Path) -> None:
    """events.md §3 (a payment without a target "is spread like a deduction") with hb-debt-interface.md §6.5
    (a recall "stops new deductions from its processing date"; **Decision**, docs/la-interface-notes.md "A
    credit reaches a debt in its recall holding period": a payment is not money already taken): an untargeted
    payment of 150.00 made while B1 is recalled clears A1 and the 50.00 left is refunded, not put on B1."""
    from dms.services.recovery import life_events_step

    la()
    la("005921")
    award()
    refer(folder, [build.referral("A1", NINO, 10_000)])
    refer(folder, [build.referral("B1", NINO, 10_000)], la_id="005921")
    la_files_step(D1)
    _recalled(folder, ["B1"], day=D1 + timedelta(days=3), la_id="005921")
    paid = (D1 + timedelta(days=4)).isoformat()
    report = import_events([json.dumps({"event_id": "pay", "type": "payment.received", "occurred_on": paid,
                                        "nino": NINO, "amount": "150.00", "received_on": paid, "channel": "CARD"})],
                           source="test.jsonl")
    assert (report.stored, report.refused) == (1, [])
    life_events_step(D1 + timedelta(days=4))
    first, recalled = debt("A1"), debt("B1", "005921")
    assert debt_service.debt_figures([first, recalled]) == {first.pk: (10_000, 10_000, 0),
                                                            recalled.pk: (10_000, 0, 10_000)}
    assert (first.status, recalled.status) == (DebtStatus.CLEARED, DebtStatus.RECALL_PENDING)
    assert account_balance(AccountKey(AccountKind.PERSON_REFUND_DUE, person().pk)) == -5_000
    assert check_ledger().ok


def test_debtor_show_gives_the_reason_of_each_refund_due(folder: Path) -> None:
    """recovery-rules.md §5, README `dms debtor show`: a refund due says where the person's credit came from,
    next to the refunds due (``refunds`` in JSON, present when there are any): here what HB/1's revision to
    40.00 took back (20.00) and HB/2 could not take (15.00)."""
    from dms.services.debtors import debtor_summary

    la()
    award()
    assert "refunds" not in debtor_summary(NINO)
    refer(folder, [build.referral("HB/1", NINO, 10_000, classification="FRAUD"), build.referral("HB/2", NINO, 1_500)])
    la_files_step(D1)
    deduct(debt("HB/1"), 6_000, D1)
    day = D1 + timedelta(days=3)
    received(folder, "LAREV", [build.revision("HB/1", NINO, 4_000, reason="APPEAL_DECIDED")], day=day)
    la_files_step(day)
    summary = debtor_summary(NINO)
    first = debt("HB/1")
    assert summary["refunds_due"] == "5.00"
    assert summary["refunds"] == [{
        "date": day.isoformat(), "amount": "5.00",
        "reason": f"credit from over-recovery of debt {first.pk} (LA 005920 HB/1, revised to 40.00 below the "
                  "60.00 recovered) refunded to the person"}]
    rows = {row["ref"]: row for row in summary["debts"]}
    assert rows["HB/1"]["status_reason"] == (
        "revised to 40.00, below the 60.00 recovered: 20.00 taken back from LA 005920 (a CORRECTION on its next "
        "payment schedule), credited to the person's other debts in recovery order (LA 005920 HB/2 15.00) and "
        "5.00 refunded: APPEAL_DECIDED (revision in 20251121-LAREV-005920.xml, line 4)")
    assert rows["HB/2"]["status_reason"] == (
        f"cleared by the person's credit from over-recovery of debt {first.pk} (LA 005920 HB/1, revised to 40.00 "
        "below the 60.00 recovered)")


def test_referral_and_revision_in_one_run(folder: Path) -> None:
    la()
    award()
    refer(folder, [build.referral("HB/1", NINO, 10_000)])
    received(folder, "LAREV", [build.revision("HB/1", NINO, 9_000)], day=D1)
    summary = la_files_step(D1)
    assert (summary["accepted"], summary["referrals"], summary["revisions"]) == (2, 1, 1)
    assert debt("HB/1").amount_pence == 9_000


# ---------------------------------------------------------------------------------------------- recalls


def _recall_case(folder: Path, benefit: str) -> tuple[Debt, date]:
    la()
    award(benefit=benefit)
    refer(folder, [build.referral("HB/1", NINO, 10_000)])
    la_files_step(D1)
    deduct(debt("HB/1"), 2_500, D1)
    day = D1 + timedelta(days=2)
    received(folder, "LAREC", [build.recall("HB/1", NINO, "PAID_IN_FULL")], day=day)
    assert la_files_step(day)["recalls"] == 1
    recalled = debt("HB/1")
    assert recalled.status == DebtStatus.RECALL_PENDING
    assert load_open_debts(day, [recalled.person_id]) == {}  # no new deductions from the processing date
    return recalled, day


def test_recall_holding_period_uc_5_days(folder: Path) -> None:
    recalled, day = _recall_case(folder, "UC")
    recall = Recall.objects.get(debt=recalled)
    assert (recall.recalled_on, recall.ceases_on, recall.reason) == (day, day + timedelta(days=5), "PAID_IN_FULL")
    deduct(recalled, 500, day + timedelta(days=1))  # money already taken still reaches the debt
    assert holding_periods_step(day + timedelta(days=4)) == {"ceased": 0, "already_returned": 0}
    assert holding_periods_step(day + timedelta(days=5)) == {"ceased": 1, "already_returned": 0}
    assert state("HB/1") == (DebtStatus.RETURNED, "LA_RECALL")
    cessation = Cessation.objects.get(debt=recalled)
    assert (cessation.cessation_date, cessation.balance_returned_pence, cessation.amount_recovered_pence) == (
        day + timedelta(days=5), 7_000, 3_000)
    assert Recall.objects.get(debt=recalled).ceased
    assert holding_periods_step(day + timedelta(days=6)) == {"ceased": 0, "already_returned": 0}
    assert check_ledger().ok


@pytest.mark.parametrize(("benefit", "days", "claimant"), [("UC", 5, "a UC claimant"),
                                                       ("JSA", 14, "not a UC claimant")])
def test_a_debt_ceased_by_its_recall_says_which_recall_ceased_it(folder: Path, benefit: str, days: int,
                                                                 claimant: str) -> None:
    """hb-debt-interface.md §6.5 (a recall stops new deductions from its processing date; the debt ceases,
    with the balance then held, 5 days later for a UC claimant and 14 days later for others) and README
    ``dms debtor show`` (``status_reason``): the reason of a debt returned ``LA_RECALL`` names the recall
    (the LA, the recall's reason, its file and the line of its record, the day recalled) and the days it was
    held; ``cessation_reason`` stays the code."""
    import re

    from dms.services.debtors import debtor_summary

    recalled, day = _recall_case(folder, benefit)
    recall = Recall.objects.get(debt=recalled)
    pending = recalled.status_changes.get(to_status=DebtStatus.RECALL_PENDING)
    line = re.search(r"line (\d+)\)", pending.reason)
    assert line is not None and f"{recall.file.name} line {line.group(1)}" in pending.reason
    holding_periods_step(day + timedelta(days=days))
    [row] = debtor_summary(NINO)["debts"]
    assert (row["status"], row["cessation_reason"], row["status_since"]) == (
        "RETURNED", "LA_RECALL", str(day + timedelta(days=days)))
    assert row["status_reason"] == (
        f"LA_RECALL: recalled by LA {LA} (PAID_IN_FULL, {recall.file.name} line {line.group(1)}) on {day}; held "
        f"{days} days ({claimant}) and ceased on {day + timedelta(days=days)} with the balance then held "
        "(hb-debt-interface.md §6.5)")


def test_a_cleared_debt_reopened_in_its_recall_holding_period_is_recall_pending_again(folder: Path) -> None:
    """hb-debt-interface.md §6.5: a recall stops new deductions from its processing date, and the debt ceases
    with the balance then held. A debt cleared in its holding period and then revised up is RECALL_PENDING
    again (not OPEN, to be deducted from), and ceases with its balance."""
    recalled, day = _recall_case(folder, "JSA")
    debt_service.revise_debt_amount(recalled, 2_500, business_date=day + timedelta(days=1), actor="test",
                                    reason="revised to what was recovered")
    assert state("HB/1") == (DebtStatus.CLEARED, "")
    debt_service.revise_debt_amount(debt("HB/1"), 4_000, business_date=day + timedelta(days=2), actor="test",
                                    reason="further overpayment")
    assert state("HB/1") == (DebtStatus.RECALL_PENDING, "")
    assert load_open_debts(day + timedelta(days=3), [recalled.person_id]) == {}
    assert holding_periods_step(day + timedelta(days=14))["ceased"] == 1
    assert state("HB/1") == (DebtStatus.RETURNED, "LA_RECALL")
    assert Cessation.objects.get(debt=recalled).balance_returned_pence == 1_500 and check_ledger().ok


def test_recall_holding_period_others_14_days(folder: Path) -> None:
    recalled, day = _recall_case(folder, "JSA")
    assert Recall.objects.get(debt=recalled).ceases_on == day + timedelta(days=14)
    assert holding_periods_step(day + timedelta(days=13))["ceased"] == 0
    assert holding_periods_step(day + timedelta(days=14))["ceased"] == 1
    assert Cessation.objects.get(debt=recalled).balance_returned_pence == 7_500


def test_recall_of_a_debt_already_in_its_recall_holding_period_changes_nothing(folder: Path) -> None:
    """§6.1 (DEBT_RECALLED is for a revision only) with §6.5: a recall of a debt already in its recall
    holding period is valid and changes nothing (the first recall's holding period stands; the audit notes
    it); the file's other recalls are applied."""
    la()
    award()
    refer(folder, [build.referral("HB/1", NINO, 10_000), build.referral("HB/2", NINO, 5_000),
                   build.referral("HB/3", NINO, 2_000)])
    la_files_step(D1)
    received(folder, "LAREC", [build.recall("HB/1", NINO), build.recall("HB/3", NINO)], day=D1)
    la_files_step(D1)
    _cleared(debt("HB/3"))  # cleared in its holding period: still in it until it ceases
    day = D1 + timedelta(days=1)
    again = received(folder, "LAREC", [build.recall("HB/1", NINO, "PAID_IN_FULL"), build.recall("HB/2", NINO),
                                       build.recall("HB/3", NINO)], day=day)
    summary = la_files_step(day)
    assert (summary["accepted"], summary["failed"], summary["recalls"]) == (1, 0, 3)
    assert ReceivedFile.objects.get(pk=again.pk).state == FileState.ACCEPTED
    first = debt("HB/1")
    assert [(r.recalled_on, r.ceases_on, r.reason) for r in Recall.objects.filter(debt=first)] == [
        (D1, D1 + timedelta(days=5), "LA_RECOVERY")]
    assert first.status == DebtStatus.RECALL_PENDING and first.status_date == D1
    noted = first.status_changes.order_by("pk").last()
    assert (noted.from_status, noted.to_status, noted.business_date) == (
        DebtStatus.RECALL_PENDING, DebtStatus.RECALL_PENDING, day)
    assert "already" in noted.reason and str(D1 + timedelta(days=5)) in noted.reason
    assert Recall.objects.get(debt=debt("HB/2")).ceases_on == day + timedelta(days=5)
    assert Recall.objects.filter(debt=debt("HB/3")).count() == 1 and debt("HB/3").status == DebtStatus.CLEARED
    assert holding_periods_step(D1 + timedelta(days=5)) == {"ceased": 2, "already_returned": 0}
    assert state("HB/1") == state("HB/3") == (DebtStatus.RETURNED, "LA_RECALL")
    assert Cessation.objects.filter(debt=first).count() == 1
    assert check_ledger().ok


def test_recalled_debt_returned_another_way_is_not_returned_twice(folder: Path) -> None:
    recalled, day = _recall_case(folder, "UC")
    cease_hb_debts([recalled.pk], "DEATH", day + timedelta(days=1), "test")
    assert holding_periods_step(day + timedelta(days=5)) == {"ceased": 0, "already_returned": 1}
    assert Cessation.objects.get(debt=recalled).reason == "DEATH"


def test_a_recall_of_a_debt_dms_returned_earlier_the_same_day_is_accepted_and_changes_nothing(
        folder: Path) -> None:
    """§6.1, §6.5 with §5.4 (docs/la-interface-notes.md "A recall of a debt DMS returned that day", Decision):
    a debt DMS returned earlier in the run that processes the LA's recall of it (a death the life events
    step applied, a referral in the same tar returned at once) has gone without the LA being able to know:
    the recall is accepted and changes nothing (no recall, no second cessation; the audit notes it), and
    the file's other recalls are applied."""
    la()
    award()
    refer(folder, [build.referral("HB/1", NINO, 10_000), build.referral("HB/2", NINO, 5_000)])
    la_files_step(D1)
    day = D1 + timedelta(days=1)
    cease_hb_debts([debt("HB/1").pk], "DEATH", day, "test")  # as the life events step, before the LA files
    stranger = "AB654321C"  # no benefit in payment: returned as it is referred
    refer(folder, [build.referral("HB/9", stranger, 2_000)], day=day)
    recalls = received(folder, "LAREC", [build.recall("HB/1", NINO), build.recall("HB/2", NINO),
                                         build.recall("HB/9", stranger)], day=day)
    summary = la_files_step(day)
    assert (summary["accepted"], summary["failed"], summary["recalls"]) == (2, 0, 3)
    assert ReceivedFile.objects.get(pk=recalls.pk).state == FileState.ACCEPTED
    assert state("HB/1") == (DebtStatus.RETURNED, "DEATH")
    assert state("HB/9") == (DebtStatus.RETURNED, "NO_BENEFIT_IN_PAYMENT")
    assert state("HB/2") == (DebtStatus.RECALL_PENDING, "")
    assert list(Recall.objects.values_list("debt__creditor_ref", flat=True)) == ["HB/2"]
    assert Cessation.objects.filter(debt__creditor_ref__in=["HB/1", "HB/9"]).count() == 2
    for ref in ("HB/1", "HB/9"):
        noted = debt(ref).status_changes.order_by("pk").last()
        assert (noted.from_status, noted.to_status, noted.business_date) == (
            DebtStatus.RETURNED, DebtStatus.RETURNED, day)
        assert f"already returned on {day}" in noted.reason and "nothing changed" in noted.reason
    assert check_ledger().ok


@pytest.mark.parametrize("catch_up", [False, True], ids=["day-by-day", "catch-up"])
def test_a_recall_of_a_debt_returned_by_a_run_day_after_the_last_run_before_its_file_was_received_is_accepted(
        folder: Path, catch_up: bool) -> None:
    """§6.1, §3.3 with §5.4 (docs/la-interface-notes.md "A recall of a debt DMS returned that day" and its
    Decision "A return the LA could not have known of"; docs/events-notes.md "A catch-up run acts on what DMS
    holds"): the LA's file was received before the bundle of any run day after the last run completed at its
    receipt existed, so a recall of a debt DMS returned on such a day is valid and changes nothing, and the
    file's other recalls are applied: run day by day (the death applied on the file's own day) or caught up
    by one run after the file was taken in (the death applied on the day before), the file is accepted alike."""
    la()
    other = "AB123457C"
    award()
    award(other)
    refer(folder, [build.referral("HB/2", NINO, 10_000), build.referral("HB/3", other, 30_000)])
    run_through(D1)
    day = D1 + timedelta(days=7)
    if not catch_up:
        run_through(day - timedelta(days=1))
    import_events([json.dumps({"event_id": "died", "type": "person.died", "occurred_on": day.isoformat(),
                               "nino": NINO, "date_of_death": (day - timedelta(days=1)).isoformat()})],
                  source="test.jsonl")
    recalls = received(folder, "LAREC", [build.recall("HB/2", NINO), build.recall("HB/3", other)], day=day)
    run_through(day)
    assert (debt("HB/2").status, debt("HB/2").cessation_reason) == (DebtStatus.RETURNED, "DEATH")
    assert debt("HB/2").status_date == (day - timedelta(days=1) if catch_up else day)
    assert ReceivedFile.objects.get(pk=recalls.pk).state == FileState.ACCEPTED
    assert state("HB/3") == (DebtStatus.RECALL_PENDING, "")
    assert list(Recall.objects.values_list("debt__creditor_ref", flat=True)) == ["HB/3"]
    assert Cessation.objects.filter(debt__creditor_ref="HB/2").count() == 1
    noted = debt("HB/2").status_changes.order_by("pk").last()
    assert (noted.from_status, noted.to_status, noted.business_date) == (DebtStatus.RETURNED, DebtStatus.RETURNED,
                                                                         day)
    assert f"already returned on {debt('HB/2').status_date}" in noted.reason
    assert check_ledger().ok


def test_a_debt_ceasing_on_the_run_date_is_not_held_by_that_days_referrals(folder: Path) -> None:
    """§6.5 with §3.1 and §6.3 (docs/la-interface-notes.md "A recall ceases before the day's LA files",
    Decision): the daily run ends the holding periods due on a date before it processes that date's LA files,
    so a debt DMS reports ceased on D is not held by D's referrals: its DebtRef is referred again that day,
    and a UC claimant whose fifth HB debt ceases that day has a new one taken on. A recall of it that day
    changes nothing."""
    la()
    la("000123")
    award()
    award("AB123457C")
    refer(folder, [build.referral("R/1", NINO, 10_000),
                   *[build.referral(f"B/{n}", "AB123457C", 1_000) for n in range(1, 6)]])
    run_through(D1)
    day = D1 + timedelta(days=1)
    received(folder, "LAREC", [build.recall("R/1", NINO), build.recall("B/5", "AB123457C")], day=day)
    run_through(day)
    ceases = day + timedelta(days=5)
    assert set(Recall.objects.values_list("ceases_on", flat=True)) == {ceases}
    refer(folder, [build.referral("R/1", NINO, 12_000)], day=ceases)
    refer(folder, [build.referral("C/1", "AB123457C", 2_000)], day=ceases, la_id="000123")
    received(folder, "LAREC", [build.recall("B/5", "AB123457C")], day=ceases)
    [*_, last] = run_through(ceases)
    assert last.steps["holding_periods"] == {"ceased": 2, "already_returned": 0}
    files = last.steps["la_files"]
    assert (files["accepted"], files["failed"], files["taken_on"], files["returned"]) == (3, 0, 2, {})
    assert sorted(Debt.objects.filter(creditor_ref="R/1").values_list("status", "cessation_reason",
                                                                       "amount_pence")) == [
        (DebtStatus.OPEN, "", 12_000), (DebtStatus.RETURNED, "LA_RECALL", 10_000)]
    assert state("C/1", "000123") == (DebtStatus.OPEN, "")
    assert state("B/5") == (DebtStatus.RETURNED, "LA_RECALL")
    assert Cessation.objects.filter(cessation_date=ceases, reason="LA_RECALL").count() == 2
    assert check_ledger().ok


def test_a_revision_of_a_debt_on_the_day_it_ceases_is_unknown_debt_ref(folder: Path) -> None:
    """§6.1 with §6.5 (docs/la-interface-notes.md "A recall ceases before the day's LA files", Decision): the
    daily run returns the debt before it processes that day's files, so a revision of it that day names a
    debt the LA no longer has open: UNKNOWN_DEBT_REF, whose message says to remove the record if the debt was
    returned (its cessation is in the same day's bundle), not DEBT_RECALLED; nothing of the file is applied."""
    la()
    award()
    refer(folder, [build.referral("HB/1", NINO, 10_000)])
    run_through(D1)
    day = D1 + timedelta(days=1)
    received(folder, "LAREC", [build.recall("HB/1", NINO)], day=day)
    run_through(day)
    ceases = day + timedelta(days=5)
    revision = received(folder, "LAREV", [build.revision("HB/1", NINO, 5_000)], day=ceases)
    [*_, last] = run_through(ceases)
    assert last.steps["la_files"]["failures"] == {"INVALID": 1}
    [error] = ReceivedFile.objects.get(pk=revision.pk).errors
    assert error["code"] == "UNKNOWN_DEBT_REF" and "remove the record if the debt was returned" in error["message"]
    assert state("HB/1") == (DebtStatus.RETURNED, "LA_RECALL") and debt("HB/1").amount_pence == 10_000
    assert Cessation.objects.get(debt=debt("HB/1")).cessation_date == ceases


# ---------------------------------------------------------------------------------------------- a late UC period


PAID = date(2026, 2, 6)  # the payment date of the UC period reported late


def _late_period_case(folder: Path, recalled_on: date, first: int = 50_000, suspended: bool = False) -> None:
    """A UC claimant (assessment periods from the 5th) with two HB debts: P1 of LA 000001, received on
    2026-02-02, first in recovery order, and P2 of LA 000002, received on 2026-02-03. LA 000001 recalls P1
    (``suspended`` first) on ``recalled_on``; the days are run through that date and the payment date of the
    period, so that period is reported late (:func:`_late_period`)."""
    la("000001")
    la("000002")
    _events({"event_id": "uc", "type": "award.started", "occurred_on": "2025-06-05", "nino": NINO,
             "award_ref": "UC1", "benefit": "UC", "start_date": "2025-06-05",
             "uc": {"claimant_type": "SINGLE_25_OR_OVER", "assessment_period_day": 5}})
    refer(folder, [build.referral("P1", NINO, first)], day=date(2026, 2, 2), la_id="000001")
    refer(folder, [build.referral("P2", NINO, 50_000)], day=date(2026, 2, 3), la_id="000002")
    run_through(date(2026, 2, 3))
    if suspended:
        debt("P1", "000001").change_status(DebtStatus.SUSPENDED, business_date=date(2026, 2, 3), actor="test",
                                           reason="test: a restriction")
    received(folder, "LAREC", [build.recall("P1", NINO)], day=recalled_on, la_id="000001")
    run_through(max(recalled_on, PAID))
    assert debt("P1", "000001").status == DebtStatus.RECALL_PENDING and not _taken()


def _late_period() -> None:
    _events({"event_id": "ap", "type": "uc.assessment_period", "occurred_on": "2026-02-04", "nino": NINO,
             "award_ref": "UC1", "period_start": "2026-01-05", "period_end": "2026-02-04",
             "payment_date": PAID.isoformat(), "award_amount": "800.00", "earnings_over_work_allowance": False,
             "sanction_amount": "0.00", "fraud_penalty_amount": "0.00", "third_party": []})


def _events(*records: dict) -> None:
    report = import_events([json.dumps(r) for r in records], source="test.jsonl")
    assert report.ok, report.refused


def _taken() -> list[tuple[str, str, int, date]]:
    from dms.store.recovery.models import Deduction

    return [(d.la_id, d.ref, d.amount_pence, d.date)
            for d in Deduction.objects.filter(status="TAKEN").order_by("date", "pk")]


def _cessation(ref: str, la_id: str) -> tuple[str, date, int, int]:
    ceased = Cessation.objects.get(debt=debt(ref, la_id))
    return ceased.reason, ceased.cessation_date, ceased.balance_returned_pence, ceased.amount_recovered_pence


def test_a_late_uc_period_paid_before_a_recall_reaches_the_recalled_debt_in_its_holding_period(
        folder: Path) -> None:
    """hb-debt-interface.md §6.5 ("A recall stops new deductions from its processing date. Money already taken
    still reaches the debt during the holding period") with events.md §2 (DMS works out a period's deductions
    on its ``payment_date``; one reported late is taken on the next run): the period paid on 2026-02-06,
    before LA 000001's recall of P1 was processed on 2026-02-09, reaches DMS on 2026-02-10. P1 was OPEN and
    first in recovery order (§6.4) on the payment date, so it takes the £60.02, as it would had the period
    arrived in time, not LA 000002's P2; P1 ceases on 2026-02-14 with the balance then held, 439.98."""
    _late_period_case(folder, date(2026, 2, 9))
    _late_period()
    run_through(date(2026, 2, 14))
    assert _taken() == [("000001", "P1", 6_002, date(2026, 2, 10))]
    assert _cessation("P1", "000001") == ("LA_RECALL", date(2026, 2, 14), 43_998, 6_002)
    assert state("P2", "000002") == (DebtStatus.OPEN, "")
    assert account_balance(AccountKey(AccountKind.RECEIVABLE, debt("P2", "000002").pk)) == 50_000
    assert check_ledger().ok


def test_a_late_uc_period_that_clears_a_debt_in_its_recall_holding_period_clears_it_until_it_ceases(
        folder: Path) -> None:
    """hb-debt-interface.md §6.5 with events.md §2: the late period's £60.02 clears P1 (£20.00, recalled
    after the payment date) and the rest goes on to P2, as on the payment date. P1 is CLEARED from
    RECALL_PENDING (audited) and still ceases LA_RECALL when its holding period ends, with 0.00 returned."""
    _late_period_case(folder, date(2026, 2, 9), first=2_000)
    _late_period()
    run_through(date(2026, 2, 10))
    assert _taken() == [("000001", "P1", 2_000, date(2026, 2, 10)), ("000002", "P2", 4_002, date(2026, 2, 10))]
    cleared = debt("P1", "000001")
    assert cleared.status == DebtStatus.CLEARED
    change = cleared.status_changes.order_by("pk").last()
    assert (change.from_status, change.to_status, change.business_date) == (
        DebtStatus.RECALL_PENDING, DebtStatus.CLEARED, date(2026, 2, 10))
    run_through(date(2026, 2, 14))
    assert _cessation("P1", "000001") == ("LA_RECALL", date(2026, 2, 14), 0, 2_000)
    assert check_ledger().ok


@pytest.mark.parametrize("recalled_on", [PAID, date(2026, 2, 5)])
def test_a_late_uc_period_paid_on_or_after_a_recalls_processing_date_does_not_take_from_the_recalled_debt(
        folder: Path, recalled_on: date) -> None:
    """hb-debt-interface.md §6.5: a recall stops new deductions from its processing date. A recall processed
    on the payment date (the LA files are processed before the day's deductions) or before it leaves P1 out
    of the period reported late: P2 takes the £60.02, and P1 ceases with its whole balance."""
    _late_period_case(folder, recalled_on)
    _late_period()
    run_through(recalled_on + timedelta(days=5))
    assert _taken() == [("000002", "P2", 6_002, date(2026, 2, 7))]
    assert _cessation("P1", "000001") == ("LA_RECALL", recalled_on + timedelta(days=5), 50_000, 0)


def test_a_late_uc_period_does_not_take_from_a_recalled_debt_that_has_ceased_by_then(folder: Path) -> None:
    """hb-debt-interface.md §6.5 (docs/events-notes.md "A UC period reported after its payment date"): P1 was
    recalled on 2026-02-09, after the payment date, but its holding period ended on 2026-02-14, before the
    period reached DMS: P1 has been returned with its balance, and is not taken from. P2 takes the £60.02."""
    _late_period_case(folder, date(2026, 2, 9))
    run_through(date(2026, 2, 14))
    _late_period()
    run_through(date(2026, 2, 15))
    assert _taken() == [("000002", "P2", 6_002, date(2026, 2, 15))]
    assert _cessation("P1", "000001") == ("LA_RECALL", date(2026, 2, 14), 50_000, 0)


def test_a_late_uc_period_does_not_take_from_a_debt_that_was_suspended_when_recalled(folder: Path) -> None:
    """hb-debt-interface.md §6.5 with recovery-rules.md §6: a debt recalled after the payment date is taken
    from as it would be had the recall not been processed: P1 was SUSPENDED when recalled (only OPEN debts are
    recovered), so the late period leaves it out and P2 takes the £60.02."""
    _late_period_case(folder, date(2026, 2, 9), suspended=True)
    _late_period()
    run_through(date(2026, 2, 10))
    assert _taken() == [("000002", "P2", 6_002, date(2026, 2, 10))]


def test_rerate_takes_a_late_uc_period_from_a_debt_recalled_after_its_payment_date_as_the_daily_run_does(
        folder: Path) -> None:
    """hb-debt-interface.md §6.5 with events.md §2 (docs/events-notes.md "A UC period reported after its payment
    date"): re-rating as of 2026-02-10 works the late period out as the run of that day takes it: £20.00 to
    P1, recalled on 2026-02-09 (after the payment date) and in its holding period, and £40.02 to P2."""
    from dms.services.rerate import rerate
    from dms.store.replay.models import RerateResult

    _late_period_case(folder, date(2026, 2, 9), first=2_000)
    _late_period()
    outcome = rerate(date(2026, 2, 10))
    by_creditor = {Creditor.objects.get(pk=creditor).la_id: now for creditor, now in RerateResult.objects.filter(
        run_id=outcome.run_id).values_list("creditor_id", "now_pence")}
    run_through(date(2026, 2, 10))
    assert _taken() == [("000001", "P1", 2_000, date(2026, 2, 10)), ("000002", "P2", 4_002, date(2026, 2, 10))]
    assert by_creditor == {"000001": 2_000, "000002": 4_002}
    assert (outcome.people, outcome.periods) == (1, 1)


# ---------------------------------------------------------------------------------------------- files


def test_files_processed_referrals_then_revisions_then_recalls_by_la_then_date(folder: Path) -> None:
    la()
    la("000123")
    day2 = D1 + timedelta(days=1)
    received(folder, "LAREC", [build.recall("X", NINO)], day=D1)
    received(folder, "LAREV", [build.revision("X", NINO, 1)], day=day2)
    received(folder, "LAREF", [build.referral("X", NINO, 1)], day=day2)
    received(folder, "LAREV", [build.revision("X", NINO, 1)], day=D1, la_id="000123")
    received(folder, "LAREF", [build.referral("X", NINO, 1)], day=D1)
    received(folder, "LAREF", [build.referral("X", NINO, 1)], day=D1, la_id="000123")
    order = [(f.kind, f.la_id, f.creation_date) for f in due_files(day2)]
    assert order == [("LAREF", "000123", D1), ("LAREF", LA, D1), ("LAREF", LA, day2), ("LAREV", "000123", D1),
                     ("LAREV", LA, day2), ("LAREC", LA, D1)]


def test_future_dated_file_waits(folder: Path) -> None:
    la()
    award()
    later = D1 + timedelta(days=3)
    file = received(folder, "LAREF", [build.referral("HB/1", NINO, 1_000)], day=later, tar_day=later)
    ReceivedFile.objects.filter(pk=file.pk).update(received_on=D1)
    assert la_files_step(D1)["files"] == 0
    assert la_files_step(later - timedelta(days=1))["files"] == 0
    assert ReceivedFile.objects.get(pk=file.pk).state == FileState.PENDING
    assert la_files_step(later)["accepted"] == 1


def test_failed_file_applies_nothing(folder: Path) -> None:
    la()
    award()
    bad = build.referral("HB/2", "GB123456C", 1_000)  # a NINO never issued
    file = refer(folder, [build.referral("HB/1", NINO, 1_000), bad])
    day = D1 + timedelta(days=1)
    revision = received(folder, "LAREV", [build.revision("HB/1", NINO, 500)], day=day)
    summary = la_files_step(day)
    assert (summary["failed"], summary["failures"]) == (2, {"DEPENDS_ON_FAILED_REFERRAL": 1, "INVALID": 1})
    file.refresh_from_db()
    revision.refresh_from_db()
    assert (file.state, file.outcome, file.processed_on) == (FileState.FAILED, Outcome.INVALID, day)
    assert [e["code"] for e in file.errors] == ["BAD_NINO"]
    assert (revision.state, revision.outcome, revision.depends_on) == (
        FileState.FAILED, Outcome.DEPENDS_ON_FAILED_REFERRAL, file.name)
    assert Debt.objects.count() == 0 and JournalEntry.objects.count() == 0


def _second_chunk_breaks(monkeypatch: pytest.MonkeyPatch, error: Exception, la_id: str = LA) -> None:
    """The second chunk of a referral file of ``la_id`` raises ``error`` as it is written."""
    real = la_processing._write_referrals
    calls = []

    def breaks(creditor: Creditor, *args: object) -> None:
        calls.append(creditor.la_id)
        if calls.count(la_id) == 2 and creditor.la_id == la_id:
            raise error
        real(creditor, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(la_processing, "CHUNK_RECORDS", 1)
    monkeypatch.setattr(la_processing, "_write_referrals", breaks)


def test_file_applied_whole_or_not_at_all(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    la()
    award()
    _second_chunk_breaks(monkeypatch, la_processing.DmsError("the database refused the row"))
    file = refer(folder, [build.referral("HB/1", NINO, 1_000), build.referral("HB/2", NINO, 1_000)])
    la_files_step(D1)
    assert Debt.objects.count() == 0 and JournalEntry.objects.count() == 0 and Person.objects.count() == 1
    assert ReceivedFile.objects.get(pk=file.pk).state == FileState.PENDING  # held: tried again next run


def test_a_file_dms_breaks_down_on_is_held_with_its_las_later_files_and_the_run_goes_on(
        folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No fault of DMS's in one file stops the daily run, nor is put to the LA (hb-debt-interface.md §4.3 and
    §6.1 are about faults of the file; docs/la-interface-notes.md "Processing"): nothing of the file is
    applied, it is held (PENDING) with its LA's later files, which keep their §5.4 order, and is tried again
    by the next run; every other LA's files are processed as usual."""
    la()
    la("000123")
    award()
    _second_chunk_breaks(monkeypatch, ValueError("a value DMS could not read"))  # once, on this run
    broken = refer(folder, [build.referral("HB/1", NINO, 1_000), build.referral("HB/2", NINO, 1_000)])
    other = refer(folder, [build.referral("HB/1", NINO, 1_000), build.referral("HB/2", NINO, 1_000)],
                  la_id="000123")
    revision = received(folder, "LAREV", [build.revision("HB/1", NINO, 500)])
    summary = la_files_step(D1)
    assert (summary["accepted"], summary["failed"]) == (1, 0)
    assert summary["held"] == [
        f"{broken.name} (received {D1}): ValueError: a value DMS could not read",
        f"{revision.name} (received {D1}): waits for {broken.name}, held before it"]
    for held in (broken, revision):
        held.refresh_from_db()
        assert (held.state, held.outcome, held.processed_on, held.errors) == (FileState.PENDING, "", None, [])
    assert ReceivedFile.objects.get(pk=other.pk).state == FileState.ACCEPTED
    assert sorted(Debt.objects.values_list("creditor__la_id", flat=True)) == ["000123", "000123"]
    assert outbound_step(D1)["failed_files"] == 0 and check_ledger().ok
    summary = la_files_step(D1 + timedelta(days=1))  # the next run processes the held files, in their order
    assert (summary["accepted"], summary["held"]) == (2, [])
    assert ReceivedFile.objects.get(pk=revision.pk).state == FileState.ACCEPTED
    assert Debt.objects.filter(creditor__la_id=LA, creditor_ref="HB/1").get().amount_pence == 500


def test_a_database_failure_stops_the_run_and_leaves_the_file_pending(
        folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A database failure is not the file's fault: the run stops and its re-run processes the file."""
    la()
    award()
    _second_chunk_breaks(monkeypatch, OperationalError("the connection was lost"))
    file = refer(folder, [build.referral("HB/1", NINO, 1_000), build.referral("HB/2", NINO, 1_000)])
    with pytest.raises(OperationalError):
        la_files_step(D1)
    assert ReceivedFile.objects.get(pk=file.pk).state == FileState.PENDING
    assert Debt.objects.count() == 0


# ---------------------------------------------------------------------------------------------- one read


def test_referral_file_failing_after_chunks_applied_leaves_nothing_and_reports_every_error(
        folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A referral file is applied as it is validated (§6.1: whole or not at all): an error found after earlier
    chunks were applied (here the header's RecordCount, known only at the end) rolls them back."""
    la()
    award()
    monkeypatch.setattr(la_processing, "CHUNK_RECORDS", 1)
    file = received(folder, "LAREF", [build.referral("HB/1", NINO, 1_000), build.referral("HB/2", "AB123457C", 1_000),
                                      build.referral("HB/3", NINO, 0)], header={"RecordCount": "4"})
    summary = la_files_step(D1)
    assert summary["failed"] == 1 and summary["taken_on"] == 0
    failed = ReceivedFile.objects.get(pk=file.pk)
    assert failed.state == FileState.FAILED and failed.outcome == Outcome.INVALID
    assert [e["code"] for e in failed.errors] == ["COUNT_MISMATCH", "SCHEMA"]
    assert Debt.objects.count() == 0 and JournalEntry.objects.count() == 0 and Cessation.objects.count() == 0
    assert not Person.objects.filter(nino="AB123457C").exists()
    assert check_ledger().ok


def test_referral_file_repeating_a_debt_ref_in_a_later_chunk_is_a_duplicate_only(
        folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The debt a file took on from an earlier chunk is the file's own, not one the LA held (no
    DEBT_REF_IN_USE): the error is the duplicate's alone, as when the file is validated before it is applied."""
    la()
    award()
    monkeypatch.setattr(la_processing, "CHUNK_RECORDS", 1)
    file = refer(folder, [build.referral("HB/1", NINO, 1_000), build.referral("HB/1", NINO, 2_000)])
    la_files_step(D1)
    failed = ReceivedFile.objects.get(pk=file.pk)
    assert [e["code"] for e in failed.errors] == ["DUPLICATE_DEBT_REF"]
    assert Debt.objects.count() == 0


def test_debt_displaced_by_an_earlier_chunk_is_still_held_for_validation(
        folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A FRAUD referral in one chunk returns the LA's most recent NON_FRAUD debt (UC limit, §6.3); a later
    record referring that DebtRef again is DEBT_REF_IN_USE, as the debts stood before the file (§3.1)."""
    la()
    award()
    refer(folder, [build.referral(f"HB/{n}", NINO, 1_000 + n) for n in range(5)])
    la_files_step(D1)
    monkeypatch.setattr(la_processing, "CHUNK_RECORDS", 1)
    later = D1 + timedelta(days=1)
    file = refer(folder, [build.referral("HB/F", NINO, 9_999, classification="FRAUD"),
                          build.referral("HB/4", "AB123457C", 1_000)], day=later)
    la_files_step(later)
    failed = ReceivedFile.objects.get(pk=file.pk)
    assert [(e["code"], e["line"] > 0) for e in failed.errors] == [("DEBT_REF_IN_USE", True)]
    assert "(status OPEN)" in failed.errors[0]["message"]
    assert state("HB/4") == (DebtStatus.OPEN, "") and debt("HB/F") is None
    assert Cessation.objects.count() == 0 and check_ledger().ok


# ---------------------------------------------------------------------------------------------- cessations


def test_cessation_row_written_for_every_la_return(folder: Path) -> None:
    la()
    award()
    refer(folder, [build.referral("HB/1", NINO, 10_000), build.referral("HB/2", NINO, 5_000),
                   build.referral("HB/3", NINO, 5_000)])
    la_files_step(D1)
    deduct(debt("HB/1"), 1_000, D1)
    day = D1 + timedelta(days=1)
    cease_hb_debts([debt("HB/1").pk], "SANCTION", day, "life event")  # a life event
    debt_service.return_debt(debt("HB/2"), "MANUAL_RECALL", business_date=day, actor="staff")  # staff
    debt_service.withdraw_debt(debt("HB/3"), "sent in error", business_date=day, actor="staff")  # not a cessation
    dwp = _dwp_debt(NINO, 1_000)
    debt_service.return_debt(dwp, "DEATH", business_date=day, actor="test")  # not an LA debt
    rows = {c.debt_ref: (c.reason, c.balance_returned_pence, c.amount_recovered_pence, c.cessation_date)
            for c in Cessation.objects.all()}
    assert rows == {"HB/1": ("SANCTION", 9_000, 1_000, day), "HB/2": ("MANUAL_RECALL", 5_000, 0, day)}


def test_a_debt_reclassified_during_a_moratorium_is_in_it_or_out_of_it_as_its_new_classification_says(
        folder: Path) -> None:
    """§6.5 RevisedClassification with recovery-rules.md §6 (fraud debts are not eligible for a moratorium):
    a breathing space (no UC in payment) suspended the non-fraud HB/1 and left the fraud HB/F in recovery.
    Revised to FRAUD, HB/1 leaves the moratorium and is OPEN again; revised to NON_FRAUD, HB/F is suspended
    and listed with it, to resume when it ends."""
    from dms.services.recovery import life_events_step
    from dms.store.recovery.models import Restriction

    la()
    award(benefit="ESA")
    other = "AB123457C"
    award(other, "ESA")
    refer(folder, [build.referral("HB/1", NINO, 1_000), build.referral("HB/F", other, 1_000, classification="FRAUD")])
    la_files_step(D1)
    day = D1 + timedelta(days=1)
    import_events([json.dumps({"event_id": f"bs-{n}", "type": "person.insolvency", "occurred_on": day.isoformat(),
                               "nino": n, "kind": "BREATHING_SPACE", "start_date": day.isoformat()})
                   for n in (NINO, other)], source="t.jsonl")
    life_events_step(day)
    assert (state("HB/1")[0], state("HB/F")[0]) == (DebtStatus.SUSPENDED, DebtStatus.OPEN)
    later = day + timedelta(days=1)
    received(folder, "LAREV", [build.revision("HB/1", NINO, None, "FRAUD", reason="FURTHER_OVERPAYMENT"),
                               build.revision("HB/F", other, None, "NON_FRAUD", reason="FURTHER_OVERPAYMENT")],
             day=later)
    assert la_files_step(later)["revisions"] == 2
    assert (state("HB/1")[0], state("HB/F")[0]) == (DebtStatus.OPEN, DebtStatus.SUSPENDED)
    listed = {r.person.nino: r.suspended_debts for r in Restriction.objects.all()}
    assert listed == {NINO: [], other: [debt("HB/F").pk]}
