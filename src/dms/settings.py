"""Configuration, read once from the environment at start-up.

Variables:
- ``DMS_DATABASE_URL``: any URL dj-database-url understands (``sqlite:///path``, ``postgres://...``).
  Default: a SQLite file ``dms.sqlite3`` in the data directory.
- ``DMS_DATA_DIR``: where DMS keeps its files (transfer area, archive, outboxes). Default ``./var``.
- ``DMS_ENV``: ``development`` (default) or ``production``. Production refuses an unset secret key and debug.
- ``DMS_SECRET_KEY``, ``DMS_DEBUG``: Django's secret key and debug flag.
- ``DMS_BACS_SORT_CODE``, ``DMS_BACS_ACCOUNT``, ``DMS_BACS_ACCOUNT_NAME``, ``DMS_BACS_SUN``: the originating
  account and BACS service user number used for payments to creditors (six, eight and six digits).

A value DMS cannot run with is refused at start-up with a :class:`ConfigurationError` naming the variable.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from dms.errors import DmsError

DEV_SECRET_KEY = "dms-development-only-not-secret"
DATABASE_SCHEMES = ("sqlite", "postgres", "postgresql")  # SQLite (the default) or PostgreSQL; nothing else
# The folders DMS writes its files in under the data directory: LA transfers, the archive kept for ever, LA
# outboxes, payment schedules, BACS files and the demo's planned traffic (``dms demo --fresh`` moves them aside
# with the database, into PREVIOUS_AREA).
DATA_AREAS = ("transfer", "archive", "outbox", "schedules", "bacs", "demo")
PREVIOUS_AREA = "previous"
_BACS_DIGITS = (("DMS_BACS_SORT_CODE", "sort code", 6), ("DMS_BACS_ACCOUNT", "account number", 8),
                ("DMS_BACS_SUN", "service user number", 6))


class ConfigurationError(DmsError):
    """The environment asks for something DMS cannot run with: the message names the variable to change."""


def redacted_url(url: str) -> str:
    """``url`` with any password replaced by ``***`` (for printing)."""
    parts = urlsplit(url)
    try:
        password = parts.password
        port = parts.port
    except ValueError:  # a URL too broken to split (a port that is not a number): print only its scheme
        return f"{parts.scheme}://..."
    if password is None:
        return url
    userinfo = f"{parts.username}:***@" if parts.username else "***@"
    host = parts.hostname or ""
    if port:
        host = f"{host}:{port}"
    return urlunsplit((parts.scheme, userinfo + host, parts.path, parts.query, parts.fragment))


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

    def make_data_dir(self) -> Path:
        """Create the data directory if it does not exist (``dms init`` and every command using the database);
        a path that is not a directory, or cannot be made one, is a :class:`ConfigurationError`."""
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError):
            raise ConfigurationError(
                f"DMS_DATA_DIR {self.data_dir} is not a directory (it, or a folder above it, is a file): set "
                "DMS_DATA_DIR to a directory, which DMS creates if it does not exist"
            ) from None
        except OSError as error:
            raise ConfigurationError(
                f"DMS_DATA_DIR {self.data_dir} cannot be created ({error.strerror}): set DMS_DATA_DIR to a "
                "directory DMS may write in"
            ) from None
        return self.data_dir


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


_URL_HELP = ("set it to sqlite:///PATH for a SQLite file or postgres://USER@HOST:PORT/NAME, or unset it for "
             "the SQLite file in DMS_DATA_DIR")


def _port_unreadable(url: str) -> bool:
    """Whether the URL's port is not a number from 0 to 65535 (what ``urlsplit`` refuses)."""
    try:
        _ = urlsplit(url).port
    except ValueError:
        return True
    return False


def _check_database_url(url: str) -> None:
    scheme = url.partition("://")[0].lower() if "://" in url else ""
    if scheme not in DATABASE_SCHEMES:
        raise ConfigurationError(
            f"DMS_DATABASE_URL {redacted_url(url)!r} is not a database DMS can use (it runs on SQLite or "
            f"PostgreSQL): {_URL_HELP}"
        )
    import dj_database_url

    try:
        parsed = dj_database_url.parse(url)
    except (ValueError, dj_database_url.ParseError):
        reason = ("its port must be a number from 1 to 65535" if _port_unreadable(url) else
                  "write special characters of the user or password %-encoded")
        raise ConfigurationError(f"DMS_DATABASE_URL {redacted_url(url)!r} cannot be read as a URL ({reason}): "
                                 f"{_URL_HELP}") from None
    if scheme == "sqlite" and urlsplit(url).query:
        raise ConfigurationError(f"DMS_DATABASE_URL {redacted_url(url)!r} has options after '?', which DMS does not "
                                 f"take for SQLite: {_URL_HELP}")
    if scheme != "sqlite" and not str(parsed.get("NAME") or "").strip("/"):
        raise ConfigurationError(f"DMS_DATABASE_URL {redacted_url(url)!r} names no database: write it as "
                                 f"postgres://user@host:5432/name, the database's name after the port")
    if scheme == "sqlite" and str(parsed.get("NAME") or "") in {"", ":memory:"}:
        raise ConfigurationError(f"DMS_DATABASE_URL {redacted_url(url)!r} names no file (an in-memory database "
                                 f"would lose everything when the command ends): {_URL_HELP}")


def _check_bacs(env: dict[str, str]) -> None:
    for variable, what, width in _BACS_DIGITS:
        given = env.get(variable)
        if given and not re.fullmatch(rf"[0-9]{{{width}}}", given):
            raise ConfigurationError(
                f"{variable} {given!r} is not a BACS {what}: write it as {width} digits, no spaces or dashes"
            )


def _check_mode(mode: str, secret_key: str, debug: bool) -> None:
    if mode not in {"development", "production"}:
        raise ConfigurationError(f"DMS_ENV must be 'development' or 'production', not {mode!r}: set one of them, "
                                 "or unset it for development")
    if mode == "production":
        if not secret_key or secret_key == DEV_SECRET_KEY:
            state = "the development key" if secret_key else "unset"
            raise ConfigurationError(
                f"DMS_ENV=production needs DMS_SECRET_KEY set to a long random value; it is {state}"
            )
        if debug:
            raise ConfigurationError("DMS_ENV=production refuses DMS_DEBUG; unset it or set it to 0")


def load_config(environ: dict[str, str] | None = None) -> Config:
    """Build the configuration from ``environ`` (default: the process environment); refuses a value DMS
    cannot run with (:class:`ConfigurationError`, naming the variable)."""
    env = dict(os.environ if environ is None else environ)
    data_dir = Path(env.get("DMS_DATA_DIR") or "./var").resolve()
    database_url = env.get("DMS_DATABASE_URL") or f"sqlite:///{data_dir / 'dms.sqlite3'}"
    _check_database_url(database_url)
    mode = (env.get("DMS_ENV") or "development").strip().lower()
    secret_key = env.get("DMS_SECRET_KEY") or ""
    debug = _flag(env.get("DMS_DEBUG"))
    _check_mode(mode, secret_key, debug)
    _check_bacs(env)
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
