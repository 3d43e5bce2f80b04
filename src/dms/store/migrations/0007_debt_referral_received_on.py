"""Debt.referral_received_on: the date DMS received the debt's referral, reported as a cessation's
ReferralReceivedDate (hb-debt-interface.md §4.1); received_on stays the date that orders recovery (§6.4).
Nullable, so adding it rewrites no row."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('store', '0006_referral_writes_fewer_index_entries'),
    ]

    operations = [
        migrations.AddField(
            model_name='debt',
            name='referral_received_on',
            field=models.DateField(blank=True, null=True),
        ),
    ]
