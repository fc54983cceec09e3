from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "tiaodu.audit"
    label = "audit"
    verbose_name = "审计日志"

    def ready(self) -> None:
        from tiaodu.audit import guards  # noqa: F401  (append-only guard on log models)
