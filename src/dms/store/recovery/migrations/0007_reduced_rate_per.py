"""A reduced rate keeps the unit it was agreed in (per UC assessment period or per legacy week), so that the
other engine converts it after a change of benefit rather than reading the same figure in its own unit
(docs/recovery-notes.md "Reduced (affordable) rates"). Rates recorded before are read as given ("")."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [("store_recovery", "0006_restriction_rate_percent")]

    operations = [
        migrations.AddField(
            model_name="reducedrate",
            name="per",
            field=models.CharField(blank=True, default="", max_length=20),
        ),
    ]
