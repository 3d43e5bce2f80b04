"""Helpers for LA file tests: an LA, people, debts and tars received through ``receive_tar``."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from dms.la_interface import build
from dms.services import debts as debt_services
from dms.services.creditors import LaDetails, register_la
from dms.services.la_intake import IntakeResult, receive_tar
from dms.store.la.models import ReceivedFile
from dms.store.models import Creditor, Debt, Person

LA = "005920"
DAY = date(2025, 11, 18)


def la(la_id: str = LA) -> Creditor:
    return register_la(LaDetails(la_id, "Testshire Council", f"20{la_id[-4:]}", f"1{la_id}0"))


def held_debt(creditor: Creditor, ref: str, nino: str = "AB123456C", amount: int = 10_000) -> Debt:
    owner, _ = Person.objects.get_or_create(nino=nino)
    return debt_services.create_debt(
        person=owner, creditor=creditor, creditor_ref=ref, debt_type="OVERPAYMENT", classification="NON_FRAUD",
        amount_pence=amount, created_on=date(2025, 9, 1), received_on=date(2025, 9, 1),
        business_date=date(2025, 9, 1), actor="test",
    )


def receive(folder: Path, members: list[tuple[str, bytes]], *, la_id: str = LA, day: date = DAY,
            name: str | None = None) -> IntakeResult:
    path = build.write_tar(folder / (name or build.upload_name(la_id, day)), members)
    return receive_tar(path, received_on=day)


def received(folder: Path, kind: str, records: list, *, la_id: str = LA, day: date = DAY,
             tar_day: date | None = None, header: dict | None = None, raw: bytes | None = None) -> ReceivedFile:
    """Receive one file in a tar and return its ReceivedFile row."""
    name = build.file_name(kind, la_id, day)
    data = raw if raw is not None else build.file_bytes(kind, la_id, day, records, header=header)
    result = receive(folder, [(name, data)], la_id=la_id, day=tar_day or day)
    assert result.accepted, result.problems
    return ReceivedFile.objects.filter(name=name).order_by("-seq").first()
