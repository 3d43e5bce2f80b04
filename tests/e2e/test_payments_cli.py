"""The payments commands as a person runs them: dms bacs export, dms report reconcile, dms report exceptions."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from conftest import count_rows, run_dms


def test_payments_commands_on_a_fresh_installation(cli_env: dict[str, str], tmp_path: Path) -> None:
    run_dms(cli_env, "init", check=True)
    run_dms(cli_env, "la", "add", "005920", "--name", "Leeds City Council", "--sort-code", "200415",
            "--account", "10059200", check=True)
    out = tmp_path / "bacs.txt"
    refused = run_dms(cli_env, "bacs", "export", "--period", "2025-10", "--out", str(out))
    assert refused.returncode == 1
    assert "no payment schedules for 2025-10" in refused.stderr and "2025-11-03" in refused.stderr
    assert not out.exists()
    bad = run_dms(cli_env, "bacs", "export", "--period", "October", "--out", str(out))
    assert bad.returncode == 2 and "YYYY-MM" in bad.stderr and "\n" not in bad.stderr.strip()
    for command in (("report", "reconcile"), ("report", "exceptions")):
        for period in ("2026-13", "2300-01", "２０２６-01"):
            refused_period = run_dms(cli_env, *command, "--period", period)
            assert refused_period.returncode == 2 and "--period" in refused_period.stderr, (command, period)
    report = run_dms(cli_env, "report", "reconcile", "--period", "2025-10", "--json", check=True)
    data = json.loads(report.stdout)
    assert data["ties"] is True and data["period"] == "2025-10"
    assert {line["creditor"] for line in data["creditors"]} == {"DWP", "HMRC", "LA 005920"}
    assert all(line["closing"] == "0.00" for line in data["creditors"])
    assert data["runs_completed_through"] is None
    table = run_dms(cli_env, "report", "reconcile", "--period", "2025-10", check=True)
    assert "ties to the ledger" in table.stdout
    assert "completed on no day yet, before 2025-10 began" in " ".join(table.stdout.split())
    exceptions = run_dms(cli_env, "report", "exceptions", "--json", "--date", "2025-11-03", check=True)
    assert json.loads(exceptions.stdout) == {"misallocations": []}
    missing = run_dms(cli_env, "report", "correct-misallocation", "7", "--date", "2025-11-03", "--by", "A Clerk",
                      "--reason", "check")
    assert missing.returncode == 1 and "no misallocation 7" in missing.stderr


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_bacs_export_records_payments_only_with_its_file(cli_env: dict[str, str], tmp_path: Path) -> None:
    run_dms(cli_env, "synth", "--people", "50", "--seed", "1", check=True)
    run_dms(cli_env, "run", "--date", "2026-01-07", check=True)
    run_dms(cli_env, "run", "--date", "2026-02-02", check=True)
    data_dir = Path(cli_env["DMS_DATA_DIR"])
    folder = tmp_path / "d"
    folder.mkdir()
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes\n")
    database = data_dir / "dms.sqlite3"
    protected = [database] if database.exists() else []  # the SQLite file (not on PostgreSQL)
    before = {path: _sha256(path) for path in [notes, *protected]}
    refused = [(folder, "is a directory"), (notes, "not a BACS Standard 18 file"),
               *((path, "that is DMS's database") for path in protected)]
    for target, message in refused:
        result = run_dms(cli_env, "bacs", "export", "--period", "2026-01", "--out", str(target))
        assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
        assert result.stderr.startswith("dms: error: cannot write the BACS file to ") and message in result.stderr
        assert result.stderr.count("\n") == 1
    assert count_rows(cli_env, "dms_creditor_payment") == 0
    assert list(folder.iterdir()) == [] and {path: _sha256(path) for path in before} == before
    out = folder / "DMS-BACS-2026-01.txt"
    first = run_dms(cli_env, "bacs", "export", "--period", "2026-01", "--out", str(out), check=True)
    assert "recorded 5 payment(s)" in first.stdout and count_rows(cli_env, "dms_creditor_payment") == 5
    # recovery-rules.md §7: paid on Friday 20 February 2026, processed the day before, submitted the day before that
    assert "submit by 2026-02-18 (input day); processing date 2026-02-19; payment date 2026-02-20" in first.stdout
    written = out.read_bytes()
    again = run_dms(cli_env, "bacs", "export", "--period", "2026-01", "--out", str(out), check=True)
    assert "nothing new posted" in again.stdout and out.read_bytes() == written
    assert count_rows(cli_env, "dms_creditor_payment") == 5 and sorted(folder.iterdir()) == [out]
    # the originator's settings changed since: the same file, and a note that it is the one recorded
    changed = run_dms({**cli_env, "DMS_BACS_SUN": "987654"}, "bacs", "export", "--period", "2026-01", "--out",
                      str(out), check=True)
    assert out.read_bytes() == written and "nothing new posted" in changed.stdout
    assert changed.stderr.startswith("note: this is the file written when the 2026-01 payments were recorded")
    assert "ledger check: OK" in run_dms(cli_env, "ledger", "check", check=True).stdout


def test_bacs_export_of_a_month_more_than_a_year_ahead_is_refused_as_a_mistyped_month(
        cli_env: dict[str, str], tmp_path: Path) -> None:
    """README (errors say what, where and how to fix; `dms run` refuses a date more than a year ahead): no run
    can have produced the schedules of such a month, so the export says so rather than advise a run that
    `dms run` would refuse."""
    run_dms(cli_env, "init", check=True)
    result = run_dms(cli_env, "bacs", "export", "--period", "2099-01", "--out", str(tmp_path / "b.txt"))
    assert result.returncode == 1 and "more than a year after today" in result.stderr
    assert "check the month" in result.stderr and "dms run --date" not in result.stderr
    assert not (tmp_path / "b.txt").exists()


def test_bacs_export_of_a_month_with_nothing_to_pay_says_so_and_writes_nothing(cli_env: dict[str, str],
                                                                               tmp_path: Path) -> None:
    """hb-debt-interface.md §7: an LA whose net total is not positive is paid nothing (a negative total is carried
    into the next month). A month whose month-end run completed with no LA to pay is an outcome, not a fault:
    `dms bacs export` says there is nothing to pay and why, exit 0, writes no file and records no payment, so a
    monthly job carries on; a month with no month-end run yet is still refused (exit 1)."""
    run_dms(cli_env, "init", check=True)
    run_dms(cli_env, "la", "add", "005920", "--name", "Leeds City Council", "--sort-code", "200415",
            "--account", "10059200", check=True)
    run_dms(cli_env, "run", "--date", "2025-11-03", check=True)  # the month-end run of 2025-10
    out = tmp_path / "bacs.txt"
    nothing = run_dms(cli_env, "bacs", "export", "--period", "2025-10", "--out", str(out))
    assert nothing.returncode == 0 and nothing.stderr == "", nothing.stderr
    assert nothing.stdout == ("nothing to pay for 2025-10: the month-end run of 2025-11-03 found no LA with anything "
                              "recovered, taken back or brought forward, so it wrote no schedules; no BACS file "
                              "written, nothing recorded\n")
    assert not out.exists() and count_rows(cli_env, "dms_creditor_payment") == 0
    later = run_dms(cli_env, "bacs", "export", "--period", "2025-11", "--out", str(out))
    assert later.returncode == 1 and "no payment schedules for 2025-11" in later.stderr
