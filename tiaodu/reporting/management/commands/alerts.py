"""``tiaodu alerts --region CODE --period P [--indicator X] [--threshold -10] [--period-basis] [--as USERNAME]``.

Evaluates the year-on-year output growth of the district's key enterprises (重点企业, 亿元以上) and
raises, updates or clears their alerts (see :func:`tiaodu.reporting.services.raise_alerts`).
Idempotent: running it again changes nothing unless figures changed.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tiaodu.core.errors import ServiceError


class Command(BaseCommand):
    help = "计算区县重点企业产值同比增速,降幅超过阈值的生成预警(可重复运行)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--region", required=True, help="区县代码,如 500152")
        parser.add_argument("--period", required=True, help="期别,如 2022年2月(月份按1月至该月累计值比较)")
        parser.add_argument("--indicator", help="指标名称或代码(默认规模以上工业总产值)")
        parser.add_argument("--threshold", help="预警阈值(同比增速,%%),如 -10(默认见设置)")
        parser.add_argument(
            "--period-basis",
            action="store_true",
            help="按当月(当期)值而不是1月至当月累计值比较",
        )
        parser.add_argument("--as", dest="as_user", metavar="USERNAME", help="以该用户的身份和权限范围计算")

    def handle(self, *args: Any, **options: Any) -> None:
        from tiaodu.regions.services import get_region
        from tiaodu.reporting.services import plain, raise_alerts

        try:
            actor = None
            if options["as_user"]:
                from tiaodu.accounts.services import find_user

                actor = find_user(options["as_user"])
            run = raise_alerts(
                actor,
                get_region(options["region"]),
                options["period"],
                indicator=options["indicator"],
                threshold=options["threshold"],
                cumulative=not options["period_basis"],
            )
        except ServiceError as exc:
            raise CommandError(f"{exc.code}: {exc}") from exc
        self.stdout.write(run.message)
        for alert in sorted(run.alerts, key=lambda a: a.growth):
            self.stdout.write(
                f"  {alert.enterprise.name}:本期{plain(alert.value)},上年同期"
                f"{plain(alert.last_year_value)},同比{alert.growth}%({alert.get_state_display()})"
            )
