"""The shipped occupation catalogue (《中华人民共和国职业分类大典(2022年版)》: the 8 大类, the 79
中类 and the 小类/细类 the demo districts' industries use), read from data/occupations.csv."""

from typing import Any

from django.db import migrations


def load(apps: Any, schema_editor: Any) -> None:
    from tiaodu.employment.reference import load_occupations

    load_occupations(apps.get_model("employment", "Occupation"))


def unload(apps: Any, schema_editor: Any) -> None:
    apps.get_model("employment", "Occupation").objects.filter(is_shipped=True).order_by("-level").delete()


class Migration(migrations.Migration):
    dependencies = [("employment", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
