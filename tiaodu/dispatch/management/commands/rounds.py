"""``tiaodu rounds open|remind|close --kind dispatch|reporting --region CODE --period P [--as USERNAME]``.

One command for both kinds of rounds (ADR 0028): 调度任务 (``--kind dispatch``, the default) and
报送任务 (``--kind reporting``). A round is named by its district (``--region``, any region of the
district, default the home district) and its period (期次/期别 as staff write it: 2022年3月,
2022年3月上旬, 2022年第3旬, 2022年第10周); a reporting round also by ``--unit-kind``
(enterprise, the default, or department). ``--as USERNAME`` acts as that user, with the user's
permissions and scope; without it the command acts as the server operator.

    tiaodu rounds open --kind dispatch --region 500152 --period 2022年3月 --due 2022-04-05 --as zhangsan
    tiaodu rounds open --kind reporting --period 2022年2月 --due 2022-03-05 --indicators gy_zcz,yysr
    tiaodu rounds remind --kind dispatch --period 2022年3月 --note 请于今日下班前填报
    tiaodu rounds close --kind reporting --period 2022年2月 --unit-kind department

Errors are ``CommandError("code: message")`` with the services' stable codes.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tiaodu.core import rounds
from tiaodu.core.errors import ServiceError, invalid


def _date(text: str, field: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise invalid(field, "date_invalid", f"日期“{text}”格式应为 YYYY-MM-DD") from None


class Command(BaseCommand):
    help = "调度任务和报送任务:发起(open)、催报(remind)、关闭并冻结汇总(close)"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        for name, title in (
            ("open", "发起任务"),
            ("remind", "催报未报单位"),
            ("close", "关闭任务并冻结汇总"),
        ):
            p = sub.add_parser(name, help=title)
            p.add_argument("--kind", choices=("dispatch", "reporting"), default="dispatch", help="任务类型")
            p.add_argument(
                "--region", default=settings.HOME_REGION_CODE, help="区县(或其下任一地区)的区划代码"
            )
            p.add_argument(
                "--period", required=True, help="期次/期别,如 2022年3月、2022年3月上旬、2022年第10周"
            )
            p.add_argument(
                "--unit-kind",
                choices=("enterprise", "department"),
                default="enterprise",
                help="报送任务的报送单位类型(仅 reporting)",
            )
            p.add_argument("--as", dest="as_user", metavar="USERNAME", help="以该用户的身份和权限范围操作")
            if name == "open":
                p.add_argument("--due", required=True, help="填报截止日期 YYYY-MM-DD")
                p.add_argument("--notes", default="", help="说明")
                p.add_argument(
                    "--period-kind", choices=("week", "xun", "month"), help="调度周期(默认由期次推断)"
                )
                p.add_argument("--start", help="开始日期 YYYY-MM-DD(默认由期次推断)")
                p.add_argument("--end", help="结束日期 YYYY-MM-DD(默认由期次推断)")
                p.add_argument("--indicators", default="", help="报送指标(代码或名称,逗号分隔;仅 reporting)")
                p.add_argument(
                    "--unit-filter", default="", help="报送范围:above_scale、key、all、departments"
                )
                p.add_argument("--period-basis", action="store_true", help="月报按当月值而不是累计值报送")
            if name == "remind":
                p.add_argument("--note", default="", help="催报说明")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            self.stdout.write(self.run(options))
        except ServiceError as exc:
            raise CommandError(f"{exc.code}: {exc}") from exc

    def run(self, options: dict[str, Any]) -> str:
        from tiaodu.accounts.services import find_user
        from tiaodu.regions.services import get_region

        kind = rounds.get_kind(options["kind"])
        actor = find_user(options["as_user"]) if options["as_user"] else None
        district = rounds.district_of(get_region(options["region"]))
        action = options["action"]
        if action == "open":
            return self.open(kind.name, actor, district, options)
        rnd = kind.find(district, options["period"], unit_kind=options["unit_kind"])
        if action == "remind":
            reminder = rounds.remind(kind, actor, rnd.pk, options["note"])
            return f"已催报{kind.title(rnd)}:{reminder.missing_count}个未报{kind.unit_noun}" + (
                f"({'、'.join(reminder.unit_names[:20])}{'等' if reminder.missing_count > 20 else ''})"
            )
        rnd = rounds.close(kind, actor, rnd.pk)
        return f"{kind.noun}“{kind.title(rnd)}”已关闭,数据已冻结:已报{rnd.reported_count}/{rnd.expected_count}个{kind.unit_noun}"

    def open(self, kind: str, actor: Any, district: Any, options: dict[str, Any]) -> str:
        due = _date(options["due"], "due_on")
        if kind == "dispatch":
            from tiaodu.dispatch import services as dispatch

            period_kind, start, end = dispatch.period_bounds(
                options["period"],
                options["period_kind"],
                _date(options["start"], "period_start") if options["start"] else None,
                _date(options["end"], "period_end") if options["end"] else None,
            )
            rnd = dispatch.open_round(
                actor,
                district=district,
                period_kind=period_kind,
                period_label=options["period"],
                period_start=start,
                period_end=end,
                due_on=due,
                notes=options["notes"],
            )
            return f"已发起调度任务“{rnd.period_label}”({district.name}),共{rnd.expected_count}个项目"
        from tiaodu.reporting import services as reporting

        indicators = [i.strip() for i in options["indicators"].replace(",", ",").split(",") if i.strip()]
        report = reporting.open_round(
            actor,
            district=district,
            period=options["period"],
            indicators=indicators,
            due_on=due,
            unit_kind=options["unit_kind"],
            unit_filter=options["unit_filter"],
            cumulative=not options["period_basis"],
            notes=options["notes"],
        )
        return f"已发起报送任务“{report.title}”({district.name}),共{report.expected_count}个报送单位"
