"""Taking in LA tars (hb-debt-interface.md §5.1-5.3): each reason a tar is refused whole, each rule for a
file name already received, and that everything received is kept."""

from __future__ import annotations

import hashlib
import io
import tarfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from la_files import DAY, LA, la, receive

from dms.errors import DmsError
from dms.la_interface import build
from dms.services import la_intake
from dms.services.la_intake import receive_tar
from dms.services.la_outbound import outbound_step
from dms.settings import get_config
from dms.store.la.models import FileState, Outcome, ReceivedFile, ReceivedTar
from dms.store.models import RunDay

pytestmark = pytest.mark.django_db
REF = build.file_name("LAREF", LA, DAY)
REV = build.file_name("LAREV", LA, DAY)


@pytest.fixture
def folder(data_dir: Path) -> Path:
    la()
    path = data_dir / "incoming"
    path.mkdir()
    return path


def referral_bytes(day: date = DAY, amount: int = 100, la_id: str = LA) -> bytes:
    return build.file_bytes("LAREF", la_id, day, [build.referral("HB/1", "AB123456C", amount)])


def codes(result: la_intake.IntakeResult) -> list[str]:
    return [p.code for p in result.problems]


def result_seq(name: str) -> int:
    """The receipt sequence of the latest file of ``name``."""
    return ReceivedFile.objects.filter(name=name).order_by("-seq").values_list("seq", flat=True)[0]


def kept(sha256: str) -> bytes:
    return (get_config().archive_dir / "la" / sha256[:2] / sha256).read_bytes()


def test_tar_taken_in_keeps_every_file_with_its_sha256(folder: Path) -> None:
    data = referral_bytes()
    revision = build.file_bytes("LAREV", LA, DAY, [build.revision("HB/9", "AB123456C", 500)])
    result = receive(folder, [(REF, data), (REV, revision)])
    assert result.accepted and [f.state for f in result.files] == ["PENDING", "PENDING"]
    rows = list(ReceivedFile.objects.order_by("seq"))
    assert [(r.name, r.kind, r.la_id, r.creation_date, r.received_on) for r in rows] == [
        (REF, "LAREF", LA, DAY, DAY), (REV, "LAREV", LA, DAY, DAY)]
    assert rows[0].sha256 == hashlib.sha256(data).hexdigest() and kept(rows[0].sha256) == data
    assert rows[1].seq == rows[0].seq + 1
    tar = ReceivedTar.objects.get()
    assert tar.accepted and tar.problems == [] and kept(tar.sha256) == (folder / tar.name).read_bytes()


def test_receiving_the_same_tar_twice_is_harmless(folder: Path) -> None:
    first = receive(folder, [(REF, referral_bytes())])
    again = receive_tar(folder / build.upload_name(LA, DAY), received_on=date(2025, 11, 19))
    assert again.repeat and again.accepted and not first.repeat
    assert (ReceivedTar.objects.count(), ReceivedFile.objects.count()) == (1, 1)


def refused(folder: Path, members: list[tuple[str, bytes]], *, name: str | None = None) -> la_intake.IntakeResult:
    result = receive(folder, members, name=name)
    assert not result.accepted
    tar = ReceivedTar.objects.get(name=result.tar_name)
    assert not tar.accepted and tar.reported_on is None
    assert [p["code"] for p in tar.problems] == codes(result)
    assert kept(tar.sha256) == (folder / result.tar_name).read_bytes()  # the refused tar is kept
    assert ReceivedFile.objects.count() == 0  # nothing of it is taken in
    return result


def test_refused_tar_name_wrong(folder: Path) -> None:
    result = refused(folder, [(REF, referral_bytes())], name="20251118-PDPLA-005920.tar.gz")
    assert codes(result) == ["TAR_NAME"]
    assert ReceivedTar.objects.get().la_id == ""


def test_refused_tar_of_an_la_not_registered(folder: Path) -> None:
    data = build.file_bytes("LAREF", "000999", DAY, [build.referral("HB/1", "AB123456C", 1)])
    result = refused(folder, [(build.file_name("LAREF", "000999", DAY), data)],
                     name=build.upload_name("000999", DAY))
    assert codes(result) == ["TAR_UNKNOWN_LA"]


def test_tar_unknown_la_message_gives_the_la_one_instruction_and_no_dms_command(folder: Path) -> None:
    """§4.3 (the Message says how to put it right, to the LA), §5.1: a tar refused only because its LA was
    not registered is sent again as it is, once registered; the LA is told that alone, not also to send its
    files in a later tar, and not the command DMS staff use to register it."""
    data = build.file_bytes("LAREF", "000999", DAY, [build.referral("HB/1", "AB123456C", 1)])
    [problem] = refused(folder, [(build.file_name("LAREF", "000999", DAY), data)],
                        name=build.upload_name("000999", DAY)).problems
    assert problem.message == ("LA 000999 was not registered with DMS when the tar arrived, so nothing in it was "
                               "taken in: ask DMS to register LA 000999 if it has not told you it has, then send "
                               "the tar again")
    assert "dms " not in problem.message and "later tar" not in problem.message


def test_tar_unknown_la_message_beside_other_problems_asks_for_them_put_right(folder: Path) -> None:
    """§4.3, §5.1: with other problems in the tar, sending it again as it is would be refused again, so the
    unknown LA's instruction asks for those put right first; they keep their own advice."""
    data = build.file_bytes("LAREF", "000999", DAY, [build.referral("HB/1", "AB123456C", 1)])
    result = refused(folder, [(build.file_name("LAREF", "000999", DAY), data), ("notes.txt", b"hi")],
                     name=build.upload_name("000999", DAY))
    assert codes(result) == ["TAR_UNKNOWN_LA", "TAR_MEMBER_NAME"]
    assert result.problems[0].message.endswith("then send the tar again, with the other problems named for it "
                                               "put right")
    assert "dms " not in result.problems[0].message


def test_tar_refused_for_an_unknown_la_is_taken_in_once_the_la_is_registered(folder: Path) -> None:
    """§5.1: the refusal no longer holds once the LA is registered, so the same tar received again is taken
    in; the first refusal stays recorded but is not reported to the LA (its files are being processed).
    Until then it is a repeat."""
    data = build.file_bytes("LAREF", "000999", DAY, [build.referral("HB/1", "AB123456C", 1)])
    members = [(build.file_name("LAREF", "000999", DAY), data)]
    first = refused(folder, members, name=build.upload_name("000999", DAY))
    assert refused(folder, members, name=build.upload_name("000999", DAY)).repeat and not first.repeat
    la("000999")
    taken = receive(folder, members, la_id="000999")
    assert taken.accepted and not taken.repeat and [f.state for f in taken.files] == [FileState.PENDING]
    assert list(ReceivedTar.objects.order_by("pk").values_list("accepted", flat=True)) == [False, True]
    again = receive(folder, members, la_id="000999")
    assert again.repeat and again.accepted and ReceivedFile.objects.count() == 1
    assert outbound_step(DAY)["failed_files"] == 0
    assert ReceivedTar.objects.get(accepted=False).reported_on is None


def test_refused_member_not_a_regular_file_says_what_it_is(folder: Path) -> None:
    """§5.1: the refusal names the kind of member: a FIFO is a named pipe, not a device."""
    path = folder / build.upload_name(LA, DAY)
    with tarfile.open(path, "w", format=tarfile.USTAR_FORMAT) as archive:
        for name, kind in ((REF, tarfile.FIFOTYPE), (REV, tarfile.CHRTYPE),
                           (build.file_name("LAREC", LA, DAY), tarfile.BLKTYPE)):
            info = tarfile.TarInfo(name)
            info.type = kind
            archive.addfile(info)
    result = receive_tar(path, received_on=DAY)
    assert [(p.code, p.message.split(" is ")[1].split(";")[0]) for p in result.problems] == [
        ("TAR_NOT_REGULAR_FILE", "a FIFO (named pipe)"), ("TAR_NOT_REGULAR_FILE", "a character device"),
        ("TAR_NOT_REGULAR_FILE", "a block device")]


def test_refused_member_with_a_path(folder: Path) -> None:
    result = refused(folder, [(f"sub/{REF}", referral_bytes()), (f"../{REV}", referral_bytes())])
    assert codes(result) == ["TAR_MEMBER_PATH", "TAR_MEMBER_PATH"]


def test_refused_member_name_not_of_the_three_inbound_forms(folder: Path) -> None:
    result = refused(folder, [("notes.txt", b"hello"), (build.file_name("DMCES", LA, DAY), b"<x/>")])
    assert codes(result) == ["TAR_MEMBER_NAME", "TAR_MEMBER_NAME"]


def test_refused_member_name_not_of_the_three_inbound_forms_even_when_not_utf8(folder: Path) -> None:
    """Spec §5.1 TAR_MEMBER_NAME for a member named in Latin-1 (``café.txt`` from another system's tool): the
    tar is refused, recorded and reported like any other, the name's bytes shown escaped (PostgreSQL's JSON
    takes no lone surrogates)."""
    path = folder / build.upload_name(LA, DAY)
    with tarfile.open(path, "w", format=tarfile.USTAR_FORMAT, encoding="utf-8", errors="surrogateescape") as tar:
        for name, data in ((REF, referral_bytes()), (b"caf\xe9.txt".decode("utf-8", "surrogateescape"), b"hi")):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    result = receive_tar(path, received_on=DAY)
    assert codes(result) == ["TAR_MEMBER_NAME"] and not result.accepted
    [problem] = ReceivedTar.objects.get().problems
    assert problem["member"] == "caf\\xe9.txt" and "caf\\" in problem["message"]
    assert ReceivedFile.objects.count() == 0
    outbound_step(DAY)
    assert ReceivedTar.objects.get().reported_on == DAY


def test_refused_member_of_another_la(folder: Path) -> None:
    result = refused(folder, [(build.file_name("LAREF", "000123", DAY), referral_bytes(la_id="000123"))])
    assert codes(result) == ["TAR_MEMBER_LA"]


def test_refused_member_dated_after_the_tar(folder: Path) -> None:
    later = date(2025, 11, 19)
    result = refused(folder, [(build.file_name("LAREF", LA, later), referral_bytes(later))])
    assert codes(result) == ["TAR_MEMBER_LATER_DATE"]


def test_refused_member_repeating_a_type_for_one_date(folder: Path) -> None:
    result = refused(folder, [(REF, referral_bytes()), (REF, referral_bytes(amount=2))])
    assert codes(result) == ["TAR_MEMBER_REPEATED"]


def test_refused_member_dated_earlier_that_is_not_a_resubmission_of_a_failed_file(folder: Path) -> None:
    earlier = date(2025, 11, 17)
    result = refused(folder, [(build.file_name("LAREF", LA, earlier), referral_bytes(earlier))])
    assert codes(result) == ["TAR_MEMBER_EARLIER_DATE"]


def test_refused_member_over_20_mib_without_reading_it(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(la_intake, "MAX_MEMBER_BYTES", 1000)
    result = refused(folder, [(REF, referral_bytes() + b" " * 1000)])
    assert codes(result) == ["TAR_TOO_LARGE"]


def test_refused_tar_over_100_mib(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(la_intake, "MAX_TAR_BYTES", 5000)
    result = refused(folder, [(REF, referral_bytes()), (REV, b" " * 5000)])
    assert codes(result) == ["TAR_TOO_LARGE"]


def test_refused_member_not_a_regular_file(folder: Path) -> None:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as archive:
        link = tarfile.TarInfo(REF)
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
        archive.addfile(link)
    path = folder / build.upload_name(LA, DAY)
    path.write_bytes(out.getvalue())
    result = receive_tar(path, received_on=DAY)
    assert codes(result) == ["TAR_NOT_REGULAR_FILE"] and "symbolic link" in result.problems[0].message


def test_refused_tar_lists_every_problem(folder: Path) -> None:
    later = date(2025, 11, 20)
    result = refused(folder, [("a/b.xml", b""), ("x.xml", b""), (build.file_name("LAREC", LA, later), b"")])
    assert codes(result) == ["TAR_MEMBER_PATH", "TAR_MEMBER_NAME", "TAR_MEMBER_LATER_DATE"]


def test_refused_not_a_tar(folder: Path) -> None:
    path = folder / build.upload_name(LA, DAY)
    path.write_bytes(b"this is not a tar archive" * 40)
    result = receive_tar(path, received_on=DAY)
    assert codes(result) == ["TAR_UNREADABLE"]


def test_same_name_same_bytes_is_ignored(folder: Path) -> None:
    receive(folder, [(REF, referral_bytes())])
    second = receive(folder, [(REF, referral_bytes()), (REV, build.file_bytes(
        "LAREV", LA, DAY, [build.revision("HB/1", "AB123456C", 9)]))], name="20251118-PDPLA-005920.tar")
    assert second.accepted and not second.repeat  # same tar name, other bytes: a new receipt
    states = list(ReceivedFile.objects.filter(name=REF).order_by("seq").values_list("state", flat=True))
    assert states == [FileState.PENDING, FileState.IGNORED]
    ignored = ReceivedFile.objects.get(state=FileState.IGNORED)
    assert ignored.outcome == "" and ignored.reported_on is None


def test_same_name_earlier_not_processed_is_superseded(folder: Path) -> None:
    receive(folder, [(REF, referral_bytes())])
    tar2 = receive(folder, [(REF, referral_bytes(amount=250))], name="20251118-PDPLA-005920.tar")
    earlier, new = ReceivedFile.objects.filter(name=REF).order_by("seq")
    assert (earlier.state, earlier.outcome, earlier.superseded_by_id) == (FileState.SUPERSEDED, Outcome.SUPERSEDED,
                                                                        new.pk)
    assert earlier.errors[0]["code"] == "SUPERSEDED" and str(DAY) in earlier.errors[0]["message"]
    assert earlier.reported_on is None and new.state == FileState.PENDING
    assert tar2.files[0].state == FileState.PENDING


def test_same_name_earlier_accepted_fails_as_duplicate_batch(folder: Path) -> None:
    receive(folder, [(REF, referral_bytes())])
    ReceivedFile.objects.update(state=FileState.ACCEPTED, processed_on=DAY)
    receive(folder, [(REF, referral_bytes(amount=250))], name="20251118-PDPLA-005920.tar")
    new = ReceivedFile.objects.order_by("seq").last()
    assert (new.state, new.outcome) == (FileState.FAILED, Outcome.DUPLICATE_BATCH)
    assert [e["code"] for e in new.errors] == ["DUPLICATE_BATCH"] and new.reported_on is None


def test_same_name_earlier_failed_is_the_corrected_resubmission(folder: Path) -> None:
    receive(folder, [(REF, referral_bytes())])
    ReceivedFile.objects.update(state=FileState.FAILED, outcome=Outcome.INVALID, processed_on=DAY)
    later = date(2025, 11, 20)
    result = receive(folder, [(REF, referral_bytes(amount=250))], day=later)  # keeps its earlier name (§48)
    assert result.accepted
    new = ReceivedFile.objects.order_by("seq").last()
    assert (new.state, new.name, new.received_on) == (FileState.PENDING, REF, later)


def test_resubmission_with_the_failed_bytes_again_is_processed(folder: Path) -> None:
    """§5.3: the earlier file failed, so the new one is the resubmission and is processed, even with the same
    bytes: nothing of a failed file is held, and what failed it may have been put right outside the file."""
    receive(folder, [(REF, referral_bytes())])
    ReceivedFile.objects.update(state=FileState.FAILED, outcome=Outcome.INVALID, processed_on=DAY)
    result = receive(folder, [(REF, referral_bytes())], day=date(2025, 11, 20))
    assert ReceivedFile.objects.order_by("seq").last().state == FileState.PENDING
    assert result.files[0].note == (f"the same bytes, processed again: the resubmission of the file received on "
                                    f"{DAY} that failed on {DAY}")


def test_the_same_bytes_as_an_accepted_file_are_ignored(folder: Path) -> None:
    receive(folder, [(REF, referral_bytes())])
    ReceivedFile.objects.update(state=FileState.ACCEPTED, processed_on=DAY)
    revision = build.file_bytes("LAREV", LA, DAY, [build.revision("HB/1", "AB123456C", 9)])
    result = receive(folder, [(REF, referral_bytes()), (REV, revision)])  # a second tar of the day
    assert ReceivedFile.objects.get(name=REF, seq=result_seq(REF)).state == FileState.IGNORED
    assert result.files[0].note == f"the same bytes as the file received on {DAY}, accepted on {DAY}"


def test_a_name_once_accepted_takes_no_other_bytes_even_after_a_duplicate_batch(folder: Path) -> None:
    """§5.3: failed, corrected and accepted, then sent twice more with other bytes: both fail as
    DUPLICATE_BATCH (the second is not "the resubmission" of the first's DUPLICATE_BATCH failure)."""
    days = [date(2025, 11, 18 + n) for n in range(4)]
    versions = [referral_bytes(amount=n + 1) for n in range(4)]
    decided = (FileState.FAILED, FileState.ACCEPTED, None, None)
    for day, data, state in zip(days, versions, decided, strict=True):
        receive(folder, [(REF, data)], day=day)
        if state is not None:
            ReceivedFile.objects.filter(state=FileState.PENDING).update(state=state, processed_on=day)
    rows = list(ReceivedFile.objects.order_by("seq").values_list("state", "outcome"))
    assert rows[2:] == [(FileState.FAILED, Outcome.DUPLICATE_BATCH)] * 2
    last = ReceivedFile.objects.order_by("seq").last()
    assert f"received on {days[1]} and accepted on {days[1]}" in last.errors[0]["message"]


def test_earlier_dated_member_whose_name_failed_only_as_a_duplicate_batch_is_refused(folder: Path) -> None:
    """§5.1: a DUPLICATE_BATCH failure is no failed file to resubmit: the name was used."""
    receive(folder, [(REF, referral_bytes())])
    ReceivedFile.objects.update(state=FileState.ACCEPTED, processed_on=DAY)
    receive(folder, [(REF, referral_bytes(amount=2))], name="20251118-PDPLA-005920.tar")
    later = date(2025, 11, 19)
    result = receive(folder, [(REF, referral_bytes(amount=3))], day=later)
    assert codes(result) == ["TAR_MEMBER_EARLIER_DATE"]


def test_intake_is_one_transaction(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(la_intake, "_supersede", broken)
    receive(folder, [(REF, referral_bytes())])
    with pytest.raises(RuntimeError):
        receive(folder, [(REF, referral_bytes(amount=7)), (REV, referral_bytes())], name="20251118-PDPLA-005920.tar")
    assert (ReceivedTar.objects.count(), ReceivedFile.objects.count()) == (1, 1)


def _tar_bytes(members: list[tuple[str, bytes]]) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.GNU_FORMAT) as archive:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return out.getvalue()


def _with_checksum(header: bytearray) -> bytearray:
    header[148:156] = b" " * 8
    header[148:156] = b"%06o\x00 " % sum(header[:512])
    return header


def _receive_bytes(folder: Path, data: bytes) -> la_intake.IntakeResult:
    path = folder / build.upload_name(LA, DAY)
    path.write_bytes(data)
    return receive_tar(path, received_on=DAY)


def _second_header_at(data: bytes) -> int:
    return 512 + (len(referral_bytes()) + 511) // 512 * 512


def test_refused_tar_unreadable_when_a_later_header_is_damaged(folder: Path) -> None:
    """§5.1-5.2: a tar whose second header is damaged is refused whole, not taken in with its first member
    only (tarfile stops there without a word): the revision after it would be lost."""
    data = bytearray(_tar_bytes([(REF, referral_bytes()), (REV, b"<x/>")]))
    data[_second_header_at(data) + 150] ^= 0x01  # one byte of the revision's header checksum
    result = _receive_bytes(folder, bytes(data))
    assert codes(result) == ["TAR_UNREADABLE"] and "is damaged" in result.problems[0].message
    assert not ReceivedFile.objects.exists() and ReceivedTar.objects.get().accepted is False


@pytest.mark.parametrize(("cut", "words"), [(300, "part way through a header"), (0, "without the end-of-archive")])
def test_refused_tar_unreadable_when_cut_short(folder: Path, cut: int, words: str) -> None:
    """§5.1-5.2: a tar cut short (in a header, or on a member's boundary with no end-of-archive block) may
    have lost members: refused, saying so."""
    data = _tar_bytes([(REF, referral_bytes()), (REV, b"<x/>")])
    result = _receive_bytes(folder, data[:_second_header_at(data) + cut])
    assert codes(result) == ["TAR_UNREADABLE"] and words in result.problems[0].message
    assert not ReceivedFile.objects.exists()


def test_refused_tar_unreadable_when_a_header_gives_a_negative_size(folder: Path) -> None:
    """§5.1: a member whose header gives a negative size (base-256) would have tarfile read the same header
    for ever; it is refused at once, naming the member."""
    tail = bytearray(tarfile.TarInfo(REV).tobuf(tarfile.GNU_FORMAT, "utf-8", "surrogateescape"))
    tail[124:136] = b"\xff" * 10 + b"\xfe\x00"  # -512
    data = _tar_bytes([(REF, referral_bytes())])
    end = _second_header_at(data)
    result = _receive_bytes(folder, data[:end] + bytes(_with_checksum(tail)) + bytes(1024))
    assert codes(result) == ["TAR_UNREADABLE"] and "-512 bytes" in result.problems[0].message


def test_refused_tar_unreadable_when_a_header_gives_an_impossible_size(folder: Path) -> None:
    """§5.1: a header claiming 2**70 bytes is refused with a message (tarfile raises OverflowError or
    ValueError there), and the refusal is recorded to be reported to the LA."""
    header = bytearray(tarfile.TarInfo(REF).tobuf(tarfile.GNU_FORMAT, "utf-8", "surrogateescape"))
    header[124:136] = b"\x80" + (2**70).to_bytes(11, "big")
    result = _receive_bytes(folder, bytes(_with_checksum(header)) + bytes(1024))
    assert "TAR_UNREADABLE" in codes(result) or "TAR_TOO_LARGE" in codes(result)
    assert ReceivedTar.objects.get().accepted is False


def test_tar_with_bytes_after_its_end_of_archive_block_is_taken_in(folder: Path) -> None:
    """Bytes after the end-of-archive blocks are ignored (as tar does): the tar is taken in."""
    result = _receive_bytes(folder, _tar_bytes([(REF, referral_bytes())]) + b"trailing padding")
    assert result.accepted and [f.name for f in result.files] == [REF]


def test_refused_tar_unreadable_when_another_tar_is_joined_on(folder: Path) -> None:
    """§5.2: two tars joined end to end would have the second's members lost without a word (tar stops at
    the first end-of-archive block): refused, saying so."""
    first = _tar_bytes([(REF, referral_bytes())])
    second = _tar_bytes([(REV, b"<x/>")])
    result = _receive_bytes(folder, first + second)
    assert codes(result) == ["TAR_UNREADABLE"] and "another tar follows" in result.problems[0].message


def test_refused_tar_unreadable_when_another_tar_is_joined_on_after_other_bytes(folder: Path) -> None:
    """The same with a block of other bytes between the two tars."""
    first = _tar_bytes([(REF, referral_bytes())])
    result = _receive_bytes(folder, first + b"x" * 512 + _tar_bytes([(REV, b"<x/>")]))
    assert codes(result) == ["TAR_UNREADABLE"] and "another tar follows" in result.problems[0].message


# ------------------------------------------------------------------------------------------------ refused tars


NEXT = date(2025, 11, 19)
REF_NEXT = build.file_name("LAREF", LA, NEXT)


def test_file_of_a_refused_tar_resent_in_a_later_tar_is_taken_in_as_the_resubmission_of_a_failed_file(
        folder: Path) -> None:
    """§5.1, circular §48: a tar refused whole is reported CORRUPT, so its files are failed files; the next
    day's tar carrying one again under its own name and earlier date is its resubmission, not refused as
    TAR_MEMBER_EARLIER_DATE, and the file is processed (§5.3: no file of its name was taken in)."""
    refused(folder, [(REF, referral_bytes()), ("notes.txt", b"hi")])
    resent = receive(folder, [(REF, referral_bytes()), (REF_NEXT, referral_bytes(NEXT))], day=NEXT)
    assert resent.accepted and codes(resent) == []
    assert [(f.name, f.state) for f in resent.files] == [(REF, FileState.PENDING), (REF_NEXT, FileState.PENDING)]
    assert resent.files[0].note == (f"the resubmission of {REF} of the tar {build.upload_name(LA, DAY)} "
                                    f"refused on {DAY}")
    assert ReceivedFile.objects.get(name=REF).received_on == NEXT


def test_file_of_a_refused_tar_resent_corrected_or_with_a_path_removed_is_its_resubmission(folder: Path) -> None:
    """§5.1, §48: the refused tar's files are failed files whatever was wrong with the tar: one sent with a
    path (TAR_MEMBER_PATH) is the LA's file of that name, sent again at the top of a later tar with other bytes."""
    refused(folder, [(f"out/{REF}", referral_bytes())])
    resent = receive(folder, [(REF, referral_bytes(amount=250))], day=NEXT)
    assert resent.accepted and [f.state for f in resent.files] == [FileState.PENDING]


def test_member_refused_for_its_own_earlier_date_is_no_failed_file_to_resend(folder: Path) -> None:
    """§5.1: a member dated before its refused tar (refused for its date, or not checked as it had a path) is
    no failed file of the LA's, nor one dated after its tar: sent again dated earlier still, it is refused
    again, so a refused tar never lets a file in under an earlier name."""
    earlier = date(2025, 11, 17)
    old = build.file_name("LAREF", LA, earlier)
    old_rev = build.file_name("LAREV", LA, earlier)
    later = build.file_name("LAREV", LA, NEXT)
    refused(folder, [(old, referral_bytes(earlier)), (f"sub/{old_rev}", b"<x/>"), (later, b"<x/>")])
    again = receive(folder, [(old, referral_bytes(earlier)), (old_rev, b"<x/>")], day=NEXT)
    assert codes(again) == ["TAR_MEMBER_EARLIER_DATE", "TAR_MEMBER_EARLIER_DATE"]
    third = receive(folder, [(later, b"<x/>")], day=date(2025, 11, 20))
    assert codes(third) == ["TAR_MEMBER_EARLIER_DATE"]


def test_file_of_a_refused_tar_taken_in_since_follows_the_same_name_rule(folder: Path) -> None:
    """§5.3 decides what becomes of the resent file once the refused tar's file was resent and accepted:
    the same bytes again are ignored, other bytes fail as DUPLICATE_BATCH."""
    refused(folder, [(REF, referral_bytes()), ("notes.txt", b"hi")])
    receive(folder, [(REF, referral_bytes())], day=NEXT)
    ReceivedFile.objects.update(state=FileState.ACCEPTED, processed_on=NEXT)
    later = date(2025, 11, 20)
    again = receive(folder, [(REF, referral_bytes(amount=7))], day=later)
    assert again.accepted and (again.files[0].state, ReceivedFile.objects.order_by("seq").last().outcome) == (
        FileState.FAILED, Outcome.DUPLICATE_BATCH)


def test_refused_tar_message_says_what_is_wrong_and_to_send_its_files_again_in_a_later_tar(folder: Path) -> None:
    """§4.3 (the Message says what is wrong and how to put it right), §5.1, §48: each problem of a refused tar
    names the member and what to do about it, and that nothing of the tar was taken in, so its files are to
    be sent again in a later tar under their own names and dates; the notice carries the same message."""
    result = refused(folder, [(REF, referral_bytes()), ("notes.txt", b"hi")])
    [problem] = result.problems
    assert problem.message.startswith("'notes.txt' is not the name of an inbound file")
    assert "leave it out of the tar" in problem.message
    assert ("nothing in this tar was taken in: send its files again, put right, in a later tar, each under its "
            "own name and date (circular §48)") in problem.message
    outbound_step(DAY)
    notice = next((get_config().archive_dir / "outbound" / LA).glob("*-DMREJ-*.xml")).read_text()
    assert "send its files again, put right, in a later tar" in notice


def test_the_same_refused_tar_again_is_a_repeat_when_its_problems_are_the_same_codes_and_members(
        folder: Path) -> None:
    """The same tar again is a repeat when it would be refused for the same problems (the same codes, of
    the same members), whatever wording an earlier release gave them."""
    members = [(REF, referral_bytes()), ("notes.txt", b"hi")]
    refused(folder, members)
    ReceivedTar.objects.update(problems=[{"code": "TAR_MEMBER_NAME", "message": "older words", "member": "notes.txt"}])
    assert receive(folder, members).repeat and ReceivedTar.objects.count() == 1


def test_an_interrupted_keep_leaves_no_copy_under_a_temporary_name(data_dir: Path, tmp_path: Path) -> None:
    """guide/engineering.md: "write to a temporary name, then rename; never leave half a file"; README: an
    interruption rolls back what the command had under way. A Ctrl-C while a received file is being copied into
    the archive removes the temporary copy; one left by a process killed outright (which cannot remove it) is
    removed by the next keep; a copy kept whole is unchanged."""
    import os
    import subprocess

    source = tmp_path / "member"
    source.write_bytes(b"x" * (3 << 20))

    class Interrupted:
        def __init__(self) -> None:
            self.reads = 0

        def open(self, mode: str) -> io.BufferedReader:
            real = source.open(mode)
            outer = self

            class Reader(io.BufferedReader):
                def read(self, size: int | None = -1) -> bytes:
                    outer.reads += 1
                    if outer.reads == 2:
                        raise KeyboardInterrupt
                    return real.read(size)

            return Reader(io.BytesIO())

    with pytest.raises(KeyboardInterrupt):
        la_intake.keep_file(Interrupted())  # type: ignore[arg-type]
    area = get_config().archive_dir / "la"
    assert [p for p in area.rglob("*") if p.is_file()] == []
    ended = subprocess.Popen(["true"])
    ended.wait()
    (area / f".tmp-{ended.pid}-left").write_bytes(b"half")
    sha256, size, _ = la_intake.keep_file(source)
    assert size == 3 << 20 and [p.name for p in area.rglob("*") if p.is_file()] == [sha256]
    assert la_intake.keep_bytes(b"small")[0] == hashlib.sha256(b"small").hexdigest()
    assert not [p for p in area.rglob(".tmp-*")] and os.path.exists(area / sha256[:2] / sha256)


def completed_run(day: date) -> None:
    RunDay.objects.create(run_date=day, completed=True)


def test_received_date_on_or_before_the_last_completed_run_is_refused(folder: Path) -> None:
    """§4.1 (ReferralReceivedDate: when DMS received the referral), §6.4 (order by the oldest received date):
    a tar taken in after the run of a date has completed was not there for that run, so it cannot have been
    received on or before that date; refused with what, why and how to fix, and nothing kept or recorded."""
    completed_run(DAY + timedelta(days=3))
    path = build.write_tar(folder / build.upload_name(LA, DAY), [(REF, referral_bytes())])
    for on in (DAY, DAY + timedelta(days=3)):
        with pytest.raises(DmsError) as refused_date:
            receive_tar(path, received_on=on)
        assert str(refused_date.value) == (
            f"the received date {on} is on or before 2025-11-21, the last completed daily run: "
            f"{path.name} was not there for that run, so it cannot have been received then (its referrals would "
            "be recorded as received, and recovered, ahead of those that came earlier: spec §4.1, §6.4); nothing "
            "was taken in: give the date it was really received, 2025-11-22 or later")
    assert (ReceivedTar.objects.count(), ReceivedFile.objects.count()) == (0, 0)
    assert not (get_config().archive_dir / "la").exists() or not any((get_config().archive_dir / "la").iterdir())
    taken = receive_tar(path, received_on=DAY + timedelta(days=4))
    assert taken.accepted and ReceivedFile.objects.get().received_on == DAY + timedelta(days=4)


def test_received_date_before_the_tars_own_date_is_refused(folder: Path) -> None:
    """§4.1, §5.1: a tar is not received before its own date (the date in its name, its files' creation
    date); refused, nothing taken in. On its own date or later it is taken in."""
    path = build.write_tar(folder / build.upload_name(LA, DAY), [(REF, referral_bytes())])
    with pytest.raises(DmsError) as refused_date:
        receive_tar(path, received_on=DAY - timedelta(days=2))
    assert str(refused_date.value) == (
        f"the received date 2025-11-16 is before the date of {path.name}, 2025-11-18 (the date its files were "
        "created): a tar cannot be received before it was made; nothing was taken in: give the date it was "
        "really received, 2025-11-18 or later")
    assert ReceivedTar.objects.count() == 0
    assert receive_tar(path, received_on=DAY).accepted


def test_received_date_before_the_tars_own_date_and_its_run_names_the_first_date_that_may_be_right(
        folder: Path) -> None:
    """Both rules at once: the fix names the first date both allow."""
    completed_run(DAY + timedelta(days=1))
    path = build.write_tar(folder / build.upload_name(LA, DAY), [(REF, referral_bytes())])
    with pytest.raises(DmsError, match=r"before the date of .*; nothing was taken in: give the date it was really "
                       r"received, 2025-11-20 or later$"):
        receive_tar(path, received_on=DAY - timedelta(days=1))


def test_default_received_date_after_its_run_has_completed_is_the_next_run_date(folder: Path) -> None:
    """§4.1, §6.4 (docs/la-interface-notes.md "Received date"): with no date given, a tar's own date, unless
    the run of that date has completed: then the day after the last completed run, the next run's date, on
    which its files are processed."""
    assert la_intake.default_received_date(DAY) == la_intake.ReceivedDate(DAY)
    completed_run(DAY - timedelta(days=1))
    assert la_intake.default_received_date(DAY) == la_intake.ReceivedDate(DAY)
    completed_run(DAY)
    assert la_intake.default_received_date(DAY) == la_intake.ReceivedDate(DAY + timedelta(days=1), DAY)
    completed_run(DAY + timedelta(days=3))
    assert la_intake.default_received_date(DAY) == la_intake.ReceivedDate(DAY + timedelta(days=4),
                                                                          DAY + timedelta(days=3))


def test_a_tar_keeps_the_last_run_completed_when_it_was_received_and_a_tar_kept_before_the_day_before(
        folder: Path) -> None:
    """docs/la-interface-notes.md "A return the LA could not have known of" (Decision): the LA had the bundles
    of the runs completed when DMS received its tar, so the tar keeps the last of them (none before the first
    run). A tar taken in by an earlier release is given, on upgrade, the day before its received date: the
    latest that run can have been (the received date is after it, "A received date that cannot be right")."""
    import importlib

    from django.apps import apps

    first = receive(folder, [(build.file_name("LAREC", LA, DAY), build.file_bytes("LAREC", LA, DAY, []))])
    RunDay.objects.create(run_date=DAY, completed=True)
    later = DAY + timedelta(days=7)
    receive(folder, [(build.file_name("LAREC", LA, later), build.file_bytes("LAREC", LA, later, []))], day=later)
    tars = ReceivedTar.objects.order_by("pk")
    assert [(t.received_on, t.runs_completed_through) for t in tars] == [(DAY, None), (later, DAY)]
    assert first.accepted
    migration = importlib.import_module("dms.store.la.migrations.0005_tar_runs_completed_through")
    ReceivedTar.objects.filter(received_on=later).update(runs_completed_through=None)  # kept before the field
    migration.day_before_received(apps, None)
    assert [(t.received_on, t.runs_completed_through) for t in tars.all()] == [
        (DAY, DAY - timedelta(days=1)), (later, later - timedelta(days=1))]
