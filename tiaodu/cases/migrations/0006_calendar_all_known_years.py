"""Extend the working-day calendar to every year the holiday package knows (2004 onwards).

Installs seeded by 0002 started on 2019-12-01: the earlier years are prepended and the existing
rows' running index is shifted by the working days added, so every difference (every due date)
stays the same. A no-op when the table already covers the range.
"""

from django.db import migrations


def extend(apps, schema_editor):
    from tiaodu.cases.workdays import extend_calendar

    extend_calendar(apps.get_model("cases", "WorkDay"))


class Migration(migrations.Migration):
    dependencies = [("cases", "0005_card_rules")]
    operations = [migrations.RunPython(extend, migrations.RunPython.noop)]
