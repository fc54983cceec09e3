from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "tiaodu.projects"
    label = "projects"
    verbose_name = "重点项目"

    def ready(self) -> None:
        from tiaodu.cases.sweep import register_hook
        from tiaodu.projects.cards import sweep_projects

        register_hook(sweep_projects)
