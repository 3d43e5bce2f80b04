"""Configuration, read once from the environment at start-up.

Variables:
- ``DMS_DATABASE_URL``: any URL dj-database-url understands (``sqlite:///path``, ``postgres://...``).
  Default: a SQLite file ``dms.sqlite3`` in the data directory.
- ``DMS_DATA_DIR``: where DMS keeps its files (transfer area, archive, outboxes). Default ``./var``.
- ``DMS_ENV``: ``development`` (default) or ``production``. Production refuses an unset secret key and debug.
- ``DMS_SECRET_KEY``, ``DMS_DEBUG``: Django's secret key and debug flag.
- ``DMS_BACS_SORT_CODE``, ``DMS_BACS_ACCOUNT``, ``DMS_BACS_ACCOUNT_NAME``, ``DMS_BACS_SUN``: the originating
  account and BACS service user number used for payments to creditors.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEV_SECRET_KEY = "dms-development-only-not-secret"


class ConfigurationError(Exception):
    """The environment asks for something DMS cannot run with."""


@dataclass(frozen=True)
class Config:
    data_dir: Path
    database_url: str
    env: str
    secret_key: str
    debug: bool
    bacs_sort_code: str
    bacs_account: str
    bacs_account_name: str
    bacs_service_user_number: str

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def transfer_dir(self) -> Path:
        return self.data_dir / "transfer"

    @property
    def archive_dir(self) -> Path:
        return self.data_dir / "archive"

    @property
    def outbox_dir(self) -> Path:
        return self.data_dir / "outbox"


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def load_config(environ: dict[str, str] | None = None) -> Config:
    """Build the configuration from ``environ`` (default: the process environment)."""
    env = dict(os.environ if environ is None else environ)
    data_dir = Path(env.get("DMS_DATA_DIR") or "./var").resolve()
    database_url = env.get("DMS_DATABASE_URL") or f"sqlite:///{data_dir / 'dms.sqlite3'}"
    mode = (env.get("DMS_ENV") or "development").strip().lower()
    if mode not in {"development", "production"}:
        raise ConfigurationError(f"DMS_ENV must be 'development' or 'production', not {mode!r}")
    secret_key = env.get("DMS_SECRET_KEY") or ""
    debug = _flag(env.get("DMS_DEBUG"))
    if mode == "production":
        if not secret_key or secret_key == DEV_SECRET_KEY:
            raise ConfigurationError(
                "DMS_ENV=production needs DMS_SECRET_KEY set to a long random value; it is unset"
            )
        if debug:
            raise ConfigurationError("DMS_ENV=production refuses DMS_DEBUG; unset it or set it to 0")
    return Config(
        data_dir=data_dir,
        database_url=database_url,
        env=mode,
        secret_key=secret_key or DEV_SECRET_KEY,
        debug=debug,
        bacs_sort_code=env.get("DMS_BACS_SORT_CODE") or "608371",
        bacs_account=env.get("DMS_BACS_ACCOUNT") or "00045123",
        bacs_account_name=env.get("DMS_BACS_ACCOUNT_NAME") or "DWP DEBT MANAGEMENT",
        bacs_service_user_number=env.get("DMS_BACS_SUN") or "412345",
    )


_config: Config | None = None


def get_config() -> Config:
    """The process's configuration, read from the environment once."""
    global _config
    if _config is None:
        _config = load_config()
    return _config


def reset_config() -> None:
    """Forget the cached configuration (tests that change the environment call this)."""
    global _config
    _config = None
