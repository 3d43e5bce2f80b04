"""A deduction's explanation text is rendered on demand from its stored facts: the ``explanation`` column
stays (the text of deductions stored before, and of legacy instalments) as the model field
``stored_explanation``, now blank by default. No change to the table itself."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("store_recovery", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(model_name="deduction", name="explanation"),
                migrations.AddField(
                    model_name="deduction",
                    name="stored_explanation",
                    field=models.TextField(blank=True, db_column="explanation", default=""),
                ),
            ],
            database_operations=[],
        ),
    ]
