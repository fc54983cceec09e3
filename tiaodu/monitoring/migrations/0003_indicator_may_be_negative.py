"""Indicator.may_be_negative: a level that may be below zero (利润总额), marked from the catalogue.

Only the flag is set: built-in indicators edited since migration 0002 keep their other fields.
"""

from typing import Any

from django.db import migrations, models


def mark(apps: Any, schema_editor: Any) -> None:
    from tiaodu.monitoring.catalogue import read_catalogue

    codes = [entry["code"] for entry in read_catalogue() if entry["may_be_negative"]]
    apps.get_model("monitoring", "Indicator").objects.filter(code__in=codes).update(may_be_negative=True)


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0002_builtin_catalogue")]

    operations = [
        migrations.AddField(
            model_name="indicator",
            name="may_be_negative",
            field=models.BooleanField(default=False, help_text="如利润总额(亏损)", verbose_name="可为负数"),
        ),
        migrations.RunPython(mark, migrations.RunPython.noop),
    ]
