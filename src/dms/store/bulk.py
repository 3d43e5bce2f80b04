"""Loading a synthetic book in bulk (``dms synth``, ``dms demo``).

The people are generated in batches (:mod:`dms.synth.generate`, pure) and each batch is written in one
transaction: ``COPY`` on PostgreSQL and batched ``executemany`` on SQLite, never an ORM object per row. A
batch that fails leaves nothing of itself behind; the batches before it are whole, and the ledger balances
after every one.

Ids are allocated in blocks: inside each batch's transaction the tables are locked against other writers
(``LOCK TABLE`` on PostgreSQL; SQLite transactions begin ``IMMEDIATE``), the next ids are read as
``MAX(id) + 1`` and, on PostgreSQL, the sequences are moved past the ids used (``setval``). The receipt
sequence counter (``Counter "receipt_seq"``) is advanced by the debts taken on, and every account's stored
balance stays equal to the sum of its postings.

A large load into an empty book is one transaction instead: the loaded tables' secondary indexes and
constraints are dropped at its start and rebuilt (and so checked) at its end.

Batches are generated one ahead in a second process (the generator is pure CPU work) while this one
writes; a batch generated with ids another writer has since taken is generated again.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from django.db import connection, transaction

from dms.debts import CreditorKind
from dms.errors import DmsError
from dms.ledger import AccountKind
from dms.store.ledger import apply_balance_deltas, is_postgresql
from dms.store.models import Account, Counter, Creditor, Person
from dms.synth.generate import (
    BATCH_PEOPLE,
    COLUMNS,
    MAX_LAS,
    MAX_PEOPLE,
    Batch,
    BatchSpec,
    CreditorSlot,
    IdBases,
    NinoSequence,
    generate_batch,
    synth_las,
)

_ID_TABLES = ("dms_person", "dms_debt", "dms_account", "dms_journal_entry")
_LOCKED_TABLES = (*_ID_TABLES, "dms_award", "dms_debt_component", "dms_posting", "dms_counter")
_REINDEXED_TABLES = ("dms_person", "dms_award", "dms_debt", "dms_debt_component", "dms_account", "dms_posting")
WHOLE_LOAD_PEOPLE = 2 * BATCH_PEOPLE  # from this size, a load into an empty book rebuilds indexes once


@dataclass
class LoadReport:
    people: int = 0
    awards: int = 0
    debts: int = 0
    components: int = 0
    accounts: int = 0
    entries: int = 0
    postings: int = 0
    las_added: int = 0
    las_reused: int = 0
    total_pence: int = 0

    @property
    def rows(self) -> int:
        return self.people + self.awards + self.debts + self.components + self.accounts + self.entries + (
            self.postings
        )

    def add(self, batch: Batch) -> None:
        self.people += len(batch.people)
        self.awards += len(batch.awards)
        self.debts += len(batch.debts)
        self.components += len(batch.components)
        self.accounts += len(batch.accounts)
        self.entries += len(batch.entries)
        self.postings += len(batch.postings)
        self.total_pence += -sum(batch.creditor_deltas.values())


def check_request(people: int, las: int) -> None:
    """Refuse a book size DMS cannot make, saying what is allowed."""
    if not 1 <= people <= MAX_PEOPLE:
        raise DmsError(f"--people must be between 1 and {MAX_PEOPLE:,}, not {people:,}")
    if not 1 <= las <= MAX_LAS:
        raise DmsError(f"--las must be between 1 and {MAX_LAS}, not {las}")


# ---------------------------------------------------------------------------------------------- creditors


def ensure_las(count: int, seed: int) -> tuple[list[Creditor], int]:
    """The synthetic book's LAs: those whose LA ID is already registered are reused, the others are
    registered (with their ``CREDITOR_DEBTS`` and ``CREDITOR_PAYABLE`` accounts). Returns them and how many
    were added."""
    from dms.services.creditors import LaDetails, register_la

    wanted = synth_las(count, seed)
    existing = {c.la_id: c for c in Creditor.objects.filter(la_id__in=[la.la_id for la in wanted])}
    result, added = [], 0
    for la in wanted:
        creditor = existing.get(la.la_id)
        if creditor is None:
            creditor = register_la(LaDetails(la.la_id, la.name, la.sort_code, la.account_number))
            added += 1
        result.append(creditor)
    return result, added


def creditor_slots(las: Sequence[Creditor]) -> tuple[CreditorSlot, CreditorSlot, tuple[CreditorSlot, ...]]:
    """DWP, HMRC and the LAs as the generator sees them (ids of each creditor and its CREDITOR_DEBTS account)."""
    dwp = Creditor.objects.get(kind=CreditorKind.DWP)
    hmrc = Creditor.objects.get(kind=CreditorKind.HMRC)
    creditors = [dwp, hmrc, *las]
    accounts = dict(
        Account.objects.filter(kind=AccountKind.CREDITOR_DEBTS, creditor__in=creditors).values_list(
            "creditor_id", "id"
        )
    )
    missing = [c for c in creditors if c.id not in accounts]
    for creditor in missing:  # a creditor registered before its accounts were made at registration
        accounts[creditor.id] = Account.objects.create(kind=AccountKind.CREDITOR_DEBTS, creditor=creditor).id
    slot = lambda c: CreditorSlot(c.kind, c.id, accounts[c.id], c.la_id)  # noqa: E731
    return slot(dwp), slot(hmrc), tuple(slot(c) for c in las)


# ---------------------------------------------------------------------------------------------- ids


def current_bases() -> IdBases:
    """The next free id of each table the generator allocates, and the next receipt sequence number."""
    values = []
    with connection.cursor() as cursor:
        for table in _ID_TABLES:
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
            highest = cursor.fetchone()[0]
            if is_postgresql():
                cursor.execute(f"SELECT last_value, is_called FROM {table}_id_seq")
                last, called = cursor.fetchone()
                highest = max(highest, last if called else last - 1)
            values.append(highest + 1)
    receipt = Counter.objects.filter(name="receipt_seq").values_list("value", flat=True).first() or 0
    return IdBases(*values, receipt_seq=int(receipt) + 1)


def _lock_tables() -> None:
    if is_postgresql():
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {', '.join(_LOCKED_TABLES)} IN SHARE ROW EXCLUSIVE MODE")


def _advance_sequences(bases: IdBases) -> None:
    """Move the PostgreSQL sequences past the ids a batch used (ids were allocated by the loader)."""
    if not is_postgresql():
        return
    used = dict(zip(_ID_TABLES, (bases.person, bases.debt, bases.account, bases.entry), strict=True))
    with connection.cursor() as cursor:
        for table, next_id in used.items():
            if next_id > 1:
                cursor.execute("SELECT setval(%s, %s)", [f"{table}_id_seq", next_id - 1])


# ---------------------------------------------------------------------------------------------- writing


def _write(table: str, rows: Sequence[Sequence[object]]) -> None:
    """Insert ``rows`` in ``table``'s generator column order: COPY on PostgreSQL, executemany on SQLite."""
    if not rows:
        return
    columns = COLUMNS[table]
    column_list = ", ".join(columns)
    connection.ensure_connection()
    raw = connection.connection
    if is_postgresql():
        with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({column_list}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    placeholders = ", ".join("?" * len(columns))
    raw.executemany(f"INSERT INTO {table} ({column_list}) VALUES ({placeholders})", rows)


def _write_batch(batch: Batch) -> None:
    for table, rows in (
        ("dms_person", batch.people),
        ("dms_award", batch.awards),
        ("dms_debt", batch.debts),
        ("dms_debt_component", batch.components),
        ("dms_account", batch.accounts),
        ("dms_journal_entry", batch.entries),
        ("dms_posting", batch.postings),
    ):
        _write(table, rows)
    apply_balance_deltas(batch.creditor_deltas)
    if batch.next_bases is None:
        raise DmsError("a synthetic batch was generated without its next ids; nothing was written")
    Counter.objects.update_or_create(name="receipt_seq", defaults={"value": batch.next_bases.receipt_seq - 1})
    _advance_sequences(batch.next_bases)


def _taken_ninos(ninos: list[str]) -> set[str]:
    taken: set[str] = set()
    for start in range(0, len(ninos), 5000):
        taken.update(Person.objects.filter(nino__in=ninos[start : start + 5000]).values_list("nino", flat=True))
    return taken


# ---------------------------------------------------------------------------------------------- indexes


def _secondary_index_statements() -> tuple[list[str], list[str]]:
    """(statements that drop, statements that recreate) the secondary indexes, unique and foreign-key
    constraints of the tables a load fills; primary keys stay."""
    drops, creates = [], []
    tables = list(_REINDEXED_TABLES)
    with connection.cursor() as cursor:
        if is_postgresql():
            cursor.execute(
                "SELECT conrelid::regclass::text, conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid::regclass::text = ANY(%s) AND contype IN ('u', 'f') ORDER BY contype DESC, conname",
                [tables],
            )
            for table, name, kind, definition in cursor.fetchall():  # foreign keys ('f') first
                drops.append(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
                creates.insert(0 if kind == "u" else len(creates), f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
            cursor.execute(
                "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
                "WHERE x.indrelid::regclass::text = ANY(%s) AND NOT x.indisprimary AND NOT EXISTS "
                "(SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid) ORDER BY i.relname",
                [tables],
            )
        else:
            placeholders = ", ".join(["%s"] * len(tables))
            cursor.execute(
                f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                f"AND tbl_name IN ({placeholders}) ORDER BY name",
                tables,
            )
        for name, definition in cursor.fetchall():
            drops.append(f'DROP INDEX "{name}"')
            creates.insert(len(creates), definition)
    return drops, creates


@contextmanager
def _indexes_rebuilt_once() -> Iterator[None]:
    """Inside the caller's transaction: drop the secondary indexes and constraints of the loaded tables, and
    recreate them when the load is done (building an index once is far cheaper than keeping it in step row
    by row). Recreating a unique or foreign-key constraint checks every row, so nothing unchecked is kept;
    on any failure the transaction, drops included, rolls back."""
    drops, creates = _secondary_index_statements()
    with connection.cursor() as cursor:
        for statement in drops:
            cursor.execute(statement)
    yield
    with connection.cursor() as cursor:
        for statement in creates:
            cursor.execute(statement)


def _analyze() -> None:
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(_REINDEXED_TABLES) if is_postgresql() else "ANALYZE")


# ---------------------------------------------------------------------------------------------- planning


@dataclass
class _Plan:
    seed: int
    people: int
    as_of: date
    first_ordinal: int
    dwp: CreditorSlot
    hmrc: CreditorSlot
    las: tuple[CreditorSlot, ...]

    def spec(self, index: int, bases: IdBases) -> BatchSpec:
        start = self.first_ordinal + index * BATCH_PEOPLE
        end = self.first_ordinal + min(self.people, (index + 1) * BATCH_PEOPLE)
        return BatchSpec(self.seed, index, range(start, end), self.as_of, self.dwp, self.hmrc, self.las, bases)

    @property
    def batches(self) -> int:
        return -(-self.people // BATCH_PEOPLE)


def _generate_ahead(plan: _Plan, bases: IdBases, queue: Any) -> None:
    """The generator process: each batch in turn, with the ids that follow the batch before it."""
    for index in range(plan.batches):
        batch = generate_batch(plan.spec(index, bases))
        queue.put((index, bases, batch))
        if batch.next_bases is None:
            return
        bases = batch.next_bases


def _pregenerated(plan: _Plan, bases: IdBases) -> Iterator[tuple[int, IdBases, Batch]]:
    """Batches generated one ahead in a forked process (or in this one where fork is not available)."""
    if plan.batches == 1 or "fork" not in multiprocessing.get_all_start_methods():
        for index in range(plan.batches):
            batch = generate_batch(plan.spec(index, bases))
            yield index, bases, batch
            bases = batch.next_bases or bases
        return
    context = multiprocessing.get_context("fork")
    queue = context.Queue(maxsize=1)
    worker = context.Process(target=_generate_ahead, args=(plan, bases, queue), daemon=True)
    worker.start()
    try:
        for _ in range(plan.batches):
            yield queue.get()
    finally:
        worker.terminate()
        worker.join()


def _free_ordinals(seed: int, ordinals: list[int], spare: list[int]) -> list[int]:
    """``ordinals`` with those whose NINO is already held replaced by spare ordinals (``spare[0]`` is the
    next spare one: beyond every ordinal the run plans to use)."""
    ninos = NinoSequence(seed)
    taken = _taken_ninos([ninos.nino(k) for k in ordinals])
    while taken:
        kept = [k for k in ordinals if ninos.nino(k) not in taken]
        extra = list(range(spare[0], spare[0] + len(ordinals) - len(kept)))
        spare[0] += len(extra)
        ordinals = kept + extra
        taken = _taken_ninos([ninos.nino(k) for k in extra])
    return ordinals


def _commit_batch(plan: _Plan, index: int, bases: IdBases, batch: Batch, spare: list[int],
                  check_ninos: bool) -> Batch:
    """Write one batch in one transaction, generating it again if its ids or NINOs are already taken."""
    with transaction.atomic():
        _lock_tables()
        actual = current_bases()
        regenerate = actual != bases
        spec = plan.spec(index, actual)
        if check_ninos:
            ordinals = _free_ordinals(plan.seed, list(spec.ordinals), spare)
            if ordinals != list(spec.ordinals):
                spec = replace(spec, ordinals=ordinals)
                regenerate = True
        if regenerate:
            batch = generate_batch(spec)
        _write_batch(batch)
    return batch


def load_synthetic_book(
    people: int, seed: int, las: int, as_of: date, progress: Callable[[int], None] | None = None
) -> LoadReport:
    """Add a synthetic book of ``people`` people (seed ``seed``) with ``las`` LAs, taken on ``as_of``.

    Into an empty book the same arguments give the same rows; into a book with people the new people follow
    them (new ids; NINOs already held are skipped) and LAs already registered are reused. ``progress`` is
    called with the number of people written after each batch."""
    check_request(people, las)
    with transaction.atomic():
        creditors, added = ensure_las(las, seed)
        dwp, hmrc, slots = creditor_slots(creditors)
    existing_people = Person.objects.count()
    plan = _Plan(seed, people, as_of, existing_people, dwp, hmrc, slots)
    report = LoadReport(las_added=added, las_reused=las - added)
    spare = [existing_people + people]
    whole = existing_people == 0 and people >= WHOLE_LOAD_PEOPLE
    with transaction.atomic() if whole else nullcontext(), _indexes_rebuilt_once() if whole else nullcontext():
        for index, bases, batch in _pregenerated(plan, current_bases()):
            written = _commit_batch(plan, index, bases, batch, spare, check_ninos=existing_people > 0)
            report.add(written)
            if progress:
                progress(report.people)
    if whole:
        _analyze()
    return report
