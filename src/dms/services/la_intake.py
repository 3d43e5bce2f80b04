"""Taking in an LA's daily tar (hb-debt-interface.md §5.1-5.3, circular §36-48): ``dms la receive``.

The tar is read with :mod:`tarfile` without extracting anything by name: every member's header is checked
first (§5.1), and only when the whole tar passes is each member read, size-checked before reading, into
memory through ``extractfile`` (at most 20 MiB each). The tar's own bytes, and every XML member's bytes, are
kept content-addressed under the archive directory with their SHA-256 (§5.2), whatever becomes of them.

A tar is refused whole (``ReceivedTar.accepted`` False, outcome CORRUPT in the LA's next file failure
notice) for each reason of §5.1, every reason found being recorded with its code (FileFailureNotice.xsd
``TAR_*`` codes). Otherwise each XML file is recorded as a :class:`ReceivedFile` following §5.3.

Interpretations (docs/la-interface-notes.md): the same tar (name and bytes) received again is recognised and
nothing new is written, unless it was refused and the checks now find otherwise (its LA has been registered
since): then it is received anew. A member dated before the tar is "the resubmission of a failed file" when
the LA has a file of that name that failed (other than as DUPLICATE_BATCH), or when it is a file of a tar of the
LA refused whole (:func:`refused_tar_files`: reported CORRUPT, nothing of it taken in). A refusal's message says
what is wrong, what to do about it, and that the tar's files, put right, may be sent again in a later tar under
their own names and dates (circular §48); a tar of an LA not registered is to be sent again as it is, once
registered. A received date on or before the last completed run, or before the tar's own date, cannot be
right: it is refused (:func:`refuse_a_received_date`), and a tar received with none after its own date's run
is taken as received on the next run's date (:func:`default_received_date`). A file whose name was used before
follows §5.3 as :func:`same_name_rule` reads it: a name once accepted takes no other bytes
(DUPLICATE_BATCH); "the same bytes" are ignored only while the earlier file is held (still to be processed,
or accepted), and a failed file sent again, with the same bytes or corrected, is processed.
The whole intake is one transaction.
"""

from __future__ import annotations

import hashlib
import os
import tarfile
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import IO, BinaryIO

from django.db import transaction
from django.db.models import Exists, OuterRef

from dms.debts import CreditorKind
from dms.errors import DmsError, InvariantBroken
from dms.la_interface.names import (
    BadName,
    BundleType,
    FileName,
    TarName,
    parse_inbound_file_name,
    parse_tar_name,
)
from dms.la_interface.outbound import temporary_in
from dms.la_interface.records import FileError
from dms.settings import get_config
from dms.store.la.models import FileState, Outcome, ReceivedFile, ReceivedTar
from dms.store.models import Counter, Creditor

MAX_MEMBER_BYTES = 20 * 1024 * 1024  # spec §5.1
MAX_TAR_BYTES = 100 * 1024 * 1024  # spec §5.1
FILE_SEQ_COUNTER = "la_file_seq"
ARCHIVE_AREA = "la"


def printable(text: str) -> str:
    """``text`` with any byte that was not UTF-8 (a lone surrogate from ``surrogateescape``) shown as ``\\xNN``
    (any other lone surrogate as ``\\udNNN``); text that is UTF-8 comes back as it is."""
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


@dataclass(frozen=True, slots=True)
class TarProblem:
    """One reason a tar is refused (spec §5.1): a ``TAR_*`` code, what is wrong and how to fix it, and the
    member it concerns ("" for the tar itself)."""

    code: str
    message: str
    member: str = ""

    def __post_init__(self) -> None:
        # A member name that is not UTF-8 reaches Python with lone surrogates (``tarfile`` decodes with
        # ``surrogateescape``), which a database's JSON refuses: its bytes are shown escaped (``caf\xe9.txt``).
        for name in ("message", "member"):
            object.__setattr__(self, name, printable(getattr(self, name)))

    def as_json(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message, "member": self.member}


@dataclass(frozen=True, slots=True)
class TakenFile:
    name: str
    state: str
    sha256: str
    size: int
    note: str = ""


@dataclass
class IntakeResult:
    """What ``receive_tar`` did: the tar taken in (``accepted``) with its files, or refused with every
    problem; ``repeat`` when this very tar (name and bytes) had been received before and nothing was done;
    ``replaces`` the received dates of the refusals of a tar of its name, not yet reported, that a tar taken
    in replaces (they will not be reported: ``la_outbound``)."""

    tar_name: str
    sha256: str
    received_on: date
    accepted: bool
    problems: list[TarProblem] = field(default_factory=list)
    files: list[TakenFile] = field(default_factory=list)
    repeat: bool = False
    replaces: list[date] = field(default_factory=list)


# ------------------------------------------------------------------------------------------------ archive


def _archive_relative(sha256: str) -> str:
    return f"{ARCHIVE_AREA}/{sha256[:2]}/{sha256}"


def keep_bytes(data: bytes) -> tuple[str, str]:
    """Keep ``data`` content-addressed in the archive (spec §5.2): (SHA-256, path relative to the archive
    directory). Written to a temporary name and renamed; an existing copy is kept as it is."""
    sha256 = hashlib.sha256(data).hexdigest()
    relative = _archive_relative(sha256)
    target = get_config().archive_dir / relative
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = temporary_in(target.parent, "")
        try:
            with os.fdopen(descriptor, "wb") as written:
                written.write(data)
            Path(temporary).replace(target)
        except BaseException:  # an interruption, a full disk: no half-kept copy under a temporary name
            Path(temporary).unlink(missing_ok=True)
            raise
    return sha256, relative


def keep_file(path: Path) -> tuple[str, int, str]:
    """Keep a file's bytes content-addressed in the archive, copying in chunks (memory stays flat):
    (SHA-256, size, path relative to the archive directory)."""
    archive = get_config().archive_dir / ARCHIVE_AREA
    archive.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    descriptor, temporary = temporary_in(archive, "")
    try:
        with path.open("rb") as source, os.fdopen(descriptor, "wb") as written:
            while chunk := source.read(1 << 20):
                digest.update(chunk)
                written.write(chunk)
                size += len(chunk)
        sha256 = digest.hexdigest()
        relative = _archive_relative(sha256)
        target = get_config().archive_dir / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            Path(temporary).unlink()
        else:
            Path(temporary).replace(target)
    except BaseException:  # an interruption, a full disk: no copy left under a temporary name
        Path(temporary).unlink(missing_ok=True)
        raise
    return sha256, size, relative


# ------------------------------------------------------------------------------------------------ checks


@dataclass(frozen=True, slots=True)
class _Member:
    info: tarfile.TarInfo
    name: FileName


def _tar_name_problems(name: str) -> tuple[TarName | None, list[TarProblem]]:
    try:
        return parse_tar_name(name, BundleType.LA_UPLOAD), []
    except BadName as error:
        return None, [TarProblem("TAR_NAME", f"{error}; rename the tar (spec §1)")]


def _la_problems(tar: TarName | None) -> list[TarProblem]:
    if tar is None or Creditor.objects.filter(kind=CreditorKind.LA, la_id=tar.la_id).exists():
        return []
    return [TarProblem("TAR_UNKNOWN_LA", f"LA {tar.la_id} was not registered with DMS when the tar arrived, so "
                       f"nothing in it was taken in: ask DMS to register LA {tar.la_id} if it has not told you it "
                       "has, then send the tar again")]


def _member_kind(info: tarfile.TarInfo) -> str:
    """What a member that is not a regular file is, in the words of a refusal (spec §5.1)."""
    kinds = ((info.isdir, "a directory"), (info.issym, "a symbolic link"), (info.islnk, "a hard link"),
             (info.isfifo, "a FIFO (named pipe)"), (info.ischr, "a character device"),
             (info.isblk, "a block device"))
    return next((kind for test, kind in kinds if test()), "not a regular file")


def _member_problems(info: tarfile.TarInfo, tar: TarName | None) -> tuple[FileName | None, list[TarProblem]]:
    """The §5.1 checks of one member that need nothing but its header and the tar's name."""
    raw, member = info.name, printable(info.name)  # checked as it is, shown with any non-UTF-8 byte escaped
    if not info.isreg():
        return None, [TarProblem("TAR_NOT_REGULAR_FILE", f"member {member!r} is {_member_kind(info)}; a tar "
                                 "holds only the XML files themselves", member)]
    problems: list[TarProblem] = []
    if "/" in raw or "\\" in raw or raw in {".", ".."}:
        problems.append(TarProblem("TAR_MEMBER_PATH", f"member {member!r} has a path; put each file at the top of "
                                   "the tar under its own name only", member))
    if info.size > MAX_MEMBER_BYTES:
        problems.append(TarProblem("TAR_TOO_LARGE", f"member {member!r} is {info.size:,} bytes, over the "
                                   f"{MAX_MEMBER_BYTES:,}-byte (20 MiB) limit; split it over days", member))
    if problems:
        return None, problems
    try:
        name = parse_inbound_file_name(raw)
    except BadName as error:
        return None, [TarProblem("TAR_MEMBER_NAME", f"{error} (spec §1): name it so, or leave it out of the tar",
                                 member)]
    if tar is not None and name.la_id != tar.la_id:
        problems.append(TarProblem("TAR_MEMBER_LA", f"member {member} is for LA {name.la_id} but the tar is LA "
                                   f"{tar.la_id}'s; send each LA's files in its own tar", member))
    if tar is not None and name.creation_date > tar.tar_date:
        problems.append(TarProblem("TAR_MEMBER_LATER_DATE", f"member {member} is dated {name.creation_date}, "
                                   f"after the tar's date {tar.tar_date}; send it in that day's tar", member))
    return name, problems


def _earlier_problems(members: list[_Member], tar: TarName | None,
                     received_on_for_a_mistaken_name: date | None = None) -> list[TarProblem]:
    """Members dated before the tar must be resubmissions of files that failed (spec §5.1, circular §48): the
    LA has a file of that name that failed on its own account (any outcome but DUPLICATE_BATCH, which fails
    a file only because its name was used), or that was one of the files of a tar refused whole
    (:func:`refused_tar_files`: the refusal, reported CORRUPT, failed them all). What then becomes of the
    member is §5.3's (:func:`same_name_rule`): processed, or DUPLICATE_BATCH if a file of the name has been
    accepted since.

    A tar named for a date more than a year ahead, received with ``--date`` on
    ``received_on_for_a_mistaken_name`` (:func:`_later_than_received_problems`), has the mistake in its own
    name: a member dated on or before that day is named for a day it could be sent, so its refusal says to
    send it in a tar named for the day it is sent, not to rename the member (spec §4.3 Message: how to put
    it right)."""
    if tar is None:
        return []
    earlier = [m for m in members if m.name.creation_date < tar.tar_date]
    if not earlier:
        return []
    names = [m.info.name for m in earlier]
    failed = set(
        ReceivedFile.objects.filter(la_id=tar.la_id, name__in=names, state=FileState.FAILED)
        .exclude(outcome=Outcome.DUPLICATE_BATCH).values_list("name", flat=True)
    )
    if not failed.issuperset(names):
        failed.update(str(f.name) for f in refused_tar_files(tar.la_id, names))
    received_on = received_on_for_a_mistaken_name
    return [
        TarProblem("TAR_MEMBER_EARLIER_DATE", f"member {m.info.name} is dated {m.name.creation_date}, before the "
                   f"tar's date {tar.tar_date}, and is not the resubmission of a file that failed (nor of a file "
                   "of a refused tar); only failed files keep their earlier names (circular §48): "
                   + (f"the tar's name is wrong, its date more than a year after {received_on}, the day it was "
                      "received: send the file in a tar named for the day it is sent, dated that day"
                      if received_on is not None and m.name.creation_date <= received_on
                      else "send it under the name of the day it is sent"), m.info.name)
        for m in earlier if m.info.name not in failed
    ]


# ------------------------------------------------------------------------------------------------ refused tars


# a member refused for its own date or LA: its own message says how to send it (spec §5.1)
_NOT_THE_TARS_OWN = frozenset({"TAR_MEMBER_EARLIER_DATE", "TAR_MEMBER_LATER_DATE", "TAR_MEMBER_LA"})
# the tar refused only because its LA was not registered: its own message says it all (send the tar again)
_THE_LA_UNKNOWN = "TAR_UNKNOWN_LA"


@dataclass(frozen=True, slots=True)
class RefusedTarFile:
    """A file the LA sent in a tar DMS refused whole (spec §5.1, reported CORRUPT): a failed file, nothing of
    which was taken in, that the LA may send again in a later tar under its own name (circular §48).
    ``member`` is its name in the tar as sent (with any path), ``tar_path`` the kept tar."""

    name: FileName
    member: str
    tar_name: str
    tar_received_on: date
    tar_path: Path
    tar_sha256: str


def refused_tar_files(la_id: str, names: Collection[str] | None = None) -> list[RefusedTarFile]:
    """The files of the LA's tars refused whole whose refusal stands (the same tar not taken in since), in
    the order the tars were received, only those named ``names`` if given (spec §5.1, circular §48).

    A refused tar's files are its regular members named as inbound files of the tar's LA and date (a member
    sent with a path: by the name after it). A member dated before the tar is not one: either it was the
    resubmission of a file that failed, which stays the failed file of that name, or it was refused for its
    date (TAR_MEMBER_EARLIER_DATE) and was no file the LA could send under that name, which a refused tar
    must not make it; a member of another LA or a later date is no file of that tar's. The members are read
    from the kept tar, headers only (:func:`_files_in_kept_tar`)."""
    taken_in_since = ReceivedTar.objects.filter(accepted=True, name=OuterRef("name"), sha256=OuterRef("sha256"))
    refused = (ReceivedTar.objects.filter(la_id=la_id, accepted=False, tar_date__isnull=False)
               .exclude(Exists(taken_in_since)).order_by("received_on", "pk"))
    if names is not None:
        refused = refused.filter(tar_date__in=sorted({n.creation_date for n in _parsed(names)}))
    wanted = None if names is None else set(names)
    archive = get_config().archive_dir
    found: list[RefusedTarFile] = []
    for tar in refused:
        path = archive / tar.archive_path
        for member, name in _files_in_kept_tar(str(path), tar.sha256):
            if (name.la_id == la_id and name.creation_date == tar.tar_date
                    and (wanted is None or str(name) in wanted)):
                found.append(RefusedTarFile(name, member, tar.name, tar.received_on, path, tar.sha256))
    return found


def _parsed(names: Collection[str]) -> list[FileName]:
    parsed: list[FileName] = []
    for text in names:
        try:
            parsed.append(parse_inbound_file_name(text))
        except BadName:
            continue
    return parsed


@lru_cache(maxsize=256)
def _files_in_kept_tar(path: str, sha256: str) -> tuple[tuple[str, FileName], ...]:
    """(member name, file name) of each regular member of the kept tar at ``path`` whose name, or the name
    after its path, is an inbound file name (bytes never change: cached by content hash). Headers only, read
    as :func:`_scan` reads them; a tar that cannot be read whole gives the members before the damage."""
    found: list[tuple[str, FileName]] = []
    try:
        with tarfile.open(path, mode="r:") as archive:
            for info, sound in _headers(archive):
                if not sound:
                    break
                if not info.isreg():
                    continue
                try:
                    name = parse_inbound_file_name(info.name.replace("\\", "/").rsplit("/", 1)[-1])
                except BadName:
                    continue
                found.append((info.name, name))
    except (tarfile.TarError, EOFError, OSError, UnicodeError, ValueError, OverflowError, MemoryError):
        pass  # what was read before the damage stands: those members were sent
    return tuple(found)


@contextmanager
def refused_file_bytes(tar_path: Path, member: str) -> Iterator[IO[bytes]]:
    """A stream of the bytes of a refused tar's file (its first member named ``member``), read from the kept
    tar at ``tar_path`` through ``extractfile``, never to disk, no more than its header's size: for reading
    what it names without taking anything in (la_validation, DEPENDS_ON_FAILED_REFERRAL)."""
    with tarfile.open(tar_path, mode="r:") as archive:
        for info in archive:
            if info.name == member and info.isreg():
                stream = archive.extractfile(info)
                if stream is not None:
                    yield stream
                    return
    raise InvariantBroken(f"the kept tar {tar_path} no longer holds {member!r}, which it held when it was "
                          "refused: the archive has been changed; restore it from a backup")


_BLOCK = 512
_UNREADABLE_HINT = "send a plain (uncompressed) POSIX tar, whole"


def _scan(path: Path, tar: TarName | None) -> tuple[list[_Member], list[TarProblem]]:
    """Read every member header (nothing is extracted) and check each (spec §5.1).

    :mod:`tarfile` is lenient where an LA's files must not be lost: it stops without a word at a damaged
    header after the first, and follows a header's size wherever it points. So every header must lie after
    the one before it with a size of at least 0 (a negative size would read the same header again, for
    ever), and the walk must end on the end-of-archive block (:func:`_end_problem`); otherwise the tar is
    refused as unreadable, naming the byte where it is damaged, rather than taken in with its first
    members only."""
    problems: list[TarProblem] = []
    members: list[_Member] = []
    seen: set[str] = set()
    try:
        with tarfile.open(path, mode="r:") as archive:
            for info, sound in _headers(archive):
                if not sound:
                    problems.append(TarProblem("TAR_UNREADABLE", f"the tar is damaged: the header of member "
                                               f"{info.name!r} at byte {info.offset:,} gives a size of "
                                               f"{info.size:,} bytes; {_UNREADABLE_HINT}"))
                    return members, problems
                name, found = _member_problems(info, tar)
                if info.name in seen:
                    found.append(TarProblem("TAR_MEMBER_REPEATED", f"member {info.name!r} appears more than once; "
                                            "a tar holds at most one file of each type for a date", info.name))
                seen.add(info.name)
                problems.extend(found)
                if name is not None and not found:
                    members.append(_Member(info, name))
            end = _end_problem(path, archive.offset)
            if end is not None:
                problems.append(end)
    except (tarfile.TarError, EOFError, OSError, UnicodeError, ValueError, OverflowError, MemoryError) as error:
        problems.append(TarProblem("TAR_UNREADABLE", f"the tar cannot be read ({error}); {_UNREADABLE_HINT}"))
    return members, problems


def _headers(archive: tarfile.TarFile) -> Iterator[tuple[tarfile.TarInfo, bool]]:
    """Each member header of ``archive`` in order, with whether it is sound: it lies after the one before it
    and gives a size of at least 0 (a negative size would read the same header again, for ever). The walk
    ends at the first unsound header (:func:`_scan` refuses the tar there; a kept tar is read up to it)."""
    last_offset = -1
    for info in archive:
        sound = info.size >= 0 and info.offset > last_offset
        yield info, sound
        if not sound:
            return
        last_offset = info.offset


def _end_problem(path: Path, offset: int) -> TarProblem | None:
    """Where :mod:`tarfile` stopped reading headers (``offset``) there must be the end-of-archive block (512
    zero bytes, POSIX.1 ustar); bytes after it are ignored. Anything else there is a damaged header, and a
    tar that ends before it was cut short: either way members may be missing (spec §5.2: nothing received
    is lost), so the tar is refused."""
    with path.open("rb") as stream:
        stream.seek(offset)
        block = stream.read(_BLOCK)
        if block == bytes(_BLOCK):
            return _joined_tar_problem(stream)
    if not block:
        what = (f"it ends at byte {offset:,} without the end-of-archive block (512 zero bytes), so it may have "
                "been cut short")
    elif len(block) < _BLOCK:
        what = f"it ends part way through a header at byte {offset:,}, so it was cut short"
    else:
        what = f"the header at byte {offset:,} is damaged (not a valid tar header), so the members after it cannot be read"
    return TarProblem("TAR_UNREADABLE", f"the tar cannot be read whole: {what}; {_UNREADABLE_HINT}")


def _joined_tar_problem(stream: BinaryIO) -> TarProblem | None:
    """After the end-of-archive block, zero blocks and other bytes are ignored, but not another tar joined
    on (two tars concatenated): tar stops at the first end block, and the second tar's members would be
    lost without a word. Refused when a valid tar header lies anywhere after the end blocks (at most the
    100 MiB of the tar is read, a block at a time)."""
    while block := stream.read(_BLOCK):
        if block == bytes(_BLOCK):
            continue
        try:
            tarfile.TarInfo.frombuf(block, "utf-8", "surrogateescape")
        except (tarfile.HeaderError, ValueError, OverflowError):
            continue  # padding or other bytes: ignored, but a tar may still follow them
        at = stream.tell() - len(block)
        return TarProblem("TAR_UNREADABLE", f"another tar follows the end of this one at byte {at:,} (two tars "
                          f"joined together?); its members would not be read: {_UNREADABLE_HINT}, one tar a day")
    return None


def tar_problems(path: Path, size: int, *, received_on_for_a_mistaken_name: date | None = None,
                 ) -> tuple[TarName | None, list[_Member], list[TarProblem]]:
    """Every reason of spec §5.1 to refuse the tar at ``path`` (empty when it may be taken in).

    ``received_on_for_a_mistaken_name``: the date the tar was received, when the date in its name is taken
    for a mistake (more than a year ahead: :func:`refuse_a_received_date`); its members are then judged
    against it, not against the name (:func:`_later_than_received_problems`)."""
    tar, problems = _tar_name_problems(path.name)
    problems += _la_problems(tar)
    if size > MAX_TAR_BYTES:
        problems.append(TarProblem("TAR_TOO_LARGE", f"the tar is {size:,} bytes, over the {MAX_TAR_BYTES:,}-byte "
                                   "(100 MiB) limit; send fewer records a day"))
    members, member_problems = _scan(path, tar)
    problems += member_problems
    problems += _earlier_problems(members, tar, received_on_for_a_mistaken_name)
    if received_on_for_a_mistaken_name is not None:
        problems += _later_than_received_problems(members, tar, received_on_for_a_mistaken_name)
    return tar, members, [_with_resend_advice(p, alone=len(problems) == 1) for p in problems]


def _later_than_received_problems(members: list[_Member], tar: TarName | None,
                                  received_on: date) -> list[TarProblem]:
    """A tar named for a date more than a year ahead, received on ``received_on`` (given with ``--date``):
    its name's date is a mistake, so a member dated after the day the tar was received has "a later date"
    (spec §5.1), judged against that day, and the tar is refused and reported to the LA (**Decision**,
    docs/la-interface-notes.md "Dates in names"), rather than taken in for its files to wait, unreported,
    for their own date a year on (§5.4: "a file dated after the run date waits for its date")."""
    named = f" (its name's date {tar.tar_date} is more than a year after that)" if tar is not None else ""
    return [
        TarProblem("TAR_MEMBER_LATER_DATE", f"member {m.info.name} is dated {m.name.creation_date}, after "
                   f"{received_on}, the day the tar was received{named}: a file is not received before the date "
                   "it was made; send it in a tar named for the day it is sent, dated that day", m.info.name)
        for m in members if m.name.creation_date > received_on
    ]


def _with_resend_advice(problem: TarProblem, *, alone: bool = True) -> TarProblem:
    """A refusal's message ends saying how the LA puts the tar right (spec §4.3 Message, §5.1, circular §48):
    nothing of the tar was taken in, so its files are sent again, put right, in a later tar, each under its
    own name and date (dated before that tar, each is the resubmission of this tar's file:
    :func:`refused_tar_files`); a member refused for its own date or LA is sent as its own message says.

    A tar refused because its LA was not registered (``TAR_UNKNOWN_LA``) is sent again as it is, once the
    LA is registered: one instruction, its own (docs/la-interface-notes.md "Error codes of a refused tar");
    with other problems beside it, those are to be put right first."""
    if problem.code == _THE_LA_UNKNOWN:
        if alone:
            return problem
        return TarProblem(problem.code, f"{problem.message}, with the other problems named for it put right",
                          problem.member)
    if problem.code in _NOT_THE_TARS_OWN:
        advice = ("nothing in this tar was taken in: send this file as said, and the tar's other files again, put "
                  "right, in a later tar, each under its own name and date (circular §48)")
    else:
        advice = ("nothing in this tar was taken in: send its files again, put right, in a later tar, each under "
                  "its own name and date (circular §48)")
    return TarProblem(problem.code, f"{problem.message}; {advice}", problem.member)


# ------------------------------------------------------------------------------------------------ received date


def last_completed_run_date() -> date | None:
    """The latest business date the daily run has completed (None before the first)."""
    from dms.services.events import last_completed_run_date as last_run

    return last_run()


@dataclass(frozen=True, slots=True)
class ReceivedDate:
    """The received date a tar is taken in on when none is given (:func:`default_received_date`): ``on``,
    and, when that is not the tar's own date, the last completed run that moved it (``after_run``)."""

    on: date
    after_run: date | None = None


def default_received_date(tar_date: date) -> ReceivedDate:
    """The received date of a tar taken in now with none given (spec §4.1 ReferralReceivedDate "when DMS
    received the referral", §6.4 order by the oldest received date; docs/la-interface-notes.md "Received
    date"): the date in its name, unless the daily run of that date has completed. A tar taken in now was
    not there for that run, so it cannot have been received on that day: it is taken as received on the day
    after the last completed run, the date of the next run, which processes its files."""
    last = last_completed_run_date()
    if last is not None and tar_date <= last:
        return ReceivedDate(last + timedelta(days=1), last)
    return ReceivedDate(tar_date)


def refuse_a_received_date(tar_name: str, received_on: date, *, what: str = "the received date",
                           fix_default: str = "", name_date_mistaken: bool = False) -> None:
    """Refuse (:class:`DmsError`, nothing taken in) a received date that cannot be the day DMS received a tar
    taken in now (spec §4.1 ReferralReceivedDate, §5.1, §6.4; docs/la-interface-notes.md "Received date"):

    - on or before the last completed daily run: that run is done without the tar, so the tar arrived
      after it (its referrals would otherwise be recorded as received, and recovered, ahead of those that
      really came earlier);
    - before the tar's own date (the date in its name, its files' creation date): a tar is not received
      before it was made.

    ``what`` names the date in the message (``--date``), ``fix_default`` adds how to do without one.
    ``name_date_mistaken``: the date in the tar's name is taken for a mistake (``dms la receive``: more than a
    year ahead, a guard of the command), so the tar has no own date to be received after; it is judged by its
    members, dated before the tar's name (``TAR_MEMBER_EARLIER_DATE``) or after the received date
    (``TAR_MEMBER_LATER_DATE``: :func:`tar_problems`)."""
    try:
        tar_date: date | None = parse_tar_name(tar_name, BundleType.LA_UPLOAD).tar_date
    except BadName:
        tar_date = None  # no date of its own: refused for its name (TAR_NAME) once taken in
    if name_date_mistaken:
        tar_date = None
    last = last_completed_run_date()
    earliest = max(tar_date or date.min, last + timedelta(days=1) if last is not None else date.min)
    if received_on >= earliest:
        return
    if tar_date is not None and received_on < tar_date:
        why = (f"is before the date of {tar_name}, {tar_date} (the date its files were created): a tar cannot be "
               "received before it was made")
    else:
        why = (f"is on or before {last}, the last completed daily run: {tar_name} was not there for that run, so "
               "it cannot have been received then (its referrals would be recorded as received, and recovered, "
               "ahead of those that came earlier: spec §4.1, §6.4)")
    raise DmsError(f"{what} {received_on} {why}; nothing was taken in: give the date it was really received, "
                   f"{earliest} or later{fix_default}")


# ------------------------------------------------------------------------------------------------ intake


def receive_tar(path: Path, *, received_on: date, name_date_mistaken: bool = False) -> IntakeResult:
    """Take in (or refuse) the LA tar at ``path``, received on the business date ``received_on``
    (spec §5). Runs in one transaction; raises :class:`DmsError` only when ``path`` is not a readable file.

    The same tar (name and bytes) received again is a repeat, and nothing new is done, when it was taken in
    before, or when it was refused and would be refused now for the same problems. A tar refused before that
    would now be judged otherwise (its LA has been registered since: TAR_UNKNOWN_LA, spec §5.1) is a new
    receipt: taken in, or refused for what is wrong with it now (an earlier refusal of a tar taken in is then
    not reported: ``la_outbound``). A tar taken in replaces every refusal of a tar of its name not yet reported
    (spec §4.3, §5): those are not reported, and the result names the dates they were received.

    A ``received_on`` that cannot be right for a tar taken in now (:func:`refuse_a_received_date`: on or
    before the last completed run, or before the tar's own date unless ``name_date_mistaken``) is refused,
    and nothing kept. With ``name_date_mistaken`` a member dated after ``received_on`` refuses the tar
    (:func:`_later_than_received_problems`). The tar keeps the last daily run completed at its receipt
    (``runs_completed_through``): the LA had the bundles of that day and before when it sent it, not those of
    a later run day (docs/la-interface-notes.md "A return the LA could not have known of", Decision)."""
    path = Path(path)
    if not path.is_file():
        raise DmsError(f"{path} is not a file; give the path of the LA's .tar")
    refuse_a_received_date(path.name, received_on, name_date_mistaken=name_date_mistaken)
    sha256, size, relative = keep_file(path)
    with transaction.atomic():
        earlier = list(ReceivedTar.objects.filter(name=path.name, sha256=sha256).order_by("pk"))
        taken_in = [t for t in earlier if t.accepted]
        if taken_in:
            return _repeat(taken_in[0])
        tar, members, problems = tar_problems(
            path, size, received_on_for_a_mistaken_name=received_on if name_date_mistaken else None)
        if earlier and _same_problems(_problems_of(earlier[-1]), problems):
            return _repeat(earlier[-1])
        row = ReceivedTar.objects.create(
            name=path.name, la_id=tar.la_id if tar else "", tar_date=tar.tar_date if tar else None, sha256=sha256,
            size=size, archive_path=relative, received_on=received_on,
            runs_completed_through=last_completed_run_date(), accepted=not problems,
            problems=[p.as_json() for p in problems],
        )
        result = IntakeResult(path.name, sha256, received_on, not problems, problems)
        if not problems:
            result.files = _take_members(path, row, members)
            result.replaces = _replaced_refusals(row)
    return result


def _replaced_refusals(taken: ReceivedTar) -> list[date]:
    """The received dates of the refusals, not yet reported, of tars of the name of ``taken``, received before
    it (spec §4.3 "how to put it right", §5): its files are being processed, so the refusals are not
    reported (``la_outbound``: nothing is withdrawn from a notice already sent)."""
    return list(ReceivedTar.objects.filter(name=taken.name, accepted=False, reported_on__isnull=True,
                                           pk__lt=taken.pk).order_by("pk").values_list("received_on", flat=True))


def _same_problems(before: list[TarProblem], now: list[TarProblem]) -> bool:
    """A refused tar would be refused now "for the same problems" when the codes and the members they name are
    the same, whatever words an earlier release gave them."""
    return [(p.code, p.member) for p in before] == [(p.code, p.member) for p in now]


def _problems_of(refused: ReceivedTar) -> list[TarProblem]:
    return [TarProblem(p["code"], p["message"], p.get("member", "")) for p in refused.problems]


def _repeat(earlier: ReceivedTar) -> IntakeResult:
    problems = _problems_of(earlier)
    files = [TakenFile(f.name, f.state, f.sha256, f.size, "already received") for f in earlier.files.order_by("seq")]
    return IntakeResult(earlier.name, earlier.sha256, earlier.received_on, earlier.accepted, problems, files,
                        repeat=True)


def _next_seq(count: int) -> int:
    counter, _ = Counter.objects.select_for_update().get_or_create(name=FILE_SEQ_COUNTER)
    first = counter.value + 1
    counter.value += count
    counter.save(update_fields=["value"])
    return first


def _take_members(path: Path, row: ReceivedTar, members: list[_Member]) -> list[TakenFile]:
    taken: list[TakenFile] = []
    seq = _next_seq(len(members)) if members else 0
    with tarfile.open(path, mode="r:") as archive:
        for offset, member in enumerate(members):
            data = _read_member(archive, member.info)
            taken.append(_take_file(row, member.name, data, seq + offset))
    return taken


def _read_member(archive: tarfile.TarFile, info: tarfile.TarInfo) -> bytes:
    """A member's bytes, read through ``extractfile`` (never to disk), no more than its checked size."""
    if info.size > MAX_MEMBER_BYTES:
        raise DmsError(f"member {info.name} is over 20 MiB")  # checked before; never read an oversized member
    stream = archive.extractfile(info)
    if stream is None:
        raise DmsError(f"member {info.name} is not a regular file")
    data = stream.read(MAX_MEMBER_BYTES + 1)
    if len(data) != info.size:
        raise DmsError(f"member {info.name} is not the {info.size} bytes its header says; the tar is damaged")
    return data


class SameName(StrEnum):
    """What §5.3 makes of a file whose name the LA has used before (:func:`same_name_rule`)."""

    NEW = "NEW"  # no earlier file of the name: processed
    IGNORED = "IGNORED"  # the same bytes as a file held (still to be processed, or accepted)
    SUPERSEDES = "SUPERSEDES"  # the earlier file is not yet processed: it is SUPERSEDED, this one processed
    DUPLICATE_BATCH = "DUPLICATE_BATCH"  # a file of the name was accepted: this one fails
    RESUBMISSION = "RESUBMISSION"  # the earlier file failed: this one is processed, even with the same bytes


def same_name_rule(earlier: Sequence[ReceivedFile], sha256: str) -> tuple[SameName, ReceivedFile | None]:
    """Spec §5.3 for a new file with bytes ``sha256`` whose name the LA used for ``earlier`` (its files of
    that name other than IGNORED copies, in receipt order): what becomes of it, and the earlier file that
    decides it.

    - A file of the name was accepted: the same bytes again are ignored (already applied); other bytes fail
      as DUPLICATE_BATCH, whatever came after the accepted file (a DUPLICATE_BATCH failure is no failed file
      to correct: the name is used).
    - Else by the latest file: still to be processed, the same bytes are ignored (it is already held) and
      other bytes supersede it; failed, the new file is the resubmission and is processed, with the same bytes
      too (nothing of a failed file is held, and what failed it may have been put right outside the file: the
      failed referral it depended on, §6.1, or a fault of DMS's own)."""
    accepted = [f for f in earlier if f.state == FileState.ACCEPTED]
    if accepted:
        rule = SameName.IGNORED if accepted[-1].sha256 == sha256 else SameName.DUPLICATE_BATCH
        return rule, accepted[-1]
    latest = earlier[-1] if earlier else None
    if latest is None or latest.state not in (FileState.PENDING, FileState.FAILED):
        return SameName.NEW, None
    if latest.state == FileState.FAILED:
        return SameName.RESUBMISSION, latest
    return (SameName.IGNORED if latest.sha256 == sha256 else SameName.SUPERSEDES), latest


def _take_file(tar: ReceivedTar, name: FileName, data: bytes, seq: int) -> TakenFile:
    """Record one XML file following spec §5.3 (:func:`same_name_rule`)."""
    sha256, relative = keep_bytes(data)
    # locked (PostgreSQL) so that a run processing a file of this name is waited for, and its outcome read
    # once it commits: a file already applied is never superseded (§5.3; la_processing.la_files_step)
    earlier = list(ReceivedFile.objects.select_for_update().filter(la_id=name.la_id, name=str(name))
                   .exclude(state=FileState.IGNORED).order_by("seq"))
    rule, decided_by = same_name_rule(earlier, sha256)
    new = ReceivedFile(tar=tar, name=str(name), kind=name.kind.value, la_id=name.la_id,
                       creation_date=name.creation_date, sha256=sha256, size=len(data), archive_path=relative,
                       received_on=tar.received_on, seq=seq, state=FileState.PENDING)
    if rule == SameName.IGNORED:
        new.state = FileState.IGNORED
    elif rule == SameName.DUPLICATE_BATCH and decided_by is not None:
        _fail_duplicate(new, decided_by)
    new.save()
    if rule == SameName.SUPERSEDES and decided_by is not None:
        _supersede(decided_by, new)
    note = _note(rule, decided_by, sha256)
    if rule == SameName.NEW and tar.tar_date is not None and name.creation_date < tar.tar_date:
        note = _resent_note(name)
    return TakenFile(new.name, new.state, sha256, len(data), note)


def _resent_note(name: FileName) -> str:
    """What ``dms la receive`` says of a file dated before its tar with no file of its name taken in: the
    resubmission of a refused tar's file (spec §5.1; :func:`_earlier_problems` let nothing else in)."""
    sent = refused_tar_files(name.la_id, [str(name)])
    if not sent:
        return ""
    last = sent[-1]
    return f"the resubmission of {name} of the tar {last.tar_name} refused on {last.tar_received_on}"


def _note(rule: SameName, earlier: ReceivedFile | None, sha256: str) -> str:
    """What ``dms la receive`` says of a file whose name was used before."""
    if earlier is None:
        return ""
    received = f"the file received on {earlier.received_on}"
    if rule == SameName.IGNORED:
        if earlier.state == FileState.PENDING:
            return f"the same bytes as {received}, still to be processed"
        return f"the same bytes as {received}, accepted on {earlier.processed_on}"
    if rule == SameName.DUPLICATE_BATCH:
        return f"a file of this name was accepted on {earlier.processed_on}"
    if rule == SameName.SUPERSEDES:
        return f"replaces the unprocessed file received on {earlier.received_on}"
    same = "the same bytes, processed again: " if earlier.sha256 == sha256 else ""
    return f"{same}the resubmission of {received} that failed on {earlier.processed_on}"


def _fail_duplicate(new: ReceivedFile, accepted: ReceivedFile) -> None:
    """§5.3: a file whose name was already processed and accepted fails as DUPLICATE_BATCH."""
    new.state, new.outcome, new.processed_on = FileState.FAILED, Outcome.DUPLICATE_BATCH, new.received_on
    new.errors = [FileError(
        "DUPLICATE_BATCH", f"a file named {new.name} was received on {accepted.received_on} and accepted on "
        f"{accepted.processed_on}; nothing of this one is applied. A name is used once: send further records in "
        "a later day's file under its own name", 0,
    ).as_json()]


def _supersede(earlier: ReceivedFile, new: ReceivedFile) -> None:
    """§5.3: an unprocessed file replaced by a file of the same name is SUPERSEDED (kept and reported)."""
    earlier.state, earlier.outcome, earlier.superseded_by = FileState.SUPERSEDED, Outcome.SUPERSEDED, new
    earlier.processed_on = new.received_on
    earlier.errors = [FileError(
        "SUPERSEDED", f"this file (SHA-256 {earlier.sha256[:12]}...) was replaced before it was processed by the "
        f"file of the same name received on {new.received_on} (SHA-256 {new.sha256[:12]}...), in "
        f"{new.tar.name}; only that one is processed. Nothing to do unless the replacement was a mistake", 0,
    ).as_json()]
    earlier.save(update_fields=["state", "outcome", "superseded_by", "processed_on", "errors"])
