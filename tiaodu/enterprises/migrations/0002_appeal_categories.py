"""The appeal categories of the 企业困难收集表 with their time limits (departments linked later)."""

from django.db import migrations


def seed(apps, schema_editor):
    from tiaodu.enterprises.choices import APPEAL_CATEGORIES

    CaseCategory = apps.get_model("cases", "CaseCategory")
    for order, (code, name, _dept, days) in enumerate(APPEAL_CATEGORIES):
        CaseCategory.objects.update_or_create(
            workflow="appeal",
            code=code,
            defaults={"name": name, "time_limit_days": days, "sort_order": order},
        )


def unseed(apps, schema_editor):
    apps.get_model("cases", "CaseCategory").objects.filter(workflow="appeal").delete()


class Migration(migrations.Migration):
    dependencies = [("enterprises", "0001_initial"), ("cases", "0002_seed_calendar")]
    operations = [migrations.RunPython(seed, unseed)]
