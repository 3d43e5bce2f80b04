"""Fewer index entries per debt and per ledger account (docs/performance.md, "LA referrals: validate and
apply"). Every index dropped here is one no query needs, or one another index serves; the unique rules stay.

- ``dms_debt``: the index on ``creditor_id`` goes (``debt_by_creditor_ref`` leads with the creditor and serves
  every query by creditor); ``debt_by_status`` goes (every query naming a status also names the debt, person,
  creditor or partition, whose indexes it uses); the index of joint debtors holds only joint debts (every
  other debt added a NULL to it; a query by joint debtor names one, so it can use the partial index).
- ``dms_account``: the unique index of an owner's accounts (one account of a kind per debt, creditor or
  person) leads with the owner, so it also serves the look-ups by owner alone, and the three single-column
  indexes on ``debt_id``, ``creditor_id`` and ``person_id`` go (each account added two NULLs and its owner to
  them). The same pairs are unique as before.
"""

from django.db import migrations, models
from django.db.models.deletion import PROTECT


# Django's names for the indexes of these foreign keys (the same on PostgreSQL and SQLite)
_SINGLE_COLUMN_INDEXES = [
    ("dms_account_creditor_id_02f8f0ce", "dms_account", "creditor_id"),
    ("dms_account_debt_id_e5cbd3a5", "dms_account", "debt_id"),
    ("dms_account_person_id_6586163e", "dms_account", "person_id"),
    ("dms_debt_creditor_id_d5109c28", "dms_debt", "creditor_id"),
    ("dms_debt_joint_person_id_35d0b50f", "dms_debt", "joint_person_id"),
]


class Migration(migrations.Migration):

    dependencies = [
        ("store", "0005_daily_run_cheaper_updates"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="account", name="account_per_debt"),
        migrations.RemoveConstraint(model_name="account", name="account_per_creditor"),
        migrations.RemoveConstraint(model_name="account", name="account_per_person"),
        migrations.RemoveIndex(model_name="debt", name="debt_by_status"),
        # only the single-column indexes go: the foreign keys stay as they are (not dropped and checked again)
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="account",
                    name="creditor",
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=PROTECT,
                                            related_name="accounts", to="store.creditor"),
                ),
                migrations.AlterField(
                    model_name="account",
                    name="debt",
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=PROTECT,
                                            related_name="accounts", to="store.debt"),
                ),
                migrations.AlterField(
                    model_name="account",
                    name="person",
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=PROTECT,
                                            related_name="accounts", to="store.person"),
                ),
                migrations.AlterField(
                    model_name="debt",
                    name="creditor",
                    field=models.ForeignKey(db_index=False, on_delete=PROTECT, related_name="debts",
                                            to="store.creditor"),
                ),
                migrations.AlterField(
                    model_name="debt",
                    name="joint_person",
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=PROTECT,
                                            related_name="joint_debts", to="store.person"),
                ),
            ],
            database_operations=[
                migrations.RunSQL(f"DROP INDEX IF EXISTS {name}",
                                  reverse_sql=f"CREATE INDEX {name} ON {table} ({column})")
                for name, table, column in _SINGLE_COLUMN_INDEXES
            ],
        ),
        migrations.AddIndex(
            model_name="debt",
            index=models.Index(condition=models.Q(("joint_person__isnull", False)), fields=["joint_person"],
                               name="debt_by_joint_person"),
        ),
        migrations.AddConstraint(
            model_name="account",
            constraint=models.UniqueConstraint(condition=models.Q(("debt__isnull", False)),
                                               fields=("debt", "kind"), name="account_per_debt"),
        ),
        migrations.AddConstraint(
            model_name="account",
            constraint=models.UniqueConstraint(condition=models.Q(("creditor__isnull", False)),
                                               fields=("creditor", "kind"), name="account_per_creditor"),
        ),
        migrations.AddConstraint(
            model_name="account",
            constraint=models.UniqueConstraint(condition=models.Q(("person__isnull", False)),
                                               fields=("person", "kind"), name="account_per_person"),
        ),
    ]
