"""Configuration (engineering guide habit 12: one configuration object; production refuses unsafe defaults)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dms.errors import DmsError
from dms.settings import DEV_SECRET_KEY, ConfigurationError, load_config, redacted_url


def test_database_url_defaults_to_a_sqlite_file_in_the_data_dir(tmp_path: Path) -> None:
    config = load_config({"DMS_DATA_DIR": str(tmp_path)})
    assert config.database_url == f"sqlite:///{tmp_path.resolve() / 'dms.sqlite3'}"
    assert config.data_dir == tmp_path.resolve()
    assert config.transfer_dir == tmp_path.resolve() / "transfer"
    assert config.outbox_dir == tmp_path.resolve() / "outbox"
    assert config.archive_dir == tmp_path.resolve() / "archive"


def test_database_url_is_taken_from_the_environment(tmp_path: Path) -> None:
    url = "postgres://postgres@127.0.0.1:5432/dms"
    assert load_config({"DMS_DATA_DIR": str(tmp_path), "DMS_DATABASE_URL": url}).database_url == url


def test_development_is_the_default_and_uses_the_development_key(tmp_path: Path) -> None:
    config = load_config({"DMS_DATA_DIR": str(tmp_path)})
    assert config.env == "development" and not config.is_production
    assert config.secret_key == DEV_SECRET_KEY
    assert config.debug is False


def test_production_refuses_an_unset_secret_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="DMS_SECRET_KEY"):
        load_config({"DMS_DATA_DIR": str(tmp_path), "DMS_ENV": "production"})
    with pytest.raises(ConfigurationError, match="DMS_SECRET_KEY"):
        load_config({"DMS_DATA_DIR": str(tmp_path), "DMS_ENV": "production", "DMS_SECRET_KEY": DEV_SECRET_KEY})


def test_production_refuses_debug(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="DMS_DEBUG"):
        load_config({"DMS_DATA_DIR": str(tmp_path), "DMS_ENV": "production",
                     "DMS_SECRET_KEY": "x" * 50, "DMS_DEBUG": "1"})


def test_production_with_a_secret_key_and_no_debug_is_accepted(tmp_path: Path) -> None:
    config = load_config({"DMS_DATA_DIR": str(tmp_path), "DMS_ENV": "production", "DMS_SECRET_KEY": "k" * 50})
    assert config.is_production and config.secret_key == "k" * 50 and not config.debug


def test_unknown_environment_name_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="DMS_ENV"):
        load_config({"DMS_DATA_DIR": str(tmp_path), "DMS_ENV": "staging"})


@pytest.mark.parametrize(("text", "flag"), [("1", True), ("true", True), ("YES", True), ("0", False),
                                            ("", False), ("no", False)])
def test_debug_flag_values(tmp_path: Path, text: str, flag: bool) -> None:
    assert load_config({"DMS_DATA_DIR": str(tmp_path), "DMS_DEBUG": text}).debug is flag


def test_a_configuration_error_is_a_refusal_the_command_reports_in_one_line() -> None:
    assert issubclass(ConfigurationError, DmsError)


@pytest.mark.parametrize("url", ["foo://bar", "mysql://u@h/db", "dms.sqlite3", "/var/dms.sqlite3", "postgres:/x"])
def test_a_database_url_dms_cannot_use_is_refused_naming_the_variable(tmp_path: Path, url: str) -> None:
    with pytest.raises(ConfigurationError, match="DMS_DATABASE_URL .* sqlite:///PATH .* postgres://"):
        load_config({"DMS_DATA_DIR": str(tmp_path), "DMS_DATABASE_URL": url})


def test_a_refused_database_url_is_shown_without_its_password(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError) as refused:
        load_config({"DMS_DATA_DIR": str(tmp_path), "DMS_DATABASE_URL": "foo://clerk:s3cret@db.example:5432/dms"})
    assert "s3cret" not in str(refused.value) and "foo://clerk:***@db.example:5432/dms" in str(refused.value)


@pytest.mark.parametrize("url", ["postgres://u@127.0.0.1:5432", "postgres://u@127.0.0.1:5432/", "postgres://",
                                 "postgresql://u:p@h/"])
def test_a_postgresql_url_must_name_its_database(tmp_path: Path, url: str) -> None:
    """README Configuration: a value DMS cannot run with stops every command with an error naming the
    variable; the PostgreSQL URL is postgres://user@host:5432/name."""
    with pytest.raises(ConfigurationError, match="DMS_DATABASE_URL .* names no database: .*postgres://user@host:5432/name"):
        load_config({"DMS_DATA_DIR": str(tmp_path), "DMS_DATABASE_URL": url})


@pytest.mark.parametrize("url", ["sqlite:///tmp/x.sqlite3", "postgres://u@h:5432/d",
                                 "postgresql://u:p@h/d", "POSTGRES://u@h/d"])
def test_sqlite_and_postgresql_urls_are_accepted(tmp_path: Path, url: str) -> None:
    assert load_config({"DMS_DATA_DIR": str(tmp_path), "DMS_DATABASE_URL": url}).database_url == url


@pytest.mark.parametrize(("variable", "bad", "digits"), [
    ("DMS_BACS_SORT_CODE", "12345", 6), ("DMS_BACS_SORT_CODE", "60-83-71", 6), ("DMS_BACS_ACCOUNT", "1234567", 8),
    ("DMS_BACS_ACCOUNT", "1234567X", 8), ("DMS_BACS_SUN", "41234", 6), ("DMS_BACS_SUN", "\uff14\uff11\uff12\uff13\uff14\uff15", 6),
])
def test_bacs_originator_values_must_be_digits(tmp_path: Path, variable: str, bad: str, digits: int) -> None:
    with pytest.raises(ConfigurationError, match=f"{variable} .* write it as {digits} digits"):
        load_config({"DMS_DATA_DIR": str(tmp_path), variable: bad})


def test_bacs_originator_values_are_taken_from_the_environment(tmp_path: Path) -> None:
    config = load_config({"DMS_DATA_DIR": str(tmp_path), "DMS_BACS_SORT_CODE": "200415",
                          "DMS_BACS_ACCOUNT": "10059200", "DMS_BACS_SUN": "654321"})
    assert (config.bacs_sort_code, config.bacs_account, config.bacs_service_user_number) == (
        "200415", "10059200", "654321")


def test_a_data_dir_that_is_a_file_is_refused_naming_the_variable(tmp_path: Path) -> None:
    a_file = tmp_path / "afile"
    a_file.write_text("not a directory")
    for data_dir in (a_file, a_file / "below"):
        config = load_config({"DMS_DATA_DIR": str(data_dir)})
        with pytest.raises(ConfigurationError, match=f"DMS_DATA_DIR {data_dir} is not a directory"):
            config.make_data_dir()
    made = load_config({"DMS_DATA_DIR": str(tmp_path / "new" / "data")}).make_data_dir()
    assert made.is_dir()


def test_redacted_url_hides_only_the_password() -> None:
    assert redacted_url("postgres://u:pw@h:5432/d") == "postgres://u:***@h:5432/d"
    assert redacted_url("postgres://u@h/d") == "postgres://u@h/d"
    assert redacted_url("sqlite:///x/y.sqlite3") == "sqlite:///x/y.sqlite3"


def test_a_locked_sqlite_database_is_reported_in_one_line(capsys: pytest.CaptureFixture[str],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """README: a database DMS cannot use is reported in one line (SQLite: one writer at a time; a command
    that waited its 30 s for the lock says so, no traceback)."""
    from django.db import OperationalError

    from dms import cli

    def locked(args: object) -> int:
        raise OperationalError("database is locked")

    parser = cli.build_parser()
    args = parser.parse_args(["ledger", "check"])
    args.handler, args.needs_db = locked, False
    monkeypatch.setattr(cli, "build_parser", lambda: type("P", (), {"parse_args": lambda self, argv: args})())
    assert cli.main(["ledger", "check"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("dms: error: the database is locked") and err.count("\n") == 1


@pytest.mark.parametrize(("url", "words"), [
    ("postgres://u:secret@host:notaport/x", "its port must be a number"),
    ("postgres://u@host:99999/x", "its port must be a number"),
    ("sqlite://", "names no file"),
    ("sqlite:///:memory:", "names no file"),
    ("sqlite:////tmp/x.db?mode=memory", "options after '?'"),
])
def test_database_url_that_cannot_be_read_or_keeps_nothing_is_refused_naming_the_variable(
        tmp_path: Path, url: str, words: str) -> None:
    """README (Configuration): a value DMS cannot run with stops every command with an error naming the
    variable, and never prints a password; an in-memory SQLite database would lose everything it was given."""
    with pytest.raises(ConfigurationError, match="DMS_DATABASE_URL") as raised:
        load_config({"DMS_DATA_DIR": str(tmp_path), "DMS_DATABASE_URL": url})
    assert words in str(raised.value) and "secret" not in str(raised.value)
