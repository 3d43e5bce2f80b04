"""The outbound writers (hb-debt-interface.md §1, §2, §4.1, §4.3, §7): each file is valid against its own
XSD (checked with lxml and with xmllint, the tool an LA supplier would use), carries the §2 header, every
error of every failed file, money as "1234.56"; and the daily bundle is a deterministic plain tar."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tarfile
from datetime import date
from pathlib import Path

import pytest
from lxml import etree

from dms.la_interface.names import MessageType
from dms.la_interface.outbound import (
    MAX_MONEY_PENCE,
    CessationRecord,
    ErrorRecord,
    FailedFileRecord,
    OutboundError,
    bundle_mtime,
    bundle_name,
    cessations_that_fit,
    write_bundle,
    write_cessation_file,
    write_failure_notice,
    xml_text,
)
from dms.la_interface.schemas import schema, xsd_path

NS = "{urn:dms:hb-debt:1}"
LA = "005920"
DAY = date(2025, 12, 1)
SHA = hashlib.sha256(b"x").hexdigest()


def xmllint(kind: MessageType, path: Path) -> None:
    """Validate with the independent validator; skipped only where xmllint is not installed (CI installs it,
    so there it must run)."""
    tool = shutil.which("xmllint")
    if tool is None:
        if os.environ.get("CI"):
            pytest.fail("xmllint is not installed but CI must run it (apt-get install libxml2-utils)")
        pytest.skip("xmllint is not installed (apt-get install libxml2-utils)")
    result = subprocess.run([tool, "--noout", "--schema", str(xsd_path(kind)), str(path)], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def valid(kind: MessageType, path: Path) -> etree._Element:
    document = etree.parse(str(path))
    checker = schema(kind)
    assert checker.validate(document), checker.error_log
    xmllint(kind, path)
    return document.getroot()


def cessation(ref: str, balance: int, recovered: int = 0, reason: str = "LA_RECALL") -> CessationRecord:
    return CessationRecord(ref, "AB123456C", date(2025, 11, 3), date(2025, 11, 28), reason, balance, recovered)


def test_cessation_file_header_total_is_the_sum_of_balance_returned(tmp_path: Path) -> None:
    written = write_cessation_file(tmp_path, LA, DAY, [cessation("HB/1", 41_250, 6_002),
                                                      cessation("HB-2", 0, 10_000, "DEATH"),
                                                      cessation("HB3", 5, 0, "NO_BENEFIT_IN_PAYMENT")])
    assert written.name == "20251201-DMCES-005920.xml" and written.path == tmp_path / written.name
    root = valid(MessageType.CESSATION, written.path)
    header = root.find(f"{NS}Header")
    assert [(c.tag.removeprefix(NS), c.text) for c in header] == [
        ("BatchID", "20251201-DMCES-005920"), ("LAID", LA), ("CreationDate", "2025-12-01"),
        ("RecordCount", "3"), ("TotalAmount", "412.55")]
    first = root.find(f"{NS}Cessation")
    assert [(c.tag.removeprefix(NS), c.text) for c in first] == [
        ("DebtRef", "HB/1"), ("NINO", "AB123456C"), ("ReferralReceivedDate", "2025-11-03"),
        ("CessationDate", "2025-11-28"), ("Reason", "LA_RECALL"), ("BalanceReturned", "412.50"),
        ("AmountRecovered", "60.02")]
    assert (written.record_count, written.total_pence) == (3, 41_255)
    assert written.sha256 == hashlib.sha256(written.path.read_bytes()).hexdigest()


def test_cessation_file_refuses_a_negative_balance_and_an_unknown_reason(tmp_path: Path) -> None:
    with pytest.raises(OutboundError, match="BalanceReturned of HB/1"):
        write_cessation_file(tmp_path, LA, DAY, [cessation("HB/1", -1)])
    with pytest.raises(OutboundError, match="cessation reason"):
        write_cessation_file(tmp_path, LA, DAY, [cessation("HB/1", 1, reason="BORED")])
    assert not (tmp_path / "20251201-DMCES-005920.xml").exists()
    assert [p for p in tmp_path.iterdir() if p.name.startswith(".tmp-")] == []


def test_cessation_file_is_never_written_empty(tmp_path: Path) -> None:
    with pytest.raises(OutboundError, match="no record"):
        write_cessation_file(tmp_path, LA, DAY, [])
    assert list(tmp_path.iterdir()) == []


def notice_records() -> list[FailedFileRecord]:
    return [
        FailedFileRecord("20251128-LAREF-005920.xml", SHA, date(2025, 11, 28), "INVALID", (
            ErrorRecord("COUNT_MISMATCH", "RecordCount says 3 but the file has 2 records", 5),
            ErrorRecord("BAD_NINO", "NINO 'DA123456C': D is not a valid first letter", 9, "HB/7", "NINO"),
            ErrorRecord("PERIOD_REVERSED", "PeriodStart is after PeriodEnd <&> fix it", 14, "HB/8",
                        "Overpayment[2]/PeriodEnd"),
        )),
        FailedFileRecord("20251128-LAREV-005920.xml", SHA, date(2025, 11, 28), "CORRUPT", (
            ErrorRecord("NOT_WELL_FORMED", "Premature end of data\x01 in tag Revision", 4),
        )),
        FailedFileRecord("20251129-PDPLA-005920.tar", SHA, date(2025, 11, 29), "CORRUPT", (
            ErrorRecord("TAR_MEMBER_PATH", "member '../x.xml' has a path", 0),
            ErrorRecord("TAR_NOT_REGULAR_FILE", "member 'y' is a symbolic link", 0),
        )),
    ]


def test_failure_notice_lists_every_error_of_every_failed_file(tmp_path: Path) -> None:
    written = write_failure_notice(tmp_path, LA, DAY, notice_records())
    assert written.name == "20251201-DMREJ-005920.xml"
    root = valid(MessageType.FAILURE_NOTICE, written.path)
    header = root.find(f"{NS}Header")
    assert [(c.tag.removeprefix(NS), c.text) for c in header] == [
        ("BatchID", "20251201-DMREJ-005920"), ("LAID", LA), ("CreationDate", "2025-12-01"), ("RecordCount", "3")]
    files = root.findall(f"{NS}FailedFile")
    assert [f.findtext(f"{NS}FileName") for f in files] == [
        "20251128-LAREF-005920.xml", "20251128-LAREV-005920.xml", "20251129-PDPLA-005920.tar"]
    assert [f.findtext(f"{NS}Outcome") for f in files] == ["INVALID", "CORRUPT", "CORRUPT"]
    assert files[0].findtext(f"{NS}ReceivedDate") == "2025-11-28" and files[0].findtext(f"{NS}SHA256") == SHA
    errors = [[(e.findtext(f"{NS}Code"), e.findtext(f"{NS}Line"), e.findtext(f"{NS}DebtRef"),
                e.findtext(f"{NS}Field")) for e in f.findall(f"{NS}Error")] for f in files]
    assert errors == [
        [("COUNT_MISMATCH", "5", None, None), ("BAD_NINO", "9", "HB/7", "NINO"),
         ("PERIOD_REVERSED", "14", "HB/8", "Overpayment[2]/PeriodEnd")],
        [("NOT_WELL_FORMED", "4", None, None)],
        [("TAR_MEMBER_PATH", "0", None, None), ("TAR_NOT_REGULAR_FILE", "0", None, None)],
    ]
    assert files[0].findall(f"{NS}Error")[2].findtext(f"{NS}Message") == "PeriodStart is after PeriodEnd <&> fix it"
    assert files[1].find(f"{NS}Error").findtext(f"{NS}Message") == "Premature end of data\\x01 in tag Revision"


def test_failure_notice_refuses_a_failed_file_without_errors(tmp_path: Path) -> None:
    with pytest.raises(OutboundError, match="no error"):
        write_failure_notice(tmp_path, LA, DAY, [FailedFileRecord("a.xml", SHA, DAY, "INVALID", ())])
    with pytest.raises(OutboundError, match="outcome"):
        write_failure_notice(tmp_path, LA, DAY, [FailedFileRecord("a.xml", SHA, DAY, "BROKEN",
                                                                  (ErrorRecord("SCHEMA", "x", 1),))])


def test_xml_text_escapes_markup_and_characters_xml_forbids() -> None:
    assert xml_text("a<b>&c\x00\x1f\ud800") == "a&lt;b&gt;&amp;c\\x00\\x1f\\ud800"
    assert xml_text("Núñez\t\n") == "Núñez\t\n"


def test_bundle_is_a_deterministic_plain_tar_of_sorted_members(tmp_path: Path) -> None:
    files = tmp_path / "files"
    cessations = write_cessation_file(files, LA, DAY, [cessation("HB/1", 100)])
    notice = write_failure_notice(files, LA, DAY, notice_records())
    first = write_bundle(tmp_path / "a", DAY, LA, [notice.path, cessations.path])
    second = write_bundle(tmp_path / "b", DAY, LA, [cessations.path, notice.path])
    assert first.name == bundle_name(DAY, LA) == "20251201-PDPDM-005920.tar"
    assert first.path.read_bytes() == second.path.read_bytes() and first.sha256 == second.sha256
    with tarfile.open(first.path, mode="r:") as archive:
        members = archive.getmembers()
        assert [m.name for m in members] == ["20251201-DMCES-005920.xml", "20251201-DMREJ-005920.xml"]
        assert all(m.isreg() and m.mtime == bundle_mtime(DAY) and (m.uid, m.gid) == (0, 0) and m.uname == ""
                   and m.mode == 0o644 for m in members)
        assert archive.extractfile(members[0]).read() == cessations.path.read_bytes()
    assert bundle_mtime(DAY) == 1764547200  # 2025-12-01T00:00:00Z
    assert first.path.read_bytes()[257:262] == b"ustar"
    assert [p.name for p in (tmp_path / "a").iterdir()] == [first.name]


def test_bundle_refuses_no_members_and_repeated_names(tmp_path: Path) -> None:
    with pytest.raises(OutboundError):
        write_bundle(tmp_path, DAY, LA, [])
    one = tmp_path / "x" / "20251201-DMCES-005920.xml"
    two = tmp_path / "y" / "20251201-DMCES-005920.xml"
    for path in (one, two):
        path.parent.mkdir()
        path.write_bytes(b"<a/>")
    with pytest.raises(OutboundError, match="repeated"):
        write_bundle(tmp_path, DAY, LA, [one, two])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x", "y"]  # nothing half-written left


def test_bundle_written_atomically_clears_the_temporary_files_a_killed_run_left(tmp_path: Path) -> None:
    """hb-debt-interface.md §7 (outbound files written atomically into the LA's outbox): a run killed while
    writing leaves its temporary file; the next write removes those of processes no longer running (and of
    the old unnamed form), never one a running process is writing."""
    files = tmp_path / "files"
    cessations = write_cessation_file(files, LA, DAY, [cessation("HB/1", 100)])
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    dead = subprocess.Popen(["true"])  # a process that has ended
    dead.wait()
    (outbox / f".tmp-{dead.pid}-abc.tar").write_bytes(b"")
    (outbox / ".tmp-q3m7zhyc.tar").write_bytes(b"")
    alive = outbox / f".tmp-{os.getpid()}-def.tar"
    alive.write_bytes(b"")
    written = write_bundle(outbox, DAY, LA, [cessations.path])
    assert sorted(p.name for p in outbox.iterdir()) == sorted([written.name, alive.name])


def test_outbound_file_not_matching_its_schema_is_not_sent(tmp_path: Path) -> None:
    from dms.la_interface.outbound import check_valid

    good = write_cessation_file(tmp_path, LA, DAY, [cessation("HB/1", 100)])
    check_valid(MessageType.CESSATION, good.path)
    bad = write_cessation_file(tmp_path / "bad", LA, DAY, [cessation("A DEBT REF FAR TOO LONG FOR §2", 100)])
    with pytest.raises(OutboundError, match="line 4: .*DebtRef"):
        check_valid(MessageType.CESSATION, bad.path)


def test_cessations_that_fit_keep_the_files_total_amount_within_the_schema() -> None:
    """hb-debt-interface.md §2: TotalAmount at most 99999999.99; in the file's order, stopping at the first
    cessation that would pass it (the rest wait for the next run), and never an empty file."""
    most = MAX_MONEY_PENCE
    assert cessations_that_fit([(1, 60_000_000_00), (2, 30_000_000_00), (3, 20_000_000_00), (4, 1)]) == [1, 2]
    assert cessations_that_fit([(1, most), (2, 1)]) == [1]
    assert cessations_that_fit([(1, most - 1), (2, 1), (3, 1)]) == [1, 2]
    assert cessations_that_fit([(7, 5)], carried_pence=most - 4) == [] and cessations_that_fit([]) == []
    assert cessations_that_fit([(7, most + 1)]) == [7]  # one alone is sent (and refused by its writer)


def test_outbound_files_get_the_mode_a_new_file_has_so_another_user_can_collect_them(tmp_path: Path) -> None:
    """hb-debt-interface.md §7 (the LA collects its bundles): files written through a private temporary file
    end with the mode ``open()`` would give (0o666 less the umask), not 0o600."""
    import os

    from dms.la_interface.outbound import copy_atomically, file_mode

    source = tmp_path / "a.tar"
    source.write_bytes(b"x")
    target = tmp_path / "out" / "a.tar"
    old = os.umask(0o022)
    try:
        copy_atomically(source, target)
        assert file_mode() == 0o644 and (target.stat().st_mode & 0o777) == 0o644
    finally:
        os.umask(old)
