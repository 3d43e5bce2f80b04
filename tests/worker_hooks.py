"""Stand-ins for the chunk functions of the daily run and of the re-rating on ``--workers`` processes
(tests/e2e/test_daily_run_cli.py, tests/e2e/test_rerate_cli.py): the real ``dms run`` or ``dms rerate`` in a
subprocess, with one chunk of one date made to kill its worker (SIGKILL: no clean-up of any kind) or to hold it
until the command is interrupted. Imported by the worker processes too (spawned: they find this module on the
path the command was started with)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

from dms.services import daily_run, rerate_worker

_real_chunk = daily_run.run_chunk_in_worker
_real_rerate_chunk = rerate_worker.rerate_chunk_in_worker
HOOKED_CHUNK = ("deductions", 64)  # the second chunk of the day's deductions
HOOKED_RERATE_PARTITION = 512  # the first partition of the second chunk of a re-rating on two workers


def chunk(config: Any, step_name: str, run_date: str, first: int, last: int) -> Any:
    """The chunk ``HOOKED_CHUNK`` of the date ``DMS_TEST_HOOK_DATE`` kills its worker (``DMS_TEST_HOOK=kill``)
    or writes ``DMS_TEST_HOOK_MARK`` and waits (``hold``); every other chunk runs as it does."""
    if run_date == os.environ["DMS_TEST_HOOK_DATE"] and (step_name, first) == HOOKED_CHUNK:
        _hook()
    return _real_chunk(config, step_name, run_date, first, last)


def rerate_chunk(config: Any, run_id: int, as_of: str, cap_rate: str | None, first: int, last: int) -> Any:
    """As :func:`chunk`, for the re-rating as of ``DMS_TEST_HOOK_DATE``: the chunk starting at partition
    ``HOOKED_RERATE_PARTITION`` kills its worker or holds it; every other chunk runs as it does."""
    if as_of == os.environ["DMS_TEST_HOOK_DATE"] and first == HOOKED_RERATE_PARTITION:
        _hook()
    return _real_rerate_chunk(config, run_id, as_of, cap_rate, first, last)


def _hook() -> None:
    if os.environ["DMS_TEST_HOOK"] == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    Path(os.environ["DMS_TEST_HOOK_MARK"]).write_text("holding")
    time.sleep(120)


def script(*args: str) -> str:
    """``python -c`` text running ``dms ARGS`` with the chunk functions replaced by :func:`chunk` and
    :func:`rerate_chunk`."""
    tests = str(Path(__file__).resolve().parent)
    return (f"import sys\nsys.path.insert(0, {tests!r})\nimport worker_hooks\n"
            "from dms.services import daily_run, rerate_worker\ndaily_run.run_chunk_in_worker = worker_hooks.chunk\n"
            "rerate_worker.rerate_chunk_in_worker = worker_hooks.rerate_chunk\nfrom dms.cli import main\n"
            f"sys.exit(main({list(args)!r}))\n")


def hooked(env: dict[str, str], hook: str, day: date, mark: Path, *args: str) -> subprocess.Popen[str]:
    """The real `dms ARGS` in a subprocess of its own process group (as a terminal runs it), its hooked chunk
    of ``day`` made to ``hook`` (kill its worker, or hold it, writing ``mark``)."""
    from conftest import REPO, as_at_a_terminal

    hooked = {**env, "DMS_TEST_HOOK": hook, "DMS_TEST_HOOK_DATE": day.isoformat(), "DMS_TEST_HOOK_MARK": str(mark)}
    return subprocess.Popen([sys.executable, "-c", script(*args)], env=hooked, cwd=str(REPO), text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                            preexec_fn=as_at_a_terminal)
