"""Recall.line: the line of the recall's record in its file, so that the debt's cessation (``LA_RECALL``) names
the recall it ceased for (hb-debt-interface.md §6.5; ``la_processing.holding_periods_step``). Recalls recorded
before it have none: their cessation names the file without a line."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [("store_la", "0003_cessation_per_return")]

    operations = [
        migrations.AddField(model_name="recall", name="line", field=models.PositiveIntegerField(null=True)),
    ]
