"""DebtStatusChange.restates: a status change row that keeps the status and gives its reason anew, as when a
later report corrects a death's date (docs/events-notes.md "A late report does not overwrite a later one"); the
reason ``dms debtor show`` gives. A column with a constant default, in the database too (status changes
written in bulk leave it out): rows recorded before are not rewritten."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('store', '0012_person_names_whole'),
    ]

    operations = [
        migrations.AddField(
            model_name='debtstatuschange',
            name='restates',
            field=models.BooleanField(db_default=False, default=False),
        ),
    ]
