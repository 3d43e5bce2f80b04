"""The payments commands as a person runs them: dms bacs export, dms report reconcile, dms report exceptions."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import run_dms


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
    assert bad.returncode == 1 and "YYYY-MM" in bad.stderr
    report = run_dms(cli_env, "report", "reconcile", "--period", "2025-10", "--json", check=True)
    data = json.loads(report.stdout)
    assert data["ties"] is True and data["period"] == "2025-10"
    assert {line["creditor"] for line in data["creditors"]} == {"DWP", "HMRC", "LA 005920"}
    assert all(line["closing"] == "0.00" for line in data["creditors"])
    table = run_dms(cli_env, "report", "reconcile", "--period", "2025-10", check=True)
    assert "ties to the ledger" in table.stdout
    exceptions = run_dms(cli_env, "report", "exceptions", "--json", "--date", "2025-11-03", check=True)
    assert json.loads(exceptions.stdout) == {"misallocations": []}
    missing = run_dms(cli_env, "report", "correct-misallocation", "7", "--date", "2025-11-03", "--by", "A Clerk",
                      "--reason", "check")
    assert missing.returncode == 1 and "no misallocation 7" in missing.stderr
