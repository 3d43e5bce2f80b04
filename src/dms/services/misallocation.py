"""Misallocated deductions: found, listed for staff, corrected (A9/2025 §53; recovery-rules.md §5, §3).

The UC engine shares the amount of one Annex B item of one assessment period between owners: items 16 and 18
between DWP and an LA (rule a), items 17 and 19 between DWP, HMRC and the LAs (rule b), over the debts the
period recovers from, as the daily run lists them (:func:`dms.services.recovery_load.debts_recovered_from`):
the award holder's and, on a couple's award, the partner's, owned or held jointly, a joint debt only while its
owner has no benefit to recover it from (**Decision**, docs/recovery-notes.md "Joint debts recovered from one
benefit": otherwise the owner's award recovers it, and it has no share of the other debtor's). That unit, an
item of an assessment period of an award across both partners, is what is checked: the amount each owner
received is compared with what the engine's own allocation gives for the item's amount
(:func:`dms.recovery.allocation.split_between_owners`, fed the debts the period could take from as the run
worked it out, on its payment date for a period reported late: :func:`_eligible`). An owner that received more
than that is a misallocation; a correct split is never reported. A legacy instalment is shared between owners
the same way, each item's part by :func:`dms.recovery.allocation.split_between_owners`
(:func:`dms.recovery.allocation.allocate_instalment`; docs/recovery-notes.md "A legacy instalment shared
between owners"), so it can be misallocated the same way (an item's part credited wholly to one owner's debt,
as instalments were taken in recovery order before that Decision): its unit is an item of one pay date's
instalment of one award, over the debts the daily run recovers from the person that day, each able to take up
to its balance (a staff reduced rate sets the instalment's weekly rate, not a debt's share), and it is checked
and corrected as a UC item is (:func:`_legacy_groups`).

The correction never changes the person's total: a CORRECTION entry takes the excess back from the debts
that received it (DR RECEIVABLE, CR CREDITOR_DEBTS, DR CREDITOR_PAYABLE, CR PERSON_CREDIT; an LA sees a
CORRECTION line on its next schedule) and REALLOCATION entries place it on the OPEN debts of the owners that
received less than their share (and on those in a recall holding period: the deduction is money already taken,
which still reaches such a debt, hb-debt-interface.md §6.5), as the engine orders an owner's debts (the postings of CREDIT_APPLIED; an LA
sees a DEDUCTION line: the money is its share of the deduction, not the person's own, hb-debt-interface.md
§4.2, **Decision**, docs/la-interface-notes.md "Payment schedule `Source` and `Kind`"). Both entries name the
benefit the deduction was taken from first in their description, which the LA's schedule gives as the
line's ``Source`` (:func:`_deduction_source`). What is taken back from a debt returned or withdrawn since is
returned to its creditor at once (**Decision**, docs/la-interface-notes.md "A deduction reversed after its
debt was returned": for an LA, its cessation amended or a further one).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from django.db import transaction

from dms.calendar import month_bounds, parse_period
from dms.debts import Classification, DebtStatus
from dms.debts.order import FRAUD_OVERPAYMENT_ITEM, annex_b_item
from dms.errors import BadArguments, DmsError, InvariantBroken, NotFound
from dms.ledger import AccountKey, AccountKind, Entry, EntryKind, Posting, build_entry
from dms.money import format_pounds
from dms.recovery.allocation import OWNER_ORDER, SHARING_OWNERS, allocate_within_owner, split_between_owners
from dms.recovery.types import DebtRecord, Rule
from dms.services.debts import (
    FINAL_STATUSES,
    debt_figures,
    engine_record,
    in_holding_period,
    referral_received_date,
    return_restored_balance,
)
from dms.services.recovery_load import as_date, debts_recovered_from, fetch, in_ids, reduced_rates
from dms.store.ledger import post_entries
from dms.store.models import Award, AwardChange, Debt, DebtStatusChange
from dms.store.payments.models import Misallocation
from dms.store.recovery.models import AssessmentPeriod, Deduction

SHARED_ITEMS = tuple(sorted(SHARING_OWNERS))  # Annex B items 16-19 (rules a and b), the engine's definition

# The UC deductions to debts of the shared items, by assessment period and item, in the order taken, with
# those reversed since, and the period's payment date.
DEDUCTIONS_SQL = (
    "SELECT d.period_id, d.award_id, d.person_id, d.date, d.item_number, d.entry_id, d.debt_id, d.amount_pence, "
    "d.status, p.payment_date FROM dms_deduction d JOIN dms_assessment_period p ON p.id = d.period_id "
    "WHERE d.period_id IS NOT NULL AND d.debt_id IS NOT NULL "
    "AND d.status IN ('TAKEN', 'REVERSED') AND d.date >= %s AND d.date <= %s AND {items} "
    "ORDER BY d.period_id, d.item_number, d.id"
)


@dataclass
class _Group:
    """One Annex B item of one assessment period of one award, or of one legacy pay date's instalment of one
    award (``legacy``; ``period_id`` 0): what each debt received. ``business_date`` is the day the run took
    the period (a legacy instalment's pay date); ``payment_date`` the period's, earlier when it was reported
    late."""

    period_id: int
    award_id: int
    person_id: int
    business_date: date
    payment_date: date
    item: int
    entry_ids: set[int] = field(default_factory=set)
    credited: dict[int, int] = field(default_factory=lambda: defaultdict(int))  # debt id -> pence
    legacy: bool = False

    @property
    def key(self) -> str:
        if self.legacy:
            return f"legacy:{self.award_id}:{self.business_date.isoformat()}:item{self.item}"
        return f"period:{self.period_id}:item{self.item}"


def _groups(start: date, end: date) -> list[_Group]:
    """The items of assessment periods to check. An item with a line reversed since (a death, an award end or
    an insolvency reported late) is left out: the lines left are the shares of an amount worked out with the
    reversed debts in it, which the period is not worked out again without (**Decision**,
    docs/recovery-notes.md "Joint debts when a debtor dies"), so they are not a misallocation staff could
    correct."""
    cond, params = in_ids("d.item_number", SHARED_ITEMS)
    groups: dict[tuple[int, int], _Group] = {}
    reversed_in: set[tuple[int, int]] = set()
    for period_id, award_id, person_id, day, item, entry_id, debt_id, amount, status, paid in fetch(
            DEDUCTIONS_SQL.format(items=cond), [start, end, *params]):
        if status != "TAKEN":
            reversed_in.add((period_id, item))
            continue
        group = groups.get((period_id, item))
        if group is None:
            group = groups[(period_id, item)] = _Group(period_id, award_id, person_id, as_date(day),
                                                       as_date(paid), item)
        group.entry_ids.add(entry_id)
        group.credited[debt_id] += int(amount)
    return [group for key, group in groups.items() if key not in reversed_in]


# The legacy instalments' deductions to debts of the types of the shared items (16-19: administrative and
# civil penalties, overpayments), by award and pay date, in the order taken, with those reversed since, and
# each debt's type and classification now.
LEGACY_DEDUCTIONS_SQL = (
    "SELECT d.award_id, d.person_id, d.date, d.entry_id, d.debt_id, d.amount_pence, d.status, t.debt_type, "
    "t.classification FROM dms_deduction d JOIN dms_debt t ON t.id = d.debt_id "
    "WHERE d.period_id IS NULL AND d.award_id IS NOT NULL AND d.debt_id IS NOT NULL AND d.source <> 'UC' "
    "AND d.status IN ('TAKEN', 'REVERSED') AND d.date >= %s AND d.date <= %s "
    "AND t.debt_type IN ('ADMINISTRATIVE_PENALTY', 'CIVIL_PENALTY', 'OVERPAYMENT') "
    "ORDER BY d.award_id, d.date, d.id"
)


def _legacy_groups(start: date, end: date) -> list[_Group]:
    """The items of legacy instalments to check: each pay date's instalment of an award, item by item (the
    debt's Annex B item with its classification on the pay date, :func:`classifications_on`), as
    :func:`dms.recovery.allocation.allocate_instalment` shares it. An instalment with a line reversed since
    (a missed payment, a sanction, death or insolvency reported late: each reverses the pay date's
    instalment) is left out, as a UC item with a line reversed is (:func:`_groups`)."""
    rows = fetch(LEGACY_DEDUCTIONS_SQL, [start, end])
    reclassified = _reclassifications({r[4] for r in rows})
    groups: dict[tuple[int, date, int], _Group] = {}
    reversed_in: set[tuple[int, date]] = set()
    for award_id, person_id, day, entry_id, debt_id, amount, status, debt_type, classification in rows:
        day = as_date(day)
        if status != "TAKEN":
            reversed_in.add((award_id, day))
            continue
        then = next((old for on, old in reclassified.get(debt_id, ()) if on > day), classification)
        item = annex_b_item(debt_type, then)
        if item not in SHARING_OWNERS:
            continue
        group = groups.get((award_id, day, item))
        if group is None:
            group = groups[(award_id, day, item)] = _Group(0, award_id, person_id, day, day, item, legacy=True)
        group.entry_ids.add(entry_id)
        group.credited[debt_id] += int(amount)
    return [group for key, group in groups.items() if key[:2] not in reversed_in]


def _reclassifications(debt_ids: set[int]) -> dict[int, list[tuple[date, str]]]:
    """``{debt id: [(business date, the classification it had before)]}`` of the reclassifications of
    ``debt_ids`` (hb-debt-interface.md §6.5, audited "classification changed from X to Y"), in order: a debt's
    classification on a day is the "from" of its first change dated after it (:func:`classifications_on`)."""
    found: dict[int, list[tuple[date, str]]] = defaultdict(list)
    changes = (DebtStatusChange.objects.filter(reason__startswith="classification changed from ")
               .order_by("business_date", "pk").values_list("debt_id", "business_date", "reason"))
    for debt_id, on, reason in changes:
        match = _RECLASSIFIED.match(reason)
        if debt_id in debt_ids and match is not None:
            found[debt_id].append((on, match.group(1)))
    return found


# ---------------------------------------------------------------------------------------------- detection


def period_unit(period_id: int, award_id: int, holder_id: int) -> tuple[list[int], bool]:
    """The people whose debts an assessment period recovers from, as the daily run takes it
    (:func:`dms.services.recovery_load.load_due_periods`): the award holder and the partner the award names in
    the period's terms (those in force on its last day when the award has changed since), and whether the
    award is a couple's (Annex B rule c)."""
    award = Award.objects.get(pk=award_id)
    claimant_type: str | None = award.claimant_type
    partner: int | None = award.partner_id
    period_end = AssessmentPeriod.objects.filter(pk=period_id).values_list("period_end", flat=True).first()
    if period_end is not None and AwardChange.objects.filter(award_id=award_id, applied_on__isnull=False,
                                                             effective_from__gt=period_end).exists():
        from dms.services.events import uc_terms_on

        claimant_type, partner = uc_terms_on(award_id, period_end)
    people = {holder_id} | ({partner} if partner is not None else set())
    return sorted(people), partner is not None or (claimant_type or "").startswith("JOINT")


def _unit(group: _Group) -> tuple[list[int], bool]:
    """The people whose debts the group's deduction recovers from and whether the award is a couple's: a
    legacy award is one person's (no rule c), a UC period's by :func:`period_unit`."""
    if group.legacy:
        return [group.person_id], False
    return period_unit(group.period_id, group.award_id, group.person_id)


def open_when_deducted(changes: Sequence[tuple[date, str]], day: date) -> bool:
    """Whether a debt was OPEN for the deductions of ``day`` (only OPEN debts are deducted from), from its
    status changes (business date, new status) in order: OPEN after the last change before ``day`` (none:
    referred that day), and not moved that day to any status but OPEN or CLEARED (a change that day may
    come before or after the deductions, so a debt suspended, recalled or returned that day is left out:
    what is left out can only hide a misallocation, never report a correct split)."""
    before = [status for on, status in changes if on < day]
    if before and before[-1] != DebtStatus.OPEN:
        return False
    return all(status in (DebtStatus.OPEN, DebtStatus.CLEARED) for on, status in changes if on == day)


def recalled_when_taken(changes: Sequence[tuple[date, str, str]], paid: date, day: date) -> bool:
    """Whether a UC period paid on ``paid`` and taken late on ``day`` could take from a debt in its recall
    holding period (hb-debt-interface.md §6.5: "Money already taken still reaches the debt during the holding
    period"; **Decision**, docs/events-notes.md "A UC period reported after its payment date",
    ``services.recovery._LatePeriods``), from its status changes up to ``day`` (business date, from, to) in
    order: its recall, its first move to RECALL_PENDING (a debt is recalled once: a recall in its holding
    period changes nothing, and the end of it returns the debt), was processed after ``paid`` and found it
    OPEN, and the debt was RECALL_PENDING for the deductions of ``day``: after its last change, with no change
    that day to any other status. The LA files and the end of holding periods come before a day's deductions,
    so a recall processed on ``day`` counts and a debt returned that day does not; one moved otherwise that
    day is left out, as in :func:`open_when_deducted`. A period paid on ``day`` takes from no recalled
    debt."""
    recall = next(((on, old) for on, old, new in changes if new == DebtStatus.RECALL_PENDING), None)
    if recall is None or recall[1] != DebtStatus.OPEN or not paid < recall[0] <= day:
        return False
    return changes[-1][2] == DebtStatus.RECALL_PENDING and all(
        new == DebtStatus.RECALL_PENDING for on, _, new in changes if on == day)


def _balances_before(debt_ids: Sequence[int], first_entry: int) -> dict[int, int]:
    """Each debt's RECEIVABLE balance before the entry ``first_entry`` (the group's first deduction)."""
    cond, params = in_ids("a.debt_id", debt_ids)
    rows = fetch(
        "SELECT a.debt_id, COALESCE(SUM(p.amount_pence), 0) FROM dms_account a "
        "JOIN dms_posting p ON p.account_id = a.id "
        f"WHERE a.kind = 'RECEIVABLE' AND {cond} AND p.entry_id < %s GROUP BY a.debt_id",
        [*params, first_entry],
    )
    return {debt_id: int(balance) for debt_id, balance in rows}


def _status_changes(debt_ids: Sequence[int], day: date) -> dict[int, list[tuple[date, str, str]]]:
    """Each debt's status changes up to ``day``, in order: (business date, old status, new status)."""
    changes: dict[int, list[tuple[date, str, str]]] = defaultdict(list)
    rows = DebtStatusChange.objects.filter(debt_id__in=list(debt_ids), business_date__lte=day)
    for debt_id, on, old, new in rows.order_by("business_date", "id").values_list(
            "debt_id", "business_date", "from_status", "to_status"):
        changes[debt_id].append((on, old, new))
    return changes


def _deducted_from(changes: Sequence[tuple[date, str, str]], paid: date, day: date) -> bool:
    """Whether the run of ``day`` could take a period paid on ``paid`` from a debt with these status changes:
    OPEN then (:func:`open_when_deducted`), or, for a period reported late, in a recall holding period it
    still reaches (:func:`recalled_when_taken`)."""
    return (open_when_deducted([(on, new) for on, _, new in changes], day)
            or recalled_when_taken(changes, paid, day))


def _eligible(group: _Group, people: list[int]) -> tuple[list[DebtRecord], dict[int, int]]:
    """The debts of the group's item the period could take from, as the engine was given them: those the
    daily run recovers from the unit's people (:func:`dms.services.recovery_load.debts_recovered_from`: owned,
    or held jointly while the owner has no benefit), received by the period's payment date, OPEN when taken
    (:func:`open_when_deducted`) or in a recall holding period a late period still reaches
    (:func:`recalled_when_taken`), with their balance before the group's deductions, limited by any reduced
    rate in force on the payment date (the engine's capacity). A period reported late is worked out as on its
    payment date (events.md §2; docs/events-notes.md "A UC period reported after its payment date",
    ``services.recovery._LatePeriods``): a debt received after it, or a staff rate set since, had no part in
    it, and a staff rate since expired did. A debt that received part of the item was eligible and could take
    at least what it took. A legacy instalment's debts take up to their balance: a staff reduced rate sets
    the instalment's weekly rate, not what a debt takes of an item
    (:func:`dms.recovery.legacy.calculate_legacy_instalment`)."""
    paid = group.payment_date
    recovered = set(debts_recovered_from(people, group.business_date)) | set(group.credited)
    held = [d for d in Debt.objects.filter(pk__in=sorted(recovered)).select_related("creditor")
            if referral_received_date(d) <= paid or d.pk in group.credited]
    then = classifications_on([d.pk for d in held], group.business_date)
    debts = [d for d in held
             if annex_b_item(d.debt_type, then.get(d.pk, d.classification)) == group.item or d.pk in group.credited]
    if len({d.creditor.kind for d in debts}) < 2:
        return [], {}  # one owner: nothing to share
    ids = [d.pk for d in debts]
    changes = _status_changes(ids, group.business_date)
    balances = _balances_before(ids, min(group.entry_ids))
    rates = {} if group.legacy else reduced_rates(paid, ids)
    records, capacity = [], {}
    for debt in debts:
        balance = balances.get(debt.pk, 0)
        can = max(min(balance, rates.get(debt.pk, balance)), group.credited.get(debt.pk, 0))
        if can <= 0 or not (debt.pk in group.credited
                            or _deducted_from(changes[debt.pk], paid, group.business_date)):
            continue
        record = replace(engine_record(debt, can), classification=then.get(debt.pk, debt.classification))
        if annex_b_item(debt.debt_type, record.classification) != group.item:
            # reclassified since (hb-debt-interface.md §6.5): it took part of the item as it was then
            record = replace(record, classification=Classification.FRAUD if group.item == FRAUD_OVERPAYMENT_ITEM
                             else Classification.NON_FRAUD)
        records.append(record)
        capacity[debt.pk] = can
    return records, capacity


_RECLASSIFIED = re.compile(r"^classification changed from (FRAUD|NON_FRAUD) to ")


def classifications_on(debt_ids: list[int], day: date) -> dict[int, str]:
    """The classification each of ``debt_ids`` had on ``day`` where it has changed since (hb-debt-interface.md
    §6.5: a revision takes effect on its processing date; :func:`dms.services.debts.change_classification`
    audits each change, "classification changed from X to Y", with its business date): the "from" of its
    first change dated after ``day``. A change dated ``day`` itself was made before that day's deductions
    (the LA files step runs before the deductions step). Debts not reclassified since are left out."""
    if not debt_ids:
        return {}
    found: dict[int, str] = {}
    changes = (DebtStatusChange.objects.filter(debt_id__in=debt_ids, business_date__gt=day,
                                               reason__startswith="classification changed from ")
               .order_by("business_date", "pk").values_list("debt_id", "reason"))
    for debt_id, reason in changes:
        match = _RECLASSIFIED.match(reason)
        if match is not None and debt_id not in found:
            found[debt_id] = match.group(1)
    return found


def _by_owner(amounts: dict[int, int], owner_of: dict[int, str]) -> dict[str, int]:
    totals = dict.fromkeys(OWNER_ORDER, 0)
    for debt_id, amount in amounts.items():
        totals[owner_of[debt_id]] += amount
    return totals


def _assess(group: _Group) -> dict[str, Any] | None:
    """The group's misallocation (owners paid more than the engine's allocation gives them), or None."""
    people, joint_award = _unit(group)
    records, capacity = _eligible(group, people)
    if len({r.owner_kind for r in records}) < 2:
        return None  # one owner: nothing to share
    amount = sum(group.credited.values())
    expected = split_between_owners(amount, records, capacity, group.item, joint_award)
    owner_of = {r.debt_id: r.owner_kind for r in records}
    fair = _by_owner({r.debt_id: share for r, share, _ in expected}, owner_of)
    received = _by_owner(dict(group.credited), owner_of)
    over = {o: received[o] - fair[o] for o in OWNER_ORDER if received[o] > fair[o]}
    if not over:
        return None
    eligible_owners = {r.owner_kind for r in records}
    shown = [o for o in OWNER_ORDER if o in SHARING_OWNERS[group.item] or o in eligible_owners]
    where: dict[str, Any] = ({"pay_date": group.business_date.isoformat()} if group.legacy
                             else {"period": group.period_id})
    return {"receiver": "+".join(over), "amount": amount, "excess": sum(over.values()),
            "fair": {o: fair[o] for o in shown}, "unit": {**where, "award": group.award_id, "people": people,
                                                          "joint_award": joint_award, "debts": sorted(capacity)}}


def _recorded_by_person_and_day() -> set[int]:
    """The deduction entries of misallocations recorded by earlier releases (keyed by person, day and item,
    not by assessment period): their deductions are not recorded again."""
    earlier: set[int] = set()
    recorded = Misallocation.objects.exclude(key__startswith="period:").exclude(key__startswith="legacy:")
    for entry_ids in recorded.values_list("entry_ids", flat=True):
        earlier.update(entry_ids)
    return earlier


def detect(period: str | None, *, today: date) -> list[Misallocation]:
    """Find misallocated deductions (in ``period``, or all) and record any not yet recorded; return every
    recorded misallocation not yet corrected, oldest first."""
    start, end = (date(1900, 1, 1), date(9999, 12, 31))
    if period:
        try:
            start, end = month_bounds(*parse_period(period))
        except ValueError as error:
            raise DmsError(str(error)) from None
    with transaction.atomic():
        earlier = _recorded_by_person_and_day()
        for group in [*_groups(start, end), *_legacy_groups(start, end)]:
            if Misallocation.objects.filter(key=group.key).exists() or group.entry_ids & earlier:
                continue
            found = _assess(group)
            if found is None:
                continue
            Misallocation.objects.create(
                key=group.key, person_id=group.person_id, business_date=group.business_date, item=str(group.item),
                entry_ids=sorted(group.entry_ids), amount_pence=found["amount"], received_by=found["receiver"],
                excess_pence=found["excess"],
                shares={"received": {str(d): a for d, a in sorted(group.credited.items())},
                        "fair": found["fair"], "unit": found["unit"]},
                detected_on=today,
            )
    queryset = Misallocation.objects.filter(status=Misallocation.DETECTED)
    if period:
        queryset = queryset.filter(business_date__gte=start, business_date__lte=end)
    return list(queryset.select_related("person").order_by("business_date", "id"))


def as_json(item: Misallocation) -> dict[str, Any]:
    return {
        "id": item.pk, "nino": item.person.nino, "business_date": item.business_date.isoformat(),
        "item": item.item, "entry_ids": item.entry_ids, "amount": format_pounds(item.amount_pence),
        "received_by": item.received_by, "excess": format_pounds(item.excess_pence),
        "fair_shares": {owner: format_pounds(v) for owner, v in item.shares["fair"].items()},
        "received": {debt: format_pounds(v) for debt, v in item.shares["received"].items()},
        "status": item.status,
        "reason": (f"Annex B item {item.item} ({format_pounds(item.amount_pence)}) gave {item.received_by} "
                   f"{format_pounds(item.excess_pence)} more than its share; the item's amount is shared "
                   "between owners (rules a and b; A9/2025 §53; recovery-rules.md §3, §5)"),
    }


# ---------------------------------------------------------------------------------------------- correction


def _received_by_owner(item: Misallocation) -> dict[str, int]:
    received = {int(d): v for d, v in item.shares["received"].items()}
    owner_of = dict(Debt.objects.filter(pk__in=list(received)).values_list("pk", "creditor__kind"))
    return _by_owner(received, owner_of)


def _placements(item: Misallocation, day: date) -> list[tuple[Debt, int]]:
    """Where the excess goes: each owner's shortfall (its share less what it received), placed on those of
    its debts of the item the period could take from (:func:`_eligible`) that are OPEN, or in their recall
    holding period on ``day`` (hb-debt-interface.md §6.5: "Money already taken still reaches the debt during
    the holding period": the misallocated deduction is money already taken; never one whose holding period
    has ended, :func:`dms.services.debts.in_holding_period`), as the engine orders an owner's debts
    (:func:`dms.recovery.allocation.allocate_within_owner`), up to their balance today."""
    received = _received_by_owner(item)
    unit = item.shares.get("unit", {"people": [item.person_id], "joint_award": False})
    eligible = unit.get("debts")
    if eligible is None:  # recorded without its eligible debts: those the period recovers from
        people = (period_unit(unit["period"], unit["award"], item.person_id)[0] if "period" in unit
                  else [item.person_id])
        eligible = debts_recovered_from(people, item.business_date)
    debts = [d for d in Debt.objects.filter(in_holding_period(day), pk__in=list(eligible),
                                            status__in=(DebtStatus.OPEN, DebtStatus.RECALL_PENDING))
             .select_related("creditor").order_by("pk")
             if str(annex_b_item(d.debt_type, d.classification)) == item.item]
    balances = {k: v[2] for k, v in debt_figures(debts).items()}
    by_id = {d.pk: d for d in debts}
    placements: list[tuple[Debt, int]] = []
    for owner, share in item.shares["fair"].items():
        short = share - received.get(owner, 0)
        records = [engine_record(d, balances[d.pk]) for d in debts if d.creditor.kind == owner and balances[d.pk] > 0]
        if short <= 0 or not records:
            continue
        placed = allocate_within_owner(short, records, {r.debt_id: r.balance_pence for r in records}, int(item.item),
                                       unit["joint_award"], Rule.RECOVERY_ORDER)
        placements += [(by_id[record.debt_id], amount) for record, amount, _ in placed]
    return placements


def _take_backs(item: Misallocation, amount: int) -> list[tuple[Debt, int]]:
    """Take ``amount`` back from the owners that received more than their share, each up to its excess,
    from the debts that received the deduction, the last credited first."""
    received = sorted(((int(d), v) for d, v in item.shares["received"].items()), reverse=True)
    debts = Debt.objects.select_related("creditor").in_bulk([d for d, _ in received])
    over = {o: v - item.shares["fair"].get(o, 0) for o, v in _received_by_owner(item).items()}
    taken = []
    for debt_id, credited in received:
        owner = debts[debt_id].creditor.kind
        take = min(amount, credited, over.get(owner, 0))
        if take > 0:
            taken.append((debts[debt_id], take))
            amount -= take
            over[owner] -= take
    return taken


def _deduction_source(item: Misallocation) -> str:
    """The benefit the misallocated deduction was taken from (hb-debt-interface.md §4.2 ``Source``): that of
    its deduction rows (UC, or the legacy benefit an instalment was taken from)."""
    sources = set(Deduction.objects.filter(entry_id__in=item.entry_ids).values_list("source", flat=True))
    if len(sources) != 1:
        taken = f"were taken from {' and '.join(sorted(sources))}" if sources else "have no deduction rows"
        raise InvariantBroken(
            f"misallocation {item.pk}: its deduction entries {item.entry_ids} {taken}, so the one benefit the "
            "correction re-allocates is not known; nothing was corrected: refer it for a manual decision"
        )
    return sources.pop()


def _correction_entries(item: Misallocation, day: date, reason: str) -> tuple[list[Entry], list[Debt]]:
    """The CORRECTION entries taking the excess back and the REALLOCATION entries placing it, each described
    as the deduction it re-allocates ("UC deduction of <date> re-allocated by misallocation <id>: ..."), its
    benefit first (the ``Source`` of an LA's schedule line, ``services.payments.LINES_SQL``)."""
    placements = _placements(item, day)
    amount = min(item.excess_pence, sum(a for _, a in placements))
    if amount <= 0:
        raise DmsError(
            f"misallocation {item.pk} cannot be corrected on {day}: no debt of item {item.item} of the owners it "
            "was short to, OPEN or in its recall holding period, has a balance left to take the excess (a debt "
            "cleared, returned, withdrawn or suspended since, or one whose holding period has ended, takes none); "
            "nothing was corrected: refer it for a manual decision"
        )
    what = f"{_deduction_source(item)} deduction of {item.business_date} re-allocated by misallocation {item.pk}"
    credit = AccountKey(AccountKind.PERSON_CREDIT, item.person_id)
    entries, touched = [], []
    for debt, take in _take_backs(item, amount):
        touched.append(debt)
        entries.append(build_entry(EntryKind.CORRECTION, day, [
            Posting(AccountKey(AccountKind.RECEIVABLE, debt.pk), take),
            Posting(AccountKey(AccountKind.CREDITOR_DEBTS, debt.creditor_id), -take),
            Posting(AccountKey(AccountKind.CREDITOR_PAYABLE, debt.creditor_id), take),
            Posting(credit, -take),
        ], description=f"{what}: {format_pounds(take)} taken back from debt {debt.pk}",
            reason=reason))
    for debt, give in _cap(placements, amount):
        touched.append(debt)
        entries.append(build_entry(EntryKind.REALLOCATION, day, [
            Posting(credit, give),
            Posting(AccountKey(AccountKind.RECEIVABLE, debt.pk), -give),
            Posting(AccountKey(AccountKind.CREDITOR_DEBTS, debt.creditor_id), give),
            Posting(AccountKey(AccountKind.CREDITOR_PAYABLE, debt.creditor_id), -give),
        ], description=f"{what}: {format_pounds(give)} credited to debt {debt.pk}",
            reason=reason))
    return entries, touched


def _cap(placements: list[tuple[Debt, int]], amount: int) -> list[tuple[Debt, int]]:
    capped = []
    for debt, give in placements:
        give = min(give, amount)
        if give > 0:
            capped.append((debt, give))
            amount -= give
    return capped


def _statuses_after(debts: list[Debt], day: date, actor: str, item: Misallocation) -> None:
    """A debt the correction cleared is CLEARED; a cleared debt it took money back from is OPEN again; a debt
    it took money back from that has since left DMS (RETURNED or WITHDRAWN) has the balance that restored
    returned at once (**Decision**, docs/la-interface-notes.md "A deduction reversed after its debt was
    returned", hb-debt-interface.md §4.1: :func:`dms.services.debts.return_restored_balance`, a further
    cessation, or the pending one amended, for an LA's debt): DMS keeps no balance on a debt it no longer
    holds."""
    for debt in sorted({d.pk: d for d in debts}.values(), key=lambda debt: debt.pk):
        if debt.status in FINAL_STATUSES:
            return_restored_balance(debt, business_date=day, reason=f"money taken back by the correction of "
                                                                    f"misallocation {item.pk} after the debt was "
                                                                    f"{debt.status.lower()}")
    balances = {k: v[2] for k, v in debt_figures(debts).items()}
    for debt in {d.pk: d for d in debts}.values():
        if balances[debt.pk] == 0 and debt.status in (DebtStatus.OPEN, DebtStatus.RECALL_PENDING):
            debt.change_status(DebtStatus.CLEARED, business_date=day, actor=actor,
                               reason=f"cleared by the correction of misallocation {item.pk}")
        elif balances[debt.pk] > 0 and debt.status == DebtStatus.CLEARED:
            debt.change_status(DebtStatus.OPEN, business_date=day, actor=actor,
                               reason=f"money taken back by the correction of misallocation {item.pk}")
            from dms.services.recovery_events import settle_a_reopened_debt

            settle_a_reopened_debt(debt, day, actor)


def correct(misallocation_id: int, *, business_date: date, actor: str, reason: str) -> Misallocation:
    """Correct a recorded misallocation (A9/2025 §53): CORRECTION entries take the excess back from the
    owners that received more than their share and REALLOCATION entries credit the others; the person's
    total is unchanged. Refuses an unknown id, one already corrected, a missing actor or reason, and a date
    before the misallocation, before the last completed run or after the next run date (the day after it:
    docs/events-notes.md, hb-debt-interface.md §7, what an LA is owed goes on the schedule of its month);
    nothing is written."""
    if not actor.strip() or not reason.strip():  # judged from the arguments alone: a bad argument (exit 2)
        raise BadArguments("a correction records who made it and why: give --by NAME and --reason TEXT")
    with transaction.atomic():
        item = Misallocation.objects.select_for_update().filter(pk=misallocation_id).first()
        if item is None:
            raise NotFound(f"there is no misallocation {misallocation_id}; `dms report exceptions` lists them")
        if item.status == Misallocation.CORRECTED:
            raise DmsError(f"misallocation {item.pk} was already corrected on {item.corrected_on} by "
                           f"{item.corrected_by}")
        if business_date < item.business_date:
            raise DmsError(f"misallocation {item.pk} happened on {item.business_date}: correct it on or after that")
        from dms.services.events import last_completed_run_date

        last = last_completed_run_date()
        if last is not None and business_date < last:
            raise DmsError(f"--date {business_date}: the daily run has already done {last}, and the money a "
                           "correction takes back from an LA goes on the payment schedule of its month, which may "
                           f"already be paid; date the correction {last} or later")
        if last is not None and business_date > last + timedelta(days=1):
            earliest = max(last, item.business_date)
            raise DmsError(f"--date {business_date} is after the next run date, {last + timedelta(days=1)} (the "
                           f"daily run has done {last}): a correction dated ahead of the run would not reach the "
                           "LA's next payment schedule; date it from "
                           f"{earliest} to {last + timedelta(days=1)}")
        entries, touched = _correction_entries(item, business_date, reason)
        entry_ids = post_entries(entries)
        _statuses_after(touched, business_date, actor.strip(), item)
        item.status = Misallocation.CORRECTED
        item.corrected_on = business_date
        item.corrected_by = actor.strip()
        item.correction_reason = reason.strip()
        item.correction_entry_ids = entry_ids
        item.save()
    return item
