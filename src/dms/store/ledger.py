"""Writing the ledger in bulk, and checking it.

``post_entries`` is the one way entries reach the database: it resolves account keys to accounts (creating
what is missing), writes entries and postings in bulk (``COPY`` on PostgreSQL, batched inserts on SQLite) and
keeps each account's stored running balance in step, all inside the caller's transaction.

``check_ledger`` recomputes every balance from the postings (``dms ledger check``).
"""

from __future__ import annotations

import struct
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import Any

from django.db import OperationalError, connection, transaction

from dms.errors import InvariantBroken
from dms.ledger import AccountKey, AccountKind, Entry, EntryKind, LedgerError
from dms.ledger.model import CREDITOR_KINDS, DEBT_KINDS, PERSON_KINDS, SYSTEM_KINDS
from dms.store.models import Account

_OWNER_COLUMN = {
    **{kind: "debt_id" for kind in DEBT_KINDS},
    **{kind: "creditor_id" for kind in CREDITOR_KINDS},
    **{kind: "person_id" for kind in PERSON_KINDS},
}
_CHUNK = 5000


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


def _chunks(items: Sequence[int], size: int = _CHUNK) -> Iterable[Sequence[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def resolve_accounts(keys: Iterable[AccountKey]) -> dict[AccountKey, int]:
    """Database ids of the accounts named by ``keys``, creating any that do not exist yet."""
    wanted: dict[AccountKind, set[int]] = defaultdict(set)
    system: set[AccountKind] = set()
    for key in keys:
        if key.kind in SYSTEM_KINDS:
            system.add(key.kind)
        else:
            wanted[key.kind].add(key.owner_id)  # type: ignore[arg-type]
    resolved: dict[AccountKey, int] = {}
    if system:
        for account_id, kind in Account.objects.filter(
            kind__in=system, debt=None, creditor=None, person=None
        ).values_list("id", "kind"):
            resolved[AccountKey(AccountKind(kind))] = account_id
        missing_system = system - {k.kind for k in resolved}
        for kind in missing_system:
            resolved[AccountKey(kind)] = Account.objects.create(kind=kind).id
    for kind, owners in wanted.items():
        column = _OWNER_COLUMN[kind]
        owner_list = sorted(owners)
        found = _existing_accounts(kind, column, owner_list)
        for owner_id, account_id in found.items():
            resolved[AccountKey(kind, owner_id)] = account_id
        missing = [owner for owner in owner_list if owner not in found]
        if missing:
            created = Account.objects.bulk_create(
                [Account(kind=kind, **{column: owner}) for owner in missing], batch_size=_CHUNK
            )
            if created and created[0].pk is None:  # backends that do not return ids
                for chunk in _chunks(missing):
                    rows = Account.objects.filter(kind=kind, **{f"{column}__in": chunk}).values_list("id", column)
                    for account_id, owner_id in rows:
                        resolved[AccountKey(kind, owner_id)] = account_id
            else:
                for account, owner in zip(created, missing, strict=True):
                    resolved[AccountKey(kind, owner)] = account.pk
    return resolved


def _existing_accounts(kind: AccountKind, column: str, owners: Sequence[int]) -> dict[int, int]:
    """``{owner id: account id}`` of the ``kind`` accounts that exist for ``owners``."""
    if is_postgresql():
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {column}, id FROM dms_account WHERE kind = %s AND {column} = ANY(%s)",
                [kind.value, list(owners)],
            )
            return dict(cursor.fetchall())
    found: dict[int, int] = {}
    for chunk in _chunks(owners):
        rows = Account.objects.filter(kind=kind, **{f"{column}__in": chunk}).values_list(column, "id")
        found.update(rows)
    return found


_COPY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + struct.pack("!ii", 0, 0)
_COPY_TRAILER = struct.pack("!h", -1)


def _binary_int8_copy(rows: Sequence[Sequence[object]], width: int) -> bytes:
    """PostgreSQL binary COPY data for rows of ``width`` bigint columns (the format of the COPY docs:
    signature, flags, extension; per row a field count then each field's length and value; a trailer)."""
    pack = struct.Struct("!h" + "iq" * width).pack
    if width == 3:  # postings: no per-row list of parts
        body = b"".join([pack(3, 8, a, 8, b, 8, c) for a, b, c in rows])
    else:
        body = b"".join([pack(width, *[part for value in row for part in (8, value)]) for row in rows])
    return _COPY_SIGNATURE + body + _COPY_TRAILER


def write_rows(table: str, columns: Sequence[str], rows: Sequence[Sequence[object]],
               types: Sequence[str] | None = None) -> None:
    """Insert ``rows`` into ``table``: ``COPY`` on PostgreSQL (binary when the column ``types`` are given,
    such as ``("int8", "date", "text")``), ``executemany`` on SQLite."""
    if not rows:
        return
    column_list = ", ".join(columns)
    if is_postgresql():
        connection.ensure_connection()
        raw = connection.connection
        binary = " (FORMAT BINARY)" if types else ""
        with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({column_list}) FROM STDIN{binary}") as copy:
            if types and all(t == "int8" for t in types):
                copy.write(_binary_int8_copy(rows, len(types)))
                return
            if types:
                copy.set_types(list(types))
            for row in rows:
                copy.write_row(row)
        return
    placeholders = ", ".join(["%s"] * len(columns))
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} ({column_list}) VALUES ({placeholders})", rows)


def apply_balance_deltas(deltas: dict[int, int], *, not_negative: set[int] | frozenset[int] = frozenset()
                         ) -> None:
    """Add ``deltas`` (account id → pence) to the stored running balances, in one statement on PostgreSQL.
    An account in ``not_negative`` whose balance would fall below 0 is refused (see
    :func:`shared_balances_deferred`)."""
    items = [(account_id, delta) for account_id, delta in deltas.items() if delta]
    if not items:
        return
    negative: list[int] = []
    with connection.cursor() as cursor:
        if is_postgresql():
            # the ids as array literals; ``a.id = ANY(ids)`` lets PostgreSQL find the accounts by their ids
            # (without it, it hashed the whole table to join it with the deltas)
            ids = "{" + ",".join(str(i) for i, _ in items) + "}"
            amounts = "{" + ",".join(str(d) for _, d in items) + "}"
            update = ("UPDATE dms_account AS a SET balance_pence = a.balance_pence + d.delta FROM "
                      "(SELECT unnest(%s::bigint[]) AS id, unnest(%s::bigint[]) AS delta) AS d "
                      "WHERE a.id = d.id AND a.id = ANY(%s::bigint[])")
            if not_negative:
                cursor.execute(f"WITH u AS ({update} RETURNING a.id, a.balance_pence) "
                               "SELECT id FROM u WHERE balance_pence < 0", [ids, amounts, ids])
                negative = [row[0] for row in cursor.fetchall() if row[0] in not_negative]
            else:
                cursor.execute(update, [ids, amounts, ids])
        else:  # writers take turns on SQLite: a balance read is still current when it is updated
            cursor.executemany(
                "UPDATE dms_account SET balance_pence = balance_pence + %s WHERE id = %s",
                [(delta, account_id) for account_id, delta in items],
            )
    if negative:
        _refuse_overdrawn(sorted(negative))


def _refuse_overdrawn(account_ids: list[int]) -> None:
    """A debt's balance read earlier in this transaction was changed by a concurrent one (a joint debt, or a
    partner's, deducted by two chunks of the daily run at once) so that both together would take more than
    it owed. On PostgreSQL this is a serialisation failure: the unit is rolled back and done again, then
    reading the balance the other left. On SQLite writers take turns, so it cannot happen there."""
    message = (f"accounts {account_ids[:10]} would go below 0: their balance changed in a concurrent "
               "transaction after this one read it")
    if is_postgresql():
        from psycopg.errors import SerializationFailure

        raise OperationalError(message) from SerializationFailure(message)
    raise InvariantBroken(message)


_SHARED_KINDS = frozenset(SYSTEM_KINDS) | frozenset(CREDITOR_KINDS)


@dataclass
class _Deferral:
    deltas: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    shared_ids: set[int] = field(default_factory=set)  # accounts of the shared kinds, locked first
    watched_ids: set[int] = field(default_factory=set)


_deferrals: list[_Deferral] = []


@contextmanager
def shared_balances_deferred() -> Iterator[None]:
    """Inside this block, :func:`post_entries` keeps the running-balance changes of the accounts other
    writers also update (system accounts, creditors' accounts) and of the accounts named by
    :func:`watch_balances`, and applies them when the block ends: the shared accounts are locked in account
    order, then every change is applied in one statement. Other accounts are updated as entries are posted.

    For a unit of work that runs beside others (a chunk of the daily run): an account's row is then locked
    only from the end of the block to the commit that follows, and every unit takes the shared accounts'
    locks first and in the same order, so concurrent units neither wait for each other's whole transaction
    nor deadlock. Use it as the last thing inside the transaction; if the block raises, the changes kept are
    dropped with the transaction. Nothing inside may read a deferred account's stored balance without adding
    :func:`pending_deltas`, nor catch the error of a savepoint that posted entries and go on."""
    deferral = _Deferral()
    _deferrals.append(deferral)
    try:
        yield
    finally:
        _deferrals.pop()
    if deferral.shared_ids and is_postgresql():
        with connection.cursor() as cursor:
            cursor.execute("SELECT id FROM dms_account WHERE id = ANY(%s) ORDER BY id FOR UPDATE",
                           [sorted(deferral.shared_ids)])
    apply_balance_deltas(deferral.deltas, not_negative=deferral.watched_ids)


def watch_balances(account_ids: Iterable[int]) -> None:
    """Inside :func:`shared_balances_deferred`: the accounts ``account_ids`` (balances this transaction has
    read and relies on, such as the debts it deducts from) have their changes kept for the end of the block,
    and must not then fall below 0, whoever else updated them meanwhile (a concurrent unit that took from
    the same joint debt): the transaction is refused as a serialisation failure and its unit done again.
    Outside such a block it does nothing."""
    if _deferrals:
        _deferrals[-1].watched_ids.update(account_ids)


def pending_deltas() -> Mapping[int, int]:
    """What this transaction has posted to deferred accounts and not yet applied to their stored balances
    (account id → pence; an account not in it has none): a view, valid until the block of
    :func:`shared_balances_deferred` ends."""
    return MappingProxyType(_deferrals[-1].deltas) if _deferrals else MappingProxyType({})


_ENTRY_COLUMNS = ("id", "business_date", "kind", "description", "reason", "reverses_id")
_ENTRY_TYPES = ("int8", "date", "text", "text", "text", "int8")
_POSTING_COLUMNS = ("entry_id", "account_id", "amount_pence")
_POSTING_TYPES = ("int8", "int8", "int8")


def post_entries(entries: Sequence[Entry]) -> list[int]:
    """Write ``entries`` (built by :func:`dms.ledger.build_entry`, so each balances) and return their ids."""
    if not entries:
        return []
    with transaction.atomic():
        accounts = resolve_accounts({p.account for e in entries for p in e.postings})
        entry_ids = allocate_ids("dms_journal_entry", len(entries))
        entry_rows = []
        posting_rows = []
        deltas: dict[int, int] = defaultdict(int)
        add_posting = posting_rows.append
        for entry_id, entry in zip(entry_ids, entries, strict=True):
            entry_rows.append(
                (entry_id, entry.business_date, entry.kind.value, entry.description, entry.reason, entry.reverses_id)
            )
            for posting in entry.postings:
                account_id = accounts[posting.account]
                add_posting((entry_id, account_id, posting.amount_pence))
                deltas[account_id] += posting.amount_pence
        write_rows("dms_journal_entry", _ENTRY_COLUMNS, entry_rows, _ENTRY_TYPES)
        write_rows("dms_posting", _POSTING_COLUMNS, posting_rows, _POSTING_TYPES)
        _apply_or_defer(deltas, {i for key, i in accounts.items() if key.kind in _SHARED_KINDS})
    return entry_ids


def _apply_or_defer(deltas: dict[int, int], shared: set[int]) -> None:
    """Apply ``deltas`` now, or (inside :func:`shared_balances_deferred`) keep those of the ``shared``
    accounts (of the shared kinds) and the watched ones for the end of the block."""
    if not _deferrals:
        apply_balance_deltas(deltas)
        return
    deferral = _deferrals[-1]
    deferral.shared_ids |= shared
    kept, watched = deferral.deltas, deferral.watched_ids
    now: dict[int, int] = {}
    for account_id, delta in deltas.items():
        if account_id in shared or account_id in watched:
            kept[account_id] += delta
        else:
            now[account_id] = delta
    apply_balance_deltas(now)


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_text(value: str) -> str:
    """A text value as a field of PostgreSQL's text ``COPY`` format (backslash, tab and line ends escaped)."""
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:  # most values have none: no copy
        return value.translate(_COPY_ESCAPES)
    return value


def copy_lines(table: str, columns: Sequence[str], lines: Iterable[str]) -> None:
    """``COPY`` rows already formatted as text ``COPY`` lines (fields escaped with :func:`copy_text`,
    ``\\N`` for NULL, tab-separated, each ending in a newline) into ``table`` (PostgreSQL only)."""
    connection.ensure_connection()
    with connection.connection.cursor() as cursor, cursor.copy(
        f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    ) as copy:
        copy.write("".join(lines))


@dataclass(frozen=True, slots=True)
class Recovery:
    """Money recovered to one debt, posted by :func:`post_recoveries`: ``receivable_account`` is the id of
    the debt's RECEIVABLE account (as loaded with the debt), ``creditor_id`` the debt's creditor."""

    receivable_account: int
    creditor_id: int
    amount_pence: int
    description: str


def post_recoveries(kind: EntryKind, business_date: date, source: AccountKind,
                    recoveries: Sequence[Recovery]) -> list[int]:
    """Post one entry per recovery in the fixed shape of docs/architecture.md "Ledger conventions" (DEDUCTION
    or DIRECT_PAYMENT of x to a debt): DR ``source`` x; CR RECEIVABLE(debt) x; DR CREDITOR_DEBTS(cr) x; CR
    CREDITOR_PAYABLE(cr) x. The same rows, balances and checks as :func:`post_entries` with entries built by
    :func:`dms.ledger.build_entry`, without building an object per posting: every entry has four non-zero
    postings summing to zero by construction (an amount that is not a positive whole number of pence is
    refused), the accounts are resolved in bulk, and the running balances change by one summed delta per
    account. Returns the entries' ids, in order."""
    if not recoveries:
        return []
    for recovery in recoveries:
        if type(recovery.amount_pence) is not int or recovery.amount_pence <= 0:
            raise LedgerError(f"a recovery of {recovery.amount_pence!r} pence: an amount is a positive whole "
                              f"number of pence ({recovery.description})")
    if source not in SYSTEM_KINDS:
        raise LedgerError(f"{source} is not a system account: the source of a recovery is one")
    creditors = {r.creditor_id for r in recoveries}
    with transaction.atomic():
        accounts = resolve_accounts([AccountKey(source)] + [
            AccountKey(kind_, creditor) for creditor in creditors
            for kind_ in (AccountKind.CREDITOR_DEBTS, AccountKind.CREDITOR_PAYABLE)
        ])
        source_id = accounts[AccountKey(source)]
        held = {c: accounts[AccountKey(AccountKind.CREDITOR_DEBTS, c)] for c in creditors}
        payable = {c: accounts[AccountKey(AccountKind.CREDITOR_PAYABLE, c)] for c in creditors}
        entry_ids = allocate_ids("dms_journal_entry", len(recoveries))
        deltas: dict[int, int] = defaultdict(int)
        postings: list[tuple[int, int, int]] = []
        add = postings.append
        total = 0
        for entry_id, r in zip(entry_ids, recoveries, strict=True):
            amount = r.amount_pence
            total += amount
            creditor_held, creditor_payable = held[r.creditor_id], payable[r.creditor_id]
            add((entry_id, source_id, amount))
            add((entry_id, r.receivable_account, -amount))
            add((entry_id, creditor_held, amount))
            add((entry_id, creditor_payable, -amount))
            deltas[r.receivable_account] -= amount
            deltas[creditor_held] += amount
            deltas[creditor_payable] -= amount
        deltas[source_id] += total
        day, kind_text = business_date.isoformat(), kind.value
        if is_postgresql():
            copy_lines("dms_journal_entry", _ENTRY_COLUMNS, [
                f"{entry_id}\t{day}\t{kind_text}\t{copy_text(r.description)}\t\t\\N\n"
                for entry_id, r in zip(entry_ids, recoveries, strict=True)
            ])
        else:
            write_rows("dms_journal_entry", _ENTRY_COLUMNS, [
                (entry_id, business_date, kind_text, r.description, "", None)
                for entry_id, r in zip(entry_ids, recoveries, strict=True)
            ])
        write_rows("dms_posting", _POSTING_COLUMNS, postings, _POSTING_TYPES)
        _apply_or_defer(deltas, set(accounts.values()))
    return entry_ids


@dataclass(frozen=True, slots=True)
class Referral:
    """A debt just written and not yet posted, for :func:`post_referrals`: its REFERRAL entry's description,
    and for a debt returned as it is taken on, its RETURN entry's description and reason (else "")."""

    debt_id: int
    amount_pence: int
    description: str
    return_description: str = ""
    return_reason: str = ""


_ACCOUNT_COLUMNS = ("id", "kind", "debt_id", "balance_pence")


def post_referrals(business_date: date, creditor_id: int, referrals: Sequence[Referral]) -> list[int]:
    """Open the RECEIVABLE account of each new debt and post its entries in their fixed shape (docs/architecture.md
    "Ledger conventions"): REFERRAL of x: DR RECEIVABLE(debt) x; CR CREDITOR_DEBTS(creditor) x; and for a debt
    returned as it is taken on, the RETURN of x right after it: DR CREDITOR_DEBTS(creditor) x; CR
    RECEIVABLE(debt) x. The same entries, postings (in the same order) and balances as :func:`post_entries`
    with the entries of ``dms.services.debts.referral_entry`` and ``return_entry``, without building an object
    per posting: each account is written with the balance its postings sum to (so no account is updated
    afterwards), and the creditor's account changes by one summed delta. The debts must have no account yet
    (the account_per_debt index refuses a second); an amount that is not a positive whole number of pence is
    refused. Returns the entries' ids, in order."""
    if not referrals:
        return []
    for r in referrals:
        if type(r.amount_pence) is not int or r.amount_pence <= 0:
            raise LedgerError(f"a referral of {r.amount_pence!r} pence: an amount is a positive whole number of "
                              f"pence ({r.description})")
        if bool(r.return_description) != bool(r.return_reason):
            raise LedgerError(f"a referral returned at once needs both a RETURN description and reason "
                              f"({r.description})")
    with transaction.atomic():
        creditor_account = resolve_accounts([AccountKey(AccountKind.CREDITOR_DEBTS, creditor_id)])[
            AccountKey(AccountKind.CREDITOR_DEBTS, creditor_id)]
        returned = sum(1 for r in referrals if r.return_reason)
        entry_ids = allocate_ids("dms_journal_entry", len(referrals) + returned)
        account_ids = allocate_ids("dms_account", len(referrals))
        accounts: list[tuple[int, str, int, int]] = []
        postings: list[tuple[int, int, int]] = []
        entries: list[tuple[int, str, str, str]] = []  # id, kind, description, reason
        add_posting, add_entry = postings.append, entries.append
        receivable = AccountKind.RECEIVABLE.value
        referral_kind, return_kind = EntryKind.REFERRAL.value, EntryKind.RETURN.value
        taken = 0
        ids = iter(entry_ids)
        for account_id, r in zip(account_ids, referrals, strict=True):
            amount = r.amount_pence
            entry_id = next(ids)
            add_entry((entry_id, referral_kind, r.description, ""))
            add_posting((entry_id, account_id, amount))
            add_posting((entry_id, creditor_account, -amount))
            if r.return_reason:
                entry_id = next(ids)
                add_entry((entry_id, return_kind, r.return_description, r.return_reason))
                add_posting((entry_id, creditor_account, amount))
                add_posting((entry_id, account_id, -amount))
                accounts.append((account_id, receivable, r.debt_id, 0))
            else:
                accounts.append((account_id, receivable, r.debt_id, amount))
                taken += amount
        write_rows("dms_account", _ACCOUNT_COLUMNS, accounts, ("int8", "text", "int8", "int8"))
        day = business_date.isoformat()
        if is_postgresql():
            copy_lines("dms_journal_entry", _ENTRY_COLUMNS, [
                f"{entry_id}\t{day}\t{kind}\t{copy_text(description)}\t{copy_text(reason)}\t\\N\n"
                for entry_id, kind, description, reason in entries
            ])
        else:
            write_rows("dms_journal_entry", _ENTRY_COLUMNS, [
                (entry_id, business_date, kind, description, reason, None)
                for entry_id, kind, description, reason in entries
            ])
        write_rows("dms_posting", _POSTING_COLUMNS, postings, _POSTING_TYPES)
        _apply_or_defer({creditor_account: -taken}, {creditor_account})
    return entry_ids


def allocate_ids(table: str, count: int) -> list[int]:
    """``count`` fresh ids of ``table``: from its sequence on PostgreSQL, past ``MAX(id)`` on SQLite."""
    if count == 0:
        return []
    with connection.cursor() as cursor:
        if is_postgresql():
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
            sequence = cursor.fetchone()[0]
            # Usually the sequence hands this transaction one unbroken run: then only its ends are fetched.
            # If another writer's ids are interleaved, fresh ids are taken one by one (gaps are harmless).
            cursor.execute(
                "SELECT MIN(v), MAX(v) FROM (SELECT nextval(%s::regclass) AS v FROM generate_series(1, %s)) ids",
                [sequence, count],
            )
            first, last = cursor.fetchone()
            if last - first + 1 == count:
                return list(range(first, last + 1))
            cursor.execute("SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [sequence, count])
            return [row[0] for row in cursor.fetchall()]
        # SQLite: writers are serialised (transactions begin IMMEDIATE), so max(id) is ours to extend.
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608 (a fixed table name)
        start = cursor.fetchone()[0] + 1
        return list(range(start, start + count))


def account_balance(key: AccountKey) -> int:
    """The stored balance of one account (0 if it does not exist yet)."""
    filters: dict[str, object] = {"kind": key.kind}
    if key.kind in SYSTEM_KINDS:
        filters.update(debt=None, creditor=None, person=None)
    else:
        filters[_OWNER_COLUMN[key.kind].removesuffix("_id")] = key.owner_id
    row = Account.objects.filter(**filters).values_list("balance_pence", flat=True).first()
    return int(row or 0)


# ---------------------------------------------------------------------------------------------- check


@dataclass
class LedgerCheckReport:
    entries: int = 0
    postings: int = 0
    accounts: int = 0
    total_pence: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


_MAX_LISTED = 50


_ENTRY_PROBLEMS = f"""
SELECT COALESCE(e.id, s.entry_id), e.id IS NULL, COALESCE(s.total, 0), COALESCE(s.n, 0), COALESCE(s.zeros, 0)
FROM dms_journal_entry e
FULL JOIN (SELECT entry_id, SUM(amount_pence) AS total, COUNT(*) AS n,
                  SUM(CASE WHEN amount_pence = 0 THEN 1 ELSE 0 END) AS zeros
           FROM dms_posting GROUP BY entry_id) s ON s.entry_id = e.id
WHERE e.id IS NULL OR s.entry_id IS NULL OR s.total <> 0 OR s.n < 2 OR s.zeros > 0
ORDER BY 1 LIMIT {_MAX_LISTED}
"""

_ACCOUNT_FIGURES = f"""
WITH s AS (SELECT account_id, SUM(amount_pence) AS total, COUNT(*) AS n FROM dms_posting GROUP BY account_id)
SELECT 0, NULL, NULL, COALESCE(SUM(n), 0), COALESCE(SUM(total), 0) FROM s
UNION ALL
SELECT * FROM (
    SELECT 1, COALESCE(a.id, s.account_id), a.kind, a.balance_pence, COALESCE(s.total, 0)
    FROM dms_account a FULL JOIN s ON s.account_id = a.id
    WHERE a.id IS NULL OR a.balance_pence <> COALESCE(s.total, 0)
    ORDER BY 2 LIMIT {_MAX_LISTED}
) mismatches
"""


# SQLite (3.40) builds no automatic index for either side of a FULL JOIN, so the FULL JOIN forms above take
# time proportional to accounts x accounts there (107 s for 61,000 accounts); these LEFT JOIN + NOT EXISTS
# forms find the same rows in well under a second.
_ENTRY_PROBLEMS_SQLITE = f"""
SELECT e.id, 0, COALESCE(s.total, 0), COALESCE(s.n, 0), COALESCE(s.zeros, 0)
FROM dms_journal_entry e
LEFT JOIN (SELECT entry_id, SUM(amount_pence) AS total, COUNT(*) AS n,
                  SUM(CASE WHEN amount_pence = 0 THEN 1 ELSE 0 END) AS zeros
           FROM dms_posting GROUP BY entry_id) s ON s.entry_id = e.id
WHERE s.entry_id IS NULL OR s.total <> 0 OR s.n < 2 OR s.zeros > 0
UNION ALL
SELECT p.entry_id, 1, SUM(p.amount_pence), COUNT(*), 0 FROM dms_posting p
WHERE NOT EXISTS (SELECT 1 FROM dms_journal_entry e WHERE e.id = p.entry_id) GROUP BY p.entry_id
ORDER BY 1 LIMIT {_MAX_LISTED}
"""

_ACCOUNT_FIGURES_SQLITE = f"""
WITH s AS (SELECT account_id, SUM(amount_pence) AS total, COUNT(*) AS n FROM dms_posting GROUP BY account_id)
SELECT 0, NULL, NULL, COALESCE(SUM(n), 0), COALESCE(SUM(total), 0) FROM s
UNION ALL
SELECT * FROM (
    SELECT 1, a.id, a.kind, a.balance_pence, COALESCE(s.total, 0)
    FROM dms_account a LEFT JOIN s ON s.account_id = a.id
    WHERE a.balance_pence <> COALESCE(s.total, 0)
    UNION ALL
    SELECT 1, s.account_id, NULL, NULL, s.total FROM s
    WHERE NOT EXISTS (SELECT 1 FROM dms_account a WHERE a.id = s.account_id)
    ORDER BY 2 LIMIT {_MAX_LISTED}
) mismatches
"""


def _entry_problems(cursor: Any, report: LedgerCheckReport) -> None:
    cursor.execute(_ENTRY_PROBLEMS if is_postgresql() else _ENTRY_PROBLEMS_SQLITE)
    for entry_id, missing, total, count, zeros in cursor.fetchall():
        if missing:
            report.problems.append(f"postings name entry {entry_id}, which does not exist")
            continue
        if count == 0:
            report.problems.append(f"entry {entry_id} has no postings")
            continue
        if total != 0:
            report.problems.append(f"entry {entry_id} does not balance: its postings sum to {total} pence")
        if count < 2:
            report.problems.append(f"entry {entry_id} has {count} posting; an entry needs two or more")
        if zeros:
            report.problems.append(f"entry {entry_id} has {zeros} zero posting(s)")


def _account_problems(cursor: Any, report: LedgerCheckReport) -> None:
    cursor.execute(_ACCOUNT_FIGURES if is_postgresql() else _ACCOUNT_FIGURES_SQLITE)
    for row_kind, account_id, kind, stored, computed in cursor.fetchall():
        if row_kind == 0:
            report.postings, report.total_pence = int(stored), int(computed)
        elif kind is None:
            report.problems.append(f"postings name account {account_id}, which does not exist")
        else:
            report.problems.append(
                f"account {account_id} ({kind}) stores a balance of {stored} pence but its postings sum "
                f"to {computed} pence"
            )


def check_ledger() -> LedgerCheckReport:
    """Recompute every account balance from the postings; check every entry sums to zero with two or more
    non-zero postings, every posting names an entry and an account that exist, every stored balance matches
    and the whole ledger sums to zero. Names each difference (the first 50 of each kind). Two passes over the
    postings: one grouped by entry, one by account."""
    report = LedgerCheckReport()
    own_transaction = not connection.in_atomic_block
    with transaction.atomic(), connection.cursor() as cursor:
        if is_postgresql() and own_transaction:
            # one snapshot for every query (inside a caller's transaction, the caller's isolation applies)
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        cursor.execute("SELECT (SELECT COUNT(*) FROM dms_journal_entry), (SELECT COUNT(*) FROM dms_account)")
        report.entries, report.accounts = (int(v) for v in cursor.fetchone())
        _entry_problems(cursor, report)
        _account_problems(cursor, report)
        if report.total_pence != 0:
            report.problems.append(f"the whole ledger sums to {report.total_pence} pence, not 0")
    return report
