"""A sanction's rate is kept with it (the legacy engine reduces the benefit by it while it lasts)."""

from __future__ import annotations

import re
from typing import Any

from django.db import migrations, models

_RATE = re.compile(r"([0-9]+(?:\.[0-9]+)?)% for ")


def rates_from_notes(apps: Any, schema_editor: Any) -> None:
    """Sanctions recorded before kept their rate only in the note ("40% for 4 weeks ...")."""
    restriction = apps.get_model("store_recovery", "Restriction")
    for row in restriction.objects.filter(kind="SANCTION").only("pk", "note"):
        match = _RATE.match(row.note)
        if match:
            restriction.objects.filter(pk=row.pk).update(rate_percent=match.group(1))


class Migration(migrations.Migration):
    dependencies = [("store_recovery", "0005_uc_period_explanations")]

    operations = [
        migrations.AddField(
            model_name="restriction",
            name="rate_percent",
            field=models.CharField(blank=True, default="", max_length=40),
        ),
        migrations.RunPython(rates_from_notes, migrations.RunPython.noop),
    ]
