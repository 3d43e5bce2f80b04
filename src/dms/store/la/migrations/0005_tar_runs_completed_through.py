"""ReceivedTar.runs_completed_through: the last daily run completed when the tar was received, so that a recall
of a debt DMS returned by a later run day (whose bundle the LA could not have had when it sent its file) is
valid, caught up or run day by day alike (hb-debt-interface.md §6.1, §3.3; docs/la-interface-notes.md "A return
the LA could not have known of", Decision). A tar taken in before it was kept is given the day before its
received date: the received-date rule of ``dms la receive`` puts the received date after the last completed
run, so that is the latest the run can have been (the reading that accepts least, as before)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import migrations, models


def day_before_received(apps: Any, schema_editor: Any) -> None:
    """Every tar received before this migration was taken in by an earlier release."""
    tars = apps.get_model("store_la", "ReceivedTar")
    for tar in tars.objects.filter(runs_completed_through__isnull=True).only("pk", "received_on").iterator():
        tars.objects.filter(pk=tar.pk).update(runs_completed_through=tar.received_on - timedelta(days=1))


class Migration(migrations.Migration):

    dependencies = [("store_la", "0004_recall_line")]

    operations = [
        migrations.AddField(model_name="receivedtar", name="runs_completed_through",
                            field=models.DateField(blank=True, null=True)),
        migrations.RunPython(day_before_received, migrations.RunPython.noop),
    ]
