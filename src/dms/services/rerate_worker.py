"""The entry point of a ``dms rerate`` worker process: started with ``spawn``, it imports no Django model
before Django is set up for the run's database (``configure_worker``), then re-rates one chunk."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any


def rerate_chunk_in_worker(config: Any, run_id: int, as_of: str, cap_rate: str | None, first: int,
                           last: int) -> Any:
    from dms.services.daily_run import configure_worker

    configure_worker(config)
    from django.db import connection

    from dms.services.rerate import rerate_chunk

    try:
        return rerate_chunk(run_id, date.fromisoformat(as_of), None if cap_rate is None else Decimal(cap_rate),
                            first, last)
    finally:
        connection.close()
