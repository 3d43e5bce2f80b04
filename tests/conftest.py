"""Test set-up shared by every suite.

The suite runs once per database: SQLite (the default) and PostgreSQL (``DMS_DATABASE_URL`` set to a
``postgres://`` URL; ``scripts/test`` runs both). pytest-django creates a test database for the run.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("DMS_DATA_DIR", tempfile.mkdtemp(prefix="dms-test-data-"))

from dms.settings import reset_config  # noqa: E402

REPO = Path(__file__).resolve().parent.parent


def as_at_a_terminal() -> None:
    """``preexec_fn`` of a subprocess a test interrupts with SIGINT: Ctrl-C's signal as a terminal delivers it.
    A shell running a job in the background without job control (as CI may run the tests) starts it with SIGINT
    ignored, and an ignored signal stays ignored in every program it starts: Python then installs no
    KeyboardInterrupt handler and the interrupt the test sends would do nothing."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)


def database_vendor() -> str:
    url = os.environ.get("DMS_DATABASE_URL", "")
    return "postgresql" if url.startswith(("postgres://", "postgresql://")) else "sqlite"


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh DMS_DATA_DIR for one test (the configuration is re-read)."""
    path = tmp_path / "data"
    path.mkdir()
    monkeypatch.setenv("DMS_DATA_DIR", str(path))
    reset_config()
    yield path
    reset_config()


def _admin_url(url: str) -> tuple[str, str]:
    base, _, name = url.rpartition("/")
    return base, name.split("?")[0]


@pytest.fixture
def cli_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    """Environment for running the real ``dms`` command in a subprocess against a database of its own:
    a SQLite file under a fresh data directory, or a fresh PostgreSQL database dropped afterwards."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env["DMS_DATA_DIR"] = str(tmp_path / "cli-data")
    created = None
    if database_vendor() == "postgresql":
        import psycopg

        base, _ = _admin_url(os.environ["DMS_DATABASE_URL"])
        created = f"dms_cli_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{created}"')
        env["DMS_DATABASE_URL"] = f"{base}/{created}"
    else:
        env.pop("DMS_DATABASE_URL", None)
    yield env
    if created:
        import psycopg

        with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{created}" WITH (FORCE)')


def run_dms(env: dict[str, str], *args: str, input: str | None = None, check: bool = False,
            timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """Run ``dms ARGS`` as a person would, in a subprocess, and return what it printed and its exit code."""
    result = subprocess.run(
        [sys.executable, "-m", "dms.cli", *args],
        env=env, input=input, capture_output=True, text=True, timeout=timeout, cwd=str(REPO),
    )
    if check and result.returncode != 0:
        raise AssertionError(f"dms {' '.join(args)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
    return result


def count_rows(env: dict[str, str], table: str) -> int:
    """The number of rows in ``table`` of the database ``env`` names (to check what a command left behind)."""
    script = (
        "from dms.store.bootstrap import setup\nsetup()\nfrom django.db import connection\n"
        f"with connection.cursor() as cursor:\n    cursor.execute('SELECT COUNT(*) FROM {table}')\n"
        "    print(cursor.fetchone()[0])\n"
    )
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True,
                            cwd=str(REPO), timeout=120)
    return int(result.stdout)
