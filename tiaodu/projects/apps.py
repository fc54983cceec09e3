from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "tiaodu.projects"
    label = "projects"
    verbose_name = "重点项目"
