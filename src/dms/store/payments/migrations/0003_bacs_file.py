"""BacsFile: the Standard 18 file of a month, kept whole when its payments are recorded, so that exporting the
month again writes the same bytes whatever the settings have become (docs/recovery-notes.md "The BACS
processing date"). Months recorded before it have no file kept; exporting them again writes the file from the
recorded payments' days, as before."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('store_payments', '0002_creditor_payment_submission_date'),
    ]

    operations = [
        migrations.CreateModel(
            name='BacsFile',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('period', models.CharField(max_length=7, unique=True)),
                ('text', models.TextField()),
                ('sha256', models.CharField(max_length=64)),
            ],
            options={
                'db_table': 'dms_bacs_file',
            },
        ),
    ]
