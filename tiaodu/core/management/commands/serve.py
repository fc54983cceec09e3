from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tiaodu.core.worker import Supervisor


class Command(BaseCommand):
    help = "启动平台:tiaodu serve [ADDR:PORT](gunicorn,另起并守护一个后台任务进程,退出即重启)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument("--workers", type=int, default=int(os.environ.get("TIAODU_WORKERS", "2")))
        parser.add_argument("--no-worker", action="store_true", help="不启动后台任务进程")

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
                self.cfg.set("bind", bind)
                self.cfg.set("workers", options["workers"])
                self.cfg.set("accesslog", "-")
                self.cfg.set("forwarded_allow_ips", os.environ.get("TIAODU_FORWARDED_ALLOW_IPS", "127.0.0.1"))

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
