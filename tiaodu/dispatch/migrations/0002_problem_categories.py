"""The project-problem categories with their time limits (departments are linked by the demo loader)."""

from django.db import migrations


def seed(apps, schema_editor):
    from tiaodu.dispatch.choices import PROBLEM_CATEGORIES

    CaseCategory = apps.get_model("cases", "CaseCategory")
    for order, (code, name, _dept, days) in enumerate(PROBLEM_CATEGORIES):
        CaseCategory.objects.update_or_create(
            workflow="project_problem",
            code=code,
            defaults={"name": name, "time_limit_days": days, "sort_order": order},
        )


def unseed(apps, schema_editor):
    apps.get_model("cases", "CaseCategory").objects.filter(workflow="project_problem").delete()


class Migration(migrations.Migration):
    dependencies = [("dispatch", "0001_initial"), ("cases", "0002_seed_calendar")]
    operations = [migrations.RunPython(seed, unseed)]
