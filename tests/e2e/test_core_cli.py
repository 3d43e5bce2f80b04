"""The foundation commands run as a person would: ``dms init``, ``dms la add``, ``dms debtor show``,
``dms ledger check`` (the issue's command contracts)."""

from __future__ import annotations

import json
import sys
import textwrap

from conftest import run_dms

GOOD_LA = ["la", "add", "000123", "--name", "Leeds City Council", "--sort-code", "200000", "--account", "12345678"]

MAKE_DEBTS = textwrap.dedent(
    """
    from datetime import date
    from dms.store.bootstrap import setup
    setup()
    from django.db import transaction
    from dms.ledger import AccountKey, AccountKind, EntryKind, Posting, build_entry
    from dms.services.debts import create_debt
    from dms.store.ledger import post_entries
    from dms.store.models import Creditor, Person

    with transaction.atomic():
        person = Person.objects.create(nino="AB123456C", surname="Smith", forenames="Jo")
        la = Creditor.objects.get(la_id="000123")
        dwp = Creditor.objects.get(kind="DWP")
        common = dict(person=person, business_date=date(2025, 5, 1), actor="test", created_on=date(2025, 4, 1))
        hb = create_debt(creditor=la, creditor_ref="INV/2025-1", debt_type="OVERPAYMENT",
                         classification="FRAUD", amount_pence=123456, received_on=date(2025, 5, 1), **common)
        advance = create_debt(creditor=dwp, creditor_ref="ADV-9", debt_type="BUDGETING_ADVANCE",
                              classification="NON_FRAUD", amount_pence=50000, received_on=date(2025, 4, 30),
                              **common)
        post_entries([build_entry(EntryKind.DEDUCTION, date(2025, 5, 9), [
            Posting(AccountKey(AccountKind.BENEFIT_RECOVERIES), 6002),
            Posting(AccountKey(AccountKind.RECEIVABLE, hb.id), -6002),
            Posting(AccountKey(AccountKind.CREDITOR_DEBTS, la.id), 6002),
            Posting(AccountKey(AccountKind.CREDITOR_PAYABLE, la.id), -6002),
        ])])
        print(hb.id, advance.id)
    """
)


def test_init_creates_then_is_safe_to_repeat(cli_env: dict[str, str]) -> None:
    first = run_dms(cli_env, "init", check=True)
    assert "created the database" in first.stdout
    assert f"data directory: {cli_env['DMS_DATA_DIR']}" in first.stdout
    assert "database: " in first.stdout
    second = run_dms(cli_env, "init", check=True)
    assert "up to date" in second.stdout
    check = run_dms(cli_env, "ledger", "check", check=True)
    assert "ledger check: OK" in check.stdout


def test_la_add_registers_an_la_once(cli_env: dict[str, str]) -> None:
    run_dms(cli_env, "init", check=True)
    added = run_dms(cli_env, *GOOD_LA, check=True)
    assert "000123" in added.stdout and "Leeds City Council" in added.stdout
    again = run_dms(cli_env, *GOOD_LA)
    assert again.returncode == 1
    assert "dms: error:" in again.stderr and "000123 is already registered" in again.stderr


BAD_LA_INPUT = [
    (2, "12345", "LA ID '12345' is not six digits"),
    (2, "00012X", "LA ID '00012X' is not six digits"),
    (4, "", "name is empty"),
    (4, "L" * 101, "at most 100"),
    (6, "20-00-00", "sort code '20-00-00' is not six digits"),
    (8, "1234567", "account number '1234567' is not eight digits"),
]


def test_la_add_refuses_each_bad_input_as_a_bad_argument_exit_2_and_adds_nothing(cli_env: dict[str, str]) -> None:
    run_dms(cli_env, "init", check=True)
    for index, bad, message in BAD_LA_INPUT:
        args = list(GOOD_LA)
        args[index] = bad
        result = run_dms(cli_env, *args)
        assert result.returncode == 2, bad  # a malformed detail is a bad argument (README)
        assert "dms: error:" in result.stderr and message in result.stderr, result.stderr
        assert result.stdout == ""
    added = run_dms(cli_env, *GOOD_LA)
    assert added.returncode == 0, "a refused LA must leave nothing behind"


def test_la_add_takes_a_name_bacs_carries_without_its_accents_and_refuses_one_it_would_lose_letters_of(
        cli_env: dict[str, str]) -> None:
    """recovery-rules.md §7: the BACS destination account name (positions 83-100) carries A-Z, 0-9, space and
    . & / -. A Welsh name with a circumflex is written there with its base letter (Môn -> MON), so it is
    taken; a name with a letter that has no base letter in A-Z would reach the payee's bank with a blank for
    it, so `dms la add` refuses it (exit 2), naming the letters and the characters BACS carries."""
    run_dms(cli_env, "init", check=True)
    added = run_dms(cli_env, "la", "add", "000124", "--name", "Ynys Môn Council", "--sort-code", "200000",
                    "--account", "12345678", check=True)
    assert "Ynys Môn Council" in added.stdout
    refused = run_dms(cli_env, "la", "add", "000125", "--name", "Łódź Øresund Council", "--sort-code", "200000",
                      "--account", "12345678")
    assert refused.returncode == 2 and refused.stdout == ""
    assert refused.stderr.startswith("dms: error: cannot add the LA: the LA's name 'Łódź Øresund Council' has Ł, "
                                     "Ø, which a BACS payment cannot carry (it carries A-Z, 0-9, space and . & / -")
    assert "Lodz Council" in run_dms(cli_env, "la", "add", "000125", "--name", "Lodz Council", "--sort-code",
                                     "200000", "--account", "12345678", check=True).stdout  # nothing was left


def test_every_core_command_has_help(cli_env: dict[str, str]) -> None:
    for command in (["init"], ["la", "add"], ["debtor", "show"], ["ledger", "check"]):
        result = run_dms(cli_env, *command, "--help", check=True)
        assert "usage: dms" in result.stdout


def test_debtor_show_unknown_nino_exit_1_and_malformed_nino_is_a_bad_argument(cli_env: dict[str, str]) -> None:
    """An unknown NINO is a fact about the data (exit 1); a malformed one is a bad argument (exit 2,
    hb-debt-interface.md §2's rules), for every command that takes a NINO."""
    run_dms(cli_env, "init", check=True)
    unknown = run_dms(cli_env, "debtor", "show", "AB123456C", "--json")
    assert unknown.returncode == 1 and "no person with NINO AB123456C" in unknown.stderr
    malformed = run_dms(cli_env, "debtor", "show", "QQ123456C")
    assert malformed.returncode == 2 and "D, F, I, Q, U or V" in malformed.stderr
    assert "Traceback" not in malformed.stderr
    listed = run_dms(cli_env, "deductions", "list", "--nino", "ab123456c")
    assert listed.returncode == 2 and "argument --nino" in listed.stderr
    rate = run_dms(cli_env, "debtor", "set-rate", "AB 12 34 56 C", "--debt", "1", "--amount", "1.00",
                   "--until", "2027-01-01", "--reason", "x")
    assert rate.returncode == 2 and "argument NINO" in rate.stderr


def test_debtor_show_json_for_a_person_with_debts(cli_env: dict[str, str]) -> None:
    import subprocess

    run_dms(cli_env, "init", check=True)
    run_dms(cli_env, *GOOD_LA, check=True)
    made = subprocess.run([sys.executable, "-c", MAKE_DEBTS], env=cli_env, capture_output=True, text=True,
                          check=True)
    hb_id, advance_id = (int(v) for v in made.stdout.split())
    shown = run_dms(cli_env, "debtor", "show", "AB123456C", "--json", check=True)
    document = json.loads(shown.stdout)
    assert shown.stdout == json.dumps(document, sort_keys=True, indent=2) + "\n"
    for row in document["debts"]:  # why each is in its status: its latest status change (here, taken on)
        assert row.pop("cessation_reason") is None and row.pop("status_reason") and row.pop("status_since")
    assert document == {
        "nino": "AB123456C",
        "credit": "0.00",
        "refunds_due": "0.00",
        "debts": [
            {"id": advance_id, "creditor": "DWP", "la_id": None, "ref": "ADV-9", "debt_type": "BUDGETING_ADVANCE",
             "classification": "NON_FRAUD", "status": "OPEN", "amount": "500.00", "recovered": "0.00",
             "balance": "500.00", "received_on": "2025-04-30"},
            {"id": hb_id, "creditor": "LA", "la_id": "000123", "ref": "INV/2025-1", "debt_type": "OVERPAYMENT",
             "classification": "FRAUD", "status": "OPEN", "amount": "1234.56", "recovered": "60.02",
             "balance": "1174.54", "received_on": "2025-05-01"},
        ],
    }
    table = run_dms(cli_env, "debtor", "show", "AB123456C", check=True)
    assert "AB123456C" in table.stdout and "1174.54" in table.stdout and "INV/2025-1" in table.stdout
    check = run_dms(cli_env, "ledger", "check", check=True)
    assert "3 entries, 8 postings" in check.stdout and "ledger check: OK" in check.stdout


TAMPER = textwrap.dedent(
    """
    from dms.store.bootstrap import setup
    setup()
    from dms.store.models import Account
    account = Account.objects.get(kind="BANK")
    Account.objects.filter(id=account.id).update(balance_pence=99)
    print(account.id)
    """
)


def test_ledger_check_names_a_difference_and_exits_1(cli_env: dict[str, str]) -> None:
    import subprocess

    run_dms(cli_env, "init", check=True)
    made = subprocess.run([sys.executable, "-c", TAMPER], env=cli_env, capture_output=True, text=True, check=True)
    account_id = int(made.stdout)
    result = run_dms(cli_env, "ledger", "check")
    assert result.returncode == 1
    assert "checked 0 entries, 0 postings" in result.stdout
    assert f"account {account_id} (BANK) stores a balance of 99 pence but its postings sum to 0 pence" in result.stderr
    assert "ledger check: OK" not in result.stdout


def test_python_m_dms_is_the_dms_command(cli_env: dict[str, str]) -> None:
    """``python -m dms`` runs the same command as the ``dms`` script (for an environment without it on the PATH):
    the same help, the same exit codes."""
    import subprocess

    from conftest import REPO

    helped = subprocess.run([sys.executable, "-m", "dms", "--help"], env=cli_env, capture_output=True, text=True,
                            timeout=120, cwd=str(REPO))
    assert helped.returncode == 0 and helped.stdout.startswith("usage: dms "), helped.stderr
    assert helped.stdout == run_dms(cli_env, "--help").stdout
    refused = subprocess.run([sys.executable, "-m", "dms", "debtor", "show", "not-a-nino"], env=cli_env,
                             capture_output=True, text=True, timeout=120, cwd=str(REPO))
    assert refused.returncode == 2 and "Traceback" not in refused.stderr, refused.stderr
