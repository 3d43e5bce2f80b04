"""Person.surname and Person.forenames: text, no longer at most 35 code points. An LA's referral names the
claimant in 1-35 characters, a letter with its combining marks counting as one (hb-debt-interface.md §2;
common.xsd Name), and DMS keeps the names in NFC, where a letter whose accent has no precomposed form ("n"
with U+0308) is still two code points: 35 such letters did not fit. On PostgreSQL varchar to text rewrites
no row; names already held are unchanged."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('store', '0011_inbound_event_superseded'),
    ]

    operations = [
        migrations.AlterField(
            model_name='person',
            name='forenames',
            field=models.TextField(blank=True, default=''),
        ),
        migrations.AlterField(
            model_name='person',
            name='surname',
            field=models.TextField(blank=True, default=''),
        ),
    ]
