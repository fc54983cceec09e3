"""Indicator.may_be_negative: a level that may be below zero (利润总额); set from the catalogue."""

from typing import Any

from django.db import migrations, models


def load(apps: Any, schema_editor: Any) -> None:
    from tiaodu.monitoring.catalogue import load_catalogue

    load_catalogue(apps.get_model("monitoring", "Indicator"))


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0002_builtin_catalogue")]

    operations = [
        migrations.AddField(
            model_name="indicator",
            name="may_be_negative",
            field=models.BooleanField(default=False, help_text="如利润总额(亏损)", verbose_name="可为负数"),
        ),
        migrations.RunPython(load, migrations.RunPython.noop),
    ]
