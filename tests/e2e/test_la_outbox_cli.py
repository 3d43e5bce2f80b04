"""What an LA gets back, through the real command (hb-debt-interface.md §1, §4.1, §4.3, §7): ``dms la
receive`` takes its tars, ``dms run`` processes them, and ``dms la outbox`` hands over the day's
``D-PDPDM-AAAAAA.tar`` with the cessations and a failure notice listing every error of every failed file
and every refused tar, with nothing of them applied."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tarfile
import textwrap
from datetime import date, timedelta
from pathlib import Path

from lxml import etree
from test_la_receive_cli import HOSTILE_TARS, HOSTILE_XML, LA, REF, TAR

from conftest import run_dms
from dms.la_interface import build
from dms.la_interface.names import MessageType
from dms.la_interface.schemas import schema

NS = "{urn:dms:hb-debt:1}"
D = date(2025, 11, 18)
STRANGER = "AB654321C"  # known to no system: a referral of theirs is returned at once (no benefit)

RECORDED_ERRORS = textwrap.dedent(
    """
    import json, sys
    from dms.store.bootstrap import setup
    setup()
    from dms.store.la.models import ReceivedFile
    file = ReceivedFile.objects.get(name=sys.argv[1])
    print(json.dumps({"state": file.state, "outcome": file.outcome, "errors": file.errors}))
    """
)


def setup(env: dict[str, str]) -> None:
    run_dms(env, "init", check=True)
    run_dms(env, "la", "add", LA, "--name", "Testshire Council", "--sort-code", "200000", "--account",
            "12345678", check=True)


def receive(env: dict[str, str], folder: Path, name: str, data: bytes, *args: str) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(data)
    return run_dms(env, "la", "receive", str(path), *args).returncode


def outbox(env: dict[str, str], out: Path, *args: str) -> dict[str, dict[str, bytes]]:
    """``dms la outbox LA --out OUT``: {tar name: {member name: bytes}}."""
    result = run_dms(env, "la", "outbox", LA, "--out", str(out), *args, check=True)
    found: dict[str, dict[str, bytes]] = {}
    for path in sorted(out.glob("*.tar")):
        assert path.name in result.stdout
        with tarfile.open(path, mode="r:") as archive:
            found[path.name] = {m.name: archive.extractfile(m).read() for m in archive.getmembers()}
    return found


def failed_files(data: bytes) -> list[dict]:
    root = etree.fromstring(data)
    assert schema(MessageType.FAILURE_NOTICE).validate(root), schema(MessageType.FAILURE_NOTICE).error_log
    return [{"name": f.findtext(f"{NS}FileName"), "sha256": f.findtext(f"{NS}SHA256"),
             "outcome": f.findtext(f"{NS}Outcome"),
             "errors": [{c.tag.removeprefix(NS): c.text for c in e} for e in f.findall(f"{NS}Error")]}
            for f in root.findall(f"{NS}FailedFile")]


def test_la_outbox_failure_notice_lists_every_error_of_a_broken_file(cli_env: dict[str, str],
                                                                    tmp_path: Path) -> None:
    setup(cli_env)
    referral = build.file_bytes("LAREF", LA, D, [build.referral("HB/9", STRANGER, 5_000)])
    broken = build.file_bytes("LAREV", LA, D, [
        build.revision("HB/1", "DA123456C", 50_000),  # a bad NINO, and a debt not held
        build.revision("HB/9", STRANGER, 0),  # returned at once by the referral: not open; and revised to 0.00
    ], header={"RecordCount": "3"})
    tar = build.tar_bytes([(build.file_name("LAREF", LA, D), referral), (build.file_name("LAREV", LA, D), broken)])
    assert receive(cli_env, tmp_path / "in", build.upload_name(LA, D), tar) == 0
    run_dms(cli_env, "run", "--date", D.isoformat(), check=True)

    bundles = outbox(cli_env, tmp_path / "out")
    assert list(bundles) == ["20251118-PDPDM-005920.tar"]
    files = bundles["20251118-PDPDM-005920.tar"]
    assert sorted(files) == ["20251118-DMCES-005920.xml", "20251118-DMREJ-005920.xml"]
    cessations = etree.fromstring(files["20251118-DMCES-005920.xml"])
    assert schema(MessageType.CESSATION).validate(cessations)
    assert [(c.findtext(f"{NS}DebtRef"), c.findtext(f"{NS}Reason"), c.findtext(f"{NS}BalanceReturned"))
            for c in cessations.findall(f"{NS}Cessation")] == [("HB/9", "NO_BENEFIT_IN_PAYMENT", "50.00")]

    [failed] = failed_files(files["20251118-DMREJ-005920.xml"])
    recorded = json.loads(subprocess.run(
        [sys.executable, "-c", RECORDED_ERRORS, "20251118-LAREV-005920.xml"], env=cli_env, capture_output=True,
        text=True, timeout=120, check=True).stdout)
    assert recorded["state"] == "FAILED" and failed["outcome"] == recorded["outcome"] == "INVALID"
    assert failed["name"] == "20251118-LAREV-005920.xml"
    assert len(recorded["errors"]) >= 4
    assert failed["errors"] == [
        {k: v for k, v in {"Code": e["code"], "Message": e["message"], "Line": str(e["line"]),
                           "DebtRef": e.get("debt_ref"), "Field": e.get("field")}.items() if v}
        for e in recorded["errors"]]
    assert {"COUNT_MISMATCH", "BAD_NINO", "UNKNOWN_DEBT_REF", "ZERO_REVISION"} <= {
        e["Code"] for e in failed["errors"]}

    # reported once: the next day has nothing to say, and the outbox still offers the first day's tar
    run_dms(cli_env, "run", "--date", (D + timedelta(days=1)).isoformat(), check=True)
    again = outbox(cli_env, tmp_path / "out2")
    assert list(again) == ["20251118-PDPDM-005920.tar"] and again == bundles
    # 30 days later it has left the outbox
    run_dms(cli_env, "run", "--date", (D + timedelta(days=30)).isoformat(), check=True)
    assert outbox(cli_env, tmp_path / "out3") == {}
    assert outbox(cli_env, tmp_path / "out4", "--date", (D + timedelta(days=29)).isoformat()) == bundles


def test_la_outbox_failure_notice_an_error_about_the_header_carries_no_debt_ref_or_field(
        cli_env: dict[str, str], tmp_path: Path) -> None:
    """§4.3: an Error has "for an error inside a record, that record's DebtRef and the Field at fault"; the
    errors about the file's Header (an LA ID not the file name's, a RecordCount not the records') are inside
    no record and have neither, while a record's error in the same file keeps both; the notice is valid
    against FileFailureNotice.xsd."""
    setup(cli_env)
    broken = build.file_bytes("LAREF", LA, D, [build.referral("HB/1", "DA123456C", 5_000)],
                              header={"LAID": "005921", "RecordCount": "2"})
    tar = build.tar_bytes([(build.file_name("LAREF", LA, D), broken)])
    assert receive(cli_env, tmp_path / "in", build.upload_name(LA, D), tar) == 0
    run_dms(cli_env, "run", "--date", D.isoformat(), check=True)
    files = outbox(cli_env, tmp_path / "out")["20251118-PDPDM-005920.tar"]
    [failed] = failed_files(files["20251118-DMREJ-005920.xml"])  # valid against the XSD
    assert failed["outcome"] == "INVALID"
    assert [(e["Code"], e.get("DebtRef"), e.get("Field"), e["Line"]) for e in failed["errors"]] == [
        ("HEADER_MISMATCH", None, None, "3"), ("COUNT_MISMATCH", None, None, "3"), ("BAD_NINO", "HB/1", "NINO", "4")]
    assert failed["errors"][0]["Message"].startswith("Header LAID is '005921' but the file name")
    assert failed["errors"][1]["Message"].startswith("Header RecordCount is 2 but the file has 1 records")


def test_la_outbox_refuses_an_unknown_la_and_a_date_not_yet_run(cli_env: dict[str, str], tmp_path: Path) -> None:
    setup(cli_env)
    nothing_yet = run_dms(cli_env, "la", "outbox", LA, "--out", str(tmp_path / "o"))
    assert nothing_yet.returncode != 0 and "dms run" in nothing_yet.stderr
    run_dms(cli_env, "run", "--date", D.isoformat(), check=True)
    unknown = run_dms(cli_env, "la", "outbox", "999999", "--out", str(tmp_path / "o"))
    assert unknown.returncode != 0 and "999999" in unknown.stderr and "dms la add" in unknown.stderr
    later = run_dms(cli_env, "la", "outbox", LA, "--out", str(tmp_path / "o"), "--date", "2025-11-19")
    assert later.returncode != 0 and "2025-11-19" in later.stderr
    bad = run_dms(cli_env, "la", "outbox", LA, "--out", str(tmp_path / "o"), "--date", "2025-02-30")
    assert bad.returncode != 0 and "date" in bad.stderr
    empty = run_dms(cli_env, "la", "outbox", LA, "--out", str(tmp_path / "o"), check=True)
    assert "empty" in empty.stdout and list((tmp_path / "o").iterdir()) == []


def test_la_outbox_hostile_corpus_each_refusal_reported_nothing_applied(cli_env: dict[str, str],
                                                                       tmp_path: Path) -> None:
    setup(cli_env)
    refused: dict[str, tuple[bytes, str]] = {}
    for case, (data, code) in HOSTILE_TARS.items():
        assert receive(cli_env, tmp_path / "in" / case, TAR, data) == 1
        refused[case] = (data, code)
    # hostile XML in sound tars, one a day: each file fails as CORRUPT at its line when the run processes it
    days = {}
    for offset, (case, (xml, code, line)) in enumerate(HOSTILE_XML.items(), start=1):
        day = D + timedelta(days=offset)
        name = REF.replace(f"{D:%Y%m%d}", f"{day:%Y%m%d}")
        assert receive(cli_env, tmp_path / "in" / case, build.upload_name(LA, day),
                       build.tar_bytes([(name, xml)])) == 0
        days[day] = (name, code, line)
    run_dms(cli_env, "run", "--date", D.isoformat(), check=True)  # a fresh installation starts at its date
    run_dms(cli_env, "run", "--date", max(days).isoformat(), check=True)

    bundles = outbox(cli_env, tmp_path / "out")
    assert sorted(bundles) == [f"{d:%Y%m%d}-PDPDM-{LA}.tar" for d in [D, *sorted(days)]]
    first = bundles[f"{D:%Y%m%d}-PDPDM-{LA}.tar"]
    assert list(first) == [f"{D:%Y%m%d}-DMREJ-{LA}.xml"]  # no cessation: nothing was applied
    reported = failed_files(first[f"{D:%Y%m%d}-DMREJ-{LA}.xml"])
    assert len(reported) == len(refused)
    by_sha = {f["sha256"]: f for f in reported}
    for case, (data, code) in refused.items():
        entry = by_sha[hashlib.sha256(data).hexdigest()]
        assert entry["name"] == TAR and entry["outcome"] == "CORRUPT", case
        assert code in [e["Code"] for e in entry["errors"]], case
        assert all(e["Code"].startswith("TAR_") and e["Line"] == "0" and e["Message"] for e in entry["errors"])
    for day, (name, code, line) in days.items():
        members = bundles[f"{day:%Y%m%d}-PDPDM-{LA}.tar"]
        assert list(members) == [f"{day:%Y%m%d}-DMREJ-{LA}.xml"]
        [entry] = failed_files(members[f"{day:%Y%m%d}-DMREJ-{LA}.xml"])
        assert (entry["name"], entry["outcome"]) == (name, "CORRUPT")
        assert [(e["Code"], e["Line"]) for e in entry["errors"]] == [(code, str(line))]
    shown = run_dms(cli_env, "debtor", "show", "AB123456C", "--json")
    assert shown.returncode != 0 or json.loads(shown.stdout)["debts"] == []


def test_la_refused_tar_put_right_files_sent_again_in_a_later_tar_and_what_depends_on_them(
        cli_env: dict[str, str], tmp_path: Path) -> None:
    """§5.1, §4.3, §6.1 and circular §48-49 through the real commands: a tar refused whole is refused saying
    what is wrong and that its files can be sent again in a later tar under their own names and dates; a
    revision of a debt its referral file named fails as DEPENDS_ON_FAILED_REFERRAL naming that file (the
    notice valid against FileFailureNotice.xsd); the next tar carrying the refused tar's referral file (its
    earlier name and date) and the failed revision is taken in, and the run applies both."""
    setup(cli_env)
    nino, day2, day3 = "AB123456C", D + timedelta(days=1), D + timedelta(days=2)
    events = tmp_path / "events.jsonl"
    events.write_text(json.dumps({
        "event_id": "a1", "type": "award.started", "occurred_on": "2025-04-07", "nino": nino, "award_ref": "UC1",
        "benefit": "UC", "start_date": "2025-04-07",
        "uc": {"claimant_type": "SINGLE_25_OR_OVER", "assessment_period_day": 14}}) + "\n")
    run_dms(cli_env, "events", "import", str(events), check=True)
    referral = (REF, build.file_bytes("LAREF", LA, D, [build.referral("HB/1", nino, 41_250)]))
    revision = (build.file_name("LAREV", LA, day2),
                build.file_bytes("LAREV", LA, day2, [build.revision("HB/1", nino, 50_000)]))

    (tmp_path / "in1").mkdir()
    refused = run_dms(cli_env, "la", "receive", str(build.write_tar(tmp_path / "in1" / TAR,
                                                                    [referral, ("notes.txt", b"minutes")])))
    assert refused.returncode == 1
    assert "TAR_MEMBER_NAME: 'notes.txt' is not the name of an inbound file" in refused.stderr
    assert ("nothing in this tar was taken in: send its files again, put right, in a later tar, each under its "
            "own name and date (circular §48)") in refused.stderr
    assert receive(cli_env, tmp_path / "in2", build.upload_name(LA, day2), build.tar_bytes([revision])) == 0
    run_dms(cli_env, "run", "--date", day2.isoformat(), check=True)
    files = outbox(cli_env, tmp_path / "out2")[f"{day2:%Y%m%d}-PDPDM-{LA}.tar"]
    tar_refused, depends = failed_files(files[f"{day2:%Y%m%d}-DMREJ-{LA}.xml"])  # valid against the XSD
    assert (tar_refused["name"], tar_refused["outcome"]) == (TAR, "CORRUPT")
    assert "send its files again, put right, in a later tar" in tar_refused["errors"][0]["Message"]
    assert (depends["name"], depends["outcome"]) == (revision[0], "DEPENDS_ON_FAILED_REFERRAL")
    [error] = depends["errors"]
    assert (error["Code"], error["DebtRef"], error["Field"]) == ("DEPENDS_ON_FAILED_REFERRAL", "HB/1", "DebtRef")
    assert error["Message"].startswith(f"DebtRef HB/1 was referred in {REF}, in the tar {TAR} refused on {D}")

    (tmp_path / "in3").mkdir()
    resent = run_dms(cli_env, "la", "receive", str(build.write_tar(tmp_path / "in3" / build.upload_name(LA, day3),
                                                                   [referral, revision])), check=True)
    assert f"the resubmission of {REF} of the tar {TAR} refused on {D}" in resent.stdout
    run_dms(cli_env, "run", "--date", day3.isoformat(), check=True)
    shown = json.loads(run_dms(cli_env, "debtor", "show", nino, "--json", check=True).stdout)
    [debt] = [d for d in shown["debts"] if d["ref"] == "HB/1"]
    assert (debt["status"], debt["amount"], debt["received_on"]) == ("OPEN", "500.00", day3.isoformat())
    assert f"{day3:%Y%m%d}-PDPDM-{LA}.tar" not in outbox(cli_env, tmp_path / "out3")  # nothing failed that day


def test_an_hb_debt_whose_own_instalment_fits_is_returned_maximum_deductions_when_another_creditors_fraud_debt_leaves_no_room(
        cli_env: dict[str, str], tmp_path: Path) -> None:
    """recovery-rules.md §4 (A9/2025 §24; hb-debt-interface.md §6.5): JSA of £20.00 a week leaves £19.90
    above the 10p floor. The LA's non-fraud debt's own instalment, £13.95 at the standard rate, fits in it,
    but DWP's fraud debt (Annex B item 17, recovered before item 19) sets the fraud rate, £23.25, and takes
    all £19.90: deductions already in place leave no room, so the LA's cessation file gives the Reason
    MAXIMUM_DEDUCTIONS, not INSUFFICIENT_BENEFIT (**Decision**, docs/recovery-notes.md "When an HB debt is
    returned MAXIMUM_DEDUCTIONS")."""
    setup(cli_env)
    nino, received, pay = "AN110001A", date(2025, 5, 20), date(2025, 6, 2)
    lines = [
        {"event_id": "a1", "type": "award.started", "occurred_on": "2025-01-01", "nino": nino, "award_ref": "W1",
         "benefit": "JSA", "start_date": "2025-01-01",
         "legacy": {"weekly_amount": "20.00", "pay_frequency": "WEEKLY", "first_pay_date": pay.isoformat()}},
        # referred the day after the LA's debt, so it did not stop that referral (§6.3 OTHER_DWP_RECOVERY)
        {"event_id": "d1", "type": "debt.referred", "occurred_on": "2025-05-21", "nino": nino, "creditor": "DWP",
         "creditor_ref": "DW-A", "debt_type": "OVERPAYMENT", "classification": "FRAUD", "amount": "300.00",
         "created_on": "2025-05-21"},
    ]
    path = tmp_path / "award.jsonl"
    path.write_text(json.dumps(lines[0]) + "\n")
    run_dms(cli_env, "events", "import", str(path), check=True)
    referral = build.file_bytes("LAREF", LA, received, [build.referral("HB-A", nino, 50_000, created=received)])
    tar = build.tar_bytes([(build.file_name("LAREF", LA, received), referral)])
    assert receive(cli_env, tmp_path / "in", build.upload_name(LA, received), tar) == 0
    run_dms(cli_env, "run", "--date", received.isoformat(), check=True)
    path = tmp_path / "debt.jsonl"
    path.write_text(json.dumps(lines[1]) + "\n")
    run_dms(cli_env, "events", "import", str(path), check=True)
    run_dms(cli_env, "run", "--date", pay.isoformat(), check=True)

    bundles = outbox(cli_env, tmp_path / "out", "--date", pay.isoformat())
    cessations = etree.fromstring(bundles["20250602-PDPDM-005920.tar"]["20250602-DMCES-005920.xml"])
    assert schema(MessageType.CESSATION).validate(cessations)
    assert [(c.findtext(f"{NS}DebtRef"), c.findtext(f"{NS}Reason"), c.findtext(f"{NS}BalanceReturned"))
            for c in cessations.findall(f"{NS}Cessation")] == [("HB-A", "MAXIMUM_DEDUCTIONS", "500.00")]
    shown = json.loads(run_dms(cli_env, "debtor", "show", nino, "--json", check=True).stdout)
    hb = next(d for d in shown["debts"] if d["ref"] == "HB-A")
    assert (hb["status"], hb["cessation_reason"]) == ("RETURNED", "MAXIMUM_DEDUCTIONS")
    assert ("(LA 005920 HB-A, NON_FRAUD) is returned MAXIMUM_DEDUCTIONS: the room, £19.90, covers its own "
            "instalment at the standard rate, £13.95") in hb["status_reason"], hb["status_reason"]
    taken = json.loads(run_dms(cli_env, "deductions", "list", "--nino", nino, "--json", check=True).stdout)
    assert [(d["date"], d["ref"], d["amount"]) for d in taken["deductions"]] == [("2025-06-02", "DW-A", "19.90")]
