"""``dms synth`` and ``dms demo`` run as a person would run them."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from conftest import _admin_url, database_vendor, run_dms
from dms.synth.generate import NinoSequence


@pytest.fixture
def second_env(cli_env: dict[str, str], tmp_path):
    """A second, separate fresh database next to ``cli_env``'s."""
    env = {**cli_env, "DMS_DATA_DIR": str(tmp_path / "second-data")}
    created = None
    if database_vendor() == "postgresql":
        import psycopg

        base, _ = _admin_url(cli_env["DMS_DATABASE_URL"])
        created = f"dms_cli_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{created}"')
        env["DMS_DATABASE_URL"] = f"{base}/{created}"
    yield env
    if created:
        import psycopg

        with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{created}" WITH (FORCE)')


def test_synth_200_people_is_deterministic_byte_for_byte(cli_env, second_env) -> None:
    ninos = [NinoSequence(4).nino(k) for k in (0, 57, 199)]
    shown = []
    for env in (cli_env, second_env):
        result = run_dms(env, "synth", "--people", "200", "--seed", "4", check=True)
        assert "added 200 people" in result.stdout
        assert "LAs: 20 added, 0 already registered" in result.stdout
        assert "ledger check: OK" in run_dms(env, "ledger", "check", check=True).stdout
        shown.append([run_dms(env, "debtor", "show", nino, "--json", check=True).stdout for nino in ninos])
    assert shown[0] == shown[1]
    assert all('"debts": [' in text and '"ref": ' in text for text in shown[0])


def test_synth_refuses_bad_arguments(cli_env) -> None:
    result = run_dms(cli_env, "synth", "--people", "many")
    assert result.returncode == 2 and "not a whole number" in result.stderr
    result = run_dms(cli_env, "synth", "--people", "10", "--las", "5000")
    assert result.returncode == 2 and "--las: 5,000 is not between 1 and 999" in result.stderr  # a bad argument


DEMO_SECTIONS = (
    "Loaded a synthetic book of 300 people", "Traffic for 2026-02", "Ran 2026-02-01 to 2026-03-02",
    "Debts by creditor", "Debts by type", "Local authorities (20)", "OVERPAYMENT (Housing Benefit)",
    "Recovered in 2026-02 by creditor", "Deductions taken in 2026-02", "Debts cleared, recalled and returned",
    "LA files received in 2026-02", "File failures by code",
    "Payment schedules for 2026-02 and BACS payments, per LA",
    "Ledger check:", "OK, every balance matches its postings", "BACS for 2026-02:", "Outputs:",
)


def test_demo_month_far_ahead_is_refused_before_anything_runs(cli_env) -> None:
    """As `dms run`: a month whose month-end run is more than a year after today is taken for a mistyped
    month (the demo would run every day up to it, for good)."""
    result = run_dms(cli_env, "demo", "--month", "2099-01")
    assert result.returncode == 1 and "more than a year after today" in result.stderr


def test_demo_runs_a_month_through_dms_and_summarises_it_once(cli_env) -> None:
    result = run_dms(cli_env, "demo", "--people", "300", check=True)
    out = " ".join(result.stdout.split())  # rich wraps long lines
    for text in DEMO_SECTIONS:
        assert text in out, text
    assert "refused:" not in out
    data = Path(cli_env["DMS_DATA_DIR"])
    bacs = data / "bacs" / "DMS-BACS-2026-02.txt"
    assert f"BACS file: {bacs}" in out and bacs.read_text(encoding="ascii").startswith("VOL1")
    schedules = sorted((data / "schedules" / "2026-02").glob("*-DMSCH-*.xml"))
    assert schedules and f"per LA ({len(schedules)} LAs)" in out  # every LA with a schedule, none left out
    assert all(f"│ {path.stem[-6:]} │" in result.stdout for path in schedules)
    assert len(list((data / "demo" / "2026-02" / "events").glob("2026-02-*.jsonl"))) >= 20
    assert not (data / "schedules" / "2026-01").exists(), "a month-end with nothing to schedule leaves no folder"
    assert "ledger check: OK" in run_dms(cli_env, "ledger", "check", check=True).stdout
    assert run_dms(cli_env, "report", "reconcile", "--period", "2026-02").returncode == 0
    again = " ".join(run_dms(cli_env, "demo", "--people", "300", check=True).stdout.split())
    # 300 + a new claimant from the events + the claimant on no benefit an LA referred (recorded from the referral)
    assert "already has 302 people" in again and "Loaded" not in again
    assert "2026-02 is not run again" in again and "Recovered in 2026-02 by creditor" in again
    assert "Ran 2026-02-01" not in again


def test_demo_runs_the_next_month_on_the_same_book(cli_env) -> None:
    run_dms(cli_env, "demo", "--people", "120", check=True)
    out = " ".join(run_dms(cli_env, "demo", "--month", "2026-03", check=True).stdout.split())
    assert "Ran 2026-03-03 to 2026-04-01" in out and "Payment schedules for 2026-03" in out
    assert "already completed 2026-03-01 to 2026-03-02" in out


def test_demo_of_a_later_month_runs_the_months_between_and_pays_them_too(cli_env) -> None:
    run_dms(cli_env, "demo", "--people", "60", check=True)
    out = " ".join(run_dms(cli_env, "demo", "--month", "2026-04", check=True).stdout.split())
    assert "last completed on 2026-03-02: the days from 2026-03-03 to 2026-03-31 are run first" in out
    assert "Ran 2026-03-03 to 2026-05-01" in out
    data = Path(cli_env["DMS_DATA_DIR"])
    assert (data / "bacs" / "DMS-BACS-2026-03.txt").exists() and (data / "bacs" / "DMS-BACS-2026-04.txt").exists()
    assert "BACS for 2026-03:" in out and "BACS for 2026-04:" in out  # each month's payment names its month
    assert "ledger check: OK" in run_dms(cli_env, "ledger", "check", check=True).stdout
    earlier = run_dms(cli_env, "demo", "--month", "2026-02", check=True)
    assert "2026-02 is not run again" in " ".join(earlier.stdout.split())


def test_demo_refuses_a_bad_month(cli_env) -> None:
    result = run_dms(cli_env, "demo", "--month", "2026-13")
    assert result.returncode == 2 and "--month" in result.stderr


def _files(top: Path) -> set[str]:
    return {str(p.relative_to(top)) for p in top.rglob("*") if p.is_file()}


def test_demo_fresh_starts_from_a_clean_slate_or_refuses_elsewhere(cli_env) -> None:
    run_dms(cli_env, "demo", "--people", "50", "--month", "2026-03", check=True)
    data = Path(cli_env["DMS_DATA_DIR"])
    march = _files(data)
    assert "bacs/DMS-BACS-2026-03.txt" in march and any(f.startswith("schedules/2026-03/") for f in march)
    assert any(f.startswith("outbox/") and "/20260401-PDPDM-" in f for f in march)
    result = run_dms(cli_env, "demo", "--people", "60", "--fresh")
    if database_vendor() == "postgresql":
        assert result.returncode == 1 and "--fresh starts a new SQLite database file" in result.stderr
        assert _files(data) == march  # refused: nothing moved
        return
    assert result.returncode == 0, result.stderr
    out = " ".join(result.stdout.split())
    kept = data / "previous" / "1"
    assert f"the previous database and its outputs are kept in {kept}" in out
    assert "Loaded a synthetic book of 60 people" in out and "Ran 2026-02-01 to 2026-03-02" in out
    now = _files(data)
    assert {f"previous/1/{name}" for name in march} <= now  # the old database and all its outputs, together
    live = {name for name in now if not name.startswith("previous/")}
    assert not any("2026-03" in name and not name.startswith("outbox/") for name in live), sorted(live)
    outbox_dates = {name.rsplit("/", 1)[1][:8] for name in live if name.startswith("outbox/")}
    assert outbox_dates and max(outbox_dates) <= "20260302"  # the new database runs to 2026-03-02 only
    assert "bacs/DMS-BACS-2026-02.txt" in live and "dms.sqlite3" in live


def test_demo_refuses_a_month_before_the_rules_before_writing_anything(cli_env) -> None:
    """recovery-rules.md §2, §4 (the rates from 2024-04-08), as `dms run` refuses such a date: a demo month
    with a day before them is refused at once (exit 1, one line), with no book or traffic left behind."""
    data = Path(cli_env["DMS_DATA_DIR"])
    for month in ("2024-03", "2024-04"):
        result = run_dms(cli_env, "demo", "--people", "50", "--month", month)
        assert result.returncode == 1 and result.stderr.count("\n") == 1
        assert "holds the recovery rules from 2024-04-08" in result.stderr and "--month 2024-05" in result.stderr
    assert not (data / "dms.sqlite3").exists() and not (data / "demo").exists()


def test_demo_interrupted_before_writing_the_bacs_file_writes_it_when_run_again(cli_env) -> None:
    """README ("`dms demo` [keeps] the days it had completed ... run again, goes on without doing anything
    twice") and recovery-rules.md §7 (the LAs are paid by BACS from the month's schedules): a demo stopped by
    Ctrl-C after the month-end run committed and before the month's BACS file was written leaves the schedules;
    `dms demo` again writes the BACS file from them, says so, and records the payments once; a third run
    changes nothing."""
    import subprocess
    import sys

    from conftest import REPO, as_at_a_terminal

    script = ("import os, signal, sys\nfrom dms.commands import synth\n"
              "synth._export_bacs = lambda period, console: os.kill(os.getpid(), signal.SIGINT)\n"
              "from dms.cli import main\nsys.exit(main(['demo', '--people', '60']))\n")
    stopped = subprocess.run([sys.executable, "-c", script], env=cli_env, capture_output=True, text=True,
                             timeout=600, cwd=str(REPO), preexec_fn=as_at_a_terminal)
    assert stopped.returncode == 130, stopped.stderr
    bacs = Path(cli_env["DMS_DATA_DIR"]) / "bacs" / "DMS-BACS-2026-02.txt"
    assert not bacs.exists()
    again = " ".join(run_dms(cli_env, "demo", "--people", "60", check=True).stdout.split())
    assert "2026-02 is not run again" in again
    assert "BACS for 2026-02 (not written when its month-end run completed: written now from its schedules):" \
        in again
    assert bacs.exists() and f"BACS file: {bacs}" in again
    written = bacs.read_bytes()
    third = " ".join(run_dms(cli_env, "demo", "--people", "60", check=True).stdout.split())
    assert "BACS for 2026-02" not in third and bacs.read_bytes() == written
    assert "ledger check: OK" in run_dms(cli_env, "ledger", "check", check=True).stdout


@pytest.mark.parametrize(("option", "value", "expected"), [
    ("--seed", "1000000000", "from 0 to 999,999,999"),
    ("--seed", "9" * 5000, "from 0 to 999,999,999"),
    ("--people", "9" * 5000, "not between 1 and"),
    ("--people", "\u0661\u0662", "not a whole number"),
    ("--las", "\u0661\u0662", "not a whole number"),
])
def test_demo_numeric_options_out_of_range_are_bad_arguments_that_give_the_range(
        cli_env, option: str, value: str, expected: str) -> None:
    """README (exit 2 for bad arguments, one line; numbers in ASCII digits): a seed goes into the id of every
    event of the demo's traffic (events.md §1: at most 64 characters), so it is at most nine digits; a number
    too long or in other digits is refused, without echoing it whole."""
    result = run_dms(cli_env, "demo", option, value)
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert expected in result.stderr and len(result.stderr) < 400
    assert not (Path(cli_env["DMS_DATA_DIR"]) / "dms.sqlite3").exists()
