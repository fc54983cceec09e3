from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "tiaodu.audit"
    label = "audit"
    verbose_name = "审计日志"

    def ready(self) -> None:
        from auditlog.registry import auditlog
        from django_tasks_db.compat import task_finished

        from tiaodu.audit import guards  # noqa: F401  (append-only guard on log models)
        from tiaodu.audit.models import ScheduledTask, TaskRun
        from tiaodu.audit.taskruns import record_run

        task_finished.connect(record_run, dispatch_uid="tiaodu.audit.record_run")
        # Machine bookkeeping, not changes people make: kept out of the change log.
        for model in (TaskRun, ScheduledTask):
            if auditlog.contains(model):
                auditlog.unregister(model)
