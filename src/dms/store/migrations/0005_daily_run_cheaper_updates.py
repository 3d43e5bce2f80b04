"""Cheaper writes for the daily run (docs/performance.md, "Daily run").

- ``dms_inbound_event``: the index of unapplied events by type replaces the index on (type, applied). Every
  query of it asks for unapplied events of a type; marking an event applied (the deduction step does it for
  every assessment period it takes) then adds no entry to it. On PostgreSQL the ``varchar_pattern_ops``
  index Django makes for the unique ``event_id`` is dropped: no query matches event ids by prefix, and each
  update of an event wrote to it.
- ``dms_journal_entry``: the index of the entry a reversal reverses holds only reversals; every other entry
  (nearly all) added a NULL to it.
- ``dms_account`` (PostgreSQL): pages are filled to 80%, so the running balance the ledger updates in place
  fits beside the old row version and the update is a heap-only (HOT) one that writes none of the table's
  eight indexes.
"""

from django.db import migrations, models


def _postgresql_only(sql: str):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


FORWARD = """
DROP INDEX IF EXISTS dms_inbound_event_event_id_5978eab2_like;
ALTER TABLE dms_account SET (fillfactor = 80);
"""
BACKWARD = """
CREATE INDEX IF NOT EXISTS dms_inbound_event_event_id_5978eab2_like ON dms_inbound_event
    (event_id varchar_pattern_ops);
ALTER TABLE dms_account RESET (fillfactor);
"""


class Migration(migrations.Migration):

    dependencies = [
        ("store", "0004_run_steps_and_chunks"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="inboundevent", name="event_by_type_applied"),
        migrations.AddIndex(
            model_name="inboundevent",
            index=models.Index(condition=models.Q(applied=False), fields=["type"], name="event_unapplied_by_type"),
        ),
        migrations.AlterField(
            model_name="journalentry",
            name="reverses",
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=models.deletion.PROTECT,
                                    related_name="reversals", to="store.journalentry"),
        ),
        migrations.AddIndex(
            model_name="journalentry",
            index=models.Index(condition=models.Q(reverses__isnull=False), fields=["reverses"],
                               name="entry_reversing"),
        ),
        migrations.RunPython(_postgresql_only(FORWARD), _postgresql_only(BACKWARD)),
    ]
