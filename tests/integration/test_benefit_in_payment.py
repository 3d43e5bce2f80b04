"""Benefit in payment (hb-debt-interface.md §6.2; events.md §2): one definition, the same in Python, SQL and
the ORM, from the start date to the end date both included; the partner named on a joint UC award has it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from dms.services.benefit_in_payment import (
    award_in_payment,
    benefits_in_payment,
    has_benefit_in_payment,
    in_payment_params,
    in_payment_q,
    in_payment_sql,
)
from dms.services.recovery_load import fetch
from dms.store.models import Award, Person, partition_of

pytestmark = pytest.mark.django_db
START, END = date(2025, 5, 1), date(2025, 5, 31)


def person(nino: str) -> Person:
    return Person.objects.create(nino=nino, partition=partition_of(nino))


def award(owner: Person, benefit: str, end: date | None = END, partner: Person | None = None) -> Award:
    return Award.objects.create(award_ref=f"{benefit}-{owner.nino}-{end}", person=owner, benefit=benefit,
                                start_date=START, end_date=end, partner=partner)


def test_an_award_is_in_payment_from_its_start_date_to_its_end_date_both_included() -> None:
    ended, open_ended = award(person("AB123456C"), "ESA"), award(person("AB123457C"), "PIP", end=None)
    days = [START - timedelta(days=1), START, END, END + timedelta(days=1)]
    assert [award_in_payment(START, END, d) for d in days] == [False, True, True, False]
    assert [award_in_payment(START, None, d) for d in days] == [False, True, True, True]
    for day in days:
        by_sql = {pk for (pk,) in fetch(f"SELECT a.id FROM dms_award a WHERE {in_payment_sql('a')}",
                                        in_payment_params(day))}
        by_orm = set(Award.objects.filter(in_payment_q(day)).values_list("pk", flat=True))
        by_rule = {a.pk for a in (ended, open_ended) if award_in_payment(a.start_date, a.end_date, day)}
        assert by_sql == by_orm == by_rule, day


def test_the_partner_named_on_a_joint_uc_award_has_it_in_payment() -> None:
    claimant, partner, carer = person("AB123456C"), person("AB654321C"), person("AB111111C")
    award(claimant, "UC", end=None, partner=partner)
    award(partner, "PIP")
    Award.objects.create(award_ref="CA-1", person=carer, benefit="CA", start_date=START, partner=claimant)
    found = benefits_in_payment([claimant.pk, partner.pk, carer.pk], END)
    assert found == {claimant.pk: {"UC"}, partner.pk: {"UC", "PIP"}, carer.pk: {"CA"}}
    assert benefits_in_payment([partner.pk], END + timedelta(days=1)) == {partner.pk: {"UC"}}
    assert has_benefit_in_payment(partner.pk, END + timedelta(days=1), benefit="UC")
    assert not has_benefit_in_payment(claimant.pk, END, benefit="CA")  # only a UC award is a joint claim
