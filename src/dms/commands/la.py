"""Local authority file commands: ``dms la receive`` (spec hb-debt-interface.md §5) and ``dms la outbox``
(§1, §7)."""

from __future__ import annotations

import argparse
import re
import sys
from datetime import date
from pathlib import Path
from typing import Any

from dms.cli import business_date, file_path
from dms.errors import DmsError


def la_id(text: str) -> str:
    """argparse type for an LA ID: six ASCII digits (hb-debt-interface.md §2)."""
    if not re.fullmatch(r"[0-9]{6}", text):
        raise argparse.ArgumentTypeError(f"LA ID {text!r} is not six digits (write it like 000123)")
    return text


def register(registry: Any) -> None:
    receive = registry.subcommand(
        "la", "receive",
        "Take in an LA's daily tar (YYYYMMDD-PDPLA-AAAAAA.tar): check it whole, keep every file, and queue its "
        "files for the daily run; a refused tar is kept and reported to the LA. Exit 1 naming every problem "
        "when refused.",
        run_la_receive, group_help="Local authority (LA) commands",
    )
    receive.add_argument("path", metavar="PATH", type=file_path("the tar received from the LA"),
                         help="the tar received from the LA")
    receive.add_argument("--date", type=business_date, default=None,
                         help="the business date it was received (YYYY-MM-DD); default: the date in its name")

    outbox = registry.subcommand(
        "la", "outbox",
        "Copy the tars in an LA's outbox (YYYYMMDD-PDPDM-AAAAAA.tar: cessations, failure notices, payment "
        "schedules) as of a date into a directory: the bundles of the 30 days up to that date.",
        run_la_outbox, group_help="Local authority (LA) commands",
    )
    outbox.add_argument("la_id", metavar="LAID", type=la_id, help="the six-digit LA ID")
    outbox.add_argument("--out", type=file_path("the directory to copy the tars into"), required=True,
                        metavar="DIR", help="the directory to copy them into")
    outbox.add_argument("--date", type=business_date, default=None,
                        help="the outbox as of this date (YYYY-MM-DD); default: the last completed run date")


def run_la_outbox(args: argparse.Namespace) -> int:
    from dms.services.la_outbound import copy_outbox

    as_of, copied = copy_outbox(args.la_id, args.out, args.date)
    if not copied:
        print(f"LA {args.la_id}'s outbox as of {as_of} is empty: nothing copied to {args.out}")
        return 0
    print(f"copied {len(copied)} tar{'s' if len(copied) != 1 else ''} from LA {args.la_id}'s outbox as of "
          f"{as_of} to {args.out}:")
    for bundle in copied:
        print(f"  {bundle.name}  {bundle.size:,} bytes  sha256 {bundle.sha256}")
    return 0


def _not_a_file(path: Path) -> str:
    """What a path that is neither a regular file nor a directory is, in words: missing, or a special file."""
    import stat

    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return "does not exist"
    except OSError as error:
        return f"cannot be read ({error.strerror or error})"
    kinds = ((stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"), (stat.S_ISFIFO, "a named pipe"),
             (stat.S_ISSOCK, "a socket"))
    kind = next((name for test, name in kinds if test(mode)), "a special file")
    return f"is not a regular file ({kind})"


def run_la_receive(args: argparse.Namespace) -> int:
    from dms.calendar import a_year_after
    from dms.commands.run import refuse_a_date_far_ahead
    from dms.la_interface.names import BadName, BundleType, parse_tar_name
    from dms.services.la_intake import default_received_date, receive_tar, refuse_a_received_date

    if not args.path.is_file():
        state = "is a directory" if args.path.is_dir() else _not_a_file(args.path)
        raise DmsError(f"{args.path} {state}: give the path of the tar received from the LA "
                       "(YYYYMMDD-PDPLA-AAAAAA.tar)")
    try:
        tar_date: date | None = parse_tar_name(args.path.name, BundleType.LA_UPLOAD).tar_date
    except BadName as error:
        if args.date is None:
            raise DmsError(f"{error}, so it gives no received date: give --date YYYY-MM-DD (the business date "
                           "it was received) and it will be kept and refused for its name") from None
        tar_date = None
    # a guard of the command, as `dms run`'s: a date in the name more than a year ahead is taken for a mistake
    name_date_mistaken = tar_date is not None and tar_date > a_year_after(date.today())
    received_on, after_run = args.date, None
    if received_on is None and tar_date is not None:
        # its date's run already completed: taken as received on the next run's date (la_intake)
        default = default_received_date(tar_date)
        received_on, after_run = default.on, default.after_run
    elif received_on is not None:
        # without --date: its own date, or the next run's when its own date's run has completed (la_intake)
        fallback = (default_received_date(tar_date).on
                    if tar_date is not None and not name_date_mistaken else None)
        fix_default = "" if fallback is None else (
            f", or leave out --date to take it as received on {fallback} "
            + ("(its own date)" if fallback == tar_date else "(the date of the next run)"))
        refuse_a_received_date(args.path.name, received_on, what="--date", name_date_mistaken=name_date_mistaken,
                               fix_default=fix_default)
    # the tar's files (or its refusal) would wait for a run of that date
    refuse_a_date_far_ahead(received_on, date.today(),
                            what="--date" if args.date is not None else
                            "the date in the tar's name, the default received date,",
                            fix="its files would wait for a run of that date: give --date YYYY-MM-DD, the "
                                "business date the tar was received" + ("" if args.date is not None else
                                " (a file in it dated after that day then refuses the tar, which is reported to the "
                                "LA to send its files again under their right date)"))
    result = receive_tar(args.path, received_on=received_on, name_date_mistaken=name_date_mistaken)
    already = " (already received: nothing new was done)" if result.repeat else ""
    moved = "" if after_run is None or result.repeat else (
        f"  received {result.received_on}, not on the date in its name: the daily run of {after_run} has completed "
        "without it, so it is taken as received on the date of the next run"
        + (", which processes its files" if result.accepted else "")
        + f" (give --date for another date after {after_run})")
    if not result.accepted:
        codes = {problem.code for problem in result.problems}
        if "TAR_NAME" in codes:
            told = "its name gives no LA to report it to (docs/la-interface-notes.md)"
        elif "TAR_UNKNOWN_LA" in codes:  # for DMS staff: how to register the LA (the LA's notice asks them to)
            la_id = parse_tar_name(result.tar_name, BundleType.LA_UPLOAD).la_id  # parsed, or TAR_NAME
            told = ("it will be reported to the LA as CORRUPT once the LA is registered (register it with "
                    f"'dms la add {la_id} --name NAME --sort-code NNNNNN --account NNNNNNNN', then receive the "
                    "tar again)")
        else:
            told = "it will be reported to the LA as CORRUPT"
        print(f"dms: error: refused {result.tar_name} received {result.received_on}{already}: it is kept "
              f"(SHA-256 {result.sha256}); {told}:", file=sys.stderr)
        if moved:
            print(moved, file=sys.stderr)
        for problem in result.problems:
            print(f"  {problem.code}: {problem.message}", file=sys.stderr)
        return 1
    print(f"took in {result.tar_name} received {result.received_on}{already}: {len(result.files)} files")
    if moved:
        print(moved)
    for refused_on in result.replaces:
        print(f"  it replaces the refusal of {result.tar_name} received {refused_on}: that refusal will not be "
              "reported to the LA, as the files of this tar are processed instead")
    for taken in result.files:
        note = f" ({taken.note})" if taken.note else ""
        print(f"  {taken.name}  {taken.state}  {taken.size:,} bytes  sha256 {taken.sha256}{note}")
    return 0
