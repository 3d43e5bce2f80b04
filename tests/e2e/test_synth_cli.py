"""``dms synth`` and ``dms demo`` run as a person would run them."""

from __future__ import annotations

import uuid

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
    assert result.returncode == 1 and "--las must be between 1 and 999" in result.stderr


def test_demo_loads_and_summarises_a_book_once(cli_env) -> None:
    result = run_dms(cli_env, "demo", "--people", "500", check=True)
    out = result.stdout
    assert "Loaded a synthetic book of 500 people" in out
    for text in ("Debts by creditor", "Debts by type", "Local authorities (20)", "HMRC", "UC_ADVANCE_NEW_CLAIM",
                 "OVERPAYMENT (Housing Benefit)", "on Universal Credit", "Ledger check:", "OK"):
        assert text in out, text
    assert "Database: " in out and "Data directory: " in out
    again = run_dms(cli_env, "demo", "--people", "500", check=True)
    assert "already has 500 people" in again.stdout and "Loaded" not in again.stdout


def test_demo_fresh_starts_a_new_sqlite_database_or_refuses_elsewhere(cli_env) -> None:
    run_dms(cli_env, "demo", "--people", "50", check=True)
    result = run_dms(cli_env, "demo", "--people", "60", "--fresh")
    if database_vendor() == "postgresql":
        assert result.returncode == 1 and "--fresh starts a new SQLite database file" in result.stderr
        return
    assert result.returncode == 0, result.stderr
    assert "previous one is kept at" in result.stdout
    assert "Loaded a synthetic book of 60 people" in result.stdout
