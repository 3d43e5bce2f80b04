"""A small book for the daily-run tests (tests/*/test_daily_run*.py): a synthetic book (``dms synth``) plus
the events other systems would send for it over the run's days, and a fingerprint of what a run produced
that leaves out database ids (so runs in different databases, or after a rolled-back run on PostgreSQL,
compare equal when they did the same to the penny)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Any

BOOK_DATE = date(2025, 6, 1)  # the synthetic book's debts are taken on this date
FIRST_RUN = date(2025, 6, 27)
LAST_RUN = date(2025, 7, 2)  # 2025-07-01 is the first working day of July: the June schedules
PEOPLE = 240
SEED = 3
LAS = 4


def _line(event_id: str, type_: str, occurred_on: date, nino: str, **fields: Any) -> str:
    return json.dumps({"event_id": event_id, "type": type_, "occurred_on": occurred_on.isoformat(),
                       "nino": nino, **fields})


def _period_for(day_of_month: int) -> tuple[date, date, date]:
    """The May-June assessment period starting on ``day_of_month`` and paid 7 days after it ends."""
    start = date(2025, 5, min(day_of_month, 28))
    end = date(2025, 6, start.day) - timedelta(days=1)
    return start, end, end + timedelta(days=7)


def book_events(uc_awards: Sequence[tuple[str, str, int, int | None, int]],
                legacy: Sequence[tuple[str, str]]) -> list[str]:
    """Events for the book's people: an assessment period for each UC claim (one per couple: the award of the
    partner with the lower person id) paid from ``FIRST_RUN`` on; a death, a direct payment, an award
    change, a new DWP debt and a breathing space among them. ``uc_awards`` are (award_ref, nino,
    assessment period day, partner id, person id); ``legacy`` are (award_ref, nino)."""
    lines = []
    for award_ref, nino, day, partner_id, person_id in uc_awards:
        if partner_id is not None and partner_id < person_id:
            continue
        start, end, paid = _period_for(day)
        if not FIRST_RUN <= paid <= LAST_RUN:
            continue
        lines.append(_line(f"ap-{award_ref}", "uc.assessment_period", end, nino, award_ref=award_ref,
                           period_start=start.isoformat(), period_end=end.isoformat(),
                           payment_date=paid.isoformat(), award_amount="900.00",
                           earnings_over_work_allowance=False, sanction_amount="0.00",
                           fraud_penalty_amount="0.00",
                           third_party=[{"category": "COUNCIL_TAX_ARREARS", "amount": "20.00"}]))
    ninos = [nino for _, nino, _, partner, _ in uc_awards if partner is None]
    died, paying = ninos[0], ninos[1]
    lines.append(_line("died-1", "person.died", FIRST_RUN + timedelta(days=1), died,
                       date_of_death=(FIRST_RUN + timedelta(days=1)).isoformat()))
    lines.append(_line("paid-1", "payment.received", FIRST_RUN + timedelta(days=2), paying, amount="15.00",
                       received_on=(FIRST_RUN + timedelta(days=2)).isoformat(), channel="CARD"))
    lines.append(_line("dwp-new-1", "debt.referred", FIRST_RUN, paying, creditor="DWP",
                       creditor_ref="RUN-DWP-1", debt_type="OVERPAYMENT", classification="NON_FRAUD",
                       amount="250.00", created_on=FIRST_RUN.isoformat()))
    legacy_ref, legacy_nino = legacy[0]
    lines.append(_line("bs-1", "person.insolvency", FIRST_RUN + timedelta(days=1), legacy_nino,
                       kind="BREATHING_SPACE", start_date=(FIRST_RUN + timedelta(days=1)).isoformat()))
    change_ref, change_nino = legacy[1]
    lines.append(_line("chg-1", "award.changed", FIRST_RUN + timedelta(days=2), change_nino,
                       award_ref=change_ref, legacy={"weekly_amount": "120.00"}))
    return lines


# ---------------------------------------------------------------------------------------------- fingerprint


FINGERPRINT_SQL = {
    "deductions": (
        "SELECT pe.nino, d.date, d.source, d.item, d.creditor_kind, COALESCE(d.la_id, ''), "
        "COALESCE(db.debt_type, d.ref), COALESCE(db.amount_pence, 0), d.amount_pence, d.status "
        "FROM dms_deduction d JOIN dms_person pe ON pe.id = d.person_id "
        "LEFT JOIN dms_debt db ON db.id = d.debt_id"
    ),
    "debts": (
        "SELECT pe.nino, c.kind, COALESCE(c.la_id, ''), d.debt_type, d.classification, d.amount_pence, "
        "d.status, d.status_date, COALESCE(a.balance_pence, 0) FROM dms_debt d "
        "JOIN dms_person pe ON pe.id = d.person_id JOIN dms_creditor c ON c.id = d.creditor_id "
        "LEFT JOIN dms_account a ON a.debt_id = d.id AND a.kind = 'RECEIVABLE'"
    ),
    "creditor_accounts": (
        "SELECT a.kind, c.kind, COALESCE(c.la_id, ''), a.balance_pence FROM dms_account a "
        "JOIN dms_creditor c ON c.id = a.creditor_id"
    ),
    "system_accounts": (
        "SELECT kind, balance_pence FROM dms_account "
        "WHERE debt_id IS NULL AND creditor_id IS NULL AND person_id IS NULL"
    ),
    "person_accounts": (
        "SELECT a.kind, pe.nino, a.balance_pence FROM dms_account a JOIN dms_person pe ON pe.id = a.person_id"
    ),
    "entries": "SELECT kind, business_date, COUNT(*) FROM dms_journal_entry GROUP BY kind, business_date",
    "schedules": (
        "SELECT file_name, record_count, total_pence, paid_pence, carried_forward_pence, sha256 "
        "FROM dms_payment_schedule"
    ),
    "run_days": "SELECT run_date, completed, summary FROM dms_run_day",
    "events": "SELECT event_id, applied, effect_date FROM dms_inbound_event",
}


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and value.startswith(("{", "[")):
        return json.loads(value)
    if isinstance(value, bool):
        return int(value)
    return value


def _sortable(row: Iterable[Any]) -> tuple[Any, ...]:
    return tuple(json.dumps(v, sort_keys=True) if isinstance(v, dict | list) else v for v in row)


def fingerprint(cursor: Any, *, file_hashes: bool = True) -> dict[str, list[tuple[Any, ...]]]:
    """What the book holds, without ids: for each query above, its rows sorted (``cursor`` is a DB-API
    cursor: Django's, sqlite3's or psycopg's). Without ``file_hashes`` the schedules' SHA-256 is left out:
    their lines carry debt references, which carry ids, and PostgreSQL does not reuse the ids of a
    rolled-back run."""
    found = {}
    for name, sql in FINGERPRINT_SQL.items():
        cursor.execute(sql if file_hashes else sql.replace(", sha256 ", " "))
        found[name] = sorted((tuple(_plain(v) for v in row) for row in cursor.fetchall()), key=_sortable)
    return found


AWARDS_SQL = (
    "SELECT a.award_ref, pe.nino, a.benefit, a.assessment_period_day, a.partner_id, a.person_id "
    "FROM dms_award a JOIN dms_person pe ON pe.id = a.person_id ORDER BY a.award_ref"
)


def events_for_book(cursor: Any) -> list[str]:
    """:func:`book_events` for the awards the book holds (read with ``cursor``)."""
    cursor.execute(AWARDS_SQL)
    rows = cursor.fetchall()
    uc = [(ref, nino, day, partner, person) for ref, nino, benefit, day, partner, person in rows if benefit == "UC"]
    legacy = [(ref, nino) for ref, nino, benefit, *_ in rows if benefit != "UC"]
    return book_events(uc, legacy)
