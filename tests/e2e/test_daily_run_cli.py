"""``dms run`` through the real command: events in, a book, the daily run, deductions out with their
explanations; catch-up, re-runs, month-end schedules; the same results to the penny with one process, two
worker processes and a Dask cluster (docs/architecture.md "The daily run")."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from conftest import _admin_url, database_vendor, run_dms
from daily_run_book import BOOK_DATE, FIRST_RUN, LAS, LAST_RUN, PEOPLE, SEED, events_for_book, fingerprint
from worker_hooks import hooked

NINO = "AB123456C"
PAY = date(2025, 6, 7)


def _event(event_id: str, type_: str, occurred_on: str, **fields: object) -> str:
    return json.dumps({"event_id": event_id, "type": type_, "occurred_on": occurred_on, "nino": NINO, **fields})


@contextmanager
def _cursor(env: dict[str, str]) -> Iterator[Any]:
    """A cursor on the database the command used (to read what it wrote, never to write)."""
    url = env.get("DMS_DATABASE_URL")
    if url:
        import psycopg

        with psycopg.connect(url) as pg, pg.cursor() as cursor:
            yield cursor
        return
    lite = sqlite3.connect(Path(env["DMS_DATA_DIR"]) / "dms.sqlite3")
    try:
        yield lite.cursor()
    finally:
        lite.close()


@pytest.fixture
def fresh_env(tmp_path: Path) -> Iterator[Callable[[], dict[str, str]]]:
    """Makes environments for the real command, each with a new empty database (as ``cli_env``)."""
    created: list[str] = []
    base = ""

    def make() -> dict[str, str]:
        nonlocal base
        env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
        env["DMS_DATA_DIR"] = str(tmp_path / f"data-{len(created)}-{uuid.uuid4().hex[:6]}")
        if database_vendor() == "postgresql":
            import psycopg

            base, _ = _admin_url(os.environ["DMS_DATABASE_URL"])
            name = f"dms_cli_{uuid.uuid4().hex[:12]}"
            with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
                admin.execute(f'CREATE DATABASE "{name}"')
            created.append(name)
            env["DMS_DATABASE_URL"] = f"{base}/{name}"
        else:
            created.append("")
            env.pop("DMS_DATABASE_URL", None)
        return env

    yield make
    if base:
        import psycopg

        with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
            for name in filter(None, created):
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _book(env: dict[str, str], tmp_path: Path) -> None:
    run_dms(env, "synth", "--people", str(PEOPLE), "--seed", str(SEED), "--las", str(LAS),
            "--date", BOOK_DATE.isoformat(), check=True)
    with _cursor(env) as cursor:
        lines = events_for_book(cursor)
    path = tmp_path / f"events-{uuid.uuid4().hex[:6]}.jsonl"
    path.write_text("\n".join(lines) + "\n")
    run_dms(env, "events", "import", str(path), check=True)


def _state(env: dict[str, str]) -> dict[str, Any]:
    with _cursor(env) as cursor:
        state = fingerprint(cursor)
    # the files the LAs receive, byte for byte: the same inputs give the same files whatever the workers
    data = Path(env["DMS_DATA_DIR"])
    state["files"] = {str(path.relative_to(data)): hashlib.sha256(path.read_bytes()).hexdigest()
                      for top in ("schedules", "outbox") for path in sorted((data / top).rglob("*"))
                      if path.is_file()}
    return state


def _run(env: dict[str, str], day: date, *extra: str) -> str:
    return run_dms(env, "run", "--date", day.isoformat(), *extra, check=True).stdout


def test_events_book_run_then_deductions_listed_with_explanations(cli_env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join([
        _event("a1", "award.started", "2025-04-07", award_ref="UC1", benefit="UC", start_date="2025-04-07",
               uc={"claimant_type": "SINGLE_25_OR_OVER", "assessment_period_day": 1}),
        _event("d1", "debt.referred", "2025-04-08", creditor="DWP", creditor_ref="OP-1", debt_type="OVERPAYMENT",
               classification="NON_FRAUD", amount="300.00", created_on="2025-03-01"),
        _event("ap1", "uc.assessment_period", "2025-05-31", award_ref="UC1", period_start="2025-05-01",
               period_end="2025-05-31", payment_date=PAY.isoformat(), award_amount="800.00",
               earnings_over_work_allowance=False, sanction_amount="0.00", fraud_penalty_amount="0.00",
               third_party=[]),
    ]) + "\n")
    run_dms(cli_env, "events", "import", str(path), check=True)
    run_dms(cli_env, "synth", "--people", "50", "--date", "2025-05-01", check=True)
    first = _run(cli_env, PAY - timedelta(days=1))
    assert "completed" in first
    out = _run(cli_env, PAY)
    assert f"{PAY.isoformat()} (Saturday): completed" in out and "deductions" in out and "£" in out
    listed = json.loads(run_dms(cli_env, "deductions", "list", "--nino", NINO, "--json", check=True).stdout)
    [row] = listed["deductions"]
    # 15% of the 2025/26 standard allowance £400.14, rounded down (recovery-rules.md §2)
    assert row["date"] == PAY.isoformat() and row["amount"] == "60.02" and row["ref"] == "OP-1"
    assert "£60.02" in row["explanation"] and "400.14" in row["explanation"] and row["item"] == "Normal overpayments"


def test_catch_up_rerun_and_month_end_through_the_command(cli_env: dict[str, str], tmp_path: Path) -> None:
    _book(cli_env, tmp_path)
    first = _run(cli_env, FIRST_RUN)
    assert first.count("completed") == 2 and "1 day completed" in first
    ran = run_dms(cli_env, "run", "--date", LAST_RUN.isoformat(), check=True)
    out = ran.stdout
    assert "5 days completed" in out and "month_end" in out
    assert ran.stderr == "", "no progress bar is drawn when stderr is not a terminal"
    assert "period 2025-06" in out  # 2025-07-01, the first working day of July
    schedules = sorted((Path(cli_env["DMS_DATA_DIR"]) / "schedules" / "2025-06").glob("20250701-DMSCH-*.xml"))
    assert schedules
    before = _state(cli_env)
    again = run_dms(cli_env, "run", "--date", "2025-06-30", check=True)
    assert "already done" in again.stdout and "nothing changed" in again.stdout
    assert _state(cli_env) == before
    assert run_dms(cli_env, "ledger", "check").returncode == 0


def test_bad_arguments_are_clear_errors(cli_env: dict[str, str]) -> None:
    bad_date = run_dms(cli_env, "run", "--date", "2025-06-31")
    assert bad_date.returncode == 2 and "YYYY-MM-DD" in bad_date.stderr
    both = run_dms(cli_env, "run", "--date", "2025-06-01", "--workers", "2", "--scheduler", "tcp://x:1")
    assert both.returncode == 2 and "not allowed with" in both.stderr
    zero = run_dms(cli_env, "run", "--date", "2025-06-01", "--workers", "0")
    assert zero.returncode == 2 and "at least 1" in zero.stderr
    unreachable = run_dms(cli_env, "run", "--date", "2025-06-01", "--scheduler", "tcp://127.0.0.1:9")
    assert unreachable.returncode == 1 and "cannot reach the Dask scheduler" in unreachable.stderr
    assert unreachable.stderr.startswith("dms: error:") and unreachable.stderr.count("\n") == 1
    for address in ("garbage", "", "http://example.invalid:8786", "tcp://127.0.0.1:99999"):
        malformed = run_dms(cli_env, "run", "--date", "2025-06-01", "--scheduler", address)
        assert malformed.returncode == 2 and "is not a Dask scheduler address" in malformed.stderr, address
        assert malformed.stderr.count("\n") == 1 and "Traceback" not in malformed.stderr


def test_same_results_to_the_penny_with_one_process_two_workers_and_dask(
        fresh_env: Callable[[], dict[str, str]], tmp_path: Path) -> None:
    from distributed import LocalCluster

    states = {}
    single = fresh_env()
    _book(single, tmp_path)
    _run(single, FIRST_RUN)
    _run(single, LAST_RUN)
    states["one process"] = _state(single)
    workers = fresh_env()
    _book(workers, tmp_path)
    _run(workers, FIRST_RUN, "--workers", "2")
    _run(workers, LAST_RUN, "--workers", "2")
    states["two workers"] = _state(workers)
    dask = fresh_env()
    _book(dask, tmp_path)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=logging.ERROR) as cluster:
        _run(dask, FIRST_RUN, "--scheduler", cluster.scheduler_address)
        _run(dask, LAST_RUN, "--scheduler", cluster.scheduler_address)
    states["dask"] = _state(dask)
    assert states["one process"]["deductions"] and states["one process"]["schedules"]
    assert any("DMSCH" in name for name in states["one process"]["files"])
    assert states["two workers"] == states["one process"]
    assert states["dask"] == states["one process"]


def test_a_run_date_far_ahead_of_today_is_refused_as_a_mistyped_date(cli_env: dict[str, str]) -> None:
    """A run posts every day up to its date and no earlier date can be run after it: a date more than a year
    after the machine's date is refused (exit 1, one line), and nothing is run."""
    run_dms(cli_env, "init", check=True)
    far = run_dms(cli_env, "run", "--date", "2199-12-31")
    assert far.returncode == 1 and "more than a year after today" in far.stderr and far.stderr.count("\n") == 1
    assert run_dms(cli_env, "run", "--date", "2025-06-01", check=True).returncode == 0


def _run_killed(env: dict[str, str], day: date, patch: str) -> None:
    """`dms run --date DAY` in a fresh process whose code ``patch`` (run once DMS is set up) arranges for the
    process to SIGKILL itself part way; asserts it was killed so (no clean-up of any kind)."""
    import subprocess
    import sys

    from conftest import REPO

    script = ("import os, signal, sys\nfrom dms.store.bootstrap import setup\nsetup()\n" + patch
              + f"from dms.cli import main\nsys.exit(main(['run', '--date', '{day.isoformat()}']))\n")
    stopped = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True,
                             timeout=600, cwd=str(REPO))
    assert stopped.returncode == -9, stopped.stderr


def test_a_run_killed_part_way_leaves_no_partial_day_and_the_next_run_does_it_whole(
        fresh_env: Callable[[], dict[str, str]], tmp_path: Path) -> None:
    """Issue 4 point 5: "a run killed part way leaves no partial day (all of a day, or none, is committed) and
    the next run completes it". The real command is killed (SIGKILL: no clean-up of any kind) in the third
    chunk of the day's deductions, after the day's earlier steps and two chunks did their work; the database
    is as the day before left it, and `dms run` again gives what an uninterrupted run gives."""
    day = FIRST_RUN + timedelta(days=1)
    whole = fresh_env()
    _book(whole, tmp_path)
    _run(whole, FIRST_RUN)
    _run(whole, day)
    expected = _state(whole)

    killed = fresh_env()
    _book(killed, tmp_path)
    _run(killed, FIRST_RUN)
    before = _state(killed)
    _run_killed(killed, day, (
        "from dms.services import recovery as module\n"
        "real, calls = module.deductions_step, []\n"
        "def step(*args, **kwargs):\n"
        "    result = real(*args, **kwargs)\n"
        "    calls.append(1)\n"
        "    if len(calls) == 3:\n"
        "        os.kill(os.getpid(), signal.SIGKILL)\n"
        "    return result\n"
        "module.deductions_step = step\n"
    ))
    assert _state(killed) == before
    with _cursor(killed) as cursor:
        cursor.execute("SELECT COUNT(*) FROM dms_run_day WHERE run_date = %s".replace(
            "%s", "?" if "DMS_DATABASE_URL" not in killed else "%s"), [day.isoformat()])
        assert cursor.fetchone()[0] == 0
    _run(killed, day)
    assert _state(killed) == expected


def test_a_run_killed_after_writing_its_bundles_leaves_none_in_the_outbox_until_it_completes(
        fresh_env: Callable[[], dict[str, str]], tmp_path: Path) -> None:
    """hb-debt-interface.md §7 (the LA collects its bundles from its outbox) with the whole-day transaction:
    a run killed (SIGKILL) after the outbound step wrote the month-end bundles, before the day committed,
    leaves no bundle of that day in any outbox; the run that completes the day puts them there, the same
    files as an uninterrupted run's."""
    month_end = date(2025, 7, 1)
    whole = fresh_env()
    _book(whole, tmp_path)
    _run(whole, FIRST_RUN)
    _run(whole, month_end)
    expected = _state(whole)
    assert any(name.startswith("outbox/") and "20250701-PDPDM" in name for name in expected["files"])

    killed = fresh_env()
    _book(killed, tmp_path)
    _run(killed, FIRST_RUN)
    _run(killed, month_end - timedelta(days=1))
    _run_killed(killed, month_end, (
        "from dms.services import daily_run\n"
        "def complete(run_date):\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
        "daily_run._complete_day = complete\n"
    ))
    outbox = Path(killed["DMS_DATA_DIR"]) / "outbox"
    assert not [p for p in outbox.rglob("*20250701-PDPDM*")]
    _run(killed, month_end)
    assert _state(killed) == expected


def test_running_a_completed_date_again_puts_back_the_bundles_a_stopped_run_had_recorded(
        fresh_env: Callable[[], dict[str, str]], tmp_path: Path) -> None:
    """hb-debt-interface.md §7 (the LA collects its bundles from its outbox): a run stopped after its day
    committed and before the day's bundles were copied into the outboxes (here: the copies removed) has done
    the day; `dms run` of that same date, as the interruption message advises, changes nothing in the book and
    puts the bundles back, the same files."""
    month_end = date(2025, 7, 1)
    env = fresh_env()
    _book(env, tmp_path)
    _run(env, FIRST_RUN)
    _run(env, month_end)
    expected = _state(env)
    bundles = list((Path(env["DMS_DATA_DIR"]) / "outbox").rglob("*20250701-PDPDM*"))
    assert bundles
    for bundle in bundles:
        bundle.unlink()
    out = _run(env, month_end)
    assert "is already done" in out and f"put {len(bundles)} bundle" in out
    assert _state(env) == expected


@pytest.mark.parametrize("command", ["run", "rerate"])
@pytest.mark.parametrize("workers", ["100000000000", "17", "0", "-1", "1.5", "two", "9" * 5000])
def test_a_worker_count_outside_1_to_16_is_a_bad_argument_that_gives_the_range(
        cli_env: dict[str, str], command: str, workers: str) -> None:
    """README (exit 2 for bad arguments, one line, saying how to put it right): ``--workers`` of `dms run` and
    `dms rerate` is a whole number from 1 to 16 (a partitioned step has 16 chunks of people, so more local
    processes would sit idle); anything else is refused before anything runs, never with a traceback."""
    result = run_dms(cli_env, command, "--date", "2025-06-01", "--workers", workers)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("dms: error: ") and result.stderr.count("\n") == 1
    assert "from 1 to 16" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr) < 400  # a long argument is not echoed whole


def _run_days(env: dict[str, str]) -> dict[str, bool]:
    with _cursor(env) as cursor:
        cursor.execute("SELECT run_date, completed FROM dms_run_day")
        return {str(day): bool(done) for day, done in cursor.fetchall()}


def test_a_worker_killed_part_way_is_reported_as_such_and_the_next_run_completes_the_day(
        fresh_env: Callable[[], dict[str, str]], tmp_path: Path) -> None:
    """README (exit 1, one line: what, where, how to put it right) and docs/architecture.md "Resume on workers":
    a worker process killed (SIGKILL) in the second day of `dms run --workers 2` ends the run with a message
    that a worker died, which day was not completed, that nothing of the chunks under way was applied and that
    running again completes it, not a traceback; the day before stands, and the next run completes the day to
    the same result as a run never interrupted."""
    second, third = FIRST_RUN + timedelta(days=1), FIRST_RUN + timedelta(days=2)
    whole = fresh_env()
    _book(whole, tmp_path)
    _run(whole, FIRST_RUN)
    _run(whole, third)
    expected = _state(whole)

    env = fresh_env()
    _book(env, tmp_path)
    _run(env, FIRST_RUN)
    killed = hooked(env, "kill", third, tmp_path / "mark", "run", "--date", third.isoformat(), "--workers", "2")
    out, err = killed.communicate(timeout=300)
    assert killed.returncode == 1, err
    assert err.startswith("dms: error: ") and err.count("\n") == 1 and "Traceback" not in err, err
    assert "a worker process" in err and f"{third.isoformat()} was not completed" in err
    assert f"this run completed {second.isoformat()}" in err and "run `dms run" in err
    assert f"{second.isoformat()} (" in out
    assert _run_days(env) == {FIRST_RUN.isoformat(): True, second.isoformat(): True, third.isoformat(): False}
    again = _run(env, third, "--workers", "2")
    assert f"{third.isoformat()} (" in again and "1 day completed" in again
    assert _state(env) == expected
    assert run_dms(env, "ledger", "check").returncode == 0


def test_ctrl_c_on_workers_says_once_which_day_was_not_completed_and_exits_130(
        fresh_env: Callable[[], dict[str, str]], tmp_path: Path) -> None:
    """README: an interruption (Ctrl-C, exit 130) says what it left; on workers each chunk commits on its own
    and the next run completes the day. Ctrl-C at a terminal reaches the whole process group: `dms run
    --workers 2` prints one message naming the day not completed and the days completed, and no worker prints
    a traceback; the next run completes the day."""
    import signal
    import time

    second, third = FIRST_RUN + timedelta(days=1), FIRST_RUN + timedelta(days=2)
    env = fresh_env()
    _book(env, tmp_path)
    _run(env, FIRST_RUN)
    mark = tmp_path / "holding"
    held = hooked(env, "hold", third, mark, "run", "--date", third.isoformat(), "--workers", "2")
    deadline = time.monotonic() + 120
    while not mark.exists() and time.monotonic() < deadline and held.poll() is None:
        time.sleep(0.05)
    assert mark.exists(), held.communicate()
    os.killpg(held.pid, signal.SIGINT)
    out, err = held.communicate(timeout=60)
    assert held.returncode == 130, err
    assert "Traceback" not in err and err.count("\n") == 1, err
    assert f"{third.isoformat()}, which was not completed" in err and f"this run completed {second}" in err
    assert "run `dms run" in err
    assert _run_days(env)[third.isoformat()] is False
    assert "1 day completed" in _run(env, third)
    assert run_dms(env, "ledger", "check").returncode == 0


@pytest.mark.parametrize("workers", ["1", "2"])
def test_an_interruption_after_the_last_day_committed_says_every_day_was_completed(
        fresh_env: Callable[[], dict[str, str]], tmp_path: Path, workers: str) -> None:
    """README: an interruption says what it left, truly. Ctrl-C arriving once the last day of a multi-day run
    has committed (here: as its summary is printed) says that the run completed every day, naming them, and
    not that a day was left undone; running the date again changes nothing."""
    import subprocess
    import sys

    from conftest import REPO, as_at_a_terminal

    second, third = FIRST_RUN + timedelta(days=1), FIRST_RUN + timedelta(days=2)
    env = fresh_env()
    _book(env, tmp_path)
    _run(env, FIRST_RUN)
    script = ("import os, signal, sys\nfrom dms.commands import run\nreal = run.print_day\n"
              "def print_day(day):\n    real(day)\n"
              f"    if day.run_date.isoformat() == {third.isoformat()!r}:\n"
              "        os.kill(os.getpid(), signal.SIGINT)\n"
              "run.print_day = print_day\nfrom dms.cli import main\n"
              f"sys.exit(main(['run', '--date', {third.isoformat()!r}, '--workers', {workers!r}]))\n")
    stopped = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True,
                             timeout=300, cwd=str(REPO), preexec_fn=as_at_a_terminal)
    assert stopped.returncode == 130, stopped.stderr
    assert stopped.stderr.count("\n") == 1 and "Traceback" not in stopped.stderr
    assert f"completed every day it was to run, {second.isoformat()} to {third.isoformat()}" in stopped.stderr
    assert "not completed" not in stopped.stderr and "rolled back" not in stopped.stderr
    before = _state(env)
    assert "already done" in _run(env, third)
    assert _state(env) == before
