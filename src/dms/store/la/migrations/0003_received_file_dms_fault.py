"""ReceivedFile.outcome DMS_FAULT: a file DMS broke down processing is failed on its own, nothing of it
applied (docs/la-interface-notes.md, "Processing")."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('store_la', '0002_cessation_reported_on'),
    ]

    operations = [
        migrations.AlterField(
            model_name='receivedfile',
            name='outcome',
            field=models.CharField(blank=True, choices=[('CORRUPT', 'Corrupt'), ('INVALID', 'Invalid'), ('DEPENDS_ON_FAILED_REFERRAL', 'Depends On Failed Referral'), ('SUPERSEDED', 'Superseded'), ('DUPLICATE_BATCH', 'Duplicate Batch'), ('DMS_FAULT', 'Dms Fault')], default='', max_length=30),
        ),
    ]
