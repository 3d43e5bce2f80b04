"""The outbound step (hb-debt-interface.md §1, §4, §7): per LA and run date, the day's cessations, failure
notice and month's payment schedule bundled in ``D-PDPDM-AAAAAA.tar`` in the LA's outbox (30 days) and the
archive (for ever); reported once; idempotent with deterministic bytes."""

from __future__ import annotations

import hashlib
import tarfile
import zlib
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from la_files import receive, received
from lxml import etree
from test_payments_book import debt, la, person, recover

from dms.la_interface import build
from dms.la_interface.names import MessageType
from dms.la_interface.schemas import schema
from dms.services import debts as debt_services
from dms.services import payments
from dms.services.la_outbound import archive_dir, in_outbox, outbound_step, outbox_dir
from dms.store.la.models import (
    Cessation,
    FileState,
    OutboundBundle,
    OutboundFile,
    Outcome,
    ReceivedFile,
    ReceivedTar,
)

pytestmark = pytest.mark.django_db
NS = "{urn:dms:hb-debt:1}"
LA = "005920"
OTHER = "000123"
D = date(2025, 11, 18)
NOV_RUN = date(2025, 12, 1)  # first working day of December 2025: November's schedules


@pytest.fixture(autouse=True)
def committed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test runs in a transaction that is never committed, so what waits for the commit (a bundle going
    into the LA's outbox) is done at once here; :func:`test_a_bundle_goes_into_the_outbox_only_once_its_run_
    has_committed` checks the wait itself."""
    monkeypatch.setattr("dms.services.la_outbound._after_commit", lambda action: action())


@pytest.fixture
def folder(data_dir: Path) -> Path:
    path = data_dir / "incoming"
    path.mkdir()
    return path


def members(tar_path: Path) -> dict[str, bytes]:
    with tarfile.open(tar_path, mode="r:") as archive:
        return {m.name: archive.extractfile(m).read() for m in archive.getmembers()}


def parsed(kind: MessageType, data: bytes) -> etree._Element:
    root = etree.fromstring(data)
    checker = schema(kind)
    assert checker.validate(root), checker.error_log
    return root


def bundle_path(la_id: str, day: date) -> Path:
    return outbox_dir(la_id) / f"{day:%Y%m%d}-PDPDM-{la_id}.tar"


def returned(council, ref: str, day: date, amount: int = 10_000, recovered: int = 0, reason: str = "LA_RECALL"):
    owed = debt(person(f"AB{zlib.crc32(ref.encode()) % 1_000_000:06d}C"), council, ref, amount)
    if recovered:
        recover(owed, recovered, day - timedelta(days=1))
    debt_services.return_debt(owed, reason, business_date=day, actor="test")
    return owed


def test_outbound_cessations_are_reported_once_in_the_day_bundle(data_dir: Path) -> None:
    council = la(LA)
    returned(council, "HB/1", D, 41_250, recovered=6_002)
    returned(council, "HB/2", D, 5_000, reason="DEATH")
    returned(council, "HB/3", D + timedelta(days=1), 700)  # ceases tomorrow: tomorrow's file
    summary = outbound_step(D)
    assert summary == {"bundles": 1, "cessations": 2, "failed_files": 0, "schedules": 0, "removed_from_outbox": 0}
    tar = members(bundle_path(LA, D))
    assert list(tar) == ["20251118-DMCES-005920.xml"]
    root = parsed(MessageType.CESSATION, tar["20251118-DMCES-005920.xml"])
    header = {c.tag.removeprefix(NS): c.text for c in root.find(f"{NS}Header")}
    assert header == {"BatchID": "20251118-DMCES-005920", "LAID": LA, "CreationDate": "2025-11-18",
                      "RecordCount": "2", "TotalAmount": "402.48"}
    rows = [{c.tag.removeprefix(NS): c.text for c in r} for r in root.findall(f"{NS}Cessation")]
    assert [(r["DebtRef"], r["Reason"], r["BalanceReturned"], r["AmountRecovered"], r["CessationDate"])
            for r in rows] == [("HB/1", "LA_RECALL", "352.48", "60.02", "2025-11-18"),
                               ("HB/2", "DEATH", "50.00", "0.00", "2025-11-18")]
    assert set(Cessation.objects.values_list("debt_ref", "reported_on")) == {
        ("HB/1", D), ("HB/2", D), ("HB/3", None)}
    [file] = OutboundFile.objects.all()
    bundle = OutboundBundle.objects.get()
    assert (file.name, file.kind, file.run_date, file.bundle_id) == ("20251118-DMCES-005920.xml", "DMCES", D,
                                                                     bundle.pk)
    assert bundle.name == "20251118-PDPDM-005920.tar"
    assert bundle.sha256 == hashlib.sha256(bundle_path(LA, D).read_bytes()).hexdigest()

    tomorrow = outbound_step(D + timedelta(days=1))
    assert (tomorrow["bundles"], tomorrow["cessations"]) == (1, 1)
    later = members(bundle_path(LA, D + timedelta(days=1)))["20251119-DMCES-005920.xml"]
    assert [r.findtext(f"{NS}DebtRef") for r in parsed(MessageType.CESSATION, later).findall(f"{NS}Cessation")] \
        == ["HB/3"]
    assert outbound_step(D + timedelta(days=2))["bundles"] == 0  # nothing to say: no tar
    assert not bundle_path(LA, D + timedelta(days=2)).exists()


def cessation_rows(la_id: str, day: date) -> tuple[dict[str, str | None], list[str | None]]:
    """The header and the DebtRefs of the LA's cessation file of ``day``."""
    data = members(bundle_path(la_id, day))[f"{day:%Y%m%d}-DMCES-{la_id}.xml"]
    root = parsed(MessageType.CESSATION, data)
    header = {c.tag.removeprefix(NS): c.text for c in root.find(f"{NS}Header")}
    return header, [r.findtext(f"{NS}DebtRef") for r in root.findall(f"{NS}Cessation")]


def test_a_days_cessations_past_the_total_a_file_may_say_go_into_the_next_runs_file(data_dir: Path) -> None:
    """§2: TotalAmount is at most 99999999.99, and an LA has one cessation file a day (§1): the day's file
    carries the cessations, in its order, while their total fits; the rest wait for the next run's file.
    The run completes, and the date run again gives the same file."""
    council, other = la(LA), la(OTHER)
    for ref in ("BIG/1", "BIG/2", "BIG/3"):
        returned(council, ref, D, 40_000_000_00)
    returned(other, "HB/1", D, 60_000_000_00)
    returned(council, "HB/9", D + timedelta(days=1), 1_000)
    assert outbound_step(D)["cessations"] == 3
    header, refs = cessation_rows(LA, D)
    assert (header["RecordCount"], header["TotalAmount"], refs) == ("2", "80000000.00", ["BIG/1", "BIG/2"])
    assert cessation_rows(OTHER, D)[1] == ["HB/1"]
    first = bundle_path(LA, D).read_bytes()
    assert outbound_step(D)["cessations"] == 3  # the date run again: the same files, nothing more
    assert bundle_path(LA, D).read_bytes() == first
    nextday = D + timedelta(days=1)
    outbound_step(nextday)
    header, refs = cessation_rows(LA, nextday)
    assert (header["TotalAmount"], refs) == ("40000010.00", ["BIG/3", "HB/9"])
    assert not Cessation.objects.filter(reported_on__isnull=True).exists()


def test_outbound_cessation_missed_by_a_day_without_a_run_goes_in_the_next_run(data_dir: Path) -> None:
    council = la(LA)
    returned(council, "HB/1", D - timedelta(days=3), 1_000)
    assert outbound_step(D)["cessations"] == 1
    assert Cessation.objects.get().reported_on == D


def test_outbound_failure_notice_carries_every_error_of_every_failed_file(data_dir: Path, folder: Path) -> None:
    la(LA)
    errors = [
        {"code": "COUNT_MISMATCH", "message": "RecordCount says 2 but the file has 1 record", "line": 5,
         "debt_ref": None, "field": None},
        {"code": "BAD_NINO", "message": "NINO 'DA123456C': D may not be a prefix letter", "line": 9,
         "debt_ref": "HB/1", "field": "NINO"},
        {"code": "TOTAL_MISMATCH", "message": "Total 1.00 is not the sum 412.50 of the overpayments", "line": 17,
         "debt_ref": "HB/1", "field": "Total"},
    ]
    failed = received(folder, "LAREF", [build.referral("HB/1", "AB123456C", 41_250)], day=D - timedelta(days=1))
    ReceivedFile.objects.filter(pk=failed.pk).update(state=FileState.FAILED, outcome=Outcome.INVALID,
                                                     errors=errors, processed_on=D - timedelta(days=1))
    pending = received(folder, "LAREV", [build.revision("HB/1", "AB123456C", 500)], day=D)
    assert pending.state == FileState.PENDING
    summary = outbound_step(D)
    assert (summary["bundles"], summary["failed_files"]) == (1, 1)
    tar = members(bundle_path(LA, D))
    root = parsed(MessageType.FAILURE_NOTICE, tar["20251118-DMREJ-005920.xml"])
    assert root.find(f"{NS}Header").findtext(f"{NS}RecordCount") == "1"
    [reported] = root.findall(f"{NS}FailedFile")
    assert (reported.findtext(f"{NS}FileName"), reported.findtext(f"{NS}SHA256"),
            reported.findtext(f"{NS}ReceivedDate"), reported.findtext(f"{NS}Outcome")) == (
        "20251117-LAREF-005920.xml", failed.sha256, "2025-11-17", "INVALID")
    assert [{c.tag.removeprefix(NS): c.text for c in e} for e in reported.findall(f"{NS}Error")] == [
        {"Code": "COUNT_MISMATCH", "Message": errors[0]["message"], "Line": "5"},
        {"Code": "BAD_NINO", "Message": errors[1]["message"], "Line": "9", "DebtRef": "HB/1", "Field": "NINO"},
        {"Code": "TOTAL_MISMATCH", "Message": errors[2]["message"], "Line": "17", "DebtRef": "HB/1",
         "Field": "Total"}]
    assert ReceivedFile.objects.get(pk=failed.pk).reported_on == D
    assert ReceivedFile.objects.get(pk=pending.pk).reported_on is None
    assert outbound_step(D + timedelta(days=1))["failed_files"] == 0  # reported once


def test_outbound_superseded_file_and_refused_tar_are_reported(data_dir: Path, folder: Path) -> None:
    la(LA)
    name = build.file_name("LAREF", LA, D)
    first = build.file_bytes("LAREF", LA, D, [build.referral("HB/1", "AB123456C", 41_250)])
    second = build.file_bytes("LAREF", LA, D, [build.referral("HB/1", "AB123456C", 41_000)])
    assert receive(folder, [(name, first)]).accepted
    assert receive(folder, [(name, second)]).accepted  # replaces the first before it was processed (§5.3)
    refused = receive(folder, [("../" + name, first)], name=build.upload_name(LA, D + timedelta(days=1)),
                      day=D + timedelta(days=1))
    assert not refused.accepted
    assert ReceivedFile.objects.filter(state=FileState.SUPERSEDED).count() == 1
    summary = outbound_step(D + timedelta(days=1))
    root = parsed(MessageType.FAILURE_NOTICE,
                  members(bundle_path(LA, D + timedelta(days=1)))["20251119-DMREJ-005920.xml"])
    found = [(f.findtext(f"{NS}FileName"), f.findtext(f"{NS}Outcome"),
              [(e.findtext(f"{NS}Code"), e.findtext(f"{NS}Line")) for e in f.findall(f"{NS}Error")])
             for f in root.findall(f"{NS}FailedFile")]
    tar_row = ReceivedTar.objects.get(accepted=False)
    expected_tar = (tar_row.name, "CORRUPT", [(p["code"], "0") for p in tar_row.problems])
    assert expected_tar in found and expected_tar[2] and all(c.startswith("TAR_") for c, _ in expected_tar[2])
    assert (name, "SUPERSEDED", [("SUPERSEDED", "0")]) in found
    assert len(found) == 2
    assert summary["failed_files"] == len(found)
    assert ReceivedTar.objects.get(accepted=False).reported_on == D + timedelta(days=1)


def test_outbound_refused_tar_of_an_unregistered_la_waits_for_its_registration(data_dir: Path,
                                                                               folder: Path) -> None:
    name = build.file_name("LAREF", OTHER, D)
    data = build.file_bytes("LAREF", OTHER, D, [build.referral("HB/1", "AB123456C", 1_000)])
    assert not receive(folder, [(name, data)], la_id=OTHER).accepted
    assert outbound_step(D)["bundles"] == 0 and ReceivedTar.objects.get().reported_on is None
    la(OTHER)
    assert outbound_step(D + timedelta(days=1))["failed_files"] == 1
    root = parsed(MessageType.FAILURE_NOTICE,
                  members(bundle_path(OTHER, D + timedelta(days=1)))["20251119-DMREJ-000123.xml"])
    assert [e.findtext(f"{NS}Code") for e in root.iter(f"{NS}Error")] == ["TAR_UNKNOWN_LA"]
    # §4.3: the message says what the LA can do about it, one thing (send the tar again), and no staff command
    [message] = [e.findtext(f"{NS}Message") for e in root.iter(f"{NS}Error")]
    assert message.endswith(f"ask DMS to register LA {OTHER} if it has not told you it has, then send the tar again")
    assert "dms la add" not in message and "later tar" not in message


def test_refused_tar_replaced_by_a_tar_of_its_name_taken_in_before_it_is_reported_is_not_reported(
        data_dir: Path, folder: Path) -> None:
    """§4.3 (a notice says how to put it right), §5: a refused tar, then the tar put right under the same name
    (other bytes, received the next day) taken in before any run reports the refusal: its files are being
    processed, so no notice tells the LA to send them again; the intake names the refusal it replaces."""
    la(LA)
    name = build.file_name("LAREF", LA, D)
    data = build.file_bytes("LAREF", LA, D, [build.referral("HB/1", "AB123456C", 10_000)])
    (folder / "a").mkdir(), (folder / "b").mkdir()
    refused = receive(folder / "a", [(name, data), ("notes.txt", b"hi")])
    assert not refused.accepted and refused.replaces == []
    taken = receive(folder / "b", [(name, data)], day=D + timedelta(days=1), name=build.upload_name(LA, D))
    assert taken.accepted and taken.replaces == [D]
    assert outbound_step(D)["failed_files"] == 0 and not bundle_path(LA, D).exists()
    assert outbound_step(D + timedelta(days=1))["failed_files"] == 0
    assert ReceivedTar.objects.get(accepted=False).reported_on is None


def test_refused_tar_already_reported_stays_reported_when_a_tar_of_its_name_is_taken_in_since(
        data_dir: Path, folder: Path) -> None:
    """§5 (nothing is withdrawn): a refusal a run has reported stays in that date's notice, the same bytes
    when the date is run again, and a tar of its name taken in afterwards replaces no refusal."""
    la(LA)
    name = build.file_name("LAREF", LA, D)
    data = build.file_bytes("LAREF", LA, D, [build.referral("HB/1", "AB123456C", 10_000)])
    (folder / "a").mkdir(), (folder / "b").mkdir()
    assert not receive(folder / "a", [(name, data), ("notes.txt", b"hi")]).accepted
    assert outbound_step(D)["failed_files"] == 1
    notice = members(bundle_path(LA, D))
    taken = receive(folder / "b", [(name, data)], day=D + timedelta(days=1), name=build.upload_name(LA, D))
    assert taken.accepted and taken.replaces == []
    assert ReceivedTar.objects.get(accepted=False).reported_on == D
    outbound_step(D)
    assert members(bundle_path(LA, D)) == notice


def test_refused_tar_received_after_a_tar_of_its_name_was_taken_in_is_reported(data_dir: Path,
                                                                               folder: Path) -> None:
    """§5.1: only a tar taken in *since* a refusal replaces it; a tar of an accepted tar's name refused later
    is reported."""
    la(LA)
    name = build.file_name("LAREF", LA, D)
    data = build.file_bytes("LAREF", LA, D, [build.referral("HB/1", "AB123456C", 10_000)])
    (folder / "a").mkdir(), (folder / "b").mkdir()
    assert receive(folder / "a", [(name, data)]).accepted
    assert not receive(folder / "b", [(name, data), ("notes.txt", b"hi")]).accepted
    assert outbound_step(D)["failed_files"] == 1
    assert ReceivedTar.objects.get(accepted=False).reported_on == D


def test_outbound_schedule_is_bundled_on_the_first_working_day_of_the_month(data_dir: Path) -> None:
    council, other = la(LA), la(OTHER)
    hb = debt(person("AB123456C"), council, "HB/1", 50_000)
    recover(hb, 2_000, date(2025, 11, 6))
    returned(other, "HB/9", NOV_RUN, 800)
    result = payments.run_month_end(NOV_RUN)
    assert result is not None and [f.file_name for f in result.files] == ["20251201-DMSCH-005920.xml"]
    summary = outbound_step(NOV_RUN)
    assert (summary["bundles"], summary["schedules"], summary["cessations"]) == (2, 1, 1)
    ours = members(bundle_path(LA, NOV_RUN))
    assert list(ours) == ["20251201-DMSCH-005920.xml"]
    assert ours["20251201-DMSCH-005920.xml"] == result.files[0].path.read_bytes()
    parsed(MessageType.SCHEDULE, ours["20251201-DMSCH-005920.xml"])
    assert list(members(bundle_path(OTHER, NOV_RUN))) == ["20251201-DMCES-000123.xml"]
    schedule_row = OutboundFile.objects.get(kind="DMSCH")
    assert Path(schedule_row.path) == result.files[0].path and schedule_row.la_id == LA


def test_outbound_bundle_stays_30_days_in_the_outbox_and_for_ever_in_the_archive(data_dir: Path) -> None:
    council = la(LA)
    returned(council, "HB/1", D, 1_000)
    outbound_step(D)
    placed = bundle_path(LA, D)
    archived = archive_dir(LA) / placed.name
    assert placed.read_bytes() == archived.read_bytes()
    assert OutboundBundle.objects.get().archive_path == f"outbound/{LA}/{placed.name}"
    assert outbound_step(D + timedelta(days=29))["removed_from_outbox"] == 0 and placed.exists()
    assert in_outbox(D, D + timedelta(days=29)) and not in_outbox(D, D + timedelta(days=30))
    assert outbound_step(D + timedelta(days=30))["removed_from_outbox"] == 1
    assert not placed.exists() and archived.exists()
    assert hashlib.sha256(archived.read_bytes()).hexdigest() == OutboundBundle.objects.get().sha256
    assert outbound_step(D + timedelta(days=400))["removed_from_outbox"] == 0 and archived.exists()


def test_outbound_step_twice_changes_nothing(data_dir: Path, folder: Path) -> None:
    council = la(LA)
    returned(council, "HB/1", D, 1_000)
    failed = received(folder, "LAREF", [build.referral("HB/7", "AB123456C", 100)], day=D)
    ReceivedFile.objects.filter(pk=failed.pk).update(state=FileState.FAILED, outcome=Outcome.CORRUPT, errors=[
        {"code": "NOT_WELL_FORMED", "message": "truncated", "line": 4}], processed_on=D)
    first = outbound_step(D)
    before = bundle_path(LA, D).read_bytes()
    rows = (list(OutboundFile.objects.values_list("name", "sha256", "bundle_id")),
            list(OutboundBundle.objects.values_list("name", "sha256")))
    second = outbound_step(D)
    assert second == first
    assert bundle_path(LA, D).read_bytes() == before
    assert (list(OutboundFile.objects.values_list("name", "sha256", "bundle_id")),
            list(OutboundBundle.objects.values_list("name", "sha256"))) == rows


def test_outbound_bytes_are_deterministic(data_dir: Path, folder: Path) -> None:
    council = la(LA)
    returned(council, "HB/1", D, 1_000)
    returned(council, "HB/2", D, 2_000)

    class Undo(Exception):
        pass

    with pytest.raises(Undo), transaction.atomic():
        outbound_step(D)
        first = bundle_path(LA, D).read_bytes()
        raise Undo
    assert OutboundBundle.objects.count() == 0 and Cessation.objects.filter(reported_on__isnull=False).count() == 0
    bundle_path(LA, D).unlink()
    outbound_step(D)
    assert bundle_path(LA, D).read_bytes() == first
    with tarfile.open(bundle_path(LA, D), mode="r:") as archive:
        assert {(m.mtime, m.uid, m.gid) for m in archive.getmembers()} == {(1763424000, 0, 0)}


def test_a_bundle_goes_into_the_outbox_only_once_its_run_has_committed(
        data_dir: Path, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    """hb-debt-interface.md §7 (the LA collects its bundles from its outbox) with the daily run's whole-day
    transaction: the bundle is written to the archive and recorded in the run's transaction, and copied into
    the outbox only when that commits, so a run rolled back leaves the LA nothing DMS has not recorded. One
    recorded but missing from the outbox (a run stopped between its commit and the copy) is put back by the
    next run's outbound step."""
    from dms.services import la_outbound

    monkeypatch.setattr(la_outbound, "_after_commit", transaction.on_commit)
    held = debt(person("AB123456C"), la(LA), "HB/1", 10_000)
    debt_services.return_debt(held, "LA_RECALL", business_date=D, actor="test")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        outbound_step(D)
        assert not bundle_path(LA, D).exists() and (archive_dir(LA) / bundle_path(LA, D).name).is_file()
    assert len(callbacks) == 1
    callbacks[0]()
    assert bundle_path(LA, D).read_bytes() == (archive_dir(LA) / bundle_path(LA, D).name).read_bytes()
    bundle_path(LA, D).unlink()
    outbound_step(D + timedelta(days=1))
    assert bundle_path(LA, D).is_file()


def test_an_outbox_that_cannot_be_written_after_the_commit_is_a_warning_and_the_next_run_places_the_bundle(
        data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """The run has committed when its bundles go into the outboxes: an outbox that cannot be written is a
    warning naming the bundle and the fix, not the run's failure; the bundle is archived, and the next run puts
    it in the outbox."""
    from dms.la_interface import outbound as files
    from dms.services import la_outbound

    held = debt(person("AB123456C"), la(LA), "HB/1", 10_000)
    debt_services.return_debt(held, "LA_RECALL", business_date=D, actor="test")
    real = files.copy_atomically

    def refused(source: Path, target: Path) -> None:
        raise PermissionError(13, "Permission denied", str(target))

    monkeypatch.setattr(files, "copy_atomically", refused)
    outbound_step(D)
    assert "could not be put in the outbox" in capsys.readouterr().err and not bundle_path(LA, D).exists()
    monkeypatch.setattr(files, "copy_atomically", real)
    assert la_outbound.place_missing_bundles(D + timedelta(days=1)) == 1 and bundle_path(LA, D).is_file()
