"""A UC assessment period's explanation (its figures, every item considered with the cap room and the rule at
each step, the totals) is stored once per period for all its deductions (recovery-rules.md §3); each deduction
keeps only its own share. Deductions stored before keep the figures they hold."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('store_recovery', '0004_periods_held_at_import'),
    ]

    operations = [
        migrations.CreateModel(
            name='PeriodExplanation',
            fields=[
                ('period', models.OneToOneField(db_constraint=False, on_delete=django.db.models.deletion.PROTECT, primary_key=True, related_name='+', serialize=False, to='store_recovery.assessmentperiod')),
                ('facts', models.TextField()),
            ],
            options={
                'db_table': 'dms_uc_period_explanation',
            },
        ),
    ]
