"""Assessment periods are held when their ``uc.assessment_period`` event is imported (spec/events.md §2), and an
award's period is reported once.

Data: events stored by earlier releases and not yet held are held now, and every held period's event is
marked applied (its deductions' run date is the period's ``processed_on``). Schema: the periods' unique
``event_id`` index goes (a period is held in the same transaction as its event, whose ``event_id`` is unique)
and an index of each award's periods by start date replaces it and the index of ``award_id`` (the import's
check for a second report of a period; re-rating's latest period of an award): marking a period processed
writes three index entries, not four."""

from decimal import Decimal
from typing import Any

from django.db import migrations, models

_BATCH = 2000


def _exact(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, dict):
        return {k: _exact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_exact(v) for v in value]
    return value


def hold_waiting_periods(apps, schema_editor):  # type: ignore[no-untyped-def]
    from dms.events import parse_event

    InboundEvent = apps.get_model("store", "InboundEvent")
    Award = apps.get_model("store", "Award")
    AssessmentPeriod = apps.get_model("store_recovery", "AssessmentPeriod")
    waiting = InboundEvent.objects.filter(type="uc.assessment_period", applied=False).order_by("id")
    while True:
        rows = list(waiting.values_list("id", "event_id", "payload")[:_BATCH])
        if not rows:
            return
        held = set(AssessmentPeriod.objects.filter(event_id__in=[r[1] for r in rows])
                   .values_list("event_id", flat=True))
        events = [(pk, parse_event(_exact(payload))) for pk, event_id, payload in rows if event_id not in held]
        awards = {a.award_ref: a for a in Award.objects.filter(award_ref__in={e.award_ref for _, e in events})}
        new = []
        for pk, e in events:
            award = awards.get(e.award_ref)
            if award is None:
                raise RuntimeError(f"event {e.event_id}: award_ref {e.award_ref!r} is not known; import its "
                                   "award.started event, then migrate again")
            new.append(AssessmentPeriod(
                event_id=e.event_id, inbound_event_id=pk, award_id=award.pk, person_id=award.person_id,
                period_start=e.period_start, period_end=e.period_end, payment_date=e.payment_date,
                award_amount_pence=e.award_amount_pence, earnings_over_work_allowance=e.earnings_over_work_allowance,
                sanction_pence=e.sanction_amount_pence, fraud_penalty_pence=e.fraud_penalty_amount_pence,
                third_party=[{"category": t.category, "amount_pence": t.amount_pence,
                              "ongoing_pence": t.ongoing_amount_pence, "scheme": t.scheme} for t in e.third_party],
            ))
        AssessmentPeriod.objects.bulk_create(new)
        InboundEvent.objects.filter(id__in=[r[0] for r in rows]).update(applied=True)


class Migration(migrations.Migration):

    dependencies = [
        ("store", "0006_referral_writes_fewer_index_entries"),
        ("store_recovery", "0003_period_due_unprocessed"),
    ]

    operations = [
        migrations.RunPython(hold_waiting_periods, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="assessmentperiod",
            name="event_id",
            field=models.CharField(max_length=64),
        ),
        migrations.AddIndex(
            model_name="assessmentperiod",
            index=models.Index(fields=["award", "period_start"], name="period_by_award_start"),
        ),
        migrations.AlterField(
            model_name="assessmentperiod",
            name="award",
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=models.deletion.PROTECT,
                                    related_name="+", to="store.award"),
        ),
    ]
