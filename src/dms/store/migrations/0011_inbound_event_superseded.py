"""InboundEvent.superseded_by and superseded_reason: a report of a fact older than one already received of the
same fact (a debt's revision, a death, an award's end, a sanction, an insolvency or moratorium, a registration)
is kept as received and never applied, naming the event that stands and why (docs/events-notes.md "A late
report does not overwrite a later one"). Two columns with constant defaults: events stored before are not
rewritten."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('store', '0010_entry_kind_reallocation'),
    ]

    operations = [
        migrations.AddField(
            model_name='inboundevent',
            name='superseded_by',
            field=models.CharField(blank=True, default='', max_length=64),
        ),
        migrations.AddField(
            model_name='inboundevent',
            name='superseded_reason',
            field=models.TextField(blank=True, default=''),
        ),
    ]
