"""A month of synthetic traffic for a book (pure and deterministic: the same book, month and seed give the same
traffic). It is what the other systems and the local authorities would send DMS in a month, as plain values:

- **events** (spec/events.md), one list of JSON-ready objects per day: the ``uc.assessment_period`` report of
  every UC claim whose payment date falls in the month (one per couple), new claimants
  (``person.registered`` + ``award.started``, often with a ``UC_ADVANCE_NEW_CLAIM`` ``debt.referred``),
  award changes (25th birthdays, legacy rate changes), award ends, deaths, sanctions, breathing spaces,
  missed legacy payments, direct payments, and new, revised and withdrawn DWP and HMRC debts;
- **LA daily tars** (hb-debt-interface.md §1), one per LA per day it has something to send (LAs send on
  working days, not every LA every day), holding at most one referral, revision and recall file each, as
  record values (:mod:`dms.la_interface.records`) for the LA interface's builder to render.

The referrals respect the book's rules (§6.2, §6.3), so most are accepted; a few meet the rules naturally:
a UC claimant already holding four or five HB debts (``UC_DEBT_LIMIT``), a non-UC claimant with an HB debt
held (``HB_DEBT_ALREADY_HELD``) or other DWP recovery (``OTHER_DWP_RECOVERY``), a claimant whose award ended
earlier in the month or who is on no benefit (``NO_BENEFIT_IN_PAYMENT``). Revisions go up and down (and
one down below what was recovered, an over-recovery, §6.5), change classifications; recalls give the §3.3
reasons. A few files are broken on purpose (a bad NINO, a total that does not add up, an unknown debt
reference, XML that is not well formed), and the bad-NINO file is resubmitted corrected, under its original
name, a few working days later (§48).

So that every revision and recall names a debt still open when it is processed, each person is the subject
of at most one LA action in the month, and never one whose life events (death, award end, sanction,
insolvency, direct payment) could end or change their debts. Proportions are per person of the book (see
the ``*_PER_10K`` figures), with at least one of each kind however small the book.
"""

from __future__ import annotations

import zlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from random import Random

from dms.calendar import assessment_period_start_in, is_working_day, last_day_of_month
from dms.la_interface.records import (
    InboundRecord,
    Overpayment,
    RecallRecord,
    ReferralRecord,
    RevisionRecord,
)
from dms.money import format_pounds
from dms.synth import tables as t
from dms.synth.generate import NinoSequence

# Monthly volumes per 10,000 people in the book.
NEW_CLAIMANTS_PER_10K = 40
DEATHS_PER_10K = 6
AWARD_ENDS_PER_10K = 20
SANCTIONS_PER_10K = 8
BREATHING_SPACES_PER_10K = 2
MISSED_PAYMENTS_PER_10K = 3
DIRECT_PAYMENTS_PER_10K = 25
LEGACY_RATE_CHANGES_PER_10K = 10
NEW_DWP_DEBTS_PER_10K = 50
DWP_REVISIONS_PER_10K = 5
DWP_WITHDRAWALS_PER_10K = 3
HB_REFERRALS_PER_10K = 400
UNKNOWN_CLAIMANT_REFERRALS_PER_10K = 2
HB_REVISIONS_PER_10K = 100
HB_RECALLS_PER_10K = 40

# Of referrals, the share (in 100ths) aimed at each kind of claimant; the rest go to claimants DMS will accept.
REFERRAL_MIX = (("UC_LIMIT", 3), ("ALREADY_HELD", 3), ("OTHER_DWP", 2), ("NO_BENEFIT", 3))
LA_SENDING_DAY_PERCENT = 70  # of working days, the days an LA sends a tar (at least one)
LATE_REPORT_PER_MILLE = 5  # assessment periods reported after their payment date
SAFE_BALANCE_PENCE = 25_000  # revisions and recalls name debts of at least this, which a month cannot clear
REVISION_KINDS = (("UP", 35), ("DOWN", 40), ("CLASSIFICATION", 25))
RECALL_REASONS = (("LA_RECOVERY", 30), ("PAID_IN_FULL", 25), ("WRITTEN_OFF", 20), ("INSOLVENCY", 10),
                  ("DEBT_RELIEF_ORDER", 5), ("OTHER", 10))
BROKEN_KINDS = ("BAD_NINO", "TOTAL_MISMATCH", "UNKNOWN_DEBT_REF", "NOT_WELL_FORMED")
THIRD_PARTY_PER_MILLE = 120
THIRD_PARTY = (("RENT_ARREARS", 40), ("COUNCIL_TAX_ARREARS", 20), ("GAS_ARREARS", 12), ("ELECTRICITY_ARREARS", 10),
               ("WATER_ARREARS", 8), ("FINES", 6), ("FLAT_RATE_MAINTENANCE", 4))


# ---------------------------------------------------------------------------------------------- the book


@dataclass(frozen=True, slots=True)
class BookPerson:
    """A person of the book with their award in payment (``benefit`` None: none)."""

    nino: str
    surname: str
    forenames: str
    date_of_birth: date
    benefit: str | None = None
    award_ref: str = ""
    start_date: date | None = None
    claimant_type: str = ""
    assessment_period_day: int | None = None
    partner_nino: str | None = None
    weekly_amount_pence: int | None = None
    pay_frequency: str = ""
    first_pay_date: date | None = None


@dataclass(frozen=True, slots=True)
class BookDebt:
    """An open debt: creditor ``DWP``, ``HMRC`` or ``LA`` (with ``la_id``), its reference and balance."""

    nino: str
    creditor: str
    ref: str
    debt_type: str
    classification: str
    amount_pence: int
    balance_pence: int
    la_id: str | None = None


@dataclass(frozen=True)
class BookView:
    """What the traffic is planned from: the LAs, the people with their awards, and the open debts."""

    as_of: date
    las: tuple[str, ...]
    people: tuple[BookPerson, ...]
    debts: tuple[BookDebt, ...]


# ---------------------------------------------------------------------------------------------- the traffic


@dataclass(frozen=True)
class PlannedFile:
    """An inbound LA file: its kind (``LAREF``, ``LAREV``, ``LAREC``), LA, creation date and records.
    ``fault`` names what is wrong with it on purpose (one of :data:`BROKEN_KINDS`, or empty); the records of a
    faulty file already carry the fault, except ``NOT_WELL_FORMED``, which the renderer applies to the bytes."""

    kind: str
    la_id: str
    creation_date: date
    records: tuple[InboundRecord, ...]
    fault: str = ""

    @property
    def name(self) -> str:
        return f"{self.creation_date:%Y%m%d}-{self.kind}-{self.la_id}.xml"

    @property
    def batch_id(self) -> str:
        return self.name.removesuffix(".xml")


@dataclass(frozen=True)
class PlannedTar:
    """An LA's daily ``YYYYMMDD-PDPLA-AAAAAA.tar``: that day's files and any corrected resubmissions."""

    la_id: str
    tar_date: date
    files: tuple[PlannedFile, ...]

    @property
    def name(self) -> str:
        return f"{self.tar_date:%Y%m%d}-PDPLA-{self.la_id}.tar"


@dataclass
class MonthTraffic:
    year: int
    month: int
    events: dict[date, list[dict[str, object]]] = field(default_factory=dict)
    tars: dict[date, list[PlannedTar]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)  # what was planned, for a person to read

    @property
    def period(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def days(self) -> list[date]:
        return sorted(set(self.events) | set(self.tars))


# ---------------------------------------------------------------------------------------------- helpers


def _scaled(per_10k: int, people: int) -> int:
    return max(1, (per_10k * people + 5_000) // 10_000)


def _weighted(rng: Random, choices: Sequence[tuple[str, int]]) -> str:
    pick = rng.randrange(sum(w for _, w in choices))
    for value, weight in choices:
        if pick < weight:
            return value
        pick -= weight
    return choices[-1][0]


def _pounds_between(rng: Random, low_pounds: int, high_pounds: int) -> int:
    return rng.randrange(low_pounds, high_pounds + 1) * 100


def legacy_pay_dates(person: BookPerson, first: date, last: date) -> list[date]:
    """The pay dates of a legacy award between ``first`` and ``last`` (events.md §2 ``legacy``: every 7, 14
    or 28 days from ``first_pay_date``, or monthly on its day of the month or the month's last day)."""
    if person.first_pay_date is None:
        return []
    step = {"WEEKLY": 7, "FORTNIGHTLY": 14, "FOUR_WEEKLY": 28}.get(person.pay_frequency)
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    if step:
        return [d for d in days if d >= person.first_pay_date and (d - person.first_pay_date).days % step == 0]
    dom = person.first_pay_date.day
    return [d for d in days if d >= person.first_pay_date
            and (d.day == dom or (d.day == last_day_of_month(d.year, d.month) and dom > d.day))]


def payment_periods(person: BookPerson, first: date, last: date) -> list[tuple[date, date, date]]:
    """The UC assessment periods (start, end, payment date) of ``person``'s award paid between ``first`` and
    ``last``: a period runs from its day to the day before the next, and is paid seven days after it ends."""
    day = person.assessment_period_day
    if day is None or person.start_date is None:
        return []
    found = []
    year, month = first.year, first.month - 2
    for _ in range(4):
        while month < 1:
            year, month = year - 1, month + 12
        while month > 12:
            year, month = year + 1, month - 12
        start = assessment_period_start_in(year, month, day)
        ny, nm = (year + 1, 1) if month == 12 else (year, month + 1)
        end = assessment_period_start_in(ny, nm, day) - timedelta(days=1)
        paid = end + timedelta(days=7)
        if first <= paid <= last and start >= person.start_date:
            found.append((start, end, paid))
        month += 1
    return found


# ---------------------------------------------------------------------------------------------- planning


class _Planner:
    def __init__(self, book: BookView, year: int, month: int, seed: int) -> None:
        self.book = book
        self.rng = Random(f"dms-traffic:{seed}:{year:04d}-{month:02d}")
        self.seed = seed
        self.first = date(year, month, 1)
        self.last = date(year, month, last_day_of_month(year, month))
        self.days = [self.first + timedelta(days=n) for n in range(self.last.day)]
        self.working = [d for d in self.days if is_working_day(d)]
        self.traffic = MonthTraffic(year, month)
        self.tag = f"{year % 100:02d}{month:02d}"
        self.people = {p.nino: p for p in book.people}
        self.ninos = sorted(self.people)
        self.debts_of: dict[str, list[BookDebt]] = defaultdict(list)
        for debt in sorted(book.debts, key=lambda d: (d.nino, d.creditor, d.ref)):
            self.debts_of[debt.nino].append(debt)
        self.busy: set[str] = set()  # people with a life event or an LA action planned
        self.event_seq = 0
        self.ref_seq: dict[str, int] = defaultdict(int)
        self.la_files: dict[tuple[str, date], dict[str, list[InboundRecord]]] = defaultdict(lambda: defaultdict(list))
        self.special: list[tuple[date, PlannedFile]] = []  # broken files and resubmissions
        self.ended_on: dict[str, date] = {}  # people whose award ends (or who die) this month
        self.died: set[str] = set()
        self.new_ninos = NinoSequence(self.seed + 7919 * (year * 12 + month))
        self.new_ordinal = 0
        self.new_legacy: list[tuple[BookPerson, date, str]] = []  # new non-UC claimants, start date, LA

    # -------------------------------------------------------------------------------- events

    def event(self, day: date, source: str, event_type: str, nino: str, occurred_on: date,
              **fields: object) -> None:
        """Add an event of ``event_type`` reported on ``day`` (the first or last of the month at the most)."""
        self.event_seq += 1
        event: dict[str, object] = {
            "event_id": f"{source}-{self.tag}-{self.seed}-{self.event_seq:07d}", "type": event_type,
            "occurred_on": occurred_on.isoformat(), "nino": nino,
        }
        event.update(fields)
        report_day = min(max(day, self.first), self.last)
        self.traffic.events.setdefault(report_day, []).append(event)
        self.traffic.counts[event_type] = self.traffic.counts.get(event_type, 0) + 1

    def pick_people(self, count: int, wanted: Iterable[str]) -> list[str]:
        pool = [n for n in wanted if n not in self.busy]
        chosen = self.rng.sample(pool, min(count, len(pool)))
        self.busy.update(chosen)
        return chosen

    def day_in_month(self, earliest: int = 0) -> date:
        return self.days[self.rng.randrange(min(earliest, len(self.days) - 1), len(self.days))]

    def n(self, per_10k: int) -> int:
        return _scaled(per_10k, len(self.ninos) or 1)

    def run(self) -> MonthTraffic:
        self.life_events()
        self.new_claimants()
        self.award_changes()
        self.dwp_debts()
        self.assessment_periods()
        self.la_traffic()
        self.traffic.events = {d: self.traffic.events[d] for d in sorted(self.traffic.events)}
        return self.traffic

    # -------------------------------------------------------------------------------- life events

    def _of_benefit(self, uc: bool | None = None, single: bool = False) -> list[str]:
        return [n for n in self.ninos if (p := self.people[n]).benefit is not None
                and (uc is None or (p.benefit == "UC") == uc) and not (single and p.partner_nino)]

    def life_events(self) -> None:
        rng = self.rng
        for nino in self.pick_people(self.n(DEATHS_PER_10K), self._of_benefit()):
            day = self.day_in_month()
            died = max(self.first, day - timedelta(days=rng.randrange(4)))
            self.event(day, "cis", "person.died", nino, died, date_of_death=died.isoformat())
            self.ended_on[nino] = died
            self.died.add(nino)
            if partner := self.people[nino].partner_nino:
                self.busy.add(partner)
        for nino in self.pick_people(self.n(AWARD_ENDS_PER_10K), self._of_benefit(single=True)):
            person, day = self.people[nino], self.day_in_month()
            end = max(self.first, day - timedelta(days=rng.randrange(4)))
            reason = "CLAIM_CEASED" if rng.randrange(2) else "AWARD_ENDED"
            self.event(day, "uc" if person.benefit == "UC" else "cis", "award.ended", nino, end,
                       award_ref=person.award_ref, end_date=end.isoformat(), reason=reason)
            self.ended_on[nino] = day
        for nino in self.pick_people(self.n(SANCTIONS_PER_10K), self._of_benefit(uc=True, single=True)):
            day = self.day_in_month()
            severe = rng.randrange(3) == 0
            self.event(day, "uc", "person.sanction", nino, day, rate_percent="100" if severe else "40",
                       start_date=day.isoformat(), duration_weeks=rng.choice((13, 26)) if severe else 4)
        for nino in self.pick_people(self.n(BREATHING_SPACES_PER_10K), self._of_benefit(single=True)):
            day = self.day_in_month()
            self.event(day, "insolvency", "person.insolvency", nino, day, kind="BREATHING_SPACE",
                       start_date=day.isoformat(), end_date=(day + timedelta(days=59)).isoformat())
        self.missed_payments()
        self.direct_payments()

    def missed_payments(self) -> None:
        legacy = [n for n in self._of_benefit(uc=False, single=True) if self.debts_of.get(n)]
        for nino in self.pick_people(self.n(MISSED_PAYMENTS_PER_10K), legacy):
            person = self.people[nino]
            pay_dates = legacy_pay_dates(person, self.first, self.last - timedelta(days=3))
            if not pay_dates:
                continue
            missed = self.rng.choice(pay_dates)
            self.event(missed + timedelta(days=1 + self.rng.randrange(2)), "cis", "benefit.payment_missed",
                       nino, missed, award_ref=person.award_ref, pay_date=missed.isoformat())

    def direct_payments(self) -> None:
        rng = self.rng
        with_debts = [n for n in self._of_benefit() if self.debts_of.get(n)]
        for nino in self.pick_people(self.n(DIRECT_PAYMENTS_PER_10K), with_debts):
            day = self.day_in_month()
            debt = rng.choice(self.debts_of[nino])
            amount = min(debt.balance_pence, _pounds_between(rng, 5, 60))
            target: dict[str, object] = {}
            if rng.randrange(4):
                target = ({"la_id": debt.la_id, "debt_ref": debt.ref} if debt.creditor == "LA"
                          else {"creditor": debt.creditor, "creditor_ref": debt.ref})
            self.event(day, "payments", "payment.received", nino, day, amount=format_pounds(amount),
                       received_on=day.isoformat(), channel=_weighted(rng, (("CARD", 4), ("BANK_TRANSFER", 3),
                                                                            ("DIRECT_DEBIT", 2), ("CHEQUE", 1))),
                       **target)

    # -------------------------------------------------------------------------------- awards

    def new_nino(self) -> str:
        """A NINO no one in the book has."""
        while True:
            nino = self.new_ninos.nino(self.new_ordinal)
            self.new_ordinal += 1
            if nino not in self.people:
                return nino

    def new_person(self, nino: str, age: int, on: date) -> BookPerson:
        rng = self.rng
        dob = date(on.year - age, 1 + rng.randrange(12), 1 + rng.randrange(28))
        return BookPerson(nino, rng.choice(t.SURNAMES), rng.choice(t.FORENAMES), dob)

    def new_claimants(self) -> None:
        for _ in range(self.n(NEW_CLAIMANTS_PER_10K)):
            self.new_claimant(self.new_nino(), self.rng.randrange(100) < 70)

    def new_claimant(self, nino: str, uc: bool) -> None:
        rng = self.rng
        start = self.day_in_month()
        age = rng.randrange(18, 64) if uc else rng.randrange(18, 80)
        person = self.new_person(nino, age, start)
        self.event(start, "cis", "person.registered", nino, start, surname=person.surname,
                   forenames=person.forenames, date_of_birth=person.date_of_birth.isoformat())
        self.busy.add(nino)
        if uc:
            claimant = "SINGLE_UNDER_25" if age < 25 else "SINGLE_25_OR_OVER"
            ref = f"UC-{nino}-{self.tag}"
            self.event(start, "uc", "award.started", nino, start, award_ref=ref, benefit="UC",
                       start_date=start.isoformat(), uc={"claimant_type": claimant, "assessment_period_day": start.day})
            if rng.randrange(100) < 60:
                self.event(start, "dwp", "debt.referred", nino, start, creditor="DWP",
                           creditor_ref=f"ADV{self.tag}{nino}", debt_type="UC_ADVANCE_NEW_CLAIM",
                           classification="NON_FRAUD", amount=format_pounds(_pounds_between(rng, 150, 900)),
                           created_on=start.isoformat())
            return
        code, _, low, high, _, _ = rng.choice([b for b in t.LEGACY_BENEFITS if b[4] <= age])
        frequency = rng.choice(("WEEKLY", "FORTNIGHTLY", "FORTNIGHTLY", "FOUR_WEEKLY"))
        ref = f"{code}-{nino}-{self.tag}"
        self.event(start, "cis", "award.started", nino, start, award_ref=ref, benefit=code,
                   start_date=start.isoformat(),
                   legacy={"weekly_amount": format_pounds(low + rng.randrange(high - low + 1)),
                           "pay_frequency": frequency, "first_pay_date": (start + timedelta(days=7)).isoformat()})
        person = replace(person, benefit=code, award_ref=ref, start_date=start)
        if self.book.las:  # an HB overpayment may follow the claim (referrals); a book with no LA has none
            self.new_legacy.append((person, start, self.home_la(nino)))

    def award_changes(self) -> None:
        """25th birthdays move a UC single claimant to the 25-or-over allowance; some legacy rates change."""
        for nino in self.ninos:
            person = self.people[nino]
            if person.claimant_type != "SINGLE_UNDER_25" or nino in self.busy:
                continue
            dob = person.date_of_birth
            birthday = date(self.first.year, dob.month, min(dob.day, 28)) if dob.month == self.first.month else None
            if birthday and birthday.year - dob.year == 25:
                self.event(birthday - timedelta(days=3), "uc", "award.changed", nino, birthday,
                           award_ref=person.award_ref, claimant_type="SINGLE_25_OR_OVER")
        legacy = [n for n in self._of_benefit(uc=False) if self.people[n].weekly_amount_pence]
        for nino in self.pick_people(self.n(LEGACY_RATE_CHANGES_PER_10K), legacy):
            person, day = self.people[nino], self.day_in_month()
            weekly = person.weekly_amount_pence or 0
            new = max(100, weekly + self.rng.randrange(-weekly // 10, weekly // 10 + 1))
            self.event(day - timedelta(days=self.rng.randrange(5)), "cis", "award.changed", nino, day,
                       award_ref=person.award_ref, legacy={"weekly_amount": format_pounds(new)})

    # -------------------------------------------------------------------------------- DWP and HMRC debts

    def dwp_debts(self) -> None:
        rng = self.rng
        uc = self._of_benefit(uc=True)
        for nino in self.pick_people(self.n(NEW_DWP_DEBTS_PER_10K), uc):
            day = self.day_in_month()
            creditor, debt_type = rng.choice((("DWP", "BUDGETING_ADVANCE"), ("DWP", "OVERPAYMENT"),
                                              ("DWP", "UC_ADVANCE_CHANGE_OF_CIRCUMSTANCES"), ("HMRC", "OVERPAYMENT")))
            fraud = debt_type == "OVERPAYMENT" and rng.randrange(100) < t.FRAUD_OVERPAYMENT_PERCENT
            amount = _pounds_between(rng, 100, 2500) + rng.randrange(100)
            self.event(day, creditor.lower(), "debt.referred", nino, day, creditor=creditor,
                       creditor_ref=f"{'TC' if creditor == 'HMRC' else 'DWP'}{self.tag}{self.event_seq:07d}",
                       debt_type=debt_type, classification="FRAUD" if fraud else "NON_FRAUD",
                       amount=format_pounds(amount), created_on=(day - timedelta(days=rng.randrange(30))).isoformat())
        held = [n for n in uc if any(d.creditor != "LA" and d.balance_pence >= SAFE_BALANCE_PENCE
                                     for d in self.debts_of.get(n, ()))]
        for nino in self.pick_people(self.n(DWP_REVISIONS_PER_10K), held):
            debt = next(d for d in self.debts_of[nino] if d.creditor != "LA" and d.balance_pence >= SAFE_BALANCE_PENCE)
            day = self.day_in_month()
            self.event(day, debt.creditor.lower(), "debt.revised", nino, day, creditor=debt.creditor,
                       creditor_ref=debt.ref, amount=format_pounds(debt.amount_pence + _pounds_between(rng, 20, 300)))
        for nino in self.pick_people(self.n(DWP_WITHDRAWALS_PER_10K), held):
            debt = next(d for d in self.debts_of[nino] if d.creditor != "LA" and d.balance_pence >= SAFE_BALANCE_PENCE)
            day = self.day_in_month()
            self.event(day, debt.creditor.lower(), "debt.withdrawn", nino, day, creditor=debt.creditor,
                       creditor_ref=debt.ref, reason="decision revised on mandatory reconsideration")

    # -------------------------------------------------------------------------------- UC periods

    def assessment_periods(self) -> None:
        """One report per UC claim paid this month (a couple's claim once, under the first partner)."""
        for nino in self.ninos:
            person = self.people[nino]
            if person.benefit != "UC" or (person.partner_nino and person.partner_nino < nino):
                continue
            for start, end, paid in payment_periods(person, self.first, self.last):
                ended = self.ended_on.get(nino)
                if ended is not None and ended <= end:
                    continue
                self.period_report(person, start, end, paid)

    def period_report(self, person: BookPerson, start: date, end: date, paid: date) -> None:
        rng = self.rng
        late = rng.randrange(1000) < LATE_REPORT_PER_MILLE and paid < self.last
        reported = paid + timedelta(days=1) if late else min(paid, end + timedelta(days=1 + rng.randrange(3)))
        joint = person.claimant_type.startswith("JOINT")
        award = _pounds_between(rng, 400, 650) if joint else _pounds_between(rng, 320, 420)
        if rng.randrange(100) < 60:
            award += _pounds_between(rng, 250, 900)  # housing
        if rng.randrange(100) < 40:
            award += _pounds_between(rng, 290, 1000)  # children
        earnings = rng.randrange(100) < 30
        if earnings:
            award = max(5_000, award - _pounds_between(rng, 0, 600))
        award += rng.randrange(100)
        sanction = _pounds_between(rng, 20, 100) if rng.randrange(100) < 2 else 0
        self.event(reported, "uc", "uc.assessment_period", person.nino, end + timedelta(days=1),
                   award_ref=person.award_ref, period_start=start.isoformat(), period_end=end.isoformat(),
                   payment_date=paid.isoformat(), award_amount=format_pounds(award),
                   earnings_over_work_allowance=earnings, sanction_amount=format_pounds(min(sanction, award)),
                   fraud_penalty_amount="0.00", third_party=self.third_party())

    def third_party(self) -> list[dict[str, str]]:
        rng = self.rng
        if rng.randrange(1000) >= THIRD_PARTY_PER_MILLE:
            return []
        category = _weighted(rng, THIRD_PARTY)
        item: dict[str, str] = {"category": category, "amount": format_pounds(2_000 + rng.randrange(2_500))}
        if category in ("GAS_ARREARS", "ELECTRICITY_ARREARS", "WATER_ARREARS") and rng.randrange(2):
            item["ongoing_amount"] = format_pounds(_pounds_between(rng, 10, 60))
        if category == "FLAT_RATE_MAINTENANCE":
            item["scheme"] = "2012"
        return [item]

    # -------------------------------------------------------------------------------- LA files

    def home_la(self, nino: str) -> str:
        """The LA a person lives in: the LA of their first HB debt, else one chosen by their NINO."""
        for debt in self.debts_of.get(nino, ()):
            if debt.la_id:
                return debt.la_id
        return self.book.las[zlib.crc32(nino.encode()) % len(self.book.las)]

    def la_traffic(self) -> None:
        if not self.book.las or not self.working:
            return
        self.sending = {la: self.sending_days(la) for la in self.book.las}
        self.referrals()
        self.revisions()
        self.recalls()
        self.over_recovery()
        self.broken_files()
        self.assemble_tars()

    def sending_days(self, la: str) -> list[date]:
        days = [d for d in self.working if self.rng.randrange(100) < LA_SENDING_DAY_PERCENT]
        return days or [self.rng.choice(self.working)]

    def la_day(self, la: str, after: date | None = None) -> date | None:
        days = [d for d in self.sending[la] if after is None or d > after]
        return self.rng.choice(days) if days else None

    def hb_held(self, nino: str) -> list[BookDebt]:
        return [d for d in self.debts_of.get(nino, ()) if d.creditor == "LA"]

    def new_ref(self, la: str) -> str:
        self.ref_seq[la] += 1
        return f"HB/{la}/M{self.tag}{self.ref_seq[la]:04d}"

    def referral(self, la: str, person: BookPerson, day: date, classification: str | None = None) -> ReferralRecord:
        rng = self.rng
        parts = []
        end = day - timedelta(days=14 + rng.randrange(120))
        for _ in range(1 + (rng.randrange(100) < 30) + (rng.randrange(100) < 10)):
            weeks = 1 + rng.randrange(30)
            start = end - timedelta(days=7 * weeks - 1)
            weekly = rng.randrange(500, 6_000)  # the HB overpaid each week, in pence
            parts.append(Overpayment(min(500_000, weekly * weeks + rng.randrange(100)), start, end))
            end = start - timedelta(days=1)
        fraud = rng.randrange(100) < t.FRAUD_OVERPAYMENT_PERCENT
        return ReferralRecord(
            debt_ref=self.new_ref(la), nino=person.nino, surname=person.surname, forenames=person.forenames,
            date_of_birth=person.date_of_birth,
            classification=classification or ("FRAUD" if fraud else "NON_FRAUD"),
            overpayments=tuple(reversed(parts)), total_pence=sum(p.amount_pence for p in parts),
            debt_created_date=day - timedelta(days=rng.randrange(10)), line=0,
        )

    def add(self, la: str, day: date, kind: str, record: InboundRecord) -> None:
        self.la_files[(la, day)][kind].append(record)
        self.traffic.counts[f"{kind} records"] = self.traffic.counts.get(f"{kind} records", 0) + 1

    def referral_pools(self) -> dict[str, list[str]]:
        pools: dict[str, list[str]] = {name: [] for name, _ in (*REFERRAL_MIX, ("ACCEPT", 0))}
        for nino in self.ninos:
            person, held = self.people[nino], self.hb_held(nino)
            if nino in self.died:
                continue
            if nino in self.ended_on:
                pools["NO_BENEFIT"].append(nino)
            elif person.benefit == "UC":
                pools["UC_LIMIT" if len(held) >= 4 else "ACCEPT"].append(nino)
            elif person.benefit is not None:
                pools["ALREADY_HELD" if held else "OTHER_DWP" if self.debts_of.get(nino) else "ACCEPT"].append(nino)
        return pools

    def referrals(self) -> None:
        rng = self.rng
        pools = self.referral_pools()
        for person, start, la in self.new_legacy:  # new non-UC claimants: an HB overpayment follows the claim
            day = self.la_day(la, after=start)
            if day is not None and rng.randrange(2):
                self.add(la, day, "LAREF", self.referral(la, person, day))
        for _ in range(self.n(UNKNOWN_CLAIMANT_REFERRALS_PER_10K)):  # someone on no benefit DMS knows of
            person = self.new_person(self.new_nino(), 18 + rng.randrange(60), self.first)
            la = rng.choice(self.book.las)
            day = self.la_day(la)
            if day is not None:
                self.add(la, day, "LAREF", self.referral(la, person, day))
        for _ in range(self.n(HB_REFERRALS_PER_10K)):
            kind = "ACCEPT"
            if rng.randrange(100) < sum(w for _, w in REFERRAL_MIX) * 2:
                kind = _weighted(rng, REFERRAL_MIX)
            nino = self.referral_target(pools, kind)
            if nino is None:
                continue
            la = self.home_la(nino)
            day = self.la_day(la, after=self.ended_on.get(nino))
            if day is not None:
                self.add(la, day, "LAREF", self.referral(la, self.people[nino], day))

    def referral_target(self, pools: dict[str, list[str]], kind: str) -> str | None:
        for name in (kind, "ACCEPT"):
            pool = pools[name]
            while pool:
                nino = pool.pop(self.rng.randrange(len(pool)))
                if name == "NO_BENEFIT" or nino not in self.busy:
                    self.busy.add(nino)
                    return nino
        return None

    def revisable(self) -> list[BookDebt]:
        return [d for n in self.ninos if n not in self.busy for d in self.hb_held(n)
                if d.balance_pence >= SAFE_BALANCE_PENCE and d.balance_pence == d.amount_pence]

    def revisions(self) -> None:
        rng = self.rng
        candidates = self.revisable()
        rng.shuffle(candidates)
        for debt in candidates[: self.n(HB_REVISIONS_PER_10K)]:
            if debt.nino in self.busy or debt.la_id is None:
                continue
            day = self.la_day(debt.la_id)
            if day is None:
                continue
            self.busy.add(debt.nino)
            kind = _weighted(rng, REVISION_KINDS)
            if kind == "UP":
                record = RevisionRecord(debt.ref, debt.nino, debt.amount_pence + _pounds_between(rng, 25, 600), None,
                                        rng.choice(("FURTHER_OVERPAYMENT", "ADDITIONAL_DEBT")), 0)
            elif kind == "DOWN":
                new = debt.amount_pence * rng.randrange(50, 91) // 100
                record = RevisionRecord(debt.ref, debt.nino, new, None,
                                        rng.choice(("ENTITLEMENT_REVIEWED", "APPEAL_DECIDED", "CREDIT_OFFSET",
                                                    "CLAIMANT_PAID_LA")), 0)
            else:
                flipped = "NON_FRAUD" if debt.classification == "FRAUD" else "FRAUD"
                record = RevisionRecord(debt.ref, debt.nino, None, flipped, "APPEAL_DECIDED", 0)
            self.add(debt.la_id, day, "LAREV", record)

    def recalls(self) -> None:
        rng = self.rng
        candidates = self.revisable()
        rng.shuffle(candidates)
        for debt in candidates[: self.n(HB_RECALLS_PER_10K)]:
            if debt.nino in self.busy or debt.la_id is None:
                continue
            day = self.la_day(debt.la_id)
            if day is None:
                continue
            self.busy.add(debt.nino)
            self.add(debt.la_id, day, "LAREC", RecallRecord(debt.ref, debt.nino, _weighted(rng, RECALL_REASONS), 0))

    def over_recovery(self) -> None:
        """A revision down to £1.00 of a UC claimant's only debt, late in the month after a payment date
        early in it: the debt is over-recovered and the excess is taken back from the LA (§6.5)."""
        for nino in self.ninos:
            person, debts = self.people[nino], self.debts_of.get(nino, [])
            if (nino in self.busy or person.benefit != "UC" or person.partner_nino or len(debts) != 1
                    or debts[0].creditor != "LA" or debts[0].la_id is None):
                continue
            paid = [p for _, _, p in payment_periods(person, self.first, self.last) if p.day <= 12]
            day = self.la_day(debts[0].la_id, after=paid[0] + timedelta(days=5)) if paid else None
            if day is None:
                continue
            self.busy.add(nino)
            self.add(debts[0].la_id, day, "LAREV", RevisionRecord(debts[0].ref, nino, 100, None, "CREDIT_OFFSET", 0))
            self.traffic.counts["over-recovery revisions"] = 1
            return

    # -------------------------------------------------------------------------------- broken files

    def broken_files(self) -> None:
        """One file of each broken kind on the 3rd, 6th, 9th and 12th working days (or the last one), from an
        LA with no other file of that type that day (else the broken file holds that LA's ordinary records
        too, and the whole file fails, §6.1); the bad-NINO referral file is resubmitted corrected, under its
        original name, three working days later (§48)."""
        for index, fault in enumerate(BROKEN_KINDS):
            day = self.working[min(3 * index + 2, len(self.working) - 1)]
            kind = {"UNKNOWN_DEBT_REF": "LAREV", "NOT_WELL_FORMED": "LAREC"}.get(fault, "LAREF")
            offset = index * 7 + 3
            order = [self.book.las[(offset + k) % len(self.book.las)] for k in range(len(self.book.las))]
            la = next((la for la in order if not self.la_files.get((la, day), {}).get(kind)), order[0])
            ordinary = self.la_files[(la, day)].pop(kind, [])
            good, bad, fixed = self.faulty_records(fault, la, day)
            if not bad:
                continue
            self.special.append((day, PlannedFile(kind, la, day, (*ordinary, *good, *bad), fault)))
            self.traffic.counts[f"broken: {fault}"] = 1
            counts = self.traffic.counts
            counts["records of broken files"] = counts.get("records of broken files", 0) + len(good) + len(bad)
            later = [d for d in self.working if d > day]
            if fixed and later:
                self.special.append((later[min(2, len(later) - 1)],
                                     PlannedFile(kind, la, day, (*ordinary, *good, *fixed))))
                self.traffic.counts["corrected resubmissions"] = 1
                counts["records of resubmissions"] = counts.get("records of resubmissions", 0) + len(good) + len(fixed)

    def faulty_records(self, fault: str, la: str, day: date) -> tuple[list[InboundRecord], list[InboundRecord],
                                                                       list[InboundRecord]]:
        """(records that are right, records that are wrong, the wrong ones corrected: only for ``BAD_NINO``,
        the file that is resubmitted) for a broken file."""
        pool = [n for n in self.ninos if n not in self.busy and self.people[n].benefit == "UC"
                and 0 < len(self.hb_held(n)) < 4 and all(d.la_id == la for d in self.hb_held(n))]
        people = [self.people[n] for n in self.rng.sample(pool, min(2, len(pool)))]
        self.busy.update(p.nino for p in people)
        if not people:
            return [], [], []
        held = [d for p in people for d in self.hb_held(p.nino)]
        if fault in ("BAD_NINO", "TOTAL_MISMATCH"):
            records: list[InboundRecord] = [self.referral(la, p, day) for p in people[:-1]]
            last = self.referral(la, people[-1], day)
            if fault == "TOTAL_MISMATCH":
                return records, [replace(last, total_pence=last.total_pence + 1_000)], []
            return records, [replace(last, nino="QQ" + last.nino[2:])], [last]
        if fault == "UNKNOWN_DEBT_REF":
            known: list[InboundRecord] = [RevisionRecord(held[0].ref, held[0].nino, held[0].amount_pence + 5_000, None,
                                    "FURTHER_OVERPAYMENT", 0)]
            return known, [RevisionRecord(f"HB/{la}/X{self.tag}001", people[-1].nino, 12_000, None,
                                          "ENTITLEMENT_REVIEWED", 0)], []
        return [], [RecallRecord(held[0].ref, held[0].nino, "LA_RECOVERY", 0)], []

    def assemble_tars(self) -> None:
        by_tar: dict[tuple[str, date], list[PlannedFile]] = defaultdict(list)
        for (la, day), kinds in sorted(self.la_files.items()):
            for kind in ("LAREF", "LAREV", "LAREC"):
                if kinds.get(kind):
                    by_tar[(la, day)].append(PlannedFile(kind, la, day, tuple(kinds[kind])))
        for day, planned in self.special:
            by_tar[(planned.la_id, day)].append(planned)
        for (la, day), files in sorted(by_tar.items(), key=lambda item: (item[0][1], item[0][0])):
            ordered = tuple(sorted(files, key=lambda f: (f.creation_date, ("LAREF", "LAREV", "LAREC").index(f.kind))))
            self.traffic.tars.setdefault(day, []).append(PlannedTar(la, day, ordered))
        self.traffic.counts["LA tars"] = sum(len(v) for v in self.traffic.tars.values())


def plan_month(book: BookView, year: int, month: int, seed: int) -> MonthTraffic:
    """A month of traffic for ``book`` (deterministic in the book, the month and ``seed``)."""
    return _Planner(book, year, month, seed).run()
