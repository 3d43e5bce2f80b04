"""CreditorPayment.submission_date: the BACS input day, two working days before the payment date, kept apart
from the processing day that the file's UHL1 label carries, one working day before it (recovery-rules.md §7).

The payments recorded by an earlier release are given theirs here: that release recorded the input day as the
processing date (and wrote it in UHL1), so it is their submission date too. Their processing date is left as
it is, the date their file carried: exporting such a month again writes the file first written
(docs/recovery-notes.md "The BACS processing date")."""

from __future__ import annotations

from typing import Any

from django.db import migrations, models


def submission_from_processing(apps: Any, schema_editor: Any) -> None:
    """Every payment recorded before this migration was recorded by an earlier release."""
    payment = apps.get_model("store_payments", "CreditorPayment")
    payment.objects.update(submission_date=models.F("processing_date"))


class Migration(migrations.Migration):
    dependencies = [("store_payments", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="creditorpayment",
            name="submission_date",
            field=models.DateField(null=True),
        ),
        migrations.RunPython(submission_from_processing, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="creditorpayment",
            name="submission_date",
            field=models.DateField(),
        ),
    ]
