"""Applying the LA files the daily run takes (hb-debt-interface.md §5.4, §6.1-6.5), and recall holding periods.

Daily-run steps (``services/daily_run.py``, ``DAY_STEPS``, in this order):

- :func:`holding_periods_step`: recalls whose holding period has ended return their debt (``LA_RECALL``)
  with the balance then held (§6.5). It runs before the day's LA files, so a debt that ceases on the run
  date is not held by that date's referrals (docs/la-interface-notes.md "A recall ceases before the day's
  LA files", Decision).
- :func:`la_files_step`: every PENDING received file whose creation date has come, referral files first, then
  revisions, then recalls; within a type by LA ID, then creation date, then receipt order (§5.4). Each file
  is validated (:func:`dms.services.la_validation.validate_file`, every §6.1 error) and applied whole or
  not at all, in a savepoint of its own (:func:`process_file`; a referral file is applied as it is
  validated, in one read, and the application rolled back if the file is not accepted): a failed file is FAILED with its outcome and
  errors and nothing of it is applied; an accepted one has every record applied and is ACCEPTED. Files run
  one after another, so a referral accepted earlier in a run is seen by a revision file later in it. A file
  DMS breaks down on is held, with its LA's later files, and the run goes on with the other LAs' files
  (:func:`la_files_step`).

Referrals (§6.2-6.4) are applied in bulk, a chunk of records at a time (``CHUNK_RECORDS``): the people,
their awards in payment, the HB debts they hold, their other DWP recovery and earlier referrals of the same
DebtRefs are loaded in a few set-based queries; the rules are decided record by record in memory (file
order, so two referrals of one person in a file see each other); debts, components and audit rows are
written in batches (``COPY`` on PostgreSQL) and the chunk's RECEIVABLE accounts and REFERRAL and RETURN
entries are posted in their fixed shape with one ``post_referrals`` call (``dms.store.ledger``).

Interpretations (docs/la-interface-notes.md, "Processing"):

- A referral returned at once (the claimant has died, no benefit in payment, a debt limit, other DWP
  recovery) is taken on and returned on the same day: REFERRAL then RETURN entries, status RETURNED with the reason, and a Cessation
  row with BalanceReturned = the referred total, so the LA's cessation file tells it so.
- A claimant who has died: a referral processed on or after the date of death DMS holds for them
  (``Person.date_of_death``, recorded when ``person.died`` is imported) is returned at once with ``DEATH``
  (recovery-rules.md §6, events.md ``person.died``), before any other rule: the LA is told why, where
  ``NO_BENEFIT_IN_PAYMENT`` would not.
- A claimant unknown to DMS is recorded from the referral (NINO, names, date of birth); with no award they
  have no benefit in payment, and the debt is returned (``NO_BENEFIT_IN_PAYMENT``).
- "Benefit in payment on the processing date" (``services/benefit_in_payment.py``): an award (UC or an Annex A
  benefit) from its start date to its end date, both included (events.md §2: no benefit in payment *after*
  ``end_date``); the partner named on a joint UC award is a UC claimant while it is in payment.
- The HB debts DMS "holds" for the limits of §6.3 are those OPEN, SUSPENDED or RECALL_PENDING: a debt in its
  recall holding period is still held (§6.5: money still reaches it until it ceases). A CLEARED debt is
  not counted: it has nothing left to recover. A FRAUD sixth displaces only an OPEN or SUSPENDED NON_FRAUD
  debt, never one in its recall holding period nor one a recall file processed the same day recalls (both
  are already leaving, :func:`recalled_today`), and while such a leaving debt is held it displaces none (the
  leaving debt takes no place from it); with every staying debt FRAUD, it is itself returned.
- Other DWP recovery (§6.3): the person's OPEN DWP and HMRC debts with a balance, recovered by deduction from
  their legacy benefit. Expected duration = their balance ÷ the weekly rate the legacy engine applies
  (3 units, 5 if any is fraud, or a lower staff rate in force), in days; more than 28 days returns the
  referral.
- A re-referral is a referral of a DebtRef this LA referred before for the same person and that was
  returned or withdrawn. A non-fraud one is received on its new date (the back of the queue); a fraud one
  keeps the received date of the first referral (§6.4).
- A debt's received date is the date DMS received the file (``ReceivedFile.received_on``). Its
  ``referral_received_on`` is that date always: the ReferralReceivedDate of its cessation (§4.1), even for
  a re-referred fraud debt whose ``received_on`` (recovery order) is its first referral's.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Container, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

from django.db import InterfaceError, OperationalError, transaction
from django.db.models import Q

from dms.debts import ACTIVE_STATUSES, Classification, CreditorKind, DebtStatus, DebtType, check_transition
from dms.errors import DmsError, InvariantBroken
from dms.la_interface.records import InboundRecord, RecallRecord, ReferralRecord, RevisionRecord
from dms.money import format_pounds
from dms.parameters import value
from dms.recovery.legacy import (
    PER_ASSESSMENT_PERIOD,
    PER_WEEK,
    legacy_weekly_rate,
    rate_per,
    sanction_for_period,
)
from dms.services import debts as debt_service
from dms.services.benefit_in_payment import benefits_in_payment, in_payment_params, in_payment_sql
from dms.services.la_validation import (
    ApplySound,
    HeldBefore,
    Validation,
    iter_records,
    recall_names,
    unseen_from,
    validate_file,
)
from dms.services.recovery_events import (
    MORATORIA,
    SANCTION_RETURN_RATE,
    SANCTION_RETURN_WEEKS,
    WHOLE_INSOLVENCY,
    SanctionFacts,
    bar_a_new_debt,
    death_report_named,
    insolvency_return_why,
    sanction_return_why,
    settle_a_reclassified_debt,
)
from dms.services.recovery_load import (
    LEGACY_AWARD_ORDER,
    OWNER_PAID_PLACEHOLDERS,
    OWNER_PAID_SQL,
    able_params,
    as_date,
    fetch,
    in_ids,
    reduced_rates,
    sanctions_in_force,
)
from dms.store.la.models import FileKind, FileState, Recall, ReceivedFile
from dms.store.ledger import Referral, allocate_ids, post_referrals, write_rows
from dms.store.models import Creditor, Debt, DebtStatusChange, Person, partition_of

ACTOR = "daily run: LA files"
HOLDING_ACTOR = "daily run: recall holding periods"
CHUNK_RECORDS = 5_000

KIND_ORDER = {FileKind.REFERRAL: 0, FileKind.REVISION: 1, FileKind.RECALL: 2}  # §5.4
UC_HB_DEBT_LIMIT = 5  # §6.3 (circular §11): up to five HB debts across all LAs for a UC claimant
NON_UC_HB_DEBT_LIMIT = 1  # §6.3: one HB debt at a time for others
OTHER_RECOVERY_MAX_DAYS = 28  # §6.3: other DWP recovery due to last more than 28 days returns the referral
RECALL_HOLDING_DAYS_UC = 5  # §6.5 (circular §21)
RECALL_HOLDING_DAYS_OTHER = 14  # §6.5 (circular §21)
# §6.3 with §6.5: the HB debts a person holds for the limits; a debt in its recall holding period is still held
HELD_FOR_LIMITS = (DebtStatus.OPEN, DebtStatus.SUSPENDED, DebtStatus.RECALL_PENDING)
# a FRAUD sixth displaces a NON_FRAUD debt in one of these, never one already recalled, nor one a recall file
# processed the same day recalls (§6.3, §6.5, §5.4; _HeldHb.displaceable)
DISPLACEABLE = (DebtStatus.OPEN, DebtStatus.SUSPENDED)

_DEBT_COLUMNS = (
    "id", "person_id", "creditor_id", "creditor_ref", "debt_type", "classification", "amount_pence",
    "original_amount_pence", "created_on", "received_on", "receipt_seq", "status", "status_date",
    "joint_person_id", "agreed_amount_pence", "partition", "cessation_reason", "referral_received_on",
)
_DEBT_TYPES = ("int8", "int8", "int8", "text", "text", "text", "int8", "int8", "date", "date", "int8", "text", "date",
               "int8", "int8", "int2", "text", "date")
_COMPONENT_COLUMNS = ("debt_id", "amount_pence", "period_start", "period_end")
_COMPONENT_TYPES = ("int8", "int8", "date", "date")
_STATUS_CHANGE_COLUMNS = ("debt_id", "from_status", "to_status", "business_date", "recorded_at", "actor", "reason")
_STATUS_CHANGE_TYPES = ("int8", "text", "text", "date", "timestamptz", "text", "text")


# ---------------------------------------------------------------------------------------------- reports


@dataclass
class FileReport:
    """What processing one file did."""

    name: str
    state: str
    outcome: str = ""
    records: int = 0
    taken_on: int = 0
    returned: Counter[str] = field(default_factory=Counter)
    taken_ids: set[int] = field(default_factory=set)  # the debts this file took on, in any of its chunks
    revised: int = 0
    reclassified: int = 0
    recalled: int = 0


@dataclass
class StepReport:
    files: int = 0
    accepted: int = 0
    failed: int = 0
    referrals: int = 0
    taken_on: int = 0
    revisions: int = 0
    recalls: int = 0
    returned: Counter[str] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)
    held: list[str] = field(default_factory=list)  # files left PENDING after a fault of DMS's, and why

    def add(self, report: FileReport) -> None:
        self.files += 1
        if report.state == FileState.ACCEPTED:
            self.accepted += 1
        else:
            self.failed += 1
            self.failures[report.outcome] += 1
        self.taken_on += report.taken_on
        self.returned.update(report.returned)

    def as_dict(self) -> dict[str, Any]:
        return {"files": self.files, "accepted": self.accepted, "failed": self.failed,
                "referrals": self.referrals, "taken_on": self.taken_on, "revisions": self.revisions,
                "recalls": self.recalls, "returned": dict(sorted(self.returned.items())),
                "failures": dict(sorted(self.failures.items())), "held": list(self.held)}


# ---------------------------------------------------------------------------------------------- the step


def due_files(run_date: date) -> list[ReceivedFile]:
    """The PENDING files to process on ``run_date``, in §5.4 order: referrals, then revisions, then recalls;
    within a type by LA ID, creation date, then receipt order. A file dated after the run date waits, and
    so does one received after it (``dms la receive --date``): a run never processes a file before the day
    DMS received it."""
    files = ReceivedFile.objects.filter(state=FileState.PENDING, creation_date__lte=run_date,
                                        received_on__lte=run_date)
    return sorted(files, key=lambda f: (KIND_ORDER[FileKind(f.kind)], f.la_id, f.creation_date, f.seq))


def la_files_step(run_date: date) -> dict[str, Any]:
    """Daily-run step: process every due LA file in §5.4 order (:func:`due_files`, :func:`process_file`).

    A file whose processing breaks down (anything raised but a database failure, which stops the run) is a
    fault of DMS's own, not of the file: its savepoint is rolled back, so nothing of it stays, and it is
    **held**: left PENDING, neither accepted nor failed, and tried again by the next run. So that an LA's
    files keep their §5.4 order, that LA's later files wait with it; every other LA's files are processed
    as usual. What broke down is listed for DMS's operators in the step's summary (``held``); the LA is not
    asked to do anything (hb-debt-interface.md §4.3 has no outcome for a fault of DMS's;
    docs/la-interface-notes.md "Processing")."""
    report = StepReport()
    held: dict[str, str] = {}  # LA ID -> the file held
    for received_file in due_files(run_date):
        where = f"{received_file.name} (received {received_file.received_on})"
        if received_file.la_id in held:
            report.held.append(f"{where}: waits for {held[received_file.la_id]}, held before it")
            continue
        # the file's row locked for the rest of the run (PostgreSQL), and its state read again: a file of the
        # same name received meanwhile (`dms la receive`, §5.3) may have superseded it; one received after
        # this finds it processed once the run commits (la_intake._take_file locks the same rows)
        still = (ReceivedFile.objects.select_for_update().filter(pk=received_file.pk)
                 .values_list("state", flat=True).first())
        if still != FileState.PENDING:
            continue
        try:
            done = process_file(received_file, run_date)
        except (OperationalError, InterfaceError):
            raise
        except Exception as error:  # a fault of DMS's in one file holds that LA's files, not the run
            held[received_file.la_id] = received_file.name
            report.held.append(f"{where}: {type(error).__name__}: {error}")
            continue
        report.add(done)
        if done.state == FileState.ACCEPTED:
            if received_file.kind == FileKind.REFERRAL:
                report.referrals += done.records
            elif received_file.kind == FileKind.REVISION:
                report.revisions += done.records
            else:
                report.recalls += done.records
    return report.as_dict()


def process_file(received_file: ReceivedFile, run_date: date) -> FileReport:
    """Validate one file and apply it whole (ACCEPTED) or not at all (FAILED with its outcome, every error
    and the failed referral it depends on), in one savepoint (§6.1, circular §47). ``processed_on`` is
    ``run_date``. A file no longer PENDING is refused.

    A referral file is read once: its chunks are applied as they are validated, in a savepoint that is rolled
    back if the file turns out not to be accepted (:func:`dms.services.la_validation.validate_file` with
    ``apply_sound``). Revision and recall files are validated whole first, then read again and applied."""
    if received_file.state != FileState.PENDING:
        raise DmsError(f"{received_file.name} (received {received_file.received_on}) is {received_file.state}, "
                       "not PENDING: only a pending file is processed")
    with transaction.atomic():
        creditor = Creditor.objects.filter(kind=CreditorKind.LA, la_id=received_file.la_id).first()
        if received_file.kind == FileKind.REFERRAL and creditor is not None:
            report = FileReport(received_file.name, FileState.ACCEPTED)
            try:
                with transaction.atomic():
                    validation = validate_file(received_file, run_date, _referral_applier(
                        received_file, creditor, run_date, report), CHUNK_RECORDS)
                    if not validation.accepted:
                        raise _NotAccepted(validation)
            except _NotAccepted as refused:
                validation = refused.validation
        else:
            validation = validate_file(received_file, run_date)
            report = FileReport(received_file.name, FileState.ACCEPTED)
            if validation.accepted:
                creditor = creditor or Creditor.objects.get(kind=CreditorKind.LA, la_id=received_file.la_id)
                apply = {FileKind.REFERRAL: _apply_referrals, FileKind.REVISION: _apply_revisions,
                         FileKind.RECALL: _apply_recalls}[FileKind(received_file.kind)]
                for chunk in iter_records(received_file, CHUNK_RECORDS):
                    with _applying(received_file):
                        apply(received_file, creditor, chunk, run_date, report)
        if not validation.accepted:
            _mark_failed(received_file, validation, run_date)
            return FileReport(received_file.name, FileState.FAILED, validation.outcome, validation.record_count)
        report.records = validation.record_count
        ReceivedFile.objects.filter(pk=received_file.pk).update(
            state=FileState.ACCEPTED, outcome="", errors=[], processed_on=run_date, records=validation.record_count,
        )
    received_file.refresh_from_db()
    return report


class _NotAccepted(Exception):
    """Rolls back the savepoint of a referral file applied as it was validated, when it is not accepted."""

    def __init__(self, validation: Validation) -> None:
        super().__init__(validation.outcome)
        self.validation = validation


@contextmanager
def _applying(received_file: ReceivedFile) -> Iterator[None]:
    try:
        yield
    except DmsError as error:
        raise DmsError(f"{received_file.name} (received {received_file.received_on}) passed validation but could "
                       f"not be applied, so nothing of it was: {error}") from error


def _referral_applier(received_file: ReceivedFile, creditor: Creditor, run_date: date,
                      report: FileReport) -> ApplySound:
    """Apply one sound chunk of a referral file as validation hands it over (:func:`_apply_referrals`)."""

    def apply(records: list[InboundRecord], no_longer_held: dict[tuple[str, int], date]) -> list[HeldBefore]:
        with _applying(received_file):
            return _apply_referrals(received_file, creditor, records, run_date, report, no_longer_held)

    return apply


def _mark_failed(received_file: ReceivedFile, validation: Validation, run_date: date) -> None:
    ReceivedFile.objects.filter(pk=received_file.pk).update(
        state=FileState.FAILED, outcome=validation.outcome, errors=[e.as_json() for e in validation.errors],
        depends_on=validation.depends_on, processed_on=run_date, records=validation.record_count,
    )
    received_file.refresh_from_db()


# ---------------------------------------------------------------------------------------------- set-based loads


@dataclass(slots=True)
class _HeldHb:
    """An HB debt a person has with DMS (or one taken on earlier in the same chunk), as §6.3 sees it."""

    debt_id: int
    classification: str
    received_on: date
    receipt_seq: int
    status: str = DebtStatus.OPEN
    leaving: bool = False  # a recall file processed the same day recalls it (recalled_today)
    la_id: str = ""
    debt_ref: str = ""
    referred_in: str = ""  # taken on earlier in the chunk: its file and line

    @property
    def fraud(self) -> bool:
        return self.classification == Classification.FRAUD

    @property
    def named(self) -> str:
        """The debt in words, for the reason of a referral it returns: "HB/1 of LA 005920 (OPEN)", or, taken
        on earlier in the chunk, "HB/1 of LA 005920 (referred earlier in FILE line N)"."""
        where = f"referred earlier in {self.referred_in}" if self.referred_in else self.status
        return f"{self.debt_ref} of LA {self.la_id} ({where})"

    @property
    def leaving_dms(self) -> bool:
        """Recalled: in its recall holding period, or recalled by a recall file processed the same day
        (§6.5 with §5.4); it ceases ``LA_RECALL`` and takes no new deductions meanwhile."""
        return self.status == DebtStatus.RECALL_PENDING or self.leaving

    @property
    def displaceable(self) -> bool:
        """Whether a FRAUD sixth may displace it: a NON_FRAUD debt OPEN or SUSPENDED and not leaving (§6.3)."""
        return not self.fraud and self.status in DISPLACEABLE and not self.leaving


Recalled = Container[tuple[str, str, int]]  # (LA ID, DebtRef, person id) of debts recalled today


def held_hb_debts(person_ids: Sequence[int], leaving: Recalled = frozenset()) -> dict[int, list[_HeldHb]]:
    """``{person id: HB debts held}`` across every LA (OPEN, SUSPENDED or RECALL_PENDING, hb-debt-interface.md
    §6.3 with §6.5; not CLEARED: see the module docstring), each marked ``leaving`` when it is in ``leaving``
    (:func:`recalled_today`)."""
    if not person_ids:
        return {}
    cond, params = in_ids("d.person_id", person_ids)
    statuses = ", ".join(f"'{s}'" for s in HELD_FOR_LIMITS)
    rows = fetch(
        "SELECT d.id, d.person_id, d.classification, d.received_on, d.receipt_seq, d.status, c.la_id, "
        "d.creditor_ref FROM dms_debt d "
        f"JOIN dms_creditor c ON c.id = d.creditor_id WHERE {cond} AND c.kind = 'LA' AND d.status IN ({statuses})",
        params,
    )
    held: dict[int, list[_HeldHb]] = defaultdict(list)
    for debt_id, person_id, classification, received_on, seq, status, la_id, ref in rows:
        held[person_id].append(_HeldHb(debt_id, classification, as_date(received_on), seq, status,
                                       (la_id, ref, person_id) in leaving, la_id, ref))
    return held


def recalled_today(run_date: date, people: Mapping[str, Claimant]) -> set[tuple[str, str, int]]:
    """``{(LA ID, DebtRef, person id)}`` of the debts of ``people`` (by NINO) that the recall files processed
    on ``run_date`` (:func:`due_files`) recall, as their records name them
    (:func:`dms.services.la_validation.recall_names`). Referral files are processed before recall files
    (§5.4), so these debts are still held when the day's referrals are decided, but are leaving: a FRAUD
    sixth never displaces one (§6.3 with §6.5; docs/la-interface-notes.md "Sixth UC debt", Decision).

    A recall file is applied whole or not at all (§6.1), so one naming any of ``people`` recalls them only if
    it passes every check, those against the debts held included (``validate_file``, as the debts stand
    now: what the day's files do before it is processed only takes debts on or returns them that day, and a
    recall of a debt returned that day is valid). One that fails recalls nothing: the debts it names stay."""
    recalled: set[tuple[str, str, int]] = set()
    for received_file in due_files(run_date):
        if received_file.kind != FileKind.RECALL:
            continue
        named = {(ref, people[nino].person_id) for ref, nino in recall_names(received_file) if nino in people}
        if named and validate_file(received_file, run_date).accepted:
            recalled.update((received_file.la_id, ref, person_id) for ref, person_id in named)
    return recalled


@dataclass(frozen=True, slots=True)
class OtherRecovery:
    """A person's other DWP recovery by deduction (§6.3): the balance still to recover and the weekly rate."""

    balance_pence: int
    weekly_rate_pence: int
    # while a sanction lasts (the next ``sanction_days`` days, from the processing date), the lower weekly
    # rate the sanctioned benefit allows
    sanction_rate_pence: int = 0
    sanction_days: int = 0
    basis: str = "the standard rate"  # what the weekly rate is, in words

    @property
    def days(self) -> int | None:
        """Expected days to recover the balance, rounded up: at the sanction's rate while it lasts, then at
        the weekly rate (None: it would never end)."""
        balance, days = self.balance_pence, 0
        if self.sanction_days > 0:
            if self.sanction_rate_pence > 0 and balance * 7 <= self.sanction_rate_pence * self.sanction_days:
                return -(-balance * 7 // self.sanction_rate_pence)
            balance -= self.sanction_rate_pence * self.sanction_days // 7
            days = self.sanction_days
        if self.weekly_rate_pence <= 0:
            return None
        return days + -(-balance * 7 // self.weekly_rate_pence)

    def longer_than(self, days: int) -> bool:
        found = self.days
        return found is None or found > days

    def calculation(self) -> str:
        """How :attr:`days` was worked out, in words, for the reason of a referral it returns: "55.81 at
        13.95 a week (the standard rate) lasts 29 days (55.81 × 7 ÷ 13.95, rounded up)"; with a sanction, its
        rate for the days it lasts first; "is never recovered" at 0.00 a week."""
        balance, weekly = format_pounds(self.balance_pence), format_pounds(self.weekly_rate_pence)
        days = self.days
        if days is None:
            return f"{balance} at {weekly} a week ({self.basis}) is never recovered"
        if self.sanction_days > 0:
            return (f"{balance} at {format_pounds(self.sanction_rate_pence)} a week for the {self.sanction_days} "
                    f"days the sanction in force lasts, then {weekly} a week ({self.basis}), lasts {days} days")
        return f"{balance} at {weekly} a week ({self.basis}) lasts {days} days ({balance} × 7 ÷ {weekly}, rounded up)"


def other_dwp_recovery(person_ids: Sequence[int], on: date) -> dict[int, OtherRecovery]:
    """``{person id: OtherRecovery}`` for people with OPEN DWP or HMRC debts with a balance (§6.3), their own
    and those they owe jointly that their benefit recovers (the owner having none). The rate is
    the legacy engine's weekly rate on ``on`` (recovery-rules.md §4: 3 units, 5 units if any of the debts is
    fraud), or the lowest staff reduced rate in force (A9/2025 §31), as ``services/recovery.py`` applies;
    when all of the debts are Social Fund loans with an agreed amount, at most what their agreed amounts
    allow a week (recovery-rules.md §3 item 14; ``dms.recovery.legacy.agreed_amount_limits``)."""
    if not person_ids:
        return {}
    cond, params = in_ids("d.person_id", person_ids)
    joint_cond, joint_params = in_ids("d.joint_person_id", person_ids)
    held = ("FROM dms_debt d JOIN dms_creditor c ON c.id = d.creditor_id "
            "JOIN dms_account acc ON acc.debt_id = d.id AND acc.kind = 'RECEIVABLE' "
            "WHERE c.kind IN ('DWP', 'HMRC') AND d.status = 'OPEN' AND acc.balance_pence > 0 AND d.received_on <= %s")
    # their own debts, and those they owe jointly that are recovered from their benefit (the owner has none,
    # or has died: recovery_load.OWNER_PAID_SQL, the daily run's rule)
    columns = "d.classification, acc.balance_pence, d.debt_type, d.agreed_amount_pence"
    rows = fetch(
        f"SELECT d.id, d.person_id, {columns} {held} AND {cond} "
        f"UNION SELECT d.id, d.joint_person_id, {columns} {held} AND {joint_cond} "
        f"AND ({OWNER_PAID_SQL}) = 0",
        [on, *params, on, *joint_params, *[on] * OWNER_PAID_PLACEHOLDERS],
    )
    if not rows:
        return {}
    debt_person = {r[0]: r[1] for r in rows}
    reduced = reduced_rates(on, list(debt_person), per="WEEK")
    balance: dict[int, int] = defaultdict(int)
    fraud: dict[int, bool] = defaultdict(bool)
    lowest: dict[int, int] = {}
    agreed: dict[int, int | None] = {}  # person → what their loans' agreed amounts allow a week; None: no limit
    for debt_id, person_id, classification, amount, debt_type, agreed_pence in rows:
        balance[person_id] += int(amount)
        fraud[person_id] |= classification == Classification.FRAUD
        if debt_id in reduced:
            lowest[person_id] = min(lowest.get(person_id, reduced[debt_id]), reduced[debt_id])
        limited = agreed.get(person_id, 0)
        loan = debt_type == DebtType.SOCIAL_FUND_LOAN and agreed_pence is not None
        agreed[person_id] = None if limited is None or not loan else (
            limited + rate_per(int(agreed_pence), PER_ASSESSMENT_PERIOD, PER_WEEK))
    room = _legacy_weekly_room(sorted(balance), on)
    result = {}
    floor = format_pounds(int(value("legacy.minimum_benefit_per_week", on)))
    for person_id, total in balance.items():
        rate = legacy_weekly_rate(on, fraud[person_id])
        basis = "the fraud rate, one of the debts being fraud" if fraud[person_id] else "the standard rate"
        if person_id in lowest and lowest[person_id] < rate:
            rate, basis = lowest[person_id], "a staff reduced rate"
        most = agreed[person_id]
        if most is not None and most < rate:
            rate, basis = most, "what the Social Fund loans' agreed amounts allow"
        full, sanctioned, sanction_days = room.get(person_id, (rate, rate, 0))
        if full < rate:
            basis = f"what the benefit leaves above the floor of {floor} a week"
        result[person_id] = OtherRecovery(total, min(rate, full), min(rate, sanctioned), sanction_days, basis)
    return result


def _legacy_weekly_room(person_ids: Sequence[int], on: date) -> dict[int, tuple[int, int, int]]:
    """``{person id: (pence a week, pence a week while sanctioned, days the sanction lasts from on)}``: what
    the legacy engine can take from each person's benefit. The weekly amount of the legacy award it
    recovers from (``recovery_load.due_instalments``' choice of the awards in payment) less the
    10p-a-week floor (recovery-rules.md §4, A9/2025 §24), never below 0; while a sanction in force on ``on``
    lasts, less what it takes (the highest rate where several overlap). The "current rate of recovery" of
    §6.3 is the rate actually taken, so a benefit too small for the full instalment, or a sanction, makes
    the other recovery last longer."""
    if not person_ids:
        return {}
    cond, params = in_ids("a.person_id", person_ids)
    rows = fetch(
        "SELECT a.person_id, a.weekly_amount_pence FROM dms_award a "
        f"WHERE {cond} AND a.benefit <> 'UC' AND {in_payment_sql('a')} ORDER BY a.person_id, {LEGACY_AWARD_ORDER}",
        [*params, *in_payment_params(on), *able_params(on) * 2],
    )
    floor = int(value("legacy.minimum_benefit_per_week", on))
    sanctions = sanctions_in_force(on, person_ids)
    room: dict[int, tuple[int, int, int]] = {}
    for person_id, weekly in rows:
        if person_id in room:
            continue
        paid = int(weekly or 0)
        full = max(0, paid - floor)
        sanction = sanctions.get(person_id)
        if sanction is None:
            room[person_id] = (full, full, 0)
            continue
        sanctioned = max(0, paid - sanction_for_period(paid, sanction.rate_percent) - floor)
        room[person_id] = (full, sanctioned, (sanction.until - on).days + 1)
    return room


class Restrictions(NamedTuple):
    """What a chunk's claimants' applied restrictions mean for their referrals (recovery-rules.md §6)."""

    # the latest bankruptcy, DRO or IVA applied by the run date: (kind, start date, event id)
    insolvency: dict[int, tuple[str, date, str]]
    in_moratorium: set[int]  # people in a breathing space or crisis moratorium the run has not yet ended
    # people under a 100% sanction of 13 weeks or more on the date (events.md §2), with the sanction
    sanctioned: dict[int, SanctionFacts]

    def insolvency_includes(self, person_id: int, created_on: date) -> bool:
        """Whether a bankruptcy, DRO or IVA applied for the person includes a debt created on ``created_on``:
        one began on or after that date (it includes the debts that had arisen by its start, recovery-rules.md
        §6). A person with none has nothing that includes it, whatever the date (0001-01-01 included)."""
        found = self.insolvency.get(person_id)
        return found is not None and found[1] >= created_on


def restrictions_of(person_ids: Sequence[int], on: date) -> Restrictions:
    """The chunk's claimants' insolvencies, moratoria and sanctions applied by the run (``recovery_events``),
    in one query: an insolvency includes the debts that had arisen by its start; a moratorium bars recovery
    of eligible debts until the run resumes it; a 100% sanction of 13 weeks or more in force on ``on``
    returns HB debts (events.md §2 ``person.sanction``), a new one as those held when it was applied."""
    if not person_ids:
        return Restrictions({}, set(), {})
    cond, params = in_ids("person_id", person_ids)
    kinds = ", ".join(f"'{kind}'" for kind in (*WHOLE_INSOLVENCY, *MORATORIA, "SANCTION"))
    found = Restrictions({}, set(), {})
    for person_id, kind, start, end, resumed_on, rate, event_id in fetch(
            "SELECT person_id, kind, start_date, end_date, resumed_on, rate_percent, event_id FROM dms_restriction "
            f"WHERE kind IN ({kinds}) AND {cond} AND start_date <= %s ORDER BY start_date, id", [*params, on]):
        if kind in WHOLE_INSOLVENCY:
            # by start date: the latest to start is the one that includes the most (and names the return)
            found.insolvency[person_id] = (kind, as_date(start), event_id)
        elif kind == "SANCTION":
            first, last = as_date(start), as_date(end)
            if (rate and Decimal(rate) >= SANCTION_RETURN_RATE and last >= on
                    and (last - first).days + 1 >= 7 * SANCTION_RETURN_WEEKS):
                # the latest to start, where several are in force, is the one named
                found.sanctioned[person_id] = SanctionFacts.of_restriction(event_id, rate, first, last)
        elif resumed_on is None:
            found.in_moratorium.add(person_id)
    return found


def first_received_dates(creditor_id: int, pairs: Iterable[tuple[str, int]]) -> dict[tuple[str, int], date]:
    """``{(DebtRef, person id): received date of the first referral}`` for DebtRefs this LA referred before
    for that person and that are no longer held (returned or withdrawn): re-referrals (§6.4)."""
    wanted = set(pairs)
    if not wanted:
        return {}
    cond, params = in_ids("d.creditor_ref", sorted({ref for ref, _ in wanted}))
    rows = fetch(
        "SELECT d.creditor_ref, d.person_id, MIN(d.received_on) FROM dms_debt d "
        f"WHERE d.creditor_id = %s AND {cond} AND d.status IN ('RETURNED', 'WITHDRAWN') "
        "GROUP BY d.creditor_ref, d.person_id",
        [creditor_id, *params],
    )
    return {(ref, person): as_date(first) for ref, person, first in rows if (ref, person) in wanted}


class Claimant(NamedTuple):
    """A referral's claimant as DMS knows them: their date of death when DMS has been told of it."""

    person_id: int
    partition: int
    died_on: date | None


def people_for(records: Sequence[ReferralRecord]) -> dict[str, Claimant]:
    """``{NINO: Claimant}`` for the referrals' claimants, recording those DMS does not know yet from the
    referral (NINO, surname, forenames, date of birth), in bulk."""
    ninos = sorted({r.nino for r in records})
    cond, params = in_ids("nino", ninos)
    select = "SELECT id, nino, partition, date_of_death FROM dms_person WHERE "
    known = {nino: Claimant(pk, part, as_date(died) if died is not None else None)
             for pk, nino, part, died in fetch(select + cond, params)}
    missing: dict[str, ReferralRecord] = {}
    for record in records:
        if record.nino not in known:
            missing.setdefault(record.nino, record)
    if missing:
        Person.objects.bulk_create([
            Person(nino=r.nino, surname=r.surname, forenames=r.forenames, date_of_birth=r.date_of_birth,
                   partition=partition_of(r.nino)) for r in missing.values()
        ], batch_size=2000)
        cond, params = in_ids("nino", sorted(missing))
        for pk, nino, part in fetch(f"SELECT id, nino, partition FROM dms_person WHERE {cond}", params):
            known[nino] = Claimant(pk, part, None)
    return known


# ---------------------------------------------------------------------------------------------- referrals


@dataclass(slots=True)
class _NewDebt:
    record: ReferralRecord
    debt_id: int
    person_id: int
    partition: int
    received_on: date
    receipt_seq: int
    returned_for: str = ""  # the cessation reason of a referral returned at once
    died_on: date | None = None  # the claimant's date of death, when DMS knows it
    # the bankruptcy, DRO or IVA that returned it (INSOLVENCY): (kind, start date, event id)
    insolvency: tuple[str, date, str] | None = None
    sanction: SanctionFacts | None = None  # a sanction in force that returns HB debts, when there is one
    other: OtherRecovery | None = None  # the other DWP recovery that returned it (OTHER_DWP_RECOVERY)
    held: tuple[_HeldHb, ...] = ()  # the HB debts held that returned it (HB_DEBT_ALREADY_HELD)


def referral_decision(*, in_payment: set[str], held: list[_HeldHb], new: _HeldHb,
                      other: OtherRecovery | None, died_on: date | None, on: date,
                      insolvent: bool = False, sanctioned: bool = False) -> tuple[str, _HeldHb | None]:
    """The §6.2-6.3 decision on one referral processed on ``on``: ``(reason it is returned at once or "",
    held debt it displaces or None)``. ``held`` are the HB debts the person holds (across all LAs) before
    this one; ``died_on`` the claimant's date of death as DMS knows it.

    - The claimant has died (``died_on`` on or before ``on``): ``DEATH`` (recovery-rules.md §6 "Death:
      deductions stop; HB debts cease (DEATH)"; events.md ``person.died``; docs/la-interface-notes.md
      "Processing"), before every other rule: nothing would ever be recovered, and it tells the LA why.
    - ``insolvent``: a bankruptcy, DRO or IVA DMS has applied includes the debt (it had arisen by the
      insolvency's start): ``INSOLVENCY`` (recovery-rules.md §6: HB debts are returned), as the debts held
      when the insolvency was applied were.
    - ``sanctioned``: a 100% sanction of 13 weeks or more is in force (events.md §2 ``person.sanction``: it
      returns HB debts): ``SANCTION``, as the HB debts held when it was applied were.
    - No UC or Annex A award in payment: ``NO_BENEFIT_IN_PAYMENT`` (§6.2, circular §7).
    - UC claimants, up to five HB debts (§6.3, circular §11): a sixth NON_FRAUD debt, or a sixth while all
      five are FRAUD, is returned (``UC_DEBT_LIMIT``); a sixth FRAUD debt while one held is NON_FRAUD is taken
      and the most recently received NON_FRAUD debt is returned (``UC_DEBT_LIMIT``).
    - Others: one HB debt at a time (``HB_DEBT_ALREADY_HELD``); other DWP recovery by deduction due to last
      more than 28 days returns it (``OTHER_DWP_RECOVERY``) (§6.3, circular §24).

    Held (both limits) includes a debt in its recall holding period (§6.5: still held until it ceases). A
    FRAUD sixth, taken as §6.3 says, never displaces such a debt (it is already leaving, and ceases
    ``LA_RECALL``), nor one that a recall file processed the same day recalls (``leaving``: recall files are
    processed after referral files, §5.4). Such a leaving debt takes no place from a FRAUD sixth: while
    fewer than five held are staying, the FRAUD debt displaces none (the place frees when the recalled debt
    ceases, and it takes no new deductions meanwhile); otherwise it displaces the most recently received
    OPEN or SUSPENDED NON_FRAUD debt that is staying, and with none is itself returned
    (docs/la-interface-notes.md "Processing", "Sixth UC debt", Decision).
    """
    if died_on is not None and died_on <= on:
        return "DEATH", None
    if insolvent:
        return "INSOLVENCY", None
    if sanctioned:
        return "SANCTION", None
    if not in_payment:
        return "NO_BENEFIT_IN_PAYMENT", None
    if "UC" in in_payment:
        if len(held) < UC_HB_DEBT_LIMIT:
            return "", None
        if not new.fraud or all(h.fraud for h in held):
            return "UC_DEBT_LIMIT", None
        staying = [h for h in held if not h.leaving_dms]
        if len(staying) < UC_HB_DEBT_LIMIT:  # a recalled debt's place frees when it ceases
            return "", None
        displaceable = [h for h in staying if h.displaceable]
        if not displaceable:
            return "UC_DEBT_LIMIT", None
        return "", max(displaceable, key=lambda h: (h.received_on, h.receipt_seq))
    if len(held) >= NON_UC_HB_DEBT_LIMIT:
        return "HB_DEBT_ALREADY_HELD", None
    if other is not None and other.longer_than(OTHER_RECOVERY_MAX_DAYS):
        return "OTHER_DWP_RECOVERY", None
    return "", None


def referral_received_on(record: ReferralRecord, received: date, first_received: date | None) -> date:
    """The received date that orders a referred debt's recovery (§6.4): :func:`debts.received_for_order`."""
    return debt_service.received_for_order(record.classification, received, first_received)


_RETURN_TEXT = {
    "DEATH": "the claimant died on {died}{death_event}, on or before {d} (recovery-rules.md §6; events.md "
             "person.died)",
    "INSOLVENCY": "the claimant is under {insolvency}",  # recovery_events.insolvency_return_why
    "SANCTION": "the claimant is under {sanction}",  # recovery_events.sanction_return_why
    "NO_BENEFIT_IN_PAYMENT": "no Universal Credit or Annex A benefit in payment on {d} (hb-debt-interface.md §6.2)",
    "UC_DEBT_LIMIT": "the UC claimant already has five HB debts with DMS (hb-debt-interface.md §6.3)",
    "HB_DEBT_ALREADY_HELD": "the claimant is not on UC and DMS already holds {held} for them "
                            "(hb-debt-interface.md §6.3)",
    "OTHER_DWP_RECOVERY": "other DWP recovery by deduction is due to last more than 28 days: the other DWP and "
                          "HMRC debts' balance of {other} (hb-debt-interface.md §6.3)",  # OtherRecovery.calculation
}


def held_hb_named(held: Sequence[_HeldHb]) -> str:
    """The HB debts held that return a non-UC claimant's referral (``HB_DEBT_ALREADY_HELD``), in words, in the
    order received: "HB debt HB/1 of LA 005920 (OPEN)"."""
    names = [h.named for h in sorted(held, key=lambda h: (h.received_on, h.receipt_seq))]
    return f"HB debt{'s' if len(names) > 1 else ''} {' and '.join(names)}"


def _apply_referrals(received_file: ReceivedFile, creditor: Creditor, records: Sequence[Any], run_date: date,
                     report: FileReport, no_longer_held: dict[tuple[str, int], date] | None = None
                     ) -> list[HeldBefore]:
    """Take on one chunk of referrals in bulk (module docstring). ``no_longer_held``: the earliest received
    date of the LA's debts under the chunk's DebtRefs that it no longer holds, per (DebtRef, person id), as
    validation read them (else read here, :func:`first_received_dates`). Returns the debts of this LA held
    before the chunk that it returned (displaced by a FRAUD referral of a UC claimant), as they were."""
    chunk: list[ReferralRecord] = [r for r in records if isinstance(r, ReferralRecord)]
    if len(chunk) != len(records):
        raise InvariantBroken(f"{received_file.name}: a referral file yielded a record that is not a referral")
    people = people_for(chunk)
    person_ids = sorted({claimant.person_id for claimant in people.values()})
    awards = benefits_in_payment(person_ids, run_date)
    # only a FRAUD referral displaces a held debt: the day's recall files are read only for a chunk with one
    leaving = recalled_today(run_date, people) if any(r.classification == Classification.FRAUD
                                                      for r in chunk) else set()
    held = held_hb_debts(person_ids, leaving)
    non_uc = [p for p in person_ids if "UC" not in awards.get(p, set())]
    other = other_dwp_recovery(non_uc, run_date)
    restricted = restrictions_of(person_ids, run_date)
    first = (first_received_dates(creditor.pk, ((r.debt_ref, people[r.nino].person_id) for r in chunk))
             if no_longer_held is None else no_longer_held)
    ids = allocate_ids("dms_debt", len(chunk))
    first_seq = debt_service.allocate_receipt_seq(len(chunk))
    new_debts: list[_NewDebt] = []
    displaced: dict[int, ReferralRecord] = {}  # debt id -> the FRAUD referral that displaced it
    for offset, (record, debt_id) in enumerate(zip(chunk, ids, strict=True)):
        person_id, partition, died_on = people[record.nino]
        received_on = referral_received_on(record, received_file.received_on,
                                           first.get((record.debt_ref, person_id)))
        new = _NewDebt(record, debt_id, person_id, partition, received_on, first_seq + offset, died_on=died_on,
                       sanction=restricted.sanctioned.get(person_id))
        as_held = _HeldHb(debt_id, record.classification, received_on, new.receipt_seq,
                          leaving=(str(creditor.la_id), record.debt_ref, person_id) in leaving,
                          la_id=str(creditor.la_id), debt_ref=record.debt_ref,
                          referred_in=f"{received_file.name} line {record.line}")
        person_held = held[person_id]
        reason, victim = referral_decision(in_payment=awards.get(person_id, set()), held=person_held, new=as_held,
                                           other=other.get(person_id), died_on=died_on, on=run_date,
                                           insolvent=restricted.insolvency_includes(person_id, record.debt_created_date),
                                           sanctioned=person_id in restricted.sanctioned)
        if victim is not None:
            person_held.remove(victim)
            displaced[victim.debt_id] = record
        if reason:
            new.returned_for = reason
            new.insolvency = restricted.insolvency.get(person_id) if reason == "INSOLVENCY" else None
            new.other = other.get(person_id) if reason == "OTHER_DWP_RECOVERY" else None
            new.held = tuple(person_held) if reason == "HB_DEBT_ALREADY_HELD" else ()
            report.returned[reason] += 1
        else:
            person_held.append(as_held)
            report.taken_on += 1
            report.taken_ids.add(debt_id)
        new_debts.append(new)
    _write_referrals(creditor, new_debts, run_date, received_file.received_on)
    _suspend_in_moratoria([n for n in new_debts if not n.returned_for and n.person_id in restricted.in_moratorium],
                          run_date)
    taken_here = set(ids)
    held_before: list[HeldBefore] = []
    for debt in Debt.objects.filter(pk__in=displaced).select_related("person").order_by("receipt_seq"):
        if debt.creditor_id == creditor.pk and debt.pk not in taken_here:
            held_before.append(HeldBefore(debt.creditor_ref, debt.pk, debt.status, debt.person.nino,
                                          debt.receipt_seq))
        debt_service.return_debt(debt, "UC_DEBT_LIMIT", business_date=run_date, actor=ACTOR,
                                 why=displaced_why(debt, displaced[debt.pk], creditor, received_file))
        report.returned["UC_DEBT_LIMIT"] += 1
        report.taken_on -= debt.pk in report.taken_ids  # taken on by this file, in this chunk or an earlier one
    return held_before


def displaced_why(debt: Debt, by: ReferralRecord, creditor: Creditor, received_file: ReceivedFile) -> str:
    """Why a held debt was returned ``UC_DEBT_LIMIT`` to make room for a FRAUD sixth (hb-debt-interface.md
    §6.3: "the most recently received NON_FRAUD debt is returned"), for the status change's reason that ``dms
    debtor show`` gives: the FRAUD referral that displaced it (DebtRef, LA, file and line, date received), why
    this debt, and the balance returned with what had been recovered."""
    figures = debt_service.figures_of(debt)
    return (f"displaced by FRAUD referral {by.debt_ref} of {creditor} ({received_file.name} line {by.line}), "
            f"received {received_file.received_on}, as the most recently received NON_FRAUD debt of a UC claimant "
            "at the limit of five HB debts (hb-debt-interface.md §6.3); balance "
            f"{format_pounds(figures.balance_pence)} returned, {format_pounds(figures.recovered_pence)} recovered")


def _referral_description(debt_id: int, label: str, debt_ref: str) -> str:
    """The REFERRAL entry's description, as ``debt_service.referral_entry`` writes it."""
    return f"debt {debt_id} referred by {label} as {debt_ref}"


def _returned_description(debt_id: int, debt_ref: str, pounds: str) -> str:
    """The RETURN entry's description of a debt returned at once with its whole amount (``pounds``), as
    ``debt_service.return_entry`` writes it."""
    return f"debt {debt_id} ({debt_ref}) returned with {pounds} held"


def _suspend_in_moratoria(taken_on: Sequence[_NewDebt], run_date: date) -> None:
    """HB debts taken on for claimants in a breathing space or mental health crisis moratorium DMS has
    applied (:func:`restrictions_of`), that had arisen by its start, are suspended for it at once, as the
    debts held when it was applied were (recovery-rules.md §6; ``recovery_events.bar_a_new_debt``): the few
    debts concerned one by one."""
    for debt in Debt.objects.filter(pk__in=[n.debt_id for n in taken_on]).order_by("pk"):
        bar_a_new_debt(debt, run_date, ACTOR)


def _write_referrals(creditor: Creditor, new_debts: Sequence[_NewDebt], run_date: date, referred_on: date
                     ) -> None:
    """The chunk's debts (COPY on PostgreSQL), components, audit rows, their RECEIVABLE accounts and REFERRAL
    entries (and RETURN entries of those returned at once) in their fixed shape with one ``post_referrals``
    call, and the Cessation rows of those returned. ``referred_on``: the date DMS received the file, each
    debt's ReferralReceivedDate (§4.1; its ``received_on`` may be an earlier referral's, §6.4)."""
    now = datetime.now(UTC)  # bookkeeping time of the audit rows only; no rule reads it
    label = str(creditor)
    debt_rows: list[tuple[Any, ...]] = []
    components: list[tuple[Any, ...]] = []
    changes: list[tuple[Any, ...]] = []
    postings: list[Referral] = []
    cessations: list[debt_service.CessationFacts] = []
    opened, returned = DebtStatus.OPEN.value, DebtStatus.RETURNED.value
    overpayment, creditor_id = DebtType.OVERPAYMENT.value, creditor.pk
    for new in new_debts:
        r = new.record
        debt_id, total = new.debt_id, r.total_pence
        debt_rows.append((debt_id, new.person_id, creditor_id, r.debt_ref, overpayment,
                          r.classification, total, total, r.debt_created_date, new.received_on,
                          new.receipt_seq, returned if new.returned_for else opened, run_date, None, None,
                          new.partition, new.returned_for, referred_on))
        components.extend((debt_id, o.amount_pence, o.period_start, o.period_end) for o in r.overpayments)
        pounds = format_pounds(total)
        changes.append((debt_id, "", opened, run_date, now, ACTOR, f"referred by {label} as {r.debt_ref} for {pounds}"))
        description = _referral_description(debt_id, label, r.debt_ref)
        if new.returned_for:
            sanction = sanction_return_why(new.sanction, run_date) if new.sanction is not None else ""
            insolvency = insolvency_return_why(*new.insolvency) if new.insolvency is not None else ""
            death = (death_report_named(Person.objects.get(pk=new.person_id))
                     if new.returned_for == "DEATH" else "")
            why = _RETURN_TEXT[new.returned_for].format(
                d=run_date.isoformat(), died=new.died_on, sanction=sanction, insolvency=insolvency,
                death_event=f" ({death})" if death else "",
                held=held_hb_named(new.held) if new.held else "",
                other=new.other.calculation() if new.other is not None else "")
            changes.append((debt_id, opened, returned, run_date, now, ACTOR,
                            f"{new.returned_for}: returned as it was referred: {why}"))
            postings.append(Referral(debt_id, total, description,
                                     _returned_description(debt_id, r.debt_ref, pounds),
                                     new.returned_for))
            cessations.append(debt_service.CessationFacts(
                debt_id, str(creditor.la_id), r.debt_ref, r.nino, referred_on, run_date, new.returned_for,
                total, 0,
            ))
        else:
            postings.append(Referral(debt_id, total, description))
    write_rows("dms_debt", _DEBT_COLUMNS, debt_rows, _DEBT_TYPES)
    write_rows("dms_debt_component", _COMPONENT_COLUMNS, components, _COMPONENT_TYPES)
    write_rows("dms_debt_status_change", _STATUS_CHANGE_COLUMNS, changes, _STATUS_CHANGE_TYPES)
    post_referrals(run_date, creditor_id, postings)
    debt_service.record_cessations(cessations)


# ---------------------------------------------------------------------------------------------- revisions, recalls


def _held_debts(creditor: Creditor, refs: Iterable[str], returned_from: date | None = None) -> dict[str, Debt]:
    """The held debt of ``creditor`` under each DebtRef (one query), chosen as ``find_held_debt`` does: the
    active one, else the newest not returned or withdrawn. With ``returned_from`` (a recall file: the first
    run day whose bundle its LA could not have had, ``la_validation.unseen_from``), a DebtRef with none names
    the debt under it DMS returned on or after that day, if any, as validation chose it
    (``la_validation.returned_unknown_to_the_la``)."""
    chosen: dict[str, Debt] = {}
    gone = Q(status__in=debt_service.FINAL_STATUSES)
    if returned_from is not None:
        gone &= ~Q(status=DebtStatus.RETURNED, status_date__gte=returned_from)
    rows = (Debt.objects.filter(creditor=creditor, creditor_ref__in=sorted(set(refs)))
            .exclude(gone).select_related("creditor", "person"))
    for debt in rows:
        current = chosen.get(debt.creditor_ref)
        if current is None or _rank(debt) > _rank(current):
            chosen[debt.creditor_ref] = debt
    return chosen


def _rank(debt: Debt) -> tuple[bool, bool, int]:
    return debt.status not in debt_service.FINAL_STATUSES, debt.status in ACTIVE_STATUSES, debt.receipt_seq


def _debt_for(held: dict[str, Debt], received_file: ReceivedFile, ref: str, line: int) -> Debt:
    debt = held.get(ref)
    if debt is None:
        raise InvariantBroken(f"{received_file.name} line {line}: DebtRef {ref} was validated as held but is not")
    return debt


def _apply_revisions(received_file: ReceivedFile, creditor: Creditor, records: Sequence[Any], run_date: date,
                     report: FileReport) -> None:
    """Revisions (§6.5), effective on the processing date: a RevisedAmount changes the debt by the difference
    from its current total (``revise_debt_amount``: an over-recovery leaves the balance 0.00, is taken back
    from the LA as a CORRECTION, and the claimant's credit goes to their other debts in recovery order, the
    rest refunded); a RevisedClassification changes the classification (``change_classification``)."""
    held = _held_debts(creditor, (r.debt_ref for r in records))
    for record in records:
        if not isinstance(record, RevisionRecord):
            raise InvariantBroken(f"{received_file.name}: a revision file yielded a record that is not a revision")
        debt = _debt_for(held, received_file, record.debt_ref, record.line)
        why = f"{record.reason} (revision in {received_file.name}, line {record.line})"
        if record.revised_amount_pence is not None and record.revised_amount_pence != debt.amount_pence:
            debt_service.revise_debt_amount(debt, record.revised_amount_pence, business_date=run_date, actor=ACTOR,
                                            reason=why)
            report.revised += 1
        if record.revised_classification is not None and record.revised_classification != debt.classification:
            debt_service.change_classification(debt, record.revised_classification, business_date=run_date,
                                               actor=ACTOR, reason=why)
            settle_a_reclassified_debt(debt, run_date, ACTOR)
            report.reclassified += 1


def recall_ceases_on(recalled_on: date, uc_claimant: bool) -> date:
    """The day a recalled debt ceases (§6.5, circular §21): 5 days after the recall for a UC claimant, 14
    days after it for others."""
    return recalled_on + timedelta(days=RECALL_HOLDING_DAYS_UC if uc_claimant else RECALL_HOLDING_DAYS_OTHER)


def recall_source(creditor: Creditor, reason: str, file_name: str, line: int | None) -> str:
    """Who recalled a debt and from where, as its status changes say: "LA 423613 (PAID_IN_FULL,
    20260209-LAREC-423613.xml line 4)" (the line left out for a recall recorded without one)."""
    at = f" line {line}" if line is not None else ""
    return f"{creditor} ({reason}, {file_name}{at})"


def _apply_recalls(received_file: ReceivedFile, creditor: Creditor, records: Sequence[Any], run_date: date,
                   report: FileReport) -> None:
    """Recalls (§6.5): from the processing date the debt is RECALL_PENDING (the deduction step recovers
    only OPEN debts, so no new deductions are taken; a UC period paid before the processing date and reported
    late still takes its share, ``services.recovery._LatePeriods``), and a :class:`Recall` records the day it
    ceases (:func:`recall_ceases_on`), when :func:`holding_periods_step` returns it with the balance then held.

    A recall of a debt already in its recall holding period (RECALL_PENDING, or a recall not yet ceased) is
    valid (§6.1 gives ``DEBT_RECALLED`` for a revision only) and changes nothing: the first recall's holding
    period stands, and the debt's audit notes the recall (a status change from and to its status)
    (docs/la-interface-notes.md "Processing"). So does a recall of a debt DMS returned by a run day whose
    bundle the LA could not have had when it sent the file, earlier the same run date or on an earlier day of
    a catch-up run (``la_validation.returned_unknown_to_the_la``; docs/la-interface-notes.md "A recall of a
    debt DMS returned that day" and "A return the LA could not have known of", Decisions): it stays returned,
    with the one cessation it has."""
    recalls = [r for r in records if isinstance(r, RecallRecord)]
    if len(recalls) != len(records):
        raise InvariantBroken(f"{received_file.name}: a recall file yielded a record that is not a recall")
    held = _held_debts(creditor, (r.debt_ref for r in recalls), returned_from=unseen_from(received_file))
    debts = [_debt_for(held, received_file, r.debt_ref, r.line) for r in recalls]
    pending = Recall.objects.filter(debt_id__in=[d.pk for d in debts], ceased=False, recalled_on__lte=run_date)
    holding = {r.debt_id: r for r in pending.order_by("-recalled_on", "-pk")}  # each debt's earliest, kept last
    awards = benefits_in_payment(sorted({d.person_id for d in debts}), run_date)
    now = datetime.now(UTC)
    changes, rows, recalled = [], [], []
    for record, debt in zip(recalls, debts, strict=True):
        where = recall_source(creditor, record.reason, received_file.name, record.line)
        if debt.status == DebtStatus.RETURNED:
            changes.append(DebtStatusChange(
                debt_id=debt.pk, from_status=debt.status, to_status=debt.status, business_date=run_date,
                recorded_at=now, actor=ACTOR,
                reason=f"recalled by {where}: already returned on {debt.status_date} ({debt.cessation_reason}), "
                       "nothing changed",
            ))
            continue
        if debt.pk in holding or debt.status == DebtStatus.RECALL_PENDING:
            first = holding.get(debt.pk)
            stands = (f"the recall of {first.recalled_on} stands: it ceases on {first.ceases_on}" if first
                      else "the recall before stands")
            changes.append(DebtStatusChange(
                debt_id=debt.pk, from_status=debt.status, to_status=debt.status, business_date=run_date,
                recorded_at=now, actor=ACTOR,
                reason=f"recalled again by {where}: already in its recall holding period, nothing changed; {stands}",
            ))
            continue
        check_transition(debt.status, DebtStatus.RECALL_PENDING)
        uc = "UC" in awards.get(debt.person_id, set())
        ceases_on = recall_ceases_on(run_date, uc)
        changes.append(DebtStatusChange(
            debt_id=debt.pk, from_status=debt.status, to_status=DebtStatus.RECALL_PENDING, business_date=run_date,
            recorded_at=now, actor=ACTOR,
            reason=f"recalled by {where}: no new deductions; ceases on {ceases_on} "
                   f"({'UC claimant, 5' if uc else '14'} days)",
        ))
        rows.append(Recall(debt_id=debt.pk, file=received_file, reason=record.reason, line=record.line,
                           recalled_on=run_date, ceases_on=ceases_on))
        recalled.append(debt.pk)
    Debt.objects.filter(pk__in=recalled).update(status=DebtStatus.RECALL_PENDING, status_date=run_date)
    DebtStatusChange.objects.bulk_create(changes, batch_size=2000)
    Recall.objects.bulk_create(rows, batch_size=2000)
    report.recalled += len(rows)


# ---------------------------------------------------------------------------------------------- holding periods


def holding_periods_step(run_date: date) -> dict[str, Any]:
    """Daily-run step: every recall whose holding period has ended (``ceases_on`` on or before the run date,
    not yet ceased) returns its debt with ``LA_RECALL`` and the balance then held (§6.5, circular §21), the
    reason naming the recall (:func:`recall_return_why`); the Cessation row is written by the return. A debt
    that already left DMS another way (a death, say) is not returned twice. The recall is marked ceased either
    way.

    It runs before :func:`la_files_step` (``DAY_STEPS``): a debt whose cessation is dated on the run date is
    then no longer held by that date's files (§6.5 with §3.1 and §6.3: its DebtRef may be referred again, and
    it no longer counts for the HB debt limits); a revision of it that day is ``UNKNOWN_DEBT_REF``, and a
    recall of it changes nothing (docs/la-interface-notes.md "A recall ceases before the day's LA files",
    Decision). No recall processed on a date ceases on it (:func:`recall_ceases_on` is 5 or 14 days later),
    so the order changes nothing this step returns."""
    ceased, already = 0, 0
    due = Recall.objects.filter(ceased=False, ceases_on__lte=run_date).select_related(
        "debt", "debt__creditor", "file").order_by("ceases_on", "pk")
    for recall in due:
        debt = recall.debt
        if debt.status in debt_service.FINAL_STATUSES:
            already += 1
        else:
            debt_service.return_debt(debt, "LA_RECALL", business_date=run_date, actor=HOLDING_ACTOR,
                                     why=recall_return_why(recall, run_date))
            ceased += 1
        Recall.objects.filter(pk=recall.pk).update(ceased=True)
    return {"ceased": ceased, "already_returned": already}


def recall_return_why(recall: Recall, ceased_on: date) -> str:
    """Why a debt ceased ``LA_RECALL`` (hb-debt-interface.md §6.5: "the debt ceases, with the balance then
    held, 5 days later for a UC claimant and 14 days later for others"), for the status change's reason that
    ``dms debtor show`` gives: the recall (the LA, its reason, file and line, the day recalled) and the days it
    was held."""
    days = (recall.ceases_on - recall.recalled_on).days
    claimant = "a UC claimant" if days == RECALL_HOLDING_DAYS_UC else "not a UC claimant"
    source = recall_source(recall.debt.creditor, recall.reason, recall.file.name, recall.line)
    return (f"recalled by {source} on {recall.recalled_on}; held {days} days ({claimant}) and ceased on "
            f"{ceased_on} with the balance then held (hb-debt-interface.md §6.5)")
