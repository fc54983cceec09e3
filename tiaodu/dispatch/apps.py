from django.apps import AppConfig


class DispatchConfig(AppConfig):
    name = "tiaodu.dispatch"
    label = "dispatch"
    verbose_name = "调度任务"

    def ready(self) -> None:
        import tiaodu.dispatch.problems  # noqa: F401  (registers the project-problem workflow)
