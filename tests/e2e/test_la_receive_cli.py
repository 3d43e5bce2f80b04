"""``dms la receive`` against a hostile corpus (hb-debt-interface.md §5.1, §6.1; engineering guide §2): tars
that try to escape, link, expand or overflow are refused whole with a message naming every problem, XML
that cannot be read fails as CORRUPT with its line, nothing is applied, and the bytes are always kept."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
import textwrap
import uuid
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest

from conftest import _admin_url, database_vendor, run_dms
from dms.la_interface import build

LA = "005920"
DAY = date(2025, 11, 18)
TAR = build.upload_name(LA, DAY)
REF = build.file_name("LAREF", LA, DAY)
GOOD = build.file_bytes("LAREF", LA, DAY, [build.referral("HB/1", "AB123456C", 41250)])


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """One DMS (database and data directory) for the whole corpus, with LA 005920 registered."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    environment["DMS_DATA_DIR"] = str(tmp_path_factory.mktemp("la-receive") / "data")
    created = None
    if database_vendor() == "postgresql":
        import psycopg

        base, _ = _admin_url(os.environ["DMS_DATABASE_URL"])
        created = f"dms_cli_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{created}"')
        environment["DMS_DATABASE_URL"] = f"{base}/{created}"
    else:
        environment.pop("DMS_DATABASE_URL", None)
    run_dms(environment, "init", check=True)
    run_dms(environment, "la", "add", LA, "--name", "Testshire Council", "--sort-code", "200000", "--account",
            "12345678", check=True)
    yield environment
    if created:
        import psycopg

        with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{created}" WITH (FORCE)')


def tar_of(*entries: Callable[[tarfile.TarFile], None]) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.GNU_FORMAT) as archive:
        for entry in entries:
            entry(archive)
    return out.getvalue()


def regular(name: str, data: bytes) -> Callable[[tarfile.TarFile], None]:
    def add(archive: tarfile.TarFile) -> None:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    return add


def special(name: str, kind: bytes, linkname: str = "") -> Callable[[tarfile.TarFile], None]:
    def add(archive: tarfile.TarFile) -> None:
        info = tarfile.TarInfo(name)
        info.type, info.linkname = kind, linkname
        archive.addfile(info)
    return add


def oversized(name: str) -> Callable[[tarfile.TarFile], None]:
    """A member whose header says 21 MiB: only the header is written, so the test stays small and fast
    (the tar is cut short after it; DMS must refuse on the header alone, before reading any content)."""
    def add(archive: tarfile.TarFile) -> None:
        info = tarfile.TarInfo(name)
        info.size = 21 * 1024 * 1024
        archive.fileobj.write(info.tobuf(archive.format, archive.encoding, archive.errors))
        archive.offset += tarfile.BLOCKSIZE
        archive.closed = True  # nothing more is written: no content, no end-of-archive blocks
    return add


def receive(env: dict[str, str], data: bytes, name: str = TAR, *args: str) -> tuple[int, str, Path]:
    folder = Path(env["DMS_DATA_DIR"]).parent / "incoming" / uuid.uuid4().hex
    folder.mkdir(parents=True)
    path = folder / name
    path.write_bytes(data)
    result = run_dms(env, "la", "receive", str(path), *args)
    return result.returncode, result.stdout + result.stderr, path


def archived(env: dict[str, str], data: bytes) -> bool:
    sha256 = hashlib.sha256(data).hexdigest()
    return (Path(env["DMS_DATA_DIR"]) / "archive" / "la" / sha256[:2] / sha256).read_bytes() == data


MEMBER_END = 512 + (len(GOOD) + 511) // 512 * 512  # the first member's header and data, in 512-byte blocks
HOSTILE_TARS = {
    "path_traversal": (tar_of(regular(f"../{REF}", GOOD)), "TAR_MEMBER_PATH"),
    "absolute_path": (tar_of(regular(f"/tmp/{REF}", GOOD)), "TAR_MEMBER_PATH"),
    "nested_path": (tar_of(regular(f"dir/{REF}", GOOD)), "TAR_MEMBER_PATH"),
    "symlink": (tar_of(special(REF, tarfile.SYMTYPE, "/etc/passwd")), "TAR_NOT_REGULAR_FILE"),
    "hard_link": (tar_of(regular("20251118-LAREV-005920.xml", GOOD), special(REF, tarfile.LNKTYPE,
                                                                             "20251118-LAREV-005920.xml")),
                  "TAR_NOT_REGULAR_FILE"),
    "character_device": (tar_of(special(REF, tarfile.CHRTYPE)), "TAR_NOT_REGULAR_FILE"),
    "block_device": (tar_of(special(REF, tarfile.BLKTYPE)), "TAR_NOT_REGULAR_FILE"),
    "fifo": (tar_of(special(REF, tarfile.FIFOTYPE)), "TAR_NOT_REGULAR_FILE"),
    "directory": (tar_of(special("20251118-LAREF-005920.xml", tarfile.DIRTYPE)), "TAR_NOT_REGULAR_FILE"),
    "oversized_member": (tar_of(oversized(REF)), "TAR_TOO_LARGE"),
    "wrong_member_name": (tar_of(regular("referrals.xml", GOOD)), "TAR_MEMBER_NAME"),
    "outbound_member_name": (tar_of(regular("20251118-DMCES-005920.xml", GOOD)), "TAR_MEMBER_NAME"),
    "unreal_member_date": (tar_of(regular("20251131-LAREF-005920.xml", GOOD)), "TAR_MEMBER_NAME"),
    "member_dated_after_tar": (tar_of(regular("20251119-LAREF-005920.xml", GOOD)), "TAR_MEMBER_LATER_DATE"),
    "member_dated_before_tar": (tar_of(regular("20251117-LAREF-005920.xml", GOOD)), "TAR_MEMBER_EARLIER_DATE"),
    "member_of_another_la": (tar_of(regular("20251118-LAREF-000123.xml", GOOD)), "TAR_MEMBER_LA"),
    "compressed_tar": (b"\x1f\x8b\x08\x00" + bytes(200), "TAR_UNREADABLE"),
    "cut_short": (tar_of(regular(REF, GOOD))[:MEMBER_END], "TAR_UNREADABLE"),
    "damaged_later_header": (tar_of(regular(REF, GOOD))[:MEMBER_END] + b"x" * 512 + bytes(1024), "TAR_UNREADABLE"),
}


@pytest.mark.parametrize("case", list(HOSTILE_TARS))
def test_hostile_tar_is_refused_whole_and_kept(env: dict[str, str], case: str) -> None:
    data, code = HOSTILE_TARS[case]
    status, output, path = receive(env, data)
    assert status == 1, output
    assert f"refused {TAR}" in output and f"{code}:" in output
    assert archived(env, data)
    assert not (path.parent / "etc").exists() and not (Path("/tmp") / REF).exists()


def test_hostile_tar_with_a_wrong_name_needs_a_date_then_is_refused(env: dict[str, str]) -> None:
    data = build.tar_bytes([(REF, GOOD)])
    status, output, _ = receive(env, data, "upload.tar")
    assert status == 1 and "--date" in output
    status, output, _ = receive(env, data, "upload.tar", "--date", "2025-11-18")
    assert status == 1 and "TAR_NAME:" in output and archived(env, data)


def test_hostile_tar_received_date_far_ahead_is_refused_until_a_date_is_given(env: dict[str, str]) -> None:
    """A tar named for a date more than a year ahead gives no received date DMS can run on (its refusal would
    reach the LA only then): nothing is kept until --date says when it was received."""
    far = "20991231-PDPLA-005920.tar"
    # a file of no tar received before (REF, a file of tars this corpus had refused, would be their resubmission)
    data = tar_of(regular(build.file_name("LAREF", LA, date(2025, 11, 1)), GOOD))
    status, output, _ = receive(env, data, far)
    assert status == 1 and "more than a year after today" in output and "--date" in output
    status, output, _ = receive(env, data, far, "--date", "2025-11-18")
    assert status == 1 and "TAR_MEMBER_EARLIER_DATE:" in output and archived(env, data)


def test_hostile_tar_every_problem_is_named(env: dict[str, str]) -> None:
    data = tar_of(regular(f"../{REF}", GOOD), special("x", tarfile.SYMTYPE, "/"), regular("junk.xml", b""))
    status, output, _ = receive(env, data)
    assert status == 1
    assert [line.split(":")[0].strip() for line in output.splitlines()[1:]] == [
        "TAR_MEMBER_PATH", "TAR_NOT_REGULAR_FILE", "TAR_MEMBER_NAME"]


BILLION_LAUGHS = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE ReferralFile [
 <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
 <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
]>
<ReferralFile xmlns="urn:dms:hb-debt:1"><Header><BatchID>&e;</BatchID></Header></ReferralFile>
"""

HOSTILE_XML = {
    "entity_expansion": (BILLION_LAUGHS, "DTD_FORBIDDEN", 2),
    "external_entity": (GOOD.replace(b"?>\n", b'?>\n<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n', 1)
                        .replace(b"<Surname>Jones", b"<Surname>&e;"), "DTD_FORBIDDEN", 2),
    "external_dtd": (GOOD.replace(b"?>\n", b'?>\n<!DOCTYPE ReferralFile SYSTEM "http://169.254.169.254/x">\n', 1),
                     "DTD_FORBIDDEN", 2),
    "bad_utf8": (GOOD.replace(b"<Surname>Jones", b"<Surname>Jon\xc3\x28s"), "NOT_UTF8", 4),
    "latin1_declared": (GOOD.replace(b"UTF-8", b"ISO-8859-1"), "NOT_UTF8", 1),
    "truncated_xml": (build.not_well_formed(GOOD), "NOT_WELL_FORMED", 4),
}

VALIDATE = textwrap.dedent(
    """
    import json, sys
    from datetime import date
    from dms.store.bootstrap import setup
    setup()
    from dms.services.la_validation import validate_file
    from dms.store.la.models import ReceivedFile
    file = ReceivedFile.objects.filter(sha256=sys.argv[1]).get()
    result = validate_file(file, date(2025, 11, 18))
    print(json.dumps({"state": file.state, "outcome": result.outcome,
                      "errors": [e.as_json() for e in result.errors]}))
    """
)


@pytest.mark.parametrize("case", list(HOSTILE_XML))
def test_hostile_xml_is_kept_and_fails_as_corrupt_with_its_line(env: dict[str, str], case: str) -> None:
    xml, code, line = HOSTILE_XML[case]
    data = build.tar_bytes([(REF, xml)])
    status, output, _ = receive(env, data)
    assert status == 0 and "PENDING" in output  # the tar is sound: the file is held for the run
    assert archived(env, xml) and archived(env, data)
    checked = subprocess.run([sys.executable, "-c", VALIDATE, hashlib.sha256(xml).hexdigest()], env=env,
                             capture_output=True, text=True, timeout=120, check=True)
    found = json.loads(checked.stdout)
    assert found["outcome"] == "CORRUPT"
    assert [(e["code"], e["line"]) for e in found["errors"]] == [(code, line)]
    assert found["errors"][0]["message"]


def test_good_tar_is_taken_in_and_a_repeat_is_harmless(env: dict[str, str]) -> None:
    good_day = date(2025, 11, 21)
    xml = build.file_bytes("LAREC", LA, good_day, [build.recall("HB/1", "AB123456C")])
    data = build.tar_bytes([(build.file_name("LAREC", LA, good_day), xml)])
    name = build.upload_name(LA, good_day)
    status, output, path = receive(env, data, name)
    assert status == 0 and "took in" in output and "PENDING" in output and archived(env, xml)
    again = run_dms(env, "la", "receive", str(path))
    assert again.returncode == 0 and "already received" in again.stdout


def test_tar_refused_for_an_unknown_la_is_taken_in_once_the_la_is_registered(env: dict[str, str]) -> None:
    """§5.1: a tar is refused while its LA is not registered; the same tar received again after
    ``dms la add`` is taken in (a refusal that no longer holds is no reason to refuse it again)."""
    other = "000777"
    xml = build.file_bytes("LAREF", other, DAY, [build.referral("HB/1", "AB123456C", 41250)])
    data = build.tar_bytes([(build.file_name("LAREF", other, DAY), xml)])
    status, output, path = receive(env, data, build.upload_name(other, DAY))
    assert status == 1 and "TAR_UNKNOWN_LA" in output
    again = run_dms(env, "la", "receive", str(path))
    assert again.returncode == 1 and "already received" in again.stderr  # nothing has changed
    run_dms(env, "la", "add", other, "--name", "Otherton Council", "--sort-code", "200001", "--account",
            "12345679", check=True)
    assert ("register it with 'dms la add 000777 --name NAME --sort-code NNNNNN --account NNNNNNNN', then "
            "receive the tar again") in again.stderr  # for DMS staff: the command to use (not in the LA's notice)
    taken = run_dms(env, "la", "receive", str(path))
    assert taken.returncode == 0 and "took in" in taken.stdout and "PENDING" in taken.stdout
    assert "already received" not in taken.stdout + taken.stderr
    repeat = run_dms(env, "la", "receive", str(path))
    assert repeat.returncode == 0 and "already received" in repeat.stdout


def test_tar_put_right_under_the_name_of_a_refused_tar_says_it_replaces_the_refusal(env: dict[str, str]) -> None:
    """§4.3, §5: a refused tar sent again put right under the same name is taken in, and the command says
    it replaces the refusal of that name (received on its date), which is then not reported to the LA."""
    day = date(2025, 11, 25)
    xml = build.file_bytes("LAREF", LA, day, [build.referral("HB/7", "AB123456C", 41250)])
    name = build.upload_name(LA, day)
    status, output, _ = receive(env, build.tar_bytes([(build.file_name("LAREF", LA, day), xml),
                                                      ("notes.txt", b"hi")]), name)
    assert status == 1 and "TAR_MEMBER_NAME" in output and "replaces" not in output
    status, output, _ = receive(env, build.tar_bytes([(build.file_name("LAREF", LA, day), xml)]), name,
                                "--date", "2025-11-26")
    assert status == 0 and "took in" in output
    assert (f"it replaces the refusal of {name} received 2025-11-25: that refusal will not be reported to the "
            "LA") in output


def test_receive_names_what_a_path_that_is_no_tar_file_is(cli_env: dict[str, str], tmp_path: Path) -> None:
    """README: an error says what is wrong, where and how to put it right. A path that exists but is no regular
    file (a device, a named pipe) is called what it is, not missing; a missing one is missing; nothing is kept."""
    from conftest import count_rows

    run_dms(cli_env, "init", check=True)
    fifo = tmp_path / "20260203-PDPLA-000123.tar"
    os.mkfifo(fifo)
    for path, said in ((Path("/dev/null"), "/dev/null is not a regular file (a character device)"),
                       (fifo, f"{fifo} is not a regular file (a named pipe)"),
                       (tmp_path / "20260203-PDPLA-000124.tar", f"{tmp_path}/20260203-PDPLA-000124.tar does not exist"),
                       (tmp_path, f"{tmp_path} is a directory")):
        refused = run_dms(cli_env, "la", "receive", str(path))
        assert refused.returncode == 1, refused.stderr
        assert refused.stderr == (f"dms: error: {said}: give the path of the tar received from the LA "
                                  "(YYYYMMDD-PDPLA-AAAAAA.tar)\n")
    assert count_rows(cli_env, "store_la_receivedtar") == 0


def test_la_receive_received_date_is_never_on_a_completed_run_nor_before_the_tars_date(
        cli_env: dict[str, str], tmp_path: Path) -> None:
    """hb-debt-interface.md §4.1 (ReferralReceivedDate: when DMS received the referral), §6.4 (order by the
    oldest received date): a tar taken in after the run of its own date has completed is taken as received on
    the next run's date, and says so; an explicit --date on or before the last completed run, or before the
    tar's own date, is refused saying what, why and how to fix, and nothing is taken in."""
    from conftest import count_rows

    run_dms(cli_env, "init", check=True)
    run_dms(cli_env, "la", "add", LA, "--name", "Testshire Council", "--sort-code", "200000", "--account",
            "12345678", check=True)
    run_dms(cli_env, "run", "--date", "2025-11-18", check=True)
    late_day = date(2025, 11, 17)
    late = tmp_path / build.upload_name(LA, late_day)
    late.write_bytes(build.tar_bytes([(build.file_name("LAREF", LA, late_day), build.file_bytes(
        "LAREF", LA, late_day, [build.referral("LATE/1", "AB123456C", 1000)]))]))
    for given in ("2025-11-17", "2025-11-18"):
        refused = run_dms(cli_env, "la", "receive", str(late), "--date", given)
        assert refused.returncode == 1 and refused.stdout == ""
        assert refused.stderr == (
            f"dms: error: --date {given} is on or before 2025-11-18, the last completed daily run: {late.name} was "
            "not there for that run, so it cannot have been received then (its referrals would be recorded as "
            "received, and recovered, ahead of those that came earlier: spec §4.1, §6.4); nothing was taken in: "
            "give the date it was really received, 2025-11-19 or later, or leave out --date to take it as "
            "received on 2025-11-19 (the date of the next run)\n")
    early = run_dms(cli_env, "la", "receive", str(late), "--date", "2025-11-16")
    assert early.returncode == 1 and "--date 2025-11-16 is before the date of" in early.stderr
    assert "give the date it was really received, 2025-11-19 or later" in early.stderr
    assert count_rows(cli_env, "store_la_receivedtar") == 0
    taken = run_dms(cli_env, "la", "receive", str(late))
    assert taken.returncode == 0, taken.stderr
    assert taken.stdout.startswith(f"took in {late.name} received 2025-11-19: 1 files\n"
                                   "  received 2025-11-19, not on the date in its name: the daily run of 2025-11-18 "
                                   "has completed without it, so it is taken as received on the date of the next "
                                   "run, which processes its files (give --date for another date after "
                                   "2025-11-18)\n")
    again = run_dms(cli_env, "la", "receive", str(late))
    assert again.returncode == 0 and "already received" in again.stdout and "not on the date" not in again.stdout
    run_dms(cli_env, "run", "--date", "2025-11-19", check=True)
    shown = json.loads(run_dms(cli_env, "debtor", "show", "AB123456C", "--json", check=True).stdout)
    assert [(d["ref"], d["received_on"]) for d in shown["debts"]] == [("LATE/1", "2025-11-19")]
    own_day = date(2025, 11, 20)
    own = tmp_path / build.upload_name(LA, own_day)
    own.write_bytes(build.tar_bytes([(build.file_name("LAREC", LA, own_day), build.file_bytes(
        "LAREC", LA, own_day, [build.recall("LATE/1", "AB123456C")]))]))
    on_time = run_dms(cli_env, "la", "receive", str(own))
    assert on_time.returncode == 0 and on_time.stdout.startswith(f"took in {own.name} received 2025-11-20: 1 files\n")
    assert "not on the date" not in on_time.stdout
    ahead_day = date(2025, 11, 25)  # after the last completed run: without --date, taken on its own date
    ahead = tmp_path / build.upload_name(LA, ahead_day)
    ahead.write_bytes(build.tar_bytes([(build.file_name("LAREF", LA, ahead_day), build.file_bytes(
        "LAREF", LA, ahead_day, [build.referral("AHEAD/1", "AB123456C", 1000)]))]))
    before_own = run_dms(cli_env, "la", "receive", str(ahead), "--date", "2025-11-22")
    assert before_own.returncode == 1 and before_own.stderr.endswith(
        "give the date it was really received, 2025-11-25 or later, or leave out --date to take it as received on "
        "2025-11-25 (its own date)\n"), before_own.stderr
    bad_day = date(2025, 11, 18)  # refused for its own problems after its run: nothing of it is processed
    bad = tmp_path / build.upload_name(LA, bad_day)
    bad.write_bytes(build.tar_bytes([("notes.txt", b"hello")]))
    refused_late = run_dms(cli_env, "la", "receive", str(bad))
    assert refused_late.returncode == 1 and "not on the date in its name" in refused_late.stderr
    assert "processes its files" not in refused_late.stderr, refused_late.stderr


def test_a_tar_named_more_than_a_year_ahead_received_with_date_is_refused_for_files_dated_after_that_day(
        cli_env: dict[str, str], tmp_path: Path) -> None:
    """hb-debt-interface.md §5.1 (a member with "a later date" refuses the tar, reported to the LA) and §5.4
    (a file dated after the run date waits for its date); README `dms la receive`: a tar named more than a
    year ahead needs `--date`, and its files wait for the run of the date they were received. Its name's date
    is a mistake, so its files dated after the day given are judged against that day: the tar is refused and
    the refusal reaches the LA through the run of that day, not left waiting, unreported, a year on."""
    from datetime import timedelta

    today = date.today()
    far = today + timedelta(days=400)
    run_dms(cli_env, "init", check=True)
    run_dms(cli_env, "la", "add", LA, "--name", "Testshire Council", "--sort-code", "200000", "--account",
            "12345678", check=True)
    member = build.file_name("LAREF", LA, far)
    path = tmp_path / build.upload_name(LA, far)
    path.write_bytes(build.tar_bytes([(member, build.file_bytes("LAREF", LA, far, [
        build.referral("HB/9", "AB123456C", 41250)]))]))
    asked = run_dms(cli_env, "la", "receive", str(path))
    assert asked.returncode == 1 and "give --date" in asked.stderr and "reported to the LA" in asked.stderr
    refused = run_dms(cli_env, "la", "receive", str(path), "--date", today.isoformat())
    assert refused.returncode == 1, (refused.stdout, refused.stderr)
    output = refused.stdout + refused.stderr
    assert (f"TAR_MEMBER_LATER_DATE: member {member} is dated {far}, after {today}, the day the tar was received"
            in output), output
    run_dms(cli_env, "run", "--date", today.isoformat(), check=True)
    out = tmp_path / "outbox"
    run_dms(cli_env, "la", "outbox", LA, "--out", str(out), check=True)
    sent = "".join(p.read_text(errors="replace") for p in out.rglob("*") if p.is_file())
    sent += "".join(_members_text(p) for p in out.rglob("*.tar"))
    assert "TAR_MEMBER_LATER_DATE" in sent and member in sent


def test_a_tar_named_more_than_a_year_ahead_says_its_name_is_wrong_for_a_file_named_for_the_day_it_was_sent(
        cli_env: dict[str, str], tmp_path: Path) -> None:
    """hb-debt-interface.md §4.3 (a Message says how to put it right) and §5.1 (a member dated before the tar
    that is no resubmission refuses it): in a tar named more than a year ahead, received with `--date`, a file
    named for the day it was sent is right and the tar's name is wrong, so the refusal says to send the file in
    a tar named for that day, not to rename the file (docs/la-interface-notes.md "Dates in names")."""
    from datetime import timedelta

    today = date.today()
    far = today + timedelta(days=400)
    run_dms(cli_env, "init", check=True)
    run_dms(cli_env, "la", "add", LA, "--name", "Testshire Council", "--sort-code", "200000", "--account",
            "12345678", check=True)
    member = build.file_name("LAREF", LA, today)
    path = tmp_path / build.upload_name(LA, far)
    path.write_bytes(build.tar_bytes([(member, build.file_bytes("LAREF", LA, today, [
        build.referral("HB/9", "AB123456C", 41250)]))]))
    refused = run_dms(cli_env, "la", "receive", str(path), "--date", today.isoformat())
    assert refused.returncode == 1, (refused.stdout, refused.stderr)
    output = refused.stdout + refused.stderr
    assert f"TAR_MEMBER_EARLIER_DATE: member {member} is dated {today}, before the tar's date {far}" in output, output
    assert (f"the tar's name is wrong, its date more than a year after {today}, the day it was received: send the "
            "file in a tar named for the day it is sent" in output), output
    assert "send it under the name of the day it is sent" not in output, output


def _members_text(path: Path) -> str:
    with tarfile.open(path) as archive:
        return "".join(archive.extractfile(m).read().decode() for m in archive.getmembers()  # type: ignore[union-attr]
                       if m.isreg())
