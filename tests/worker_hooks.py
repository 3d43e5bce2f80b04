"""Stand-ins for the daily run's chunk function on ``--workers`` processes (tests/e2e/test_daily_run_cli.py):
the real ``dms run`` in a subprocess, with one chunk of one day made to kill its worker (SIGKILL: no clean-up
of any kind) or to hold it until the run is interrupted. Imported by the worker processes too (spawned: they
find this module on the path the command was started with)."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any

from dms.services import daily_run

_real_chunk = daily_run.run_chunk_in_worker
HOOKED_CHUNK = ("deductions", 64)  # the second chunk of the day's deductions


def chunk(config: Any, step_name: str, run_date: str, first: int, last: int) -> Any:
    """The chunk ``HOOKED_CHUNK`` of the date ``DMS_TEST_HOOK_DATE`` kills its worker (``DMS_TEST_HOOK=kill``)
    or writes ``DMS_TEST_HOOK_MARK`` and waits (``hold``); every other chunk runs as it does."""
    if run_date == os.environ["DMS_TEST_HOOK_DATE"] and (step_name, first) == HOOKED_CHUNK:
        if os.environ["DMS_TEST_HOOK"] == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        Path(os.environ["DMS_TEST_HOOK_MARK"]).write_text("holding")
        time.sleep(120)
    return _real_chunk(config, step_name, run_date, first, last)


def script(*args: str) -> str:
    """``python -c`` text running ``dms ARGS`` with the chunk function replaced by :func:`chunk`."""
    tests = str(Path(__file__).resolve().parent)
    return (f"import sys\nsys.path.insert(0, {tests!r})\nimport worker_hooks\nfrom dms.services import daily_run\n"
            "daily_run.run_chunk_in_worker = worker_hooks.chunk\nfrom dms.cli import main\n"
            f"sys.exit(main({list(args)!r}))\n")
