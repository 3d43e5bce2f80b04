"""Postings reference their entry and account without a per-row database check (post_entries resolves both
in the same transaction; ``dms ledger check`` verifies them). Ledger accounts may never be deleted: on
PostgreSQL a trigger refuses DELETE on dms_account."""

import django.db.models.deletion
from django.db import migrations, models

ACCOUNT_TRIGGER_SQL = """
CREATE OR REPLACE FUNCTION dms_refuse_account_delete() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'ledger accounts are never deleted: DELETE on % is refused', TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER dms_account_never_deleted BEFORE DELETE ON dms_account
    FOR EACH ROW EXECUTE FUNCTION dms_refuse_account_delete();
"""

DROP_ACCOUNT_TRIGGER_SQL = """
DROP TRIGGER IF EXISTS dms_account_never_deleted ON dms_account;
DROP FUNCTION IF EXISTS dms_refuse_account_delete();
"""


def triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ACCOUNT_TRIGGER_SQL, params=None)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_ACCOUNT_TRIGGER_SQL, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ('store', '0002_seed_and_append_only'),
    ]

    operations = [
        migrations.AlterField(
            model_name='posting',
            name='account',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='postings', to='store.account'),
        ),
        migrations.AlterField(
            model_name='posting',
            name='entry',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='postings', to='store.journalentry'),
        ),
        migrations.RunPython(triggers, drop_triggers),
    ]
