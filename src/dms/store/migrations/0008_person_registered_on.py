"""Person.registered_on: the ``occurred_on`` of the ``person.registered`` event whose names and date of birth
are held, so that a registration dated before it, arriving later, does not overwrite them (events.md §1-2;
docs/events-notes.md). Nullable, so adding it rewrites no row; a person registered by an earlier release
gets the date of the registration held, the last one imported (which then overwrote every earlier one)."""

from django.db import migrations, models

FORWARD = """
UPDATE dms_person SET registered_on = (
    SELECT e.occurred_on FROM dms_inbound_event e
    WHERE e.type = 'person.registered' AND e.nino = dms_person.nino ORDER BY e.id DESC LIMIT 1)
WHERE nino IN (SELECT nino FROM dms_inbound_event WHERE type = 'person.registered')
"""


class Migration(migrations.Migration):

    dependencies = [
        ('store', '0007_debt_referral_received_on'),
    ]

    operations = [
        migrations.AddField(
            model_name='person',
            name='registered_on',
            field=models.DateField(blank=True, null=True),
        ),
        migrations.RunSQL(FORWARD, reverse_sql=migrations.RunSQL.noop),
    ]
