"""``dms events import`` through the real command."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import run_dms

NINO = "AB123456C"


def _event(event_id: str, type_: str, **fields: object) -> str:
    return json.dumps({"event_id": event_id, "type": type_, "occurred_on": "2025-04-08", "nino": NINO, **fields})


GOOD_LINES = [
    _event("a1", "award.started", award_ref="UC1", benefit="UC", start_date="2025-04-07",
           uc={"claimant_type": "SINGLE_25_OR_OVER", "assessment_period_day": 7}),
    _event("d1", "debt.referred", creditor="HMRC", creditor_ref="TC-1", debt_type="OVERPAYMENT",
           classification="NON_FRAUD", amount="1234.56", created_on="2025-03-01"),
    _event("s1", "person.sanction", rate_percent=100, start_date="2025-04-08", duration_weeks=13),
]


def test_events_import_applies_valid_lines_reports_refused_ones_and_exits_non_zero(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    path = tmp_path / "events.jsonl"
    bad_money = _event("d2", "debt.referred", creditor="DWP", creditor_ref="X", debt_type="OVERPAYMENT",
                       classification="FRAUD", amount=10.5, created_on="2025-03-01")
    path.write_text("\n".join([GOOD_LINES[0], "{oops", GOOD_LINES[1], bad_money, GOOD_LINES[2]]) + "\n")
    result = run_dms(cli_env, "events", "import", str(path))
    assert result.returncode == 1, result.stderr
    assert f"{path}:2: refused" in result.stderr and "not valid JSON" in result.stderr
    assert f"{path}:4: refused (event d2): amount" in result.stderr
    assert "3 stored (2 applied), 0 unchanged, 2 refused" in result.stdout
    shown = run_dms(cli_env, "debtor", "show", NINO, "--json", check=True)
    assert "TC-1" in shown.stdout and "1234.56" in shown.stdout


def test_events_import_again_is_unchanged_and_exits_zero(cli_env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(GOOD_LINES) + "\n")
    first = run_dms(cli_env, "events", "import", str(path), check=True)
    assert "3 stored (2 applied), 0 unchanged, 0 refused" in first.stdout
    again = run_dms(cli_env, "events", "import", str(path), check=True)
    assert "0 stored (0 applied), 3 unchanged, 0 refused" in again.stdout


def test_events_import_missing_file_is_a_clear_error(cli_env: dict[str, str], tmp_path: Path) -> None:
    result = run_dms(cli_env, "events", "import", str(tmp_path / "absent.jsonl"))
    assert result.returncode == 1
    assert "absent.jsonl: no such file" in result.stderr


def test_events_import_skips_and_counts_blank_lines(cli_env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(["", GOOD_LINES[0], "   ", GOOD_LINES[1], "{oops", GOOD_LINES[2], ""]) + "\n")
    result = run_dms(cli_env, "events", "import", str(path))
    assert result.returncode == 1 and f"{path}:5: refused" in result.stderr  # line numbers count the blank lines
    assert f"{path}: 7 line(s): 3 stored (2 applied), 0 unchanged, 1 refused, 3 blank (skipped)" in result.stdout
    path.write_text("\n".join(GOOD_LINES) + "\n")
    again = run_dms(cli_env, "events", "import", str(path), check=True)
    assert again.stdout.strip().endswith("3 line(s): 0 stored (0 applied), 3 unchanged, 0 refused")


def test_events_import_keeps_a_late_older_revision_superseded_and_refuses_a_payment_received_after_it_occurred(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    """docs/events-notes.md "A late report does not overwrite a later one" (events.md §1, §3 ``debt.revised``)
    and "Dates that contradict each other" (``payment.received``): through ``dms events import``, a revision
    to £250.00 that occurred on 2025-05-05, delivered after one to £300.00 of 2025-05-10, is stored and
    reported superseded, and the debt stays at £300.00; a payment received after its own ``occurred_on`` is
    refused naming the file, line, event and field, exit 1, the file's other lines applied."""
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    revised = {"type_": "debt.revised", "creditor": "HMRC", "creditor_ref": "TC-1"}
    first.write_text("\n".join([*GOOD_LINES[:2], json.dumps({
        **json.loads(_event("r-new", **revised, amount="300.00")), "occurred_on": "2025-05-10"})]) + "\n")
    run_dms(cli_env, "events", "import", str(first), check=True)
    late = {**json.loads(_event("r-old", **revised, amount="250.00")), "occurred_on": "2025-05-05"}
    ahead = {**json.loads(_event("pay-1", "payment.received", amount="20.00", received_on="2025-06-01",
                                 channel="CARD")), "occurred_on": "2025-05-20"}
    second.write_text("\n".join([json.dumps(late), json.dumps(ahead)]) + "\n")
    result = run_dms(cli_env, "events", "import", str(second))
    assert result.returncode == 1
    assert (f"{second}:2: refused (event pay-1): received_on: 2025-06-01 is after occurred_on 2025-05-20: a "
            "payment is reported on or after the day it was received; correct received_on (or occurred_on)"
            in result.stderr)
    assert "2 line(s): 1 stored (0 applied, 1 superseded by a later report), 0 unchanged, 1 refused" in result.stdout
    shown = json.loads(run_dms(cli_env, "debtor", "show", NINO, "--json", check=True).stdout)
    assert [(d["amount"], d["balance"]) for d in shown["debts"]] == [("300.00", "300.00")]


def test_events_import_refuses_an_event_dated_more_than_a_year_after_today_with_its_line(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    """README (`dms run` refuses a date more than a year after today as mistyped): such an event could never
    act, so `dms events import` refuses it with its line and event, exit 1, and takes the rest."""
    path = tmp_path / "events.jsonl"
    far = json.dumps({"event_id": "d9", "type": "person.died", "occurred_on": "2199-05-02", "nino": NINO,
                      "date_of_death": "2199-05-01"})
    path.write_text("\n".join([GOOD_LINES[0], far]) + "\n")
    result = run_dms(cli_env, "events", "import", str(path))
    assert result.returncode == 1
    assert f"{path}:2: refused (event d9): occurred_on: 2199-05-02 is more than a year after today" in result.stderr
    assert "1 stored (1 applied), 0 unchanged, 1 refused" in result.stdout
