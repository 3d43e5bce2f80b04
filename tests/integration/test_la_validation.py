"""Validation of received LA files against the debts DMS holds (hb-debt-interface.md §6.1, circular §47-49).
Each error code is tested by name; nothing is applied by validation."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from la_files import DAY, LA, held_debt, la, receive, received

from dms.debts import DebtStatus
from dms.la_interface import build
from dms.services.la_validation import iter_records, recall_names, validate_file
from dms.store.la.models import FileState, Outcome, Recall
from dms.store.models import Debt, RunDay

pytestmark = pytest.mark.django_db
RUN = date(2025, 11, 19)


@pytest.fixture
def folder(data_dir: Path) -> Path:
    path = data_dir / "incoming"
    path.mkdir()
    return path


def test_valid_referral_file_is_accepted_with_its_records(folder: Path) -> None:
    la()
    file = received(folder, "LAREF", [build.referral("HB/1", "AB123456C", 41250),
                                      build.referral("HB/2", "AB123457C", 100)])
    result = validate_file(file, RUN)
    assert (result.outcome, result.errors, result.record_count, result.accepted) == ("", [], 2, True)
    chunks = list(iter_records(file, chunk_size=1))
    assert [[r.debt_ref for r in chunk] for chunk in chunks] == [["HB/1"], ["HB/2"]]
    assert Debt.objects.count() == 0  # nothing applied


def test_debt_ref_in_use_for_a_referral_of_a_debt_still_held(folder: Path) -> None:
    council = la()
    held_debt(council, "HB/1")
    cleared = held_debt(council, "HB/2", nino="AB123457C")
    cleared.change_status(DebtStatus.CLEARED, business_date=DAY, actor="test", reason="paid")
    returned = held_debt(council, "HB/3", nino="AB123458C")
    returned.change_status(DebtStatus.RETURNED, business_date=DAY, actor="test", reason="returned")
    file = received(folder, "LAREF", [build.referral(f"HB/{n}", "AB123456C", 100) for n in (1, 2, 3)])
    result = validate_file(file, RUN)
    assert result.outcome == Outcome.INVALID
    assert [(e.code, e.debt_ref, e.line) for e in result.errors] == [("DEBT_REF_IN_USE", "HB/1", 4),
                                                                      ("DEBT_REF_IN_USE", "HB/2", 5)]


def test_debt_ref_of_another_la_is_not_in_use(folder: Path) -> None:
    la()
    held_debt(la("000123"), "HB/1")
    file = received(folder, "LAREF", [build.referral("HB/1", "AB123456C", 100)])
    assert validate_file(file, RUN).accepted


def test_unknown_debt_ref_for_a_revision_and_a_recall(folder: Path) -> None:
    council = la()
    gone = held_debt(council, "HB/9")
    gone.change_status(DebtStatus.WITHDRAWN, business_date=DAY, actor="test", reason="withdrawn")
    revision = received(folder, "LAREV", [build.revision("HB/1", "AB123456C", 500),
                                          build.revision("HB/9", "AB123456C", 500)])
    result = validate_file(revision, RUN)
    assert (result.outcome, [(e.code, e.debt_ref) for e in result.errors]) == (
        Outcome.INVALID, [("UNKNOWN_DEBT_REF", "HB/1"), ("UNKNOWN_DEBT_REF", "HB/9")])
    recall = received(folder, "LAREC", [build.recall("HB/1", "AB123456C")])
    assert [e.code for e in validate_file(recall, RUN).errors] == ["UNKNOWN_DEBT_REF"]


def test_nino_mismatch_for_a_debt_owed_by_another_person(folder: Path) -> None:
    held_debt(la(), "HB/1", nino="AB123456C")
    file = received(folder, "LAREC", [build.recall("HB/1", "AB123457C")])
    [error] = validate_file(file, RUN).errors
    assert (error.code, error.field, error.debt_ref) == ("NINO_MISMATCH", "NINO", "HB/1")


def test_revision_and_recall_of_held_debts_are_accepted_including_a_cleared_one(folder: Path) -> None:
    council = la()
    held_debt(council, "HB/1")
    cleared = held_debt(council, "HB/2")
    cleared.change_status(DebtStatus.CLEARED, business_date=DAY, actor="test", reason="paid")
    file = received(folder, "LAREV", [build.revision("HB/1", "AB123456C", 500),
                                      build.revision("HB/2", "AB123456C", 20_000, reason="FURTHER_OVERPAYMENT")])
    assert validate_file(file, RUN).accepted


def test_debt_recalled_revision_in_the_recall_holding_period(folder: Path) -> None:
    council = la()
    debt = held_debt(council, "HB/1")
    recall_file = received(folder, "LAREC", [build.recall("HB/1", "AB123456C")], day=date(2025, 11, 17))
    debt.change_status(DebtStatus.RECALL_PENDING, business_date=date(2025, 11, 17), actor="test", reason="r")
    Recall.objects.create(debt=debt, file=recall_file, reason="LA_RECOVERY", recalled_on=date(2025, 11, 17),
                          ceases_on=date(2025, 11, 22))
    revision = received(folder, "LAREV", [build.revision("HB/1", "AB123456C", 500)])
    [error] = validate_file(revision, RUN).errors
    assert error.code == "DEBT_RECALLED" and "2025-11-22" in error.message


def test_recall_of_a_debt_in_its_recall_holding_period_is_valid(folder: Path) -> None:
    """§6.1: DEBT_RECALLED is for a revision of a debt in its recall holding period; a recall needs only a
    debt this LA has open, and a recall-pending debt is open (also one cleared in its holding period)."""
    council = la()
    debts = [held_debt(council, "HB/1"), held_debt(council, "HB/2")]
    recall_file = received(folder, "LAREC", [build.recall("HB/1", "AB123456C"), build.recall("HB/2", "AB123456C")],
                           day=date(2025, 11, 17))
    for debt, status in zip(debts, (DebtStatus.RECALL_PENDING, DebtStatus.CLEARED), strict=True):
        debt.change_status(DebtStatus.RECALL_PENDING, business_date=date(2025, 11, 17), actor="test", reason="r")
        if status == DebtStatus.CLEARED:
            debt.change_status(status, business_date=date(2025, 11, 18), actor="test", reason="recovered in full")
        Recall.objects.create(debt=debt, file=recall_file, reason="LA_RECOVERY", recalled_on=date(2025, 11, 17),
                              ceases_on=date(2025, 11, 22))
    again = received(folder, "LAREC", [build.recall("HB/1", "AB123456C"), build.recall("HB/2", "AB123456C")])
    result = validate_file(again, RUN)
    assert (result.accepted, result.errors) == (True, [])


def test_debt_ref_in_use_in_a_recall_holding_period_says_refer_it_again_from_the_day_it_ceases(
        folder: Path) -> None:
    """§3.1, §4.3, §6.5: a referral of the DebtRef of a debt in its recall holding period (RECALL_PENDING, or
    cleared in it) is DEBT_REF_IN_USE, and the message says so, with the day it ceases and that the DebtRef
    may be referred again from that day (the daily run ends holding periods before it processes the day's
    files) or a new one used: never to revise it, which §6.1 refuses (DEBT_RECALLED). The advice to revise
    stays for a debt not in its holding period."""
    council = la()
    debts = [held_debt(council, "HB/1"), held_debt(council, "HB/2"), held_debt(council, "HB/3")]
    recall_file = received(folder, "LAREC", [build.recall("HB/1", "AB123456C"), build.recall("HB/2", "AB123456C")],
                           day=date(2025, 11, 17))
    for debt in debts[:2]:
        debt.change_status(DebtStatus.RECALL_PENDING, business_date=date(2025, 11, 17), actor="test", reason="r")
        Recall.objects.create(debt=debt, file=recall_file, reason="LA_RECOVERY", recalled_on=date(2025, 11, 17),
                              ceases_on=date(2025, 11, 22))
    debts[1].change_status(DebtStatus.CLEARED, business_date=date(2025, 11, 18), actor="test", reason="paid")
    file = received(folder, "LAREF", [build.referral(f"HB/{n}", "AB123456C", 100) for n in (1, 2, 3)])
    errors = validate_file(file, RUN).errors
    assert [(e.code, e.debt_ref) for e in errors] == [("DEBT_REF_IN_USE", f"HB/{n}") for n in (1, 2, 3)]
    for held in errors[:2]:
        assert "recall holding period" in held.message and "ceases on 2025-11-22" in held.message
        assert "refer it again from 2025-11-22" in held.message and "new DebtRef" in held.message
        assert "revis" not in held.message
    assert "revise that debt with a revision file" in errors[2].message


def test_a_recall_of_a_debt_returned_by_a_run_unseen_by_the_la_is_valid_and_one_returned_before_is_not(
        folder: Path) -> None:
    """§6.1 with §5.4 (docs/la-interface-notes.md "A recall of a debt DMS returned that day" and "A return the
    LA could not have known of", Decisions): the LA cannot know of a return DMS made on a run day after the last
    run completed when its file was received (earlier in the run that processes its recall, a death the life
    events step applied, a referral returned at once, or an earlier day of a catch-up run), so a recall of such
    a debt is valid (its NINO still checked). A recall of a debt returned by a run completed before the file
    was received (its cessation already sent), and a revision of one returned that day, are
    UNKNOWN_DEBT_REF."""
    council = la()
    before = DAY - timedelta(days=1)
    for ref, nino, returned_on in (("HB/1", "AB123456C", RUN), ("HB/2", "AB123456C", before),
                                   ("HB/3", "AB123457C", RUN), ("HB/4", "AB123456C", DAY)):
        debt = held_debt(council, ref, nino=nino)
        debt.change_status(DebtStatus.RETURNED, business_date=returned_on, actor="test", reason="DEATH")
    RunDay.objects.create(run_date=before, completed=True)  # its bundle, with HB/2's cessation, reached the LA
    recall = received(folder, "LAREC", [build.recall("HB/1", "AB123456C"), build.recall("HB/2", "AB123456C"),
                                        build.recall("HB/3", "AB123456C"), build.recall("HB/4", "AB123456C")])
    assert [(e.code, e.debt_ref) for e in validate_file(recall, RUN).errors] == [
        ("UNKNOWN_DEBT_REF", "HB/2"), ("NINO_MISMATCH", "HB/3")]
    only_today = received(folder, "LAREC", [build.recall("HB/1", "AB123456C")], day=RUN)
    assert validate_file(only_today, RUN).accepted
    revision = received(folder, "LAREV", [build.revision("HB/1", "AB123456C", 500)])
    assert [(e.code, e.debt_ref) for e in validate_file(revision, RUN).errors] == [
        ("UNKNOWN_DEBT_REF", "HB/1")]


def test_recall_names_of_a_recall_file_before_it_is_processed_and_none_of_one_failing_its_own_checks(
        folder: Path) -> None:
    """docs/la-interface-notes.md "Sixth UC debt" (Decision): a FRAUD sixth processed before the day's recall
    files reads the DebtRef and NINO of their records; a file that fails its own checks (a repeated DebtRef,
    XML that is not well formed) will recall nothing, so it names nothing."""
    la()
    good = received(folder, "LAREC", [build.recall("HB/1", "AB123456C"), build.recall("HB/2", "AB123457C")])
    assert recall_names(good) == {("HB/1", "AB123456C"), ("HB/2", "AB123457C")}
    repeated = received(folder, "LAREC", [build.recall("HB/3", "AB123456C"), build.recall("HB/3", "AB123456C")],
                        day=RUN)
    assert recall_names(repeated) == frozenset()
    day = date(2025, 11, 20)
    broken = build.not_well_formed(build.file_bytes("LAREC", LA, day, [build.recall("HB/4", "AB123456C")]))
    assert recall_names(received(folder, "LAREC", [], day=day, raw=broken)) == frozenset()


def test_depends_on_failed_referral_names_the_failed_file_until_it_is_corrected(folder: Path) -> None:
    la()
    referral = received(folder, "LAREF", [build.referral("HB/1", "AB123456C", 100)], day=date(2025, 11, 17))
    referral.state, referral.outcome = FileState.FAILED, Outcome.INVALID
    referral.save()
    revision = received(folder, "LAREV", [build.revision("HB/1", "AB123456C", 500),
                                          build.revision("HB/2", "AB123456C", 500)])
    result = validate_file(revision, RUN)
    assert [(e.code, e.debt_ref) for e in result.errors] == [("DEPENDS_ON_FAILED_REFERRAL", "HB/1"),
                                                             ("UNKNOWN_DEBT_REF", "HB/2")]
    assert result.outcome == Outcome.INVALID
    assert result.depends_on == "20251117-LAREF-005920.xml"
    assert "20251117-LAREF-005920.xml" in result.errors[0].message
    recall = received(folder, "LAREC", [build.recall("HB/1", "AB123456C")])
    only = validate_file(recall, RUN)
    assert (only.outcome, only.depends_on) == (Outcome.DEPENDS_ON_FAILED_REFERRAL, "20251117-LAREF-005920.xml")
    # the corrected resubmission is accepted: the dependency is gone (here the debt was not taken on)
    fixed = received(folder, "LAREF", [build.referral("HB/1", "AB123456C", 200)], day=date(2025, 11, 17),
                     tar_day=RUN)
    fixed.state = FileState.ACCEPTED
    fixed.save()
    assert [e.code for e in validate_file(recall, RUN).errors] == ["UNKNOWN_DEBT_REF"]


def test_depends_on_failed_referral_only_for_a_failed_file_received_after_the_debt_was_last_referred(
        folder: Path) -> None:
    """§6.1, circular §49: a revision or recall depends on a failed referral file when that file is the
    debt's referral. A DebtRef whose failed file the LA left uncorrected and referred again in a later file
    DMS accepted names that debt: once it is returned, a revision or recall of it is UNKNOWN_DEBT_REF (sending
    the old file would refer again a debt the LA has recalled). A failed file received after that referral
    is still the one it depends on."""
    council = la()
    failed = received(folder, "LAREF", [build.referral("HB/1", "AB123456C", 100),
                                        build.referral("HB/2", "AB123456C", 100)], day=date(2025, 11, 10))
    failed.state, failed.outcome = FileState.FAILED, Outcome.INVALID
    failed.save()
    for ref, referred_on in (("HB/1", date(2025, 11, 12)), ("HB/2", date(2025, 11, 3))):
        debt = held_debt(council, ref)
        Debt.objects.filter(pk=debt.pk).update(referral_received_on=referred_on, received_on=referred_on)
        debt.refresh_from_db()
        debt.change_status(DebtStatus.RETURNED, business_date=date(2025, 11, 14), actor="test", reason="LA_RECALL")
    RunDay.objects.create(run_date=date(2025, 11, 14), completed=True)  # the returns' bundle reached the LA
    revision = received(folder, "LAREV", [build.revision("HB/1", "AB123456C", 500),
                                          build.revision("HB/2", "AB123456C", 500)])
    result = validate_file(revision, RUN)
    assert [(e.code, e.debt_ref) for e in result.errors] == [("UNKNOWN_DEBT_REF", "HB/1"),
                                                             ("DEPENDS_ON_FAILED_REFERRAL", "HB/2")]
    assert result.depends_on == "20251110-LAREF-005920.xml"
    recall = received(folder, "LAREC", [build.recall("HB/1", "AB123456C")])
    assert [e.code for e in validate_file(recall, RUN).errors] == ["UNKNOWN_DEBT_REF"]
    # HB/1 referred again in a later file that failed too: a revision now depends on that one
    later = received(folder, "LAREF", [build.referral("HB/1", "AB123456C", 300)], day=date(2025, 11, 15))
    later.state, later.outcome = FileState.FAILED, Outcome.INVALID
    later.save()
    again = validate_file(recall, RUN)
    assert (again.outcome, again.depends_on) == (Outcome.DEPENDS_ON_FAILED_REFERRAL, "20251115-LAREF-005920.xml")


def test_depends_on_a_corrupt_referral_file_reads_its_debt_refs_from_the_bytes(folder: Path) -> None:
    la()
    data = build.not_well_formed(build.file_bytes("LAREF", LA, date(2025, 11, 17),
                                                  [build.referral("HB/1", "AB123456C", 100)] * 1))
    referral = received(folder, "LAREF", [], day=date(2025, 11, 17), raw=data + b"<x>")
    referral.state, referral.outcome = FileState.FAILED, Outcome.CORRUPT
    referral.save()
    recall = received(folder, "LAREC", [build.recall("HB/1", "AB123456C")])
    assert validate_file(recall, RUN).outcome == Outcome.DEPENDS_ON_FAILED_REFERRAL


def test_depends_on_failed_referral_names_a_referral_file_of_a_refused_tar_until_it_is_sent_again(
        folder: Path) -> None:
    """§6.1, circular §49: a referral file in a tar refused whole (§5.1, reported CORRUPT) is a failed referral
    file. A revision or recall of a DebtRef it referred fails as DEPENDS_ON_FAILED_REFERRAL naming that file
    (its DebtRefs read from the kept tar, nothing of it applied), not UNKNOWN_DEBT_REF, until it is sent again
    in a later tar; then that file decides (here it failed too, and then it is the failed file named)."""
    la()
    day1 = date(2025, 11, 17)
    referral = build.file_name("LAREF", LA, day1)
    data = build.file_bytes("LAREF", LA, day1, [build.referral("HB/1", "AB123456C", 100)])
    tar = receive(folder, [(referral, data), ("notes.txt", b"hi")], day=day1)
    assert not tar.accepted
    revision = received(folder, "LAREV", [build.revision("HB/1", "AB123456C", 500),
                                          build.revision("HB/2", "AB123456C", 500)])
    result = validate_file(revision, RUN)
    assert [(e.code, e.debt_ref, e.field) for e in result.errors] == [
        ("DEPENDS_ON_FAILED_REFERRAL", "HB/1", "DebtRef"), ("UNKNOWN_DEBT_REF", "HB/2", "DebtRef")]
    assert (result.outcome, result.depends_on) == (Outcome.INVALID, referral)
    assert result.errors[0].message == (
        f"DebtRef HB/1 was referred in {referral}, in the tar {tar.tar_name} refused on {day1}, nothing of which "
        f"was taken in; send {referral} again (put right if need be) in a later tar first, under its own name, "
        "then send this file again under the same name, unchanged if nothing else in it is wrong (circular §49)")
    recall = received(folder, "LAREC", [build.recall("HB/1", "AB123456C")])
    assert (validate_file(recall, RUN).outcome, validate_file(recall, RUN).depends_on) == (
        Outcome.DEPENDS_ON_FAILED_REFERRAL, referral)
    # sent again in a later tar: the file taken in decides (failed: still the failed file the recall names)
    resent = received(folder, "LAREF", [], day=day1, tar_day=RUN, raw=data)
    resent.state, resent.outcome = FileState.FAILED, Outcome.INVALID
    resent.save()
    again = validate_file(recall, RUN)
    assert (again.outcome, again.depends_on) == (Outcome.DEPENDS_ON_FAILED_REFERRAL, referral)
    assert "which failed and has not been corrected" in again.errors[0].message
    resent.state = FileState.ACCEPTED  # accepted: the dependency is gone (here the debt was not taken on)
    resent.save()
    assert [e.code for e in validate_file(recall, RUN).errors] == ["UNKNOWN_DEBT_REF"]


def test_corrupt_file_stops_at_its_first_problem(folder: Path) -> None:
    la()
    data = build.file_bytes("LAREF", LA, DAY, [build.referral("HB/1", "GB123456C", 100)])
    file = received(folder, "LAREF", [], raw=data.replace(b"</Surname>", b"</Surnam>"))
    result = validate_file(file, RUN)
    assert (result.outcome, [e.code for e in result.errors]) == (Outcome.CORRUPT, ["NOT_WELL_FORMED"])


def test_well_formed_file_of_20_mib_with_a_comment_over_10_mb_is_not_corrupt(folder: Path) -> None:
    """§5.1 (a member may be 20 MiB), §6.1 (NOT_WELL_FORMED is for a file that is not well formed): a file of
    exactly 20 MiB, one referral and a comment of about 20 MB, is taken in and accepted, not failed for
    libxml2's default limit of 10 MB on one node ("Comment too big")."""
    la()
    data = build.file_bytes("LAREF", LA, DAY, [build.referral("HB/1", "AB123456C", 100)])
    room = 20 * 1024 * 1024 - len(data) - len(b"<!---->\n")
    at = data.index(b"<Referral>")
    padded = data[:at] + b"<!--" + b"x" * room + b"-->\n" + data[at:]
    assert len(padded) == 20 * 1024 * 1024
    file = received(folder, "LAREF", [], raw=padded)
    result = validate_file(file, RUN)
    assert (result.outcome, result.errors, result.record_count, result.accepted) == ("", [], 1, True)


@pytest.mark.parametrize("kind", ["LAREV", "LAREC"])
def test_every_error_a_repeated_debt_ref_is_still_checked_for_nino_mismatch(folder: Path, kind: str) -> None:
    """Spec §4.3 ("Every error in the file is reported") and §3.2/§3.3 (a debt "owed by this NINO"): the
    second record of a repeated DebtRef is a DUPLICATE_DEBT_REF and, naming another person, a NINO_MISMATCH
    too, as a referral file's repeated record is also checked for its NINO."""
    held_debt(la(), "HB/1", nino="AB123456C")
    make = (lambda nino: build.revision("HB/1", nino, 500)) if kind == "LAREV" else (
        lambda nino: build.recall("HB/1", nino))
    file = received(folder, kind, [make("AB123456C"), make("AB123457C")])
    errors = validate_file(file, RUN).errors
    assert [(e.code, e.field, e.debt_ref) for e in errors] == [
        ("DUPLICATE_DEBT_REF", "DebtRef", "HB/1"), ("NINO_MISMATCH", "NINO", "HB/1")]


def test_one_faulty_value_one_error_no_nino_mismatch_or_unknown_debt_ref_for_a_value_the_schema_refused(
        folder: Path) -> None:
    """docs/la-interface-notes.md: a value the schema refuses is one error, not read for the rules built on
    it. A lower-case NINO of the debt's own debtor is BAD_NINO only (not also NINO_MISMATCH, "owed by another
    person"); a DebtRef of 21 characters is SCHEMA only (not also UNKNOWN_DEBT_REF)."""
    held_debt(la(), "HB/1", nino="AB123456C")
    records = [build.revision("HB/1", "AB123456C", 500), build.revision("HB/2", "AB123456C", 500)]
    data = build.file_bytes("LAREV", LA, DAY, records).replace(b"<NINO>AB123456C", b"<NINO>ab123456c", 1) \
        .replace(b"<DebtRef>HB/2<", b"<DebtRef>HB/2XXXXXXXXXXXXXXXXXX<")
    file = received(folder, "LAREV", [], raw=data)
    result = validate_file(file, RUN)
    assert [(e.code, e.field) for e in result.errors] == [("BAD_NINO", "NINO"), ("SCHEMA", "DebtRef")]


def test_a_referral_whose_surname_or_forenames_has_no_letter_fails_the_file_as_schema(folder: Path) -> None:
    """Spec §2 (a name has letters; spaces, apostrophes and hyphens alone are no name), §6.1: a Surname of
    spaces or Forenames of a hyphen fails the file (INVALID, SCHEMA with DebtRef and Field), so no claimant is
    recorded from it with an empty name."""
    la()
    records = [build.referral("HB/1", "AB123456C", 1000, surname="   "),
               build.referral("HB/2", "AB123457C", 1000, forenames="-")]
    file = received(folder, "LAREF", records)
    result = validate_file(file, RUN)
    assert result.outcome == Outcome.INVALID and not result.accepted
    assert [(e.code, e.debt_ref, e.field) for e in result.errors] == [
        ("SCHEMA", "HB/1", "Surname"), ("SCHEMA", "HB/2", "Forenames")]


def test_file_and_database_errors_together_in_line_order(folder: Path) -> None:
    council = la()
    held_debt(council, "HB/2")
    records = [build.revision("HB/1", "AB123456C", 0), build.revision("HB/2", "AB123457C", 500)]
    file = received(folder, "LAREV", records, header={"RecordCount": "3"})
    result = validate_file(file, RUN)
    assert [(e.code, e.line) for e in result.errors] == [("COUNT_MISMATCH", 3), ("ZERO_REVISION", 4),
                                                         ("UNKNOWN_DEBT_REF", 4), ("NINO_MISMATCH", 5)]


def test_held_debt_checks_are_made_in_bulk_not_per_record(folder: Path, django_assert_max_num_queries) -> None:
    council = la()
    for n in range(30):
        held_debt(council, f"HB/{n}", amount=100 + n)
    records = [build.revision(f"HB/{n}", "AB123456C", 1000) for n in range(300)]
    file = received(folder, "LAREV", records)
    with django_assert_max_num_queries(6):
        result = validate_file(file, RUN)
    assert [e.code for e in result.errors] == ["UNKNOWN_DEBT_REF"] * 270


def test_debt_refs_looked_up_as_one_parameter_whatever_their_characters() -> None:
    """The DebtRefs of a chunk go to the database as one array (a record that fails the schema may have
    any text there): quotes, backslashes, commas, braces and the word NULL are matched as written."""
    from dms.services.recovery_load import fetch, in_ids

    texts = ['A"B', "C\\D", "E,F", "{G}", "NULL", "plain", " spaced "]
    union = " UNION ALL ".join("SELECT %s AS v" for _ in texts)
    cond, params = in_ids("t.v", texts[:-1])
    found = {v for (v,) in fetch(f"SELECT t.v FROM ({union}) t WHERE {cond}", [*texts, *params])}
    assert found == set(texts[:-1])
    cond, params = in_ids("t.v", [1, 3])
    assert sorted(v for (v,) in fetch(f"SELECT t.v FROM (SELECT 1 AS v UNION ALL SELECT 2 UNION ALL SELECT 3) t "
                                      f"WHERE {cond}", params)) == [1, 3]


def _line_of(data: bytes, text: bytes) -> int:
    return data.count(b"\n", 0, data.index(text)) + 1


def test_an_error_about_a_debt_ref_or_nino_is_at_that_fields_line(folder: Path) -> None:
    """spec §4.3: DEBT_REF_IN_USE and UNKNOWN_DEBT_REF point at the DebtRef's line and NINO_MISMATCH at the
    NINO's, as the schema's errors point at their field's, in a file that writes each element on a line of
    its own."""
    council = la()
    held_debt(council, "HB/1")
    held_debt(council, "HB/2")
    referrals = build.file_bytes("LAREF", LA, DAY, [build.referral("HB/1", "AB123456C", 100)])
    referrals = referrals.replace(b"><", b">\n<")
    result = validate_file(received(folder, "LAREF", [], raw=referrals), RUN)
    assert [(e.code, e.field, e.line) for e in result.errors] == [
        ("DEBT_REF_IN_USE", "DebtRef", _line_of(referrals, b"<DebtRef>HB/1"))]
    recalls = build.file_bytes("LAREC", LA, DAY, [build.recall("HB/2", "AB123457C"),
                                                  build.recall("HB/9", "AB123456C")]).replace(b"><", b">\n<")
    result = validate_file(received(folder, "LAREC", [], raw=recalls), RUN)
    assert [(e.code, e.field, e.line) for e in result.errors] == [
        ("NINO_MISMATCH", "NINO", _line_of(recalls, b"<NINO>AB123457C")),
        ("UNKNOWN_DEBT_REF", "DebtRef", _line_of(recalls, b"<DebtRef>HB/9"))]
