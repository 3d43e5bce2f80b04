"""``dms rerate`` through the real command: totals now and with a what-if cap, JSON, workers, refusals,
interruptions and a worker lost."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from datetime import date
from pathlib import Path

import pytest

from conftest import run_dms

NINO = "AB123456C"
AS_OF = date(2025, 6, 10)


def _event(event_id: str, type_: str, occurred_on: str = "2025-04-08", **fields: object) -> str:
    return json.dumps({"event_id": event_id, "type": type_, "occurred_on": occurred_on, "nino": NINO, **fields})


LINES = [
    _event("a1", "award.started", award_ref="UC1", benefit="UC", start_date="2025-04-07",
           uc={"claimant_type": "SINGLE_25_OR_OVER", "assessment_period_day": 7}),
    _event("d1", "debt.referred", creditor="DWP", creditor_ref="OP-1", debt_type="OVERPAYMENT",
           classification="NON_FRAUD", amount="300.00", created_on="2025-03-01"),
    _event("p1", "uc.assessment_period", occurred_on="2025-06-06", award_ref="UC1", period_start="2025-05-07",
           period_end="2025-06-06", payment_date="2025-06-13", award_amount="800.00",
           earnings_over_work_allowance=False, sanction_amount="0.00", fraud_penalty_amount="0.00", third_party=[]),
]


def _rerate_with_a_chunk_that(cli_env: dict[str, str], body: str) -> subprocess.CompletedProcess[str]:
    """`dms rerate --date 2025-06-10` in a process of its own whose chunk of partitions runs ``body`` (Python, as
    the body of ``chunk(*args)``; ``real`` is the real chunk) instead."""
    import sys

    from conftest import REPO

    script = (
        "import os, signal, sys\n"
        "from dms.store.bootstrap import setup\n"
        "setup()\n"
        "from dms.services import rerate as module\n"
        "real = module.rerate_chunk\n"
        "def chunk(*args):\n"
        f"{body}"
        "module.rerate_chunk = chunk\n"
        "from dms.cli import main\n"
        "sys.exit(main(['rerate', '--date', '2025-06-10']))\n"
    )
    return subprocess.run([sys.executable, "-c", script], env=cli_env, capture_output=True, text=True, timeout=300,
                          cwd=str(REPO))


def _imported(cli_env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(LINES) + "\n")
    run_dms(cli_env, "events", "import", str(path), check=True)


def test_rerate_prints_totals_now_and_with_a_lower_cap(cli_env: dict[str, str], tmp_path: Path) -> None:
    _imported(cli_env, tmp_path)
    result = run_dms(cli_env, "rerate", "--date", "2025-06-10", "--cap-percent", "10", check=True)
    assert "1 people" in result.stdout and "1 UC assessment periods" in result.stdout
    assert "£60.02" in result.stdout and "£40.01" in result.stdout and "-20.01" in result.stdout
    assert "overall cap 10%" in result.stdout


def test_rerate_json_with_two_workers_gives_the_same_totals(cli_env: dict[str, str], tmp_path: Path) -> None:
    _imported(cli_env, tmp_path)
    one = json.loads(run_dms(cli_env, "rerate", "--date", "2025-06-10", "--cap-percent", "12.5", "--json",
                             check=True).stdout)
    two = json.loads(run_dms(cli_env, "rerate", "--date", "2025-06-10", "--cap-percent", "12.5", "--workers", "2",
                             "--json", check=True).stdout)
    assert one["now"] == two["now"] == "60.02"
    assert one["what_if"] == two["what_if"] == "50.01"  # 12.5% of £400.14, rounded down
    assert one["creditors"] == two["creditors"] == [
        {"creditor": "DWP", "la_id": None, "now": "60.02", "what_if": "50.01", "difference": "-10.01"}]
    assert two["run_id"] == one["run_id"] + 1 and one["cap_percent"] == "12.5"
    shown = json.loads(run_dms(cli_env, "deductions", "list", "--nino", NINO, "--json", check=True).stdout)
    assert shown == {"deductions": []}  # a what-if posts nothing


def test_rerate_refuses_a_cap_above_the_legal_maximum(cli_env: dict[str, str]) -> None:
    run_dms(cli_env, "init", check=True)
    result = run_dms(cli_env, "rerate", "--date", "2025-06-10", "--cap-percent", "45")
    assert result.returncode == 2 and "dms: error:" in result.stderr and "40%" in result.stderr
    negative = run_dms(cli_env, "rerate", "--date", "2025-06-10", "--cap-percent", "-1")
    assert negative.returncode == 2 and "-1 is negative" in negative.stderr and "40%" in negative.stderr
    bad_date = run_dms(cli_env, "rerate", "--date", "10/06/2025")
    assert bad_date.returncode == 2


def test_rerate_minus_zero_cap_is_a_cap_of_zero(cli_env: dict[str, str], tmp_path: Path) -> None:
    """`--cap-percent -0` (or `-0.00`) is zero, inside the range 0 to 40 its `--help` gives: it is taken as a
    cap of 0%, as `--cap-percent 0` is, not refused as negative (docs/recovery-notes.md)."""
    _imported(cli_env, tmp_path)
    zero = json.loads(run_dms(cli_env, "rerate", "--date", "2025-06-10", "--cap-percent", "0", "--json",
                              check=True).stdout)
    for text in ("-0", "-0.00"):
        minus = json.loads(run_dms(cli_env, "rerate", "--date", "2025-06-10", "--cap-percent", text, "--json",
                                   check=True).stdout)
        assert minus["cap_percent"] == zero["cap_percent"] == "0"
        assert (minus["now"], minus["what_if"]) == (zero["now"], zero["what_if"]) and zero["what_if"] == "0.00"


def test_a_rerate_date_far_ahead_of_today_is_refused_as_a_mistyped_date(cli_env: dict[str, str],
                                                                        tmp_path: Path) -> None:
    """README `dms rerate`: a date more than a year after today is refused as a mistyped date (2062 for 2026),
    as `dms run` refuses it (exit 1, one line naming the date and today): DMS would otherwise present the
    parameters it holds as in force then. The same day a year on is still re-rated."""
    from dms.calendar import a_year_after

    _imported(cli_env, tmp_path)
    last = a_year_after(date.today())
    for far in (date.fromordinal(last.toordinal() + 1).isoformat(), "2062-06-13", "2199-12-31"):
        result = run_dms(cli_env, "rerate", "--date", far)
        assert result.returncode == 1 and result.stdout == "", result
        assert result.stderr.startswith(f"dms: error: --date {far} is more than a year after today "
                                        f"({date.today().isoformat()}); ") and result.stderr.count("\n") == 1
        assert "check the date" in result.stderr
    kept = json.loads(run_dms(cli_env, "rerate", "--date", last.isoformat(), "--json", check=True).stdout)
    assert kept["date"] == last.isoformat()


def test_a_rerate_stopped_by_sigterm_part_way_leaves_nothing(cli_env: dict[str, str], tmp_path: Path) -> None:
    """README: "a refused or interrupted run leaves nothing". SIGTERM (``kill``, a process manager) arrives
    once the run is recorded and its first chunk is under way; it is handled as Ctrl-C is: the run and any
    rows are removed, exit 143."""

    from conftest import count_rows

    _imported(cli_env, tmp_path)
    stopped = _rerate_with_a_chunk_that(cli_env, "    os.kill(os.getpid(), signal.SIGTERM)\n"
                                                 "    return real(*args)\n")
    assert stopped.returncode == 143, stopped.stderr
    assert "interrupted; nothing partial was committed" in stopped.stderr and "Traceback" not in stopped.stderr
    assert count_rows(cli_env, "dms_rerate_run") == 0 and count_rows(cli_env, "dms_rerate_result") == 0


def _held_until_a_chunk_is_written(cli_env: dict[str, str], tmp_path: Path) -> subprocess.Popen[str]:
    """`dms rerate --date 2025-06-10 --workers 2` with the chunk of partitions 512-1023 held on its worker once the
    other chunk (partitions 0-511, where the one person with debts is) has written its rows."""
    from conftest import count_rows
    from worker_hooks import hooked

    mark = tmp_path / "holding"
    held = hooked(cli_env, "hold", AS_OF, mark, "rerate", "--date", AS_OF.isoformat(), "--workers", "2")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and held.poll() is None and not (
            mark.exists() and count_rows(cli_env, "dms_rerate_result") > 0):
        time.sleep(0.1)
    assert mark.exists() and count_rows(cli_env, "dms_rerate_result") > 0, held.communicate()
    return held


def test_ctrl_c_on_rerate_workers_stops_them_quietly_and_leaves_nothing(cli_env: dict[str, str],
                                                                        tmp_path: Path) -> None:
    """README: "a refused or interrupted run leaves nothing"; an interruption (Ctrl-C, exit 130) says so in one
    line; Ctrl-C at a terminal also reaches the `--workers` processes, which the command stops and which print
    nothing. Ctrl-C reaches the whole process group of `dms rerate --workers 2` while one worker holds a chunk
    and the other's rows are written: one line, no traceback, no wait for the held chunk, and neither the run nor
    any of its rows is left; the re-rating run again gives its totals."""
    from conftest import count_rows

    _imported(cli_env, tmp_path)
    held = _held_until_a_chunk_is_written(cli_env, tmp_path)
    os.killpg(held.pid, signal.SIGINT)
    out, err = held.communicate(timeout=60)
    assert held.returncode == 130, err
    assert err == "dms: interrupted; nothing partial was committed\n", err
    assert count_rows(cli_env, "dms_rerate_run") == 0 and count_rows(cli_env, "dms_rerate_result") == 0
    again = json.loads(run_dms(cli_env, "rerate", "--date", AS_OF.isoformat(), "--workers", "2", "--json",
                               check=True).stdout)
    assert again["now"] == "60.02" and count_rows(cli_env, "dms_rerate_run") == 1


def test_a_rerate_worker_killed_part_way_is_reported_as_such_and_leaves_nothing(cli_env: dict[str, str],
                                                                                tmp_path: Path) -> None:
    """README: a `--workers` process that dies (killed, out of memory) ends the command with exit 1, saying so
    (one line: what, and how to put it right); "a refused or interrupted run leaves nothing". A worker of
    `dms rerate --workers 2` killed (SIGKILL) in its chunk ends the re-rating with one line saying that a worker
    process died, that nothing of the re-rating was kept and to run it again; no traceback, no hang; neither the
    run nor any of its rows is left, and the re-rating run again gives its totals."""
    from conftest import count_rows
    from worker_hooks import hooked

    _imported(cli_env, tmp_path)
    killed = hooked(cli_env, "kill", AS_OF, tmp_path / "mark", "rerate", "--date", AS_OF.isoformat(),
                    "--workers", "2")
    out, err = killed.communicate(timeout=300)
    assert killed.returncode == 1, err
    assert err.startswith("dms: error: ") and err.count("\n") == 1 and "Traceback" not in err, err
    assert "a worker process" in err and "nothing of it was kept" in err, err
    assert f"run `dms rerate --date {AS_OF.isoformat()}" in err, err
    assert out == ""
    assert count_rows(cli_env, "dms_rerate_run") == 0 and count_rows(cli_env, "dms_rerate_result") == 0
    again = json.loads(run_dms(cli_env, "rerate", "--date", AS_OF.isoformat(), "--workers", "2", "--json",
                               check=True).stdout)
    assert again["now"] == "60.02" and count_rows(cli_env, "dms_rerate_run") == 1


@pytest.mark.parametrize("workers", ["1", "2"])
@pytest.mark.parametrize("when", ["recorded", "totalled"])
def test_a_rerate_interrupted_as_its_run_is_recorded_or_totalled_leaves_nothing(
        cli_env: dict[str, str], tmp_path: Path, when: str, workers: str) -> None:
    """README: "a refused or interrupted run leaves nothing". Ctrl-C arrives just as the run's row is stored
    (the insert committed, the call not yet returned), or as the totals of its stored rows are summed: exit 130,
    one line, and neither the run nor any of its rows is left."""
    import sys

    from conftest import REPO, as_at_a_terminal, count_rows

    _imported(cli_env, tmp_path)
    hook = {
        "recorded": ("from dms.store.replay.models import RerateRun\nmanager = RerateRun.objects\n"
                     "real = manager.create\ndef create(**fields):\n    run = real(**fields)\n"
                     "    os.kill(os.getpid(), signal.SIGINT)\n    return run\nmanager.create = create\n"),
        "totalled": ("from dms.services import rerate as module\nreal = module._totals\n"
                     "def totals(run_id):\n    os.kill(os.getpid(), signal.SIGINT)\n    return real(run_id)\n"
                     "module._totals = totals\n"),
    }[when]
    script = ("import os, signal, sys\nfrom dms.store.bootstrap import setup\nsetup()\n" + hook
              + f"from dms.cli import main\nsys.exit(main(['rerate', '--date', {AS_OF.isoformat()!r}, "
                f"'--workers', {workers!r}]))\n")
    stopped = subprocess.run([sys.executable, "-c", script], env=cli_env, capture_output=True, text=True,
                             timeout=300, cwd=str(REPO), preexec_fn=as_at_a_terminal)
    assert stopped.returncode == 130, stopped.stderr
    assert stopped.stderr == "dms: interrupted; nothing partial was committed\n", stopped.stderr
    assert count_rows(cli_env, "dms_rerate_run") == 0 and count_rows(cli_env, "dms_rerate_result") == 0


def test_a_rerate_whose_own_process_was_killed_is_removed_by_the_next_rerate(cli_env: dict[str, str],
                                                                            tmp_path: Path) -> None:
    """README: "a refused or interrupted run leaves nothing". `dms rerate` killed with SIGKILL once its chunk's rows
    are committed cannot remove its run itself: the next `dms rerate` removes the run and its rows (its process is
    no longer running), says so on stderr, and re-rates as usual."""

    from conftest import count_rows

    _imported(cli_env, tmp_path)
    killed = _rerate_with_a_chunk_that(cli_env, "    real(*args)\n"
                                                "    os.kill(os.getpid(), signal.SIGKILL)\n")
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert count_rows(cli_env, "dms_rerate_run") == 1 and count_rows(cli_env, "dms_rerate_result") > 0
    again = run_dms(cli_env, "rerate", "--date", AS_OF.isoformat(), "--json", check=True)
    assert "removed 1 earlier re-rating run(s) left unfinished" in again.stderr, again.stderr
    assert json.loads(again.stdout)["now"] == "60.02"
    assert count_rows(cli_env, "dms_rerate_run") == 1
    assert count_rows(cli_env, "dms_rerate_result") == 1


def test_rerate_counts_the_uc_periods_standing_in_for_an_unreported_current_one(cli_env: dict[str, str],
                                                                                 tmp_path: Path) -> None:
    """docs/recovery-notes.md "Re-rating reads the book as the daily run left it" (**Decision**): a period the
    run has already taken, re-rated as of a date after its end because the current one is not yet reported,
    is counted in the JSON (``uc_periods_standing_in``, beside every key there was) and in the text."""
    _imported(cli_env, tmp_path)
    before = json.loads(run_dms(cli_env, "rerate", "--date", "2025-06-13", "--json", check=True).stdout)
    assert (before["uc_periods"], before["uc_periods_standing_in"]) == (1, 0)  # to be paid on the date: current
    run_dms(cli_env, "run", "--date", "2025-06-13", check=True)
    report = json.loads(run_dms(cli_env, "rerate", "--date", "2025-06-20", "--json", check=True).stdout)
    assert (report["uc_periods"], report["uc_periods_standing_in"], report["now"]) == (1, 1, "60.02")
    assert {"people", "uc_periods", "legacy_instalments", "uc_awards_without_a_period",
            "waiting_for_the_daily_run", "now", "what_if", "difference", "creditors"} <= set(report)
    text = run_dms(cli_env, "rerate", "--date", "2025-06-20", check=True).stdout
    assert "1 of them standing in for a current period not yet reported" in text
