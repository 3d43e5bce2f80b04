"""Cessation.reported_on: the run date whose cessation file (DMCES) reported it (hb-debt-interface.md §4.1, §7)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("store_la", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="cessation",
            name="reported_on",
            field=models.DateField(blank=True, null=True),
        ),
        migrations.AddIndex(
            model_name="cessation",
            index=models.Index(fields=["reported_on", "la_id"], name="la_cessation_reported"),
        ),
    ]
