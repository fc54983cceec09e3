"""Project problems follow the key-project card rules: yellow once overdue, red 15 working days late."""

from django.db import migrations


def forwards(apps, schema_editor):
    apps.get_model("cases", "CaseCategory").objects.filter(workflow="project_problem").update(
        yellow_after_days=0, red_after_days=15
    )


def backwards(apps, schema_editor):
    apps.get_model("cases", "CaseCategory").objects.filter(workflow="project_problem").update(
        red_after_days=5
    )


class Migration(migrations.Migration):
    dependencies = [("dispatch", "0002_problem_categories"), ("cases", "0005_card_rules")]
    operations = [migrations.RunPython(forwards, backwards)]
