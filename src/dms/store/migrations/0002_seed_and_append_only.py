"""Seed the DWP and HMRC creditors, the system ledger accounts and counters; make the ledger append-only
in the database itself on PostgreSQL (a trigger refuses UPDATE and DELETE of entries and postings)."""

from django.db import migrations

SYSTEM_ACCOUNTS = ["BENEFIT_RECOVERIES", "DIRECT_PAYMENTS", "BANK", "SUSPENSE"]

TRIGGER_SQL = """
CREATE OR REPLACE FUNCTION dms_refuse_ledger_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the ledger is append-only: % on % is refused; post a correcting entry instead',
        TG_OP, TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER dms_journal_entry_append_only BEFORE UPDATE OR DELETE ON dms_journal_entry
    FOR EACH ROW EXECUTE FUNCTION dms_refuse_ledger_change();
CREATE TRIGGER dms_posting_append_only BEFORE UPDATE OR DELETE ON dms_posting
    FOR EACH ROW EXECUTE FUNCTION dms_refuse_ledger_change();
"""

DROP_TRIGGER_SQL = """
DROP TRIGGER IF EXISTS dms_posting_append_only ON dms_posting;
DROP TRIGGER IF EXISTS dms_journal_entry_append_only ON dms_journal_entry;
DROP FUNCTION IF EXISTS dms_refuse_ledger_change();
"""


def seed(apps, schema_editor):
    Creditor = apps.get_model("store", "Creditor")
    Account = apps.get_model("store", "Account")
    Counter = apps.get_model("store", "Counter")
    for kind, name in (("DWP", "Department for Work and Pensions"), ("HMRC", "HM Revenue and Customs")):
        creditor, _ = Creditor.objects.get_or_create(kind=kind, la_id=None, defaults={"name": name})
        for account_kind in ("CREDITOR_DEBTS", "CREDITOR_PAYABLE"):
            Account.objects.get_or_create(kind=account_kind, creditor=creditor)
    for kind in SYSTEM_ACCOUNTS:
        Account.objects.get_or_create(kind=kind, debt=None, creditor=None, person=None)
    Counter.objects.get_or_create(name="receipt_seq", defaults={"value": 0})


def triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(TRIGGER_SQL, params=None)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_TRIGGER_SQL, params=None)


class Migration(migrations.Migration):
    dependencies = [("store", "0001_initial")]
    operations = [
        migrations.RunPython(seed, migrations.RunPython.noop),
        migrations.RunPython(triggers, drop_triggers),
    ]
