"""The synthetic book (``dms synth``): deterministic, within the spec's limits, taken on through the ledger."""

from __future__ import annotations

import re
from collections import Counter as Tally
from collections import defaultdict
from datetime import date

import pytest
from django.db import connection, transaction
from django.db.models import Sum

from dms.debts import DebtType
from dms.nino import is_valid_nino
from dms.services.debtors import debtor_summary
from dms.store.bulk import load_synthetic_book
from dms.store.ledger import check_ledger
from dms.store.models import Account, Award, Counter, Creditor, Debt, DebtComponent, Person
from dms.synth.generate import NinoSequence

pytestmark = pytest.mark.django_db

AS_OF = date(2026, 1, 5)
NAME = re.compile(r"[A-Za-z' -]{1,35}")


def _without_ids(summary: dict) -> dict:
    """A debtor summary without debt ids and references (they carry the id), which a rolled-back load on
    PostgreSQL does not reuse: sequences are not transactional. tests/e2e compares whole fresh databases."""
    return {**summary, "debts": [{k: v for k, v in d.items() if k not in {"id", "ref"}} for d in summary["debts"]]}


def test_synth_same_seed_gives_the_same_book() -> None:
    books = []
    for _ in range(2):
        with transaction.atomic():
            load_synthetic_book(300, 7, 5, AS_OF)
            ninos = sorted(Person.objects.values_list("nino", flat=True))[:: 60]
            books.append({nino: _without_ids(debtor_summary(nino)) for nino in ninos})
            transaction.set_rollback(True)
    assert books[0] == books[1]
    assert len(books[0]) == 5 and all(book["debts"] for book in books[0].values())


def test_synth_different_seeds_give_different_people() -> None:
    assert NinoSequence(1).nino(0) != NinoSequence(2).nino(0)
    load_synthetic_book(50, 1, 3, AS_OF)
    first = set(Person.objects.values_list("nino", flat=True))
    assert first == {NinoSequence(1).nino(k) for k in range(50)}


def test_synth_respects_hb_debt_limits_valid_ninos_and_realistic_mixes() -> None:
    load_synthetic_book(3000, 1, 20, AS_OF)
    people = list(Person.objects.values_list("id", "nino", "surname", "forenames", "date_of_birth"))
    assert len(people) == 3000
    assert all(is_valid_nino(nino) for _, nino, *_ in people)
    assert len({nino for _, nino, *_ in people}) == 3000
    assert all(NAME.fullmatch(s) and NAME.fullmatch(f) for _, _, s, f, _ in people)
    awards = {a.person_id: a for a in Award.objects.all()}
    uc = {pid for pid, a in awards.items() if a.benefit == "UC"}
    assert 0.70 <= len(uc) / 3000 <= 0.80
    for award in awards.values():
        if award.benefit == "UC":
            assert award.claimant_type and 1 <= award.assessment_period_day <= 31
            if award.partner_id:
                assert awards[award.partner_id].partner_id == award.person_id
        else:
            assert award.weekly_amount_pence > 0 and award.first_pay_date >= award.start_date
            assert award.pay_frequency in {"WEEKLY", "FORTNIGHTLY", "FOUR_WEEKLY", "MONTHLY"}
    assert any(a.partner_id for a in awards.values())
    debts = list(Debt.objects.select_related("creditor").values_list(
        "person_id", "creditor__kind", "debt_type", "classification", "received_on"))
    hb = Tally(pid for pid, kind, *_ in debts if kind == "LA")
    assert max(hb[pid] for pid in uc if pid in hb) <= 5
    assert all(hb[pid] <= 1 for pid in hb if pid not in uc)
    other_dwp = {pid for pid, kind, *_ in debts if kind == "DWP"}
    assert not [pid for pid in hb if pid not in uc and pid in other_dwp]
    assert {t for _, _, t, _, _ in debts} == {t.value for t in DebtType}
    assert {k for _, k, *_ in debts} == {"DWP", "HMRC", "LA"}
    assert 2.5 <= len(debts) / 3000 <= 3.5
    fraud = sum(1 for *_, c, _ in debts if c == "FRAUD")
    assert 0.05 <= fraud / len(debts) <= 0.15
    assert all(r <= AS_OF for *_, r in debts)
    assert 1 <= DebtComponent.objects.values("debt").annotate(n=Sum(1)).order_by("-n").first()["n"] <= 3


def test_synth_ledger_check_passes_and_creditor_mirror_holds() -> None:
    report = load_synthetic_book(300, 3, 4, AS_OF)
    ledger = check_ledger()
    assert ledger.ok, ledger.problems
    assert report.debts == Debt.objects.count() > 0
    receivable = defaultdict(int)
    for creditor_id, balance in Account.objects.filter(kind="RECEIVABLE").values_list(
            "debt__creditor_id", "balance_pence"):
        receivable[creditor_id] += balance
    mirror = dict(Account.objects.filter(kind="CREDITOR_DEBTS").values_list("creditor_id", "balance_pence"))
    assert receivable and all(mirror[c] == -total for c, total in receivable.items())
    for debt_id, amount in Debt.objects.values_list("id", "amount_pence")[:50]:
        assert Account.objects.get(kind="RECEIVABLE", debt_id=debt_id).balance_pence == amount
    top = Debt.objects.order_by("-receipt_seq").values_list("receipt_seq", flat=True).first()
    assert Counter.objects.get(name="receipt_seq").value == top == report.debts


def test_synth_into_an_existing_book_continues_ids_and_reuses_las() -> None:
    taken = NinoSequence(1).nino(3)
    someone = Person.objects.create(nino=taken, surname="Held")
    load_synthetic_book(100, 1, 5, AS_OF)
    load_synthetic_book(100, 1, 5, AS_OF)
    assert Person.objects.count() == 201
    assert Person.objects.filter(nino=taken).get().id == someone.id
    assert Creditor.objects.filter(kind="LA").count() == 5
    assert Person.objects.values("nino").distinct().count() == 201
    assert check_ledger().ok
    later = Person.objects.create(nino="AB123456C")  # the database's own ids follow the loaded ones
    assert later.id > Person.objects.exclude(id=later.id).order_by("-id").first().id
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT last_value FROM dms_debt_id_seq")
            assert cursor.fetchone()[0] == Debt.objects.order_by("-id").first().id
