"""``dms events import FILE.jsonl``: validate and import events from other government systems."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Any

from dms.cli import file_path
from dms.errors import DmsError


def register(registry: Any) -> None:
    parser = registry.subcommand(
        "events", "import",
        "Validate and import events (spec/events.md), one JSON object per line. Every valid event is applied; "
        "each refused line is reported on stderr with its line number; blank lines are skipped and counted; "
        "exit 1 if any line was refused.",
        run_events_import, group_help="Events from other government systems",
    )
    parser.add_argument("file", metavar="FILE.jsonl", type=file_path("the JSON Lines file of events"),
                        help="a JSON Lines file of events (UTF-8)")


def _read_lines(path: Path) -> list[bytes]:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise DmsError(f"{path}: no such file; give the path of a JSON Lines file of events") from None
    except IsADirectoryError:
        raise DmsError(f"{path}: is a directory; give the path of a JSON Lines file of events") from None
    except OSError as error:
        raise DmsError(f"{path}: cannot be read ({error.strerror})") from None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return [line.removesuffix(b"\r") for line in lines]


def run_events_import(args: argparse.Namespace) -> int:
    from dms.services.events import import_events

    path = Path(args.file)
    lines = _read_lines(path)
    report = import_events(lines, source=str(path), today=date.today())
    for refused in report.refused:
        where = f" (event {refused.event_id})" if refused.event_id else ""
        print(f"{path}:{refused.line_number}: refused{where}: {refused.reason}", file=sys.stderr)
    for note in report.notes:
        print(f"{path}: {note}")
    blank = f", {report.blank} blank (skipped)" if report.blank else ""
    superseded = f", {report.superseded} superseded by a later report" if report.superseded else ""
    print(
        f"{path}: {report.lines} line(s): {report.stored} stored ({report.applied} applied{superseded}), "
        f"{report.unchanged} unchanged, {len(report.refused)} refused{blank}"
    )
    return 0 if report.ok else 1
