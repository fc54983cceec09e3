from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tiaodu.core.worker import Supervisor


def gunicorn_options(bind: str, workers: int, timeout: int | None = None) -> dict[str, Any]:
    """gunicorn's configuration for ``tiaodu serve``.

    ``timeout``: a worker silent this long is killed (its client gets no answer at all), so it
    stays above the request's database statement limit (settings.DB_STATEMENT_TIMEOUT), which
    ends a slow request with a 503 page first. Large imports do not need it: above
    settings.IMPORT_BACKGROUND_ROWS rows they run in the task worker with a progress bar.
    """
    timeout = settings.WEB_TIMEOUT if timeout is None else timeout
    return {
        "bind": bind,
        "workers": workers,
        "accesslog": "-",
        "timeout": timeout,
        "graceful_timeout": max(30, timeout),
        "forwarded_allow_ips": ",".join(settings.FORWARDED_ALLOW_IPS),
    }


class Command(BaseCommand):
    help = "启动平台:tiaodu serve [ADDR:PORT](gunicorn,另起并守护一个后台任务进程,退出即重启)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument("--workers", type=int, default=int(os.environ.get("TIAODU_WORKERS", "2")))
        parser.add_argument("--no-worker", action="store_true", help="不启动后台任务进程")
        parser.add_argument(
            "--timeout",
            type=int,
            default=None,
            help="请求处理超时秒数(默认 TIAODU_WEB_TIMEOUT,120),超时的工作进程被重启",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from gunicorn.app.base import BaseApplication

        bind = options["addrport"]
        if ":" not in bind:
            bind = f"127.0.0.1:{bind}" if bind.isdigit() else f"{bind}:8000"
        supervisor = None
        if not options["no_worker"] and settings.TASKS_BACKEND == "database":
            # tiaodu worker, restarted whenever it exits (backoff, logged) until serve stops.
            supervisor = Supervisor().start()

        class App(BaseApplication):  # type: ignore[misc]
            def load_config(self) -> None:
                for key, value in gunicorn_options(bind, options["workers"], options["timeout"]).items():
                    self.cfg.set(key, value)

            def load(self) -> Any:
                from tiaodu.wsgi import application

                return application

        self.stdout.write(f"tiaodu 已启动:http://{bind}/  (Ctrl-C 停止)")
        try:
            App().run()
        except SystemExit as exc:
            if exc.code not in (0, None):
                raise CommandError(f"server exited with {exc.code}") from exc
        finally:
            if supervisor is not None:
                supervisor.stop()
