"""A month of synthetic traffic against a real book: the book read back from the database, the events accepted
whole by the real import, and the month's summary queries."""

from __future__ import annotations

import json
from datetime import date

import pytest

from dms.services import misallocation
from dms.services.daily_run import run_through
from dms.services.events import import_events
from dms.store.bulk import load_synthetic_book
from dms.store.models import Award, Debt, Person
from dms.synth.book import read_book
from dms.synth.summary import month_summary
from dms.synth.traffic import plan_month

pytestmark = pytest.mark.django_db

BOOK_DATE = date(2026, 1, 31)


def test_the_book_is_read_back_whole_with_awards_partners_and_open_debts() -> None:
    load_synthetic_book(400, 3, 6, BOOK_DATE)
    book = read_book(BOOK_DATE)
    assert len(book.people) == Person.objects.count() == 400
    assert len(book.las) == 6 and list(book.las) == sorted(book.las)
    assert len(book.debts) == Debt.objects.filter(status="OPEN").count()
    assert all(d.balance_pence == d.amount_pence for d in book.debts)  # nothing recovered yet
    people = {p.nino: p for p in book.people}
    assert sum(p.benefit == "UC" for p in book.people) == Award.objects.filter(benefit="UC").count()
    for person in book.people:
        if person.partner_nino:
            assert people[person.partner_nino].partner_nino == person.nino
    assert {d.la_id for d in book.debts if d.creditor == "LA"} <= set(book.las)


def test_every_event_of_the_month_is_accepted_by_the_real_import_and_the_month_runs() -> None:
    load_synthetic_book(300, 1, 20, BOOK_DATE)
    traffic = plan_month(read_book(BOOK_DATE), 2026, 2, 1)
    refused = []
    for day, events in traffic.events.items():
        report = import_events([json.dumps(e) for e in events], f"{day}.jsonl")
        refused += report.refused
        run_through(day)
    assert not refused, refused[:3]
    run_through(date(2026, 3, 2))
    summary = month_summary("2026-02")
    total = summary.recovered[-1]
    assert total.label == "Total" and total.deductions_pence > 0
    assert total.net_pence == sum(r.net_pence for r in summary.recovered[:-1])
    assert summary.third_party is not None and summary.deductions
    assert any(row.label.startswith("cleared") for row in summary.outcomes)
    assert summary.schedules and sum(s.total_pence for s in summary.schedules) == sum(
        r.net_pence for r in summary.recovered if r.label == "Local authorities")
    assert misallocation.detect("2026-02", today=date(2026, 3, 2)) == []  # the engine's splits are correct
