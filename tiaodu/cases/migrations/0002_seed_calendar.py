"""Seed the working-day calendar 2019-12-01 … 2027-12-31 from the official holiday schedules."""

from datetime import timedelta

from django.db import migrations


def seed(apps, schema_editor):
    from tiaodu.cases.workdays import DEFAULT_END, DEFAULT_START, _classify

    WorkDay = apps.get_model("cases", "WorkDay")
    rows, index, day = [], 0, DEFAULT_START
    while day <= DEFAULT_END:
        is_workday, name = _classify(day)
        index += int(is_workday)
        rows.append(WorkDay(date=day, is_workday=is_workday, holiday_name=name, workday_index=index))
        day += timedelta(days=1)
    WorkDay.objects.bulk_create(rows, batch_size=1000)


def unseed(apps, schema_editor):
    apps.get_model("cases", "WorkDay").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
