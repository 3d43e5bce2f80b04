"""File and tar names of the LA interface (hb-debt-interface.md §1)."""

from __future__ import annotations

from datetime import date

import pytest

from dms.la_interface.names import (
    BadName,
    BundleType,
    MessageType,
    batch_id,
    file_name,
    parse_file_name,
    parse_inbound_file_name,
    parse_tar_name,
    tar_name,
)


def test_file_name_parses_date_type_and_la_id() -> None:
    name = parse_file_name("20251118-LAREF-005920.xml")
    assert (name.creation_date, name.kind, name.la_id) == (date(2025, 11, 18), MessageType.REFERRAL, "005920")
    assert name.batch_id == "20251118-LAREF-005920"
    assert str(name) == "20251118-LAREF-005920.xml"


def test_file_name_formats_round_trip() -> None:
    for kind in MessageType:
        text = file_name(date(2024, 2, 29), kind, "000123")
        assert str(parse_file_name(text)) == text
        assert batch_id(date(2024, 2, 29), kind, "000123") == text.removesuffix(".xml")


@pytest.mark.parametrize("bad", [
    "20251318-LAREF-005920.xml",  # month 13
    "20250229-LAREF-005920.xml",  # 2025 is not a leap year
    "20251100-LAREF-005920.xml",  # day 0
    "20251118-laref-005920.xml",  # lower-case type
    "20251118-LAREF-05920.xml",  # five-digit LA
    "20251118-LAREF-005920.XML",
    "20251118-LAREF-005920.xml.gz",
    " 20251118-LAREF-005920.xml",
    "20251118-LAXXX-005920.xml",
    "2025-11-18-LAREF-005920.xml",
    "../20251118-LAREF-005920.xml",
    "99991231-LAREF-005920.xml",  # a real date, but not in the years DMS works in (1900-2199)
    "18991231-LAREF-005920.xml",
])
def test_file_name_with_a_wrong_form_or_an_unreal_date_is_refused(bad: str) -> None:
    with pytest.raises(BadName):
        parse_file_name(bad)


def test_inbound_file_name_is_one_of_the_three_la_types() -> None:
    for kind in ("LAREF", "LAREV", "LAREC"):
        assert parse_inbound_file_name(f"20251118-{kind}-005920.xml").kind == kind
    for kind in ("DMCES", "DMSCH", "DMREJ"):
        with pytest.raises(BadName, match="inbound"):
            parse_inbound_file_name(f"20251118-{kind}-005920.xml")


def test_tar_names_of_both_bundles() -> None:
    upload = parse_tar_name("20251118-PDPLA-005920.tar")
    assert (upload.tar_date, upload.kind, upload.la_id) == (date(2025, 11, 18), BundleType.LA_UPLOAD, "005920")
    assert parse_tar_name("20251118-PDPDM-005920.tar").kind == BundleType.DMS_BUNDLE
    assert tar_name(date(2025, 11, 18), "PDPDM", "005920") == "20251118-PDPDM-005920.tar"
    with pytest.raises(BadName, match="PDPLA"):
        parse_tar_name("20251118-PDPDM-005920.tar", BundleType.LA_UPLOAD)
    for bad in ("20251131-PDPLA-005920.tar", "20251118-PDPLA-005920.tar.gz", "20251118-PDPLA-005920.tgz"):
        with pytest.raises(BadName):
            parse_tar_name(bad)


def test_message_types_agree_with_the_store_file_kinds() -> None:
    from dms.store.la.models import FileKind

    assert {k.value for k in MessageType} == {k.value for k in FileKind}
