"""``tiaodu rollup [--period P …] [--indicator X …] [--region CODE] [--as USERNAME]``.

Sums the current enterprise figures of additive indicators up to townships, counties and the
city and stores them as region figures with the source "汇总" (see
:mod:`tiaodu.monitoring.rollup`). Without options: every period and every additive indicator.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tiaodu.core.errors import ServiceError


class Command(BaseCommand):
    help = "将企业指标数据汇总到镇街、区县和全市(只汇总可加总的总量指标;不替换已导入的数据)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", action="append", help="期别,如 2022年1-2月(可重复;默认全部)")
        parser.add_argument("--indicator", action="append", help="指标名称或代码(可重复;默认全部可加总指标)")
        parser.add_argument("--region", help="只汇总该地区范围内的企业(如 500152),只写入完全位于其中的地区")
        parser.add_argument("--as", dest="as_user", metavar="USERNAME", help="以该用户的身份和权限范围汇总")

    def handle(self, *args: Any, **options: Any) -> None:
        from tiaodu.monitoring.rollup import rollup
        from tiaodu.regions.services import get_region

        try:
            actor = None
            if options["as_user"]:
                from tiaodu.accounts.services import find_user

                actor = find_user(options["as_user"])
            within = get_region(options["region"]) if options["region"] else None
            result = rollup(actor, periods=options["period"], indicators=options["indicator"], within=within)
        except ServiceError as exc:
            raise CommandError(f"{exc.code}: {exc}") from exc
        self.stdout.write(f"{result.message}(耗时{result.elapsed_ms / 1000:.1f}秒)")
        kept = result.counts.kept_figures[:20]
        if kept:
            from tiaodu.monitoring.models import Indicator, StatPeriod
            from tiaodu.regions.models import Region

            regions = dict(
                Region.objects.filter(pk__in={k["key"][0] for k in kept}).values_list("pk", "name")
            )
            names = dict(
                Indicator.objects.filter(pk__in={k["key"][1] for k in kept}).values_list("pk", "name")
            )
            periods = dict(
                StatPeriod.objects.filter(pk__in={k["key"][2] for k in kept}).values_list("pk", "label")
            )
            for k in kept:
                region, indicator, period = k["key"]
                self.stdout.write(
                    f"保留已有数据:{regions[region]}{periods[period]}{names[indicator]} "
                    f"现值{k['kept'].normalize():f},汇总值{k['rollup'].normalize():f}"
                )
