"""Deduction.restores: a deduction taken again names the REVERSED deduction it restores, when the reason it was
reversed for is found wrong since (a date of death corrected to a later day: docs/events-notes.md). A nullable
column without an index or a constraint, as the table's other references: rows stored before, and those the
daily run writes in bulk, leave it empty."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("store_recovery", "0008_direct_payment_share"),
    ]

    operations = [
        migrations.AddField(
            model_name="deduction",
            name="restores",
            field=models.ForeignKey(db_constraint=False, db_index=False, null=True,
                                    on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                    to="store_recovery.deduction"),
        ),
    ]
