"""Paying local authorities: the month-end payment schedules and the BACS export.

Sources: hb-debt-interface.md §4.2 (the schedule record), §7 (monthly timetable); A9/2025 §32–33;
recovery-rules.md §7 (BACS). Schedule lines are derived from the ledger: every posting on an LA debt's
RECEIVABLE account in an entry that moves money owed to the LA (DEDUCTION, DIRECT_PAYMENT, CREDIT_APPLIED,
REALLOCATION, CORRECTION, and a REVERSAL of one of them) with a business date in the month, plus CORRECTION entries that
take money back from an LA without touching a receivable (over-recovery after a revision, whose debt is the
one of the OVER_RECOVERY entry posted with it). Lines stream from a server-side cursor ordered by LA and are
written to each LA's file incrementally, so memory does not grow with the number of lines.
"""

from __future__ import annotations

import hashlib
import heapq
import itertools
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.db import connection, transaction

from dms.calendar import (
    bacs_processing_date,
    bacs_submission_date,
    first_working_day,
    la_payment_date,
    month_bounds,
    parse_period,
)
from dms.errors import DmsError, InvariantBroken
from dms.ledger import AccountKey, AccountKind, EntryKind, Posting, build_entry
from dms.payments.bacs import Credit, Originator, read_standard18, write_standard18
from dms.payments.schedule import (
    DIRECT_PAYMENT_SOURCE,
    LINE_KIND_OF_ENTRY,
    NAMESPACE,
    ScheduleHeader,
    ScheduleLine,
    check_line,
    header_xml,
    line_xml,
    net_total,
    schedule_file_name,
    with_brought_forward,
)
from dms.services.benefit_in_payment import in_payment_params, in_payment_sql
from dms.settings import get_config
from dms.store.ledger import post_entries
from dms.store.models import BENEFIT_CODES, Creditor
from dms.store.payments.models import BacsFile, CreditorPayment, PaymentSchedule, ScheduleRun

_FETCH = 20_000
_SCHEDULED_KINDS = tuple(LINE_KIND_OF_ENTRY)
_KIND_LIST = ", ".join(f"'{k}'" for k in _SCHEDULED_KINDS)
_SOURCE_LIST = ", ".join(f"'{code}'" for code in ("UC", *BENEFIT_CODES))

# One row per line: la_id, creditor_id, debt_ref, nino, recovery date, amount owed to the LA, entry kind,
# source, balance after, entry id. Ordered by LA, then entry, then debt. The balance after a line is the
# debt's (§4.2): its total less what was recovered, as the LA reckons it, the RETURN of a debt left out (a
# reversal after the debt was returned: the balance it restores added to what the LA was returned).
LINES_SQL = f"""
WITH mp AS (
    SELECT p.account_id, p.entry_id, p.amount_pence, e.kind, e.business_date, a.debt_id,
        CASE WHEN e.kind IN ('DEDUCTION', 'REALLOCATION', 'CORRECTION') THEN e.description
             WHEN e.kind = 'REVERSAL' THEN (
            SELECT o.description FROM dms_journal_entry o WHERE o.id = e.reverses_id AND o.kind = 'DEDUCTION'
        ) END AS source_text
    FROM dms_journal_entry e
    JOIN dms_posting p ON p.entry_id = e.id
    JOIN dms_account a ON a.id = p.account_id AND a.kind = 'RECEIVABLE'
    JOIN dms_debt d ON d.id = a.debt_id
    JOIN dms_creditor c ON c.id = d.creditor_id AND c.kind = 'LA'
    WHERE e.business_date >= %(start)s AND e.business_date <= %(end)s AND e.kind <> 'RETURN'
), opening AS (
    SELECT p.account_id, SUM(p.amount_pence) AS balance
    FROM dms_posting p JOIN dms_journal_entry e ON e.id = p.entry_id
    WHERE e.business_date < %(start)s AND e.kind <> 'RETURN' AND p.account_id IN (SELECT account_id FROM mp)
    GROUP BY p.account_id
), running AS (
    SELECT mp.*, SUM(mp.amount_pence) OVER (
        PARTITION BY mp.account_id ORDER BY mp.business_date, mp.entry_id
        ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) AS moved
    FROM mp
)
SELECT c.la_id, c.id, d.creditor_ref, per.nino, r.business_date, -r.amount_pence, r.kind,
    CASE WHEN r.kind IN ('DIRECT_PAYMENT', 'CREDIT_APPLIED') THEN 'DIRECT_PAYMENT'
         WHEN {{first_word}} IN ({_SOURCE_LIST}) THEN {{first_word}}
         ELSE COALESCE((
        SELECT aw.benefit FROM dms_award aw
        WHERE (aw.person_id = d.person_id OR aw.partner_id = d.person_id)
          AND {in_payment_sql("aw", "r.business_date")}
        ORDER BY CASE WHEN aw.benefit = 'UC' THEN 0 ELSE 1 END, aw.start_date DESC, aw.id DESC LIMIT 1
    ), 'DIRECT_PAYMENT') END,
    COALESCE(o.balance, 0) + r.moved, r.entry_id, d.id
FROM running r
JOIN dms_debt d ON d.id = r.debt_id
JOIN dms_creditor c ON c.id = d.creditor_id
JOIN dms_person per ON per.id = d.person_id
LEFT JOIN opening o ON o.account_id = r.account_id
WHERE r.kind IN ({_KIND_LIST}) AND (r.kind <> 'REVERSAL' OR EXISTS (
    SELECT 1 FROM dms_posting p2 JOIN dms_account a2 ON a2.id = p2.account_id
    WHERE p2.entry_id = r.entry_id AND a2.kind = 'CREDITOR_PAYABLE'))
ORDER BY c.la_id, r.business_date, d.id, r.entry_id
"""

# The benefit a DEDUCTION was taken from (hb-debt-interface.md §4.2 ``Source``), and that of the deduction a
# REVERSAL undoes: the first word of the DEDUCTION entry's description, which the daily run writes as "UC
# deduction, period from ..." or "<benefit code> instalment of ..." (``services.recovery``). A misallocation's
# correction names the benefit of the deduction it re-allocates the same way, in its REALLOCATION and
# CORRECTION entries ("UC deduction of <date> re-allocated by misallocation ...": ``services.misallocation``).
# An entry whose description names no benefit (another CORRECTION, one posted by an earlier release) falls
# back to the benefit in payment on the day (UC first).
_FIRST_WORD = {
    "postgresql": "split_part(r.source_text, ' ', 1)",
    "sqlite": "substr(r.source_text, 1, instr(r.source_text, ' ') - 1)",
}

# CORRECTION entries taking money back from an LA with no RECEIVABLE posting of that LA's debts.
DETACHED_CORRECTIONS_SQL = """
SELECT c.la_id, c.id, e.id, e.business_date, p.amount_pence, e.description
FROM dms_journal_entry e
JOIN dms_posting p ON p.entry_id = e.id
JOIN dms_account a ON a.id = p.account_id AND a.kind = 'CREDITOR_PAYABLE'
JOIN dms_creditor c ON c.id = a.creditor_id AND c.kind = 'LA'
WHERE e.kind = 'CORRECTION' AND e.business_date >= %(start)s AND e.business_date <= %(end)s
  AND NOT EXISTS (
    SELECT 1 FROM dms_posting p2 JOIN dms_account a2 ON a2.id = p2.account_id JOIN dms_debt d2 ON d2.id = a2.debt_id
    WHERE p2.entry_id = e.id AND a2.kind = 'RECEIVABLE' AND d2.creditor_id = c.id)
ORDER BY c.la_id, e.id
"""
_DEBT_IN_DESCRIPTION = re.compile(r"\bdebt (\d+)\b")


@dataclass(order=True)
class _Row:
    """A schedule line with the key it is written in: by LA, then day, then debt, then entry. Entry ids of
    one day interleave differently with the number of workers that posted them (chunks of partitions commit
    in any order), so the day and the debt come first: the same inputs give the same file whatever the
    workers. A debt's own lines stay in entry order, which is the order its ``BalanceAfter`` runs in."""

    la_id: str
    creditor_id: int
    day: date
    debt_id: int
    entry_id: int
    line: ScheduleLine = field(compare=False)


def period_text(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def previous_period(year: int, month: int) -> tuple[int, int]:
    return (year - 1, 12) if month == 1 else (year, month - 1)


def _line_from_row(row: tuple) -> _Row:
    la_id, creditor_id, debt_ref, nino, business_date, amount, kind, source, balance, entry_id, debt_id = row
    if isinstance(business_date, str):
        business_date = date.fromisoformat(business_date)
    line = ScheduleLine(debt_ref, nino, business_date, int(amount), source, LINE_KIND_OF_ENTRY[kind], int(balance))
    return _Row(la_id, creditor_id, business_date, debt_id, entry_id, line)


def _stream_lines(start: date, end: date) -> Iterator[_Row]:
    """Lines from postings on LA debts' receivables, ordered by LA then entry, from a server-side cursor
    (``chunked_cursor``: a named cursor on PostgreSQL)."""
    previous = None
    if connection.vendor == "postgresql":
        # The month's postings are estimated far too low, which leads the planner to nested loops that take
        # minutes at millions of lines; hash joins take seconds. Only for this query's plan: the setting is
        # put back once the cursor is declared (the daily run's day is one transaction that goes on).
        with connection.cursor() as setting:
            setting.execute("SELECT current_setting('enable_nestloop'), set_config('enable_nestloop', 'off', true)")
            previous = setting.fetchone()[0]
    with connection.chunked_cursor() as cursor:
        cursor.execute(LINES_SQL.replace("{first_word}", _FIRST_WORD[connection.vendor]), {"start": start, "end": end})
        if previous is not None:
            with connection.cursor() as setting:
                setting.execute("SELECT set_config('enable_nestloop', %s, true)", [previous])
        while True:
            rows = cursor.fetchmany(_FETCH)
            if not rows:
                return
            for row in rows:
                yield _line_from_row(row)


def _debt_of_detached_correction(entry_id: int, description: str, creditor_id: int
                                 ) -> tuple[int, str, str, int]:
    """(debt id, debt ref, NINO, balance after) of a CORRECTION that names no receivable: the debt of the
    OVER_RECOVERY entry posted just before it, else the debt its description names."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.debt_id FROM dms_posting p JOIN dms_account a ON a.id = p.account_id "
            "JOIN dms_journal_entry e ON e.id = p.entry_id JOIN dms_debt d ON d.id = a.debt_id "
            "WHERE p.entry_id = %s AND e.kind = 'OVER_RECOVERY' AND a.kind = 'RECEIVABLE' AND d.creditor_id = %s",
            [entry_id - 1, creditor_id],
        )
        found = cursor.fetchone()
        debt_id = found[0] if found else None
        if debt_id is None:
            match = _DEBT_IN_DESCRIPTION.search(description or "")
            debt_id = int(match.group(1)) if match else None
        cursor.execute(
            "SELECT d.creditor_ref, per.nino, (SELECT COALESCE(SUM(p.amount_pence), 0) FROM dms_posting p "
            "JOIN dms_account a ON a.id = p.account_id JOIN dms_journal_entry re ON re.id = p.entry_id "
            "WHERE a.debt_id = d.id AND a.kind = 'RECEIVABLE' AND re.kind <> 'RETURN' "
            "AND p.entry_id <= %s) FROM dms_debt d JOIN dms_person per ON per.id = d.person_id "
            "WHERE d.id = %s AND d.creditor_id = %s",
            [entry_id, debt_id, creditor_id],
        )
        row = cursor.fetchone()
    if row is None:
        raise InvariantBroken(
            f"CORRECTION entry {entry_id} takes money back from creditor {creditor_id} but names none of its "
            "debts (no RECEIVABLE posting, no OVER_RECOVERY entry before it, no 'debt <id>' in its description)"
        )
    return int(debt_id), row[0], row[1], int(row[2])  # type: ignore[arg-type]


def _detached_corrections(start: date, end: date) -> dict[str, list[_Row]]:
    """CORRECTION lines with no receivable posting, by LA ID (rare: one per over-recovery)."""
    with connection.cursor() as cursor:
        cursor.execute(DETACHED_CORRECTIONS_SQL, {"start": start, "end": end})
        rows = cursor.fetchall()
    found: dict[str, list[_Row]] = {}
    for la_id, creditor_id, entry_id, business_date, payable_pence, description in rows:
        if isinstance(business_date, str):
            business_date = date.fromisoformat(business_date)
        debt_id, debt_ref, nino, balance = _debt_of_detached_correction(entry_id, description, creditor_id)
        line = ScheduleLine(debt_ref, nino, business_date, -int(payable_pence), _source_for(nino, business_date),
                            LINE_KIND_OF_ENTRY["CORRECTION"], balance)
        found.setdefault(la_id, []).append(_Row(la_id, creditor_id, business_date, debt_id, entry_id, line))
    for rows in found.values():
        rows.sort()  # in the streamed lines' order, to be merged with them
    return found


def _source_for(nino: str, day: date) -> str:
    """The benefit in payment to the person on ``day`` (UC first), else ``DIRECT_PAYMENT``."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT aw.benefit FROM dms_award aw JOIN dms_person per ON per.nino = %s "
            f"WHERE (aw.person_id = per.id OR aw.partner_id = per.id) AND {in_payment_sql('aw')} "
            "ORDER BY CASE WHEN aw.benefit = 'UC' THEN 0 ELSE 1 END, aw.start_date DESC, aw.id DESC LIMIT 1",
            [nino, *in_payment_params(day)],
        )
        row = cursor.fetchone()
    return row[0] if row else DIRECT_PAYMENT_SOURCE


# ---------------------------------------------------------------------------------------------- month end


@dataclass(frozen=True)
class ScheduleFile:
    la_id: str
    file_name: str
    path: Path
    record_count: int
    total_pence: int


@dataclass
class MonthEndResult:
    period: str
    run_date: date
    payment_date: date
    files: list[ScheduleFile] = field(default_factory=list)

    @property
    def line_count(self) -> int:
        return sum(f.record_count for f in self.files)


def schedule_dir(period: str) -> Path:
    """Where DMS keeps its copy of a month's schedules (``<data dir>/schedules/YYYY-MM``)."""
    return get_config().data_dir / "schedules" / period


def is_month_end(run_date: date) -> bool:
    """The monthly run is the first working day of a month (hb-debt-interface.md §7)."""
    return run_date == first_working_day(run_date.year, run_date.month)


def run_month_end(run_date: date) -> MonthEndResult | None:
    """The month-end step of the daily run: on the first working day of a month, the payment schedules of
    the month before (hb-debt-interface.md §7); on any other day, nothing."""
    if not is_month_end(run_date):
        return None
    return produce_schedules(*previous_period(run_date.year, run_date.month), run_date=run_date)


def _carried_forward(year: int, month: int) -> dict[int, int]:
    """Negative totals of the month before, by creditor id: each becomes a BROUGHT_FORWARD line."""
    prior = period_text(*previous_period(year, month))
    return dict(
        PaymentSchedule.objects.filter(period=prior, carried_forward_pence__lt=0)
        .values_list("creditor_id", "carried_forward_pence")
    )


def _la_groups(stream: Iterator[_Row], extra: dict[str, list[_Row]], carried: dict[int, int]
               ) -> Iterator[tuple[str, int, Iterator[_Row]]]:
    """(LA ID, creditor id, its rows in entry order) for every LA with streamed rows, detached corrections
    or an amount brought forward, in LA ID order; the streamed rows are consumed lazily."""
    pending = {la: rows[0].creditor_id for la, rows in extra.items()}
    for la_id, creditor_id in Creditor.objects.filter(pk__in=list(carried)).values_list("la_id", "id"):
        pending[la_id] = creditor_id
    for la_id, group in itertools.groupby(stream, key=lambda r: r.la_id):
        for early in sorted(k for k in pending if k < la_id):
            yield early, pending.pop(early), iter(extra.get(early, []))
        rows = iter(group)
        first = next(rows)
        pending.pop(la_id, None)
        merged = heapq.merge(itertools.chain([first], rows), extra.get(la_id, []))
        yield la_id, first.creditor_id, merged
    for late in sorted(pending):
        yield late, pending[late], iter(extra.get(late, []))


def _write_schedule_file(directory: Path, header_of: ScheduleHeader, lines: Iterator[ScheduleLine]) -> ScheduleFile:
    """Write one schedule: the lines go to a temporary file while they are counted and summed, then the
    header and lines are written to a second temporary file that is renamed into place (never half a file)."""
    count = total = 0
    with tempfile.TemporaryFile("w+", encoding="utf-8", dir=directory) as body:
        for line in lines:
            check_line(line)
            body.write(line_xml(line))
            count += 1
            total += line.amount_pence
        header = ScheduleHeader(header_of.la_id, header_of.creation_date, header_of.period,
                                header_of.payment_date, count, total)
        body.seek(0)
        path = directory / schedule_file_name(header.creation_date, header.la_id)
        _write_atomically(path, header, body)
    return ScheduleFile(header.la_id, path.name, path, count, total)


def _write_atomically(path: Path, header: ScheduleHeader, body: object) -> None:
    from dms.la_interface.outbound import file_mode, temporary_in

    handle, temporary = temporary_in(path.parent, ".xml")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            out.write(f'<?xml version="1.0" encoding="UTF-8"?>\n<PaymentSchedule xmlns="{NAMESPACE}">\n')
            out.write(header_xml(header))
            shutil.copyfileobj(body, out, 1 << 20)  # type: ignore[arg-type]
            out.write("</PaymentSchedule>\n")
        os.chmod(temporary, file_mode())  # as a file created normally: the LA's pickup may be another user
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def produce_schedules(year: int, month: int, *, run_date: date) -> MonthEndResult:
    """Write, for each LA with any lines, ``<run date>-DMSCH-<LAID>.xml`` for ``year-month`` and record it
    (hb-debt-interface.md §4.2, §7). Idempotent: producing the same month again rewrites the same bytes and
    records nothing new. Refuses a month whose schedules were produced on another date."""
    period = period_text(year, month)
    start, end = month_bounds(year, month)
    payment_date = la_payment_date(*_next(year, month))
    existing = ScheduleRun.objects.filter(period=period).first()
    if existing is not None and existing.run_date != run_date:
        raise DmsError(f"the {period} payment schedules were produced on {existing.run_date}, not {run_date}")
    carried = _carried_forward(year, month) if existing is None else _stored_brought_forward(period)
    directory = schedule_dir(period)
    result = MonthEndResult(period, run_date, payment_date)
    with transaction.atomic():
        extra = _detached_corrections(start, end)
        rows: list[PaymentSchedule] = []
        for la_id, creditor_id, la_rows in _la_groups(_stream_lines(start, end), extra, carried):
            lines = with_brought_forward(carried.get(creditor_id, 0), la_id, start, (r.line for r in la_rows))
            header = ScheduleHeader(la_id, run_date, period, payment_date, 0, 0)
            directory.mkdir(parents=True, exist_ok=True)  # only a month with schedules has a directory
            written = _write_schedule_file(directory, header, lines)
            result.files.append(written)
            rows.append(_schedule_row(written, creditor_id, period, run_date, payment_date,
                                      carried.get(creditor_id, 0)))
        if existing is None:
            _record_run(period, run_date, payment_date, rows)
        else:
            _check_same_as_recorded(existing, rows)
    return result


def _next(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def _stored_brought_forward(period: str) -> dict[int, int]:
    return dict(
        PaymentSchedule.objects.filter(period=period, brought_forward_pence__lt=0)
        .values_list("creditor_id", "brought_forward_pence")
    )


def _schedule_row(written: ScheduleFile, creditor_id: int, period: str, run_date: date, payment_date: date,
                  brought_forward: int) -> PaymentSchedule:
    netting = net_total(written.total_pence)
    return PaymentSchedule(
        creditor_id=creditor_id, period=period, file_name=written.file_name, creation_date=run_date,
        payment_date=payment_date, record_count=written.record_count, total_pence=written.total_pence,
        brought_forward_pence=brought_forward, paid_pence=netting.paid_pence,
        carried_forward_pence=netting.carried_forward_pence, sha256=sha256_of(written.path),
    )


def _record_run(period: str, run_date: date, payment_date: date, rows: list[PaymentSchedule]) -> None:
    run = ScheduleRun.objects.create(
        period=period, run_date=run_date, payment_date=payment_date, schedule_count=len(rows),
        line_count=sum(r.record_count for r in rows),
    )
    for row in rows:
        row.run = run
    PaymentSchedule.objects.bulk_create(rows, batch_size=1000)


def _check_same_as_recorded(run: ScheduleRun, rows: list[PaymentSchedule]) -> None:
    recorded = {
        (s.creditor_id, s.total_pence, s.record_count, s.sha256) for s in PaymentSchedule.objects.filter(run=run)
    }
    again = {(r.creditor_id, r.total_pence, r.record_count, r.sha256) for r in rows}
    if recorded != again:
        raise InvariantBroken(
            f"the {run.period} payment schedules written again differ from those recorded on {run.run_date}: "
            "the ledger for that month has changed since"
        )


def schedule_paths(run_date: date) -> list[Path]:
    """The schedule files produced by the run of ``run_date`` (for that day's outbound bundles)."""
    run = ScheduleRun.objects.filter(run_date=run_date).first()
    if run is None:
        return []
    directory = schedule_dir(run.period)
    return [directory / name for name in
            PaymentSchedule.objects.filter(run=run).order_by("file_name").values_list("file_name", flat=True)]


# ---------------------------------------------------------------------------------------------- BACS


@dataclass(frozen=True)
class BacsExport:
    """A BACS file written for ``period``, with the days of its cycle (recovery-rules.md §7): submitted on
    ``submission_date`` (the input day), processed on ``processing_date`` (its UHL1 date), paid on
    ``payment_date`` (the entry day)."""

    period: str
    path: Path
    payment_date: date
    processing_date: date
    submission_date: date
    credits: int
    total_pence: int
    posted_entries: int
    settings_changed: bool = False  # written as kept when first exported: DMS_BACS_* or an LA's bank details differ now


def _finished_run(period: str) -> ScheduleRun:
    try:
        year, month = parse_period(period)
    except ValueError as error:
        raise DmsError(str(error)) from None
    run = ScheduleRun.objects.filter(period=period).first()
    if run is None:
        from dms.services.events import last_completed_run_date

        produced_on = first_working_day(*_next(year, month))
        last = last_completed_run_date()
        if last is not None and last >= produced_on:
            raise DmsError(
                f"there are no payment schedules for {period}: the daily runs are done to {last}, past the day "
                f"they would have been produced ({produced_on}), and none was: this database's runs began after "
                f"that day, or nothing was recovered for an LA in {period}; check the month"
            )
        raise DmsError(
            f"there are no payment schedules for {period}: they are produced by the daily run on the first "
            f"working day of the month after ({produced_on}); run `dms run --date {produced_on}` first"
        )
    return run


def originator() -> Originator:
    config = get_config()
    return Originator(config.bacs_sort_code, config.bacs_account, config.bacs_account_name,
                      config.bacs_service_user_number)


def export_bacs(period: str, out: Path) -> BacsExport:
    """Write the Standard 18 file paying every LA its positive schedule total for ``period`` and record the
    CREDITOR_PAYMENT entries (DR CREDITOR_PAYABLE, CR BANK) once (recovery-rules.md §7; A9/2025 §32–33). Its
    UHL1 label carries the BACS processing day, one working day before the payment date; the file is to be
    submitted the working day before that (the input day): both are recorded with the payments and returned.
    Exporting again writes the same file, with the days recorded (:func:`_bacs_days`), and posts nothing: the
    file is kept whole when the payments are recorded (:class:`BacsFile`), and it is those bytes that are
    written again, also after the originator settings (``DMS_BACS_*``) or an LA's bank details have changed
    (``settings_changed`` says so), since they are what the recorded payments paid.

    Nothing is half-applied: the file is written in full (and synced) under a temporary name beside ``out``
    inside the transaction that records the payments, and renamed to ``out`` only once that transaction has
    committed. A failure before the commit leaves neither payments nor file; a rename refused after it is
    reported with where the complete file is, and exporting again writes the same file and records nothing
    new. ``out`` is checked first (:func:`bacs_target`). Runs its own transaction: not inside another."""
    parse_period(period)  # a month written wrongly is refused before anything else
    target = bacs_target(out, period)
    temporary: Path | None = None
    try:
        with transaction.atomic(durable=True):
            run = _finished_run(period)
            run = ScheduleRun.objects.select_for_update().get(pk=run.pk)
            schedules = _payable_schedules(run)
            submission, processing = _bacs_days(run)
            credits = [
                Credit(s.creditor.sort_code, s.creditor.account_number, s.creditor.name, s.paid_pence,
                       f"DMS {period} {s.creditor.la_id}")
                for s in schedules
            ]
            text = write_standard18(originator(), credits, volume=period.replace("-", ""),
                                    creation_date=run.run_date, processing_date=processing,
                                    expiry_date=run.payment_date)
            kept = BacsFile.objects.filter(period=period).values_list("text", flat=True).first()
            changed = kept is not None and kept != text
            temporary = _write_temporary(target, kept if kept is not None else text)
            posted = _record_payments(run, schedules, submission, processing)
            if posted:
                BacsFile.objects.create(period=period, text=text,
                                        sha256=hashlib.sha256(text.encode("ascii")).hexdigest())
    except BaseException:
        if temporary is not None:
            temporary.unlink(missing_ok=True)
        raise
    _put_in_place(temporary, target, period, posted)
    return BacsExport(period, target, run.payment_date, processing, submission, len(credits),
                      sum(c.amount_pence for c in credits), posted, changed)


def unpaid_periods(through: str) -> list[str]:
    """The months up to ``through`` (``YYYY-MM``) whose month-end run produced schedules with something to pay
    and whose BACS payments are not recorded: no BACS file was written for them (recovery-rules.md §7: the
    payments are recorded with the file, :func:`export_bacs`), such as a month whose run was interrupted
    between its month-end run and its BACS export. Oldest first."""
    paid = CreditorPayment.objects.values("period")
    return list(ScheduleRun.objects.filter(period__lte=through, schedules__paid_pence__gt=0)
                .exclude(period__in=paid).order_by("period").values_list("period", flat=True).distinct())


def _bacs_days(run: ScheduleRun) -> tuple[date, date]:
    """(submission date, processing date) of the month's BACS file: those recorded with its payments when
    they are recorded (so exporting again writes the file first written, whichever release wrote it:
    docs/recovery-notes.md "The BACS processing date"), else the input day and the processing day of the
    payment date's cycle (recovery-rules.md §7: :func:`dms.calendar.bacs_submission_date`,
    :func:`dms.calendar.bacs_processing_date`)."""
    recorded = (CreditorPayment.objects.filter(period=run.period).order_by("pk")
                .values_list("submission_date", "processing_date").first())
    if recorded is not None:
        return recorded
    return bacs_submission_date(run.payment_date), bacs_processing_date(run.payment_date)


class NothingToPay(DmsError):
    """A month whose month-end run completed with no LA to pay: no schedule, or none with a positive total (a
    negative total is carried into the next month's schedule and nothing is paid, hb-debt-interface.md §7). An
    outcome, not a fault: ``dms bacs export`` says so and writes no file."""


def _payable_schedules(run: ScheduleRun) -> list[PaymentSchedule]:
    schedules = list(
        PaymentSchedule.objects.filter(run=run, paid_pence__gt=0).select_related("creditor")
        .order_by("creditor__la_id")
    )
    if not schedules:
        if not PaymentSchedule.objects.filter(run=run).exists():
            raise NothingToPay(f"nothing to pay for {run.period}: the month-end run of {run.run_date} found no LA "
                               "with anything recovered, taken back or brought forward, so it wrote no schedules")
        raise NothingToPay(f"nothing to pay for {run.period}: no LA has a positive schedule total (a negative total "
                           "is carried into the next month's schedule, hb-debt-interface.md §7)")
    return schedules


def _record_payments(run: ScheduleRun, schedules: list[PaymentSchedule], submission: date, processing: date
                     ) -> int:
    if CreditorPayment.objects.filter(period=run.period).exists():
        return 0
    entries = [
        build_entry(
            EntryKind.CREDITOR_PAYMENT, run.payment_date,
            [Posting(AccountKey(AccountKind.CREDITOR_PAYABLE, s.creditor_id), s.paid_pence),
             Posting(AccountKey(AccountKind.BANK), -s.paid_pence)],
            description=f"BACS payment of the {run.period} schedule to LA {s.creditor.la_id}",
        )
        for s in schedules
    ]
    entry_ids = post_entries(entries)
    CreditorPayment.objects.bulk_create([
        CreditorPayment(creditor_id=s.creditor_id, period=run.period, payment_date=run.payment_date,
                        processing_date=processing, submission_date=submission, amount_pence=s.paid_pence,
                        entry_id=entry_id)
        for s, entry_id in zip(schedules, entry_ids, strict=True)
    ])
    return len(entries)


# ---------------------------------------------------------------------------------------------- the BACS file

_LARGEST_BACS_FILE = 16 << 20  # bytes: far above any Standard 18 file DMS writes (about 100 bytes an LA)


def bacs_target(out: Path, period: str) -> Path:
    """Where the BACS file for ``period`` may be written: ``out`` with links resolved, refused (with what to do)
    when it is a directory or in a folder that does not exist (or below a file, named as such), when it is
    DMS's SQLite database file or one of its journal files, or when it is an existing file that is not a BACS
    Standard 18 file (exporting again replaces a BACS file, never anything else: so none of DMS's own files is
    ever overwritten)."""
    path = out.expanduser().resolve()
    if path.is_dir():
        raise DmsError(f"cannot write the BACS file to {out}: it is a directory; give a file name in it, such as "
                       f"{path / f'DMS-BACS-{period}.txt'}")
    if not path.parent.is_dir():
        above = next((folder for folder in path.parents if folder.exists()), None)
        if above is not None and not above.is_dir():  # a file where a folder of the path should be
            raise DmsError(f"cannot write the BACS file to {out}: {above} is a file, not a folder; give a file in "
                           "a folder")
        raise DmsError(f"cannot write the BACS file to {out}: the folder {path.parent} does not exist; create it "
                       "or give a file in an existing folder")
    _refuse_dms_own_file(out, path)
    if path.exists():
        _refuse_unless_bacs_file(out, path)
    return path


def _refuse_dms_own_file(out: Path, path: Path) -> None:
    database = _sqlite_database_file()
    journals = {f"{database.name}{suffix}" for suffix in ("", "-wal", "-shm", "-journal")} if database else set()
    if database is not None and path.parent == database.parent and path.name in journals:
        raise DmsError(f"cannot write the BACS file to {out}: that is DMS's database {database} (or one of its "
                       "journal files); give another file name")


def _sqlite_database_file() -> Path | None:
    """The live SQLite database file, resolved (None on PostgreSQL or for an in-memory database)."""
    if connection.vendor != "sqlite":
        return None
    name = str(connection.settings_dict["NAME"] or "")
    if name in ("", ":memory:") or name.startswith("file:"):
        return None
    return Path(name).expanduser().resolve()


def _refuse_unless_bacs_file(out: Path, path: Path) -> None:
    """Refuse to replace anything but a regular file that reads as a Standard 18 file."""
    refusal = DmsError(f"cannot write the BACS file to {out}: a file that is not a BACS Standard 18 file is there, "
                       "and DMS replaces only a BACS file; give a new file name, or move that file away first")
    if not path.is_file() or path.stat().st_size > _LARGEST_BACS_FILE:
        raise refusal
    try:
        read_standard18(path.read_bytes().decode("ascii"))
    except ValueError:  # not ASCII, or not Standard 18 (BacsError is a ValueError)
        raise refusal from None


def _write_temporary(target: Path, text: str) -> Path:
    """Write ``text`` in full, synced to disk, under a temporary name in ``target``'s folder; returns its path.
    A file that cannot be written is refused before anything is recorded."""
    try:
        handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as error:
        raise DmsError(f"cannot write the BACS file in {target.parent} ({error.strerror}): nothing was recorded; "
                       "give a folder DMS may write in") from None
    temporary = Path(name)
    try:
        with os.fdopen(handle, "w", encoding="ascii", newline="\n") as written:
            written.write(text)
            written.flush()
            os.fsync(written.fileno())
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise DmsError(f"cannot write the BACS file {target} ({error.strerror}): nothing was recorded; free some "
                       "space or give a folder DMS may write in") from None
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return temporary


def _put_in_place(temporary: Path | None, target: Path, period: str, posted: int) -> None:
    """Rename the complete file to its name, once the payments it makes are committed."""
    if temporary is None:
        raise InvariantBroken("the BACS file was not written before its payments were recorded")
    try:
        from dms.la_interface.outbound import file_mode

        os.chmod(temporary, file_mode())
        os.replace(temporary, target)
    except OSError as error:
        recorded = f"{posted} payment(s) were recorded" if posted else "the payments were already recorded"
        raise DmsError(
            f"the BACS file for {period} could not be put at {target} ({error.strerror}), but {recorded}: the "
            f"complete file is {temporary}; move it to {target}, or run `dms bacs export --period {period} --out "
            "FILE` again, which writes the same file and records nothing new"
        ) from None
