"""Configuration (engineering guide habit 12: one configuration object; production refuses unsafe defaults)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dms.settings import DEV_SECRET_KEY, ConfigurationError, load_config


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
