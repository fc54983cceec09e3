"""The default backward-scheduling templates (倒排工期) per project kind; editable afterwards."""

from django.db import migrations


def seed(apps, schema_editor):
    from tiaodu.projects.choices import DEFAULT_TEMPLATES

    MilestoneTemplate = apps.get_model("projects", "MilestoneTemplate")
    for project_kind, steps in DEFAULT_TEMPLATES.items():
        for order, (milestone_kind, days) in enumerate(steps, start=1):
            MilestoneTemplate.objects.update_or_create(
                project_kind=str(project_kind),
                milestone_kind=str(milestone_kind),
                defaults={"order": order, "duration_days": days},
            )


def unseed(apps, schema_editor):
    apps.get_model("projects", "MilestoneTemplate").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("projects", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
