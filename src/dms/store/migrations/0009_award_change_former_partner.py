"""AwardChange.former_partner: the partner an applied ``award.changed`` took off a joint UC award from its date
(a change to a ``SINGLE_...`` claimant type, or naming another ``partner_nino``), so that the daily run finds
the former partners whose HB debts may have to be returned (hb-debt-interface.md §24, §6.2; events.md §2;
docs/events-notes.md) from the few changes that took one off, never from every person. Nullable with a
partial index (only the changes that set it), so adding it rewrites no row and other changes add no entry.

The changes applied by an earlier release are given theirs here, worked out as the release does it
(``services.events.partner_left``): the partner in force on the day before the change's date and the one on
its date, from the award's ``award.started`` values and its changes in date then arrival order (a single
claimant type names no partner). An award held without its ``award.started`` event (a synthetic book) has no
history to read and is left as it is. The next daily run then returns the HB debts of those former partners
with nothing in payment."""

from datetime import date, timedelta

import django.db.models.deletion
from django.db import migrations, models


def _terms(started: dict, changes: list, day: date) -> tuple[str | None, str | None]:
    claimant_type, partner = started.get("claimant_type"), started.get("partner_nino")
    for effective_from, values in changes:
        if effective_from > day:
            break
        claimant_type = values.get("claimant_type", claimant_type)
        partner = values.get("partner_nino", partner)
    return claimant_type, None if (claimant_type or "").startswith("SINGLE_") else partner


def backfill(apps, schema_editor):  # type: ignore[no-untyped-def]
    AwardChange = apps.get_model("store", "AwardChange")
    InboundEvent = apps.get_model("store", "InboundEvent")
    Person = apps.get_model("store", "Person")
    touched = [c for c in AwardChange.objects.filter(applied_on__isnull=False, award__benefit="UC")
               .select_related("award__person").order_by("award_id", "effective_from", "pk")
               if "partner_nino" in c.changes or "claimant_type" in c.changes]
    for award_id in sorted({c.award_id for c in touched}):
        award = next(c.award for c in touched if c.award_id == award_id)
        started = next((row.payload.get("uc") or {} for row in InboundEvent.objects.filter(
            type="award.started", nino=award.person.nino).order_by("pk")
            if row.payload.get("award_ref") == award.award_ref), None)
        if started is None:
            continue
        changes = [(c.effective_from, c.changes) for c in AwardChange.objects.filter(award_id=award_id)
                   .order_by("effective_from", "pk")]
        for change in (c for c in touched if c.award_id == award_id):
            before = _terms(started, changes, change.effective_from - timedelta(days=1))[1]
            after = _terms(started, changes, change.effective_from)[1]
            if before is not None and before != after:
                person = Person.objects.filter(nino=before).first()
                if person is not None:
                    AwardChange.objects.filter(pk=change.pk).update(former_partner=person)


class Migration(migrations.Migration):

    dependencies = [
        ('store', '0008_person_registered_on'),
    ]

    operations = [
        migrations.AddField(
            model_name='awardchange',
            name='former_partner',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='joint_awards_left', to='store.person'),
        ),
        migrations.AddIndex(
            model_name='awardchange',
            index=models.Index(condition=models.Q(('former_partner__isnull', False)), fields=['former_partner'], name='award_change_partner_left'),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
