from django.apps import AppConfig


class SafetyConfig(AppConfig):
    name = "tiaodu.safety"
    label = "safety"
    verbose_name = "安全生产"

    def ready(self) -> None:
        # Register the hazard workflow with the case engine (hazards then join the 红黄牌 sweep).
        from tiaodu.safety import workflow  # noqa: F401
