"""Cessation.debt: a foreign key, no longer one-to-one. A debt returned to its LA may be reported again, with
the balance a later reversal of one of its deductions restored (hb-debt-interface.md §4.1, §6.5;
docs/la-interface-notes.md "A deduction reversed after its debt was returned")."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("store", "0007_debt_referral_received_on"),
        ("store_la", "0002_cessation_reported_on"),
    ]

    operations = [
        migrations.AlterField(
            model_name="cessation",
            name="debt",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="cessations", to="store.debt"
            ),
        ),
    ]
