"""The deterministic generator of a synthetic book (pure: plain rows, no database).

A book is generated in batches of people. Batch ``b`` of seed ``S`` draws from its own random stream
(``Random(f"dms-synth:{S}:{b}")``), so the same people count and seed give the same rows, and a batch does
not depend on the batches before it except through the id bases it is given.

Rules the book respects:
- NINOs are valid (hb-debt-interface.md §2; :mod:`dms.nino`) and unique: person ordinal ``k`` of seed ``S``
  maps to a NINO by an affine permutation of the whole valid NINO space, so distinct ordinals never share a
  NINO.
- Names are 1-35 letters, spaces, apostrophes and hyphens (hb-debt-interface.md §2).
- Awards follow events.md ``award.started``: UC (claimant type, assessment-period day 1-31, partner) or an
  Annex A benefit (hb-debt-interface.md §6.2) with a weekly amount, pay frequency and first pay date.
- HB debts: at most five per UC claimant, one for a non-UC claimant, and a non-UC claimant with an HB debt
  has no other DWP recovery (hb-debt-interface.md §6.3).
- Every debt is taken on through the ledger (docs/architecture.md, "Ledger conventions"): one ``REFERRAL``
  entry per creditor per batch, DR ``RECEIVABLE`` (each debt) and CR ``CREDITOR_DEBTS`` (the creditor), built
  checked to balance as :func:`dms.ledger.build_entry` checks (:func:`check_balanced`).
"""

from __future__ import annotations

import zlib
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import accumulate
from math import gcd
from random import Random

from dms.ledger import EntryKind, LedgerError
from dms.synth import tables as t

MAX_PEOPLE = 20_000_000  # the largest book ``dms synth`` makes (the national book is 15 million people)
MAX_LAS = 999  # LA IDs 000001-000999 for synthetic LAs
BATCH_PEOPLE = 50_000  # people per batch: fixed, because a batch's random stream depends on it
PERSON_PARTITIONS = 1024  # the rule of dms.store.models.partition_of: crc32(nino) % 1024
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_FORBIDDEN = set("DFIQUV")
_UNISSUED = {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}
NINO_PREFIXES = tuple(
    a + b
    for a in _LETTERS
    for b in _LETTERS
    if a not in _FORBIDDEN and b not in _FORBIDDEN and b != "O" and a + b not in _UNISSUED
)
_NINO_SPACE = len(NINO_PREFIXES) * 4_000_000


class NinoSequence:
    """Valid, distinct NINOs for person ordinals 0, 1, 2, ... of one seed (an affine permutation)."""

    def __init__(self, seed: int) -> None:
        rng = Random(f"dms-synth-nino:{seed}")
        multiplier = rng.randrange(_NINO_SPACE // 3, _NINO_SPACE)
        while gcd(multiplier, _NINO_SPACE) != 1:
            multiplier += 1
        self._multiplier = multiplier
        self._offset = rng.randrange(_NINO_SPACE)

    def nino(self, ordinal: int) -> str:
        x = (self._multiplier * ordinal + self._offset) % _NINO_SPACE
        prefix, rest = divmod(x, 4_000_000)
        digits, suffix = divmod(rest, 4)
        return f"{NINO_PREFIXES[prefix]}{digits:06d}{'ABCD'[suffix]}"


def partition_of(nino: str) -> int:
    """The person's stable partition (the same rule as ``dms.store.models.partition_of``)."""
    return zlib.crc32(nino.encode("ascii")) % PERSON_PARTITIONS


# ------------------------------------------------------------------------------------------ LAs


@dataclass(frozen=True)
class SynthLa:
    la_id: str
    name: str
    sort_code: str
    account_number: str


def synth_las(count: int, seed: int) -> list[SynthLa]:
    """``count`` local authorities with distinct six-digit IDs, names and bank details (deterministic)."""
    rng = Random(f"dms-synth-las:{seed}")
    ids = sorted(rng.sample(range(1, 1_000_000), count))
    places = list(t.LA_PLACES)
    rng.shuffle(places)
    result = []
    for index, la_id in enumerate(ids):
        place = places[index % len(places)]
        round_ = index // len(places)
        name = f"{place} {t.LA_KINDS[rng.randrange(len(t.LA_KINDS))]}" + (f" {round_ + 1}" if round_ else "")
        sort_code = t.SORT_CODE_PREFIXES[rng.randrange(len(t.SORT_CODE_PREFIXES))] + f"{rng.randrange(10_000):04d}"
        result.append(SynthLa(f"{la_id:06d}", name, sort_code, f"{rng.randrange(10_000_000, 100_000_000)}"))
    return result


# ------------------------------------------------------------------------------------------ batches


@dataclass(frozen=True)
class CreditorSlot:
    """A creditor as the generator sees it: its database id and its ``CREDITOR_DEBTS`` account id."""

    kind: str  # DWP, HMRC or LA
    creditor_id: int
    debts_account_id: int
    la_id: str | None = None


@dataclass(frozen=True)
class IdBases:
    """The next id to use in each table the generator allocates ids for, and the next receipt sequence."""

    person: int
    debt: int
    account: int
    entry: int
    receipt_seq: int


@dataclass(frozen=True)
class BatchSpec:
    seed: int
    batch_index: int
    ordinals: Sequence[int]  # the person ordinals of this batch (NINOs come from them)
    as_of: date  # the business date the book is taken on
    dwp: CreditorSlot
    hmrc: CreditorSlot
    las: tuple[CreditorSlot, ...]
    bases: IdBases


@dataclass
class Batch:
    """Plain rows in each table's column order (see :data:`COLUMNS`)."""

    people: list[tuple[object, ...]] = field(default_factory=list)
    awards: list[tuple[object, ...]] = field(default_factory=list)
    debts: list[tuple[object, ...]] = field(default_factory=list)
    components: list[tuple[object, ...]] = field(default_factory=list)
    accounts: list[tuple[object, ...]] = field(default_factory=list)
    entries: list[tuple[object, ...]] = field(default_factory=list)
    postings: list[tuple[object, ...]] = field(default_factory=list)
    creditor_deltas: dict[int, int] = field(default_factory=dict)  # CREDITOR_DEBTS account id -> pence
    next_bases: IdBases | None = None


COLUMNS = {
    "dms_person": ("id", "nino", "surname", "forenames", "date_of_birth", "date_of_death", "partition"),
    "dms_award": (
        "award_ref", "person_id", "benefit", "start_date", "end_date", "end_reason", "claimant_type",
        "assessment_period_day", "partner_id", "weekly_amount_pence", "pay_frequency", "first_pay_date",
    ),
    "dms_debt": (
        "id", "person_id", "creditor_id", "creditor_ref", "debt_type", "classification", "amount_pence",
        "original_amount_pence", "created_on", "received_on", "receipt_seq", "status", "status_date",
        "joint_person_id", "agreed_amount_pence", "partition", "cessation_reason",
    ),
    "dms_debt_component": ("debt_id", "amount_pence", "period_start", "period_end"),
    "dms_account": ("id", "kind", "debt_id", "creditor_id", "person_id", "balance_pence"),
    "dms_journal_entry": ("id", "business_date", "kind", "description", "reason", "reverses_id"),
    "dms_posting": ("entry_id", "account_id", "amount_pence"),
}


def _cumulative(weights: Sequence[int]) -> tuple[list[int], int]:
    cumulative = list(accumulate(weights))
    return cumulative, cumulative[-1]


_DEBT_COUNTS, _DEBT_COUNT_TOTAL = _cumulative([w for _, w in t.DEBT_COUNT_WEIGHTS])
_UC_KINDS, _UC_KIND_TOTAL = _cumulative([k[2] for k in t.DEBT_KINDS])
_LEGACY_KINDS, _LEGACY_KIND_TOTAL = _cumulative([k[3] for k in t.DEBT_KINDS])
_BENEFITS, _BENEFIT_TOTAL = _cumulative([b[1] for b in t.LEGACY_BENEFITS])
_PAY_FREQ = [_cumulative(b[5]) for b in t.LEGACY_BENEFITS]
_COMPONENTS, _COMPONENT_TOTAL = _cumulative([w for _, w in t.HB_COMPONENT_WEIGHTS])
_BANDS = {key: (_cumulative([b[0] for b in bands]), bands) for key, bands in t.AMOUNT_BANDS.items()}
_ADVANCES = frozenset(
    {"UC_ADVANCE_NEW_CLAIM", "UC_ADVANCE_CHANGE_OF_CIRCUMSTANCES", "UC_ADVANCE_BENEFIT_TRANSFER", "BUDGETING_ADVANCE"}
)
# Per debt kind: creditor index (0 DWP, 1 HMRC, -1 the person's LA), type, advance?, overpayment?, band key.
_KIND_INFO = tuple(
    ({"DWP": 0, "HMRC": 1}.get(creditor, -1), debt_type, debt_type in _ADVANCES, debt_type == "OVERPAYMENT",
     (creditor, debt_type))
    for creditor, debt_type, _, _ in t.DEBT_KINDS
)
_HB_KIND = next(i for i, k in enumerate(t.DEBT_KINDS) if k[0] == "LA")
_DWP_OVERPAYMENT_KIND = next(i for i, k in enumerate(t.DEBT_KINDS) if k[:2] == ("DWP", "OVERPAYMENT"))


class _Draw:
    """Integer-only random draws (no floats): ``below(n)`` is uniform enough on 0..n-1 for n << 2**32."""

    def __init__(self, rng: Random) -> None:
        self._bits = rng.getrandbits

    def below(self, n: int) -> int:
        return self._bits(40) % n

    def percent(self, p: int) -> bool:
        return self._bits(40) % 100 < p

    def weighted(self, cumulative: list[int], total: int) -> int:
        return bisect_right(cumulative, self._bits(40) % total)

    def amount(self, key: tuple[str, str]) -> int:
        (cumulative, total), bands = _BANDS[key]
        _, low, high, step = bands[self.weighted(cumulative, total)]
        return low + self.below((high - low) // step + 1) * step


class _Person:
    __slots__ = ("id", "uc", "start", "partner_id", "la", "partition")

    def __init__(self, person_id: int, uc: bool, start: int, partner_id: int | None, la: int, partition: int):
        self.id, self.uc, self.start, self.partner_id, self.la, self.partition = (
            person_id, uc, start, partner_id, la, partition,
        )


class _Generator:
    """Generates one batch. Dates are offsets in days before ``as_of`` (0 is ``as_of`` itself)."""

    def __init__(self, spec: BatchSpec) -> None:
        self.spec = spec
        self.draw = _Draw(Random(f"dms-synth:{spec.seed}:{spec.batch_index}"))
        self.ninos = NinoSequence(spec.seed)
        self.as_of_ordinal = spec.as_of.toordinal()
        self.days = [spec.as_of - timedelta(days=d) for d in range(3000)]
        self.batch = Batch()
        self.person_id = spec.bases.person
        self.debt_id = spec.bases.debt
        self.account_id = spec.bases.account
        self.receipt_seq = spec.bases.receipt_seq
        self.la_cumulative, self.la_total = _cumulative(
            [t.LA_SIZE_WEIGHTS[i % len(t.LA_SIZE_WEIGHTS)] for i in range(len(spec.las))] or [1]
        )
        self.creditors = (spec.dwp, spec.hmrc, *spec.las)
        # per creditor index: (RECEIVABLE account id, amount) of each debt taken on
        self.by_creditor: list[list[tuple[int, int]]] = [[] for _ in self.creditors]

    def run(self) -> Batch:
        ordinals = self.spec.ordinals
        index = 0
        while index < len(ordinals):
            uc = self.draw.percent(t.UC_HOUSEHOLD_PERCENT)
            if uc and index + 1 < len(ordinals) and self.draw.percent(t.UC_COUPLE_PERCENT):
                self._couple(ordinals[index], ordinals[index + 1])
                index += 2
            else:
                self._single(ordinals[index], uc)
                index += 1
        self._referral_entries()
        self.batch.next_bases = IdBases(
            self.person_id, self.debt_id, self.account_id, self.spec.bases.entry + len(self.batch.entries),
            self.receipt_seq,
        )
        return self.batch

    # -------------------------------------------------------------------------------- people and awards

    def _person_row(self, ordinal: int, age_low: int, age_high: int) -> tuple[int, int, str]:
        draw = self.draw
        nino = self.ninos.nino(ordinal)
        person_id = self.person_id
        self.person_id += 1
        age_days = (age_low + draw.below(age_high - age_low + 1)) * 365 + draw.below(365)
        forenames = t.FORENAMES[draw.below(len(t.FORENAMES))]
        if draw.percent(t.MIDDLE_NAME_PERCENT):
            middle = t.FORENAMES[draw.below(len(t.FORENAMES))]
            if len(forenames) + len(middle) < 35:
                forenames = f"{forenames} {middle}"
        partition = partition_of(nino)
        self.batch.people.append((
            person_id, nino, t.SURNAMES[draw.below(len(t.SURNAMES))], forenames,
            date.fromordinal(self.as_of_ordinal - age_days), None, partition,
        ))
        return person_id, age_days // 365, nino

    def _uc_age(self) -> tuple[int, int]:
        return (18, 24) if self.draw.percent(14) else (25, 65)

    def _single(self, ordinal: int, uc: bool) -> None:
        draw = self.draw
        if uc:
            low, high = self._uc_age()
            person_id, age, nino = self._person_row(ordinal, low, high)
            start = 30 + draw.below(2400)
            claimant = "SINGLE_UNDER_25" if age < 25 else "SINGLE_25_OR_OVER"
            self._uc_award(person_id, nino, start, claimant, None)
            self._debts(_Person(person_id, True, start, None, self._la(), partition_of(nino)))
            return
        benefit = draw.weighted(_BENEFITS, _BENEFIT_TOTAL)
        code, _, low_pence, high_pence, min_age, _ = t.LEGACY_BENEFITS[benefit]
        person_id, _, nino = self._person_row(ordinal, min_age, 90 if min_age >= 66 else 65)
        start = 30 + draw.below(2900)
        frequency = t.PAY_FREQUENCIES[draw.weighted(*_PAY_FREQ[benefit])]
        weekly = low_pence + draw.below(high_pence - low_pence + 1)
        self.batch.awards.append((
            f"SYN-{code}-{nino}", person_id, code, self.days[start], None, "", "", None, None, weekly, frequency,
            self.days[start - 1 - draw.below(14)],
        ))
        self._debts(_Person(person_id, False, start, None, self._la(), partition_of(nino)))

    def _couple(self, first: int, second: int) -> None:
        low, high = self._uc_age()
        first_id, first_age, first_nino = self._person_row(first, low, high)
        second_id, second_age, second_nino = self._person_row(second, max(18, low - 2), high)
        claimant = "JOINT_UNDER_25" if first_age < 25 and second_age < 25 else "JOINT_25_OR_OVER"
        start = 30 + self.draw.below(2400)
        self._uc_award(first_id, first_nino, start, claimant, second_id)
        self._uc_award(second_id, second_nino, start, claimant, first_id)
        la = self._la()
        self._debts(_Person(first_id, True, start, second_id, la, partition_of(first_nino)))
        self._debts(_Person(second_id, True, start, first_id, la, partition_of(second_nino)))

    def _uc_award(self, person_id: int, nino: str, start: int, claimant: str, partner_id: int | None) -> None:
        start_date = self.days[start]
        self.batch.awards.append((
            f"SYN-UC-{nino}", person_id, "UC", start_date, None, "", claimant, start_date.day, partner_id, None,
            "", None,
        ))

    def _la(self) -> int:
        return 2 + self.draw.weighted(self.la_cumulative, self.la_total) if self.spec.las else -1

    # -------------------------------------------------------------------------------- debts

    def _debts(self, person: _Person) -> None:
        draw = self.draw
        if not person.uc and person.la >= 0 and draw.percent(t.LEGACY_HB_PERCENT):
            self._debt(person, _HB_KIND)  # a non-UC claimant's one HB debt, and no other DWP recovery
            return
        count = t.DEBT_COUNT_WEIGHTS[draw.weighted(_DEBT_COUNTS, _DEBT_COUNT_TOTAL)][0]
        hb_debts = 0
        for _ in range(count):
            if person.uc:
                kind = draw.weighted(_UC_KINDS, _UC_KIND_TOTAL)
            else:
                kind = draw.weighted(_LEGACY_KINDS, _LEGACY_KIND_TOTAL)
            if kind == _HB_KIND:
                if person.la < 0 or hb_debts >= t.UC_HB_DEBT_LIMIT:
                    kind = _DWP_OVERPAYMENT_KIND
                else:
                    hb_debts += 1
            self._debt(person, kind)

    def _debt(self, person: _Person, kind: int) -> None:
        draw = self.draw
        creditor_index, debt_type, advance, overpayment, band = _KIND_INFO[kind]
        if debt_type == "UC_ADVANCE_NEW_CLAIM":
            created = person.start - draw.below(8)
        else:
            created = draw.below(person.start + 1)
        received = created - draw.below(min(created, 60) + 1)
        debt_id = self.debt_id
        self.debt_id = debt_id + 1
        if creditor_index < 0:
            creditor_index = person.la
            amount = self._components(debt_id, created)
            ref = f"HB/{self.creditors[creditor_index].la_id}/{debt_id}"
        else:
            amount = draw.amount(band)
            ref = f"{'DWP' if creditor_index == 0 else 'TC'}{debt_id:010d}"
        classification = "FRAUD" if overpayment and draw.percent(t.FRAUD_OVERPAYMENT_PERCENT) else "NON_FRAUD"
        joint = None
        if advance and person.partner_id is not None and draw.percent(t.JOINT_DEBT_PERCENT):
            joint = person.partner_id
        agreed = None
        if debt_type == "SOCIAL_FUND_LOAN":
            low, high = t.SOCIAL_FUND_AGREED_PENCE
            agreed = (low // 100 + draw.below((high - low) // 100 + 1)) * 100
        received_on = self.days[received]
        self.batch.debts.append((
            debt_id, person.id, self.creditors[creditor_index].creditor_id, ref, debt_type, classification,
            amount, amount, self.days[created], received_on, self.receipt_seq, "OPEN", received_on, joint, agreed,
            person.partition, "",
        ))
        self.receipt_seq += 1
        account_id = self.account_id
        self.account_id = account_id + 1
        self.batch.accounts.append((account_id, "RECEIVABLE", debt_id, None, None, amount))
        self.by_creditor[creditor_index].append((account_id, amount))

    def _components(self, debt_id: int, created: int) -> int:
        draw = self.draw
        total = 0
        for _ in range(t.HB_COMPONENT_WEIGHTS[draw.weighted(_COMPONENTS, _COMPONENT_TOTAL)][0]):
            amount = draw.amount(("LA", "OVERPAYMENT"))
            end = min(created + draw.below(120), len(self.days) - 400)
            start = end + 7 + draw.below(360)
            self.batch.components.append((debt_id, amount, self.days[start], self.days[end]))
            total += amount
        return total

    # -------------------------------------------------------------------------------- the ledger

    def _referral_entries(self) -> None:
        """One REFERRAL entry per creditor with debts in the batch: DR RECEIVABLE(debt) amount for each debt;
        CR CREDITOR_DEBTS(creditor) their total (docs/architecture.md, "Ledger conventions")."""
        entry_id = self.spec.bases.entry
        for creditor_index, debts in enumerate(self.by_creditor):
            if not debts:
                continue
            creditor = self.creditors[creditor_index]
            total = sum(amount for _, amount in debts)
            check_balanced(debts, -total)
            name = f"LA {creditor.la_id}" if creditor.kind == "LA" else creditor.kind
            self.batch.entries.append((
                entry_id, self.spec.as_of, EntryKind.REFERRAL.value,
                f"synthetic book: {len(debts)} debts referred by {name}", "", None,
            ))
            self.batch.postings.extend((entry_id, account_id, amount) for account_id, amount in debts)
            self.batch.postings.append((entry_id, creditor.debts_account_id, -total))
            self.batch.creditor_deltas[creditor.debts_account_id] = -total
            entry_id += 1


def check_balanced(debits: Sequence[tuple[int, int]], credit: int) -> None:
    """The invariants of :func:`dms.ledger.build_entry` for a REFERRAL entry held as plain rows (a book of a
    million people cannot afford an object per posting): each debit a positive whole number of pence, the
    one credit negative, and the entry summing to zero."""
    total = credit
    for _, amount in debits:
        if not isinstance(amount, int) or amount <= 0:
            raise LedgerError(f"a REFERRAL debit must be a positive whole number of pence, got {amount!r}")
        total += amount
    if credit >= 0 or total != 0:
        raise LedgerError(f"a REFERRAL entry does not balance: its postings sum to {total} pence, not 0")


def generate_batch(spec: BatchSpec) -> Batch:
    """The rows of one batch of the synthetic book (deterministic in ``spec``)."""
    return _Generator(spec).run()
