"""Running a month of synthetic traffic through DMS's real interfaces (``dms demo``).

The month's traffic (:mod:`dms.synth.traffic`) is planned once from the book as it stands the day before the
month and written under ``<data dir>/demo/YYYY-MM/``: one events file per day (``events/YYYY-MM-DD.jsonl``,
spec/events.md), the LAs' daily tars rendered by the LA interface's builder (``la/YYYYMMDD-PDPLA-AAAAAA.tar``,
hb-debt-interface.md §1; their records also in ``la-files.json`` for a person to read), and a
``traffic.json`` manifest. Then each day in turn, as the other systems and the LAs would: that day's events
file is imported by the events service, that day's tars are received by the LA intake service, and the day is
run by the daily run; after the last day of the month, the daily run goes on to the first working day of the
next month, whose run produces the month's payment schedules (§7).

Re-running is safe: the plan is read back from the manifest, events are idempotent by id, a tar received
again with the same name and bytes changes nothing, and the daily run skips completed dates.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from dms.calendar import first_working_day, month_bounds, parse_period
from dms.errors import DmsError
from dms.la_interface.records import InboundRecord, ReferralRecord
from dms.money import format_pounds
from dms.settings import get_config
from dms.synth.traffic import MonthTraffic, PlannedFile, PlannedTar

MANIFEST = "traffic.json"
LA_PLAN = "la-files.json"


def traffic_dir(period: str) -> Path:
    return get_config().data_dir / "demo" / period


def month_end_run_date(period: str) -> date:
    """The first working day of the month after ``period``: its run produces ``period``'s schedules (§7)."""
    year, month = parse_period(period)
    return first_working_day(*((year + 1, 1) if month == 12 else (year, month + 1)))


def run_dates(period: str) -> list[date]:
    """Every day of the month, then each day up to and including the month-end run."""
    first, last = month_bounds(*parse_period(period))
    end = month_end_run_date(period)
    return [first + timedelta(days=n) for n in range((end - first).days + 1)]


# ---------------------------------------------------------------------------------------------- files


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def file_bytes(planned: PlannedFile) -> bytes:
    """A planned file rendered by the LA interface's builder; one planned as not well formed is cut short
    (hb-debt-interface.md §6.1, ``NOT_WELL_FORMED``)."""
    from dms.la_interface import build

    data = build.file_bytes(planned.kind, planned.la_id, planned.creation_date, planned.records)
    return build.not_well_formed(data) if planned.fault == "NOT_WELL_FORMED" else data


def tar_bytes(planned: PlannedTar) -> bytes:
    """An LA's daily tar (§1): its files in the order planned."""
    from dms.la_interface import build

    return build.tar_bytes((f.name, file_bytes(f)) for f in planned.files)


def _record_json(record: InboundRecord) -> dict[str, Any]:
    data = {name: getattr(record, name) for name in record.__slots__ if name != "line"}
    if isinstance(record, ReferralRecord):
        data["overpayments"] = [
            {"amount": format_pounds(o.amount_pence), "period_start": o.period_start.isoformat(),
             "period_end": o.period_end.isoformat()} for o in record.overpayments
        ]
    return {
        k.removesuffix("_pence"): format_pounds(v) if k.endswith("_pence") and isinstance(v, int)
        else v.isoformat() if isinstance(v, date) else v
        for k, v in data.items()
    }


def la_plan_json(traffic: MonthTraffic) -> dict[str, Any]:
    """The LA files of the month as record values, tar by tar (for a person to read and for the builder)."""
    return {
        day.isoformat(): [
            {"tar": tar.name, "files": [
                {"name": f.name, "kind": f.kind, "fault": f.fault, "records": [_record_json(r) for r in f.records]}
                for f in tar.files
            ]}
            for tar in tars
        ]
        for day, tars in sorted(traffic.tars.items())
    }


@dataclass
class TrafficFiles:
    """Where a month's traffic is: the events file and the tars of each day, and what was planned."""

    period: str
    directory: Path
    events: dict[date, Path] = field(default_factory=dict)
    tars: dict[date, list[Path]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    seed: int = 0

    def as_json(self) -> dict[str, Any]:
        return {
            "period": self.period, "seed": self.seed, "counts": self.counts,
            "events": {d.isoformat(): p.name for d, p in sorted(self.events.items())},
            "tars": {d.isoformat(): [p.name for p in paths] for d, paths in sorted(self.tars.items())},
        }

    @classmethod
    def from_json(cls, directory: Path, data: dict[str, Any]) -> TrafficFiles:
        return cls(
            data["period"], directory,
            {date.fromisoformat(d): directory / "events" / name for d, name in data["events"].items()},
            {date.fromisoformat(d): [directory / "la" / n for n in names] for d, names in data["tars"].items()},
            {str(k): int(v) for k, v in data["counts"].items()}, int(data["seed"]),
        )


def write_traffic(traffic: MonthTraffic, seed: int, directory: Path) -> TrafficFiles:
    """Write a month's traffic: events files, tars, and last the manifest (so a half-written month is planned
    again from the start)."""
    files = TrafficFiles(traffic.period, directory, counts=dict(traffic.counts), seed=seed)
    for day, events in traffic.events.items():
        path = directory / "events" / f"{day.isoformat()}.jsonl"
        text = "".join(json.dumps(event, separators=(",", ":"), ensure_ascii=False) + "\n" for event in events)
        _write_atomically(path, text.encode("utf-8"))
        files.events[day] = path
    for day, tars in traffic.tars.items():
        for planned in tars:
            path = directory / "la" / planned.name
            _write_atomically(path, tar_bytes(planned))
            files.tars.setdefault(day, []).append(path)
    _write_atomically(directory / LA_PLAN, json.dumps(la_plan_json(traffic), indent=1).encode("utf-8"))
    _write_atomically(directory / MANIFEST, json.dumps(files.as_json(), indent=1, sort_keys=True).encode())
    return files


def read_traffic(directory: Path) -> TrafficFiles | None:
    manifest = directory / MANIFEST
    if not manifest.exists():
        return None
    try:
        return TrafficFiles.from_json(directory, json.loads(manifest.read_text(encoding="utf-8")))
    except (ValueError, KeyError, TypeError) as error:
        raise DmsError(f"{manifest} cannot be read ({error}); delete the folder {directory} to plan the month "
                       "again") from None


def prepare_traffic(period: str, seed: int) -> TrafficFiles:
    """The month's traffic files: those already written for ``period``, else planned from the book the day
    before the month and written now."""
    from dms.synth.book import read_book
    from dms.synth.traffic import plan_month

    directory = traffic_dir(period)
    existing = read_traffic(directory)
    if existing is not None:
        return existing
    year, month = parse_period(period)
    book = read_book(date(year, month, 1) - timedelta(days=1))
    return write_traffic(plan_month(book, year, month, seed), seed, directory)


# ---------------------------------------------------------------------------------------------- running


@dataclass
class DayResult:
    day: date
    events_stored: int = 0
    events_refused: list[str] = field(default_factory=list)
    tars_received: int = 0
    tars_refused: list[str] = field(default_factory=list)
    ran: bool = False


def run_day(files: TrafficFiles, day: date, *, run: bool = True, received_on: date | None = None) -> DayResult:
    """One day as it happens: import its events, receive its LA tars (on ``received_on``, default the day),
    then run the day (unless ``run`` is False: a day the daily run has already completed, whose traffic the
    next day run then acts on)."""
    from dms.services.daily_run import run_through
    from dms.services.events import import_events
    from dms.services.la_intake import receive_tar

    result = DayResult(day)
    events = files.events.get(day)
    if events is not None:
        with events.open("rb") as lines:
            report = import_events(lines, str(events))
        result.events_stored = report.stored
        result.events_refused = [f"{events.name} line {r.line_number}: {r.reason}" for r in report.refused]
    for tar in files.tars.get(day, []):
        intake = receive_tar(tar, received_on=received_on or day)
        result.tars_received += 1
        if not intake.accepted:
            result.tars_refused += [f"{tar.name}: {p.code} {p.message}" for p in intake.problems]
    if run:
        run_through(day)
        result.ran = True
    return result


def run_month(files: TrafficFiles, *, last_completed: date | None,
              progress: Callable[[DayResult], None] | None = None) -> list[DayResult]:
    """Run each day of the month and on to the month-end run. The traffic of a day the daily run has already
    completed is still taken in (nothing is taken twice), on the day after the last completed run."""
    results = []
    for day in run_dates(files.period):
        done = last_completed is not None and day <= last_completed
        received_on = last_completed + timedelta(days=1) if done and last_completed is not None else day
        result = run_day(files, day, run=not done, received_on=received_on)
        results.append(result)
        if progress:
            progress(result)
    return results
