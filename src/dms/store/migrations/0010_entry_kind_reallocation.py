"""JournalEntry.kind: REALLOCATION, a misallocated deduction's excess placed on the debts of an owner that
received less than its share (A9/2025 §53; recovery-rules.md §5), reported on an LA's payment schedule as the
deduction it re-allocates (hb-debt-interface.md §4.2; docs/la-interface-notes.md "Payment schedule `Source`
and `Kind`"). Only the field's choices change: no SQL, no row rewritten. Entries posted by earlier releases
keep their kind (the ledger is append-only)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('store', '0009_award_change_former_partner'),
    ]

    operations = [
        migrations.AlterField(
            model_name='journalentry',
            name='kind',
            field=models.CharField(choices=[('REFERRAL', 'REFERRAL'), ('REVISION', 'REVISION'), ('DEDUCTION', 'DEDUCTION'), ('DIRECT_PAYMENT', 'DIRECT_PAYMENT'), ('OVER_RECOVERY', 'OVER_RECOVERY'), ('CREDIT_APPLIED', 'CREDIT_APPLIED'), ('REALLOCATION', 'REALLOCATION'), ('REFUND', 'REFUND'), ('CORRECTION', 'CORRECTION'), ('RETURN', 'RETURN'), ('CREDITOR_PAYMENT', 'CREDITOR_PAYMENT'), ('REVERSAL', 'REVERSAL')], max_length=20),
        ),
    ]
