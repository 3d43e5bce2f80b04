"""Bad configuration and bad input through the real command: one line on stderr saying what is wrong, where and
how to put it right, exit 1 (2 for bad arguments), no traceback, and nothing left half done."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, count_rows, run_dms

LONG_KEY = "k" * 50
NINO = "CE123456A"


def one_line_error(result: subprocess.CompletedProcess[str], *expected: str, code: int = 1) -> str:
    """The one-line ``dms: error:`` message of a refused command (exit 1; ``code`` 2 for a bad argument),
    checked to contain ``expected``."""
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("dms: error: ") and result.stderr.count("\n") == 1, result.stderr
    for text in expected:
        assert text in result.stderr, (text, result.stderr)
    return result.stderr


@pytest.mark.parametrize(("variables", "expected"), [
    ({"DMS_ENV": "production"}, ["DMS_ENV=production needs DMS_SECRET_KEY", "unset"]),
    ({"DMS_ENV": "staging"}, ["DMS_ENV must be 'development' or 'production', not 'staging'"]),
    ({"DMS_ENV": "production", "DMS_SECRET_KEY": LONG_KEY, "DMS_DEBUG": "1"}, ["refuses DMS_DEBUG", "set it to 0"]),
    ({"DMS_DATABASE_URL": "foo://clerk:s3cret@bar/dms"}, ["DMS_DATABASE_URL 'foo://clerk:***@bar/dms'", "sqlite:///"]),
    ({"DMS_DATABASE_URL": "postgres://clerk:s3cret@127.0.0.1:5432"},
     ["DMS_DATABASE_URL 'postgres://clerk:***@127.0.0.1:5432' names no database", "postgres://user@host:5432/name"]),
    ({"DMS_BACS_SORT_CODE": "12345"}, ["DMS_BACS_SORT_CODE '12345' is not a BACS sort code", "6 digits"]),
])
def test_a_configuration_dms_cannot_run_with_is_refused_in_one_line(
        cli_env: dict[str, str], variables: dict[str, str], expected: list[str]) -> None:
    env = {**cli_env, **variables}
    for args in (["init"], ["ledger", "check"]):
        stderr = one_line_error(run_dms(env, *args), *expected)
        assert "s3cret" not in stderr
    assert not Path(cli_env["DMS_DATA_DIR"]).exists()  # refused before anything was made


def test_a_database_that_cannot_be_reached_is_named_without_its_password(cli_env: dict[str, str]) -> None:
    env = {**cli_env, "DMS_DATABASE_URL": "postgres://clerk:s3cret@127.0.0.1:1/dms"}
    for args in (["ledger", "check"], ["init"], ["debtor", "show", NINO]):
        stderr = one_line_error(run_dms(env, *args), "postgres://clerk:***@127.0.0.1:1/dms", "Connection refused",
                                "DMS_DATABASE_URL")
        assert "s3cret" not in stderr
    missing = {**cli_env, "DMS_DATABASE_URL": f"sqlite:///{cli_env['DMS_DATA_DIR']}/no/such/folder/dms.sqlite3"}
    one_line_error(run_dms(missing, "ledger", "check"), "cannot open the database sqlite:///",
                   "the file's folder must exist")


def test_a_data_directory_that_is_a_file_is_refused(cli_env: dict[str, str], tmp_path: Path) -> None:
    a_file = tmp_path / "afile"
    a_file.write_text("a file, not a directory\n")
    for data_dir in (a_file, a_file / "below"):
        env = {**cli_env, "DMS_DATA_DIR": str(data_dir)}
        one_line_error(run_dms(env, "init"), f"DMS_DATA_DIR {data_dir} is not a directory",
                       "set DMS_DATA_DIR to a directory")
    assert a_file.read_text() == "a file, not a directory\n"


def test_a_database_file_that_is_not_sqlite_is_refused_in_one_line(cli_env: dict[str, str], tmp_path: Path) -> None:
    """README: errors go to stderr in one line; a database DMS cannot open is named. A file that is not a
    SQLite database (damaged, or another program's) is refused by every command, untouched."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "dms.sqlite3").write_text("garbage\n")
    env = {**cli_env, "DMS_DATA_DIR": str(data)}
    env.pop("DMS_DATABASE_URL", None)
    for command in (["init"], ["debtor", "show", "AB123456C"], ["run", "--date", "2026-02-02"]):
        one_line_error(run_dms(env, *command), "is not a DMS database", "run `dms init`")
    assert (data / "dms.sqlite3").read_text() == "garbage\n"


@pytest.mark.parametrize("period", ["0000-01", "9999-12", "\uff12\uff10\uff12\uff16-02", "2026-\uff10\uff12"])
def test_a_month_dms_cannot_read_is_refused_in_one_line(cli_env: dict[str, str], tmp_path: Path, period: str) -> None:
    run_dms(cli_env, "init", check=True)
    out = tmp_path / "bacs.txt"
    for args in (["report", "reconcile", "--period", period], ["report", "exceptions", "--period", period],
                 ["bacs", "export", "--period", period, "--out", str(out)]):
        one_line_error(run_dms(cli_env, *args), f"argument --period: period {period!r}", "2026-01", code=2)
    assert not out.exists()
    demo = run_dms(cli_env, "demo", "--month", period)
    assert demo.returncode == 2 and f"argument --month: period {period!r}" in demo.stderr
    assert "Traceback" not in demo.stderr


def test_a_business_date_outside_the_years_dms_works_in_is_a_bad_argument(cli_env: dict[str, str]) -> None:
    for text in ("0001-01-01", "9999-12-31"):
        result = run_dms(cli_env, "run", "--date", text)
        assert result.returncode == 2 and "the year must be from 1900 to 2199" in result.stderr


def _legacy_book(cli_env: dict[str, str], tmp_path: Path) -> None:
    """One person on JSA since 2019 with a DWP debt (events import)."""
    def event(event_id: str, type_: str, **fields: object) -> str:
        return json.dumps({"event_id": event_id, "type": type_, "occurred_on": "2019-06-01", "nino": NINO, **fields})

    path = tmp_path / "events.jsonl"
    path.write_text("\n".join([
        event("a1", "award.started", award_ref="JSA1", benefit="JSA", start_date="2019-06-01",
              legacy={"weekly_amount": "90.50", "pay_frequency": "WEEKLY", "first_pay_date": "2019-06-03"}),
        event("d1", "debt.referred", creditor="DWP", creditor_ref="OP-1", debt_type="OVERPAYMENT",
              classification="NON_FRAUD", amount="300.00", created_on="2019-05-01"),
    ]) + "\n")
    run_dms(cli_env, "events", "import", str(path), check=True)


def test_rerate_for_a_date_dms_has_no_rules_for_is_refused_and_leaves_no_run(
        cli_env: dict[str, str], tmp_path: Path) -> None:
    _legacy_book(cli_env, tmp_path)
    one_line_error(run_dms(cli_env, "rerate", "--date", "2020-01-01"),
                   "--date 2020-01-01: DMS holds the recovery rules from 2024-04-08",
                   "re-rate as of a date on or after 2024-04-08")
    assert count_rows(cli_env, "dms_rerate_run") == 0
    assert count_rows(cli_env, "dms_rerate_result") == 0


@pytest.mark.parametrize("json_output", [True, False])
def test_output_to_a_reader_that_has_gone_ends_quietly(
        cli_env: dict[str, str], tmp_path: Path, json_output: bool) -> None:
    _legacy_book(cli_env, tmp_path)
    args = [sys.executable, "-m", "dms.cli", "debtor", "show", NINO, *(["--json"] if json_output else [])]
    process = subprocess.Popen(args, env=cli_env, cwd=str(REPO), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # the reader goes away before anything is written, as `| head -1` may
    stderr = process.stderr.read()
    assert process.wait(timeout=120) == 1
    assert stderr == ""


def test_a_file_dms_cannot_write_is_reported_in_one_line(cli_env: dict[str, str], tmp_path: Path) -> None:
    run_dms(cli_env, "init", check=True)
    run_dms(cli_env, "la", "add", "005920", "--name", "Leeds City Council", "--sort-code", "200415",
            "--account", "10059200", check=True)
    run_dms(cli_env, "run", "--date", "2025-11-03", check=True)
    a_file = tmp_path / "afile"
    a_file.write_text("")
    one_line_error(run_dms(cli_env, "la", "outbox", "005920", "--out", str(a_file / "sub")),
                   f"{a_file / 'sub'}: Not a directory", "check that the path is right")


def test_la_commands_say_what_is_wrong_with_the_id_or_path_first(cli_env: dict[str, str], tmp_path: Path) -> None:
    run_dms(cli_env, "init", check=True)
    for bad in ("12345", "0012345", "00012X", "\uff10\uff10\uff10\uff11\uff12\uff13"):
        result = run_dms(cli_env, "la", "outbox", bad, "--out", str(tmp_path / "out"))
        assert result.returncode == 2 and f"LA ID {bad!r} is not six digits (write it like 000123)" in result.stderr
    missing = tmp_path / "nowhere" / "not-an-la-tar-name.tar"
    one_line_error(run_dms(cli_env, "la", "receive", str(missing)), f"{missing} does not exist",
                   "give the path of the tar received from the LA")
    one_line_error(run_dms(cli_env, "la", "receive", str(tmp_path)), f"{tmp_path} is a directory")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("args", "expected"), [
    (("run",), "dms run: the following arguments are required: --date; see `dms run --help`"),
    (("synth", "--people", "5", "--seed", "abc"), "'abc' is not a whole number in ASCII digits, such as 7"),
    (("rerate", "--date", "2026-01-01", "--workers", "\u0664"), "is not a whole number of worker processes"),
    (("report", "exceptions", "--bogus"),
     "dms report exceptions: unrecognized arguments: --bogus; see `dms report exceptions --help`"),
    (("run", "--date", "2026-03-03", "--foo"), "dms run: unrecognized arguments: --foo; see `dms run --help`"),
])
def test_a_bad_argument_is_one_line_with_exit_2_and_no_usage_block(
        cli_env: dict[str, str], args: tuple[str, ...], expected: str) -> None:
    """README: errors go to stderr in one line (``dms: error: ...``), exit 2 for bad arguments."""
    result = run_dms(cli_env, *args)
    assert result.returncode == 2 and result.stderr.startswith("dms: error: ") and result.stderr.count("\n") == 1
    assert expected in result.stderr and "usage:" not in result.stderr


def test_cap_percent_is_a_plain_decimal(cli_env: dict[str, str]) -> None:
    run_dms(cli_env, "init", check=True)
    for text in ("1e1", "1_0", "\uff10"):
        one_line_error(run_dms(cli_env, "rerate", "--date", "2026-01-01", "--cap-percent", text),
                       "argument --cap-percent", "is not a number: give a percentage in ASCII digits", code=2)



UC_NINO = "AB123456C"


def _uc_book(cli_env: dict[str, str], tmp_path: Path) -> str:
    """One person on UC since April 2025 with a DWP overpayment (events import); returns the debt's id."""
    def event(event_id: str, type_: str, **fields: object) -> str:
        return json.dumps({"event_id": event_id, "type": type_, "occurred_on": "2025-04-08", "nino": UC_NINO,
                           **fields})

    path = tmp_path / "uc-events.jsonl"
    path.write_text("\n".join([
        event("a1", "award.started", award_ref="UC1", benefit="UC", start_date="2025-04-07",
              uc={"claimant_type": "SINGLE_25_OR_OVER", "assessment_period_day": 7}),
        event("d1", "debt.referred", creditor="DWP", creditor_ref="OP-1", debt_type="OVERPAYMENT",
              classification="NON_FRAUD", amount="300.00", created_on="2025-03-01"),
    ]) + "\n")
    run_dms(cli_env, "events", "import", str(path), check=True)
    shown = json.loads(run_dms(cli_env, "debtor", "show", UC_NINO, "--json", check=True).stdout)
    return str(shown["debts"][0]["id"])


def _set_rate(debt: str, *changed: str) -> list[str]:
    """``dms debtor set-rate`` for the UC book's debt, good but for ``changed`` (options given again win)."""
    return ["debtor", "set-rate", UC_NINO, "--debt", debt, "--amount", "10.00", "--until", "2025-09-01",
            "--reason", "affordability request", "--actor", "j.smith", "--date", "2025-06-01", *changed]


BAD_SET_RATE = [
    (("--amount", "0.00"), "argument --amount: 0.00 is not more than 0.00", "at least 0.01"),
    (("--reason", ""), "argument --reason: '' is empty", "give why the rate is reduced"),
    (("--reason", "   "), "argument --reason: '   ' is only spaces", "give why the rate is reduced"),
    (("--actor", ""), "argument --actor: '' is empty", "who sets the rate, or leave --actor out"),
    (("--debt", ""), "argument --debt: '' is empty", "give the debt's id"),
]
BAD_CORRECTION = [
    (("--by", ""), "argument --by: '' is empty", "give who is making the correction"),
    (("--reason", " "), "argument --reason: ' ' is only spaces", "give why the deduction is corrected"),
]


def _correct(*changed: str) -> list[str]:
    return ["report", "correct-misallocation", "1", "--date", "2025-06-02", "--by", "A Clerk", "--reason", "check",
            *changed]


def test_bad_arguments_exit_2_empty_reason_and_zero_amount(cli_env: dict[str, str], tmp_path: Path) -> None:
    """README: errors go to stderr in one line, exit 1, 2 for bad arguments. What is wrong in the argument
    itself (an empty --reason, --actor, --by or --debt, a rate of 0.00) is a bad argument, as `--amount 1.001`
    is: exit 2, naming the argument and what to give; nothing is recorded."""
    debt = _uc_book(cli_env, tmp_path)
    for changed, *expected in BAD_SET_RATE:
        one_line_error(run_dms(cli_env, *_set_rate(debt, *changed)), "dms debtor set-rate: ", *expected, code=2)
    for changed, *expected in BAD_CORRECTION:
        one_line_error(run_dms(cli_env, *_correct(*changed)), "dms report correct-misallocation: ", *expected,
                       code=2)
    assert count_rows(cli_env, "dms_reduced_rate") == 0
    # what only the book can tell stays a refused request, exit 1
    one_line_error(run_dms(cli_env, *_set_rate(debt, "--amount", "999.00")), "lower than the rate it replaces")
    one_line_error(run_dms(cli_env, *_set_rate("99999")), "no debt with this id")
    one_line_error(run_dms(cli_env, *_correct()), "there is no misallocation 1")
    assert count_rows(cli_env, "dms_reduced_rate") == 0
    run_dms(cli_env, *_set_rate(debt), check=True)  # and the same arguments, put right, are taken
    assert count_rows(cli_env, "dms_reduced_rate") == 1


def test_bad_arguments_exit_2_before_the_database_is_opened(cli_env: dict[str, str]) -> None:
    """A bad argument is judged from the argument alone: refused with exit 2 even where the database cannot be
    reached (which would be exit 1)."""
    env = {**cli_env, "DMS_DATABASE_URL": "postgres://clerk@127.0.0.1:1/dms"}
    for changed, *expected in BAD_SET_RATE:
        one_line_error(run_dms(env, *_set_rate("1", *changed)), *expected, code=2)
    for changed, *expected in BAD_CORRECTION:
        one_line_error(run_dms(env, *_correct(*changed)), *expected, code=2)


def test_bad_arguments_exit_2_review_date_not_after_the_date_set(cli_env: dict[str, str], tmp_path: Path) -> None:
    """``--until`` on or before ``--date`` runs backwards whatever the book holds: exit 2, as ``--from`` after
    ``--to`` of `dms deductions list`."""
    debt = _uc_book(cli_env, tmp_path)
    for until in ("2025-06-01", "2025-05-31"):
        one_line_error(run_dms(cli_env, *_set_rate(debt, "--until", until)),
                       f"--until {until}: the review date must be after 2025-06-01", "(--date)", code=2)
    assert count_rows(cli_env, "dms_reduced_rate") == 0


def test_bad_arguments_exit_2_empty_path(cli_env: dict[str, str], tmp_path: Path) -> None:
    """An empty path (which would name the current directory) is a bad argument, exit 2: nothing is read or
    written there."""
    run_dms(cli_env, "init", check=True)
    run_dms(cli_env, "la", "add", "005920", "--name", "Leeds City Council", "--sort-code", "200415",
            "--account", "10059200", check=True)
    run_dms(cli_env, "run", "--date", "2025-11-03", check=True)
    before = sorted(REPO.iterdir())
    for args, argument, expected in [
        (("events", "import", ""), "FILE.jsonl", "give the JSON Lines file of events"),
        (("la", "receive", ""), "PATH", "give the tar received from the LA"),
        (("la", "outbox", "005920", "--out", ""), "--out", "give the directory to copy the tars into"),
        (("bacs", "export", "--period", "2025-10", "--out", ""), "--out", "give the BACS file to write"),
    ]:
        one_line_error(run_dms(cli_env, *args), f"argument {argument}: the path is empty", expected, code=2)
    assert sorted(REPO.iterdir()) == before


# `dms` as a person runs it, its database able to read and not to write: SQLite's query_only (what a read-only
# file or DMS_DATA_DIR gives, SQLITE_READONLY), PostgreSQL's read-only transactions (a standby server)
_READ_ONLY_DMS = """
import sys
from django.db.backends.signals import connection_created

def read_only(sender, connection, **kwargs):
    connection.connection.execute("PRAGMA query_only = ON" if connection.vendor == "sqlite"
                                  else "SET default_transaction_read_only = on")

connection_created.connect(read_only)
from dms.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_a_database_dms_cannot_write_is_reported_in_one_line_saying_how_to_fix_it(
        cli_env: dict[str, str], tmp_path: Path) -> None:
    """README: errors go to stderr in one line and say what is wrong, where and how to put it right (a file
    DMS cannot write: here the database, read-only). Every writing command is refused so, exit 1, no
    traceback, and nothing of it is saved."""
    _legacy_book(cli_env, tmp_path)
    run_dms(cli_env, "run", "--date", "2025-11-03", check=True)
    runs = count_rows(cli_env, "dms_run_step")
    event = tmp_path / "more.jsonl"
    event.write_text(json.dumps({"event_id": "p1", "type": "person.registered", "occurred_on": "2025-11-03",
                                 "nino": "AB123456C", "surname": "X", "forenames": "Y",
                                 "date_of_birth": "1980-01-01"}) + "\n")
    fix = ("let DMS write the file and its folder" if "DMS_DATABASE_URL" not in cli_env else
           "point DMS_DATABASE_URL at a server and database that accept writes")
    for args in (["run", "--date", "2025-11-04"], ["rerate", "--date", "2025-11-03"],
                 ["debtor", "set-rate", NINO, "--debt", "OP-1", "--amount", "1.00", "--until", "2026-09-01",
                  "--reason", "afford"],
                 ["events", "import", str(event)]):
        result = subprocess.run([sys.executable, "-c", _READ_ONLY_DMS, *args], env=cli_env, cwd=str(REPO),
                                capture_output=True, text=True, timeout=300)
        stderr = one_line_error(result, "dms: error: cannot write the database ", fix, "run the command again")
        if "DMS_DATABASE_URL" not in cli_env:
            assert "readonly database" in stderr and f"its folder {cli_env['DMS_DATA_DIR']} " in stderr
        else:
            assert "read-only transaction" in stderr
    assert count_rows(cli_env, "dms_run_step") == runs
    assert count_rows(cli_env, "dms_person") == 1
