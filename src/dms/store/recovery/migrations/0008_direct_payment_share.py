"""Who paid each direct payment to a debt, so that an over-recovery of a joint debt is a credit of the
debtor whose money it was (recovery-rules.md §5). Payments recorded before have no row: their money is read
as the owner's, as before."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("store", "0007_debt_referral_received_on"),
        ("store_recovery", "0007_reduced_rate_per"),
    ]

    operations = [
        migrations.CreateModel(
            name="DirectPaymentShare",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("entry_id", models.BigIntegerField(unique=True)),
                ("event_id", models.CharField(max_length=64)),
                ("debt", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                           to="store.debt")),
                ("person", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                             to="store.person")),
            ],
            options={
                "db_table": "dms_direct_payment_share",
                "indexes": [models.Index(fields=["debt"], name="direct_payment_by_debt")],
            },
        ),
    ]
