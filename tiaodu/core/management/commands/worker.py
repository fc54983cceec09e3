from __future__ import annotations

import logging
from typing import Any

from django.core.management.base import CommandError
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand
from django_tasks_db.management.commands.db_worker import logger

from tiaodu.core.worker import Beat, ResilientWorker, fail_abandoned


class Command(DbWorkerCommand):
    help = (
        "后台任务进程:执行队列中的任务,数据库繁忙时等待重试;每天按时把红黄牌督办扫描、例行清理加入队列"
        "(tiaodu serve 会启动并守护它)"
    )

    def add_arguments(self, parser: Any) -> None:
        super().add_arguments(parser)
        parser.add_argument("--no-schedule", action="store_true", help="不把每日计划任务加入队列")
        parser.add_argument(
            "--abandoned-by", default="", help="(由 serve 传入)已退出的进程编号:其未完成的任务记为失败"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        self.configure_logging(options["verbosity"])
        ours = logging.getLogger("tiaodu.worker")
        ours.setLevel(logging.INFO if options["verbosity"] else logging.CRITICAL)
        if not ours.hasHandlers():
            ours.addHandler(logging.StreamHandler(self.stdout))
        if options["reload"]:
            logger.warning("tiaodu worker does not reload on code changes; restart it instead")
        queue_names = options["queue_name"].split(",")
        excluded = options["exclude_queues"].split(",") if options["exclude_queues"] else []
        if excluded and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = ResilientWorker(
            queue_names=queue_names,
            interval=options["interval"],
            batch=options["batch"],
            backend_name=options["backend_name"],
            startup_delay=options["startup_delay"],
            max_tasks=options["max_tasks"],
            worker_id=options["worker_id"],
            excluded_queue_names=excluded,
        )
        if options["abandoned_by"] and (failed := fail_abandoned(options["abandoned_by"])):
            logging.getLogger("tiaodu.worker").warning(
                "%s task(s) left running by a dead worker failed", failed
            )
        if not options["batch"]:
            Beat(schedule=not options["no_schedule"]).start()
        worker.configure_signals()
        worker.run()
