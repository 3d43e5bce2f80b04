"""LA files through the real command: ``dms la receive`` takes the daily tars, ``dms run`` applies them
(referral, revision, recall and its holding period; hb-debt-interface.md §5.4, §6.2-6.5) and deducts from the
debt taken on, and ``dms debtor show --json`` shows the LA debts with the right balances."""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile
from datetime import date, timedelta
from pathlib import Path

from conftest import run_dms
from dms.la_interface import build
from dms.la_interface.names import BundleType, MessageType, file_name, tar_name

LA = "005920"
NINO = "AB123456C"
STRANGER = "AB654321C"  # known to no system: no benefit in payment
D1 = date(2025, 11, 18)
D2 = date(2025, 11, 19)
PAY = date(2025, 11, 20)


def _event(event_id: str, type_: str, occurred_on: str, **fields: object) -> str:
    return json.dumps({"event_id": event_id, "type": type_, "occurred_on": occurred_on, "nino": NINO, **fields})


def _receive(env: dict[str, str], folder: Path, day: date, files: dict[str, list]) -> None:
    members = [(build.file_name(kind, LA, day), build.file_bytes(kind, LA, day, records))
               for kind, records in files.items()]
    tar = build.write_tar(folder / build.upload_name(LA, day), members)
    run_dms(env, "la", "receive", str(tar), check=True)


def _debts(env: dict[str, str], nino: str) -> dict[str, dict[str, str]]:
    shown = json.loads(run_dms(env, "debtor", "show", nino, "--json", check=True).stdout)
    return {d["ref"]: d for d in shown["debts"]}


def test_la_files_received_run_and_shown_with_balances(cli_env: dict[str, str], tmp_path: Path) -> None:
    run_dms(cli_env, "init", check=True)
    run_dms(cli_env, "la", "add", LA, "--name", "Testshire Council", "--sort-code", "200000", "--account",
            "12345678", check=True)
    events = tmp_path / "events.jsonl"
    events.write_text("\n".join([
        _event("a1", "award.started", "2025-04-07", award_ref="UC1", benefit="UC", start_date="2025-04-07",
               uc={"claimant_type": "SINGLE_25_OR_OVER", "assessment_period_day": 14}),
        _event("ap1", "uc.assessment_period", "2025-11-13", award_ref="UC1", period_start="2025-10-14",
               period_end="2025-11-13", payment_date=PAY.isoformat(), award_amount="800.00",
               earnings_over_work_allowance=False, sanction_amount="0.00", fraud_penalty_amount="0.00",
               third_party=[]),
    ]) + "\n")
    run_dms(cli_env, "events", "import", str(events), check=True)

    _receive(cli_env, tmp_path, D1, {"LAREF": [build.referral("HB/1", NINO, 41_250),
                                                build.referral("HB/2", NINO, 10_000),
                                                build.referral("HB/9", STRANGER, 5_000)]})
    out = run_dms(cli_env, "run", "--date", D1.isoformat(), check=True).stdout
    assert "la_files" in out and "taken on 2" in out
    debts = _debts(cli_env, NINO)
    assert (debts["HB/1"]["status"], debts["HB/1"]["amount"], debts["HB/1"]["balance"]) == ("OPEN", "412.50",
                                                                                            "412.50")
    assert debts["HB/1"]["la_id"] == LA and debts["HB/1"]["received_on"] == D1.isoformat()
    stranger = _debts(cli_env, STRANGER)["HB/9"]
    assert (stranger["status"], stranger["balance"], stranger["recovered"]) == ("RETURNED", "50.00", "0.00")

    _receive(cli_env, tmp_path, D2, {"LAREV": [build.revision("HB/1", NINO, 50_000, reason="FURTHER_OVERPAYMENT")],
                                     "LAREC": [build.recall("HB/2", NINO)]})
    run_dms(cli_env, "run", "--date", PAY.isoformat(), check=True)
    debts = _debts(cli_env, NINO)
    # 15% of the 2025/26 standard allowance £400.14 = £60.02 taken on the payment date, to HB/1 first
    # (the oldest referral, then receipt order: hb-debt-interface.md §6.4)
    assert (debts["HB/1"]["amount"], debts["HB/1"]["recovered"], debts["HB/1"]["balance"]) == (
        "500.00", "60.02", "439.98")
    assert (debts["HB/2"]["status"], debts["HB/2"]["balance"]) == ("RECALL_PENDING", "100.00")
    # a UC claimant's recall ceases 5 days after it was processed, with the balance then held (§6.5)
    run_dms(cli_env, "run", "--date", "2025-11-23", check=True)
    assert _debts(cli_env, NINO)["HB/2"]["status"] == "RECALL_PENDING"
    out = run_dms(cli_env, "run", "--date", "2025-11-24", check=True).stdout
    assert "holding_periods" in out and "ceased 1" in out
    returned = _debts(cli_env, NINO)["HB/2"]
    assert (returned["status"], returned["balance"], returned["recovered"]) == ("RETURNED", "100.00", "0.00")
    assert run_dms(cli_env, "ledger", "check").returncode == 0


def test_daily_run_applies_values_split_by_comments_as_the_schema_reads_them(cli_env: dict[str, str],
                                                                              tmp_path: Path) -> None:
    """spec §2, §6.1: a DebtRef, NINO, date or amount split by a comment is read whole; the run completes,
    and so does the next."""
    run_dms(cli_env, "init", check=True)
    run_dms(cli_env, "la", "add", LA, "--name", "Testshire Council", "--sort-code", "200000", "--account",
            "12345678", check=True)
    events = tmp_path / "events.jsonl"
    events.write_text(_event("a1", "award.started", "2025-04-07", award_ref="UC1", benefit="UC",
                             start_date="2025-04-07", uc={"claimant_type": "SINGLE_25_OR_OVER",
                                                          "assessment_period_day": 14}) + "\n")
    run_dms(cli_env, "events", "import", str(events), check=True)
    plain = build.file_bytes("LAREF", LA, D1, [build.referral("HB/1", NINO, 41_250)])
    split = (plain.replace(b"<DebtRef>HB/1<", b"<DebtRef>HB<!-- c -->/1<")
             .replace(f"<NINO>{NINO}<".encode(), f"<NINO>{NINO[:5]}<!--x-->{NINO[5:]}<".encode())
             .replace(b"<DateOfBirth>1984-02-29<", b"<DateOfBirth>1984-02<!--x-->-29<")
             .replace(b"<Total>412.50<", b"<Total>412<!-- c -->.50<"))
    tar = build.write_tar(tmp_path / build.upload_name(LA, D1), [(build.file_name("LAREF", LA, D1), split)])
    run_dms(cli_env, "la", "receive", str(tar), check=True)
    out = run_dms(cli_env, "run", "--date", D1.isoformat(), check=True).stdout
    assert "taken on 1" in out
    debt = _debts(cli_env, NINO)["HB/1"]
    assert (debt["status"], debt["amount"]) == ("OPEN", "412.50")
    run_dms(cli_env, "run", "--date", D2.isoformat(), check=True)


def _setup_uc_claimant(env: dict[str, str], folder: Path) -> None:
    run_dms(env, "init", check=True)
    run_dms(env, "la", "add", LA, "--name", "Testshire Council", "--sort-code", "200000", "--account",
            "12345678", check=True)
    events = folder / "events.jsonl"
    events.write_text(_event("a1", "award.started", "2025-04-07", award_ref="UC1", benefit="UC",
                             start_date="2025-04-07", uc={"claimant_type": "SINGLE_25_OR_OVER",
                                                          "assessment_period_day": 14}) + "\n")
    run_dms(env, "events", "import", str(events), check=True)


def _send(env: dict[str, str], folder: Path, day: date, members: list[tuple[str, bytes]]) -> str:
    """``dms la receive`` of that day's tar holding ``members``; what it printed."""
    (folder / day.isoformat()).mkdir(exist_ok=True)
    tar = build.write_tar(folder / day.isoformat() / build.upload_name(LA, day), members)
    return run_dms(env, "la", "receive", str(tar), check=True).stdout


def test_a_file_failed_only_on_a_failed_referral_is_processed_when_sent_again_unchanged(
        cli_env: dict[str, str], tmp_path: Path) -> None:
    """§4.3, §5.3, §6.1: the notice says to send the corrected referral, then the revision again; the
    revision sent again with the same bytes is processed (the earlier one failed), not ignored."""
    _setup_uc_claimant(cli_env, tmp_path)
    referral_name, revision_name = build.file_name("LAREF", LA, D1), build.file_name("LAREV", LA, D1)
    revision = build.file_bytes("LAREV", LA, D1, [build.revision("HB/1", NINO, 5_000)])
    bad = build.file_bytes("LAREF", LA, D1, [build.referral("HB/1", NINO, 10_000)],
                           header={"TotalAmount": "1.00"})
    _send(cli_env, tmp_path, D1, [(referral_name, bad), (revision_name, revision)])
    run_dms(cli_env, "run", "--date", D1.isoformat(), check=True)
    good = build.file_bytes("LAREF", LA, D1, [build.referral("HB/1", NINO, 10_000)])
    printed = _send(cli_env, tmp_path, D2, [(referral_name, good), (revision_name, revision)])
    assert "IGNORED" not in printed and "the same bytes, processed again" in printed
    out = run_dms(cli_env, "run", "--date", D2.isoformat(), check=True).stdout
    assert "accepted 2" in out
    debt = _debts(cli_env, NINO)["HB/1"]
    assert (debt["status"], debt["amount"]) == ("OPEN", "50.00")


PERSON_NAMES = (
    "import json, sys\nfrom dms.store.bootstrap import setup\nsetup()\nfrom dms.store.models import Person\n"
    "print(json.dumps({p.nino: [p.surname, p.forenames] for p in Person.objects.all()}))"
)


def test_a_referral_naming_the_claimant_with_a_right_single_quotation_mark_or_decomposed_accents_is_taken_on(
        cli_env: dict[str, str], tmp_path: Path) -> None:
    """§2 (names: letters, spaces, apostrophes and hyphens, 1-35 characters): "O’Brien" (U+2019) and "Zoe" with
    U+0308 (decomposed, as Mac-based systems write it) are taken on through ``dms la receive`` and ``dms run``,
    the names kept in NFC, and ``dms la outbox`` has no failure notice for the LA."""
    _setup_uc_claimant(cli_env, tmp_path)
    referral = build.referral("HB/1", STRANGER, 10_000, surname="O\u2019Brien", forenames="Zoe\u0308 Ange\u0300le")
    _send(cli_env, tmp_path, D1, [(build.file_name("LAREF", LA, D1), build.file_bytes("LAREF", LA, D1, [referral]))])
    out = run_dms(cli_env, "run", "--date", D1.isoformat(), check=True).stdout
    assert "accepted 1" in out and "failed" not in out.split("la_files", 1)[1].split("\n", 1)[0]
    names = json.loads(subprocess.run([sys.executable, "-c", PERSON_NAMES], env=cli_env, capture_output=True,
                                      text=True, timeout=120, check=True).stdout)
    assert names[STRANGER] == ["O\u2019Brien", "Zo\u00eb Ang\u00e8le"]
    run_dms(cli_env, "la", "outbox", LA, "--out", str(tmp_path / "out"), check=True)
    with tarfile.open(tmp_path / "out" / tar_name(D1, BundleType.DMS_BUNDLE, LA)) as bundle:
        assert bundle.getnames() == [file_name(D1, MessageType.CESSATION, LA)]  # returned: no benefit in payment


def test_a_name_once_accepted_fails_every_later_version_as_duplicate_batch(cli_env: dict[str, str],
                                                                           tmp_path: Path) -> None:
    """§5.3: failed, corrected and accepted; then a third version fails DUPLICATE_BATCH, and so does a
    fourth with new DebtRefs: nothing of either is applied."""
    _setup_uc_claimant(cli_env, tmp_path)
    name = build.file_name("LAREF", LA, D1)
    versions = [build.file_bytes("LAREF", LA, D1, [build.referral("HB/1", NINO, 10_000)],
                                 header={"TotalAmount": "1.00"}),
                build.file_bytes("LAREF", LA, D1, [build.referral("HB/1", NINO, 10_000)]),
                build.file_bytes("LAREF", LA, D1, [build.referral("HB/1", NINO, 5_000)]),
                build.file_bytes("LAREF", LA, D1, [build.referral("HB/9", NINO, 7_000)])]
    for n, data in enumerate(versions):
        day = D1 + timedelta(days=n)
        printed = _send(cli_env, tmp_path, day, [(name, data)])
        run_dms(cli_env, "run", "--date", day.isoformat(), check=True)
        if n >= 2:
            assert "FAILED" in printed and f"accepted on {D2}" in printed
    assert set(_debts(cli_env, NINO)) == {"HB/1"}


def test_daily_run_completes_when_a_days_cessations_pass_the_most_a_file_may_total(cli_env: dict[str, str],
                                                                                   tmp_path: Path) -> None:
    """§2 (TotalAmount at most 99999999.99), §4.1: two 60,000,000.00 debts returned to one LA on one day;
    the run completes, that day's file carries the first and the next run's file the second."""
    _setup_uc_claimant(cli_env, tmp_path)
    big = 60_000_000_00
    _send(cli_env, tmp_path, D1, [(build.file_name("LAREF", LA, D1),
                                   build.file_bytes("LAREF", LA, D1, [build.referral("BIG/1", NINO, big)])),
                                  (build.file_name("LAREC", LA, D1),
                                   build.file_bytes("LAREC", LA, D1, [build.recall("BIG/1", NINO)]))])
    run_dms(cli_env, "run", "--date", D1.isoformat(), check=True)
    ceases = D1 + timedelta(days=5)  # a UC claimant's recall is held 5 days (§6.5)
    _send(cli_env, tmp_path, ceases, [(build.file_name("LAREF", LA, ceases), build.file_bytes(
        "LAREF", LA, ceases, [build.referral("BIG/2", STRANGER, big, created=ceases)]))])
    out = run_dms(cli_env, "run", "--date", ceases.isoformat(), check=True).stdout
    assert "cessations 1" in out
    out = run_dms(cli_env, "run", "--date", (ceases + timedelta(days=1)).isoformat(), check=True).stdout
    assert "cessations 1" in out
    assert {d["status"] for d in (_debts(cli_env, NINO) | _debts(cli_env, STRANGER)).values()} == {"RETURNED"}


def test_a_debt_ref_referred_again_on_the_day_its_recall_ceases_is_taken_on(cli_env: dict[str, str],
                                                                            tmp_path: Path) -> None:
    """§6.5 with §3.1 (docs/la-interface-notes.md "A recall ceases before the day's LA files", Decision): the
    day a recalled debt ceases, `dms run` returns it before it processes that day's files, so the LA's bundle
    of that day has the LA_RECALL cessation and no failure notice, and the DebtRef referred again that day is
    a new debt in recovery."""
    _setup_uc_claimant(cli_env, tmp_path)
    _send(cli_env, tmp_path, D1, [(build.file_name("LAREF", LA, D1),
                                   build.file_bytes("LAREF", LA, D1, [build.referral("HB/1", NINO, 10_000)]))])
    _send(cli_env, tmp_path, D2, [(build.file_name("LAREC", LA, D2),
                                   build.file_bytes("LAREC", LA, D2, [build.recall("HB/1", NINO)]))])
    run_dms(cli_env, "run", "--date", D2.isoformat(), check=True)
    ceases = D2 + timedelta(days=5)  # a UC claimant's recall is held 5 days (§6.5)
    _send(cli_env, tmp_path, ceases, [(build.file_name("LAREF", LA, ceases), build.file_bytes(
        "LAREF", LA, ceases, [build.referral("HB/1", NINO, 12_000, created=ceases)]))])
    out = run_dms(cli_env, "run", "--date", ceases.isoformat(), check=True).stdout
    assert "ceased 1" in out and "taken on 1" in out and "failed" not in out
    run_dms(cli_env, "la", "outbox", LA, "--out", str(tmp_path / "outbox"), "--date", ceases.isoformat(),
            check=True)
    with tarfile.open(tmp_path / "outbox" / tar_name(ceases, BundleType.DMS_BUNDLE, LA)) as bundle:
        members = {m.name: bundle.extractfile(m).read().decode() for m in bundle.getmembers()}
    cessation_file = file_name(ceases, MessageType.CESSATION, LA)
    assert list(members) == [cessation_file]  # no failure notice
    cessations = members[cessation_file]
    assert "<DebtRef>HB/1</DebtRef>" in cessations and "<Reason>LA_RECALL</Reason>" in cessations
    assert f"<CessationDate>{ceases}</CessationDate>" in cessations
    debt = _debts(cli_env, NINO)["HB/1"]
    assert (debt["status"], debt["amount"], debt["received_on"]) == ("OPEN", "120.00", ceases.isoformat())


def test_an_over_recovery_credit_reaches_a_debt_in_its_recall_holding_period_which_ceases_with_the_balance_then_held(
        cli_env: dict[str, str], tmp_path: Path) -> None:
    """hb-debt-interface.md §6.5 (docs/la-interface-notes.md "A credit reaches a debt in its recall holding
    period", Decision): the claimant's credit from a revision below what was recovered goes to their other
    outstanding debts in recovery order, and money already taken still reaches a recalled debt during its
    holding period. HB/1 and HB/2, 100.00 each; 60.02 taken for HB/1 on 2025-11-20; HB/2 recalled on
    2025-11-21 (ceases 2025-11-26); HB/1 revised to 20.00 on 2025-11-22: the 40.02 over-recovered goes to HB/2,
    nothing is refunded, HB/2 ceases returning 59.98 with 40.02 recovered, and the LA's schedule has the
    credit as a DIRECT_PAYMENT line."""
    run_dms(cli_env, "init", check=True)
    run_dms(cli_env, "la", "add", LA, "--name", "Testshire Council", "--sort-code", "200000", "--account",
            "12345678", check=True)
    events = tmp_path / "events.jsonl"
    events.write_text("\n".join([
        _event("a1", "award.started", "2025-04-07", award_ref="UC1", benefit="UC", start_date="2025-04-07",
               uc={"claimant_type": "SINGLE_25_OR_OVER", "assessment_period_day": 14}),
        _event("ap1", "uc.assessment_period", "2025-11-13", award_ref="UC1", period_start="2025-10-14",
               period_end="2025-11-13", payment_date=PAY.isoformat(), award_amount="800.00",
               earnings_over_work_allowance=False, sanction_amount="0.00", fraud_penalty_amount="0.00",
               third_party=[]),
    ]) + "\n")
    run_dms(cli_env, "events", "import", str(events), check=True)
    _receive(cli_env, tmp_path, D1, {"LAREF": [build.referral("HB/1", NINO, 10_000),
                                                build.referral("HB/2", NINO, 10_000)]})
    run_dms(cli_env, "run", "--date", PAY.isoformat(), check=True)
    recalled_on, revised_on, ceases = date(2025, 11, 21), date(2025, 11, 22), date(2025, 11, 26)
    _receive(cli_env, tmp_path, recalled_on, {"LAREC": [build.recall("HB/2", NINO)]})
    _receive(cli_env, tmp_path, revised_on, {"LAREV": [build.revision("HB/1", NINO, 2_000, reason="APPEAL_DECIDED")]})
    run_dms(cli_env, "run", "--date", revised_on.isoformat(), check=True)
    shown = json.loads(run_dms(cli_env, "debtor", "show", NINO, "--json", check=True).stdout)
    debts = {d["ref"]: d for d in shown["debts"]}
    assert (debts["HB/1"]["status"], debts["HB/1"]["balance"]) == ("CLEARED", "0.00")
    assert (debts["HB/2"]["status"], debts["HB/2"]["recovered"], debts["HB/2"]["balance"]) == (
        "RECALL_PENDING", "40.02", "59.98")
    assert "(LA 005920 HB/2 40.02) and 0.00 refunded" in debts["HB/1"]["status_reason"]
    assert "refunds" not in shown
    run_dms(cli_env, "run", "--date", ceases.isoformat(), check=True)
    run_dms(cli_env, "run", "--date", "2025-12-01", check=True)
    run_dms(cli_env, "la", "outbox", LA, "--out", str(tmp_path / "outbox"), "--date", "2025-12-01", check=True)
    with tarfile.open(tmp_path / "outbox" / tar_name(ceases, BundleType.DMS_BUNDLE, LA)) as bundle:
        cessations = "".join(bundle.extractfile(m).read().decode() for m in bundle.getmembers())
    assert "<DebtRef>HB/2</DebtRef>" in cessations and "<Reason>LA_RECALL</Reason>" in cessations
    assert "<BalanceReturned>59.98</BalanceReturned><AmountRecovered>40.02</AmountRecovered>" in cessations
    with tarfile.open(tmp_path / "outbox" / tar_name(date(2025, 12, 1), BundleType.DMS_BUNDLE, LA)) as bundle:
        schedule = "".join(bundle.extractfile(m).read().decode() for m in bundle.getmembers())
    assert ("<DebtRef>HB/2</DebtRef><NINO>AB123456C</NINO><RecoveryDate>2025-11-22</RecoveryDate><Amount>40.02"
            "</Amount><Source>DIRECT_PAYMENT</Source><Kind>DIRECT_PAYMENT</Kind><BalanceAfter>59.98</BalanceAfter>"
            ) in schedule
    assert run_dms(cli_env, "ledger", "check").returncode == 0
