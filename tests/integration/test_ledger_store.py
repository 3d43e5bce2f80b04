"""The stored ledger (docs/architecture.md "Ledger conventions"; engineering guide habit 3): bulk posting,
running balances, append-only on both databases, and ``check_ledger``."""

from __future__ import annotations

import itertools
from datetime import date

import pytest
from django.db import DatabaseError, connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dms.debts import Classification, CreditorKind, DebtType
from dms.ledger import AccountKey, AccountKind, EntryKind, Posting, build_entry
from dms.store.ledger import account_balance, check_ledger, post_entries
from dms.store.models import Account, Creditor, Debt, JournalEntry, Person
from dms.store.models import Posting as PostingRow

pytestmark = pytest.mark.django_db
DAY = date(2025, 5, 1)
_seq = itertools.count(1)


def make_debt(nino: str = "AB123456C", amount: int = 10_000, creditor_kind: str = CreditorKind.DWP) -> Debt:
    person, _ = Person.objects.get_or_create(nino=nino)
    creditor = Creditor.objects.get(kind=creditor_kind)
    seq = next(_seq) + 1_000_000
    return Debt.objects.create(
        person=person, creditor=creditor, creditor_ref=f"REF{seq}", debt_type=DebtType.OVERPAYMENT,
        classification=Classification.NON_FRAUD, amount_pence=amount, original_amount_pence=amount,
        created_on=DAY, received_on=DAY, receipt_seq=seq, status_date=DAY, partition=0,
    )


def referral(debt: Debt, amount: int) -> object:
    return build_entry(EntryKind.REFERRAL, DAY, [
        Posting(AccountKey(AccountKind.RECEIVABLE, debt.id), amount),
        Posting(AccountKey(AccountKind.CREDITOR_DEBTS, debt.creditor_id), -amount),
    ])


def deduction(debt: Debt, amount: int) -> object:
    return build_entry(EntryKind.DEDUCTION, DAY, [
        Posting(AccountKey(AccountKind.BENEFIT_RECOVERIES), amount),
        Posting(AccountKey(AccountKind.RECEIVABLE, debt.id), -amount),
        Posting(AccountKey(AccountKind.CREDITOR_DEBTS, debt.creditor_id), amount),
        Posting(AccountKey(AccountKind.CREDITOR_PAYABLE, debt.creditor_id), -amount),
    ])


def test_post_entries_writes_balanced_entries_and_keeps_running_balances() -> None:
    first, second = make_debt(amount=10_000), make_debt("CE123456A", amount=5_000)
    dwp = first.creditor_id
    ids = post_entries([referral(first, 10_000), referral(second, 5_000), deduction(first, 1_250)])
    assert len(ids) == 3 and len(set(ids)) == 3
    assert JournalEntry.objects.filter(id__in=ids).count() == 3
    assert PostingRow.objects.filter(entry_id__in=ids).count() == 8
    assert account_balance(AccountKey(AccountKind.RECEIVABLE, first.id)) == 8_750
    assert account_balance(AccountKey(AccountKind.RECEIVABLE, second.id)) == 5_000
    assert account_balance(AccountKey(AccountKind.CREDITOR_DEBTS, dwp)) == -13_750
    assert account_balance(AccountKey(AccountKind.CREDITOR_PAYABLE, dwp)) == -1_250
    assert account_balance(AccountKey(AccountKind.BENEFIT_RECOVERIES)) == 1_250
    report = check_ledger()
    assert report.ok, report.problems
    assert report.entries == 3 and report.postings == 8 and report.total_pence == 0


def test_post_entries_creates_each_missing_account_once() -> None:
    debt = make_debt()
    post_entries([referral(debt, 300), deduction(debt, 100)])
    post_entries([deduction(debt, 100)])
    assert Account.objects.filter(kind=AccountKind.RECEIVABLE, debt=debt).count() == 1
    assert account_balance(AccountKey(AccountKind.RECEIVABLE, debt.id)) == 100


def test_post_entries_of_nothing_writes_nothing() -> None:
    assert post_entries([]) == []
    assert JournalEntry.objects.count() == 0


def test_post_entries_keeps_entry_fields() -> None:
    debt = make_debt()
    [entry_id] = post_entries([build_entry(
        EntryKind.REFERRAL, DAY,
        [Posting(AccountKey(AccountKind.RECEIVABLE, debt.id), 10), Posting(AccountKey(AccountKind.SUSPENSE), -10)],
        description="debt.referred ev-1", reason="referral",
    )])
    row = JournalEntry.objects.get(id=entry_id)
    assert (row.business_date, row.kind, row.description, row.reason) == (DAY, "REFERRAL", "debt.referred ev-1",
                                                                          "referral")


def test_orm_update_and_delete_of_the_ledger_are_refused() -> None:
    debt = make_debt()
    [entry_id] = post_entries([referral(debt, 500)])
    posting = PostingRow.objects.filter(entry_id=entry_id).first()
    entry = JournalEntry.objects.get(id=entry_id)
    for attempt in (
        lambda: PostingRow.objects.filter(entry_id=entry_id).update(amount_pence=1),
        lambda: PostingRow.objects.filter(entry_id=entry_id).delete(),
        lambda: JournalEntry.objects.filter(id=entry_id).update(reason="changed"),
        lambda: JournalEntry.objects.filter(id=entry_id).delete(),
        posting.delete,
        entry.delete,
        posting.save,
        entry.save,
    ):
        with pytest.raises(PermissionError, match="append-only"):
            attempt()
    assert PostingRow.objects.filter(entry_id=entry_id).count() == 2
    assert check_ledger().ok


def test_raw_sql_change_of_a_posting_is_refused_on_postgresql_and_found_by_the_check_on_sqlite() -> None:
    """PostgreSQL: a trigger refuses UPDATE and DELETE of postings (migration 0002). SQLite has no such
    trigger, so a raw change gets through the database and ``dms ledger check`` reports it."""
    debt = make_debt()
    [entry_id] = post_entries([referral(debt, 500)])
    statements = [f"UPDATE dms_posting SET amount_pence = 1 WHERE entry_id = {entry_id}",
                  f"DELETE FROM dms_posting WHERE entry_id = {entry_id}"]
    if connection.vendor == "postgresql":
        for statement in statements:
            with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as c:
                c.execute(statement)
        assert PostingRow.objects.filter(entry_id=entry_id, amount_pence=500).count() == 1
        assert check_ledger().ok
    else:
        with connection.cursor() as cursor:
            cursor.execute(statements[0])
        report = check_ledger()
        assert not report.ok
        assert any(f"entry {entry_id} does not balance" in p for p in report.problems)


def test_check_ledger_finds_a_tampered_stored_balance_and_names_the_account() -> None:
    debt = make_debt()
    post_entries([referral(debt, 700)])
    account = Account.objects.get(kind=AccountKind.RECEIVABLE, debt=debt)
    Account.objects.filter(id=account.id).update(balance_pence=701)
    report = check_ledger()
    assert not report.ok
    assert report.problems == [
        f"account {account.id} (RECEIVABLE) stores a balance of 701 pence but its postings sum to 700 pence"
    ]


def test_check_ledger_of_an_empty_ledger_is_ok() -> None:
    report = check_ledger()
    assert report.ok and report.entries == 0 and report.postings == 0


ACCOUNT_POOL = st.sampled_from(["BENEFIT_RECOVERIES", "BANK", "SUSPENSE", "DWP_DEBTS", "DWP_PAYABLE",
                                "RECEIVABLE_1", "RECEIVABLE_2", "CREDIT"])
RANDOM_ENTRY = st.lists(
    st.tuples(ACCOUNT_POOL, st.integers(min_value=-10**9, max_value=10**9).filter(bool)), min_size=1, max_size=5
)


def _key(name: str, debts: list[Debt]) -> AccountKey:
    dwp = debts[0].creditor_id
    named = {
        "DWP_DEBTS": AccountKey(AccountKind.CREDITOR_DEBTS, dwp),
        "DWP_PAYABLE": AccountKey(AccountKind.CREDITOR_PAYABLE, dwp),
        "RECEIVABLE_1": AccountKey(AccountKind.RECEIVABLE, debts[0].id),
        "RECEIVABLE_2": AccountKey(AccountKind.RECEIVABLE, debts[1].id),
        "CREDIT": AccountKey(AccountKind.PERSON_CREDIT, debts[0].person_id),
    }
    return named.get(name) or AccountKey(AccountKind(name))


def _balanced(spec: list[tuple[str, int]], debts: list[Debt]) -> object:
    postings = [Posting(_key(name, debts), amount) for name, amount in spec]
    total = sum(amount for _, amount in spec)
    if total or len(postings) < 2:
        postings.append(Posting(AccountKey(AccountKind.SUSPENSE), -total or 1))
        if not total:
            postings.append(Posting(AccountKey(AccountKind.BANK), -1))
    return build_entry(EntryKind.CORRECTION, DAY, postings)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(RANDOM_ENTRY, min_size=1, max_size=8))
def test_random_balanced_entries_keep_stored_balances_equal_to_postings(specs: list[list[tuple[str, int]]]) -> None:
    with transaction.atomic():
        debts = [make_debt(amount=100), make_debt(amount=100)]
        entries = [_balanced(spec, debts) for spec in specs]
        post_entries(entries[: len(entries) // 2])
        post_entries(entries[len(entries) // 2:])
        expected: dict[AccountKey, int] = {}
        for entry in entries:
            for posting in entry.postings:
                expected[posting.account] = expected.get(posting.account, 0) + posting.amount_pence
        for key, total in expected.items():
            assert account_balance(key) == total
        report = check_ledger()
        assert report.ok, report.problems
        assert report.total_pence == 0
        transaction.set_rollback(True)


def test_check_ledger_names_postings_whose_entry_or_account_does_not_exist() -> None:
    debt = make_debt()
    [entry_id] = post_entries([referral(debt, 400)])
    missing_entry, missing_account = entry_id + 1000, Account.objects.order_by("-id").first().id + 1000
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO dms_posting (entry_id, account_id, amount_pence) VALUES (%s, %s, 5), (%s, %s, -5)",
                       [missing_entry, missing_account, missing_entry, debt.accounts.get().id])
    report = check_ledger()
    assert f"postings name entry {missing_entry}, which does not exist" in report.problems
    assert f"postings name account {missing_account}, which does not exist" in report.problems
