"""Benefit in payment (hb-debt-interface.md §6.2; events.md §2): the one definition every rule uses.

- An award is **in payment on D** from its start date to its end date, both included: ``award.started``
  puts the benefit in payment "from ``start_date``" and ``award.ended`` means "no benefit in payment after
  ``end_date``" (events.md §2), so the end date is the last day in payment and the day after it the first
  without. :func:`award_in_payment` (plain values), :func:`in_payment_sql` (an SQL condition on an award
  alias) and :func:`in_payment_q` (a Django ``Q``) are that one rule written three ways;
  ``tests/integration/test_benefit_in_payment.py`` shows they agree.
- A person's awards are their own awards and the UC awards that name them as the partner of a joint claim
  (events.md §2 ``uc.partner_nino``): the partner of a joint UC award is a UC claimant while it is in payment
  (hb-debt-interface.md §6.3 couples, §6.5), as the payment schedule's ``Source`` already reads it
  (``services/payments.py``).

Used by the referral rules, recalls' holding periods and other DWP recovery (``la_processing``), and by the
life events that ask whether a person has another benefit to recover from (``recovery_events``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date

from django.db.models import Q

from dms.services.recovery_load import fetch, in_ids
from dms.store.models import Award

UC = "UC"


def award_in_payment(start_date: date, end_date: date | None, on: date) -> bool:
    """Whether an award starting on ``start_date`` and ending on ``end_date`` (None: not ended) is in payment
    on ``on``: from its start date to its end date, both included (events.md §2)."""
    return start_date <= on and (end_date is None or on <= end_date)


def in_payment_sql(alias: str, on: str = "%s") -> str:
    """:func:`award_in_payment` as an SQL condition on the ``dms_award`` alias ``alias`` on the date ``on``:
    a placeholder by default, whose parameters are the date twice (:func:`in_payment_params`), or a column
    (``r.business_date``)."""
    return f"{alias}.start_date <= {on} AND ({alias}.end_date IS NULL OR {alias}.end_date >= {on})"


def in_payment_params(on: date) -> list[date]:
    return [on, on]


def in_payment_q(on: date) -> Q:
    """:func:`award_in_payment` as a filter on :class:`Award`."""
    return Q(start_date__lte=on) & (Q(end_date=None) | Q(end_date__gte=on))


def awards_of(person_id: int) -> Q:
    """A person's awards: their own, and the UC awards naming them as the partner of a joint claim."""
    return Q(person_id=person_id) | Q(partner_id=person_id, benefit=UC)


def benefits_in_payment(person_ids: Sequence[int], on: date) -> dict[int, set[str]]:
    """``{person id: benefits}`` of each person's awards in payment on ``on`` (UC or an Annex A benefit,
    hb-debt-interface.md §6.2), a joint UC award counting for both partners; people with none are left
    out. Two set-based queries."""
    if not person_ids:
        return {}
    found: dict[int, set[str]] = defaultdict(set)
    own, own_params = in_ids("a.person_id", person_ids)
    partner, partner_params = in_ids("a.partner_id", person_ids)
    rows = fetch(
        f"SELECT a.person_id, a.benefit FROM dms_award a WHERE {own} AND {in_payment_sql('a')} "
        f"UNION ALL SELECT a.partner_id, a.benefit FROM dms_award a WHERE {partner} AND a.benefit = %s "
        f"AND {in_payment_sql('a')}",
        [*own_params, *in_payment_params(on), *partner_params, UC, *in_payment_params(on)],
    )
    for person_id, benefit in rows:
        found[person_id].add(benefit)
    return found


def has_benefit_in_payment(person_id: int, on: date, *, benefit: str | None = None,
                           excluding: int | None = None) -> bool:
    """Whether the person has an award in payment on ``on`` (of ``benefit`` when given), other than the
    award ``excluding``."""
    awards = Award.objects.filter(awards_of(person_id)).filter(in_payment_q(on))
    if benefit is not None:
        awards = awards.filter(benefit=benefit)
    if excluding is not None:
        awards = awards.exclude(pk=excluding)
    return awards.exists()
