"""Cheaper marking of assessment periods processed (docs/performance.md, "Daily run"): the index that finds
the due periods holds only the periods not yet processed (by payment date), so marking a period processed
adds no entry to it; on PostgreSQL the ``varchar_pattern_ops`` index Django makes for the unique
``event_id`` is dropped (no query matches event ids by prefix; every update wrote to it)."""

from django.db import migrations, models


def _postgresql_only(sql: str):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):

    dependencies = [
        ("store_recovery", "0002_deduction_explanation_on_demand"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="assessmentperiod", name="period_due"),
        migrations.AddIndex(
            model_name="assessmentperiod",
            index=models.Index(condition=models.Q(processed_on__isnull=True), fields=["payment_date"],
                               name="period_unprocessed_due"),
        ),
        migrations.RunPython(
            _postgresql_only("DROP INDEX IF EXISTS dms_assessment_period_event_id_5248da8b_like"),
            _postgresql_only("CREATE INDEX IF NOT EXISTS dms_assessment_period_event_id_5248da8b_like ON "
                             "dms_assessment_period (event_id varchar_pattern_ops)"),
        ),
    ]
