"""``dms deductions list`` and ``dms debtor set-rate`` through the real command."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import run_dms

NINO = "AB123456C"


def _event(event_id: str, type_: str, **fields: object) -> str:
    return json.dumps({"event_id": event_id, "type": type_, "occurred_on": "2025-04-08", "nino": NINO, **fields})


LINES = [
    _event("a1", "award.started", award_ref="UC1", benefit="UC", start_date="2025-04-07",
           uc={"claimant_type": "SINGLE_25_OR_OVER", "assessment_period_day": 7}),
    _event("d1", "debt.referred", creditor="DWP", creditor_ref="OP-1", debt_type="OVERPAYMENT",
           classification="NON_FRAUD", amount="300.00", created_on="2025-03-01"),
]


def _imported(cli_env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(LINES) + "\n")
    run_dms(cli_env, "events", "import", str(path), check=True)


def _debt_id(cli_env: dict[str, str]) -> str:
    shown = json.loads(run_dms(cli_env, "debtor", "show", NINO, "--json", check=True).stdout)
    return str(shown["debts"][0]["id"])


def test_deductions_list_json_shape_when_nothing_taken(cli_env: dict[str, str], tmp_path: Path) -> None:
    _imported(cli_env, tmp_path)
    result = run_dms(cli_env, "deductions", "list", "--nino", NINO, "--json", check=True)
    assert json.loads(result.stdout) == {"deductions": []}
    table = run_dms(cli_env, "deductions", "list", "--nino", NINO, check=True)
    assert "No deductions" in table.stdout
    ranged = run_dms(cli_env, "deductions", "list", "--nino", NINO, "--from", "2026-03-01", check=True)
    assert "or for their debts from 2026-03-01 onwards (--from/--to)." in ranged.stdout  # not "none at all"
    both = run_dms(cli_env, "deductions", "list", "--nino", NINO, "--from", "2026-03-01", "--to", "2026-03-31",
                   check=True)
    assert "from 2026-03-01 to 2026-03-31" in both.stdout


def test_deductions_list_range_that_runs_backwards_is_a_bad_argument(cli_env: dict[str, str], tmp_path: Path) -> None:
    """README: bad arguments exit 2, saying what is wrong."""
    _imported(cli_env, tmp_path)
    result = run_dms(cli_env, "deductions", "list", "--nino", NINO, "--from", "2026-02-20", "--to", "2026-02-10")
    assert result.returncode == 2 and "runs forwards" in result.stderr


def test_deductions_list_unknown_nino_is_a_clear_error(cli_env: dict[str, str]) -> None:
    run_dms(cli_env, "init", check=True)
    result = run_dms(cli_env, "deductions", "list", "--nino", "CE123456A")
    assert result.returncode == 1 and "dms: error:" in result.stderr and "CE123456A" in result.stderr


def test_set_rate_records_reduced_rate_with_actor_and_date(cli_env: dict[str, str], tmp_path: Path) -> None:
    _imported(cli_env, tmp_path)
    result = run_dms(cli_env, "debtor", "set-rate", NINO, "--debt", _debt_id(cli_env), "--amount", "10.00",
                     "--until", "2025-09-01", "--reason", "affordability request", "--actor", "j.smith",
                     "--date", "2025-06-01", check=True)
    assert "10.00" in result.stdout and "j.smith" in result.stdout and "2025-09-01" in result.stdout


def test_set_rate_given_again_records_the_rate_once(cli_env: dict[str, str], tmp_path: Path) -> None:
    """guide/engineering.md: state changes are idempotent. The same `dms debtor set-rate` given twice (a retry)
    records the rate once, and says so the second time; the case view lists it once. A different rate (another
    amount) is a new decision, recorded beside it."""
    from conftest import count_rows

    _imported(cli_env, tmp_path)
    command = ["debtor", "set-rate", NINO, "--debt", _debt_id(cli_env), "--amount", "10.00", "--until", "2025-09-01",
               "--reason", "affordability request", "--actor", "j.smith", "--date", "2025-06-01"]
    first = run_dms(cli_env, *command, check=True)
    assert "already recorded" not in first.stdout
    again = run_dms(cli_env, *command, check=True)
    assert again.stdout.startswith(first.stdout.rstrip("\n")) and "already recorded, nothing new recorded" in again.stdout
    assert count_rows(cli_env, "dms_reduced_rate") == 1
    shown = run_dms(cli_env, "debtor", "show", NINO, check=True).stdout
    assert shown.count("affordability request") == 1, shown
    other = [*command[:6], "9.00", *command[7:]]
    assert "already recorded" not in run_dms(cli_env, *other, check=True).stdout
    assert count_rows(cli_env, "dms_reduced_rate") == 2


def test_debtor_show_json_lists_the_reduced_rates_the_table_lists(cli_env: dict[str, str], tmp_path: Path) -> None:
    """README `dms debtor show`: `reduced_rates` in JSON, present when any rate was ever set on the person's
    debts (owned or joint), as `refunds`, `movements` and `joint_debts` are present only when there are any:
    each with its debt (id and reference), the amount as the other amounts are written, its unit, the date it
    was set and is in force from, its review date, who set it and why, oldest first, as the table lists them.
    The keys there were before are kept as they were."""
    _imported(cli_env, tmp_path)
    before = json.loads(run_dms(cli_env, "debtor", "show", NINO, "--json", check=True).stdout)
    assert "reduced_rates" not in before
    debt_id = before["debts"][0]["id"]
    for amount, day in (("10.00", "2025-06-01"), ("7.50", "2025-06-02")):
        run_dms(cli_env, "debtor", "set-rate", NINO, "--debt", "OP-1", "--amount", amount, "--until", "2025-09-01",
                "--reason", "affordability request", "--actor", "j.smith", "--date", day, check=True)
    after = json.loads(run_dms(cli_env, "debtor", "show", NINO, "--json", check=True).stdout)
    assert after["reduced_rates"] == [
        {"debt_id": debt_id, "ref": "OP-1", "amount": "10.00", "unit": "ASSESSMENT_PERIOD", "from": "2025-06-01",
         "until": "2025-09-01", "set_by": "j.smith", "reason": "affordability request"},
        {"debt_id": debt_id, "ref": "OP-1", "amount": "7.50", "unit": "ASSESSMENT_PERIOD", "from": "2025-06-02",
         "until": "2025-09-01", "set_by": "j.smith", "reason": "affordability request"},
    ]
    assert {key: value for key, value in after.items() if key != "reduced_rates"} == before
    table = run_dms(cli_env, "debtor", "show", NINO, check=True).stdout
    assert (f"Reduced rate on debt {debt_id}: £10.00 per assessment period from 2025-06-01, review 2025-09-01, "
            "set by j.smith: affordability request") in table
    assert table.count("Reduced rate on debt") == 2


def test_set_rate_refuses_bad_amount_and_unknown_debt(cli_env: dict[str, str], tmp_path: Path) -> None:
    _imported(cli_env, tmp_path)
    bad = run_dms(cli_env, "debtor", "set-rate", NINO, "--debt", _debt_id(cli_env), "--amount", "ten",
                  "--until", "2025-09-01", "--reason", "r", "--date", "2025-06-01")
    assert bad.returncode == 2 and "--amount" in bad.stderr and "1234.56" in bad.stderr  # a bad argument
    negative = run_dms(cli_env, "debtor", "set-rate", NINO, "--debt", _debt_id(cli_env), "--amount", "-1.00",
                       "--until", "2025-09-01", "--reason", "r", "--date", "2025-06-01")
    assert negative.returncode == 2 and "may not be negative" in negative.stderr  # a bad argument too
    far = run_dms(cli_env, "debtor", "set-rate", NINO, "--debt", _debt_id(cli_env), "--amount", "10.00",
                  "--until", "2199-12-31", "--reason", "r", "--date", "2199-12-30")
    assert far.returncode == 1 and "more than a year after today" in far.stderr
    unknown = run_dms(cli_env, "debtor", "set-rate", NINO, "--debt", "99999", "--amount", "10.00",
                      "--until", "2025-09-01", "--reason", "r", "--date", "2025-06-01")
    assert unknown.returncode == 1 and "no debt with this id" in unknown.stderr


def test_deductions_list_table_shows_each_explanation_under_its_row(cli_env: dict[str, str], tmp_path: Path) -> None:
    """README: each deduction with its explanation, in the table as in the JSON."""
    period = _event("p1", "uc.assessment_period", award_ref="UC1", period_start="2025-05-07",
                    period_end="2025-06-06", payment_date="2025-06-13", award_amount="800.00",
                    earnings_over_work_allowance=False, sanction_amount="0.00", fraud_penalty_amount="0.00",
                    third_party=[])
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join([*LINES, period]) + "\n")
    run_dms(cli_env, "events", "import", str(path), check=True)
    run_dms(cli_env, "run", "--date", "2025-06-13", check=True)
    rows = json.loads(run_dms(cli_env, "deductions", "list", "--nino", NINO, "--json", check=True).stdout)["deductions"]
    table = run_dms(cli_env, "deductions", "list", "--nino", NINO, check=True).stdout.splitlines()
    assert len(rows) == 1 and table[1].startswith("2025-06-13") and rows[0]["amount"] in table[1]
    assert table[2:] == ["    " + line for line in rows[0]["explanation"].splitlines()]


def _legacy_explanations(cli_env: dict[str, str]) -> list[str]:
    """The explanations of the person's deductions, from ``dms deductions list --json``, each checked to be the
    lines the table prints under its row."""
    rows = json.loads(run_dms(cli_env, "deductions", "list", "--nino", NINO, "--json", check=True).stdout)["deductions"]
    table = run_dms(cli_env, "deductions", "list", "--nino", NINO, check=True).stdout
    for row in rows:
        assert "\n".join("    " + line for line in row["explanation"].splitlines()) in table
    return [row["explanation"] for row in rows]


def test_legacy_reduced_rate_explanation_names_its_debt_who_set_it_and_its_review_date(
        cli_env: dict[str, str], tmp_path: Path) -> None:
    """A9/2025 §31 and recovery-rules.md §3-4 (README: staff answer "why was £X taken?" from the deduction's
    explanation alone): a reduced rate set with `dms debtor set-rate` on a person on ESA is the weekly rate of
    their instalment, and `dms deductions list` (table and JSON) names the debt it is set on, who set it, its
    review date and the rate a week, as a UC period's explanation does."""
    award = _event("a1", "award.started", award_ref="ESA1", benefit="ESA", start_date="2025-04-07",
                   legacy={"weekly_amount": "90.50", "pay_frequency": "WEEKLY", "first_pay_date": "2025-04-07"})
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join([award, LINES[1]]) + "\n")
    run_dms(cli_env, "events", "import", str(path), check=True)
    run_dms(cli_env, "run", "--date", "2025-05-31", check=True)
    rate = run_dms(cli_env, "debtor", "set-rate", NINO, "--debt", "OP-1", "--amount", "2.00", "--until",
                   "2025-09-01", "--reason", "affordability request", "--actor", "j.smith", check=True)
    assert "2.00 a week" in rate.stdout
    run_dms(cli_env, "run", "--date", "2025-06-02", check=True)
    [*_, text] = _legacy_explanations(cli_env)
    assert text.startswith("Pay date 2025-06-02 (weekly)") and "took £2.00" in text, text
    assert ("\nA reduced rate set by staff on debt OP-1 (set by j.smith, review date 2025-09-01) is the weekly "
            "rate: £2.00 a week (A9/2025 §31).") in text, text


def test_legacy_reduced_rate_agreed_on_uc_says_it_was_converted_to_a_week(
        cli_env: dict[str, str], tmp_path: Path) -> None:
    """**Decision**, docs/recovery-notes.md "Reduced (affordable) rates": a rate agreed per assessment period
    while the person was on UC is read by the legacy benefit they move to as x 12/52, rounded down, and the
    instalment's explanation says so: £10.00 per assessment period is £2.30 a week, named with its debt, who
    set it and its review date."""
    _imported(cli_env, tmp_path)
    run_dms(cli_env, "run", "--date", "2025-05-31", check=True)
    rate = run_dms(cli_env, "debtor", "set-rate", NINO, "--debt", "OP-1", "--amount", "10.00", "--until",
                   "2025-09-01", "--reason", "affordability request", "--actor", "j.smith", check=True)
    assert "per assessment period" in rate.stdout
    moved = [_event("e1", "award.ended", award_ref="UC1", end_date="2025-06-01", reason="AWARD_ENDED"),
             _event("a2", "award.started", award_ref="ESA1", benefit="ESA", start_date="2025-06-02",
                    legacy={"weekly_amount": "90.50", "pay_frequency": "WEEKLY", "first_pay_date": "2025-06-08"})]
    path = tmp_path / "moved.jsonl"
    path.write_text("\n".join(moved) + "\n")
    run_dms(cli_env, "events", "import", str(path), check=True)
    run_dms(cli_env, "run", "--date", "2025-06-08", check=True)  # its first pay date, a whole week in payment
    [text] = _legacy_explanations(cli_env)
    assert "weekly rate £2.30 (reduced rate set by staff) x 1 week = instalment £2.30" in text, text
    assert ("\nA reduced rate set by staff on debt OP-1 (set by j.smith, review date 2025-09-01) is the weekly "
            "rate: agreed as £10.00 per assessment period, converted to £10.00 x 12/52 = £2.30 a week, rounded "
            "down (A9/2025 §31).") in text, text


def test_set_rate_dated_before_the_first_recovery_rates_exits_2_saying_from_when(
        cli_env: dict[str, str], tmp_path: Path) -> None:
    """`dms debtor set-rate --date 2024-04-01`, before 2024-04-08, the first date DMS holds the recovery rates
    for (recovery-rules.md §2, §4): a bad argument (exit 2) saying what and how to fix it, no traceback, and
    nothing recorded."""
    _imported(cli_env, tmp_path)
    result = run_dms(cli_env, "debtor", "set-rate", NINO, "--debt", "OP-1", "--amount", "5.00",
                     "--until", "2025-09-01", "--reason", "affordability request", "--date", "2024-04-01")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith("dms: error: --date 2024-04-01") and "on or after 2024-04-08" in result.stderr
    assert "Reduced rate" not in run_dms(cli_env, "debtor", "show", NINO, check=True).stdout


def test_set_rate_on_a_debt_no_longer_in_recovery_says_so_by_reference_as_by_id(
        cli_env: dict[str, str], tmp_path: Path) -> None:
    """docs/recovery-notes.md: a reduced rate on a debt not in recovery is refused (exit 1). A withdrawn debt,
    which `dms debtor show` lists, is refused as WITHDRAWN whether `--debt` names its reference or its id, not
    as a debt the person does not have."""
    _imported(cli_env, tmp_path)
    withdrawn = tmp_path / "withdrawn.jsonl"
    withdrawn.write_text(_event("w1", "debt.withdrawn", creditor="DWP", creditor_ref="OP-1",
                                reason="raised in error") + "\n")
    run_dms(cli_env, "events", "import", str(withdrawn), check=True)
    run_dms(cli_env, "run", "--date", "2025-04-08", check=True)
    assert "WITHDRAWN" in run_dms(cli_env, "debtor", "show", NINO, check=True).stdout
    for debt in ("OP-1", _debt_id(cli_env)):
        result = run_dms(cli_env, "debtor", "set-rate", NINO, "--debt", debt, "--amount", "5.00", "--until",
                         "2025-09-01", "--reason", "afford")
        assert result.returncode == 1, result.stderr
        assert result.stderr == (f"dms: error: --debt {debt}: the debt is WITHDRAWN and no longer recovered by "
                                 "DMS\n")


def test_set_rate_given_again_after_a_daily_run_records_nothing_new_and_says_so(
        cli_env: dict[str, str], tmp_path: Path) -> None:
    """README `dms debtor set-rate`: the same command given again records nothing new and says so, also
    after a daily run moved the last run date (the rate's default start) on: the same rate in force from an
    earlier date covers the later one. Once another rate has replaced it, giving it again is recorded."""
    from conftest import count_rows

    _imported(cli_env, tmp_path)
    run_dms(cli_env, "run", "--date", "2025-06-01", check=True)
    command = ["debtor", "set-rate", NINO, "--debt", "OP-1", "--amount", "10.00", "--until", "2025-09-01",
               "--reason", "afford", "--actor", "j.smith"]
    first = run_dms(cli_env, *command, check=True)
    assert "from 2025-06-01" in first.stdout and "already recorded" not in first.stdout
    run_dms(cli_env, "run", "--date", "2025-06-02", check=True)
    again = run_dms(cli_env, *command, check=True)
    assert again.stdout == first.stdout.rstrip("\n") + "; already recorded, nothing new recorded\n"
    assert count_rows(cli_env, "dms_reduced_rate") == 1
    assert run_dms(cli_env, "debtor", "show", NINO, check=True).stdout.count("afford") == 1
    run_dms(cli_env, *command[:6], "9.00", *command[7:], check=True)
    run_dms(cli_env, "run", "--date", "2025-06-03", check=True)
    back = run_dms(cli_env, *command, check=True)
    assert "from 2025-06-03" in back.stdout and "already recorded" not in back.stdout
    assert count_rows(cli_env, "dms_reduced_rate") == 3
